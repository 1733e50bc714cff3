"""`generate`: sources together, dedupe, sampling, splits, and the errors a user can hit."""
from __future__ import annotations

from pathlib import Path

import pytest

from explore.agent.task import Task
from explore.sandbox.snapshot import Repository
from explore.training.tasks import NoTasks, UnknownSource, generate, generate_report, parse_sources
from explore.training.tasks.quality import assign_splits, dedupe, leaks_path


def test_generate_uses_every_source_and_targets_exist(weather_repo: Path, weather_tasks) -> None:
    repo = Repository(weather_repo)
    counts = weather_tasks.counts()
    assert all(counts[s] > 0 for s in ("code", "docs", "config", "history")), counts
    files_at: dict = {}
    for t in weather_tasks.tasks:
        if t.rev not in files_at:
            files_at[t.rev] = set(repo.snapshot(t.rev).files)
        assert set(t.targets) <= files_at[t.rev], t
        assert t.id.startswith(t.source + "-") and t.oracle and t.oracle[-1] == f"answer {t.oracle[-1][7:]}"
        assert t.meta["split"] in ("train", "val", "test")
        assert isinstance(t.meta["leaks_path"], bool) and 0.0 <= t.meta["overlap"] <= 1.0
    ids = [t.id for t in weather_tasks.tasks]
    assert len(ids) == len(set(ids))
    assert weather_tasks.to_dict()["n"] == len(weather_tasks.tasks)


def test_generation_is_deterministic_for_a_seed(weather_repo: Path, weather_tasks) -> None:
    again = generate(Repository(weather_repo), seed=0)
    assert [(t.id, t.meta["split"]) for t in again] == [(t.id, t.meta["split"]) for t in weather_tasks.tasks]


def test_test_targets_are_never_train_targets(weather_tasks) -> None:
    train = {f for t in weather_tasks.tasks if t.meta["split"] == "train" for f in t.targets}
    test = {f for t in weather_tasks.tasks if t.meta["split"] == "test" for f in t.targets}
    assert not train & test


def test_history_split_puts_later_commits_in_test() -> None:
    tasks = [Task(id=f"h{i}", question=f"q{i}", targets=[f"f{i}.py"], source="history",
                  meta={"date": 1000, "seq": i}) for i in range(20)]
    tasks.append(Task(id="c", question="where?", targets=["f19.py"], source="code"))
    assign_splits(tasks, seed=3)
    splits = [t.meta["split"] for t in tasks[:20]]
    assert splits == ["train"] * 14 + ["val"] * 3 + ["test"] * 3
    assert tasks[-1].meta["split"] != "train"  # it targets a test file


def test_max_samples_across_sources(weather_repo: Path) -> None:
    tasks = generate(Repository(weather_repo), max_tasks=8, seed=1)
    assert len(tasks) == 8
    assert {t.source for t in tasks} == {"code", "docs", "config", "history"}


def test_dedupe_merges_targets_and_drops_conflicts() -> None:
    a = Task(id="", question="Which file defines `load`?", targets=["a.py"], answer="load")
    b = Task(id="", question="which file defines  load?", targets=["b.py"], answer="load")
    c = Task(id="", question="What is the timeout?", targets=["a.py"], answer="3")
    d = Task(id="", question="What is the timeout?", targets=["b.py"], answer="5")
    out = dedupe([a, b, c, d])
    assert len(out) == 1 and out[0].targets == ["a.py", "b.py"]


def test_one_doc_comment_in_two_files_is_one_question_either_file_answers(tmp_path: Path, make_repo) -> None:
    """logrus's text and JSON formatters both say "Format renders a single log entry": two
    tasks, phrased apart, one target each, so an answer naming the other file was scored
    wrong. They are one question with both files as targets."""
    doc = "// Format renders a single log entry as {kind}.\n"
    repo = make_repo(tmp_path, {
        "text_formatter.go": "package logrus\n\n" + doc.replace(" as {kind}", "") +
                             "func (f *TextFormatter) Format(e *Entry) ([]byte, error) {\n\treturn nil, nil\n}\n",
        "json_formatter.go": "package logrus\n\n" + doc.replace(" as {kind}", "") +
                             "func (f *JSONFormatter) Format(e *Entry) ([]byte, error) {\n\treturn nil, nil\n}\n",
    })
    tasks = [t for t in generate(Repository(repo), sources=("code",), seed=0) if t.meta.get("kind") == "docstring"]
    asked = [t for t in tasks if "single log entry" in t.question]
    assert len(asked) == 1 and sorted(asked[0].targets) == ["json_formatter.go", "text_formatter.go"]


def test_leaks_path_flags_file_names() -> None:
    assert leaks_path("What does fetch.py do with retries?", ["pkg/fetch.py"])
    assert leaks_path("Look at pkg/fetch.py", ["pkg/fetch.py"])
    assert not leaks_path("Where is the fetching code?", ["pkg/fetch.py"])


def test_repo_without_source_still_gets_docs_and_config(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {
        "README.md": "# Tool\n\n## Running the server\n\nStart it with the run script in the bin folder.\n",
        "package.json": '{"name": "tool", "scripts": {"start": "node a.js"}}\n',
    })
    report = generate_report(Repository(repo))
    assert report.sources["code"].kept == 0 and report.sources["code"].reason.startswith("no source files")
    assert report.sources["docs"].kept and report.sources["config"].kept
    assert "only one commit" in report.sources["history"].reason


def test_nothing_to_ask_is_a_clear_error(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"notes.txt": "hello\n"}, git_init=False)
    with pytest.raises(NoTasks, match=r"no tasks could be generated from .*code: no source files it can parse.*history: not a git repository"):
        generate(Repository(repo))


def test_unknown_sources_are_refused() -> None:
    assert parse_sources("code, docs,code") == ("code", "docs")
    with pytest.raises(UnknownSource, match="'gpt'.*choose from code, docs, config, history"):
        parse_sources("code,gpt")
