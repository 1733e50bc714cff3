"""A git commit laid out in the cache, once: what a snapshot of a commit walks.

``git checkout-index`` would write every file of every commit again; here a commit's files
are hard links into a content-addressed, read-only blob store, so the parents of a
thousand commits cost a few links per file and the disk of the blobs that changed. The
tree is built in a temporary folder and renamed into place under a file lock, so two
processes opening the same commit share one copy and Ctrl-C never leaves half of one.
Only the repository's git objects are read; the repository is never written.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from filelock import FileLock

from .atomic import write_bytes
from .errors import RepoError

#: Bumped when the on-disk snapshot layout changes.
SNAPSHOT_VERSION = "2"


def materialise(repo, sha: str, store: Path) -> Path:
    """Lay a commit out as ``store/<sha>/tree`` once; return the tree's real path.

    Files are hard links into a content-addressed blob store (``<cache>/blobs/``): a blob
    is written once, whatever the number of commits that hold it, so a snapshot of the
    parent of every commit in a long history costs a few links per file and the disk of
    the blobs that changed. ``blobs.json`` beside the tree maps each path to its blob id,
    so an index can reuse the work done for the same content at another commit.
    """
    final = store / f"{sha}-v{SNAPSHOT_VERSION}"
    tree = final / "tree"
    if tree.is_dir():
        return Path(os.path.realpath(tree))
    store.mkdir(parents=True, exist_ok=True)
    with FileLock(str(store / f"{sha}.lock")):
        if tree.is_dir():  # another process made it while we waited
            return Path(os.path.realpath(tree))
        tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=store))
        try:
            git_dir = str(repo.git_dir)
            entries = _ls_tree(git_dir, sha)
            blobs = BlobStore(store.parent / "blobs")
            blobs.add(git_dir, [(obj, mode) for mode, kind, obj, _ in entries if kind == "blob" and mode != "120000"])
            (tmp / "tree").mkdir()
            made: set[str] = set()
            ids: dict[str, str] = {}
            for mode, kind, obj, rel in entries:
                dest = tmp / "tree" / rel
                parent = rel.rpartition("/")[0]
                if parent and parent not in made:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    made.add(parent)
                if kind == "commit":  # a submodule: an empty folder, as git checks it out
                    dest.mkdir(exist_ok=True)
                elif mode == "120000":
                    os.symlink(_cat(git_dir, obj), dest)
                else:
                    blobs.link(obj, mode, dest)
                    ids[rel] = obj
            (tmp / "blobs.json").write_text(json.dumps(ids))
            _make_read_only(tmp / "tree")
            os.rename(tmp, final)
        except BaseException:
            _remove_tree(tmp)
            raise
    return Path(os.path.realpath(tree))


def _ls_tree(git_dir: str, sha: str) -> list[tuple[str, str, str, str]]:
    """``(mode, kind, object id, path)`` of every entry of a commit's tree, recursively."""
    done = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", "--full-tree", sha],
                          capture_output=True)
    if done.returncode:
        raise RepoError(f"git ls-tree failed for {sha[:10]}: {done.stderr.decode(errors='replace').strip()}")
    out = []
    for item in done.stdout.split(b"\x00"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, kind, obj = meta.decode().split()
        rel = os.fsdecode(path)
        if any(part in ("", ".", "..", ".git") for part in rel.split("/")):
            continue  # git refuses these on checkout too
        out.append((mode, kind, obj, rel))
    return out


def _cat(git_dir: str, obj: str) -> str:
    """A small blob's content as text (a symlink's target)."""
    done = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "blob", obj], capture_output=True, check=True)
    return os.fsdecode(done.stdout)


class BlobStore:
    """Content-addressed, read-only copies of git blobs: ``<root>/<2 hex>/<id>`` (``.x`` for
    executables, whose mode a hard link cannot differ in)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, obj: str, mode: str) -> Path:
        return self.root / obj[:2] / (obj + (".x" if mode == "100755" else ""))

    def add(self, git_dir: str, wanted: list[tuple[str, str]]) -> None:
        """Write the blobs not yet stored, read through one ``git cat-file --batch``."""
        missing = list({self.path(o, m): (o, m) for o, m in wanted if not self.path(o, m).exists()}.values())
        if not missing:
            return
        proc = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        feeder = threading.Thread(target=lambda: (proc.stdin.write("".join(o + "\n" for o, _ in missing).encode()),
                                                  proc.stdin.close()), daemon=True)
        feeder.start()
        try:
            for obj, mode in missing:
                header = proc.stdout.readline().split()
                if len(header) != 3:
                    raise RepoError(f"git cat-file gave no blob for {obj[:10]}")
                size = int(header[2])
                data = proc.stdout.read(size)
                proc.stdout.read(1)  # the newline after each object
                dest = self.path(obj, mode)
                dest.parent.mkdir(parents=True, exist_ok=True)
                write_bytes(dest, data, mode=0o555 if mode == "100755" else 0o444)  # whole or none
        finally:
            feeder.join()
            proc.stdout.close()
            proc.wait()

    def link(self, obj: str, mode: str, dest: Path) -> None:
        src = self.path(obj, mode)
        try:
            os.link(src, dest)
        except OSError:  # too many links to one inode (empty files), or another file system
            shutil.copy2(src, dest)


def _make_read_only(root: Path) -> None:
    """Folders read-only; files are links to read-only blobs already (and a chmod here
    would change the blob's mode in every snapshot sharing it)."""
    for dirpath, _dirnames, _filenames in os.walk(root):
        os.chmod(dirpath, 0o555)


def _remove_tree(path: Path) -> None:
    """Remove a (possibly read-only) folder we created in the cache."""
    if not path.exists():
        return
    for dirpath, _dirs, _files in os.walk(path):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(path, ignore_errors=True)
