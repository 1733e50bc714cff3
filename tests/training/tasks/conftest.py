"""Tests of task generation, oracles, evaluation and their CLI: a small real project with
docs, config, data and a history of commits.

``weather_repo`` is built once per module (git commits are the slow part) and only read by
the tests. Its history is made to exercise every history filter: a real fix, a version
bump, a bot, a revert, a tests-only commit, a commit that only adds a file, and two real
changes — one touching two source files.
"""
from __future__ import annotations

from pathlib import Path

import pytest

FILES: dict[str, str] = {
    "pyproject.toml": (
        '[project]\nname = "weatherkit"\nversion = "0.3.1"\nrequires-python = ">=3.9"\n'
        'dependencies = ["requests>=2"]\n\n[project.scripts]\nweather = "weatherkit.cli:main"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    ),
    "README.md": (
        "# Weatherkit\n\nFetch forecasts from the command line and keep them around.\n\n"
        "## Installation\n\nRun pip install weatherkit inside a virtual environment.\n\n"
        "## Configuring the cache\n\nThe forecast cache lives in your home folder and expires daily.\n\n"
        "## License\n\nMIT licensed, see the LICENSE file for the full text.\n"
    ),
    "docs/guide.rst": (
        "User guide\n==========\n\nThis guide walks through the common tasks step by step.\n\n"
        "Retry policy\n------------\n\nWhen the forecast server fails, requests are retried with a growing pause.\n"
    ),
    "weatherkit/__init__.py": '"""Tools for fetching and caching weather forecasts."""\n',
    "weatherkit/fetch.py": (
        '"""Talking to the remote forecast service."""\n\nDEFAULT_TIMEOUT = 30\nMAX_RETRIES = 5\n\n\n'
        "def download_forecast(city, timeout=30, endpoint='https://forecast.invalid'):\n"
        '    """Download the forecast for a city from the remote service."""\n    return city\n\n\n'
        "def backoff_delay(attempt):\n"
        '    """Compute how long to wait before retrying a failed request."""\n    return 2 ** attempt\n'
    ),
    "weatherkit/cache.py": (
        "class ForecastCache:\n"
        '    """A small on-disk store that keeps forecasts until they expire."""\n\n'
        "    def evict_stale(self):\n"
        '        """Remove entries older than the configured lifetime."""\n        return None\n'
    ),
    "weatherkit/units.py": (
        "def celsius_to_fahrenheit(c):\n"
        '    """Convert a temperature reading between measurement scales."""\n    return c * 9 / 5 + 32\n'
    ),
    "weatherkit/cli.py": (
        "def main():\n"
        '    """Parse the command line and print the forecast table."""\n    return 0\n'
    ),
    "data/cities.csv": "city,country,latitude,longitude\nOslo,NO,59.9,10.7\nLima,PE,-12.0,-77.0\n",
    "tests/test_fetch.py": "def test_download():\n    assert True\n",
}


def _append(repo: Path, rel: str, text: str) -> None:
    with open(repo / rel, "a", encoding="utf-8") as fh:
        fh.write(text)


@pytest.fixture(scope="module")
def weather_repo(tmp_path_factory: pytest.TempPathFactory, make_repo, commit_all, git) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("weather"), FILES, message="Initial import of weatherkit")
    _append(repo, "weatherkit/fetch.py", "\n# cap the pause so it never grows without bound\nMAX_DELAY = 60\n")
    commit_all(repo, "Fix back-off delay growing without bound after many attempts\n\n"
                     "The pause doubled forever; cap it.\n\nSigned-off-by: Dev <dev@example.invalid>")
    _append(repo, "pyproject.toml", "# 0.3.2\n")
    commit_all(repo, "Bump version to 0.3.2")
    _append(repo, "weatherkit/cache.py", "# bot edit\n")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=dependabot[bot]", "-c", "user.email=bot@dependabot.invalid",
        "commit", "-q", "-m", "Update the pinned dependency versions everywhere")
    _append(repo, "weatherkit/fetch.py", "# undo\n")
    commit_all(repo, 'Revert "Fix back-off delay growing without bound"')
    _append(repo, "tests/test_fetch.py", "\ndef test_more():\n    assert 1\n")
    commit_all(repo, "Add more unit tests for the downloading code")
    _append(repo, "weatherkit/cache.py", "\n# stale entries are hidden from listings\n")
    commit_all(repo, "Keep stale forecasts out of the cache listing")
    _append(repo, "weatherkit/cli.py", "\n# align columns\n")
    _append(repo, "weatherkit/units.py", "\n# round to one decimal\n")
    commit_all(repo, "Make the table output align temperature columns")
    (repo / "weatherkit" / "humidity.py").write_text('"""Dew point calculations."""\n')
    commit_all(repo, "Add a humidity module for dew point calculations")
    return repo


@pytest.fixture(scope="module")
def weather_tasks(weather_repo: Path, tmp_path_factory: pytest.TempPathFactory):
    """Tasks generated once for the module (with a cache of its own)."""
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks import generate_report

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXPLORE_CACHE", str(tmp_path_factory.mktemp("weather-cache")))
        return generate_report(Repository(weather_repo), seed=0)
