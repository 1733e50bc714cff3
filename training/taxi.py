"""DangerousTaxi training: the curriculum and the paper's ablation, on the repo's SFT and RL.

Issue #5 asks for a second environment to prove that the trainer is not tied to
repositories. Everything that learns is reused as is: :class:`~.sft.SFTTrainer` for the
warm-up, :class:`~.rl.RLTrainer` and :func:`~.rl.rollout` for online RL and evaluation,
:class:`~.demos.DemoSet` for the demonstrations. What is taxi-specific:

* the solver, the rule teacher and the (perturbed) demonstrations, in :mod:`.taxi_demos`
  (their names are re-exported here);
* the pickup-then-delivery curriculum, as a :class:`~.curriculum.Schedule`;
* :func:`train_taxi`, the paper's ablation (:data:`VARIANTS`): random; SFT only; RL only;
  SFT + RL without notes; Reflect-RL; Reflect-RL without perturbed demonstrations;
  Reflect-RL without the curriculum.

Every policy and reflector is a LoRA adapter on one frozen base model. SFT, RL and
evaluation all build prompts with :func:`~explore.agent.taxi.taxi_prompt` and score them
with :func:`taxi_policy` (``line`` head, no chat template), so they score the same text.

Why the trainer did not learn Taxi before (issue #19, measured, not guessed): the run
saw 120 examples (30 steps of 4, under one epoch of 60 demonstrations), on LoRA over all
30 blocks (``lora_layers`` was not passed, so no frozen-trunk cache and a full backward
pass), and, above all, the observation gave only cells: reading the state meant
subtracting coordinates, which neither model learned (held-out step accuracy at the
majority-label rate, 24-26%, SmolLM2 loss 1.69 after 100 steps). Fixed here: an offset
line in the observation; the ``line`` head (better than the label head on the same
steps), with the note moved above the action list, where a line score can read it; every
training start state as a demonstration; ~10x the SFT steps at a higher rate; LoRA on the
top 8 blocks, so the trunk below them is cached.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from ..agent.policy import LMPolicy, RandomPolicy
from ..agent.taxi import STAGES, DangerousTaxiEnv, TaxiConfig, check_stage, taxi_prefix, taxi_prompt
from .config import RLConfig, SFTConfig
from .demos import DemoSet
from .rl import Episode, RLTrainer, rollout, summarize
from .sft import SFTTrainer, adapter_params, lora_targets
from .taxi_demos import (DROPOFF, LABEL_PATTERN, PICKUP, TaxiDemoConfig, TaxiTeacher, build_taxi_demos,
                         demonstration, distances, held_out_starts, is_goal, optimal_actions, solve, wrong_moves)

#: Re-exported: the demonstrations' names (:mod:`.taxi_demos`) are imported from here too.
__all__ = ["DROPOFF", "LABEL_PATTERN", "PICKUP", "PLAN", "VARIANTS", "TaxiCurriculum", "TaxiDemoConfig",
           "TaxiResult", "TaxiTeacher", "TaxiTrainConfig", "Variant", "build_taxi_demos", "demonstration",
           "distances", "evaluate_taxi", "held_out_starts", "is_goal", "optimal_actions", "solve", "taxi_policy",
           "train_taxi", "wrong_moves"]


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
#: The paper's table, in order: what each variant trains and how it is evaluated.
VARIANTS = ("random", "sft", "rl", "sft+rl", "reflect-rl", "reflect-rl-no-negatives", "reflect-rl-no-curriculum")


@dataclass(frozen=True)
class Variant:
    """One row: the SFT track it starts from (None: a fresh adapter), RL or not, its curriculum."""

    sft: str | None
    rl: bool
    curriculum: bool = True

    @property
    def reflects(self) -> bool:
        return self.sft is not None and self.sft.startswith("reflect")


#: SFT tracks: ``plain`` (no notes), ``reflect`` (reflector + noted policy), ``reflect-nn``
#: (the same without perturbed demonstrations). Each is trained once and shared by its rows.
PLAN = {
    "sft": Variant("plain", rl=False),
    "rl": Variant(None, rl=True),
    "sft+rl": Variant("plain", rl=True),
    "reflect-rl": Variant("reflect", rl=True),
    "reflect-rl-no-negatives": Variant("reflect-nn", rl=True),
    "reflect-rl-no-curriculum": Variant("reflect", rl=True, curriculum=False),
}


def _default_sft() -> SFTConfig:
    """Measured on SmolLM2-135M, 10 held-out starts: 150 demonstrations and 300 steps took
    held-out delivery from 0 % to 70 %; 300 demonstrations (290 kept, ~3,100 examples) and
    600 steps to 90 % (28 min on one thread of 2 busy cores)."""
    return SFTConfig(steps=600, batch_size=8, micro_batch=8, lr=1e-3, lora_layers=8)


def _default_rl() -> RLConfig:
    return RLConfig(updates=10, episodes_per_update=8, lr=2e-4, reflection_tokens=28, minibatch_size=16)


@dataclass
class TaxiTrainConfig:
    """One DangerousTaxi ablation run; every stage is sized here."""

    model: str = "smollm2-135m"
    seed: int = 0
    variants: tuple[str, ...] = VARIANTS
    """Rows to run (any of :data:`VARIANTS`); SFT tracks and adapters are built for these only."""
    env: TaxiConfig = field(default_factory=TaxiConfig)
    demos: TaxiDemoConfig = field(default_factory=lambda: TaxiDemoConfig(demos=300))
    """300 start states: ~3,100 policy examples, so 600 steps of 8 see each about 1.5 times."""
    sft: SFTConfig = field(default_factory=_default_sft)
    rl: RLConfig = field(default_factory=_default_rl)
    head: str = "line"
    """Policy head (:class:`~explore.agent.policy.LMPolicy`): ``line`` scores each action at the
    end of its own line, ``label`` the letter after the prompt."""
    promote_at: float = 0.5
    """Pickup success rate (over 2 updates) that promotes the curriculum to delivery."""
    eval_episodes: int = 20
    """Held-out start states evaluated per stage, greedily, after each variant."""


@dataclass
class TaxiResult:
    """Success per variant and stage, wall seconds per training and evaluation stage."""

    config: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    sft_metrics: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    rl_metrics: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    demo_stats: dict[str, Any] = field(default_factory=dict)

    def variants(self) -> dict[str, dict[str, float]]:
        """``{name: {pickup, delivery, seconds}}``: the table as ``bench_taxi.py --json`` writes it."""
        return {r["variant"]: {"pickup": r["eval/pickup/success"], "delivery": r["eval/full/success"],
                               "seconds": r["train_seconds"], "eval_seconds": r["eval_seconds"]}
                for r in self.rows}


def evaluate_taxi(policy: Any, starts: Sequence[int], stage: str, *, reflector: Any = None,
                  env_config: TaxiConfig | None = None, episodes: list[Episode] | None = None) -> dict[str, float]:
    """Greedy success, return and steps from each of ``starts`` in ``stage`` (one batched wave)."""
    envs = [DangerousTaxiEnv(env_config or TaxiConfig()) for _ in starts]
    played = rollout(envs, policy, [{"stage": stage, "state": s} for s in starts], list(range(len(starts))),
                     reflector=reflector, greedy=True, prompt=taxi_prompt, prefix=taxi_prefix)
    if episodes is not None:
        episodes.extend(played)
    return summarize(played, f"eval/{stage}")


def _tracks(variants: Sequence[str]) -> list[str]:
    """The SFT tracks the variants need, in a fixed order."""
    needed = {PLAN[v].sft for v in variants if v in PLAN}
    return [t for t in ("plain", "reflect", "reflect-nn") if t in needed]


def _adapter_names(variants: Sequence[str]) -> list[str]:
    names = []
    for track in _tracks(variants):
        names += ["policy-" + track] + (["reflector-" + track] if track != "plain" else [])
    if any(PLAN[v].sft is None for v in variants if v in PLAN):
        names.append("policy-scratch")
    return names


def _adapters(config: TaxiTrainConfig) -> tuple[Any, Any]:
    """The base model with one LoRA adapter per policy and reflector the variants need."""
    from ..agent.models import new_lora, resolve_model

    loaded = resolve_model(config.model)
    torch.manual_seed(config.seed)
    model: Any = loaded
    for name in _adapter_names(config.variants):
        base = model.model if hasattr(model, "tokenizer") else model
        model = new_lora(model, name, r=config.sft.lora_r, alpha=config.sft.lora_alpha,
                         target_modules=lora_targets(base, config.sft.lora_layers))
    return model, loaded.tokenizer


def taxi_policy(model: Any, tokenizer: Any, adapter: str, head: str = "line") -> LMPolicy:
    """The LM policy as every taxi stage uses it (compact prompt, no chat template)."""
    from ..agent.taxi import CHAT_TEMPLATE

    return LMPolicy(model, tokenizer, adapter, head=head, chat_template=CHAT_TEMPLATE)


def _sft(model: Any, tokenizer: Any, track: str, demos: DemoSet, config: TaxiTrainConfig,
         say: Callable[[str], None]) -> tuple[float, list[dict[str, float]]]:
    """Trains one track's adapters; (seconds, metrics every 25 steps)."""
    noted = track != "plain"
    examples = [(o, n if noted else "", labels, a) for o, n, labels, a in demos.policy_examples()]
    reflector = [(o, n) for o, _kind, n in demos.reflector_examples()] if noted else []
    trainer = SFTTrainer(model, tokenizer, taxi_policy(model, tokenizer, f"policy-{track}", config.head), examples,
                         reflector, config.sft, seed=config.seed, policy_adapter=f"policy-{track}",
                         reflector_adapter=f"reflector-{track}", prompt=taxi_prompt, prefix=taxi_prefix)
    seconds, history = 0.0, []
    for step in range(config.sft.steps):
        metrics = trainer.step()
        seconds += metrics["sft/seconds"]
        if (step + 1) % 25 == 0 or step + 1 == config.sft.steps:
            history.append({"step": step + 1, **metrics})
            losses = ", ".join(f"{k.split('/')[1]} {v:.3f}" for k, v in metrics.items() if k.endswith("loss"))
            say(f"sft {track} step {step + 1}/{config.sft.steps}: {losses} ({seconds:.0f}s)")
    return seconds, history


