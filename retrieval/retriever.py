"""Fusing the evidence: which files to offer first.

Five rankings of a snapshot's files for one parsed question (:class:`~.query.Query`):

* ``file`` — BM25 over whole files (path twice + text), the project's :class:`Index`,
  queried with the parsed terms (names weighted above prose);
* ``unit`` — BM25 over code units (functions, classes, methods); a file scores its best unit;
* ``symbol`` — files that *define* a name the question uses, rarer names first;
* ``path`` — files whose path ends with a path the question names (traceback frames);
* ``history`` — files changed by the past commits whose messages are most like the
  question (:mod:`.history`; none for a plain folder).

They are fused by reciprocal rank (``Σ w / (k + rank)``), then multiplied by a prior per
file kind (tests and docs rarely hold what a bug report is about, but they stay in the
ranking). Weights are chosen on the history questions of the *training* repositories
(``benchmarks/bench_real.py --split train``), never on the evaluation ones.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from ..sandbox.index import IDENTIFIER, INDEX_BYTES, Index, file_lines, tokenize
from ..sandbox.outline import (CODE_SUFFIXES, VENDORED_FOLDERS, file_kind, is_benchmark, is_build_file, is_lockfile,
                               is_vendored, own_tests_line)
from ..sandbox.snapshot import Snapshot
from .combiner import Combiner, candidate_features, default_combiner
from .config_asked import (CONFIGURE_SUBJECT, asks_artifact_built, asks_build, asks_publish, names_config, names_file,
                           names_tool)
from .file_facts import FileFacts
from .file_kinds import (DECLARES_ONLY, asks_implementation, asks_license, asks_media,
                         declares_only, headers_and_sources, is_changelog, is_declarations, is_license,
                         is_media, is_release_guide, not_asked_about, passed_over)
from .frames import dotnet_namespace, php_call_sites
from .history import ChangeLog, change_log
from .intent import (GRAMMAR_SUFFIXES, asks_benchmark, asks_definition, asks_example, asks_for, asks_for_grammar,
                     asks_for_page, asks_how_to_only, asks_where_raised)
from .messages import MESSAGE_FILES, MessageSites
from .paths import NAME_FILES, WrittenPaths
from .query import Query, parse
from .query import bases as _bases
from .question_form import is_bare_name, is_only_a_reference, is_statement
from .symbols import DEFINING_FILES, Symbols
from .tests_asked import asks_for_tests
from .units import TEST_BLOCK_SUFFIXES, UNIT_CHARS, test_blocks
from .versions_asked import (asks_ci_file, declares_version_asked, dependency_asked, dependency_line, is_ci_file,
                             tested_versions_line, version_line)


#: :attr:`RetrieverConfig.docs_intent`, chosen on the training repositories' generated
#: questions (``benchmarks/tune_intent.py``).
DOCS_INTENT = 12.0
#: :attr:`RetrieverConfig.config_intent`, chosen the same way.
CONFIG_INTENT = 16.0
#: Of :data:`CONFIG_INTENT`, what a build file (``pom.xml``, ``CMakeLists.txt``, ``configure.ac``)
#: takes more when a question naming config asks how the project is built: enough to order
#: the config files, never to lift one over code.
BUILD_SHARE = 0.25
#: :attr:`RetrieverConfig.copied_penalty`: of the scale of :data:`MESSAGE_FOUND`, so a copied
#: file (vendored, or generated from another) falls behind the project's own file that the
#: evidence ranks about as high (jq's vendored decNumber.c above builtin.c for "Fix off-by-one
#: in modulo operator"), not behind everything.
COPIED_PENALTY = 4.0
#: The best candidates whose heads are read for a generator's mark (:func:`.outline.is_generated`).
COPIED_DEPTH = 30
#: :attr:`RetrieverConfig.message_found`, chosen on the training repositories' pasted error
#: messages (``benchmarks/tune_message.py``).
MESSAGE_FOUND = 4.0
#: :attr:`RetrieverConfig.innermost_frame`, chosen on the 66 pasted bug reports of the outside
#: reviews (their clones and judged answers; 4: 49 -> 55 first, 8: 49 -> 56, none lost); the
#: training projects' 720 real questions rank alike with it (their messages paste few traces).
INNERMOST_FRAME = 8.0
#: :attr:`RetrieverConfig.definition_intent`, chosen as :data:`DOCS_INTENT` is.
DEFINITION_INTENT = 6.0
#: The most files a locale a question names may have to count as named (``fr.ts``, ``fr.po``).
LOCALE_FILES = 5
#: :attr:`RetrieverConfig.name_found`, chosen as :data:`DOCS_INTENT` is.
NAME_FOUND = 8.0
#: :attr:`RetrieverConfig.pair_defined`, chosen as :data:`DOCS_INTENT` is.
PAIR_DEFINED = 4.0


@dataclass(frozen=True)
class RetrieverConfig:
    """Fusion weights and priors."""

    k: int = 60
    """RRF's rank offset: larger flattens the difference between ranks."""
    depth: int = 50
    """Files taken from each ranking."""
    weights: dict[str, float] = field(default_factory=lambda: {"file": 2.0, "unit": 1.0, "symbol": 1.0, "path": 2.0,
                                                               "history": 1.0})
    priors: dict[str, float] = field(default_factory=lambda: {"test": 0.5, "docs": 0.5, "example": 0.7, "data": 0.6,
                                                               "script": 0.8})
    fusion: str = "auto"
    """``learned`` (the combiner), ``rrf`` (the weights and priors above), or ``auto``:
    learned when a combiner is given or shipped in the package, else rrf."""
    combiner: Combiner | None = None
    """A learned scorer over the rankings' features; None uses the one shipped in the
    package (``retrieval/combiner.json``)."""
    docs_intent: float = DOCS_INTENT
    """Added to a docs page's learned score when the question asks for documentation
    (:func:`.intent.asks_for`): the combiner learnt from commits, which leave docs-only
    changes out, so on its own it ranks every docs page below the code."""
    innermost_frame: float = INNERMOST_FRAME
    """Added to the code file a pasted trace's innermost frame names (of this repository's
    own installed package first, :meth:`WrittenPaths.innermost_own`): where it broke."""
    message_found: float = MESSAGE_FOUND
    """Added to a code file's learned score when it holds, word for word, a piece of an error
    message the question pastes (:attr:`.query.Query.messages`) that at most
    :data:`MESSAGE_FILES` of the candidates hold: the code that raises it."""
    config_intent: float = CONFIG_INTENT
    """Added to a configuration file's learned score when the question names a configuration
    file, a tool's settings or the package's metadata (:func:`.config_asked.names_config`)."""
    tests_intent: float = DOCS_INTENT
    """Added to a test file's learned score when the question asks where tests are
    (:func:`.tests_asked.asks_for_tests`): the combiner learnt from commits, whose answers are
    never tests, so on its own it ranked `NameAllocatorTest.java` — first by file, unit and
    history — seventh for "where are the tests for NameAllocator?". Not tuned (no question
    set asks for tests): the docs lift's size."""
    pair_defined: float = PAIR_DEFINED
    """Added to the learned score of a file that defines both parts of a dotted name the
    question uses (``Options.merge``: the class and its method), when at most
    :data:`DEFINING_FILES` files do: where a member many files define is this class's.
    Never for a statement (a bug report's snippet names pairs it only uses)."""
    platform_named: float = PAIR_DEFINED
    """Added to the learned score of a code file named for a platform the question names
    (``backend_windows.go`` for "… the Windows backend …"), when at most :data:`DEFINING_FILES`
    are (:data:`_PLATFORMS`). Never for a statement. Not tuned: the pair lift's size, which
    moved one review question and no benchmark question."""
    name_found: float = NAME_FOUND
    """Added to the learned score of a file that holds, as a word, a code name the question
    uses which at most :data:`NAME_FILES` files of the repository hold (``shallow_clone``,
    found in one CI file): what grep finds at once, whatever kind of file it is. Never for a
    statement."""
    definition_intent: float = DEFINITION_INTENT
    """Added to the learned score of a file that defines a name the question asks the
    definition of (:func:`.intent.asks_definition`; a name at most :data:`DEFINING_FILES` define)."""
    copied_penalty: float = COPIED_PENALTY
    """Taken from the learned score of a code file in a vendored folder (:func:`.outline.is_vendored`)
    or whose head says a tool generated it (a Bison ``parser.c`` of ``parser.y``), unless the
    question names it or the folder it was copied as. (Config and docs files are left alone: a
    ``requirements/docs.txt`` pip-compile wrote is the file a question about them asks for.)"""


