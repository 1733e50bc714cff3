"""Definitions and doc comments by tree-sitter, language by language, and what bad input gets."""
from __future__ import annotations

import pytest

from explore.sandbox import syntax
from explore.sandbox.syntax import Definition, outline


def _by_name(path: str, text: str) -> dict[str, Definition]:
    found = outline(path, text)
    assert found is not None, f"no grammar for {path}"
    return {d.name: d for d in found}


GO = """\
package server

import "net/http"

// Serve answers requests until the context is cancelled.
// It never returns nil.
//
//go:noinline
func Serve(addr string) error { const local = 1; return nil }

// Config holds the listener settings.
type Config struct{ Addr string }

type (
	// Handler reacts to one request.
	Handler interface{ Handle() }
	ID = string
)

// Start opens the listener.
func (c *Config) Start() {}

// DefaultPort is used when none is given.
const DefaultPort = 8080
"""


def test_go_definitions_doc_comments_and_receivers() -> None:
    defs = _by_name("server.go", GO)
    assert defs["Serve"] == Definition("Serve", "function", 9, 9, "Serve answers requests until the context is "
                                       "cancelled.\nIt never returns nil.", 5, "")
    assert (defs["Config"].kind, defs["Config"].doc) == ("struct", "Config holds the listener settings.")
    assert (defs["Handler"].kind, defs["Handler"].doc) == ("interface", "Handler reacts to one request.")
    assert (defs["ID"].kind, defs["ID"].doc) == ("type", "")  # the group's comment is Handler's, not ID's
    assert (defs["Start"].kind, defs["Start"].parent, defs["Start"].doc) == ("method", "Config", "Start opens the listener.")
    assert (defs["DefaultPort"].kind, defs["DefaultPort"].start) == ("constant", 24)
    assert "local" not in defs  # a constant inside a function body is a local


TS = """\
import { X } from "./x";

/**
 * Parse the options a user passed.
 * @param raw the text
 */

export function parseOptions(raw: string): Options { return {}; }

// Options of one run.
export interface Options { verbose?: boolean }

export type Mode = "fast" | "slow";

export class Runner extends X {
  /** Start every job in order. */
  start(): void { const helper = () => 1; }
  private stop = (): void => {};
}

export const makeRunner = () => new Runner();
let count = 0; // not a doc of what follows
enum Color { Red }
"""


def test_typescript_jsdoc_exports_and_arrow_functions() -> None:
    defs = _by_name("src/run.ts", TS)
    assert defs["parseOptions"].doc == "Parse the options a user passed."  # a blank line after /** */ is allowed
    assert defs["parseOptions"].doc_start == 3 and defs["parseOptions"].start == 8
    assert (defs["Options"].kind, defs["Options"].doc) == ("interface", "Options of one run.")
    assert defs["Mode"].kind == "type" and defs["Color"].kind == "enum"
    assert (defs["start"].kind, defs["start"].parent, defs["start"].doc) == ("method", "Runner", "Start every job in order.")
    assert (defs["stop"].kind, defs["stop"].parent) == ("method", "Runner")
    assert (defs["helper"].kind, defs["helper"].parent) == ("function", "start")  # nested, not top-level
    assert defs["makeRunner"].kind == "function"
    assert defs["Color"].doc == ""  # a trailing comment belongs to its own line
    assert "count" not in defs  # a variable, not a definition
    tsx = _by_name("src/view.tsx", "/** A card. */\nexport function Card() { return <div className='c'/>; }\n")
    assert tsx["Card"].doc == "A card."


JS = """\
'use strict'

/**
 * Send a response body.
 *
 * @param {string} body
 * @public
 */

res.send = function send(body) { return this; };

exports.render = function (view) {};

module.exports = function createApplication() {};

const handlers = { onError: function () {}, close() {} };
"""


def test_javascript_assigned_functions() -> None:
    defs = _by_name("lib/response.js", JS)
    assert (defs["send"].doc, defs["send"].doc_start, defs["send"].start) == ("Send a response body.", 3, 10)
    assert defs["render"].kind == "function" and defs["createApplication"].kind == "function"
    assert "exports" not in defs and "module" not in defs
    assert (defs["onError"].kind, defs["close"].kind) == ("property", "property")  # an object's, not the file's


RUST = """\
//! The crate.

/// A point in the plane.
#[derive(Debug, Clone)]
pub struct Point { x: f64 }

// An ordinary comment is not documentation in Rust.
impl<T> Shape for Point<T> {
    /// Area of the shape.
    fn area(&self) -> f64 { 0.0 }
}

/** Things with an area. */
pub trait Shape { fn area(&self) -> f64; }

pub const MAX_POINTS: usize = 64;
macro_rules! square { ($x:expr) => { $x * $x } }
"""


