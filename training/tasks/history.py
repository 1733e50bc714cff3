"""Tasks from git history: a commit message is a question its changed files answer.

A human wrote "Fix the retry back-off overflowing after 30 attempts" about the files the
commit touched, so the message is the closest thing a repository has to a real user
question, and it comes with its answer. The task is posed on the **parent** commit — the
code *before* the change — because that is what a developer reading a bug report faces.

Filtered out: merges and root commits, bots, reverts, version bumps and release chores,
messages too short to mean anything, commits touching no source file or only tests, and
huge commits (more than :data:`MAX_CHANGED` files or :data:`MAX_LINES` lines), whose
"answer" is a whole subsystem.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from ...agent.task import Task
from ...sandbox.snapshot import Repository
from .quality import is_test_path, is_vendored

SOURCE = "history"
#: Newest commits scanned (each history task costs a snapshot at its parent when walked).
MAX_COMMITS = 300
#: At most this many non-test source files as targets.
MAX_TARGET_FILES = 3
#: Commits changing more files or lines than these are too broad to be one question.
MAX_CHANGED = 12
MAX_LINES = 600
#: Message length kept as the question.
MAX_QUESTION_CHARS = 600

SOURCE_SUFFIXES = frozenset(
    ".py .pyi .pyx .c .h .cc .cpp .hpp .rs .go .java .kt .js .jsx .ts .tsx .rb .php .cs .swift "
    ".scala .sh .lua .r .jl .m .mm .zig .ex .exs .erl .hs .ml .clj .dart .vue .sql".split()
)
_BOT = re.compile(r"\[bot\]|dependabot|renovate|github-actions|pre-commit-ci|\bbot@|noreply.*bot", re.I)
_CHORE = re.compile(
    r"^(revert\b|merge\b|bump\b|release\b|prepare (for )?release|version bump|v?\d+(\.\d+)+\s*$|"
    r"update (the )?(changelog|changes|version|copyright|authors|readme)|"
    r"(fix(ed)? )?typos?\b|wip\b|fixup!|squash!|amend!|lint\b|format(ting)?\b|style\b|"
    r"\[pre-commit|pre-commit autoupdate|initial commit|first commit|start (release|version)|"
    r"set version|increment version|back to development|post[- ]release|tag\b)",
    re.I,
)
_TRAILER = re.compile(r"^(signed-off-by|co-authored-by|reviewed-by|acked-by|change-id|cc):", re.I)


def is_source(rel: str) -> bool:
    return PurePosixPath(rel).suffix.lower() in SOURCE_SUFFIXES and not is_vendored(rel)


def clean_message(message: str) -> str:
    """Subject and body without trailers, URLs-only lines or excess whitespace."""
    lines = []
    for line in message.strip().splitlines():
        s = line.strip()
        if _TRAILER.match(s) or re.fullmatch(r"https?://\S+", s):
            continue
        lines.append(s)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def worth_asking(subject: str) -> bool:
    """A subject a person could have asked: several real words and not a chore."""
    words = re.findall(r"[A-Za-z]{2,}", subject)
    return len(words) >= 3 and len(subject) >= 15 and not _CHORE.match(subject.strip())


def generate(repo: Repository, rev: str | None = None, max_commits: int = MAX_COMMITS,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[Task], str]:
    """History tasks from the newest ``max_commits`` commits reachable from ``rev``.

    Returns the tasks and a reason when there are none ("not a git repository", "only
    one commit", ...), so the caller can say *why* a source produced nothing.
    """
    if repo.git is None:
        return [], "not a git repository"
    if not repo.git.head.is_valid() and rev in (None, "HEAD"):
        return [], "no commits"
    head = repo.resolve_rev(rev)
    commits = list(repo.git.iter_commits(head, max_count=max_commits))
    tasks: list[Task] = []
    for i, commit in enumerate(commits):
        if progress is not None:
            progress(i + 1, len(commits))
        task = _task_of(commit)
        if task is not None:
            # Position from the oldest commit scanned: orders commits made within one second.
            task.meta["seq"] = len(commits) - i
            tasks.append(task)
    if tasks:
        return tasks, ""
    if len(commits) <= 1:
        return [], "only one commit (a history task needs a commit and its parent)"
    return [], f"none of {len(commits)} commits qualified (merges, bots, chores, tests only or too large)"


def _task_of(commit) -> Task | None:  # commit: git.Commit
    if len(commit.parents) != 1:
        return None
    message = commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
    subject = message.strip().splitlines()[0] if message.strip() else ""
    if _BOT.search(f"{commit.author.name} <{commit.author.email}>") or not worth_asking(subject):
        return None
    parent = commit.parents[0]
    diffs = parent.diff(commit)
    if not diffs or len(diffs) > MAX_CHANGED:
        return None
    # Files as they were at the parent: modified, deleted, renamed-from (added files did not exist).
    before = sorted({d.a_path for d in diffs if d.change_type in ("M", "D", "R", "T") and d.a_path})
    changed = {p for d in diffs for p in (d.a_path, d.b_path) if p}
    touched = {p for p in changed if is_source(p) and not is_test_path(p)}
    sources = [p for p in before if p in touched]
    if not sources or len(touched) > MAX_TARGET_FILES:
        return None  # test-only / docs-only commits have no source target
    lines = commit.stats.total.get("lines", 0)
    if lines > MAX_LINES:
        return None
    return Task(
        id="", question=clean_message(message), targets=sources, rev=parent.hexsha, source=SOURCE,
        meta={"kind": "commit", "commit": commit.hexsha, "date": int(commit.committed_date),
              "changed": len(changed), "lines": int(lines)},
    )
