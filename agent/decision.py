"""What every policy shares: the :class:`Policy` protocol, the :class:`Decision` it returns,
and the checks of a batch of prompts and label lists.

Kept apart from any model code so that a policy of any kind (the LM policy, the numpy
runtime, the scripted and random baselines) depends on this small contract only.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

Prefix = str | Sequence[str | None] | None
"""One prefix shared by all prompts, one per prompt, or none."""


class LabelTokenError(ValueError):
    """A label is not exactly one token (or two labels share one), so one logit cannot score it."""


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
        generator: torch.Generator | Any | None = None,
        prefix: Prefix = None,
    ) -> list[Decision]:
        """Return one :class:`Decision` per prompt; ``prefix`` is a hint for caching only."""
        ...


def check_batch(prompts: Sequence[str], labels: Sequence[Sequence[str]]) -> None:
    """Refuse a batch a policy cannot decide: unequal lengths, no labels, repeated labels."""
    if len(prompts) != len(labels):
        raise ValueError(f"{len(prompts)} prompts but {len(labels)} label lists")
    for labs in labels:
        if not labs:
            raise ValueError("every prompt needs at least one label")
        if len(set(labs)) != len(labs):
            raise LabelTokenError(f"duplicate labels in {list(labs)}")


def prefixes(prefix: Prefix, n: int) -> list[str | None]:
    """One prefix per prompt from a :data:`Prefix`."""
    if prefix is None or isinstance(prefix, str):
        return [prefix] * n
    if len(prefix) != n:
        raise ValueError(f"{n} prompts but {len(prefix)} prefixes")
    return list(prefix)


#: What a note is asked to do: read the state before a choice, or judge a wrong one.
ReflectionKind = Literal["analyze", "wrong_choice"]


@runtime_checkable
class Reflector(Protocol):
    """Anything that writes one short note per observation."""

    def reflect(self, prompts: Sequence[str], *, kind: ReflectionKind) -> list[str]:
        """Return one note per observation in ``prompts`` (the env's prompt text)."""
        ...
