"""Code tasks from a Go and TypeScript repository: doc-comment questions and "which file
defines X?", with tests, vendored code and declaration files never targets."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from explore.sandbox.snapshot import Repository
from explore.training.tasks import code
from explore.training.tasks.phrasing import mentions

FILES = {
    "go.mod": "module example.com/shop\n\ngo 1.22\n",
    "server/server.go": (
        "// Package server runs the shop's HTTP front end.\npackage server\n\n"
        "// Serve accepts connections until the context is cancelled.\n"
        "func Serve(addr string) error { return nil }\n\n"
        "// Config is the set of options for one listener.\ntype Config struct{ Addr string }\n\n"
        "// Start opens the listener and begins accepting connections.\nfunc (c *Config) Start() {}\n\n"
        "// helper formats the address of a listener for the logs.\nfunc helper() string { return \"\" }\n\n"
        "// DefaultPort is used when none is given.\nconst DefaultPort = 8080\n\n"
        "// ServeTLS is the same as Serve, but it encrypts every connection.\nfunc ServeTLS() {}\n"
    ),
    "server/server_test.go": (
        "package server\n\n// TestServe checks that the server accepts connections on time.\n"
        "func TestServe(t *testing.T) {}\n"
    ),
    "vendor/example.org/lib/lib.go": "package lib\n\n// Parse reads the configuration file from disk.\nfunc Parse() {}\n",
    "web/src/router.ts": (
        "/**\n * Match an incoming path against the registered routes.\n * @param path the request path\n */\n"
        "export function matchRoute(path: string): string | undefined { return undefined; }\n\n"
        "/** A table of routes keyed by method. */\nexport class RouteTable {\n"
        "  /** Remove every route of one method. */\n  clear(method: string): void {}\n}\n\n"
        "const handlers = { onMissing: function () {} };\n"
    ),
    "web/src/router.test.ts": "/** Check the router finds every registered route. */\nfunction checkRoutes() {}\n",
    "web/src/types.d.ts": "/** Validate a route before it is registered. */\nexport declare function validateRoute(): void;\n",
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, make_repo) -> Path:
    return make_repo(tmp_path_factory.mktemp("shop"), FILES, message="Initial import of the shop")


def _tasks(repo: Path, seed: int = 0):
    return code.generate(Repository(repo).snapshot(), random.Random(seed))


def test_doc_comment_questions_of_go_and_typescript(shop: Path) -> None:
    docs = {t.meta["symbol"]: t for t in _tasks(shop) if t.meta["kind"] == "docstring"}
    # private functions are asked about by behaviour too, as Python's are (only their names are not);
    # "ServeTLS is the same as Serve, but …" describes by another name and is not asked
    assert set(docs) == {"Serve", "Config", "Start", "helper", "matchRoute", "RouteTable", "clear"}
    for symbol, target in [("Serve", "server/server.go"), ("Config", "server/server.go"),
                           ("Start", "server/server.go"), ("matchRoute", "web/src/router.ts"),
                           ("RouteTable", "web/src/router.ts"), ("clear", "web/src/router.ts")]:
        task = docs[symbol]
        assert task.targets == [target] and task.answer == symbol and task.source == "code"
        assert not mentions(task.question, symbol), task.question
    # Go's "Serve accepts …" is asked without the name; JSDoc's @param lines are not the summary
    assert "connections until the context is cancelled?" in docs["Serve"].question
    assert docs["matchRoute"].question.endswith("an incoming path against the registered routes?")
    assert "param" not in docs["matchRoute"].question
    assert "set of options for one listener" in docs["Config"].question
    assert docs["Start"].meta["line"] == 11


def test_definition_questions_skip_private_tests_vendored_and_declarations(shop: Path) -> None:
    defs = {t.answer: t for t in _tasks(shop) if t.meta["kind"] == "definition"}
    assert set(defs) == {"Serve", "ServeTLS", "Config", "Config.Start", "matchRoute", "RouteTable",
                         "RouteTable.clear"}
    assert defs["Config.Start"].targets == ["server/server.go"]
    assert defs["RouteTable"].targets == ["web/src/router.ts"]
    assert defs["RouteTable"].question in ("Which file defines the class `RouteTable`?", "Where is `RouteTable` defined?")
    assert defs["Config"].question in ("Which file defines the struct `Config`?", "Where is `Config` defined?")
    every = {f for t in _tasks(shop) for f in t.targets}
    assert every == {"server/server.go", "web/src/router.ts"}  # no test, vendored or .d.ts target


def test_python_tasks_are_drawn_as_before_other_languages_were_read(tmp_path: Path, make_repo) -> None:
    python = {"app/core.py": 'def load_settings(path="a.toml"):\n    """Read the settings file from disk."""\n\n\n'
                             'class Serve:\n    """A handle on the running server process."""\n'}
    alone = make_repo(tmp_path / "alone", python)
    mixed = make_repo(tmp_path / "mixed", {**python, **FILES})
    before = [(t.question, t.targets) for t in _tasks(alone, seed=3)]
    after = _tasks(mixed, seed=3)
    assert [(t.question, t.targets) for t in after if t.targets[0].endswith(".py")] == before
    # `Serve` is a Python class and a Go function here: "which file defines it?" is not asked of Go alone
    assert not any(t.meta["kind"] == "definition" and t.answer == "Serve" and t.targets == ["server/server.go"]
                   for t in after)


def test_broken_and_minified_files_give_no_tasks_and_no_crash(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {
        "broken.go": "package x\n\nfunc ((( {{{\n",
        "dist/app.js": "/** Bundle. */var a=function(){return 1};" * 3_000,
        "ok.go": "package x\n\n// Parse reads the configuration file from disk.\nfunc Parse() {}\n",
    })
    tasks = _tasks(repo)
    assert tasks and all(t.targets == ["ok.go"] for t in tasks)


def test_generated_code_gives_no_tasks(tmp_path: Path, make_repo) -> None:
    """jq's tasks asked "How does the code copy to YYRES the contents of YYSTR…" of the parser
    Bison wrote: a file whose head says a tool generated it is asked nothing."""
    repo = make_repo(tmp_path, {
        "src/parser.c": "/* A Bison parser, made by GNU Bison 3.8.2.  */\n\n"
                        "/* Copy to YYRES the contents of YYSTR after stripping away quotes. */\n"
                        "static int yytnamerr(char *yyres, const char *yystr) {\n  return 0;\n}\n",
        "api/types.pb.go": "// Code generated by protoc-gen-go. DO NOT EDIT.\n\npackage api\n\n"
                           "// Request carries the query sent to the server over the wire.\ntype Request struct{}\n",
        "src/util.c": "/* Read the whole file into a buffer the caller frees. */\nchar *read_file(const char *path) {\n"
                      "  return 0;\n}\n",
    })
    tasks = _tasks(repo)
    assert tasks and all(t.targets == ["src/util.c"] for t in tasks), [(t.question, t.targets) for t in tasks]
