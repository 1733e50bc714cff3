"""Evaluation: run a policy on tasks in :class:`RepoExploreEnv` and measure it.

A policy for evaluation is anything with ``name``, ``ranks`` and ``run(task, env) ->
EpisodeResult`` (:class:`EvalPolicy`). Four baselines ship here; the learned agent plugs
in later with :func:`register_policy` (or by wrapping a ``choose(obs, info) -> label``
function in :class:`ChooserPolicy`):

* ``oracle`` — replays the task's proven shortest walk (an upper bound; ≈1.0 by design);
* ``random`` — a uniform label at every step, seeded per task (the floor);
* ``bm25`` — flat retrieval, no walking: answers the top-scoring file and ranks the rest,
  so acc@1/3/5 are reported. It takes one step, so its SPL equals its success;
* ``scent`` — a greedy walk: step into the entry with the strongest scent, read a file
  here when it beats every subfolder, answer right after reading.

Metrics: success, acc@k (ranking policies), SPL (success weighted by oracle length /
max(actual, oracle length)), mean steps, invalid-action rate, seconds p50/p90 — overall,
by source and by depth.
"""
from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from ..agent.env import EnvConfig, RepoExploreEnv
from ..agent.task import Task
from ..retrieval.retriever import RetrieverConfig, retriever_for
from ..sandbox.errors import ExploreError
from ..sandbox.index import Index
from ..sandbox.outline import file_kind
from ..sandbox.snapshot import Repository
from .oracle import label_of, shortest_path, solve
from .tasks.history import is_source

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
    """The navigator's :attr:`~explore.agent.explorer.Answer.weighed` (what its answer was settled from)."""

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
        success = bool(ranked) and ranked[0] in task.targets
        return EpisodeResult(ranked, 1, success, actions=[f"answer {ranked[0]}"] if ranked else [])


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
        success = bool(ranked) and ranked[0] in task.targets
        return EpisodeResult(ranked, 1, success, actions=[f"answer {ranked[0]}"] if ranked else [])


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
        success = bool(ranked) and ranked[0] in task.targets
        return EpisodeResult(ranked, 1, success, actions=[f"answer {ranked[0]}"] if ranked else [])


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
        success = bool(order) and order[0] in task.targets
        return EpisodeResult(order, 1, success, actions=[f"answer {order[0]}"] if order else [])


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
        answer = explorer.ask(task.question)
        ranked = list(answer.files)
        return EpisodeResult(ranked, len(answer.steps), bool(ranked) and ranked[0] in task.targets,
                             actions=[s.action for s in answer.steps], weighed=answer.weighed)


POLICIES: dict[str, Callable[[int], EvalPolicy]] = {
    "oracle": lambda seed: OraclePolicy(),
    "random": lambda seed: RandomPolicy(seed),
    "bm25": lambda seed: BM25Policy(),
    "bm25-code": lambda seed: CodeBM25Policy(),
    "retrieve": lambda seed: RetrievePolicy(),
    "scent": lambda seed: ScentPolicy(),
    "features": lambda seed: FeaturePolicy(),
    "navigator": lambda seed: NavigatorPolicy(),
}


def register_policy(name: str, factory: Callable[[int], EvalPolicy]) -> None:
    """Make ``name`` available to :func:`make_policy` (and so to ``explore eval --policy``)."""
    POLICIES[name] = factory


def make_policy(name: str, seed: int = 0) -> EvalPolicy:
    """The policy registered as ``name``, seeded (only ``random`` uses the seed today)."""
    factory = POLICIES.get(name)
    if factory is None:
        raise UnknownPolicy(f"unknown policy {name!r}; choose from {', '.join(POLICIES)}")
    return factory(seed)


