"""Hostile commits and damaged repositories never make a snapshot read or write outside the
cache, nor store wrong content in it. Real git repositories in ``tmp_path``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from explore.sandbox.errors import BadRevision, PathRefused, RepoError
from explore.sandbox.snapshot import Repository


def test_a_subfolder_reached_through_a_symlink_at_the_commit_is_refused(
        tmp_path: Path, make_repo, commit_all, git) -> None:
    """``/repo/a/lib`` at a commit where ``a`` was a symlink out of the repository must not
    walk the symlink's target."""
    outside = tmp_path / "outside"
    (outside / "lib").mkdir(parents=True)
    (outside / "lib" / "secret.txt").write_text("not yours\n")
    repo = make_repo(tmp_path, {"keep.py": "x = 1\n"}, symlinks={"a": str(outside)})
    old = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "a")
    (repo / "a" / "lib").mkdir(parents=True)
    (repo / "a" / "lib" / "f.py").write_text("y = 2\n")
    commit_all(repo, "a is a folder now")
    with pytest.raises(BadRevision):
        snap = Repository(repo / "a" / "lib").snapshot(old)
        assert "secret.txt" not in snap.files, snap.root


def _commit_tree(repo: Path, git, listing: str) -> str:
    """A commit of the tree ``git mktree`` makes of ``listing`` (ls-tree lines)."""
    tree = subprocess.run(["git", "-C", str(repo), "mktree"], input=listing, check=True,
                          capture_output=True, text=True).stdout.strip()
    return git(repo, "commit-tree", tree, "-m", "hostile").strip()


def _blob(repo: Path, data: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin"], input=data, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_a_tree_naming_a_path_as_a_symlink_and_a_folder_writes_nothing_through_the_symlink(
        tmp_path: Path, make_repo, git, tree_hash) -> None:
    """A crafted tree holds ``a`` -> the user's folder and ``a/b``: laying ``a/b`` out must
    not put a file in the symlink's target."""
    victim = make_repo(tmp_path, {"mine.py": "x = 1\n"}, name="victim")
    before = tree_hash(victim)
    repo = make_repo(tmp_path, {"keep.py": "x = 1\n"})
    sub = _commit_tree(repo, git, f"100644 blob {_blob(repo, 'pwned')}\tb\n")
    sub_tree = git(repo, "rev-parse", f"{sub}^{{tree}}").strip()
    keep = git(repo, "rev-parse", "HEAD:keep.py").strip()
    sha = _commit_tree(repo, git, f"120000 blob {_blob(repo, str(victim))}\ta\n040000 tree {sub_tree}\ta\n"
                                  f"100644 blob {keep}\tkeep.py\n")
    snap = Repository(repo).snapshot(sha)
    assert tree_hash(victim) == before
    assert not (victim / "b").exists()
    assert snap.files == ["keep.py"]
    assert os.readlink(snap.root / "a") == str(victim)


def _object_file(repo: Path, git, spec: str) -> Path:
    obj = git(repo, "rev-parse", spec).strip()
    path = repo / ".git" / "objects" / obj[:2] / obj[2:]
    path.chmod(0o644)
    return path


def test_a_blob_git_cannot_read_whole_is_never_stored_cut(tmp_path: Path, make_repo, git,
                                                          explore_cache: Path) -> None:
    """git dies in the middle of a damaged object: the snapshot fails, and once the object
    is repaired the file reads whole (no cut copy was kept in the cache)."""
    data = os.urandom(1 << 20)  # incompressible: the object file is about as big
    repo = make_repo(tmp_path, {"big.bin": data, "a.txt": "hi\n"})
    damaged = _object_file(repo, git, "HEAD:big.bin")
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(RepoError):
        Repository(repo).snapshot()
    damaged.write_bytes(whole)
    snap = Repository(repo).snapshot()
    assert (snap.root / "big.bin").read_bytes() == data
    assert [p.name for p in (explore_cache / "blobs").rglob("*") if p.name.startswith(".")] == []


