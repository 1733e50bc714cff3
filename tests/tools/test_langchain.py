"""The LangChain tools: langchain-tests' standard suites for each tool, then behaviour on a
real git repository — a shared cursor, refusals as text, schemas, tool calls, async."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_tests.integration_tests import ToolsIntegrationTests
from langchain_tests.unit_tests import ToolsUnitTests

from explore.sandbox.errors import BadRevision, RepoNotFound
from explore.sandbox.index import Index
from explore.sandbox.snapshot import Repository, Snapshot
from explore.tools.langchain import (
    AnswerTool,
    CdTool,
    ExploreToolkit,
    LsTool,
    ReadTool,
    make_tools,
    open_workspace,
    repo_tools,
)
from explore.tools.workspace import Workspace

# The standard async tests need pytest-asyncio to run them; mark them as its auto mode
# would (marking the functions in place keeps them identical, which the suite checks).
for _name in ("test_async_invoke_matches_output_schema", "test_async_invoke_no_tool_call"):
    pytest.mark.asyncio(getattr(ToolsIntegrationTests, _name))

FILES: dict[str, str | bytes] = {
    "README.md": "# Demo\n\nA demo repository.\n",
    "src/app/main.py": "def main():\n    return 'hello'\n",
    "src/app/retry.py": "def compute_retry_backoff(attempt):\n    '''Back-off for upload retries.'''\n"
                        "    return 2 ** attempt\n",
    "docs/install.md": "# Install\n\npip install demo\n",
    "long.txt": "".join(f"row {i}\n" for i in range(1, 201)),
}
LINKS = {"leak": "/etc/passwd", "rootlink": "/", "app": "src/app"}
QUESTION = "where is the upload retry back-off computed?"


@pytest.fixture(scope="module")
def snapshot_and_index(tmp_path_factory: pytest.TempPathFactory,
                       make_repo: Callable[..., Path]) -> tuple[Snapshot, Index]:
    base = tmp_path_factory.mktemp("lc")
    repo = make_repo(base, FILES, symlinks=LINKS)
    snap = Repository(repo).snapshot(cache=base / "cache")
    return snap, Index.build(snap, cache=base / "cache")


# -- langchain-tests standard suites, one per tool ----------------------------------------
class _OnRepo:
    """Binds a standard suite to one tool class, constructed on a fresh workspace."""

    tool_class: type[BaseTool]
    example: dict[str, Any]

    @pytest.fixture(autouse=True)
    def _workspace(self, snapshot_and_index: tuple[Snapshot, Index]) -> None:
        snap, index = snapshot_and_index
        self.workspace = Workspace(snap, index, question=QUESTION)

    @property
    def tool_constructor(self) -> type[BaseTool]:
        return self.tool_class

    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"workspace": self.workspace}

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return self.example


class TestLsStandard(_OnRepo, ToolsUnitTests):
    tool_class, example = LsTool, {"path": "src"}


class TestCdStandard(_OnRepo, ToolsUnitTests):
    tool_class, example = CdTool, {"path": "src/app"}


class TestReadStandard(_OnRepo, ToolsUnitTests):
    tool_class, example = ReadTool, {"path": "src/app/retry.py", "start_line": 1}


class TestAnswerStandard(_OnRepo, ToolsUnitTests):
    tool_class, example = AnswerTool, {"path": "src/app/retry.py"}


class TestLsInvocation(_OnRepo, ToolsIntegrationTests):
    tool_class, example = LsTool, {"path": "src"}


class TestCdInvocation(_OnRepo, ToolsIntegrationTests):
    tool_class, example = CdTool, {"path": "src/app"}


class TestReadInvocation(_OnRepo, ToolsIntegrationTests):
    tool_class, example = ReadTool, {"path": "src/app/retry.py", "start_line": 1}


class TestAnswerInvocation(_OnRepo, ToolsIntegrationTests):
    tool_class, example = AnswerTool, {"path": "src/app/retry.py"}


# -- behaviour --------------------------------------------------------------------------------
@pytest.fixture
def repo(tmp_path: Path, make_repo: Callable[..., Path]) -> Path:
    return make_repo(tmp_path, FILES, symlinks=LINKS)


@pytest.fixture
def tools(snapshot_and_index: tuple[Snapshot, Index]) -> dict[str, BaseTool]:
    snap, index = snapshot_and_index
    return {t.name: t for t in make_tools(Workspace(snap, index, question=QUESTION))}


def test_four_tools_share_one_workspace(tools: dict[str, BaseTool]) -> None:
    assert list(tools) == ["ls", "cd", "read", "answer"]
    workspaces = {id(t.workspace) for t in tools.values()}  # type: ignore[attr-defined]
    assert len(workspaces) == 1
    for t in tools.values():
        assert t.description.endswith(f"Repository: {t.workspace.snapshot.label}.")  # type: ignore[attr-defined]
        assert t.args_schema is not None


def test_cd_then_read_a_relative_path(tools: dict[str, BaseTool]) -> None:
    listing = tools["cd"].invoke({"path": "src/app"})
    assert listing.startswith("src/app/ (2 entries)") and "retry.py" in listing
    out = tools["read"].invoke({"path": "retry.py"})
    assert out.startswith("src/app/retry.py  lines 1–3 of 3")
    assert "def compute_retry_backoff" in out
    assert tools["ls"].invoke({"path": ".."}).startswith("src/ (1 entry)")
    assert tools["ls"].invoke({}).startswith("src/app/ ")  # ls did not move
    assert tools["answer"].invoke({"path": "retry.py"}) == "answer: src/app/retry.py"


def test_answer_records_the_canonical_file(tools: dict[str, BaseTool]) -> None:
    ws: Workspace = tools["answer"].workspace  # type: ignore[attr-defined]
    assert ws.answered is None
    tools["cd"].invoke({"path": "app"})  # an in-repo symlink to src/app
    assert tools["read"].invoke({"path": "retry.py"}).startswith("app/retry.py  lines 1–3 of 3")
    assert tools["answer"].invoke({"path": "retry.py"}) == "answer: src/app/retry.py"
    assert ws.answered == "src/app/retry.py"
    assert ws.reads == ["src/app/retry.py"]


@pytest.mark.parametrize("verb, path, words", [
    ("read", "../../etc/passwd", "goes above the repository root"),
    ("read", "/etc/passwd", "absolute paths are not allowed"),
    ("read", "leak", "symlink pointing outside the repository"),
    ("cd", "rootlink", "symlink pointing outside the repository"),
    ("ls", "rootlink/etc", "symlink pointing outside the repository"),
    ("answer", "leak", "symlink pointing outside the repository"),
    ("read", "nope.py", "no such file 'nope.py' in /"),
])
def test_refusals_come_back_as_text(tools: dict[str, BaseTool], verb: str, path: str, words: str) -> None:
    out = tools[verb].invoke({"path": path})
    assert out.startswith(f"{verb}: ") and words in out, out
    assert "root:" not in out
    assert tools["ls"].workspace.cwd == ""  # type: ignore[attr-defined]


def test_refusal_inside_a_tool_call_is_a_tool_message(tools: dict[str, BaseTool]) -> None:
    msg = tools["read"].invoke({"name": "read", "args": {"path": "leak"}, "id": "call-1", "type": "tool_call"})
    assert isinstance(msg, ToolMessage) and msg.tool_call_id == "call-1"
    assert "outside the repository" in msg.content and "root:" not in msg.content


@pytest.mark.parametrize("args, words", [
    ({}, "path: Field required"),
    ({"path": "long.txt", "start_line": "ten"}, "start_line: Input should be a valid integer"),
    ({"path": ["a", "b"]}, "path: Input should be a valid string"),
    ({"path": "long.txt", "lines": 81}, "lines: Extra inputs are not permitted"),  # was read from line 1
])
def test_bad_arguments_come_back_as_text(tools: dict[str, BaseTool], args: dict[str, Any], words: str) -> None:
    out = tools["read"].invoke(args)
    assert out.startswith("read: invalid arguments (") and words in out, out
    msg = tools["read"].invoke({"name": "read", "args": args, "id": "c", "type": "tool_call"})
    assert isinstance(msg, ToolMessage) and msg.status == "error" and words in msg.content


def test_start_line_pages_through_a_file(tools: dict[str, BaseTool]) -> None:
    first = tools["read"].invoke({"path": "long.txt"})
    assert first.startswith("long.txt  lines 1–80 of 200")
    assert first.endswith("(more: read long.txt from line 81)")
    second = tools["read"].invoke({"path": "long.txt", "start_line": 81})
    assert second.startswith("long.txt  lines 81–160 of 200\n 81| row 81")
    json_args = json.loads('{"path": "long.txt", "start_line": "161"}')  # lax ints, as models send them
    assert tools["read"].invoke(json_args).startswith("long.txt  lines 161–200 of 200")
    assert tools["read"].invoke({"path": "long.txt", "start_line": None}).startswith("long.txt  lines 1–80")
    # the MCP tool's name for it reads the same line (it was dropped: lines 1–80)
    assert tools["read"].invoke({"path": "long.txt", "line": 81}).startswith("long.txt  lines 81–160")
    assert "two lines" in tools["read"].invoke({"path": "long.txt", "line": 81, "start_line": 90})


def test_ls_pages_through_a_long_listing(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    from explore.tools.workspace import LS_LIMIT

    repo = make_repo(tmp_path, {f"m{i:03d}.py": "x = 1\n" for i in range(LS_LIMIT + 5)} | {"a b.py": "y = 2\n"})
    ls, _cd, read, _answer = make_tools(Workspace(Repository(repo).snapshot()))
    first = ls.invoke({"path": "."})
    assert first.splitlines()[-1] == "  … 6 more (page 1 of 2; next: ls . --page 2)"
    second = ls.invoke({"path": ".", "page": 2})
    assert second.startswith(f"/ ({LS_LIMIT + 6} entries, page 2 of 2)") and "m064.py" in second
    assert "'a b.py'" in first  # quoted as listed, and read back either way
    assert read.invoke({"path": "'a b.py'"}) == read.invoke({"path": "a b.py"})
    assert ls.invoke({"path": ".", "page": 0}).startswith("ls: invalid arguments (")
    assert "a whole number, not true" in ls.invoke({"path": ".", "page": True})  # it read page 1
    assert "a whole number, not true" in read.invoke({"path": "a b.py", "start_line": True})


def test_a_plain_string_is_the_path(tools: dict[str, BaseTool]) -> None:
    assert tools["cd"].invoke("src").startswith("src/ (1 entry)")
    assert "def main" in tools["read"].invoke("app/main.py")


def test_schemas_as_a_chat_model_sees_them(tools: dict[str, BaseTool]) -> None:
    specs = {t.name: convert_to_openai_tool(t)["function"] for t in tools.values()}
    assert specs["ls"]["parameters"]["properties"]["path"]["default"] == "."
    assert "required" not in specs["ls"]["parameters"] or specs["ls"]["parameters"]["required"] == []
    assert specs["cd"]["parameters"]["required"] == ["path"]
    assert specs["answer"]["parameters"]["required"] == ["path"]
    read = specs["read"]["parameters"]
    assert read["required"] == ["path"]
    assert set(read["properties"]) == {"path", "start_line"}
    assert {"type": "integer"} in read["properties"]["start_line"]["anyOf"]
    for name, spec in specs.items():
        assert spec["name"] == name and len(spec["description"]) > 80
        for prop in spec["parameters"]["properties"].values():
            assert prop["description"]
    json.dumps(specs)  # plain JSON: no workspace or other Python objects leak into a schema


def test_prefix_renames_for_several_repos(snapshot_and_index: tuple[Snapshot, Index]) -> None:
    snap, _ = snapshot_and_index
    names = [t.name for t in make_tools(Workspace(snap), prefix="demo_")]
    assert names == ["demo_ls", "demo_cd", "demo_read", "demo_answer"]
    kit = ExploreToolkit(workspace=Workspace(snap), prefix="x_")
    assert [t.name for t in kit.get_tools()] == ["x_ls", "x_cd", "x_read", "x_answer"]


def test_async_and_batch_calls(tools: dict[str, BaseTool]) -> None:
    async def go() -> list[str]:
        return [await tools["cd"].ainvoke({"path": "src"}), await tools["read"].ainvoke({"path": "app/main.py"})]

    listing, text = asyncio.run(go())
    assert listing.startswith("src/ ") and "def main" in text
    outs = tools["read"].batch([{"path": "app/retry.py"}, {"path": "../README.md"}] * 8,
                               config={"max_concurrency": 8})
    assert all(o.startswith(("src/app/retry.py  lines", "README.md  lines")) for o in outs), outs
    assert tools["read"].workspace.reads == ["src/app/main.py", "src/app/retry.py", "README.md"]  # type: ignore[attr-defined]


def test_a_scripted_tool_calling_loop(tools: dict[str, BaseTool]) -> None:
    """What an agent executor does with a model's tool calls: dispatch by name, feed back."""
    calls = [
        ("ls", {}),
        ("cd", {"path": "src"}),
        ("read", {"path": "../../etc/passwd"}),
        ("cd", {"path": "app"}),
        ("read", {"path": "retry.py"}),
        ("answer", {"path": "retry.py"}),
    ]
    turn = AIMessage(content="", tool_calls=[
        {"name": n, "args": a, "id": f"call-{i}", "type": "tool_call"} for i, (n, a) in enumerate(calls)
    ])
    replies = [tools[c["name"]].invoke(c) for c in turn.tool_calls]
    assert all(isinstance(r, ToolMessage) for r in replies)
    assert [r.tool_call_id for r in replies] == [f"call-{i}" for i in range(len(calls))]
    assert "scent" in replies[0].content  # the question is set: listings carry scent
    assert "above the repository root" in replies[2].content
    assert replies[-1].content == "answer: src/app/retry.py"


