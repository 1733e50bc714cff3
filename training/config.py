"""Configuration of `explore train`: one dataclass per stage, every field documented.

cleanrl style: the config is plain data, printed into ``run.json`` at the start of a run,
so a result can always be traced back to the exact settings that produced it, and
``--resume`` can refuse to continue a run under different settings.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..agent.env import EnvConfig, navigator_config
from ..sandbox.errors import ExploreError


class ConfigError(ExploreError):
    """Saved settings that do not fit :class:`TrainConfig` (a hand-edited ``run.json``)."""


@dataclass
class DemoConfig:
    """Demonstrations: oracle walks, some perturbed with a wrong move and a recovery."""

    negative_ratio: float = 0.3
    """Share of demonstrations that are negative (wrong move, wrong-choice reflection, recovery)."""
    max_tasks: int | None = 400
    """At most this many training tasks become demonstrations (None: all)."""
    distractor_scent: bool = True
    """Pick wrong moves weighted by scent: plausible mistakes teach more than random ones."""
    source_share: dict[str, float] = field(default_factory=dict)
    """When ``max_tasks`` cuts the pool: the share of it reserved for a question source
    (e.g. ``{"config": 0.25}``; as many as there are when fewer), the rest drawn uniformly.
    Empty: one uniform draw (the shipped navigator's recipe reserves ``{"config": 0.25}``)."""


@dataclass
class SFTConfig:
    """Supervised warm-up of the reflector (state -> note) and policy (state + note -> label)."""

    steps: int = 200
    """Optimizer steps; each step trains the reflector and the policy on one batch each."""
    batch_size: int = 4
    """Examples per adapter per step."""
    micro_batch: int = 2
    """Examples per forward/backward; gradients accumulate up to ``batch_size`` (memory is
    one micro-batch's: about 1 GB per 1,000-token example on SmolLM2-135M, fp32)."""
    lr: float = 5e-4
    """AdamW learning rate for the LoRA parameters."""
    weight_decay: float = 0.0
    """AdamW weight decay (LoRA matrices are small; decay mostly slows them down)."""
    max_grad_norm: float = 1.0
    """Gradient clipping (global norm over the trained adapters)."""
    lora_r: int = 8
    """LoRA rank of both adapters."""
    lora_alpha: int = 16
    """LoRA scaling numerator (scale = alpha / r)."""
    lora_layers: int | None = 8
    """Adapt only the top N transformer blocks (None: all). The backward pass stops at the
    lowest adapted block: on SmolLM2-135M (30 blocks) an SFT step with 8 costs about half."""
    note_dropout: float = 0.25
    """Share of policy examples shown without their note: the policy must also read the
    state itself, and copes when the reflector's note is weak (or absent)."""
    max_tokens: int = 2048
    """Longest reflector example (prompt + note); longer prompts lose their start."""
    bf16: bool | None = None
    """bf16 autocast: None = on for models above 50M parameters when the CPU has native bf16
    (AVX512-BF16/AMX; emulated bf16 on an AVX2-only CPU measured 6x slower than fp32), and off
    on a GPU (on an H200 the SFT loss went NaN at step 23 under it: :func:`~.sft.use_bf16`)."""
    checkpoint_every: int = 25
    """Write a checkpoint every this many steps (and always at the end and on Ctrl-C)."""
    trunk_cache_mb: float = 4096
    """Keep each policy prompt's (and reflector row's) hidden states below the lowest LoRA
    block (up to this many MB per adapter; 0: off), so a later pass over it runs only the
    adapted blocks. With ``lora_layers`` 8 of SmolLM2's 30 blocks, a step over examples seen
    before costs about half."""


@dataclass
class RLConfig:
    """Online RL of the policy adapter against the environment; the reflector stays frozen."""

    updates: int = 40
    """Policy updates; each collects ``episodes_per_update`` fresh episodes."""
    episodes_per_update: int = 8
    """Episodes played in lockstep per update (one batched forward pass per step)."""
    algo: str = "reinforce"
    """``reinforce`` (moving-average baseline; the paper found PPO unstable) or ``ppo`` (clipped)."""
    lr: float = 1e-4
    """Adam learning rate for the policy's LoRA parameters."""
    gamma: float = 1.0
    """Discount of rewards-to-go (episodes are short; 1.0 is the paper's setting)."""
    baseline_decay: float = 0.9
    """Moving-average baseline: b <- decay * b + (1 - decay) * mean return-to-go."""
    scale_advantages: bool = True
    """Divide advantages by the batch's return std (keeps the step size sane across rewards)."""
    ent_coef: float = 0.01
    """Entropy bonus weight: keeps the policy exploring early on."""
    max_grad_norm: float = 1.0
    """Gradient clipping on the policy's LoRA parameters."""
    minibatch_size: int = 4
    """Decisions per forward/backward in the update (memory bound, not the batch size)."""
    ppo_epochs: int = 2
    """PPO only: passes over the batch."""
    ppo_clip: float = 0.2
    """PPO only: ratio clip range."""
    reflection_tokens: int = 60
    """Most tokens the frozen reflector writes per state (teacher notes fit well within)."""
    bf16: bool | None = None
    """bf16 autocast for decisions and updates; None = as :attr:`SFTConfig.bf16`."""
    checkpoint_every: int = 5
    """Write a checkpoint every this many updates (and always at the end and on Ctrl-C)."""


@dataclass
class CurriculumConfig:
    """Depth curriculum: shallow targets first, deeper ones when the policy is ready."""

    levels: tuple[int, ...] = (1, 2, 3)
    """Target depths that end a level: level 0 has depth <= 1, level 1 depth <= 2, ...; a last
    level with every depth is added automatically."""
    threshold: float = 0.5
    """Promote when the recent success rate reaches this."""
    window: int = 3
    """Updates the recent success rate is averaged over."""
    min_updates: int = 2
    """Updates spent at a level before promotion is considered."""
    new_share: float = 0.5
    """Share of episodes drawn from the newest depth band (the rest: every unlocked task)."""
    milestones_off_after: int = 5
    """Switch milestone rewards off after this many updates at the last level (-1: never)."""


@dataclass
class TrainConfig:
    """The whole `explore train` run."""

    model: str = "smollm2-135m"
    """Base model spec for :func:`explore.agent.models.resolve_model`."""
    seed: int = 0
    """Seeds tasks, demonstrations, SFT order, rollouts: the same seed gives the same run."""
    reflection: bool = True
    """Train and use a reflector (False: the no-reflection ablation)."""
    curriculum: bool = True
    """Depth curriculum (False: uniform over all training tasks, milestones kept on)."""
    head: str = "line"
    """How the policy scores the listed actions: ``line`` (at the end of each action's line)
    or ``label`` (the label tokens after the prompt; the paper's). A run that starts from
    trained adapters (``--from``, the shipped navigator) takes the head they were trained with."""
    retriever: bool = True
    """First fit the candidate stage to the repository's own history (a time split: the
    newest commits held out), kept only when fits on the training commits do not lose on
    the ones each left out (the held-out commits score it, never decide it)."""
    budget: float | None = None
    """Wall-clock seconds for the run (None: no limit). Today it bounds the candidate
    stage's fit (the held-out commits first, then as many older ones as fit, newest first);
    SFT and RL keep the length their own options give them."""
    device: str = "auto"
    """Where the policy trains: ``auto`` (the first GPU torch sees, else the CPU), ``cpu``,
    ``cuda`` or ``cuda:N``. Under ``torchrun`` on GPUs each process takes the GPU of its
    ``LOCAL_RANK``. A run may resume on another device."""
    from_scratch: bool = False
    """Start from fresh adapters even when the shipped navigator fits this run (the recipe
    that trains the navigator itself sets it)."""
    max_tasks: int = 300
    """Tasks generated when no tasks file is given."""
    eval_tasks: int = 20
    """Held-out (test split) tasks evaluated greedily before SFT, after SFT and after RL (0: skip)."""
    env: EnvConfig = field(default_factory=navigator_config)
    """Environment for demonstrations and RL (evaluation uses it without shuffling or leave-out,
    as `explore ask` does). Labels keep a fixed order by default, unlike the paper: the first
    reads offered are BM25's candidates, best first, and that order is information (with
    shuffled labels SFT on the corpus started at loss 3.4 and was at 2.7 after 10 steps;
    in order, 2.7 and then 1.5)."""
    demos: DemoConfig = field(default_factory=DemoConfig)
    sft: SFTConfig = field(default_factory=SFTConfig)
    rl: RLConfig = field(default_factory=RLConfig)
    schedule: CurriculumConfig = field(default_factory=CurriculumConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, source: str | None = None) -> "TrainConfig":
        """Inverse of :meth:`to_dict`, checked field by field against the dataclasses' own
        type hints (pydantic); unknown keys are ignored (older runs stay readable). A value
        of the wrong type raises :class:`ConfigError` naming each field (and ``source``,
        the file it came from)."""
        try:
            return TypeAdapter(cls).validate_python(data)
        except ValidationError as exc:
            problems = [f"{'.'.join(['config', *map(str, e['loc'])])}: {e['msg'][0].lower()}{e['msg'][1:]} "
                        f"(got {e.get('input')!r})" for e in exc.errors()]
            more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
            raise ConfigError(f"{source + ': ' if source else ''}{'; '.join(problems[:3])}{more}") from None


def comparable(config: Any) -> dict[str, Any]:
    """The settings that must match for ``--resume`` (lengths of stages may grow, and how
    often to checkpoint or how much memory the trunk cache takes may change)."""
    data = asdict(config) if is_dataclass(config) else dict(config)
    data = {k: v for k, v in data.items()}
    free = (("sft", "steps"), ("sft", "checkpoint_every"), ("sft", "trunk_cache_mb"), ("rl", "updates"),
                  ("rl", "checkpoint_every"))
    for stage, key in free:
        data[stage] = {k: v for k, v in data[stage].items() if k != key}
    if not data.get("demos", {}).get("source_share"):
        data.get("demos", {}).pop("source_share", None)  # runs from before the option resume as before
    data.pop("eval_tasks", None)
    data.pop("budget", None)  # a resumed run may be given more (or less) time
    data.pop("device", None)  # and may move between the CPU and a GPU
    data.pop("from_scratch", None)  # where a run started is kept in run.json's "from"
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
