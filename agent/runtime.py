"""The inference runtime: a trained navigator answered with torch alone, no transformers, no peft.

`explore ask` used to import transformers and peft (seconds on 2 cores, more than the walk)
to run a 135M Llama with a LoRA adapter. At inference nothing of theirs is needed: the
adapter is a low-rank update ``W + (alpha / r) * B @ A`` that can be folded into the base
weights once at load (a few milliseconds; there is nothing to cache on disk), the model is
thirty identical blocks of RMSNorm, rotary attention and a SiLU MLP, and the tokenizer is
the ``tokenizers`` file plus a Jinja chat template. :func:`load_runtime` builds that:

* :class:`LlamaRunner` — the Llama forward pass in plain torch, called exactly as
  :class:`~explore.agent.policy.LMPolicy` calls a transformers model (``input_ids``,
  ``attention_mask``, ``position_ids``, ``past_key_values``, ``logits_to_keep``), so the
  policy's prompts, heads and prefix cache are the same code on both paths;
* :class:`KVCache` — key/value tensors per layer, cheap to copy and extend;
* :class:`PlainTokenizer` — the subset of a transformers tokenizer the policy uses.

Anything the runtime does not cover (another architecture, rotary scaling, DoRA or other
adapter types, a LoRA reflector, which generates) makes :func:`load_runtime` return None
and the caller loads the transformers + peft model as before. The two paths agree on the
action distribution within :data:`PROB_TOLERANCE` (tests/agent/test_runtime.py checks it on
a tiny real model; benchmarks/bench_latency.py on the shipped navigator and real prompts).
"""
from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

#: Largest difference in any action's probability allowed between this runtime (merged
#: weights) and transformers + peft (adapter applied on the fly), both fp32. Measured on
#: the shipped navigator: see the README's latency section.
PROB_TOLERANCE = 1e-4

#: Architectures the runner implements (a Llama decoder with default rotary embeddings).
ARCHITECTURES = frozenset({"LlamaForCausalLM"})


class RuntimeUnsupported(ValueError):
    """The model or adapter needs something this runtime does not implement; use transformers."""


# --- tokenizer ---------------------------------------------------------------------------


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
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.no_truncation()
        config_file = folder / "tokenizer_config.json"
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
        template_file = folder / "chat_template.jinja"
        template = config.get("chat_template")
        if template_file.is_file():
            template = template_file.read_text(encoding="utf-8")
        if template is not None and not isinstance(template, str):
            raise RuntimeUnsupported("named chat templates are not supported by the plain tokenizer")
        self.chat_template: str | None = template
        self._compiled: Any = None
        self.special = {name: _token_text(config.get(name)) for name in
                        ("bos_token", "eos_token", "pad_token", "unk_token")}
        self.eos_token = self.special["eos_token"]
        self.pad_token = self.special["pad_token"] or self.eos_token
        self.eos_token_id = self._id(self.eos_token)
        self.pad_token_id = self._id(self.pad_token)
        self.padding_side = "left"

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
        if self._compiled is None:
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            def raise_exception(message: str) -> None:
                raise ValueError(message)

            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
            env.globals["raise_exception"] = raise_exception
            self._compiled = env.from_string(self.chat_template)
        return self._compiled.render(messages=list(messages), add_generation_prompt=add_generation_prompt,
                                     **{k: v for k, v in self.special.items() if v is not None})


# --- the model ---------------------------------------------------------------------------


