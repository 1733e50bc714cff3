"""`explore walk REPO ACTION...`: run scripted actions in the sandbox and show each observation.

Exit 0 when every action did what it names, 1 when one failed (a missing file, ``cd``
into a file …: the walk goes on, as an agent's would), 2 when an action cannot be parsed.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..sandbox.errors import ExploreError
from .console import NOT_FOUND, emit_json, inert, out, shown_markup
from .options import JsonOpt, RepoArg, RevOpt, WorktreeOpt

VERBS = ("ls", "cd", "read", "answer")


def parse_action(text: str) -> tuple[str, list[str]]:
    """``"read env.py 120"`` → (``read``, [``env.py``, ``120``]); quotes allowed for spaces. A
    quoted name with a backslash is passed with its quotes, as a listing escapes it
    (``'new\\nline.py'``): the workspace reads the escapes (a shell's quotes kept ``\\n`` as is)."""
    escaped = re.fullmatch(r"\s*([a-z]+)\s+((['\"])[^'\"]*\\.*\3)(?:\s+(-?[0-9]+))?\s*", text)
    try:
        words = [escaped[1], escaped[2], *([escaped[4]] if escaped[4] else [])] if escaped else shlex.split(text)
    except ValueError:
        words = text.split()
    if not words or words[0] not in VERBS:
        raise ExploreError(f"unknown action {text!r}; actions are: ls [DIR] [--page N], cd DIR, read FILE [LINE], "
                           "answer FILE")
    verb, args = words[0], words[1:]
    if verb == "ls" and "--page" in args:  # ls [DIR] --page N: the page goes last, as a number
        at = args.index("--page")
        page = args[at + 1:at + 2]
        if not page or not _number(page[0]):  # (page 0 is the listing's own failure, as line 0 is: the walk goes on)
            raise ExploreError(f"ls --page takes a page number (1, 2 …), as in `ls src --page 2`; not {text!r}")
        rest = args[:at] + args[at + 2:]
        if len(rest) > 1:
            raise ExploreError(f"ls takes one folder (and --page N); not {text!r}")
        args = [rest[0] if rest else ".", page[0]]
    if verb in ("cd", "read", "answer") and not args:
        raise ExploreError(f"{verb} needs a path, e.g. `{verb} src`")
    if verb == "read" and len(args) == 4 and args[1:3] == ["from", "line"]:
        args = [args[0], args[3]]  # read's own hint pasted back: `read F from line 81`
    if verb == "ls" and "--page" not in words and len(args) > 1:
        raise ExploreError(f"ls takes one folder (and --page N); not {text!r}")
    if verb in ("cd", "answer") and len(args) > 1 or verb == "read" and len(args) > 2:
        raise ExploreError(f"{verb} takes one path{' and a line number' if verb == 'read' else ''} "
                           f"(quote a name with spaces); not {text!r}")
    if verb == "read" and len(args) > 1 and not (_number(args[1]) or re.fullmatch(r"-[0-9]+", args[1])):
        # (a line before the first, `-1`, is the read's own failure, as line 0 is: the walk goes on)
        raise ExploreError(f"read takes FILE [LINE]; {args[1]!r} is not a line number")
    return verb, args


def _number(word: str) -> bool:
    """Digits 0-9 only: ``str.isdigit`` also takes ``²``, which ``int`` refuses."""
    return word.isascii() and word.isdigit()


def _reaches(ws: Any, verb: str, path: str) -> bool:
    """Whether ``path`` is the kind of thing ``verb`` acts on (a folder for ls/cd, a file for
    read/answer): the tools answer a failure with text an agent reads, a script needs a flag."""
    from ..sandbox.errors import PathRefused

    try:
        kind = ws.locate(path).kind
    except PathRefused:
        return False
    return kind == ("dir" if verb in ("ls", "cd") else "file")


def walk(
    repo: RepoArg,
    actions: Annotated[list[str], typer.Argument(help='Actions to run in order, e.g. "cd src" "ls" "ls --page 2" "read main.py".')],
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    question: Annotated[Optional[str], typer.Option("--question", "-q", help="Show scent (0–9) for this question in listings.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a scripted sequence of actions in the sandbox and print each observation."""
    from ..sandbox.index import Index
    from ..sandbox.snapshot import Repository
    from ..tools.workspace import Workspace, show_dir

    parsed = [parse_action(a) for a in actions]
    snap = Repository(repo).snapshot(rev, worktree=worktree)
    ws = Workspace(snap, Index.build(snap) if question else None, question=question)
    steps = []
    for text, (verb, args) in zip(actions, parsed):
        ok = _reaches(ws, verb, args[0] if args else ".")
        if verb == "ls":
            output = ws.ls(args[0] if args else ".", page=int(args[1]) if len(args) > 1 else 1)
        elif verb == "cd":
            output = ws.cd(args[0])
        elif verb == "read":
            output = ws.read(args[0], int(args[1]) if len(args) > 1 else None)
        else:
            ws.answered = None
            output = ws.answer(args[0])
            ok = ws.answered is not None  # also named from the top, as a task's oracle names it
        ok = ok and not (verb in ("ls", "read") and ws.missed)  # a page or a line that is not there
        steps.append({"action": text, "cwd": ws.cwd, "ok": ok, "output": output})
    if as_json:
        emit_json("walk", {"repo": str(Path(repo).resolve()), "rev": snap.rev, "steps": steps})
    else:
        out.print(f"[dim]{shown_markup(snap.label)}[/]")
        for s in steps:
            mark = "" if s["ok"] else "  [red]failed[/]"
            out.print(f"[bold cyan]$ {shown_markup(s['action'])}[/]  [dim]({shown_markup(show_dir(s['cwd']))})[/]{mark}",
                      highlight=False)
            out.print(inert(s["output"]), markup=False, highlight=False)
    if not all(s["ok"] for s in steps):
        raise typer.Exit(NOT_FOUND)
