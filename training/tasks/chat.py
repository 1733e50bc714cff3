"""Tasks written by a chat model from file contents — the paper's reverse question generation.

Reflect-RL asked GPT-4 to read a file and write questions that file answers, with one
template for code, one for data and one for prose. Any LangChain ``BaseChatModel`` can do
that here (a local one, or a hosted one for users who have it). The model is used through
its ``invoke`` method only, so this module does not import LangChain (that stays in
``tools/langchain.py``): anything with ``invoke(messages) -> message-with-content`` works.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any, Protocol

from ...agent.task import Task
from ...sandbox.snapshot import Snapshot
from .quality import is_test_path, is_vendored

SOURCE = "chat"
#: Files shown to the model (the prompt holds the first :data:`PROMPT_CHARS` of each).
MAX_FILES = 24
PROMPT_CHARS = 6000
QUESTIONS_PER_FILE = 3

_CODE = frozenset(".py .pyi .js .ts .go .rs .c .h .cpp .java .rb .sh".split())
_DATA = frozenset(".json .yaml .yml .toml .cfg .ini .csv .tsv .xml".split())
_TEXT = frozenset(".md .rst .txt".split())

SYSTEM = (
    "You write questions that developers ask about a code repository. Each question must be "
    "answerable by reading the file shown. Never mention the file's name or path. Ask about "
    "behaviour, purpose or settings, the way a colleague would. One question per line, each "
    "ending with a question mark, nothing else."
)
TEMPLATES = {
    "code": "Here is a source file.\n\n{content}\n\nWrite {n} questions whose answer is in this code.",
    "data": "Here is a configuration or data file.\n\n{content}\n\nWrite {n} questions this file answers "
            "(which settings, values or records it holds).",
    "text": "Here is a documentation file.\n\n{content}\n\nWrite {n} questions a reader would come to "
            "this document to answer.",
}


class ChatModel(Protocol):
    """What this module needs of a LangChain chat model."""

    def invoke(self, input: Any, *args: Any, **kwargs: Any) -> Any: ...


def template_for(rel: str) -> str | None:
    suffix = PurePosixPath(rel).suffix.lower()
    return "code" if suffix in _CODE else "data" if suffix in _DATA else "text" if suffix in _TEXT else None


def parse_questions(reply: str, limit: int = QUESTIONS_PER_FILE) -> list[str]:
    """Questions from a reply: bullets and numbering stripped, non-questions dropped."""
    out: list[str] = []
    for line in reply.splitlines():
        q = re.sub(r"^\s*(?:[-*•]|\d+[.)]|Q\d*[:.])\s*", "", line).strip().strip('"')
        if q.endswith("?") and 12 <= len(q) <= 300 and q not in out:
            out.append(q)
        if len(out) >= limit:
            break
    return out


def _content_of(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        return "\n".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content)


def generate(snapshot: Snapshot, model: ChatModel, rng: random.Random, max_files: int = MAX_FILES,
             progress: Callable[[int, int], None] | None = None) -> tuple[list[Task], str]:
    """Ask ``model`` for questions about up to ``max_files`` files sampled with ``rng``.

    A file whose call fails is skipped (the count of failures goes into the reason when
    nothing came back), so one bad request does not lose the whole run.
    """
    candidates = [f for f in snapshot.files
                  if template_for(f) and not is_test_path(f) and not is_vendored(f)]
    rng.shuffle(candidates)
    chosen = sorted(candidates[:max_files])
    tasks: list[Task] = []
    failures: list[str] = []
    for i, rel in enumerate(chosen):
        if progress is not None:
            progress(i + 1, len(chosen))
        text = snapshot.text(rel, PROMPT_CHARS)
        if not text or not text.strip():
            continue
        kind = template_for(rel) or "text"
        prompt = TEMPLATES[kind].format(content=text, n=QUESTIONS_PER_FILE)
        try:
            reply = model.invoke([("system", SYSTEM), ("human", prompt)])
        except Exception as exc:  # noqa: BLE001 - any provider error; reported below
            failures.append(f"{rel}: {type(exc).__name__}: {exc}")
            continue
        for q in parse_questions(_content_of(reply)):
            tasks.append(Task(id="", question=q, targets=[rel], rev=snapshot.rev, source=SOURCE,
                              meta={"kind": kind}))
    if tasks:
        return tasks, ""
    if failures:
        return [], f"the chat model failed on {len(failures)} file(s), e.g. {failures[0]}"
    return [], "the chat model wrote no usable questions" if chosen else "no code, data or text files"
