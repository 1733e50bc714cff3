"""DangerousTaxi training: solver, teacher, demonstrations, then the repo's SFT and RL.

Issue #5 asks for a second environment to prove that the trainer is not tied to
repositories. Everything that learns is reused as is: :class:`~.sft.SFTTrainer` for the
warm-up, :class:`~.rl.RLTrainer` and :func:`~.rl.rollout` for online RL and evaluation,
:class:`~.demos.DemoSet` for the demonstrations. What is taxi-specific lives here:

* an optimal solver: breadth-first distances to the stage's goal over Taxi-v3's 500
  states, dangerous (state-preserving) actions excluded, so its walks are also safe;
* a rule teacher that argues from what the observation shows (where the taxi, the
  passenger and the destination are, the last move) and names a direction, never a label;
* perturbed demonstrations as in :mod:`.demos`: one safe wrong move, a *wrong choice*
  note, the recovery, then the optimal walk from there;
* the pickup-then-delivery curriculum, as a :class:`~.curriculum.Schedule`;
* :func:`train_taxi`, the ablation: random; SFT only; SFT + RL without notes; Reflect-RL.

Policy with notes, policy without notes and reflector are three LoRA adapters on one
frozen base model. SFT and RL both build prompts with :func:`~explore.agent.taxi.taxi_prompt`,
so they score the same text.
"""
from __future__ import annotations

import random
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from ..agent.policy import LMPolicy, RandomPolicy
from ..agent.taxi import (ACTIONS, MOVES, STAGES, DangerousTaxiEnv, TaxiConfig, cell, check_stage, dangerous,
                          decode, location, start_states, taxi_prefix, taxi_prompt, transition)
from .config import RLConfig, SFTConfig
from .demos import Demo, DemoError, DemoSet, DemoStep
from .rl import Episode, RLTrainer, rollout, summarize
from .sft import SFTTrainer, adapter_params, lora_targets

PICKUP, DROPOFF = ACTIONS.index("pickup"), ACTIONS.index("dropoff")
#: A label as it could leak into a note: a lone capital A-F.
LABEL_PATTERN = re.compile(r"\b[A-F]\b")


# -- solver -------------------------------------------------------------------------------
def is_goal(state: int, stage: str) -> bool:
    """Passenger in the taxi (``pickup``), or delivered (``full``: passenger at the destination)."""
    s = decode(state)
    return s.in_taxi if stage == "pickup" else s.passenger == s.destination


@lru_cache(maxsize=len(STAGES))
def distances(stage: str) -> tuple[int, ...]:
    """Fewest safe actions from every state to the stage's goal (-1: unreachable)."""
    check_stage(stage)
    n = 500
    back: list[list[int]] = [[] for _ in range(n)]
    for s in range(n):
        if is_goal(s, stage):
            continue  # the episode ends there
        for a in range(len(ACTIONS)):
            nxt, _ = transition(s, a)
            if nxt != s:
                back[nxt].append(s)
    dist = [-1] * n
    queue = deque(s for s in range(n) if is_goal(s, stage))
    for s in queue:
        dist[s] = 0
    while queue:
        s = queue.popleft()
        for prev in back[s]:
            if dist[prev] < 0:
                dist[prev] = dist[s] + 1
                queue.append(prev)
    return tuple(dist)


def optimal_actions(state: int, stage: str) -> list[int]:
    """Every safe action that shortens the way to the goal by one (in label order)."""
    dist = distances(stage)
    d = dist[state]
    if d <= 0:
        return []
    return [a for a in range(len(ACTIONS))
            if not dangerous(state, a) and dist[transition(state, a)[0]] == d - 1]


def solve(state: int, stage: str) -> list[int]:
    """A shortest safe action sequence from ``state`` to the stage's goal."""
    path = []
    while not is_goal(state, stage):
        options = optimal_actions(state, stage)
        if not options:
            raise ValueError(f"state {state} cannot reach the {stage} goal")
        path.append(options[0])
        state = transition(state, options[0])[0]
    return path


