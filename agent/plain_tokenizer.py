"""A model folder's tokenizer without transformers: ``tokenizer.json`` plus the chat template.

What the policy calls of a transformers tokenizer, and nothing more, so the numpy runtime
(:mod:`explore.agent.runtime`) answers a question without importing transformers.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .llama import RuntimeUnsupported


def _token_text(value: Any) -> str | None:
    """A special token as tokenizer_config.json spells it: a string or ``{"content": ...}``."""
    if isinstance(value, dict):
        return value.get("content")
    return value if isinstance(value, str) else None


class PlainTokenizer:
    """A model folder's ``tokenizer.json`` and chat template, without transformers.

    Offers what the policy calls: ``tokenizer(text, add_special_tokens=, return_offsets_mapping=)``,
    ``encode``, ``decode``, ``apply_chat_template`` (rendered with Jinja as transformers does:
    a sandboxed environment, ``trim_blocks`` and ``lstrip_blocks``) and the special token ids.
    """

    def __init__(self, folder: str | Path) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        try:  # a file cut short or of another shape: the usual path loads none either, and names the folder
            self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
            self._tok.no_padding()
            self._tok.no_truncation()
            config_file = folder / "tokenizer_config.json"
            config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
            if not isinstance(config, dict):
                raise ValueError("tokenizer_config.json holds no object")
            template_file = folder / "chat_template.jinja"
            template = config.get("chat_template")
            if template_file.is_file():
                template = template_file.read_text(encoding="utf-8")
            if template is not None and not isinstance(template, str):
                raise RuntimeUnsupported("named chat templates are not supported by the plain tokenizer")
            self.chat_template: str | None = template
            self._compiled: Any = None
            if template is not None:
                self._template()  # compiled now: a damaged one is found at load, not at a walk's first step
        except RuntimeUnsupported:
            raise
        except Exception as exc:  # noqa: BLE001 - the tokenizers library's, JSON's and Jinja's own errors
            raise RuntimeUnsupported(f"the tokenizer in {folder} cannot be read ({exc})") from None
        self.special = {name: _token_text(config.get(name)) for name in
                        ("bos_token", "eos_token", "pad_token", "unk_token")}
        self.eos_token = self.special["eos_token"]
        self.pad_token = self.special["pad_token"] or self.eos_token
        self.eos_token_id = self._id(self.eos_token)
        self.pad_token_id = self._id(self.pad_token)
        self.padding_side = "left"

    def _template(self) -> Any:
        """The chat template, compiled once."""
        if self._compiled is None:
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            def raise_exception(message: str) -> None:
                raise ValueError(message)

            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
            env.globals["raise_exception"] = raise_exception
            self._compiled = env.from_string(self.chat_template)
        return self._compiled

    def _id(self, token: str | None) -> int | None:
        return None if token is None else self._tok.token_to_id(token)

    def __call__(self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False
                 ) -> dict[str, list[Any]]:
        enc = self._tok.encode(text, add_special_tokens=add_special_tokens)
        out: dict[str, list[Any]] = {"input_ids": list(enc.ids)}
        if return_offsets_mapping:
            out["offset_mapping"] = list(enc.offsets)
        return out

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return list(self._tok.encode(text, add_special_tokens=add_special_tokens).ids)

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = False) -> str:
        return self._tok.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def apply_chat_template(self, messages: Sequence[Mapping[str, str]], tokenize: bool = False,
                            add_generation_prompt: bool = False) -> str:
        if tokenize:
            raise NotImplementedError("the plain tokenizer renders chat text only (tokenize=False)")
        if self.chat_template is None:
            raise ValueError("this tokenizer has no chat template")
        return self._template().render(messages=list(messages), add_generation_prompt=add_generation_prompt,
                                     **{k: v for k, v in self.special.items() if v is not None})
