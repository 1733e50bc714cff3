"""`explore ask` handed to a warm `explore serve --socket` (:mod:`explore.handoff`).

The server is the real console script in a subprocess, on a real git repository made here,
with the tiny real model; `explore ask` runs through CliRunner in this process, so both
find the same per-test socket through ``EXPLORE_CACHE``. The misbehaving peers at the end
(stale, another version, silent, gone mid-answer) are plain sockets speaking the protocol.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from explore import __version__, handoff
from explore.cli import app
from explore.handoff import PROTOCOL, Fallback, ask_server, socket_path

EXPLORE = Path(sys.executable).with_name("explore")
runner = CliRunner()
pytestmark = pytest.mark.skipif(not handoff.UNIX, reason="no unix sockets here: `explore ask` never hands over")

FILES = {
    "pkg/__init__.py": "",
    "pkg/retry.py": "def backoff(attempt):\n    \"\"\"Seconds to wait before retry number `attempt`.\"\"\"\n"
                    "    return 2 ** attempt\n",
    "pkg/config.py": "def parse_config(text):\n    return dict(line.split('=') for line in text.splitlines())\n",
    "README.md": "# Demo\n",
}


def wait_for(condition, what: str, limit: float = 120.0) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``limit`` seconds (a
    bound against hanging, not a speed check)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@contextmanager
def socket_server(tmp_path: Path, cache: Path, *args: str) -> Iterator[tuple[subprocess.Popen, Path]]:
    """``explore serve ARGS --socket --no-stdio`` running, its socket bound; stopped after."""
    log = tmp_path / "socket-server.log"
    with open(log, "w") as errlog:
        proc = subprocess.Popen([str(EXPLORE), "serve", *args, "--socket", "--no-stdio"], stdout=subprocess.DEVNULL,
                                stderr=errlog, env={**os.environ, "EXPLORE_CACHE": str(cache), "OMP_NUM_THREADS": "1"})
    try:
        wait_for(lambda: "answering `explore ask` on" in log.read_text() or proc.poll() is not None,
                 "the server's socket")
        assert proc.poll() is None, log.read_text()
        yield proc, log
    finally:
        proc.terminate()
        proc.wait(60)


def walk(data):
    """An answer without its timings, probabilities to 6 places (a warm model continues from
    cached instructions, which moves float32 sums in the 8th place)."""
    if isinstance(data, dict):
        return {k: None if k == "seconds" else walk(v) for k, v in data.items()}
    if isinstance(data, list):
        return [walk(v) for v in data]
    return round(data, 6) if isinstance(data, float) else data


def test_ask_through_a_warm_server_answers_as_in_process(tmp_path: Path, explore_cache: Path, make_repo,
                                                        tree_hash) -> None:
    repo = make_repo(tmp_path, FILES)
    before = tree_hash(repo)
    args = ["ask", str(repo), "where is the retry backoff computed?", "--model", "tiny-random", "--max-steps", "3",
            "--json"]
    here = runner.invoke(app, [*args, "--no-server"])
    nothing = ["ask", str(repo), "zzzq qqqz", "--model", "tiny-random", "--max-steps", "1", "--json"]
    nothing_here = runner.invoke(app, [*nothing, "--no-server"])
    assert here.exit_code == 0 and nothing_here.exit_code == 1, here.output + nothing_here.output
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (proc, log):
        served = runner.invoke(app, args)
        assert served.exit_code == 0, served.output
        assert walk(json.loads(served.stdout)) == walk(json.loads(here.stdout))
        assert log.read_text().count("answered `explore ask` on repo@") == 1  # it was the server that answered
        assert served.stderr == ""  # nothing to say: no fallback, a clean tree

        # One server per user: a second one says who holds the socket, and stops.
        second = runner.invoke(app, ["serve", str(repo), "--socket", "--no-stdio"])
        assert second.exit_code == 2 and "another explore server already answers on" in second.output

        # Handed over, the command imports none of the model's stack (numpy included).
        probe = ("import atexit, sys\n"
                 "atexit.register(lambda: sys.stderr.write('heavy: %s' % sorted(m for m in sys.modules if m in "
                 "('numpy', 'torch', 'transformers', 'explore.agent', 'explore.sandbox.snapshot', 'mcp'))))\n"
                 "from explore.cli import main\n"
                 "main()\n")
        light = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True,
                               env={**os.environ, "EXPLORE_CACHE": str(explore_cache)})
        assert light.returncode == 0 and light.stderr == "heavy: []", light.stderr
        assert log.read_text().count("answered `explore ask` on repo@") == 2

        # Found nothing: exit 1 and the same JSON, through the server too.
        nothing_served = runner.invoke(app, nothing)
        assert nothing_served.exit_code == 1
        assert walk(json.loads(nothing_served.stdout)) == walk(json.loads(nothing_here.stdout))

        # A rich answer, and the same on another repository (the server opens it).
        other = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n"}, name="other")
        rich = runner.invoke(app, ["ask", str(other), "where is a url fetched?", "--model", "tiny-random",
                                   "--max-steps", "2"])
        assert rich.exit_code == 0 and "lib/net.py" in rich.stdout and "zero-shot" in rich.stdout
        assert rich.stdout.rstrip().endswith("by the warm server")  # the terminal is told who answered
        assert "answered `explore ask` on other@" in log.read_text()

        # The user's mistakes: exit 2 with the in-process words, whoever finds them.
        bad = runner.invoke(app, [*args, "--adapter", str(tmp_path / "none")])
        assert bad.exit_code == 2 and "no such folder" in bad.output
        assert runner.invoke(app, ["ask", str(tmp_path / "gone"), "q"]).exit_code == 2
        # Asks for another setup (the trained reflector): declined, said why, then the
        # in-process ask gives its own error.
        lora = runner.invoke(app, [*args, "--reflector", "lora"])
        assert lora.exit_code == 2 and "needs a trained reflector adapter" in lora.output \
            and "--reflection" in lora.output
        assert "answering in this process" in lora.stderr and "reflector none" in lora.stderr

        # The working tree moved on: the same note as in process, stdout still one JSON object.
        (repo / "pkg" / "retry.py").write_text("def backoff(attempt):\n    return 3 ** attempt\n")
        dirty = runner.invoke(app, args)
        assert dirty.exit_code == 0 and "--worktree" in dirty.stderr
        assert json.loads(dirty.stdout)["files"]
        worktree = runner.invoke(app, [*args, "--worktree"])
        assert worktree.exit_code == 0 and "working tree" not in worktree.stderr
        assert "answered `explore ask` on repo (working tree)" in log.read_text()
        before = tree_hash(repo)
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()  # terminated: SIGTERM
    assert not socket_path().exists()  # removed on the way out
    assert tree_hash(repo) == before


def test_search_through_a_warm_server_prints_what_it_prints_alone(tmp_path: Path, explore_cache: Path, make_repo,
                                                                 tree_hash) -> None:
    """`explore search` hands its query to the running server as `explore ask` does: the same
    JSON and the same text (less the seconds), the same errors and notes, the same flags that
    keep it here; and it imports none of the ranking's stack to do so."""
    from explore.agent.bundle import COMBINER_FILE
    from explore.retrieval.combiner import FEATURES, Combiner

    repo = make_repo(tmp_path, FILES | {"docs/retry.md": "# Retry\n\nThe back-off doubles each attempt.\n"})
    question = "where is the retry backoff computed?"
    args = ["search", str(repo), question, "-k", "3"]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / COMBINER_FILE).write_text(json.dumps(Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES}
                                                            | {"file_score": 0.1}).to_dict()))
    variants = {"json": [*args, "--json"], "text": args, "bundle": [*args, "--json", "--adapter", str(bundle)],
                "nothing": ["search", str(repo), "zzzq qqqz", "--json"]}
    here = {name: runner.invoke(app, [*argv, "--no-server"]) for name, argv in variants.items()}
    assert [here[n].exit_code for n in variants] == [0, 0, 0, 1], {n: r.output for n, r in here.items()}
    assert json.loads(here["bundle"].stdout)["hits"][0]["path"] == "docs/retry.md"

    def same(name: str, result) -> None:
        if name == "text":  # the last line says how long it took, and who ranked
            assert result.stdout.splitlines()[:-1] == here[name].stdout.splitlines()[:-1]
            last = result.stdout.splitlines()[-1]
            assert last.endswith(" · by the warm server") and "warm" not in here[name].stdout
            assert last.removesuffix(" · by the warm server").split("s · ")[1] == \
                here[name].stdout.splitlines()[-1].split("s · ")[1]
        else:
            assert walk(json.loads(result.stdout)) == walk(json.loads(here[name].stdout))

    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (proc, log):
        for n, (name, argv) in enumerate(variants.items(), start=1):
            served = runner.invoke(app, argv)
            assert served.exit_code == here[name].exit_code and served.stderr == "", served.output
            same(name, served)
            assert log.read_text().count("answered `explore search` on repo@") == n  # the server answered

        # Handed over, the command imports none of the ranking's stack.
        probe = ("import atexit, sys\n"
                 "atexit.register(lambda: sys.stderr.write('heavy: %s' % sorted(m for m in sys.modules if m in "
                 "('numpy', 'bm25s', 'explore.retrieval', 'explore.sandbox.index', 'explore.sandbox.snapshot'))))\n"
                 "from explore.cli import main\n"
                 "main()\n")
        light = subprocess.run([sys.executable, "-c", probe, *variants["json"]], capture_output=True, text=True,
                               env={**os.environ, "EXPLORE_CACHE": str(explore_cache)})
        assert light.returncode == 0 and light.stderr == "heavy: []", light.stderr
        same("json", SimpleNamespace(stdout=light.stdout))
        searched = log.read_text().count("answered `explore search`")

        # The flags that keep `explore ask` here keep `explore search` here.
        for flags in (["--no-server"], ["--rev", "HEAD"]):
            kept = runner.invoke(app, [*variants["json"], *flags])
            assert kept.exit_code == 0
            same("json", kept)
        assert log.read_text().count("answered `explore search`") == searched

        # The user's mistakes, in the words the command uses alone.
        empty = tmp_path / "empty-bundle"
        empty.mkdir()
        bad = runner.invoke(app, [*args, "--adapter", str(empty)])
        alone = runner.invoke(app, [*args, "--adapter", str(empty), "--no-server"])
        assert bad.exit_code == alone.exit_code == 2 and bad.output == alone.output and "combiner.json" in bad.output
        assert runner.invoke(app, ["search", str(tmp_path / "gone"), "q"]).exit_code == 2

        # The working tree moved on: the same note as alone, and --worktree searches it.
        (repo / "pkg" / "jitter.py").write_text("def jitter(delay):\n    return delay * 1.1\n")
        dirty = runner.invoke(app, [*variants["json"]])
        assert dirty.exit_code == 0 and "--worktree" in dirty.stderr
        worktree = runner.invoke(app, ["search", str(repo), "where is the jitter added to a delay?", "--worktree",
                                       "--json"])
        assert worktree.exit_code == 0 and json.loads(worktree.stdout)["hits"][0]["path"] == "pkg/jitter.py"
        assert "answered `explore search` on repo (working tree)" in log.read_text()
        before = tree_hash(repo)
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()  # terminated: SIGTERM

    # No server any more: searched here, with nothing to say but the tree's note.
    gone = runner.invoke(app, variants["json"])
    assert gone.exit_code == 0 and gone.stderr == dirty.stderr and json.loads(gone.stdout)["hits"]
    assert tree_hash(repo) == before


