"""Online RL of the policy's LoRA adapter: one readable loop, cleanrl style.

Each update plays ``episodes_per_update`` fresh episodes in lockstep (one batched forward
pass per step across every running episode), the frozen reflector writing a note for each
state and the policy *sampling* a label. Then one policy-gradient update:

* ``reinforce`` (default): advantage = return-to-go minus a moving-average baseline (the
  paper found PPO unstable on this task; REINFORCE with a baseline is the simplest
  estimator that works), scaled by the batch's return std;
* ``ppo``: the clipped surrogate over a few epochs of minibatches, as an option.

Plus an entropy bonus, gradient clipping, and only the LoRA parameters trained.

Data parallel: under ``torchrun --nproc-per-node N`` (the launcher ``accelerate launch
--multi_gpu`` runs; on CPU, accelerate itself needs MPI for several processes) each
process plays its own episodes (seeds differ by rank)
and the gradients are averaged across processes before clipping, so every process takes
the same step and the adapters stay identical. One process is the plain loop.

The loop knows nothing about repositories: any Gymnasium environment whose observation
is the prompt text and whose ``info["labels"]`` lists the valid labels works (the action
is the chosen label's index). ``prompt(obs, note)`` turns an observation and a note into
the policy's prompt; ``prefix(obs)`` names the part of it fixed for an episode, which
the policy may serve from its key/value cache.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..agent.prompt import policy_prefix, policy_prompt
from ..sandbox.errors import ExploreError
from .config import RLConfig
from .curriculum import Schedule

PromptFn = Callable[[str, str], str]
PrefixFn = Callable[[str], "str | None"]


def world(device: torch.device | None = None) -> tuple[int, int]:
    """(rank, number of processes): from ``torch.distributed`` when a launcher started
    several (``torchrun`` sets the environment; the group is joined here: NCCL where the
    gradients are on a GPU, ``device``, else gloo)."""
    import torch.distributed as dist

    if not dist.is_available():
        return 0, 1
    if not dist.is_initialized():
        import os

        if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
            return 0, 1
        dist.init_process_group("nccl" if device is not None and device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def average_gradients(params: Sequence[torch.nn.Parameter], size: int) -> None:
    """All-reduce (mean) the gradients of ``params`` across ``size`` processes, in one buffer."""
    if size <= 1:
        return
    import torch.distributed as dist

    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= size
    offset = 0
    for p, g in zip(params, grads):
        n = g.numel()
        p.grad = flat[offset:offset + n].view_as(p).clone()
        offset += n


class RLError(ExploreError):
    """RL cannot run as configured (unknown algorithm, no trainable parameters, ...)."""


@dataclass
class Episode:
    """One played episode: what the policy saw and chose, and what it got."""

    prompts: list[str] = field(default_factory=list)
    labels: list[list[str]] = field(default_factory=list)
    prefixes: list[str | None] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    entropies: list[float] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    """What each chosen label stood for (``info["actions"]`` when the env gives it)."""
    success: bool = False
    task_id: str | None = None

    @property
    def ret(self) -> float:
        return float(sum(self.rewards))

    @property
    def steps(self) -> int:
        return len(self.actions)


def returns_to_go(rewards: Sequence[float], gamma: float) -> list[float]:
    out, running = [0.0] * len(rewards), 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def rollout(
    envs: Sequence[Any],
    policy: Any,
    options: Sequence[dict[str, Any] | None],
    seeds: Sequence[int],
    *,
    reflector: Any = None,
    greedy: bool = False,
    generator: torch.Generator | None = None,
    prompt: PromptFn = policy_prompt,
    prefix: PrefixFn | None = policy_prefix,
    played: Callable[[int, int], None] | None = None,
) -> list[Episode]:
    """Play one episode per (options, seed) in waves of ``len(envs)``, decisions batched;
    ``played(done, total)`` hears after each wave.

    Reflections are cached per observation within the call: a greedy frozen reflector
    gives the same note for the same state, and episodes often revisit states.
    """
    notes_cache: dict[str, str] = {}
    episodes: list[Episode] = []
    for start in range(0, len(options), len(envs)):
        wave = list(zip(envs, options[start:start + len(envs)], seeds[start:start + len(envs)]))
        eps = [Episode() for _ in wave]
        obs: list[str] = []
        infos: list[dict[str, Any]] = []
        for (env, opts, seed), ep in zip(wave, eps):
            o, info = env.reset(seed=int(seed), options=opts)
            task = (opts or {}).get("task")
            ep.task_id = getattr(task, "id", None) if task is not None else info.get("task_id")
            obs.append(o)
            infos.append(info)
        running = [bool(info.get("labels")) for info in infos]
        while any(running):
            idx = [i for i, r in enumerate(running) if r]
            missing = [obs[i] for i in idx if obs[i] not in notes_cache]
            if missing:
                unique = list(dict.fromkeys(missing))
                written = reflector.reflect(unique, kind="analyze") if reflector is not None else [""] * len(unique)
                notes_cache.update(zip(unique, written))
            notes = [notes_cache[obs[i]] for i in idx]
            prompts = [prompt(obs[i], n) for i, n in zip(idx, notes)]
            labels = [list(infos[i]["labels"]) for i in idx]
            prefixes = [prefix(obs[i]) if prefix else None for i in idx]
            decisions = policy.decide(prompts, labels, greedy=greedy, generator=generator, prefix=prefixes)
            for i, p, labs, pre, note, d in zip(idx, prompts, labels, prefixes, notes, decisions):
                ep = eps[i]
                ep.prompts.append(p)
                ep.labels.append(labs)
                ep.prefixes.append(pre)
                ep.notes.append(note)
                ep.actions.append(int(d.index))
                ep.texts.append(str((infos[i].get("actions") or labs)[d.index]))
                ep.logprobs.append(float(d.logprob))
                ep.entropies.append(float(d.entropy))
                o, reward, terminated, truncated, info = wave[i][0].step(int(d.index))
                ep.rewards.append(float(reward))
                obs[i], infos[i] = o, info
                if terminated or truncated or not info.get("labels"):
                    ep.success = bool(info.get("success", False))
                    running[i] = False
        episodes += eps
        if played is not None:
            played(len(episodes), len(options))
    return episodes


def summarize(episodes: Sequence[Episode], prefix: str = "train") -> dict[str, float]:
    """Success rate, mean return and mean steps of a batch of episodes."""
    if not episodes:
        return {f"{prefix}/success": 0.0, f"{prefix}/return": 0.0, f"{prefix}/steps": 0.0}
    return {
        f"{prefix}/success": float(np.mean([e.success for e in episodes])),
        f"{prefix}/return": float(np.mean([e.ret for e in episodes])),
        f"{prefix}/steps": float(np.mean([e.steps for e in episodes])),
    }


class RLTrainer:
    """REINFORCE-with-baseline (or PPO-clip) on a label policy; one :meth:`step` per update."""

    def __init__(
        self,
        policy: Any,
        envs: Sequence[Any],
        config: RLConfig | None = None,
        *,
        reflector: Any = None,
        schedule: Schedule | None = None,
        params: Sequence[torch.nn.Parameter] | None = None,
        prompt: PromptFn = policy_prompt,
        prefix: PrefixFn | None = policy_prefix,
        seed: int = 0,
    ) -> None:
        self.config = config or RLConfig()
        if self.config.algo not in ("reinforce", "ppo"):
            raise RLError(f"unknown RL algorithm {self.config.algo!r}; use 'reinforce' or 'ppo'")
        if not envs:
            raise RLError("RL needs at least one environment")
        self.policy, self.envs = policy, list(envs)
        self.reflector, self.schedule = reflector, schedule
        self.prompt, self.prefix = prompt, prefix
        self.params = list(params) if params is not None else [p for p in policy.model.parameters() if p.requires_grad]
        if not self.params:
            raise RLError("no trainable parameters: attach a trainable LoRA adapter to the policy first")
        self.optimizer = torch.optim.Adam(self.params, lr=self.config.lr)
        self.rank, self.size = world(self.params[0].device)
        if self.size > 1 and self.config.algo != "reinforce":
            raise RLError("several processes need algo='reinforce' (PPO's minibatch count differs between "
                          "processes, so their gradient exchanges would not line up)")
        self.rng = np.random.default_rng(seed if self.size == 1 else [seed, self.rank])
        self.generator = torch.Generator().manual_seed(seed + 7919 * self.rank)
        self.baseline: float | None = None
        self.updates = 0

    # -- one update ----------------------------------------------------------------------
    def step(self) -> dict[str, float]:
        """Collect a batch of episodes, update the policy once, return the update's metrics."""
        started = time.perf_counter()
        cfg = self.config
        if self.schedule is not None:
            self.schedule.configure(self.envs)
        n = cfg.episodes_per_update
        seeds = [int(s) for s in self.rng.integers(0, 2**31 - 1, size=n)]
        options = [self.schedule.reset_options(self.rng) if self.schedule else None for _ in range(n)]
        episodes = rollout(self.envs, self.policy, options, seeds, reflector=self.reflector, greedy=False,
                           generator=self.generator, prompt=self.prompt, prefix=self.prefix)
        rollout_s = time.perf_counter() - started
        metrics = summarize(episodes)
        metrics.update(self._update(episodes))
        if self.schedule is not None:
            metrics.update(self.schedule.observe([e.success for e in episodes]))
        self.updates += 1
        metrics["train/rollout_seconds"] = rollout_s
        metrics["train/seconds"] = time.perf_counter() - started
        return metrics

    def _update(self, episodes: Sequence[Episode]) -> dict[str, float]:
        cfg = self.config
        prompts = [p for e in episodes for p in e.prompts]
        labels = [lab for e in episodes for lab in e.labels]
        prefixes = [p for e in episodes for p in e.prefixes]
        actions = [a for e in episodes for a in e.actions]
        old = torch.tensor([lp for e in episodes for lp in e.logprobs], dtype=torch.float32)
        returns = torch.tensor([g for e in episodes for g in returns_to_go(e.rewards, cfg.gamma)], dtype=torch.float32)
        total = len(actions)
        if total == 0:
            return {"train/loss": 0.0, "train/entropy": 0.0, "train/grad_norm": 0.0,
                    "train/baseline": self.baseline or 0.0}
        baseline = float(returns.mean()) if self.baseline is None else self.baseline
        adv = returns - baseline
        if cfg.scale_advantages and total > 1:
            adv = adv / returns.std().clamp(min=0.1)  # a floor: all-fail batches must not blow up
        self.baseline = float(cfg.baseline_decay * baseline + (1 - cfg.baseline_decay) * float(returns.mean()))
        mb = max(1, cfg.minibatch_size)
        losses, entropies, norms = [], [], []

        def batch_terms(ix: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
            parts = [self.policy.logprobs([prompts[i] for i in group], [labels[i] for i in group],
                                          [actions[i] for i in group], prefix=[prefixes[i] for i in group])
                     for group in same_width(ix, labels)]
            order = [i for group in same_width(ix, labels) for i in group]
            back = torch.tensor([order.index(i) for i in ix])
            return torch.cat([p[0] for p in parts])[back], torch.cat([p[1] for p in parts])[back]

        if cfg.algo == "reinforce":
            self.optimizer.zero_grad(set_to_none=True)
            loss_sum = 0.0
            for ix in [c for g in same_width(range(total), labels) for c in _chunks(g, mb)]:
                logp, ent = batch_terms(ix)
                loss = (-(adv[ix] * logp).sum() - cfg.ent_coef * ent.sum()) / total
                loss.backward()
                loss_sum += float(loss.detach())
                entropies.append(float(ent.detach().mean()) * len(ix) / total)
            average_gradients(self.params, self.size)
            norms.append(float(torch.nn.utils.clip_grad_norm_(self.params, cfg.max_grad_norm)))
            self.optimizer.step()
            losses.append(loss_sum)
            entropy = float(sum(entropies))
        else:
            perm_gen = torch.Generator().manual_seed(int(self.rng.integers(2**31 - 1)))
            for _ in range(cfg.ppo_epochs):
                order = torch.randperm(total, generator=perm_gen).tolist()
                for s in range(0, total, mb):
                    ix = order[s:s + mb]
                    logp, ent = batch_terms(ix)
                    ratio = torch.exp(logp - old[ix])
                    a = adv[ix]
                    surrogate = torch.min(ratio * a, torch.clamp(ratio, 1 - cfg.ppo_clip, 1 + cfg.ppo_clip) * a)
                    loss = -surrogate.mean() - cfg.ent_coef * ent.mean()
                    self.optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    average_gradients(self.params, self.size)
                    norms.append(float(torch.nn.utils.clip_grad_norm_(self.params, cfg.max_grad_norm)))
                    self.optimizer.step()
                    losses.append(float(loss.detach()))
                    entropies.append(float(ent.detach().mean()))
            entropy = float(np.mean(entropies))
        return {"train/loss": float(np.mean(losses)), "train/entropy": entropy,
                "train/grad_norm": float(np.mean(norms)), "train/baseline": self.baseline,
                "train/decisions": float(total)}

    # -- checkpointing -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: weights, optimizer, baseline, RNGs, schedule."""
        names = {id(p): n for n, p in self.policy.model.named_parameters()}
        return {
            "updates": self.updates,
            "baseline": self.baseline,
            "weights": {names[id(p)]: p.detach().clone() for p in self.params},
            "optimizer": _clone(self.optimizer.state_dict()),
            "rng": self.rng.bit_generator.state,
            "generator": self.generator.get_state(),
            "schedule": self.schedule.state_dict() if self.schedule is not None else {},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        params = dict(self.policy.model.named_parameters())
        with torch.no_grad():
            for name, value in state["weights"].items():
                params[name].copy_(value)
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])
        self.baseline = None if state["baseline"] is None else float(state["baseline"])
        self.rng.bit_generator.state = state["rng"]
        self.generator.set_state(state["generator"])
        if self.schedule is not None:
            self.schedule.load_state_dict(state["schedule"])


