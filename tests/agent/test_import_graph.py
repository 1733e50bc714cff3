"""The package's import graph has no cycle, and every agent module imports on its own.

The graph is read from the source with :mod:`ast`, counting every import that runs,
wherever it stands (top level or inside a function): an import put off to a function hides
a cycle from Python at start-up but not from a reader, and it is how
``policy → models → runtime → policy`` and ``policy ↔ trunk`` lived unnoticed. Imports
under ``if TYPE_CHECKING:`` never run: they name a type for the reader and the checker
(the usual way to type a callback's argument without depending on its module), so they
are not edges. Then each agent module is imported first, alone, in a fresh interpreter: a
cycle that slipped past the walk would leave a name undefined there.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import explore

PACKAGE = "explore"
ROOT = Path(explore.__file__).resolve().parent
#: Folders of the repository that are not the package (the tests themselves, scripts, data,
#: benchmark outputs).
NOT_PACKAGE = {"tests", "benchmarks", "corpus", "runs", "navigator", "build", "dist"}


def package_modules(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package rooted at ``root``."""
    out = {}
    for file in sorted(root.rglob("*.py")):
        parts = list(file.relative_to(root).with_suffix("").parts)
        if parts[0] in NOT_PACKAGE or parts[0].startswith(".") or any(p.endswith(".egg-info") for p in parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join([package, *parts])] = file
    return out


def imports_of(name: str, file: Path, modules: dict[str, Path], package: str = PACKAGE) -> set[str]:
    """The package's modules that ``file`` (module ``name``) imports, anywhere in its body."""
    here = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # `from pkg import module` imports the module
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source)
    return {m for m in found if m in modules and m != name and m.split(".")[0] == package}


def _runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` (its ``else`` runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    modules = package_modules(root, package)
    return {name: imports_of(name, file, modules, package) for name, file in modules.items()}


def test_the_package_import_graph_has_no_cycle() -> None:
    graph = import_graph(ROOT)
    assert "explore.agent.policy" in graph and "explore.agent.runtime" in graph  # the walk found the package
    assert cycles(graph) == []


def test_the_runtime_and_trunk_do_not_import_the_policy() -> None:
    """The two edges that closed the old cycles: what they need lives below the policy now."""
    graph = import_graph(ROOT)
    assert "explore.agent.policy" not in graph["explore.agent.runtime"]
    assert "explore.agent.policy" not in graph["explore.agent.trunk"]
    assert {"explore.agent.heads", "explore.agent.decision"} <= graph["explore.agent.runtime"]


#: The layers, lowest first: a module may import its own layer and those below it only
#: (``cli → training → agent → tools → retrieval → sandbox``; the server is a front end
#: beside the command line).
LAYERS = {"sandbox": 0, "retrieval": 1, "tools": 2, "agent": 3, "training": 4, "cli": 5, "serve": 5}
#: Upward imports that predate this check; each is a debt to pay, and none may be added.
KNOWN_UPWARD = {("explore.retrieval.adapt", "explore.agent.task")}


def upward_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    def layer(module: str) -> int | None:
        parts = module.split(".")
        return LAYERS.get(parts[1]) if len(parts) > 1 else None

    return {(a, b) for a, targets in graph.items() for b in targets
            if layer(a) is not None and layer(b) is not None and layer(b) > layer(a)}  # type: ignore[operator]


def test_layers_import_one_way() -> None:
    assert upward_imports(import_graph(ROOT)) - KNOWN_UPWARD == set()
    assert upward_imports({"explore.sandbox.index": {"explore.agent.env"}}) == {
        ("explore.sandbox.index", "explore.agent.env")}


def test_the_walk_sees_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    """What the check above would say if the old cycle came back: a lazy import counts."""
    pkg = tmp_path / "pkg"
    (pkg / "agent").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "agent" / "__init__.py").write_text("")
    (pkg / "agent" / "policy.py").write_text("from pkg.agent.models import use_adapter\n")
    (pkg / "agent" / "models.py").write_text("def load_fast():\n    from .runtime import load_runtime\n")
    (pkg / "agent" / "runtime.py").write_text("import numpy\n\nclass RuntimePolicy:\n    def decide(self):\n"
                                              "        from . import policy\n")
    (pkg / "agent" / "trunk.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                            "    from .policy import LMPolicy\nelse:\n    import os\n")
    (pkg / "agent" / "heads.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    from . import trunk\n"
                                            "else:\n    from . import policy\n")
    graph = import_graph(pkg, "pkg")
    assert cycles(graph) == [["pkg.agent.models", "pkg.agent.policy", "pkg.agent.runtime"]]
    assert graph["pkg.agent.trunk"] == set()  # a type named for the checker only: no edge
    assert graph["pkg.agent.heads"] == {"pkg.agent.policy"}  # what runs is an edge, the type is not


@pytest.mark.parametrize("first", ["runtime", "trunk", "models", "policy"])
def test_each_agent_module_imports_first_in_a_fresh_interpreter(first: str) -> None:
    """Imported first, each module must define what its importers take from it: with a cycle,
    one of them would meet a half-initialised module here."""
    code = (f"import explore.agent.{first}\n"
            "from explore.agent.policy import (HEADS, MIN_STEM_TOKENS, ActionLineError, Decision, LMPolicy,\n"
            "    LabelTokenError, Policy, Prefix, RandomPolicy, ScriptError, ScriptedPolicy, format_chat,\n"
            "    keep_positions, left_pad, longest_stem, run_kept)\n"
            "from explore.agent.models import (AdapterMismatch, AdapterNotFound, LoadedModel, load_adapters,\n"
            "    new_lora, resolve_model, save_adapter, use_adapter)\n"
            "from explore.agent.runtime import KVCache, LlamaRunner, PlainTokenizer, RuntimePolicy, load_runtime\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