def test_rust_doc_comments_impls_and_attributes() -> None:
    found = outline("src/geo.rs", RUST)
    assert found is not None
    kinds = [(d.name, d.kind, d.parent) for d in found]
    assert kinds == [("Point", "struct", ""), ("area", "method", "Point"), ("Shape", "trait", ""),
                     ("area", "method", "Shape"), ("MAX_POINTS", "constant", ""), ("square", "macro", "")]
    docs = {(d.name, d.parent): d.doc for d in found}
    assert docs[("Point", "")] == "A point in the plane."  # across the attribute
    assert docs[("area", "Point")] == "Area of the shape."
    assert docs[("Shape", "")] == "Things with an area."


JAVA = """\
package app;

/** The application entry point. */
@Deprecated
public class App {
    /** Runs the app until stopped. */
    @Override
    public void run() {}

    // not Javadoc
    public App() {}

    static final int MAX_USERS = 3;
    private int count;
}
"""


def test_java_javadoc_and_annotations() -> None:
    found = outline("App.java", JAVA)
    assert found is not None and [(d.name, d.kind) for d in found if d.name == "App"] == [("App", "class"),
                                                                                          ("App", "constructor")]
    defs = {d.name: d for d in found if d.kind != "constructor"}
    assert (defs["App"].kind, defs["App"].doc, defs["App"].doc_start) == ("class", "The application entry point.", 3)
    assert (defs["run"].kind, defs["run"].parent, defs["run"].doc) == ("method", "App", "Runs the app until stopped.")
    assert defs["MAX_USERS"].kind == "constant" and "count" not in defs


C_SRC = """\
/* Open the file at path p. */
static int *open_file(const char *p) { return 0; }

// A node of the list.
struct node { int value; };
int prototype_only(int);
#define BUFFER_SIZE 4096
#define max(a, b) ((a) > (b) ? (a) : (b))
typedef struct { int b; } pair_t;
"""

CPP_SRC = """\
namespace ui {
/// A widget on screen.
class Widget {
 public:
  /// Draw it.
  void draw() const {}
};
}
/** Resize the widget. */
void ui::Widget::resize(int w) {}
template <typename T>
T larger(T a, T b) { return a > b ? a : b; }
"""


def test_c_and_cpp_declarators() -> None:
    c = _by_name("src/list.c", C_SRC)
    assert (c["open_file"].kind, c["open_file"].doc) == ("function", "Open the file at path p.")
    assert (c["node"].kind, c["node"].doc) == ("struct", "A node of the list.")
    assert c["BUFFER_SIZE"].kind == "constant" and c["max"].kind == "macro" and c["pair_t"].kind == "type"
    assert "prototype_only" not in c  # declared, not defined here
    cpp = _by_name("src/widget.cpp", CPP_SRC)
    assert (cpp["Widget"].kind, cpp["Widget"].doc) == ("class", "A widget on screen.")
    assert (cpp["draw"].kind, cpp["draw"].parent) == ("method", "Widget")
    assert (cpp["resize"].kind, cpp["resize"].parent, cpp["resize"].doc) == ("method", "Widget", "Resize the widget.")
    assert (cpp["larger"].kind, cpp["larger"].start) == ("function", 11)  # its template<> line included


def test_a_cpp_module_units_exports_are_read_as_their_declarations() -> None:
    """magic_enum's module/magic_enum.cppm, `export namespace magic_enum { using …; }`, was read as
    a function named magic_enum (the grammar knows no modules): the project's name, in most
    questions, put the module first of the symbol ranking for nine of thirteen questions."""
    text = ("module;\n#include <magic_enum/magic_enum.hpp>\nexport module magic_enum;\n\nexport namespace magic_enum {\n"
            "  using magic_enum::enum_name;\n  export int count(int a) { return a; }\n}\n"
            "export class Widget { public: void draw(); };\nexport template <typename T> T twice(T v) { return v + v; }\n")
    found = [(d.name, d.kind, d.start) for d in outline("module/magic_enum.cppm", text)]
    assert ("magic_enum", "function", 5) not in found, found
    assert {"count", "Widget", "twice"} <= {n for n, _, _ in found}, found
    assert ("count", "function", 7) in found  # blanked, not removed: the lines stay where they were


