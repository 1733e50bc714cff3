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
from .intent import PERMALINK, is_bare_name, is_statement

#: Characters of a question that are read (a pasted log can be megabytes).
MAX_QUERY_CHARS = 20_000
#: Of those, the ones taken from the end of a longer question: a report puts its traceback,
#: innermost frame and error last, after the prose and the logs.
TAIL_CHARS = 8_000
#: Extra weight of a token that comes from a code name, over a prose token.
NAME_WEIGHT = 2
#: A prose token counts at most this many times, however often a long report repeats it.
MAX_PROSE_COUNT = 2

#: A Python frame; a compiled module's names its function in full (Cython's ``in
#: aiohttp._http_parser.HttpParser.feed_data``): the function is the last part.
#: The source line Python prints below a frame (not the next frame, nor its carets).
_FRAME_SOURCE = re.compile(r'[ \t]+(?!File ")([^\s^~][^\n]*)')
_FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in ((?:[^\W\d]|<)[\w<>]*(?:\.[^\W\d][\w<>]*)*))?')
#: A V8 frame (``at fn (path:line:col)``, ``at new Server (…)``, ``at async fn (…)``, or a
#: bare ``at path:line:col``), read after backslashes became slashes and URL prefixes went.
_JS_FRAME = re.compile(r"at (?:(?:new|async) )*(?:([\w.$<>]+)(?: \[as [\w$]+\])? )?\(?((?:[A-Za-z]:)?(?:[\w@./-]+/)?"
                       r"(?:[\w@.-]+(?: [\w@.-]+)+/(?:[\w@.-]+/)*)?[\w.-]+\.(?:js|ts|mjs|cjs|tsx|jsx)):(\d+)")
#: A Go frame line (a goroutine dump puts the function on the line above it). Indentation
#: only, never across lines: ``\s*`` tried every line start against every later one, so a
#: report of blank lines took tens of seconds. Absolute paths and module versions
#: (``gin@v1.9.0``) too; a generated file's stem may hold dots (``api.pb.go``).
_GO_FRAME = re.compile(r"^[^\S\n]*((?:(?:[A-Za-z]:)?/(?:[\w.@+~-]+(?: [\w.@+~-]+)*/)*|(?:[\w.@+~-]+/)*)"
                       r"[\w.+-]+\.go):(\d+)", re.M)
#: Rust: where it panicked (``panicked at src/parse.rs:12:5:``, or the older
#: ``panicked at 'msg', src/main.rs:2:5``), and ``RUST_BACKTRACE`` frames (``  3: crate::f``
#: then ``at ./src/f.rs:1:44``; older Rusts print the frame's address first, ``8:  0x55… - crate::f``).
_RUST_PANIC = re.compile(r"panicked at (?:'[^\n]*', )?((?:[A-Za-z]:)?[^\s:'\"]+\.rs):(\d+)")
_RUST_FRAME = re.compile(r"^[^\S\n]*\d+:[^\S\n]+(?:0x[0-9a-fA-F]+ - )?(\S[^\n]*)\n[^\S\n]*at ((?:[A-Za-z]:)?/[^\n:]+?\.rs|[^\s:]+\.rs):(\d+)", re.M)
#: PHP: ``#0 /var/www/src/Routing/RouteParser.php(75): Slim/Routing/RouteParser->urlFor('a')`` (the
#: namespace's backslashes read as slashes), innermost first; and where an uncaught error was
#: thrown (``… in /var/www/src/Foo.php:42``, ``thrown in /var/www/src/Foo.php on line 42``), innermost of all.
_PHP_FRAME = re.compile(r"^[^\S\n]*#\d+ ((?:[A-Za-z]:)?[^\s()]*?\.php)\((\d+)\): (?:[\w/@]+(?:->|::))?(\w+)?", re.M)
_PHP_THROWN = re.compile(r"\bin ((?:[A-Za-z]:)?/[^\s:()]+\.php)(?::| on line )(\d+)")
#: Where PHP says an argument's TypeError was called from (``… int given, called in /app/Parser.php on
#: line 276 and defined in …``): the caller passed the wrong value.
_PHP_CALLED_IN = re.compile(r"\bcalled in ((?:[A-Za-z]:)?/[^\s:()]+\.php) on line \d+")
#: .NET: ``at Ns.Class.Method(String a) in C:/src/Core/File.cs:line 140`` (a Release build leaves
#: out `` in …``: the method alone), innermost first.
#: (Not the JVM's, `at org.testng.Assert.fail(Assert.java:99)`: read so, its class was ours of its name.)
_DOTNET_FRAME = re.compile(r"^[^\S\n]*at ([\w.`<>+$\[\],]+?)"
                           r"\((?![\w$-]+\.(?:java|kt|scala|groovy|clj):\d+\)|Native Method\)|Unknown Source\))"
                           r"(?:[^()\n]|\([^()\n]*\))*\)"
                           r"(?: in ((?:[A-Za-z]:)?[^\n]+?\.(?:cs|fs|vb)):line (\d+))?[^\S\n]*$", re.M)
