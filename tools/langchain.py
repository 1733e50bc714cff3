"""The four tools — ``ls``, ``cd``, ``read``, ``answer`` — as LangChain tools.

This is the only module that imports ``langchain_core``. The tools are thin: each one
validates its arguments with a pydantic schema, calls the matching method of one shared
:class:`~explore.tools.workspace.Workspace`, and returns its text. Because the four share
that workspace, ``cd`` changes where later ``ls``/``read``/``answer`` calls resolve paths,
exactly as in the Gymnasium environment and ``explore walk``.

Agent mistakes never raise: a bad path, an escape attempt, a missing or mistyped argument
all come back as text the model can read and act on (``read: no such file 'x.py' in
src/``), because an agent recovers from a message, not from a stack trace. Only bugs raise.

Typical use::

    from explore.tools.langchain import repo_tools

    tools = repo_tools("path/to/repo", question="where is the retry back-off computed?")
    agent = create_agent(model, tools)       # any LangChain tool-calling agent
    ...
    tools[0].workspace.answered              # the file the agent answered with
"""
from __future__ import annotations

import os
import threading
from functools import partial
from typing import Any, ClassVar

from langchain_core.callbacks import CallbackManagerForToolRun
from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from ..question_text import check_length
from ..sandbox.errors import ExploreError
from ..sandbox.index import Index
from ..sandbox.snapshot import Repository, Snapshot, writable_cache
from .arguments import Count, invalid_arguments
from .workspace import LS_LIMIT, READ_WINDOW, Workspace

__all__ = [
    "AnswerInput", "AnswerTool", "CdInput", "CdTool", "ExploreToolkit", "LsInput", "LsTool",
    "ReadInput", "ReadTool", "make_tools", "open_workspace", "repo_tools",
]


# -- argument schemas -------------------------------------------------------------------
class _Arguments(BaseModel):
    """A tool's arguments: a misspelt one is refused, not dropped for its default."""

    model_config = ConfigDict(extra="forbid")


class LsInput(_Arguments):
    """Arguments of ``ls``."""

    path: str = Field(
        default=".",
        description="Folder to list, relative to the current folder: '.' (default) for the "
        "current folder, '..' for its parent, 'src/utils' for a subfolder.",
    )
    page: Count = Field(
        default=1,
        ge=1,
        description="Page of a long listing (60 entries a page): 1 (default), then 2, 3 … as the "
        "listing's last line says.",
    )


class CdInput(_Arguments):
    """Arguments of ``cd``."""

    path: str = Field(
        description="Folder to move into, relative to the current folder: a name from the "
        "last listing such as 'src', a deeper path such as 'src/utils', or '..' to go up.",
    )


class ReadInput(_Arguments):
    """Arguments of ``read``."""

    path: str = Field(
        description="File to read, relative to the current folder (e.g. 'retry.py' or "
        "'../docs/install.md').",
    )
    start_line: Count | None = Field(
        default=None,
        description=f"First line of the {READ_WINDOW}-line window to show (1-based). Leave it "
        "out to start where the question matches best (or at line 1); give the number from "
        "a previous '(more: read FILE from line N)' hint to page on.",
    )
    line: SkipJsonSchema[Count | None] = Field(default=None, description="The same as start_line (the MCP read "
                                             "tool's name for it): taken, not shown in the schema a model reads.")


class AnswerInput(_Arguments):
    """Arguments of ``answer``."""

    path: str = Field(
        description="The file that answers the question, relative to the current folder.",
    )


# -- the tools --------------------------------------------------------------------------
def _lock_for(workspace: Workspace) -> threading.RLock:
    """One lock per workspace, shared by every tool bound to it (agents may run tool calls
    in parallel threads; the workspace's cursor must not be updated by two at once)."""
    return workspace.__dict__.setdefault("_langchain_lock", threading.RLock())