def hand_over_and_leave(request: dict, until: str | None) -> None:
    """A command as a plain socket: it sends ``request``, reads until a progress text starts
    with ``until`` (None: not at all), and hangs up."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(60)
        conn.connect(str(socket_path()))
        with conn.makefile("rb") as reader:  # open, it would keep the connection open
            assert json.loads(reader.readline())["event"] == "hello"
            conn.sendall(json.dumps(request).encode() + b"\n")
            while until is not None and not json.loads(reader.readline()).get("text", "").startswith(until):
                pass


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the server's threads in /proc")
def test_clients_that_leave_mid_question_cost_the_server_nothing(tmp_path: Path, explore_cache: Path,
                                                                 make_repo) -> None:
    """Ten clients send a question and hang up as soon as the walk starts (or before it says
    anything); the server keeps serving, the next `explore ask` is answered, and the threads
    it made for them are gone."""
    repo = make_repo(tmp_path, FILES)
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (proc, log):
        ask = ["ask", str(repo), "where is the config parsed?", "--model", "tiny-random", "--max-steps", "2", "--json"]
        first = runner.invoke(app, ask)
        assert first.exit_code == 0, first.output
        time.sleep(2 * handoff.HEARTBEAT_S)  # the answered question's heartbeat thread wakes and ends
        threads = lambda: len(os.listdir(f"/proc/{proc.pid}/task"))  # noqa: E731
        baseline = threads()
        request = {"protocol": PROTOCOL, "version": __version__, "repo": str(repo), "question": "where is retry?",
                   "model": "tiny-random", "max_steps": 50}
        for n in range(10):  # half wait until the walk has started, half leave at once
            hand_over_and_leave(request, "walking the repository…" if n % 2 else None)
        wait_for(lambda: threads() == baseline, "the abandoned questions' threads to end")
        answered = runner.invoke(app, ask)
        assert answered.exit_code == 0 and answered.stderr == "", answered.output
        assert walk(json.loads(answered.stdout)) == walk(json.loads(first.stdout))
        assert proc.poll() is None
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()  # terminated: SIGTERM


def test_the_walk_of_a_command_that_left_stops(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """A command hands its question over and goes away while the server loads the model (no
    default repository: nothing loads before the first question). The server notices at
    once, the walk stops at its first step instead of walking 50, nothing is answered, and
    the next `explore ask` is answered by the server as if nothing happened."""
    repo = make_repo(tmp_path, FILES)
    with socket_server(tmp_path, explore_cache, "--model", "tiny-random") as (proc, log):
        request = {"protocol": PROTOCOL, "version": __version__, "kind": "ask", "repo": str(repo),
                   "question": "where is the retry backoff computed?", "model": "tiny-random", "max_steps": 50}
        hand_over_and_leave(request, "loading the model")
        wait_for(lambda: "stopped walking" in log.read_text(), "the walk to stop")
        assert f"stopped walking {repo.name}@" in log.read_text() and "after 0 steps" in log.read_text()
        args = ["ask", str(repo), request["question"], "--model", "tiny-random", "--max-steps", "3", "--json"]
        answered = runner.invoke(app, args)
        assert answered.exit_code == 0 and answered.stderr == "", answered.output
        assert log.read_text().count("answered `explore ask`") == 1 and proc.poll() is None
    assert walk(json.loads(answered.stdout)) == walk(json.loads(runner.invoke(app, [*args, "--no-server"]).stdout))
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()  # terminated: SIGTERM


@contextmanager
def peer(behaviour) -> Iterator[Path]:
    """A socket at the per-user path whose every connection runs ``behaviour(conn)``."""
    path = socket_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                behaviour(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        try:  # wakes the accept() the thread waits in (close alone does not, on Linux)
            listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        listener.close()
        path.unlink(missing_ok=True)
        thread.join(10)


def hello(conn: socket.socket, version: str = __version__) -> None:
    conn.sendall(json.dumps({"event": "hello", "protocol": PROTOCOL, "version": version}).encode() + b"\n")


def test_the_client_falls_back_instead_of_hanging(explore_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request = {"repo": "/nowhere", "question": "q"}
    assert ask_server(request) == Fallback("no server", quiet=True)

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # bound, then its server died
    socket_path().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    stale.bind(str(socket_path()))
    stale.close()
    assert ask_server(request).quiet
    socket_path().unlink()

    with peer(lambda conn: hello(conn, "0.0.0")):
        other = ask_server(request)
        assert not other.quiet and "explore 0.0.0" in other.reason

    monkeypatch.setattr(handoff, "IDLE_TIMEOUT_S", 0.5)

    def silent(conn: socket.socket) -> None:  # says hello, takes the question, never answers
        hello(conn)
        conn.recv(1 << 16)
        time.sleep(2)

    with peer(silent):
        assert "stopped answering" in ask_server(request).reason

    # $EXPLORE_SERVER_TIMEOUT bounds the wait on a silent server too (it waited the whole
    # idle timeout, 15 s by default, whatever the variable said)
    monkeypatch.setattr(handoff, "IDLE_TIMEOUT_S", 30.0)
    monkeypatch.setenv("EXPLORE_SERVER_TIMEOUT", "0.3")
    with peer(silent):
        start = time.monotonic()
        assert ask_server(request).reason == "no answer from the server within 0.3 s"
        assert time.monotonic() - start < 10  # the idle timeout is 30 s here
    with peer(lambda conn: time.sleep(2)):  # a frozen server: it never says hello (it took the 5 s connect wait)
        start = time.monotonic()
        assert not ask_server(request).quiet and time.monotonic() - start < 1.5
    for value, total in (("nan", handoff.TOTAL_TIMEOUT_S), ("-1", handoff.TOTAL_TIMEOUT_S),
                         ("soon", handoff.TOTAL_TIMEOUT_S), ("inf", float("inf")), ("12", 12.0)):
        monkeypatch.setenv("EXPLORE_SERVER_TIMEOUT", value)
        assert handoff.server_timeout() == total
    monkeypatch.delenv("EXPLORE_SERVER_TIMEOUT")
    monkeypatch.setattr(handoff, "IDLE_TIMEOUT_S", 0.5)

    def dies(conn: socket.socket) -> None:  # starts, then goes away mid-answer
        hello(conn)
        conn.recv(1 << 16)
        conn.sendall(b'{"event": "progress", "text": "walking"}\n{"event": "answ')

    heard: list[str] = []
    with peer(dies):
        gone = ask_server(request, on_progress=heard.append)
        assert "stopped answering" in gone.reason and heard[-1] == "walking"

    def garbage(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    with peer(garbage):
        assert "stopped answering" in ask_server(request).reason


def test_a_question_too_big_to_hand_over_is_searched_here_without_a_word(tmp_path: Path, explore_cache: Path,
                                                                       make_repo) -> None:
    """A question whose UTF-8 fits the handoff's limit but whose JSON (non-ASCII escaped, six
    bytes a character) does not is kept in this process quietly, as a bigger one is: never
    sent for the server to refuse mid-message and the command to say it stopped answering."""
    repo = make_repo(tmp_path, FILES)
    from explore.question_text import MAX_QUESTION_CHARS

    # twelve bytes of JSON a character (a surrogate pair's two escapes), four of UTF-8: under the
    # longest question taken, under half the handoff's limit as UTF-8, over it as JSON
    question = "where is the retry backoff computed? " + "\U0001F600" * (handoff.MAX_MESSAGE_BYTES // 11)
    assert len(question) <= MAX_QUESTION_CHARS
    assert len(question.encode()) <= handoff.MAX_MESSAGE_BYTES // 2 < handoff.MAX_MESSAGE_BYTES < len(json.dumps(question))
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (proc, log):
        wait_for(lambda: "ready: warmed up" in log.read_text(), "the server to warm up")
        result = runner.invoke(app, ["search", str(repo), "-", "-k", "2", "--json"], input=question)
        assert result.exit_code == 0 and result.stderr == "", result.stderr
        assert json.loads(result.stdout)["hits"][0]["path"] == "pkg/retry.py"
        assert "answered `explore search`" not in log.read_text()
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()  # terminated: SIGTERM


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not hasattr(socket, "SO_PEERCRED"),
                    reason="becomes a user with a uid over 2**31, which takes root")
def test_a_user_with_a_uid_over_2_31_is_served() -> None:
    """uid_t is unsigned: a user whose uid is 2**31 or more (directory-service and container
    ranges) is the same user to the listener's peer check, not refused every connection
    (which the command took for a server that stopped answering, every time)."""
    uid = 3_000_000_000
    script = (
        "import json, os, shutil, struct, tempfile\n"
        "from pathlib import Path\n"
        "import explore.sandbox.errors\n"
        "from explore import handoff, socket_listener\n"
        f"folder = Path(tempfile.mkdtemp()); os.chown(folder, {uid}, {uid}); os.setgid({uid}); os.setuid({uid})\n"
        "reply = {k: 1 for k in handoff.SEARCH_KEYS}\n"
        "listener = socket_listener.SocketListener(lambda request, say, gone: reply, path=folder / 's.sock')\n"
        "try:\n"
        "    assert listener.start()\n"
        "    got = handoff.ask_server({'kind': 'search', 'repo': str(folder), 'question': 'q'}, path=listener.path)\n"
        "finally:\n"
        "    listener.close()\n"
        "    shutil.rmtree(folder)\n"
        "print(json.dumps(got == reply or str(got)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is True, done.stdout


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or not hasattr(socket, "SO_PEERCRED"),
                    reason="runs a server as another user, which takes root")
def test_a_server_run_by_another_user_is_not_asked(tmp_path: Path) -> None:
    """The socket file is ours but the process behind it is another user's (a symlink swapped
    between the command's look at the file and its connect, in a folder someone else can
    write): the command asks nothing of it, and says so, instead of handing it the question."""
    uid = 3_000_000_001
    script = (
        "import json, os, shutil, socket, sys, tempfile\n"
        "from pathlib import Path\n"
        "from explore import __version__, handoff\n"
        f"folder = Path(tempfile.mkdtemp()); os.chmod(folder, 0o755); os.chown(folder, {uid}, {uid})\n"
        f"os.setgid({uid}); os.setuid({uid})\n"
        "server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); server.bind(str(folder / 's.sock'))\n"
        "server.listen(1); print(folder, flush=True)\n"
        "conn, _ = server.accept()\n"
        "handoff.send_message(conn, {'event': 'hello', 'protocol': handoff.PROTOCOL, 'version': __version__})\n"
        "heard = handoff.MessageReader(conn).next()\n"
        "handoff.send_message(conn, {'event': 'answer', 'answer': {k: 'forged' for k in handoff.SEARCH_KEYS}})\n"
        "print(heard['question'], flush=True)\n")
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    folder = Path(child.stdout.readline().strip())
    try:
        assert folder.name, "the other user's server did not start"
        os.chown(folder / "s.sock", os.getuid(), os.getgid(), follow_symlinks=False)  # the file looks ours
        got = ask_server({"kind": "search", "repo": "/secret/repo", "question": "the secret question"},
                         path=folder / "s.sock")
        assert isinstance(got, Fallback) and "another user" in got.reason, got
    finally:
        child.kill()
        child.wait(60)
        heard = child.stdout.read()
        child.stdout.close()
        import shutil

        if folder.name:
            shutil.rmtree(folder, ignore_errors=True)
    assert "secret" not in heard


def test_a_server_started_with_max_steps_walks_a_command_as_it_walks_alone(tmp_path: Path, explore_cache: Path,
                                                                          make_repo) -> None:
    """`serve --max-steps` is the default of the MCP `ask`; an `explore ask` that names no
    --max-steps walks the horizon it walks in its own process, wherever it is answered."""
    repo = make_repo(tmp_path, FILES)
    args = ["ask", str(repo), "where is the retry backoff computed?", "--model", "tiny-random", "--json"]
    here = runner.invoke(app, [*args, "--no-server"])
    assert here.exit_code in (0, 1) and len(json.loads(here.stdout)["steps"]) > 1, here.output
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random", "--max-steps", "1") as (proc, log):
        served = runner.invoke(app, args)
        assert served.exit_code == here.exit_code and served.stderr == "", served.output
        assert "answered `explore ask` on repo@" in log.read_text()  # the server answered it
        assert walk(json.loads(served.stdout)) == walk(json.loads(here.stdout))
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()  # terminated: SIGTERM



def test_a_connection_on_a_descriptor_over_1023_is_heard_and_watched(explore_cache: Path) -> None:
    """A busy server holds many files (indexes, git processes, clients): a connection accepted
    on descriptor 1024 or more still gets its heartbeats (``select`` cannot watch it, and the
    command gave up after 15 s of silence on a long walk) and is still seen to hang up.

    In a process of its own whose descriptors under 1024 are all taken before the listener
    starts (so no other thread races for them): every socket it then makes is over 1023."""
    script = (
        "import json, os, resource, socket, stat, threading\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "if soft < 1200: resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))\n"
        "null = os.open(os.devnull, os.O_RDONLY)\n"
        "for fd in range(1024):\n"
        "    try: os.fstat(fd)\n"
        "    except OSError: os.dup2(null, fd)\n"
        "from explore import __version__, handoff\n"
        "from explore.socket_listener import SocketListener\n"
        "asked, left = threading.Event(), threading.Event()\n"
        "def handler(request, say, gone):\n"
        "    asked.set()\n"
        "    if gone.wait(120): left.set()\n"
        "    return {}\n"
        "listener = SocketListener(handler)\n"
        "assert listener.start()\n"
        "conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "conn.settimeout(30)\n"  # twice the command's patience: a server that beats is heard well before
        "conn.connect(str(listener.path))\n"
        "reader = handoff.MessageReader(conn)\n"
        "heard = [reader.next()['event']]\n"
        "handoff.send_message(conn, {'protocol': handoff.PROTOCOL, 'version': __version__, 'kind': 'search'})\n"
        "assert asked.wait(60)\n"
        "low = [fd for fd in range(1024) if stat.S_ISSOCK(os.fstat(fd).st_mode)]\n"
        "try:\n"
        "    heard += [reader.next()['event'] for _ in range(2)]\n"
        "except OSError as exc:\n"
        "    heard.append(repr(exc))\n"
        "conn.close()\n"
        "print(json.dumps({'heard': heard, 'low_sockets': low, 'left': left.wait(60)}))\n"
        "listener.close()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "EXPLORE_CACHE": str(explore_cache)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["low_sockets"] == [], result  # every socket of the listener's is over 1023
    assert result["heard"] == ["hello", "beat", "beat"], result
    assert result["left"], "the listener did not see the client hang up"


@contextmanager
def stdio_server(tmp_path: Path, cache: Path, repo: Path, waiting_for: str) -> Iterator[tuple[subprocess.Popen, Path]]:
    """``explore serve REPO --socket`` on stdio, its stdin held open by the test as a client
    would, once its log says ``waiting_for``: ``(process, log)``; killed if still running."""
    log = tmp_path / "stdio-server.log"
    with open(log, "w") as errlog:
        proc = subprocess.Popen([str(EXPLORE), "serve", str(repo), "--model", "tiny-random", "--socket"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errlog,
                                env={**os.environ, "EXPLORE_CACHE": str(cache), "OMP_NUM_THREADS": "1"})
    try:
        wait_for(lambda: waiting_for in log.read_text() or proc.poll() is not None, waiting_for)
        yield proc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(60)
        proc.stdin.close()


def test_a_stdio_server_with_a_socket_removes_it_when_terminated(tmp_path: Path, explore_cache: Path,
                                                                 make_repo) -> None:
    """SIGTERM (what an editor sends its MCP servers) unwinds the stdio server like Ctrl-C:
    its socket goes with it, instead of lying there until the next server finds it stale."""
    with stdio_server(tmp_path, explore_cache, make_repo(tmp_path, FILES), "answering `explore ask` on") as (proc, log):
        assert proc.poll() is None and socket_path().exists(), log.read_text()
        proc.terminate()
        assert proc.wait(60) == 143, log.read_text()
        assert not socket_path().exists()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stdio_server_stops_on_a_signal_while_its_client_keeps_the_pipe_open(
        tmp_path: Path, explore_cache: Path, make_repo, sig: int, code: int) -> None:
    """Ctrl-C or SIGTERM once the server reads stdin: it exits at once with the signal's
    status (it waited on the SDK's stdin thread, model in memory, until the client closed
    the pipe), and its socket goes with it."""
    with stdio_server(tmp_path, explore_cache, make_repo(tmp_path, FILES), "serving MCP on stdio") as (proc, log):
        time.sleep(2)  # the SDK's reader is blocked on stdin by now
        assert proc.poll() is None, log.read_text()
        proc.send_signal(sig)
        assert proc.wait(20) == code, log.read_text()
        assert not socket_path().exists() and "Traceback" not in log.read_text()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_socket_only_server_exits_with_the_signals_status(tmp_path: Path, explore_cache: Path, make_repo,
                                                             sig: int, code: int) -> None:
    """``serve --socket --no-stdio`` stopped by Ctrl-C or SIGTERM exited 0 with no word: a
    supervisor could not tell a kill from a clean end. It exits 130 / 143 as every command,
    says it stopped, and its socket goes."""
    with socket_server(tmp_path, explore_cache, str(make_repo(tmp_path, FILES))) as (proc, log):
        time.sleep(1)  # past binding: the wait for a signal has begun
        proc.send_signal(sig)
        assert proc.wait(30) == code, log.read_text()
        assert "explore: stopped" in log.read_text() and "Traceback" not in log.read_text()
        assert not socket_path().exists()


def test_a_socket_only_server_started_with_ctrl_c_ignored_stops_on_it_while_it_loads(tmp_path: Path,
                                                                                       explore_cache: Path,
                                                                                       make_repo) -> None:
    """Started from a script's `&` or a CI job (SIGINT ignored, as a shell leaves it), a Ctrl-C
    sent while the server loaded was ignored and it served on (the clean-clone CI run in the
    background timed out on the test above); once it waits, Ctrl-C stopped it. It stops from
    the moment its socket is bound."""
    repo = make_repo(tmp_path, FILES)
    log = tmp_path / "socket-server.log"
    with open(log, "w") as errlog:
        proc = subprocess.Popen([str(EXPLORE), "serve", str(repo), "--socket", "--no-stdio"], stdout=subprocess.DEVNULL,
                                stderr=errlog, env={**os.environ, "EXPLORE_CACHE": str(explore_cache)},
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        wait_for(lambda: "answering `explore ask` on" in log.read_text() or proc.poll() is not None,
                 "the server's socket")
        proc.send_signal(signal.SIGINT)  # at once: it is still loading
        assert proc.wait(30) == 130, log.read_text()
        assert "explore: stopped" in log.read_text() and "Traceback" not in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_a_search_handed_to_a_server_with_a_combiner_of_its_own_ranks_as_alone(tmp_path: Path, explore_cache: Path,
                                                                               make_repo) -> None:
    """A server whose adapters carry a fitted combiner (`--adapter BUNDLE`) ranked a plain
    `explore search` handed to it with that combiner, not the shipped one the command uses."""
    from explore.agent.bundle import COMBINER_FILE
    from explore.retrieval.combiner import FEATURES, Combiner
    from explore.serve import ExploreServer
    from explore.socket_answers import answer_search

    repo = make_repo(tmp_path, FILES | {"docs/retry.md": "# Retry\n\nThe back-off doubles each attempt.\n"})
    bundle = tmp_path / "bundle"
    (bundle / "policy").mkdir(parents=True)
    (bundle / COMBINER_FILE).write_text(json.dumps(Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES}
                                                            | {"file_score": 0.1}).to_dict()))
    question = "where is the retry backoff computed?"
    alone = runner.invoke(app, ["search", str(repo), question, "-k", "3", "--json", "--no-server"])
    assert alone.exit_code == 0, alone.output
    server = ExploreServer(repo, adapters={"policy": bundle / "policy"}, model="tiny-random")
    handed = answer_search(server, {"repo": str(repo), "question": question, "k": 3}, lambda event: None)
    assert [h["path"] for h in handed["hits"]] == [h["path"] for h in json.loads(alone.stdout)["hits"]]
    assert handed["hits"][0]["path"] == "pkg/retry.py" and handed["fitted"] is False


def test_a_server_that_declines_and_closes_before_reading_is_heard_declining(explore_cache: Path) -> None:
    """A busy server says hello, declines and closes without reading the question; a client
    still sending met a broken pipe and reported "the server stopped answering
    (BrokenPipeError …)" where the server had said why. The line it left is read first."""
    def declines(conn: socket.socket) -> None:
        hello(conn)
        conn.sendall(b'{"event": "declined", "reason": "the server is answering 16 questions already"}\n')

    with peer(declines):  # a question longer than the socket's buffer is still being sent when it closes
        fallback = ask_server({"repo": "/nowhere", "question": "q " * 400_000})
    assert fallback.reason == "the server is answering 16 questions already", fallback.reason


