"""Task quality: which files are worth asking about, duplicates, leaks, overlap, splits.

Every generator emits raw tasks; this module makes the set worth training and measuring on:

* duplicates are merged (same question at the same revision: targets are unioned, since
  any file that answers is a right answer) or dropped when they disagree on the answer;
* ``meta.leaks_path`` flags questions that name a target's path or file name — such a
  question is a lookup, not a search, and the numbers should say how many there are;
  ``meta.names_stem`` the weaker case of naming the file without its extension;
* ``meta.overlap`` is the share of the question's terms found in the target (path and
  text): low overlap is where lexical retrieval fails and learning has to help;
* splits keep **test targets out of train**, so a policy cannot pass the test by memorising
  which file answered similar questions; history tasks go to test by recency (later
  commits), as a model trained on the past would face the future.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePosixPath

from ...agent.task import Task
from ...sandbox.index import file_document, tokenize
from ...sandbox.snapshot import Snapshot

SPLITS = ("train", "val", "test")
#: Targets a question may have before it is too ambiguous to score.
MAX_TARGETS = 3

#: (``testing/`` only as the top folder: inside a package it is the library's own helpers, pendulum's
#: ``src/pendulum/testing/traveller.py`` behind ``pendulum.travel()``)
_TEST_DIRS = frozenset({"test", "tests", "spec", "specs", "__tests__"})
_VENDOR_DIRS = frozenset({"vendor", "vendored", "_vendor", "third_party", "thirdparty", "node_modules"})


def is_test_path(rel: str) -> bool:
    """Tests answer "how is X tested", not "where is X": generators skip them as targets."""
    p = PurePosixPath(rel)
    name = p.name
    return (
        any(part.lower() in _TEST_DIRS for part in p.parts[:-1])
        or (len(p.parts) > 1 and p.parts[0].lower() == "testing")
        or name.startswith("test_")
        or name.endswith(("_test.py", "_tests.py", ".test.js", ".spec.js", ".test.ts", ".spec.ts"))
        or name == "conftest.py"
    )


def is_vendored(rel: str) -> bool:
    """Code copied in from elsewhere says nothing about this project."""
    return any(part.lower() in _VENDOR_DIRS for part in PurePosixPath(rel).parts[:-1])


def task_id(task: Task) -> str:
    """A stable id: the same question, targets and revision always get the same id."""
    key = "\0".join([task.source, task.question, *sorted(task.targets), task.rev or ""])
    return f"{task.source}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def normalise(question: str) -> str:
    return re.sub(r"[\W_]+", " ", question.lower()).strip()


def dedupe(tasks: Iterable[Task]) -> list[Task]:
    """Merge tasks that ask the same thing at the same revision — the same question, or the
    same doc comment however it was phrased; keep first-seen order.

    Two constants named ``TIMEOUT`` with different values make "what is the timeout?"
    unanswerable: conflicting answers drop the question. Merges past
    :data:`MAX_TARGETS` targets drop it too (too ambiguous to be a fair test).
    """
    merged: dict[tuple[str, str | None], Task] = {}
    dropped: set[tuple[str, str | None]] = set()
    for task in tasks:
        # a doc comment two files repeat word for word ("Format renders a single log entry.")
        # is one question, however each was phrased: either file answers it
        said = task.meta.get("said") if task.meta.get("kind") == "docstring" else None
        key = (f"said: {normalise(said)}" if said else normalise(task.question), task.rev)
        if key in dropped:
            continue
        seen = merged.get(key)
        if seen is None:
            merged[key] = Task(**{**task.to_dict(), "targets": list(task.targets), "meta": dict(task.meta)})
            continue
        if seen.answer is not None and task.answer is not None and seen.answer != task.answer:
            dropped.add(key)
            del merged[key]
            continue
        for t in task.targets:
            if t not in seen.targets:
                seen.targets.append(t)
        if len(seen.targets) > MAX_TARGETS:
            dropped.add(key)
            del merged[key]
    return list(merged.values())


def leaks_path(question: str, targets: Iterable[str]) -> bool:
    """Whether the question names a target's path or file name (``core.py``, ``src/a/b.py``)."""
    low = question.lower()
    for t in targets:
        for needle in (t.lower(), PurePosixPath(t).name.lower()):
            if re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w])", low):
                return True
    return False


