"""Errors the sandbox raises. Each says what happened and what the user can do about it.

They live at the bottom layer so every layer above (tools, agent, training, cli) can catch
one base class, :class:`ExploreError`, and turn it into a message and a non-zero exit.
"""
from __future__ import annotations


class ExploreError(Exception):
    """Base of every error `explore` raises on purpose (bad input, not a bug)."""


class RepoError(ExploreError):
    """The repository cannot be opened or snapshotted as asked."""


class RepoNotFound(RepoError):
    """The path does not exist."""


class NotAFolder(RepoError):
    """The path is a file (or something else), not a folder."""


class EmptyRepository(RepoError):
    """A git repository with no commits, or a folder with no readable files."""


class BadRevision(RepoError):
    """The revision does not name a commit in this repository."""


class GitMissing(RepoError):
    """No git executable: GitPython refuses to load, and every ``git`` explore runs fails."""


#: What a machine without git is told (a slim container image has none).
NO_GIT = ("git is not installed (or not on PATH): explore reads repositories with it; install it "
          "(`apt-get install git`, `brew install git`) and run the command again")


class GitRefused(RepoError):
    """git itself refuses the repository (another user's: "dubious ownership", a damaged one)."""


class CacheInRepository(RepoError):
    """The cache folder (``EXPLORE_CACHE``) lies inside the repository, where explore would
    write: the repository is never written to."""


class MissingObject(RepoError):
    """git lacks an object a snapshot needs (a partial clone, a mirror that left a large file
    out, a damaged one): that commit cannot be laid out, while the others may."""


class PathRefused(ExploreError):
    """A path inside the sandbox was refused: it escapes, loops, or is not a regular file.

    Tools turn this into text for the agent (``read: ...``) rather than crashing.
    """


class NoSuchPath(PathRefused):
    """The path does not exist in the snapshot (or is hidden, like ``.git``)."""