@dataclass(frozen=True)
class Hit:
    path: str
    score: float
    why: tuple[str, ...]
    """Which rankings placed it, with its rank in each (``unit#1``, ``symbol#2``)."""
    unit: tuple[int, int] | None = None
    """The 1-based line span of its code unit that best matches the question (where its
    evidence window is looked for, :func:`.evidence.evidence_start`), or None."""


#: What a JavaScript file in a stack trace may have been compiled from: a TypeScript
#: project's trace names ``dist/source/core/x.js`` where the repository holds ``source/core/x.ts``.
_COMPILED_FROM = {".js": (".ts", ".tsx", ".mts"), ".mjs": (".mts", ".ts"), ".cjs": (".cts", ".ts"),
                  ".jsx": (".tsx",)}


def _sources_of(path: str) -> list[str]:
    """``path`` as written, then (for a compiled JavaScript file) the TypeScript files it may
    come from; only looked for when the file as written is not in the repository."""
    stem, dot, suffix = path.rpartition(".")
    return [path, *(stem + ext for ext in _COMPILED_FROM.get(dot + suffix, ()))] if dot else [path]


#: Why a file of another kind than the question asks for answers it: code holding its own tests,
#: asked for tests; a locale's data file, asked for by the locale; a lockfile's line pinning the dependency
#: asked for (:meth:`Retriever.rank`'s ``why``).
TESTS_INSIDE, LOCALE_NAMED, DEPENDENCY_PINNED = "tests inside", "locale named", "dependency version asked"
SUBJECT_TESTED, OLDER_VERSION = "subject tested", "older version"
#: Of the test lift, what the tests named for the code a "which test …" question matches best take
#: again (not tuned: at the whole lift three review questions were lost, at half two, five won at both).
SUBJECT_SHARE = 0.5
ASKED_ANYWAY = frozenset({TESTS_INSIDE, LOCALE_NAMED, DEPENDENCY_PINNED})
#: Why a file is generated from another the repository holds (its penalty in the stage): BM25, which
#: ``ask`` weighs beside the stage, knows nothing of it. (Not a vendored library: where it alone
#: holds the code asked about, mockk's external/slicer/, it answers.)
COPIES = frozenset({"generated"})
#: Why a file is another project's code copied in (its penalty in the stage).
VENDORED = "vendored"
#: Why a file takes a question asking how the project is published: a guide to releasing, a release
#: tool's settings or a workflow that publishes, a script that does (only releasing scripts are lifted so).
RELEASE_GUIDE, RELEASE_CONFIG = "release guide", "release config"
MAKES_RELEASES = frozenset({RELEASE_GUIDE, RELEASE_CONFIG, "script asked"})
#: A version asked as locked or resolved: the lockfile's, not the manifest's range.
_ASKS_LOCKED = re.compile(r"\b(?:lock(?:ed|file)?|resolved)\b", re.I)
#: What tests are written in: code, Gherkin's features, PHP's .phpt, Perl's .t, Robot Framework's suites.
_TEST_SUFFIXES = frozenset(CODE_SUFFIXES) | {".feature", ".phpt", ".t", ".robot"}
#: A question asking for a test's data, not its code.
_ASKS_FIXTURE = re.compile(r"\b(?:fixtures?|snapshots?|golden|samples?|test ?data|test ?files?|expected output|"
                           r"cassettes?)\b", re.I)
#: A code file holding its own tests answers "which test …" only where the unit ranking puts it this
#: high (rand's uniform_int.rs, 24th by its units, took "which test checks the Fill trait …?").
OWN_TESTS_UNITS = 3
#: What marks a file's name a test's (``test_fi.py``, ``fi_test.go``, ``FiTest.java``, ``fi.spec.ts``,
#: ``exactly_one_of_validator_spec.rb``): the rest names the file it tests.
_TEST_MARK = re.compile(r"^(?i:tests?|spec)[_-]?|(?i:[_-](?:tests?|spec))$|(?<=[a-z0-9])(?:Tests?|Spec|IT)$")
#: A folder of tests, or one a language's build lays out (``src/test/java``), which no code folder mirrors.
_TEST_ROOT = re.compile(r"tests?|specs?|^(?:src|source|main|java|kotlin|groovy|scala|unit|integration|functional|e2e)$",
                        re.I)
#: A test's name that names no one file: a package's entry module, a folder's index.
_NO_SUBJECT = frozenset({"", "init", "index", "main", "mod", "lib", "util", "utils", "helper", "helpers", "common",
                         "all", "base"})
#: A question asking which file holds something, or where it is: a file is the answer.
_ASKS_WHICH_FILE = re.compile(r"\b(?:which|what)\s+(?:files?|json|ya?ml|data|catalog(?:ue)?)\b|\bwhere\s+(?:are|is)\b|"
                              # (negroni's "is there a Japanese translation of the README?" answered README.md)
                              r"\b(?:is|are)\s+there\b", re.I)


