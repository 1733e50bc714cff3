"""Atomic file writes: a reader sees the old file or the whole new one, never half.

Every file the project writes for another process to read (run state, adapter settings,
task and demonstration files, metrics, plots, cached blobs and unit indexes) goes through
here: the bytes go to a temporary file beside the target, which is renamed over it in one
step when the writing finished, and removed when it did not. The temporary name is unique
per write, so two processes writing the same file never write into each other's half.
Folders (a converted model, a saved adapter) are written the same way with
:func:`replacing_folder`.

It sits at the bottom layer (``sandbox``) so every layer above can use it.
"""
from __future__ import annotations

import errno
import glob
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A fresh temporary path beside ``path``; write it inside the block, and it becomes
    ``path`` in one rename when the block ends (it is removed if the block raises). A
    symlink is followed (its target is replaced, the link stays), and a path that is not a
    regular file (``/dev/null``, a FIFO) is written into directly: replacing one by a
    regular file would break it for everyone (as root, ``-o /dev/null`` did)."""
    if os.path.exists(path) and not os.path.isfile(path):  # /dev/null, a FIFO: written into, never replaced
        # asked before the link is followed: a shell's `>(…)`, /dev/fd/63, links to `pipe:[…]`, no path
        yield Path(path)
        return
    if symlink_loop(path):  # its "target" is a link of the loop: replacing that broke the loop's links
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)  # a link: its target
    tmp = _temporary(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def symlink_loop(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a link that leads round to itself (``a -> b -> a``): it names no file
    to write, and following it stops on one of its own links (`os.path.realpath` returns that)."""
    return os.path.islink(path) and os.path.islink(os.path.realpath(path))


@contextmanager
def replacing_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A fresh empty folder beside ``path``; fill it inside the block, and it becomes ``path``
    by rename when the block ends (it is removed if the block raises).

    A folder already at ``path`` is renamed aside first and removed after, so a reader
    finds the old folder or the whole new one (for an instant between the two renames,
    none: no system call swaps two folders portably). Nothing is ever half-written, and
    nothing whole is lost: the finished folder is renamed to a ``.new`` temporary before the
    old one goes aside, so a writer killed in that instant leaves both complete, and
    :func:`recover` (run here first, and by :func:`clear_leftovers`) puts the new one back."""
    path = Path(path)
    recover(path)
    tmp = _temporary(path)
    tmp.mkdir()
    try:
        yield tmp
        done = _temporary(path, "new")
        os.rename(tmp, done)  # whole now: a killed writer's folder recover() may take
        tmp = done
        for _attempt in range(3):
            old = _temporary(path, "old") if path.exists() or path.is_symlink() else None
            if old is not None:
                os.replace(path, old)
            try:
                os.rename(tmp, path)
            except OSError:
                if not path.exists():  # a real failure, not another writer's folder: put the old one back
                    if old is not None:
                        os.replace(old, path)
                    raise
                if old is not None:
                    _remove(old)
                continue  # another writer put its folder there meanwhile: move that aside too
            if old is not None:
                _remove(old)
            return
        raise FileExistsError(f"{path} kept being replaced by another writer")
    except BaseException:
        _remove(tmp)
        raise


def recover(path: str | os.PathLike[str], *, locked: bool = False) -> Path | None:
    """Put back the folder a writer killed between its two renames (:func:`replacing_folder`)
    left set aside, when nothing is at ``path``: its finished new folder, else the old one.
    Returns the temporary renamed to ``path``, or None.

    Only a dead writer's temporaries are taken (one still running renames its own), unless
    ``locked``: the caller holds a lock every writer of ``path`` takes."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        return None
    aside = [p for p in _leftovers(path) if p.name.endswith((".new.tmp", ".old.tmp"))
             and (locked or abandoned(p.name))]
    for found in sorted(aside, key=lambda p: (p.name.endswith(".new.tmp"), mtime(p, follow_symlinks=False)), reverse=True):
        try:
            os.rename(found, path)
        except OSError:  # gone meanwhile, or another writer's folder is at ``path`` now
            if path.exists() or path.is_symlink():
                return None
            continue
        return found
    return None


def clear_leftovers(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries a killed writer of ``path`` left beside it; returns them.
    A whole folder it left set aside with nothing at ``path`` is put back (:func:`recover`).

    Only for a caller that holds a lock every writer of ``path`` takes: a temporary is
    otherwise indistinguishable from one another process is writing right now."""
    path = Path(path)
    recover(path, locked=True)
    gone = _leftovers(path)
    for p in gone:
        _remove(p)
    return gone


def _leftovers(path: Path) -> list[Path]:
    """The temporaries :func:`replacing_folder` and :func:`replacing` make for ``path``."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.\d+-[0-9a-f]{{8}}(\.old|\.new)?\.tmp")
    return [p for p in path.parent.glob(f".{glob.escape(path.name)}.*.tmp") if pattern.fullmatch(p.name)]


def mtime(path: Path, *, follow_symlinks: bool = True) -> float:
    """``path``'s modification time, or 0 when it is gone (another process removed it
    meanwhile): a sort key for caches that keep the most recently used or written."""
    try:
        return path.stat(follow_symlinks=follow_symlinks).st_mtime
    except OSError:
        return 0.0


def abandoned(name: str) -> bool:
    """Whether ``name`` is a temporary this module made (:func:`_temporary`) whose writer is
    gone, killed in the middle of a write: nobody will rename or remove it, delete it."""
    match = _TEMPORARY.fullmatch(name)
    return match is not None and not process_alive(match["pid"])


def process_alive(pid: str | int) -> bool:
    """Whether the process ``pid`` (a decimal string from a file's name) still runs."""
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError, OverflowError):
        return False
    except OSError:  # PermissionError: another user's, alive
        return True
    return True


#: What :func:`_temporary` names: ``.<target>.<pid>-<8 hex>[.<kind>].tmp``.
_TEMPORARY = re.compile(r"\..+\.(?P<pid>\d+)-[0-9a-f]{8}(\.[a-z]+)?\.tmp")


def _temporary(path: Path, kind: str = "") -> Path:
    """A name beside ``path`` unique to this write (process id and a random part)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{'.' + kind if kind else ''}.tmp")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; ``mode`` sets the permission bits first."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_bytes(data)
        if mode is not None and tmp.is_file():  # never the mode of a device written into
            os.chmod(tmp, mode)
    return path


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON (values JSON does not know, such as paths, as
    strings) to ``path`` atomically."""
    return write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> int:
    """Write one JSON object per line to ``path`` atomically; returns the number of rows."""
    n = 0
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
