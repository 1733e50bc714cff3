"""From a repository to a task set: generate, dedupe, sample, prove oracles, split.

``generate(repo, sources, max_tasks, seed, rev)`` is the entry point; ``generate_report``
returns the same tasks with what happened along the way (per-source counts and why a
source produced nothing, duplicates merged, tasks dropped as unreachable, seconds).

Sampling is round-robin over sources, and within a source over kinds (docstring,
definition, ...), each bucket shuffled by the seed: with ``--max 100`` a repo with 2,000
definitions still yields docs and history questions. Every kept task has a replay-proven
oracle (see :mod:`explore.training.oracle`); sampling continues past unreachable tasks
until ``max_tasks`` are kept or candidates run out.
"""
from __future__ import annotations

import random
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...agent.env import EnvConfig, RepoExploreEnv
from ...agent.task import Task, valid_target
from ...sandbox.errors import ExploreError, MissingObject, PathRefused
from ...sandbox.snapshot import Repository, Snapshot
from ..oracle import attach
from .chat import generate as chat_tasks
from .code import generate as code_tasks
from .code import python_files, syntax_files
from .config import generate as config_tasks
from .docs import doc_files
from .docs import generate as docs_tasks
from .history import MAX_COMMITS
from .history import generate as history_tasks
from .quality import DocumentTerms, annotate, assign_splits, dedupe, task_id

SOURCES: tuple[str, ...] = ("code", "docs", "config", "history")
ALL_SOURCES: tuple[str, ...] = (*SOURCES, "chat")
#: Snapshots (with their BM25 index) kept in memory while proving history oracles.
ENV_CACHE = 4

Progress = Callable[[str, int, int], None]


class TaskGenerationError(ExploreError):
    """Tasks cannot be generated as asked."""


class UnknownSource(TaskGenerationError):
    """A ``--sources`` name that is not a generator."""


class NoTasks(TaskGenerationError):
    """Every generator came back empty; the message says why each did."""


@dataclass
class SourceReport:
    """What one generator did: raw candidates, tasks kept in the end, and why none if so."""

    candidates: int = 0
    kept: int = 0
    reason: str = ""


@dataclass
class Generation:
    """The tasks and the story of how they were made (what ``explore tasks`` summarises)."""

    tasks: list[Task]
    repo: str
    rev: str | None
    files: int
    sources: dict[str, SourceReport] = field(default_factory=dict)
    duplicates: int = 0
    unreachable: int = 0
    seconds: float = 0.0
    worktree: bool = False
    """Made from the working tree (``rev`` is then None), uncommitted changes included."""

    def counts(self) -> dict[str, int]:
        return {name: r.kept for name, r in self.sources.items()}

    def to_dict(self) -> dict[str, Any]:
        by_depth: dict[int, int] = defaultdict(int)
        by_split: dict[str, int] = defaultdict(int)
        for t in self.tasks:
            by_depth[t.depth] += 1
            by_split[t.meta.get("split", "?")] += 1
        return {
            "repo": self.repo, "rev": self.rev, "worktree": self.worktree, "files": self.files, "n": len(self.tasks),
            "by_source": {k: vars(v) for k, v in self.sources.items()},
            "by_depth": {str(k): v for k, v in sorted(by_depth.items())},
            "by_split": dict(by_split),
            "leaks_path": sum(bool(t.meta.get("leaks_path")) for t in self.tasks),
            "names_stem": sum(bool(t.meta.get("names_stem")) for t in self.tasks),
            "duplicates": self.duplicates, "unreachable": self.unreachable,
            "seconds": round(self.seconds, 3),
        }


