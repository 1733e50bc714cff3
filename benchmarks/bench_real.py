"""The real-question benchmark: commit messages of the evaluation projects' own history.

Each project of ``benchmarks/history.toml`` is a git clone pinned at a commit. Its newest
``--per-repo`` qualifying commits before that pin (see explore.training.tasks.history)
become questions posed on their parent commits, answered by the non-test source files the
commit changed. Every policy answers the same questions:

* ``bm25`` — the project's BM25 over every file (path + text);
* ``bm25-code`` — the same BM25 over source-code files only (the plain script people write);
* ``features`` — BM25's top 5 reordered by the navigator's features, by hand;
* ``retrieve`` — the candidate stage (explore.retrieval: file, unit, symbol and path evidence fused);
* ``navigator`` — the shipped agent exactly as `explore ask` runs it (or ``--adapter DIR``).

    python benchmarks/bench_real.py --clone                 # clone the pinned repositories (network)
    python benchmarks/bench_real.py --per-repo 40 --json runs/real.json
    python benchmarks/bench_real.py --split train --policies bm25,retrieve   # tune here, not on eval
    python benchmarks/bench_real.py --text changelog    # ask with the release note the commit added
    python benchmarks/bench_real.py --text report       # the message plus the test it added, as a bug report
    python benchmarks/bench_real.py --text issue        # the GitHub issue the commit closed

``--text changelog`` asks each commit that also added a release note (CHANGES.rst,
CHANGELOG.md, towncrier fragments …; at most six lines: more is a release compiled, not one
change) with that note instead of its message: text written for users, closer to a bug
report than a commit subject is.

``--text report`` asks each commit that also added test lines with its message followed by
those lines as a fenced code block ("To reproduce:"), the shape of a bug report with a
reproducer: the names a user's snippet calls, among the test's own helpers and fixtures.

``--text issue`` asks each commit that closed a GitHub issue (``benchmarks/issues.toml``)
with the issue's title and first post: a real bug report, written before anyone knew
where the bug lay (``benchmarks/issues.py fetch`` brings the texts; a network is needed).

Printed: pooled acc@1/5/10 and seconds per question for every policy, then acc@1 per repository.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_POLICIES = "bm25,bm25-code,features,retrieve,navigator"


def load_recipe(split: str) -> list[dict]:
    data = tomllib.loads((HERE / "history.toml").read_text())
    return [r for r in data["repo"] if split in ("all", r["split"])]


def clone(entry: dict, folder: Path) -> None:
    if not (folder / ".git").exists():
        subprocess.run(["git", "clone", "-q", entry["url"], str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "cat-file", "-e", entry["commit"] + "^{commit}"], check=True)


def questions(entry: dict, folder: Path, per_repo: int):
    """The newest ``per_repo`` history questions before the pinned commit (newest first)."""
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.history import newest_questions

    repo = Repository(folder)
    tasks, scan = newest_questions(repo, per_repo, entry["commit"])
    for t in tasks:
        t.meta["repo"] = entry["name"]
    return repo, tasks, scan


#: Files that hold release notes: CHANGES.rst, CHANGELOG.md, HISTORY.txt, NEWS, towncrier
#: fragments (changelog.d/, newsfragments/, changes/), networkx's doc/release/.
CHANGELOG = re.compile(r"(^|/)(CHANGES|CHANGELOG|HISTORY|NEWS|RELEASE[-_]?NOTES)(\.[A-Za-z]+)?$|"
                       r"(^|/)(changelog\.d|newsfragments|changes|release)/[^/]+$", re.I)
_MARKUP = re.compile(r"\{(?:issue|pr|user|gh)\}`?[\w-]+`?|\{[a-z]+\}|"  # MyST roles: {issue}2869, {func}edit
                     r":[a-z]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`|``([^`]*)``|`([^`]*)`_?|\[#?\d+\]|#\d+|"
                     r"https?://\S+|\b(?:gh|pr|issue)-?\d+\b", re.I)
#: A commit adding more release-note lines than this compiles a release, not one change.
MAX_NOTE_LINES = 6


def changelog_entry(folder: Path, commit: str) -> str:
    """The release-note lines ``commit`` added (its changelog's ``+`` lines), markup and
    issue numbers stripped: how its authors told users what changed, or ""."""
    diff = subprocess.run(["git", "-C", str(folder), "show", "--format=", "--no-renames", "-U0", commit],
                          capture_output=True, text=True, errors="replace").stdout
    added, keep = [], False
    for line in diff.splitlines():
        if line.startswith("+++ "):
            keep = bool(CHANGELOG.search(line[6:] if line.startswith("+++ b/") else ""))
        elif keep and line.startswith("+") and not line.startswith("+++"):
            text = _MARKUP.sub(lambda m: next((g for g in m.groups() if g), ""), line[1:]).strip(" -*\t")
            if len(text.split()) >= 3 and not set(text) <= set("=-~^*#"):
                added.append(text)
    return " ".join(added)[:600] if len(added) <= MAX_NOTE_LINES else ""


def changelog_questions(entry: dict, folder: Path, per_repo: int):
    """The newest ``per_repo`` history questions whose commit also added a release note,
    asked with that note instead of the commit message."""
    repo, tasks, scan = questions(entry, folder, 0)
    out = []
    for task in tasks:  # newest first
        note = changelog_entry(folder, task.meta["commit"])
        if note:
            task.meta["message"], task.question = task.question, note
            out.append(task)
            if len(out) == per_repo:
                break
    return repo, out, scan


#: Test lines a report quotes at most: a reproducer is a few lines, not a test module.
MAX_REPRO_LINES = 25


def added_test_lines(folder: Path, commit: str) -> list[str]:
    """The lines ``commit`` added to test files (as ``file_kind`` tells them), dedented, at
    most :data:`MAX_REPRO_LINES`, blank and comment-only lines dropped."""
    import textwrap

    from explore.sandbox.outline import file_kind

    diff = subprocess.run(["git", "-C", str(folder), "show", "--format=", "--no-renames", "-U0", commit],
                          capture_output=True, text=True, errors="replace").stdout
    added, keep = [], False
    for line in diff.splitlines():
        if line.startswith("+++ "):
            keep = line.startswith("+++ b/") and file_kind(line[6:]) == "test"
        elif keep and line.startswith("+") and not line.startswith("+++"):
            if line[1:].strip() and not line[1:].lstrip().startswith(("#", "//")):
                added.append(line[1:].rstrip())
        if len(added) >= MAX_REPRO_LINES:
            break
    return textwrap.dedent("\n".join(added)).splitlines() if len(added) >= 2 else []


def report_questions(entry: dict, folder: Path, per_repo: int):
    """The newest ``per_repo`` history questions whose commit also added test lines, asked
    as a bug report: the message, then the test lines as the reproducer."""
    repo, tasks, scan = questions(entry, folder, 0)
    out = []
    for task in tasks:  # newest first
        lines = added_test_lines(folder, task.meta["commit"])
        if lines:
            task.meta["message"] = task.question
            task.question = task.question + "\n\nTo reproduce:\n\n```\n" + "\n".join(lines) + "\n```\n"
            out.append(task)
            if len(out) == per_repo:
                break
    return repo, out, scan


#: A first post is asked up to this many characters: the texts measured here came from a
#: stored copy that cut each post near this length, and a post fetched whole is cut alike.
MAX_ISSUE_BODY = 1400


def issue_questions(entry: dict, folder: Path, per_repo: int):
    """The newest ``per_repo`` commits that closed a GitHub issue (``benchmarks/issues.toml``),
    asked with the issue's title and first post as its reporter wrote them
    (``benchmarks/issues.py`` says where the texts come from)."""
    from issues import issue_text, load_recipe

    repo, tasks, scan = questions(entry, folder, 0)
    by_commit = {t.meta["commit"]: t for t in tasks}
    out = []
    for row in load_recipe():
        if row["repo"] != entry["name"] or row["commit"] not in by_commit:
            continue
        text = issue_text(entry["name"], row["issue"])
        if text is None:
            raise SystemExit(f"{entry['name']} #{row['issue']}: no issue text in corpus/issues/ "
                             "(run `python benchmarks/issues.py fetch`)")
        task = by_commit[row["commit"]]
        task.meta["message"], task.meta["issue"] = task.question, row["issue"]
        body = text["body"].strip()[:MAX_ISSUE_BODY]
        task.question = (text["title"].strip() + "\n\n" + body).strip()
        out.append(task)
    out.sort(key=lambda t: -t.meta["seq"])
    return repo, out[:per_repo] if per_repo else out, scan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git",
                        help="folder holding one clone per project, named as in history.toml")
    parser.add_argument("--split", choices=("eval", "train", "lang", "adapt", "all"), default="eval")
    parser.add_argument("--only", default=None, help="only these projects, comma-separated")
    parser.add_argument("--per-repo", type=int, default=40, help="newest qualifying commits per project (0 = all)")
    parser.add_argument("--policies", default=DEFAULT_POLICIES)
    parser.add_argument("--adapter", type=Path, default=None, help="navigator adapters instead of the shipped ones")
    parser.add_argument("--clone", action="store_true", help="git clone the pinned repositories that are missing")
    parser.add_argument("--json", type=Path, default=None, help="write every number (and per-question rows) here")
    parser.add_argument("--text", choices=("message", "changelog", "report", "issue"), default="message",
                        help="ask with the commit message, or with the release note the commit added "
                             "(commits without one left out), or as a bug report: the message and the "
                             "test lines the commit added (commits adding none left out), or with the GitHub "
                             "issue the commit closed (benchmarks/issues.toml)")
    args = parser.parse_args(argv)

    from explore.agent.env import navigator_config
    from explore.training.evaluate import NavigatorPolicy, evaluate, make_policy

    console = Console()
    entries = load_recipe(args.split)
    if args.only:
        wanted = set(args.only.split(","))
        entries = [e for e in entries if e["name"] in wanted]
    names = [p.strip() for p in args.policies.split(",") if p.strip()]
    sets = []
    for entry in entries:
        folder = args.repos_dir / entry["name"]
        if args.clone:
            clone(entry, folder)
        if not (folder / ".git").exists():
            console.print(f"[red]missing clone[/] {folder}: run with --clone (or `git clone {entry['url']} {folder}`)")
            return 2
        start = time.perf_counter()
        ask = {"changelog": changelog_questions, "report": report_questions, "issue": issue_questions}.get(args.text, questions)
        repo, tasks, scan = ask(entry, folder, args.per_repo)
        console.print(f"{entry['name']}: {len(tasks)} questions ({args.text}); {scan.describe()} "
                      f"[dim]({time.perf_counter() - start:.1f} s)[/]")
        if tasks:  # docutils closes no GitHub issue: no issue questions
            sets.append((entry, repo, tasks))

    config = navigator_config(offer="bm25")  # the scoring environment (the navigator reads its own env.json)
    reports: dict[str, dict[str, object]] = {}
    rows: list[dict] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    for name in names:
        if name.startswith("navigator"):  # navigator, or navigator:bm25 / navigator:retrieve (its offer)
            adapters = None if args.adapter is None else {
                k: str(args.adapter / k) for k in ("policy", "reflector") if (args.adapter / k).is_dir()}
            policy = NavigatorPolicy(adapters, offer=name.partition(":")[2] or None)
            policy.name = name
        else:
            policy = make_policy(name)
        per_repo = {}
        results = []
        with Progress(*columns, console=console, transient=True) as bar:
            for entry, repo, tasks in sets:
                job = bar.add_task(f"{name} on {entry['name']}", total=len(tasks))
                report = evaluate(repo, tasks, policy, config, progress=lambda d, t, j=job: bar.update(j, completed=d))
                per_repo[entry["name"]] = report.summary()
                results += report.results
                for task, r in zip(tasks, report.results, strict=True):
                    rows.append({"policy": name, "repo": entry["name"], "id": task.id, "commit": task.meta["commit"],
                                 "question": task.question,
                                 "first_hit": r.first_hit, "ranked": r.ranked[:10], "targets": task.targets,
                                 "seconds": round(r.seconds, 3), **({"weighed": r.weighed} if r.weighed else {})})
        from explore.training.evaluate import EvalReport

        pooled = EvalReport(name, policy.ranks, results).summary()
        reports[name] = {"pooled": pooled, "per_repo": per_repo}
        console.print(f"{name}: acc@1 {pooled.get('acc@1', pooled['success']):.3f}  "
                      f"acc@5 {pooled.get('acc@5', float('nan')):.3f}  acc@10 {pooled.get('acc@10', float('nan')):.3f}  "
                      f"p50 {pooled['p50_seconds']:.2f} s")

    asked = {"message": "commit messages", "changelog": "release notes", "report": "report-shaped commit messages",
             "issue": "GitHub issues"}[args.text]
    table = Table(title=f"real questions ({args.split}): {sum(len(t) for _, _, t in sets)} {asked}",
                  title_justify="left")
    for col in ("policy", "acc@1", "acc@5", "acc@10", "s/q p50", "s/q p90"):
        table.add_column(col, justify="right" if col != "policy" else "left")
    for name, rep in reports.items():
        p = rep["pooled"]
        table.add_row(name, *(f"{p.get(k, float('nan')):.3f}" for k in ("acc@1", "acc@5", "acc@10")),
                      f"{p['p50_seconds']:.2f}", f"{p['p90_seconds']:.2f}")
    console.print(table)
    by_repo = Table(title="acc@1 by repository", title_justify="left")
    by_repo.add_column("repo")
    by_repo.add_column("n", justify="right")
    for name in reports:
        by_repo.add_column(name, justify="right")
    for entry, _, tasks in sets:
        by_repo.add_row(entry["name"], str(len(tasks)),
                        *(f"{reports[n]['per_repo'][entry['name']].get('acc@1', 0):.3f}" for n in reports))
    console.print(by_repo)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"split": args.split, "text": args.text, "per_repo": args.per_repo,
                                         "reports": reports, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
