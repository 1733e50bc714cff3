"""`DangerousTaxiEnv`: Gymnasium's Taxi-v3 as a text environment, the paper's second task.

Reflect-RL tests its trainer on *DangerousTaxi*: Taxi-v3 where any action that leaves the
state unchanged (driving into a wall or the grid's edge, a pickup or dropoff in the wrong
place) ends the episode with -10. Careless exploration is fatal, so a policy must learn
where the walls are instead of bumping along them.

The observation is the policy's prompt, kept short because each decision costs time
linear in its length: the task (fixed for the episode, so it can head the KV-cached
prefix), where the taxi and the passenger are and how far the current goal lies in each
direction, the last move, and the six actions under fixed labels (``A. south`` ...
``F. dropoff``, Taxi-v3's own action order). Walls are not described: which moves are
blocked is what the model has to learn.

Two curriculum stages: ``pickup`` (success = the passenger is in the taxi) and ``full``
(success = delivered). Transitions are Taxi-v3's deterministic table (``TaxiEnv.P``), so
an episode is a pure function of its seed and the actions taken.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
from gymnasium import spaces
from gymnasium.envs.toy_text.taxi import TaxiEnv

from .env import LABELS, AnyText

#: Taxi-v3's actions, in its own index order (the label of index i is ``LABELS[i]``).
ACTIONS = ("south", "north", "east", "west", "pickup", "dropoff")
MOVES = {"south": (1, 0), "north": (-1, 0), "east": (0, 1), "west": (0, -1)}
STAGES = ("pickup", "full")
#: Taxi-v3's passenger index meaning "in the taxi".
IN_TAXI = 4

#: Short on purpose: every token of the prompt is paid for at every decision and update.
TAXI_INSTRUCTIONS = (
    "Drive the taxi on a 5x5 grid with walls; cells are (row,col), row 0 north, col 0 west. "
    "Pick one action by its letter. A blocked move ends the episode."
)


@dataclass
class TaxiConfig:
    """Episode settings; rewards follow Taxi-v3 except that danger is final."""

    stage: str = "full"
    """``pickup`` (succeed by picking the passenger up) or ``full`` (by delivering them)."""
    max_steps: int = 24
    """Horizon of the ``full`` stage (the longest optimal delivery is 18 actions)."""
    pickup_max_steps: int = 12
    """Horizon of the ``pickup`` stage (the longest optimal pickup is 9 actions): a looping
    policy must not cost a full-length episode of decisions."""
    step_reward: float = -1.0
    """Every step that neither succeeds nor is dangerous (Taxi-v3's -1)."""
    goal_reward: float = 20.0
    """The stage's goal reached (Taxi-v3's delivery reward)."""
    danger_reward: float = -10.0
    """An action that leaves the state unchanged; the episode ends."""


class TaxiError(ValueError):
    """An unknown stage, or a start state Taxi-v3 never starts from."""


@dataclass(frozen=True)
class TaxiState:
    """A decoded Taxi-v3 state: taxi cell, passenger (a location index or ``IN_TAXI``), destination."""

    row: int
    col: int
    passenger: int
    destination: int

    @property
    def taxi(self) -> tuple[int, int]:
        return (self.row, self.col)

    @property
    def in_taxi(self) -> bool:
        return self.passenger == IN_TAXI


def decode(state: int) -> TaxiState:
    return TaxiState(*(int(v) for v in _TABLE.decode(int(state))))


def encode(s: TaxiState) -> int:
    return int(_TABLE.encode(s.row, s.col, s.passenger, s.destination))


def location(index: int) -> tuple[int, int]:
    """The grid cell of Taxi-v3's pickup/dropoff location ``index`` (R, G, Y, B)."""
    return tuple(_TABLE.locs[index])  # type: ignore[return-value]


def transition(state: int, action: int) -> tuple[int, bool]:
    """(next state, delivered) under Taxi-v3's deterministic rules."""
    _p, nxt, _r, delivered = _TABLE.P[int(state)][int(action)][0]
    return int(nxt), bool(delivered)


def dangerous(state: int, action: int) -> bool:
    """The DangerousTaxi rule: an action that leaves the state as it was."""
    return transition(state, action)[0] == int(state)


def start_states() -> list[int]:
    """Every state Taxi-v3 starts from (passenger waiting somewhere other than the destination)."""
    return [s for s in range(_TABLE.observation_space.n) if _TABLE.initial_state_distrib[s] > 0]


def cell(pos: tuple[int, int]) -> str:
    return f"({pos[0]},{pos[1]})"


def check_stage(stage: str) -> str:
    if stage not in STAGES:
        raise TaxiError(f"unknown DangerousTaxi stage {stage!r}; use one of {list(STAGES)}")
    return stage


def offset(taxi: tuple[int, int], goal: tuple[int, int]) -> str:
    """Where ``goal`` lies from ``taxi`` in moves, walls ignored: ``2 south, 1 west`` or ``here``."""
    rows, cols = goal[0] - taxi[0], goal[1] - taxi[1]
    parts = ([f"{abs(rows)} {'south' if rows > 0 else 'north'}"] if rows else []) + \
            ([f"{abs(cols)} {'east' if cols > 0 else 'west'}"] if cols else [])
    return ", ".join(parts) or "here"


def observation(state: int, stage: str, last: str | None, over: str | None = None) -> str:
    """The text a policy sees; ``over`` replaces the action list once the episode has ended.

    Besides the cells, the line under the task says where the current goal (the waiting
    passenger, else the destination) lies from the taxi, in the actions' own words
    (``2 south, 1 west``; ``here`` on it). Measured (issue #19): with cells alone the policy
    must subtract coordinates spread over the prompt before it can name a direction; a
    tiny model then could not even memorise 32 examples in 300 steps (while it learned the
    same examples to loss 0.004 when a note spelled the move out), and on 3,143 examples its
    held-out step accuracy stayed at the majority-label rate (26%); with the offset line it
    reached 53% (label head) and 66-81% (line head) in the same steps. Walls are still not
    described: which moves are blocked is what the model has to learn.
    """
    s = decode(state)
    task = ("Task: pick up the passenger." if stage == "pickup"
            else f"Task: pick up the passenger and drop them off at {cell(location(s.destination))}.")
    where = (f"Passenger in the taxi; destination {offset(s.taxi, location(s.destination))}." if s.in_taxi
             else f"Passenger waiting at {cell(location(s.passenger))}, {offset(s.taxi, location(s.passenger))}.")
    lines = [task, f"Taxi at {cell(s.taxi)}. {where}", f"Last move: {last or 'none yet'}."]
    if over:
        lines.append(over)
    else:
        lines += ["Actions:", *(f"{LABELS[i]}. {a}" for i, a in enumerate(ACTIONS))]
    return "\n".join(lines)


def taxi_prompt(observation: str, reflection: str = "") -> str:
    """The policy's prompt: instructions, the observation, the note *before* the action list.

    Compact on purpose (about 100 SmolLM2 tokens, used without the chat template, see
    :data:`CHAT_TEMPLATE`), and the note sits above ``Actions:`` so that the ``line`` head,
    which scores each action at the end of its own line, reads it: a note after the
    listing (the repository prompt's place) cannot change a line score in a causal model.
    """
    head, sep, actions = observation.partition("\nActions:\n")
    note = f"\nNote: {reflection.strip()}" if reflection.strip() else ""
    return f"{TAXI_INSTRUCTIONS}\n{head}{note}{sep}{actions}\nBest action:"


def taxi_prefix(observation: str) -> str:
    """The part of :func:`taxi_prompt` fixed for an episode (instructions + task line)."""
    return f"{TAXI_INSTRUCTIONS}\n{observation.split(chr(10), 1)[0]}\n"


#: Taxi prompts are scored as plain text: the chat wrapping (SmolLM2's system line and turn
#: markers) would add ~80 tokens to every decision and every update for nothing the policy
#: needs.
CHAT_TEMPLATE = False


class DangerousTaxiEnv(gym.Env[str, int]):
    """Taxi-v3 in text, where a no-op action is fatal; the action is the label's index.

    ``reset`` options: ``stage`` (``pickup`` or ``full``, default the config's) and
    ``state`` (a Taxi-v3 start state to begin from instead of a seeded draw).
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, config: TaxiConfig | None = None, render_mode: str | None = "ansi") -> None:
        self.config = config or TaxiConfig()
        check_stage(self.config.stage)
        self.render_mode = render_mode
        self.observation_space = AnyText(max_length=1 << 12)
        self.action_space = spaces.Discrete(len(ACTIONS))
        self.state = 0
        self.stage = self.config.stage
        self.steps = 0
        self.last: str | None = None
        self.over: str | None = None
        self._starts = frozenset(start_states())

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        self.stage = check_stage(str(options.get("stage", self.config.stage)))
        start = options.get("state")
        if start is None:
            starts = sorted(self._starts)
            start = starts[int(self.np_random.integers(len(starts)))]
        elif int(start) not in self._starts:
            raise TaxiError(f"state {start} is not a Taxi-v3 start state (passenger waiting, not at destination)")
        self.state, self.steps, self.last, self.over = int(start), 0, None, None
        return self._observation(), self._info(success=False, danger=False)

    def step(self, action: int):
        if self.over is not None:
            raise TaxiError("the episode is over; call reset()")
        action = int(action)
        if not 0 <= action < len(ACTIONS):
            raise TaxiError(f"action {action} is not one of the {len(ACTIONS)} labels")
        cfg = self.config
        self.steps += 1
        nxt, delivered = transition(self.state, action)
        danger = nxt == self.state
        success = not danger and (delivered if self.stage == "full"
                                  else decode(nxt).in_taxi and not decode(self.state).in_taxi)
        self.state, self.last = nxt, ACTIONS[action]
        terminated = danger or success
        horizon = cfg.pickup_max_steps if self.stage == "pickup" else cfg.max_steps
        truncated = not terminated and self.steps >= horizon
        reward = cfg.danger_reward if danger else cfg.goal_reward if success else cfg.step_reward
        if danger:
            self.over = f"Episode over: {ACTIONS[action]} was not possible here."
        elif success:
            self.over = f"Episode over: passenger {'picked up' if self.stage == 'pickup' else 'delivered'}."
        elif truncated:
            self.over = "Episode over: out of time."
        return self._observation(), float(reward), terminated, truncated, self._info(success=success, danger=danger)

    def render(self) -> str:
        return self._observation()

    def _observation(self) -> str:
        return observation(self.state, self.stage, self.last, self.over)

    def _info(self, success: bool, danger: bool) -> dict[str, Any]:
        live = self.over is None
        return {
            "labels": [LABELS[i] for i in range(len(ACTIONS))] if live else [],
            "actions": list(ACTIONS) if live else [],
            "success": success,
            "dangerous": danger,
            "state": self.state,
            "stage": self.stage,
            "steps": self.steps,
        }


#: One Taxi-v3 instance holds the (deterministic, read-only) transition table for everyone.
_TABLE = TaxiEnv()
