"""Where training runs: ``--device`` read and checked, and batches moved to the model's
device where they enter it. This machine has no GPU: a model on torch's ``meta`` device
stands for one in :func:`on_device` (tensors must follow the weights), and a GPU asked for
is refused before any work."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from explore.agent.encoding import autocast, model_device, on_device
from explore.cli import app
from explore.training.config import TrainConfig, comparable
from explore.training.run import TrainError
from explore.training.stages import pick_device

runner = CliRunner()


def test_batches_follow_the_weights_to_their_device() -> None:
    on_meta = torch.nn.Linear(3, 2, device="meta")
    moved = on_device(on_meta, {"input_ids": torch.ones(2, 3, dtype=torch.long), "use_cache": False, "past": None})
    assert moved["input_ids"].device.type == "meta" and moved["input_ids"].dtype == torch.long
    assert moved["use_cache"] is False and moved["past"] is None
    on_cpu = torch.nn.Linear(3, 2)
    ids = torch.ones(2, 3)
    assert on_device(on_cpu, {"x": ids})["x"] is ids  # already there: the same tensor, no copy
    assert model_device(torch.nn.Module()).type == "cpu"  # no weights at all
    with autocast(on_cpu, True):
        assert torch.is_autocast_enabled("cpu")
    with autocast(on_cpu, False):
        assert not torch.is_autocast_enabled("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this test is of a machine without a GPU")
def test_device_choice_on_a_machine_without_a_gpu() -> None:
    assert pick_device("auto") == torch.device("cpu") == pick_device("CPU")
    with pytest.raises(TrainError, match=r"--device cuda: no CUDA GPU is visible to torch .*use --device cpu"):
        pick_device("cuda")
    with pytest.raises(TrainError, match="no CUDA GPU"):
        pick_device("cuda:1")
    with pytest.raises(TrainError, match="expected auto, cpu, cuda or cuda:N"):
        pick_device("tpu")


def test_a_run_resumes_on_another_device() -> None:
    assert comparable(TrainConfig(device="cuda")) == comparable(TrainConfig(device="cpu"))
    assert TrainConfig.from_dict({k: v for k, v in TrainConfig().to_dict().items() if k != "device"}).device == "auto"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this test is of a machine without a GPU")
def test_a_gpu_asked_for_is_refused_before_any_work(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    out = tmp_path / "out"
    refused = runner.invoke(app, ["train", str(repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "1",
                                  "--device", "cuda"])
    assert refused.exit_code == 2 and "no CUDA GPU is visible" in " ".join(refused.output.split()), refused.output
    assert not out.exists()  # said before the candidate stage's fit, not after it
    spelt = runner.invoke(app, ["train", str(repo), "--out", str(out), "--sft-steps", "1", "--device", "gpu"])
    assert spelt.exit_code == 2 and "expected auto, cpu, cuda or cuda:N" in spelt.output, spelt.output
    ran = runner.invoke(app, ["train", str(repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "1",
                              "--rl-updates", "0", "--no-reflection", "--no-retriever", "--device", "cpu", "--eval-tasks", "0",
                              "--json"])
    assert ran.exit_code == 0, ran.output
    config = json.loads((out / "run.json").read_text())["config"]
    assert config["device"] == "cpu" and config["eval_tasks"] == 0
    summary = json.loads(ran.stdout)
    assert summary["device"] == "cpu" and not summary["eval"]  # no held-out walks were asked for
