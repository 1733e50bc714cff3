"""Whether a question asks for tests: speaks of them at all, asks where the tests of something
are or which test covers it — not how tests are run or configured, which their config answers.

The candidate stage lifts test files for such a question, and ``ask`` lets a walked test file
stand as its answer: the combiner learnt from commits, whose answers are never tests. Plain
regular expressions.
"""
from __future__ import annotations

import re

from .config_asked import names_config
from .intent import asks_for
from .question_form import is_statement


#: A question that speaks of tests at all (a mock, an assertion, a fixture): a test file the walk
#: answers it with is an answer. Broader than :func:`asks_for_tests`, which lifts test files.
_SPEAKS_OF_TESTS = re.compile(r"\b(tests?|tested|testing|specs?|fixtures?|mock(s|ed)?|benchmarks?|assert(s|ed|ions?)?)\b", re.I)


def speaks_of_tests(question: str) -> bool:
    """Whether ``question`` speaks of tests (where something is tested, a fixture, a mock)."""
    return _SPEAKS_OF_TESTS.search(question) is not None


#: A question asking where tests are: "where are the tests for NameAllocator?", "which test
#: covers the ensure! macro?", "where is parse_args tested?" — tests named as things (after a
#: determiner, or *tested*), never the verb ("which function tests for an optional type?",
#: "which file tests whether …": the code that checks), nor how tests are run or configured.
_TESTS_NOUN = r"(tests?|specs?|test (cases?|files?|suites?)|fixtures?)"
#: One word saying which tests ("which compliance tests cover …", "where are the fuzz tests"; jmespath's
#: question lifted no test file) — not the code noun of a check ("which function tests for …").
_TEST_ADJECTIVE = (r"(?:(?!(?:function|functions|helper|helpers|method|methods|file|module|class|code|routine|check|"
                   r"utility|util|utils|script|command|option|flag|is|are|do|does)\b)[a-z][\w-]*\s+)?")
#: A test doing something, as its question's subject: "which test starts a TLS server with
#: ListenAndServeTLS?", "which test verifies that …", "which spec would catch …" (chi's, ranked
#: 42nd, and MediatR's "which test checks that behaviors run in the right order", read as how
#: tests are run) — not how tests are run or kept ("which tests run in CI?", "which test runner …").
_TESTS_DOING = (rf"\b(?:which|what)\s+{_TEST_ADJECTIVE}{_TESTS_NOUN}\s+"
                r"(?:(?:would|will|should|can|could|might)\s+(?!be\b)[a-z]+|"
                # "which test passes bin-input.md to the CLI?" (marked's): what a test hands on, not that it passes
                r"passes\s+\S+\s+(?:to|into|as|in)\b|"
                r"(?!(?:is|was|does|has|runs|passes|fails|lives|sits|needs|requires|belongs|suites?|runners?|"
                r"frameworks?|commands?|harness|tools?|configs?|setups?|directory|folders?|files?|class|cases?|"
                # a noun ("which test dependencies does co install?")
                r"dependencies|fixtures|helpers|utilities|utils|data|directories|environments|reports|results)\b)"
                r"[a-z]+(?:es|s)|makes? sure|tries|tried)\b")
#: The tests named as things ("which test covers X", "the tests for X", "where are the tests"), which a
#: test answers where one is offered (:func:`asks_which_test`).
_TESTS_NAMED = (rf"\b(the|its|their|any|unit|integration|existing|which|what)\s+{_TEST_ADJECTIVE}{_TESTS_NOUN}\s+"
                r"(for|of|that|covering|covers?|checks?|exercis\w*|on)\b|"  # "the tests for X", "which test covers X"
                rf"\bwhere (are|is) (the |its |their )?{_TEST_ADJECTIVE}{_TESTS_NOUN}\b|"
                # "is there a test that …", "are there tests for X?" (FakeItEasy's VB integration tests, 82nd)
                rf"\b(is|are) there (a |an |any )?{_TEST_ADJECTIVE}{_TESTS_NOUN}\s+(for|of|that|which|covering|"
                r"checking|exercising|on)\b|"
                r"(?=\b(?:which|what)\s)" + _TESTS_DOING + "|"
                # a test named by its name ("the preserve_sequence test": ron's tests/preserve_sequence.rs, first in
                # both rankings, was dropped for the code files ranked below it)
                r"\bthe\s+`?[a-z]\w*_\w+`?\s+(tests?|specs?)\b")
