"""Cache folders that readers lease: one is removed only while no process reads it.

A snapshot tree in the cache is shared by every process that opens the same commit
(``explore serve``, a benchmark, ``explore tasks``), and the cache keeps only the most
recently used ones, so a tree may be removed while another process walks it unless that
process says it is reading. It says so with a *lease*: a shared ``flock`` on the folder's
``lease`` file, held for as long as it reads (the :class:`Lease` lives as long as the
snapshot that holds it). A remover takes the exclusive lock without waiting, so a folder in
use is skipped (never waited for), and renames the folder aside while it holds the lock; a
reader that opened the lease file meanwhile finds, once it holds its lock, that the file is
no longer the folder's (another inode, or none) and rebuilds the folder. The locks are the
kernel's: a killed process holds none, and no lock file is left behind (the lease lives
inside the folder it guards, and leaves with it).

A folder is made in a temporary folder that is leased before it is renamed into place, so
its maker holds it from the first instant; two makers of the same folder race to the
rename, the loser drops its copy and leases the winner's.

Where ``fcntl`` does not exist (Windows) a lease is a no-op and nothing is removed on the
cache's own initiative: there a folder in use cannot be told from one that is not.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
import weakref
from pathlib import Path

from .atomic import process_alive

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

#: The file inside a leased folder whose lock is the lease.
LEASE = "lease"
#: Prefixes of the cache's own temporaries beside leased folders: folders being made, and
#: removed ones waiting to be deleted.
NEW, GONE = ".new-", ".gone-"
#: A temporary folder older than this whose maker holds no lease on it was left by a killed
#: process (a make takes about a second).
STALE_SECONDS = 600
#: Whether leases work here (they need ``flock``).
SUPPORTED = fcntl is not None


class Lease:
    """A shared lock on a folder's lease file: while it is open, the folder stays."""

    def __init__(self, fd: int | None, folder: Path) -> None:
        self.fd = fd
        self.folder = folder

    def close(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor releases the lock

    def __del__(self) -> None:
        self.close()

    def __copy__(self) -> Lease:
        return self  # a copied snapshot shares its original's lease

    def __deepcopy__(self, _memo: dict) -> Lease:
        return self

    def __reduce__(self):
        # A descriptor means nothing in another process: a pickled snapshot arrives without
        # a lease (never one that would close a stranger's descriptor).
        return (Lease, (None, self.folder))


#: This process's leases by folder: two snapshots of one commit share one descriptor.
_HELD: weakref.WeakValueDictionary[str, Lease] = weakref.WeakValueDictionary()


def acquire(folder: Path) -> Lease | None:
    """Lease ``folder`` (and mark it used now); None when it is not there (or is being
    removed): make it, then."""
    held = _HELD.get(str(folder))
    if held is not None and held.fd is not None:
        _touch(folder)
        return held
    path = folder / LEASE
    if not SUPPORTED:
        return _register(Lease(None, folder)) if path.is_file() else None
    for _attempt in range(8):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a remover renames it aside
            same = _same(fd, path)
        except BaseException:
            os.close(fd)
            raise
        if same:
            _touch(folder)
            return _register(Lease(fd, folder))
        os.close(fd)  # removed while we waited: look again (it may be made again meanwhile)
    return None


def new_folder(parent: Path, name: str) -> tuple[Path, Lease]:
    """A fresh temporary folder in ``parent``, already leased, to be filled and then
    :func:`install`-ed as ``parent/name``."""
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{NEW}{name[:16]}-", dir=parent))
    fd = os.open(tmp / LEASE, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o444)
    if not SUPPORTED:  # and Windows renames no folder that holds an open file
        os.close(fd)
        return tmp, Lease(None, tmp)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return tmp, Lease(fd, tmp)


def install(tmp: Path, lease: Lease, final: Path) -> Lease | None:
    """Rename the made folder ``tmp`` into place as ``final``; its lease now holds ``final``.
    None when another process put ``final`` there first (``tmp`` is then removed)."""
    try:
        os.rename(tmp, final)
    except OSError:
        if not (_left_without_lease(final) and _renamed(tmp, final)):
            lease.close()
            remove_folder(tmp)
            if final.exists():
                return None
            raise
    lease.folder = final
    return _register(lease)


def _left_without_lease(final: Path) -> bool:
    """Whether ``final`` is a folder with no lease file, set aside and removed now. A folder
    is renamed into place whole, lease file and all, so one without it is what a removal
    cut short left (``rm -rf`` stopped by the read-only tree inside): no process can lease
    it, nor prune it, and every open would find it in the way for good."""
    if not final.is_dir() or (final / LEASE).exists():
        return False
    aside = final.with_name(f"{GONE}{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(final, aside)
    except OSError:
        return False  # another process set it aside first
    remove_folder(aside)
    return True


def _renamed(tmp: Path, final: Path) -> bool:
    try:
        os.rename(tmp, final)
    except OSError:
        return False
    return True


def remove_if_unused(folder: Path) -> Path | None:
    """Take ``folder`` away if no process leases it: it is renamed aside (a reader can no
    longer lease it) and the aside path returned for the caller to read what it needs and
    :func:`remove_folder`. None when it is in use, has no lease file, or leases do not work here."""
    if not SUPPORTED:
        return None
    path = folder / LEASE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return None  # leased: in use
        if not _same(fd, path):
            return None  # another remover took it first
        aside = folder.with_name(f"{GONE}{folder.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(folder, aside)
        except OSError:
            return None
        return aside
    finally:
        os.close(fd)


def recycle(folder: Path) -> tuple[Path, Lease] | None:
    """Take ``folder`` out of use as :func:`remove_if_unused` does, but keep it, leased to
    the caller, to be reshaped and :func:`install`-ed under another name (cheaper than a
    removal and a new folder). None when it is in use."""
    aside = remove_if_unused(folder)
    if aside is None:
        return None
    fd = os.open(aside / LEASE, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH)  # nobody else can reach it: it is aside
    return aside, Lease(fd, aside)


def in_use(folder: Path) -> bool:
    """Whether some process leases ``folder`` now (False where leases do not work)."""
    if not SUPPORTED:
        return False
    try:
        fd = os.open(folder / LEASE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def leftovers(parent: Path) -> list[Path]:
    """What killed processes left in ``parent``, safe to delete now: folders renamed aside
    by a process that is gone (a live one is deleting its own), and folders being made whose
    maker is gone (unleased and older than :data:`STALE_SECONDS`)."""
    found: list[Path] = []
    try:
        children = list(parent.iterdir())
    except OSError:
        return found
    now = time.time()
    for child in children:
        if child.name.startswith(GONE):
            if process_alive(child.name.rpartition(".")[2].partition("-")[0]):
                continue
        elif child.name.startswith(NEW) and SUPPORTED:
            try:
                if now - child.stat().st_mtime < STALE_SECONDS or in_use(child):
                    continue
            except OSError:
                continue
        else:
            continue
        found.append(child)
    return found


def clear_leftovers(parent: Path) -> list[Path]:
    """Delete the :func:`leftovers` in ``parent``; returns them."""
    gone = leftovers(parent)
    for path in gone:
        remove_folder(path)
    return gone


def remove_folder(path: Path) -> None:
    """Remove a folder of the cache, read-only folders in it included (made writable first)."""
    if not path.exists():
        return
    for dirpath, _dirs, _files in os.walk(path):
        try:
            os.chmod(dirpath, 0o755)
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)


def _register(lease: Lease) -> Lease:
    _HELD[str(lease.folder)] = lease
    return lease


def _same(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        now = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _touch(folder: Path) -> None:
    """Mark ``folder`` used now: the cache keeps the most recently used."""
    try:
        os.utime(folder)
    except OSError:
        pass
