"""A Llama decoder on numpy arrays: the forward pass, its key/value cache, and LoRA merged at load.

At inference nothing of torch's is needed to run a 135M Llama with a LoRA adapter: the
adapter is a low-rank update ``W + (alpha / r) * B @ A`` folded into the base weights once
at load (milliseconds: nothing to cache on disk), and the model is thirty identical blocks
of RMSNorm, rotary attention and a SiLU MLP whose matrix products numpy's BLAS runs as fast
as torch's on this CPU. :mod:`explore.agent.runtime` puts a policy on it.

Anything this module does not implement (another architecture, DoRA or other adapter
types, weights that are not float32) raises :class:`RuntimeUnsupported`, and the caller
runs transformers + peft instead.
"""
from __future__ import annotations

import json
import math
import mmap
import os
import re
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: Architectures the runner implements (a Llama decoder with default rotary embeddings).
ARCHITECTURES = frozenset({"LlamaForCausalLM"})


class RuntimeUnsupported(ValueError):
    """The model or adapter needs something this runtime does not implement; use transformers."""


class KVCache:
    """Keys and values per layer, ``[kv_heads, T, head_dim]`` each, for one token sequence.

    Extending replaces the arrays (never writes into them), so a kept prefix is shared by
    the continuations made from it without copying."""

    def __init__(self, layers: int) -> None:
        self.keys: list[np.ndarray | None] = [None] * layers
        self.values: list[np.ndarray | None] = [None] * layers

    def get_seq_length(self) -> int:
        first = self.keys[0]
        return 0 if first is None else int(first.shape[1])

    def update(self, layer: int, key: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        old_k, old_v = self.keys[layer], self.values[layer]
        if old_k is not None and old_v is not None:
            key, value = np.concatenate([old_k, key], axis=1), np.concatenate([old_v, value], axis=1)
        self.keys[layer], self.values[layer] = key, value
        return key, value

    def copy(self) -> KVCache:
        out = KVCache(len(self.keys))
        out.keys, out.values = list(self.keys), list(self.values)
        return out

    def crop_to(self, length: int) -> None:
        """Keep the first ``length`` positions (those of a shorter prefix: causal, so exact)."""
        self.keys = [None if k is None else k[:, :length] for k in self.keys]
        self.values = [None if v is None else v[:, :length] for v in self.values]


def _rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def _rotate(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return x * cos + np.concatenate((-x[..., half:], x[..., :half]), axis=-1) * sin


def _silu(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for very negative x: x / inf = -0
        return x / (np.float32(1.0) + np.exp(-x))


class LlamaRunner:
    """A Llama decoder's forward pass on numpy float32 arrays, for inference.

    ``weights`` are the model's tensors with any LoRA already merged; ``head_lora`` is a
    low-rank ``(A, B, scale)`` update of a *tied* ``lm_head`` (folding it in would change the
    input embeddings too, so it is applied to the scored rows only).
    """

    def __init__(self, config: Mapping[str, Any], weights: Mapping[str, np.ndarray],
                 head_lora: tuple[np.ndarray, np.ndarray, float] | None = None) -> None:
        self.config = dict(config)
        self.n_layers = int(config["num_hidden_layers"])
        self.n_heads = int(config["num_attention_heads"])
        self.n_kv = int(config.get("num_key_value_heads") or self.n_heads)
        self.head_dim = int(config.get("head_dim") or config["hidden_size"] // self.n_heads)
        self.eps = np.float32(config.get("rms_norm_eps", 1e-6))
        rope = config.get("rope_parameters") or {}
        theta = float(rope.get("rope_theta", config.get("rope_theta", 10000.0)))
        steps = np.arange(0, self.head_dim, 2, dtype=np.float32) / np.float32(self.head_dim)
        self.inv_freq = (np.float32(1.0) / (np.float32(theta) ** steps)).astype(np.float32)
        self.embed = weights["model.embed_tokens.weight"]
        self.lm_head = weights.get("lm_head.weight", self.embed)
        self.head_lora = head_lora
        self.layers = [{part: weights[f"model.layers.{i}.{part}.weight"] for part in (
            "input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.k_proj",
            "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")}
            for i in range(self.n_layers)]
        self.norm = weights["model.norm.weight"]
        self.scale = np.float32(1.0 / math.sqrt(self.head_dim))
        self.tokens_run = 0
        """Tokens run through the model so far: what a decision costs, and what caching saves."""

    def run(self, ids: Sequence[int], cache: KVCache, rows: Sequence[int] | None = None) -> np.ndarray:
        """Hidden states (after the final norm) of ``ids`` continuing ``cache``, which is
        extended with their keys and values: ``[T, D]``, or only ``rows`` (positions in
        ``ids``) of them. The last block computes its attention and MLP for those rows only
        (its keys and values for all): nothing after it reads the others."""
        seen, length = cache.get_seq_length(), len(ids)
        self.tokens_run += length
        x = self.embed[np.asarray(ids, dtype=np.int64)]
        freqs = np.arange(seen, seen + length, dtype=np.float32)[:, None] * self.inv_freq[None, :]
        emb = np.concatenate((freqs, freqs), axis=-1)
        cos, sin = np.cos(emb)[None], np.sin(emb)[None]
        # query i (position seen + i) sees keys 0 .. seen + i
        future = np.arange(seen + length)[None, :] > (seen + np.arange(length))[:, None]
        groups, hd = self.n_heads // self.n_kv, self.head_dim
        for i, w in enumerate(self.layers):
            h = _rms_norm(x, w["input_layernorm"], self.eps)
            k = (h @ w["self_attn.k_proj"].T).reshape(length, self.n_kv, hd).transpose(1, 0, 2)
            v = (h @ w["self_attn.v_proj"].T).reshape(length, self.n_kv, hd).transpose(1, 0, 2)
            k, v = cache.update(i, _rotate(k, cos, sin), v)
            if rows is not None and i == self.n_layers - 1:
                keep = np.asarray(rows, dtype=np.int64)
                x, h, future, cos, sin = x[keep], h[keep], future[keep], cos[:, keep], sin[:, keep]
            n = len(x)
            if n == 0:
                break
            q = (h @ w["self_attn.q_proj"].T).reshape(n, self.n_heads, hd).transpose(1, 0, 2)
            q = _rotate(q, cos, sin).reshape(self.n_kv, groups * n, hd)
            scores = (q @ k.transpose(0, 2, 1)).reshape(self.n_kv, groups, n, -1) * self.scale
            scores[..., future] = -np.inf
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            att = (scores.reshape(self.n_kv, groups * n, -1) @ v).reshape(self.n_heads, n, hd)
            x = x + att.transpose(1, 0, 2).reshape(n, self.n_heads * hd) @ w["self_attn.o_proj"].T
            h = _rms_norm(x, w["post_attention_layernorm"], self.eps)
            x = x + (_silu(h @ w["mlp.gate_proj"].T) * (h @ w["mlp.up_proj"].T)) @ w["mlp.down_proj"].T
        return _rms_norm(x, self.norm, self.eps)

    def next_logits(self, hidden: np.ndarray) -> np.ndarray:
        """Logits over the whole vocabulary ``[V]`` of one final hidden state ``[D]``: what
        greedy generation reads (:meth:`logits` copies the rows it scores, here all of them)."""
        out = self.lm_head @ hidden
        if self.head_lora is not None:
            a, b, scale = self.head_lora
            out = out + (b @ (a @ hidden)) * np.float32(scale)
        return out

    def logits(self, hidden: np.ndarray, tokens: Sequence[int]) -> np.ndarray:
        """Logits ``[len(hidden), len(tokens)]`` of ``tokens`` only, from final hidden states."""
        cols = np.asarray(tokens, dtype=np.int64)
        out = hidden @ self.lm_head[cols].T
        if self.head_lora is not None:
            a, b, scale = self.head_lora
            out = out + ((hidden @ a.T) @ b[cols].T) * np.float32(scale)
        return out



_LORA_KEY = re.compile(r"^(?:base_model\.model\.)?(.+)\.(lora_A|lora_B)(?:\.[^.]+)?\.weight$")


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """A safetensors file's float32 tensors as read-only numpy arrays mapped from the file.

    Mapped, not read: the load costs no copy of the ~540 MB (0.7 s of a cold command on
    this machine), and the pages come from the OS cache as the first forward pass touches
    them. The format is an 8-byte little-endian header length, a JSON header naming each
    tensor's dtype, shape and byte range, then the bytes. Other dtypes (bfloat16 has no
    numpy type) are not this runtime's."""
    with path.open("rb") as fh:
        head = fh.read(8)
        size = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if not 0 < size <= os.fstat(fh.fileno()).st_size - 8:  # cut short: not a length to read
            raise RuntimeUnsupported(f"{path.name}: no safetensors header (the file is cut short or is no "
                                     "safetensors file)")
        try:
            header = json.loads(fh.read(size))
        except ValueError as exc:
            raise RuntimeUnsupported(f"{path.name}: unreadable safetensors header ({exc})") from None
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info.get("dtype") != "F32":
            raise RuntimeUnsupported(f"{path.name} holds {info.get('dtype')} weights, not float32")
        begin, stop = info["data_offsets"]
        if 8 + size + stop > len(mapped):
            raise RuntimeUnsupported(f"{path.name}: its weights are cut short")
        arrays[name] = np.frombuffer(mapped, dtype="<f4", count=(stop - begin) // 4,
                                     offset=8 + size + begin).reshape(info["shape"])
    return arrays


def merge_lora(weights: dict[str, np.ndarray], adapter_dir: str | Path, *, tied: bool
               ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Fold a saved LoRA adapter into ``weights`` (``W + scale * B @ A``, as peft merges).

    Returns the tied ``lm_head``'s update as ``(A, B, scale)`` when the adapter has one (it
    cannot be folded into a weight the input embeddings share). Raises
    :class:`RuntimeUnsupported` for anything but a plain LoRA on linear layers.
    """
    from .adapters import adapter_config

    adapter_dir = Path(adapter_dir)
    config = adapter_config(adapter_dir)
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
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, array in load_arrays(adapter_dir / "adapter_model.safetensors").items():
        match = _LORA_KEY.match(key)
        if not match:
            raise RuntimeUnsupported(f"adapter tensor {key}")
        pairs.setdefault(match.group(1), {})[match.group(2)] = array
    head: tuple[np.ndarray, np.ndarray, float] | None = None
    for module, pair in pairs.items():
        if set(pair) != {"lora_A", "lora_B"}:
            raise RuntimeUnsupported(f"adapter module {module} lacks one of its two matrices")
        a, b = pair["lora_A"], pair["lora_B"]
        target = weights["model.embed_tokens.weight"] if module == "lm_head" and tied else weights.get(f"{module}.weight")
        if target is None:
            raise RuntimeUnsupported(f"adapter patches {module}, which the model does not have")
        if (b.shape[0], a.shape[1]) != target.shape or a.shape[0] != b.shape[1]:
            raise RuntimeUnsupported(f"adapter matrices of {module} do not fit its weight {target.shape}")
        if module == "lm_head" and tied:
            head = (a, b, scale)
        else:
            weights[f"{module}.weight"] = target + (b @ a) * np.float32(scale)
    return head
