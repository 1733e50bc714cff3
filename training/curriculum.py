"""Which task each RL episode plays: a depth curriculum, or uniform sampling.

The paper trains on shallow targets first: a policy that cannot yet find a file one
folder down only collects failures on a four-folder-deep one, and failures carry no
gradient signal worth having. :class:`DepthCurriculum` unlocks deeper targets when the
recent success rate passes a threshold, and finally switches the milestone rewards off
(they are training wheels: a policy should end up optimising success, not folder visits).

The RL loop only sees the :class:`Schedule` protocol, so other environments (DangerousTaxi's
pickup-then-dropoff curriculum) plug in their own.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..agent.task import Task
from ..sandbox.errors import ExploreError
from .config import CurriculumConfig


class CurriculumError(ExploreError):
    """The curriculum has no task to offer (e.g. an empty training split)."""


class Schedule(Protocol):
    """What the RL loop asks of a task schedule."""

    def reset_options(self, rng: np.random.Generator) -> dict[str, Any] | None:
        """Options for one episode's ``env.reset`` (e.g. ``{"task": task}``), or None."""
        ...

    def observe(self, successes: Sequence[bool]) -> dict[str, float]:
        """Record one update's episode outcomes; return metrics to log (level, ...)."""
        ...

    def configure(self, envs: Sequence[Any]) -> None:
        """Adjust the environments for the current stage (e.g. milestone rewards off)."""
        ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


def _milestones(envs: Sequence[Any], on: bool) -> None:
    for env in envs:
        rewards = getattr(getattr(getattr(env, "unwrapped", env), "config", None), "rewards", None)
        if rewards is not None and hasattr(rewards, "milestones"):
            rewards.milestones = on


class UniformTasks:
    """Every training task, uniformly; milestone rewards left as configured."""

    def __init__(self, tasks: Sequence[Task]) -> None:
        if not tasks:
            raise CurriculumError("no training tasks to sample from")
        self.tasks = list(tasks)

    def reset_options(self, rng: np.random.Generator) -> dict[str, Any]:
        return {"task": self.tasks[int(rng.integers(len(self.tasks)))]}

    def observe(self, successes: Sequence[bool]) -> dict[str, float]:
        return {}

    def configure(self, envs: Sequence[Any]) -> None:
        return None

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


class DepthCurriculum:
    """Targets at depth <= levels[0] first, then deeper, promoted on recent success."""

    def __init__(self, tasks: Sequence[Task], config: CurriculumConfig | None = None) -> None:
        if not tasks:
            raise CurriculumError("no training tasks to sample from")
        self.config = config or CurriculumConfig()
        self.tasks = list(tasks)
        deepest = max(t.depth for t in self.tasks)
        bounds = sorted({d for d in self.config.levels if d < deepest}) + [deepest]
        # a level that unlocks nothing new is skipped
        self.bounds: list[int] = []
        for b in bounds:
            if any(t.depth <= b for t in self.tasks) and (not self.bounds or any(
                    self.bounds[-1] < t.depth <= b for t in self.tasks)):
                self.bounds.append(b)
        self.level = 0
        self.history: list[float] = []
        self.updates_at_level = 0
        self.updates_at_last = 0
        self.milestones = True

    @property
    def final(self) -> bool:
        return self.level == len(self.bounds) - 1

    def pool(self) -> tuple[list[Task], list[Task]]:
        """(every unlocked task, the newest depth band)."""
        top = self.bounds[self.level]
        low = self.bounds[self.level - 1] if self.level else -1
        unlocked = [t for t in self.tasks if t.depth <= top]
        return unlocked, [t for t in unlocked if t.depth > low]

    def reset_options(self, rng: np.random.Generator) -> dict[str, Any]:
        unlocked, newest = self.pool()
        source = newest if newest and rng.random() < self.config.new_share else unlocked
        return {"task": source[int(rng.integers(len(source)))]}

    def observe(self, successes: Sequence[bool]) -> dict[str, float]:
        rate = float(np.mean(successes)) if len(successes) else 0.0
        self.history.append(rate)
        self.updates_at_level += 1
        if self.final:
            self.updates_at_last += 1
        cfg = self.config
        recent = self.history[-cfg.window:]
        promoted = 0.0
        if (not self.final and self.updates_at_level >= cfg.min_updates and len(recent) >= cfg.window
                and float(np.mean(recent)) >= cfg.threshold):
            self.level += 1
            self.updates_at_level = 0
            self.history = []
            promoted = 1.0
        if self.final and 0 <= cfg.milestones_off_after <= self.updates_at_last:
            self.milestones = False
        return {"curriculum/level": float(self.level), "curriculum/max_depth": float(self.bounds[self.level]),
                "curriculum/promoted": promoted, "curriculum/milestones": float(self.milestones)}

    def configure(self, envs: Sequence[Any]) -> None:
        _milestones(envs, self.milestones)

    def state_dict(self) -> dict[str, Any]:
        return {"level": self.level, "history": list(self.history), "updates_at_level": self.updates_at_level,
                "updates_at_last": self.updates_at_last, "milestones": self.milestones}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.level = min(int(state["level"]), len(self.bounds) - 1)
        self.history = [float(x) for x in state["history"]]
        self.updates_at_level = int(state["updates_at_level"])
        self.updates_at_last = int(state["updates_at_last"])
        self.milestones = bool(state["milestones"])
