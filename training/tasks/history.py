"""Tasks from git history: a commit message is a question its changed files answer.

A human wrote "Fix the retry back-off overflowing after 30 attempts" about the files the
commit touched, so the message is the closest thing a repository has to a real user
question, and it comes with its answer. The task is posed on the **parent** commit — the
code *before* the change — because that is what a developer reading a bug report faces.

The whole history is read with **one** ``git log`` process (messages, parents, authors,
changed paths with their status and line counts), so a 30,000-commit repository is
scanned in seconds; nothing is checked out here (snapshots at the parents are built on
demand from the blob store, see :mod:`explore.sandbox.snapshot`).

Left out, each counted by reason (:class:`HistoryScan`): merges and root commits, bots,
reverts, version bumps and release chores, formatting and typo commits, messages too
short to mean anything, commits touching no source file or only tests/docs/config, and
broad commits (more than :data:`MAX_CHANGED` files, :data:`MAX_TARGET_FILES` source
files or :data:`MAX_LINES` lines), whose "answer" is a whole subsystem.

For a subfolder of a repository (``Repository("/repo/src/pkg")``) only the commits that
touched it are read (``git log --full-history -- src/pkg``), their targets are named as
the subfolder's snapshot names them (``retry.py``, not ``src/pkg/retry.py``), and a
commit is judged whole: one that also changed source files outside the folder is left
out (its answer lies partly where the walk cannot go), and its breadth counts every file
it changed.
"""
from __future__ import annotations

import re
import secrets
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ...agent.task import Task, valid_target
from ...sandbox.blobs import NO_FETCH, is_partial_clone
from ...sandbox.index import CJK_LETTERS
from ...sandbox.listing import left_out
from ...sandbox.errors import ExploreError, MissingObject
from ...retrieval.history import unquote_path
from ...sandbox.outline import file_kind
from ...sandbox.snapshot import Repository
from .quality import is_test_path, is_vendored, task_id

SOURCE = "history"
#: Newest commits scanned by default (0 = the whole history).
MAX_COMMITS = 0
#: At most this many non-test source files as targets.
MAX_TARGET_FILES = 3
#: Commits changing more files or lines than these are too broad to be one question.
MAX_CHANGED = 12
MAX_LINES = 600
#: Message length kept as the question.
MAX_QUESTION_CHARS = 600

SOURCE_SUFFIXES = frozenset(
    ".py .pyi .pyx .c .h .cc .cpp .hpp .rs .go .java .kt .js .jsx .mjs .cjs .ts .tsx .rb .php .cs .swift "
    ".scala .sh .lua .r .jl .m .mm .zig .ex .exs .erl .hs .ml .clj .dart .vue .sql .inl .ipp .tpp .tcc".split()
)
_BOT = re.compile(r"\[bot\]|dependabot|renovate|github-actions|pre-commit-ci|\bbot@|noreply.*bot", re.I)
_CHORE = re.compile(
    r"^(revert\b|merge\b|bump\b|release\b|prepare (for )?release|version bump|v?\d+(\.\d+)+\s*$|"
    r"update (the )?(changelog|changes|version|copyright|authors|readme)|"
    r"(fix(ed)? )?typos?\b|wip\b|fixup!|squash!|amend!|lint\b|format(ting)?\b|style\b|"
    r"\[pre-commit|pre-commit autoupdate|initial commit|first commit|start (release|version)|"
    r"set version|increment version|back to development|post[- ]release|tag\b|"
    r"(apply|run) (black|isort|ruff|prettier|pyupgrade)|reformat|blacken|isort\b|whitespace|"
    # every language's formatter (swift-case-paths' "Run swift-format", twice among its eval questions)
    r"(apply|run) (gofmt|go fmt|swift-?format|swiftformat|rustfmt|cargo fmt|clang-format|ktlint|ktfmt|spotless|"
    r"php-cs-fixer|rubocop|standardrb|mix format|dotnet format|eslint --fix|biome)\b|"
    r"(add|update|fix|improve) (the )?(docs?|documentation|docstrings?|comments?|tests?|changelog)\b|"
    r"(apply|address|incorporate|respond to|implement) (the )?(code )?(review|feedback|suggestions?|comments)|"
    r"review (feedback|comments)|follow[- ]up\b|fix (the )?(build|ci|tests?|flake8|mypy|lint)\b|"
    r"(chore|docs?|tests?|ci|build|style)(\([^)]*\))?!?:|(DOC|TST|STY|BLD|CI|REL)\s*:)",
    re.I,
)
_TRAILER = re.compile(r"^(signed-off-by|co-authored-by|reviewed-by|acked-by|change-id|cc|"
                      r"fixes|closes|resolves|refs?|see|pr|issue|backport[- ]of)\s*:?\s*(#\d+|https?://\S+)?\s*$|"
                      r"^(signed-off-by|co-authored-by|reviewed-by|acked-by|change-id|cc):", re.I)
