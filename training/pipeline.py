"""The whole `explore train` flow: tasks -> demonstrations -> SFT -> RL -> adapters and report.

Everything a run produces lives in one output folder (by default a per-repository folder
in the cache, :func:`default_adapter_dir`, where `explore ask` finds the adapters on its
own): ``run.json`` (settings), ``tasks.jsonl``, ``demos.jsonl``, ``policy/`` and
``reflector/`` (peft adapters), ``metrics.jsonl`` (one row per RL update),
``sft_metrics.jsonl``, ``training.png``, ``eval_<stage>.json`` (the held-out walks, with
the reflector's notes), ``state.json`` (stage results so far), ``summary.json`` and
``checkpoint/``.

Stages are resumable: a checkpoint (atomic, verified, see :mod:`.checkpoint`) is written
every N steps, at the end of each stage and on Ctrl-C, holding the adapters, optimizer,
RNG states and data position; ``resume=True`` continues exactly where it stopped, so an
interrupted run and an uninterrupted one log the same metrics.
"""
from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..agent import bundle
from ..agent.bundle import HeadFileError, default_adapter_dir, load_head, repo_key
from ..agent.env import RepoExploreEnv
from ..agent.task import Task
from ..sandbox.corpus import Corpus, open_source
from ..sandbox.errors import ExploreError
from ..sandbox.snapshot import Repository
from . import checkpoint as ckpt
from .config import TrainConfig, comparable
from .report import plot, read_jsonl
from .tasks.jsonl import write_tasks

STATE_FILE = "state.json"


class TrainError(ExploreError):
    """Training cannot start or continue as asked."""


class OutputExists(TrainError):
    """The output folder already holds a run and ``--resume`` was not given."""


class NothingToResume(TrainError):
    """``--resume`` was given but the output folder holds no run."""


class ResumeMismatch(TrainError):
    """``--resume`` with settings that differ from the run being resumed."""


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


@dataclass
class TrainResult:
    out: Path
    summary: dict[str, Any]


def load_tasks(path: Path) -> list[Task]:
    """Tasks from JSONL (one task per line) or JSON (a list, or ``{"tasks": [...]}``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TrainError(f"cannot read tasks file {path}: {exc.strerror or exc}") from None
    try:
        stripped = text.lstrip()
        if stripped.startswith("["):
            rows = json.loads(text)
        elif stripped.startswith("{") and '"tasks"' in stripped[:200] and "\n{" not in stripped:
            rows = json.loads(text)["tasks"]
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        tasks = [Task.from_dict(r) for r in rows]
    except (ValueError, TypeError, KeyError) as exc:
        raise TrainError(f"{path} is not a tasks file (JSONL of tasks, as `explore tasks` writes): {exc}") from None
    if not tasks:
        raise TrainError(f"{path} holds no tasks")
    return tasks


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)


class _Run:
    """One training run's state on disk and in memory; the stages are its methods."""

    def __init__(self, repo: str, config: TrainConfig, out: Path, progress: ProgressFn | None, rev: str | None,
                 teacher: Any = None) -> None:
        self.repo, self.config, self.out, self.rev, self.teacher = repo, config, Path(out), rev, teacher
        self.say = progress or (lambda _e: None)
        self.state: dict[str, Any] = {"seconds": {}, "eval": {}}
        self.ckpt_dir = self.out / "checkpoint"

    # -- bookkeeping -----------------------------------------------------------------
    def save_state(self) -> None:
        _write_json(self.out / STATE_FILE, self.state)

    def timed(self, name: str, started: float) -> None:
        self.state["seconds"][name] = round(self.state["seconds"].get(name, 0.0) + time.perf_counter() - started, 2)

    def export(self, model: Any, names: list[str]) -> None:
        """Write the adapters, with the settings `explore ask` needs, as a bundle in ``out``."""
        bundle.export(model, names, self.out, self.config.env, self.config.head)

    # -- tasks -----------------------------------------------------------------------
    def tasks(self, repo: Repository | Corpus, tasks_file: Path | None) -> tuple[list[Task], list[Task]]:
        from .oracle import attach, complete

        path = self.out / "tasks.jsonl"
        started = time.perf_counter()
        if path.is_file():
            tasks = load_tasks(path)
        else:
            what = "generating tasks" if tasks_file is None else "loading tasks"
            self.say(ProgressEvent("tasks", 0, 1, message=what))
            if tasks_file is not None:
                tasks = load_tasks(tasks_file)
            else:
                tasks = self._generate(repo)
            env = RepoExploreEnv(repo, tasks, copy.deepcopy(self.config.env))
            if tasks_file is not None:  # an oracle written elsewhere must replay here, or nothing is trained on it
                for t in tasks:
                    if t.oracle:
                        complete(env, t)
            proven = [t for t in tasks if t.oracle or attach(env, t)]
            for t in proven:
                t.depth = len(t.oracle or []) - 2  # folders above the target: what the curriculum orders by
            if not proven:
                raise TrainError(f"none of the {len(tasks)} tasks has a walk the environment can replay")
            tasks = proven
            write_tasks(tasks, path)
            self.timed("tasks", started)
        train = [t for t in tasks if t.meta.get("split", "train") == "train"] or tasks
        test = [t for t in tasks if t.meta.get("split") == "test"]
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
        result = evaluate(envs, policy, test[:n], reflector=reflector, seed=self.config.seed, episodes=played)
        self.state["eval"][name] = {k.split("/")[-1]: round(v, 4) for k, v in result.items()}
        walks = [{"task": e.task_id, "success": e.success, "actions": e.texts, "notes": e.notes} for e in played]
        _write_json(self.out / f"eval_{name}.json", walks)
        self.timed("eval", started)
        self.save_state()
        self.say(ProgressEvent("eval", 1, 1, metrics=result, message=f"{name}: success {result['eval/success']:.0%}"))


