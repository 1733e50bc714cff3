"""The prose of a doc comment: JSDoc/Javadoc ``/** */``, Go and C/C++ ``//``, Rust ``///``, Lua ``--``
comments with their markers, leading ``*``, tool directives and trailing tags removed
(read by :mod:`explore.sandbox.syntax` from the comments it finds above a definition)."""
from __future__ import annotations

import re

#: Tool directives, not prose: ``//go:generate``, ``// eslint-disable-next-line``, ``// @ts-ignore`` …
_DIRECTIVE = re.compile(r"^(go:|\+build|nolint|lint:|eslint|@ts-|istanbul |prettier-|jshint|jscs:|"
                        r"NOLINT|clang-format|SPDX-)")
_BLOCK_OPEN = re.compile(r"^/\*+!?")
_LINE_OPEN = re.compile(r"^(?://[/!]?|#+|---?(?!\[))")  # Ruby's and PHP's `#`, Lua's `--` and LDoc's `---` too
_BRIEF = re.compile(r"^[@\\]brief\s+")
_TAG = re.compile(r"^(@\w|\\(param|tparam|return|returns|throws|retval|see)\b)")


def clean_doc_comment(comments: list[str]) -> str:
    """Comment markers, leading ``*`` and tool directives removed; a JSDoc/Javadoc/Doxygen
    description ends at its first ``@tag`` (``@param``, ``@returns``) or ``\\param``; a
    Doxygen ``@brief`` is kept as prose."""
    lines: list[str] = []
    for comment in comments:
        if comment.startswith("/*"):
            body = _BLOCK_OPEN.sub("", comment)
            body = body[:-2] if body.endswith("*/") else body
            for line in body.splitlines():
                line = line.strip()
                lines.append(line[1:].strip() if line.startswith("*") else line)
        else:
            lines.append(_LINE_OPEN.sub("", comment.strip()).strip())
    out: list[str] = []
    for line in lines:
        brief = _BRIEF.match(line)
        if brief:
            line = line[brief.end():]
        elif _TAG.match(line):
            break
        if not _DIRECTIVE.match(line):
            out.append(line)
    return "\n".join(out).strip()
