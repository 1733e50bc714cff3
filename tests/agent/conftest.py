"""Fixtures shared by the model tests: one intra-op thread, and the tiny model built once."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from explore.agent.models import TINY_RANDOM, resolve_model


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The tiny model's matrices are too small to split: a second intra-op thread only adds
    synchronisation, which made these tests ~10x slower on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache per module so the tiny model is built once and loaded (fast) per test."""
    root = tmp_path_factory.mktemp("tiny-cache")
    resolve_model(TINY_RANDOM, cache_dir=root)
    return root
