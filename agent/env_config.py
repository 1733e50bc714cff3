"""The environment's settings: horizon, action cap, observation and reward shaping.

:class:`EnvConfig` is what ``env.json`` beside trained adapters holds (see
:mod:`explore.agent.bundle`), so a navigator walks with the settings it was trained with;
:func:`navigator_config` is the setting the shipped navigator and `explore train` use.
A config refuses settings whose listing could not fit the action space: one label letter
per action (:data:`LABELS`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..sandbox.errors import ExploreError

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Rankings the environment can offer candidates from (:mod:`.offer`).
OFFERS = ("bm25", "retrieve", "hybrid")


@dataclass
class Rewards:
    """Reward shaping. Milestones are the curriculum's training wheels; switch them off later."""

    success: float = 1.0
    """Answering a target file."""
    wrong_answer: float = 0.0
    """Answering any other file."""
    step_cost: float = 0.01
    """Charged every step, so shorter walks are better."""
    invalid: float = 0.1
    """Penalty for a label that names no valid action."""
    milestones: bool = True
    """Whether the two milestone rewards below are paid."""
    enter_folder: float = 0.05
    """First entry into a folder on the path to a target."""
    read_target: float = 0.1
    """First read of a target file."""


@dataclass
class EnvConfig:
    max_steps: int = 12
    """Horizon: the episode is truncated after this many steps."""
    scent: bool = True
    """Annotate entries with BM25 scent (0–9) for the question."""
    max_actions: int = len(LABELS)
    """At most this many labelled actions per state."""
    leave_out: float = 0.0
    """Training only: drop each entry unrelated to the targets with this probability."""
    shuffle_labels: bool = False
    """Training only: shuffle the order of actions (labels then carry no position prior)."""
    result_lines: int = 24
    """Lines of the last action's result kept in the observation. A read shows the span of
    this many lines (less its header) that best matches the question, not the top of a
    longer window: with the navigator's 6 lines, the first lines of the best 80-line window
    were mostly imports and blank lines."""
    features: bool = True
    """Annotate files with their kind (code/test/docs/…) and the names they define that
    the question mentions, and summarise the files read so far."""
    settings: bool = False
    """With ``features``: also annotate configuration files (TOML, INI, YAML) with the
    settings they hold that the question names (``sets ruff`` for a ``[tool.ruff]`` table,
    ``sets python`` for ``requires-python``). Off in settings saved before it existed."""
    candidates: int = 0
    """Also offer ``read PATH`` for this many of the repository's best BM25 matches not yet
    read, from anywhere (lets the policy compare candidates instead of walking to each).
    Fewer than ``max_actions``; where ``cd ..``, these and the answers would not all fit,
    the folder's entries give way first, then the candidates."""
    offer: str = "bm25"
    """Where the candidates and the ``match #k`` ranks come from: ``bm25`` (the file
    index alone), ``retrieve`` (the candidate stage, :mod:`explore.retrieval`: file,
    code-unit, symbol, path and history evidence fused; it learnt from commit messages,
    which are about code, and ranks docs low) or ``hybrid`` (the two in turn, the
    candidate stage first, so a question about the docs still sees them offered)."""
    rewards: Rewards = field(default_factory=Rewards)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse settings whose listing could not fit the action space (one label each)."""
        if not 1 <= self.max_actions <= len(LABELS):
            raise EnvConfigError(f"max_actions must be 1..{len(LABELS)} (one label letter each), not {self.max_actions}")
        if self.offer not in OFFERS:
            raise EnvConfigError(f"offer must be one of {', '.join(OFFERS)}, not {self.offer!r}")
        if not 0 <= self.candidates < self.max_actions:
            raise EnvConfigError(f"candidates must be 0..{self.max_actions - 1} (fewer than max_actions, "
                                 f"{self.max_actions}, so a folder's own entries can show), not {self.candidates}")


class EnvConfigError(ExploreError, ValueError):
    """Environment settings that cannot work (a listing that would not fit the action
    space), or an ``env.json`` beside trained adapters that cannot be read."""


def navigator_config(**overrides: Any) -> EnvConfig:
    """The settings the shipped navigator and `explore train` use: the five best
    candidates (the candidate stage's and BM25's in turn, ``hybrid``) offered as reads from
    anywhere, a 12-action cap, a 6-line read window, and config files annotated with the
    settings the question names. They must equal ``navigator/env.json``: a run whose
    observations are shaped otherwise cannot start from the shipped navigator, and
    `explore train` would start from fresh adapters (as it did while the shipped navigator
    read ``hybrid`` offers and this said ``bm25``).

    Short observations matter on a CPU: decision time grows with prompt length.
    """
    return EnvConfig(**{"candidates": 5, "max_actions": 12, "result_lines": 6, "max_steps": 8, "settings": True,
                        "offer": "hybrid", **overrides})
