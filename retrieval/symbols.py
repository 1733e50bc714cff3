"""Where names are defined: a snapshot's code units, and the files defining each name.

The symbol table of the candidate stage (:class:`~.retriever.Retriever`): the code units
(functions, classes, methods: :class:`~.units.UnitIndex`, built on first use) and, from
them, which files define a name — as written or in any case, inside a type of a given name
(read from the lines above a unit, which carries no enclosing type), and whether a unit of
a name holds a line a trace's frame ran at.
"""
from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from ..sandbox.index import COMMENT_LINE, Index, tokenize
from ..sandbox.snapshot import Snapshot
from .units import UnitIndex

#: How far above a unit :meth:`Symbols.defining_in` looks for the type that holds it.
ENCLOSING_LINES = 2000
#: The most units of a member's name :meth:`Symbols.defining_in` reads (in files holding the owner's name).
MAX_MEMBER_UNITS = 200
#: A line that opens a type: what follows the keyword names it (and, for an ``impl``, the trait).
_TYPE_HEADER = re.compile(r"(?:(?:pub(?:\([^)]*\))?|export|public|private|protected|internal|abstract|final|static|"
                          r"sealed|open|data|partial|default|unsafe|async)\s+)*"
                          r"(?:class|struct|impl|trait|interface|enum|object|extension|protocol|module|record|union)\b(.*)")
#: A Go method: ``func (c *Command) Name(`` — its receiver names its type.
_GO_RECEIVER = re.compile(r"\s*func\s*\(")


class Symbols:
    """The code units of one snapshot and the files defining each name, built on first use."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.snapshot: Snapshot = index.snapshot
        self._units: UnitIndex | None = None
        self._defines: dict[str, set[str]] | None = None
        self._unit_ids: dict[str, list[int]] = {}  # name -> its units, filled with _defines

    @property
    def units(self) -> UnitIndex:
        if self._units is None:
            self._units = UnitIndex(self.snapshot)
        return self._units

    def defines(self, name: str) -> set[str]:
        """Files that define ``name`` (a function, class or method; case-insensitive)."""
        if self._defines is None:
            defines: dict[str, set[str]] = defaultdict(set)
            ids: dict[str, list[int]] = defaultdict(list)
            units = self.units
            files = units.files
            for i, (unit_name, owner) in enumerate(zip(units.names, units.owner.tolist())):  # 600k units in ~0.4 s
                defines[unit_name.lower()].add(files[owner])
                ids[unit_name.lower()].append(i)
            self._defines, self._unit_ids = dict(defines), dict(ids)
        return self._defines.get(name.lower(), set())

    def defines_as_written(self, name: str) -> set[str]:
        """Of :meth:`defines`, the files whose unit is named with ``name``'s own case, where
        any is: a capitalised name is a type's, and a builder method named after it
        (commander's ``Command.option()`` beside ``class Option``) defines something else — and
        the reverse ("where is help() defined?" is the method, not ``class Help``)."""
        files = self.defines(name)
        if not files:
            return files
        units = self.units
        return {units.files[int(units.owner[i])] for i in self._unit_ids.get(name.lower(), [])
                if units.names[i] == name} or files

    def defining_in(self, owner: str, member: str) -> set[str]:
        """Files where a unit named ``member`` lies inside a type named ``owner``: under the
        nearest less-indented ``class``/``struct``/``impl``/``trait``/``interface``/``extension``…
        header above it that names ``owner`` (Rust's ``impl<C, E> Trait for Owner<C, E>``, a
        Python class), or a Go method whose receiver is ``owner``. Units carry no enclosing type;
        this reads it from the lines above them. ``owner`` must be written as a type is, with a
        capital (``dns.name.Name``'s ``name`` is a module: dnspython's question went astray)."""
        if not owner[:1].isupper():
            return set()
        self.defines(member)
        units = self.units
        found: set[str] = set()
        lines_of: dict[str, list[str]] = {}
        named = re.compile(rf"\b{re.escape(owner)}\b")
        member_word = re.compile(rf"\b{re.escape(member)}\b", re.I)
        # only files whose text holds the owner's name can hold its type: a common member (`get`)
        # has thousands of units, and each would be read
        holding = {self.index.files[j] for j in np.flatnonzero(self.index.token_scores(tokenize(owner)[:1]))}
        ids = [i for i in self._unit_ids.get(member.lower(), []) if units.files[int(units.owner[i])] in holding]
        for i in ids[:MAX_MEMBER_UNITS]:
            path = units.files[int(units.owner[i])]
            if path not in lines_of:
                lines_of[path] = (self.snapshot.text(path) or "").splitlines()
            lines = lines_of[path]
            start, end = int(units.spans[i][0]) - 1, int(units.spans[i][1])
            # a unit may open at its doc comment or attributes: its definition is the first line naming it
            start = next((n for n in range(max(0, start), min(end, len(lines), start + 60))
                          if member_word.search(lines[n]) and not COMMENT_LINE.match(lines[n])), -1)
            if not 0 <= start < len(lines):
                continue
            first = lines[start]
            if _GO_RECEIVER.match(first) and named.search(first.split(")", 1)[0]):
                found.add(path)
                continue
            indent = len(first) - len(first.lstrip())
            for above in reversed(lines[max(0, start - ENCLOSING_LINES):start]):
                stripped = above.lstrip()
                if not stripped or len(above) - len(stripped) >= indent:
                    continue
                if stripped.startswith(("{", "where", ")", ">")):  # a header's brace or where clause on its own line
                    continue
                if COMMENT_LINE.match(stripped):  # C#'s `#if`/`#region` and C's `#ifdef` at column 0, a comment:
                    continue  # no structure (Newtonsoft's JObject.ValidateToken lay under a `#if` the walk stopped at)
                header = _TYPE_HEADER.match(stripped)
                if header:
                    if named.search(header.group(1)):
                        found.add(path)
                    break
                indent = len(above) - len(stripped)  # a less-indented line of another kind: look above it
        return found

    def runs_at(self, path: str, line: int, function: str) -> bool:
        """Whether ``path`` holds a unit named ``function`` whose lines hold ``line``: of the files
        a frame's path names (okio's ``Buffer.kt`` in five source sets), the one it ran in."""
        if not function:
            return False
        self.defines(function)
        units = self.units
        return any(units.files[int(units.owner[i])] == path and int(units.spans[i][0]) <= line <= int(units.spans[i][1])
                   for i in self._unit_ids.get(function.lower(), []))
