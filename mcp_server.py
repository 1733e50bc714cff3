"""The MCP face of `explore serve`: the tools' schemas, descriptions and instructions, the
limits on their input, the progress notifications, and MCP tool errors for the CLI's errors.

:class:`~explore.serve.ExploreServer` holds the state and does the work; :func:`build`
puts its ``ask``, ``search``, ``ls`` and ``read`` on an :class:`MCPServer`, each tool a
thin call that turns an :class:`~explore.sandbox.errors.ExploreError` into a tool error
the client's model can read and act on.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import PARSE_ERROR, ToolAnnotations
from pydantic import Field, ValidationError
from pydantic.json_schema import SkipJsonSchema
from typing_extensions import TypedDict

from ._version import __version__
from .question_text import not_utf8_at
from .agent.ask_input import EvidenceOut
from .sandbox.errors import ExploreError, PathRefused
from .tools.arguments import Count, invalid_arguments
from .tools.workspace import show_dir, shown, text_out
from .walk_stop import WalkStopped

log = logging.getLogger("explore.serve")

if TYPE_CHECKING:
    from .sandbox.snapshot import Snapshot
    from .serve import ExploreServer

#: Most files ``search`` returns (as the CLI's ``-k``), and most steps one ``ask`` may take
#: (as the CLI's ``--max-steps``).
MAX_K = 100
MAX_STEPS = 50

INSTRUCTIONS = (
    "explore answers questions about a code repository by walking it with a small local model. "
    "Use `ask` for 'where is X implemented / configured / documented?': it names the file(s) and "
    "the evidence lines. `search` gives the ranked candidate files without walking (fast). "
    "`ls` and `read` show folders and numbered file windows. Paths are repository-relative; "
    "the repository is only ever read."
)

RepoParam = Annotated[str | None, Field(
    description="Path of the repository (a git repository or a plain folder) on this machine, inside the "
                "folders the server answers about (the one it was started with, and those its --allow names); "
                "leave out (or give an empty string) to use the one the server was started with.")]
QuestionParam = Annotated[str, Field(
    description="The question, e.g. 'where is the retry back-off computed?'; an error message or "
                "a traceback works too.")]


class StepOut(TypedDict):
    action: str
    reflection: str
    seconds: float


class AskOut(TypedDict):
    snapshot: str
    """Which repository state was walked (``name@commit`` or ``name (working tree)``)."""
    answered: bool
    """Whether a file answers (``files[0]``, with ``evidence[0]``); false: no file matches
    the question, and ``notes`` says why."""
    files: list[str]
    evidence: list[EvidenceOut]
    answer: str
    steps: list[StepOut]
    seconds: float
    finished: bool
    notes: list[str]
    model: str


class HitOut(TypedDict):
    path: str
    score: float
    why: list[str]


class SearchOut(TypedDict):
    snapshot: str
    hits: list[HitOut]
    notes: list[str]
    """What the ranking could not see (a sparse checkout's files outside it)."""


class _Server(MCPServer):
    """The SDK's server, but a call whose arguments fail validation is answered in a line the
    calling model can fix its call from (``ask: invalid arguments (question: Field
    required)``), as the LangChain tools answer it, not with pydantic's report and its URLs."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        tool = self._tool_manager.get_tool(name)
        if tool is not None and isinstance(arguments, dict):
            unknown = sorted(set(arguments) - _argument_names(tool))
            if unknown:  # a misspelt argument was dropped silently, its default taken instead
                shown_names = ", ".join(tool.parameters.get("properties", {}))
                raise ToolError(text_out(f"{name}: invalid arguments ("
                                         + "; ".join(f"{key}: no such argument" for key in unknown)
                                         + f"; {name} takes {shown_names})"))
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(text_out(invalid_arguments(name, exc.__cause__))) from exc.__cause__
            # it echoes a path sent with an undecodable byte (`"caf\\udcff.py"`), which JSON cannot carry:
            if not_utf8_at(str(exc)) is not None:  # the writer died, the call unanswered
                raise ToolError(text_out(str(exc))) from exc
            raise

    async def run_stdio_async(self) -> None:
        """The SDK's stdio loop, but a line that is not JSON is answered with JSON-RPC's parse
        error (-32700), and JSON that is no JSON-RPC message with an invalid request (-32600),
        both with ``id`` null: the SDK dropped such a line without a word, and a client
        waiting for its answer waited for ever."""
        from mcp.server.stdio import stdio_server
        from mcp.shared.message import SessionMessage

        lowlevel = getattr(self, "_lowlevel_server", None)
        if lowlevel is None:  # an SDK laid out otherwise: its own loop, which drops such lines
            return await super().run_stdio_async()
        async with stdio_server() as (read_stream, write_stream):
            send, receive = anyio.create_memory_object_stream[Any](0)

            accepted = False  # as the SDK gates requests: an `initialize` request or the initialized notification

            async def answer_bad_lines() -> None:
                nonlocal accepted
                async with send:
                    async for item in read_stream:
                        method, request_id = _method_and_id(item)
                        if method in ("initialize", "notifications/initialized"):
                            accepted = True
                        elif not accepted and request_id is not None and method != "ping" \
                                and lowlevel.get_request_handler(method) is not None:
                            # the SDK answered "Invalid request parameters", and a client's author looked
                            # for a bad argument that was not there
                            await write_stream.send(SessionMessage(not_initialized_error(request_id, method)))
                            continue
                        if isinstance(item, Exception):
                            if _blank(item):
                                continue  # an empty line between messages asks nothing
                            if (lenient := _surrogate_json(item)) is not None:
                                # JSON escaping a lone surrogate (`"\\udcff"`: how json.dumps writes a file
                                # name's undecodable byte): valid JSON the SDK's strict parse refused
                                await send.send(SessionMessage(lenient))
                                continue
                            error = bad_line_error(item)
                            log.warning("a line from the MCP client that %s: answered %d",
                                        "is not JSON" if error.error.code == PARSE_ERROR else
                                        "is no JSON-RPC message", error.error.code)
                            await write_stream.send(SessionMessage(error))
                        elif (method := _request_without_id(item)) is not None:
                            # `"id": null`, `1.5`, `{}`: read as a notification, dropped without a word
                            await write_stream.send(SessionMessage(request_without_id_error(method)))
                        else:
                            await send.send(item)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(answer_bad_lines)
                await lowlevel.run(receive, write_stream, lowlevel.create_initialization_options())
                tasks.cancel_scope.cancel()


def _argument_names(tool: Any) -> set[str]:
    """The argument names ``tool`` accepts: those its schema shows and those it takes unshown."""
    return {field.alias or name for name, field in tool.fn_metadata.arg_model.model_fields.items()}


def bad_line_error(exc: Exception) -> Any:
    """The JSON-RPC error answering a line the transport could not read as a message:
    -32700 when it is not JSON, -32600 when it is JSON but no request, notification or response."""
    from mcp.types import INVALID_REQUEST, ErrorData, JSONRPCError

    not_json = isinstance(exc, ValidationError) and any(e.get("type") == "json_invalid" for e in exc.errors())
    code, message = (PARSE_ERROR, "Parse error: the line is not JSON") if not_json else \
        (INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 request, notification or response")
    return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(code=code, message=message))


def _request_without_id(item: Any) -> str | None:
    """The method of a message that names a request's method (``tools/list``) but carries no
    id a request may have (none, null, a float, an object), which the SDK took for a notification;
    None for anything else. MCP's notifications are all named ``notifications/…``."""
    from mcp.types import JSONRPCNotification

    message = getattr(item, "message", None)
    message = getattr(message, "root", message)
    if isinstance(message, JSONRPCNotification) and not message.method.startswith("notifications/"):
        return message.method
    return None


def request_without_id_error(method: str) -> Any:
    """JSON-RPC's invalid request (-32600, ``id`` null) for :func:`_request_without_id`."""
    from mcp.types import INVALID_REQUEST, ErrorData, JSONRPCError

    return JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(
        code=INVALID_REQUEST, message=f"Invalid Request: {method!r} is a request: give it an id, a string or an "
                                      "integer (without one it is a notification, which is never answered)"))


