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

This module holds the state and does the work; :mod:`explore.mcp_server` is its MCP face
(schemas, input limits, progress notifications, tool errors). With ``--socket`` the same
state answers ``explore ask`` and ``explore search`` from the user's terminals too
(:mod:`explore.socket_answers`), on the same model and indexes.
What a question waits for (the model loading, an index building, the question before it)
is told to whoever asked it (MCP progress, the command's status line) and logged on stderr.
"""
from __future__ import annotations

import logging
import os
import shlex
import signal
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer

from .agent.bundle import (FitOfAnotherRepository, fitted_elsewhere, fitted_retriever, trained_combiner,
                           unfinished_own_run)
from .agent.env import EnvConfig
from .agent.explorer import Answer, Explorer, NoteWriter
from .handoff import SPARSE_NOTE, UNCOMMITTED, differs_later, is_sparse_checkout
from .mcp_server import (MAX_K, MAX_STEPS, AskOut, EvidenceOut, HitOut, SearchOut, StepOut, path_out,
                         refused_as_error, text_out)
from .question_text import check_question
from .retrieval.question_form import ONLY_A_REFERENCE, is_only_a_reference
from .sandbox.errors import ExploreError, NotAFolder, RepoNotFound
from .sandbox.index import Index
from .sandbox.snapshot import Repository, Snapshot
from .socket_answers import SHIPPED_STAGE_NOTE, Setup, answer_request, resolved_setup
from .socket_listener import SocketListener
from .tools.workspace import Workspace
from .walk_stop import StoppablePolicy, WalkStopped

if TYPE_CHECKING:
    from .retrieval.retriever import RetrieverConfig

#: What :meth:`ExploreServer.warm` asks (one step) to load everything before the first client question.
WARM_QUESTION = "where is the main entry point?"
#: Repositories kept open (git processes, snapshot, index); the least recently asked about
#: beyond this are closed, and opened again when asked about.
MAX_OPEN_REPOSITORIES = 8


#: What an MCP answer about HEAD says when the working tree has changes HEAD does not show.
UNCOMMITTED_NOTE = f"{UNCOMMITTED} (a server started with `--worktree` reads them)"


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
    combiner: tuple[Any, ...] | None = None
    """Which ``combiner.json`` (path, size, modification time) :attr:`retriever` was read
    from: an `explore train` that fits a new one while the server runs is seen at the next call."""
    notes: tuple[str, ...] = ()
    """What every answer about this snapshot should say (a sparse checkout's working tree)."""
    foreign: bool = False
    """The server's ``--adapter`` fit is another repository's: the shipped stage ranks this one."""


class Unloaded:
    """The policy of a server whose model could not be loaded: a walk's first decision raises
    why, and the answers settled without a walk come as they do from `explore ask --no-server`."""

    def __init__(self, error: ExploreError) -> None:
        self.error = error

    def decide(self, *_args: Any, **_kwargs: Any) -> Any:
        raise ExploreError(f"this question needs a walk, and the server could not load its model: {self.error}")


@dataclass(frozen=True)
class SharedModel:
    """What every explorer of the server shares: the loaded policy and reflector (one base
    model in memory), the environment settings they were trained with, and how to name them
    in answers. Kept apart from the explorer that loaded them, so that explorer's snapshot
    and index are freed when its repository moves on."""

    policy: StoppablePolicy
    """The loaded policy, asking before each decision whether the walk under way was stopped."""
    reflector: NoteWriter
    config: EnvConfig
    adapters: dict[str, str]
    name: str
    notes: tuple[str, ...]
    model_notes: tuple[str, ...] = ()
    """What loading the model found to say, with the answers a walk gave (:attr:`Explorer.model_notes`)."""


class ExploreServer:
    """The state behind the MCP tools: open repositories and the one shared model.

    The SDK runs each (synchronous) tool call on a worker thread, so calls overlap: each
    repository (its git objects, its snapshot) is guarded by a lock of its own, so opening one
    (seconds to minutes, the first time, on a large repository) holds up no call about
    another, and no repository is opened twice at once; the registries by one lock, held
    only to look up and store; each snapshot's index by its own; and the model (with every
    explorer's environment, which ``ask`` steps) by ``model_lock``: two questions at once
    are answered one after the other, never interleaved.
    """

    def __init__(
        self,
        repo: str | Path | None = None,
        *,
        worktree: bool = False,
        model: str | None = None,
        adapters: dict[str, str | Path] | None = None,
        reflector: str | None = None,
        max_steps: int | None = None,
        allow: Sequence[str | Path] | None = None,
    ) -> None:
        if reflector not in (None, "lora", "none"):
            raise ExploreError(f"--reflector must be lora or none, not {reflector!r}")
        self.worktree = worktree
        self.model = model
        self.adapters = adapters
        self.reflector = reflector
        self.max_steps = max_steps
        self.log = logging.getLogger(__name__)
        self._repos: dict[Path, tuple[Repository, tuple[Any, ...]]] = {}  # with its folder_identity
        self._open: dict[tuple[Path, bool], OpenSnapshot] = {}
        self._lock = threading.Lock()  # guards the registries around it, never held while a repository opens
        # per location: its Repository and snapshots; a lock lives while a call holds it, so
        # a long-running server asked about many paths keeps none it no longer uses
        self._repo_locks: weakref.WeakValueDictionary[Path, threading.Lock] = weakref.WeakValueDictionary()
        self._used: OrderedDict[Path, None] = OrderedDict()  # repositories by last use, the newest last
        self.model_lock = threading.Lock()
        self._model: SharedModel | None = None  # loaded by the first `ask`
        self.stopped = 0
        """Walks stopped before their end because whoever asked had gone (also logged)."""
        self._setup: Setup | None = None  # what `explore ask` must ask for to be answered here
        self.default: Path | None = None
        if repo is not None:  # fail at start, not at the first call, when it cannot be opened
            opened = self._repository(str(repo))
            if opened.is_git and not worktree:  # nor answered: a repository with no commits (or one
                opened.resolve_rev(None)        # git refuses to read) would fail every call
            self.default = opened.path
        self.allowed: tuple[Path, ...] | None = None
        """The folders an MCP client may name as ``repo`` (with all under them): the start
        repository and ``allow``; None (no ``allow`` given): any folder."""
        if allow is not None:
            roots = [Path(a).expanduser() for a in allow]
            for root in roots:
                if not root.is_dir():
                    raise RepoNotFound(f"--allow {root}: " + ("a file, not a folder" if root.exists() else "no such folder"))
                if ".git" in root.resolve().parts:  # every repo under it would be refused: said at the start
                    raise NotAFolder(f"--allow {root} is inside a .git folder: allow the repository, or the folder "
                                     "of clones, not git's data")
            self.allowed = tuple(dict.fromkeys([*([self.default] if self.default else []),
                                                *(r.resolve() for r in roots)]))

    # -- repositories and snapshots ------------------------------------------------------
    def client_repo(self, repo: str | None) -> str | None:
        """``repo`` as an MCP client names it, when it lies in :attr:`allowed` (a symlink
        counts where it leads); else an :class:`ExploreError` that says how to allow it. A
        client steered by what it read (a prompt in a file) may name any path: ``/etc``,
        ``~/.ssh`` would be read as plain folders. A relative ``repo`` is read against the
        server's own repository (``.`` is it): the client does not know the server's folder."""
        if repo is None or not str(repo).strip():
            return repo
        if "\x00" in str(repo):  # pathlib raised ValueError: the client heard "Error executing tool" alone
            raise RepoNotFound(f"{str(repo)!r}: a path cannot hold a NUL byte")
        path = Path(repo).expanduser()
        if not path.is_absolute():
            if self.default is None:
                raise ExploreError(f"{repo}: give the repository's absolute path; this server was started "
                                   f"without a repository to read a relative one against (its own folder, "
                                   f"{os.getcwd()}, is not one a client sees)")
            path = self.default / path
        repo = str(path)  # `~` expanded here, where it is judged, not only where it is opened
        if self.allowed is None:
            return repo
        real = Path(repo).resolve()
        if ".git" in real.parts:  # its config holds remotes' URLs (and their tokens), its objects every version
            raise ExploreError(f"{repo} is inside a .git folder: name the repository itself, not its git data")
        if any(real == root or root in real.parents for root in self.allowed):
            return repo
        allowed = ", ".join(str(r) for r in self.allowed) or "none"
        raise ExploreError(f"{repo} is outside the folders this server answers about ({allowed}); "
                           f"whoever starts it can allow more: `explore serve … --allow {shlex.quote(str(real))}`")

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
        seen = folder_identity(real)
        with self._repo_lock(real):  # no call is using the old one's git objects while it is replaced
            with self._lock:
                found, identity = self._repos.get(real, (None, None))
            if found is None or identity != seen:  # new, or deleted and made again (a fresh clone)
                if found is not None and found.enclosing_git is not None:
                    found.enclosing_git.close()  # its `git cat-file` processes read the old objects
                found = Repository(real)
                with self._lock:
                    self._repos[real] = found, seen
            with self._lock:
                self._used.pop(real, None)
                self._used[real] = None  # most recently used last
        self._forget_unused(keep=real)
        return found

    def _forget_unused(self, keep: Path) -> None:
        """Close the repositories asked about least recently beyond :data:`MAX_OPEN_REPOSITORIES`
        (their git processes, snapshot and index): a server an editor keeps for days is asked
        about many folders. One a call is using right now (its lock held) is left for later;
        one asked about again is opened anew."""
        with self._lock:
            over = list(self._used)[:-MAX_OPEN_REPOSITORIES]
        for path in over:
            if path in (keep, self.default):
                continue
            lock = self._repo_lock(path)
            if not lock.acquire(blocking=False):
                continue
            try:
                with self._lock:
                    found, _ = self._repos.pop(path, (None, None))
                    for key in [k for k in self._open if k[0] == path]:
                        del self._open[key]
                    self._used.pop(path, None)
                if found is not None and found.enclosing_git is not None:
                    found.enclosing_git.close()
            finally:
                lock.release()

    def _repo_lock(self, path: Path) -> threading.Lock:
        """The lock of the repository at ``path``: held while its git objects are read and
        while a snapshot of it is made, by calls about it alone."""
        with self._lock:
            return self._repo_locks.setdefault(path, threading.Lock())

    def open(self, repo: str | None, worktree: bool | None = None) -> OpenSnapshot:
        """The newest snapshot of ``repo``: reused while its HEAD (or working tree) stays put.
        ``worktree`` (default: the server's ``--worktree``) walks uncommitted changes."""
        repository = self._repository(repo)
        worktree = self.worktree if worktree is None else worktree
        key = repository.path, worktree
        # gitpython objects are not safe across threads, and a snapshot is made once: both
        # under this repository's lock, which calls about other repositories never wait for.
        with self._repo_lock(repository.path):
            with self._lock:
                current = self._open.get(key)
            adapters = self.setup().adapters
            stamp = combiner_stamp(adapters, repository.path)
            if current is not None and current.combiner != stamp:  # fitted again since: same files, new ranking
                retriever, foreign = self._fitted(adapters, repository.path)
                kept = tuple(n for n in current.notes if n in (SPARSE_NOTE, current.snapshot.missing_note))
                current = OpenSnapshot(current.snapshot, index=current.index, combiner=stamp, retriever=retriever,
                                       foreign=bool(foreign), notes=kept + foreign)
                with self._lock:
                    self._open[key] = current
            if repository.is_git and not worktree:
                head = repository.resolve_rev(None)
                if current is not None and current.snapshot.key == head:
                    return current
                snapshot = repository.snapshot()
            else:  # a working tree or plain folder: its fingerprint is its state
                snapshot = repository.snapshot(worktree=worktree and repository.is_git)
                if current is not None and current.snapshot.key == snapshot.key:
                    return current
            sparse = worktree and repository.is_git and is_sparse_checkout(repository.path)
            retriever, foreign = self._fitted(adapters, repository.path)
            lost = (snapshot.missing_note,) if snapshot.missing_note else ()
            current = OpenSnapshot(snapshot, retriever=retriever, combiner=stamp, foreign=bool(foreign),
                                   notes=((SPARSE_NOTE,) if sparse else ()) + lost + foreign)
            with self._lock:
                self._open[key] = current
            return current

    def _fitted(self, adapters: Any, path: Path) -> tuple[Any, tuple[str, ...]]:
        """The candidate stage's settings for a repository, and a note when the server's
        ``--adapter`` fit is another repository's: one adapter folder serves every repository,
        and its fit ranks only its own; the others get their own fit where `explore train`
        made one (as `explore ask REPO` ranks them), else the shipped stage, and are told."""
        try:
            return fitted_retriever(ranking_adapters(adapters, path), path), ()
        except FitOfAnotherRepository as exc:
            from .retrieval.retriever import RetrieverConfig

            self.log.warning("%s: ranked with the shipped candidate stage (%s)", path, exc)
            return RetrieverConfig(), (f"{SHIPPED_STAGE_NOTE}: {exc}",)

    def index(self, opened: OpenSnapshot, say: Callable[[str], None] | None = None) -> Index:
        """The snapshot's index, built (and cached on disk) on first use; ``say`` hears when a
        build starts and ends, which on a large repository takes a while."""
        with opened.lock:
            if opened.index is None:
                started = time.perf_counter()
                counted = [0]

                def progress(done: int, total: int) -> None:
                    if counted[0] == 0 and say is not None:
                        say(f"indexing {opened.snapshot.label} ({total:,} files; once per commit)…")
                    counted[0] = total

                opened.index = Index.build(opened.snapshot, progress=progress)
                if counted[0]:
                    self.log.info("indexed %s: %d files in %.1f s", opened.snapshot.label, counted[0],
                                  time.perf_counter() - started)
            return opened.index

    def setup(self) -> Setup:
        """The model, adapters and reflector this server answers with (resolved as
        :class:`Explorer` resolves them), for telling whether an ``explore ask`` asks for them."""
        if self._setup is None:
            self._setup = resolved_setup(self.model, self.adapters, self.reflector)
        return self._setup

    # -- the tools -----------------------------------------------------------------------
    def ask(self, repo: str | None, question: str, max_steps: int | None = None,
            say: Callable[[str], None] | None = None, stop: Callable[[], bool] | None = None,
            walk: str | None = None) -> AskOut:
        """Walk the repository to answer ``question`` (see :meth:`Explorer.ask`); ``say``
        hears what the question waits for (the model loading, an index building); the walk
        stops (:class:`~explore.walk_stop.WalkStopped`) at its first step after ``stop()``."""
        check_question(question)  # empty, no word, too long: the CLI's errors
        if max_steps is not None and not 1 <= max_steps <= MAX_STEPS:
            raise ExploreError(f"max_steps must be between 1 and {MAX_STEPS}, not {max_steps}")
        uncommitted = self._uncommitted(repo)
        label, answer = self.answer(repo, question, max_steps=max_steps, say=say, stop=stop, walk=walk)
        answer.notes = [*uncommitted(), *answer.notes]
        return AskOut(
            snapshot=text_out(label),
            answered=answer.answered,
            files=[path_out(f) for f in answer.files],
            evidence=[EvidenceOut(path=path_out(e.path), start_line=e.start_line, end_line=e.end_line,
                                  text=text_out(e.text)) for e in answer.evidence],
            answer=text_out(answer.answer),
            steps=[StepOut(action=text_out(s.action), reflection=text_out(s.reflection), seconds=round(s.seconds, 3))
                   for s in answer.steps],
            seconds=round(answer.seconds, 3),
            finished=answer.finished,
            notes=[text_out(n) for n in answer.notes],
            model=answer.model,
        )

    def _uncommitted(self, repo: str | None) -> Callable[[], list[str]]:
        """`git status` started beside an MCP call that reads HEAD: the returned call waits for it
        and gives the note to add when the working tree differs (the terminal's `explore ask`
        says it on stderr; an MCP client was told "no file holds `x`" about a function just written)."""
        repository = self._repository(repo)
        if self.worktree or not repository.is_git:
            return list
        differs = differs_later(repository.path)
        return lambda: [UNCOMMITTED_NOTE] if differs() else []

    def answer(self, repo: str | None, question: str, *, worktree: bool | None = None,
               max_steps: int | None = None, say: Callable[[str], None] | None = None,
               stop: Callable[[], bool] | None = None, walk: str | None = None,
               shipped: bool | None = None) -> tuple[str, Answer]:
        """The walk behind ``ask`` (MCP) and ``explore ask`` (the socket), without the MCP
        tool's input limits, with the label of the snapshot walked: one question at a time
        on the one model, saying (to ``say`` and the server log) what it waits for first.
        Once ``stop()`` is true (whoever asked has gone) the walk raises
        :class:`~explore.walk_stop.WalkStopped` at its next step, freeing the model.
        ``walk``: :meth:`Explorer.ask`'s (default ``auto``: only where it can change the answer).
        ``shipped``: whether the question names no adapters, as `explore ask` without
        ``--adapter`` (default: the server was given none); then, with the default model, a
        training run of the repository that has not finished is said in the notes, as
        :class:`Explorer` says it to the command answering alone."""
        from .agent.models import DEFAULT_MODEL

        say = say or (lambda _text: None)
        opened = self.open(repo, worktree)
        unfinished = None
        if (self.adapters is None if shipped is None else shipped) and self.model in (None, DEFAULT_MODEL):
            unfinished = unfinished_own_run(self._repository(repo).path)  # a Ctrl-C'd `explore train`
        if not self.model_lock.acquire(blocking=False):
            say("waiting for the model (loading, or answering another question)…")
            self.model_lock.acquire()
        try:
            explorer = opened.explorer
            if explorer is None:
                explorer = opened.explorer = self._explorer(opened.snapshot, opened.retriever, say)
                explorer.fitted = str(opened.combiner[0]) if opened.retriever is not None and opened.combiner \
                    and not opened.foreign else ""
            self.index(opened, say)  # the walk's index: built here, where progress is told
            say("walking the repository…")
            policy: StoppablePolicy = explorer.policy  # type: ignore[assignment]
            policy.walking(stop)
            try:
                answered = explorer.ask(question, max_steps=max_steps, walk=walk)
                answered.notes = list(dict.fromkeys([*opened.notes, *([unfinished] if unfinished else []),
                                                     *answered.notes]))  # the explorer says its own too
                return opened.snapshot.label, answered
            except WalkStopped as stopped:
                self.stopped += 1
                self.log.info("stopped walking %s after %d steps: whoever asked has gone", opened.snapshot.label,
                              stopped.steps)
                raise
            finally:
                policy.walking(None)
        finally:
            self.model_lock.release()

    def _explorer(self, snapshot: Snapshot, retriever: Any = None, say: Callable[[str], None] | None = None
                  ) -> Explorer:
        """An explorer of ``snapshot``: the first loads the model, the others share it, so
        memory holds one model however many repositories are open."""
        shared = self._model
        if shared is None:
            started = time.perf_counter()
            self.log.info("loading the model (questions wait for it)…")
            if say is not None:
                say("loading the model (once per server)…")
            # this asker hears of the load alone: the explorer outlives its question, and told it of every
            # later walk of the snapshot (over MCP, with the token of a request answered); answer() tells each
            loading = [say] if say is not None else []

            def told(text: str) -> None:
                for heard in loading:
                    heard(text)

            explorer = Explorer(snapshot, model=self.model, adapters=self.adapters, reflector=self.reflector,
                                max_steps=self.max_steps, retriever=retriever, progress=told)
            try:
                explorer.policy = StoppablePolicy(explorer.policy)
            except ExploreError as exc:
                loading.clear()
                from .agent.models import DEFAULT_MODEL
                from .agent.reflector import NoReflector

                # no model to load (offline, none cached): a question settled without a walk needs none, and
                # failed with the download's error all the same (`--no-server` answered it); a walk says why.
                # Not shared: the next repository opened tries again (the model may be on disk by then)
                self.log.warning("the model could not be loaded (%s); questions settled without a walk are "
                                 "answered, a walk is refused", exc)
                explorer.policy = StoppablePolicy(Unloaded(exc))
                explorer.reflector = NoReflector()
                explorer.model_name = self.model or DEFAULT_MODEL
                return explorer
            loading.clear()
            self.log.info("model %s loaded in %.1f s", explorer.model_name, time.perf_counter() - started)
            self._model = SharedModel(explorer.policy, explorer.reflector, explorer.config, explorer.adapters,
                                      explorer.model_name, tuple(explorer.notes), tuple(explorer.model_notes))
            return explorer
        explorer = Explorer(snapshot, policy=shared.policy, reflector=shared.reflector, config=shared.config,
                            adapters=shared.adapters, retriever=retriever)
        explorer.model_name, explorer.notes = shared.name, list(shared.notes)
        explorer.model_notes = list(shared.model_notes)
        return explorer

    def search(self, repo: str | None, question: str, k: int = 10) -> SearchOut:
        """The candidate stage's ``k`` best files for ``question``, without walking."""
        check_question(question)  # empty, no word, too long: the CLI's errors
        if not 1 <= k <= MAX_K:
            raise ExploreError(f"k must be between 1 and {MAX_K}, not {k}")
        uncommitted = self._uncommitted(repo)
        opened, hits = self.rank(repo, question, k)
        said = [*uncommitted(), *([] if hits else [ONLY_A_REFERENCE] if is_only_a_reference(question) else [
            "nothing matches: no file of the repository holds a word of the question (or, for a name alone, the "
            "name): check the spelling"])]
        return SearchOut(snapshot=text_out(opened.snapshot.label),
                         hits=[HitOut(path=path_out(h.path), score=h.score, why=list(h.why)) for h in hits],
                         notes=[text_out(n) for n in [*opened.notes, *said]])  # as `ask`'s: a name may not be UTF-8

    def rank(self, repo: str | None, question: str, k: int, *, worktree: bool | None = None,
             config: RetrieverConfig | None = None, say: Callable[[str], None] | None = None
             ) -> tuple[OpenSnapshot, list[Any]]:
        """The snapshot searched and the candidate stage's ``k`` best hits, ranked with
        ``config`` (default: the server's, :attr:`OpenSnapshot.retriever`); ``say`` hears of
        an index build."""
        from .retrieval.retriever import RetrieverConfig, retriever_for

        opened = self.open(repo, worktree)
        index = self.index(opened, say)
        if config is None:  # the retriever kept on the index is told apart by its config: name it
            config = opened.retriever or RetrieverConfig()
        with opened.lock:  # the retriever builds its unit index and symbol table on first use
            return opened, retriever_for(index, config).rank(question, k)

    def ls(self, repo: str | None, path: str = ".", page: int = 1) -> str:
        """A folder's listing, as the agent's ``ls`` shows it (``page`` of a long one)."""
        if page < 1:
            raise ExploreError(f"page must be 1 or more, not {page}")
        snapshot = self.open(repo).snapshot
        workspace = Workspace(snapshot, folder_verb="ls")
        output = workspace.ls(path, page=page)
        if workspace.missed:
            raise ExploreError(output)
        return refused_as_error("ls", snapshot, path, output)

    def read(self, repo: str | None, path: str, line: int | None = None) -> str:
        """80 numbered lines of a file from ``line`` (default 1), as the agent's ``read``."""
        if line is not None and line < 1:
            raise ExploreError(f"line must be 1 or more, not {line}")
        snapshot = self.open(repo).snapshot
        workspace = Workspace(snapshot, folder_verb="ls")
        output = workspace.read(path, line)
        if workspace.missed:
            raise ExploreError(output)
        return refused_as_error("read", snapshot, path, output)

    # -- MCP -----------------------------------------------------------------------------
    def mcp(self) -> MCPServer:
        """An :class:`MCPServer` offering the four tools over this state (:mod:`explore.mcp_server`)."""
        from .mcp_server import build

        return build(self)

    def warm(self, question: str = WARM_QUESTION) -> bool:
        """Load the model and the default repository's explorer, and walk one step of a
        throwaway question (the candidate stage's indexes, the cached instructions), so the
        client's first ``ask`` costs what later ones do. Holds ``model_lock`` throughout: a
        question arriving meanwhile waits for it instead of loading a second model. False
        when there is no default repository, the model is not on disk yet, or it fails (then the
        first ``ask`` reports why)."""
        if self.default is None:
            return False  # nothing to warm: no import either (a busy server may be out of descriptors)
        try:
            from .agent.models import DEFAULT_MODEL, model_on_disk

            if not model_on_disk(self.model or DEFAULT_MODEL):
                return False  # a download: that waits for a question that needs it
            started = time.perf_counter()
            self.ask(None, question, max_steps=1, walk="always")
        except Exception as exc:  # noqa: BLE001 - a warm-up never takes the server down
            self.log.warning("warm-up failed: %s", exc)
            return False
        self.log.info("ready: warmed up in %.1f s", time.perf_counter() - started)
        return True

    def run(self, *, warm: bool = True, stdio: bool = True, listener: SocketListener | None = None) -> None:
        """Serve MCP on stdin/stdout until the client closes them, and with a ``listener``
        (:func:`explore.socket_listener.open_listener`) also ``explore ask`` on the per-user socket;
        without ``stdio``, the socket alone until SIGINT or SIGTERM (then ``KeyboardInterrupt``
        or ``SystemExit(143)``, so the command exits as one stopped so). With ``warm`` the model
        loads in the background meanwhile (see :meth:`warm`); the log on stderr says when
        it is ready. The listener is closed (its socket removed) on the way out."""
        log_to_stderr(self.log)
        if listener is not None:
            listener.serve_with(partial(answer_request, self))
        if warm:
            threading.Thread(target=self.warm, name="explore-warm", daemon=True).start()
        try:
            if stdio:
                try:
                    self.mcp().run("stdio")
                except BaseException as exc:
                    if not client_gone(exc):
                        raise
                    self.log.info("the MCP client has gone (its end of the pipe closed)")
            else:
                stop = threading.Event()
                received: list[int] = []

                def on_signal(signum: int, _frame: object) -> None:
                    received.append(signum)
                    stop.set()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(sig, on_signal)
                # woken twice a second: a signal the kernel hands to another thread (the socket's)
                # runs its handler here only when this thread wakes, and an untimed wait never
                # did (a server SIGTERM left serving, seen once in sixty seconds of waiting)
                while not stop.wait(0.5):
                    pass
                # Stopped by a signal, as a command stopped so exits: 130 for Ctrl-C, 143 for SIGTERM.
                if received and received[0] == signal.SIGINT:
                    raise KeyboardInterrupt
                raise SystemExit(128 + (received[0] if received else signal.SIGTERM))
        finally:
            if listener is not None:
                listener.close()


def ranking_adapters(adapters: dict[str, Any], repo_path: Path) -> dict[str, Any]:
    """The adapters whose fit ranks ``repo_path`` on a server started with ``adapters``:
    those, unless their fit is another repository's and ``repo_path`` has its own (then
    none: its own fit, which `explore ask REPO` ranks with). Where neither applies, the
    server's own, whose fit :meth:`ExploreServer._fitted` refuses for the shipped stage."""
    found = trained_combiner(adapters, repo_path)
    if found is not None and fitted_elsewhere(found, repo_path) is not None \
            and trained_combiner({}, repo_path) is not None:
        return {}
    return adapters


def combiner_stamp(adapters: dict[str, Any], repo_path: Path) -> tuple[Any, ...] | None:
    """The fitted ``combiner.json`` that ranks ``repo_path`` (:func:`ranking_adapters`,
    :func:`trained_combiner`) as path, size and modification time; None when the shipped
    one applies."""
    found = trained_combiner(ranking_adapters(adapters, repo_path), repo_path)
    if found is None:
        return None
    try:
        st = found.stat()
    except OSError:
        return None
    return str(found), st.st_size, st.st_mtime_ns


def folder_identity(path: Path) -> tuple[Any, ...]:
    """What tells a folder from one made again at the same path (deleted and cloned anew,
    or given a ``.git`` since): its own inode, and its ``.git``'s."""
    def inode(p: Path) -> tuple[int, int] | None:
        try:
            st = p.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino

    return inode(path), inode(path / ".git")


def client_gone(exc: BaseException) -> bool:
    """Whether ``exc`` is, or groups only, the error of writing to a client that has gone:
    the SDK's stdio writer fails so when a client dies while a notification is on its way.
    For a server on stdio, whose one client that is, the end of the session, not a failure."""
    if isinstance(exc, (BrokenPipeError, ConnectionResetError)):
        return True
    inner = getattr(exc, "exceptions", None)  # a task group's exception group
    return bool(inner) and all(client_gone(e) for e in inner)


def log_to_stderr(log: logging.Logger) -> None:
    """The server's own log (model loads, index builds, the socket) as lines on stderr, which
    MCP clients keep as the server's log; apart from the root logger the SDK configures."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("explore: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
