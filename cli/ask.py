"""`explore ask REPO QUESTION`: which file(s) answer a question, and the evidence.

Imports only the runtime (``agent``): never ``training``, so a repository's trained
adapters are found however the training stack fares, and the command starts fast.
Exit 0 when it answers, 1 when the walk found nothing to answer, 2 for bad input.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..sandbox.errors import ExploreError
from .console import NOT_FOUND, emit_json, err, inert, out, shown_markup
from .options import JsonOpt, ModelOpt, ReflectorOpt, RepoArg, RevOpt, WorktreeOpt


class QuestionSourceError(ExploreError):
    """No question was given, or two were."""


def read_question(question: str | None, question_file: Path | None) -> str:
    """The question from the argument, ``-`` (stdin) or ``--question-file`` (a path or ``-``)."""
    if question is not None and question_file is not None:
        raise QuestionSourceError("give the question as an argument or with --question-file, not both")
    if question_file is not None:
        if str(question_file) == "-":
            return typer.get_text_stream("stdin").read()
        try:
            return question_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QuestionSourceError(f"--question-file {question_file}: {getattr(exc, 'strerror', None) or exc}") from None
    if question == "-":
        return typer.get_text_stream("stdin").read()
    if question is None:
        raise QuestionSourceError('no question: explore ask REPO "where is the config parsed?" '
                                  "(or - to read it from stdin, or --question-file FILE)")
    return question


def warn_uncommitted(repo: Path) -> None:
    """Say so on stderr when the working tree differs from HEAD: `ask` walks the commit, and
    an answer about a file just edited (or added) would silently describe the old one."""
    from ..sandbox.snapshot import Repository

    git = Repository(repo).git
    if git is not None and not git.bare and git.head.is_valid() and git.is_dirty(untracked_files=True):
        err.print("[yellow]note:[/] the working tree has changes HEAD does not show; this walks HEAD "
                  "(add --worktree to walk them)", highlight=False)


def ask(
    repo: RepoArg,
    question: Annotated[Optional[str], typer.Argument(help='The question, e.g. "where is the retry back-off computed?"; - reads it from stdin.')] = None,
    question_file: Annotated[Optional[Path], typer.Option("--question-file", help="Read the question from this file (- for stdin).")] = None,
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    model: ModelOpt = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="Folder with trained policy/ and reflector/ adapters (default: the ones `explore train` made for this repo).")] = None,
    reflector: ReflectorOpt = None,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Most steps before answering the best candidate.")] = 12,
    show_steps: Annotated[bool, typer.Option("--show-steps", help="Show the walk with reflections.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question about a repository: which file(s) hold the answer, and the evidence."""
    from ..agent.bundle import find_adapters
    from ..agent.explorer import EmptyQuestion, Explorer

    text = read_question(question, question_file).strip()
    if not text:
        raise EmptyQuestion("the question is empty; ask something like \"where is the config parsed?\"")
    if reflector not in (None, "lora", "none"):
        raise ExploreError(f"--reflector must be lora or none, not {reflector!r}")
    adapters = find_adapters(repo, adapter) or None  # None: the shipped navigator, if any
    if not worktree and rev is None:
        warn_uncommitted(repo)
    status = None if as_json else err.status("loading the model…")
    try:
        if status:
            status.start()
        explorer = Explorer(repo, rev, worktree=worktree, model=model, adapters=adapters, reflector=reflector,
                            max_steps=max_steps, progress=(status.update if status else None))
        if status:
            status.update("walking the repository…")
        result = explorer.ask(text)
    finally:
        if status:
            status.stop()
    answered = bool(result.evidence)
    if as_json:
        emit_json("ask", {"answered": answered, **result.to_dict()})
    else:
        render_answer(result, show_steps)
    if not answered:
        raise typer.Exit(NOT_FOUND)


def render_answer(result: Any, show_steps: bool) -> None:
    """The answer as a person reads it: the evidence panel, other candidates, the walk."""
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.tree import Tree

    # Everything below that came from the repository (paths, evidence, notes about them) is
    # printed inert and markup-escaped: see inert() and shown_markup().
    for note in result.notes:
        out.print(f"[yellow]note:[/] {shown_markup(note)}", highlight=False)
    if show_steps or not result.finished:
        tree = Tree(f"[bold]walk[/] ({len(result.steps)} steps)")
        for step in result.steps:
            node = tree.add(f"[cyan]{shown_markup(step.action)}[/]  [dim]{step.seconds:.2f}s[/]")
            if step.reflection:
                node.add(f"[italic]{shown_markup(step.reflection)}[/]")
        out.print(tree)
    if not result.evidence:
        out.print("[red]no answer found[/]")
        return
    ev = result.evidence[0]
    lexer = Syntax.guess_lexer(ev.path, code=ev.text)
    body = Syntax(inert(ev.text) or "(empty)", lexer, line_numbers=True, start_line=ev.start_line, word_wrap=True)
    out.print(Panel(body, title=f"[bold green]{shown_markup(ev.path)}[/]  lines {ev.start_line}–{ev.end_line}",
                    expand=False))
    if result.answer and not result.answer.startswith(ev.path):
        out.print(inert(result.answer), markup=False)
    if len(result.files) > 1:
        out.print("also consider: " + ", ".join(inert(f) for f in result.files[1:5]), markup=False, highlight=False)
    out.print(f"[dim]{result.seconds:.1f}s · {len(result.steps)} steps · model {shown_markup(result.model)}"
              f"{' + ' + ', '.join(result.adapters) if result.adapters else ' (zero-shot)'}[/]")
