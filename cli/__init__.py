"""The `explore` command line: a typer app, one module per command, and the only code that prints.

``ask``, ``search``, ``walk``, ``tasks``, ``eval``, ``train`` and ``serve`` are functions in modules of
the same name (``eval`` in :mod:`.eval`), ``cache`` a group of its own; they are put on
the app here, each behind the one error guard (:func:`.console.guard`), and each imports
what it needs when it runs, so `explore --help` and `explore ask` start without the
training stack. The JSON and exit-code contract is in :mod:`.console` and the README.
"""
from __future__ import annotations

import functools
import os
import warnings
from typing import Annotated

import typer

from . import ask, cache, search, serve, tasks, train, walk
from . import eval as evaluate
from .console import BROKEN_PIPE, INTERRUPTED, USAGE, err, guard, inert, no_room, out, read_only_stdout, stopped

# torch's OpenMP threads spin while waiting; on a busy 2-core laptop that made decisions
# ~10x slower (measured). Set before torch is imported, which every command defers.
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
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from .._version import __version__

        out.print(f"explore {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Answer questions about a code repository by walking it: ls, cd, read, answer."""


def _usage_error_in_one_line(exc: Exception) -> None:
    """A usage error (a missing argument, `-k 0`, an unknown option) as every other error is
    said: one line on stderr, ``error: …`` and where to look (typer drew a five-line box)."""
    from .console import err, inert

    ctx = getattr(exc, "ctx", None)
    where = f" (`{ctx.command_path} -h` for help)" if ctx is not None else ""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if not message.strip():  # `explore`, `explore cache` with no command: the help was the answer
        return
    err.print(inert(f"error: {message}{where}{_folder_read_as_options(exc)}"), markup=False, highlight=False)


def _folder_read_as_options(exc: Exception) -> str:
    """How to name a repository folder whose name starts with a dash: ``explore search -repo q``
    reads ``-repo`` as the options ``-r -e -p -o``, and "No such option: -r" alone left the
    user looking for an option. Said where the command takes a REPO and a folder of the word
    click stopped at exists here (the word is the command line's: click keeps no copy of it)."""
    import shlex
    import sys

    ctx, unknown = getattr(exc, "ctx", None), getattr(exc, "option_name", None)
    if ctx is None or not unknown or not any(p.name in ("repo", "repos") for p in ctx.command.params):
        return ""
    for word in sys.argv[1:]:
        if word.startswith(unknown[:2]) and os.path.isdir(word):
            return (f"; for the folder {word}, write {shlex.quote('./' + word)} "
                    f"(or put -- before it: `-- {shlex.quote(word)}`)")
    return ""


from typer import rich_utils  # noqa: E402 - typer reads the function from its module when an error is raised

rich_utils.rich_format_error = _usage_error_in_one_line
_help_console = rich_utils._get_rich_console


def _help_console_exiting_141(stderr: bool = False):  # -> rich.console.Console
    """typer's console for ``--help``, which exits as ours do when stdout's reader goes away
    (`explore -h | head -1`: rich's own 1 means "found nothing" here)."""
    console = _help_console(stderr=stderr)
    if not stderr:
        console.on_broken_pipe = functools.partial(type(out).on_broken_pipe, console)
    return console


rich_utils._get_rich_console = _help_console_exiting_141

app.command("ask")(guard(ask.ask))
app.command("search")(guard(search.search))
app.command("walk")(guard(walk.walk))
app.command("tasks")(guard(tasks.tasks))
app.command("eval")(guard(evaluate.eval_command))
app.command("train")(guard(train.train))
app.command("serve")(guard(serve.serve))
app.add_typer(cache.app, name="cache")


def _closed_stdout_as_a_reader_gone() -> None:
    """A stdout closed before the start (``>&-``) made Python drop every write: `tasks -o -`
    said it wrote its tasks, and exited 0. It becomes a pipe whose reader is gone, so the
    first write exits 141 as `| head` does; and no file opened later lands on descriptor 1,
    where a child process would write into it."""
    import sys

    read, write = os.pipe()
    os.close(read)
    if write != 1:
        os.dup2(write, 1)
        os.close(write)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)


def _not_utf8(encoding: str | None) -> bool:
    """Whether a stream of ``encoding`` can fail to write a character (UTF-8 writes them all)."""
    import codecs

    try:
        return encoding is not None and codecs.lookup(encoding).name != "utf-8"
    except LookupError:
        return True


def main() -> None:
    """The command itself, started by the console script's light entry point (:mod:`explore._entry`)."""
    import sys

    if sys.stdout is None:  # `explore … >&-`
        _closed_stdout_as_a_reader_gone()
    if _not_utf8(getattr(sys.stdout, "encoding", None)) and hasattr(sys.stdout, "reconfigure"):
        # a stdout that is not UTF-8 (PYTHONIOENCODING=ascii, the C locale with UTF-8 mode off, a legacy
        # code page) writes what it cannot encode as an escape, as stderr does: `café.py`, or a result
        # line's `·`, was a traceback
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        app()
    except OSError as exc:
        # `explore -h > /dev/full`, `explore -h 1</dev/null`: the help and --version are written before any
        # command's guard
        if (unwritable := read_only_stdout(exc)) is not None:
            err.print(f"error: {unwritable}", markup=False, highlight=False)
            raise SystemExit(BROKEN_PIPE) from None
        if (full := no_room(exc)) is None:
            raise
        err.print(inert(f"error: {full}"), markup=False, highlight=False)
        raise SystemExit(USAGE) from None
    except KeyboardInterrupt:  # Ctrl-C while typer reads the commands' options, before any guard
        err.print(f"error: {stopped()}", markup=False, highlight=False)
        raise SystemExit(INTERRUPTED) from None
    except SystemExit as exc:
        # click's (typer's own copy of it) wrapper, put on stdout when a write met EPIPE
        if exc.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            # the reader of stdout went away (`| head`): click says 1, which here means "made
            # none"; 141 is what a shell reports for a writer stopped by SIGPIPE
            raise SystemExit(BROKEN_PIPE) from None
        raise


__all__ = ["app", "main"]
