"""Generated questions naming a dotted `Owner.member`: the candidate stage's acc@1 with and
without reading the member's enclosing type (``Symbols.defining_in``), every such question of
one split of a corpus, each ranked both ways in one process.

    .venv/bin/python benchmarks/bench_pairs.py train val       # the training sdists: where it was chosen
    .venv/bin/python benchmarks/bench_pairs.py eval test       # the evaluation sdists, measured once
    .venv/bin/python benchmarks/bench_pairs.py corpus/git/logrus,corpus/git/ripgrep val   # given repositories
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from collections import defaultdict
from corpus import load_corpus
from explore.sandbox.snapshot import Repository
from explore.sandbox.index import Index
from explore.retrieval.retriever import retriever_for
from explore.retrieval.symbols import Symbols
from explore.retrieval.query import DOTTED
from explore.training.tasks import generate

real = Symbols.defining_in
corpus, split = sys.argv[1], sys.argv[2]
tot = defaultdict(list); moved = []
paths = load_corpus(corpus) if corpus in ("train", "eval") else [Path(p) for p in corpus.split(",")]
for path in paths:
    repo = Repository(path)
    tasks = [t for t in generate(repo, seed=0) if t.meta.get("split") == split and DOTTED.search(t.question)]
    if not tasks:
        continue
    r = retriever_for(Index.build(repo.snapshot()))
    line = defaultdict(int)
    for t in tasks:
        got = {}
        for k, fn in (("base", lambda self, o, m: set()), ("new", real)):
            Symbols.defining_in = fn
            hits = r.rank(t.question, 5)
            got[k] = hits[0].path if hits else None
            ok = got[k] in t.targets
            tot[k].append(ok); line[k] += ok
        if got["base"] != got["new"]:
            moved.append((path.name, t.question[:90], t.targets, got["base"], got["new"]))
    Symbols.defining_in = real
    print(path.name, len(tasks), dict(line), flush=True)
for m in moved: print("MOVED", m)
print("TOTAL", {k: f"{sum(v)/len(v):.4f} ({sum(v)}/{len(v)})" for k, v in tot.items()})