class _WorkspaceTool(BaseTool):
    """A tool bound to one :class:`Workspace`; subclasses name the verb and the call."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    workspace: Workspace = Field(exclude=True, repr=False)
    """The snapshot and cursor this tool walks; shared with its sibling tools."""

    #: The workspace method this tool calls (also the prefix of its error messages).
    verb: ClassVar[str] = ""

    def model_post_init(self, context: Any, /) -> None:
        super().model_post_init(context)
        if "handle_validation_error" not in self.model_fields_set:  # mistyped calls answer as text
            self.handle_validation_error = partial(invalid_arguments, self.verb)

    def _call(self, *args: Any) -> str:
        method = getattr(self.workspace, self.verb)
        with _lock_for(self.workspace):
            try:
                return method(*args)
            except (ExploreError, OSError) as exc:
                # The workspace already turns refusals into text; this catches what slips
                # through (an I/O error mid-read, a file vanishing from a plain folder).
                return f"{self.verb}: {exc}"


class LsTool(_WorkspaceTool):
    """``ls``: list a folder of the repository."""

    name: str = "ls"
    verb: ClassVar[str] = "ls"
    description: str = (
        "List a folder of the repository being explored (default: the current folder). "
        "Folders come first and end with '/'; files show their size; with a question set, "
        "each entry shows 'scent N' (0-9): how strongly the question matches what lies "
        "under it. Long listings end with '… N more' and the next page number. Names with spaces "
        "or quotes are listed quoted; pass them quoted or not. Does not change the current folder."
    )
    args_schema: type[BaseModel] = LsInput

    def _run(self, path: str = ".", page: int = 1, run_manager: CallbackManagerForToolRun | None = None) -> str:
        return self._call(path, LS_LIMIT, page)


class CdTool(_WorkspaceTool):
    """``cd``: change the current folder."""

    name: str = "cd"
    verb: ClassVar[str] = "cd"
    description: str = (
        "Move into a folder of the repository being explored ('..' goes up) and list it. "
        "Later ls, read and answer calls resolve paths from the new folder. Paths cannot "
        "leave the repository; refusals and mistakes come back as a message."
    )
    args_schema: type[BaseModel] = CdInput

    def _run(self, path: str, run_manager: CallbackManagerForToolRun | None = None) -> str:
        return self._call(path)


class ReadTool(_WorkspaceTool):
    """``read``: a numbered window of a file."""

    name: str = "read"
    verb: ClassVar[str] = "read"
    description: str = (
        f"Read a file of the repository being explored: up to {READ_WINDOW} numbered lines, "
        "headed 'FILE  lines A–B of N'. Without start_line it opens where the question "
        "matches best. When more follows, the output ends with '(more: read FILE from line "
        "N)'; pass that N as start_line to continue. Binary files are described, not shown."
    )
    args_schema: type[BaseModel] = ReadInput

    def _run(
        self,
        path: str,
        start_line: int | None = None,
        line: int | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        if start_line is not None and line is not None and start_line != line:
            return f"read: start_line {start_line} and line {line} name two lines; give one"
        return self._call(path, start_line if start_line is not None else line)


class AnswerTool(_WorkspaceTool):
    """``answer``: name the file that answers the question."""

    name: str = "answer"
    verb: ClassVar[str] = "answer"
    description: str = (
        "Give the final answer: the path of the file in the repository being explored that "
        "answers the question (read it first to be sure). Replies 'answer: FILE' with the "
        "file's canonical path; call it once, when done exploring."
    )
    args_schema: type[BaseModel] = AnswerInput

    def _run(self, path: str, run_manager: CallbackManagerForToolRun | None = None) -> str:
        return self._call(path)


_TOOL_CLASSES: tuple[type[_WorkspaceTool], ...] = (LsTool, CdTool, ReadTool, AnswerTool)


# -- building them ----------------------------------------------------------------------
def make_tools(workspace: Workspace, *, prefix: str = "") -> list[BaseTool]:
    """``[ls, cd, read, answer]`` bound to one shared ``workspace``.

    ``prefix`` renames them (``prefix="repo_"`` gives ``repo_ls``...), for an agent that
    holds several repositories' tools, or other tools called ``ls``/``read``. Each
    description names the snapshot (``name@commit``) so the model knows which repo it is.
    """
    label = workspace.snapshot.label
    tools: list[BaseTool] = []
    for cls in _TOOL_CLASSES:
        default = cls.model_fields["description"].default
        tools.append(cls(
            workspace=workspace,
            name=f"{prefix}{cls.model_fields['name'].default}",
            description=f"{default} Repository: {label}.",
        ))
    return tools


def open_workspace(
    path: str | os.PathLike[str] | Any,
    rev: str | None = None,
    question: str | None = None,
    *,
    worktree: bool = False,
) -> Workspace:
    """A :class:`Workspace` on a read-only snapshot of the repository at ``path`` (or the
    snapshot of an ``Explorer`` or a :class:`Snapshot` given instead).

    ``rev`` picks a commit (default ``HEAD``); ``worktree=True`` walks uncommitted files
    instead; a plain folder is walked in place. With a ``question``, the BM25 index is
    built (or loaded from the cache) so listings show scent and ``read`` opens at the
    best-matching window. Raises :class:`~explore.sandbox.errors.RepoError` for a path or
    revision that cannot be opened — that is the caller's mistake, not the agent's — and
    :class:`~explore.question_text.QuestionTooLong` for a question the ``Explorer`` would refuse as too long.
    """
    if not isinstance(worktree, bool):  # worktree="no" read the working tree, as a non-empty string is true
        raise TypeError(f"worktree must be True or False, not {worktree!r}")
    if question is not None and not isinstance(question, str):  # it failed later, in the first listing's scent
        raise TypeError(f"the question must be given as a str, not {type(question).__name__}")
    if question is not None:  # as long a question as the Explorer takes, refused with its words
        check_length(question)
    given = getattr(path, "snapshot", path)  # an Explorer (ask_repo_tool takes one too), or a Snapshot
    if isinstance(given, Snapshot):
        if rev is not None or worktree:
            raise TypeError("rev and worktree choose what a path is read at; an Explorer or Snapshot has chosen")
        snapshot = given
    elif isinstance(path, (str, os.PathLike)):
        source = Repository(path)
        writable_cache()  # said as the CLI says it, not as a NotADirectoryError from deep in the snapshot
        snapshot = source.snapshot(rev, worktree=worktree)
    else:
        raise TypeError(f"path must be a path (str or os.PathLike), an Explorer or a Snapshot, not {type(path).__name__}")
    index = Index.build(snapshot) if question else None
    return Workspace(snapshot, index, question=question)


def repo_tools(
    path: str | os.PathLike[str] | Any,
    rev: str | None = None,
    question: str | None = None,
    *,
    worktree: bool = False,
    prefix: str = "",
) -> list[BaseTool]:
    """Open the repository at ``path`` (see :func:`open_workspace`) and return its four
    tools (see :func:`make_tools`). The shared workspace is ``tools[0].workspace``."""
    return make_tools(open_workspace(path, rev, question, worktree=worktree), prefix=prefix)


class ExploreToolkit(BaseToolkit):
    """The four tools as a LangChain toolkit over one workspace."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    workspace: Workspace
    prefix: str = ""

    @classmethod
    def from_repo(
        cls,
        path: str | os.PathLike[str],
        rev: str | None = None,
        question: str | None = None,
        *,
        worktree: bool = False,
        prefix: str = "",
    ) -> ExploreToolkit:
        """A toolkit on a fresh snapshot of ``path`` (see :func:`open_workspace`)."""
        return cls(workspace=open_workspace(path, rev, question, worktree=worktree), prefix=prefix)

    def get_tools(self) -> list[BaseTool]:
        return make_tools(self.workspace, prefix=self.prefix)
