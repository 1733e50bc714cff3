"""Tasks from configuration and data files: packaging metadata, tool settings, CSV, YAML.

Each parser yields *facts* — (question key, question, file, answer) — and facts with the
same key from several files become one task with all of them as targets: "Which Python
versions are supported?" is answered by ``pyproject.toml`` *and* ``setup.cfg`` when both
say it, and a walker that finds either has found the answer.
"""
from __future__ import annotations

import ast
import configparser
import csv
import io
import json
import random
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

from ...agent.task import Task
from ...sandbox.outline import parse_python
from ...sandbox.snapshot import Snapshot
from .quality import MAX_TARGETS, is_test_path, is_vendored

SOURCE = "config"
MAX_BYTES = 200_000
#: Tools whose settings people look for, by the section names that configure them.
TOOLS = {
    "pytest": "pytest", "tool:pytest": "pytest", "coverage": "coverage", "flake8": "flake8",
    "mypy": "mypy", "isort": "isort", "black": "black", "ruff": "ruff", "pylint": "pylint",
    "tox": "tox", "bumpversion": "bumpversion", "pydocstyle": "pydocstyle", "codespell": "codespell",
    "setuptools_scm": "setuptools_scm", "hatch": "hatch", "poetry": "poetry", "pyright": "pyright",
    "cibuildwheel": "cibuildwheel", "towncrier": "towncrier",
}
_GENERIC_YAML_KEYS = frozenset({"name", "on", "jobs", "version", "env", "steps", "build", "python", "formats"})


@dataclass(frozen=True)
class Fact:
    key: str
    question: str
    file: str
    answer: str | None = None


def _tool_fact(section: str, rel: str) -> Fact | None:
    name = section.split(":", 1)[-1] if section.startswith("tool:") else section.split(":")[0].split("-")[0]
    tool = TOOLS.get(section) or TOOLS.get(name.split(".")[0])
    if tool is None:
        return None
    return Fact(f"tool:{tool}", f"Which file configures {tool}?", rel)


def _pyproject(text: str, rel: str) -> list[Fact]:
    data = tomllib.loads(text)
    facts: list[Fact] = []
    project = data.get("project", {})
    facts += _metadata(project.get("name"), project.get("version"), project.get("requires-python"),
                       project.get("dependencies"), list(project.get("optional-dependencies", {})),
                       list(project.get("scripts", {})), rel)
    build = data.get("build-system", {})
    if isinstance(build.get("build-backend"), str):
        facts.append(Fact("build-backend", "Which build backend builds the package?", rel, build["build-backend"]))
    for section in data.get("tool", {}):
        fact = _tool_fact(section, rel)
        if fact:
            facts.append(fact)
    return facts


def _metadata(name, version, python, deps, extras, scripts, rel: str) -> list[Fact]:
    """The packaging facts every format shares, worded once."""
    facts = []
    if isinstance(name, str) and name:
        facts.append(Fact("name", "What is the package's distribution name on PyPI?", rel, name))
    if isinstance(version, str) and re.match(r"^\d", version):
        facts.append(Fact("version", "Which version number does the package metadata declare?", rel, version))
    if isinstance(python, str) and python.strip():
        facts.append(Fact("python", "Which Python versions does the project support?", rel, python.strip()))
    if isinstance(deps, list) and deps:
        facts.append(Fact("deps", "Where are the package's runtime dependencies declared?", rel,
                          ", ".join(str(d) for d in deps)))
    if extras:
        facts.append(Fact("extras", "Which optional extras can be installed with the package?", rel,
                          ", ".join(sorted(extras))))
    if scripts:
        facts.append(Fact("scripts", "Which command-line programs does installing the package provide?", rel,
                          ", ".join(sorted(scripts))))
    return facts


def _ini(text: str, rel: str) -> list[Fact]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    facts: list[Fact] = []
    if parser.has_section("metadata") or parser.has_section("options"):
        meta, opts = parser["metadata"] if parser.has_section("metadata") else {}, \
            parser["options"] if parser.has_section("options") else {}
        deps = [d.strip() for d in opts.get("install_requires", "").splitlines() if d.strip()]
        extras = list(parser["options.extras_require"]) if parser.has_section("options.extras_require") else []
        scripts = []
        if parser.has_section("options.entry_points"):
            raw = parser["options.entry_points"].get("console_scripts", "")
            scripts = [s.split("=")[0].strip() for s in raw.splitlines() if "=" in s]
        facts += _metadata(meta.get("name"), meta.get("version"), opts.get("python_requires"), deps, extras,
                           scripts, rel)
    for section in parser.sections():
        fact = _tool_fact(section, rel)
        if fact:
            facts.append(fact)
    if PurePosixPath(rel).name == "tox.ini" and parser.has_option("tox", "envlist"):
        envs = " ".join(parser["tox"]["envlist"].split())
        facts.append(Fact("tox-envs", "Which test environments does tox run?", rel, envs))
    return facts