def test_repo_tools_opens_a_repository(repo: Path, tree_hash: Callable[..., str],
                                       commit_all: Callable[[Path, str], str]) -> None:
    old_sha = Repository(repo).resolve_rev(None)
    (repo / "src" / "app" / "new.py").write_text("NEW = 1\n")
    commit_all(repo, "add new.py")
    before = tree_hash(repo)

    tools = {t.name: t for t in repo_tools(repo, question=QUESTION)}
    assert "scent" in tools["ls"].invoke({})
    assert "new.py" in tools["ls"].invoke({"path": "src/app"})
    assert "Back-off for upload retries" in tools["read"].invoke({"path": "src/app/retry.py"})

    old = {t.name: t for t in repo_tools(repo, rev=old_sha)}
    assert "new.py" not in old["ls"].invoke({"path": "src/app"})
    assert "scent" not in old["ls"].invoke({})  # no question: no index, no scent
    assert old["read"].invoke({"path": "src/app/new.py"}) == "read: no such file 'src/app/new.py' in /"

    (repo / "src" / "app" / "draft.py").write_text("DRAFT = 1\n")
    wt = {t.name: t for t in repo_tools(repo, worktree=True)}
    assert "DRAFT = 1" in wt["read"].invoke({"path": "src/app/draft.py"})
    (repo / "src" / "app" / "draft.py").unlink()
    assert tree_hash(repo) == before


