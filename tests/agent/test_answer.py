"""How `ask` settles its answer: the walk's choice weighed against the candidate stage."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from explore.agent.answer import (ANSWER_FILE, AnswerFileError, AnswerWeights, answer_probs, load_weights,
                                  save_weights, settle)
from explore.agent.bundle import trained_answer
from explore.agent.explorer import Explorer
from explore.agent.reflector import NoReflector
from explore.sandbox.snapshot import Repository

STAGE = [("pkg/retry.py", 9.0), ("pkg/other.py", 4.0), ("docs/retry.md", 3.0)]


def test_policy_alone_answers_what_the_walk_answered() -> None:
    p = {"pkg/other.py": 0.8, "pkg/retry.py": 0.1}
    assert settle(AnswerWeights(), ["pkg/retry.py", "pkg/other.py"], p, STAGE)[0][0] == "pkg/other.py"


def test_the_stage_outweighs_a_doubtful_walk_but_not_a_sure_one() -> None:
    weights = AnswerWeights(policy=1.0, stage=1.0)
    doubtful = {"pkg/other.py": 0.4, "pkg/retry.py": 0.3}
    assert settle(weights, ["pkg/retry.py", "pkg/other.py"], doubtful, STAGE)[0][0] == "pkg/retry.py"
    sure = {"pkg/other.py": 0.999, "pkg/retry.py": 0.0}
    assert settle(weights, ["pkg/retry.py", "pkg/other.py"], sure, STAGE)[0][0] == "pkg/other.py"


def test_unread_files_compete_only_from_the_first_candidates() -> None:
    weights = AnswerWeights(policy=0.0, stage=1.0, candidates=1)
    files = [f for f, _ in settle(weights, ["pkg/other.py"], {"pkg/other.py": 1.0}, STAGE)]
    assert files == ["pkg/retry.py", "pkg/other.py"]  # docs/retry.md is neither read nor first
    assert settle(weights, [], {}, []) == []


def test_bm25_expert_and_read_bonus() -> None:
    bm25 = [("docs/retry.md", 12.0), ("pkg/other.py", 2.0), ("pkg/none.py", 0.0)]
    weights = AnswerWeights(policy=0.0, bm25=1.0)
    ranked = [f for f, _ in settle(weights, [], {}, [], bm25)]
    assert ranked[0] == "docs/retry.md" and "pkg/none.py" not in ranked  # a zero score is no evidence
    bonus = AnswerWeights(policy=0.0, stage=1.0, read=20.0)
    assert settle(bonus, ["pkg/other.py"], {}, STAGE)[0][0] == "pkg/other.py"


def test_code_only_keeps_a_docs_answer_and_weighs_code_among_code() -> None:
    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True)
    assert settle(weights, ["docs/retry.md"], {"docs/retry.md": 1.0}, STAGE, walked="docs/retry.md") == \
        [("docs/retry.md", 0.0)]
    files = [f for f, _ in settle(weights, ["pkg/other.py", "docs/retry.md"], {"pkg/other.py": 1.0}, STAGE,
                                  walked="pkg/other.py")]
    assert files[0] == "pkg/retry.py" and "docs/retry.md" not in files


def test_a_walked_file_of_another_kind_than_the_stages_first_gives_way_where_it_matches_less() -> None:
    """argparse's "how do I pull argparse into my CMake project with FetchContent?" walked to a CI
    workflow running `cmake` (config) and it stood, over the README holding the FetchContent lines,
    first in the stage and in BM25: the walk's answer, of another kind than the stage's first and
    matching the question's words less, gives way to it. Of the same kind, or matching more, it
    stands."""
    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True, intent=True)
    question = "How do I pull argparse into my CMake project with FetchContent?"
    stage = [("README.md", 22.3), (".github/workflows/tidy.yml", 15.3), ("CMakeLists.txt", 14.0)]
    bm25 = [("README.md", 12.0), ("CMakeLists.txt", 8.0), (".github/workflows/tidy.yml", 5.0)]
    walked = ".github/workflows/tidy.yml"
    assert settle(weights, [walked], {walked: 1.0}, stage, bm25, walked=walked, question=question) == \
        [("README.md", 0.0)]
    matching = [("README.md", 4.0), (".github/workflows/tidy.yml", 5.0)]
    assert settle(weights, [walked], {walked: 1.0}, stage, matching, walked=walked, question=question) == \
        [(walked, 0.0)]
    pages = [("README.md", 22.3), ("docs/install.md", 15.3)]
    near = [("README.md", 12.0), ("docs/install.md", 9.0)]
    assert settle(weights, ["docs/install.md"], {"docs/install.md": 1.0}, pages, near, walked="docs/install.md",
                  question=question) == [("docs/install.md", 0.0)]
    # of its own kind, where BM25 puts the stage's first first too and the walk's nowhere near, for a question of
    # six words or more (filelock's "how do I make the lock give up after 10 seconds …?" read concepts.rst, BM25's
    # 10th, over how-to.rst); a short question's BM25 says little, and the walk's page stands
    assert settle(weights, ["docs/install.md"], {"docs/install.md": 1.0}, pages, bm25, walked="docs/install.md",
                  question=question) == [("README.md", 0.0)]
    assert settle(weights, ["docs/install.md"], {"docs/install.md": 1.0}, pages, bm25, walked="docs/install.md",
                  question="Where is install documented?") == [("docs/install.md", 0.0)]
    # of its own kind, where the question names the stage's first and not the walk's (prettytable's "which
    # pre-commit hooks run …?" walked to pyproject.toml's build hooks)
    hooks = "Which pre-commit hooks (ruff, black) run on this repo and where are they configured?"
    configs = [(".pre-commit-config.yaml", 22.4), ("pyproject.toml", 14.1), ("tox.ini", 12.2)]
    assert settle(weights, ["pyproject.toml"], {"pyproject.toml": 1.0}, configs, [("pyproject.toml", 9.0)],
                  walked="pyproject.toml", question=hooks) == [(".pre-commit-config.yaml", 0.0)]


def test_code_only_weighs_a_script_as_code() -> None:
    """dotenv's scripts/build.js, the one file calling esbuild, first by BM25 and second in the
    stage, was no candidate once the walk answered lib/main.js: a script is code too."""
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.5, code_only=True)
    stage = [("lib/main.js", 9.2), ("scripts/build.js", 6.7), ("cli.js", 6.4)]
    bm25 = [("scripts/build.js", 9.5), ("README.md", 7.0), ("lib/main.js", 3.0)]
    files = [f for f, _ in settle(weights, ["lib/main.js"], {"lib/main.js": 1.0}, stage, bm25, walked="lib/main.js",
                                  question="how is the dist/index.cjs bundle built? where is the esbuild config?")]
    assert files[0] == "scripts/build.js" and "README.md" not in files
    # not where a benchmark only repeats the question's words (Humanizer's RomanNumeralBenchmarks.cs came second)
    stage = [("src/RomanNumeralExtensions.cs", 9.0), ("src/Benchmarks/RomanNumeralBenchmarks.cs", 8.0),
             ("src/MetricNumeralExtensions.cs", 6.0)]
    files = [f for f, _ in settle(weights, [], {}, stage, [("src/Benchmarks/RomanNumeralBenchmarks.cs", 9.0)],
                                  walked="src/RomanNumeralExtensions.cs",
                                  question="how does ToRoman convert an integer to a roman numeral?")]
    assert files[0] == "src/RomanNumeralExtensions.cs" and not any("Benchmarks" in f for f in files), files
    # nor where a verb a build script shares with code says "build" (FastRoute's RouteRegistrationBench.php answered)
    from explore.agent.answer import _ASKS_SCRIPT

    assert not _ASKS_SCRIPT.search("how does route registration build the regex for each route?")
    assert _ASKS_SCRIPT.search("which benchmark measures URI generation?") and _ASKS_SCRIPT.search("what does bin/setup do?")
    # a file a tool of the repository writes (urfave/cli's scripts/build.go regenerates godoc-current.txt)
    assert _ASKS_SCRIPT.search("How is godoc-current.txt regenerated and checked?")
    assert not _ASKS_SCRIPT.search("where is a version 4 UUID generated?")
    # and what a repository's tools generate (swift-argument-parser's Tools/generate-manual, first in both rankings)
    assert _ASKS_SCRIPT.search("how is the man page generated for a command?")
    assert not _ASKS_SCRIPT.search("how are ids generated?")


def test_a_walk_to_a_page_the_stage_passes_over_gives_way_to_the_stages_page() -> None:
    """pdoc's "how do I call pdoc from a Python script?" answered CHANGELOG.md, the walk's choice,
    a page the candidate stage lifts only where the question asks what changed."""
    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True)
    stage = [("README.md", 9.0), ("pdoc/__init__.py", 8.0), ("CHANGELOG.md", 3.0)]
    how = "How do I call pdoc from a Python script instead of the command line?"
    assert settle(weights, ["CHANGELOG.md"], {"CHANGELOG.md": 1.0}, stage, walked="CHANGELOG.md",
                  question=how)[0][0] == "README.md"
    changed = "what changed in how pdoc is called from a Python script?"
    assert settle(weights, ["CHANGELOG.md"], {"CHANGELOG.md": 1.0}, stage, walked="CHANGELOG.md",
                  question=changed)[0][0] == "CHANGELOG.md"
    # a question asking for no page is answered with code (multer's, walked to doc/README-ko.md, got README.md)
    stage = [("storage/disk.js", 10.5), ("README.md", 9.0), ("doc/README-ko.md", 4.0)]
    where = "where is the destination folder for disk storage created?"
    assert settle(weights, ["doc/README-ko.md"], {"doc/README-ko.md": 1.0}, stage, walked="doc/README-ko.md",
                  question=where)[0][0] == "storage/disk.js"


def test_a_page_the_question_names_is_weighed_though_no_walk_ran() -> None:
    """gotests' "what does CLAUDE.md say about running tests?" answered a testdata file: the
    page named was filtered out with every file that is not code."""
    weights = AnswerWeights(policy=0.0, stage=1.0, bm25=1.0, code_only=True)
    stage = [("internal/ai/provider.go", 6.6), ("CLAUDE.md", 6.2), ("testdata/goldens/x.go", 5.9)]
    bm25 = [("CLAUDE.md", 9.0), ("testdata/goldens/x.go", 8.0)]
    asked = "what does CLAUDE.md say about running tests?"
    assert settle(weights, [], {}, stage, bm25, question=asked)[0][0] == "CLAUDE.md"
    assert "CLAUDE.md" not in [f for f, _ in settle(weights, [], {}, stage, bm25, question="how are tests run?")]


def test_an_example_asked_for_is_weighed_with_the_code() -> None:
    """websocket's "how does the chat example broadcast …?" answered client.go, the library's
    dialer: an example is weighed where the question asks for one — not "for example"."""
    from explore.agent.answer import _ASKS_EXAMPLE

    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True)
    stage = [("examples/chat/hub.go", 9.0), ("client.go", 8.0), ("server.go", 7.0)]
    asked = "How does the chat example broadcast a message to all connected clients?"
    assert settle(weights, [], {}, stage, question=asked)[0][0] == "examples/chat/hub.go"
    said = "Writes fail after close, for example when a client broadcasts to all connected clients"
    assert settle(weights, [], {}, stage, question=said)[0][0] == "client.go"
    assert not _ASKS_EXAMPLE.search("see http://example.com/x") and _ASKS_EXAMPLE.search("is there a demo app?")
    # "the example" the user's own input is: toml's "what happens when a key in the example is quoted?" answered _example/
    assert not _ASKS_EXAMPLE.search('what happens when a key in the example is quoted like "a.b"?')


def test_a_how_do_i_question_keeps_a_header_that_documents_the_api() -> None:
    """zlib's "how do I compress a buffer in one call?": the walk read zlib.h (the library's
    documented API) and `ask` answered the DEFLATE RFC, the stage's first page; jansson.h,
    declarations alone, gives way to its reference manual."""
    from explore.retrieval.file_kinds import documents_api

    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True)
    stage = [("doc/rfc1951.txt", 10.7), ("compress.c", 10.5), ("zlib.h", 9.0)]
    question = "How do I compress a buffer in memory with a single call?"
    zlib_h = "/* zlib.h -- interface */\n" + "/*\n     compress() compresses the source buffer.\n*/\n" * 20 + \
        "ZEXTERN int ZEXPORT compress(Bytef *dest, uLongf *destLen);\n"
    jansson_h = "#ifndef JANSSON_H\n#define JANSSON_H\n/* types */\n" + "json_t *json_integer(json_int_t value);\n" * 30
    assert documents_api("zlib.h", zlib_h) and not documents_api("src/jansson.h", jansson_h)
    assert not documents_api("compress.c", zlib_h)  # a source file is no header
    files = [f for f, _ in settle(weights, ["zlib.h"], {"zlib.h": 1.0}, stage, walked="zlib.h", question=question,
                                  documented=True)]
    assert files == ["zlib.h"]
    # a header of declarations, or code, gives way to the page asked for
    for walked in ("zlib.h", "compress.c"):
        assert settle(weights, [walked], {walked: 1.0}, stage, walked=walked, question=question)[0][0] == "doc/rfc1951.txt"


def test_a_file_the_question_names_is_no_answer_the_intent_gate_takes_away() -> None:
    """glom's "what does docs/make.bat do?": the walk read and answered the file named, and the
    gate took it away for the stage's best page (the question says "docs" and asks no config)."""
    from explore.agent.answer import off_topic
    from explore.retrieval.config_asked import names_file

    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True, intent=True)
    stage = [("docs/index.rst", 9.0), ("src/app.py", 5.0)]
    question = "what does build.ps1 do before publishing?"
    assert names_file(question, "build.ps1") and not off_topic(weights, "build.ps1", question)
    assert settle(weights, ["build.ps1"], {"build.ps1": 1.0}, stage, walked="build.ps1",
                  question=question)[0][0] == "build.ps1"
    assert off_topic(weights, "build.ps1", "what happens before publishing?")  # not named: the gate stands
    assert names_file("where is docs/conf.py read?", "docs/conf.py") and not names_file("is the setup done?", "setup.py")
    assert not names_file("what does rebuild.ps1x do?", "build.ps1")