#: ``(#1234)``, ``(gh-123)``, ``[#12]`` and bare ``#1234`` issue and PR references.
_REFS = re.compile(r"\s*[(\[](?:#|gh-|GH-|pr ?#?|issue ?#?)\d+[)\]]|(?<![\w&])(?:#|gh-)\d+\b", re.I)


def _marks() -> tuple[str, str, str]:
    """Record, field and message-end marks of one ``git log``: a message or an author may
    hold any byte, so each mark carries a token made for this read, which none can hold."""
    token = secrets.token_hex(8)
    return f"\x1e{token}", f"\x1f{token}", f"\x1d{token}"


@dataclass
class HistoryScan:
    """What a scan of history found: how many commits, and why the others were left out."""

    commits: int = 0
    qualified: int = 0
    skipped: Counter = field(default_factory=Counter)
    shallow: bool = False
    lines_unknown: int = 0
    """Commits read without their changed-line counts: git could not read a file they
    changed (:attr:`unreadable` says what), so the size rule (:data:`MAX_LINES`) passed them."""
    unreadable: str = ""
    unfetched: int = 0
    """Qualifying commits left out of :func:`newest_questions` because a partial clone never
    fetched a file of their parent (explore does not fetch: git would write into the clone)."""

    def counts(self) -> dict[str, object]:
        """:meth:`describe` as numbers, for a script: commits read, qualified, and each reason's count."""
        return {"commits": self.commits, "qualified": self.qualified, "left_out": dict(self.skipped.most_common()),
                "shallow": self.shallow, "lines_unknown": self.lines_unknown, "unfetched": self.unfetched}

    def describe(self) -> str:
        reasons = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())
        text = f"{self.qualified} of {self.commits} commits qualified"
        if reasons:
            text += f" (left out: {reasons})"
        if self.shallow:
            text += "; the clone is shallow, so older history is cut off"
        if self.lines_unknown and self.unreadable == PARTIAL_CLONE:
            text += f"; {_commits(self.lines_unknown)} read without their changed-line counts ({PARTIAL_CLONE})"
        elif self.lines_unknown:
            text += (f"; {_commits(self.lines_unknown)} read without their changed-line counts, as git could not "
                     f"read a file they changed ({self.unreadable}; a partial or damaged clone?)")
        if self.unfetched:
            text += (f"; {self.unfetched} of the newest left out: the partial clone never fetched their files, and "
                     "explore does not fetch them (git would write into the clone); clone without --filter to ask them")
        return text


def _commits(n: int) -> str:
    return f"{n} commit" if n == 1 else f"{n} commits"


def is_source(rel: str) -> bool:
    return PurePosixPath(rel).suffix.lower() in SOURCE_SUFFIXES and not is_vendored(rel)


def is_code_target(rel: str) -> bool:
    """A file a history question may have as its answer: non-test, non-config source code
    that a snapshot holds (not one committed under ``__pycache__`` or ``.venv``, which no walk sees)."""
    return (is_source(rel) and not is_test_path(rel) and file_kind(rel) not in ("test", "config", "docs")
            and not left_out(rel))


#: Tags some projects put before a subject (``BUG:``, ``fix(parser):``): not words a user asks with.
_TAG = re.compile(r"^(?:(?:BUG|ENH|MNT|MAINT|API|DEP|FIX|PERF|REF|ENH|NEW)\s*:|"
                  r"(?:fix|feat|refactor|perf|bugfix|feature)(?:\([^)]*\))?!?:)\s*", re.I)


#: What a squash merge writes into a body that no person wrote about the change: the
#: separator line, a revert's boilerplate, pre-commit.ci's "for more information" line.
_SQUASH_NOISE = re.compile(r"[-=_*]{3,}|this reverts commit [0-9a-f]{7,40}\.?|"
                           r"for more information,? see https?://\S+|\[skip [\w .-]+\]|"
                           # `git merge --squash`'s own message: its header and each commit's id, author, date
                           r"squashed commit of the following:|commit [0-9a-f]{40}|author:\s.*<[^>]*>|date:\s+\w{3} \w{3} +\d.*", re.I)
