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

import json
import os
import shlex
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..agent import bundle
from ..agent.bundle import COMBINER_FILE, HeadFileError, default_adapter_dir, load_head, repo_key
from ..sandbox.errors import EmptyRepository
from ..sandbox.atomic import write_json
from ..sandbox.corpus import Corpus, open_source
from ..sandbox.snapshot import cache_root, writable_cache
from . import checkpoint as ckpt
from .config import TrainConfig, comparable
from .report import plot, read_jsonl
from .run import STATE_FILE, ProgressEvent, ProgressFn, Run, TrainError, TrainingInterrupted
from .tasks.jsonl import read_tasks
from .stages import run_stages


class OutputExists(TrainError):
    """The output folder already holds a run and ``--resume`` was not given."""


class NothingToResume(TrainError):
    """``--resume`` was given but the output folder holds no run."""


class ResumeMismatch(TrainError):
    """``--resume`` with settings that differ from the run being resumed."""


@dataclass
class TrainResult:
    out: Path
    summary: dict[str, Any]


def _read_run(run_file: Path) -> Any:
    """``run.json`` as read, or None where it cannot be."""
    try:
        return json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _same_repository(before: Any, repo: str) -> bool:
    """Whether the run recorded in ``before`` (a ``run.json``) was on ``repo``: the same
    path, or a clone of the same history elsewhere (a moved checkout, a CI workspace, a
    second clone): the first commits it recorded, or those of the path it recorded where
    that is still there, are among ``repo``'s. A run that named no repository is anyone's."""
    if not isinstance(before, dict) or before.get("repo") in (None, repo):
        return True
    recorded = before.get("roots")
    if not (isinstance(recorded, list) and recorded) and isinstance(before.get("repo"), str) \
            and os.path.isdir(before["repo"]):
        recorded = bundle.history_roots(before["repo"])
    if not (isinstance(recorded, list) and recorded):
        return False
    return bool(set(bundle.history_roots(repo)) & {r for r in recorded if isinstance(r, str)})


def _another_run(out: Path, before: dict[str, Any], repo: str) -> str:
    """Why ``out``, holding the run ``before`` (its ``run.json``), is not ``repo``'s: a run on
    several repositories together is named so ("a run on A; B, not A" named A on both sides)."""
    recorded = str(before.get("repo"))
    parts = recorded.split(Corpus.SEPARATOR)  # a run on several repositories records its label
    if len(parts) > 1:
        return (f"{out} holds a training run on {len(parts)} repositories together ({', '.join(parts)}), not on "
                f"{repo} alone; give them all to continue it, or train into another --out")
    return f"{out} holds a training run on {recorded}, not {repo}; train into another --out"


