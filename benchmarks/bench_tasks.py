"""Task generation and the four baselines on the evaluation corpus: the numbers to beat.

For every repo of the corpus split (default ``eval``; build it first with
``python benchmarks/corpus.py --split eval``), this script

1. generates tasks with every source (code, docs, config, history) from a **cold cache**
   (snapshot, BM25 index and oracle replays all included in the time), and reports the
   generation time per 1,000 files;
2. evaluates ``random``, ``bm25``, ``scent`` and ``oracle`` on the **test split** (targets
   never targeted in train) and prints success / SPL / mean steps per repo and pooled
   over all repos, plus BM25's acc@1/3/5 and success by source.

    python benchmarks/bench_tasks.py                      # eval corpus, all tasks
    python benchmarks/bench_tasks.py --max 400 --json out.json
    python benchmarks/bench_tasks.py --repos path/to/repo another/repo
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

POLICIES = ("random", "bm25", "scent", "oracle")
SOURCES = ("code", "docs", "config", "history")


def bench_repo(path: Path, max_tasks: int | None, seed: int, split: str) -> dict:
    """Generate tasks for one repo (cold cache) and evaluate the baselines on one split."""
    from explore.sandbox.snapshot import Repository
    from explore.training.evaluate import evaluate, make_policy
    from explore.training.tasks import generate_report

    with tempfile.TemporaryDirectory(prefix="bench-tasks-") as cache:
        os.environ["EXPLORE_CACHE"] = cache
        repo = Repository(path)
        start = time.perf_counter()
        report = generate_report(repo, SOURCES, max_tasks, seed)
        gen_seconds = time.perf_counter() - start
        chosen = [t for t in report.tasks if t.meta["split"] == split]
        results = {}
        episodes = {}
        for name in POLICIES:
            ev = evaluate(repo, chosen, make_policy(name, seed)) if chosen else None
            results[name] = ev.summary() if ev else {"n": 0}
            episodes[name] = ev.results if ev else []
    return {
        "repo": path.name,
        "files": report.files,
        "tasks": len(report.tasks),
        "by_source": {s: r.kept for s, r in report.sources.items()},
        "split_by_source": dict(Counter(t.source for t in chosen)),
        "leaks_path": sum(bool(t.meta.get("leaks_path")) for t in report.tasks),
        "names_stem": sum(bool(t.meta.get("names_stem")) for t in report.tasks),
        "unreachable": report.unreachable,
        "gen_seconds": round(gen_seconds, 2),
        "seconds_per_1k_files": round(gen_seconds / max(report.files, 1) * 1000, 2),
        "policies": results,
        "_episodes": episodes,
        "_kinds": {t.id: f"{t.source}/{t.meta.get('kind', '')}" for t in chosen},
    }


def pooled(rows: list[dict]) -> dict:
    """Micro-averages over every test task of every repo (each task counts once)."""
    from explore.training.evaluate import EvalReport

    out = {}
    for name in POLICIES:
        results = [r for row in rows for r in row["_episodes"][name]]
        if results:
            out[name] = EvalReport(name, name == "bm25", results).summary()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="eval", help="corpus split to run on (default eval)")
    parser.add_argument("--repos", nargs="*", type=Path, help="repos to use instead of the corpus")
    parser.add_argument("--max", type=int, default=None, help="tasks per repo (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--task-split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    console = Console(width=max(Console().width, 150))  # tables of numbers: never wrap a cell

    if args.repos:
        repos = args.repos
    else:
        from corpus import CorpusError, load_corpus

        try:
            repos = load_corpus(args.split)
        except CorpusError as exc:
            console.print(f"[red]error:[/] {exc}")
            return 2
    rows = []
    for path in repos:
        console.print(f"[dim]{path.name} …[/]")
        rows.append(bench_repo(path, args.max, args.seed, args.task_split))

    gen = Table(title="task generation (cold cache: snapshot + index + oracle replays)", title_justify="left")
    for col in ("repo", "files", "tasks", *SOURCES, f"{args.task_split}", "leaks", "stem", "unreach.", "s", "s/1k files"):
        gen.add_column(col, justify="left" if col == "repo" else "right", no_wrap=True)
    for r in rows:
        gen.add_row(r["repo"], str(r["files"]), str(r["tasks"]), *(str(r["by_source"].get(s, 0)) for s in SOURCES),
                    str(sum(r["split_by_source"].values())), str(r["leaks_path"]), str(r["names_stem"]),
                    str(r["unreachable"]),
                    f"{r['gen_seconds']:.1f}", f"{r['seconds_per_1k_files']:.1f}")
    files = sum(r["files"] for r in rows)
    seconds = sum(r["gen_seconds"] for r in rows)
    gen.add_section()
    gen.add_row("all", str(files), str(sum(r["tasks"] for r in rows)),
                *(str(sum(r["by_source"].get(s, 0) for r in rows)) for s in SOURCES),
                str(sum(sum(r["split_by_source"].values()) for r in rows)), str(sum(r["leaks_path"] for r in rows)),
                str(sum(r["names_stem"] for r in rows)),
                str(sum(r["unreachable"] for r in rows)), f"{seconds:.1f}", f"{seconds / max(files, 1) * 1000:.1f}")
    console.print(gen)

    total = pooled(rows)
    table = Table(title=f"baselines on the {args.task_split} split: success / SPL / mean steps", title_justify="left")
    table.add_column("repo", no_wrap=True)
    table.add_column("n", justify="right")
    for name in POLICIES:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("bm25 acc@1/3/5", justify="right", no_wrap=True)

    def cells(policies: dict) -> list[str]:
        out = []
        for name in POLICIES:
            s = policies.get(name, {"n": 0})
            out.append(f"{s['success']:.3f} / {s['spl']:.3f} / {s['mean_steps']:.1f}" if s["n"] else "–")
        b = policies.get("bm25", {"n": 0})
        out.append("/".join(f"{b[f'acc@{k}']:.2f}" for k in (1, 3, 5)) if b["n"] else "–")
        return out

    for r in rows:
        table.add_row(r["repo"], str(r["policies"]["random"]["n"]), *cells(r["policies"]))
    table.add_section()
    table.add_row("pooled", str(total.get("random", {}).get("n", 0)), *cells(total))
    console.print(table)

    by_source = Table(title=f"pooled success by source ({args.task_split} split)", title_justify="left")
    by_source.add_column("source")
    by_source.add_column("n", justify="right")
    for name in POLICIES:
        by_source.add_column(name, justify="right")
    groups = defaultdict(dict)
    for name, s in total.items():
        for src, g in s["by_source"].items():
            groups[src][name] = g
    for src in sorted(groups):
        by_source.add_row(src, str(groups[src]["random"]["n"]),
                          *(f"{groups[src][p]['success']:.3f}" for p in POLICIES))
    console.print(by_source)

    kinds = {i: k for r in rows for i, k in r["_kinds"].items()}
    by_kind = Table(title=f"pooled success by kind ({args.task_split} split)", title_justify="left")
    for col in ("kind", "n", *POLICIES, "bm25 acc@5"):
        by_kind.add_column(col, justify="left" if col == "kind" else "right")
    kind_rows = {}
    for kind in sorted(set(kinds.values())):
        stats = {}
        for name in POLICIES:
            eps = [e for r in rows for e in r["_episodes"][name] if kinds.get(e.task_id) == kind]
            stats[name] = (sum(e.success for e in eps) / len(eps), len(eps)) if eps else (0.0, 0)
        bm = [e for r in rows for e in r["_episodes"]["bm25"] if kinds.get(e.task_id) == kind]
        acc5 = sum(e.first_hit is not None and e.first_hit <= 5 for e in bm) / max(len(bm), 1)
        kind_rows[kind] = {name: round(v[0], 4) for name, v in stats.items()} | {"n": stats["bm25"][1], "bm25_acc@5": round(acc5, 4)}
        by_kind.add_row(kind, str(stats["bm25"][1]), *(f"{stats[p][0]:.3f}" for p in POLICIES), f"{acc5:.3f}")
    console.print(by_kind)

    if args.json:
        clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
        total["by_kind"] = kind_rows
        args.json.write_text(json.dumps({"repos": clean, "pooled": total}, indent=2))
        console.print(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
