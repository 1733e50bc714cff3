"""`explore tasks` and `explore eval` through typer's CliRunner."""
from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


def test_help() -> None:
    result = runner.invoke(app, ["tasks", "-h"])
    assert result.exit_code == 0 and "--sources" in result.output
    assert runner.invoke(app, ["eval", "--help"]).exit_code == 0


def test_tasks_then_eval(weather_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "tasks.jsonl"
    result = runner.invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--seed", "2"])
    assert result.exit_code == 0, result.output
    for word in ("code", "docs", "config", "history", "by depth", "wrote"):
        assert word in result.stdout
    lines = out.read_text().splitlines()
    assert lines and all(json.loads(line)["oracle"] for line in lines)

    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(out), "--policy", "oracle", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["version"] == 1 and body["command"] == "eval" and body["n"] == len(lines)
    oracle = body["policies"]["oracle"]  # the same shape for one policy as for many
    assert oracle["policy"] == "oracle" and oracle["n"] == len(lines) and oracle["success"] == 1.0
    for key in ("spl", "mean_steps", "p50_seconds", "by_source", "by_depth"):
        assert key in oracle
    assert "rows" not in oracle
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(out), "--policy", "oracle,bm25",
                                 "--limit", "3", "--json", "--rows"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["policies"]["bm25"]["rows"]
    assert len(rows) == 3 and {"task_id", "success"} <= set(rows[0])

    plot = tmp_path / "p.png"
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(out), "--limit", "6", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert all(p in result.stdout for p in ("oracle", "random", "bm25", "scent", "success by depth"))
    assert plot.is_file()


def test_tasks_json_and_max(weather_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    result = runner.invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--max", "5", "--sources", "code,docs", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["version"] == 1 and body["command"] == "tasks" and body["output"] == str(out)
    assert body["n"] == 5 and set(body["by_source"]) == {"code", "docs"}
    result = runner.invoke(app, ["tasks", str(weather_repo), "-o", "-", "--max", "5", "--sources", "code,docs"])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        json.loads(line)["id"] for line in out.read_text().splitlines()]  # the same tasks, on stdout
    assert "wrote 5 tasks to stdout" in result.stderr
    result = runner.invoke(app, ["tasks", str(weather_repo), "-o", "-", "--json"])
    assert result.exit_code == 2 and "choose one" in result.stderr


def test_eval_split_and_multi_policy_json(weather_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "t.jsonl"
    assert runner.invoke(app, ["tasks", str(weather_repo), "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(out), "--split", "test",
                                 "--policy", "random,bm25", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    n_test = sum(json.loads(line)["meta"]["split"] == "test" for line in out.read_text().splitlines())
    assert body["n"] == n_test and set(body["policies"]) == {"random", "bm25"}
    assert "acc@3" in body["policies"]["bm25"]


def test_errors_exit_2_with_a_message(weather_repo: Path, tmp_path: Path, make_repo) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q", "targets": ["x.py"]}\n{"id": "b", "question": "q", "targets": 3}\n')
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(bad)])
    assert result.exit_code == 2 and "bad.jsonl line 2: field 'targets'" in result.stderr

    empty = make_repo(tmp_path, {"notes.txt": "hi\n"}, git_init=False)
    result = runner.invoke(app, ["tasks", str(empty), "-o", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1 and "no tasks could be generated from" in result.stderr  # ran, made none
    assert not (tmp_path / "x.jsonl").exists()

    # an output that cannot be written is said before generating (minutes on a large repository)
    result = runner.invoke(app, ["tasks", str(empty), "-o", str(tmp_path / "no" / "x.jsonl")])
    assert result.exit_code == 2 and f"no folder {tmp_path / 'no'}" in result.stderr, result.stderr
    result = runner.invoke(app, ["tasks", str(empty), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "it is a folder" in result.stderr, result.stderr

    result = runner.invoke(app, ["tasks", str(weather_repo), "-o", str(tmp_path / "x.jsonl"), "--sources", "nope"])
    assert result.exit_code == 2 and "unknown source(s) 'nope'" in result.stderr

    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "a", "question": "q", "targets": ["weatherkit/cli.py"], "meta": {"split": "train"}}\n')
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(good), "--policy", "gpt"])
    assert result.exit_code == 2 and "unknown policy 'gpt'" in result.stderr
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(good), "--split", "test"])
    assert result.exit_code == 2 and "no tasks in split 'test'" in result.stderr and "train 1" in result.stderr
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(good), "--rows"])  # not silently unused
    assert result.exit_code == 2 and "give --json too" in result.stderr, result.output

    other = tmp_path / "other.jsonl"
    other.write_text('{"id": "a", "question": "q", "targets": ["nowhere.py"]}\n')
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(other)])
    assert result.exit_code == 2 and "none of the 1 tasks has a target" in result.stderr


