"""Code units of other languages than Python: tree-sitter's definitions, doc comment included,
and the definition-line fallback where no grammar reads the file."""
from __future__ import annotations

from pathlib import Path

import pytest

from explore.retrieval.units import UnitIndex, split
from explore.sandbox import syntax
from explore.sandbox.snapshot import Repository

GO = """\
package cache

import "time"

// Entry is one cached value.
type Entry struct {
	Value   string
	Expires time.Time
}

// Evict drops the entries whose deadline has passed.
func (c *Cache) Evict(now time.Time) {
	for k, e := range c.items {
		if e.Expires.Before(now) {
			delete(c.items, k)
		}
	}
}

const Limit = 64

// Cache keeps values until they expire.
type Cache struct{ items map[string]Entry }
"""


def test_go_units_start_at_their_doc_comment_and_skip_constants() -> None:
    units = {name: (start, end, text) for name, start, end, text in split("cache/cache.go", GO)}
    assert list(units) == ["Entry", "Evict", "Cache"]
    start, end, text = units["Evict"]
    assert (start, end) == (11, 18) and text.startswith("// Evict drops the entries whose deadline")
    assert "// Cache keeps" not in text  # the next definition's comment is its own (not so by definition lines)
    assert units["Cache"][:2] == (22, 23)


def test_a_class_unit_is_its_own_text_up_to_its_first_method() -> None:
    ts = ("/** Routes requests. */\nexport class Router {\n  private routes = [];\n\n"
          "  /** Add a route. */\n  add(path: string) {\n    this.routes.push(path);\n  }\n}\n")
    assert [(n, s, e) for n, s, e, _ in split("src/router.ts", ts)] == [("Router", 1, 4), ("add", 5, 8)]


def test_languages_without_a_grammar_split_by_definition_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    ruby = "def start\nend\nclass Server\nend\n"
    assert [n for n, *_ in split("lib/main.rb", ruby)] == ["start", "Server"]
    monkeypatch.setitem(syntax.GRAMMARS, "go", ("tree_sitter_not_installed", "language"))
    syntax._grammar.cache_clear()
    try:
        by_lines = [n for n, *_ in split("cache/cache.go", GO)]
    finally:
        monkeypatch.undo()
        syntax._grammar.cache_clear()
    assert by_lines == ["Entry", "Evict", "Limit", "Cache"]  # the regular-expression units: a constant too


def test_unit_index_of_a_go_and_typescript_repository(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {
        "cache/cache.go": GO,
        "cache/cache_test.go": "package cache\n\nfunc TestEvict(t *testing.T) {}\n",
        "web/src/router.ts": "/** Match a path against the routes. */\nexport function matchRoute(path: string) {}\n",
        "web/dist/app.min.js": "var a=function(){return 1};" * 2_000,
    })
    index = UnitIndex(Repository(repo).snapshot(), cache=tmp_path / "cache")
    assert set(index.names) == {"Entry", "Evict", "Cache", "TestEvict", "matchRoute"}  # the minified file: none
    scores = index.scores(["deadline", "passed", "drops"])
    best = int(scores.argmax())
    assert index.unit(best) == ("cache/cache.go", "Evict", (11, 18))
