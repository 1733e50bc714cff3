"""`explore train --json` through CliRunner: the summary in the JSON envelope, and a bundle
that `ask --adapter` then runs."""
from __future__ import annotations

import json
import re
import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


def test_train_json_then_ask_with_the_bundle(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {
        "retry.py": 'def compute_backoff(attempt):\n    """Exponential delay before the next upload attempt."""\n',
        "cache.py": 'class LRUCache:\n    """Least recently used cache of parsed pages."""\n',
        "install.md": "# Install\n\nRun pip install demo to install it.\n",
    })
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["train", str(repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "2",
                                 "--rl-updates", "1", "--no-reflection", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["version"] == 1 and body["command"] == "train" and body["out"] == str(out)
    # a policy run says what it will do and what it costs before it starts
    assert "policy: SFT 2 steps, RL 1 update of 8 walks" in " ".join(result.stderr.split()), result.stderr
    assert body["adapters"] == {"policy": str(out / "policy")} and body["default_out"] is False
    assert {"env.json", "policy.json", "summary.json"} <= {p.name for p in out.iterdir()}
    on_disk = json.loads((out / "summary.json").read_text())  # what --json printed, less its envelope
    assert on_disk == {k: v for k, v in body.items() if k not in ("version", "command")}
    assert {"default_out", "notes", "next"} <= set(on_disk)
    # the shipped answer weighing (it reads no policy probabilities) comes with every bundle,
    # but not the cut at the first read, measured on the shipped policy's walks alone
    from dataclasses import replace

    from explore.agent.answer import load_weights
    from explore.agent.bundle import NAVIGATOR_DIR

    shipped = load_weights(NAVIGATOR_DIR)
    assert shipped is not None and load_weights(out) == replace(shipped, first_read=False)

    # a folder holding a trained policy is never refitted over by a run with no flags
    again = runner.invoke(app, ["train", str(repo), "--out", str(out)])
    assert again.exit_code == 2 and "already holds a training run" in again.output
    assert (out / "policy").is_dir() and json.loads((out / "summary.json").read_text())["adapters"]

    # no policy stage asked for: the policy --from holds is copied as it is, no model loaded
    kept = tmp_path / "kept"
    copied = runner.invoke(app, ["train", str(repo), "--model", "tiny-random", "--from", str(out), "--sft-steps", "0",
                                 "--rl-updates", "0", "--no-reflection", "--out", str(kept), "--json"])
    assert copied.exit_code == 0, copied.output
    assert json.loads(copied.stdout)["policy"] == {"trained": False, "from": str(out),
                                                   "copied": ["answer.json", "env.json", "policy", "policy.json"],
                                                   "shipped": False}
    assert sorted(p.name for p in (kept / "policy").iterdir()) == sorted(p.name for p in (out / "policy").iterdir())
    assert all((kept / "policy" / p.name).read_bytes() == p.read_bytes() for p in (out / "policy").iterdir())

    asked = runner.invoke(app, ["ask", str(repo), "where is the upload delay computed?", "--adapter", str(out),
                                "--model", "tiny-random", "--max-steps", "3", "--json"])
    assert asked.exit_code in (0, 1), asked.output  # answered or not: the contract says which
    data = json.loads(asked.stdout)
    assert data["adapters"] == {"policy": str(out / "policy")} and data["answered"] is (asked.exit_code == 0)


def test_resume_with_a_hand_broken_run_json_names_the_field(tmp_path: Path, make_repo) -> None:
    """Saved settings are checked against the config's own types: a bad value is exit 2
    with the field named, not a traceback from deep inside the training loop."""
    from explore.training.config import TrainConfig

    repo = make_repo(tmp_path, {"retry.py": "def backoff():\n    pass\n"})
    out = tmp_path / "run"
    out.mkdir()
    config = TrainConfig(model="tiny-random").to_dict()
    config["sft"]["steps"] = "many"
    (out / "run.json").write_text(json.dumps({"repo": str(repo), "config": config}))
    result = runner.invoke(app, ["train", str(repo), "--out", str(out), "--resume"])
    assert result.exit_code == 2, result.output
    assert f"{out / 'run.json'}: config.sft.steps: input should be a valid integer" in result.stderr
    assert "Traceback" not in result.output


def test_train_with_no_flags_fits_the_stage_and_keeps_the_shipped_policy(tmp_path: Path, make_repo,
                                                                        monkeypatch) -> None:
    """One repository, no policy option: the candidate stage's fit within the default budget
    and the shipped navigator's policy copied as it is — no model loaded (pip is kept off
    the network here, so loading the default model would fail the command)."""
    import subprocess

    from explore.agent.bundle import NAVIGATOR_DIR, load_env_config
    from explore.cli.train import DEFAULT_BUDGET_S

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path, {"retry.py": 'def compute_backoff(attempt):\n    """Delay before a retry."""\n'})
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["train", str(repo), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["policy"]["trained"] is False and body["policy"]["from"] == str(NAVIGATOR_DIR)
    assert "qualifying commit" in body["retriever"]["why"]  # one commit: too little history, said so
    assert "0 of 1 commits qualified (left out:" in body["retriever"]["why"]  # and why, as eval says it
    assert body["heldout"] is None  # no fit made: nothing measured, and the key says so for scripts
    assert body["adapters"] == {"policy": str(out / "policy")}
    assert not body.get("eval")  # no policy trained: nothing to compare
    assert (out / "policy" / "adapter_config.json").read_bytes() == \
        (NAVIGATOR_DIR / "policy" / "adapter_config.json").read_bytes()
    assert load_env_config(out) == load_env_config(NAVIGATOR_DIR) and not (out / "reflector").exists()
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["budget"] == DEFAULT_BUDGET_S and run["config"]["sft"]["steps"] == 0
    # after new commits, the same command fits again into the same folder (no --resume needed)
    (repo / "retry.py").write_text('def compute_backoff(attempt):\n    """Delay before the next retry."""\n')
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "Fix the retry delay"], check=True)
    text = runner.invoke(app, ["train", str(repo), "--out", str(out)])
    assert text.exit_code == 0 and "kept as it is" in text.stdout, text.output
    assert "no fit kept" in text.stdout and "--adapter" not in text.stdout  # its folder holds the shipped copy
    # a default run stopped while fitting (Ctrl-C: only its run.json written) is started again the same way
    for path in out.iterdir():
        if path.name != "run.json":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    text = runner.invoke(app, ["train", str(repo), "--out", str(out)])
    assert text.exit_code == 0 and "kept as it is" in text.stdout, text.output
    assert "no fit kept" in text.stdout and "--adapter" not in text.stdout  # its folder holds the shipped copy
    # a run that asks for policy training never replaces it silently
    refused = runner.invoke(app, ["train", str(repo), "--out", str(out), "--sft-steps", "1", "--model", "tiny-random"])
    assert refused.exit_code == 2 and "already holds a training run" in refused.output
    # nor by --resume: it continued the fit-only run with SFT and no RL, where --seed was refused as a change
    resumed = runner.invoke(app, ["train", str(repo), "--out", str(out), "--resume", "--sft-steps", "1",
                                  "--model", "tiny-random"])
    assert resumed.exit_code == 2 and "trained no policy" in resumed.output, resumed.output


