"""A corpus of repositories: snapshots found by commit id; bad input named."""
from __future__ import annotations

from pathlib import Path

import pytest

from explore.sandbox.corpus import Corpus, CorpusError, open_source
from explore.sandbox.errors import BadRevision
from explore.sandbox.snapshot import Repository


def test_snapshot_goes_to_the_repository_holding_the_commit(make_repo, tmp_path: Path) -> None:
    a = make_repo(tmp_path, {"a.py": "x = 1\n"}, name="a")
    b = make_repo(tmp_path, {"b.py": "y = 2\n"}, name="b")
    corpus = open_source([a, b, a])  # the same repository twice counts once
    assert isinstance(corpus, Corpus) and len(corpus) == 2
    rev_b = Repository(b).resolve_rev(None)
    assert corpus.snapshot(rev_b).files == ["b.py"] and corpus.owner(rev_b).path == Path(b).resolve()
    with pytest.raises(BadRevision, match="none of the 2"):
        corpus.snapshot("0" * 40)
    with pytest.raises(BadRevision, match="commit id"):
        corpus.snapshot(None)
    assert isinstance(open_source([a]), Repository)


def test_plain_folders_and_empty_lists_are_refused(make_repo, tmp_path: Path) -> None:
    a = make_repo(tmp_path, {"a.py": "x = 1\n"}, name="a")
    plain = make_repo(tmp_path, {"b.py": "y = 2\n"}, name="plain", git_init=False)
    with pytest.raises(CorpusError, match="not a git repository"):
        Corpus([a, plain])
    with pytest.raises(CorpusError, match="no repositories"):
        Corpus([])
