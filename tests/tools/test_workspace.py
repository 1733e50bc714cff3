"""Workspace (ls / cd / read / answer) over a hostile repository.

The same hostile tree is walked three ways: committed (a snapshot materialised from git),
as a git working tree in place, and as a plain folder in place. It holds names with spaces,
tabs, newlines, unicode and undecodable bytes; symlinks to /etc/passwd, to /, into .git, in
loops and dangling; in-repo symlinked folders and files; undecodable text; binary, empty
and CRLF files. What git cannot hold (a FIFO, an empty folder, a 2 GB sparse file) is
tested on plain folders. Every tool must answer with text: never raise, block or leak.
"""
from __future__ import annotations

import os
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from explore.sandbox.index import Index
from explore.sandbox.snapshot import Repository, Snapshot
from explore.tools.workspace import LS_LIMIT, READ_WINDOW, Workspace

NEWLINE_NAME = "new\nline.txt"
TAB_NAME = "tab\tname.txt"
LATIN1_NAME = "caf\udce9.txt"  # the bytes b"caf\xe9.txt": not UTF-8, kept by surrogateescape

HOSTILE_FILES: dict[str, str | bytes] = {
    "src/main.py": "def main():\n    return 'hello'\n",
    "src/naïve 日本.py": "NAME = 'unicode'\n",
    "with space/a file.txt": "spaced out\n",
    NEWLINE_NAME: "newline in the name\n",
    TAB_NAME: "tab in the name\n",
    LATIN1_NAME: "latin-1 name\n",
    "bad.txt": b"ok \xff\xfe caf\xe9 end\n",
    "real/deep/target.py": "TARGET = 42\n",
    "only_cache/__pycache__/x.cpython-311.pyc": b"\x00\x01",
    "blob.bin": b"\x00\x01\x02binary",
    "empty.txt": "",
    "crlf.txt": "one\r\ntwo\r\n",
    "model.onnx": "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 104857600\n",
}
HOSTILE_LINKS = {
    "passwd": "/etc/passwd",
    "rootlink": "/",
    "loop": "loop",
    "ping": "pong",
    "pong": "ping",
    "dangling": "no-such-file.txt",
    "gitconfig": ".git/config",
    "linkdir": "real",
    "linkfile": "real/deep/target.py",
    "real/up": "..",
}
MODES = ("commit", "worktree", "folder")
VERBS = ("ls", "cd", "read", "answer")
#: Something /etc/passwd always holds; no tool output may contain it.
PASSWD_MARK = "root:"


@pytest.fixture(scope="module", params=MODES)
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            make_repo: Callable[..., Path]) -> tuple[Path, Snapshot]:
    """(the user's repo, its snapshot), built once per mode; each test gets a fresh workspace."""
    mode = request.param
    base = tmp_path_factory.mktemp(f"hostile-{mode}")
    repo = make_repo(base, HOSTILE_FILES, symlinks=HOSTILE_LINKS, git_init=mode != "folder")
    if mode == "commit":
        snap = Repository(repo).snapshot(cache=base / "cache")
    else:
        snap = Repository(repo).snapshot(worktree=mode == "worktree", cache=base / "cache")
    return repo, snap


@pytest.fixture
def ws(hostile: tuple[Path, Snapshot]) -> Workspace:
    return Workspace(hostile[1])


def listing_names(text: str) -> list[str]:
    """The first field of each entry line of an ``ls`` listing."""
    return [line.strip().split("  ")[0] for line in text.splitlines()[1:] if not line.strip().startswith("…")]


# -- listings -------------------------------------------------------------------------
def test_root_listing_is_one_entry_per_line(ws: Workspace) -> None:
    out = ws.ls()
    lines = out.splitlines()
    n = int(lines[0].split("(")[1].split()[0])
    assert len(lines) == n + 1, out  # a newline in a name must not split its entry
    names = listing_names(out)
    # folders first, each ending with "/"; then files
    folders = [x for x in names if x.endswith("/")]
    assert names[: len(folders)] == folders
    assert {"linkdir/", "only_cache/", "real/", "src/", "'with space'/"} <= set(folders)  # quoted: typed back as is
    assert repr(NEWLINE_NAME) in names and repr(TAB_NAME) in names and repr(LATIN1_NAME) in names
    assert ".git/" not in names and ".git" not in names
    out.encode("utf-8")  # no lone surrogates: the text is always printable and encodable