# -- teacher ------------------------------------------------------------------------------
def _target(state: int) -> tuple[str, tuple[int, int]]:
    s = decode(state)
    return ("destination", location(s.destination)) if s.in_taxi else ("passenger", location(s.passenger))


class TaxiTeacher:
    """Short notes from what the observation shows; a direction is named, never a label.

    The notes stay under ~20 tokens: the reflector writes one for every new state, and its
    generation is the slowest part of a Reflect-RL decision.
    """

    def analyze(self, state: int, action: int) -> str:
        name, goal = _target(state)
        taxi = decode(state).taxi
        if action == PICKUP:
            return f"The taxi is at the passenger {cell(goal)}: pick them up."
        if action == DROPOFF:
            return f"The taxi is at the destination {cell(goal)}: drop them off."
        move = ACTIONS[action]
        wall = "" if move in _toward(taxi, goal) else ", wall in the way"
        return f"{name.capitalize()} {cell(goal)}, taxi {cell(taxi)}{wall}: go {move}."

    def wrong_choice(self, state: int, wrong: int, recovery: int) -> str:
        """``state`` is where the wrong action led; ``recovery`` the best action from there."""
        s = decode(state)
        name, goal = _target(state)
        if wrong == DROPOFF:
            return (f"The passenger was dropped at {cell(s.taxi)}, not at the destination "
                    f"{cell(location(s.destination))}: pick them up again.")
        return (f"Going {ACTIONS[wrong]} led away from the {name} {cell(goal)}; "
                f"taxi {cell(s.taxi)}: go {ACTIONS[recovery]}.")


def _toward(taxi: tuple[int, int], goal: tuple[int, int]) -> list[str]:
    """The moves that would shorten the straight-line (Manhattan) way, walls ignored."""
    def gap(r: int, c: int) -> int:
        return abs(goal[0] - r) + abs(goal[1] - c)
    return [d for d, (dr, dc) in MOVES.items() if gap(taxi[0] + dr, taxi[1] + dc) < gap(*taxi)]


# -- demonstrations -------------------------------------------------------------------------
@dataclass
class TaxiDemoConfig:
    """How many demonstrations, of which stage, how many perturbed."""

    demos: int = 60
    """Demonstrations in all (positive and negative)."""
    negative_ratio: float = 0.3
    """Share with one safe wrong move, a wrong-choice note and the recovery."""
    pickup_share: float = 0.35
    """Share played in the ``pickup`` stage (its task line differs from ``full``'s)."""


class _Player:
    """Plays an episode from a start state, recording each state with the teacher's note."""

    def __init__(self, env: DangerousTaxiEnv, teacher: TaxiTeacher, start: int, stage: str) -> None:
        self.env, self.teacher, self.stage = env, teacher, stage
        self.obs, self.info = env.reset(options={"stage": stage, "state": start})
        self.steps: list[DemoStep] = []
        self.success = False

    def play(self, action: int, note: str, kind: str = "analyze", imitate: bool = True) -> None:
        self.steps.append(DemoStep(self.obs, list(self.info["labels"]), action, ACTIONS[action], kind, note, imitate))
        self.obs, _r, terminated, truncated, self.info = self.env.step(action)
        self.success = bool(terminated and self.info["success"])
        if (terminated or truncated) and not self.success:
            raise DemoError(f"demonstration failed at {ACTIONS[action]} in state {self.env.state}")

    def optimal(self) -> None:
        while not is_goal(self.env.state, self.stage):
            action = optimal_actions(self.env.state, self.stage)[0]
            self.play(action, self.teacher.analyze(self.env.state, action))


def wrong_moves(state: int, stage: str) -> list[int]:
    """Safe actions that do not shorten the way (a detour, or a dropoff at the wrong place)."""
    best = set(optimal_actions(state, stage))
    return [a for a in range(len(ACTIONS)) if a not in best and not dangerous(state, a)
            and not is_goal(transition(state, a)[0], stage)]


