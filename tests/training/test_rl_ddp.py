"""RL across two processes (as under `torchrun --nproc-per-node 2`): the gradients are
averaged, so both processes end with the same adapter, though each played its own episodes."""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import torch
import torch.multiprocessing as mp

from explore.training.config import RLConfig
from explore.training.rl import RLTrainer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _worker(rank: int, size: int, port: int, out: str) -> None:
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(size), "LOCAL_RANK": str(rank)})
    torch.set_num_threads(1)
    from tests.training.test_rl import PickEnv, plain_prompt, tiny_policy

    policy = tiny_policy(seed=0)  # the same start on every process, as a seeded run gives
    start = {n: p.detach().clone() for n, p in policy.model.named_parameters() if p.requires_grad}
    trainer = RLTrainer(policy, [PickEnv() for _ in range(4)], RLConfig(episodes_per_update=4, lr=1e-2),
                        prompt=plain_prompt, prefix=None, seed=3)
    for _ in range(2):
        trainer.step()
    played = [int(d.index) for d in policy.decide([plain_prompt("Pick the letter that comes after A.", "")] * 16,
                                                  [["A", "B", "C", "D"]] * 16, generator=trainer.generator)]
    moved = sum(float((p - start[n]).abs().sum()) for n, p in policy.model.named_parameters() if n in start)
    weights = {n: p.detach().flatten()[:8].tolist() for n, p in policy.model.named_parameters() if n in start}
    Path(out, f"{rank}.json").write_text(json.dumps({"rank": trainer.rank, "size": trainer.size, "moved": moved,
                                                     "weights": weights, "played": played}))
    torch.distributed.destroy_process_group()


def test_two_processes_take_the_same_averaged_step(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    a, b = (json.loads((tmp_path / f"{r}.json").read_text()) for r in (0, 1))
    assert (a["rank"], a["size"], b["rank"], b["size"]) == (0, 2, 1, 2)
    assert a["moved"] > 0 and a["weights"] == b["weights"]  # one shared step: the adapters never drift apart
    assert a["played"] != b["played"]  # while each process samples its own episodes
