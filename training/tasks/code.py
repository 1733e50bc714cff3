"""Tasks from source code: Python read with :mod:`ast`, JavaScript/TypeScript, Go, Rust, Java
and C/C++ with tree-sitter (:mod:`...sandbox.syntax`); nothing is imported or run.

Three kinds, each in ``meta.kind`` (the third for Python only):

* ``docstring`` — a module/class/function docstring's summary becomes a question about
  *behaviour* ("Where is the code that retries a failed upload?"). Summaries that name the
  object itself are skipped: the point is to search by meaning, not by name. In other
  languages the summary is that of the doc comment above the definition (JSDoc, Go's
  ``// Name does …`` with the name dropped, Rust's ``///``).
* ``definition`` — "Which file defines `parse_args`?": the lookup people do all day; BM25
  is strong here and the numbers should show it.
* ``constant`` / ``default`` — "What is the default timeout?" with the value as
  ``answer``: module/class UPPER_CASE constants and literal keyword defaults of public
  functions.

Per-file caps keep one huge module from drowning the rest.
"""
from __future__ import annotations

import ast
import random
import re
from collections import defaultdict

from ...agent.task import Task
from ...sandbox import syntax
from ...sandbox.outline import file_kind, is_generated, parse_python
from ...sandbox.snapshot import Snapshot
from .phrasing import constant_question, docstring_question, mentions, summary
from .quality import is_test_path, is_vendored

SOURCE = "code"
#: Files larger than this are not parsed (generated tables, vendored bundles).
MAX_PARSE_BYTES = 400_000
#: At most this many tasks of each kind from one file.
PER_FILE = {"docstring": 8, "definition": 6, "constant": 4, "default": 3}
#: A name defined in more files than this is too ambiguous for "which file defines X?".
MAX_DEFINERS = 3
_GENERIC_NAMES = frozenset({"main", "run", "setup", "get", "set", "call", "init", "wrapper", "inner", "decorator"})
#: Definition kinds asked about as "the <kind> `X`" (Python's classes; other languages' types).
_TYPE_WORDS = frozenset({"class", "struct", "interface", "trait", "enum", "type"})
#: "X is the same as Y, but …", "X is a lot like …": a summary that describes by another name.
_RELATIVE = re.compile(r"(?:the\s+)?(?:same as|similar to|equivalent to|a lot like|like)\b", re.IGNORECASE)
#: How a definition of another language is asked about, by its kind (others are not asked).
_DOC_KIND = {"class": "class", "struct": "class", "interface": "class", "trait": "class", "enum": "class",
             "type": "class", "constant": "class", "function": "function", "method": "function",
             "macro": "function", "property": "function"}


def python_files(snapshot: Snapshot) -> list[str]:
    return [f for f in snapshot.files if f.endswith(".py") and not is_test_path(f) and not is_vendored(f)]


def syntax_files(snapshot: Snapshot) -> list[str]:
    """Source files tree-sitter reads, less tests (``_test.go``, ``x.spec.ts`` too), vendored
    trees and TypeScript declaration files (``.d.ts``: signatures of code found elsewhere)."""
    return [f for f in snapshot.files if syntax.language(f) and not f.endswith(".d.ts")
            and not is_test_path(f) and file_kind(f) != "test" and not is_vendored(f)]


