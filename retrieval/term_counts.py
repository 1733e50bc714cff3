"""BM25 over a snapshot's files for a question or two, from per-content term counts.

Fitting the candidate stage to a repository's history asks one question of each of
hundreds of parent commits. A full :class:`~explore.sandbox.index.Index` per parent
(bm25s over every token of every file, written to the disk cache) cost about a second
on a thousand-file project, for one query. The file ranking needs far less: each
content's term counts (kept by git blob id, so the parents' shared files are counted
once) and, per query term, how many files hold it. :class:`TermCountIndex` scores
exactly as the index does (bm25s's Lucene BM25, ``k1`` 1.5, ``b`` 0.75, the same
documents: a file's path twice, then its first ``INDEX_BYTES``), which a test checks
against a real index, so a combiner fitted here scores the same features `explore ask`
computes.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..sandbox.index import BLOB_TOKENS, file_document
from ..sandbox.snapshot import Snapshot

#: bm25s's defaults, which :class:`~explore.sandbox.index.Index` builds with.
K1, B = 1.5, 0.75


#: Contents whose counts are kept (by blob id); past this the memo starts afresh.
MAX_COUNTED = 50_000
_COUNTED: dict[str, tuple[Counter, int]] = {}


def _counts(snapshot: Snapshot, rel: str) -> tuple[Counter, int]:
    """(token counts, tokens) of a file's indexed content, counted once per blob."""
    blob = snapshot.blobs.get(rel, "")
    if blob in _COUNTED:
        return _COUNTED[blob]
    tokens = BLOB_TOKENS.get(snapshot, rel)
    counted = (Counter(tokens), len(tokens))
    if blob:
        if len(_COUNTED) >= MAX_COUNTED:
            _COUNTED.clear()
        _COUNTED[blob] = counted
    return counted


class TermCountIndex:
    """What :class:`~explore.retrieval.retriever.Retriever` asks of an index (``files``,
    ``snapshot``, ``token_scores``), computed per query instead of built in advance."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.files = list(snapshot.files)
        self._paths = [Counter(file_document(rel, None)) for rel in self.files]
        self._contents = [_counts(snapshot, rel) for rel in self.files]
        lengths = np.array([sum(p.values()) + n for p, (_, n) in zip(self._paths, self._contents, strict=True)],
                           dtype=np.float64)
        avg = lengths.mean() if len(lengths) else 1.0
        self._norm = K1 * ((1 - B) + B * lengths / avg)

    def holds(self, token: str) -> bool:
        """Whether some file is indexed by ``token``, as :meth:`.Index.holds` says it."""
        return any(token in p or token in c for p, (c, _) in zip(self._paths, self._contents, strict=True))

    def token_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every file for query tokens (a repeated token weighs more), as
        :meth:`~explore.sandbox.index.Index.token_scores` gives it, to the bit: each
        (file, token) score rounded to float32 as bm25s stores it, summed in float32 in
        the query's order."""
        scores = np.zeros(len(self.files), dtype=np.float32)
        n = len(self.files)
        made: dict[str, np.ndarray | None] = {}
        for token in tokens:
            if token not in made:
                tf = np.array([p[token] + c[token] for p, (c, _) in zip(self._paths, self._contents, strict=True)],
                              dtype=np.float64)
                df = int(np.count_nonzero(tf))
                idf = np.float32(math.log(1 + (n - df + 0.5) / (df + 0.5)))
                made[token] = (np.float64(idf) * tf / (self._norm + tf)).astype(np.float32) if df else None
            if made[token] is not None:
                scores += made[token]
        return scores
