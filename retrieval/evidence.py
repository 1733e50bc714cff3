"""Where in a file its evidence opens: the lines `ask` and `search` show for an answer.

For a file a question is answered with, :func:`evidence_start` picks the first line of the
window shown: where a pasted stack frame points into the file, where a pasted message is
written (or raised through a table keyed by a name), the definition a question asks for, a
version's entry in a changelog, the test a "which test" question names, else the window whose
lines hold most of the question's rare words (:func:`~explore.sandbox.index.best_window`),
inside the best code unit for a question of :data:`UNIT_WORDS` words or more.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from ..sandbox.index import COMMENT_LINE, DEFINES, STOPWORDS, best_window, definition_lines, tokenize
from ..sandbox.outline import file_kind
from .frames import go_module_file
from .intent import RAISING_LINE, asks_definition, asks_where_raised
from .query import Query, bases, in_string, owned_names, parse
from .question_form import is_statement
from .tests_asked import asks_for_tests
from .versions_asked import dependency_line, tested_versions_line, version_line

def frame_line(query: Query, path: str) -> int | None:
    """The line of the repository's file ``path`` that the innermost stack frame naming it
    points at, or None. A frame names ``path`` when the two end alike over the file's name
    and the folder above it (the file's name alone when the frame gives no folder and lies
    in no installed package), or when it is a Go module's file at ``path`` inside the module."""
    found = _innermost_frame(query, path)
    return found[0] if found else None


def _innermost_frame(query: Query, path: str) -> tuple[int, str] | None:
    """(line, function) of the innermost frame naming ``path`` (see :func:`frame_line`)."""
    wanted = path.split("/")
    functions = query.frame_functions or ("",) * len(query.frame_lines)
    for (frame, line), fn in zip(reversed(query.frame_lines), reversed(functions)):
        parts = frame.split("/")
        k = min(2, len(parts), len(wanted))
        if parts[-k:] == wanted[-k:] and (k == 2 or frame not in query.installed):
            return line, fn
        module = go_module_file(frame) if frame in query.installed else None
        # (a nested module's, at its folder: lo's `…/samber/lo/exp/simd@v0.1.0/math_avx512.go:27` is
        # exp/simd/math_avx512.go, whose evidence opened 2,000 lines away)
        if module is not None and (module[1] == path or path.endswith("/" + module[1])
                                   and module[0].endswith("/" + path[:-len(module[1]) - 1])):
            return line, fn
    return None


#: Function names half a trace's files define: they say nothing of which code broke.
_GENERIC_FRAME_FUNCTIONS = frozenset({"__init__", "__call__", "main", "run", "call", "apply", "new", "wrapper",
                                      "inner", "handle", "next", "callback", "fn", "func", "anonymous"})


def _pasted_line(query: Query, path: str, line: int, lines: list[str]) -> int | None:
    """The line of ``lines`` nearest ``line`` holding the source a Python frame at ``line`` of
    ``path`` pastes, where that line itself does not hold it; None where none does (or the
    frame pasted no source)."""
    name = path.rsplit("/", 1)[-1]
    source = next((src for p, n, src in reversed(query.frame_sources) if n == line and p.rsplit("/", 1)[-1] == name), "")
    if len(source) < 8 or (1 <= line <= len(lines) and lines[line - 1].strip() == source):
        return None
    holding = [n for n, text in enumerate(lines, start=1) if text.strip() == source]
    return min(holding, key=lambda n: abs(n - line)) if holding else None


def _frame_function_here(query: Query, lines: list[str], path: str = "") -> int | None:
    """The first line of this file's definition of the innermost stack-frame function it
    defines, when no frame names the file itself (a bundled or installed copy's path:
    ``at ServerResponse.res.render (/srv/bundle.min.js:1:48213)`` → ``res.render = function``)."""
    for fn in reversed(query.functions):  # every frame's, a .NET Release build's frames without files too
        if len(fn) > 2 and fn not in _GENERIC_FRAME_FUNCTIONS and (defined := definition_lines(lines, fn, path)):
            if query.frame_owner is not None and query.frame_owner[1] == fn:
                # the one of the frame's class (Scrutor's `ThrowRegistrationStrategy.Apply` opened at the abstract
                # `Apply` 15 lines above it, the first of five)
                declared = re.compile(rf"\b(?:class|struct|record|interface)\s+{re.escape(query.frame_owner[0])}\b")
                start = next((n for n, text in enumerate(lines, start=1) if declared.search(text)), None)
                if start is not None and (inside := [d for d in defined if d > start]):
                    return inside[0]
            return defined[0]
    return None


