"""`explore train`: adapters, metrics, plots; exact resume; Ctrl-C; corrupt checkpoints."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from explore.cli import app
from explore.training import checkpoint as ckpt
from explore.training.config import RLConfig, SFTConfig, TrainConfig, comparable
from explore.training.pipeline import OutputExists, ProgressEvent, TrainingInterrupted, default_adapter_dir, train
from explore.training.report import read_jsonl
from explore.training.tasks import write_tasks

runner = CliRunner()


def light_config(updates: int = 4) -> TrainConfig:
    """A few seconds of training: short episodes, short notes, no held-out evaluation."""
    config = TrainConfig(model="tiny-random", eval_tasks=0, sft=SFTConfig(steps=4, checkpoint_every=2),
                         rl=RLConfig(updates=updates, episodes_per_update=4, reflection_tokens=6, checkpoint_every=3))
    config.env.max_steps = 5
    return config


def strip(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]


#: A flat repository: random walks end in a few steps, which keeps the CLI test fast.
FLAT = {
    "retry.py": 'def compute_backoff(attempt):\n    """Exponential delay before the next upload attempt."""\n',
    "cache.py": 'class LRUCache:\n    """Least recently used cache of parsed pages."""\n',
    "disk.py": 'def write_atomically(path, data):\n    """Write bytes through a temporary file."""\n',
    "install.md": "# Install\n\nRun pip install demo to install it.\n\n# Upgrade\n\nRun pip install -U demo.\n",
}


def test_cli_train_then_resume_grows_metrics(make_repo, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, FLAT)
    out = tmp_path / "adapters"
    args = ["train", str(repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "4"]
    first = runner.invoke(app, [*args, "--rl-updates", "2"])
    assert first.exit_code == 0, first.output
    assert "explore train" in first.output and "adapter: policy" in first.output
    for name in ("policy", "reflector"):
        assert (out / name / "adapter_config.json").is_file() and (out / name / "adapter_model.safetensors").is_file()
    rows = read_jsonl(out / "metrics.jsonl")
    assert [r["update"] for r in rows] == [1, 2]
    assert {"train/success", "train/return", "train/steps", "train/loss", "train/entropy", "train/seconds"} <= set(rows[0])
    assert (out / "training.png").read_bytes()[:4] == b"\x89PNG"

    again = runner.invoke(app, [*args, "--rl-updates", "4", "--resume"])
    assert again.exit_code == 0, again.output
    grown = read_jsonl(out / "metrics.jsonl")
    assert [r["update"] for r in grown] == [1, 2, 3, 4] and grown[:2] == rows
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rl"]["updates"] == 4 and summary["demos"]["negative"] > 0
    assert {"tasks", "demos", "sft", "rl"} <= set(summary["seconds"])

    refused = runner.invoke(app, [*args, "--rl-updates", "4"])
    assert refused.exit_code == 2 and "--resume" in refused.output
    mismatch = runner.invoke(app, [*args, "--rl-updates", "5", "--resume", "--seed", "7"])
    assert mismatch.exit_code == 2 and "seed" in mismatch.output
    other_commit = runner.invoke(app, [*args, "--rl-updates", "5", "--resume", "--rev", "HEAD"])
    assert other_commit.exit_code == 2 and "--rev" in other_commit.output  # not silently the recorded one


def test_an_rl_only_run_trains_and_writes_no_reflector(make_repo, tmp_path: Path) -> None:
    """RL trains the policy alone: an RL-only run wrote a fresh (untrained) reflector into its
    bundle, and `ask` then walked with the base model's notes at ~5x the time by default."""
    import json

    repo = make_repo(tmp_path, FLAT)
    out = tmp_path / "rl-only"
    result = runner.invoke(app, ["train", str(repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "0",
                                 "--rl-updates", "1", "--reflection", "--json"])
    assert result.exit_code == 0, result.output
    assert (out / "policy" / "adapter_config.json").is_file() and not (out / "reflector").exists()
    assert set(json.loads(result.stdout)["adapters"]) == {"policy"}
    assert "no reflector" in " ".join(result.stderr.split()) and "with a reflector" not in result.stderr


def test_interrupted_and_resumed_run_matches_an_uninterrupted_one(small_repo: Path, tmp_path: Path, tasks) -> None:
    tasks_file = tmp_path / "tasks.jsonl"
    write_tasks(tasks, tasks_file)
    whole = train(small_repo, light_config(), out=tmp_path / "whole", tasks_file=tasks_file)
    assert whole.summary["rl"]["updates"] == 4

    out = tmp_path / "pieces"
    stops = [("sft", 3), ("rl", 2)]

    def ctrl_c(event: ProgressEvent) -> None:  # Ctrl-C arrives right after a step completes
        if stops and (event.stage, event.step) == stops[0]:
            stops.pop(0)
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted) as stop:
        train(small_repo, light_config(), out=out, tasks_file=tasks_file, progress=ctrl_c)
    assert (stop.value.stage, stop.value.step) == ("sft", 3)
    saved = ckpt.load(stop.value.checkpoint)  # a valid checkpoint, although step 3 is not a multiple of 2
    assert (saved.stage, saved.step) == ("sft", 3)

    with pytest.raises(TrainingInterrupted) as stop:
        train(small_repo, light_config(), out=out, tasks_file=tasks_file, progress=ctrl_c, resume=True)
    assert (stop.value.stage, stop.value.step) == ("rl", 2)
    assert ckpt.load(out / "checkpoint").step == 2 and (out / "policy" / "adapter_config.json").is_file()
    assert len(read_jsonl(out / "metrics.jsonl")) == 2

    train(small_repo, light_config(), out=out, tasks_file=tasks_file, progress=ctrl_c, resume=True)
    for name in ("sft_metrics.jsonl", "metrics.jsonl"):
        assert strip(read_jsonl(out / name)) == strip(read_jsonl(tmp_path / "whole" / name)), name


