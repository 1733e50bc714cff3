"""An adapter bundle: the folder `explore train` writes and `explore ask` reads.

A bundle is one folder holding what a trained navigator needs to run as it was trained::

    policy/       peft adapter that picks the actions
    reflector/    peft adapter that writes the notes (optional)
    env.json      the environment settings observations were shaped with
    policy.json   the head that scores the actions (no file: ``label``)
    answer.json   how the walk's answer is weighed against the candidate stage (optional)

Bundles live in three places: shipped inside the package (:data:`NAVIGATOR_DIR`), in the
cache per repository (:func:`default_adapter_dir`, where `explore train` writes and
`explore ask` looks on its own), and wherever ``--out``/``--adapter`` name. Finding,
reading and writing one happens here and nowhere else, so `ask` needs nothing from
``training`` to find a repository's adapters (an import error there once made it ignore
them silently), and a run starting from the shipped navigator reads it the way `ask` does.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import MISSING, asdict, fields
from pathlib import Path
from typing import Any

from ..sandbox.atomic import recover, replacing_folder, write_json
from ..sandbox.errors import ExploreError
from ..sandbox.snapshot import cache_root
from .answer import AnswerWeights, load_weights, save_weights
from .env import EnvConfig, EnvConfigError, Rewards

#: The adapters a bundle may hold, in the order they load.
ADAPTER_NAMES = ("policy", "reflector")

#: The environment settings the ``policy/`` adapter was trained with: a policy only knows
#: observations shaped the way it saw them in training.
ENV_FILE = "env.json"

#: The head the ``policy/`` adapter was trained with (no file: ``label``, as adapters made
#: before there was a choice).
HEAD_FILE = "policy.json"
#: The candidate stage's combiner fitted to one repository's history (optional).
COMBINER_FILE = "combiner.json"

#: The navigator shipped inside the package: adapters for the default base model trained on
#: a corpus of open-source repositories (see navigator/MODEL_CARD.md), used when a
#: repository has none of its own.
NAVIGATOR_DIR = Path(__file__).resolve().parent.parent / "navigator"

#: Environment settings that do not change what an observation looks like: the horizon,
#: the rewards, and the training-only perturbations.
_NOT_SHAPE = frozenset({"max_steps", "rewards", "shuffle_labels", "leave_out"})


class BundleNotFound(ExploreError):
    """A folder named as adapters holds none."""


class HeadFileError(ExploreError, ValueError):
    """A ``policy.json`` beside trained adapters cannot be read."""


class CombinerFileError(ExploreError, ValueError):
    """A ``combiner.json`` a run fitted cannot be read."""


class FitOfAnotherRepository(CombinerFileError):
    """A ``combiner.json`` fitted to another repository's history, asked to rank this one."""


