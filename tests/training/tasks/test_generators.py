"""Each task generator on real files: what it asks, what it answers, what it skips."""
from __future__ import annotations

import random
from pathlib import Path

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from explore.sandbox.snapshot import Repository
from explore.training.tasks import chat, code, config, docs, history
from explore.training.tasks.phrasing import docstring_question, mentions, summary, third_person


def _rng() -> random.Random:
    return random.Random(0)


def test_phrasing_turns_docstrings_into_questions() -> None:
    assert third_person("apply") == "applies" and third_person("push") == "pushes" and third_person("do") == "does"
    assert summary("Return the :func:`~click.echo` width.\n\nMore text.") == "Return the click.echo width"
    q = docstring_question("Compute how long to wait before retrying a failed request", "function", _rng())
    assert q and q.endswith("?") and "wait before retrying a failed request" in q
    assert docstring_question("TODO: write this", "function", _rng()) is None
    # A sentence is not a noun phrase: "The X needs Y" gives no "Where is ... defined?" question.
    assert docstring_question("The new interface needs more from streams than they offer", "class", _rng()) is None
    assert mentions("Return the parse args result", "parse_args")
    assert not mentions("Return the width", "parse_args")


def test_code_generator(weather_repo: Path) -> None:
    snap = Repository(weather_repo).snapshot()
    tasks = code.generate(snap, _rng())
    kinds = {t.meta["kind"] for t in tasks}
    assert {"docstring", "definition", "constant", "default"} <= kinds
    for t in tasks:
        assert all(target in snap.files for target in t.targets)
        assert not any(target.startswith("tests/") for target in t.targets)  # tests are not targets
        if t.meta["kind"] == "docstring":
            assert not mentions(t.question, t.meta["symbol"]), t.question
    timeout = [t for t in tasks if t.meta["kind"] == "constant" and t.meta["symbol"] == "DEFAULT_TIMEOUT"]
    assert timeout and timeout[0].question == "What is the default timeout?" and timeout[0].answer == "30"
    defs = {t.answer: t.targets for t in tasks if t.meta["kind"] == "definition"}
    assert defs["ForecastCache"] == ["weatherkit/cache.py"]
    retry = [t for t in tasks if t.meta["kind"] == "docstring" and t.meta["symbol"] == "backoff_delay"]
    assert retry and retry[0].targets == ["weatherkit/fetch.py"]


def test_code_generator_survives_bad_python(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"bad.py": "def (:\n", "ok.py": 'def load_settings(path="a.toml"):\n    """Read the settings file from disk."""\n'})
    tasks = code.generate(Repository(repo).snapshot(), _rng())
    assert tasks and all(t.targets == ["ok.py"] for t in tasks)


def test_docs_generator_reads_markdown_and_rst(weather_repo: Path) -> None:
    snap = Repository(weather_repo).snapshot()
    tasks = docs.generate(snap, _rng())
    headings = {t.meta["heading"]: t for t in tasks}
    assert headings["Installation"].question in ("Where are the installation steps documented?", "How do I install it?")
    assert headings["Installation"].targets == ["README.md"]
    assert headings["Retry policy"].targets == ["docs/guide.rst"]
    assert "License" not in headings  # boilerplate headings are skipped


def test_docs_sections_ignore_code_fences() -> None:
    text = "# Title\n\nSome words that make a section body.\n\n```\n# not a heading\n```\n\nSetup\n-----\n\nMore words here for this one.\n"
    titles = [s[0] for s in docs.sections(text, rst=False)]
    assert titles == ["Title", "Setup"]


def test_config_generator(weather_repo: Path) -> None:
    snap = Repository(weather_repo).snapshot()
    tasks = config.generate(snap, _rng())
    by_kind = {t.meta["kind"]: t for t in tasks}
    assert by_kind["python"].answer == ">=3.9" and by_kind["python"].targets == ["pyproject.toml"]
    assert by_kind["tool"].question == "Which file configures pytest?"
    assert by_kind["csv"].targets == ["data/cities.csv"] and "latitude" in by_kind["csv"].question
    assert by_kind["scripts"].answer == "weather"