def test_answer_probs_reads_the_answer_actions() -> None:
    assert answer_probs(["read a.py", "answer a.py", "cd x/", "answer b/c.md"], [0.1, 0.6, 0.1, 0.2]) == \
        {"a.py": 0.6, "b/c.md": 0.2}


def test_weights_file_round_trip_and_bad_files(tmp_path: Path) -> None:
    assert load_weights(tmp_path) is None
    saved = AnswerWeights(policy=0.5, stage=2.0, bm25=0.25, read=-1.0, code_only=True, fit={"n": 3})
    save_weights(saved, tmp_path)
    assert load_weights(tmp_path) == saved
    (tmp_path / "policy").mkdir()
    assert trained_answer({"policy": str(tmp_path / "policy")}) == saved and trained_answer({}) is None
    for text, why in (("{not json", "not an answer"), ('{"stage": 1, "temperature": 2}', "temperature"),
                      ('{"stage": -1}', "negative"), ('{"stage": "x"}', "number"), ("[1]", "object"),
                      ('{"candidates": 1.5}', "whole number"), ('{"code_only": "yes"}', "true or false")):
        (tmp_path / ANSWER_FILE).write_text(text)
        with pytest.raises(AnswerFileError, match=why):
            load_weights(tmp_path)


def test_a_statement_is_settled_by_its_own_weights(tmp_path: Path) -> None:
    """A commit message or bug report is weighed by ``statements``; a question (or a few
    search words) by the main weights."""
    stage = [("pkg/retry.py", 5.0), ("pkg/other.py", 4.8)]
    bm25 = [("pkg/other.py", 9.0), ("pkg/retry.py", 1.0)]
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.5, code_only=True, intent=True,
                            statements=AnswerWeights(policy=0.0, stage=1.0, code_only=True, intent=True))
    statement = "Retry uploads with a jittered back-off when the server answers 503"
    for text, first in (("Where is the upload retried?", "pkg/other.py"), ("upload retry", "pkg/other.py"),
                        (statement, "pkg/retry.py"), (statement + "\n\nSee the traceback below.", "pkg/retry.py")):
        assert settle(weights, [], {}, stage, bm25, None, text)[0][0] == first, text
    save_weights(weights, tmp_path)
    assert "statements" not in json.loads((tmp_path / ANSWER_FILE).read_text())["statements"]
    assert load_weights(tmp_path) == weights
    save_weights(AnswerWeights(stage=1.0), tmp_path)  # none: the key is left out, and a question's weights settle all
    assert "statements" not in json.loads((tmp_path / ANSWER_FILE).read_text())
    for text, why in (('{"statements": 3}', "not a JSON object"), ('{"statements": {"statements": {}}}', "statements"),
                      ('{"statements": {"stage": -1}}', "negative"), ('{"statements": {"temperature": 1}}', "temperature")):
        (tmp_path / ANSWER_FILE).write_text(text)
        with pytest.raises(AnswerFileError, match=why):
            load_weights(tmp_path)


