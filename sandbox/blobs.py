"""The content-addressed blob store that snapshot trees hard-link into (``<cache>/blobs/``).

A blob is written once, read from git through one ``git cat-file --batch``, whatever the
number of commits that hold it; it is removed when no snapshot tree links it any more (its
link count falls to 1), and written again from git if a tree needs it after that.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

from .atomic import abandoned, replacing
from .errors import MissingObject, RepoError


#: Bytes of a blob copied at a time: a 2 GB file is never held whole.
_CHUNK = 1 << 20


def _feed(pipe, data: bytes) -> None:
    """Write ``data`` to ``pipe`` and close it; quietly stop if its reader is gone."""
    try:
        pipe.write(data)
    except OSError:
        pass
    try:
        pipe.close()
    except OSError:
        pass


def _unlink(path: Path, size: int) -> int | None:
    """Remove ``path``; ``size``, or None when it was gone already."""
    try:
        os.unlink(path)
    except OSError:
        return None
    return size


def _open_new(path: str | Path):
    """Open ``path`` to write; its folder made again if a sweep removed it as empty since."""
    try:
        return open(path, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return open(path, "wb")


class BlobStore:
    """Content-addressed, read-only copies of git blobs: ``<root>/<2 hex>/<id>`` (``.x`` for
    executables, whose mode a hard link cannot differ in)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._root = str(root)

    def path(self, obj: str, mode: str) -> Path:
        return Path(self.where(obj, mode))

    def where(self, obj: str, mode: str) -> str:
        """:meth:`path` as a string: called for every file of every tree made, where pathlib
        was a tenth of the time."""
        return os.path.join(self._root, obj[:2], obj + (".x" if mode == "100755" else ""))

    def add(self, git_dir: str, wanted: list[tuple[str, str]]) -> None:
        """Write the blobs not yet stored, read through one ``git cat-file --batch``."""
        missing = list({w: (o, m) for o, m in wanted if not os.path.exists(w := self.where(o, m))}.values())
        if not missing:
            return
        proc = subprocess.Popen(["git", *NO_FETCH, "--git-dir", git_dir, "cat-file", "--batch"],  # its lines: below
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdin is not None and proc.stdout is not None
        feeder = threading.Thread(target=_feed, args=(proc.stdin, "".join(o + "\n" for o, _ in missing).encode()),
                                  daemon=True)
        feeder.start()
        done = False
        try:
            for obj, mode in missing:
                header = proc.stdout.readline().split()
                if len(header) != 3:
                    raise MissingObject(
                        f"git cat-file gave no blob for {obj[:10]}: {git_dir} is a partial clone (`--filter`) that "
                        "lacks it, and explore does not fetch it (git would write it into the clone): check the "
                        "commit out once, or clone without --filter" if is_partial_clone(git_dir) else
                        f"git cat-file gave no blob for {obj[:10]}: {git_dir} lacks it (a damaged clone? `git fsck` tells)")
                dest = self.path(obj, mode)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with replacing(dest) as tmp:  # whole or none
                    with _open_new(tmp) as fh:
                        left = int(header[2])
                        while left and (chunk := proc.stdout.read(min(left, _CHUNK))):
                            fh.write(chunk)
                            left -= len(chunk)
                    if left or proc.stdout.read(1) != b"\n":  # git died in the middle of it
                        raise RepoError(f"git cat-file stopped in the middle of blob {obj[:10]}; "
                                        f"is {git_dir} damaged? (`git fsck` tells)")
                    os.chmod(tmp, 0o555 if mode == "100755" else 0o444)
            done = True
        finally:
            if not done:  # git may be blocked writing what nobody reads now, and the feeder behind it
                proc.kill()
            proc.stdout.close()
            feeder.join()
            proc.wait()

    def link(self, git_dir: str, obj: str, mode: str, dest: str | Path) -> None:
        """Hard-link a stored blob as ``dest`` (written again from git if a prune took it
        since :meth:`add`)."""
        src = self.where(obj, mode)
        for _attempt in range(3):
            try:
                os.link(src, dest)
                return
            except FileNotFoundError:
                if not os.path.isdir(os.path.dirname(dest)):
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
        return sum(self.drop_unlinked(self.where(obj, mode)) or 0 for obj in objs for mode in ("100644", "100755"))

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
                if name.startswith("."):
                    if not abandoned(name):
                        continue  # another process's temporary, being written
                    n = st.st_size if dry_run else _unlink(path, st.st_size)
                elif st.st_nlink - linked_from.get((st.st_dev, st.st_ino), 0) > 1:
                    continue  # linked from a snapshot that stays
                else:
                    n = st.st_size if dry_run else self.drop_unlinked(path)
                if n is not None:
                    count, freed = count + 1, freed + n
        if not dry_run:  # a shard folder left empty (`cache clear` left 256 of them)
            for shard in os.scandir(self.root) if os.path.isdir(self.root) else ():
                if shard.is_dir(follow_symlinks=False):
                    try:
                        os.rmdir(shard.path)
                    except OSError:
                        pass  # not empty
        return count, freed

    @staticmethod
    def drop_unlinked(path: str | Path) -> int | None:
        """Remove a blob no snapshot links; its size, or None when it stays."""
        try:
            st = os.lstat(path)
            if st.st_nlink != 1 or os.path.basename(path).startswith("."):
                return None  # linked from a snapshot, or another process's temporary
            os.unlink(path)
        except OSError:
            return None
        return st.st_size


#: Options for a git command that reads file contents: a partial clone's git fetches a blob it
#: lacks from its remote and writes it into the clone, which explore never does (it reads no
#: network and writes nothing into a repository); every transport refused, git says it lacks it.
NO_FETCH = ("-c", "protocol.allow=never")


def is_partial_clone(git_dir: str) -> bool:
    """Whether the repository at ``git_dir`` is a partial clone (``git clone --filter=...``):
    git fetches the objects it lacks from the promisor remote as a command needs them."""
    out = subprocess.run(["git", "--git-dir", git_dir, "config", "--get-regexp",
                          r"^(extensions\.partialclone|remote\..*\.promisor)$"], capture_output=True, text=True)
    return any(value.strip().lower() not in ("", "false") for _, _, value in
               (line.partition(" ") for line in out.stdout.splitlines()))