def test_ask_takes_the_installed_navigator_over_a_default_runs_copy(tmp_path: Path, make_history_repo,
                                                                    explore_cache: Path, monkeypatch) -> None:
    """A default `explore train` copies the shipped policy beside its fit; `ask` read that copy
    as the repository's own, so after an upgrade a trained repository kept the old navigator.
    The copy is passed over (the fit stays); a policy a run trained or took `--from` is kept."""
    from explore.agent.bundle import adapters_in, default_adapter_dir, find_adapters, shipped_adapters, shipped_copy
    from explore.agent.explorer import Explorer

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_history_repo(tmp_path, commits=48)
    result = runner.invoke(app, ["train", str(repo), "--json"])
    assert result.exit_code == 0, result.output
    own = default_adapter_dir(repo)
    assert "policy" in adapters_in(own) and json.loads((own / "state.json").read_text())["policy"]["shipped"] is True
    assert shipped_copy(own) and find_adapters(repo, None) == {}
    assert find_adapters(repo, own) == adapters_in(own)  # named with --adapter: that folder, as asked
    explorer = Explorer(repo)
    assert explorer.adapters == {k: str(v) for k, v in shipped_adapters().items()} and not explorer.notes
    if (own / "combiner.json").is_file():  # the fit is the repository's still
        assert explorer.fitted == str(own / "combiner.json")
    state = json.loads((own / "state.json").read_text())
    for start, copy in (("/old/venv/lib/python3.11/site-packages/explore/navigator", True), ("/home/me/nav", False)):
        state["policy"] = {"trained": False, "from": start, "copied": ["policy"]}  # a run before "shipped" was written
        (own / "state.json").write_text(json.dumps(state))
        assert shipped_copy(own) is copy and bool(find_adapters(repo, None)) is not copy


def test_a_shallow_clone_is_named_when_its_history_is_too_short(tmp_path: Path, make_repo, monkeypatch) -> None:
    """A clone cut short by --depth: the fit says the clone is shallow, not only that the
    history is too short."""
    import subprocess

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path / "full", {"retry.py": "def backoff():\n    pass\n"})
    for i in range(3):
        (repo / "retry.py").write_text(f"def backoff():\n    return {i}\n")
        subprocess.run(["git", "-C", str(repo), "commit", "-qam", f"Fix the back-off delay {i}"], check=True)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(shallow)], check=True)
    result = runner.invoke(app, ["train", str(shallow), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    why = json.loads(result.stdout)["retriever"]["why"]
    assert "1 qualifying commit:" in why and "the clone is shallow" in why


def test_a_repository_of_one_source_file_says_why_nothing_was_fitted(tmp_path: Path, make_repo, monkeypatch) -> None:
    """Every commit changes the only file: no question has its answer among two candidates,
    so there is nothing to fit — said so, exit 0, the shipped stage stays (it crashed)."""
    import subprocess

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path, {"app.py": "def main():\n    pass\n"})
    for i in range(45):
        with open(repo / "app.py", "a") as fh:
            fh.write(f"# tweak {i}\n")
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam",
                        f"Fix the retry handling when input number {i} is empty"], check=True)
    result = runner.invoke(app, ["train", str(repo), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["retriever"]["fitted"] is body["retriever"]["kept"] is False and "nothing to fit" in body["retriever"]["why"]
    assert not (tmp_path / "out" / "combiner.json").exists()


def test_the_next_command_runs_as_said_for_a_folder_named_with_a_dash(tmp_path: Path, make_repo, monkeypatch) -> None:
    """`explore train ./-repo` said next: `explore ask -repo 'your question'`, which explore
    reads as the option -r ("No such option"): the folder is named as ./-repo."""
    import shlex

    make_repo(tmp_path, {"config.py": 'def parse_config():\n    """Parse the config file."""\n'}, name="-repo")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "./-repo", "--json"])
    assert result.exit_code == 0, result.output
    said = json.loads(result.stdout)["next"].split(" (")[0]
    assert said == "explore ask ./-repo 'your question'", said
    asked = runner.invoke(app, [*shlex.split(said)[1:], "--model", "tiny-random", "--no-server", "--json"])
    assert asked.exit_code in (0, 1), asked.output


