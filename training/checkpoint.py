"""Checkpoints: written atomically, verified on load, never silently ignored when damaged.

A checkpoint is a folder with ``state.pt`` (adapter weights, optimizer, RNG states, data
position: whatever the trainer's ``state_dict`` holds) and ``manifest.json`` (stage, step,
the SHA-256 of ``state.pt``), written last. It is built in a temporary folder and renamed
into place; the previous one is moved aside first and removed only after the new one is
in place, so a crash at any moment leaves one complete checkpoint (the loader falls back
to the previous one if the rename did not finish). A checkpoint that exists but does not
verify raises :class:`CorruptCheckpoint` with the reason: resuming from the wrong state
would silently produce a different run.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..sandbox.errors import ExploreError
from ..sandbox.wheels import sha256

FORMAT = 1
STATE = "state.pt"
MANIFEST = "manifest.json"


class CheckpointError(ExploreError):
    """A checkpoint cannot be read or written."""


class CorruptCheckpoint(CheckpointError):
    """A checkpoint exists but is damaged (missing file, bad manifest, checksum mismatch)."""


@dataclass
class Checkpoint:
    path: Path
    stage: str
    step: int
    state: dict[str, Any]
    meta: dict[str, Any]


def save(folder: Path, stage: str, step: int, state: dict[str, Any], meta: dict[str, Any] | None = None) -> Path:
    """Write a checkpoint to ``folder`` atomically (replacing the one there)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    old = folder.with_name(folder.name + ".old")
    try:
        torch.save(state, tmp / STATE)
        manifest = {"format": FORMAT, "stage": stage, "step": int(step), "sha256": sha256(tmp / STATE),
                    "written": time.time(), **(meta or {})}
        with (tmp / MANIFEST).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        if old.exists():
            if not folder.exists():  # the last save died between its renames: `old` is the only checkpoint
                os.rename(old, folder)
            else:
                shutil.rmtree(old)
        if folder.exists():
            os.rename(folder, old)
        os.rename(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    except (OSError, RuntimeError) as exc:  # a full disk: torch's writer says RuntimeError
        shutil.rmtree(tmp, ignore_errors=True)
        kept = "the previous checkpoint stays" if exists(folder) else "no earlier checkpoint"
        raise CheckpointError(f"cannot write the checkpoint in {folder.parent} ({exc}); {kept}: free some "
                              "disk space and run the same command with --resume") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # a checkpoint a killed save left half-written beside this one
    for stale in folder.parent.glob(f".{folder.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    return folder


def exists(folder: Path) -> bool:
    """Whether a checkpoint (complete or not) is present, including an interrupted swap."""
    folder = Path(folder)
    return folder.exists() or folder.with_name(folder.name + ".old").exists()


def load(folder: Path) -> Checkpoint:
    """Read and verify a checkpoint; raise :class:`CorruptCheckpoint` saying what is wrong."""
    folder = Path(folder)
    if not folder.exists():
        old = folder.with_name(folder.name + ".old")
        if old.exists():  # the process died between moving the old one aside and renaming the new one in
            folder = old
        else:
            raise CheckpointError(f"no checkpoint at {folder}")
    manifest_file, state_file = folder / MANIFEST, folder / STATE
    if not manifest_file.is_file():
        raise CorruptCheckpoint(f"checkpoint {folder} is damaged: {MANIFEST} is missing; "
                                "delete the folder to start over")
    try:
        meta = json.loads(manifest_file.read_text(encoding="utf-8"))
        stage, step, expected = str(meta["stage"]), int(meta["step"]), str(meta["sha256"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise CorruptCheckpoint(f"checkpoint {folder} is damaged: unreadable {MANIFEST} ({exc}); "
                                "delete the folder to start over") from None
    if meta.get("format") != FORMAT:
        raise CorruptCheckpoint(f"checkpoint {folder} has format {meta.get('format')!r}, expected {FORMAT}")
    if not state_file.is_file():
        raise CorruptCheckpoint(f"checkpoint {folder} is damaged: {STATE} is missing; delete the folder to start over")
    actual = sha256(state_file)
    if actual != expected:
        raise CorruptCheckpoint(f"checkpoint {folder} is damaged: {STATE} has sha256 {actual[:12]}…, "
                                f"the manifest says {expected[:12]}…; delete the folder to start over")
    try:
        state = torch.load(state_file, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - unpickling errors come in many types
        raise CorruptCheckpoint(f"checkpoint {folder} is damaged: {STATE} does not load ({exc})") from None
    return Checkpoint(folder, stage, step, state, meta)
