"""Parsing real questions: names over prose, traceback frames, paths, long reports."""
from __future__ import annotations

import time

import pytest

from explore.retrieval.evidence import evidence_start
from explore.retrieval.query import MAX_QUERY_CHARS, NAME_WEIGHT, parse

REPORT = '''edit() fails with `pathlib.Path` arguments

Traceback (most recent call last):
  File "/home/u/.venv/lib/python3.11/site-packages/click/termui.py", line 712, in edit
    return ed.edit(text)
  File "/home/u/.venv/lib/python3.11/site-packages/click/_termui_impl.py", line 540, in edit_file
    raise ClickException(f"{editor}: Editing failed")
TypeError: expected str, bytes or os.PathLike object, not PosixPath
'''


def test_traceback_frames_become_paths_and_functions() -> None:
    q = parse(REPORT)
    assert q.paths[:2] == ("click/termui.py", "click/_termui_impl.py")
    assert q.functions == ("edit", "edit_file")
    assert {"edit", "edit_file", "pathlib", "Path", "TypeError", "ClickException"} <= q.names


def test_names_weigh_more_than_prose_and_prose_is_capped() -> None:
    q = parse("the parser parser parser parser breaks when `parse_args` sees a flag")
    assert q.terms.count("parser") == 2  # repeated prose counts at most twice
    assert q.terms.count("parse_args") == 1 + NAME_WEIGHT and q.terms.count("flag") == 1
    assert "e" not in q.names and "parse_args" in q.names


def test_a_huge_report_is_clipped_and_plain_prose_has_no_names() -> None:
    q = parse("x" * 10 + " words " * 100_000)
    assert len(q.text) == MAX_QUERY_CHARS
    assert parse("where is the retry delay computed").names == frozenset()
    assert parse("").terms == ()
    # a report's traceback comes last, after its prose and logs: still read
    report = ("The app crashes at startup. " * 200 + "\n" + "INFO worker started ok\n" * 1_500
              + 'Traceback (most recent call last):\n  File "/usr/lib/python3.11/site-packages/pkg/config.py", '
              "line 12, in load_settings\n    raise ValueError(name)\nValueError: bad\n")
    assert len(report) > MAX_QUERY_CHARS + 10_000
    tail = parse(report)
    assert tail.paths == ("pkg/config.py",) and "load_settings" in tail.functions and len(tail.text) == MAX_QUERY_CHARS


def test_a_report_of_many_blank_lines_is_parsed_at_once() -> None:
    """Blank lines (a pasted log keeps many) once made the Go-frame pattern try every line
    start against every later one: 15,000 of them took tens of seconds."""
    report = "panic: runtime error in the handler\n\tserver/handler.go:42 +0x1d\n" + "\n" * 15_000 + "exit 2\n"
    start = time.perf_counter()
    q = parse(report)
    assert time.perf_counter() - start < 5
    assert q.paths == ("server/handler.go",)


def test_unicode_identifiers_are_names_whole() -> None:
    """``größe_berechnen`` is one Python name: read as ASCII runs it was ``e_berechnen``, a
    name of some other function, and the one asked about was no name at all."""
    for question in ("`größe_berechnen` doubles the value", "größe_berechnen doubles the value"):
        q = parse(question)
        assert "größe_berechnen" in q.names and "e_berechnen" not in q.names
    assert parse("the naïve `parse_args` path").names == frozenset({"parse_args"})


GO_PANIC = """panic: assignment to entry in nil map

goroutine 1 [running]:
example.com/app/server.handle(...)
\t/home/u/app/server/handler.go:2 +0x1d
example.com/app/server.(*Server).Run(0xc000010000)
\t/home/u/app/server/server.go:2 +0x25
main.main()
\t/home/u/app/cmd/app/main.go:2 +0x17
exit status 2
"""
RUST_PANIC = """thread 'main' panicked at src/parse.rs:1:44:
index out of bounds: the len is 0 but the index is 0
stack backtrace:
   0: rust_begin_unwind
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:665:5
   2: myapp::parse::run::h0123456789abcdef
             at ./src/parse.rs:1:44
   3: myapp::main
             at ./src/main.rs:1:12
   4: core::ops::function::FnOnce::call_once
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/ops/function.rs:250:5
"""
JS_STACK = """Error: boom
    at route (/home/u/proj/src/router.js:1:32)
    at new Handler (/home/u/proj/src/middleware.js:1:28)
    at async start (file:///home/u/proj/src/server.mjs:1:26)
    at Object.<anonymous> (C:\\Users\\u\\proj\\src\\index.js:1:27)
"""


def test_stack_traces_are_innermost_last_in_every_language() -> None:
    """JavaScript, Go and Rust print the frame where it broke first, Python last; the
    candidate stage looks ``paths`` up from the end, so theirs are reversed (they were read
    as Python's, and a Go panic's `main.go` was looked up before the `handler.go` that
    panicked)."""
    go = parse(GO_PANIC)
    assert go.paths[-1] == "home/u/app/server/handler.go" and go.paths[0].endswith("cmd/app/main.go")
    assert go.functions == ("main", "Run", "handle")
    rust = parse(RUST_PANIC)
    assert rust.paths[-1] == "src/parse.rs" and rust.paths.index("src/main.rs") < rust.paths.index("src/parse.rs")
    assert "run" in rust.functions and "main" in rust.functions
    assert {"core/src/ops/function.rs", "std/src/panicking.rs"} <= rust.installed  # Rust's own library
    js = parse(JS_STACK)
    assert [p.rsplit("/", 1)[-1] for p in js.paths] == ["index.js", "server.mjs", "middleware.js", "router.js"]
    assert js.functions == ("start", "Handler", "route")  # `new`, `async` and `<anonymous>` are no names
    # a frame of an impl or a trait's method has spaces in its name (most of anyhow's frames were dropped)
    impl = parse("Stack backtrace:\n   0: anyhow::context::<impl anyhow::Context<T,E> for core::result::Result<T,E>>"
                 "::context\n             at ./src/context.rs:54:31\n   1: <T as core::convert::Into<U>>::into  \n"
                 "             at ./src/into.rs:3:1\n")
    assert impl.paths == ("src/into.rs", "src/context.rs") and impl.functions == ("into", "context"), impl
    # an older Rust prints each frame's address before its name (fd's report)
    old = parse("   8:     0x55d0c1a2b3c4 - fd::filter::owner::OwnerFilter::matches::h0123456789abcdef\n"
                "                               at src/filter/owner.rs:70\n")
    assert old.paths == ("src/filter/owner.rs",) and old.functions == ("matches",), old
    # an older Rust panic names its place after the message
    assert parse("thread 'main' panicked at 'boom', src/main.rs:2:5").paths == ("src/main.rs",)
    # grammars, autotools and jq files named in prose (jq's "where is src/parser.y" found none)
    assert parse("where is src/parser.y").paths == ("src/parser.y",)
    assert parse("which option of configure.ac or Makefile.am, and builtin.jq?").paths == \
        ("configure.ac", "Makefile.am", "builtin.jq")
    assert parse("meet at 5 p.m. in the lobby").paths == ()
    # a page's or a list's stem may hold dots (Polly's PublicAPI.Shipped.txt was no path); a module is no page
    assert parse("what does src/Core/.PublicAPI/PublicAPI.Shipped.txt list?").paths == \
        ("src/Core/.PublicAPI/PublicAPI.Shipped.txt",)
    assert parse("see docs/README.zh-CN.md, not docutils.parsers.rst").paths == ("docs/README.zh-CN.md",)


def test_paths_keep_their_folders_and_installed_packages_are_named_as_such() -> None:
    """An absolute path was cut after its last ``src/`` (every crate of a workspace became
    ``lib.rs``); only another package's folder — site-packages, node_modules, Go's module
    cache, Cargo's registry, Rust's or Windows Python's standard library — is cut, and such a
    path is marked installed (a space in a Windows user name made a site-packages path a
    relative one, and ``/rustc/…/ops/function.rs`` named a file of the repository)."""
    assert parse("thread 'main' panicked at /home/u/proj/crates/net/src/lib.rs:12:5:").paths == \
        ("home/u/proj/crates/net/src/lib.rs",)
    assert parse("crash in C:\\Users\\u\\proj\\packages\\net\\src\\index.js line 3").paths == \
        ("Users/u/proj/packages/net/src/index.js",)
    cases = {
        "at next (/app/node_modules/express/lib/router/route.js:144:13)": "express/lib/router/route.js",
        "\t/root/go/pkg/mod/github.com/gin-gonic/gin@v1.9.0/context.go:174 +0x2b": "github.com/gin-gonic/gin@v1.9.0/context.go",
        "at /home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.1/src/de.rs:10:5": "serde-1.0.1/src/de.rs",
        'File "C:\\Python311\\Lib\\json\\decoder.py", line 3, in decode': "json/decoder.py",
        'File "C:\\Users\\John Smith\\proj\\.venv\\Lib\\site-packages\\requests\\utils.py", line 3, in get': "requests/utils.py",
        "see /home/u/My Projects/.venv/lib/python3.11/site-packages/requests/utils.py": "requests/utils.py",
    }
    for text, path in cases.items():
        q = parse(text)
        assert q.paths == (path,) and q.installed == {path}, (text, q.paths, q.installed)
    # source-mapped and generated files
    assert parse("at Button (webpack://myapp/./src/components/Button.tsx:12:3)").paths == ("src/components/Button.tsx",)
    assert parse("at Button (webpack-internal:///./src/Button.tsx:12:3)").paths == ("src/Button.tsx",)
    assert parse("\t/home/u/proj/api/v1/api.pb.go:42 +0x1d").paths == ("home/u/proj/api/v1/api.pb.go",)


