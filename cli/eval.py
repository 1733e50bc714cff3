"""`explore eval REPO [--tasks FILE]`: score policies on a task set, side by side.

Without ``--tasks`` the questions are the repository's own real ones: the messages of its
newest qualifying commits (``--limit``, default 50), each posed on the commit's parent and
answered by the source files it changed, as the real-question benchmark asks them.

Scores are printed before the optional plot is saved: a plot that cannot be written must
not lose finished results. Exit 0 when the scores are printed, 1 when the history gives no
question, 2 for bad input.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..sandbox.errors import EmptyRepository, ExploreError
from .console import NOT_FOUND, emit_json, err, inert, out, outside_repository, progress_bars, shown_markup
from .ask import warn_uncommitted
from .options import JsonOpt, SeedOpt, TasksRepoArg, model_name, path_value
from .tasks import SPLIT_NAMES

BASELINES = "oracle,random,bm25,scent,features"
#: Policies scored on the repository's own history questions when no tasks file is given:
#: the ranking ones that load no model (add `navigator` to walk).
HISTORY_POLICIES = "bm25,bm25-code,retrieve"
#: History questions asked when no tasks file (and no --limit) is given.
HISTORY_QUESTIONS = 50


def eval_command(
    repo: TasksRepoArg,
    tasks: Annotated[Optional[Path], typer.Option("--tasks", parser=path_value, help="JSONL tasks file (from `explore tasks`); without it, the repository's own newest commits are the questions.")] = None,
    policy: Annotated[Optional[str], typer.Option("--policy", help=f"Policy name, or several comma-separated (default {BASELINES}; without --tasks {HISTORY_POLICIES}).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help=f"Evaluate only the first N tasks (after --split); without --tasks, the newest N commits (default {HISTORY_QUESTIONS}).")] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Only tasks of this split: train, val or test.")] = None,
    seed: SeedOpt = 0,
    worktree: Annotated[bool, typer.Option("--worktree", help="Pose tasks that name no commit on the working tree, uncommitted changes included (as `tasks --worktree` made them).")] = False,
    as_json: JsonOpt = False,
    rows: Annotated[bool, typer.Option("--rows", help="With --json: each policy's per-task results as well.")] = False,
    plot: Annotated[Optional[Path], typer.Option("--plot", parser=path_value, help="Save a success-by-depth chart (PNG) here.")] = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", parser=path_value, help="A folder `explore train` wrote: its adapters for --policy navigator, its fitted combiner (if any) for retrieve; default: the shipped ones.")] = None,
    model: Annotated[Optional[str], typer.Option("--model", parser=model_name, help="Base model for --policy navigator (default smollm2-135m).")] = None,
) -> None:
    """Score policies on a task set (or the repository's newest commits): success, acc@k, SPL, steps, seconds."""
    from ..agent.bundle import find_adapters
    from ..search_result import search_config
    from ..agent.env import EnvConfig, RepoExploreEnv
    from ..sandbox.snapshot import Repository, writable_cache
    from ..training import evaluate as ev
    from ..training.oracle import complete
    from ..training.tasks import read_tasks, usable

    if adapter is not None and not adapter.is_dir():  # a typo scored the shipped stage as if it were the fit
        raise ExploreError(f"--adapter {adapter}: no such folder")
    if policy is None:
        policy = BASELINES if tasks is not None else HISTORY_POLICIES
    # a name given twice is scored once: two table rows, but one entry in --json's `policies`
    names = list(dict.fromkeys(p.strip() for p in policy.split(",") if p.strip()))

    def build(name: str) -> Any:
        if name == "navigator" and (adapter is not None or model is not None):
            found = find_adapters(repo, adapter) if adapter is not None else {}
            return ev.NavigatorPolicy({k: str(v) for k, v in found.items()} or None, model=model)
        if name == "retrieve" and adapter is not None:  # the stage as the bundle's combiner ranks (`explore train`'s fit)
            return ev.RetrievePolicy(config=search_config(repo, adapter))  # none inside: said, as search says it
        return ev.make_policy(name, seed)

    policies = [build(n) for n in names]
    if adapter is not None and not {"navigator", "retrieve"} & set(names):  # said, not silently unused
        err.print(inert(f"note: --adapter is read by --policy navigator and retrieve only, neither among "
                        f"{', '.join(names)}; these policies score without it"), markup=False, highlight=False)
    if not policies:
        raise ExploreError(f"--policy is empty; choose from {', '.join(ev.POLICIES)}")
    if rows and not as_json:  # said, not silently unused: the rows have nowhere to go in the tables
        raise ExploreError("--rows adds each task's result to --json's output; give --json too")
    if limit is not None and limit < 1:
        raise ExploreError(f"--limit must be at least 1, not {limit}")
    writable_cache()  # said before the header: every policy lays out the commits there
    scan = None
    if tasks is None:
        selected, scan = _history_questions(repo, limit or HISTORY_QUESTIONS, split, worktree, as_json)
    else:
        selected = read_tasks(tasks)
    if split is not None:
        if split not in SPLIT_NAMES:
            raise ExploreError(f"unknown split {split!r}; choose from {', '.join(SPLIT_NAMES)}")
        have = Counter(t.meta.get("split", "none") for t in selected)
        selected = [t for t in selected if t.meta.get("split") == split]
        if not selected:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(have.items()))
            raise ExploreError(f"no tasks in split {split!r} in {tasks} (it has: {counts})")
    selected = selected[:limit] if limit and tasks is not None else selected
    repository = Repository(repo, worktree=worktree)
    if plot is not None:  # said now, not after the minutes of scoring
        outside_repository(plot, repository, "--plot")
    if scan is not None and not as_json:
        out.print(f"{len(selected)} real questions: the newest qualifying commits' messages, each posed on its "
                  f"parent and answered by the source files it changed ({shown_markup(scan.describe())})",
                  highlight=False)
    if not worktree and any(t.rev is None for t in selected):
        warn_uncommitted(repo)
    fitted_on = _fitted_on(adapter, selected) if scan is not None and adapter is not None \
        and {"retrieve", "navigator"} & set(names) else 0
    if fitted_on:  # a before/after over them shows the fit's own training commits as a gain
        err.print(inert(f"note: {fitted_on} of these {len(selected)} commits are older than the newest ones "
                        f"{adapter} was fitted without: its fit learnt from them; score the "
                        f"{len(selected) - fitted_on} it never saw alone with --limit {len(selected) - fitted_on}"),
                  markup=False, highlight=False)
    selected, warnings = usable(repository, selected)
    for w in warnings[:10]:
        err.print(f"[yellow]warning:[/] {shown_markup(w)}", highlight=False)
    if len(warnings) > 10:
        err.print(f"[yellow]warning:[/] … and {len(warnings) - 10} more tasks with missing targets")
    config = EnvConfig()  # the environment the policies are scored in: oracles are proven in it too
    env = RepoExploreEnv(repository, selected, config)
    for task in selected:  # SPL divides by the oracle's length: find a missing one, refuse a wrong one
        complete(env, task)
    reports = []
    with progress_bars() as progress:
        for p in policies:
            bar = progress.add_task(p.name, total=len(selected))
            reports.append(ev.evaluate(repository, selected, p, config=config,
                                       progress=lambda done, total, bar=bar: progress.update(bar, completed=done)))
    summaries = [r.summary() for r in reports]
    if as_json:  # one shape for one policy or many: a script never checks which it got
        policies_out = {s["policy"]: {**s, **({"rows": r.episodes()} if rows else {})}
                        for s, r in zip(summaries, reports)}
        emit_json("eval", {"tasks": str(tasks) if tasks is not None else None,
                           "adapter": str(adapter.resolve()) if adapter is not None else None,
                           **({"questions": "history", "history": scan.describe(), "history_counts": scan.counts()}
                              if scan is not None else {}),
                           **({"fitted_on": fitted_on} if adapter is not None and scan is not None else {}),
                           "split": split, "n": len(selected),
                           "skipped": sum(w.endswith("skipped") for w in warnings), "policies": policies_out})
    else:
        out.print(_eval_table(summaries, tasks.name if tasks is not None else f"newest {len(selected)} commits of "
                              f"{repository.name} (real questions)", split))
        for key, title in (("by_source", "success by source"), ("by_depth", "success by depth")):
            out.print(_group_table(summaries, key, title))
        if adapter is not None:  # which ranking and which walk were scored, as `ask` and `search` say it
            for line in _adapter_said(adapter, names, tasks is None):
                out.print(inert(line), markup=False, highlight=False)
    if plot is not None:  # after the results: a plot that cannot be saved must not lose them
        _save_plot(ev, reports, plot)
        if not as_json:
            out.print(inert(f"plot saved to {plot}"), markup=False, highlight=False)


