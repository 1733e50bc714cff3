"""A question parsed once: what names code, what is prose, where a traceback points.

Real questions are bug reports and commit messages: a few words that matter (``edit``,
``pathlib.Path``, ``ValueError``) inside prose, code blocks and tracebacks. BM25 over the
raw text lets the prose drown the names; here names are pulled out and weighted above
prose, traceback frames become paths and function names, and a 50 KB report is clipped
to what can matter.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from ..sandbox.index import BACKTICKED, NAME_JOINER, STOPWORDS, identifier_tokens, tokenize
from .frames import FRAME, clean_path, dotnet_owner, installed_package, stack_frames
from .pasted import FENCE, pasted_message_starts, pasted_messages
from .question_form import PERMALINK, is_bare_name, is_statement

#: Characters of a question that are read (a pasted log can be megabytes).
MAX_QUERY_CHARS = 20_000
#: Of those, the ones taken from the end of a longer question: a report puts its traceback,
#: innermost frame and error last, after the prose and the logs.
TAIL_CHARS = 8_000
#: Extra weight of a token that comes from a code name, over a prose token.
NAME_WEIGHT = 2
#: A prose token counts at most this many times, however often a long report repeats it.
MAX_PROSE_COUNT = 2

#: The source line Python prints below a frame (not the next frame, nor its carets).
_FRAME_SOURCE = re.compile(r'[ \t]+(?!File ")([^\s^~][^\n]*)')
#: URL prefixes of stack frames in Node (``file:///home/…``) and source-mapped bundles
#: (``webpack://app/./src/…``, ``webpack-internal:///./src/…``): what follows is the path.
_URL_PREFIX = re.compile(r"\bfile://(?=/)|\bwebpack(?:-internal)?://[^/\s()]*/(?:\./)?")
#: A module Deno ran from a registry (``https://jsr.io/@hono/hono/4.6.3/src/compose.ts``,
#: ``https://deno.land/x/oak@v12.6.1/router.ts``, ``https://esm.sh/preact@10.19.2/…``): read as an
#: installed package's file, as ``node_modules/@hono/hono/src/compose.ts`` is.
_REGISTRY_URL = re.compile(r"\bhttps?://(?:jsr\.io/(@[\w.-]+/[\w.-]+)/v?\d[\w.+-]*|"
                           r"(?:deno\.land/x|esm\.sh|cdn\.skypack\.dev|unpkg\.com|cdn\.jsdelivr\.net/npm)/"
                           r"((?:@[\w.-]+/)?[\w.-]+?)@v?\d[\w.+-]*)/")
#: A ``file://`` URL's path, whose spaces and other bytes are percent-escaped (``John%20Smith``).
_FILE_URL = re.compile(r"\bfile://(/[^\s()'\"]+)")
#: A file path in prose: relative, or absolute (``/home/…``, ``~/…``, ``C:/…``, the latter
#: read with ``/`` for ``\\``). A JavaScript, data, Go or Rust file's stem may hold dots
#: (``webpack.config.js``, ``api.pb.go``); a Python one's may not (``docutils.parsers.rst``
#: is a module).
_PATH = re.compile(r"(?<![\w/.~:@-])((?:~|[A-Za-z]:)?/)?((?:[\w.@-]+/)*(?:[\w-][\w.-]*\.(?:js|jsx|mjs|cjs|ts|tsx|json|"
                   r"ya?ml|toml|go|rs|gemspec|csproj|fsproj|vbproj|props|targets|sln|neon|xml|dist|gradle|kts|cmake|"
                   # a lockfile (`Cargo.lock`, `composer.lock`, `poetry.lock`), Ruby's type signatures
                   r"lock|rbs|properties|pem|plist|"
                   # a dotenv file (godotenv's `fixtures/quoted.env`), not Node's and Vite's `process.env`
                   r"(?<!process\.)(?<!meta\.)env(?![.\w])|"
                   # a page or a list whose stem holds dots (`README.zh-CN.md`, Polly's `PublicAPI.Shipped.txt`)
                   r"md|txt)|"
                   r"[\w-]+\.(?:py|pyi|pyx|java|kt|c|h|cc|cpp|hpp|rb|php|cs|swift|scala|cfg|ini|"
                   # grammars, autotools and the languages read by their definition lines (`parser.y`,
                   # `configure.ac`, `Makefile.am`, `builtin.jq`)
                   r"y|yy|l|ll|g4|jq|ac|am|in|mk|sh|bash|lua|ex|exs|erl|hs|ml|mli|zig|nim|vue|svelte|dart|"
                   r"pl|pm|jl|clj|cljs|proto|sql|"
                   # a catalog, a table, a page or a style written out (timex's
                   # `priv/translations/fr/…/relative_time.po` matched no path), Windows' scripts, .NET's views
                   r"po|pot|csv|tsv|html?|css|scss|sass|less|adoc|bat|cmd|ps1|cshtml|razor|xaml|resx|tf|graphql|gql|"
                   r"rst)))\b")
#: A name as Python writes one, letters of any script (``größe_berechnen``), as units name
#: definitions: ASCII runs of it (``e_berechnen``) would name some other function.
_NAME = re.compile(r"[^\W\d]\w*|\d+")
#: A dotted name (``Options.merge``, ``click.core.Context.invoke``), or one joined as PHP, C++ and
#: Rust join an owner and its member (``RouteCollector::map``) or Ruby names a method
#: (``Sinatra::Helpers#content_type``; a ``#`` after a capitalised name only: ``README.md#usage``
#: and ``schema#definitions`` are links): :func:`name_parts` splits it.
DOTTED = re.compile(r"\b[A-Z]\w*(?:::[A-Z]\w*)*#[a-z_]\w*\b|\b[^\W\d]\w*(?:(?:\.|::)[^\W\d]\w*)+\b")


def name_parts(dotted: str) -> list[str]:
    """The parts of a :data:`DOTTED` name, owner first."""
    return NAME_JOINER.split(dotted)


_CALL = re.compile(r"\b([^\W\d]\w*)\(")
#: A conventional commit's type and scope (``fix(parser):``, ``feat(core/router)!:``): the type
#: is no function called (``fix(`` was read as a call of ``fix``, a name weighed three times).
_CONVENTIONAL = re.compile(r"^[^\S\n]*(?:feat|fix|chore|docs|refactor|perf|test|tests|build|ci|style|revert|deps|types?)"
                           r"\([^()\n]{1,60}\)!?:", re.I | re.M)
#: Of a longer report, the characters kept from where a crash is first reported (a Go panic
#: and its goroutine, a Rust panic, a Python or JavaScript trace) when that lies in the part
#: between its start and its tail that would otherwise be dropped.
CRASH_CHARS = 4_000
_CRASH = re.compile(r"^panic: |panicked at |^goroutine \d+ \[|Traceback \(most recent call last\)|"
                    # C++'s uncaught exception (CLI11's inside 909 KB of build output was cut out)
                    r"^terminate called after throwing |"
                    r"^[^\S\n]+at .+:\d+:\d+\)?$|^Stack trace:$|^[^\S\n]+at .+:line \d+$|"
                    r"^[^\S\n]+at [\w$.]+\([\w$-]+\.java:\d+\)$|\.rb:\d+:in [`']|^Current stack trace:$|"
                    # a .NET frame of a Release build (no `:line N`: Polly's inside 740 KB of ASP.NET log lost its
                    # trace), Swift's trap (in `MoyaProvider+Internal.swift` too) and a crash report's thread,
                    # Kotlin/Native's uncaught exception
                    r"^[^\S\n]+at [\w.`<>$]+(?:\[[\w.,` ]*\])?\([^()\n]*\)$|^(?:[\w/.+-]+:\d+: )?Fatal error: |"
                    r"^Thread \d+(?: Crashed)?:|"
                    r"^Uncaught Kotlin exception: |"
                    # a Laravel log's trace (`[stacktrace]`, `#0 /var/www/…/Creator.php(663): …`: Carbon's inside
                    # 744 KB of log lost its trace)
                    r"^\[stacktrace\]$|^#\d+ [^\s()]+\.php\(\d+\): |"
                    # Symfony's log of one (`request.CRITICAL: Uncaught PHP Exception X: "…" at /…/File.php line 43`)
                    r"\bUncaught PHP Exception [\w\\]+: |"
                    # Elixir's raised exception and its frames (timex's inside 442 KB of log lost its trace)
                    r"^[^\S\n]*\*\* \([A-Z][\w.]*\) |^[^\S\n]+\([\w-]+ [\w.+-]+\) [\w./-]+\.exs?:\d+: |"
                    # an Apple NSError as printed, a Security framework status (KeychainAccess's -34018 inside 676 KB of
                    # NSLog lost both)
                    r"\bError Domain=[\w.]+ Code=-?\d+\b|\bOSStatus error:\s*\[-?\d+\]", re.M)


#: A log's line at the error level, where no crash is reported (ron's one `ERROR` line among 8,000 INFO ones,
#: 30 KB before the end of 891 KB, was dropped and the INFO lines' words answered).
_LOGGED_ERROR = re.compile(r"^[^\n]{0,80}?(?<![\w-])(?:ERROR|FATAL|CRITICAL|\[error\]|level=error)(?![\w-])", re.M)


#: What `ask` says of a question whose letters make no word the index reads (``ä ö ü?``: single
#: letters, a mark without its letter): any file named would be a guess.
NO_INDEXED_WORD = ("the question holds no word the index reads (words of two letters or more, of any script, a "
                   "Chinese or Japanese letter, digits and _): nothing can be matched; ask in the words the code "
                   "or its docs use")


@dataclass(frozen=True)
class Query:
    """What the candidate stage reads of a question."""

    text: str
    terms: tuple[str, ...]
    """BM25 query tokens; a repeated token weighs more (names count :data:`NAME_WEIGHT` +1)."""
    names: frozenset[str]
    """Code-like names (as written): backticked, snake_case, CamelCase, dotted parts, calls, frames."""
    paths: tuple[str, ...]
    """File paths the question names (from tracebacks first), site-packages prefixes removed."""
    functions: tuple[str, ...]
    """Functions named by traceback frames, innermost last."""
    installed: frozenset[str] = frozenset()
    """Those of :attr:`paths` that lay in an installed package (``site-packages/requests/utils.py``):
    its folder names another package, so the file's name alone does not stand for one here."""
    frame_lines: tuple[tuple[str, int], ...] = ()
    """(path, line) of each stack frame, innermost last: where evidence of a file a frame
    names should open (an installed package's frame too: the repository may be that package)."""
    messages: tuple[str, ...] = ()
    """Literal pieces of the error messages and quoted strings the question pastes (``Got
    unexpected extra arguments`` of ``Error: Got unexpected extra arguments (foo bar)``), as
    the code that raises them would hold them: what the user's values split apart."""
    frame_functions: tuple[str, ...] = ()
    """The function each of :attr:`frame_lines` names (``""`` where the frame names none)."""
    frame_sources: tuple[tuple[str, int, str], ...] = ()
    """(path, line, source) of each Python frame that pastes its line's source below it: where
    the user's version has that line elsewhere, the evidence opens at it (gunicorn's frame
    ``line 171, in _send`` fell on a blank line of ``_send`` here, its source 20 lines up)."""
    message_starts: tuple[tuple[str, ...], ...] = ()
    """For each piece of a pasted error line (not a quoted string), its starts, longest first,
    down to a piece's least length: where no candidate holds the piece, a value the code
    formats in may be a plain word the message cannot tell from its text (jq's
    ``Cannot iterate over null`` of ``"Cannot iterate over %s (%s)"``)."""
    frame_owner: tuple[str, str] | None = None
    """(class, method) of a .NET trace's innermost frame (``JObject``, ``ValidateToken``): the
    file whose class holds the method, where a Release build names no file."""
    locales: tuple[str, ...] = ()
    """The locale codes of the languages a question about translations names (``fr`` of "the
    French translation"): the files named by them are named by the question."""
    packages: tuple[tuple[str, str], ...] = ()
    """(path, package) of each of :attr:`installed` whose package its installed path names and
    then drops (a gem's ``gems/i18n-1.14.1/``, Composer's ``vendor/league/flysystem/``): where
    the repository is that package, the file is its own."""


