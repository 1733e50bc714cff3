"""The runtime: :class:`Explorer` walks a repository to answer one question at a time.

Each step the environment renders the state with labelled actions, the frozen reflector
writes a short note, and the policy picks one label. The walk ends at ``answer`` or after
``max_steps``; then the best file read (or the best-scented one) is answered and the
output says so. Where the adapters' bundle holds ``answer.json``, that answer is settled
against the candidate stage (:mod:`explore.agent.answer`; the shipped navigator: a code
answer becomes the stage's best code file). The answer carries the files (ranked: the
answered one first, then other candidates so acc@k is measurable), the evidence lines,
every step with its reflection and timing, and what the answer was settled from.

Where the walk cannot change the settled answer (:func:`~explore.agent.answer.walk_matters`:
the shipped navigator on a question about behaviour — a bug report, a commit message), ``ask``
settles from the rankings alone, with no decision; the model is loaded on the first walk,
not before, so such a question never pays for it. ``walk="always"`` walks every question.
"""
from __future__ import annotations

import dataclasses
import numbers
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..handoff import UNCOMMITTED
from ..sandbox.errors import ExploreError
from ..question_text import EmptyQuestion, check_question, not_utf8_at  # noqa: F401 - EmptyQuestion is the API's too
from ..sandbox.index import file_lines, shown_line
from ..sandbox.outline import file_kind
from ..sandbox.snapshot import Repository, Snapshot, writable_cache
from ..retrieval.config_asked import names_config, names_file, names_tool
from ..retrieval.intent import asks_definition, asks_for, asks_where_raised
from ..retrieval.question_form import ONLY_A_REFERENCE, is_bare_name, is_only_a_reference
from ..retrieval.tests_asked import asks_for_tests
from ..retrieval.versions_asked import asks_ci_file, declares_version_asked, dependency_asked, dependency_line
from ..retrieval.evidence import evidence_start
from ..retrieval.query import NO_INDEXED_WORD, parse
from ..retrieval.file_kinds import declarations_behind, documents_api, not_asked_about
from ..retrieval.retriever import RetrieverConfig
from ..tools.workspace import shown, text_out
from .answer import WALKS, AnswerWeights, answer_probs, is_statement, off_topic, settle, settled_by, walk_matters
from .decision import Policy as DecisionPolicy
from .decision import Reflector as NoteWriter
from .adapters import AdapterNotFound
from .bundle import (ADAPTER_NAMES, fitted_retriever, shipped_adapters, trained_answer, trained_combiner, trained_config,
                     trained_head)
from .env import EnvConfig, RepoExploreEnv
from .prompt import clip_question, policy_prefix, policy_prompt
from .task import Task

EVIDENCE_LINES = 12

#: Files an answer lists (the answered one first), so acc@k is measurable up to 10.
RANKED = 10


def walked_order(answered: str | None, reads: Sequence[str], offered: Sequence[str], k: int = RANKED) -> list[str]:
    """An answer's files as walked: the answered file, then the others in the order of the
    environment's offer, files read first among equals (the walk's own evidence ranks
    ahead of what it never looked at)."""
    position = {f: i for i, f in enumerate(offered)}
    files = [answered] if answered else []
    files += sorted((r for r in reads if r != answered), key=lambda f: position.get(f, len(offered)))
    files += [f for f in offered if f not in files]
    return files[:k]



def settled_order(settled: Sequence[str], stage: Sequence[str], offered: Sequence[str], k: int = RANKED) -> list[str]:
    """An answer's files as settled: the settled answer, then the runners-up in the candidate
    stage's order, then the other files settled and the walk's offer. The offer takes BM25's
    files in turn with the stage's, which lost recall behind the answer (the training projects'
    360 newest commit messages, `bench_real.py --split train --per-repo 20`: acc@5 .908 -> .914,
    acc@10 .928 -> .950, the stage alone .917 / .950)."""
    return list(dict.fromkeys([*settled[:1], *stage, *settled[1:], *offered]))[:k] if settled else []