def _fitted_on(adapter: Path, selected: list[Any]) -> int:
    """How many of ``selected`` (history questions, newest first) the fit in ``adapter`` learnt
    from: those older than the oldest commit `explore train` held out (its ``summary.json``'s
    cut); 0 where the folder holds no fit or says no cut."""
    if not (adapter / "combiner.json").is_file():
        return 0
    try:
        cut = json.loads((adapter / "summary.json").read_text(encoding="utf-8")).get("retriever", {}).get("cut")
    except (OSError, ValueError, AttributeError):
        return 0
    commits = [t.meta.get("commit") for t in selected]
    return len(commits) - commits.index(cut) - 1 if cut and cut in commits else 0


def _adapter_said(adapter: Path, names: list[str], history: bool) -> list[str]:
    """What ``--adapter`` changed in the scores: the combiner that ranked, the adapters that walked
    (and that commit messages, statements, are settled without a walk: they never meet the adapters)."""
    said = []
    fitted = (adapter / "combiner.json").is_file()
    if "retrieve" in names:  # a fit `explore train` did not keep left none: the shipped one ranked
        said.append(f"retrieve: ranked with {adapter / 'combiner.json'}" if fitted else
                    f"retrieve: ranked with the shipped combiner ({adapter} holds no combiner.json: "
                    "explore train kept no fit)")
    if "navigator" in names:
        said.append(f"navigator: {adapter}'s adapters walk" + (", its combiner.json ranks" if fitted else "")
                    + ("; commit messages are statements, settled from the candidate stage without a walk, so the "
                       "adapters score only on questions it walks (`explore tasks`, then --tasks)" if history else ""))
    return said


