"""`explore tasks REPO -o FILE`: questions about a repository, each with its answer files and
a proven oracle walk, as JSONL (``-o -``: on stdout, the report then goes to stderr).

Exit 0 when tasks were written, 1 when none could be made, 2 for bad input.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..sandbox.errors import ExploreError
from .console import NOT_FOUND, emit_json, err, inert, out, outside_repository, progress_bars
from .ask import warn_uncommitted
from .options import JsonOpt, RevOpt, SeedOpt, TasksRepoArg, path_value

SPLIT_NAMES = ("train", "val", "test")


def tasks(
    repo: TasksRepoArg,
    output: Annotated[Path, typer.Option("--output", "-o", parser=path_value, help="JSONL file to write the tasks to; - for stdout.")],
    sources: Annotated[str, typer.Option("--sources", help="Comma-separated generators: code, docs, config, history.")] = "code,docs,config,history",
    max_tasks: Annotated[Optional[int], typer.Option("--max", help="Keep at most N tasks (sampled evenly across sources).")] = None,
    seed: SeedOpt = 0,
    rev: RevOpt = None,
    worktree: Annotated[bool, typer.Option("--worktree", help="Ask about the working tree, uncommitted changes included (tasks then name no commit: evaluate them with eval --worktree).")] = False,
    max_commits: Annotated[int, typer.Option("--max-commits", help="History: scan only the newest N commits (0: the whole history).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Generate questions about a repository, each with the files that answer it and a proven oracle walk."""
    from ..sandbox.atomic import symlink_loop
    from ..sandbox.errors import BadRevision
    from ..sandbox.snapshot import Repository
    from ..training.tasks import generate_report, parse_sources, write_tasks
    from ..training.tasks.jsonl import TaskFileError
    from ..training.tasks.pipeline import NoTasks

    to_stdout = str(output) == "-"
    if to_stdout and as_json:
        raise ExploreError("-o - puts the tasks on stdout; --json would mix its summary into them: choose one")
    if worktree and rev is not None:
        raise BadRevision("--rev and --worktree cannot be combined")
    if max_tasks is not None and max_tasks < 1:
        raise ExploreError(f"--max must be at least 1, not {max_tasks}")
    if max_commits < 0:
        raise ExploreError(f"--max-commits must be 0 (the whole history) or more, not {max_commits}")
    # said now, not after the minutes that generating takes (a pipe or a device, `-o >(gzip > t.gz)` in
    # /dev/fd, is written into: its folder is no matter)
    if not to_stdout and not (output.exists() and not output.is_file() and not output.is_dir()):
        where = output.parent if str(output.parent) else Path(".")
        if output.is_dir():
            raise TaskFileError(f"cannot write {output}: it is a folder; give a file name (tasks.jsonl)")
        if symlink_loop(output):
            raise TaskFileError(f"cannot write {output}: it is a symlink loop (it links to {os.readlink(output)}, which "
                                "leads back to it), so it names no file; give a file name, or point the link at one")
        if not where.is_dir():
            raise TaskFileError(f"cannot write {output}: no folder {where}")
        if not os.access(where, os.W_OK):
            raise TaskFileError(f"cannot write {output}: {where} is not writable")
    chosen = parse_sources(sources)
    repository = Repository(repo, worktree=worktree)
    if not to_stdout:
        outside_repository(output, repository, "-o")
    if not worktree and rev is None:
        warn_uncommitted(repo)
    if "history" in chosen and (max_commits == 0 or max_commits > LONG_HISTORY):
        _warn_long_history(repository, rev, max_commits)
    with progress_bars() as progress:
        bars: dict[str, Any] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = progress.add_task(stage, total=total)
            progress.update(bars[stage], completed=done, total=total)

        try:
            report = generate_report(repository, chosen, max_tasks, seed, rev, max_commits=max_commits,
                                     progress=tick)
        except NoTasks as exc:  # it ran and made none: 1, as the exit codes say, not a usage error
            err.print(inert(f"error: {exc}"), markup=False, highlight=False)
            if as_json:  # one object on stdout whatever the outcome
                emit_json("tasks", {"repo": str(repository.path), "rev": rev, "worktree": worktree, "n": 0,
                                    "by_source": {}, "by_depth": {}, "output": str(output), "error": str(exc)})
            raise typer.Exit(NOT_FOUND) from None
    if to_stdout:
        for task in report.tasks:
            typer.echo(json.dumps(task.to_dict()))
        written = len(report.tasks)
    else:
        written = write_tasks(report.tasks, output)
    summary = report.to_dict()
    if as_json:
        emit_json("tasks", {**summary, "output": str(output)})
    else:
        _print_report(report, summary, written, "stdout" if to_stdout else str(output), err if to_stdout else out)


