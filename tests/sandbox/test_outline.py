"""File kinds and definitions."""
from __future__ import annotations

import pytest

from explore.sandbox.outline import definitions, file_kind, headings


@pytest.mark.parametrize("path, kind", [
    ("src/pkg/core.py", "code"), ("tests/test_core.py", "test"), ("pkg/conftest.py", "test"),
    ("docs/usage.rst", "docs"), ("README.md", "docs"), ("examples/demo/app.py", "example"),
    ("pyproject.toml", "config"), ("setup.py", "config"), ("scripts/release.py", "script"), ("data/x.bin", "data"),
    # requirements and packaging files are config wherever they sit, whatever their suffix
    ("requirements.txt", "config"), ("requirements/tests.txt", "config"), ("requirements/docs.in", "config"),
    ("docs/requirements-docs.txt", "config"), ("examples/app/requirements.txt", "config"),
    ("constraints.txt", "config"), ("MANIFEST.in", "config"), (".flake8", "config"), ("docs/conf.py", "config"),
    ("Makefile", "config"), ("docs/notes.txt", "docs"), ("requirements_notes.md", "docs"),
])
def test_file_kind(path: str, kind: str) -> None:
    assert file_kind(path) == kind


def test_definitions_python_and_fallback() -> None:
    src = "TIMEOUT = 5\nclass Client:\n    def get(self):\n        pass\nasync def main():\n    pass\n"
    assert definitions("a.py", src) == ("Client", "main", "get", "TIMEOUT") or set(definitions("a.py", src)) == {
        "Client", "get", "main", "TIMEOUT"}
    assert definitions("broken.py", "def ok():\n  pass\ndef (") == ("ok",)
    assert definitions("x.go", "func Serve() {}\ntype Server struct{}") == ("Serve", "Server")
    assert definitions("notes.md", "def x") == ()


def test_headings() -> None:
    assert headings("# Install\ntext\nUsage\n=====\n## API\n") == ("Install", "Usage", "API")