def test_a_plot_path_that_cannot_be_written_keeps_the_results(weather_repo: Path,
                                                                tmp_path: Path) -> None:
    """The scores are printed before the plot is saved; a bad --plot path is one clear error."""
    tasks = tmp_path / "t.jsonl"
    tasks.write_text('{"id": "a", "question": "Which file defines `backoff_delay`?", '
                     '"targets": ["weatherkit/fetch.py"]}\n')
    plot = tmp_path / "missing" / "dir" / "p.png"
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25",
                                 "--plot", str(plot)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "bm25" in result.stdout and "success by depth" in result.stdout  # the finished results
    assert f"cannot save the plot to {plot}" in result.stderr and "missing" in result.stderr
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25", "--json",
                                 "--plot", str(plot)])
    assert result.exit_code == 2 and list(json.loads(result.stdout)["policies"]) == ["bm25"]
    assert "cannot save the plot" in result.stderr


def test_missing_depth_and_oracle_are_derived_and_a_wrong_oracle_is_refused(weather_repo: Path,
                                                                             tmp_path: Path) -> None:
    """A hand-written task without ``depth``/``oracle`` is scored against its real shortest
    walk (SPL 1 for the oracle, depth 1), not against a two-step walk at depth 0."""
    tasks = tmp_path / "t.jsonl"
    tasks.write_text('{"id": "a", "question": "Which file defines `backoff_delay`?", '
                     '"targets": ["weatherkit/fetch.py"]}\n')
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "oracle", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)["policies"]["oracle"]
    assert body["success"] == 1.0 and body["spl"] == 1.0 and list(body["by_depth"]) == ["1"]

    tasks.write_text('{"id": "a", "question": "Which file defines `backoff_delay`?", '
                     '"targets": ["weatherkit/fetch.py"], "oracle": ["read fetch.py", "answer weatherkit/fetch.py"]}\n')
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25"])
    assert result.exit_code == 2
    assert "task a: its oracle does not replay" in result.stderr and "'read fetch.py' not on offer" in result.stderr