def _steps(max_steps: int) -> int:
    """``max_steps`` when it is a number of steps a walk can take, else the error that says so
    (0 was taken as "the default", a negative number walked no step)."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ExploreError(f"max_steps must be a whole number of steps, 1 or more, not {max_steps!r}")
    return max_steps


def _checked(walk: str) -> str:
    if walk not in WALKS:
        raise ExploreError(f"walk must be one of {', '.join(WALKS)}, not {walk!r}")
    return walk


@dataclass
class Evidence:
    path: str
    start_line: int
    end_line: int
    text: str


#: Seconds after which an Explorer made on a repository's path at HEAD looks again, before an
#: answer, whether the working tree or HEAD changed (`git status`, beside the answer: a
#: fifth of a second on a mid-size repository, so not before every one of a burst).
LOOK_AGAIN = 2.0
#: What an answer about HEAD says when the repository's working tree has changes HEAD does not show.
UNCOMMITTED_NOTE = f"{UNCOMMITTED} (Explorer(repo, worktree=True) reads them)"
#: Why ``--reflector lora`` cannot run: no reflector adapter, and what makes one.
NO_REFLECTOR = ("--reflector lora needs a trained reflector adapter, which the shipped navigator and a plain "
                "`explore train REPO` (the candidate stage only) do not have: train one with `explore train REPO "
                "--reflection --out DIR` and ask with `--adapter DIR`")


@dataclass
class Step:
    action: str
    reflection: str
    observation: str
    seconds: float
    probs: list[float] = field(default_factory=list)


@dataclass
class Answer:
    question: str
    files: list[str]
    evidence: list[Evidence]
    answer: str
    steps: list[Step]
    seconds: float
    model: str = ""
    adapters: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    finished: bool = True  # False when the walk ran out of steps and a fallback answered
    weighed: dict[str, Any] = field(default_factory=dict)
    """What the answer was settled from: the walk's own answer, the policy's last
    ``p(answer f)``, the files read, and the candidate stage's and BM25's rankings with scores."""
    combiner: str = ""
    """The ``combiner.json`` `explore train` fitted to this repository that ranked the
    candidates, or "" (the shipped candidate stage); ``fitted`` in :meth:`to_dict`, as
    ``search --json`` says it."""

    @property
    def answered(self) -> bool:
        """Whether a file answers (``files[0]``, with ``evidence[0]``): False when no file
        matches the question (``notes`` says why), as the CLI's ``answered`` and exit 1."""
        return bool(self.files)

    def to_dict(self, *, lossless: bool = False) -> dict[str, Any]:
        """The answer in JSON's types, as the Runnable returns it, for LangServe, orjson or pydantic
        to write: a path as the MCP server and ``ls`` give it, so a name holding a byte that is not
        UTF-8 (a lone surrogate, which they refuse to write) is escaped in quotes, ``'caf\\udcff.py'``,
        and ``read`` takes it back; such a byte in other text is escaped. ``lossless``: the names as
        the attributes hold them, as the file system gives them (what `explore ask --json` writes)."""
        out = {**asdict(self), "answered": self.answered, "fitted": bool(self.combiner)}
        out["seconds"] = round(self.seconds, 3)  # as `search --json` gives it (not 0.15052320700488053)
        for step in out["steps"]:
            if isinstance(step.get("seconds"), float):
                step["seconds"] = round(step["seconds"], 3)
        return out if lossless else _sendable(out)


def _sendable(out: dict[str, Any]) -> dict[str, Any]:
    """:meth:`Answer.to_dict`'s ``out`` with its paths shown as ``ls`` lists them and every other
    text encodable as UTF-8."""
    def text(value: Any) -> Any:
        if isinstance(value, str):
            return text_out(value)
        if isinstance(value, list):
            return [text(v) for v in value]
        return {text_out(k): text(v) for k, v in value.items()} if isinstance(value, dict) else value

    weighed = dict(out["weighed"])
    if weighed.get("walk") is not None:
        weighed["walk"] = shown(weighed["walk"])
    for key in ("stage", "bm25"):
        weighed[key] = [[shown(path), score] for path, score in weighed.get(key, [])]
    weighed["reads"] = [shown(path) for path in weighed.get("reads", [])]
    return text({**out, "files": [shown(f) for f in out["files"]], "weighed": weighed,
                 "evidence": [{**e, "path": shown(e["path"])} for e in out["evidence"]]})


def _checked_question(question: Any) -> None:
    """Refuse what no file can be asked: not text, empty, no word, bytes that are not UTF-8."""
    if not isinstance(question, str):
        raise TypeError(f"the question must be given as a str, not {type(question).__name__}")
    check_question(question)
    if (at := not_utf8_at(question)) is not None:  # bytes a shell passed that are not UTF-8 (\udcff here)
        raise ExploreError(f"the question is not UTF-8 text (a byte that is not, at character {at}); "
                           "retype it, or convert it (`iconv -f latin1 -t utf-8`)")


#: A question naming one file to ask for another: "Moshi.kt delegates enum handling to which file?"
_ASKS_ANOTHER_FILE = re.compile(r"\b(?:which|what)\s+(?:other\s+)?(?:files?|modules?|class(?:es)?)\b|\bwhere\s+else\b|"
                                # what makes the file it names (yaml-cpp's "is gen_emitter_test.cpp generated by a
                                # script, and which one?", Respect/Validation's "what regenerates data/postal-code.php?"
                                # answered the file itself)
                                r"\b(?:which|what)\s+(?:one|script|tool|command|tasks?|generator)\b|"
                                r"\b(?:generated|written|produced|created|built)\s+(?:by|from|with)\b|"
                                r"\bwhat\s+(?:re)?(?:generates|writes|produces|creates|builds|updates)\b|"
                                r"\bhow\s+(?:is|are)\s+\S+\s+(?:re)?(?:generated|produced|built)\b", re.I)


