"""Real bug reports: GitHub issues and the commits that closed them.

A commit whose message says ``Fixes #123`` / ``Closes #123`` answers issue 123 with the
files it changed, and the issue's title and first post are what its reporter wrote before
anyone knew where the bug lay — the question as users ask it. ``benchmarks/issues.toml``
names each pair by repository, issue number and commit (no issue text is committed); the
text lives in ``corpus/issues/<name>/<number>.json`` (git-ignored)::

    python benchmarks/issues.py candidates --split eval   # commits closing an issue, newest first
    python benchmarks/issues.py fetch                     # issue texts from the GitHub API (network)
    python benchmarks/bench_real.py --text issue          # score them

``candidates`` writes ``corpus/issues/<name>.candidates.jsonl``: the newest qualifying
history questions (``training.tasks.history``: non-test source files changed, not a broad
commit) whose full message closes an issue of the same repository. ``fetch`` reads the
recipe and stores ``{"number", "url", "title", "body"}`` per issue (the first post only:
the comments that follow name the fix); an issue the API reports as a pull request is
skipped and said.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

ISSUES_DIR = ROOT / "corpus" / "issues"
RECIPE = HERE / "issues.toml"
_CLOSES = re.compile(r"\b(?:fix|fixes|fixed|close|closes|closed|resolve|resolves|resolved)\b[:\s]+"
                     r"(?:(?P<url>https://github\.com/(?P<slug>[\w.-]+/[\w.-]+)/issues/)|#)(?P<n>\d+)", re.I)


def slug_of(url: str) -> str:
    return url.removeprefix("https://github.com/").removesuffix(".git").strip("/")


def closed_issue(message: str, slug: str) -> int | None:
    """The first issue of ``slug`` that ``message`` says it closes, or None."""
    for m in _CLOSES.finditer(message):
        if m.group("slug") in (None, slug):
            return int(m.group("n"))
    return None


def full_message(folder: Path, commit: str) -> str:
    return subprocess.run(["git", "-C", str(folder), "show", "-s", "--format=%B", commit],
                          capture_output=True, text=True, errors="replace").stdout


def candidates(entry: dict, folder: Path, limit: int) -> list[dict]:
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import newest_questions

    tasks, _ = newest_questions(Repository(folder), 0, entry["commit"])
    out, seen = [], set()
    slug = slug_of(entry["url"])
    for task in tasks:  # newest first
        number = closed_issue(full_message(folder, task.meta["commit"]), slug)
        if number is None or number in seen:
            continue
        seen.add(number)
        out.append({"repo": entry["name"], "issue": number, "commit": task.meta["commit"],
                    "subject": task.question.splitlines()[0][:200], "targets": task.targets,
                    "url": f"https://github.com/{slug}/issues/{number}"})
        if len(out) == limit:
            break
    return out


def load_recipe() -> list[dict]:
    return tomllib.loads(RECIPE.read_text())["issue"] if RECIPE.exists() else []


def issue_text(name: str, number: int) -> dict | None:
    path = ISSUES_DIR / name / f"{number}.json"
    return json.loads(path.read_text()) if path.exists() else None


def fetch(entries: list[dict], urls: dict[str, str]) -> int:
    token = os.environ.get("GITHUB_TOKEN")
    missing = 0
    for e in entries:
        path = ISSUES_DIR / e["repo"] / f"{e['issue']}.json"
        if path.exists():
            continue
        slug = slug_of(urls[e["repo"]])
        req = urllib.request.Request(f"https://api.github.com/repos/{slug}/issues/{e['issue']}",
                                     headers={"Accept": "application/vnd.github+json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                data = json.load(r)
        except OSError as err:
            print(f"{e['repo']} #{e['issue']}: {err}", file=sys.stderr)
            missing += 1
            continue
        if "pull_request" in data:
            print(f"{e['repo']} #{e['issue']}: a pull request, skipped", file=sys.stderr)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"number": e["issue"], "url": data["html_url"], "title": data["title"],
                                    "body": data.get("body") or ""}, indent=1))
    return missing


def write_recipe(history: list[dict]) -> int:
    """issues.toml: every candidate whose issue text is held and has a first post (an issue
    with a title alone is no bug report), grouped by project, newest first."""
    lines = [RECIPE_HEADER]
    for entry in history:
        path = ISSUES_DIR / f"{entry['name']}.candidates.jsonl"
        if not path.exists():
            continue
        kept = 0
        for row in map(json.loads, path.read_text().splitlines()):
            text = issue_text(entry["name"], row["issue"])
            if text and text["body"].strip():
                lines.append(f'[[issue]]\nrepo = "{row["repo"]}"\nissue = {row["issue"]}\ncommit = "{row["commit"]}"\n')
                kept += 1
        print(f"{entry['name']}: {kept} issues")
    RECIPE.write_text("\n".join(lines))
    return 0


RECIPE_HEADER = """\
# Real bug reports: GitHub issues of the projects in history.toml and the commits that
# closed them (`Fixes #N` / `Closes #N` in the commit message; the commit must qualify as a
# history question: non-test source files changed, not a broad commit). The question is
# the issue's title and first post; the answer, the source files the commit changed, posed
# on its parent. No issue text is committed: `python benchmarks/issues.py fetch` brings
# them from the GitHub API into corpus/issues/ (git-ignored), `python
# benchmarks/bench_real.py --text issue` scores them. Issues with an empty first post are
# left out. Projects without GitHub issues (docutils: SourceForge) have none here.
# The split is history.toml's: the evaluation projects' issues are the benchmark (never
# trained or tuned on); the training projects' may be learnt from
# (`benchmarks/train_combiner.py --text message,report,issue`).
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("candidates", help="commits that close an issue, newest first")
    c.add_argument("--split", default="eval")
    c.add_argument("--only", default=None)
    c.add_argument("--limit", type=int, default=60, help="candidates per project")
    c.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    sub.add_parser("fetch", help="issue texts named by the recipe, from the GitHub API")
    sub.add_parser("recipe", help="write issues.toml from the candidates whose texts corpus/issues/ holds")
    args = parser.parse_args(argv)

    history = tomllib.loads((HERE / "history.toml").read_text())["repo"]
    if args.cmd == "fetch":
        missing = fetch(load_recipe(), {r["name"]: r["url"] for r in history})
        return 1 if missing else 0
    if args.cmd == "recipe":
        return write_recipe(history)
    ISSUES_DIR.mkdir(parents=True, exist_ok=True)
    for entry in history:
        if args.split not in ("all", entry["split"]) or (args.only and entry["name"] not in args.only.split(",")):
            continue
        found = candidates(entry, args.repos_dir / entry["name"], args.limit)
        path = ISSUES_DIR / f"{entry['name']}.candidates.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in found))
        print(f"{entry['name']}: {len(found)} candidates -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
