"""Fitting the candidate stage to one repository's own history, split by time."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explore.retrieval.adapt import (TEST_MIN, VAL_MIN, Case, CaseStore, OutOfBudget, TooLittleHistory, adapt,
                                     cases, collect, keeps, time_split, too_few_to_judge)
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
    assert out.kept and out.validation[0].n == len(train)  # every training question judged once, never a test one
    with pytest.raises(TooLittleHistory, match="at least"):
        time_split(tasks[:20])


def test_a_budget_builds_the_test_first_then_what_time_allows(history_repo: Path) -> None:
    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    train, test = time_split(tasks)
    ample = collect(repo, tasks, budget=1e9)
    assert (len(ample.train), len(ample.test)) == (len(train), len(test))
    assert ample.test_planned == len(test)  # what the split holds out, said beside what a budget built
    assert [c.y.tolist() for c in ample.train] == [c.y.tolist() for c in cases(repo, train[::-1])]  # newest first
    seen = []
    with pytest.raises(OutOfBudget, match=r"judged on \d+ of them: give it about --budget \d+m"):
        adapt(repo, tasks, budget=1e-6, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (TEST_MIN, TEST_MIN)  # the held-out commits are always built; no time was left to learn
    assert len(CaseStore(repo).cases) == TEST_MIN  # what a stopped run built is kept: the next one starts there
    # a budget that builds more than a fit needs but fewer than the keep rule was measured on
    # judged a fit on a few dozen questions and kept one that cost 12 points on the held-out commits
    assert too_few_to_judge(40, 0, 200) and too_few_to_judge(99, 0, 150) and not too_few_to_judge(100, 0, 200)
    assert not too_few_to_judge(45, 5, 50) and too_few_to_judge(44, 5, 50)  # all a small history holds: judged
    fused = cases(repo, test[:3], fused=True)
    assert all(0 < len(c.fused) <= 10 and max(c.fused) < len(c.x) for c in fused)


def test_a_second_run_builds_only_the_questions_new_commits_made(history_repo: Path, explore_cache: Path) -> None:
    """`explore train` again after new commits: the cases of questions an earlier run made
    come from the cache, the same features as building them again; only the new ones are
    built. A damaged store is started afresh, and nothing is written into the repository."""
    import subprocess

    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    first = adapt(repo, tasks)
    assert first.reused == 0
    stored = list((explore_cache / "cases").glob("*.pkl"))
    assert len(stored) == 1
    again = adapt(Repository(history_repo), tasks)
    assert again.reused == first.n_train + first.before.n
    assert (again.before, again.after, again.kept) == (first.before, first.after, first.kept)
    rebuilt = cases(repo, tasks[:5])  # no store: built on their parents
    from_store = cases(repo, tasks[:5], store=CaseStore(repo))
    assert all(np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) for a, b in zip(rebuilt, from_store, strict=True))

    git = ["git", "-C", str(history_repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    for n in range(3):  # three new fixes land
        with open(history_repo / "pkg" / "upload.py", "a") as fh:
            fh.write(f"\n\ndef later_{n}(x):\n    return x\n")
        subprocess.run(git + ["commit", "-qam", f"Fix the upload chunk handling when the value is empty (late {n})"],
                       check=True)
    status = subprocess.run(git + ["status", "--porcelain"], capture_output=True, text=True, check=True).stdout
    newer, _ = scan_history(Repository(history_repo))
    assert len(newer) == len(tasks) + 3
    third = adapt(Repository(history_repo), newer)
    assert third.n_train + third.before.n - third.reused == 3  # only the new commits' questions are built

    # stored by another version of the ranking code (an upgrade): built again, and said (it was silent)
    import pickle

    data = pickle.loads(stored[0].read_bytes())
    stored[0].write_bytes(pickle.dumps({**data, "version": "older"}))
    upgraded = adapt(Repository(history_repo), newer)
    assert upgraded.reused == 0 and upgraded.outdated == len(data["cases"]) > 0
    stored[0].write_bytes(b"not a pickle")
    fresh = adapt(Repository(history_repo), newer)
    assert fresh.reused == 0 and fresh.outdated == 0 and (fresh.before, fresh.after) == (third.before, third.after)
    assert subprocess.run(git + ["status", "--porcelain"], capture_output=True, text=True,
                          check=True).stdout == status  # the repository is never written to


def test_questions_an_earlier_run_stored_cost_a_budget_nothing(history_repo: Path, explore_cache: Path) -> None:
    """`explore train --budget` again: the questions an earlier run stored were counted at the
    pace they come from the store, so the budget seemed to allow every question until the
    new ones slowed it (the bar's total jumped, its ETA read seconds), and a short budget
    turned down a fit whose every question was stored. The plan and the bar count only the
    questions laid out now."""
    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    train, test = time_split(tasks)
    adapt(repo, tasks)  # every question stored
    seen: list[tuple[int, int]] = []
    again = collect(repo, tasks, budget=1e-6, progress=lambda done, total: seen.append((done, total)),
                    store=CaseStore(repo))
    assert (len(again.train), len(again.test), again.reused) == (len(train), len(test), len(train) + len(test))
    assert seen == []  # nothing laid out: nothing to count
    import pickle

    path = CaseStore(repo).path
    data = pickle.loads(path.read_bytes())
    for t in train[::-1][:4]:  # the four newest training questions are to be built again
        del data["cases"][CaseStore.key(t)]
    path.write_bytes(pickle.dumps(data))
    collect(repo, tasks, budget=1e9, progress=lambda done, total: seen.append((done, total)), store=CaseStore(repo))
    assert seen == [(n, 4) for n in range(1, 5)], seen


def test_two_runs_storing_at_once_keep_both_runs_questions(history_repo: Path, explore_cache: Path) -> None:
    """Two `explore train` processes on one repository at the same time: each saves the
    store whole, and neither may drop what the other built."""
    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    first, second = CaseStore(repo), CaseStore(repo)  # both opened before either saved
    cases(repo, tasks[:4], store=first)
    cases(repo, tasks[4:9], store=second)
    merged = CaseStore(repo)
    assert set(merged.cases) == {CaseStore.key(t) for t in tasks[:9]}
    cases(repo, tasks[:9], store=merged)
    assert merged.reused == 9


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


def test_a_fit_is_kept_by_the_training_questions_never_the_test() -> None:
    """The keep decision fits on some training questions and compares on the others, never
    on the test: where all follow evidence the shipped weights ignore, the fit is kept;
    where the newest follow the shipped weights and the older ones another, a single split
    at the newest drops it."""
    base = Combiner({f: (1.0 if f == "rr_file" else 0.0) for f in FEATURES})
    rng = np.random.default_rng(2)

    def made(feature: str, n: int) -> list[Case]:
        out = []
        for _ in range(n):
            x = rng.random((6, len(FEATURES)))
            y = np.zeros(6, dtype=bool)
            y[int(np.argmax(x[:, FEATURES.index(feature)]))] = True
            out.append(Case(x, y, []))
        return out

    units = made("rr_unit", 40)  # newest first: all about units, which the base ignores
    for folds in (1, 4):
        kept, before, after = keeps(units, base, l2=1e-3, folds=folds)
        assert kept and after.acc1 > before.acc1 and before.n == (VAL_MIN if folds == 1 else 40)
    # the newest quarter follows the base, the older ones units: one split says drop the fit
    mixed = made("rr_file", 10) + made("rr_unit", 30)
    kept, before, after = keeps(mixed, base, l2=1e-3, folds=1)
    assert not kept and after.acc1 < before.acc1 == 1.0
    _, before, after = keeps(mixed, base, l2=1e-3, folds=4)  # four blocks: every question judged once
    assert before.n == after.n == 40 and before.acc1 < 1.0


def test_a_question_asked_twice_in_one_history_is_not_counted_as_an_earlier_runs(history_repo: Path,
                                                                                explore_cache: Path) -> None:
    """Two commits with one parent and one message (a fix made twice on two branches) are one
    question: its second ask found the first's case and a first run on an empty cache said
    "1 of the questions made by an earlier run". Only cases on disk before the run count."""
    repo = Repository(history_repo)
    tasks, _ = scan_history(repo)
    store = CaseStore(repo)
    made = cases(repo, tasks[:1])[0]
    store.put(tasks[0], made)
    assert store.get(tasks[0]) is not None and store.reused == 0
    store.save()
    again = CaseStore(repo)
    assert again.get(tasks[0]) is not None and again.reused == 1