#: A generic's type parameters after a name asked for, as TypeScript, Java, C# and Rust write
#: them (``Draft<T>``, ``Map<K, V>``) and Go (``List[T]``): the name is what comes before.
_TYPE_PARAMETERS = r"(?:<[\w\s,.?&|\[\]:]{1,40}>|\[\w[\w\s,.|]{0,38}\])?"
#: A plain word asked about as a name: "where is bytesify defined?", "the definition of echo".
_KINDS = (r"(?:function|class|method|type|struct|interface|decorator|constant|variable|command|option|trait|enum|"
          r"macro|object|protocol|record|module|typealias|property|extension|mixin|union|impl)")
_DEFINED = re.compile(r"\b(?:where|which file)\s+(?:is|are|does|do)\s+(?:the\s+)?(?:" + _KINDS + r"\s+(?!" + _KINDS
                      + r"\b))?([^\W\d]\w*)" + _TYPE_PARAMETERS + r"[!?]?(?:\(\))?\s+"
                      r"(?:" + _KINDS + r"\s+)?"
                      r"(?:defined|declared|implemented|come from)\b|\bdefinition of\s+(?:the\s+)?([^\W\d]\w*)|"
                      r"\bwhich (?:file|module)\s+(?:defines|declares|implements)\s+(?:the\s+)?([^\W\d]\w*)" + _TYPE_PARAMETERS
                      + r"(?:\(\))?\s*\??$|"
                      # the kind named after it, and what it is for before the verb: "where is the Key struct for
                      # key-value pairs defined?" (log's walk found key.rs; the question named nothing)
                      r"\bwhere\s+(?:is|are)\s+(?:the\s+)?([^\W\d]\w*)" + _TYPE_PARAMETERS + r"\s+" + _KINDS
                      + r"\s+(?:for|of|that|which|used|in|with|to)\b[^?\n]{0,60}?\b(?:defined|declared|implemented)\b",
                      re.I)


