"""What every command shares: the two consoles, the one error guard, the JSON envelope and
the exit codes, and how repository text is made safe to print.

Exit codes (the README's contract): ``0`` the command did what was asked (``ask``
answered); ``1`` it ran but found no answer, or an action failed; ``2`` a usage or input
error (typer's own usage errors exit 2 as well); ``130`` interrupted (Ctrl-C), ``143``
terminated (SIGTERM: ``kill``, ``timeout``, a job scheduler), each after what was done is
saved, as a Ctrl-C saves it.
"""
from __future__ import annotations

import errno
import functools
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ..sandbox.errors import ExploreError

#: Bumped when a command's JSON changes shape in a way a script would notice.
JSON_VERSION = 1

OK, NOT_FOUND, USAGE, INTERRUPTED, TERMINATED = 0, 1, 2, 130, 143
#: stdout closed by its reader (`| head`), as a shell reports a writer SIGPIPE stopped.
BROKEN_PIPE = 141

class _Console(Console):
    def on_broken_pipe(self) -> None:
        """stdout's reader went away (``| head``): exit as a shell reports a writer SIGPIPE
        stopped, not rich's 1, which here means nothing was found."""
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(BROKEN_PIPE)


class _Diagnostics(Console):
    """stderr's console: a stderr that takes no more (`2>>log` on a full disk, `2>/dev/full`, a
    reader gone) loses the message, as a closed one (`2>&-`) does, not the command: the
    spinner's last write failed, then the error guard's own message, and a search that had
    found its files exited 1 with none printed."""

    def _check_buffer(self) -> None:
        try:
            super()._check_buffer()
        except OSError:
            del self._buffer[:]  # rich keeps what it failed to write, to write it again with the next

    def on_broken_pipe(self) -> None:
        self.quiet = True  # (rich's own points stdout at /dev/null and exits 1)


out = _Console(soft_wrap=True)
err = _Diagnostics(stderr=True, soft_wrap=True)

