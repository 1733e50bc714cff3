"""The policy: pick one labelled action per step, as in Reflect-RL's single-prompt enumeration.

The environment lists every valid action under a label (``A. cd agent/`` ...). The LM
policy scores the labels with ONE forward pass: the logits of the next token at the last
position, restricted to the label tokens, softmaxed over those only. So no invalid action
can ever be produced, and no full-vocabulary logits are kept for more than one position.

The instructions and question at the top of a prompt do not change between the steps of
an episode; :class:`LMPolicy` can keep their key/value cache and only run the rest.

Two *heads* read the one forward pass. ``label`` (the paper's): the logits of the label
tokens after the prompt. ``line``: each action's score is read at the end of its own line
of the listing (the logit of one fixed token there), so what decides an action (its
features, its name) sits next to where it is scored instead of having to be matched to a
letter at the end of the prompt. Measured on the navigator's corpus: after 2,000 SFT
examples the label head still picked the first candidate for 98 of 100 held-out questions
(its probability of "A" was the prior, 0.49), whatever the features said.
"""
from __future__ import annotations

import bisect
import copy
import importlib
import inspect
import json
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from explore.agent.models import use_adapter
from explore.sandbox.errors import ExploreError

if TYPE_CHECKING:
    import torch

    from explore.agent.trunk import FrozenTrunk
else:
    class _Torch:
        """``torch``, imported on first use. The command line imports this module for the
        heads, prompt splitting and :class:`Decision` while the numpy runtime
        (:mod:`explore.agent.runtime`) decides: seconds of torch import it never needs."""

        def __getattr__(self, name: str) -> Any:
            module = importlib.import_module("torch")
            globals()["torch"] = module
            return getattr(module, name)

    torch = _Torch()

Prefix = str | Sequence[str | None] | None
"""One prefix shared by all prompts, one per prompt, or none."""


#: Fewest leading tokens shared with a cached prefix worth continuing from (see ``_prefix_past``).
MIN_STEM_TOKENS = 8


class LabelTokenError(ValueError):
    """A label is not exactly one token (or two labels share one), so one logit cannot score it."""


class ActionLineError(ValueError):
    """The ``line`` head found no listing line for a label (``A. ...`` under ``Actions:``)."""


#: The ways :class:`LMPolicy` scores the listed actions (see the module docstring).
HEADS = ("label", "line")

class ScriptError(RuntimeError):
    """A :class:`ScriptedPolicy` ran out of moves or was told to pick an invalid label."""


@dataclass
class Decision:
    """One chosen action: its label, position among the labels and the distribution it came from."""

    label: str
    index: int
    probs: list[float]
    logprob: float
    entropy: float


@runtime_checkable
class Policy(Protocol):
    """Anything that picks one of the given labels per prompt."""

    def decide(
        self,
        prompts: Sequence[str],
        labels: Sequence[Sequence[str]],
        *,
        greedy: bool = False,
        generator: torch.Generator | None = None,
        prefix: Prefix = None,
    ) -> list[Decision]:
        """Return one :class:`Decision` per prompt; ``prefix`` is a hint for caching only."""
        ...


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


def run_kept(model: Any, kwargs: dict[str, Any], keep_kw: str | None, keep: torch.Tensor | None) -> torch.Tensor:
    """``model(**kwargs)`` logits ``[B, K, V]`` at positions ``keep`` (None: the last one),
    computed only there when the model can (``logits_to_keep``), else taken from all of them."""
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


def longest_stem(cached: Iterable[tuple[Sequence[int], Any]], head: Sequence[int]) -> tuple[Any, int]:
    """Of ``(tokens, key/values)`` pairs, the one sharing the most leading tokens with ``head``
    and how many (at most ``len(head) - 1``: a continuation needs a token of its own)."""
    best, shared = None, 0
    for tokens, past in cached:
        n = next((i for i, (a, b) in enumerate(zip(tokens, head)) if a != b), min(len(tokens), len(head)))
        if n > shared:
            best, shared = past, n
    return best, min(shared, len(head) - 1)


