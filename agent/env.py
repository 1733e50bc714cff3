"""`RepoExploreEnv`: the paper's AutoExplore MDP as a Gymnasium environment over a repo.

Each episode is one :class:`~explore.agent.task.Task`. The observation is text: the
question, where the agent is, what it did, the result of its last action, and every valid
action with a label (``A. cd sandbox/``, ``B. read env.py``, ``C. answer env.py``). The
action is the label's index — the paper's *single-prompt action enumeration*: a policy
picks one label token, so it can never emit an invalid command, and one forward pass per
step is enough.

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
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from ..retrieval.retriever import RetrieverConfig, retriever_for
from ..sandbox.errors import ExploreError
from ..sandbox.index import IDENTIFIER, Index, tokenize
from ..sandbox.outline import DOC_SUFFIXES, definitions, file_kind, headings, settings
from ..sandbox.snapshot import Repository, Snapshot
from ..tools.workspace import READ_WINDOW, Workspace, human_size, scent_digit, show_dir, shown
from .prompt import clip_question
from .task import Task

LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


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


@dataclass
class Rewards:
    """Reward shaping. Milestones are the curriculum's training wheels; switch them off later."""

    success: float = 1.0
    """Answering a target file."""
    wrong_answer: float = 0.0
    """Answering any other file."""
    step_cost: float = 0.01
    """Charged every step, so shorter walks are better."""
    invalid: float = 0.1
    """Penalty for a label that names no valid action."""
    milestones: bool = True
    """Whether the two milestone rewards below are paid."""
    enter_folder: float = 0.05
    """First entry into a folder on the path to a target."""
    read_target: float = 0.1
    """First read of a target file."""


