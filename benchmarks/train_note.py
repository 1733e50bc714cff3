"""The reflector's first note, trained for real questions and measured on the candidate stage.

    .venv/bin/python benchmarks/train_note.py collect [--per-repo 150] [--out runs/note/data.jsonl]
    .venv/bin/python benchmarks/train_note.py train [--data runs/note/data.jsonl] [--steps 300]
        [--out runs/note/reflector]
    .venv/bin/python benchmarks/train_note.py score --adapter runs/note/reflector --split val|eval
        [--per-repo 40] [--weights 1,2,4,8] [--weight W] [--json FILE]

A real question (a bug report, a commit message) is mostly prose around the few words
that name the code. Here the reflector's first note is a list of those words: the
reflector (a LoRA on the default model, as `explore train --reflection` makes) reads the
question and writes at most five of its words; the candidate stage then ranks with those
words counted ``w`` more times in its query.

* **collect** — the teacher's notes on the training projects' history questions (commit
  messages on their parents): the question's words whose tokens the changed files hold and
  the stage's first three wrong files do not, rarest first (what ``bench_note.py bound``
  adds, as words), restricted to what the question says.
* **train** — the reflector LoRA (top 8 blocks and the head, as the navigator's) on the
  notes of all training projects but the last four of ``history.toml``'s training list
  (kept for ``--split val``), completion-only cross-entropy, batch 8.
* **score** — notes written greedily on the numpy runtime (seconds a note reported), only
  their words that the question holds kept, and the stage without and with them: acc@1 /
  recall@5 / recall@10. ``--split val`` is the four held-out training projects (choose
  ``w`` there); ``--split eval`` the evaluation projects, scored once with the chosen
  ``--weight``.

Measured (README, "The reflector in `ask`"): held-out training projects .762 → .756 at
``w`` 1 (the best), evaluation projects .688 → .684: the learned note is not shipped.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_note import each_question, first_hit, rows, teacher_note  # noqa: E402
from bench_real import ROOT, load_recipe  # noqa: E402

INSTRUCTION = ("Which words of this request name the code that has to change? "
               "List at most five of its words, most telling first.")
MAX_QUESTION_CHARS = 1000
VAL_PROJECTS = 4


def note_prompt(question: str) -> str:
    return f"Request:\n{question.strip()[:MAX_QUESTION_CHARS]}\n\n{INSTRUCTION}"


def words_for(question: str, tokens: list[str]) -> list[str]:
    """The question's words (as written) that carry ``tokens``, in the tokens' order."""
    from explore.sandbox.index import IDENTIFIER, identifier_tokens

    words = list(dict.fromkeys(IDENTIFIER.findall(question)))
    out: list[str] = []
    for token in tokens:
        word = next((w for w in words if token in identifier_tokens(w)), None)
        if word is not None and word not in out:
            out.append(word)
    return out


def kept_words(note: str, question: str) -> list[str]:
    """The note's words that the question holds, each once, in the note's order: a note may
    only point into the question (the teacher's are restricted to it; a learned one repeats
    and invents words)."""
    from explore.sandbox.index import IDENTIFIER

    held = set(IDENTIFIER.findall(question))
    return [w for w in dict.fromkeys(w.strip() for w in note.split(",")) if w in held]


def projects(split: str) -> list[dict]:
    train = load_recipe("train")
    if split == "train":
        return train[:-VAL_PROJECTS]
    if split == "val":
        return train[-VAL_PROJECTS:]
    return load_recipe("eval")


def collect(args: argparse.Namespace) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w") as out:
        for entry, task, idx, stage, query in each_question(load_recipe("train"), args.per_repo, args.repos_dir):
            targets = set(task.targets)
            wrong = [h.path for h in stage.rank(query, 5) if h.path not in targets][:3]
            words = words_for(task.question, teacher_note(idx, query, targets, wrong))
            out.write(json.dumps({"repo": entry["name"], "question": task.question, "note": ", ".join(words)}) + "\n")


def train(args: argparse.Namespace) -> None:
    import torch

    from explore.agent.models import DEFAULT_MODEL, new_lora, resolve_model, save_adapter
    from explore.agent.policy import format_chat
    from explore.training.sft import lora_targets

    keep = {e["name"] for e in projects("train")}
    rows = [r for r in map(json.loads, args.data.open()) if r["repo"] in keep and r["note"]]
    random.Random(0).shuffle(rows)
    loaded = resolve_model(DEFAULT_MODEL)
    tok = loaded.tokenizer
    model = new_lora(loaded, "reflector", r=16, alpha=32, target_modules=lora_targets(loaded.model, layers=8))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr)
    end = tok.eos_token or "<|im_end|>"
    examples = []
    for r in rows:
        prompt = tok(format_chat(tok, note_prompt(r["question"])), add_special_tokens=False)["input_ids"]
        target = tok(r["note"] + end, add_special_tokens=False)["input_ids"]
        examples.append((prompt, target))
    print(f"{len(examples)} examples from {len(keep)} projects; {args.steps} steps of {args.batch}", flush=True)
    model.train()
    t0 = time.perf_counter()
    losses: list[float] = []
    for step in range(args.steps):
        batch = [examples[(step * args.batch + i) % len(examples)] for i in range(args.batch)]
        width = max(len(p) + len(t) for p, t in batch)
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        ids = torch.full((len(batch), width), pad)
        labels = torch.full((len(batch), width), -100)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, (p, t) in enumerate(batch):
            seq = p + t
            ids[i, :len(seq)] = torch.tensor(seq)
            labels[i, len(p):len(seq)] = torch.tensor(t)
            mask[i, :len(seq)] = 1
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 20 == 0 or step + 1 == args.steps:
            done = time.perf_counter() - t0
            print(f"  step {step + 1}/{args.steps}: loss {statistics.mean(losses[-20:]):.3f} "
                  f"({done:.0f} s, ETA {done / (step + 1) * (args.steps - step - 1):.0f} s)", flush=True)
    save_adapter(model, "reflector", args.out)
    print(f"wrote {args.out}")


def score(args: argparse.Namespace) -> None:
    from explore.agent.models import DEFAULT_MODEL, model_folder
    from explore.agent.policy import format_chat
    from explore.agent.runtime import RuntimeReflector, load_runners
    from explore.sandbox.index import tokenize

    runners, tok = load_runners(model_folder(DEFAULT_MODEL), {"reflector": args.adapter})
    writer = RuntimeReflector(runners["reflector"], tok, max_new_tokens=args.max_tokens)
    weights = [args.weight] if args.weight else args.weights
    firsts: dict[str, list[int | None]] = {"stage": [], **{f"note x{w}": [] for w in weights}}
    seconds, examples = [], []
    for _entry, task, _idx, stage, query in each_question(projects(args.split), args.per_repo, args.repos_dir):
        targets = set(task.targets)
        t0 = time.perf_counter()
        note = writer.generate(tok(format_chat(tok, note_prompt(task.question)), add_special_tokens=False)["input_ids"])
        seconds.append(time.perf_counter() - t0)
        kept = kept_words(note, task.question)
        if len(examples) < 8:
            examples.append((task.question.splitlines()[0][:100], note, kept))
        firsts["stage"].append(first_hit(stage, query, targets))
        extra = tuple(tokenize(" ".join(kept)))
        for w in weights:
            firsts[f"note x{w}"].append(first_hit(stage, dataclasses.replace(query, terms=query.terms + extra * w),
                                                  targets))
    for q, note, kept in examples:
        print(f"  {q!r} -> {note!r} (kept: {', '.join(kept)})")
    n = len(seconds)
    report: dict = {"split": args.split, "adapter": str(args.adapter), "note_s_p50": statistics.median(seconds),
                    "note_s_p90": sorted(seconds)[int(0.9 * (n - 1))]}
    print(f"note: p50 {report['note_s_p50']:.2f} s, p90 {report['note_s_p90']:.2f} s a question")
    report["rows"] = rows(firsts)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="part", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--per-repo", type=int, default=150)
    c.add_argument("--out", type=Path, default=ROOT / "runs" / "note" / "data.jsonl")
    c.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, default=ROOT / "runs" / "note" / "data.jsonl")
    t.add_argument("--steps", type=int, default=300)
    t.add_argument("--batch", type=int, default=8)
    t.add_argument("--lr", type=float, default=3e-4)
    t.add_argument("--out", type=Path, default=ROOT / "runs" / "note" / "reflector")
    s = sub.add_parser("score")
    s.add_argument("--adapter", type=Path, required=True)
    s.add_argument("--split", choices=["val", "eval"], default="val")
    s.add_argument("--per-repo", type=int, default=40)
    s.add_argument("--weights", type=lambda v: [int(x) for x in v.split(",")], default=[1, 2, 4, 8])
    s.add_argument("--weight", type=int, default=None, help="score one weight (the one chosen on --split val)")
    s.add_argument("--max-tokens", type=int, default=24)
    s.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    s.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    {"collect": collect, "train": train, "score": score}[args.part](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