def same_width(ix: Sequence[int], labels: Sequence[Sequence[str]]) -> list[list[int]]:
    """Indices grouped by how many labels each decision had (first-seen order kept).

    A batch mixing label counts pads the shorter rows with -inf; an earlier
    ``LMPolicy.logprobs`` back-propagated NaN through that padding (0 * -inf in the entropy).
    It is fixed there now; equal widths keep updates safe with any policy that pads naively.
    """
    groups: dict[int, list[int]] = {}
    for i in ix:
        groups.setdefault(len(labels[i]), []).append(i)
    return list(groups.values())


def _chunks(ix: Sequence[int], size: int) -> list[list[int]]:
    return [list(ix[s:s + size]) for s in range(0, len(ix), size)]


def _clone(value: Any) -> Any:
    """A deep copy of a (nested) optimizer state that shares no tensor with the live one."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    return value


def evaluate(envs: Sequence[Any], policy: Any, tasks: Sequence[Any], *, reflector: Any = None, seed: int = 0,
             prompt: PromptFn = policy_prompt, prefix: PrefixFn | None = policy_prefix,
             episodes: list[Episode] | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, float]:
    """Greedy success, return and steps over ``tasks`` (one episode each, fixed seeds);
    ``progress(done, total)`` hears after each wave of episodes.

    Pass a list as ``episodes`` to get the played episodes back (for inspection).
    """
    if not tasks:
        return {}
    seeds = [seed + i for i in range(len(tasks))]
    played = rollout(envs, policy, [{"task": t} for t in tasks], seeds, reflector=reflector, greedy=True,
                     prompt=prompt, prefix=prefix, played=progress)
    if episodes is not None:
        episodes.extend(played)
    return summarize(played, "eval")
