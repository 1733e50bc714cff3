"""The policy's prompt: instructions + the environment's observation + the reflector's note;
and the reflector's own prompt (the observation + what to write).

One function builds it at training and at inference, so the two can never drift. The
prompt ends right where the policy's single label token goes. The instructions and the
question come first and never change within an episode: that prefix's KV cache can be
reused from step to step.
"""
from __future__ import annotations

from typing import Any

from .decision import ReflectionKind
from .encoding import format_chat

INSTRUCTIONS = (
    "You explore a code repository to find the file that answers a question. "
    "Each step, choose one action by its letter: cd into a folder, read a file, "
    "or answer with a file you have read. Scent (0-9) says how strongly the question's "
    "words match what lies under an entry."
)

#: Longest question kept verbatim; longer ones (bug reports, tracebacks) are cut with a note.
MAX_QUESTION_CHARS = 1200


def clip_question(question: str, limit: int = MAX_QUESTION_CHARS) -> tuple[str, bool]:
    """The question as the prompt shows it, and whether it was truncated."""
    question = " ".join(question.split()) if len(question) > limit else question.strip()
    if len(question) <= limit:
        return question, False
    return question[: limit - 15].rstrip() + " …[truncated]", True


def policy_prompt(observation: str, reflection: str = "") -> str:
    """The full text the policy scores; its next token is the chosen label. The note is one
    line: a reflector's echo of the observation (``Actions:`` and its lines) would otherwise
    read as the listing the line head scores."""
    note = f"\nReflection: {' '.join(reflection.split())}" if reflection.strip() else ""
    return f"{INSTRUCTIONS}\n\n{observation}{note}\nThe best action is letter:"


def policy_prefix(observation: str) -> str:
    """The part of :func:`policy_prompt` fixed for an episode (instructions + question line)."""
    first_line = observation.split("\n", 1)[0]
    return f"{INSTRUCTIONS}\n\n{first_line}\n"


ANALYZE_INSTRUCTION = (
    "Before choosing, analyze the situation in at most 50 words: what does the question need, "
    "what did the last action show, and where should the search go next? "
    "If a file already read answers the question, say so. Do not give the choice yet."
)
WRONG_CHOICE_INSTRUCTION = (
    "The last action moved away from the answer: it opened a folder or file that does not hold it. "
    "In at most 50 words, say why that was the wrong choice and how to get back on track. "
    "Do not give the choice yet."
)
_INSTRUCTIONS: dict[str, str] = {"analyze": ANALYZE_INSTRUCTION, "wrong_choice": WRONG_CHOICE_INSTRUCTION}


def reflection_prompt(observation: str, kind: ReflectionKind) -> str:
    """The reflector's user message: the observation followed by the instruction for ``kind``.

    Idempotent (text that already ends with the instruction is returned as is), so a caller
    that builds the prompt itself before calling ``reflect`` cannot end up with it twice.
    """
    try:
        instruction = _INSTRUCTIONS[kind]
    except KeyError:
        raise ValueError(f"unknown reflection kind {kind!r}; expected one of {sorted(_INSTRUCTIONS)}") from None
    text = observation.rstrip()
    return text if text.endswith(instruction) else f"{text}\n\n{instruction}"


def reflection_chat(tokenizer: Any, observation: str, kind: ReflectionKind, *, chat_template: bool = True) -> str:
    """The exact text a reflector (:class:`~explore.agent.reflector.LoRAReflector`,
    :class:`~explore.agent.runtime.RuntimeReflector`) feeds its model; SFT appends the
    target note to it."""
    return format_chat(tokenizer, reflection_prompt(observation, kind), chat_template=chat_template)
