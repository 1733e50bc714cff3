"""`ask_repo`: the whole Explorer as one LangChain tool other agents can call.

Kept apart from :mod:`explore.agent.explorer` so that the runtime imports langchain_core
only when someone asks for LangChain (the four low-level tools live in
:mod:`explore.tools.langchain`).
"""
from __future__ import annotations

import json
import os
from functools import partial

from langchain_core.tools import BaseTool, StructuredTool, ToolException

from ..sandbox.errors import ExploreError
from ..tools.arguments import invalid_arguments
from .ask_input import AskRepoInput
from .explorer import Explorer


def ask_repo_tool(explorer: Explorer | str | os.PathLike[str], name: str = "ask_repo") -> BaseTool:
    """A tool that answers a question about ``explorer``'s repository with file + evidence
    (a path makes the :class:`Explorer` with its defaults, as ``repo_tools`` takes one)."""
    if isinstance(explorer, (str, os.PathLike)):
        explorer = Explorer(explorer)
    elif not isinstance(explorer, Explorer):  # it failed on the tool's description: "no attribute 'snapshot'"
        raise TypeError("ask_repo_tool takes a path (str or os.PathLike) or an Explorer, not "
                        f"{type(explorer).__name__}")

    def run(question: str) -> str:
        try:
            result = explorer.ask(question)
        except ExploreError as exc:  # text the calling model reads, in a ToolMessage of status "error"
            raise ToolException(f"{name}: {exc}") from None
        data = result.to_dict()
        return json.dumps({k: data[k] for k in ("files", "evidence", "answer", "notes")})

    return StructuredTool.from_function(
        func=run,
        name=name,
        description=(
            f"Find which file(s) of the repository {explorer.snapshot.label} answer a question; returns "
            "JSON with ranked files, the evidence lines and a short answer."
        ),
        args_schema=AskRepoInput,
        # a call without a question, or with a number for it, answers as text the calling
        # model can fix its call from, as the four low-level tools' mistyped calls do
        handle_validation_error=partial(invalid_arguments, name),
        handle_tool_error=True,
    )
