"""A walk's docs or config answer stands only when the question asks for that kind of file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from explore.agent.answer import (ANSWER_FILE, AnswerFileError, AnswerWeights, asks_for, load_weights, settle,
                                  settled_by)
from explore.sandbox.errors import ExploreError

STAGE = [("pkg/retry.py", 9.0), ("pkg/other.py", 4.0), ("docs/retry.md", 3.0)]
GATED = AnswerWeights(policy=0.0, stage=0.5, code_only=True, intent=True)


@pytest.mark.parametrize(("question", "kind"), [
    ("Where is retrying documented?", "docs"),
    ("Which document explains the retry policy?", "docs"),
    ("How do I configure retries?", "docs"),
    ("Where can I read about backoff?", "docs"),
    ("Which file configures ruff?", "config"),
    ("Where are the package's runtime dependencies declared?", "config"),
    ("Which Python versions does the project support?", "config"),
    ("Where is retrying configured in YAML?", "config"),
    # the guide to a new major version (guzzle's UPGRADING.md ranked 16th)
    ("What do I need to change when upgrading from Guzzle 6 to 7?", "docs"),
    ("How do I migrate from league/csv 7 to 8?", "docs"),
    # a page that shows or lists (httparse's README usage, 13th); breaking changes (NSubstitute's BreakingChanges.md)
    ("Which page shows an example of parsing a request?", "docs"), ("Which page lists the options?", "docs"),
    ("What are the breaking changes in NSubstitute 6.0?", "docs"),
    # "is there a way to …" asks how to (rq's CLI enqueueing page fell to 28th)
    ("Is there a way to enqueue a job from the shell with arguments?", "docs"),
    ("Is it possible to filter events by path?", "docs"),
])
def test_questions_that_ask_for_a_kind_of_file(question: str, kind: str) -> None:
    assert asks_for(question, kind)
    assert asks_for(question, "code")  # a code file can answer anything


@pytest.mark.parametrize("question", [
    "Where is shell completion for bash implemented?",
    "How does click detect that it runs in a terminal?",
    "Fix crash in retry when the server closes the connection\n\nTraceback (most recent call last):",
    "Don't swallow KeyboardInterrupt in the retry loop",
])
def test_questions_about_behaviour_ask_for_no_docs(question: str) -> None:
    assert not any(asks_for(question, kind) for kind in ("docs", "config"))


@pytest.mark.parametrize(("text", "kind"), [
    ("tox configuration", "config"),
    ("lint settings", "config"),
    ("retry docs", "docs"),
    ("Where are the writer's settings?", "config"),
    ("which settings does the LaTeX writer read", "config"),
])
def test_questions_and_search_words_keep_their_intent(text: str, kind: str) -> None:
    assert asks_for(text, kind)


@pytest.mark.parametrize("text", [
    "Fix the LaTeX writer's table settings when a column spec is given",
    "Update pypy CI version and update pre-commit dependencies",
    "Pass TERMINFO through\n\nInteractive shells need it; tox configuration keeps it.",
    "Document that retries use exponential backoff by default in the client",
])
def test_a_statement_asks_for_code_whatever_words_it_uses(text: str) -> None:
    """A commit message, bug report or release note describes behaviour: its *settings*,
    *CI* or *docs* are not a request for a settings file or a page."""
    assert not any(asks_for(text, kind) for kind in ("docs", "config"))
    walked = ".pre-commit-config.yaml"
    settled = settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=text)
    assert settled[0][0] == "pkg/retry.py"


def test_a_docs_answer_to_a_behaviour_question_goes_to_the_stages_code() -> None:
    walked = "docs/retry.md"
    bug = "Fix crash in retry when the server closes the connection"
    settled = settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=bug)
    assert settled[0][0] == "pkg/retry.py" and walked not in [f for f, _ in settled]
    asked = "Where is retrying documented?"
    assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=asked) == [(walked, 0.0)]
    # without the gate the docs answer stands whatever was asked
    plain = AnswerWeights(policy=0.0, stage=0.5, code_only=True)
    assert settle(plain, [walked], {walked: 1.0}, STAGE, walked=walked, question=bug) == [(walked, 0.0)]


def test_a_code_answer_to_a_docs_question_gives_way_to_the_page_the_stage_ranks_first() -> None:
    """"How do I set the timeout?": the walk read the client's code and answered it, while the
    stage put the page asked for first (training projects' docs + config questions, navigator
    .686 -> .690: two won, none lost). Where the stage's first file is code, the walk's code stands."""
    walked = "pkg/retry.py"
    asked = "How do I configure retries?"
    page_first = [("docs/retry.md", 9.0), ("pkg/retry.py", 8.0)]
    assert settle(GATED, [walked], {walked: 1.0}, page_first, walked=walked, question=asked)[0][0] == "docs/retry.md"
    assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=asked)[0][0] == "pkg/retry.py"
    bug = "Fix crash in retry when the server closes the connection"  # asks for no page: code as before
    assert settle(GATED, [walked], {walked: 1.0}, page_first, walked=walked, question=bug)[0][0] == "pkg/retry.py"
    conf = [("docs/conf.py", 9.0), ("pkg/retry.py", 8.0)]  # a docs folder's source file is no page
    assert settle(GATED, [walked], {walked: 1.0}, conf, walked=walked, question=asked)[0][0] != "docs/conf.py"
    # a config file asked for stays in once the walk answered code (dry-validation's gemspec, first in both
    # rankings, was filtered out)
    gems = [("dry-validation.gemspec", 20.0), ("lib/dry/validation.rb", 12.0)]
    walked = "lib/dry/extensions/monads.rb"
    assert settle(GATED, [walked], {walked: 1.0}, gems, walked=walked,
                  question="which gems does dry-validation depend on at runtime?")[0][0] == "dry-validation.gemspec"


def test_examples_scripts_and_source_under_docs_stand() -> None:
    """The gate is for prose and settings: an example, a script or a ``.py`` file under
    ``docs/`` is code, and a walk that answered one keeps it whatever was asked."""
    bug = "Fix crash in retry when the server closes the connection"
    for walked in ("examples/retry_demo.py", "scripts/release.py", "docs/source/retry-example.py", "docs/conf.py"):
        assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=bug) == [(walked, 0.0)]


def test_a_test_file_answers_only_a_question_about_tests_or_a_definition() -> None:
    """viper's "where is the config file watched for changes?" (walked: it says *config*) was
    answered with `viper_test.go` over the stage's first code file, and so were three more
    of its questions about config files: a walk's test answer stood for any question."""
    walked = "pkg/retry_test.go"
    stray = settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question="where is the config file watched?")
    assert stray[0][0] == "pkg/retry.py"
    for asked in ("where is the retry config tested?", "which file defines retry_helper?",
                  "where is the fixture for the config file?"):
        assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=asked) == [(walked, 0.0)], asked