def _setup_py(text: str, rel: str) -> list[Fact]:
    """Literal keyword arguments of a ``setup(...)`` call; nothing is executed."""
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError):
        return []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup":
            kw = {}
            for k in node.keywords:
                try:
                    kw[k.arg] = ast.literal_eval(k.value)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    continue
            entry = kw.get("entry_points") if isinstance(kw.get("entry_points"), dict) else {}
            scripts = [s.split("=")[0].strip() for s in entry.get("console_scripts", []) if "=" in s]
            extras = list(kw["extras_require"]) if isinstance(kw.get("extras_require"), dict) else []
            return _metadata(kw.get("name"), kw.get("version"), kw.get("python_requires"),
                             kw.get("install_requires"), extras, scripts, rel)
    return []


def _package_json(text: str, rel: str) -> list[Fact]:
    data = json.loads(text)
    if not isinstance(data, dict):
        return []
    facts = []
    if isinstance(data.get("name"), str):
        facts.append(Fact(f"npm-name:{rel}", "What is the npm package called?", rel, data["name"]))
    scripts = data.get("scripts")
    if isinstance(scripts, dict) and scripts:
        facts.append(Fact(f"npm-scripts:{rel}", "Which npm scripts are defined for the JavaScript part?", rel,
                          ", ".join(sorted(scripts))))
    deps = data.get("dependencies")
    if isinstance(deps, dict) and deps:
        facts.append(Fact(f"npm-deps:{rel}", "Where are the JavaScript dependencies declared?", rel,
                          ", ".join(sorted(deps))))
    return facts


def _csv(text: str, rel: str) -> list[Fact]:
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if rel.endswith(".tsv") else ","
    header = next(csv.reader(io.StringIO(first), delimiter=delimiter), [])
    cols = [c.strip() for c in header if c.strip()]
    if len(cols) < 2 or any(re.fullmatch(r"[-+.\d]+", c) for c in cols):
        return []  # no header row: numbers are data
    shown = ", ".join(cols[:4]) + (" …" if len(cols) > 4 else "")
    return [Fact(f"csv:{rel}", f"Which data file has the columns {shown}?", rel, ", ".join(cols))]


def _yaml(text: str, rel: str) -> list[Fact]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    facts = []
    if "/workflows/" in f"/{rel}" and isinstance(data.get("name"), str):
        facts.append(Fact(f"workflow:{data['name']}", f"Which CI workflow is called \"{data['name']}\"?", rel))
    for key in list(data)[:6]:
        if isinstance(key, str) and key.lower() not in _GENERIC_YAML_KEYS and len(key) > 2:
            facts.append(Fact(f"yaml:{key}", f"Which YAML file sets `{key}`?", rel))
    return facts


_NAMED = {
    "MANIFEST.in": ("manifest", "Which file decides which extra files go into the source distribution?"),
    ".readthedocs.yaml": ("rtd", "Where is the Read the Docs build configured?"),
    ".readthedocs.yml": ("rtd", "Where is the Read the Docs build configured?"),
    ".pre-commit-config.yaml": ("pre-commit", "Where are the pre-commit hooks configured?"),
    ".editorconfig": ("editorconfig", "Where are the editor indentation settings kept?"),
    "Dockerfile": ("docker", "How is the container image built?"),
    "tsconfig.json": ("tsconfig", "Where are the TypeScript compiler options set?"),
    ".golangci.yml": ("golangci", "Which file configures golangci-lint?"),
    ".golangci.yaml": ("golangci", "Which file configures golangci-lint?"),
    ".eslintrc": ("eslint", "Which file configures ESLint?"),
    ".eslintrc.js": ("eslint", "Which file configures ESLint?"),
    ".eslintrc.cjs": ("eslint", "Which file configures ESLint?"),
    ".eslintrc.json": ("eslint", "Which file configures ESLint?"),
    ".eslintrc.yml": ("eslint", "Which file configures ESLint?"),
    ".eslintrc.yaml": ("eslint", "Which file configures ESLint?"),
    "eslint.config.js": ("eslint", "Which file configures ESLint?"),
    "eslint.config.mjs": ("eslint", "Which file configures ESLint?"),
    "rustfmt.toml": ("rustfmt", "Which file configures rustfmt?"),
    ".rustfmt.toml": ("rustfmt", "Which file configures rustfmt?"),
    "clippy.toml": ("clippy", "Which file configures clippy?"),
}


def _go_mod(text: str, rel: str) -> list[Fact]:
    """A Go module's path, the Go version it asks for, and where its dependencies are listed
    (the root module's; a nested module's are asked about by its folder)."""
    where = str(PurePosixPath(rel).parent)
    of = "" if where == "." else f" in {where}"
    facts = []
    module = re.search(r"^module\s+(\S+)", text, re.M)
    if module:
        facts.append(Fact(f"go-module:{rel}", f"What is the path of the Go module{of}?", rel,
                          module.group(1).strip('"')))
    go = re.search(r"^go\s+(\d+\.\d+(?:\.\d+)?)", text, re.M)
    if go:
        facts.append(Fact(f"go-version:{rel}", f"Which Go version does the module{of} require?", rel, go.group(1)))
    if re.search(r"^require\b", text, re.M):
        facts.append(Fact(f"go-deps:{rel}", f"Where are the Go module{of}'s dependencies declared?", rel))
    return facts


