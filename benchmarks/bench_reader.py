"""Does reading the code help the candidate stage? The base model's query likelihood as a reranker.

The stage's misses on real questions are code files that every signal it weighs ranks
below another code file (``bench_adapt.py --misses``); telling them apart needs reading
the code. This measures the cheapest reading there is, with no training: for each of the
stage's first ``--k`` files, the 40-line window ``ask`` would show (``best_window``) is
given to the base model (SmolLM2-135M, as a plain causal LM on torch) followed by
"A commit message for a change to this code:", and the question's mean token
log-likelihood after it is the file's reading score. The stage's score plus ``w`` times
that score reranks the files; ``w`` is chosen on one half of the projects and scored on
the other, both ways.

Questions: training projects' commits that neither the shipped combiner (their newest 50)
nor ``answer.json`` (their newest 30) learnt from: ``--skip`` newest skipped, the next
``--per-repo``. Rows go to ``--out`` (JSON lines) as they finish, so a run resumes.

    python benchmarks/bench_reader.py --only httpx,urllib3,trio --out runs/reader-a.jsonl
    python benchmarks/bench_reader.py --only anyio,markdown,tqdm --out runs/reader-b.jsonl
    python benchmarks/bench_reader.py --score runs/reader-a.jsonl runs/reader-b.jsonl
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_real import ROOT, load_recipe  # noqa: E402

PROMPT = "Code:\n{snippet}\n\nA commit message for a change to this code:\n"
WINDOW = 40
WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


def window(snapshot, path: str, question: str) -> str:
    """The ``WINDOW`` lines of ``path`` that ``ask`` would show for ``question``."""
    from explore.sandbox.index import best_window

    lines = (snapshot.text(path) or "").splitlines()
    first = best_window(lines, question, WINDOW) - 1 if lines else 0
    return "\n".join(lines[first:first + WINDOW])


def offers(repos_dir: Path, split: str, names: list[str], skip: int, n: int, k: int, done: set[tuple[str, int]]):
    """Each project's history questions after its newest ``skip`` (the next ``n``), posed on
    their parents, with the candidate stage's first ``k`` files: ``(project, i, questions
    of the project, task, snapshot, hits)``, skipping the ``(project, i)`` in ``done``."""
    from explore.retrieval.adapt import history_of
    from explore.retrieval.retriever import Retriever
    from explore.retrieval.term_counts import TermCountIndex
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import newest_questions

    recipe = {e["name"]: e for e in load_recipe(split)}
    for name in names:
        repo = Repository(repos_dir / name)
        tasks, _ = newest_questions(repo, skip + n, recipe[name]["commit"])
        tasks = tasks[skip:]
        history = history_of(repo, tasks)
        for i, task in enumerate(tasks):
            if (name, i) in done:
                continue
            snapshot = repo.snapshot(task.rev)
            if history is not None:
                history.at(snapshot)
            yield name, i, len(tasks), task, snapshot, Retriever(TermCountIndex(snapshot)).rank(task.question, k)


def done_rows(out: Path) -> set[tuple[str, int]]:
    """The ``(project, i)`` a JSON-lines file of rows already holds: a run resumes after them."""
    if not out.is_file():
        return set()
    return {(r["repo"], r["q"]) for r in map(json.loads, out.read_text().splitlines())}


def collect(args: argparse.Namespace) -> int:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from explore.agent.models import model_folder

    torch.set_num_threads(args.threads)
    folder = model_folder()
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()

    def likelihood(snippet: str, question: str) -> float:
        prompt = tok(PROMPT.format(snippet=snippet), return_tensors="pt").input_ids[:, -700:]
        asked = tok(question[:400], return_tensors="pt").input_ids[:, :80]
        with torch.no_grad():
            logits = model(torch.cat([prompt, asked], 1)).logits[0, prompt.shape[1] - 1:-1]
        return float(torch.log_softmax(logits.float(), -1).gather(1, asked[0][:, None]).mean())

    started = time.perf_counter()
    for name, i, total, task, snapshot, hits in offers(args.repos_dir, "train", args.only.split(","), args.skip,
                                                       args.per_repo, args.k, done_rows(args.out)):
        files = [{"path": hit.path, "score": hit.score, "right": hit.path in task.targets,
                  "read": likelihood(f"# {hit.path}\n" + window(snapshot, hit.path, task.question), task.question)}
                 for hit in hits]
        with args.out.open("a") as fh:
            fh.write(json.dumps({"repo": name, "q": i, "files": files}) + "\n")
        print(f"{name} {i + 1}/{total} {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
    return 0


def first_right(rows: list[dict], w: float) -> float:
    hits = 0
    for row in rows:
        files = row["files"]
        if files:
            total = np.array([f["score"] + w * f["read"] for f in files]) if np.isfinite(w) else \
                np.array([f["read"] for f in files])
            hits += files[int(np.argmax(total))]["right"]
    return hits / max(1, len(rows))


def score(paths: list[Path]) -> int:
    halves = [[json.loads(line) for line in p.read_text().splitlines()] for p in paths]
    every = [r for half in halves for r in half]
    print(f"{len(every)} questions of {len({r['repo'] for r in every})} projects; a right file among the "
          f"stage's first files for {np.mean([any(f['right'] for f in r['files']) for r in every]):.3f}")
    print("acc@1, the stage plus w × reading:", "  ".join(f"w {w:g}: {first_right(every, w):.3f}" for w in WEIGHTS),
          f"  reading alone: {first_right(every, float('inf')):.3f}")
    if len(halves) == 2:
        for fit_on, test_on in ((0, 1), (1, 0)):
            w = max(WEIGHTS, key=lambda v: first_right(halves[fit_on], v))
            print(f"w chosen on {paths[fit_on].name} ({w:g}); on {paths[test_on].name}: "
                  f"{first_right(halves[test_on], 0):.3f} → {first_right(halves[test_on], w):.3f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--only", default="httpx,urllib3,trio", help="training projects, comma-separated")
    parser.add_argument("--skip", type=int, default=100, help="newest qualifying commits skipped (learnt from)")
    parser.add_argument("--per-repo", type=int, default=40)
    parser.add_argument("--k", type=int, default=5, help="the stage's first files read")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("runs/reader.jsonl"))
    parser.add_argument("--score", type=Path, nargs="+", default=None, metavar="ROWS",
                        help="instead: score rows written before (two files: w chosen on each, scored on the other)")
    args = parser.parse_args(argv)
    if args.score:
        return score(args.score)
    for name in args.only.split(","):
        if not (args.repos_dir / name / ".git").exists():
            print(f"missing clone {args.repos_dir / name}: `python benchmarks/bench_real.py --clone --only {name}`")
            return 2
    return collect(args)


if __name__ == "__main__":
    raise SystemExit(main())
