"""Read-only snapshots of a repository: what the agent walks.

A :class:`Repository` is what the user points at: a git repository (working or bare) or a
plain folder. :meth:`Repository.snapshot` gives a :class:`Snapshot`:

* a git commit (default ``HEAD``; any commit, tag or branch) is laid out in the cache,
  keyed by commit id, read-only (:mod:`explore.sandbox.checkout`): two processes opening
  the same repo at once share one copy, Ctrl-C never leaves half of one, and the copy
  stays while a snapshot of it lives (the cache keeps only the most recently used).
* ``worktree=True`` walks the working tree in place (tracked + untracked, minus ignored),
  for questions about uncommitted changes;
* a folder *inside* a git repository (``/repo/src/pkg``) is that repository's subfolder:
  walked in place as the working tree shows it (minus what ``.gitignore`` ignores), or at
  a commit with ``rev``; its paths are relative to it (see :class:`Repository`);
* a plain folder is walked in place.

What a folder holds is found by one walk (:mod:`explore.sandbox.listing`). The user's
repository is only ever read. Nothing here follows a symlink out of the root
(see :mod:`explore.sandbox.paths`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checkout import MISSING_FILE, blob_ids, materialise
from .errors import BadRevision, CacheInRepository, EmptyRepository, ExploreError, GitMissing, GitRefused, MissingObject, NO_GIT, NoSuchPath, NotAFolder, PathRefused, RepoNotFound
from .listing import DEFAULT_IGNORE, Entry, git_refusal, list_tree, worktree_files
from .paths import Resolved, resolve

#: Whether this system names an open file's real path under /proc/self/fd (Linux).
_PROC_FD = os.path.isdir("/proc/self/fd")

#: Re-exported: a listing's names (:mod:`.listing`) are imported from here too.
__all__ = ["DEFAULT_IGNORE", "MAX_TEXT_BYTES", "Entry", "Repository", "Snapshot", "Window", "cache_root"]

#: Files bigger than this are listed and readable in windows, but not indexed whole.
MAX_TEXT_BYTES = 1 << 20
#: Bytes sniffed for NUL to decide "binary".
SNIFF_BYTES = 8192
#: How files that are binary though their first bytes hold no NUL begin: a PDF (an
#: Illustrator ``.ai``, an ``.eps`` preview), whose compressed streams come later.
BINARY_MAGIC = (b"%PDF-",)


def is_binary(head: bytes) -> bool:
    """Whether a file whose first :data:`SNIFF_BYTES` bytes are ``head`` is binary."""
    return b"\x00" in head or head.startswith(BINARY_MAGIC)
#: Bytes of one line that are kept; the rest of a longer line is skipped, never held whole
#: (a 2 GB file with no newline must not become a 2 GB string).
MAX_LINE_BYTES = 1 << 16
#: Bytes of over-long lines one window read may skip; past it the window ends at that line
#: and the total stays unknown (skipping the rest of a 2 GB line would take seconds).
SKIP_BYTES = 16 << 20


def cache_root() -> Path:
    """Where snapshots, indexes and models are cached: ``$EXPLORE_CACHE`` or the user cache."""
    env = os.environ.get("EXPLORE_CACHE")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("explore"))


def writable_cache() -> Path:
    """The cache folder (:func:`cache_root`), made if need be; an :class:`ExploreError` saying
    what to do where it cannot be written. Asked before a command that lays out commits prints
    or writes anything (`train` left a run.json behind, `eval` its header on stdout)."""
    import tempfile

    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as exc:
        raise ExploreError(f"cannot use the cache folder {root}: {exc.strerror or exc}; commits are laid out and "
                           "indexes kept there: make it a folder you can write, or set EXPLORE_CACHE to one") from None
    return root


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
    the history up to ``rev`` (or HEAD, for a working tree) can inform the ranking. For a
    subfolder, the enclosing repository's: its history names files by the repository's
    paths, which its readers map through :attr:`prefix`."""
    lease: object = field(default=None, repr=False, compare=False)
    """Keeps a commit's tree in the cache while this snapshot lives (:mod:`.lease`)."""
    prefix: str = ""
    """Where the snapshot's root lies inside its git repository (``src/pkg``; "" at the top
    or for a plain folder): a path ``p`` here is ``prefix/p`` in the repository's history."""
    missing: tuple[str, ...] = ()
    """Files of the commit the clone lacks (git has no blob for them), left out of the tree."""

    @property
    def missing_note(self) -> str | None:
        """What an answer about this snapshot says of :attr:`missing`, or None."""
        if not self.missing:
            return None
        shown_paths = ", ".join(self.missing[:3]) + (f" and {len(self.missing) - 3} more" if len(self.missing) > 3 else "")
        return (f"{len(self.missing)} file{'s' if len(self.missing) > 1 else ''} of {self.label} the clone lacks "
                f"(git has no blob for {'them' if len(self.missing) > 1 else 'it'}: {shown_paths}) "
                f"{'are' if len(self.missing) > 1 else 'is'} left out; `git fsck` tells, and --worktree reads "
                "the working tree as it is")

    def __post_init__(self) -> None:
        self._fileset = frozenset(self.files)
        self._real_root: str | None = None

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
        """Confine ``path`` (relative to ``cwd``) to this snapshot; see :func:`paths.resolve`.
        What the listing leaves out (git-ignored files of a working tree, caches,
        virtualenvs) is not part of the snapshot: a path that names it is refused as missing,
        or a read could show a git-ignored ``.env`` that ``ls`` never lists."""
        res = resolve(self.root, cwd, path)
        real = res.real.relative_to(self.root).as_posix() if res.real != self.root else ""
        if (res.kind == "file" and real not in self._fileset) or (res.kind == "dir" and real and real not in self.tree):
            raise NoSuchPath(f"no such path {path!r} in the snapshot (it is left out: git-ignored, or a cache, "
                             "virtualenv, node_modules or .git folder)")
        return res

    def is_dir(self, folder: str) -> bool:
        return folder in self.tree

    def read_window(self, rel: str, start: int = 1, count: int = 80) -> Window:
        """Lines ``start``..``start+count-1`` of a file, streaming (a 2 GB file is fine)."""
        res = self.resolve("", rel)
        if res.kind != "file":
            raise PathRefused(f"{rel!r} is a folder, not a file")
        start = max(1, start)
        try:
            fd = self._open_inside(res.real, rel)
        except PermissionError:
            raise PathRefused(f"{rel!r}: permission denied") from None
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise PathRefused(f"{rel!r} is not a regular file; refused")
            head = fh.read(SNIFF_BYTES)
            if is_binary(head):
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
            fd = self._open_inside(real, rel)
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                data = fh.read(max_bytes)
        except (OSError, PathRefused):
            return None
        if is_binary(data[:SNIFF_BYTES]):
            return None
        return data.decode("utf-8", errors="replace")

    def _open_inside(self, real: Path, rel: str) -> int:
        """``real`` opened for reading, refused when what was opened lies outside the root.

        A working tree is live: a file checked (or listed) a moment ago as inside the root may
        since have been swapped for a symlink out of it, or a folder above it for one. Where
        the system names an open file's real path (``/proc/self/fd``), the check is made on
        what was actually opened, so no swap can lead a read outside."""
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        if _PROC_FD:
            where = os.readlink(f"/proc/self/fd/{fd}")  # the kernel's own path of what was opened
            root = self._real_root or os.path.realpath(self.root)
            self._real_root = root
            if where != root and not where.startswith(root.rstrip(os.sep) + os.sep):
                os.close(fd)
                raise PathRefused(f"{rel!r} now leads outside the repository; refused")
        return fd

    def depth(self, rel: str) -> int:
        """Number of folders above a file: ``a.py`` is 0, ``pkg/a.py`` is 1."""
        return rel.count("/")


