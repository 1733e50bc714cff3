"""A question parsed once: what names code, what is prose, where a traceback points.

Real questions are bug reports and commit messages: a few words that matter (``edit``,
``pathlib.Path``, ``ValueError``) inside prose, code blocks and tracebacks. BM25 over the
raw text lets the prose drown the names; here names are pulled out and weighted above
prose, traceback frames become paths and function names, and a 50 KB report is clipped
to what can matter.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from ..sandbox.index import STOPWORDS, identifier_tokens, tokenize

#: Characters of a question that are read (a pasted log can be megabytes).
MAX_QUERY_CHARS = 20_000
#: Extra weight of a token that comes from a code name, over a prose token.
NAME_WEIGHT = 2
#: A prose token counts at most this many times, however often a long report repeats it.
MAX_PROSE_COUNT = 2

_FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in ((?:[^\W\d]|<)[\w<>]*))?')
_JS_FRAME = re.compile(r"at (?:([\w.$<>]+) )?\(?((?:[\w@./-]+/)?[\w.-]+\.(?:js|ts|mjs|tsx|jsx)):(\d+)")
#: Indentation only, never across lines: ``\s*`` tried every line start against every
#: later one, so a report of blank lines took tens of seconds.
_GO_FRAME = re.compile(r"^[^\S\n]*((?:[\w.-]+/)*[\w.-]+\.go):(\d+)", re.M)
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(?:py|pyi|pyx|js|jsx|mjs|ts|tsx|go|rs|java|kt|c|h|cc|cpp|hpp|"
                   r"rb|php|cs|swift|scala|toml|cfg|ini|ya?ml|json|md|rst|txt))\b")
_BACKTICK = re.compile(r"`([^`\n]{1,200})`")
#: A name as Python writes one, letters of any script (``größe_berechnen``), as units name
#: definitions: ASCII runs of it (``e_berechnen``) would name some other function.
_NAME = re.compile(r"[^\W\d]\w*|\d+")
_DOTTED = re.compile(r"\b[^\W\d]\w*(?:\.[^\W\d]\w*)+\b")
_CALL = re.compile(r"\b([^\W\d]\w*)\(")
_FENCE = re.compile(r"```.*?```", re.S)
_SITE = re.compile(r"^.*(?:site-packages|dist-packages|lib/python[\d.]*|src)/")


@dataclass(frozen=True)
class Query:
    """What the candidate stage reads of a question."""

    text: str
    terms: tuple[str, ...]
    """BM25 query tokens; a repeated token weighs more (names count :data:`NAME_WEIGHT` +1)."""
    names: frozenset[str]
    """Code-like names (as written): backticked, snake_case, CamelCase, dotted parts, calls, frames."""
    paths: tuple[str, ...]
    """File paths the question names (from tracebacks first), site-packages prefixes removed."""
    functions: tuple[str, ...]
    """Functions named by traceback frames, innermost last."""


def _is_code_name(name: str, text: str) -> bool:
    if len(name) < 3 or name.lower() in STOPWORDS or name.isdigit():
        return False
    return "_" in name.strip("_") or bool(re.search(r"[a-z][A-Z]|[A-Z]{2,}[a-z]", name)) \
        or f"`{name}" in text or name.endswith(("Error", "Exception", "Warning"))


@lru_cache(maxsize=512)
def parse(question: str) -> Query:
    """Parse ``question`` (any length; only the first :data:`MAX_QUERY_CHARS` are read)."""
    text = question[:MAX_QUERY_CHARS]
    paths: list[str] = []
    functions: list[str] = []
    for m in _FRAME.finditer(text):
        paths.append(_SITE.sub("", m.group(1).replace("\\", "/")))
        if m.group(3) and not m.group(3).startswith("<"):
            functions.append(m.group(3))
    for m in _JS_FRAME.finditer(text):
        paths.append(m.group(2))
        if m.group(1):
            functions.append(m.group(1).rsplit(".", 1)[-1])
    paths += [m.group(1) for m in _GO_FRAME.finditer(text)]
    paths += [m.group(1) for m in _PATH.finditer(text)]

    names: list[str] = list(functions)
    for m in _BACKTICK.finditer(text):
        names += [n for n in _NAME.findall(m.group(1)) if len(n) > 2 and not n.isdigit()]
    for m in _DOTTED.finditer(text):
        parts = m.group(0).split(".")
        if not all(p.islower() and len(p) <= 3 for p in parts):  # "e.g", "i.e"
            names += [p for p in parts if len(p) > 2]
    names += [m.group(1) for m in _CALL.finditer(text) if len(m.group(1)) > 2]
    names += [n for n in _NAME.findall(_FENCE.sub(" ", text)) if _is_code_name(n, text)]
    names = [n for n in names if n.lower() not in STOPWORDS and not n.isdigit()
             and not re.fullmatch(r"(py|js|ts|go|rs|txt|md|rst|html?|org|com|www|http|https)", n.lower())]

    prose = Counter(tokenize(text))
    terms: list[str] = []
    for token, count in prose.items():
        terms += [token] * min(count, MAX_PROSE_COUNT)
    for name in dict.fromkeys(names):
        terms += list(identifier_tokens(name)) * NAME_WEIGHT
    return Query(text, tuple(terms), frozenset(names), tuple(dict.fromkeys(p for p in paths if p)),
                 tuple(functions))