#: JVM: ``at com.google.gson.internal.bind.JsonTreeReader.skipValue(JsonTreeReader.java:123)``, innermost
#: first; the file's folders are its package's (``com/google/gson/internal/bind/``).
_JVM_FRAME = re.compile(r"\bat ((?:[\w$]+\.)*)([\w$]+)\.([\w$<>]+)\(([\w$-]+\.(?:java|kt|scala|groovy)):(\d+)\)")
#: Ruby: ``/app/lib/sinatra/base.rb:389:in 'Sinatra::Helpers#content_type'`` (Ruby 3.4) or
#: ``…:in `content_type'``, innermost first.
_RUBY_FRAME = re.compile(r"(?<![^\s(\"'`])((?:[A-Za-z]:)?[^\s:'\"`()]+\.rb):(\d+):in [`']([^'\n]*)'")
#: Ruby 2.5-2.7 printed to a terminal: ``Traceback (most recent call last):``, callers as
#: ``\t2: from lib/x.rb:63:in `execute'``, where it broke last.
_RUBY_REVERSED = re.compile(r"^[^\S\n]*\d+: from [^\s:]+\.rb:\d+:in ", re.M)
#: Swift: a crash's ``Current stack trace:`` (``2  Rainbow  0x55d0a1a3b2f1 $s7Rainbow…parseCodes… + 321 at
#: /home/me/Rainbow/Sources/ModesExtractor.swift:74``; a macOS report leaves out `` at …``), innermost first;
#: and ``Fatal error: …: file Sources/X.swift, line 74``, innermost of all.
_SWIFT_FRAME = re.compile(r"^[^\S\n]*(?:at[^\S\n]+)?\d+[^\S\n]+\S+[^\S\n]+0x[0-9a-fA-F]+[^\S\n]+(\S.*?)"
                          r"(?:[^\S\n]+\+[^\S\n]*\d+)?"
                          r"(?:[^\S\n]+at[^\S\n]+((?:[A-Za-z]:)?[^\s:]+\.swift):(\d+)|"
                          # a symbolicated report's ``… + 200 (MultipartFormData.swift:392)``
                          r"[^\S\n]+\(((?:[A-Za-z]:)?[^\s:()]+\.swift):(\d+)\))?[^\S\n]*$", re.M)
#: A native crash's frames, innermost first: AddressSanitizer's and gdb's ``#0 0x55d4a1 in parse_string
#: /src/cJSON.c:851:12``, ``#1  print_value (item=0x0) at cJSON.c:1420``; lldb's ``frame #0: 0x… a.out`main
#: at main.c:5:3``; valgrind's ``==12==    by 0x4005: parse_string (cJSON.c:851)``.
_NATIVE_SOURCE = r"((?:[A-Za-z]:)?[^\s:()`]+\.(?:c|h|cc|cpp|cxx|c\+\+|hpp|hh|hxx|m|mm|zig|rs|go|swift|f90|d)):(\d+)"
#: A C++ template's arguments, nested three deep (``<basic_json<>, adapter<char const*> >``): no
#: part of it can match another's text, so a line of `<` is read once, not tried every way.
_TEMPLATE = r"(?:<[^<>\n]*(?:<[^<>\n]*(?:<[^<>\n]*>[^<>\n]*)*>[^<>\n]*)*>)"
_NATIVE_FRAME = re.compile(
    r"^[^\S\n]*(?:\*[^\S\n]*)?(?:frame[^\S\n]*)?#\d+:?[^\S\n]+(?:0x[0-9a-fA-F]+[^\S\n]+(?:in[^\S\n]+)?)?(?:[^\s`]*`)?"
    r"((?:[A-Za-z_~][\w~]*" + _TEMPLATE + r"?::)*[A-Za-z_~][\w~]*" + _TEMPLATE + r"?)[^\S\n]*(?:\((?:[^()\n]|\([^()\n]*\))*\))?"
    r"(?:[^\S\n]+\+[^\S\n]*\d+)?[^\S\n]+(?:at[^\S\n]+)?" + _NATIVE_SOURCE + r"|"
    r"^==\d+==[^\S\n]+(?:at|by)[^\S\n]+0x[0-9a-fA-F]+:[^\S\n]+((?:[A-Za-z_~][\w~]*" + _TEMPLATE + r"?::)*[A-Za-z_~][\w~]*)"
    r"[^\n]*?\(" + _NATIVE_SOURCE + r"\)", re.M)
_SWIFT_FATAL = re.compile(r"\bfile ((?:[A-Za-z]:)?[^\s,]+\.swift), line (\d+)")
#: A length-prefixed name of a Swift mangled symbol (``10parseCodes``).
_SWIFT_MANGLED_NAME = re.compile(r"(\d+)([A-Za-z_])")
#: Elixir: ``    (plug 1.15.3) lib/plug/conn.ex:445: Plug.Conn.send_resp/3`` (or ``lib/app.ex:12: App.run/1``
#: in the application's own code), innermost first.
_ELIXIR_FRAME = re.compile(r"^[^\S\n]*(?:\([\w-]+(?: [\w.+-]+)?\)[^\S\n]+)?((?:[\w.-]+/)*[\w.-]+\.exs?):(\d+):"
                           r"[^\S\n]+(?:[A-Z][\w.]*\.)?([\w]+[?!]?)/\d+", re.M)
#: A location as pytest, mypy, ruff, flake8, compilers and linters print one, at a line's start
#: (``src/pkg/rrule.py:870: in _iter``, ``src/a.py:12:5: E501 …``, ``src/a.c:3:9: error: …``,
#: ``src/a.ts:4:2 - error TS2322``, rustc's ``--> src/main.rs:2:5``); Go's are its frames'.
_LOCATION = re.compile(r"^[^\S\n]*(?:-->[^\S\n]*)?((?:[A-Za-z]:)?[^\s:'\"`()]*?\.(?:py|pyi|pyx|c|h|cc|cpp|cxx|hpp|hh|m|mm|"
                       r"java|kt|kts|scala|swift|rb|php|cs|ts|tsx|js|jsx|mjs|cjs|rs)):(\d+)(?::\d+)?"
                       r"(?::|[^\S\n]+-[^\S\n]|[^\S\n]*$)(?:[^\S\n]*in[^\S\n]+([^\W\d][\w.]*))?", re.M)