def test_a_long_report_keeps_the_crash_between_its_start_and_its_tail() -> None:
    """Of a long report its start and its tail were read: a Go panic after 12 KB of logs,
    followed by every other goroutine's stack, lost the goroutine that panicked."""
    logs = "2024/01/01 12:00:00 INFO request served ok\n" * 300
    others = "".join(f"goroutine {i} [chan receive]:\nexample.com/app/worker.loop()\n"
                     f"\t/home/u/app/worker/pool.go:88 +0x45\n\n" for i in range(2, 200))
    report = "The server crashed.\n" + logs + GO_PANIC.replace("exit status 2\n", "\n") + others
    assert len(report) > MAX_QUERY_CHARS
    q = parse(report)
    assert len(q.text) <= MAX_QUERY_CHARS and q.text.startswith("The server crashed.")
    assert q.paths[-1] == "home/u/app/server/handler.go"
    # a .NET trace of a Release build (no `:line N`) and Kotlin/Native's are crashes too (Polly's, in 740 KB
    # of ASP.NET log, lost its trace and its exception line)
    dotnet = ("Unhandled exception. Polly.Timeout.TimeoutRejectedException: The operation did not complete within "
              "the allowed timeout.\n   at Polly.Timeout.TimeoutResilienceStrategy.ExecuteCore[TResult,TState]"
              "(Func`3 callback, ResilienceContext context, TState state)\n")
    q = parse("The API hangs.\n" + logs * 2 + dotnet + logs * 2)
    assert "ExecuteCore" in q.functions and any("did not complete within" in m for m in q.messages), q.messages
    # a C compiler's "fatal error:" earlier in a CI log is no crash (just's log: the openssl-sys build line took
    # the window, 6 KB before the Rust panic)
    compiler = "shim.c:1:10: fatal error: 'openssl/opensslv.h' file not found\n"
    panic = "thread 'main' panicked at src/justfile.rs:523:5:\nindex out of bounds\n"
    q = parse("CI fails.\n" + logs * 2 + compiler + logs[:6000] + panic + logs * 2)
    assert "src/justfile.rs" in q.paths, q.paths
    native = parse("Uncaught Kotlin exception: okio.EOFException: the source is exhausted before the limit\n")
    assert native.messages and native.messages[0].startswith("the source is exhausted"), native.messages
    # Elixir's raised exception, and an error tuple's reason, an atom the code returns (timex's gave no message)
    raised = parse("** (Timex.Parse.ParseError) Expected month between 1-12, but got `13` instead. @ line 1\n"
                   "    (timex 3.7.11) lib/parse/datetime/parser.ex:103: Timex.Parse.DateTime.Parser.parse!/3\n")
    assert raised.messages[0] == "Expected month between"
    assert raised.frame_lines[-1] == ("lib/parse/datetime/parser.ex", 103)
    shifted = parse("iex> Timex.shift(d, week: 1)\n{:error, {:unknown_shift_unit, :week}}\n")
    assert shifted.messages == ("unknown_shift_unit",)
    assert parse("{:error, :timeout}\n").messages == ()  # a short reason names too much
    long = "12:00:00.000 [info] GET /health\n" * 20_000
    assert "lib/parse/datetime/parser.ex" in parse("It crashed.\n" + long + raised.text + long).paths
    # a Laravel log's trace in the middle of a long log (Carbon's, 744 KB, lost it)
    laravel = ('[2024-05-02 10:14:03] production.ERROR: Trailing data {"exception":"[object] (Carbon\\Exceptions\\'
               'InvalidFormatException(code: 0): Trailing data at /var/www/html/vendor/nesbot/carbon/src/Carbon/Traits/'
               'Creator.php:627)\n[stacktrace]\n'
               '#0 /var/www/html/vendor/nesbot/carbon/src/Carbon/Traits/Creator.php(663): '
               "Carbon\\Carbon::rawCreateFromFormat('Y-m-d', '2024-05-02 10:1...', NULL)\n")
    kept = parse("Dates fail.\n" + long + laravel + long)
    assert any(p.endswith("src/Carbon/Traits/Creator.php") for p in kept.paths), kept.paths
    # a Ruby exception of a namespace, as Rails' log prints it too (kaminari's three reports gave no message)
    assert parse("ActionView::Template::Error: The number of total pages was incalculable.\n").messages == \
        ("The number of total pages was incalculable",)
    rails = parse("ActionView::Template::Error (This scope is marked as a non-count paginable scope and can't be "
                  "used):\n    20: <%= page_entries_info @posts %>\n")
    assert rails.messages[0] == "This scope is marked as a non-count paginable scope and can't be used", rails.messages
    assert parse("Kaminari::ZeroPerPageOperation: per(0) on a relation is not allowed\n").messages
    assert parse("See Foo::Bar: it is a long enough line of prose\n").messages == ()  # not at a line's start
    # an Apple NSError as printed inside a long log (KeychainAccess's -34018 inside 676 KB of NSLog lost it)
    keychain = ('2024-05-02 10:14:03.120 App[812:4417] OSStatus error:[-34018] A required entitlement '
                'isn\'t present.\nError Domain=com.kishikawakatsumi.KeychainAccess.error Code=-34018 '
                '"A required entitlement isn\'t present." UserInfo={NSLocalizedDescription=A required entitlement}\n')
    kept = parse("Saving fails.\n" + long + keychain + long)
    assert any("required entitlement" in m for m in kept.messages), kept.messages
    # Swift's trap in a `Type+Extension.swift` file and Symfony's logged exception (Moya's and EmailValidator's
    # crashes inside 700 KB of log were lost)
    trap = "Moya/MoyaProvider+Internal.swift:83: Fatal error: MultiTarget is not a multipart upload target.\n"
    kept = parse("Uploads crash.\n" + long + trap + long)
    assert any(p.endswith("MoyaProvider+Internal.swift") for p in kept.paths), kept.paths
    symfony = ('[2024-05-02T10:14:03] request.CRITICAL: Uncaught PHP Exception Egulias\\EmailValidator\\Exception\\'
               'EmptyValidationList: "Empty validation list is not allowed" at /app/vendor/egulias/email-validator/src/'
               'Validation/MultipleValidationWithAnd.php line 43\n')
    kept = parse("Validation fails.\n" + long + symfony + long)
    assert any("Empty validation list" in m for m in kept.messages), kept.messages
    # Python's warning as `warnings` prints it (pyjwt's InsecureKeyLengthWarning gave no message)
    warned = parse("/app/tests/conftest.py:18: InsecureKeyLengthWarning: The HMAC key is 6 bytes long, which is "
                   "below the minimum recommended length of 32 bytes for SHA256.\n")
    assert "bytes long, which is below the minimum recommended length of" in warned.messages, warned.messages
    # a browser console's and Node's REPL's (luxon's `Uncaught ConflictingSpecificationError: …` gave no message)
    for pasted in ("Uncaught ConflictingSpecificationError: Cannot mix locale-based week fields with ISO-based",
                   "Uncaught (in promise) TypeError: Cannot mix locale-based week fields with ISO-based"):
        assert parse(pasted + "\n").messages == ("Cannot mix locale-based week fields with ISO-based",), pasted


def test_frames_under_a_folder_with_a_space_and_in_gos_module_cache_point_into_the_file() -> None:
    """A home folder with a space (`file:///Users/John%20Smith/…` as Node prints an ESM frame,
    `C:\\Users\\John Smith\\…`, a Go dump's `/Users/John Smith/…`) lost the frame: the evidence
    opened elsewhere. And a Go library's own file at its module root, as every user's panic
    names it (`…/pkg/mod/github.com/spf13/cobra@v1.10.1/command.go`), was an installed
    package's bare file name: no frame line, no path evidence."""
    from explore.retrieval.evidence import frame_line
    from explore.retrieval.frames import go_module_file

    node = parse("TypeError: x\n    at ServerResponse.send (file:///Users/John%20Smith/app/node_modules/express/"
                 "lib/response.js:160:20)")
    assert frame_line(node, "lib/response.js") == 160
    windows = parse("TypeError: x\n    at send (C:\\Users\\John Smith\\proj\\node_modules\\express\\lib\\response.js:156:20)")
    assert frame_line(windows, "lib/response.js") == 156
    go = parse("panic: boom\n\ngoroutine 1 [running]:\ngithub.com/spf13/cobra.(*Command).ExecuteC(0xc0)\n"
               "\t/home/u/go/pkg/mod/github.com/spf13/cobra@v1.10.1/command.go:1145 +0x3c\nmain.main()\n"
               "\t/Users/John Smith/src/app/main.go:12 +0x1\n")
    assert frame_line(go, "command.go") == 1145 and frame_line(go, "app/main.go") == 12
    assert go_module_file("github.com/spf13/cobra@v1.10.1/command.go") == ("github.com/spf13/cobra", "command.go")
    assert frame_line(go, "other/command.go") is None  # another folder's file of that name is not the frame's
    # a nested module's file, at its folder (lo's exp/simd module: the evidence opened 2,000 lines from line 27)
    nested = parse("SIGILL: illegal instruction\n\ngoroutine 1 [running]:\ngithub.com/samber/lo/exp/simd.SumInt8x64()\n"
                   "\t/home/ci/go/pkg/mod/github.com/samber/lo/exp/simd@v0.1.0/math_avx512.go:27 +0x41\n")
    assert frame_line(nested, "exp/simd/math_avx512.go") == 27
    assert frame_line(nested, "other/simd/math_avx512.go") is None


def test_a_pasted_error_message_is_read_as_the_literal_pieces_the_code_holds() -> None:
    """The pieces of a pasted error line or quoted message between the user's values (quoted
    values, reprs, numbers, paths), as the code that formats the message holds them."""
    assert parse("Error: Got unexpected extra arguments (foo bar)").messages == ("Got unexpected extra arguments",)
    assert parse("Error: Invalid value for '--count': 'abc' is not a valid integer.").messages == \
        ("Invalid value for", "is not a valid integer")
    assert parse("TypeError: Header value must be str or bytes, not <class 'int'>").messages == \
        ("Header value must be str or bytes, not",)
    assert parse('it says "no loader for this environment specified" on start').messages == \
        ("no loader for this environment specified",)
    assert parse("jinja2.exceptions.TemplateRuntimeError: Required block 'content' not found").messages == \
        ("Required block",)  # two words of twelve characters; "not found" alone says nothing
    assert parse("where is the retry delay computed?").messages == ()
    # a capitalised common word asked for as a definition is a name (gjson's `All`): it found nothing
    assert parse("where is All implemented?").names == {"All"} and not parse("where is all the logic?").names
    # a Rust trait (or enum, macro, Kotlin object) named as such, before or after its name (bytes' `Buf`)
    for asked in ("where is the Buf trait defined?", "where is trait Buf defined?", "where is the Kind enum declared?"):
        assert parse(asked).names and parse(asked).names <= {"Buf", "Kind"}, asked
    # pasted bare, without `Error:`: a line that quotes the user's value is a message too
    assert parse("Option '--verbose' does not take a value.").messages == ("does not take a value",)
    assert parse("where is 'x' parsed?").messages == ()
    # a C tool's error line, after its name or a source location (jq's answered main.c, which prints the prefix)
    assert parse("jq: error (at <stdin>:0): Cannot iterate over null (null)").messages == ("Cannot iterate over null",)
    assert parse("src/parser.c:12:5: fatal error: missing terminating quote character").messages == \
        ("missing terminating quote character",)
    # Go's wrapped errors, each link as its code writes it, pasted bare or after a log's time stamp
    # (jwt's parser.go holds `newError("error while executing keyfunc", …)`, no file the whole chain)
    for pasted in ("err = token is unverifiable: error while executing keyfunc: no key found for kid",
                   "2024/01/02 10:00:00 token is unverifiable: error while executing keyfunc: no key found for kid",
                   "error: token is unverifiable: error while executing keyfunc: no key found for kid"):
        assert {"token is unverifiable", "error while executing keyfunc", "no key found for kid"} <= \
            set(parse(pasted).messages), pasted
    assert parse("Note: this happens often: when I run it").messages == ()
    # a link naming a path (afero's `write /data/settings.json: file handle is read only`)
    assert "file handle is read only" in parse("save settings: write /data/settings.json: file handle is read only").messages
    assert "permission denied" in parse("failed to load config: open /etc/app/config.yaml: permission denied").messages
    # Swift's runtime trap in its three printings, the JVM's uncaught exception and its causes, kotlinc's `e:`
    # (SnapKit's `fatalError("Expected superview …")`, kotlinpoet's `require(…) { "abstract or expect …" }`)
    for pasted in ("Fatal error: Expected superview but found nil when attempting make constraint",
                   "SnapKit/ConstraintMakerRelatable+Extensions.swift:36: Fatal error: Expected superview but found nil",
                   "Thread 1: Fatal error: Expected superview but found nil when attempting"):
        assert parse(pasted).messages[0].startswith("Expected superview but found nil"), pasted
    for pasted in ('Exception in thread "main" java.lang.IllegalArgumentException: abstract or expect function cannot have code',
                   "Caused by: java.lang.IllegalArgumentException: abstract or expect function cannot have code",
                   "e: java.lang.IllegalArgumentException: abstract or expect function cannot have code"):
        assert parse(pasted).messages == ("abstract or expect function cannot have code",), pasted
    # a lower-case `warning:` as Rust's and gcc's print it (env_logger's own "invalid logging spec" gave no message)
    pasted = "RUST_LOG=my_app=verbose prints:\n\nwarning: invalid logging spec 'verbose', ignoring it\n\nWhy?"
    assert "invalid logging spec" in parse(pasted).messages
    # a PHP namespace before the exception's name (symfony/yaml's DumpException gave no message)
    php = "Symfony\\Component\\Yaml\\Exception\\DumpException: Object support when dumping a YAML file has been disabled."
    assert parse(php).messages == ("Object support when dumping a YAML file has been disabled",)


