"""What a file is, read from its name or its text, and whether a question asks for one so.

The stage (:mod:`.retriever`) and `ask`'s answer (:mod:`explore.agent.answer`,
:mod:`explore.agent.explorer`) sort candidates by the same kinds: changelogs, notes for coding
assistants, contributors' forms, policies and translated pages (passed over unless asked
for), licences, images and fonts, autodoc stubs, release guides, config files that answer
only questions about themselves, and C/C++ headers, TypeScript declarations and stubs beside
the code they declare. Each kind sits here with the words by which a question asks for it.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import PurePosixPath

from ..sandbox.outline import file_kind
from .config_asked import names_file
from .query import LANGUAGE_CODES, Query, parse
from .question_form import is_statement

#: Why a file stands behind the code: it declares an interface another file implements.
DECLARES_ONLY = "declares only"


#: Files whose bytes no reader of code reads: images, fonts, audio and video, archives, compiled
#: objects. They are indexed by their paths' words alone, and ranked on them; zustand's
#: ``examples/demo/src/resources/bear.png`` came 4th for "examples: fix prettier / lint".
MEDIA_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".ico", ".icns", ".webp", ".bmp", ".tif", ".tiff", ".psd", ".avif",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".wav", ".ogg", ".flac", ".webm", ".mov",
    ".avi", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".jar", ".whl", ".so", ".dll", ".dylib", ".exe",
    ".pyc", ".class", ".o", ".a"})


#: Words by which a question asks for such a file (or its suffix, or its whole name).
_MEDIA_WORDS = frozenset({"image", "images", "icon", "icons", "logo", "logos", "picture", "pictures", "screenshot",
                          "screenshots", "favicon", "font", "fonts", "asset", "assets", "binary", "binaries",
                          "video", "audio", "sound", "archive", "photo", "banner", "sprite", "sprites", "typeface",
                          "typefaces", "glyph", "glyphs", "compiled", "wheel", "wheels", "jar"})


#: A licence's text: fd's LICENSE-APACHE ranked third for "That period shouldn't have been
#: included", on the words every licence holds.
_LICENSE_NAME = re.compile(r"(?:licen[cs]e|copying|notice|unlicense)(?:[_-][\w-]*)?"
                           r"(?:\.(?:txt|md|rst|mit|apache|bsd|gpl|lgpl|lesser|apache2|apache-2\.0))?", re.I)


#: How a question asks for one.
_LICENSE_WORDS = re.compile(r"licen[cs]|copyright|notice|spdx|legal|\b(?:mit|apache|gpl|lgpl|agpl|bsd|mpl)\b", re.I)


#: A changelog: the project's past, no page about using it. A question asking "how can I …"
#: asks for a guide; a changelog holds every word of the project's past (zap's CHANGELOG.md
#: outranked the code for "how can I change the log level at runtime?" with a 2017 entry).
_CHANGELOG_NAME = re.compile(r"(?:change[_-]?log|changes|(?:version[_-]?|release[_-]?)?history|news|release[_-]?notes|releases|"
                             r"whats[_-]?new)"
                             # and one per release (junit4's doc/ReleaseNotes4.11.md, 36 of them, lifted as pages)
                             r"(?:\.\w+)?|(?:change[_-]?log|release[_-]?notes|whats[_-]?new)(?:[_-]|(?=v?\d))[\w.-]+",
                             re.I)


#: How a question asks for one: by name, or by what a changelog's sections say (what was
#: fixed, added or changed, a release, a deprecation, an upgrade).
_CHANGELOG_WORDS = re.compile(r"change[ _-]?logs?|\bchanges\b|release[ _-]?notes?|releases?|what'?s new|what changed|"
                              r"\bnews\b|history|deprecat|upgrad|migrat|breaking|yanked|\b(?:added|changed|removed|"
                              r"bug ?fix(?:es)?|improvements?|enhancements?|regressions?|highlights)\b|"
                              # "fixed" as what was done, not a fixed seed or order (rand's, junit4's "how do I …"):
                              # alone, or before what says when or what (a release notes' heading "Fixed")
                              r"\bfixed\b(?!\s+(?!(?:in|by|bugs?|issues?|since|documented|described|explained|"
                              r"mentioned|listed|covered)\b)[a-z])",
                              re.I)


#: Notes a repository keeps for coding assistants (`CLAUDE.md`, `AGENTS.md`, Copilot's and
#: Cursor's instructions): a summary of every part of the code, no page a user reads.
#: (and llms.txt's summaries for language models: kotlin-result's llms-full.txt, every API name repeated,
#: took the docs lift over README and the code for two "how do I" questions)
_AGENT_NOTES = re.compile(r"(?:claude|agents?|gemini|copilot-instructions|\.?cursorrules|\.?windsurfrules|conventions|"
                          r"llms(?:-full|-small|-ctx)?)(?:\.md|\.mdc|\.txt)?", re.I)


#: Making a release, which a guide to releasing answers, not the notes of one: kotlinpoet's "how do I cut
#: a release of kotlinpoet, what are the steps?" answered docs/changelog.md over RELEASING.md.
_RELEASING = re.compile(r"\b(?:cut|cutting|make|making|do|doing|publish|publishing|prepare|preparing|tag|tagging|create|"
                        r"creating|ship|shipping)\s+(?:a\s+|the\s+|an?\s+new\s+|new\s+)?releases?\b|\brelease "
                        r"(?:process|steps|checklist|procedure)\b", re.I)


#: (not "AI" alone: gotests' "which page covers the AI test generation?" answered its CLAUDE.md)
_AGENT_WORDS = re.compile(r"\b(?:claude|agents?|gemini|copilot|cursor|windsurf|assistants?|conventions|llms\.txt|"
                          r"(?:ai|llms?) (?:coding|tools?|instructions|rules|notes))\b", re.I)


def is_agent_notes(path: str) -> bool:
    """Whether ``path`` holds notes for coding assistants (``CLAUDE.md``, ``AGENTS.md``,
    ``.github/copilot-instructions.md``, ``.cursor/rules/*.mdc``)."""
    pure = PurePosixPath(path)
    return _AGENT_NOTES.fullmatch(pure.name) is not None \
        or bool({".cursor", ".agents", ".claude", ".windsurf", ".clinerules", ".continue"} & set(pure.parts[:-1]))


def is_contributor_form(path: str) -> bool:
    """Whether ``path`` is a form GitHub shows reporters and contributors (an issue or pull
    request template), not a page of the project's documentation."""
    parts = {part.lower() for part in PurePosixPath(path).parts}
    return bool(parts & {"issue_template", "pull_request_template", "discussion_template"}) \
        or PurePosixPath(path).name.lower() in ("pull_request_template.md", "issue_template.md")


def is_policy_page(path: str) -> bool:
    """Whether ``path`` is one of a project's policies (code of conduct, security policy, support,
    governance, funding) where GitHub reads them, at the top or in .github/, no page about using it (commonmark's
    docs/2.x/security.md is a guide to its safe options)."""
    pure = PurePosixPath(path)
    return _POLICY_NAME.fullmatch(pure.name) is not None and str(pure.parent).lower() in (".", ".github")


#: A project's policies by name: bitflags' SECURITY.md and CODE_OF_CONDUCT.md took the docs lift for "how do I
#: give a flag a different name …?", CONTRIBUTING.md's code of conduct answered an EmailValidator question.
_POLICY_NAME = re.compile(r"(?:code[_-]of[_-]conduct|security|support|governance|funding)(?:\.\w+)?", re.I)


#: Asking for one.
_POLICY_WORDS = re.compile(r"\b(?:conduct|harass\w*|behaviou?r|security|secure|vulnerab\w*|disclos\w*|cves?|exploits?|"
                           r"support(?:ed|s)?|governance|govern\w*|maintainers?|funding|sponsor\w*|donat\w*|"
                           r"polic(?:y|ies))\b", re.I)


#: Asking for such a form: "the bug report template", "what does the PR template ask?".
_FORM_WORDS = re.compile(r"\btemplates?\b|\bissue forms?\b|\bforms? for (?:bug|issue|feature)", re.I)


_CODES = "|".join(sorted(set(LANGUAGE_CODES.values()) - {"en"}, key=len, reverse=True))


#: A page translated into another language than English: `README_KO.md`, `README.zh-CN.md`,
#: `docs/ja/guide.md`, `i18n/pt-br/…`.
_TRANSLATED_NAME = re.compile(rf"readme[._-](?:{_CODES})(?:[-_][a-z]{{2,4}})?\.\w+", re.I)


_TRANSLATED_FOLDER = re.compile(rf"(?:{_CODES})(?:[-_][a-z]{{2,4}})?", re.I)


def is_translated_page(path: str) -> bool:
    """Whether ``path`` is a docs page in another language than English (by its name or a
    folder of its path named by a locale's code, under a docs folder)."""
    pure = PurePosixPath(path)
    if _TRANSLATED_NAME.fullmatch(pure.name):
        return True
    parts = [p.lower() for p in pure.parts[:-1]]
    return any(_TRANSLATED_FOLDER.fullmatch(p) for p in parts[1:]) and bool(
        {"doc", "docs", "documentation", "i18n", "translations", "content", "website", "site"} & set(parts))


def is_changelog(path: str) -> bool:
    """Whether ``path`` is a changelog (``CHANGELOG.md``, ``docs/changes.rst``, ``HISTORY.md``,
    ``NEWS``, ``changelog_14.rst``, ``change-log/index.md``), an entry of a changelog's fragments
    (``changelog.d/123.bugfix.md``) or a release's notes (tornado's ``docs/releases/v3.0.0.rst``, ``whatsnew/``); not a guide in a
    folder named so (``doc/changelog/migration_12.rst``)."""
    pure = PurePosixPath(path)
    if pure.stem.lower() in ("index", "readme", "_index") and len(pure.parts) > 1 \
            and _CHANGELOG_NAME.fullmatch(pure.parts[-2]) is not None:
        return True  # a site's page of its own (CsvHelper's input/change-log/index.md)
    return _CHANGELOG_NAME.fullmatch(pure.name) is not None \
        or any(re.fullmatch(r"change[_-]?log\.d|newsfragments|\.changeset|\.changes|releases|release[_-]?notes|"
                            r"whats[_-]?new", part, re.I) for part in pure.parts[:-1])


#: Docs pages the docs lift passes over unless the question asks for them: zap's "how can I change
#: the level at runtime?" answered a 2017 entry of CHANGELOG.md, validator's "where is the notblank
#: validator and how do I register it?" CLAUDE.md, zod's "can someone explain why safeParse …"
#: its Korean README_KO.md (a page in another language is asked for in its script, or by name).
_LIFTED_WHEN_ASKED: tuple[tuple[Callable[[str], bool], Callable[[Query], bool]], ...] = (
    (is_changelog, lambda q: _CHANGELOG_WORDS.search(_RELEASING.sub(" ", q.text)) is not None),
    (is_agent_notes, lambda q: _AGENT_WORDS.search(q.text) is not None),
    # kotlinpoet's "Update line wrapping-related documentation" ranked its feature-request form first
    (is_contributor_form, lambda q: _FORM_WORDS.search(q.text) is not None),
    (is_policy_page, lambda q: _POLICY_WORDS.search(q.text) is not None),
)


def passed_over(path: str, question: str | Query) -> bool:
    """Whether ``path`` is a page the docs lift passes over for ``question`` (a changelog, notes
    for assistants, a translation, a contributor's form, not asked for): the stage does not lift
    it, and `ask` answers no walk's choice of it either."""
    query = parse(question) if isinstance(question, str) else question
    if file_kind(path) != "docs" or names_file(query.text, path):
        return False
    if is_translated_page(path) and not _translation_asked(path, query):
        return True
    return any(page(path) and not asked(query) for page, asked in _LIFTED_WHEN_ASKED)


def _translation_asked(path: str, query: Query) -> bool:
    """Whether ``query`` asks for the translated page ``path``: written in another script, or naming
    the page's language — that one only (dayjs's "how do I load the Spanish locale …?" took every
    translated README as asked, and the walk's Korean one answered)."""
    if not query.text.isascii():
        return True
    named = {LANGUAGE_CODES[term] for term in query.terms if term in LANGUAGE_CODES}
    code = _page_language(path)
    return bool(named) and (code is None or code in named)


def _page_language(path: str) -> str | None:
    """The language code a translated page is named by (``ko`` of `README_KO.md`, ``es`` of
    `docs/es-es/README-es-es.md`), or None where its name and folders give none."""
    pure = PurePosixPath(path)
    if (name := _TRANSLATED_NAME.fullmatch(pure.name)) is not None:
        return re.split(r"[._-]", name.group(0).lower())[1]
    return next((re.split(r"[-_]", part.lower())[0] for part in pure.parts[1:-1] if _TRANSLATED_FOLDER.fullmatch(part)),
                None)


#: C and C++ headers, and the source files that define what they declare.
_HEADER_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".h++"})


_SOURCE_SUFFIXES = frozenset({".c", ".cc", ".cpp", ".cxx", ".c++", ".m", ".mm"})


#: A question asking how something is done, or where: "where is the number parsing
#: implemented?", "why does printing a double give …" (cJSON's header answered both, its
#: declarations holding every name the source defines) — not for the declarations themselves.
_IMPLEMENTATION = re.compile(r"\b(?:implement(?:s|ed|ation)?|how (?:does|do|is|are)|why|"
                             # (dayjs's "… which code computes the fractional month difference?" answered index.d.ts)
                             r"(?:which|what) (?:code|function|method|logic)\b(?! (?:is|are) (?:declared|typed|exported))|"
                             r"where (?:is|are|does|do)\b[^?\n]*"
                             r"\b(?:done|happens?|(?!(?:defin|declar|export|typ|document|describ|locat|nam|list|test|"
                             r"configur|specifi|import|us|need|requir)ed\b)[a-z]{2,}ed))\b", re.I)


_ASKS_HEADER = re.compile(r"\b(?:headers?|declar\w*|prototypes?|signatures?|api|macros?|#\s*define|defines|typed|"
                          r"types?|typings?|typescript|generics?|interfaces?|infer\w*|overloads?|"
                          r"#?\s*includes?|typedefs?|public interface|exported|exports?)\b|\.h(?:h|pp|xx)?\b", re.I)


#: Asking where a name is defined: a type a JavaScript project declares only in its `.d.ts`.
_DECLARED = re.compile(r"\b(?:defined|defines|declared|declares|definitions? of)\b", re.I)


#: A directive that pulls a page's text out of the code's docstrings: Sphinx's autodoc
#: (``.. autofunction:: gettz``, ``.. automodule::``), mkdocstrings' ``::: pkg.module``.
_AUTODOC = re.compile(r"^\s*(?:\.\.\s+auto\w+::|:::\s+[\w.]+\s*$)")


#: A line that says nothing of its own on such a page: another directive or its option, a
#: heading's underline, a comment.
_NO_PROSE = re.compile(r"^\s*(?:\.\.\s|:[\w-]+:(?:\s|$)|([=\-~^\"'`#*+])\1{2,}\s*$|#{1,6}\s)")


#: At most this many words besides directives make a page an autodoc stub.
STUB_WORDS = 30


def is_autodoc_stub(text: str) -> bool:
    """Whether a docs page is autodoc directives and headings, nearly no words of its own: its
    text is the code's docstrings, so a question about what the code does is the code's (the
    docs lift passes it by)."""
    lines = text.splitlines()
    if not any(_AUTODOC.match(line) for line in lines):
        return False
    prose = [line for line in lines if line.strip() and not _NO_PROSE.match(line)]
    return sum(len(line.split()) for line in prose) <= STUB_WORDS


def asks_implementation(question: str) -> bool:
    """Whether ``question`` asks how or where something is done, and not for declarations."""
    return not is_statement(question) and _IMPLEMENTATION.search(question) is not None \
        and _ASKS_HEADER.search(question) is None and _DECLARED.search(question) is None


def headers_and_sources(paths: list[str]) -> list[tuple[str, str]]:
    """(header, source) pairs of ``paths`` named alike (``cJSON.h``, ``cJSON.c``): a header whose
    name one source file of them shares (the nearest, where several do)."""
    by_stem: dict[str, list[str]] = defaultdict(list)
    for p in paths:
        pure = PurePosixPath(p)
        if pure.suffix.lower() in _SOURCE_SUFFIXES and file_kind(p) == "code":
            by_stem[pure.stem.lower()].append(p)
        # a header-only library's implementation header (CLI11's impl/App_inl.hpp, a `-inl.h`, an `_impl.hpp`)
        elif (inline := _INLINE_HEADER.fullmatch(pure.name)) is not None and file_kind(p) == "code":
            by_stem[inline.group(1).lower()].append(p)
    pairs = []
    for p in paths:
        pure = PurePosixPath(p)
        if pure.suffix.lower() not in _HEADER_SUFFIXES or file_kind(p) != "code" or _INLINE_HEADER.fullmatch(pure.name):
            continue
        # the source beside it, or in the folder an include/ folder stands for: a header-only library's
        # `to_json.hpp` has no source, and `docs/examples/to_json.cpp` is an example (nlohmann/json)
        # ConfigFwd.hpp declares what impl/Config_inl.hpp defines
        stem = re.sub(r"(?i)fwd$", "", pure.stem) or pure.stem
        sources = [s for s in by_stem.get(stem.lower(), ()) if _beside(pure.parent, PurePosixPath(s).parent)]
        if sources:
            pairs.append((p, min(sources, key=lambda s: (PurePosixPath(s).parent != pure.parent, len(s)))))
    return pairs


#: Folders an implementation kept in headers stands in, below the headers it implements.
_IMPL_FOLDERS = frozenset({"impl", "detail", "details", "internal", "inl", "inline"})


#: An implementation kept in a header, named for the header it implements (``App_inl.hpp``, ``foo-inl.h``,
#: ``foo_impl.hpp``); ``XFwd.hpp`` forward-declares ``X`` (CLI11's ConfigFwd.hpp), so it pairs by ``X`` too.
_INLINE_HEADER = re.compile(r"(\w+?)[_-](?:inl|inline|impl)\.(?:h|hh|hpp|hxx|h\+\+|ipp|tpp)", re.I)


def _beside(header: PurePosixPath, source: PurePosixPath) -> bool:
    """Whether a source file in folder ``source`` is the one a header in folder ``header``
    declares: the same folder, or the same below an ``include/`` and a ``src/`` (``lib/``)."""
    if header == source:
        return True
    tops = {"include", "inc", "includes", "headers", "src", "source", "sources", "lib"}
    h = [part.lower() for part in header.parts if part.lower() not in tops]
    s = [part.lower() for part in source.parts if part.lower() not in tops]
    # `include/foo/bar.h` of `src/bar.c`, `libfoo/include/foo/bar.h` of `libfoo/src/bar.c`
    return h == s or (bool(h) and h[1:] == s) or (len(h) == len(s) + 1 and h[:-1] == s) \
        or (len(s) == len(h) + 1 and s[:-1] == h and s[-1] in _IMPL_FOLDERS)  # CLI11's include/CLI/impl/


def declarations_behind(question: str, ranked: list[str], stage: list[str],
                        why: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """``ranked`` with each header, TypeScript declaration file or stub that stands before a
    code file the candidate ``stage`` put above it moved to just after that file, where
    ``question`` asks how something is done: what `ask` settles from the stage and BM25
    together, BM25 ranking the dense declarations first (cJSON's "where is JSON Pointer lookup
    implemented?" answered cJSON_Utils.h, which the stage put below cJSON_Utils.c). The stage
    left first the ones that hold what the question names (:meth:`.retriever.Retriever.rank`); ``why``, the
    stage's reasons per file, says which declare an interface (:data:`DECLARES_ONLY`)."""
    if not asks_implementation(question):
        return ranked
    order = {p: i for i, p in enumerate(stage)}
    out = list(ranked)
    declared = {p for p, reasons in (why or {}).items() if DECLARES_ONLY in reasons}
    for path in [p for p in ranked if p in order and (is_declarations(p) or p in declared)]:
        # the code files the stage put above it that stand below it here: it goes back behind them
        later = [p for p in out[out.index(path) + 1:] if order.get(p, len(order)) < order[path]
                 and file_kind(p) == "code" and not is_declarations(p) and p not in declared]
        if later:
            out.remove(path)
            out.insert(out.index(later[-1]) + 1, path)
    return out


#: The share of a header's lines that are comments above which it is the library's documentation.
DOCUMENTED_SHARE = 0.5


def documents_api(path: str, text: str) -> bool:
    """Whether ``path``, a header, typings or a stub, is where its library documents its API:
    most of its lines comments (zlib.h, 81 %), not declarations alone (jansson.h, 7 %)."""
    if not is_declarations(path):
        return False
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said, inside = 0, ""  # inside: the mark that ends the comment or docstring a line lies in
    for line in lines:
        if inside:
            said += 1
            inside = "" if inside in line else inside
        elif line.startswith("//"):
            said += 1
        elif line.startswith(("/*",) + _DOCSTRING_MARKS):
            said += 1
            end = "*/" if line.startswith("/*") else line[:3]
            inside = "" if end in line[len(end):] else end  # closed on its own line
    return bool(lines) and said >= DOCUMENTED_SHARE * len(lines)


#: What opens (and closes) a stub's docstring.
_DOCSTRING_MARKS = ('"""', "'''")


def is_declarations(path: str) -> bool:
    """A C/C++ header, a TypeScript declaration file or a stub."""
    return declares_only(path) or PurePosixPath(path).suffix.lower() in _HEADER_SUFFIXES


#: What a documentation tool writes into the HTML it builds.
BUILT_PAGE = re.compile(r"<meta\s+name=[\"']generator[\"']\s+content=[\"'](?:jazzy|doxygen|javadoc|typedoc|sphinx|"
                         r"docutils|pdoc|rustdoc|mkdocs|dokka|docfx|yard|rdoc|jsdoc|hugo|jekyll|docusaurus)|"
                         # jazzy's `Generated by <a …>jazzy ♪♫`, doxygen's `Generated by&#160;<a …><img … alt="doxygen"`
                         r"\bGenerated (?:by|using|with)(?:\s|&#160;|&nbsp;)*(?:<a [^>]*>\s*)?(?:<img [^>]*alt=[\"']?)?"
                         r"(?:jazzy|doxygen|javadoc|typedoc|yard|rdoc|jsdoc|dokka|docfx|pdoc)\b|"
                         r"\bCreated using <a [^>]*>Sphinx|\bBuilt with <a [^>]*>MkDocs", re.I)


def is_license(path: str) -> bool:
    """Whether ``path`` is a licence's text (``LICENSE``, ``LICENSE-APACHE``, ``COPYING.txt``, ``NOTICE``)."""
    return _LICENSE_NAME.fullmatch(PurePosixPath(path).name) is not None


def asks_license(question: str) -> bool:
    """Whether ``question`` asks for a licence (its words: licence, copyright, SPDX, MIT …)."""
    return _LICENSE_WORDS.search(question) is not None


def is_media(path: str) -> bool:
    """Whether ``path`` is an image, a font, audio, video, an archive or a compiled object."""
    return PurePosixPath(path.lower()).suffix in MEDIA_SUFFIXES


def asks_media_file(question: str, path: str) -> bool:
    """Whether ``path`` is an image (a vector one too), a font or the like and ``question`` asks for
    one like it (:func:`asks_media`): hexyl's "where is the hexyl logo image?" answered code over
    doc/logo.svg, which the stage ranked first."""
    return (is_media(path) or PurePosixPath(path.lower()).suffix == ".svg") and asks_media(question, path)


def asks_media(question: str, path: str) -> bool:
    """Whether ``question`` asks for a file like ``path``: by a word such as *image* or
    *logo*, its suffix (``png``) or its whole name (``bear.png``)."""
    text = question.lower()
    name = PurePosixPath(path.lower()).name
    words = set(re.findall(r"[a-z0-9]+", text))
    return name in text or PurePosixPath(name).suffix[1:] in words or bool(words & _MEDIA_WORDS)


#: Config files that answer only questions about them: what git ignores or how it reads a file,
#: an editor's indentation, a marker for GitHub Pages.
_NAMED_ONLY_CONFIG = frozenset({".gitignore", ".gitattributes", ".editorconfig", ".nojekyll", ".dockerignore",
                                ".npmignore", ".prettierignore", ".eslintignore"})


_ASKS_IGNORED = re.compile(r"\bignor\w*|\bexclud\w*|\bline[- ]endings?\b|\bend[- ]of[- ]line\b|\beol\b|\bindent\w*|"
                           r"\bcharset\b|\bencoding\b|\btabs?\b|\bspaces\b|\bwhitespace\b|\bnewlines?\b|\btrailing\b|"
                           r"\beditor\s*config\b|\blinguist\b|\bgit\s*attributes\b|\blfs\b|\bpages\b", re.I)


#: A page whose name says it is the guide to making releases (pflag's RELEASING.md).
_RELEASE_GUIDE = re.compile(r"^(?:releas|publish|deploy)\w*\.(?:md|rst|txt|adoc)$", re.I)


def not_asked_about(path: str, question: str) -> bool:
    """Whether ``path`` is a config file that answers only questions about it (a `.gitignore`)
    and ``question`` is none: a config question's lift, or a walk's config answer, passes it by."""
    return PurePosixPath(path).name.lower() in _NAMED_ONLY_CONFIG and not names_file(question, path) \
        and not _ASKS_IGNORED.search(question)


def is_release_guide(path: str) -> bool:
    """Whether ``path`` is a page that guides a release (``RELEASING.md``), which a question
    asking how the project is published is answered by, as by its workflow or script."""
    return file_kind(path) == "docs" and _RELEASE_GUIDE.search(PurePosixPath(path).name) is not None


#: A question asking for the type declarations themselves ("… declared in the TypeScript
#: typings?", "the type stub of X"): there a ``.d.ts`` or ``.pyi`` is the answer.
_ASKS_DECLARATION = re.compile(r"\b(?:typings?|type (?:declarations?|definitions?|stubs?|hints?)|stubs?|"
                               r"declaration files?)\b|\.d\.ts\b|\.pyi\b", re.I)


def declares_only(path: str) -> bool:
    """Whether ``path`` only declares types (a TypeScript ``.d.ts``, a Python ``.pyi`` stub, Ruby's
    ``.rbs``): where another file defines the same name, that one holds the code."""
    lower = path.lower()
    return lower.endswith((".d.ts", ".d.mts", ".d.cts", ".pyi", ".rbs"))


def asks_declarations(question: str) -> bool:
    """Whether ``question`` asks for the type declarations themselves (:data:`_ASKS_DECLARATION`)."""
    return _ASKS_DECLARATION.search(question) is not None