def _check_resume(out: Path, config: TrainConfig, resume: bool, repo: str, tasks_file: Path | None = None) -> None:
    run_file = out / "run.json"
    if out.exists() and not out.is_dir():
        raise OutputExists(f"--out {out} is a file; give a folder (a new or empty one, or an earlier run's)")
    if not resume:
        if _refit_only(out, config, repo):
            return  # the last run here only fitted the candidate stage: fitting again on the newer history replaces it
        if run_file.exists() or ckpt.exists(out / "checkpoint"):
            before = _read_run(run_file)
            if not _same_repository(before, str(repo)):
                # --resume would only be refused: say whose run it is
                raise OutputExists(_another_run(out, before, repo))
            raise OutputExists(f"{out} already holds a training run; pass --resume to continue it, "
                               "or --out to train into another folder (or delete it)")
        given = Path(os.path.realpath(tasks_file)) if tasks_file is not None else None
        if out.is_dir() and any(Path(os.path.realpath(p)) != given for p in out.iterdir()):
            # a run writes policy/, env.json …: never over someone's files (the --tasks file may lie there)
            raise OutputExists(f"--out {out} holds files that are not a training run; give a new or empty folder")
        return
    if not run_file.is_file():
        raise NothingToResume(f"nothing to resume in {out}: no run.json there (start without --resume)")
    try:
        before = json.loads(run_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ckpt.CorruptCheckpoint(f"{run_file} is damaged ({exc}); delete {out} to start over") from None
    if not _same_repository(before, str(repo)):
        raise ResumeMismatch(_another_run(out, before, repo))
    recorded = before.get("config") if isinstance(before.get("config"), dict) else {}
    trained = (recorded.get("sft") or {}).get("steps") or (recorded.get("rl") or {}).get("updates")
    if not trained and (config.sft.steps or config.rl.updates):
        raise ResumeMismatch(f"{out} holds a run that trained no policy (it fitted the candidate stage); --resume "
                             "continues a run as it was: train the policy into another --out")
    old, new = before.get("comparable", {}), comparable(config)
    diffs = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if diffs:
        raise ResumeMismatch(f"cannot resume {out} with different settings ({', '.join(diffs)} changed); "
                             "resume with the original options or train into another --out")


def _check_outside(out: Path, repository: Any) -> None:
    """Refuse an ``--out`` inside the repository (a :class:`Repository`) trained on: it is
    never written to."""
    top = Path(os.path.realpath(repository.top or repository.path))
    where = Path(os.path.realpath(out))
    if where == top or top in where.parents:
        raise OutputExists(f"--out {out} is inside the repository {top}, which explore never writes to; give a "
                           "folder outside it (or no --out: the default is this repository's folder in the cache)")
    _check_out_of_cache(out)


def _check_out_of_cache(out: Path) -> None:
    """Refuse an ``--out`` in a cache folder that is rebuilt and pruned: the run would go
    with the next ``explore cache prune``."""
    where = Path(os.path.realpath(out))
    cache = Path(os.path.realpath(cache_root()))
    kept = cache / "adapters"
    if (where == cache or cache in where.parents) and not (where == kept or kept in where.parents):
        raise OutputExists(f"--out {out} is inside explore's cache {cache}, whose folders but adapters/ are rebuilt "
                           "on demand and pruned (`explore cache prune`); give a folder outside it, or one in "
                           f"{kept} (or no --out: the default is this repository's folder there)")


def _refit_only(out: Path, config: TrainConfig, repo: str) -> bool:
    """Whether ``out`` holds a run that trains no policy (the default recipe: the candidate
    stage fitted, the shipped policy kept) on ``repo``, finished or stopped while fitting,
    and this run trains none either: then running again after new commits simply fits
    again (minutes) instead of asking for ``--resume``, which would find nothing left to
    do. A run that trained a policy (hours) is never replaced this way."""
    if config.sft.steps or config.rl.updates or ckpt.exists(out / "checkpoint"):
        return False
    try:
        before = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(before, dict) or not _same_repository(before, str(repo)):
        return False
    recorded = before.get("config") if isinstance(before.get("config"), dict) else {}
    if (recorded.get("sft") or {}).get("steps") or (recorded.get("rl") or {}).get("updates"):
        return False  # it was to train a policy: --resume continues it
    try:
        state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}  # stopped (Ctrl-C) while fitting, before its first state: nothing to lose
    return isinstance(state, dict) and not state.get("policy", {}).get("trained")


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