def test_a_question_asking_where_tests_are_is_settled_among_tests_too() -> None:
    """Settled among code files alone, a test file the stage ranked first for "where are the
    tests for …?" could never be the answer."""
    stage = [("tests/test_retry.py", 9.0), *STAGE]
    assert settle(GATED, [], {}, stage, question="where are the tests for the retry backoff?")[0][0] == \
        "tests/test_retry.py"
    assert settle(GATED, [], {}, stage, question="where is the retry backoff computed?")[0][0] == "pkg/retry.py"
    # and a test the stage offers answers it over code ranked above it (urfave/cli's suggestions.go, holding
    # the message asked about, stood just above suggestions_test.go); with no test offered, code still does
    second = [STAGE[0], ("tests/test_retry.py", STAGE[0][1] - 0.3), *STAGE[1:]]
    assert settle(GATED, [], {}, second, question="which test covers the retry backoff?")[0][0] == "tests/test_retry.py"
    assert settle(GATED, [], {}, STAGE, question="which test covers the retry backoff?")[0][0] == STAGE[0][0]
    # "is X tested for Y" may ask how the code checks it: the code stays in, as the stage ranks it
    assert settle(GATED, [], {}, second, question="how is the retry backoff tested for overflow?")[0][0] == STAGE[0][0]
    # a Rust module holding its own `#[cfg(test)] mod tests` is a test file too (httparse's src/lib.rs, first in
    # the stage, lost "which test covers chunk size overflow?" to tests/uri.rs, a test file ranked below it)
    rust = [("src/lib.rs", 9.0), ("tests/uri.rs", 5.0), ("src/iter.rs", 4.0)]
    asked = "which test covers chunk size overflow?"
    inside = {"src/lib.rs": ("file#1", "tests inside")}
    assert settle(GATED, [], {}, rust, question=asked, why=inside)[0][0] == "src/lib.rs"
    assert settle(GATED, [], {}, rust, question=asked)[0][0] == "tests/uri.rs"


def test_a_copy_the_stage_penalised_is_no_bm25_candidate() -> None:
    """FakeItEasy's "where are the Invokes<T1..T4> overloads generated?" answered a Generated/*.g.cs
    file BM25 ranked first, which the stage had put behind the project's own code as generated."""
    copy = "src/Generated/CallbackConfigurationExtensions.g.cs"
    stage = [("src/CallbackConfigurationExtensions.cs", 7.0), (copy, 5.2), ("tools/CodeGen/Generator.cs", 4.6)]
    bm25 = [(copy, 30.0), ("tools/CodeGen/Generator.cs", 12.0), ("src/CallbackConfigurationExtensions.cs", 11.0)]
    asked = "where are the Invokes overloads generated?"
    weighed = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    assert settle(weighed, [], {}, stage, bm25, question=asked)[0][0] == copy
    assert settle(weighed, [], {}, stage, bm25, question=asked, why={copy: ("file#1", "generated")})[0][0] != copy


def test_a_vendored_copy_the_stage_put_behind_the_project_s_file_is_no_bm25_candidate() -> None:
    """semver's vendored golang.org/x/mod/semver/semver.go, 9.0 by BM25 against version.go's 3.1,
    answered "where is the precedence of prerelease identifiers compared?" over the stage's first;
    where the stage ranks the vendored file first (it alone holds the code asked about) it stands."""
    copy = "vendor/golang.org/x/mod/semver/semver.go"
    stage = [("version.go", 6.0), (copy, 5.8), ("constraints.go", 4.0)]
    bm25 = [(copy, 9.03), ("version.go", 3.07), ("constraints.go", 2.0)]
    asked = "Where is the precedence of prerelease identifiers compared?"
    weighed = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    assert settle(weighed, [], {}, stage, bm25, question=asked)[0][0] == copy
    penalised = {copy: ("file#2", "vendored")}
    assert settle(weighed, [], {}, stage, bm25, question=asked, why=penalised)[0][0] == "version.go"
    alone = [(copy, 9.0), ("version.go", 6.0)]
    assert settle(weighed, [], {}, alone, bm25, question=asked, why={copy: ("file#1", "vendored")})[0][0] == copy


def test_an_image_or_conf_py_walked_for_a_docs_question_gives_way_to_the_stages_page() -> None:
    """Asked from itsdangerous' docs/, "which page documents the signer?" was answered with
    conf.py and "which page explains the URL safe serializer?" with the icon the walk read:
    the gate judged only docs and config files outside code languages."""
    stage = [("signer.rst", 9.0), ("conf.py", 3.0)]
    for walked in ("conf.py", "_static/icon.svg"):
        assert settle(GATED, [walked], {walked: 1.0}, stage, walked=walked,
                      question="which page documents the signer?") == [("signer.rst", 0.0)], walked
    # a question asking for an image keeps the image the walk found (sqlmodel's logo lost to index.md)
    assert settle(GATED, ["_static/icon.svg"], {"_static/icon.svg": 1.0}, stage, walked="_static/icon.svg",
                  question="which image in the docs is the logo?") == [("_static/icon.svg", 0.0)]
    # a config question keeps the config file it walked to
    assert settle(GATED, ["conf.py"], {"conf.py": 1.0}, stage, walked="conf.py",
                  question="where is the sphinx documentation build configured?") == [("conf.py", 0.0)]


def test_a_walk_with_no_answer_is_weighed_as_code() -> None:
    assert settle(GATED, [], {}, STAGE, walked=None, question="Where is retrying documented?")[0][0] == "pkg/retry.py"


def test_bundles_without_the_field_keep_their_answers(tmp_path: Path) -> None:
    (tmp_path / ANSWER_FILE).write_text(json.dumps({"policy": 0, "stage": 0.5, "code_only": True}))
    weights = load_weights(tmp_path)
    assert weights is not None and weights.intent is False
    (tmp_path / ANSWER_FILE).write_text(json.dumps({"policy": 0, "stage": 0.5, "code_only": True, "intent": "yes"}))
    with pytest.raises(AnswerFileError, match="intent must be true or false"):
        load_weights(tmp_path)


def test_ask_answers_code_for_a_bug_report_the_walk_answered_with_a_docs_page(repo, script) -> None:
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector

    walk = ("cd docs/", "read install.md", "answer docs/install.md")
    bug = "compute_backoff retries uploads forever: the back-off never stops growing"
    answer = Explorer(repo, policy=script(*walk), reflector=NoReflector(), weigh=GATED).ask(bug, walk="always")
    assert answer.weighed["walk"] == "docs/install.md"
    assert answer.files[0] == "pkg/net/retry.py" and answer.evidence[0].path == "pkg/net/retry.py"
    assert any("walk answered docs/install.md, a docs file, but the question asks about behaviour" in n
               for n in answer.notes)
    asked = Explorer(repo, policy=script(*walk), reflector=NoReflector(), weigh=GATED).ask(
        "Where are the install steps documented?")
    assert asked.files[0] == "docs/install.md"