def test_tasks_and_eval_worktree_see_uncommitted_changes(tmp_path: Path, make_repo, tree_hash) -> None:
    """A file added but not committed is asked about with ``tasks --worktree`` and scored with
    ``eval --worktree``; without the flag both take HEAD, say so, and the task is skipped."""
    repo = make_repo(tmp_path, {"weather/fetch.py": '"""Download forecasts from the weather service."""\n\n'
                                                     "def backoff_delay(attempt):\n    return 2 ** attempt\n",
                                "README.md": "# Weather\n\nForecasts in the terminal.\n"})
    (repo / "weather" / "billing.py").write_text('"""Invoices and payment reminders for subscribers."""\n\n'
                                                 "def send_invoice(customer):\n    return customer\n")
    with (repo / "weather" / "fetch.py").open("a") as fh:  # an uncommitted edit as well
        fh.write("\ndef parse_forecast(text):\n    return text.split()\n")
    before = tree_hash(repo)
    made = tmp_path / "wt.jsonl"
    result = runner.invoke(app, ["tasks", str(repo), "--worktree", "-o", str(made), "--sources", "code", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["worktree"] is True and body["rev"] is None and "working tree has changes" not in result.stderr
    rows = [json.loads(line) for line in made.read_text().splitlines()]
    assert any(r["targets"] == ["weather/billing.py"] for r in rows) and all(r["rev"] is None for r in rows)
    assert any("parse_forecast" in r["question"] for r in rows)

    at_head = runner.invoke(app, ["tasks", str(repo), "-o", str(tmp_path / "head.jsonl"), "--sources", "code"])
    assert at_head.exit_code == 0, at_head.output
    assert "the working tree has changes HEAD does not show" in at_head.stderr
    assert "billing.py" not in (tmp_path / "head.jsonl").read_text()
    refused = runner.invoke(app, ["tasks", str(repo), "--worktree", "--rev", "HEAD", "-o", str(tmp_path / "x.jsonl")])
    assert refused.exit_code == 2 and "--rev and --worktree cannot be combined" in refused.stderr

    scored = runner.invoke(app, ["eval", str(repo), "--tasks", str(made), "--worktree", "--policy", "oracle", "--json"])
    assert scored.exit_code == 0, scored.output
    oracle = json.loads(scored.stdout)
    assert oracle["n"] == len(rows) and oracle["skipped"] == 0 and oracle["policies"]["oracle"]["success"] == 1.0

    stale = runner.invoke(app, ["eval", str(repo), "--tasks", str(made), "--policy", "oracle", "--json"])
    assert stale.exit_code == 0, stale.output
    assert "the working tree has changes HEAD does not show" in stale.stderr
    assert "billing.py not found at HEAD; skipped" in stale.stderr and json.loads(stale.stdout)["skipped"] >= 1
    assert tree_hash(repo) == before  # the user's repository is only read


def test_eval_without_tasks_asks_the_repositorys_own_newest_commits(weather_repo: Path, tmp_path: Path,
                                                                    make_repo, commit_all, tree_hash) -> None:
    before = tree_hash(weather_repo)
    result = runner.invoke(app, ["eval", str(weather_repo), "--json", "--rows"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["tasks"] is None and body["questions"] == "history" and "commits qualified" in body["history"]
    counts = body["history_counts"]  # the same as numbers, for a script
    assert counts["qualified"] <= counts["commits"] and sum(counts["left_out"].values()) <= counts["commits"]
    assert f"{counts['qualified']} of {counts['commits']} commits qualified" in body["history"]
    assert set(body["policies"]) == {"bm25", "bm25-code", "retrieve"}  # rankers that load no model
    rows = body["policies"]["retrieve"]["rows"]
    assert body["n"] == len(rows) >= 3
    # a row is read without rebuilding its task: the commit's message, the files it changed, its parent
    import subprocess
    log = subprocess.run(["git", "-C", str(weather_repo), "log", "--format=%H %P%x00%B%x01"], capture_output=True,
                         text=True, check=True).stdout
    by_parent = {head.split()[1]: (head.split()[0], message) for head, message in
                 (entry.strip("\n").split("\x00", 1) for entry in log.split("\x01") if entry.strip())
                 if len(head.split()) == 2}
    for row in rows:
        child, message = by_parent[row["rev"]]
        assert row["question"].split("\n")[0] in message
        changed = subprocess.run(["git", "-C", str(weather_repo), "diff", "--name-only", row["rev"], child],
                                 capture_output=True, text=True, check=True).stdout.split()
        assert row["targets"] and set(row["targets"]) <= set(changed)
    assert "acc@1" in body["policies"]["retrieve"]
    result = runner.invoke(app, ["eval", str(weather_repo), "--limit", "2", "--policy", "retrieve"])
    assert result.exit_code == 0, result.output
    assert "2 real questions" in result.stdout and "newest 2 commits of" in result.stdout
    assert tree_hash(weather_repo) == before  # never written to

    plain = make_repo(tmp_path, {"a.py": "def f():\n    pass\n"}, git_init=False, name="plain")
    result = runner.invoke(app, ["eval", str(plain)])
    assert result.exit_code == 2 and "no history to ask from" in result.stderr and "--tasks" in result.stderr
    for extra, says in ((["--worktree"], "not on the working tree"), (["--split", "test"], "--split picks tasks")):
        result = runner.invoke(app, ["eval", str(weather_repo), *extra])
        assert result.exit_code == 2 and says in result.stderr, result.output
    chores = make_repo(tmp_path, {"a.py": "def f():\n    pass\n"}, message="Initial commit", name="chores")
    (chores / "a.py").write_text("def f():\n    return 1\n")
    commit_all(chores, "wip")
    result = runner.invoke(app, ["eval", str(chores)])
    assert result.exit_code == 1 and "makes a question" in result.stderr and "qualified" in result.stderr


def test_paths_that_look_like_markup_are_printed_as_they_are(weather_repo: Path, tmp_path: Path, make_repo) -> None:
    """A path ``out[/]t.jsonl`` or a file ``tasks[v2].jsonl`` is a path, not rich markup: no
    MarkupError after the work is written, and no name silently cut."""
    (tmp_path / "out[").mkdir()
    written = runner.invoke(app, ["tasks", str(weather_repo), "-o", f"{tmp_path}/out[/]t.jsonl", "--seed", "2"])
    assert written.exit_code == 0, written.output
    named = runner.invoke(app, ["tasks", str(weather_repo), "-o", str(tmp_path / "tasks[v2].jsonl"), "--seed", "2"])
    assert named.exit_code == 0 and "tasks[v2].jsonl" in named.stdout.replace("\n", ""), named.output
    scored = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tmp_path / "tasks[v2].jsonl"),
                                 "--policy", "bm25", "--limit", "3"])
    assert scored.exit_code == 0 and "tasks[v2].jsonl" in scored.stdout, scored.output
    repo = make_repo(tmp_path / "x[/]y", {"retry.py": "def backoff():\n    pass\n"})
    trained = runner.invoke(app, ["train", str(repo), "--out", str(tmp_path / "run[/]"), "--no-retriever"])
    assert trained.exit_code == 0 and "run[/]" in trained.stdout.replace("\n", ""), trained.output


def test_tasks_from_stdin_a_plot_without_a_file_name_and_json_when_nothing_is_made(
        weather_repo: Path, tmp_path: Path, make_repo) -> None:
    """`--tasks -` reads the tasks `explore tasks -o -` pipes (it was refused as no file);
    a --plot folder or name without a suffix is refused after the results (matplotlib wrote
    NAME.png and the command said NAME); --json prints its one object when there is nothing
    to score or write (exit 1 printed nothing)."""
    line = ('{"id": "a", "question": "Which file defines `backoff_delay`?", '
            '"targets": ["weatherkit/fetch.py"]}\n')
    piped = runner.invoke(app, ["eval", str(weather_repo), "--tasks", "-", "--policy", "bm25", "--json"], input=line)
    assert piped.exit_code == 0, piped.output
    assert json.loads(piped.stdout)["n"] == 1
    bad = runner.invoke(app, ["eval", str(weather_repo), "--tasks", "-", "--policy", "bm25"], input="{oops\n")
    assert bad.exit_code == 2 and "stdin line 1" in bad.output
    tasks = tmp_path / "t.jsonl"
    tasks.write_text(line)
    for plot in (tmp_path, tmp_path / "noext"):
        result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25",
                                     "--plot", str(plot)])
        assert result.exit_code == 2 and "success by depth" in result.stdout, result.output
        assert "give a file name ending .png" in result.stderr
    assert not (tmp_path / "noext.png").exists()

    bare = make_repo(tmp_path, {"notes.md": "# Notes\n"})  # one commit, no source file: no question
    result = runner.invoke(app, ["eval", str(bare), "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["n"] == 0
    result = runner.invoke(app, ["tasks", str(bare), "-o", str(tmp_path / "none.jsonl"), "--sources", "history",
                                 "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["n"] == 0, result.output
    made_none = json.loads(result.stdout)  # the shape of a run that made some, and where it looked
    assert made_none["repo"] == str(bare.resolve()) and made_none["by_source"] == {} and "rev" in made_none
    for option, value in (("--max", "0"), ("--max-commits", "-1")):  # the option's name, not a variable's
        result = runner.invoke(app, ["tasks", str(bare), "-o", str(tmp_path / "x.jsonl"), option, value])
        assert result.exit_code == 2 and f"{option} must be" in result.output, result.output


def test_a_task_files_bad_rev_folder_target_unknown_source_and_bom_are_named(weather_repo: Path,
                                                                            tmp_path: Path) -> None:
    """A task at a revision the repository lacks was skipped as "target(s) … not found" (the
    files exist; the revision does not), a folder named as a target as "not found", a source
    no generator writes passed, and a file an editor saved with a BOM was refused in Python's
    words. Each is now said as what it is, and the BOM is read past."""
    target = "weatherkit/cli.py"
    rows = [{"id": "rev", "question": "q", "targets": [target], "rev": "nonsense"},
            {"id": "folder", "question": "q", "targets": ["weatherkit"]},
            {"id": "ok", "question": "where is the command line?", "targets": [target]}]
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("\ufeff" + "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25"])
    assert result.exit_code == 0, result.output
    assert "task rev: its rev 'nonsense' cannot be opened" in result.stderr and "not found" not in result.stderr
    assert "task folder: target(s) weatherkit is a folder at HEAD, not a file; skipped" in result.stderr
    banana = tmp_path / "banana.jsonl"
    banana.write_text(json.dumps({**rows[2], "source": "banana"}) + "\n")
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(banana), "--policy", "bm25"])
    assert result.exit_code == 2 and "field 'source' must be one of code, docs" in result.stderr


def test_the_group_tables_keep_their_counts_in_80_columns(weather_repo: Path, tmp_path: Path) -> None:
    """With seven policies an 80-column terminal (or a pipe) squeezed the by-source and
    by-depth tables until their `n` column was gone whole."""
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"id": "a", "question": "where is the command line?",
                                 "targets": ["weatherkit/cli.py"], "meta": {"split": "test"}}) + "\n")
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy",
                                 "oracle,random,bm25,bm25-code,retrieve,scent,features"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("│ user") or line.startswith("│ 1 ")]
    assert len(rows) == 2 and all(row.split("│")[2].strip() == "1" for row in rows), result.stdout