def test_a_stop_word_written_alone_in_backticks_is_a_name() -> None:
    """mockito-kotlin's "where is `any` defined?" looked up nothing: `any` is a stop word (its
    `fun any()` is the library's most used); a common word in prose stays one."""
    assert parse("where is `any` defined?").names == {"any"} and parse("why does `not` fail?").names == {"not"}
    assert not parse("what is any of this?").names and "any" not in parse("is `any thing` here?").names


def test_a_plain_word_asked_where_it_is_defined_is_a_name() -> None:
    """"where is bytesify defined?" named no code (a lowercase word without backticks), so
    no file defining it was looked up: `ask` answered a file that only calls it."""
    assert "bytesify" in parse("where is bytesify defined?").names
    assert "echo" in parse("Where is the echo function defined").names
    assert "echo" in parse("what is the definition of echo").names
    assert parse("Where is this defined?").names == frozenset()


def test_a_compiled_modules_frame_names_its_function_in_full() -> None:
    """Cython's frame `in aiohttp._http_parser.HttpParser.feed_data` was read as a function
    named `aiohttp`: the evidence stayed at the user's old line number, not at `feed_data`."""
    report = ('Traceback (most recent call last):\n  File "aiohttp/_http_parser.pyx", line 563, in '
              'aiohttp._http_parser.HttpParser.feed_data\naiohttp.http_exceptions.BadStatusLine: 400, message: bad')
    assert parse(report).frame_functions == ("feed_data",) and "aiohttp" not in parse(report).functions


def test_a_key_a_properties_file_and_a_plist_are_paths_and_a_dotnet_accessor_is_its_property() -> None:
    """java-jwt's "what is in lib/src/test/resources/ec384-key-public-invalid.pem?" named no path;
    FakeItEasy's innermost frame `FailedCreationResult.get_Result()` named no method of the file."""
    assert parse("what is in lib/src/test/resources/ec384-key-public-invalid.pem?").paths == (
        "lib/src/test/resources/ec384-key-public-invalid.pem",)
    assert parse("which version does gradle/wrapper/gradle-wrapper.properties pin?").paths == (
        "gradle/wrapper/gradle-wrapper.properties",)
    trace = ("FakeItEasy.Core.FakeCreationException: Failed to create fake of type IFoo\n"
             "   at FakeItEasy.Creation.CreationResult.FailedCreationResult.get_Result()\n   at FakeItEasy.A.Fake[T]()\n")
    assert parse(trace).frame_owner == ("FailedCreationResult", "Result")
    assert parse("   at App.Model.set_Name(String value)\n").frame_owner == ("Model", "Name")


def test_a_deno_registry_frame_is_an_installed_packages_file_and_a_keyword_in_backticks_no_name() -> None:
    """hono's traces under Deno run from `https://jsr.io/@hono/hono/4.6.3/src/compose.ts`: no path
    was read; "where is `await next()` implemented?" weighed the keyword `await` as a name."""
    trace = parse("TypeError: Cannot read properties of undefined (reading 'origin')\n"
                  "    at https://jsr.io/@hono/hono/4.6.3/src/middleware/cors/index.ts:63:29\n"
                  "    at dispatch (https://jsr.io/@hono/hono/4.6.3/src/compose.ts:51:23)\n"
                  "    at https://deno.land/x/oak@v12.6.1/router.ts:10:3\n")
    assert set(trace.paths) == {"@hono/hono/src/middleware/cors/index.ts", "@hono/hono/src/compose.ts", "oak/router.ts"}
    assert trace.paths[0] == "oak/router.ts" and set(trace.paths) == set(trace.installed)  # innermost last
    assert parse("where is `await next()` implemented?").names == frozenset({"next"})
    assert "await" in parse("where is `await` handled?").names  # alone in backticks, it is what is asked


def test_a_log_level_s_and_php_s_error_lines_give_the_message_without_their_prefix() -> None:
    """pypa/build prints `ERROR Unmet dependencies …` (the message kept "ERROR" and no file held it),
    pip `ERROR: …`, Maven `[ERROR] …`, PHP's CLI `PHP Fatal error:  Uncaught X: msg in /path:41`
    (Respect/Validation's gave none once a `Stack trace:` line followed)."""
    assert parse("ERROR Unmet dependencies (checked against /usr/bin/python3):\n\tfoo>=1").messages == \
        ("Unmet dependencies",)
    assert parse("ERROR: Could not find a version that satisfies the requirement").messages == \
        ("Could not find a version that satisfies the requirement",)
    assert parse("[ERROR] Failed to validate the project settings").messages == \
        ("Failed to validate the project settings",)
    php = ('PHP Fatal error:  Uncaught Respect\\Validation\\Exceptions\\ValidationException: "30/12/2024" must be '
           'a date in the "2005-12-30" format in /app/src/Http/Controllers/BookingController.php:41\n'
           "Stack trace:\n#0 {main}\n  thrown in /app/src/Http/Controllers/BookingController.php on line 41")
    assert parse(php).messages == ("must be a date in the",)
    assert parse("PHP Warning:  Undefined variable $config in /app/index.php on line 12").messages == \
        ("Undefined variable $config",)
    assert parse("Error parsing the configuration file").messages == ("Error parsing the configuration file",)


def test_a_long_log_keeps_its_error_line_where_no_crash_is_reported() -> None:
    """ron's 891 KB game log held one `ERROR` line 30 KB before its end, among 8,000 INFO lines:
    it was dropped, and the INFO lines' words answered. An Elixir Logger line and a Ruby symbol
    inspected into a message give the message's literal pieces (req's `[warning] retry: …`,
    dry-monads' "Cannot create Failure from :timeout, …", which no file holds with its value)."""
    info = "2025-06-22T10:49:59.000Z INFO game::world: spawned entity at tile 12\n"
    error = ("2025-06-22T10:50:00.000Z ERROR game::assets: failed to parse assets/levels/level_12.ron: 57:3: "
             "Unexpected field named `health`, expected one of `hp`, `name`\n")
    log = info * 9_000 + error + info * 600
    assert len(log) > MAX_QUERY_CHARS + 30_000
    assert "Unexpected field named" in parse(log).text
    assert parse("10:15:32.123 [warning] retry: got response with status 503, will retry in 1000ms\n").messages[:2] \
        == ("retry: got response with status", "got response with status")
    assert parse("Dry::Monads::InvalidFailureTypeError: Cannot create Failure from :timeout, it doesn't meet "
                 "the constraints").messages == ("Cannot create Failure from", "it doesn't meet the constraints")


def test_a_go_error_of_two_links_pasted_under_a_sentence_gives_its_links() -> None:
    """zerolog's report pasted `cannot decode event: invalid character '[' looking for beginning of
    value` under a sentence: a bare message was read only as a whole one-line question, and a
    wrapped error from three links, so it gave none and the evidence opened at NewConsoleWriter."""
    asked = ("I pointed gin's access log at a zerolog ConsoleWriter and every request line is dropped; the "
             "Write call returns:\n\ncannot decode event: invalid character '[' looking for beginning of value\n")
    assert {"cannot decode event", "looking for beginning of value"} <= set(parse(asked).messages)
    code = ["func (w ConsoleWriter) Write(p []byte) (n int, err error) {"] + ["\t// decode"] * 30 + [
        "\terr = d.Decode(&evt)", "\tif err != nil {", '\t\treturn n, fmt.Errorf("cannot decode event: %s", err)',
        "\t}"] + ["\t// format"] * 30
    start = evidence_start(code, asked, "console.go", 12)
    assert start <= 34 < start + 12, start
    # a prose line with a quoted word inside a paragraph is none
    assert parse("It fails when I run it: the flag set to 'x' is ignored, and then the run stops.\nWhy?").messages == ()


def test_a_command_line_parser_s_message_and_a_cpp_crash_in_a_long_log_are_read() -> None:
    """CLI11 prints `--count: Value 5000 not in range [1 - 100]` (no message was read, and its
    Validators.hpp took no lift); its `terminate called after throwing …` inside 909 KB of build
    output was cut out, the compiler's warnings read instead."""
    assert parse("--count: Value 5000 not in range [1 - 100]\nRun with --help for more information.\n").messages \
        == ("not in range",)
    crash = ("terminate called after throwing an instance of 'CLI::OptionAlreadyAdded'\n"
             "  what():  added option matches existing option: --verbose\n")
    noise = "[12/340] Building CXX object tests/CMakeFiles/app.dir/app.cpp.o: warning: unused variable\n" * 6_000
    assert any("added option matches existing option" in m for m in parse(noise + crash + noise).messages)


def test_a_which_test_question_opens_at_the_test_named_for_what_it_names() -> None:
    """zerolog's "which test covers TriggerLevelWriter flushing …?" opened writer_test.go at
    TestMultiSyslogWriter, 190 lines above TestTriggerLevelWriter; "how does CI run the tests with the
    binary_log build tag?" opened its workflow at the version matrix, no version asked."""
    lines = ["package zerolog", "", "func TestMultiSyslogWriter(t *testing.T) {"] + ["\tw.Write(level)"] * 40 + [
        "}", "", "func TestTriggerLevelWriter(t *testing.T) {", "\tbuf := bytes.Buffer{}"] + ["\tw.Flush()"] * 40
    start = evidence_start(lines, "Which test covers TriggerLevelWriter flushing the buffered debug logs?",
                           "writer_test.go", 12)
    assert lines[start - 1].startswith("func TestTriggerLevelWriter"), start
    workflow = ["name: Test", "on: push", "jobs:", "  test:", "    strategy:", "      matrix:",
                "        go-version: [1.21.x, 1.22.x]", "    steps:"] + ["      - uses: actions/checkout@v4"] * 14 + [
        "      - run: go test -race ./...", "      - run: go test -tags binary_log -race ./..."]
    start = evidence_start(workflow, "How does CI run the tests with the binary_log (CBOR) build tag?",
                           ".github/workflows/test.yml", 12)
    assert start + 11 >= len(workflow), start
    start = evidence_start(workflow, "Which Go versions does CI test against?", ".github/workflows/test.yml", 12)
    assert start <= 7 < start + 12, start


