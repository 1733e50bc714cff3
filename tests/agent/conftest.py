"""Fixtures shared by the agent tests: one intra-op thread, the tiny model built once, and
the small folder `ask` is tested on with a scripted walk through it."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from explore.agent.models import TINY_RANDOM, resolve_model
from explore.agent.policy import ScriptedPolicy
from explore.sandbox.snapshot import Repository

#: The folder `ask` is tested on: the retry module answers the back-off questions, its
#: neighbour is the wrong file a walk can answer, and a docs page.
ASK_FILES = {
    "pkg/net/retry.py": "import time\n\n\ndef compute_backoff(attempt):\n    '''Back-off for upload retries.'''\n"
                        "    return min(60, 2 ** attempt)\n",
    "pkg/net/other.py": "def unrelated():\n    return 1\n",
    "pkg/__init__.py": "",
    "docs/install.md": "# Install\n\npip install pkg\n",
}


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


@pytest.fixture(name="ask_files", scope="session")
def ask_files_fixture() -> dict[str, str]:
    """:data:`ASK_FILES`, for a test that lays them out itself (in a git repository, say)."""
    return dict(ASK_FILES)


@pytest.fixture
def repo(tmp_path: Path, make_repo) -> Repository:
    """:data:`ASK_FILES` as a plain folder (a module's own ``repo`` fixture overrides it)."""
    return Repository(make_repo(tmp_path, ASK_FILES, git_init=False))


def scripted_walk(*texts: str) -> ScriptedPolicy:
    """A policy that picks, in turn, the action whose text is each of ``texts`` (``cd pkg/``,
    ``read retry.py``, ``answer pkg/net/retry.py``) and fails the test when one is not offered."""
    moves = list(texts)

    def pick(prompt: str, labels):
        want = moves.pop(0)
        for line in prompt.splitlines():
            if line.endswith(f". {want}") or f". {want}  (" in line:
                return line.split(".", 1)[0]
        raise AssertionError(f"{want!r} not offered in:\n{prompt}")

    return ScriptedPolicy(pick)


@pytest.fixture(name="script", scope="session")
def script_fixture() -> Callable[..., ScriptedPolicy]:
    """:func:`scripted_walk`."""
    return scripted_walk
