"""`explore serve`: the agent and its tools for editors and coding agents, over the Model
Context Protocol on stdio.

A fresh ``explore ask`` pays seconds of imports and a model load before its first step; a
server pays them once and then only the walk. Four tools, each a thin front end over what
the CLI calls (no logic of its own):

* ``ask`` — :meth:`Explorer.ask`: the files, the evidence lines, the walk;
* ``search`` — the candidate stage (:func:`~explore.retrieval.retriever.retriever_for`):
  the top files with their scores and which rankings placed them;
* ``ls`` and ``read`` — :class:`~explore.tools.workspace.Workspace`, so paths are confined
  exactly as the agent's own tools confine them.

``repo`` may be left out when the server was started with a default repository. Every call
checks where the repository stands (its HEAD, or with ``--worktree`` its working tree) and
opens a fresh snapshot when it moved; per repository only the newest snapshot is kept, with
its index and its :class:`Explorer`, each made on first use. One model is loaded, by the
first ``ask``, and shared by every repository's explorer. Errors the CLI would print
(a missing repository, a refused path, bad input) come back as MCP tool errors with the
same text; the server keeps serving. Nothing writes into a repository: snapshots and
indexes live in the cache, as for the CLI.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field
from typing_extensions import TypedDict

from . import __version__
from .agent.bundle import fitted_retriever
from .agent.env import EnvConfig
from .agent.explorer import DecisionPolicy, EmptyQuestion, Explorer, NoteWriter
from .sandbox.errors import ExploreError, PathRefused, RepoNotFound
from .sandbox.index import Index
from .sandbox.snapshot import Repository, Snapshot
from .tools.workspace import Workspace, show_dir, shown

#: Longest question taken, in characters. A question is matched against every file, so a
#: pasted megabyte would tie up the server for everyone; a traceback's worth fits easily.
MAX_QUESTION_CHARS = 20_000
#: Most files ``search`` returns, and most steps one ``ask`` may take.
MAX_K = 50
MAX_STEPS = 50

#: What :meth:`ExploreServer.warm` asks (one step) to load everything before the first client question.
WARM_QUESTION = "where is the main entry point?"

INSTRUCTIONS = (
    "explore answers questions about a code repository by walking it with a small local model. "
    "Use `ask` for 'where is X implemented / configured / documented?': it names the file(s) and "
    "the evidence lines. `search` gives the ranked candidate files without walking (fast). "
    "`ls` and `read` show folders and numbered file windows. Paths are repository-relative; "
    "the repository is only ever read."
)

RepoParam = Annotated[str | None, Field(
    description="Path of the repository (a git repository or a plain folder) on this machine; "
                "leave out to use the one the server was started with.")]
QuestionParam = Annotated[str, Field(
    description="The question, e.g. 'where is the retry back-off computed?'; an error message or "
                "a traceback works too.")]


class EvidenceOut(TypedDict):
    path: str
    start_line: int
    end_line: int
    text: str


class StepOut(TypedDict):
    action: str
    reflection: str
    seconds: float


class AskOut(TypedDict):
    snapshot: str
    """Which repository state was walked (``name@commit`` or ``name (working tree)``)."""
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


@dataclass
class OpenSnapshot:
    """One repository at one state, with what the tools build on it, each on first use."""

    snapshot: Snapshot
    index: Index | None = None
    explorer: Explorer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Guards building :attr:`index` (and the retriever kept on it) once per snapshot."""
    retriever: Any = None
    """The candidate stage's settings: the repository's fitted combiner, or None (shipped)."""


@dataclass(frozen=True)
class SharedModel:
    """What every explorer of the server shares: the loaded policy and reflector (one base
    model in memory), the environment settings they were trained with, and how to name them
    in answers. Kept apart from the explorer that loaded them, so that explorer's snapshot
    and index are freed when its repository moves on."""

    policy: DecisionPolicy
    reflector: NoteWriter
    config: EnvConfig
    adapters: dict[str, str]
    name: str
    notes: tuple[str, ...]