#: The words a question asks for a definition with ("where is X implemented?", "which file
#: defines X?", "the implementation of X"): no words of the code sought. As terms they ranked
#: a 19-line file with TypeScript's `class … implements Reporter` first for "which file
#: implements Map and Set?" (immer), and Python's ``NotImplementedError`` holds one too. Only
#: where they ask: "how does the code define a dependency" says what the code does.
_ASKING = re.compile(r"\bwhich\s+(?:files?|modules?|class|function|method|package|source file)\s+"
                     r"(defines|declares|implements)\b|"
                     r"\b(?:where|which files?|in which files?)\b[^?\n]{0,80}?\b(defined|declared|implemented)\b|"
                     r"\bthe\s+(definition|implementation|declaration)\s+of\b", re.I)


#: A question about a translation or a locale, where a language's name stands for its code.
_LOCALIZED = re.compile(r"\b(?:translat\w*|locales?|locali[sz]\w*|i18n|l10n|languages?|messages|strings|plurals?|"
                        r"dictionar\w*)\b", re.I)
#: Languages by their names (as tokenised) and the ISO 639-1 codes locale files are named by
#: (zod's "Add Central Kurdish (ckb) locale" aside: "improve french translation" missed `fr.ts`).
LANGUAGE_CODES = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "italian": "it", "portuguese": "pt",
    "dutch": "nl", "russian": "ru", "ukrainian": "uk", "polish": "pl", "czech": "cs", "slovak": "sk",
    "swedish": "sv", "norwegian": "nb", "danish": "da", "finnish": "fi", "icelandic": "is", "estonian": "et",
    "latvian": "lv", "lithuanian": "lt", "hungarian": "hu", "romanian": "ro", "bulgarian": "bg", "greek": "el",
    "turkish": "tr", "arabic": "ar", "hebrew": "he", "persian": "fa", "farsi": "fa", "hindi": "hi",
    "bengali": "bn", "urdu": "ur", "thai": "th", "vietnamese": "vi", "indonesian": "id", "malay": "ms",
    "chinese": "zh", "japanese": "ja", "korean": "ko", "croatian": "hr", "serbian": "sr", "slovenian": "sl",
    "catalan": "ca", "basque": "eu", "galician": "gl", "kurdish": "ku", "tamil": "ta", "azerbaijani": "az",
    "khmer": "km", "georgian": "ka", "armenian": "hy", "mongolian": "mn", "kazakh": "kk", "uzbek": "uz",
    # (Carbon's "where is the Welsh translation?" found no cy.php)
    "welsh": "cy", "irish": "ga", "albanian": "sq", "macedonian": "mk", "belarusian": "be", "afrikaans": "af",
    "swahili": "sw", "filipino": "fil", "tagalog": "tl", "nepali": "ne", "marathi": "mr", "gujarati": "gu",
    "punjabi": "pa", "telugu": "te", "kannada": "kn", "malayalam": "ml", "sinhala": "si", "burmese": "my",
    "lao": "lo", "amharic": "am", "esperanto": "eo", "luxembourgish": "lb", "maltese": "mt", "bosnian": "bs",
}
#: A language's name before what a locale's file holds ("the Spanish names of the emoji": emoji's
#: emoji_es.json), where no word of :data:`_LOCALIZED` says the question is about translations.
_IN_LANGUAGE = re.compile(rf"\b(?:{'|'.join(LANGUAGE_CODES)})\s+(?:names?|words?|text|texts|version|strings?|"
                          r"aliases|descriptions?|labels?|titles?)\b", re.I)


