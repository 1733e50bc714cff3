"""Train the retriever's combiner on the training projects' real questions.

For each ``split = "train"`` project of ``history.toml`` (never the evaluation ones), the
newest ``--per-repo`` qualifying commits become questions on their parents; the
retriever's five rankings (file, unit, symbol, path, history) give each question's candidates and their features
(explore.retrieval.combiner). The combiner is fit by softmax cross-entropy, first
leaving one project out at a time (printed: acc@1 / recall@5 / recall@10 on the left-out
project, against reciprocal-rank fusion), then on all of them, and written to
``retrieval/combiner.json`` (the package's default) or ``--out``.

``--text message,report`` adds each project's newest report-shaped questions (the commit
message plus the test lines it added, as ``bench_real.py --text report`` asks them) to the
commit messages. Left one project out, it then fits twice — on the other projects'
commit messages only, and on their messages and reports — and prints both fits' scores on
the held project's messages and on its reports, so what the reports add is measured on
projects neither fit saw; the combiner written is the second fit on all projects.

``--no-history`` asks what a snapshot without history gets (a plain folder, a shallow
clone of depth 1, a repository of a few commits): each case as the retriever builds it
there — no history ranking (a file only it offered is no candidate), churn and recency 0 —
and, left one project out, the combiner trained with history (as shipped) against one
trained without it, each scored without; the second, fitted on all projects, is written.

    python benchmarks/train_combiner.py --per-repo 150
    python benchmarks/train_combiner.py --per-repo 50 --text message,report --out runs/combiner-reports.json
    python benchmarks/train_combiner.py --per-repo 50 --text message,report --no-history --out runs/combiner-nohistory.json
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

from bench_real import ROOT, issue_questions, load_recipe, questions, report_questions  # noqa: E402


def hits(order: list[int], y: np.ndarray) -> int | None:
    return next((r for r, i in enumerate(order, start=1) if y[i]), None)


def report(name: str, firsts: list[int | None]) -> str:
    n = len(firsts)
    at = lambda k: sum(f is not None and f <= k for f in firsts) / n  # noqa: E731
    return f"{name:<10} acc@1 {at(1):.3f}  r@5 {at(5):.3f}  r@10 {at(10):.3f}  (n {n})"


def firsts(model, cases: list) -> list[int | None]:
    """Each case's rank of its first right file in ``model``'s top 10 (None: not there)."""
    return [hits(list(np.argsort(-model.score(x), kind="stable")[:10]), y) if len(x) else None for x, y, _ in cases]


def write(model, out: Path) -> None:
    out.write_text(json.dumps(model.to_dict(), indent=1) + "\n")
    print(f"wrote {out}: " + ", ".join(f"{k} {v:+.2f}" for k, v in model.weights.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--per-repo", type=int, default=150)
    parser.add_argument("--out", type=Path, default=ROOT / "retrieval" / "combiner.json")
    parser.add_argument("--text", default="message",
                        help="message (commit messages, the default), message,report (and report-shaped "
                             "questions) or message,report,issue (and the GitHub issues of benchmarks/issues.toml)")
    parser.add_argument("--only", default="", help="comma-separated training projects (default: all)")
    parser.add_argument("--no-history", action="store_true",
                        help="fit for snapshots without history: with history (as shipped) against without, left one out")
    args = parser.parse_args(argv)
    texts = args.text.split(",")
    if texts not in (["message"], ["message", "report"], ["message", "report", "issue"]):
        parser.error("--text is message, message,report or message,report,issue")

    from explore.retrieval.adapt import cases
    from explore.retrieval.combiner import fit

    only = set(filter(None, args.only.split(",")))
    per_repo: dict[str, list] = {}
    reports: dict[str, list] = {}
    issues: dict[str, list] = {}
    for entry in load_recipe("train"):
        if only and entry["name"] not in only:
            continue
        start = time.perf_counter()
        repo, tasks, _ = questions(entry, args.repos_dir / entry["name"], args.per_repo)
        per_repo[entry["name"]] = cases(repo, tasks, fused=True)  # each on its own parent, the history read once
        line = f"{entry['name']}: {len(tasks)} questions"
        if "report" in texts:
            repo, asked, _ = report_questions(entry, args.repos_dir / entry["name"], args.per_repo)
            reports[entry["name"]] = cases(repo, asked, fused=True)
            line += f", {len(asked)} report-shaped"
        if "issue" in texts:
            repo, asked, _ = issue_questions(entry, args.repos_dir / entry["name"], 0)
            issues[entry["name"]] = cases(repo, asked, fused=True)
            line += f", {len(asked)} issues"
        print(f"{line} ({time.perf_counter() - start:.0f} s)", flush=True)

    if args.no_history:
        return without_history({name: built + reports.get(name, []) for name, built in per_repo.items()}, args.out)
    if issues:
        return with_issues(per_repo, reports, issues, args.out)
    if reports:
        return with_reports(per_repo, reports, args.out)

    print("leave one project out:")
    all_rrf, all_learned = [], []
    for held in per_repo:
        model = fit([c for name, built in per_repo.items() if name != held for c in built])
        all_rrf += [hits(rrf_order[:10], y) for _, y, rrf_order in per_repo[held]]
        all_learned += firsts(model, per_repo[held])
        print(" ", held, report("learned", all_learned[-len(per_repo[held]):]), "|",
              report("rrf", all_rrf[-len(per_repo[held]):]))
    print(report("rrf", all_rrf))
    print(report("learned", all_learned))
    write(fit([c for built in per_repo.values() for c in built]), args.out)
    return 0


#: What a snapshot without history cannot have: the history ranking's features, churn, recency.
HISTORY_COLUMNS = ("rr_history", "top1_history", "history_score", "churn", "recency")


def historyless(case: tuple) -> tuple:
    """``case`` as the retriever would build it without history: the history columns 0 and
    the candidates only the history ranking offered gone (the fused order is not kept)."""
    from explore.retrieval.combiner import FEATURES

    x, y = case[0], case[1]
    if not len(x):
        return case
    cols = [FEATURES.index(f) for f in HISTORY_COLUMNS]
    rr = [FEATURES.index(f"rr_{r}") for r in ("file", "unit", "symbol", "path")]
    keep = (x[:, rr] > 0).any(axis=1)
    x = x[keep].copy()
    x[:, cols] = 0.0
    return x, y[keep], []


def without_history(per_repo: dict[str, list], out: Path) -> int:
    """Left one project out: the combiner fitted with history against one fitted without,
    both scored on the held project's cases without history; then the second on all."""
    from explore.retrieval.combiner import fit

    bare = {name: [historyless(c) for c in built] for name, built in per_repo.items()}
    scored: dict[str, list] = {"with history, scored without": [], "fitted without": []}
    print("leave one project out, scored without history (acc@1):")
    for held in per_repo:
        fits = {"with history, scored without": fit([c for n, b in per_repo.items() if n != held for c in b]),
                "fitted without": fit([c for n, b in bare.items() if n != held for c in b])}
        line = f"  {held:<11}"
        for label, model in fits.items():
            got = firsts(model, bare[held])
            scored[label] += got
            line += f" {label} {sum(g == 1 for g in got) / max(len(got), 1):.3f}"
        print(line, flush=True)
    for label, got in scored.items():
        print(report(label[:10], got))
    write(fit([c for built in bare.values() for c in built]), out)
    return 0