def _method_and_id(item: Any) -> tuple[str | None, Any]:
    """The method a request or notification names and a request's id (None for the rest)."""
    from mcp.types import JSONRPCNotification, JSONRPCRequest

    message = getattr(item, "message", None)
    message = getattr(message, "root", message)
    if isinstance(message, JSONRPCRequest):
        return message.method, message.id
    if isinstance(message, JSONRPCNotification):
        return message.method, None
    return None, None


def not_initialized_error(request_id: Any, method: str) -> Any:
    """JSON-RPC's invalid request (-32600) for a request sent before the session's ``initialize``."""
    from mcp.types import INVALID_REQUEST, ErrorData, JSONRPCError

    return JSONRPCError(jsonrpc="2.0", id=request_id, error=ErrorData(
        code=INVALID_REQUEST, message=f"Invalid Request: {method!r} before the session is initialized: send "
                                      "`initialize` first (then the `notifications/initialized` notification)"))


def _surrogate_json(exc: Exception) -> Any:
    """The JSON-RPC message of a line the SDK refused only for escaping a lone UTF-16
    surrogate (``"caf\\udcff.py"``), read as Python's json module reads it (a file name with
    an undecodable byte, as ``os.fsdecode`` gives it); None for any other failed line."""
    import json

    from mcp import types

    if not isinstance(exc, ValidationError):
        return None
    lines = [e.get("input") for e in exc.errors() if e.get("type") == "json_invalid"]
    if len(lines) != 1 or not isinstance(lines[0], (str, bytes)) or "\\ud" not in (
            lines[0] if isinstance(lines[0], str) else lines[0].decode("utf-8", "replace")).lower():
        return None
    try:
        return types.jsonrpc_message_adapter.validate_python(json.loads(lines[0]), by_name=False)
    except (ValueError, ValidationError):
        return None


