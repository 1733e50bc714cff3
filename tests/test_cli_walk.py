"""`explore walk` through typer's CliRunner, on a hostile repository."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    repo = tmp_path / "hostile repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "main.py").write_text("def main():\n    return 'hello'\n")
    (repo / "src" / "naïve name.py").write_text("X = 1\n")
    (repo / "leak").symlink_to("/etc/passwd")
    (repo / "link-to-root").symlink_to("/")
    (repo / "loop").symlink_to("loop")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "init"], cwd=repo, check=True)
    return repo


def test_walk_json_refuses_escapes(hostile: Path) -> None:
    result = runner.invoke(app, ["walk", str(hostile), "read leak", "read ../../etc/passwd", "cd link-to-root",
                                 "read loop", "cd src", "read 'naïve name.py'", "--json"])
    assert result.exit_code == 1, result.output  # ran, and some actions failed
    body = json.loads(result.output)
    assert body["version"] == 1 and body["command"] == "walk" and body["repo"] == str(hostile.resolve())
    steps = body["steps"]
    assert [s["ok"] for s in steps] == [False, False, False, False, True, True]
    assert set(steps[0]) == {"action", "cwd", "ok", "output"}
    outputs = [s["output"] for s in steps]
    assert "outside the repository" in outputs[0]
    assert "above the repository root" in outputs[1]
    assert "outside the repository" in outputs[2]
    assert "loop" in outputs[3]
    assert steps[4]["cwd"] == "src"
    assert "X = 1" in outputs[5]
    assert "root:" not in result.output  # nothing of /etc/passwd


def test_walk_rich_output(hostile: Path) -> None:
    result = runner.invoke(app, ["walk", str(hostile), "ls", "read src/main.py", "-q", "main function"])
    assert result.exit_code == 0, result.output
    assert "src/" in result.output and "scent" in result.output
    assert "lines 1–2 of 2" in result.output


@pytest.mark.parametrize(
    "args, words",
    [
        (["walk", "/no/such/repo", "ls"], "no such folder"),
        (["walk", "{repo}", "ls", "--rev", "nope"], "not a commit"),
        (["walk", "{repo}", "rm -rf /"], "unknown action"),
        (["walk", "{repo}/src/main.py", "ls"], "is a file"),
        (["walk", "{repo}", "ls src extra"], "ls takes one folder"),
        (["walk", "{repo}", "ls --page \u00b2"], "page number"),
        (["walk", "{repo}", "read src/main.py \u00b2"], "not a line number"),
        (["walk", "{repo}", "cd src extra"], "cd takes one path"),
    ],
)
def test_walk_bad_input_exits_2(hostile: Path, args: list[str], words: str) -> None:
    args = [a.replace("{repo}", str(hostile)) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert words in result.output


def test_empty_repo(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = runner.invoke(app, ["walk", str(tmp_path), "ls"])
    assert result.exit_code == 2 and "no commits" in result.output


def test_help_and_version() -> None:
    assert runner.invoke(app, ["--help"]).exit_code == 0
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "explore" in result.output


#: A title-setting OSC, colour CSIs, a bell and an 8-bit CSI: all would drive the terminal.
HOSTILE_TEXT = "banner = 'pwned'  # \x1b]0;pwned\x07\x1b[31mred\x1b[0m \x9b2J\n"


def test_walk_prints_repository_text_and_names_inert(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"[red]x.py": HOSTILE_TEXT, "pkg/[bold]y.py": "Y = 1\n"})
    result = runner.invoke(app, ["walk", str(repo), "ls", "read [red]x.py", "cd pkg", "ls"])
    assert result.exit_code == 0, result.output
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in result.output
    assert "$ read [red]x.py" in result.output and "[red]x.py" in result.output.split("$ read")[0]  # echoed as named
    assert "[bold]y.py" in result.output
    assert "␛]0;pwned␇␛[31mred␛[0m \\x9b2J" in result.output  # visible, so the user sees what is there
    from explore.cli.console import inert

    assert inert("lat\udce9.py \udc9b2J") == "lat\\xe9.py \\x9b2J"  # a name's non-UTF-8 bytes, never raw
    missing = runner.invoke(app, ["walk", str(tmp_path / "[red]gone"), "ls"])  # an error naming a path, too
    assert missing.exit_code == 2 and "[red]gone" in missing.output


def test_walk_exit_code_says_whether_every_action_worked(hostile: Path) -> None:
    ok = runner.invoke(app, ["walk", str(hostile), "ls", "cd src", "read main.py", "answer main.py", "--json"])
    assert ok.exit_code == 0, ok.output
    assert all(s["ok"] for s in json.loads(ok.output)["steps"])
    # a line or a page that is not there fails too (it said ok and exited 0), and line 0 is no line
    for failing in ("read src", "cd src/main.py", "ls nowhere", "answer src", "read src/main.py 999",
                    "read src/main.py 0", "ls --page 5"):
        result = runner.invoke(app, ["walk", str(hostile), failing])
        assert result.exit_code == 1, (failing, result.output)
        assert "failed" in result.output


def test_walk_pages_a_long_listing_and_reads_back_quoted_names(tmp_path: Path, make_repo) -> None:
    from explore.tools.workspace import LS_LIMIT

    repo = make_repo(tmp_path, {f"m{i:03d}.py": "x = 1\n" for i in range(LS_LIMIT + 5)} | {"a b.py": "Y = 2\n"})
    result = runner.invoke(app, ["walk", str(repo), "ls", "ls . --page 2", "ls --page 2", "read 'a b.py'", "--json"])
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)["steps"]
    assert steps[0]["output"].splitlines()[-1] == "  … 6 more (page 1 of 2; next: ls . --page 2)"
    assert "'a b.py'" in steps[0]["output"]  # listed quoted: the same text works as an action
    assert steps[1]["output"] == steps[2]["output"] and "page 2 of 2" in steps[1]["output"]
    assert "Y = 2" in steps[3]["output"]
    bad = runner.invoke(app, ["walk", str(repo), "ls --page two"])
    assert bad.exit_code == 2 and "page number" in bad.output


def test_a_name_that_is_not_utf8_is_listed_escaped_and_read_back_that_way(tmp_path: Path, make_repo) -> None:
    """A listing writes such a name escaped (``'caf\\udcff.py'``); typed back, that text
    found no file."""
    repo = make_repo(tmp_path, {"caf\udcff.py": "RETRY = 3\n", "new\nline.py": "N = 1\n"})
    listing = json.loads(runner.invoke(app, ["walk", str(repo), "ls", "--json"]).output)["steps"][0]["output"]
    assert "'caf\\udcff.py'" in listing and "'new\\nline.py'" in listing
    result = runner.invoke(app, ["walk", str(repo), "read 'caf\\udcff.py'", "read 'new\\nline.py'", "--json"])
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)["steps"]
    assert "RETRY = 3" in steps[0]["output"] and "N = 1" in steps[1]["output"]


def test_a_tasks_oracle_replays_with_walk(tmp_path: Path, make_repo) -> None:
    """`explore tasks` writes oracles whose answer names the file from the repository's top
    (`cd pkg/`, `read x.py`, `answer pkg/x.py`), as the environment's actions do; `walk`,
    made for replaying them, read it from the current folder: "no such path 'pkg/pkg/x.py'"."""
    repo = make_repo(tmp_path, {"pkg/x.py": "X = 1\n"})
    replayed = runner.invoke(app, ["walk", str(repo), "cd pkg/", "read x.py", "answer pkg/x.py", "--json"])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["steps"][-1]["output"] == "answer: pkg/x.py"
    here = runner.invoke(app, ["walk", str(repo), "cd pkg/", "answer x.py"])
    missing = runner.invoke(app, ["walk", str(repo), "cd pkg/", "answer y.py"])
    assert here.exit_code == 0 and missing.exit_code == 1


def test_reads_hint_pasted_back_and_a_path_from_the_top_work_inside_a_folder(hostile: Path) -> None:
    """Inside src/, `read` ended with `(more: read src/long.py from line 81)`; pasted back it
    was a usage error (exit 2, nothing run), and `read src/long.py 81` said no such file in
    src/ though `answer src/long.py` took it. A line before the first is a failed step, as
    line 0 is, not a usage error that loses the whole walk."""
    (hostile / "src" / "long.py").write_text("".join(f"V{i} = {i}\n" for i in range(200)))
    subprocess.run(["git", "add", "-A"], cwd=hostile, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "long"], cwd=hostile, check=True)
    first = runner.invoke(app, ["walk", str(hostile), "cd src", "read long.py", "--json"])
    hint = json.loads(first.output)["steps"][-1]["output"].splitlines()[-1]
    assert hint == "(more: read src/long.py from line 81)", hint
    pasted = hint.strip("()").removeprefix("more: ")
    result = runner.invoke(app, ["walk", str(hostile), "cd src", pasted, "read src/long.py 161", "cd src",
                                 "read long.py -1", "--json"])
    assert result.exit_code == 1, result.output  # ran; the last step failed
    steps = json.loads(result.output)["steps"]
    assert [s["ok"] for s in steps] == [True, True, True, True, False]
    assert "lines 81–160 of 200" in steps[1]["output"] and "lines 161–200 of 200" in steps[2]["output"]
    assert steps[3]["cwd"] == "src" and "no line -1" in steps[4]["output"]


def test_a_name_with_a_backslash_lists_apart_from_the_one_its_escape_spells(make_repo, tmp_path: Path) -> None:
    """``a\\nb.py`` (a backslash and an n) and ``a<newline>b.py`` both listed as ``'a\\nb.py'``,
    and reading the listed name read the other file: a name with a backslash is escaped too
    (``'a\\\\nb.py'``), and each listed form reads its own file back."""
    repo = make_repo(tmp_path, {"a\nb.py": "REAL = 1\n", "a\\nb.py": "LITERAL = 1\n"})
    result = runner.invoke(app, ["walk", str(repo), "ls", "--json"])
    names = [line.split()[0] for line in json.loads(result.stdout)["steps"][0]["output"].splitlines()[1:]]
    assert sorted(names) == sorted(["'a\\nb.py'", "'a\\\\nb.py'"]), names
    result = runner.invoke(app, ["walk", str(repo), *(f"read {n}" for n in names), "--json"])
    assert result.exit_code == 0, result.output
    read = {n: step["output"] for n, step in zip(names, json.loads(result.stdout)["steps"])}
    assert "REAL = 1" in read["'a\\nb.py'"] and "LITERAL = 1" in read["'a\\\\nb.py'"]


def test_a_page_that_is_not_there_fails_that_action_and_the_walk_goes_on(make_repo, tmp_path: Path) -> None:
    """`ls --page 0` was a parse error (exit 2, nothing printed of the actions before it) while
    `read f 0` failed that action alone (exit 1): a page that is not there is the listing's
    own failure, as the README's exit-code table says; a page that is no number stays exit 2."""
    repo = make_repo(tmp_path, {"a.py": "x = 1\n"})
    result = runner.invoke(app, ["walk", str(repo), "ls", "ls --page 0", "read a.py", "--json"])
    assert result.exit_code == 1, result.output
    steps = json.loads(result.stdout)["steps"]
    assert [s["ok"] for s in steps] == [True, False, True] and "no page 0" in steps[1]["output"]
    assert runner.invoke(app, ["walk", str(repo), "ls --page two"]).exit_code == 2