@dataclass
class EvalReport:
    """One policy's episodes on a task set; :meth:`summary` is what ``--json`` prints."""

    policy: str
    ranks: bool
    results: list[EpisodeResult]

    def summary(self) -> dict[str, Any]:
        """The JSON shape: overall metrics plus the same metrics ``by_source`` and ``by_depth``."""
        out = {"policy": self.policy, **metrics(self.results, self.ranks)}
        for key, attr in (("by_source", "source"), ("by_depth", "depth")):
            groups: dict[str, list[EpisodeResult]] = defaultdict(list)
            for r in self.results:
                groups[str(getattr(r, attr))].append(r)
            order = sorted(groups, key=lambda g: (int(g) if g.isdigit() else 0, g))
            out[key] = {g: metrics(groups[g], self.ranks) for g in order}
        return out

    def episodes(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.results]


def metrics(results: Sequence[EpisodeResult], ranks: bool) -> dict[str, Any]:
    n = len(results)
    if not n:
        return {"n": 0}
    seconds = np.array([r.seconds for r in results])
    steps = sum(r.steps for r in results)
    out: dict[str, Any] = {
        "n": n,
        "success": round(sum(r.success for r in results) / n, 4),
        "spl": round(sum(r.spl for r in results) / n, 4),
        "mean_steps": round(steps / n, 3),
        "invalid_rate": round(sum(r.invalid for r in results) / max(steps, 1), 4),
        "p50_seconds": round(float(np.percentile(seconds, 50)), 4),
        "p90_seconds": round(float(np.percentile(seconds, 90)), 4),
    }
    if ranks:
        for k in ACC_KS:
            out[f"acc@{k}"] = round(sum(r.first_hit is not None and r.first_hit <= k for r in results) / n, 4)
    return out


def evaluate(
    repo: Repository,
    tasks: Sequence[Task],
    policy: EvalPolicy,
    config: EnvConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Run ``policy`` on every task; one environment per revision, built before the clock
    starts (snapshot and index), so seconds measure the policy, not the cache."""
    if not tasks:
        raise ExploreError("no tasks to evaluate (check --split and --limit)")
    by_rev: dict[str | None, list[int]] = defaultdict(list)
    for i, t in enumerate(tasks):
        by_rev[t.rev].append(i)
    results: list[EpisodeResult | None] = [None] * len(tasks)
    done = 0
    for indices in by_rev.values():
        group = [tasks[i] for i in indices]
        env = RepoExploreEnv(repo, group, config or EnvConfig())
        env.workspace_for(group[0])
        for i, task in zip(indices, group, strict=True):
            start = time.perf_counter()
            result = policy.run(task, env)
            seconds = time.perf_counter() - start
            oracle_steps = len(task.oracle) if task.oracle else task.depth + 2
            hit = next((k for k, f in enumerate(result.ranked, start=1) if f in task.targets), None)
            result = replace(result, seconds=seconds, task_id=task.id, source=task.source,
                             depth=task.depth, oracle_steps=oracle_steps, first_hit=hit)
            results[i] = result
            done += 1
            if progress is not None:
                progress(done, len(tasks))
    return EvalReport(policy.name, policy.ranks, [r for r in results if r is not None])


def plot(reports: Sequence[EvalReport], path: str) -> None:
    """Success by depth for each policy, as grouped bars, saved to ``path`` (PNG/SVG/PDF)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    depths = sorted({r.depth for rep in reports for r in rep.results})
    count = {d: sum(r.depth == d for r in reports[0].results) for d in depths}
    labels = [f"all\n(n={len(reports[0].results)})"] + [f"depth {d}\n(n={count[d]})" for d in depths]
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(labels) * max(1, len(reports)) / 2, 3.6))
    width = 0.8 / max(1, len(reports))
    for j, rep in enumerate(reports):
        s = rep.summary()
        values = [s["success"]] + [s["by_depth"].get(str(d), {}).get("success", 0.0) for d in depths]
        xs = [i + (j - (len(reports) - 1) / 2) * width for i in range(len(labels))]
        ax.bar(xs, values, width, label=rep.policy)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 1.2)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel("success")
    ax.set_title("success by target depth")
    ax.legend(loc="upper center", ncol=max(1, len(reports)), fontsize="small", frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
