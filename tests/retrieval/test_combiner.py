"""The learned combiner: features from real rankings, a fit that learns, a file that round-trips."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explore.retrieval.combiner import FEATURES, Combiner, candidate_features, fit
from explore.retrieval.query import parse
from explore.retrieval.retriever import Retriever, RetrieverConfig
from explore.sandbox.index import Index
from explore.sandbox.snapshot import Repository


def test_features_of_a_real_ranking(tmp_path: Path, make_repo) -> None:
    root = make_repo(tmp_path, {"pkg/parser.py": "def parse_flags(argv):\n    return argv\n",
                                "tests/test_parser.py": "def test_parse_flags():\n    parse_flags([])\n"})
    retriever = Retriever(Index.build(Repository(root).snapshot()))
    query = parse("`parse_flags` drops the last flag in the parser")
    paths, x = candidate_features(retriever.snapshot, query, retriever.rankings(query))
    row = dict(zip(FEATURES, x[paths.index("pkg/parser.py")], strict=True))
    assert row["kind_code"] == 1 and row["stem_in_question"] == 1 and row["symbol_score"] > 0
    test = dict(zip(FEATURES, x[paths.index("tests/test_parser.py")], strict=True))
    assert test["kind_test"] == 1 and test["symbol_score"] == 0


def test_fit_learns_which_feature_marks_the_answer(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    unit = FEATURES.index("rr_unit")
    cases = []
    for _ in range(40):
        x = rng.random((8, len(FEATURES)))
        y = np.zeros(8, dtype=bool)
        y[int(np.argmax(x[:, unit]))] = True  # the answer is always the best unit hit
        cases.append((x, y))
    model = fit(cases, steps=150)
    assert model.weights["rr_unit"] == max(model.weights.values())
    x, y = cases[0]
    assert y[int(np.argmax(model.score(x)))]
    path = tmp_path / "c.json"
    import json

    path.write_text(json.dumps(model.to_dict()))
    assert np.allclose(Combiner.load(path).score(x), model.score(x))
    with pytest.raises(ValueError, match="no question"):
        fit([(x, np.zeros(8, dtype=bool))])
    older = Combiner({"rr_unit": 1.0})  # saved before the other features existed: they weigh 0
    assert older.weights["churn"] == 0 and np.allclose(older.score(x), x[:, unit])
    with pytest.raises(ValueError, match="does not compute"):
        Combiner({"rr_unit": 1.0, "stars": 2.0})


def test_fusion_modes(tmp_path: Path, make_repo) -> None:
    root = make_repo(tmp_path, {"a.py": "def alpha():\n    pass\n", "b.py": "def beta():\n    pass\n"})
    index = Index.build(Repository(root).snapshot())
    weights = {f: 0.0 for f in FEATURES} | {"kind_code": 1.0, "symbol_score": 5.0}
    learned = Retriever(index, RetrieverConfig(fusion="learned", combiner=Combiner(weights)))
    assert learned.rank("`beta` is slow")[0].path == "b.py"
    assert Retriever(index, RetrieverConfig(fusion="rrf")).rank("`beta` is slow")[0].path == "b.py"


def test_history_votes_for_the_files_past_commits_changed(tmp_path: Path, make_repo) -> None:
    """A question like an earlier commit message finds the file that commit changed, with
    the history read only up to the snapshot's commit; a plain folder has none."""
    import subprocess

    root = make_repo(tmp_path / "r", {"pkg/a.py": "def one():\n    pass\n", "pkg/b.py": "def two():\n    pass\n"})
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    (root / "pkg" / "b.py").write_text("def two():\n    return 2\n")
    subprocess.run(git + ["commit", "-qam", "Retry the upload when the socket times out"], check=True)
    repo = Repository(root)
    retriever = Retriever(Index.build(repo.snapshot()))
    query = parse("upload retry after a socket timeout")
    rankings = retriever.rankings(query)
    assert rankings["history"][0][0] == "pkg/b.py"
    paths, x = candidate_features(retriever.snapshot, query, rankings, retriever.log)
    row = dict(zip(FEATURES, x[paths.index("pkg/b.py")], strict=True))
    assert row["history_score"] == 1 and row["recency"] == 1 and row["churn"] > 0
    first = repo.snapshot(repo.git.commit("HEAD~1").hexsha)
    assert "history" not in Retriever(Index.build(first)).rankings(query)  # the future is not read
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.py").write_text("def upload():\n    pass\n")
    assert "history" not in Retriever(Index.build(Repository(tmp_path / "plain").snapshot())).rankings(query)
