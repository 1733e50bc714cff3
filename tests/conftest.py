"""Shared test fixtures: an isolated cache, real git repositories made in ``tmp_path``, and a
hash of a folder's exact state so a test can prove the user's repository was never touched.

Helpers are plain functions (importable nowhere, since ``tests`` is not a package) exposed
through session-scoped fixtures of the same name (so module-scoped fixtures can use them
too), and a test asks for them as arguments::

    def test_walk(tmp_path, make_repo, tree_hash):
        repo = make_repo(tmp_path, {"pkg/a.py": "x = 1\\n", "data.bin": b"\\0\\1"})
        before = tree_hash(repo)
        ...
        assert tree_hash(repo) == before
"""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

#: Identity and settings for test commits, independent of the machine's git config.
_GIT_CONFIG = (
    "-c", "user.name=explore tests",
    "-c", "user.email=tests@explore.invalid",
    "-c", "commit.gpgsign=false",
    "-c", "init.defaultBranch=main",
    "-c", "core.symlinks=true",
)


def git(repo: Path, *args: str) -> str:
    """Run ``git`` in ``repo`` with a fixed test identity; return stdout (raises on failure)."""
    return subprocess.run(
        ["git", *_GIT_CONFIG, "-C", str(repo), *args],
        check=True, capture_output=True, text=True,
    ).stdout


def make_repo(
    tmp_path: Path,
    files: Mapping[str, str | bytes],
    commit: bool = True,
    message: str = "init",
    *,
    symlinks: Mapping[str, str] | None = None,
    git_init: bool = True,
    name: str = "repo",
) -> Path:
    """Make a repository under ``tmp_path`` and return its path.

    ``files`` maps repo-relative posix paths to contents (``str`` is written as UTF-8,
    ``bytes`` as is); parent folders are created. ``symlinks`` maps link paths to targets
    (written verbatim, so ``"/etc/passwd"`` or ``"../pkg"`` both work). With ``git_init``
    (default) the folder is a git repository, and with ``commit`` everything is committed
    (``git add -A``) with ``message``. ``git_init=False`` makes a plain folder. A second call
    with the same ``tmp_path`` gets a fresh folder (``repo-2``, ``repo-3`` ...).
    """
    root = tmp_path / name
    n = 1
    while root.exists():
        n += 1
        root = tmp_path / f"{name}-{n}"
    root.mkdir(parents=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
    for rel, target in (symlinks or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    if git_init:
        git(root, "init", "-q")
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "--allow-empty", "-m", message)
    return root


def commit_all(repo: Path, message: str) -> str:
    """Stage everything in ``repo`` and commit it; return the new commit id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def tree_hash(path: str | os.PathLike[str], *, include_git: bool = True) -> str:
    """A digest of everything under ``path``: names, types, permission bits, file bytes and
    symlink targets (never followed). FIFOs, sockets and devices are recorded by type
    without being opened. Timestamps are left out: reading may touch atime legitimately.

    ``include_git`` (default) hashes ``.git`` too, so even a rewritten index is caught.
    """
    root = Path(path)
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        if not include_git and Path(dirpath) == root and ".git" in dirnames:
            dirnames.remove(".git")
        here = Path(dirpath)
        for name in sorted([*dirnames, *filenames]):
            p = here / name
            rel = os.fsencode(p.relative_to(root).as_posix())
            st = os.lstat(p)
            h.update(b"\0entry\0" + rel + b"\0" + oct(st.st_mode).encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(b"\0link\0" + os.fsencode(os.readlink(p)))
            elif stat.S_ISREG(st.st_mode):
                h.update(b"\0size\0" + str(st.st_size).encode())
                with open(p, "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        h.update(chunk)
    st = os.lstat(root)
    h.update(b"\0root\0" + oct(st.st_mode).encode())
    return h.hexdigest()


@pytest.fixture(autouse=True)
def explore_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ``EXPLORE_CACHE``: no test reads or writes the user's cache."""
    cache = tmp_path_factory.mktemp("explore-cache")
    monkeypatch.setenv("EXPLORE_CACHE", str(cache))
    return cache


#: Modules of :func:`make_history_repo`, each with the two words its commits talk about.
HISTORY_TOPICS = {
    "pkg/upload.py": ("upload", "chunk"),
    "pkg/auth.py": ("token", "login"),
    "pkg/cache.py": ("cache", "expiry"),
    "pkg/parse.py": ("header", "parser"),
}


def make_history_repo(tmp_path: Path, commits: int = 48, extra: Mapping[str, str] | None = None) -> Path:
    """A git repository whose every commit fixes one module, saying so in words its
    history repeats but its code does not (the code's names are generic); ``extra`` files
    are part of its first commit."""
    files = {path: f"def run_{i}(x):\n    return x\n" for i, path in enumerate(HISTORY_TOPICS)} | dict(extra or {})
    root = make_repo(tmp_path, files, message="Initial import of the package")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    paths = list(HISTORY_TOPICS)
    for n in range(commits):
        path = paths[n % len(paths)]
        a, b = HISTORY_TOPICS[path]
        with open(root / path, "a") as fh:
            fh.write(f"\n\ndef step_{n}(x):\n    return x + {n}\n")
        subprocess.run(git + ["commit", "-qam", f"Fix the {a} {b} handling when the value is empty (case {n})"],
                       check=True)
    return root


@pytest.fixture(name="history_repo")
def history_repo_fixture(tmp_path: Path) -> Path:
    """:func:`make_history_repo` with 48 commits after the first."""
    return make_history_repo(tmp_path / "history")


@pytest.fixture(name="make_history_repo", scope="session")
def make_history_repo_fixture() -> Callable[..., Path]:
    """:func:`make_history_repo` (``make_history_repo(tmp_path, commits=48)``)."""
    return make_history_repo


@pytest.fixture(name="make_repo", scope="session")
def make_repo_fixture() -> Callable[..., Path]:
    """:func:`make_repo` (``make_repo(tmp_path, files, commit=True, message="init")``)."""
    return make_repo


@pytest.fixture(name="tree_hash", scope="session")
def tree_hash_fixture() -> Callable[..., str]:
    """:func:`tree_hash` (``tree_hash(path) -> str``)."""
    return tree_hash


@pytest.fixture(name="commit_all", scope="session")
def commit_all_fixture() -> Callable[[Path, str], str]:
    """:func:`commit_all` (``commit_all(repo, message) -> sha``)."""
    return commit_all


@pytest.fixture(name="git", scope="session")
def git_fixture() -> Callable[..., str]:
    """:func:`git` (``git(repo, *args) -> stdout``)."""
    return git
