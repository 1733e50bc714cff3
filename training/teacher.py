"""The teacher: writes the reflection a good explorer would think at each demonstrated state.

Reflect-RL distils GPT-4 reflections into a small reflector. Here the default teacher is
offline and rule-based. It knows the answer (it is shown the oracle's next action), but it
*argues only from what the student can see*: the question's terms matching entry names,
the scent digits in the listing, what the last read showed, how deep the walk is. That is
what makes the note learnable: the reflector never sees the answer, so a note justified
by hidden knowledge would teach it to guess. Concretely, a file or folder is named only
when its name matches a question term; otherwise it is described by kind and scent ("the
folder with the strongest scent (7)"), and the target's name never appears unless the
question itself points at it.

Notes never give the label itself, as the reflector's instruction says ("do not give the
choice yet"). Measured on click with SmolLM2: with notes ending "go into it (H)" the SFT
policy became a copier of the note's letter (accuracy 1.0 with teacher notes, 0.06 with
none, 0.19 with a briefly trained reflector's notes) and RL started from zero success.
A note that points at *evidence* leaves the policy to find the matching line itself.

Two kinds, as in the paper: *analyze* (what the question needs, what the last step
showed, where to go next) and *wrong choice* (after a move away from the answer: why it
was wrong and how to recover). A LangChain chat model can be the teacher instead
(:class:`ChatTeacher`); its notes pass the same leak check, falling back to the rule note.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, Protocol

from ..agent.env import LABELS, Action, RepoExploreEnv
from ..agent.reflector import reflection_prompt
from ..sandbox.errors import ExploreError
from ..sandbox.index import tokenize
from ..tools.workspace import scent_digit

#: Question terms named in a note (more makes it long without helping).
MAX_TERMS = 4


class TeacherError(ExploreError):
    """The teacher was asked about an action that is not on offer in the state."""


class Teacher(Protocol):
    """Writes one note for a state; ``env`` is the live environment in that state."""

    def analyze(self, env: RepoExploreEnv, observation: str, next_action: str) -> str: ...

    def wrong_choice(self, env: RepoExploreEnv, observation: str, wrong: str, recovery: str) -> str: ...


def question_terms(question: str) -> list[str]:
    """Distinct index tokens of the question, in order (what scent and name matches use)."""
    seen: dict[str, None] = {}
    for tok in tokenize(question):
        if len(tok) > 2:
            seen.setdefault(tok, None)
    return list(seen)


def name_of(action: Action) -> str:
    """The entry name an action shows (``cd net/`` -> ``net``, ``read retry.py`` -> ``retry.py``)."""
    return action.text.split(" ", 1)[1].rstrip("/") if " " in action.text else action.text


def name_matches(name: str, terms: Sequence[str]) -> list[str]:
    """Question terms that an entry's name contains (identifier-aware)."""
    tokens = set(tokenize(name.replace(".", " ").replace("-", " ")))
    return [t for t in terms if t in tokens]


def may_name(name: str, terms: Sequence[str]) -> bool:
    """A note may spell out an entry's name only when the question points at it."""
    return bool(name_matches(name, terms))


def leaks_target(note: str, targets: Sequence[str], question: str) -> bool:
    """Whether ``note`` names a target the question does not itself point at."""
    terms = question_terms(question)
    low = note.lower()
    for t in targets:
        base = PurePosixPath(t).name
        if t.lower() in low:
            return True
        if base.lower() in low and not may_name(base, terms):
            return True
    return False


def _terms_text(terms: Sequence[str]) -> str:
    shown = [f"'{t}'" for t in terms[:MAX_TERMS]]
    if len(shown) <= 1:
        return "".join(shown) or "its words"
    return ", ".join(shown[:-1]) + " and " + shown[-1]


class RuleTeacher:
    """The offline teacher: short, deterministic notes from student-visible features."""

    def analyze(self, env: RepoExploreEnv, observation: str, next_action: str) -> str:
        view = _View(env)
        parts = [view.situation()]
        parts.append(view.advice(view.find(next_action)))
        return " ".join(p for p in parts if p)

    def wrong_choice(self, env: RepoExploreEnv, observation: str, wrong: str, recovery: str) -> str:
        view = _View(env)
        verb, _, arg = wrong.partition(" ")
        if verb == "cd":
            best = view.best_scent()
            why = (f"nothing in it is a strong match for {_terms_text(view.terms)}"
                   + (f" (best scent {best})" if best is not None else ""))
            head = f"Entering {arg} was a wrong turn: {why}."
        else:
            found = view.found_in_last_read()
            shows = (f"it mentions only {_terms_text(found)}" if found
                     else f"it mentions none of {_terms_text(view.terms)}")
            head = f"Reading {arg} was a wrong turn: {shows}."
        return f"{head} {view.advice(view.find(recovery), recovering=True)}"


