"""DangerousTaxi: the text env, its dangerous rule, the solver, teacher notes, and the ablation end to end."""
from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
import torch
from gymnasium.utils.env_checker import check_env

from explore.agent.models import new_lora, resolve_model
from explore.agent.policy import ScriptedPolicy
from explore.agent.taxi import (ACTIONS, IN_TAXI, STAGES, DangerousTaxiEnv, TaxiConfig, TaxiError, TaxiState,
                                encode, location, start_states, taxi_prefix, taxi_prompt)
from explore.training.config import RLConfig, SFTConfig
from explore.training.sft import SFTTrainer, lora_targets
from explore.training.taxi import (LABEL_PATTERN, VARIANTS, TaxiCurriculum, TaxiDemoConfig, TaxiTeacher,
                                   TaxiTrainConfig, build_taxi_demos, distances, evaluate_taxi, held_out_starts,
                                   solve, taxi_policy, train_taxi)

SOUTH, NORTH, EAST, WEST, PICKUP, DROPOFF = range(6)


def start(row: int, col: int, passenger: int = 2, destination: int = 1) -> int:
    return encode(TaxiState(row, col, passenger, destination))


def test_observation_is_short_text_with_labelled_actions() -> None:
    env = DangerousTaxiEnv()
    obs, info = env.reset(options={"stage": "full", "state": start(2, 3, passenger=0, destination=1)})
    assert obs.splitlines()[:3] == ["Task: pick up the passenger and drop them off at (0,4).",
                                    "Taxi at (2,3). Passenger waiting at (0,0), 2 north, 3 west.",
                                    "Last move: none yet."]
    assert info["labels"] == list("ABCDEF")
    assert info["actions"] == ["south", "north", "east", "west", "pickup", "dropoff"]
    assert all(f"{lab}. {act}" in obs for lab, act in zip(info["labels"], info["actions"]))
    assert "wall" not in obs.split("\n", 1)[1]  # where the walls are is for the model to learn
    obs, reward, terminated, truncated, info = env.step(NORTH)
    assert "Taxi at (1,3). Passenger waiting at (0,0), 1 north, 3 west." in obs and "Last move: north." in obs
    assert (reward, terminated, truncated, info["success"]) == (-1.0, False, False, False)
    assert len(taxi_prompt(obs, "a note")) < 500
    env.reset(options={"stage": "full", "state": start(0, 1, passenger=0, destination=3)})
    obs = env.step(WEST)[0]
    assert "Passenger waiting at (0,0), here." in obs
    obs = env.step(PICKUP)[0]
    assert "Taxi at (0,0). Passenger in the taxi; destination 4 south, 3 east." in obs


def test_pickup_stage_hides_the_destination_and_passes_gymnasium_check() -> None:
    obs, _ = DangerousTaxiEnv(TaxiConfig(stage="pickup")).reset(seed=3)
    assert obs.startswith("Task: pick up the passenger.\n")
    check_env(DangerousTaxiEnv(), skip_render_check=True)


@pytest.mark.parametrize("state, action", [
    (start(0, 1), EAST),       # the wall right of (0,1)
    (start(0, 2), NORTH),      # the grid's edge
    (start(3, 0), EAST),       # the wall right of (3,0)
    (start(2, 2), PICKUP),     # no passenger here
    (start(2, 2), DROPOFF),    # nobody in the taxi
])
def test_an_action_that_changes_nothing_ends_the_episode_with_minus_ten(state: int, action: int) -> None:
    env = DangerousTaxiEnv()
    env.reset(options={"state": state})
    obs, reward, terminated, truncated, info = env.step(action)
    assert (reward, terminated, truncated) == (-10.0, True, False)
    assert info["dangerous"] and not info["success"] and info["labels"] == []
    assert f"{ACTIONS[action]} was not possible" in obs and "A. south" not in obs
    with pytest.raises(TaxiError):
        env.step(SOUTH)


def test_same_seed_same_episode_and_seeds_spread_over_start_states() -> None:
    env = DangerousTaxiEnv()
    assert env.reset(seed=7)[0] == env.reset(seed=7)[0]
    assert DangerousTaxiEnv().reset(seed=7)[1]["state"] == env.reset(seed=7)[1]["state"]
    assert len({env.reset(seed=s)[1]["state"] for s in range(40)}) > 20
    with pytest.raises(TaxiError):
        env.reset(options={"state": start(1, 1, passenger=IN_TAXI)})
    with pytest.raises(TaxiError):
        env.reset(options={"stage": "dropoff-only"})


@pytest.mark.parametrize("stage", STAGES)
def test_the_solver_solves_every_start_state_safely_and_shortest(stage: str) -> None:
    env = DangerousTaxiEnv()
    dist = distances(stage)
    for s in start_states():
        path = solve(s, stage)
        assert len(path) == dist[s] > 0
        env.reset(options={"stage": stage, "state": s})
        rewards = []
        for action in path:
            _obs, reward, terminated, truncated, info = env.step(action)
            rewards.append(reward)
            assert not info["dangerous"]
        assert terminated and info["success"] and not truncated
        assert rewards == [-1.0] * (len(path) - 1) + [20.0]


