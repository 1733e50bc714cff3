"""What the repository's own history says about a question.

A question about a codebase is very often about the same place as an earlier change: the
commit messages before the snapshot, each paired with the files it changed, are this
repository's own real questions with their answers. Two kinds of evidence come from them:

* ``history`` ranking — BM25 of the question against past commit messages; a file scores
  the sum of the messages that changed it, each shared among the files it changed;
* ``churn``/``recency`` — how often, and how lately, a file changed: the places people
  work on are the places they ask about.

Only commits reachable from the snapshot's commit are read (the history up to the
question's point in time, never after it), from the repository's git objects; never
written. For a subfolder of a repository (a snapshot with a ``prefix``) a commit speaks
only of the files it changed inside the folder, named as the snapshot names them
(``retry.py`` for ``src/pkg/retry.py``); a commit that changed nothing there gives no
evidence. Breadth (:data:`MAX_FILES_PER_COMMIT`) is judged on the whole commit, and the
depth counts the repository's commits, as :class:`History` walks them. A plain folder, a
shallow clone cut short, or a repository with no commits give less or no evidence, never
an error. The log is read once per commit and kept in memory;
:class:`History` reads a whole history once and gives each of many commits its part of it.
"""
from __future__ import annotations

import heapq
import math
import re
import secrets
import subprocess
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from ..sandbox.index import tokenize
from ..sandbox.snapshot import Snapshot

#: Commits read back from the snapshot's commit.
HISTORY_DEPTH = 3000
#: Commits changing more files than this say little about any one of them (merges of
#: branches, renames, formatting sweeps) and are left out.
MAX_FILES_PER_COMMIT = 20
#: Past commits whose messages vote for files.
TOP_COMMITS = 40
_K1, _B = 1.2, 0.75


