"""The paper's ablation on real code: which part of Reflect-RL earns its cost.

    python benchmarks/corpus.py                      # once: the train and eval corpora
    python benchmarks/ablation.py                    # train every variant, score, print the table
    python benchmarks/ablation.py --sft-steps 60 --rl-updates 8 --per-repo 20 --repos 3

Every variant starts from the base model with fresh adapters (never the shipped
navigator), trains with `explore train` over the training corpus (the same tasks for all:
the first run's ``tasks.jsonl``), and is scored on the test split of the first ``--repos``
evaluation repositories, none of which it saw, exactly as `explore ask` runs it:

=============================  ====================================================
row                            training
=============================  ====================================================
SFT only                       SFT of the policy on demonstrations, no notes
RL only                        online RL from fresh adapters
SFT + RL, no reflection        the SFT-only adapters, then RL
Reflect SFT                    SFT of reflector and policy (the teacher's notes)
Reflect-RL                     the Reflect-SFT adapters, then RL with the frozen
                               reflector writing a note before every decision
Reflect-RL without negatives   as Reflect-RL, demonstrations without perturbed walks
=============================  ====================================================

``bm25``, ``scent`` and ``features`` (BM25's top 5 reordered by hand) are scored on the same
questions. Each variant is a resumable run in ``--out/<variant>/``: run the command again
to continue after an interruption; finished variants are reused. The numbers are printed
as a table and written to ``--out/ablation.json``.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI: spinning OpenMP threads cost ~10x on a shared CPU

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


@dataclass(frozen=True)
class Variant:
    name: str
    folder: str
    reflection: bool
    sft: bool
    rl: bool
    negatives: bool = True
    start: str | None = None
    """Folder of the variant whose adapters this one continues (its SFT is not repeated)."""


VARIANTS = (
    Variant("SFT only", "sft", reflection=False, sft=True, rl=False),
    Variant("RL only", "rl", reflection=False, sft=False, rl=True),
    Variant("SFT + RL, no reflection", "sft-rl", reflection=False, sft=False, rl=True, start="sft"),
    Variant("Reflect SFT", "reflect-sft", reflection=True, sft=True, rl=False),
    Variant("Reflect-RL", "reflect-rl", reflection=True, sft=False, rl=True, start="reflect-sft"),
    Variant("Reflect SFT without negatives", "reflect-sft-noneg", reflection=True, sft=True, rl=False,
            negatives=False),
    Variant("Reflect-RL without negatives", "reflect-rl-noneg", reflection=True, sft=False, rl=True,
            negatives=False, start="reflect-sft-noneg"),
)


def config_for(variant: Variant, args: argparse.Namespace):
    from explore.agent.env import navigator_config
    from explore.training.config import DemoConfig, RLConfig, SFTConfig, TrainConfig

    return TrainConfig(
        model=args.model, seed=args.seed, from_scratch=True, reflection=variant.reflection, curriculum=True,
        # the offer as measured in the README (navigator_config's default is now the shipped `hybrid`)
        max_tasks=args.tasks_per_repo, eval_tasks=0, env=navigator_config(shuffle_labels=False, offer="bm25"),
        demos=DemoConfig(negative_ratio=0.3 if variant.negatives else 0.0, max_tasks=args.demo_tasks),
        sft=SFTConfig(steps=args.sft_steps if variant.sft else 0, batch_size=8, micro_batch=4, lr=1e-3,
                      lora_layers=8, checkpoint_every=10),
        rl=RLConfig(updates=args.rl_updates if variant.rl else 0, episodes_per_update=8, lr=2e-5,
                    checkpoint_every=2),
    )


def train_variant(variant: Variant, args: argparse.Namespace, repos: list[Path], tasks_file: Path | None) -> float:
    """Train (or finish) one variant; returns the seconds this call spent."""
    from explore.cli.train import TrainProgress, err
    from explore.training.pipeline import train

    out = args.out / variant.folder
    if (out / "summary.json").is_file():
        return 0.0
    resume = (out / "run.json").is_file()
    start = args.out / variant.start if variant.start else None
    started = time.perf_counter()
    err.print(f"[bold]{variant.name}[/]: {'resuming' if resume else 'training'} into {out}")
    with TrainProgress(err) as progress:
        train(repos, config_for(variant, args), out=out, tasks_file=tasks_file, from_dir=start, resume=resume,
              progress=progress)
    return time.perf_counter() - started


def train_seconds(variant: Variant, args: argparse.Namespace) -> float:
    """Wall time of this variant's training, with that of the variant it continues."""
    seconds = json.loads((args.out / variant.folder / "summary.json").read_text()).get("seconds", {})
    own = sum(v for k, v in seconds.items() if k != "eval")
    start = next((v for v in VARIANTS if v.folder == variant.start), None)
    return own + (train_seconds(start, args) if start else 0.0)