def test_a_long_episode_is_truncated_by_the_stage_horizon() -> None:
    env = DangerousTaxiEnv(TaxiConfig(pickup_max_steps=4))
    env.reset(options={"stage": "pickup", "state": start(2, 2, passenger=0)})
    outcomes = [env.step(a)[2:4] for a in (NORTH, SOUTH, NORTH, SOUTH)]
    assert outcomes == [(False, False)] * 3 + [(False, True)]


def label_of_prompt(prompt: str, labels: Sequence[str]) -> str:
    """An oracle that reads only what the prompt shows: proves the observation is sufficient."""
    stage = "pickup" if "Task: pick up the passenger." in prompt else "full"
    taxi = re.search(r"Taxi at \((\d),(\d)\)", prompt)
    waiting = re.search(r"Passenger waiting at \((\d),(\d)\)", prompt)
    dest = re.search(r"drop them off at \((\d),(\d)\)", prompt)
    assert taxi is not None
    dest_cell = (int(dest[1]), int(dest[2])) if dest else location(3)
    dest_idx = next(i for i in range(4) if location(i) == dest_cell)
    passenger = IN_TAXI if waiting is None else next(
        i for i in range(4) if location(i) == (int(waiting[1]), int(waiting[2])))
    state = encode(TaxiState(int(taxi[1]), int(taxi[2]), passenger, dest_idx))
    return labels[solve(state, stage)[0]]


@pytest.mark.parametrize("stage", STAGES)
def test_rollout_of_an_oracle_reading_the_prompt_succeeds_everywhere(stage: str) -> None:
    starts = held_out_starts(12, seed=0)
    got = evaluate_taxi(ScriptedPolicy(label_of_prompt), starts, stage)
    assert got[f"eval/{stage}/success"] == 1.0


def test_teacher_notes_argue_from_the_observation_and_never_name_a_label() -> None:
    demos = build_taxi_demos(TaxiDemoConfig(demos=40, negative_ratio=0.5), seed=2)
    steps = [s for d in demos.demos for s in d.steps]
    assert len(steps) > 200
    for step in steps:
        assert not LABEL_PATTERN.search(step.reflection), step.reflection
        assert step.labels[step.action] not in re.findall(r"\b\w\b", step.reflection)
        taxi = re.search(r"Taxi at (\(\d,\d\))", step.observation)
        assert taxi is not None and taxi[1] in step.reflection  # what the student sees, restated
        if step.imitate and step.action_text not in ("pickup", "dropoff"):
            assert step.reflection.endswith(f"go {step.action_text}.")
    teacher = TaxiTeacher()
    assert teacher.analyze(start(0, 1, passenger=3), SOUTH) == "Passenger (4,3), taxi (0,1): go south."
    blocked = start(3, 1, passenger=2)  # Y at (4,0); the wall left of (3,1) forces a detour north
    assert solve(blocked, "pickup")[:2] == [NORTH, WEST]
    assert teacher.analyze(blocked, NORTH) == "Passenger (4,0), taxi (3,1), wall in the way: go north."


def test_perturbed_demonstrations_make_one_safe_mistake_and_recover() -> None:
    demos = build_taxi_demos(TaxiDemoConfig(demos=30, negative_ratio=0.5), seed=1)
    negatives = [d for d in demos.demos if d.negative]
    assert len(negatives) >= 10 and all(d.success for d in demos.demos)
    held_out = set(held_out_starts(20, seed=0))
    assert not {int(d.task_id.split(":")[1]) for d in build_taxi_demos(
        TaxiDemoConfig(demos=100), seed=0, exclude=sorted(held_out)).demos} & held_out
    for demo in negatives:
        kinds = [(s.kind, s.imitate) for s in demo.steps]
        wrong = kinds.index(("analyze", False))
        assert kinds.count(("analyze", False)) == 1 and kinds[wrong + 1] == ("wrong_choice", True)
        assert demo.steps[wrong].action_text == demo.wrong_action
        stage, state = demo.task_id.split(":")
        assert len(demo.steps) == len(solve(int(state), stage)) + 2  # a detour costs one step there, one back


def test_the_note_comes_before_the_actions_so_the_line_head_reads_it() -> None:
    obs, _ = DangerousTaxiEnv().reset(seed=0)
    prompt = taxi_prompt(obs, "go north.")
    assert prompt.startswith(taxi_prefix(obs)) and prompt.endswith("Best action:")
    assert prompt.index("Note: go north.") < prompt.index("\nActions:\nA. south")
    assert taxi_prompt(obs) == prompt.replace("\nNote: go north.", "")
    loaded = resolve_model("tiny-random")
    torch.manual_seed(0)
    model = new_lora(loaded, "policy", target_modules=lora_targets(loaded.model))
    policy = taxi_policy(model, loaded.tokenizer, "policy")
    labels = list("ABCDEF")
    scores = [policy.logprobs([taxi_prompt(obs, note)], [labels], [0], prefix=taxi_prefix(obs))[0]
              for note in ("go north.", "go west, the wall is east.")]
    assert not torch.allclose(scores[0], scores[1])