def _blank(exc: Exception) -> bool:
    """Whether the line that failed was only white space."""
    return isinstance(exc, ValidationError) and any(
        isinstance(e.get("input"), (str, bytes)) and not e["input"].strip() for e in exc.errors())


def build(state: ExploreServer) -> MCPServer:
    """An :class:`MCPServer` whose four tools call ``state`` (the CLI's words for errors)."""
    server: MCPServer = _Server("explore", instructions=INSTRUCTIONS, version=__version__,
                                log_level="WARNING")
    # The SDK puts a handler on the root logger; libraries that set their own logger to
    # DEBUG (bm25s does) would then fill the client's log with every index build.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.WARNING)
    reads = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=reads)
    async def ask(
        question: QuestionParam,
        repo: RepoParam = None,
        max_steps: Annotated[Count | None, Field(
            description=f"Most steps of the walk (1–{MAX_STEPS}); default: the server's.")] = None,
        walk: Annotated[Literal["auto", "always"], Field(
            description="auto: walk only where the walk can change the answer (a question about code that "
                        "asks for no docs or config file is answered from the candidate stage and BM25 at "
                        "once); always: walk every question.")] = "auto",
        ctx: Context | None = None,
    ) -> AskOut:
        """Answer a question about a repository by walking it (list, read, answer), or, where the
        walk cannot change the answer, from the candidate stage at once: returns the file(s)
        that hold the answer, best first, the evidence lines, and the steps taken."""
        result = await until_cancelled(lambda stop: as_tool_error(
            lambda: state.ask(state.client_repo(repo), question, max_steps, progress_reporter(ctx, stop), stop, walk)))
        log.info("answered MCP `ask` on %s in %.2f s", result.get("snapshot", "?"), result.get("seconds", 0.0))
        return result

    @server.tool(annotations=reads)
    def search(
        question: QuestionParam,
        repo: RepoParam = None,
        k: Annotated[Count, Field(description=f"How many files (1–{MAX_K}).")] = 10,
    ) -> SearchOut:
        """The files most likely to hold the answer, ranked without walking (lexical, code-unit,
        symbol, path and commit-history evidence, fused), each with its score and which rankings placed it."""
        started = time.perf_counter()
        result = as_tool_error(lambda: state.search(state.client_repo(repo), question, k))
        log.info("answered MCP `search` on %s in %.2f s", result.get("snapshot", "?"), time.perf_counter() - started)
        return result

    @server.tool(annotations=reads, structured_output=False)
    def ls(
        repo: RepoParam = None,
        path: Annotated[str, Field(description="Folder, relative to the repository root.")] = ".",
        page: Annotated[Count, Field(description="Which page of a folder of many entries (a listing that "
                                               "goes on says `--page N`: pass N here).")] = 1,
    ) -> str:
        """List a folder of the repository: folders first, then files with their sizes; a long
        folder a page at a time."""
        return as_tool_error(lambda: state.ls(state.client_repo(repo), path, page))

    @server.tool(annotations=reads, structured_output=False)
    def read(
        path: Annotated[str, Field(description="File, relative to the repository root.")],
        repo: RepoParam = None,
        line: Annotated[Count | None, Field(description="First line to show (default 1).")] = None,
        start_line: Annotated[SkipJsonSchema[Count | None], Field(description="The same as `line` (the LangChain "
                                                                          "read tool's name): taken, not shown.")] = None,
    ) -> str:
        """Read 80 numbered lines of a file, from `line`; says how to read on when there is more."""
        def read() -> str:
            if line is not None and start_line is not None and line != start_line:
                raise ExploreError(f"line {line} and start_line {start_line} name two lines; give one")
            return state.read(state.client_repo(repo), path, line if line is not None else start_line)

        return as_tool_error(read)

    for tool in server._tool_manager.list_tools():  # the schemas say what call_tool refuses
        tool.parameters["additionalProperties"] = False
    return server


