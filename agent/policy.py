"""The LM policy: pick one labelled action per step, as in Reflect-RL's single-prompt enumeration.

The environment lists every valid action under a label (``A. cd agent/`` ...). The LM
policy scores the labels with ONE forward pass: the logits of the next token at the last
position, restricted to the label tokens (or, with the ``line`` head, one token's logit at
the end of each action's line: :mod:`explore.agent.heads`), softmaxed over those only. So
no invalid action can ever be produced, and no full-vocabulary logits are kept for more
than one position.

The instructions and question at the top of a prompt do not change between the steps of
an episode; :class:`LMPolicy` can keep their key/value cache and only run the rest.

The parts live beside it: the protocol and :class:`Decision` in :mod:`~explore.agent.decision`,
where each label is scored in :mod:`~explore.agent.heads`, prompt-to-tensor plumbing in
:mod:`~explore.agent.encoding`, the scripted and random baselines in
:mod:`~explore.agent.baselines`. Their names are re-exported here, so
``from explore.agent.policy import ...`` keeps working.
"""
from __future__ import annotations

import copy
import inspect
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .adapters import use_adapter
from .baselines import RandomPolicy, ScriptedPolicy, ScriptError
from .decision import Decision, LabelTokenError, Policy, Prefix, check_batch
from .encoding import autocast, format_chat, keep_positions, left_pad, on_device, run_kept, torch
from .heads import HEADS, MIN_STEM_TOKENS, ActionLineError, HeadLayout, longest_stem

if TYPE_CHECKING:
    from .trunk import FrozenTrunk

__all__ = [
    "HEADS", "MIN_STEM_TOKENS", "ActionLineError", "Decision", "HeadLayout", "LMPolicy", "LabelTokenError",
    "Policy", "Prefix", "RandomPolicy", "ScriptError", "ScriptedPolicy", "format_chat", "keep_positions",
    "left_pad", "longest_stem", "run_kept",
]


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
        self.layout = HeadLayout(tokenizer, chat_template=chat_template, head=head)
        self.head = head
        self.model = model
        self.tokenizer = tokenizer
        self.adapter = adapter
        self.chat_template = self.layout.chat_template
        self.autocast = autocast
        self.prefix_cache_size = prefix_cache_size
        self._prefix_kv: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self._pad_id = int(pad if pad is not None else 0)
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        params = inspect.signature(base.forward).parameters
        self._keep_kw = next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in params), None)
        # transformers 5.2x renamed ``past_key_values`` to ``cache`` (input and output alike)
        self._cache_kw = "cache" if "cache" in params else "past_key_values"
        self.trunk: FrozenTrunk | None = None

    def use_trunk(self, max_mb: float, *, half: bool = True) -> FrozenTrunk | None:
        """Cache the hidden states below the lowest trainable block for :meth:`logprobs`
        (up to ``max_mb``, as float16 when ``half``; 0 turns it off). Returns the trunk when
        this model allows one."""
        from .trunk import FrozenTrunk

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
        check_batch(prompts, labels)
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
        check_batch(prompts, labels)
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
        try:
            with use_adapter(self.model, self.adapter), autocast(self.model, self.autocast):
                yield
        finally:
            self.model.train(was_training)

    def _label_scores(
        self, prompts: Sequence[str], labels: Sequence[Sequence[str]], prefix: Prefix, *, use_cache: bool,
        use_trunk: bool = False, trim: bool = False,
    ) -> list[torch.Tensor]:
        """Each prompt's score per label: label-token logits at the decision position (``label``
        head), or the score token's logit at the end of each action's line (``line`` head);
        ``trim`` as in :meth:`HeadLayout.picks <explore.agent.heads.HeadLayout.picks>`."""
        splits, picks = self.layout.picks(prompts, labels, prefix, trim=trim)
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
            for row, i in enumerate(members):  # a few numbers a prompt: to the CPU, where sampling is
                if self.head == "line":
                    scores[i] = logits[row, : len(picks[i]), self.layout.score_id].cpu()
                else:
                    scores[i] = logits[row, 0, picks[i]].cpu()
        return scores  # type: ignore[return-value]

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
        return getattr(self.model(**on_device(self.model, kwargs)), self._cache_kw)
