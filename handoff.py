"""Handing `explore ask` to a warm server: the per-user socket, its protocol, both ends.

A fresh ``explore ask`` pays the imports and the model load (seconds) before its first
step. ``explore serve --socket`` keeps one model warm and also listens on a unix socket in
the user's cache folder; ``explore ask`` tries that socket first and, when a server there
takes the question, only prints what it answers. Everything else falls back to asking in
this process, with the same JSON and exit codes: no socket, a stale one, another version of
explore, a server loaded with other adapters, a server that dies or stops talking.

The protocol is newline-delimited JSON, one request per connection::

    server: {"event": "hello", "protocol": 1, "version": "0.1.0", "pid": 123}
    client: {"protocol": 1, "version": "0.1.0", "repo": "/abs/repo", "question": "...", ...}
    server: {"event": "progress", "text": "loading the model…"}      (any number)
    server: {"event": "beat"}                                         (every HEARTBEAT_S)
    server: {"event": "note", "kind": "uncommitted"}                  (the tree differs from HEAD)
    server: {"event": "answer", "answer": {...Answer.to_dict()...}}   (or one of:)
            {"event": "error", "message": "..."}     the user's to fix: exit 2, as in process
            {"event": "declined", "reason": "..."}   not this server's to answer: ask here

The heartbeat is what makes "never hang" cheap: a server that is alive but busy (loading,
indexing, answering someone else) beats every second, so the client waits for it as long
as a walk takes; one that stops beating for ``IDLE_TIMEOUT_S`` is given up on. Only this
module and the two front ends (``cli/ask.py``, ``serve.py``) know the socket; it imports
nothing heavier than the standard library, so asking through it starts fast.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__

#: Bumped when a message changes shape; a client and server that differ do not talk.
PROTOCOL = 1
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
#: Longest socket path the kernel takes (108 bytes with the NUL on Linux), with a margin.
_MAX_SUN_PATH = 100

log = logging.getLogger(__name__)

#: Whether this system has unix sockets and user ids (not Windows): else there is no handoff.
UNIX = hasattr(socket, "AF_UNIX") and hasattr(os, "getuid")


class HandoffDeclined(Exception):
    """The server will not answer this request (another setup, too busy); ask in process."""


def socket_path() -> Path:
    """The per-user socket: ``serve.sock`` in the cache folder (``$EXPLORE_CACHE`` or the
    user cache), or, when that path is too long for a unix socket, a file named by its hash
    in a private folder of the temp dir."""
    cache = os.environ.get("EXPLORE_CACHE")
    if not cache:
        from platformdirs import user_cache_dir

        cache = user_cache_dir("explore")
    path = Path(cache).expanduser() / "serve.sock"
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


def working_tree_differs(repo: Path) -> bool:
    """Whether ``repo``'s working tree differs from its HEAD (uncommitted or untracked
    files): then an answer about HEAD may describe an older file than the one on disk."""
    from .sandbox.snapshot import Repository

    git = Repository(repo).git
    return bool(git is not None and not git.bare and git.head.is_valid() and git.is_dirty(untracked_files=True))


def _private_folder(folder: Path) -> None:
    """Make ``folder`` (mode 0700) or check that an existing one is ours and that nobody else
    may write in it: there, a socket could be swapped for someone else's."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o022:
        raise PermissionError(f"{folder} is not this user's alone (owner or mode), so no socket is put there")


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


class _Lines:
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


