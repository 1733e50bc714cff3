"""Definitions and doc comments of source files in other languages than Python, by tree-sitter.

For each file of JavaScript, TypeScript (and TSX), Go, Rust, Java, C, C++, Ruby, PHP, C#, Swift, Scala, Kotlin,
Elixir, Lua or Objective-C: the functions,
methods, classes, structs, interfaces, traits, enums, type aliases, macros and constants it
defines, each with its lines and the doc comment directly above it (JSDoc and Javadoc
``/** */``, Go's ``//`` lines, Rust's and C#'s ``///``, C and C++ ``//`` or ``/* */``, Ruby's ``#``,
Elixir's ``@doc`` and ``@moduledoc``, Lua's ``--``). Python is not
here: :mod:`ast` reads it better (docstrings are in the tree) and stays where it is.

The grammars are the maintained per-language wheels from PyPI (``tree-sitter-go`` …),
compiled in, nothing downloaded at run time. A grammar that is not installed, or one whose
node names changed, costs precision, not answers: :func:`outline` returns None and the
caller keeps its regular-expression fallback. Files past :data:`MAX_BYTES`, minified ones
(one line of 2 MB) and unknown languages are skipped, and grammars that stumble on a file
still give what they parsed; :data:`SKIPPED` counts each case, never raising.
"""
from __future__ import annotations

import importlib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from .doc_comment import clean_doc_comment

#: Suffix -> language (the grammar that parses it). ``.h`` is C: C++ headers say ``.hpp``/``.hh``.
SUFFIXES: dict[str, str] = {
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    # C++20 modules' interface units (CLI11's src/modules/CLI11.cppm was data, in no answer)
    ".cppm": "cpp", ".ixx": "cpp", ".mpp": "cpp",
    # a header-only library's implementation files (tomlplusplus' include/toml++/impl/parser.inl was data: no
    # definition, no unit, no pasted message found in it)
    ".inl": "cpp", ".ipp": "cpp", ".tpp": "cpp", ".tcc": "cpp",
    ".rb": "ruby", ".rake": "ruby", ".php": "php", ".cs": "c_sharp", ".swift": "swift", ".scala": "scala",
    ".sc": "scala", ".kt": "kotlin", ".kts": "kotlin", ".ex": "elixir", ".exs": "elixir", ".lua": "lua",
    # Objective-C (PromiseKit's Sources/when.m defines `PMKWhen`, in no definition or unit: the Swift file of its
    # name answered "where is the Objective-C PMKWhen implemented?")
    ".m": "objc", ".mm": "objc",
}
#: Language -> (module of its grammar wheel, function returning the grammar).
GRAMMARS: dict[str, tuple[str, str]] = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "c_sharp": ("tree_sitter_c_sharp", "language"),
    "swift": ("tree_sitter_swift", "language"),
    "scala": ("tree_sitter_scala", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "elixir": ("tree_sitter_elixir", "language"),
    "lua": ("tree_sitter_lua", "language"),
    "objc": ("tree_sitter_objc", "language"),
}
_CPP_HEADER = re.compile(r"^\s*(?:class\s+\w+\s*[:{]|namespace\s+\w*\s*\{|template\s*<)|\b(?:public|private):", re.M)
#: Files larger than this are not parsed (generated tables, bundles).
MAX_BYTES = 1 << 20
#: A file this long whose lines average more than :data:`MINIFIED_LINE` characters is minified.
MINIFIED_MIN_BYTES = 20_000
MINIFIED_LINE = 300
#: Blank lines allowed between a ``/** */`` block and what it documents (``//`` lines must touch it).
DOC_GAP = 2
#: Files skipped or parsed with errors so far, by reason ("too large", "minified", "no grammar",
#: "parse errors" — the last still yields the definitions outside the broken part).
SKIPPED: Counter[str] = Counter()

#: Kinds that hold other definitions: a method's parent is one of these.
TYPE_KINDS = frozenset({"class", "struct", "interface", "trait", "enum", "impl"})


@dataclass(frozen=True)
class Definition:
    """One definition. ``kind`` is function, method, constructor, property (a function under an
    object literal's key), class, struct, interface, trait, enum, type, macro or constant;
    ``start``/``end`` are its own 1-based lines (a wrapping ``export`` or
    ``template<>`` included), ``doc`` the comment above it with its markers stripped and
    ``doc_start`` that comment's first line (``start`` when there is none); ``parent`` names
    the enclosing class, type, impl or function (empty at the top level)."""

    name: str
    kind: str
    start: int
    end: int
    doc: str = ""
    doc_start: int = 0
    parent: str = ""


