"""A learned combiner: one linear score per candidate file from what each ranking says of it.

Reciprocal-rank fusion treats every ranking alike for every question; the combiner learns
from real questions (commit messages of the training projects, posed on their parents)
how much a unit hit, a symbol definition, a traceback path, the file's kind or its name
appearing in the question is worth. It is a softmax over each question's candidates
(the union of the rankings' top files), trained to put the changed files first.
Twenty-odd weights, shipped as ``combiner.json``; ``benchmarks/train_combiner.py`` makes it.
"""
from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from ..sandbox.index import tokenize
from ..sandbox.outline import file_kind
from ..sandbox.snapshot import Snapshot
from .history import ChangeLog
from .query import Query

RANKINGS = ("file", "unit", "symbol", "path", "history")
KINDS = ("code", "test", "docs", "config", "example", "script")
FEATURES = (
    *(f"rr_{r}" for r in RANKINGS),          # 1 / (10 + rank), 0 when absent
    *(f"top1_{r}" for r in RANKINGS),        # first in that ranking
    "file_score", "unit_score",               # score / best score of the question
    "symbol_score",                           # rarity-weighted count of names the file defines
    "history_score",                          # past messages' votes / best vote of the question
    "churn",                                  # log(1 + commits that changed the file), history read
    "recency",                                # 1 / (1 + commits since it last changed), 0 if not seen
    *(f"kind_{k}" for k in KINDS),
    "stem_in_question",                       # the file's name (without suffix) is a word of the question
    "path_overlap",                           # share of the path's words the question uses
    "log_size",                               # log(1 + KB)
    "depth",                                  # folders above the file
    "init",                                   # __init__.py / index.js style files
)
SHIPPED = Path(__file__).with_name("combiner.json")


class Combiner:
    """``score = features @ weights`` (with feature standardisation folded in)."""

    def __init__(self, weights: dict[str, float], mean: dict[str, float] | None = None,
                 scale: dict[str, float] | None = None) -> None:
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"combiner weights name features this version does not compute: {sorted(unknown)}")
        # a combiner saved before a feature existed gives it no weight
        self.weights = {f: float(weights.get(f, 0.0)) for f in FEATURES}
        self.mean = {f: 0.0 for f in FEATURES} | (mean or {})
        self.scale = {f: 1.0 for f in FEATURES} | (scale or {})
        if any(self.scale[f] == 0 for f in FEATURES):
            raise ValueError("combiner scales must not be 0")
        self._w = np.array([self.weights[f] / self.scale[f] for f in FEATURES], dtype=np.float64)
        self._b = -float(sum(self.weights[f] * self.mean[f] / self.scale[f] for f in FEATURES))
        if not (np.isfinite(self._w).all() and math.isfinite(self._b)):  # a NaN would rank at random, print NaN
            raise ValueError("combiner weights, means and scales must be finite numbers")

    def score(self, features: np.ndarray) -> np.ndarray:
        return features @ self._w + self._b

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "weights": self.weights, "mean": self.mean, "scale": self.scale}

    @classmethod
    def from_dict(cls, data: dict) -> "Combiner":
        return cls(data["weights"], data.get("mean"), data.get("scale"))

    @classmethod
    def load(cls, path: str | Path) -> "Combiner":
        return cls.from_dict(json.loads(Path(path).read_text()))


@lru_cache(maxsize=1)
def default_combiner() -> Combiner | None:
    """The combiner shipped in the package, or None (then the retriever fuses by RRF)."""
    return Combiner.load(SHIPPED) if SHIPPED.is_file() else None


def candidate_features(snapshot: Snapshot, query: Query, rankings: dict[str, list[tuple[str, float]]],
                       log: ChangeLog | None = None) -> tuple[list[str], np.ndarray]:
    """The candidates (every file some ranking holds) and their feature rows; ``log`` is
    the repository's change log up to the snapshot (none: the history features are 0)."""
    paths = list(dict.fromkeys(p for r in RANKINGS for p, _ in rankings.get(r, [])))
    if not paths:
        return [], np.zeros((0, len(FEATURES)))
    col = {f: i for i, f in enumerate(FEATURES)}
    x = np.zeros((len(paths), len(FEATURES)))
    row = {p: i for i, p in enumerate(paths)}
    for name in RANKINGS:
        ranked = rankings.get(name, [])
        best = ranked[0][1] if ranked and ranked[0][1] > 0 else 1.0
        for r, (p, score) in enumerate(ranked, start=1):
            i = row[p]
            x[i, col[f"rr_{name}"]] = 1.0 / (10 + r)
            x[i, col[f"top1_{name}"]] = float(r == 1)
            if name in ("file", "unit", "history"):
                x[i, col[f"{name}_score"]] = score / best
            elif name == "symbol":
                x[i, col["symbol_score"]] = score
    words = set(query.terms)
    sizes = {}
    for i, p in enumerate(paths):
        kind = file_kind(p)
        if kind in KINDS:
            x[i, col[f"kind_{kind}"]] = 1.0
        pure = PurePosixPath(p)
        stem = pure.stem.lower().strip("_")
        x[i, col["stem_in_question"]] = float(bool(stem) and stem in words)
        path_words = set(tokenize(p.replace("/", " ").replace(".", " ")))
        x[i, col["path_overlap"]] = len(path_words & words) / max(1, len(path_words))
        if p not in sizes:
            sizes[p] = _size(snapshot, p)
        x[i, col["log_size"]] = math.log1p(sizes[p] / 1024)
        x[i, col["depth"]] = p.count("/")
        x[i, col["init"]] = float(stem in ("init", "index", "mod", "lib", "main"))
        if log is not None and p in log.since:
            x[i, col["churn"]] = math.log1p(log.churn[p])
            x[i, col["recency"]] = 1.0 / (1.0 + log.since[p])
    return paths, x