def test_listing_notes_every_unusable_link(ws: Workspace) -> None:
    out = ws.ls()
    line = {entry.strip().split("  ")[0]: entry.strip() for entry in out.splitlines()[1:]}
    assert "outside the repository" in line["passwd"]
    assert "outside the repository" in line["rootlink"]
    assert "loop" in line["loop"] and "loop" in line["ping"] and "loop" in line["pong"]
    assert "broken" in line["dangling"]
    # a link into .git is either absent (git snapshot: no .git) or refused, never a usable file
    assert "gitconfig" not in line or "refused" in line["gitconfig"] or "broken" in line["gitconfig"]
    assert "-> real" in line["linkdir/"]
    assert line["linkfile"].split("  ")[1] == "12 B"  # a usable file: listed with its size


def test_unicode_and_spaces_are_plain(ws: Workspace) -> None:
    assert "'naïve 日本.py'" in ws.cd("src")  # listed quoted, so any listed name can be read back
    assert "NAME = 'unicode'" in ws.read("'naïve 日本.py'")
    assert "NAME = 'unicode'" in ws.read("naïve 日本.py")
    assert "spaced out" in ws.read("../with space/a file.txt")
    assert ws.answer("../with space/a file.txt") == "answer: with space/a file.txt"
    # a folder joined with a name as its listing quotes it (an MCP client has no `cd`): each name is read back
    for path, text in (("../src/'naïve 日本.py'", "NAME = 'unicode'"), ("../'with space'/'a file.txt'", "spaced out"),
                       ("../'with space'/a file.txt", "spaced out")):
        assert text in ws.read(path), path


@pytest.mark.parametrize("name, text", [(NEWLINE_NAME, "newline in the name"), (TAB_NAME, "tab in the name"),
                                        (LATIN1_NAME, "latin-1 name")])
def test_odd_names_are_escaped_but_readable(ws: Workspace, name: str, text: str) -> None:
    out = ws.read(name)
    assert out.startswith(f"{name!r}  lines 1–1 of 1"), out
    assert text in out
    out.encode("utf-8")
    assert ws.answer(name) == f"answer: {name!r}"
    assert ws.answered == name


def test_empty_folder_says_so(ws: Workspace) -> None:
    out = ws.cd("only_cache")  # holds only __pycache__, which is never shown
    assert out == "only_cache/ is empty (nothing readable here); cd .. to go back"
    assert ws.cwd == "only_cache"


def test_ls_of_a_path_does_not_move(ws: Workspace) -> None:
    assert "main.py" in ws.ls("src")
    assert ws.cwd == ""
    ws.cd("src")
    assert "real/" in ws.ls("..")
    assert ws.cwd == "src"


# -- refusals ------------------------------------------------------------------------
ESCAPES = [
    "../../etc/passwd", "..", "/etc/passwd", "passwd", "rootlink", "rootlink/etc/passwd",
    "loop", "ping", "dangling", "gitconfig", ".git", ".git/config", "src/../../x", "x\x00y",
    "linkdir/../../etc/passwd", "C:\\Windows", "\\etc\\passwd", "linkdir/../..",
]


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("path", ESCAPES)
def test_escapes_are_refused_as_text(ws: Workspace, verb: str, path: str) -> None:
    out = getattr(ws, verb)(path)
    assert isinstance(out, str) and out.startswith(f"{verb}: "), out
    assert PASSWD_MARK not in out
    assert ws.cwd == "" and ws.answered is None and ws.reads == []


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("path", ["\ud800", "src/main.py\udfff", "'\\ud800'"])
def test_a_lone_surrogate_is_no_such_path_not_a_crash(ws: Workspace, verb: str, path: str) -> None:
    """A lone surrogate (JSON's "\\ud800", or typed escaped) can name no file: the system
    cannot encode it. It raised UnicodeEncodeError out of every tool."""
    out = getattr(ws, verb)(path)
    assert isinstance(out, str) and out.startswith(f"{verb}: ") and "no such" in out, out
    assert ws.cwd == "" and ws.answered is None and ws.reads == []