#: webpack's ``ERROR in ./src/app.ts 12:4`` (the path, a space, then line and column).
_WEBPACK = re.compile(r"^ERROR in ((?:\.{1,2}/)?[^\s:'\"`()]+\.(?:[cm]?[jt]sx?|vue|svelte)) (\d+):\d+", re.M)
#: Where a JVM trace's chained cause starts: the last cause holds the innermost frame.
_CAUSED_BY = re.compile(r"^[^\S\n]*Caused by: ", re.M)
#: The function a goroutine dump names on the line above a frame (``main.(*Server).handle(0x1)``).
_GO_FUNCTION = re.compile(r"(?<!\w)([^\W\d]\w*)\((?:[^()\n]|\([^()\n]*\))*\)\s*$")
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
#: A file in Go's module cache, once its folders up to ``pkg/mod/`` are gone: the module,
#: its version, and the file's path inside the module (``github.com/spf13/cobra@v1.10.1/command.go``).
_GO_MODULE_FILE = re.compile(r"^((?:[\w.~-]+/)*[\w.~-]+)@v[\w.+-]+/(.+)$")
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
_FENCE = re.compile(r"```.*?```", re.S)
#: Where another package lives on the user's machine: Python's site-packages and standard
#: library (``Lib/`` on Windows), node_modules, Go's module cache, Cargo's registry and git
#: checkouts, Rust's standard library. A path through one names that package's file; what
#: follows the last of them is kept.
_INSTALLED = re.compile(r"^.*(?:(?:site|dist)-packages|[Ll]ib/python[\d.]*|Python\d*/Lib|node_modules|pkg/mod(?=/[\w-]+\.[\w.-]+/)|"
                        r"\.cargo/registry/src/[^/]+|\.cargo/git/checkouts/[^/]+|rustc/[0-9a-f]{7,}/library|"
                        r"rustlib/src/rust/library|gems/[\w.-]+?-\d+(?:\.\w+)*|vendor/[\w.-]+/[\w.-]+(?=/\S*\.php$))/")
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


#: The package an installed path names before the part :func:`_clean` keeps: a gem's name, a
#: Composer package's (``league/flysystem``).
_PACKAGE = re.compile(r"gems/([\w.-]+?)-\d+(?:\.\w+)*/|vendor/([\w.-]+/[\w.-]+)/(?=\S*\.php$)")


def _package(raw: str) -> str:
    """The package of an installed ``raw`` path whose kept part no longer names it, or ``""``."""
    found = list(_PACKAGE.finditer(raw.replace("\\", "/")))  # the last: what follows it is what _clean keeps
    return (found[-1].group(1) or found[-1].group(2)) if found else ""


def _clean(path: str) -> tuple[str, bool]:
    """A path as the candidate stage looks it up (``/`` separators, no ``./``), and whether
    it lay in another installed package (then only what follows that package's folder is
    kept)."""
    path = path.replace("\\", "/")
    installed = _INSTALLED.match(path)
    if installed:
        return path[installed.end():], True
    path = re.sub(r"^(?:(?:[A-Za-z]:)?/+|~/|(?:\./)+)", "", path)
    return path, False


def _rust_function(symbol: str) -> str:
    """``myapp::parse::run::h0123456789abcdef`` -> ``run`` (the hash a backtrace may add goes)."""
    parts = [p for p in symbol.split("::") if p and not re.fullmatch(r"h[0-9a-f]{16}", p)]
    return re.sub(r"[^\w].*", "", parts[-1]) if parts else ""


def _frames(text: str) -> tuple[list[tuple[str, int, str]], list[str]]:
    """Paths (with the line and the function each frame names, ``""`` for none) and
    functions of the stack traces in ``text`` (slashes for backslashes, URL prefixes gone),
    **innermost last** in every language: Python prints its frames that way, JavaScript, Go
    and Rust the other way round, so theirs are reversed (a Rust panic's own place last of all)."""
    paths: list[tuple[str, int, str]] = []
    functions: list[str] = []
    for m in _FRAME.finditer(text):
        named = m.group(3).rsplit(".", 1)[-1] if m.group(3) and not m.group(3).startswith("<") else ""
        paths.append((m.group(1), int(m.group(2)), named))
        if named:
            functions.append(named)
    js = [(m.group(2), int(m.group(3)), (m.group(1) or "").rsplit(".", 1)[-1]) for m in _JS_FRAME.finditer(text)]
    go = []
    for m in _GO_FRAME.finditer(text):
        line = text.rfind("\n", 0, max(m.start() - 1, 0)) + 1
        fn = _GO_FUNCTION.search(text[max(line, m.start() - 300):max(m.start() - 1, 0)])  # the line above, its end
        go.append((m.group(1), int(m.group(2)), fn.group(1) if fn else ""))
    rust = [(m.group(1), int(m.group(2)), "") for m in _RUST_PANIC.finditer(text)]  # reversed below: last
    rust += [(m.group(2), int(m.group(3)), _rust_function(m.group(1).strip())) for m in _RUST_FRAME.finditer(text)]
    # a PHP frame names the function it calls at that line: the one the line is in is the next frame's callee
    called = [(m.group(1), int(m.group(2)), m.group(3) or "") for m in _PHP_FRAME.finditer(text)]
    php = [(path, number, called[i + 1][2] if i + 1 < len(called) else "") for i, (path, number, _) in enumerate(called)]
    for m in list(_PHP_THROWN.finditer(text))[:1]:  # where it was thrown: reversed below, last
        where = (m.group(1), int(m.group(2)))
        # thrown by a built-in the first frame calls (array_map), the line is that frame's; else in its callee
        php.insert(0, (*where, php[0][2] if php and php[0][:2] == where else called[0][2] if called else ""))
    dotnet = [(m.group(2) or "", int(m.group(3) or 0), _dotnet_function(m.group(1))) for m in _DOTNET_FRAME.finditer(text)]
    ruby = [(m.group(1), int(m.group(2)), _ruby_function(m.group(3))) for m in _RUBY_FRAME.finditer(text)]
    swift = [(m.group(1), int(m.group(2)), "") for m in _SWIFT_FATAL.finditer(text)][:1]  # reversed below: last
    swift += [(m.group(2) or m.group(4) or "", int(m.group(3) or m.group(5) or 0), _swift_function(m.group(1)))
              for m in _SWIFT_FRAME.finditer(text) if m.group(2) or m.group(4) or _swift_function(m.group(1))]
    jvm = []  # each chained cause's frames in turn: reversed below, the last cause's first frame is innermost
    for block in reversed(_CAUSED_BY.split(text)):
        jvm += [("/".join(m.group(1).split(".")[:-1] + [m.group(4)]) if m.group(1) else m.group(4),
                 int(m.group(5)), m.group(3)) for m in _JVM_FRAME.finditer(block)]
    elixir = [(m.group(1), int(m.group(2)), m.group(3)) for m in _ELIXIR_FRAME.finditer(text)]
    native = [(m.group(2) or m.group(5), int(m.group(3) or m.group(6)), _native_function(m.group(1) or m.group(4)))
              for m in _NATIVE_FRAME.finditer(text)]
    if _RUBY_REVERSED.search(text):  # Ruby 2.5-2.7 on a terminal: `2: from …` lines, innermost last already
        ruby.reverse()
    for frames in (js, go, rust, php, dotnet, ruby, jvm, swift, elixir, native):
        for path, number, fn in reversed(frames):
            named = fn if fn and not fn.startswith("<") else ""
            if path:  # a .NET Release frame names its method and no file
                paths.append((path, number, named))
            if named:
                functions.append(named)
    # a test runner's or linter's locations, before any trace's frames (looked up after them): pytest's
    # (`path:870: in _iter`) are a stack, innermost last; a linter's or compiler's list is in the file's
    # order, not a stack, and its first error is looked up first (the last in this list)
    framed = {(path, number) for path, number, _ in paths}
    located = [(m.group(1), int(m.group(2)), (m.group(3) or "").rsplit(".", 1)[-1]) for m in _LOCATION.finditer(text)
               if (m.group(1), int(m.group(2))) not in framed]
    located += [(m.group(1), int(m.group(2)), "") for m in _WEBPACK.finditer(text)]
    located = [f for f in reversed(located) if not f[2]] + [f for f in located if f[2]]
    functions = [fn for _, _, fn in located if fn] + functions
    return located + paths, functions