#: "Revert to UnionType" is a change of its own; "Revert "fixes"" undoes a commit.
_REVERT_TO = re.compile(r"revert\b(?!\s*[\"'])", re.I)


def clean_message(message: str) -> str:
    """Subject and body without trailers, issue/PR numbers, URL-only lines, tags like
    ``BUG:``, squashed ``* WIP`` lines or excess whitespace. A squash merge's list of its
    commits keeps the ones a person wrote about the change: a bullet from a bot
    (``* [pre-commit.ci] auto fixes``), a chore (``* Add changelog``, ``* Revert …``) or
    the subject again is left out, as is the merge's boilerplate."""
    message = _TAG.sub("", message.strip())
    lines = []
    subject = ""
    for line in message.strip().splitlines():
        s = line.strip()
        if _TRAILER.match(s) or re.fullmatch(r"https?://\S+", s) or re.fullmatch(r"[*-]\s*(wip|fixup|\.)?\s*", s, re.I):
            continue
        if _SQUASH_NOISE.fullmatch(s):
            continue
        bullet = re.fullmatch(r"[*-]\s+(.+)", s)
        if bullet and (_BOT.search(bullet[1]) or "[pre-commit" in bullet[1].lower()
                       or (_CHORE.match(bullet[1]) and not _REVERT_TO.match(bullet[1]))
                       or _TAG.sub("", _REFS.sub("", bullet[1]).strip()).strip() == subject):
            continue
        lines.append(_REFS.sub("", s).rstrip())
        subject = subject or lines[-1].strip()
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0] + " …"
    return text


#: A word of any script (letters: "переполнение", "café"), as the index reads them all.
_WORD = re.compile(r"[^\W\d_]{2,}")
#: Chinese and Japanese, written without spaces: two of their characters are about a word,
#: and each is as wide as two letters.
_IDEOGRAPH = re.compile(f"[{CJK_LETTERS}]")  # the letters the index reads as pairs


def worth_asking(subject: str) -> bool:
    """A subject a person could have asked: several real words and not a chore."""
    subject = _REFS.sub("", subject).strip()
    if _CHORE.match(subject):
        return False
    subject = _TAG.sub("", subject)
    ideographs = len(_IDEOGRAPH.findall(subject))
    words = len(_WORD.findall(_IDEOGRAPH.sub(" ", subject))) + ideographs // 2
    return words >= 3 and len(subject) + ideographs >= 15 and not _CHORE.match(subject)


@dataclass
class _Commit:
    sha: str
    parents: list[str]
    author: str  # and the committer: "name <email> / name <email>"
    date: int
    message: str
    status: dict[str, str] = field(default_factory=dict)   # path -> A/M/D/T (no rename detection)
    lines: int = 0


def generate(repo: Repository, rev: str | None = None, max_commits: int = MAX_COMMITS,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[Task], str]:
    """History tasks from the commits reachable from ``rev`` (the newest ``max_commits``,
    or all with 0). Returns the tasks and a note: how many commits qualified and why the
    others did not, or why there are none."""
    tasks, scan = scan_history(repo, rev, max_commits, progress)
    if tasks:
        return tasks, scan.describe()
    if scan.commits == 0:
        if repo.enclosing_git is None:
            return [], "not a git repository"
        if repo.subdir and repo.enclosing_git.head.is_valid():
            return [], f"no commit touches {repo.subdir}/"
        return [], "no commits"
    if scan.commits <= 1:
        if max_commits == 1 and repo.enclosing_git.commit(rev or "HEAD").parents:  # the option read one, not the repository
            return [], "--max-commits 1 reads one commit, and none qualified; give more (0: all)"
        if not repo.subdir:  # a subfolder's one commit may have a parent (a later commit added the folder): why it failed
            return [], "only one commit (a history task needs a commit and its parent)"
    return [], f"no commit qualified: {scan.describe()}"


