"""Policies without a model: a scripted one for tests and demonstrations, a random one as the floor.

Both honour the :class:`~explore.agent.decision.Policy` protocol, so the environment,
:class:`~explore.agent.explorer.Explorer` and evaluation take them wherever they take the
LM policy.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .decision import Decision, Prefix, check_batch

if TYPE_CHECKING:
    import torch


class ScriptError(RuntimeError):
    """A :class:`ScriptedPolicy` ran out of moves or was told to pick an invalid label."""


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
        check_batch(prompts, labels)
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
        import torch

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
        import torch

        check_batch(prompts, labels)
        gen = generator or self.generator
        out = []
        for labs in labels:
            n = len(labs)
            index = int(torch.randint(n, (1,), generator=gen))
            out.append(Decision(labs[index], index, [1.0 / n] * n, -math.log(n), math.log(n)))
        return out