def _decisions(
    scores: Sequence[torch.Tensor], labels: Sequence[Sequence[str]], greedy: bool, generator: torch.Generator | None
) -> list[Decision]:
    out = []
    for score, labs in zip(scores, labels):
        logp = torch.log_softmax(score.float(), dim=-1)
        probs = logp.exp()
        index = int(probs.argmax()) if greedy else int(torch.multinomial(probs, 1, generator=generator))
        entropy = float(-(probs * logp).sum())
        out.append(Decision(labs[index], index, probs.tolist(), float(logp[index]), entropy))
    return out


def _check_batch(prompts: Sequence[str], labels: Sequence[Sequence[str]]) -> None:
    if len(prompts) != len(labels):
        raise ValueError(f"{len(prompts)} prompts but {len(labels)} label lists")
    for labs in labels:
        if not labs:
            raise ValueError("every prompt needs at least one label")
        if len(set(labs)) != len(labs):
            raise LabelTokenError(f"duplicate labels in {list(labs)}")


def _prefixes(prefix: Prefix, n: int) -> list[str | None]:
    if prefix is None or isinstance(prefix, str):
        return [prefix] * n
    if len(prefix) != n:
        raise ValueError(f"{n} prompts but {len(prefix)} prefixes")
    return list(prefix)