QUESTION = "where is the upload retry back-off computed? compute_backoff"


def test_ask_weighs_the_walk_against_the_stage_and_says_so(repo: Repository, script) -> None:
    moves = ("cd pkg/", "cd net/", "read other.py", "answer pkg/net/other.py")
    plain = Explorer(repo, policy=script(*moves), reflector=NoReflector())
    as_walked = plain.ask(QUESTION)
    assert as_walked.files[0] == "pkg/net/other.py" and not any("outweighs" in n for n in as_walked.notes)
    assert as_walked.weighed["walk"] == "pkg/net/other.py" and as_walked.weighed["answer_p"] == {"pkg/net/other.py": 1.0}

    weighed = Explorer(repo, policy=script(*moves), reflector=NoReflector(), weigh=AnswerWeights(policy=0.0, stage=1.0))
    # under these weights the walk cannot change the answer, so `auto` would not walk
    assert weighed.ask(QUESTION).weighed["walked"] is False
    answer = weighed.ask(QUESTION, walk="always")
    assert answer.files[0] == "pkg/net/retry.py" and answer.evidence[0].path == "pkg/net/retry.py"
    assert "pkg/net/other.py" in answer.files[1:] and answer.finished
    assert any("walk answered pkg/net/other.py" in n for n in answer.notes)
    assert answer.weighed["stage"][0][0] == "pkg/net/retry.py"
    json.dumps(answer.to_dict())


