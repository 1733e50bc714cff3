"""A folder's listing: the one walk that tells a snapshot what it holds.

:func:`list_tree` walks a folder once, never following a symlinked folder, into a tree of
:class:`Entry` per folder and the sorted list of its regular files; names in
:data:`DEFAULT_IGNORE` (and the hidden names of :mod:`.paths`) are skipped, and a working
tree lists only what git would show (:func:`worktree_files`). A symlink that leaves the
root, loops, dangles or reaches a hidden name is listed as a ``link`` with the reason
and never followed (:func:`~.paths.describe_link`); a symlinked folder inside the root
is listed as a folder but not walked twice; a device, FIFO or socket is ``special``. A plain folder's listing carries a fingerprint of
names, sizes and modification times, the key its caches are filed under.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import GitRefused
from .paths import HIDDEN_NAMES, describe_link, is_git_data

#: Names skipped everywhere (configurable per snapshot with ``ignore=``).
DEFAULT_IGNORE: tuple[str, ...] = (
    "__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox",
    ".nox", "node_modules", ".venv", ".DS_Store", ".idea", ".eggs", "*.egg-info",
)


@dataclass(frozen=True)
class Entry:
    """One entry of a folder listing."""

    name: str
    kind: str  # "dir" | "file" | "link" (unusable symlink) | "special"
    size: int = 0
    note: str = ""


@dataclass(frozen=True)
class Listing:
    """What :func:`list_tree` found under ``root`` (the real path)."""

    root: Path
    tree: dict[str, list[Entry]]
    """Folder ("" = root) -> its entries, folders first, then files, each by name."""
    files: list[str]
    """Every regular file, repo-relative, sorted."""
    fingerprint: str
    """``fs-`` and a hash of every file's path, size and modification time."""


def git_refusal(top: Path | None) -> str | None:
    """What git says when it will not read the repository at ``top`` at all (None when it
    will): above all a repository another user owns, which git refuses ("dubious ownership")
    and which would otherwise look like one with no commits."""
    if top is None:
        return None
    done = subprocess.run(["git", "-C", str(top), "rev-parse", "--git-dir"], capture_output=True, text=True,
                          errors="replace")
    if done.returncode == 0:
        return None
    said = " ".join(done.stderr.split()) or f"exit status {done.returncode}"
    return f"git refuses to read {top}: {said}"  # its own words say what to do (safe.directory)


