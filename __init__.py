"""explore: answer questions about a code repository by walking it.

A small local language model (the policy) picks one of ``ls``/``cd``/``read``/``answer``
per step from a numbered list, helped by a frozen reflection model; see README.md.
"""
from __future__ import annotations

from ._version import __version__

__all__ = ["Explorer", "__version__"]


def __getattr__(name: str):
    """``from explore import Explorer``, loaded on first use: ``import explore`` (the CLI's
    start) stays free of the model stack."""
    if name == "Explorer":
        from .agent.explorer import Explorer

        return Explorer
    raise AttributeError(f"module 'explore' has no attribute {name!r}")
