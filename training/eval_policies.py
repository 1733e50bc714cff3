"""The policies evaluation scores, and what it needs of one.

A policy for evaluation is anything with ``name``, ``ranks`` and ``run(task, env) ->
EpisodeResult`` (:class:`EvalPolicy`); :mod:`.evaluate` runs them and keeps the registry
``explore eval --policy`` chooses from. The baselines:

* ``oracle`` — replays the task's proven shortest walk (an upper bound; ≈1.0 by design);
* ``random`` — a uniform label at every step, seeded per task (the floor);
* ``bm25`` — flat retrieval, no walking: answers the top-scoring file and ranks the rest,
  so acc@1/3/5 are reported. It takes one step, so its SPL equals its success;
* ``bm25-code`` — the same over source files only; ``retrieve`` — the candidate stage alone;
* ``scent`` — a greedy walk: step into the entry with the strongest scent, read a file
  here when it beats every subfolder, answer right after reading;
* ``features`` — BM25's top 5 reordered by the features the navigator sees;

and ``navigator``, the trained agent exactly as `explore ask` runs it. A step-wise
``choose(obs, info) -> label`` function (e.g. a language model) becomes a policy by
:class:`ChooserPolicy`.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..agent.env import EnvConfig, RepoExploreEnv
from ..agent.task import Task
from ..question_text import EmptyQuestion, QuestionTooLong
from ..retrieval.retriever import RetrieverConfig, retriever_for
from ..sandbox.errors import ExploreError
from ..sandbox.index import Index
from ..sandbox.outline import file_kind
from .oracle import label_of, shortest_path, solve
from .tasks.history import is_source

#: The k of the acc@k a ranking policy is scored at (a ranking keeps the best max(k) files).
ACC_KS = (1, 3, 5, 10)


class UnknownPolicy(ExploreError):
    """A ``--policy`` name nobody registered."""


@dataclass
class EpisodeResult:
    """One task's outcome. ``ranked`` is the policy's answer first, then its runners-up."""

    ranked: list[str]
    steps: int
    success: bool
    invalid: int = 0
    seconds: float = 0.0
    actions: list[str] = field(default_factory=list)
    task_id: str = ""
    source: str = ""
    depth: int = 0
    oracle_steps: int = 0
    first_hit: int | None = None
    """1-based rank of the first right file in ``ranked`` (set by the harness), for acc@k."""
    weighed: dict[str, Any] = field(default_factory=dict)
    """The navigator's :attr:`~explore.agent.explorer.Answer.weighed` (what its answer was settled
    from); empty for the other policies."""
    question: str = ""
    targets: list[str] = field(default_factory=list)
    """The files that answer the task (any one is right), set by the harness with ``question``
    and ``rev``: a row of ``eval --json --rows`` is read without rebuilding its task."""
    rev: str | None = None

    @classmethod
    def ranking(cls, ranked: list[str], task: Task) -> EpisodeResult:
        """A one-step answer by a ranking: its first file answered, the rest runners-up."""
        success = bool(ranked) and ranked[0] in task.targets
        return cls(ranked, 1, success, actions=[f"answer {ranked[0]}"] if ranked else [])

    @property
    def spl(self) -> float:
        if not self.success:
            return 0.0
        return self.oracle_steps / max(self.steps, self.oracle_steps, 1)


class EvalPolicy(Protocol):
    """What the harness needs of a policy."""

    name: str
    ranks: bool
    """True when ``ranked`` is a real ranking, so acc@k means something."""

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult: ...


def walk(env: RepoExploreEnv, task: Task, choose: Callable[[str, dict[str, Any]], int | None]) -> EpisodeResult:
    """Run one episode, asking ``choose(obs, info)`` for a label each step (None gives up)."""
    obs, info = env.reset(options={"task": task})
    invalid, success = 0, False
    while True:
        label = choose(obs, info)
        if label is None:
            break
        if not 0 <= label < len(env.actions):
            invalid += 1
        obs, _, terminated, truncated, info = env.step(label)
        if terminated or truncated:
            success = bool(info["success"])
            break
    answered = env.ws.answered if env.ws else None
    return EpisodeResult([answered] if answered else [], env.steps, success, invalid, actions=list(env.history))


class ChooserPolicy:
    """Adapts a step-wise ``choose(obs, info) -> label`` (e.g. a language model) to eval."""

    ranks = False

    def __init__(self, name: str, choose: Callable[[str, dict[str, Any]], int | None]) -> None:
        self.name = name
        self._choose = choose

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        return walk(env, task, self._choose)


class OraclePolicy:
    """Replays the task's stored oracle (or proves one now): the ceiling, ≈1.0 by design."""

    name, ranks = "oracle", False

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        path = task.oracle
        if not path:
            path, _ = solve(env, task)
            path = path or shortest_path(sorted(task.targets, key=lambda t: t.count("/"))[0])
        steps = iter(path)
        return walk(env, task, lambda obs, info: _label_or_none(env, next(steps, None)))


def _label_or_none(env: RepoExploreEnv, text: str | None) -> int | None:
    return None if text is None else label_of(env, text)


class RandomPolicy:
    """A uniform label every step, seeded per task so reruns match: the floor."""

    name, ranks = "random", False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        rng = random.Random(f"{self.seed}:{task.id}")
        return walk(env, task, lambda obs, info: rng.randrange(len(env.actions)) if env.actions else None)


class BM25Policy:
    """Flat retrieval without walking: the bar a walking agent has to clear."""

    name, ranks = "bm25", True

    def __init__(self, k: int = max(ACC_KS)) -> None:
        self.k = k

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        ws = env.workspace_for(task)
        index = ws.index or Index.build(ws.snapshot)
        ranked = [f for f, _ in index.top(task.question, self.k)]
        return EpisodeResult.ranking(ranked, task)


