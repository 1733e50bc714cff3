"""How `ask` settles its answer: the walk's choice weighed against the candidate stage.

The policy answers among the files it read; the candidate stage (:mod:`explore.retrieval`)
has scored every file from evidence the walk never sees (units, symbols, the repository's
own history). Neither is right alone often enough: on real questions the stage's first
file is right more often than the walk's answer, on docs and config questions the walk is.
So the answer is the best of the files read and the first few of the stage and of BM25
under one score, a product of experts with a bonus for having been read::

    score(f) = policy · log(p(answer f) + ε) + stage · log softmax(stage scores)(f)
               + bm25 · log softmax(BM25 scores)(f) + read · [f read]

``p(answer f)`` is the policy's probability of ``answer f`` at its last decision (0 for a
file it cannot answer yet). The weights live in the bundle (``answer.json``), fitted by
``benchmarks/fit_answer.py`` on training projects only; a bundle without the file answers
exactly what the walk answered.
"""
from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

from ..retrieval.intent import ASKS_EXAMPLE as _ASKS_EXAMPLE
from ..retrieval.config_asked import asks_publish, names_file, names_tool
from ..retrieval.intent import (ASKED_KINDS, UPGRADE_GUIDE, asks_definition, asks_for, asks_for_page, asks_how_to_only,
                                asks_upgrade_guide)
from ..retrieval.question_form import is_statement
from ..retrieval.tests_asked import asks_for_tests, asks_which_test, speaks_of_tests
from ..retrieval.file_kinds import asks_media_file, is_release_guide, not_asked_about, passed_over
from ..retrieval.retriever import ASKED_ANYWAY, COPIES, MAKES_RELEASES, VENDORED
from ..sandbox.atomic import write_json
from ..sandbox.errors import ExploreError
from ..sandbox.index import tokenize
from ..sandbox.outline import CODE_SUFFIXES, file_kind, is_build_file

#: The bundle file holding the weights (beside ``policy/``).
ANSWER_FILE = "answer.json"
#: When ``ask`` walks: ``auto`` only where the walk can change the answer (:func:`walk_matters`),
#: ``always`` every question.
WALKS = ("auto", "always")
#: Probability floor of a file the policy could not (or did not) answer.
EPSILON = 1e-3


class AnswerFileError(ExploreError, ValueError):
    """An ``answer.json`` cannot be read."""


