"""Snapshots: revisions, caching, read-only copies, bad input, and the repo never written."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from explore.sandbox.errors import BadRevision, EmptyRepository, NotAFolder, PathRefused, RepoNotFound
from explore.sandbox.snapshot import Repository


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def hash_tree(root: Path) -> str:
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            p = os.path.join(dirpath, name)
            h.update(p.encode("utf-8", "surrogateescape"))
            st = os.lstat(p)
            h.update(str(st.st_mode).encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(p).encode("utf-8", "surrogateescape"))
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()


@pytest.fixture
def history(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, {"pkg/a.py": "A = 1\n", "README.md": "# Title\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    git(repo, "tag", "v1")
    write(repo, {"pkg/b.py": "B = 2\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second")
    return repo


def test_head_by_default_and_any_revision(history: Path) -> None:
    repo = Repository(history)
    assert repo.snapshot().files == ["README.md", "pkg/a.py", "pkg/b.py"]
    for rev in ("v1", "HEAD~1", git(history, "rev-parse", "HEAD~1").strip()[:8]):
        snap = repo.snapshot(rev)
        assert snap.files == ["README.md", "pkg/a.py"]
        assert snap.rev == git(history, "rev-parse", "v1").strip()


def test_snapshot_is_cached_by_commit_and_read_only(history: Path) -> None:
    first = Repository(history).snapshot()
    second = Repository(history).snapshot()
    assert first.root == second.root
    assert first.rev in str(first.root)
    target = first.root / "pkg" / "a.py"
    assert not os.access(target, os.W_OK) or os.geteuid() == 0
    assert stat.S_IMODE(target.stat().st_mode) & 0o222 == 0


def test_worktree_sees_uncommitted_changes_and_skips_ignored(history: Path) -> None:
    write(history, {"pkg/new.py": "N = 3\n", ".gitignore": "secret.txt\n", "secret.txt": "x"})
    snap = Repository(history).snapshot(worktree=True)
    assert "pkg/new.py" in snap.files
    assert "secret.txt" not in snap.files
    assert snap.rev is None
    assert "pkg/new.py" not in Repository(history).snapshot().files
    # what the listing leaves out cannot be read by naming it either (a git-ignored .env)
    from explore.tools.workspace import Workspace

    ws = Workspace(snap)
    assert ws.read("secret.txt").startswith("read: no such file") and "secret" not in ws.ls()
    assert ws.answer("secret.txt").startswith("answer:") and ws.read("pkg/new.py").startswith("pkg/new.py")


def test_plain_folder(tmp_path: Path) -> None:
    write(tmp_path, {"x/y.txt": "hello\n", "__pycache__/z.pyc": "junk"})
    snap = Repository(tmp_path).snapshot()
    assert snap.files == ["x/y.txt"]
    assert snap.root == tmp_path.resolve()


def test_bare_repository_at_a_revision(history: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(history), str(bare)], check=True)
    assert Repository(bare).snapshot().files == ["README.md", "pkg/a.py", "pkg/b.py"]
    with pytest.raises(BadRevision, match="bare repository.*drop --worktree"):
        Repository(bare).snapshot(worktree=True)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda p: p / "missing", RepoNotFound, "no such folder"),
        (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", NotAFolder, "is a file"),
        # a link to a clone since moved was said to be "a file, not a folder"
        (lambda p: (p / "link").symlink_to(p / "moved") or p / "link", RepoNotFound,
         r"link is a symlink to .*moved, which does not exist; give the path of a repository or folder"),
    ],
)
def test_bad_paths(tmp_path: Path, make, error, words) -> None:
    with pytest.raises(error, match=words):
        Repository(make(tmp_path))


def test_a_git_folder_is_refused_as_a_repository(tmp_path: Path) -> None:
    """`explore search repo/.git …` walked git's own data as a plain folder (hooks' samples
    ranked, exit 0) where the MCP server refused it: the command line refuses it too."""
    repo = tmp_path / "r"
    write(repo, {"a.py": "x = 1\n"})
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    for inside in (repo / ".git", repo / ".git" / "refs"):
        with pytest.raises(NotAFolder, match=rf"inside a \.git folder.*\({re.escape(str(repo))}\)"):
            Repository(inside)
    # a folder that is only called .git (no git data in it) holds files like any other
    plain = tmp_path / "other" / ".git" / "proj"
    write(plain, {"b.py": "y = 2\n"})
    assert Repository(plain).snapshot().files == ["b.py"]


def test_empty_git_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(EmptyRepository, match="no commits"):
        Repository(tmp_path).snapshot()


def test_a_head_on_a_branch_with_no_commits_yet_names_the_branches_that_have_some(tmp_path: Path,
                                                                                   make_repo) -> None:
    """`git switch --orphan pages` in a repository with commits: every command said the
    repository had no commits (and to commit something), untrue, and named no way on. It
    now names the branch HEAD is on and those with commits, and `--rev` reads one."""
    repo = make_repo(tmp_path, {"a.py": "x = 1\n"})
    main = git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(repo, "switch", "-q", "--orphan", "pages")
    with pytest.raises(BadRevision) as refused:
        Repository(repo).snapshot()
    message = str(refused.value)
    assert "no commits yet" in message and "commit something" not in message, message
    assert "'pages'" in message and main in message and "--rev" in message, message
    assert Repository(repo).snapshot(main).files == ["a.py"]


def test_a_clone_that_lost_its_objects_is_not_called_empty(tmp_path: Path, make_repo) -> None:
    """A clone whose `.git/objects` were emptied (a disk cleaner, a copy that left them out):
    HEAD still names a commit, which the repository lacks, and every command said it was "a
    git repository with no commits; commit something" — advice that loses nothing only by
    luck. It now says HEAD names a commit the repository lacks, and how to mend it."""
    import shutil

    from explore.sandbox.errors import MissingObject

    repo = make_repo(tmp_path, {"a.py": "x = 1\n"})
    head = git(repo, "rev-parse", "HEAD").strip()
    for entry in (repo / ".git" / "objects").iterdir():
        shutil.rmtree(entry)
    with pytest.raises(MissingObject) as refused:
        Repository(repo).snapshot()
    message = str(refused.value)
    assert head[:10] in message and "lacks" in message and "commit something" not in message, message


def test_folder_with_no_readable_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyRepository, match="no readable files"):
        Repository(tmp_path).snapshot()


def test_bad_revision(history: Path) -> None:
    with pytest.raises(BadRevision, match="not a commit"):
        Repository(history).snapshot("no-such-branch")
    for empty in ("", "  "):  # `--rev "$UNSET"`: was HEAD, silently
        with pytest.raises(BadRevision, match="the revision is empty"):
            Repository(history).snapshot(empty)
    plain = history.parent / "plain"
    write(plain, {"a.py": "A = 1\n"})
    with pytest.raises(BadRevision, match="not a git repository"):
        Repository(plain).snapshot("HEAD")


OPEN = ("import json, sys; from explore.sandbox.snapshot import Repository; "
        "print(json.dumps(Repository(sys.argv[1]).snapshot().files))")


def test_two_processes_share_one_snapshot(history: Path) -> None:
    """Two fresh processes lay out the same commit at once. (Plain subprocesses: a spawn
    pool's workers must import this test module, which fails outside the repository root,
    and a worker that fails so leaves ``Pool.map`` waiting forever.)"""
    procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(history)], stdout=subprocess.PIPE, text=True,
                              env=os.environ.copy()) for _ in range(2)]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert results[0] == results[1] == ["README.md", "pkg/a.py", "pkg/b.py"]
    store = Path(os.environ["EXPLORE_CACHE"]) / "snapshots"
    assert len([p for p in store.iterdir() if p.is_dir()]) == 1  # no stray temp folders


def test_repository_is_never_written(history: Path) -> None:
    (history / "leak").symlink_to("/etc/passwd")
    before = hash_tree(history)
    repo = Repository(history)
    from explore.sandbox.index import Index
    from explore.tools.workspace import Workspace

    for snap in (repo.snapshot(), repo.snapshot(worktree=True)):
        ws = Workspace(snap, Index.build(snap), question="title")
        ws.ls(), ws.read("README.md"), ws.read("leak"), ws.cd("pkg"), ws.read("a.py"), ws.answer("a.py")
    assert hash_tree(history) == before


def test_commits_share_blobs_and_keep_modes_and_links(history: Path) -> None:
    """A commit is laid out as links into the blob store: content held twice is stored once,
    an executable stays executable, an in-repo symlink stays a symlink, and ``blobs`` maps
    each file to its git blob id."""
    write(history, {"run.sh": "#!/bin/sh\necho hi\n"})
    os.chmod(history / "run.sh", 0o755)
    os.symlink("pkg/a.py", history / "alias.py")
    git(history, "add", "-A")
    git(history, "commit", "-qm", "third")
    repo = Repository(history)
    old, new = repo.snapshot("v1"), repo.snapshot()
    assert os.stat(old.root / "pkg/a.py").st_ino == os.stat(new.root / "pkg/a.py").st_ino
    assert os.access(new.root / "run.sh", os.X_OK) and not os.access(new.root / "pkg/a.py", os.X_OK)
    assert os.path.islink(new.root / "alias.py") and new.text("alias.py") == "A = 1\n"
    blob = git(history, "rev-parse", "HEAD:pkg/a.py").strip()
    assert new.blobs["pkg/a.py"] == old.blobs["pkg/a.py"] == blob
    assert "alias.py" not in new.blobs  # a link's content is its target's
    assert stat.S_IMODE(os.stat(new.root / "pkg/a.py").st_mode) & 0o222 == 0  # read-only, in every snapshot


# --- a folder inside a git repository is that repository's subfolder -------------------


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository whose src/pkg has committed, later, untracked and ignored files."""
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, {".gitignore": "build/\n*.log\n.env\n", "README.md": "# Mono\n", "docs/guide.md": "# Guide\n",
                 "src/pkg/retry.py": "def backoff(n):\n    return 2 ** n\n", "src/other/x.py": "X = 1\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    git(repo, "tag", "v1")
    write(repo, {"src/pkg/client.py": "class Client: ...\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second")
    write(repo, {"src/pkg/draft.py": "WIP = True\n", "src/pkg/build/out.js": "minified()\n",
                 "src/pkg/run.log": "noise\n", "src/pkg/.env": "SECRET=hunter2\n", "vendor/build/lib.py": "L = 1\n"})
    return repo


def test_a_subfolder_is_walked_as_the_working_tree_shows_it_minus_what_git_ignores(monorepo: Path) -> None:
    before = hash_tree(monorepo)
    repo = Repository(monorepo / "src" / "pkg")
    assert (repo.top, repo.subdir) == (monorepo.resolve(), "src/pkg")
    assert repo.git is None and not repo.is_git  # not the top: what needs one leaves it alone
    assert Path(repo.enclosing_git.working_tree_dir).resolve() == monorepo.resolve()
    snap = repo.snapshot()
    assert snap.files == ["client.py", "draft.py", "retry.py"]  # no build/, *.log or .env: git ignores them
    assert snap.rev is None and snap.label == "mono/src/pkg (working tree)" and snap.prefix == "src/pkg"
    # The enclosing repository's history, which its readers keep to the prefix.
    assert Path(snap.git_dir).resolve() == (monorepo / ".git").resolve()
    with pytest.raises(PathRefused, match="above the repository root"):
        snap.read_window("../other/x.py")  # scoped: the rest of the repository is out of reach
    assert hash_tree(monorepo) == before


def test_a_subfolder_at_a_commit(monorepo: Path) -> None:
    repo = Repository(monorepo / "src" / "pkg")
    at_v1 = repo.snapshot("v1")
    assert at_v1.files == ["retry.py"] and at_v1.label.startswith("mono/src/pkg@")
    assert at_v1.read_window("retry.py").lines[0] == "def backoff(n):"
    assert set(at_v1.blobs) == {"retry.py"}  # blob ids by the snapshot's own paths
    head = repo.snapshot("HEAD")
    assert head.files == ["client.py", "retry.py"]  # committed only: no draft, nothing ignored
    whole = Repository(monorepo).snapshot("HEAD")
    assert whole.rev == head.rev and whole.key != head.key  # its own index cache, one materialised commit
    assert whole.prefix == "" and "src/pkg/retry.py" in whole.files
    assert at_v1.blobs["retry.py"] == whole.blobs["src/pkg/retry.py"]
    with pytest.raises(BadRevision, match="cannot be combined"):
        repo.snapshot("v1", worktree=True)


def test_a_subfolder_missing_at_a_commit_says_so(monorepo: Path) -> None:
    write(monorepo, {"src/new/mod.py": "M = 1\n"})
    repo = Repository(monorepo / "src" / "new")
    assert repo.snapshot().files == ["mod.py"]  # untracked, not ignored: the working tree shows it
    with pytest.raises(BadRevision, match="src/new/ is not a folder of .* at commit"):
        repo.snapshot("HEAD")


def test_a_folder_git_ignores_is_a_plain_folder(monorepo: Path) -> None:
    repo = Repository(monorepo / "vendor" / "build")
    assert repo.top is None and repo.subdir == "" and repo.enclosing_git is None
    assert repo.snapshot().files == ["lib.py"]
    with pytest.raises(BadRevision, match="not a git repository"):
        repo.snapshot("HEAD")


def test_the_top_of_a_repository_is_unchanged(monorepo: Path) -> None:
    repo = Repository(monorepo)
    assert repo.is_git and repo.subdir == "" and repo.top == monorepo.resolve()
    snap = repo.snapshot()
    assert snap.rev is not None and snap.git_dir is not None and snap.prefix == ""
    assert "src/pkg/draft.py" not in snap.files  # HEAD, as before


def test_a_repository_git_refuses_says_so_not_that_it_has_no_commits(tmp_path: Path, make_repo, monkeypatch) -> None:
    """Another user's repository (git's "dubious ownership", faked with git's own test knob):
    git's words and what to do, for HEAD, a named commit and the working tree alike."""
    import pytest

    from explore.sandbox.errors import GitRefused

    repo = make_repo(tmp_path, {"a.py": "def alpha():\n    pass\n"})
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    for kwargs in ({}, {"rev": "HEAD~0"}, {"worktree": True}):
        with pytest.raises(GitRefused, match="dubious ownership.*safe.directory"):
            Repository(repo).snapshot(**kwargs)


def test_a_committed_link_to_a_git_ignored_file_does_not_leak_it(tmp_path: Path, make_repo) -> None:
    """The working tree's listing checked a symlink's own name against git's file list, not
    what it points to: `settings.env -> .env` (ignored) put the secret into the index, and
    `explore search --worktree` (a subfolder: by default) showed its lines."""
    from explore.sandbox.index import Index

    repo = make_repo(tmp_path, {".gitignore": ".env\nsecrets/\n", "app.py": "def main():\n    pass\n",
                                "cfg/readme.md": "# Config\n"},
                     symlinks={"settings.env": ".env", "prod_settings.py": "secrets/prod.py",
                               "cfg/env_link": "../.env", "secret_dir": "secrets", "code_link.py": "app.py"})
    (repo / ".env").write_text("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI_gitignored_secret\n")
    (repo / "secrets").mkdir()
    (repo / "secrets" / "prod.py").write_text('db_password = "hunter2_ignored"\n')
    for snap in (Repository(repo).snapshot(worktree=True), Repository(repo / "cfg").snapshot()):
        assert not {"settings.env", "prod_settings.py", "env_link", "secret_dir"} & {f.rsplit("/", 1)[-1] for f in snap.files}
        hits = Index.build(snap).top("AWS secret access key db password", 5)
        assert not any(s in (snap.text(p) or "") for p, _ in hits for s in ("wJalrXUtnFEMI", "hunter2")), hits
    listing = {e.name: e for e in Repository(repo).snapshot(worktree=True).children("")}
    assert "git ignores" in listing["settings.env"].note and listing["secret_dir"].kind == "link"
    # a link to a tracked file stays: listed (with where it points) and readable, its file the one it names
    assert listing["code_link.py"].kind == "file" and listing["code_link.py"].note == "-> app.py"
    assert "def main" in Repository(repo).snapshot(worktree=True).text("code_link.py")


def test_a_symlink_to_a_listed_file_is_not_a_second_file(tmp_path: Path, make_repo) -> None:
    """`alias.py -> retry.py` (and `sub/r.py -> ../retry.py`) made every ranking hold the
    same text two or three times: `explore search` showed retry.py, alias.py and sub/r.py as
    its first three hits. The links are listed and read as before; the index holds the file
    once, by its real path (the name answers already use). A link to a file the listing
    leaves out, or to nothing, is not made a file by it."""
    from explore.sandbox.index import Index

    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "cli.py": "def main():\n    print('hello')\n"},
                     symlinks={"alias.py": "retry.py", "sub/r.py": "../retry.py", "gone.py": "missing.py"})
    for snap in (Repository(repo).snapshot(), Repository(repo).snapshot(worktree=True)):
        assert snap.files == ["cli.py", "retry.py"], snap.files
        assert [p for p, _ in Index.build(snap).top("compute backoff attempt", 5)] == ["retry.py", "cli.py"]
        assert {e.name: e.note for e in snap.children("sub")} == {"r.py": "-> retry.py"}
        assert "2 ** attempt" in snap.text("sub/r.py") and snap.read_window("alias.py").lines[0].startswith("def")