def newest_questions(repo: Repository, n: int, rev: str | None = None,
                     progress: Callable[[int, int], None] | None = None) -> tuple[list[Task], HistoryScan]:
    """The newest ``n`` qualifying commits up to ``rev`` as questions, newest first (0: all),
    each with its id and depth: what `explore eval` without a tasks file and the
    real-question benchmark ask."""
    tasks, scan = scan_history(repo, rev, progress=progress)
    tasks.sort(key=lambda t: -t.meta["seq"])
    git = repo.enclosing_git
    if tasks and git is not None and is_partial_clone(str(git.git_dir)):
        tasks = _fetched(repo, tasks, n, scan)
    tasks = tasks[:n] if n else tasks
    for t in tasks:
        t.id = task_id(t)
        t.depth = min(p.count("/") for p in t.targets)
    return tasks, scan


def _fetched(repo: Repository, tasks: list[Task], n: int, scan: HistoryScan) -> list[Task]:
    """The newest ``n`` of ``tasks`` (0: all) whose parent commit a partial clone holds whole,
    trying at most twice as many (a blobless clone holds few: each try fails at once); those
    left out are counted in ``scan``. Each one tried is laid out, as the questions need anyway."""
    kept: list[Task] = []
    for tried, task in enumerate(tasks):
        if n and (len(kept) >= n or tried >= 2 * n + 10):
            break
        try:
            repo.snapshot(task.rev)
        except MissingObject:
            scan.unfetched += 1
            continue
        kept.append(task)
    return kept


def scan_history(repo: Repository, rev: str | None = None, max_commits: int = MAX_COMMITS,
                 progress: Callable[[int, int], None] | None = None) -> tuple[list[Task], HistoryScan]:
    """Tasks and the scan's counts; ``meta.seq`` orders tasks oldest → newest."""
    scan = HistoryScan()
    git = repo.enclosing_git
    if git is None or (not git.head.is_valid() and rev in (None, "HEAD")):
        return [], scan
    head = repo.resolve_rev(rev)
    git_dir = str(git.git_dir)
    scan.shallow = (Path(git_dir) / "shallow").is_file()
    total = count_commits(git_dir, head, max_commits, repo.subdir)
    tasks: list[Task] = []
    for i, commit in enumerate(_log(git_dir, head, max_commits, repo.subdir, scan)):
        scan.commits += 1
        if progress is not None and (scan.commits % 200 == 0 or scan.commits == total):
            progress(scan.commits, total)
        task, why = _task_of(commit, repo.subdir)
        if task is None:
            scan.skipped[why] += 1
            continue
        task.meta["seq"] = total - i
        tasks.append(task)
    scan.qualified = len(tasks)
    if progress is not None:
        progress(total, total)
    return tasks, scan


def _scope(max_commits: int, subdir: str) -> list[str]:
    """``git log``/``rev-list`` options and pathspec that pick the commits scanned: the
    newest ``max_commits`` (0: all), and only those touching ``subdir`` when one is given
    (every such commit, ``--full-history``, not git's simplified history). The folder's
    name is taken literally: as a plain pathspec, ``v*`` matched ``v1/`` and ``:!x`` meant
    every folder but ``x``."""
    limit = [f"--max-count={max_commits}"] if max_commits else []
    return limit + (["--full-history", "--", f":(literal){subdir}"] if subdir else [])


def count_commits(git_dir: str, head: str, max_commits: int = 0, subdir: str = "") -> int:
    """How many commits a scan of ``head``'s history reads (0 when git cannot say): of a
    subfolder, only those that touched it."""
    args = ["git", "--git-dir", git_dir, "rev-list", "--count", head, *_scope(max_commits, subdir)]
    out = subprocess.run(args, capture_output=True, text=True)
    return int(out.stdout.strip() or 0) if out.returncode == 0 else 0


def _log(git_dir: str, head: str, max_commits: int, subdir: str = "",
         scan: HistoryScan | None = None) -> Iterator[_Commit]:
    """Stream commits from ``git log`` (newest first) with raw status and numstat.

    Counting a commit's changed lines reads the files it changed; where git cannot read
    one (an object missing from a partial or damaged clone: a large file a mirror left
    out), that commit is read without its counts — which need no file contents — and the
    counting goes on after it (:func:`_count_the_rest`); ``scan`` says how many commits were
    read so. A history git cannot read even then is an error (never a shorter history)."""
    seen: set[str] = set()
    try:  # nothing fetched (NO_FETCH): a partial clone's commits are counted while git holds their files
        for commit in _read_log(git_dir, head, max_commits, subdir, numstat=True):
            seen.add(commit.sha)
            yield commit
    except HistoryUnreadable as exc:
        if is_partial_clone(git_dir):  # the rest lacks its files: read without counts (no commit would have them)
            yield from _without_counts(git_dir, head, max_commits, subdir, scan, seen, PARTIAL_CLONE)
        else:
            yield from _count_the_rest(git_dir, head, max_commits, subdir, scan, seen, exc.git_said)


