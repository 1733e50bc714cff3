"""Oracle trajectories: the shortest walk to a task's answer, proven in the environment.

The shortest walk from the root is always the same shape — ``cd`` down the target's
folders, ``read`` it (``answer`` is only offered for files read in the episode), ``answer``
it — so the path itself is easy. What is not guaranteed is that the environment *shows*
each step: listings longer than ``max_actions`` keep only the entries with the strongest
scent, and a target with weak scent in a crowded folder is hidden. So every oracle is
**replayed** through :class:`RepoExploreEnv` with the same config the policies will face,
and counts only if the replay ends in success.

Hidden targets (and targets deeper than the horizon allows) make a task *unreachable*:
no policy could solve it in that environment, so generation drops it and reports how
many it dropped. Widening the environment to always show the target would leak the
answer through the listing, which is worse.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..agent.env import RepoExploreEnv
from ..agent.task import Task
from ..sandbox.errors import ExploreError
from ..tools.workspace import shown


class OracleFailed(ExploreError):
    """A task's oracle does not replay to success (its target is hidden, gone, or too deep)."""


@dataclass(frozen=True)
class Replay:
    """The outcome of replaying an action sequence."""

    success: bool
    steps: int
    reward: float
    failed_at: int | None = None  # index of the first action that was not on offer
    reason: str = ""


def shortest_path(target: str) -> list[str]:
    """``pkg/sub/x.py`` → ``["cd pkg/", "cd sub/", "read x.py", "answer pkg/sub/x.py"]``; each
    name as the environment offers it (:func:`shown`: ``read 'back\\\\slash.py'``): by its bare
    name a file with a tab, a newline or a backslash in its path is never on offer, and
    its questions were dropped as unreachable."""
    *folders, name = target.split("/")
    return [f"cd {shown(f)}/" for f in folders] + [f"read {shown(name)}", f"answer {shown(target)}"]


def label_of(env: RepoExploreEnv, text: str) -> int | None:
    """The label index of the action shown as ``text`` in the env's current state."""
    for i, action in enumerate(env.actions):
        if action.text == text:
            return i
    return None


def replay(env: RepoExploreEnv, task: Task, actions: list[str]) -> Replay:
    """Run ``actions`` (action texts) from a fresh episode of ``task``."""
    env.reset(options={"task": task})
    total = 0.0
    for i, text in enumerate(actions):
        label = label_of(env, text)
        if label is None:
            where = env.ws.cwd if env.ws else ""
            hidden = f" ({env.hidden} entries hidden by the action cap)" if env.hidden else ""
            return Replay(False, i, total, i, f"{text!r} not on offer in {where or '/'}{hidden}")
        _, reward, terminated, truncated, info = env.step(label)
        total += reward
        if terminated or truncated:
            ok = bool(info["success"]) and i == len(actions) - 1
            reason = "" if ok else ("wrong answer" if terminated else f"horizon of {env.max_steps} steps reached")
            return Replay(ok, i + 1, total, None if ok else i, reason)
    return Replay(False, len(actions), total, None, "sequence ended without an answer")


def solve(env: RepoExploreEnv, task: Task) -> tuple[list[str] | None, str]:
    """The shortest replay-proven oracle for ``task`` and ``""``, or None and why not.

    Targets are tried shallowest first (ties in path order): any target is a right answer.
    """
    reasons = []
    for target in sorted(task.targets, key=lambda t: (t.count("/"), t)):
        path = shortest_path(target)
        result = replay(env, task, path)
        if result.success:
            return path, ""
        reasons.append(f"{target}: {result.reason}")
    return None, "; ".join(reasons)


def attach(env: RepoExploreEnv, task: Task) -> bool:
    """Set ``task.oracle`` and ``task.depth`` from a proven oracle; False if unreachable."""
    path, reason = solve(env, task)
    if path is None:
        task.meta["unreachable"] = reason
        return False
    task.oracle = path
    task.depth = len(path) - 2
    task.meta.pop("unreachable", None)
    return True


def complete(env: RepoExploreEnv, task: Task) -> None:
    """Give ``task`` the shortest oracle the environment replays when it has none (left None
    when its targets are unreachable), and refuse the one it has when that does not replay
    to success: scores measured against a wrong walk (SPL) would be silently wrong."""
    if not task.oracle:
        task.oracle, _ = solve(env, task)
        return
    result = replay(env, task, task.oracle)
    if not result.success:
        raise OracleFailed(f"task {task.id}: its oracle does not replay ({result.reason}); fix it, or delete "
                           "the field and the shortest walk is found")


def verify(env: RepoExploreEnv, task: Task) -> Replay:
    """Replay a task's stored oracle; raises :class:`OracleFailed` when it has none."""
    if not task.oracle:
        raise OracleFailed(f"task {task.id} has no oracle; regenerate it with `explore tasks`")
    return replay(env, task, task.oracle)
