"""`explore train --json` through CliRunner: the summary in the JSON envelope, and a bundle
that `ask --adapter` then runs."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()


def test_train_json_then_ask_with_the_bundle(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {
        "retry.py": 'def compute_backoff(attempt):\n    """Exponential delay before the next upload attempt."""\n',
        "cache.py": 'class LRUCache:\n    """Least recently used cache of parsed pages."""\n',
        "install.md": "# Install\n\nRun pip install demo to install it.\n",
    })
    out = tmp_path / "bundle"
    result = runner.invoke(app, ["train", str(repo), "--model", "tiny-random", "--out", str(out), "--sft-steps", "2",
                                 "--rl-updates", "1", "--no-reflection", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["version"] == 1 and body["command"] == "train" and body["out"] == str(out)
    assert body["adapters"] == {"policy": str(out / "policy")} and body["default_out"] is False
    assert {"env.json", "policy.json", "summary.json"} <= {p.name for p in out.iterdir()}

    asked = runner.invoke(app, ["ask", str(repo), "where is the upload delay computed?", "--adapter", str(out),
                                "--model", "tiny-random", "--max-steps", "3", "--json"])
    assert asked.exit_code in (0, 1), asked.output  # answered or not: the contract says which
    data = json.loads(asked.stdout)
    assert data["adapters"] == {"policy": str(out / "policy")} and data["answered"] is (asked.exit_code == 0)
