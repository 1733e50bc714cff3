"""The offer: which files the environment proposes to read from anywhere, and their ranks.

With ``EnvConfig.candidates`` the environment offers ``read PATH`` for the question's best
files that are not in the current folder, and labels a file of the listing ``match #k``
when it is among the best ten. Where that ranking comes from is ``EnvConfig.offer``:

* ``bm25`` — the file index alone;
* ``retrieve`` — the candidate stage (:mod:`explore.retrieval`: file, code-unit, symbol,
  path and history evidence fused);
* ``hybrid`` — the two in turn, the candidate stage first (:func:`hybrid_offer`).

One :class:`Offer` serves one episode: each ranking is computed the first time it is
asked for and kept, since the question does not change within an episode.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..retrieval.query import parse
from ..retrieval.retriever import RetrieverConfig, retriever_for
from ..tools.workspace import Workspace

#: Files ranked per episode for the offer (candidates skip files already read or listed here).
OFFER_DEPTH = 30


def hybrid_offer(stage: Sequence[str], lexical: Sequence[str], depth: int = OFFER_DEPTH) -> list[str]:
    """The ``hybrid`` offer: the candidate stage's files and BM25's in turn, the stage first."""
    pairs = [p for pair in zip(stage, lexical) for p in pair]
    return list(dict.fromkeys([*pairs, *stage, *lexical]))[:depth]


class Offer:
    """One episode's rankings of the question's files, each computed once, on demand.

    Empty throughout when the workspace has no index (scent off) or no question: there is
    then nothing to rank with.
    """

    def __init__(self, ws: Workspace, offer: str, retriever: RetrieverConfig | None = None) -> None:
        self.ws, self.offer, self.retriever = ws, offer, retriever
        self._files: list[str] | None = None
        self._stage: list[tuple[str, float]] | None = None
        self._why: dict[str, tuple[str, ...]] = {}
        self._lexical: list[tuple[str, float]] | None = None

    @property
    def active(self) -> bool:
        return self.ws.index is not None and bool(self.ws.question)

    def files(self) -> list[str]:
        """The question's best files from the configured ranking, best first."""
        if not self.active:
            return []
        if self._files is None:
            lexical = [p for p, s in self.lexical() if s > 0] if self.offer != "retrieve" else []
            ranked = [] if self.offer == "bm25" else [p for p, _ in self.stage()]
            if self.offer == "hybrid":
                ranked = hybrid_offer(ranked, lexical)
            self._files = ranked or lexical
        return self._files

    def stage(self) -> list[tuple[str, float]]:
        """The candidate stage's best files with their scores, best first (whatever the
        offer: `ask` weighs its answer with them)."""
        if not self.active:
            return []
        if self._stage is None:
            assert self.ws.index is not None
            hits = retriever_for(self.ws.index, self.retriever).rank(self.ws.question, OFFER_DEPTH)
            self._stage = [(h.path, float(h.score)) for h in hits]
            self._why = {h.path: tuple(h.why) for h in hits}
        return self._stage

    def stage_why(self) -> dict[str, tuple[str, ...]]:
        """Why :meth:`stage` ranked each of its files where it did (:attr:`.Hit.why`): what
        ``ask`` weighs with it reads the lifts and penalties BM25 knows nothing of."""
        self.stage()
        return self._why

    def unheard_of(self) -> list[str]:
        """The question's code names when no file holds or defines any of them
        (:meth:`~explore.retrieval.retriever.Retriever.unheard_of`); none without an index."""
        if not self.active:
            return []
        assert self.ws.index is not None
        return retriever_for(self.ws.index, self.retriever).unheard_of(parse(self.ws.question))

    def best_unit(self, path: str) -> tuple[int, int] | None:
        """``path``'s code unit that best matches the question
        (:meth:`~explore.retrieval.retriever.Retriever.best_unit`); None without an index."""
        if not self.active:
            return None
        assert self.ws.index is not None
        return retriever_for(self.ws.index, self.retriever).best_unit(parse(self.ws.question), path)

    def holds_no_word(self) -> bool:
        """Whether no file holds a word of the question
        (:meth:`~explore.retrieval.retriever.Retriever.holds_no_word`); False without an index."""
        if not self.active:
            return False
        assert self.ws.index is not None
        return retriever_for(self.ws.index, self.retriever).holds_no_word(parse(self.ws.question))

    def lexical(self) -> list[tuple[str, float]]:
        """BM25's best files with their scores, best first."""
        if not self.active:
            return []
        if self._lexical is None:
            assert self.ws.index is not None
            self._lexical = [(p, float(s)) for p, s in self.ws.index.top(self.ws.question, OFFER_DEPTH)]
        return self._lexical

    def rank(self, rel: str) -> int | None:
        """1-based rank of a file in the offer, when it is among the top 10."""
        top = self.files()[:10]
        return top.index(rel) + 1 if rel in top else None