def _native_function(symbol: str) -> str:
    """``nlohmann::detail::lexer<basic_json<>, …>::scan_string`` -> ``scan_string`` (a C++
    frame's template arguments, which hold ``::`` of their own, go first)."""
    depth, plain = 0, []
    for c in symbol:
        depth += (c == "<") - (c == ">")
        if depth == 0 and c != ">":
            plain.append(c)
    return "".join(plain).rsplit("::", 1)[-1]


def _dotnet_function(symbol: str) -> str:
    """``CommandLine.Core.TypeConverter.ToEnum`` -> ``ToEnum``; a lambda's or iterator's
    compiler name (``<ToEnum>b__0``, ``<Build>d__3.MoveNext``) -> the method it is in."""
    inner = re.search(r"<(\w+)>", symbol)
    if inner:
        return _ACCESSOR.sub("", inner.group(1))
    # a property's or event's accessor (`get_Result`, `add_Changed`) is the property the source names
    return _ACCESSOR.sub("", re.sub(r"[^\w].*", "", re.sub(r"\[[^\]]*\]|`\d+", "", symbol).rsplit(".", 1)[-1]))


#: The compiler's name of a property's or an event's accessor: FakeItEasy's `FailedCreationResult.get_Result()`
#: frame named no method of CreationResult.cs, which has `Result { get { … } }`.
_ACCESSOR = re.compile(r"^(?:get|set|add|remove|init)_(?=[A-Z])")


def dotnet_namespace(text: str) -> str:
    """The namespace of the innermost frame of a .NET trace in ``text``
    (``at Ardalis.Specification.EntityFrameworkCore.SpecificationEvaluator.GetQuery(…)`` ->
    ``Ardalis.Specification.EntityFrameworkCore``), or ``""``."""
    m = _DOTNET_FRAME.search(text)
    if m is None:
        return ""
    parts = [p for p in re.sub(r"\[[^\]]*\]|`\d+", "", m.group(1)).split(".") if p]
    owner = _dotnet_owner(text)
    if owner is None or owner[0] not in parts:
        return ""
    return ".".join(parts[:parts.index(owner[0])])


def _dotnet_owner(text: str) -> tuple[str, str] | None:
    """(class, method) of the innermost frame of a .NET trace in ``text``
    (``at Newtonsoft.Json.Linq.JObject.ValidateToken(…)`` -> ``("JObject", "ValidateToken")``;
    a compiler's ``<Build>d__3`` of an iterator or lambda passed over); None without one."""
    m = _DOTNET_FRAME.search(text)
    if m is None:
        return None
    parts = [p for p in re.sub(r"\[[^\]]*\]|`\d+", "", m.group(1)).split(".") if p]
    plain = parts[:-1] if parts and "<" not in parts[-1] else parts  # the method's own part, or a lambda's
    owner = next((p for p in reversed(plain) if "<" not in p and ">" not in p), "")
    method = _dotnet_function(m.group(1))
    return (owner, method) if owner[:1].isupper() and method and owner != method else None


def _swift_function(symbol: str) -> str:
    """The function of a Swift frame's symbol: demangled (``Rainbow.ConsoleEntryParser.parseCodes() ->
    [UInt8]`` -> ``parseCodes``) or mangled (``$s7Rainbow18ConsoleEntryParserC10parseCodes…`` -> the
    first of its length-prefixed names that starts lower case: ``parseCodes``); else nothing."""
    if symbol.startswith("kfun:"):  # Kotlin/Native's, as Swift's are laid out (`at 3 test.kexe 0x… kfun:…`)
        return _kotlin_native_function(symbol)
    if not symbol.startswith(("$s", "$S", "_$s")):
        head = symbol.split("(", 1)[0]
        return re.sub(r"[^\w].*", "", head.rsplit(".", 1)[-1]) if "." in head and "(" in symbol else ""
    at, names = 0, []
    while (m := _SWIFT_MANGLED_NAME.search(symbol, at)) is not None:
        size = int(m.group(1))
        names.append(symbol[m.start(2):m.start(2) + size])
        at = m.start(2) + max(size, 1)
    return next((n for n in names if n[:1].islower() and n.isidentifier()), "")


