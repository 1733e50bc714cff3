"""`explore train REPO...`: fine-tune the policy and reflector on a repository (or a corpus).

The training stack is imported when the command runs, not when the app is built.
Progress is drawn with rich on stderr (stage bars with ETA and the live success rate);
the summary goes to stdout (``--json``: the run's ``summary.json`` in the JSON envelope).
Exit 0 when trained, 2 for bad input, 130 when interrupted, 143 when terminated (SIGTERM;
both resume with ``--resume``).
"""
from __future__ import annotations

import json
import os
import re
import shlex
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from .console import TERMINATED, emit_json, err, fail, inert, interrupted_code, out, shown_markup
from .options import JsonOpt, RevOpt, model_name, path_value, repository_path

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|s)?", re.I)
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0}


def duration(text: str) -> float:
    """Seconds in ``90s``, ``10m``, ``2h``, ``1h30m`` or a plain number of seconds."""
    spec = text.strip().replace(" ", "")
    parts = list(_DURATION.finditer(spec))
    if not spec or not parts or "".join(m.group(0) for m in parts) != spec or \
            (len(parts) > 1 and any(m.group(2) is None for m in parts)):
        raise typer.BadParameter(f"{text!r} is not a duration: try 10m, 2h, 1h30m or 90s")
    seconds = sum(float(m.group(1)) * _UNIT[(m.group(2) or "s").lower()] for m in parts)
    if seconds <= 0:
        raise typer.BadParameter(f"{text!r}: the budget must be more than nothing")
    return seconds


#: ``explore train REPO`` with no flags: the time given to the candidate stage's fit.
DEFAULT_BUDGET_S = 30 * 60

STAGE_NAMES = {"retriever": "candidate stage (own history)", "sft": "SFT (reflector + policy)", "rl": "RL (policy)",
               "eval": "evaluation (held-out walks)"}


def _device_spelling(value: str | None) -> str | None:
    """``--device`` spelt as :func:`~explore.training.stages.pick_device` reads it."""
    if value is None:
        return None
    spec = value.strip().lower()
    if spec in ("auto", "cpu", "cuda") or (spec.startswith("cuda:") and spec[5:].isdigit()):
        return spec
    raise typer.BadParameter(f"{value!r}: expected auto, cpu, cuda or cuda:N")


def _config(out_dir: Path | None, repo: Path, resume: bool, *, model: str | None, from_dir: Path | None,
            sft_steps: int | None, rl_updates: int | None, reflection: bool | None, curriculum: bool | None,
            seed: int | None, retriever: bool | None = None, budget: float | None = None,
            from_scratch: bool = False, corpus: bool = False, device: str | None = None,
            eval_tasks: int | None = None) -> Any:
    """The run's config: saved settings when resuming, then the options given on the command line.

    One repository and no policy option (``--sft-steps``, ``--rl-updates``, ``--reflection``,
    ``--curriculum``, ``--from``, ``--from-scratch``, ``--model``): the default recipe — fit
    the candidate stage to the repository's history within :data:`DEFAULT_BUDGET_S`, keep
    the shipped policy. Measured: on a repository's real questions `ask`'s answer to a
    behaviour question is the candidate stage's (the policy's pick among code files has
    weight 0 in ``answer.json``), and SFT/RL at a laptop budget moved no held-out answer
    (README, "train on your repository"), while they cost hours; they stay one option away."""
    from ..agent.bundle import default_adapter_dir
    from ..training.config import TrainConfig

    folder = out_dir or default_adapter_dir(repo)
    config = TrainConfig()
    run_file = folder / "run.json"
    if resume and run_file.is_file():
        try:
            saved = json.loads(run_file.read_text(encoding="utf-8"))["config"]
        except (ValueError, KeyError, TypeError):
            pass  # the pipeline reports the damaged run.json by name
        else:
            config = TrainConfig.from_dict(saved, source=str(run_file))  # a bad value: exit 2, named
    if from_dir is not None and sft_steps is None and not resume:
        config.sft.steps = 0  # adapters given: continue with RL unless SFT steps are asked for
    policy_asked = any(v is not None for v in (sft_steps, rl_updates, reflection, curriculum, from_dir, model)) \
        or from_scratch
    if not resume and not corpus and not policy_asked:
        config.sft.steps, config.rl.updates, config.reflection = 0, 0, False
        config.budget = DEFAULT_BUDGET_S
    for value, setter in ((model, lambda v: setattr(config, "model", v)),
                          (sft_steps, lambda v: setattr(config.sft, "steps", v)),
                          (rl_updates, lambda v: setattr(config.rl, "updates", v)),
                          (reflection, lambda v: setattr(config, "reflection", v)),
                          (curriculum, lambda v: setattr(config, "curriculum", v)),
                          (seed, lambda v: setattr(config, "seed", v)),
                          (retriever, lambda v: setattr(config, "retriever", v)),
                          (budget, lambda v: setattr(config, "budget", v)),
                          (device, lambda v: setattr(config, "device", v)),
                          (eval_tasks, lambda v: setattr(config, "eval_tasks", v))):
        if value is not None:
            setter(value)
    return config


