"""What an action line says about a file besides its name, size, scent and rank.

With ``EnvConfig.features`` a ``read``/``answer`` line carries the file's kind
(code/test/docs/config/…), the names it defines that the question mentions, for a docs
file the section heading whose every word the question uses, and with
``EnvConfig.settings`` the settings a configuration file holds that the question names:
``read retry.py  (code, defines backoff)``. The same notes summarise the files read so far.

:class:`FileFeatures` keeps what it parsed of each file (per snapshot and path) across
episodes and matches it against the current question's words, set by :meth:`ask`.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from ..sandbox.index import IDENTIFIER, tokenize
from ..sandbox.outline import DOC_SUFFIXES, definitions, file_kind, headings, settings
from ..sandbox.snapshot import Snapshot


class FileFeatures:
    """A file's kind and what of it the question names, parsed once per (snapshot, file)."""

    def __init__(self) -> None:
        self._defs: dict[tuple[str, str], tuple[str, ...]] = {}
        self._sets: dict[tuple[str, str], tuple[str, ...]] = {}
        self._heads: dict[tuple[str, str], tuple[tuple[str, frozenset[str]], ...]] = {}
        self.terms: set[str] = set()
        """The question's identifiers of three letters or more, lower-cased."""
        self.tokens: set[str] = set()
        """The question's BM25 tokens."""

    def ask(self, question: str) -> None:
        """Match later features against ``question`` (one episode's)."""
        self.terms = {w.lower() for w in IDENTIFIER.findall(question) if len(w) > 2}
        self.tokens = set(tokenize(question))

    def of(self, snapshot: Snapshot, rel: str, with_settings: bool = False) -> list[str]:
        """Kind of file, the names it defines that the question mentions, for configuration
        files (``with_settings``) the settings it names, and for docs the section heading
        whose every word is in the question."""
        feats = [file_kind(rel)]
        matched = self.defined_matches(snapshot, rel)
        if matched:
            feats.append("defines " + " ".join(matched[:3]))
        if with_settings and feats[0] == "config":
            sets = self.set_matches(snapshot, rel)
            if sets:
                feats.append("sets " + " ".join(sets[:3]))
        heading = self.matched_heading(snapshot, rel)
        if heading:
            feats.append(f"heading \"{heading[:40]}\"")
        return feats

    def matched_heading(self, snapshot: Snapshot, rel: str) -> str | None:
        """The longest heading of a docs file all of whose words the question uses.

        Measured on 1,232 docs questions of 19 training-corpus repos: 94% of target files
        have one, against 7% of the other files in BM25's top 5.
        """
        if PurePosixPath(rel).suffix.lower() not in DOC_SUFFIXES:
            return None
        key = (snapshot.key, rel)
        if key not in self._heads:
            text = snapshot.text(rel, 400_000) or ""
            self._heads[key] = tuple((h, frozenset(tokenize(h))) for h in headings(text, 400)) if text else ()
        best = None
        for heading, words in self._heads[key]:
            if words and words <= self.tokens and (best is None or len(words) > len(best[1])):
                best = (heading, words)
        return best[0] if best else None

    def defined_matches(self, snapshot: Snapshot, rel: str) -> list[str]:
        """Names the file defines (:func:`~explore.sandbox.outline.definitions`) that the
        question mentions."""
        key = (snapshot.key, rel)
        if key not in self._defs:
            text = snapshot.text(rel, 200_000) or ""
            self._defs[key] = definitions(rel, text) if text else ()
        return [name for name in self._defs[key] if name.lower() in self.terms]

    def set_matches(self, snapshot: Snapshot, rel: str) -> list[str]:
        """Settings of a configuration file (:func:`~explore.sandbox.outline.settings`)
        that the question names."""
        key = (snapshot.key, rel)
        if key not in self._sets:
            text = snapshot.text(rel, 200_000) or ""
            self._sets[key] = settings(rel, text) if text else ()
        return [word for word in self._sets[key] if word in self.terms]