def test_a_copy_of_the_servers_adapters_is_the_same_setup(tmp_path: Path) -> None:
    """`explore train` with no policy option copies the shipped navigator's policy into the
    repository's folder: the server declined every `ask` about that repository (same weights,
    another path), so one warm server answered one repository. Adapters compare by content."""
    import shutil

    from explore.agent.bundle import NAVIGATOR_DIR
    from explore.socket_answers import resolved_setup

    copy = tmp_path / "bundle"
    shutil.copytree(NAVIGATOR_DIR, copy)
    shipped = resolved_setup(None, None, None)
    assert resolved_setup(None, {"policy": copy / "policy"}, None).key() == shipped.key()
    (copy / "env.json").write_text((copy / "env.json").read_text().replace("{", '{"max_steps": 3, ', 1))
    assert resolved_setup(None, {"policy": copy / "policy"}, None).key() != shipped.key()  # its settings differ
    shutil.copy(NAVIGATOR_DIR / "env.json", copy / "env.json")
    weights = copy / "policy" / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x01")
    assert resolved_setup(None, {"policy": copy / "policy"}, None).key() != shipped.key()  # other weights


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/self/task").is_dir(),
                    reason="sends a signal to one thread by its Linux task id")
def test_a_sigterm_the_kernel_hands_to_another_thread_still_stops_the_server(tmp_path: Path, explore_cache: Path,
                                                                            make_repo) -> None:
    """A process-wide signal goes to whichever thread the kernel picks; Python runs its handler
    in the main thread, which waited on an untimed Event and never woke when the socket's
    thread took the signal: a SIGTERM left the server serving (seen once, for good). Sent here
    to every thread but the main one, as tgkill sends it, one at a time."""
    import ctypes

    repo = make_repo(tmp_path, FILES)
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (proc, log):
        wait_for(lambda: "ready: warmed up" in log.read_text(), "the server to warm up")
        others = [int(t) for t in os.listdir(f"/proc/{proc.pid}/task") if int(t) != proc.pid]
        assert others, "the server runs its socket in a thread of its own"
        libc = ctypes.CDLL(None, use_errno=True)
        tgkill = {"x86_64": 234, "aarch64": 131}.get(os.uname().machine)
        if tgkill is None:
            pytest.skip("no tgkill number for this machine")
        assert libc.syscall(tgkill, proc.pid, others[0], signal.SIGTERM) == 0, ctypes.get_errno()
        proc.wait(20)
    assert proc.returncode == 143, log.read_text()