class Retriever:
    """The candidate stage over one snapshot and its BM25 index."""

    def __init__(self, index: Index, config: RetrieverConfig | None = None) -> None:
        self.index = index
        self.snapshot: Snapshot = index.snapshot
        self.config = config or RetrieverConfig()
        self.facts = FileFacts(index)  # what each file is, read from its text once
        self.messages = MessageSites(index)  # where a pasted message is raised
        self.paths = WrittenPaths(index, self.facts)  # the files a question's written paths name
        self.symbols = Symbols(index, self.facts)  # the code units, and where names are defined
        self._log: ChangeLog | None = None
        self._unit_files: dict[str, int] | None = None  # a file -> its place in the unit index
        self._unit_scores: tuple[tuple[str, ...], np.ndarray] | None = None  # the last query's, for its files

    @property
    def log(self) -> ChangeLog:
        """The repository's change log up to the snapshot, read on first use."""
        if self._log is None:
            self._log = change_log(self.snapshot)
        return self._log

    def _declares_version(self, question: str, path: str) -> bool:
        """Whether the manifest ``path`` holds the line declaring the language version asked
        for (okio's twelve ``build.gradle.kts`` were all lifted for "which Kotlin version does
        the Gradle build use?"; its ``gradle/libs.versions.toml`` holds ``kotlin = "2.2.21"``)."""
        return version_line(question, path, (self.snapshot.text(path) or "").splitlines()) is not None


    # -- rankings ------------------------------------------------------------------------
    def rankings(self, query: Query) -> dict[str, list[tuple[str, float]]]:
        """Each evidence's best files with their scores, best first."""
        depth = self.config.depth
        out: dict[str, list[tuple[str, float]]] = {}
        terms = self._with_bases(query)
        scores = self.index.token_scores(terms)
        out["file"] = _top(self.index.files, scores, depth)
        if len(self.symbols.units) and query.terms:
            unit_scores = self.symbols.units.scores(terms)
            self._unit_scores = (query.terms, unit_scores)  # for best_unit, on this question's hits
            best = np.zeros(len(self.symbols.units.files), dtype=np.float32)
            np.maximum.at(best, self.symbols.units.owner, unit_scores)
            out["unit"] = _top(self.symbols.units.files, best, depth)
        symbol: dict[str, float] = defaultdict(float)
        for name in sorted(query.names):  # a set's order changes with the process's hash seed, and float sums with it
            files = self.symbols.defines(name)
            if files and len(files) <= 20:
                for f in files:
                    symbol[f] += 1.0 / math.log(2 + len(files))
        for fn in query.functions[-3:]:  # the innermost frames name where it broke
            files = self.symbols.defines(fn)
            if len(files) <= 20:  # not `__init__`, `new` or `main`, which half the tree defines
                for f in files:
                    symbol[f] += 0.5
        out["symbol"] = [(p, symbol[p]) for p in sorted(symbol, key=lambda p: (-symbol[p], p))[:depth]]
        paths = self._path_hits(query)
        if query.frame_owner is not None:  # a .NET frame names its class, not its file: the file whose class holds
            # the method, as a frame's file (innermost: first), the one declaring the frame's namespace first
            # (Specification's EF6 and EF Core SpecificationEvaluator.cs: the EF6 one, first by name, took the lift)
            namespace = dotnet_namespace(query.text)
            owning = sorted(self.symbols.defining_in(*query.frame_owner),
                            key=lambda p: (not self.facts.declares_namespace(p, namespace), p))
            paths = owning + [p for p in paths if p not in owning] if len(owning) <= DEFINING_FILES else paths
        paths += [p for p in self._locale_files(query) if p not in paths]
        out["path"] = [(p, 1.0 / r) for r, p in enumerate(paths, start=1)]
        if query.terms and len(self.log):
            votes = self.log.file_scores(list(query.terms))
            if votes:
                out["history"] = [(p, votes[p]) for p in sorted(votes, key=lambda p: (-votes[p], p))[:depth]]
        return out

    def _with_bases(self, query: Query) -> list[str]:
        """The question's terms, a word made with -ed, -ing, -able or -ible that no file holds read as its base
        where the index holds that ("pickled" -> ``pickle``: filelock's test_timeout_pickle was 32nd for
        "which test checks that a Timeout exception can be pickled?"). A word some file holds stays as it is
        (adding the base beside it: the review questions' stage 6 won, 6 lost), and so does a statement, a
        commit message's words, which the combiner learnt as they are."""
        terms = list(query.terms)
        if is_statement(query.text):
            return terms
        out: list[str] = []
        bases: dict[str, str | None] = {}
        for term in terms:
            out.append(term)
            if term not in bases:
                held = self.index.holds(term) or term in _ASKING_WORDS
                bases[term] = None if held else next((b for b in _bases(term) if self.index.holds(b)), None)
            if bases[term] is not None:
                out[-1] = bases[term]
        return out

    @staticmethod
    def _pages_match(rankings: Mapping[str, list[tuple[str, float]]]) -> bool:
        """Whether a page matches the question's words (BM25) as well as :data:`HOW_TO_PAGE_SHARE` of the best
        code file does, or no code file matches: then a "how do I …" question is answered by a page. Where none
        does, the code it asks how to use answers (EmailValidator's "how do I get the reason an address was
        rejected?" answered its documentation/Other.md, which says nothing of it, over getError()'s file)."""
        ranked = rankings.get("file", [])
        page = next((s for p, s in ranked if file_kind(p) == "docs"), 0.0)
        code = next((s for p, s in ranked if file_kind(p) == "code"), None)
        return code is None or page >= HOW_TO_PAGE_SHARE * code

    def _locale_files(self, query: Query) -> list[str]:
        """The files of the locales a question names (:attr:`.query.Query.locales`): named by the
        code (``locales/fr.ts``, ``fr.po``, ``fr_FR.json``), or in a folder so named (``locale/fr/
        LC_MESSAGES/django.po``), where at most :data:`LOCALE_FILES` are."""
        out: list[str] = []
        for code in query.locales:
            # or, a data file, by its stem's last part (emoji's unicode_codes/emoji_es.json)
            named = [f for f in self.snapshot.files if file_kind(f) != "test" and any(
                re.fullmatch(rf"{code}(?:[-_][A-Za-z]{{2,4}})?(?:\.\w+)*", part, re.I)
                for part in f.split("/")) or file_kind(f) in ("config", "data")
                and re.fullmatch(rf"[\w-]+[-_]{code}(?:[-_][A-Za-z]{{2,4}})?\.\w+", PurePosixPath(f).name, re.I)
                # or a page translated so (negroni's translations/README_ja_JP.md, third behind README.md and the
                # Portuguese one for "is there a Japanese translation of the README?")
                or file_kind(f) == "docs" and re.fullmatch(rf"[\w-]+?[._-]{code}(?:[-_][A-Za-z]{{2,4}})?\.\w+",
                                                          PurePosixPath(f).name, re.I)]
            if len(named) > LOCALE_FILES:  # the language's own file over its regions' (Carbon's de.php, not de_AT …)
                named = [f for f in named if PurePosixPath(f).stem.lower() == code
                         or code in (part.lower() for part in f.split("/")[:-1])]
            if not named:  # a Rails catalog named for the gem, the locale its root key (kaminari's config/locales/
                # kaminari.yml, `en:` on its first line, was 17th for "where are the English labels … defined?")
                named = [f for f in self.messages.catalogs() if re.match(rf"(?:\s*#.*\n|\s*\n)*['\"]?{code}['\"]?:\s*$",
                                                                  self.snapshot.text(f, 2_000) or "", re.I | re.M)]
            if len(named) <= LOCALE_FILES:
                out += [f for f in named if f not in out]
        return out

    def _tool_configured(self, query: Query, fused: dict[str, float]) -> bool:
        """Whether ``query`` asks, as a question, where something is configured and names the tool
        a candidate config file is named for (:func:`.config_asked.names_tool`): cargo-deny's deny.toml,
        which no list of tools can hold every one of. (Not a commit subject: jinja's "update dev
        dependencies" named requirements/dev.txt's "dev", and lost its three real questions.)"""
        best = sorted(fused, key=lambda p: -fused[p])[:COPIED_DEPTH]
        return _ASKS_CONFIGURED.search(query.text) is not None and asks_for(query.text, "config") \
            and any(file_kind(p) == "config" and names_tool(query.text, p) for p in best)

    def _configure_asked(self, query: Query) -> bool:
        """Whether ``query`` speaks of autotools' `configure` script as its subject in a
        repository that has one (:data:`~.config_asked.CONFIGURE_SUBJECT`)."""
        return CONFIGURE_SUBJECT.search(query.text) is not None and not is_statement(query.text) \
            and any(f in ("configure", "configure.ac", "configure.in") for f in self.index.files)

    def _path_hits(self, query: Query) -> list[str]:
        hits: list[str] = []
        depth = self.config.depth
        ran = {path: (line, fn) for (path, line), fn in zip(query.frame_lines, query.frame_functions)}
        # a frame in this repository's own gem or Composer package, as a user's trace names it (i18n's
        # `gems/i18n-1.14.1/lib/i18n.rb`: as another package's `lib/i18n.rb` it was no file of ours)
        ours = {path for path, package in query.packages if package in self.paths.own_names()}
        for mentioned in reversed(query.paths):  # innermost frame last in a traceback: first here
            if len(hits) >= depth:
                break
            own = self.paths.own_package_file(mentioned) if mentioned in query.installed else None
            if own is not None:  # a frame in this repository's own Go module or crate, as a user's panic names it
                hits += [own] if own not in hits else []
                continue
            # a frame in this repository's own npm package (picomatch's `node_modules/picomatch/lib/parse.js`, or
            # yargs-parser's compiled `build/lib/index.js`): its path inside the package, as ours
            inside = self.paths.own_npm_path(mentioned) if mentioned in query.installed else None
            for written in _sources_of(inside or mentioned):  # as written, then a compiled file's sources
                another = inside is None and mentioned in query.installed and mentioned not in ours
                found = self.paths.tail_hits(written, another)
                if found:
                    line, fn = ran.get(mentioned, (0, ""))
                    order = sorted(found, key=lambda f: (len(found) > 1 and not self.symbols.runs_at(f, line, fn), len(f)))
                    hits += [f for f in order if f not in hits]
                    break
        return hits[:depth]

    def unheard_of(self, query: Query) -> list[str]:
        """The names ``query`` uses, sorted, when no file of the snapshot holds any of them as
        a word and no code unit defines one (``zebraTeleport`` in a repository that never
        mentions it); else (or with no names, or a name the index cannot spell) none."""
        names = sorted(query.names)
        if not names or not all(IDENTIFIER.fullmatch(n) for n in names):
            return []
        for name in names:
            # the name as the index spells it (stemmed: `exceptions` is held as `exception`, and looked
            # up as written, "where are the exceptions defined?" was told no file holds the word); a stop
            # word no index holds may still be held (blinker's `ANY = Symbol("ANY")`): heard of
            spelt = tokenize(name)[:1]
            if not spelt or self.symbols.defines(name) or self.index.token_scores(spelt).any():
                return []
        return names

    def best_unit(self, query: Query, path: str) -> tuple[int, int] | None:
        """The 1-based line span of ``path``'s code unit (function, class, method) that
        scores best for ``query`` by unit BM25, or None when none shares a term with it."""
        units = self.symbols.units
        if not query.terms or not len(units):
            return None
        blocks = PurePosixPath(path).suffix.lower() in TEST_BLOCK_SUFFIXES and file_kind(path) == "test"
        if (j := self._unit_file(path)) is None:
            return self._best_test_block(query, path, 0.0) if blocks else None  # a spec of `it` blocks alone
        a, b = int(units.offsets[j]), int(units.offsets[j + 1])
        if a == b:
            return None
        asked, raised = self.messages.raised
        if asked == query.text and (line := raised.get(path)) is not None:
            # a file raising a message its table keys: the unit that names the key (serde_json's ser.rs opened 1,400
            # lines away from `Error::syntax(ErrorCode::KeyMustBeAString, 0, 0)`)
            holding = [(int(s), int(e)) for s, e in units.spans[a:b] if int(s) <= line <= int(e)]
            return min(holding, key=lambda span: span[1] - span[0]) if holding else (line, line)
        scored = self._unit_scores  # read once: another thread may rank another question meanwhile
        if scored is None or scored[0] != query.terms:  # a question's hits: its units scored once
            scored = self._unit_scores = (query.terms, units.scores(list(query.terms)))
        scores = scored[1][a:b]
        start, end = units.spans[a + int(scores.argmax())]
        if blocks and (block := self._best_test_block(query, path, float(scores.max()))) is not None:
            return block  # a test a call declares (`it('…', () => {`) matching better than any function
        return (int(start), int(end)) if scores.max() > 0 else None

    def _best_test_block(self, query: Query, path: str, beat: float) -> tuple[int, int] | None:
        """The span of the test block of ``path`` (:func:`.units.test_blocks`) that scores best
        for ``query``, by the unit index's BM25 and statistics, where it scores above ``beat``."""
        units = self.symbols.units
        n, best, span = len(units), beat, None
        terms = Counter(query.terms)
        idf = {t: math.log(1 + (n - (df := units.frequency(t)) + 0.5) / (df + 0.5)) for t in terms}
        for name, start, end, body in test_blocks(file_lines(self.snapshot.text(path) or "")):
            tokens = Counter(tokenize(name) * 2 + tokenize(body[:UNIT_CHARS]))
            length = sum(tokens.values())
            norm = units.K1 * (1 - units.B + units.B * length / units.avgdl)
            score = sum(w * idf[t] * tokens[t] * (units.K1 + 1) / (tokens[t] + norm)
                        for t, w in terms.items() if t in tokens)
            if score > best:
                best, span = score, (start, end)
        return span

    def _unit_file(self, path: str) -> int | None:
        if self._unit_files is None:
            self._unit_files = {f: i for i, f in enumerate(self.symbols.units.files)}
        return self._unit_files.get(path)

    def holds_no_word(self, query: Query) -> bool:
        """Whether no file of the snapshot holds a single word of ``query`` (``qwzx vbnmk``,
        or a question about another project), nor the message of a commit that changed one:
        whatever file were named would be a guess. False for a question with no words to look for."""
        if not query.terms:
            return False
        if any(self.symbols.defines(n) for n in query.names):
            return False
        if self.index.token_scores(sorted(set(query.terms))).any():
            return False
        return not (len(self.log) and self.log.file_scores(list(query.terms)))  # nor a past commit's message

    def holding_names(self, query: Query, candidates: list[str], tests: bool = False) -> set[str]:
        """The files among ``candidates``, tests aside (unless ``tests``: the question asks
        where tests are), holding as a word a name of ``query`` that at most
        :data:`NAME_FILES` files of the repository hold."""
        found: set[str] = set()
        # not the words of a file the question names (godotenv's "what is in fixtures/quoted.env?" lifted
        # parser.go, which holds `quoted` and `env`)
        tails = self.facts.by_tail()
        named = set() if tests else {word for p in query.paths if p in tails for word in re.split(r"[^\w]+", p.lower())}
        for name in sorted(query.names):
            if len(name) < 4 or not IDENTIFIER.fullmatch(name) or name.lower() in named:
                continue
            scores = self.index.token_scores([name.lower()])
            holding = np.flatnonzero(scores)
            if 0 < len(holding) <= NAME_FILES:
                found.update(self.index.files[i] for i in holding)
        # not a test's own name: "fix test_package_zip_list on 3.13" is about the code it tests; nor a
        # changelog's entry naming it (zlib's "Use lseek under WinCE." put ChangeLog over gzlib.c)
        return {p for p in found.intersection(candidates)
                if (tests or file_kind(p) != "test") and not is_changelog(p)}

    def _platform_files(self, query: Query, candidates: Mapping[str, float]) -> list[str]:
        """The code files among ``candidates`` named for a platform the question names
        (:data:`_PLATFORMS`: ``env_tomap_windows.go``, ``backend_kqueue.go`` is none), where at most
        :data:`DEFINING_FILES` are."""
        named = {token for word, tokens in _PLATFORMS.items() if re.search(rf"\b{word}\b", query.text, re.I)
                 for token in tokens}
        if not named:
            return []
        found = [p for p in candidates if file_kind(p) == "code" and not is_vendored(p) and ".gradle" not in p
                 and named & set(re.split(r"[_.\-]", PurePosixPath(p).stem.lower()))]
        return found if len(found) <= DEFINING_FILES else []

    @staticmethod
    def _subject_tests(fused: Mapping[str, float]) -> list[str]:
        """The test files among ``fused`` named for the code file it scores best (``test_fi.py``,
        ``fi_test.go``, ``FiTest.java`` for ``fi.py``, ``fi.go``, ``Fi.java``), at most three."""
        code = [p for p in fused if file_kind(p) == "code"]
        if not code:
            return []
        best = PurePosixPath(max(code, key=fused.__getitem__))
        subject = _tested_name(best.name.split(".")[0], test=False)
        if subject in _NO_SUBJECT:
            return []
        # and its folders are the code's: junit's tests/framework/AssertTest.java tests junit.framework's Assert,
        # not org/junit/Assert.java; validators' tests/i18n/test_fi.py, i18n's fi.py
        folders = {part.lower() for part in best.parts[:-1]}
        tests = [p for p in fused if file_kind(p) == "test"
                 and _tested_name(PurePosixPath(p).name.split(".")[0]) == subject
                 and all(part.lower() in folders or _TEST_ROOT.search(part) for part in PurePosixPath(p).parts[:-1])]
        return tests if len(tests) <= 3 else []

    def _tests_match(self, query: Query, path: str) -> bool:
        """Whether the code file ``path`` holds tests of its own (:func:`.outline.own_tests_line`)
        and its code unit best matching ``query`` is one of them: hyperfine's range_step.rs, whose
        tests are about steps, took every test question of the crate. (Half as good as the best was
        tried: rand's rng.rs then took "which test checks the Fill trait …?" from tests/fill.rs.)"""
        start = own_tests_line(path, self.snapshot.text)
        unit = self.best_unit(query, path) if start is not None else None
        return unit is not None and unit[0] >= start

    def _releases(self, path: str) -> bool:
        """Whether ``path`` makes or publishes a release. A script: its name says so, or its text
        runs a publishing command (httparty's script/release: `gem push`). A config file: a CI
        workflow named for it (swift-log's auto-release.yml), a release tool's settings by their
        name (cargo-release's ``release.toml``, ``.goreleaser.yaml``, ``.releaserc``), or a
        package.json whose scripts release it (ky's ``"release": "np"`` ranked 29th for "how is a
        new version of ky released to npm?") — not GitHub's release-notes categories
        (swift-log's ``.github/release.yml``)."""
        name = PurePosixPath(path).name.lower()
        if file_kind(path) == "config":
            if is_ci_file(path):
                # named for it (not for what follows it: Polly's nuget-packages-published.yml, after-release.yml),
                # or running a publishing command (its build.yml's `dotnet nuget push`)
                return _RELEASE_NAME.search(name) is not None and _AFTER_RELEASE.search(name) is None \
                    or _PUBLISHES.search((self.snapshot.text(path) or "")[:INDEX_BYTES]) is not None
            if path.lower().startswith(".github/"):
                return False
            if name == "package.json":
                return _RELEASE_SCRIPT.search(self.snapshot.text(path, INDEX_BYTES) or "") is not None
            return _RELEASE_TOOL.search(name) is not None
        if _RELEASE_NAME.search(name) or re.match(r"push[-_]", name):  # failsafe's bin/push-javadoc.sh
            return True
        return _PUBLISHES.search((self.snapshot.text(path) or "")[:INDEX_BYTES]) is not None

    def _unit_body(self, query: Query, path: str) -> bool:
        """Whether the code unit of ``path`` that best matches ``query`` has a body (an inline
        function's, over lines, with a brace), not a prototype or a one-line macro (cJSON.h's
        best unit for "number parsing" was `#define cJSON_SetNumberValue(…)`)."""
        unit = self.best_unit(query, path)
        if unit is None or unit[1] - unit[0] < 2:
            return False
        lines = (self.snapshot.text(path) or "").splitlines()[unit[0] - 1:unit[1]]
        return any("{" in line for line in lines)

    def rank(self, question: str | Query, k: int = 10) -> list[Hit]:
        """The ``k`` best files for ``question``, best first; none when no file holds a word
        of it (:meth:`holds_no_word`), it is a name alone that no file holds or defines, or
        it is only a link or an issue number (its words match code about URLs).

        The learned combiner scores every candidate; then, in order, the kinds asked for are
        lifted (:meth:`_kinds_asked`), what the question names (:meth:`_named_lifts`), the code
        raising a pasted message (:meth:`_message_lifts`), where a trace broke (:meth:`_frame_lifts`);
        copies go below what they copy (:meth:`_copy_penalties`) and declarations behind their
        code (:meth:`_put_declarations_behind`). ``why`` records each file's reasons."""
        query = parse(question) if isinstance(question, str) else question
        if is_only_a_reference(query.text):
            return []
        cfg = self.config
        rankings = self.rankings(query)
        if not any(rankings.values()) or (is_bare_name(query.text) and self.unheard_of(query)):
            # no file holds a word of it, nor a past commit's message (holds_no_word, from the rankings
            # at hand), or a name alone no file holds: any file named would be a guess (`zzqq_word`
            # ranked files holding "word", below zero)
            return []
        why: dict[str, list[str]] = defaultdict(list)
        for name, ranked in rankings.items():
            for r, (path, _) in enumerate(ranked, start=1):
                why[path].append(f"{name}#{r}")
        combiner = None if cfg.fusion == "rrf" else (cfg.combiner or default_combiner())
        if cfg.fusion == "learned" and combiner is None:
            raise ValueError("fusion 'learned' needs a combiner: none given and none shipped")
        if combiner is not None:
            paths, features = candidate_features(self.snapshot, query, rankings, self.log)
            scores = combiner.score(features) if len(paths) else np.zeros(0)
            fused = dict(zip(paths, scores.tolist(), strict=True))
            lifts = self._kinds_asked(query, rankings, fused, why)
            self._named_lifts(query, fused, why, lifts)
            holding = self._message_lifts(query, fused, why, lifts)
            self._frame_lifts(query, rankings, fused, why, holding)
            self._copy_penalties(query, fused, why)
            self._put_declarations_behind(query, fused, why)
        else:
            fused = defaultdict(float)
            for name, ranked in rankings.items():
                w = cfg.weights.get(name, 0.0)
                for r, (path, _) in enumerate(ranked, start=1):
                    fused[path] += w / (cfg.k + r)
            for path in fused:
                fused[path] *= cfg.priors.get(file_kind(path), 1.0)
        # an image matched on its path's words ("demo", "bear"), or a licence on the words every
        # licence holds, answers no question about code unless asked for
        # (and a file of no bytes, matched on its path's words, unless named: schedule's py.typed came 3rd for
        # bug reports, config's empty templates/settings/development.yml answered a question on reloading)
        left_out = [p for p in fused if is_media(p) and not asks_media(query.text, p)
                    or is_license(p) and not asks_license(query.text)
                    or p in self.facts.empty_files() and not names_file(query.text, p)]
        if len(left_out) < len(fused):  # when they are all it found, they are what it found
            for path in left_out:
                del fused[path]
        order = sorted(fused, key=lambda p: (-fused[p], p))[:k]
        return [Hit(p, round(fused[p], 6), tuple(why[p]), self.best_unit(query, p)) for p in order]

    def _kinds_asked(self, query: Query, rankings: Mapping[str, list[tuple[str, float]]], fused: dict[str, float],
                     why: dict[str, list[str]]) -> dict[str, float]:
        """Lift the kinds of file ``query`` asks for (docs, config, tests, examples, scripts), in
        ``fused`` and ``why`` (a changelog, a stub, a fixture passed over), with the tests of the
        code it is about, a module's own tests, a release's guide and tool, the versions a manifest
        declares, the tools and the build it names. Returns each kind's lift (0: not asked)."""
        cfg = self.config
        lifts = {"docs": cfg.docs_intent if asks_for(query.text, "docs")
                 and not (asks_how_to_only(query.text) and not self._pages_match(rankings)) else 0.0,
                 "config": cfg.config_intent if (names_config(query.text) or self._configure_asked(query)
                                                 or self._tool_configured(query, fused)
                                                 or asks_artifact_built(query.text))
                 and not asks_for_page(query.text) else 0.0,
                 "test": cfg.tests_intent if asks_for_tests(query.text) else 0.0,
                 # "… is there an example?": the examples folder's files (PHPMailer's gmail_xoauth.phps, first by
                 # its words, was 10th behind four pages the docs lift took up)
                 "example": cfg.docs_intent if asks_example(query.text) and not is_statement(query.text) else 0.0,
                 # a release is made by a workflow, or by a script (httparty's script/release got nothing);
                 # and a benchmark asked for is one (negroni's negroni_bench_test.go, first by its words, 3rd)
                 "script": cfg.config_intent if (publishing := asks_publish(query.text))
                 or asks_benchmark(query.text) else 0.0}
        if lifts["test"]:
            # the tests of the code the question is about (validators' tests/i18n/test_fi.py for "which test covers
            # the Finnish social security number validator?": its words are fi.py's, not the test's)
            subject_tests = self._subject_tests(fused)
            # not over a test file both content rankings put first (mox's cluster_test.exs for "which test covers
            # allowances across nodes in a cluster?", under mox_test.exs, named for the one module it tests; jimfs's
            # JimfsFileSystemCloseTest under FileSystemStateTest): its words say which test more surely than a name
            if any(file_kind(p) == "test" and p not in subject_tests and {"file#1", "unit#1"} <= set(why[p])
                   for p in fused):
                subject_tests = []
            for path in subject_tests:
                fused[path] += lifts["test"] * SUBJECT_SHARE
                why[path].append(SUBJECT_TESTED)
        registry = _registry_asked(query.text) if lifts["script"] else None
        if any(lifts.values()):
            # the best unit rank a test file holds: a module's own tests answer only above it
            tested_units = min((_unit_rank(why[p]) for p in fused if file_kind(p) == "test"), default=1 << 30)
            for path in fused:
                kind = file_kind(path)
                if kind == "docs" and PurePosixPath(path).suffix.lower() in CODE_SUFFIXES:
                    continue  # a source file under doc/ (ripgrep's doc/help.rs) is no page; the walk's gate reads it as code
                if passed_over(path, query):
                    continue  # a changelog, notes for assistants, a translation: lifted only where asked for
                if kind == "docs" and lifts["docs"] and self.facts.autodoc_stub(path) \
                        and not names_file(query.text, path):
                    continue  # dateutil's docs/tz.rst, `.. autofunction:: gettz` and no word of its cache
                if not_asked_about(path, query.text):
                    continue  # pflag's `.gitignore` (`.idea/*`) ranked first for "how is a new release published?"
                if kind == "script" and lifts["script"] and not (
                        self._releases(path) if publishing else is_benchmark(path)):
                    continue  # a script that publishes nothing (just's bin/test-bash-completions came first)
                if lifts["script"] and publishing and is_release_guide(path):
                    fused[path] += lifts["script"]  # a guide to releasing makes releases as a script does
                    why[path].append(RELEASE_GUIDE)
                if lifts["script"] and publishing and kind == "config" and self._releases(path):
                    fused[path] += lifts["script"]  # and the settings of the tool that makes them
                    why[path].append(RELEASE_CONFIG)
                    if registry is not None and registry.search(self.snapshot.text(path, INDEX_BYTES) or ""):
                        # of those, the one publishing where the question says (insta's publish-crates.yml,
                        # "crates.io", behind release.yml building the binaries)
                        fused[path] += lifts["script"] * BUILD_SHARE
                        why[path].append("registry named")
                if kind == "test" and lifts["test"] and PurePosixPath(path).suffix.lower() not in _TEST_SUFFIXES \
                        and not _ASKS_FIXTURE.search(query.text):
                    continue  # a fixture is what a test reads, not the test (marked's fixtures/bin-input.md)
                if lift := lifts.get(kind, 0.0):
                    fused[path] += lift
                    why[path].append(f"{kind} asked")
                elif kind == "code" and lifts["test"] and _unit_rank(why[path]) <= OWN_TESTS_UNITS \
                        and _unit_rank(why[path]) < tested_units and self._tests_match(query, path):
                    # (not below a test file's unit: hashbrown's map.rs, unit#3, took "which test covers a
                    # BuildHasher that panics …?" from tests/hasher_unwind.rs, unit#1)
                    fused[path] += lifts["test"]  # a Rust module's own `#[cfg(test)] mod tests` (httparse's lib.rs)
                    why[path].append(TESTS_INSIDE)
            if lifts["config"]:  # phpunit.xml.dist for "where is the phpunit configuration?", not the CI job running it
                declaring = [p for p in fused if file_kind(p) == "config" and declares_version_asked(query.text, p)
                             and self._declares_version(query.text, p)]
                # the project's own declares it, at its top: moshi's records-tests module pins its own toolchain
                top = min((p.count("/") for p in declaring), default=0)
                # of the CI files asked what they run on, those listing versions (commons-csv's "which JDK
                # versions does the GitHub Actions build test against?" answered codeql-analysis.yml, whose
                # matrix lists languages, over maven.yml's `java: [ 8, 11, 17, 21 ]`)
                # (where versions are asked for: not "which workflow publishes the release?")
                listing = {p for p in fused if asks_ci_file(query.text, p)
                           and tested_versions_line(query.text, p, (self.snapshot.text(p) or "").splitlines(),
                                                    listed=True) is not None}
                for path in fused:
                    if path in declaring and path.count("/") == top:
                        fused[path] += cfg.config_intent  # the manifest declares it; a CI job only reads it
                        why[path].append("language version asked")
                    elif file_kind(path) == "config" and names_tool(query.text, path) and not (
                            listing and path not in listing and asks_ci_file(query.text, path)):
                        fused[path] += cfg.config_intent * BUILD_SHARE
                        why[path].append("tool named")
            if lifts["config"] and asks_build(query.text):  # the build's own files, not a build/.gitignore
                for path in fused:
                    if is_build_file(path) and file_kind(path) == "config" \
                            and not {"doc", "docs"} & set(PurePosixPath(path.lower()).parts[:-1]):  # docs/Makefile builds the docs
                        fused[path] += cfg.config_intent * BUILD_SHARE
                        why[path].append("build asked")
        return lifts

    def _named_lifts(self, query: Query, fused: dict[str, float], why: dict[str, list[str]],
                     lifts: Mapping[str, float]) -> None:
        """Lift the files holding what ``query`` names: a dependency's pinning line, a grammar,
        where a name is raised or defined, a dotted pair, a name, a locale, a path written out, a
        file name only code holds, a platform."""
        cfg = self.config
        if (dependency := dependency_asked(query.text)) is not None and not is_statement(query.text):
            # (a lockfile where the version is asked as locked or pinned: factory_bot's Gemfile.lock, ex_machina's
            # mix.lock, Nimble's Package.resolved; for what the package requires, its manifest's range)
            locked = _ASKS_LOCKED.search(query.text) is not None
            pinned = locked or re.search(r"\bpinned\b", query.text, re.I) is not None
            pinning = [p for p in fused if (file_kind(p) == "config" or pinned and is_lockfile(p))
                       and dependency_line(query.text, (self.snapshot.text(p) or "").splitlines()) is not None]
            # and the lockfile the question names, which holds it (uuid's "which version of brick/math is
            # locked in composer.lock?" answered composer.json: a lock's name and version are lines apart)
            pinning += [p for p in self.paths.paths_written(query) & set(fused) - set(pinning)
                        if dependency.lower() in (self.snapshot.text(p) or "").lower()]
            for path in pinning:  # the line pinning it; a build file that only names it is not (nor code named so)
                fused[path] += cfg.config_intent * (1 if lifts["config"] else 2)
                if locked and is_lockfile(path):  # "which version of ecto_sql is locked?": mix.lock, not mix.exs
                    fused[path] += cfg.config_intent
                why[path].append(DEPENDENCY_PINNED)
        if lifts["docs"] == 0.0 and asks_for_grammar(query.text):
            for path in fused:
                if PurePosixPath(path).suffix.lower() in GRAMMAR_SUFFIXES:
                    fused[path] += cfg.docs_intent  # as a page asked for: the words are in no line of it
                    why[path].append("grammar asked")
        if cfg.definition_intent and query.names and asks_where_raised(query.text):
            for path in self.messages.raising(query, list(fused)):
                fused[path] += cfg.definition_intent  # as a definition asked for: where it is raised
                why[path].append("raise asked")
        if cfg.definition_intent and asks_definition(query.text):
            for path in self.symbols.defining(query, list(fused)):
                fused[path] += cfg.definition_intent
                why[path].append("definition asked")
        # on statements it cost (reports .766 -> .731); asked for its tests, a dotted name's own file is no answer
        if cfg.pair_defined and not is_statement(query.text) and not lifts.get("test"):
            for path in self.symbols.defining_pairs(query, list(fused)):
                fused[path] += cfg.pair_defined
                why[path].append("pair defined")
        if cfg.name_found and not is_statement(query.text):
            for path in self.holding_names(query, list(fused), tests=bool(lifts.get("test"))):
                fused[path] += cfg.name_found
                why[path].append("name found")
        if cfg.name_found and query.locales and _ASKS_WHICH_FILE.search(query.text) \
                and not is_statement(query.text):
            # "which file holds the Spanish names of the emoji?": the locale's file (emoji_es.json, 16th: a
            # path ranking's first alone is outweighed by the code that loads every locale)
            for path in set(self._locale_files(query)) & set(fused):
                fused[path] += cfg.docs_intent  # as a page asked for: the file is the answer, not the loader
                why[path].append(LOCALE_NAMED)
        if cfg.name_found and not query.frame_lines and not is_statement(query.text):
            # a file written out whole, in prose: gson's "…/functional/SerializedNameTest.java" ranked second,
            # behind the annotation it tests (the test prior and the name outweighed a path one file has);
            # not in a statement, which asks for code (networkx's "… * Update networkx/…/tests/test_geometric.py"
            # put that test over the geometric.py it fixed)
            for path in self.paths.paths_written(query) & set(fused):
                fused[path] += cfg.name_found
                why[path].append("path named")
            # a file name no file of the repository bears: the code whose string names it, which reads or writes
            # it (insta's "where is its insta.yaml tool configuration looked up?": env.rs's `"insta.yaml"`)
            for path in self.paths.naming_absent_files(query, fused):
                fused[path] += cfg.name_found
                why[path].append("file name held")
        if cfg.platform_named and not is_statement(query.text):
            # a platform the question names: the code of that platform's files (fsnotify's "how does the Windows
            # backend …" answered fsnotify.go over backend_windows.go; Go's `_windows.go`, Rust's `windows.rs`)
            for path in self._platform_files(query, fused):
                fused[path] += cfg.platform_named
                why[path].append(PLATFORM_NAMED)

    def _message_lifts(self, query: Query, fused: dict[str, float], why: dict[str, list[str]],
                       lifts: Mapping[str, float]) -> set[str]:
        """Lift the code raising a message ``query`` pastes (:class:`.messages.MessageSites`), and
        the tests asserting it where tests are asked for. Returns the files holding it."""
        cfg = self.config
        holding: set[str] = set()
        if cfg.message_found and query.messages:
            texts = self.messages.code_texts(list(fused))  # read once for both
            holding = self.messages.holding_messages(query, list(fused), texts)
            # a table of messages keyed by a name the code raises with (serde_json's error.rs,
            # `ErrorCode::KeyMustBeAString => f.write_str("key must be a string")`, over ser.rs raising it)
            tables = self.messages.message_tables(query, holding, list(fused), texts)
            for path in holding - set(tables):
                fused[path] += cfg.message_found
                why[path].append("message found")
            for path in sorted({user for users in tables.values() for user in users} - holding):
                fused[path] += cfg.message_found
                why[path].append(MESSAGE_RAISED)
            if lifts.get("test"):
                # "which test checks that … throws 'Calling context is suspending …'?": the tests asserting the
                # message (turbine's TurbineJvmTest.kt, behind a test of the function's every other use)
                asserting = [p for p in fused if file_kind(p) == "test" and not is_vendored(p)
                             and any(piece in (self.snapshot.text(p) or "") for piece in query.messages)]
                for path in asserting if len(asserting) <= MESSAGE_FILES else ():
                    fused[path] += cfg.message_found
                    why[path].append("message found")
                for path in [p for p in fused if SUBJECT_TESTED in why[p]] if asserting else ():
                    if path not in asserting:  # the message says which test more surely than a file's name
                        fused[path] -= lifts["test"] * SUBJECT_SHARE
                        why[path].remove(SUBJECT_TESTED)
        return holding

    def _frame_lifts(self, query: Query, rankings: Mapping[str, list[tuple[str, float]]], fused: dict[str, float],
                     why: dict[str, list[str]], holding: set[str]) -> None:
        """Lift where a pasted trace broke: its innermost frame the repository holds (not a copy, nor
        a reporter's over the code writing the message), or the innermost function it defines."""
        cfg = self.config
        # a PHP trace's frames name call sites: without the line it was thrown at, its innermost frame is
        # the caller of what threw (symfony/yaml's `#0 …/Dumper.php(64): Inline::dump()`, thrown in Inline.php)
        if cfg.innermost_frame and query.frame_lines and rankings.get("path") and not php_call_sites(query.text):
            # where it broke: the innermost frame the repository holds (uuid's trace thrown in
            # FallbackNodeProvider.php answered UuidFactory.php, an outer frame history favours)
            inner = self.paths.innermost_own(query, [p for p, _ in rankings["path"]])
            if (source := self.symbols.bundle_source(query, inner, fused)) is not None:
                inner = source  # a bundle's frame: the function's file ("" where none is a candidate)
            # not a copy the frame runs in (ky's compiled distribution/core/Ky.js): its source answers;
            # nor over a file whose code writes the message, the frame a reporter it reaches (handlebars.java's
            # HbsErrorReporter over TemplateBuilder's "could not find helper") — an error class's own file,
            # which builds its message for every thrower (ky's HTTPError.ts), is no such file
            writing = holding - {f for n in query.names if _ERROR_TYPE.search(n) for f in self.symbols.defines_as_written(n)}
            if inner and inner in fused and file_kind(inner) == "code" and not is_vendored(inner) \
                    and not self.facts.generated(inner) and (not writing or inner in writing):
                fused[inner] += cfg.innermost_frame
                why[inner].append("innermost frame")
        elif cfg.innermost_frame and query.functions and not query.frame_lines and not holding \
                and (inner := self.symbols.innermost_defined(query, fused)):
            # frames naming functions and no file (Kotlin/Native's `kfun:app.cash.turbine#awaitItem…`): the
            # innermost function the repository defines, where few files do
            fused[inner] += cfg.innermost_frame
            why[inner].append("innermost frame")

    def _copy_penalties(self, query: Query, fused: dict[str, float], why: dict[str, list[str]]) -> None:
        """Put copies below what they copy: vendored and generated files, built pages, autoconf's
        ``configure``, an older version's docs — unless the question names them."""
        cfg = self.config
        if cfg.copied_penalty:
            # a copy a stack frame runs in is no copy the question names (ky's trace through its committed
            # distribution/core/Ky.js, compiled from source/core/Ky.ts, answered the compiled file)
            named_text = query.text
            for ran, _ in query.frame_lines:
                named_text = named_text.replace(ran, " ")
            for path in sorted(fused, key=lambda p: -fused[p])[:COPIED_DEPTH]:
                code = file_kind(path) == "code"  # a pinned requirements file is generated too, and is what's asked
                # autoconf's `configure` beside its configure.ac, a build file (zlib writes its own by hand)
                autoconf = PurePosixPath(path).name == "configure" and self.facts.generated(path)
                # (and a vendored library's pages: sqlx's vendored v1.2.0 reflectx/README.md over its own)
                page = not code and file_kind(path) == "docs" and is_vendored(path)
                if not code and not autoconf and not page and not self.facts.built_page(path):
                    continue
                copied = VENDORED if is_vendored(path) else "generated" if not code or self.facts.generated(path) else ""
                # its name is the tool's ("which configure option …"): configure.ac is where it is written
                if copied and (autoconf or not _names_copy(named_text, path, copied == VENDORED)
                               or (copied == VENDORED and self.facts.own_namesake(path)
                                   and not _ASKS_VENDORED.search(query.text))):
                    fused[path] -= cfg.copied_penalty
                    why[path].append(copied)
        if cfg.copied_penalty and (older := self.facts.older_versions()):
            # a page of an older version's docs beside the newer's (commonmark's docs/1.x/security.md over
            # docs/2.x/security.md; RestSharp's versioned_docs/version-v110/), unless the question names it
            for path in sorted(fused, key=lambda p: -fused[p])[:COPIED_DEPTH]:
                folder = next((f for f in older if path.startswith(f)), None)
                if folder is not None and file_kind(path) == "docs" \
                        and not _names_version(query.text, older[folder]):
                    fused[path] -= cfg.copied_penalty
                    why[path].append(OLDER_VERSION)

    def _put_declarations_behind(self, query: Query, fused: dict[str, float], why: dict[str, list[str]]) -> None:
        """For a question asking how something is done, put headers, declaration files, stubs and
        interfaces just behind the code they declare."""
        if asks_implementation(query.text):
            # not a file holding what the question names (spdlog's async.h defines `create_async_nb`
            # inline; i18next's options.d.ts is where `InitOptions` is typed), nor behind a source
            # of `#include` lines alone (spdlog's src/async.cpp); just behind, not below unrelated files
            # (after the copied penalty: a vendored file's score before it is no code file's to stand behind)
            named = {p for p in fused if any(w.startswith("symbol#") or w in _NAMED_HERE for w in why[p])}
            for header, source in headers_and_sources(list(fused)):
                # nor one whose own code unit matches best (hiredis's `static inline … sdssetalloc`, a
                # lowercase name the question does not mark as code)
                if fused[header] >= fused[source] and header not in named and not self.facts.includes_only(source) \
                        and not (_unit_rank(why[header]) < _unit_rank(why[source]) and self._unit_body(query, header)):
                    fused[header] = fused[source] - HEADER_BEHIND
                    why[header].append("header behind its source")
            # a TypeScript declaration file or a stub declares everything and does nothing (pino's
            # 881-line pino.d.ts answered "how is the caller file and line number obtained?")
            # nor a Java, C# or Kotlin interface, or a Swift protocol, over the code implementing it (java-jwt's
            # javadoc-heavy interfaces/Verification.java answered where the verifier checks `exp`)
            interfaces = {p for p in fused if self.facts.interface_only(p)}
            for path in interfaces:
                why[path].append(DECLARES_ONLY)  # for `ask`, which weighs BM25 beside the stage
            code = [fused[p] for p in fused if file_kind(p) == "code" and not is_declarations(p)
                    and p not in interfaces]
            # (a declaration file holds no code, whatever names it holds: kleur's index.d.ts, whose interface
            # names `red` and `bold`, answered how `kleur.red().bold()` chaining works over index.mjs)
            declaring = [p for p in fused if declares_only(p) or p in interfaces and p not in named]
            for path in declaring if code else ():
                if fused[path] >= max(code):
                    fused[path] = max(code) - HEADER_BEHIND
                    why[path].append("declarations behind the code")