_WHICH_TESTS = re.compile(_TESTS_NAMED, re.I)
_WHERE_TESTS = re.compile(
    _TESTS_NAMED + "|"
    # a snapshot test's expected output (cookie's src/__snapshots__/*.snap for "which snapshot file holds …?")
    r"\b(?:which|what|where\s+(?:is|are))\s+(?:the\s+)?snapshot\s+(?:files?|tests?)\b|"
    # "where is parse_args tested?", which may ask how code checks it too; not the verb of a check ("how is a
    # flag's shorthand tested for being used?"; "how is shell completion tested for nushell?" asks for the tests)
    r"\b(is|are|was|were|be|being|gets?)\s+(\S+\s+){0,4}?tested\b(?!\s+(for\s+being|whether|if|to\s+see)\b)",
    re.I)
_RUNS_TESTS = re.compile(r"\b(run|runs|running|ran|execut\w*|configur\w*|ci|invok\w*|command|skip\w*|fail\w*)\b", re.I)
#: What the tests are of: "the tests for X", "which test covers X", "is X tested" — X's words
#: say nothing of how tests run (commander's "which test covers … an unknown command?", "which
#: test covers what happens when parsing fails?" were read as how tests are run).
_TESTS_SUBJECT = re.compile(
    # (chrono's "which test compares … against the output of the system `date` command?": its command was read as
    # how tests run)
    rf"\b{_TESTS_NOUN}\s+(for|of|covering|covers?|checks?|exercis\w*|compares?|verif(y|ies)|asserts?|ensures?|"
    rf"validates?|makes? sure|reproduces?)\b.*|"
    r"\b(?:is|are|was|were|be|being|gets?)\s+(\S+\s+){0,4}?tested\b", re.I | re.S)


#: A test doing something and all after it: what the test does, not how tests are run.
_TESTS_ACT = re.compile(_TESTS_DOING + ".*", re.I | re.S)
#: The tests' own verb, after what they are of: "how are the tests for pflag run in CI?", "… invoked?".
_TESTS_RUN = re.compile(r"\b(run|ran|invoked|executed|configured|triggered|skipped)\b\s*"
                        r"(\?|$|\b(in|on|with|by|under|locally|from|during)\b)", re.I)


def asks_which_test(question: str) -> bool:
    """Whether ``question`` asks for tests named as things (:data:`_WHICH_TESTS`), as
    :func:`asks_for_tests` reads it: a test file answers it where one is offered."""
    return asks_for_tests(question) and _WHICH_TESTS.search(question) is not None


def asks_for_tests(question: str) -> bool:
    """Whether ``question`` asks where tests are (a test file is its answer): never a statement,
    nor a question about how tests are run or configured (their config answers that) — read
    outside what the tests are of (:data:`_TESTS_SUBJECT`), but for the tests' own verb at
    its end (:data:`_TESTS_RUN`)."""
    return _WHERE_TESTS.search(question) is not None and _RUNS_TESTS.search(_TESTS_SUBJECT.sub(" ", question)) is None \
        and _TESTS_RUN.search(_TESTS_ACT.sub(" ", question)) is None \
        and not is_statement(question) and not names_config(_TESTS_SUBJECT.sub(" ", question)) \
        and not (asks_for(question, "docs") and not _TESTS_COVERING.search(question))


#: A test asked for by what it covers, whatever that is ("which test covers the docs generated for nested
#: options?": nimble_options' took the docs lift for its word "docs", and its docs_test.exs came 4th).
_TESTS_COVERING = re.compile(r"\b(?:which|what)\s+(?:[a-z-]+\s+)?(?:tests?|specs?)\s+(?:covers?|checks?|verif(?:y|ies)|"
                             r"exercis\w+|asserts?)\b", re.I)
