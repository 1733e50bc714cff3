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

import atexit
import errno
import hashlib
import json
import os
import queue
import re
import stat
import subprocess
import threading
import time
from pathlib import Path

from .atomic import mtime, write_bytes
from .blobs import NO_FETCH, BlobStore, is_partial_clone
from .errors import MissingObject, RepoError
from .lease import Lease, acquire, install, leftovers, new_folder, recycle, remove_folder, remove_if_unused

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
    # a tree some of whose files this clone lacks is its own, never the commit's: another clone of the
    # commit, whole, would have read it without them (tablib's intact clone was told _dbf.py was missing)
    lacking = store / f"{sha}-lacks-{hashlib.sha1(os.fsencode(repo.git_dir)).hexdigest()[:10]}-v{SNAPSHOT_VERSION}"
    for _attempt in range(8):
        place, lease = final, acquire(final)
        if lease is None:
            place, lease = lacking, acquire(lacking)
        if lease is None:
            place, lease = _make(repo, sha, store, final, lacking)
            if lease is not None:
                prune(store, kept_snapshots(), wait=False)
        if lease is not None:
            return Path(os.path.realpath(place / "tree")), lease
    raise RepoError(f"the snapshot of {sha[:10]} kept being removed while it was opened; "
                    f"is another process clearing {store}?")


def _make(repo, sha: str, store: Path, final: Path, lacking: Path) -> tuple[Path, Lease | None]:
    """Build the tree in a leased temporary folder and rename it into place — ``final``, or
    ``lacking`` where the clone lacks some of its files; the place and its lease (None when
    another process put one there first: lease that one instead).

    When the store is full, the least recently used tree no process leases is reshaped
    into this one instead of a new folder: removing a folder waits on the disk (about 3 ms
    a folder measured here, so ~60 ms a click tree, with hundreds of trees replaced in a
    history run), and two commits' trees differ in a few links."""
    keep = kept_snapshots()
    donor = _donor(store, keep) if keep else None
    tmp, lease = donor or new_folder(store, sha)
    blobs = BlobStore(store.parent / "blobs")
    old_ids: dict[str, str] = {}
    entries: list[tuple[str, str, str, str]] = []

    def forget() -> None:
        """``tmp`` is gone: the stored blobs only it linked (the donor's, this commit's) go too,
        or they would stay until `explore cache prune`."""
        blobs.release(set(old_ids.values()) | {obj for _mode, kind, obj, _rel in entries if kind == "blob"})

    try:
        old_ids = blob_ids(tmp) if donor else {}
        git_dir = str(repo.git_dir)
        entries = _ls_tree(git_dir, sha)
        lost: list[str] = []
        try:
            blobs.add(git_dir, [(obj, mode) for mode, kind, obj, _ in entries if kind == "blob" and mode != "120000"])
        except MissingObject as exc:  # which file it is, and what reads without it (Newtonsoft.Json's large.json)
            named = next((rel for _mode, kind, obj, rel in entries if kind == "blob" and str(exc).find(obj[:10]) >= 0), None)
            if named is None:
                raise
            entries, lost = _without_lost_blobs(git_dir, entries)
            if not lost:
                raise MissingObject(f"{exc} — the file {named} of {sha[:10]}; with the file in the working tree, "
                                    "--worktree reads the files as they are there") from None
            # a clone that lacks a few files (a mirror that left a large one out): the tree without them,
            # said in every answer, rather than no answer at all (jason's one benchmark JSON file)
            blobs.add(git_dir, [(obj, mode) for mode, kind, obj, _ in entries if kind == "blob" and mode != "120000"])
        ids, freed = _lay_out(tmp / "tree", git_dir, entries, blobs, old_ids)
        write_bytes(tmp / "blobs.json", json.dumps(ids).encode())
        if lost:
            write_bytes(tmp / MISSING_FILE, json.dumps(lost).encode())
        elif donor:  # a reshaped tree's own list is not this commit's
            (tmp / MISSING_FILE).unlink(missing_ok=True)
        _make_read_only(tmp / "tree")
        for path in freed:
            blobs.drop_unlinked(path)
    except BaseException:
        lease.close()
        if donor and not old_ids:  # stopped before the donor's own blob ids were read: read them now
            old_ids = blob_ids(tmp)
        remove_folder(tmp)
        forget()
        raise
    place = lacking if lost else final
    installed = install(tmp, lease, place)
    if installed is None:  # another process's tree is there: ours was removed
        forget()
    return place, installed