def test_an_error_list_and_an_unclosed_quote_give_the_messages_the_code_holds() -> None:
    """mapstructure prints `1 error(s) decoding:` and a `* message` per error (no message was
    read, the evidence opened at a type declaration); godotenv's panic quotes a value it never
    closes, and its message was read with the value, which no file holds."""
    listed = parse("loading my config:\n\n1 error(s) decoding:\n\n* 'port' expected type 'int', got unconvertible "
                   "type 'string', value: '8080'\n* '' has invalid keys: log_level, timeout_ms\n")
    assert {"expected type", "got unconvertible type", "has invalid keys"} <= set(listed.messages)
    # Ruby's uncaught exception, RSpec's failure, an Objective-C exception's reason (factory_bot's, Nimble's: none read)
    assert parse("app.rb:22:in 'save': stubbed models are not allowed to access the database - Order#save() "
                 "(RuntimeError)\n\tfrom app.rb:30:in '<main>'\n").messages[0].startswith("stubbed models are not")
    assert "Factory not registered" in parse('     Failure/Error: create(:usr)\n\n     KeyError:\n       Factory not '
                                             'registered: "usr"\n     # ./spec/user_spec.rb:5\n').messages
    assert parse("*** Terminating app due to uncaught exception 'InvalidNimbleAPIUsage', reason: 'Nested async "
                 "expectations are not allowed.\n\nThe call to'\n").messages[0].startswith("Nested async expectations")
    assert not parse("Settings:\n  Name: my project settings here\n").messages
    # Rust's panic since 1.73 (its message below the place), C++'s `what():`, JUnit's numbered list (rand's, CLI11's,
    # junit4's: none read); cargo's own "to rerun pass" is no message; reproduction steps are no error list
    assert parse("thread 'main' panicked at src/rng.rs:168:9:\ncannot sample empty range\nnote: run with "
                 "`RUST_BACKTRACE=1`\nerror: test failed, to rerun pass `--lib`\n").messages == ("cannot sample empty range",)
    assert "verbose is already added" in parse("terminate called after throwing an instance of 'CLI::OptionAlreadyAdded'"
                                               "\n  what():  --verbose is already added\n").messages
    assert "must be public" in parse("org.junit.runners.model.InvalidTestClassError: Invalid test class 'FooTest':\n"
                                     "  1. The @Rule 'folder' must be public.\n").messages
    assert not parse("I get an Error when I do this:\n1. open the config file twice\n2. then reload the settings\n").messages
    # a markdown list in a report is no error list
    assert not parse("Steps:\n\n* open the config file twice\n* then reload the settings\n").messages
    panic = parse('panic: unterminated quoted value "-----BEGIN RSA PRIVATE KEY-----\n\ngoroutine 1 [running]:\n'
                  "main.main()\n\t/home/dev/app/main.go:12 +0x1a5\n")
    assert panic.messages == ("unterminated quoted value",)
    # an apostrophe opens no value
    assert parse("Error: don't know how to handle the input file here").messages == (
        "don't know how to handle the input file here",)


def test_a_messages_start_stands_in_only_where_it_says_where() -> None:
    """The fallback to a message piece's start took p-queue's later piece `and up, got`,
    which both of its range checks hold, and opened the evidence at the wrong one (the name
    `concurrency` had found the right one): only the first piece's start is tried, cut to no
    less than half its words, and the evidence opens at it only where one line holds it."""

    report = "TypeError: Expected `concurrency` to be a number from 1 and up, got `0` (number)"
    assert all(start.startswith("Expected `concurrency`") for starts in parse(report).message_starts
               for start in starts)
    lines = [*(f"const filler{i} = {i};" for i in range(30)),
             "if (!(typeof options.intervalCap === 'number' && options.intervalCap >= 1)) {",
             "  throw new TypeError(`Expected \\`intervalCap\\` to be a number from 1 and up, got \\`${x}\\``);",
             "}", *(f"const more{i} = {i};" for i in range(30)),
             "set concurrency(newConcurrency: number) {",
             "  throw new TypeError(`Expected \\`concurrency\\` to be a number from 1 and up, got \\`${n}\\``);",
             "}"]
    start = evidence_start(lines, report, "source/index.ts", 12)
    assert start > 40, start  # at the concurrency setter, not the intervalCap check
    # a message of several sentences: its first sentence's start too (apispec's warning formats the
    # name in, `Pet`, a plain word; cut to half the whole message's words, the start never reached it)
    warning = ("Warning: Multiple schemas resolved to the name Pet. The name has been modified. Either manually add "
               "each of the schemas with a different name or provide a custom schema_name_resolver.")
    assert "Multiple schemas resolved to the name" in parse(warning).message_starts[-1]
    code = [*(f"x{i} = {i}" for i in range(30)), "        warnings.warn(",
            '            f"Multiple schemas resolved to the name {name}. The name has been modified. "', "        )",
            *(f"y{i} = {i}" for i in range(30))]
    start = evidence_start(code, warning, "src/apispec/ext/marshmallow/common.py", 12)
    assert start <= 32 < start + 12, start


def test_a_frame_inside_an_allman_style_method_opens_at_its_line() -> None:
    """A .NET frame's line (serilog's PropertyValueConverter.cs:line 482) was dropped for its
    method's header: C#'s `{` on a line of its own ended every method's body at once."""

    lines = ["namespace Serilog.Capturing", "{", "    class PropertyValueConverter", "    {",
             *(f"        int Field{i};" for i in range(30)),
             "        LogEventPropertyValue CreateStructureValue(object value)", "        {",
             *(f"            var step{i} = value;" for i in range(30)),
             "            throw new InvalidOperationException(\"boom\");", "        }", "    }", "}"]
    thrown = next(n for n, line in enumerate(lines, start=1) if "throw new" in line)
    trace = ("System.InvalidOperationException: boom\n   at Serilog.Capturing.PropertyValueConverter.CreateStructureValue("
             f"Object value) in /_/src/Serilog/Capturing/PropertyValueConverter.cs:line {thrown}")
    start = evidence_start(lines, trace, "src/Serilog/Capturing/PropertyValueConverter.cs", 12)
    assert start <= thrown <= start + 11, (start, thrown)
    # a Go label at the margin inside the function (httprouter's `walk:` in addRoute) ends no body
    go = ["package httprouter", "", "func (n *node) addRoute(path string, handle Handle) {", "\tfullPath := path",
          "walk:", "\tfor {", *(f"\t\tstep{i} := {i}" for i in range(30)),
          "\t\tpanic(\"wildcard route conflicts with existing children\")", "\t}", "}"]
    panicked = next(n for n, line in enumerate(go, start=1) if "panic(" in line)
    trace = (f"panic: wildcard route conflicts with existing children\n\ngoroutine 1 [running]:\n"
             f"github.com/julienschmidt/httprouter.(*node).addRoute(0xc0000a0000)\n\t/go/pkg/mod/github.com/"
             f"julienschmidt/httprouter@v1.3.0/tree.go:{panicked} +0x4a5\n")
    start = evidence_start(go, trace, "tree.go", 12)
    assert start <= panicked <= start + 11, (start, panicked)
    # a Java method under an annotation: tree-sitter starts it at `@Override`, as deep as the signature
    # (jimfs's WindowsPathType.parsePath frame at line 87 opened at the annotation, line 58)
    java = ["package com.google.common.jimfs;", "", "final class WindowsPathType extends PathType {",
            *(f"  private static final int FIELD_{i} = {i};" for i in range(30)), "", "  @Override",
            "  public ParseResult parsePath(String path) {", *(f"    String step{i} = path;" for i in range(30)),
            "    throw new InvalidPathException(path, \"Illegal char <:>\");", "  }", "}"]
    thrown = next(n for n, line in enumerate(java, start=1) if "throw new" in line)
    trace = ("java.nio.file.InvalidPathException: Illegal char <:> at index 12: C:\\\\work\n"
             f"\tat com.google.common.jimfs.WindowsPathType.parsePath(WindowsPathType.java:{thrown})\n")
    start = evidence_start(java, trace, "jimfs/src/main/java/com/google/common/jimfs/WindowsPathType.java", 12)
    assert start <= thrown <= start + 11, (start, thrown)


def test_a_conventional_commits_type_is_no_call() -> None:
    """`fix(parser): handle empty input` read `fix(` as a call of `fix`, a name weighed three
    times and looked up as a definition; the scope stays a word of the question."""
    asked = parse("fix(parser): handle empty input in the tokenizer")
    assert asked.names == frozenset() and asked.terms.count("fix") == 1 and "parser" in asked.terms
    assert parse("feat(core/router)!: allow a trailing slash").names == frozenset()
    assert parse("Fix parse() on empty input").names == frozenset({"parse"})


def test_a_generic_asked_where_it_is_defined_is_its_name() -> None:
    """"where is the Draft<T> type defined?" (immer) named nothing: the name had to end at a
    space, so the evidence opened at a window of `DraftState` lines, not at `type Draft<T>`."""
    assert parse("where is the Draft<T> type defined?").names == frozenset({"Draft"})
    assert parse("which file defines Map<K, V>?").names == frozenset({"Map"})
    assert parse("where is List[T] defined?").names == frozenset({"List"})
    # the kind named after the name, and what it is for before the verb (log's Key struct named nothing)
    assert parse("where is the Key struct for key-value pairs defined?").names == frozenset({"Key"})
    assert parse("where is the retry logic for failed requests implemented?").names == frozenset()


def test_the_words_a_question_asks_with_are_no_terms() -> None:
    """"which file implements Map and Set?" searched for *implement* too, and ranked a 19-line
    file whose only match was TypeScript's `class CustomReporter implements Reporter` first
    (immer). A statement keeps them: "Implement retries" says what the change did."""
    assert parse("which file implements Map and Set support for drafts?").terms == ("map", "set", "support", "draft")
    assert "implemented" not in parse("where is deep freezing implemented?").terms
    assert "definition" not in parse("what is the definition of echo").terms
    assert "implement" in parse("Implement retries for the connection pool").terms


def test_the_evidence_opens_where_the_pasted_message_is_raised() -> None:
    """Evidence for a pasted error opened at the file's best-matching words elsewhere; it now
    opens at the line that holds a piece of the message (a stack frame still comes first)."""

    lines = [f"# error: got unexpected extra arguments foo bar, error {i}" if i < 12 else f"x_{i} = {i}"
             for i in range(60)]  # the words, but not the message: where the best window alone opens
    lines[45] = '        raise UsageError(f"Got unexpected extra arguments ({args})")'
    start = evidence_start(lines, "Error: Got unexpected extra arguments (foo bar)", "pkg/core.py", 12)
    assert start <= 46 <= start + 11
    # a comment quoting the message, or a code line's trailing comment, is not where it is raised
    # (commander.js opened at a doc comment "…options for unknown options", pflag at errors.go's comment)
    js = [f"  step{i}();" for i in range(200)]
    js[20] = "   * Display suggestion of similar commands for unknown commands, or options for unknown options."
    js[90] = "    const unknown = []; // first unknown option and remaining unknown args"
    js[170] = "    const message = `error: unknown option '${flag}'${suggestion}`;"
    start = evidence_start(js, "error: unknown option '--foo'", "lib/command.js", 12)
    assert start <= 171 <= start + 11, start


