"""The inference runtime: a trained navigator decided with numpy alone: no torch, transformers or peft.

`explore ask` used to import torch, transformers and peft (seconds on 2 cores, more than the
walk) to run a 135M Llama with a LoRA adapter. At inference nothing of theirs is needed: the
adapter is a low-rank update ``W + (alpha / r) * B @ A`` folded into the base weights once
at load (milliseconds: nothing to cache on disk), the model is thirty identical blocks of
RMSNorm, rotary attention and a SiLU MLP whose matrix products numpy's BLAS runs as fast
as torch's on this CPU, and the tokenizer is the ``tokenizers`` file plus a Jinja chat
template. :func:`load_runtime` builds that:

* :class:`LlamaRunner` — the Llama forward pass on numpy arrays, for one token sequence,
  continuing a :class:`KVCache`, and scoring only the (position, token) pairs a decision
  reads instead of the full vocabulary;
* :class:`RuntimePolicy` — :class:`~explore.agent.policy.LMPolicy`'s decisions (the same
  prompt splitting, heads, prefix cache and stems, by the same code) on the runner;
* :class:`PlainTokenizer` — the subset of a transformers tokenizer the policy uses.

Anything the runtime does not cover (another architecture, rotary scaling, DoRA or other
adapter types, weights that are not float32, a LoRA reflector, which generates) makes
:func:`load_runtime` raise :class:`RuntimeUnsupported` and the caller loads transformers +
peft as before. The two paths agree on the action distribution within
:data:`PROB_TOLERANCE` (tests/agent/test_runtime.py checks it on a tiny real model;
benchmarks/bench_latency.py on the shipped navigator and real prompts).
"""
from __future__ import annotations

import json
import math
import mmap
import os
import re
import struct
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explore.agent.policy import MIN_STEM_TOKENS, Decision, LMPolicy, Prefix, _check_batch, longest_stem
from explore.sandbox.errors import ExploreError

#: Largest difference in any action's probability allowed between this runtime (merged
#: weights, numpy) and transformers + peft (adapter applied on the fly), both float32.
#: Measured on the shipped navigator: see the README's latency section.
PROB_TOLERANCE = 1e-4

#: How many BLAS threads the runtime's matrix products use (default: half the cores, at least one).
THREADS_ENV = "EXPLORE_THREADS"

#: Architectures the runner implements (a Llama decoder with default rotary embeddings).
ARCHITECTURES = frozenset({"LlamaForCausalLM"})


class RuntimeUnsupported(ValueError):
    """The model or adapter needs something this runtime does not implement; use transformers."""


class ThreadsSettingError(ExploreError, ValueError):
    """``$EXPLORE_THREADS`` is not a whole number."""


# --- threads -----------------------------------------------------------------------------


def runtime_threads() -> int:
    """``$EXPLORE_THREADS``, else half the cores (at least one).

    OpenBLAS threads spin while they wait for work. Measured on this 2-core machine while
    other jobs kept both cores busy, one forward pass over 300 tokens: 2.0 s on one thread,
    5.8 s on two (and no better with ``OPENBLAS_THREAD_TIMEOUT``). A laptop's other
    programs make the same contention; half the cores leaves them room."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise ThreadsSettingError(f"${THREADS_ENV} must be a whole number, not {value!r}") from None
    return max(1, (os.cpu_count() or 1) // 2)


def set_blas_threads(n: int) -> bool:
    """Set the thread count of the OpenBLAS numpy loaded (its environment variable is read
    only when numpy is imported, before anything here runs). False where numpy uses another
    BLAS or the platform has no ``/proc/self/maps``; the BLAS keeps its own count."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            libs = sorted({line.split()[-1] for line in fh if "openblas" in line.lower() and "/" in line})
    except OSError:
        return False
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(ctypes.c_int(n))
                return True
    return False


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

    def logits(self, hidden: np.ndarray, tokens: Sequence[int]) -> np.ndarray:
        """Logits ``[len(hidden), len(tokens)]`` of ``tokens`` only, from final hidden states."""
        cols = np.asarray(tokens, dtype=np.int64)
        out = hidden @ self.lm_head[cols].T
        if self.head_lora is not None:
            a, b, scale = self.head_lora
            out = out + ((hidden @ a.T) @ b[cols].T) * np.float32(scale)
        return out


