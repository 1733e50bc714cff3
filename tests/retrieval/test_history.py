"""The change log: read once for a whole history, each commit's view is exactly what git
gives for that commit alone — its own ancestors, never a later commit or another branch."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from explore.retrieval.history import History, change_log
from explore.retrieval.query import parse
from explore.retrieval.retriever import Retriever
from explore.sandbox.index import Index, tokenize
from explore.sandbox.snapshot import Repository


def _branchy_repo(root: Path) -> tuple[Path, dict[str, str]]:
    """main and a feature branch, each fixing its own module, merged, then more on main;
    every commit a second apart so git's order is the same however it is walked."""
    root.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    clock = [1_700_000_000]

    def git(*args: str) -> str:
        clock[0] += 1
        stamp = f"{clock[0]} +0000"
        return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                              env=env | {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}).stdout.strip()

    def change(path: str, message: str) -> str:
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text((file.read_text() if file.exists() else "") + f"# {message}\n")
        git("add", "-A")
        git("commit", "-qm", message)
        return git("rev-parse", "HEAD")

    git("init", "-q", "-b", "main")
    marks = {"first": change("pkg/core.py", "Initial import of the core parser")}
    marks["main1"] = change("pkg/core.py", "Fix the parser when the token stream is empty")
    git("checkout", "-qb", "feature")
    marks["feature1"] = change("pkg/upload.py", "Retry the upload when the socket times out")
    marks["feature2"] = change("pkg/upload.py", "Upload retries back off exponentially")
    git("checkout", "-q", "main")
    marks["main2"] = change("pkg/cache.py", "Evict the oldest cache entry first")
    git("merge", "-q", "--no-ff", "feature", "-m", "Merge branch feature")
    marks["merge"] = git("rev-parse", "HEAD")
    marks["main3"] = change("pkg/core.py", "Parser reports the line of a bad token")
    many = {f"pkg/m{i}.py": "" for i in range(25)}  # a sweep over 25 files: says little of any one
    for path in many:
        (root / path).write_text("# sweep\n")
    git("add", "-A")
    git("commit", "-qm", "Reformat every module of the package")
    marks["sweep"] = git("rev-parse", "HEAD")
    marks["main4"] = change("pkg/cache.py", "Cache keys ignore the case of the upload name")
    return root, marks


def test_each_commits_view_is_its_own_history_read_alone(tmp_path: Path, explore_cache: Path) -> None:
    root, marks = _branchy_repo(tmp_path / "r")
    repo = Repository(root)
    history = History(str(repo.git.git_dir), marks["main4"])
    for name, sha in marks.items():
        alone = change_log(repo.snapshot(sha))  # git log from this commit: the reference
        view = history.at(repo.snapshot(sha))
        assert (view.tokens, view.files) == (alone.tokens, alone.files), name
        assert (view.churn, view.since) == (alone.churn, alone.since), name

    def messages(sha: str) -> list[str]:
        return [" ".join(t) for t in history.at(repo.snapshot(sha)).tokens]

    on_branch = messages(marks["feature2"])
    assert any("socket" in m for m in on_branch) and not any("evict" in m for m in on_branch)  # main2 is not its past
    before_merge = messages(marks["main2"])
    assert any("evict" in m for m in before_merge) and not any("upload" in m for m in before_merge)
    assert not any("line" in m for m in messages(marks["merge"]))  # the future is never read
    assert not any("reformat" in m for m in messages(marks["main4"]))  # a broad sweep says nothing
    assert len(messages(marks["main4"])) == 7 and marks["merge"] in history  # 9 commits: less the merge and the sweep