def demonstration(env: DangerousTaxiEnv, teacher: TaxiTeacher, start: int, stage: str,
                  rng: random.Random | None = None) -> Demo:
    """The optimal walk from ``start``; with ``rng``, one wrong move at a random step and its recovery."""
    player = _Player(env, teacher, start, stage)
    path = solve(start, stage)
    at = rng.randrange(len(path)) if rng is not None else None
    for action in path[:at] if at is not None else path:
        player.play(action, teacher.analyze(env.state, action))
    wrong = None
    if at is not None:
        choices = wrong_moves(env.state, stage)
        if choices:
            wrong = rng.choice(choices)  # type: ignore[union-attr]
            player.play(wrong, teacher.analyze(env.state, optimal_actions(env.state, stage)[0]), imitate=False)
            recovery = optimal_actions(env.state, stage)[0]
            player.play(recovery, teacher.wrong_choice(env.state, wrong, recovery), kind="wrong_choice")
        player.optimal()
    return Demo(f"{stage}:{start}", player.steps, negative=wrong is not None, success=player.success,
                perturbed_at=at if wrong is not None else None,
                wrong_action=ACTIONS[wrong] if wrong is not None else None)


def held_out_starts(episodes: int, seed: int) -> list[int]:
    """The evaluation's start states: a fixed draw, kept out of the demonstrations."""
    starts = start_states()
    return sorted(random.Random(f"taxi-eval:{seed}").sample(starts, min(episodes, len(starts))))


def build_taxi_demos(config: TaxiDemoConfig, env_config: TaxiConfig | None = None, seed: int = 0,
                     exclude: Sequence[int] = ()) -> DemoSet:
    """Positive and perturbed demonstrations from distinct start states not in ``exclude``."""
    rng = random.Random(f"taxi-demos:{seed}")
    env, teacher = DangerousTaxiEnv(env_config or TaxiConfig()), TaxiTeacher()
    pool = [s for s in start_states() if s not in set(exclude)]
    starts = rng.sample(pool, min(config.demos, len(pool)))
    negatives = round(len(starts) * min(max(config.negative_ratio, 0.0), 1.0))
    demos = []
    for i, start in enumerate(starts):
        stage = "pickup" if rng.random() < config.pickup_share else "full"
        demos.append(demonstration(env, teacher, start, stage, rng if i < negatives else None))
    rng.shuffle(demos)
    return DemoSet(demos)


# -- policy prompts and curriculum ----------------------------------------------------------
class TaxiCurriculum:
    """Pickup first, delivery once the recent pickup success rate reaches ``threshold``."""

    def __init__(self, threshold: float = 0.5, window: int = 2, start: str = "pickup") -> None:
        self.threshold, self.window = threshold, window
        self.level = STAGES.index(check_stage(start))
        self.history: list[float] = []

    @property
    def stage(self) -> str:
        return STAGES[self.level]

    def reset_options(self, rng: np.random.Generator) -> dict[str, Any]:
        return {"stage": self.stage}

    def observe(self, successes: Sequence[bool]) -> dict[str, float]:
        self.history.append(float(np.mean(successes)) if len(successes) else 0.0)
        recent = self.history[-self.window:]
        promoted = (self.level < len(STAGES) - 1 and len(recent) >= self.window
                    and float(np.mean(recent)) >= self.threshold)
        if promoted:
            self.level, self.history = self.level + 1, []
        return {"curriculum/level": float(self.level), "curriculum/promoted": float(promoted)}

    def configure(self, envs: Sequence[Any]) -> None:
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"level": self.level, "history": list(self.history)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.level, self.history = int(state["level"]), [float(x) for x in state["history"]]