class LMPolicy:
    """Label-logit policy over a causal LM, optionally through a named LoRA adapter.

    ``autocast=True`` runs under bf16 CPU autocast (see benchmarks/bench_policy.py for
    whether it pays on this hardware). ``prefix_cache_size`` entries of prefix key/values
    are kept; they are dropped automatically when any weight changes (optimizer step).
    :meth:`use_trunk` makes :meth:`logprobs` reuse the frozen blocks' output per prompt
    (training with LoRA on the top blocks only; see :mod:`explore.agent.trunk`).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        adapter: str | None = "policy",
        *,
        chat_template: bool = True,
        autocast: bool = False,
        prefix_cache_size: int = 8,
        head: str = "label",
    ) -> None:
        if head not in HEADS:
            raise ValueError(f"unknown policy head {head!r}; choose from {', '.join(HEADS)}")
        self.head = head
        self.model = model
        self.tokenizer = tokenizer
        self.adapter = adapter
        self.chat_template = chat_template and bool(getattr(tokenizer, "chat_template", None))
        self.autocast = autocast
        self.prefix_cache_size = prefix_cache_size
        self._prefix_kv: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._label_ids: dict[tuple[str, bool], int] = {}
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self._pad_id = int(pad if pad is not None else 0)
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        forward = getattr(base, "forward", None)  # none: a runner that scores its own way (runtime.py)
        params = inspect.signature(forward).parameters if forward is not None else {}
        self._keep_kw = next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in params), None)
        # transformers 5.2x renamed ``past_key_values`` to ``cache`` (input and output alike)
        self._cache_kw = "cache" if "cache" in params else "past_key_values"
        self.trunk: FrozenTrunk | None = None
        #: The token whose logit at the end of an action's line is that action's score (``line`` head).
        self._score_id = int(tokenizer.encode(" yes", add_special_tokens=False)[0])

    def use_trunk(self, max_mb: float, *, half: bool = True) -> FrozenTrunk | None:
        """Cache the hidden states below the lowest trainable block for :meth:`logprobs`
        (up to ``max_mb``, as float16 when ``half``; 0 turns it off). Returns the trunk when
        this model allows one."""
        from explore.agent.trunk import FrozenTrunk

        self.trunk = FrozenTrunk(self.model, self.adapter, max_mb, half=half) if max_mb > 0 else None
        if self.trunk is not None and not self.trunk.enabled:
            self.trunk = None
        return self.trunk

    # --- public API -------------------------------------------------------------------

    def decide(
        self,
        prompts: Sequence[str],
        labels: Sequence[Sequence[str]],
        *,
        greedy: bool = False,
        generator: torch.Generator | None = None,
        prefix: Prefix = None,
    ) -> list[Decision]:
        """Choose one label per prompt: argmax when ``greedy``, else sample with ``generator``.

        ``prefix`` (text every prompt starts with, e.g. instructions + question) marks what
        may be served from the key/value cache; it also fixes where tokenization splits, so
        results are the same with or without the cache.
        """
        _check_batch(prompts, labels)
        with torch.inference_mode(), self._running(train=False):
            scores = self._label_scores(prompts, labels, prefix, use_cache=self.prefix_cache_size > 0, trim=True)
        return _decisions(scores, labels, greedy, generator)

    def logprobs(
        self,
        prompts: Sequence[str],
        labels: Sequence[Sequence[str]],
        chosen: Sequence[int] | torch.Tensor,
        *,
        prefix: Prefix = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Differentiable log-prob of each chosen label and entropy over the labels, both ``[B]``.

        Runs without the prefix cache (the cache holds no graph) but tokenizes exactly as
        :meth:`decide` does for the same ``prefix``, so rollout and update agree.
        """
        _check_batch(prompts, labels)
        with self._running(train=None):
            scores = self._label_scores(prompts, labels, prefix, use_cache=False, use_trunk=True)
        width = max(len(labs) for labs in labels)
        padded = torch.full((len(scores), width), float("-inf"), dtype=torch.float32)
        for i, score in enumerate(scores):
            padded[i, : score.shape[0]] = score.float()
        logp = torch.log_softmax(padded, dim=-1)
        index = torch.as_tensor(chosen, dtype=torch.long)
        chosen_logp = logp.gather(1, index[:, None]).squeeze(1)
        # padding columns hold -inf; zero them before the product, or their 0 * -inf poisons the gradient
        safe_logp = logp.masked_fill(~torch.isfinite(padded), 0.0)
        entropy = -(logp.exp() * safe_logp).sum(-1)
        return chosen_logp, entropy

    def clear_cache(self) -> None:
        """Forget cached prefixes (they are also invalidated on any weight change)."""
        self._prefix_kv.clear()

    # --- internals --------------------------------------------------------------------

    @contextmanager
    def _running(self, train: bool | None) -> Iterator[None]:
        """Adapter on, autocast as configured, and eval mode for decisions (restored after)."""
        was_training = self.model.training
        if train is not None:
            self.model.train(train)
        autocast = torch.autocast("cpu", dtype=torch.bfloat16) if self.autocast else nullcontext()
        try:
            with use_adapter(self.model, self.adapter), autocast:
                yield
        finally:
            self.model.train(was_training)

    def _ids(self, text: str, specials: bool) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=specials)["input_ids"])

    def _split(self, prompt: str, prefix: str | None) -> tuple[list[int], list[int], bool]:
        """Token ids of (prefix part, rest) and whether the label follows whitespace."""
        head, tail, after_space, _ = self._split_text(prompt, prefix)
        return head, tail, after_space

    def _split_text(self, prompt: str, prefix: str | None) -> tuple[list[int], list[int], bool, str]:
        """As :meth:`_split`, plus the text the rest's ids were tokenized from."""
        text = format_chat(self.tokenizer, prompt, chat_template=self.chat_template)
        specials = not self.chat_template  # a chat template already spells out special tokens
        after_space = not text or text[-1].isspace()
        cut = -1
        if prefix:
            if not prompt.startswith(prefix):
                raise ValueError(f"prompt does not start with its prefix: {prefix[:60]!r}...")
            start = text.find(prompt)
            cut = start + len(prefix) if start >= 0 else -1
        if cut <= 0:
            return [], self._ids(text, specials), after_space, text
        head, tail = self._ids(text[:cut], specials), self._ids(text[cut:], False)
        if not tail:  # the forward pass needs at least one new token to score from
            return head[:-1], head[-1:], after_space, ""
        return head, tail, after_space, text[cut:]

    def _line_ends(self, text: str, ids: Sequence[int], labels: Sequence[str], specials: bool) -> list[int]:
        """Index in ``ids`` (tokenized from ``text``) of the last token of each label's listing line."""
        enc = self.tokenizer(text, add_special_tokens=specials, return_offsets_mapping=True)
        if list(enc["input_ids"]) != list(ids):
            raise ActionLineError("the prompt tokenizes differently with offsets; cannot place action lines")
        starts = [start for start, _end in enc["offset_mapping"]]
        pos = text.rfind("\nActions:\n")
        if pos < 0:
            raise ActionLineError("the prompt has no 'Actions:' listing for the line head to score")
        out = []
        for label in labels:
            found = text.find(f"\n{label}. ", pos)
            if found < 0:
                raise ActionLineError(f"no listing line for label {label!r} in the prompt")
            end = text.find("\n", found + 1)
            end = len(text) if end < 0 else end
            out.append(bisect.bisect_left(starts, end) - 1)  # the last token starting before the line ends
            pos = end
        return out

    def _label_id(self, label: str, after_space: bool) -> int:
        key = (label, after_space)
        if key not in self._label_ids:
            piece = label if after_space else " " + label
            ids = self.tokenizer.encode(piece, add_special_tokens=False)
            if len(ids) != 1:
                raise LabelTokenError(
                    f"label {label!r} is {len(ids)} tokens ({piece!r} -> {ids}) for this tokenizer; "
                    "labels must be single tokens, e.g. the letters A-Z"
                )
            self._label_ids[key] = ids[0]
        return self._label_ids[key]

    def _label_scores(
        self, prompts: Sequence[str], labels: Sequence[Sequence[str]], prefix: Prefix, *, use_cache: bool,
        use_trunk: bool = False, trim: bool = False,
    ) -> list[torch.Tensor]:
        """Each prompt's score per label: label-token logits at the decision position (``label``
        head), or the score token's logit at the end of each action's line (``line`` head).

        ``trim`` (``line`` head): run no token after the last action's line; a causal model's
        scores there cannot depend on them, so this only saves time."""
        splits, picks = self._picks(prompts, labels, prefix, trim=trim)
        groups: dict[tuple[int, ...], list[int]] = {}
        for i, (head, *_rest) in enumerate(splits):
            groups.setdefault(tuple(head) if use_cache and head else (), []).append(i)
        scores: list[torch.Tensor | None] = [None] * len(prompts)
        for head, members in groups.items():
            at = [picks[i] for i in members] if self.head == "line" else None
            if head:
                logits = self._cached_forward(head, [splits[i][1] for i in members], at)
            else:
                rows = [splits[i][0] + splits[i][1] for i in members]
                if at is not None:
                    at = [[len(splits[i][0]) + p for p in pos] for i, pos in zip(members, at)]
                trunk = self.trunk if use_trunk else None
                logits = trunk.logits(rows, self._pad_id, self._keep_kw, at) if trunk is not None else None
                if logits is None:
                    logits = self._forward(rows, past=None, at=at)
            for row, i in enumerate(members):
                if self.head == "line":
                    scores[i] = logits[row, : len(picks[i]), self._score_id]
                else:
                    scores[i] = logits[row, 0, picks[i]]
        return scores  # type: ignore[return-value]

    def _picks(self, prompts: Sequence[str], labels: Sequence[Sequence[str]], prefix: Prefix, *, trim: bool
               ) -> tuple[list[tuple[list[int], list[int], bool, str]], list[list[int]]]:
        """Each prompt split at its prefix (:meth:`_split_text`), and what scores its labels:
        their token ids (``label`` head) or the positions in its tail of their lines' ends
        (``line`` head; with ``trim`` the tail is cut after the last one)."""
        splits = [self._split_text(p, pre) for p, pre in zip(prompts, _prefixes(prefix, len(prompts)))]
        picks: list[list[int]] = []
        for (head, tail, after_space, text), labs in zip(splits, labels):
            if self.head == "line":
                picks.append(self._line_ends(text, tail, labs, specials=not head and not self.chat_template))
                if trim:
                    tail[max(picks[-1]) + 1:] = []
                continue
            ids = [self._label_id(lab, after_space) for lab in labs]
            if len(set(ids)) != len(ids):
                raise LabelTokenError(f"labels {list(labs)} map to repeated token ids {ids}")
            picks.append(ids)
        return splits, picks

    def _forward(self, rows: Sequence[Sequence[int]], past: Any, at: Sequence[Sequence[int]] | None = None
                 ) -> torch.Tensor:
        """Logits ``[B, K, V]`` of left-padded ``rows``: at the last position (K = 1), or at
        positions ``at`` of each row (indices into the row; K = the most positions of a row)."""
        ids, mask = left_pad(rows, self._pad_id)
        if past is not None:
            seen = past.get_seq_length()
            mask = torch.cat([torch.ones((len(rows), seen), dtype=mask.dtype), mask], dim=1)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, -ids.shape[1]:]
        kwargs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "position_ids": positions,
                                  self._cache_kw: past, "use_cache": past is not None}
        return run_kept(self.model, kwargs, self._keep_kw, keep_positions([len(r) for r in rows], ids.shape[1], at))

    def _weights_version(self) -> int:
        """Changes whenever any parameter is modified in place (optimizer steps, loads)."""
        return sum(p._version for p in self.model.parameters())

    def _cached_forward(self, head: tuple[int, ...], tails: Sequence[Sequence[int]],
                        at: Sequence[Sequence[int]] | None = None) -> torch.Tensor:
        key = (head, self._weights_version(), self.adapter, self.autocast)
        past = self._prefix_kv.get(key)
        if past is None:
            self._prefix_kv = OrderedDict((k, v) for k, v in self._prefix_kv.items() if k[1] == key[1])  # stale
            past = self._prefix_past(key)
            self._prefix_kv[key] = past
            while len(self._prefix_kv) > self.prefix_cache_size:
                self._prefix_kv.popitem(last=False)
        self._prefix_kv.move_to_end(key)
        past = copy.deepcopy(past)  # the forward pass appends to the cache in place
        if len(tails) > 1:
            past.batch_repeat_interleave(len(tails))
        return self._forward(tails, past=past, at=at)

    def _prefix_past(self, key: tuple[Any, ...]) -> Any:
        """The key/values of prefix ``key[0]``, continued from the cached prefix that shares the
        most leading tokens with it (the chat preamble and instructions every question starts
        with) where the cache can be cut back (:meth:`~explore.agent.runtime.KVCache.crop_to`),
        else computed whole. Keys and values of a token never depend on later ones, so this
        differs from one pass over the prefix by float rounding only."""
        head = key[0]
        stem, shared = longest_stem(((k[0], v) for k, v in self._prefix_kv.items()
                                     if k[1:] == key[1:] and hasattr(v, "crop_to")), head)
        kwargs: dict[str, Any] = {"input_ids": torch.tensor([head]), "use_cache": True}
        if stem is not None and shared >= MIN_STEM_TOKENS:
            stem = copy.deepcopy(stem)
            stem.crop_to(shared)
            kwargs.update({"input_ids": torch.tensor([head[shared:]]), self._cache_kw: stem})
        if self._keep_kw:
            kwargs[self._keep_kw] = 1
        return getattr(self.model(**kwargs), self._cache_kw)