def _gone_hint(raw: Path) -> str:
    """For a missing folder inside a git repository's working tree: how to reach a folder
    that exists only at another commit (a subfolder is opened from the disk, then walked at
    ``--rev``)."""
    above = raw.absolute().parent
    while not above.is_dir() and above != above.parent:
        above = above.parent
    try:
        _, top, _ = _enclosing_git(Path(os.path.realpath(above)))
    except ExploreError:
        return ""
    if top is None:
        return ""
    return (f" (it is not in the working tree of {top}; for a folder that exists only at another commit, "
            f"`git -C {shlex.quote(str(top))} worktree add /tmp/at-rev REV` checks that commit out beside it, or ask "
            f"{top} itself "
            "with --rev)")


class Repository:
    """A repository the user points at. Opening it validates it; it is never written to.

    ``worktree=True`` opens it as its working tree: a snapshot without a ``rev`` (and so a
    task without one) is then the working tree, uncommitted changes included, instead of
    HEAD; a named commit is still that commit. Everything that takes a repository (task
    generation, the environment, evaluation) follows it without a flag of its own.

    A folder inside a git repository's working tree is that repository's subfolder
    (:attr:`top`, :attr:`subdir`): the walk is scoped to it and its paths are relative to it,
    as for any folder, but what git ignores is left out and ``rev`` names a commit of the
    enclosing repository. Without ``rev`` it is walked as the working tree shows it: a
    subfolder has no HEAD of its own to walk instead, and the one of the repository's
    would hide the edits of the folder the user pointed at. Its :attr:`git` is None (with
    :attr:`is_git` False), so what needs the top of a repository leaves it alone; the
    readers of the history (commit messages, files changed), which speaks in the
    repository's paths, take :attr:`enclosing_git` and keep to :attr:`subdir` (a snapshot's
    ``git_dir`` and ``prefix``). A folder git ignores, or one inside a bare repository, is a
    plain folder; a ``.git`` folder or one inside it is refused (:class:`NotAFolder`).
    """

    def __init__(self, path: str | os.PathLike[str], *, worktree: bool = False) -> None:
        if not str(path).strip():  # Path("") is ".": an empty argument answered about the current folder
            raise RepoNotFound("the repository path is empty; give the path of a repository or folder "
                               "(`.` for the current one)")
        raw = Path(path).expanduser()
        if not raw.exists() and not raw.is_symlink():
            if _REMOTE.match(str(path)):
                url = re.sub(r"^([a-z][a-z0-9+.-]*):/(?!/)", r"\1://", str(path))  # a Path made https:// https:/
                url = url if re.match(r"^[a-z][a-z0-9+.-]*://|[\w.-]+@", url) else f"https://{url}"
                raise RepoNotFound(f"{url} is a URL, not a folder: explore reads no network; clone it first "
                                   f"(`git clone {url}`) and give the clone's folder")
            raise RepoNotFound(f"no such folder: {raw}; give the path of a repository or folder{_gone_hint(raw)}")
        if raw.is_symlink() and not raw.exists():  # a link to a clone since moved was "a file, not a folder"
            raise RepoNotFound(f"{raw} is a symlink to {os.readlink(raw)}, which does not exist; give the path of a "
                               "repository or folder")
        if not raw.is_dir():
            raise NotAFolder(f"{raw} is a file, not a folder; give the repository's top folder")
        self.path = Path(os.path.realpath(raw))
        if ".git" in self.path.parts and (data := Path(*self.path.parts[:self.path.parts.index(".git") + 1])) \
                and (data / "HEAD").is_file():  # git's own data (its config holds the remotes' URLs), not a
            # folder that happens to be called .git
            raise NotAFolder(f"{raw} is inside a .git folder, git's own data: give the repository itself "
                             f"({data.parent})")
        self._repo, self.top, self.subdir = _enclosing_git(self.path)
        _cache_outside(self.top or self.path, git=self._repo is not None)
        self.git = self._repo if not self.subdir else None
        """The git repository whose top folder :attr:`path` is (None for a plain folder or a subfolder)."""
        self.worktree = worktree

    @property
    def enclosing_git(self):  # -> git.Repo | None
        """The git repository :attr:`path` lies in, at its top or in a subfolder (None for a
        plain folder): for readers of the history that map its paths through :attr:`subdir`."""
        return self._repo

    @property
    def is_git(self) -> bool:
        """Whether :attr:`path` is the top of a git repository (its history applies as it is)."""
        return self.git is not None

    @property
    def name(self) -> str:
        """How snapshots are labelled: the folder's name, or ``repo/sub/folder`` for a subfolder."""
        return f"{self.top.name}/{self.subdir}" if self.top is not None and self.subdir else self.path.name

    def resolve_rev(self, rev: str | None) -> str:
        """Full commit id for ``rev`` (default HEAD), or a clear error."""
        repo = self._repo
        if repo is None:
            raise BadRevision(f"{self.path} is not a git repository, so --rev {rev!r} (rev= from Python) cannot apply")
        if not repo.head.is_valid() and rev in (None, "HEAD"):
            refused = git_refusal(self.top)  # asked only on failure: a git process costs a warm question ms
            if refused:
                raise GitRefused(refused)
            named = subprocess.run(["git", "-C", str(self.top), "rev-parse", "-q", "--verify", "HEAD"],
                                   capture_output=True, text=True, errors="replace").stdout.strip()
            if named:  # HEAD names a commit whose object is gone (objects emptied): not "no commits"
                raise MissingObject(
                    f"{self.top}: HEAD names commit {named[:10]}, which the repository lacks (its objects were "
                    "deleted or never copied); `git fsck` lists what is missing, and a fresh clone mends it")
            if rev is None and (branches := sorted(h.name for h in repo.heads if h.is_valid())):
                # an orphan branch just made (`git switch --orphan pages`): the repository has commits
                raise BadRevision(
                    f"{self.top}: HEAD is on the branch {_unborn_branch(repo)!r}, which has no commits yet "
                    f"(branches with commits: {', '.join(branches[:5])}{', …' if len(branches) > 5 else ''}); "
                    "name one with --rev (rev= from Python) or `git switch` to it, or use the working tree "
                    "(--worktree; from Python, worktree=True)")
            raise EmptyRepository(
                f"{self.top} is a git repository with no commits; commit something, "
                "or use the working tree (--worktree; from Python, worktree=True)"
            )
        if rev is not None and not rev.strip():  # `--rev ""` (an unset shell variable): not HEAD by stealth
            raise BadRevision("the revision is empty; give a branch, tag or commit id, or leave --rev (rev=) out for HEAD")
        try:
            commit = repo.commit(rev or "HEAD")
            commit.tree  # a full hex id is taken on trust until read: read it, so a missing one fails here
            return commit.hexsha
        except Exception:  # gitpython raises BadName, ValueError, GitCommandError...
            refused = git_refusal(self.top)
            if refused:
                raise GitRefused(refused) from None
            raise BadRevision(
                f"{rev!r} is not a commit in {self.top}; try a branch, tag or commit id "
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
        if rev is not None and not isinstance(rev, str):  # from Python: it failed inside as "no attribute 'strip'"
            raise TypeError(f"rev must be a branch, tag or commit id as a str (\"HEAD~1\", \"v1.2\"), not "
                            f"{type(rev).__name__}")
        cache = cache or cache_root()
        repo = self._repo
        worktree = worktree or (rev is None and (self.worktree or bool(self.subdir)))
        if repo is not None and not worktree:
            sha = self.resolve_rev(rev)
            tree, lease = materialise(repo, sha, cache / "snapshots")
            root, key = tree, sha
            if self.subdir:
                root = tree / self.subdir
                # Any folder on the way may be a symlink at that commit (out of the tree, too).
                if os.path.realpath(root) != str(root) or not root.is_dir():
                    raise BadRevision(f"{self.subdir}/ is not a folder of {self.top} at commit {sha[:10]}; "
                                      "name a commit that has it, or leave --rev (rev=) out to walk it as it is now")
                key = f"{sha}-{hashlib.sha1(self.subdir.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}"
            snap = _build(root, sha, f"{self.name}@{sha[:10]}", key, ignore, None)
            snap.lease = lease  # the tree stays while the snapshot lives
            blobs = blob_ids(tree.parent)  # {} for an older snapshot: indexes tokenise its files themselves
            cut = len(self.subdir) + 1
            snap.blobs = {p[cut:]: b for p, b in blobs.items() if p.startswith(self.subdir + "/")} if self.subdir else blobs
            try:  # the files of the commit the clone lacks, left out of the tree
                lost = [p for p in json.loads((tree.parent / MISSING_FILE).read_text()) if isinstance(p, str)]
            except (OSError, ValueError, TypeError):
                lost = []
            snap.missing = tuple(p[cut:] for p in lost if p.startswith(self.subdir + "/")) if self.subdir else tuple(lost)
        else:
            if rev is not None:
                if repo is None:
                    raise BadRevision(f"{self.path} is not a git repository, so --rev {rev!r} (rev= from Python) cannot apply")
                raise BadRevision("--rev and --worktree (rev= and worktree=True from Python) cannot be combined")
            include = None
            if repo is not None:
                if repo.bare:
                    raise BadRevision(f"{self.path} is a bare repository: it has no working tree; drop --worktree "
                                      "(worktree=True) to read its HEAD (or --rev, rev=, for another commit)")
                include = worktree_files(self.path)
            snap = _build(self.path, None, f"{self.name} (working tree)", "", ignore, include)
        if repo is not None:
            snap.git_dir = str(repo.git_dir)  # a subfolder's readers of history keep to its prefix
        snap.prefix = self.subdir
        if not snap.files:
            raise EmptyRepository(f"no readable files in {self.path}")
        return snap


def _unborn_branch(repo: Any) -> str:
    """The branch an unborn HEAD points at (``refs/heads/`` left off), or ``HEAD``."""
    try:
        return repo.head.reference.name
    except (TypeError, ValueError):  # a detached HEAD naming a missing commit
        return "HEAD"


#: A repository named by its remote: a URL, scp-like ``git@host:owner/repo``, or ``github.com/o/r``.
_REMOTE = re.compile(r"^(?:(?:https?|ssh|git|git\+ssh|ftp)://?|[\w.-]+@[\w.-]+:|(?:www\.)?(?:github|gitlab|bitbucket|codeberg)\.(?:com|org)/)",
                     re.I)


def _cache_outside(top: Path, *, git: bool) -> None:
    """Refuse a repository the cache folder lies inside (``EXPLORE_CACHE=.explore-cache``):
    every snapshot, index and blob would be written into it — and a walk of its working tree
    would rank the cache's own copies. A cache git ignores (``~/.cache`` of a home folder kept
    in git) is left as it is: it is the user's choice, and the walk never lists it."""
    cache = Path(os.path.realpath(cache_root()))
    if cache != top and top not in cache.parents:
        return
    if git and cache != top and subprocess.run(  # as a folder: `.explore-cache/` matches one not made yet
            ["git", "-C", str(top), "check-ignore", "-q", "--", f"{cache}/"], capture_output=True).returncode == 0:
        return
    kind = "repository" if git else "folder"  # a plain folder is read-only to explore too, but is no repository
    raise CacheInRepository(f"the cache folder {cache} (EXPLORE_CACHE, else the user cache) is inside the "
                            f"{kind} {top}, which explore never writes to: set EXPLORE_CACHE to a folder "
                            "outside it")


def _enclosing_git(path: Path):  # -> (git.Repo | None, Path | None, str)
    """The git repository ``path`` is the top of or lies inside, its top folder, and
    ``path``'s place in it ("" at the top). ``(None, None, "")`` for a plain folder, and for
    a folder git ignores or one inside a bare repository's or a ``.git`` folder."""
    try:
        import git
    except ImportError:  # GitPython's 60-line "Bad git executable"
        raise GitMissing(NO_GIT) from None

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None, None, ""
    if repo.bare:
        here = Path(os.path.realpath(repo.git_dir)) == path
        return (repo, path, "") if here else (None, None, "")
    top = Path(os.path.realpath(repo.working_tree_dir))
    if top == path:
        return repo, top, ""
    try:
        subdir = path.relative_to(top).as_posix()
    except ValueError:  # inside the git directory of a repository kept apart from its work tree
        return None, None, ""
    ignored = subprocess.run(["git", "-C", str(top), "check-ignore", "-q", "--", subdir + "/"],
                             capture_output=True).returncode == 0
    if subdir.split("/")[0] == ".git" or ignored:
        return None, None, ""
    return repo, top, subdir


def _build(root: Path, rev: str | None, label: str, key: str, ignore: tuple[str, ...],
           include: set[str] | None) -> Snapshot:
    """A snapshot of what :func:`~.listing.list_tree` finds under ``root``; a plain folder
    (no ``key``) is keyed by its listing's fingerprint."""
    listing = list_tree(root, ignore, include)
    return Snapshot(listing.root, rev, label, key or listing.fingerprint, listing.tree, listing.files)