def with_reports(per_repo: dict[str, list], reports: dict[str, list], out: Path) -> int:
    """Left one project out: the messages-only fit against the messages-and-reports fit,
    each scored on the held project's messages and its reports; then the second on all."""
    from explore.retrieval.combiner import fit

    scored: dict[tuple[str, str], list] = {(f, t): [] for f in ("messages", "both") for t in ("message", "report")}
    print("leave one project out (acc@1 on its messages | on its reports):")
    for held in per_repo:
        others = [c for name, built in per_repo.items() if name != held for c in built]
        both = others + [c for name, built in reports.items() if name != held for c in built]
        line = f"  {held:<11}"
        for label, model in (("messages", fit(others)), ("both", fit(both))):
            for text, test in (("message", per_repo[held]), ("report", reports[held])):
                got = firsts(model, test)
                scored[(label, text)] += got
                line += f" {label}/{text} {sum(g == 1 for g in got) / max(len(got), 1):.3f}"
        print(line, flush=True)
    for (label, text), got in scored.items():
        print(report(f"{label[:4]}/{text[:3]}", got))
    write(fit([c for built in (*per_repo.values(), *reports.values()) for c in built]), out)
    return 0


def with_issues(per_repo: dict[str, list], reports: dict[str, list], issues: dict[str, list], out: Path) -> int:
    """Left one project out: the shipped recipe's fit (messages and reports) against one
    that also learns from the other projects' GitHub issues, each scored on the held
    project's messages, reports and issues; then the second on all."""
    from explore.retrieval.combiner import fit

    kinds = {"message": per_repo, "report": reports, "issue": issues}
    scored: dict[tuple[str, str], list] = {(f, t): [] for f in ("shipped", "issues") for t in kinds}
    print("leave one project out (acc@1 on its messages | reports | issues):")
    for held in per_repo:
        base = [c for name in per_repo if name != held for c in (*per_repo[name], *reports[name])]
        more = base + [c for name, built in issues.items() if name != held for c in built]
        line = f"  {held:<11}"
        for label, model in (("shipped", fit(base)), ("issues", fit(more))):
            for text, built in kinds.items():
                got = firsts(model, built[held])
                scored[(label, text)] += got
                line += f" {label}/{text[:3]} {sum(g == 1 for g in got) / max(len(got), 1):.3f}"
        print(line, flush=True)
    for (label, text), got in scored.items():
        print(report(f"{label[:4]}/{text[:3]}", got))
    write(fit([c for built in (*per_repo.values(), *reports.values(), *issues.values()) for c in built]), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