#: How far below its source file a header is put for a question asking how something is done:
#: just behind it (a whole point put hiredis's sds.h below test.c and net.c).
HEADER_BEHIND = 0.01


#: Platforms a question names, and the words a file named for one bears (Go's build suffixes).
_PLATFORMS = {"windows": ("windows", "win32", "win"), "macos": ("darwin", "macos"), "mac os": ("darwin", "macos"),
              "os x": ("darwin", "macos"), "darwin": ("darwin",), "linux": ("linux",), "freebsd": ("freebsd", "bsd"),
              "openbsd": ("openbsd", "bsd"), "netbsd": ("netbsd", "bsd"), "solaris": ("solaris", "illumos"),
              "android": ("android",), "wasm": ("wasm", "js"), "webassembly": ("wasm",)}
#: Why a file is lifted where the question names the platform it is for.
PLATFORM_NAMED = "platform named"
#: Why a file is lifted where a table keyed by a name holds the pasted message: it raises it.
MESSAGE_RAISED = "message raised"


def _names_version(question: str, folder: str) -> bool:
    """Whether ``question`` names the version of the folder ``folder`` (``1.x``, ``v1.x``,
    ``version-v110``): "in 1.x, how do I …" asks for that version's page."""
    version = re.sub(r"^(?:version-)?v?", "", folder, flags=re.I)
    major = version.split(".")[0]
    version, major = re.escape(version), re.escape(major)
    named = re.compile(rf"(?<![\w.])(?:v?{version}(?![\w.])|v{major}\b|v?{major}\.(?:\d|x\b))", re.I)
    return named.search(question) is not None