class KVCache:
    """Keys and values per layer, ``[B, kv_heads, T, head_dim]`` each; what the runner reads and extends.

    Named like the transformers cache methods the policy calls (``get_seq_length``,
    ``batch_repeat_interleave``); a deep copy clones the tensors (the runner extends a cache
    in place, so a kept prefix is copied before use).
    """

    def __init__(self, layers: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * layers
        self.values: list[torch.Tensor | None] = [None] * layers

    def get_seq_length(self) -> int:
        first = self.keys[0]
        return 0 if first is None else int(first.shape[2])

    def update(self, layer: int, key: torch.Tensor, value: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        old_k, old_v = self.keys[layer], self.values[layer]
        if old_k is not None and old_v is not None:
            key, value = torch.cat([old_k, key], dim=2), torch.cat([old_v, value], dim=2)
        self.keys[layer], self.values[layer] = key, value
        return key, value

    def crop_to(self, length: int) -> None:
        """Keep the first ``length`` positions (those of a shorter prefix: causal, so exact)."""
        self.keys = [None if k is None else k[:, :, :length] for k in self.keys]
        self.values = [None if v is None else v[:, :, :length] for v in self.values]

    def batch_repeat_interleave(self, repeats: int) -> None:
        self.keys = [None if k is None else k.repeat_interleave(repeats, dim=0) for k in self.keys]
        self.values = [None if v is None else v.repeat_interleave(repeats, dim=0) for v in self.values]

    def __deepcopy__(self, memo: dict[int, Any]) -> KVCache:
        out = KVCache(len(self.keys))
        out.keys, out.values = list(self.keys), list(self.values)  # tensors are replaced, never written
        return out


@dataclass
class RunnerOutput:
    logits: torch.Tensor
    past_key_values: KVCache | None


def _rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    dtype = x.dtype
    x = x.float()
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return weight * x.to(dtype)


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaRunner(torch.nn.Module):
    """A Llama decoder's forward pass in plain torch, for inference (no gradients needed).

    ``weights`` are the model's state dict with any LoRA already merged; ``head_lora`` is a
    low-rank ``(A, B, scale)`` update of a *tied* ``lm_head`` (folding it in would change the
    input embeddings too, so it is applied at the kept positions only).
    """

    keeps_positions = True
    """``logits_to_keep`` may be a ``[B, K]`` tensor of positions, as recent transformers take."""

    def __init__(self, config: Mapping[str, Any], weights: Mapping[str, torch.Tensor],
                 head_lora: tuple[torch.Tensor, torch.Tensor, float] | None = None) -> None:
        super().__init__()
        self.config = dict(config)
        self.n_layers = int(config["num_hidden_layers"])
        self.n_heads = int(config["num_attention_heads"])
        self.n_kv = int(config.get("num_key_value_heads") or self.n_heads)
        self.head_dim = int(config.get("head_dim") or config["hidden_size"] // self.n_heads)
        self.eps = float(config.get("rms_norm_eps", 1e-6))
        rope = config.get("rope_parameters") or {}
        theta = float(rope.get("rope_theta", config.get("rope_theta", 10000.0)))
        self.register_buffer("inv_freq", 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.float)
                                                         / self.head_dim)), persistent=False)
        self.params = torch.nn.ParameterDict()
        for name, tensor in weights.items():
            self.params[name.replace(".", "__")] = torch.nn.Parameter(tensor, requires_grad=False)
        self._w = {name: self.params[name.replace(".", "__")] for name in weights}
        self.embed = self._w["model.embed_tokens.weight"]
        self.lm_head = self._w.get("lm_head.weight", self.embed)
        self.head_lora = head_lora
        self.layers = [{part: self._w[f"model.layers.{i}.{part}.weight"] for part in (
            "input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.k_proj",
            "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")}
            for i in range(self.n_layers)]
        self.norm = self._w["model.norm.weight"]
        self.name_or_path = str(config.get("_name_or_path", ""))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        use_cache: bool = False,
        logits_to_keep: int | torch.Tensor = 0,
    ) -> RunnerOutput:
        batch, length = input_ids.shape
        seen = past_key_values.get_seq_length() if past_key_values is not None else 0
        if attention_mask is None:
            attention_mask = torch.ones((batch, seen + length), dtype=torch.long)
        if position_ids is None:
            position_ids = torch.arange(seen, seen + length)[None].expand(batch, -1)
        cache = past_key_values if past_key_values is not None else (KVCache(self.n_layers) if use_cache else None)
        x = F.embedding(input_ids, self.embed)
        freqs = position_ids[..., None].float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None].to(x.dtype), emb.sin()[:, None].to(x.dtype)
        # causal over the whole (cached + new) sequence, and no attention to padding
        causal = torch.ones((length, seen + length), dtype=torch.bool).tril(diagonal=seen)
        if bool(attention_mask.all()):
            mask = None if seen == 0 else causal[None, None]
        else:  # a padding query attends to itself only: finite, and never attended to
            itself = torch.zeros_like(causal)
            itself[:, seen:] = torch.eye(length, dtype=torch.bool)
            mask = (causal[None, None] & attention_mask.bool()[:, None, None, :]) | itself
        groups = self.n_heads // self.n_kv
        for i, w in enumerate(self.layers):
            h = _rms_norm(x, w["input_layernorm"], self.eps)
            q = F.linear(h, w["self_attn.q_proj"]).view(batch, length, self.n_heads, self.head_dim).transpose(1, 2)
            k = F.linear(h, w["self_attn.k_proj"]).view(batch, length, self.n_kv, self.head_dim).transpose(1, 2)
            v = F.linear(h, w["self_attn.v_proj"]).view(batch, length, self.n_kv, self.head_dim).transpose(1, 2)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            if cache is not None:
                k, v = cache.update(i, k, v)
            if groups > 1:
                k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
            if mask is None and seen == 0:
                att = F.scaled_dot_product_attention(q, k, v, is_causal=length > 1)
            else:
                att = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            att = att.transpose(1, 2).reshape(batch, length, self.n_heads * self.head_dim)
            x = x + F.linear(att, w["self_attn.o_proj"])
            h = _rms_norm(x, w["post_attention_layernorm"], self.eps)
            x = x + F.linear(F.silu(F.linear(h, w["mlp.gate_proj"])) * F.linear(h, w["mlp.up_proj"]),
                             w["mlp.down_proj"])
        if isinstance(logits_to_keep, torch.Tensor):
            x = torch.take_along_dim(x, logits_to_keep[..., None], dim=1)
        elif logits_to_keep:
            x = x[:, -logits_to_keep:, :]
        x = _rms_norm(x, self.norm, self.eps)
        logits = F.linear(x, self.lm_head)
        if self.head_lora is not None:
            a, b, scale = self.head_lora
            logits = logits + F.linear(F.linear(x, a), b) * scale
        return RunnerOutput(logits=logits, past_key_values=cache if use_cache else None)


