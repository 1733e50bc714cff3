"""The inference runtime: a trained navigator decided with numpy alone: no torch, transformers or peft.

`explore ask` used to import torch, transformers and peft (seconds on 2 cores, more than the
walk) to run a 135M Llama with a LoRA adapter. At inference nothing of theirs is needed: the
adapter is a low-rank update ``W + (alpha / r) * B @ A`` folded into the base weights once
at load (milliseconds: nothing to cache on disk), the model is thirty identical blocks of
RMSNorm, rotary attention and a SiLU MLP whose matrix products numpy's BLAS runs as fast
as torch's on this CPU, and the tokenizer is the ``tokenizers`` file plus a Jinja chat
template. :func:`load_runtime` builds that:

* :class:`~explore.agent.llama.LlamaRunner` — the Llama forward pass on numpy arrays, for
  one token sequence, continuing a :class:`~explore.agent.llama.KVCache`, and scoring only
  the (position, token) pairs a decision reads instead of the full vocabulary;
* :class:`RuntimePolicy` — :class:`~explore.agent.policy.LMPolicy`'s decisions (the same
  prompt splitting, heads and prefix stems: :class:`~explore.agent.heads.HeadLayout`) on
  the runner;
* :class:`RuntimeReflector` — :class:`~explore.agent.reflector.LoRAReflector`'s greedy
  notes, one token a step against the key/value cache, on a second runner that shares the
  base weights the reflector's LoRA leaves alone (:func:`load_runners`);
* :class:`~explore.agent.plain_tokenizer.PlainTokenizer` — the subset of a transformers
  tokenizer the policy uses.

Anything the runtime does not cover (another architecture, rotary scaling, DoRA or other
adapter types, weights that are not float32) makes
:func:`load_runtime` raise :class:`RuntimeUnsupported` and the caller loads transformers +
peft as before. The two paths agree on the action distribution within
:data:`PROB_TOLERANCE` (tests/agent/test_runtime.py checks it on a tiny real model;
benchmarks/bench_latency.py on the shipped navigator and real prompts).
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..sandbox.errors import ExploreError
from .decision import Decision, Prefix, check_batch
from .heads import MIN_STEM_TOKENS, HeadLayout, longest_stem
from .llama import ARCHITECTURES, KVCache, LlamaRunner, RuntimeUnsupported, load_arrays, merge_lora
from .plain_tokenizer import PlainTokenizer
from .prompt import reflection_chat

__all__ = [
    "ARCHITECTURES", "PROB_TOLERANCE", "THREADS_ENV", "KVCache", "LlamaRunner", "PlainTokenizer", "RuntimePolicy",
    "RuntimeReflector", "RuntimeUnsupported", "ThreadsSettingError", "load_runners", "load_runtime", "merge_lora",
    "runtime_threads", "set_blas_threads",
]

#: Largest difference in any action's probability allowed between this runtime (merged
#: weights, numpy) and transformers + peft (adapter applied on the fly), both float32.
#: Measured on the shipped navigator: see the README's latency section.
PROB_TOLERANCE = 1e-4

#: How many BLAS threads the runtime's matrix products use (default: half the cores, at least one).
THREADS_ENV = "EXPLORE_THREADS"


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


class RuntimePolicy:
    """:class:`~explore.agent.policy.LMPolicy`'s decisions on a :class:`LlamaRunner`.

    Prompts are split and scored by the same :class:`~explore.agent.heads.HeadLayout` (so
    the same tokens and positions); what differs is only where the numbers are computed.
    Prompts run one at a time (no padding), each continuing the key/values of its prefix,
    and a prefix seen for the first time continues from the cached one it shares the most
    tokens with. Decisions only: no gradients, so :meth:`logprobs` is refused.
    """

    adapter = None

    def __init__(self, runner: LlamaRunner, tokenizer: Any, *, head: str = "label", chat_template: bool = True,
                 prefix_cache_size: int = 8) -> None:
        self.layout = HeadLayout(tokenizer, chat_template=chat_template, head=head)
        self.head = head
        self.model = self.runner = runner
        self.tokenizer = tokenizer
        self.chat_template = self.layout.chat_template
        self.prefix_cache_size = prefix_cache_size
        self._prefixes: OrderedDict[tuple[int, ...], KVCache] = OrderedDict()

    def decide(self, prompts: Sequence[str], labels: Sequence[Sequence[str]], *, greedy: bool = False,
               generator: Any = None, prefix: Prefix = None) -> list[Decision]:
        """As :meth:`LMPolicy.decide <explore.agent.policy.LMPolicy.decide>`; sampling
        (``greedy=False``) draws with ``generator``, a :class:`numpy.random.Generator` (a
        fresh one when None)."""
        check_batch(prompts, labels)
        splits, picks = self.layout.picks(prompts, labels, prefix, trim=True)
        out = []
        for (head, tail, _after_space, _text), pick, labs in zip(splits, picks, labels):
            cache = self._prefix_cache(tuple(head)).copy() if head and self.prefix_cache_size > 0 else None
            if cache is None:
                cache, tail = KVCache(self.runner.n_layers), head + tail
                pick = [len(head) + p for p in pick] if self.head == "line" else pick
            if self.head == "line":
                score = self.runner.logits(self.runner.run(tail, cache, rows=pick), [self.layout.score_id])[:, 0]
            else:
                score = self.runner.logits(self.runner.run(tail, cache, rows=[len(tail) - 1]), pick)[0]
            out.append(_decision(score.astype(np.float64), labs, greedy, generator))
        return out

    def logprobs(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the numpy runtime decides only; train through transformers + peft")

    def clear_cache(self) -> None:
        """Forget cached prefixes."""
        self._prefixes.clear()

    def _prefix_cache(self, head: tuple[int, ...]) -> KVCache:
        found = self._prefixes.get(head)
        if found is None:
            found, shared = _continued(self._prefixes, head, self.runner.n_layers)
            self.runner.run(head[shared:], found, rows=[])  # its keys and values only
            self._prefixes[head] = found
            while len(self._prefixes) > self.prefix_cache_size:
                self._prefixes.popitem(last=False)
        self._prefixes.move_to_end(head)
        return found


def _continued(cached: Mapping[tuple[int, ...], KVCache], ids: tuple[int, ...], layers: int) -> tuple[KVCache, int]:
    """A cache for ``ids``: a copy of the cached one sharing the most leading tokens with
    them (at least :data:`MIN_STEM_TOKENS`), cropped to those, or an empty one; and how
    many tokens of ``ids`` it already holds."""
    stem, shared = longest_stem(cached.items(), ids)
    if stem is not None and shared >= MIN_STEM_TOKENS:
        cache = stem.copy()
        cache.crop_to(shared)
        return cache, shared
    return KVCache(layers), 0


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


def load_runtime(folder: str | Path, adapter: str | Path | None = None) -> tuple[LlamaRunner, PlainTokenizer]:
    """The runner (with ``adapter`` merged) and tokenizer of a local model folder.

    Raises :class:`RuntimeUnsupported` when the folder's model or the adapter is outside
    what the runtime implements; the caller then loads it with transformers.
    """
    runners, tokenizer = load_runners(folder, {"model": adapter})
    return runners["model"], tokenizer


def load_runners(folder: str | Path, adapters: Mapping[str, str | Path | None]
                 ) -> tuple[dict[str, LlamaRunner], PlainTokenizer]:
    """One runner per named adapter (None: the base model) over one load of the base
    weights: each adapter's merge replaces only the matrices it patches, so a policy and a
    reflector whose LoRAs sit on the top blocks share every other array in memory."""
    folder = Path(folder)
    try:  # one cut short or of another shape: the usual path loads none either, and names the file
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeUnsupported(f"config.json cannot be read ({exc})") from None
    if not isinstance(config, dict):
        raise RuntimeUnsupported("config.json holds no object")
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
    base: dict[str, np.ndarray] = {}
    for file in files:
        base.update(load_arrays(file))
    tied = bool(config.get("tie_word_embeddings", False)) or "lm_head.weight" not in base
    if tied:
        base.pop("lm_head.weight", None)
    runners: dict[str, LlamaRunner] = {}
    for name, adapter in adapters.items():
        weights = dict(base)  # the arrays themselves are shared; a merge replaces the ones it patches
        head = merge_lora(weights, adapter, tied=tied) if adapter is not None else None
        runners[name] = LlamaRunner(config, weights, head)
    set_blas_threads(runtime_threads())
    return runners, PlainTokenizer(folder)


class RuntimeReflector:
    """:class:`~explore.agent.reflector.LoRAReflector`'s notes on a :class:`LlamaRunner`
    with the reflector adapter merged: the same prompt text, greedy decoding that runs one
    token a step against the key/value cache, and the prompt's keys and values kept for the
    next note, which continues from the longest stem it shares (the chat preamble, the
    question and listing a walk's observations repeat). Prompts run one at a time."""

    def __init__(self, runner: LlamaRunner, tokenizer: Any, max_new_tokens: int = 60, *,
                 chat_template: bool = True, prompt_cache_size: int = 4) -> None:
        self.runner = runner
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.chat_template = chat_template and bool(getattr(tokenizer, "chat_template", None))
        self.prompt_cache_size = prompt_cache_size
        self._prompts: OrderedDict[tuple[int, ...], KVCache] = OrderedDict()
        eos = tokenizer.eos_token_id
        self._eos = -1 if eos is None else int(eos)

    def reflect(self, prompts: Sequence[str], *, kind: Any) -> list[str]:
        out = []
        for prompt in prompts:
            text = reflection_chat(self.tokenizer, prompt, kind, chat_template=self.chat_template)
            ids = tuple(self.tokenizer(text, add_special_tokens=not self.chat_template)["input_ids"])
            out.append(self.generate(ids))
        return out

    def generate(self, ids: Sequence[int]) -> str:
        """The greedy continuation of the prompt ``ids`` (to end of turn or the length limit), as text."""
        ids = tuple(ids)
        cache, shared = _continued(self._prompts, ids, self.runner.n_layers)
        rest = list(ids[shared:])
        hidden = self.runner.run(rest, cache, rows=[len(rest) - 1])[0]
        if self.prompt_cache_size > 0:
            self._prompts[ids] = cache.copy()  # the prompt's own; generated tokens extend a copy
            self._prompts.move_to_end(ids)
            while len(self._prompts) > self.prompt_cache_size:
                self._prompts.popitem(last=False)
        tokens: list[int] = []
        while len(tokens) < self.max_new_tokens:
            token = int(np.argmax(self.runner.next_logits(hidden)))
            if token == self._eos:
                break
            tokens.append(token)
            if len(tokens) < self.max_new_tokens:
                hidden = self.runner.run([token], cache, rows=[0])[0]
        return self.tokenizer.decode(tokens, skip_special_tokens=True).strip()
