"""RL updates with one process and with two (data parallel, gradients averaged).

    .venv/bin/python benchmarks/bench_rl_processes.py                      # 1 process
    .venv/bin/torchrun --nproc-per-node 2 benchmarks/bench_rl_processes.py   # 2 processes

(``torchrun`` is what ``accelerate launch --multi_gpu`` calls; ``accelerate launch --cpu``
starts several CPU processes only through MPI.)

Each process plays ``--episodes`` episodes per update on a small synthetic repository with
the given model, one thread each; printed (by rank 0): seconds per update (median of
``--updates``) and episodes per second across all processes, and a checksum of the adapter,
which is the same on every process when the gradients are averaged.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

FILES = {
    "net/retry.py": "def compute_backoff(attempt):\n    '''Delay before the next upload attempt.'''\n",
    "net/http.py": "def send(request):\n    '''Send an HTTP request.'''\n",
    "store/cache.py": "class LRUCache:\n    '''Least recently used cache of parsed pages.'''\n",
    "docs/install.md": "# Install\n\nRun pip install demo.\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="tiny-random")
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--updates", type=int, default=5)
    args = parser.parse_args()

    import torch

    from explore.agent.env import EnvConfig, RepoExploreEnv
    from explore.agent.models import new_lora, resolve_model
    from explore.agent.policy import LMPolicy
    from explore.agent.task import Task
    from explore.sandbox.snapshot import Repository
    from explore.training.config import RLConfig
    from explore.training.curriculum import UniformTasks
    from explore.training.rl import RLTrainer
    from explore.training.sft import lora_targets

    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="bench-rl-"))
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    tasks = [Task("a", "where is the upload delay computed?", ["net/retry.py"]),
             Task("b", "which cache keeps parsed pages?", ["store/cache.py"]),
             Task("c", "how do I install it?", ["docs/install.md"])]
    loaded = resolve_model(args.model)
    torch.manual_seed(0)
    model = new_lora(loaded, "policy", target_modules=lora_targets(loaded.model))
    policy = LMPolicy(model, loaded.tokenizer, adapter="policy")
    envs = [RepoExploreEnv(Repository(root), tasks, EnvConfig(max_steps=6)) for _ in range(args.episodes)]
    trainer = RLTrainer(policy, envs, RLConfig(episodes_per_update=args.episodes), schedule=UniformTasks(tasks))
    seconds = []
    for _ in range(args.updates):
        start = time.perf_counter()
        trainer.step()
        seconds.append(time.perf_counter() - start)
    checksum = sum(float(p.detach().double().sum()) for p in trainer.params)
    if trainer.rank == 0:
        median = statistics.median(seconds)
        print(f"processes {trainer.size}  model {args.model}  episodes/update/process {args.episodes}  "
              f"s/update median {median:.2f}  episodes/s {trainer.size * args.episodes / median:.2f}  "
              f"adapter checksum {checksum:.6f}")
    else:
        print(f"rank {trainer.rank} adapter checksum {checksum:.6f}")


if __name__ == "__main__":
    main()
