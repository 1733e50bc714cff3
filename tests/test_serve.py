"""`explore serve` over real MCP round trips: the SDK's own stdio client starts the server
as a subprocess (the same console script the README's client config names) on real git
repositories made here, and calls its tools as an editor or coding agent would.

``ask`` runs the tiny real model (``--model tiny-random``: built from a config, no
download), so its answers are real walks, not good ones; the tests check their shape and
that they name files of the repository.
"""
from __future__ import annotations

import asyncio
import gc
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import CallToolResult
from typer.testing import CliRunner

from explore.cli import app

EXPLORE = Path(sys.executable).with_name("explore")

FILES = {
    "pkg/__init__.py": "",
    "pkg/retry.py": "def backoff(attempt):\n    \"\"\"Seconds to wait before retry number `attempt`.\"\"\"\n"
                    "    return 2 ** attempt\n",
    "pkg/config.py": "def parse_config(text):\n    return dict(line.split('=') for line in text.splitlines())\n",
    "docs/usage.md": "# Usage\n\nCall `backoff` between retries.\n",
    "README.md": "# Demo\n",
}


@asynccontextmanager
async def connect(tmp_path: Path, cache: Path, *args: str, log: str = "server.log", cwd: Path | None = None,
                  env: dict[str, str] | None = None) -> AsyncIterator[ClientSession]:
    """A session with ``explore serve ARGS...`` started over stdio by the SDK's client (in
    ``cwd``, with ``env`` added)."""
    params = StdioServerParameters(command=str(EXPLORE), args=["serve", *args], cwd=cwd,
                                   env={"EXPLORE_CACHE": str(cache), "OMP_NUM_THREADS": "1", **(env or {})})
    with open(tmp_path / log, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


def ok(result: CallToolResult) -> CallToolResult:
    assert not result.is_error, text(result)
    return result


def refused(result: CallToolResult, *phrases: str) -> str:
    assert result.is_error, text(result)
    message = text(result)
    assert any(p in message for p in phrases), message
    return message


async def test_tools_round_trip_and_refusals(tmp_path: Path, explore_cache: Path, make_repo, tree_hash,
                                             commit_all) -> None:
    repo = make_repo(tmp_path, FILES, symlinks={"leak": "/etc/passwd"})
    before = tree_hash(repo)
    async with connect(tmp_path, explore_cache, str(repo)) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert set(tools) == {"ask", "search", "ls", "read"}
        assert tools["read"].input_schema["required"] == ["path"]
        assert tools["search"].annotations.read_only_hint

        hits = ok(await session.call_tool("search", {"question": "where is the retry backoff computed?", "k": 3}))
        found = hits.structured_content
        assert found["snapshot"].startswith(f"{repo.name}@")
        assert 1 <= len(found["hits"]) <= 3 and found["hits"][0]["path"] == "pkg/retry.py"
        assert found["hits"][0]["score"] > 0 and found["hits"][0]["why"]
        assert json.loads(text(hits)) == found  # the same, as text, for clients that read only text

        listing = text(ok(await session.call_tool("ls", {})))
        assert listing.startswith("/ (") and "pkg/" in listing and "README.md" in listing
        assert "retry.py" in text(ok(await session.call_tool("ls", {"path": "pkg"})))
        window = text(ok(await session.call_tool("read", {"path": "pkg/retry.py"})))
        assert window.startswith("pkg/retry.py  lines 1–3 of 3") and "def backoff" in window
        assert text(ok(await session.call_tool("read", {"path": "pkg/retry.py", "line": 3}))).startswith(
            "pkg/retry.py  lines 3–3")
        # the LangChain tool's name for it reads the same line (it was dropped: lines 1–3)
        assert text(ok(await session.call_tool("read", {"path": "pkg/retry.py", "start_line": 3}))).startswith(
            "pkg/retry.py  lines 3–3")
        refused(await session.call_tool("read", {"path": "pkg/retry.py", "line": 2, "start_line": 3}), "two lines")

        # Hostile paths: refused as tool errors, with the sandbox's words, never the file.
        for tool in ("ls", "read"):
            for path in ("../../etc/passwd", "/etc/passwd", "leak", "pkg/../../x"):
                message = refused(await session.call_tool(tool, {"path": path}),
                                  "above the repository root", "absolute paths are not allowed",
                                  "outside the repository")
                assert message.startswith(f"Error executing tool {tool}: {tool}: ") and "root:" not in message
        refused(await session.call_tool("read", {"path": "pkg"}), "is a folder")
        for root in (".", "", "pkg/.."):
            refused(await session.call_tool("read", {"path": root}), "is a folder")
        refused(await session.call_tool("ls", {"path": "README.md"}), "is a file")
        refused(await session.call_tool("read", {"path": "nope.py"}), "no such file 'nope.py'")

        # Bad input: the CLI's words, and the server keeps serving.
        refused(await session.call_tool("ls", {"repo": str(repo / "missing")}), "no such folder")
        # a repo outside the folders the server was given (the start repository: no --allow),
        # also through a symlink inside it, is refused with how to allow it; one inside is read
        for outside in ("/etc", str(tmp_path), str(repo / "leak"), str(repo / ".." / "x")):
            message = refused(await session.call_tool("read", {"repo": outside, "path": "passwd"}),
                              "is outside the folders this server answers about")
            assert "--allow" in message and "root:" not in message
        refused(await session.call_tool("search", {"repo": "/etc", "question": "root"}), "is outside the folders")
        # the repository's git data is no repository to list or read (its config holds remotes' URLs)
        for inside in (str(repo / ".git"), str(repo / ".git" / "refs")):
            refused(await session.call_tool("read", {"repo": inside, "path": "config"}), "inside a .git folder")
            refused(await session.call_tool("ls", {"repo": inside}), "inside a .git folder")
        # a long report is read as the CLI reads it (its start and its tail), not refused
        long = ok(await session.call_tool("search", {"question": "retry back-off " + "log line\n" * 5000})).structured_content
        assert long["hits"], long
        refused(await session.call_tool("ask", {"repo": "/etc", "question": "root"}), "is outside the folders")
        assert "retry.py" in text(ok(await session.call_tool("ls", {"repo": str(repo / "pkg")})))
        refused(await session.call_tool("ls", {"repo": str(repo / "README.md")}), "is a file, not a folder")
        refused(await session.call_tool("search", {"question": "x" * (1 << 20)}), "1,048,576 characters")
        refused(await session.call_tool("ask", {"question": "where? " * 200_000}), "characters, over the")
        refused(await session.call_tool("ask", {"question": "retry", "walk": "sometimes"}), "'auto' or 'always'")
        refused(await session.call_tool("search", {"question": "  "}), "the question is empty")
        refused(await session.call_tool("search", {"question": "?!"}), "the question has no words")
        nothing = ok(await session.call_tool("search", {"question": "zebra_teleport"})).structured_content
        assert nothing["hits"] == [] and "nothing matches" in nothing["notes"][-1]
        link = ok(await session.call_tool("search", {"question": "https://github.com/acme/x/issues/12"})).structured_content
        assert link["hits"] == [] and "only a link or an issue number" in link["notes"][-1]
        refused(await session.call_tool("search", {"question": "retry", "k": 0}), "k must be between 1 and")
        refused(await session.call_tool("read", {"path": "pkg/retry.py", "line": 0}), "line must be 1 or more")
        # the schema's own checks, in a line a model can fix its call from (not pydantic's report)
        assert refused(await session.call_tool("read", {}), "path") == "read: invalid arguments (path: Field required)"
        bad = refused(await session.call_tool("ask", {"question": 5}), "ask: invalid arguments (question:")
        assert "pydantic.dev" not in bad and "validation error" not in bad
        # a misspelt argument is refused, not dropped for its default (read from line 1, k of 10)
        assert refused(await session.call_tool("read", {"path": "pkg/retry.py", "lines": 3}), "lines") == \
            "read: invalid arguments (lines: no such argument; read takes path, repo, line)"
        refused(await session.call_tool("search", {"question": "retry", "top_k": 2, "ctx": 1}),
                "ctx: no such argument; top_k: no such argument; search takes question, repo, k)")
        assert all(t.input_schema.get("additionalProperties") is False for t in tools.values())
        # a count given as true was read as 1 (one hit, line 1), pydantic's lax mode
        refused(await session.call_tool("search", {"question": "retry", "k": True}), "k: Value error, a whole number, not true")
        refused(await session.call_tool("read", {"path": "pkg/retry.py", "line": False}), "not false")
        assert "pkg/" in text(ok(await session.call_tool("ls", {})))

        # HEAD moves: the next call sees the new commit.
        (repo / "pkg" / "jitter.py").write_text("def jitter(delay):\n    return delay * 1.1\n")
        commit_all(repo, "add jitter")
        assert "jitter.py" in text(ok(await session.call_tool("ls", {"path": "pkg"})))
        moved = ok(await session.call_tool("search", {"question": "where is the jitter added to a delay?"}))
        assert moved.structured_content["hits"][0]["path"] == "pkg/jitter.py"
        assert moved.structured_content["snapshot"] != found["snapshot"]
        before = tree_hash(repo)
    assert tree_hash(repo) == before  # the server wrote nothing into the repository


async def test_ask_with_the_tiny_model_shares_one_model(tmp_path: Path, explore_cache: Path, make_repo,
                                                       tree_hash) -> None:
    repo = make_repo(tmp_path, FILES)
    other = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n", "NOTES.md": "# Notes\n"},
                      name="other")
    before = tree_hash(repo), tree_hash(other)
    async with connect(tmp_path, explore_cache, str(repo), "--model", "tiny-random", "--max-steps", "3",
                       "--allow", str(other)) as session:
        first = ok(await session.call_tool("ask", {"question": "where is the retry backoff computed?"}))
        answer = first.structured_content
        assert answer["model"] == "tiny-random" and answer["snapshot"].startswith(f"{repo.name}@")
        assert answer["answered"] is True and answer["files"] and all((repo / f).is_file() for f in answer["files"])
        assert 1 <= len(answer["steps"]) <= 3 and all(s["action"] for s in answer["steps"])
        ev = answer["evidence"][0]
        assert ev["path"] == answer["files"][0] and 1 <= ev["start_line"] <= ev["end_line"]
        assert ev["text"] in (repo / ev["path"]).read_text()
        assert answer["seconds"] > 0 and any("zero-shot" in n for n in answer["notes"])

        # Two questions at once, on two repositories: one model, answered one after the other.
        mine, theirs = await asyncio.gather(
            session.call_tool("ask", {"question": "where is the config parsed?", "max_steps": 2}),
            session.call_tool("ask", {"question": "where is a url fetched?", "repo": str(other)}))
        assert len(ok(mine).structured_content["steps"]) <= 2
        walked = ok(await session.call_tool("ask", {"question": "where is the config parsed?", "max_steps": 1,
                                                    "walk": "always"}))
        assert len(walked.structured_content["steps"]) == 1
        assert all((other / f).is_file() for f in ok(theirs).structured_content["files"])
        assert ok(theirs).structured_content["model"] == "tiny-random"

        # The same question three times at once walks exactly as it did alone: concurrent
        # calls never step one repository's environment in turns.
        alone = [s["action"] for s in answer["steps"]], answer["files"], answer["evidence"]
        for result in await asyncio.gather(*(session.call_tool("ask", {"question": "where is the retry backoff "
                                                                       "computed?"}) for _ in range(3))):
            again = ok(result).structured_content
            assert ([s["action"] for s in again["steps"]], again["files"], again["evidence"]) == alone

        refused(await session.call_tool("ask", {"question": ""}), "the question is empty")
        refused(await session.call_tool("ask", {"question": "where is q?", "max_steps": 0}), "max_steps must be between")
        refused(await session.call_tool("ask", {"question": "where is q?", "repo": str(other / "gone")}), "no such folder")
        ok(await session.call_tool("ask", {"question": "where is the readme?", "max_steps": 1}))
        unheard = ok(await session.call_tool("ask", {"question": "where is zebraTeleport defined?"})).structured_content
        assert unheard["answered"] is False and unheard["files"] == [] and "`zebraTeleport`" in unheard["notes"][-1]
    assert (tree_hash(repo), tree_hash(other)) == before


