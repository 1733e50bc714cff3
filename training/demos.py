"""Demonstrations: oracle walks replayed in the environment, with teacher reflections.

A *positive* demonstration is the oracle's shortest walk, each state annotated with the
teacher's *analyze* note. A *negative* one (the paper's negative example generation)
takes the oracle walk, and at a random step makes a plausible wrong move instead — a
``cd`` into a folder that does not lead to the answer, or a ``read`` of a file that is not
it — then records the teacher's *wrong choice* note and the recovery (``cd ..`` after a
wrong folder, the right move after a wrong read), and finishes the walk. The wrong move
itself is kept for the reflector (its analyze note is still right) but never imitated by
the policy. Without negatives a policy never sees a state off the oracle path in SFT, and
does not know how to get back once RL's sampling takes it there.

Every demonstration is replayed through :class:`RepoExploreEnv` with the training
config, so observations (labels, scent, shuffling) are exactly what RL will show.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..agent.env import RepoExploreEnv
from ..agent.task import Task
from ..sandbox.atomic import write_jsonl
from ..sandbox.errors import ExploreError
from ..tools.workspace import shown
from .oracle import label_of, shortest_path
from .config import DemoConfig
from .teacher import RuleTeacher, Teacher


class DemoError(ExploreError):
    """Demonstrations could not be built (no task has a walk the environment can replay)."""


@dataclass
class DemoStep:
    """One state of a demonstration and what to learn from it."""

    observation: str
    labels: list[str]
    action: int
    """Index of the demonstrated action among ``labels``."""
    action_text: str
    kind: str
    """Teacher prompt kind: ``analyze`` or ``wrong_choice``."""
    reflection: str
    imitate: bool = True
    """False for the deliberate wrong move: the policy must not learn it."""


@dataclass
class Demo:
    task_id: str
    steps: list[DemoStep]
    negative: bool = False
    success: bool = False
    perturbed_at: int | None = None
    wrong_action: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Demo":
        steps = [DemoStep(**s) for s in data["steps"]]
        return cls(**{**data, "steps": steps})


@dataclass
class DemoSet:
    """All demonstrations of a run, with what was skipped and why."""

    demos: list[Demo]
    skipped: dict[str, str] = field(default_factory=dict)

    def stats(self) -> dict[str, Any]:
        neg = sum(d.negative for d in self.demos)
        return {
            "demos": len(self.demos), "positive": len(self.demos) - neg, "negative": neg,
            "negative_ratio": round(neg / len(self.demos), 3) if self.demos else 0.0,
            "steps": sum(len(d.steps) for d in self.demos),
            "policy_examples": len(self.policy_examples()), "reflector_examples": len(self.reflector_examples()),
            "skipped": len(self.skipped),
        }

    def reflector_examples(self) -> list[tuple[str, str, str]]:
        """(observation, kind, note) for every state, the wrong move's state included."""
        return [(s.observation, s.kind, s.reflection) for d in self.demos for s in d.steps]

    def policy_examples(self) -> list[tuple[str, str, list[str], int]]:
        """(observation, note, labels, action) for every state whose action is worth imitating."""
        return [(s.observation, s.reflection, s.labels, s.action) for d in self.demos for s in d.steps if s.imitate]

    def save(self, path: Path) -> None:
        write_jsonl(path, (d.to_dict() for d in self.demos))

    @classmethod
    def load(cls, path: Path) -> "DemoSet":
        with path.open(encoding="utf-8") as fh:
            return cls([Demo.from_dict(json.loads(line)) for line in fh if line.strip()])


def oracle_of(task: Task) -> list[str]:
    """The task's proven oracle, or the shortest walk to its shallowest target."""
    if task.oracle:
        return list(task.oracle)
    target = sorted(task.targets, key=lambda t: (t.count("/"), t))[0]
    return shortest_path(target)


def route(env: RepoExploreEnv, task: Task) -> list[str]:
    """The shortest way from the state ``env`` was just reset to: a target offered as a
    candidate (``EnvConfig.candidates``) is read and answered at once; else the task's walk."""
    for action in env.actions:
        if action.kind == "read" and action.arg in task.targets:
            return [action.text, f"answer {shown(action.arg)}"]
    return oracle_of(task)


def _related(rel: str, targets: Sequence[str]) -> bool:
    return any(t == rel or t.startswith(rel + "/") for t in targets)


def _distractors(env: RepoExploreEnv, weighted: bool) -> tuple[list[str], list[float]]:
    """Wrong moves on offer: cd/read of entries that neither are nor lead to a target."""
    assert env.task is not None and env.ws is not None
    texts, weights = [], []
    for action in env.actions:
        if action.kind not in ("cd", "read") or action.arg == ".." or _related(action.arg, env.task.targets):
            continue
        texts.append(action.text)
        weights.append(((env.ws.scent(action.arg) or 0.0) + 0.05) if weighted else 1.0)
    return texts, weights


class _Recorder:
    """Steps an episode by action text, recording each state with the teacher's note."""

    def __init__(self, env: RepoExploreEnv, teacher: Teacher, task: Task, seed: int) -> None:
        self.env, self.teacher = env, teacher
        self.obs, self.info = env.reset(seed=seed, options={"task": task})
        self.steps: list[DemoStep] = []
        self.done = False
        self.success = False

    def step(self, text: str, kind: str = "analyze", note: str | None = None, imitate: bool = True,
             advice: str | None = None) -> None:
        index = label_of(self.env, text)
        if index is None or self.done:
            raise _Unplayable(f"{text!r} not on offer")
        if note is None:
            note = self.teacher.analyze(self.env, self.obs, advice or text)
        self.steps.append(DemoStep(self.obs, list(self.info["labels"]), index, text, kind, note, imitate))
        self.obs, _r, terminated, truncated, self.info = self.env.step(index)
        self.done = terminated or truncated
        self.success = bool(terminated and self.info.get("success"))


