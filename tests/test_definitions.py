"""No module of the package, benchmarks or tests defines a name twice at its top level or in a class.

A second definition silently replaces the first: retrieval/query.py held two `_SENTENCE_END`
patterns 110 lines apart, and every call used the second; a test function defined twice runs
once. Properties (`@x.setter`) and `typing.overload` stubs are the exceptions.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = {".venv", "corpus", "runs", ".git", "build", "explore_agent.egg-info"}


def _sources() -> list[Path]:
    return [p for p in sorted(ROOT.rglob("*.py")) if SKIPPED.isdisjoint(p.relative_to(ROOT).parts)]


def _twice(body: list[ast.stmt]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
                   or isinstance(d, ast.Name) and d.id == "overload" for d in getattr(node, "decorator_list", [])):
                continue
            seen[node.name].append(node.lineno)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    seen[target.id].append(node.lineno)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            seen[node.target.id].append(node.lineno)
    return {name: lines for name, lines in seen.items() if len(lines) > 1 and name != "__all__"}


def test_no_name_is_defined_twice() -> None:
    sources = _sources()
    assert len(sources) > 100  # the walk found the package, not an empty folder
    found = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        scopes = [("", tree.body)] + [(f"{n.name}.", n.body) for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        for prefix, body in scopes:
            found += [f"{path.relative_to(ROOT)}: {prefix}{name} at lines {lines}"
                      for name, lines in _twice(body).items()]
    assert not found, "\n".join(found)


def test_a_second_definition_is_caught() -> None:
    tree = ast.parse("import re\nX = re.compile('a')\n\ndef f():\n    return X\n\nX = re.compile('b')\n")
    assert _twice(tree.body) == {"X": [2, 7]}