def test_a_cpp_header_named_h_is_read_as_cpp() -> None:
    header = "#pragma once\nnamespace ui {\n/// A button.\nclass Button : public Widget {\n public:\n  void press() {}\n};\n}\n"
    assert syntax.language("include/button.h", header) == "cpp" and syntax.language("include/list.h", C_SRC) == "c"
    defs = _by_name("include/button.h", header)
    assert (defs["Button"].kind, defs["Button"].doc) == ("class", "A button.")
    assert (defs["press"].kind, defs["press"].parent) == ("method", "Button")
    assert set(_by_name("include/list.h", C_SRC)) >= {"open_file", "node", "BUFFER_SIZE"}


def test_ruby_php_and_csharp_definitions_with_their_owners_and_docs() -> None:
    """Ruby, PHP and C# were "read by their definition lines" (no units, no code tasks: `explore
    tasks` made none for sinatra, Slim or commandlineparser); a C# `#if` inside a method broke
    the grammar's whole namespace, so its preprocessor lines are blanked first."""
    ruby = _by_name("lib/app/base.rb", "module App\n  # Routes a request.\n  class Base\n    def route!(verb)\n    end\n"
                                       "    def self.register(*ext)\n    end\n    def ready?; end\n  end\nend\n")
    assert ruby["Base"].parent == "App" and ruby["Base"].doc == "Routes a request."
    assert ruby["route!"].kind == "method" and ruby["route!"].parent == "Base" and ruby["route!"].start == 4
    assert {"register", "ready?"} <= set(ruby)
    # a constant is a definition (sidekiq's `VERSION`), a struct assigned to one a class; a local is none
    consts = _by_name("lib/app.rb", "module App\n  VERSION = \"7.0\"\n  Base::LIMIT = 2\n  # A request.\n"
                                    "  Request = Struct.new(:verb) do\n    def go; end\n  end\n  def x\n    y = 1\n"
                                    "    @z = 2\n  end\nend\n")
    assert (consts["VERSION"].kind, consts["VERSION"].parent, consts["VERSION"].start) == ("constant", "App", 2)
    assert (consts["LIMIT"].kind, consts["LIMIT"].parent) == ("constant", "Base")
    assert (consts["Request"].kind, consts["Request"].doc, consts["go"].parent) == ("class", "A request.", "Request")
    assert not {"y", "@z", "z"} & set(consts)
    php = _by_name("Slim/Routing/RouteCollector.php",
                   "<?php\nnamespace Slim;\n/** Collects routes. */\nfinal class RouteCollector\n{\n"
                   "    /** Add a route. */\n    public function map(array $m): Route\n    {\n    }\n}\n"
                   "function helper() {}\ninterface RouterInterface {}\ntrait Macroable {}\n")
    assert php["RouteCollector"].doc == "Collects routes." and php["map"].parent == "RouteCollector"
    assert php["map"].doc == "Add a route." and php["map"].start == 7
    assert {"helper", "RouterInterface", "Macroable"} <= set(php)
    cs = _by_name("src/Core/TypeConverter.cs",
                  "namespace CommandLine.Core\n{\n    /// <summary>Converts values.</summary>\n    static class TypeConverter\n"
                  "    {\n        public static object ToEnum(string v)\n        {\n#if NET40\n            var x = 1;\n"
                  "#else\n            var x = 2;\n#endif\n            return null;\n        }\n"
                  "        public bool AutoHelp { get; set; }\n    }\n    public enum ErrorType { A }\n}\n")
    assert cs["TypeConverter"].kind == "class" and cs["ToEnum"].parent == "TypeConverter"
    assert cs["ToEnum"].start == 6 and cs["AutoHelp"].kind == "property" and "ErrorType" in cs
    assert "Converts values." in cs["TypeConverter"].doc


def test_swift_scala_and_kotlin_definitions_with_their_owners_and_docs() -> None:
    swift = _by_name("Sources/App/Foo.swift", "/// A foo.\nclass Foo {\n  /// Bars.\n  func bar(y: Int) -> Int { return y }\n}\n"
                                             "protocol Runner { func run() }\nstruct Point {}\nfunc top() {}\n")
    assert swift["Foo"].doc == "A foo." and swift["bar"].parent == "Foo" and swift["bar"].doc == "Bars."
    assert swift["Runner"].kind == "interface" and {"Point", "top", "run"} <= set(swift)
    scala = _by_name("src/main/scala/Foo.scala", "/** A foo. */\nclass Foo(x: Int) {\n  def bar(y: Int): Int = y\n}\n"
                                                "object Registry { def go(): Unit = () }\ntrait Shape\n")
    assert scala["Foo"].doc == "A foo." and scala["bar"].parent == "Foo" and scala["go"].parent == "Registry"
    assert scala["Shape"].kind == "trait"
    kotlin = _by_name("src/main/kotlin/Foo.kt", "/** A foo. */\nclass Foo(val x: Int) {\n  /** Bars. */\n"
                                              "  fun bar(y: Int): Int {\n    return y\n  }\n}\n\nobject Registry {\n"
                                              "  fun go() {\n  }\n}\n\nfun top() = 1\n")
    assert kotlin["Foo"].doc == "A foo." and kotlin["bar"].parent == "Foo" and kotlin["bar"].doc == "Bars."
    assert kotlin["go"].parent == "Registry" and kotlin["top"].kind == "function"


