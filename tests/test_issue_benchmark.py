"""The real-bug-report benchmark's recipe (benchmarks/issues.py): which commits close an
issue of the repository, read from a real git history."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture()
def issues(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield importlib.import_module("issues")
    sys.modules.pop("issues", None)


def _commit(root: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True)


def test_a_commit_closing_an_issue_of_this_repository_is_a_candidate(tmp_path: Path, make_repo, issues) -> None:
    root = make_repo(tmp_path, {"pkg/net/retry.py": "def backoff(n):\n    return 2 ** n\n",
                                "pkg/io/read.py": "def read(path):\n    return open(path).read()\n",
                                "README.md": "# demo\n"}, message="Start the demo package")
    _commit(root, {"pkg/net/retry.py": "def backoff(n):\n    return min(2 ** n, 60)\n"},
            "Cap the retry back-off at sixty seconds\n\nFixes #12")
    _commit(root, {"pkg/io/read.py": "def read(path):\n    with open(path) as f:\n        return f.read()\n"},
            "Close the file read leaves open\n\nCloses https://github.com/someone/else/issues/5")  # another repository's
    _commit(root, {"pkg/io/read.py": "def read(path):\n    with open(path, encoding='utf-8') as f:\n"
                   "        return f.read()\n"}, "Read files as UTF-8 whatever the locale\n\nRefs #7")  # not closed
    _commit(root, {"pkg/net/retry.py": "def backoff(n):\n    return min(2 ** n, 30)\n"},
            "Lower the back-off cap to thirty seconds\n\nresolves: https://github.com/acme/demo/issues/14")
    head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    entry = {"name": "demo", "url": "https://github.com/acme/demo", "commit": head}

    found = issues.candidates(entry, root, 10)
    assert [(c["issue"], c["targets"]) for c in found] == [(14, ["pkg/net/retry.py"]), (12, ["pkg/net/retry.py"])]
    assert found[0]["url"] == "https://github.com/acme/demo/issues/14"
    assert issues.candidates(entry, root, 1) == found[:1]
    assert issues.closed_issue("Fix the parser (fixed #3, closes #4)", "acme/demo") == 3
    assert issues.closed_issue("Mention #3 only", "acme/demo") is None