def progress_reporter(ctx: Context | None, stop: Callable[[], bool] = lambda: False) -> Callable[[str], None] | None:
    """``say`` for a tool running on the SDK's worker thread: each message becomes an MCP
    progress notification (sent when the client asked for progress; a no-op otherwise). A
    client gone meanwhile costs the notification, never the answer; once ``stop()`` (the
    call was cancelled) nothing is sent: the client may be gone, and its pipe with it."""
    if ctx is None:
        return None
    count = [0]

    def say(text: str) -> None:
        if stop():
            return
        count[0] += 1
        try:
            # text_out: a repository's name with a byte that is not UTF-8 killed the session's writer
            anyio.from_thread.run(ctx.report_progress, count[0], None, text_out(text))
        except Exception:  # noqa: BLE001 - progress is best effort
            pass

    return say


async def until_cancelled(work: Callable[[Callable[[], bool]], Any]) -> Any:
    """``work(stop)`` on a worker thread, where ``stop()`` turns true when this call is
    cancelled: the client cancelled it, or went away (the session then cancels whatever is
    in flight). The call waits for the work to end — a walk stops at its next step,
    :class:`~explore.walk_stop.WalkStopped` — instead of leaving it running unseen.

    A cancelled call ends with a tool error, not with the cancellation: the SDK then writes
    nothing (the peer cancelled, or the write is cancelled with the session), where a
    cancellation would have it write a last "connection closed" reply into the pipe of a
    client that is gone, which fails the server."""
    stop, ended = threading.Event(), threading.Event()
    outcome: list[str] = []

    def stoppable() -> Any:
        try:
            result = work(stop.is_set)
            outcome.append("answered")
            return result
        except WalkStopped:  # the server logs where it stopped
            return WalkStopped
        except BaseException:
            outcome.append("failed")
            raise
        finally:
            ended.set()

    try:
        result = await anyio.to_thread.run_sync(stoppable, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        stop.set()
        with anyio.CancelScope(shield=True):
            while not ended.is_set():
                await anyio.sleep(0.02)
        if outcome:  # it ended before its next step could stop it (its one decision): logged all the same
            log.info("a cancelled call %s before it could stop: nothing was sent", outcome[0])
        raise ToolError("the question was cancelled") from None
    if result is WalkStopped:  # stopped by the call's own end: cannot happen, said anyway
        raise ToolError("the question was cancelled")
    return result


def as_tool_error(method: Any, *args: Any) -> Any:
    """Call ``method``; an error that is the caller's to fix becomes an MCP tool error with
    the text the CLI would print, so the client's model can read it and try again."""
    try:
        return method(*args)
    except ExploreError as exc:
        raise ToolError(str(exc)) from None
    except OSError as exc:  # the repository changed or vanished under us, a folder it cannot read
        log.warning("a tool call failed reading the disk", exc_info=True)
        where = f" ({text_out(str(exc.filename))})" if exc.filename else ""
        raise ToolError(f"could not read the repository: {exc.strerror or exc}{where}") from None


def path_out(path: str) -> str:
    """A repository path as a tool result holds it: as is, or, when it holds a newline, a
    control character or a byte that is not UTF-8 (kept as a lone surrogate, which JSON
    cannot carry), escaped in quotes as the listing shows it (``'new\\nline.py'``,
    ``'caf\\udcff.py'``) — the form ``read`` and ``ls`` take back."""
    return shown(path)


def refused_as_error(verb: str, snapshot: Snapshot, path: str, output: str) -> str:
    """``output`` of the workspace's ``ls``/``read``, or a tool error when it is a refusal.

    The workspace returns refusals as text (``read: '../x' is outside the repository``), for
    an agent mid-walk; an MCP client should see them flagged as errors. A refusal starts
    with ``verb:``; a result starts with the resolved path's name, which may itself begin
    like that (a file named ``read: x``), so the path is resolved the same way to tell.
    """
    if not output.startswith(f"{verb}: "):
        return output
    try:
        rel = snapshot.resolve("", path).rel
    except PathRefused:
        raise ExploreError(output) from None
    name = show_dir(rel) if verb == "ls" else shown(rel)
    if name and output.startswith(name):  # the root's name is "": every output starts with it
        return output
    raise ExploreError(output)
