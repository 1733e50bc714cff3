"""The recipe of the shipped navigator: train it on the training corpus, publish it.

    python benchmarks/corpus.py --split train          # once: 40 pinned PyPI sdists as git repos
    python benchmarks/train_navigator.py               # train (resumable: run it again to continue)
    python benchmarks/bench_navigator.py --per-repo 30 --adapter runs/navigator --json runs/navigator/bench.json
    python benchmarks/train_navigator.py --publish --bench runs/navigator/bench.json   # into navigator/, with a model card

To continue a navigator on real questions too (the training projects' commit messages;
their clones from ``bench_real.py --split train --clone``) — how the shipped navigator was
made from the earlier one (its model card has the numbers and the history):

    python benchmarks/train_navigator.py --real 40 --real-skip 30 --from navigator --sft-steps 120 \
        --lr 5e-4 --share config=0.2 --share history=0.4 --out runs/nav-real
    python benchmarks/train_navigator.py --out runs/nav-real --publish --bench GEN.json --real-bench REAL.json

(that run cleaned commit messages as `explore.training.tasks.history` did before squash-merge
bot and chore lines were left out; a rerun now gets the cleaner questions).

It is `explore train` over the corpus (:func:`explore.training.pipeline.train` with several
repositories) with the settings below, into ``--out`` (default ``runs/navigator``). The
evaluation repositories (``--split eval``) are never used here: the headline table
(``benchmarks/bench_navigator.py``) is measured on them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI: spinning OpenMP threads cost ~10x on a shared CPU
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import load_corpus  # noqa: E402

from explore.agent.answer import ANSWER_FILE  # noqa: E402

NAVIGATOR = ROOT / "navigator"
#: Demonstration tasks reserved per question source: config questions are 10 % of the
#: training split; a quarter of the demonstrations lifted them on held-out questions.
SHARE = ("config=0.25",)
#: Where the offered candidates come from, as the model card says it.
OFFERS = {"bm25": "BM25", "retrieve": "the candidate stage, explore.retrieval",
          "hybrid": "the candidate stage's and BM25's rankings in turn"}


def recipe(args: argparse.Namespace):
    """The TrainConfig of the shipped navigator."""
    from explore.agent.env import navigator_config
    from explore.training.config import DemoConfig, RLConfig, SFTConfig, TrainConfig

    return TrainConfig(
        model="smollm2-135m",
        seed=args.seed,
        from_scratch=True,  # the recipe makes the navigator; it never starts from a published one
        head="line",  # scored at each action's line: the label head learned only BM25's order (bench_heads.py)
        reflection=False,  # a 60-token note costs 6-8 s per step on 2 cores: over the 10 s budget of `ask`
        curriculum=True,
        max_tasks=args.tasks_per_repo,
        eval_tasks=args.eval_tasks,
        # labels in a fixed order: the first five reads are BM25's candidates, best first,
        # so the policy starts from BM25's prior and learns when the features overrule it
        env=navigator_config(shuffle_labels=False, offer=args.offer),
        demos=DemoConfig(negative_ratio=0.3, max_tasks=args.demo_tasks or None,
                         source_share=getattr(args, "source_share", {})),
        sft=SFTConfig(steps=args.sft_steps, batch_size=8, micro_batch=4, lr=args.lr, lora_layers=8, checkpoint_every=10),
        rl=RLConfig(updates=args.rl_updates, episodes_per_update=8, lr=2e-5, checkpoint_every=2),
    )


def train(args: argparse.Namespace) -> int:
    from explore.cli.train import TrainProgress, err
    from explore.training.pipeline import TrainingInterrupted
    from explore.training.pipeline import train as run_training

    repos = args.repos or load_corpus("train", args.corpus)
    resume = (args.out / "run.json").is_file()
    tasks_file = None
    if args.real and not resume:
        clones, tasks_file = real_tasks(args, repos)
        repos = [*repos, *clones]
    err.print(f"{'resuming' if resume else 'training'} the navigator on {len(repos)} repositories into {args.out}")
    try:
        with TrainProgress(err) as progress:
            result = run_training(repos, recipe(args), out=args.out, resume=resume, progress=progress,
                                  from_dir=args.from_dir, tasks_file=tasks_file)
    except TrainingInterrupted as stop:
        err.print(f"interrupted during {stop.stage} at step {stop.step}; run the same command to continue")
        return 130
    print(json.dumps({k: result.summary.get(k) for k in ("tasks", "demos", "seconds", "eval", "rl")}, indent=2))
    return 0


def real_tasks(args: argparse.Namespace, repos: list[Path]) -> tuple[list[Path], Path]:
    """Generated tasks of ``repos`` plus real questions of the training projects' histories,
    in one tasks file (``OUT/mixed-tasks.jsonl``, written once; a rerun reads it).

    Real questions: up to ``--real`` qualifying commits per ``train`` project of
    ``history.toml`` (clones in ``corpus/git``), the newest first, but never the newest
    ``--real-skip`` (what ``fit_answer.py`` validates the answer weighing on), posed on the
    commit's parent. The newest tenth of each project's kept questions is held out (split
    ``test``), as ``explore train`` splits history by time."""
    from bench_real import load_recipe

    from explore.cli.train import err
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import newest_questions
    from explore.training.tasks.jsonl import write_tasks
    from explore.training.tasks.pipeline import NoTasks, generate

    path = args.out / "mixed-tasks.jsonl"
    clones = []
    for entry in load_recipe("train"):
        folder = args.corpus / "git" / entry["name"]
        if not (folder / ".git").exists():
            raise SystemExit(f"missing clone {folder}: `python benchmarks/bench_real.py --split train --clone`")
        clones.append((entry, folder))
    if path.is_file():
        return [folder for _, folder in clones], path
    tasks = []
    env = recipe(args).env  # the tasks are proven under the environment the run trains in
    for member in repos:
        try:
            found = generate(Repository(member), sources=("code", "docs", "config"), max_tasks=args.tasks_per_repo,
                             seed=args.seed, env_config=env)
        except NoTasks as exc:
            err.print(f"skipped {member.name}: {exc}")
            continue
        for task in found:
            task.id = f"{member.name}:{task.id}"
            task.meta["repo"] = member.name
        tasks += found
    counts = {}
    for entry, folder in clones:
        found, _ = newest_questions(Repository(folder), args.real_skip + args.real, entry["commit"])
        kept = found[args.real_skip:]  # newest first
        held = max(1, len(kept) // 10)
        for i, task in enumerate(kept):
            task.id = f"{entry['name']}:{task.id}"
            task.meta["repo"] = entry["name"]
            task.meta["split"] = "test" if i < held else "train"
        counts[entry["name"]] = len(kept)
        tasks += kept
    err.print(f"{sum(counts.values())} real questions from {len(counts)} histories: {counts}")
    args.out.mkdir(parents=True, exist_ok=True)
    write_tasks(tasks, path)
    return [folder for _, folder in clones], path


def publish(args: argparse.Namespace) -> int:
    """Copy the trained policy and its environment settings into the package, with a model card."""
    run = args.out
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    run_info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    config = run_info["config"]
    summary["started"] = run_info.get("started")
    summary["from"] = run_info.get("from")
    if summary["from"] and (Path(summary["from"]) / "run.json").is_file():
        earlier = json.loads((Path(summary["from"]) / "run.json").read_text(encoding="utf-8"))["config"]
        summary["from_steps"] = (earlier["sft"]["steps"], earlier["rl"]["updates"], earlier["seed"])
    tasks = [json.loads(line) for line in (run / "tasks.jsonl").read_text(encoding="utf-8").splitlines() if line]
    tmp = NAVIGATOR.with_name(".navigator.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "policy").mkdir(parents=True)
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        shutil.copy2(run / "policy" / name, tmp / "policy" / name)
    shutil.copy2(run / "env.json", tmp / "env.json")
    if (run / "policy.json").is_file():  # the head; without it `ask` scores with the label head
        shutil.copy2(run / "policy.json", tmp / "policy.json")
    if (NAVIGATOR / ANSWER_FILE).is_file():  # how `ask` weighs the walk: fitted apart (fit_answer.py), kept
        shutil.copy2(NAVIGATOR / ANSWER_FILE, tmp / ANSWER_FILE)
    bench = json.loads(args.bench.read_text(encoding="utf-8")) if args.bench else None
    real = json.loads(args.real_bench.read_text(encoding="utf-8")) if args.real_bench else None
    (tmp / "MODEL_CARD.md").write_text(model_card(summary, config, tasks, bench, real), encoding="utf-8")
    shutil.rmtree(NAVIGATOR, ignore_errors=True)
    tmp.rename(NAVIGATOR)
    size = sum(f.stat().st_size for f in NAVIGATOR.rglob("*") if f.is_file())
    print(f"published {NAVIGATOR} ({size / 1e6:.1f} MB)")
    return 0


def unseen_lines(bench: dict | None) -> list[str]:
    """The model card's lines on the evaluation repositories (from ``bench_navigator.py --json``)."""
    if not bench:
        return ["- On repositories never seen in training: the README's headline table "
                "(`python benchmarks/bench_navigator.py`)."]
    pooled = bench["pooled"]
    nav, bm25 = pooled["navigator"], pooled["bm25"]
    lines = [f"- On the {len(bench['repos'])} evaluation repositories, never seen in training, test split, "
             f"{nav['n']} questions (`python benchmarks/bench_navigator.py --per-repo 30`): acc@1 "
             f"{nav['success']:.3f} (bm25 {bm25['success']:.3f}), acc@5 {nav['acc@5']:.3f}, SPL {nav['spl']:.3f}, "
             f"{nav['mean_steps']:.2f} steps, {nav['p50_seconds']:.1f} s a question (p50)."]
    for source, row in sorted(nav.get("by_source", {}).items()):
        lines.append(f"  - {source} (n={row['n']}): acc@1 {row['success']:.3f}, "
                     f"bm25 {bm25['by_source'][source]['success']:.3f}")
    behind = [s for s, row in sorted(nav.get("by_source", {}).items())
              if row["success"] < bm25["by_source"][s]["success"]]
    if behind:
        lines.append(f"- Behind bm25 on: {', '.join(behind)} questions (see the README).")
    return lines


