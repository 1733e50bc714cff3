"""What a reflector's note costs in `ask`, and the most a first note could add to the candidate stage.

    .venv/bin/python benchmarks/bench_note.py latency [--repo /work/repos/click] [--adapter DIR]
        [--questions 6] [--tokens 16,32,60] [--torch-tokens 60]
    .venv/bin/python benchmarks/bench_note.py bound [--split train|eval] [--per-repo 25]
        [--weights 1,2,4,8] [--json FILE]

**latency** — the reflector's notes on real observations: the first observations of walks
of ``--questions`` of the repository's latest commit subjects (``walk always``, no notes),
each reflected by transformers + peft (:class:`~explore.agent.reflector.LoRAReflector`, how
`ask --reflector lora` wrote notes before) and by the numpy runtime
(:class:`~explore.agent.runtime.RuntimeReflector`: greedy, one token a step against the
key/value cache, the prompt's keys and values kept for the next note) at each of
``--tokens`` note lengths. The reflector is ``--adapter``'s ``reflector/`` (a bundle `explore
train --reflection` wrote); without one the base model writes the notes — the latency is
the same, and an untrained model runs to the length limit, the slowest case. One untimed
note on each path first (the memory-mapped weights read in). Prints the
median seconds a note, tokens a note and seconds a token, and the ratio to transformers at
the same length, measured in the same run; the two paths' notes are compared word for word.

**bound** — what any first note restricted to the question's own words can add to the
candidate stage, measured with a teacher that knows the answer: of the question's tokens,
the five that the answer file holds and the stage's first three wrong files do not (ties
broken by rarity in the repository) are added to the query ``w`` times more, and the stage
ranks again (the shipped combiner, as `explore search`). History questions (commit messages
on their parents), ``--split train`` (the training projects) or ``eval``; prints acc@1 /
recall@5 / recall@10 without and with the note for each ``--weights``. A learned note writer
can only do worse than this teacher, which reads the answer.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI does, before torch loads

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_latency import questions as latest_subjects  # noqa: E402
from bench_real import ROOT, load_recipe, questions  # noqa: E402


# -- latency -------------------------------------------------------------------------------

class Recording:
    """A reflector that writes no note and keeps the observations it was shown."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def reflect(self, prompts: list[str], *, kind: str) -> list[str]:
        self.seen += list(prompts)
        return ["" for _ in prompts]


def timed(reflector: Any, observations: list[str]) -> tuple[list[str], list[float]]:
    notes, seconds = [], []
    for obs in observations:
        t0 = time.perf_counter()
        notes.append(reflector.reflect([obs], kind="analyze")[0])
        seconds.append(time.perf_counter() - t0)
    return notes, seconds