@dataclass(frozen=True)
class AnswerWeights:
    """The weights of :func:`settle`; ``fit`` records what they were fitted on (free form)."""

    policy: float = 1.0
    stage: float = 0.0
    bm25: float = 0.0
    read: float = 0.0
    candidates: int = 5
    """How many of the stage's (and BM25's) first files compete beside the files read."""
    code_only: bool = False
    """Weigh only when the walk answers a code file, and only code files compete: the
    stage learnt from commits, which change code, so it is no judge of docs or config."""
    intent: bool = False
    """With ``code_only``: a walk's docs or config answer that is not source code (a page,
    a TOML/YAML/INI file; not ``docs/conf.py``) stands only when the question asks for that
    kind of file (:func:`asks_for`); otherwise it is weighed as a code answer is. A bug
    report answered with a docs page is a miss. Examples and scripts are code, and stand."""
    first_read: bool = False
    """Answer the first file the walk reads, without the policy's second decision (reading,
    then judging what it read): measured on the shipped navigator's training walks, that
    decision answered the file just read 93 % of the time, and answering it always scored
    the same (``benchmarks/fit_answer.py --walk-check``); it costs a decision (~1.6 s)."""
    statements: AnswerWeights | None = None
    """Weights for a statement (:func:`is_statement`: a commit message, a bug report, a
    release note) where they differ from a question's; None: the same. Fitted on the two
    forms apart (``benchmarks/fit_answer.py``): the candidate stage learnt from commit
    messages and judges them best alone, while a question (a docstring's, a docs heading's)
    gains from BM25 beside it."""
    fit: dict[str, Any] = field(default_factory=dict, compare=False)

    def for_text(self, question: str) -> AnswerWeights:
        """The weights that settle ``question``: :attr:`statements` for a statement."""
        return self.statements if self.statements is not None and is_statement(question) else self

    def validate(self) -> None:
        for name in ("policy", "stage", "bm25", "read"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise AnswerFileError(f"answer weight {name!r} must be a number, not {value!r}")
        if min(self.policy, self.stage, self.bm25) < 0:
            raise AnswerFileError("the policy, stage and bm25 weights must not be negative")
        if not isinstance(self.candidates, int) or isinstance(self.candidates, bool) or self.candidates < 0:
            raise AnswerFileError(f"candidates must be a whole number ≥ 0, not {self.candidates!r}")
        for name in ("code_only", "intent", "first_read"):
            if not isinstance(getattr(self, name), bool):
                raise AnswerFileError(f"{name} must be true or false, not {getattr(self, name)!r}")
        if self.statements is not None:
            if not isinstance(self.statements, AnswerWeights) or self.statements.statements is not None:
                raise AnswerFileError("statements must be one set of answer weights (without statements of its own)")
            self.statements.validate()


def save_weights(weights: AnswerWeights, folder: str | os.PathLike[str]) -> Path:
    weights.validate()
    data = asdict(weights)
    if weights.statements is None:
        del data["statements"]
    else:
        del data["statements"]["statements"]
    return write_json(Path(folder) / ANSWER_FILE, data)


def load_weights(folder: str | os.PathLike[str]) -> AnswerWeights | None:
    """The weights in ``folder/answer.json``; None when there is no such file."""
    path = Path(folder) / ANSWER_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        unknown = set(data) - {f.name for f in fields(AnswerWeights)}
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
        statements = data.pop("statements", None)
        if statements is not None:
            if not isinstance(statements, dict):
                raise ValueError("statements: not a JSON object")
            unknown = set(statements) - {f.name for f in fields(AnswerWeights)} | ({"statements"} & set(statements))
            if unknown:
                raise ValueError(f"statements: unknown field(s) {', '.join(sorted(unknown))}")
            statements = AnswerWeights(**statements)
        weights = AnswerWeights(**data, statements=statements)
    except (ValueError, TypeError) as exc:
        raise AnswerFileError(f"{path} is not an answer weights file ({exc}); delete it or refit") from None
    weights.validate()
    return weights


def answer_probs(actions: Sequence[str], probs: Sequence[float]) -> dict[str, float]:
    """``{file: p(answer file)}`` from one decision's action texts and probabilities."""
    return {text[len("answer "):]: float(p) for text, p in zip(actions, probs, strict=False)
            if text.startswith("answer ")}


#: The kinds the intent gate applies to.
_GATED = ASKED_KINDS


def off_topic(weights: AnswerWeights, walked: str | None, question: str) -> bool:
    """Whether the intent gate takes the walk's answer away: a docs page or config file (not
    source code) answering a question that asks for no such file."""
    weights = weights.for_text(question)
    if walked is None or not (weights.code_only and weights.intent):
        return False
    kind = file_kind(walked)
    return kind in _GATED and PurePosixPath(walked).suffix.lower() not in CODE_SUFFIXES \
        and (not asks_for(question, kind) or not_asked_about(walked, question)) and not names_file(question, walked)


def walk_matters(weights: AnswerWeights | None, question: str) -> bool:
    """Whether walking can change the answer :func:`settle` gives to ``question``; when it
    cannot, ``ask`` settles from the rankings alone and runs no decision.

    Under weights that give the policy's probability and the files read no weight, with
    ``code_only`` and ``intent``, the walk matters only through a walked answer that stands:
    a docs page or config file the question asks for, or an example, script or test (which
    is how questions asking where a name is defined are answered by files outside the
    package); a statement (a commit message, a bug report) asks for neither, even where it
    says *implemented*. A question that asks for none of these is settled as the best code file under
    the stage and BM25 whatever the walk read — up to a code file the walk read outside
    their first few, which on 540 commit messages of the training projects moved 10
    answers, as many right as wrong (``benchmarks/fit_answer.py``'s records). Without
    ``code_only`` (and with no weight on the policy or on reading) the walk's answer never
    stands and a file it read competes only as the rankings score it: the question is
    settled from the rankings, whatever it asks (the same caveat: a file read outside
    their first few joins the pool)."""
    if weights is None:
        return True
    weights = weights.for_text(question)
    if weights.policy or weights.read:
        return True
    if not weights.code_only:
        return False
    if not weights.intent:
        return True
    # a statement asks for code (asks_for) and for no definition: "Implemented retries" describes;
    # where a name is defined, an example or a script may define it and the walk's answer of it stands
    return any(asks_for(question, kind) for kind in _GATED) or asks_definition(question)


#: What a repository's own tools write: its manual, shell completions, reference docs, bindings.
_ARTIFACT = (r"(?:man(?:ual)?[ -]?pages?|manual|(?:shell )?completions?|docs|documentation|reference|bindings|stubs|"
             r"changelog|readme)")
#: Scripts, benchmarks and build tooling asked about by name ("the esbuild config", "which benchmark …"), not
#: a verb they share with code ("how does route registration build the regex?": FastRoute's benchmark answered).
_ASKS_SCRIPT = re.compile(r"\b(?:scripts?|benchmarks?|bench|bundl\w*|esbuild|webpack|rollup|vite|gulp|grunt|makefile|"
                          # a fuzz target (ron's fuzz/fuzz_targets/from_str.rs, first in both rankings, was dropped)
                          r"fuzz\w*|"
                          r"profil(?:e|er|ing)|perf(?:ormance)? tests?|(?:the|a) build (?:step|process|pipeline|script)|"
                          r"command[- ]line tool|cli (?:tool|entry|script|binary)|"
                          # a file written by a tool the repository runs (urfave/cli's scripts/build.go regenerates
                          # godoc-current.txt: "how is godoc-current.txt regenerated and checked?" answered flag code;
                          # swift-argument-parser's Tools/generate-manual, first in both rankings, for "how is the man
                          # page generated for a command?")
                          r"regenerat\w+|" + _ARTIFACT + r"\b[^?.\n]{0,30}\bgenerat\w*|generat\w*\b[^?.\n]{0,30}\b"
                          + _ARTIFACT + r")\b|\bbin/", re.I)


#: A build file that is a program: a shell or PowerShell script (``build.sh``, ``build.ps1``).
_SCRIPT_SUFFIXES = frozenset({".sh", ".bash", ".ps1", ".bat", ".cmd"})
#: A path inside a documentation folder.
_DOCS_FOLDER = re.compile(r"(?:^|/)(?:docs?|documentation)/", re.I)


def settled_by(weights: AnswerWeights, question: str) -> str:
    """What settles ``question`` without a walk, in words: the rankings its weights read."""
    weights = weights.for_text(question)
    used = [name for name, w in (("the candidate stage", weights.stage), ("BM25", weights.bm25)) if w]
    return " and ".join(used) or "the candidate stage"


def settle(weights: AnswerWeights, reads: Sequence[str], answer_p: dict[str, float],
           stage: Sequence[tuple[str, float]], bm25: Sequence[tuple[str, float]] = (),
           walked: str | None = None, question: str = "", documented: bool = False,
           why: Mapping[str, Collection[str]] | None = None) -> list[tuple[str, float]]:
    """The competing files (read, or among the first ``candidates`` of the stage or of
    BM25) with their scores, best first; ties keep the order: files read (latest first),
    then the stage's, then BM25's. ``walked`` is the walk's own answer (None: it gave none);
    with ``code_only`` a walk that answered a file other than code keeps its answer (with
    ``intent``: only when ``question`` asks for that kind of file); ``documented``: the walk's
    answer is a header or typings file that documents its library's API, which a "how do I"
    question keeps; ``why``: the stage's reasons per file (:attr:`~explore.retrieval.retriever.Hit.why`) —
    a file it lifted as what the question asks for though its kind is another (a Rust module
    holding its own tests, a locale's data file, a lockfile's pin) is kept as the kinds asked
    for are, and a generated copy it penalised is no BM25 candidate (nor a vendored one, where the
    stage's first file is not one). A "which page …" question the walk answered with code takes the
    stage's first page. A statement is settled by ``weights.statements`` where there are some
    (:meth:`AnswerWeights.for_text`)."""
    weights = weights.for_text(question)
    why = why or {}
    asked = {p for p, reasons in why.items() if ASKED_ANYWAY.intersection(reasons)}
    # a generated copy BM25 ranks first (FakeItEasy's Generated/*.g.cs over the generator it asked for)
    bm25 = [(p, s) for p, s in bm25 if COPIES.isdisjoint(why.get(p, ()))]
    if stage and VENDORED not in why.get(stage[0][0], ()):
        # and a vendored copy the stage put behind the project's own file (semver's vendored
        # golang.org/x/mod/semver/semver.go, 9.0 by BM25 against version.go's 3.1, answered over the stage's
        # first); where the stage still ranks the copy first (it alone holds the code) it stands
        bm25 = [(p, s) for p, s in bm25 if VENDORED not in why.get(p, ())]
    if weights.code_only:
        if walked is not None and asks_upgrade_guide(question) and not _is_guide(walked) and (guide := next(
                (p for p, _ in stage[:weights.candidates] if _is_guide(p)), None)) is not None:
            # "which page documents the breaking changes when upgrading from 5.x to 6.0?": http's walk answered
            # README.md, which says "see UPGRADING.md"; the stage had the guide first
            return [(guide, 0.0)]
        if walked is not None and _astray_from_docs(weights, walked, question) and stage and _is_page(stage[0][0]):
            # "which page documents the signer?" asked in docs/: the walk answered conf.py, or an icon
            return [(stage[0][0], 0.0)]
        if walked is not None and file_kind(walked) != "code" and not _stray_test(weights, walked, question):
            if file_kind(walked) == "docs" and _ASKS_EXAMPLE.search(question) and asks_how_to_only(question) and (
                    example := next((p for p, _ in stage[:weights.candidates] if file_kind(p) == "example"), None)):
                # chi's "where is the example that shows how to serve static files from a folder?" walked to
                # README.md over _examples/fileserver/main.go; where no example file is offered (co's examples
                # live in its Readme.md) the page stands
                return [(example, 0.0)]
            passed = passed_over(walked, question)  # pdoc's "how do I call pdoc from a script?" answered CHANGELOG.md
            if not off_topic(weights, walked, question) and not passed \
                    and not _astray_from_asked(weights, walked, question):
                return [((weights.intent and _stage_over_walk(walked, stage, bm25, question, why)) or walked, 0.0)]
            # (where the question asks for a page: multer's "where is the destination folder created?", walked to
            # doc/README-ko.md, was answered README.md, "the question asks for a docs file")
            if passed and asks_for(question, "docs") and (page := next(
                    (p for p, _ in stage[:weights.candidates] if _is_page(p) and not passed_over(p, question)),
                    None)) is not None:
                return [(page, 0.0)]
            # a config file for a question asking for docs (or the reverse): the stage's first file of
            # the kind it asks for, where the stage offers one, rather than whatever code file ranks first
            asked = {kind for kind in _GATED if asks_for(question, kind)}
            if (pick := next((p for p, _ in stage[:weights.candidates] if file_kind(p) in asked), None)) is not None:
                return [(pick, 0.0)]
        elif walked is not None and asks_for_page(question) and not documented and (page := next(
                (p for p, _ in stage[:weights.candidates] if _is_page(p) and not passed_over(p, question)),
                None)) is not None:
            # "which page documents the knockout_prefix and overwrite_arrays merge options?": config's walk read
            # options.rb, the code, first; the stage ranked it above README.md, the page asked for
            return [(page, 0.0)]
        elif walked is not None and asks_for(question, "docs") and stage and _is_page(stage[0][0]) and not (
                asks_how_to_only(question) and _ranks_below(stage[0][0], walked, bm25)):
            # "how do I set the timeout?": the walk read code, the stage put a page asked for first — not where
            # it answered a header that is the library's documentation (``documented``: zlib.h documents
            # `compress`, and the stage's first page was the DEFLATE RFC; jansson.h, declarations alone, is none),
            # nor where only "how do I" asks for a page and BM25 ranks the page below the walk's code (every
            # page takes the stage's docs lift: chi's CONTRIBUTING.md, 23rd by its words, answered "how do I
            # limit concurrent requests?" over the walk's throttle.go; http's README, holding no "log", "how do
            # I log every request?"; on 39 review questions so asked 25 -> 29 first, none lost)
            return [(walked, 0.0)] if documented else [(stage[0][0], 0.0)]
        # a script is code where the question speaks of what scripts do (dotenv's scripts/build.js, the only
        # file calling esbuild, for "how is the bundle built?"), not where a benchmark repeats its words
        # (Humanizer's RomanNumeralBenchmarks.cs for "how does ToRoman convert …?"); "the tests for X" is answered
        # by a test where the stage offers one (urfave/cli's suggestions.go, holding the message "Did you mean",
        # ranked just above suggestions_test.go for "which test covers the 'Did you mean' suggestions?")
        kinds = {"code"}
        if asks_for_tests(question):  # "how is X tested for Y?" may ask how code checks it: code stays in
            kinds = {"test"} if asks_which_test(question) and any(file_kind(p) == "test" for p, _ in
                                                                  stage[:weights.candidates]) else {"code", "test"}
        # httparty's script/release makes its releases, pflag's RELEASING.md guides them
        publish = asks_publish(question)
        if _ASKS_SCRIPT.search(question) or publish:
            kinds.add("script")
        if _ASKS_EXAMPLE.search(question):  # websocket's "how does the chat example broadcast …?" answered client.go
            kinds.add("example")
        # and the kinds the question asks for: dry-validation's gemspec, first in both rankings for "which gems does
        # it depend on at runtime?", was filtered out once the walk answered code (the training projects' config
        # and docs questions, val split: .772 -> .780 acc@1, config .781 -> .798)
        kinds |= {kind for kind in _GATED if asks_for(question, kind)}
        # and a file the question names, whatever its kind (gotests' "what does CLAUDE.md say about …?")
        def kept(path: str) -> bool:
            if names_file(question, path) or (publish and is_release_guide(path)):
                return True
            if path in asked or asks_media_file(question, path):
                # httparse's src/lib.rs holding its tests; emoji's emoji_es.json, its Spanish names; an image asked for
                return True
            if "script" in kinds and is_build_file(path) and PurePosixPath(path).suffix.lower() in _SCRIPT_SUFFIXES:
                return True  # node-glob's scripts/build.sh, a build file, for "how is the minified bundle produced?"
            # a docs build's own settings (Sphinx's docs/conf.py) answer how the docs are built, not "how do I
            # configure retries?" (the config it asks for is the library's)
            return file_kind(path) in kinds and not (file_kind(path) == "config" and _DOCS_FOLDER.search(path)
                                                     and not names_tool(question, path))

        reads = [f for f in reads if kept(f)]
        stage = [(p, s) for p, s in stage if kept(p)]
        bm25 = [(p, s) for p, s in bm25 if kept(p)]
    lexical = [(p, s) for p, s in bm25 if s > 0]
    experts = [(w, logp, min(logp.values()) - 1.0) for w, logp in
               ((weights.stage, _log_softmax(stage)), (weights.bm25, _log_softmax(lexical))) if w and logp]
    read = set(reads)
    k = weights.candidates
    pool = list(dict.fromkeys([*reversed(reads), *(p for p, _ in stage[:k]), *(p for p, _ in lexical[:k])]))

    def score(f: str) -> float:
        total = weights.policy * math.log(answer_p.get(f, 0.0) + EPSILON) + weights.read * (f in read)
        for weight, logp, floor in experts:  # a file an expert did not rank scores below its last
            total += weight * logp.get(f, floor)
        return total

    return sorted(((f, score(f)) for f in pool), key=lambda fs: -fs[1])


def _ranks_below(page: str, walked: str, bm25: Sequence[tuple[str, float]]) -> bool:
    """Whether BM25 ranks ``walked`` and ranks ``page`` below it, or not at all."""
    order = {p: n for n, (p, _) in enumerate(bm25)}
    return walked in order and order.get(page, len(order)) > order[walked]


def _stage_over_walk(walked: str, stage: Sequence[tuple[str, float]], bm25: Sequence[tuple[str, float]],
                     question: str, why: Mapping[str, Collection[str]] | None = None) -> str | None:
    """The stage's first file, where the question names it (its tool, its name), a page or settings,
    and not the walk's answer (a file other than code): prettytable's "which pre-commit hooks run …?" walked to
    pyproject.toml's build hooks over .pre-commit-config.yaml; or where the walk's answer is of
    another kind and matches the question's words less (BM25): argparse's "how do I pull argparse
    into my CMake project with FetchContent?" walked to a CI workflow running cmake over the README
    holding the snippet, nox's "how do I parametrize a session …?" to pyproject.toml over docs/config.rst,
    "which test covers reading options from a TOML config file?" to tests/BUILD.bazel. (Simulated
    on the answers that stood so: the reviews' 105 questions, six more right and none fewer; the
    training projects' docs+config val split's 306, none changed. The same with a first of the
    walk's own kind lost nine of its 306, and stays. The first the question names: three more right
    and none fewer of the 105, none of the 306 changed.) And where the question asks how the project
    is published and the stage's first makes releases (``why``: a publishing workflow, a release
    guide or script) and the walk's answer does not: svcs' "how is the package published to PyPI?"
    walked to pyproject.toml over pypi-package.yml."""
    if not stage or stage[0][0] == walked:
        return None
    first = stage[0][0]
    why = why or {}
    releases = bool(MAKES_RELEASES.intersection(why.get(first, ())))
    if asks_publish(question) and releases != bool(MAKES_RELEASES.intersection(why.get(walked, ()))):
        # and the reverse: the walk's publishing workflow over a changelog the question names as what the release
        # writes (dayjs's "what triggers a release to npm and which tool … writes CHANGELOG.md?")
        return first if releases else None
    if file_kind(first) in ("docs", "config") and (names_tool(question, first) or names_file(question, first)) \
            and not (names_tool(question, walked) or names_file(question, walked)):
        return first  # (a page or settings named: "retry" names pkg/retry.py, which an example may answer)
    if file_kind(first) == file_kind(walked) == "docs" and _titled_by(question, first) \
            and not _titled_by(question, walked):
        # a page the question calls by its title's words (mustermann's "how do I write my own pattern type with a
        # custom syntax …?" walked to BM25's first, docs/patterns/flask.md, over the stage's custom-patterns.md)
        return first
    if file_kind(first) == file_kind(walked):
        # of its own kind where BM25 puts the stage's first first too, and the walk's below its first four, for a
        # question of six words or more (filelock's "how do I make the lock give up after 10 seconds …?" read
        # concepts.rst, BM25's 10th, over how-to.rst, first of both): for a short question ("which file
        # configures mypy?") BM25's first says little, and there the walk is right far more often
        ranked = [p for p, _ in bm25]
        agreed = bool(ranked) and ranked[0] == first and walked not in ranked[:AGREED_DEPTH] \
            and len(set(tokenize(question))) >= AGREED_WORDS
        return first if agreed else None
    words = dict(bm25)
    return first if words.get(walked, 0.0) < words.get(first, 0.0) else None


def _titled_by(question: str, path: str) -> bool:
    """Whether every word of ``path``'s name (of three letters or more; a plural as its singular) is a
    word of ``question`` (``custom-patterns.md`` by "… a custom syntax … my own pattern type")."""
    words = {w.removesuffix("s") for w in re.findall(r"[a-z]{3,}", PurePosixPath(path).stem.lower())}
    asked = {w.removesuffix("s") for w in re.findall(r"[a-z]{3,}", question.lower())}
    return bool(words) and words <= asked and PurePosixPath(path).stem.lower() not in _GENERIC_PAGES


#: Pages every project has, which a question's words name by chance ("readme", "index").
_GENERIC_PAGES = frozenset({"readme", "index", "changelog", "changes", "history", "news", "contributing", "license",
                            "authors", "faq", "intro", "introduction", "overview", "usage", "guide", "docs", "home"})


#: BM25's first files a walk's answer of the stage's first's kind stands among, and the question's distinct
#: words from which BM25's agreement with the stage outweighs the walk. Simulated on the answers that stood
#: as the walk's own: the reviews' 141 questions 7 more right and none fewer; the training projects' docs+config
#: val split's 306 (short, generated questions), none changed (counting from four words: five, one more right
#: and three fewer).
AGREED_DEPTH = 4
AGREED_WORDS = 6


def _stray_test(weights: AnswerWeights, walked: str, question: str) -> bool:
    """Whether the walk answered a test file for a question that asks neither about tests nor
    where a name is defined (a test may define a helper): under the intent gate it competes as
    a file read, not as the answer. viper's "where is the config file watched for changes?",
    walked because it says *config*, was answered with ``viper_test.go`` over the stage's
    ``viper.go``; so were three more of its questions about config files."""
    return weights.intent and file_kind(walked) == "test" and not speaks_of_tests(question) \
        and not asks_definition(question)


#: A question asking for an image: the walk's picture answers it ("which image in the docs is the logo?").
_ASKS_IMAGE = re.compile(r"\b(images?|img|pictures?|logos?|icons?|svgs?|pngs?|diagrams?|screenshots?|figures?|"
                         r"illustrations?|banners?|favicons?)\b", re.I)


def _astray_from_asked(weights: AnswerWeights, walked: str, question: str) -> bool:
    """Whether the walk answered a question asking for docs or config with a script or an example
    the question neither names nor asks for (jmespath's "which page lists what changed in each
    release?" walked to scripts/release, which stood as "the kind of file the question asks
    for"). Not data: an issue form's YAML answers "which YAML file sets `labels`?" (nox's, lost
    on the training projects' config questions when data gave way too)."""
    kind = file_kind(walked)
    return weights.intent and kind in {"script", "example"} \
        and any(asks_for(question, asked) for asked in _GATED) and not names_file(question, walked) \
        and not (kind == "script" and (_ASKS_SCRIPT.search(question) or asks_publish(question))) \
        and not (kind == "example" and _ASKS_EXAMPLE.search(question))


def _astray_from_docs(weights: AnswerWeights, walked: str, question: str) -> bool:
    """Whether the walk answered a question asking for documentation (and not for config)
    with a file that is no page and not what the question asks for: an image or other data
    (``_static/itsdangerous-icon.svg``), or a config file in a code language (Sphinx's
    ``conf.py``), which the intent gate let stand, asked from inside ``docs/``."""
    return weights.intent and file_kind(walked) in {"data", "config"} and asks_for(question, "docs") \
        and not asks_for(question, "config") and not _ASKS_IMAGE.search(question)


def _is_guide(path: str) -> bool:
    """A page that guides an upgrade by its name (UPGRADING.md, docs/migration-v8.md)."""
    return _is_page(path) and UPGRADE_GUIDE.search(path) is not None


def _is_page(path: str) -> bool:
    """A docs page: docs by kind and not source code (``docs/conf.py`` is code)."""
    return file_kind(path) == "docs" and PurePosixPath(path).suffix.lower() not in CODE_SUFFIXES


def _log_softmax(stage: Iterable[tuple[str, float]]) -> dict[str, float]:
    pairs = list(stage)
    if not pairs:
        return {}
    top = max(s for _, s in pairs)
    norm = math.log(sum(math.exp(s - top) for _, s in pairs))
    return {p: (s - top) - norm for p, s in pairs}