def _cache_unwritable(out: Path, exc: OSError) -> str:
    """What to say when the cache folder a run writes by default cannot be written (no
    --out was given, so naming --out sent the user looking for an option they never passed)."""
    return (f"cannot use the cache folder {out}: {exc.strerror or exc}; make it a folder you can write, set "
            "EXPLORE_CACHE to one, or give --out DIR")


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
    config = config or TrainConfig()
    if from_dir is None and not resume:
        from_dir = shipped_start(config)
    repository = open_source([repo] if isinstance(repo, (str, os.PathLike)) else list(repo))
    if isinstance(repository, Corpus):
        if out is not None:
            _check_out_of_cache(Path(out))
        if rev is not None:
            raise TrainError("--rev names a commit of one repository; train on that repository alone to use it")
        if out is None:
            raise TrainError(f"training over {len(repository)} repositories needs --out DIR (the adapters belong "
                             "to no single repository); then `explore ask REPO ... --adapter DIR`")
    where = repository.label if isinstance(repository, Corpus) else str(repository.path)
    given_out = out is not None
    out = Path(out) if out is not None else default_adapter_dir(repository.path)
    _inherit_head(config, _recorded_start(out) if resume and from_dir is None else from_dir)
    if not isinstance(repository, Corpus):
        _check_outside(out, repository)
        if repository.enclosing_git is not None:  # said before anything is written (a bad --rev too)
            try:
                repository.resolve_rev(rev)
            except EmptyRepository:
                raise EmptyRepository(f"{repository.top} is a git repository with no commits: it has no history to "
                                      "learn from and no commit to train at; commit something first") from None
        if not (config.sft.steps or config.rl.updates) and config.retriever and not repository.is_git:
            # a default run does one thing, fit the stage to a history; it would write a copy of the shipped policy
            raise TrainError(
                f"{repository.path} is a subfolder of the git repository {repository.top}: a run with no policy option "
                "fits the candidate stage to a whole repository's history; give "
                f"`explore train {shlex.quote(str(repository.top))}`"
                if repository.subdir else
                f"{repository.path} is not a git repository: a run with no policy option fits the candidate stage "
                "to the history, and a plain folder has none (--sft-steps N trains the policy on its own tasks)")
    _check_resume(out, config, resume, where, Path(tasks_file) if tasks_file is not None else None)
    writable_cache()  # every run lays out commits there, with or without --out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputExists(f"cannot make --out {out}: {exc.strerror or exc}" if given_out else _cache_unwritable(out, exc)) \
            from None
    try:  # a folder that is there but read-only (chmod 555, chattr +i) failed at run.json with a traceback
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise OutputExists(f"cannot write into --out {out}: {exc.strerror or exc}; give a folder you can write "
                           "to" if given_out else _cache_unwritable(out, exc)) from None
    run = Run(where, config, out, progress, rev, teacher)
    if resume and (out / STATE_FILE).is_file():
        run.state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
        if not (config.sft.steps or config.rl.updates):  # a fit stopped by Ctrl-C: --resume fits, as a plain run does
            run.state.pop("retriever", None)
            # the state is the last finished run's: its before/after and its fit's time are not this fit's
            run.state.pop("heldout", None)
            run.state.get("seconds", {}).pop("retriever", None)
    started = time.time()
    if resume and (out / "run.json").is_file():  # keep when and from what it started; record new lengths
        first = json.loads((out / "run.json").read_text(encoding="utf-8"))
        if rev is not None and first.get("rev") != rev:  # the run's commit, not another one silently
            raise ResumeMismatch(f"{out} holds a run at --rev {first.get('rev') or 'HEAD'}, not {rev}; resume without "
                                 "--rev (or with the same one), or train into another --out")
        started, rev = first.get("started", started), first.get("rev", rev)
        from_dir = Path(first["from"]) if first.get("from") else from_dir
        recorded = Path(first["tasks_file"]) if first.get("tasks_file") else None
        if (out / "tasks.jsonl").is_file():  # the run's tasks were read: they are the run's, whatever --tasks says
            if tasks_file is not None and recorded is not None and \
                    Path(os.path.realpath(tasks_file)) != Path(os.path.realpath(recorded)):
                raise ResumeMismatch(f"{out} holds a run on the tasks of {recorded}, not {tasks_file}; resume "
                                     "without --tasks (or with the same file), or train into another --out")
            tasks_file = recorded or tasks_file
        else:  # stopped before its tasks were read (a file that failed to load): the one given now, else the first
            tasks_file = tasks_file or recorded
    if tasks_file is not None:
        tasks_file = Path(os.path.realpath(tasks_file))  # a relative path would mean another file from another folder
        if not (out / "tasks.jsonl").is_file():
            read_tasks(tasks_file)  # a bad file says so now, not after the candidate stage's fit
    write_json(out / "run.json", {"repo": where, "rev": rev,
                                   # its history's first commits: a clone of it elsewhere resumes the run
                                   "roots": [] if isinstance(repository, Corpus) else bundle.history_roots(where),
                                   "from": str(from_dir) if from_dir else None,
                                   "tasks_file": str(tasks_file) if tasks_file else None, "started": started,
                                   "config": config.to_dict(), "comparable": comparable(config)})
    checkpoint = ckpt.load(run.ckpt_dir) if resume and ckpt.exists(run.ckpt_dir) else None
    run_stages(run, repository, tasks_file, from_dir, checkpoint)
    summary = {"repo": where, "out": str(out), "model": config.model, "reflection": config.reflection,
               "curriculum": config.curriculum, "seed": config.seed, **run.state,
               "adapters": {n: str(out / n) for n in ("policy", "reflector") if (out / n).is_dir()},
               # the candidate stage `ask` and `search` rank with from this folder; null: the shipped one
               "combiner": str(out / COMBINER_FILE) if (out / COMBINER_FILE).is_file() else None}
    if "retriever" in run.state and "heldout" not in run.state:
        summary["heldout"] = None  # no fit was made (too little history, too short a budget): nothing measured
    rows = read_jsonl(out / "metrics.jsonl")
    if rows:
        last = rows[-5:]
        summary["rl"] = {"updates": len(rows), "success_first": rows[0].get("train/success"),
                         "success_last5": round(sum(r.get("train/success", 0.0) for r in last) / len(last), 4)}
    plot(out)
    write_json(out / "summary.json", summary)
    return TrainResult(out, summary)


__all__ = ["ProgressEvent", "TrainResult", "TrainingInterrupted", "TrainError", "OutputExists", "NothingToResume",
           "ResumeMismatch", "default_adapter_dir", "repo_key", "train"]
