"""The Reflect-RL ablation on DangerousTaxi, the paper's second environment (issues #5, #19).

    .venv/bin/python benchmarks/bench_taxi.py [--model smollm2-135m] [--variants sft,reflect-rl]
        [--sft-steps 600] [--demos 300] [--rl-updates 10] [--rl-episodes 8] [--episodes 20] [--json out.json]

Rows (``--variants``, default all): random; SFT only; RL only (from a fresh adapter);
SFT + RL without reflection; Reflect-RL (SFT of reflector and noted policy, then RL with
the frozen reflector); Reflect-RL without negative (perturbed) demonstrations; Reflect-RL
without the pickup-then-delivery curriculum. Each row: success on held-out start states
in the pickup stage and for full delivery, greedy, and its training wall time (its SFT
track's seconds plus its own RL). The paper (GPT-2 XL) reports Reflect-RL 58% against 0%
for SFT + RL without reflection on full delivery.

``--json FILE`` writes ``{"variants": {name: {"pickup", "delivery", "seconds", ...}}}``
plus the configuration, per-stage timings, SFT and RL metrics.

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
from explore.training.taxi import VARIANTS, TaxiDemoConfig, TaxiResult, TaxiTrainConfig, train_taxi  # noqa: E402

PAPER = "paper (GPT-2 XL, full delivery): Reflect-RL 58%, SFT+RL without reflection 0%"


def table(result: TaxiResult) -> str:
    """The ablation as a fixed-width table, one row per variant."""
    head = f"{'variant':<26}{'pickup':>8}{'delivery':>10}{'return':>8}{'steps':>7}{'train s':>9}{'eval s':>8}"
    lines = [head, "-" * len(head)]
    for row in result.rows:
        lines.append(f"{row['variant']:<26}{row['eval/pickup/success']:>8.0%}{row['eval/full/success']:>10.0%}"
                     f"{row['eval/full/return']:>8.1f}{row['eval/full/steps']:>7.1f}"
                     f"{row['train_seconds']:>9.0f}{row['eval_seconds']:>8.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = TaxiTrainConfig()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of {','.join(VARIANTS)}")
    parser.add_argument("--sft-steps", type=int, default=defaults.sft.steps)
    parser.add_argument("--sft-lr", type=float, default=defaults.sft.lr)
    parser.add_argument("--sft-batch", type=int, default=defaults.sft.batch_size)
    parser.add_argument("--lora-layers", type=int, default=defaults.sft.lora_layers, help="0: every block")
    parser.add_argument("--head", default=defaults.head, choices=("line", "label"))
    parser.add_argument("--rl-updates", type=int, default=defaults.rl.updates)
    parser.add_argument("--rl-episodes", type=int, default=defaults.rl.episodes_per_update, help="episodes per RL update")
    parser.add_argument("--rl-lr", type=float, default=defaults.rl.lr)
    parser.add_argument("--episodes", type=int, default=defaults.eval_episodes, help="held-out start states per stage")
    parser.add_argument("--demos", type=int, default=defaults.demos.demos, help="demonstrations (start states)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write the variants table, timings and metrics here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = TaxiTrainConfig(
        model=args.model, seed=args.seed, variants=tuple(v for v in args.variants.split(",") if v),
        demos=TaxiDemoConfig(demos=args.demos), eval_episodes=args.episodes, head=args.head,
        sft=SFTConfig(steps=args.sft_steps, batch_size=args.sft_batch, micro_batch=args.sft_batch, lr=args.sft_lr,
                      lora_layers=args.lora_layers or None),
        rl=RLConfig(updates=args.rl_updates, episodes_per_update=args.rl_episodes, lr=args.rl_lr,
                    reflection_tokens=defaults.rl.reflection_tokens, minibatch_size=defaults.rl.minibatch_size),
    )
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.0f}s] {message}", file=sys.stderr, flush=True)

    result = train_taxi(config, say)
    total = time.perf_counter() - started
    print(f"DangerousTaxi, model {args.model}, {torch.get_num_threads()} thread(s), seed {args.seed}: "
          f"{result.demo_stats['demos']} demos ({result.demo_stats['negative']} perturbed), "
          f"SFT {args.sft_steps} steps x {args.sft_batch}, RL {args.rl_updates} updates x {args.rl_episodes} "
          f"episodes, {args.episodes} held-out starts per stage, {args.head} head")
    print(table(result))
    print("stage seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in result.seconds.items()) + f"; total {total:.0f}")
    print(PAPER)
    if args.json:
        args.json.write_text(json.dumps({"variants": result.variants(), "total_seconds": round(total, 1),
                                         **asdict(result)}, indent=1, default=str))


if __name__ == "__main__":
    main()