def test_a_walk_out_of_steps_weighs_the_page_it_read_for_a_docs_question(repo, script) -> None:
    """`--max-steps 1` on "where are the install steps documented?": the last step read the
    page, the walk ran out, and "the best candidate seen" was a code file (the page was
    weighed as no answer at all); the page read last now stands as the walk's answer would."""
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector

    asked = Explorer(repo, policy=script("cd docs/", "read install.md"), reflector=NoReflector(), weigh=GATED).ask(
        "Where are the install steps documented?", max_steps=2)
    assert not asked.finished and asked.files[0] == "docs/install.md", asked.files
    bug = Explorer(repo, policy=script("cd docs/", "read install.md"), reflector=NoReflector(), weigh=GATED).ask(
        "compute_backoff retries uploads forever: the back-off never stops growing", max_steps=2, walk="always")
    assert bug.files[0] == "pkg/net/retry.py"  # a page read for a report is still no answer


def test_off_topic_is_the_one_place_the_gate_is_decided() -> None:
    from explore.agent.answer import off_topic

    bug = "Fix crash in retry when the server closes the connection"
    assert off_topic(GATED, "docs/retry.md", bug) and off_topic(GATED, "pyproject.toml", bug)
    assert not off_topic(GATED, "docs/retry.md", "Where is retrying documented?")
    assert not off_topic(GATED, "docs/conf.py", bug) and not off_topic(GATED, "pkg/retry.py", bug)
    assert not off_topic(GATED, None, bug)
    assert not off_topic(AnswerWeights(policy=0.0, stage=0.5, code_only=True), "docs/retry.md", bug)


def test_walk_matters_only_where_a_walked_answer_can_stand() -> None:
    from explore.agent.answer import walk_matters

    bug = "compute_backoff retries uploads forever: the back-off never stops growing"
    assert not walk_matters(GATED, bug) and not walk_matters(GATED, "Fix crash in retry when the server closes")
    for asks in ("Where are the install steps documented?", "Which settings configure the retries?",
                 "Where is the function `compute_backoff` defined?", "Which file defines `Retry`?"):
        assert walk_matters(GATED, asks), asks
    # weights under which the walk's pick or reads count, or no weights at all: always walk
    for weights in (None, AnswerWeights(policy=0.5, stage=0.5, code_only=True, intent=True),
                    AnswerWeights(policy=0.0, stage=0.5, read=1.0, code_only=True, intent=True),
                    AnswerWeights(policy=0.0, stage=0.5, code_only=True)):
        assert walk_matters(weights, bug)
    # the rankings alone, without code_only: the walk's answer never stands, whatever is asked
    for weights in (AnswerWeights(policy=0.0, stage=0.5, intent=True), AnswerWeights(policy=0.0, bm25=1.0)):
        assert not walk_matters(weights, bug) and not walk_matters(weights, "Where are the install steps documented?")
    statements = AnswerWeights(policy=0.0, stage=0.5, code_only=True, intent=True,
                               statements=AnswerWeights(policy=0.0, stage=1.0, bm25=0.25))
    assert not walk_matters(statements, "Fix the retry settings documented in the user guide for uploads")
    assert walk_matters(statements, "Where are the install steps documented?")


def test_a_bug_report_is_settled_without_a_decision_and_as_the_walk_would_settle_it(repo, script) -> None:
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector

    bug = "compute_backoff retries uploads forever: the back-off never stops growing"
    walked = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                      reflector=NoReflector(),
                      weigh=GATED).ask(bug, walk="always")
    never = script()  # fails the test if asked to decide anything
    settled = Explorer(repo, policy=never, reflector=NoReflector(), weigh=GATED).ask(bug)
    assert settled.steps == [] and settled.finished and settled.weighed["walked"] is False
    assert settled.files[0] == walked.files[0] == "pkg/net/retry.py"
    assert settled.evidence[0] == walked.evidence[0]
    assert any("without walking" in n for n in settled.notes)
    # the note and `ask`'s last line name the rankings the weights read (they said "the
    # candidate stage and BM25" also when a statement was settled by the stage alone)
    assert settled.weighed["settled_by"] == settled_by(GATED, bug)
    alone = AnswerWeights(policy=0.0, stage=0.5, code_only=True, intent=True,
                          statements=AnswerWeights(policy=0.0, stage=0.5))
    by_stage = Explorer(repo, policy=never, reflector=NoReflector(), weigh=alone).ask(bug)
    assert by_stage.weighed["settled_by"] == "the candidate stage"
    assert any(n.startswith("answered from the candidate stage without walking: a statement") for n in by_stage.notes)
    # a test asked for is said so (the note said "asks for code" beside the test file answered)
    tested = Explorer(repo, policy=never, reflector=NoReflector(), weigh=GATED).ask("Which test covers the retry back-off?")
    assert any("without walking: the question asks for a test" in n for n in tested.notes), tested.notes
    assert settled_by(AnswerWeights(policy=0.0, stage=0.5, bm25=0.25), "Where is the back-off computed?") == \
        "the candidate stage and BM25"
    with pytest.raises(ExploreError, match="walk must be one of auto, always"):
        Explorer(repo, policy=never, reflector=NoReflector(), weigh=GATED).ask(bug, walk="never")


def test_the_model_loads_only_for_a_question_that_needs_a_walk(repo, tiny_cache, monkeypatch) -> None:
    from explore.agent.explorer import Explorer
    from explore.agent.models import TINY_RANDOM

    monkeypatch.setenv("EXPLORE_CACHE", str(tiny_cache))
    explorer = Explorer(repo, model=TINY_RANDOM, adapters={}, weigh=GATED)
    answer = explorer.ask("compute_backoff retries uploads forever: the back-off never stops growing")
    assert not explorer.loaded and answer.steps == [] and answer.files[0] == "pkg/net/retry.py"
    asked = explorer.ask("Where are the install steps documented?", max_steps=2)
    assert explorer.loaded and asked.steps and answer.model == asked.model == TINY_RANDOM


def test_a_question_no_code_file_can_answer_is_walked(tmp_path: Path, make_repo, script) -> None:
    """Settling needs a code file among the rankings' first; a repository of docs alone has
    none, so even a question about behaviour is walked there (it used to answer nothing)."""
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector
    from explore.sandbox.snapshot import Repository

    repo = Repository(make_repo(tmp_path, {"docs/install.md": "# Install\n\nThe cache folder must exist first.\n",
                                           "README.md": "# Demo\n"}, git_init=False))
    bug = "install crashes when the cache folder is missing"
    answer = Explorer(repo, policy=script("cd docs/", "read install.md", "answer docs/install.md"),
                      reflector=NoReflector(), weigh=GATED).ask(bug)
    assert answer.weighed["walked"] is True and len(answer.steps) == 3
    assert answer.files[0] == "docs/install.md" and answer.evidence