def test_a_tasks_file_without_a_policy_stage_is_refused_not_ignored(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"retry.py": "def backoff():\n    pass\n"})
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text('{"id": "a", "question": "where is the back-off?", "targets": ["retry.py"]}\n')
    result = runner.invoke(app, ["train", str(repo), "--tasks", str(tasks), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--sft-steps" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_tasks_from_stdin_is_refused_in_one_line_not_taken_for_a_file_named_dash(tmp_path: Path, make_repo) -> None:
    """`train --tasks -` looked for a file named `-` in the current folder ("no tasks file at
    <cwd>/-") after announcing the policy run; a run records its tasks file to resume from, so
    it asks for a file, in one line, before anything starts."""
    repo = make_repo(tmp_path, {"retry.py": "def backoff():\n    pass\n"})
    line = '{"id": "a", "question": "where is the back-off?", "targets": ["retry.py"]}\n'
    result = runner.invoke(app, ["train", str(repo), "--tasks", "-", "--sft-steps", "1", "--model", "tiny-random",
                                 "--out", str(tmp_path / "out")], input=line)
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert "no tasks file" not in said and "policy:" not in said, said
    assert "--tasks -" in said and "explore tasks" in said and len(result.stderr.strip().splitlines()) == 1, said
    assert not (tmp_path / "out").exists()


def test_the_progress_line_keeps_its_counts_and_eta_on_an_80_column_terminal() -> None:
    """The stage's note is what gives way on a narrow line: before, a long note squeezed the
    bar, the counts and the ETA out of an 80-column terminal (and out of a log's last frame)."""
    import io
    import re

    from rich.console import Console

    from explore.cli.train import TrainProgress
    from explore.training.run import ProgressEvent

    for terminal in (True, False):
        buffer = io.StringIO()
        console = Console(file=buffer, width=80, force_terminal=terminal, color_system=None)
        with TrainProgress(console) as progress:
            progress(ProgressEvent("retriever", 0, 259))
            progress(ProgressEvent("retriever", 100, 259))
            for update in (2, 3):  # a stage's first event has no pace to estimate from
                progress(ProgressEvent("rl", update, 40, metrics={"train/success": 0.4, "train/return": 0.12,
                                                                   "curriculum/max_depth": 3}))
        last = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue()).replace("\r", "\n").splitlines()
        shown = [line for line in last if "candidate stage" in line][-1]
        assert "100/259" in shown and "eta" in shown and len(shown.rstrip()) <= 80, shown
        shown = [line for line in last if "RL (policy)" in line][-1]
        assert "3/40" in shown and "eta" in shown, shown


def test_an_out_folder_of_other_files_or_inside_the_repository_is_refused(tmp_path: Path, make_repo,
                                                                          tree_hash) -> None:
    """`--out` on a folder of someone's files replaced its `policy/` and `env.json` (exit 0),
    `--out` inside the repository wrote into it, and `--out` on a file gave a traceback."""
    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    before = tree_hash(repo)
    theirs = tmp_path / "theirs"
    (theirs / "policy").mkdir(parents=True)
    (theirs / "policy" / "rules.py").write_text("RULES = 1\n")
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me\n")
    for out, words in ((theirs, "not a training run"), (repo / "bundle", "inside the repository"),
                       (a_file, "is a file"), (a_file / "sub", "cannot make --out")):
        result = runner.invoke(app, ["train", str(repo), "--out", str(out)])
        assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output, result.output
    assert (theirs / "policy" / "rules.py").read_text() == "RULES = 1\n" and sorted(os.listdir(theirs)) == ["policy"]
    assert a_file.read_text() == "keep me\n" and tree_hash(repo) == before


def test_a_budget_too_short_keeps_the_earlier_fit_and_resume_fits_again(tmp_path: Path, history_repo: Path,
                                                                        explore_cache: Path) -> None:
    """Run again with a budget that builds nothing, a kept fit was deleted (`search` then
    ranked with the shipped combiner); `--resume` after a stopped fit did nothing, exit 0."""
    out = tmp_path / "bundle"
    first = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--json"])
    assert first.exit_code == 0 and json.loads(first.stdout)["retriever"]["kept"], first.output
    body = json.loads(first.stdout)
    assert body["next"].endswith(f"--adapter {out}") and isinstance(body["notes"], list)
    kept = (out / "combiner.json").read_bytes()
    assert body["combiner"] == str(out / "combiner.json")  # what ranks now, named beside the adapters
    # scoring the fit on commits it learnt from says so, and how many it never saw (a review read a gain there)
    held = body["heldout"]["before"]["n"]
    scored = runner.invoke(app, ["eval", str(history_repo), "--adapter", str(out), "--policy", "retrieve",
                                 "--limit", str(held + 7), "--json"])
    assert scored.exit_code == 0 and json.loads(scored.stdout)["fitted_on"] == 7, scored.output
    said = " ".join(scored.stderr.split())
    assert f"7 of these {held + 7} commits are older" in said and f"--limit {held}" in said, said
    assert json.loads(runner.invoke(app, ["eval", str(history_repo), "--adapter", str(out), "--policy", "retrieve",
                                          "--limit", str(held), "--json"]).stdout)["fitted_on"] == 0
    # its questions' cases gone (a cleared cache, an upgrade of explore): a stored question costs no budget
    shutil.rmtree(explore_cache / "cases")
    short = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--budget", "0.01s"])
    assert short.exit_code == 0 and "the earlier run's fit stays" in short.output, short.output
    # stderr is no terminal here (a CI log): plain lines say how far the fit is, where rich draws no bar
    assert re.search(r"candidate stage \(own history\): \d+/\d+, \d+:\d\d elapsed", first.stderr), first.stderr
    said = " ".join(short.output.split())  # what it took, what a fit takes and the time that takes, not "4 s"
    assert "the time budget (0.01 s) was too short" in said and "give it about --budget" in said, said
    assert (out / "combiner.json").read_bytes() == kept
    # what ranks is said as it is: the earlier fit, with the before/after it was kept on (were: "fitted": false,
    # "heldout": null, the table's row "not fitted" alone)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["retriever"]["fitted"] and summary["retriever"]["earlier_fit_stays"], summary["retriever"]
    assert summary["heldout"]["after"] == body["heldout"]["after"] and "earlier run" in summary["heldout"]["measured_by"]
    assert summary["retriever"]["cut"] == body["retriever"]["cut"]  # eval --adapter still counts what it learnt from
    assert "not fitted again" in said and "stays, and ranks" in said, said
    (out / "combiner.json").unlink()
    scored = runner.invoke(app, ["eval", str(history_repo), "--adapter", str(out), "--policy", "retrieve", "--limit", "5"])
    assert scored.exit_code == 0 and "holds no combiner.json" in " ".join(scored.output.split()), scored.output
    resumed = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--resume", "--budget", "10m",
                                  "--json"])
    assert resumed.exit_code == 0, resumed.output
    assert "heldout" in json.loads(resumed.stdout) and (out / "combiner.json").is_file()
    heldout = json.loads(resumed.stdout)["heldout"]  # a budget long enough tests on all the split holds out
    assert heldout["held_out_by_the_split"] == heldout["before"]["n"] and "--budget" not in resumed.stderr
    # --no-retriever skips the stage and says that the earlier fit goes on ranking (it said nothing)
    kept = (out / "combiner.json").read_bytes()
    skipped = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--no-retriever"])
    assert skipped.exit_code == 0 and "not fitted (--no-retriever)" in skipped.output, skipped.output
    assert "stays in use" in skipped.output and (out / "combiner.json").read_bytes() == kept


