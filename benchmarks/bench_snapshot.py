"""Snapshot + index time and peak memory against repository size.

    .venv/bin/python benchmarks/bench_snapshot.py [--sizes 10000,100000] [--runs 3] [--real PATH]

For each repository: *cold* = empty cache (checkout of the commit + walk + BM25 build),
*warm* = the same again with the cache in place. Each measurement runs in a fresh
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
from pathlib import Path

WORDS = "client server retry backoff parse token config cache index render session stream buffer " \
        "request response handler queue worker schedule encode decode socket timeout".split()

PROBE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from explore.sandbox.snapshot import Repository
from explore.sandbox.index import Index
snap = Repository(sys.argv[1]).snapshot()
t1 = time.perf_counter()
index = Index.build(snap)
index.top("retry backoff timeout", 5)
t2 = time.perf_counter()
print(json.dumps({"files": len(snap.files), "snapshot_s": t1 - t0, "index_s": t2 - t1, "total_s": t2 - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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


def measure(repo: Path, cache: Path) -> dict:
    env = {**os.environ, "EXPLORE_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE, str(repo)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


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
            "warm_s": med(warm, "total_s"), "cold_peak_mb": med(cold, "peak_mb"), "warm_peak_mb": med(warm, "peak_mb")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--real", type=Path, default=None, help="a real repository (default: the corpus's largest eval repo)")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "explore-bench-repos")
    args = ap.parse_args()
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
    print(f"{'repo':<28} {'files':>7} {'cold s':>8} {'(index)':>8} {'warm s':>8} {'cold MB':>8} {'warm MB':>8}")
    for name, path in repos:
        r = bench(path, args.runs)
        print(f"{name:<28} {r['files']:>7} {r['cold_s']:>8.2f} {r['cold_index_s']:>8.2f} {r['warm_s']:>8.2f} "
              f"{r['cold_peak_mb']:>8.0f} {r['warm_peak_mb']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