def test_a_blob_missing_from_the_repository_fails_instead_of_hanging(tmp_path: Path, make_repo, git) -> None:
    """The first of thousands of blobs is missing: git's batch stops at once, while it still
    has more to write than a pipe holds — and the commit is laid out without that file."""
    repo = make_repo(tmp_path, {f"f{n}.txt": f"file number {n}, padded to be well over fifty bytes\n"
                                for n in range(1000, 4000)})
    _object_file(repo, git, "HEAD:f1000.txt").unlink()
    script = ("import sys\nfrom explore.sandbox.errors import RepoError\nfrom explore.sandbox.snapshot import Repository\n"
              "try:\n    snap = Repository(sys.argv[1]).snapshot()\n    print('laid out:', len(snap.files), snap.missing)\n"
              "except RepoError as exc:\n    print('refused:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(repo)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "laid out: 2999 ('f1000.txt',)" in done.stdout, done.stdout
    assert "Exception in thread" not in done.stderr


def test_a_name_longer_than_the_file_system_takes_is_left_out(tmp_path: Path, make_repo, git) -> None:
    """git checks out the rest of a commit holding a 300-byte name (and says so); the
    snapshot leaves that one file out too instead of failing the whole commit."""
    repo = make_repo(tmp_path, {"a.txt": "hi\n"})
    a = git(repo, "rev-parse", "HEAD:a.txt").strip()
    long = _blob(repo, "long\n")
    inside = git(repo, "rev-parse", _commit_tree(repo, git, f"100644 blob {long}\tinside.txt\n") + "^{tree}").strip()
    sha = _commit_tree(repo, git, f"100644 blob {a}\ta.txt\n100644 blob {long}\t{'n' * 300}\n"
                                  f"040000 tree {inside}\t{'d' * 300}\n120000 blob {a}\t{'l' * 300}\n")
    snap = Repository(repo).snapshot(sha)
    assert snap.files == ["a.txt"]
    assert snap.text("a.txt") == "hi\n"
    assert snap.blobs == {"a.txt": a}


def test_a_file_name_with_a_colon_second_reads(tmp_path: Path, make_repo) -> None:
    """``a:b.txt`` is a file name, not a Windows drive: listed, so readable."""
    snap = Repository(make_repo(tmp_path, {"a:b.txt": "hi\n", "x:y/z.txt": "deep\n"})).snapshot()
    assert snap.read_window("a:b.txt").lines == ["hi"]
    assert snap.read_window("x:y/z.txt").lines == ["deep"]
    for drive in ("C:/x.txt", "C:\\Windows", "c:"):
        with pytest.raises(PathRefused, match="absolute"):
            snap.resolve("", drive)


@pytest.mark.parametrize("worktree", [False, True])
def test_a_file_name_with_a_backslash_reads(tmp_path: Path, make_repo, worktree: bool) -> None:
    """``a\\b.txt`` is one name on POSIX, listed so, so readable; where no name holds the
    backslash it still separates names (``src\\main.py``)."""
    from explore.tools.workspace import Workspace

    files = {"a\\b.txt": "backslash\n", "a/b.txt": "slash\n", "d\\x/y.py": "deep\n", "src/main.py": "main\n",
             "..\\up.txt": "a name\n"}
    snap = Repository(make_repo(tmp_path, files)).snapshot(None, worktree=worktree, cache=tmp_path / "cache")
    assert snap.read_window("a\\b.txt").lines == ["backslash"]
    assert snap.read_window("a/b.txt").lines == ["slash"]
    assert snap.read_window("d\\x/y.py").lines == ["deep"]
    assert snap.read_window("src\\main.py").lines == ["main"]
    assert snap.read_window("..\\up.txt").lines == ["a name"]
    assert snap.resolve("d\\x", "y.py").rel == "d\\x/y.py"
    ws = Workspace(snap)
    assert "'a\\\\b.txt'" in ws.ls() and "backslash" in ws.read("'a\\\\b.txt'")  # typed back as listed
    assert "backslash" in ws.read("'a\\b.txt'")  # and shell-quoted
    for escape in ("..\\..\\etc\\passwd", "src\\..\\..\\x", "d\\x/..\\..\\..", "\\etc\\passwd"):
        with pytest.raises(PathRefused):
            snap.resolve("", escape)


def test_a_backslash_name_linking_out_shows_nothing_of_outside(tmp_path: Path, make_repo) -> None:
    """A link ``a\\b`` out of the repository: refused alike whether the file behind it exists."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not yours\n")
    repo = make_repo(tmp_path, {"keep.py": "x = 1\n"}, symlinks={"a\\b": str(outside)}, git_init=False)
    snap = Repository(repo).snapshot(None, worktree=True, cache=tmp_path / "cache")
    errors = []
    for name in ("secret.txt", "missing.txt"):
        with pytest.raises(PathRefused) as caught:
            snap.resolve("", f"a\\b/{name}")
        errors.append(str(caught.value).replace(name, "NAME"))
    assert errors[0] == errors[1], errors