def test_a_slash_alone_is_the_root_as_the_listing_names_it(ws: Workspace) -> None:
    """A listing's header names the root `/ (11 entries)`; `ls /` and `cd /` were refused
    as absolute paths, and an agent's natural way back to the root failed."""
    ws.cd("src")
    listing = ws.ls("/")
    assert listing.startswith("/ (") and "src/" in listing and ws.cwd == "src"
    ws.cd("/")
    assert ws.cwd == ""
    assert ws.read("/").endswith("is a folder; use cd /") and "absolute paths are not allowed" in ws.read("/src")


def test_refusal_messages_say_why(ws: Workspace) -> None:
    assert "above the repository root" in ws.read("../../etc/passwd")
    assert "absolute paths are not allowed" in ws.read("/etc/passwd")
    assert "symlink pointing outside the repository" in ws.read("passwd")
    assert "symlink pointing outside the repository" in ws.cd("rootlink")
    assert "symlink loop" in ws.read("loop")
    assert "broken symlink" in ws.read("dangling")
    assert ws.read("nope.py") == "read: no such file 'nope.py' in /"
    ws.cd("src")
    assert ws.read("nope.py") == "read: no such file 'nope.py' in src/"


def test_wrong_kind_messages(ws: Workspace) -> None:
    assert ws.cd("src/main.py") == "cd: 'src/main.py' is a file, not a folder; use read src/main.py"
    assert ws.ls("src/main.py") == "ls: 'src/main.py' is a file; use read src/main.py"
    assert ws.read("src") == "read: src/ is a folder; use cd src"
    assert ws.answer("src") == "answer: 'src' is a folder; answer names a file"
    assert ws.cwd == "" and ws.answered is None


# -- in-repo symlinks ----------------------------------------------------------------------
def test_symlinked_folder_works_and_answers_canonically(ws: Workspace) -> None:
    out = ws.cd("linkdir")
    assert out.startswith("linkdir/ (") and "deep/" in out
    assert ws.cwd == "linkdir"
    assert "TARGET = 42" in ws.read("deep/target.py")
    assert ws.answer("deep/target.py") == "answer: real/deep/target.py"
    assert ws.reads == ["real/deep/target.py"]
    ws.cd("..")
    assert ws.cwd == ""


def test_symlinked_file_works_and_answers_canonically(ws: Workspace) -> None:
    assert "TARGET = 42" in ws.read("linkfile")
    assert ws.answer("linkfile") == "answer: real/deep/target.py"
    assert ws.answered == "real/deep/target.py"


def test_symlink_to_an_ancestor_folder(ws: Workspace) -> None:
    out = ws.cd("real/up")  # real/up -> .. : the root again, reached logically through real/
    assert "src/" in out
    assert "def main" in ws.read("src/main.py")
    assert ws.answer("src/main.py") == "answer: src/main.py"


# -- reading -----------------------------------------------------------------------------
def test_a_git_lfs_pointer_says_what_it_is(ws: Workspace) -> None:
    """A clone without `git lfs` holds three lines in place of a large file: read showed them
    as if they were the file, with nothing to say that its content is elsewhere."""
    out = ws.read("model.onnx")
    assert out.startswith("model.onnx: [a Git LFS pointer") and "git lfs pull" in out and "size 104857600" in out
    assert ws.reads == ["model.onnx"]


def test_undecodable_bytes_become_replacement_characters(ws: Workspace) -> None:
    out = ws.read("bad.txt")
    assert "ok \ufffd\ufffd caf\ufffd end" in out
    out.encode("utf-8")


def test_binary_empty_and_crlf_files(ws: Workspace) -> None:
    assert ws.read("blob.bin") == "blob.bin: [binary file, 9 bytes]"
    assert ws.read("empty.txt") == "empty.txt: [empty file]"
    assert ws.read("crlf.txt") == "crlf.txt  lines 1–2 of 2\n1| one\n2| two"


def test_reads_are_recorded_once_in_order(ws: Workspace) -> None:
    ws.read("src/main.py")
    ws.read("linkfile")
    ws.read("src/main.py")
    ws.read("real/deep/target.py")
    assert ws.reads == ["src/main.py", "real/deep/target.py"]


