"""How long a question takes: cold command, warm Python API, warm MCP server; in one run.

    .venv/bin/python benchmarks/bench_latency.py [--repo /work/repos/twisted] [--questions 20]
        [--cold-runs 3] [--more-repos /work/repos/click /work/repos/attrs] [--baseline] [--settle S]
        [--handoff N] [--skip cold|api|server|handoff ...] [--walk auto,always] [--json FILE]

On one repository (default: twisted, ~1,400 files, a local git clone), with the shipped
navigator and the default model:

* **cold** — ``explore ask REPO QUESTION`` as a fresh process, wall time, median of
  ``--cold-runs`` (one unmeasured run first builds the snapshot and index for the commit,
  which is paid once per commit, not per question); with ``--baseline`` also under
  ``EXPLORE_RUNTIME=transformers`` (the transformers + peft path);
* **api** — one :class:`~explore.agent.explorer.Explorer`, ``--questions`` questions (the
  repository's own latest commit subjects: real text, pinned by its HEAD), p50/p90 of
  ``ask``, the median time of one decision and the tokens it runs;
* **baseline** (``--baseline``) — the same prompts, recorded from the api run, decided by
  the transformers + peft policy: its decision time, and the largest difference in any
  action's probability between the two paths (the fast path's tolerance on real prompts);
* **server** — ``explore serve REPO`` over stdio with the MCP SDK's client: the first
  ``ask`` (``--settle`` seconds after the start; it waits for the server's warm-up), then
  p50/p90 of the same questions; then one question on
  each of ``--more-repos`` and the server's resident memory with all of them open;
* **handoff** — the command line, warm: ``explore ask REPO QUESTION`` as a fresh process
  that hands the question to a running ``explore serve REPO --socket --no-stdio`` (started
  here, measured once it says it is ready), against the same command with ``--no-server``
  (cold), on the same first ``--handoff`` questions, alternating; medians of both and their
  ratio, and the command's own cost (its wall time less the walk's ``seconds``).

Every section runs once per ``--walk`` mode (default ``auto,always``, in one run): ``auto``
is what ``ask`` does by default — a question the walk cannot change (about behaviour, as
commit subjects are) is settled from the candidate stage without the model —, ``always``
walks every question, as ``ask`` did before.

Prints medians and the ratio warm/cold. The machine is shared (2 cores here): the load
average is printed beside the numbers; compare rows of one run, not runs.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the CLI does, before torch loads

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

EXPLORE = Path(sys.executable).with_name("explore")
DEFAULT_REPO = Path("/work/repos/twisted")


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (p50 of an even count is the lower middle's neighbour, as rank says)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def questions(repo: Path, n: int) -> list[str]:
    """The repository's latest ``n`` commit subjects that read like a request (>= 4 words)."""
    out = subprocess.run(["git", "-C", str(repo), "log", "--no-merges", "--format=%s", "-n", str(n * 5)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    picked = [s.strip() for s in out if len(s.split()) >= 4]
    if len(picked) < n:
        raise SystemExit(f"{repo} has only {len(picked)} usable commit subjects; pass fewer --questions")
    return picked[:n]


def head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()


def command(repo: Path, question: str, *flags: str, env: dict[str, str] | None = None) -> tuple[float, dict[str, Any], str]:
    """Wall seconds of one fresh ``explore ask ... --json`` process, its JSON and its stderr."""
    started = time.perf_counter()
    proc = subprocess.run([str(EXPLORE), "ask", str(repo), question, "--json", *flags], capture_output=True,
                          text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - started
    try:  # exit 1 with JSON: ran, found nothing to answer; without: a crash
        if proc.returncode in (0, 1):
            return seconds, json.loads(proc.stdout), proc.stderr
    except ValueError:
        pass
    raise SystemExit(f"explore ask failed ({proc.returncode}):\n{proc.stderr[-2000:]}")


def cold(repo: Path, question: str, runs: int, env: dict[str, str], walk: str = "auto") -> list[float]:
    """Wall seconds of fresh ``explore ask`` processes that load the model themselves (when they walk)."""
    return [command(repo, question, "--no-server", "--walk", walk, env=env)[0] for _ in range(runs)]


def handoff(repo: Path, qs: list[str], walk: str = "auto") -> dict[str, Any]:
    """Fresh ``explore ask`` processes, cold (``--no-server``) and handed to a warm server,
    alternating on the same questions."""
    log = Path(tempfile.mkstemp(prefix="explore-serve-", suffix=".log")[1])
    with open(log, "w") as errlog:
        proc = subprocess.Popen([str(EXPLORE), "serve", str(repo), "--socket", "--no-stdio"],
                                stdout=subprocess.DEVNULL, stderr=errlog)
    try:
        started = time.perf_counter()
        while "ready:" not in log.read_text():
            if proc.poll() is not None or time.perf_counter() - started > 600:
                raise SystemExit(f"explore serve --socket did not get ready:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        ready = time.perf_counter() - started
        cold_s, warm_s, walk_s = [], [], []
        for q in qs:
            cold_s.append(command(repo, q, "--no-server", "--walk", walk)[0])
            seconds, answer, stderr = command(repo, q, "--walk", walk)
            if "answering in this process" in stderr:
                raise SystemExit(f"the question was not handed to the server: {stderr}")
            warm_s.append(seconds)
            walk_s.append(answer["seconds"])
            print(f"  cold {cold_s[-1]:.2f} s, through the server {seconds:.2f} s (its walk {answer['seconds']:.2f} s), "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
        handed = log.read_text().count("answered `explore ask` on ")
        if handed != len(qs):
            raise SystemExit(f"the server answered {handed} of {len(qs)} questions")
    finally:
        proc.terminate()
        proc.wait(60)
        log.unlink(missing_ok=True)
    overhead = [w - s for w, s in zip(warm_s, walk_s)]
    return {"server_ready_s": ready, "cold_s": cold_s, "warm_s": warm_s, "walk_s": walk_s,
            "cold_p50": statistics.median(cold_s), "warm_p50": statistics.median(warm_s),
            "walk_p50": statistics.median(walk_s), "command_overhead_p50": statistics.median(overhead),
            "ratio": statistics.median(warm_s) / statistics.median(cold_s)}


class Recording:
    """A policy wrapper that keeps every (prompt, labels, prefix) and the decision's time."""

    def __init__(self, policy: Any) -> None:
        self.policy = policy
        self.calls: list[tuple[list[str], list[list[str]], Any, list[float]]] = []
        self.seconds: list[float] = []

    def decide(self, prompts: Any, labels: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        out = self.policy.decide(prompts, labels, **kwargs)
        self.seconds.append(time.perf_counter() - started)
        self.calls.append((list(prompts), [list(x) for x in labels], kwargs.get("prefix"), out[0].probs))
        return out


def api(repo: Path, qs: list[str], walk: str = "auto") -> tuple[dict[str, Any], Recording]:
    from explore.agent.explorer import Explorer
    from explore.agent.runtime import runtime_threads

    started = time.perf_counter()
    explorer = Explorer(repo, walk=walk)
    recording = Recording(explorer.policy)  # loads the model: a warm API has it
    load = time.perf_counter() - started
    explorer.policy = recording  # type: ignore[assignment]
    times, steps = [], []
    for q in qs:
        answer = explorer.ask(q)
        times.append(answer.seconds)
        steps.append(len(answer.steps))
    model = type(recording.policy.model).__name__
    runner = getattr(recording.policy, "runner", None)  # the numpy runtime counts the tokens it runs
    decided = len(recording.seconds)
    tokens = runner.tokens_run / decided if runner is not None and decided else None
    return {"runtime": model, "threads": runtime_threads(), "load_s": load, "ask_s": times,
            "p50": quantile(times, .5), "p90": quantile(times, .9), "steps_mean": statistics.mean(steps),
            "walked": sum(1 for n in steps if n), "decisions": decided,
            "decision_ms_p50": 1000 * statistics.median(recording.seconds) if decided else None,
            "tokens_per_decision": tokens}, recording


def baseline(recording: Recording) -> dict[str, Any]:
    """The recorded prompts decided by the transformers + peft policy, against the fast path's."""
    from explore.agent.bundle import shipped_adapters, trained_head
    from explore.agent.models import DEFAULT_MODEL, load_adapters, resolve_model
    from explore.agent.policy import LMPolicy

    adapters = {k: str(v) for k, v in shipped_adapters().items()}
    loaded = resolve_model(DEFAULT_MODEL)
    policy = LMPolicy(load_adapters(loaded, adapters), loaded.tokenizer, adapter="policy",
                      head=trained_head(adapters))
    seconds, worst, agree = [], 0.0, 0
    for prompts, labels, prefix, fast_probs in recording.calls:
        started = time.perf_counter()
        ref = policy.decide(prompts, labels, greedy=True, prefix=prefix)[0]
        seconds.append(time.perf_counter() - started)
        worst = max(worst, max(abs(a - b) for a, b in zip(ref.probs, fast_probs)))
        agree += int(max(range(len(ref.probs)), key=ref.probs.__getitem__)
                     == max(range(len(fast_probs)), key=fast_probs.__getitem__))
    return {"decision_ms_p50": 1000 * statistics.median(seconds), "max_abs_prob_diff": worst,
            "argmax_agree": f"{agree}/{len(recording.calls)}"}


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children, MB."""
    import psutil

    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 2**20


def server_pid(command: str) -> int:
    """The pid of our ``explore serve`` child (the SDK's client does not expose it)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            if command in " ".join(child.cmdline()) and "serve" in child.cmdline():
                return child.pid
        except psutil.NoSuchProcess:
            continue
    raise RuntimeError("explore serve process not found")


async def server(repo: Path, qs: list[str], more: list[Path], settle: float, walk: str = "auto") -> dict[str, Any]:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    serve = ["serve", str(repo), *(a for where in more for a in ("--allow", str(where)))]  # as a user allows them
    params = StdioServerParameters(command=str(EXPLORE), args=serve, env=dict(os.environ))
    out: dict[str, Any] = {}

    async def ask(session: ClientSession, q: str, where: Path | None = None) -> float:
        started = time.perf_counter()
        result = await session.call_tool("ask", {"question": q, "walk": walk, **({"repo": str(where)} if where else {})})
        if result.is_error:
            raise RuntimeError(result.content)
        return time.perf_counter() - started

    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                started = time.perf_counter()
                await session.initialize()
                out["initialize_s"] = time.perf_counter() - started
                await asyncio.sleep(settle)  # as a client that asks a while after starting the server
                out["settle_s"] = settle
                out["first_ask_s"] = await ask(session, qs[0])
                times = [await ask(session, q) for q in qs]
                out.update(ask_s=times, p50=quantile(times, .5), p90=quantile(times, .9))
                pid = server_pid(str(EXPLORE))
                out["rss_mb_one_repo"] = rss_mb(pid)
                out["first_ask_other_repos_s"] = [await ask(session, qs[0], where) for where in more]
                out["repos_open"] = 1 + len(more)
                out["rss_mb"] = rss_mb(pid)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--more-repos", type=Path, nargs="*",
                        default=[p for p in (Path("/work/repos/click"), Path("/work/repos/attrs")) if p.is_dir()])
    parser.add_argument("--baseline", action="store_true",
                        help="also time the transformers + peft path and measure its probability difference")
    parser.add_argument("--skip", nargs="*", default=[], choices=["cold", "api", "server", "handoff"])
    parser.add_argument("--handoff", type=int, default=5,
                        help="questions asked by the command line both cold and through a warm --socket server")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds between starting the server and its first ask (the warm-up's time)")
    parser.add_argument("--walk", default="auto,always",
                        help="ask's --walk modes measured, each in every section (default both, in one run)")
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args()

    repo = args.repo.resolve()
    qs = questions(repo, args.questions)
    report: dict[str, Any] = {"repo": f"{repo.name}@{head(repo)}", "questions": len(qs),
                              "load_before": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"{report['repo']}: {len(qs)} questions (latest commit subjects), load {report['load_before']:.2f}")
    if "cold" not in args.skip:
        cold(repo, qs[0], 1, {})  # snapshot, index and candidate stage of this commit, paid once per commit
    for walk in args.walk.split(","):
        report[walk] = row = {}
        print(f"--walk {walk}")
        if "cold" not in args.skip:
            row["cold_s"] = cold(repo, qs[0], args.cold_runs, {}, walk)
            print(f"  cold `explore ask`: median {statistics.median(row['cold_s']):.2f} s  {row['cold_s']}")
            if args.baseline:
                row["cold_baseline_s"] = cold(repo, qs[0], args.cold_runs, {"EXPLORE_RUNTIME": "transformers"}, walk)
                print(f"    … transformers + peft: median {statistics.median(row['cold_baseline_s']):.2f} s")
        if "api" not in args.skip:
            row["api"], recording = api(repo, qs, walk)
            a = row["api"]
            print(f"  warm API ({a['runtime']}, {a['threads']} BLAS threads): load {a['load_s']:.2f} s, ask p50 "
                  f"{a['p50']:.2f} p90 {a['p90']:.2f} s, walked {a['walked']} of {len(qs)}, {a['steps_mean']:.1f} steps"
                  + (f", decision p50 {a['decision_ms_p50']:.0f} ms" if a["decision_ms_p50"] else "")
                  + (f", {a['tokens_per_decision']:.0f} tokens run a decision" if a["tokens_per_decision"] else ""))
            if args.baseline and recording.calls:
                row["baseline"] = b = baseline(recording)
                print(f"    … transformers + peft on the same {len(recording.calls)} prompts: decision p50 "
                      f"{b['decision_ms_p50']:.0f} ms, max |Δp| {b['max_abs_prob_diff']:.2e}, argmax agree "
                      f"{b['argmax_agree']}")
        if "server" not in args.skip:
            row["server"] = s = asyncio.run(server(repo, qs, [p.resolve() for p in args.more_repos], args.settle,
                                                   walk))
            print(f"  MCP server: first ask {s['first_ask_s']:.2f} s ({args.settle:g} s after start), then p50 "
                  f"{s['p50']:.2f} p90 {s['p90']:.2f} s; RSS {s['rss_mb_one_repo']:.0f} MB with 1 repo, "
                  f"{s['rss_mb']:.0f} MB with {s['repos_open']}")
        if "handoff" not in args.skip:
            row["handoff"] = h = handoff(repo, qs[:args.handoff], walk)
            print(f"  `explore ask` through a warm `serve --socket` ({len(h['warm_s'])} questions, server ready after "
                  f"{h['server_ready_s']:.1f} s): median {h['warm_p50']:.2f} s (walk {h['walk_p50']:.2f} s + command "
                  f"{h['command_overhead_p50']:.2f} s) against {h['cold_p50']:.2f} s cold (--no-server), "
                  f"ratio {h['ratio']:.2f}")
        if "cold_s" in row and "server" in row:
            row["ratio_server_p50_to_cold"] = row["server"]["p50"] / statistics.median(row["cold_s"])
            print(f"  warm server p50 / cold command: {row['ratio_server_p50_to_cold']:.2f}")
        if "cold_s" in row and "api" in row:
            row["ratio_api_p50_to_cold"] = row["api"]["p50"] / statistics.median(row["cold_s"])
            print(f"  warm API p50 / cold command: {row['ratio_api_p50_to_cold']:.2f}")
    report["load_after"] = os.getloadavg()[0]
    print(f"load average at the end: {report['load_after']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