#: A version written in a question: ``0.17``, ``2.12.0``, ``v3.1.0-rc.1`` (two numbers at least).
_VERSION_WRITTEN = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)*(?:-[\w.]+)?)(?![\w.]*\w)")


#: The line under a reStructuredText heading's title.
_UNDERLINE = re.compile(r"^[=~^\-*]{3,}\s*$")


def _version_written(question: str, lines: list[str]) -> int | None:
    """Where a page's window opens for a question writing a version (indexmap's "which release updated
    hashbrown to 0.17?" read `0.17` as ``17``, which a date in `## 2.12.0 (2025-10-17)` held): at the
    heading above the line holding the version and most of the question's words, where that heading is
    near; else just above that line. None where no line holds it."""
    versions = [re.escape(m.group(1)) for m in _VERSION_WRITTEN.finditer(question)]
    if not versions:
        return None
    held = re.compile(rf"(?<![\w.])v?(?:{'|'.join(versions)})(?!\d)")
    words = {w for w in tokenize(question) if not w.isdigit()}
    found = [n for n, text in enumerate(lines, start=1) if held.search(text)]
    if not found:
        return None
    line = max(found, key=lambda n: (len(words & set(tokenize(lines[n - 1]))), -n))
    heading = next((n for n in range(line, max(0, line - 8), -1) if lines[n - 1].startswith("#") or (
        lines[n - 1].strip() and n < len(lines) and _UNDERLINE.match(lines[n]))), None)
    return heading if heading is not None else max(1, line - 2)




#: A Go error sentinel's declaration: ``ErrPoolClosed = errors.New("this pool has been closed")``.
_SENTINEL = re.compile(r"^\s*(?:var\s+)?([A-Za-z_]\w*)\s*(?:error\s*)?=\s*(?:errors\.New|fmt\.Errorf)\(")


def _frame_in_file(lines: list[str], line: int, function: str, path: str = "") -> int:
    """Where evidence of a frame at ``line`` in ``function`` should open: ``line``, unless
    the file defines ``function`` elsewhere — the user's copy was another version, and its
    line numbers point into other code — then that definition (the one nearest ``line``)."""
    if not function:
        return line
    defined = definition_lines(lines, function, path)
    if not defined:
        return line
    if any(start <= line <= _body_end(lines, start) for start in defined):
        return line  # inside the function's body here: as the trace says
    return min(defined, key=lambda d: abs(d - line))


#: A Go label on a line of its own (`walk:`, `loop:`), which gofmt writes at the function's margin; not
#: C++'s access specifiers nor a switch's `default:`.
_GO_LABEL = re.compile(r"^(?!(?:public|private|protected|default)\s*:)[A-Za-z_]\w*:\s*(?://.*)?$")


#: An annotation or a decorator on a line of its own (``@Override``, ``@property``, ``@JvmStatic``).
_ANNOTATION = re.compile(r"^\s*@[A-Za-z_][\w.]*(?:\(.*\))?\s*$")