def answer_lines() -> list[str]:
    """The model card's section on ``answer.json`` (kept across a publish)."""
    path = NAVIGATOR / ANSWER_FILE
    if not path.is_file():
        return []
    w = json.loads(path.read_text(encoding="utf-8"))
    return [
        "## How `ask` settles the answer (`answer.json`, fitted apart by `benchmarks/fit_answer.py`)",
        f"- Weights: policy {w.get('policy')}, candidate stage {w.get('stage')}, BM25 {w.get('bm25')}, "
        f"files read {w.get('read')}; code answers only: {w.get('code_only')}; docs/config answers stand only "
        f"when the question asks for them: {w.get('intent')}; the walk answers its first read: "
        f"{w.get('first_read', False)}.",
        *(["- A statement (a commit message, a bug report: not put as a question, over five words; "
           "`is_statement`) is settled by its own weights, fitted on the statements alone: policy "
           f"{w['statements'].get('policy')}, candidate stage {w['statements'].get('stage')}, BM25 "
           f"{w['statements'].get('bm25')}, files read {w['statements'].get('read')}; code answers only: "
           f"{w['statements'].get('code_only')}."] if isinstance(w.get("statements"), dict) else []),
        "- A question whose answer the walk cannot change is settled without a walk (`walk_matters`, "
        "`explore/agent/answer.py`); the README's benchmark section has the numbers.",
        "",
    ]