def generate(snapshot: Snapshot, rng: random.Random, progress=None) -> list[Task]:
    """All code tasks of a snapshot (unsorted by quality; the pipeline dedupes and samples).
    Python's come first, drawn from ``rng`` exactly as before other languages were read."""
    files = python_files(snapshot)
    others = syntax_files(snapshot)
    tasks: list[Task] = []
    definers: dict[tuple[str, str], list[str]] = defaultdict(list)  # (kind, name) -> files
    for i, rel in enumerate(files):
        if progress is not None:
            progress(i + 1, len(files) + len(others))
        text = snapshot.text(rel, MAX_PARSE_BYTES + 1)
        if text is None or len(text) > MAX_PARSE_BYTES:
            continue
        try:
            tree = parse_python(text, filename=rel)
        except (SyntaxError, ValueError):
            continue
        tasks += _docstring_tasks(tree, rel, rng, snapshot.rev)
        tasks += _value_tasks(tree, rel, rng, snapshot.rev)
        for kind, name in _public_definitions(tree)[: PER_FILE["definition"] * 4]:
            definers[(kind, name)].append(rel)
    tasks += _definition_tasks(definers, rng, snapshot.rev)
    taken = {name.rsplit(".", 1)[-1] for _, name in definers}
    definers = defaultdict(list)
    for i, rel in enumerate(others):
        if progress is not None:
            progress(len(files) + i + 1, len(files) + len(others))
        text = snapshot.text(rel, MAX_PARSE_BYTES + 1)
        if text is not None and is_generated(text[:4096]):
            continue  # a Bison parser, a flex scanner, protobuf's `DO NOT EDIT`: asked of the code no one wrote
        defs = syntax.outline(rel, text) if text is not None and len(text) <= MAX_PARSE_BYTES else None
        if not defs:
            continue
        tasks += _comment_tasks(defs, rel, rng, snapshot.rev)
        for kind, name in _exported_definitions(rel, defs)[: PER_FILE["definition"] * 4]:
            if name.rsplit(".", 1)[-1] not in taken:  # also defined in Python: the targets would be partial
                definers[(kind, name)].append(rel)
    tasks += _definition_tasks(definers, rng, snapshot.rev)
    return tasks


def _task(question: str, rel: str, kind: str, rev: str | None, answer: str | None = None, **meta) -> Task:
    return Task(id="", question=question, targets=[rel], rev=rev, source=SOURCE, answer=answer,
                meta={"kind": kind, **meta})


