"""Supervised warm-up: the reflector learns state -> note, the policy state + note -> label.

One clean loop rather than HF ``Trainer``/TRL: the two adapters live on one frozen base
model and train in the same step, the policy's loss is over the *label distribution* the
policy actually samples from (the logits of the valid labels only, the same function RL
differentiates), and checkpoints must share one format with RL so ``--resume`` and Ctrl-C
behave the same in both stages. ``Trainer`` would add a data collator, its own checkpoint
layout and accelerate's process machinery for no speed gain on a 2-core CPU (the forward
and backward passes dominate either way).

* **Reflector** (adapter ``reflector``): completion-only cross-entropy on the note tokens
  plus end-of-turn, given exactly the text :class:`~explore.agent.reflector.LoRAReflector`
  feeds the model at inference (:func:`~explore.agent.reflector.reflection_chat`, the
  *analyze* prompt). Notes written after a wrong move (the teacher's *wrong choice*
  kind) are learned from the same prompt: at inference nobody tells the reflector a move
  was wrong, it has to see it.
* **Policy** (adapter ``policy``): negative log-probability of the demonstrated label among
  the valid labels, prompt built by :func:`~explore.agent.prompt.policy_prompt` with the
  teacher's note (or no note, for the no-reflection ablation).
"""
from __future__ import annotations

import inspect
import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ..agent.encoding import autocast, model_device, on_device
from ..agent.models import default_lora_targets, use_adapter
from ..agent.prompt import policy_prefix, policy_prompt
from ..agent.reflector import reflection_chat
from ..sandbox.errors import ExploreError
from .config import SFTConfig
from .rl import PrefixFn, PromptFn, _chunks, _clone, same_width

#: The reflector's prompt kind at training, as at inference (see the module docstring).
STUDENT_KIND = "analyze"


class SFTError(ExploreError):
    """Supervised training cannot run (no examples, no trainable adapter)."""


def lora_targets(model: Any, layers: int | None = None) -> list[str] | str:
    """Attention projections plus the output layer when the model has one.

    LoRA on ``lm_head`` lets the policy sharpen its label logits directly; without it a
    small model's final norm bounds how peaked the label distribution can get (measured on
    tiny-random: one label's probability stalls near 0.6 with attention-only LoRA).

    ``layers``: adapt only the top N transformer blocks (a regex over module names). The
    backward pass then stops at the lowest adapted block: measured on SmolLM2-135M (30
    blocks), an SFT step costs about half with the top 8 blocks as with all of them.
    """
    targets = default_lora_targets(model)
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    names = [name for name, _ in base.named_modules()]
    has_head = any(name.rsplit(".", 1)[-1] == "lm_head" for name in names)
    if layers is not None and isinstance(targets, list):
        blocks = sorted({int(m.group(1)) for n in names if (m := re.search(r"\.layers\.(\d+)\.", n))})
        if blocks and layers < len(blocks):
            top = "|".join(str(b) for b in blocks[-max(1, layers):])
            regex = rf".*\.layers\.({top})\..*\.({'|'.join(targets)})"
            return regex + (r"|(.*\.)?lm_head" if has_head else "")
    if isinstance(targets, list) and has_head:
        return [*targets, "lm_head"]
    return targets


def adapter_params(model: Any, name: str) -> list[torch.nn.Parameter]:
    """The LoRA parameters of adapter ``name`` (in a stable order)."""
    marker = f".{name}."
    return [p for n, p in model.named_parameters() if "lora_" in n and (marker in n or n.endswith(f".{name}"))]


def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX); elsewhere it is emulated."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def use_bf16(model: Any, setting: bool | None) -> bool:
    """The configured autocast; when unset, off on a GPU, and on a CPU on only for models
    above 50M parameters where it has native bf16 (measured on this AVX2-only EPYC, one
    thread: SmolLM2 forward on 512 tokens 12.0 s under bf16 autocast against 2.0 s in fp32).
    On an H200 the SFT loss of SmolLM2's shape went NaN at step 23 of 200 under bf16
    autocast (``benchmarks/bench_device.py``), where fp32 trains on; a model this small is
    bound by kernel launches there, not by arithmetic, so fp32 costs little."""
    if setting is not None:
        return setting
    if model_device(model).type != "cpu":
        return False
    return native_bf16() and sum(p.numel() for p in model.parameters()) > 50_000_000


