"""`RepoExploreEnv`: the paper's AutoExplore MDP as a Gymnasium environment over a repo.

Each episode is one :class:`~explore.agent.task.Task`. The observation is text: the
question, where the agent is, what it did, the result of its last action, and every valid
action with a label (``A. cd sandbox/``, ``B. read env.py``, ``C. answer env.py``). The
action is the label's index — the paper's *single-prompt action enumeration*: a policy
picks one label token, so it can never emit an invalid command, and one forward pass per
step is enough.

The settings live in :mod:`.env_config`, the files offered from anywhere in
:mod:`.offer`, and the notes on a file's line in :mod:`.features`; the public names of
the first two are re-exported here.

Design choices (see README):
* ``answer F`` is offered for files read in this episode (most recent first): an answer is
  always backed by evidence, and reading two candidates then answering the better one is
  a legal move.
* ``ls`` is implicit: the observation always shows the current folder's actions.
* listings over ``max_actions`` keep the entries with the strongest scent (or the first by
  name without scent), and say how many are hidden.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from ..retrieval.evidence import evidence_start
from ..retrieval.retriever import RetrieverConfig
from ..sandbox.index import Index
from ..sandbox.snapshot import Repository, Snapshot
from ..tools.workspace import READ_WINDOW, Workspace, human_size, scent_digit, show_dir, shown
from .env_config import LABELS, OFFERS, EnvConfig, EnvConfigError, Rewards, navigator_config
from .features import FileFeatures
from .offer import OFFER_DEPTH, Offer, hybrid_offer
from .prompt import clip_question
from .task import Task

#: Re-exported: the settings (:mod:`.env_config`) and the offer (:mod:`.offer`) are
#: imported from here by callers that predate those modules.
__all__ = ["LABELS", "OFFERS", "OFFER_DEPTH", "Action", "AnyText", "EnvConfig", "EnvConfigError",
           "RepoExploreEnv", "Rewards", "hybrid_offer", "navigator_config"]


class AnyText(spaces.Text):
    """A Text space that accepts any string up to ``max_length`` (file names are arbitrary)."""

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and len(x) <= self.max_length


@dataclass(frozen=True)
class Action:
    """A valid action in a state. ``arg`` is repo-relative (or ``..``)."""

    kind: str  # "cd" | "read" | "answer"
    arg: str
    text: str  # as shown, e.g. "cd sandbox/"


class RepoExploreEnv(gym.Env[str, int]):
    """Walk a repository to find the file that answers a question."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        source: Repository | Snapshot,
        tasks: Sequence[Task],
        config: EnvConfig | None = None,
        render_mode: str | None = "ansi",
        retriever: RetrieverConfig | None = None,
    ) -> None:
        self.retriever = retriever
        """How the ``retrieve`` offer ranks (a repository's own fitted combiner); None: the shipped one."""
        self.config = config or EnvConfig()
        self.config.validate()  # again: a config's fields may have changed since it was made
        if not tasks:
            raise ValueError("RepoExploreEnv needs at least one task")
        self.tasks = list(tasks)
        self.source = source
        self.render_mode = render_mode
        self.observation_space = AnyText(max_length=1 << 16)
        self.action_space = spaces.Discrete(self.config.max_actions)
        self._pool: dict[str | None, tuple[Snapshot, Index]] = {}
        self.task: Task | None = None
        self.ws: Workspace | None = None
        self.actions: list[Action] = []
        self.history: list[str] = []
        self.last_result = ""
        self.steps = 0
        self.max_steps = self.config.max_steps
        self._milestones: set[str] = set()
        self.hidden = 0
        self._features = FileFeatures()
        """Files' kinds and what of them the question names (kept across episodes)."""
        self._offer: Offer | None = None

    # -- snapshots ---------------------------------------------------------------------
    def indexed(self, rev: str | None = None) -> tuple[Snapshot, Index]:
        """The snapshot of ``rev`` (None: the source's) and its index, made once and kept."""
        if rev not in self._pool:
            snap = self.source if isinstance(self.source, Snapshot) else self.source.snapshot(rev)
            self._pool[rev] = (snap, Index.build(snap))
        return self._pool[rev]

    def workspace_for(self, task: Task) -> Workspace:
        """A fresh workspace on the snapshot of ``task.rev`` (snapshots and indexes cached)."""
        snap, index = self.indexed(task.rev)
        return Workspace(snap, index if self.config.scent else None, question=task.question)

    # -- gymnasium API -----------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode. ``options``: ``task`` (else one is drawn) and ``max_steps``, this
        episode's horizon (else ``config.max_steps``): one caller's horizon must not become
        every later episode's, as writing it into a shared config would."""
        super().reset(seed=seed)
        options = options or {}
        horizon = options.get("max_steps")
        if horizon is not None and int(horizon) < 1:
            raise ValueError(f"max_steps must be at least 1, not {horizon}")
        self.max_steps = self.config.max_steps if horizon is None else int(horizon)
        task = options.get("task")
        if task is None:
            task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        self.task = task
        self.ws = self.workspace_for(task)
        self._features.ask(task.question)
        self._offer = Offer(self.ws, self.config.offer, self.retriever)
        question = task.question
        self.ws.opens_at = lambda lines, rel, window: evidence_start(lines, question, rel, window, self.best_unit(rel))
        self.history = []
        self.steps = 0
        self._milestones = set()
        self.last_result = "(start of the walk; you are at the repository root)"
        self.actions = self._enumerate()
        return self._observation(), self._info(success=False)

    def step(self, action: int):
        assert self.ws is not None and self.task is not None, "call reset() first"
        cfg, rw = self.config, self.config.rewards
        self.steps += 1
        reward = -rw.step_cost
        terminated = False
        success = False
        action = int(action)
        if not 0 <= action < len(self.actions):
            reward -= rw.invalid
            self.last_result = f"invalid choice {action}; pick one of the listed labels"
            self.history.append("(invalid)")
        else:
            act = self.actions[action]
            self.history.append(act.text)
            if act.kind == "cd":
                self.ws.cd(_rel_from(self.ws.cwd, act.arg))
                self.last_result = f"entered {show_dir(self.ws.cwd)}"
                if rw.milestones and self._on_target_path(self.ws.cwd) and self.ws.cwd not in self._milestones:
                    self._milestones.add(self.ws.cwd)
                    reward += rw.enter_folder
            elif act.kind == "read":
                window = max(1, min(READ_WINDOW, cfg.result_lines - 1))  # the header takes one line
                text = self.ws.read(_rel_from(self.ws.cwd, act.arg), window=window, more_hint=False)
                self.last_result = self._clip(text)
                if rw.milestones and act.arg in self.task.targets and "read:" + act.arg not in self._milestones:
                    self._milestones.add("read:" + act.arg)
                    reward += rw.read_target
            else:  # answer
                self.ws.answer(_rel_from(self.ws.cwd, act.arg))
                terminated = True
                success = act.arg in self.task.targets
                reward += rw.success if success else rw.wrong_answer
                self.last_result = f"answered {act.arg}"
        truncated = not terminated and self.steps >= self.max_steps
        self.actions = [] if terminated else self._enumerate()
        return self._observation(), float(reward), terminated, truncated, self._info(success=success)

    def render(self) -> str:
        return self._observation()

    # -- internals ---------------------------------------------------------------------
    def _on_target_path(self, folder: str) -> bool:
        assert self.task is not None
        return bool(folder) and any(t.startswith(folder + "/") for t in self.task.targets)

    def _related(self, rel: str) -> bool:
        assert self.task is not None
        return any(t == rel or t.startswith(rel + "/") for t in self.task.targets)

    def _enumerate(self) -> list[Action]:
        """Every valid action here, capped at ``max_actions``: the answers first (the walk can
        always finish), then ``cd ..``, the best-match candidates, and this folder's entries
        (strongest scent first) in the room left."""
        assert self.ws is not None
        cfg = self.config
        ws = self.ws
        room = cfg.max_actions
        answers = [Action("answer", r, f"answer {shown(r)}") for r in reversed(ws.reads[-3:])][:room]
        room -= len(answers)
        fixed: list[Action] = []
        if ws.cwd and room > 0:
            fixed.append(Action("cd", "..", "cd .."))
            room -= 1
        moves: list[tuple[Action, float]] = []
        for entry, rel in ws.entries(ws.cwd):
            if entry.kind not in ("dir", "file"):
                continue
            if cfg.leave_out > 0 and not self._related(rel) and self.np_random.random() < cfg.leave_out:
                continue
            scent = ws.scent(rel) or 0.0
            if entry.kind == "dir":
                moves.append((Action("cd", rel, f"cd {shown(entry.name)}/"), scent))
            else:
                moves.append((Action("read", rel, f"read {shown(entry.name)}"), scent))
        if cfg.candidates and ws.index is not None and ws.question:
            local = {a.arg for a, _ in moves}
            wanted = min(cfg.candidates, room)
            for path in self.offered():
                if wanted == 0:
                    break
                if path not in ws.reads and path not in local:
                    fixed.append(Action("read", path, f"read {shown(path)}"))
                    wanted -= 1
                    room -= 1
        self.hidden = max(0, len(moves) - room)
        if self.hidden:
            keep = sorted(range(len(moves)), key=lambda i: -moves[i][1])[:room] if ws.index else range(room)
            moves = [moves[i] for i in sorted(keep)]
        actions = fixed + [a for a, _ in moves] + answers
        if cfg.shuffle_labels:
            order = self.np_random.permutation(len(actions))
            actions = [actions[i] for i in order]
        return actions

    def _clip(self, text: str) -> str:
        lines = text.splitlines()
        n = self.config.result_lines
        if len(lines) <= n:
            return text
        return "\n".join(lines[:n] + [f"… ({len(lines) - n} more lines not shown)"])

    def action_line(self, label: str, act: Action) -> str:
        assert self.ws is not None
        extra = []
        if act.kind == "read":
            size = next((e.size for e, r in self.ws.entries(self.ws.cwd) if r == act.arg), None)
            if size is not None:
                extra.append(human_size(size))
            rank = self._match_rank(act.arg)
            if rank is not None:
                extra.append(f"match #{rank}")
        if act.kind in ("cd", "read") and act.arg != "..":
            s = self.ws.scent(act.arg)
            if s is not None:
                extra.append(f"scent {scent_digit(s)}")
        if act.kind == "read" and self.config.features:
            extra += self._file_features(act.arg)
        return f"{label}. {act.text}" + (f"  ({', '.join(extra)})" if extra else "")

    # -- the offer (:mod:`.offer`) and file features (:mod:`.features`) ----------------------
    def offered(self) -> list[str]:
        """The question's best files from the configured ranking (``offer``), best first;
        computed once per episode."""
        return self._offer.files() if self._offer is not None else []

    def stage_ranking(self) -> list[tuple[str, float]]:
        """The candidate stage's best files for the question with their scores, best first
        (computed once per episode, whatever the offer: `ask` weighs its answer with them)."""
        return self._offer.stage() if self._offer is not None else []

    def stage_why(self) -> dict[str, tuple[str, ...]]:
        """Why :meth:`stage_ranking` ranked each of its files where it did."""
        return self._offer.stage_why() if self._offer is not None else {}

    def unheard_of(self) -> list[str]:
        """The question's code names when no file of the snapshot holds or defines any of them."""
        return self._offer.unheard_of() if self._offer is not None else []

    def best_unit(self, path: str) -> tuple[int, int] | None:
        """The line span of ``path``'s code unit that best matches the question, or None."""
        return self._offer.best_unit(path) if self._offer is not None else None

    def holds_no_word(self) -> bool:
        """Whether no file of the snapshot holds a word of the question."""
        return self._offer.holds_no_word() if self._offer is not None else False

    def lexical_ranking(self) -> list[tuple[str, float]]:
        """BM25's best files for the question with their scores, best first (once per episode)."""
        return self._offer.lexical() if self._offer is not None else []

    def _match_rank(self, rel: str) -> int | None:
        """1-based rank of a file in the offer for the question, when it is among the top 10."""
        return self._offer.rank(rel) if self._offer is not None else None

    def _file_features(self, rel: str) -> list[str]:
        assert self.ws is not None
        return self._features.of(self.ws.snapshot, rel, with_settings=self.config.settings)

    def matched_heading(self, rel: str) -> str | None:
        """The longest heading of a docs file all of whose words the question uses."""
        assert self.ws is not None
        return self._features.matched_heading(self.ws.snapshot, rel)

    def defined_matches(self, rel: str) -> list[str]:
        """Names the file defines that the question mentions."""
        assert self.ws is not None
        return self._features.defined_matches(self.ws.snapshot, rel)

    def set_matches(self, rel: str) -> list[str]:
        """Settings of a configuration file that the question names."""
        assert self.ws is not None
        return self._features.set_matches(self.ws.snapshot, rel)

    def _observation(self) -> str:
        assert self.ws is not None and self.task is not None
        lines = [
            f"Question: {clip_question(self.task.question)[0]}",
            f"You are in: {show_dir(self.ws.cwd)}",
            f"Steps so far: {' ; '.join(self.history) if self.history else '(none)'}",
            "Last result:",
            self.last_result,
        ]
        if self.config.features and self.ws.reads:
            lines.append("Read so far: " + "; ".join(
                f"{shown(r)} ({', '.join(self._file_features(r))})" for r in self.ws.reads[-4:]))
        if self.actions:
            lines.append("Actions:")
            lines += [self.action_line(LABELS[i], a) for i, a in enumerate(self.actions)]
            if self.hidden:
                lines.append(f"({self.hidden} more entries here not shown)")
        else:
            lines.append("(episode over)")
        return "\n".join(lines)

    def _info(self, success: bool) -> dict[str, Any]:
        return {
            "labels": [LABELS[i] for i in range(len(self.actions))],
            "actions": [a.text for a in self.actions],
            "success": success,
            "answered": self.ws.answered if self.ws else None,
            "steps": self.steps,
            "cwd": self.ws.cwd if self.ws else "",
            "task_id": self.task.id if self.task else None,
        }


def _rel_from(cwd: str, target: str) -> str:
    """A tool argument that names repo-relative ``target`` from ``cwd``."""
    if target == "..":
        return ".."
    if not cwd:
        return target
    cparts, tparts = cwd.split("/"), target.split("/")
    i = 0
    while i < min(len(cparts), len(tparts)) and cparts[i] == tparts[i]:
        i += 1
    return "/".join([".."] * (len(cparts) - i) + tparts[i:])