#: Words saying how a question asks, not what about: "where is faker documented?" read as ``document`` answered
#: factory_boy's docs/orms.rst (of MongoDB's documents) over docs/reference.rst.
_ASKING_WORDS = frozenset({"documented", "described", "explained", "defined", "declared", "implemented", "located",
                           "mentioned", "covered", "specified", "listed", "explaining", "describing", "documenting"})


def _tested_name(stem: str, *, test: bool = True) -> str:
    """A file name's stem as a test and what it tests are compared: lower case, no ``_`` or ``-``,
    less a test's mark (:data:`_TEST_MARK`) where ``test``."""
    return re.sub(r"[_-]", "", (_TEST_MARK.sub("", stem) if test else stem).lower())


def _unit_rank(why: list[str]) -> int:
    """The rank the code-unit ranking gave a file (``unit#3``: 3), or a large number for none."""
    return next((int(w.split("#", 1)[1]) for w in why if w.startswith("unit#")), 1 << 30)


#: The lifts that say a file holds what the question names.
_NAMED_HERE = frozenset({"definition asked", "name found", "pair defined", "raise asked", "message found"})


#: A question asking where or how something is configured or set.
_ASKS_CONFIGURED = re.compile(r"^\s*(?:where|which|what|how)\b[^\n]*\b(?:configur\w*|config|settings?|set up)\b", re.I)
#: A name that is an error's type (`HTTPError`, `NodeException`, `SetLoggerError`).
_ERROR_TYPE = re.compile(r"(?:Error|Exception|Failure|Panic)$")
#: How well (BM25, against the best code file) a page must match a "how do I …" question for the docs lift: chosen
#: on the review questions of the stops before the last asking only so (135: first file 80 -> 94, first five 127 ->
#: 125), then checked on the last stop's and this one's (75: 60 -> 62, 74 -> 73).
HOW_TO_PAGE_SHARE = 0.8


