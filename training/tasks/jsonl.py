"""Task files: one JSON object per line, validated field by field on the way in.

A tasks file is often written by hand or by another tool, so a bad one must say *where*
it is bad: ``tasks.jsonl line 7: field 'targets' must be a non-empty list of paths
(got "a.py")``. Unknown fields are errors too — a typo such as ``target`` would otherwise
silently become a task with no answer.

Schema (see the README): ``id`` (str), ``question`` (str), ``targets`` (list of
repo-relative paths) are required; ``rev`` (str | null), ``source`` (str), ``depth``
(int >= 0; when missing, the folders above the shallowest target), ``oracle`` (list of
str | null), ``answer`` (str | null), ``meta`` (object) are optional.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from ...agent.task import Task
from ...sandbox.errors import ExploreError
from ...sandbox.snapshot import Repository

FIELDS = tuple(f.name for f in fields(Task))
REQUIRED = ("id", "question", "targets")


class TaskFileError(ExploreError):
    """A tasks file is missing, unreadable or malformed; the message names line and field."""


class TargetsMissing(ExploreError):
    """Every task names targets that do not exist at its revision."""


def write_tasks(tasks: Iterable[Task], path: str | os.PathLike[str]) -> int:
    """Write tasks as JSONL atomically (a crash never leaves half a file); returns the count."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for task in tasks:
                fh.write(json.dumps(task.to_dict(), ensure_ascii=False) + "\n")
                n += 1
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise TaskFileError(f"cannot write {path}: {exc.strerror or exc}") from None
    return n


def _check(data: Any, where: str) -> Task:
    def bad(name: str, want: str) -> TaskFileError:
        got = json.dumps(data.get(name))
        return TaskFileError(f"{where}: field {name!r} must be {want} (got {got[:80]})")

    if not isinstance(data, dict):
        raise TaskFileError(f"{where}: expected a JSON object, got {type(data).__name__}")
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise TaskFileError(f"{where}: unknown field {unknown[0]!r} (fields are: {', '.join(FIELDS)})")
    for name in REQUIRED:
        if name not in data:
            raise TaskFileError(f"{where}: missing required field {name!r}")
    if not isinstance(data["id"], str) or not data["id"]:
        raise bad("id", "a non-empty string")
    if not isinstance(data["question"], str) or not data["question"].strip():
        raise bad("question", "a non-empty string")
    targets = data["targets"]
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) and t for t in targets):
        raise bad("targets", "a non-empty list of paths")
    for t in targets:
        if t.startswith("/") or ".." in t.split("/") or "\\" in t:
            raise TaskFileError(f"{where}: field 'targets' has {t!r}; targets are repo-relative posix paths")
    if data.get("rev") is not None and not isinstance(data["rev"], str):
        raise bad("rev", "a commit id string or null")
    if "source" in data and not isinstance(data["source"], str):
        raise bad("source", "a string")
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
    if "depth" not in data:  # by definition: the folders above the shallowest target (not 0)
        data = {**data, "depth": min(t.count("/") for t in targets)}
    return Task.from_dict(data)


def read_tasks(path: str | os.PathLike[str]) -> list[Task]:
    """Read and validate a JSONL tasks file. Blank lines are allowed; ids must be unique."""
    path = Path(path)
    if not path.is_file():
        raise TaskFileError(f"no tasks file at {path}; make one with `explore tasks REPO -o {path}`")
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise TaskFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        try:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                where = f"{path.name} line {n}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TaskFileError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
                task = _check(data, where)
                if task.id in seen:
                    raise TaskFileError(f"{where}: field 'id' {task.id!r} repeats line {seen[task.id]}")
                seen[task.id] = n
                tasks.append(task)
        except UnicodeDecodeError:
            raise TaskFileError(f"{path.name}: not UTF-8 text; a tasks file is JSON Lines") from None
    if not tasks:
        raise TaskFileError(f"{path} holds no tasks")
    return tasks


def missing_targets(repo: Repository, tasks: list[Task]) -> list[tuple[Task, list[str]]]:
    """Tasks some of whose targets do not exist at the task's revision (files deleted or
    renamed since the tasks were made, or a rev the repository does not have)."""
    out: list[tuple[Task, list[str]]] = []
    files_at: dict[str | None, set[str] | None] = {}
    for task in tasks:
        if task.rev not in files_at:
            try:
                files_at[task.rev] = set(repo.snapshot(task.rev).files)
            except ExploreError:
                files_at[task.rev] = None  # the rev itself is bad: every target is missing
        files = files_at[task.rev]
        gone = [t for t in task.targets if files is None or t not in files]
        if gone:
            out.append((task, gone))
    return out


def usable(repo: Repository, tasks: list[Task]) -> tuple[list[Task], list[str]]:
    """The tasks that can still be posed, and a warning for each one changed or dropped.

    Missing targets are removed from a task (any remaining target is still a right
    answer); a task left with none is dropped. Raises :class:`TargetsMissing` when no task
    is left: evaluating nothing is an error, most likely tasks made for another repository.
    """
    problems = {task.id: gone for task, gone in missing_targets(repo, tasks)}
    keep: list[Task] = []
    warnings: list[str] = []
    for task in tasks:
        gone = problems.get(task.id)
        if not gone:
            keep.append(task)
            continue
        at = (task.rev or "the working tree")[:12]
        left = [t for t in task.targets if t not in gone]
        if left:
            keep.append(Task(**{**task.to_dict(), "targets": left, "oracle": None}))
            warnings.append(f"task {task.id}: target(s) {', '.join(gone)} not found at {at}; kept the others")
        else:
            warnings.append(f"task {task.id}: target(s) {', '.join(gone)} not found at {at}; skipped")
    if not keep:
        raise TargetsMissing(
            f"none of the {len(tasks)} tasks has a target in {repo.path} ({warnings[0]}); "
            "are these tasks for another repository or revision?"
        )
    return keep, warnings