def real_lines(real: dict | None) -> list[str]:
    """The model card's line on real questions (from ``bench_real.py --policies navigator --json FILE``)."""
    if not real:
        return ["- On real questions (commit messages of the evaluation projects): the README's first table "
                "(`python benchmarks/bench_real.py`)."]
    row = real["reports"]["navigator"]["pooled"]
    return [f"- On {row['n']} real questions, the newest {real['per_repo']} commit messages of each evaluation "
            "project (never trained on), as `ask` answers them (`python benchmarks/bench_real.py --policies "
            f"navigator`): acc@1 {row['acc@1']:.3f}, acc@5 {row['acc@5']:.3f}, acc@10 {row['acc@10']:.3f}, "
            f"{row['p50_seconds']:.2f} s a question (p50)."]


def model_card(summary: dict, config: dict, tasks: list[dict], bench: dict | None = None,
               real: dict | None = None) -> str:
    repos = sorted({t["meta"].get("repo", "?") for t in tasks})
    by_source = Counter(t["source"] for t in tasks)
    by_split = Counter(t["meta"].get("split", "?") for t in tasks)
    seconds = summary.get("seconds", {})
    evals = summary.get("eval", {})
    lines = [
        "# explore navigator — model card",
        "",
        f"Policy LoRA adapter for `{config['model']}` (SmolLM2-135M-Instruct), trained by "
        "`benchmarks/train_navigator.py` (the recipe; `explore train` over a corpus) on "
        f"{time.strftime('%Y-%m-%d', time.gmtime(summary.get('started') or time.time()))} on a 2-core CPU, no GPU.",
        "",
        "## Data",
        f"- {len(repos)} repositories of the `train` splits of `benchmarks/corpus.toml` (pinned PyPI sdists) "
        "and `benchmarks/history.toml` (git clones, whose commit messages are real questions): "
        + ", ".join(repos) + ".",
        f"- {len(tasks)} tasks ({', '.join(f'{k} {v}' for k, v in sorted(by_source.items()))}); "
        f"splits {dict(sorted(by_split.items()))}; demonstrations from the train split only.",
        *(["- `history` tasks are real questions: commit messages of the training projects' histories "
           "(`--real N`: up to N per project, never the newest `--real-skip` that `fit_answer.py` validates "
           "on; the newest tenth of each project's held out), posed on the commit's parent, answered by the "
           "non-test source files it changed."] if by_source.get("history") else []),
        f"- Demonstrations: {summary.get('demos', {})}.",
        *([f"- Demonstration tasks reserved per source: {config['demos']['source_share']}."]
          if config.get("demos", {}).get("source_share") else []),
        "- None of the evaluation repositories (`--split eval`: click, attrs, jinja2, marshmallow, packaging, "
        "docutils, networkx, twisted) was used.",
        "",
        "## Training",
        *([f"- Continued from an earlier recipe run ({summary['from_steps'][0]} SFT steps, "
            f"{summary['from_steps'][1]} RL updates, seed {summary['from_steps'][2]}), then:"]
          if summary.get("from_steps") else
          [f"- Continued from the adapters in `{Path(summary['from']).name}/` (the navigator published before), "
           "then:"] if summary.get("from") else []),
        f"- SFT: {config['sft']['steps']} steps × batch {config['sft']['batch_size']}, lr {config['sft']['lr']}, "
        f"LoRA r={config['sft']['lora_r']} on the top {config['sft']['lora_layers']} blocks' attention + lm_head; "
        f"{config.get('head', 'label')} head.",
        f"- RL: {config['rl']['updates']} updates × {config['rl']['episodes_per_update']} episodes "
        f"({config['rl']['algo']}, lr {config['rl']['lr']}), depth curriculum.",
        f"- No reflector: reflection = {config['reflection']} (a note costs 1.5–5 s a step on 2 cores even on the "
        "numpy runtime, and a learned first note lost a point on real questions: README, \"The reflector in `ask`\").",
        f"- Environment (`env.json`): {config['env']['candidates']} candidates offered as reads "
        f"(from {OFFERS.get(config['env'].get('offer', 'bm25'), 'BM25')}), "
        f"{config['env']['max_actions']} actions at most, {config['env']['result_lines']}-line read window, "
        "labels in a fixed order"
        + ("; config files show the settings the question names." if config["env"].get("settings") else "."),
        f"- Wall time per stage (s): {json.dumps(seconds)}.",
        "",
        "## Metrics",
        f"- Held-out test-split tasks of the training repositories during training: {json.dumps(evals)}.",
        *real_lines(real),
        *unseen_lines(bench),
        "",
        *answer_lines(),
        "## Limits",
        "- English questions about Python-heavy repositories; the policy picks among what the candidate stage "
        "and the listing offer, so a file ranked below 5 is found only by walking.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="built corpus folder (default corpus/)")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "navigator", help="run folder")
    parser.add_argument("--sft-steps", type=int, default=210)
    parser.add_argument("--rl-updates", type=int, default=0)
    parser.add_argument("--tasks-per-repo", type=int, default=100)
    parser.add_argument("--eval-tasks", type=int, default=16)
    parser.add_argument("--demo-tasks", type=int, default=900,
                        help="training tasks that become demonstrations (0: all)")
    parser.add_argument("--share", action="append", default=None, metavar="SOURCE=PART",
                        help="reserve this part of the demonstration tasks for a question source "
                             f"(repeatable; default: {' '.join(SHARE)}; config=0 for one uniform draw)")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--from", dest="from_dir", type=Path, default=None,
                        help="continue from the adapters of an earlier run (e.g. more SFT steps)")
    parser.add_argument("--repos", nargs="*", type=Path, default=None,
                        help="git repositories to train on instead of the PyPI corpus (their history gives real "
                             "questions; e.g. the train split of history.toml, cloned by bench_real.py --clone)")
    parser.add_argument("--real", type=int, default=0, metavar="N",
                        help="add up to N real questions (commit messages) per training project of history.toml "
                             "to the generated tasks (clones in CORPUS/git; 0: generated tasks only)")
    parser.add_argument("--real-skip", type=int, default=30, metavar="K",
                        help="with --real: leave out each project's newest K questions (fit_answer.py's)")
    parser.add_argument("--lr", type=float, default=1e-3, help="SFT learning rate")
    parser.add_argument("--offer", choices=("bm25", "retrieve", "hybrid"), default="hybrid",
                        help="where the five offered candidates come from (default: the candidate stage's and "
                             "BM25's in turn, as navigator/env.json)")
    parser.add_argument("--publish", action="store_true", help="copy the trained run into navigator/")
    parser.add_argument("--real-bench", type=Path, default=None,
                        help="with --publish: numbers of `bench_real.py --policies navigator --json FILE` for the card")
    parser.add_argument("--bench", type=Path, default=None,
                        help="with --publish: numbers of `bench_navigator.py --adapter RUN --json FILE` for the card")
    args = parser.parse_args(argv)
    from explore.training.tasks.pipeline import SOURCES

    args.source_share = {}
    for item in SHARE if args.share is None else args.share:
        source, _, part = item.partition("=")
        try:
            args.source_share[source] = float(part)
        except ValueError:
            parser.error(f"--share wants SOURCE=PART, e.g. config=0.25; got {item!r}")
        if source not in SOURCES or not 0.0 <= args.source_share[source] <= 1.0:
            parser.error(f"--share {item!r}: the source must be one of {', '.join(SOURCES)} and the part 0..1")
    args.source_share = {k: v for k, v in args.source_share.items() if v > 0}  # config=0: the uniform draw
    return publish(args) if args.publish else train(args)


if __name__ == "__main__":
    raise SystemExit(main())