def test_sigterm_while_the_candidate_stage_is_fitted_keeps_the_questions_built(tmp_path: Path, explore_cache: Path,
                                                                               make_history_repo) -> None:
    """SIGTERM (`kill`, `timeout 20m explore train`, a cancelled job) ended the process where
    it stood: the history questions built since the store's last write (every 30 s) were
    lost, and the exit status was the signal's, not the README's. It now unwinds as Ctrl-C
    does: the store keeps what was built, and the command exits 143 saying so."""
    import pickle
    import signal
    import subprocess
    import sys
    import time

    # 300 more modules make each question's case cost tens of ms: its 250 questions take
    # seconds, so the signal lands while they are built (without them the run could end first)
    filler = {f"lib/mod_{i}.py": "".join(f"def helper_{i}_{j}(value):\n    return value + {j}\n" for j in range(40))
              for i in range(300)}
    repo = make_history_repo(tmp_path, commits=500, extra=filler)
    command = [str(Path(sys.executable).with_name("explore")), "train", str(repo), "--out", str(tmp_path / "out")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "EXPLORE_CACHE": str(explore_cache), "PIP_NO_INDEX": "1"})
    first = proc.stderr.readline()
    assert "reading the history" in first, first + proc.stderr.read()
    time.sleep(3)  # some of the 250 questions built (the whole run takes about 10 s on 2 cores)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(60) == 143, rest
    assert "terminated (SIGTERM) during the candidate stage's fit" in rest and "Traceback" not in rest, rest  # no checkpoints
    assert "Continue with the same command." in rest, rest
    stores = list((explore_cache / "cases").glob("*.pkl"))
    assert len(stores) == 1
    with stores[0].open("rb") as fh:
        kept = pickle.load(fh)["cases"]
    assert 0 < len(kept) < 250