def test_resuming_rl_twice_keeps_the_trained_reflector(small_repo: Path, tmp_path: Path, tasks) -> None:
    """The frozen reflector saved with each RL checkpoint is the trained one, also after a
    resume: a second resume must not bring back the freshly loaded adapter."""
    import torch

    tasks_file = tmp_path / "tasks.jsonl"
    write_tasks(tasks, tasks_file)
    train(small_repo, light_config(), out=tmp_path / "whole", tasks_file=tasks_file)
    out = tmp_path / "pieces"
    stops = [("rl", 2), ("rl", 3)]

    def ctrl_c(event: ProgressEvent) -> None:
        if stops and (event.stage, event.step) == stops[0]:
            stops.pop(0)
            raise KeyboardInterrupt

    for resume in (False, True):
        with pytest.raises(TrainingInterrupted):
            train(small_repo, light_config(), out=out, tasks_file=tasks_file, progress=ctrl_c, resume=resume)
    train(small_repo, light_config(), out=out, tasks_file=tasks_file, progress=ctrl_c, resume=True)
    whole, pieces = (ckpt.load(tmp_path / "whole" / "checkpoint"), ckpt.load(out / "checkpoint"))
    assert whole.step == pieces.step == 4 and set(whole.state["frozen"]) == set(pieces.state["frozen"])
    for name, value in whole.state["frozen"].items():
        assert torch.equal(value, pieces.state["frozen"][name]), name
    assert strip(read_jsonl(out / "metrics.jsonl")) == strip(read_jsonl(tmp_path / "whole" / "metrics.jsonl"))


