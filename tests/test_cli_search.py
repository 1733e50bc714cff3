"""`explore search`: the candidate stage alone, through CliRunner, on real git repositories."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


def test_search_ranks_with_the_history_and_never_writes(history_repo: Path, tree_hash) -> None:
    before = tree_hash(history_repo)
    result = runner.invoke(app, ["search", str(history_repo), "the token login handling breaks", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["version"] == 1 and data["command"] == "search" and data["fitted"] is None
    hits = data["hits"]
    assert len(hits) == 3 and hits[0]["path"] == "pkg/auth.py" and any("history" in w for w in hits[0]["why"])
    assert hits[0]["line"] >= 1 and hits[0]["lines"]
    shown = runner.invoke(app, ["search", str(history_repo), "-", "-k", "2"], input="cache expiry when empty\n")
    assert shown.exit_code == 0 and "pkg/cache.py" in shown.output.splitlines()[0]
    assert tree_hash(history_repo) == before


def test_search_with_no_match_or_bad_input(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"a.py": "def alpha():\n    pass\n"})
    none = runner.invoke(app, ["search", str(repo), "zzzz qqqq", "--json"])
    assert none.exit_code == 1 and json.loads(none.output)["hits"] == []
    empty = runner.invoke(app, ["search", str(repo), "  "])
    assert empty.exit_code == 2 and "empty" in empty.output
    missing = runner.invoke(app, ["search", str(tmp_path / "nope"), "alpha"])
    assert missing.exit_code == 2 and "no such folder" in missing.output
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    no_combiner = runner.invoke(app, ["search", str(repo), "alpha", "--adapter", str(bundle)])
    assert no_combiner.exit_code == 2 and "combiner.json" in no_combiner.output
