"""RepoExploreEnv: Gymnasium's checker, determinism, rewards, options."""
from __future__ import annotations

from pathlib import Path

import pytest
from gymnasium.utils.env_checker import check_env

from explore.agent.env import EnvConfig, RepoExploreEnv, Rewards
from explore.agent.task import Task
from explore.sandbox.snapshot import Repository


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    files = {
        "pkg/net/retry.py": "def compute_backoff(attempt):\n    '''Back-off for upload retries.'''\n",
        "pkg/__init__.py": "",
        "docs/install.md": "# Install\n",
        "README.md": "# Demo\n",
    }
    for i in range(40):
        files[f"many/f{i:02d}.py"] = f"X{i} = {i}\n"
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return Repository(tmp_path)


TASKS = [
    Task("retry", "where is the upload retry back-off computed?", ["pkg/net/retry.py"]),
    Task("install", "how do I install it?", ["docs/install.md"]),
]


def labels_for(env: RepoExploreEnv, text: str) -> int:
    return [a.text for a in env.actions].index(text)


def test_gymnasium_checker_passes(repo: Repository) -> None:
    check_env(RepoExploreEnv(repo, TASKS), skip_render_check=True)


def test_same_seed_same_episode(repo: Repository) -> None:
    cfg = EnvConfig(shuffle_labels=True, leave_out=0.5)
    a, b = RepoExploreEnv(repo, TASKS, cfg), RepoExploreEnv(repo, TASKS, cfg)
    for seed in range(5):
        assert a.reset(seed=seed)[0] == b.reset(seed=seed)[0]
        for _ in range(3):
            sa, sb = a.step(0), b.step(0)
            assert sa[0] == sb[0] and sa[1] == sb[1]


def test_oracle_walk_rewards_and_success(repo: Repository) -> None:
    env = RepoExploreEnv(repo, TASKS, EnvConfig(rewards=Rewards(step_cost=0.01, enter_folder=0.05, read_target=0.1)))
    obs, info = env.reset(seed=0, options={"task": TASKS[0]})
    assert obs.startswith("Question: where is the upload retry")
    assert "A. " in obs and info["labels"][0] == "A"
    total = 0.0
    for text in ("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"):
        obs, reward, terminated, truncated, info = env.step(labels_for(env, text))
        total += reward
    assert terminated and not truncated and info["success"]
    assert total == pytest.approx(1.0 + 0.05 * 2 + 0.1 - 0.04)


def test_answer_only_after_read_and_wrong_answer_fails(repo: Repository) -> None:
    env = RepoExploreEnv(repo, TASKS)
    env.reset(seed=0, options={"task": TASKS[0]})
    assert not any(a.kind == "answer" for a in env.actions)
    env.step(labels_for(env, "read README.md"))
    assert env.actions[-1].text == "answer README.md"
    _, reward, terminated, _, info = env.step(labels_for(env, "answer README.md"))
    assert terminated and not info["success"] and reward < 0


def test_invalid_label_is_penalised_not_fatal(repo: Repository) -> None:
    env = RepoExploreEnv(repo, TASKS)
    obs0, _ = env.reset(seed=0, options={"task": TASKS[0]})
    obs, reward, terminated, truncated, _ = env.step(25)
    assert reward == pytest.approx(-0.11)
    assert not terminated and "invalid choice" in obs


def test_time_limit_truncates(repo: Repository) -> None:
    env = RepoExploreEnv(repo, TASKS, EnvConfig(max_steps=3))
    env.reset(seed=0, options={"task": TASKS[0]})
    results = [env.step(labels_for(env, t)) for t in ("cd pkg/", "cd ..", "cd pkg/")]
    assert results[-1][3] is True and results[1][3] is False


def test_action_cap_keeps_strongest_scent(repo: Repository) -> None:
    env = RepoExploreEnv(repo, [Task("x", "X39 value", ["many/f39.py"])], EnvConfig(max_actions=10))
    env.reset(seed=0)
    env.step(labels_for(env, "cd many/"))
    texts = [a.text for a in env.actions]
    assert len(texts) == 10 and "read f39.py" in texts
    assert "more entries here not shown" in env.render()


def test_leave_out_never_drops_the_target_path(repo: Repository) -> None:
    env = RepoExploreEnv(repo, TASKS, EnvConfig(leave_out=1.0))
    env.reset(seed=1, options={"task": TASKS[0]})
    assert [a.text for a in env.actions] == ["cd pkg/"]


def test_candidates_offer_best_matches_from_anywhere(repo: Repository) -> None:
    env = RepoExploreEnv(repo, TASKS, EnvConfig(candidates=2))
    env.reset(seed=0, options={"task": TASKS[0]})
    assert env.actions[0].text == "read pkg/net/retry.py"
    assert "match #1" in env.render().splitlines()[6]
    env.step(0)  # read it from the root
    texts = [a.text for a in env.actions]
    assert "read pkg/net/retry.py" not in texts and texts[-1] == "answer pkg/net/retry.py"
    assert "Read so far: pkg/net/retry.py (code)" in env.render()


