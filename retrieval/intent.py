"""What a question asks for, read from its words: whether it asks for a docs page or a config
file rather than code, an example, a benchmark, a grammar or an upgrade guide, and whether it
asks where a name is defined or an error raised.

Shared by the candidate stage (a question asking for documentation ranks docs pages as
candidates for it) and by how ``ask`` settles its answer (:mod:`explore.agent.answer`'s
intent gate), so both read a question the same way. Plain regular expressions: nothing here
loads a model. How a question is put (a statement or a question) is read in
:mod:`.question_form`; the config files and tools it names in :mod:`.config_asked`; the
versions it asks for in :mod:`.versions_asked`; the tests in :mod:`.tests_asked`.
"""
from __future__ import annotations

import re

from .config_asked import names_config
from .question_form import is_bare_name, is_statement

#: "How do I …": a page may answer it, or the code it asks how to use (:func:`asks_how_to_only`).
_HOW_TO = (r"how (do|can|should) (i|we|you)|is there a way to|is it possible to|"  # (rq's "is there a way to …")
           # (not what the code decides: swift-custom-dump's "where does customDump decide how to print a value?"
           # took the docs lift)
           r"(?<!decide )(?<!decides )(?<!deciding )(?<!determine )(?<!determines )(?<!knows )(?<!know )"
           r"(?<!choose )(?<!chooses )(?<!figures out )how to")
#: Upgrading between versions, which a guide answers (:func:`asks_upgrade_guide`).
_UPGRADE = (r"(upgrad(e|ing)|migrat(e|ing|ion)) (from|to) ([\w./-]+ )?(v(ersion)?\s?)?\d|(upgrade|migration) guide|"
            # NSubstitute's "what are the breaking changes in NSubstitute 6.0?" answered Substitute.cs
            r"breaking changes?")
#: How a question asks for a file that is not code, by the file's kind (sandbox.outline.file_kind).
#: Written from how people ask for these files: a question without any of these words asks
#: about behaviour, and behaviour lives in code.
_ASKS_FOR = {
    "docs": re.compile(
        r"\b(document(s|ed|ation)?|docs?|readme|guides?|tutorials?|manual|changelog|release notes|faq|what'?s new|"
        r"what changed|changes in (v|version)|"
        # the release that did it: a changelog's entry (go-retryablehttp's "which release fixed leaking basic auth
        # credentials …?" answered client.go, its CHANGELOG.md 5th)
        r"(which|what) (release|version) (first )?(fixed|added|introduced|changed|removed|deprecated|dropped|broke)|"
        r"(in|since) (which|what) (release|version) (was|were|did|is|are|has|have)|"
        r"read about|where can i read|explain(s|ed)?|" + _HOW_TO + "|"
        # a project's policy, which a page states (bottle's "how are version numbers and release branches managed?
        # can I rely on semver?" answered bottle.py, its docs/development.rst 2nd)
        r"semver|semantic versioning|versioning (policy|scheme|rules)|release (branches|cycle|schedule|policy)|"
        r"(deprecation|support|backport(ing)?|maintenance|lts|compatibility) (policy|policies|guarantees?)|"
        # the guide to a new major version (guzzle's UPGRADING.md ranked 16th for "… when upgrading from 6 to 7?")
        + _UPGRADE + "|"
        # "which page covers the documents API?" (nedb's, once "documents" there was read as the stored thing)
        # and "which page shows an example of …" (httparse's README usage, 13th)
        r"(pages?|sections?) (that |which )?(covers?|describes?|explains?|mentions?|talks about|tells|shows?|lists?|"
        # (nimble_options' "which page says in which release … were added?" asked for code)
        r"gives?|has|contains?|documents?|specif(?:y|ies)|defines?|says?))\b", re.I),
    "config": re.compile(
        r"\b(config(s|ure[sd]?|uration)?|settings?|pyproject(\.toml)?|setup\.(cfg|py)|tox(\.ini)?|"
        r"requirements?|dependenc(y|ies)|declared?|extras|python versions?|version number|ci|workflows?|"
        r"pre-commit|lint(er|ing)?|(es|ts|style)lint|golangci(-lint)?|clippy|biome|clang-(tidy|format)|manifest|build backend|distribution name|npm|environments|"
        # a settings format named ("the travis yaml", "which yml runs …"); JSON only as a file's ("the json
        # config", "which json file"), not the data a library reads (jansson's "how do I load JSON from a
        # file?" walked to CMakeLists.txt)
        r"installing|container image|editor|yaml|yml|toml|ini|cfg|json( config\w*| settings?| manifests?)|"
        r"(which|what|the) json files?|\.json)\b", re.I),
}
#: The kinds of file other than code a question can ask for.
ASKED_KINDS = frozenset(_ASKS_FOR)
#: An example asked for: "is there an example that …", "the chat example", "a sample app".
ASKS_EXAMPLE = re.compile(r"\b(?:is there|are there|show me|give me|where is|where are|which|find)\b[^?\n]{0,30}\b"
                          # (a notebook too: transitions' "which notebook demonstrates …?" answered its code)
                          r"(?:examples?|samples?|demos?|tutorials?|notebooks?)\b|"
                          r"\b(?:examples?|samples?|demos?) (?:of|for|that|"
                          r"showing|using|program|app|project|code)\b|\bthe [\w-]+ (?:example|demo|sample)\b|"
                          r"\bexamples?/",
                          re.I)