def language(path: str, text: str = "") -> str | None:
    """The language tree-sitter reads ``path`` as, or None. A ``.h`` header whose ``text``
    declares a class, namespace or template is C++'s."""
    lang = SUFFIXES.get(PurePosixPath(path).suffix.lower())
    return "cpp" if lang == "c" and path.lower().endswith(".h") and _CPP_HEADER.search(text) else lang


def outline(path: str, text: str) -> tuple[Definition, ...] | None:
    """The definitions of a file in source order; None when no grammar reads this language
    here (the caller falls back), ``()`` when the file is skipped (too large, minified)."""
    lang = language(path, text[:MINIFIED_MIN_BYTES])
    if lang is None:
        return None
    grammar = _grammar(lang)
    if grammar is None:
        SKIPPED["no grammar"] += 1
        return None
    if len(text) > MAX_BYTES:
        SKIPPED["too large"] += 1
        return ()
    if len(text) > MINIFIED_MIN_BYTES and mean_line(text) > MINIFIED_LINE:
        SKIPPED["minified"] += 1
        return ()
    import tree_sitter

    grammar_of, query = grammar
    source = text.encode("utf-8", "surrogateescape")
    if lang == "c_sharp":  # `#if`/`#else`/`#endif` inside a method break the grammar's whole namespace:
        source = _PREPROCESSOR_LINE.sub(lambda m: b" " * len(m.group()), source)  # blanked, lines kept
    elif lang == "cpp":  # C++20's `export namespace magic_enum {` read as a function named magic_enum (the
        source = _CPP_EXPORT.sub(lambda m: b" " * len(m.group()), source)  # grammar knows no modules): blanked
    try:  # a parser per file: cheap, and safe when a server indexes in a second thread
        tree = tree_sitter.Parser(grammar_of).parse(source)
    except Exception:  # noqa: BLE001 - a grammar failing on one file skips that file only
        tree = None
    if tree is None:
        SKIPPED["parse errors"] += 1
        return ()
    if tree.root_node.has_error:
        SKIPPED["parse errors"] += 1
    return _Reader(lang).read(tree.root_node, query)


def mean_line(text: str) -> float:
    """Characters a line, indentation aside (a module nested 300 deep is not minified)."""
    return len(_INDENT.sub("", text)) / (text.count("\n") + 1)


_INDENT = re.compile(r"(?m)^[ \t]+")


@lru_cache(maxsize=None)
def _grammar(lang: str) -> tuple[Any, Any] | None:
    """(grammar, query of every definition node) for a language, or None without its wheel."""
    module, function = GRAMMARS[lang]
    try:
        import tree_sitter

        grammar = tree_sitter.Language(getattr(importlib.import_module(module), function)())
        known = [t for t in _KINDS[_FAMILY.get(lang, lang)]
                 if grammar.id_for_node_kind(t, True)]  # a renamed node type is dropped, not fatal
        return grammar, tree_sitter.Query(grammar, "[" + " ".join(f"({t})" for t in known) + "] @def")
    except Exception:  # noqa: BLE001 - missing wheel, ABI mismatch, bad query: fall back
        return None


_FAMILY = {"typescript": "javascript", "tsx": "javascript"}
#: A C++20 module's ``export`` before a declaration or a namespace (and ``export module x;``).
_CPP_EXPORT = re.compile(rb"(?m)^[ \t]*export(?=[ \t]+(?:namespace|module|import|template|class|struct|enum|using|"
                         rb"inline|constexpr|auto|void|int|bool|\{))")