def test_a_clone_missing_a_file_is_trained_on_what_git_can_read(tmp_path: Path, explore_cache: Path,
                                                                 make_history_repo) -> None:
    """A mirror or partial clone that lacks one old file (a large GIF, say) was refused
    whole: `git log --numstat` could not read the history to its end. Now the older commits
    are read without their line counts, each commit is laid out without the file it lacks,
    the fit runs, and the run says what the missing file cost."""
    import subprocess

    repo = make_history_repo(tmp_path, commits=120)
    git = ["git", "-C", str(repo)]
    old = subprocess.run(git + ["rev-parse", "HEAD~60:pkg/upload.py"], capture_output=True, text=True,
                         check=True).stdout.strip()
    (repo / ".git" / "objects" / old[:2] / old[2:]).unlink()
    result = runner.invoke(app, ["train", str(repo), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["retriever"]["lines_unknown"] > 0 and body["retriever"]["unreadable"] == 0, body["retriever"]
    assert "heldout" in body and f"unable to read {old}" in result.stderr


def test_a_clone_missing_a_file_every_commit_holds_is_trained_without_it(tmp_path: Path, explore_cache: Path,
                                                                        make_history_repo) -> None:
    """A file every commit holds is missing (jason's mirror lacked a benchmark's JSON): the run
    said nothing could be held out and kept the shipped stage; every commit is laid out without
    that file now, and the fit is made and judged as any other."""
    import subprocess

    repo = make_history_repo(tmp_path, commits=60, extra={"NOTICE.txt": "Kept in every commit.\n"})
    blob = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD:NOTICE.txt"], capture_output=True, text=True,
                          check=True).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    result = runner.invoke(app, ["train", str(repo), "--out", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["retriever"]["unreadable"] == 0 and body["heldout"] is not None, body["retriever"]
    assert "could be laid out" not in body["retriever"].get("why", "")


def test_a_default_run_on_a_subfolder_or_a_plain_folder_is_refused(tmp_path: Path, make_history_repo,
                                                                   make_repo) -> None:
    """`explore train repo/pkg` (no policy option) fitted nothing, said so, exited 0 and wrote
    an adapters folder that only copied the shipped policy: a script read it as done. It is
    now refused before anything is written, naming the top folder to give."""
    repo = make_history_repo(tmp_path, commits=5)
    sub = runner.invoke(app, ["train", str(repo / "pkg"), "--out", str(tmp_path / "out")])
    assert sub.exit_code == 2 and f"explore train {repo}" in sub.output, sub.output
    plain = runner.invoke(app, ["train", str(make_repo(tmp_path, {"a.py": "A = 1\n"}, git_init=False, name="plain")),
                                "--out", str(tmp_path / "out")])
    assert plain.exit_code == 2 and "not a git repository" in plain.output, plain.output
    assert not (tmp_path / "out").exists()


def test_the_top_folder_to_train_is_named_so_it_pastes_with_a_space(tmp_path: Path, make_repo) -> None:
    """`explore train "my repo/pkg"` said give `explore train /…/my repo`, which the shell reads as two
    folders: the command is quoted, as `next` is."""
    import shlex

    repo = make_repo(tmp_path, {"pkg/a.py": "A = 1\n"}, name="my repo")
    sub = runner.invoke(app, ["train", str(repo / "pkg"), "--out", str(tmp_path / "out")])
    assert sub.exit_code == 2, sub.output
    said = " ".join(sub.stderr.split()).split("give `")[1].split("`")[0]
    assert shlex.split(said) == ["explore", "train", str(repo)], said


def test_a_repository_with_no_commits_is_refused_by_train_and_eval(tmp_path: Path, explore_cache: Path) -> None:
    """`explore train` on a `git init`ed folder exited 0 ("0 qualifying commits") and wrote an
    adapters folder that then refused a policy run; `eval` exited 1. Both now say it as
    `ask` and `search` do: exit 2, nothing written."""
    import subprocess

    empty = tmp_path / "empty"
    empty.mkdir()
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    trained = runner.invoke(app, ["train", str(empty)])
    assert trained.exit_code == 2 and "no commits" in trained.output, trained.output
    assert not (explore_cache / "adapters").exists() or not any((explore_cache / "adapters").iterdir())
    scored = runner.invoke(app, ["eval", str(empty)])
    assert scored.exit_code == 2 and "no commits" in scored.output and "--tasks" in scored.output


def test_out_in_a_pruned_cache_folder_is_refused(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """`--out $EXPLORE_CACHE/snapshots/new` was taken: `cache list` then showed the run as a
    snapshot and `cache prune` would delete it. Only the cache's adapters/ keeps runs."""
    repo = make_repo(tmp_path, {"pkg/a.py": "def alpha():\n    return 1\n"})
    for inside in ("snapshots/new", "models/x", "."):
        refused = runner.invoke(app, ["train", str(repo), "--out", str(explore_cache / inside)])
        assert refused.exit_code == 2 and "inside explore's cache" in refused.output, refused.output
    assert not (explore_cache / "snapshots" / "new").exists() and not (explore_cache / "models" / "x").exists()


def test_the_summary_shows_a_long_adapter_path_whole(capsys, monkeypatch) -> None:
    """The summary table cut an output path at the terminal's width with "…": the one line
    a user copies to find the adapters."""
    from explore.cli.train import _print_summary

    monkeypatch.setenv("COLUMNS", "80")
    folder = "/tmp/" + "a-rather-long-folder-name/" * 5 + "adapters"
    _print_summary({"out": folder, "adapters": {"policy": folder + "/policy"}, "default_out": False}, Path("/r"))
    shown = capsys.readouterr().out
    assert "…" not in shown
    cells = "".join(line.split("│")[2].strip() for line in shown.splitlines() if line.count("│") == 3)
    assert folder + "/policy" in cells


def test_what_train_says_of_a_losing_fit_another_repositorys_folder_and_a_past_revision(
        tmp_path: Path, history_repo: Path, make_repo, explore_cache: Path) -> None:
    """A kept fit that scores below the shipped stage on the held-out commits said only
    "kept"; `--out` holding another repository's run suggested `--resume`, which was then
    refused; `--rev` into the default folder silently replaced the fit `ask` uses at HEAD."""
    from explore.cli.train import _print_summary

    out = tmp_path / "bundle"
    out.mkdir()
    summary = {"out": str(out), "default_out": False, "policy": {"trained": False, "from": "navigator"},
               "retriever": {"fitted": True, "train": 200, "validation": {"before": {"n": 200, "acc@1": .6, "acc@5": .8},
                                                                           "after": {"n": 200, "acc@1": .65, "acc@5": .8}}},
               "heldout": {"what": "candidate stage on the newest 100 qualifying commits",
                           "before": {"n": 100, "acc@1": .75, "acc@5": .9}, "after": {"n": 100, "acc@1": .73, "acc@5": .9}}}
    (out / "combiner.json").write_text("{}")
    from explore.cli import console

    with console.out.capture() as captured:
        _print_summary(summary, history_repo)
    said = re.sub(r"[\s│]", "", captured.get())  # the table folds its cells
    assert "keptfitscoresbelowtheshippedstage" in said and "bundle/combiner.json" in said, said
    assert "(n100:onequestionis0.01ofit)" in said, said  # how much one question moves the numbers
    # and `--json` says it too (only the numbers did), with the command that asks with the fit
    from explore.cli.train import _next, _notes

    assert len(_notes(summary)) == 1 and "scores below the shipped stage" in _notes(summary)[0]
    assert _notes({**summary, "heldout": {**summary["heldout"], "after": summary["heldout"]["before"]}}) == []
    # and where a short --budget fitted nothing, the earlier fit that stays is still said of (alembic's note went)
    stays = {**summary, "retriever": {"fitted": True, "kept": False, "earlier_fit_stays": True, "why": "--budget 10s"}}
    assert len(_notes(stays)) == 1 and "scores below the shipped stage" in _notes(stays)[0]
    # a gain at acc@1 hid a loss at acc@5 (virtualenv's --budget 10s run: .556/.778 → .593/.741, no note)
    mixed = {**summary, "heldout": {**summary["heldout"], "after": {"n": 100, "acc@1": .78, "acc@5": .85}}}
    assert len(_notes(mixed)) == 1 and "below the shipped stage at acc@5 on the newest 100" in _notes(mixed)[0]
    assert _next(summary, history_repo).endswith(f"--adapter {out}")
    # a fit turned down shows what it would have scored on the held-out commits (gin's .716 against .687 was
    # said only on stderr, the table read "not kept")
    unused = {**summary, "retriever": {**summary["retriever"], "fitted": False},
              "heldout": {**summary["heldout"], "after": summary["heldout"]["before"],
                          "fit_not_kept": {"n": 100, "acc@1": .72, "acc@5": .95}}}
    with console.out.capture() as captured:
        _print_summary(unused, history_repo)
    said = re.sub(r"[\s│]", "", captured.get())
    assert "thefitnotkept,heldoutacc@10.72,acc@50.95" in said, said

    other = make_repo(tmp_path / "other", {"a.py": "def alpha():\n    pass\n"})
    first = runner.invoke(app, ["train", str(history_repo), "--out", str(tmp_path / "run")])
    assert first.exit_code == 0, first.output
    # the history's first commit, by which `--adapter` tells a fit of another repository
    import subprocess

    root = subprocess.run(["git", "-C", str(history_repo), "rev-list", "--max-parents=0", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["retriever"]["roots"] == root
    theirs = runner.invoke(app, ["train", str(other), "--out", str(tmp_path / "run")])
    assert theirs.exit_code == 2 and f"holds a training run on {history_repo}" in " ".join(theirs.output.split()), \
        theirs.output
    # a clone of the same history elsewhere (a moved checkout, a CI workspace) is the same repository: its run
    # fits again there and resumes, where it was refused as "a training run on <the first path>"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(history_repo), str(clone)], check=True)
    again = runner.invoke(app, ["train", str(clone), "--out", str(tmp_path / "run")])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "run" / "run.json").read_text())["roots"] == root
    resumed = runner.invoke(app, ["train", str(history_repo), "--out", str(tmp_path / "run"), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    past = runner.invoke(app, ["train", str(history_repo), "--rev", "HEAD~2"])
    assert past.exit_code == 0 and "now rank with it at every commit" in " ".join(past.stderr.split()), past.output


def test_the_python_api_runs_the_adapters_explore_train_made_as_ask_does(tmp_path: Path, make_repo, explore_cache,
                                                                         monkeypatch) -> None:
    """`Explorer(repo)` ran the shipped navigator where `explore ask repo` ran what `explore
    train` made for it (after an SFT or RL run, another policy): both take the repository's now."""
    from explore.agent.bundle import NAVIGATOR_DIR, default_adapter_dir
    from explore.agent.explorer import Explorer

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path, {"retry.py": 'def compute_backoff(attempt):\n    """Delay before a retry."""\n'})
    assert Explorer(repo).adapters["policy"] == str(NAVIGATOR_DIR / "policy")
    mine = tmp_path / "mine"  # a policy of the user's own (a default run's copy of the shipped one is passed over)
    shutil.copytree(NAVIGATOR_DIR, mine)
    trained = runner.invoke(app, ["train", str(repo), "--from", str(mine), "--rl-updates", "0"])
    assert trained.exit_code == 0, trained.output
    assert Explorer(repo).adapters["policy"] == str(default_adapter_dir(repo.resolve()) / "policy")
    assert Explorer(repo, adapters={}).adapters == {}  # zero-shot, as asked


def test_a_from_folder_without_a_policy_is_refused_before_any_work(tmp_path: Path, history_repo: Path) -> None:
    """`--from` a folder that holds no policy was found after the tasks and the first evaluation,
    and left an --out that neither the fixed command nor --resume could take."""
    out, notbundle = tmp_path / "run", tmp_path / "notbundle"
    notbundle.mkdir()
    for where in (notbundle, tmp_path / "gone"):
        result = runner.invoke(app, ["train", str(history_repo), "--from", str(where), "--sft-steps", "1",
                                     "--rl-updates", "0", "--out", str(out)])
        assert result.exit_code == 2 and "no policy/ adapter inside" in result.output, result.output
        assert not out.exists()


def test_an_interrupt_after_a_checkpoint_says_the_checkpoint_is_kept(tmp_path: Path) -> None:
    """Ctrl-C during the evaluation after SFT's last checkpoint said "before the first checkpoint"."""
    from explore.cli.train import _last_checkpoint

    out = tmp_path / "run"
    assert _last_checkpoint(out) == ""
    (out / "checkpoint").mkdir(parents=True)
    (out / "checkpoint" / "manifest.json").write_text(json.dumps({"stage": "sft", "step": 10, "sha256": "x"}))
    assert _last_checkpoint(out) == "SFT step 10"
    (out / "checkpoint" / "manifest.json").write_text("{torn")
    assert _last_checkpoint(out) == ""


def test_an_evaluation_shows_progress_and_a_second_one_is_timed_anew(tmp_path: Path) -> None:
    """A policy run's two evaluations were a minute of silence each; told per wave now, a second
    evaluation's line counts its own time, not the first's."""
    import io

    from rich.console import Console

    from explore.cli.train import TrainProgress
    from explore.training.run import ProgressEvent

    text = io.StringIO()
    progress = TrainProgress(Console(file=text, force_terminal=False, width=120))
    with progress:
        for done in (8, 16, 20):
            progress(ProgressEvent("eval", done, 20))
        progress.started["eval"] -= 600  # as if the first evaluation took ten minutes
        progress(ProgressEvent("eval", 8, 20))  # the evaluation after SFT
    lines = [line for line in text.getvalue().splitlines() if line.startswith("evaluation")]
    assert lines[0].startswith("evaluation (held-out walks): 8/20") and "20/20" in lines[1]
    assert lines[2].startswith("evaluation (held-out walks): 8/20, 0:00 elapsed"), lines
    assert "eta" not in lines[0] and "eta" not in lines[2], lines  # a stage's first line has no pace to tell by


def test_an_out_folder_that_cannot_be_written_is_said_in_one_line(tmp_path: Path, history_repo: Path) -> None:
    """An empty --out folder that is read-only (chmod 555; for root, chattr +i) failed at its
    first file with a PermissionError traceback, exit 1."""
    import subprocess

    out = tmp_path / "read-only"
    out.mkdir()
    if os.geteuid() == 0:  # root writes through chmod; an immutable folder it cannot
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode:
            import pytest

            pytest.skip("root, and this file system cannot make a folder immutable")
    else:
        out.chmod(0o555)
    try:
        result = runner.invoke(app, ["train", str(history_repo), "--out", str(out)])
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(out)], check=False)
        out.chmod(0o755)
    assert result.exit_code == 2 and "cannot write into --out" in result.output, result.output
    assert "Traceback" not in result.output and os.listdir(out) == []


def test_a_cache_folder_that_cannot_be_written_is_named_as_the_cache(tmp_path: Path, history_repo: Path,
                                                                      monkeypatch) -> None:
    """With no --out, an unwritable cache folder was "cannot make --out …": an option the user
    never passed. It is named as the cache folder, with what to do."""
    import subprocess

    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("EXPLORE_CACHE", str(cache))
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(cache)], capture_output=True).returncode:
            import pytest

            pytest.skip("root, and this file system cannot make a folder immutable")
    else:
        cache.chmod(0o555)
    out = tmp_path / "out"
    try:
        result = runner.invoke(app, ["train", str(history_repo)])
        # --out does not move the cache: it failed at the first commit laid out, leaving a run.json behind
        elsewhere = runner.invoke(app, ["train", str(history_repo), "--out", str(out)])
        scored = runner.invoke(app, ["eval", str(history_repo), "--limit", "2"])  # printed its header on stdout first
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(cache)], check=False)
        cache.chmod(0o755)
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "cannot use the cache folder" in said and "EXPLORE_CACHE" in said, result.output
    assert "--out " not in said.replace("give --out DIR", ""), result.output
    assert elsewhere.exit_code == 2 and "cannot use the cache folder" in " ".join(elsewhere.output.split())
    assert not out.exists(), elsewhere.output
    assert scored.exit_code == 2 and scored.stdout == "" and "cannot use the cache folder" in scored.stderr, scored.output
    assert len(scored.stderr.strip().splitlines()) == 1, scored.stderr