def asks_example(question: str) -> bool:
    """Whether ``question`` asks for an example file (:data:`ASKS_EXAMPLE`), not a tutorial's
    page ("where is tutorial documented?" lifted trio's docs/source/tutorial/*.py over the page),
    nor a name in code ("which file defines `Example.lookupProcedure`?" lifted twisted's examples)."""
    prose = re.sub(r"`[^`\n]*`|\b\w+(?:\.|::)\w+", " ", question)
    return any("tutorial" not in m.group(0).lower() for m in ASKS_EXAMPLE.finditer(prose))


#: A question asking for a benchmark ("where is the benchmark for the middleware chain?").
_ASKS_BENCHMARK = re.compile(r"\b(?:benchmarks?|benches)\b", re.I)


def asks_benchmark(question: str) -> bool:
    """Whether ``question`` asks for a benchmark (never a statement: a commit's "speed up the
    parser benchmark" asks for the code it changed)."""
    return _ASKS_BENCHMARK.search(question) is not None and not is_statement(question)


#: A question asking where a name is defined (``ask`` walks these: an example or a script may
#: define it).
_DEFINITION = re.compile(r"\b(defined|defines|implemented|declared|declares|definition of)\b", re.I)


#: A question asking for a language's grammar: the file a parser generator reads.
_ASKS_GRAMMAR = re.compile(r"\b(grammars?|bnf|ebnf|yacc|bison|antlr|production rules?|parser rules?)\b", re.I)
#: What parser generators read: yacc/Bison, ANTLR, Lark, PEG, pest, Jison, nearley, pegen.
GRAMMAR_SUFFIXES = frozenset({".y", ".yy", ".g4", ".lark", ".peg", ".pest", ".ebnf", ".bnf", ".jison", ".ne", ".gram",
                              ".yrl", ".mly", ".jj", ".lalrpop"})


def asks_for_grammar(question: str) -> bool:
    """Whether ``question`` asks for a grammar (jq's "where is the grammar of the jq language
    defined?" ranked parser.y 26th: the word is in no line of it); never a statement."""
    return _ASKS_GRAMMAR.search(question) is not None and not is_statement(question)


#: A question asking where an error is raised, not where it is defined: "where is the
#: TooManyRedirectsException thrown?" (guzzle's answered the seven-line class that defines it).
_ASKS_RAISED = re.compile(r"\b(?:where|which (?:file|module|function|method|class|code))\b[^?\n]{0,80}?"
                          r"\b(?:thrown|raised|throws|raises|throw|raise)\b", re.I)