def test_a_frame_from_another_version_opens_at_the_function_it_names() -> None:
    """A user's trace comes from the version they run: `command.go:1039` in `ExecuteC`
    opened at line 1039 of this version, PersistentPostRun code, while `ExecuteC` sits at
    1084. Where the file defines the frame's function and the line is not in its body, the
    evidence opens at the definition (with its comment); a line inside the body, nested
    definitions and all, and a frame with no function still open at the line."""

    lines = [f"\tx_{i} := {i}" if 100 < i < 140 else f"var x_{i} = {i}" for i in range(200)]
    lines[99] = "// ExecuteC runs the command."
    lines[100] = "func (c *Command) ExecuteC() (cmd *Command, err error) {"
    lines[140] = "}"
    go = ("panic: boom\n\ngoroutine 1 [running]:\ngithub.com/spf13/cobra.(*Command).ExecuteC(0xc0)\n"
          "\t/home/u/go/pkg/mod/github.com/spf13/cobra@v1.8.0/command.go:{line} +0x3c\nmain.main()\n")
    assert evidence_start(lines, go.format(line=40), "command.go", 12) == 100  # its comment, then the func
    assert evidence_start(lines, go.format(line=120), "command.go", 12) == 120 - 4  # inside: the line, as before
    py = ['def outer():', '    def helper():', '        return 1', '    value = helper()', '    raise ValueError(value)']
    py += [f"y_{i} = {i}" for i in range(40)]
    trace = 'Traceback (most recent call last):\n  File "/x/site-packages/pkg/mod.py", line 5, in outer\nValueError: 1\n'
    assert evidence_start(py, trace, "pkg/mod.py", 12) == 1  # line 5 is in outer's body past a nested def
    moved = trace.replace("line 5", "line 30")
    assert evidence_start(py, moved, "pkg/mod.py", 12) == 1  # outer is at line 1 here
    bare = 'Traceback (most recent call last):\n  File "/x/site-packages/pkg/mod.py", line 30, in <module>\n'
    assert evidence_start(py, bare, "pkg/mod.py", 12) == 30 - 4


def test_a_plain_word_asked_where_it_is_defined_opens_at_its_definition() -> None:
    """"where is bytesify defined?" opened at the file's first lines (its `__all__` lists the
    name); the definition is what the question asks for."""

    lines = ['__all__ = [', '    "bytesify",', ']', *[f"v_{i} = {i}" for i in range(40)],
             "def bytesify(s):", "    return bytes(s)", *[f"w_{i} = {i}" for i in range(40)]]
    start = evidence_start(lines, "where is bytesify defined?", "h11/_util.py", 12)
    assert start <= 44 <= start + 11


def test_a_method_or_function_named_opens_at_its_definition_in_java_and_c() -> None:
    """On gson and jq the evidence missed the method asked about: `private int peekNumber()`
    has a return type before its name, `static void jv_dump_term(…)` too, a GNU-style C
    function puts its name on the line after the type, and `LinkedTreeMap.clear` opened at
    the class's constructors (its owner's name was the only code name). tree-sitter's
    outline of the file says where each definition starts; of a member several classes
    define, the owner's own."""

    filler = [f"    private int field{i} = {i};" for i in range(60)]
    java = ["package com.acme;", "", "public final class JsonReader {", *filler,
            "  private int peekNumber() throws IOException {", "    return 0;", "  }", *filler,
            "  int peekNumber2() {", "    return peekNumber();", "  }", "}"]
    start = evidence_start(java, "where is peekNumber defined?", "src/JsonReader.java", 12)
    assert java[start - 1].strip().startswith("private int peekNumber()")
    c = ["#include <stdio.h>", *[f"static int table{i} = {i};" for i in range(60)],
         "static int", "tokenadd(struct parser* p, char c)", "{", "  return p->pos++;", "}",
         *[f"static int more{i} = {i};" for i in range(60)], "void use(void) { tokenadd(0, 'a'); }"]
    start = evidence_start(c, "Fix signed-int overflow in `tokenadd`", "src/parse.c", 12)
    assert c[start - 1] == "static int"
    start = evidence_start(c, "where is tokenadd defined?", "src/parse.c", 12)
    assert c[start - 1] == "static int"
    start = evidence_start(c, "what does tokenadd do?", "src/parse.c", 12)  # a plain word the file defines
    assert c[start - 1] == "static int"
    tree = ["package com.acme;", "public final class LinkedTreeMap<K, V> {", "  LinkedTreeMap() {", "  }",
            *filler, "  @Override public void clear() {", "    root = null;", "  }", *filler,
            "  final class KeySet {", "    @Override public void clear() {", "      LinkedTreeMap.this.clear();",
            "    }", "  }", "}"]
    start = evidence_start(tree, "what does LinkedTreeMap.clear do?", "src/LinkedTreeMap.java", 12)
    assert tree[start - 1].strip() == "@Override public void clear() {" and start < 70


PHP_TRACE = """PHP Fatal error:  Uncaught RuntimeException: parser must return an array in /var/www/vendor/slim/slim/Slim/Middleware/BodyParsingMiddleware.php:158
Stack trace:
#0 /var/www/vendor/slim/slim/Slim/Middleware/BodyParsingMiddleware.php(65): Slim\\Middleware\\BodyParsingMiddleware->parseBody(Object(Slim\\Psr7\\Request))
#1 /var/www/vendor/slim/slim/Slim/MiddlewareDispatcher.php(168): Slim\\Middleware\\BodyParsingMiddleware->process(Object(Slim\\Psr7\\Request))
#2 /var/www/public/index.php(31): Slim\\App->run()
#3 {main}
  thrown in /var/www/vendor/slim/slim/Slim/Middleware/BodyParsingMiddleware.php on line 158
"""
DOTNET_TRACE = """Unhandled exception. System.FormatException: One of the identified items was in an invalid format.
   at CommandLine.Core.TypeConverter.ToEnum(String value, Type conversionType) in C:\\projects\\commandline\\src\\CommandLine\\Core\\TypeConverter.cs:line 140
   at CommandLine.Core.InstanceBuilder.Build[T](Maybe`1 factory, Func`3 tokenizer) in C:\\projects\\commandline\\src\\CommandLine\\Core\\InstanceBuilder.cs:line 91
   at MyTool.Program.Main(String[] args) in C:\\src\\MyTool\\Program.cs:line 17
"""
RUBY_TRACE = """RuntimeError: Unknown media type: :geojson
/usr/local/bundle/gems/sinatra-4.2.1/lib/sinatra/base.rb:389:in 'Sinatra::Helpers#content_type'
/app/app.rb:14:in 'block in <class:MyApp>'
/usr/local/bundle/gems/sinatra-4.2.1/lib/sinatra/base.rb:1071:in `route!'
"""
JVM_TRACE = """Exception in thread "main" com.google.gson.JsonSyntaxException: boom
\tat com.google.gson.internal.bind.JsonTreeReader.skipValue(JsonTreeReader.java:123)
\tat com.google.gson.Gson.fromJson(Gson.java:900)
Caused by: java.lang.NumberFormatException: bad
\tat com.google.gson.internal.LazilyParsedNumber.intValue(LazilyParsedNumber.java:40)
\t... 3 more
"""


def test_php_dotnet_ruby_and_jvm_traces_are_read_innermost_last_with_the_function_each_line_is_in() -> None:
    """PHP, .NET, Ruby and the JVM print the frame that broke first; they were read in
    Python's order (or not at all), so the outermost frame was looked up first and a Slim
    trace answered RouteRunner.php for a crash in RouteParser.php. A PHP frame names the
    function it *calls* at its line: the line lies in the next frame's callee, and where it
    was thrown in the first frame's."""
    php = parse(PHP_TRACE)
    assert php.frame_lines[-1] == ("Slim/Middleware/BodyParsingMiddleware.php", 158)  # where it was thrown
    assert php.frame_functions[-1] == "parseBody" and php.frame_functions[-2] == "process"
    assert php.paths[-1] == "Slim/Middleware/BodyParsingMiddleware.php" and "Slim/MiddlewareDispatcher.php" in php.installed
    dotnet = parse(DOTNET_TRACE)
    assert dotnet.frame_lines[-1] == ("projects/commandline/src/CommandLine/Core/TypeConverter.cs", 140)
    assert dotnet.frame_functions == ("Main", "Build", "ToEnum")
    release = parse("\n".join(line.split(" in ")[0] for line in DOTNET_TRACE.splitlines()))  # no files: the methods
    assert release.paths == () and release.functions[-1] == "ToEnum"
    # and the evidence opens at the innermost method the file defines, not at its caller
    converter = ["namespace CommandLine.Core", "{", "    static class TypeConverter", "    {"] + \
        ["        public static object Build(string v)", "        {", "            return ToEnum(v);", "        }"] + \
        ["        // filler"] * 60 + ["        public static object ToEnum(string v)", "        {", "            return v;",
                                     "        }", "    }", "}"]
    start = evidence_start(converter, release.text, "src/Core/TypeConverter.cs", 12)
    assert start <= converter.index("        public static object ToEnum(string v)") + 1 < start + 12
    ruby = parse(RUBY_TRACE)
    assert ruby.frame_lines[-1] == ("lib/sinatra/base.rb", 389) and ruby.frame_functions[-1] == "content_type"
    assert "route" in ruby.functions and "lib/sinatra/base.rb" in ruby.installed  # a gem's folder is another package's
    # Ruby 2.5-2.7 on a terminal prints its callers first (`2: from …`), where it broke last: read as it stands
    # (rest-client's `rescue in transmit` was taken for the outermost frame, `execute` for the innermost)
    tty = parse("Traceback (most recent call last):\n\t2: from export.rb:12:in `<main>'\n"
                "\t1: from /gems/rest-client-2.1.0/lib/restclient/request.rb:63:in `execute'\n"
                "/gems/rest-client-2.1.0/lib/restclient/request.rb:767:in `rescue in transmit': Timed out reading "
                "data from server (RestClient::Exceptions::ReadTimeout)\n")
    assert tty.frame_lines[-1] == ("lib/restclient/request.rb", 767) and tty.frame_functions[-1] == "transmit", tty
    jvm = parse(JVM_TRACE)  # the last cause's first frame is the innermost; the folders are the package's
    assert jvm.frame_lines[-1] == ("com/google/gson/internal/LazilyParsedNumber.java", 40)
    assert ("com/google/gson/internal/bind/JsonTreeReader.java", 123) in jvm.frame_lines
    assert jvm.frame_functions[-1] == "intValue"
    # the file name written inside each frame is no path of its own: looked up innermost-last as prose,
    # `Gson.java` (outer) came before the frames and the path ranking put scopt's caller first
    assert jvm.paths[-1] == "com/google/gson/internal/LazilyParsedNumber.java"
    assert not {"Gson.java", "JsonTreeReader.java", "LazilyParsedNumber.java"} & set(jvm.paths)