def test_ask_reads_the_weights_from_the_bundle(repo: Repository, tmp_path: Path, script) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "policy").mkdir(parents=True)
    save_weights(AnswerWeights(policy=0.0, stage=1.0, code_only=True), bundle)
    docs = Explorer(repo, policy=script("cd docs/", "read install.md", "answer docs/install.md"), reflector=NoReflector(),
                    adapters={"policy": bundle / "policy"})
    assert docs.weigh is not None and docs.weigh.code_only
    assert docs.ask(QUESTION).files[0] == "docs/install.md"  # a docs answer is not the stage's to judge
    code = Explorer(repo, policy=script("cd pkg/", "cd net/", "read other.py", "answer pkg/net/other.py"),
                    reflector=NoReflector(), adapters={"policy": bundle / "policy"})
    assert code.ask(QUESTION).files[0] == "pkg/net/retry.py"


def test_a_release_question_keeps_the_release_guide_and_a_gitignore_answers_no_config_question() -> None:
    """pflag's "how is a new release published?" ranked RELEASING.md first, then settling kept
    code alone (the walk had read int8.go) and answered flag.go; tomlkit's "what minimum test
    coverage is required?", walked to `.gitignore`, was answered with it: a config question's
    answer, though `.gitignore` answers only questions about what git ignores."""
    weights = AnswerWeights(policy=0.0, stage=1.0, code_only=True, intent=True)
    stage = [("RELEASING.md", 19.6), ("flag.go", 8.3), ("int8.go", 5.0)]
    assert settle(weights, ["int8.go"], {"int8.go": 1.0}, stage, walked="int8.go",
                  question="how is a new release published?")[0][0] == "RELEASING.md"
    assert settle(weights, ["int8.go"], {"int8.go": 1.0}, stage, walked="int8.go",
                  question="how is a new flag published?")[0][0] == "flag.go"
    stage = [("pyproject.toml", 13.7), ("tomlkit/items.py", 9.0), (".gitignore", 5.0)]
    coverage = "what minimum test coverage is required?"
    assert settle(weights, [".gitignore"], {".gitignore": 1.0}, stage, walked=".gitignore",
                  question=coverage)[0][0] != ".gitignore"
    # an editor's settings asked for in words (ofetch's "what end of line and charset does the editor config
    # enforce?" was overruled for eslint.config.mjs)
    editor = [(".editorconfig", 9.0), ("eslint.config.mjs", 8.0)]
    assert settle(weights, [".editorconfig"], {".editorconfig": 1.0}, editor, walked=".editorconfig",
                  question="what end of line and charset does the editor config enforce?")[0][0] == ".editorconfig"
    ignored = "which build folders does the .gitignore leave out?"
    assert settle(weights, [".gitignore"], {".gitignore": 1.0}, stage, walked=".gitignore",
                  question=ignored)[0][0] == ".gitignore"