def _served_as_alone(args: list[str], alone, log: Path, answered: str, same_stderr: bool = True) -> None:
    """``args`` handed to the warm server whose log is ``log``: it answered them (its log says
    ``answered`` once), with the walk, and the stderr, ``alone`` (the command in its own
    process) gave."""
    served = runner.invoke(app, args)
    assert served.exit_code == 0, served.output
    assert log.read_text().count(answered) == 1  # the server answered
    if same_stderr:
        assert served.stderr == alone.stderr
    assert walk(json.loads(served.stdout)) == walk(json.loads(alone.stdout))


def test_a_search_handed_over_says_the_files_the_clone_lacks_as_alone(tmp_path: Path, explore_cache: Path,
                                                                    make_repo, git) -> None:
    """A commit some of whose files the clone lacks is searched without them, and `explore
    search` says which on stderr; handed to a warm server it said nothing (the MCP `search`
    and `ask` have it in their notes)."""
    repo = make_repo(tmp_path, FILES | {"data/big.txt": "a large file a mirror left out\n"})
    blob = git(repo, "rev-parse", "HEAD:data/big.txt").strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the test's own clone, made to lack it
    args = ["search", str(repo), "where is the retry backoff computed?", "--json"]
    alone = runner.invoke(app, [*args, "--no-server"])
    assert alone.exit_code == 0 and "data/big.txt" in alone.stderr and "clone lacks" in alone.stderr, alone.output
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (_proc, log):
        _served_as_alone(args, alone, log, "answered `explore search` on repo@")