SWIFT_TRACE = """Fatal error: Index out of range
Current stack trace:
0    libswiftCore.so     0x00007f3c1a2b1c10 _swift_stdlib_reportFatalErrorInFile + 112
2    Rainbow             0x000055d0a1a3b2f1 $s7Rainbow18ConsoleEntryParserC10parseCodesSays5UInt8VGyF + 321 at /home/me/Rainbow/Sources/ModesExtractor.swift:74
3    Rainbow             0x000055d0a1a3a9c2 $s7Rainbow18ConsoleEntryParserC5parseAA0A0O5EntryVyF + 210 at /home/me/Rainbow/Sources/ModesExtractor.swift:52
5    App                 0x000055d0a1a30011 main + 17 at /home/me/App/main.swift:4
"""


def test_a_swift_crash_is_read_innermost_last_with_its_demangled_functions() -> None:
    """A Swift crash's `Current stack trace:` was not read: the answer was the outermost
    repository frame's file (Rainbow.swift for a crash in ModesExtractor.swift)."""
    swift = parse(SWIFT_TRACE)
    assert swift.frame_lines[-1] == ("home/me/Rainbow/Sources/ModesExtractor.swift", 74)
    assert swift.frame_functions[-2:] == ("parse", "parseCodes") and swift.paths[0] == "home/me/App/main.swift"
    assert parse("Fatal error: out of range: file Sources/App/Codes.swift, line 74").frame_lines == \
        (("Sources/App/Codes.swift", 74),)
    macos = parse("2   Rainbow   0x0000000100a3b2f1 Rainbow.ConsoleEntryParser.parseCodes() -> [UInt8] + 321\n")
    assert macos.paths == () and macos.functions == ("parseCodes",)
    # a symbolicated report puts the file and line in brackets after the offset (Alamofire's)
    report = parse("1   Alamofire   0x0000000104a3c2f0 MultipartFormData.writeEncodedData(to:) + 200 "
                   "(MultipartFormData.swift:392)\n")
    assert report.frame_lines == (("MultipartFormData.swift", 392),) and report.frame_functions == ("writeEncodedData",)
    # Kotlin/Native's frames, laid out as Swift's behind `at` (turbine's were read as no frame at all): an
    # extension's receiver after `__at__`, an internal member's visibility after `#`, no constructor
    native = parse("kotlin.AssertionError: Expected item but found Complete\n"
                   "    at 0   test.kexe   0x10a2b3c4d kfun:kotlin.Throwable#<init>(kotlin.String?){} + 117\n"
                   "    at 3   test.kexe   0x10a4f2b10 kfun:app.cash.turbine#awaitItem__at__kotlinx.coroutines."
                   "channels.ReceiveChannel<0:0>(kotlin.String?){0§<kotlin.Any?>}0:0 + 880\n"
                   "    at 4   test.kexe   0x10a6c0d31 kfun:com.example.CounterTest.$lambda$0COROUTINE$1.invokeSuspend"
                   "#internal + 1450\n")
    assert native.functions == ("invokeSuspend", "awaitItem") and native.paths == (), native.functions


@pytest.mark.parametrize("trace, innermost, function", [
    # AddressSanitizer
    ("==1==ERROR: AddressSanitizer: heap-buffer-overflow\n    #0 0x55d4a1 in parse_string /src/cjson/cJSON.c:851:12\n"
     "    #1 0x55d4b2 in parse_value /src/cjson/cJSON.c:1382:16\n    #2 0x7f00 in __libc_start_main "
     "(/lib/x86_64-linux-gnu/libc.so.6+0x21b96)\n", ("src/cjson/cJSON.c", 851), "parse_string"),
    # gdb's bt, a frame without its address, a C++ method
    ("#0  0x000055555555a1b2 in print_string_ptr (input=0x0, out=0x7ff) at cJSON.c:960\n"
     "#1  print_value (item=0x5555) at cJSON.c:1420\n", ("cJSON.c", 960), "print_string_ptr"),
    ("#0  0x0000000000401136 in ns::Parser::parse (this=0x0) at src/parser.cpp:42\n#1  main () at src/main.cpp:7\n",
     ("src/parser.cpp", 42), "parse"),
    # lldb
    ("* thread #1, stop reason = EXC_BAD_ACCESS\n  * frame #0: 0x0000000100003f6c app`parse_string(item=0x0) at "
     "cJSON.c:851:12\n    frame #1: 0x0000000100003f00 app`main at main.c:5:3\n", ("cJSON.c", 851), "parse_string"),
    # C++ templates, whose arguments hold `::` and spaces (nlohmann/json's lexer), and a frame with none
    ("    #0 0x4f2a1b in nlohmann::detail::lexer<nlohmann::basic_json<>, nlohmann::detail::iterator_input_adapter<char "
     "const*> >::scan_string() include/nlohmann/detail/input/lexer.hpp:262:17\n    #1 0x4f5d4e in LLVMFuzzerTestOneInput "
     "src/fuzz/fuzzer-parse_json.cpp:30:5\n", ("include/nlohmann/detail/input/lexer.hpp", 262), "scan_string"),
    # valgrind: its own replacement's frame first, then the code's
    ("==123== Invalid read of size 1\n==123==    at 0x4C2AB80: strlen (vg_replace_strmem.c:458)\n"
     "==123==    by 0x400544: parse_string (cJSON.c:851)\n", ("vg_replace_strmem.c", 458), "strlen"),
])
def test_a_native_crashs_frames_are_read_innermost_last(trace: str, innermost: tuple[str, int], function: str) -> None:
    """cJSON's AddressSanitizer report (`#0 0x55d4a1 in parse_string /src/cjson/cJSON.c:851:12`)
    and gdb's `bt` were read as no frames at all: the evidence opened in a caller's function
    (`parse_value`), or in one no frame names. Sanitizers', gdb's, lldb's and valgrind's
    frames are read, innermost last, as every other language's."""
    query = parse(trace)
    assert query.frame_lines[-1] == innermost and query.frame_functions[-1] == function, query
    assert len(query.frame_lines) == 2


def test_a_line_of_angle_brackets_is_read_at_once() -> None:
    """A first reading of C++ templates (a lazy `<…>` inside a repeated `::` part) took minutes
    on a line of `a<b>::` repeated: every way of splitting it was tried."""
    started = time.perf_counter()
    for text in ("#0 0x1 in " + "a<b>::" * 1000 + " x", "    #0 0x1 in f<" + "x::y<z>, " * 500 + "> foo.c:1",
                 "#0 0x1 in " + "a<b<c<d<" * 500, "#1 " + "a<b::" * 300):
        parse(text)
    assert time.perf_counter() - started < 5  # a hang guard: about 0.01 s


def test_owner_and_member_joined_as_php_ruby_cpp_and_rust_join_them() -> None:
    """`RouteCollector::map`, `Sinatra::Helpers#content_type`: both parts are names, as
    `Options.merge`'s are (the pair lift and the evidence read them; `Route::__construct()`
    ranked Route.php 9th)."""
    from explore.retrieval.query import name_parts

    assert {"RouteCollector", "map"} <= parse("where is RouteCollector::map defined?").names
    assert {"Helpers", "content_type"} <= parse("Sinatra::Helpers#content_type raises").names
    assert name_parts("Sinatra::Helpers#content_type") == ["Sinatra", "Helpers", "content_type"]
    assert "C" not in parse("rewrite it in C# soon").names
    # a `#` joins a method to a capitalised owner only: links and JSON pointers are no names
    # (`schema#definitions` read so cost jsonschema's reports a window)
    assert "definitions" not in parse("the schema#definitions ref fails").names
    assert "installation" not in parse("see README.md#installation").names


def test_a_location_as_pytest_linters_and_compilers_print_it_is_a_frame() -> None:
    """``src/pkg/rrule.py:870: in _iter`` (pytest), ``a.py:12:5: E501`` (ruff, flake8),
    ``a.c:3:9: error:`` (gcc), ``a.ts:4:2 - error`` (tsc), rustc's ``--> src/main.rs:2:5`` were
    paths without a line: the evidence opened at the densest window (dateutil's rrule.py at
    467 for a failure at 870), where ``File "…", line 870`` opened at 866."""
    pytest_ = parse("src/pkg/rrule.py:870: in _iter\n    if until and res > until:\n"
                    "E   TypeError: can't compare offset-naive and offset-aware datetimes\n")
    assert pytest_.frame_lines == (("src/pkg/rrule.py", 870),) and "_iter" in pytest_.functions
    for text, where in [("src/pkg/a.py:12:5: E501 line too long (99 > 88)", ("src/pkg/a.py", 12)),
                        ("src/a.c:3:9: error: 'x' undeclared", ("src/a.c", 3)),
                        ("src/app.ts:4:2 - error TS2322: Type 'string' is not assignable", ("src/app.ts", 4)),
                        ("error[E0308]: mismatched types\n --> src/main.rs:2:5\n", ("src/main.rs", 2))]:
        assert parse(text).frame_lines == (where,), text
    assert parse("see rrule.py:300 for the loop").frame_lines == ()  # mid-sentence: a mention, not a location
    assert parse("ERROR in ./src/app.ts 12:4\nModule parse failed").frame_lines == (("src/app.ts", 12),)  # webpack
    # a linter's list is no stack: its first error is looked up first (last here); pytest's lines are one
    assert parse("src/types.py:700:9: error: bad\nsrc/core.py:12:1: F401 unused\n").paths[-1] == "src/types.py"
    assert parse("src/a.py:10: in test_x\n    f()\nsrc/b.py:20: in f\n    g()\nE   ValueError: x\n").paths[-1] \
        == "src/b.py"
    # a compiler's include chain is no frame (toml11's installed toml.hpp, which included find.hpp, was read
    # as where a template error in find.hpp broke)
    included = parse("main.cpp:15:50: error: no matching function for call to 'find<Config>'\n"
                     "In file included from /usr/local/include/toml.hpp:36,\n                 from main.cpp:1:\n"
                     "/usr/local/include/toml11/find.hpp:24:31: error: no matching function for call to 'get'\n")
    assert included.paths == ("usr/local/include/toml11/find.hpp", "main.cpp"), included.paths
    ruby = parse(RUBY_TRACE)  # a frame another pattern reads is not read twice
    assert len(ruby.frame_lines) == len(set(ruby.frame_lines))
    lines = [f"    x{i} = {i}" for i in range(1, 1000)]
    lines[469] = "    if until and res > until:  # compare"  # the words of the message, elsewhere
    assert evidence_start(lines, pytest_.text, "src/pkg/rrule.py", 12) <= 870 < \
        evidence_start(lines, pytest_.text, "src/pkg/rrule.py", 12) + 12


