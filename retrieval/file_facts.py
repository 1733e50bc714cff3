"""What each file of one snapshot is, read once from its text and its neighbours.

:mod:`.file_kinds` reads a file by its name alone; some kinds need the file's head or the
files beside it: generated (a grammar of its name beside it, a generator's name or mark, a
minified or bundled script, a compiler's output beside its source map, a single-header
amalgamation), a docs page a tool built, an autodoc stub, an interface with no class, a C/C++
source that only includes its headers, a file of no bytes, the docs of an older version. The
stage (:class:`.retriever.Retriever`) keeps one :class:`FileFacts` per snapshot; each answer is
read at most once per file.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath

from ..sandbox.index import COMMENT_LINE, Index
from ..sandbox.outline import file_kind, is_generated, is_vendored
from ..sandbox.snapshot import Snapshot
from .file_kinds import BUILT_PAGE, is_autodoc_stub


#: Sources a generated file of the same name comes from: a Bison or flex grammar, ANTLR,
#: protobuf, Thrift and FlatBuffers schemas, an autoconf or Jinja template.
GENERATED_FROM = frozenset({".y", ".yy", ".l", ".ll", ".g4", ".proto", ".thrift", ".fbs", ".in", ".tmpl", ".j2",
                            ".jinja", ".m4", ".ac"})

#: Per language, what declares an interface (or a protocol) and what declares code beside it.
_INTERFACE_SUFFIXES = {
    ".java": (re.compile(r"\binterface\s+[A-Z]\w*"), re.compile(r"\b(?:class|enum|record)\s+[A-Z]\w*")),
    ".kt": (re.compile(r"\binterface\s+[A-Z]\w*"), re.compile(r"\b(?:class|object)\s+[A-Z]\w*")),
    ".cs": (re.compile(r"\binterface\s+I?[A-Z]\w*"), re.compile(r"\b(?:class|struct|record|enum)\s+[A-Z]\w*")),
    ".swift": (re.compile(r"\bprotocol\s+[A-Z]\w*"), re.compile(r"\b(?:class|struct|enum|extension|actor)\s+[A-Z]\w*")),
}

#: Comments of the C family (and the strings' text is left: a class named in a string is rare).
_COMMENTS = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)

#: A folder of one version's docs: ``1.x``, ``v2``, ``v1.2``, Docusaurus's ``version-1.2.3`` (not a year's
#: ``2024``, a blog's).
_VERSION_FOLDER = re.compile(r"version-v?\d+(?:\.\w+)*|v\d+(?:\.(?:\d+|x))*|\d+\.(?:\d+|x)(?:\.(?:\d+|x))*", re.I)

def _page_key(path: str) -> str:
    """How a docs page and the page built from it are told alike: the stem, or for a folder's
    own page (``index``, ``readme``) the folder and the stem (CsvHelper's site builds
    ``docs/migration/v30/index.html`` from ``input/migration/v30/index.md``)."""
    pure = PurePosixPath(path.lower())
    stem = "index" if pure.stem == "readme" else pure.stem
    return f"{pure.parent.name}/{stem}" if stem in ("index", "_index") and pure.parent.name else stem

def _version_key(folder: str) -> tuple[int, ...]:
    """A version folder's order (``1.x`` < ``2.0`` < ``2.x``; ``version-v114`` is 114)."""
    return tuple(1 << 30 if n == "x" else int(n) for n in re.findall(r"\d+|(?<=\.)x\b", folder))

#: File names code generators give what they write (protobuf, OpenAPI clients, Dart's build_runner,
#: Windows Forms' designer, ``*.generated.*``): generated whatever the repository holds beside them.
_GENERATED_NAME = re.compile(r"(?:\.pb\.(?:go|cc|h)|_pb2(?:_grpc)?\.pyi?|\.gen\.[cm]?[jt]sx?|\.g\.dart|\.freezed\.dart|"
                             r"\.designer\.cs|\.g\.(?:i\.)?cs|[._]generated\.\w+|\.min\.[cm]?js)$")

#: Folders a bundler writes into.
_BUILD_FOLDERS = frozenset({"dist", "out", "build", "bundle", "bundles", "umd"})

