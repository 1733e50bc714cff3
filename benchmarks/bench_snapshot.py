"""Snapshot + index time and peak memory against repository size; with ``--history``, the
cache a history task run leaves, kept to the most recently used snapshots against all.

    .venv/bin/python benchmarks/bench_snapshot.py [--sizes 10000,100000] [--runs 3] [--real PATH]
    .venv/bin/python benchmarks/bench_snapshot.py --history /work/repos/click --rev 2c8cd3ac95 [--max-commits N]
    .venv/bin/python benchmarks/bench_snapshot.py --after-commit /work/repos/twisted [--runs 3]

``--history`` runs ``explore tasks REPO --sources history --rev REV`` twice in one run, each
into an empty cache: *all* keeps every snapshot tree (``EXPLORE_KEEP_SNAPSHOTS=0``, the
cache before trees were pruned) and *kept* the default (the most recently used
:data:`~explore.sandbox.checkout.MAX_CACHED_SNAPSHOTS`, blobs no kept tree links removed).
It prints the cache's disk use per kind (blocks, a hard-linked file counted once, as
``du`` does) against the repository's ``.git``, the wall time, the tasks written, and the
load average before and after (``--kept-first`` swaps the order, to see the load's share).

For each repository: *cold* = empty cache (checkout of the commit + walk + BM25 build),
*warm* = the same again with the cache in place; then, in the same process, the candidate
stage's first question (code units parsed or loaded, symbols, the history read: *stage*)
and a second question (*query*; the first names code, so the symbol table is built in
*stage*), beside the BM25 index they build on. Each measurement runs in a fresh
process, so peak RSS is that of one `explore` invocation. Prints medians of --runs.
Synthetic repos are git repositories of small Python-like files, 20 per folder,
four levels deep; the real repo defaults to the largest eval repo of the corpus
(benchmarks/corpus.py) when it is there.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = "client server retry backoff parse token config cache index render session stream buffer " \
        "request response handler queue worker schedule encode decode socket timeout".split()

PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from explore.sandbox.snapshot import Repository
from explore.sandbox.index import Index
snap = Repository(sys.argv[1]).snapshot(sys.argv[2] if len(sys.argv) > 2 else None)
t1 = time.perf_counter()
index = Index.build(snap)
index.top("retry backoff timeout", 5)
t2 = time.perf_counter()
peak_index = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from explore.retrieval.retriever import retriever_for
stage = retriever_for(index)
stage.rank("the retry backoff ignores `timeout`", 10)  # code units (parsed or loaded), the symbol table, history read
t3 = time.perf_counter()
stage.rank("`decode_buffer` fails when the stream is empty", 10)
t4 = time.perf_counter()
print(json.dumps({"files": len(snap.files), "snapshot_s": t1 - t0, "index_s": t2 - t1, "total_s": t2 - t0,
                  "peak_mb": peak_index, "stage_s": t3 - t2, "query_s": t4 - t3,
                  "stage_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_synthetic(root: Path, n_files: int, seed: int = 0) -> Path:
    """A git repo of ``n_files`` small files (cached under root between runs)."""
    repo = root / f"synthetic-{n_files}"
    if (repo / ".git").is_dir():
        return repo
    rng = random.Random(seed)
    for i in range(n_files):
        a, b, c = i % 20, (i // 20) % 20, (i // 400) % 20
        folder = repo / f"pkg{c}" / f"mod{b}" / (f"sub{(i // 8000)}" if n_files > 8000 else "")
        folder.mkdir(parents=True, exist_ok=True)
        body = "\n".join(
            f"def {rng.choice(WORDS)}_{rng.choice(WORDS)}_{j}(x):\n    return x  # {' '.join(rng.choices(WORDS, k=6))}"
            for j in range(6)
        )
        (folder / f"{rng.choice(WORDS)}_{a}_{i}.py").write_text(body + "\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b",
           "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "synthetic"], cwd=repo, check=True, env=env)
    return repo


def measure(repo: Path, cache: Path, rev: str | None = None) -> dict:
    env = {**os.environ, "EXPLORE_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE, str(repo)] + ([rev] if rev else []), env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def commits_changing(repo: Path, low: int, high: int, n: int) -> list[str]:
    """The newest ``n`` first-parent commits of ``repo`` that change ``low``..``high`` files."""
    log = subprocess.run(["git", "-C", str(repo), "log", "--first-parent", "--no-merges", "--format=@%H",
                          "--name-only", "-n", "2000", "HEAD"], capture_output=True, text=True, check=True).stdout
    found = []
    for block in log.split("@")[1:]:
        sha, *names = [line for line in block.splitlines() if line.strip()]
        if low <= len(names) <= high:
            found.append(sha)
            if len(found) == n:
                break
    return found


def bench_after_commit(repo: Path, n: int) -> None:
    """The parent of a ~10-file commit built in one process, then the commit in a fresh one
    (what `explore search` pays after `git pull`), each into its own empty cache."""
    print(f"{repo.name}: {n} commits changing 9-11 files; the parent built first, then the commit in a fresh process")
    print(f"{'commit':<12} {'parent s':>9} | {'snapshot s':>10} {'BM25 s':>7} {'stage s':>8} {'total s':>8} {'peak MB':>8}")
    rows = []
    for sha in commits_changing(repo, 9, 11, n):
        cache = Path(tempfile.mkdtemp(prefix="explore-bench-"))
        try:
            parent = measure(repo, cache, sha + "^")
            child = measure(repo, cache, sha)
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(cache)], check=False)
            shutil.rmtree(cache, ignore_errors=True)
        total = child["total_s"] + child["stage_s"]
        rows.append({**child, "all_s": total})
        print(f"{sha[:10]:<12} {parent['total_s'] + parent['stage_s']:>9.2f} | {child['snapshot_s']:>10.2f} "
              f"{child['index_s']:>7.2f} {child['stage_s']:>8.2f} {total:>8.2f} {child['stage_peak_mb']:>8.0f}", flush=True)
    med = lambda k: statistics.median(r[k] for r in rows)  # noqa: E731
    print(f"{'median':<12} {'':>9} | {med('snapshot_s'):>10.2f} {med('index_s'):>7.2f} {med('stage_s'):>8.2f} "
          f"{med('all_s'):>8.2f} {med('stage_peak_mb'):>8.0f}")


def bench(repo: Path, runs: int) -> dict:
    cold, warm = [], []
    for _ in range(runs):
        cache = Path(tempfile.mkdtemp(prefix="explore-bench-"))
        try:
            cold.append(measure(repo, cache))
            warm.append(measure(repo, cache))
        finally:
            subprocess.run(["chmod", "-R", "u+w", str(cache)], check=False)
            shutil.rmtree(cache, ignore_errors=True)
    med = lambda rows, k: statistics.median(r[k] for r in rows)  # noqa: E731
    return {"files": cold[0]["files"], "cold_s": med(cold, "total_s"), "cold_index_s": med(cold, "index_s"),
            "warm_s": med(warm, "total_s"), "cold_peak_mb": med(cold, "peak_mb"), "warm_peak_mb": med(warm, "peak_mb"),
            "cold_stage_s": med(cold, "stage_s"), "warm_stage_s": med(warm, "stage_s"),
            "query_ms": 1000 * med(cold + warm, "query_s"), "stage_peak_mb": med(cold, "stage_peak_mb")}


def disk_use(path: Path) -> dict[str, int]:
    """Bytes on disk under ``path`` per top-level folder, as ``du`` counts them (blocks,
    each hard-linked file once)."""
    seen: set[tuple[int, int]] = set()
    kinds: dict[str, int] = {}
    for child in sorted(path.iterdir()) if path.is_dir() else []:
        total = 0
        for root, dirs, files in os.walk(child):
            for name in dirs + files:
                st = os.lstat(os.path.join(root, name))
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
        kinds[child.name] = total + os.lstat(child).st_blocks * 512
    return kinds


def history_run(repo: Path, rev: str, keep: str, max_commits: int | None) -> dict:
    """One ``explore tasks --sources history`` into an empty cache; its wall time and cache."""
    work = Path(tempfile.mkdtemp(prefix="explore-bench-history-"))
    env = {**os.environ, "EXPLORE_CACHE": str(work / "cache")}
    env.pop("EXPLORE_KEEP_SNAPSHOTS", None)
    if keep:
        env["EXPLORE_KEEP_SNAPSHOTS"] = keep
    explore = Path(sys.executable).with_name("explore")
    cmd = [str(explore), "tasks", str(repo), "--sources", "history", "-o", str(work / "h.jsonl"), "--rev", rev]
    if max_commits is not None:
        cmd += ["--max-commits", str(max_commits)]
    try:
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        wall = time.perf_counter() - start
        tasks = sum(1 for _ in (work / "h.jsonl").open())
        return {"wall_s": wall, "tasks": tasks, "disk": disk_use(work / "cache")}
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(work)], check=False)
        shutil.rmtree(work, ignore_errors=True)


def bench_history(repo: Path, rev: str, max_commits: int | None, kept_first: bool = False) -> None:
    git_mb = sum(disk_use(repo / ".git").values()) / 1e6
    load = os.getloadavg()
    print(f"{repo.name} @ {rev[:10]}: .git {git_mb:.1f} MB; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} CPUs", flush=True)
    rows = []
    order = [("all trees", "0"), ("kept (default)", "")]
    for label, keep in reversed(order) if kept_first else order:
        r = history_run(repo, rev, keep, max_commits)
        rows.append((label, r))
        d = r["disk"]
        total = sum(d.values()) / 1e6
        parts = "  ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(d.items()))
        print(f"{label:<15} {r['tasks']:>5} tasks {r['wall_s']:>7.1f} s  cache {total:>6.1f} MB "
              f"({total / git_mb:.2f}x .git)  [{parts}]", flush=True)
    (_, before), (_, after) = sorted(rows, key=lambda row: row[0] != "all trees")
    load = os.getloadavg()
    print(f"kept/all: wall {after['wall_s'] / before['wall_s']:.2f}x, cache "
          f"{sum(after['disk'].values()) / sum(before['disk'].values()):.2f}x; "
          f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--real", type=Path, default=None, help="a real repository (default: the corpus's largest eval repo)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "explore-bench-repos")
    ap.add_argument("--history", type=Path, default=None, help="a git repository: measure a history task run's cache")
    ap.add_argument("--rev", default="HEAD", help="with --history: the commit tasks are made at")
    ap.add_argument("--max-commits", type=int, default=None, help="with --history: scan only the newest N commits")
    ap.add_argument("--kept-first", action="store_true", help="with --history: run the pruned cache first (a load that falls "
                    "during the run favours the second)")
    ap.add_argument("--after-commit", type=Path, default=None, metavar="REPO",
                    help="a git repository: re-indexing a ~10-file commit in a fresh process, its parent cached")
    args = ap.parse_args()
    if args.after_commit is not None:
        bench_after_commit(args.after_commit, args.runs)
        return
    if args.history is not None:
        bench_history(args.history, args.rev, args.max_commits, args.kept_first)
        return
    repos: list[tuple[str, Path]] = []
    real = args.real
    if real is None:
        corpus = Path(__file__).resolve().parent.parent / "corpus"
        candidates = [p for p in corpus.glob("*") if (p / ".git").is_dir()] if corpus.is_dir() else []
        if candidates:
            real = max(candidates, key=lambda p: sum(1 for _ in p.rglob("*")))
    if real is not None:
        repos.append((real.name, real))
    for n in (int(s) for s in args.sizes.split(",") if s):
        repos.append((f"synthetic {n:,}", make_synthetic(args.work, n)))
    print(f"{'repo':<28} {'files':>7} {'cold s':>8} {'(index)':>8} {'warm s':>8} {'cold MB':>8} {'warm MB':>8}"
          f" | {'stage cold s':>12} {'warm s':>7} {'query ms':>9} {'peak MB':>8}")
    for name, path in repos:
        r = bench(path, args.runs)
        print(f"{name:<28} {r['files']:>7} {r['cold_s']:>8.2f} {r['cold_index_s']:>8.2f} {r['warm_s']:>8.2f} "
              f"{r['cold_peak_mb']:>8.0f} {r['warm_peak_mb']:>8.0f} | {r['cold_stage_s']:>12.2f} "
              f"{r['warm_stage_s']:>7.2f} {r['query_ms']:>9.0f} {r['stage_peak_mb']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