def _kotlin_native_function(symbol: str) -> str:
    """The function of a Kotlin/Native frame's symbol: ``kfun:app.cash.turbine#awaitItem__at__
    kotlinx.coroutines.channels.ReceiveChannel<0:0>(…){…}`` -> ``awaitItem`` (an extension's
    receiver follows ``__at__``), ``kfun:….Scope.$lambda$0COROUTINE$1.invokeSuspend#internal`` ->
    ``invokeSuspend``; a constructor (``#<init>``) names none."""
    owner, _, name = symbol[len("kfun:"):].split("(", 1)[0].partition("#")
    name = name.split("__at__", 1)[0]
    if name == "internal":  # an internal member's visibility, after its name
        name = owner.rsplit(".", 1)[-1]
    return name if name.isidentifier() and not name.startswith("$") else ""


def _ruby_function(label: str) -> str:
    """``Sinatra::Helpers#content_type`` -> ``content_type``, ``block in Sinatra::Base#process_route``
    -> ``process_route``, ``route!`` -> ``route``; ``<main>``, ``<class:MyApp>`` -> nothing."""
    label = re.sub(r"^(?:(?:block|rescue|ensure)(?: \(\d+ levels\))? in )+", "", label.strip())
    if label.startswith("<"):
        return ""
    return re.sub(r"[?!=]$", "", re.split(r"#|::|\.", label)[-1])


def go_module_file(path: str) -> tuple[str, str] | None:
    """``(module, path inside it)`` of a file in Go's module cache as :func:`parse` keeps it
    (``github.com/spf13/cobra@v1.10.1/command.go`` -> ``github.com/spf13/cobra``,
    ``command.go``), else None: every user's panic names a Go library's files so, and the
    path inside the module is the library repository's own."""
    m = _GO_MODULE_FILE.match(path)
    return (m.group(1), m.group(2)) if m and path.endswith(".go") else None


#: A file of a crate in Cargo's registry, once the folders up to it are gone: the crate's
#: name, its version, and the file's path inside the crate (``grep-printer-0.1.7/src/standard.rs``).
_CRATE_FILE = re.compile(r"^([A-Za-z][\w-]*?)-\d+\.\d+\.\d+[\w.+-]*/(.+\.rs)$")


def php_caller(text: str) -> str | None:
    """The file a PHP argument TypeError was called from (with ``/`` for ``\\``), or None."""
    found = _PHP_CALLED_IN.search(text.replace("\\", "/"))
    return found.group(1) if found else None


def php_call_sites(text: str) -> bool:
    """Whether ``text`` holds a PHP trace whose frames (``#0 …/Dumper.php(64): Inline::dump()``) name
    only call sites: no line says where it was thrown, so its innermost frame is the caller of what threw."""
    plain = text.replace("\\", "/")
    return _PHP_FRAME.search(plain) is not None and _PHP_THROWN.search(plain) is None


def crate_file(path: str) -> tuple[str, str] | None:
    """``(crate, path inside it)`` of a file in Cargo's registry as :func:`parse` keeps it,
    else None: a user's panic names a published crate's files so."""
    m = _CRATE_FILE.match(path)
    return (m.group(1), m.group(2)) if m else None


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


#: A pasted error line: ``ValueError: msg``, ``Error: msg``, ``panic: msg``, ``E   KeyError: msg``.
_ERROR_LINE = re.compile(r"^[^\S\n]*(?:E[^\S\n]+)?"
                         # the JVM's uncaught exception and its causes, kotlinc's `e:`, Xcode's `Thread 1:`
                         r"(?:Exception in thread \"[^\"\n]*\"[^\S\n]+|Caused by:[^\S\n]+|e:[^\S\n]+|Thread \d+:[^\S\n]+|"
                         # Kotlin/Native's (okio's `Uncaught Kotlin exception: okio.EOFException: \n not found`)
                         r"Uncaught Kotlin exception:[^\S\n]+|Unhandled exception\.[^\S\n]+|"  # and .NET's
                         # a browser's console and Node's REPL: `Uncaught (in promise) TypeError: msg`
                         r"Uncaught[^\S\n]+(?:\(in promise\)[^\S\n]+)?)?"
                         # Swift's runtime trap: `Fatal error: msg`
                         # and a lower-case `warning:` as Rust's, gcc's and env_logger's own print it
                         # (a PHP namespace's too: `Symfony\Component\Yaml\Exception\DumpException: …` gave none)
                         # (and Ruby's: `ActionView::Template::Error: …` gave none)
                         r"(?:(?:[\w.\\/]|::)*(?:Error|Exception|Warning|Failure)|error|fatal|[Ff]atal error|panic|"
                         # and a log level's capitals, pip's (`ERROR: Could not find a version …`: it gave none)
                         r"warning|ERROR|FATAL|CRITICAL|WARNING)"
                         r"(?:\[\w+\])?:[^\S\n]+(.{12,300})$|"
                         # a message after `Error`, kept with it (`Error parsing …`), and after a tool's `ERROR`,
                         # without it (pypa/build's `ERROR Unmet dependencies …`, which no file holds so, found nothing)
                         # (and Elixir's Logger's, after its time: `10:15:32.123 [warning] retry: got response …`)
                         r"^[^\S\n]*(?:ERROR[^\S\n]+(?![\s:])|(?:[\d:.TZ-]+[^\S\n]+)?"
                         r"\[(?:ERROR|FATAL|error|warning|warn)\][^\S\n]+|(?=(?:Error|error)\b[^:\n]))"
                         r"(.{12,300})$|"
                         # a C tool's, after its name or a source location: `jq: error (at <stdin>:0): msg`,
                         # `parser.c:12:5: fatal error: msg`, Swift's `Foo.swift:36: Fatal error: msg`, Python's
                         # warning (`conftest.py:18: InsecureKeyLengthWarning: msg`: pyjwt's gave no message)
                         r"^[^\S\n]*[\w./+-]{1,80}(?::\d+)*:[^\S\n]+(?:[Ff]atal[^\S\n]+)?"
                         r"(?:error|[Ff]atal|warning|[A-Z]\w*(?:Warning|Error|Exception))"
                         r"(?:[^\S\n]*\([^)\n]*\))?:[^\S\n]+(.{12,300})$|"
                         # a command line parser's, after the option (CLI11's `--count: Value 5000 not in range
                         # [1 - 100]` gave none)
                         r"^[^\S\n]*--?[A-Za-z][\w-]*:[^\S\n]+([A-Z][^\n]{11,300})$|"
                         # PHP's own (`PHP Fatal error:  Uncaught App\XException: msg in /app/x.php:41`:
                         # Respect/Validation's gave none), less the exception's name and where it was thrown
                         r"^[^\S\n]*PHP[^\S\n]+(?:Fatal error|Warning|Notice|Deprecated|Parse error):[^\S\n]+"
                         r"(?:Uncaught[^\S\n]+[\w\\]+:[^\S\n]+)?(.{12,300}?)"
                         r"(?:[^\S\n]+in[^\S\n]+\S+?(?::\d+|[^\S\n]+on[^\S\n]+line[^\S\n]+\d+))?$", re.M)