#: Keywords of the languages read, as a snippet in backticks holds them: no name of the project's.
_KEYWORDS = frozenset("await async yield return self this null nil None True False true false new let const var def "
                      "func fn import export from static public private protected await throw raise try catch finally "
                      "else elif while for break continue lambda struct impl pub mut use mod package class interface "
                      "typeof instanceof void undefined".split())


def _is_code_name(name: str, text: str) -> bool:
    if len(name) < 3 or name.lower() in STOPWORDS or name.isdigit():
        return False
    return "_" in name.strip("_") or bool(re.search(r"[a-z][A-Z]|[A-Z]{2,}[a-z]", name)) \
        or f"`{name}" in text and (name not in _KEYWORDS or f"`{name}`" in text) \
        or name.endswith(("Error", "Exception", "Warning"))


def parse(question: str) -> Query:
    """Parse ``question`` (any length: of a longer one, its start and its last
    :data:`TAIL_CHARS`, :data:`MAX_QUERY_CHARS` in all, are read, and where a crash is
    first reported between them, :data:`CRASH_CHARS` from there). Cached by what is read,
    so a server asked about pasted logs keeps no megabytes in the cache. Read in Unicode's
    compatibility form (NFKC): a name typed in full-width letters, as a CJK input method
    writes ``ＯｒｄｅｒｅｄＭｕｌｔｉＤｉｃｔ``, is the name; a full-width ``？`` a question mark."""
    question = question.removeprefix("\ufeff")  # a byte-order mark hid an error line at the start (`Explorer.ask(f.read())`)
    if not question.isascii():
        question = unicodedata.normalize("NFKC", question)
    if len(question) <= MAX_QUERY_CHARS:
        return _parse(question)
    tail = question[-TAIL_CHARS:]
    head = MAX_QUERY_CHARS - TAIL_CHARS - 1
    crash = _CRASH.search(question, head, len(question) - TAIL_CHARS) \
        or _LOGGED_ERROR.search(question, head, len(question) - TAIL_CHARS)
    if crash is None:
        return _parse(question[:head] + "\n" + tail)
    head -= CRASH_CHARS + 1
    start = crash.start()
    for _ in range(2):  # with the lines just above its first frame: the exception's own line (.NET's, the JVM's)
        above = question.rfind("\n", head, start - 1)
        if above < 0 or start - above > 600:
            break
        start = above + 1
    middle = question[start:min(start + CRASH_CHARS, len(question) - TAIL_CHARS)]
    return _parse(question[:head] + "\n" + middle + "\n" + tail)