def test_a_read_repeated_answers_the_file_instead_of_reading_it_again(repo, script) -> None:
    """A weak policy can ask for the file it has just read, again and again, to the end of
    its steps; a second read of a file shows nothing new, so the walk answers it there."""
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector

    asked = "Where are the install steps documented?"
    walk = Explorer(repo, policy=script("cd docs/", "read install.md", "read install.md"), reflector=NoReflector(),
                    weigh=GATED).ask(asked)  # a fourth decision would fail the script
    assert [s.action for s in walk.steps] == ["cd docs/", "read install.md", "read install.md",
                                              "answer docs/install.md"]
    assert walk.finished and walk.weighed["walk"] == "docs/install.md" and walk.files[0] == "docs/install.md"
    assert any("read docs/install.md again" in n for n in walk.notes)


def test_first_read_answers_the_file_read_without_a_second_decision(repo, script) -> None:
    from dataclasses import replace

    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector

    asked = "Where are the install steps documented?"
    cut = Explorer(repo, policy=script("cd docs/", "read install.md"), reflector=NoReflector(),
                   weigh=replace(GATED, first_read=True)).ask(asked)  # a third decision would fail the script
    assert [s.action for s in cut.steps] == ["cd docs/", "read install.md", "answer docs/install.md"]
    assert cut.steps[-1].probs == [] and cut.finished and cut.files[0] == "docs/install.md"
    full = Explorer(repo, policy=script("cd docs/", "read install.md", "answer docs/install.md"),
                    reflector=NoReflector(), weigh=GATED).ask(asked)
    assert full.files[0] == cut.files[0] and full.evidence == cut.evidence
    with pytest.raises(AnswerFileError, match="first_read must be true or false"):
        replace(GATED, first_read="yes").validate()


def test_the_shipped_answer_file_loads() -> None:
    from explore.agent.bundle import NAVIGATOR_DIR

    weights = load_weights(NAVIGATOR_DIR)
    assert weights is not None and weights.code_only and weights.intent and isinstance(weights.first_read, bool)


def test_a_bug_reports_reproducer_does_not_make_its_test_file_the_answer(tmp_path: Path, make_repo, script) -> None:
    """A report quoting a snippet shaped like the project's tests (most do) drove BM25 to
    the test file by scores in the hundreds, which out-voted the candidate stage: the
    shipped navigator answered a test for a third of such reports. A statement is now
    settled among code files, and not walked even when it says *implemented*."""
    from explore.agent.answer import walk_matters
    from explore.agent.bundle import NAVIGATOR_DIR
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector
    from explore.sandbox.snapshot import Repository

    test_body = "".join(f"def test_backoff_{i}():\n    policy = RetryPolicy(attempts={i}, jitter=False)\n"
                        f"    assert policy.compute_backoff({i}) <= policy.max_delay\n" for i in range(12))
    repo = Repository(make_repo(tmp_path, {
        "pkg/retry.py": "class RetryPolicy:\n    def compute_backoff(self, attempt):\n"
                        "        '''The delay before the next attempt.'''\n        return 2 ** attempt\n",
        "pkg/client.py": "def send(request):\n    return request\n",
        "tests/test_retry.py": "from pkg.retry import RetryPolicy\n\n" + test_body,
    }))
    weights = load_weights(NAVIGATOR_DIR)
    report = ("Back-off is implemented without a ceiling: it exceeds max_delay\n\nTo reproduce:\n\n```\n"
              + test_body + "```\n")
    assert not walk_matters(weights, report) and walk_matters(weights, "Where is compute_backoff defined?")
    answer = Explorer(repo, policy=script(), reflector=NoReflector(), weigh=weights).ask(report)
    assert answer.steps == [] and answer.files[0] == "pkg/retry.py"


@pytest.mark.parametrize("question", [
    "which file configures pytest?", "where are the runtime dependencies declared?", "Where is the CI configured?",
    "which python versions are supported?", "where are the pre-commit hooks configured?",
    "what are the mypy settings?", "Where is the Sphinx documentation build configured?",
    # an npm script by its command (commander.js: package.json was not in the first 10)
    "what does npm test run?", "what does the yarn build script do?",
    # autotools' script by its possessive (its subject, "where does configure decide …", only where one is: below)
    "what do configure's checks for gcc do?"])
def test_a_question_naming_a_config_file_or_a_tools_settings_names_config(question: str) -> None:
    from explore.retrieval.config_asked import names_config

    assert names_config(question)


@pytest.mark.parametrize("question", [
    "where are retries configured?", "how are dependencies resolved?", "where is the requirements parser?",
    "how does the settings object load environment variables?", "where is the pytest plugin registered?",
    "how is gitignore matching implemented?", "how are the tests of a subcommand run by the runner?",
    "Fix the tox environment list when the CI matrix is empty", "Fix how are the tests run when CI is empty",
    # code that handles the file, asked by what it does when the file is wrong (pypa/build answered pyproject.toml)
    "which function computes the default build backend when pyproject has none?",
    "where is the error raised when pyproject.toml is invalid TOML?",
    "where is the fallback backend used when pyproject.toml has no build-system?",
    # to configure something is no script
    "how do I configure the logger?", "Where do I configure logging?", "how does configure the timeout work?"])
def test_behaviour_and_statements_name_no_config(question: str) -> None:
    from explore.retrieval.config_asked import names_config

    assert not names_config(question)


def test_an_imperative_starting_with_do_not_is_a_statement() -> None:
    """"Do not auto-follow 304 responses" (a commit message) began like a question ("Do …")
    and was read as one: 11 of the 1,993 real benchmark questions."""
    from explore.retrieval.intent import asks_definition
    from explore.retrieval.question_form import is_statement

    assert is_statement("Do not auto-follow 300 and 304 responses\n\nRFC 9110 defines 304 for conditional GET")
    assert not asks_definition("Do not auto-follow 300 and 304 responses\n\nRFC 9110 defines 304")
    assert not is_statement("Do you support HTTP/2?") and asks_definition("where is bytesify defined?")
    # a pasted message's words are the program's (highline's "raises NameError: :bright_orange is not a defined
    # Style. Which color names are allowed?" lifted the file defining HighLine.color)
    assert not asks_definition('HighLine.color("Deploy", :bright_orange) raises NameError: :bright_orange is not a '
                               "defined Style. Which color names are allowed?")
    assert not asks_definition('Why do I get "the variable x is not defined here" from the checker?')
    assert asks_definition("NameError: name 'x' is not defined. Where is x defined?")


def test_an_issue_titled_as_a_question_is_a_report() -> None:
    """A GitHub issue titled as a question ("How to deal with a field both required and
    missing?") over a first post describing the behaviour was read as a question, and its
    *how to* lifted docs pages over the code it is about (6 of the training projects' 232
    issues; `retrieve` .612 → .621 on them, no other benchmark question reads differently)."""
    from explore.retrieval.intent import asks_for
    from explore.retrieval.question_form import is_statement

    issue = ("How to deal with a field with both required and missing?\n\n"
             "When a field is declared with required=True and a missing value, loading data without "
             "it raises a validation error although the schema gives it a default; the docs say "
             "nothing about which one wins, and the behaviour changed in the last release.")
    assert is_statement(issue) and not asks_for(issue, "docs")
    short = "How do I configure the retries?\n\nI tried the docs but found nothing."  # a question with a line of context
    assert not is_statement(short) and asks_for(short, "docs")