#: A script named for making releases, and what a script that publishes one runs.
#: A release tool's settings by name: cargo-release, GoReleaser, semantic-release, release-it, release-please.
_RELEASE_TOOL = re.compile(r"^(?:\.?release(?:-please-config|rc|-it)?|\.goreleaser|\.releaserc|"
                           # the version bumpers' settings (deepdiff's .bumpversion.cfg, 41st for "when cutting a
                           # release, which files get their version number bumped?")
                           r"\.?bumpversion|bumpver|\.?tbump)(?:\.\w+)*$")
#: A package.json script that releases the package (`"release": "np"`, `"publish": …`).
_RELEASE_SCRIPT = re.compile(r'"(?:release|publish|release:\w+)"\s*:\s*"')
_RELEASE_NAME = re.compile(r"releas|publish|deploy|upload|bump|ship|dist\b|version", re.I)
#: A workflow named for what follows a release: it reacts to one, it does not make it.
_AFTER_RELEASE = re.compile(r"(?:after|post|on)[-_.]?releas|published|released|deployed", re.I)
_PUBLISHES = re.compile(r"\b(?:gem push|npm publish|yarn publish|pnpm publish|cargo publish|twine upload|flit publish|"
                        r"poetry publish|hatch publish|uv publish|pdm publish|maturin (?:publish|upload)|gh release|"
                        r"pod trunk push|dotnet nuget push|nuget push|mvn deploy|gradlew? publish|goreleaser|"
                        r"git push --tags|git tag|"
                        # the publishing actions a workflow uses (svcs' pypi-package.yml runs
                        # pypa/gh-action-pypi-publish, and took no lift for "how is the package published to PyPI?")
                        r"pypi-publish|action-gh-release|npm-publish|release-gem|semantic-release|changesets/action)\b",
                        re.I)