def test_kotlin_properties_are_definitions_where_a_type_or_file_holds_them() -> None:
    """clikt's `val readEnvvar: (String) -> String? = …` was defined by no file; a local `val` is no definition."""
    kotlin = _by_name("src/main/kotlin/Env.kt", "/** Reads one. */\nval readEnvvar: (String) -> String? = { it }\n"
                                              "class Foo {\n  var count: Int = 0\n  fun bar() { val local = 1 }\n"
                                              "  init { val z = 3 }\n}\n")
    assert kotlin["readEnvvar"].kind == "property" and kotlin["readEnvvar"].doc == "Reads one."
    # a class's property is not (mockk's `val verifiedCalls = …` in an algorithm class took the definition
    # lift from the interface declaring it, four files defining it being past the three a lift takes)
    assert "Foo" in kotlin and not {"count", "local", "z"} & set(kotlin)


def test_elixir_and_lua_definitions_with_their_owners_and_docs() -> None:
    """Elixir defines by calling macros: plug gave no code question at all (`explore tasks`: code 0)."""
    elixir = _by_name("lib/plug/conn.ex", '''defmodule Plug.Conn do
  @moduledoc """
  The Plug connection.
  """

  @doc """
  Sends a response.
  """
  @spec send_resp(t, integer, body) :: t
  def send_resp(%Conn{} = conn, status, body) do
    conn
  end

  defp run_before_send(conn, _), do: conn
  def guarded(a) when is_integer(a), do: a
  def go, do: :ok
  IO.puts("not a definition")
end

defprotocol Plug.Exception do
  def status(exception)
end
''')
    assert elixir["Conn"].kind == "class" and elixir["Conn"].doc == "The Plug connection."
    assert elixir["send_resp"].parent == "Conn" and elixir["send_resp"].doc == "Sends a response."
    assert elixir["send_resp"].start == 10 and elixir["send_resp"].doc_start == 6
    assert {"run_before_send", "guarded", "go"} <= set(elixir) and "puts" not in elixir
    assert elixir["Exception"].kind == "interface" and elixir["status"].parent == "Exception"
    lua = _by_name("src/inspect.lua", "--- Inspect a value.\n-- @param x the value\nlocal function inspect(x)\n"
                                      "  return x\nend\n\nfunction M.render(t)\n  return t\nend\n\n"
                                      "function Obj:method(a)\n  return a\nend\n")
    assert lua["inspect"].doc == "Inspect a value." and lua["inspect"].kind == "function"
    assert lua["render"].parent == "M" and lua["method"].parent == "Obj" and lua["method"].kind == "method"
    # a review's hostile files: an operator's left operand, code a macro quotes, a sigil doc, assigned Lua functions
    hostile = _by_name("lib/render.ex", '@doc ~S"""\nEncodes the payload #{x}.\n"""\ndef encode_payload(x), do: x\n'
                                        '@doc "Adds."\ndef left <> right, do: left <> right\n'
                                        "defmacro m do\n  quote do\n    def injected(x), do: x\n  end\nend\n")
    assert hostile["encode_payload"].doc == "Encodes the payload #{x}." and set(hostile) == {"encode_payload", "m"}
    assigned = _by_name("src/m.lua", "M.render_template = function(tpl) return tpl end\nlocal f = function() end\n"
                                     "function Vector.sub.deep.path_fn() end\nx = 1\n")
    assert assigned["render_template"].parent == "M" and "f" in assigned and assigned["path_fn"].parent == "deep"
    assert "x" not in assigned
    deep = "".join("  " * i + f"defmodule M{i} do\n" for i in range(300)) + \
        "".join("  " * (299 - i) + "end\n" for i in range(300))
    assert len(outline("lib/deep.ex", deep)) == 300  # indentation is no minified line