@dataclass
class ChangeLog:
    """The non-broad commits before a snapshot (newest first): message tokens and the
    files each changed that the snapshot still holds."""

    tokens: list[list[str]] = field(default_factory=list)
    files: list[tuple[str, ...]] = field(default_factory=list)
    counts: list[Counter] = field(default_factory=list, repr=False)
    """Each message's token counts (a :class:`History` counts each commit once for all its
    views; empty: counted here)."""
    _postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)
    _avg: float = 1.0
    churn: Counter = field(default_factory=Counter)
    """File -> number of commits that changed it."""
    since: dict[str, int] = field(default_factory=dict)
    """File -> how many commits ago it last changed (0 = the newest)."""

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [Counter(t) for t in self.tokens]
        for i, files in enumerate(self.files):
            for f in files:
                self.churn[f] += 1
                self.since.setdefault(f, i)
        n = len(self.tokens)
        self._lengths = [len(t) for t in self.tokens]
        self._avg = (sum(self._lengths) / n) if n else 1.0

    def __len__(self) -> int:
        return len(self.tokens)

    def _posting(self, term: str) -> list[tuple[int, int]]:
        """(commit, count) of the messages holding ``term``, found when first asked: a
        parent commit's log answers one question, so an inverted index of every word of
        thousands of messages (a third of a second on networkx) was mostly never read."""
        found = self._postings.get(term)
        if found is None:
            found = self._postings[term] = [(i, c[term]) for i, c in enumerate(self.counts) if term in c]
        return found

    def commit_scores(self, terms: list[str]) -> dict[int, float]:
        """BM25 of each past commit message that shares a term with the question."""
        scores: dict[int, float] = defaultdict(float)
        n = len(self.tokens)
        for term in set(terms):
            posting = self._posting(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for i, tf in posting:
                norm = tf + _K1 * (1 - _B + _B * self._lengths[i] / self._avg)
                scores[i] += idf * tf * (_K1 + 1) / norm
        return scores

    def file_scores(self, terms: list[str], top: int = TOP_COMMITS) -> dict[str, float]:
        """Files voted for by the ``top`` past messages most like the question; a message's
        score is shared among the files it changed (one file: all of it)."""
        scores = self.commit_scores(terms)
        best = sorted(scores, key=lambda i: (-scores[i], i))[:top]
        out: dict[str, float] = defaultdict(float)
        for i in best:
            files = self.files[i]
            for f in files:
                out[f] += scores[i] / len(files)
        return dict(out)


_LOGS: OrderedDict[tuple, ChangeLog] = OrderedDict()
_LOCK = Lock()
_KEEP = 8


def change_log(snapshot: Snapshot, depth: int = HISTORY_DEPTH) -> ChangeLog:
    """The change log up to the snapshot's commit (HEAD for a working tree); empty for a
    plain folder or a repository git cannot read."""
    if not snapshot.git_dir:
        return ChangeLog()
    key = _key(snapshot)
    with _LOCK:
        if key in _LOGS:
            _LOGS.move_to_end(key)
            return _LOGS[key]
    log = _read(snapshot, depth)
    _keep(key, log)
    return log


def remember(snapshot: Snapshot, log: ChangeLog) -> None:
    """Keep ``log`` as the snapshot's change log, so :func:`change_log` (and so every
    retriever over that snapshot) uses it instead of reading git: how a :class:`History`
    read once hands each parent commit its view."""
    if snapshot.git_dir:
        _keep(_key(snapshot), log)


def _keep(key: tuple, log: ChangeLog) -> None:
    with _LOCK:
        _LOGS[key] = log
        _LOGS.move_to_end(key)
        while len(_LOGS) > _KEEP:
            _LOGS.popitem(last=False)


def _key(snapshot: Snapshot) -> tuple:
    """Where a snapshot's change log is kept: two subfolders of one commit differ. A working
    tree's is kept by the commit HEAD is now and the files the tree holds now, so a process
    that lives on (``explore serve``) reads the history again after a commit or a deletion."""
    if snapshot.rev:
        return (str(snapshot.git_dir), snapshot.rev, snapshot.prefix)
    try:
        head = subprocess.run(["git", "--git-dir", str(snapshot.git_dir), "rev-parse", "--verify", "-q",
                               "HEAD^{commit}"], capture_output=True, text=True, timeout=60, check=False).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        head = ""
    return (str(snapshot.git_dir), head or "HEAD", snapshot.prefix, frozenset(snapshot.files))


@dataclass
class _Commit:
    parents: tuple[str, ...]
    tokens: list[str]
    changed: tuple[str, ...]
    """Every file it changed (empty for a merge or a commit that changed too many files:
    it says nothing about any one of them)."""
    count: Counter = field(default_factory=Counter)


_ESCAPE = re.compile(rb"\\([0-7]{3}|.)", re.S)
_ESCAPED = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13}


def unquote_path(name: str) -> str:
    """A path as ``git log`` prints it (C-quoted when it holds a quote, a backslash or a
    control character: ``"pkg/a\\tb.py"``; its text read with ``surrogateescape``) named
    as the file system names it, so as a snapshot's files are named."""
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    raw = _ESCAPE.sub(lambda m: bytes([int(m[1], 8) if len(m[1]) == 3 else _ESCAPED.get(m[1], m[1][0])]),
                      name[1:-1].encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "surrogateescape")