def test_how_do_i_alone_keeps_the_walks_code_where_bm25_ranks_the_page_below_it() -> None:
    """chi's "how do I limit the number of concurrent requests …?": the walk and BM25 had
    middleware/throttle.go first, and `ask` answered CONTRIBUTING.md (23rd by its words), the
    stage's first page by the docs lift every page takes when a question says "how do I". A
    page BM25 ranks above the walk's code, or a question asking for pages in so many words,
    still takes the page."""
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True)  # as shipped
    stage = [("CONTRIBUTING.md", 10.0), ("middleware/throttle.go", 9.5), ("README.md", 9.0)]
    bm25 = [("middleware/throttle.go", 12.0), ("middleware/timeout.go", 8.0), ("CONTRIBUTING.md", 1.0)]
    question = "How do I limit the number of concurrent requests and return 503 when the backlog is full?"
    walked = "middleware/throttle.go"
    files = [f for f, _ in settle(weights, [walked], {walked: 1.0}, stage, bm25, walked=walked, question=question)]
    assert files[0] == walked
    ahead = [("CONTRIBUTING.md", 13.0), *bm25[:2]]
    assert settle(weights, [walked], {walked: 1.0}, stage, ahead, walked=walked, question=question)[0][0] \
        == "CONTRIBUTING.md"
    asked = "Which page documents how to limit the number of concurrent requests?"
    assert settle(weights, [walked], {walked: 1.0}, stage, bm25, walked=walked, question=asked)[0][0] \
        == "CONTRIBUTING.md"