def test_history_generator_filters_commits(weather_repo: Path) -> None:
    repo = Repository(weather_repo)
    tasks, reason = history.generate(repo)
    assert reason.startswith("3 of ") and "commits qualified" in reason
    subjects = {t.question.splitlines()[0]: t for t in tasks}
    assert set(subjects) == {
        "Fix back-off delay growing without bound after many attempts",
        "Keep stale forecasts out of the cache listing",
        "Make the table output align temperature columns",
    }
    fix = subjects["Fix back-off delay growing without bound after many attempts"]
    assert "Signed-off-by" not in fix.question and "cap it" in fix.question
    assert subjects["Make the table output align temperature columns"].targets == ["weatherkit/cli.py", "weatherkit/units.py"]
    for t in tasks:
        parent = repo.git.commit(t.meta["commit"]).parents[0].hexsha
        assert t.rev == parent  # posed on the code before the change
        assert set(t.targets) <= set(repo.snapshot(t.rev).files)


def test_history_generator_without_history(tmp_path: Path, make_repo) -> None:
    plain = make_repo(tmp_path, {"a.py": "x = 1\n"}, git_init=False)
    assert history.generate(Repository(plain)) == ([], "not a git repository")
    single = make_repo(tmp_path, {"a.py": "x = 1\n"})
    tasks, reason = history.generate(Repository(single))
    assert tasks == [] and "only one commit" in reason


def test_chat_generator_with_a_fake_model(weather_repo: Path) -> None:
    snap = Repository(weather_repo).snapshot()
    replies = ["1. How long does the client wait between retries?\n2. not a question\n- Which cities are listed?"] * 30
    tasks, reason = chat.generate(snap, FakeListChatModel(responses=replies), _rng(), max_files=3)
    assert reason == "" and tasks
    assert {t.question for t in tasks} == {"How long does the client wait between retries?", "Which cities are listed?"}
    assert all(t.source == "chat" and t.targets[0] in snap.files for t in tasks)


def test_chat_generator_reports_failures(weather_repo: Path) -> None:
    class Broken:
        def invoke(self, messages):
            raise RuntimeError("rate limited")

    tasks, reason = chat.generate(Repository(weather_repo).snapshot(), Broken(), _rng(), max_files=2)
    assert tasks == [] and "rate limited" in reason


def test_history_scan_counts_why_commits_were_left_out(tmp_path: Path, make_repo, git, commit_all) -> None:
    """One `git log` pass: each left-out commit is counted under its reason, tags and issue
    numbers leave the question, and a target is a file as it was at the parent."""
    from explore.training.tasks.history import clean_message, scan_history

    repo = make_repo(tmp_path, {"pkg/core.py": "def run():\n    return 1\n", "docs/index.md": "# Docs\n",
                                "tests/test_core.py": "def test_run():\n    pass\n"})
    (repo / "pkg/core.py").write_text("def run():\n    return 2\n")
    commit_all(repo, "BUG: Fix run returning the wrong value (#123)\n\nFixes #99\nSigned-off-by: a <a@b>")
    (repo / "docs/index.md").write_text("# Docs\n\nMore.\n")
    commit_all(repo, "Explain how the runner starts in the docs")
    (repo / "tests/test_core.py").write_text("def test_run():\n    assert True\n")
    commit_all(repo, "Check the runner result in the unit test")
    (repo / "pkg/new.py").write_text("X = 1\n")
    commit_all(repo, "Add a brand new module for the runner")
    (repo / "pkg/core.py").write_text("def run():\n    return 3\n")
    commit_all(repo, "Bump version")
    tasks, scan = scan_history(Repository(repo))
    assert [t.question for t in tasks] == ["Fix run returning the wrong value"]
    assert tasks[0].targets == ["pkg/core.py"] and tasks[0].rev == git(repo, "rev-parse", "HEAD~5").strip()
    assert scan.commits == 6 and scan.qualified == 1
    assert scan.skipped == {"no source file (tests, docs or config only)": 2, "only new files": 1,
                            "chore or too short": 1, "merge or root commit": 1}
    assert "1 of 6 commits qualified" in scan.describe()
    assert clean_message("fix(parser): keep `a.b` names (gh-12)\n\n* WIP\n* real change") == \
        "keep `a.b` names\n\n* real change"


