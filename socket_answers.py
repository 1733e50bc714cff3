"""What `explore serve --socket` answers to a command handed over its socket
(:mod:`explore.handoff`): an ``explore ask`` walked on the server's warm model, an
``explore search`` ranked on its warm indexes.

A handed request is answered exactly as the command would have answered it in its own
process, or not at all: an ``ask`` that wants another model, other adapters or another
reflector than the server holds is declined (:class:`~explore.handoff.HandoffDeclined`),
and the command asks in its own process. :class:`Setup` is how both ends tell. A search
needs no model: it is ranked with the settings the command would have used (its
``--adapter``'s combiner, the repository's own, or the shipped one), whatever the server's.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .handoff import SPARSE_NOTE, HandoffDeclined, model_spec, working_tree_differs
from .walk_stop import WalkStopped

if TYPE_CHECKING:
    from .serve import ExploreServer

Send = Callable[[dict[str, Any]], None]

#: How a server's note begins when its ``--adapter`` fit is another repository's and the shipped
#: stage ranks this one (:meth:`ExploreServer._fitted`): for its MCP clients; the command alone
#: ranks so without a word.
SHIPPED_STAGE_NOTE = "ranked with the shipped candidate stage"


@dataclass(frozen=True)
class Setup:
    """A model, its adapters and its reflector, resolved (paths absolute, defaults filled in)."""

    model: str
    adapters: dict[str, str]
    reflector: str

    def key(self) -> tuple[str, tuple[tuple[str, str], ...], str]:
        """What the answer depends on: adapters by content, not folder (`explore train` with no
        policy option copies the shipped navigator's policy into its folder: the same weights
        under another path were declined, and a warm server answered one repository only)."""
        return (model_spec(self.model) or self.model,
                tuple(sorted((k, adapter_identity(v)) for k, v in self.adapters.items())), self.reflector)

    def describe(self) -> str:
        """``smollm2-135m + policy from /x/navigator, reflector none``: enough to see what differs."""
        folders = sorted({str(Path(v).parent) for v in self.adapters.values()})
        which = f" + {', '.join(sorted(self.adapters))} from {', '.join(folders)}" if self.adapters else " (no adapters)"
        return f"{self.model}{which}, reflector {self.reflector}"


#: A bundle's files beside its adapter folders that change how `ask` answers.
_BUNDLE_FILES = ("env.json", "policy.json", "answer.json")
_IDENTITIES: dict[tuple[str, tuple[tuple[str, int, int], ...]], str] = {}


def adapter_identity(folder: str | Path) -> str:
    """A digest of an adapter folder's files and its bundle's settings files (``env.json``,
    ``policy.json``, ``answer.json`` beside it), kept while none of them changes (name,
    size and modification time); the folder's path when it cannot be read."""
    import hashlib

    root = Path(folder).resolve()
    try:
        files = sorted(f for f in root.iterdir() if f.is_file())
        files += [root.parent / n for n in _BUNDLE_FILES if (root.parent / n).is_file()]
        stamp = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    except OSError:
        return str(root)
    key = (str(root), stamp)
    if key not in _IDENTITIES:
        digest = hashlib.sha1()
        try:
            for f in files:
                digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
        except OSError:
            return str(root)
        _IDENTITIES[key] = digest.hexdigest()
    return _IDENTITIES[key]


def resolved_setup(model: str | None, adapters: dict[str, Any] | None, reflector: str | None) -> Setup:
    """What :class:`Explorer` loads for these options: adapters None means the shipped
    navigator with the default model, none with another; the reflector defaults to the
    trained one when there is one."""
    from .agent.bundle import shipped_adapters
    from .agent.models import DEFAULT_MODEL

    if adapters is None:
        adapters = shipped_adapters() if model in (None, DEFAULT_MODEL) else {}
    found = {k: str(v) for k, v in adapters.items()}
    return Setup(model or DEFAULT_MODEL, found, reflector or ("lora" if "reflector" in found else "none"))


def answer_request(server: ExploreServer, request: dict[str, Any], send: Send, gone: threading.Event
                   ) -> dict[str, Any]:
    """The reply to one request handed over the socket (the listener's handler); ``gone``
    is set when the command has gone, and its walk, if any, stops at the next step."""
    kind = request.get("kind", "ask")
    if kind == "ask":
        return answer_ask(server, request, send, gone.is_set)
    if kind == "search":
        return answer_search(server, request, send)
    raise HandoffDeclined(f"this server answers ask and search, not {kind!r}")


