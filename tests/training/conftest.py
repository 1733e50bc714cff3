"""Fixtures for the training tests: a small synthetic repository, its tasks, one torch thread.

Tiny models run fastest on one thread, and the CI machine's two cores are shared: more
threads only add contention (measured: a 64-wide linear layer is ~10x slower with two
threads on a busy machine).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from explore.agent.task import Task

FILES = {
    "pkg/net/retry.py": "def compute_backoff(attempt):\n    '''Exponential delay before the next upload attempt.'''\n"
                        "    return 0.5 * 2 ** attempt\n",
    "pkg/net/http.py": "def send(request):\n    '''Send an HTTP request over the socket.'''\n",
    "pkg/store/cache.py": "class LRUCache:\n    '''Least recently used cache of parsed pages.'''\n",
    "pkg/store/disk.py": "def write_atomically(path, data):\n    '''Write bytes through a temporary file.'''\n",
    "pkg/__init__.py": "",
    "docs/install.md": "# Install\n\nRun pip install demo to install it.\n",
    "docs/usage.md": "# Usage\n\nCall demo.run with a config.\n",
    "README.md": "# Demo\n\nA demo project.\n",
    "setup.py": "from setuptools import setup\nsetup(name='demo')\n",
}

TASKS = [
    Task("delay", "where is the delay between upload attempts computed?", ["pkg/net/retry.py"], depth=2),
    Task("pages", "which structure keeps recently parsed pages around?", ["pkg/store/cache.py"], depth=2),
    Task("install", "how do I install it?", ["docs/install.md"], depth=1),
    Task("temp", "how are bytes written through a temporary file?", ["pkg/store/disk.py"], depth=2),
]


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def small_repo(tmp_path: Path, make_repo) -> Path:
    return make_repo(tmp_path, FILES)


@pytest.fixture
def tasks() -> list[Task]:
    return [Task(**t.to_dict()) for t in TASKS]
