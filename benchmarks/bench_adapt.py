"""Fit the candidate stage to a repository's own history: before / after on its newest commits.

For each project (the pinned clones of ``benchmarks/history.toml``, by default the
evaluation ones, which the shipped combiner never saw), its qualifying commits are split
by time: the newest 10 % (at most 100) are the test, the older ones (the newest 100 of
them, ``TRAIN_MAX``) teach the combiner, starting from the shipped weights
(:func:`explore.retrieval.adapt.adapt`). Printed per project: questions, acc@1/5/10 of the
shipped combiner and of the adapted one on the same test commits, whether the fit is kept
(decided as ``explore train`` decides, on the training questions alone: never the test),
and the fit's wall time; pooled, the fits and what is kept.
``--sizes`` fits on the newest N training questions for each N given (the cases built once,
for the largest): how many questions the fit needs. ``--split train --left-out-base 150``
judges the keep rule where it can be chosen: on training projects, each fit starting from
a combiner that never saw that project (the shipped one learnt from its newest commits).
``--ceiling`` also fits on the test commits themselves and scores there: how far any
reweighting of the stage's evidence could go on them (a bound, never a result);
``--misses`` says what the stage as kept gets wrong there and which evidence misled it.

    python benchmarks/bench_adapt.py --only click,docutils,networkx,twisted --sizes 50,100,200,400
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

from bench_real import ROOT, load_recipe, questions  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--split", choices=("eval", "train", "lang", "adapt", "all"), default="eval")
    parser.add_argument("--only", default=None, help="only these projects, comma-separated")
    parser.add_argument("--l2", default=None, help="pull towards the shipped weights (default: adapt's); several, comma-separated, "
                                                   "each fitted on the same questions")
    parser.add_argument("--sizes", default=None, help="fit on the newest N training questions for each N, e.g. 50,100,200,400")
    parser.add_argument("--budget", type=float, default=None, help="seconds for building the questions (as explore train --budget)")
    parser.add_argument("--cost", type=int, default=0, metavar="N",
                        help="instead: time N questions' cases both ways, interleaved (a full index and a git log per "
                             "parent, as before; term counts and the history read once, as now); medians and ratio")
    parser.add_argument("--left-out-base", type=int, default=0, metavar="N",
                        help="with --split train: start each project's fit from a combiner fitted on the newest N "
                             "questions of every other training project (as train_combiner.py does), not the shipped "
                             "one, which learnt from the project's own newest commits")
    parser.add_argument("--cases-cache", type=Path, default=None,
                        help="with --left-out-base: keep the training projects' cases here (built once, resumable)")
    parser.add_argument("--ceiling", action="store_true",
                        help="also fit on the test commits themselves and score there: a bound on what any "
                             "reweighting of the stage's features could reach on them (never a result)")
    parser.add_argument("--misses", action="store_true",
                        help="also print, pooled over the projects, what the stage as kept gets wrong on the test: "
                             "which kind of file beat the right one, and which evidence preferred it")
    parser.add_argument("--no-store", action="store_true",
                        help="build every question's case, none taken from what earlier runs stored (a first run)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cost:
        return cost(args)

    from explore.retrieval.adapt import (FOLDS, L2, TRAIN_MAX, CaseStore, OutOfBudget, TooLittleHistory, collect,
                                         keeps, score)
    from explore.retrieval.combiner import default_combiner, fit
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import scan_history

    console = Console(width=150)
    entries = load_recipe(args.split)
    if args.only:
        entries = [e for e in entries if e["name"] in set(args.only.split(","))]
    sizes = sorted(int(n) for n in args.sizes.split(",")) if args.sizes else [TRAIN_MAX]
    left_out = left_out_cases(args, console) if args.left_out_base else None
    l2s = [float(v) for v in args.l2.split(",")] if args.l2 else [L2]
    base = default_combiner()
    table = Table(title="the candidate stage fit to each repository's own older history, "
                        "scored on its newest commits", title_justify="left")
    for col in ("project", "commits", "train", "l2", "test", "before acc@1/5/10", "after acc@1/5/10", "kept", "fit s"):
        table.add_column(col, justify="left" if col == "project" else "right")
    results: dict[str, dict] = {}
    misses: dict = {}
    for entry in entries:
        folder = args.repos_dir / entry["name"]
        if not (folder / ".git").exists():
            console.print(f"[red]missing clone[/] {folder}: `python benchmarks/bench_real.py --clone --only {entry['name']}`")
            return 2
        started = time.perf_counter()
        repo = Repository(folder)
        tasks, scan = scan_history(repo, entry["commit"])
        try:
            with console.status(f"{entry['name']}: building its history's questions …"):
                got = collect(repo, tasks, train_max=sizes[-1], budget=args.budget,
                              store=None if args.no_store else CaseStore(repo))
        except (TooLittleHistory, OutOfBudget) as exc:
            console.print(f"{entry['name']}: {exc}")
            continue
        if left_out is not None:
            if entry["name"] not in left_out:
                console.print(f"[red]{entry['name']} is not a training project[/]: --left-out-base needs --split train")
                return 2
            base = fit([(c.x, c.y) for name, built in left_out.items() if name != entry["name"] for c in built])
        b = score(base, got.test)
        row: dict = {"commits": scan.commits, "test": b.n, "before": b.to_dict(), "sizes": {},
                     "build_s": round(got.seconds, 1), "reused": got.reused}
        if args.ceiling:
            # no pull towards the start: the best the features can do on these very questions
            row["ceiling"] = score(fit(got.test, l2=0.0, prior=base), got.test).to_dict()
            console.print(f"{entry['name']}: fitted on its own {b.n} test commits (a ceiling, not a result): "
                          f"{b.acc1:.3f} → {row['ceiling']['acc@1']:.3f} acc@1")
        for n in sizes:
            if n > len(got.train) and n != sizes[0]:
                break
            n_used = min(n, len(got.train))
            for l2 in l2s:
                fit_started = time.perf_counter()
                a = score(fit(got.train[:n], l2=l2, prior=base), got.test)
                # kept or not as adapt decides (FOLDS), on the training questions alone; and by the
                # other rule, for comparison: the newest quarter alone (1) or four time blocks (4)
                other = 4 if FOLDS == 1 else 1
                kept, one = keeps(got.train[:n], base, l2)[0], keeps(got.train[:n], base, l2, folds=other)[0]
                key = str(n_used) if len(l2s) == 1 else f"{n_used}@{l2:g}"
                row["sizes"][key] = {"after": a.to_dict(), "kept": kept, "used": (a if kept else b).to_dict(),
                                     "other_folds": other, "kept_other": one, "used_other": (a if one else b).to_dict(),
                                     "train": n_used, "l2": l2,
                                     "fit_s": round(time.perf_counter() - fit_started, 1)}
                table.add_row(entry["name"], str(scan.commits), str(n_used), f"{l2:g}", str(b.n),
                              f"{b.acc1:.3f} / {b.acc5:.3f} / {b.acc10:.3f}",
                              f"{a.acc1:.3f} / {a.acc5:.3f} / {a.acc10:.3f}", "yes" if kept else "no", f"{got.seconds:.0f}")
                console.print(f"{entry['name']}: {b.acc1:.3f} → {a.acc1:.3f} acc@1 on {b.n} newest commits, "
                              f"fit on {n_used} (l2 {l2:g}; {'kept' if kept else 'not kept'}; by folds={other} "
                              f"{'kept' if one else 'not kept'})")
        row["seconds"] = round(time.perf_counter() - started, 1)
        largest = list(row["sizes"].values())[-len(l2s)]  # the most questions, the first l2
        if args.misses:
            tally_misses(fit(got.train[:largest["train"]], l2=l2s[0], prior=base) if largest["kept"] else base,
                         got.test, misses)
        row |= {"train": largest["train"], "after": largest["after"]}
        results[entry["name"]] = row
        console.print(f"{entry['name']}: {row['seconds']:.0f} s in all ({got.seconds:.0f} s building "
                      f"{len(got.train) + len(got.test)} questions, {got.reused} of them stored by an earlier run)")
    if results:
        n = sum(r["before"]["n"] for r in results.values())
        pool = lambda rows: {k: sum(r[k] * r["n"] for r in rows) / n for k in ("acc@1", "acc@5", "acc@10")}  # noqa: E731
        pooled = {"before": pool([r["before"] for r in results.values()])}
        for key in next(iter(results.values()))["sizes"]:
            if all(key in r["sizes"] for r in results.values()):
                pooled[f"after@{key}"] = pool([r["sizes"][key]["after"] for r in results.values()])
                pooled[f"used@{key}"] = pool([r["sizes"][key]["used"] for r in results.values()])
                pooled[f"used_other@{key}"] = pool([r["sizes"][key]["used_other"] for r in results.values()])
                table.add_row("[b]pooled[/]", "", key, "", str(n), " / ".join(f"{v:.3f}" for v in pooled["before"].values()),
                              " / ".join(f"{v:.3f}" for v in pooled[f"after@{key}"].values()), "", "")
                table.add_row("[b]pooled, as kept[/]", "", key, "", str(n), "",
                              " / ".join(f"{v:.3f}" for v in pooled[f"used@{key}"].values()), "", "")
                table.add_row(f"[b]pooled, kept by folds={4 if FOLDS == 1 else 1}[/]", "", key, "", str(n), "",
                              " / ".join(f"{v:.3f}" for v in pooled[f"used_other@{key}"].values()), "", "")
        if args.ceiling:
            pooled["ceiling"] = pool([r["ceiling"] for r in results.values()])
            table.add_row("[b]pooled, fitted on the test itself (a ceiling)[/]", "", "", "", str(n), "",
                          " / ".join(f"{v:.3f}" for v in pooled["ceiling"].values()), "", "")
        results["pooled"] = pooled
    console.print(table)
    if misses:
        print_misses(misses, console)
        results["misses"] = misses
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


#: The evidence --misses compares between the wrong first file and the right one.
MISS_FEATURES = ("file_score", "unit_score", "history_score", "symbol_score", "churn", "recency", "log_size",
                 "path_overlap", "stem_in_question", "depth")


def tally_misses(combiner, test: list, into: dict) -> None:
    """For each test question whose first right file is among its candidates but not
    first: the kinds of the first file and of the right one, and for each evidence in
    :data:`MISS_FEATURES` whether it is higher for the wrong first file or for the right one."""
    import numpy as np

    from explore.retrieval.combiner import FEATURES, KINDS

    at = {f: i for i, f in enumerate(FEATURES)}
    into.setdefault("questions", 0)
    into.setdefault("outcome", {})
    into.setdefault("kinds", {})
    into.setdefault("evidence", {f: {"wrong first higher": 0, "right higher": 0} for f in MISS_FEATURES})
    for x, y, _ in test:
        into["questions"] += 1
        order = np.argsort(-combiner.score(x), kind="stable") if len(x) else []
        rank = next((r for r, i in enumerate(order) if y[i]), None)
        outcome = "right first" if rank == 0 else "no candidate right" if rank is None else "right, not first"
        into["outcome"][outcome] = into["outcome"].get(outcome, 0) + 1
        if not rank:
            continue
        first, right = order[0], order[rank]
        kind = lambda i: next((k for k in KINDS if x[i, at[f"kind_{k}"]] > 0), "other")  # noqa: E731
        pair = f"{kind(first)} over {kind(right)}"
        into["kinds"][pair] = into["kinds"].get(pair, 0) + 1
        for f in MISS_FEATURES:
            a, b = x[first, at[f]], x[right, at[f]]
            if a != b:
                into["evidence"][f]["wrong first higher" if a > b else "right higher"] += 1


def print_misses(misses: dict, console: Console) -> None:
    wrong = misses["outcome"].get("right, not first", 0)
    console.print(f"{misses['questions']} test questions: "
                  + ", ".join(f"{k} {v}" for k, v in misses["outcome"].items()))
    console.print("when a right file is a candidate but not first, the first file is: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(misses["kinds"].items(), key=lambda kv: -kv[1])))
    table = Table(title=f"which evidence preferred the wrong first file ({wrong} questions)", title_justify="left")
    for col in ("evidence", "higher for the wrong first", "higher for the right one"):
        table.add_column(col, justify="left" if col == "evidence" else "right")
    for f, counts in misses["evidence"].items():
        table.add_row(f, f"{counts['wrong first higher'] / max(wrong, 1):.0%}",
                      f"{counts['right higher'] / max(wrong, 1):.0%}")
    console.print(table)


def left_out_cases(args: argparse.Namespace, console: Console) -> dict[str, list]:
    """Every training project's newest ``--left-out-base`` questions as cases (each on its
    parent), built once and kept in ``--cases-cache`` when given, so a run resumes."""
    import pickle

    from explore.retrieval.adapt import cases

    built: dict[str, list] = {}
    if args.cases_cache and args.cases_cache.is_file():
        built = pickle.loads(args.cases_cache.read_bytes())
    for entry in load_recipe("train"):
        if entry["name"] in built:
            continue
        started = time.perf_counter()
        repo, tasks, _ = questions(entry, args.repos_dir / entry["name"], args.left_out_base)
        built[entry["name"]] = cases(repo, tasks)
        console.print(f"{entry['name']}: {len(tasks)} questions for the left-out bases "
                      f"({time.perf_counter() - started:.0f} s)")
        if args.cases_cache:
            tmp = args.cases_cache.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(built))
            tmp.replace(args.cases_cache)
    return built


def cost(args: argparse.Namespace) -> int:
    """Per question, the work both ways share (the parent's snapshot, its code units, its
    files' tokens) is done first; then each way's own part, in alternating order, so a
    busy machine slows both alike. Same features both ways (asserted)."""
    import statistics

    import numpy as np

    from explore.retrieval.adapt import case, history_of, time_split
    from explore.retrieval.combiner import candidate_features
    from explore.retrieval.history import _read
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import Retriever, RetrieverConfig
    from explore.retrieval.units import UnitIndex
    from explore.sandbox.index import BLOB_TOKENS, Index
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import scan_history

    for entry in load_recipe(args.split):
        if args.only and entry["name"] not in args.only.split(","):
            continue
        repo = Repository(args.repos_dir / entry["name"])
        tasks, _ = scan_history(repo, entry["commit"])
        train, _ = time_split(tasks)
        todo = train[::-1][: args.cost]  # the newest training questions, as a fit takes them
        started = time.perf_counter()
        history = history_of(repo, todo)
        read_once = time.perf_counter() - started
        times: dict[str, list[float]] = {"shared": [], "before": [], "now": []}
        for i, task in enumerate(todo):
            t0 = time.perf_counter()
            snapshot = repo.snapshot(task.rev)
            UnitIndex(snapshot)
            for rel in snapshot.files:
                BLOB_TOKENS.get(snapshot, rel)
            times["shared"].append(time.perf_counter() - t0)

            def before() -> np.ndarray:
                retriever = Retriever(Index.build(snapshot), RetrieverConfig(fusion="rrf"))
                retriever._log = _read(snapshot, 3000)  # noqa: SLF001 - the per-parent git log, uncached
                query = parse(task.question)
                return candidate_features(snapshot, query, retriever.rankings(query), retriever.log)[1]

            ways = [("before", before), ("now", lambda: case(repo, task, history).x)]
            got = {}
            for name, way in ways if i % 2 else ways[::-1]:
                t0 = time.perf_counter()
                got[name] = way()
                times[name].append(time.perf_counter() - t0)
            assert np.array_equal(got["before"], got["now"]), task.question
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{entry['name']}: {len(todo)} questions, median s per question: shared {med['shared']:.3f}, "
              f"before {med['before']:.3f}, now {med['now']:.3f} (+ {read_once:.1f} s once to read the history); "
              f"per question in all {med['shared'] + med['before']:.3f} → {med['shared'] + med['now']:.3f} "
              f"({(med['shared'] + med['before']) / (med['shared'] + med['now']):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