@pytest.mark.parametrize("question", [
    "What modules are listed in go.mod?", "Which Go version does cobra require?",
    "What is the minimum Node.js version got supports?", "Which version of body-parser does express depend on?",
    "What is the minimum supported Rust version for ripgrep?"])
def test_a_question_naming_another_languages_config_asks_for_config(question: str) -> None:
    """The walk gate's config words were Python's (pyproject, setup.cfg, tox): "What
    modules are listed in go.mod?" was read as a question about code, settled without a
    walk, and answered `bash_completions.go`; whatever names config asks for it."""
    assert asks_for(question, "config")


@pytest.mark.parametrize("question", [
    "which version of rack does sinatra.gemspec require?", "which gems does sinatra depend on at runtime?",
    "which gems are in the Gemfile for development?", "which rake task runs the test suite?",
    "which PHP version does Slim require?", "which composer script runs the tests?",
    "which phpstan level is used for static analysis?", "where is TargetFrameworks set in CommandLine.csproj?",
    "which target frameworks does the library build for?", "which C# LangVersion is the library compiled with?",
    "what ruby version does sinatra need?", "which platforms does Package.swift declare?",
    "which sbt plugins does the build use?", "which Swift version is required?", "what level does phpstan run at?",
    "how are the tests run?", "How is the test suite executed?", "which command runs the tests?",
    "how are the tests built and run?", "how are backend tests run in CI?",
    "which version of xunit do the tests use?", "where are package versions pinned?",
    # one dependency asked for (mox's mix.exs, 8th, took no config lift)
    "Which library does Mox depend on for process ownership tracking, and which version is required?",
    "which dependencies does mox have?"])
def test_ruby_php_and_dotnet_config_questions_ask_for_config(question: str) -> None:
    """Each was read as a question about code and answered with a source file (a gemspec,
    composer.json, phpstan.neon.dist and a .csproj were not even config files)."""
    from explore.retrieval.config_asked import names_config

    assert names_config(question) and asks_for(question, "config")


def test_names_tool_reads_the_tool_a_config_file_is_named_for() -> None:
    from explore.retrieval.config_asked import names_tool
    from explore.sandbox.outline import file_kind

    assert names_tool("where is the phpunit configuration?", "phpunit.xml.dist")
    # meson's options file, as meson.build is meson's (inih's lifted its meson.build files alone)
    assert names_tool("which meson option sets the maximum line length?", "meson_options.txt")
    assert names_tool("which meson option sets the maximum line length?", "meson.options")
    assert file_kind("meson.options") == "config"
    assert names_tool("which pre-commit hooks run?", ".pre-commit-config.yaml")
    assert names_tool("how is tox configured?", "tox.ini")
    assert not names_tool("where is the setup configured?", "setup.cfg")  # a word, not a tool
    assert not names_tool("where is the package metadata?", "package.json")
    assert not names_tool("which phpunitx settings?", "phpunit.xml")
    assert not names_tool("which gems does rack depend on?", "rack.gemspec")  # the project, not a tool
    # a tool's filter or rule set (commons-csv's), Mix's project, the Gradle wrapper's settings, a CMake module
    assert names_tool("which SpotBugs warnings are suppressed?", "src/conf/spotbugs-exclude-filter.xml")
    assert names_tool("which PMD rules are enabled?", "pmd-ruleset.xml")
    assert names_tool("what does `mix test.adapters` run?", "mix.exs")
    assert names_tool("which Gradle version does the wrapper download?", "gradle/wrapper/gradle-wrapper.properties")
    assert names_tool("which sources does the CMake build compile?", "cmake/yaml-cpp-sources.cmake")
    assert not names_tool("which sources does the build compile?", "cmake/yaml-cpp-sources.cmake")
    # an environment's settings file is named for no tool (config's "… in Rails development mode?")
    assert not names_tool("How do settings get reloaded in Rails development mode?", "settings/development.yml")
    from explore.retrieval.config_asked import names_config
    assert names_config("What does `mix test.adapters` run when REQ_ADAPTERS is unset?")
    assert not names_config("is it a mix of old and new code?")
    # a workflow asked for names no other file of the tool it runs (Polly's answered NuGet.config)
    pushes = "Which workflow pushes the signed NuGet packages to nuget.org?"
    assert not names_tool(pushes, "NuGet.config") and names_tool(pushes, ".github/workflows/build.yml")
    # a release note named for what it is about is no file of that tool's (tenacity's reno notes)
    assert not names_tool("where is the sphinx configuration?",
                          "releasenotes/notes/sphinx_define_error-642c9cd5c165d39a.yaml")
    # a language's version asked for: its manifest (fd's MSRV was answered with the CI job reading it)
    assert names_tool("what is the minimum supported Rust version of fd?", "Cargo.toml")
    assert names_tool("what is the MSRV?", "crates/core/Cargo.toml")
    assert not names_tool("what is the minimum supported Rust version of fd?", ".github/workflows/CICD.yml")
    assert names_tool("which Ruby version does rack require?", "rack.gemspec")
    assert names_tool("which Go version does the module require?", "go.mod")
    assert names_tool("Which Python versions does the project support?", "setup.cfg")
    assert not names_tool("which Python versions does the project support?", "go.mod")
    # build files named otherwise than for their tool (fmt's CMake question walked to an Android build.gradle)
    assert names_tool("how do I enable the header-only build option in CMake?", "CMakeLists.txt")
    # the scripts npm/yarn run are package.json's (commander.js: the CI job running `npm test` ranked first)
    assert names_tool("what does npm test run?", "package.json") and names_tool("what does yarn build do?", "package.json")
    assert not names_tool("what does npm test run?", ".github/workflows/tests.yml")
    assert not names_tool("how do I use npmlog?", "package.json")
    assert names_tool("which plugins does the Gradle build apply?", "app/build.gradle.kts")
    assert not names_tool("how is the build configured?", "CMakeLists.txt")


def test_a_snapshot_file_asked_for_asks_for_tests() -> None:
    """cookie's "which snapshot file holds the expected parse results …?" lifted no test: its
    src/__snapshots__/*.snap were data and the question asked for none; a snapshot of a database
    is no test's."""
    from explore.retrieval.tests_asked import asks_for_tests

    assert asks_for_tests("Which snapshot file holds the expected parse results for the Set-Cookie headers?")
    assert not asks_for_tests("where is the snapshot of the database taken?")
    assert not asks_for_tests("how do I restore a snapshot?")