def _size(snapshot: Snapshot, rel: str) -> int:
    try:
        return (snapshot.root / rel).stat().st_size
    except OSError:
        return 0


def fit(cases: Sequence[tuple[np.ndarray, np.ndarray, Any] | tuple[np.ndarray, np.ndarray]], l2: float = 1e-3,
        steps: int = 400, lr: float = 0.05, prior: Combiner | None = None) -> Combiner:
    """Fit the weights by softmax cross-entropy over each question's candidates.

    ``cases``: (feature rows, 0/1 target mask, ...) per question; questions with no target
    among the candidates teach nothing and are skipped. Adam on standardised features.
    With a ``prior`` (the shipped combiner, when fitting one repository's own history)
    the fit starts from its weights, keeps its standardisation, and ``l2`` pulls towards
    its weights instead of towards zero: a few hundred questions adjust it, not replace it.

    Plain numpy, the gradient written out, single-threaded: twenty-odd weights need no
    autograd, and on a busy two-core machine torch (and BLAS) threads waiting on each other
    turned a fit of 400 questions into minutes (measured 182 s; here about a second).
    """
    usable = [(c[0], c[1]) for c in cases if c[1].any() and len(c[0]) > 1]
    if not usable:
        raise ValueError("no question has a target among its candidates")
    if prior is not None:
        mean = np.array([prior.mean[f] for f in FEATURES])
        scale = np.array([prior.scale[f] for f in FEATURES])
        start = np.array([prior.weights[f] for f in FEATURES], dtype=np.float64)
    else:
        stacked = np.concatenate([x for x, _ in usable])
        mean, scale = stacked.mean(0), stacked.std(0)
        start = np.zeros(len(FEATURES))
    scale[scale < 1e-6] = 1.0
    w = listwise_fit([((x - mean) / scale, y) for x, y in usable], start, l2=l2, steps=steps, lr=lr)
    weights = {f: round(float(value), 6) for f, value in zip(FEATURES, w, strict=True)}
    return Combiner(weights, {f: float(m) for f, m in zip(FEATURES, mean, strict=True)},
                    {f: float(s) for f, s in zip(FEATURES, scale, strict=True)})


def listwise_fit(cases: Sequence[tuple[np.ndarray, np.ndarray]], start: np.ndarray, l2: float = 1e-3,
                 steps: int = 400, lr: float = 0.05) -> np.ndarray:
    """Linear weights scoring each question's rows (already standardised) so the right ones
    come first: softmax cross-entropy over each question's rows against the log-sum of its
    right rows, Adam from ``start``, ``l2`` pulling towards ``start``. Every case must hold
    a right row (``benchmarks/fit_window.py`` fits evidence windows with it too)."""
    # every question's candidates one after another: question q's rows start at starts[q]
    xs = np.concatenate([x for x, _ in cases])
    right = np.concatenate([y for _, y in cases])
    starts = np.cumsum([0] + [len(x) for x, _ in cases[:-1]])
    owner = np.repeat(np.arange(len(cases)), [len(x) for x, _ in cases])
    w, m, v = start.copy(), np.zeros_like(start), np.zeros_like(start)
    beta1, beta2, eps = 0.9, 0.999, 1e-8  # Adam's defaults
    for step in range(1, steps + 1):
        logits = np.einsum("rf,f->r", xs, w)  # einsum's own loop, not BLAS: see fit
        # d/dlogits of logsumexp(all candidates) - logsumexp(right ones): softmax(all) - softmax(right)
        grad_logits = _softmax(logits, starts, owner) - _softmax(np.where(right, logits, -np.inf), starts, owner)
        grad = np.einsum("r,rf->f", grad_logits, xs) / len(cases) + 2 * l2 * (w - start)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        w = w - lr * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)
    return w


def _softmax(logits: np.ndarray, starts: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Softmax of each question's logits over its own candidates (-inf: left out)."""
    z = np.exp(logits - np.maximum.reduceat(logits, starts)[owner])
    return z / np.add.reduceat(z, starts)[owner]
