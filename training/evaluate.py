"""Evaluation: run a policy on tasks in :class:`RepoExploreEnv` and measure it.

The policies (``oracle``, ``random``, ``bm25``, ``bm25-code``, ``retrieve``, ``scent``,
``features``, ``navigator``) and their contract, :class:`EvalPolicy`, live in
:mod:`.eval_policies` (their names are re-exported here); here is the registry that
``explore eval --policy`` chooses from (:func:`register_policy`, :func:`make_policy`), the
harness (:func:`evaluate`) and its report.

Metrics: success, acc@k (ranking policies), SPL (success weighted by oracle length /
max(actual, oracle length)), mean steps, invalid-action rate, seconds p50/p90 — overall,
by source and by depth.
"""
from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..agent.env import EnvConfig, RepoExploreEnv
from ..agent.task import Task
from ..sandbox.errors import ExploreError
from ..sandbox.snapshot import Repository
from .eval_policies import (ACC_KS, BM25Policy, ChooserPolicy, CodeBM25Policy, EpisodeResult, EvalPolicy,
                            FeaturePolicy, NavigatorPolicy, OraclePolicy, RandomPolicy, RetrievePolicy, ScentPolicy,
                            UnknownPolicy, walk)

#: Re-exported: the policies (:mod:`.eval_policies`) are imported from here too.
__all__ = ["ACC_KS", "POLICIES", "BM25Policy", "ChooserPolicy", "CodeBM25Policy", "EpisodeResult", "EvalPolicy",
           "EvalReport", "FeaturePolicy", "NavigatorPolicy", "OraclePolicy", "RandomPolicy", "RetrievePolicy",
           "ScentPolicy", "UnknownPolicy", "evaluate", "make_policy", "metrics", "plot", "register_policy", "walk"]


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
                             depth=task.depth, oracle_steps=oracle_steps, first_hit=hit,
                             question=task.question, targets=list(task.targets), rev=task.rev)
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