def _print_report(report: Any, summary: dict[str, Any], written: int, where: str, console: Any) -> None:
    console.print(_tasks_table(report))
    depths = Table(title="by depth", title_justify="left")
    depths.add_column("depth", justify="right")
    depths.add_column("tasks", justify="right")
    for depth, n in summary["by_depth"].items():
        depths.add_row(depth, str(n))
    console.print(depths)
    console.print(
        inert(f"wrote {written} tasks to {where} ({report.duplicates} duplicates merged, "
              f"{report.unreachable} unreachable dropped, {summary['leaks_path']} kept whose question names its answer's file, "
              f"marked meta.leaks_path) "
              f"from {report.files} files in {report.seconds:.1f} s"), markup=False, highlight=False,
    )


def _tasks_table(report: Any) -> Table:
    at = f" @ {report.rev[:10]}" if report.rev else " (working tree)" if report.worktree else ""
    table = Table(title=Text(inert(f"tasks from {report.repo}{at}")),
                  title_justify="left")
    for col in ("source", "candidates", "kept", "train", "val", "test", "leaks path", "names stem"):
        table.add_column(col, justify="left" if col == "source" else "right", no_wrap=True)
    notes = []
    for name, src in report.sources.items():
        mine = [t for t in report.tasks if t.source == name]
        splits = Counter(t.meta.get("split") for t in mine)
        leaks = sum(bool(t.meta.get("leaks_path")) for t in mine)
        stems = sum(bool(t.meta.get("names_stem")) for t in mine)
        table.add_row(name, str(src.candidates), str(src.kept), *(str(splits[s]) for s in SPLIT_NAMES),
                      str(leaks), str(stems))
        if src.reason:
            notes.append(f"{name}: {src.reason}")
    splits = Counter(t.meta.get("split") for t in report.tasks)
    if splits["val"] > max(splits["train"], splits["test"]):  # fmt: val 2,437 of 4,069, as designed but unsaid
        notes.append("val also takes every train task whose answer a test task has too (no test answer is ever a "
                     "train answer): it is large where a few files answer most questions")
    if notes:
        table.caption = "; ".join(notes)
        table.caption_justify = "left"
    return table


#: A history longer than this is read whole only after saying so (fmt's 7,942 commits: 13 minutes).
LONG_HISTORY = 2_000


def _warn_long_history(repository: Any, rev: str | None, max_commits: int = 0) -> None:
    """Say on stderr, before the minutes it takes, that every commit of a long history is read
    (each a question posed on its parent, laid out and walked), and how to read fewer."""
    from ..training.tasks.history import count_commits

    git = repository.enclosing_git
    if git is None:
        return
    # the commit id, not the text given: `--rev=--output=FILE` would reach git as an option, which writes FILE
    head = repository.resolve_rev(rev) if rev is not None else "HEAD"
    commits = count_commits(str(git.git_dir), head, subdir=repository.subdir)  # a subfolder's: those read
    read = min(commits, max_commits) if max_commits else commits
    if read > LONG_HISTORY:
        what = f"all {read:,} commits" if read == commits else f"the newest {read:,} of {commits:,} commits"
        err.print(f"[yellow]note:[/] reading {what} of the history (about a minute per 600 on 2 cores); "
                  "--max-commits N reads the newest N", highlight=False)