def _git_log(git_dir: str, rev: str, *args: str) -> list[tuple[str, _Commit]]:
    """(commit id, commit) newest first, as ``git log`` walks back from ``rev``; [] when
    git cannot read it."""
    # A message may hold any byte, so records and the message's end are marked with a
    # token made for this call: no message can split a commit in two or end it early.
    mark = secrets.token_hex(8)
    record, end = f"\x1e{mark}\x1f", f"\x1f{mark}\x1e"
    cmd = ["git", "-c", "core.quotePath=false", "--git-dir", git_dir, "log", *args, "--no-renames",
           f"--format={record}%H %P\x1f%B{end}", "--name-only", rev, "--"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=300, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    try:  # a shallow clone's oldest commits: git shows them parentless, "adding" the whole tree
        cut_off = set((Path(git_dir) / "shallow").read_text().split())
    except (OSError, ValueError):
        cut_off = set()
    commits = []
    # surrogateescape: a file name git prints as raw bytes is named as a snapshot names it.
    for chunk in out.decode("utf-8", errors="surrogateescape").split(record)[1:]:
        head, _, rest = chunk.partition("\x1f")
        message, _, names = rest.partition(end)
        sha, *parents = head.split()
        changed = tuple(unquote_path(n) for n in names.split("\n") if n)
        if len(parents) > 1 or len(changed) > MAX_FILES_PER_COMMIT or sha in cut_off:
            changed = ()  # a shallow boundary did not change every file its diff lists
        commits.append((sha, _Commit(tuple(parents), tokenize(message), changed)))
    return commits


def _log_of(commits: Iterable[_Commit], present: set[str], prefix: str = "") -> ChangeLog:
    """The change log of ``commits`` (newest first) for a snapshot holding ``present``, whose
    root lies at ``prefix`` in the repository ("" at the top): paths named as it names them."""
    tokens: list[list[str]] = []
    files: list[tuple[str, ...]] = []
    counts: list[Counter] = []
    cut = len(prefix) + 1 if prefix else 0
    for c in commits:
        changed = (f[cut:] for f in c.changed if f.startswith(prefix + "/")) if prefix else c.changed
        kept = tuple(f for f in changed if f in present)
        if kept and c.tokens:
            tokens.append(c.tokens)
            files.append(kept)
            counts.append(c.count or Counter(c.tokens))
    return ChangeLog(tokens, files, counts)


def _read(snapshot: Snapshot, depth: int) -> ChangeLog:
    commits = _git_log(str(snapshot.git_dir), snapshot.rev or "HEAD", f"-n{depth}", "--no-merges")
    return _log_of((c for _, c in commits), set(snapshot.files), snapshot.prefix)


class History:
    """A repository's history read once, for questions posed on many of its commits.

    Fitting to a repository's own history poses each question on its own parent commit,
    and each parent's change log is the history up to that parent. Reading it from git for
    every parent cost about as much as the rest of the question (0.3-0.9 s; a thousand
    parents: minutes); here the log from ``head`` is read and tokenised once, and
    :meth:`at` gives each commit its view: only that commit's ancestors (walked through
    the commit graph, merges included, so never a commit made after it or on a branch it
    does not contain), the newest ``depth`` of them, as :func:`change_log` reads them.
    """

    def __init__(self, git_dir: str, head: str, limit: int | None = None, depth: int = HISTORY_DEPTH) -> None:
        """``limit``: read at most this many commits back from ``head`` (None: all). A
        commit whose ancestors run past what was read sees fewer of them, never others."""
        self.git_dir, self.depth = git_dir, depth
        self._pos: dict[str, int] = {}
        self._commits: list[_Commit] = []
        for sha, commit in _git_log(git_dir, head, *([f"-n{limit}"] if limit else [])):
            self._pos[sha] = len(self._commits)
            commit.count = Counter(commit.tokens)
            self._commits.append(commit)

    def __contains__(self, rev: str) -> bool:
        return rev in self._pos

    def ancestors(self, rev: str) -> list[int]:
        """Positions (newest first) of ``rev`` and its ancestors, up to ``depth`` of them that
        are not merges: a walk through the parents, always taking the newest commit seen
        (git log's order: a commit comes after every one of its children)."""
        start = self._pos.get(rev)
        if start is None:
            return []
        heap, seen, out, plain = [start], {start}, [], 0
        while heap and plain < self.depth:
            i = heapq.heappop(heap)
            out.append(i)
            commit = self._commits[i]
            plain += len(commit.parents) <= 1
            for parent in commit.parents:
                j = self._pos.get(parent)
                if j is not None and j not in seen:
                    seen.add(j)
                    heapq.heappush(heap, j)
        return out

    def at(self, snapshot: Snapshot) -> ChangeLog:
        """The snapshot's change log from what was read (read from git when its commit was
        not), kept where :func:`change_log` finds it."""
        rev = snapshot.rev or ""
        if rev not in self._pos:
            return change_log(snapshot, self.depth)
        log = _log_of((self._commits[i] for i in self.ancestors(rev)), set(snapshot.files), snapshot.prefix)
        remember(snapshot, log)
        return log
