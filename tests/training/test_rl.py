"""Online RL: it learns (a test that can fail), on repos and on any text env; curriculum; state."""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from explore.agent.env import EnvConfig, RepoExploreEnv
from explore.agent.models import new_lora, resolve_model
from explore.agent.policy import LMPolicy
from explore.agent.task import Task
from explore.sandbox.snapshot import Repository
from explore.training.config import CurriculumConfig, RLConfig
from explore.training.curriculum import DepthCurriculum, UniformTasks
from explore.training.rl import RLError, RLTrainer, returns_to_go, rollout, same_width
from explore.training.sft import lora_targets


def tiny_policy(seed: int = 0) -> LMPolicy:
    loaded = resolve_model("tiny-random")
    torch.manual_seed(seed)
    model = new_lora(loaded, "policy", target_modules=lora_targets(loaded.model))
    return LMPolicy(model, loaded.tokenizer, adapter="policy")


class PickEnv(gym.Env):
    """A one-step text environment that is not a repository: pick the letter after A."""

    def __init__(self) -> None:
        self.action_space = gym.spaces.Discrete(4)
        self.observation_space = gym.spaces.Text(200)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        return "Pick the letter that comes after A.", {"labels": ["A", "B", "C", "D"]}

    def step(self, action: int):
        win = int(action) == 1
        return "done", float(win), True, False, {"labels": [], "success": win}


class EchoReflector:
    """A reflector (the protocol, implemented here): notes the observation's length."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def reflect(self, prompts, *, kind="analyze"):
        self.seen += list(prompts)
        return [f"{len(p)} chars; kind {kind}" for p in prompts]


def plain_prompt(obs: str, note: str) -> str:
    return f"{obs}\nNote: {note}\nAnswer:"


def test_rl_raises_success_on_a_synthetic_repo(tmp_path, make_repo) -> None:
    repo = make_repo(tmp_path, {f"{n}.py": f"def {n}():\n    return '{n}'\n" for n in ("alpha", "bravo", "charlie", "delta")})
    task = Task("charlie", "which file defines charlie?", ["charlie.py"])
    snapshot = Repository(repo).snapshot()
    envs = [RepoExploreEnv(snapshot, [task], EnvConfig(max_steps=4, scent=False)) for _ in range(8)]
    trainer = RLTrainer(tiny_policy(), envs, RLConfig(episodes_per_update=8, lr=1e-2, ent_coef=0.0),
                        schedule=UniformTasks([task]), seed=0)
    success = [trainer.step()["train/success"] for _ in range(12)]
    start, end = success[0], float(np.mean(success[-3:]))
    assert start <= 0.5  # sampling from the untrained policy mostly fails
    assert end >= start + 0.4 and end >= 0.75, success


def test_any_text_env_works_and_ppo_learns() -> None:
    envs = [PickEnv() for _ in range(8)]
    trainer = RLTrainer(tiny_policy(), envs, RLConfig(episodes_per_update=8, algo="ppo", lr=1e-2, ppo_epochs=2,
                                                      minibatch_size=4), prompt=plain_prompt, prefix=None, seed=1)
    success = [trainer.step()["train/success"] for _ in range(8)]
    assert success[0] <= 0.5 and float(np.mean(success[-2:])) >= 0.9, success


def test_reflector_notes_reach_the_policy_prompt() -> None:
    reflector = EchoReflector()
    episodes = rollout([PickEnv(), PickEnv()], tiny_policy(), [None, None], [0, 1], reflector=reflector,
                       prompt=plain_prompt, prefix=None, generator=torch.Generator().manual_seed(0))
    assert len(reflector.seen) == 1  # the same observation twice: one note, cached
    for ep in episodes:
        assert ep.prompts == ["Pick the letter that comes after A.\nNote: 35 chars; kind analyze\nAnswer:"]
        assert ep.steps == 1 and ep.labels == [["A", "B", "C", "D"]]


def test_an_evaluation_says_how_far_it_is_after_each_wave() -> None:
    """A policy run's evaluations were a minute of silence each: evaluate tells each wave."""
    from explore.training.rl import evaluate

    heard: list[tuple[int, int]] = []
    result = evaluate([PickEnv(), PickEnv()], tiny_policy(), [None] * 5, prompt=plain_prompt, prefix=None,
                      progress=lambda done, total: heard.append((done, total)))
    assert heard == [(2, 5), (4, 5), (5, 5)] and "eval/success" in result


def test_trainer_state_continues_exactly() -> None:
    config = RLConfig(episodes_per_update=4, lr=1e-2)
    trainer = RLTrainer(tiny_policy(), [PickEnv() for _ in range(4)], config, prompt=plain_prompt, prefix=None, seed=3)
    trainer.step()
    saved = trainer.state_dict()
    strip = lambda m: {k: v for k, v in m.items() if "seconds" not in k}  # noqa: E731
    first = [strip(trainer.step()) for _ in range(2)]
    other = RLTrainer(tiny_policy(seed=9), [PickEnv() for _ in range(4)], config, prompt=plain_prompt, prefix=None,
                      seed=77)
    other.load_state_dict(saved)
    assert [strip(other.step()) for _ in range(2)] == first and other.updates == 3


def test_helpers_and_errors() -> None:
    assert returns_to_go([0.0, 0.5, 1.0], 1.0) == [1.5, 1.5, 1.0]
    assert returns_to_go([1.0, 1.0], 0.5) == [1.5, 1.0]
    assert same_width([0, 1, 2, 3], [["A"], ["A", "B"], ["A"], ["A", "B"]]) == [[0, 2], [1, 3]]
    with pytest.raises(RLError, match="unknown RL algorithm"):
        RLTrainer(tiny_policy(), [PickEnv()], RLConfig(algo="a2c"))


def test_depth_curriculum_promotes_and_switches_milestones_off(small_repo) -> None:
    tasks = [Task(f"d{d}-{i}", "q", ["x"], depth=d) for d in (1, 2, 4) for i in range(3)]
    cur = DepthCurriculum(tasks, CurriculumConfig(levels=(1, 2, 3), threshold=0.5, window=2, min_updates=2,
                                                  milestones_off_after=1))
    assert cur.bounds == [1, 2, 4]  # depth 3 unlocks nothing on its own
    rng = np.random.default_rng(0)
    assert {cur.reset_options(rng)["task"].depth for _ in range(30)} == {1}
    assert cur.observe([True, False])["curriculum/level"] == 0
    assert cur.observe([True, True])["curriculum/level"] == 1  # 2 updates, recent mean 0.75 >= 0.5
    assert {cur.reset_options(rng)["task"].depth for _ in range(40)} == {1, 2}
    cur.observe([False])
    cur.observe([False])
    assert cur.level == 1  # not good enough yet
    metrics = cur.observe([True])  # recent mean (0 + 1) / 2 reaches the threshold
    assert metrics["curriculum/level"] == 2 and metrics["curriculum/milestones"] == 1.0
    assert cur.observe([True])["curriculum/milestones"] == 0.0
    env = RepoExploreEnv(Repository(small_repo), [Task("t", "q", ["README.md"])])
    cur.configure([env])
    assert env.config.rewards.milestones is False
    copy = DepthCurriculum(tasks, cur.config)
    copy.load_state_dict(cur.state_dict())
    assert copy.state_dict() == cur.state_dict()