class _View:
    """What the student sees in the env's current state, as the teacher reasons about it."""

    def __init__(self, env: RepoExploreEnv) -> None:
        if env.task is None or env.ws is None:
            raise TeacherError("the environment has no episode; call reset() first")
        self.env = env
        self.terms = question_terms(env.task.question)
        self.cwd = env.ws.cwd
        self.last = env.history[-1] if env.history else ""

    def find(self, text: str) -> tuple[str, Action]:
        for i, action in enumerate(self.env.actions):
            if action.text == text:
                return LABELS[i], action
        raise TeacherError(f"action {text!r} is not on offer here; offered: {[a.text for a in self.env.actions]}")

    def scent(self, action: Action) -> int | None:
        value = self.env.ws.scent(action.arg) if self.env.ws else None
        return None if value is None else scent_digit(value)

    def best_scent(self) -> int | None:
        digits = [self.scent(a) for a in self.env.actions if a.kind in ("cd", "read") and a.arg != ".."]
        digits = [d for d in digits if d is not None]
        return max(digits) if digits else None

    def found_in_last_read(self) -> list[str]:
        tokens = set(tokenize(self.env.last_result))
        return [t for t in self.terms if t in tokens]

    def situation(self) -> str:
        """What the question needs, where we are, what the last step showed."""
        need = f"The question is about {_terms_text(self.terms)}."
        if self.last.startswith("read "):
            found = self.found_in_last_read()
            seen = (f"The file just read mentions {_terms_text(found)}." if found
                    else f"The file just read mentions none of {_terms_text(self.terms)}.")
            return f"{need} {seen}"
        if not self.cwd:
            return f"{need} At the root."
        depth = self.cwd.count("/") + 1
        return f"{need} In {self.cwd}/ ({depth} level{'s' if depth > 1 else ''} down)."

    def advice(self, chosen: tuple[str, Action], recovering: bool = False) -> str:
        """Where to go next, justified by what is visible; never the label, names only if matched."""
        _label, action = chosen
        if action.kind == "answer":
            if self.last.startswith("read ") and not self.found_in_last_read():
                return "It shares no words with the question, yet it is about it: answer with it."
            return "That file answers the question: answer with it."
        if action.arg == "..":
            return "Nothing here fits better: go back up."
        name = name_of(action)
        matched = name_matches(name, self.terms)
        digit = self.scent(action)
        best = self.best_scent()
        kind = "folder" if action.kind == "cd" else "file"
        if matched:
            what = f"The {kind} {name}{'/' if action.kind == 'cd' else ''} matches {_terms_text(matched)}"
        elif digit is not None and best is not None and digit >= best and digit > 0:
            what = f"The {kind} with the strongest scent ({digit}) is the likeliest place"
        elif digit is not None:
            what = f"The {kind} with scent {digit} is the likeliest place{' left' if recovering else ''}"
        else:
            what = f"A {kind} here is the likeliest place"
        verb = "go into it" if action.kind == "cd" else "read it to check"
        return f"{what}: {verb}."


class ChatTeacher:
    """A LangChain chat model as the teacher, with the paper's two prompts.

    The model is told the right next move (the teacher may know it) and asked not to name
    the answer; any note that names a target the question does not point at is replaced
    by the rule teacher's note, and counted in ``fallbacks``.
    """

    def __init__(self, chat_model: Any, fallback: Teacher | None = None) -> None:
        self.chat_model = chat_model
        self.fallback = fallback or RuleTeacher()
        self.fallbacks = 0
        self.calls = 0

    def analyze(self, env: RepoExploreEnv, observation: str, next_action: str) -> str:
        hint = f"(Teacher's hint, not visible to the student: the right next action is `{next_action}`.)"
        note = self._ask(observation, "analyze", hint, env)
        return note if note is not None else self.fallback.analyze(env, observation, next_action)

    def wrong_choice(self, env: RepoExploreEnv, observation: str, wrong: str, recovery: str) -> str:
        hint = (f"(Teacher's hint, not visible to the student: `{wrong}` was the mistake; "
                f"the recovery is `{recovery}`.)")
        note = self._ask(observation, "wrong_choice", hint, env)
        return note if note is not None else self.fallback.wrong_choice(env, observation, wrong, recovery)

    def _ask(self, observation: str, kind: str, hint: str, env: RepoExploreEnv) -> str | None:
        assert env.task is not None
        self.calls += 1
        system = ("You coach a small model that explores a code repository. Argue only from what it can see: "
                  "the question's words, entry names, scent digits, what the last read showed. Never name the file "
                  "that answers the question unless the question itself names it; refer to entries by their letter.")
        messages = [("system", system), ("human", f"{reflection_prompt(observation, kind)}\n\n{hint}")]  # type: ignore[arg-type]
        try:
            reply = self.chat_model.invoke(messages)
        except Exception:  # noqa: BLE001 - any provider error: the rule note is a sound fallback
            self.fallbacks += 1
            return None
        content = getattr(reply, "content", reply)
        text = content if isinstance(content, str) else " ".join(
            str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
        text = " ".join(text.split())
        if not text or leaks_target(text, env.task.targets, env.task.question):
            self.fallbacks += 1
            return None
        return text
