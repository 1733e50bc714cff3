"""A task: a question about a repository and the files that answer it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Task:
    """One question. ``targets`` are repo-relative files; any one of them is a right answer.

    ``rev`` is the commit the repository is taken at (None for a plain folder or HEAD of a
    working tree); ``oracle`` the shortest action sequence from the root ending in ``answer``.
    """

    id: str
    question: str
    targets: list[str]
    rev: str | None = None
    source: str = "user"
    depth: int = 0
    oracle: list[str] | None = None
    answer: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Task":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)
