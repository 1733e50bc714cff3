"""Task files: round trip, and errors that name the line and the field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from typer.testing import CliRunner

from explore.agent.task import BadTaskRecord, Task
from explore.cli import app
from explore.sandbox.snapshot import Repository
from explore.training.tasks import TargetsMissing, TaskFileError, read_tasks, usable, write_tasks

GOOD = {"id": "a", "question": "Where is x?", "targets": ["x.py"]}


def _file(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def test_round_trip(tmp_path: Path) -> None:
    tasks = [Task(id="a", question="Where is x?", targets=["x.py"], rev="abc", source="code", depth=1,
                  oracle=["cd p/", "read x.py", "answer p/x.py"], answer="x", meta={"split": "test"})]
    path = tmp_path / "t.jsonl"
    assert write_tasks(tasks, path) == 1
    assert read_tasks(path) == tasks


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("{not json", r"tasks.jsonl line 2: not valid JSON"),
        ({"id": "b", "question": "q"}, r"line 2: missing required field 'targets'"),
        ({"id": "b", "question": "q", "targets": "x.py"}, r"line 2: field 'targets' must be a non-empty list of paths \(got \"x.py\"\)"),
        ({"id": "b", "question": "q", "targets": ["/etc/passwd"]}, r"line 2: field 'targets' has '/etc/passwd'"),
        ({"id": "b", "question": "q", "targets": ["x.py"], "depth": "deep"}, r"line 2: field 'depth' must be an integer"),
        ({"id": "b", "question": "q", "targets": ["x.py"], "rev": ""}, r"line 2: field 'rev' must be a commit id"),
        ({"id": "b", "question": "q", "targets": ["x.py"], "target": ["y.py"]}, r"line 2: unknown field 'target'"),
        ({"id": "a", "question": "q", "targets": ["x.py"]}, r"line 2: field 'id' 'a' repeats line 1"),
        ({"id": "b", "question": "", "targets": ["x.py"]}, r"line 2: field 'question' must be a non-empty string"),
        ("[1, 2]", r"line 2: expected a JSON object, got list"),
    ],
)
def test_malformed_lines_name_line_and_field(tmp_path: Path, row: object, message: str) -> None:
    with pytest.raises(TaskFileError, match=message):
        read_tasks(_file(tmp_path, GOOD, row))


def test_a_line_with_no_end_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """A tasks file that is one endless line (``/dev/zero``, a binary file) is refused once a
    line runs past the bound, not read into memory whole."""
    from explore.training.tasks.jsonl import MAX_LINE_CHARS

    with pytest.raises(TaskFileError, match=r"zero line 1: over .* characters with no line end"):
        read_tasks("/dev/zero")
    path = tmp_path / "tasks.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + "x" * (MAX_LINE_CHARS + 5))
    with pytest.raises(TaskFileError, match=r"line 2: over"):
        read_tasks(path)
    path.write_text(json.dumps(GOOD))  # a last line without its end is a line
    assert [t.id for t in read_tasks(path)] == ["a"]


BAD_ROWS = [
    {"id": "b", "question": "q"},
    {"id": "b", "question": "q", "targets": "x.py"},
    {"id": "b", "question": "q", "targets": ["../x.py"]},
    {"id": "b", "question": "q", "targets": ["x.py"], "depth": -1},
    {"id": "b", "question": "q", "targets": ["x.py"], "oracle": "read x.py"},
    {"id": "b", "question": "q", "targets": ["x.py"], "target": ["y.py"]},
]


@pytest.mark.parametrize("row", BAD_ROWS)
def test_the_file_reader_and_from_dict_agree(tmp_path: Path, row: dict) -> None:
    """One strict reader: a record ``read_tasks`` refuses, ``Task.from_dict`` (which
    ``train --tasks`` and the Python API use) refuses with the same words."""
    with pytest.raises(BadTaskRecord) as direct:
        Task.from_dict(row, "here")
    with pytest.raises(TaskFileError) as in_file:
        read_tasks(_file(tmp_path, GOOD, row))
    assert str(in_file.value) == str(direct.value).replace("here", "tasks.jsonl line 2")


def test_a_missing_depth_is_derived_not_zero() -> None:
    task = Task.from_dict({"id": "a", "question": "q", "targets": ["pkg/sub/x.py", "pkg/y.py"]})
    assert task.depth == 1


def test_train_and_eval_refuse_the_same_bad_file_alike(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"x.py": "x = 1\n"})
    bad = _file(tmp_path, GOOD, {"id": "b", "question": "q", "targets": ["x.py"], "orcale": ["answer x.py"]})
    said = []
    for args in (["train", str(repo), "--model", "tiny-random", "--out", str(tmp_path / "run"), "--no-retriever"],
                 ["eval", str(repo)]):
        result = CliRunner().invoke(app, [*args, "--tasks", str(bad)])
        assert result.exit_code == 2, result.output
        said.append(result.stderr.strip().splitlines()[-1])  # train shows its progress first
    assert said[0] == said[1] and "line 2: unknown field 'orcale'" in said[0]


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="no tasks file at .*explore tasks REPO"):
        read_tasks(tmp_path / "nope.jsonl")
    with pytest.raises(TaskFileError, match="is a folder, not a tasks file"):
        read_tasks(tmp_path)
    with pytest.raises(TaskFileError, match="holds no tasks"):
        read_tasks(_file(tmp_path, ""))


def test_targets_missing_at_rev(tmp_path: Path, make_repo) -> None:
    repo = Repository(make_repo(tmp_path, {"x.py": "x\n", "y.py": "y\n"}))
    rev = repo.resolve_rev(None)
    tasks = [
        Task(id="ok", question="q", targets=["x.py"], rev=rev),
        Task(id="half", question="q", targets=["gone.py", "y.py"], rev=rev),
        Task(id="gone", question="q", targets=["gone.py"], rev=rev),
        Task(id="badrev", question="q", targets=["x.py"], rev="0" * 40),
    ]
    keep, warnings = usable(repo, tasks)
    assert [t.id for t in keep] == ["ok", "half"] and keep[1].targets == ["y.py"]
    assert len(warnings) == 3 and "gone.py not found at" in warnings[1] and warnings[1].endswith("skipped")
    with pytest.raises(TargetsMissing, match="none of the 1 tasks has a target"):
        usable(repo, tasks[2:3])
    # every task's problem is said (the first only was), and a commit that cannot be opened is no other repository's
    with pytest.raises(TargetsMissing, match=r"task gone: .*task badrev: .*another repository"):
        usable(repo, tasks[2:4])
    with pytest.raises(TargetsMissing, match=r"cannot be read here") as raised:
        usable(repo, tasks[3:4])
    assert "another repository" not in str(raised.value)


@pytest.mark.parametrize(("value", "message"), [("9" * 5000, "a number too long to read"),
                                                 ("[" * 100_000 + "]" * 100_000, "arrays or objects nested too deep")])
def test_json_python_cannot_read_is_a_bad_line_not_a_traceback(tmp_path: Path, value: str, message: str) -> None:
    """A line with a 5,000-digit number or arrays nested 100,000 deep raised Python's
    ValueError or RecursionError out of the reader: a traceback and exit 1, not a line of
    error and exit 2."""
    path = _file(tmp_path, GOOD, '{"id": "b", "question": "q", "targets": ["x.py"], "depth": ' + value + "}")
    with pytest.raises(TaskFileError, match=rf"tasks.jsonl line 2: not valid JSON \({message}\)"):
        read_tasks(path)