def _cargo_toml(text: str, rel: str) -> list[Fact]:
    """A Rust crate's name, the Rust version it asks for, its dependencies; a workspace's members."""
    data = tomllib.loads(text)
    where = str(PurePosixPath(rel).parent)
    of = "" if where == "." else f" in {where}"
    facts = []
    package = data.get("package", {})
    if isinstance(package, dict) and isinstance(package.get("name"), str):
        facts.append(Fact(f"crate-name:{rel}", f"What is the Rust crate{of} called?", rel, package["name"]))
        if isinstance(package.get("rust-version"), str):
            facts.append(Fact(f"rust-version:{rel}", f"Which Rust version does the crate{of} require?", rel,
                              package["rust-version"]))
    if isinstance(data.get("dependencies"), dict) and data["dependencies"] and of == "":
        facts.append(Fact("cargo-deps", "Where are the Rust crate's dependencies declared?", rel,
                          ", ".join(sorted(data["dependencies"]))))
    members = data.get("workspace", {}).get("members") if isinstance(data.get("workspace"), dict) else None
    if isinstance(members, list) and members and all(isinstance(m, str) for m in members):
        facts.append(Fact("cargo-workspace", "Which crates make up the Cargo workspace?", rel, ", ".join(members)))
    return facts


def facts_of(rel: str, text: str) -> list[Fact]:
    """Every fact one file states (empty for files this module does not understand)."""
    name = PurePosixPath(rel).name
    facts: list[Fact] = []
    if name in _NAMED:
        key, question = _NAMED[name]
        facts.append(Fact(key, question, rel))
    if name == "conf.py" and "sphinx" in text.lower():
        facts.append(Fact(f"sphinx:{rel}", "Where is the Sphinx documentation build configured?", rel))
    if re.fullmatch(r"requirements([-_.][\w.-]+)?\.(txt|in)", name) or PurePosixPath(rel).parent.name == "requirements":
        stem = re.sub(r"^requirements[-_.]?", "", PurePosixPath(rel).stem) or "the project"
        if name.endswith((".txt", ".in")):
            facts.append(Fact(f"req:{stem}", f"Which file lists the requirements for {stem}?", rel))
    try:
        if name == "pyproject.toml":
            facts += _pyproject(text, rel)
        elif name in ("setup.cfg", "tox.ini", ".flake8", "mypy.ini", "pytest.ini", ".coveragerc", ".isort.cfg"):
            facts += _ini(text, rel)
            if name != "setup.cfg" and name != "tox.ini":
                tool = {".flake8": "flake8", "mypy.ini": "mypy", "pytest.ini": "pytest",
                        ".coveragerc": "coverage", ".isort.cfg": "isort"}[name]
                facts.append(Fact(f"tool:{tool}", f"Which file configures {tool}?", rel))
        elif name == "setup.py" and rel == name:
            facts += _setup_py(text, rel)
        elif name == "package.json" and "node_modules" not in rel:
            facts += _package_json(text, rel)
        elif name == "go.mod":
            facts += _go_mod(text, rel)
        elif name == "Cargo.toml":
            facts += _cargo_toml(text, rel)
        elif name.endswith((".csv", ".tsv")):
            facts += _csv(text, rel)
        elif name.endswith((".yaml", ".yml")):
            facts += _yaml(text, rel)
    except (ValueError, tomllib.TOMLDecodeError, UnicodeError, RecursionError):
        pass  # a file that does not parse states no facts
    return facts


def generate(snapshot: Snapshot, rng: random.Random, progress=None) -> list[Task]:
    files = [f for f in snapshot.files if not is_test_path(f) and not is_vendored(f)]
    grouped: dict[str, list[Fact]] = defaultdict(list)
    for i, rel in enumerate(files):
        if progress is not None:
            progress(i + 1, len(files))
        text = snapshot.text(rel, MAX_BYTES)
        if text is None:
            continue
        for fact in facts_of(rel, text):
            if all(f.file != rel for f in grouped[fact.key]):
                grouped[fact.key].append(fact)
    tasks = []
    for key, facts in grouped.items():
        if len(facts) > MAX_TARGETS:
            continue
        answers = {f.answer for f in facts}
        answer = answers.pop() if len(answers) == 1 else None
        tasks.append(Task(id="", question=facts[0].question, targets=sorted(f.file for f in facts), rev=snapshot.rev,
                          source=SOURCE, answer=answer, meta={"kind": key.split(":")[0]}))
    rng.shuffle(tasks)
    return tasks