#: A C# preprocessor line (``#if NETSTANDARD2_0``, ``#endif``, ``#region``).
_PREPROCESSOR_LINE = re.compile(rb"(?m)^[ \t]*#[ \t]*(?:if|elif|else|endif|region|endregion|define|undef|pragma|nullable)\b[^\n]*")
#: Node type -> kind, per language family. Nodes whose name cannot be read (anonymous
#: functions, ``operator+``) are skipped.
_KINDS: dict[str, dict[str, str]] = {
    "javascript": {
        "function_declaration": "function", "generator_function_declaration": "function",
        "class_declaration": "class", "abstract_class_declaration": "class", "method_definition": "method",
        "variable_declarator": "function", "assignment_expression": "function", "pair": "function",
        "field_definition": "method", "public_field_definition": "method",
        "interface_declaration": "interface", "type_alias_declaration": "type", "enum_declaration": "enum",
    },
    "go": {"function_declaration": "function", "method_declaration": "method", "type_spec": "type",
           "type_alias": "type", "const_spec": "constant"},
    "rust": {"function_item": "function", "function_signature_item": "function", "struct_item": "struct",
             "union_item": "struct", "enum_item": "enum", "trait_item": "trait", "type_item": "type",
             "const_item": "constant", "static_item": "constant", "macro_definition": "macro",
             "impl_item": "impl"},
    "java": {"class_declaration": "class", "interface_declaration": "interface", "enum_declaration": "enum",
             "record_declaration": "class", "annotation_type_declaration": "interface",
             "method_declaration": "method", "constructor_declaration": "constructor",
             "field_declaration": "constant"},
    "c": {"function_definition": "function", "struct_specifier": "struct", "union_specifier": "struct",
          "enum_specifier": "enum", "type_definition": "type", "preproc_function_def": "macro",
          "preproc_def": "constant"},
    "cpp": {"function_definition": "function", "struct_specifier": "struct", "union_specifier": "struct",
            "enum_specifier": "enum", "class_specifier": "class", "type_definition": "type",
            "alias_declaration": "type", "preproc_function_def": "macro", "preproc_def": "constant"},
    # a constant Ruby assigns (`VERSION = "7.0"`, `Request = Struct.new(…)`): its other assignments are locals
    "ruby": {"method": "method", "singleton_method": "method", "class": "class", "module": "class",
             "assignment": "constant"},
    "php": {"function_definition": "function", "method_declaration": "method", "class_declaration": "class",
            "interface_declaration": "interface", "trait_declaration": "trait", "enum_declaration": "enum"},
    "c_sharp": {"class_declaration": "class", "struct_declaration": "struct", "interface_declaration": "interface",
                "enum_declaration": "enum", "record_declaration": "class", "method_declaration": "method",
                "constructor_declaration": "constructor", "property_declaration": "property",
                "delegate_declaration": "type", "local_function_statement": "method"},
    # a Swift struct, enum, actor and extension are class_declaration too (the extension named by its type)
    "swift": {"class_declaration": "class", "protocol_declaration": "interface", "function_declaration": "function",
              "protocol_function_declaration": "function", "typealias_declaration": "type"},
    "scala": {"class_definition": "class", "object_definition": "class", "trait_definition": "trait",
              "enum_definition": "enum", "function_definition": "function", "function_declaration": "function",
              "type_definition": "type"},
    # a Kotlin interface and enum class are class_declaration too; a property (`val readEnvvar = …`) is read
    # at a file's top only
    "kotlin": {"class_declaration": "class", "object_declaration": "class", "function_declaration": "function",
               "type_alias": "type", "property_declaration": "property"},
    # Elixir defines by calling macros (`defmodule`, `def`, …): every call is read, those are kept
    "elixir": {"call": "function"},
    "lua": {"function_declaration": "function", "assignment_statement": "function"},
    # an Objective-C class's @interface and @implementation, its methods (named by their selector's first part),
    # and the C it holds
    "objc": {"function_definition": "function", "class_interface": "class", "class_implementation": "class",
             "protocol_declaration": "interface", "method_definition": "method", "struct_specifier": "struct",
             "enum_specifier": "enum", "type_definition": "type", "preproc_function_def": "macro",
             "preproc_def": "constant"},
}
#: Elixir's defining macros -> the kind of what each defines (``defimpl`` names its functions' scope).
_ELIXIR_DEFINES = {"defmodule": "class", "defprotocol": "interface", "defimpl": "impl", "def": "function",
                   "defp": "function", "defmacro": "function", "defmacrop": "function", "defguard": "function",
                   "defguardp": "function", "defdelegate": "function", "defn": "function", "defnp": "function"}