#: A bundler's wrapper at a file's head: UMD's `define.amd` test, browserify's, webpack's and esbuild's preludes.
_BUNDLE_HEAD = re.compile(r"define\.amd|__webpack_require__|\bparcelRequire\b|\b__commonJS\s*=|\b__toESM\s*=|"
                          r"typeof require\s*==\s*[\"']function[\"']"
                          r"&&require|\(function\s*\w*\s*\(\s*[etr]\s*,\s*[ntr]\s*,\s*[rn]\s*\)\s*\{\s*function")

#: A line this long in a JavaScript file's head says a minifier wrote it (retrofit's website
#: `prettify.js` ranked first for "Remove outdated TODO").
_MINIFIED_LINE = 1000

#: The line a compiler (tsc, Babel, a bundler) ends its output with, naming the source map.
_SOURCE_MAPPED = re.compile(r"^//# sourceMappingURL=\S+\s*$", re.M)

#: What a brace that opens no body follows: a namespace (``inline namespace v4``) or ``extern "C"``.
_NAMESPACE_OPENED = re.compile(r'(?:\bnamespace(?:\s+[\w:]+)?|\bextern\s+"C(?:\+\+)?")\s*$')

#: Folders holding a project's sources amalgamated into one file.
_AMALGAMATION_FOLDERS = frozenset({"single_include", "single-include", "single_header", "single-header",
                                   "amalgamation", "amalgamated"})

#: A generated file's head naming the file it was generated from (mockgen's ``// Source: client.go``).
_GENERATED_SOURCE = re.compile(r"(?im)^\W{0,4}source:\s*([\w./-]+\.\w+)\s*$")

#: A head saying a file was assembled from the project's sources into one.
_AMALGAMATED_HEAD = re.compile(r"(?i)\b(?:amalgamat\w*|assembled|single[- ]header)\b")

#: Mock generators' marks: Go's mockgen, mockery and counterfeiter, whose files copy an interface's methods.
_MOCK_GENERATOR = re.compile(r"(?i)\bgenerated by (?:mockgen|mockery|counterfeiter)\b")