def test_user_repo_is_untouched(hostile: tuple[Path, Snapshot], tree_hash: Callable[..., str]) -> None:
    repo, snap = hostile
    before = tree_hash(repo)
    ws = Workspace(snap)
    for verb in VERBS:
        for path in [*ESCAPES, "src", "src/main.py", "linkdir", "linkfile", NEWLINE_NAME, "bad.txt"]:
            getattr(ws, verb)(path)
    assert tree_hash(repo) == before


# -- plain folders: what git cannot hold ---------------------------------------------------
def _folder_workspace(repo: Path, question: str | None = None) -> Workspace:
    snap = Repository(repo).snapshot()
    return Workspace(snap, Index.build(snap) if question else None, question=question)


def test_fifo_is_listed_and_refused_without_blocking(tmp_path: Path, make_repo: Callable[..., Path],
                                                     tree_hash: Callable[..., str]) -> None:
    repo = make_repo(tmp_path, {"a.py": "A = 1\n"}, git_init=False)
    os.mkfifo(repo / "pipe")
    (repo / "pipe-link").symlink_to("pipe")
    before = tree_hash(repo)
    ws = _folder_workspace(repo)
    results: dict[str, str] = {}

    def walk() -> None:
        results["ls"] = ws.ls()
        results["read"] = ws.read("pipe")
        results["read-link"] = ws.read("pipe-link")
        results["answer"] = ws.answer("pipe")
        results["cd"] = ws.cd("pipe")

    worker = threading.Thread(target=walk, daemon=True)  # a blocked open would hang here
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert "pipe  (device, FIFO or socket; refused)" in results["ls"]
    for key in ("read", "read-link", "answer", "cd"):
        assert "not a regular file" in results[key] and "refused" in results[key], results
    assert ws.reads == [] and ws.answered is None
    assert tree_hash(repo) == before