def test_a_short_read_gives_fewer_ancestors_never_others(tmp_path: Path, explore_cache: Path) -> None:
    root, marks = _branchy_repo(tmp_path / "r")
    repo = Repository(root)
    # references first: a view is then kept where change_log finds it
    newest_two = change_log(repo.snapshot(marks["main4"]), depth=2)
    alone = change_log(repo.snapshot(marks["main3"]))
    first = change_log(repo.snapshot(marks["first"]))
    short = History(str(repo.git.git_dir), marks["main4"], limit=4)  # main4, sweep, main3, merge
    view = short.at(repo.snapshot(marks["main3"]))
    assert 0 < len(view) < len(alone) and all(t in alone.tokens for t in view.tokens)
    assert marks["first"] not in short
    assert short.at(repo.snapshot(marks["first"])).tokens == first.tokens  # not read: git is asked for it
    deep = History(str(repo.git.git_dir), marks["main4"], depth=2)
    assert deep.at(repo.snapshot(marks["main4"])).tokens == newest_two.tokens


def test_a_subfolders_history_keeps_to_it_and_names_files_as_it_does(tmp_path: Path, make_repo, commit_all,
                                                                    explore_cache: Path) -> None:
    """A subfolder's change log (the candidate stage's ``history`` evidence) holds only what
    its commits changed inside it, by the subfolder's own paths; a commit that changed only
    other folders says nothing there. The same commit read at the top keeps every path."""
    root = make_repo(tmp_path, {"sub/net/retry.py": "DELAY = 1\n", "sub/core.py": "X = 1\n",
                                "other/tool.py": "T = 1\n", "README.md": "# mono\n"}, message="Initial import")

    def edit(message: str, *paths: str) -> str:
        for rel in paths:
            with open(root / rel, "a", encoding="utf-8") as fh:
                fh.write(f"# {message}\n")
        return commit_all(root, message)

    edit("Retry uploads with exponential back-off delays", "sub/net/retry.py")
    edit("Print the version banner of the command line tool", "other/tool.py")
    head = edit("Share the tokenizer between the parser core and the tool", "sub/core.py", "other/tool.py")
    sub, top = Repository(root / "sub"), Repository(root)

    log = change_log(sub.snapshot(head))
    assert log.files == [("core.py",), ("net/retry.py",), ("core.py", "net/retry.py")]  # newest first
    assert not any("banner" in tokens for tokens in log.tokens)  # touched only other/
    assert log.file_scores(tokenize("print the version banner")) == {}
    assert max(log.file_scores(tokenize("back-off delays")).items(), key=lambda kv: kv[1])[0] == "net/retry.py"
    assert log.churn == {"core.py": 2, "net/retry.py": 2}

    whole = change_log(top.snapshot(head))  # same commit, same git directory: its own log
    assert ("other/tool.py",) in whole.files and ("other/tool.py", "sub/core.py") in whole.files
    assert change_log(sub.snapshot(head)).files == log.files  # the two are kept apart

    worktree = change_log(sub.snapshot())  # the working tree: HEAD's history, by the folder's paths
    assert worktree.files == log.files

    read_once = History(str(top.git.git_dir), head).at(sub.snapshot(head))
    assert (read_once.tokens, read_once.files) == (log.tokens, log.files)

    query = parse("where are the upload back-off delays computed?")
    evidence = Retriever(Index.build(sub.snapshot(head))).rankings(query)["history"]
    assert evidence[0][0] == "net/retry.py" and all(not p.startswith("sub/") for p, _ in evidence)


def test_a_message_holding_the_logs_separator_bytes_is_read_whole(tmp_path: Path, make_repo, commit_all,
                                                                  explore_cache: Path) -> None:
    """A commit message may hold any byte, the control characters ``git log``'s output is
    split on included: it stays one commit with its own message and files, never a second
    made-up commit (or a crash) whose "files" are lines of the message."""
    root = make_repo(tmp_path, {"pkg/parser.py": "P = 1\n", "pkg/tool.py": "T = 1\n"}, message="Initial import")
    (root / "pkg/parser.py").write_text("P = 2\n")
    hostile = "Fix the parser\x1e\n\nwhen a record\x1f holds\x1d separators\npkg/tool.py\n\x1e\n"
    head = commit_all(root, hostile)
    snap = Repository(root).snapshot(head)
    log = change_log(snap)
    assert log.files == [("pkg/parser.py",), ("pkg/parser.py", "pkg/tool.py")]
    assert log.tokens[0] == tokenize(hostile)
    read_once = History(str(Repository(root).git.git_dir), head).at(snap)
    assert (read_once.tokens, read_once.files) == (log.tokens, log.files)