def test_repo_tools_raises_for_the_callers_mistakes(tmp_path: Path, repo: Path) -> None:
    with pytest.raises(RepoNotFound):
        repo_tools(tmp_path / "missing")
    with pytest.raises(BadRevision):
        open_workspace(repo, rev="no-such-branch")
    # an Explorer, as ask_repo_tool takes one (it was pathlib's "expected str, bytes or os.PathLike object")
    from explore import Explorer

    explorer = Explorer(repo)
    assert "app" in {t.name: t for t in repo_tools(explorer)}["ls"].invoke({"path": "src"})
    assert repo_tools(explorer.snapshot)[0].workspace.snapshot is explorer.snapshot
    with pytest.raises(TypeError, match="an Explorer or a Snapshot, not int"):
        repo_tools(5)
    with pytest.raises(TypeError, match="has chosen"):
        repo_tools(explorer, rev="HEAD")


def test_a_question_that_is_not_text_is_refused_by_name(repo: Path) -> None:
    """`repo_tools(repo, question=5)` failed with "'int' object has no attribute 'isascii'",
    a list with "unhashable type", bytes with re's "cannot use a string pattern"."""
    for wrong in (5, ["where is main?"], b"where is main?"):
        with pytest.raises(TypeError, match=f"question must be given as a str, not {type(wrong).__name__}"):
            repo_tools(repo, question=wrong)  # type: ignore[arg-type]
    assert "scent" in {t.name: t for t in repo_tools(repo, question="where is main?")}["ls"].invoke({})