#: Commits read without their counts, one by one, before the rest of a history is: a clone
#: missing more files than this is read as before, the rest of it without counts at all.
MAX_UNCOUNTED = 20


def _count_the_rest(git_dir: str, head: str, max_commits: int, subdir: str, scan: HistoryScan | None,
                    seen: set[str], why: str) -> Iterator[_Commit]:
    """The commits not in ``seen``, counted again from the first of them; each that git cannot
    count (it stopped there twice) is read without its counts, and counting resumes after it.
    One missing blob of urfave/cli's mirror, in a commit of 2019, cost 2,884 of its 3,886
    commits their counts (so the size rule let every one of them qualify)."""
    rest = [c for c in _read_log(git_dir, head, max_commits, subdir, numstat=False) if c.sha not in seen]
    uncounted = 0
    while rest:
        before = len(seen)
        try:
            for commit in _read_log(git_dir, head, 0, "", numstat=True, shas=[c.sha for c in rest]):
                seen.add(commit.sha)
                yield commit
            return
        except HistoryUnreadable as exc:
            why = exc.git_said or why
        rest = [c for c in rest if c.sha not in seen]
        if len(seen) > before or not rest:  # it stopped at a later commit (or at one whose record it had not closed)
            continue
        uncounted += 1
        stuck = rest if uncounted >= MAX_UNCOUNTED else rest[:1]
        for commit in stuck:
            commit.lines = -1  # unknown: the size rule passes it
            if scan is not None:
                scan.lines_unknown += 1
                scan.unreadable = scan.unreadable or why
            yield commit
        rest = rest[len(stuck):]


#: What a scan says of a partial clone's history, read without line counts from the start.
PARTIAL_CLONE = "a partial clone, whose unfetched files explore does not fetch: git would write them into the clone"


def _without_counts(git_dir: str, head: str, max_commits: int, subdir: str, scan: HistoryScan | None,
                    seen: set[str], why: str) -> Iterator[_Commit]:
    """The commits not in ``seen``, read without their changed-line counts (``why`` says
    why), which needs no file contents; counted in ``scan``."""
    for commit in _read_log(git_dir, head, max_commits, subdir, numstat=False):
        if commit.sha in seen:
            continue
        commit.lines = -1  # unknown: the size rule passes it
        if scan is not None:
            scan.lines_unknown += 1
            scan.unreadable = scan.unreadable or why
        yield commit


def _read_log(git_dir: str, head: str, max_commits: int, subdir: str, *, numstat: bool,
              shas: list[str] | None = None) -> Iterator[_Commit]:
    """One ``git log`` pass (newest first): raw status, and with ``numstat`` line counts; with
    ``shas``, those commits alone, in their order (``head`` and the scope are then unused)."""
    # --full-diff: every file a commit changed, not only the subfolder's, so it is judged whole.
    rec, sep, end = _marks()
    walk = ["--no-walk=unsorted", "--stdin"] if shas is not None else [head, *_scope(max_commits, subdir)]
    args = ["git", *NO_FETCH, "-c", "core.quotePath=false", "--git-dir", git_dir, "log", "--no-renames", "--raw",
            *(["--numstat"] if numstat else []), "--no-abbrev", "--encoding=UTF-8", "--full-diff",
            # (the committer beside the author: Respect/Validation's bot commits are authored by a person's
            # name and committed by github-actions[bot]: 15 of its 30 eval questions, the same message)
            f"--format={rec}%H{sep}%P{sep}%an <%ae> / %cn <%ce>{sep}%ct{sep}%B{end}", *walk]
    with tempfile.TemporaryFile() as said:  # a file, not a pipe: a long complaint cannot stall git
        with tempfile.TemporaryFile() as asked:  # git reads every revision before it writes a line
            asked.write("".join(f"{sha}\n" for sha in shas or ()).encode())
            asked.seek(0)
            proc = subprocess.Popen(args, stdin=asked if shas is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=said)
        assert proc.stdout is not None
        buffer = b""
        try:
            for chunk in iter(lambda: proc.stdout.read(1 << 20), b""):
                buffer += chunk
                *records, buffer = buffer.split(rec.encode())
                for record in records:
                    if record:
                        yield _parse(record, sep, end)
        finally:
            proc.stdout.close()
            proc.wait()
        if proc.returncode != 0:  # read to the end, and git failed: the history would be cut short silently
            said.seek(0)
            why = " ".join(said.read()[-2000:].decode("utf-8", "replace").split()) or f"exit {proc.returncode}"
            raise HistoryUnreadable(f"git could not read the whole history of {git_dir} ({why}); a partial or "
                                    "damaged clone? `git fsck` says which objects are missing", why)
        if buffer:  # the last commit, once git has said it read it whole (it may die writing it)
            yield _parse(buffer, sep, end)


