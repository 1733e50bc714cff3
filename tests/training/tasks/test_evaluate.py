"""The evaluation harness and its baselines on real repositories."""
from __future__ import annotations

from pathlib import Path

import pytest

from explore.agent.task import Task
from explore.sandbox.snapshot import Repository
from explore.training.evaluate import (
    ChooserPolicy, UnknownPolicy, evaluate, make_policy, plot, register_policy,
)
from explore.training.oracle import shortest_path

TOPICS = {
    "net/http_client.py": "send http requests with retries and connection pooling",
    "net/sockets.py": "low level socket reading and writing of raw bytes",
    "store/sqlite_backend.py": "persist records into a sqlite database table",
    "store/memory.py": "keep records in a python dict for quick tests",
    "ui/colors.py": "terminal colors ansi escape codes for styled output",
    "ui/progress.py": "progress bar rendering with percentage and eta",
    "auth/tokens.py": "issue and verify signed login tokens with expiry",
    "auth/passwords.py": "hash passwords with a salt using scrypt",
    "math/matrix.py": "matrix multiplication transpose and inverse",
    "math/stats.py": "mean median variance of numeric samples",
    "docs/faq.md": "frequently asked questions about installation problems",
    "setup_helpers.py": "build helpers for packaging wheels",
}
QUESTIONS = {
    "net/http_client.py": "How are http requests retried?",
    "store/sqlite_backend.py": "Where are records saved to the sqlite database?",
    "ui/progress.py": "Where is the progress bar drawn with an eta?",
    "auth/passwords.py": "How are passwords hashed with a salt?",
    "math/stats.py": "Where is the median of samples computed?",
    "docs/faq.md": "Where are installation problems answered?",
}


@pytest.fixture
def topics(tmp_path: Path, make_repo) -> tuple[Repository, list[Task]]:
    repo = Repository(make_repo(tmp_path, {p: f"# {text}\n" for p, text in TOPICS.items()}))
    rev = repo.resolve_rev(None)
    tasks = [Task(id=f"t{i}", question=q, targets=[p], rev=rev, source="manual", depth=p.count("/"),
                  oracle=shortest_path(p)) for i, (p, q) in enumerate(QUESTIONS.items())]
    return repo, tasks


def test_bm25_beats_random_and_oracle_is_perfect(topics) -> None:
    repo, tasks = topics
    scores = {name: evaluate(repo, tasks, make_policy(name, seed=1)).summary() for name in ("oracle", "random", "bm25", "scent")}
    assert scores["oracle"]["success"] == 1.0 and scores["oracle"]["spl"] == 1.0
    assert scores["bm25"]["success"] > scores["random"]["success"]
    assert scores["bm25"]["acc@5"] >= scores["bm25"]["acc@3"] >= scores["bm25"]["acc@1"] == scores["bm25"]["success"]
    assert scores["scent"]["success"] > scores["random"]["success"]
    assert "acc@1" not in scores["scent"]  # acc@k only for ranking policies


def test_summary_shape(weather_repo: Path, weather_tasks) -> None:
    report = evaluate(Repository(weather_repo), weather_tasks.tasks, make_policy("scent"))
    s = report.summary()
    for key in ("n", "success", "spl", "mean_steps", "invalid_rate", "p50_seconds", "p90_seconds", "by_source", "by_depth"):
        assert key in s
    assert s["n"] == len(weather_tasks.tasks)
    assert set(s["by_source"]) == {"code", "docs", "config", "history"}
    assert sum(g["n"] for g in s["by_depth"].values()) == s["n"]
    assert len(report.episodes()) == s["n"]


def test_oracle_policy_solves_generated_tasks(weather_repo: Path, weather_tasks) -> None:
    s = evaluate(Repository(weather_repo), weather_tasks.tasks, make_policy("oracle")).summary()
    assert s["success"] == 1.0 and s["spl"] == 1.0 and s["invalid_rate"] == 0.0


def test_random_is_seeded(topics) -> None:
    repo, tasks = topics
    a = evaluate(repo, tasks, make_policy("random", seed=7))
    b = evaluate(repo, tasks, make_policy("random", seed=7))
    assert [r.actions for r in a.results] == [r.actions for r in b.results]


def test_invalid_labels_are_counted(topics) -> None:
    repo, tasks = topics
    clumsy = ChooserPolicy("clumsy", lambda obs, info: 99)
    s = evaluate(repo, tasks[:2], clumsy).summary()
    assert s["invalid_rate"] == 1.0 and s["success"] == 0.0 and s["mean_steps"] == 12