def test_a_question_over_the_cap_is_refused_as_the_explorer_refuses_it(repo: Path) -> None:
    """`Explorer(repo).ask(q)` refuses a question over 1,000,000 characters (what `/dev/zero`
    as the question file would give), but `repo_tools(repo, question=q)` took it for scent."""
    from explore.agent.explorer import Explorer
    from explore.question_text import MAX_QUESTION_CHARS, QuestionTooLong

    long = "where is main? " * (MAX_QUESTION_CHARS // 15 + 1)
    with pytest.raises(QuestionTooLong) as explorer_said:
        Explorer(repo, model="tiny-random").ask(long)
    for make in (lambda: repo_tools(repo, question=long), lambda: ExploreToolkit.from_repo(repo, question=long)):
        with pytest.raises(QuestionTooLong) as tools_said:
            make()
        assert str(tools_said.value) == str(explorer_said.value)
        assert str(tools_said.value).startswith(f"the question is {len(long):,} characters, over the 1,000,000")
    at_cap = long[:MAX_QUESTION_CHARS]
    assert "scent" in {t.name: t for t in repo_tools(repo, question=at_cap)}["ls"].invoke({})

def test_a_worktree_that_is_not_a_flag_is_refused_as_the_explorer_refuses_it(repo: Path) -> None:
    """`repo_tools(repo, worktree="no")` read the working tree (a non-empty string is true),
    where `Explorer(repo, worktree="no")` is refused."""
    for wrong in ("no", "yes", 1, None):
        with pytest.raises(TypeError, match=f"worktree must be True or False, not {wrong!r}"):
            repo_tools(repo, worktree=wrong)  # type: ignore[arg-type]
    assert repo_tools(repo, worktree=True)[0].workspace.snapshot.rev is None
