"""Read-only snapshots of a repository: what the agent walks.

A :class:`Repository` is what the user points at: a git repository (working or bare) or a
plain folder. :meth:`Repository.snapshot` gives a :class:`Snapshot`:

* a git commit (default ``HEAD``; any commit, tag or branch) is materialised once into the
  cache, keyed by commit id, with ``git checkout-index`` into a temporary folder that is
  renamed into place under a file lock — so two processes opening the same repo at once
  share one copy, and Ctrl-C never leaves a half-written snapshot. Files are made read-only.
* ``worktree=True`` walks the working tree in place (tracked + untracked, minus ignored),
  for questions about uncommitted changes;
* a plain folder is walked in place.

The user's repository is only ever read. Nothing here follows a symlink out of the root
(see :mod:`explore.sandbox.paths`).
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from .atomic import write_bytes
from .errors import BadRevision, EmptyRepository, NotAFolder, PathRefused, RepoError, RepoNotFound
from .paths import HIDDEN_NAMES, Resolved, describe_link, resolve

#: Names skipped everywhere (configurable per snapshot with ``ignore=``).
DEFAULT_IGNORE: tuple[str, ...] = (
    "__pycache__", "*.pyc", "*.pyo", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox",
    ".nox", "node_modules", ".venv", ".DS_Store", ".idea", ".eggs", "*.egg-info",
)
#: Files bigger than this are listed and readable in windows, but not indexed whole.
MAX_TEXT_BYTES = 1 << 20
#: Bytes sniffed for NUL to decide "binary".
SNIFF_BYTES = 8192
#: Bytes of one line that are kept; the rest of a longer line is skipped, never held whole
#: (a 2 GB file with no newline must not become a 2 GB string).
MAX_LINE_BYTES = 1 << 16
#: Bytes of over-long lines one window read may skip; past it the window ends at that line
#: and the total stays unknown (skipping the rest of a 2 GB line would take seconds).
SKIP_BYTES = 16 << 20
#: Bumped when the on-disk snapshot layout changes.
SNAPSHOT_VERSION = "2"


def cache_root() -> Path:
    """Where snapshots, indexes and models are cached: ``$EXPLORE_CACHE`` or the user cache."""
    env = os.environ.get("EXPLORE_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("explore"))


@dataclass(frozen=True)
class Entry:
    """One entry of a folder listing."""

    name: str
    kind: str  # "dir" | "file" | "link" (unusable symlink) | "special"
    size: int = 0
    note: str = ""


@dataclass(frozen=True)
class Window:
    """A window of lines read from a file (1-based, inclusive)."""

    path: str
    start: int
    end: int
    total: int | None  # None when the file is too large to count
    lines: list[str]
    size: int
    binary: bool = False


@dataclass
class Snapshot:
    """A read-only tree the agent walks. Paths are repo-relative posix strings ("" = root)."""

    root: Path
    rev: str | None
    label: str
    key: str
    tree: dict[str, list[Entry]] = field(repr=False)
    files: list[str] = field(repr=False)
    blobs: dict[str, str] = field(default_factory=dict, repr=False)
    """Path -> git blob id, for snapshots of a commit: the same content at another commit
    has the same id, so work on it (tokens, units, embeddings) is done once."""
    git_dir: str | None = field(default=None, repr=False)
    """The git directory of the repository it was taken from (None for a plain folder):
    the history up to ``rev`` (or HEAD, for a working tree) can inform the ranking."""

    def __post_init__(self) -> None:
        self._fileset = frozenset(self.files)

    def children(self, folder: str) -> list[Entry]:
        """Entries of a folder (sorted: folders first, then files).

        ``folder`` may be reached through an in-repo symlink; it is listed as its target.
        """
        if folder in self.tree:
            return self.tree[folder]
        return self.tree.get(self.canonical(folder), [])

    def canonical(self, folder: str) -> str:
        """The real repo-relative path of a folder (symlinks inside the repo resolved)."""
        res = self.resolve("", folder)
        return res.real.relative_to(self.root).as_posix() if res.real != self.root else ""

    def resolve(self, cwd: str, path: str) -> Resolved:
        """Confine ``path`` (relative to ``cwd``) to this snapshot; see :func:`paths.resolve`."""
        return resolve(self.root, cwd, path)

    def is_dir(self, folder: str) -> bool:
        return folder in self.tree

    def read_window(self, rel: str, start: int = 1, count: int = 80) -> Window:
        """Lines ``start``..``start+count-1`` of a file, streaming (a 2 GB file is fine)."""
        res = self.resolve("", rel)
        if res.kind != "file":
            raise PathRefused(f"{rel!r} is a folder, not a file")
        start = max(1, start)
        try:
            fd = os.open(res.real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except PermissionError:
            raise PathRefused(f"{rel!r}: permission denied") from None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise PathRefused(f"{rel!r} is not a regular file; refused")
            head = fh.read(SNIFF_BYTES)
            if b"\x00" in head:
                return Window(res.rel, 0, 0, None, [], res.size, binary=True)
            fh.seek(0)
            lines: list[str] = []
            n = skipped = 0
            cut = False
            while raw := fh.readline(MAX_LINE_BYTES):
                tail = raw
                while len(tail) == MAX_LINE_BYTES and not tail.endswith(b"\n"):
                    if skipped > SKIP_BYTES:
                        cut = True  # where the next line starts is out of reach
                        break
                    tail = fh.readline(MAX_LINE_BYTES)  # skip the rest of an over-long line
                    skipped += len(tail)
                n += 1
                if start <= n < start + count:
                    lines.append(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
                if cut or (res.size > MAX_TEXT_BYTES and n >= start + count - 1):
                    # Don't count the rest of a big file; one bounded peek tells if it ended.
                    at_end = not cut and not fh.readline(MAX_LINE_BYTES)
                    return Window(res.rel, start, start + len(lines) - 1, n if at_end else None, lines, res.size)
            end = start + len(lines) - 1 if lines else min(start, n)
            return Window(res.rel, start, end, n, lines, res.size)

    def text(self, rel: str, max_bytes: int = MAX_TEXT_BYTES) -> str | None:
        """The first ``max_bytes`` of a text file, or None if binary/unreadable/refused."""
        try:
            if rel in self._fileset:
                # Found by our own walk: a regular file, reached without leaving the root.
                real = self.root / rel
            else:
                res = self.resolve("", rel)
                if res.kind != "file":
                    return None
                real = res.real
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                data = fh.read(max_bytes)
        except (OSError, PathRefused):
            return None
        if b"\x00" in data[:SNIFF_BYTES]:
            return None
        return data.decode("utf-8", errors="replace")

    def depth(self, rel: str) -> int:
        """Number of folders above a file: ``a.py`` is 0, ``pkg/a.py`` is 1."""
        return rel.count("/")


class Repository:
    """A repository the user points at. Opening it validates it; it is never written to.

    ``worktree=True`` opens it as its working tree: a snapshot without a ``rev`` (and so a
    task without one) is then the working tree, uncommitted changes included, instead of
    HEAD; a named commit is still that commit. Everything that takes a repository (task
    generation, the environment, evaluation) follows it without a flag of its own.
    """

    def __init__(self, path: str | os.PathLike[str], *, worktree: bool = False) -> None:
        raw = Path(path).expanduser()
        if not raw.exists() and not raw.is_symlink():
            raise RepoNotFound(f"no such folder: {raw}; give the path of a repository or folder")
        if not raw.is_dir():
            raise NotAFolder(f"{raw} is a file, not a folder; give the repository's top folder")
        self.path = Path(os.path.realpath(raw))
        self.git = _open_git(self.path)
        self.worktree = worktree

    @property
    def is_git(self) -> bool:
        return self.git is not None

    def resolve_rev(self, rev: str | None) -> str:
        """Full commit id for ``rev`` (default HEAD), or a clear error."""
        if self.git is None:
            raise BadRevision(f"{self.path} is not a git repository, so --rev {rev!r} cannot apply")
        if not self.git.head.is_valid() and rev in (None, "HEAD"):
            raise EmptyRepository(
                f"{self.path} is a git repository with no commits; commit something, "
                "or use the working tree (--worktree)"
            )
        try:
            commit = self.git.commit(rev or "HEAD")
            commit.tree  # a full hex id is taken on trust until read: read it, so a missing one fails here
            return commit.hexsha
        except Exception:  # gitpython raises BadName, ValueError, GitCommandError...
            raise BadRevision(
                f"{rev!r} is not a commit in {self.path}; try a branch, tag or commit id "
                "(`git log --oneline` lists them)"
            ) from None

    def snapshot(
        self,
        rev: str | None = None,
        *,
        worktree: bool = False,
        ignore: tuple[str, ...] = DEFAULT_IGNORE,
        cache: Path | None = None,
    ) -> Snapshot:
        """A read-only snapshot at ``rev`` (git), of the working tree, or of the plain folder."""
        cache = cache or cache_root()
        worktree = worktree or (self.worktree and rev is None)
        if self.git is not None and not worktree:
            sha = self.resolve_rev(rev)
            root = _materialise(self.git, sha, cache / "snapshots")
            snap = _build(root, sha, f"{self.path.name}@{sha[:10]}", sha, ignore, None)
            try:
                snap.blobs = json.loads((root.parent / "blobs.json").read_text())
            except (OSError, ValueError):
                snap.blobs = {}  # an older snapshot: indexes tokenise its files themselves
        elif worktree or self.git is None:
            if rev is not None:
                if self.git is None:
                    raise BadRevision(f"{self.path} is not a git repository, so --rev {rev!r} cannot apply")
                raise BadRevision("--rev and --worktree cannot be combined")
            include = None
            if self.git is not None:
                if self.git.bare:
                    raise BadRevision(f"{self.path} is a bare repository: it has no working tree")
                include = _worktree_files(self.path)
            snap = _build(self.path, None, f"{self.path.name} (working tree)", "", ignore, include)
        if self.git is not None:
            snap.git_dir = str(self.git.git_dir)
        if not snap.files:
            raise EmptyRepository(f"no readable files in {self.path}")
        return snap


def _open_git(path: Path):  # -> git.Repo | None
    import git

    try:
        return git.Repo(path, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def _materialise(repo, sha: str, store: Path) -> Path:
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
        import threading

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


def _worktree_files(path: Path) -> set[str]:
    out = subprocess.run(
        ["git", "-C", str(path), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True, capture_output=True,
    ).stdout
    return {os.fsdecode(p) for p in out.split(b"\x00") if p}


def _ignored(name: str, patterns: tuple[str, ...]) -> bool:
    return name in HIDDEN_NAMES or any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _build(
    root: Path, rev: str | None, label: str, key: str, ignore: tuple[str, ...], include: set[str] | None
) -> Snapshot:
    """Walk ``root`` once (never following symlinked folders) into a listing tree."""
    root = Path(os.path.realpath(root))
    tree: dict[str, list[Entry]] = {}
    files: list[str] = []
    fingerprint = hashlib.sha1()
    include_dirs: set[str] = set()
    for p in include or ():
        parts = p.split("/")[:-1]
        include_dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))
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
                note = describe_link(root, Path(item.path))
                if note:
                    if include is None or rel in include:
                        entries.append(Entry(name, "link", 0, f"-> {os.readlink(item.path)} ({note})"))
                    continue
                target = os.stat(item.path)
                if stat.S_ISDIR(target.st_mode):
                    # In-repo folder symlink: `cd` works, but we don't walk it twice.
                    entries.append(Entry(name, "dir", 0, f"-> {os.readlink(item.path)}"))
                    continue
                st = target
            if stat.S_ISDIR(st.st_mode):
                if include is not None and rel not in include_dirs:
                    continue
                entries.append(Entry(name, "dir"))
                stack.append(rel)
            elif stat.S_ISREG(st.st_mode):
                if include is not None and rel not in include:
                    continue
                entries.append(Entry(name, "file", st.st_size))
                files.append(rel)
                fingerprint.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
            else:
                entries.append(Entry(name, "special", 0, "(device, FIFO or socket; refused)"))
        entries.sort(key=lambda e: (e.kind != "dir", e.name))
        tree[folder] = entries
    # Folders reached only through an in-repo symlink get their listing on demand.
    files.sort()
    return Snapshot(root, rev, label, key or "fs-" + fingerprint.hexdigest(), tree, files)