def test_a_squash_merge_body_keeps_what_people_wrote() -> None:
    """A squash merge lists its commits: the bot's fix-ups, a revert's boilerplate, chores and
    the subject repeated are not the question (pre-commit.ci's "hooks" lines made commit
    messages read as questions about config files)."""
    from explore.training.tasks.history import clean_message

    body = ("Fix `optional` validator to accept tuples (#1234)\n\n* Fix `optional` validator to accept tuples\n\n"
            "* Add changelog\n\n* Test the 2-tuple case in `baseline.py`\n\n"
            "* [pre-commit.ci] auto fixes from pre-commit.com hooks\n\nfor more information, see https://pre-commit.ci\n\n"
            "* Revert \"fixes\" from pre-commit.com hooks [skip pre-commit.ci]\n\n"
            "This reverts commit 5b413827365559bac9cb7b72e0b75a0ce4328772.\n\n---------\n\n"
            "Co-authored-by: pre-commit-ci[bot] <66853113+pre-commit-ci[bot]@users.noreply.github.com>")
    assert clean_message(body) == "Fix `optional` validator to accept tuples\n\n* Test the 2-tuple case in `baseline.py`"
    assert clean_message("Speed up the parser\n\n* cache the tokens\n* Revert to one list") == \
        "Speed up the parser\n\n* cache the tokens\n* Revert to one list"
    # a conventional-commit squash merge repeats the subject with its tag
    assert clean_message("fix(parser): handle empty input in the parser (#12)\n\n"
                         "* fix(parser): handle empty input in the parser\n\n* keep the tokens") == \
        "handle empty input in the parser\n\n* keep the tokens"
    # `git merge --squash`'s message: its header and each commit's id, author and date were the question's start
    squashed = ("Squashed commit of the following:\n\ncommit " + "e60fe431" * 5 + "\nAuthor: Jamie <j@example.com>\n"
                "Date:   Mon Jan 1 12:00:00 2018 +0100\n\n    Fix the name allocator for keywords\n")
    assert clean_message(squashed) == "Fix the name allocator for keywords"
    assert clean_message("Fix parsing\n\nDate: now parsed as UTC") == "Fix parsing\n\nDate: now parsed as UTC"
    # and a docs heading or doc comment reads as text: Javadoc's tags, HTML entities, a heading's $L
    import random

    from explore.training.tasks.phrasing import clean_markup, heading_question

    assert clean_markup("a type name equivalent to {@code type} (see {@link Foo#bar})") == \
        "a type name equivalent to type (see Foo#bar)"
    assert clean_markup("anyhow&ensp;&amp; more") == "anyhow & more"
    assert heading_question("$L for Literals", random.Random(0)).endswith("$L for Literals?")


def test_history_scan_survives_odd_messages_and_paths(tmp_path: Path, make_repo, git, commit_all) -> None:
    from explore.training.tasks.history import scan_history

    repo = make_repo(tmp_path, {"pkg/tab\tname.py": "A = 1\n", "pkg/b.py": "B = 1\n"})
    (repo / "pkg/tab\tname.py").write_text("A = 2\n")
    commit_all(repo, "Make the tab named module return two instead")
    (repo / "pkg/b.py").write_text("B = 2\n")
    git(repo, "commit", "-qam", "", "--allow-empty-message")
    (repo / "pkg/b.py").write_bytes(b"B = 3\n")
    git(repo, "-c", "i18n.commitEncoding=latin-1", "commit", "-qam", "Caf\xe9 module changes the constant b value")
    tasks, scan = scan_history(Repository(repo), max_commits=2)
    assert scan.commits == 2
    assert [t.targets for t in tasks] == [["pkg/b.py"]] and "Caf" in tasks[0].question
    tasks, scan = scan_history(Repository(repo))
    assert ["pkg/tab\tname.py"] in [t.targets for t in tasks]