class ScriptedPolicy:
    """Deterministic policy for tests and demonstrations: plays a script of labels.

    ``script`` is a list of labels consumed one per prompt, or a callable
    ``(prompt, labels) -> label``. Decisions are one-hot (logprob 0, entropy 0).
    """

    def __init__(self, script: Sequence[str] | Callable[[str, Sequence[str]], str]) -> None:
        self.script = script
        self.position = 0

    def decide(
        self,
        prompts: Sequence[str],
        labels: Sequence[Sequence[str]],
        *,
        greedy: bool = False,
        generator: torch.Generator | None = None,
        prefix: Prefix = None,
    ) -> list[Decision]:
        _check_batch(prompts, labels)
        out = []
        for prompt, labs in zip(prompts, labels):
            if callable(self.script):
                label = self.script(prompt, labs)
            else:
                if self.position >= len(self.script):
                    raise ScriptError(f"script exhausted after {len(self.script)} moves")
                label = self.script[self.position]
                self.position += 1
            if label not in labs:
                raise ScriptError(f"scripted label {label!r} is not among the valid labels {list(labs)}")
            index = list(labs).index(label)
            probs = [1.0 if i == index else 0.0 for i in range(len(labs))]
            out.append(Decision(label, index, probs, 0.0, 0.0))
        return out


class RandomPolicy:
    """Uniform over the valid labels: the floor every trained policy must beat.

    ``greedy`` is ignored (a uniform distribution has no mode worth taking).
    """

    def __init__(self, seed: int = 0) -> None:
        self.generator = torch.Generator().manual_seed(seed)

    def decide(
        self,
        prompts: Sequence[str],
        labels: Sequence[Sequence[str]],
        *,
        greedy: bool = False,
        generator: torch.Generator | None = None,
        prefix: Prefix = None,
    ) -> list[Decision]:
        _check_batch(prompts, labels)
        gen = generator or self.generator
        out = []
        for labs in labels:
            n = len(labs)
            index = int(torch.randint(n, (1,), generator=gen))
            out.append(Decision(labs[index], index, [1.0 / n] * n, -math.log(n), math.log(n)))
        return out