#: Package registries a question may name, and what a file publishing to one holds.
_REGISTRIES = (
    (re.compile(r"\bcrates(?:\.io)?\b", re.I), re.compile(r"crates\.io|cargo publish|CARGO_REGISTRY_TOKEN", re.I)),
    (re.compile(r"\bpypi\b", re.I), re.compile(r"pypi|twine upload|(?:flit|poetry|hatch|uv|pdm) publish", re.I)),
    (re.compile(r"\bnpm(?:js)?\b", re.I), re.compile(r"npm publish|npmjs|NPM_TOKEN|NODE_AUTH_TOKEN", re.I)),
    (re.compile(r"\brubygems\b", re.I), re.compile(r"rubygems|gem push|release-gem", re.I)),
    (re.compile(r"\bnuget\b", re.I), re.compile(r"nuget (?:push|\.org)|nuget\.org|NUGET_", re.I)),
    (re.compile(r"\bmaven central\b|\bsonatype\b", re.I), re.compile(r"sonatype|maven central", re.I)),
    (re.compile(r"\bhex(?:\.pm)?\b", re.I), re.compile(r"hex\.pm|hex\.publish|HEX_API_KEY", re.I)),
    (re.compile(r"\bcocoapods\b", re.I), re.compile(r"pod trunk|cocoapods", re.I)),
    (re.compile(r"\bpackagist\b", re.I), re.compile(r"packagist", re.I)),
    (re.compile(r"\bpub\.dev\b", re.I), re.compile(r"pub\.dev|pub publish", re.I)),
)