def test_tasks_cli_bounds_history_and_says_why_commits_were_left_out(weather_repo: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    from typer.testing import CliRunner

    from explore.cli import app, tasks as tasks_cli

    out = tmp_path / "t.jsonl"
    result = CliRunner().invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--sources", "history",
                                      "--max-commits", "2"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 commits qualified" in result.output  # the newest two: one new module, one fix
    full = CliRunner().invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--sources", "history"])
    assert full.exit_code == 0, full.output
    assert "commits qualified" in full.output and "left out" in full.output
    assert "--max-commits N reads the newest N" not in full.stderr  # a short history is read whole unsaid
    monkeypatch.setattr(tasks_cli, "LONG_HISTORY", 1)  # fmt's 7,942 commits took 13 minutes without a word
    long = CliRunner().invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--sources", "history"])
    assert long.exit_code == 0 and "--max-commits N reads the newest N" in long.stderr, long.stderr
    bounded = CliRunner().invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--sources", "history",
                                       "--max-commits", "1"])  # not over the bound
    assert "reads the newest" not in bounded.stderr
    over = CliRunner().invoke(app, ["tasks", str(weather_repo), "-o", str(out), "--sources", "history",
                                    "--max-commits", "2"])  # over the bound, the history longer still: said
    assert "reading the newest 2 of" in over.stderr or "reading all" in over.stderr, over.stderr


def test_tasks_cli_a_rev_that_reads_as_an_option_writes_nothing(tmp_path: Path, make_repo, commit_all,
                                                                tree_hash) -> None:
    """`--rev=--output=FILE` went to `git rev-list` (counting the history to warn of a long one)
    as an option, which wrote FILE — into the repository, if FILE named a path there —
    before the revision was found to be no commit."""
    from typer.testing import CliRunner

    from explore.cli import app

    root = make_repo(tmp_path, {"pkg/a.py": "A = 1\n"}, message="Initial import")
    (root / "pkg/a.py").write_text("A = 2\n")
    commit_all(root, "Fix the constant returning the wrong value")
    before = tree_hash(root)
    result = CliRunner().invoke(app, ["tasks", str(root), "-o", str(tmp_path / "t.jsonl"), "--sources", "history",
                                      f"--rev=--output={root}/written"])
    assert result.exit_code == 2 and "is not a commit" in result.output, result.output
    assert not (root / "written").exists() and tree_hash(root) == before


def test_tasks_cli_on_a_subfolder_counts_its_own_commits_for_the_long_history_note(
        tmp_path: Path, make_repo, commit_all, monkeypatch) -> None:
    """Of a monorepo's subfolder only the commits that touched it are read; the note counted every
    commit of the repository ("reading all 50,000 commits"), for a folder a few hundred touched."""
    from typer.testing import CliRunner

    from explore.cli import app, tasks as tasks_cli

    root = make_repo(tmp_path, {"sub/a.py": "A = 1\n", "other/b.py": "B = 1\n"}, message="Initial import")
    for i in range(5):
        (root / "other/b.py").write_text(f"B = {i}\n")
        commit_all(root, f"Fix the other module's constant number {i}")
    (root / "sub/a.py").write_text("A = 2\n")
    commit_all(root, "Fix the sub module returning the wrong constant")
    monkeypatch.setattr(tasks_cli, "LONG_HISTORY", 3)  # the repository has 7 commits, the folder 2
    result = CliRunner().invoke(app, ["tasks", str(root / "sub"), "-o", str(tmp_path / "t.jsonl"),
                                      "--sources", "history"])
    assert result.exit_code == 0, result.output
    assert "reading all" not in result.stderr, result.stderr