def owned_names(query: Query) -> frozenset[str]:
    """The names of ``query`` less those it writes only as an owner: of
    ``HTTParty::RedirectionTooDeep`` or ``Faraday::Request`` the member, not the namespace
    every file of the project opens (unless nothing else is left)."""
    owners = {n for n in query.names if re.search(rf"(?<![\w.:]){re.escape(n)}(?:::|\.)[^\W\d]", query.text)
              and not re.search(rf"(?<![\w.:]){re.escape(n)}(?!\w|::|\.[^\W\d])", query.text)}
    return frozenset(query.names - owners) or query.names


def _lines_holding(text: str, piece: str) -> Iterator[tuple[str, str]]:
    """Each line of ``text`` holding ``piece``, with what stands before it on that line; not a
    line inside a block comment (:func:`_in_block_comment`)."""
    at = text.find(piece)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        if not _in_block_comment(text, start):
            yield text[start:end if end >= 0 else len(text)], text[start:at]
        at = text.find(piece, at + 1)


def _in_block_comment(text: str, at: int) -> bool:
    """Whether the line starting at ``at`` lies inside a ``/* … */`` comment opened at the start
    of an earlier line: a JSDoc `@example` whose lines open without a `*` (ky's
    `console.log('Request timed out:', …)` took a pasted message's lift for type-guards.ts)."""
    opened = text.rfind("/*", 0, at)
    while opened >= 0 and text[text.rfind("\n", 0, opened) + 1:opened].strip():  # not at its line's start
        opened = text.rfind("/*", 0, opened)
    return opened >= 0 and text.find("*/", opened + 2, at) < 0


