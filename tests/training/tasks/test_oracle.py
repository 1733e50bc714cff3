"""Oracle walks: shortest, replayed through the real environment, and honest about the cap."""
from __future__ import annotations

from pathlib import Path

import pytest

from explore.agent.env import EnvConfig, RepoExploreEnv
from explore.agent.task import Task
from explore.sandbox.snapshot import Repository
from explore.training.tasks import generate_report
from explore.training.oracle import OracleFailed, attach, replay, shortest_path, solve, verify


def test_shortest_path_shape() -> None:
    assert shortest_path("a.py") == ["read a.py", "answer a.py"]
    assert shortest_path("pkg/sub/x.py") == ["cd pkg/", "cd sub/", "read x.py", "answer pkg/sub/x.py"]


def test_every_generated_oracle_replays_to_success(weather_repo: Path, weather_tasks) -> None:
    repo = Repository(weather_repo)
    env = RepoExploreEnv(repo, weather_tasks.tasks)
    for task in weather_tasks.tasks:
        result = verify(env, task)
        assert result.success, (task.question, task.oracle, result.reason)
        assert result.steps == len(task.oracle) == task.depth + 2


def test_history_oracles_walk_the_parent_commit(weather_repo: Path, weather_tasks) -> None:
    history = [t for t in weather_tasks.tasks if t.source == "history"]
    assert history
    env = RepoExploreEnv(Repository(weather_repo), history)
    for task in history:
        env.reset(options={"task": task})
        assert env.ws.snapshot.rev == task.rev


def test_target_hidden_by_the_action_cap_is_unreachable(tmp_path: Path, make_repo) -> None:
    files = {f"many/m{i:02d}.py": "zebra parser tokens zebra parser\n" for i in range(40)}
    files["many/a_plain.py"] = "nothing to see\n"
    repo = Repository(make_repo(tmp_path, files))
    task = Task(id="t", question="Where is the zebra parser?", targets=["many/a_plain.py"], rev=repo.resolve_rev(None))
    env = RepoExploreEnv(repo, [task])  # 41 entries, 25 shown: the strongest scent wins
    assert not attach(env, task)
    assert "not on offer" in task.meta["unreachable"] and "hidden" in task.meta["unreachable"]
    by_name = RepoExploreEnv(repo, [task], EnvConfig(scent=False))  # without scent the first names are kept
    assert attach(by_name, task) and task.oracle == ["cd many/", "read a_plain.py", "answer many/a_plain.py"]
    assert "unreachable" not in task.meta


def test_solve_prefers_the_shallowest_target(tmp_path: Path, make_repo) -> None:
    repo = Repository(make_repo(tmp_path, {"a/b/deep.py": "x\n", "top.py": "x\n"}))
    task = Task(id="t", question="x", targets=["a/b/deep.py", "top.py"], rev=repo.resolve_rev(None))
    path, reason = solve(RepoExploreEnv(repo, [task]), task)
    assert path == ["read top.py", "answer top.py"] and reason == ""


def test_replay_reports_a_wrong_answer(tmp_path: Path, make_repo) -> None:
    repo = Repository(make_repo(tmp_path, {"a.py": "x\n", "b.py": "y\n"}))
    task = Task(id="t", question="x", targets=["a.py"], rev=repo.resolve_rev(None))
    env = RepoExploreEnv(repo, [task])
    result = replay(env, task, ["read b.py", "answer b.py"])
    assert not result.success and result.reason == "wrong answer"
    with pytest.raises(OracleFailed, match="no oracle"):
        verify(env, task)


def test_a_file_whose_name_a_listing_escapes_is_reachable(tmp_path: Path, make_repo, commit_all) -> None:
    """A tab, a newline or a backslash in a name: the listing shows it escaped (``'back\\\\slash.py'``),
    and the oracle walks by what is on offer, so a commit fixing such a file stays a question."""
    names = ["pkg/back\\slash.py", "pkg/with\ttab.py", "pkg/new\nline.py", "we\\ird/a.py"]
    root = make_repo(tmp_path, {name: "def f():\n    return 1\n" for name in names})
    for i, name in enumerate(names):
        with open(root / name, "a", encoding="utf-8") as fh:
            fh.write("# fixed\n")
        commit_all(root, f"Fix module number {i} returning the wrong constant value")
    repo = Repository(root)
    report = generate_report(repo, ["history"])
    assert report.unreachable == 0
    assert sorted(t for task in report.tasks for t in task.targets) == sorted(names)
    for task in report.tasks:
        assert verify(RepoExploreEnv(repo, [task]), task).success
