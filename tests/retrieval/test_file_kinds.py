"""What a file is by its name or text, and whether a question asks for it (retrieval/file_kinds.py).

The stage's and the answer's behaviour with these kinds is tested through them
(tests/retrieval/test_retriever.py, tests/agent/test_answer.py); here each reading on its own.
"""
from __future__ import annotations

import pytest

from explore.retrieval.file_kinds import (asks_declarations, asks_implementation, asks_license, asks_media_file,
                                          declares_only, is_autodoc_stub, is_contributor_form, is_declarations,
                                          is_license, is_media, is_policy_page, is_release_guide, is_translated_page,
                                          not_asked_about, passed_over)


@pytest.mark.parametrize(("path", "licence"), [
    ("LICENSE", True), ("LICENSE-APACHE", True), ("COPYING.txt", True), ("NOTICE", True), ("docs/license.md", True),
    ("src/licensing.py", False), ("README.md", False)])
def test_a_licence_is_read_by_its_name(path: str, licence: bool) -> None:
    assert is_license(path) is licence


def test_a_licence_is_asked_for_by_its_words_only() -> None:
    assert asks_license("which licence is the project under?")
    assert asks_license("is this MIT or Apache-2.0?")
    assert not asks_license("where is the retry back-off computed?")


def test_an_image_is_answered_only_where_asked_for() -> None:
    assert is_media("docs/logo.PNG") and is_media("fonts/x.woff2") and not is_media("src/image.py")
    assert asks_media_file("where is the hexyl logo image?", "doc/logo.svg")  # a vector image too
    assert asks_media_file("which file is bear.png?", "examples/bear.png")  # by its whole name
    assert not asks_media_file("examples: fix prettier / lint", "examples/demo/src/resources/bear.png")
    assert not asks_media_file("where is the logo drawn?", "src/logo.py")  # code is no image


def test_declarations_and_what_asks_for_them() -> None:
    assert declares_only("types/index.d.ts") and declares_only("pkg/mod.pyi") and declares_only("sig/a.rbs")
    assert not declares_only("src/index.ts")
    assert is_declarations("include/foo.h") and is_declarations("index.d.mts") and not is_declarations("src/foo.c")
    assert asks_declarations("which type stub declares parse?") and asks_declarations("is it in the .d.ts?")
    assert not asks_declarations("where is parse defined?")


def test_asking_how_something_is_done_is_not_asking_for_declarations() -> None:
    assert asks_implementation("where is the number parsing implemented?")
    assert asks_implementation("why does printing a double give 1e+300?")
    assert not asks_implementation("which header declares cJSON_Parse?")
    assert not asks_implementation("where is cJSON_Parse defined?")
    assert not asks_implementation("Fix number parsing when the exponent is negative")  # a statement


def test_policies_forms_and_release_guides_by_where_github_reads_them() -> None:
    assert is_policy_page("SECURITY.md") and is_policy_page(".github/CODE_OF_CONDUCT.md")
    assert not is_policy_page("docs/2.x/security.md")  # a guide to safe options
    assert is_contributor_form(".github/ISSUE_TEMPLATE/bug.yml") and is_contributor_form("pull_request_template.md")
    assert not is_contributor_form("docs/templates.md")
    assert is_release_guide("RELEASING.md") and not is_release_guide("scripts/release.py")


def test_a_translated_page_is_passed_over_unless_its_language_is_asked_for() -> None:
    assert is_translated_page("README_KO.md") and is_translated_page("docs/ja/guide.md")
    assert not is_translated_page("src/ja/parser.py") and not is_translated_page("README.md")
    assert passed_over("README_KO.md", "how do I validate an email?")
    assert not passed_over("README_KO.md", "is there a Korean README?")
    assert passed_over("docs/es/README.md", "is there a Korean README?")  # that language only
    assert not passed_over("README.md", "how do I validate an email?")


def test_changelogs_and_assistants_notes_are_passed_over_unless_asked_for() -> None:
    assert passed_over("CHANGELOG.md", "how can I change the log level at runtime?")
    assert not passed_over("CHANGELOG.md", "what changed in 2.0?")
    assert passed_over("CLAUDE.md", "where is the notblank validator registered?")
    assert not passed_over("CLAUDE.md", "what do the notes for Claude say?")
    assert not passed_over("src/changes.py", "how can I change the log level at runtime?")  # code, never passed over


def test_a_gitignore_answers_only_questions_about_ignoring() -> None:
    assert not_asked_about(".gitignore", "how is a new release published?")
    assert not not_asked_about(".gitignore", "which files does git ignore?")
    assert not not_asked_about(".gitignore", "what does .gitignore hold?")  # named
    assert not not_asked_about("setup.cfg", "how is a new release published?")


def test_an_autodoc_stub_is_directives_and_nearly_no_words() -> None:
    assert is_autodoc_stub("tz\n==\n\n.. autofunction:: gettz\n\n.. autoclass:: tzutc\n   :members:\n")
    words = " ".join(["word"] * 40)
    assert not is_autodoc_stub(f"tz\n==\n\n{words}\n\n.. autofunction:: gettz\n")
    assert not is_autodoc_stub("Guide\n=====\n\nNo directive here.\n")