def test_truly_empty_folder(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    repo = make_repo(tmp_path, {"a.py": "A = 1\n"}, git_init=False)
    (repo / "void").mkdir()
    ws = _folder_workspace(repo)
    assert "void/" in ws.ls()
    assert ws.cd("void") == "void/ is empty (nothing readable here); cd .. to go back"
    assert "a.py" in ws.cd("..")


def test_sparse_2gb_file_is_binary_and_quick(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    repo = make_repo(tmp_path, {"a.py": "A = 1\n"}, git_init=False)
    with open(repo / "huge.img", "wb") as fh:
        fh.truncate(2 << 30)
    ws = _folder_workspace(repo, question="where is A defined")
    t0 = time.perf_counter()
    assert "huge.img  2.0 GB" in ws.ls()
    assert ws.read("huge.img") == f"huge.img: [binary file, {2 << 30} bytes]"
    assert ws.read("huge.img", 1_000_000) == f"huge.img: [binary file, {2 << 30} bytes]"
    assert time.perf_counter() - t0 < 1.0


def test_2gb_file_with_one_endless_line_stays_small_and_quick(tmp_path: Path,
                                                               make_repo: Callable[..., Path]) -> None:
    """Text first (no NUL in the sniffed head), then 2 GB without a newline: the line is cut,
    the scan is bounded, memory stays small, and reading past it says it is out of reach."""
    repo = make_repo(tmp_path, {"a.py": "A = 1\n"}, git_init=False)
    with open(repo / "endless.log", "wb") as fh:
        fh.write(b"start " + b"x" * 20_000)
        fh.truncate(2 << 30)
    ws = _folder_workspace(repo)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        first = ws.read("endless.log")
        beyond = ws.read("endless.log", 2)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 1.5
    assert peak < 32 << 20, peak
    assert first.startswith("endless.log  lines 1–1 of ? (2.0 GB, too large to count)\n1| start xxx")
    assert first.endswith("(more: read endless.log from line 2)")
    assert len(first) < 1000  # the line is shown cut, not whole
    assert beyond.startswith("endless.log: line 2 is out of reach")


# -- windows -------------------------------------------------------------------------------
def _numbered(n: int, width: int = 70) -> str:
    return "".join(f"line {i:07d} " + "." * (width - 14) + "\n" for i in range(1, n + 1))


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory, make_repo: Callable[..., Path]) -> Path:
    base = tmp_path_factory.mktemp("big")
    return make_repo(base, {
        "big.txt": _numbered(45_000),  # ~3.2 MB: bigger than the 1 MB "count it" limit
        "medium.txt": _numbered(500),
    }, git_init=False)


def test_small_file_windows_know_their_total(big_repo: Path) -> None:
    ws = _folder_workspace(big_repo)
    first = ws.read("medium.txt")
    assert first.startswith("medium.txt  lines 1–80 of 500\n 1| line 0000001 ")
    assert first.endswith("(more: read medium.txt from line 81)")
    second = ws.read("medium.txt", 81)
    assert second.startswith("medium.txt  lines 81–160 of 500\n 81| line 0000081 ")
    assert "160| line 0000160" in second and "161|" not in second
    last = ws.read("medium.txt", 450)
    assert last.startswith("medium.txt  lines 450–500 of 500") and "(more" not in last
    assert ws.read("medium.txt", 501) == "medium.txt: no line 501; the file has 500 lines" and ws.missed
    for line in (0, -5):  # no such line: said so (it read from line 1, and a walk said it did what it named)
        assert ws.read("medium.txt", line) == f"read: no line {line}; lines are numbered from 1" and ws.missed


def test_3mb_file_reads_in_windows(big_repo: Path) -> None:
    ws = _folder_workspace(big_repo)
    t0 = time.perf_counter()
    first = ws.read("big.txt")
    assert first.startswith("big.txt  lines 1–80 of ? (3.0 MB, too large to count)\n 1| line 0000001 ")
    assert first.endswith("(more: read big.txt from line 81)")
    second = ws.read("big.txt", 81)
    lines = second.splitlines()
    assert lines[0] == "big.txt  lines 81–160 of ? (3.0 MB, too large to count)"
    assert lines[1].startswith(" 81| line 0000081 ") and lines[80].startswith("160| line 0000160 ")
    assert lines[-1] == "(more: read big.txt from line 161)"
    tail = ws.read("big.txt", 44_990)  # the last window learns the total
    assert tail.startswith("big.txt  lines 44990–45000 of 45000") and "(more" not in tail
    assert ws.read("big.txt", 45_001) == "big.txt: no line 45001; the file has 45000 lines"
    assert time.perf_counter() - t0 < 1.5
    assert ws.reads == ["big.txt"]


def test_long_lines_are_cut_for_display(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    repo = make_repo(tmp_path, {"min.js": "var a=" + "1+" * 200_000 + "1;\nvar b=2;\n"}, git_init=False)
    out = _folder_workspace(repo).read("min.js")
    head, first, second = out.splitlines()
    assert head == "min.js  lines 1–2 of 2"
    assert first.startswith("1| var a=1+1+") and first.endswith(" … [line cut after 300 characters]") and len(first) <= 350
    assert second == "2| var b=2;"


# -- listing cap and scent -------------------------------------------------------------------
@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory, make_repo: Callable[..., Path]) -> Path:
    files: dict[str, str | bytes] = {f"mod_{i:03d}.py": f"VALUE_{i} = {i}\n" for i in range(LS_LIMIT + 15)}
    files["zz_retry_backoff.py"] = "def compute_retry_backoff(attempt):\n    return 2 ** attempt\n"
    return make_repo(tmp_path_factory.mktemp("crowded"), files)


def test_listing_cap_says_how_many_more(crowded: Path) -> None:
    ws = _folder_workspace(crowded)
    out = ws.ls()
    lines = out.splitlines()
    assert lines[0] == f"/ ({LS_LIMIT + 16} entries)"
    assert len(lines) == LS_LIMIT + 2
    assert lines[-1] == "  … 16 more (page 1 of 2; next: ls . --page 2)"
    assert "mod_000.py" in out and "zz_retry_backoff.py" not in out


def test_listings_page_through_every_entry(crowded: Path) -> None:
    for question in (None, "how is the retry backoff computed?"):
        ws = _folder_workspace(crowded, question=question)
        first, second = ws.ls(), ws.ls(".", page=2)
        assert second.splitlines()[0] == f"/ ({LS_LIMIT + 16} entries, page 2 of 2)"
        assert "more" not in second.splitlines()[-1]  # the last page ends the listing
        names = [*_entries(first), *_entries(second)]
        assert sorted(names) == sorted(p.name for p in crowded.iterdir() if p.name != ".git")  # each once
    assert "there is no page 3" in ws.ls(".", page=3) and "has 2 pages" in ws.ls(".", page=3)
    assert ws.ls(".", page=0).startswith("ls: / has 2 pages")


def _entries(listing: str) -> list[str]:
    return [line.strip().split("  ")[0] for line in listing.splitlines()[1:] if not line.strip().startswith("…")]


def test_listing_cap_keeps_the_strongest_scent(crowded: Path) -> None:
    ws = _folder_workspace(crowded, question="how is the retry backoff computed?")
    out = ws.ls()
    assert "… 16 more (page 1 of 2, most relevant first; next: ls . --page 2)" in out
    line = next(l for l in out.splitlines() if "zz_retry_backoff.py" in l)
    assert line.endswith("scent 9")


# -- question-aware reading ---------------------------------------------------------------------
def test_read_with_a_question_opens_at_the_best_window(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    body = [f"filler_{i} = {i}" for i in range(1, 401)]
    body[299] = "def compute_retry_backoff(attempt):  # the retry back-off"
    repo = make_repo(tmp_path, {"net.py": "\n".join(body) + "\n", "other.py": "X = 1\n"}, git_init=False)
    ws = _folder_workspace(repo, question="where is the retry backoff computed?")
    out = ws.read("net.py")
    head = out.splitlines()[0]
    start, end = (int(x) for x in head.split("lines ")[1].split(" of ")[0].split("–"))
    assert start > 1 and start <= 300 <= end and end - start + 1 == READ_WINDOW
    assert "300| def compute_retry_backoff" in out
    assert ws.read("net.py", 1).startswith("net.py  lines 1–80 of 400")  # an explicit start wins
    assert ws.read("other.py").startswith("other.py  lines 1–1 of 1")  # no match: from the top


def test_form_feeds_and_carriage_returns_do_not_shift_the_window(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    """Lines are counted at newlines only, as `read` and an editor count them: a form feed
    (str.splitlines splits there) or CRLF endings leave the window on the definition."""
    body = [f"filler_{i} = {i}  # \x0c" for i in range(1, 201)]  # pages in a line: one line each
    body[149] = "def frobnicate_widget(x):  # the widget frobnicator"
    crlf = [f"other_{i} = {i}" for i in range(1, 201)]
    crlf[149] = "def frobnicate_widget(x):"
    repo = make_repo(tmp_path, {"ff.py": "\n".join(body) + "\n", "crlf.py": "\r\n".join(crlf) + "\r\n"},
                     git_init=False)
    ws = _folder_workspace(repo, question="where is frobnicate_widget defined?")
    for name in ("ff.py", "crlf.py"):
        out = ws.read(name)
        assert "150| def frobnicate_widget" in out, out[:200]


def test_a_submodule_says_what_it_is_instead_of_empty(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    """A submodule is laid out empty, as git checks one out; its listing said only that it was
    empty, which reads as a folder with nothing in it rather than another repository."""
    import subprocess

    from explore.sandbox.snapshot import Repository

    lib = make_repo(tmp_path, {"a.py": "x = 1\n"}, name="lib")
    main = make_repo(tmp_path, {"b.py": "y = 2\n"}, name="main")
    subprocess.run(["git", "-C", str(main), "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib),
                    "vendor/lib"], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(main), "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "sub"],
                   check=True)
    ws = Workspace(Repository(main).snapshot())
    assert ws.ls("vendor/lib").startswith("vendor/lib/ is a git submodule: another repository")
    plain = make_repo(tmp_path, {".gitmodules": '[submodule "x"]\n\tpath = other\n', "c.py": "z = 3\n"},
                      git_init=False, name="plain")
    (plain / "empty").mkdir()
    assert Workspace(Repository(plain).snapshot()).ls("empty").startswith("empty/ is empty")  # not named
