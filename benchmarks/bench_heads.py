"""Which policy head learns to choose among BM25's candidates: label logits or line scores.

    python benchmarks/corpus.py --split train          # once
    python benchmarks/bench_heads.py [--train 800] [--val 200] [--epochs 3] [--heads line label]

The first decision of the navigator (which of BM25's five candidates to read, or where to
walk) is where the features matter: which file defines a name the question uses, which is
a test. This trains a fresh policy LoRA (top 8 blocks, as the navigator) with each head on
the same first-step states of training-split tasks of the training corpus, and after every
epoch prints the greedy accuracy on first-step states of *validation*-split tasks (files
never targeted in training), next to always taking BM25's first candidate and the
hand-written ``features`` rerank. A head that only learns the prior ties ``bm25``.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def first_states(env, tasks):
    """(observation, labels, gold index or None, target offered) for each task's first state."""
    from explore.training.demos import route
    from explore.training.oracle import label_of

    out = []
    for task in tasks:
        obs, info = env.reset(seed=0, options={"task": task})
        first = route(env, task)[0]
        out.append((obs, info["labels"], label_of(env, first), first.startswith("read ")))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=int, default=800, help="training states")
    parser.add_argument("--val", type=int, default=200, help="validation states")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--tasks-per-repo", type=int, default=400)
    parser.add_argument("--heads", nargs="+", default=["line", "label"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from corpus import load_corpus

    from explore.agent.env import RepoExploreEnv, navigator_config
    from explore.agent.models import DEFAULT_MODEL, new_lora, resolve_model
    from explore.agent.policy import LMPolicy
    from explore.agent.prompt import policy_prefix, policy_prompt
    from explore.sandbox.corpus import Corpus
    from explore.training.config import SFTConfig
    from explore.training.evaluate import FeaturePolicy
    from explore.training.sft import SFTTrainer, lora_targets
    from explore.training.tasks import generate

    started = time.perf_counter()
    repos = load_corpus("train")
    tasks = []
    for path in repos:
        from explore.sandbox.snapshot import Repository

        tasks += generate(Repository(path), max_tasks=args.tasks_per_repo, seed=args.seed)
    rng = random.Random(args.seed)
    train_tasks = rng.sample([t for t in tasks if t.meta.get("split") == "train"], args.train)
    val_tasks = rng.sample([t for t in tasks if t.meta.get("split") == "val"], args.val)
    env = RepoExploreEnv(Corpus(repos), tasks, navigator_config(offer="bm25"))  # as measured in the README
    train = [s for s in first_states(env, train_tasks) if s[2] is not None]  # first move hidden by the cap: skipped
    val = first_states(env, val_tasks)
    features = sum(FeaturePolicy().run(t, env).success for t in val_tasks) / len(val_tasks)
    bm25 = sum(gold == 0 and offered for _, _, gold, offered in val) / len(val)
    print(f"{len(train)} training and {len(val)} validation first states from {len(repos)} repositories "
          f"({time.perf_counter() - started:.0f} s); on validation: always the first candidate {bm25:.3f}, "
          f"features {features:.3f}, target offered {sum(o for *_, o in val) / len(val):.3f}", flush=True)
    examples = [(obs, "", labels, gold) for obs, labels, gold, _ in train]
    steps_per_epoch = -(-len(examples) // args.batch)
    loaded = resolve_model(DEFAULT_MODEL)
    model, targets = loaded, lora_targets(loaded.model, 8)
    for head in args.heads:
        torch.manual_seed(args.seed)  # the same fresh LoRA start for every head
        model = new_lora(model, f"probe_{head}", target_modules=targets)
        policy = LMPolicy(model, loaded.tokenizer, adapter=f"probe_{head}", head=head)
        config = SFTConfig(steps=steps_per_epoch * args.epochs, batch_size=args.batch, micro_batch=4, lr=args.lr)
        trainer = SFTTrainer(model, loaded.tokenizer, policy, examples, (), config, seed=args.seed,
                             policy_adapter=f"probe_{head}")
        for epoch in range(1, args.epochs + 1):
            t0 = time.perf_counter()
            losses = [trainer.step()["sft/policy_loss"] for _ in range(steps_per_epoch)]
            seconds = time.perf_counter() - t0
            right, first = 0, 0
            for i in range(0, len(val), 8):
                chunk = val[i:i + 8]
                decisions = policy.decide([policy_prompt(o) for o, *_ in chunk], [labs for _, labs, *_ in chunk],
                                          greedy=True, prefix=[policy_prefix(o) for o, *_ in chunk])
                right += sum(d.index == gold and offered for d, (_, _, gold, offered) in zip(decisions, chunk))
                first += sum(d.index == 0 for d in decisions)
            print(f"head {head:5}  epoch {epoch}  loss {sum(losses) / len(losses):.3f}  "
                  f"val accuracy {right / len(val):.3f}  (first candidate chosen {first / len(val):.0%})  "
                  f"{seconds / steps_per_epoch:.1f} s/step", flush=True)
        model.delete_adapter(f"probe_{head}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