#: Beside a commit's tree: the files of it the clone lacks, left out (a JSON list of paths).
MISSING_FILE = "missing.json"
#: The most files a commit's tree may lack and still be laid out without them: a mirror that left
#: a large file out, not a partial clone offline (whose every file not yet fetched is lacking).
MAX_LOST = 20


def _without_lost_blobs(git_dir: str, entries: list[tuple[str, str, str, str]]
                        ) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """``entries`` less the blobs the repository lacks, and those files' paths; ``(entries, [])``
    where they are too many to leave out (:data:`MAX_LOST`) or the clone is partial (git would
    fetch them when online: its own error says so)."""
    wanted = sorted({obj for _mode, kind, obj, _rel in entries if kind == "blob"})
    if not wanted or is_partial_clone(git_dir):
        return entries, []
    done = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch-check"], input="\n".join(wanted) + "\n",
                          capture_output=True, text=True)
    gone = {line.split()[0] for line in done.stdout.splitlines() if line.endswith(" missing")}
    lost = [rel for _mode, kind, obj, rel in entries if kind == "blob" and obj in gone]
    if not gone or len(lost) > MAX_LOST:
        return entries, []
    return [e for e in entries if not (e[1] == "blob" and e[2] in gone)], lost


def _donor(store: Path, keep: int) -> tuple[Path, Lease] | None:
    """The least recently used tree no process leases, taken out of use and leased to us,
    when the store holds ``keep`` trees already (None otherwise)."""
    trees = _trees(store)
    if len(trees) < keep:
        return None
    for folder in reversed(trees[keep - 1:]):
        got = recycle(folder)
        if got is not None:
            return got
    return None


