"""Fit the candidate stage to a repository's own history: before / after on its newest commits.

For each project (the pinned clones of ``benchmarks/history.toml``, by default the
evaluation ones, which the shipped combiner never saw), its qualifying commits are split
by time: the newest 10 % (at most 100) are the test, the older ones (the newest 400 of
them) teach the combiner, starting from the shipped weights
(:func:`explore.retrieval.adapt.adapt`). Printed per project: questions, acc@1/5/10 of the
shipped combiner and of the adapted one on the same test commits, and the fit's wall time.

    python benchmarks/bench_adapt.py --only click,docutils,networkx,twisted
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_real import ROOT, load_recipe  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--split", choices=("eval", "train", "lang", "all"), default="eval")
    parser.add_argument("--only", default=None, help="only these projects, comma-separated")
    parser.add_argument("--l2", type=float, default=None, help="pull towards the shipped weights (default: adapt's)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    from explore.retrieval.adapt import TooLittleHistory, adapt
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import scan_history

    console = Console()
    entries = load_recipe(args.split)
    if args.only:
        entries = [e for e in entries if e["name"] in set(args.only.split(","))]
    table = Table(title="the candidate stage fit to each repository's own older history, "
                        "scored on its newest commits", title_justify="left")
    for col in ("project", "commits", "train", "test", "before acc@1/5/10", "after acc@1/5/10", "fit s"):
        table.add_column(col, justify="left" if col == "project" else "right")
    results: dict[str, dict] = {}
    for entry in entries:
        folder = args.repos_dir / entry["name"]
        if not (folder / ".git").exists():
            console.print(f"[red]missing clone[/] {folder}: `python benchmarks/bench_real.py --clone --only {entry['name']}`")
            return 2
        repo = Repository(folder)
        tasks, scan = scan_history(repo, entry["commit"])
        try:
            kwargs = {} if args.l2 is None else {"l2": args.l2}
            with console.status(f"{entry['name']}: fitting on its history …"):
                out = adapt(repo, tasks, **kwargs)
        except TooLittleHistory as exc:
            console.print(f"{entry['name']}: {exc}")
            continue
        b, a = out.before, out.after
        table.add_row(entry["name"], str(scan.commits), str(out.n_train), str(b.n),
                      f"{b.acc1:.3f} / {b.acc5:.3f} / {b.acc10:.3f}", f"{a.acc1:.3f} / {a.acc5:.3f} / {a.acc10:.3f}",
                      f"{out.seconds:.0f}")
        results[entry["name"]] = {"commits": scan.commits, "train": out.n_train, "before": b.to_dict(),
                                  "after": a.to_dict(), "seconds": round(out.seconds, 1)}
        console.print(f"{entry['name']}: {b.acc1:.3f} → {a.acc1:.3f} acc@1 on {b.n} newest commits "
                      f"({out.seconds:.0f} s)")
    if results:
        n = sum(r["before"]["n"] for r in results.values())
        pooled = {side: {k: sum(r[side][k] * r[side]["n"] for r in results.values()) / n
                         for k in ("acc@1", "acc@5", "acc@10")} for side in ("before", "after")}
        table.add_row("[b]pooled[/]", "", "", str(n), " / ".join(f"{pooled['before'][k]:.3f}" for k in pooled["before"]),
                      " / ".join(f"{pooled['after'][k]:.3f}" for k in pooled["after"]), "")
        results["pooled"] = pooled
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