#: Bodies of code: a constant declared inside one is a local, not a definition of the file.
_BODIES = frozenset({"block", "compound_statement", "statement_block", "constructor_body"})
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})
#: Nodes whose first statement a definition may be: the doc comment stands above them.
_WRAPPERS = frozenset({
    "export_statement", "lexical_declaration", "variable_declaration", "expression_statement",
    "ambient_declaration", "template_declaration", "type_declaration", "const_declaration",
    "field_declaration", "declaration", "body_statement",
})
#: Nodes that may stand between a doc comment and what it documents.
_BETWEEN = frozenset({"attribute_item", "decorator"})
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})
#: The doc comment conventions of languages that have one: other comments are not docs there.
_DOC_ONLY = {"rust": ("///", "/**"), "java": ("/**",), "c_sharp": ("///", "/**"), "php": ("/**",),
             "swift": ("///", "/**"), "scala": ("/**",), "kotlin": ("/**",)}
_UPPER_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


#: What makes a class of a Ruby constant assigned it: ``Struct.new(…)``, ``Class.new(…)``, ``Data.define(…)``.
_RUBY_CLASS_MAKERS = frozenset({("Struct", "new"), ("Class", "new"), ("Data", "define")})


def _ruby_constant(node: Any) -> list[tuple[str, str, str]]:
    """What a Ruby assignment defines: the constant it assigns (``Foo::BAR = …`` names its
    owner), a class where the value makes one; nothing for a local or an attribute."""
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    owner = ""
    if left is not None and left.type == "scope_resolution":
        scope = left.child_by_field_name("scope")
        owner = _text(scope).rpartition("::")[2] if scope is not None else ""
        left = left.child_by_field_name("name")
    if left is None or left.type != "constant":
        return []
    kind = "constant"
    if right is not None and right.type == "call":
        receiver, method = right.child_by_field_name("receiver"), right.child_by_field_name("method")
        if receiver is not None and method is not None and (_text(receiver), _text(method)) in _RUBY_CLASS_MAKERS:
            kind = "class"
    return [(_text(left), kind, owner)]