def _lay_out(tree: Path, git_dir: str, entries: list[tuple[str, str, str, str]], blobs: BlobStore,
             old: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Make ``tree`` (missing, or another commit's whose path -> blob id map is ``old``) hold
    exactly ``entries``. Returns this commit's path -> blob id map, and the stored blobs the
    old tree was the last to link (a file with 2 links, the tree's and the store's, that
    went). A file already linked to the right blob stays; everything else not wanted goes."""
    wanted = {rel: (mode, kind, obj) for mode, kind, obj, rel in entries}
    dirs = {rel for rel, (_m, kind, _o) in wanted.items() if kind == "commit"}
    for rel in wanted:
        parts = rel.split("/")[:-1]
        dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    kept: set[str] = set()
    freed: list[str] = []
    stale_dirs: list[str] = []
    tree.mkdir(exist_ok=True)
    stack = [""]
    while stack:
        here = stack.pop()
        folder = os.path.join(tree, here) if here else str(tree)
        os.chmod(folder, 0o755)
        with os.scandir(folder) as items:
            for item in items:
                rel = here + "/" + item.name if here else item.name
                if item.is_dir(follow_symlinks=False):
                    (stack if rel in dirs else stale_dirs).append(rel)
                    continue
                want, st = wanted.get(rel), item.stat(follow_symlinks=False)
                if (want and want[1] == "blob" and want[0] != "120000" and old.get(rel) == want[2]
                        and stat.S_ISREG(st.st_mode) and bool(st.st_mode & 0o100) == (want[0] == "100755")):
                    kept.add(rel)
                    continue
                os.unlink(item.path)
                if rel in old and st.st_nlink == 2:
                    freed.append(blobs.where(old[rel], "100755" if st.st_mode & 0o100 else "100644"))
    for rel in stale_dirs:
        gone = _ids_under(old, rel)
        remove_folder(tree / rel)  # a folder gone at this commit: rare between two commits
        freed += [blobs.where(obj, mode) for obj in gone for mode in ("100644", "100755")]
    ids: dict[str, str] = {}
    root, made = str(tree), set()
    for rel, (mode, kind, obj) in wanted.items():
        if rel in kept:
            ids[rel] = obj
            continue
        try:
            if _place(root, rel, mode, kind, obj, git_dir, blobs, made):
                ids[rel] = obj
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise  # a name longer than the file system takes is left out, as git does
    return ids, freed


def _place(root: str, rel: str, mode: str, kind: str, obj: str, git_dir: str, blobs: BlobStore,
           made: set[str]) -> bool:
    """Make one entry of a tree; whether it is a file (a blob linked)."""
    dest = os.path.join(root, rel)
    parent = rel.rpartition("/")[0]
    if parent and parent not in made:
        os.makedirs(os.path.join(root, parent), exist_ok=True)
        made.add(parent)
    if kind == "commit":  # a submodule: an empty folder, as git checks it out
        os.makedirs(dest, exist_ok=True)
        return False
    if mode == "120000":
        os.symlink(_cat(git_dir, obj), dest)
        return False
    blobs.link(git_dir, obj, mode, dest)
    return True


def _ids_under(ids: dict[str, str], folder: str) -> set[str]:
    return {obj for rel, obj in ids.items() if rel.startswith(folder + "/")}


def blob_ids(folder: Path) -> dict[str, str]:
    """A snapshot folder's path -> blob id map ({} when unreadable, or damaged into another
    shape: a list there was an AttributeError out of every search of the commit)."""
    try:
        ids = json.loads((folder / "blobs.json").read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(ids, dict):
        return {}
    return {rel: obj for rel, obj in ids.items() if isinstance(obj, str)}


def _trees(store: Path) -> list[Path]:
    """The snapshot trees of ``store``, most recently used first."""
    suffix = f"-v{SNAPSHOT_VERSION}"
    try:
        trees = [p for p in store.iterdir() if p.name.endswith(suffix) and not p.name.startswith(".")]
    except OSError:
        return []
    trees.sort(key=mtime, reverse=True)  # a lease's touch marks a tree used
    return trees


def prune(store: Path, keep: int, *, wait: bool = True) -> list[str]:
    """Remove all but the ``keep`` most recently used trees of ``store`` (0: none), skipping
    any a process leases, and then the blobs no remaining tree links; returns the removed
    trees' names. What killed processes left (:func:`lease.leftovers`) goes too.

    ``wait=False`` takes the trees away at once (renamed aside: nobody can lease them) and
    deletes them on a background thread: removing a folder waits on the disk (about 3 ms a
    folder measured here, a history run removes hundreds of trees), not on the CPU."""
    blobs = BlobStore(store.parent / "blobs")
    for left in leftovers(store):
        if wait:
            _delete(left, blobs)
        else:
            _REMOVER.put(left, blobs)
    if keep <= 0:
        return []
    trees = _trees(store)
    if len(trees) <= keep:
        return []
    removed = []
    for folder in trees[keep:]:
        if remove_snapshot(folder, wait=wait) is not None:
            removed.append(folder.name)
    return removed


def remove_snapshot(folder: Path, *, wait: bool = True) -> int | None:
    """Remove one snapshot folder and the blobs only it linked (returns their bytes; 0
    without ``wait``, which deletes them on a background thread), unless a process leases
    it (then None)."""
    aside = remove_if_unused(folder)
    if aside is None:
        return None
    blobs = BlobStore(folder.parent.parent / "blobs")
    if not wait:
        _REMOVER.put(aside, blobs)
        return 0
    return _delete(aside, blobs)


def _delete(aside: Path, blobs: BlobStore) -> int:
    """Delete a snapshot folder taken aside, then the blobs it was the last to link."""
    ids = blob_ids(aside)
    remove_folder(aside)
    return blobs.release(set(ids.values()))


class _Remover:
    """One background thread per process that deletes snapshot folders taken aside. One
    the process leaves undone at exit is cleared by the next prune (a ``.gone-`` folder)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Path, BlobStore]] = queue.Queue()
        self._pid = 0
        self._pending: set[Path] = set()  # a leftover is found again by each prune until deleted

    def put(self, aside: Path, blobs: BlobStore) -> None:
        if self._pid != os.getpid():  # first use, or a forked child (threads do not fork)
            self._pid, self._queue, self._pending = os.getpid(), queue.Queue(), set()
            threading.Thread(target=self._run, args=(self._queue, self._pending),
                             name="explore-snapshot-remover", daemon=True).start()
        if aside not in self._pending:
            self._pending.add(aside)
            self._queue.put((aside, blobs))

    @staticmethod
    def _run(work: queue.Queue, pending: set[Path]) -> None:
        while True:
            aside, blobs = work.get()
            try:
                _delete(aside, blobs)
            except Exception:  # noqa: BLE001 - best effort: a leftover is cleared by the next prune
                pass
            finally:
                pending.discard(aside)
                work.task_done()

    def wait(self) -> None:
        """Block until every folder handed over so far is deleted."""
        if self._pid == os.getpid():
            self._queue.join()

    def finish(self, seconds: float | None = None) -> None:
        """At exit: let the deletions under way finish, for at most ``seconds`` (the thread is a
        daemon, so an `explore eval` that stepped through 15 commits left 15 ``.gone-`` trees)."""
        deadline = time.monotonic() + (EXIT_WAIT_S if seconds is None else seconds)
        while self._pid == os.getpid() and self._pending and time.monotonic() < deadline:
            time.sleep(0.02)


