"""Task files: one JSON object per line, validated field by field on the way in
(by :meth:`~explore.agent.task.Task.from_dict`, the one strict reader of a task record).

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

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from ...agent.task import BadTaskRecord, Task
from ...question_text import MAX_QUESTION_CHARS
from ...sandbox.atomic import write_jsonl
from ...sandbox.errors import ExploreError
from ...sandbox.snapshot import Repository


class TaskFileError(ExploreError):
    """A tasks file is missing, unreadable or malformed; the message names line and field."""


class TargetsMissing(ExploreError):
    """Every task names targets that do not exist at its revision."""


def write_tasks(tasks: Iterable[Task], path: str | os.PathLike[str]) -> int:
    """Write tasks as JSONL atomically (a crash never leaves half a file); returns the count."""
    try:
        return write_jsonl(path, (task.to_dict() for task in tasks))
    except OSError as exc:
        raise TaskFileError(f"cannot write {path}: {exc.strerror or exc}") from None


#: The longest line read as one task: a question of the most a question may be, and room for
#: the rest (a line is read up to here, never the whole of an endless one).
MAX_LINE_CHARS = 2 * MAX_QUESTION_CHARS


def read_tasks(path: str | os.PathLike[str]) -> list[Task]:
    """Read and validate a JSONL tasks file (``-`` or a pipe, ``<(explore tasks … -o -)``,
    too). Blank lines are allowed; ids must be unique."""
    path = Path(path)
    stdin = str(path) == "-"
    if not stdin and path.is_dir():
        raise TaskFileError(f"{path} is a folder, not a tasks file; make one with `explore tasks REPO -o FILE`")
    if not stdin and not path.exists():
        raise TaskFileError(f"no tasks file at {path}; make one with `explore tasks REPO -o FILE`")
    if stdin and sys.stdin is None:  # `<&-`: said, not an AttributeError
        raise TaskFileError("--tasks - reads the tasks from stdin, and stdin is closed")
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    try:
        # stdin as strictly UTF-8 as a file: its own encoding (surrogateescape under a C locale,
        # a Latin-1 locale's) took bytes a file refuses, or read UTF-8 as something else
        fh = _utf8_stdin() if stdin else path.open(encoding="utf-8-sig")  # an editor's BOM
    except OSError as exc:
        raise TaskFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh as fh:
        try:
            for n, line in enumerate(iter(lambda: fh.readline(MAX_LINE_CHARS + 1), ""), start=1):
                if len(line) > MAX_LINE_CHARS:  # /dev/zero, a binary file: no line end in sight
                    raise TaskFileError(f"{'stdin' if stdin else path.name} line {n}: over {MAX_LINE_CHARS:,} "
                                        "characters with no line end; a tasks file is JSON Lines, one task a line")
                line = line.removeprefix("\ufeff") if n == 1 else line  # a pipe's BOM
                if not line.strip():
                    continue
                where = f"{'stdin' if stdin else path.name} line {n}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TaskFileError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
                except ValueError:  # Python's own limit, in Python's words (sys.set_int_max_str_digits)
                    raise TaskFileError(f"{where}: not valid JSON (a number too long to read)") from None
                except RecursionError:
                    raise TaskFileError(f"{where}: not valid JSON (arrays or objects nested too deep)") from None
                try:
                    task = Task.from_dict(data, where)
                except BadTaskRecord as exc:
                    raise TaskFileError(str(exc)) from None
                if task.id in seen:
                    raise TaskFileError(f"{where}: field 'id' {task.id!r} repeats line {seen[task.id]}")
                seen[task.id] = n
                tasks.append(task)
        except UnicodeDecodeError:
            raise TaskFileError(f"{'stdin' if stdin else path.name}: not UTF-8 text; a tasks file is JSON Lines") from None
    if not tasks:
        raise TaskFileError(f"{'stdin' if stdin else path} holds no tasks")
    return tasks


@contextlib.contextmanager
def _utf8_stdin() -> Iterator[TextIO]:
    """stdin decoded as a tasks file is (UTF-8, strictly), left open for whoever reads it next."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text-only stream handed in: it has decoded already
        yield sys.stdin
        return
    wrapper = io.TextIOWrapper(buffer, encoding="utf-8-sig")
    try:
        yield wrapper
    finally:
        wrapper.detach()  # closing it would close stdin's own buffer


def missing_targets(repo: Repository, tasks: list[Task]) -> list[tuple[Task, list[str]]]:
    """Tasks some of whose targets do not exist at the task's revision (files deleted or
    renamed since the tasks were made, or a rev the repository does not have)."""
    return [(task, gone) for task, gone, _, _ in _missing(repo, tasks)]


def _missing(repo: Repository, tasks: list[Task]) -> list[tuple[Task, list[str], bool, str]]:
    """:func:`missing_targets`, each with whether every missing target is a folder, and the
    error opening the task's revision ("" when it opened: a revision the repository lacks)."""
    out: list[tuple[Task, list[str], bool, str]] = []
    opened: dict[str | None, tuple[set[str], set[str]] | str] = {}
    for task in tasks:
        if task.rev not in opened:
            try:
                snapshot = repo.snapshot(task.rev)
                files = set(snapshot.files)
                opened[task.rev] = files, {"/".join(f.split("/")[:n]) for f in files for n in range(1, f.count("/") + 1)}
            except ExploreError as exc:
                opened[task.rev] = str(exc)  # the rev itself is bad: every target is missing
        at = opened[task.rev]
        if isinstance(at, str):
            out.append((task, list(task.targets), False, at))
            continue
        files, folders = at
        gone = [t for t in task.targets if t not in files]
        if gone:
            out.append((task, gone, all(t.rstrip("/") in folders for t in gone), ""))
    return out


def usable(repo: Repository, tasks: list[Task]) -> tuple[list[Task], list[str]]:
    """The tasks that can still be posed, and a warning for each one changed or dropped.

    Missing targets are removed from a task (any remaining target is still a right
    answer); a task left with none is dropped. Raises :class:`TargetsMissing` when no task
    is left: evaluating nothing is an error, most likely tasks made for another repository.
    """
    problems = {task.id: (gone, folder, error) for task, gone, folder, error in _missing(repo, tasks)}
    keep: list[Task] = []
    warnings: list[str] = []
    for task in tasks:
        gone, folder, error = problems.get(task.id, ([], False, ""))
        if not gone:
            keep.append(task)
            continue
        at = (task.rev or ("the working tree" if repo.worktree else "HEAD"))[:12]
        left = [t for t in task.targets if t not in gone]
        if error:  # its revision cannot be opened: say that, not that its files are missing
            what = f"its rev {task.rev!r} cannot be opened ({error})"
        else:
            what = f"target(s) {', '.join(gone)} " + (f"is a folder at {at}, not a file" if folder else f"not found at {at}")
        if left:
            keep.append(Task(**{**task.to_dict(), "targets": left, "oracle": None}))
            warnings.append(f"task {task.id}: {what}; kept the others")
        else:
            warnings.append(f"task {task.id}: {what}; skipped")
    if not keep:
        said = "; ".join(warnings[:3]) + (f"; and {len(warnings) - 3} more" if len(warnings) > 3 else "")
        unopened = all(error for _gone, _folder, error in problems.values())  # this repository's, not readable here
        raise TargetsMissing(
            f"none of the {len(tasks)} tasks has a target in {repo.path} ({said}); "
            + ("their commits cannot be read here" if unopened else "are these tasks for another repository or revision?")
        )
    return keep, warnings