# --- loading ------------------------------------------------------------------------------

_LORA_KEY = re.compile(r"^(?:base_model\.model\.)?(.+)\.(lora_A|lora_B)(?:\.[^.]+)?\.weight$")


def merge_lora(weights: dict[str, torch.Tensor], adapter_dir: str | Path, *, tied: bool
               ) -> tuple[torch.Tensor, torch.Tensor, float] | None:
    """Fold a saved LoRA adapter into ``weights`` in place (``W += scale * B @ A``).

    Returns the tied ``lm_head``'s update as ``(A, B, scale)`` when the adapter has one (it
    cannot be folded into a weight the input embeddings share). Raises
    :class:`RuntimeUnsupported` for anything but a plain LoRA on linear layers.
    """
    from safetensors.torch import load_file

    adapter_dir = Path(adapter_dir)
    config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    if config.get("peft_type", "LORA") != "LORA":
        raise RuntimeUnsupported(f"adapter type {config.get('peft_type')!r}")
    for key in ("use_dora", "modules_to_save", "rank_pattern", "alpha_pattern", "trainable_token_indices",
                "fan_in_fan_out", "layer_replication", "lora_bias"):
        if config.get(key):
            raise RuntimeUnsupported(f"adapter setting {key}={config[key]!r}")
    if config.get("bias", "none") != "none":
        raise RuntimeUnsupported(f"adapter bias {config['bias']!r}")
    r, alpha = int(config["r"]), float(config["lora_alpha"])
    scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r
    state = load_file(str(adapter_dir / "adapter_model.safetensors"))
    pairs: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in state.items():
        match = _LORA_KEY.match(key)
        if not match:
            raise RuntimeUnsupported(f"adapter tensor {key}")
        pairs.setdefault(match.group(1), {})[match.group(2)] = tensor.float()
    head: tuple[torch.Tensor, torch.Tensor, float] | None = None
    for module, pair in pairs.items():
        if set(pair) != {"lora_A", "lora_B"}:
            raise RuntimeUnsupported(f"adapter module {module} lacks one of its two matrices")
        a, b = pair["lora_A"], pair["lora_B"]
        if module == "lm_head" and tied:
            if (b.shape[0], a.shape[1]) != tuple(weights["model.embed_tokens.weight"].shape):
                raise RuntimeUnsupported("adapter matrices of lm_head do not fit the embeddings")
            head = (a, b, scale)
            continue
        name = f"{module}.weight"
        if name not in weights:
            raise RuntimeUnsupported(f"adapter patches {module}, which the model does not have")
        weight = weights[name]
        if (b.shape[0], a.shape[1]) != tuple(weight.shape) or a.shape[0] != b.shape[1]:
            raise RuntimeUnsupported(f"adapter matrices of {module} do not fit its weight {tuple(weight.shape)}")
        weights[name] = weight + (b @ a * scale).to(weight.dtype)
    return head


def load_runtime(folder: str | Path, adapter: str | Path | None = None) -> tuple[LlamaRunner, PlainTokenizer]:
    """The runner (with ``adapter`` merged) and tokenizer of a local model folder.

    Raises :class:`RuntimeUnsupported` when the folder's model or the adapter is outside
    what the runtime implements; the caller then loads it with transformers.
    """
    from safetensors.torch import load_file

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    archs = config.get("architectures") or []
    if not set(archs) <= ARCHITECTURES or not archs:
        raise RuntimeUnsupported(f"architecture {archs}")
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", rope.get("type", "default")) != "default":
        raise RuntimeUnsupported(f"rotary scaling {rope}")
    if config.get("attention_bias") or config.get("mlp_bias") or config.get("hidden_act", "silu") != "silu":
        raise RuntimeUnsupported("biases or an activation other than SiLU")
    if int(config.get("pretraining_tp", 1)) != 1:
        raise RuntimeUnsupported("pretraining_tp")
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise RuntimeUnsupported("no safetensors weights")
    weights: dict[str, torch.Tensor] = {}
    for file in files:
        weights.update(load_file(str(file)))
    weights = {k: v.float() for k, v in weights.items()}
    tied = bool(config.get("tie_word_embeddings", False)) or "lm_head.weight" not in weights
    if tied:
        weights.pop("lm_head.weight", None)
    head = merge_lora(weights, adapter, tied=tied) if adapter is not None else None
    runner = LlamaRunner(config, weights, head)
    runner.eval()
    return runner, PlainTokenizer(folder)


def clone_cache(cache: KVCache) -> KVCache:
    """A copy of ``cache`` that a forward pass may extend without touching the original."""
    return copy.deepcopy(cache)