def test_a_working_trees_log_follows_new_commits_and_deleted_files(tmp_path: Path, make_repo, commit_all,
                                                                    explore_cache: Path) -> None:
    """A long-lived process (``explore serve``) asks about the working tree again after the
    user commits or deletes a file: its change log is HEAD's history now, naming only the
    files the tree holds now, never the log kept from before."""
    root = make_repo(tmp_path, {"pkg/retry.py": "D = 1\n", "pkg/parser.py": "P = 1\n"}, message="Initial import")
    (root / "pkg/retry.py").write_text("D = 2\n")
    commit_all(root, "Retry uploads with exponential back-off delays")
    repo = Repository(root)
    assert change_log(repo.snapshot(worktree=True)).files == [("pkg/retry.py",), ("pkg/parser.py", "pkg/retry.py")]

    (root / "pkg/parser.py").write_text("P = 2\n")
    commit_all(root, "Handle empty token streams in the parser")
    log = change_log(repo.snapshot(worktree=True))
    assert log.tokens[0] == tokenize("Handle empty token streams in the parser")
    assert log.files[0] == ("pkg/parser.py",)

    (root / "pkg/retry.py").unlink()  # deleted, not committed: the tree no longer has it
    log = change_log(repo.snapshot(worktree=True))
    assert all("pkg/retry.py" not in files for files in log.files)
    hits = Retriever(Index.build(repo.snapshot(worktree=True))).rank("exponential back-off delays for uploads")
    assert all(h.path != "pkg/retry.py" for h in hits)


def test_a_file_whose_name_git_quotes_is_named_as_the_tree_names_it(tmp_path: Path, make_repo, commit_all,
                                                                    explore_cache: Path) -> None:
    """git prints a path holding a quote, a backslash or a tab C-quoted (``"pkg/a\\"b.py"``):
    the log names the file as the snapshot does, so its commits still vote for it."""
    odd = 'pkg/größe "neu"\t\\x.py'
    root = make_repo(tmp_path, {odd: "X = 1\n", "pkg/b.py": "Y = 1\n"}, message="Initial import")
    (root / odd).write_text("X = 2\n")
    head = commit_all(root, "Fix the rounding of sizes in the converter")
    snap = Repository(root).snapshot(head)
    assert odd in snap.files
    assert change_log(snap).files == [(odd,), ("pkg/b.py", odd)]


def test_a_shallow_clones_cut_off_commit_votes_for_no_file(tmp_path: Path, make_repo, commit_all,
                                                           explore_cache: Path) -> None:
    """git shows a shallow clone's oldest commit parentless, as if it added the whole tree:
    its message voted for every file. What it changed is not in the clone, so it votes for none."""
    root = make_repo(tmp_path, {"pkg/upload.py": "U = 1\n", "pkg/report.py": "R = 1\n", "pkg/lexer.py": "L = 1\n"},
                     message="Initial import")
    (root / "pkg/upload.py").write_text("U = 2\n")
    commit_all(root, "Retry uploads with exponential back-off delays")
    (root / "pkg/report.py").write_text("R = 2\n")
    commit_all(root, "Add logging to the reporter")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{root}", str(shallow)], check=True)
    assert (shallow / ".git" / "shallow").is_file()
    log = change_log(Repository(shallow).snapshot())
    assert log.files == [("pkg/report.py",)]  # the cut-off commit ("Retry uploads …") names no file
    assert change_log(Repository(root).snapshot()).files[1] == ("pkg/upload.py",)  # the full clone knows