def test_a_repository_named_twice_is_trained_once(tmp_path: Path, make_history_repo) -> None:
    """`explore train webargs ./webargs/` was a corpus of two repositories: a policy run of
    hours (SFT and RL), where one repository's default run fits its candidate stage."""
    import subprocess
    import sys

    repo = make_history_repo(tmp_path, commits=5)
    explore = Path(sys.executable).with_name("explore")
    try:  # in a process of its own: the corpus run it was would run for hours
        result = subprocess.run([str(explore), "train", str(repo), f"{repo}/", "--out", str(tmp_path / "out")],
                                capture_output=True, text=True, timeout=120,
                                env={**os.environ, "EXPLORE_CACHE": str(tmp_path / "cache")})
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"still training after 120 s: {exc.stderr}") from None
    said = " ".join(result.stderr.split())
    assert result.returncode == 0 and "trained once" in said and "policy: SFT" not in said, result.stderr
    assert "kept as it is" in said, result.stderr


def test_a_policy_copy_past_the_size_limit_is_said_so_and_leaves_no_half_copy(tmp_path: Path, make_repo) -> None:
    """`explore train` copying the policy it keeps under `ulimit -f` died with shutil.copytree's
    `shutil.Error` (no errno: the guard let it through), a traceback, exit 1 and a
    `.policy.copy/` left in the run's folder: now the one line a full disk gets, exit 2, and
    the half copy gone; the run's records stay for the same command to finish."""
    import resource
    import subprocess
    import sys

    from explore.agent.bundle import NAVIGATOR_DIR

    repo = make_repo(tmp_path, {"retry.py": "def backoff():\n    return 2\n"})
    out = tmp_path / "run"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (500_000, 500_000))

    done = subprocess.run([str(Path(sys.executable).with_name("explore")), "train", str(repo), "--from",
                           str(NAVIGATOR_DIR), "--sft-steps", "0", "--rl-updates", "0", "--no-reflection", "--out", str(out)],
                          capture_output=True, text=True, preexec_fn=small_files,
                          env={**os.environ, "EXPLORE_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 2, done.stderr
    assert "size limit" in done.stderr and "Traceback" not in done.stderr and str(out / ".policy.copy") in done.stderr
    assert not any(p.name.endswith(".copy") for p in out.iterdir()) and (out / "run.json").is_file()


def test_an_interrupt_before_trainings_stages_says_how_to_go_on(capsys) -> None:
    """Ctrl-C before the candidate stage began said only "interrupted; nothing was left
    half-written" — not, as a stopped stage says, that the same command goes on."""
    import pytest
    import typer

    from explore.cli.console import guard

    def train() -> None:
        raise KeyboardInterrupt

    def search() -> None:
        raise KeyboardInterrupt

    for command, said in ((train, "Continue with the same command"), (search, "")):
        with pytest.raises(typer.Exit) as stopped:
            guard(command)()
        text = " ".join(capsys.readouterr().err.split())
        assert stopped.value.exit_code == 130 and "nothing was left half-written" in text
        assert (said in text) if said else "Continue" not in text, text


def test_resume_of_a_default_run_shows_no_before_after_or_time_of_the_run_before(tmp_path: Path, history_repo: Path,
                                                                                 explore_cache: Path) -> None:
    """`--resume` on a default run's folder fits again, but it kept the earlier run's
    "heldout" and added its fit's seconds to its own: with the fit deleted (as the note says
    to) and a budget too short to fit, summary.json showed the earlier fit's before/after
    (acc@1 → a fit that no longer ranks) beside "fitted": false, where none is to show."""
    out = tmp_path / "bundle"
    first = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--json"])
    assert first.exit_code == 0 and json.loads(first.stdout)["heldout"], first.output
    state = json.loads((out / "state.json").read_text())
    state["seconds"]["retriever"] = 5000.0  # the earlier run's fit took long: none of it is this run's
    (out / "state.json").write_text(json.dumps(state))
    (out / "combiner.json").unlink()  # back to the shipped stage, as the kept-fit note says
    shutil.rmtree(explore_cache / "cases")
    short = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--resume", "--budget", "0.01s",
                                "--json"])
    assert short.exit_code == 0, short.output
    body = json.loads(short.stdout)
    assert not body["retriever"]["fitted"] and body["combiner"] is None, body["retriever"]
    assert body["heldout"] is None, body["heldout"]
    assert body["seconds"]["retriever"] < 5000, body["seconds"]
    assert json.loads((out / "summary.json").read_text())["heldout"] is None