def test_an_adapter_no_policy_reads_is_said_unused(weather_repo: Path, tmp_path: Path) -> None:
    """`eval --adapter DIR` with only policies that never read it scored without it, silently."""
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"id": "a", "question": "where is the command line?",
                                 "targets": ["weatherkit/cli.py"], "meta": {"split": "test"}}) + "\n")
    (tmp_path / "run").mkdir()
    result = runner.invoke(app, ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25,bm25-code",
                                 "--adapter", str(tmp_path / "run")])
    assert result.exit_code == 0 and "--adapter is read by --policy navigator and retrieve only" in result.stderr, \
        result.output


def test_eval_retrieve_with_an_adapter_ranks_with_its_fitted_combiner(weather_repo: Path, tmp_path: Path) -> None:
    """`explore train` printed a before/after, but `eval --adapter <its folder> --policy
    retrieve` scored the shipped combiner all the same: nothing showed what the fit does."""
    from explore.agent.bundle import COMBINER_FILE
    from explore.retrieval.combiner import FEATURES, Combiner

    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"id": "a", "question": "where is the command line?",
                                 "targets": ["weatherkit/cli.py"], "meta": {"split": "test"}}) + "\n")
    run = tmp_path / "run"
    run.mkdir()
    args = ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "retrieve", "--json"]
    shipped = json.loads(runner.invoke(app, args).stdout)["policies"]["retrieve"]["acc@1"]
    docs_only = Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES} | {"file_score": 0.1})
    (run / COMBINER_FILE).write_text(json.dumps(docs_only.to_dict()))
    fitted = runner.invoke(app, [*args, "--adapter", str(run)])
    assert fitted.exit_code == 0, fitted.output
    assert shipped == 1.0 and json.loads(fitted.stdout)["policies"]["retrieve"]["acc@1"] == 0.0
    assert json.loads(fitted.stdout)["adapter"] == str(run.resolve())
    text = runner.invoke(app, args[:-1] + ["--adapter", str(run)])  # the table says which ranking it scored
    assert text.exit_code == 0 and f"with {run}" in " ".join(text.stdout.split()), text.output
    # the navigator on commit messages never walks: said, where a bundle's adapters looked scored
    from explore.cli.eval import _adapter_said

    said = " ".join(_adapter_said(tmp_path, ["navigator"], history=True))  # a folder with no combiner.json
    assert "settled from the candidate stage without a walk" in said and "combiner.json" not in said
    assert "without a walk" not in " ".join(_adapter_said(run, ["navigator"], history=False))
    # a typo, or a folder with no combiner, scored the shipped stage as if it were the fit (exit 0)
    typo = runner.invoke(app, [*args, "--adapter", str(tmp_path / "rnu")])
    assert typo.exit_code == 2 and "no such folder" in typo.stderr, typo.output
    empty = tmp_path / "empty"
    empty.mkdir()
    bare = runner.invoke(app, [*args, "--adapter", str(empty)])
    assert bare.exit_code == 2 and "no combiner.json inside" in bare.stderr, bare.output