#: A quoted string in prose: what a report quotes of a message (every quoted span is matched,
#: short ones too, so the text between two quotes is never read as one; not backticks, which
#: quote code).
_QUOTED = re.compile(r'"([^"\n]*)"|(?<![\w])\'([^\'\n]*)\'(?![\w])')
#: What a message's values look like where the code has a placeholder: quoted values (one never
#: closed runs to the line's end: godotenv's `unterminated quoted value "-----BEGIN …`), reprs,
#: numbers, paths and names in angle brackets; the literal text between them is kept.
_VALUE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|(?<!\w)[\"'][^\"'\n]*$|<[^>\n]*>|\([^()\n]*\)|"
                    # a Ruby symbol inspected into a message (dry-monads' "Cannot create Failure from :timeout, …")
                    r"(?<![\w:]):[a-z_]\w*[?!]?(?![\w:])|"
                    r"(?<![#!])\[[^\]\n]*\]|\{[^}\n]*\}|"
                    r"(?<![\w.])[-+]?\d[\w.:/-]*|(?<!\S)\S*[/\\]\S*")
#: A value quoted the way a message quotes what the user gave (``'--verbose'``, ``"abc"``).
_PASTED_VALUE = re.compile(r"(?<![\w])'[^'\n]+'(?![\w])|\"[^\"\n]+\"")
#: A log message's capitals typed alone (gunicorn's "WORKER TIMEOUT", which only its arbiter logs):
#: two words or more (one is a constant's name, :func:`~explore.retrieval.intent.is_bare_name`).
_SHOUTED = re.compile(r"[A-Z][A-Z0-9'_-]*(?: [A-Z][A-Z0-9'_-]*){1,7}[.!]?")
#: A piece is worth looking up when it holds this many words, or one fewer in 12 characters
#: or more (``Required block``): shorter ones (``not found``) stand in too many places.
MESSAGE_WORDS = 3


def _long_enough(piece: str) -> bool:
    words = len(piece.split())
    return (words >= MESSAGE_WORDS or words == MESSAGE_WORDS - 1 and len(piece) >= 12) and \
        re.search(r"[^\W\d_]{3}", piece) is not None


def _message_starts(text: str) -> tuple[tuple[str, ...], ...]:
    """:attr:`Query.message_starts`: the pieces of the error lines in ``text``, each cut a
    word at a time from its end while it stays long enough to look up."""
    starts = []
    for line in _error_lines(text):
        # and its first sentence alone: a long message's start cut to half its words never reached the
        # sentence holding the value (apispec's "Multiple schemas resolved to the name Pet. The name has …")
        sentence = _SENTENCE_END.split(line, maxsplit=1)[0]
        for said in dict.fromkeys((line, sentence)):
            # the message's first piece only, cut to no less than half its words: a later piece's start
            # (p-queue's `and up, got`) stands in every message of its kind
            first = next((p for p in _VALUE.split(said) if p.strip()), "")
            words = first.strip(" \t.,;:!?-=").split()
            cut = [" ".join(words[:n]) for n in range(len(words) - 1, 1, -1) if 2 * n >= len(words)]
            cut = [c for c in cut if _long_enough(c)]
            if cut and _long_enough(" ".join(words)):
                starts.append(tuple(cut))
    return tuple(starts)


#: Where a sentence of a message ends and the next begins (for a message's first sentence,
#: :func:`_message_starts`, and its sentences, :func:`_messages`). It was defined twice, the
#: second (this one) shadowing the first, ``(?<=[a-z0-9)'"][.!?])\s+``, which no call ever used.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9])[.!?]\s+(?=[A-Z])")


#: What a build tool prints after the errors themselves, in every report of its kind: no code
#: holds it (cargo's ``could not compile `app` (lib) due to 1 previous error``).
_BOILERPLATE = re.compile(r"\bcould not compile\b|\baborting due to\b|\bprevious errors?\b|\bwarnings? emitted\b|"
                          r"\bto rerun pass\b|"
                          r"\bbuild failed\b|\bcompilation failed\b|\bcompilation terminated\b", re.I)