def test_corrupt_checkpoint_is_reported_by_name(small_repo: Path, tmp_path: Path) -> None:
    config = light_config()
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"config": config.to_dict(), "comparable": comparable(config)}))
    ckpt.save(out / "checkpoint", "rl", 2, {"trainer": {"updates": 2}})
    state = out / "checkpoint" / ckpt.STATE
    state.write_bytes(state.read_bytes()[:-7] + b"garbage")
    with pytest.raises(ckpt.CorruptCheckpoint, match="sha256"):
        train(small_repo, config, out=out, resume=True)
    result = runner.invoke(app, ["train", str(small_repo), "--out", str(out), "--resume"])
    assert result.exit_code == 2 and "damaged" in result.output

    (out / "checkpoint" / ckpt.MANIFEST).write_text("{not json")
    with pytest.raises(ckpt.CorruptCheckpoint, match="unreadable"):
        ckpt.load(out / "checkpoint")
    (out / "checkpoint" / ckpt.MANIFEST).unlink()
    with pytest.raises(ckpt.CorruptCheckpoint, match="missing"):
        ckpt.load(out / "checkpoint")


def test_checkpoint_swap_survives_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoint"
    ckpt.save(folder, "rl", 1, {"x": 1})
    ckpt.save(folder, "rl", 2, {"x": 2})
    assert ckpt.load(folder).state == {"x": 2} and not (tmp_path / "checkpoint.old").exists()
    folder.rename(tmp_path / "checkpoint.old")  # died between moving the old one aside and renaming the new in
    assert ckpt.exists(folder) and ckpt.load(folder).step == 2
    # The next save, killed at its first rename, must not have deleted that only copy first.
    code = ("import os, signal, sys; from pathlib import Path; from explore.training import checkpoint as c\n"
            "def hook(frame, event, arg):\n"
            "    if event == 'c_call' and arg is os.rename: os.kill(os.getpid(), signal.SIGKILL)\n"
            "sys.setprofile(hook); c.save(Path(sys.argv[1]), 'rl', 3, {'x': 3})")
    killed = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    assert ckpt.exists(folder) and ckpt.load(folder).step == 2


def test_output_folder_rules(small_repo: Path, tmp_path: Path, explore_cache: Path) -> None:
    where = default_adapter_dir(small_repo)
    assert where.parent == explore_cache / "adapters" and where.name.startswith(small_repo.name + "-")
    assert default_adapter_dir(small_repo) == where != default_adapter_dir(tmp_path)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "run.json").write_text("{}")
    with pytest.raises(OutputExists):
        train(small_repo, light_config(), out=tmp_path / "used")
    missing = runner.invoke(app, ["train", str(small_repo), "--out", str(tmp_path / "nothing"), "--resume"])
    assert missing.exit_code == 2 and "nothing to resume" in missing.output


