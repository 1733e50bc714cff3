"""The Reflect-RL ablation on DangerousTaxi, the paper's second environment (issue #5).

    .venv/bin/python benchmarks/bench_taxi.py [--model smollm2-135m] [--sft-steps 30]
        [--rl-updates 4] [--rl-episodes 6] [--episodes 10] [--threads 1] [--json out.json]

Prints success on held-out start states, pickup stage and full delivery, for: a random
policy; SFT only (without and with the reflector's notes); SFT + RL without reflection;
Reflect-RL (SFT + RL with the frozen reflector), with the wall time of each training and
evaluation stage. The paper (GPT-2 XL) reports Reflect-RL 58% against 0% for SFT + RL
without reflection on full delivery.

Runs on one torch thread by default: the machines here have two cores and share them.
OMP_WAIT_POLICY=PASSIVE is set before torch loads, as in bench_policy.py.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402 - after the OpenMP setting, which must precede torch
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from explore.agent.models import DEFAULT_MODEL  # noqa: E402
from explore.training.config import RLConfig, SFTConfig  # noqa: E402
from explore.training.taxi import TaxiDemoConfig, TaxiResult, TaxiTrainConfig, train_taxi  # noqa: E402

PAPER = "paper (GPT-2 XL, full delivery): Reflect-RL 58%, SFT+RL without reflection 0%"


def table(result: TaxiResult) -> str:
    """The ablation as a fixed-width table, one row per method."""
    head = f"{'method':<28}{'pickup':>8}{'full':>7}{'return':>8}{'steps':>7}{'train s':>9}{'eval s':>8}"
    lines = [head, "-" * len(head)]
    for row in result.rows:
        lines.append(f"{row['method']:<28}{row['eval/pickup/success']:>8.0%}{row['eval/full/success']:>7.0%}"
                     f"{row['eval/full/return']:>8.1f}{row['eval/full/steps']:>7.1f}"
                     f"{row['train_seconds']:>9.0f}{row['eval_seconds']:>8.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--sft-steps", type=int, default=30)
    parser.add_argument("--sft-lr", type=float, default=1e-3)
    parser.add_argument("--rl-updates", type=int, default=4)
    parser.add_argument("--rl-episodes", type=int, default=6, help="episodes per RL update")
    parser.add_argument("--episodes", type=int, default=10, help="held-out start states evaluated per stage")
    parser.add_argument("--demos", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write rows, timings and RL metrics here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = TaxiTrainConfig(
        model=args.model, seed=args.seed, demos=TaxiDemoConfig(demos=args.demos), eval_episodes=args.episodes,
        sft=SFTConfig(steps=args.sft_steps, batch_size=4, micro_batch=4, lr=args.sft_lr),
        rl=RLConfig(updates=args.rl_updates, episodes_per_update=args.rl_episodes, reflection_tokens=28,
                    minibatch_size=8),
    )
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.0f}s] {message}", file=sys.stderr, flush=True)

    result = train_taxi(config, say)
    total = time.perf_counter() - started
    print(f"DangerousTaxi, model {args.model}, {torch.get_num_threads()} thread(s), seed {args.seed}: "
          f"{result.demo_stats['demos']} demos ({result.demo_stats['negative']} perturbed), "
          f"SFT {args.sft_steps} steps x 4, RL {args.rl_updates} updates x {args.rl_episodes} episodes, "
          f"{args.episodes} held-out starts per stage")
    print(table(result))
    print("stage seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in result.seconds.items()) + f"; total {total:.0f}")
    print(PAPER)
    if args.json:
        args.json.write_text(json.dumps({**asdict(result), "total_seconds": total}, indent=1, default=str))


if __name__ == "__main__":
    main()