# -- the ablation -----------------------------------------------------------------------------
@dataclass
class TaxiTrainConfig:
    """One DangerousTaxi ablation run; every stage is sized here."""

    model: str = "smollm2-135m"
    seed: int = 0
    env: TaxiConfig = field(default_factory=TaxiConfig)
    demos: TaxiDemoConfig = field(default_factory=TaxiDemoConfig)
    sft: SFTConfig = field(default_factory=lambda: SFTConfig(steps=40, batch_size=4, micro_batch=4))
    rl: RLConfig = field(default_factory=lambda: RLConfig(updates=6, episodes_per_update=6, lr=1e-4,
                                                          reflection_tokens=28, minibatch_size=8))
    curriculum: bool = True
    """Start RL in the pickup stage; deliver once pickups succeed (False: delivery from the start)."""
    promote_at: float = 0.5
    """Pickup success rate (over 2 updates) that promotes the curriculum to delivery."""
    eval_episodes: int = 10
    """Held-out start states evaluated per stage, greedily, after each stage."""


@dataclass
class TaxiResult:
    """Success per method and stage, wall seconds per training and evaluation stage."""

    config: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    rl_metrics: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    demo_stats: dict[str, Any] = field(default_factory=dict)


def evaluate_taxi(policy: Any, starts: Sequence[int], stage: str, *, reflector: Any = None,
                  env_config: TaxiConfig | None = None, episodes: list[Episode] | None = None) -> dict[str, float]:
    """Greedy success, return and steps from each of ``starts`` in ``stage`` (one batched wave)."""
    envs = [DangerousTaxiEnv(env_config or TaxiConfig()) for _ in starts]
    played = rollout(envs, policy, [{"stage": stage, "state": s} for s in starts], list(range(len(starts))),
                     reflector=reflector, greedy=True, prompt=taxi_prompt, prefix=taxi_prefix)
    if episodes is not None:
        episodes.extend(played)
    return summarize(played, f"eval/{stage}")


def _adapters(config: TaxiTrainConfig) -> tuple[Any, Any]:
    from ..agent.models import new_lora, resolve_model

    loaded = resolve_model(config.model)
    torch.manual_seed(config.seed)
    model: Any = loaded
    for name in ("reflector", "policy", "plain"):
        base = model.model if hasattr(model, "tokenizer") else model
        model = new_lora(model, name, r=config.sft.lora_r, alpha=config.sft.lora_alpha,
                         target_modules=lora_targets(base))
    return model, loaded.tokenizer


def _sft(model: Any, tokenizer: Any, demos: DemoSet, config: TaxiTrainConfig,
         say: Callable[[str], None]) -> dict[str, float]:
    """Trains the reflector with the noted policy, and the plain policy apart; seconds of each."""
    notes = [(o, n, labels, a) for o, n, labels, a in demos.policy_examples()]
    plain = [(o, "", labels, a) for o, _n, labels, a in demos.policy_examples()]
    reflector = [(o, n) for o, _kind, n in demos.reflector_examples()]
    trainers = {
        "sft_reflect": SFTTrainer(model, tokenizer, LMPolicy(model, tokenizer, "policy"), notes, reflector, config.sft,
                                  seed=config.seed, policy_adapter="policy", prompt=taxi_prompt, prefix=taxi_prefix),
        "sft_plain": SFTTrainer(model, tokenizer, LMPolicy(model, tokenizer, "plain"), plain, config=config.sft,
                                seed=config.seed, policy_adapter="plain", prompt=taxi_prompt, prefix=taxi_prefix),
    }
    seconds = dict.fromkeys(trainers, 0.0)
    for step in range(config.sft.steps):
        for name, trainer in trainers.items():
            metrics = trainer.step()
            seconds[name] += metrics["sft/seconds"]
            if (step + 1) % 10 == 0 or step + 1 == config.sft.steps:
                losses = ", ".join(f"{k.split('/')[1]} {v:.3f}" for k, v in metrics.items() if k.endswith("loss"))
                say(f"{name} step {step + 1}/{config.sft.steps}: {losses}")
    return seconds