def _registry_asked(question: str) -> re.Pattern[str] | None:
    """What a file publishing to the registry ``question`` names holds, or None where it names none."""
    return next((holds for names, holds in _REGISTRIES if names.search(question)), None)


#: A question about the vendored copy itself: its folder written out, or the word.
_ASKS_VENDORED = re.compile(r"\bvendor(ed)?\b|\bthird[-_ ]?party\b|(?<![\w.-])(vendor|third_party|node_modules)/", re.I)


def _names_copy(question: str, path: str, vendored: bool) -> bool:
    """Whether ``question`` names a copied file by its name (``parser.c``), or a vendored one
    by its stem or a folder of its path below the vendored one (``decNumber``): then it asks
    about the copy itself. (A generated file's stem is its source's: ``lexer`` asks for ``lexer.l``.)"""
    parts = PurePosixPath(path.lower()).parts
    if re.search(rf"(?<![\w.-]){re.escape(parts[-1])}(?![\w-])", question.lower()):
        return True
    if not vendored:
        return False
    below = next((i for i, part in enumerate(parts) if part in VENDORED_FOLDERS), -1) + 1
    words = set(re.findall(r"[\w-]+", question.lower()))
    # (not a word naming the project's own module above the copy: insta's content/yaml/vendored/yaml.rs, "named" by
    # "yaml", answered "how do I … my YAML snapshot output" over the project's own serialization code)
    return bool(words & {*parts[below:-1], PurePosixPath(parts[-1]).stem} - set(parts[:max(below - 1, 0)]))


def _top(files: list[str], scores: np.ndarray, k: int) -> list[tuple[str, float]]:
    if not len(scores):
        return []
    idx = np.argsort(-scores, kind="stable")[:k]
    return [(files[i], float(scores[i])) for i in idx if scores[i] > 0]


def retriever_for(index: Index, config: RetrieverConfig | None = None) -> Retriever:
    """The retriever of an index for ``config`` (None: the shipped settings), made once and
    kept on it (units are built on first use). One per settings, the last three: a caller
    with no settings gets the shipped ones, never whatever another caller used last (a
    repository's fitted combiner, say)."""
    config = config or RetrieverConfig()
    kept: list[Retriever] = index.__dict__.setdefault("_retriever_stages", [])
    for found in kept:
        if found.config == config:
            return found
    found = Retriever(index, config)
    kept.insert(0, found)
    del kept[3:]
    return found


