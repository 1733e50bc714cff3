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
written. A plain folder, a shallow clone cut short, or a repository with no commits give
less or no evidence, never an error. The log is read once per commit and kept in memory.
"""
from __future__ import annotations

import math
import subprocess
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
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
    _postings: dict[str, list[tuple[int, int]]] = field(default_factory=dict, repr=False)
    _idf: dict[str, float] = field(default_factory=dict, repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)
    _avg: float = 1.0
    churn: Counter = field(default_factory=Counter)
    """File -> number of commits that changed it."""
    since: dict[str, int] = field(default_factory=dict)
    """File -> how many commits ago it last changed (0 = the newest)."""

    def __post_init__(self) -> None:
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, toks in enumerate(self.tokens):
            for tok, tf in Counter(toks).items():
                postings[tok].append((i, tf))
            for f in self.files[i]:
                self.churn[f] += 1
                self.since.setdefault(f, i)
        n = len(self.tokens)
        self._postings = dict(postings)
        self._idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
        self._lengths = [len(t) for t in self.tokens]
        self._avg = (sum(self._lengths) / n) if n else 1.0

    def __len__(self) -> int:
        return len(self.tokens)

    def commit_scores(self, terms: list[str]) -> dict[int, float]:
        """BM25 of each past commit message that shares a term with the question."""
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for i, tf in self._postings[term]:
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


_LOGS: OrderedDict[tuple[str, str], ChangeLog] = OrderedDict()
_LOCK = Lock()
_KEEP = 8


def change_log(snapshot: Snapshot, depth: int = HISTORY_DEPTH) -> ChangeLog:
    """The change log up to the snapshot's commit (HEAD for a working tree); empty for a
    plain folder or a repository git cannot read."""
    if not snapshot.git_dir:
        return ChangeLog()
    key = (snapshot.git_dir, snapshot.rev or "HEAD")
    with _LOCK:
        if key in _LOGS:
            _LOGS.move_to_end(key)
            return _LOGS[key]
    log = _read(snapshot, depth)
    with _LOCK:
        _LOGS[key] = log
        while len(_LOGS) > _KEEP:
            _LOGS.popitem(last=False)
    return log


def _read(snapshot: Snapshot, depth: int) -> ChangeLog:
    cmd = ["git", "-c", "core.quotePath=false", "--git-dir", str(snapshot.git_dir), "log", f"-n{depth}", "--no-merges", "--no-renames",
           "--format=%x1e%B%x1f", "--name-only", snapshot.rev or "HEAD", "--"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=120, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ChangeLog()
    text = out.decode("utf-8", errors="replace")
    present = set(snapshot.files)
    tokens: list[list[str]] = []
    files: list[tuple[str, ...]] = []
    for chunk in text.split("\x1e")[1:]:
        message, _, names = chunk.partition("\x1f")
        changed = [n for n in names.split("\n") if n]
        if not changed or len(changed) > MAX_FILES_PER_COMMIT:
            continue
        kept = tuple(f for f in changed if f in present)
        toks = tokenize(message)
        if kept and toks:
            tokens.append(toks)
            files.append(kept)
    return ChangeLog(tokens, files)