def test_features_show_kind_and_defined_names(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_cli.py").write_text("from cli import parse_args\nparse_args()\n")
    (tmp_path / "cli.py").write_text("def parse_args(argv=None):\n    return argv\n")
    env = RepoExploreEnv(Repository(tmp_path), [Task("d", "Which file defines `parse_args`?", ["cli.py"])])
    obs, _ = env.reset(seed=0)
    assert "read cli.py  (" in obs and "code, defines parse_args)" in obs
    env.step(labels_for(env, "cd tests/"))
    assert "test)" in env.render() and "defines" not in env.render().split("Actions:")[1]


def test_settings_show_on_config_files_only_when_asked_for(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n\n[tool.ruff]\nline-length = 99\n")
    (tmp_path / "lint.py").write_text("# runs ruff over the tree\nimport subprocess\n")
    task = Task("r", "Which file configures ruff?", ["pyproject.toml"])
    line = next(s for s in RepoExploreEnv(Repository(tmp_path), [task], EnvConfig(settings=True))
                .reset(seed=0)[0].splitlines() if "read pyproject.toml" in s)
    assert line.endswith("config, sets ruff)")
    # off (settings saved before the option existed): the observation is unchanged
    plain = RepoExploreEnv(Repository(tmp_path), [task]).reset(seed=0)[0]
    assert "sets" not in plain and "config)" in plain
    # a code file mentioning ruff does not "set" it
    assert "sets" not in next(s for s in RepoExploreEnv(Repository(tmp_path), [task], EnvConfig(settings=True))
                              .reset(seed=0)[0].splitlines() if "read lint.py" in s)


def test_docs_show_the_heading_the_question_names(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n\n## Context locals\n\nThey are proxies.\n")
    (tmp_path / "docs" / "api.rst").write_text("API\n===\n\nContext\n-------\n\nSee the guide.\n")
    (tmp_path / "notes.py").write_text("# Context locals\nx = 1\n")  # a comment, not a docs heading
    task = Task("h", "Where can I read about context locals?", ["docs/guide.md"])
    env = RepoExploreEnv(Repository(tmp_path), [task])
    env.reset(seed=0)
    env.step(labels_for(env, "cd docs/"))
    lines = env.render().split("Actions:")[1].splitlines()
    guide = next(line for line in lines if "read guide.md" in line)
    api = next(line for line in lines if "read api.rst" in line)
    assert 'heading "Context locals"' in guide  # the longest heading all of whose words are asked
    assert 'heading "Context"' in api  # a shorter one still counts, and the policy sees which is longer
    env.reset(seed=0)
    assert "heading" not in next(line for line in env.render().splitlines() if "notes.py" in line)


def test_a_read_shows_the_lines_that_best_match_the_question(tmp_path: Path) -> None:
    """With a short result (the navigator's 6 lines), the read shows the best-matching span
    (here the defining line) whole, with no hint about reading on (the env has no such action)."""
    body = ["import os"] * 30 + ["def compute_backoff(attempt):", "    '''Delay before the next upload.'''",
                                "    return 2 ** attempt"] + ["    pass"] * 40
    (tmp_path / "retry.py").write_text("\n".join(body) + "\n")
    task = Task("def", "Which file defines `compute_backoff`?", ["retry.py"])
    env = RepoExploreEnv(Repository(tmp_path), [task], EnvConfig(result_lines=6))
    env.reset(seed=0, options={"task": task})
    obs, *_ = env.step(labels_for(env, "read retry.py"))
    result = obs.split("Last result:\n", 1)[1].split("\nRead so far:", 1)[0].splitlines()
    assert result[0].startswith("retry.py  lines ") and "of 73" in result[0]
    assert any("def compute_backoff(attempt):" in line for line in result)
    assert len(result) == 6 and not any("more" in line for line in result)


def test_a_read_opens_where_the_answers_evidence_would(tmp_path: Path) -> None:
    """A traceback's frame names the line: the walk reads there, as `ask` cites it, not where
    the report's words (here a comment up top that repeats them) match best."""
    body = (["# upload retry failure handling: ValueError when attempt is negative"] + ["x = 1"] * 60
            + ["def helper(a):", "    z = a", "    if z < 0:", "        raise ValueError(z)"] + ["y = 2"] * 20)
    (tmp_path / "retry.py").write_text("\n".join(body) + "\n")
    report = ("upload retry failure: ValueError when attempt is negative\nTraceback (most recent call last):\n"
              '  File "/venv/lib/python3.11/site-packages/retry.py", line 65, in helper\n'
              "ValueError: -1")
    task = Task("tb", report, ["retry.py"])
    env = RepoExploreEnv(Repository(tmp_path), [task], EnvConfig(result_lines=6))
    env.reset(seed=0, options={"task": task})
    obs, *_ = env.step(labels_for(env, "read retry.py"))
    result = obs.split("Last result:\n", 1)[1].split("\nRead so far:", 1)[0]
    assert "raise ValueError(z)" in result, result



def test_listing_never_exceeds_the_action_space(repo: Repository) -> None:
    """``cd ..``, best-match reads and answers for the last three reads can add up to more
    than ``max_actions``: then the listing gives way (entries here, then candidates) so it
    always fits the action space, and the answers stay (the walk can always finish)."""
    task = Task("f", "f01 f02 f03 f04 f05", ["many/f05.py"])
    env = RepoExploreEnv(repo, [task], EnvConfig(max_actions=4, candidates=2))
    env.reset(seed=0, options={"task": task})
    for _ in range(3):  # read the best matches from the root: two offered each time, never the ones read
        assert len(env.actions) <= env.action_space.n
        assert [a.text for a in env.actions[:2]] == [f"read {p}" for p, _ in env.ws.index.top(task.question, 5)
                                                     if p not in env.ws.reads][:2]
        env.step(0)
    texts = [a.text for a in env.actions]
    assert texts == ["read many/f04.py", "answer many/f03.py", "answer many/f02.py", "answer many/f01.py"]
    env.step(labels_for(env, "read many/f04.py"))  # a fourth read: the three most recent answers
    assert [a.text for a in env.actions] == ["read many/f05.py", "answer many/f04.py", "answer many/f03.py",
                                             "answer many/f02.py"]
    assert "more entries here not shown" in env.render()

def test_candidates_that_cannot_fit_are_refused(repo: Repository) -> None:
    from explore.agent.env import EnvConfigError

    with pytest.raises(EnvConfigError, match="candidates"):
        EnvConfig(candidates=12, max_actions=12)
    with pytest.raises(EnvConfigError, match="candidates"):
        EnvConfig(candidates=-1)
    config = EnvConfig(candidates=5, max_actions=12)  # the navigator's
    config.candidates = 20  # changed after construction: the environment checks again
    with pytest.raises(EnvConfigError, match="candidates"):
        RepoExploreEnv(repo, TASKS, config)


def test_offer_from_the_candidate_stage(tmp_path: Path, make_repo) -> None:
    """With ``offer='retrieve'`` the candidates come from the retriever: the module that
    defines the asked-for function is offered first, where BM25 over files puts the test."""
    from explore.agent.env import EnvConfig, EnvConfigError, RepoExploreEnv
    from explore.agent.task import Task

    filler = "\n".join(f"def helper_{i}(value):\n    return value + {i}\n" for i in range(200))
    root = make_repo(tmp_path, {
        "pkg/engine.py": filler + "\n\ndef compute_backoff(attempt):\n    '''Retry delay per attempt.'''\n    return 2\n",
        "tests/test_retry.py": "def test_retry_delay_backoff():\n    # retry delay backoff retry delay\n    pass\n",
        "docs/retry.md": "# Retry\n\nThe retry delay and back-off are described here. retry delay.\n",
    })
    task = Task("t", "retry delay back-off grows too fast per attempt", ["pkg/engine.py"])
    first = {}
    for offer in ("bm25", "retrieve"):
        env = RepoExploreEnv(Repository(root), [task], EnvConfig(candidates=1, max_actions=6, offer=offer))
        env.reset(options={"task": task})
        first[offer] = next(a.arg for a in env.actions if a.kind == "read" and "/" in a.arg)
    assert first["retrieve"] == "pkg/engine.py" and first["bm25"] != "pkg/engine.py"
    with pytest.raises(EnvConfigError, match="offer"):
        EnvConfig(offer="grep")


def test_hybrid_offer_takes_the_candidate_stage_and_bm25_in_turn(tmp_path: Path, make_repo) -> None:
    """``hybrid``: the candidate stage's first, BM25's first, the stage's second …, each
    file once, so a docs file BM25 ranks first is offered though the stage ranks docs low."""
    from explore.agent.env import EnvConfig, RepoExploreEnv
    from explore.agent.task import Task

    root = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return attempt\n",
                                "docs/retry.md": "# Retry back-off\n\nretry back-off retry back-off\n",
                                "pkg/other.py": "def retry():\n    pass\n"})
    question = "retry back-off compute_backoff"
    offers = {}
    for offer in ("bm25", "retrieve", "hybrid"):
        env = RepoExploreEnv(Repository(root), [Task("q", question, ["pkg/retry.py"])],
                             EnvConfig(offer=offer, candidates=2))
        env.reset(seed=0)
        offers[offer] = env.offered()
    r, b, h = offers["retrieve"], offers["bm25"], offers["hybrid"]
    assert h[0] == r[0] and h[1] == next(p for p in b if p != r[0]) and len(h) == len(set(h))
    assert set(h) == set(r) | set(b)
