"""`explore serve [REPO]`: ask, search, ls and read for an MCP client (an editor, a coding agent).

A front end beside the others: :mod:`explore.serve` does the work, this only reads the
options. The MCP SDK is imported when the command runs, never by `explore --help`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..sandbox.errors import ExploreError
from .console import err, interrupted_code
from .options import ModelOpt, ReflectorOpt, WorktreeOpt, path_value, repository_path


def serve(
    repo: Annotated[Optional[Path], typer.Argument(help="Default repository for calls that name none (never written to).",
                                                   parser=repository_path)] = None,
    worktree: WorktreeOpt = False,
    model: ModelOpt = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", parser=path_value, help="Folder with trained policy/ and reflector/ adapters, for every repository (default: the default repository's own, else the shipped navigator).")] = None,
    reflector: ReflectorOpt = None,
    max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, help="Most steps of a walk when `ask` names none (default: the horizon the adapters were trained with).")] = None,
    socket: Annotated[bool, typer.Option("--socket", help="Also answer `explore ask` from this user's terminals, on a socket in the cache folder: the model stays warm for them.")] = False,
    stdio: Annotated[bool, typer.Option("--stdio/--no-stdio", help="Serve MCP on stdin/stdout (--no-stdio: only the --socket, until Ctrl-C).")] = True,
    allow: Annotated[Optional[list[str]], typer.Option("--allow", metavar="DIR", help="A folder MCP clients may also name as `repo`, with everything under it (repeatable; `--allow /` for any folder). Without it they may ask only about REPO.")] = None,
) -> None:
    """Serve ask, search, ls and read to an MCP client (an editor, a coding agent) on stdio;
    with --socket, also `explore ask` from a terminal, warm."""
    if not stdio and not socket:
        raise ExploreError("--no-stdio serves only the socket: add --socket")
    for folder in allow or []:  # "" (an unset variable in a client's config) would mean the working folder
        if not folder.strip():
            raise ExploreError("--allow takes a folder: an empty path would allow whatever folder the server "
                               "starts in; name it (`--allow .` for that one)")
    if stdio and repo is None and not allow:
        raise ExploreError("an MCP client may name only the folders the server is given: give the repository "
                           "(`explore serve /path/to/repo`), or the folders it may ask about (`--allow ~/src`, "
                           "repeatable; `--allow /` for any)")
    listener = None
    if socket:  # bound first thing: a question asked while the server starts waits for it
        from ..socket_listener import exit_on_sigterm, open_listener

        listener = open_listener(required=not stdio)  # None: it said why on stderr; stdio is served
        if listener is not None:
            exit_on_sigterm()  # removed by the finally below when killed politely, from now on
            if not stdio:
                import signal

                # Ctrl-C stops it from now on, as it does once it waits: a server started where SIGINT is ignored
                # (from a script's `&`, or a CI job's) ignored one sent while it loaded and served on
                signal.signal(signal.SIGINT, signal.default_int_handler)
            err.print(f"explore: answering `explore ask` on {listener.path}", highlight=False)
    try:
        from ..agent.bundle import find_adapters
        from ..serve import ExploreServer

        # One model serves every repository, so adapters are chosen once: an explicit folder, or
        # the ones `explore train` made for the default repository, else the shipped navigator.
        adapters = find_adapters(repo, adapter) or None
        server = ExploreServer(repo, worktree=worktree, model=model, adapters=adapters, reflector=reflector,
                               max_steps=max_steps, allow=allow or [])
        if stdio:
            import signal

            def interrupt(_signum: int, _frame: object) -> None:
                raise KeyboardInterrupt
            # Our own handler: asyncio's (installed only over the default one) would cancel the
            # SDK's tasks and wait on its stdin thread, which Ctrl-C never reaches.
            signal.signal(signal.SIGINT, interrupt)
            err.print("explore: serving MCP on stdio (an MCP client starts this command; Ctrl-C stops it)",
                      highlight=False)
        else:
            err.print("explore: answering `explore ask` warm until Ctrl-C", highlight=False)
        server.run(stdio=stdio, listener=listener)
    except (KeyboardInterrupt, SystemExit) as stop:
        code = interrupted_code() if isinstance(stop, KeyboardInterrupt) else stop.code if isinstance(stop.code, int) else 1
        if not stdio:  # the socket alone: stopped by a signal (SIGINT 130, SIGTERM 143), unwound normally
            if listener is not None:
                listener.close()
            err.print("explore: stopped", highlight=False)
            raise SystemExit(code) from None
        # The MCP SDK reads stdin in a worker thread that a signal does not wake: unwound
        # normally, the process would wait on it, model in memory, until the client closed
        # the pipe. The socket goes first, then the process, with the signal's status.
        if listener is not None:
            listener.close()
        err.print("explore: stopped", highlight=False)
        sys.stderr.flush()
        os._exit(code)
    finally:
        if listener is not None:
            listener.close()