def test_tasks_and_eval_refuse_to_write_into_the_repository(tmp_path: Path, make_repo, tree_hash) -> None:
    """`tasks . -o ./t.jsonl` and `eval . --plot ./p.png` wrote into the repository they read
    (`train --out` inside it was refused): now both are refused before any work, exit 2."""
    repo = make_repo(tmp_path, {"pkg/a.py": '"""Parse the settings."""\n\ndef parse(text):\n    return text\n'})
    before = tree_hash(repo)
    tasks = runner.invoke(app, ["tasks", str(repo), "-o", str(repo / "t.jsonl")])
    assert tasks.exit_code == 2 and "never writes to" in tasks.output, tasks.output
    made = tmp_path / "t.jsonl"
    assert runner.invoke(app, ["tasks", str(repo), "-o", str(made)]).exit_code == 0
    plotted = runner.invoke(app, ["eval", str(repo), "--tasks", str(made), "--plot", str(repo / "p.png")])
    assert plotted.exit_code == 2 and "never writes to" in plotted.output, plotted.output
    assert tree_hash(repo) == before


def test_the_table_says_under_a_millisecond_rather_than_zero() -> None:
    """BM25's 0.3 ms a question read `ms 0/0`, as if it had not been timed; and a p90 of 0.5 ms
    (rounded to even) read "0" beside a p50 of "<1"."""
    from explore.cli.eval import _ms

    assert _ms(0.0003) == "<1" and _ms(0.0005) == "<1" and _ms(0.0015) == "2" and _ms(0.1234) == "123"
    assert [_ms(s / 10_000) for s in range(20)] == ["<1"] * 10 + ["1"] * 5 + ["2"] * 5  # never below a smaller one


