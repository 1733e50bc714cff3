"""History tasks of a subfolder: only the commits that touched it, targets by its own paths."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from explore.sandbox.snapshot import Repository
from explore.training.tasks.history import generate, scan_history

FIX_RETRY = "Fix the retry back-off overflowing after thirty attempts"
BANNER = "Make the command line tool print its version banner"
SHARED = "Share one tokenizer between the parser core and the tool"
EMPTY = "Handle empty token streams in the core parser"


def _monorepo(tmp_path: Path, make_repo, commit_all) -> Path:
    """``sub/`` and ``other/`` with a fix inside ``sub/``, one only in ``other/``, one that
    spans both, and one inside ``sub/`` that also touches the top-level README."""
    root = make_repo(tmp_path, {"sub/net/retry.py": "def backoff(n):\n    return 2 ** n\n",
                                "sub/core.py": "def parse(tokens):\n    return tokens\n",
                                "other/tool.py": "def main():\n    return 0\n", "README.md": "# mono\n"},
                     message="Initial import")
    for message, paths in ((FIX_RETRY, ["sub/net/retry.py"]), (BANNER, ["other/tool.py"]),
                           (SHARED, ["sub/core.py", "other/tool.py"]), (EMPTY, ["sub/core.py", "README.md"])):
        for rel in paths:
            with open(root / rel, "a", encoding="utf-8") as fh:
                fh.write(f"# {message}\n")
        commit_all(root, message)
    return root


def test_a_subfolders_history_tasks_keep_to_it_in_its_own_paths(tmp_path: Path, make_repo, commit_all) -> None:
    root = _monorepo(tmp_path, make_repo, commit_all)
    sub = Repository(root / "sub")
    tasks, scan = scan_history(sub)
    assert {t.question.splitlines()[0]: t.targets for t in tasks} == {FIX_RETRY: ["net/retry.py"], EMPTY: ["core.py"]}
    assert scan.commits == 4  # the banner commit touched only other/: not read at all
    assert scan.skipped == {"merge or root commit": 1, "source files outside the folder": 1}
    git = sub.enclosing_git
    for task in tasks:
        assert task.rev == git.commit(task.meta["commit"]).parents[0].hexsha  # the code before the change
        assert set(task.targets) <= set(sub.snapshot(task.rev).files)  # the subfolder at that commit
    assert sorted(t.meta["seq"] for t in tasks) == [2, 4]  # counted among the folder's own commits
    assert generate(sub)[1].startswith("2 of 4 commits qualified")

    whole, _ = scan_history(Repository(root))  # the same history from the top: every folder, full paths
    assert {t.question.splitlines()[0]: t.targets for t in whole} == {
        FIX_RETRY: ["sub/net/retry.py"], BANNER: ["other/tool.py"], SHARED: ["other/tool.py", "sub/core.py"],
        EMPTY: ["sub/core.py"]}


def test_a_subfolder_no_commit_touched_says_so(tmp_path: Path, make_repo, commit_all) -> None:
    root = _monorepo(tmp_path, make_repo, commit_all)
    (root / "fresh").mkdir()
    (root / "fresh" / "draft.py").write_text("DRAFT = 1\n")  # untracked, not ignored: a subfolder
    assert generate(Repository(root / "fresh")) == ([], "no commit touches fresh/")
    other, _ = generate(Repository(root / "other"))  # the shared commit spans sub/ too: left out
    assert [(t.question, t.targets) for t in other] == [(BANNER, ["tool.py"])]


def test_a_message_holding_the_logs_separator_bytes_is_one_task(tmp_path: Path, make_repo, commit_all) -> None:
    """Any byte may be in a commit message, the ones ``git log``'s records are split on too:
    the commit stays one task with its whole message, and no line of the message is read
    as a changed file."""
    root = make_repo(tmp_path, {"pkg/parser.py": "P = 1\n", "pkg/tool.py": "T = 1\n"}, message="Initial import")
    (root / "pkg/parser.py").write_text("P = 2\n")
    message = ("Fix the parser crash on empty token records\x1e\n\nA record\x1f holds\x1d separators\n"
               ":100644 100644 0 0 M\tpkg/tool.py\n3\t4\tpkg/tool.py\n")
    sha = commit_all(root, message)
    tasks, scan = scan_history(Repository(root))
    assert scan.commits == 2 and scan.qualified == 1
    (task,) = tasks
    assert task.meta["commit"] == sha and task.targets == ["pkg/parser.py"]
    assert task.meta["changed"] == 1 and task.meta["lines"] == 2
    assert task.question.startswith("Fix the parser crash on empty token records")
    assert "separators" in task.question


def test_a_target_whose_name_git_quotes_is_named_as_the_tree_names_it(tmp_path: Path, make_repo,
                                                                       commit_all) -> None:
    odd = 'pkg/größe "neu"\t\\x.py'
    root = make_repo(tmp_path, {odd: "X = 1\n", "pkg/b.py": "Y = 1\n"}, message="Initial import")
    (root / odd).write_text("X = 2\n")
    commit_all(root, "Fix the rounding of sizes in the converter")
    (task,), _ = scan_history(Repository(root))
    assert task.targets == [odd]
    assert odd in Repository(root).snapshot(task.rev).files


def test_a_subfolder_one_later_commit_made_says_why_it_is_no_question(tmp_path: Path, make_repo, commit_all) -> None:
    """A folder a later commit added, which nothing changed since: its one commit has a parent,
    so "only one commit (a history task needs a commit and its parent)" was untrue of it."""
    root = _monorepo(tmp_path, make_repo, commit_all)
    (root / "fresh").mkdir()
    (root / "fresh" / "draft.py").write_text("DRAFT = 1\n")
    commit_all(root, "Add the draft module of the fresh subsystem")
    tasks, reason = generate(Repository(root / "fresh"))
    assert tasks == [] and "only one commit" not in reason
    assert reason == "no commit qualified: 0 of 1 commits qualified (left out: 1 only new files)"


def test_a_history_written_in_another_script_makes_questions(tmp_path: Path, make_repo, commit_all) -> None:
    """Only ASCII letters counted as words: every Russian or Chinese subject was "chore or too
    short", and such a team's repository made no history question at all (the index reads
    both scripts). Chinese and Japanese write no spaces: two of their characters make a word."""
    subjects = {"pkg/retry.py": "Исправить переполнение задержки повтора после тридцати попыток",
                "pkg/parse.py": "修复解析器在空输入时崩溃的问题",
                "pkg/cache.py": "キャッシュの期限切れを正しく処理する"}
    root = make_repo(tmp_path, {rel: "def f():\n    return 1\n" for rel in subjects}, message="Initial import")
    for rel, subject in subjects.items():
        with open(root / rel, "a", encoding="utf-8") as fh:
            fh.write("# fixed\n")
        commit_all(root, subject)
    (root / "pkg/retry.py").write_text("def f():\n    return 2\n")
    commit_all(root, "Исправить опечатку")  # two words: too short, in any script
    tasks, scan = scan_history(Repository(root))
    assert sorted((t.question, t.targets) for t in tasks) == sorted((q, [rel]) for rel, q in subjects.items())
    assert scan.skipped == {"merge or root commit": 1, "chore or too short": 1}


def test_odd_commits_make_no_unanswerable_question(tmp_path: Path, make_repo, commit_all) -> None:
    """A subject the cleaning leaves empty (a trailer, a URL), a symlink's or a submodule's
    change, and a file whose name is not UTF-8 make no question — and no crash: a task
    file could not carry such a name, nor a walk read a link or a submodule as that file.
    A backslash in a name is a character like any other, and the task file round-trips it."""
    import os
    import subprocess

    from explore.training.tasks import read_tasks, write_tasks

    odd = "pkg/we\udcffird.py"
    root = make_repo(tmp_path, {"pkg/a.py": "A = 1\n", "pkg/back\\slash.py": "B = 1\n", "pkg/real.py": "R = 1\n"},
                     message="Initial import")
    os.symlink("real.py", root / "pkg" / "link.py")
    (root / os.fsencode(odd).decode("utf-8", "surrogateescape")).write_bytes(b"W = 1\n")
    commit_all(root, "Add the link and the oddly named module")
    (root / "pkg/a.py").write_text("A = 2\n")
    commit_all(root, "Closes: https://github.com/org/repo/issues/12")
    os.remove(root / "pkg" / "link.py")
    os.symlink("a.py", root / "pkg" / "link.py")
    commit_all(root, "Point the compatibility link at the new module")
    (root / odd).write_bytes(b"W = 2\n")
    commit_all(root, "Fix the weird module's rounding of large values")
    (root / "pkg/back\\slash.py").write_text("B = 2\n")
    commit_all(root, "Fix the slash module's rounding of large values")
    sub = make_repo(tmp_path, {"x.py": "X = 1\n"}, name="sub")
    subprocess.run(["git", "-C", str(root), "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub),
                    "pkg/ext"], check=True, capture_output=True)
    commit_all(root, "Add the external helpers as a submodule dependency")
    (sub / "x.py").write_text("X = 2\n")
    commit_all(sub, "change")
    subprocess.run(["git", "-C", str(root / "pkg" / "ext"), "pull", "-q"], check=True, capture_output=True)
    commit_all(root, "Update the external helpers submodule to the newest")
    from explore.training.tasks.history import newest_questions

    tasks, _ = newest_questions(Repository(root), 0)
    assert [t.targets for t in tasks] == [["pkg/back\\slash.py"]] and all(t.question for t in tasks)
    write_tasks(tasks, tmp_path / "t.jsonl")
    assert [t.targets for t in read_tasks(tmp_path / "t.jsonl")] == [["pkg/back\\slash.py"]]


def test_a_file_no_snapshot_lists_is_no_questions_answer(tmp_path: Path, make_repo, commit_all) -> None:
    """``__pycache__``, ``*.egg-info`` and ``.venv`` are left out of every snapshot (and so of every
    walk): a commit that changed a file committed there is no question about it. Asked of such
    a history, `explore eval` warned of the newest commits' targets "not found" and skipped them."""
    from explore.training.tasks.history import newest_questions

    ignored = ["pkg/__pycache__/cached.py", "x.egg-info/meta.py", ".venv/lib/site.py"]
    root = make_repo(tmp_path, {p: "def f():\n    return 1\n" for p in [*ignored, "pkg/real.py"]},
                     message="Initial import")
    for i, rel in enumerate([*ignored, "pkg/real.py"]):
        with open(root / rel, "a", encoding="utf-8") as fh:
            fh.write("# fixed\n")
        commit_all(root, f"Fix function number {i} returning the wrong constant")
    repo = Repository(root)
    tasks, scan = newest_questions(repo, 0)
    assert [t.targets for t in tasks] == [["pkg/real.py"]]
    assert scan.skipped["no source file (tests, docs or config only)"] == 3
    for task in tasks:
        assert set(task.targets) <= set(repo.snapshot(task.rev).files)


