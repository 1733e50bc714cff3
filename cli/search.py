"""`explore search REPO QUESTION`: the candidate stage alone — ranked files in a fraction of a second.

No model is loaded: the files are ranked by the retriever (file and code-unit BM25, the
names the question uses, the paths it names, and what the repository's own history says),
with the combiner `explore train` fitted to this repository when there is one. Each file
comes with the line window that best matches the question (:mod:`explore.search_result`).
A running `explore serve --socket` answers it on its warm indexes when there is one
(:mod:`explore.handoff`), with the same output. Exit 0 with hits, 1 with none, 2 for bad input.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from .ask import from_running_server, question_text, say_missing, uncommitted_note, warn_sparse, with_uncommitted
from .console import NOT_FOUND, emit_json, err, inert, out, shown_markup, shown_name
from .options import JsonOpt, RepoArg, RevOpt, WorktreeOpt, adapter_path, path_value


def search(
    repo: RepoArg,
    question: Annotated[Optional[str], typer.Argument(help='The question or bug report; - reads it from stdin.')] = None,
    question_file: Annotated[Optional[Path], typer.Option("--question-file", parser=path_value, help="Read the question from this file (- for stdin).")] = None,
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="How many files.")] = 10,
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="A bundle whose combiner.json ranks (default: the one `explore train` fitted to this repo, if any; `shipped`: the shipped ranking, no fit).", parser=adapter_path)] = None,
    as_json: JsonOpt = False,
    no_server: Annotated[bool, typer.Option("--no-server", help="Search in this process even when `explore serve --socket` is running.")] = False,
) -> None:
    """Rank the files most likely to answer a question, without walking (no model, well under a second warm).

    Handed to a running `explore serve --socket` when there is one (same result, on its warm
    indexes); else searched here."""
    text = question_text(question, question_file, "search")
    if worktree:
        warn_sparse(repo)
    started = time.perf_counter()
    status = None if as_json else err.status("searching…")
    say = (lambda _text: None) if status is None else (lambda said: status.update(shown_markup(said), spinner="dots"))
    try:
        if status:
            status.start()
        data, noted = None, set()
        if rev is None and not no_server:
            data = from_running_server("search", repo, {
                "question": text, "k": k, "worktree": worktree,
                "adapter": str(adapter.resolve()) if adapter is not None else None}, say=say, noted=noted)
        warm = data is not None
        if data is None:
            data = search_here(repo, text, k=k, rev=rev, worktree=worktree, adapter=adapter, say=say,
                               check_head=rev is None and not worktree and "uncommitted" not in noted, noted=noted)
        data["seconds"] = round(time.perf_counter() - started, 3)  # what the user waited, wherever it ran
    finally:
        if status:
            status.stop()
    rows = data["hits"]
    why = None if rows else _why_no_hits(text)
    if as_json:  # with no hit, why in `notes` (as `ask --json` and MCP's search say it)
        emit_json("search", with_uncommitted(data if why is None else {**data, "notes": [why[1]]}, noted))
    elif rows:
        render_hits(data, warm=warm)
    if why is not None:
        if not as_json:  # on stderr, as every other message: stdout holds results only
            err.print(f"[red]{why[0]}[/]: {shown_markup(why[1])}", highlight=False)
        raise typer.Exit(NOT_FOUND)


def _why_no_hits(text: str) -> tuple[str, str]:
    """(headline, reason) of a search that ranked no file."""
    from ..retrieval.question_form import ONLY_A_REFERENCE, is_only_a_reference  # here: a warm server's answer loads no ranking code

    if is_only_a_reference(text):
        return "nothing searched", f"{ONLY_A_REFERENCE} (--question-file FILE or -)"
    from ..retrieval.query import NO_INDEXED_WORD, parse

    if any(c.isalpha() and not c.isascii() for c in text) and not parse(text).terms:
        # valitron's `lang/ru.php` holds "обязательно для заполнения": "check the spelling" sent its reader astray
        return "no file matches the question", NO_INDEXED_WORD
    return ("no file matches the question", "none holds a word of it in the text indexed (a file's first 100 KB), "
            "nor a past commit's message, or a name alone that no file holds; check the spelling, or `--rev`")


def search_here(repo: Path, text: str, *, k: int, rev: str | None, worktree: bool, adapter: Path | None,
                say: Callable[[str], None], check_head: bool, noted: set[str]) -> dict[str, Any]:
    """Index (once per commit) and rank in this process."""
    from ..retrieval.retriever import retriever_for
    from ..sandbox.index import Index
    from ..sandbox.snapshot import Repository
    from ..search_result import search_config, search_result

    started = time.perf_counter()
    source = Repository(repo)
    note = uncommitted_note(repo, noted) if check_head else None
    snapshot = source.snapshot(rev, worktree=worktree)
    config = search_config(source.path, adapter)
    say("indexing…")
    hits = retriever_for(Index.build(snapshot), config).rank(text, k)
    if note is not None:
        note()
    if (lost := snapshot.missing_note) is not None:  # a file the clone lacks, left out of the ranking
        say_missing(lost)
    return search_result(text, snapshot, config, hits, started)


def render_hits(data: dict[str, Any], warm: bool = False) -> None:
    """The ranked files as a person reads them: each with its score, why, and three lines;
    ``warm``: a running `explore serve --socket` ranked them (the footer says so)."""
    for i, row in enumerate(data["hits"], start=1):
        out.print(f"[bold]{i:>2}. {escape(shown_name(row['path']))}[/]:{row['line']}  "
                  f"[dim]{row['score']:.3f} · {shown_markup(' '.join(row['why']))}[/]", highlight=False)
        for n, line in enumerate(row["lines"][:3], start=row["line"]):
            out.print(f"    [dim]{n:>5}[/] {shown_markup(inert(line[:160]))}", highlight=False)
    fitted_note = " · fitted to this repository's history" if data["fitted"] else ""
    served = " · by the warm server" if warm else ""
    out.print(f"[dim]{data['seconds']:.2f}s · {shown_markup(data['snapshot'])}{fitted_note}{served}[/]",
              highlight=False)
