"""Fit how `ask` weighs the walk's answer against the candidate stage (``answer.json``).

The navigator's answer and the candidate stage disagree: on real questions (commit
messages) the stage's first file is right more often, on generated docs and config
questions the walk is (see explore/agent/answer.py for the score). This script walks the
shipped navigator over questions of the **training** projects only, records what each
answer could be settled from (``Answer.weighed``), and picks the weights that do best on
the two kinds of question at once (the mean of their acc@1, so neither kind is traded
away for the other) — the simplest weights within one standard error of the best, paired
question by question, since the best of a large grid is partly luck. The same grid is
then run on the statements alone (commit messages written as descriptions, not put as
questions: ``explore.agent.answer.is_statement``), and where it chooses other weights they
settle statements (``answer.json``'s ``statements``):

* real: the newest ``--real`` history questions of each training project of
  ``benchmarks/history.toml`` (clones in ``corpus/git``, see bench_real.py);
* generated: ``--generated`` validation-split questions of each training repository of
  ``benchmarks/corpus.toml`` (``python benchmarks/corpus.py --split train``).

    python benchmarks/fit_answer.py --collect                 # walk and record (resumable)
    python benchmarks/fit_answer.py --fit                     # grid search, print the table
    python benchmarks/fit_answer.py --fit --publish           # write navigator/answer.json
    python benchmarks/fit_answer.py --collect --adapter RUN --records RUN/answer.jsonl   # a trained run's walks
    python benchmarks/fit_answer.py --fit --records runs/answer/records.jsonl --same-as RUN/answer.jsonl  # its questions
    python benchmarks/fit_answer.py --statements runs/nav-train-msg.json runs/nav-train-report.json --publish

``--statements`` refits the statements' weights alone from ``bench_real.py --split train
--policies navigator --json`` runs (a commit message run, a ``--text report`` run …; each
run is one kind of question, weighed equally): a statement is settled without a walk, so
those rows hold everything a settle reads. Runs of any other split are refused.

The evaluation projects are never walked here: their numbers come from bench_real.py and
bench_navigator.py after publishing.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

GRID = {"policy": (0, 0.25, 0.5, 1, 2), "stage": (0, 0.5, 1, 2, 4), "bm25": (0, 0.25, 0.5, 1),
        "read": (0, -1, 1), "code_only": (False, True), "intent": (False, True)}


def real_questions(per_repo: int, repos_dir: Path) -> Iterator[tuple[str, object, object]]:
    from bench_real import load_recipe, questions

    for entry in load_recipe("train"):
        folder = repos_dir / entry["name"]
        if not (folder / ".git").exists():
            raise SystemExit(f"missing clone {folder}: `python benchmarks/bench_real.py --split train --clone`")
        repo, tasks, _ = questions(entry, folder, per_repo)
        for task in tasks:
            yield entry["name"], repo, task


def generated_questions(per_repo: int, corpus: Path) -> Iterator[tuple[str, object, object]]:
    from corpus import load_corpus

    from explore.sandbox.snapshot import Repository
    from explore.training.tasks import generate

    for path in load_corpus("train", corpus):
        repo = Repository(path)
        tasks = [t for t in generate(repo, seed=0) if t.meta.get("split") == "val"]
        for task in random.Random(f"0:{path.name}").sample(tasks, min(per_repo, len(tasks))):
            yield path.name, repo, task


def collect(args: argparse.Namespace, console: Console) -> None:
    from explore.agent.answer import AnswerWeights
    from explore.agent.bundle import adapters_in
    from explore.agent.explorer import Explorer

    adapters = None  # the shipped navigator
    if args.adapter is not None:
        adapters = {k: str(v) for k, v in adapters_in(args.adapter).items()}
        if "policy" not in adapters:
            raise SystemExit(f"no policy adapter in {args.adapter}")
    args.records.parent.mkdir(parents=True, exist_ok=True)
    done = {json.loads(line)["id"] for line in args.records.open()} if args.records.exists() else set()
    first = None
    plan = [(kind, stream) for kind, count, stream in (
        ("generated", args.generated, lambda: generated_questions(args.generated, args.corpus)),
        ("real", args.real, lambda: real_questions(args.real, args.repos_dir))) if count > 0]
    with args.records.open("a") as out:
        for kind, stream in plan:
            for name, repo, task in stream():
                if task.id in done:
                    continue
                snapshot = repo.snapshot(task.rev)
                # the walk's own answer is what is recorded: weights that change nothing
                plain = AnswerWeights()
                if first is None:
                    explorer = first = Explorer(snapshot, weigh=plain, adapters=adapters)
                else:
                    explorer = Explorer(snapshot, policy=first.policy, reflector=first.reflector, config=first.config,
                                        adapters=first.adapters, weigh=plain)
                start = time.perf_counter()
                answer = explorer.ask(task.question, walk="always")
                row = {"id": task.id, "kind": kind, "repo": name, "source": task.source, "question": task.question,
                       "targets": task.targets,
                       **answer.weighed, "seconds": round(time.perf_counter() - start, 2)}
                out.write(json.dumps(row) + "\n")
                out.flush()
                done.add(task.id)
                hit = "✓" if answer.weighed["walk"] in task.targets else "·"
                console.print(f"{len(done):4d} {kind:9s} {name:18s} {hit} {row['seconds']:.1f} s")


def same_questions(rows: list[dict], other: Path | None) -> list[dict]:
    """``rows`` of the questions ``other`` (another records file) also holds: two policies'
    walks compared question for question (all rows when ``other`` is None)."""
    if other is None:
        return rows
    ids = {json.loads(line)["id"] for line in other.read_text().splitlines() if line}
    return [r for r in rows if r["id"] in ids]


def fit(args: argparse.Namespace, console: Console) -> dict:
    """The weights fitted on every question, and those fitted on the statements alone
    (commit messages written as descriptions, :func:`~explore.agent.answer.is_statement`),
    kept as ``statements`` where they differ."""
    from dataclasses import replace

    from explore.agent.answer import is_statement

    rows = same_questions([json.loads(line) for line in args.records.open()], args.same_as)
    forms = {"all": rows, "statements": [r for r in rows if is_statement(r.get("question", ""))]}
    fitted = {form: fit_form(group, console, form) for form, group in forms.items() if group}
    weights = fitted["all"]["weights"]
    split = "statements" in fitted and fitted["statements"]["weights"] != weights
    if split:
        weights = replace(weights, statements=fitted["statements"]["weights"])
    kinds = sorted({r["kind"] for r in rows})

    per_kind = {k: _accuracy(rows, weights, k) for k in kinds}
    console.print(f"{'statements settled apart' if split else 'one set of weights'}: acc@1 "
                  + ", ".join(f"{k} {v:.3f} (n={sum(r['kind'] == k for r in rows)})" for k, v in per_kind.items()))
    return {"weights": weights, "per_kind": per_kind, "n": {k: sum(r["kind"] == k for r in rows) for k in kinds},
            "walk": {k: _accuracy(rows, None, k) for k in kinds}, "stage": {k: _stage_alone(rows, k) for k in kinds},
            "forms": {form: {"n": len(forms[form]), "acc@1": f["per_kind"]} for form, f in fitted.items()}}


def settled_top(weights: object, r: dict) -> str | None:
    """The file `ask` answers for a recorded walk under ``weights`` (None: the walk's own)."""
    from explore.agent.answer import settle

    if weights is None:
        return r["walk"]
    settled = settle(weights, r["reads"], r["answer_p"], [tuple(x) for x in r["stage"]],
                     [tuple(x) for x in r["bm25"]], r["walk"], r.get("question", ""))
    return settled[0][0] if settled else r["walk"]


def _accuracy(rows: list[dict], weights: object, kind: str) -> float:
    right = [settled_top(weights, r) in r["targets"] for r in rows if r["kind"] == kind]
    return sum(right) / max(len(right), 1)


def _stage_alone(rows: list[dict], kind: str) -> float:
    chosen = [r for r in rows if r["kind"] == kind]
    return sum(bool(r["stage"]) and r["stage"][0][0] in r["targets"] for r in chosen) / max(len(chosen), 1)


def fit_form(rows: list[dict], console: Console, form: str, settled_alone: bool = False) -> dict:
    """The grid's simplest weights within one standard error of the best mean acc@1 over
    the kinds of question in ``rows``; with ``settled_alone`` only weights under which
    ``ask`` settles these questions without walking (rows recorded without a walk say
    nothing of weights that would walk)."""
    from dataclasses import replace

    from explore.agent.answer import AnswerWeights, load_weights, walk_matters
    from explore.agent.bundle import NAVIGATOR_DIR

    kinds = sorted({r["kind"] for r in rows})

    def hits(weights: AnswerWeights | None, kind: str) -> list[bool]:
        return [settled_top(weights, r) in r["targets"] for r in rows if r["kind"] == kind]

    scored = []
    for values in itertools.product(*GRID.values()):
        weights = AnswerWeights(**dict(zip(GRID, values)), candidates=5)
        if weights.policy == weights.stage == weights.bm25 == 0 or (weights.intent and not weights.code_only):
            continue
        if settled_alone and any(walk_matters(weights, r["question"]) for r in rows):
            continue
        right = {k: hits(weights, k) for k in kinds}
        per_kind = {k: sum(v) / max(len(v), 1) for k, v in right.items()}
        scored.append((sum(per_kind.values()) / len(per_kind), weights, per_kind, right))
    top, _, _, best = max(scored, key=lambda x: x[0])

    def noise(right: dict[str, list[bool]]) -> float:
        """One standard error of the mean acc@1's difference from the best weights, paired
        question by question (at least one question of each kind): picking the best of a
        grid of ~1,200 weightings finds gains of a few questions that are not there."""
        var = 0.0
        for k in kinds:
            d = np.array(best[k], dtype=float) - np.array(right[k], dtype=float)
            var += d.var() / max(len(d), 1)
        one = sum(1 / max(len(best[k]), 1) for k in kinds) / len(kinds)
        return max(float(np.sqrt(var)) / len(kinds), one)

    def simplicity(w: AnswerWeights) -> tuple:
        used = [v for v in (w.policy, w.stage, w.bm25, w.read) if v]
        return (len(used) + w.intent, sum(abs(v) for v in used))

    _, weights, per_kind, _ = min((x for x in scored if x[0] >= top - noise(x[3])), key=lambda x: simplicity(x[1]))
    table = Table(title=f"{form}: acc@1 on {len(rows)} training-project questions", title_justify="left")
    table.add_column("answer")
    for k in kinds:
        table.add_column(f"{k} (n={sum(r['kind'] == k for r in rows)})", justify="right")
    table.add_row("the walk's own", *(f"{_accuracy(rows, None, k):.3f}" for k in kinds))
    table.add_row("candidate stage's first", *(f"{_stage_alone(rows, k):.3f}" for k in kinds))
    shipped = load_weights(NAVIGATOR_DIR)
    if shipped is not None:
        for label, w in (("shipped answer.json", shipped), ("shipped, intent off", replace(shipped, intent=False)),
                         ("shipped, intent on", replace(shipped, intent=shipped.code_only))):
            table.add_row(label, *(f"{_accuracy(rows, w, k):.3f}" for k in kinds))
    table.add_row(f"weighed {weights.policy}/{weights.stage}/{weights.bm25}/{weights.read}"
                  f"{' (code only)' if weights.code_only else ''}{' (intent)' if weights.intent else ''}",
                  *(f"{per_kind[k]:.3f}" for k in kinds))
    console.print(table)
    console.print(f"{form}: best mean acc@1 {top:.3f}; the simplest weights within one standard error of it are kept")
    console.print(f"{form}: weights (policy / stage / bm25 / read / code only / intent):", weights.policy,
                  weights.stage, weights.bm25, weights.read, weights.code_only, weights.intent)
    return {"weights": weights, "per_kind": per_kind}


def refit_statements(runs: list[Path], console: Console, publish: bool) -> int:
    """The statements' weights chosen on training-project navigator runs of bench_real.py
    (one kind of question per run), and with ``publish`` written into answer.json."""
    from dataclasses import replace

    from explore.agent.answer import is_statement, load_weights, save_weights
    from explore.agent.bundle import NAVIGATOR_DIR

    rows = []
    for run in runs:
        data = json.loads(run.read_text())
        if data.get("split") != "train":
            console.print(f"[red]{run}[/]: a {data.get('split')!r} run; the weights are chosen on training projects only")
            return 2
        kind = data.get("text") or run.stem
        rows += [{**r["weighed"], "kind": kind, "question": r["question"], "targets": r["targets"]}
                 for r in data["rows"] if r.get("weighed") and not r["weighed"].get("walked")
                 and is_statement(r["question"])]
    if not rows:
        console.print("[red]no statement settled without a walk in these runs[/] (a navigator run's rows are needed)")
        return 2
    result = fit_form(rows, console, "statements", settled_alone=True)
    if publish:
        shipped = load_weights(NAVIGATOR_DIR)
        if shipped is None:
            console.print(f"[red]no answer.json in {NAVIGATOR_DIR}[/]: run --fit --publish first")
            return 2
        kinds = sorted({r["kind"] for r in rows})
        chosen = replace(result["weights"], fit={
            "by": "benchmarks/fit_answer.py --statements " + " ".join(run.name for run in runs),
            "questions": {k: sum(r["kind"] == k for r in rows) for k in kinds}, "acc@1": result["per_kind"],
            "stage acc@1": {k: _stage_alone(rows, k) for k in kinds}})
        console.print(f"wrote {save_weights(replace(shipped, statements=chosen), NAVIGATOR_DIR)}")
    return 0


def score(run: Path, console: Console) -> None:
    """A bench_real.py navigator run's walks re-settled with the shipped answer.json: the
    answer `ask` gives is a function of the walk (which the weights do not change) and
    ``Answer.weighed``, so this is what `ask` answers, without walking again."""
    from explore.agent.answer import load_weights, settle
    from explore.agent.bundle import NAVIGATOR_DIR
    from explore.agent.env import hybrid_offer
    from explore.agent.explorer import RANKED, walked_order

    weights = load_weights(NAVIGATOR_DIR)
    if weights is None:
        raise SystemExit(f"no answer.json in {NAVIGATOR_DIR}: fit and --publish first")
    rows = [r for r in json.loads(run.read_text())["rows"] if "weighed" in r]
    table = Table(title=f"{run.name}: {len(rows)} walks, as walked and as `ask` settles them", title_justify="left")
    for col in ("repo", "n", "walk acc@1", "acc@5", "acc@10", "settled acc@1", "acc@5", "acc@10"):
        table.add_column(col, justify="left" if col == "repo" else "right")
    by: dict[str, list] = {}
    agree = [0, 0]
    for r in rows:
        w = r["weighed"]
        stage, lexical = [tuple(x) for x in w["stage"]], [tuple(x) for x in w["bm25"]]
        settled = [f for f, _ in settle(weights, w["reads"], w["answer_p"], stage, lexical, w["walk"],
                                               r.get("question", ""))]
        offer = hybrid_offer([p for p, _ in stage], [p for p, v in lexical if v > 0])
        ranked = list(dict.fromkeys([*settled, *offer]))[:RANKED]
        walked = walked_order(w["walk"], w["reads"], offer)
        agree[0] += r["ranked"] == ranked
        agree[1] += r["ranked"] == walked
        by.setdefault(r["repo"], []).append((walked, ranked, r["targets"]))
    by["pooled"] = [x for v in list(by.values()) for x in v]

    def acc(pairs, which, k):
        return sum(any(t in p[which][:k] for t in p[2]) for p in pairs) / len(pairs)

    for repo, pairs in by.items():
        table.add_row(repo, str(len(pairs)), *(f"{acc(pairs, w, k):.3f}" for w in (0, 1) for k in (1, 5, 10)))
    console.print(table)
    console.print(f"the run's own lists equal the settled ones for {agree[0]} walks and the as-walked ones for "
                  f"{agree[1]} (a run made with answer.json in place: all settled)")


def walk_check(rows: list[dict], console: Console, title: str) -> tuple[int, int]:
    """What `ask` answers with ``walk="auto"`` (a question where the walk cannot change the
    answer, :func:`~explore.agent.answer.walk_matters`, settled from the rankings alone)
    against always walking, on recorded walks: ``rows`` carry ``question``, ``targets``,
    a group (``repo`` or ``kind``) and what ``Answer.weighed`` holds. Also, on the questions
    that walk: the walk's answer against its first read answered at once
    (:attr:`~explore.agent.answer.AnswerWeights.first_read`); returns how many of those each
    answers right."""
    from explore.agent.answer import load_weights, settle, walk_matters
    from explore.agent.bundle import NAVIGATOR_DIR

    weights = load_weights(NAVIGATOR_DIR)
    table = Table(title=title, title_justify="left")
    for col in ("questions", "n", "settled without walking", "answers changed", "walk acc@1", "auto acc@1",
                "walked", "walk answered its first read", "walk acc@1 ", "first read acc@1"):
        table.add_column(col, justify="left" if col == "questions" else "right")
    groups: dict[str, list[tuple[bool, ...]]] = {}

    def top(ranked: list, fallback: str | None) -> str | None:
        return ranked[0][0] if ranked else fallback

    for r in rows:
        w = r.get("weighed", r)
        stage, lexical = [tuple(x) for x in w["stage"]], [tuple(x) for x in w["bm25"]]
        question = r.get("question", "")
        a = top(settle(weights, w["reads"], w["answer_p"], stage, lexical, w["walk"], question), w["walk"])
        skip = not walk_matters(weights, question)
        b = top(settle(weights, [], {}, stage, lexical, None, question), None) if skip else a
        # the walk cut at its first read (AnswerWeights.first_read): that file is the walk's answer
        first = w["reads"][0] if w["reads"] else None
        c = top(settle(weights, [first] if first else [], {}, stage, lexical, first, question), first)
        groups.setdefault(str(r.get("kind") or r.get("repo")), []).append(
            (skip, a != b, a in r["targets"], b in r["targets"], not skip, not skip and w["walk"] == first,
             not skip and a in r["targets"], not skip and c in r["targets"]))
    groups["pooled"] = [x for v in list(groups.values()) for x in v]
    for name, xs in groups.items():
        n, walked = len(xs), sum(x[4] for x in xs)
        table.add_row(name, str(n), str(sum(x[0] for x in xs)), str(sum(x[1] for x in xs)),
                      f"{sum(x[2] for x in xs) / n:.3f}", f"{sum(x[3] for x in xs) / n:.3f}", str(walked),
                      str(sum(x[5] for x in xs)), *(f"{sum(x[i] for x in xs) / max(walked, 1):.3f}" for i in (6, 7)))
    console.print(table)
    pooled = groups["pooled"]
    return sum(x[6] for x in pooled), sum(x[7] for x in pooled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collect", action="store_true", help="walk the training questions and record them")
    parser.add_argument("--fit", action="store_true", help="grid-search the weights on the records")
    parser.add_argument("--publish", action="store_true", help="with --fit: write navigator/answer.json")
    parser.add_argument("--score", type=Path, default=None, metavar="RUN_JSON",
                        help="re-settle the walks of `bench_real.py --policies navigator --json RUN_JSON` "
                             "with the shipped answer.json (no walking)")
    parser.add_argument("--walk-check", action="store_true",
                        help="with the records (or --score's run): `ask --walk auto` against always walking")
    parser.add_argument("--records", type=Path, default=ROOT / "runs" / "answer" / "records.jsonl")
    parser.add_argument("--adapter", type=Path, default=None,
                        help="with --collect: walk with a trained run's adapters instead of the shipped navigator "
                             "(write them to their own --records)")
    parser.add_argument("--same-as", type=Path, default=None, metavar="RECORDS",
                        help="with --fit/--walk-check: only the questions this other records file holds too")
    parser.add_argument("--real", type=int, default=10, help="history questions per training project (0: none)")
    parser.add_argument("--generated", type=int, default=8, help="generated val questions per training repository (0: none)")
    parser.add_argument("--repos-dir", type=Path, default=ROOT / "corpus" / "git")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--statements", type=Path, nargs="+", default=None, metavar="RUN_JSON",
                        help="refit the statements' weights on bench_real.py navigator runs of the training "
                             "projects (one kind of question a run); with --publish write them into answer.json")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    if args.statements:
        return refit_statements(args.statements, console, args.publish)
    if args.walk_check:
        run = args.score or args.records
        rows = (json.loads(run.read_text())["rows"] if args.score else
                same_questions([json.loads(line) for line in args.records.read_text().splitlines() if line],
                               args.same_as))
        walked, first = walk_check([r for r in rows if "stage" in r.get("weighed", r)], Console(width=170),
                                   f"{run.name}: walk auto vs always, and the walk cut at its first read")
        if args.publish:  # the training records decide whether the shipped walk stops at its first read
            if args.score:
                parser.error("--publish decides on the training records, not on --score's run")
            from dataclasses import replace

            from explore.agent.answer import load_weights, save_weights
            from explore.agent.bundle import NAVIGATOR_DIR

            weights = load_weights(NAVIGATOR_DIR)
            assert weights is not None
            fitted_on = dict(weights.fit, first_read={"by": "benchmarks/fit_answer.py --walk-check --publish",
                                                      "walked questions right": {"walk": walked, "first read": first}})
            saved = save_weights(replace(weights, first_read=first >= walked, fit=fitted_on), NAVIGATOR_DIR)
            console.print(f"first_read = {first >= walked} ({first} against {walked} right): wrote {saved}")
        return 0
    if args.score:
        score(args.score, Console())
        return 0
    if not (args.collect or args.fit):
        parser.error("say --collect, --fit, --score, --walk-check")
    if args.collect:
        collect(args, console)
    if args.fit:
        if not args.records.exists():
            console.print(f"[red]no records at {args.records}[/]: run with --collect first")
            return 2
        result = fit(args, console)
        if args.publish:
            from dataclasses import replace

            from explore.agent.answer import load_weights, save_weights
            from explore.agent.bundle import NAVIGATOR_DIR

            # the cut at the first read is decided by --walk-check --publish, not by this grid: kept
            shipped = load_weights(NAVIGATOR_DIR)
            kept = {"first_read": shipped.first_read} if shipped is not None else {}
            record = {k: shipped.fit[k] for k in ("first_read",) if shipped is not None and k in shipped.fit}
            fitted = replace(result["weights"], **kept, fit={
                "by": "benchmarks/fit_answer.py", "questions": result["n"], "acc@1": result["per_kind"],
                "walk acc@1": result["walk"], "stage acc@1": result["stage"], "forms": result["forms"],
                "grid": {k: list(v) for k, v in GRID.items()}, **record})
            console.print(f"wrote {save_weights(fitted, NAVIGATOR_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
