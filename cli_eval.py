"""`explore tasks` and `explore eval`: make a task set for a repository, and score policies on it.

Kept beside :mod:`explore.cli` and wired in with one call, ``register(app, command)``,
where ``command`` is cli.py's decorator (known errors → one line on stderr, exit 2).
Without a ``command`` the commands are registered on ``app`` with an equivalent guard, so
a test can mount them on an app of its own.
"""
from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .sandbox.errors import ExploreError

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

RepoArg = Annotated[Path, typer.Argument(help="Repository or folder the tasks are about (never written to).")]
RevOpt = Annotated[Optional[str], typer.Option("--rev", help="Commit, tag or branch to take the repository at (default HEAD).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for sampling, wording, splits and the random policy.")]
BASELINES = "oracle,random,bm25,scent,features"
SPLIT_NAMES = ("train", "val", "test")


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description:<8}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True)


def tasks_command(
    repo: RepoArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL file to write the tasks to.")],
    sources: Annotated[str, typer.Option("--sources", help="Comma-separated generators: code, docs, config, history.")] = "code,docs,config,history",
    max_tasks: Annotated[Optional[int], typer.Option("--max", help="Keep at most N tasks (sampled evenly across sources).")] = None,
    seed: SeedOpt = 0,
    rev: RevOpt = None,
    max_commits: Annotated[int, typer.Option("--max-commits", help="History: scan only the newest N commits (0: the whole history).")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Generate questions about a repository, each with the files that answer it and a proven oracle walk."""
    from .sandbox.snapshot import Repository
    from .training.tasks import generate_report, parse_sources, write_tasks

    chosen = parse_sources(sources)
    repository = Repository(repo)
    with _progress() as progress:
        bars: dict[str, Any] = {}

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = progress.add_task(stage, total=total)
            progress.update(bars[stage], completed=done, total=total)

        report = generate_report(repository, chosen, max_tasks, seed, rev, max_commits=max_commits, progress=tick)
    written = write_tasks(report.tasks, output)
    summary = report.to_dict()
    if as_json:
        out.print_json(json.dumps({**summary, "output": str(output)}))
        return
    out.print(_tasks_table(report))
    depths = Table(title="by depth", title_justify="left")
    depths.add_column("depth", justify="right")
    depths.add_column("tasks", justify="right")
    for depth, n in summary["by_depth"].items():
        depths.add_row(depth, str(n))
    out.print(depths)
    out.print(
        f"wrote {written} tasks to {output} ({report.duplicates} duplicates merged, "
        f"{report.unreachable} unreachable dropped, {summary['leaks_path']} name a target's path) "
        f"from {report.files} files in {report.seconds:.1f} s", highlight=False,
    )


def _tasks_table(report) -> Table:
    table = Table(title=f"tasks from {report.repo}" + (f" @ {report.rev[:10]}" if report.rev else ""),
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
    if notes:
        table.caption = "; ".join(notes)
        table.caption_justify = "left"
    return table


def eval_command(
    repo: RepoArg,
    tasks: Annotated[Path, typer.Option("--tasks", help="JSONL tasks file (from `explore tasks`).")],
    policy: Annotated[str, typer.Option("--policy", help="Policy name, or several comma-separated.")] = BASELINES,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Evaluate only the first N tasks (after --split).")] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Only tasks of this split: train, val or test.")] = None,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Save a success-by-depth chart (PNG) here.")] = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="Trained adapters (policy/, reflector/) for --policy navigator; default: the shipped navigator.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="Base model for --policy navigator (default smollm2-135m).")] = None,
) -> None:
    """Score policies on a task set: success, acc@k, SPL, steps, invalid actions, seconds."""
    from .agent.env import EnvConfig, RepoExploreEnv
    from .sandbox.snapshot import Repository
    from .training import evaluate as ev
    from .training.oracle import complete
    from .training.tasks import read_tasks, usable

    names = [p.strip() for p in policy.split(",") if p.strip()]
    def build(name: str) -> Any:
        if name == "navigator" and (adapter is not None or model is not None):
            from .agent.bundle import find_adapters

            found = find_adapters(repo, adapter) if adapter is not None else {}
            return ev.NavigatorPolicy({k: str(v) for k, v in found.items()} or None, model=model)
        return ev.make_policy(name, seed)

    policies = [build(n) for n in names]
    if not policies:
        raise ExploreError(f"--policy is empty; choose from {', '.join(ev.POLICIES)}")
    if limit is not None and limit < 1:
        raise ExploreError(f"--limit must be at least 1, not {limit}")
    selected = read_tasks(tasks)
    if split is not None:
        if split not in SPLIT_NAMES:
            raise ExploreError(f"unknown split {split!r}; choose from {', '.join(SPLIT_NAMES)}")
        have = Counter(t.meta.get("split", "none") for t in selected)
        selected = [t for t in selected if t.meta.get("split") == split]
        if not selected:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(have.items()))
            raise ExploreError(f"no tasks in split {split!r} in {tasks} (it has: {counts})")
    selected = selected[:limit] if limit else selected
    repository = Repository(repo)
    selected, warnings = usable(repository, selected)
    for w in warnings[:10]:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)
    if len(warnings) > 10:
        err.print(f"[yellow]warning:[/] … and {len(warnings) - 10} more tasks with missing targets")
    config = EnvConfig()  # the environment the policies are scored in: oracles are proven in it too
    env = RepoExploreEnv(repository, selected, config)
    for task in selected:  # SPL divides by the oracle's length: find a missing one, refuse a wrong one
        complete(env, task)
    reports = []
    with _progress() as progress:
        for p in policies:
            bar = progress.add_task(p.name, total=len(selected))
            reports.append(ev.evaluate(repository, selected, p, config=config,
                                       progress=lambda done, total, bar=bar: progress.update(bar, completed=done)))
    summaries = [r.summary() for r in reports]
    if as_json:
        base = {"tasks": str(tasks), "split": split, "skipped": sum(w.endswith("skipped") for w in warnings)}
        body = {**summaries[0], **base} if len(summaries) == 1 else {
            **base, "n": len(selected), "policies": {s["policy"]: s for s in summaries}}
        out.print_json(json.dumps(body))
    else:
        out.print(_eval_table(summaries, tasks, split))
        for key, title in (("by_source", "success by source"), ("by_depth", "success by depth")):
            out.print(_group_table(summaries, key, title))
    if plot is not None:  # after the results: a plot that cannot be saved must not lose them
        _save_plot(ev, reports, plot)
        if not as_json:
            out.print(f"plot saved to {plot}", highlight=False)


def _save_plot(ev: Any, reports: list[Any], plot: Path) -> None:
    """Save the success-by-depth chart, or say in one line why it cannot be saved there."""
    try:
        ev.plot(reports, str(plot))
    except (OSError, ValueError) as exc:  # a missing folder, no permission, an unknown image format
        why = f"no folder {plot.parent}" if not plot.parent.is_dir() else (getattr(exc, "strerror", None) or str(exc))
        raise ExploreError(f"cannot save the plot to {plot}: {why}; the results above are complete") from None


def _eval_table(summaries: list[dict[str, Any]], tasks: Path, split: str | None) -> Table:
    table = Table(title=f"{tasks.name}" + (f" [{split}]" if split else ""), title_justify="left")
    table.add_column("policy", no_wrap=True)
    for col in ("n", "success", "acc@1/3/5", "SPL", "steps", "invalid", "ms"):
        table.add_column(col, justify="right", no_wrap=True)
    table.caption = "acc@k: ranking policies only; invalid: share of steps; ms: p50/p90 per task"
    table.caption_justify = "left"
    for s in summaries:
        acc = "/".join(f"{s[k]:.2f}" for k in ("acc@1", "acc@3", "acc@5")) if "acc@1" in s else "–"
        table.add_row(s["policy"], str(s["n"]), f"{s['success']:.3f}", acc, f"{s['spl']:.3f}",
                      f"{s['mean_steps']:.2f}", f"{s['invalid_rate']:.2f}",
                      f"{s['p50_seconds'] * 1000:.0f}/{s['p90_seconds'] * 1000:.0f}")
    return table


def _group_table(summaries: list[dict[str, Any]], key: str, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key.removeprefix("by_"), no_wrap=True)
    table.add_column("n", justify="right")
    for s in summaries:
        table.add_column(s["policy"], justify="right", no_wrap=True)
    for group, stats in summaries[0][key].items():
        table.add_row(group, str(stats["n"]), *(f"{s[key][group]['success']:.3f}" for s in summaries))
    return table


def _guard(app: typer.Typer) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """cli.py's ``command`` for an app of our own: known errors exit 2 with one line."""

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                return func(*args, **kwargs)
            except ExploreError as exc:
                err.print(f"[bold red]error:[/] {exc}", highlight=False)
                raise typer.Exit(2) from None
            except KeyboardInterrupt:
                err.print("[bold red]error:[/] interrupted; nothing was left half-written")
                raise typer.Exit(130) from None

        return app.command()(wrapper)

    return decorate


# typer names a command after its function; ``eval`` as a def would shadow the builtin.
tasks_command.__name__ = "tasks"
eval_command.__name__ = "eval"


def register(app: typer.Typer, command: Callable[[Callable[..., None]], Any] | None = None) -> None:
    """Add ``tasks`` and ``eval`` to ``app``; idempotent (a second call adds nothing).

    ``command`` is cli.py's registering decorator (it registers on cli.py's own app); left
    out, the commands go on ``app`` behind an equivalent error guard.
    """
    have = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    decorate = command or _guard(app)
    for func in (tasks_command, eval_command):
        if func.__name__ not in have:
            decorate(func)
