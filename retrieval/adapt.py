"""Fit the candidate stage to one repository from its own history, split by time.

The shipped combiner weighs its evidence as the training projects taught it. A
repository's own commits (message → the files changed, posed on the parent commit) say
how *this* codebase is asked about: whether its people name functions or modules, how much
its history predicts where they work. :func:`adapt` takes the repository's qualifying
commits oldest to newest, keeps the newest ones for a held-out test (never trained on),
fits the combiner on the older ones starting from the shipped weights (a few hundred
questions adjust it, they do not replace it), and scores before and after on the test.

The result is a ``combiner.json`` kept beside a repository's trained adapters, which
`explore ask` uses for that repository. Nothing is written into the repository.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..agent.task import Task
from ..sandbox.index import Index
from ..sandbox.snapshot import Repository
from .combiner import Combiner, candidate_features, default_combiner, fit
from .query import parse
from .retriever import Retriever, RetrieverConfig

#: Held-out test: the newest commits, this share of the qualifying ones, at most TEST_MAX.
TEST_SHARE, TEST_MAX, TEST_MIN = 0.1, 100, 10
#: Fewer training questions than this and the repository's history cannot teach the combiner.
MIN_TRAIN = 30
#: Training questions taken (the newest before the test), bounding the time a fit takes.
TRAIN_MAX = 400


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
    n_train: int
    seconds: float
    cut: str
    """The oldest test commit: training used only commits before it."""

    @property
    def better(self) -> bool:
        """The fit is kept only when it does not lose on the held-out commits."""
        return (self.after.acc1, self.after.acc5) >= (self.before.acc1, self.before.acc5)


Case = tuple[np.ndarray, np.ndarray]


def time_split(tasks: list[Task]) -> tuple[list[Task], list[Task]]:
    """(train, test): oldest to newest by commit, the newest ones held out."""
    ordered = sorted(tasks, key=lambda t: t.meta["seq"])
    n_test = min(TEST_MAX, max(TEST_MIN, int(len(ordered) * TEST_SHARE)))
    if len(ordered) - n_test < MIN_TRAIN:
        raise TooLittleHistory(
            f"{len(ordered)} qualifying commits: a time split needs at least {MIN_TRAIN + TEST_MIN} "
            f"(fixes that change a few source files, with a message that says what)")
    return ordered[:-n_test][-TRAIN_MAX:], ordered[-n_test:]


def cases(repo: Repository, tasks: list[Task], tick: Callable[[], None] | None = None) -> list[Case]:
    """Each question's candidate features and target mask, on its own parent commit."""
    out: list[Case] = []
    rrf = RetrieverConfig(fusion="rrf")
    for t in tasks:
        retriever = Retriever(Index.build(repo.snapshot(t.rev)), rrf)
        query = parse(t.question)
        paths, x = candidate_features(retriever.snapshot, query, retriever.rankings(query), retriever.log)
        out.append((x, np.array([p in t.targets for p in paths], dtype=bool)))
        if tick:
            tick()
    return out


def score(combiner: Combiner, test: list[Case]) -> Scores:
    firsts = []
    for x, y in test:
        order = np.argsort(-combiner.score(x), kind="stable")[:10] if len(x) else []
        firsts.append(next((r for r, i in enumerate(order, start=1) if y[i]), None))
    n = len(firsts)
    at = lambda k: sum(f is not None and f <= k for f in firsts) / max(n, 1)  # noqa: E731
    return Scores(n, at(1), at(5), at(10))


def adapt(repo: Repository, tasks: list[Task], *, base: Combiner | None = None, l2: float = 0.05,
          progress: Callable[[int, int], None] | None = None) -> Adapted:
    """Fit the combiner to ``repo`` on its older history questions (``tasks`` from
    :func:`explore.training.tasks.history.scan_history`) and score it on the newest."""
    started = time.perf_counter()
    base = base or default_combiner()
    if base is None:
        raise ValueError("no combiner to start from: none given and none shipped")
    train, test = time_split([t for t in tasks if t.source == "history"])
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(train) + len(test))

    test_cases = cases(repo, test, tick)
    train_cases = cases(repo, train, tick)
    fitted = fit(train_cases, l2=l2, prior=base)
    return Adapted(fitted, score(base, test_cases), score(fitted, test_cases), len(train),
                   time.perf_counter() - started, test[0].meta.get("commit", ""))
