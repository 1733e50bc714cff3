"""Choose the retriever's fusion weights on the *training* projects' history questions.

The rankings (file, unit, symbol, path, history) are computed once per question; every
combination of weights, RRF offset and kind priors in a small grid is then scored
(acc@1, recall@5, recall@10) without recomputing them. Only ``--split train`` projects
are used: the evaluation projects' questions are the benchmark and are never tuned on.

    python benchmarks/tune_retriever.py --per-repo 60
"""
from __future__ import annotations

import argparse
import itertools
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_real import ROOT, load_recipe, questions  # noqa: E402


def fuse(rankings: dict[str, list[tuple[str, float]]], weights: dict[str, float], k: float, priors: dict[str, float],
         kinds: dict[str, str]) -> list[str]:
    fused: dict[str, float] = defaultdict(float)
    for name, ranked in rankings.items():
        w = weights.get(name, 0.0)
        for r, (path, _) in enumerate(ranked, start=1):
            fused[path] += w / (k + r)
    for path in fused:
        fused[path] *= priors.get(kinds[path], 1.0)
    return sorted(fused, key=lambda p: (-fused[p], p))[:10]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--per-repo", type=int, default=60)
    args = parser.parse_args(argv)

    from explore.retrieval.query import parse
    from explore.retrieval.retriever import retriever_for
    from explore.sandbox.index import Index
    from explore.sandbox.outline import file_kind

    cases = []
    for entry in load_recipe("train"):
        repo, tasks, scan = questions(entry, args.repos_dir / entry["name"], args.per_repo)
        for t in tasks:
            index = Index.build(repo.snapshot(t.rev))
            rankings = retriever_for(index).rankings(parse(t.question))
            kinds = {p: file_kind(p) for r in rankings.values() for p, _ in r}
            cases.append((rankings, kinds, set(t.targets)))
        print(f"{entry['name']}: {len(tasks)} questions", flush=True)

    results = []
    grid_w = [0.0, 0.5, 1.0, 2.0]
    for wf, wu, ws, wp, k, test_p, docs_p in itertools.product(grid_w, grid_w, grid_w, [0.0, 2.0], [5, 10, 30, 60],
                                                              [0.25, 0.5, 1.0], [0.5, 0.8, 1.0]):
        if wf == wu == ws == 0:
            continue
        weights = {"file": wf, "unit": wu, "symbol": ws, "path": wp}
        priors = {"test": test_p, "docs": docs_p, "example": 0.7, "data": 0.6, "script": 0.8}
        hits1 = hits5 = hits10 = 0
        for rankings, kinds, targets in cases:
            top = fuse(rankings, weights, k, priors, kinds)
            first = next((i for i, p in enumerate(top, 1) if p in targets), None)
            hits1 += first == 1
            hits5 += first is not None and first <= 5
            hits10 += first is not None
        n = len(cases)
        results.append((hits1 / n, hits5 / n, hits10 / n, weights, k, test_p, docs_p))
    results.sort(key=lambda r: (-(r[0] + r[1] + r[2]), -r[0]))
    print(f"{len(cases)} questions; best by acc@1 + recall@5 + recall@10:")
    for a1, a5, a10, weights, k, tp, dp in results[:15]:
        print(f"acc@1 {a1:.3f}  r@5 {a5:.3f}  r@10 {a10:.3f}  weights {weights}  k {k}  test {tp}  docs {dp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
