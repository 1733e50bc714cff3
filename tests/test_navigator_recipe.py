"""The navigator's recipe scripts (benchmarks/): publishing keeps the answer weighing, and
two policies' recorded walks are compared on the questions both hold."""
from __future__ import annotations

import argparse
import importlib
import io
import json
import sys
from pathlib import Path

import pytest
from rich.console import Console

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
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True, first_read=True,
                            statements=AnswerWeights(policy=0.0, stage=1.0, bm25=0.25))
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
    assert "fitted on the statements alone: policy 0.0, candidate stage 1.0, BM25 0.25" in card


def test_walks_are_compared_on_the_questions_both_records_hold(tmp_path: Path, scripts) -> None:
    fit_answer = scripts("fit_answer")
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "b"}) + "\n" + json.dumps({"id": "c"}) + "\n")
    rows = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert [r["id"] for r in fit_answer.same_questions(rows, other)] == ["b", "c"]
    assert fit_answer.same_questions(rows, None) == rows


def test_statements_get_their_own_weights_where_the_fit_chooses_others(tmp_path: Path, scripts) -> None:
    """The grid runs on every question and on the statements alone; commit messages whose
    changed file the stage ranks first, and generated questions that BM25 answers, part the
    two fits."""
    fit_answer = scripts("fit_answer")
    stage_right = {"kind": "real", "question": "Fix the retry loop when the server closes the connection early",
                   "targets": ["pkg/retry.py"], "walk": "pkg/retry.py", "reads": [], "answer_p": {},
                   "stage": [["pkg/retry.py", 9.0], ["pkg/other.py", 8.9]], "bm25": [["pkg/other.py", 9.0]]}
    bm25_right = {"kind": "generated", "question": "Where is the upload helper?", "targets": ["pkg/other.py"],
                  "walk": "pkg/other.py", "reads": [], "answer_p": {},
                  "stage": [["pkg/retry.py", 9.0], ["pkg/other.py", 8.9]], "bm25": [["pkg/other.py", 9.0]]}
    records = tmp_path / "records.jsonl"
    records.write_text("".join(json.dumps(dict(r, id=str(i))) + "\n"
                               for i, r in enumerate([stage_right] * 6 + [bm25_right] * 6)))
    result = fit_answer.fit(argparse.Namespace(records=records, same_as=None), Console(file=io.StringIO()))
    weights = result["weights"]
    assert weights.statements is not None and result["forms"]["statements"]["n"] == 6
    assert result["per_kind"] == {"generated": 1.0, "real": 1.0}
