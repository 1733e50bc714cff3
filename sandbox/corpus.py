"""Several repositories used as one source of training tasks.

`explore train` over a corpus samples tasks across repositories. Each task keeps the
commit id of its repository (``Task.rev``), so the environment needs nothing new: it asks
its source for ``snapshot(task.rev)``, and :class:`Corpus` finds the repository holding
that commit. Plain folders are refused here: without a commit id a task could not say
which repository it belongs to.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import BadRevision, ExploreError
from .snapshot import Repository, Snapshot


class CorpusError(ExploreError):
    """The repositories cannot form a training corpus."""


class Corpus:
    """Git repositories trained on together; :meth:`snapshot` dispatches by commit id."""

    def __init__(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        self.repos: list[Repository] = []
        for path in paths:
            repo = Repository(path)
            if any(r.path == repo.path for r in self.repos):
                continue
            if not repo.is_git:
                raise CorpusError(f"{repo.path} is not a git repository; training over several repositories "
                                  "needs each to be one (its tasks are told apart by commit id): `git init` "
                                  "and commit a copy, or train on it alone")
            self.repos.append(repo)
        if not self.repos:
            raise CorpusError("no repositories given")
        self._owner: dict[str, Repository] = {}

    #: Between the repositories' paths in :attr:`label`.
    SEPARATOR = "; "

    @property
    def label(self) -> str:
        """The repositories' paths, as run records show them."""
        return self.SEPARATOR.join(str(r.path) for r in self.repos)

    def owner(self, rev: str | None) -> Repository:
        """The repository holding commit ``rev`` (full ids from tasks; looked up once)."""
        if not rev:
            raise BadRevision("a task over several repositories needs the commit id of its repository (Task.rev)")
        if rev not in self._owner:
            for repo in self.repos:
                try:
                    repo.resolve_rev(rev)
                except BadRevision:
                    continue
                self._owner[rev] = repo
                break
            else:
                raise BadRevision(f"commit {rev} is in none of the {len(self.repos)} repositories of the corpus")
        return self._owner[rev]

    def snapshot(self, rev: str | None = None, **kwargs: Any) -> Snapshot:
        return self.owner(rev).snapshot(rev, **kwargs)

    def __len__(self) -> int:
        return len(self.repos)


def open_source(paths: Iterable[str | os.PathLike[str]]) -> Repository | Corpus:
    """One path: that repository (folders allowed); several: a :class:`Corpus`."""
    paths = [Path(p) for p in paths]
    if len(paths) == 1:
        return Repository(paths[0])
    return Corpus(paths)