def holds_in_code(text: str, piece: str) -> bool:
    """Whether a line of ``text`` holds ``piece`` in a string literal or in code, not in a
    comment: validator's `_examples/*/main.go` took the message lift for a pasted validation
    error by their `// output: Key: …` comments."""
    return any(in_string(line, [piece]) or not _COMMENTED.match(line) and not _COMMENT_BEFORE.search(before)
               for line, before in _lines_holding(text, piece))


def holds_in_string(text: str, piece: str) -> bool:
    """Whether a line of ``text`` holds ``piece`` inside a string literal (:func:`in_string`):
    where code formats a message, not a comment that speaks of it."""
    return any(in_string(line, [piece]) for line, _ in _lines_holding(text, piece))


#: A `#` that opens no comment: a Rust attribute (`#[error("…")]`, `#![…]`) or C's preprocessor
#: (`#define MSG "…"`), which :data:`COMMENT_LINE` reads as comments.
_NO_COMMENT_HASH = r"#(?![\[!]|\s*(?:define|include|if|ifdef|ifndef|elif|else|endif|error|warning|pragma|undef)\b)"
#: A comment line, where a message may be quoted.
_COMMENTED = re.compile(r"\s*(?:" + _NO_COMMENT_HASH + r"|//|/\*|\*|--)")
#: A comment opened on a line before a piece of it: `x = f()  // output: …`, `# …`, `/* …`.
_COMMENT_BEFORE = re.compile(r"//|/\*|(?:^|\s)" + _NO_COMMENT_HASH + r"|(?:^|\s)--\s")