class RuntimePolicy(LMPolicy):
    """:class:`~explore.agent.policy.LMPolicy`'s decisions on a :class:`LlamaRunner`.

    Prompts are split and scored by the same methods (so the same tokens and positions);
    what differs is only where the numbers are computed. Prompts run one at a time (no
    padding), each continuing the key/values of its prefix, and a prefix seen for the first
    time continues from the cached one it shares the most tokens with. Decisions only: no
    gradients, so :meth:`logprobs` is refused.
    """

    def __init__(self, runner: LlamaRunner, tokenizer: Any, *, head: str = "label", chat_template: bool = True,
                 prefix_cache_size: int = 8) -> None:
        super().__init__(runner, tokenizer, adapter=None, chat_template=chat_template,
                         prefix_cache_size=prefix_cache_size, head=head)
        self.runner = runner
        self._prefixes: OrderedDict[tuple[int, ...], KVCache] = OrderedDict()

    def decide(self, prompts: Sequence[str], labels: Sequence[Sequence[str]], *, greedy: bool = False,
               generator: Any = None, prefix: Prefix = None) -> list[Decision]:
        """As :meth:`LMPolicy.decide`; sampling (``greedy=False``) draws with ``generator``, a
        :class:`numpy.random.Generator` (a fresh one when None)."""
        _check_batch(prompts, labels)
        splits, picks = self._picks(prompts, labels, prefix, trim=True)
        out = []
        for (head, tail, _after_space, _text), pick, labs in zip(splits, picks, labels):
            cache = self._prefix_cache(tuple(head)).copy() if head and self.prefix_cache_size > 0 else None
            if cache is None:
                cache, tail = KVCache(self.runner.n_layers), head + tail
                pick = [len(head) + p for p in pick] if self.head == "line" else pick
            if self.head == "line":
                score = self.runner.logits(self.runner.run(tail, cache, rows=pick), [self._score_id])[:, 0]
            else:
                score = self.runner.logits(self.runner.run(tail, cache, rows=[len(tail) - 1]), pick)[0]
            out.append(_decision(score.astype(np.float64), labs, greedy, generator))
        return out

    def logprobs(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the numpy runtime decides only; train through transformers + peft")

    def clear_cache(self) -> None:
        self._prefixes.clear()

    def _prefix_cache(self, head: tuple[int, ...]) -> KVCache:
        found = self._prefixes.get(head)
        if found is None:
            stem, shared = longest_stem(self._prefixes.items(), head)
            if stem is not None and shared >= MIN_STEM_TOKENS:
                found = stem.copy()
                found.crop_to(shared)
            else:
                found, shared = KVCache(self.runner.n_layers), 0
            self.runner.run(head[shared:], found, rows=[])  # its keys and values only
            self._prefixes[head] = found
            while len(self._prefixes) > self.prefix_cache_size:
                self._prefixes.popitem(last=False)
        self._prefixes.move_to_end(head)
        return found


def _decision(score: np.ndarray, labels: Sequence[str], greedy: bool, generator: Any) -> Decision:
    """A :class:`Decision` from label scores (log-softmax in float64: rounding far inside
    :data:`PROB_TOLERANCE` of the reference's float32)."""
    logp = score - score.max()
    logp = logp - np.log(np.exp(logp).sum())
    probs = np.exp(logp)
    if greedy:
        index = int(probs.argmax())
    else:
        rng = generator if generator is not None else np.random.default_rng()
        index = int(rng.choice(len(probs), p=probs / probs.sum()))
    entropy = float(-(probs * logp).sum())
    return Decision(labels[index], index, [float(p) for p in probs], float(logp[index]), entropy)


# --- loading ------------------------------------------------------------------------------

_LORA_KEY = re.compile(r"^(?:base_model\.model\.)?(.+)\.(lora_A|lora_B)(?:\.[^.]+)?\.weight$")


def _load_arrays(path: Path) -> dict[str, np.ndarray]:
    """A safetensors file's float32 tensors as read-only numpy arrays mapped from the file.

    Mapped, not read: the load costs no copy of the ~540 MB (0.7 s of a cold command on
    this machine), and the pages come from the OS cache as the first forward pass touches
    them. The format is an 8-byte little-endian header length, a JSON header naming each
    tensor's dtype, shape and byte range, then the bytes. Other dtypes (bfloat16 has no
    numpy type) are not this runtime's."""
    with path.open("rb") as fh:
        size = struct.unpack("<Q", fh.read(8))[0]
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
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, array in _load_arrays(adapter_dir / "adapter_model.safetensors").items():
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


def load_runtime(folder: str | Path, adapter: str | Path | None = None) -> tuple[LlamaRunner, PlainTokenizer]:
    """The runner (with ``adapter`` merged) and tokenizer of a local model folder.

    Raises :class:`RuntimeUnsupported` when the folder's model or the adapter is outside
    what the runtime implements; the caller then loads it with transformers.
    """
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    archs = config.get("architectures") or []
    if not archs or not set(archs) <= ARCHITECTURES:
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
    weights: dict[str, np.ndarray] = {}
    for file in files:
        weights.update(_load_arrays(file))
    tied = bool(config.get("tie_word_embeddings", False)) or "lm_head.weight" not in weights
    if tied:
        weights.pop("lm_head.weight", None)
    head = merge_lora(weights, adapter, tied=tied) if adapter is not None else None
    set_blas_threads(runtime_threads())
    return LlamaRunner(config, weights, head), PlainTokenizer(folder)
