"""One training run's folder and bookkeeping, and the loop every trained stage runs in.

:class:`Run` holds a run's settings, output folder and ``state.json`` (stage results so
far), and the stages that need no model (tasks, evaluation); :meth:`Run.loop` is the
shell around a trainer's steps that SFT and RL share: record metrics, keep an in-memory
copy of the last complete state (LoRA weights and optimizer: a few MB), checkpoint every
N steps, and on Ctrl-C restore that copy, write it as a checkpoint and raise
:class:`TrainingInterrupted`. :mod:`.pipeline` (the entry point) and :mod:`.stages` (the
stages with a model) both build on this module; it imports neither.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from ..agent import bundle
from ..agent.env import RepoExploreEnv
from ..agent.task import Task
from ..sandbox.atomic import write_json
from ..sandbox.corpus import Corpus
from ..sandbox.errors import ExploreError
from ..sandbox.snapshot import Repository
from . import checkpoint as ckpt
from .config import TrainConfig
from .report import append_jsonl, truncate_jsonl
from .tasks.jsonl import read_tasks, write_tasks

STATE_FILE = "state.json"


class TrainError(ExploreError):
    """Training cannot start or continue as asked."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C: the last complete step was checkpointed; ``checkpoint`` says where."""

    def __init__(self, checkpoint: Path | None, stage: str, step: int) -> None:
        super().__init__(f"interrupted during {stage} at step {step}")
        self.checkpoint, self.stage, self.step = checkpoint, stage, step


@dataclass
class ProgressEvent:
    """What the CLI shows: stage, position in it, and the latest metrics (live success)."""

    stage: str
    step: int
    total: int
    metrics: dict[str, float] = field(default_factory=dict)
    message: str = ""


ProgressFn = Callable[[ProgressEvent], None]