def reflector_batch(tokenizer: Any, examples: Sequence[tuple[str, str]], *, chat_template: bool = True,
                    max_tokens: int = 2048) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(input ids, attention mask, labels) for (observation, note) pairs, *left*-padded.

    Labels are -100 on the prompt and padding: only the note and its end token are learned.
    Left padding puts every note at the end of its row, so the loss needs the logits of
    the last few positions only (a full-vocabulary logit tensor over ~800 prompt positions
    is most of the memory otherwise).
    """
    use_template = chat_template and bool(getattr(tokenizer, "chat_template", None))
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    rows, targets = [], []
    for observation, note in examples:
        text = reflection_chat(tokenizer, observation, STUDENT_KIND, chat_template=use_template)
        prompt = list(tokenizer(text, add_special_tokens=not use_template)["input_ids"])
        answer = list(tokenizer(note.strip(), add_special_tokens=False)["input_ids"]) + [eos]
        keep = max_tokens - len(answer)
        if len(prompt) > keep:
            prompt = prompt[len(prompt) - keep:]
        rows.append(prompt + answer)
        targets.append([-100] * len(prompt) + answer)
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    for i, (row, tgt) in enumerate(zip(rows, targets)):
        ids[i, width - len(row):] = torch.tensor(row)
        mask[i, width - len(row):] = 1
        labels[i, width - len(tgt):] = torch.tensor(tgt)
    return ids, mask, labels


def _keep_kw(model: Any) -> str | None:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    params = inspect.signature(base.forward).parameters
    return next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in params), None)


def reflector_loss(model: Any, tokenizer: Any, examples: Sequence[tuple[str, str]], *, adapter: str = "reflector",
                   bf16: bool = False, max_tokens: int = 2048, trunk: Any = None) -> torch.Tensor:
    """Mean cross-entropy over the note tokens (completion only), logits of the note span only.

    With a :class:`~explore.agent.trunk.FrozenTrunk` of the reflector's adapter, a row seen
    before runs only the adapted blocks (its states below them are kept), as the policy's do."""
    ids, mask, labels = reflector_batch(tokenizer, examples, max_tokens=max_tokens)
    answer_len = int((labels != -100).sum(dim=1).max())
    keep = min(ids.shape[1], answer_len + 1)  # the position before the note predicts its first token
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    kwargs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "position_ids": positions}
    keep_kw = _keep_kw(model)
    if keep_kw:
        kwargs[keep_kw] = keep
    with use_adapter(model, adapter), autocast(model, bf16):
        logits = None
        if trunk is not None and getattr(trunk, "enabled", False):
            rows = [ids[i][mask[i].bool()].tolist() for i in range(len(ids))]
            if min(len(r) for r in rows) >= keep:  # each row's last `keep` positions, as the slice below
                pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
                logits = trunk.logits(rows, pad, keep_kw, [list(range(len(r) - keep, len(r))) for r in rows])
        if logits is None:
            logits = model(**on_device(model, kwargs)).logits[:, -keep:, :]
    shift_logits = logits[:, :-1, :].float()
    shift_labels = (labels[:, -keep + 1:] if keep > 1 else labels[:, :0]).to(shift_logits.device)
    return torch.nn.functional.cross_entropy(shift_logits.reshape(-1, shift_logits.shape[-1]),
                                             shift_labels.reshape(-1), ignore_index=-100)


def policy_loss(policy: Any, examples: Sequence[tuple[str, str, list[str], int]], *,
                prompt: PromptFn = policy_prompt, prefix: PrefixFn | None = policy_prefix) -> torch.Tensor:
    """Mean negative log-probability of the demonstrated labels among the valid ones.

    ``prompt(observation, note)`` and ``prefix(observation)`` build the text exactly as the
    environment's RL loop does (:class:`~.rl.RLTrainer` takes the same two functions)."""
    labels = [ex[2] for ex in examples]
    total = torch.zeros(())
    for group in same_width(range(len(examples)), labels):
        prompts = [prompt(examples[i][0], examples[i][1]) for i in group]
        logp, _ = policy.logprobs(prompts, [labels[i] for i in group], [examples[i][3] for i in group],
                                  prefix=[prefix(examples[i][0]) if prefix else None for i in group])
        total = total + logp.sum()
    return -total / len(examples)


class _Stream:
    """Deterministic reshuffled epochs over n examples: position k is a pure function of k."""

    def __init__(self, n: int, seed: int, stream: int) -> None:
        self.n, self.seed, self.stream = n, seed, stream
        self._perm: dict[int, np.ndarray] = {}

    def batch(self, step: int, size: int) -> list[int]:
        out = []
        for k in range(step * size, step * size + size):
            epoch, offset = divmod(k, self.n)
            if epoch not in self._perm:
                self._perm = {epoch: np.random.default_rng([self.seed, self.stream, epoch]).permutation(self.n)}
            out.append(int(self._perm[epoch][offset]))
        return out