def questions(args: argparse.Namespace) -> dict[Path, list]:
    """A seeded sample of each evaluation repository's test-split questions."""
    from corpus import load_corpus

    from explore.sandbox.snapshot import Repository
    from explore.training.tasks import generate

    out = {}
    for path in load_corpus("eval")[: args.repos]:
        tasks = [t for t in generate(Repository(path), seed=args.seed) if t.meta.get("split") == "test"]
        if len(tasks) > args.per_repo:
            tasks = random.Random(f"{args.seed}:{path.name}").sample(tasks, args.per_repo)
        out[path] = tasks
    return out


def score(policy, per_repo: dict[Path, list]) -> dict:
    from explore.sandbox.snapshot import Repository
    from explore.training.evaluate import EvalReport, evaluate

    results = []
    for path, tasks in per_repo.items():
        results += evaluate(Repository(path), tasks, policy).results
    return EvalReport(getattr(policy, "name", "?"), True, results).summary()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "ablation")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--sft-steps", type=int, default=60)
    parser.add_argument("--rl-updates", type=int, default=8)
    parser.add_argument("--tasks-per-repo", type=int, default=60)
    parser.add_argument("--demo-tasks", type=int, default=400)
    parser.add_argument("--train-repos", type=int, default=None, help="use only the first N training repositories")
    parser.add_argument("--repos", type=int, default=3, help="evaluation repositories scored")
    parser.add_argument("--per-repo", type=int, default=20, help="test questions per evaluation repository")
    parser.add_argument("--only", nargs="*", default=None, help="variant folders to run (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from corpus import load_corpus
    from rich.console import Console
    from rich.table import Table

    from explore.training.evaluate import NavigatorPolicy, make_policy

    console = Console(width=max(Console().width, 120))
    repos = load_corpus("train")[: args.train_repos]
    args.out.mkdir(parents=True, exist_ok=True)
    results_file = args.out / "ablation.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    per_repo = questions(args)
    console.print(f"scoring on {sum(map(len, per_repo.values()))} test questions of "
                  f"{', '.join(p.name for p in per_repo)}")
    for name in ("bm25", "scent", "features"):
        results.setdefault(name, {"summary": score(make_policy(name, args.seed), per_repo), "train_seconds": 0})
    tasks_file = None
    chosen = [v for v in VARIANTS if args.only is None or v.folder in args.only]
    for variant in chosen:
        first = args.out / VARIANTS[0].folder / "tasks.jsonl"
        tasks_file = first if first.is_file() else None
        spent = train_variant(variant, args, repos, tasks_file)
        out = args.out / variant.folder
        if variant.name in results and spent == 0.0:
            continue
        adapters = {n: str(out / n) for n in ("policy", "reflector") if (out / n / "adapter_config.json").is_file()}
        policy = NavigatorPolicy(adapters, model=args.model, reflector="lora" if variant.reflection else "none")
        stages = json.loads((out / "summary.json").read_text()).get("seconds", {})
        results[variant.name] = {"summary": score(policy, per_repo), "stages": stages,
                                 "train_seconds": round(train_seconds(variant, args), 1)}
        results_file.write_text(json.dumps(results, indent=2))
    results_file.write_text(json.dumps(results, indent=2))

    table = Table(title=f"ablation: {sum(map(len, per_repo.values()))} unseen test questions", title_justify="left")
    for col in ("variant", "acc@1", "acc@5", "SPL", "steps", "s/question", "train s"):
        table.add_column(col, justify="left" if col == "variant" else "right")
    for name, row in results.items():
        s = row["summary"]
        table.add_row(name, f"{s['success']:.3f}", f"{s.get('acc@5', 0):.3f}", f"{s['spl']:.3f}",
                      f"{s['mean_steps']:.2f}", f"{s['p50_seconds']:.2f}", f"{row['train_seconds']:.0f}")
    console.print(table)
    console.print(f"numbers written to {results_file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
