"""The package's import graph has no cycle, and every agent module imports on its own.

The graph is read from the source with :mod:`ast`, counting every import wherever it
stands (top level, inside a function, under ``TYPE_CHECKING``): an import put off to a
function hides a cycle from Python at start-up but not from a reader, and it is how
``policy → models → runtime → policy`` and ``policy ↔ trunk`` lived unnoticed. Then each
agent module is imported first, alone, in a fresh interpreter: a cycle that slipped past
the walk would leave a name undefined there.
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
#: Folders of the repository that are not the package (the tests themselves, scripts, data).
NOT_PACKAGE = {"tests", "benchmarks", "corpus", "navigator", "build", "dist"}


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
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
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


def test_the_walk_sees_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    """What the check above would say if the old cycle came back: a lazy import counts."""
    pkg = tmp_path / "pkg"
    (pkg / "agent").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "agent" / "__init__.py").write_text("")
    (pkg / "agent" / "policy.py").write_text("from pkg.agent.models import use_adapter\n")
    (pkg / "agent" / "models.py").write_text("def load_fast():\n    from .runtime import load_runtime\n")
    (pkg / "agent" / "runtime.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                              "    from . import policy\n")
    (pkg / "agent" / "trunk.py").write_text("import os\n")
    graph = import_graph(pkg, "pkg")
    assert cycles(graph) == [["pkg.agent.models", "pkg.agent.policy", "pkg.agent.runtime"]]


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