def test_the_policy_table_keeps_every_number_whole_in_80_columns() -> None:
    """jotai's `explore eval` read `ms 142/2…` in 80 columns; with the navigator's seconds beside
    three rankings its steps read "ste…" too."""
    from rich.console import Console

    from explore.cli.eval import _eval_table

    def row(policy: str, p50: float, p90: float) -> dict:
        return {"policy": policy, "n": 300, "success": .567, "acc@1": .567, "acc@3": .8, "acc@5": .9, "spl": .5,
                "mean_steps": 12.25, "invalid_rate": 0.0, "p50_seconds": p50, "p90_seconds": p90}

    console = Console(width=80, record=True)
    console.print(_eval_table([row("bm25", .0003, .0004), row("bm25-code", .0003, .0005), row("retrieve", .142, .2113),
                               row("navigator", 14.2, 123.311)], "newest 300 commits of jotai (real questions)", None))
    text = console.export_text()
    assert "…" not in text and "14200/123311" in text and "steps" in text and "12.25" in text, text


def test_tasks_on_stdin_are_read_as_strictly_as_a_file(weather_repo: Path) -> None:
    """`--tasks -` took Latin-1 bytes a file of the same bytes is refused for (stdin's own
    decoding, surrogateescape under a C locale, let them through into the questions), and a
    closed stdin ended in an AttributeError's traceback and exit 1, "ran, found nothing"."""
    import os
    import subprocess
    import sys

    explore = str(Path(sys.executable).with_name("explore"))
    command = [explore, "eval", str(weather_repo), "--tasks", "-", "--policy", "bm25"]
    env = {**os.environ, "LC_ALL": "C"}
    latin = ('{"id": "a", "question": "Which file defines backoff_delay? caf\xe9", '
             '"targets": ["weatherkit/fetch.py"]}\n').encode("latin-1")
    done = subprocess.run(command, input=latin, capture_output=True, env=env)
    assert done.returncode == 2, done.stderr
    assert b"stdin: not UTF-8 text" in done.stderr and not done.stdout
    closed = subprocess.run(command, capture_output=True, env=env, preexec_fn=lambda: os.close(0))
    assert closed.returncode == 2 and b"Traceback" not in closed.stderr, closed.stderr
    assert b"stdin is closed" in closed.stderr
    good = latin.decode("latin-1").encode("utf-8")  # the same task in UTF-8 is read, as from a file
    done = subprocess.run(command, input=good, capture_output=True, env=env)
    assert done.returncode == 0, done.stderr


