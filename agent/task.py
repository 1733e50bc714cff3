"""A task: a question about a repository and the files that answer it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..sandbox.errors import ExploreError


class UnknownTaskField(ExploreError, ValueError):
    """A task record names a field :class:`Task` does not have (often a typo: ``orcale``)."""


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
        """A task from its record; an unknown field is an error, as in a tasks file: a typo
        such as ``target`` or ``orcale`` dropped silently would change what is trained or
        scored without a word."""
        if not isinstance(data, dict):
            raise TypeError(f"a task is an object of fields, not {type(data).__name__}")
        unknown = [k for k in data if k not in cls.__dataclass_fields__]
        if unknown:
            raise UnknownTaskField(f"task {data.get('id', '?')!s}: unknown field {unknown[0]!r} "
                                   f"(fields are: {', '.join(cls.__dataclass_fields__)})")
        return cls(**data)