def history_roots(repo_path: str | os.PathLike[str], rev: str = "HEAD") -> list[str]:
    """The first commits of ``repo_path``'s history (those with no parent), which every clone
    and fork of it shares however far behind it is: what a fit records of the repository it
    learnt from (``summary.json``'s ``retriever.roots``). [] where git cannot tell (no
    repository, or a shallow clone, whose history stops before them)."""
    import subprocess

    try:
        shallow = subprocess.run(["git", "-C", str(repo_path), "rev-parse", "--is-shallow-repository"],
                                 capture_output=True, text=True, timeout=30)
        if shallow.returncode != 0 or shallow.stdout.strip() != "false":
            return []
        roots = subprocess.run(["git", "-C", str(repo_path), "rev-list", "--max-parents=0", rev, "--"],
                               capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return []
    return roots.stdout.split()[:8] if roots.returncode == 0 else []


def fitted_elsewhere(combiner: Path, repo_path: str | os.PathLike[str] | None) -> str | None:
    """Why ``combiner`` (a run's ``combiner.json``) is another repository's fit, or None:
    none of the first commits of the history its run learnt from (``summary.json``'s
    ``retriever.roots``) is in ``repo_path``'s. None too where that cannot be told: no
    summary or roots (a run before they were recorded), not a git repository, a shallow
    clone (its history stops short of them). A clone or fork of the same history, however
    far behind, shares them."""
    if repo_path is None or not combiner.is_file():
        return None
    summary = combiner.parent / "summary.json"
    try:  # a warm server asks this per call: once per fit (its files' mtimes) and repository
        key = (str(combiner), combiner.stat().st_mtime_ns, summary.stat().st_mtime_ns, os.path.realpath(repo_path))
    except OSError:
        return None  # no summary.json: nothing tells which history the fit is of
    if key not in _ELSEWHERE:
        _ELSEWHERE[key] = _fitted_elsewhere(combiner, repo_path)
    return _ELSEWHERE[key]


#: :func:`fitted_elsewhere`'s answers in this process (two git calls each, ~10 ms).
_ELSEWHERE: dict[tuple[str, int, int, str], str | None] = {}


def _fitted_elsewhere(combiner: Path, repo_path: str | os.PathLike[str]) -> str | None:
    try:
        summary = json.loads((combiner.parent / "summary.json").read_text(encoding="utf-8"))
        roots, cut, trained_on = summary["retriever"]["roots"], summary["retriever"].get("cut"), summary.get("repo")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(roots, list) or not roots or not all(isinstance(r, str) and r for r in roots):
        return None
    import subprocess

    where = Path(repo_path)
    where = where if where.is_dir() else where.parent
    if isinstance(cut, str) and cut:  # the commit it held out from is here: the same history (2 ms, no walk)
        try:
            if subprocess.run(["git", "-C", str(where), "cat-file", "-e", f"{cut}^{{commit}}"],
                              capture_output=True, timeout=30).returncode == 0:
                return None
        except (OSError, subprocess.SubprocessError):
            return None
    here = history_roots(where)
    if not here or set(here) & set(roots):
        return None  # no history to tell by (a plain folder, a shallow clone), or the same history
    return (f"{combiner} was fitted to the history of {trained_on or 'another repository'} (its first commit, "
            f"{roots[0][:12]}, is not this repository's), so it would rank this one with another codebase's "
            "weights: ask that repository with it, or fit this one (`explore train REPO --out DIR`)")


# -- finding ----------------------------------------------------------------------------
def adapters_in(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """The adapters a bundle folder holds (``{"policy": folder/policy, ...}``); {} for none.
    An adapter a killed `explore train` left set aside mid-swap is put back first."""
    base = Path(folder)
    for n in ADAPTER_NAMES:
        if not (base / n).exists() and base.is_dir() and os.access(base, os.W_OK):
            try:
                _restore_legacy(base / n)
                recover(base / n)
            except OSError:
                pass  # a folder we may not change: read what is there
    return {n: base / n for n in ADAPTER_NAMES if (base / n / "adapter_config.json").is_file()}


def _restore_legacy(path: Path) -> None:
    """Earlier versions swapped an adapter through ``.<name>.old``: one killed between its
    renames left only that. Put it back when nothing is at ``path``."""
    legacy = path.with_name(f".{path.name}.old")
    if not path.exists() and (legacy / "adapter_config.json").is_file():
        os.rename(legacy, path)


def shipped_adapters() -> dict[str, Path]:
    """The shipped navigator's adapters (``{"policy": dir, ...}``), or {} when absent."""
    return adapters_in(NAVIGATOR_DIR)


def repo_key(repo_path: str | os.PathLike[str]) -> str:
    """A folder name unique to a repository location: ``name-<hash of the real path>``."""
    real = Path(os.path.realpath(Path(repo_path).expanduser()))
    return f"{real.name or 'root'}-{hashlib.sha1(os.fsencode(real)).hexdigest()[:10]}"


def default_adapter_dir(repo_path: str | os.PathLike[str]) -> Path:
    """Where `explore train` writes, and `explore ask` looks for, a repository's adapters."""
    return cache_root() / "adapters" / repo_key(repo_path)


def _bundle_dirs(repo_path: str | os.PathLike[str]) -> list[Path]:
    """Where a repository's own bundle may be: its folder's, then (asked in a subfolder,
    ``explore search repo/src``) the bundle of the git repository it lies in, where
    `explore train` wrote it."""
    real = Path(os.path.realpath(Path(repo_path).expanduser()))
    places = [default_adapter_dir(real)]
    top = next((p for p in real.parents if (p / ".git").exists()), None) if not (real / ".git").exists() else None
    if top is not None:
        places.append(default_adapter_dir(top))
    return places


def unfinished_run(folder: Path) -> str | None:
    """What to say of ``folder`` when it holds a training run that stopped before its end
    (``run.json`` written, no ``summary.json``: Ctrl-C, a kill, a full disk); None otherwise."""
    if (folder / "run.json").is_file() and not (folder / "summary.json").is_file():
        try:  # a policy run continues only with --resume (the same command alone is refused: the folder holds a run)
            config = json.loads((folder / "run.json").read_text()).get("config", {})
            policy = bool(config.get("sft", {}).get("steps") or config.get("rl", {}).get("updates"))
        except (OSError, ValueError, AttributeError):
            policy = True
        return ("it holds a training run that did not finish (no summary.json): "
                + ("the same `explore train` command plus --resume finishes it" if policy else
                   "the same `explore train` command, or with --resume, finishes it"))
    return None


def unfinished_own_run(repo_path: str | os.PathLike[str]) -> str | None:
    """A note for `ask` when the repository's own training folder holds a run that has not
    finished and nothing `ask` can use (Ctrl-C during `explore train`): it answers as
    shipped, and says so rather than in silence. None otherwise."""
    for place in _bundle_dirs(repo_path):
        if adapters_in(place) or (place / COMBINER_FILE).is_file():
            return None
        if (unfinished := unfinished_run(place)) is not None:
            return (f"{place}: {unfinished.replace('did not finish', 'did not finish (or is still running)')}; "
                    "until then the shipped navigator and candidate stage answer")
    return None


def find_adapters(repo: str | os.PathLike[str] | None, adapter: str | os.PathLike[str] | None) -> dict[str, Path]:
    """Adapters to load: ``adapter`` (a bundle with policy/ and reflector/ inside, or a single
    policy adapter), else what `explore train` wrote for ``repo``, else {} (then `Explorer`
    takes the shipped navigator)."""
    if adapter is not None:
        folder = Path(adapter)
        if not folder.is_dir():
            raise BundleNotFound(f"--adapter {folder}: no such folder")
        found = adapters_in(folder)
        if not found and (folder / "adapter_config.json").is_file():
            found = {"policy": folder}
        if not found:
            raise BundleNotFound(f"--adapter {folder}: no policy/ or reflector/ adapter inside"
                                 + (f"; {unfinished}" if (unfinished := unfinished_run(folder)) else ""))
        return found
    if repo is None:
        return {}
    return next((found for place in _bundle_dirs(repo)
                 if (found := adapters_in(place)) and not shipped_copy(place)), {})


def shipped_copy(folder: Path) -> bool:
    """Whether ``folder``'s adapters are a copy of the shipped navigator that a default `explore
    train` (no policy option) left beside its fit: `ask` then takes the navigator this install
    ships, not that copy, so an upgrade reaches a repository trained before it. A policy a
    run trained, or one copied from ``--from DIR``, stays the repository's."""
    try:
        policy = json.loads((folder / "state.json").read_text()).get("policy") or {}
    except (OSError, ValueError, AttributeError):
        return False
    if not isinstance(policy, dict) or policy.get("trained") is not False:
        return False
    if "shipped" in policy:
        return policy["shipped"] is True
    start = Path(str(policy.get("from", "")))  # a run before "shipped" was recorded: the navigator it copied
    return start.parts[-2:] == ("explore", "navigator") or start == NAVIGATOR_DIR


# -- reading and writing the settings ---------------------------------------------------
def save_env_config(config: EnvConfig, folder: str | os.PathLike[str]) -> Path:
    """Write ``config`` as ``folder/env.json`` (atomically) for :func:`load_env_config`."""
    return write_json(Path(folder) / ENV_FILE, asdict(config))


def load_env_config(folder: str | os.PathLike[str]) -> EnvConfig | None:
    """The settings saved in ``folder/env.json``, as used at inference (no label shuffling,
    nothing left out); None when there is no such file. Unknown keys are ignored."""
    path = Path(folder) / ENV_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rewards = Rewards(**{k: v for k, v in data.pop("rewards", {}).items() if k in Rewards.__dataclass_fields__})
        known = {k: v for k, v in data.items() if k in EnvConfig.__dataclass_fields__}
        config = EnvConfig(**known, rewards=rewards)
        for settings in (config, config.rewards):
            _typed(settings)
    except (ValueError, TypeError, AttributeError) as exc:
        raise EnvConfigError(f"{path} is not an environment settings file ({exc}); delete it or retrain") from None
    config.shuffle_labels, config.leave_out = False, 0.0
    return config


def _typed(settings: Any) -> None:
    """Raise TypeError unless each setting read from a file is of its default's type (a count a
    whole number, not below 0; a weight a finite number; a switch true or false): ``"max_steps":
    "abc"`` was taken without a word, and ``"result_lines": "x"`` broke the walk later."""
    for f in fields(settings):
        if f.default is MISSING:
            continue
        value, kind = getattr(settings, f.name), type(f.default)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is bool:
            fits = isinstance(value, bool)
        elif kind is int:
            fits = number and isinstance(value, int) and value >= 0
        elif kind is float:
            fits = number and math.isfinite(value)
        else:
            fits = isinstance(value, kind)
        if not fits:
            raise TypeError(f"{f.name} is {value!r}, not a {kind.__name__}" + (" of 0 or more" if kind is int else ""))


def save_head(head: str, folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/policy.json`` naming the policy's head (atomically)."""
    return write_json(Path(folder) / HEAD_FILE, {"head": head})


def load_head(folder: str | os.PathLike[str]) -> str | None:
    """The head saved in ``folder/policy.json``; None when there is no such file."""
    from .policy import HEADS  # the policy owns its heads; imported here to keep `find` light

    path = Path(folder) / HEAD_FILE
    if not path.is_file():
        return None
    try:
        head = json.loads(path.read_text(encoding="utf-8"))["head"]
    except (ValueError, KeyError, TypeError) as exc:
        raise HeadFileError(f"{path} is not a policy settings file ({exc}); delete it or retrain") from None
    if head not in HEADS:
        raise HeadFileError(f"{path} names an unknown policy head {head!r} (known: {', '.join(HEADS)}); "
                            "this explore is older than the adapters: upgrade it")
    return head


def trained_config(adapters: dict[str, Any]) -> EnvConfig | None:
    """The environment settings the policy adapter was trained with (``env.json`` beside
    ``policy/`` or inside it), so that `ask` shows observations shaped as in training."""
    if "policy" not in adapters:
        return None
    policy = Path(adapters["policy"])
    return load_env_config(policy.parent) or load_env_config(policy)


def trained_head(adapters: dict[str, Any]) -> str:
    """The head the policy adapter was trained with (``policy.json`` beside ``policy/`` or
    inside it); ``label`` for adapters that name none."""
    if "policy" not in adapters:
        return "label"
    policy = Path(adapters["policy"])
    return load_head(policy.parent) or load_head(policy) or "label"


def trained_answer(adapters: dict[str, Any]) -> AnswerWeights | None:
    """How the policy adapter's answers are weighed against the candidate stage
    (``answer.json`` beside ``policy/`` or inside it); None: the walk's answer stands."""
    if "policy" not in adapters:
        return None
    policy = Path(adapters["policy"])
    return load_weights(policy.parent) or load_weights(policy)


def trained_combiner(adapters: dict[str, Any], repo_path: str | os.PathLike[str] | None = None,
                     own_fit: bool = True) -> Path | None:
    """The candidate stage's combiner fitted to a repository's own history
    (``combiner.json``, written by `explore train`): beside the policy adapter, else (with
    ``own_fit``) in the repository's own bundle folder; None when neither has one (the shipped
    one applies). Without ``own_fit`` (adapters a user named: `ask --adapter DIR`) DIR's fit
    or the shipped one, never the one `explore train` left for the repository."""
    places = [Path(adapters["policy"]).parent] if "policy" in adapters else []
    if repo_path is not None and own_fit:
        places += _bundle_dirs(repo_path)
    return next((p / COMBINER_FILE for p in places if (p / COMBINER_FILE).is_file()), None)


def fitted_retriever(adapters: dict[str, Any], repo_path: str | os.PathLike[str] | None = None,
                     own_fit: bool = True):
    """The candidate stage's settings with the repository's fitted combiner
    (:func:`trained_combiner`), or None for the shipped one."""
    found = trained_combiner(adapters, repo_path, own_fit)
    if found is None:
        return None
    if (elsewhere := fitted_elsewhere(found, repo_path)) is not None:
        raise FitOfAnotherRepository(elsewhere)
    from ..retrieval.combiner import Combiner
    from ..retrieval.retriever import RetrieverConfig

    try:
        combiner = Combiner.load(found)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CombinerFileError(f"{found} is not a candidate stage's combiner ({type(exc).__name__}: {exc}); delete "
                                "it (the shipped one then applies) or run `explore train` again") from None
    return RetrieverConfig(combiner=combiner)


# -- training: where a run starts, and what it leaves ----------------------------------
def observation_shape(env: EnvConfig) -> dict[str, Any]:
    """The settings of ``env`` that change what an observation looks like."""
    return {k: v for k, v in asdict(env).items() if k not in _NOT_SHAPE}


def shipped_start(model: str, env: EnvConfig, *, from_scratch: bool = False) -> Path | None:
    """The shipped navigator, when a run on ``model`` with ``env`` can start from it: same
    (default) base model and the same observation shape (a policy only knows observations
    shaped as in its training)."""
    from .model_store import DEFAULT_MODEL

    found = shipped_adapters()
    if from_scratch or "policy" not in found or model != DEFAULT_MODEL:
        return None
    shipped = trained_config({"policy": found["policy"]})
    if shipped is None or observation_shape(shipped) != observation_shape(env):
        return None
    return NAVIGATOR_DIR


def export(model: Any, names: list[str], folder: str | os.PathLike[str], env: EnvConfig, head: str,
           answer: AnswerWeights | None = None) -> None:
    """Write ``model``'s adapters ``names`` as a bundle in ``folder``: peft folders
    ``folder/<name>/`` (each swapped in atomically), then ``env.json`` and ``policy.json``
    so `explore ask` shapes observations and scores actions as in training, and
    ``answer.json`` when ``answer`` weighs the walk's answer against the candidate stage."""
    out = Path(folder)
    tmp = Path(tempfile.mkdtemp(prefix=".adapters-", dir=out))
    try:
        # The base (embeddings included) is frozen: saving it would turn a ~2 MB adapter into 114 MB.
        model.save_pretrained(str(tmp), selected_adapters=names, save_embedding_layers=False)
        for name in names:
            src = tmp / name if (tmp / name).is_dir() else tmp
            _restore_legacy(out / name)
            # a reader finds the old adapter or the whole new one, and a run killed between the
            # two renames leaves both complete for `recover` (the old code deleted its only copy)
            with replacing_folder(out / name) as fresh:
                for child in list(src.iterdir()):
                    os.rename(child, fresh / child.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save_env_config(env, out)
    save_head(head, out)
    if answer is not None:
        save_weights(answer, out)


__all__ = ["ADAPTER_NAMES", "ENV_FILE", "HEAD_FILE", "NAVIGATOR_DIR", "BundleNotFound", "HeadFileError",
           "adapters_in", "default_adapter_dir", "export", "find_adapters", "load_env_config", "load_head",
           "observation_shape", "repo_key", "save_env_config", "save_head", "shipped_adapters", "shipped_start",
           "trained_config", "trained_head"]