def _docstring_tasks(tree: ast.Module, rel: str, rng: random.Random, rev: str | None) -> list[Task]:
    out: list[Task] = []
    parts = rel.removesuffix(".py").split("/")
    # A package's __init__ is named by its folder: "click" for click/__init__.py.
    module = parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]
    nodes: list[tuple[str, str, ast.AST]] = [("module", module, tree)]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            nodes.append(("class", node.name, node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("__"):
            nodes.append(("function", node.name, node))
    for kind, name, node in nodes:
        doc = ast.get_docstring(node, clean=True)  # type: ignore[arg-type]
        if not doc:
            continue
        text = summary(doc)
        if not text or mentions(text, name):
            continue
        question = docstring_question(text, kind, rng)
        if question is None:
            continue
        line = getattr(node, "lineno", 1)
        out.append(_task(question, rel, "docstring", rev, answer=None if kind == "module" else name,
                         symbol=name, line=line, said=text))
        if len(out) >= PER_FILE["docstring"]:
            break
    return out


def _public_definitions(tree: ast.Module) -> list[tuple[str, str]]:
    """Top-level public classes and functions, and public methods as ``Class.method``."""
    out: list[tuple[str, str]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            out.append(("class", node.name))
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_"):
                    out.append(("method", f"{node.name}.{item.name}"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            out.append(("function", node.name))
    return out


def _definition_tasks(definers: dict[tuple[str, str], list[str]], rng: random.Random, rev: str | None) -> list[Task]:
    per_file: dict[str, int] = defaultdict(int)
    out: list[Task] = []
    for (kind, name), files in sorted(definers.items()):
        short = name.rsplit(".", 1)[-1]
        if len(files) > MAX_DEFINERS or len(short) < 4 or short.lower() in _GENERIC_NAMES:
            continue
        if any(per_file[f] >= PER_FILE["definition"] for f in files):
            continue
        if kind in _TYPE_WORDS:
            question = rng.choice([f"Which file defines the {kind} `{name}`?", f"Where is `{name}` defined?"])
        elif kind == "method":
            question = rng.choice([f"Where is the method `{name}` implemented?", f"Which file defines `{name}`?"])
        else:
            question = rng.choice([f"Which file defines `{name}`?", f"Where is the function `{name}` defined?"])
        for f in files:
            per_file[f] += 1
        task = _task(question, files[0], "definition", rev, answer=name, symbol=name)
        task.targets = sorted(files)
        out.append(task)
    return out


def _literal(node: ast.AST | None) -> str | None:
    """A short literal's source text (``30``, ``'utf-8'``, ``True``), else None."""
    if node is None:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        node = ast.Constant(-node.operand.value) if isinstance(node.operand.value, (int, float)) else node
    if not isinstance(node, ast.Constant) or node.value in (None, Ellipsis) or isinstance(node.value, bytes):
        return None
    value = node.value
    if isinstance(value, str) and (not value.strip() or len(value) > 40 or "\n" in value):
        return None
    return repr(value)


def _value_tasks(tree: ast.Module, rel: str, rng: random.Random, rev: str | None) -> list[Task]:
    out: list[Task] = []
    # Module-level constants, then those of public classes.
    scopes = [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
    n_const = 0
    for body in scopes:
        for node in body:
            if n_const >= PER_FILE["constant"]:
                break
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name, value = node.target.id, node.value
            else:
                continue
            answer = _literal(value)
            if answer is None or not name.isupper() or name.startswith("_"):
                continue
            question = constant_question(name, rng)
            if question is None:
                continue
            n_const += 1
            out.append(_task(question, rel, "constant", rev, answer=answer, symbol=name, line=node.lineno))
    n_default = 0
    for node in tree.body:
        if n_default >= PER_FILE["default"]:
            break
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
            continue
        if any(getattr(d, "id", getattr(d, "attr", "")) == "overload" for d in node.decorator_list):
            continue  # typing stubs: their defaults are `...`, the real one is elsewhere
        args = node.args
        positional = args.posonlyargs + args.args  # defaults belong to the last of these
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
        for arg, default in pairs:
            answer = _literal(default)
            if answer is None or answer in ("True", "False") or len(arg.arg) < 3:
                continue
            words = arg.arg.replace("_", " ")
            question = rng.choice([
                f"What is the default {words} of `{node.name}`?",
                f"What does `{node.name}` use for {words} when none is given?",
            ])
            out.append(_task(question, rel, "default", rev, answer=answer, symbol=f"{node.name}({arg.arg})",
                             line=node.lineno))
            n_default += 1
            break  # one default per function; variety over depth
    return out


def _comment_tasks(defs: tuple[syntax.Definition, ...], rel: str, rng: random.Random,
                   rev: str | None) -> list[Task]:
    """Docstring tasks from the doc comments of a file in another language."""
    out: list[Task] = []
    for d in defs:
        kind = _DOC_KIND.get(d.kind)
        if not d.doc or kind is None or d.name.startswith("__"):
            continue
        text = _unnamed(summary(d.doc), d.name)
        if not text or mentions(text, d.name) or _RELATIVE.match(text):
            continue
        question = docstring_question(text, kind, rng)
        if question is None:
            continue
        out.append(_task(question, rel, "docstring", rev, answer=d.name, symbol=d.name, line=d.start, said=text))
        if len(out) >= PER_FILE["docstring"]:
            break
    return out


def _unnamed(text: str, name: str) -> str:
    """A summary without the name it opens with, Go's convention: "Serve handles requests" →
    "handles requests"; "Config is the set of options" → "the set of options"."""
    match = re.match(rf"(?:(?:[Aa]n?|[Tt]he)\s+)?{re.escape(name)}(?![\w.(])\s*(?:(?:is|are)\s+)?", text)
    return text[match.end():] if match and match.end() < len(text) else text


def _exported_definitions(rel: str, defs: tuple[syntax.Definition, ...]) -> list[tuple[str, str]]:
    """Top-level types and functions and the methods of types (``Type.method``) a file of
    another language defines, less private names (``_x``; lower-case in Go) and nested helpers."""
    go = rel.endswith(".go")
    out: list[tuple[str, str]] = []
    for d in defs:
        if d.kind not in _DOC_KIND or d.kind in ("constant", "macro", "property") or d.name.startswith("_"):
            continue
        if go and not d.name[:1].isupper():
            continue
        if d.kind == "method" and d.parent:
            out.append(("method", f"{d.parent}.{d.name}"))
        elif not d.parent:
            out.append((d.kind if d.kind in _TYPE_WORDS else "function", d.name))
    return out