#: A line that raises or throws (``raise X(``, ``throw new X(``, ``panic(``, ``Err(X::…``).
RAISING_LINE = re.compile(r"\b(?:raise|throw|throws|panic!?|Err)\b")


def asks_where_raised(question: str) -> bool:
    """Whether ``question`` asks where an error is raised or thrown; never a statement, nor "where
    does X do Y" with an error thrown somewhere in Y (ky's "where does ky decide whether a
    TypeError thrown by fetch is a network error?" lifted every file throwing a TypeError)."""
    found = _ASKS_RAISED.search(question)
    if found is None or is_statement(question):
        return False
    return not (_WHERE_DOES.search(found.group(0)) and _PARTICIPLE.search(found.group(0))
                and not _PASSIVE.search(found.group(0)))


#: "Where does X …": its own verb is what it asks about.
_WHERE_DOES = re.compile(r"\bwhere\s+(?:does|do|did)\b", re.I)
#: The raising words as a participle ("a TypeError thrown by fetch"), and as the passive a
#: "where does it get thrown?" asks with.
_PARTICIPLE = re.compile(r"\b(?:thrown|raised)$", re.I)
_PASSIVE = re.compile(r"\b(?:get|gets|got|be|been|being)\s+(?:thrown|raised)$", re.I)


def asks_definition(question: str) -> bool:
    """Whether ``question`` asks where a name is defined (never a statement); a code name
    alone, as typed into grep, asks so too."""
    return (_DEFINITION.search(_PASTED_MESSAGE.sub(" ", question)) is not None and not is_statement(question)) \
        or is_bare_name(question)


#: A message a question pastes, whose words are the program's, not the user's asking: after an error's name
#: to the sentence's end, or quoted (highline's "raises NameError: :bright_orange is not a defined Style. Which
#: color names are allowed?" asked where a name is defined, and lifted the file defining `HighLine.color`).
_PASTED_MESSAGE = re.compile(r"\b[\w.:]*(?:Error|Exception|Warning)\b:[^\S\n]+[^\n]*?(?=[.!?][^\S\n]+[A-Z]|\?|$)|"
                             r"\"[^\"\n]{8,}\"", re.M)


#: A page asked for by the word, its subject whatever it names ("which documentation page explains … a value
#: in the TOML file?": toml11's CMake files and workflows took the config lift the TOML file gave; byteorder's
#: "which document describes the minimum supported Rust version policy?" answered Cargo.toml).
_WHICH_PAGE = re.compile(r"\b(?:which|what)\s+(?:(?:documentation|docs?|readme|wiki|help)\s+)?(?:pages?|sections?|"
                         r"guides?|tutorials?|chapters?|articles?|documents?)\b", re.I)


def asks_for_page(question: str) -> bool:
    """Whether ``question`` asks which page (section, guide) answers it: a page, whatever config it names."""
    return _WHICH_PAGE.search(question) is not None and not is_statement(question)


def asks_for(question: str, kind: str) -> bool:
    """Whether ``question`` asks for a file of ``kind`` other than code (always for code).

    A statement (:func:`.question_form.is_statement`) asks for code whatever words it uses: a commit
    message or bug report that says *settings*, *CI* or *dependencies* describes
    behaviour (a writer's settings, a test run), and on the training projects' recorded
    walks a docs or config file answering such a text was never the file that changed
    (``benchmarks/fit_answer.py``'s records: 6 more of 540 commit messages right, no
    generated question changed; the generated questions are all put as questions)."""
    if kind == "code":
        return True
    if kind == "config" and names_config(question):  # go.mod, Cargo.toml, "which Go version …": none of the words below
        return True
    pattern = _ASKS_FOR.get(kind)
    text = _CODE_SPAN.sub(" ", question)
    if kind == "docs":
        text = _DOCUMENT_NOUN.sub(" ", text)
    return pattern is not None and pattern.search(text) is not None and not is_statement(question)


