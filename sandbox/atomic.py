"""Atomic file writes: a reader sees the old file or the whole new one, never half.

Every file the project writes for another process to read (run state, adapter settings,
task and demonstration files, metrics, plots, cached blobs) goes through here: the bytes
go to a temporary file beside the target, which is renamed over it in one step when the
writing finished, and removed when it did not. The temporary name is unique per write,
so two processes writing the same file never write into each other's half.

It sits at the bottom layer (``sandbox``) so every layer above can use it.
"""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A fresh temporary path beside ``path``; write it inside the block, and it becomes
    ``path`` in one rename when the block ends (it is removed if the block raises)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; ``mode`` sets the permission bits first."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_bytes(data)
        if mode is not None:
            os.chmod(tmp, mode)
    return path


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    path = Path(path)
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON (values JSON does not know, such as paths, as
    strings) to ``path`` atomically."""
    return write_text(path, json.dumps(data, indent=2, default=str) + "\n")


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> int:
    """Write one JSON object per line to ``path`` atomically; returns the number of rows."""
    n = 0
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
