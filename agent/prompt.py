"""The policy's prompt: instructions + the environment's observation + the reflector's note.

One function builds it at training and at inference, so the two can never drift. The
prompt ends right where the policy's single label token goes. The instructions and the
question come first and never change within an episode: that prefix's KV cache can be
reused from step to step.
"""
from __future__ import annotations

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
    """The full text the policy scores; its next token is the chosen label."""
    note = f"\nReflection: {reflection.strip()}" if reflection.strip() else ""
    return f"{INSTRUCTIONS}\n\n{observation}{note}\nThe best action is letter:"


def policy_prefix(observation: str) -> str:
    """The part of :func:`policy_prompt` fixed for an episode (instructions + question line)."""
    first_line = observation.split("\n", 1)[0]
    return f"{INSTRUCTIONS}\n\n{first_line}\n"
