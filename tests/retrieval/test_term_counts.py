"""BM25 from term counts scores every file as the built index does, so a combiner fitted
on it scores the features `explore ask` computes."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from explore.retrieval.query import parse
from explore.retrieval.retriever import Retriever, RetrieverConfig
from explore.retrieval.term_counts import TermCountIndex
from explore.sandbox.index import Index
from explore.sandbox.snapshot import Repository


def test_scores_match_the_built_index(tmp_path: Path, make_repo, commit_all, explore_cache: Path) -> None:
    root = make_repo(tmp_path, {
        "pkg/net/retry.py": "def compute_backoff(attempt):\n    '''Delay before the next retry.'''\n"
                            "    return 2 ** attempt  # retry retry backoff\n",
        "pkg/net/__init__.py": "",
        "pkg/cache.py": "class LRUCache:\n    def evict(self):\n        pass\n" * 20,
        "docs/retry.md": "# Retries\n\nThe client retries an upload after a timeout.\n",
        "setup.cfg": "[metadata]\nname = demo\n",
        "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00binary",
    })
    repo = Repository(root)
    first = repo.snapshot()
    (root / "pkg" / "net" / "retry.py").write_text("def compute_backoff(attempt, cap):\n    return min(cap, 2 ** attempt)\n")
    commit_all(root, "cap the back-off")
    for snapshot in (first, repo.snapshot()):
        built, counted = Index.build(snapshot), TermCountIndex(snapshot)
        assert counted.files == built.files
        for tokens in (["retry"], ["retry", "retry", "backoff"], ["evict", "lru", "cache", "nowhere"], ["nowhere"],
                       list(parse("`compute_backoff` ignores the cap on retry").terms)):
            assert np.array_equal(counted.token_scores(tokens), built.token_scores(tokens)), tokens
            assert [counted.holds(t) for t in tokens] == [built.holds(t) for t in tokens], tokens
        query = parse("why does the upload retry back-off ignore the cap when evicted?")  # evicted: evict
        rrf = RetrieverConfig(fusion="rrf")
        assert Retriever(counted, rrf).rankings(query) == Retriever(built, rrf).rankings(query)  # type: ignore[arg-type]
