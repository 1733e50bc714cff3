"""Hostile commits and damaged repositories never make a snapshot read or write outside the
cache, nor store wrong content in it. Real git repositories in ``tmp_path``."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from explore.sandbox.errors import BadRevision
from explore.sandbox.snapshot import Repository


def test_a_subfolder_reached_through_a_symlink_at_the_commit_is_refused(
        tmp_path: Path, make_repo, commit_all, git) -> None:
    """``/repo/a/lib`` at a commit where ``a`` was a symlink out of the repository must not
    walk the symlink's target."""
    outside = tmp_path / "outside"
    (outside / "lib").mkdir(parents=True)
    (outside / "lib" / "secret.txt").write_text("not yours\n")
    repo = make_repo(tmp_path, {"keep.py": "x = 1\n"}, symlinks={"a": str(outside)})
    old = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "a")
    (repo / "a" / "lib").mkdir(parents=True)
    (repo / "a" / "lib" / "f.py").write_text("y = 2\n")
    commit_all(repo, "a is a folder now")
    with pytest.raises(BadRevision):
        snap = Repository(repo / "a" / "lib").snapshot(old)
        assert "secret.txt" not in snap.files, snap.root