def _rl(model: Any, policy: LMPolicy, reflector: Any, adapter: str, curriculum: bool, config: TaxiTrainConfig,
        say: Callable[[str], None]) -> list[dict[str, float]]:
    envs = [DangerousTaxiEnv(config.env) for _ in range(config.rl.episodes_per_update)]
    schedule = TaxiCurriculum(config.promote_at, start="pickup" if curriculum else "full")
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


def _snapshot(model: Any, adapter: str) -> list[torch.Tensor]:
    return [p.detach().clone() for p in adapter_params(model, adapter)]


def _restore(model: Any, adapter: str, weights: Sequence[torch.Tensor]) -> None:
    with torch.no_grad():
        for p, w in zip(adapter_params(model, adapter), weights):
            p.copy_(w)


def train_taxi(config: TaxiTrainConfig | None = None, say: Callable[[str], None] = lambda _m: None) -> TaxiResult:
    """The DangerousTaxi ablation (:data:`VARIANTS`), each row on the same held-out start states.

    SFT tracks are trained once and shared; a variant that runs RL starts from its track's
    SFT weights (restored after it), so "Reflect-RL" and "without curriculum" begin alike.
    A variant's ``train_seconds`` is its track's SFT time plus its own RL time.
    """
    from ..agent.reflector import LoRAReflector

    config = config or TaxiTrainConfig()
    unknown = [v for v in config.variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown DangerousTaxi variants {unknown}; choose from {list(VARIANTS)}")
    torch.manual_seed(config.seed)
    result = TaxiResult(config=asdict(config))
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        result.seconds[name] = round(time.perf_counter() - clock, 1)
        clock = time.perf_counter()

    def measure(variant: str, policy: Any, reflector: Any, train_s: float) -> None:
        row: dict[str, Any] = {"variant": variant, "train_seconds": round(train_s, 3)}
        started = time.perf_counter()
        for stage in STAGES:
            row.update(evaluate_taxi(policy, starts, stage, reflector=reflector, env_config=config.env))
        row["eval_seconds"] = round(time.perf_counter() - started, 1)
        result.rows.append(row)
        say(f"{variant}: pickup {row['eval/pickup/success']:.0%}, delivery {row['eval/full/success']:.0%} "
            f"({row['eval_seconds']:.0f}s to evaluate)")
        lap(f"eval {variant}")

    starts = held_out_starts(config.eval_episodes, config.seed)
    demos = build_taxi_demos(config.demos, config.env, config.seed, exclude=starts)
    result.demo_stats = demos.stats()
    if "random" in config.variants:
        measure("random", RandomPolicy(config.seed), None, 0.0)
    if not any(v in PLAN for v in config.variants):
        return result
    model, tokenizer = _adapters(config)
    lap("load")
    sft_seconds: dict[str | None, float] = {None: 0.0}
    snapshots: dict[str, list[torch.Tensor]] = {}
    for track in _tracks(config.variants):
        data = demos if track != "reflect-nn" else DemoSet([d for d in demos.demos if not d.negative])
        sft_seconds[track], result.sft_metrics[track] = _sft(model, tokenizer, track, data, config, say)
        snapshots[track] = _snapshot(model, f"policy-{track}")
        if track != "plain":
            for p in adapter_params(model, f"reflector-{track}"):
                p.requires_grad_(False)  # frozen from here on, as in the paper
        lap(f"sft {track}")
    for variant in (v for v in VARIANTS if v in config.variants and v in PLAN):
        plan = PLAN[variant]
        adapter = f"policy-{plan.sft or 'scratch'}"
        policy = taxi_policy(model, tokenizer, adapter, config.head)
        reflector = (LoRAReflector(model, tokenizer, f"reflector-{plan.sft}", max_new_tokens=config.rl.reflection_tokens)
                     if plan.reflects else None)
        rl_s = 0.0
        if plan.rl:
            started = time.perf_counter()
            result.rl_metrics[variant] = _rl(model, policy, reflector, adapter, plan.curriculum, config, say)
            rl_s = time.perf_counter() - started
            lap(f"rl {variant}")
        measure(variant, policy, reflector, sft_seconds[plan.sft] + rl_s)
        if plan.rl and plan.sft is not None:
            _restore(model, adapter, snapshots[plan.sft])
    return result