def test_a_no_retriever_run_keeps_what_the_earlier_fit_learnt_from(tmp_path: Path, history_repo: Path,
                                                                   make_history_repo) -> None:
    """`--no-retriever` into a folder holding a fit leaves the fit ranking, but its summary.json
    lost the fit's cut and roots: `eval --adapter` then said the fit learnt from none of the
    commits it was trained on, and `search --adapter` on another repository ranked with it
    instead of refusing it (exit 2)."""
    out = tmp_path / "bundle"
    first = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--json"])
    assert first.exit_code == 0 and json.loads(first.stdout)["retriever"]["kept"], first.output
    fitted = json.loads(first.stdout)
    skipped = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--no-retriever", "--json"])
    assert skipped.exit_code == 0 and (out / "combiner.json").is_file(), skipped.output
    body = json.loads(skipped.stdout)
    assert body["retriever"]["fitted"] and body["retriever"]["earlier_fit_stays"], body.get("retriever")
    assert body["retriever"]["cut"] == fitted["retriever"]["cut"]
    assert body["retriever"]["roots"] == fitted["retriever"]["roots"]
    assert body["heldout"]["after"] == fitted["heldout"]["after"] and "earlier run" in body["heldout"]["measured_by"]
    held = fitted["heldout"]["before"]["n"]
    scored = runner.invoke(app, ["eval", str(history_repo), "--adapter", str(out), "--policy", "retrieve",
                                 "--limit", str(held + 7), "--json"])
    assert scored.exit_code == 0 and json.loads(scored.stdout)["fitted_on"] == 7, scored.output
    other = make_history_repo(tmp_path / "other", commits=3, extra={"other.py": "x = 1\n"})  # its own first commit
    refused = runner.invoke(app, ["search", str(other), "token", "--adapter", str(out)])
    assert refused.exit_code == 2 and "fitted to the history of" in " ".join(refused.output.split()), refused.output