class CodeBM25Policy(BM25Policy):
    """BM25 over source-code files only (tests included, docs/config/data left out): the
    plain script people write for bug reports, and the bar real questions set."""

    name = "bm25-code"

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        ws = env.workspace_for(task)
        index = ws.index or Index.build(ws.snapshot)
        scores = index.scores(task.question)
        keep = [i for i, f in enumerate(index.files) if scores[i] > 0 and is_source(f)]
        keep.sort(key=lambda i: (-scores[i], index.files[i]))
        ranked = [index.files[i] for i in keep[: self.k]]
        return EpisodeResult.ranking(ranked, task)


class RetrievePolicy:
    """The candidate stage on its own (:mod:`explore.retrieval`): fused file, unit,
    symbol and path evidence; answers its first file and ranks the rest."""

    name, ranks = "retrieve", True

    def __init__(self, k: int = max(ACC_KS), config: RetrieverConfig | None = None) -> None:
        self.k, self.config = k, config

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        ws = env.workspace_for(task)
        index = ws.index or Index.build(ws.snapshot)
        ranked = [h.path for h in retriever_for(index, self.config).rank(task.question, self.k)]
        return EpisodeResult.ranking(ranked, task)


class ScentPolicy:
    """A greedy walk on the environment's own scent annotations, with no learning."""

    name, ranks = "scent", False

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        return walk(env, task, lambda obs, info: self.choose(env))

    @staticmethod
    def choose(env: RepoExploreEnv) -> int | None:
        """Answer what was just read; else the strongest-scent unread file or subfolder
        (a file wins ties: it is the shorter path); else go back up."""
        ws = env.ws
        assert ws is not None
        if env.history and env.history[-1].startswith("read ") and ws.reads:
            label = label_of(env, f"answer {ws.reads[-1]}")
            if label is not None:
                return label
        best: tuple[float, bool] | None = None
        choice = None
        for i, act in enumerate(env.actions):
            if act.kind == "answer" or act.arg == ".." or (act.kind == "read" and act.arg in ws.reads):
                continue
            key = (ws.scent(act.arg) or 0.0, act.kind == "read")
            if best is None or key > best:
                best, choice = key, i
        if choice is None:
            return label_of(env, "cd ..")
        return choice


class FeaturePolicy:
    """BM25's top 5 reordered by hand with the features the navigator sees: a file that
    defines a name the question uses, or a docs file with a heading the question names,
    comes first unless it is a test; then non-tests; then BM25's order.

    Not learned and not shipped: it is the bar beside ``bm25`` that shows what the
    features alone are worth, so the trained navigator's gain can be read honestly.
    """

    name, ranks = "features", True

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        env.reset(seed=0, options={"task": task})
        assert env.ws is not None
        index = env.ws.index or Index.build(env.ws.snapshot)
        ranked = [f for f, s in index.top(task.question, 5) if s > 0]

        def key(item: tuple[int, str]) -> tuple[bool, bool, int]:
            rank, path = item
            test = file_kind(path) == "test"
            strong = bool(env.defined_matches(path) or env.matched_heading(path))
            return (not strong or test, test, rank)

        order = [path for _, path in sorted(enumerate(ranked), key=key)]
        return EpisodeResult.ranking(order, task)


class NavigatorPolicy:
    """The trained agent exactly as `explore ask` runs it (model, adapters, the environment
    settings they were trained with, the out-of-steps fallback): ``ranked`` is the answer's
    file list. Without ``adapters`` it is the navigator shipped in the package.
    """

    name, ranks = "navigator", True

    def __init__(self, adapters: dict[str, str] | None = None, model: str | None = None,
                 reflector: str | None = None, offer: str | None = None) -> None:
        from ..agent.bundle import shipped_adapters

        self.adapters = adapters if adapters is not None else {k: str(v) for k, v in shipped_adapters().items()}
        if "policy" not in self.adapters:
            raise UnknownPolicy("no navigator to evaluate: none is shipped in this install; pass trained "
                                "adapters (`explore eval ... --adapter DIR`)")
        self.model, self.reflector = model, reflector
        self.offer = offer
        """Where candidates come from (``bm25``/``retrieve``) instead of the adapters' own ``env.json``."""
        self._explorers: dict[str, Any] = {}

    def run(self, task: Task, env: RepoExploreEnv) -> EpisodeResult:
        from ..agent.explorer import Explorer

        snapshot = env.workspace_for(task).snapshot
        explorer = self._explorers.get(snapshot.key)
        if explorer is None:
            if not self._explorers:  # the first loads the model; the others share its policy
                config = None
                if self.offer is not None:
                    from ..agent.bundle import trained_config

                    config = replace(trained_config(self.adapters) or EnvConfig(), offer=self.offer)
                explorer = Explorer(snapshot, model=self.model, adapters=self.adapters, reflector=self.reflector,
                                    config=config)
            else:
                first = next(iter(self._explorers.values()))
                explorer = Explorer(snapshot, policy=first.policy, reflector=first.reflector, config=first.config,
                                    adapters=self.adapters)
            self._explorers[snapshot.key] = explorer
        try:
            answer = explorer.ask(task.question)
        except (EmptyQuestion, QuestionTooLong):  # "???", "x": unanswered, as every other policy scores it,
            return EpisodeResult([], 0, False)   # not an error that threw away every score made so far
        ranked = list(answer.files)
        # an answer given without walking is one step, as a ranking's is (eval's table showed 0.00 beside 1.00)
        steps = len(answer.steps) or int(bool(ranked))
        return EpisodeResult(ranked, steps, bool(ranked) and ranked[0] in task.targets,
                             actions=[s.action for s in answer.steps], weighed=answer.weighed)
