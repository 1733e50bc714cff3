"""Task: the one record every tasks reader builds, strict about its fields."""
from __future__ import annotations

import pytest

from explore.agent.task import Task, UnknownTaskField
from explore.sandbox.errors import ExploreError


def test_round_trip() -> None:
    task = Task("a", "where?", ["pkg/a.py"], depth=1, oracle=["cd pkg/", "read a.py", "answer pkg/a.py"])
    assert Task.from_dict(task.to_dict()) == task


def test_a_misspelled_field_is_an_error_not_silently_dropped() -> None:
    with pytest.raises(UnknownTaskField, match="'orcale'") as caught:
        Task.from_dict({"id": "a", "question": "where?", "targets": ["a.py"], "orcale": ["read a.py"]})
    assert "oracle" in str(caught.value)  # the message lists the fields there are
    assert isinstance(caught.value, ExploreError) and isinstance(caught.value, ValueError)