def test_an_unfinished_training_run_is_said_by_a_warm_server_as_alone(tmp_path: Path, explore_cache: Path,
                                                                      make_repo, monkeypatch) -> None:
    """`explore train` stopped by Ctrl-C leaves the repository's folder with run.json alone:
    `explore ask` says so in its notes (it answers as shipped meanwhile); handed to a warm
    server, and asked over MCP, the note was missing (the server's explorers are made from a
    snapshot, which names no repository to look for a run in)."""
    from explore.agent.bundle import default_adapter_dir
    from explore.serve import ExploreServer

    monkeypatch.setenv("PIP_NO_INDEX", "1")  # no model is fetched: the question is settled without a walk
    repo = make_repo(tmp_path, {"ci.yml": "version: 1\nshallow_clone: true\n",
                                "pkg/clone.py": "def clone(entry):\n    return entry\n"})
    folder = default_adapter_dir(repo)
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"repo": str(repo)}))
    args = ["ask", str(repo), "shallow_clone", "--json"]
    alone = runner.invoke(app, [*args, "--no-server"])
    assert alone.exit_code == 0, alone.output
    said = [n for n in json.loads(alone.stdout)["notes"] if "did not finish" in n]
    assert said and str(folder) in said[0]
    with socket_server(tmp_path, explore_cache, str(repo)) as (_proc, log):
        _served_as_alone(args, alone, log, "answered `explore ask` on repo@", same_stderr=False)
    assert said[0] in ExploreServer(repo).ask(None, "shallow_clone")["notes"]  # MCP's `ask`


