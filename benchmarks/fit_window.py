"""A learned evidence window, left one project out, against the window `ask` shows.

`ask` opens a file's evidence where :func:`~explore.retrieval.evidence.evidence_start` says: a
frame's line, a pasted message's line, a definition asked for, else the 12-line window
whose lines hold most of the question's rare words (inside the best code unit for a long
question). This asks whether a window *learnt* from real questions does better. For the
newest ``--per-repo`` history questions of each training project (``history.toml``,
``split = "train"``; as ``bench_evidence.py`` poses them), every target file's every
12-line window gets features — its words' weight (raw and against the file's best), the
share of the question's words it covers, the share in docstrings or doc comments, the
definition lines it holds or opens at, its share inside the best code unit, its place in the
file, blank lines, the most any one line holds, and where `ask`'s own window lies (at it,
overlapping it, near it) — and a linear listwise fit (the combiner's,
:func:`~explore.retrieval.combiner.listwise_fit`) learns which windows hold a changed line.
Each project is scored by a fit on the others: the share of files whose learnt window holds
a changed line, beside `ask`'s.

    .venv/bin/python benchmarks/fit_window.py --per-repo 40
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_evidence import changed_lines  # noqa: E402
from bench_real import ROOT, load_recipe, questions  # noqa: E402

WINDOW = 12
#: A line opening a definition in the languages of the training projects and beyond.
_DEFINITION = re.compile(r"^\s*(?:@|async\s+def\b|def\b|class\b|func\b|fn\b|impl\b|interface\b|"
                         r"pub(?:\([^)]*\))?\s+(?:fn|struct|enum|trait)\b|(?:export\s+)?(?:default\s+)?(?:async\s+)?"
                         r"function\b|(?:public|private|protected|static)\b|type\s+\w+\s+struct)")
FEATURES = ("words", "words_log", "covered", "prose_share", "definitions", "at_definition", "in_unit", "at_ask",
            "over_ask", "blank", "place", "first", "code_words", "near_ask", "best_line")


def _sums(values: np.ndarray) -> np.ndarray:
    """Each window's sum (a window may run past the file's end)."""
    return np.convolve(np.concatenate([values, np.zeros(WINDOW - 1)]), np.ones(WINDOW), mode="valid")


def window_features(question: str, path: str, lines: list[str], ask: int,
                    unit: tuple[int, int] | None) -> np.ndarray:
    """One row per window start (0-based) of ``lines``; ``ask``: the 1-based line `ask` opens at."""
    from explore.sandbox.index import _licence_header, prose_lines, tokenize

    n = len(lines)
    terms = set(tokenize(question))
    held = [terms.intersection(tokenize(line)) for line in lines]
    for i in range(_licence_header(lines)):
        held[i] = set()
    df = Counter(t for found in held for t in found)
    weight = {t: math.log1p(n / k) for t, k in df.items()}
    hits = np.array([sum(weight[t] for t in found) for found in held])
    prose = prose_lines(lines, path)
    defs = np.array([bool(_DEFINITION.match(line)) for line in lines], float)
    in_unit = np.zeros(n)
    if unit:
        in_unit[unit[0] - 1:unit[1]] = 1
    words, code, said = _sums(hits), _sums(hits * ~prose), _sums(hits * prose)
    covered = np.zeros(n)
    for t, w in weight.items():
        covered += w * (_sums(np.array([t in found for found in held], float)) > 0)
    at = np.arange(n)
    x = np.zeros((n, len(FEATURES)))
    x[:, 0] = words / max(words.max(), 1e-9)
    x[:, 1] = np.log1p(words)
    x[:, 2] = covered / (sum(weight.values()) or 1.0)
    x[:, 3] = said / np.maximum(words, 1e-9)
    x[:, 4] = _sums(defs)
    x[:, 5] = np.maximum(defs, np.concatenate([defs[1:], [0]]))
    x[:, 6] = _sums(in_unit) / WINDOW
    x[:, 7] = at == ask - 1
    x[:, 8] = np.maximum(0, WINDOW - np.abs(at - (ask - 1))) / WINDOW
    x[:, 9] = _sums(np.array([not line.strip() for line in lines], float)) / WINDOW
    x[:, 10] = at / n
    x[:, 11] = at == 0
    x[:, 12] = code / max(code.max(), 1e-9)
    x[:, 13] = np.exp(-np.abs(at - (ask - 1)) / 30)
    x[:, 14] = np.array([hits[i:i + WINDOW].max() for i in range(n)]) / max(hits.max(), 1e-9)
    return x


def right_windows(n: int, changed: list[tuple[int, int]]) -> np.ndarray:
    """The window starts (0-based) whose 12 lines overlap a changed range (1-based, inclusive)."""
    y = np.zeros(n, bool)
    for low, high in changed:
        first, last = max(0, low - WINDOW), min(n - 1, high - 1)
        if first <= last:
            y[first:last + 1] = True
    return y


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--per-repo", type=int, default=40)
    args = parser.parse_args(argv)

    from explore.retrieval.combiner import listwise_fit
    from explore.retrieval.evidence import evidence_start
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import retriever_for
    from explore.sandbox.index import Index

    cases: list[tuple[str, np.ndarray, np.ndarray, int]] = []  # project, features, right windows, ask's start
    for entry in load_recipe("train"):
        start = time.perf_counter()
        folder = args.repos_dir / entry["name"]
        repo, tasks, _ = questions(entry, folder, args.per_repo)
        for task in tasks:
            snap = repo.snapshot(task.rev)
            stage = retriever_for(Index.build(snap))
            query = parse(task.question)
            for path in task.targets:
                text = snap.text(path)
                changed = changed_lines(folder, task.rev, task.meta["commit"], path) if text else []
                lines = (text or "").splitlines()
                if not changed or all(a <= 1 and b >= len(lines) for a, b in changed):
                    continue  # as bench_evidence.py: a file rewritten whole says nothing about a window
                unit = stage.best_unit(query, path)
                ask = evidence_start(lines, task.question, path, WINDOW, unit)
                cases.append((entry["name"], window_features(task.question, path, lines, ask, unit),
                              right_windows(len(lines), changed), ask))
        print(f"{entry['name']:<12} {sum(c[0] == entry['name'] for c in cases):>5} files "
              f"({time.perf_counter() - start:.0f} s)", flush=True)

    def fitted(train: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        stacked = np.concatenate([x for _, x, _, _ in train])
        mean, scale = stacked.mean(0), stacked.std(0)
        scale[scale < 1e-6] = 1.0
        usable = [((x - mean) / scale, y) for _, x, y, _ in train if y.any() and len(x) > 1]
        return listwise_fit(usable, np.zeros(len(FEATURES)), steps=300), mean, scale

    print(f"\n{'project':<12} {'files':>6} {'ask':>7} {'learnt':>7}")
    shown = learnt = 0
    for name in dict.fromkeys(c[0] for c in cases):
        w, mean, scale = fitted([c for c in cases if c[0] != name])
        held = [c for c in cases if c[0] == name]
        a = sum(bool(y[ask - 1]) for _, _, y, ask in held if ask - 1 < len(y))
        b = sum(bool(y[int(np.argmax((x - mean) / scale @ w))]) for _, x, y, _ in held)
        shown, learnt = shown + a, learnt + b
        print(f"{name:<12} {len(held):>6} {a / len(held):>7.3f} {b / len(held):>7.3f}", flush=True)
    print(f"{'pooled':<12} {len(cases):>6} {shown / len(cases):>7.3f} {learnt / len(cases):>7.3f}")
    w, _, _ = fitted(cases)
    print("weights on all projects:", ", ".join(f"{f} {v:+.2f}" for f, v in zip(FEATURES, w, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
