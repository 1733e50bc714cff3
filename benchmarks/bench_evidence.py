"""Evidence lines on real questions: does the window `ask` and `search` show hold lines the
commit changed?

For the newest ``--per-repo`` history questions of each project of ``history.toml`` (as
bench_real.py poses them: the message on the parent commit), each target file — a file
the commit changed, taken as the answer so the ranking plays no part — gets a window of
``--window`` lines from each method, and scores a hit when the window overlaps a line the
commit changed in that file (the parent's side of ``git diff -U0``; an insertion counts
the two lines around it). Methods:

* ``first`` — the file's first lines (the floor);
* ``window`` — :func:`~explore.sandbox.index.best_window` over the whole file (before);
* ``unit`` — the same inside the file's code unit (function, class, method) with the best
  unit-BM25 score for the question, when one shares a term (tried; not what ships: on the
  training projects' 678 target files it found .364 against ``window``'s .363);
* ``ask`` — what `ask` and `search` showed until 2026-12-03
  (:func:`~explore.retrieval.evidence.evidence_start` without a unit: a stack frame's line, a
  pasted message's line, a definition asked for, else ``window``);
* ``ask+unit`` — what they show now: the same, with ``window`` inside the best unit for a
  question of :data:`~explore.retrieval.evidence.UNIT_WORDS` words or more.

``--text issue`` asks the GitHub issues of ``benchmarks/issues.toml`` instead of the
commit messages (as ``bench_real.py --text issue`` does).

    .venv/bin/python benchmarks/bench_evidence.py --split train --per-repo 30   # choose here
    .venv/bin/python benchmarks/bench_evidence.py --split eval --per-repo 40    # report here
    .venv/bin/python benchmarks/bench_evidence.py --split eval --per-repo 0 --text issue
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_real import ROOT, issue_questions, load_recipe, questions  # noqa: E402

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? ", re.M)
METHODS = ("first", "window", "unit", "ask", "ask+unit")


def changed_lines(folder: Path, parent: str, commit: str, path: str) -> list[tuple[int, int]]:
    """Line ranges of ``path`` at ``parent`` that ``commit`` changed (insertions: the two
    lines around the point)."""
    diff = subprocess.run(["git", "-C", str(folder), "diff", "--no-renames", "-U0", parent, commit, "--", path],
                          capture_output=True, text=True, errors="replace").stdout
    out = []
    for m in HUNK.finditer(diff):
        start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
        out.append((start, start + count - 1) if count else (max(start, 1), start + 1))
    return out


def unit_window(stage, query, path: str, lines: list[str], window: int) -> int:
    """``best_window`` inside the file's best-scoring code unit (else over the whole file),
    for every question, however short."""
    from explore.sandbox.index import best_window

    unit = stage.best_unit(query, path)
    inside = lines[unit[0] - 1:unit[1]] if unit else []
    if inside:
        return unit[0] - 1 + best_window(inside, query.text, window)
    return best_window(lines, query.text, window)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--split", choices=("eval", "train", "lang", "adapt", "all"), default="eval")
    parser.add_argument("--only", default=None)
    parser.add_argument("--per-repo", type=int, default=40)
    parser.add_argument("--window", type=int, default=12, help="lines shown (ask shows 12, search 6)")
    parser.add_argument("--text", choices=("message", "issue"), default="message")
    args = parser.parse_args(argv)

    from explore.retrieval.evidence import evidence_start
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import retriever_for
    from explore.sandbox.index import Index, best_window

    entries = load_recipe(args.split)
    if args.only:
        entries = [e for e in entries if e["name"] in set(args.only.split(","))]
    total = {m: 0 for m in METHODS}
    n_all = 0
    print(f"{'project':<12} {'files':>6} " + " ".join(f"{m:>7}" for m in METHODS), flush=True)
    for entry in entries:
        folder = args.repos_dir / entry["name"]
        start = time.perf_counter()
        repo, tasks, _ = (issue_questions if args.text == "issue" else questions)(entry, folder, args.per_repo)
        hits = {m: 0 for m in METHODS}
        n = 0
        for task in tasks:
            snap = repo.snapshot(task.rev)
            stage = retriever_for(Index.build(snap))
            for path in task.targets:
                text = snap.text(path)
                changed = changed_lines(folder, task.rev, task.meta["commit"], path) if text else []
                lines = (text or "").splitlines()
                if not changed or all(a <= 1 and b >= len(lines) for a, b in changed):
                    continue  # a file the commit rewrote whole says nothing about a window
                n += 1
                starts = {"first": 1, "window": best_window(lines, task.question, args.window),
                          "unit": unit_window(stage, parse(task.question), path, lines, args.window),
                          "ask": evidence_start(lines, task.question, path, args.window),
                          "ask+unit": evidence_start(lines, task.question, path, args.window,
                                                     stage.best_unit(parse(task.question), path))}
                for m, s in starts.items():
                    end = s + args.window - 1
                    hits[m] += any(a <= end and b >= s for a, b in changed)
        for m in METHODS:
            total[m] += hits[m]
        n_all += n
        print(f"{entry['name']:<12} {n:>6} " + " ".join(f"{hits[m] / max(n, 1):>7.3f}" for m in METHODS)
              + f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"{'pooled':<12} {n_all:>6} " + " ".join(f"{total[m] / max(n_all, 1):>7.3f}" for m in METHODS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
