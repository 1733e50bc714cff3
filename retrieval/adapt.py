"""Fit the candidate stage to one repository from its own history, split by time.

The shipped combiner weighs its evidence as the training projects taught it. A
repository's own commits (message → the files changed, posed on the parent commit) say
how *this* codebase is asked about: whether its people name functions or modules, how much
its history predicts where they work. :func:`adapt` takes the repository's qualifying
commits oldest to newest, keeps the newest ones for a held-out test (never trained on),
fits the combiner on the older ones starting from the shipped weights (a hundred
questions adjust it, they do not replace it), keeps the fit only when fits on three of four
time blocks of those questions do not lose on the fourth (:func:`keeps`: the test never
decides), and scores before and after on the test.

The result is a ``combiner.json`` kept beside a repository's trained adapters, which
`explore ask` uses for that repository. Nothing is written into the repository; each
question's features are kept in the cache (:class:`CaseStore`), so a run after new
commits builds only theirs.
"""
from __future__ import annotations

import hashlib
import math
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from filelock import FileLock

from ..agent.task import Task
from ..sandbox.atomic import replacing
from ..sandbox.errors import MissingObject
from ..sandbox.snapshot import Repository, cache_root
from .combiner import Combiner, candidate_features, default_combiner, fit
from .history import HISTORY_DEPTH, History
from .query import parse
from .retriever import Retriever, RetrieverConfig
from .term_counts import TermCountIndex

#: Held-out test: the newest commits, this share of the qualifying ones, at most TEST_MAX.
TEST_SHARE, TEST_MAX, TEST_MIN = 0.1, 100, 10
#: Fewer training questions than this and the repository's history cannot teach the combiner.
MIN_TRAIN = 30
#: Training questions a fit must be judged on (:func:`keeps`) when a ``budget`` built fewer
#: than the split holds: the rule was measured on 100 and 200 of them, and a short budget's
#: few dozen judged a fit kept that cost 12 points on the held-out commits.
JUDGE_MIN = 100
#: Training questions taken (the newest before the test), bounding the time a fit takes.
#: Chosen on the training projects, each fit starting from a combiner that never saw the
#: project (bench_adapt.py --split train --left-out-base 150 --sizes 100,200): on the 16
#: with 200 older questions, 1,069 newest commits, acc@1 .601 at the start, .651 fitted on
#: 100 (as kept), .674 on 200. (An earlier choice of 100 started from the shipped
#: combiner, which had learnt from those very commits.)
TRAIN_MAX = 200
#: How strongly the fit is pulled towards the shipped weights it starts from.
L2 = 0.05
#: Whether a fit is kept is decided inside the training questions, never on the held-out
#: test: split by time into FOLDS blocks, each scored by a fit on the others against the
#: shipped weights; kept when the fits do not lose in all (acc@1, then acc@5). FOLDS = 1:
#: the newest VAL_SHARE of them (at least VAL_MIN) alone, fitted on the older rest.
#: Chosen on the 18 training projects, each fit starting from a combiner that never saw
#: that project (bench_adapt.py --split train --left-out-base 150): on their 1,102 newest
#: commits the shipped-like start .591 acc@1, always the fit .642 (4 projects worse),
#: four blocks .643 (2 worse), the newest quarter .632 (2 worse).
FOLDS, VAL_SHARE, VAL_MIN = 4, 0.25, 10


class TooLittleHistory(ValueError):
    """The repository has too few qualifying commits for a time split."""


@dataclass
class Scores:
    n: int
    acc1: float
    acc5: float
    acc10: float

    def to_dict(self) -> dict[str, float | int]:
        return {"n": self.n, "acc@1": round(self.acc1, 4), "acc@5": round(self.acc5, 4),
                "acc@10": round(self.acc10, 4)}


@dataclass
class Adapted:
    combiner: Combiner
    before: Scores
    after: Scores
    """The fit (on every training question) on the held-out test, kept or not."""
    n_train: int
    seconds: float
    cut: str
    """The oldest test commit: training used only commits before it."""
    kept: bool
    """Whether the fit is kept, decided by :func:`keeps` on the training questions alone."""
    validation: tuple[Scores, Scores]
    """(the shipped weights, the fits on the other blocks) on the training questions judged."""
    reused: int = 0
    """Questions whose cases an earlier run made (kept in the cache), not built again."""
    unreadable: int = 0
    """Questions left out: their parent commit could not be laid out (:attr:`Collected.unreadable`)."""
    test_planned: int = 0
    """The newest commits the time split holds out; a ``budget`` may test on fewer (:attr:`before`'s ``n``)."""
    outdated: int = 0
    """Questions an earlier run stored that another version of the ranking code made: built again."""
    not_saved: str = ""
    """Why the cache could not keep the questions built (:attr:`CaseStore.not_saved`), or ""."""


