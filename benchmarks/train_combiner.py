"""Train the retriever's combiner on the training projects' real questions.

For each ``split = "train"`` project of ``history.toml`` (never the evaluation ones), the
newest ``--per-repo`` qualifying commits become questions on their parents; the
retriever's five rankings (file, unit, symbol, path, history) give each question's candidates and their features
(explore.retrieval.combiner). The combiner is fit by softmax cross-entropy, first
leaving one project out at a time (printed: acc@1 / recall@5 / recall@10 on the left-out
project, against reciprocal-rank fusion), then on all of them, and written to
``retrieval/combiner.json`` (the package's default) or ``--out``.

    python benchmarks/train_combiner.py --per-repo 150
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

from bench_real import ROOT, load_recipe, questions  # noqa: E402


def hits(order: list[int], y: np.ndarray) -> int | None:
    return next((r for r, i in enumerate(order, start=1) if y[i]), None)


def report(name: str, firsts: list[int | None]) -> str:
    n = len(firsts)
    at = lambda k: sum(f is not None and f <= k for f in firsts) / n  # noqa: E731
    return f"{name:<10} acc@1 {at(1):.3f}  r@5 {at(5):.3f}  r@10 {at(10):.3f}  (n {n})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--per-repo", type=int, default=150)
    parser.add_argument("--out", type=Path, default=ROOT / "retrieval" / "combiner.json")
    args = parser.parse_args(argv)

    from explore.retrieval.combiner import candidate_features, fit
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import Retriever, RetrieverConfig
    from explore.sandbox.index import Index

    rrf = RetrieverConfig(fusion="rrf")
    per_repo: dict[str, list[tuple[np.ndarray, np.ndarray, list[int]]]] = {}
    for entry in load_recipe("train"):
        start = time.perf_counter()
        repo, tasks, _ = questions(entry, args.repos_dir / entry["name"], args.per_repo)
        cases = []
        for t in tasks:
            retriever = Retriever(Index.build(repo.snapshot(t.rev)), rrf)
            query = parse(t.question)
            paths, x = candidate_features(retriever.snapshot, query, retriever.rankings(query), retriever.log)
            y = np.array([p in t.targets for p in paths], dtype=bool)
            fused = [h.path for h in retriever.rank(query, 10)]
            rrf_order = [paths.index(p) for p in fused if p in paths]
            cases.append((x, y, rrf_order))
        per_repo[entry["name"]] = cases
        print(f"{entry['name']}: {len(cases)} questions ({time.perf_counter() - start:.0f} s)", flush=True)

    print("leave one project out:")
    all_rrf, all_learned = [], []
    for held in per_repo:
        train = [(x, y) for name, cases in per_repo.items() if name != held for x, y, _ in cases]
        model = fit(train)
        for x, y, rrf_order in per_repo[held]:
            all_rrf.append(hits(rrf_order[:10], y))
            all_learned.append(hits(list(np.argsort(-model.score(x), kind="stable")[:10]), y) if len(x) else None)
        print(" ", held, report("learned", all_learned[-len(per_repo[held]):]), "|",
              report("rrf", all_rrf[-len(per_repo[held]):]))
    print(report("rrf", all_rrf))
    print(report("learned", all_learned))
    model = fit([(x, y) for cases in per_repo.values() for x, y, _ in cases])
    args.out.write_text(json.dumps(model.to_dict(), indent=1) + "\n")
    print(f"wrote {args.out}: " + ", ".join(f"{k} {v:+.2f}" for k, v in model.weights.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