class DocumentTerms:
    """The indexed terms of files, computed once per (snapshot, file): many questions
    share a target, and tokenising a 3,000-line module for each would dominate."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, str], frozenset[str]] = {}

    def __call__(self, snapshot: Snapshot, rel: str) -> frozenset[str]:
        key = (snapshot.key, rel)
        if key not in self._terms:
            self._terms[key] = frozenset(file_document(rel, snapshot.text(rel)))
        return self._terms[key]


def overlap(question: str, target: str, snapshot: Snapshot, terms_of: DocumentTerms | None = None) -> float:
    """Share of the question's distinct terms present in the target's indexed document."""
    terms = set(tokenize(question))
    if not terms:
        return 0.0
    doc = (terms_of or DocumentTerms())(snapshot, target)
    return round(len(terms & doc) / len(terms), 3)


def names_stem(question: str, targets: Iterable[str]) -> bool:
    """Whether the question uses a target's file name without extension as a word ("the
    cache listing" for ``cache.py``): weaker than a path leak, but BM25 indexes paths."""
    low = question.lower()
    for t in targets:
        stem = PurePosixPath(t).stem.lower()
        if len(stem) >= 3 and re.search(rf"(?<![\w.]){re.escape(stem)}(?![\w])", low):
            return True
    return False


def annotate(task: Task, snapshot: Snapshot, terms_of: DocumentTerms | None = None) -> None:
    """Fill ``meta.leaks_path``, ``meta.names_stem`` and ``meta.overlap`` (best over targets)."""
    task.meta["leaks_path"] = leaks_path(task.question, task.targets)
    task.meta["names_stem"] = names_stem(task.question, task.targets)
    task.meta["overlap"] = max((overlap(task.question, t, snapshot, terms_of) for t in task.targets), default=0.0)


def _bucket(seed: int, target: str) -> float:
    digest = hashlib.sha1(f"{seed}\0{target}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_splits(tasks: list[Task], seed: int = 0, val: float = 0.15, test: float = 0.15) -> None:
    """Write ``meta.split`` on every task; deterministic for a seed.

    * Non-history tasks are split by *target file*: files are shuffled by a seeded hash and
      dealt to test, then val, until each holds its share of the tasks (by count, so a
      repo whose questions sit in 20 files still gets a test split), the rest to train.
      A task goes where its targets go (mixed targets: ``val``).
    * History tasks: by commit date, the latest ``test`` share goes to test, the ``val``
      share before it to val, the rest to train.
    * Then any train task that targets a file some test task targets moves to ``val``, so
      **no test target is ever a train target**. Val is the buffer that absorbs conflicts.
    """
    history = sorted(
        (t for t in tasks if t.source == "history"),
        key=lambda t: (t.meta.get("date", 0), t.meta.get("seq", 0), t.id),
    )
    n = len(history)
    n_test, n_val = round(n * test), round(n * val)
    for i, task in enumerate(history):
        task.meta["split"] = "test" if i >= n - n_test else "val" if i >= n - n_test - n_val else "train"

    others = [t for t in tasks if t.source != "history"]
    per_file = Counter(f for t in others for f in t.targets)
    total = sum(per_file.values())
    room = {"test": test * total, "val": val * total}
    file_split: dict[str, str] = {}
    for f in sorted(per_file, key=lambda f: (_bucket(seed, f), f)):
        half = per_file[f] / 2  # a file goes in if at least half of its tasks fit
        split = next((s for s in ("test", "val") if room[s] >= half), "train")
        if split != "train":
            room[split] -= per_file[f]
        file_split[f] = split
    for task in others:
        splits = {file_split[f] for f in task.targets}
        task.meta["split"] = splits.pop() if len(splits) == 1 else "val"

    test_targets = {t for task in tasks if task.meta["split"] == "test" for t in task.targets}
    for task in tasks:
        if task.meta["split"] == "train" and test_targets.intersection(task.targets):
            task.meta["split"] = "val"
