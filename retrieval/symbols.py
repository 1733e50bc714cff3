"""Where names are defined: a snapshot's code units, and the files defining each name.

The symbol table of the candidate stage (:class:`~.retriever.Retriever`): the code units
(functions, classes, methods: :class:`~.units.UnitIndex`, built on first use) and, from
them, which files define a name — as written or in any case, inside a type of a given name
(read from the lines above a unit, which carries no enclosing type), and whether a unit of
a name holds a line a trace's frame ran at; and of a question, the candidates defining the
names it uses (a dotted ``Owner.member``, a name assigned a value, a module named for it),
and the file a trace's innermost function, or a bundle's frame, ran in.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import PurePosixPath

import numpy as np

from ..sandbox.index import COMMENT_LINE, IDENTIFIER, Index, tokenize
from ..sandbox.outline import file_kind, is_vendored
from ..sandbox.snapshot import Snapshot
from .file_facts import FileFacts
from .file_kinds import asks_declarations, declares_only
from .frames import dotnet_namespace
from .query import DOTTED, Query, name_parts, owned_names
from .units import UnitIndex

#: A name more files define than this is no question's one definition.
DEFINING_FILES = 3
#: What JavaScript is written in, and compiled to: a bundle's `index.js` is built from `index.ts`.
_SCRIPT_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})
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
    """The code units of one snapshot and the files defining each name (built on first use), and
    which of a question's candidates define the names it uses."""

    def __init__(self, index: Index, facts: FileFacts) -> None:
        self.index = index
        self.snapshot: Snapshot = index.snapshot
        self.facts = facts
        self._units: UnitIndex | None = None
        self._defines: dict[str, set[str]] | None = None
        self._unit_ids: dict[str, list[int]] = {}  # name -> its units, filled with _defines
        self._modules: dict[str, set[str]] | None = None  # a code file's module name -> the files

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

    def bundle_source(self, query: Query, inner: str, candidates: Mapping[str, float]) -> str | None:
        """Where the innermost frame naming ``inner`` matched it by its file name alone and names a
        function ``inner`` does not define, the frame ran in a bundle of the project (luxon's
        `at usesLocalWeekValues (luxon.js:1540:13)`, its build output, matched the 20-line
        src/luxon.js of exports): the candidate defining the function, the best where a few do;
        ``""`` where none does (no file to lift); None where the frame is ``inner``'s own."""
        functions = query.frame_functions or ("",) * len(query.frame_lines)
        name = _script_name(inner)
        for (frame, _), fn in zip(reversed(query.frame_lines), reversed(functions)):
            if _script_name(frame) != name:  # (yup's bundled node_modules/yup/index.js matched src/index.ts)
                continue
            if not fn or "/" in frame and inner.endswith(frame.lstrip("./")) or inner in self.defines(fn) \
                    or _folder(frame) and _folder(frame) == _folder(inner):
                return None  # its own file, or its compiled copy (ky's distribution/core/Ky.js of source/core/Ky.ts)
            defining = [p for p in self.defines_as_written(fn) if p in candidates and file_kind(p) == "code"
                        and not is_vendored(p)]
            return max(defining, key=lambda p: candidates[p]) if 0 < len(defining) <= DEFINING_FILES else ""
        return None

    def defining(self, query: Query, candidates: list[str]) -> set[str]:
        """The files among ``candidates`` that define a name the question uses, of the names
        at most :data:`DEFINING_FILES` files define."""
        out: set[str] = set()
        settled: set[str] = set()
        for m in DOTTED.finditer(query.text):  # `Owner.member`: the file holding the member inside Owner defines it
            parts = [p for p in name_parts(m.group(0)) if len(p) > 2]
            for owner, member in zip(parts, parts[1:]):
                if 0 < len(inside := _named_for(self.defining_in(owner, member), member)) <= DEFINING_FILES:
                    out |= inside
                    settled |= {owner.lower(), member.lower()}
        owned = owned_names(query)
        for name in query.names:
            if name.lower() in settled:
                continue
            # a name defined with its case somewhere: those files, not the ones of its namesake in another case
            files = self.defines_as_written(name) or self.modules_named(name) or self.assigning(name, candidates)
            # reopened in many: the one named for it, which may assign it (`Request = Struct.new(…)`); not for the
            # namespace `Faraday` of `Faraday::Request`, which every file opens (lib/faraday.rb is no answer)
            if len(files) > DEFINING_FILES and name in owned:
                files = _named_for(files | self.assigning(name, candidates), name)
            if any(not declares_only(f) for f in files) and not asks_declarations(query.text):
                files = {f for f in files if not declares_only(f)}  # typings/index.d.ts declares what lib/help.js defines
            if 0 < len(files) <= DEFINING_FILES:
                out |= files
        # a type stub beside its module declares what the module implements: the module answers
        # (a dotted pair's files too), unless the question asks for the declarations themselves
        stubs = not asks_declarations(query.text)
        return {p for p in out.intersection(candidates) if not (stubs and p.endswith(".pyi") and p[:-1] in out)}

    def assigning(self, name: str, candidates: list[str]) -> set[str]:
        """The code files among ``candidates`` that assign ``name`` a value at a line's start
        (``DEFAULT_LIMITS = Limits(…)``, ``ROUNDED: Box = Box(…)``, ``export const X =``,
        ``pub const X: u8 =``): a constant, which no code unit defines; or a config file that
        sets it as a key (``shallow_clone: true``)."""
        if not IDENTIFIER.fullmatch(name):
            return set()
        assigned = re.compile(rf"^(?:export\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:const|let|var|static|final)?\s*"
                              rf"{re.escape(name)}\s*(?::[^=\n]*)?=(?!=)", re.M)
        keyed = re.compile(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*[:=]", re.M)  # a config file's key
        found = set()
        for path in candidates:
            kind = file_kind(path)
            if kind in ("code", "config") and name in (text := self.snapshot.text(path) or "") \
                    and (assigned if kind == "code" else keyed).search(text):
                found.add(path)
        return found

    def modules_named(self, name: str) -> set[str]:
        """The code files whose name, less its suffix, is ``name`` (``validators`` ->
        ``src/attr/validators.py``; a package's ``validators/__init__.py``, ``validators/index.ts``)."""
        if self._modules is None:
            modules: dict[str, set[str]] = defaultdict(set)
            for f in self.snapshot.files:
                if file_kind(f) != "code":
                    continue
                parts = f.lower().split("/")
                stem = parts[-1].rsplit(".", 1)[0]
                modules[parts[-2] if stem in ("__init__", "index", "mod") and len(parts) > 1 else stem].add(f)
            self._modules = dict(modules)
        return self._modules.get(name.lower(), set())

    def defining_pairs(self, query: Query, candidates: list[str]) -> set[str]:
        """The files among ``candidates`` that define both of two neighbouring parts of a
        dotted name in the question (``Options.merge``, ``app.Flask.route``), of the pairs
        at most :data:`DEFINING_FILES` files define both of."""
        out: set[str] = set()
        for m in DOTTED.finditer(query.text):
            parts = [p for p in name_parts(m.group(0)) if len(p) > 2]
            for owner, member in zip(parts, parts[1:]):
                # where the member is read inside the owner's type, those files; else any defining both
                # (anyhow's `ContextError.provide`: error.rs declares the struct and another `provide`,
                # context.rs holds `impl … for ContextError { fn provide }`)
                both = self.defining_in(owner, member) or (self.defines(owner) & self.defines(member))
                if 0 < len(both) <= DEFINING_FILES:
                    out |= both
        return out.intersection(candidates)

    def innermost_defined(self, query: Query, candidates: Mapping[str, float]) -> str | None:
        """Of the functions a trace's frames name (innermost last), the innermost one some code
        file defines: the candidate defining it that scores best, where at most
        :data:`DEFINING_FILES` do; None where none does or more do."""
        for fn in reversed(query.functions):
            defining = [p for p in self.defines_as_written(fn) if file_kind(p) == "code" and not is_vendored(p)]
            if defining:
                found = [p for p in defining if p in candidates]
                # of those declaring the frame's namespace, where some do (a .NET frame's: Specification's EF Core
                # evaluator, not the EF6 one of its name)
                namespace = dotnet_namespace(query.text)
                found = [p for p in found if self.facts.declares_namespace(p, namespace)] or found
                return max(found, key=candidates.__getitem__) if found and len(defining) <= DEFINING_FILES else None
        return None


def _folder(path: str) -> str:
    """The name of the folder ``path`` lies in ("" at the top)."""
    return PurePosixPath(path).parent.name


def _script_name(path: str) -> str:
    """``path``'s file name, a script's without its suffix (``index.js`` and ``index.ts`` alike)."""
    p = PurePosixPath(path)
    return p.stem + ".js" if p.suffix.lower() in _SCRIPT_SUFFIXES else p.name


def _named_for(files: set[str], name: str) -> set[str]:
    """``files``, or where more than :data:`DEFINING_FILES` define ``name``, those named for it
    (``request.rb`` of ``Request``, ``message_template.rb`` of ``MessageTemplate``): Ruby reopens
    a class in each file nesting a helper in it (httparty's ``class Request`` in four files), and
    no definition was lifted at all."""
    if len(files) <= DEFINING_FILES:
        return files
    key = name.lower().replace("_", "")
    return {f for f in files if PurePosixPath(f).stem.lower().replace("_", "").replace("-", "") == key}
