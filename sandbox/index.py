"""BM25 over a snapshot's files, and *scent*: how strongly a question matches what lies
under each folder entry.

BM25 comes from `bm25s` (sparse-matrix scoring; one `get_scores` call scores every file).
Documents are a file's path (weighted twice: names carry much of the meaning in code)
plus its first :data:`INDEX_BYTES` of text. Tokenising is identifier-aware: ``parse_args``,
``parseArgs`` and ``ArgParser.parse`` all yield ``parse``/``args``/``arg``... pieces, and the
whole identifier is kept too so an exact name still scores highest.

Scent of an entry = the best file score below it (measured: the max aggregate makes a
greedy walk land where flat BM25 lands; scoring a folder's concatenated text as one
document is worse), normalised by the best score in the repository.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path, PurePosixPath

import numpy as np
from filelock import FileLock

from .atomic import mtime
from .snapshot import Snapshot, cache_root

#: Bytes of each file that are indexed.
INDEX_BYTES = 100_000
#: Part of an index's cache key: raised when what is indexed changes (2: a PDF is binary; 3: hex
#: literals give no tokens; 4: words of every script).
INDEX_VERSION = "4"

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_TICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
STOPWORDS = frozenset(
    """a an and are as at be been but by can could do does did for from has have how i if in
    into is it its of on or so that the their them then there these this those to was were
    what when where which who why will with would you your we our not no yes all any each
    file files code where's what's should shall may might must also than too very just one
    self none true false return def class import""".split()
)


def _stem(word: str) -> str:
    """A light plural/inflection fold, enough for 'retries'~'retry', 'handlers'~'handler'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


#: Chinese and Japanese letters: their words are not spaced apart, so a run of them is read as its
#: overlapping pairs (``配置文件`` -> ``配置``, ``置文``, ``文件``), as a CJK search engine reads it.
CJK_LETTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAS_CJK = re.compile(f"[{CJK_LETTERS}]")
#: The pieces of a word with letters outside ASCII: a CJK run, a run of other letters, digits.
_SCRIPT_PIECE = re.compile(rf"[{CJK_LETTERS}]+|(?:(?![{CJK_LETTERS}])[^\W\d_])+|\d+")


