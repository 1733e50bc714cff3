"""Stack traces in a question: the frames each language prints, innermost last.

A bug report pastes a trace as its language prints it — Python's ``File "…", line 12, in fn``,
JavaScript's and Go's frames outermost last, Rust's panics and backtraces, PHP's call sites,
.NET's, the JVM's chained causes, Ruby's, Swift's and Kotlin/Native's mangled symbols, C and
C++'s native frames, Elixir's, a linter's or test runner's locations. :func:`stack_frames` reads
every one into (path, line, function), innermost last, and :func:`clean_path` turns a path on the
user's machine (an installed package's: site-packages, node_modules, Go's module cache, Cargo's
registry, a gem, a Composer vendor folder) into one the candidate stage looks up. The question's
parse (:mod:`.query`) reads them into :class:`~.query.Query`.
"""
from __future__ import annotations

import re

#: A Python frame; a compiled module's names its function in full (Cython's ``in
#: aiohttp._http_parser.HttpParser.feed_data``): the function is the last part.
FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in ((?:[^\W\d]|<)[\w<>]*(?:\.[^\W\d][\w<>]*)*))?')
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
#: A file in Go's module cache, once its folders up to ``pkg/mod/`` are gone: the module,
#: its version, and the file's path inside the module (``github.com/spf13/cobra@v1.10.1/command.go``).
_GO_MODULE_FILE = re.compile(r"^((?:[\w.~-]+/)*[\w.~-]+)@v[\w.+-]+/(.+)$")
#: Where another package lives on the user's machine: Python's site-packages and standard
#: library (``Lib/`` on Windows), node_modules, Go's module cache, Cargo's registry and git
#: checkouts, Rust's standard library. A path through one names that package's file; what
#: follows the last of them is kept.
_INSTALLED = re.compile(r"^.*(?:(?:site|dist)-packages|[Ll]ib/python[\d.]*|Python\d*/Lib|node_modules|pkg/mod(?=/[\w-]+\.[\w.-]+/)|"
                        r"\.cargo/registry/src/[^/]+|\.cargo/git/checkouts/[^/]+|rustc/[0-9a-f]{7,}/library|"
                        r"rustlib/src/rust/library|gems/[\w.-]+?-\d+(?:\.\w+)*|vendor/[\w.-]+/[\w.-]+(?=/\S*\.php$))/")
#: The package an installed path names before the part :func:`clean_path` keeps: a gem's name, a
#: Composer package's (``league/flysystem``).
_PACKAGE = re.compile(r"gems/([\w.-]+?)-\d+(?:\.\w+)*/|vendor/([\w.-]+/[\w.-]+)/(?=\S*\.php$)")


def installed_package(raw: str) -> str:
    """The package of an installed ``raw`` path whose kept part no longer names it, or ``""``."""
    found = list(_PACKAGE.finditer(raw.replace("\\", "/")))  # the last: what follows it is what clean_path keeps
    return (found[-1].group(1) or found[-1].group(2)) if found else ""


def clean_path(path: str) -> tuple[str, bool]:
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


def stack_frames(text: str) -> tuple[list[tuple[str, int, str]], list[str]]:
    """Paths (with the line and the function each frame names, ``""`` for none) and
    functions of the stack traces in ``text`` (slashes for backslashes, URL prefixes gone),
    **innermost last** in every language: Python prints its frames that way, JavaScript, Go
    and Rust the other way round, so theirs are reversed (a Rust panic's own place last of all)."""
    paths: list[tuple[str, int, str]] = []
    functions: list[str] = []
    for m in FRAME.finditer(text):
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
    owner = dotnet_owner(text)
    if owner is None or owner[0] not in parts:
        return ""
    return ".".join(parts[:parts.index(owner[0])])


def dotnet_owner(text: str) -> tuple[str, str] | None:
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