def test_upgrading_between_versions_is_answered_by_the_guide_the_stage_offers() -> None:
    """http's "which page documents the breaking changes when upgrading from 5.x to 6.0?": the
    walk answered README.md (which says "see UPGRADING.md") and the walk's page stood, the
    stage's first file, UPGRADING.md, passed over."""
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    stage = [("UPGRADING.md", 15.2), ("README.md", 10.4), ("CHANGELOG.md", 9.0)]
    question = "Which page documents the breaking changes when upgrading from 5.x to 6.0?"
    assert settle(weights, ["README.md"], {}, stage, walked="README.md", question=question)[0][0] == "UPGRADING.md"
    # a walk to a guide stands, and a page asked for otherwise is the walk's
    assert settle(weights, [], {}, stage[::-1], walked="UPGRADING.md", question=question)[0][0] == "UPGRADING.md"
    other = "Which page documents the timeout options?"
    assert settle(weights, ["README.md"], {}, stage, walked="README.md", question=other)[0][0] == "README.md"
    # breaking changes, a guide by that name (NSubstitute's "… breaking changes in NSubstitute 6.0?" answered Substitute.cs)
    broken = [("src/Substitute.cs", 9.0), ("BreakingChanges.md", 8.0)]
    assert settle(weights, [], {}, broken, walked="src/Substitute.cs",
                  question="What are the breaking changes in NSubstitute 6.0?")[0][0] == "BreakingChanges.md"