async def test_two_concurrent_clients(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """Two clients (each its own server, as stdio gives) on one repository at once, each
    with several calls in flight; the second started without a default repository and with
    ``--worktree``, so it sees uncommitted files where the first sees HEAD."""
    repo = make_repo(tmp_path, FILES)

    async def calls(session: ClientSession, where: dict[str, str]) -> list[CallToolResult]:
        return await asyncio.gather(
            session.call_tool("search", {"question": "where is the config parsed?", "k": 2, **where}),
            session.call_tool("read", {"path": "pkg/config.py", **where}),
            session.call_tool("ls", {"path": "pkg", **where}),
            session.call_tool("read", {"path": "../../etc/passwd", **where}),
            session.call_tool("search", {"question": "retry backoff", **where}))

    async with connect(tmp_path, explore_cache, str(repo), log="a.log") as a, \
            connect(tmp_path, explore_cache, "--worktree", "--allow", str(tmp_path), log="b.log") as b:
        refused(await b.call_tool("ls", {}), "no repository given")
        # a relative repo: read against the server's repository (the client cannot know the
        # server's own folder); without one, refused with what to give
        refused(await b.call_tool("ls", {"repo": repo.name}), "give the repository's absolute path")
        assert "retry.py" in text(ok(await a.call_tool("ls", {"repo": ".", "path": "pkg"})))
        assert "retry.py" in text(ok(await a.call_tool("ls", {"repo": "pkg"})))
        refused(await a.call_tool("ls", {"repo": "../x"}), "is outside the folders")
        results = await asyncio.gather(calls(a, {}), calls(b, {"repo": str(repo)}))
        assert not any(ok(r).structured_content["notes"] for r in results[0][::4])  # a clean tree: no note
        (repo / "pkg" / "draft.py").write_text("def draft():\n    pass\n")  # not committed
        assert "draft.py" in text(ok(await b.call_tool("ls", {"repo": str(repo), "path": "pkg"})))
        assert "draft.py" not in text(ok(await a.call_tool("ls", {"path": "pkg"})))
        # the server reading HEAD says the working tree has more (an MCP client was told only
        # that no file holds `draft`); the one reading the working tree has nothing to say
        head = ok(await a.call_tool("search", {"question": "where is draft defined?"})).structured_content
        assert any("changes HEAD does not show" in n and "--worktree" in n for n in head["notes"]), head["notes"]
        tree = ok(await b.call_tool("search", {"question": "where is draft defined?", "repo": str(repo)}))
        assert not any("HEAD" in n for n in tree.structured_content["notes"])
    for search, read, ls, hostile, again in results:
        assert ok(search).structured_content["hits"][0]["path"] == "pkg/config.py"
        assert "def parse_config" in text(ok(read))
        assert "retry.py" in text(ok(ls))
        refused(hostile, "above the repository root")
        assert ok(again).structured_content["hits"][0]["path"] == "pkg/retry.py"


def test_serve_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["serve", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no such folder" in result.output
    result = runner.invoke(app, ["serve", str(tmp_path), "--reflector", "gpt"])
    assert result.exit_code == 2 and "--reflector must be lora or none" in result.output
    result = runner.invoke(app, ["serve", str(tmp_path), "--adapter", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no such folder" in result.output
    result = runner.invoke(app, ["serve", str(tmp_path), "--no-stdio"])
    assert result.exit_code == 2 and "add --socket" in result.output
    # MCP clients may name only the folders the server is given: none given is refused at start
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "--allow" in result.output
    result = runner.invoke(app, ["serve", "--allow", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "--allow" in result.output and "no such folder" in result.output
    (tmp_path / "f.txt").write_text("x\n")
    result = runner.invoke(app, ["serve", "--allow", str(tmp_path / "f.txt")])
    assert result.exit_code == 2 and "a file, not a folder" in result.output
    (tmp_path / "clone" / ".git" / "refs").mkdir(parents=True)  # it started, then refused every repo under it
    result = runner.invoke(app, ["serve", "--allow", str(tmp_path / "clone" / ".git" / "refs")])
    assert result.exit_code == 2 and "inside a .git folder" in result.output, result.output
    result = runner.invoke(app, ["serve", str(tmp_path), "--allow", ""])  # not the folder it starts in
    assert result.exit_code == 2 and "empty path" in result.output
    # a repository with no commits would fail every call: refused at start, as `ask` refuses it
    empty = tmp_path / "empty"
    empty.mkdir()
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    result = runner.invoke(app, ["serve", str(empty)])
    assert result.exit_code == 2 and "no commits" in result.output and "--worktree" in result.output
    assert "serve" in runner.invoke(app, ["--help"]).output
    # `explore --help` stays fast: the MCP SDK is imported by `serve` alone.
    imported = subprocess.run([sys.executable, "-c", "import sys, explore.cli; print('mcp' in sys.modules)"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert imported == "False"


def test_warm_up_and_concurrent_questions_share_one_model(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """In process: the warm-up loads the model while questions on two repositories arrive from
    eight threads at once; every answer is the walk the question gets alone on a fresh server,
    and one model serves both repositories."""
    from concurrent.futures import ThreadPoolExecutor

    from explore.serve import ExploreServer

    repo = make_repo(tmp_path, FILES)
    other = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n", "NOTES.md": "# Notes\n"},
                      name="other")
    asks = [(None, "where is the retry backoff computed?"), (str(other), "where is a url fetched?"),
            (None, "where is the config parsed?"), (str(other), "where are the notes?")] * 2

    def walk(answer: dict) -> tuple:
        return [s["action"] for s in answer["steps"]], answer["files"], answer["evidence"]

    alone = {}
    for where, question in asks[:4]:
        fresh = ExploreServer(repo, model="tiny-random", max_steps=3)
        alone[where, question] = walk(fresh.ask(where, question))
    server = ExploreServer(repo, model="tiny-random", max_steps=3)
    with ThreadPoolExecutor(8) as pool:
        warmed = pool.submit(server.warm)
        answers = list(pool.map(lambda a: server.ask(*a), asks))
    assert warmed.result() is True
    for (where, question), answer in zip(asks, answers):
        assert walk(answer) == alone[where, question]
    explorers = [opened.explorer for opened in server._open.values()]
    assert len(explorers) == 2 and explorers[0].policy is explorers[1].policy
    assert not ExploreServer(model="tiny-random").warm()  # no default repository: nothing to warm


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts the process's descriptors in /proc")
@pytest.mark.parametrize("default", [False, True], ids=["no-repository", "a-repository"])
def test_a_warm_up_out_of_descriptors_fails_quietly(tmp_path: Path, explore_cache: Path, make_repo,
                                                   default: bool) -> None:
    """The warm-up thread imported the model module before deciding there was anything to
    warm, outside its own error handling: a server out of file descriptors at that moment (a
    busy one, or one whose limit is lowered) printed a thread's traceback, seen in CI."""
    repo = make_repo(tmp_path, FILES)
    script = (
        "import os, resource, sys\n"
        "from explore.serve import ExploreServer\n"
        f"server = ExploreServer({str(repo)!r} if {default} else None, model='tiny-random')\n"
        "held = len(os.listdir('/proc/self/fd')) - 1  # less the one listing them\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (held, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))\n"
        "print('warmed' if server.warm() else 'not warmed')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "not warmed\n", done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_search_and_ask_rank_with_the_combiner_fitted_to_the_repository(tmp_path: Path, explore_cache: Path,
                                                                          make_repo) -> None:
    """A ``combiner.json`` that `explore train` left for a repository is what the server's
    ``search`` (and ``ask``'s offer) rank with; without one, the shipped combiner."""
    from explore.agent.bundle import COMBINER_FILE, default_adapter_dir
    from explore.retrieval.combiner import FEATURES, Combiner
    from explore.serve import ExploreServer

    repo = make_repo(tmp_path, {"pkg/retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "docs/retry.md": "# Retry\n\nThe back-off doubles.\n"})
    question = "where is the retry back-off computed?"  # no name: a name few files hold lifts them past any combiner
    assert ExploreServer(repo, model="tiny-random").search(None, question, 2)["hits"][0]["path"] == "pkg/retry.py"
    folder = default_adapter_dir(repo)
    folder.mkdir(parents=True)
    docs_first = Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES} | {"file_score": 0.1})
    (folder / COMBINER_FILE).write_text(json.dumps(docs_first.to_dict()))
    server = ExploreServer(repo, model="tiny-random", max_steps=2)
    assert server.search(None, question, 2)["hits"][0]["path"] == "docs/retry.md"
    server.ask(None, question)
    assert server.open(None).explorer.retriever.combiner.weights["kind_docs"] == 5.0  # its offer, with offer: retrieve
    # `explore train` fits it again while the server runs: the next call ranks with the new one, HEAD unmoved
    code_first = Combiner({f: (5.0 if f == "kind_code" else 0.0) for f in FEATURES} | {"file_score": 0.1})
    (folder / COMBINER_FILE).write_text(json.dumps(code_first.to_dict()) + "\n")
    assert server.search(None, question, 2)["hits"][0]["path"] == "pkg/retry.py"
    server.ask(None, question)
    assert server.open(None).explorer.retriever.combiner.weights["kind_code"] == 5.0
    (folder / COMBINER_FILE).unlink()  # and removed: the shipped one again
    assert server.search(None, question, 2)["hits"][0]["path"] == "pkg/retry.py" and server.open(None).retriever is None


async def test_progress_while_the_first_question_waits(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """With no default repository nothing loads at start: the first ``ask`` waits for the
    model and the index, and the client hears so as MCP progress notifications; the
    second waits for nothing and hears only that it walks."""
    repo = make_repo(tmp_path, FILES)
    async with connect(tmp_path, explore_cache, "--model", "tiny-random", "--max-steps", "2",
                       "--allow", str(tmp_path)) as session:
        heard: list[list[str]] = [[], []]
        for said in heard:
            async def progress(_done: float, _total: float | None, message: str | None, said=said) -> None:
                said.append(message or "")

            ok(await session.call_tool("ask", {"question": "where is the retry backoff?", "repo": str(repo)},
                                       progress_callback=progress))
    first, second = heard
    assert first[0].startswith("loading the model") and first[-1] == "walking the repository…", first
    assert any(m.startswith(f"indexing {repo.name}@") and "5 files" in m for m in first), first
    assert second == ["walking the repository…"]
    log = (tmp_path / "server.log").read_text()
    assert "model tiny-random loaded" in log and f"indexed {repo.name}@" in log


def test_a_later_walk_tells_its_progress_to_its_own_asker_alone(tmp_path: Path, explore_cache: Path,
                                                                  make_repo) -> None:
    """With no warm-up, the first question's explorer loads the model and kept that asker's
    ``say``: every later walk of the same snapshot told it "walking the repository…" too
    (over MCP, a progress notification carrying the token of a request long answered)."""
    from explore.serve import ExploreServer

    repo = make_repo(tmp_path, FILES)
    server = ExploreServer(repo, model="tiny-random", max_steps=2)
    first: list[str] = []
    second: list[str] = []
    server.answer(None, "where is the retry backoff?", say=first.append, walk="always")
    assert first[0].startswith("loading the model") and first[-1] == "walking the repository…", first
    heard = list(first)
    server.answer(None, "where is the config parsed?", say=second.append, walk="always")
    assert first == heard, first[len(heard):]  # the first asker, answered, hears nothing more
    assert second == ["walking the repository…"], second


def leaving_client(arguments: dict, until: str) -> str:
    """A real MCP client as a script (raw JSON-RPC over its stdio): it asks ``ask`` with
    ``arguments``, reads progress until a line holds ``until``, and dies without a goodbye."""
    return ("import json, sys\n"
            "def send(m): sys.stdout.write(json.dumps(m) + '\\n'); sys.stdout.flush()\n"
            "send({'jsonrpc': '2.0', 'id': 1, 'method': 'initialize', 'params': {'protocolVersion': '2025-06-18',"
            " 'capabilities': {}, 'clientInfo': {'name': 'leaves', 'version': '0'}}})\n"
            "sys.stdin.readline()\n"
            "send({'jsonrpc': '2.0', 'method': 'notifications/initialized'})\n"
            "send({'jsonrpc': '2.0', 'id': 2, 'method': 'tools/call', 'params': {'name': 'ask', 'arguments':"
            f" {arguments!r}, '_meta': {{'progressToken': 1}}}}}})\n"
            "line = 'x'\n"
            f"while line and {until!r} not in line: line = sys.stdin.readline()\n"
            "if not line: sys.exit(3)\n"
            "import os; os._exit(0)\n")  # gone, mid-question, without a goodbye


def serve_a_leaving_client(tmp_path: Path, cache: Path, client: str, *args: str) -> str:
    """``explore serve ARGS --socket`` with ``client`` on the other end of its stdio; both
    must exit 0 and the server leave no socket behind. The server's log."""
    log = tmp_path / "gone.log"
    with open(log, "w") as errlog:
        server = subprocess.Popen([str(EXPLORE), "serve", *args, "--model", "tiny-random", "--socket"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
                                  env={**os.environ, "EXPLORE_CACHE": str(cache), "OMP_NUM_THREADS": "1"})
    leaving = subprocess.Popen([sys.executable, "-c", client], stdin=server.stdout, stdout=server.stdin)
    server.stdin.close()  # the client holds the only ends of the pipes now
    server.stdout.close()
    assert leaving.wait(120) == 0
    assert server.wait(120) == 0, log.read_text()
    text = log.read_text()
    assert "Traceback" not in text and "answering `explore ask` on" in text, text
    from explore.handoff import socket_path

    assert not socket_path().exists()
    return text


def test_a_client_that_goes_away_mid_question(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """A real client process over stdio asks, hears the walk start, and dies: the server
    finishes or stops the walk, exits 0 without a traceback, leaves no process or socket
    behind, and the next client is served as if nothing happened."""
    repo = make_repo(tmp_path, FILES)
    serve_a_leaving_client(tmp_path, explore_cache, leaving_client(
        {"question": "where is the retry backoff?", "max_steps": 50}, "walking the repository"), str(repo))

    async def next_client() -> None:
        async with connect(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as session:
            answer = ok(await session.call_tool("ask", {"question": "where is the retry backoff?",
                                                        "max_steps": 2})).structured_content
            assert answer["files"] and all((repo / f).is_file() for f in answer["files"])

    asyncio.run(next_client())


def test_the_walk_of_a_client_gone_while_it_waited_stops(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """The client dies while its question waits for the model to load (no default repository:
    nothing loads before the first question): the session's end cancels the call, and the
    walk, started once the model is in, stops at its first step instead of walking on —
    or, when the server ends before the load does (a busy machine), never starts."""
    repo = make_repo(tmp_path, FILES)
    log = serve_a_leaving_client(tmp_path, explore_cache, leaving_client(
        {"question": "where is the retry backoff?", "repo": str(repo), "max_steps": 50}, "loading the model"),
        "--allow", str(repo))
    if "model tiny-random loaded" in log:  # the load ended before the server did: the walk began, then stopped
        assert f"stopped walking {repo.name}@" in log, log
    else:  # on a busy machine the server can end while the model still loads: then nothing was walked
        assert "walk" not in log, log


async def test_a_cancelled_ask_stops_its_walk_and_the_session_goes_on(tmp_path: Path, explore_cache: Path,
                                                                      make_repo) -> None:
    """The SDK's client gives up on an ``ask`` while it waits for the model (the SDK sends
    ``notifications/cancelled``): the walk stops at its first step, and the same session is
    then answered, by a walk the stop left untouched."""
    import anyio

    repo = make_repo(tmp_path, FILES)
    question = {"question": "where is the retry backoff computed?", "repo": str(repo), "max_steps": 3}
    async with connect(tmp_path, explore_cache, "--model", "tiny-random", "--allow", str(repo)) as session:
        log = tmp_path / "server.log"
        # The cancel is sent once the call waits for the model (or, asked again, walks); on a
        # loaded machine the tiny model's short walk can end before the cancel reaches the
        # server, so the scene is played up to three times: a stop that never comes fails it.
        for _ in range(3):
            waiting = anyio.Event()

            async def progress(_done: float, _total: float | None, message: str | None) -> None:
                if (message or "").startswith(("loading the model", "walking the repository")):
                    waiting.set()

            async with anyio.create_task_group() as group:
                async def given_up() -> None:
                    await session.call_tool("ask", question, progress_callback=progress)

                group.start_soon(given_up)
                with anyio.fail_after(120):
                    await waiting.wait()
                group.cancel_scope.cancel()
            with anyio.move_on_after(20):
                while "stopped walking" not in log.read_text():
                    await anyio.sleep(0.05)
            if "stopped walking" in log.read_text():
                break
        assert f"stopped walking {repo.name}@" in log.read_text()
        answer = ok(await session.call_tool("ask", question)).structured_content
        assert ok(await session.call_tool("search", {"question": "retry", "repo": str(repo)})).structured_content
    from explore.serve import ExploreServer

    alone = ExploreServer(repo, model="tiny-random").ask(None, question["question"], 3)
    assert [s["action"] for s in answer["steps"]] == [s["action"] for s in alone["steps"]]
    assert answer["files"] == alone["files"]


def test_a_stopped_walk_stops_at_its_next_step(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """In process: a walk told to stop after its first decision ends there, counted and
    logged, and the server's next walk of the same question is the walk it gets alone."""
    import pytest

    from explore.serve import ExploreServer
    from explore.walk_stop import WalkStopped

    repo = make_repo(tmp_path, FILES)
    question = "where is the retry backoff?"
    alone = ExploreServer(repo, model="tiny-random").ask(None, question, 50)
    assert len(alone["steps"]) >= 3  # two decisions (the second ends it), long enough to be stopped between
    server = ExploreServer(repo, model="tiny-random")
    server.ask(None, "where is the config parsed?", 1)  # loads the model
    policy = server.open(None).explorer.policy
    with pytest.raises(WalkStopped) as stopped:
        server.ask(None, question, 50, stop=lambda: policy.decisions >= 1)
    assert stopped.value.steps == 1 and server.stopped == 1
    again = server.ask(None, question, 50)
    assert [s["action"] for s in again["steps"]] == [s["action"] for s in alone["steps"]]
    assert again["files"] == alone["files"] and server.stopped == 1


def test_a_repository_made_again_at_the_same_path_is_read_anew(tmp_path: Path, explore_cache: Path,
                                                                 make_repo) -> None:
    """The repository the server was started with is deleted and cloned (here: made) again
    at the same path: the next calls read the new one instead of failing on the old one's
    git objects ("a git repository with no commits"), and the old one's git processes end."""
    import shutil

    from explore.serve import ExploreServer

    repo = make_repo(tmp_path, FILES)
    server = ExploreServer(repo)
    assert "retry.py" in server.ls(None, "pkg")
    old = server._repository(None).git
    shutil.rmtree(repo)
    again = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n"}, name="again")
    again.rename(repo)
    assert "net.py" in server.ls(None, "lib")
    assert server.search(None, "where is a url fetched?", 1)["hits"][0]["path"] == "lib/net.py"
    assert not old.git.cat_file_all and not old.git.cat_file_header  # the old repository's `git cat-file`s ended


def test_a_server_asked_about_many_repositories_keeps_the_recent_ones_open(
        tmp_path: Path, explore_cache: Path, make_repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor's server lives for days and is asked about many folders: beyond
    MAX_OPEN_REPOSITORIES the least recently asked about is closed (its `git cat-file`s end,
    its snapshot is let go); the start repository stays, and a closed one opens again."""
    from explore import serve as module
    from explore.serve import ExploreServer

    monkeypatch.setattr(module, "MAX_OPEN_REPOSITORIES", 2)
    start = make_repo(tmp_path, FILES, name="start")
    server = ExploreServer(start)
    others = [make_repo(tmp_path, {f"lib/m{i}.py": f"def f{i}():\n    pass\n"}, name=f"r{i}") for i in range(3)]
    assert "m0.py" in server.ls(str(others[0]), "lib")
    first = server._repository(str(others[0])).git
    first.git.cat_file_header  # noqa: B018 - start its `git cat-file` process
    for repo in others[1:]:
        assert "m" in server.ls(str(repo), "lib")
    assert set(server._repos) == {start.resolve(), others[1].resolve(), others[2].resolve()}
    assert not first.git.cat_file_all and not first.git.cat_file_header  # its git processes ended
    assert all(key[0] != others[0].resolve() for key in server._open)
    assert "m0.py" in server.ls(str(others[0]), "lib")  # opened again when asked
    assert "retry.py" in server.ls(None, "pkg")
    gc.collect()
    assert not server._repo_locks  # no call holds one: a lock per path asked about is not kept


def blocked_flocks(path: Path) -> int:
    """How many ``flock`` requests on ``path`` wait for a lock someone else holds (Linux's /proc/locks)."""
    inode = path.stat().st_ino
    return sum(1 for line in Path("/proc/locks").read_text().splitlines()
               if "-> FLOCK" in line and line.split()[6].endswith(f":{inode}"))


@pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="sees the waiting opens in /proc/locks")
def test_a_repository_opening_slowly_holds_up_no_call_about_another(tmp_path: Path, explore_cache: Path,
                                                                    make_repo) -> None:
    """A large repository's first open (laying its commit out, walking its files) takes
    seconds to minutes; calls about another, already open repository go on meanwhile, and two
    calls about the large one open it once. The open is held in the middle, deterministically,
    by what `explore cache prune` holds while it removes a tree: the lease's exclusive lock."""
    import fcntl
    import threading

    from explore.serve import ExploreServer

    small = make_repo(tmp_path, FILES)
    big = make_repo(tmp_path, {f"pkg{i % 40}/mod{i}.py": f"def handler_{i}(event):\n    return event + {i}\n"
                               for i in range(2000)}, name="big")
    # Its commit laid out in the cache before, by another process: the tree this server leases.
    laid_out = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from explore.sandbox.snapshot import Repository;"
         " print(Path(Repository(sys.argv[1]).snapshot().root).parent)", str(big)],
        capture_output=True, text=True, check=True, env={**os.environ, "EXPLORE_CACHE": str(explore_cache)})
    lease = Path(laid_out.stdout.strip()) / "lease"
    server = ExploreServer(small)
    assert server.search(None, "where is the retry backoff?", 1)["hits"][0]["path"] == "pkg/retry.py"

    opened: list = []
    with open(lease, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        opening = [threading.Thread(target=lambda: opened.append(server.open(str(big)))) for _ in range(2)]
        for thread in opening:
            thread.start()
        deadline = time.monotonic() + 120  # a bound against hanging, not a speed check
        while not blocked_flocks(lease):  # the first open waits inside, the second waits for the first
            assert time.monotonic() < deadline, "the large repository's open never reached its tree"
            time.sleep(0.02)
        answered: list = []

        def about_the_small_one() -> None:
            answered.append(server.ls(None, "pkg"))
            answered.append(server.read(str(small), "pkg/retry.py"))
            answered.append(server.search(None, "where is the retry backoff?", 1))

        calls = threading.Thread(target=about_the_small_one, daemon=True)
        calls.start()
        calls.join(120)  # the large repository's open stays held until they end (or this bound)
        still_opening = [thread.is_alive() for thread in opening]
        waiting = blocked_flocks(lease)
    for thread in opening:
        thread.join(120)
    assert len(answered) == 3, "calls about an open repository waited for another one's first open"
    assert "retry.py" in answered[0] and "def backoff" in answered[1]
    assert answered[2]["hits"][0]["path"] == "pkg/retry.py"
    assert still_opening == [True, True] and waiting == 1  # one open of the large one at a time
    assert len(opened) == 2 and opened[0] is opened[1]  # opened once, for both calls
    assert "pkg0/" in server.ls(str(big))


async def test_a_socket_that_cannot_be_bound_leaves_stdio_serving(tmp_path: Path, explore_cache: Path,
                                                                 make_repo) -> None:
    """``--socket`` where the socket cannot be put (here its folder is group-writable, so a
    socket there could be swapped): MCP on stdio is served all the same, and stderr says once
    why `explore ask` is not handed over. With ``--no-stdio`` there would be nothing to
    serve: that fails, exit 2, with the same reason. A group-writable cache folder (what a
    umask of 002 makes, Ubuntu's default) is no reason: the socket's own folder is private."""
    from explore.handoff import socket_path

    repo = make_repo(tmp_path, FILES)
    explore_cache.chmod(0o775)
    async with connect(tmp_path, explore_cache, str(repo), "--socket", log="umask.log") as session:
        assert "retry.py" in text(ok(await session.call_tool("ls", {"path": "pkg"})))
    log = (tmp_path / "umask.log").read_text()
    assert "answering `explore ask` on" in log and "not this user's alone" not in log, log
    assert stat.S_IMODE(socket_path().parent.stat().st_mode) == 0o700
    socket_path().parent.chmod(0o775)
    async with connect(tmp_path, explore_cache, str(repo), "--socket") as session:
        assert "retry.py" in text(ok(await session.call_tool("ls", {"path": "pkg"})))
        assert ok(await session.call_tool("search", {"question": "retry backoff"})).structured_content["hits"]
    log = (tmp_path / "server.log").read_text()
    assert log.count("is not this user's alone") == 1 and "serving MCP on stdio" in log, log
    assert "another explore server" not in log, log  # it is not: the socket could not be put
    assert "Traceback" not in log and not socket_path().exists()
    alone = CliRunner().invoke(app, ["serve", str(repo), "--socket", "--no-stdio"])
    assert alone.exit_code == 2 and "is not this user's alone" in alone.output, alone.output


async def test_long_folders_page_and_names_that_are_not_utf8_come_back_readable(tmp_path: Path, explore_cache: Path,
                                                                                 make_repo) -> None:
    """Over MCP a folder of more entries than a page showed only its first page (the hint
    named an argument the tool did not take); a hit whose name holds a byte that is not
    UTF-8 failed the whole search with no message; hints named `cd`, which MCP has not."""
    from explore.tools.workspace import LS_LIMIT

    files = {f"many/m{i:03d}.py": "x = 1\n" for i in range(LS_LIMIT + 5)}
    files["caf\udcff_retry.py"] = "def retry_backoff(attempts):\n    return 2 ** attempts\n"
    files["new\nline_sleep.py"] = "def sleep_jitter(seconds):\n    return seconds * 1.1\n"
    repo = make_repo(tmp_path, files)
    async with connect(tmp_path, explore_cache, str(repo)) as session:
        first = text(ok(await session.call_tool("ls", {"path": "many"})))
        assert first.splitlines()[-1].endswith("next: ls many --page 2)")
        second = text(ok(await session.call_tool("ls", {"path": "many", "page": 2})))
        assert "page 2 of 2" in second and f"m{LS_LIMIT + 4:03d}.py" in second and "m000.py" not in second
        refused(await session.call_tool("ls", {"path": "many", "page": 3}), "there is no page 3")
        refused(await session.call_tool("read", {"path": "many"}), "is a folder; use ls many")
        refused(await session.call_tool("read", {"path": "many/m000.py", "line": 9}), "no line 9")

        hits = ok(await session.call_tool("search", {"question": "retry backoff attempts", "k": 3}))
        name = hits.structured_content["hits"][0]["path"]
        assert name == "'caf\\udcff_retry.py'"  # escaped as a listing shows it, and read takes it back
        assert "def retry_backoff" in text(ok(await session.call_tool("read", {"path": name})))
        assert name in text(ok(await session.call_tool("ls", {})))
        # a newline in a name: quoted as the listing shows it (it came back raw, one entry on two lines)
        hits = ok(await session.call_tool("search", {"question": "sleep jitter seconds", "k": 3}))
        name = hits.structured_content["hits"][0]["path"]
        assert name == "'new\\nline_sleep.py'" and name in text(ok(await session.call_tool("ls", {})))
        assert "def sleep_jitter" in text(ok(await session.call_tool("read", {"path": name})))


def test_a_stdio_server_without_a_socket_exits_143_on_sigterm(tmp_path: Path, make_repo) -> None:
    """SIGTERM (what an editor sends the MCP server it started) stops a stdio-only server at
    once with SIGTERM's status, as it does one with a socket: it unwinds as Ctrl-C does, so
    it reported 130, an interrupt."""
    import signal

    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    log = tmp_path / "server.log"
    with open(log, "w") as errlog:
        proc = subprocess.Popen([str(EXPLORE), "serve", str(repo), "--model", "tiny-random"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=errlog,
                                env={**os.environ, "EXPLORE_CACHE": str(tmp_path / "cache")})
    try:
        deadline = time.monotonic() + 60
        while "serving MCP on stdio" not in log.read_text() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # the SDK's reader is blocked on stdin by now
        assert proc.poll() is None, log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 143, log.read_text()
        assert "Traceback" not in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(60)
        proc.stdin.close()


async def test_a_sparse_working_tree_is_said_by_search_over_mcp(tmp_path: Path, explore_cache: Path,
                                                                make_repo) -> None:
    """`explore serve --worktree` on a sparse checkout ranked the files present and said
    nothing of those outside it (the CLI's `search --worktree` said so, MCP did not): the
    tool's answer now carries the note, and only where the checkout is sparse."""
    import subprocess

    repo = make_repo(tmp_path, FILES)
    async with connect(tmp_path, explore_cache, str(repo), "--worktree") as session:
        whole = ok(await session.call_tool("search", {"question": "retry backoff usage"})).structured_content
    subprocess.run(["git", "-C", str(repo), "sparse-checkout", "set", "pkg"], check=True, capture_output=True)
    async with connect(tmp_path, explore_cache, str(repo), "--worktree", log="sparse.log") as session:
        sparse = ok(await session.call_tool("search", {"question": "retry backoff usage"})).structured_content
    assert whole["notes"] == [] and any(h["path"] == "docs/usage.md" for h in whole["hits"])
    assert any("sparse checkout" in n for n in sparse["notes"])
    assert not any(h["path"] == "docs/usage.md" for h in sparse["hits"])


def raw_stdio(tmp_path: Path, repo: Path, lines: str, n: int) -> tuple[list, str]:
    """``explore serve REPO`` sent ``lines`` on stdin as they are (no SDK client: it writes
    only what it can validate): its first ``n`` replies (None for one that never came), read
    before stdin closes, and its log; the server must then exit 0."""
    import threading

    log = tmp_path / "server.log"
    with open(log, "w") as errlog:
        proc = subprocess.Popen([str(EXPLORE), "serve", str(repo), "--model", "tiny-random"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=errlog, text=True,
                                env={**os.environ, "EXPLORE_CACHE": str(tmp_path / "cache")})
    watchdog = threading.Timer(120, proc.kill)  # a reply that never comes fails the test, never hangs it
    watchdog.start()
    try:
        proc.stdin.write(lines)
        proc.stdin.flush()
        replies = [json.loads(proc.stdout.readline() or "null") for _ in range(n)]  # answered before stdin closes
        proc.stdin.close()
        assert proc.wait(60) == 0, log.read_text()
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait(60)
    return replies, log.read_text()


def test_a_line_that_is_no_json_rpc_message_is_answered_with_its_error_and_calls_are_logged(tmp_path: Path, make_repo) -> None:
    """A line that is not JSON gets JSON-RPC's parse error (-32700), JSON that is no message
    an invalid request (-32600), both with id null; an empty line nothing; the session goes
    on. The SDK dropped such lines without a word, and a client waiting for an answer waited."""
    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    calls = [{"jsonrpc": "2.0", "method": "notifications/initialized"},
             {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
              "params": {"name": "search", "arguments": {"question": "compute the backoff"}}},
             {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
              "params": {"name": "ask", "arguments": {"question": "The backoff grows forever"}}},
             # a request whose id no request may have was taken for a notification and never answered
             {"jsonrpc": "2.0", "id": None, "method": "tools/list"},
             # a NUL in `repo` was pathlib's ValueError: "Error executing tool ls", and a traceback in the log
             {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
              "params": {"name": "ls", "arguments": {"repo": str(repo) + "\x00"}}},
             # valid JSON escaping a lone surrogate (json.dumps of a name with an undecodable byte) was
             # answered -32700 with id null, so the client never heard of its request again
             {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
              "params": {"name": "search", "arguments": {"question": "compute the backoff caf\udcff"}}}]
    # a call before `initialize` was "Invalid request parameters", which sent its author looking for a bad argument
    early = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "ls", "arguments": {}}}
    lines = f'not json\n\n[1, 2]\n{json.dumps(early)}\n{json.dumps(hello)}\n' + "".join(json.dumps(c) + "\n" for c in calls)
    replies, said = raw_stdio(tmp_path, repo, lines, 9)
    assert sorted([(r["id"] or 0, r.get("error", {}).get("code")) for r in replies], key=str) == \
        sorted([(0, -32700), (0, -32600), (0, -32600), (1, None), (2, None), (3, None), (4, None), (5, None),
                (9, -32600)], key=str), replies
    assert "before the session is initialized" in next(r for r in replies if r["id"] == 9)["error"]["message"]
    lone = next(r for r in replies if r["id"] == 5)["result"]
    assert not lone["isError"] and lone["structuredContent"]["hits"][0]["path"] == "retry.py", lone
    assert replies[0]["id"] is None and replies[3]["result"]["serverInfo"]["name"] == "explore"
    assert any("'tools/list' is a request: give it an id" in r.get("error", {}).get("message", "") for r in replies)
    nul = next(r for r in replies if r["id"] == 4)["result"]
    assert nul["isError"] and "cannot hold a NUL byte" in nul["content"][0]["text"], nul
    assert "is not JSON: answered -32700" in said and "Traceback" not in said, said
    # and each tool call is a line of the server's log, as a terminal's question is
    assert "answered MCP `search` on repo@" in said and "answered MCP `ask` on repo@" in said, said


async def test_a_home_relative_repo_is_judged_where_it_leads(tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """`~/.ssh` is judged as the home folder it opens, not as a folder named `~` under the
    server's working folder (an editor starts the server in the project: that passed, and
    the key was read)."""
    repo = make_repo(tmp_path, FILES)
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("PRIVATE KEY\n")
    async with connect(tmp_path, explore_cache, str(repo), cwd=repo, env={"HOME": str(home)}) as session:
        for tool, args in (("read", {"path": "id_rsa"}), ("ls", {})):
            message = refused(await session.call_tool(tool, {"repo": "~/.ssh", **args}), "is outside the folders")
            assert "PRIVATE KEY" not in message and f"--allow {home / '.ssh'}" in message, message
        assert "retry.py" in text(ok(await session.call_tool("ls", {"repo": "pkg"})))


async def test_an_adapter_fit_of_another_repository_ranks_only_its_own(tmp_path: Path, explore_cache: Path,
                                                                       make_repo) -> None:
    """One `--adapter` folder serves every repository, and its fit is one repository's: the
    others were ranked with it (and, once a fit could be told apart, every call about them
    failed); they get the shipped stage now, and each answer says so."""
    import shutil

    from explore.agent.bundle import COMBINER_FILE, history_roots, shipped_adapters
    from explore.retrieval.combiner import FEATURES, Combiner

    repo = make_repo(tmp_path, FILES)
    other = make_repo(tmp_path, {"lib/net.py": "def fetch(url):\n    return url\n"}, name="other")
    bundle = tmp_path / "bundle"
    shutil.copytree(shipped_adapters()["policy"], bundle / "policy")
    (bundle / COMBINER_FILE).write_text(json.dumps(Combiner({f: 0.0 for f in FEATURES} | {"file_score": 1.0}).to_dict()))
    (bundle / "summary.json").write_text(json.dumps({"repo": str(repo), "retriever": {"roots": history_roots(repo)}}))
    async with connect(tmp_path, explore_cache, str(repo), "--adapter", str(bundle), "--allow", str(other)) as session:
        theirs = ok(await session.call_tool("search", {"question": "fetch a url", "repo": str(other)}))
        assert theirs.structured_content["hits"][0]["path"] == "lib/net.py"
        assert any("ranked with the shipped candidate stage" in n and str(repo) in n
                   for n in theirs.structured_content["notes"]), theirs.structured_content
        mine = ok(await session.call_tool("search", {"question": "retry backoff"}))
        assert not any("shipped candidate stage" in n for n in mine.structured_content["notes"])


async def test_a_call_cancelled_during_its_last_step_is_logged(caplog) -> None:
    """A cancel that lands while a walk makes its one decision: the walk ends normally, the call
    ends with the cancel, and the log said nothing of it (the README: a cancelled walk is logged)."""
    import logging
    import threading

    import anyio
    import pytest
    from mcp.server.mcpserver.exceptions import ToolError

    from explore.mcp_server import until_cancelled

    began, release = threading.Event(), threading.Event()

    def one_decision(_stop) -> dict:
        began.set()
        release.wait(10)  # deaf to the stop: the step under way ends as it would
        return {"files": ["a.py"]}

    async def cancel_while_deciding() -> None:
        async with anyio.create_task_group() as group:
            async def call() -> None:
                with pytest.raises(ToolError, match="cancelled"):
                    await until_cancelled(one_decision)

            group.start_soon(call)
            while not began.is_set():
                await anyio.sleep(0.01)
            group.cancel_scope.cancel()
            release.set()

    with caplog.at_level(logging.INFO, logger="explore"):
        await cancel_while_deciding()
    assert "a cancelled call answered before it could stop" in caplog.text, caplog.text


def test_a_server_without_its_model_answers_what_needs_no_walk(tmp_path: Path, explore_cache: Path, make_repo,
                                                                monkeypatch) -> None:
    """Offline with no model cached, every `ask` through `explore serve` (MCP or the socket)
    failed with the download's error, a config question and a bare name too, which `explore
    ask --no-server` answered at once: the server loaded the model before asking. Now they
    are answered; a walk is refused, saying why (pip is kept off the network here)."""
    import pytest

    from explore.sandbox.errors import ExploreError
    from explore.serve import ExploreServer

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path, {"pyproject.toml": "[project]\nname = 'retry'\nrequires-python = '>=3.9'\n",
                                "pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    server = ExploreServer(repo)
    for question in ("what does pyproject.toml set?", "backoff"):
        answer = server.ask(None, question)
        assert answer["files"] and not answer["steps"], answer
    with pytest.raises(ExploreError, match="needs a walk, and the server could not load its model"):
        server.ask(None, "where is the retry backoff computed?", walk="always")


def test_a_tool_error_naming_a_path_that_is_not_utf8_is_answered_and_the_session_goes_on(tmp_path: Path,
                                                                                        make_repo) -> None:
    """A client may send a name with an undecodable byte as JSON's `\\udcff` escape (the
    server reads it so). An error that echoed it (no such file, a repository outside the
    folders allowed, a misspelt argument) could not be written as JSON: the server's stdout
    writer died, the call was never answered and every later one neither."""
    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n"})
    hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    calls = [("read", {"path": "caf\udcff.py"}), ("ls", {"repo": str(tmp_path / "caf\udcff")}),
             ("ls", {"path": ".", "caf\udcff": 1}), ("search", {"question": "compute the backoff"})]
    lines = json.dumps(hello) + "\n" + json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n" + \
        "".join(json.dumps({"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": name, "arguments": a}})
                + "\n" for n, (name, a) in enumerate(calls, start=2))
    answered, said = raw_stdio(tmp_path, repo, lines, len(calls) + 1)
    replies = {r["id"]: r for r in answered if r}
    assert sorted(replies) == [1, 2, 3, 4, 5], (replies, said)
    for n, said in ((2, "no such file 'caf\\udcff.py'"), (3, "caf\\udcff"), (4, "caf\\udcff: no such argument")):
        result = replies[n]["result"]
        assert result["isError"] and said in result["content"][0]["text"], result
    assert replies[5]["result"]["structuredContent"]["hits"][0]["path"] == "retry.py"
    assert "Traceback" not in said


async def test_progress_naming_a_repository_that_is_not_utf8_is_sent_and_the_session_goes_on(
        tmp_path: Path, explore_cache: Path, make_repo) -> None:
    """An `ask` that indexes a folder whose name holds a byte that is not UTF-8 says so in a
    progress notification; its text could not be written as JSON, the server's stdout writer
    died, and neither that call nor any later one was answered."""
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"},
                     name=os.fsdecode(b"caf\xff"))
    said: list[str] = []

    async def heard(_progress: float, _total: float | None, message: str | None) -> None:
        said.append(message or "")

    async with connect(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as session:
        asked = {"question": "where is the retry backoff computed?", "repo": "pkg"}  # a folder the warm-up never indexed
        answer = ok(await asyncio.wait_for(session.call_tool("ask", asked, progress_callback=heard), 120))
        assert answer.structured_content["files"] == ["retry.py"]
        assert "pkg/" in text(ok(await asyncio.wait_for(session.call_tool("ls", {}), 60)))  # the session goes on
    assert any(m.startswith("indexing caf\\udcff/pkg (working tree)") for m in said), said


async def test_search_of_a_clone_lacking_a_file_named_not_in_utf8_says_so(tmp_path: Path, explore_cache: Path,
                                                                         make_repo, git) -> None:
    """A commit some of whose files the clone lacks is searched without them, and `search`'s
    notes name them; a name with a byte that is not UTF-8 failed the whole call with
    "Error executing tool search" and nothing more (its result could not be made JSON),
    where `ask` answered."""
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n",
                                os.fsdecode(b"caf\xff.txt"): "left out by a mirror\n"})
    blob = git(repo, "rev-parse", "HEAD:" + os.fsdecode(b"caf\xff.txt")).strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the test's own clone, made to lack it
    async with connect(tmp_path, explore_cache, str(repo), "--model", "tiny-random") as session:
        found = ok(await session.call_tool("search", {"question": "where is the retry backoff computed?"}))
        assert found.structured_content["hits"][0]["path"] == "pkg/retry.py"
        assert any("clone lacks" in n and "caf\\udcff.txt" in n for n in found.structured_content["notes"]), found
