"""The navigator's recipe scripts (benchmarks/): publishing keeps the answer weighing, and
two policies' recorded walks are compared on the questions both hold."""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from explore.agent.answer import AnswerWeights, load_weights, save_weights
from explore.training.config import TrainConfig

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture()
def scripts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield lambda name: importlib.import_module(name)
    for name in ("train_navigator", "fit_answer", "corpus", "bench_real"):
        sys.modules.pop(name, None)


def _run(folder: Path) -> Path:
    (folder / "policy").mkdir(parents=True)
    (folder / "policy" / "adapter_config.json").write_text("{}")
    (folder / "policy" / "adapter_model.safetensors").write_bytes(b"weights")
    config = TrainConfig().to_dict()
    (folder / "env.json").write_text(json.dumps(config["env"]))
    (folder / "policy.json").write_text(json.dumps({"head": "line"}))
    (folder / "run.json").write_text(json.dumps({"config": config, "started": 0, "from": None}))
    (folder / "summary.json").write_text(json.dumps({"seconds": {"sft": 1.0}, "eval": {}, "demos": {}}))
    tasks = [{"source": "history", "meta": {"repo": "httpx", "split": "train"}},
             {"source": "code", "meta": {"repo": "anyio-4.4.0", "split": "test"}}]
    (folder / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return folder


def test_publish_keeps_the_answer_weighing_and_cards_the_real_numbers(tmp_path: Path, scripts, monkeypatch) -> None:
    recipe = scripts("train_navigator")
    navigator = tmp_path / "navigator"
    navigator.mkdir()
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True, first_read=True)
    save_weights(weights, navigator)
    monkeypatch.setattr(recipe, "NAVIGATOR", navigator)
    real = tmp_path / "real.json"
    real.write_text(json.dumps({"per_repo": 40, "reports": {"navigator": {"pooled": {
        "n": 320, "acc@1": 0.653, "acc@5": 0.875, "acc@10": 0.9, "p50_seconds": 0.54}}}}))
    assert recipe.main(["--out", str(_run(tmp_path / "run")), "--publish", "--real-bench", str(real)]) == 0
    assert load_weights(navigator) == weights  # publishing rebuilt the folder and dropped it before
    assert (navigator / "policy" / "adapter_model.safetensors").read_bytes() == b"weights"
    card = (navigator / "MODEL_CARD.md").read_text()
    assert "acc@1 0.653, acc@5 0.875" in card and "the walk answers its first read: True" in card
    assert "`history` tasks are real questions" in card


def test_walks_are_compared_on_the_questions_both_records_hold(tmp_path: Path, scripts) -> None:
    fit_answer = scripts("fit_answer")
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "b"}) + "\n" + json.dumps({"id": "c"}) + "\n")
    rows = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert [r["id"] for r in fit_answer.same_questions(rows, other)] == ["b", "c"]
    assert fit_answer.same_questions(rows, None) == rows
