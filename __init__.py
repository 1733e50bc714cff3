"""explore: answer questions about a code repository by walking it.

A small local language model (the policy) picks one of ``ls``/``cd``/``read``/``answer``
per step from a numbered list, helped by a frozen reflection model; see README.md.
"""
from __future__ import annotations

from ._version import __version__

__all__ = ["Answer", "BadRevision", "EmptyQuestion", "ExploreError", "Explorer", "RepoNotFound", "__version__"]

#: What ``from explore import …`` offers beside the version, and the module each comes from:
#: the Explorer and its answer, and the errors a caller catches (every error explore raises on
#: purpose is an :class:`ExploreError`).
_LAZY = {"Explorer": ".agent.explorer", "Answer": ".agent.explorer", "ExploreError": ".sandbox.errors",
         "RepoNotFound": ".sandbox.errors", "BadRevision": ".sandbox.errors", "EmptyQuestion": ".question_text"}


def __getattr__(name: str):
    """``from explore import Explorer``, loaded on first use: ``import explore`` (the CLI's
    start) stays free of the model stack."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'explore' has no attribute {name!r}")