def test_a_file_git_cannot_read_costs_line_counts_not_the_history(tmp_path: Path, make_repo, commit_all) -> None:
    """An object missing from the clone (a partial or damaged one; a mirror that left a large
    file out) stops `git log --numstat` partway. It gave the questions before it as the whole
    history, then (since) refused the repository; now the rest is read without line counts
    (which need no file contents), said so, and only a history git cannot read at all fails."""
    import pytest

    from explore.training.tasks.history import HistoryUnreadable

    root = make_repo(tmp_path, {"pkg/m.py": "M = 0\n", "pkg/n.py": "N = 0\n"}, message="Initial import")
    for i in range(1, 6):
        (root / "pkg/m.py").write_text(f"M = {i}\n")
        commit_all(root, f"Fix the handling of empty values in module number {i}")
    blob = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD~2:pkg/m.py"], capture_output=True, text=True,
                          check=True).stdout.strip()
    (root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    tasks, scan = scan_history(Repository(root))
    assert scan.commits == 6 and len(tasks) == 5  # every commit, as with the blob there
    assert scan.lines_unknown == 2 and blob in scan.unreadable and "without their changed-line counts" in \
        scan.describe()
    lines = {t.question.rsplit(" ", 1)[1]: t.meta["lines"] for t in tasks}
    # read before git met the missing file, and after the two commits that hold it (urfave/cli's mirror:
    # one missing blob cost 2,884 of its 3,886 commits their counts): counted
    assert lines == {"5": 2, "4": -1, "3": -1, "2": 2, "1": 2}, lines
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD~1"], capture_output=True, text=True,
                            check=True).stdout.strip()
    (root / ".git" / "objects" / commit[:2] / commit[2:]).unlink()  # a commit missing: no history at all
    with pytest.raises(HistoryUnreadable, match=f"{commit}"):
        scan_history(Repository(root))


