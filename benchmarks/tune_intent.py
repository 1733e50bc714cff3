"""Choose how much a question asking for documentation lifts docs pages in the candidate stage.

The combiner learnt from commits, and a commit that changes docs alone is no history
question, so on its own the stage ranks every docs page below the code (the generated docs
questions of the evaluation repositories: .048 acc@1). ``RetrieverConfig.docs_intent`` adds
a constant to a docs page's learned score when the question asks for documentation
(:func:`explore.retrieval.intent.asks_for`). This script chooses it on the **training**
repositories only: the validation-split generated questions of ``benchmarks/corpus.toml``'s
``train`` split (docstrings, definitions, docs headings, config sections; built by
``python benchmarks/corpus.py --split train``), each question's candidates and learned
scores computed once, then every value of the grid scored — acc@1 by the question's source
(code, docs, config) and over all of them. A statement (a commit message, a bug report)
never asks for documentation, so the history questions are not moved by it.

    python benchmarks/tune_intent.py --per-repo 20
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

GRID = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 1000.0)
#: The kinds a question may ask for instead of code: each lifted by every value of the
#: grid, the other by what ships (``DOCS_INTENT``, ``CONFIG_INTENT``).
KINDS = ("docs", "config", "definition", "name", "pair")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-repo", type=int, default=20, help="validation questions per training repository")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--split", choices=("train", "eval"), default="train",
                        help="eval: the evaluation sdists, for the record once a value is chosen on train")
    args = parser.parse_args(argv)

    from corpus import load_corpus

    from explore.retrieval.combiner import candidate_features, default_combiner
    from explore.retrieval.config_asked import names_config
    from explore.retrieval.intent import asks_definition, asks_for
    from explore.retrieval.question_form import is_statement
    from explore.retrieval.retriever import CONFIG_INTENT, DEFINITION_INTENT, DOCS_INTENT, NAME_FOUND, PAIR_DEFINED
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import retriever_for
    from explore.sandbox.index import Index
    from explore.sandbox.outline import file_kind
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks import generate

    combiner = default_combiner()
    rows = []  # (source, {kind: asks for it}, {path: learned score}, {path: file kind}, targets, files defining a name,
    #           files holding a rare name, files defining both parts of a dotted name)
    started = time.perf_counter()
    for path in load_corpus(args.split, args.corpus):
        repo = Repository(path)
        tasks = [t for t in generate(repo, seed=0) if t.meta.get("split") == "val"]
        if not tasks:
            continue
        chosen = random.Random(f"0:{path.name}").sample(tasks, min(args.per_repo, len(tasks)))
        snapshot = repo.snapshot(chosen[0].rev)
        retriever = retriever_for(Index.build(snapshot))
        for task in chosen:
            query = parse(task.question)
            paths, x = candidate_features(snapshot, query, retriever.rankings(query), retriever.log)
            scores = dict(zip(paths, combiner.score(x).tolist(), strict=True)) if len(paths) else {}
            holding = set() if is_statement(task.question) else retriever.holding_names(query, list(scores))
            rows.append((task.source, {"docs": asks_for(task.question, "docs"), "config": names_config(task.question),
                                       "definition": asks_definition(task.question), "name": bool(holding),
                                       "pair": bool(pairs := set() if is_statement(task.question)
                                                     else retriever.symbols.defining_pairs(query, list(scores)))},
                         scores, {p: file_kind(p) for p in paths}, set(task.targets),
                         retriever.symbols.defining(query, list(scores)), holding, pairs))
        print(f"{path.name}: {len(chosen)} questions ({time.perf_counter() - started:.0f} s)", flush=True)

    sources = sorted({r[0] for r in rows})
    for kind in KINDS:
        asking = [r for r in rows if r[1][kind]]
        print(f"{len(rows)} questions; asking for {kind}: {len(asking)} "
              f"({', '.join(f'{s} {sum(r[0] == s for r in asking)}/{sum(r[0] == s for r in rows)}' for s in sources)})")
        print(f"{kind}_intent  " + "  ".join(f"{s:>7}" for s in [*sources, "all"]))
        best = None
        for lift in GRID:
            right: dict[str, list[bool]] = defaultdict(list)
            for source, asks, scores, kinds, targets, defining, holding, pairs in rows:
                lifts = {"docs": DOCS_INTENT, "config": CONFIG_INTENT, "definition": DEFINITION_INTENT,
                         "name": NAME_FOUND, "pair": PAIR_DEFINED, kind: lift}
                lifted = {p: s + (lifts[kinds[p]] if kinds[p] in ("docs", "config") and asks[kinds[p]] else 0.0)
                          + (lifts["definition"] if asks["definition"] and p in defining else 0.0)
                          + (lifts["name"] if p in holding else 0.0)
                          + (lifts["pair"] if p in pairs else 0.0)
                          for p, s in scores.items()}
                first = min(lifted, key=lambda p: (-lifted[p], p)) if lifted else None
                right[source].append(first in targets)
                right["all"].append(first in targets)
            acc = {s: sum(v) / len(v) for s, v in right.items()}
            print(f"{lift:>11}  " + "  ".join(f"{acc[s]:7.3f}" for s in [*sources, "all"]))
            if best is None or acc["all"] > best[1] + 1e-9:
                best = (lift, acc["all"])
        print(f"{kind}: best over all questions {best[0]} (acc@1 {best[1]:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