def asks_upgrade_guide(question: str) -> bool:
    """Whether ``question`` asks how to upgrade between versions (a guide answers it)."""
    return _UPGRADE_ASKED.search(question) is not None and not is_statement(question)


#: :data:`_UPGRADE` as a question writes it.
_UPGRADE_ASKED = re.compile(r"\b(?:" + _UPGRADE + r")\b", re.I)
#: A guide to upgrading by its name: UPGRADING.md, MIGRATION.md, docs/upgrading/3-to-4.rst, migration-v8.md.
UPGRADE_GUIDE = re.compile(r"(?:^|/)[^/]*(?:upgrad|migrat|breaking)[^/]*$|(?:^|/)(?:upgrad\w*|migrat\w*)/", re.I)


def asks_how_to_only(question: str) -> bool:
    """Whether ``question`` asks for docs (:func:`asks_for`) only as "how do I …" does: a page
    answers it where one speaks of what it asks, else the code it asks how to use (http's "how do
    I log every request?" answered a README holding no "log", chi's "how do I limit concurrent
    requests?" a CONTRIBUTING.md 23rd by its words, over the walk's throttle.go)."""
    text = _DOCUMENT_NOUN.sub(" ", _CODE_SPAN.sub(" ", question))
    return asks_for(question, "docs") and _ASKS_FOR["docs"].search(_HOW_TO_WORDS.sub(" ", text)) is None


#: The words of :data:`_HOW_TO`, taken out of a question to see whether it asks for docs otherwise.
_HOW_TO_WORDS = re.compile(r"\b(?:" + _HOW_TO + r")\b", re.I)


#: "document(s)" as the thing a document database stores, not the verb ("which page documents …",
#: "how to document …"): tinydb's "how are documents inserted into a table?" answered docs/usage.rst.
_DOCUMENT_NOUN = re.compile(r"\b(?:a|an|the|are|is|were|was|of|all|many|some|multiple|nested|new|large|json|xml|bson|two|"
                            r"these|those|each|every|my|our|your|their|its|with|into|in|for|by|and|or|from|whole|entire|"
                            r"other|such|which|when|if|where|do|does|did|have|has|duplicate|existing|"
                            # "inserting documents", "expired documents", "the updated document"
                            r"\w{3,}ing|\w{3,}ed)\s+documents?\b"
                            # not the documentation: "which documents describe …", "the documents for the emitter"
                            r"(?!\s+(?:the|how|what|a|an|describes?|covers?|explains?|mentions?|says?|shows?|lists?|"
                            r"talks?|for|about|specif(?:y|ies)|defines?|documents?|details?)\b)", re.I)


#: Code written in a question, which asks for no kind of file by its words: a variable and its
#: member or call (jsoup's `doc.outerHtml()`, `doc.select("p")` asked for documentation; zod's
#: `z.config({…})` for a config file), a call, a backticked span — not a file's name (`setup.py`) —, and a
#: link (dayjs's pasted warning ending in `https://day.js.org/docs/en/i18n/…` asked for documentation, and its
#: devHelper, the code printing it, gave way to a page).
_FILE_SUFFIX = (r"(?:py|pyi|toml|cfg|ini|json|ya?ml|md|rst|txt|lock|xml|gradle|kts|mod|sum|js|mjs|cjs|ts|tsx|jsx|rb|php|"
                r"cs|go|rs|java|kt|swift|sh|conf|properties|env|html?|in|dist|neon|sln|csproj|props|exs?|sbt)\b")
_CODE_SPAN = re.compile(r"<?https?://\S+|"
                        r"`(?![^`\n]*\." + _FILE_SUFFIX + r"`)[^`\n]*`|"  # `README.md` is a file's name
                        r"(?<![\w$.])[\w$]+(?:\.[\w$]+)*\.(?!" + _FILE_SUFFIX + r")[\w$]+(?:\([^()\n]*\)?)?|"
                        r"(?<![\w$.])[\w$]+\(", re.I)