class HistoryUnreadable(ExploreError):
    """``git log`` failed partway: the history it gave is not the repository's."""

    def __init__(self, message: str, git_said: str = "") -> None:
        super().__init__(message)
        self.git_said = git_said


#: Modes of tree entries that are not files: a submodule (gitlink) and a symlink.
_NOT_FILES = frozenset({"160000", "120000"})


def _parse(record: bytes, sep: str, end: str) -> _Commit:
    head, _, rest = record.partition(end.encode())
    sha, parents, author, date, message = head.decode("utf-8", "replace").split(sep, 4)
    commit = _Commit(sha, parents.split(), author, int(date or 0), message)
    for raw in rest.split(b"\n"):
        line = raw.decode("utf-8", "surrogateescape")
        if line.startswith(":"):  # :100644 100644 <a> <b> M\tpath
            meta, _, path = line.partition("\t")
            fields = meta.split()
            if {fields[0][1:], fields[1]} & _NOT_FILES:
                continue  # a submodule or a symlink: nothing a walk reads as the file it names
            commit.status[unquote_path(path)] = fields[-1][:1]
        elif line and line[0].isdigit() or line.startswith("-\t"):
            added, deleted, _path = (line.split("\t", 2) + ["", ""])[:3]
            commit.lines += (int(added) if added.isdigit() else 0) + (int(deleted) if deleted.isdigit() else 0)
    return commit


def _inside(path: str, subdir: str) -> str | None:
    """``path`` (the repository's) as the subfolder ``subdir`` names it; None outside it."""
    if not subdir:
        return path
    return path[len(subdir) + 1:] if path.startswith(subdir + "/") else None


def _task_of(commit: _Commit, subdir: str = "") -> tuple[Task | None, str]:
    """The commit's task (targets named as ``subdir``'s snapshot names them), or why none."""
    if len(commit.parents) != 1:
        return None, "merge or root commit"
    subject = commit.message.strip().splitlines()[0] if commit.message.strip() else ""
    if _BOT.search(commit.author):
        return None, "bot"
    if not worth_asking(subject):
        return None, "chore or too short"
    if not commit.status:
        return None, "no files changed"
    if len(commit.status) > MAX_CHANGED:
        return None, "too many files"
    # Each file judged by the name the walk sees it by: inside a subfolder, relative to it.
    code = {p for p in commit.status if is_code_target(_inside(p, subdir) or p)}
    touched = {p for p in code if valid_target(p)}
    # Files as they were at the parent: modified or deleted (added files did not exist).
    sources = sorted(_inside(p, subdir) or p for p in touched if commit.status[p] in ("M", "D", "T"))
    if not touched:  # source files whose names a task file (UTF-8 text) cannot hold are not "none"
        return None, "source file names not UTF-8" if code else "no source file (tests, docs or config only)"
    if any(_inside(p, subdir) is None for p in touched):
        return None, "source files outside the folder"
    if len(touched) > MAX_TARGET_FILES:
        return None, "too many source files"
    if not sources:
        return None, "only new files"
    if commit.lines > MAX_LINES:
        return None, "too many lines"
    question = clean_message(commit.message)
    if not question:  # the subject was a trailer, a URL or a bullet the cleaning leaves out
        return None, "chore or too short"
    return Task(
        id="", question=question, targets=sources, rev=commit.parents[0], source=SOURCE,
        meta={"kind": "commit", "commit": commit.sha, "date": commit.date,
              "changed": len(commit.status), "lines": commit.lines},
    ), ""
