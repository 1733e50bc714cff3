"""Choose how much a pasted error message lifts the code that raises it in the candidate stage.

A user's bug report very often pastes the error they saw (``Error: Got unexpected extra
arguments (foo bar)``, ``TypeError: Header value must be str or bytes, not <class 'int'>``);
the one file that raises it holds the message word for word, but the stage ranked by its
words one at a time, and the user's own values (``foo bar``) pulled other files up.
``RetrieverConfig.message_found`` adds a constant to the learned score of a candidate code
file that holds a piece of the pasted message (:attr:`explore.retrieval.query.Query.messages`)
which at most three candidates hold.

The questions are made from the code itself: every ``raise SomeError("message")`` (an
f-string's literal parts, its placeholders filled with a value a user would see: ``'foo'``)
of a package's non-test Python files becomes the question ``SomeError: message``, answered
by the files that hold the message's longest literal part. Chosen on the ``train`` split of
``benchmarks/corpus.toml`` (the training sdists, ``python benchmarks/corpus.py --split
train``); ``--corpus eval`` scores the evaluation sdists with every value of the grid, for
the record once the value is chosen. Printed: acc@1 and acc@5 for each lift, and how many
questions the message pieces were found for.

    python benchmarks/tune_message.py --per-repo 20
    python benchmarks/tune_message.py --per-repo 20 --corpus eval
"""
from __future__ import annotations

import argparse
import ast
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

GRID = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 1000.0)
#: A value of the kind users see where the code formats one in.
FILLED = "'foo'"


def raised_messages(text: str) -> list[tuple[str, str, str]]:
    """``(exception name, message as a user sees it, its longest literal part)`` of each
    ``raise Name("…")`` / ``raise mod.Name(f"…")`` in ``text`` with three words or more."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args):
            continue
        func, arg = node.exc.func, node.exc.args[0]
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if not name:
            continue
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            message, parts = arg.value, [arg.value]
        elif isinstance(arg, ast.JoinedStr):
            parts = [v.value for v in arg.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            message = "".join(v.value if isinstance(v, ast.Constant) else FILLED for v in arg.values)
        else:
            continue
        longest = max(parts, key=len, default="").strip()
        if len(message.split()) >= 3 and len(longest.split()) >= 2 and "\n" not in message:
            out.append((name, message.strip(), longest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-repo", type=int, default=20, help="questions per repository (seeded sample)")
    parser.add_argument("--corpus", choices=("train", "eval"), default="train")
    parser.add_argument("--corpus-dir", type=Path, default=ROOT / "corpus")
    args = parser.parse_args(argv)

    from corpus import load_corpus

    from explore.retrieval.combiner import candidate_features, default_combiner
    from explore.retrieval.query import parse
    from explore.retrieval.retriever import retriever_for
    from explore.sandbox.index import Index
    from explore.sandbox.outline import file_kind
    from explore.sandbox.snapshot import Repository
    from explore.training.tasks.quality import is_test_path

    combiner = default_combiner()
    rows = []  # ({path: learned score}, files holding a message piece, targets)
    started = time.perf_counter()
    for path in load_corpus(args.corpus, args.corpus_dir):
        snapshot = Repository(path).snapshot()
        sources = [f for f in snapshot.files if f.endswith(".py") and file_kind(f) == "code" and not is_test_path(f)]
        texts = {f: snapshot.text(f) or "" for f in sources}
        asked = [(f, name, message, longest) for f in sources for name, message, longest in raised_messages(texts[f])]
        if not asked:
            continue
        chosen = random.Random(f"0:{path.name}").sample(asked, min(args.per_repo, len(asked)))
        retriever = retriever_for(Index.build(snapshot))
        for _, name, message, longest in chosen:
            targets = {f for f, text in texts.items() if longest in text}
            query = parse(f"{name}: {message}")
            paths, x = candidate_features(snapshot, query, retriever.rankings(query), retriever.log)
            scores = dict(zip(paths, combiner.score(x).tolist(), strict=True)) if len(paths) else {}
            rows.append((scores, retriever.messages.holding_messages(query, list(scores)), targets))
        print(f"{path.name}: {len(chosen)} questions ({time.perf_counter() - started:.0f} s)", flush=True)

    found = sum(bool(r[1]) for r in rows)
    right = sum(bool(r[1] & r[2]) for r in rows)
    print(f"{len(rows)} questions; a message piece found in some candidate for {found}, in a right one for {right}")
    print("message_found  acc@1  acc@5")
    for lift in GRID:
        at1 = at5 = 0
        for scores, holding, targets in rows:
            lifted = {p: s + (lift if p in holding else 0.0) for p, s in scores.items()}
            order = sorted(lifted, key=lambda p: (-lifted[p], p))
            at1 += bool(order[:1] and order[0] in targets)
            at5 += any(p in targets for p in order[:5])
        print(f"{lift:>13}  {at1 / max(len(rows), 1):.3f}  {at5 / max(len(rows), 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
