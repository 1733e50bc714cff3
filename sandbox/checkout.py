"""A git commit laid out in the cache: what a snapshot of a commit walks.

``git checkout-index`` would write every file of every commit again; here a commit's files
are hard links into a content-addressed, read-only blob store, so the parents of a
thousand commits cost a few links per file and the disk of the blobs that changed. A tree
is made in a temporary folder and renamed into place (:mod:`explore.sandbox.lease`), so two
processes opening the same commit share one copy and Ctrl-C never leaves half of one.

The cache keeps the :func:`kept_snapshots` most recently used trees and the blobs they
link: a tree's directory entries alone cost more than a git commit (a history of a
thousand parents left 80 MB of them on click, and 90 MB of blobs), and one is rebuilt from
git in a fraction of a second. A tree some process is reading is leased and never removed.
Only the repository's git objects are read; the repository is never written.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

from .atomic import write_bytes
from .errors import RepoError
from .lease import Lease, acquire, clear_leftovers, install, new_folder, remove_folder, remove_if_unused

#: Bumped when the on-disk snapshot layout changes (3: a lease file beside the tree).
SNAPSHOT_VERSION = "3"
#: Snapshot trees kept in the cache (the most recently used); ``$EXPLORE_KEEP_SNAPSHOTS``
#: overrides it, and 0 keeps them all.
MAX_CACHED_SNAPSHOTS = 32


def kept_snapshots() -> int:
    """How many snapshot trees the cache keeps (0: all)."""
    raw = os.environ.get("EXPLORE_KEEP_SNAPSHOTS", "").strip()
    try:
        return max(0, int(raw)) if raw else MAX_CACHED_SNAPSHOTS
    except ValueError:
        return MAX_CACHED_SNAPSHOTS


def materialise(repo, sha: str, store: Path) -> tuple[Path, Lease]:
    """Lay a commit out as ``store/<sha>-v3/tree`` unless it is there; return the tree's
    real path and the lease that keeps it there while the caller reads it.

    Files are hard links into a content-addressed blob store (``<cache>/blobs/``): a blob
    is written once, whatever the number of commits that hold it. ``blobs.json`` beside the
    tree maps each path to its blob id, so an index can reuse the work done for the same
    content at another commit. Making a tree prunes the store to :func:`kept_snapshots`.
    """
    final = store / f"{sha}-v{SNAPSHOT_VERSION}"
    for _attempt in range(8):
        lease = acquire(final)
        if lease is None:
            lease = _make(repo, sha, store, final)
            if lease is not None:
                prune(store, kept_snapshots())
        if lease is not None:
            return Path(os.path.realpath(final / "tree")), lease
    raise RepoError(f"the snapshot of {sha[:10]} kept being removed while it was opened; "
                    f"is another process clearing {store}?")


def _make(repo, sha: str, store: Path, final: Path) -> Lease | None:
    """Build the tree in a leased temporary folder and rename it into place; None when
    another process put one there first (lease that one instead)."""
    tmp, lease = new_folder(store, sha)
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
                blobs.link(git_dir, obj, mode, dest)
                ids[rel] = obj
        (tmp / "blobs.json").write_text(json.dumps(ids))
        _make_read_only(tmp / "tree")
    except BaseException:
        lease.close()
        remove_folder(tmp)
        raise
    return install(tmp, lease, final)


def prune(store: Path, keep: int) -> list[str]:
    """Remove all but the ``keep`` most recently used trees of ``store`` (0: none), skipping
    any a process leases, and then the blobs no remaining tree links; returns the removed
    trees' names. Also clears what killed processes left (see :func:`lease.clear_leftovers`)."""
    clear_leftovers(store)
    if keep <= 0:
        return []
    suffix = f"-v{SNAPSHOT_VERSION}"
    try:
        trees = [p for p in store.iterdir() if p.name.endswith(suffix) and not p.name.startswith(".")]
    except OSError:
        return []
    if len(trees) <= keep:
        return []
    trees.sort(key=_mtime, reverse=True)
    removed = []
    for folder in trees[keep:]:
        if remove_snapshot(folder) is not None:
            removed.append(folder.name)
    return removed


def remove_snapshot(folder: Path) -> int | None:
    """Remove one snapshot folder and the blobs only it linked (returns their bytes),
    unless a process leases it (then None)."""
    aside = remove_if_unused(folder)
    if aside is None:
        return None
    try:
        ids = json.loads((aside / "blobs.json").read_text())
    except (OSError, ValueError):
        ids = {}
    remove_folder(aside)
    return BlobStore(folder.parent.parent / "blobs").release(set(ids.values()))


def _mtime(path: Path) -> float:
    """When a folder was last used, or 0 for one another process removed meanwhile."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


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

    def link(self, git_dir: str, obj: str, mode: str, dest: Path) -> None:
        """Hard-link a stored blob as ``dest`` (written again from git if a prune took it
        since :meth:`add`)."""
        src = self.path(obj, mode)
        for _attempt in range(3):
            try:
                os.link(src, dest)
                return
            except FileNotFoundError:
                if not dest.parent.is_dir():
                    raise
                self.add(git_dir, [(obj, mode)])
            except OSError:  # too many links to one inode (empty files), or another file system
                try:
                    shutil.copy2(src, dest)
                    return
                except FileNotFoundError:
                    self.add(git_dir, [(obj, mode)])
        raise RepoError(f"blob {obj[:10]} kept being removed from {self.root} while a snapshot linked it")

    def release(self, objs: set[str]) -> int:
        """Remove the blobs among ``objs`` that no snapshot links any more (link count 1);
        returns the bytes freed. A snapshot being made that links one a moment later keeps
        its own link (a hard link outlives the name removed here)."""
        return sum(self._drop_unlinked(self.path(obj, mode)) or 0 for obj in objs for mode in ("100644", "100755"))

    def sweep(self, *, dry_run: bool = False, linked_from: dict[tuple[int, int], int] | None = None) -> tuple[int, int]:
        """Remove every blob no snapshot links (``dry_run``: only count them); ``linked_from``
        counts links by (device, inode) that are about to go too. Returns (blobs, bytes)."""
        linked_from = linked_from or {}
        count = freed = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                path = Path(dirpath, name)
                try:
                    st = path.lstat()
                except OSError:
                    continue
                if name.startswith(".") or st.st_nlink - linked_from.get((st.st_dev, st.st_ino), 0) > 1:
                    continue  # another process's temporary, or linked from a snapshot that stays
                n = st.st_size if dry_run else self._drop_unlinked(path)
                if n is not None:
                    count, freed = count + 1, freed + n
        return count, freed

    @staticmethod
    def _drop_unlinked(path: Path) -> int | None:
        """Remove a blob no snapshot links; its size, or None when it stays."""
        try:
            st = path.lstat()
            if st.st_nlink != 1 or path.name.startswith("."):
                return None  # linked from a snapshot, or another process's temporary
            path.unlink()
        except OSError:
            return None
        return st.st_size


def _make_read_only(root: Path) -> None:
    """Folders read-only; files are links to read-only blobs already (and a chmod here
    would change the blob's mode in every snapshot sharing it)."""
    for dirpath, _dirnames, _filenames in os.walk(root):
        os.chmod(dirpath, 0o555)