def test_bad_input_is_skipped_and_counted_never_raised() -> None:
    syntax.SKIPPED.clear()
    assert outline("notes.erl", "main() -> ok.") is None  # no grammar for the language: the caller falls back
    assert outline("README.md", "# x") is None
    assert outline("dist/app.min.js", "var a=function(){return 1};" * 80_000) == ()  # 2 MB on one line
    assert outline("dist/bundle.js", "function f(){return 1}" * 2_000) == ()  # minified, under the size cap
    broken = outline("half.go", "package x\n\n// Good is fine.\nfunc Good() {}\n\nfunc ((( {{{ \x00 }\n")
    assert broken is not None and broken[0].name == "Good"  # what parsed before the break is kept
    assert outline("empty.rs", "") == ()
    assert outline("odd.c", "\udcff\ufffe int x(") is not None  # undecodable text does not raise
    assert syntax.SKIPPED["too large"] == 1 and syntax.SKIPPED["minified"] == 1
    assert syntax.SKIPPED["parse errors"] >= 1


def test_a_missing_grammar_wheel_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(syntax.GRAMMARS, "go", ("tree_sitter_not_installed", "language"))
    syntax._grammar.cache_clear()
    try:
        syntax.SKIPPED.clear()
        assert outline("main.go", "package main\nfunc main() {}\n") is None
        assert syntax.SKIPPED["no grammar"] == 1
    finally:
        monkeypatch.undo()
        syntax._grammar.cache_clear()
    assert outline("main.go", "package main\nfunc main() {}\n") == (Definition("main", "function", 2, 2, "", 2, ""),)


def test_a_csharp_14_extension_block_defines_its_members() -> None:
    """C# 14's `extension(IRestClient client) { … }`, read by the grammar as a constructor holding
    local functions: RestSharp's 21 extension files defined nothing ("where is BuildUriString
    defined?" found no definition). Its members are methods of the type extended; a method's own
    local function is still no definition."""
    text = ("namespace RestSharp;\n\npublic static partial class BuildUriExtensions {\n"
            "    extension(IRestClient client) {\n        /// <summary>Builds the request URI.</summary>\n"
            "        public string BuildUriString(RestRequest request) {\n            return request.Resource;\n"
            "        }\n\n        public Uri BuildUri(RestRequest request) => new Uri(BuildUriString(request));\n"
            "    }\n\n    static void DoBuildUriValidations(RestRequest request) { }\n}\n\n"
            "public class Runner {\n    public int Run() {\n        int Helper() => 1;\n        return Helper();\n"
            "    }\n}\n")
    found = {d.name: (d.kind, d.parent, d.start) for d in outline("src/BuildUriExtensions.cs", text)}
    assert found["BuildUriString"] == ("method", "IRestClient", 6)
    assert found["BuildUri"][:2] == ("method", "IRestClient")
    assert found["DoBuildUriValidations"][:2] == ("method", "BuildUriExtensions")
    assert "extension" not in found and "Helper" not in found and found["Run"][:2] == ("method", "Runner"), found


def test_objective_c_classes_methods_and_functions() -> None:
    """PromiseKit's Sources/when.m defines `PMKWhen`, a C function, and AnyPromise.m the class's methods: no
    definition or unit of them was read, and "where is the Objective-C PMKWhen implemented?" answered when.swift."""
    when = _by_name("Sources/when.m", "#import \"AnyPromise.h\"\n\n/** Wait for all promises in a set. */\n"
                                      "AnyPromise *PMKWhen(id promises) {\n    return nil;\n}\n")
    assert when["PMKWhen"].kind == "function" and when["PMKWhen"].doc == "Wait for all promises in a set."
    anypromise = _by_name("Sources/AnyPromise.m", "@implementation AnyPromise\n\n"
                                                  "- (instancetype)initWithResolver:(PMKResolver *)resolver {\n"
                                                  "    return self;\n}\n\n"
                                                  "+ (instancetype)promiseWithValue:(id)value {\n"
                                                  "    return nil;\n}\n\n@end\n")
    assert anypromise["AnyPromise"].kind == "class"
    assert anypromise["initWithResolver"].kind == "method" and anypromise["initWithResolver"].parent == "AnyPromise"
    assert anypromise["promiseWithValue"].start == 7


def test_a_header_only_librarys_implementation_files_are_cpp() -> None:
    """tomlplusplus keeps its parser in include/toml++/impl/parser.inl: no definition was read from it."""
    parser = _by_name("include/toml++/impl/parser.inl", "namespace toml {\nbool parse_basic_string(const char* s) {\n"
                                                        "    return s != nullptr;\n}\n}\n")
    assert parser["parse_basic_string"].kind == "function"