def test_cli_train_over_a_corpus_of_repositories(make_repo, tmp_path: Path) -> None:
    first = make_repo(tmp_path, FLAT, name="alpha")
    second = make_repo(tmp_path, {"docs/guide.md": "# Guide\n\n## Proxies\n\nContext locals are proxies.\n",
                                  "src/locals.py": 'def proxy(obj):\n    """Wrap obj in a context-local proxy."""\n'},
                       name="beta")
    out = tmp_path / "nav"
    args = ["train", str(first), str(second), "--model", "tiny-random", "--sft-steps", "2", "--rl-updates", "1"]
    refused = runner.invoke(app, args)  # adapters of a corpus belong to no one repository: say where
    assert refused.exit_code == 2 and "--out" in refused.output
    done = runner.invoke(app, [*args, "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    assert {r["meta"]["repo"] for r in rows} == {"alpha", "beta"}
    assert all(r["id"].startswith(r["meta"]["repo"] + ":") for r in rows)
    assert (out / "policy" / "adapter_config.json").is_file() and (out / "env.json").is_file()
    assert json.loads((out / "run.json").read_text())["repo"] == f"{first}; {second}"
    # one of them alone into that folder: said as a run on both together ("a run on A; B, not A" named A
    # on both sides)
    for more in ([], ["--resume"]):
        alone = runner.invoke(app, ["train", str(first), "--model", "tiny-random", "--sft-steps", "2", "--out",
                                    str(out), *more])
        assert alone.exit_code == 2 and "2 repositories together" in alone.output \
            and f"not on {first} alone" in " ".join(alone.output.split()), alone.output
    # the trained navigator, scored as `explore ask` runs it, beside bm25
    scored = runner.invoke(app, ["eval", str(first), "--tasks", str(out / "tasks.jsonl"), "--policy",
                                      "navigator,bm25", "--adapter", str(out), "--model", "tiny-random", "--json"])
    assert scored.exit_code == 0, scored.output
    body = json.loads(scored.output[scored.output.index("{"):])
    nav = body["policies"]["navigator"]
    assert nav["n"] == body["policies"]["bm25"]["n"] > 0 and 1 <= nav["mean_steps"] <= 12 and "acc@5" in nav  # 12: ask's horizon


def test_a_corpus_needs_git_repositories(make_repo, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, FLAT, name="alpha")
    folder = make_repo(tmp_path, FLAT, name="plain", git_init=False)
    result = runner.invoke(app, ["train", str(repo), str(folder), "--model", "tiny-random", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not a git repository" in result.output


def test_runs_start_from_the_shipped_navigator_when_it_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from explore.agent import bundle
    from explore.agent.bundle import save_env_config
    from explore.agent.env import navigator_config
    from explore.training.pipeline import shipped_start

    shipped = tmp_path / "navigator"
    (shipped / "policy").mkdir(parents=True)
    (shipped / "policy" / "adapter_config.json").write_text("{}")
    save_env_config(navigator_config(), shipped)
    monkeypatch.setattr(bundle, "NAVIGATOR_DIR", shipped)  # where an install keeps it
    assert shipped_start(TrainConfig()) == shipped
    assert shipped_start(TrainConfig(from_scratch=True)) is None
    assert shipped_start(TrainConfig(model="tiny-random")) is None  # adapters of another base model
    other = TrainConfig()
    other.env.result_lines = 24  # observations shaped unlike the navigator's training
    assert shipped_start(other) is None
    other = TrainConfig()
    other.env.settings = not other.env.settings  # config files annotated unlike in its training
    assert shipped_start(other) is None
    other = TrainConfig()
    other.env.scent = False  # any field that shapes observations counts, not a hand-kept list
    assert shipped_start(other) is None
    other = TrainConfig()
    other.env.shuffle_labels, other.env.leave_out, other.env.max_steps = True, 0.3, 20  # training-only or horizon
    other.env.rewards.step_cost = 0.5
    assert shipped_start(other) == shipped


def test_resume_may_change_how_fast_not_what_is_trained() -> None:
    """A run saved before a speed setting existed (or with another value) still resumes."""
    config = light_config()
    saved = comparable(config)
    faster = light_config()
    faster.sft.trunk_cache_mb, faster.sft.checkpoint_every, faster.sft.steps = 0, 99, 999
    assert comparable(faster) == saved
    assert "trunk_cache_mb" not in saved["sft"]  # so a run.json written before the setting matches too
    other = light_config()
    other.sft.lr *= 2
    assert comparable(other) != saved


def test_the_policy_head_travels_with_the_adapters(small_repo: Path, tmp_path: Path) -> None:
    """A run writes the head it trained (policy.json); `ask` and runs that continue it use it."""
    from explore.agent.explorer import Explorer
    from explore.agent.bundle import HeadFileError
    from explore.training.pipeline import TrainError

    first = tmp_path / "first"
    config = light_config(updates=0)
    assert config.head == "line"
    train(small_repo, config, out=first)
    assert json.loads((first / "policy.json").read_text()) == {"head": "line"}
    from explore.agent.answer import load_weights
    from explore.agent.bundle import NAVIGATOR_DIR

    shipped, trained = load_weights(NAVIGATOR_DIR), load_weights(first)
    # the shipped weighing comes along, but not the cut at the first read, measured on the shipped walks alone
    assert shipped is not None and trained is not None and not trained.first_read
    assert (trained.stage, trained.bm25, trained.code_only, trained.intent) == \
        (shipped.stage, shipped.bm25, shipped.code_only, shipped.intent)
    assert Explorer(small_repo, model="tiny-random", adapters={"policy": first / "policy"}).policy.head == "line"
    (first / "policy.json").unlink()  # adapters from before the choice: the paper's label head
    assert Explorer(small_repo, model="tiny-random", adapters={"policy": first / "policy"}).policy.head == "label"

    asked = light_config(updates=0)
    asked.head = "line"
    train(small_repo, asked, out=tmp_path / "more", from_dir=first)  # continues the label policy as one
    assert json.loads((tmp_path / "more" / "policy.json").read_text()) == {"head": "label"}
    assert json.loads((tmp_path / "more" / "run.json").read_text())["config"]["head"] == "label"
    resumed = light_config(updates=0)
    resumed.head = "line"  # --resume takes the head of the adapters the run started from, as run.json names them
    train(small_repo, resumed, out=tmp_path / "more", resume=True)
    assert resumed.head == "label"

    (first / "policy.json").write_text("{not json")
    with pytest.raises(HeadFileError, match="policy.json"):
        Explorer(small_repo, model="tiny-random", adapters={"policy": first / "policy"})
    with pytest.raises(TrainError, match="policy.json"):
        train(small_repo, light_config(updates=0), out=tmp_path / "third", from_dir=first)


def test_train_refuses_a_tasks_file_that_eval_refuses(small_repo: Path, tmp_path: Path) -> None:
    """A misspelled field fails `train --tasks` as it fails `eval --tasks`, instead of being dropped."""
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text('{"id": "a", "question": "where is the delay computed?", '
                          '"targets": ["pkg/net/retry.py"], "dpeth": 2}\n')
    result = runner.invoke(app, ["train", str(small_repo), "--tasks", str(tasks_file), "--model", "tiny-random",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "unknown field 'dpeth'" in result.output


def test_an_oracle_that_does_not_replay_here_is_walked_again(small_repo: Path, tmp_path: Path) -> None:
    """`explore tasks` writes oracles for the default observation settings, and `train
    --tasks` replays them under the navigator's (an action cap, another offer): a file `tasks`
    had just written was refused (exit 2, "fix it"), though `eval` takes it. An oracle that
    does not replay here is now walked again — the shortest walk these settings replay — and
    the run says how many; a task whose target is unreachable is left out, counted, not silently."""
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text('{"id": "a", "question": "where is the delay computed?", "targets": ["pkg/net/retry.py"], '
                          '"oracle": ["cd pkg/", "read retry.py", "answer pkg/net/retry.py"]}\n'
                          '{"id": "b", "question": "where is nothing?", "targets": ["pkg/gone.py"]}\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["train", str(small_repo), "--tasks", str(tasks_file), "--model", "tiny-random",
                                 "--out", str(out), "--sft-steps", "1", "--rl-updates", "0", "--no-reflection", "--json"])
    assert "1 oracles did not replay" in result.output and "1 tasks left out" in result.output, result.output
    kept = [json.loads(line) for line in (out / "tasks.jsonl").read_text().splitlines()]
    assert [t["id"] for t in kept] == ["a"] and kept[0]["oracle"][-1] == "answer pkg/net/retry.py"
    assert kept[0]["oracle"] != ["cd pkg/", "read retry.py", "answer pkg/net/retry.py"]


def test_train_never_trains_on_the_held_out_tasks(small_repo: Path, tmp_path: Path) -> None:
    """A tasks file with no train split is refused when its val tasks answer with the test's
    files (val takes the train tasks that share a test target): never trained on the test."""
    tasks_file = tmp_path / "tasks.jsonl"
    tasks_file.write_text('{"id": "a", "question": "where is the delay computed?", "targets": ["pkg/net/retry.py"], '
                          '"meta": {"split": "test"}}\n'
                          '{"id": "b", "question": "where is the back-off?", "targets": ["pkg/net/retry.py"], '
                          '"meta": {"split": "val"}}\n')
    result = runner.invoke(app, ["train", str(small_repo), "--tasks", str(tasks_file), "--model", "tiny-random",
                                 "--out", str(tmp_path / "out"), "--sft-steps", "1"])
    assert result.exit_code == 2 and "without training on the test" in result.output, result.output
    assert not (tmp_path / "out" / "policy").exists()


def test_train_fits_the_candidate_stage_to_the_history_and_ask_uses_it(history_repo: Path, tmp_path: Path, make_repo,
                                                                         explore_cache: Path) -> None:
    """The first stage needs no model: the newest commits held out, the older ones teach
    the combiner; summary.json says before/after; the bundle's combiner.json is what ask
    ranks with. A repository with one commit says why it was not fitted."""
    out = tmp_path / "run"
    args = ["train", str(history_repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "0",
            "--rl-updates", "0"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "held-out: candidate stage" in done.output
    summary = json.loads((out / "summary.json").read_text())
    held = summary["heldout"]
    assert held["before"]["n"] == held["after"]["n"] >= 10 and held["after"]["acc@1"] >= held["before"]["acc@1"]
    assert summary["retriever"]["fitted"] and (out / "combiner.json").is_file()
    assert summary["retriever"]["validation"]["before"]["n"] == summary["retriever"]["train"]  # the training commits alone
    assert "candidate stage fit" in done.output and "each scored by a fit on the other 3" in done.output
    # the keep rule's scores as it compares them, to the question (.825 → .820 read "0.82 → 0.82", as a tie did)
    val = summary["retriever"]["validation"]
    assert f"acc@1 {val['before']['acc@1']:.3f} → {val['after']['acc@1']:.3f}, acc@5 {val['before']['acc@5']:.3f}" \
        in " ".join(done.output.split()), done.output
    assert "retriever" in summary["seconds"]
    second = runner.invoke(app, args[:5] + [str(tmp_path / "r5"), *args[6:]])  # its questions were built before
    assert second.exit_code == 0, second.output
    n = summary["retriever"]["train"] + held["before"]["n"]
    assert f"({n} of the questions made by an earlier run)" in second.output and "history questions" in second.output
    again_summary = json.loads((tmp_path / "r5" / "summary.json").read_text())
    assert again_summary["heldout"] == held and again_summary["retriever"]["reused"] == n

    from explore.agent.explorer import Explorer
    from explore.agent.policy import ScriptedPolicy
    from explore.agent.reflector import NoReflector

    explorer = Explorer(history_repo, policy=ScriptedPolicy(lambda p, labels: labels[0]), reflector=NoReflector(),
                        adapters={"policy": out / "policy"})
    assert explorer.retriever is not None and explorer.retriever.combiner is not None

    single = make_repo(tmp_path / "one", FLAT)
    again = runner.invoke(app, ["train", str(single), "--model", "tiny-random", "--out", str(tmp_path / "r2"),
                                "--sft-steps", "0", "--rl-updates", "0"])
    assert again.exit_code == 0, again.output
    assert "not fitted" in again.output and not (tmp_path / "r2" / "combiner.json").exists()

    import shutil

    shutil.rmtree(explore_cache / "cases")  # stored questions cost a budget nothing: none stored, it builds them
    hurried = runner.invoke(app, args[:5] + [str(tmp_path / "r3"), *args[6:], "--budget", "0.001s"])
    assert hurried.exit_code == 0, hurried.output
    said = " ".join(hurried.output.split())
    assert "not fitted: the time budget (0.001 s) was too short: it built 0 of the" in said, said
    assert json.loads((tmp_path / "r3" / "run.json").read_text())["config"]["budget"] == 0.001
    bad = runner.invoke(app, args[:5] + [str(tmp_path / "r4"), *args[6:], "--budget", "ten minutes"])
    assert bad.exit_code == 2 and "not a duration: try 10m" in bad.output


def test_a_torn_metrics_line_is_dropped_before_rows_are_appended(tmp_path: Path) -> None:
    """A kill (or a full disk) mid-append leaves half a row: a resume rewrites the file to
    its whole rows, so the rows it appends are not glued onto the fragment and lost."""
    from explore.training.report import append_jsonl, truncate_jsonl

    path = tmp_path / "metrics.jsonl"
    path.write_text('{"update": 1, "loss": 0.5}\n{"update": 2, "loss": 0.4}\n{"update": 3, "lo')
    truncate_jsonl(path, 2)
    append_jsonl(path, {"update": 3, "loss": 0.3})
    assert [r["update"] for r in read_jsonl(path)] == [1, 2, 3]
    truncate_jsonl(path, 2)  # more rows than kept: the extra goes
    assert [r["update"] for r in read_jsonl(path)] == [1, 2]


def test_a_checkpoint_the_disk_cannot_hold_is_named_and_the_previous_one_stays(tmp_path: Path) -> None:
    """Writing past what the file system allows (a full disk; here a file-size limit, which
    fails the same writes): a named error that says what to do, the earlier checkpoint
    intact, no half-written folder left beside it."""
    script = (
        "import resource, signal, sys, torch\n"
        "from explore.training import checkpoint as ckpt\n"
        "folder = __import__('pathlib').Path(sys.argv[1])\n"
        "ckpt.save(folder, 'rl', 1, {'x': torch.zeros(10)})\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.RLIM_INFINITY))\n"
        "try:\n"
        "    ckpt.save(folder, 'rl', 2, {'x': torch.zeros(100_000)})\n"
        "except ckpt.CheckpointError as exc:\n"
        "    print('refused:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "checkpoint")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "refused: cannot write the checkpoint" in done.stdout and "previous checkpoint stays" in done.stdout
    assert ckpt.load(tmp_path / "checkpoint").step == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint"]


def test_more_sft_steps_on_resume_are_evaluated_again(small_repo: Path, tmp_path: Path, tasks) -> None:
    """A resume that asks for more SFT steps measures the held-out tasks again after them:
    the summary described the shorter run's policy."""
    tasks_file = tmp_path / "tasks.jsonl"
    tasks[-1].meta["split"] = "test"
    write_tasks(tasks, tasks_file)
    config = light_config(updates=0)
    config.eval_tasks, config.sft.steps = 2, 2
    out = tmp_path / "run"
    said: list[str] = []
    train(small_repo, config, out=out, tasks_file=tasks_file)
    config.sft.steps = 4
    train(small_repo, config, out=out, tasks_file=tasks_file, resume=True,
          progress=lambda e: said.append(e.message or ""))
    assert any("evaluating after_sft" in m for m in said), said
    assert len(read_jsonl(out / "sft_metrics.jsonl")) == 4


def test_a_bad_tasks_file_is_refused_before_any_work_and_resume_takes_the_fixed_one(
        small_repo: Path, tmp_path: Path, monkeypatch) -> None:
    """A tasks file with a syntax error was read only after the candidate stage's fit (minutes
    on a large history), and `--resume --tasks fixed.jsonl` then read the first, bad file
    again — saved relative, so from another folder "no tasks file at bad.jsonl". Now the file
    is read first, saved whole, and a run stopped before its tasks were read takes the file
    given; once read, the run's tasks stay its own (another file is refused)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.jsonl").write_text('{"id": "a", "question": "where is the delay computed?", '
                                        '"targets": ["pkg/net/retry.py"]}\n{not json\n')
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "a", "question": "where is the delay computed?", "targets": ["pkg/net/retry.py"]}\n')
    out = tmp_path / "out"
    args = ["train", str(small_repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "1",
            "--rl-updates", "0", "--no-reflection"]
    bad = runner.invoke(app, [*args, "--tasks", "bad.jsonl"])
    assert bad.exit_code == 2 and "bad.jsonl line 2" in bad.output and "retriever" not in bad.output, bad.output
    fixed = runner.invoke(app, [*args, "--tasks", str(good)])  # nothing of the bad run is left to resume
    assert fixed.exit_code == 0, fixed.output
    assert json.loads((out / "run.json").read_text())["tasks_file"] == str(good.resolve())
    other = runner.invoke(app, [*args, "--tasks", "bad.jsonl", "--resume"])
    assert other.exit_code == 2 and "not bad.jsonl" in other.output, other.output
