"""Training records: metrics as JSON lines, and the PNG curves drawn from them.

Metrics are appended one row per update and flushed at once, so a crash loses at most
the row being written; on resume the file is cut back to the checkpoint's step (rows
written after the last checkpoint would otherwise appear twice).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..sandbox.atomic import replacing, write_jsonl

#: (metric key, panel title) for the RL figure.
RL_PANELS = (("train/success", "success rate"), ("train/return", "return"), ("train/loss", "loss"),
             ("train/entropy", "entropy"))


def append_jsonl(path: Path, row: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file; a torn last line (killed mid-write) is dropped."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            break
    return rows


def truncate_jsonl(path: Path, keep: int) -> None:
    """Keep the first ``keep`` rows (atomically). A file that holds more, or ends in a torn
    line (a kill or a full disk mid-write), is rewritten: rows appended after a torn line
    would be glued onto it and lost to every reader."""
    rows = read_jsonl(path)[:keep]
    if path.is_file() and path.read_text(encoding="utf-8") == "".join(json.dumps(r) + "\n" for r in rows):
        return
    write_jsonl(path, rows)


def _moving_average(values: list[float], window: int = 5) -> list[float]:
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= window:
            acc -= values[i - window]
        out.append(acc / min(i + 1, window))
    return out


def plot(out: Path) -> Path | None:
    """Draw ``training.png`` (RL curves, plus the SFT losses when there are any)."""
    rl = read_jsonl(out / "metrics.jsonl")
    sft = read_jsonl(out / "sft_metrics.jsonl")
    if not rl and not sft:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [p for p in RL_PANELS if any(p[0] in r for r in rl)]
    n = len(panels) + (1 if sft else 0)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3.2), squeeze=False)
    for ax, (key, title) in zip(axes[0], panels):
        xs = [r.get("update", i + 1) for i, r in enumerate(rl)]
        ys = [float(r.get(key, float("nan"))) for r in rl]
        ax.plot(xs, ys, alpha=0.35, color="tab:blue")
        ax.plot(xs, _moving_average(ys), color="tab:blue")
        ax.set_title(f"RL {title}")
        ax.set_xlabel("update")
    if sft:
        ax = axes[0][-1]
        for key, colour in (("sft/policy_loss", "tab:orange"), ("sft/reflector_loss", "tab:green")):
            if any(key in r for r in sft):
                xs = [r.get("step", i + 1) for i, r in enumerate(sft)]
                ax.plot(xs, [float(r.get(key, float("nan"))) for r in sft], color=colour, label=key.split("/")[1])
        ax.set_title("SFT loss")
        ax.set_xlabel("step")
        ax.legend()
    fig.tight_layout()
    path = out / "training.png"
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    plt.close(fig)
    return path
