"""The headline table: the shipped navigator against the baselines on repositories it never saw.

For each repository of the evaluation corpus (build it first with
``python benchmarks/corpus.py --split eval``; none of them is in the navigator's training
corpus), tasks are generated, the **test split** is taken (optionally ``--per-repo`` of
them, a seeded sample), and every policy answers the same questions:

* ``random``, ``bm25``, ``scent``, ``oracle`` — the baselines of `explore eval`;
* ``features`` — BM25's top 5 reordered by hand with the navigator's features (not
  shipped; it shows what the features alone are worth);
* ``navigator`` — the shipped agent exactly as `explore ask` runs it (or ``--adapter DIR``).

Printed: pooled acc@1 (= success), acc@5, SPL, steps and seconds per question, overall
and per question source, and per repository.

    python benchmarks/bench_navigator.py                       # all test questions
    python benchmarks/bench_navigator.py --per-repo 40 --json out.json

``--corpus train --split val`` scores held-out questions of the *training* repositories
instead: the place to check a change found on the test questions before trusting it there
(``--sources config`` to look at one question source).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

BASELINES = ("random", "bm25", "scent", "features", "retrieve", "oracle")


def acc_table(title: str, key: str, rows: dict[str, dict[str, dict]], names: list[str]) -> Table:
    """One row per group (source or repository), one acc@1 column per policy."""
    table = Table(title=title, title_justify="left")
    table.add_column(key)
    table.add_column("n", justify="right")
    for n in names:
        table.add_column(n, justify="right")
    for group, results in rows.items():
        table.add_row(group, str(results["bm25"]["n"]), *(f"{results[n]['success']:.3f}" for n in names))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", nargs="*", type=Path, help="repositories to use instead of the eval corpus")
    parser.add_argument("--corpus", choices=("eval", "train"), default="eval",
                        help="which corpus split's repositories (default: eval, never used in training)")
    parser.add_argument("--split", choices=("test", "val", "train"), default="test", help="which questions")
    parser.add_argument("--sources", default=None, help="only these question sources, comma-separated")
    parser.add_argument("--per-repo", type=int, default=None, help="questions per repository (seeded sample)")
    parser.add_argument("--adapter", type=Path, help="trained adapters to score instead of the shipped navigator")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--offer", choices=("bm25", "retrieve", "hybrid"), default=None,
                        help="where the navigator's candidates come from (default: as its env.json says)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    console = Console(width=max(Console().width, 140))
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI: no spinning threads on a shared CPU

    import torch

    from explore.sandbox.snapshot import Repository
    from explore.training.evaluate import EvalReport, NavigatorPolicy, evaluate, make_policy
    from explore.training.tasks import generate

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.repos:
        repos = args.repos
    else:
        from corpus import CorpusError, load_corpus

        try:
            repos = load_corpus(args.corpus)
        except CorpusError as exc:
            console.print(f"[red]error:[/] {exc}")
            return 2
    adapters = None
    if args.adapter is not None:
        adapters = {n: str(args.adapter / n) for n in ("policy", "reflector") if (args.adapter / n).is_dir()}
    navigator = NavigatorPolicy(adapters, reflector="none", offer=args.offer)
    names = [*BASELINES, "navigator"]
    episodes: dict[str, list] = defaultdict(list)
    per_repo: dict[str, dict] = {}
    rows: list[dict] = []
    wanted = set(args.sources.split(",")) if args.sources else None
    for path in repos:
        repo = Repository(path)
        tasks = [t for t in generate(repo, seed=args.seed)
                 if t.meta.get("split") == args.split and (wanted is None or t.source in wanted)]
        if not tasks:
            continue
        if args.per_repo and len(tasks) > args.per_repo:
            tasks = random.Random(f"{args.seed}:{path.name}").sample(tasks, args.per_repo)
        console.print(f"[dim]{path.name}: {len(tasks)} {args.split} questions …[/]")
        per_repo[path.name] = {}
        for name in names:
            policy = navigator if name == "navigator" else make_policy(name, args.seed)
            report = evaluate(repo, tasks, policy)
            episodes[name] += report.results
            if name == "navigator":  # the walk's own answer beside the one `ask` settled on
                rows += [{"repo": path.name, "id": t.id, "source": t.source, "question": t.question,
                          "targets": t.targets, "ranked": r.ranked[:10], "walk": r.weighed.get("walk"),
                          **({"weighed": r.weighed} if r.weighed else {})}
                         for t, r in zip(tasks, report.results, strict=True)]
            per_repo[path.name][name] = report.summary()
    if not per_repo:
        console.print(f"[red]error:[/] no {args.split} questions{' of ' + args.sources if args.sources else ''} "
                      "in these repositories")
        return 1
    pooled = {n: EvalReport(n, n not in ("scent", "oracle", "random"), episodes[n]).summary() for n in names}

    seen = "given" if args.repos else ("unseen" if args.corpus == "eval" else "training")
    table = Table(title=f"{len(per_repo)} {seen} repositories, {args.split} split, pooled", title_justify="left")
    for col in ("policy", "n", "acc@1", "acc@5", "SPL", "steps", "s/question p50"):
        table.add_column(col, justify="left" if col == "policy" else "right")
    for n in names:
        s = pooled[n]
        table.add_row(n, str(s["n"]), f"{s['success']:.3f}", f"{s['acc@5']:.3f}" if "acc@5" in s else "–",
                      f"{s['spl']:.3f}", f"{s['mean_steps']:.2f}", f"{s['p50_seconds']:.2f}")
    console.print(table)
    if rows:  # a question `ask` settles without a walk has no walk's answer of its own
        walks = [r for r in rows if r.get("weighed", {}).get("walked", True)]
        walked = sum(r["walk"] in r["targets"] for r in walks) / max(len(walks), 1)
        console.print(f"navigator: {len(walks)} of {len(rows)} questions walked, the walk's own answer right for "
                      f"{walked:.3f} of them; as `ask` settles every question {pooled['navigator']['success']:.3f}")

    sources = {src: {n: pooled[n]["by_source"][src] for n in names} for src in pooled["bm25"]["by_source"]}
    console.print(acc_table("acc@1 by question source", "source", sources, names))
    console.print(acc_table("acc@1 by repository", "repo", per_repo, names))

    if args.json:
        args.json.write_text(json.dumps({"pooled": pooled, "repos": per_repo, "rows": rows}, indent=2))
        console.print(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
