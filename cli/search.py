"""`explore search REPO QUESTION`: the candidate stage alone — ranked files in a fraction of a second.

No model is loaded: the files are ranked by the retriever (file and code-unit BM25, the
names the question uses, the paths it names, and what the repository's own history says),
with the combiner `explore train` fitted to this repository when there is one. Each file
comes with the line window that best matches the question. Exit 0 with hits, 1 with none,
2 for bad input.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..sandbox.errors import ExploreError
from .ask import read_question, warn_uncommitted
from .console import NOT_FOUND, emit_json, err, inert, out, shown_markup
from .options import JsonOpt, RepoArg, RevOpt, WorktreeOpt

#: Lines of evidence shown per file.
WINDOW = 6


def search(
    repo: RepoArg,
    question: Annotated[Optional[str], typer.Argument(help='The question or bug report; - reads it from stdin.')] = None,
    question_file: Annotated[Optional[Path], typer.Option("--question-file", help="Read the question from this file (- for stdin).")] = None,
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="How many files.")] = 10,
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="A bundle whose combiner.json ranks (default: the one `explore train` fitted to this repo, if any).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank the files most likely to answer a question, without walking (no model, well under a second warm)."""
    from ..agent.bundle import COMBINER_FILE, fitted_retriever
    from ..retrieval.retriever import retriever_for
    from ..sandbox.index import Index, best_window
    from ..sandbox.snapshot import Repository

    text = read_question(question, question_file).strip()
    if not text:
        raise ExploreError("the question is empty; ask something like \"where is the config parsed?\"")
    started = time.perf_counter()
    source = Repository(repo)
    if not worktree and rev is None:
        warn_uncommitted(repo)
    snapshot = source.snapshot(rev, worktree=worktree)
    if adapter is not None:  # a bundle's combiner sits beside its policy/ folder
        config = fitted_retriever({"policy": adapter / "policy"})
        if config is None:
            raise ExploreError(f"--adapter {adapter}: no {COMBINER_FILE} inside (`explore train` writes one)")
    else:
        config = fitted_retriever({}, source.path)
    status = None if as_json else err.status("indexing…")
    try:
        if status:
            status.start()
        hits = retriever_for(Index.build(snapshot), config).rank(text, k)
    finally:
        if status:
            status.stop()
    rows = []
    for h in hits:
        lines = (snapshot.text(h.path) or "").splitlines()
        start = best_window(lines, text, WINDOW) if lines else 1
        rows.append({"path": h.path, "score": h.score, "why": list(h.why), "line": start,
                     "lines": lines[start - 1: start - 1 + WINDOW]})
    seconds = round(time.perf_counter() - started, 3)
    if as_json:
        emit_json("search", {"question": text, "snapshot": snapshot.label, "fitted": config is not None,
                             "hits": rows, "seconds": seconds})
    else:
        for i, row in enumerate(rows, start=1):
            out.print(f"[bold]{i:>2}. {shown_markup(row['path'])}[/]:{row['line']}  "
                      f"[dim]{row['score']:.3f} · {shown_markup(' '.join(row['why']))}[/]", highlight=False)
            for n, line in enumerate(row["lines"][:3], start=row["line"]):
                out.print(f"    [dim]{n:>5}[/] {shown_markup(inert(line[:160]))}", highlight=False)
        fitted_note = " · fitted to this repository's history" if config else ""
        out.print(f"[dim]{seconds:.2f}s · {snapshot.label}{fitted_note}[/]", highlight=False)
    if not rows:
        if not as_json:
            out.print("[red]no file matches the question[/]")
        raise typer.Exit(NOT_FOUND)