def test_words_that_spell_a_defined_name_together_open_the_evidence_at_it() -> None:
    """"where is the JSON renderer implemented?" opened structlog's processors.py at its
    `__all__` list (every renderer's name, each line both words) above `class JSONRenderer`."""
    lines = ["__all__ = ["] + [f'    "{n}Renderer",' for n in ("JSON", "KeyValue", "LogfmtRenderer", "Console")] + \
        ["]", ""] + [f"x{i} = {i}" for i in range(80)] + \
        ["class JSONRenderer:", '    """Render the event dictionary using ``json.dumps``."""', "",
         "    def __call__(self, logger, name, event_dict):", "        return self._dumps(event_dict)"] + \
        [f"y{i} = {i}" for i in range(40)]
    start = evidence_start(lines, "where is the JSON renderer implemented?", "src/structlog/processors.py", 12)
    assert start <= lines.index("class JSONRenderer:") + 1 < start + 12
    short = evidence_start(lines, "json renderer", "src/structlog/processors.py", 12)  # a short question too
    assert short <= lines.index("class JSONRenderer:") + 1 < short + 12
    # words that spell nothing the file defines leave the window as it was
    assert evidence_start(lines, "where is the XML renderer implemented?", "src/p.py", 12) < 20


def test_an_elixir_stacktrace_is_read_innermost_last() -> None:
    trace = ("** (Plug.Conn.AlreadySentError) the response was already sent\n"
             "    (plug 1.15.3) lib/plug/conn.ex:445: Plug.Conn.send_resp/3\n"
             "    (my_app 0.1.0) lib/my_app/router.ex:12: MyApp.Router.plug_builder_call/2\n")
    q = parse(trace)
    assert q.frame_lines[-1] == ("lib/plug/conn.ex", 445) and q.frame_functions[-1] == "send_resp"
    assert q.paths == ("lib/my_app/router.ex", "lib/plug/conn.ex")


def test_evidence_opens_past_blank_lines() -> None:
    """A window that would open on the empty lines above a class opens at the class."""
    lines = ["", "", "class DefaultIsolatedEnv:", "    \"\"\"An isolated build environment, created in a temporary folder.\"\"\"",
             *["    x = 1"] * 20]
    start = evidence_start(lines, "where is the isolated build environment created?", "env.py", 12)
    assert lines[start - 1].strip(), start
    assert start <= lines.index("class DefaultIsolatedEnv:") + 1
    assert evidence_start(["", "", ""], "anything", "a.py", 12) >= 1


def test_a_link_to_a_file_names_it_and_its_line() -> None:
    """A permalink pasted into a report (GitHub, GitLab, Gitea) names the file, and its `#L12`
    the line, as a stack frame would; a link to an issue names nothing."""
    q = parse("the bug is here https://github.com/o/r/blob/3f2a1b/src/pkg/retry.py#L12-L20 when attempt < 0")
    assert q.paths == ("src/pkg/retry.py",) and q.frame_lines == (("src/pkg/retry.py", 12),)
    assert parse("https://gitlab.com/g/sub/p/-/blob/main/lib/a.rb#L3").frame_lines == (("lib/a.rb", 3),)
    assert parse("https://codeberg.org/o/r/src/branch/main/x/y.go").paths == ("x/y.go",)
    assert parse("https://github.com/o/r/issues/12").paths == ()
    # its host, owner, repository and branch are no words to rank by (viper.go, named for the repository, ranked first)
    terms = set(parse("https://github.com/spf13/viper/blob/master/file.go#L20").terms)
    assert terms and not terms & {"github", "spf13", "viper", "blob", "master"}, terms


@pytest.mark.parametrize(("path", "text", "question", "declared"), [
    ("go.mod", "module example.com/m\n\ngo 1.23.0\n\nrequire (\n" + "\tgithub.com/x/y v1.0.0 // indirect\n" * 30 + ")\n",
     "which Go version is required?", 3),
    ("package.json", '{\n  "name": "m",\n' + '  "k": 1,\n' * 30 + '  "engines": {\n    "node": ">=18"\n  }\n}\n',
     "which Node.js version is required?", 33),
    ("Cargo.toml", '[package]\nname = "m"\n' + 'x = 1\n' * 30 + 'rust-version = "1.70"\n',
     "what is the minimum supported Rust version?", 33),
    ("pyproject.toml", '[project]\nname = "m"\n' + 'x = 1\n' * 30 + 'requires-python = ">=3.9"\n',
     "which Python versions are supported?", 33),
    # a Gradle version catalog; Kotlin's line, not Java's level, for a Kotlin question (okio)
    ("gradle/libs.versions.toml", "[versions]\n" + 'lib = "1.0"\n' * 30 + 'jdk = "17"\nkotlin = "2.2.21"\n',
     "Which Kotlin version does the Gradle build use?", 33),
    # a podspec's Swift versions (SnapKit's answered Package.swift's tools version, the podspec named)
    ("SnapKit.podspec", "Pod::Spec.new do |s|\n" + "  s.x = 1\n" * 30 + "  s.swift_versions = ['5.0']\nend\n",
     "which swift versions does SnapKit.podspec declare?", 32),
    # Mill's Scala versions (fansi's build.mill)
    ("build.mill", "import mill._\n" + "val x = 1\n" * 30 + 'val scalaVersions = Seq("2.13.15", "3.3.6")\n',
     "which Scala versions does fansi cross-build for?", 32),
])
def test_a_language_version_asked_opens_at_the_line_declaring_it(path: str, text: str, question: str,
                                                                 declared: int) -> None:
    """viper's "which Go version is required?" opened go.mod at its indirect `require` block,
    below the `go 1.23.0` line (execa's package.json one line below `"engines"`)."""
    lines = text.splitlines()
    start = evidence_start(lines, question, path, 12)
    assert start <= declared < start + 12, (start, declared)
    from explore.retrieval.versions_asked import version_line

    assert version_line(question, path, lines) == declared and version_line("which modules are required?", path, lines) is None


def test_the_versions_ci_runs_on_open_at_the_matrix_listing_them() -> None:
    """zap's "Which Go versions does CI test against?" opened its workflow at `setup-go`, the
    matrix's `go: [...]` line out of sight; pino's opened at an `exclude:` entry below its
    `node-version: [...]` list. A list written one item a line counts too; a question about
    what the manifest requires is not answered from the workflow."""
    from explore.retrieval.versions_asked import tested_versions_line

    zap = ["name: Go", "on: [push, pull_request]", "jobs:", "  build:", "    runs-on: ubuntu-latest",
           "    strategy:", "      matrix:"] + ["        # note"] * 14 + ['        go: ["1.25.x", "1.26.x"]',
                                                                          "        include:", "          - latest: true"]
    zap += ["    steps:", "      - uses: actions/setup-go@v5", "        with:", "          go-version: ${{ matrix.go }}"]
    zap += ["      - run: make test"] * 20
    start = evidence_start(zap, "Which Go versions does CI test against?", ".github/workflows/go.yml", 12)
    assert start <= 22 < start + 12, start
    listed = ["jobs:", "  test:", "    strategy:", "      matrix:", "        cargo-home:", "          - a",
              "        python-version:", '          - "3.9"', '          - "3.13"']
    assert tested_versions_line("which Python versions does the CI workflow run?", ".github/workflows/ci.yml",
                                listed) == 7
    assert tested_versions_line("which Python versions are required?", ".github/workflows/ci.yml", listed) is None
    assert tested_versions_line("which Python versions does the CI run?", "pyproject.toml", listed) is None
    # the least version CI tests is its own job's (thiserror's `msrv:`), not the matrix's list
    rust = ["jobs:", "  test:", "    strategy:", "      matrix:", "        rust: [nightly, beta, stable, 1.85.0]",
            "  msrv:", "    name: Rust 1.71.0", "    steps:", "      - uses: dtolnay/rust-toolchain@1.71.0"]
    assert tested_versions_line("What minimum Rust version does CI test?", ".github/workflows/ci.yml", rust) == 6
    assert tested_versions_line("Which Rust versions does CI test?", ".github/workflows/ci.yml", rust) == 5
    # a matrix of `include:` entries (tornado's `- python: '3.10'`) opens at the first
    included = ["jobs:", "  test:", "    strategy:", "      matrix:", "        include:", "          # the oldest",
                "          - python: '3.9'", "            tox_env: py39", "          - python: '3.10'"]
    assert tested_versions_line("which Python versions does CI test against?", ".github/workflows/test.yml", included) == 7


def test_a_python_frames_pasted_source_line_opens_the_evidence_where_this_version_has_it() -> None:
    """gunicorn's websocket trace `line 171, in _send` with its source `data =
    message["text"].encode("utf-8")` fell on a blank line still inside `_send` here, and the
    evidence showed the close handshake: the line holding the pasted source, nearest the
    frame's, is where it broke in this version."""
    from explore.retrieval.query import parse

    lines = ["class WebSocket:", "    async def _send(self, message):", '        if "bytes" in message:',
             '            data = message["bytes"]', "        else:", '            data = message["text"].encode("utf-8")']
    lines += [f"        step_{i}()" for i in range(30)] + [""] * 3 + ["        await self._close()"]
    trace = ('Traceback (most recent call last):\n  File "/srv/venv/lib/python3.12/site-packages/gunicorn/asgi/'
             'websocket.py", line 38, in _send\n    data = message["text"].encode("utf-8")\n'
             '           ~~~~~~~^^^^^^^^\nKeyError: \'text\'\n')
    assert parse(trace).frame_sources == (("gunicorn/asgi/websocket.py", 38, 'data = message["text"].encode("utf-8")'),)
    start = evidence_start(lines, trace, "gunicorn/asgi/websocket.py", 12)
    assert start <= 6 < start + 12, start
    # the frame's own line holding it, or a source no line holds: at the frame's line, as before
    assert evidence_start(lines, trace.replace("line 38", "line 6"), "gunicorn/asgi/websocket.py", 12) == 6 - 4
    other = trace.replace('data = message["text"]', 'data = payload["text"]')
    start = evidence_start(lines, other, "gunicorn/asgi/websocket.py", 12)
    assert start <= 38 < start + 12 and start > 6, start


def test_a_catalog_a_page_or_a_script_written_out_is_a_path() -> None:
    """timex's "where is priv/translations/fr/LC_MESSAGES/relative_time.po" read no path (`.po`
    was no suffix a path in prose may end with), so the file named was in no ranking at all."""
    written = ("priv/translations/fr/LC_MESSAGES/relative_time.po", "docs/index.html", "build/UnityBuild.bat",
               "src/Site/Shared/_SideBar.cshtml", "data/CurrencyData.csv")
    for path in written:
        assert parse(f"what is in {path}?").paths == (path,), path
    assert parse("e.g. it fails in Node.js").paths == ("Node.js",)  # as before: no more words taken for files