def _check_resume(out: Path, config: TrainConfig, resume: bool, repo: str) -> None:
    run_file = out / "run.json"
    if not resume:
        if run_file.exists() or ckpt.exists(out / "checkpoint"):
            raise OutputExists(f"{out} already holds a training run; pass --resume to continue it, "
                               "or --out to train into another folder (or delete it)")
        return
    if not run_file.is_file():
        raise NothingToResume(f"nothing to resume in {out}: no run.json there (start without --resume)")
    try:
        before = json.loads(run_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ckpt.CorruptCheckpoint(f"{run_file} is damaged ({exc}); delete {out} to start over") from None
    if before.get("repo") not in (None, str(repo)):
        raise ResumeMismatch(f"{out} holds a run on {before['repo']}, not {repo}; train into another --out")
    old, new = before.get("comparable", {}), comparable(config)
    diffs = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if diffs:
        raise ResumeMismatch(f"cannot resume {out} with different settings ({', '.join(diffs)} changed); "
                             "resume with the original options or train into another --out")


def _recorded_start(out: Path) -> Path | None:
    """The adapters a run in ``out`` started from (its ``run.json``), if it names any."""
    try:
        start = json.loads((out / "run.json").read_text(encoding="utf-8")).get("from")
    except (OSError, ValueError, AttributeError):
        return None  # _check_resume reports a missing or damaged run.json
    return Path(start) if start else None


def _inherit_head(config: TrainConfig, start: Path | None) -> None:
    """A policy continues with the head it was trained with (adapters without ``policy.json``
    predate the choice: ``label``)."""
    if start is None or "policy" not in bundle.adapters_in(start):
        return
    try:
        config.head = load_head(start) or "label"
    except HeadFileError as exc:
        raise TrainError(str(exc)) from None


def shipped_start(config: TrainConfig) -> Path | None:
    """The shipped navigator, when it fits the run (see :func:`~explore.agent.bundle.shipped_start`)."""
    return bundle.shipped_start(config.model, config.env, from_scratch=config.from_scratch)


def train(repo: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], config: TrainConfig | None = None, *,
          out: Path | None = None,
          tasks_file: Path | None = None, from_dir: Path | None = None, resume: bool = False,
          progress: ProgressFn | None = None, rev: str | None = None, teacher: Any = None) -> TrainResult:
    """Run (or resume) the whole training; see the module docstring for what is written.

    Without ``from_dir`` a run on the default model starts from the shipped navigator
    (:func:`shipped_start`); pass ``from_dir`` to start elsewhere, or set
    ``config.from_scratch``.
    ``repo`` may be several repositories (a corpus): tasks are generated in each and
    sampled across all of them; ``out`` is then required and ``rev`` refused.
    ``teacher`` writes the demonstrations' reflections (default: the offline
    :class:`~.teacher.RuleTeacher`; a :class:`~.teacher.ChatTeacher` wraps a chat model).
    """
    from .stages import run_stages

    config = config or TrainConfig()
    if from_dir is None and not resume:
        from_dir = shipped_start(config)
    repository = open_source([repo] if isinstance(repo, (str, os.PathLike)) else list(repo))
    if isinstance(repository, Corpus):
        if rev is not None:
            raise TrainError("--rev names a commit of one repository; train on that repository alone to use it")
        if out is None:
            raise TrainError(f"training over {len(repository)} repositories needs --out DIR (the adapters belong "
                             "to no single repository); then `explore ask REPO ... --adapter DIR`")
    where = repository.label if isinstance(repository, Corpus) else str(repository.path)
    out = Path(out) if out is not None else default_adapter_dir(repository.path)
    _inherit_head(config, _recorded_start(out) if resume and from_dir is None else from_dir)
    _check_resume(out, config, resume, where)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(where, config, out, progress, rev, teacher)
    if resume and (out / STATE_FILE).is_file():
        run.state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    started = time.time()
    if resume and (out / "run.json").is_file():  # keep when and from what it started; record new lengths
        first = json.loads((out / "run.json").read_text(encoding="utf-8"))
        started, rev = first.get("started", started), first.get("rev", rev)
        from_dir = Path(first["from"]) if first.get("from") else from_dir
        tasks_file = Path(first["tasks_file"]) if first.get("tasks_file") else tasks_file
    _write_json(out / "run.json", {"repo": where, "rev": rev,
                                   "from": str(from_dir) if from_dir else None,
                                   "tasks_file": str(tasks_file) if tasks_file else None, "started": started,
                                   "config": config.to_dict(), "comparable": comparable(config)})
    checkpoint = ckpt.load(run.ckpt_dir) if resume and ckpt.exists(run.ckpt_dir) else None
    run_stages(run, repository, tasks_file, from_dir, checkpoint)
    summary = {"repo": where, "out": str(out), "model": config.model, "reflection": config.reflection,
               "curriculum": config.curriculum, "seed": config.seed, **run.state,
               "adapters": {n: str(out / n) for n in ("policy", "reflector") if (out / n).is_dir()}}
    rows = read_jsonl(out / "metrics.jsonl")
    if rows:
        last = rows[-5:]
        summary["rl"] = {"updates": len(rows), "success_first": rows[0].get("train/success"),
                         "success_last5": round(sum(r.get("train/success", 0.0) for r in last) / len(last), 4)}
    plot(out)
    _write_json(out / "summary.json", summary)
    return TrainResult(out, summary)


__all__ = ["ProgressEvent", "TrainResult", "TrainingInterrupted", "TrainError", "OutputExists", "NothingToResume",
           "ResumeMismatch", "default_adapter_dir", "load_tasks", "repo_key", "train"]
