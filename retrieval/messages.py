"""Where a pasted message is raised: the code holding it, a table keyed by a name, a catalog.

A bug report pastes what the program printed (``query.Query.messages``). The code that raises
it holds it word for word, in a string, not a comment (:meth:`MessageSites.holding_messages`);
or holds it as a table's entry keyed by a name (a match arm, an enum, a Rust ``#[error]``
attribute), and the code using the key raises it (:meth:`MessageSites.message_tables`); or a
locale's catalog (YAML, JSON) holds it under a key the code uses. "Where is X thrown?" asks
for the lines raising the name (:meth:`MessageSites.raising`). The stage
(:class:`.retriever.Retriever`) keeps one per snapshot.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..sandbox.index import COMMENT_LINE, Index
from ..sandbox.outline import CODE_SUFFIXES, LOCALE_FOLDERS, file_kind, is_build_file, is_vendored
from ..sandbox.snapshot import Snapshot
from .intent import RAISING_LINE
from .query import Query, holds_in_code, holds_in_string, owned_names

#: A message piece found in more of the candidates than this says nothing about any of them.
MESSAGE_FILES = 3

#: Message catalogs read for a pasted message no code file holds (:meth:`MessageSites.message_tables`).
CATALOG_FILES = 200

#: The shortest catalog key searched for in code (``not_found`` is; ``en_GB`` is not).
CATALOG_KEY_CHARS = 7

#: The catalogs whose keys are read by their indentation: YAML's and formatted JSON's.
_CATALOG_SUFFIXES = frozenset({".yml", ".yaml", ".json"})

#: A table entry's key before its message: a match arm (``ErrorCode::KeyMustBeAString =>``,
#: ``case KEY_MUST_BE_A_STRING:``), an assignment or a map's key (``KeyMustBeAString = "…"``,
#: ``KeyMustBeAString: "…"``), of six or more characters, a capital first.
_TABLE_KEY = re.compile(r"^\s*(?:\|\s*)?(?:case\s+)?"
                        # C's and C++'s constants (yaml-cpp's `const char* const END_OF_MAP = "end of map not found";`)
                        r"(?:(?:(?:static|extern|inline|constexpr|const)\s+)*(?:(?:unsigned\s+)?char|wchar_t|"
                        r"(?:std::)?string(?:_view)?)\s*\*?\s*(?:const\s+)?)?"
                        r"(?:[A-Z]\w*(?:::|\.))?([A-Z][A-Za-z0-9_]{5,})\b(?:\[\])?"
                        # (not a message's own first word before prose: swift-case-paths' `XCTModify: Expected …`)
                        r"(?:\s*[({][^)}]*[)}])?\s*(?:=>|=(?!=)|:(?!:)(?!\s*(?!return\b)[A-Za-z]+\s))")

#: C's preprocessor constant of a message: `#define ERR_NO_KEY "key not found"`.
_DEFINED_KEY = re.compile(r"^\s*#\s*define\s+([A-Z][A-Za-z0-9_]{5,})\s+L?\"")

#: A Rust ``thiserror`` message attribute: its variant is on a line below.
_ERROR_ATTRIBUTE = re.compile(r"^\s*#\[error\(")

#: A key of more than one word (``invalid_message_body``, ``invalidEmail``, ``not-found``).
_COMPOUND_KEY = re.compile(r"[a-z0-9][_-]?[A-Z]|[a-z0-9]_[a-z0-9]|[a-z0-9]-[a-z0-9]")

#: A message catalog's entry key: YAML's ``invalid_message_body:``, JSON's ``"required":``.
_CATALOG_KEY = re.compile(r"""^(\s*)(?:-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*:(?!:)""")

def _catalog_entry_keys(lines: list[str], n: int) -> list[str]:
    """The key of the catalog entry on line ``n`` (0-based) of ``lines``, then the keys it is
    nested in, by indentation (YAML's and a formatted JSON's), innermost first; keys of one word
    (``problem``, ``messages``) or of fewer than :data:`CATALOG_KEY_CHARS` characters are left
    out, as too common in code to say where a message is raised (grape's ``problem`` is in the
    code composing every message)."""
    keys: list[str] = []
    found = _CATALOG_KEY.match(lines[n])
    indent = len(found.group(1)) if found else len(lines[n]) - len(lines[n].lstrip())
    if found:
        keys.append(found.group(2))
    for line in reversed(lines[:n]):
        above = _CATALOG_KEY.match(line)
        if above and len(above.group(1)) < indent:
            keys.append(above.group(2))
            indent = len(above.group(1))
            if not indent:
                break
    return [k for k in keys if len(k) >= CATALOG_KEY_CHARS and _COMPOUND_KEY.search(k)]

def _table_keys(lines: list[str], n: int) -> set[str]:
    """The key of the table entry whose message is on line ``n`` (0-based) of ``lines``: on
    the line itself, on the arm above a message written on its own line, or the variant
    below a ``#[error("…")]`` attribute."""
    found = _TABLE_KEY.match(lines[n]) or _DEFINED_KEY.match(lines[n])
    if found is None and n and lines[n - 1].rstrip().endswith(("=> {", "=>", ":")):
        found = _TABLE_KEY.match(lines[n - 1])
    if found is None and _ERROR_ATTRIBUTE.match(lines[n]):
        below = next((line for line in lines[n + 1:n + 4] if line.strip() and not line.lstrip().startswith("#")), "")
        found = re.match(r"^\s*([A-Z][A-Za-z0-9_]{5,})\b", below)
    return {found.group(1)} if found else set()

#: A script's first line naming a program's interpreter.
_SHEBANG = re.compile(r"#!\s*\S*/(?:env\s+(?:-S\s+)?)?(?:node|python[\d.]*|ruby|perl|php|bash|sh|zsh|deno|bun)\b")

#: Build files that are data, not programs: no message is raised in them.
_BUILD_DATA = frozenset({".json", ".toml", ".cfg", ".xml", ".props", ".csproj", ".fsproj", ".vbproj", ".sln", ".slnx",
                         ".mod", ".cabal", ".podspec"})


class MessageSites:
    """The files of ``index``'s snapshot that raise a message a question pastes."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.snapshot: Snapshot = index.snapshot
        # the last question's files raising a message its table keys (message_tables): where each first names the key
        self.raised: tuple[str, dict[str, int]] = ("", {})
        self._catalogs: list[str] | None = None  # the message catalogs under locale folders

    def code_texts(self, candidates: list[str]) -> dict[str, str]:
        """The text of each code file among ``candidates`` that is no vendored copy (eight copies of
        an older urfave/cli under vendor/ holding "could not parse" took the message lift from the
        project's own flag_impl.go), read once for a question's message lifts; and a script's in a language of
        code (ejs's bin/cli.js, the package's command, held "Please do not pass data multiple ways"); and a build
        file written as a program (inih's meson.build, whose `error('default_library=both is not supported on
        Windows')` a failed `meson setup` prints, came 5th), not one of data (package.json, Cargo.toml); and a
        script with no suffix whose first line names its interpreter (mustache.js's bin/mustache, `#!/usr/bin/env
        node`, printing "could not parse view as JSON")."""
        # (an apostrophe escaped in a single-quoted string read as the message prints it: DeepCopy's
        # 'The class "%s" doesn\'t have a property …' held no "doesn't", and took no lift)
        return {p: (self.snapshot.text(p) or "").replace("\\'", "'") for p in candidates if not is_vendored(p) and (
            file_kind(p) == "code" or file_kind(p) == "script" and PurePosixPath(p).suffix.lower() in CODE_SUFFIXES
            or is_build_file(p) and PurePosixPath(p).suffix.lower() not in _BUILD_DATA
            or file_kind(p) == "script" and not PurePosixPath(p).suffix
            and _SHEBANG.match(self.snapshot.text(p) or "") is not None)}

    def holding_messages(self, query: Query, candidates: list[str], texts: dict[str, str] | None = None) -> set[str]:
        """The code files among ``candidates`` that hold, word for word, a piece of a message
        the question pastes which at most :data:`MESSAGE_FILES` of them hold; where none holds
        any, the longest start of an error line's piece that some hold
        (:attr:`.query.Query.message_starts`)."""
        if not query.messages:
            return set()
        texts = self.code_texts(candidates) if texts is None else texts
        code = list(texts)
        found: set[str] = set()
        for piece in query.messages:  # in code or a string, not a comment speaking of it
            holding = [p for p in code if piece in texts[p] and holds_in_code(texts[p], piece)]
            if 0 < len(holding) <= MESSAGE_FILES:
                found.update(holding)
        for starts in query.message_starts if not found else ():
            # held by none: the user's value may be a plain word (`over null` of `over %s`)
            for start in starts:  # inside a string literal: the code formatting the message, not a comment
                holding = [p for p in code if start in texts[p] and holds_in_string(texts[p], start)]
                if holding:
                    found.update(holding if len(holding) <= MESSAGE_FILES else ())
                    break
        return found

    def message_tables(self, query: Query, holding: set[str], candidates: list[str],
                       texts: dict[str, str] | None = None) -> dict[str, set[str]]:
        """Of ``holding`` (the files holding a pasted message), those holding it only as a table's
        entry keyed by a name (:data:`_TABLE_KEY`: a match arm's ``ErrorCode::KeyMustBeAString =>``,
        an enum's or a map's ``KeyMustBeAString = "…"``, the variant under a ``#[error("…")]``), each
        with the other code files among ``candidates`` that use the key: where the error is raised,
        when at most :data:`MESSAGE_FILES` do."""
        tables: dict[str, set[str]] = {}
        raised: dict[str, int] = {}
        texts = self.code_texts(candidates) if texts is None else texts
        for path in sorted(holding):
            lines = (texts[path] if path in texts else self.snapshot.text(path) or "").splitlines()
            keys = {key for piece in query.messages for n, line in enumerate(lines) if piece in line
                    for key in _table_keys(lines, n)}
            if not keys:
                continue
            found = {p: m for p, text in texts.items()
                     if p != path and (m := re.search(rf"\b(?:{'|'.join(sorted(keys))})\b", text)) is not None}
            if 0 < len(found) <= MESSAGE_FILES:
                tables[path] = set(found)
                raised.update({p: texts[p].count("\n", 0, m.start()) + 1 for p, m in found.items()})
        if not holding:  # no code holds it: a locale's catalog may, keyed by what the code raises with
            for path, keys in self.catalog_keys(query):
                for key in keys:  # the entry's own key first, then the keys it is nested in
                    found = {p: m for p, text in texts.items() if (m := re.search(rf"\b{re.escape(key)}\b", text))}
                    if 0 < len(found) <= MESSAGE_FILES:
                        tables[path] = set(found)
                        raised.update({p: texts[p].count("\n", 0, m.start()) + 1 for p, m in found.items()})
                        break
        self.raised = (query.text, raised)  # the evidence of each opens where it raises (Retriever.best_unit)
        return tables

    def raising(self, query: Query, candidates: list[str]) -> set[str]:
        """The code files among ``candidates`` with a code line that raises or throws a name of
        ``query`` (``throw new TooManyRedirectsException(``), for "where is X thrown?": not a
        comment saying it will, nor a line raising another error of the same namespace."""
        names = owned_names(query)  # of HTTParty::RedirectionTooDeep the error, not its namespace
        found: set[str] = set()
        for path in candidates:
            if file_kind(path) != "code":
                continue
            text = self.snapshot.text(path) or ""
            if any(RAISING_LINE.search(line) and not COMMENT_LINE.match(line)
                   for line in text.splitlines() if any(n in line for n in names)):
                found.add(path)
        return found

    def catalogs(self) -> list[str]:
        """The YAML and JSON files under a locale folder (:data:`~explore.sandbox.outline.LOCALE_FOLDERS`), at most
        :data:`CATALOG_FILES`; read once."""
        if self._catalogs is None:
            self._catalogs = [f for f in self.index.files if PurePosixPath(f).suffix.lower() in _CATALOG_SUFFIXES
                              and not LOCALE_FOLDERS.isdisjoint(PurePosixPath(f.lower()).parts[:-1])
                              and not is_vendored(f)][:CATALOG_FILES]
        return self._catalogs

    def catalog_keys(self, query: Query) -> list[tuple[str, list[str]]]:
        """The YAML and JSON message catalogs under a locale folder (Rails' ``config/locales/``,
        grape's ``lib/grape/locale/en.yml``, i18next's ``locales/en/translation.json``) holding a
        piece of a message ``query`` pastes, each with the keys of the entry holding it, the
        entry's own first, then those it is nested in (``problem``, ``invalid_message_body``).
        At most :data:`CATALOG_FILES` catalogs are read."""
        out = []
        for path in self.catalogs():
            text = self.snapshot.text(path) or ""
            if not any(piece in text for piece in query.messages):
                continue
            lines = text.splitlines()
            for n, line in enumerate(lines):
                if any(piece in line for piece in query.messages):
                    out.append((path, _catalog_entry_keys(lines, n)))
                    break
        return out
