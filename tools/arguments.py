"""A tool call's arguments that failed validation, as text the calling model can fix its call
from: shared by the LangChain tools and the MCP server, neither of which should hand an agent
pydantic's own report (its URLs, its input echoes)."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _not_a_flag(value: Any) -> Any:
    """A count given as ``true``/``false``: pydantic's lax mode read ``"k": true`` as 1."""
    if isinstance(value, bool):
        raise ValueError(f"a whole number, not {str(value).lower()}")
    return value


#: A whole-number argument (``k``, ``page``, ``line``, ``max_steps``): a JSON ``true`` is refused,
#: not read as 1 (a numeral string such as ``"3"`` is still read, as a client's model may send it).
Count = Annotated[int, BeforeValidator(_not_a_flag)]


def invalid_arguments(verb: str, error: Any) -> str:
    """``error`` (a pydantic ``ValidationError``) as ``verb: invalid arguments (field: why; …)``."""
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "arguments"
        problems.append(f"{where}: {item.get('msg', 'invalid')}")
    return f"{verb}: invalid arguments ({'; '.join(problems)})"