class _Reader:
    """Reads one parsed file: names, kinds, scopes and doc comments of its definition nodes."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.family = _FAMILY.get(lang, lang)
        self.kinds = _KINDS[self.family]

    def read(self, root: Any, query: Any) -> tuple[Definition, ...]:
        import tree_sitter

        nodes = sorted(tree_sitter.QueryCursor(query).captures(root).get("def", []), key=lambda n: n.start_byte)
        named: dict[int, tuple[str, str]] = {}  # node id -> (name, kind) of every definition and scope
        found: list[tuple[Any, str, str, str]] = []
        for node in nodes:
            for name, kind, parent in self._names(node):
                if kind == "impl":  # names the scope of its methods, defines nothing itself
                    named[node.id] = (name, kind)
                    continue
                named.setdefault(node.id, (name, kind))
                found.append((node, name, kind, parent))
        out = []
        for node, name, kind, parent in found:
            if node.parent is not None and node.parent.type == "object":
                kind = "property"  # a function under an object literal's key: not the file's own name
            if not parent:
                parent, parent_kind = self._enclosing(node, named)
                if kind == "function" and parent_kind in TYPE_KINDS:
                    kind = "method"
                elif kind == "method" and parent_kind not in TYPE_KINDS:
                    kind = "function"
            if kind == "constant" and any(up.type in _BODIES for up in _ancestors(node)):
                continue
            anchor = self._anchor(node)
            doc, doc_start = self._doc(anchor)
            start = anchor.start_point.row + 1
            out.append(Definition(name, kind, start, _end_line(node), doc, doc_start or start, parent))
        return tuple(out)

    # -- names ------------------------------------------------------------------------------

    def _names(self, node: Any) -> list[tuple[str, str, str]]:
        """``(name, kind, parent)`` of what ``node`` defines (several for ``const a, b = …``);
        ``parent`` only where the node itself says it (a Go receiver, ``Foo::bar``)."""
        kind = self.kinds[node.type]
        t = node.type
        if self.family == "elixir":
            return _elixir_names(node)
        if self.family == "lua":
            return _lua_names(node, kind)
        if t in ("variable_declarator", "pair", "field_definition", "public_field_definition"):
            value = node.child_by_field_name("value")
            key = node.child_by_field_name("name") or node.child_by_field_name("key") \
                or node.child_by_field_name("property")
            if value is None or key is None or key.type not in ("identifier", "property_identifier"):
                return []
            if value.type in _FUNCTION_VALUES:
                return [(_text(key), kind, "")]
            if value.type == "class" and t == "variable_declarator":
                return [(_text(key), "class", "")]
            return []
        if t == "assignment_expression":
            right, left = node.child_by_field_name("right"), node.child_by_field_name("left")
            if right is None or left is None or right.type not in _FUNCTION_VALUES:
                return []
            own = right.child_by_field_name("name")
            if own is not None:
                return [(_text(own), kind, "")]
            if left.type == "member_expression":
                left = left.child_by_field_name("property")
            name = _text(left) if left is not None and left.type in ("identifier", "property_identifier") else ""
            return [(name, kind, "")] if name and name not in ("exports", "module", "prototype") else []
        if t == "assignment":  # Ruby's
            return _ruby_constant(node)
        if t == "property_declaration" and self.family == "kotlin":
            if any(up.type in _BODIES or up.type == "class_body" for up in _ancestors(node)):
                return []  # a local `val`, or a class's: as common as its methods' names (mockk's verifiedCalls)
            declared = next((c for c in node.named_children if c.type == "variable_declaration"), None)
            name = next((c for c in declared.named_children if c.type in ("identifier", "simple_identifier")), None) \
                if declared is not None else None
            return [(_text(name), kind, "")] if name is not None else []
        if self.family == "c_sharp" and t in ("constructor_declaration", "local_function_statement"):
            # C# 14's `extension(IRestClient client) { public string BuildUriString(…) … }`, which the grammar
            # reads as a constructor holding local functions (RestSharp's 21 extension files defined nothing):
            # the block names its members' scope, the type extended; a method's local function is no definition
            block = node if t == "constructor_declaration" else node.parent.parent if node.parent else None
            if block is None or block.type != "constructor_declaration" \
                    or _text(block.child_by_field_name("name")) != "extension":
                return [] if t == "local_function_statement" else [(_text(node.child_by_field_name("name")), kind, "")]
            if t == "local_function_statement":
                return [(_text(node.child_by_field_name("name")), kind, "")]
            parameters = block.child_by_field_name("parameters")
            first = parameters.named_children[0] if parameters is not None and parameters.named_children else None
            extended = first.child_by_field_name("type") if first is not None else None
            return [(_text(extended) if extended is not None else "extension", "impl", "")]
        if t == "method_declaration" and self.family == "go":
            name = node.child_by_field_name("name")
            receiver = node.child_by_field_name("receiver")
            owner = _go_receiver(receiver) if receiver is not None else ""
            return [(_text(name), "method", owner)] if name is not None else []
        if t == "type_spec":
            body = node.child_by_field_name("type")
            kind = {"struct_type": "struct", "interface_type": "interface"}.get(body.type if body else "", "type")
        if t == "impl_item":
            return [(n, kind, "")] if (n := _type_name(node.child_by_field_name("type"))) else []
        if t == "const_spec":
            return [(_text(n), kind, "") for n in node.children_by_field_name("name") if n.type == "identifier"]
        if t == "field_declaration":  # Java: static final fields are constants
            modifiers = next((c for c in node.children if c.type == "modifiers"), None)
            words = set(_text(modifiers).split()) if modifiers is not None else set()
            if not {"static", "final"} <= words:
                return []
            return [(_text(n), kind, "") for d in node.children_by_field_name("declarator")
                    if (n := d.child_by_field_name("name")) is not None]
        if t == "preproc_def":
            name = node.child_by_field_name("name")
            return [(_text(name), kind, "")] if name is not None and _UPPER_NAME.fullmatch(_text(name)) else []
        if t in ("class_interface", "class_implementation", "protocol_declaration", "method_definition") \
                and self.family == "objc":  # named by their first identifier (a selector's first part)
            name = next((c for c in node.named_children if c.type == "identifier"), None)
            return [(_text(name), kind, "")] if name is not None else []
        if t in ("function_definition", "type_definition") and self.family in ("c", "cpp", "objc"):
            return [found] if (found := _declarator_name(node, kind)) else []
        if t in ("struct_specifier", "union_specifier", "enum_specifier", "class_specifier"):
            if node.child_by_field_name("body") is None:
                return []  # a use or forward declaration, not the definition
        name = node.child_by_field_name("name")
        if name is None or name.type not in ("identifier", "type_identifier", "property_identifier",
                                             "field_identifier", "namespace_identifier", "constant", "name",
                                             "simple_identifier", "user_type"):
            return []
        return [(_text(name), kind, "")]

    # -- scopes -----------------------------------------------------------------------------

    @staticmethod
    def _enclosing(node: Any, named: dict[int, tuple[str, str]]) -> tuple[str, str]:
        """(name, kind) of the nearest enclosing definition or impl, ("", "") at the top."""
        return next((named[up.id] for up in _ancestors(node) if up.id in named), ("", ""))

    # -- doc comments -----------------------------------------------------------------------

    @staticmethod
    def _anchor(node: Any) -> Any:
        """The outermost wrapper the definition opens (``export``, ``const x = …``, ``template<>``):
        the doc comment stands above it."""
        while node.parent is not None and node.parent.type in _WRAPPERS:
            if node.parent.type == "body_statement" and node.prev_named_sibling is not None:
                break  # a Ruby body's later definitions: the comment above the body is its first one's
            before = node.prev_named_sibling
            while before is not None and before.type not in _COMMENTS:
                before = before.prev_named_sibling
            if before is not None:  # a comment inside the wrapper (a Go ``type ( … )`` group) is the doc
                break
            node = node.parent
        return node

    def _doc(self, anchor: Any) -> tuple[str, int]:
        """The comment lines directly above ``anchor`` (no blank line between), cleaned; and
        the line the comment starts on (0 without one)."""
        if self.family == "elixir":
            return _elixir_doc(anchor)
        above = anchor.prev_named_sibling
        top = anchor.start_point.row
        while above is not None and above.type in _BETWEEN:
            top, above = above.start_point.row, above.prev_named_sibling
        block: list[Any] = []
        if above is not None and above.type in _COMMENTS and _text(above).startswith("/**") \
                and _end_line(above) >= top - DOC_GAP:
            top = _end_line(above)  # JSDoc and Javadoc blocks document what follows across a blank line
        while above is not None and above.type in _COMMENTS and _end_line(above) >= top:
            before = above.prev_sibling
            if before is not None and _end_line(before) - 1 >= above.start_point.row:
                break  # a trailing comment of the line before: it belongs to that line
            block.insert(0, above)
            top, above = above.start_point.row, above.prev_named_sibling
        markers = _DOC_ONLY.get(self.lang)
        if markers:
            block = [c for c in block if _text(c).startswith(markers) and not _text(c).startswith("////")]
        if not block:
            return "", 0
        return clean_doc_comment([_text(c) for c in block]), block[0].start_point.row + 1


def _elixir_names(node: Any) -> list[tuple[str, str, str]]:
    """What an Elixir call defines: ``defmodule Plug.Conn`` (``Conn``, under ``Plug``),
    ``def send_resp(conn, …)``, ``defp run(conn), do: …``, ``def go, do: :ok``, ``def f(a) when …``;
    nothing for any other call."""
    target = node.child_by_field_name("target")
    kind = _ELIXIR_DEFINES.get(_text(target)) if target is not None and target.type == "identifier" else None
    arguments = next((c for c in node.named_children if c.type == "arguments"), None)
    head = arguments.named_children[0] if arguments is not None and arguments.named_children else None
    if kind is None or head is None:
        return []
    if any(up.type == "call" and _text(up.child_by_field_name("target")) == "quote" for up in _ancestors(node)):
        return []  # code a macro quotes: the functions it generates in its callers, not this file's own
    if kind in ("class", "interface", "impl"):
        if head.type != "alias":
            return []
        *outer, name = _text(head).split(".")
        return [(name, kind, ".".join(outer))]
    if head.type == "binary_operator":  # `def f(a) when is_integer(a)`: the guarded head
        if _text(head.child_by_field_name("operator")) != "when":
            return []  # `def left <> right`: an operator, whose left operand is no name
        head = head.child_by_field_name("left")
    if head is not None and head.type == "call":
        head = head.child_by_field_name("target")
    return [(_text(head), kind, "")] if head is not None and head.type == "identifier" else []


def _lua_names(node: Any, kind: str) -> list[tuple[str, str, str]]:
    """What a Lua function definition names: ``function M.render``, ``function Obj:method``,
    ``local function f``, and a function assigned to a name (``M.render = function(…)``,
    ``local f = function(…)``); the owner is the table it is put in (``deep`` of ``a.b.deep.f``)."""
    if node.type == "assignment_statement":
        names = next((c for c in node.named_children if c.type == "variable_list"), None)
        values = next((c for c in node.named_children if c.type == "expression_list"), None)
        if names is None or values is None or len(names.named_children) != 1 or not values.named_children \
                or values.named_children[0].type != "function_definition":
            return []
        name = names.named_children[0]
    else:
        name = node.child_by_field_name("name")
    if name is not None and name.type in ("dot_index_expression", "method_index_expression"):
        owner = name.child_by_field_name("table")  # `function M.render`, `function Obj:method`
        member = name.child_by_field_name("field") or name.child_by_field_name("method")
        parent = re.split(r"[.:]", _text(owner))[-1] if owner is not None else ""
        return [(_text(member), "method" if name.type == "method_index_expression" else kind, parent)] \
            if member is not None else []
    return [(_text(name), kind, "")] if name is not None and name.type == "identifier" else []


def _elixir_doc(anchor: Any) -> tuple[str, int]:
    """The ``@doc`` string above a function (past its ``@spec``, ``@impl`` …), or a module's
    ``@moduledoc`` (the first of its body); and the line it starts on."""
    def attribute(node: Any) -> tuple[str, Any]:  # `@doc """…"""` -> ("doc", the string node)
        call = node.named_children[0] if node.type == "unary_operator" and node.named_children else None
        if call is None or call.type != "call":
            return "", None
        target = call.child_by_field_name("target")
        arguments = next((c for c in call.named_children if c.type == "arguments"), None)
        value = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        return _text(target), value

    candidates = []
    target = anchor.child_by_field_name("target")
    if _text(target) in ("defmodule", "defprotocol"):
        body = next((c for c in anchor.named_children if c.type == "do_block"), None)
        first = body.named_children[0] if body is not None and body.named_children else None
        candidates = [first] if first is not None else []
    else:
        above = anchor.prev_named_sibling
        while above is not None and attribute(above)[0] not in ("", "doc"):  # @spec, @impl, @decorate …
            above = above.prev_named_sibling
        candidates = [above] if above is not None else []
    for node in candidates:
        name, value = attribute(node)
        if name in ("doc", "moduledoc") and value is not None and value.type in ("string", "charlist", "sigil"):
            # `@doc """…"""`, `@doc ~S"""…"""` (a sigil: docs that show `#{}`), `@doc "…"`
            text = re.sub(r"^~\w+", "", _text(value))
            text = re.sub(r"[A-Za-z]*$", "", text).strip('"').strip("'").strip()
            return (" ".join(text.split()), node.start_point.row + 1) if text else ("", 0)
    return "", 0


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def _end_line(node: Any) -> int:
    """1-based last line of ``node`` (a line comment that swallows its newline ends on its own line)."""
    row, column = node.end_point.row, node.end_point.column
    return row if column == 0 and row > node.start_point.row else row + 1


def _go_receiver(receiver: Any) -> str:
    """``(s *Server[T])`` → ``Server``."""
    for node in _walk(receiver):
        if node.type == "type_identifier":
            return _text(node)
    return ""


def _type_name(node: Any) -> str:
    """``Point<T>``, ``&mut Point``, ``crate::a::Point`` → ``Point``."""
    if node is None:
        return ""
    if node.type == "type_identifier":
        return _text(node)
    found = [n for n in _walk(node) if n.type == "type_identifier"]
    if node.type == "scoped_type_identifier":
        return _text(found[-1]) if found else ""
    return _text(found[0]) if found else ""


def _declarator_name(node: Any, kind: str) -> tuple[str, str, str] | None:
    """A C/C++ function's or typedef's name from its declarator chain: ``*open_file(…)`` →
    ``open_file``; ``ns::Widget::resize(…)`` → ``resize`` with parent ``Widget``."""
    d = node.child_by_field_name("declarator")
    while d is not None:
        if d.type in ("identifier", "field_identifier", "type_identifier"):
            return _text(d), kind, ""
        if d.type == "qualified_identifier":
            scope, name = d.child_by_field_name("scope"), d.child_by_field_name("name")
            while name is not None and name.type == "qualified_identifier":
                scope, name = name.child_by_field_name("scope"), name.child_by_field_name("name")
            if name is None or name.type != "identifier":
                return None  # destructor, operator
            owner = _text(scope).split("<", 1)[0] if scope is not None else ""
            return _text(name), "method" if owner else kind, owner
        if d.type == "template_function":
            d = d.child_by_field_name("name")
            continue
        d = d.child_by_field_name("declarator")
    return None


def _ancestors(node: Any):
    up = node.parent
    while up is not None:
        yield up
        up = up.parent


def _walk(node: Any):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))
