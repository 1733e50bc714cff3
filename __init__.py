"""explore: answer questions about a code repository by walking it.

A small local language model (the policy) picks one of ``ls``/``cd``/``read``/``answer``
per step from a numbered list, helped by a frozen reflection model; see README.md.
"""
from __future__ import annotations

__version__ = "0.1.0"
