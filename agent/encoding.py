"""Prompts to model inputs: the chat format, left-padded batches, and logits at kept positions.

Shared LM plumbing of everything that runs the base model through transformers: the
policy (:mod:`explore.agent.policy`), the reflector, the SFT code and the frozen trunk
(:mod:`explore.agent.trunk`). One place, so training and inference build the same text
and the same tensors.

``torch`` is imported on first use, not with this module: the command line imports the
chat format while the numpy runtime (:mod:`explore.agent.runtime`) decides, and it never
needs the seconds of a torch import.
"""
from __future__ import annotations

import importlib
from collections.abc import Sequence
from contextlib import nullcontext
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
else:
    class _Torch:
        """``torch``, imported on first use (see the module docstring). Modules that import
        this name share the one object; each attribute is looked up in torch once."""

        def __getattr__(self, name: str) -> Any:
            value = getattr(importlib.import_module("torch"), name)
            setattr(self, name, value)
            return value

    torch = _Torch()


def format_chat(tokenizer: Any, text: str, *, chat_template: bool = True) -> str:
    """Wrap ``text`` as one user turn with the assistant turn opened, if the tokenizer has a template.

    Shared by policy, reflector and the SFT code so training and inference see the same text.
    """
    if chat_template and getattr(tokenizer, "chat_template", None):
        messages = [{"role": "user", "content": text}]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return text


def left_pad(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-pad token id lists so every row's last token sits at the final position."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if row:
            ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
            mask[i, width - len(row):] = 1
    return ids, mask


def keep_positions(lengths: Sequence[int], width: int, at: Sequence[Sequence[int]] | None) -> torch.Tensor | None:
    """``[B, K]`` positions ``at[b]`` (indices into row b) in a left-padded batch of rows of
    ``lengths``, short rows repeating their last; None (the last position) without ``at``."""
    if at is None:
        return None
    k = max(len(a) for a in at)
    out = torch.empty((len(lengths), k), dtype=torch.long)
    for b, (n, pos) in enumerate(zip(lengths, at)):
        padded = [width - n + p for p in pos]
        out[b] = torch.tensor(padded + padded[-1:] * (k - len(padded)))
    return out


def model_device(model: Any) -> torch.device:
    """The device ``model``'s weights are on (``cpu``, or the GPU ``explore train --device``
    put them on)."""
    for param in model.parameters():
        return param.device
    return torch.device("cpu")


def on_device(model: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with every tensor moved to ``model``'s device: batches are built on the CPU
    and moved once, where they enter the model (a no-op on the CPU)."""
    device = model_device(model)
    return {k: v.to(device) if isinstance(v, torch.Tensor) and v.device != device else v for k, v in kwargs.items()}


def autocast(model: Any, bf16: bool) -> Any:
    """bf16 autocast on ``model``'s device when ``bf16``, else nothing."""
    if not bf16:
        return nullcontext()
    return torch.autocast(model_device(model).type, dtype=torch.bfloat16)


def run_kept(model: Any, kwargs: dict[str, Any], keep_kw: str | None, keep: torch.Tensor | None) -> torch.Tensor:
    """``model(**kwargs)`` logits ``[B, K, V]`` at positions ``keep`` (None: the last one),
    computed only there when the model can (``logits_to_keep``), else taken from all of them;
    the inputs are moved to the model's device (:func:`on_device`), the logits stay there."""
    kwargs = on_device(model, kwargs)
    if keep is not None:
        keep = keep.to(model_device(model))
    if keep is None:
        if keep_kw:
            kwargs = {**kwargs, keep_kw: 1}
        return model(**kwargs).logits[:, -1:, :]
    if keep_kw == "logits_to_keep" and _tensor_keep():
        return model(**kwargs, logits_to_keep=keep).logits
    logits = model(**kwargs).logits
    return logits.gather(1, keep[:, :, None].expand(-1, -1, logits.shape[-1]))


@cache
def _tensor_keep() -> bool:
    """Whether this transformers slices ``logits_to_keep`` given as a per-row 2-D tensor.

    Asked on first use, not at import: a question answered by the numpy runtime
    (:mod:`explore.agent.runtime`) never needs transformers imported at all."""
    try:
        from transformers.modeling_utils import slice_logits_to_keep  # noqa: F401
    except ImportError:
        return False
    return True