def _script_parts(piece: str) -> list[str]:
    """The lowercased parts of ``piece``, a word holding letters outside ASCII (``größe``,
    ``getGröße``, ``读取配置``): CJK runs as their pairs, other letters split where a lower-case
    letter meets a capital."""
    parts: list[str] = []
    for run in _SCRIPT_PIECE.findall(piece):
        if _HAS_CJK.match(run):
            parts += [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
            continue
        start = 0
        for i in range(1, len(run)):
            if run[i - 1].islower() and run[i].isupper():
                parts.append(run[start:i].lower())
                start = i
        parts.append(run[start:].lower())
    return [p for p in parts if len(p) > 1 or _HAS_CJK.match(p)]  # one CJK letter is a word; an `é` alone is not


@lru_cache(maxsize=1 << 18)
def identifier_tokens(ident: str) -> tuple[str, ...]:
    """Tokens of one identifier; memoised because code repeats its identifiers a lot."""
    lower = ident.lower()
    if ident.isascii():
        parts = [p.lower() for piece in ident.split("_") for p in _CAMEL.findall(piece)]
    else:  # a German comment's `größe`, a Chinese README's sentence
        parts = [p for piece in ident.split("_") for p in _script_parts(piece)]
        if len(parts) <= 1 or _HAS_CJK.search(ident):  # a CJK run's pairs, not the whole sentence
            return tuple(_stem(p) for p in parts if p not in STOPWORDS)
    out = [lower.strip("_")] if len(parts) > 1 and lower not in STOPWORDS else []
    out += [_stem(p) for p in parts if len(p) > 1 and p not in STOPWORDS]
    return tuple(out)


#: What :func:`tokenize` reads: a hex literal whole (then dropped), an identifier or a word of any
#: script (``größe``; it was ``gr`` and ``e``), a number.
_TOKEN = re.compile(r"0[xX][0-9a-fA-F]+[uUlL]*|([^\W\d]\w*|[0-9]+)(?:[uUlL]+\b)?")
#: The same for ASCII text, most code: the same tokens, a sixth faster (12.9 MB of twisted: 0.88 s -> 0.76 s).
_ASCII_TOKEN = re.compile(r"0[xX][0-9a-fA-F]+[uUlL]*|([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?:[uUlL]+\b)?")


def tokenize(text: str) -> list[str]:
    """Identifier-aware tokens: whole identifiers (lowercased) plus their snake/Camel parts. A hex
    literal gives none: zlib's crc32.h tables (`0xa6ce…`) were read as the identifier `xa6ce`,
    whose part `ce` matched "WinCE"."""
    out: list[str] = []
    for ident in (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text):  # "" for a hex literal; `UL` left out
        if ident:
            out.extend(identifier_tokens(ident))
    return out


def file_document(path: str, text: str | None) -> list[str]:
    """The tokens a file is indexed by: its path twice, then its text."""
    return _path_document(path) + (tokenize(text) if text else [])


#: The one token of every document when no file has any: no question is tokenised to it.
EMPTY_TOKEN = "\x00"


def _path_document(path: str) -> list[str]:
    path_tokens = tokenize(path.replace("/", " ").replace(".", " "))
    return path_tokens + path_tokens


class BlobTokens:
    """Tokens of file contents by git blob id, kept in memory up to a total token count.

    The parents of a thousand commits share almost all their files: tokenising is most of
    an index build, so each distinct content is tokenised once per process.
    """

    def __init__(self, max_tokens: int = 40_000_000) -> None:
        from collections import OrderedDict

        self.max_tokens = max_tokens
        self._held: OrderedDict[str, list[str]] = OrderedDict()
        self._total = 0

    def get(self, snapshot: Snapshot, rel: str) -> list[str]:
        blob = snapshot.blobs.get(rel)
        tokens = self._held.get(blob) if blob else None
        if tokens is not None:
            self._held.move_to_end(blob)
            return tokens
        text = snapshot.text(rel, INDEX_BYTES)
        tokens = tokenize(text) if text else []
        if blob:
            self._held[blob] = tokens
            self._total += len(tokens)
            while self._total > self.max_tokens and len(self._held) > 1:
                self._total -= len(self._held.popitem(last=False)[1])
        return tokens


#: The process's token memo, shared by every index it builds.
BLOB_TOKENS = BlobTokens()
#: Index folders kept in the cache; older ones are removed (an index rebuilds in seconds,
#: and a history of a thousand parents must not leave a thousand indexes on disk).
MAX_CACHED_INDEXES = 64


class Index:
    """BM25 over one snapshot's files; built once per snapshot and cached on disk."""

    def __init__(self, snapshot: Snapshot, retriever, files: list[str]) -> None:
        self.snapshot = snapshot
        self.files = files
        self._retriever = retriever
        self._pos = {f: i for i, f in enumerate(files)}
        self._scores = lru_cache(maxsize=64)(self._compute_scores)
        self._best = lru_cache(maxsize=64)(lambda question: float(self.scores(question).max()) if self.files else 0.0)
        self._by_path: np.ndarray | None = None  # file indices in path order, made at the first scent or top
        self._sorted: list[str] = []

    # -- building -------------------------------------------------------------------
    @classmethod
    def build(cls, snapshot: Snapshot, *, cache: Path | None = None, progress=None) -> "Index":
        """Load the cached index for ``snapshot.key`` or build it (and cache it)."""
        import bm25s

        folder = (cache or cache_root()) / "indexes" / f"{snapshot.key}-v{INDEX_VERSION}"
        meta = folder / "files.json"
        if meta.is_file():
            try:
                files = json.loads(meta.read_text())
                if files == snapshot.files:
                    return cls(snapshot, bm25s.BM25.load(str(folder)), files)
            except Exception:  # noqa: BLE001 - a damaged entry fails in many ways (an empty array: EOFError)
                pass  # and is rebuilt below, as _intact judges one
        docs = []
        for i, rel in enumerate(snapshot.files):
            docs.append(_path_document(rel) + BLOB_TOKENS.get(snapshot, rel))
            if progress is not None:
                progress(i + 1, len(snapshot.files))
        if not any(docs):  # no file has a word (binaries, one-letter names): bm25s cannot index nothing
            docs = [[EMPTY_TOKEN] for _ in docs]
        retriever = bm25s.BM25()
        retriever.index(docs, show_progress=False)
        _save_atomically(folder, retriever, snapshot.files)
        _prune(folder.parent, MAX_CACHED_INDEXES)
        return cls(snapshot, retriever, list(snapshot.files))

    # -- scoring --------------------------------------------------------------------
    def _compute_scores(self, question: str) -> np.ndarray:
        tokens = tokenize(question)
        if not tokens or not self.files:
            return np.zeros(len(self.files), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every file (aligned with ``self.files``)."""
        return self._scores(question)

    def holds(self, token: str) -> bool:
        """Whether some file is indexed by ``token``."""
        return token in self._retriever.vocab_dict

    def token_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every file for already-made query tokens (a repeated token weighs more)."""
        if not tokens or not self.files:
            return np.zeros(len(self.files), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def _path_order(self) -> np.ndarray:
        """File indices in path order (and the paths so ordered, :attr:`_sorted`)."""
        if self._by_path is None:
            order = sorted(range(len(self.files)), key=self.files.__getitem__)
            self._sorted = [self.files[i] for i in order]
            self._by_path = np.asarray(order, dtype=np.int64)
        return self._by_path

    def top(self, question: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` best files, best first (ties broken by path, so deterministic)."""
        scores = self.scores(question)
        if not len(scores):
            return []
        by_path = self._path_order()
        rank = np.empty(len(by_path), dtype=np.int64)
        rank[by_path] = np.arange(len(by_path))
        order = np.lexsort((rank, -scores))[:k]  # by score, then by path: numpy, not a Python sort per question
        return [(self.files[i], float(scores[i])) for i in order]

    def score(self, question: str, rel: str) -> float:
        i = self._pos.get(rel)
        return 0.0 if i is None else float(self.scores(question)[i])

    def scent(self, question: str, rel: str) -> float:
        """Scent of a file or folder (repo-relative): best normalised file score below it.
        Looked up for the entries asked about, a folder's files being one run of the files in
        path order: a scent map of every folder, made per question, cost `explore tasks` a pass
        over every file for each of its tasks (20 minutes on 20,000 files)."""
        best = self._best(question)
        if best <= 0 or not rel or rel == ".":
            return 0.0
        scores = self.scores(question)
        i = self._pos.get(rel)
        if i is not None:
            return float(scores[i]) / best
        by_path = self._path_order()
        lo, hi = bisect_left(self._sorted, rel + "/"), bisect_left(self._sorted, rel + "0")  # "0" follows "/"
        return float(scores[by_path[lo:hi]].max()) / best if hi > lo else 0.0


def code_names(question: str) -> set[str]:
    """Identifiers in ``question`` that look like code: in backticks, snake_case or camelCase.
    (Whether a name follows a backtick is looked up, not searched for in the whole question
    once per name: a pasted log of megabytes took minutes.)"""
    ticked = set(_TICKED.findall(question))
    return {name for name in IDENTIFIER.findall(question)
            if len(name) > 2 and ("_" in name or _INNER_CAPITAL.search(name) or name in ticked)}


#: A line that defines a name, in the languages units read: Python's ``def``/``class``, Go's
#: ``func (r *T) Name``, JS/TS ``export function``, Rust's ``pub fn``, ``struct``/``interface``/
#: ``type``/``enum``/``trait``, ``const``/``let``/``var`` (then the name follows).
DEFINES = (r"^\s*(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:static\s+)?"
           r"(?:(?:public|private|protected|internal|final|abstract|override|virtual)\s+)*"
           r"(?:def|class|module|function\*?|func|fn|struct|interface|enum|trait|impl|type|const|let|var)\s+"
           r"(?:\([^)]*\)\s*)?(?:self\.)?")
#: After a name :data:`DEFINES` reads: not Rust's ``impl Buf for &[u8]``, which implements the
#: trait ``Buf`` for another type (``pub trait Buf`` defines it; bytes' "which file defines Buf?"
#: opened at the impl).
_NOT_FOR = r"(?!(?:<[^>\n]*>)?\s+for\b)"
#: A class method in JS/TS/Java style: the name, its parameters and an opening brace on the line
#: — not a control statement written the same way (Rust's `match (a, b) {`, `if (x) {`, `for (…) {`).
_METHOD = (r"^\s*(?:(?:public|private|protected|static|async|get|set|override|readonly)\s+)*"
           r"(?!(?:if|for|foreach|while|switch|match|catch|with|return|else|do|try|lock|using|synchronized|"
           r"elseif|elsif|unless|until|when|select|guard|defer|go|await|yield|new|throw|typeof|sizeof)\s*\()")


#: Text in backticks, as a question quotes code (`app.render`); the query parser reads it too.
BACKTICKED = re.compile(r"`([^`\n]{1,200})`")
#: A comment line in the languages units read (a doc comment above a definition).
COMMENT_LINE = re.compile(r"\s*(?:#|//|/\*|\*|--)")


def file_lines(text: str) -> list[str]:
    """A file's lines numbered as ``read`` (and an editor) numbers them: split at ``\\n``
    only, a line's trailing ``\\r`` dropped. Not ``str.splitlines``: it also splits at form
    feeds, ``\\x1c``–``\\x1e``, ``\\x85`` and ``\\u2028``, and every line number after one
    would point elsewhere."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


#: Characters of one line shown as evidence or by ``read``: a minified bundle's 2 MB line
#: is one line, and a terminal, a JSON reader or an agent's context wants its start.
SHOWN_LINE_CHARS = 300


def shown_line(line: str, limit: int = SHOWN_LINE_CHARS) -> str:
    """``line`` as it is shown: its first ``limit`` characters, and a mark where it was cut
    (no count: of a file over :data:`~.snapshot.MAX_TEXT_BYTES` only its start was read)."""
    return line if len(line) <= limit else f"{line[:limit]} … [line cut after {limit} characters]"


#: A function assigned to a name, as JavaScript defines methods on an object or a prototype
#: (``res.render = function render(``, ``exports.json = async (req) =>``); ``{}``: the name.
_ASSIGNED_FUNCTION = r"^\s*(?:[\w$]+\.)*(?:{})\s*=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)"


def definition_lines(lines: list[str], name: str | None = None, path: str = "") -> list[int]:
    """1-based lines that define ``name`` (any name when None): a definition in a language
    :data:`DEFINES` reads, a JS/TS/Java-style method with its opening brace, or a function
    assigned to it (:data:`_ASSIGNED_FUNCTION`); with ``path``, also where tree-sitter's
    outline of the file starts a definition of ``name`` (a Java method after its return
    type, a C function whose brace or name is on the next line)."""
    alt = re.escape(name) if name else r"[\w$]+"
    defines = re.compile(rf"{DEFINES}(?:{alt})\b{_NOT_FOR}|{_METHOD}(?:{alt})\s*\([^;]*\)[^;=]*\{{\s*$|{_ASSIGNED_FUNCTION.format(alt)}")
    found = {n for n, line in enumerate(lines, start=1) if defines.search(line)}
    if name and path:
        found |= {start for start, _, _ in outlined(path, lines, frozenset({name}))}
    return sorted(found)


@lru_cache(maxsize=64)
def _outline(path: str, text: str) -> tuple:
    from .syntax import outline

    return outline(path, text) or ()


def outlined(path: str, lines: list[str], names: frozenset[str]) -> list[tuple[int, str, str]]:
    """(1-based first line, name, parent) of each definition of one of ``names`` in the file, as
    tree-sitter outlines ``path``'s language (none for a language it does not read)."""
    from .syntax import language

    if not names or not path or language(path) is None:
        return []
    return [(d.start, d.name, d.parent) for d in _outline(path, "\n".join(lines))
            if d.name in names and 1 <= d.start <= len(lines)]


#: ``Owner.member`` in a question (``JsonPrimitive.hashCode``, ``LinkedTreeMap.clear()``):
#: the member is the name asked about, its owner only says whose.
_DOTTED_MEMBER = re.compile(r"\b([A-Za-z_$][\w$]*(?=\.|::)|[A-Z][\w$]*(?=#))(?:\.|::|#)([A-Za-z_$][\w$]{2,})\b"
                            r"(?!(?:\.|::|#)\w)")


#: A chain of owners and a member (``Sinatra::Base.route``, ``click.core.Context.invoke``).
_OWNER_CHAIN = re.compile(r"\b[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)+")
#: What joins an owner and its member: ``.``, PHP's, C++'s and Rust's ``::``, Ruby's ``#``.
NAME_JOINER = re.compile(r"\.|::|#")


#: What a docstring line's words count for against code's, where a report asks for the code
#: (``code_first``): its prose repeats a report's words, and a window full of it shows no code.
#: Chosen on the training projects (`benchmarks/bench_evidence.py --split train`): a window
#: holding a changed line, commit messages .381 → .395, issues .341 → .345 (flat from .1 to .5).
#: The same weight on ``//`` and ``/* */`` comments (:func:`comment_lines`), chosen on the
#: adapt projects' commit messages (``--split adapt``): logrus .750 → .795, got .357 → .375,
#: ripgrep .298 → .319 (the Python projects' ``#`` comments weighed so: black .250 → .208).
DOCSTRING_WEIGHT = 0.5


def docstring_lines(lines: list[str]) -> np.ndarray:
    """A mask of the lines inside a triple-quoted string (a Python docstring), its quotes'
    lines included."""
    mask = np.zeros(len(lines), dtype=bool)
    inside = False
    for i, line in enumerate(lines):
        n = line.count('"""') + line.count("'''")
        mask[i] = inside or n > 0
        if n % 2:
            inside = not inside
    return mask


#: Source files whose comments are written ``//`` and ``/* … */`` (Go, JavaScript and
#: TypeScript, Rust, Java, C and C++ …): there a doc comment is the prose a report repeats.
SLASH_COMMENTED = frozenset({".go", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".rs", ".java",
                             ".kt", ".scala", ".swift", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".cs", ".php",
                             ".dart"})


def comment_lines(lines: list[str]) -> np.ndarray:
    """A mask of the lines that are only a ``//`` comment or inside a ``/* … */`` one (doc
    comments: Go's, JSDoc, Rust's ``///``), their markers' lines included."""
    mask = np.zeros(len(lines), dtype=bool)
    inside = False
    for i, line in enumerate(lines):
        text = line.lstrip()
        if inside:
            mask[i] = True
            inside = "*/" not in text
        elif text.startswith("//"):
            mask[i] = True
        elif text.startswith("/*"):
            mask[i] = True
            inside = "*/" not in text[2:]
    return mask


#: Pages written in a markup of their own, which may paste HTML or SVG.
_PAGE_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc"})
#: A line of HTML or SVG (a tag opening or closing it): what a page shows, not what it says.
_MARKUP_LINE = re.compile(r"\s*</?(?:svg|g|text|tspan|rect|line|path|circle|polygon|polyline|defs|style|div|span|table|"
                          r"thead|tbody|tr|td|th|img|picture|source|br|hr|p|pre|code)\b[^>]*>?", re.I)
#: A table of contents' line: a link to a section of the page itself.
#: (and a link's definition, `[result-binding]: https://github.com/…`: kotlin-result's README answered "why
#: not kotlin.Result?" with a block of them, each URL's words the question's)
_TOC_LINE = re.compile(r"\s*(?:[-*+]|\d+\.)\s+\[[^\]\n]*\]\(#[^)\n]*\)\s*$|\s{0,3}\[[^\]\n]+\]:\s+\S+.*$")
#: What a markup or contents line's words weigh in :func:`best_window` on a page.
MARKUP_WEIGHT = 0.2


def prose_lines(lines: list[str], path: str = "") -> np.ndarray:
    """A mask of the lines of ``path`` that are documentation rather than code: a
    ``//``-commented language's comments (:data:`SLASH_COMMENTED`), else Python's docstrings."""
    if PurePosixPath(path).suffix.lower() in SLASH_COMMENTED:
        return comment_lines(lines)
    return docstring_lines(lines)


def best_window(lines: list[str], question: str, window: int, names: Iterable[str] = (),
                code_first: bool = False, path: str = "") -> int:
    """1-based first line of the ``window``-line span of ``lines`` that best matches.

    A line scores the question terms it holds, each weighted by how rare it is in the file
    (IDF over lines: a name every line repeats says little), and a line that *defines* a
    code-like name of the question (a definition in any language :data:`DEFINES` reads, a
    method with its opening brace, an assignment) outscores any span without one. Measured
    on 1,040 generated questions of the training corpus, 5-line windows: the defining line
    of the asked-for name is inside the window for 82% of "which file defines `X`" questions
    (43% counting plain term hits) and 63% of docstring questions (62%). ``names``: more
    names the question uses as code (a parsed question's plain word asked about: "where is
    bytesify defined?"). ``code_first``: a docstring's lines — or, in a file of ``path``'s
    kind, its comments (:func:`prose_lines`) — weigh :data:`DOCSTRING_WEIGHT` (a report or
    commit message asks for the code).
    """
    terms = set(tokenize(question))
    if (not terms and not names) or len(lines) <= window:
        return 1
    held = [terms.intersection(tokenize(line)) for line in lines]
    for n in range(_licence_header(lines)):  # the licence every file opens with says nothing of this one
        held[n] = set()
    df = Counter(t for found in held for t in found)
    if not df and not names:  # no word of it here, and no name asked for whose definition could open it
        return 1
    weight = {t: np.log1p(len(lines) / n) for t, n in df.items()}
    hits = np.array([sum(weight[t] for t in found) for found in held], dtype=np.float64)
    if code_first:
        hits[prose_lines(lines, path)] *= DOCSTRING_WEIGHT
    if PurePosixPath(path).suffix.lower() in _PAGE_SUFFIXES:
        # a page's pasted SVG or HTML: tablewriter's README answered "how do I limit a column's width?" with
        # `<rect x="102.20" width="67.60" …>`, a rendered table's markup
        # and its table of contents, links to its own sections (yup's README answered "how do I replace the default
        # error messages?" with `- [string.min(…)](#stringmin…)` lines, 300 lines above the section)
        hits[[n for n, line in enumerate(lines) if _MARKUP_LINE.match(line) or _TOC_LINE.match(line)]] *= MARKUP_WEIGHT
    names = code_names(question) | {n for n in names if IDENTIFIER.fullmatch(n)}
    for span in BACKTICKED.findall(question):  # `app.render`, `WalkParallel::visit`: every part
        names |= {n for n in IDENTIFIER.findall(span) if len(n) > 2 and not n.isdigit()}
    if code_first and path and (own := PurePosixPath(path).stem) in names and own[:1].isupper():
        # a report naming the file's own class ("… thrown by JsonTreeReader when …", a file named for
        # its class as Java, C# and PHP name them) is about its behaviour inside, not the class header
        # hundreds of lines above it; a module's function of its own name (`serve` of serve.py) stays
        names.discard(own)
    defining: list[int] = []
    if names or _DOTTED_MEMBER.search(question):
        members = {(owner, member) for owner, member in _DOTTED_MEMBER.findall(question)
                   if owner in names or member in names or _INNER_CAPITAL.search(owner) or owner[:1].isupper()}
        outline = outlined(path, lines, frozenset(names | {m for _, m in members}))
        # of a member several classes of the file define, the owner's own (not a view class's)
        owned = {(m, o) for o, m in members if any(n == m and parent == o for _, n, parent in outline)}
        starts = {start - 1: name for start, name, parent in outline
                  if not any(n == name and parent != o for n, o in owned)}
        # a member the file defines is what is asked about: its owner's own line (a class
        # header hundreds of lines above) then opens no window
        owners = {o for o, m in members if m in starts.values() or definition_lines(lines, m)}
        # and the owners above it (`Sinatra` of `Sinatra::Base.route`: its module header is line 28)
        owned_members = {m for o, m in members if o in owners}
        owners |= {part for chain in _OWNER_CHAIN.findall(question)
                   for *outer, last in [NAME_JOINER.split(chain)] if last in owned_members for part in outer}
        names = (names | {m for _, m in members}) - owners
        ruby = PurePosixPath(path).suffix.lower() in (".rb", ".rake")
        alt = "|".join(_ruby_name(n, question) if ruby else re.escape(n) for n in sorted(names, key=len, reverse=True))
        defines = re.compile(rf"{DEFINES}(?:{alt})(?![\w$]){_NOT_FOR}|{_METHOD}(?:{alt})\s*\([^;]*\)[^;=]*\{{\s*$") \
            if names else None
        assigns = re.compile(rf"^\s*(?:[\w$]+\.)*(?:{alt})\s*[:=]") if names else None
        # a definition outscores any span without one, and outside Python one by a keyword (`def
        # route`) any assignment (a Ruby method's local `route = @request.path_info`); in Python an
        # assignment is as often what a report is about (the training issues: a window holding a
        # changed line .345 as equals, .338 with the keyword first)
        bonus = max(float(hits.max()), 1.0) * window  # a definition counts where no word of the question does
        python = path and PurePosixPath(path).suffix.lower() in (".py", ".pyi")
        keyword = bonus if python or not path else (window + 1) * bonus
        for i, line in enumerate(lines):
            if (defines is not None and defines.search(line)) or starts.get(i) in names:
                hits[i] += keyword  # above a window of assignments
                defining.append(i)
            elif assigns is not None and assigns.search(line) and not (python and _NO_ASSIGNMENT.match(line)):
                hits[i] += bonus
                defining.append(i)
    # windows may run past the file's end (fewer lines shown), so its last lines open a window too
    sums = np.convolve(np.concatenate([hits, np.zeros(window - 1)]), np.ones(window), mode="valid")
    start = int(np.argmax(sums))
    end = start  # the windows tied with the first best hold the same lines; the last of them opens
    while end + 1 < len(sums) and sums[end + 1] >= sums[start] - 1e-9:  # at the first of those lines,
        end += 1  # and one line above it is the context kept (the first put them at its bottom)
    start = max(start, end - 1)
    inside = [i for i in defining if start <= i < start + window]
    if inside:  # open at the definition (and the comment lines just above it), not mid-way before it,
        top = inside[0]  # even where the file ends before the window does (its last function)
        while top > 0 and inside[0] - top < 2 and COMMENT_LINE.match(lines[top - 1]):
            top -= 1
        start = top
    return start + 1


#: Words of a licence's text, in the comment a file opens with.
_LICENCE_TEXT = re.compile(r"\b(?:licen[cs]ed?|copyright|permission is hereby granted|warrant(?:y|ies)|"
                           r"spdx-license-identifier|all rights reserved)\b", re.I)


def _licence_header(lines: list[str]) -> int:
    """How many of ``lines`` the licence comment a file opens with takes (0 where its opening
    comment holds no licence): Alamofire's every Swift file opens with the MIT text, and "… a
    302, following or not following?" opened the evidence at its "subject to the following
    conditions"."""
    end, block = 0, False
    for n, line in enumerate(lines[:80]):
        text = line.strip()
        if block:
            block = "*/" not in text
        elif text.startswith("/*"):
            block = "*/" not in text[2:]
        elif text and not COMMENT_LINE.match(line):
            break
        end = n + 1
    return end if end and _LICENCE_TEXT.search("\n".join(lines[:end])) else 0


#: A Python line that names a value without assigning it: a keyword argument (``catch=_defaults.X,``
#: of a call or signature) or a numpydoc parameter (``catch : bool, optional``) — loguru's
#: ``def add(…, catch=…)`` and its docstring outscored ``def catch`` for "where is catch defined?".
_NO_ASSIGNMENT = re.compile(r"^\s*\w+=(?!=)[^#]*,\s*(?:#.*)?$|^\s*\w+ : \S")


def _ruby_name(name: str, question: str) -> str:
    """The pattern of a Ruby method ``name``: ``route!``, ``ready?`` and ``route`` are three
    methods, so the mark the question writes after the name is part of it (``static!``, a
    ``development?`` followed by more words), and a name written without one is none of the others."""
    if re.search(rf"(?<![\w$]){re.escape(name)}!", question):
        return re.escape(name) + "!"
    if re.search(rf"(?<![\w$]){re.escape(name)}\?[^\S\n]*\w", question):  # not the question's own mark
        return re.escape(name) + r"\?"
    return re.escape(name) + r"(?![!?=])"


def _save_atomically(folder: Path, retriever, files: Iterable[str]) -> None:
    """Write the index into ``folder`` unless another process has meanwhile written a good one.

    Called after a build, so whatever ``folder`` held when this process looked was missing,
    stale or damaged: it is checked again under the lock and replaced unless it is now good.
    (Skipping any folder that had a ``files.json`` left a damaged entry in place for good,
    and every process rebuilt the index.)
    """
    files = list(files)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if _intact(folder, files):
            return
        tmp = Path(tempfile.mkdtemp(prefix=".idx-", dir=folder.parent))
        try:
            retriever.save(str(tmp))
            (tmp / "files.json").write_text(json.dumps(list(files)))
            if folder.exists():
                shutil.rmtree(folder)
            os.rename(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _intact(folder: Path, files: list[str]) -> bool:
    """Whether ``folder`` holds an index of exactly ``files`` that loads."""
    import bm25s

    try:
        if json.loads((folder / "files.json").read_text()) != files:
            return False
        bm25s.BM25.load(str(folder))
    except Exception:  # noqa: BLE001 - a damaged entry fails in many ways (missing file, bad JSON, bad array)
        return False
    return True


def _prune(parent: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently written index folders (best effort: a
    folder another process is reading stays readable until it closes its files)."""
    try:
        folders = [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".")]
    except OSError:
        return
    if len(folders) <= keep:
        return
    folders.sort(key=mtime, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)
        old.with_name(old.name + ".lock").unlink(missing_ok=True)  # its build lock goes with it