def test_sft_on_taxi_demonstrations_lowers_the_policy_loss() -> None:
    loaded = resolve_model("tiny-random")
    torch.manual_seed(0)
    model = new_lora(loaded, "policy", target_modules=lora_targets(loaded.model))
    policy = taxi_policy(model, loaded.tokenizer, "policy")
    demos = build_taxi_demos(TaxiDemoConfig(demos=1, negative_ratio=0.0, pickup_share=1.0), seed=0)
    examples = [(o, "", labels, a) for o, _n, labels, a in demos.policy_examples()][:2]
    trainer = SFTTrainer(model, loaded.tokenizer, policy, examples, config=SFTConfig(batch_size=2, micro_batch=2, lr=1e-2),
                         prompt=taxi_prompt, prefix=taxi_prefix)
    losses = [trainer.step()["sft/policy_loss"] for _ in range(16)]
    assert losses[-1] < 0.5 * losses[0]


def test_curriculum_moves_to_delivery_once_pickups_succeed() -> None:
    schedule = TaxiCurriculum(threshold=0.5, window=2)
    assert schedule.reset_options(None) == {"stage": "pickup"}  # type: ignore[arg-type]
    assert schedule.observe([True, False, False, False])["curriculum/promoted"] == 0.0  # one update is no window
    assert schedule.observe([True, False, False, False])["curriculum/promoted"] == 0.0  # 25% < 50%
    assert schedule.stage == "pickup"
    assert schedule.observe([True, True, True, True])["curriculum/promoted"] == 1.0  # (25% + 100%) / 2
    assert schedule.stage == "full" and schedule.reset_options(None) == {"stage": "full"}  # type: ignore[arg-type]
    assert schedule.observe([True])["curriculum/promoted"] == 0.0  # nowhere further to go
    restored = TaxiCurriculum()
    restored.load_state_dict(schedule.state_dict())
    assert restored.stage == "full"


def test_the_ablation_runs_every_variant_end_to_end_on_a_tiny_model() -> None:
    config = TaxiTrainConfig(model="tiny-random", demos=TaxiDemoConfig(demos=6), eval_episodes=2,
                             sft=SFTConfig(steps=2, batch_size=2, micro_batch=2, lora_layers=None),
                             rl=RLConfig(updates=1, episodes_per_update=2, reflection_tokens=8))
    result = train_taxi(config)
    table = result.variants()
    assert list(table) == list(VARIANTS)
    for name, row in table.items():
        assert 0.0 <= row["pickup"] <= 1.0 and 0.0 <= row["delivery"] <= 1.0, name
        assert (row["seconds"] > 0) == (name != "random")
    assert set(result.rl_metrics) == {"rl", "sft+rl", "reflect-rl", "reflect-rl-no-negatives",
                                      "reflect-rl-no-curriculum"}
    assert all(m["train/decisions"] > 0 for v in result.rl_metrics.values() for m in v)
    assert result.rl_metrics["reflect-rl-no-curriculum"][0]["curriculum/level"] == 1.0  # delivery from the start
    assert result.rl_metrics["reflect-rl"][0]["curriculum/level"] == 0.0
    assert set(result.sft_metrics) == {"plain", "reflect", "reflect-nn"}
    assert result.demo_stats["demos"] == 6


def test_rl_variants_start_from_their_tracks_sft_weights() -> None:
    """Reflect-RL's updates must not leak into the next variant trained on the same adapter."""
    def run(variants: tuple[str, ...]) -> dict[str, float]:
        config = TaxiTrainConfig(model="tiny-random", variants=variants, demos=TaxiDemoConfig(demos=4),
                                 eval_episodes=2, sft=SFTConfig(steps=2, batch_size=2, micro_batch=2, lora_layers=None),
                                 rl=RLConfig(updates=2, episodes_per_update=2, lr=1e-1, reflection_tokens=6))
        return train_taxi(config).rl_metrics["reflect-rl-no-curriculum"][-1]

    after = run(("reflect-rl", "reflect-rl-no-curriculum"))
    alone = run(("reflect-rl-no-curriculum",))
    assert after["train/loss"] == pytest.approx(alone["train/loss"], abs=1e-6)
    assert after["train/return"] == alone["train/return"]
    with pytest.raises(ValueError, match="unknown DangerousTaxi variants"):
        train_taxi(TaxiTrainConfig(model="tiny-random", variants=("dqn",)))