#: Control characters other than tab and newline, as something visible: C0 and DEL as their
#: Unicode control pictures (ESC → ␛), C1 (8-bit CSI, OSC …) as ``\x9b``; and a byte of a
#: name that is not UTF-8 (Python's ``\udc9b``), which a C-locale stdout writes back raw —
#: 0x9b is the 8-bit CSI again — as ``\x9b`` too.
_VISIBLE = {c: chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\t\n"} | {0x7F: "\u2421"} | {
    c: f"\\x{c:02x}" for c in range(0x80, 0xA0)} | {0xDC00 + b: f"\\x{b:02x}" for b in range(0x80, 0x100)} | {
    # bidirectional overrides and isolates: in a file they reorder what the reader sees
    # ("Trojan Source"), in a name they turn the line round: shown as escapes
    c: f"\\u{c:04x}" for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def inert(text: str) -> str:
    """``text`` from a repository (file contents, names, a model's notes about them) made
    safe to print: an escape sequence in a file must not retitle, recolour or clear the
    user's terminal, so each control character shows as a visible stand-in instead."""
    return text.translate(_VISIBLE)


def shown_name(path: str) -> str:
    """A file's path as a line of human output shows it: as is, or quoted with escapes when
    it holds a newline, a tab or another character that is not printable (as a listing
    writes it), so one entry stays one line and reads as what it is; inert."""
    # tools.workspace.shown's rule, not imported: it would load the index (numpy) into a
    # command whose answer a warm server gave
    return inert(path if path.isprintable() and "\\" not in path else repr(path))


def shown_markup(text: str) -> str:
    """``text`` made :func:`inert` and escaped for rich markup, to put inside a markup string:
    a file named ``[red]x.py`` prints as ``[red]x.py``, not as a red ``x.py``."""
    return escape(inert(text))


def fail(message: str, code: int = USAGE) -> None:
    """One line on stderr, then exit ``code``: messages name repository paths, so inert."""
    err.print(f"[bold red]error:[/] {shown_markup(message)}", highlight=False)
    raise typer.Exit(code)


def outside_repository(target: Any, repository: Any, option: str) -> None:
    """Refuse an output path inside the repository a command reads (a :class:`Repository`),
    links followed: explore never writes to it, whatever file a user names."""
    top = os.path.realpath(repository.top or repository.path)
    where = os.path.realpath(target)
    if where == top or where.startswith(top.rstrip(os.sep) + os.sep):
        raise ExploreError(f"{option} {target} is inside the repository {top}, which explore never writes to; "
                           "give a path outside it")


def emit_json(command: str, body: dict[str, Any]) -> None:
    """Print one command's JSON: ``{"version", "command", ...body}`` on stdout, nothing else.

    Plain text, not rich: rich would wrap or colour what a script parses; ASCII-escaped, so
    no byte of a repository's names reaches a terminal as a control sequence."""
    typer.echo(json.dumps({"version": JSON_VERSION, "command": command, **body}, default=str))


F = TypeVar("F", bound=Callable[..., Any])


def _in_cache(exc: OSError) -> str | None:
    """The cache folder, when ``exc`` is about a path inside it (or the folder itself)."""
    from ..sandbox.snapshot import cache_root

    if not exc.filename:
        return None
    root = os.path.abspath(cache_root())
    name = os.path.abspath(os.fsdecode(exc.filename))
    return root if name == root or name.startswith(root + os.sep) else None


#: Set when SIGTERM stopped the running command (it unwinds as Ctrl-C does, exits 143).
_terminated = threading.Event()


def _on_sigterm(_signum: int, _frame: object) -> None:
    _terminated.set()
    raise KeyboardInterrupt


def _sigterm_as_interrupt() -> Any:
    """SIGTERM unwinds the command as Ctrl-C does — `explore train` checkpoints, stores the
    questions it built, removes what is half-written — instead of ending the process where it
    stands (``timeout 20m explore train``, ``kill``, a CI job cancelled). Only in the main
    thread and over the default handler (a host's own, or serve's, is left alone); the
    handler it replaced, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return None
        _terminated.clear()
        return signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # no signals here (an embedded interpreter)
        return None


def interrupted_code() -> int:
    """The exit status of a command stopped by a signal: 143 for SIGTERM, 130 for Ctrl-C."""
    return TERMINATED if _terminated.is_set() else INTERRUPTED


def stopped(again: str = "") -> str:
    """What a command stopped by Ctrl-C or SIGTERM says; ``again``: how to go on."""
    how = "terminated (SIGTERM)" if _terminated.is_set() else "interrupted"
    return f"{how}; nothing was left half-written{again}"


#: A write that found no room: the disk or the quota full, or a file past the size limit.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _working_folder_gone() -> bool:
    """Whether the working folder was removed under the process: a relative path then fails with a
    FileNotFoundError that names no file, git with "Unable to read current working directory",
    and torch's MKL does not load."""
    try:
        os.getcwd()
    except FileNotFoundError:
        return True
    return False


def no_room(exc: OSError) -> str | None:
    """What a write that found no room (a full disk, a quota, `ulimit -f`) is told, or None
    when ``exc`` is another error."""
    if exc.errno not in _FULL:
        return None
    where = f" writing {exc.filename}" if exc.filename else ""
    full = "a file outgrew the size limit (`ulimit -f`)" if exc.errno == errno.EFBIG else "the disk is full"
    return (f"{full}{where}: what was written before stays; free some space and run the "
            "command again (`explore train`: with --resume)")


def read_only_stdout(exc: OSError) -> str | None:
    """What a write to a stdout opened for reading only (``1</dev/null``, ``1<&0``) is told, or
    None when ``exc`` is another error: it was an EBADF traceback, exit 1 ("found none"). It
    exits as a stdout closed from the start does (``>&-``, 141); descriptor 1 then points at
    /dev/null, so the interpreter's last flush of what is buffered fails no more."""
    if exc.errno != errno.EBADF:
        return None
    try:
        os.write(1, b"")  # a descriptor open for reading only refuses even nothing (EBADF)
        return None
    except OSError:
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    return ("stdout is open for reading only (`1<FILE`?), so nothing could be printed: send it to a file or a "
            "pipe (`> out.txt`, `| less`)")


def guard(func: F) -> F:
    """The one error guard: errors that are the user's to fix (:class:`ExploreError`) become
    a one-line message and exit 2; Ctrl-C exits 130 and SIGTERM 143, with nothing
    half-written."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _working_folder_gone():
            fail("the folder this command runs in no longer exists (deleted or moved after the shell went "
                 "there): `cd` to one that does and run it again")
        previous = _sigterm_as_interrupt()
        try:
            return func(*args, **kwargs)
        except ExploreError as exc:
            fail(str(exc))
        except OSError as exc:
            cache = _in_cache(exc)
            if cache is not None and exc.errno not in _FULL:
                fail(f"cannot use the cache folder {cache}: {exc.strerror or exc} ({exc.filename}); make it a "
                     "folder you can write, or set EXPLORE_CACHE to one")
            if (unwritable := read_only_stdout(exc)) is not None:
                fail(unwritable, code=BROKEN_PIPE)
            if (full := no_room(exc)) is None:
                raise
            fail(full)
        except KeyboardInterrupt:
            # `explore train` stopped before its stages began: said as a stopped stage says it
            again = ". Continue with the same command" if func.__name__ == "train" else ""
            fail(stopped(again), code=interrupted_code())
        finally:
            if previous is not None and signal.getsignal(signal.SIGTERM) is _on_sigterm:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def progress_bars() -> Any:
    """Bars on stderr for long loops (stdout stays for results), gone when done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(TextColumn("[bold]{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True)
