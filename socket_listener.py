"""The server end of the handoff socket: :class:`SocketListener` accepts the commands that
`explore serve --socket` answers for this user's terminals (:mod:`explore.handoff` holds the
protocol and the client end).

Transport only: who may connect (this user alone), one thread a connection, the heartbeat
that keeps a waiting command from giving up, a reply dropped when its client has gone. What
a request is answered with is the handler's business (:mod:`explore.socket_answers`). Like
the client end, it imports nothing heavier than the standard library, so the server can
bind the socket first thing, before it loads anything.
"""
from __future__ import annotations

import logging
import os
import select
import signal
import socket
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._version import __version__
from .handoff import (CONNECT_TIMEOUT_S, HEARTBEAT_S, IDLE_TIMEOUT_S, MAX_CONNECTIONS, PROTOCOL, UNIX,
                      HandoffDeclined, MessageReader, same_user, send_message, socket_path)

log = logging.getLogger(__name__)

#: Seconds between tries when accept() fails (out of file descriptors, say) and the server is not closing.
ACCEPT_RETRY_S = 0.2

Handler = Callable[[dict[str, Any], Callable[[dict[str, Any]], None], threading.Event], dict[str, Any]]
"""Answers one request: ``handler(request, say, gone)`` returns the answer's dict; ``say``
sends progress and note events; ``gone`` is set as soon as the client has gone (its work may
stop); raising :class:`HandoffDeclined` declines, an ``ExploreError`` becomes the user's
error, anything else declines with its text (the client asks in process and shows the real
error if it recurs)."""


class SocketListener:
    """Accepts ``explore ask`` connections on the per-user socket, each on its own thread.

    Only the user who runs the server may talk to it (the socket is 0600 in a private folder,
    and each peer's uid is checked). A client that goes away mid-question is noticed at once
    (a client says nothing after its request, so its end turning readable means it closed):
    the handler hears it (``gone``) and stops its walk at the next step, the answer is
    dropped, the connection's threads end, and the server serves on.
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
        failing = False
        while sock is not None and not self._closed.is_set():
            try:
                conn, _ = sock.accept()
            except OSError as exc:
                if self._closed.is_set():
                    return  # closed
                # out of descriptors (EMFILE) or memory for a moment: accept again shortly. Ending
                # here left every later command waiting 5 s for a hello, then asking in process
                if not failing:
                    log.warning("cannot accept a connection on %s (%s); trying again", self.path, exc)
                failing = True
                self._closed.wait(ACCEPT_RETRY_S)
                continue
            failing = False
            if not same_user(conn):
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
        gone = threading.Event()  # set when the client is gone: the work may stop
        lock = threading.Lock()

        def leave() -> None:
            gone.set()
            done.set()

        def say(message: dict[str, Any]) -> None:
            if done.is_set():
                return
            with lock:
                try:
                    send_message(conn, message)
                except OSError:  # the client went away: stop talking, tell the work
                    leave()

        def beat() -> None:
            """A beat every HEARTBEAT_S; meanwhile, watch for the client's end closing."""
            while not done.is_set():
                # poll, not select: select cannot watch a descriptor over 1023, which a busy
                # server's connections get, and their heartbeats stopped.
                watch = select.poll()
                try:
                    watch.register(conn, select.POLLIN)
                    closed = watch.poll(HEARTBEAT_S * 1000)
                except (OSError, ValueError):  # the connection was closed here: the reply is sent
                    return
                if done.is_set() or any(events & select.POLLNVAL for _, events in closed):
                    return  # the reply is sent, or the connection was closed here meanwhile
                if closed:  # readable or hung up after the request: the client closed (or broke the protocol)
                    leave()
                    return
                say({"event": "beat"})

        try:
            conn.settimeout(CONNECT_TIMEOUT_S)
            say({"event": "hello", "protocol": PROTOCOL, "version": __version__, "pid": os.getpid()})
            try:
                request = MessageReader(conn).next()
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
            say(self._reply(request, say, gone))
        finally:
            done.set()
            with lock:
                conn.close()
            self._slots.release()

    def _reply(self, request: dict[str, Any], say: Callable[[dict[str, Any]], None],
               gone: threading.Event) -> dict[str, Any]:
        from .sandbox.errors import ExploreError

        assert self.handler is not None
        try:
            return {"event": "answer", "answer": self.handler(request, say, gone)}
        except HandoffDeclined as exc:
            return {"event": "declined", "reason": str(exc)}
        except ExploreError as exc:
            return {"event": "error", "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - one bad question never takes the server down
            log.exception("a request handed over the socket failed")
            return {"event": "declined", "reason": f"the server failed: {type(exc).__name__}: {exc}"}


def open_listener(*, required: bool) -> SocketListener | None:
    """The per-user socket, bound and accepting (answers wait for :meth:`SocketListener.serve_with`);
    None when another live server holds it, or when it cannot be bound (the cache folder
    is not writable, or not this user's alone), each said once on stderr: MCP on
    stdio is served all the same. An ``ExploreError`` instead when ``required`` (the socket
    is all the server would serve)."""
    from .sandbox.errors import ExploreError

    listener = SocketListener()
    try:
        started = listener.start()
    except OSError as exc:
        reason = f"cannot answer `explore ask` on {listener.path}: {exc}"
        if required:
            raise ExploreError(reason) from None
        sys.stderr.write(f"explore: {reason}; serving MCP on stdio only\n")
        sys.stderr.flush()
        return None
    if started:
        return listener
    if required:
        raise ExploreError(f"another explore server already answers on {listener.path}")
    sys.stderr.write("explore: another explore server already answers `explore ask`; serving stdio only\n")
    sys.stderr.flush()
    return None


def exit_on_sigterm() -> None:
    """Make SIGTERM (what an editor sends the MCP servers it started, and ``kill``'s
    default) an exit that unwinds, status 143, so the ``finally`` that closes the listener
    runs and the socket goes with the server (by default the process just ends, leaving it
    for the next server to find stale). Main thread only, as every signal handler."""
    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _send_quietly(conn: socket.socket, message: dict[str, Any]) -> None:
    try:
        send_message(conn, message)
    except OSError:
        pass


def _answers(path: Path) -> bool:
    """Whether a live server answers at ``path`` (it says hello at once)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CONNECT_TIMEOUT_S)
            conn.connect(str(path))
            return MessageReader(conn).next().get("event") == "hello"
    except (OSError, ValueError):
        return False



def _private_folder(folder: Path) -> None:
    """Make ``folder`` (mode 0700) or check that an existing one is ours and that nobody else
    may write in it: there, a socket could be swapped for someone else's."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o022:
        raise PermissionError(f"{folder} is not this user's alone (owner or mode), so no socket is put there")