def in_string(text: str, pieces: Sequence[str]) -> bool:
    """Whether a piece of a pasted message stands inside a string literal of this code line:
    a quote opens before it, and no comment does (a Rust attribute, `#[error("…")]`, and C's
    `#define` are code)."""
    if _COMMENTED.match(text):
        return False
    for piece in pieces:
        at = text.find(piece)
        before = text[:at] if at >= 0 else ""
        if at >= 0 and any(q in before for q in "'\"`") and not _COMMENT_BEFORE.search(before):
            return True
    return False


def bases(word: str) -> list[str]:
    """What an -ed, -ing, -able or -ible word may be made from, likeliest first: ``pickled`` -> ``pickle``,
    ``pickl``; ``parsing`` -> ``parse``, ``pars``; ``stopped`` -> ``stop`` (a doubled consonant);
    ``configurable`` -> ``configure``; ``resettable`` -> ``reset`` (a question asking whether a lock is
    resettable, of code naming its `Reset`)."""
    for suffix in ("ed", "ing", "able", "ible"):
        stem = word[:-len(suffix)]
        # (not "string" -> ``str``, "during"; "used" is a stop word's; not "table", "cable", "visible")
        if word.endswith(suffix) and len(stem) >= (3 if suffix == "ed" else 4) and stem.isalpha():
            out = [word[:-1], stem] if suffix == "ed" else [stem + "e", stem]
            if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiousl":
                out.append(stem[:-1])
            return out
    return []


#: The last part of a dotted word that makes it a file's name: settings, data and pages (lower-case, and none a
#: code's attribute as often: `response.json`, `self.lock`, `self.cfg`, `threading.Lock` stay names).
_FILE_SUFFIX_WORD = re.compile(r"ya?ml|toml|ini|md|markdown|rst|txt|xml|csv|tsv|plist")


#: A C/C++ compiler's include chain (``In file included from /usr/local/include/toml.hpp:36,`` and its
#: ``                 from main.cpp:1:`` lines): toml11's installed toml.hpp was read as the innermost frame of a
#: template error in find.hpp.
_INCLUDE_CHAIN = re.compile(r"^(?:In file included from|\s+from)\s+\S+:\d+[,:]\s*$", re.M)