def test_an_ask_of_a_sparse_working_tree_prints_the_json_it_prints_alone(tmp_path: Path, explore_cache: Path,
                                                                         make_repo, git) -> None:
    """`explore ask --worktree` of a sparse checkout says so on stderr, and its `--json` holds
    the answer alone; handed to a warm server, the JSON's notes held the sparse checkout's
    note too (the server's own, for MCP clients), so a script saw two shapes."""
    repo = make_repo(tmp_path, {"a/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n",
                                "b/config.py": "def parse_config(text):\n    return text\n"})
    git(repo, "sparse-checkout", "set", "a")
    args = ["ask", str(repo), "where is the retry backoff computed?", "--worktree", "--model", "tiny-random",
            "--max-steps", "2", "--json"]
    alone = runner.invoke(app, [*args, "--no-server"])
    assert alone.exit_code == 0 and "sparse checkout" in alone.stderr, alone.output
    with socket_server(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as (_proc, log):
        _served_as_alone(args, alone, log, "answered `explore ask` on repo (working tree)")


def trained(repo: Path, weights: dict) -> Path:
    """The bundle `explore train REPO` with no policy option leaves: the shipped navigator's
    policy, a combiner.json of ``weights`` fitted to ``repo``'s history."""
    import shutil

    from explore.agent.bundle import COMBINER_FILE, default_adapter_dir, history_roots, shipped_adapters
    from explore.retrieval.combiner import Combiner

    folder = default_adapter_dir(repo)
    shutil.copytree(shipped_adapters()["policy"], folder / "policy")
    (folder / COMBINER_FILE).write_text(json.dumps(Combiner(weights).to_dict()))
    (folder / "summary.json").write_text(json.dumps({"repo": str(repo), "retriever": {"roots": history_roots(repo)}}))
    return folder


def test_a_server_started_on_one_trained_repository_ranks_another_with_its_own_fit(tmp_path: Path,
                                                                                    explore_cache: Path, make_repo,
                                                                                    monkeypatch) -> None:
    """`explore train` on two repositories leaves each a bundle: the shipped navigator's policy
    (the same weights) and its own combiner.json. A server started on the first holds the
    same setup as `explore ask` about the second, and took it, but ranked it with the shipped
    stage (the first's fit refused as another history's, and said so) where the command alone
    ranks with the second's own fit; MCP's `search` about it did the same."""
    from explore.agent.bundle import COMBINER_FILE, find_adapters
    from explore.retrieval.combiner import FEATURES
    from explore.serve import ExploreServer

    monkeypatch.setenv("PIP_NO_INDEX", "1")  # no model is fetched: a name alone is settled without a walk
    first = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n"}, name="first")
    second = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                  "docs/retry.md": "# Retry\n\nThe back-off doubles.\n"}, name="second")
    trained(first, {f: 0.0 for f in FEATURES} | {"file_score": 1.0})
    own = trained(second, {f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES} | {"file_score": 0.1})
    args = ["ask", str(second), "compute_backoff", "--json"]
    alone = runner.invoke(app, [*args, "--no-server"])
    assert alone.exit_code == 0, alone.output
    assert json.loads(alone.stdout)["fitted"] is True and json.loads(alone.stdout)["combiner"] == str(own / COMBINER_FILE)
    with socket_server(tmp_path, explore_cache, str(first)) as (_proc, log):
        served = runner.invoke(app, args)
        assert served.exit_code == 0, served.output
        assert log.read_text().count("answered `explore ask` on second@") == 1  # the server answered
        assert walk(json.loads(served.stdout)) == walk(json.loads(alone.stdout))
    server = ExploreServer(first, adapters=find_adapters(first, None))  # as `explore serve FIRST` makes it
    found = server.search(str(second), "where is the retry back-off computed?", 2)
    assert found["hits"][0]["path"] == "docs/retry.md" and not found["notes"], found


