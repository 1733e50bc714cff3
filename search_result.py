"""What `explore search` answers: the candidate stage's ranked files, each with the window
of lines that best matches the question, in the command's JSON shape.

Computed by one set of functions wherever the search runs: in the command's own process
(:mod:`explore.cli.search`), or in a warm `explore serve --socket` the command handed it to
(:mod:`explore.socket_answers`), so both print the same thing.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .sandbox.errors import ExploreError

if TYPE_CHECKING:
    from .retrieval.retriever import RetrieverConfig
    from .sandbox.snapshot import Snapshot

#: Lines of evidence kept per file.
WINDOW = 6


def search_config(repo: Path, adapter: Path | None) -> RetrieverConfig | None:
    """The candidate stage's settings for `explore search REPO [--adapter DIR]`: the bundle's
    combiner (an error when it has none, unless it is a run's folder whose fit was not kept:
    then the shipped one), else the one `explore train` fitted to the repository (or to the
    git repository it lies in), else None (the shipped one)."""
    from .agent.bundle import (COMBINER_FILE, NAVIGATOR_DIR, FitOfAnotherRepository, fitted_elsewhere, fitted_retriever,
                               unfinished_run)

    if adapter is None:
        return fitted_retriever({}, repo)
    if adapter.resolve() == NAVIGATOR_DIR:  # `--adapter shipped`: the shipped ranking, no fit
        return None
    if (elsewhere := fitted_elsewhere(adapter / COMBINER_FILE, repo)) is not None:
        raise FitOfAnotherRepository(f"--adapter {adapter}: {elsewhere}")
    config = fitted_retriever({"policy": adapter / "policy"})  # a bundle's combiner sits beside its policy/
    if config is None and (unfinished := unfinished_run(adapter)):  # stopped before its fit: nothing to rank with
        raise ExploreError(f"--adapter {adapter}: {unfinished}")
    if config is None and not (adapter / "run.json").is_file():  # a run that kept no fit ranks as shipped ("fitted": false)
        raise ExploreError(f"--adapter {adapter}: no {COMBINER_FILE} inside (`explore train` writes one)")
    return config


def search_rows(snapshot: Snapshot, hits: list[Any], question: str) -> list[dict[str, Any]]:
    """Each hit as the command shows it: path, score, the rankings that placed it, and the
    first line and lines of its best-matching window."""
    from .retrieval.evidence import evidence_start
    from .sandbox.index import file_lines, shown_line

    rows = []
    for h in hits:
        lines = file_lines(snapshot.text(h.path) or "")
        start = evidence_start(lines, question, h.path, WINDOW, h.unit) if lines else 1
        rows.append({"path": h.path, "score": h.score, "why": list(h.why), "line": start,
                     "lines": [shown_line(line) for line in lines[start - 1: start - 1 + WINDOW]]})
    return rows


def search_result(question: str, snapshot: Snapshot, config: RetrieverConfig | None, hits: list[Any],
                  started: float) -> dict[str, Any]:
    """The search's result (the command's JSON less its envelope, the keys
    :data:`explore.handoff.SEARCH_KEYS`); ``seconds`` since ``started`` (a
    :func:`time.perf_counter` reading)."""
    rows = search_rows(snapshot, hits, question)
    return {"question": question, "snapshot": snapshot.label, "fitted": config is not None, "hits": rows,
            "seconds": round(time.perf_counter() - started, 3)}