class ExploreServer:
    """The state behind the MCP tools: open repositories and the one shared model.

    The SDK runs each (synchronous) tool call on a worker thread, so calls overlap: the
    registry of repositories is guarded by one lock, each snapshot's index by its own, and
    the model (with every explorer's environment, which ``ask`` steps) by ``model_lock``:
    two questions at once are answered one after the other, never interleaved.
    """

    def __init__(
        self,
        repo: str | Path | None = None,
        *,
        worktree: bool = False,
        model: str | None = None,
        adapters: dict[str, str | Path] | None = None,
        reflector: str | None = None,
        max_steps: int = 12,
    ) -> None:
        if reflector not in (None, "lora", "none"):
            raise ExploreError(f"--reflector must be lora or none, not {reflector!r}")
        self.worktree = worktree
        self.model = model
        self.adapters = adapters
        self.reflector = reflector
        self.max_steps = max_steps
        self._repos: dict[Path, Repository] = {}
        self._open: dict[Path, OpenSnapshot] = {}
        self._lock = threading.Lock()
        self.model_lock = threading.Lock()
        self._model: SharedModel | None = None  # loaded by the first `ask`
        self.default: Path | None = None
        if repo is not None:  # fail at start, not at the first call, when it cannot be opened
            self.default = self._repository(str(repo)).path

    # -- repositories and snapshots ------------------------------------------------------
    def _repository(self, repo: str | None) -> Repository:
        """The :class:`Repository` at ``repo`` (or the default), opened once per location."""
        if repo is None or not str(repo).strip():
            if self.default is None:
                raise ExploreError("no repository given: pass `repo` (a path on this machine), or start the "
                                   "server with one (`explore serve /path/to/repo`)")
            path = self.default
        else:
            path = Path(repo).expanduser()
        if not path.is_dir():  # checked on every call: a repository opened before may be gone
            Repository(path)  # raises the CLI's error: no such folder, or a file, not a folder
            raise RepoNotFound(f"no such folder: {path}; give the path of a repository or folder")
        real = path.resolve()
        with self._lock:
            found = self._repos.get(real)
            if found is None:
                found = self._repos[real] = Repository(real)
            return found

    def open(self, repo: str | None) -> OpenSnapshot:
        """The newest snapshot of ``repo``: reused while its HEAD (or working tree) stays put."""
        repository = self._repository(repo)
        with self._lock:  # gitpython objects are not safe across threads
            current = self._open.get(repository.path)
            if repository.is_git and not self.worktree:
                head = repository.resolve_rev(None)
                if current is not None and current.snapshot.key == head:
                    return current
                snapshot = repository.snapshot()
            else:  # a working tree or plain folder: its fingerprint is its state
                snapshot = repository.snapshot(worktree=self.worktree and repository.is_git)
                if current is not None and current.snapshot.key == snapshot.key:
                    return current
            current = self._open[repository.path] = OpenSnapshot(
                snapshot, retriever=fitted_retriever(self.adapters or {}, repository.path))
            return current

    def index(self, opened: OpenSnapshot) -> Index:
        with opened.lock:
            if opened.index is None:
                opened.index = Index.build(opened.snapshot)
            return opened.index

    # -- the tools -----------------------------------------------------------------------
    def ask(self, repo: str | None, question: str, max_steps: int | None = None) -> AskOut:
        """Walk the repository to answer ``question`` (see :meth:`Explorer.ask`)."""
        question = checked_question(question)
        if max_steps is not None and not 1 <= max_steps <= MAX_STEPS:
            raise ExploreError(f"max_steps must be between 1 and {MAX_STEPS}, not {max_steps}")
        opened = self.open(repo)
        with self.model_lock:
            explorer = opened.explorer
            if explorer is None:
                explorer = opened.explorer = self._explorer(opened.snapshot, opened.retriever)
            answer = explorer.ask(question, max_steps=max_steps)
        return AskOut(
            snapshot=opened.snapshot.label,
            files=list(answer.files),
            evidence=[EvidenceOut(path=e.path, start_line=e.start_line, end_line=e.end_line, text=e.text)
                      for e in answer.evidence],
            answer=answer.answer,
            steps=[StepOut(action=s.action, reflection=s.reflection, seconds=round(s.seconds, 3))
                   for s in answer.steps],
            seconds=round(answer.seconds, 3),
            finished=answer.finished,
            notes=list(answer.notes),
            model=answer.model,
        )

    def _explorer(self, snapshot: Snapshot, retriever: Any = None) -> Explorer:
        """An explorer of ``snapshot``: the first loads the model, the others share it, so
        memory holds one model however many repositories are open."""
        shared = self._model
        if shared is None:
            explorer = Explorer(snapshot, model=self.model, adapters=self.adapters, reflector=self.reflector,
                                max_steps=self.max_steps, retriever=retriever)
            self._model = SharedModel(explorer.policy, explorer.reflector, explorer.config, explorer.adapters,
                                      explorer.model_name, tuple(explorer.notes))
            return explorer
        explorer = Explorer(snapshot, policy=shared.policy, reflector=shared.reflector, config=shared.config,
                            adapters=shared.adapters, retriever=retriever)
        explorer.model_name, explorer.notes = shared.name, list(shared.notes)
        return explorer

    def search(self, repo: str | None, question: str, k: int = 10) -> SearchOut:
        """The candidate stage's ``k`` best files for ``question``, without walking."""
        from .retrieval.retriever import retriever_for

        question = checked_question(question)
        if not 1 <= k <= MAX_K:
            raise ExploreError(f"k must be between 1 and {MAX_K}, not {k}")
        opened = self.open(repo)
        index = self.index(opened)
        with opened.lock:  # the retriever builds its unit index and symbol table on first use
            hits = retriever_for(index, opened.retriever).rank(question, k)
        return SearchOut(snapshot=opened.snapshot.label,
                         hits=[HitOut(path=h.path, score=h.score, why=list(h.why)) for h in hits])

    def ls(self, repo: str | None, path: str = ".") -> str:
        """A folder's listing, as the agent's ``ls`` shows it."""
        snapshot = self.open(repo).snapshot
        return refused_as_error("ls", snapshot, path, Workspace(snapshot).ls(path))

    def read(self, repo: str | None, path: str, line: int | None = None) -> str:
        """80 numbered lines of a file from ``line`` (default 1), as the agent's ``read``."""
        if line is not None and line < 1:
            raise ExploreError(f"line must be 1 or more, not {line}")
        snapshot = self.open(repo).snapshot
        return refused_as_error("read", snapshot, path, Workspace(snapshot).read(path, line))

    # -- MCP -----------------------------------------------------------------------------
    def mcp(self) -> MCPServer:
        """An :class:`MCPServer` offering the four tools over this state."""
        server: MCPServer = MCPServer("explore", instructions=INSTRUCTIONS, version=__version__,
                                      log_level="WARNING")
        # The SDK puts a handler on the root logger; libraries that set their own logger to
        # DEBUG (bm25s does) would then fill the client's log with every index build.
        for handler in logging.getLogger().handlers:
            handler.setLevel(logging.WARNING)
        reads = ToolAnnotations(read_only_hint=True, open_world_hint=False)

        @server.tool(annotations=reads)
        def ask(
            question: QuestionParam,
            repo: RepoParam = None,
            max_steps: Annotated[int | None, Field(
                description=f"Most steps of the walk (1–{MAX_STEPS}); default: the server's.")] = None,
        ) -> AskOut:
            """Answer a question about a repository by walking it (list, read, answer): returns the
            file(s) that hold the answer, best first, the evidence lines, and the steps taken."""
            return as_tool_error(self.ask, repo, question, max_steps)

        @server.tool(annotations=reads)
        def search(
            question: QuestionParam,
            repo: RepoParam = None,
            k: Annotated[int, Field(description=f"How many files (1–{MAX_K}).")] = 10,
        ) -> SearchOut:
            """The files most likely to hold the answer, ranked without walking (lexical, code-unit,
            symbol, path and commit-history evidence, fused), each with its score and which rankings placed it."""
            return as_tool_error(self.search, repo, question, k)

        @server.tool(annotations=reads, structured_output=False)
        def ls(
            repo: RepoParam = None,
            path: Annotated[str, Field(description="Folder, relative to the repository root.")] = ".",
        ) -> str:
            """List a folder of the repository: folders first, then files with their sizes."""
            return as_tool_error(self.ls, repo, path)

        @server.tool(annotations=reads, structured_output=False)
        def read(
            path: Annotated[str, Field(description="File, relative to the repository root.")],
            repo: RepoParam = None,
            line: Annotated[int | None, Field(description="First line to show (default 1).")] = None,
        ) -> str:
            """Read 80 numbered lines of a file, from `line`; says how to read on when there is more."""
            return as_tool_error(self.read, repo, path, line)

        return server

    def warm(self, question: str = WARM_QUESTION) -> bool:
        """Load the model and the default repository's explorer, and walk one step of a
        throwaway question (the candidate stage's indexes, the cached instructions), so the
        client's first ``ask`` costs what later ones do. Holds ``model_lock`` throughout: a
        question arriving meanwhile waits for it instead of loading a second model. False
        when there is no default repository, the model is not on disk yet, or it fails (then the
        first ``ask`` reports why)."""
        from .agent.models import DEFAULT_MODEL, model_on_disk

        if self.default is None or not model_on_disk(self.model or DEFAULT_MODEL):
            return False  # nothing to warm, or a download: that waits for a question that needs it
        try:
            self.ask(None, question, max_steps=1)
        except Exception as exc:  # noqa: BLE001 - a warm-up never takes the server down
            logging.getLogger(__name__).warning("warm-up failed: %s", exc)
            return False
        return True

    def run(self, *, warm: bool = True) -> None:
        """Serve on stdin/stdout until the client closes them; with ``warm`` the model loads in
        the background meanwhile (see :meth:`warm`)."""
        if warm:
            threading.Thread(target=self.warm, name="explore-warm", daemon=True).start()
        self.mcp().run("stdio")


def as_tool_error(method: Any, *args: Any) -> Any:
    """Call ``method``; an error that is the caller's to fix becomes an MCP tool error with
    the text the CLI would print, so the client's model can read it and try again."""
    try:
        return method(*args)
    except ExploreError as exc:
        raise ToolError(str(exc)) from None


def checked_question(question: str) -> str:
    """The question, or the CLI's error for an empty one, or a refusal for one too long to
    match against a repository in reasonable time."""
    if not question or not question.strip():
        raise EmptyQuestion("the question is empty; ask something like \"where is the config parsed?\"")
    if len(question) > MAX_QUESTION_CHARS:
        raise ExploreError(f"the question is {len(question):,} characters, over the {MAX_QUESTION_CHARS:,} "
                           "taken; ask about the part that matters (the error message, a traceback's last "
                           "frames, the names involved)")
    return question


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
    if output.startswith(name):
        return output
    raise ExploreError(output)