def test_a_partial_clone_history_is_read_without_fetching_its_files(tmp_path: Path, make_repo, commit_all) -> None:
    """A blobless clone (`git clone --filter=blob:none`) holds its old files' contents only on
    its promisor remote, and counting each commit's changed lines fetched them one file at a
    time (minutes on a large history, or a failure offline). Its history is now read without
    line counts from the start — no object is fetched — and the scan says why."""
    origin = make_repo(tmp_path / "origin", {"pkg/m.py": "M = 0\n", "pkg/n.py": "N = 0\n"}, message="Initial import")
    for i in range(1, 6):
        (origin / "pkg/m.py").write_text(f"M = {i}\n" * (i + 1))
        commit_all(origin, f"Fix the handling of empty values in module number {i}")
    subprocess.run(["git", "-C", str(origin), "config", "uploadpack.allowFilter", "true"], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{origin}", str(clone)],
                   check=True)
    objects = lambda: subprocess.run(["git", "-C", str(clone), "count-objects", "-v"], capture_output=True,  # noqa: E731
                                     text=True, check=True).stdout
    before = objects()
    tasks, scan = scan_history(Repository(clone))
    assert objects() == before  # nothing fetched
    assert scan.commits == 6 and len(tasks) == 5 and scan.lines_unknown == 6
    assert "partial clone" in scan.describe()
    # nor by laying out a commit whose files the clone lacks: git fetched each into the clone (writing into
    # the user's repository, over the network); now the commit is refused, and nothing is written
    from explore.sandbox.errors import MissingObject

    with pytest.raises(MissingObject, match="explore does not fetch it"):
        Repository(clone).snapshot("HEAD~2")
    assert objects() == before
    # `eval`'s newest questions leave such commits out and count them (it chose them, then failed on each)
    from explore.training.tasks.history import newest_questions

    asked, scan = newest_questions(Repository(clone), 3)
    assert asked == [] and scan.unfetched > 0 and "never fetched their files" in scan.describe()
    assert objects() == before
    # a clone made with --filter whose server ignored it holds every file: counted as any clone
    full = tmp_path / "full"
    subprocess.run(["git", "clone", "-q", "--no-checkout", f"file://{origin}", str(full)], check=True)
    subprocess.run(["git", "-C", str(full), "config", "remote.origin.promisor", "true"], check=True)
    tasks, scan = scan_history(Repository(full))
    assert scan.lines_unknown == 0 and len(tasks) == 5


