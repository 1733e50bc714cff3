"""Code units: the functions, classes and methods of a file, each a document of its own.

A 3,000-line module that defines the one function a question is about should not lose to
a short test that repeats the question's words: ranking a file by its best unit fixes
that. Python is parsed with :mod:`ast`; JavaScript/TypeScript, Go, Rust, Java and C/C++ by
tree-sitter (:mod:`..sandbox.syntax`: each function, method and type with the doc comment
above it); the languages it has no grammar for (Kotlin, Ruby, C# …) by their definition
lines (a unit runs from one top-level-looking definition to the next).
Units are kept per git blob id, so the parents of a thousand commits parse each content once.
"""
from __future__ import annotations

import ast
import hashlib
import pickle
import re
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from ..sandbox import syntax
from ..sandbox.atomic import replacing
from ..sandbox.index import file_lines, tokenize
from ..sandbox.outline import file_kind, parse_python
from ..sandbox.snapshot import Snapshot, cache_root

#: Characters of one unit's text that are indexed.
UNIT_CHARS = 6_000
#: Files larger than this are not split into units (minified or generated code).
MAX_UNIT_FILE_BYTES = 1 << 20
#: Unit languages: Python, tree-sitter's, and those split by definition lines.
UNIT_SUFFIXES = frozenset(".py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .go .rs .java .kt .scala .c .h .cc .cpp .hpp "
                          ".cs .rb .php .swift .lua".split()) | frozenset(syntax.SUFFIXES)
#: Definitions that are not units of their own (as Python's module constants are not).
NOT_UNITS = frozenset({"constant"})
_DEF_LINE = re.compile(
    r"^[ \t]*(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:static\s+)?"
    r"(?:(?:public|private|protected|internal|final|abstract|override|virtual)\s+)*"
    r"(?:def|class|function|func|fn|struct|interface|enum|trait|impl|module|type|const|let|var)\s+"
    r"(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)", re.M)
_C_FUNC = re.compile(r"^[A-Za-z_][\w \t\*&:<>,]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*(?:const\s*)?\{", re.M)


@dataclass(frozen=True)
class FileUnits:
    """The units of one file's content: names, 1-based line spans, token counts, and an
    inverted list per token (unit positions and term frequencies) for BM25 without an
    index build: a commit's unit index is the concatenation of its files' lists."""

    names: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    lengths: np.ndarray
    postings: dict[str, tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, path: str, text: str) -> "FileUnits":
        names, spans, lengths = [], [], []
        lists: dict[str, tuple[list[int], list[int]]] = {}
        for i, (name, start, end, body) in enumerate(split(path, text)):
            tokens = tokenize(name) * 2 + tokenize(body[:UNIT_CHARS])
            names.append(name)
            spans.append((start, end))
            lengths.append(len(tokens))
            for token, tf in Counter(tokens).items():
                idx, tfs = lists.setdefault(token, ([], []))
                idx.append(i)
                tfs.append(tf)
        postings = {t: (np.asarray(i, dtype=np.int32), np.asarray(f, dtype=np.float32)) for t, (i, f) in lists.items()}
        return cls(tuple(names), tuple(spans), np.asarray(lengths, dtype=np.float32), postings)


