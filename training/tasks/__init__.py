"""Task generators: questions about a repository paired with the files that answer them.

One module per source (``code``, ``docs``, ``config``, ``history``, ``chat``), quality
filters and splits in :mod:`.quality`, JSONL in :mod:`.jsonl`, and the entry point
:func:`generate` in :mod:`.pipeline`.
"""
from __future__ import annotations

from .jsonl import TaskFileError, TargetsMissing, read_tasks, usable, write_tasks
from .pipeline import (
    ALL_SOURCES, SOURCES, Generation, NoTasks, TaskGenerationError, UnknownSource, generate,
    generate_report, parse_sources,
)

__all__ = [
    "ALL_SOURCES", "SOURCES", "Generation", "NoTasks", "TaskFileError", "TargetsMissing",
    "TaskGenerationError", "UnknownSource", "generate", "generate_report", "parse_sources",
    "read_tasks", "usable", "write_tasks",
]