def test_a_missing_folder_inside_a_repository_says_how_to_reach_it_at_another_commit(tmp_path: Path,
                                                                                      make_repo) -> None:
    """A subfolder that exists only at an older commit (`explore search repo/lib/router --rev
    4.17.1`) is opened from the disk first: "no such folder" with no way forward. It now
    names the repository it lies in and how to reach that commit's folder."""
    repo = make_repo(tmp_path, {"pkg/a.py": "A = 1\n"})
    with pytest.raises(RepoNotFound, match=r"not in the working tree of .*worktree add"):
        Repository(repo / "old" / "router")
    with pytest.raises(RepoNotFound) as outside:
        Repository(tmp_path / "elsewhere" / "x")
    assert "worktree" not in str(outside.value)  # tmp_path/repo is the repository; tmp_path is no repository


def test_a_pdf_without_nul_bytes_up_front_is_binary(tmp_path: Path, make_repo) -> None:
    """An Illustrator `.ai` (a PDF) holds no NUL in its first 8 KB: it was indexed as text and
    ranked among got's candidates for a stack trace; now it is binary, as a PNG is."""
    pdf = b"%PDF-1.5\r%\xe2\xe3\xcf\xd3\n1 0 obj\r<</Metadata 2 0 R/Type/Catalog>>\rendobj\r" + b"x" * 9000
    repo = make_repo(tmp_path, {"media/logo.ai": pdf, "notes.txt": "a PDF begins with %PDF-\n"})
    snapshot = Repository(repo).snapshot()
    assert snapshot.text("media/logo.ai") is None and snapshot.read_window("media/logo.ai", 1, 5).binary
    assert snapshot.text("notes.txt") is not None  # the magic must begin the file