def parse_sources(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"code,docs"`` → ("code", "docs"), rejecting unknown names with the list of known ones."""
    names = [s.strip().lower() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = [n for n in names if n not in ALL_SOURCES]
    if unknown or not names:
        raise UnknownSource(
            f"unknown source(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"choose from {', '.join(ALL_SOURCES)}"
        )
    return tuple(dict.fromkeys(names))


def generate(repo: Repository, sources: Sequence[str] = SOURCES, max_tasks: int | None = None,
             seed: int = 0, rev: str | None = None, **kwargs: Any) -> list[Task]:
    """Tasks for ``repo`` (see :func:`generate_report` for the keyword options)."""
    return generate_report(repo, sources, max_tasks, seed, rev, **kwargs).tasks


def generate_report(
    repo: Repository,
    sources: Sequence[str] = SOURCES,
    max_tasks: int | None = None,
    seed: int = 0,
    rev: str | None = None,
    *,
    chat_model: Any = None,
    env_config: EnvConfig | None = None,
    max_commits: int = MAX_COMMITS,
    progress: Progress | None = None,
) -> Generation:
    """Generate, dedupe, sample, prove and split tasks; raise :class:`NoTasks` if none."""
    sources = parse_sources(sources)
    if "chat" in sources and chat_model is None:
        raise UnknownSource("the chat source needs a chat model (pass chat_model=...)")
    if max_tasks is not None and max_tasks < 1:
        raise TaskGenerationError(f"max_tasks must be at least 1, not {max_tasks}")
    start = time.perf_counter()
    snapshot = repo.snapshot(rev)
    report = Generation([], str(repo.path), snapshot.rev, len(snapshot.files), worktree=snapshot.rev is None and repo.is_git)
    tick = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress else (lambda stage: None)

    raw: list[Task] = []
    for name in sources:
        rng = random.Random(f"{seed}:{name}")
        reason = ""
        if name == "code":
            found = code_tasks(snapshot, rng, tick(name))
            reason = "" if found else ("no source files it can parse (Python, JS/TS, Go, Rust, Java, C/C++, Ruby, PHP, C#, Swift, Scala, Kotlin)"
                                       if not (python_files(snapshot) or syntax_files(snapshot)) else
                                       "no usable docstrings, doc comments, definitions or constants")
        elif name == "docs":
            found = docs_tasks(snapshot, rng, tick(name))
            reason = "" if found else ("no Markdown or reST files" if not doc_files(snapshot) else
                                       "no headings with text under them")
        elif name == "config":
            found = config_tasks(snapshot, rng, tick(name))
            reason = "" if found else "no recognised config or data files"
        elif name == "history":
            found, reason = history_tasks(repo, rev, max_commits, tick(name))
        else:
            found, reason = chat_tasks(snapshot, chat_model, rng, progress=tick(name))
        report.sources[name] = SourceReport(len(found), 0, reason)
        raw += _canonical(found, snapshot)

    # a name a task file cannot carry (bytes that are not UTF-8, a backslash) is no target
    raw = [t for t in raw if all(valid_target(f) for f in t.targets)]
    unique = dedupe(raw)
    report.duplicates = len(raw) - len(unique)
    for task in unique:
        task.id = task_id(task)
    order = _interleave(unique, sources, seed)
    kept = _prove(repo, snapshot, order, max_tasks, env_config or EnvConfig(), report, tick("oracle"))
    assign_splits(kept, seed)
    for task in kept:
        report.sources[task.source].kept += 1
    for r in report.sources.values():
        if r.candidates and not r.kept and not r.reason:
            r.reason = "every candidate was a duplicate or unreachable"
    report.tasks = kept
    report.seconds = time.perf_counter() - start
    if not kept:
        why = "; ".join(f"{n}: {r.reason or 'nothing'}" for n, r in report.sources.items())
        raise NoTasks(f"no tasks could be generated from {repo.path} ({why})")
    return report


def _canonical(tasks: list[Task], snapshot: Snapshot) -> list[Task]:
    """Targets as the environment names them: real paths (a file reached through an
    in-repo symlink is answered by where it lives). History targets are checked later,
    against the snapshot at their own revision."""
    out = []
    for task in tasks:
        if task.rev != snapshot.rev:
            out.append(task)
            continue
        targets = []
        for t in task.targets:
            try:
                res = snapshot.resolve("", t)
            except PathRefused:
                continue
            real = res.real.relative_to(snapshot.root).as_posix()
            if res.kind == "file" and real not in targets:
                targets.append(real)
        if targets:
            task.targets = targets
            out.append(task)
    return out


def _interleave(tasks: list[Task], sources: Sequence[str], seed: int) -> list[Task]:
    """Round-robin over sources, and over kinds within a source; each bucket seeded-shuffled."""
    rng = random.Random(f"{seed}:sample")
    per_source: list[list[Task]] = []
    for name in sources:
        kinds: dict[str, list[Task]] = defaultdict(list)
        for t in tasks:
            if t.source == name:
                kinds[str(t.meta.get("kind", ""))].append(t)
        buckets = [kinds[k] for k in sorted(kinds)]
        for b in buckets:
            rng.shuffle(b)
        per_source.append(_round_robin(buckets))
    return _round_robin(per_source)


def _round_robin(lists: list[list[Task]]) -> list[Task]:
    out: list[Task] = []
    for i in range(max((len(x) for x in lists), default=0)):
        out += [x[i] for x in lists if i < len(x)]
    return out


def _prove(repo: Repository, snapshot: Snapshot, order: list[Task], max_tasks: int | None,
           env_config: EnvConfig, report: Generation, progress) -> list[Task]:
    """Keep tasks whose oracle replays to success, in order, until ``max_tasks`` are kept."""
    envs: OrderedDict[str | None, tuple[Snapshot, RepoExploreEnv]] = OrderedDict()
    kept: list[Task] = []
    terms_of = DocumentTerms()
    goal = len(order) if max_tasks is None else min(max_tasks, len(order))
    for task in order:
        if len(kept) >= goal:
            break
        if task.rev not in envs:
            try:
                snap = snapshot if task.rev == snapshot.rev else repo.snapshot(task.rev)
            except MissingObject:  # a commit holding a file git cannot read (a partial or damaged clone)
                report.unreachable += 1
                continue
            envs[task.rev] = (snap, RepoExploreEnv(snap, [task], env_config))
            if len(envs) > ENV_CACHE:
                envs.popitem(last=False)
        envs.move_to_end(task.rev)
        snap, env = envs[task.rev]
        if attach(env, task):
            annotate(task, snap, terms_of)
            kept.append(task)
            if progress:
                progress(len(kept), goal)
        else:
            report.unreachable += 1
    return kept
