"""A walk whose asker went away stops at its next step instead of running to the end.

The server's walks run one at a time on one shared model (``ExploreServer.model_lock``).
When the one who asked is gone — an MCP client that disconnected or cancelled the call, a
command whose socket closed — the walk under way would otherwise hold the model for every
step it has left (dozens on a large repository, seconds each) while the next question
waits. Each front end turns "gone" into a ``stop()`` check; :class:`StoppablePolicy`, the
policy every explorer of the server decides with, asks it before each decision.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


class WalkStopped(Exception):
    """The walk was stopped before its end: nobody waits for its answer any more."""

    def __init__(self, steps: int) -> None:
        super().__init__(f"the walk was stopped after {steps} steps: whoever asked has gone")
        self.steps = steps


class StoppablePolicy:
    """The shared policy, asking ``stop`` before each decision of the walk under way.

    Walks on one server take turns (they hold ``model_lock``), so one ``stop`` at a time is
    set: :meth:`walking` sets it for a walk and counts its decisions. Everything but
    :meth:`decide` is the wrapped policy's own.
    """

    def __init__(self, policy: Any) -> None:
        self.policy = policy
        self.stop: Callable[[], bool] | None = None
        self.decisions = 0

    def walking(self, stop: Callable[[], bool] | None) -> None:
        """The walk about to start is stopped when ``stop()`` turns true (None: never)."""
        self.stop, self.decisions = stop, 0

    def decide(self, *args: Any, **kwargs: Any) -> Any:
        if self.stop is not None and self.stop():
            raise WalkStopped(self.decisions)
        self.decisions += 1
        return self.policy.decide(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.policy, name)