class FileFacts:
    """Facts about the files of ``index``'s snapshot, each read on first use and kept."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.snapshot: Snapshot = index.snapshot
        self._tails: dict[str, list[str]] | None = None
        self._interfaces: dict[str, bool] = {}  # a file -> whether it declares an interface and no class
        self._sources: set[str] | None = None
        self._built_marks: dict[str, bool] = {}  # a docs page -> whether a documentation tool built it
        self._stub_marks: dict[str, bool] = {}  # a docs page -> whether it is autodoc directives alone
        self._folder_set: set[str] | None = None  # the names of the repository's folders (folder_held)
        self._generated_marks: dict[str, bool] = {}  # a code file -> whether it was generated from a source beside it
        self._folder_names: dict[str, list[str]] | None = None  # a folder -> its files' names
        self._older: dict[str, str] | None = None  # a folder of an older version's docs -> its version
        self._empty: frozenset[str] | None = None  # the files of no bytes

    def by_tail(self) -> dict[str, list[str]]:
        """Each tail of each file's path (``c.py``, ``b/c.py``, ``a/b/c.py``) -> the files
        ending with it, in the snapshot's order: a traceback's hundreds of frames are looked
        up, not compared with every file of the tree once per tail."""
        if self._tails is None:
            tails: dict[str, list[str]] = defaultdict(list)
            for f in self.snapshot.files:
                parts = f.split("/")
                for n in range(1, len(parts) + 1):
                    tails["/".join(parts[-n:])].append(f)
            self._tails = dict(tails)
        return self._tails

    def folders(self) -> dict[str, list[str]]:
        """Each folder's file names (for :meth:`generated`), made once."""
        if self._folder_names is None:
            found: dict[str, list[str]] = defaultdict(list)
            for f in self.snapshot.files:
                folder, _, name = f.rpartition("/")
                found[folder].append(name)
            self._folder_names = found
        return self._folder_names

    def folder_held(self, name: str) -> bool:
        """Whether some folder of the repository is named ``name``."""
        if self._folder_set is None:
            self._folder_set = {part for folder in self.folders() for part in folder.split("/") if part}
        return name in self._folder_set

    def older_versions(self) -> dict[str, str]:
        """The folders of docs for a version older than a sibling's (``docs/1.x/`` beside
        ``docs/2.x/``), and every version under Docusaurus's ``versioned_docs/`` (``docs/`` holds
        the newest), each with its version (``1.x``); read once."""
        if self._older is None:
            versions: dict[tuple[str, ...], set[str]] = defaultdict(set)
            for f in self.index.files:
                parts = PurePosixPath(f).parts[:-1]
                at = next((i for i, part in enumerate(parts) if _VERSION_FOLDER.fullmatch(part)), None)
                if at is not None:
                    versions[parts[:at]].add(parts[at])
            older: dict[str, str] = {}
            for parent, found in versions.items():
                newest = max(found, key=_version_key)
                for version in found:
                    if version != newest or parent[-1:] == ("versioned_docs",):
                        older["/".join((*parent, version)) + "/"] = version
            self._older = older
        return self._older

    def declares_namespace(self, path: str, namespace: str) -> bool:
        """Whether the C# (F#, VB) file ``path`` declares ``namespace`` (block or file-scoped)."""
        return bool(namespace) and re.search(rf"^[\s\ufeff]*namespace\s+{re.escape(namespace)}\s*[;{{\n]",
                                             self.snapshot.text(path) or "", re.M) is not None

    def empty_files(self) -> frozenset[str]:
        """The files of the snapshot that hold no bytes (read from its listing, not the files)."""
        if self._empty is None:
            self._empty = frozenset(f"{folder}/{e.name}" if folder else e.name
                                    for folder, entries in self.snapshot.tree.items()
                                    for e in entries if e.kind == "file" and e.size == 0)
        return self._empty

    def interface_only(self, path: str) -> bool:
        """Whether the Java, C# or Kotlin file ``path`` declares an interface and no class (a
        Swift file, a protocol and no class, struct or extension): what it declares, another
        file implements (a default method's one-line delegation aside)."""
        suffix = PurePosixPath(path).suffix.lower()
        if suffix not in _INTERFACE_SUFFIXES or file_kind(path) != "code":
            return False
        if path not in self._interfaces:
            text = _COMMENTS.sub(" ", self.snapshot.text(path, 200_000) or "")
            self._interfaces[path] = _INTERFACE_SUFFIXES[suffix][0].search(text) is not None \
                and _INTERFACE_SUFFIXES[suffix][1].search(text) is None
        return self._interfaces[path]

    def own_namesake(self, path: str) -> bool:
        """Whether a vendored ``path``'s file name is also a file of the repository's own (an
        older copy of the project under ``vendor/``): a question naming ``flag`` or ``help.go``
        names the project's file, and the copy keeps its penalty."""
        return any(not is_vendored(f) for f in self.by_tail().get(PurePosixPath(path).name, ()))

    def generated(self, path: str) -> bool:
        """Whether ``path`` was generated from a source the repository holds beside it: its head
        says a tool wrote it, and its folder holds the grammar or template of its name
        (``parser.c`` and ``parser.y``); or its name is a code generator's own (``api.pb.go``,
        ``x_pb2.py``, ``sdk.gen.ts``, ``Form1.Designer.cs``: an OpenAPI client's generated files
        outranked the backend for a database error). A generated module with no such source (a
        table a script wrote, jinja's ``_identifier.py``) is the project's own code. A minified
        script (``*.min.js``, or a line of :data:`_MINIFIED_LINE` characters in its head) is a
        copy too. Read once per file."""
        marks = self._generated_marks
        if path not in marks:
            folder, _, name = path.rpartition("/")
            base = name.split(".")[0]
            sources = self.folders().get(folder, ())
            marks[path] = _GENERATED_NAME.search(name.lower()) is not None or any(n != name and n.split(".")[0] == base and PurePosixPath(n).suffix.lower() in
                              GENERATED_FROM for n in sources) and is_generated(self.snapshot.text(path, 4096) or "") \
                or name.lower().endswith((".js", ".mjs", ".cjs")) and (any(
                    len(line) >= _MINIFIED_LINE for line in (self.snapshot.text(path, 4096) or "").split("\n"))
                    # a bundler's output in a build folder (nedb's browser-version/out/nedb.js, a browserify
                    # bundle of lib/, answered questions about lib/datastore.js)
                    or not _BUILD_FOLDERS.isdisjoint(folder.lower().split("/"))
                    and _BUNDLE_HEAD.search(self.snapshot.text(path, 4096) or "") is not None
                    # a compiler's output beside its source map (ky's committed distribution/core/Ky.js
                    # answered its own stack traces over source/core/Ky.ts)
                    or _SOURCE_MAPPED.search((self.snapshot.text(path) or "")[-512:]) is not None) \
                or self.generated_elsewhere(path) or self.amalgamated(path)
        return marks[path]

    def amalgamated(self, path: str) -> bool:
        """Whether ``path`` is a single-header amalgamation of the project's own sources (toml11's 604 KB
        single_include/toml.hpp, rebuilt from include/ by a workflow, took a top-five place for 8 of 13 questions;
        nlohmann/json's single_include/): under such a folder, with code of its language outside it."""
        parts = path.lower().split("/")
        if not _AMALGAMATION_FOLDERS.intersection(parts[:-1]):
            return False
        suffix = PurePosixPath(path).suffix.lower()
        top = parts.index(next(p for p in parts if p in _AMALGAMATION_FOLDERS))
        return any(f.lower().split("/")[top:top + 1] != [parts[top]] and f.lower().endswith(suffix)
                   for f in self.snapshot.files if f != path)

    def generated_elsewhere(self, path: str) -> bool:
        """Whether ``path``'s head says a tool wrote it from a source the repository holds in another
        folder (mockgen's ``// Code generated by MockGen. DO NOT EDIT.`` / ``// Source: client.go``: a mock
        under mocks/ answered where go-retryablehttp's ``LeveledLogger`` interface is defined), or that a mock
        generator wrote it."""
        head = self.snapshot.text(path, 4096) or ""
        if not is_generated(head):
            return False
        if _MOCK_GENERATOR.search(head):
            return True
        if _AMALGAMATED_HEAD.search(head) and any(f != path for f in self.by_tail().get(PurePosixPath(path).name, [])):
            return True  # tomlplusplus' toml.hpp at the top, "assembled … by a script", beside include/toml++/toml.hpp
        named = _GENERATED_SOURCE.search(head)
        return named is not None and any(f != path for f in self.by_tail().get(named.group(1).lstrip("./"), []))

    def includes_only(self, path: str) -> bool:
        """Whether a C/C++ source file holds little but `#include` lines (spdlog's ``src/async.cpp``
        compiles its headers' inline code in), or no body but a namespace's: explicit instantiations
        (toml11's src/serializer.cpp, ``template class serializer<type_config>;``, held serializer.hpp's
        answer 32nd, behind it)."""
        text = self.snapshot.text(path, 20_000) or ""
        lines = [line.strip() for line in text.splitlines()]
        code = [line for line in lines if line and not COMMENT_LINE.match(line) or line.startswith("#include")]
        if not code:
            return False
        if sum(line.startswith(("#include", "#if", "#endif", "#else", "#define", "#pragma")) for line in code) * 2 \
                >= len(code):
            return True
        bare = "\n".join(line for line in code if not line.startswith("#"))
        return all(_NAMESPACE_OPENED.search(bare[:m.start()]) for m in re.finditer(r"\{", bare))

    def built_page(self, path: str) -> bool:
        """Whether ``path`` is a docs page a documentation tool built (HTML that says so, or whose
        source page, named alike, the repository holds): Alamofire's 364 jazzy pages answered
        "how do I stop following redirects?", sqlalchemy's built ``doc/orm/*.html`` stood
        beside the ``doc/build/orm/*.rst`` they were built from. Read once per page."""
        if PurePosixPath(path).suffix.lower() not in (".html", ".htm") or file_kind(path) != "docs":
            return False
        marks = self._built_marks
        if path not in marks:
            marks[path] = BUILT_PAGE.search(self.snapshot.text(path) or "") is not None \
                or _page_key(path) in self.page_sources()
        return marks[path]

    def autodoc_stub(self, path: str) -> bool:
        """Whether the docs page ``path`` is autodoc directives and headings alone (:func:`is_autodoc_stub`),
        read once."""
        if path not in self._stub_marks:
            self._stub_marks[path] = PurePosixPath(path).suffix.lower() in (".rst", ".md", ".txt") \
                and is_autodoc_stub(self.snapshot.text(path, 40_000) or "")
        return self._stub_marks[path]

    def page_sources(self) -> set[str]:
        """The repository's docs sources (``.rst``, ``.md``, ``.adoc``, ``.txt`` pages), each by
        :func:`_page_key`."""
        if self._sources is None:
            self._sources = {_page_key(f) for f in self.snapshot.files
                             if PurePosixPath(f).suffix.lower() in (".rst", ".md", ".adoc", ".txt", ".markdown")
                             and file_kind(f) == "docs"} - {"index", "readme"}
        return self._sources
