"""The policy stages (SFT, RL) of `explore train` on the CPU and on a GPU, as a user runs them.

Each device gets one fresh `explore train REPO --from-scratch --no-retriever --device D`
process with the same seed, steps and tasks; the script prints, per device, the median
seconds of an SFT step (``sft/seconds`` in ``sft_metrics.jsonl``) and of an RL update
(``train/seconds`` in ``metrics.jsonl``), each stage's wall time from ``summary.json``,
the whole process's wall time, and the ratio to the first device listed (the baseline,
measured in the same run)::

    .venv/bin/python benchmarks/bench_device.py --devices cpu,cuda --sft-steps 20 --rl-updates 3

``--random-weights FOLDER`` trains a model with FOLDER's architecture and tokenizer and
freshly drawn weights (made once into ``--out``): on a machine that has the architecture
but not the weights (no network to fetch them), the seconds are the model's own — the
same shapes, the same arithmetic — while what it learns means nothing. Without it,
``--model`` (default ``smollm2-135m``) is trained as `explore train` would.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def random_model(source: Path, dest: Path, seed: int = 0) -> Path:
    """A model with ``source``'s config and tokenizer and weights drawn from ``seed``."""
    if (dest / "config.json").is_file():
        return dest
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    config = AutoConfig.from_pretrained(source)
    model = AutoModelForCausalLM.from_config(config)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(source).save_pretrained(tmp)
    tmp.rename(dest)
    return dest


def jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def median(rows: list[dict], key: str, skip_first: bool) -> float | None:
    values = [r[key] for r in rows if key in r]
    if skip_first and len(values) > 1:
        values = values[1:]  # the first step pays for warm-up (kernels, caches)
    return statistics.median(values) if values else None


def run_one(device: str, args: argparse.Namespace, model: str, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-c", "from explore.cli import main; main()", "train", str(args.repo),
               "--model", model, "--out", str(out), "--from-scratch", "--no-retriever", "--device", device,
               "--sft-steps", str(args.sft_steps), "--rl-updates", str(args.rl_updates), "--seed", str(args.seed),
               "--eval-tasks", str(args.eval_tasks), "--json"]
    if not args.reflection:
        command.append("--no-reflection")
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{device}: explore train exited {done.returncode}")
    summary = json.loads((out / "summary.json").read_text())
    return {"device": summary.get("device", device), "wall_s": round(wall, 1),
            "stages_s": summary.get("seconds", {}),
            "sft_step_s": median(jsonl(out / "sft_metrics.jsonl"), "sft/seconds", True),
            "rl_update_s": median(jsonl(out / "metrics.jsonl"), "train/seconds", True),
            "sft_steps": len(jsonl(out / "sft_metrics.jsonl")), "rl_updates": len(jsonl(out / "metrics.jsonl")),
            "eval": summary.get("eval"), "rl": summary.get("rl")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE.parent, help="repository to train on (default: explore's own tree)")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--random-weights", type=Path, default=None, metavar="FOLDER",
                        help="train FOLDER's architecture with freshly drawn weights (see above)")
    parser.add_argument("--devices", default="cpu,cuda", help="comma-separated; the first is the baseline")
    parser.add_argument("--sft-steps", type=int, default=20)
    parser.add_argument("--rl-updates", type=int, default=3)
    parser.add_argument("--no-reflection", dest="reflection", action="store_false")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-tasks", type=int, default=20, help="held-out walks before and after each stage")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds one device's run may take")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_device"))
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = str(random_model(args.random_weights, args.out / "random-model")) if args.random_weights else args.model
    rows = []
    for device in [d.strip() for d in args.devices.split(",") if d.strip()]:
        row = run_one(device, args, model, args.out / device.replace(":", "-"))
        rows.append(row)
        print(json.dumps(row), flush=True)
    base = rows[0]
    print(f"\nmodel {args.model if not args.random_weights else f'{args.random_weights.name} (random weights)'}, "
          f"{args.sft_steps} SFT steps, {args.rl_updates} RL updates, reflection {args.reflection}")
    print("| device | SFT step s (median) | RL update s (median) | SFT stage s | RL stage s | whole run s |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        def cell(key: str, value: float | None) -> str:
            if value is None:
                return "-"
            ref = base.get(key) if key in base else None
            ratio = f" ({ref / value:.1f}x)" if row is not base and ref and value else ""
            return f"{value:.2f}{ratio}"
        stages = row["stages_s"]
        print(f"| {row['device']} | {cell('sft_step_s', row['sft_step_s'])} | {cell('rl_update_s', row['rl_update_s'])} "
              f"| {stages.get('sft', '-')} | {stages.get('rl', '-')} | {row['wall_s']} |")
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