#: How long a process waits at exit for its snapshot deletions (what is left, the next prune clears).
EXIT_WAIT_S = 5.0
_REMOVER = _Remover()
atexit.register(_REMOVER.finish)
#: Wait for the background deletions this process started (tests, benchmarks).
wait_for_removals = _REMOVER.wait


#: How git says an object it needs is not in the repository.
_MISSING = re.compile(rb"unable to read|could not read|not a tree object|bad object|missing", re.I)


def _ls_tree(git_dir: str, sha: str) -> list[tuple[str, str, str, str]]:
    """``(mode, kind, object id, path)`` of every entry of a commit's tree, recursively."""
    done = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", "--full-tree", sha],
                          capture_output=True)
    if done.returncode:
        error = MissingObject if _MISSING.search(done.stderr) else RepoError
        raise error(f"git ls-tree failed for {sha[:10]}: {done.stderr.decode(errors='replace').strip()}")
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
    # Every entry of ``ls-tree -r`` is a leaf (a file, symlink or submodule). One below
    # another leaf comes from a tree that names a path twice (a symlink ``a`` and a folder
    # ``a``): git refuses it, and laying ``a/b`` out would write through the symlink.
    leaves = {rel for _mode, _kind, _obj, rel in out}
    return [entry for entry in out if not _below_any(entry[3], leaves)]


def _below_any(rel: str, leaves: set[str]) -> bool:
    """Whether a folder above ``rel`` is one of ``leaves``."""
    at = rel.find("/")
    while at != -1:
        if rel[:at] in leaves:
            return True
        at = rel.find("/", at + 1)
    return False


def _cat(git_dir: str, obj: str) -> str:
    """A small blob's content as text (a symlink's target)."""
    done = subprocess.run(["git", *NO_FETCH, "--git-dir", git_dir, "cat-file", "blob", obj], capture_output=True, check=True)
    return os.fsdecode(done.stdout)


def _make_read_only(root: Path) -> None:
    """Folders read-only; files are links to read-only blobs already (and a chmod here
    would change the blob's mode in every snapshot sharing it)."""
    for dirpath, _dirnames, _filenames in os.walk(root):
        os.chmod(dirpath, 0o555)
