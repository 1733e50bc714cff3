"""Checks of a question's text that every way in makes alike (the CLI, the Python API, MCP),
light enough for a command that hands its question to a warm server and imports nothing else."""
from __future__ import annotations

from .sandbox.errors import ExploreError

#: What a question with no letter or digit is told (``???``, ``-- !``): there is nothing to match.
NO_WORDS = ("the question has no words (only punctuation or symbols); ask something like "
            "\"where is the config parsed?\"")
EMPTY = "the question is empty; ask something like \"where is the config parsed?\""
#: What a question of one letter or digit is told (``x``, ``?1``): it matched any file using it,
#: walked, and answered one.
ONE_CHARACTER = ("the question is one letter or digit; ask something like \"where is the config parsed?\" "
                 "(a name alone works too: `parse_config`)")


#: The longest question taken, in characters, however it comes (the CLI, the Python API, MCP):
#: a 50 KB bug report with its traceback is well inside, and is read as the ranking reads one
#: (its start, its last 8,000 characters and where a crash is first reported:
#: :data:`explore.retrieval.query.MAX_QUERY_CHARS` in all), so its length costs nothing;
#: `/dev/zero` given as the question file filled the memory.
MAX_QUESTION_CHARS = 1_000_000
#: The bytes read of a question file or stdin: the most :data:`MAX_QUESTION_CHARS` UTF-8 takes.
MAX_QUESTION_BYTES = 4 * MAX_QUESTION_CHARS


class EmptyQuestion(ExploreError):
    """The question is empty, or holds no word."""


class QuestionTooLong(ExploreError):
    """The question runs past :data:`MAX_QUESTION_CHARS`."""


def too_long(size: str, limit: str = f"over the {MAX_QUESTION_CHARS:,} characters taken") -> str:
    """What a question past the limit is told (``size``: how long it is, as known; ``limit``:
    the limit it passed, in the same unit)."""
    return (f"the question is {size}, {limit}; ask about the part "
            "that matters (the error message, a traceback's last frames, the names involved)")


def has_no_words(text: str) -> bool:
    """Whether ``text`` holds no letter or digit of any script: no file can share a word with it
    (``ask`` walked eight steps for ``???`` and answered nothing)."""
    return not any(c.isalnum() for c in text)


def not_utf8_at(text: str) -> int | None:
    """The character where ``text`` holds a byte a shell passed that is not UTF-8 (Python's
    ``\\udcff``), or None: such a question is refused as a file's or stdin's bytes are."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def check_length(text: str) -> None:
    """Refuse a question too long to match in reasonable time (:class:`QuestionTooLong`): alone,
    where a question is optional and only scents a listing (`repo_tools(repo, question=...)`)."""
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(too_long(f"{len(text):,} characters"))


def check_question(text: str) -> None:
    """Refuse a question no file can be asked: empty, no word (:class:`EmptyQuestion`), or
    too long to match in reasonable time (:class:`QuestionTooLong`)."""
    if not text or not text.strip():
        raise EmptyQuestion(EMPTY)
    check_length(text)
    if has_no_words(text):
        raise EmptyQuestion(NO_WORDS)
    if len(chars := [c for c in text if c.isalnum()]) == 1 and chars[0].isascii():  # 锁 (lock) is a word
        raise EmptyQuestion(ONE_CHARACTER)