def test_a_walk_to_a_script_gives_way_where_a_page_is_asked_for_and_a_build_script_is_a_script() -> None:
    """jmespath's "which page lists what changed in each release?" walked to scripts/release, which
    stood as "the kind of file the question asks for"; node-glob's scripts/build.sh (a build file,
    so config) was filtered out of "how is the minified bundle produced during the build?", which
    asks for scripts."""
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    stage = [("scripts/release", 9.0), ("README.rst", 8.0), ("CHANGELOG.rst", 7.5)]
    asked = "Which page lists what changed in each release?"
    assert settle(weights, ["scripts/release"], {}, stage, walked="scripts/release", question=asked)[0][0] == "README.rst"
    assert settle(weights, ["scripts/release"], {}, stage, walked="scripts/release",
                  question="Which script makes a release?")[0][0] == "scripts/release"
    stage = [("src/index.ts", 9.0), ("benchmark.sh", 8.5), ("scripts/build.sh", 6.0)]
    bm25 = [("scripts/build.sh", 9.0), ("src/index.ts", 3.0)]
    files = [f for f, _ in settle(weights, [], {}, stage, bm25, walked="src/index.ts",
                                  question="How is the minified dist/esm/index.min.js bundle produced during the build?")]
    assert "scripts/build.sh" in files, files


def test_a_walks_page_gives_way_to_an_example_asked_for_only_where_the_stage_offers_one() -> None:
    """chi's "where is the example that shows how to serve static files from a folder?" walked to
    README.md, which stood as the page "how to" asks for, over _examples/fileserver/main.go; co
    has no examples folder, its examples are in its Readme.md, and the walk's page stands there
    (the regression review: a first version read "shows how to" as asking for no page at all)."""
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    question = "Where is the example that shows how to serve static files from a folder?"
    stage = [("tree.go", 9.0), ("_examples/README.md", 8.5), ("_examples/fileserver/main.go", 8.0)]
    assert settle(weights, ["README.md"], {}, stage, walked="README.md", question=question)[0][0] \
        == "_examples/fileserver/main.go"
    co = [("index.js", 9.0), ("Readme.md", 8.0), ("History.md", 7.0)]
    asked = "where is the example that shows how to wrap a generator with co.wrap?"
    assert settle(weights, ["Readme.md"], {}, co, walked="Readme.md", question=asked)[0][0] == "Readme.md"


def test_an_issue_forms_yaml_the_walk_answers_stands_for_a_yaml_question() -> None:
    """nox's "which YAML file sets `labels`?" walked to .github/ISSUE_TEMPLATE/bug.yml (data: an
    issue form) and lost it to .pre-commit-config.yaml once a walk's data answer gave way where
    config is asked for; only a script or an example gives way."""
    weights = AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True)
    walked = ".github/ISSUE_TEMPLATE/bug.yml"
    stage = [(".pre-commit-config.yaml", 9.0), (walked, 8.0)]
    assert settle(weights, [walked], {}, stage, walked=walked, question="Which YAML file sets `labels`?")[0][0] == walked
