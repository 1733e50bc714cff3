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
#: Of those, the ones taken from the end of a longer question: a report puts its traceback,
#: innermost frame and error last, after the prose and the logs.
TAIL_CHARS = 8_000
#: Extra weight of a token that comes from a code name, over a prose token.
NAME_WEIGHT = 2
#: A prose token counts at most this many times, however often a long report repeats it.
MAX_PROSE_COUNT = 2

_FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in ((?:[^\W\d]|<)[\w<>]*))?')
_JS_FRAME = re.compile(r"at (?:([\w.$<>]+) )?\(?((?:[\w@./-]+/)?[\w.-]+\.(?:js|ts|mjs|tsx|jsx)):(\d+)")
#: Indentation only, never across lines: ``\s*`` tried every line start against every
#: later one, so a report of blank lines took tens of seconds.
_GO_FRAME = re.compile(r"^[^\S\n]*((?:[\w.-]+/)*[\w.-]+\.go):(\d+)", re.M)
#: A file path in prose: relative, or absolute (``/home/…``, ``~/…``, ``C:/…``, the latter
#: read with ``/`` for ``\\``). A JavaScript or data file's stem may hold dots
#: (``webpack.config.js``); a Python one's may not (``docutils.parsers.rst`` is a module).
_PATH = re.compile(r"(?<![\w/.~:-])((?:~|[A-Za-z]:)?/)?((?:[\w.-]+/)*(?:[\w-][\w.-]*\.(?:js|jsx|mjs|cjs|ts|tsx|json|"
                   r"ya?ml|toml)|[\w-]+\.(?:py|pyi|pyx|go|rs|java|kt|c|h|cc|cpp|hpp|rb|php|cs|swift|scala|cfg|ini|"
                   r"md|rst|txt)))\b")
_BACKTICK = re.compile(r"`([^`\n]{1,200})`")
#: A name as Python writes one, letters of any script (``größe_berechnen``), as units name
#: definitions: ASCII runs of it (``e_berechnen``) would name some other function.
_NAME = re.compile(r"[^\W\d]\w*|\d+")
_DOTTED = re.compile(r"\b[^\W\d]\w*(?:\.[^\W\d]\w*)+\b")
_CALL = re.compile(r"\b([^\W\d]\w*)\(")
_FENCE = re.compile(r"```.*?```", re.S)
_SITE = re.compile(r"^.*(?:site-packages|dist-packages|lib/python[\d.]*|src)/")
_INSTALLED = re.compile(r"(?:site-packages|dist-packages|lib/python[\d.]*)/")


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
    installed: frozenset[str] = frozenset()
    """Those of :attr:`paths` that lay in an installed package (``site-packages/requests/utils.py``):
    its folder names another package, so the file's name alone does not stand for one here."""


def _is_code_name(name: str, text: str) -> bool:
    if len(name) < 3 or name.lower() in STOPWORDS or name.isdigit():
        return False
    return "_" in name.strip("_") or bool(re.search(r"[a-z][A-Z]|[A-Z]{2,}[a-z]", name)) \
        or f"`{name}" in text or name.endswith(("Error", "Exception", "Warning"))


def parse(question: str) -> Query:
    """Parse ``question`` (any length: of a longer one, its start and its last
    :data:`TAIL_CHARS`, :data:`MAX_QUERY_CHARS` in all, are read). Cached by what is read,
    so a server asked about pasted logs keeps no megabytes in the cache."""
    return _parse(question if len(question) <= MAX_QUERY_CHARS else
                  question[:MAX_QUERY_CHARS - TAIL_CHARS - 1] + "\n" + question[-TAIL_CHARS:])


@lru_cache(maxsize=512)
def _parse(text: str) -> Query:
    paths: list[str] = []
    functions: list[str] = []
    installed: set[str] = set()
    for m in _FRAME.finditer(text):
        paths.append(_SITE.sub("", m.group(1).replace("\\", "/")))
        if _INSTALLED.search(m.group(1).replace("\\", "/")):
            installed.add(paths[-1])
        if m.group(3) and not m.group(3).startswith("<"):
            functions.append(m.group(3))
    for m in _JS_FRAME.finditer(text):
        paths.append(m.group(2))
        if m.group(1):
            functions.append(m.group(1).rsplit(".", 1)[-1])
    paths += [m.group(1) for m in _GO_FRAME.finditer(text)]
    # an absolute path is the user's checkout or an installed package: its site prefix goes
    for m in _PATH.finditer(text.replace("\\", "/")):
        paths.append(_SITE.sub("", m.group(2)) if m.group(1) else m.group(2))
        if m.group(1) and _INSTALLED.search(m.group(2)):
            installed.add(paths[-1])

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
                 tuple(functions), frozenset(installed))