class Explorer:
    """Answer questions about one repository snapshot.

    ``policy``/``reflector`` may be given directly (tests, custom agents); otherwise the
    model named by ``model`` is loaded with the LoRA ``adapters`` (``{"policy": dir,
    "reflector": dir}``), sharing one frozen base in memory. ``adapters=None`` with the
    default model means what `explore train` made for this repository (as `explore ask` takes
    them), else the shipped navigator; ``{}`` means none (zero-shot). Without a
    ``config`` the environment takes the settings the policy was trained with. The model is
    loaded when a walk first needs it (or :attr:`policy` is read), not on construction.
    The candidate stage ranks with the combiner beside the policy adapter, else (``own_fit``)
    the one `explore train` fitted to this repository, else the shipped one: `ask --adapter
    DIR` passes ``own_fit=False``, so a folder without a fit ranks as shipped.
    """

    def __init__(
        self,
        repo: str | Path | Repository | Snapshot,
        rev: str | None = None,
        *,
        worktree: bool = False,
        model: str | os.PathLike[str] | None = None,
        adapters: dict[str, str | Path] | None = None,
        policy: DecisionPolicy | None = None,
        reflector: NoteWriter | str | None = None,
        chat_model: Any = None,
        max_steps: int | None = None,
        config: EnvConfig | None = None,
        progress: Any = None,
        retriever: RetrieverConfig | None = None,
        weigh: AnswerWeights | None = None,
        walk: str = "auto",
        own_fit: bool = True,
    ) -> None:
        if not isinstance(repo, (str, os.PathLike, Repository, Snapshot)):
            raise TypeError(f"repo must be a path (str or os.PathLike), a Repository or a Snapshot, not "
                            f"{type(repo).__name__}")
        if not isinstance(worktree, bool):
            raise TypeError(f"worktree must be True or False, not {worktree!r}")
        if adapters is not None and not isinstance(adapters, dict):
            raise TypeError(f'adapters must be a dict such as {{"policy": "path/to/policy"}}, not '
                            f"{type(adapters).__name__}")
        # each failed inside, at the first walk or answer ("'int' object has no attribute 'decide'")
        for name, value, duty in (("policy", policy, "decide"), ("chat_model", chat_model, "invoke")):
            if value is not None and not callable(getattr(value, duty, None)):
                kind = "a Policy" if name == "policy" else "a LangChain chat model"
                raise TypeError(f"{name} must be {kind} (an object with {duty}()), not {type(value).__name__}")
        if model is not None and not isinstance(model, (str, os.PathLike)):
            raise TypeError(f"model must be a model's name or folder (str or os.PathLike), not {type(model).__name__}")
        model = os.fspath(model) if isinstance(model, os.PathLike) else model  # read as the name it is everywhere
        if isinstance(reflector, str) and reflector not in ("lora", "none"):  # the first walk failed inside on it
            raise ExploreError(f"reflector must be 'lora' or 'none' (or an object with reflect()), not {reflector!r}")
        if reflector is not None and not isinstance(reflector, str) \
                and not callable(getattr(reflector, "reflect", None)):
            raise TypeError(f"reflector must be 'lora' or 'none' (or an object with reflect()), not "
                            f"{type(reflector).__name__}")
        repo_path = None
        self._looking: Any = None
        """`git status` of a repository given by its path, read at HEAD, under way: whether its
        working tree has changes HEAD does not show (said in the answers' notes; the CLI says it
        itself), with whether HEAD moved since the snapshot was taken."""
        self._watched: Repository | None = None  # that repository, looked at again before an answer
        self._looked = 0.0  # time.monotonic() of the last look
        self._seen: list[str] = []  # what the last look found to say
        self._live: Repository | None = None
        """A plain folder (or a working tree, ``worktree=True``), listed again before each
        question: its files as they are now are what a question is about."""
        self._live_worktree = worktree
        if isinstance(repo, Snapshot):
            if rev is not None or worktree:  # they were dropped: the answer was about the snapshot's own commit
                raise TypeError("rev and worktree choose what a path is read at; a Snapshot has chosen (give the "
                                "path, or Repository(path).snapshot(rev))")
            self.snapshot = repo
        else:
            source = repo if isinstance(repo, Repository) else Repository(repo)
            writable_cache()  # said as the CLI says it, not as a NotADirectoryError from deep in the snapshot
            self.snapshot = source.snapshot(rev, worktree=worktree)
            repo_path = source.path
            if rev is None and self.snapshot.rev is None:
                self._live = source
            if not isinstance(repo, Repository) and rev is None and not worktree and source.is_git:
                self._watched = source
                self._look()  # beside the index and the model
        as_shipped = False
        if adapters is None and policy is None:
            from .bundle import find_adapters
            from .models import DEFAULT_MODEL

            # as `explore ask` runs: what `explore train` made for this repository, else the shipped navigator
            own = find_adapters(repo_path, None) if repo_path is not None and model in (None, DEFAULT_MODEL) else {}
            as_shipped = not own and repo_path is not None and model in (None, DEFAULT_MODEL)
            adapters = (own or shipped_adapters()) if model in (None, DEFAULT_MODEL) else {}
        self.chat_model = chat_model
        self.adapters = {k: str(v) for k, v in (adapters or {}).items()}
        for name, folder in self.adapters.items():  # said now, not at the first walk (or never, unwalked)
            if name not in ADAPTER_NAMES:
                raise ExploreError(f"adapters: no adapter is called {name!r}; the names are "
                                   f"{', '.join(repr(n) for n in ADAPTER_NAMES)}")
            if policy is None and not (Path(folder) / "adapter_config.json").is_file():  # the model loads it
                raise AdapterNotFound(f"adapters[{name!r}]: no adapter at {folder} (adapter_config.json missing)")
        if config is None:
            config = trained_config(self.adapters) or EnvConfig()
        if max_steps is not None:  # else the horizon the policy was trained with (the navigator: 8)
            config = dataclasses.replace(config, max_steps=_steps(max_steps))  # a copy: the caller's stays as it is
        self.config = config
        self._asking = threading.Lock()
        """One question at a time: a question resets and walks the one environment (LangChain's
        batch and an agent's parallel tool calls ask from several threads)."""
        self.notes: list[str] = []
        self._asked_notes: list[str] = []  # what is said of the question asked now (a name no file holds)
        self.model_notes: list[str] = []
        """What loading the model found to say (a zero-shot model), said with the answers a walk gave."""
        if (lost := self.snapshot.missing_note) is not None:  # a file the clone lacks: said in every answer
            self.notes.append(lost)
        if as_shipped:
            from .bundle import unfinished_own_run

            if (unfinished := unfinished_own_run(repo_path)) is not None:  # a Ctrl-C'd `explore train`: said, not silent
                self.notes.append(unfinished)
        self.walk = _checked(walk)
        self._policy: DecisionPolicy | None = policy
        self._reflector: NoteWriter | str | None = reflector
        self._pending = (model, progress) if policy is None else None
        self._said = progress  # where a walk says it loads the model (seconds), and walks
        self._head = trained_head(self.adapters) if policy is None else None  # a bad policy.json says so now
        if policy is None and reflector == "lora" and "reflector" not in self.adapters:
            raise ExploreError(NO_REFLECTOR)
        if policy is None:
            from .models import DEFAULT_MODEL

            self.model_name = model or DEFAULT_MODEL  # the loaded model's own name once a walk loads it
        else:  # another Explorer's policy (one model shared) runs the model it was loaded with
            self.model_name = getattr(policy, "model_name", "") or "custom"
            self._settle_reflector()
        self.fitted = ""
        """The fitted ``combiner.json`` the candidate stage ranks with ("" for the shipped one)."""
        if retriever is None:  # `explore train` may have fitted the candidate stage to this repository
            retriever = fitted_retriever(self.adapters, repo_path, own_fit)
            self.fitted = str(trained_combiner(self.adapters, repo_path, own_fit) or "") if retriever is not None else ""
        self.retriever = retriever
        self.weigh = weigh if weigh is not None else trained_answer(self.adapters)
        """How the walk's answer is weighed against the candidate stage; None: it stands as walked."""
        self.env = RepoExploreEnv(self.snapshot, [Task("ask", "?", [])], self.config, retriever=retriever)

    @property
    def policy(self) -> DecisionPolicy:
        """The policy; loads the model (seconds) the first time it is needed."""
        if self._pending is not None:
            model, progress = self._pending
            self._policy, self._reflector = self._load(model, self._reflector, progress)
            self._pending = None
            self._settle_reflector()
        assert self._policy is not None
        return self._policy

    @policy.setter
    def policy(self, policy: DecisionPolicy) -> None:
        self._policy, self._pending = policy, None
        self._settle_reflector()

    @property
    def reflector(self) -> NoteWriter:
        """The reflector (none: notes are empty); loaded with the model."""
        self.policy  # noqa: B018 - loads the model, and the reflector with it
        return self._reflector  # type: ignore[return-value]

    @reflector.setter
    def reflector(self, reflector: NoteWriter) -> None:
        self._reflector = reflector

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (a walk needs it; settling without one does not)."""
        return self._pending is None

    def _settle_reflector(self) -> None:
        if self._reflector is None or self._reflector == "none":
            from .reflector import NoReflector

            self._reflector = NoReflector()

    def _load(self, model: str | None, reflector: NoteWriter | str | None, progress: Any):
        from .models import DEFAULT_MODEL, load_adapters, load_fast, resolve_model
        from .policy import LMPolicy
        from .reflector import LoRAReflector

        # the numpy runtime (policy adapter merged; no torch, transformers or peft) where it applies
        fast = load_fast(model or DEFAULT_MODEL, self.adapters, reflector=reflector, progress=progress)
        loaded = fast or resolve_model(model or DEFAULT_MODEL, progress=progress)
        self.model_name = loaded.name
        lm = loaded.model
        if self.adapters and fast is None:
            lm = load_adapters(loaded, self.adapters)
        if "policy" not in self.adapters:  # said of a walk: an answer no walk gave owes nothing to the model
            self.model_notes.append(
                f"no trained adapters: {loaded.name} runs zero-shot, which is close to random here; "
                "run `explore train REPO` to fit it to this repository"
            )
        if fast is not None:
            from .runtime import RuntimePolicy

            policy: Any = RuntimePolicy(lm, loaded.tokenizer, head=self._head)
        else:
            adapter = "policy" if "policy" in self.adapters else None
            policy = LMPolicy(lm, loaded.tokenizer, adapter=adapter, head=self._head)
        policy.model_name = loaded.name  # an Explorer handed this policy to share the model says its name too
        if reflector is None:
            reflector = "lora" if "reflector" in self.adapters else "none"
        if reflector == "lora":
            if "reflector" not in self.adapters:
                raise ExploreError(NO_REFLECTOR)
            if fast is not None and fast.reflector is not None:
                from .runtime import RuntimeReflector

                reflector = RuntimeReflector(fast.reflector, loaded.tokenizer)
            else:
                reflector = LoRAReflector(lm, loaded.tokenizer, adapter="reflector")
        return policy, reflector

    # -- asking ------------------------------------------------------------------------
    def walks(self, question: str, walk: str | None = None) -> bool:
        """Whether :meth:`ask` would walk for ``question`` under ``walk`` (default this
        explorer's): always, or where the walk can change the answer — before the answers
        :meth:`ask` gives without a walk (a bare name, a named file, a config file it names), so
        a walk's model is loaded only once :meth:`ask` reaches the walk, never on this guess."""
        # "" or False is no mode, refused as ask() refuses it (it guessed for this explorer's mode)
        mode = _checked(self.walk if walk is None else walk)
        return mode == "always" or (walk_matters(self.weigh, question)
                                    and not is_bare_name(question))  # grep-like: the stage

    def search(self, question: str, k: int = 10) -> list[dict[str, Any]]:
        """The candidate stage's ``k`` best files for ``question`` without walking or loading a
        model, as `explore search --json` lists its ``hits`` (``path``, ``score``, ``why``,
        ``line``, ``lines``), ranked as :meth:`ask` ranks (the repository's fitted combiner where
        `explore train` kept one); ``[]`` when no file matches."""
        from ..retrieval.retriever import RetrieverConfig, retriever_for
        from ..search_result import search_rows

        _checked_question(question)
        # a numpy or pandas integer is the whole number it holds; a bool is a flag, a float a fraction
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= 100:
            raise ExploreError(f"k must be a whole number from 1 to 100, not {k!r}")
        k = int(k)
        with self._asking:  # the walk's own index and stage: its units and symbol table are built once for both
            self._relist()
            _snapshot, index = self.env.indexed()
            hits = retriever_for(index, self.retriever or RetrieverConfig()).rank(question, k)
            return search_rows(self.snapshot, hits, question)

    def ask(self, question: str, max_steps: int | None = None, walk: str | None = None) -> Answer:
        """Answer ``question``: walk the repository where the walk can change the answer
        (``walk``, default this explorer's: ``auto``), else settle from the rankings.
        Safe to call from several threads: they take turns."""
        _checked_question(question)
        if max_steps is not None:
            _steps(max_steps)
        if walk is not None:  # "" or False is no mode: it answered as this explorer's, silently
            _checked(walk)
        with self._asking:
            if self._watched is not None and time.monotonic() - self._looked >= LOOK_AGAIN:
                # an editor's user changes the tree between questions: beside this answer (a look not
                # yet read, the one made with the Explorer or left by an answer that failed, is as old)
                self._look()
            self._relist()
            answer = self._ask(question, max_steps, walk)
            if self._looking is not None:
                self._seen, self._looking = self._looking(), None
            answer.notes.extend(n for n in self._seen if n not in answer.notes)
            return answer

    def _relist(self) -> None:
        """A plain folder or working tree changed since it was listed (a file added, edited,
        deleted): answer about it as it is now (it answered a deleted file, ``[no such path]``
        its evidence), as ``explore serve`` does. Its index is built again, as for a new folder."""
        if self._live is None:
            return
        now = self._live.snapshot(worktree=self._live_worktree)
        if now.key != self.snapshot.key:
            self.snapshot = now
            self.env = RepoExploreEnv(now, [Task("ask", "?", [])], self.config, retriever=self.retriever)

    def _look(self) -> None:
        """Start looking, in a thread, whether the working tree has changes HEAD does not show
        and whether HEAD moved away from the snapshot (a commit, a checkout since)."""
        from ..handoff import differs_later

        source, rev = self._watched, self.snapshot.rev
        assert source is not None
        differs = differs_later(source.path)
        self._looked = time.monotonic()

        def seen() -> list[str]:
            notes = [UNCOMMITTED_NOTE] if differs() else []
            try:
                head = source.resolve_rev(None)
            except ExploreError:  # HEAD unreadable now (a rebase in progress?): nothing to say of it
                head = rev
            if rev and head != rev:
                notes.append(f"HEAD moved to {head[:10]} since this Explorer read {rev[:10]}, which it still "
                             "answers about: make a new Explorer(repo) to read the new commit")
            return notes

        self._looking = seen

    def _ask(self, question: str, max_steps: int | None, walk: str | None) -> Answer:
        started = time.perf_counter()
        walking = self.walks(question, walk)
        env = self.env
        horizon = max_steps or self.config.max_steps  # this walk's only: the config is shared
        obs, info = env.reset(seed=0, options={"task": Task("ask", question, []), "max_steps": max_steps or None})
        self._asked_notes = []  # said of the question before: an answer given before they are set says none of it
        if asks_definition(question) and (unheard := env.unheard_of()):
            # no file holds the name, let alone defines it: any file named would be a guess
            names = ", ".join(f"`{n}`" for n in unheard)
            # (a name defined further into a longer file is not seen: chi's 1.7 MB generated api.gen.go, whose
            # `GetItem2999` it was told no file defines)
            return self._unwalked(question, started, [], f"no file of the repository holds {names} in the text "
                                  "indexed (each file's first 100 KB; a definition further into a longer file is not "
                                  "seen): check the spelling, or `--rev` for another commit")
        # a name no file holds, in a question with other words: answered by them, and said (sqlx's "where is the
        # MongoDB support?" answered sqlx.go, exit 0, as if it had found it)
        unheard = [] if is_statement(question) else env.unheard_of()
        self._asked_notes = [f"no file of the repository holds {', '.join(f'`{n}`' for n in unheard)}: the answer "
                             "matches the question's other words"] if unheard else []
        if is_only_a_reference(question):  # its words would only match code about URLs
            return self._unwalked(question, started, [], ONLY_A_REFERENCE)  # the CLI adds how to paste it
        if any(c.isalpha() and not c.isascii() for c in question) and not parse(question).terms:
            # "如何添加帮助文本", "ñññ": letters, none of them in a word the index reads
            return self._unwalked(question, started, [], NO_INDEXED_WORD)
        if env.holds_no_word():
            return self._unwalked(question, started, [], "no file of the repository holds a word of the question in "
                                  "the text indexed (a file's first 100 KB): check the spelling, or `--rev` for another commit")
        if not walking and self.weigh is not None and not settle(
                self.weigh, [], {}, env.stage_ranking(), env.lexical_ranking(), None, question):
            walking = True  # no code file among the rankings' first: only a walk can answer
        if is_bare_name(question) and (walk or self.walk) != "always" and (stage := env.stage_ranking()):
            # a name alone, as typed into grep: the file defining it, as `search` ranks it (a config
            # file setting it too, which the gate for questions about code would rule out)
            return self._unwalked(question, started, stage, "a name alone: answered as the candidate stage ranks "
                                  "where it is defined, without walking")
        if (walk or self.walk) != "always" and asks_where_raised(question) and parse(question).names \
                and (stage := env.stage_ranking()):
            # "where is JsonEncodingException thrown?": the stage lifts the code throwing it, and BM25, which
            # matched the class's own short file best, undid that when the two were weighed together
            return self._unwalked(question, started, stage, "the question asks where a name is raised: answered as "
                                  "the candidate stage ranks the code raising it, without walking")
        if (walk or self.walk) != "always" and not is_statement(question) and (stage := env.stage_ranking()) \
                and file_kind(stage[0][0]) != "config" and names_file(question, stage[0][0]) \
                and not asks_for_tests(question) and not asks_for(question, "docs") \
                and not _ASKS_ANOTHER_FILE.search(question):
            # "where is src/parser.y?": the file it names, which the stage ranks first (BM25, which
            # reads no paths, put the parser generated from it first, and settling weighed both)
            return self._unwalked(question, started, stage, f"the question names {stage[0][0].rsplit('/', 1)[-1]}: "
                                  "answered with it as the candidate stage ranks it, without walking")
        if (walk or self.walk) != "always" and (names_config(question) or dependency_asked(question) is not None) \
                and (stage := env.stage_ranking()) \
                and file_kind(stage[0][0]) == "config" and (names_file(question, stage[0][0])
                                                            or names_tool(question, stage[0][0])
                                                            or self._pins_dependency(question, stage[0][0])):
            # "what does tsconfig.json set?", "where is the phpunit configuration?": the file it names, or
            # the tool's own, which the stage ranks first (the walk read code or another config file
            # for such questions as often as not: Slim's CI workflow, which runs phpunit)
            named = stage[0][0].rsplit("/", 1)[-1]
            said = f"the question names {named}" if names_file(question, stage[0][0]) else \
                f"the question asks for the version of {dependency_asked(question)} {named} pins" \
                if self._pins_dependency(question, stage[0][0]) and not names_tool(question, stage[0][0]) else \
                f"the question asks for the language version {named} declares" \
                if declares_version_asked(question, stage[0][0]) else f"the question asks what CI's {named} runs" \
                if asks_ci_file(question, stage[0][0]) else f"the question names the tool {named} configures"
            return self._unwalked(question, started, stage,
                                  f"{said}: answered with it as the candidate stage ranks it, without walking")
        if walking:
            if self._pending is not None and (say := self._pending[1]) is not None:
                say("loading the model…")
            self.policy  # noqa: B018 - loads the model now, with the notes loading it leaves
            if (say := self._said) is not None:
                say("walking the repository…")
        notes = [*self.notes, *(self.model_notes if walking else []), *self._asked_notes]
        if clip_question(question)[1] and walking:
            notes.append("the question is long: the prompt shows its start, scent uses all of it")
        steps: list[Step] = []
        answered: str | None = None
        last: dict[str, float] = {}  # p(answer f) at the policy's last decision
        if not walking:
            # (a test asked for is said so: "asks for code" read as wrong beside a test file answered)
            why = ("a statement (a description, as a bug report or commit message is) asks for code"
                   if is_statement(question) else
                   "the question asks for a test (no docs or config file, not where a name is defined)"
                   if asks_for_tests(question) else
                   "the question asks for code (no docs or config file, not where a name is defined)")
            notes.append(f"answered from {settled_by(self.weigh, question) if self.weigh else 'the candidate stage'} "
                         f"without walking: {why}, where the walk's pick does not change the answer "
                         "(`--walk always` walks)")
            horizon = 0
        prefix = policy_prefix(obs) if walking else ""
        for _ in range(horizon):
            t0 = time.perf_counter()
            kind = "analyze"
            note = self.reflector.reflect([obs], kind=kind)[0]
            decision = self.policy.decide([policy_prompt(obs, note)], [info["labels"]], greedy=True,
                                          prefix=prefix)[0]
            chosen_action = env.actions[decision.index]
            action = chosen_action.text
            # reading again a file this walk has read shows nothing new: a policy that asks
            # for it is settled on that file (left alone, a weak one re-reads it to the end)
            again = chosen_action.kind == "read" and env.ws is not None and chosen_action.arg in env.ws.reads
            probs = getattr(decision, "probs", [])
            last = answer_probs([a.text for a in env.actions], probs)
            obs, _reward, terminated, truncated, info = env.step(decision.index)
            steps.append(Step(action, note, env.last_result[:400], time.perf_counter() - t0,
                              [round(float(p), 4) for p in probs]))
            first = (chosen_action.kind == "read" and self.weigh is not None and self.weigh.first_read
                     and env.ws is not None and len(env.ws.reads) == 1)
            if not (terminated or truncated) and (again or first):
                # the bundle's rule (the first file read is the answer), or a read repeated
                target = chosen_action.arg if again else env.ws.reads[-1]
                chosen = next((i for i, a in enumerate(env.actions) if a.kind == "answer" and a.arg == target), None)
                if chosen is not None:
                    t0 = time.perf_counter()
                    answer = env.actions[chosen].text
                    obs, _reward, terminated, truncated, info = env.step(chosen)
                    steps.append(Step(answer, "", env.last_result[:400], time.perf_counter() - t0))
                    if again:
                        notes.append(f"the walk asked to read {target} again: answering it")
            if terminated:
                answered = info["answered"]
                break
            if truncated:
                break
        ws = env.ws
        assert ws is not None
        finished = answered is not None or not walking
        # the stage's ranking costs a retrieval: only where the offer or the weighing uses it
        stage = env.stage_ranking() if self.weigh is not None or self.config.offer != "bm25" else []
        weighed = {"walked": walking, "walk": answered, "answer_p": last, "reads": list(ws.reads),
                   "settled_by": settled_by(self.weigh, question) if self.weigh is not None else None,
                   "stage": [[p, round(s, 5)] for p, s in stage],
                   "bm25": [[p, round(s, 5)] for p, s in env.lexical_ranking()]}
        if self.weigh is not None:
            # a walk out of steps weighs the file it read last as its answer: the page a docs question
            # asked for stands (with --max-steps 1 it read docs/deployment/index.md and a code file answered)
            walked = answered if answered is not None or not walking or not ws.reads else ws.reads[-1]
            documented = walked is not None and documents_api(walked, self.snapshot.text(walked) or "")
            weighed_files = settle(self.weigh, ws.reads, last, stage, env.lexical_ranking(), walked, question,
                                   documented, env.stage_why())
            settled = declarations_behind(question, [f for f, _ in weighed_files], [p for p, _ in stage],
                                          env.stage_why())
            if walking and walked is not None and settled == [walked]:  # it stood: no ranking weighed it
                weighed["settled_by"] = "the walk's own answer, the kind of file the question asks for"
            if settled and answered is not None and settled[0] != answered:
                by = self._outweighed_by(question, settled[0], answered, stage, env.lexical_ranking())
                notes.append((f"the walk answered {answered}, a file that answers only questions about it "
                              f"(the question is not one): answering the candidate stage's best"
                              if not_asked_about(answered, question) else
                              f"the walk answered {answered}, a {file_kind(answered)} file, but the question asks "
                              + (f"for a {file_kind(settled[0])} file: answering the candidate stage's best"
                                 if file_kind(settled[0]) != "code" else "about behaviour: answering the best code file"))
                             if off_topic(self.weigh, answered, question) else
                             f"the walk answered {answered}, a code file, but the question asks for documentation: "
                             "answering the page the candidate stage ranks first"
                             if file_kind(answered) == "code" and file_kind(settled[0]) == "docs" else
                             f"the walk answered {answered}; {by} {'outweigh' if ' and ' in by else 'outweighs'} it")
            # nothing settled (no code file ranked) and the question matches not even the file the
            # walk answered, off-topic as it is (a docs-only repository's page that a bug report
            # matches still stands): no answer, rather than whatever the walk read
            matched = {p for p, _ in stage} | {p for p, s in env.lexical_ranking() if s > 0}
            if not settled and answered is not None and answered not in matched:
                notes.append(f"no file matches the question: the walk answered {answered}, a {file_kind(answered)} "
                             "file the question neither asks for nor shares a word with")
                answered = None
            elif not settled and answered is not None:
                settled = [answered]
            answered = settled[0] if settled else answered
            # nothing settled: what the walk was offered is no answer either (code_only ruled it out)
            ranked = settled_order(settled, [p for p, _ in stage], env.offered())
        else:
            ranked = walked_order(answered, ws.reads, env.offered())
        if not finished:
            answered = ranked[0] if ranked else None
            notes.append(f"the walk ran out of {horizon} steps; " + ("answering the best candidate seen" if answered
                                                                    else "no candidate was seen"))
        if answered is None:
            ranked = []  # files lists the answer first: with none, no file stands in for it
        evidence = [self._evidence(answered, question)] if answered else []
        text = self._compose(question, evidence) if evidence else "no answer found"
        return Answer(question, ranked, evidence, text, steps, time.perf_counter() - started,
                      self.model_name, self.adapters, notes, finished, weighed, self.fitted)

    def _outweighed_by(self, question: str, chosen: str, walked: str, stage: list[tuple[str, float]],
                       bm25: list[tuple[str, float]]) -> str:
        """The rankings that put ``chosen`` above the walk's ``walked``, in words: of those
        :func:`settled_by` names, the ones that rank it higher (the note named both where the
        stage agreed with the walk and BM25 alone outweighed them)."""
        named = settled_by(self.weigh, question)
        preferred = []
        for words, ranking in (("the candidate stage", stage), ("BM25", bm25)):
            scores = dict(ranking)
            if words in named and scores.get(chosen, float("-inf")) > scores.get(walked, float("-inf")):
                preferred.append(words)
        return " and ".join(preferred) or named

    def _pins_dependency(self, question: str, path: str) -> bool:
        """Whether ``path`` holds the line pinning the version of the dependency ``question``
        asks for (retrofit's "where is the OkHttp version pinned?" walked to a build file that
        only names it, where the stage ranked the version catalogue first)."""
        return dependency_asked(question) is not None and \
            dependency_line(question, file_lines(self.snapshot.text(path) or "")) is not None

    def _unwalked(self, question: str, started: float, stage: list[tuple[str, float]], note: str) -> Answer:
        """The answer settled before any walk: the candidate stage's ranking (none: no answer)."""
        ranked = [p for p, _ in stage][:RANKED]
        evidence = [self._evidence(ranked[0], question)] if ranked else []
        return Answer(question, ranked, evidence, self._compose(question, evidence) if evidence else "no answer found",
                      [], time.perf_counter() - started, self.model_name, self.adapters,
                      [*self.notes, *self._asked_notes, note], True,
                      {"walked": False, "walk": None, "answer_p": {}, "reads": [],
                       "settled_by": "the candidate stage" if ranked else None,
                       "stage": [[p, round(s, 5)] for p, s in stage],
                       "bm25": [[p, round(s, 5)] for p, s in self.env.lexical_ranking()] if ranked else []},
                      self.fitted)

    def _evidence(self, path: str, question: str) -> Evidence:
        text = self.snapshot.text(path)
        if text is None:  # no lines to show: say what the file is, as `read` does, not an empty panel
            try:
                win = self.snapshot.read_window(path, 1, 1)
                said = f"[binary file, {win.size} bytes]" if win.binary else "[unreadable file]"
            except ExploreError as exc:  # gone from a working tree since the Explorer listed it
                said = f"[{exc}]"
            return Evidence(path, 1, 1, said)
        lines = file_lines(text)
        start = evidence_start(lines, question, path, EVIDENCE_LINES, self.env.best_unit(path))
        chunk = lines[start - 1 : start - 1 + EVIDENCE_LINES]
        return Evidence(path, start, start + max(len(chunk), 1) - 1, "\n".join(shown_line(line) for line in chunk))

    def _compose(self, question: str, evidence: list[Evidence]) -> str:
        ev = evidence[0]
        if self.chat_model is None:
            return f"{shown(ev.path)}, lines {ev.start_line}–{ev.end_line}"
        prompt = (f"Question about a code repository: {question}\n\nThe answer is in {ev.path}, lines "
                  f"{ev.start_line}-{ev.end_line}:\n{ev.text}\n\nAnswer the question briefly, citing the file.")
        from .reflector import message_text  # no model code: a reply's text, from a string or content blocks

        return message_text(self.chat_model.invoke(prompt))

    # -- LangChain -------------------------------------------------------------------
    def as_runnable(self):
        """A LangChain ``Runnable``: invoke with a question (a string, or ``{"question": …}``
        as a chain's prompt variables pass it), get the answer as a dict. Its input and
        output schemas say so, for chains and LangServe that read them; any other input is
        a ``TypeError`` that names what it takes."""
        from langchain_core.runnables import RunnableLambda

        from .ask_input import AskRepoInput, AskRepoOutput

        def ask(question: str | AskRepoInput | dict) -> dict:
            if isinstance(question, AskRepoInput):
                question = question.question
            elif isinstance(question, dict):
                if "question" not in question:
                    raise TypeError("explore_ask takes {'question': '...'}: the dict has no 'question' key (it has "
                                    f"{', '.join(repr(k) for k in question) or 'none'})")
                if extra := [k for k in question if k != "question"]:  # the input schema forbids them
                    raise TypeError("explore_ask takes {'question': '...'} alone, not "
                                    f"{', '.join(repr(k) for k in extra)} too")
                question = question["question"]
            if not isinstance(question, str):
                raise TypeError("explore_ask takes a question: a string or {'question': '...'}, "
                                f"not {type(question).__name__}")
            return self.ask(question).to_dict()

        return RunnableLambda(ask, name="explore_ask").with_types(input_type=str | AskRepoInput, output_type=AskRepoOutput)