class _Unplayable(Exception):
    """Internal: a demonstration could not be replayed."""


def positive(env: RepoExploreEnv, task: Task, teacher: Teacher, seed: int) -> Demo:
    rec = _Recorder(env, teacher, task, seed)
    for text in route(env, task):
        rec.step(text)
    return Demo(task.id, rec.steps, negative=False, success=rec.success)


def negative(env: RepoExploreEnv, task: Task, teacher: Teacher, seed: int, rng: random.Random,
             weighted: bool = True) -> Demo | None:
    """The oracle walk with one wrong move and its recovery; None if no wrong move exists."""
    env.reset(seed=seed, options={"task": task})
    oracle = route(env, task)
    for at in rng.sample(range(len(oracle) - 1), len(oracle) - 1):  # any step before the answer
        rec = _Recorder(env, teacher, task, seed)
        for text in oracle[:at]:
            rec.step(text)
        wrongs, weights = _distractors(env, weighted)
        if not wrongs:
            continue
        wrong = rng.choices(wrongs, weights)[0]
        rec.step(wrong, imitate=False, advice=oracle[at])
        if rec.done:
            continue
        if wrong.startswith("cd "):
            recovery, rest = "cd ..", oracle[at:]
        else:
            recovery, rest = oracle[at], oracle[at + 1:]
        if label_of(env, recovery) is None:  # the wrong move pushed the way on out of a capped listing
            continue
        rec.step(recovery, kind="wrong_choice", note=teacher.wrong_choice(env, rec.obs, wrong, recovery))
        try:
            for text in rest:
                rec.step(text)
        except _Unplayable:
            continue
        return Demo(task.id, rec.steps, negative=True, success=rec.success, perturbed_at=at, wrong_action=wrong)
    return None


def sample_tasks(pool: Sequence[Task], n: int, share: dict[str, float], rng: random.Random) -> list[Task]:
    """``n`` tasks of ``pool``: for each source in ``share``, that share of ``n`` (or all of
    the source's tasks when fewer), then the rest uniformly from what is left. Without
    ``share`` it is exactly ``rng.sample(pool, n)``."""
    if not share:
        return rng.sample(list(pool), n)
    for source, part in share.items():
        if not 0.0 <= part <= 1.0:
            raise ValueError(f"source share for {source!r} must be within 0..1, got {part}")
    if sum(share.values()) > 1.0:
        raise ValueError(f"source shares add up to {sum(share.values()):.2f}, over 1")
    chosen: list[Task] = []
    for source in sorted(share):
        of_source = [t for t in pool if t.source == source]
        chosen += rng.sample(of_source, min(len(of_source), round(share[source] * n)))
    taken = {id(t) for t in chosen}
    rest = [t for t in pool if id(t) not in taken]
    chosen = chosen[:n]  # rounding several shares up can overshoot by one
    chosen += rng.sample(rest, min(len(rest), n - len(chosen)))
    rng.shuffle(chosen)
    return chosen


def build_demos(env: RepoExploreEnv, tasks: Iterable[Task], config: DemoConfig | None = None,
                teacher: Teacher | None = None, seed: int = 0) -> DemoSet:
    """Positive demos for the tasks and negatives in the configured ratio; failures are reported.

    ``negative_ratio`` is the share of negative demonstrations in the result
    (``DemoSet.stats()["negative_ratio"]`` reports the share actually reached).
    """
    config = config or DemoConfig()
    teacher = teacher or RuleTeacher()
    rng = random.Random(f"demos:{seed}")
    pool = list(tasks)
    if config.max_tasks is not None and len(pool) > config.max_tasks:
        pool = sample_tasks(pool, config.max_tasks, config.source_share, rng)
    out = DemoSet([])
    usable: list[Task] = []
    ratio = min(max(config.negative_ratio, 0.0), 1.0)
    for task in pool:
        try:
            demo = positive(env, task, teacher, rng.randrange(2**31))
        except _Unplayable as exc:
            out.skipped[task.id] = str(exc)
            continue
        if not demo.success:
            out.skipped[task.id] = "the oracle walk does not end in success"
            continue
        usable.append(task)
        if ratio < 1.0:
            out.demos.append(demo)
    if not usable:
        raise DemoError(f"none of {len(pool)} tasks has an oracle walk the environment can replay "
                        f"(e.g. {next(iter(out.skipped.values()), 'no tasks given')})")
    want = len(usable) if ratio >= 1.0 else round(len(usable) * ratio / (1.0 - ratio))
    order = [usable[i % len(usable)] for i in range(want)]
    rng.shuffle(order)
    for task in order:
        try:
            demo = negative(env, task, teacher, rng.randrange(2**31), rng, config.distractor_scent)
        except _Unplayable as exc:
            out.skipped.setdefault(task.id, f"negative: {exc}")
            continue
        if demo is not None and demo.success:
            out.demos.append(demo)
    rng.shuffle(out.demos)
    return out