def test_an_adapter_fit_of_another_repository_is_refused_through_a_warm_server_as_alone(tmp_path: Path,
                                                                                          explore_cache: Path,
                                                                                          make_repo,
                                                                                          monkeypatch) -> None:
    """`explore ask SECOND --adapter FIRST_BUNDLE` refuses the fit of another repository (exit
    2); handed to a warm server holding that bundle it was answered (exit 0), ranked with
    SECOND's own fit. `explore search` names the same refusal either way."""
    from explore.retrieval.combiner import FEATURES

    monkeypatch.setenv("PIP_NO_INDEX", "1")  # no model is fetched: a name alone is settled without a walk
    first = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n"}, name="first")
    second = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                  "docs/retry.md": "# Retry\n\nThe back-off doubles.\n"}, name="second")
    bundle = trained(first, {f: 0.0 for f in FEATURES} | {"file_score": 1.0})
    trained(second, {f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES} | {"file_score": 0.1})
    commands = {"ask": ["ask", str(second), "compute_backoff", "--adapter", str(bundle), "--json"],
                "search": ["search", str(second), "compute_backoff", "--adapter", str(bundle), "--json"]}
    alone = {name: runner.invoke(app, [*argv, "--no-server"]) for name, argv in commands.items()}
    for name, result in alone.items():
        assert result.exit_code == 2 and f"--adapter {bundle}" in result.stderr, (name, result.output)
    with socket_server(tmp_path, explore_cache, str(first)) as (_proc, log):
        for name, argv in commands.items():
            served = runner.invoke(app, argv)
            assert served.exit_code == 2 and served.stderr == alone[name].stderr, (name, served.output)
            assert served.stdout == alone[name].stdout == "", name
        assert "answered `explore" not in log.read_text()