def test_names_file_reads_a_file_name_not_a_shared_word() -> None:
    from explore.retrieval.config_asked import names_file

    assert names_file("What modules are listed in go.mod?", "go.mod")
    assert names_file("what does cargo.toml set for the workspace?", "crates/core/Cargo.toml")
    assert names_file("What is in the Makefile?", "Makefile")
    assert not names_file("which go version is needed?", "go.mod")
    assert not names_file("what is in tsconfig.json.bak?", "tsconfig.json")
    assert not names_file("how are commands run?", "cmd/run")  # a name with no suffix is a word
    # its path (glom's "what does docs/make.bat do?"); autotools' script, not the verb
    assert names_file("what does docs/make.bat do?", "docs/make.bat") and names_file("what is docs/conf.py for?", "docs/conf.py")
    assert names_file("what does the configure script check?", "configure")
    assert not names_file("how do I configure the logger?", "configure")
    # who keeps it: MAINTAINERS, CODEOWNERS (envconfig's "who are the maintainers …?" answered envconfig.go)
    assert names_file("Who are the maintainers of this project?", "MAINTAINERS")
    assert names_file("what does CODEOWNERS say about docs/?", ".github/CODEOWNERS")
    assert not names_file("who maintains the parser?", "MAINTAINERS")
    # a name written under folders: the file whose path ends so, not another of its name (dayjs's published
    # `dayjs/locale/fr.js` named src/locale/fr.js, and `ask` answered it for "how are the bundles built?")
    bundles = "How are the UMD bundles like dayjs/locale/fr.js built?"
    assert not names_file(bundles, "src/locale/fr.js") and names_file(bundles, "dist/dayjs/locale/fr.js")
    assert names_file("what does locale/fr.js export?", "src/locale/fr.js")
    assert names_file("what does ./fr.js export?", "fr.js") and names_file("what does fr.js export?", "src/locale/fr.js")


def test_an_off_topic_walk_to_a_docs_question_answers_the_stages_docs_page() -> None:
    """"Where is the documentation explaining how to contribute?": the walk read a CI
    workflow, the gate took it away, and the best code file answered (`lib/application.js`)
    though the stage ranked the README, the page asked for; now the stage's best file of the
    asked kind answers, and code only where the stage ranks none."""
    walked = ".github/workflows/scorecard.yml"
    question = "Where is retrying documented?"
    assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=question)[0][0] == "docs/retry.md"
    code_only = [(p, s) for p, s in STAGE if not p.startswith("docs/")]
    assert settle(GATED, [walked], {walked: 1.0}, code_only, walked=walked, question=question)[0][0] == "pkg/retry.py"
    behaviour = "How does the client retry a request?"  # asks for no docs: code, as before
    assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=behaviour)[0][0] == "pkg/retry.py"


@pytest.mark.parametrize(("question", "only"), [
    ("Touch up PR 1306", True), ("Follow-up to #12", True), ("gh-1234", True), ("Fix #123", True),
    ("Address review comments on pull request 7", True),
    ("Fix the retry loop (#123)", False), ("Sort imports from PR 1237", False), ("PR 12: retry backoff", False),
    ("Merge pull request #5 from acme/retry-jitter", False), ("Fix issue with PR review", False),
    ("Apply suggestions from code review (#12)", True), ("Исправить #12 в парсере", False),
    ("修复 #123 的重试逻辑", False)])
def test_a_reference_with_words_that_say_nothing_of_the_code_is_only_a_reference(question: str, only: bool) -> None:
    from explore.retrieval.question_form import is_only_a_reference

    assert is_only_a_reference(question) is only


def test_a_long_run_of_letters_is_read_at_once_as_no_reference() -> None:
    """A pasted log of one run of 100,000 letters (or a base64 token) held `search` 26 s and a
    warm server 33 s: every start of the run was tried for an `owner/repo#12`, quadratic.
    `owner/repo#12` still counts, and nothing that long is only a reference."""
    import time

    from explore.retrieval.question_form import _REFERENCE, is_only_a_reference

    started = time.perf_counter()
    assert not is_only_a_reference("x" * 100_000) and not _REFERENCE.search("a.b-c_d" * 15_000)
    assert not is_only_a_reference("where is the dotenv file parsed? token=" + "QUJD" * 25_000)
    assert time.perf_counter() - started < 5  # a hang guard: about 0.02 s, and 40 s before
    assert is_only_a_reference("see pallets/click#123") and is_only_a_reference("Follow-up to #12")


def test_the_note_names_only_the_rankings_that_outweighed_the_walk(repo) -> None:
    """log's "where is the Key struct … defined?": the walk and the stage both had key.rs first,
    BM25 alone preferred source.rs and won, and the note said "the candidate stage and BM25
    outweigh it"; it names the rankings that put the answer above the walk's."""
    from explore.agent.explorer import Explorer
    from explore.agent.reflector import NoReflector

    both = AnswerWeights(policy=0.0, stage=0.5, bm25=0.5, code_only=True, intent=True)
    explorer = Explorer(repo, reflector=NoReflector(), weigh=both)
    question = "where is the Key struct defined?"
    stage = [("src/kv/key.rs", 9.5), ("src/kv/source.rs", 9.0)]
    bm25 = [("src/kv/source.rs", 3.8), ("src/kv/key.rs", 2.4)]
    assert explorer._outweighed_by(question, "src/kv/source.rs", "src/kv/key.rs", stage, bm25) == "BM25"
    agreeing = [("src/kv/source.rs", 9.9), ("src/kv/key.rs", 9.5)]
    assert explorer._outweighed_by(question, "src/kv/source.rs", "src/kv/key.rs", agreeing, bm25) == \
        "the candidate stage and BM25"


