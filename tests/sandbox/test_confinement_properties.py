"""The sandbox holds by construction: thousands of generated hostile paths per run, against
``ls``/``cd``/``read``/``answer`` in all three modes (a commit, the working tree, a plain
folder), and no byte from outside the repository ever comes back, nothing escapes the
root, nothing raises, nothing hangs.

The repository is built to tempt: links out of the root (relative, absolute, chained, via
``/proc/self/root``), links that stay inside, a link loop, a FIFO (in the modes that walk
the disk), and a secret file next to the repository whose contents must never be read.
The paths are built from the pieces attacks are made of: ``..`` chains, absolute, ``~`` and
``$VAR`` paths, backslashes, percent-encoding, NUL, quotes, over-long names and the names
of those links, joined in any order.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explore.sandbox.snapshot import Repository, Snapshot
from explore.tools.workspace import Workspace

#: In the secret file beside the repository, and in no file inside it.
SECRET = "TOPSECRET-7c1e"
#: /etc/passwd's first entry always holds it.
PASSWD = "root:x:0:0"

FILES = {
    "src/main.py": "def main():\n    return 'hello'\n",
    "src/pkg/deep.py": "DEEP = 1\n",
    "docs/a b.md": "# spaced\n",
    "README.md": "# demo\n",
}
MODES = ("commit", "worktree", "folder")

PIECES = st.sampled_from([
    "..", ".", "", "/", "//", "~", "~root", "$HOME", "${HOME}", "%2e%2e", "%2f", "..%2f", "\\", "..\\..",
    "\x00", "'", '"', "'..'", "*", "?", "a" * 300, "é" * 200, "\udce9", "\n",
    "src", "pkg", "main.py", "deep.py", "docs", "a b.md", "README.md", ".git", "config", "HEAD",
    "out", "outfile", "abs", "chain1", "chain2", "proc", "loop", "inlink", "fifo", "secret.txt", "outside",
    "etc", "passwd", "proc", "self", "root",
])
PATHS = st.one_of(
    st.lists(PIECES, min_size=1, max_size=8).map("/".join),
    st.lists(PIECES, min_size=1, max_size=4).map("\\".join),
    st.lists(PIECES, min_size=1, max_size=5).map(lambda parts: "/" + "/".join(parts)),
    st.text(alphabet="./\\~$%2efa'\" \x00", max_size=40),
)


@pytest.fixture(scope="module", params=MODES)
def sandbox(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            make_repo: Callable[..., Path]) -> Snapshot:
    mode = request.param
    base = tmp_path_factory.mktemp(f"confine-{mode}")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n")
    links = {
        "out": "../outside",
        "outfile": "../outside/secret.txt",
        "abs": str(outside),
        "chain1": "chain2",
        "chain2": "../outside",
        "proc": "/proc/self/root/etc",
        "loop": "loop",
        "inlink": "src/pkg",
    }
    repo = make_repo(base, FILES, symlinks=links, git_init=mode != "folder")
    if mode != "commit":  # the modes that walk the disk in place meet what git cannot hold
        os.mkfifo(repo / "fifo")
    snap = Repository(repo).snapshot(None, worktree=mode == "worktree", cache=base / "cache")
    root = Path(os.path.realpath(snap.root))
    assert SECRET not in "".join(p.read_text(errors="replace") for p in root.rglob("*.py"))
    listing = Workspace(snap).ls()
    assert listing.count("outside the repository") >= 4  # the bait is there, and refused
    return snap


@contextmanager
def _no_hang(seconds: float = 5.0) -> Iterator[None]:
    """Fail instead of blocking: a FIFO opened for reading would wait forever, and a
    hypothesis deadline only measures calls that return."""

    def hung(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"a tool call blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _inside(root: Path, rel: str) -> bool:
    real = Path(os.path.realpath(root / rel)) if rel else root
    return real == root or root in real.parents


@settings(max_examples=400, deadline=2000, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=PATHS, second=PATHS)
def test_no_byte_from_outside_the_root(sandbox: Snapshot, first: str, second: str) -> None:
    root = Path(os.path.realpath(sandbox.root))
    ws = Workspace(sandbox)
    with _no_hang():
        ws.cd(first)  # from wherever the first path led, if anywhere
    assert _inside(root, ws.cwd) and not ws.cwd.startswith(("/", ".."))
    for verb in ("ls", "cd", "read", "answer"):
        for path in (first, second):
            with _no_hang():
                out = getattr(ws, verb)(path)
            assert isinstance(out, str) and out
            assert SECRET not in out and PASSWD not in out, (verb, path, out)
            out.encode("utf-8")  # printable: no lone surrogates from odd names
    for rel in ws.reads + ([ws.answered] if ws.answered else []):
        assert not rel.startswith(("/", "..")) and _inside(root, rel), rel
        assert (root / rel).is_file()
    assert _inside(root, ws.cwd)


@settings(max_examples=150, deadline=2000, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS, start=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**9)))
def test_a_read_window_anywhere_stays_inside(sandbox: Snapshot, path: str, start: int | None) -> None:
    with _no_hang():
        out = Workspace(sandbox).read(path, start)
    assert SECRET not in out and PASSWD not in out
