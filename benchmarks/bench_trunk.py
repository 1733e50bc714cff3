"""SFT step time with and without the frozen trunk, on the real default model (SmolLM2-135M).

    .venv/bin/python benchmarks/bench_trunk.py [--steps 4] [--batch 8] [--lora-layers 8] [--repo DIR] [--reflector]

Policy examples are real navigator observations (the first state of tasks generated from
``--repo``, default the training corpus' first repository, about 400 tokens each). Three
measurements of ``--steps`` SFT steps each, same examples, same batch:

* ``full``: no trunk, every step runs all 30 blocks forward (the baseline, as before);
* ``trunk, first pass``: each example's lower-block states are computed and kept;
* ``trunk, later passes``: the states are reused, only the adapted blocks run.

Prints the median seconds per step and the ratio to ``full`` measured in the same run, and
the largest difference of the policy loss between the trunk and the full forward.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402 - after the OpenMP setting, which must precede torch
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=4, help="SFT steps per measurement")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--micro-batch", type=int, default=4)
    parser.add_argument("--lora-layers", type=int, default=8)
    parser.add_argument("--repo", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--reflector", action="store_true",
                        help="also train a reflector adapter on the teacher's notes (Reflect SFT's step)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    from explore.agent.env import RepoExploreEnv, navigator_config
    from explore.agent.models import DEFAULT_MODEL, new_lora, resolve_model
    from explore.agent.policy import LMPolicy
    from explore.sandbox.snapshot import Repository
    from explore.training.config import DemoConfig, SFTConfig
    from explore.training.demos import build_demos
    from explore.training.sft import SFTTrainer, lora_targets, policy_loss
    from explore.training.tasks import generate

    if args.repo is None:
        from corpus import load_corpus

        args.repo = load_corpus("train")[0]
    repo = Repository(args.repo)
    tasks = generate(repo, seed=0)[: args.batch * args.steps]
    env = RepoExploreEnv(repo, tasks, navigator_config(offer="bm25"))  # as measured in the README
    examples = []
    for task in tasks:
        obs, info = env.reset(seed=0, options={"task": task})
        examples.append((obs, "", info["labels"], 0))
    notes: list[tuple[str, str]] = []
    if args.reflector:  # the teacher's notes on the same tasks' demonstrations
        demos = build_demos(env, tasks, DemoConfig(negative_ratio=0.0), seed=0)
        notes = [(o, n) for o, _kind, n in demos.reflector_examples()][: args.batch * args.steps]
    loaded = resolve_model(DEFAULT_MODEL)
    torch.manual_seed(0)
    model = loaded
    if notes:
        model = new_lora(model, "reflector", target_modules=lora_targets(loaded.model, args.lora_layers))
    model = new_lora(model, "policy", target_modules=lora_targets(loaded.model, args.lora_layers))
    policy = LMPolicy(model, loaded.tokenizer, "policy")
    tokens = [len(loaded.tokenizer(o)["input_ids"]) for o, *_ in examples]
    print(f"{len(examples)} examples from {args.repo.name}, {statistics.median(tokens):.0f} tokens median "
          f"(observation only), batch {args.batch}, LoRA on the top {args.lora_layers} blocks, "
          f"{torch.get_num_threads()} threads" + (f"; reflector on {len(notes)} notes" if notes else ""))

    def timed(trunk_mb: float, passes: int) -> list[list[float]]:
        config = SFTConfig(steps=args.steps * passes, batch_size=args.batch, micro_batch=args.micro_batch,
                           lr=0.0, trunk_cache_mb=trunk_mb)  # lr 0: every pass sees the same weights
        trainer = SFTTrainer(model, loaded.tokenizer, policy, examples, notes, config)
        out = []
        for _ in range(passes):
            out.append([trainer.step()["sft/seconds"] for _ in range(args.steps)])
        return out

    (full,) = timed(0, 1)
    first, later = timed(4096, 2)
    with torch.no_grad():
        policy.use_trunk(0)
        exact = float(policy_loss(policy, examples[: args.batch]))
        policy.use_trunk(4096)
        policy_loss(policy, examples[: args.batch])
        cached = float(policy_loss(policy, examples[: args.batch]))
    base = statistics.median(full)
    rows = [("full (no trunk)", full), ("trunk, first pass", first), ("trunk, later passes", later)]
    print(f"{'':24} {'s/step':>8} {'vs full':>8}")
    for name, times in rows:
        med = statistics.median(times)
        print(f"{name:24} {med:8.2f} {med / base:8.2f}x")
    print(f"policy loss on one batch: full {exact:.5f}, trunk {cached:.5f} (|diff| {abs(exact - cached):.1e})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
