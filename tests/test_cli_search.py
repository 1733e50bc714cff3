"""`explore search`: the candidate stage alone, through CliRunner, on real git repositories."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


def test_search_ranks_with_the_history_and_never_writes(history_repo: Path, tree_hash) -> None:
    before = tree_hash(history_repo)
    result = runner.invoke(app, ["search", str(history_repo), "the token login handling breaks", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == 1 and data["command"] == "search" and data["fitted"] is False
    hits = data["hits"]
    assert len(hits) == 3 and hits[0]["path"] == "pkg/auth.py" and any("history" in w for w in hits[0]["why"])
    assert hits[0]["line"] >= 1 and hits[0]["lines"]
    shown = runner.invoke(app, ["search", str(history_repo), "-", "-k", "2"], input="cache expiry when empty\n")
    assert shown.exit_code == 0 and "pkg/cache.py" in shown.output.splitlines()[0]
    assert tree_hash(history_repo) == before


def test_search_with_no_match_or_bad_input(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"a.py": "def alpha():\n    pass\n"})
    none = runner.invoke(app, ["search", str(repo), "zzzz qqqq", "--json"])
    assert none.exit_code == 1 and json.loads(none.output)["hits"] == []
    assert "none holds a word of it" in json.loads(none.output)["notes"][0]  # why, as `ask --json` says it
    # a name alone that no file holds: nothing, as `ask` says (it ranked files holding "word", scored below 0)
    unheard = runner.invoke(app, ["search", str(repo), "alpha_missing_word", "--json"])
    assert unheard.exit_code == 1 and json.loads(unheard.output)["hits"] == []
    assert runner.invoke(app, ["search", str(repo), "alpha", "--json"]).exit_code == 0
    said = runner.invoke(app, ["search", str(repo), "alpha_missing_word"])
    assert said.exit_code == 1 and said.stdout == "" and "no file matches the question" in said.stderr
    # letters that make no word the index reads: said so, not "check the spelling"
    foreign = runner.invoke(app, ["search", str(repo), "ä ö ü?", "--json"])
    assert foreign.exit_code == 1 and "no word the index reads" in json.loads(foreign.output)["notes"][0]
    # words of another script are read: valitron's lang/ru.php holds "обязательно для заполнения", which
    # the index read as no word at all, and a Chinese page its title
    russian = make_repo(tmp_path / "ru", {"lang/ru.php": "<?php\n"
                                                         "return ['required' => 'обязательно для заполнения'];\n",
                                          "lang/en.php": "<?php\nreturn ['required' => 'is required'];\n",
                                          "docs/配置.md": "# 配置文件\n\n读取配置文件的方法。\n",
                                          "docs/usage.md": "# Usage\n\nRead the required settings.\n"})
    for question, answer in (("обязательно для заполнения", "lang/ru.php"), ("如何读取配置文件", "docs/配置.md")):
        found = runner.invoke(app, ["search", str(russian), question, "--json"])
        assert found.exit_code == 0 and json.loads(found.output)["hits"][0]["path"] == answer, found.output
    # a link or an issue number alone: nothing to search, as `ask` says (it listed files about URLs)
    repo_with_urls = make_repo(tmp_path / "urls", {"links.py": "def github_issue_url(n):\n    return f'https://github.com/acme/x/issues/{n}'\n"})
    for link in ("https://github.com/acme/x/issues/3100", "#3100"):
        only = runner.invoke(app, ["search", str(repo_with_urls), link])
        assert only.exit_code == 1 and only.stdout == "" and "only a link or an issue number" in only.stderr
        only = runner.invoke(app, ["search", str(repo_with_urls), link, "--json"])
        assert only.exit_code == 1 and "only a link" in json.loads(only.stdout)["notes"][0]
    # a usage error is one line on stderr, as every other error (typer drew a five-line box)
    for usage in (["search", str(repo), "alpha", "-k", "0"], ["search"], ["search", str(repo), "alpha", "--bogus"]):
        said = runner.invoke(app, usage)
        lines = said.stderr.strip().splitlines()
        assert said.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "-h" in lines[0], said.stderr
    empty = runner.invoke(app, ["search", str(repo), "  "])
    assert empty.exit_code == 2 and "empty" in empty.output
    none = runner.invoke(app, ["search", str(repo)])  # it showed `explore ask REPO "…"`
    assert none.exit_code == 2 and "no question: explore search REPO" in none.output, none.output
    missing = runner.invoke(app, ["search", str(tmp_path / "nope"), "alpha"])
    assert missing.exit_code == 2 and "no such folder" in missing.output
    # an empty path was the current folder, answered with exit 0
    for command in (["search", "", "alpha"], ["ask", "  ", "alpha", "--no-server"]):
        empty_repo = runner.invoke(app, command)
        assert empty_repo.exit_code == 2 and "repository path is empty" in empty_repo.output, empty_repo.output
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    no_combiner = runner.invoke(app, ["search", str(repo), "alpha", "--adapter", str(bundle)])
    assert no_combiner.exit_code == 2 and "combiner.json" in no_combiner.output


def test_search_ranks_with_a_fitted_combiner(tmp_path: Path, make_repo) -> None:
    """The repository's own combiner.json (or a bundle's, with --adapter) is what ranks."""
    from explore.agent.bundle import COMBINER_FILE, default_adapter_dir
    from explore.retrieval.combiner import FEATURES, Combiner

    repo = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "docs/retry.md": "# Retry\n\nThe back-off doubles.\n"})
    docs_first = json.dumps(Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES}
                                     | {"file_score": 0.1}).to_dict())
    question = "where is the retry back-off computed?"  # no name: a name few files hold lifts them past any combiner
    shipped = json.loads(runner.invoke(app, ["search", str(repo), question, "--json"]).output)
    assert shipped["hits"][0]["path"] == "pkg/retry.py" and shipped["fitted"] is False
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / COMBINER_FILE).write_text(docs_first)
    given = json.loads(runner.invoke(app, ["search", str(repo), question, "--json", "--adapter", str(bundle)]).output)
    assert given["hits"][0]["path"] == "docs/retry.md" and given["fitted"] is True
    default_adapter_dir(repo).mkdir(parents=True)
    (default_adapter_dir(repo) / COMBINER_FILE).write_text(docs_first)
    own = json.loads(runner.invoke(app, ["search", str(repo), question, "--json"]).output)
    assert own["hits"][0]["path"] == "docs/retry.md" and own["fitted"] is True
    # `--adapter shipped`: the shipped ranking, as before `explore train` (no documented way to compare the two was)
    before = json.loads(runner.invoke(app, ["search", str(repo), question, "--json", "--adapter", "shipped"]).output)
    assert before["hits"][0]["path"] == "pkg/retry.py" and before["fitted"] is False
    # asked in a subfolder, the fit `explore train` made of the whole repository ranks (it was keyed by the path given)
    inside = json.loads(runner.invoke(app, ["search", str(repo / "docs"), question, "--json"]).output)
    assert inside["fitted"] is True
    # a run's folder whose fit was not kept (train's `next:` names it): the shipped stage, not an error
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"repo": str(repo)}))
    # one that stopped before its end (no summary.json) said nothing, and ranked as shipped: it says so
    for command in (["search", str(repo), question], ["eval", str(repo), "--limit", "1"],
                    ["ask", str(repo), question, "--model", "tiny-random"]):
        stopped = runner.invoke(app, [*command, "--adapter", str(run)])
        assert stopped.exit_code == 2 and "did not finish" in " ".join(stopped.output.split()), (command, stopped.output)
        assert "command, or with --resume," in " ".join(stopped.output.split()), stopped.output
    # a policy run continues only with --resume (the same command alone is refused: its folder holds a run)
    (run / "run.json").write_text(json.dumps({"repo": str(repo), "config": {"sft": {"steps": 200}, "rl": {"updates": 40}}}))
    stopped = runner.invoke(app, ["search", str(repo), question, "--adapter", str(run)])
    assert "command plus --resume finishes it" in " ".join(stopped.output.split()), stopped.output
    (run / "run.json").write_text(json.dumps({"repo": str(repo)}))
    (run / "summary.json").write_text(json.dumps({"repo": str(repo), "retriever": {"fitted": False, "kept": False}}))
    unkept = runner.invoke(app, ["search", str(repo), question, "--json", "--adapter", str(run)])
    assert unkept.exit_code == 0 and json.loads(unkept.output)["fitted"] is False, unkept.output


def test_a_fit_of_another_repository_is_refused_not_used(tmp_path: Path, make_repo) -> None:
    """`--adapter` naming another repository's fit ranked with it and said "fitted to this
    repository's history" (search, ask), and `eval` counted 0 commits it learnt from. A fit
    records its history's first commits (summary.json's roots): where none is here, it is
    refused; a clone of the same history is not, however far behind or however shallow."""
    import shutil
    import subprocess

    from explore.agent.bundle import COMBINER_FILE, history_roots, shipped_adapters
    from explore.retrieval.combiner import FEATURES, Combiner

    def git(repo: Path, *args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()

    mine = make_repo(tmp_path / "mine", {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    theirs = make_repo(tmp_path / "theirs", {"lib/cache.py": "class LRUCache:\n    pass\n"})
    behind = tmp_path / "behind"  # a clone, then theirs moves on: the fit's held-out commit is not in it
    subprocess.run(["git", "clone", "-q", str(theirs), str(behind)], check=True)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{theirs}", str(shallow)], check=True)
    (theirs / "lib" / "cache.py").write_text("class LRUCache:\n    size = 128\n")
    git(theirs, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "Give the cache a size")
    assert history_roots(shallow) == [] and history_roots(behind) == history_roots(theirs)

    bundle = tmp_path / "bundle"
    shutil.copytree(shipped_adapters()["policy"], bundle / "policy")  # as a default `explore train` leaves it
    (bundle / COMBINER_FILE).write_text(json.dumps(Combiner({f: 0.0 for f in FEATURES} | {"file_score": 1.0}).to_dict()))
    (bundle / "summary.json").write_text(json.dumps(
        {"repo": str(theirs), "retriever": {"cut": git(theirs, "rev-parse", "HEAD"), "roots": history_roots(theirs)}}))
    for command in (["search", str(mine), "retry back-off"], ["eval", str(mine), "--limit", "1"],
                    ["ask", str(mine), "where is the retry back-off?", "--model", "tiny-random"]):
        refused = runner.invoke(app, [*command, "--adapter", str(bundle)])
        said = " ".join(refused.output.split())
        assert refused.exit_code == 2 and f"fitted to the history of {theirs}" in said, (command, refused.output)
        assert f"--adapter {bundle}:" in said, (command, said)  # each names the option it refuses (ask did not)
    for same in (theirs, behind, shallow, theirs / "lib"):  # its own repository, a clone behind it, a shallow one
        kept = runner.invoke(app, ["search", str(same), "cache", "--adapter", str(bundle), "--json"])
        assert kept.exit_code == 0 and json.loads(kept.output)["fitted"] is True, (same, kept.output)
    # a fit from before the roots were recorded: nothing tells its history, so it is not refused
    (bundle / "summary.json").write_text(json.dumps({"repo": str(theirs), "retriever": {"cut": "0" * 40}}))
    assert runner.invoke(app, ["search", str(mine), "retry back-off", "--adapter", str(bundle)]).exit_code == 0


def test_a_damaged_combiner_is_named_not_a_traceback(tmp_path: Path, make_repo) -> None:
    """A combiner.json cut short (or not one at all), the repository's own or a bundle's:
    search and ask say which file and what to do, exit 2."""
    from explore.agent.bundle import COMBINER_FILE, default_adapter_dir

    repo = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / COMBINER_FILE).write_text('{"weights": "x"')
    given = runner.invoke(app, ["search", str(repo), "retry back-off", "--adapter", str(bundle)])
    assert given.exit_code == 2 and "not a candidate stage's combiner" in given.output, given.output
    default_adapter_dir(repo).mkdir(parents=True)
    (default_adapter_dir(repo) / COMBINER_FILE).write_text("{}")
    own = runner.invoke(app, ["search", str(repo), "retry back-off"])
    assert own.exit_code == 2 and str(default_adapter_dir(repo) / COMBINER_FILE) in own.output.replace("\n", "")
    asked = runner.invoke(app, ["ask", str(repo), "where is the retry back-off?", "--model", "tiny-random",
                                "--max-steps", "2"])
    assert asked.exit_code == 2 and "delete it" in asked.output, asked.output


def test_a_combiner_with_a_zero_scale_or_a_nan_is_named_not_a_traceback(tmp_path: Path, make_repo) -> None:
    """A combiner.json whose scale is 0 raised ZeroDivisionError (exit 1, a traceback); one
    holding NaN or Infinity (JSON's loader takes them) ranked by NaN scores and printed
    ``"score": NaN``, which no JSON reader takes. Both are damaged files: exit 2, named."""
    from explore.agent.bundle import COMBINER_FILE

    repo = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for text in ('{"weights": {"rr_file": 1.0}, "scale": {"rr_file": 0}}', '{"weights": {"rr_file": NaN}}',
                 '{"weights": {"rr_file": Infinity}}', '{"weights": {}, "mean": {"rr_file": NaN}}'):
        (bundle / COMBINER_FILE).write_text(text)
        result = runner.invoke(app, ["search", str(repo), "retry back-off", "--adapter", str(bundle), "--json"])
        assert result.exit_code == 2 and "not a candidate stage's combiner" in result.output, (text, result.output)


def test_a_reader_that_stops_early_is_not_reported_as_nothing_found(tmp_path: Path, make_repo, explore_cache) -> None:
    """`explore search … | head -1`: stdout closed mid-output exits 141, as a shell reports
    a writer stopped by SIGPIPE, not 1 (which means nothing was found)."""
    import os
    import subprocess
    import sys

    line = "retry = '" + "backoff " * 75 + "'\n"
    repo = make_repo(tmp_path, {f"m{i}.py": line * 6 for i in range(100)})
    command = [str(Path(sys.executable).with_name("explore")), "search", str(repo), "retry backoff", "-k", "100",
               "--no-server"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "EXPLORE_CACHE": str(explore_cache)})
    assert proc.stdout.read(100)
    proc.stdout.close()
    assert proc.wait(120) == 141, proc.stderr.read()
    for help_asked in (command[:2] + ["--help"], command[:1] + ["-h"]):  # the help too (rich said 1)
        read, write = os.pipe()
        os.close(read)  # the reader gone before a word is written
        done = subprocess.run(help_asked, stdout=write, stderr=subprocess.PIPE, timeout=120)
        os.close(write)
        assert done.returncode == 141, done.stderr


def test_help_or_version_into_a_full_disk_is_said_and_exits_2() -> None:
    """`explore -h > /dev/full`: the help and the version are written before any command's
    error guard runs, and a full disk there was a traceback and exit 1 (which means
    nothing was found), where every other write that finds no room says so and exits 2."""
    import subprocess
    import sys

    explore = str(Path(sys.executable).with_name("explore"))
    for asked in ([explore, "-h"], [explore, "search", "--help"], [explore, "--version"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(asked, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (asked, done.stderr)
        assert done.stderr.startswith("error: the disk is full") and done.stderr.count("\n") == 1, done.stderr


def test_a_stdout_that_cannot_encode_a_name_shows_it_escaped(tmp_path: Path, make_repo) -> None:
    """A stdout whose encoding is not UTF-8 (``PYTHONIOENCODING=ascii``, ``PYTHONUTF8=0`` in
    the C locale, a legacy code page) cannot write ``café.py`` nor the ``·`` of a result's
    line: every search with a hit was a UnicodeEncodeError traceback, exit 1. Now what it
    cannot write shows as an escape (as stderr shows it), and the results print."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/café.py": "def parse_config():\n    return 'héllo'\n"})
    explore = str(Path(sys.executable).with_name("explore"))
    # and the C locale with UTF-8 mode off, whose stdout escapes only bytes (surrogateescape): `walk`'s
    # "lines 1–2" was a traceback there
    for env in ({"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}):
        for asked in (["search", str(repo), "where is the config parsed?", "--no-server"], ["walk", str(repo), "ls pkg"],
                      ["walk", str(repo), "read pkg/café.py"]):
            done = subprocess.run([explore, *asked], capture_output=True, timeout=120, env={**os.environ, **env})
            assert done.returncode == 0 and b"Traceback" not in done.stderr, (env, asked, done.stderr.decode())
            # (the C locale reads the name's bytes as ASCII, so escapes each: caf\udcc3\udca9.py)
            assert (b"caf\\xe9.py" if "PYTHONIOENCODING" in env else b"caf") in done.stdout, done.stdout
            assert done.stdout.isascii(), done.stdout


def test_a_closed_stdout_is_a_reader_gone_not_a_silent_success(tmp_path: Path, make_repo) -> None:
    """`explore tasks REPO -o - >&-` said "wrote 3 tasks to stdout" and exited 0, and a search
    exited 0, with nothing written anywhere: a closed stdout now stops the first write as a
    reader gone does (`| head`), exit 141."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    explore = str(Path(sys.executable).with_name("explore"))
    for asked in (["tasks", str(repo), "-o", "-"], ["search", str(repo), "where is the config parsed?", "--json"]):
        done = subprocess.run([explore, *asked], stderr=subprocess.PIPE, text=True, timeout=120,
                              preexec_fn=lambda: os.close(1))  # `>&-`
        assert done.returncode == 141, (asked, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and "wrote" not in done.stderr, done.stderr


def test_a_stderr_that_takes_no_more_loses_the_messages_not_the_results(tmp_path: Path, make_repo) -> None:
    """`explore search … 2>>log` with the log's disk full (here `2>/dev/full`): the spinner's
    last write failed, the error guard's message failed in turn, and every search exited 1
    (nothing found) with no result printed. The messages are lost, as with stderr closed
    (`2>&-`); the results print and the exit codes stand."""
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    explore = str(Path(sys.executable).with_name("explore"))
    for asked, code in ((["search", str(repo), "where is the config parsed?", "--no-server"], 0),
                        (["search", str(repo), "zebra quokka", "--no-server"], 1),
                        (["search", str(tmp_path / "nowhere"), "where is the config parsed?"], 2)):
        with open("/dev/full", "w") as full:
            done = subprocess.run([explore, *asked], stdout=subprocess.PIPE, stderr=full, text=True, timeout=120)
        assert done.returncode == code, (asked, done.returncode, done.stdout)
        assert ("pkg/config.py" in done.stdout) == (code == 0), done.stdout


def test_an_empty_path_option_is_refused_not_read_as_the_current_folder(tmp_path: Path, make_repo,
                                                                         monkeypatch) -> None:
    """`--question-file "$Q"` with Q unset: an empty path is Python's current folder, so every
    path option took "" for `.`: "--question-file .: Is a directory", `eval --plot ""` scored
    everything and then refused `.`, `train --out ""` trained into an empty working folder.
    Each is refused before any work, naming the option, as an empty REPO is."""
    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    monkeypatch.chdir(tmp_path)
    q = "where is the config parsed?"
    for option, args in (("--question-file", ["search", str(repo), "--question-file", ""]),
                         ("--question-file", ["ask", str(repo), "--question-file", ""]),
                         ("--adapter", ["search", str(repo), q, "--adapter", ""]),
                         ("--adapter", ["ask", str(repo), q, "--adapter", ""]),
                         ("--adapter", ["eval", str(repo), "--adapter", ""]),
                         ("--tasks", ["eval", str(repo), "--tasks", ""]),
                         ("--plot", ["eval", str(repo), "--plot", ""]),
                         ("--output", ["tasks", str(repo), "-o", ""]),
                         ("--tasks", ["train", str(repo), "--tasks", ""]),
                         ("--out", ["train", str(repo), "--out", ""]),
                         ("--from", ["train", str(repo), "--from", ""]),
                         ("--adapter", ["serve", str(repo), "--adapter", ""])):
        result = runner.invoke(app, [*args, "--json"] if args[0] != "serve" else args)
        assert result.exit_code == 2 and not result.stdout, (args, result.output)
        assert f"'{option}'" in result.stderr and "empty" in result.stderr, (args, result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"]  # nothing written here


def test_an_empty_model_is_refused_not_taken_for_the_default(tmp_path: Path, make_repo) -> None:
    """`--model "$MODEL"` with MODEL unset walked with the default model, fetched from PyPI
    (93 MB) where it was not cached yet, as if no model had been named; as an empty --rev is,
    it is refused before any work, naming the option."""
    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    for args in (["ask", str(repo), "where is the config parsed?", "--walk", "always", "--no-server", "--json"],
                 ["eval", str(repo), "--policy", "navigator", "--json"], ["train", str(repo), "--sft-steps", "1", "--json"],
                 ["serve", str(repo)]):
        result = runner.invoke(app, [*args, "--model", ""])
        assert result.exit_code == 2 and not result.stdout, (args, result.output)
        assert "'--model'" in result.stderr and "empty" in result.stderr, (args, result.stderr)


def test_ctrl_c_while_the_options_are_read_is_one_line_and_130() -> None:
    """Ctrl-C in the tenth of a second typer takes to read every command's options (before any
    command's error guard runs) printed a 40-line traceback; it is said as an interrupt
    anywhere else is: one line, exit 130. The signal is sent from inside typer's reading."""
    child = ("import os, signal, typer.main\n"
             "signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal's foreground job has it\n"
             "from explore.cli import main\n"
             "read = typer.main.get_command\n"
             "def get_command(app):\n"
             "    os.kill(os.getpid(), signal.SIGINT)\n"
             "    return read(app)\n"
             "typer.main.get_command = get_command\n"
             "main()\n")
    _said_as_interrupted(child)


def _said_as_interrupted(child: str) -> None:
    """``child``, a Python program interrupted by its own Ctrl-C, ran as `explore search -h`:
    one line and exit 130."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", child, "search", "-h"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 130 and not done.stdout, (done.returncode, done.stderr)
    assert done.stderr == "error: interrupted; nothing was left half-written\n", done.stderr


def test_a_working_folder_deleted_under_the_shell_is_said_not_a_traceback(tmp_path: Path, make_repo) -> None:
    """The shell's folder removed under it (a branch switch, an `rm -rf` in another terminal):
    every relative path — `explore search . …`, `tasks … -o t.jsonl` — was a FileNotFoundError
    traceback with no file named, exit 1; with absolute paths git failed ("Unable to read current
    working directory"), and torch did not load. It is said before any work, exit 2."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    gone = tmp_path / "gone"
    gone.mkdir()

    def in_a_deleted_folder() -> None:
        os.chdir(gone)
        os.rmdir(gone)

    explore = str(Path(sys.executable).with_name("explore"))
    for asked in (["search", ".", "where is the config parsed?", "--no-server"], ["tasks", str(repo), "-o", "t.jsonl"],
                  ["search", str(repo), "where is the config parsed?", "--no-server"]):
        gone.mkdir(exist_ok=True)
        done = subprocess.run([explore, *asked], capture_output=True, text=True, timeout=120,
                              preexec_fn=in_a_deleted_folder)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, (asked, done.stderr)
        assert "no longer exists" in done.stderr and not done.stdout, (asked, done.stderr)


def test_the_commands_a_message_gives_paste_whole_with_a_space_in_a_path(tmp_path: Path, make_repo) -> None:
    """A folder missing from the working tree of "my repo" was told `git -C /…/my repo worktree
    add …`, and an MCP client asking outside the served folders `explore serve … --allow /…/my
    other`: the shell reads each as two words. The paths are quoted, as `train`'s `next` is."""
    import shlex

    from explore.sandbox.errors import ExploreError
    from explore.serve import ExploreServer

    repo = make_repo(tmp_path, {"pkg/a.py": "A = 1\n"}, name="my repo")
    result = runner.invoke(app, ["search", str(repo / "old"), "where is A set"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split()).split("`git ")[1].split("`")[0]
    assert shlex.split(said)[:2] == ["-C", str(repo)], said
    other = tmp_path / "my other"
    other.mkdir()
    try:
        ExploreServer(repo, model="tiny-random", allow=[]).client_repo(str(other))  # as `explore serve REPO` starts
    except ExploreError as exc:
        said = str(exc).split("`")[1]
    assert shlex.split(said)[-2:] == ["--allow", str(other)], said


def test_no_git_installed_is_said_in_one_line(tmp_path: Path, make_repo) -> None:
    """A machine without git (a slim container image): every command that opens a repository
    printed GitPython's 60-line "Bad git executable" traceback, exit 1. It says git is needed and
    how to get it, exit 2."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    no_git = tmp_path / "bin"
    no_git.mkdir()
    env = {**os.environ, "PATH": str(no_git)}
    env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    explore = str(Path(sys.executable).with_name("explore"))
    for asked in (["search", str(repo), "where is the config parsed?"], ["walk", str(repo), "ls"],
                  ["tasks", str(repo), "-o", str(tmp_path / "t.jsonl")]):
        done = subprocess.run([explore, *asked], capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, (asked, done.stderr)
        assert "git is not installed" in done.stderr and not done.stdout, (asked, done.stderr)


def test_a_sparse_working_tree_says_what_it_leaves_out(tmp_path: Path, make_repo) -> None:
    """`--worktree` on a sparse checkout walked the files present and said nothing of the
    tracked ones outside its cone, which no answer could name; without --worktree the
    commit is read whole."""
    import subprocess

    repo = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "docs/retry.md": "# Retry back-off\n\nThe back-off doubles per attempt.\n"})
    subprocess.run(["git", "-C", str(repo), "sparse-checkout", "set", "pkg"], check=True, capture_output=True)
    assert not (repo / "docs").exists()
    sparse = runner.invoke(app, ["search", str(repo), "retry back-off", "--worktree", "--no-server", "--json"])
    assert sparse.exit_code == 0, sparse.output
    assert "sparse checkout" in sparse.stderr and "docs/retry.md" not in sparse.stdout
    whole = runner.invoke(app, ["search", str(repo), "retry back-off", "--no-server", "--json"])
    assert "sparse checkout" not in whole.stderr and "docs/retry.md" in whole.stdout


def test_the_python_api_searches_as_the_command_does(tmp_path: Path, make_repo) -> None:
    """`Explorer(repo).search(q)`: the candidate stage alone from Python, the same hits as
    `explore search --json` (embedding search meant shelling out to the CLI), no model loaded."""
    import pytest

    from explore.agent.explorer import EmptyQuestion, Explorer

    repo = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "pkg/net.py": "def fetch(url):\n    return url\n", "README.md": "# Demo\n"})
    explorer = Explorer(repo)
    hits = explorer.search("where is the retry backoff computed?", k=2)
    cli = json.loads(runner.invoke(app, ["search", str(repo), "where is the retry backoff computed?", "-k", "2",
                                         "--json", "--no-server"]).stdout)["hits"]
    assert hits == cli and hits[0]["path"] == "pkg/retry.py"
    assert explorer.search("zzzz qqqq") == []
    index = explorer.env.indexed()[1]  # one index and one stage for every search (its units built once)
    assert explorer.env.indexed()[1] is index and len(index.__dict__["_retriever_stages"]) == 1
    assert explorer._policy is None  # no model loaded
    with pytest.raises(EmptyQuestion):
        explorer.search("???")
    with pytest.raises(Exception, match="k must be"):
        explorer.search("retry", k=0)


def test_a_pasted_link_to_a_file_finds_it_at_its_line(tmp_path: Path, make_repo) -> None:
    """A question that is only a link to a file of the repository was refused as "only a
    link"; it names the file, and its `#L30` where to look."""
    body = "".join(f"x{i} = {i}\n" for i in range(60))
    repo = make_repo(tmp_path, {"src/retry.py": body, "src/other.py": "def retry():\n    pass\n"})
    link = "https://github.com/acme/demo/blob/main/src/retry.py#L30"
    result = runner.invoke(app, ["search", str(repo), link, "--json", "--no-server"])
    assert result.exit_code == 0, result.output
    top = json.loads(result.stdout)["hits"][0]
    assert top["path"] == "src/retry.py" and top["line"] <= 30 < top["line"] + len(top["lines"]), top
    refused = runner.invoke(app, ["search", str(repo), "https://github.com/acme/demo/issues/12", "--no-server"])
    assert refused.exit_code == 1 and "only a link" in refused.output


def test_a_cache_folder_inside_the_repository_is_refused(make_repo, tmp_path: Path, monkeypatch, tree_hash) -> None:
    """``EXPLORE_CACHE=.explore-cache`` inside the repository: explore would write its snapshots
    and blobs there (and a walk of the working tree ranked the cache's own copies), so it is
    refused with exit 2 and nothing is written; a cache folder git ignores is the user's choice."""
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff():\n    return 2\n"})
    before = tree_hash(repo)
    for cache in (repo / ".explore-cache", repo / "pkg" / "cache", repo):
        monkeypatch.setenv("EXPLORE_CACHE", str(cache))
        result = runner.invoke(app, ["search", str(repo), "retry backoff", "--worktree"])
        assert result.exit_code == 2 and "never writes to" in result.output and "EXPLORE_CACHE" in result.output
        assert "inside the repository" in " ".join(result.output.split())
        assert tree_hash(repo) == before
    # a plain folder holding the cache is called a folder, not a repository
    plain = tmp_path / "plain"
    (plain / "cache").mkdir(parents=True)
    (plain / "notes.md").write_text("# retry backoff\n")
    monkeypatch.setenv("EXPLORE_CACHE", str(plain / "cache"))
    result = runner.invoke(app, ["search", str(plain), "retry backoff"])
    assert result.exit_code == 2 and "inside the folder" in " ".join(result.output.split()), result.output
    (repo / ".git" / "info" / "exclude").write_text(".explore-cache/\n")
    monkeypatch.setenv("EXPLORE_CACHE", str(repo / ".explore-cache"))
    result = runner.invoke(app, ["search", str(repo), "retry backoff", "--worktree", "--json"])
    assert result.exit_code == 0, result.output
    assert [h["path"] for h in json.loads(result.stdout)["hits"]] == ["pkg/retry.py"]


def test_a_file_past_the_size_limit_is_said_so_and_exits_2(make_repo, tmp_path: Path, monkeypatch) -> None:
    """A write refused for want of room — a full disk, a quota, or here the file-size limit of
    `ulimit -f` (EFBIG) — is one line that says so and exit 2, not the blob writer's traceback."""
    import resource
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff():\n    return 2\n" + "# padding\n" * 20_000})
    monkeypatch.setenv("EXPLORE_CACHE", str(tmp_path / "cold-cache"))

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    done = subprocess.run([str(Path(sys.executable).with_name("explore")), "search", str(repo), "retry backoff"],
                          capture_output=True, text=True, preexec_fn=small_files)
    assert done.returncode == 2, done.stderr
    assert "size limit" in done.stderr and "Traceback" not in done.stderr


def test_a_file_url_is_taken_as_the_folder_it_names(tmp_path: Path, make_repo, explore_cache) -> None:
    """`explore search file:///tmp/x/r q` (a file manager's "copy link", git's own spelling of a
    local clone) said "no such folder: file:/tmp/x/r". A ``file:`` URL is its folder, its
    escapes (``%20``) read; one of another machine is refused, saying what to give."""
    from urllib.parse import quote

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"}, name="my repo")
    for url in (f"file://{quote(str(repo))}", f"file://localhost{quote(str(repo))}"):
        result = runner.invoke(app, ["search", url, "retry backoff", "--json", "--no-server"])
        assert result.exit_code == 0, (url, result.output)
        assert json.loads(result.stdout)["hits"][0]["path"] == "pkg/retry.py"
    elsewhere = runner.invoke(app, ["search", f"file://buildhost{quote(str(repo))}", "retry backoff"])
    assert elsewhere.exit_code == 2 and "buildhost" in elsewhere.stderr and "local folder" in elsewhere.stderr, \
        elsewhere.stderr


def test_a_stdout_open_for_reading_only_is_said_in_one_line(tmp_path: Path, make_repo, explore_cache) -> None:
    """`explore search r q 1</dev/null` (stdout opened for reading only) was an OSError EBADF
    traceback, exit 1 ("found none"). It is one line on stderr and 141, as a stdout closed
    from the start (`>&-`); the help and --version, written before any command's guard, too."""
    import os
    import subprocess
    import sys

    repo = make_repo(tmp_path, {"pkg/config.py": 'def parse_config():\n    """Parse the config file."""\n'})
    explore = [sys.executable, "-c", "from explore.cli import main; main()"]  # this checkout's (PYTHONPATH kept)
    for asked in (["search", str(repo), "where is the config parsed?", "--no-server"],
                  ["search", str(repo), "where is the config parsed?", "--json", "--no-server"], ["-h"], ["--version"]):
        with open(os.devnull, "rb") as read_only:
            done = subprocess.run(explore + asked, stdout=read_only, stderr=subprocess.PIPE, text=True, timeout=120,
                                  env={**os.environ, "EXPLORE_CACHE": str(explore_cache)})
        assert done.returncode == 141, (asked, done.returncode, done.stderr)
        assert done.stderr.startswith("error: stdout is open for reading only") and done.stderr.count("\n") == 1, \
            (asked, done.stderr)


def test_a_folder_whose_name_starts_with_a_dash_is_told_how_to_name_it(tmp_path: Path, make_repo,
                                                                       explore_cache) -> None:
    """`explore search -repo q`, in a folder holding ``-repo``: click read it as the options
    ``-r -e -p -o`` and said "No such option: -r", nothing more. The message now says how to
    name the folder (``./-repo``, or ``--`` before it); where no folder has that name, the
    option error is told as before."""
    import os
    import subprocess
    import sys

    make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"}, name="-repo")
    explore = [sys.executable, "-c", "from explore.cli import main; main()"]  # this checkout's (PYTHONPATH kept)
    env = {**os.environ, "EXPLORE_CACHE": str(explore_cache)}
    done = subprocess.run(explore + ["search", "-repo", "retry backoff"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "No such option: -r" in done.stderr and "write ./-repo (or put -- before it" in done.stderr, done.stderr
    for named in (["./-repo"], ["--", "-repo"]):  # as it says: they work
        found = subprocess.run(explore + ["search", "--no-server", *named, "retry backoff"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120, env=env)
        assert found.returncode == 0 and "pkg/retry.py" in found.stdout, (named, found.stderr)
    # where no such folder is (inside it): the option error alone
    other = subprocess.run(explore + ["search", "-repo", "retry backoff"], cwd=tmp_path / "-repo",
                           capture_output=True, text=True, timeout=120, env=env)
    assert other.returncode == 2 and "No such option: -r" in other.stderr and "folder" not in other.stderr, \
        other.stderr


def test_ctrl_c_while_the_command_loads_is_one_line_and_130() -> None:
    """Ctrl-C in the first tenth of a second, while the command's modules still load (typer,
    rich, the CLI's own), printed Python's traceback of the import: the installed `explore`
    now starts from a module that loads them inside the same one-line interrupt."""
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="explore")
    assert script.value == "explore._entry:main"  # what `bash install.sh` installs as `explore`
    child = ("import signal, sys\n"
             "signal.signal(signal.SIGINT, signal.default_int_handler)  # as a terminal's foreground job has it\n"
             "class CtrlC:  # the key pressed as typer is imported\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name == 'typer':\n"
             "            raise KeyboardInterrupt\n"
             "sys.meta_path.insert(0, CtrlC())\n"
             "from explore._entry import main\n"
             "main()\n")
    _said_as_interrupted(child)