def test_history_tasks_of_a_clone_missing_a_file(tmp_path: Path, make_history_repo) -> None:
    """`explore tasks` on a clone that lacks one old file stopped with git's error; now the
    history is read whole (older commits without line counts, said so) and the questions
    whose commit cannot be laid out are dropped as unreachable."""
    import json
    import subprocess

    from typer.testing import CliRunner

    from explore.cli import app

    repo = make_history_repo(tmp_path, commits=60)
    old = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD~30:pkg/upload.py"], capture_output=True,
                         text=True, check=True).stdout.strip()
    (repo / ".git" / "objects" / old[:2] / old[2:]).unlink()
    out = tmp_path / "tasks.jsonl"
    result = CliRunner().invoke(app, ["tasks", str(repo), "-o", str(out), "--sources", "history", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["unreachable"] > 0 and body["n"] > 30, body
    said = body["by_source"]["history"]["reason"]
    assert "without their changed-line counts" in said and f"unable to read {old}" in said


def test_config_tasks_of_go_rust_and_typescript_projects(tmp_path: Path, make_repo) -> None:
    """Only Python packaging, YAML and package.json gave config tasks: a Go, Rust or
    TypeScript project's go.mod, Cargo.toml, tsconfig.json and lint settings gave none
    (`explore tasks` on a crate folder: "no recognised config or data files")."""
    repo = make_repo(tmp_path, {
        "go.mod": "module github.com/acme/tool\n\ngo 1.22\n\nrequire github.com/spf13/pflag v1.0.5\n",
        "Cargo.toml": '[workspace]\nmembers = ["crates/core"]\n\n[dependencies]\nserde = "1"\n',
        "crates/core/Cargo.toml": '[package]\nname = "tool-core"\nrust-version = "1.72"\n',
        "tsconfig.json": '{\n  // comments are allowed here\n  "compilerOptions": {"strict": true}\n}\n',
        ".golangci.yml": "linters:\n  enable: [govet]\n",
        "rustfmt.toml": "max_width = 100\n",
    })
    tasks = {t.question: t for t in config.generate(Repository(repo).snapshot(), _rng())}
    assert tasks["What is the path of the Go module?"].answer == "github.com/acme/tool"
    assert tasks["Which Go version does the module require?"].answer == "1.22"
    assert tasks["Where are the Go module's dependencies declared?"].targets == ["go.mod"]
    assert tasks["What is the Rust crate in crates/core called?"].answer == "tool-core"
    assert tasks["Which Rust version does the crate in crates/core require?"].answer == "1.72"
    assert tasks["Which crates make up the Cargo workspace?"].targets == ["Cargo.toml"]
    assert tasks["Where are the TypeScript compiler options set?"].targets == ["tsconfig.json"]
    assert tasks["Which file configures golangci-lint?"].targets == [".golangci.yml"]
    assert tasks["Which file configures rustfmt?"].targets == ["rustfmt.toml"]


def test_max_commits_1_is_said_as_the_option_not_the_repository(tmp_path: Path, make_repo) -> None:
    """`explore tasks --sources history --max-commits 1` on a repository of 1,887 commits
    said "only one commit": the option read one."""
    import subprocess

    repo = make_repo(tmp_path, {"a.py": "x = 1\n"})
    (repo / "README.md").write_text("# docs only\n")  # a commit that changes no source
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "docs"],
                   check=True)
    tasks, reason = history.generate(Repository(repo), max_commits=1)
    assert tasks == [] and "--max-commits 1" in reason and "only one commit" not in reason
    single = make_repo(tmp_path / "single", {"a.py": "x = 1\n"})
    assert "only one commit" in history.generate(Repository(single), max_commits=1)[1]


def test_the_tasks_table_says_why_val_is_the_largest_split(tmp_path: Path, make_repo) -> None:
    """fmt's tasks: val 2,437 of 4,069 (its few headers answer most questions, and a train task
    whose answer a test task has goes to val), which looked like a bug; the table says why."""
    import subprocess

    from explore.cli.tasks import _tasks_table
    from explore.training.tasks import generate_report
    from explore.training.tasks.pipeline import parse_sources

    repo = make_repo(tmp_path, {"core.py": "def run():\n    return 0\n"})
    for i in range(12):  # every commit changes the one source file: every history task has the same answer
        (repo / "core.py").write_text(f"def run():\n    return {i + 1}\n")
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qam",
                        f"Return {i + 1} from run so the loop stops"], check=True)
    report = generate_report(Repository(repo), parse_sources("history"), None, 0, None)
    splits = {t.meta["split"] for t in report.tasks}
    assert splits == {"val", "test"}, splits
    assert "val also takes every train task" in str(_tasks_table(report).caption)