class SFTTrainer:
    """Trains the reflector and the policy adapters together; one :meth:`step` per batch pair.

    ``reflector_examples`` are (observation, note); ``policy_examples`` (observation, note,
    labels, action). Pass no reflector examples for the no-reflection ablation (the policy
    examples' notes should then be empty). ``prompt``/``prefix`` build the policy's text, as
    in :class:`~.rl.RLTrainer` (another environment brings its own instructions).
    """

    def __init__(self, model: Any, tokenizer: Any, policy: Any,
                 policy_examples: Sequence[tuple[str, str, list[str], int]],
                 reflector_examples: Sequence[tuple[str, str]] = (), config: SFTConfig | None = None,
                 *, seed: int = 0, reflector_adapter: str = "reflector", policy_adapter: str = "policy",
                 prompt: PromptFn = policy_prompt, prefix: PrefixFn | None = policy_prefix) -> None:
        self.config = config or SFTConfig()
        self.prompt, self.prefix = prompt, prefix
        if not policy_examples:
            raise SFTError("no policy examples to learn from (no demonstration could be replayed)")
        self.model, self.tokenizer, self.policy = model, tokenizer, policy
        self.policy_examples = list(policy_examples)
        self.reflector_examples = list(reflector_examples)
        self.reflector_adapter = reflector_adapter
        self.bf16 = use_bf16(model, self.config.bf16)
        self.groups = {"policy": adapter_params(model, policy_adapter)}
        if self.reflector_examples:
            self.groups["reflector"] = adapter_params(model, reflector_adapter)
        self.params = [p for group in self.groups.values() for p in group]
        if not self.groups["policy"]:
            raise SFTError(f"the model has no LoRA adapter named {policy_adapter!r} to train")
        for p in self.params:
            p.requires_grad_(True)
        self.trunk = policy.use_trunk(self.config.trunk_cache_mb) if hasattr(policy, "use_trunk") else None
        self.reflector_trunk = None
        if self.reflector_examples and self.config.trunk_cache_mb > 0 and self.trunk is not None:
            from ..agent.trunk import FrozenTrunk

            trunk = FrozenTrunk(model, reflector_adapter, self.config.trunk_cache_mb)
            self.reflector_trunk = trunk if trunk.enabled else None
        self.optimizer = torch.optim.AdamW(self.params, lr=self.config.lr, weight_decay=self.config.weight_decay)
        self.policy_stream = _Stream(len(self.policy_examples), seed, 0)
        self.reflector_stream = _Stream(max(1, len(self.reflector_examples)), seed, 1)
        self.steps = 0
        self.seed = seed

    def step(self) -> dict[str, float]:
        started = time.perf_counter()
        cfg = self.config
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        micro = max(1, cfg.micro_batch)
        pol = [self.policy_examples[i] for i in self.policy_stream.batch(self.steps, cfg.batch_size)]
        if cfg.note_dropout > 0 and self.reflector_examples:  # a pure function of (seed, step): resumable
            drop = np.random.default_rng([self.seed, 2, self.steps]).random(len(pol)) < cfg.note_dropout
            pol = [(o, "" if d else n, labels, a) for (o, n, labels, a), d in zip(pol, drop)]
        p_loss = 0.0
        for chunk in _chunks(pol, micro):  # gradients accumulate; memory is one micro-batch's
            loss = policy_loss(self.policy, chunk, prompt=self.prompt, prefix=self.prefix) * (len(chunk) / len(pol))
            loss.backward()
            p_loss += float(loss.detach())
        metrics = {"sft/policy_loss": p_loss}
        if self.reflector_examples:
            ref = [self.reflector_examples[i] for i in self.reflector_stream.batch(self.steps, cfg.batch_size)]
            r_loss = 0.0
            for chunk in _chunks(ref, micro):
                loss = reflector_loss(self.model, self.tokenizer, chunk, adapter=self.reflector_adapter,
                                      bf16=self.bf16, max_tokens=cfg.max_tokens,
                                      trunk=self.reflector_trunk) * (len(chunk) / len(ref))
                loss.backward()
                r_loss += float(loss.detach())
            metrics["sft/reflector_loss"] = r_loss
        for name, group in self.groups.items():  # clipped apart: a spike in one must not stall the other
            metrics[f"sft/{name}_grad_norm"] = float(torch.nn.utils.clip_grad_norm_(group, cfg.max_grad_norm))
        self.optimizer.step()
        self.model.eval()
        self.steps += 1
        if self.trunk is not None:
            metrics.update({k.replace("trunk/", "sft/trunk_"): v for k, v in self.trunk.stats().items()})
        if self.reflector_trunk is not None:
            metrics.update({k.replace("trunk/", "sft/reflector_trunk_"): v
                            for k, v in self.reflector_trunk.stats().items()})
        metrics["sft/seconds"] = time.perf_counter() - started
        return metrics

    def state_dict(self) -> dict[str, Any]:
        names = {id(p): n for n, p in self.model.named_parameters()}
        return {"steps": self.steps, "weights": {names[id(p)]: p.detach().clone() for p in self.params},
                "optimizer": _clone(self.optimizer.state_dict())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, value in state["weights"].items():
                params[name].copy_(value)
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps = int(state["steps"])