# -- the client: `explore ask` ------------------------------------------------------------
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
    on_note: Callable[[str], None] = lambda _text: None,
    path: Path | None = None,
) -> dict[str, Any] | Fallback:
    """Ask the warm server at ``path`` (default: :func:`socket_path`) the ``request``; its
    answer (``Answer.to_dict()``), or a :class:`Fallback` saying why to ask in process.

    Raises :class:`~explore.sandbox.errors.ExploreError` with the server's text when the
    request was the user's mistake (the in-process ask would have said the same)."""
    if not UNIX:
        return Fallback("no unix sockets on this system", quiet=True)
    path = path or socket_path()
    try:
        if path.stat().st_uid != os.getuid():
            return Fallback(f"{path} belongs to another user")
    except OSError:
        return Fallback("no server", quiet=True)
    try:
        total = float(os.environ.get("EXPLORE_SERVER_TIMEOUT") or TOTAL_TIMEOUT_S)
    except ValueError:
        total = TOTAL_TIMEOUT_S
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CONNECT_TIMEOUT_S)
            try:
                conn.connect(str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                return Fallback("stale socket, no server behind it", quiet=True)
            lines = _Lines(conn)
            hello = lines.next()
            if hello.get("protocol") != PROTOCOL or hello.get("version") != __version__:
                return Fallback(f"the running server is explore {hello.get('version')} (protocol "
                                f"{hello.get('protocol')}), this is {__version__}")
            _send(conn, {"protocol": PROTOCOL, "version": __version__, **request})
            on_progress(f"asking the running server (pid {hello.get('pid')})…")
            conn.settimeout(IDLE_TIMEOUT_S)
            deadline = time.monotonic() + total
            while True:
                if time.monotonic() > deadline:
                    return Fallback(f"no answer from the server within {total:g} s")
                message = lines.next()
                event = message.get("event")
                if event == "answer":
                    answer = message.get("answer")
                    if not isinstance(answer, dict) or not ANSWER_KEYS <= answer.keys():
                        return Fallback("the server's answer is not one this explore reads")
                    return answer
                if event == "progress":
                    on_progress(str(message.get("text", "")))
                elif event == "note":
                    on_note(str(message.get("kind", "")))
                elif event == "error":
                    from .sandbox.errors import ExploreError

                    raise ExploreError(str(message.get("message", "the server refused the question")))
                elif event == "declined":
                    return Fallback(str(message.get("reason", "declined")))
    except (OSError, ValueError, KeyError) as exc:  # timeouts are OSErrors too
        return Fallback(f"the server stopped answering ({type(exc).__name__}: {exc})")


# -- the server: `explore serve --socket` -------------------------------------------------
Handler = Callable[[dict[str, Any], Callable[[dict[str, Any]], None]], dict[str, Any]]
"""Answers one request: ``handler(request, say)`` returns the answer's dict; ``say`` sends
progress and note events; raising :class:`HandoffDeclined` declines, an ``ExploreError``
becomes the user's error, anything else declines with its text (the client asks in
process and shows the real error if it recurs)."""


class SocketListener:
    """Accepts ``explore ask`` connections on the per-user socket, each on its own thread.

    Only the user who runs the server may talk to it (the socket is 0600 in a private folder,
    and each peer's uid is checked). A client that goes away mid-question costs nothing but
    the walk already under way: its answer is dropped, its thread ends, the server serves on.
    """

    def __init__(self, handler: Handler | None = None, path: Path | None = None) -> None:
        self.handler = handler
        self._ready = threading.Event()  # set once there is a handler: questions wait for it
        if handler is not None:
            self._ready.set()
        self.path = path or socket_path()
        self._sock: socket.socket | None = None
        self._inode: int | None = None
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> bool:
        """Bind the socket and serve on a daemon thread. False (and nothing bound) when
        another live server holds it already; a stale socket file is replaced."""
        if not UNIX:
            raise OSError("this system has no unix sockets")
        _private_folder(self.path.parent)
        if self.path.exists() or self.path.is_symlink():
            if _answers(self.path):
                return False
            self.path.unlink(missing_ok=True)  # stale: its server died without cleaning up
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket is born 0600: no window where others may connect
        try:
            sock.bind(str(self.path))
        except OSError:
            sock.close()
            raise
        finally:
            os.umask(old)
        sock.listen(MAX_CONNECTIONS)
        self._sock, self._inode = sock, self.path.stat().st_ino
        self.thread = threading.Thread(target=self._accept, name="explore-socket", daemon=True)
        self.thread.start()
        return True

    def serve_with(self, handler: Handler) -> None:
        """Start answering with ``handler``. The socket may be bound before (the server binds
        it first thing, so a question asked while it starts waits for it, beating, instead of
        loading a second model in its own process)."""
        self.handler = handler
        self._ready.set()

    def close(self) -> None:
        """Stop accepting and remove the socket file, if it is still the one bound here (a
        successor may have replaced a socket it thought stale)."""
        self._closed.set()
        if self._sock is not None:
            try:
                if self.path.stat().st_ino == self._inode:
                    self.path.unlink()
            except OSError:
                pass
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
            self._sock = None

    def _accept(self) -> None:
        sock = self._sock
        while sock is not None and not self._closed.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return  # closed
            if not _same_user(conn):
                conn.close()
                continue
            if not self._slots.acquire(blocking=False):
                _send_quietly(conn, {"event": "hello", "protocol": PROTOCOL, "version": __version__,
                                     "pid": os.getpid()})
                _send_quietly(conn, {"event": "declined", "reason": f"the server is answering "
                                     f"{MAX_CONNECTIONS} questions already"})
                conn.close()
                continue
            threading.Thread(target=self._serve_one, args=(conn,), name="explore-socket-client",
                             daemon=True).start()

    def _serve_one(self, conn: socket.socket) -> None:
        """One connection: hello, the request, heartbeats while the handler works, the reply."""
        done = threading.Event()  # set when the reply is sent or the client is gone
        lock = threading.Lock()

        def say(message: dict[str, Any]) -> None:
            if done.is_set():
                return
            with lock:
                try:
                    _send(conn, message)
                except OSError:  # the client went away: stop talking, let the work finish
                    done.set()

        def beat() -> None:
            while not done.wait(HEARTBEAT_S):
                say({"event": "beat"})

        try:
            conn.settimeout(CONNECT_TIMEOUT_S)
            say({"event": "hello", "protocol": PROTOCOL, "version": __version__, "pid": os.getpid()})
            try:
                request = _Lines(conn).next()
            except (OSError, ValueError):
                return  # nothing asked, or not our protocol
            conn.settimeout(2 * IDLE_TIMEOUT_S)  # from here only sends: a client that stops reading is dropped
            if request.get("protocol") != PROTOCOL or request.get("version") != __version__:
                say({"event": "declined", "reason": f"this server is explore {__version__} (protocol {PROTOCOL})"})
                return
            heart = threading.Thread(target=beat, name="explore-socket-beat", daemon=True)
            heart.start()
            if not self._ready.is_set():
                say({"event": "progress", "text": "waiting for the server to start…"})
                while not self._ready.wait(HEARTBEAT_S):
                    if self._closed.is_set():
                        say({"event": "declined", "reason": "the server stopped before it started answering"})
                        return
            say(self._reply(request, say))
        finally:
            done.set()
            with lock:
                conn.close()
            self._slots.release()

    def _reply(self, request: dict[str, Any], say: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        from .sandbox.errors import ExploreError

        assert self.handler is not None
        try:
            return {"event": "answer", "answer": self.handler(request, say)}
        except HandoffDeclined as exc:
            return {"event": "declined", "reason": str(exc)}
        except ExploreError as exc:
            return {"event": "error", "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - one bad question never takes the server down
            log.exception("a question from `explore ask` failed")
            return {"event": "declined", "reason": f"the server failed: {type(exc).__name__}: {exc}"}


def open_listener(*, required: bool) -> SocketListener | None:
    """The per-user socket, bound and accepting (answers wait for :meth:`SocketListener.serve_with`);
    None when another live server holds it, or an ``ExploreError`` when ``required`` (the
    socket is all the server would serve) or when it cannot be bound at all."""
    from .sandbox.errors import ExploreError

    listener = SocketListener()
    try:
        started = listener.start()
    except OSError as exc:
        raise ExploreError(f"cannot answer `explore ask` on {listener.path}: {exc}") from None
    if started:
        return listener
    if required:
        raise ExploreError(f"another explore server already answers on {listener.path}")
    return None


def _same_user(conn: socket.socket) -> bool:
    """Whether the peer runs as this user (Linux: SO_PEERCRED; elsewhere the 0600 socket in
    a private folder is the guard)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return True
    import struct

    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid == os.getuid()


def _send_quietly(conn: socket.socket, message: dict[str, Any]) -> None:
    try:
        _send(conn, message)
    except OSError:
        pass


def _answers(path: Path) -> bool:
    """Whether a live server answers at ``path`` (it says hello at once)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CONNECT_TIMEOUT_S)
            conn.connect(str(path))
            return _Lines(conn).next().get("event") == "hello"
    except (OSError, ValueError):
        return False