class TrainProgress:
    """Turns pipeline progress events into rich bars (SFT, RL) and one-line stage notes."""

    #: Seconds between two plain progress lines where stderr is no terminal (a CI log, `2>&1 | tee`):
    #: rich draws no bar there, and a 30-minute fit showed nothing until it ended.
    PLAIN_EVERY_S = 15.0

    def __init__(self, console: Console) -> None:
        self.plain = not console.is_terminal
        self.console = console
        self.started: dict[str, float] = {}
        self.from_step: dict[str, int] = {}  # the step a stage's clock started at
        self.said_at: dict[str, float] = {}
        self.unsaid: dict[str, Any] = {}
        self.last: dict[str, int] = {}  # each stage's last step: a smaller one starts the stage again
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
        from rich.table import Column

        # The info column takes what the line has left and is cut with an ellipsis: left to
        # rich, a long note squeezed the bar, the counts and the ETA out of an 80-column line.
        self.bars = Progress(TextColumn("{task.description}", table_column=Column(no_wrap=True)), BarColumn(bar_width=24),
                             MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                             TextColumn("{task.fields[info]}",
                                        table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
                             console=console, transient=False, expand=True)
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> "TrainProgress":
        if not self.plain:
            self.bars.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.plain:
            self.bars.stop()
            return
        for event in list(self.unsaid.values()):  # where each stage stood at the end, as a terminal's last frame
            self._plain(event, force=True)

    def _plain(self, event: Any, force: bool = False) -> None:
        """A line now and then: at a stage's first step, every :data:`PLAIN_EVERY_S`, at its end,
        and where it stood when the run ended."""
        now = time.monotonic()
        done, total = event.step, event.total or 0
        if done < self.last.get(event.stage, 0):  # the stage again (the evaluation after SFT): timed anew
            self.started.pop(event.stage, None)
        self.last[event.stage] = done
        first = event.stage not in self.started
        self.started.setdefault(event.stage, now)
        if first:
            self.from_step[event.stage] = done
        if not (force or first or done >= total or now - self.said_at.get(event.stage, 0.0) >= self.PLAIN_EVERY_S):
            self.unsaid[event.stage] = event
            return
        self.unsaid.pop(event.stage, None)
        self.said_at[event.stage] = now
        elapsed = now - self.started[event.stage]
        # paced by the steps since the stage's first event, where its clock started (by all of them, it read
        # "eta 0:00" at the first, and short by (done - 1) / done after it)
        paced = done - self.from_step.get(event.stage, 0)
        eta = f", eta {_clock(elapsed * (total - done) / paced)}" if 0 < done < total and paced > 0 else ""
        self.console.print(f"{STAGE_NAMES[event.stage]}: {done}/{total}, {_clock(elapsed)} elapsed{eta}",
                           markup=False, highlight=False)

    def __call__(self, event: Any) -> None:
        if event.stage in STAGE_NAMES and not event.message and self.plain:
            self._plain(event)
        elif event.stage in STAGE_NAMES and not event.message:
            if event.stage not in self.tasks:
                self.tasks[event.stage] = self.bars.add_task(STAGE_NAMES[event.stage], total=event.total, info="")
            elif event.step < self.last.get(event.stage, 0):  # the stage again: its bar and clock anew
                self.bars.reset(self.tasks[event.stage], total=event.total)
            self.last[event.stage] = event.step
            m = event.metrics
            if event.stage == "rl":
                info = f"success {m.get('train/success', 0):.0%}  return {m.get('train/return', 0):+.2f}"
                if "curriculum/max_depth" in m:
                    info += f"  depth≤{m['curriculum/max_depth']:.0f}"
            elif event.stage == "retriever":
                info = "questions, each on its parent"
            elif event.stage == "eval":
                info = "greedy walks of the held-out tasks"
            else:
                info = f"policy loss {m.get('sft/policy_loss', 0):.3f}"
                if "sft/reflector_loss" in m:
                    info += f"  reflector loss {m['sft/reflector_loss']:.3f}"
            bar = next(t for t in self.bars.tasks if t.id == self.tasks[event.stage])
            # set, not passed to update(): rich drops a bar's pace when its total changes, and the
            # candidate stage re-estimates its total as questions finish (the ETA read -:--:--)
            bar.total = event.total
            self.bars.update(self.tasks[event.stage], completed=event.step, info=info)
        elif event.message:
            self.bars.console.print(f"[cyan]{event.stage}[/]: {shown_markup(event.message)}", highlight=False)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def _print_summary(summary: dict[str, Any], repo: Path) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="explore train", show_header=True)
    table.add_column("")
    table.add_column("value", overflow="fold")  # a path is shown whole, folded, never cut with "…"

    def row(name: str, value: str) -> None:  # paths and messages are shown as they are, never as markup
        table.add_row(Text(inert(name)), Text(inert(value)))

    tasks = summary.get("tasks")
    if tasks:
        row("tasks", f"{tasks.get('train', 0)} train / {tasks.get('test', 0)} held out")
    demos = summary.get("demos")
    if demos:
        row("demonstrations", f"{demos['demos']} ({demos['negative']} negative, {demos['negative_ratio']:.0%})")
    held = summary.get("heldout")
    if held:
        b, a = held["before"], held["after"]
        row(f"held-out: {held['what']}" + (f" ({held['measured_by']})" if held.get("measured_by") else ""),
            f"acc@1 {b['acc@1']:.2f} → {a['acc@1']:.2f}, acc@5 {b['acc@5']:.2f} → {a['acc@5']:.2f} (n {b['n']}"
            + (f": one question is {1 / b['n']:.2f} of it)" if b["n"] else ")"))
        stage = summary.get("retriever", {})
        if stage.get("earlier_fit_stays"):
            row("candidate stage", f"not fitted again: {stage['why']}; the earlier run's fit stays, and ranks")
        val = stage.get("validation")
        if val:
            from ..retrieval.adapt import FOLDS

            row("candidate stage fit", ("kept" if stage.get("fitted") else "not kept (the shipped one stays)")
                + f": judged on {val['before']['n']} training commits in {FOLDS} time blocks, each scored by a fit "
                  f"on the other {FOLDS - 1}, {_judged(val['before'], val['after'])}")
            if (unused := held.get("fit_not_kept")) is not None:
                # the held-out commits only score the choice: what the fit turned down would have scored there
                row("the fit not kept, held out", f"acc@1 {unused['acc@1']:.2f}, acc@5 {unused['acc@5']:.2f} "
                    "(judged on the training commits alone, never on these)")
            for note in _notes(summary):
                row("note", note)
        if stage.get("reused") or stage.get("outdated"):
            built = stage.get("train", 0) + b["n"] - stage.get("reused", 0)
            row("history questions", f"{built} built, {stage.get('reused', 0)} taken from an earlier run"
                + (f" ({stage['outdated']} an earlier run stored were made by another version of explore's "
                   "ranking code, so built again)" if stage.get("outdated") else ""))
    elif summary.get("retriever", {}).get("why"):
        row("candidate stage", f"not fitted: {summary['retriever']['why']}; "
            + ("the earlier run's fit stays, and ranks" if summary["retriever"].get("earlier_fit_stays")
               else "the shipped one ranks"))
    for stage, seconds in summary.get("seconds", {}).items():
        row(f"time: {stage}", f"{seconds:.1f} s")
    for name, result in summary.get("eval", {}).items():
        row(f"held-out success {name.replace('_', ' ')}",
                      f"{result.get('success', 0):.0%} (steps {result.get('steps', 0):.1f})")
    rl = summary.get("rl")
    if rl:
        row("RL train success", f"{rl['success_first']:.0%} in its one update" if rl.get("updates") == 1 else
            f"{rl['success_first']:.0%} first update → {rl['success_last5']:.0%} last {min(5, rl.get('updates', 5))}")
    policy = summary.get("policy")
    if policy and not policy.get("trained", True):
        row("policy", f"kept as it is in {policy['from']} (no SFT or RL asked for)")
    if summary.get("combiner"):
        row("fitted candidate stage", f"{summary['combiner']} (ask and search rank with it)")
    for name, path in summary.get("adapters", {}).items():
        row(f"adapter: {name}", path)
    out.print(table)
    folder = Path(summary["out"])
    if (folder / "metrics.jsonl").is_file():
        out.print(inert(f"metrics: {folder}/metrics.jsonl · plot: {folder}/training.png"), markup=False,
                  highlight=False)
    out.print(inert(f"next: {_next(summary, repo)}"), markup=False, highlight=False)