def split(path: str, text: str) -> list[tuple[str, int, int, str]]:
    """``(name, start, end, text)`` of each unit in a file (empty for non-code files)."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix not in UNIT_SUFFIXES or len(text) > MAX_UNIT_FILE_BYTES:
        return []
    if len(text) > syntax.MINIFIED_MIN_BYTES and syntax.mean_line(text) > syntax.MINIFIED_LINE:
        return []  # minified or generated: one long line says nothing a unit could
    lines = file_lines(text)
    if suffix in (".py", ".pyi"):
        try:
            tree = parse_python(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return _by_lines(lines, _DEF_LINE)
        out = []
        for node in _definitions(tree):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            if isinstance(node, ast.ClassDef):  # the class's own text: up to its first method
                inner = [n.lineno for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
                end = min(inner) - 1 if inner else end
            out.append((node.name, start, end, "\n".join(lines[start - 1:end])))
        return out
    defs = syntax.outline(path, text)
    if defs is not None:
        return _by_definitions(lines, defs)
    pattern = _C_FUNC if suffix in (".c", ".h", ".cc", ".cpp", ".hpp") else _DEF_LINE
    return _by_lines(lines, pattern)


#: Languages whose tests are calls given a description and a block (mocha's and jest's ``it('…', () => {``,
#: tape's ``t.test('…', function (st) {``, RSpec's ``it "…" do``), not functions a unit would be.
TEST_BLOCK_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".rb"})
_TEST_BLOCK = re.compile(r"""^([ \t]*)(?:(?:it|test|specify|scenario)(?:\.(?:only|skip|concurrent))?|\w{1,4}\.test)"""
                         r"""\s*\(?\s*(['"`])(.{3,200}?)\2\s*(?:,|do\b|\{)""")
#: The most lines a test block's unit runs to.
TEST_BLOCK_LINES = 300


def test_blocks(lines: list[str]) -> list[tuple[str, int, int, str]]:
    """``(description, start, end, text)`` of each test a call declares (:data:`_TEST_BLOCK`), to
    the first line after it indented no deeper (its ``});`` or ``end``): qs's test/parse.js is one
    call holding 300 tests, and its evidence opened at the one helper function it defines. Read
    for evidence only (:meth:`.Retriever.best_unit`): as units they moved the unit ranking."""
    out = []
    for i, line in enumerate(lines):
        found = _TEST_BLOCK.match(line)
        if found is None:
            continue
        indent = len(found.group(1).expandtabs())
        end = next((j for j in range(i + 1, min(len(lines), i + TEST_BLOCK_LINES))
                    if lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) <= indent), None)
        if end is None:
            continue  # a one-line test, or one past the cap: no block of its own
        out.append((found.group(3), i + 1, end + 1, "\n".join(lines[i:end + 1])))
    return out


#: The fields that hold statements (or the except-handlers and match-cases that hold them).
_STATEMENT_FIELDS = frozenset({"body", "handlers", "orelse", "finalbody", "cases"})
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _definitions(tree: ast.AST) -> list[ast.AST]:
    """The functions and classes of a module, in :func:`ast.walk`'s order (breadth first,
    fields in order), visiting statements only: a definition is a statement, so the
    expressions :func:`ast.walk` also visits (nine nodes in ten) cannot hold one."""
    out, queue = [], deque([tree])
    while queue:
        node = queue.popleft()
        if isinstance(node, _DEFINITIONS):
            out.append(node)
        for name in node._fields:
            if name in _STATEMENT_FIELDS:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    queue.extend(child for child in value if isinstance(child, ast.AST))
    return out


def _by_definitions(lines: list[str], defs: tuple[syntax.Definition, ...]) -> list[tuple[str, int, int, str]]:
    """A unit per definition, from its doc comment to its end; a type's unit is its own text,
    up to its first member (its methods are units of their own)."""
    out = []
    for i, d in enumerate(defs):
        if d.kind in NOT_UNITS:
            continue
        start, end = d.doc_start, d.end
        if d.kind in syntax.TYPE_KINDS:
            inner = next((e.doc_start for e in defs[i + 1:] if e.start >= d.start and e.end <= d.end), None)
            end = max(d.start, inner - 1) if inner is not None else end
        out.append((d.name, start, end, "\n".join(lines[start - 1:end])))
    return out


def _by_lines(lines: list[str], pattern: re.Pattern[str]) -> list[tuple[str, int, int, str]]:
    starts = []
    for i, line in enumerate(lines):
        m = pattern.match(line)
        if m:
            starts.append((i + 1, m.group(1)))
    out = []
    for j, (start, name) in enumerate(starts):
        end = starts[j + 1][0] - 1 if j + 1 < len(starts) else len(lines)
        out.append((name, start, end, "\n".join(lines[start - 1:end])))
    return out


class UnitCache:
    """Units by blob id (content), bounded; files of working trees are parsed each time."""

    def __init__(self, max_files: int = 100_000) -> None:
        self.max_files = max_files
        self._held: OrderedDict[str, FileUnits] = OrderedDict()
        self.parsed = 0
        """Files parsed so far (not found in the memo)."""

    def units(self, snapshot: Snapshot, rel: str, keep: bool = True) -> FileUnits:
        """The file's units, from the memo or parsed (and kept, unless ``keep`` is false)."""
        blob = snapshot.blobs.get(rel)
        found = self._held.get(blob) if blob else None
        if found is None:
            # one byte past the limit, so that split() sees a file is too large (text() stops at 1 MiB)
            found = FileUnits.of(rel, snapshot.text(rel, MAX_UNIT_FILE_BYTES + 1) or "")
            self.parsed += 1
            if blob and keep:
                self._held[blob] = found
                if len(self._held) > self.max_files:
                    self._held.popitem(last=False)
        return found


#: The process's unit memo.
UNITS = UnitCache()


#: Unit sets that took longer than this to parse are kept on disk for the next process.
SAVE_AFTER_SECONDS = 1.0
#: Snapshots whose units the cache keeps (oldest removed first).
MAX_CACHED_UNIT_SETS = 16
#: A snapshot with more files than this that the process has not parsed yet starts from
#: the newest saved set of its repository (a commit's parent, after ``git pull``) and parses
#: only the files whose content differs.
CARRY_OVER_FILES = 30
#: The saved sets' layout and what they hold: "5" since Kotlin, Scala, C#, PHP, Swift and Lua
#: files are code (file_kind), so their units are in the set; "6" since tree-sitter reads Ruby,
#: PHP and C# (their units are methods and classes, no longer the lines a regex found); "7" Swift
#: and Scala too; "8" Kotlin; "9" Elixir and Lua; "10" Lua's assigned functions, Elixir's quoted and
#: operator definitions left out, an indented file no longer "minified"; "11" Ruby's constants; "12" hex
#: literals give no tokens; "13" a Maven site's scripts are data (file_kind), out of the set; "14" Kotlin's
#: properties; "15" a file's top-level ones only, and C++20 module units (.cppm, .ixx, .mpp); "16" a module
#: unit's `export namespace x {` no function named x; "17" C# 14's extension blocks' members, and words of every
#: script; "18" TeamCity's `.teamcity/*.kts` settings are config, out of the set; "19" Objective-C's `.m`/`.mm`
#: by tree-sitter (their classes, methods and functions; they were split by C-function lines); "20" C++'s
#: `.inl`/`.ipp`/`.tpp`/`.tcc` implementation files are code, into the set.
UNITS_VERSION = "20"
#: Sets of more files than this are not kept in the memo file by file (a 100,000-file
#: repository's per-file lists held about a gigabyte): they are flattened at once, and the
#: newest flat set of each repository stays in memory as the next commit's donor instead.
MEMO_FILES = 20_000
#: The newest flat set of each repository this process built or loaded (a few at most).
_RECENT: OrderedDict[str, dict] = OrderedDict()
RECENT_SETS = 2


def _remember(origin: str, flat: dict) -> None:
    _RECENT[origin] = flat
    _RECENT.move_to_end(origin)
    while len(_RECENT) > RECENT_SETS:
        _RECENT.popitem(last=False)


def _origin(snapshot: Snapshot) -> str:
    """Which repository (and subfolder) a snapshot comes from, as a file-name part."""
    source = f"{snapshot.git_dir or snapshot.root}\0{snapshot.prefix}"
    return hashlib.sha1(source.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _store(snapshot: Snapshot, cache: Path | None) -> Path:
    return (cache or cache_root()) / "units" / f"{_origin(snapshot)}-{snapshot.key}-v{UNITS_VERSION}.pkl"


def _read(path: Path) -> dict | None:
    try:
        with path.open("rb") as fh:
            flat = pickle.load(fh)
        return flat if isinstance(flat, dict) else None
    except Exception:  # noqa: BLE001 - a damaged or foreign file is rebuilt, whatever broke
        return None


def _load(snapshot: Snapshot, wanted: list[str], cache: Path | None) -> dict | None:
    """The flat unit index a previous process saved for this snapshot, or None."""
    path = _store(snapshot, cache)
    if not snapshot.key or not path.is_file():
        return None
    flat = _read(path)
    return flat if flat is not None and flat.get("wanted") == wanted else None


def _donor(snapshot: Snapshot, cache: Path | None) -> dict | None:
    """The newest saved set of the same repository at another commit, or None."""
    own = _store(snapshot, cache)
    try:
        found = [p for p in own.parent.glob(f"{_origin(snapshot)}-*-v{UNITS_VERSION}.pkl") if p != own]
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return None
    for path in found[:2]:  # a damaged newest one: the next
        flat = _read(path)
        if flat is not None and "blobs" in flat:
            return flat
    return None


def _save(snapshot: Snapshot, flat: dict, cache: Path | None) -> None:
    """Write atomically (a reader sees the old file or the whole new one), then prune."""
    path = _store(snapshot, cache)
    if not snapshot.key:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as tmp, tmp.open("wb") as fh:
            pickle.dump(flat, fh, protocol=pickle.HIGHEST_PROTOCOL)
        kept = sorted(path.parent.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[MAX_CACHED_UNIT_SETS:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a full or read-only cache costs speed, not answers


class UnitIndex:
    """BM25 (Lucene's variant, as :mod:`bm25s`) over every unit of a snapshot's code files,
    assembled from the files' own inverted lists: nothing to build per commit but offsets.
    A snapshot whose units took long to parse is saved flat (one term-major array set)
    for the next process, which loads it in a fraction of the parse time; a commit with no
    saved set starts from its repository's newest one (in memory, else on disk) and parses
    only what changed. Large sets are flat in memory too: a query term is one slice."""

    K1, B = 1.5, 0.75

    def __init__(self, snapshot: Snapshot, cache: Path | None = None) -> None:
        wanted = unit_files(snapshot)
        origin = _origin(snapshot)
        start = time.perf_counter()
        flat = _load(snapshot, wanted, cache)
        self._lists: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.parts: list[FileUnits] = []
        if flat is None and snapshot.blobs and snapshot.key and self._unparsed(snapshot, wanted) > CARRY_OVER_FILES:
            donor = _RECENT.get(origin)  # a warm server's, or a history run's previous commit
            from_disk = donor is None
            donor = donor if donor is not None else _donor(snapshot, cache)
            if donor is not None:
                flat = _carry(donor, snapshot, wanted)
                if from_disk or time.perf_counter() - start > SAVE_AFTER_SECONDS:
                    _save(snapshot, flat, cache)  # the newest set on disk: the next process's donor
        if flat is None and len(wanted) > MEMO_FILES:  # parsed straight into flat arrays, not kept per file
            parsed = UNITS.parsed
            flat = _carry(None, snapshot, wanted, keep=False)
            if UNITS.parsed > parsed and time.perf_counter() - start > SAVE_AFTER_SECONDS:
                _save(snapshot, flat, cache)
        if flat is None:
            parsed = UNITS.parsed
            self.files, self.names, self.spans = [], [], []
            offsets = [0]
            for rel in wanted:
                units = UNITS.units(snapshot, rel)
                if units.names:
                    self.files.append(rel)
                    self.parts.append(units)
                    self.names += units.names
                    self.spans += units.spans
                    offsets.append(offsets[-1] + len(units.names))
            self.offsets = np.asarray(offsets, dtype=np.int64)
            self.lengths = np.concatenate([p.lengths for p in self.parts]) if self.parts else np.zeros(0, np.float32)
            if UNITS.parsed > parsed and time.perf_counter() - start > SAVE_AFTER_SECONDS:
                flat = _carry(None, snapshot, wanted)  # from the memo; queried flat: a term's postings in one slice
                self.parts = []
                _save(snapshot, flat, cache)
        self._flat: dict | None = flat
        if flat is not None:
            self.files, self.names, self.spans = flat["files"], flat["names"], flat["spans"]
            self.offsets, self.lengths = flat["offsets"], flat["lengths"]
            if snapshot.blobs and snapshot.key:
                _remember(origin, flat)
        self.owner = np.repeat(np.arange(len(self.files)), np.diff(self.offsets)) if self.files else np.zeros(0, int)
        self.avgdl = float(self.lengths.mean()) if len(self.lengths) else 1.0

    @staticmethod
    def _unparsed(snapshot: Snapshot, wanted: list[str]) -> int:
        """Files of ``wanted`` whose content this process has not parsed."""
        held = UNITS._held
        return sum(1 for rel in wanted if snapshot.blobs.get(rel) not in held)

    def __len__(self) -> int:
        return len(self.lengths)

    def _postings(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        found = self._lists.get(token)
        if found is None:
            if self._flat is not None:
                k = self._flat["vocab"].get(token)
                if k is None:
                    found = (np.zeros(0, np.int64), np.zeros(0, np.float32))
                else:
                    a, b = self._flat["pointer"][k], self._flat["pointer"][k + 1]
                    found = (self._flat["units"][a:b], self._flat["tfs"][a:b])
            else:
                idx, tfs = [], []
                for j, part in enumerate(self.parts):
                    hit = part.postings.get(token)
                    if hit is not None:
                        idx.append(hit[0] + self.offsets[j])
                        tfs.append(hit[1])
                found = (np.concatenate(idx), np.concatenate(tfs)) if idx else (np.zeros(0, np.int64),
                                                                                np.zeros(0, np.float32))
            self._lists[token] = found
        return found

    def frequency(self, token: str) -> int:
        """How many units hold ``token``."""
        return len(self._postings(token)[0])

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 of every unit; a term repeated in ``terms`` counts that many times."""
        out = np.zeros(len(self), dtype=np.float32)
        n = len(self)
        for token, weight in Counter(terms).items():
            idx, tf = self._postings(token)
            if not len(idx):
                continue
            idf = np.log(1 + (n - len(idx) + 0.5) / (len(idx) + 0.5))
            norm = tf + self.K1 * (1 - self.B + self.B * self.lengths[idx] / self.avgdl)
            out[idx] += weight * idf * tf * (self.K1 + 1) / norm
        return out

    def unit(self, i: int) -> tuple[str, str, tuple[int, int]]:
        """(file, name, span) of unit ``i``."""
        return self.files[int(self.owner[i])], self.names[i], self.spans[i]


#: The set of no files: what a commit with no donor starts from.
_NO_UNITS = {"wanted": [], "blobs": [], "files": [], "names": [], "spans": [], "offsets": np.zeros(1, np.int64),
             "lengths": np.zeros(0, np.float32), "vocab": {}, "pointer": np.zeros(1, np.int64),
             "units": np.zeros(0, np.int32), "tfs": np.zeros(0, np.float32)}


def _carry(donor: dict | None, snapshot: Snapshot, wanted: list[str], keep: bool = True) -> dict:
    """The flat set of ``snapshot`` from another commit's: the units of every file whose
    content (blob) is unchanged are renumbered from the donor, the others parsed (into the
    memo when ``keep``), each file's postings turned into three arrays at once. Exactly
    the set a full parse builds: the same files, units, lengths and postings per term (with
    no donor, every file's lists in the snapshot's order: the whole set flat)."""
    donor = donor if donor is not None else _NO_UNITS
    had = dict(zip(donor["wanted"], donor["blobs"]))
    where = {rel: j for j, rel in enumerate(donor["files"])}
    d_offsets, d_names, d_spans, d_lengths = donor["offsets"], donor["names"], donor["spans"], donor["lengths"]
    remap = np.full(len(d_lengths), -1, dtype=np.int64)
    vocab = dict(donor["vocab"])
    files: list[str] = []
    names: list[str] = []
    spans: list[tuple[int, int]] = []
    lengths: list[np.ndarray] = []
    offsets = [0]
    fresh: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for rel in wanted:
        blob = snapshot.blobs.get(rel)
        base = offsets[-1]
        if blob is not None and had.get(rel) == blob:
            j = where.get(rel)
            if j is None:
                continue  # no units then, none now
            a, b = int(d_offsets[j]), int(d_offsets[j + 1])
            remap[a:b] = np.arange(base, base + b - a)
            names += d_names[a:b]
            spans += d_spans[a:b]
            lengths.append(d_lengths[a:b])
        else:
            units = UNITS.units(snapshot, rel, keep)
            if not units.names:
                continue
            names += units.names
            spans += units.spans
            lengths.append(units.lengths)
            post = units.postings
            if post:
                ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in post), dtype=np.int64, count=len(post))
                sizes = np.fromiter((len(i) for i, _ in post.values()), dtype=np.int64, count=len(post))
                fresh[0].append(np.repeat(ids, sizes))
                fresh[1].append(np.concatenate([i for i, _ in post.values()]).astype(np.int64) + base)
                fresh[2].append(np.concatenate([f for _, f in post.values()]))
        files.append(rel)
        offsets.append(base + len(lengths[-1]))
    pointer = donor["pointer"]
    term_of = np.repeat(np.arange(len(pointer) - 1), np.diff(pointer))
    moved = remap[donor["units"]]
    kept = moved >= 0
    term = np.concatenate([term_of[kept], *fresh[0]])
    order = np.argsort(term, kind="stable")
    counts = np.bincount(term, minlength=len(vocab))
    return {"wanted": wanted, "blobs": [snapshot.blobs.get(rel) for rel in wanted], "files": files, "names": names,
            "spans": spans, "offsets": np.asarray(offsets, dtype=np.int64),
            "lengths": np.concatenate(lengths) if lengths else np.zeros(0, np.float32),
            "vocab": vocab, "pointer": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            "units": np.concatenate([moved[kept], *fresh[1]])[order].astype(np.int32),
            "tfs": np.concatenate([donor["tfs"][kept], *fresh[2]])[order].astype(np.float32)}


def unit_files(snapshot: Snapshot) -> list[str]:
    """Files split into units: code in a unit language, tests included (they are ranked
    low by the retriever's priors, but a name defined only in a test is still found)."""
    return [f for f in snapshot.files
            if PurePosixPath(f).suffix.lower() in UNIT_SUFFIXES and file_kind(f) != "data"]
