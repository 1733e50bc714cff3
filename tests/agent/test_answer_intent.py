"""A walk's docs or config answer stands only when the question asks for that kind of file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from explore.agent.answer import ANSWER_FILE, AnswerFileError, AnswerWeights, asks_for, load_weights, settle

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


def test_examples_scripts_and_source_under_docs_stand() -> None:
    """The gate is for prose and settings: an example, a script or a ``.py`` file under
    ``docs/`` is code, and a walk that answered one keeps it whatever was asked."""
    bug = "Fix crash in retry when the server closes the connection"
    for walked in ("examples/retry_demo.py", "scripts/release.py", "docs/source/retry-example.py", "docs/conf.py"):
        assert settle(GATED, [walked], {walked: 1.0}, STAGE, walked=walked, question=bug) == [(walked, 0.0)]


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
    answer = Explorer(repo, policy=script(*walk), reflector=NoReflector(), weigh=GATED).ask(bug)
    assert answer.weighed["walk"] == "docs/install.md"
    assert answer.files[0] == "pkg/net/retry.py" and answer.evidence[0].path == "pkg/net/retry.py"
    assert any("walk answered docs/install.md, a docs file, but the question asks about behaviour" in n
               for n in answer.notes)
    asked = Explorer(repo, policy=script(*walk), reflector=NoReflector(), weigh=GATED).ask(
        "Where are the install steps documented?")
    assert asked.files[0] == "docs/install.md"


def test_off_topic_is_the_one_place_the_gate_is_decided() -> None:
    from explore.agent.answer import off_topic

    bug = "Fix crash in retry when the server closes the connection"
    assert off_topic(GATED, "docs/retry.md", bug) and off_topic(GATED, "pyproject.toml", bug)
    assert not off_topic(GATED, "docs/retry.md", "Where is retrying documented?")
    assert not off_topic(GATED, "docs/conf.py", bug) and not off_topic(GATED, "pkg/retry.py", bug)
    assert not off_topic(GATED, None, bug)
    assert not off_topic(AnswerWeights(policy=0.0, stage=0.5, code_only=True), "docs/retry.md", bug)