def _save_plot(ev: Any, reports: list[Any], plot: Path) -> None:
    """Save the success-by-depth chart, or say in one line why it cannot be saved there."""
    if plot.is_dir() or not plot.suffix:  # matplotlib would write PLOT.png and the command name PLOT
        raise ExploreError(f"cannot save the plot to {plot}: give a file name ending .png, .svg or .pdf; "
                           "the results above are complete")
    try:
        ev.plot(reports, str(plot))
    except (OSError, ValueError) as exc:  # a missing folder, no permission, an unknown image format
        why = f"no folder {plot.parent}" if not plot.parent.is_dir() else (getattr(exc, "strerror", None) or str(exc))
        raise ExploreError(f"cannot save the plot to {plot}: {why}; the results above are complete") from None


def _history_questions(repo: Path, n: int, split: str | None, worktree: bool,
                       as_json: bool = False) -> tuple[list[Any], Any]:
    """The repository's newest ``n`` qualifying commits as questions, or a clear error."""
    from ..sandbox.snapshot import Repository
    from ..training.tasks.history import newest_questions

    if split is not None:
        raise ExploreError("--split picks tasks of a tasks file; without --tasks the questions are the newest commits")
    if worktree:
        raise ExploreError("history questions are posed on each commit's parent, not on the working tree; "
                           "leave --worktree out, or give --tasks FILE from `explore tasks --worktree`")
    repository = Repository(repo)
    if repository.enclosing_git is None:
        raise ExploreError(f"{repository.path} is not in a git repository, so it has no history to ask from; "
                           "give --tasks FILE (from `explore tasks`)")
    try:
        repository.resolve_rev(None)
    except EmptyRepository:
        raise EmptyRepository(f"{repository.top} is a git repository with no commits, so it has no history to ask "
                              "from; commit something, or give --tasks FILE (from `explore tasks --worktree`)") from None
    with progress_bars() as progress:
        bar = progress.add_task("reading history", total=None)
        selected, scan = newest_questions(repository, n, progress=lambda done, total: progress.update(
            bar, completed=done, total=total))
    if not selected:
        err.print(inert(f"no commit of {repository.name} makes a question: {scan.describe()}; "
                        "give --tasks FILE (from `explore tasks`) instead"), markup=False, highlight=False)
        if as_json:  # one object on stdout whatever the outcome
            emit_json("eval", {"tasks": None, "questions": "history", "history": scan.describe(),
                               "history_counts": scan.counts(), "split": None,
                               "n": 0, "skipped": 0, "policies": {}})
        raise typer.Exit(NOT_FOUND)
    return selected, scan


def _eval_table(summaries: list[dict[str, Any]], title: str, split: str | None) -> Table:
    # (no outer edge: with the navigator's seconds beside three rankings, an 80-column terminal cut its
    # `ms` to "142/2…" and its steps to "ste…")
    table = Table(title=Text(inert(title + (f" [{split}]" if split else ""))), title_justify="left", show_edge=False,
                  pad_edge=False)
    table.add_column("policy", no_wrap=True)
    for col in ("n", "success", "acc@1/3/5", "SPL", "steps", "invalid", "ms"):
        table.add_column(col, justify="right", no_wrap=True, min_width=3 if col == "n" else None)
    table.caption = ("acc@k: ranking policies only; steps: actions per task (an answer without a walk is one); "
                     "invalid: share of steps; ms: p50/p90 per task")
    table.caption_justify = "left"
    for s in summaries:
        # ".72/.92/.94": the leading zeros cost the 80-column table its last column
        acc = "/".join(f"{s[k]:.2f}".removeprefix("0") for k in ("acc@1", "acc@3", "acc@5")) if "acc@1" in s else "–"
        table.add_row(s["policy"], str(s["n"]), f"{s['success']:.3f}", acc, f"{s['spl']:.3f}",
                      f"{s['mean_steps']:.2f}", f"{s['invalid_rate']:.2f}",
                      f"{_ms(s['p50_seconds'])}/{_ms(s['p90_seconds'])}")
    return table


def _ms(seconds: float) -> str:
    """Milliseconds as the table shows them: "<1" under one (BM25's 0.3 ms read "0"; and 0.5 ms, which
    Python rounds to even, read "0" beside a p50 of "<1")."""
    ms = seconds * 1000
    return f"{ms:.0f}" if ms >= 1 else "<1"


def _group_table(summaries: list[dict[str, Any]], key: str, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key.removeprefix("by_"), no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True, min_width=3)  # a narrow terminal took it away whole
    for s in summaries:
        table.add_column(s["policy"], justify="right", no_wrap=True, min_width=5)
    for group, stats in summaries[0][key].items():
        table.add_row(group, str(stats["n"]), *(f"{s[key][group]['success']:.3f}" for s in summaries))
    return table
