"""A tool call's arguments that failed validation, as text the calling model can fix its call
from: shared by the LangChain tools and the MCP server, neither of which should hand an agent
pydantic's own report (its URLs, its input echoes)."""
from __future__ import annotations

from typing import Any


def invalid_arguments(verb: str, error: Any) -> str:
    """``error`` (a pydantic ``ValidationError``) as ``verb: invalid arguments (field: why; …)``."""
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "arguments"
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
    return f"{verb}: invalid arguments ({'; '.join(problems)})"