def keeps(train: list[Case], base: Combiner, l2: float = L2, folds: int = FOLDS) -> tuple[bool, Scores, Scores]:
    """Whether a fit to these training questions (newest first) is worth keeping, judged on
    them alone (:data:`FOLDS`): the held-out test scores the choice without making it.
    Returns (kept, the shipped weights' scores, the fits' scores) over the questions judged."""
    if folds <= 1:
        n_val = max(VAL_MIN, int(len(train) * VAL_SHARE))
        blocks = [(0, n_val)]
    else:
        edges = [round(i * len(train) / folds) for i in range(folds + 1)]
        blocks = list(zip(edges, edges[1:]))
    base_firsts: list[int | None] = []
    trial_firsts: list[int | None] = []
    for lo, hi in blocks:
        val, rest = train[lo:hi], train[:lo] + train[hi:]
        try:
            trial = fit(rest, l2=l2, prior=base)
        except ValueError:  # no other question holds its answer among the candidates
            trial = base
        base_firsts += _firsts(base, val)
        trial_firsts += _firsts(trial, val)
    before, after = _scores(base_firsts), _scores(trial_firsts)
    return (after.acc1, after.acc5) >= (before.acc1, before.acc5), before, after


def too_few_to_judge(built: int, unreadable: int, held: int) -> bool:
    """Whether ``built`` training questions (with ``unreadable`` ones git could not lay
    out) of the ``held`` the split holds are too few for :func:`keeps` to judge a fit by:
    fewer than :data:`JUDGE_MIN` and than all of them."""
    return built + unreadable < min(held, JUDGE_MIN)


class OutOfBudget(ValueError):
    """The time budget ran out before enough training questions were built."""


class Case(NamedTuple):
    """One question on its parent commit: its candidates' feature rows and which are right."""

    x: np.ndarray
    y: np.ndarray
    fused: list[int]
    """Positions (in ``x``) of reciprocal-rank fusion's top 10, best first: the baseline
    ``benchmarks/train_combiner.py`` prints; empty unless asked for."""


@dataclass
class Collected:
    """The cases of a time split, each built on its own parent commit."""

    train: list[Case]
    """Newest first (the ones nearest the test first, so a budget cuts the oldest)."""
    test: list[Case]
    cut: str
    seconds: float
    reused: int = 0
    """Cases an earlier run made (:class:`CaseStore`), not built again."""
    unreadable: int = 0
    """Questions left out because their parent commit could not be laid out (a file git
    cannot read: a partial or damaged clone)."""
    test_planned: int = 0
    """The newest commits the time split holds out (the budget may build fewer)."""
    outdated: int = 0
    """Stored questions of another version of the ranking code (:attr:`CaseStore.outdated`)."""
    not_saved: str = ""
    """Why the cache could not keep the questions built (:attr:`CaseStore.not_saved`), or ""."""


def time_split(tasks: list[Task], train_max: int | None = None) -> tuple[list[Task], list[Task]]:
    """(train, test): oldest to newest by commit, the newest ones held out, the newest
    ``train_max`` (default :data:`TRAIN_MAX`) before them taught from."""
    ordered = sorted(tasks, key=lambda t: t.meta["seq"])
    n_test = min(TEST_MAX, max(TEST_MIN, int(len(ordered) * TEST_SHARE)))
    if len(ordered) - n_test < MIN_TRAIN:
        raise TooLittleHistory(
            f"{len(ordered)} qualifying commit{'' if len(ordered) == 1 else 's'}: a time split needs at least "
            f"{MIN_TRAIN + TEST_MIN} "
            f"(fixes that change a few source files, with a message that says what)")
    return ordered[:-n_test][-(train_max or TRAIN_MAX):], ordered[-n_test:]