def test_a_packages_testing_folder_is_its_code_a_top_testing_folder_tests() -> None:
    """pendulum's `src/pendulum/testing/traveller.py` (behind `pendulum.travel()`) was a test: its
    commits were left out as "no source file", and the stage ranked it 16th."""
    from explore.training.tasks.history import is_code_target
    from explore.training.tasks.quality import is_test_path

    assert not is_test_path("src/pendulum/testing/traveller.py") and is_code_target("src/pendulum/testing/traveller.py")
    assert is_test_path("testing/run_all.py") and is_test_path("tests/test_x.py")


def test_a_header_only_librarys_implementation_files_are_sources() -> None:
    """tomlplusplus' commits changing include/toml++/impl/parser.inl named only its amalgamated toml.hpp as the
    answer: `.inl` was no source, so `explore eval` rewarded ranking the copy."""
    from explore.training.tasks.history import is_source

    assert is_source("include/toml++/impl/parser.inl") and is_source("include/x/detail/impl.ipp")
    assert not is_source("docs/index.md")


def test_a_commit_a_bot_committed_or_a_formatter_run_makes_no_question(tmp_path: Path, make_repo,
                                                                        commit_all) -> None:
    """Respect/Validation's weekly data updates are authored in a person's name and committed by
    github-actions[bot] (15 of its 30 eval questions, one message), and swift-case-paths' "Run
    swift-format" was asked twice: a bot committer or a formatter's run is no question."""
    import os

    from explore.training.tasks.history import newest_questions

    root = make_repo(tmp_path, {"src/a.py": "A = 1\n", "src/b.py": "B = 1\n"}, message="Initial import")
    (root / "src/a.py").write_text("A = 2\n")
    bot = {"GIT_COMMITTER_NAME": "github-actions[bot]",
           "GIT_COMMITTER_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com"}
    subprocess.run(["git", "-C", str(root), "commit", "-qam", "Update the regional information tables"],
                   check=True, env={**os.environ, **bot})
    (root / "src/b.py").write_text("B = 2\n")
    commit_all(root, "Run swift-format")
    (root / "src/b.py").write_text("B = 3\n")
    commit_all(root, "Fix the rounding of large values in the b module")
    tasks, _ = newest_questions(Repository(root), 0)
    assert [t.question for t in tasks] == ["Fix the rounding of large values in the b module"], tasks