def test_policy_registry(topics, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import explore.training.evaluate as ev

    monkeypatch.setattr(ev, "POLICIES", dict(ev.POLICIES))  # the registration below is undone
    with pytest.raises(UnknownPolicy, match="unknown policy 'gpt'; choose from oracle, random, bm25, bm25-code, retrieve, scent, features, navigator"):
        make_policy("gpt")
    register_policy("first", lambda seed: ChooserPolicy("first", lambda obs, info: 0))
    repo, tasks = topics
    report = evaluate(repo, tasks, make_policy("first"))
    plot([report, evaluate(repo, tasks, make_policy("bm25"))], str(tmp_path / "plot.png"))
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_features_put_the_defining_file_before_tests_and_callers(tmp_path: Path, make_repo) -> None:
    files = {
        "tests/test_parse.py": "from app.cli import parse_args\n\ndef test_parse_args():\n    parse_args(['--parse', 'args'])\n"
                               "    parse_args([])  # parse args parse args\n",
        "app/main.py": "from app.cli import parse_args\n\ndef main():\n    return parse_args(None)  # parse args\n",
        "app/cli.py": "def parse_args(argv):\n    return argv\n",
        "docs/guide.md": "# Guide\n\n## Command line\n\nThe command line is parsed for you.\n",
        "docs/other.md": "# Other\n\nCommand line command line command line notes.\n",
    }
    repo = Repository(make_repo(tmp_path, files))
    tasks = [Task("d", "Which file defines `parse_args`?", ["app/cli.py"]),
             Task("h", "Where can I read about the command line?", ["docs/guide.md"])]
    bm25 = evaluate(repo, tasks, make_policy("bm25")).results
    assert [r.ranked[0] for r in bm25] == ["tests/test_parse.py", "docs/other.md"]  # lexical matches win
    feats = evaluate(repo, tasks, make_policy("features")).results
    assert [r.ranked[0] for r in feats] == ["app/cli.py", "docs/guide.md"] and all(r.success for r in feats)


def test_code_bm25_and_retrieve_rank_code_files(topics) -> None:
    """``bm25-code`` never answers docs; ``retrieve`` ranks and reports acc@10."""
    repo, tasks = topics
    code = evaluate(repo, tasks, make_policy("bm25-code"))
    assert all(not f.endswith(".md") for r in code.results for f in r.ranked)
    retrieve = evaluate(repo, tasks, make_policy("retrieve")).summary()
    assert retrieve["acc@10"] >= retrieve["acc@5"] >= retrieve["acc@1"] >= 4 / 6


def test_an_answer_given_without_walking_is_one_step_as_a_rankings_is(topics) -> None:
    """`eval`'s table showed the navigator's `steps` 0.00 beside `retrieve`'s 1.00 for the same
    kind of answer (a statement, settled from the candidate stage without a walk)."""
    repo, tasks = topics
    statements = [Task(id="s", question="Retry http requests with connection pooling", targets=["net/http_client.py"],
                       rev=tasks[0].rev, source="history", depth=1, oracle=shortest_path("net/http_client.py"))]
    navigator = evaluate(repo, statements, make_policy("navigator")).summary()
    retrieve = evaluate(repo, statements, make_policy("retrieve")).summary()
    assert navigator["mean_steps"] == retrieve["mean_steps"] == 1.0, (navigator, retrieve)


def test_a_question_the_navigator_cannot_be_asked_scores_as_unanswered(topics) -> None:
    """A hand-written task whose question holds no word (``???``) or one letter is scored a
    failure by every ranking and walk, but the navigator raised ``ask``'s refusal: the whole
    `explore eval` ended at exit 2, the scores of every task and policy before it lost, and the
    message did not say which task."""
    repo, tasks = topics
    rev = tasks[0].rev
    posed = [Task(id="ok", question="How are http requests retried?", targets=["net/http_client.py"], rev=rev,
                  depth=1),
             Task(id="marks", question="???", targets=["net/sockets.py"], rev=rev, depth=1),
             Task(id="letter", question="x", targets=["ui/colors.py"], rev=rev, depth=1)]
    report = evaluate(repo, posed, make_policy("navigator"))
    assert [r.task_id for r in report.results] == ["ok", "marks", "letter"]
    assert [r.success for r in report.results[1:]] == [False, False]
    assert report.results[1].ranked == [] and report.summary()["n"] == 3