def answer_ask(server: ExploreServer, request: dict[str, Any], send: Send, stop: Callable[[], bool] | None = None
               ) -> dict[str, Any]:
    """An ``explore ask``: answered only when it asks for the server's model, adapters and
    reflector, exactly as the command would have answered it in its own process; its walk
    stops at the first step after ``stop()`` (the command has gone: nobody reads the answer)."""
    from .agent.bundle import COMBINER_FILE, FitOfAnotherRepository, find_adapters, fitted_elsewhere, trained_config
    from .agent.env import EnvConfig

    repo = str(request["repo"])
    adapter = request.get("adapter")
    wanted = resolved_setup(request.get("model"), find_adapters(repo, adapter) or None, request.get("reflector"))
    if adapter and (elsewhere := fitted_elsewhere(Path(adapter) / COMBINER_FILE, repo)) is not None:
        # refused as the command alone refuses it (exit 2); a server holding that bundle answered
        raise FitOfAnotherRepository(f"--adapter {adapter}: {elsewhere}")
    mine = server.setup()
    if wanted.key() != mine.key():
        raise HandoffDeclined(f"the running server answers with {mine.describe()}; this question asks for "
                              f"{wanted.describe()}")
    from .agent.bundle import trained_combiner

    if adapter and trained_combiner(wanted.adapters, repo, own_fit=False) != trained_combiner(wanted.adapters, repo):
        # `ask --adapter DIR` ranks with DIR's fit or the shipped stage; the server with the repository's own
        raise HandoffDeclined("the running server ranks with the fit `explore train` made for this repository; "
                              "--adapter asks without it")
    worktree = bool(request.get("worktree"))
    differs = tree_check(request, worktree)
    # none named: the horizon the command walks alone (its adapters'), not `serve --max-steps` (MCP's default)
    max_steps = int(request.get("max_steps") or (trained_config(wanted.adapters) or EnvConfig()).max_steps)
    try:
        label, answer = server.answer(repo, str(request["question"]), worktree=worktree, max_steps=max_steps,
                                      walk=str(request.get("walk") or "auto"),
                                      say=lambda text: send({"event": "progress", "text": text}), stop=stop,
                                      shipped=not adapter)
    except WalkStopped as stopped:
        raise HandoffDeclined(str(stopped)) from None  # a reply nobody reads
    note_uncommitted(differs, send)
    # a sparse working tree the command says on stderr itself, before it asks: alone, its notes do not hold it;
    # the server's own fit being another repository's is nothing the command alone ranks with, nor says
    answer.notes = [n for n in answer.notes if n != SPARSE_NOTE and not n.startswith(f"{SHIPPED_STAGE_NOTE}: ")]
    server.log.info("answered `explore ask` on %s in %.2f s", label, answer.seconds)
    return answer.to_dict(lossless=True) | {"adapters": wanted.adapters}  # as the command's own process gives it


def answer_search(server: ExploreServer, request: dict[str, Any], send: Send) -> dict[str, Any]:
    """An ``explore search``: the candidate stage's ``k`` best files, as the command's own
    process would have ranked and shown them (:mod:`explore.search_result`)."""
    from .search_result import search_config, search_result

    started = time.perf_counter()
    repo, question = str(request["repo"]), str(request["question"])
    worktree = bool(request.get("worktree"))
    differs = tree_check(request, worktree)
    adapter = request.get("adapter")
    config = search_config(Path(repo), Path(adapter) if adapter else None)
    from .retrieval.retriever import RetrieverConfig

    # None is the shipped combiner, as the command alone ranks; left as None the server would
    # rank with its own adapters' combiner (a server started with --adapter ranked otherwise)
    opened, hits = server.rank(repo, question, int(request.get("k") or 10), worktree=worktree,
                               config=config or RetrieverConfig(),
                               say=lambda text: send({"event": "progress", "text": text}))
    result = search_result(question, opened.snapshot, config, hits, started)
    note_uncommitted(differs, send)
    if (lost := opened.snapshot.missing_note) is not None:  # said on stderr, as the command alone says it
        send({"event": "note", "kind": "missing", "text": lost})
    server.log.info("answered `explore search` on %s in %.2f s", opened.snapshot.label, result["seconds"])
    return result


def tree_check(request: dict[str, Any], worktree: bool) -> Future[bool] | None:
    """Whether the repository's working tree differs from HEAD, found beside the work (`git
    status` of a large tree takes a while), when the command asks and walks HEAD."""
    if not request.get("check_head") or worktree:
        return None
    differs: Future[bool] = Future()
    threading.Thread(target=settle, args=(differs, working_tree_differs, Path(str(request["repo"]))), daemon=True,
                     name="explore-status").start()
    return differs


def note_uncommitted(differs: Future[bool] | None, send: Send) -> None:
    """Tell the command, as it would have told its user, that the tree has changes HEAD lacks."""
    if differs is not None and differs.result(timeout=60):
        send({"event": "note", "kind": "uncommitted"})


def settle(future: Future[Any], function: Callable[..., Any], *args: Any) -> None:
    """Run ``function(*args)`` into ``future``: its result, or the exception it raised."""
    try:
        future.set_result(function(*args))
    except Exception as exc:  # noqa: BLE001 - handed to whoever waits on the future
        future.set_exception(exc)