def _body_end(lines: list[str], start: int) -> int:
    """The last line of the definition at line ``start``: the first later line of code
    indented no deeper than it (a closing brace, or the next statement), a signature's
    closing bracket aside, and the opening brace that Allman style puts on a line of its own
    (C#'s: every method's body ended at its `{`, and a .NET frame's line was dropped for the
    method's header), and a Go label written at the margin (httprouter's `walk:` inside
    `addRoute` ended it, and a panic at line 169 opened at the function's header). A definition
    starting at its annotations or decorators (tree-sitter starts a Java method at its `@Override`)
    is measured from the line after them: the signature, as deep as they, ended the body there
    (jimfs's `WindowsPathType.parsePath` frame at line 87 opened at line 58)."""
    while start < len(lines) and _ANNOTATION.match(lines[start - 1]):
        start += 1
    indent = _indent(lines[start - 1])
    opened = False
    for n in range(start + 1, len(lines) + 1):
        text = lines[n - 1]
        if not text.strip() or COMMENT_LINE.match(text) or _indent(text) > indent or text.strip()[0] in ")]" \
                or _GO_LABEL.match(text):
            continue
        if not opened and text.strip() == "{":
            opened = True
            continue
        return n
    return len(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


#: Words from which a question's evidence is looked for inside the code unit that best
#: matches it: a report names the behaviour, and over a whole file its words pull the window
#: to wherever they crowd. Chosen on the training projects (`benchmarks/bench_evidence.py
#: --split train`, a window holding a changed line): their 287 issue target files .282 →
#: .341, 678 commit-message ones .370 → .381 (flat from 8 to 20 words; for every question,
#: .338 and .364: a few words find a unit by chance).
UNIT_WORDS = 15


def evidence_start(lines: list[str], question: str, path: str, window: int,
                   unit: tuple[int, int] | None = None) -> int:
    """:func:`_evidence_start`, past the blank lines it would open on (pypa/build's isolated
    environment opened on the empty line above ``class DefaultIsolatedEnv``)."""
    start = _evidence_start(lines, question, path, window, unit)
    skipped = 0
    while start < len(lines) and skipped < window - 1 and not lines[start - 1].strip():
        start, skipped = start + 1, skipped + 1
    return start


def _evidence_start(lines: list[str], question: str, path: str, window: int,
                    unit: tuple[int, int] | None = None) -> int:
    """1-based first line of the ``window`` lines of ``path`` to show as evidence: where a
    stack frame of the question points into the file (the function it names, where the file
    defines it elsewhere than that line), else where the file holds a piece of
    the error message it pastes (that line a third of the way down, the code leading to it
    above), else :func:`~explore.sandbox.index.best_window` — inside ``unit`` (a 1-based
    line span: the file's code unit that best matches the question, see
    :meth:`~explore.retrieval.retriever.Retriever.best_unit`) when one is given, the question
    runs to :data:`UNIT_WORDS` words and does not ask where a name is defined."""
    if (declared := version_line(question, path, lines)) is not None:  # "which Go version is required?"
        return max(1, declared - 2)
    if (file_kind(path) == "config" or path.endswith(".lock")) \
            and (pinned := dependency_line(question, lines)) is not None:  # "which version of OkHttp?", a lockfile's
        return max(1, pinned - 2)
    if (tested := tested_versions_line(question, path, lines)) is not None:  # "which Node versions does CI test?"
        return max(1, tested - 3)
    if file_kind(path) == "docs" and (written := _version_written(question, lines)) is not None:
        return written  # "which release updated hashbrown to 0.17?": at the entry saying so
    query = parse(question)
    if query.names and asks_where_raised(question):  # "where is X thrown?": at the line throwing it
        raising = [n for n, text in enumerate(lines, start=1)
                   if RAISING_LINE.search(text) and any(name in text for name in owned_names(query))]
        # the code that throws, before a doc comment's `@throws` of it
        raised = next((n for n in raising if not COMMENT_LINE.match(lines[n - 1])), raising[0] if raising else None)
        if raised is not None:
            return max(1, raised - 3)
    frame = _innermost_frame(query, path)
    if frame and (pasted := _pasted_line(query, path, frame[0], lines)) is not None:
        frame = (pasted, frame[1])
    line = frame[0] if frame else None
    if frame and (moved := _frame_in_file(lines, *frame, path=path)) != line:  # the function, where this version has it
        top = moved
        while top > 1 and moved - top < 2 and COMMENT_LINE.match(lines[top - 2]):
            top -= 1  # and the comment lines just above it
        return max(1, top)  # at the definition, even in the file's last lines
    if line is None and query.messages:  # the line that holds a piece of the pasted message: where it is raised
        pieces: Sequence[str] = query.messages
        lines = [text.replace("\\'", "'") for text in lines]  # `doesn\'t` as the message prints it
        holding = [n for n, text in enumerate(lines, start=1) if any(p in text for p in pieces)]
        for starts in query.message_starts if not holding else ():  # a value formatted in as a plain word
            pieces = next(([start] for start in starts if any(in_string(text, [start]) for text in lines)), [])
            # one line holds it, or it says nothing of where (a name asked about may)
            if len(holding := [n for n, text in enumerate(lines, start=1) if any(p in text for p in pieces)]) == 1:
                break
            holding, pieces = [], query.messages
        # the line holding the most of its pieces first (indexmap's "range end index 10 out of range for slice of
        # length 3" opened at the start index's panic, which holds only the second piece)
        holding.sort(key=lambda n: -sum(p in lines[n - 1] for p in pieces))
        # where code raises it: in a string literal first, then on a code line, a comment quoting the
        # message last (commander's doc comment "…options for unknown options" opened the window)
        line = next((n for n in holding if in_string(lines[n - 1], pieces)),
                    next((n for n in holding if not COMMENT_LINE.match(lines[n - 1])), holding[0] if holding else None))
        if line is not None and (sentinel := _SENTINEL.match(lines[line - 1])):
            # a Go sentinel (`ErrTimeout = errors.New("operation timed out")`): where this file returns it, the code
            # that fails so (ants's declarations opened for its pool's errors, not retrieveWorker returning them)
            used = re.compile(rf"\breturn\b.*\b{sentinel.group(1)}\b")
            line = next((n for n, text in enumerate(lines, start=1) if used.search(text)
                         and not COMMENT_LINE.match(text)), line)
    if line is not None and 1 <= line <= len(lines):
        return max(1, min(line - window // 3, len(lines) - window + 1))
    if frame is None and (defined := _frame_function_here(query, lines, path)):  # the trace names its function
        top = defined
        while top > 1 and defined - top < 2 and COMMENT_LINE.match(lines[top - 2]):
            top -= 1
        return max(1, top)  # at the definition, even in the file's last lines
    # a definition asked for by a plain word ("where is bytesify defined?") opens at it too, and one
    # its words name together ("the JSON renderer": `class JSONRenderer`, not the `__all__` list naming it)
    if asks_definition(question):
        return best_window(lines, question, window, query.names | _joined_names_defined(lines, question, path),
                           path=path)
    if query.names and file_kind(path) == "test" and asks_for_tests(question) \
            and (named := _test_named_for(lines, owned_names(query))) is not None:
        return named  # "which test covers TriggerLevelWriter flushing …?": at the test named for it
    if file_kind(path) == "test" and asks_for_tests(question) and (titled := _test_titled_for(lines, question, path)):
        # "which test checks that stale workers are purged …?": at TestPurgePool — unless the words' window lies in a
        # test whose name holds as many of them (voluptuous's "…_nested_getitem_indexerror", its docstring saying
        # what the question asks, over test_path_with_list_index)
        start = best_window(lines, question, window, path=path)
        if (held := next((n for n in titled if start <= n < start + window), None)) is not None:
            return held  # the window holds one: at its declaration
        above = next((n for n in range(start, 0, -1) if _TEST_DECLARED.match(lines[n - 1])), None)
        return start if above in titled and _body_end(lines, above) >= start else titled[0]  # inside one's body
    code_first = is_statement(question)  # a report asks for the code, not the docstring that repeats its words
    if not code_first and len(question.split()) < UNIT_WORDS and (
            named := _plain_names_defined(lines, question, path) | _joined_names_defined(lines, question, path)):
        # "what does tokenadd do?": a plain word the file defines is the name asked about
        return best_window(lines, question, window, named, path=path)
    if unit is not None and len(question.split()) >= UNIT_WORDS and (inside := lines[unit[0] - 1:unit[1]]):
        return max(1, min(unit[0] - 1 + best_window(inside, question, window, code_first=code_first, path=path),
                          len(lines) - window + 1))
    return best_window(lines, question, window, code_first=code_first, path=path)


#: A line declaring a test: Go's `func TestX(`, Python's `def test_x`, xUnit's and JUnit's methods, a JS/Ruby
#: `it(`/`test(`/`describe(` block, C++'s `TEST(`/`TEST_F(`, Rust's `fn x(` (under `#[test]`).
_TEST_DECLARED = re.compile(r"^\s*(?:func\s+Test|(?:async\s+)?def\s+test|(?:pub\s+)?(?:async\s+)?fn\s+\w|"
                            r"(?:public|internal|private)?\s*(?:async\s+)?(?:void|Task|fun)\s+\w+\s*\(|"
                            r"(?:it|test|describe|context|specify)\s*\(?\s*['\"`]|TEST(?:_F|_P)?\s*\()")


def _test_named_for(lines: list[str], names: Iterable[str]) -> int | None:
    """The 1-based line of the first test ``lines`` declare whose name (or title) holds one of
    ``names`` (zerolog's writer_test.go: "which test covers TriggerLevelWriter flushing …?" opened at
    TestMultiSyslogWriter, 190 lines above TestTriggerLevelWriter); None where none does."""
    wanted = [n.lower() for n in names if len(n) > 3]
    if not wanted:
        return None
    return next((n for n, text in enumerate(lines, start=1)
                 if _TEST_DECLARED.match(text) and any(w in text.lower() for w in wanted)), None)


#: Words a question asks for a test with, which say nothing of which.
_TEST_ASKING = frozenset({"test", "tests", "spec", "specs", "cover", "covers", "covered", "check", "checks", "checked",
                          "verify", "verifies", "verified", "case", "cases", "exercise", "exercises", "assert", "asserts",
                          # and a prefix written apart ("non-English": dayjs's test of "non-token parts" is no answer)
                          "non"})


def _test_titled_for(lines: list[str], question: str, path: str = "") -> list[int]:
    """The 1-based lines of the tests ``lines`` declare whose names or titles hold the most of the question's
    words, the rarer among the file's tests first (empty where none holds one): ants's "which test checks
    that stale workers are purged after the expiry duration?" opened at TestRestCodeCoverage, which repeats
    `WithExpiryDuration` eight times, not TestPurgePool; tty-prompt's ":max option" at another test than
    `context "with :max"`. More of the words count before rarer ones (dayjs's "parse month from string with
    locale in config" over "does not break the built-in parsing"), and the words of the file's own name for
    none (dayjs's customParseFormat.test.js: "custom" opened at "custom two-digit year parse function")."""
    own = set(tokenize(PurePosixPath(path).name.split(".")[0]))
    declared = [(n, set(tokenize(text))) for n, text in enumerate(lines, start=1) if _TEST_DECLARED.match(text)]
    if len(declared) < 2:
        return []
    groups = []  # a word with the bases it may be inflected from ("purged": purge, purg)
    for word in dict.fromkeys(tokenize(question)):
        if len(word) > 2 and not word.isdigit() and word not in _TEST_ASKING and word not in own:
            groups.append({word, *(b for b in bases(word) if len(b) > 2)})
    df = Counter(w for _, tokens in declared for w in tokens)
    scored = []
    for n, tokens in declared:  # the most of the question's words, then the rarest
        held = [max(1 / df[w] for w in group & tokens) for group in groups if group & tokens]
        if held:
            scored.append((len(held), sum(held), -n))
    most = max((count for count, _, _ in scored), default=0)
    return [-n for count, _, n in sorted(scored, reverse=True) if count == most]


def _joined_names_defined(lines: list[str], question: str, path: str) -> set[str]:
    """The names ``lines`` define that two or three adjacent words of a short question spell
    together, case and underscores aside ("the JSON renderer" -> ``JSONRenderer``, "the retry
    policy" -> ``retry_policy``): the thing asked about, though written as prose."""
    if file_kind(path) in ("docs", "config", "data") or len(question.split()) >= UNIT_WORDS:
        return set()
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", question)
    spans = {tuple(words[i:i + n]) for n in (2, 3) for i in range(len(words) - n + 1)}
    spans = {span for span in spans if not any(w.lower() in STOPWORDS for w in span)}
    if not spans:
        return set()
    alt = "|".join("_?".join(re.escape(w) for w in span) for span in sorted(spans))
    found = re.compile(rf"{DEFINES}({alt})(?![\w$])", re.I)
    return {m.group(1) for line in lines if (m := found.search(line))}


def _plain_names_defined(lines: list[str], question: str, path: str) -> set[str]:
    """The plain words of a short question (``what does tokenadd do?``) that ``lines`` define
    once: the name it asks about, though written without a code name's marks."""
    if file_kind(path) in ("docs", "config", "data"):  # a code block's `class X` in a page is no definition
        return set()
    words = {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]{3,}", question) if w.lower() not in STOPWORDS}
    return {w for w in words if len(found := definition_lines(lines, w, path)) == 1
            and not _LOCAL_VARIABLE.match(lines[found[0] - 1])}


#: A variable inside a function (`    let pattern = &opts.pattern;`): a word of the question it
#: happens to name is not the thing asked about (fd's smart-case question opened at it).
_LOCAL_VARIABLE = re.compile(r"[ \t]+(?:let|var|const)\s")