#: A list of errors as Go's multierror and mapstructure print it: ``1 error(s) decoding:`` (or
#: ``2 errors occurred:``), then a ``* message`` per error.
#: (JUnit's ``InvalidTestClassError: Invalid test class 'FooTest':`` numbers its items: ``1. The @Rule …``.)
_ERROR_LIST = re.compile(r"^(?:[^\n]*\b\d+ errors?(?:\(s\))? (?:occurred|decoding)\b|"
                         r"[^\S\n]*(?:[\w$]+\.)*[A-Z]\w*(?:Error|Exception):[^\S\n])[^\n]*:[^\S\n]*\n"
                         r"((?:[^\S\n]*\n)*(?:[^\S\n]*(?:\*|\d{1,2}\.)[^\S\n]+[^\n]+(?:\n|$))+)", re.M)
_ERROR_ITEM = re.compile(r"^[^\S\n]*(?:\*|\d{1,2}\.)[^\S\n]+(.{12,300})$", re.M)


#: Messages other runtimes print in other shapes, one group each: Ruby's uncaught exception
#: (``app.rb:22:in 'save': stubbed models are not allowed … (RuntimeError)``), RSpec's failure (the
#: class alone on a line, the message indented below it: factory_bot's ``KeyError:`` then
#: ``Factory not registered: "usr"``), and an Objective-C exception's ``reason: '…'`` (Nimble's,
#: over several lines).
_ERROR_FORMS = (
    re.compile(r"^[^\S\n]*\S+:\d+:in [`'][^'\n]*':[^\S\n]+(.{12,300}?)[^\S\n]+\((?:[A-Z]\w*::)*[A-Z]\w*\)$", re.M),
    re.compile(r"^[^\S\n]*(?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception|Failure|Invalid|NotFound):[^\S\n]*\n"
               r"[^\S\n]+(\S.{11,300})$", re.M),
    re.compile(r"\breason: '([^']{12,300})'"),
    # a Ruby exception of a namespace, whatever its class's name (`Kaminari::ZeroPerPageOperation: …`), and as a Rails
    # log prints one: `ActiveRecord::RecordNotFound (Couldn't find User with 'id'=42):` (kaminari's reports gave none)
    re.compile(r"^[^\S\n]*(?:[A-Z]\w*::)+[A-Z]\w*:[^\S\n]+(.{12,300})$", re.M),
    re.compile(r"^[^\S\n]*(?:(?:[A-Z]\w*::)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception))[^\S\n]+\((.{12,300})\):?[^\S\n]*$",
               re.M),
    # Rust's panic since 1.73, its message on the line after the place (rand's "cannot sample empty range"),
    # and a C++ exception's `what():` as the runtime's terminate handler prints it (CLI11's)
    re.compile(r"panicked at [^\n]*?:\d+:\d+:[^\S\n]*\n[^\S\n]*(\S.{11,300})$", re.M),
    re.compile(r"\bwhat\(\):[^\S\n]+(.{12,300})$", re.M),
    # Elixir's raised exception, `** (Timex.Parse.ParseError) Expected month …`
    re.compile(r"^[^\S\n]*\*\* \([A-Z][\w.]*\)[^\S\n]+(.{12,300})$", re.M),
    # a message pasted inside a sentence, after the exception's name or `Error:`, to the sentence's end
    # ("… fails with: Error: Invalid value for '-f' … does not exist. The file exists …", "throws:
    # Scrutor.DecorationException: Could not find … Why?", "raises Mustermann::ParseError: unexpected … --
    # where …?": python-dotenv's, Scrutor's and mustermann's reports gave no message)
    # and after "fails with:" (ants's "ants.NewPool(-1, …) fails with: can not set up a negative capacity …")
    re.compile(r"(?<=\S)[^\S\n]+(?:(?:[\w.]|::)*(?:Error|Exception)|ERROR|error|"
               r"(?:fail(?:s|ed|ing)?|crash(?:es|ed)?|panic(?:s|ked)?|abort(?:s|ed)?|died|dies) with):[^\S\n]+"
               r"(\S.{11,300}?)(?=[.!?][^\S\n]+[A-Z(]|\?|[^\S\n]+--?[^\S\n]|[.!]?[^\S\n]*$)", re.M),
)
#: A Python traceback's last line under its last frame, its exception named anyhow (voluptuous's
#: `voluptuous.error.MultipleInvalid: expected Color or one of 'red', …` gave no message: no Error in its name).
_PYTHON_FRAME = re.compile(r'^[^\S\n]+File "[^"\n]+", line \d+[^\n]*$', re.M)
_PYTHON_RAISED = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*:[^\S\n]+(\S.{11,300})$", re.M)
#: An Elixir or Erlang error tuple's reason, an atom the code returns as its message
#: (timex's `{:error, {:unknown_shift_unit, :week}}`): one word, kept whole where it is long.
_ERROR_ATOM = re.compile(r"\{:?error,[^\S\n]*\{?:([a-z]\w{11,59})\b")


def _error_lines(text: str) -> list[str]:
    """The messages of ``text``'s error lines (:data:`_ERROR_LINE`, :data:`_ERROR_FORMS`, and
    the items of an error list, :data:`_ERROR_LIST`), less a build tool's own."""
    found = [line for m in _ERROR_LINE.finditer(text)
             if not _BOILERPLATE.search(line := next(g for g in m.groups() if g))]
    found += [" ".join(m.group(1).split()) for form in _ERROR_FORMS for m in form.finditer(text)]
    if not found and "Traceback (most recent call last)" in text:
        frame = None
        for frame in _PYTHON_FRAME.finditer(text):
            pass
        # a Python traceback's last line under its last frame, whatever the class is called
        if frame is not None and (raised := _PYTHON_RAISED.search(text, frame.end())) is not None:
            found.append(raised.group(1))
    return found + [item.group(1) for m in _ERROR_LIST.finditer(text) for item in _ERROR_ITEM.finditer(m.group(1))]