def _last_checkpoint(out: Path) -> str:
    """``SFT step 10`` of the checkpoint in ``out`` (an interrupt during an evaluation after it
    was said to come "before the first checkpoint"), or "" when there is none."""
    try:
        meta = json.loads((out / "checkpoint" / "manifest.json").read_text(encoding="utf-8"))
        stage, step = str(meta["stage"]), int(meta["step"])
        return {"sft": f"SFT step {step}", "rl": f"RL update {step}"}.get(stage, f"{stage} step {step}")
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _judged(before: dict[str, Any], after: dict[str, Any]) -> str:
    """The keep rule's scores as it compares them (acc@1, then acc@5), to the question: at two
    decimals a fit that lost by one question (.825 → .820) and a tie (.830 → .830) read alike."""
    return (f"acc@1 {before['acc@1']:.3f} → {after['acc@1']:.3f}, "
            f"acc@5 {before['acc@5']:.3f} → {after['acc@5']:.3f}")


def _notes(summary: dict[str, Any]) -> list[str]:
    """What the run's numbers alone do not say: a cache that could not keep the questions built,
    a kept fit that scores below the shipped stage on the held-out commits (in the table, and
    in `--json`'s ``notes``)."""
    held, stage = summary.get("heldout"), summary.get("retriever", {})
    notes = []
    if stage.get("cache_not_saved"):  # a full or read-only cache: this run stands, the next builds it all again
        notes.append(f"the cache could not keep the history questions this run built ({stage['cache_not_saved']}): "
                     "a run after new commits builds them all again, not only the new ones")
    # (an earlier run's fit that stays, a short --budget fitting nothing, is said of as when it was kept)
    if not held or not (stage.get("kept", stage.get("fitted")) or stage.get("earlier_fit_stays")):
        return notes
    b, a = held["before"], held["after"]
    lower = [k for k in ("acc@1", "acc@5") if a[k] < b[k]]  # either: a gain at acc@1 hid a loss at acc@5
    if not lower:
        return notes
    return notes + [f"the kept fit scores below the shipped stage at {' and '.join(lower)} on the newest {b['n']} commits: "
            "the training commits chose it, as they must (the newest only score the choice); deleting "
            f"{Path(summary['out']) / 'combiner.json'} goes back to the shipped one"]


