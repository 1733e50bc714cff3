"""Handing `explore ask` and `explore search` to a warm server: the per-user socket, its
protocol, the client end.

A fresh ``explore ask`` pays the imports and the model load (seconds) before its first
step; a fresh ``explore search``, the imports and the candidate stage's indexes.
``explore serve --socket`` keeps them warm and also listens on a unix socket in the user's
cache folder; both commands try that socket first and, when a server there takes the
request, only print what it answers. Everything else falls back to running in this
process, with the same output and exit codes: no socket, a stale one, another version of
explore, a server loaded with other adapters, a server that dies or stops talking.

The protocol is newline-delimited JSON, one request per connection::

    server: {"event": "hello", "protocol": 2, "version": "0.1.0", "pid": 123}
    client: {"protocol": 2, "version": "0.1.0", "kind": "ask", "repo": "/abs/repo", "question": "...", ...}
    server: {"event": "progress", "text": "loading the model…"}      (any number)
    server: {"event": "beat"}                                         (every HEARTBEAT_S)
    server: {"event": "note", "kind": "uncommitted"}                  (the tree differs from HEAD)
    server: {"event": "note", "kind": "missing", "text": "..."}       (files of the commit the clone lacks)
    server: {"event": "answer", "answer": {...}}   Answer.to_dict(), or a search's result (or one of:)
            {"event": "error", "message": "..."}     the user's to fix: exit 2, as in process
            {"event": "declined", "reason": "..."}   not this server's to answer: ask here

The heartbeat is what makes "never hang" cheap: a server that is alive but busy (loading,
indexing, answering someone else) beats every second, so the client waits for it as long
as a walk takes; one that stops beating for ``IDLE_TIMEOUT_S`` is given up on. The server
end is :mod:`explore.socket_listener` (the transport) and :mod:`explore.socket_answers`
(what a request is answered with). This module imports nothing heavier than the standard
library, so asking through it starts fast.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._version import __version__

#: Bumped when a message changes shape; a client and server that differ do not talk.
PROTOCOL = 2
#: Seconds to connect and hear the server's hello: a live server answers at once.
CONNECT_TIMEOUT_S = 5.0
#: How often a server that is working on a question says it is still alive.
HEARTBEAT_S = 1.0
#: Seconds without a word from the server (it beats every HEARTBEAT_S) before giving up on it.
IDLE_TIMEOUT_S = 15.0
#: Longest whole wait for one answer, unless ``$EXPLORE_SERVER_TIMEOUT`` says otherwise.
TOTAL_TIMEOUT_S = 600.0
#: Longest message either side reads: a request carries the question, an answer its evidence.
MAX_MESSAGE_BYTES = 8 << 20
#: Questions talking at once; one more is declined (and asked in its own process).
MAX_CONNECTIONS = 16
#: What an answer must hold for `explore ask` to print it (``Answer.to_dict()``'s keys).
ANSWER_KEYS = frozenset({"question", "files", "evidence", "answer", "steps", "seconds", "model", "adapters",
                         "notes", "finished"})
#: What a search's result must hold for `explore search` to print it (:mod:`explore.search_result`).
SEARCH_KEYS = frozenset({"question", "snapshot", "fitted", "hits", "seconds"})
#: The requests a server answers (a request's ``kind``), and what each reply must hold.
REPLY_KEYS = {"ask": ANSWER_KEYS, "search": SEARCH_KEYS}
#: Longest socket path the kernel takes (108 bytes with the NUL on Linux), with a margin.
_MAX_SUN_PATH = 100

#: Whether this system has unix sockets and user ids (not Windows): else there is no handoff.
UNIX = hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")


class HandoffDeclined(Exception):
    """The server will not answer this request (another setup, too busy); ask in process."""


#: The cache's subfolder holding the socket: made 0700 by the server, so the socket can be
#: private where the cache folder itself is not (a umask of 002 makes it group-writable).
SOCKET_FOLDER = "run"


def socket_path() -> Path:
    """The per-user socket: ``run/serve.sock`` in the cache folder (``$EXPLORE_CACHE`` or the
    user cache), or, when that path is too long for a unix socket, a file named by its hash
    in a private folder of the temp dir."""
    cache = os.environ.get("EXPLORE_CACHE")
    if not cache:
        from platformdirs import user_cache_dir

        cache = user_cache_dir("explore")
    path = Path(cache).expanduser() / SOCKET_FOLDER / "serve.sock"
    if len(os.fsencode(path)) <= _MAX_SUN_PATH:
        return path
    digest = hashlib.sha256(os.fsencode(path.parent.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"explore-{os.getuid()}" / f"{digest}.sock"


def model_spec(model: str | None) -> str | None:
    """``--model`` as both ends compare it: a local folder by its absolute path (the client
    and the server may run in different folders), anything else as given."""
    if model and Path(model).expanduser().exists():
        return str(Path(model).expanduser().resolve())
    return model


#: What walking a sparse checkout's working tree leaves out.
SPARSE_NOTE = "the working tree is a sparse checkout: files outside it are not walked"


def is_sparse_checkout(repo: Path) -> bool:
    """Whether ``repo``'s working tree is a sparse checkout: its files outside the cone are
    tracked, but not on disk, so a walk of the working tree cannot name them."""
    try:
        done = subprocess.run(["git", "-C", str(repo), "config", "--bool", "core.sparseCheckout"],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.stdout.strip() == "true"


def working_tree_differs(repo: Path) -> bool:
    """Whether ``repo``'s working tree differs from its HEAD (uncommitted or untracked
    files): then an answer about HEAD may describe an older file than the one on disk."""
    from .sandbox.snapshot import Repository

    git = Repository(repo).git
    if git is None or git.bare or not git.head.is_valid():
        return False
    # Not GitPython's is_dirty: its `git diff` and `git status` refresh the stat data in
    # .git/index and write it back (taking index.lock), and the user's repository is never
    # written to. Without optional locks `git status` compares and writes nothing.
    done = subprocess.run(["git", "--no-optional-locks", "-C", str(git.working_tree_dir), "status", "--porcelain",
                           "-z", "--untracked-files=normal"], capture_output=True,
                          env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    return done.returncode == 0 and bool(done.stdout)


#: What an answer about HEAD says when the working tree has changes HEAD does not show (each
#: caller adds how its user reads them: `--worktree`, a server started so, ``worktree=True``).
UNCOMMITTED = "the working tree has changes HEAD does not show; this reads HEAD"


def differs_later(repo: Path) -> Callable[[], bool]:
    """:func:`working_tree_differs` started now, in a thread: `git status` (a fifth of a second
    on a mid-size repository) runs beside the index or the model load instead of before it.
    The returned call waits for it."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="explore-status")
    differs = pool.submit(working_tree_differs, repo)
    pool.shutdown(wait=False)  # the thread ends with `git status`; nothing waits for it but the call
    return differs.result