@dataclass
class EnvConfig:
    max_steps: int = 12
    """Horizon: the episode is truncated after this many steps."""
    scent: bool = True
    """Annotate entries with BM25 scent (0–9) for the question."""
    max_actions: int = len(LABELS)
    """At most this many labelled actions per state."""
    leave_out: float = 0.0
    """Training only: drop each entry unrelated to the targets with this probability."""
    shuffle_labels: bool = False
    """Training only: shuffle the order of actions (labels then carry no position prior)."""
    result_lines: int = 24
    """Lines of the last action's result kept in the observation. A read shows the span of
    this many lines (less its header) that best matches the question, not the top of a
    longer window: with the navigator's 6 lines, the first lines of the best 80-line window
    were mostly imports and blank lines."""
    features: bool = True
    """Annotate files with their kind (code/test/docs/…) and the names they define that
    the question mentions, and summarise the files read so far."""
    settings: bool = False
    """With ``features``: also annotate configuration files (TOML, INI, YAML) with the
    settings they hold that the question names (``sets ruff`` for a ``[tool.ruff]`` table,
    ``sets python`` for ``requires-python``). Off in settings saved before it existed."""
    candidates: int = 0
    """Also offer ``read PATH`` for this many of the repository's best BM25 matches not yet
    read, from anywhere (lets the policy compare candidates instead of walking to each).
    Fewer than ``max_actions``; where ``cd ..``, these and the answers would not all fit,
    the folder's entries give way first, then the candidates."""
    offer: str = "bm25"
    """Where the candidates and the ``match #k`` ranks come from: ``bm25`` (the file
    index alone), ``retrieve`` (the candidate stage, :mod:`explore.retrieval`: file,
    code-unit, symbol, path and history evidence fused; it learnt from commit messages,
    which are about code, and ranks docs low) or ``hybrid`` (the two in turn, the
    candidate stage first, so a question about the docs still sees them offered)."""
    rewards: Rewards = field(default_factory=Rewards)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse settings whose listing could not fit the action space (one label each)."""
        if not 1 <= self.max_actions <= len(LABELS):
            raise EnvConfigError(f"max_actions must be 1..{len(LABELS)} (one label letter each), not {self.max_actions}")
        if self.offer not in OFFERS:
            raise EnvConfigError(f"offer must be one of {', '.join(OFFERS)}, not {self.offer!r}")
        if not 0 <= self.candidates < self.max_actions:
            raise EnvConfigError(f"candidates must be 0..{self.max_actions - 1} (fewer than max_actions, "
                                 f"{self.max_actions}, so a folder's own entries can show), not {self.candidates}")


#: Files ranked per episode for the offer (candidates skip files already read or listed here).
OFFER_DEPTH = 30
#: Rankings the environment can offer candidates from.
OFFERS = ("bm25", "retrieve", "hybrid")


class EnvConfigError(ExploreError, ValueError):
    """Environment settings that cannot work (a listing that would not fit the action
    space), or an ``env.json`` beside trained adapters that cannot be read."""


def hybrid_offer(stage: Sequence[str], lexical: Sequence[str], depth: int = OFFER_DEPTH) -> list[str]:
    """The ``hybrid`` offer: the candidate stage's files and BM25's in turn, the stage first."""
    pairs = [p for pair in zip(stage, lexical) for p in pair]
    return list(dict.fromkeys([*pairs, *stage, *lexical]))[:depth]


def navigator_config(**overrides: Any) -> EnvConfig:
    """The settings the shipped navigator and `explore train` use: the five best BM25
    matches offered as reads from anywhere, a 12-action cap, a 6-line read window, and
    config files annotated with the settings the question names.

    Short observations matter on a CPU: decision time grows with prompt length.
    """
    return EnvConfig(**{"candidates": 5, "max_actions": 12, "result_lines": 6, "max_steps": 8, "settings": True,
                        **overrides})


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
        self._defs: dict[tuple[str, str], tuple[str, ...]] = {}
        self._sets: dict[tuple[str, str], tuple[str, ...]] = {}
        self._top: list[str] | None = None
        self._stage: list[tuple[str, float]] | None = None
        self._lexical: list[tuple[str, float]] | None = None
        self._question_terms: set[str] = set()
        self._question_tokens: set[str] = set()
        self._heads: dict[tuple[str, str], tuple[tuple[str, frozenset[str]], ...]] = {}

    # -- snapshots ---------------------------------------------------------------------
    def workspace_for(self, task: Task) -> Workspace:
        """A fresh workspace on the snapshot of ``task.rev`` (snapshots and indexes cached)."""
        if task.rev not in self._pool:
            if isinstance(self.source, Snapshot):
                snap = self.source
            else:
                snap = self.source.snapshot(task.rev)
            self._pool[task.rev] = (snap, Index.build(snap))
        snap, index = self._pool[task.rev]
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
        self._question_terms = {w.lower() for w in IDENTIFIER.findall(task.question) if len(w) > 2}
        self._question_tokens = set(tokenize(task.question))
        self._top = None
        self._stage = None
        self._lexical = None
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

    def offered(self) -> list[str]:
        """The question's best files from the configured ranking (``offer``), best first;
        computed once per episode."""
        ws = self.ws
        if ws is None or ws.index is None or not ws.question:
            return []
        if self._top is None:
            offer = self.config.offer
            lexical = [p for p, s in self.lexical_ranking() if s > 0] if offer != "retrieve" else []
            ranked = [] if offer == "bm25" else [p for p, _ in self.stage_ranking()]
            if offer == "hybrid":
                ranked = hybrid_offer(ranked, lexical)
            self._top = ranked or lexical
        return self._top

    def stage_ranking(self) -> list[tuple[str, float]]:
        """The candidate stage's best files for the question with their scores, best first
        (computed once per episode, whatever the offer: `ask` weighs its answer with them)."""
        ws = self.ws
        if ws is None or ws.index is None or not ws.question:
            return []
        if self._stage is None:
            hits = retriever_for(ws.index, self.retriever).rank(ws.question, OFFER_DEPTH)
            self._stage = [(h.path, float(h.score)) for h in hits]
        return self._stage

    def lexical_ranking(self) -> list[tuple[str, float]]:
        """BM25's best files for the question with their scores, best first (once per episode)."""
        ws = self.ws
        if ws is None or ws.index is None or not ws.question:
            return []
        if self._lexical is None:
            self._lexical = [(p, float(s)) for p, s in ws.index.top(ws.question, OFFER_DEPTH)]
        return self._lexical

    def _match_rank(self, rel: str) -> int | None:
        """1-based rank of a file in the offer for the question, when it is among the top 10."""
        top = self.offered()[:10]
        return top.index(rel) + 1 if rel in top else None

    def _file_features(self, rel: str) -> list[str]:
        """Kind of file, the names it defines that the question mentions, and for docs the
        section heading whose every word is in the question."""
        assert self.ws is not None
        feats = [file_kind(rel)]
        matched = self.defined_matches(rel)
        if matched:
            feats.append("defines " + " ".join(matched[:3]))
        if self.config.settings and feats[0] == "config":
            sets = self.set_matches(rel)
            if sets:
                feats.append("sets " + " ".join(sets[:3]))
        heading = self.matched_heading(rel)
        if heading:
            feats.append(f"heading \"{heading[:40]}\"")
        return feats

    def matched_heading(self, rel: str) -> str | None:
        """The longest heading of a docs file all of whose words the question uses.

        Measured on 1,232 docs questions of 19 training-corpus repos: 94% of target files
        have one, against 7% of the other files in BM25's top 5.
        """
        assert self.ws is not None
        if PurePosixPath(rel).suffix.lower() not in DOC_SUFFIXES:
            return None
        key = (self.ws.snapshot.key, rel)
        if key not in self._heads:
            text = self.ws.snapshot.text(rel, 400_000) or ""
            self._heads[key] = tuple((h, frozenset(tokenize(h))) for h in headings(text, 400)) if text else ()
        best = None
        for heading, words in self._heads[key]:
            if words and words <= self._question_tokens and (best is None or len(words) > len(best[1])):
                best = (heading, words)
        return best[0] if best else None

    def defined_matches(self, rel: str) -> list[str]:
        assert self.ws is not None and self.task is not None
        key = (self.ws.snapshot.key, rel)
        if key not in self._defs:
            text = self.ws.snapshot.text(rel, 200_000) or ""
            self._defs[key] = definitions(rel, text) if text else ()
        terms = self._question_terms
        return [name for name in self._defs[key] if name.lower() in terms]

    def set_matches(self, rel: str) -> list[str]:
        """Settings of a configuration file (:func:`~explore.sandbox.outline.settings`)
        that the question names."""
        assert self.ws is not None and self.task is not None
        key = (self.ws.snapshot.key, rel)
        if key not in self._sets:
            text = self.ws.snapshot.text(rel, 200_000) or ""
            self._sets[key] = settings(rel, text) if text else ()
        return [word for word in self._sets[key] if word in self._question_terms]

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