class Trainer(Protocol):
    """What :meth:`Run.loop` drives: one step at a time, its whole state as a dict."""

    def step(self) -> dict[str, float]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class Run:
    """One training run's state on disk and in memory: the stages that need no model
    (:meth:`tasks`, :meth:`evaluate`) are its methods, and the trained ones run in :meth:`loop`."""

    def __init__(self, repo: str, config: TrainConfig, out: Path, progress: ProgressFn | None, rev: str | None,
                 teacher: Any = None) -> None:
        self.repo, self.config, self.out, self.rev, self.teacher = repo, config, Path(out), rev, teacher
        self.say = progress or (lambda _e: None)
        self.state: dict[str, Any] = {"seconds": {}, "eval": {}}
        self.ckpt_dir = self.out / "checkpoint"

    # -- bookkeeping -----------------------------------------------------------------
    def save_state(self) -> None:
        write_json(self.out / STATE_FILE, self.state)

    def timed(self, name: str, started: float) -> None:
        self.state["seconds"][name] = round(self.state["seconds"].get(name, 0.0) + time.perf_counter() - started, 2)

    def export(self, model: Any, names: list[str]) -> None:
        """Write the adapters, with the settings `explore ask` needs, as a bundle in ``out``;
        the shipped navigator's answer weighing comes along when it does not read the
        policy's probabilities (then it holds for any policy, see explore/agent/answer.py) —
        all but ``first_read``, measured on the shipped policy's walks alone: a trained policy
        keeps its second decision, judging what it read."""
        shipped = bundle.load_weights(bundle.NAVIGATOR_DIR)
        bundle.export(model, names, self.out, self.config.env, self.config.head,
                      answer=replace(shipped, first_read=False) if shipped is not None and shipped.policy == 0
                      else None)

    def loop(self, stage: str, trainer: Trainer, done: Callable[[], int], total: int, *, every: int,
             metrics: str, key: str, keep: dict[str, Any] | None = None,
             on_checkpoint: Callable[[], None] = lambda: None) -> bool:
        """Step ``trainer`` until ``done() == total``; returns whether any step ran.

        Each step's metrics become a row of ``out/metrics`` (``{key: done(), ...}``; rows
        past the checkpoint are dropped first, so a resumed run logs what an uninterrupted
        one does). Every ``every`` steps and after the last, a checkpoint holds
        ``{"trainer": state, **keep}`` and ``on_checkpoint`` runs (RL exports its adapter
        there). On Ctrl-C the trainer goes back to its last complete step, which is
        checkpointed (``on_checkpoint`` too) before :class:`TrainingInterrupted` is raised.
        """
        metrics_file = self.out / metrics
        truncate_jsonl(metrics_file, done())
        if done() >= total:
            return False
        # the evaluation after this stage describes fewer steps than will have run (a resume
        # that asks for more): measured again after them, never kept stale
        self.state.get("eval", {}).pop(f"after_{stage}", None)
        last = trainer.state_dict()
        started = time.perf_counter()
        try:
            while done() < total:
                row = trainer.step()
                append_jsonl(metrics_file, {key: done(), **row})
                last = trainer.state_dict()
                if done() % max(1, every) == 0 or done() == total:
                    # the adapter first: a resume from this checkpoint, the last one, would not
                    # export again, so a kill between the two must find the export done
                    on_checkpoint()
                    ckpt.save(self.ckpt_dir, stage, done(), {"trainer": last, **(keep or {})})
                self.say(ProgressEvent(stage, done(), total, row))
        except KeyboardInterrupt:
            trainer.load_state_dict(last)
            on_checkpoint()
            self.timed(stage, started)
            self.save_state()
            path = ckpt.save(self.ckpt_dir, stage, done(), {"trainer": last, **(keep or {})})
            raise TrainingInterrupted(path, stage, done()) from None
        self.timed(stage, started)
        self.save_state()
        return True

    # -- tasks -----------------------------------------------------------------------
    def tasks(self, repo: Repository | Corpus, tasks_file: Path | None) -> tuple[list[Task], list[Task]]:
        from .oracle import attach, replay

        path = self.out / "tasks.jsonl"
        started = time.perf_counter()
        if path.is_file():
            tasks = read_tasks(path)
        else:
            what = "generating tasks" if tasks_file is None else "loading tasks"
            self.say(ProgressEvent("tasks", 0, 1, message=what))
            if tasks_file is not None:
                tasks = read_tasks(tasks_file)
            else:
                tasks = self._generate(repo)
            env = RepoExploreEnv(repo, tasks, copy.deepcopy(self.config.env))
            walked_again = 0
            if tasks_file is not None:  # an oracle written elsewhere must replay here, or it is walked again
                for t in tasks:
                    # one written for other observation settings (`explore tasks` writes them for the
                    # defaults; a policy trains with the navigator's action cap and offer) is walked
                    # again here: the shortest walk these settings replay
                    if t.oracle and not replay(env, t, t.oracle).success:
                        t.oracle, walked_again = None, walked_again + 1
            proven = [t for t in tasks if t.oracle or attach(env, t)]
            for t in proven:
                t.depth = len(t.oracle or []) - 2  # folders above the target: what the curriculum orders by
            if not proven:
                raise TrainError(f"none of the {len(tasks)} tasks has a walk the environment can replay")
            left_out = len(tasks) - len(proven)
            if walked_again or left_out:
                self.say(ProgressEvent("tasks", 0, 1, message=(
                    f"{walked_again} oracles did not replay under these observation settings and were walked "
                    f"again; {left_out} tasks left out, their targets unreachable here"
                    + (f" ({next((t.meta['unreachable'] for t in tasks if t.meta.get('unreachable')), '')})"
                       if left_out else ""))))
            self.state["oracles"] = {"walked_again": walked_again, "unreachable": left_out}
            tasks = proven
            write_tasks(tasks, path)
            self.timed("tasks", started)
        test = [t for t in tasks if t.meta.get("split") == "test"]
        # Never the held-out tasks, nor their answers: a repository whose every target file
        # went to test or val trains on the val tasks that answer with other files (val is
        # the buffer that takes a train task sharing a test target), and one with none says so.
        tested = {f for t in test for f in t.targets}
        train = ([t for t in tasks if t.meta.get("split", "train") == "train"]
                 or [t for t in tasks if t.meta.get("split") == "val" and not tested.intersection(t.targets)])
        if not train and (self.config.sft.steps or self.config.rl.updates):
            raise TrainError(f"none of the {len(tasks)} tasks can be trained on without training on the test: "
                             f"{len(test)} are held out and the others answer with the same files; generate more "
                             "tasks (a larger repository, more sources) or give --tasks with a train split")
        if len({t.meta.get("repo") for t in test}) > 1:  # a corpus: the first N held out span every repository
            count: dict[str, int] = {}
            keyed = []
            for t in test:
                repo_name = str(t.meta.get("repo"))
                keyed.append((count.get(repo_name, 0), t))  # its position within its repository
                count[repo_name] = count.get(repo_name, 0) + 1
            test = [t for _, t in sorted(keyed, key=lambda pair: pair[0])]
        self.state["tasks"] = {"total": len(tasks), "train": len(train), "test": len(test)}
        self.say(ProgressEvent("tasks", 1, 1, message=f"{len(train)} training tasks, {len(test)} held out"))
        return train, test

    def _generate(self, repo: Repository | Corpus) -> list[Task]:
        """Tasks of one repository, or of each repository of a corpus (``max_tasks`` each,
        ids prefixed with the repository's folder name, which ``meta["repo"]`` also keeps)."""
        from .tasks.pipeline import NoTasks, generate

        env = copy.deepcopy(self.config.env)
        if isinstance(repo, Repository):
            return generate(repo, max_tasks=self.config.max_tasks, seed=self.config.seed, rev=self.rev, env_config=env)
        tasks: list[Task] = []
        for i, member in enumerate(repo.repos):
            name = member.path.name
            self.say(ProgressEvent("tasks", i, len(repo), message=f"generating tasks in {name}"))
            try:
                found = generate(member, max_tasks=self.config.max_tasks, seed=self.config.seed, env_config=env)
            except NoTasks as exc:
                self.say(ProgressEvent("tasks", i + 1, len(repo), message=f"skipped {name}: {exc}"))
                continue
            for task in found:
                task.id = f"{name}:{task.id}"
                task.meta["repo"] = name
            tasks += found
        if not tasks:
            raise TrainError(f"no tasks could be generated in any of the {len(repo)} repositories")
        return tasks

    # -- evaluation ------------------------------------------------------------------
    def evaluate(self, name: str, repo: Repository | Corpus, test: list[Task], policy: Any, reflector: Any) -> None:
        from .rl import evaluate

        n = self.config.eval_tasks
        if n <= 0 or not test or name in self.state["eval"]:
            return
        started = time.perf_counter()
        self.say(ProgressEvent("eval", 0, 1, message=f"evaluating {name} on {min(n, len(test))} held-out tasks"))
        cfg = copy.deepcopy(self.config.env)
        cfg.shuffle_labels, cfg.leave_out = False, 0.0
        envs = [RepoExploreEnv(repo, test, copy.deepcopy(cfg)) for _ in range(min(8, n))]
        played: list[Any] = []
        result = evaluate(envs, policy, test[:n], reflector=reflector, seed=self.config.seed, episodes=played,
                          progress=lambda done, total: self.say(ProgressEvent("eval", done, total)))
        self.state["eval"][name] = {k.split("/")[-1]: round(v, 4) for k, v in result.items()}
        walks = [{"task": e.task_id, "success": e.success, "actions": e.texts, "notes": e.notes} for e in played]
        write_json(self.out / f"eval_{name}.json", walks)
        self.timed("eval", started)
        self.save_state()
        self.say(ProgressEvent("eval", 1, 1, metrics=result, message=f"{name}: success {result['eval/success']:.0%}"))


