"""A task: a question about a repository and the files that answer it."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..sandbox.errors import ExploreError

REQUIRED = ("id", "question", "targets")



def valid_target(path: str) -> bool:
    """Whether a task file can name ``path`` as a target: repo-relative, no ``..``, and text
    UTF-8 can write (a name with bytes that are not UTF-8 cannot be). A backslash is a
    character of a POSIX name like any other (generated tasks hold such names), not a separator."""
    if path.startswith("/") or ".." in path.split("/"):
        return False
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

#: Where a task came from: the generators' sources, and ``user`` for one written by hand.
SOURCES = ("code", "docs", "config", "history", "chat", "user")


class BadTaskRecord(ExploreError, ValueError):
    """A task record is malformed; the message names where and which field."""


class UnknownTaskField(BadTaskRecord):
    """A task record names a field :class:`Task` does not have (often a typo: ``orcale``)."""


@dataclass
class Task:
    """One question. ``targets`` are repo-relative files; any one of them is a right answer.

    ``rev`` is the commit the repository is taken at (None: the repository as opened, that
    is HEAD, a plain folder, or the working tree of a ``Repository(path, worktree=True)``);
    ``oracle`` the shortest action sequence from the root ending in ``answer``.
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
    def from_dict(cls, data: Any, where: str | None = None) -> "Task":
        """A task from its record, checked field by field: the one strict reader that
        ``read_tasks``, ``train --tasks`` and the Python API share. ``where`` starts each
        error message (a file reader passes ``tasks.jsonl line 7``). An unknown field is an
        error: a typo such as ``target`` or ``orcale`` dropped silently would change what is
        trained or scored without a word. A missing ``depth`` is derived (the folders
        above the shallowest target), never left at 0."""
        if not isinstance(data, dict):
            raise BadTaskRecord(f"{where or 'task'}: expected a JSON object, got {type(data).__name__}")
        where = where or f"task {data.get('id', '?')!s}"

        def bad(name: str, want: str) -> BadTaskRecord:
            return BadTaskRecord(f"{where}: field {name!r} must be {want} (got {json.dumps(data.get(name))[:80]})")

        fields = cls.__dataclass_fields__
        unknown = [k for k in data if k not in fields]
        if unknown:
            raise UnknownTaskField(f"{where}: unknown field {unknown[0]!r} (fields are: {', '.join(fields)})")
        for name in REQUIRED:
            if name not in data:
                raise BadTaskRecord(f"{where}: missing required field {name!r}")
        if not isinstance(data["id"], str) or not data["id"]:
            raise bad("id", "a non-empty string")
        if not isinstance(data["question"], str) or not data["question"].strip():
            raise bad("question", "a non-empty string")
        targets = data["targets"]
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) and t for t in targets):
            raise bad("targets", "a non-empty list of paths")
        for t in targets:
            if not valid_target(t):
                raise BadTaskRecord(f"{where}: field 'targets' has {t!r}; targets are repo-relative paths "
                                    "(no leading /, no ..) in UTF-8")
        if data.get("rev") is not None and (not isinstance(data["rev"], str) or not data["rev"].strip()):
            raise bad("rev", "a commit id string or null")  # "" is no commit (null is HEAD)
        if "source" in data and data["source"] not in SOURCES:
            raise bad("source", "one of " + ", ".join(SOURCES))
        depth = data.get("depth", 0)
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
            raise bad("depth", "an integer >= 0")
        oracle = data.get("oracle")
        if oracle is not None and not (isinstance(oracle, list) and all(isinstance(a, str) for a in oracle)):
            raise bad("oracle", "a list of action strings or null")
        if data.get("answer") is not None and not isinstance(data["answer"], str):
            raise bad("answer", "a string or null")
        if not isinstance(data.get("meta", {}), dict):
            raise bad("meta", "an object")
        if "depth" not in data:
            data = {**data, "depth": min(t.count("/") for t in targets)}
        return cls(**data)