def test_a_subfolder_whose_name_reads_as_a_pattern_is_its_own_history(tmp_path: Path, make_repo, commit_all) -> None:
    """A subfolder named ``v*`` was handed to git as a pattern, which ``v1/`` matches: the
    scan of ``v*/`` read the commits of ``v1/`` too (counted, then left out as "outside
    the folder"). Its name is now taken literally."""
    from explore.training.tasks.history import count_commits

    repo = make_repo(tmp_path, {"v*/core.py": "A = 0\n", "v1/other.py": "B = 0\n"})
    for n in range(1, 4):
        (repo / "v1" / "other.py").write_text(f"B = {n}\n")
        commit_all(repo, f"change the other version's constant to {n}")
    (repo / "v*" / "core.py").write_text("A = 1\n")
    commit_all(repo, "change the core constant of the bracketed version")
    folder = Repository(repo / "v*")
    head = folder.resolve_rev(None)
    assert count_commits(str(folder.enclosing_git.git_dir), head, 0, folder.subdir) == 2  # the first and the last
    tasks, _scan = scan_history(folder)
    assert [t.question for t in tasks] == ["change the core constant of the bracketed version"]


def test_a_commit_to_a_file_whose_name_is_not_utf8_says_so(tmp_path: Path, make_repo, commit_all) -> None:
    """A commit changing only `pkg/lat\\xe9.py` (a Latin-1 name) was left out as "no source
    file (tests, docs or config only)", untrue: it changed a source file whose name a task
    file (UTF-8 text) cannot hold, and the scan now says that."""
    import os

    repo = make_repo(tmp_path, {"pkg/core.py": "A = 0\n"})
    name = os.fsdecode(b"lat\xe9.py")
    (repo / "pkg" / name).write_text("B = 0\n")
    commit_all(repo, "add the module with the accented name for the parser")
    (repo / "pkg" / name).write_text("B = 1\n")
    commit_all(repo, "change the constant of the accented module used by the parser")
    tasks, scan = scan_history(Repository(repo))
    assert tasks == []
    assert "not UTF-8" in scan.describe() and "no source file" not in scan.describe(), scan.describe()
