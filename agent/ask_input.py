"""The one argument of the whole agent as a LangChain tool or Runnable: a question.

Its own module so that :mod:`.explorer` (the Runnable) and :mod:`.langchain` (the tool)
share the schema without importing each other; pydantic is imported only by them, when
someone asks for LangChain."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict


class AskRepoInput(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt argument is refused, not dropped

    question: str = Field(description="A question about the repository, e.g. 'where is the retry back-off computed?'")


class EvidenceOut(TypedDict):
    path: str
    start_line: int
    end_line: int
    text: str


class StepOut(TypedDict):
    action: str
    reflection: str
    observation: str
    seconds: float
    probs: list[float]


class AskRepoOutput(TypedDict):
    """What the Runnable returns (:meth:`~explore.agent.explorer.Answer.to_dict`): its output
    schema, for chains and LangServe that read one (it was an untyped object)."""

    question: str
    files: list[str]
    """The files that hold the answer, best first ([] when none matches: ``notes`` says why)."""
    evidence: list[EvidenceOut]
    answer: str
    steps: list[StepOut]
    seconds: float
    model: str
    adapters: dict[str, str]
    notes: list[str]
    finished: bool
    weighed: dict[str, Any]
    combiner: str
    answered: bool
    fitted: bool