#: A diagnostic's gutter between its location and its message, pasted onto one line.
_GUTTER = re.compile(r"[^\S\n]+\|[^\S\n]+")


def _messages(text: str) -> tuple[str, ...]:
    """The literal pieces of the error lines and quoted strings in ``text`` (see :attr:`Query.messages`)."""
    found = _error_lines(text)
    line = text.strip()
    if not found and "\n" not in line and len(line) <= 300 and (_PASTED_VALUE.search(line) or _SHOUTED.fullmatch(line)) \
            and not line.endswith("?"):
        found.append(line)  # a message pasted bare: "Option '--verbose' does not take a value.", "WORKER TIMEOUT"
    found += [quoted for m in _QUOTED.finditer(_FENCE.sub(" ", text)) if len(quoted := m.group(1) or m.group(2) or "") >= 12]
    if not found:  # Go's wrapped error as printed, bare: `token is unverifiable: error while executing keyfunc: …`
        found += [m.group(1) for wrapped in (_WRAPPED, _WRAPPED_TWO) for m in wrapped.finditer(text)]
    pieces: list[str] = [m.group(1) for m in _ERROR_ATOM.finditer(text) if "_" in m.group(1)]
    for message in found:
        # (and apart at a diagnostic's gutter, pasted onto one line: toml's "TOML parse error at line 3, column 9 |
        # integers with a radix cannot be signed" held "| integers …", which no code writes)
        for piece in (part for value in _VALUE.split(message) for part in _GUTTER.split(value)):
            # less the level a command prints before its message (cargo-insta's `error: Interactive review requires
            # a terminal.`, quoted, held "error: " no literal of its holds)
            piece = _LEVEL_PREFIX.sub("", piece.strip(" \t.,;:!?-=")).strip(" \t.,;:!?-=")
            if _long_enough(piece):
                pieces.append(piece)
            # and each sentence, which the code may write on a line of its own
            sentences = [sentence.strip(" \t.,;:!?-=") for sentence in _SENTENCE_END.split(piece)]
            pieces += [sentence for sentence in sentences if len(sentences) > 1 and _long_enough(sentence)]
            # and each error the chain wraps, as its own code writes it (`newError("error while executing keyfunc", …)`)
            links = [link.strip(" \t.,;:!?-=") for link in _LINK.split(piece)]
            pieces += [link for link in links if len(links) > 1 and _long_enough(link)]
    return tuple(dict.fromkeys(pieces))


#: The last part of a dotted word that makes it a file's name: settings, data and pages (lower-case, and none a
#: code's attribute as often: `response.json`, `self.lock`, `self.cfg`, `threading.Lock` stay names).
_FILE_SUFFIX_WORD = re.compile(r"ya?ml|toml|ini|md|markdown|rst|txt|xml|csv|tsv|plist")
#: A level a command or a logger prints before its message.
_LEVEL_PREFIX = re.compile(r"^(?:error|warning|fatal|note|panic)(?:\[\w+\])?:\s*", re.I)
#: Where one wrapped error joins the next (Go's ``fmt.Errorf("outer: %w", err)``): a colon
#: after a lower-case word, before a lower-case one.
_LINK = re.compile(r"(?<=[a-z0-9]):\s+(?=[a-z])")
#: A line of wrapped errors pasted without an error prefix (after a variable or a log's time
#: stamp): three or more lower-case links.
_WRAPPED = re.compile(r"^[^\S\n]*(?:[\d/:.-]+[^\S\n]+)*(?:\w+[^\S\n]*=[^\S\n]*)?"
                      # a link may name a path (`open /etc/app/config.yaml: permission denied`)
                      r"([a-z][\w ,'./-]{3,}:[^\S\n]+[a-z][\w ,'./-]{3,}(?::[^\S\n]+[a-z][^\n]{3,})+)$", re.M)
#: Or two links, the second quoting a value, on a line of its own between blank lines (zerolog's
#: `cannot decode event: invalid character '[' looking for beginning of value`, pasted under a
#: sentence, gave no message).
_WRAPPED_TWO = re.compile(r"(?:\A|(?<=\n\n))[^\S\n]*([a-z][\w ,./-]{3,}:[^\S\n]+[a-z][\w ,./-]{3,}'[^'\n]+'"
                          r"[^\S\n]+[a-z][^\n]{3,})(?=\n\n|\n?\Z)")


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
    frames, functions = _frames(plain)
    paths: list[str] = []
    frame_lines: list[tuple[str, int]] = []
    frame_functions: list[str] = []
    packages: dict[str, str] = {}
    for raw, number, fn in frames:  # a frame seen twice (recursion) stands where it is innermost
        path, inside = _clean(raw)
        if path in paths:
            paths.remove(path)
        paths.append(path)
        if inside:
            installed.add(path)
            if package := _package(raw):
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
        path, inside = _clean(m.group(0))
        # a JVM frame's file as it is written inside the frame (`(OParser.scala:292)`), a tail of the path
        # the frame's package gave: looked up on its own, in the text's order, it put the outer frames first
        if path not in paths and not any(f.endswith("/" + path) for f in framed):
            paths.append(path)
            if inside:
                installed.add(path)
                if package := _package(m.group(0)):
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
    names += [n for n in _NAME.findall(_FENCE.sub(" ", text)) if _is_code_name(n, text)]
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
    sources = tuple((_clean(m.group(1))[0], int(m.group(2)), source.group(1).strip())
                    for m in _FRAME.finditer(plain)
                    if (source := _FRAME_SOURCE.match(plain, plain.find("\n", m.end()) + 1 or len(plain))) is not None)
    return Query(text, tuple(terms), frozenset(names), tuple(dict.fromkeys(p for p in paths if p)),
                 tuple(functions), frozenset(installed), tuple(frame_lines), _messages(text), tuple(frame_functions),
                 sources, _message_starts(text), _dotnet_owner(plain), locales, tuple(packages.items()))
