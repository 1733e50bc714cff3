"""The four tools — ``ls``, ``cd``, ``read``, ``answer`` — over one snapshot and a cursor.

Every tool returns text an agent can act on: capped output, an explicit message instead
of an empty result, and errors as text (``read: no such file 'x.py' in agent/``) rather
than exceptions, because an agent's next move depends on reading what went wrong.
:class:`Workspace` holds the state the tools share (snapshot, optional BM25 index, current
folder, the question for scent, what has been read); the LangChain wrappers and the
Gymnasium environment both sit on it, so all three behave identically.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Callable

from ..question_text import not_utf8_at
from ..sandbox.errors import NoSuchPath, PathRefused
from ..sandbox.paths import Resolved
from ..sandbox.index import Index, best_window, file_lines, shown_line
from ..sandbox.outline import python_literal
from ..sandbox.snapshot import Entry, Snapshot

#: Lines per ``read`` window.
READ_WINDOW = 80
#: Entries shown by ``ls`` before "… N more".
LS_LIMIT = 60


def scent_digit(value: float) -> int:
    """Scent in 0..9, compact enough for a prompt."""
    return max(0, min(9, round(value * 9)))


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # unreachable


def shown(name: str) -> str:
    """A name as it can be printed on one line: as is, or quoted with escapes when it holds
    a newline, a control character or an undecodable byte (``'new\\nline.py'``), so a
    listing stays one entry per line and the text always encodes as UTF-8 — or a backslash,
    so a name holding ``\\n`` as two characters does not read as that one (``'a\\\\nb.py'``)."""
    return name if name.isprintable() and "\\" not in name else repr(name)


def text_out(text: str) -> str:
    """Free text (a file's lines, a step, a note) with any byte that is not UTF-8 written as
    an escape, so the result can be sent at all (as JSON by the MCP server, LangServe, orjson)."""
    return text if not_utf8_at(text) is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


def listed(name: str) -> str:
    """A name as a listing shows it, so that it can be typed back: as is, shell-quoted when
    it holds a space or a quote (``'naïve name.py'``; ``ls``/``cd``/``read``/``answer``
    take the quoted form too), or :func:`shown` when it holds a control character or a backslash."""
    if (escaped := shown(name)) != name:
        return escaped
    return shlex.quote(name) if not name or any(c.isspace() or c in "'\"" for c in name) else name


def unquoted(path: str) -> list[str]:
    """The names ``path`` may stand for when no file has its exact text, as a listing writes
    a name: shell-quoted (:func:`listed`: ``'naïve name.py'``) or escaped (:func:`shown`:
    ``'new\\nline.py'``, ``'caf\\udcff.py'`` for an undecodable byte), with its quotes, or
    without them (a shell, or ``explore walk``'s action words, took them off); each name of a
    path written that way too (``src/'naïve name.py'``: a folder joined with a listed name,
    as an MCP client without ``cd`` writes it)."""
    names: list[str] = []
    quoted = len(path) >= 2 and path[0] in "'\"" and path[-1] == path[0]
    if "\\" in path and (quoted or not any(q in path for q in "'\"")):
        try:
            name = python_literal(path if quoted else f"'{path}'")
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            name = None
        if isinstance(name, str) and name and name != path:
            names.append(name)
    if quoted:
        try:
            words = shlex.split(path)
        except ValueError:
            words = []
        if len(words) == 1 and words[0] not in names:
            names.append(words[0])
    elif "/" in path:
        parts = path.split("/")
        plain = [unquoted(part) if part else [] for part in parts]
        if any(plain) and (joined := "/".join(p[0] if p else part for part, p in zip(parts, plain))) not in names:
            names.append(joined)
    return names


def show_dir(rel: str) -> str:
    return f"{shown(rel)}/" if rel else "/"


#: The first line of a Git LFS pointer file: what a clone without `git lfs` holds in place
#: of the large file's content (a few lines naming its hash and size).
LFS_POINTER = "version https://git-lfs.github.com/spec/"


@dataclass
class Workspace:
    """A snapshot, an optional index, and the cursor state the tools share."""

    snapshot: Snapshot
    index: Index | None = None
    cwd: str = ""
    question: str | None = None
    reads: list[str] = field(default_factory=list)  # files read, in order
    answered: str | None = None
    #: The last ``ls`` or ``read`` asked for a page or a line the folder or file does not have.
    missed: bool = False
    #: The verb a hint names for entering a folder: ``cd`` in a walk, ``ls`` where there is
    #: no ``cd`` (the MCP tools).
    folder_verb: str = "cd"
    #: Where a ``read`` without a line opens, ``(lines, path, window) -> first line``; None:
    #: :func:`~explore.sandbox.index.best_window` on the question. A walk sets it to where its
    #: answer's evidence would open, so the window it read is the one it cites.
    opens_at: Callable[[list[str], str, int], int] | None = None

    # -- helpers used by the environment as well -------------------------------------
    def scent(self, rel: str) -> float | None:
        """Scent of a repo-relative path for the current question (None without one)."""
        if self.index is None or not self.question:
            return None
        return self.index.scent(self.question, rel)

    def entries(self, folder: str) -> list[tuple[Entry, str]]:
        """(entry, repo-relative path) for a folder; symlinked folders use their target."""
        canonical = folder if self.snapshot.is_dir(folder) else self.snapshot.canonical(folder)
        out = []
        for e in self.snapshot.children(canonical):
            rel = f"{canonical}/{e.name}" if canonical else e.name
            out.append((e, rel))
        return out

    def locate(self, path: str) -> Resolved:
        """``path`` resolved from the current folder; a name quoted as a listing shows it
        (``'naïve name.py'``) is taken as the name inside when no file has the quotes; and
        where nothing is there by that name, from the repository's top, as ``answer`` and
        read's own hint name a file (``read h11/_headers.py`` inside ``h11/``)."""
        try:
            return self._from(self.cwd, path)
        except NoSuchPath:
            if not self.cwd:
                raise
            try:
                return self._from("", path)
            except PathRefused:
                pass
            raise

    def _from(self, folder: str, path: str) -> Resolved:
        try:
            return self.snapshot.resolve(folder, path)
        except PathRefused:
            for plain in unquoted(path):
                try:
                    return self.snapshot.resolve(folder, plain)
                except PathRefused:
                    continue
            raise

    # -- the four tools ----------------------------------------------------------------
    def ls(self, path: str = ".", limit: int = LS_LIMIT, page: int = 1) -> str:
        """List a folder: folders first, sizes, scent (0–9) when a question is set.

        A folder of more than ``limit`` entries is listed a page at a time (``page`` 1, 2 …);
        with a question the first page holds the strongest scent, and each page keeps
        listing order, so paging on walks the rest by relevance."""
        self.missed = False
        try:
            res = self.locate(path)
        except PathRefused as exc:
            return f"ls: {exc}"
        if res.kind != "dir":
            return f"ls: {res.rel!r} is a file; use read {shown(res.rel)}"
        items = self.entries(res.rel)
        if not items:
            back = "cd .. to go back" if self.folder_verb == "cd" else "list another folder"
            if self._submodule(res.rel):
                return (f"{show_dir(res.rel)} is a git submodule: another repository, whose files are not "
                        f"this one's (ask about a clone of it); {back}")
            return f"{show_dir(res.rel)} is empty (nothing readable here); {back}"
        total = len(items)
        pages = -(-total // limit)
        if not 1 <= page <= pages:
            self.missed = True
            return (f"ls: {show_dir(res.rel)} has {pages} {'page' if pages == 1 else 'pages'} of up to {limit} "
                    f"entries; there is no page {page}")
        ranked = self.question and self.index is not None and pages > 1
        order = sorted(items, key=lambda it: -(self.scent(it[1]) or 0.0)) if ranked else items
        keep_ids = {id(it) for it in order[(page - 1) * limit:page * limit]}
        shown_items = [it for it in items if id(it) in keep_ids]
        head = f"{show_dir(res.rel)} ({total} {'entry' if total == 1 else 'entries'}"
        lines = [head + (f", page {page} of {pages})" if page > 1 else ")")]
        for entry, rel in shown_items:
            lines.append("  " + self.describe(entry, rel))
        rest = total - page * limit
        if rest > 0:
            which = f"page {page} of {pages}" + (", most relevant first" if ranked else "")
            lines.append(f"  … {rest} more ({which}; next: ls {listed(path)} --page {page + 1})")
        return "\n".join(lines)

    def _submodule(self, rel: str) -> bool:
        """Whether ``.gitmodules`` names folder ``rel`` a submodule (which a snapshot lays out
        empty, as git checks one out)."""
        try:
            text = self.snapshot.text(".gitmodules") or ""
        except PathRefused:
            return False
        return rel in {m.strip() for m in re.findall(r"^\s*path\s*=\s*(.+)$", text, re.M)}

    def describe(self, entry: Entry, rel: str) -> str:
        """One listing line: name, size, scent, notes."""
        name = listed(entry.name) + ("/" if entry.kind == "dir" else "")
        parts = [name]
        if entry.kind == "file":
            parts.append(human_size(entry.size))
        if entry.note:
            parts.append(shown(entry.note))
        s = self.scent(rel) if entry.kind in ("dir", "file") else None
        if s is not None:
            parts.append(f"scent {scent_digit(s)}")
        return "  ".join(parts)

    def cd(self, path: str) -> str:
        """Change folder; returns the new folder's listing."""
        try:
            res = self.locate(path)
        except PathRefused as exc:
            return f"cd: {exc}"
        if res.kind != "dir":
            return f"cd: {res.rel!r} is a file, not a folder; use read {shown(res.rel)}"
        self.cwd = res.rel
        return self.ls(".")

    def read(self, path: str, start: int | None = None, window: int = READ_WINDOW, *, more_hint: bool = True) -> str:
        """A window of a file with line numbers; opens where the question matches best.

        ``more_hint`` ends a partial window with how to read on (``(more: read F from line
        N)``); the environment, which has no read-from-line action, leaves it out."""
        self.missed = False
        try:
            res = self.locate(path)
        except PathRefused as exc:
            where = show_dir(self.cwd)
            msg = str(exc)
            if msg.startswith("no such path"):
                return f"read: no such file {path!r} in {where}"
            return f"read: {msg}"
        if res.kind != "file":
            return f"read: {show_dir(res.rel)} is a folder; use {self.folder_verb} {listed(res.rel) if res.rel else '/'}"
        if start is not None and start < 1:
            self.missed = True
            return f"read: no line {start}; lines are numbered from 1"
        try:
            if start is None and self.question and res.size <= 1 << 20:
                text = self.snapshot.text(res.rel) or ""
                lines = file_lines(text)
                start = (self.opens_at(lines, res.rel, window) if self.opens_at is not None
                         else best_window(lines, self.question, window, path=res.rel))
            win = self.snapshot.read_window(res.rel, start or 1, window)
        except PathRefused as exc:
            return f"read: {exc}"
        real_rel = self._real_rel(res.real)
        if real_rel not in self.reads:
            self.reads.append(real_rel)
        name = shown(res.rel)
        if win.binary:
            return f"{name}: [binary file, {win.size} bytes]"
        if not win.lines:
            if win.total == 0:
                return f"{name}: [empty file]"
            if win.total is None:
                self.missed = True
                return (f"{name}: line {start} is out of reach: the file is {human_size(win.size)} "
                        "with lines too long to scan that far")
            self.missed = True
            return f"{name}: no line {start}; the file has {win.total} line{'' if win.total == 1 else 's'}"
        if win.start == 1 and win.lines[0].startswith(LFS_POINTER) and win.size < 1024:
            return (f"{name}: [a Git LFS pointer: the file's content is stored outside the repository "
                    f"(`git lfs pull` fetches it); the pointer reads: {' '.join(win.lines)[:200]}]")
        total = str(win.total) if win.total is not None else f"? ({human_size(win.size)}, too large to count)"
        width = len(str(win.end))
        body = "\n".join(f"{n:>{width}}| {shown_line(line)}" for n, line in zip(range(win.start, win.end + 1), win.lines))
        head = f"{name}  lines {win.start}–{win.end} of {total}"
        more = ""
        if more_hint and (win.total is None or win.end < win.total):
            more = f"\n(more: read {name} from line {win.end + 1})"
        return f"{head}\n{body}{more}"

    def answer(self, path: str) -> str:
        """Name the file that answers the question; ends the walk. The path is taken from
        the current folder, or, when no file is there, from the repository's top, as the
        environment's actions and task files' oracles name it (``answer pkg/x.py`` after ``cd pkg/``)."""
        try:
            res = self.locate(path)
        except NoSuchPath as exc:
            try:
                res = self.snapshot.resolve("", path) if self.cwd else None
            except PathRefused:
                res = None
            if res is None:
                return f"answer: {exc}"
        except PathRefused as exc:
            return f"answer: {exc}"
        if res.kind != "file":
            return f"answer: {res.rel!r} is a folder; answer names a file"
        self.answered = self._real_rel(res.real)
        return f"answer: {shown(self.answered)}"

    def _real_rel(self, real) -> str:
        """The canonical repo-relative path (a file reached through an in-repo symlink
        is named by where it really lives, so answers compare equal to task targets)."""
        return real.relative_to(self.snapshot.root).as_posix()
