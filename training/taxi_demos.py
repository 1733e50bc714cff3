"""DangerousTaxi demonstrations: an optimal solver, a rule teacher, perturbed walks.

What :func:`~explore.training.taxi.train_taxi` learns from, as :mod:`.demos` is for
repositories:

* an optimal solver: breadth-first distances to the stage's goal over Taxi-v3's 500
  states, dangerous (state-preserving) actions excluded, so its walks are also safe;
* a rule teacher that argues from what the observation shows (where the taxi, the
  passenger and the destination are, the last move) and names a direction, never a label;
* perturbed demonstrations as in :mod:`.demos`: one safe wrong move, a *wrong choice*
  note, the recovery, then the optimal walk from there.

The evaluation's start states (:func:`held_out_starts`) are drawn here too, so the
demonstrations can leave them out.
"""
from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..agent.taxi import (ACTIONS, MOVES, STAGES, DangerousTaxiEnv, TaxiConfig, cell, check_stage, dangerous,
                          decode, location, start_states, transition)
from .demos import Demo, DemoError, DemoSet, DemoStep

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