def worktree_files(path: Path) -> set[str]:
    """The files of a working tree git would show: tracked and untracked, minus ignored."""
    done = subprocess.run(
        ["git", "-C", str(path), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
    )
    if done.returncode != 0:
        said = " ".join(os.fsdecode(done.stderr).split()) or f"exit status {done.returncode}"
        raise GitRefused(git_refusal(path) or f"git cannot list the working tree of {path}: {said}")
    out = done.stdout
    return {os.fsdecode(p) for p in out.split(b"\x00") if p}


def _ignored_target(root: Path, link: str, target: os.stat_result, include: set[str] | frozenset[str],
                    include_dirs: set[str]) -> str:
    """Why a symlink of the working tree must not be followed, or "": it points at a file
    or folder git ignores (``settings.env -> .env``), which the listing leaves out itself."""
    real = os.path.relpath(os.path.realpath(link), root).replace(os.sep, "/")
    if stat.S_ISDIR(target.st_mode):
        shown = real in include_dirs or real == "."
    else:
        shown = real in include
    return "" if shown else "points to a path git ignores, refused"


def _ignored(name: str, patterns: tuple[str, ...]) -> bool:
    return name in HIDDEN_NAMES or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def left_out(rel: str, patterns: tuple[str, ...] = DEFAULT_IGNORE) -> bool:
    """Whether a snapshot leaves the path ``rel`` out (a name of it is ignored: a committed
    ``pkg/__pycache__/x.py``), so that no walk can reach it: no question's answer."""
    return any(_ignored(name, patterns) for name in rel.split("/"))


def list_tree(root: Path, ignore: tuple[str, ...] = DEFAULT_IGNORE, include: set[str] | None = None) -> Listing:
    """Walk ``root`` once (never following symlinked folders) into a listing tree.

    ``include``: the only files to list (a working tree's tracked and untracked files,
    :func:`worktree_files`), with the folders that lead to them; None lists everything
    not ignored."""
    root = Path(os.path.realpath(root))
    tree: dict[str, list[Entry]] = {}
    files: list[str] = []
    fingerprint = hashlib.sha1()
    top_dirs: set[str] = set()
    for p in include or ():
        parts = p.split("/")[:-1]
        top_dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    aliases: dict[str, str] = {}  # an in-repo symlink to a file -> that file's real path
    top_include = include
    # a git working tree inside a plain folder (a folder of clones): what git shows of it, as
    # the folder it lies in -> (its files, its folders), keyed by the paths below the root
    nested: dict[str, tuple[set[str], set[str]]] = {}
    stack = [""]
    while stack:
        folder = stack.pop()
        entries: list[Entry] = []
        try:
            with os.scandir(root / folder if folder else root) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError:
            tree[folder] = []
            continue
        if top_include is None and folder and folder not in nested and any(i.name == ".git" for i in items):
            # its .gitignore applies as it does to the clone asked about itself: a `.env` there
            # was read through the folder above it (`--allow ~/src`, then `repo: ~/src`)
            try:
                shown = {f"{folder}/{f}" for f in worktree_files(root / folder)}
            except GitRefused:
                shown = set()  # git cannot say what it ignores: nothing of it is shown
            dirs = {folder}
            for f in shown:
                parts = f.split("/")[:-1]
                dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
            nested[folder] = (shown, dirs)
        inside = [prefix for prefix in nested if folder == prefix or folder.startswith(prefix + "/")]
        within = nested[max(inside, key=len)] if inside else None  # the innermost clone's rules
        include, include_dirs = (within if within is not None else (top_include, top_dirs))
        for item in items:
            name = item.name
            if _ignored(name, ignore):
                continue
            rel = f"{folder}/{name}" if folder else name
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                try:  # a link removed or changed while the folder is read is left out, like a file
                    note = describe_link(root, Path(item.path))
                    if note:
                        if include is None or rel in include:
                            entries.append(Entry(name, "link", 0, f"-> {os.readlink(item.path)} ({note})"))
                        continue
                    target = os.stat(item.path)
                    hidden = include is not None and _ignored_target(root, item.path, target, include, include_dirs)
                    if hidden:  # git ignores what it points to (a .env): read through the link, it would leak
                        if rel in include:
                            entries.append(Entry(name, "link", 0, f"-> {os.readlink(item.path)} ({hidden})"))
                        continue
                except OSError:
                    continue
                if stat.S_ISDIR(target.st_mode):
                    # In-repo folder symlink: `cd` works, but we don't walk it twice.
                    entries.append(Entry(name, "dir", 0, f"-> {os.readlink(item.path)}"))
                    continue
                if stat.S_ISREG(target.st_mode) and (include is None or rel in include):
                    try:
                        aliases[rel] = Path(os.path.realpath(item.path)).relative_to(root).as_posix()
                    except (OSError, ValueError):
                        pass
                st = target
            if stat.S_ISDIR(st.st_mode):
                if include is not None and rel not in include_dirs:
                    continue
                if is_git_data(item.path):  # a bare clone among plain folders: its config holds remotes' tokens
                    continue
                entries.append(Entry(name, "dir"))
                stack.append(rel)
            elif stat.S_ISREG(st.st_mode):
                if include is not None and rel not in include:
                    continue
                entries.append(Entry(name, "file", st.st_size))
                files.append(rel)
                # ctime and inode too: an edit that keeps size and mtime (`cp -p`, `rsync -a`, an archive
                # unpacked over it) still changes them, and a stale index mixed old words with new text
                fingerprint.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
                                   .encode("utf-8", "surrogateescape"))
            else:
                entries.append(Entry(name, "special", 0, "(device, FIFO or socket; refused)"))
        entries.sort(key=lambda e: (e.kind != "dir", e.name))
        tree[folder] = entries
    # Folders reached only through an in-repo symlink get their listing on demand.
    # A symlink to a file that is listed itself is the same file under a second name: `ls`
    # shows it (with where it points) and `read` follows it, but it is not a file of its
    # own, or every ranking would hold the same text twice (answers already name the real
    # path). A link to a file the listing leaves out stays a file, as before.
    listed = set(files)
    doubles = {rel for rel, real in aliases.items() if real != rel and real in listed}
    if doubles:
        files = [f for f in files if f not in doubles]
        for folder, entries in tree.items():
            tree[folder] = [Entry(e.name, e.kind, e.size, f"-> {aliases[rel]}")
                            if e.kind == "file" and (rel := f"{folder}/{e.name}" if folder else e.name) in doubles
                            else e for e in entries]
    files.sort()
    return Listing(root, tree, files, "fs-" + fingerprint.hexdigest())