@pytest.mark.parametrize("question, kind, asked", [
    ("why does doc.outerHtml() add newlines and indentation to my inline elements?", "docs", False),
    ('why does doc.select("p") return nothing for my element?', "docs", False),
    ("why does z.config({ jitless: true }) still use new Function when parsing?", "config", False),
    ("is `docs` a reserved key of the schema?", "docs", False), ("what does `README.md` say about installing?", "docs", True),
    # a link pasted with a message (dayjs's warning ends in its docs' address) asks for no page
    ('My console keeps printing "you have to load it before using it. https://day.js.org/docs/en/i18n/loading" '
     "even though I load it. What prints this?", "docs", False),
    ("where are the docs for retries?", "docs", True),
    ("what does setup.py configure?", "config", True),
    ("which settings does pyproject.toml hold?", "config", True),
    # the thing a document database stores (tinydb's answered docs/usage.rst) …
    ("how are documents inserted into a table with auto-incremented ids?", "docs", False),
    ("what happens when a document is updated twice?", "docs", False), ("which documents are returned by search()?", "docs", False),
    ("why does inserting documents with a duplicate value on a unique field fail?", "docs", False),
    ("how are expired documents removed when a TTL index is set?", "docs", False),
    # a page or section asked for by what it covers (nedb's "documents API" question lost its page)
    ("which page covers the documents API?", "docs", True), ("which section describes the documents format?", "docs", True),
    ("which page is shown on a 404?", "docs", False), ("where is the page size computed?", "docs", False),
    # … and the verb, which asks for a page
    ("which page documents the signer?", "docs", True), ("how to document a plugin?", "docs", True),
    ("where does the README document install?", "docs", True), ("which file documents how retries work?", "docs", True),
    ("where is retry documented?", "docs", True),
    # a specification's page (bitflags' spec.md for "which document specifies how unknown bits behave …?")
    ("which document specifies how unknown bits behave?", "docs", True),
    ("which page defines the wire format?", "docs", True),
    ("which page specifies the default size?", "docs", True),
    # the release that did it, a changelog's entry (go-retryablehttp's "which release fixed …" answered client.go)
    ("which release fixed leaking credentials into the logs?", "docs", True),
    ("in which version was the retry policy added?", "docs", True),
    ("which release process do you use?", "docs", False),
    # a project's policy, which a page states (bottle's answered bottle.py over docs/development.rst)
    ("How are version numbers and release branches managed? Can I rely on semver?", "docs", True),
    ("what is the deprecation policy?", "docs", True), ("how long are old versions supported?", "docs", False),
    # (EmailValidator's "where can I read the RFC 5322 grammar …?" answered code)
    ("where can I read the RFC 5322 grammar for dot-atom-text?", "docs", True),
    # the data a JSON library reads is no config file (jansson's walked to CMakeLists.txt)
    ("how do I load JSON from a file?", "config", False), ("how do I make a deep copy of a JSON value?", "config", False),
    ("which json file sets the port?", "config", True), ("where is the YAML config loaded?", "config", True),
    ("what settings does the yaml file hold?", "config", True)])
def test_code_in_a_question_asks_for_no_kind_of_file(question: str, kind: str, asked: bool) -> None:
    """jsoup's `Document doc = Jsoup.parse(…)` idiom: "why does doc.outerHtml() add newlines …?"
    was read as asking for documentation, and `ask` put a changelog over the walk's right
    Node.java; zod's `z.config({…})` read as asking for a config file. A variable with its
    member or call, a call, a backticked span are code; a file's name (`setup.py`) is still one.
    Nor does a word that names the data a library handles ask for a kind of file (below)."""
    from explore.retrieval.intent import asks_for

    assert asks_for(question, kind) is asked


@pytest.mark.parametrize("question, named", [
    # CI as where tests run names its workflows (cxxopts' lifted none)
    ("Which compilers are tested in CI?", True), ("which C++ standards does CI test against?", True),
    ("Which compilers does the GitHub Actions build use?", True),
    ("where is the ci helper module?", False), ("Fix CI on windows", False),
    # how the code behaves under CI asks for the code (cleo's answered a workflow, then dependabot.yml)
    ("are colors disabled when the output runs in CI?", False), ("does the progress bar hide itself on CI?", False),
    ("which OS does CI run the tests on?", True)])
def test_ci_as_where_tests_run_names_config(question: str, named: bool) -> None:
    from explore.retrieval.config_asked import names_config

    assert names_config(question) is named



@pytest.mark.parametrize("question, built", [
    ("how is the project built?", True), ("how do I build the docs?", True), ("where is the build configured?", True),
    # a thing the user makes (toml11's "how to build my own error message" lifted its CMake files)
    ("how do I build my own error message?", False), ("how do I build a custom formatter?", False)])
def test_building_a_thing_of_ones_own_asks_for_no_build(question: str, built: bool) -> None:
    from explore.retrieval.config_asked import asks_build

    assert asks_build(question) is built


def test_a_notebook_is_an_example_and_a_release_pipeline_no_ci() -> None:
    """transitions' "which notebook demonstrates …?" lifted no example (its examples/*.ipynb); Moya's "where is
    the release pipeline configured?" answered its CI file unwalked, as a question on what CI runs."""
    from explore.retrieval.intent import asks_example
    from explore.retrieval.versions_asked import asks_ci_file

    assert asks_example("Which notebook demonstrates drawing a nested graph machine?")
    assert not asks_ci_file("Where is the release pipeline configured, which scripts run before a release?",
                            ".circleci/config.yml")
    assert asks_ci_file("which jobs run in the CI pipeline?", ".circleci/config.yml")


@pytest.mark.parametrize("question, page", [
    ("Which documentation page explains how to build my own error message?", True),
    # (byteorder's "which document describes the minimum supported Rust version policy?" answered Cargo.toml)
    ("Which document describes the minimum supported Rust version policy for this crate?", True),
    ("What is the minimum supported Rust version?", False), ("Fix the docs page title", False)])
def test_a_page_asked_for_by_the_word(question: str, page: bool) -> None:
    from explore.retrieval.intent import asks_for_page

    assert asks_for_page(question) is page


def test_a_fuzz_target_or_a_test_named_by_its_name_stands_where_both_rankings_put_it_first() -> None:
    """ron's "where is the fuzz target that feeds random input to ron::from_str?" and "which .ron
    files does the preserve_sequence test load?" dropped fuzz/fuzz_targets/from_str.rs (a script)
    and tests/preserve_sequence.rs, first in the stage and BM25 alike, for code ranked below."""
    weighed = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    fuzz = [("fuzz/fuzz_targets/from_str.rs", 9.0), ("src/de/mod.rs", 6.0), ("src/options.rs", 5.0)]
    asked = "Where is the fuzz target that feeds random input to ron::from_str?"
    assert settle(weighed, [], {}, fuzz, fuzz, question=asked)[0][0] == "fuzz/fuzz_targets/from_str.rs"
    named = [("tests/preserve_sequence.rs", 9.0), ("src/ser/mod.rs", 6.0), ("src/parse.rs", 5.0)]
    asked = "Which .ron data files does the preserve_sequence test load, and what do they contain?"
    assert settle(weighed, [], {}, named, named, question=asked)[0][0] == "tests/preserve_sequence.rs"
    # a plain word before "test" is no test's name
    from explore.retrieval.tests_asked import asks_for_tests
    assert not asks_for_tests("how does the parser test a trailing comma?")


def test_a_question_asking_what_makes_the_file_it_names_asks_for_another_file() -> None:
    """Respect/Validation's "what regenerates data/postal-code.php?" and yaml-cpp's "is
    gen_emitter_test.cpp generated by a script, and which one?" were answered with the file they
    name, without a walk: they ask for what writes it."""
    from explore.agent.explorer import _ASKS_ANOTHER_FILE

    for asked in ("How are the postal code lists kept up to date? What regenerates data/postal-code.php?",
                  "gen_emitter_test.cpp is almost 10,000 lines. Is it generated by a script, and which one?",
                  "How is src/Mixins/Chain.php generated?", "which file includes config.h?"):
        assert _ASKS_ANOTHER_FILE.search(asked), asked
    for asked in ("where is src/parser.y?", "what does tsconfig.json set?", "how does parser.c handle a tab?"):
        assert not _ASKS_ANOTHER_FILE.search(asked), asked