def test_a_policy_named_twice_is_scored_once(weather_repo: Path, tmp_path: Path) -> None:
    """`--policy bm25,bm25` printed two table rows while --json's `policies` held one."""
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps({"id": "a", "question": "where is the command line?",
                                 "targets": ["weatherkit/cli.py"], "meta": {"split": "test"}}) + "\n")
    args = ["eval", str(weather_repo), "--tasks", str(tasks), "--policy", "bm25,oracle, bm25"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert list(json.loads(result.stdout)["policies"]) == ["bm25", "oracle"]
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert sum(line.split()[:1] == ["bm25"] for line in table.stdout.replace("│", " ").splitlines()) == 1, table.stdout


def test_tasks_write_into_a_process_substitution(weather_repo: Path) -> None:
    """`explore tasks REPO -o >(gzip > t.gz)`: the shell's /dev/fd/63 is a link to a pipe, which
    the link-following took for a file named `pipe:[…]` in /dev/fd, so the command failed with
    "cannot write /dev/fd/63: No such file or directory". The pipe is written into."""
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    explore = str(Path(sys.executable).with_name("explore"))
    proc = subprocess.Popen([explore, "tasks", str(weather_repo), "-o", f"/dev/fd/{write}", "--max", "5"],
                            pass_fds=(write,), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as pipe:
        lines = pipe.read().splitlines()
    _out, said = proc.communicate(timeout=120)
    assert proc.returncode == 0, said
    assert len(lines) == 5 and all(json.loads(line)["question"] for line in lines), lines


def test_tasks_refuses_an_output_that_is_a_symlink_loop_and_leaves_it(weather_repo: Path, tmp_path: Path) -> None:
    """`explore tasks REPO -o loop1` with ``loop1 -> loop2 -> loop1`` wrote its tasks over the
    link, a regular file in its place, and exited 0. The loop names no file: said before
    generating, exit 2, the links left as they were."""
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    result = runner.invoke(app, ["tasks", str(weather_repo), "-o", str(tmp_path / "loop1")])
    assert result.exit_code == 2 and "symlink loop" in result.stderr, result.output
    assert os.readlink(tmp_path / "loop1") == "loop2" and os.readlink(tmp_path / "loop2") == "loop1"