def test_the_bar_keeps_its_eta_when_the_fit_re_estimates_its_total() -> None:
    """The candidate stage's total is re-estimated as its questions finish (what the budget
    allows), and rich drops a bar's pace when its total changes: on a terminal the ETA read
    -:--:-- after every question that moved the total (half the frames of a 12 s fit)."""
    import io
    import time

    from rich.console import Console

    from explore.cli.train import TrainProgress
    from explore.training.run import ProgressEvent

    console = Console(file=io.StringIO(), width=120, force_terminal=True, color_system=None)
    with TrainProgress(console) as progress:
        for done in range(1, 6):
            progress(ProgressEvent("retriever", done, 100 + done))  # each question moved the plan by one
            time.sleep(0.02)
        bar = progress.bars.tasks[0]
        assert bar.total == 105 and bar.completed == 5
        assert bar.time_remaining is not None and bar.time_remaining > 0


def test_a_cache_that_cannot_keep_the_questions_built_is_said(tmp_path: Path, history_repo: Path,
                                                              explore_cache: Path) -> None:
    """A full or read-only cache costs the next run its stored questions, never this run's fit:
    the fit stands, and the run says the cache kept nothing (a `kill -9` or the next run after
    new commits builds every question again)."""
    explore_cache.mkdir(parents=True, exist_ok=True)
    (explore_cache / "cases").write_text("a file where the questions' folder goes")  # no folder can be made there
    out = tmp_path / "bundle"
    done = runner.invoke(app, ["train", str(history_repo), "--out", str(out), "--json"])
    assert done.exit_code == 0, done.output
    body = json.loads(done.stdout)
    assert body["heldout"]["before"]["n"] and body["retriever"]["cache_not_saved"], body["retriever"]
    assert any("could not keep" in note for note in body["notes"]), body["notes"]
    assert (explore_cache / "cases").is_file()  # what was there is left as it was
    table = runner.invoke(app, ["train", str(history_repo), "--out", str(tmp_path / "again")])
    assert table.exit_code == 0 and "could not keep" in " ".join(table.output.split()), table.output


def test_the_plain_eta_is_paced_by_the_steps_since_the_clock_started() -> None:
    """A stage's clock starts at its first event: pacing by all its steps, the first one's
    included, put the time left short by (done - 1) / done (the 3rd of 5 questions 10 s after
    the 1st: 5 s a question, 10 s left, where three steps in 10 s said 6 s)."""
    import io

    from rich.console import Console

    from explore.cli.train import TrainProgress
    from explore.training.run import ProgressEvent

    text = io.StringIO()
    progress = TrainProgress(Console(file=text, force_terminal=False, width=120))
    with progress:
        progress(ProgressEvent("retriever", 1, 5))
        progress.started["retriever"] -= 10  # ten seconds since its first question
        progress.said_at["retriever"] -= 600
        progress(ProgressEvent("retriever", 3, 5))
    lines = [line for line in text.getvalue().splitlines() if "3/5" in line]
    assert lines and lines[0].endswith("eta 0:10"), text.getvalue()
