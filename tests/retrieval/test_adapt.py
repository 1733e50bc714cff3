"""Fitting the candidate stage to one repository's own history, split by time."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explore.retrieval.adapt import TEST_MIN, OutOfBudget, TooLittleHistory, adapt, cases, collect, time_split
from explore.retrieval.combiner import FEATURES, Combiner, fit
from explore.sandbox.snapshot import Repository
from explore.training.tasks.history import scan_history

def test_adapting_to_a_repository_history(history_repo: Path) -> None:
    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    train, test = time_split(tasks)
    assert max(t.meta["seq"] for t in train) < min(t.meta["seq"] for t in test)  # older teaches, newer tests
    seen = []
    out = adapt(repo, tasks, progress=lambda done, total: seen.append((done, total)))
    assert out.before.n == out.after.n == len(test) and out.n_train == len(train)
    assert seen[-1][0] == seen[-1][1] == len(train) + len(test)
    assert out.cut == test[0].meta["commit"]
    assert out.after.acc1 == 1.0  # this repository's history names its files plainly
    assert out.better
    with pytest.raises(TooLittleHistory, match="at least"):
        time_split(tasks[:20])


def test_a_budget_builds_the_test_first_then_what_time_allows(history_repo: Path) -> None:
    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    train, test = time_split(tasks)
    ample = collect(repo, tasks, budget=1e9)
    assert (len(ample.train), len(ample.test)) == (len(train), len(test))
    assert [c.y.tolist() for c in ample.train] == [c.y.tolist() for c in cases(repo, train[::-1])]  # newest first
    seen = []
    with pytest.raises(OutOfBudget, match="needs 30"):
        adapt(repo, tasks, budget=1e-6, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (TEST_MIN, TEST_MIN)  # the held-out commits are always built; no time was left to learn
    fused = cases(repo, test[:3], fused=True)
    assert all(0 < len(c.fused) <= 10 and max(c.fused) < len(c.x) for c in fused)


def test_fit_from_a_prior_stays_near_it_without_evidence() -> None:
    prior = Combiner({f: (1.0 if f == "rr_file" else 0.0) for f in FEATURES})
    rng = np.random.default_rng(1)
    cases = []
    for _ in range(20):
        x = rng.random((6, len(FEATURES)))
        y = np.zeros(6, dtype=bool)
        y[int(np.argmax(x[:, FEATURES.index("rr_file")]))] = True  # what the prior already says
        cases.append((x, y))
    model = fit(cases, l2=1.0, steps=100, prior=prior)
    assert model.scale == prior.scale and model.mean == prior.mean
    assert max(model.weights, key=lambda f: model.weights[f]) == "rr_file"
    assert all(abs(model.weights[f]) < 0.5 for f in FEATURES if f != "rr_file")