def _pending(lines: Any) -> dict[str, Any]:
    """The line a server sent before closing the connection, or {} when there is none."""
    try:
        return lines.next()
    except (OSError, ValueError, KeyError):
        return {}


def same_user(conn: socket.socket) -> bool:
    """Whether the process at the other end of ``conn`` runs as this user (Linux:
    SO_PEERCRED; elsewhere the 0600 socket in a private folder is the guard). Both ends ask:
    the server of each command, the command of the server (the file it found may have been
    swapped before it connected)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    import struct

    # struct ucred: pid_t, then uid_t and gid_t, which are unsigned (a uid may be 2**31 or more)
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("iII"))
    _pid, uid, _gid = struct.unpack("iII", creds)
    return uid == os.getuid()


def send_message(conn: socket.socket, message: dict[str, Any]) -> None:
    """One message, as one line of JSON."""
    conn.sendall(json.dumps(message).encode() + b"\n")


def server_timeout() -> float:
    """The longest whole wait for one answer: ``$EXPLORE_SERVER_TIMEOUT`` seconds when it is
    a positive number, else :data:`TOTAL_TIMEOUT_S` (a typo does not make the wait endless
    or nil; ``inf`` waits as long as the server beats)."""
    try:
        total = float(os.environ.get("EXPLORE_SERVER_TIMEOUT") or TOTAL_TIMEOUT_S)
    except ValueError:
        return TOTAL_TIMEOUT_S
    return total if total > 0 else TOTAL_TIMEOUT_S  # NaN and ≤ 0 fail the test


class MessageReader:
    """Newline-delimited JSON messages read from a socket, each under MAX_MESSAGE_BYTES."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buffer = b""

    def next(self) -> dict[str, Any]:
        """The next message; ConnectionError when the other side closed, TimeoutError (an
        OSError) from the socket's own timeout, ValueError for a malformed one."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_MESSAGE_BYTES:
                raise ValueError(f"a message over {MAX_MESSAGE_BYTES} bytes")
            chunk = self.conn.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the other side closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError("a message that is not a JSON object")
        return message


# -- the client: `explore ask`, `explore search` ------------------------------------------
@dataclass
class Fallback:
    """Why the question is asked in this process after all; ``quiet`` when there simply is
    no server (nothing worth telling the user)."""

    reason: str
    quiet: bool = False


def ask_server(
    request: dict[str, Any],
    *,
    on_progress: Callable[[str], None] = lambda _text: None,
    on_note: Callable[[str, str], None] = lambda _kind, _text: None,
    path: Path | None = None,
) -> dict[str, Any] | Fallback:
    """Ask the warm server at ``path`` (default: :func:`socket_path`) the ``request`` (its
    ``kind``, default ``ask``, one of :data:`REPLY_KEYS`); its answer (``Answer.to_dict()``,
    or a search's result), or a :class:`Fallback` saying why to run in process.

    Raises :class:`~explore.sandbox.errors.ExploreError` with the server's text when the
    request was the user's mistake (the in-process ask would have said the same)."""
    if not UNIX:
        return Fallback("no unix sockets on this system", quiet=True)
    request = {"kind": "ask", **request}
    keys = REPLY_KEYS[request["kind"]]
    path = path or socket_path()
    try:
        if path.stat().st_uid != os.getuid():
            return Fallback(f"{path} belongs to another user")
    except OSError:
        return Fallback("no server", quiet=True)
    total = server_timeout()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(min(CONNECT_TIMEOUT_S, total))  # a frozen server (SIGSTOP) never says hello
            try:
                conn.connect(str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                return Fallback("stale socket, no server behind it", quiet=True)
            if not same_user(conn):  # the file was ours, the process behind it is not: tell it nothing
                return Fallback(f"the server on {path} runs as another user")
            lines = MessageReader(conn)
            hello = lines.next()
            if hello.get("protocol") != PROTOCOL or hello.get("version") != __version__:
                return Fallback(f"the running server is explore {hello.get('version')} (protocol "
                                f"{hello.get('protocol')}), this is {__version__}")
            try:
                send_message(conn, {"protocol": PROTOCOL, "version": __version__, **request})
            except (BrokenPipeError, ConnectionResetError):  # a busy server declines and closes unread: its line says why
                message = _pending(lines)
                if message.get("event") == "declined":
                    return Fallback(str(message.get("reason", "declined")))
                raise
            on_progress(f"asking the running server (pid {hello.get('pid')})…")
            deadline = time.monotonic() + total
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return Fallback(f"no answer from the server within {total:g} s")
                # a silent server is given up on after IDLE_TIMEOUT_S, or when the whole wait
                # is over if that comes first (a short $EXPLORE_SERVER_TIMEOUT bounds it too)
                conn.settimeout(min(IDLE_TIMEOUT_S, left))
                try:
                    message = lines.next()
                except TimeoutError:
                    if time.monotonic() >= deadline:
                        return Fallback(f"no answer from the server within {total:g} s")
                    raise
                event = message.get("event")
                if event == "answer":
                    answer = message.get("answer")
                    if not isinstance(answer, dict) or not keys <= answer.keys():
                        return Fallback("the server's answer is not one this explore reads")
                    return answer
                if event == "progress":
                    on_progress(str(message.get("text", "")))
                elif event == "note":
                    on_note(str(message.get("kind", "")), str(message.get("text", "")))
                elif event == "error":
                    from .sandbox.errors import ExploreError

                    raise ExploreError(str(message.get("message", "the server refused the question")))
                elif event == "declined":
                    return Fallback(str(message.get("reason", "declined")))
    except (OSError, ValueError, KeyError) as exc:  # timeouts are OSErrors too
        return Fallback(f"the server stopped answering ({type(exc).__name__}: {exc})")