def latency(args: argparse.Namespace) -> dict:
    from explore.agent.bundle import adapters_in
    from explore.agent.explorer import Explorer
    from explore.agent.models import DEFAULT_MODEL, load_adapters, model_folder, new_lora, resolve_model
    from explore.agent.reflector import LoRAReflector
    from explore.agent.runtime import RuntimeReflector, load_runners, runtime_threads

    import torch

    recording = Recording()
    explorer = Explorer(args.repo, reflector=recording, walk="always", max_steps=3)
    for q in latest_subjects(args.repo, args.questions):
        explorer.ask(q)
    observations = recording.seen[:: max(1, len(recording.seen) // args.questions)][: args.questions]
    print(f"{args.repo.name}: {len(observations)} observations of {len(recording.seen)} "
          f"(median {statistics.median(len(o) for o in observations)} characters); threads: numpy "
          f"{runtime_threads()}, torch {torch.get_num_threads()}")

    folder = model_folder(DEFAULT_MODEL)
    adapters = adapters_in(args.adapter) if args.adapter else {}
    reflector_dir = adapters.get("reflector")
    print(f"reflector: {reflector_dir or 'the base model (no --adapter with reflector/)'}")
    runners, tokenizer = load_runners(folder, {"reflector": reflector_dir})
    loaded = resolve_model(str(folder))
    model = load_adapters(loaded, {"reflector": reflector_dir}) if reflector_dir else new_lora(loaded, "reflector")
    # one untimed note each first: the memory-mapped weights are read in, torch's kernels set up
    RuntimeReflector(runners["reflector"], tokenizer, max_new_tokens=4).reflect(observations[:1], kind="analyze")
    LoRAReflector(model, loaded.tokenizer, adapter="reflector", max_new_tokens=4).reflect(observations[:1], kind="analyze")
    tokens_of = lambda note: len(tokenizer.encode(note, add_special_tokens=False))  # noqa: E731
    report: dict = {"repo": str(args.repo), "reflector": str(reflector_dir or ""), "rows": []}
    print(f"{'path':<34} {'tokens':>6} {'s/note p50':>10} {'s/token':>8} {'vs torch':>9}")
    for limit in args.tokens:
        fast = RuntimeReflector(runners["reflector"], tokenizer, max_new_tokens=limit)
        fast_notes, fast_s = timed(fast, observations)
        row: dict[str, Any] = {"max_tokens": limit, "runtime_p50": statistics.median(fast_s),
                               "tokens": statistics.median(tokens_of(n) for n in fast_notes)}
        if limit in args.torch_tokens:
            ref = LoRAReflector(model, loaded.tokenizer, adapter="reflector", max_new_tokens=limit)
            ref_notes, ref_s = timed(ref, observations)
            row.update(torch_p50=statistics.median(ref_s), same_notes=sum(a == b for a, b in zip(ref_notes, fast_notes)))
            print(f"{'transformers + peft, ' + str(limit) + ' max':<34} {row['tokens']:>6} {row['torch_p50']:>10.2f} "
                  f"{row['torch_p50'] / max(row['tokens'], 1):>8.3f} {1:>8.2f}x")
        ratio = f"{row['runtime_p50'] / row['torch_p50']:>8.2f}x" if "torch_p50" in row else f"{'-':>9}"
        print(f"{'numpy runtime, ' + str(limit) + ' max':<34} {row['tokens']:>6} {row['runtime_p50']:>10.2f} "
              f"{row['runtime_p50'] / max(row['tokens'], 1):>8.3f} {ratio}"
              + (f"   (same notes: {row['same_notes']}/{len(observations)})" if "same_notes" in row else ""))
        report["rows"].append(row)
    return report


# -- bound ---------------------------------------------------------------------------------

def teacher_note(idx: Any, query: Any, targets: set[str], wrong: list[str], size: int = 5) -> list[str]:
    """The question's tokens the answer holds and the stage's wrong first files do not, rarest first."""
    where = {f: i for i, f in enumerate(idx.files)}
    held = [idx._contents[where[f]][0] for f in targets if f in where]
    others = [idx._contents[where[f]][0] for f in wrong if f in where]
    n = len(idx.files)
    scored = []
    for token in dict.fromkeys(query.terms):
        if any(c[token] for c in held):
            df = sum(1 for c, _ in idx._contents if c[token])
            rarity = math.log(1 + (n - df + 0.5) / (df + 0.5))
            scored.append((sum(1 for c in others if c[token]), -rarity, token))
    return [token for *_, token in sorted(scored)[:size]]


def each_question(entries: list[dict], per_repo: int, repos_dir: Path):
    """(entry, task, index, stage, query) for each history question of ``entries``' projects,
    each on its own parent commit (the projects' histories read once each)."""
    from explore.retrieval.adapt import history_of
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import Retriever
    from explore.retrieval.term_counts import TermCountIndex

    for entry in entries:
        folder = repos_dir / entry["name"]
        if not folder.is_dir():
            raise SystemExit(f"{folder} is missing: clone {entry['url']} there (see benchmarks/history.toml)")
        t0 = time.perf_counter()
        repo, tasks, _ = questions(entry, folder, per_repo)
        history = history_of(repo, tasks)
        for task in tasks:
            snapshot = repo.snapshot(task.rev)
            if history is not None:
                history.at(snapshot)
            idx = TermCountIndex(snapshot)
            yield entry, task, idx, Retriever(idx), parse(task.question)  # type: ignore[arg-type]
        print(f"  {entry['name']}: {len(tasks)} questions ({time.perf_counter() - t0:.0f} s)", flush=True)


def first_hit(stage: Any, query: Any, targets: set[str]) -> int | None:
    """The rank (1-10) of the stage's first right file for ``query``, or None."""
    return next((r for r, h in enumerate(stage.rank(query, 10), start=1) if h.path in targets), None)


def rows(firsts: dict[str, list[int | None]]) -> dict[str, dict[str, float]]:
    """acc@1 / recall@5 / recall@10 of each column of first ranks, printed as they are made."""
    out = {}
    for name, got in firsts.items():
        n = len(got)
        at = {k: sum(f is not None and f <= k for f in got) / n for k in (1, 5, 10)}
        out[name] = {"acc@1": at[1], "acc@5": at[5], "acc@10": at[10], "n": n}
        print(f"{name:<10} acc@1 {at[1]:.3f}  r@5 {at[5]:.3f}  r@10 {at[10]:.3f}  (n {n})")
    return out


def bound(args: argparse.Namespace) -> dict:
    firsts: dict[str, list[int | None]] = {"stage": [], **{f"note x{w}": [] for w in args.weights}}
    for _entry, task, idx, stage, query in each_question(load_recipe(args.split), args.per_repo, args.repos_dir):
        targets = set(task.targets)
        firsts["stage"].append(first_hit(stage, query, targets))
        wrong = [h.path for h in stage.rank(query, 5) if h.path not in targets][:3]
        note = tuple(teacher_note(idx, query, targets, wrong))
        for w in args.weights:
            firsts[f"note x{w}"].append(first_hit(stage, dataclasses.replace(query, terms=query.terms + note * w),
                                                  targets))
    return {"split": args.split, "per_repo": args.per_repo, "rows": rows(firsts)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="part", required=True)
    lat = sub.add_parser("latency")
    lat.add_argument("--repo", type=Path, default=Path("/work/repos/click"))
    lat.add_argument("--adapter", type=Path, default=None, help="a bundle with reflector/ (default: the base model)")
    lat.add_argument("--questions", type=int, default=6)
    lat.add_argument("--tokens", type=lambda s: [int(x) for x in s.split(",")], default=[16, 32, 60])
    lat.add_argument("--torch-tokens", type=lambda s: [int(x) for x in s.split(",")], default=[60])
    lat.add_argument("--json", type=Path, default=None)
    bnd = sub.add_parser("bound")
    bnd.add_argument("--split", choices=["train", "eval"], default="train")
    bnd.add_argument("--per-repo", type=int, default=25)
    bnd.add_argument("--weights", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8])
    bnd.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    bnd.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = latency(args) if args.part == "latency" else bound(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
