"""The one argument of the whole agent as a LangChain tool or Runnable: a question.

Its own module so that :mod:`.explorer` (the Runnable) and :mod:`.langchain` (the tool)
share the schema without importing each other; pydantic is imported only by them, when
someone asks for LangChain."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AskRepoInput(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt argument is refused, not dropped

    question: str = Field(description="A question about the repository, e.g. 'where is the retry back-off computed?'")