def history_of(repo: Repository, tasks: list[Task]) -> History | None:
    """The history the questions' parents share, read once: from the newest question's
    commit back past the oldest one's parent by the depth a change log reads."""
    if repo.git is None or not tasks:
        return None
    seqs = [t.meta.get("seq", 0) for t in tasks]
    newest = max(tasks, key=lambda t: t.meta.get("seq", 0))
    head = newest.meta.get("commit") or newest.rev
    span = max(seqs) - min(seqs) + 2
    return History(str(repo.git.git_dir), head, limit=span + span // 4 + HISTORY_DEPTH + 100)


def case(repo: Repository, task: Task, history: History | None = None, fused: bool = False) -> Case:
    """``task``'s candidates and features on its own parent commit (``task.rev``), as the
    retriever computes them there; its change log is ``history``'s view of that commit."""
    snapshot = repo.snapshot(task.rev)
    if history is not None:
        history.at(snapshot)  # where the retriever's change log finds it
    retriever = Retriever(TermCountIndex(snapshot), RetrieverConfig(fusion="rrf"))  # type: ignore[arg-type]
    query = parse(task.question)
    paths, x = candidate_features(snapshot, query, retriever.rankings(query), retriever.log)
    order = []
    if fused:
        where = {p: i for i, p in enumerate(paths)}
        order = [where[h.path] for h in retriever.rank(query, 10) if h.path in where]
    return Case(x, np.array([p in task.targets for p in paths], dtype=bool), order)


#: A repository's stored cases beyond this many: the longest-stored go (about 14 KB each).
MAX_STORED_CASES = 5000
#: Seconds between two writes of the store while cases are built: an interrupted run keeps
#: what it built, and a large store is not rewritten every few questions.
STORE_EVERY_S = 30.0


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """What a stored case was computed by: the retrieval and sandbox sources. A case made by
    other code (a feature changed, the index tokenises differently) is never reused."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for folder in (here, here.parent / "sandbox"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class CaseStore:
    """The cases a repository's questions made before, kept in the cache (``cases/``), so
    running ``explore train`` again after new commits builds only the new questions' cases,
    and an interrupted run resumes where it stopped. A case is a pure function of the
    parent commit, the question, its answer files and the code that computes features
    (:func:`_code_digest`): keyed by all four. A damaged or foreign store is started afresh.
    Two processes fitting the same repository at once both keep what they built: a save
    merges the store on disk (under a file lock) before replacing it."""

    def __init__(self, repo: Repository, cache: Path | None = None) -> None:
        origin = str(repo.git.git_dir) if repo.git is not None else str(repo.path)
        name = hashlib.sha1(origin.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        self.path = (cache or cache_root()) / "cases" / f"{name}.pkl"
        self.version = _code_digest()
        self.outdated = 0
        """Cases on disk that other code made (an upgrade of explore): none reused, so said."""
        self.cases = self._on_disk(count_outdated=True)
        self.reused = self._unsaved = 0
        self.not_saved = ""
        """Why the last save failed (a full or read-only cache), or "": what was built is not kept."""
        self._earlier = set(self.cases)  # what earlier runs made: a question asked twice in one history is not one
        self._saved_at = time.monotonic()

    def _on_disk(self, count_outdated: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        try:
            with self.path.open("rb") as fh:
                data = pickle.load(fh)
            if isinstance(data, dict) and data.get("version") == self.version and isinstance(data.get("cases"), dict):
                return data["cases"]
            if count_outdated and isinstance(data, dict) and isinstance(data.get("cases"), dict):
                self.outdated = len(data["cases"])
        except Exception:  # noqa: BLE001 - missing, damaged or foreign: built again, whatever broke
            pass
        return {}

    @staticmethod
    def key(task: Task) -> str:
        return "\0".join([task.rev or "", task.question, *sorted(task.targets)])

    def get(self, task: Task) -> Case | None:
        key = self.key(task)
        found = self.cases.get(key)
        if found is None:
            return None
        self.reused += key in self._earlier
        return Case(found[0], found[1], [])

    def put(self, task: Task, made: Case) -> None:
        self.cases[self.key(task)] = (made.x, made.y)
        self._unsaved += 1
        if time.monotonic() - self._saved_at >= STORE_EVERY_S:
            self.save()

    def save(self) -> None:
        """Write atomically (a reader sees the old store or the whole new one); a full or
        read-only cache costs time on the next run, never this one's answers."""
        if not self._unsaved:
            return
        self._saved_at = time.monotonic()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.path) + ".lock"):
                # what another process stored meanwhile first, then ours (newest last: evicted last)
                self.cases = self._on_disk() | self.cases
                for key in list(self.cases)[:max(0, len(self.cases) - MAX_STORED_CASES)]:
                    del self.cases[key]
                with replacing(self.path) as tmp, tmp.open("wb") as fh:
                    pickle.dump({"version": self.version, "cases": self.cases}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            self._unsaved, self.not_saved = 0, ""
        except OSError as e:  # kept in memory: this run's answers stand; a later run builds them again
            self.not_saved = f"{self.path.parent}: {e.strerror or e}"


def cases(repo: Repository, tasks: list[Task], *, history: History | None = None, fused: bool = False,
          store: CaseStore | None = None) -> list[Case]:
    """Each question's case on its own parent commit, in the order given, the history
    they share read once; with a ``store``, cases made before are taken from it (not with
    ``fused``, which the store does not keep)."""
    shared = _Shared(repo, tasks, history)
    try:
        return [case(repo, t, shared.history(), fused) if fused else stored_case(repo, t, shared, store)
                for t in tasks]
    finally:
        if store is not None:
            store.save()


class _Shared:
    """The history a set of questions shares, read when the first case not stored needs it."""

    def __init__(self, repo: Repository, tasks: list[Task], history: History | None = None) -> None:
        self.repo, self.tasks, self._history, self._read = repo, tasks, history, history is not None

    def history(self) -> History | None:
        if not self._read:
            self._history, self._read = history_of(self.repo, self.tasks), True
        return self._history


def stored_case(repo: Repository, task: Task, shared: _Shared, store: CaseStore | None) -> Case:
    """``task``'s case from ``store`` when made before, else made (and stored)."""
    found = store.get(task) if store is not None else None
    if found is None:
        found = case(repo, task, shared.history())
        if store is not None:
            store.put(task, found)
    return found


def score(combiner: Combiner, test: list[Case]) -> Scores:
    return _scores(_firsts(combiner, test))


def _firsts(combiner: Combiner, cases: list[Case]) -> list[int | None]:
    """Each case's rank of its first right file in the combiner's top 10 (None: not there)."""
    firsts: list[int | None] = []
    for x, y, _ in cases:
        order = np.argsort(-combiner.score(x), kind="stable")[:10] if len(x) else []
        firsts.append(next((r for r, i in enumerate(order, start=1) if y[i]), None))
    return firsts


def _scores(firsts: list[int | None]) -> Scores:
    n = len(firsts)
    at = lambda k: sum(f is not None and f <= k for f in firsts) / max(n, 1)  # noqa: E731
    return Scores(n, at(1), at(5), at(10))


def collect(repo: Repository, tasks: list[Task], *, train_max: int | None = None, budget: float | None = None,
            progress: Callable[[int, int], None] | None = None, store: CaseStore | None = None) -> Collected:
    """The held-out newest commits' cases, then the training ones, newest first.

    ``budget`` (seconds) bounds the time: the test is built first (at most half the
    budget: its newest commits, never fewer than :data:`TEST_MIN`), then training
    questions until the budget ends, the oldest left out. ``progress(done, total)`` counts
    the questions laid out now: ``total`` is what the budget is expected to allow,
    re-estimated as they finish. With a ``store``, questions whose cases an earlier run
    made are not built again; they cost the budget nothing and are not counted (at their
    pace, thousands a second, the first ones made the budget seem to allow every question
    and the ETA read seconds).
    """
    started = time.perf_counter()
    train, test = time_split([t for t in tasks if t.source == "history"], train_max)
    train, test = train[::-1], test[::-1]  # newest first
    shared = _Shared(repo, train + test)
    deadline = None if budget is None else started + budget
    built: dict[str, list[Case]] = {"test": [], "train": []}
    unreadable, cut = 0, ""  # cut: the oldest test commit built
    n_test = len(test)
    stored = set() if store is None else {id(t) for t in test + train if CaseStore.key(t) in store.cases}
    pace = [0, 0.0]  # questions laid out now (taken from no store), and their seconds
    test_reach = len(test)

    def to_make(todo: list[Task]) -> int:
        return sum(id(t) not in stored for t in todo)

    def planned(phase: str, at: int) -> tuple[int, int]:
        """How far into the test and the training questions (positions) the budget is
        expected to reach, ``at`` the next one's position in ``phase``."""
        if deadline is None or pace[0] < 3:
            return (len(test) if phase == "test" else test_reach), len(train)
        each = pace[1] / pace[0]
        tests = len(test) if phase == "test" else test_reach
        if phase == "test":  # at most half the budget, never fewer than TEST_MIN
            tests, cost = 0, 0.0
            while tests < len(test) and (tests < TEST_MIN
                                         or cost + each * (id(test[tests]) not in stored) <= budget / 2):
                cost += each * (id(test[tests]) not in stored)
                tests += 1
        left = deadline - time.perf_counter() - (each * to_make(test[at:tests]) if phase == "test" else 0.0)
        trains = 0 if phase == "test" else at
        while trains < len(train) and left >= each * (id(train[trains]) not in stored):
            left -= each * (id(train[trains]) not in stored)
            trains += 1
        return tests, trains

    try:
        for phase, todo in (("test", test), ("train", train)):
            for at, t in enumerate(todo):
                tests, trains = planned(phase, at)
                if at >= (tests if phase == "test" else trains):
                    break
                made = id(t) not in stored
                began = time.perf_counter()
                try:
                    built[phase].append(stored_case(repo, t, shared, store))
                except MissingObject:  # its parent holds a file git cannot read: no question to ask there
                    unreadable += 1
                    continue
                finally:
                    if made:
                        pace[0] += 1
                        pace[1] += time.perf_counter() - began
                if phase == "test":
                    cut = t.meta.get("commit", "")
                if progress and made:
                    progress(pace[0], to_make(test[:tests]) + to_make(train[:trains]))
            if phase == "test":
                n_test = len(built["test"])
                test_reach = tests if todo else 0  # the test questions tried: the training ones' plan counts them
    finally:
        if store is not None:
            store.save()
    if not n_test:
        raise TooLittleHistory(f"none of the newest {len(test)} qualifying commits could be laid out (git cannot "
                               "read their files: a partial or damaged clone?), so nothing can be held out")
    if len(built["train"]) < MIN_TRAIN:
        if len(built["train"]) + unreadable >= len(train):  # every one tried: git, not the budget, left them out
            raise TooLittleHistory(f"{len(built['train'])} of the {len(train)} older qualifying commits could be "
                                   f"laid out (git cannot read the files of {unreadable}: a partial or damaged "
                                   f"clone?), and a fit needs {MIN_TRAIN}")
    if len(built["train"]) < MIN_TRAIN or too_few_to_judge(len(built["train"]), unreadable, len(train)):
        # the budget, not the history, left them out: say what it built, what a fit takes, and the time that takes
        need = max(MIN_TRAIN, min(len(train), JUDGE_MIN))
        each = pace[1] / pace[0] if pace[0] else (time.perf_counter() - started) / max(1, n_test + len(built["train"]))
        raise OutOfBudget(_short_budget(len(built["train"]), len(train), n_test, each,
                                        to_make(test[:test_reach]) + to_make(train[:need])))
    return Collected(built["train"], built["test"], cut, time.perf_counter() - started,
                     store.reused if store is not None else 0, unreadable, len(test),
                     store.outdated if store is not None else 0, store.not_saved if store is not None else "")


def _short_budget(built: int, held: int, n_test: int, each: float, to_lay_out: int) -> str:
    """Why a budget that built ``built`` of the ``held`` training questions (and ``n_test``
    held-out ones), ``each`` seconds a question, is too short, and about how much would do
    to lay out the ``to_lay_out`` questions a judged fit needs that no earlier run stored."""
    need = max(MIN_TRAIN, min(held, JUDGE_MIN))
    minutes = max(1, math.ceil(each * to_lay_out * 1.5 / 60))  # the history read and the fits besides
    return (f"it built {built} of the {held} training questions the time split holds ({n_test} held-out ones first, "
            f"{each:.2f} s a question), and a fit is judged on {need} of them: give it about --budget {minutes}m")


def adapt(repo: Repository, tasks: list[Task], *, base: Combiner | None = None, l2: float = L2,
          train_max: int | None = None, budget: float | None = None,
          progress: Callable[[int, int], None] | None = None) -> Adapted:
    """Fit the combiner to ``repo`` on its older history questions (``tasks`` from
    :func:`explore.training.tasks.history.scan_history`) and score it on the newest,
    within ``budget`` seconds when given (:func:`collect`). The cases earlier runs made are
    taken from the cache (:class:`CaseStore`): run again after new commits, only theirs are built."""
    started = time.perf_counter()
    base = base or default_combiner()
    if base is None:
        raise ValueError("no combiner to start from: none given and none shipped")
    got = collect(repo, tasks, train_max=train_max, budget=budget, progress=progress, store=CaseStore(repo))
    if not any(c.y.any() and len(c.x) > 1 for c in got.train):  # what fit() learns from
        raise TooLittleHistory(f"none of the {len(got.train)} training questions has a changed file among two or "
                               "more candidates (a repository of one or two source files?): nothing to fit")
    kept, val_before, val_after = keeps(got.train, base, l2)
    fitted = fit(got.train, l2=l2, prior=base)
    return Adapted(fitted, score(base, got.test), score(fitted, got.test), len(got.train),
                   time.perf_counter() - started, got.cut, kept, (val_before, val_after), got.reused, got.unreadable,
                   got.test_planned, got.outdated, got.not_saved)
