"""Path confinement: every path the agent names must resolve inside the snapshot root.

The agent (or a LangChain caller) hands us strings like ``../../etc/passwd``,
``/etc/passwd``, ``link-to-root/etc`` or names with NUL bytes. Everything is resolved
*logically* first (``..`` may not climb above the root), then *physically* (symlinks are
followed only when their real target is still inside the root). Device files, FIFOs and
sockets are refused before anything opens them, so a FIFO can never block a read.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import NoSuchPath, PathRefused

#: A Windows drive (``C:\\``, ``C:/``, ``C:``); ``a:b.txt`` is a file name.
_DRIVE = re.compile(r"[A-Za-z]:(?:[\\/]|$)")
#: Names never shown to the agent nor reachable by it.
HIDDEN_NAMES = frozenset({".git"})


def is_git_data(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is a git repository's own data under another name than ``.git``: a
    bare clone (``~/src/mirror.git``: ``HEAD``, ``objects/``, ``refs/``), whose ``config`` holds
    its remotes' URLs and their tokens as a clone's ``.git/config`` does."""
    return os.path.isfile(os.path.join(folder, "HEAD")) and os.path.isdir(os.path.join(folder, "objects")) \
        and os.path.isdir(os.path.join(folder, "refs"))


def _in_git_data(root: Path, real: Path) -> str | None:
    """The folder of ``real`` (inside ``root``, the root itself left out) that is git's own
    data (:func:`is_git_data`), repo-relative; None when there is none."""
    parts = real.relative_to(root).parts
    current = root
    for i, part in enumerate(parts):
        current = current / part
        if (i < len(parts) - 1 or current.is_dir()) and is_git_data(current):
            return "/".join(parts[: i + 1])
    return None


def join_logical(cwd: str, path: str, *, backslash: bool = True) -> str:
    """Join ``path`` onto ``cwd`` (both repo-relative, posix) and normalise ``.``/``..``.

    A ``\\`` in ``path`` separates names as ``/`` does (as typed on Windows), unless
    ``backslash`` is false: then it is part of a name (a POSIX name may hold one).
    Returns the repo-relative path ("" for the root, also for ``/`` alone: the root as a
    listing names it). Raises :class:`PathRefused` for absolute paths, NUL bytes, or ``..``
    that climbs above the root.
    """
    if "\x00" in path or "\x00" in cwd:
        raise PathRefused("path contains a NUL byte")
    try:  # a lone surrogate ("\ud800", as JSON may carry) names no file: the system cannot take it
        os.fsencode(path)
    except UnicodeEncodeError:
        raise NoSuchPath(f"no such path {path!r}") from None
    if path.strip() == "/":  # the root, as a listing's header names it ("/ (11 entries)")
        return ""
    if path.startswith(("/", "\\")) or _DRIVE.match(path):
        raise PathRefused(f"absolute paths are not allowed: {path!r}; use a path relative to the repository")
    parts: list[str] = [p for p in PurePosixPath(cwd).parts if p not in ("", ".")] if cwd else []
    for part in (path.replace("\\", "/") if backslash else path).split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise PathRefused(f"{path!r} goes above the repository root")
            parts.pop()
            continue
        if part in HIDDEN_NAMES:
            raise NoSuchPath(f"no such path {path!r}")
        parts.append(part)
    return "/".join(parts)


@dataclass(frozen=True)
class Resolved:
    """A confined path: ``rel`` as the agent names it, ``real`` on disk, and its kind."""

    rel: str
    real: Path
    kind: str  # "file" | "dir"
    size: int


def resolve(root: Path, cwd: str, path: str) -> Resolved:
    """Resolve ``path`` (relative to ``cwd``) inside ``root``, refusing anything unsafe.

    ``root`` must already be a real (symlink-free) absolute path.
    """
    rel = _with_backslash_names(root, cwd, path) or join_logical(cwd, path)
    candidate = root / rel if rel else root
    real = Path(os.path.realpath(candidate))
    if real != root and root not in real.parents:
        link = _first_symlink(root, rel)
        name = link or rel
        raise PathRefused(f"{name!r} is a symlink pointing outside the repository; refused")
    try:
        st = os.stat(real)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise PathRefused(f"{rel!r} is a symlink loop; refused") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise PathRefused(f"{rel!r}: permission denied") from None
        if os.path.islink(candidate):
            raise NoSuchPath(f"{rel!r} is a broken symlink") from None
        raise NoSuchPath(f"no such path {rel or '/'!r}") from None
    if any(p in HIDDEN_NAMES for p in real.relative_to(root).parts) or _in_git_data(root, real) is not None:
        if (link := _first_symlink(root, rel)) is not None:  # as the listing shows it: a refused link
            raise PathRefused(f"{link!r} is a symlink pointing into git's own data; refused")
        raise NoSuchPath(f"no such path {rel!r}")
    if stat.S_ISDIR(st.st_mode):
        return Resolved(rel, real, "dir", 0)
    if stat.S_ISREG(st.st_mode):
        return Resolved(rel, real, "file", st.st_size)
    raise PathRefused(f"{rel!r} is not a regular file (device, FIFO or socket); refused")


def _with_backslash_names(root: Path, cwd: str, path: str) -> str | None:
    """``path`` joined with each ``\\`` kept in its name, when that exists under ``root``
    (a POSIX name may hold a backslash, and a listing shows it so); else None, and a
    backslash separates names. Confined as any path: on POSIX a name holding a backslash is
    one name, which climbs nowhere; and only what lies inside the root is looked for, so
    whether something exists outside it never shows."""
    if "\\" not in path or os.sep != "/":
        return None
    try:
        literal = join_logical(cwd, path, backslash=False)
    except PathRefused:  # "../a\\b" above the root, an absolute path: join_logical says why
        return None
    real = Path(os.path.realpath(root / literal))
    if not literal or (real != root and root not in real.parents):
        return None
    return literal if os.path.lexists(real) else None


def _first_symlink(root: Path, rel: str) -> str | None:
    """The first component of ``rel`` that is a symlink, for a message that names it."""
    current = root
    parts = PurePosixPath(rel).parts
    for i, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            return "/".join(parts[: i + 1])
    return None


def describe_link(root: Path, path: Path) -> str:
    """Why a symlink found while listing is or isn't usable: '' when it is fine."""
    try:
        real = Path(os.path.realpath(path))
    except OSError:  # a link the system will not resolve (/proc/N/exe of another user's process)
        return "unreadable symlink, refused"
    if real != root and root not in real.parents:
        return "points outside the repository, refused"
    try:
        os.stat(real)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop, refused"
        return "broken symlink"
    hidden = [p for p in real.relative_to(root).parts if p in HIDDEN_NAMES]
    if hidden:  # e.g. a link to .git/config in a working tree: resolve() refuses it too
        return f"points into {hidden[0]}, refused"
    if real != root and (bare := _in_git_data(root, real)) is not None:
        return f"points into the git repository {bare}, refused"
    return ""