def test_an_edit_that_keeps_size_and_mtime_is_a_new_working_tree(tmp_path: Path) -> None:
    """The working tree's fingerprint read each file's size and mtime: an edit that kept both
    (`cp -p`, `rsync -a`) was the same snapshot, and search mixed the old index with the new text."""
    write(tmp_path, {"a.py": "def alpha_handler():\n    pass\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    before = Repository(tmp_path, worktree=True).snapshot(worktree=True)
    st = (tmp_path / "a.py").stat()
    (tmp_path / "a.py").write_text("def omega_handler():\n    pass\n")  # the same size
    os.utime(tmp_path / "a.py", ns=(st.st_atime_ns, st.st_mtime_ns))
    after = Repository(tmp_path, worktree=True).snapshot(worktree=True)
    assert after.key != before.key and "omega_handler" in after.text("a.py")


def test_a_clone_inside_a_plain_folder_keeps_what_its_git_ignores(tmp_path: Path, make_repo) -> None:
    """A folder of clones read as a plain folder (`--allow ~/src`, then `repo: ~/src`) listed,
    ranked and read a clone's git-ignored `.env`, which the clone itself never shows: a git
    working tree inside a plain folder is listed as git shows it, a clone inside that clone
    by its own rules, and a plain folder's own files as they are."""
    from explore.tools.workspace import Workspace

    folder = tmp_path / "src"
    outer = make_repo(folder, {".gitignore": ".env\nbuild/\n", "app.py": "def f():\n    pass\n", ".env": "SECRET=1\n",
                               "build/out.py": "x = 1\n"}, name="outer")
    inner = make_repo(outer, {".gitignore": "*.key\n", "lib.py": "y = 2\n", "id.key": "PRIVATE\n"}, name="vendor")
    write(folder / "notes", {"todo.txt": "plain text\n", ".env": "mine\n"})
    snap = Repository(folder).snapshot()
    assert "outer/.env" not in snap.files and "outer/build/out.py" not in snap.files
    assert {"outer/app.py", "outer/.gitignore", "outer/vendor/lib.py", "notes/.env"} <= set(snap.files)
    assert "outer/vendor/id.key" not in snap.files and inner.name == "vendor"
    ws = Workspace(snap)
    assert "no such file" in ws.read("outer/.env") and "SECRET" not in ws.read("outer/.env")
    assert ".env" not in ws.ls("outer")


def test_a_bare_clone_inside_a_plain_folder_is_git_data_and_hidden(tmp_path: Path, make_repo) -> None:
    """A bare clone among plain folders (`~/src/mirror.git`) was listed, indexed and read —
    its `config` with a remote's token — where a clone's `.git/config` is hidden: a folder
    holding git's data (HEAD, objects/, refs/) is hidden under any name, and so is a link into it."""
    from explore.tools.workspace import Workspace

    folder = tmp_path / "src"
    source = make_repo(folder, {"app.py": "def f():\n    pass\n"}, name="app")
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(folder / "mirrors" / "app.git")], check=True)
    subprocess.run(["git", "-C", str(folder / "mirrors" / "app.git"), "config", "remote.origin.url",
                    "https://u:ghp_TOKEN_walrus@example.com/x/y"], check=True)
    os.symlink("mirrors/app.git/config", folder / "cfg")
    snap = Repository(folder).snapshot()
    assert not any("app.git" in f for f in snap.files) and "app/app.py" in snap.files
    ws = Workspace(snap)
    for path in ("mirrors/app.git/config", "mirrors/app.git/HEAD"):
        assert "walrus" not in ws.read(path) and "no such" in ws.read(path), path
    assert ws.read("cfg") == "read: 'cfg' is a symlink pointing into git's own data; refused"  # as `ls` lists it
    assert "app.git" not in ws.ls("mirrors") and "points into the git repository" in ws.ls(".")
    assert "no such path" in ws.ls("mirrors/app.git")


@pytest.mark.parametrize("given", ["https://github.com/o/r", "git@github.com:o/r.git", "github.com/o/r"])
def test_a_url_given_as_the_repository_says_to_clone_it(given: str) -> None:
    """`explore ask https://github.com/o/r "…"` said "no such folder: https:/github.com/o/r"."""
    with pytest.raises(RepoNotFound, match=r"is a URL, not a folder: explore reads no network; clone it first"):
        Repository(given)
    with pytest.raises(RepoNotFound, match=r"`git clone https://github.com/o/r`"):
        Repository(Path("https://github.com/o/r"))  # as the CLI's Path argument hands it over