def _rl(model: Any, policy: LMPolicy, reflector: Any, adapter: str, config: TaxiTrainConfig,
        say: Callable[[str], None]) -> list[dict[str, float]]:
    envs = [DangerousTaxiEnv(config.env) for _ in range(config.rl.episodes_per_update)]
    schedule = TaxiCurriculum(config.promote_at, start="pickup" if config.curriculum else "full")
    trainer = RLTrainer(policy, envs, config.rl, reflector=reflector, schedule=schedule,
                        params=adapter_params(model, adapter), prompt=taxi_prompt, prefix=taxi_prefix,
                        seed=config.seed)
    history = []
    while trainer.updates < config.rl.updates:
        metrics = trainer.step()
        history.append(metrics)
        say(f"rl {adapter} update {trainer.updates}/{config.rl.updates}: success {metrics['train/success']:.2f} "
            f"return {metrics['train/return']:.1f} stage {STAGES[int(metrics['curriculum/level'])]} "
            f"({metrics['train/seconds']:.0f}s)")
    return history


def train_taxi(config: TaxiTrainConfig | None = None, say: Callable[[str], None] = lambda _m: None) -> TaxiResult:
    """The DangerousTaxi ablation: random, SFT only, SFT+RL without notes, Reflect-RL.

    SFT-only and the RL rows are measured on the same held-out start states; "SFT only"
    is reported with and without the reflector (both adapters exist after SFT anyway).
    """
    from ..agent.reflector import LoRAReflector

    config = config or TaxiTrainConfig()
    torch.manual_seed(config.seed)
    result = TaxiResult(config=asdict(config))
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        result.seconds[name] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    def measure(method: str, policy: Any, reflector: Any, train_s: float) -> None:
        row: dict[str, Any] = {"method": method, "train_seconds": round(train_s, 1)}
        started = time.perf_counter()
        for stage in STAGES:
            row.update(evaluate_taxi(policy, starts, stage, reflector=reflector, env_config=config.env))
        row["eval_seconds"] = round(time.perf_counter() - started, 1)
        result.rows.append(row)
        say(f"{method}: pickup {row['eval/pickup/success']:.0%}, full {row['eval/full/success']:.0%} "
            f"({row['eval_seconds']:.0f}s to evaluate)")
        lap(f"eval {method}")

    starts = held_out_starts(config.eval_episodes, config.seed)
    model, tokenizer = _adapters(config)
    lap("load")
    demos = build_taxi_demos(config.demos, config.env, config.seed, exclude=starts)
    result.demo_stats = demos.stats()
    lap("demos")
    measure("random", RandomPolicy(config.seed), None, 0.0)
    sft_seconds = _sft(model, tokenizer, demos, config, say)
    result.seconds.update({k: round(v, 1) for k, v in sft_seconds.items()})
    lap("sft")
    for p in adapter_params(model, "reflector"):
        p.requires_grad_(False)  # frozen from here on, as in the paper
    reflector = LoRAReflector(model, tokenizer, "reflector", max_new_tokens=config.rl.reflection_tokens)
    plain, noted = LMPolicy(model, tokenizer, "plain"), LMPolicy(model, tokenizer, "policy")
    measure("SFT only, no reflection", plain, None, sft_seconds["sft_plain"])
    measure("SFT only, with reflection", noted, reflector, sft_seconds["sft_reflect"])
    if config.rl.updates > 0:
        for name, policy, ref, adapter in (("SFT+RL, no reflection", plain, None, "plain"),
                                           ("Reflect-RL", noted, reflector, "policy")):
            started = time.perf_counter()
            result.rl_metrics[adapter] = _rl(model, policy, ref, adapter, config, say)
            rl_s = time.perf_counter() - started
            lap(f"rl {adapter}")
            base = sft_seconds["sft_plain" if adapter == "plain" else "sft_reflect"]
            measure(name, policy, ref, base + rl_s)
    return result