@lru_cache(maxsize=512)
def _parse(text: str) -> Query:
    installed: set[str] = set()
    unescaped = _FILE_URL.sub(lambda m: "file://" + unquote(m.group(1)), text)
    plain = _URL_PREFIX.sub("", _REGISTRY_URL.sub(lambda m: f"/registry/node_modules/{m.group(1) or m.group(2)}/",
                                                  unescaped.replace("\\", "/")))
    plain = _INCLUDE_CHAIN.sub("", plain)  # which header included which: no frame, no file the report is about
    frames, functions = stack_frames(plain)
    paths: list[str] = []
    frame_lines: list[tuple[str, int]] = []
    frame_functions: list[str] = []
    packages: dict[str, str] = {}
    for raw, number, fn in frames:  # a frame seen twice (recursion) stands where it is innermost
        path, inside = clean_path(raw)
        if path in paths:
            paths.remove(path)
        paths.append(path)
        if inside:
            installed.add(path)
            if package := installed_package(raw):
                packages.setdefault(path, package)
        frame_lines.append((path, number))
        frame_functions.append(fn)
    for m in PERMALINK.finditer(text):  # a link to the file (and line) the report points at
        path = unquote(m.group("path"))
        if path not in paths:
            paths.append(path)
        if m.group("line"):
            frame_lines.append((path, int(m.group("line"))))
            frame_functions.append("")
    framed = tuple(paths)
    for m in _PATH.finditer(plain):  # paths in prose, after the frames (looked up first)
        path, inside = clean_path(m.group(0))
        # a JVM frame's file as it is written inside the frame (`(OParser.scala:292)`), a tail of the path
        # the frame's package gave: looked up on its own, in the text's order, it put the outer frames first
        if path not in paths and not any(f.endswith("/" + path) for f in framed):
            paths.append(path)
            if inside:
                installed.add(path)
                if package := installed_package(m.group(0)):
                    packages.setdefault(path, package)

    names: list[str] = list(functions)
    ticked: set[str] = set()
    for m in BACKTICKED.finditer(text):
        # not a language's keyword in a snippet (hono's "`await next()`" weighed `await` as a name, beside `next`)
        names += [n for n in _NAME.findall(m.group(1)) if len(n) > 2 and not n.isdigit()
                  and (n not in _KEYWORDS or _NAME.fullmatch(m.group(1).strip()))]
        if _NAME.fullmatch(m.group(1).strip()):  # a name alone in backticks is one, common word or not
            ticked.add(m.group(1).strip())
    for m in DOTTED.finditer(PERMALINK.sub(" ", text)):  # github.com of a link to a file is no name
        parts = name_parts(m.group(0))
        if _FILE_SUFFIX_WORD.fullmatch(parts[-1]) and "::" not in m.group(0):
            continue  # a settings or data file's name, no code's (insta's "its insta.yaml" lifted what defines `yaml`)
        if not all(p.islower() and len(p) <= 3 for p in parts):  # "e.g", "i.e"
            names += [p for p in parts if len(p) > 2]
    names += [m.group(1) for m in _CALL.finditer(_CONVENTIONAL.sub(" ", text)) if len(m.group(1)) > 2]
    names += [n for n in _NAME.findall(FENCE.sub(" ", text)) if _is_code_name(n, text)]
    asked = [n for m in _DEFINED.finditer(text) for n in m.groups() if n and len(n) > 2]  # "where is bytesify defined?"
    names += asked
    if is_bare_name(text):  # "ROUNDED", as typed into grep: a name, whatever its case
        names += [n for n in _NAME.findall(text) if len(n) > 2]
    # a capitalised word asked for as a definition is a name even where the word is common
    # ("where is All implemented?": gjson's `func (t Result) All`, which found nothing)
    # and a name written alone in backticks (mockito-kotlin's "where is `any` defined?": `any` is a stop word)
    kept = {n for n in asked if n[:1].isupper()} | ticked
    names = [n for n in names if (n.lower() not in STOPWORDS or n in kept) and not n.isdigit()
             and not re.fullmatch(r"(py|js|ts|go|rs|txt|md|rst|html?|org|com|www|http|https)", n.lower())]

    # a link to a file counts as its path: the host, owner, repository and branch are no words of the
    # code (viper's `…/spf13/viper/blob/master/file.go#L20` ranked viper.go, named for the repository, first)
    prose = Counter(tokenize(PERMALINK.sub(lambda m: f" {unquote(m.group('path'))} ", text)))
    if not is_statement(text):  # "which file implements X?": the asking is no word of the code sought
        asked_with = Counter(token for m in _ASKING.finditer(text) for token in tokenize(m.group(m.lastindex or 0)))
        if any(prose - asked_with) or any(identifier_tokens(n) for n in names):
            prose -= asked_with  # ("where is `Import` defined?" has no other word to rank by)
    terms: list[str] = []
    for token, count in prose.items():
        terms += [token] * min(count, MAX_PROSE_COUNT)
    for name in dict.fromkeys(names):
        terms += list(identifier_tokens(name)) * NAME_WEIGHT
    # "improve the French translation": a locale's file is named by its code (fr.ts)
    localized = _LOCALIZED.search(text) or _IN_LANGUAGE.search(text)
    locales = tuple(code for word, code in LANGUAGE_CODES.items() if word in prose) if localized else ()
    terms += [code for code in locales if code not in prose]
    sources = tuple((clean_path(m.group(1))[0], int(m.group(2)), source.group(1).strip())
                    for m in FRAME.finditer(plain)
                    if (source := _FRAME_SOURCE.match(plain, plain.find("\n", m.end()) + 1 or len(plain))) is not None)
    return Query(text, tuple(terms), frozenset(names), tuple(dict.fromkeys(p for p in paths if p)),
                 tuple(functions), frozenset(installed), tuple(frame_lines), pasted_messages(text), tuple(frame_functions),
                 sources, pasted_message_starts(text), dotnet_owner(plain), locales, tuple(packages.items()))