def _next(summary: dict[str, Any], repo: Path) -> str:
    """The command that asks with what the run made (`--adapter` where `--out` put it elsewhere)."""
    folder = Path(summary["out"])
    # ./-repo, not -repo: explore reads a word with a leading dash as an option ("No such option: -r")
    named = shlex.quote(f"./{repo}" if str(repo).startswith("-") else str(repo))
    if not (folder / "combiner.json").is_file() and not (summary.get("policy") or {}).get("trained", True):
        # the folder holds the shipped policy's copy: --adapter to it changes nothing
        return f"explore ask {named} 'your question' (no fit kept: it ranks and walks as shipped)"
    return f"explore ask {named} 'your question'" + (
        "" if summary.get("default_out") else f" --adapter {shlex.quote(summary['out'])}")


def train(
    repos: Annotated[list[Path], typer.Argument(help="Repository or folder to train on (never written to); several git repositories train one navigator over all (needs --out).", metavar="REPO...", parser=repository_path)],
    tasks: Annotated[Optional[Path], typer.Option("--tasks", parser=path_value, help="Tasks file (JSONL, as `explore tasks` writes; a file, not `-`: a run keeps its path to resume from); default: generate them.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", parser=path_value, help="Output folder (default: this repo's folder in the cache, where `explore ask` looks).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", parser=model_name, help="Base model: smollm2-135m (default), tiny-random, a folder or a Hugging Face id.")] = None,
    from_dir: Annotated[Optional[Path], typer.Option("--from", parser=path_value, help="Start from the policy/ and reflector/ adapters in this folder (SFT skipped unless --sft-steps). Default: the shipped navigator.")] = None,
    from_scratch: Annotated[bool, typer.Option("--from-scratch", help="Start from fresh adapters, not the shipped navigator.")] = False,
    sft_steps: Annotated[Optional[int], typer.Option("--sft-steps", min=0, help="Supervised steps (default 200, or 0 when one repository is given with no policy option, as described above; 0 skips SFT).")] = None,
    rl_updates: Annotated[Optional[int], typer.Option("--rl-updates", min=0, help="RL updates (default 40, or 0 when one repository is given with no policy option; 0 skips RL).")] = None,
    reflection: Annotated[Optional[bool], typer.Option("--reflection/--no-reflection", help="Train and use a reflector (default on, or off when one repository is given with no policy option).")] = None,
    curriculum: Annotated[Optional[bool], typer.Option("--curriculum/--no-curriculum", help="Depth curriculum during RL (default on).")] = None,
    retriever: Annotated[Optional[bool], typer.Option("--retriever/--no-retriever", help="First fit the candidate stage to the repository's own history, newest commits held out (default on; minutes, no model).")] = None,
    budget: Annotated[Optional[float], typer.Option("--budget", parser=duration, metavar="TIME", help="Time for the candidate stage's fit, e.g. 10m, 2h, 90s (a bare number is seconds): the held-out newest commits first, then as many older ones as fit (default 30m when one repository is given with no policy option, else no limit; the newest 200 older ones at most).")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default 0): same seed, same run.")] = None,
    device: Annotated[Optional[str], typer.Option("--device", callback=_device_spelling, help="Where the policy stages (SFT, RL) train: auto (default: a GPU when torch sees one, else the CPU), cpu, cuda or cuda:N.")] = None,
    eval_tasks: Annotated[Optional[int], typer.Option("--eval-tasks", min=0, help="Held-out tasks walked before and after each policy stage to show what it changed (default 20; 0 skips them).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint.")] = False,
    rev: RevOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit explore to a repository's own history (the default), or fine-tune its navigator (SFT, RL).

    With one repository and no policy option (--sft-steps, --rl-updates, --reflection,
    --curriculum, --from, --from-scratch, --model) it fits the candidate stage to the
    repository's history within 30 minutes and keeps the shipped policy: that is what
    changes its answers to real questions; the policy stages cost hours on a laptop and
    are one option away.
    """
    from ..agent.bundle import default_adapter_dir
    from ..training.pipeline import TrainingInterrupted
    from ..training.pipeline import train as run_training
    from ..training.stages import check_from

    if tasks is not None and str(tasks) == "-":  # was taken for a file named `-` in the current folder
        fail("--tasks - (stdin): train reads its tasks from a file, whose path a run keeps to resume from; "
             "write one with `explore tasks REPO -o tasks.jsonl`")
    seen: dict[str, Path] = {}
    twice: list[str] = []
    for given in repos:  # `train webargs ./webargs/` was a corpus of two, and started hours of policy training
        if seen.setdefault(os.path.realpath(given.expanduser()), given) is not given:
            twice.append(str(given))
    if twice:
        err.print(f"[yellow]note[/]: {shown_markup(', '.join(twice))} named a repository already given: trained once",
                  highlight=False)
        repos = list(seen.values())
    repo = repos[0]
    if from_dir is not None:
        check_from(from_dir)
    config = _config(out_dir, repo, resume, model=model, from_dir=from_dir, sft_steps=sft_steps, rl_updates=rl_updates,
                     reflection=reflection, curriculum=curriculum, seed=seed, retriever=retriever, budget=budget,
                     from_scratch=from_scratch, corpus=len(repos) > 1, device=device, eval_tasks=eval_tasks)
    config.from_scratch = from_scratch or config.from_scratch
    if tasks is not None and config.sft.steps == 0 and config.rl.updates == 0:
        raise typer.BadParameter("a tasks file feeds the policy stages and none is asked for: add --sft-steps N or "
                                 "--rl-updates N (with no policy option a run fits the candidate stage to the "
                                 "repository's history, which makes its own questions)", param_hint="'--tasks'")
    where = "the CPU"
    if config.sft.steps or config.rl.updates:
        from ..training.run import TrainError
        from ..training.stages import pick_device

        try:  # a GPU that is not there is said now, not after the candidate stage's fit
            chosen = pick_device(config.device)
        except TrainError as exc:
            raise typer.BadParameter(str(exc).partition(": ")[2], param_hint="'--device'") from None
        where = f"GPU {chosen}" if chosen.type == "cuda" else where
    if (config.sft.steps or config.rl.updates) and not resume:
        # a policy run costs hours on a laptop: say what it will do before it starts, not after
        parts = [f"SFT {config.sft.steps} step{'s' * (config.sft.steps != 1)}" if config.sft.steps else "",
                 f"RL {config.rl.updates} update{'s' * (config.rl.updates != 1)} of {config.rl.episodes_per_update} walks" if config.rl.updates else "",
                 "with a reflector" if config.reflection and (config.sft.steps or from_dir is not None) else ""]
        named = " (naming --model makes a run a policy run, as every policy option does)" \
            if model is not None and sft_steps is None and rl_updates is None else ""
        cost = "on a laptop's CPU an RL update takes a minute or more" if where == "the CPU" \
            else f"training on {where}"
        err.print(f"[cyan]policy[/]: {shown_markup(', '.join(p for p in parts if p))} on "
                  f"{shown_markup(config.model)}{named}: {cost}; "
                  "Ctrl-C stops at the next checkpoint and the same command plus --resume continues",
                  highlight=False)
    try:
        with TrainProgress(err) as progress:
            result = run_training(repos if len(repos) > 1 else repo, config, out=out_dir, tasks_file=tasks, from_dir=from_dir, resume=resume,
                                  progress=progress, rev=rev)
    except TrainingInterrupted as stop:
        where = f" (checkpoint: {stop.checkpoint})" if stop.checkpoint else ""
        err.print(f"[yellow]interrupted[/] during {stop.stage} at step {stop.step}; saved{shown_markup(where)}. "
                  "Continue with the same command plus --resume.", highlight=False)
        raise typer.Exit(interrupted_code()) from None
    except KeyboardInterrupt:  # outside a training loop: the candidate stage's fit, an evaluation
        how = "terminated (SIGTERM)" if interrupted_code() == TERMINATED else "interrupted"
        again = "the same command plus --resume" if config.sft.steps or config.rl.updates else "the same command"
        kept = "the history questions built so far, if any, are kept in the cache" \
            if not (config.sft.steps or config.rl.updates) \
            else "the candidate stage's fit, once made, and the history questions built are kept"
        saved = _last_checkpoint(out_dir or default_adapter_dir(repo))
        when = ("during the candidate stage's fit" if not (config.sft.steps or config.rl.updates)  # no checkpoints
                else f"after the checkpoint of {saved} (kept)" if saved else "before the first checkpoint")
        err.print(f"[yellow]{how}[/] {when}; {kept}, and nothing was left half-written. "
                  f"Continue with {again}.", highlight=False)
        raise typer.Exit(interrupted_code()) from None
    result.summary["default_out"] = out_dir is None
    if rev is not None and out_dir is None and result.summary.get("retriever", {}).get("fitted"):
        err.print(f"[yellow]note[/]: this fit is of the history up to {shown_markup(rev)}, and `explore ask` and "
                  "`explore search` now rank with it at every commit of this repository; `--out DIR` keeps a "
                  "fit apart (then `--adapter DIR`)", highlight=False)
    # what the table's notes and its last line say, for a script: in summary.json as in --json
    result.summary.update(notes=_notes(result.summary), next=_next(result.summary, repo))
    from ..sandbox.atomic import write_json

    write_json(Path(result.summary["out"]) / "summary.json", result.summary)
    if as_json:
        emit_json("train", result.summary)
    else:
        _print_summary(result.summary, repo)