def test_which_page_answered_with_code_by_the_walk_gives_way_to_the_stage_s_first_page() -> None:
    """config's "which page documents the knockout_prefix and overwrite_arrays merge options?": the
    walk read lib/config/options.rb first and answered it, the stage ranking it above README.md."""
    stage = [("lib/config/options.rb", 12.6), ("README.md", 10.2), ("lib/config.rb", 9.0)]
    asked = "Which page documents the knockout_prefix and overwrite_arrays merge options?"
    assert settle(GATED, [], {}, stage, walked="lib/config/options.rb", question=asked)[0][0] == "README.md"
    # a question asking how, not which page, keeps the walk's code where BM25 ranks the page below it
    how = "How do I set the knockout_prefix merge option?"
    bm25 = [("lib/config/options.rb", 9.0), ("README.md", 2.0)]
    assert settle(GATED, [], {}, stage, bm25, walked="lib/config/options.rb", question=how)[0][0] == \
        "lib/config/options.rb"


def test_asking_words_from_the_second_reviews() -> None:
    """What the code decides is no "how to" (swift-custom-dump's "decide how to print a value"
    took the docs lift); a test asked for by what it covers asks for tests whatever it covers
    (nimble_options' "which test covers the docs generated …?"); "which page says …" asks for a
    page; javadocs and nightly builds are published (failsafe's bin/push-javadoc.sh was dropped)."""
    from explore.retrieval.config_asked import asks_publish
    from explore.retrieval.tests_asked import asks_for_tests

    assert not asks_for("Where does customDump decide how to print a value?", "docs")
    assert asks_for("how to print a value with customDump?", "docs")
    assert asks_for_tests("Which test covers the docs generated for nested options that use a subsection?")
    assert not asks_for_tests("where are the tests documented?")
    assert asks_for("Which page says in which release the :type_doc option was added?", "docs")
    assert asks_publish("How are the javadocs published to the failsafe.dev website?")
    assert asks_publish("How are the h3-nightly builds published to npm?")


def test_an_image_asked_for_stands_in_ask_and_mix_format_names_the_formatter_s_settings() -> None:
    """hexyl's "where is the hexyl logo image?" answered src/colors.rs over doc/logo.svg, which the
    stage ranked first (an image, dropped as no code); nimble_options' "which files does mix format
    check?" named mix.exs for "mix", not .formatter.exs."""
    from explore.retrieval.config_asked import names_tool

    stage = [("doc/logo.svg", 9.0), ("src/colors.rs", 5.0), ("src/main.rs", 4.0)]
    assert settle(GATED, [], {}, stage, question="Where is the hexyl logo image?")[0][0] == "doc/logo.svg"
    assert settle(GATED, [], {}, stage, question="Where are the colors chosen?")[0][0] == "src/colors.rs"
    asked = "Which files does mix format check in this project?"
    assert names_tool(asked, ".formatter.exs") and not names_tool(asked, "mix.exs")
    assert names_tool("what does `mix test.adapters` run?", "mix.exs")


def test_a_publish_question_walked_to_settings_gives_way_to_the_stage_s_publishing_workflow() -> None:
    """svcs' "how is the package published to PyPI?": the walk read pyproject.toml and answered it;
    the stage ranked pypi-package.yml, which publishes, first. Not where the walk's answer publishes
    too, nor for a question not asking how it is published."""
    stage = [(".github/workflows/pypi-package.yml", 33.5), ("pyproject.toml", 16.6), ("docs/conf.py", 13.6)]
    why = {".github/workflows/pypi-package.yml": ["file#1", "release config", "config asked"],
           "pyproject.toml": ["file#6", "config asked"]}
    asked = "How is the package published to PyPI?"
    assert settle(GATED, [], {}, stage, walked="pyproject.toml", question=asked, why=why)[0][0] == \
        ".github/workflows/pypi-package.yml"
    assert settle(GATED, [], {}, stage, walked="pyproject.toml", question=asked)[0][0] == "pyproject.toml"
    releasing = {**why, "pyproject.toml": ["file#6", "release config"]}
    assert settle(GATED, [], {}, stage, walked="pyproject.toml", question=asked, why=releasing)[0][0] == \
        "pyproject.toml"
    other = "Which build backend does the package use?"
    assert settle(GATED, [], {}, stage, walked="pyproject.toml", question=other, why=why)[0][0] == "pyproject.toml"
    # and the reverse: the walk's publishing workflow stands over a changelog the question names as what the
    # release writes (dayjs's "what triggers a release to npm and which tool … writes CHANGELOG.md?")
    changelog = [("CHANGELOG.md", 20.0), (".github/workflows/release.yml", 15.0)]
    named = {"CHANGELOG.md": ["path#1", "docs asked"], ".github/workflows/release.yml": ["file#2", "release config"]}
    npm = "What triggers a release to npm and which tool bumps the version and writes CHANGELOG.md?"
    assert settle(GATED, [], {}, changelog, walked=".github/workflows/release.yml", question=npm, why=named)[0][0] == \
        ".github/workflows/release.yml"


def test_config_asking_words_from_the_third_reviews() -> None:
    """flock's "how are dependabot updates … grouped and scheduled?" and python-dotenv's "which
    optional extra do I install …?" named no config; Scrutor's "how is the package version number
    determined …? I can't find a Version property anywhere." was read as asking for the code that
    finds a setting."""
    from explore.retrieval.config_asked import names_config

    assert names_config("How are dependabot updates for golang.org/x/sys grouped and scheduled?")
    assert names_config("Which optional extra do I install to get the dotenv command-line tool?")
    assert names_config("How is the package version number determined for a release? I can't find a Version "
                        "property anywhere.")
    assert names_config("Where is the crate version set?")
    assert not names_config("Which function finds the config file?")
    assert not names_config("Where does the loader find the version number in the config file?")


def test_a_page_the_question_calls_by_its_title_words_stands_over_the_walk_s_page() -> None:
    """mustermann's "how do I write my own pattern type with a custom syntax …?" walked to BM25's first,
    docs/patterns/flask.md, over the stage's docs/custom-patterns.md; not a page every project has,
    nor where the walk's page is so named too."""
    stage = [("docs/custom-patterns.md", 15.4), ("docs/patterns/flask.md", 12.6), ("lib/mustermann.rb", 9.0)]
    asked = "How do I write my own pattern type with a custom syntax and register it?"
    assert settle(GATED, [], {}, stage, walked="docs/patterns/flask.md", question=asked)[0][0] == \
        "docs/custom-patterns.md"
    flask = "How do I write a custom pattern in the flask syntax?"
    assert settle(GATED, [], {}, stage, walked="docs/patterns/flask.md", question=flask)[0][0] == \
        "docs/patterns/flask.md"
    from explore.agent.answer import _titled_by

    assert _titled_by(asked, "docs/custom-patterns.md") and not _titled_by(asked, "docs/patterns/flask.md")
    assert not _titled_by("Where is the index of patterns in the readme?", "docs/index.md")