@pytest.mark.skipif(not hasattr(__import__("resource"), "prlimit") or not Path("/proc/self/fd").is_dir(),
                    reason="lowers the server's descriptor limit with prlimit, counts its descriptors in /proc")
def test_a_server_out_of_descriptors_for_a_moment_accepts_again_after(tmp_path: Path, explore_cache: Path,
                                                                      make_repo) -> None:
    """accept() failing once (EMFILE: the server out of file descriptors, as a busy one is for
    a moment) ended the socket's accept thread for good: every later command waited 5 s for
    a hello that never came, then searched in its own process, until the server restarted."""
    import resource

    repo = make_repo(tmp_path, FILES)
    with socket_server(tmp_path, explore_cache) as (proc, log):  # no repository: nothing loads meanwhile
        wait_for(lambda: "warm until Ctrl-C" in log.read_text(), "the server to start")  # its imports done
        soft, hard = resource.prlimit(proc.pid, resource.RLIMIT_NOFILE)
        held = len(os.listdir(f"/proc/{proc.pid}/fd"))
        resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (held, hard))  # no descriptor left for a connection
        try:
            # the accept() already waiting holds its descriptor: this one is heard, the next accept() fails
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as first:
                first.settimeout(30)
                first.connect(str(socket_path()))
                assert json.loads(first.makefile("rb").readline())["event"] == "hello"
            time.sleep(1)
        finally:
            resource.prlimit(proc.pid, resource.RLIMIT_NOFILE, (soft, hard))  # descriptors again
        served = runner.invoke(app, ["search", str(repo), "where is the retry backoff computed?", "--json"])
        assert served.exit_code == 0 and served.stderr == "", served.output
        assert log.read_text().count("answered `explore search` on repo@") == 1  # the server answered
    assert "cannot accept a connection" in log.read_text()  # it did run out, and said so
    assert proc.returncode == 143 and "Traceback" not in log.read_text(), log.read_text()

def test_a_server_started_on_a_trained_repository_asked_of_one_without_a_fit_prints_the_json_alone(
        tmp_path: Path, explore_cache: Path, make_repo, monkeypatch) -> None:
    """A server started on a trained repository ranks one without a fit with the shipped stage,
    as `explore ask OTHER` alone does; over the socket its JSON also held the server's note
    "ranked with the shipped candidate stage" (its own fit is another history's), which the
    command alone never prints. An MCP client, which has no other channel, keeps it."""
    import shutil

    from explore.agent.bundle import NAVIGATOR_DIR, find_adapters
    from explore.retrieval.combiner import FEATURES
    from explore.serve import ExploreServer

    monkeypatch.setenv("PIP_NO_INDEX", "1")  # no model is fetched: a name alone is settled without a walk
    first = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n"}, name="first")
    other = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                 "docs/retry.md": "# Retry\n\nThe back-off doubles.\n"}, name="other")
    bundle = trained(first, {f: 0.0 for f in FEATURES} | {"file_score": 1.0})
    for name in ("env.json", "policy.json", "answer.json"):  # as `explore train` keeps the shipped policy
        shutil.copy(NAVIGATOR_DIR / name, bundle / name)
    args = ["ask", str(other), "compute_backoff", "--json"]
    alone = runner.invoke(app, [*args, "--no-server"])
    assert alone.exit_code == 0, alone.output
    with socket_server(tmp_path, explore_cache, str(first), "--adapter", str(bundle)) as (_proc, log):
        served = runner.invoke(app, args)
        assert served.exit_code == 0 and served.stderr == alone.stderr, served.output
        assert log.read_text().count("answered `explore ask` on other@") == 1  # the server answered
        assert walk(json.loads(served.stdout)) == walk(json.loads(alone.stdout))
    mcp = ExploreServer(first, adapters=find_adapters(first, bundle)).ask(str(other), "compute_backoff")
    assert any(n.startswith("ranked with the shipped candidate stage") for n in mcp["notes"]), mcp["notes"]