def test_a_message_pasted_inside_a_sentence_is_read_without_its_level_and_by_sentence() -> None:
    """python-dotenv's "… fails with: Error: Invalid value for '-f' … does not exist. The file exists …",
    Scrutor's "… fails with System.InvalidOperationException: Type "…" is not assignable to "$…". Where
    …?" gave no message; cargo-insta's quoted "error: Interactive review requires a terminal. For …"
    held the "error: " its code prints apart, and two sentences its code writes on two lines."""
    dotenv = ("Running `dotenv -f config/.env run python app.py` fails with: Error: Invalid value for '-f' "
              "\"config/.env\" does not exist. The file exists relative to my project root. Where does this happen?")
    assert {"Invalid value for", "does not exist"} <= set(parse(dotenv).messages), parse(dotenv).messages
    scrutor = ("Scanning with .As<INotifier>() fails with System.InvalidOperationException: Type \"MyApp.EmailSender\" "
               "is not assignable to \"$MyApp.INotifier\". Where is this thrown?")
    assert parse(scrutor).messages == ("is not assignable to",), parse(scrutor).messages
    insta = ('Running cargo insta review from my CI script prints "error: Interactive review requires a terminal. '
             'For non-interactive snapshot management:" how do I accept snapshots without a TTY?')
    messages = parse(insta).messages
    assert "Interactive review requires a terminal" in messages, messages
    assert not any(m.startswith("error") for m in messages), messages
    # a commit subject naming an error type without a colon gives none
    assert parse("Fix TypeError in the parser when the input is empty").messages == ()
    # a Python traceback's last line, its exception named anyhow (voluptuous's MultipleInvalid gave none)
    traceback = ('Where does this text come from?\n\nTraceback (most recent call last):\n  File "app.py", line 12, in '
                 "<module>\n    schema({'color': 'purple'})\n  File \"/site-packages/voluptuous/schema_builder.py\", "
                 "line 407, in validate_mapping\n    raise er.MultipleInvalid(errors)\nvoluptuous.error.MultipleInvalid: "
                 "expected Color or one of 'red', 'green' for dictionary value @ data['color']\n")
    assert "expected Color or one of" in parse(traceback).messages, parse(traceback).messages
    assert parse('Traceback (most recent call last):\n  File "a.py", line 3, in <module>\n    f()\n'
                 "KeyError: 'x'\n").messages == ()  # a value alone is no message
    # a diagnostic's gutter pasted onto one line parts its location from its message (toml's)
    gutter = ('toml::from_str fails with "TOML parse error at line 3, column 9 | integers with a radix cannot be '
              'signed" for `mask = -0xff`. Where is this error produced?')
    assert "integers with a radix cannot be signed" in parse(gutter).messages, parse(gutter).messages
    # the frame's class picks its method among a file's methods of one name (Scrutor's ThrowRegistrationStrategy.Apply
    # opened at the abstract Apply above it)
    lines = ["namespace Scrutor", "{", "    public abstract class RegistrationStrategy", "    {",
             "        public abstract void Apply(IServiceCollection services, ServiceDescriptor descriptor);",
             *(f"        // strategy note {i}" for i in range(20)),
             "        private sealed class ThrowRegistrationStrategy : RegistrationStrategy", "        {",
             "            public override void Apply(IServiceCollection services, ServiceDescriptor descriptor)",
             "            {", "                throw new DuplicateTypeRegistrationException(descriptor.ServiceType);",
             "            }", "        }", "    }", "}"]
    thrown = next(n for n, line in enumerate(lines, start=1) if "throw new" in line)
    trace = ("Scrutor.DuplicateTypeRegistrationException: A service of type 'IFoo' has already been registered.\n"
             "   at Scrutor.RegistrationStrategy.ThrowRegistrationStrategy.Apply(IServiceCollection services, "
             "ServiceDescriptor descriptor)\n   at Scrutor.ServiceTypeSelector.Populate(IServiceCollection services)\n")
    start = evidence_start(lines, trace, "src/Scrutor/RegistrationStrategy.cs", 12)
    assert start <= thrown <= start + 11, (start, thrown)
    # after "fails with:" alone (ants's), and a Go sentinel's message opens where the file returns the sentinel
    ants = "ants.NewPool(-1, ants.WithPreAlloc(true)) fails with: can not set up a negative capacity under PreAlloc mode"
    assert parse(ants).messages == ("can not set up a negative capacity under PreAlloc mode",), parse(ants).messages
    go = ["package ants", "", "var (", "\t// ErrInvalidPreAllocSize is returned for a negative capacity.",
          '\tErrInvalidPreAllocSize = errors.New("can not set up a negative capacity under PreAlloc mode")', ")",
          *(f"// note {i}" for i in range(30)), "func NewPool(size int, options ...Option) (*Pool, error) {",
          "\tif size <= 0 && opts.PreAlloc {", "\t\treturn nil, ErrInvalidPreAllocSize", "\t}", "}"]
    returned = next(n for n, line in enumerate(go, start=1) if "return nil, ErrInvalidPreAllocSize" in line)
    start = evidence_start(go, ants, "ants.go", 12)
    assert start <= returned <= start + 11, (start, returned)
    # the line holding the most of a message's pieces (indexmap's slice panic: the start index's line holds one)
    rust = ["pub(crate) fn simplify_range(range: R, len: usize) -> Range<usize> {",
            '    let start = match range.start_bound() { Bound::Included(&i) if i <= len => i,',
            '        _ => panic!("range start index {} out of range for slice of length {}", i, len) };',
            *(f"    // step {i}" for i in range(30)),
            '    let end = match range.end_bound() { Bound::Excluded(&i) if i <= len => i,',
            '        _ => panic!("range end index {} out of range for slice of length {}", i, len) };', "}"]
    panic = "map.get_range(3..10) panics with: range end index 10 out of range for slice of length 3"
    ended = next(n for n, line in enumerate(rust, start=1) if "range end index" in line)
    start = evidence_start(rust, panic, "src/util.rs", 12)
    assert start <= ended <= start + 11, (start, ended)


def test_a_settings_file_named_in_prose_is_a_file_not_code_names() -> None:
    """insta's "… its insta.yaml tool configuration …" read `insta` and `yaml` as names, and lifted
    the files defining `yaml`; a dotted name of code stays one."""
    asked = parse("Which file names does insta look for when loading its insta.yaml tool configuration?")
    assert asked.names == frozenset() and asked.paths == ("insta.yaml",), (asked.names, asked.paths)
    assert "join" in parse("where is os.path.join called?").names
    assert "Settings" in parse("where is config.Settings defined?").names
    # an attribute a file's suffix spells is code still (`threading.Lock`, `response.json`, `self.cfg`)
    for code, name in (("where is threading.Lock used?", "Lock"), ("why does response.json fail?", "json"),
                       ("where is self.cfg read?", "cfg"), ("where is self.lock acquired?", "lock")):
        assert name in parse(code).names, code


def test_a_version_the_question_writes_opens_a_pages_window_at_its_entry() -> None:
    """indexmap's "In which release was the hashbrown dependency updated to 0.17?" read `0.17` as ``17``,
    which a date in `## 2.12.0 (2025-10-17)` held: the window showed the release that moved it to 0.16.
    A page's window opens at the heading above the line holding the version (and most of the words)."""

    releases = ["# Releases", "", "## 2.14.0 (2026-04-09)", "", "- Updated the `hashbrown` dependency to 0.17.",
                "- Made more methods `const`.", "", *(f"## 2.13.{i} (2026-03-0{i})\n\n- Fixed a thing." for i in range(9)),
                "## 2.12.0 (2025-10-17)", "", "- Updated the `hashbrown` dependency to 0.16.", "- Added `Slice::get`."]
    lines = "\n".join(releases).splitlines()
    question = "In which release was the hashbrown dependency updated to 0.17?"
    start = evidence_start(lines, question, "RELEASES.md", 12)
    assert lines[start - 1] == "## 2.14.0 (2026-04-09)", (start, lines[start - 1])
    # reStructuredText's underlined heading: its title line
    rst = ["Changes", "=======", "", *(f"- old note {i}" for i in range(20)), "", "Version 3.1.0", "-------------", "",
           "- Dropped Python 3.8.", "- Fixed the parser."]
    start = evidence_start(rst, "What changed in 3.1.0?", "CHANGES.rst", 12)
    assert rst[start - 1] == "Version 3.1.0", (start, rst[start - 1])
    # a page not holding the version keeps its window by the words
    assert evidence_start(rst, "What changed in 4.0.0 for the parser?", "CHANGES.rst", 12) != 1


def test_which_test_opens_at_the_test_whose_name_holds_the_questions_words() -> None:
    """ants's "which test checks that stale workers are purged after the expiry duration?" opened at
    TestRestCodeCoverage, which repeats `WithExpiryDuration` eight times, not at TestPurgePool: a test's
    name or title holding the most of the question's words (an -ed word by its base), the rarest among the
    file's tests first, is where it opens; the words of the file's own name count for none."""

    go = ["package ants", "", *(f"func TestAntsPoolWaitToGetWorker{i}(t *testing.T) {{\n\tp.Submit(f)\n}}\n" for i in range(6)),
          "func TestPurgePool(t *testing.T) {", "\tp, _ := NewPool(10, WithExpiryDuration(time.Second))", "}", "",
          "func TestPurgePreMallocPool(t *testing.T) {", "\tp.Release()", "}", "",
          "func TestRestCodeCoverage(t *testing.T) {",
          *("\t_, _ = NewPool(-1, WithExpiryDuration(-1)) // expiry duration of stale workers" for _ in range(8)), "}"]
    lines = "\n".join(go).splitlines()
    question = "Which test checks that stale workers are purged after the expiry duration?"
    start = evidence_start(lines, question, "ants_test.go", 12)
    assert lines[start - 1] == "func TestPurgePool(t *testing.T) {", (start, lines[start - 1])
    # more of its words over one rare one: dayjs's "parse month … with locale" over "the built-in parsing"
    js = ["import dayjs from '../../src'", "it('does not break the built-in parsing', () => {", "  expect(1)", "})",
          *(f"it('parse string {i}', () => {{\n  expect(parse({i}))\n}})" for i in range(10)),
          "it('parse month from string with locale in config', () => {", "  expect(2)", "})"]
    lines = "\n".join(js).splitlines()
    start = evidence_start(lines, "Which test covers customParseFormat parsing month names in a non-English locale?",
                           "test/plugin/customParseFormat.test.js", 12)
    assert "locale in config" in lines[start - 1], (start, lines[start - 1])
    # where the words' window lies in a test whose name holds as many of them, it stands (voluptuous's test named
    # for `_nested_getitem` and IndexError, its docstring saying so, over test_path_with_list_index)
    py = ["from voluptuous import Schema", "", "def test_path_with_list_index():", "    assert Schema([int])",
          *(f"def test_other_{i}():\n    assert Schema(str)\n" for i in range(20)),
          "def test_humanize_error_with_nested_getitem_indexerror():",
          '    """humanize: the nested lookup of a list index out of range in the error path (IndexError)."""',
          "    from voluptuous.humanize import _nested_getitem", "    assert _nested_getitem([1], [5]) is None"]
    lines = "\n".join(py).splitlines()
    start = evidence_start(lines, "Which test covers humanize's nested lookup when a list index in the error path is "
                           "out of range?", "voluptuous/tests/tests.py", 12)
    named = next(n for n, line in enumerate(lines, start=1) if "nested_getitem_indexerror" in line)
    assert start <= named + 1 <= start + 11, (start, named)
