"""Explorer.ask end to end: scripted and tiny real model, evidence, fallbacks, LangChain.

``repo`` (a plain folder) and ``script`` (a walk by action texts) come from conftest.py."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from explore.agent.explorer import EmptyQuestion, ExploreError, Explorer
from explore.agent.policy import ScriptedPolicy
from explore.agent.reflector import NoReflector
from explore.sandbox.snapshot import Repository


def test_scripted_walk_answers_with_evidence(repo: Repository, script) -> None:
    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector())
    result = explorer.ask("where is the upload retry back-off computed?")
    assert result.finished and result.files[0] == "pkg/net/retry.py"
    ev = result.evidence[0]
    assert ev.path == "pkg/net/retry.py" and "compute_backoff" in ev.text and ev.start_line >= 1
    assert [s.action for s in result.steps] == ["cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"]
    json.dumps(result.to_dict())


def test_out_of_steps_answers_best_candidate_and_says_so(repo: Repository, script) -> None:
    explorer = Explorer(repo, policy=script("cd pkg/", "cd .."), reflector=NoReflector(), max_steps=2)
    result = explorer.ask("upload retry back-off")
    assert not result.finished
    assert result.files[0] == "pkg/net/retry.py"
    assert any("ran out" in n for n in result.notes)


def test_empty_question(repo: Repository, script) -> None:
    explorer = Explorer(repo, policy=script(), reflector=NoReflector())
    with pytest.raises(EmptyQuestion):
        explorer.ask("   ")


def test_an_answer_says_whether_a_file_answers_and_a_question_must_be_text(repo: Repository, script) -> None:
    """The README's `answer.evidence[0].text` raised IndexError on a question no file
    matches, and only the CLI's JSON said `answered`; `ask(42)` failed inside with
    `'int' object has no attribute 'strip'`."""
    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector())
    found = explorer.ask("where is the upload retry back-off computed?")
    assert found.answered and found.to_dict()["answered"] is True
    none = Explorer(repo, model="tiny-random").ask("where is zebraTeleport defined?")
    assert not none.answered and none.files == [] and none.to_dict()["answered"] is False
    # a word the index holds stemmed (`retries` as `retri`) is heard of: itsdangerous's "where are the
    # exceptions defined?" was told no file holds `exceptions`
    plural = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                      reflector=NoReflector()).ask("where are the retries defined?", walk="always")
    assert plural.answered and not any("holds" in note for note in plural.notes), plural.notes
    # a name no file holds beside words that match: answered by them, and said (sqlx's "where is the MongoDB
    # support?" answered sqlx.go with nothing said); a name the repository holds says nothing
    walker = lambda: Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                              reflector=NoReflector())  # noqa: E731
    guessed = walker().ask("where is the MongoDB upload retry back-off computed?")
    assert guessed.answered and any("holds `MongoDB`: the answer matches the question's other words" in n
                                    for n in guessed.notes), guessed.notes
    assert not any("holds `" in n for n in walker().ask("where is the upload retry back-off computed?").notes)
    # no file holds a single word of it: no answer, and no walk (the script would answer one)
    gibberish = explorer.ask("qwzx vbnmk plorf", walk="always")
    assert not gibberish.answered and gibberish.steps == [] and "holds a word" in gibberish.notes[-1]
    # letters of which the index reads no word (single letters): a question of them walked and answered
    # a package header with exit 0, where `search` found nothing
    for foreign in ("ä ö ü?", "ß"):
        unread = explorer.ask(foreign, walk="always")
        assert not unread.answered and unread.steps == [] and "no word the index reads" in unread.notes[-1]
    # a question in Chinese is read, and no file here holds a word of it
    chinese = explorer.ask("如何在帮助信息后添加自定义文本", walk="always")
    assert not chinese.answered and chinese.steps == [] and "holds a word" in chinese.notes[-1], chinese.notes
    # a name in full-width letters (a CJK input method's) is the name: read, not refused (a review)
    wide = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                    reflector=NoReflector()).ask("ｃｏｍｐｕｔｅ＿ｂａｃｋｏｆｆ はどこ？")
    assert wide.answered and wide.files[0] == "pkg/net/retry.py", (wide.files, wide.notes)
    # only a link or an issue number: its text is elsewhere, and nothing is fetched
    for reference in ("https://github.com/acme/demo/issues/2666", "#2666", "acme/demo#12, #13", "<https://x.org/a>",
                      "Touch up PR 1306", "Follow-up to #12", "address review comments on pull request 7"):
        linked = explorer.ask(reference, walk="always")
        assert not linked.answered and linked.steps == [] and "paste the issue" in linked.notes[-1], reference
    walker = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                      reflector=NoReflector())
    assert walker.ask("qwzx vbnmk retry", walk="always").answered  # one word a file holds is enough
    for wrong in (42, b"where is the retry", None):
        with pytest.raises(TypeError, match="as a str"):
            explorer.ask(wrong)  # type: ignore[arg-type]


def test_tiny_random_model_zero_shot_runs(repo: Repository) -> None:
    explorer = Explorer(repo, model="tiny-random", max_steps=4)
    result = explorer.ask("where is the retry back-off computed? " * 200)  # long: truncated in the prompt
    assert result.files and (Path(repo.path) / result.files[0]).is_file()
    assert any("zero-shot" in n for n in result.notes) and any("long" in n for n in result.notes)
    assert len(result.steps) <= 4


def test_runnable_and_ask_repo_tool(repo: Repository) -> None:
    from explore.agent.langchain import ask_repo_tool

    explorer = Explorer(repo, policy=ScriptedPolicy(lambda p, labels: labels[0]), reflector=NoReflector(), max_steps=3)
    out = explorer.as_runnable().invoke("install steps")
    assert set(out) >= {"files", "evidence", "answer", "steps", "seconds"}
    tool = ask_repo_tool(explorer)
    data = json.loads(tool.invoke({"question": "install steps"}))
    assert data["files"]
    assert "empty" in tool.invoke({"question": " "})


def test_malformed_calls_get_clear_answers_and_the_runnable_has_schemas(repo: Repository) -> None:
    """A tool call without a question (or with a number for it) raised pydantic's
    ValidationError into the calling agent; the Runnable took any input (schema ``Any``)
    and raised KeyError on a dict without "question"."""
    from explore.agent.langchain import ask_repo_tool

    explorer = Explorer(repo, policy=ScriptedPolicy(lambda p, labels: labels[0]), reflector=NoReflector(), max_steps=3)
    tool = ask_repo_tool(explorer)
    assert tool.invoke({}).startswith("ask_repo: invalid arguments (question: Field required")
    assert "question" in tool.invoke({"question": 5})
    assert "max_steps: Extra inputs are not permitted" in tool.invoke({"question": "install steps", "max_steps": 2})
    runnable = explorer.as_runnable()
    schema = runnable.get_input_jsonschema()
    assert {"type": "string"} in schema["anyOf"] and "AskRepoInput" in json.dumps(schema)
    # the output typed as what it returns (it was an object of no properties)
    output = runnable.get_output_jsonschema()
    typed = output["$defs"]["AskRepoOutput"]
    answer = runnable.invoke({"question": "install steps"})
    assert answer["files"] and set(answer) == set(typed["properties"]) == set(typed["required"])
    assert set(answer["evidence"][0]) == set(output["$defs"]["EvidenceOut"]["properties"])
    with pytest.raises(TypeError, match="no 'question' key \\(it has 'query'\\)"):  # it said "not NoneType"
        runnable.invoke({"query": "install steps"})
    with pytest.raises(TypeError, match="not int"):
        runnable.invoke(5)
    with pytest.raises(TypeError, match="alone, not 'extra' too"):  # the input schema forbids other keys
        runnable.invoke({"question": "install steps", "extra": 1})


def test_observations_are_shaped_as_the_policy_was_trained(repo: Repository, tmp_path: Path, script) -> None:
    from explore.agent.bundle import load_env_config, save_env_config
    from explore.agent.env import navigator_config

    run = tmp_path / "run"
    (run / "policy").mkdir(parents=True)
    save_env_config(navigator_config(shuffle_labels=True, leave_out=0.5), run)
    assert load_env_config(run).shuffle_labels is False and load_env_config(run).leave_out == 0.0  # training only
    # a candidate read from the root, as the navigator was trained to see it
    explorer = Explorer(repo, policy=script("read pkg/net/retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector(), adapters={"policy": run / "policy"}, max_steps=5)
    assert explorer.config.candidates == 5 and explorer.config.max_steps == 5
    assert explorer.ask("where is compute_backoff defined?").files[0] == "pkg/net/retry.py"
    # no max_steps given: the horizon the policy was trained with, not a default that overrides it
    trained = Explorer(repo, policy=script(), reflector=NoReflector(), adapters={"policy": run / "policy"})
    assert trained.config.max_steps == navigator_config().max_steps == 8
    (run / "env.json").write_text("{not json")
    from explore.sandbox.errors import ExploreError

    with pytest.raises(ValueError, match="retrain") as caught:
        Explorer(repo, policy=script(), reflector=NoReflector(), adapters={"policy": run / "policy"})
    assert isinstance(caught.value, ExploreError)  # the CLI turns it into a message and exit code 2


def test_max_steps_of_one_ask_changes_neither_later_asks_nor_the_callers_config(repo: Repository, script) -> None:
    """``ask(q, max_steps=1)`` is one walk's horizon, not a new setting for the explorer."""
    from explore.agent.env import EnvConfig

    config = EnvConfig(max_steps=6)
    walk = ["cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"]
    explorer = Explorer(repo, policy=script("cd pkg/", *walk), reflector=NoReflector(), config=config)
    short = explorer.ask("upload retry back-off", max_steps=1)
    assert len(short.steps) == 1 and not short.finished
    assert config.max_steps == 6 and explorer.config.max_steps == 6
    longer = explorer.ask("upload retry back-off")  # the next ask walks with the configured horizon
    assert longer.finished and len(longer.steps) == 4
    # a horizon longer than the config's is honoured too (the environment does not cut it short)
    explorer = Explorer(repo, policy=script(*walk), reflector=NoReflector(), config=EnvConfig(max_steps=2))
    assert explorer.ask("upload retry back-off", max_steps=4).finished


def test_questions_asked_from_several_threads_get_their_own_answers(repo: Repository) -> None:
    """LangChain's batch (and an agent's parallel tool calls) ask one explorer from a thread
    pool: each question gets the answer it gets alone (they shared one environment, reset
    under each other's walks); the horizon given beside a config is honoured, on a copy."""
    from explore.agent.env import EnvConfig

    config = EnvConfig()
    explorer = Explorer(repo, model="tiny-random", config=config, max_steps=3, walk="always")
    assert explorer.config.max_steps == 3 and config.max_steps == EnvConfig().max_steps
    questions = ["where is the upload retry back-off computed?", "install steps", "where is the cache evicted?",
                 "which settings does the config file hold?"] * 2
    alone = [explorer.ask(q).files for q in questions]
    together = [r["files"] for r in explorer.as_runnable().batch(questions, config={"max_concurrency": 4})]
    assert together == alone


def test_a_question_that_is_not_utf8_is_refused_by_name(repo: Repository) -> None:
    from explore.sandbox.errors import ExploreError

    explorer = Explorer(repo, model="tiny-random", max_steps=2)
    with pytest.raises(ExploreError, match="not UTF-8"):
        explorer.ask("where is compute_backoff defined \udcff")


def test_a_number_of_steps_that_is_none_is_refused_by_name(repo: Repository) -> None:
    """max_steps 0 was taken as the default, a negative one walked no step (as the
    constructor's) or failed with a bare ValueError (as ask's)."""
    from explore.sandbox.errors import ExploreError

    for steps in (0, -2, 1.5, True):
        with pytest.raises(ExploreError, match="max_steps must be"):
            Explorer(repo, model="tiny-random", max_steps=steps)
    explorer = Explorer(repo, model="tiny-random", max_steps=2)
    for steps in (0, -2):
        with pytest.raises(ExploreError, match="max_steps must be"):
            explorer.ask("where is compute_backoff defined", max_steps=steps)


@pytest.mark.parametrize("offer", ["bm25", "retrieve", "hybrid"])
def test_answer_then_reads_then_the_offer_in_its_order(repo: Repository, offer: str, script) -> None:
    """After the answered file come the files read, then the environment's own offer, in
    its order: the list is the candidate stage's ranking the walk refined, not BM25's."""
    from explore.agent.env import EnvConfig

    config = EnvConfig(offer=offer, candidates=2, max_steps=4)
    explorer = Explorer(repo, policy=script("cd docs/", "read install.md", "answer docs/install.md"),
                        reflector=NoReflector(), config=config)
    result = explorer.ask("where is the upload retry back-off computed with compute_backoff?")
    offered = explorer.env.offered()
    assert result.files[0] == "docs/install.md"
    assert result.files[1:] == [f for f in offered if f != "docs/install.md"][:9]
    assert "pkg/net/retry.py" in result.files


def test_a_combiner_fitted_to_the_repository_is_used(repo: Repository, explore_cache: Path, script) -> None:
    """`explore train` leaves ``combiner.json`` in the repository's bundle folder; `ask`
    ranks its candidates with it (here one that only trusts docs files)."""
    from explore.agent.bundle import COMBINER_FILE, default_adapter_dir
    from explore.agent.env import EnvConfig
    from explore.retrieval.combiner import FEATURES, Combiner

    folder = default_adapter_dir(repo.path)
    folder.mkdir(parents=True)
    docs_only = Combiner({f: (5.0 if f == "kind_docs" else 0.0) for f in FEATURES} | {"file_score": 0.1})
    (folder / COMBINER_FILE).write_text(json.dumps(docs_only.to_dict()))
    config = EnvConfig(offer="retrieve", candidates=2, max_steps=2)
    explorer = Explorer(repo.path, policy=script("cd pkg/", "cd .."), reflector=NoReflector(), config=config)
    assert explorer.retriever is not None
    result = explorer.ask("pip install the package; where is the back-off computed?")  # no name: name_found lifts past any combiner
    assert explorer.env.offered()[0] == "docs/install.md"
    plain = Explorer(Repository(repo.path).snapshot(), policy=script("cd pkg/", "cd .."), reflector=NoReflector(),
                     config=config)
    plain.ask("pip install the package; where is the back-off computed?")
    assert plain.retriever is None and plain.env.offered()[0] == "pkg/net/retry.py"
    assert result.files[0] == "docs/install.md"
    # the answer says which fit ranked it (`ask --json`'s "fitted"; the text footer says so too)
    assert result.combiner == str(folder / COMBINER_FILE) and plain.fitted == ""
    assert result.to_dict()["fitted"] is True and result.to_dict()["combiner"] == str(folder / COMBINER_FILE)


def test_a_folder_inside_a_git_repository_is_asked_as_its_subfolder(tmp_path: Path, make_repo, tree_hash, script,
                                                                    ask_files) -> None:
    """`explore ask /repo/pkg "q"`: the walk is scoped to pkg/, answers name its own paths,
    and what git ignores there (a build copy of the same code) is never offered."""
    root = make_repo(tmp_path, {**ask_files, ".gitignore": "build/\n"})
    (root / "pkg" / "build").mkdir()
    (root / "pkg" / "build" / "retry.py").write_text(ask_files["pkg/net/retry.py"])  # ignored: a stale build copy
    before = tree_hash(root)
    explorer = Explorer(root / "pkg", policy=script("cd net/", "read retry.py", "answer net/retry.py"),
                        reflector=NoReflector())
    assert explorer.snapshot.prefix == "pkg" and "build/retry.py" not in explorer.snapshot.files
    result = explorer.ask("where is the upload retry back-off computed?")
    assert result.finished and result.files[0] == "net/retry.py"
    assert all(not f.startswith(("build/", "docs/")) for f in result.files)
    assert tree_hash(root) == before


def test_ask_repo_tool_takes_a_path_as_repo_tools_does(tmp_path: Path, make_repo, monkeypatch) -> None:
    """`ask_repo_tool("./repo")` failed with AttributeError (it took only an Explorer); a
    statement is settled without the model, so none is fetched (pip is kept off the network)."""
    from explore.agent.langchain import ask_repo_tool

    monkeypatch.setenv("PIP_NO_INDEX", "1")
    repo = make_repo(tmp_path, {"retry.py": "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "cli.py": "def main():\n    print('hello')\n"})
    tool = ask_repo_tool(str(repo))
    answer = json.loads(tool.invoke({"question": "Fix the backoff computed for a retry attempt"}))
    assert answer["files"][0] == "retry.py" and answer["evidence"]


def test_a_question_nothing_matches_gets_no_answer_not_an_off_topic_file(tmp_path: Path, make_repo, script) -> None:
    """A question no ranking matches (another language, a word the code never uses) was
    answered with whatever the walk read — a config file, for a question asking for none —
    with `answered` true and exit 0, and that file missing from `files`. It now gets no answer
    (`ask` exits 1, as `search` does), and says why; a walk out of steps with nothing seen says
    that, not that it answers the best candidate."""
    repo = Repository(make_repo(tmp_path, {"setup.cfg": "[metadata]\nname = demo\n", "README.md": "# Demo\n",
                                           "docs/notes.txt": "Datenbank\n",
                                           "pkg/core.py": "def run(value):\n    return value\n"}, git_init=False))
    from explore.agent.bundle import shipped_adapters, trained_answer, trained_config

    shipped = {"weigh": trained_answer(shipped_adapters()), "config": trained_config(shipped_adapters())}
    explorer = Explorer(repo, policy=script("read setup.cfg"), reflector=NoReflector(), walk="always", **shipped)
    result = explorer.ask("wo wird die Datenbank geöffnet?")
    assert result.files == [] and result.evidence == [] and result.answer == "no answer found"
    assert any("no file matches the question" in n and "setup.cfg" in n for n in result.notes)
    out_of_steps = Explorer(repo, policy=script("cd pkg/"), reflector=NoReflector(), walk="always", max_steps=1,
                            **shipped)
    left = out_of_steps.ask("qqqxyzzy plugh Datenbank")
    assert left.files == [] and any("no candidate was seen" in n for n in left.notes)
    # no file holds a single word of it: no answer before any walk (the script would answer)
    nothing = Explorer(repo, policy=script("read setup.cfg"), reflector=NoReflector(), walk="always", **shipped)
    unmatched = nothing.ask("wo wird die Tabelle geöffnet?")
    assert unmatched.files == [] and unmatched.steps == [] and "holds a word" in unmatched.notes[-1]


def test_a_binary_answer_says_what_it_is_instead_of_empty_evidence(tmp_path: Path, make_repo, script) -> None:
    """An answer with no lines to show (a binary file; a working tree's file deleted since
    the Explorer listed it) gave evidence with empty text and an "(empty)" panel."""
    repo = make_repo(tmp_path, {"logo.png": bytes(range(256)) * 4, "README.md": "# Demo\n"}, git_init=False)
    explorer = Explorer(Repository(repo), policy=script("read logo.png", "answer logo.png"), reflector=NoReflector(),
                        walk="always")
    result = explorer.ask("where is the logo image?")
    assert result.files[0] == "logo.png" and result.evidence[0].text == "[binary file, 1024 bytes]"


def test_an_adapter_that_is_not_there_is_said_when_the_explorer_is_made(repo: Repository, tmp_path: Path) -> None:
    """`Explorer(repo, adapters={"policy": "/nonexist"})` was made without a word and failed
    at the first walk (or never, for questions settled without one); a misspelt key was
    reported as a missing folder."""
    from explore.agent.adapters import AdapterNotFound
    from explore.sandbox.errors import ExploreError

    with pytest.raises(AdapterNotFound, match="adapters\\['policy'\\]: no adapter at"):
        Explorer(repo, adapters={"policy": tmp_path / "nonexist"})
    with pytest.raises(ExploreError, match="no adapter is called 'polcy'"):
        Explorer(repo, adapters={"polcy": tmp_path})


def test_bad_constructor_arguments_are_named(repo) -> None:
    """`Explorer(None)` said "expected str, bytes or os.PathLike object", `adapters=['x']`
    "'list' object has no attribute 'items'", and `worktree="yes"` passed silently."""
    import pytest

    from explore.agent.explorer import Explorer

    with pytest.raises(TypeError, match="repo must be a path"):
        Explorer(None)
    with pytest.raises(TypeError, match="adapters must be a dict"):
        Explorer(repo, adapters=["x"])
    with pytest.raises(TypeError, match="worktree must be True or False"):
        Explorer(repo, worktree="yes")
    # each failed at the first walk or answer, inside: "'int' object has no attribute 'decide'",
    # "expected str, bytes or os.PathLike object", "'int' object has no attribute 'invoke'"
    with pytest.raises(TypeError, match=r"policy must be a Policy \(an object with decide\(\)\), not int"):
        Explorer(repo, policy=5)
    with pytest.raises(TypeError, match=r"model must be a model's name or folder \(str or os.PathLike\), not int"):
        Explorer(repo, model=5)
    with pytest.raises(TypeError, match=r"chat_model must be a LangChain chat model \(an object with invoke\(\)\), "
                                        "not int"):
        Explorer(repo, chat_model=5)
    from explore import BadRevision

    with pytest.raises(BadRevision, match=r"rev= from Python"):  # it named the CLI's flag alone
        Explorer(repo.path, rev="v1")


def test_an_explorer_of_a_path_says_when_the_working_tree_differs_from_head(tmp_path: Path, make_repo, script) -> None:
    """`Explorer(path)` answered about HEAD and said nothing of a file just edited (the CLI
    says it on stderr, MCP in `notes`): every answer's notes say it now, once per explorer."""
    from explore.agent.explorer import UNCOMMITTED_NOTE

    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    walk = ("cd pkg/", "read retry.py", "answer pkg/retry.py")
    clean = Explorer(repo, policy=script(*walk), reflector=NoReflector()).ask("where is the retry backoff?")
    assert UNCOMMITTED_NOTE not in clean.notes
    (repo / "pkg" / "draft.py").write_text("def draft():\n    pass\n")  # not committed
    explorer = Explorer(repo, policy=script(*walk, *walk), reflector=NoReflector())
    for _ in range(2):
        assert explorer.ask("where is the retry backoff?").notes.count(UNCOMMITTED_NOTE) == 1
    tree = Explorer(repo, worktree=True, policy=script(*walk), reflector=NoReflector())
    assert UNCOMMITTED_NOTE not in tree.ask("where is the retry backoff?").notes
    given = Explorer(Repository(repo), policy=script(*walk), reflector=NoReflector())  # as the CLI gives it
    assert UNCOMMITTED_NOTE not in given.ask("where is the retry backoff?").notes


def test_an_explorer_kept_open_says_what_changed_since_it_was_made(tmp_path: Path, make_repo, commit_all, script,
                                                                    monkeypatch) -> None:
    """An editor keeps one Explorer while its user edits: a file edited after it was made on a
    clean tree, then a commit, are said in the next answers (it kept answering about the
    snapshot it took, with nothing said)."""
    import explore.agent.explorer as explorer_module
    from explore.agent.explorer import UNCOMMITTED_NOTE

    monkeypatch.setattr(explorer_module, "LOOK_AGAIN", 0.0)
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    walk = ("cd pkg/", "read retry.py", "answer pkg/retry.py")
    explorer = Explorer(repo, policy=script(*walk * 4), reflector=NoReflector())
    question = "where is the retry backoff?"
    assert explorer.ask(question).notes == []
    (repo / "pkg" / "retry.py").write_text("# moved down\n" * 30 + "def backoff(attempt):\n    return 2 ** attempt\n")
    assert UNCOMMITTED_NOTE in explorer.ask(question).notes
    commit_all(repo, "Move backoff down")
    notes = explorer.ask(question).notes
    assert UNCOMMITTED_NOTE not in notes and any("HEAD moved" in n and "new Explorer" in n for n in notes), notes
    assert Explorer(repo, policy=script(*walk), reflector=NoReflector()).ask(question).notes == []


def test_the_package_gives_the_explorer_without_loading_the_model_stack() -> None:
    """`from explore import Explorer` works (a user's first guess raised ImportError), and
    `import explore` alone loads no torch."""
    import subprocess
    import sys

    import explore
    from explore import Explorer as FromPackage
    from explore.sandbox.errors import ExploreError

    assert FromPackage is Explorer
    # and what a caller catches, beside the answer's type (they were three modules deep)
    assert all(issubclass(getattr(explore, name), ExploreError)
               for name in ("ExploreError", "RepoNotFound", "BadRevision", "EmptyQuestion"))
    assert explore.Answer.__name__ == "Answer" and set(explore.__all__) >= {"Explorer", "Answer", "ExploreError"}
    with pytest.raises(explore.RepoNotFound):
        Explorer("/no/such/folder/anywhere")
    code = "import sys, explore; print('torch' in sys.modules, 'explore.agent' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == [
        "False", "False"]


def test_an_explorer_of_a_plain_folder_answers_about_it_as_it_is_now(tmp_path: Path, make_repo, script) -> None:
    """An Explorer kept open on a plain folder answered a file deleted since it was made
    (``[no such path]`` its evidence) and never a file added: it lists the folder again before
    a question (``explore serve`` already did, per call)."""
    folder = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n",
                                  "pkg/parse.py": "def parse(text):\n    return text.split()\n"}, git_init=False)
    from explore.agent.bundle import shipped_adapters, trained_answer, trained_config

    explorer = Explorer(folder, policy=script("answer pkg/retry.py"), reflector=NoReflector(),
                        weigh=trained_answer(shipped_adapters()), config=trained_config(shipped_adapters()))
    question = "The retry backoff is computed from the attempt"
    assert explorer.ask(question).files[0] == "pkg/retry.py"
    (folder / "pkg" / "retry.py").unlink()
    (folder / "pkg" / "delay.py").write_text("def backoff(attempt):\n    return 3 ** attempt\n")
    answer = explorer.ask(question)
    assert answer.files[0] == "pkg/delay.py" and "3 ** attempt" in answer.evidence[0].text
    assert [hit["path"] for hit in explorer.search("retry backoff attempt")] == ["pkg/delay.py"]
    assert "pkg/retry.py" not in explorer.snapshot.files


def test_a_walk_outweighed_names_the_rankings_that_outweighed_it(repo: Repository, script) -> None:
    """The note named "the candidate stage's evidence" where BM25 weighed in too (a question
    is settled by both), so a reader looked for the stage's ranking and found the walk's file first."""
    from explore.agent.answer import AnswerWeights

    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read other.py", "answer pkg/net/other.py"),
                        reflector=NoReflector(), weigh=AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, read=0.0))
    result = explorer.ask("where is the upload retry back-off implemented?", walk="always")
    assert result.files[0] == "pkg/net/retry.py", result.files
    said = [n for n in result.notes if n.startswith("the walk answered pkg/net/other.py")]
    assert said == ["the walk answered pkg/net/other.py; the candidate stage and BM25 outweigh it"], result.notes


def test_behind_a_settled_answer_the_runners_up_follow_the_candidate_stage() -> None:
    """The settled answer first, then the stage's order (not the walk's offer, which takes
    BM25's files in turn with the stage's), then what else was settled or offered."""
    from explore.agent.explorer import settled_order

    stage = ["pkg/retry.py", "pkg/upload.py", "docs/retry.md", "tests/test_retry.py"]
    offered = ["pkg/retry.py", "tests/test_retry.py", "pkg/upload.py", "vendor/x/retry.py", "docs/retry.md"]
    settled = ["pkg/upload.py", "vendor/x/retry.py", "pkg/retry.py"]
    assert settled_order(settled, stage, offered) == [
        "pkg/upload.py", "pkg/retry.py", "docs/retry.md", "tests/test_retry.py", "vendor/x/retry.py"]
    assert settled_order(settled, stage, offered, k=2) == ["pkg/upload.py", "pkg/retry.py"]
    assert settled_order([], stage, offered) == []  # nothing settled: no file stands in for an answer
    assert settled_order(["README.md"], [], offered)[:2] == ["README.md", "pkg/retry.py"]  # no stage: the offer


def test_what_one_question_was_told_is_not_said_of_the_next(repo: Repository, script) -> None:
    """An Explorer kept for several questions (a LangChain tool, `explore serve`) said of a
    question about an undefined name what it had said of the question before: "where is
    zebraTeleport defined?" after one naming MongoDB was told no file holds `MongoDB`."""
    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector())
    first = explorer.ask("where is the MongoDB upload retry back-off computed?")
    assert any("holds `MongoDB`" in n for n in first.notes), first.notes
    second = explorer.ask("where is zebraTeleport defined?")
    assert not second.answered and any("holds `zebraTeleport`" in n for n in second.notes), second.notes
    assert not any("MongoDB" in n for n in second.notes), second.notes


def test_a_revision_that_is_not_text_is_refused_by_name(tmp_path: Path, make_repo, ask_files) -> None:
    """`Explorer(repo, 5)` (a commit counted, not named) and `repo_tools(repo, rev=5)` failed
    inside gitpython's caller with "'int' object has no attribute 'strip'"."""
    from explore.tools.langchain import repo_tools

    root = make_repo(tmp_path, ask_files)
    for rev in (5, b"HEAD", Path("HEAD")):
        with pytest.raises(TypeError, match=f"rev must be a branch, tag or commit id .*not {type(rev).__name__}"):
            Explorer(root, rev, model="tiny-random")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="rev must be"):
            repo_tools(root, rev=rev)  # type: ignore[arg-type]
    assert Explorer(root, "HEAD", model="tiny-random").snapshot.rev


def test_ask_repo_tool_of_something_else_says_what_it_takes() -> None:
    """`ask_repo_tool(None)` (a path variable left unset) failed with AttributeError:
    "'NoneType' object has no attribute 'snapshot'"."""
    from explore.agent.langchain import ask_repo_tool

    for wrong in (None, 5, b"./repo"):
        with pytest.raises(TypeError, match=f"a path \\(str or os.PathLike\\) or an Explorer, not {type(wrong).__name__}"):
            ask_repo_tool(wrong)  # type: ignore[arg-type]


def test_a_walk_that_is_no_mode_is_refused_by_ask_as_by_the_constructor(repo: Repository, script) -> None:
    """`Explorer(repo, walk="")` is refused, but `ask(q, walk="")` (or `walk=False`, a flag
    passed where the mode goes) answered as `auto`, silently."""
    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector())
    for wrong in ("", False, "Always"):
        with pytest.raises(ExploreError, match=f"walk must be one of auto, always, not {wrong!r}"):
            explorer.ask("where is the upload retry back-off computed?", walk=wrong)  # type: ignore[arg-type]
    assert explorer.ask("where is the upload retry back-off computed?", walk="auto").answered


def test_a_reflector_that_is_no_reflector_is_refused_when_the_explorer_is_made(repo: Repository, script) -> None:
    """`Explorer(repo, reflector="LoRA")` (or any name but lora and none, or a number) was taken,
    and the first walk failed inside with "'str' object has no attribute 'reflect'"."""
    for name in ("LoRA", "chat", ""):
        with pytest.raises(ExploreError, match=f"reflector must be 'lora' or 'none'.*not {name!r}"):
            Explorer(repo, model="tiny-random", reflector=name)
    with pytest.raises(TypeError, match="reflector must be 'lora' or 'none'.*not int"):
        Explorer(repo, model="tiny-random", reflector=5)  # type: ignore[arg-type]
    walked = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                      reflector="none").ask("where is the upload retry back-off computed?", walk="always")
    assert walked.files[0] == "pkg/net/retry.py"


def test_a_question_ask_repo_refuses_is_a_tool_error_in_its_tool_message(repo: Repository, script) -> None:
    """An empty question came back as a ToolMessage of status "success" (a question of the wrong
    type as one of status "error"): an agent loop that reads the status took the refusal for an
    answer. Its text is the same; a tool renamed says its own name."""
    from explore.agent.langchain import ask_repo_tool

    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector())
    tool = ask_repo_tool(explorer, name="ask_pkg")
    call = {"name": "ask_pkg", "id": "c1", "type": "tool_call"}
    for bad in (" ", "a\ud800b retry"):
        msg = tool.invoke({**call, "args": {"question": bad}})
        assert msg.status == "error" and msg.content.startswith("ask_pkg: the question "), msg
    assert tool.invoke({"question": " "}).startswith("ask_pkg: the question is empty")
    answered = tool.invoke({**call, "args": {"question": "where is the upload retry back-off computed?"}})
    assert answered.status == "success" and json.loads(answered.content)["files"][0] == "pkg/net/retry.py"


def test_the_first_answer_looks_again_when_the_explorer_was_made_a_while_ago(tmp_path: Path, make_repo, script,
                                                                               monkeypatch) -> None:
    """The `git status` an Explorer started when made was what its first answer said, however
    long after: a draft deleted meanwhile was still "changes HEAD does not show" (as was the
    look an answer that failed left behind, for the next answer)."""
    import threading

    import explore.agent.explorer as explorer_module
    from explore.agent.explorer import UNCOMMITTED_NOTE

    monkeypatch.setattr(explorer_module, "LOOK_AGAIN", 0.0)  # any answer now is "a while" after
    repo = make_repo(tmp_path, {"pkg/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n"})
    (repo / "pkg" / "draft.py").write_text("def draft():\n    pass\n")  # not committed
    walk = ("cd pkg/", "read retry.py", "answer pkg/retry.py")
    explorer = Explorer(repo, policy=script(*walk), reflector=NoReflector())
    for looking in [t for t in threading.enumerate() if t.name.startswith("explore-status")]:
        looking.join()  # its look saw the draft
    (repo / "pkg" / "draft.py").unlink()
    assert UNCOMMITTED_NOTE not in explorer.ask("where is the retry backoff?").notes


def test_a_chat_model_that_replies_in_content_blocks_answers_with_their_text(repo: Repository, script) -> None:
    """`Explorer(repo, chat_model=...)` whose model replies in content blocks (as Anthropic's and
    Gemini's may) answered with the list's Python repr: "[{'type': 'text', 'text': ...}]"."""
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage

    reply = AIMessage(content=[{"type": "text", "text": "It is computed in "}, {"type": "text", "text": "retry.py."}])
    explorer = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                        reflector=NoReflector(), chat_model=FakeMessagesListChatModel(responses=[reply]))
    assert explorer.ask("where is the upload retry back-off computed?").answer == "It is computed in retry.py."


def test_a_revision_given_with_a_snapshot_is_refused_not_ignored(tmp_path: Path, make_repo, ask_files,
                                                                 commit_all) -> None:
    """`Explorer(snapshot, "HEAD~1")` answered about the snapshot's own commit, the revision
    dropped without a word (`repo_tools(snapshot, rev=...)` refuses it)."""
    root = make_repo(tmp_path, ask_files)
    first = Repository(root).snapshot()
    (root / "pkg" / "net" / "retry.py").write_text("def compute_backoff(attempt):\n    return 1\n")
    commit_all(root, "Flatten the back-off")
    for rev, worktree in (("HEAD~1", False), (None, True)):
        with pytest.raises(TypeError, match="rev and worktree choose what a path is read at"):
            Explorer(first, rev, worktree=worktree, model="tiny-random")
    assert Explorer(first, model="tiny-random").snapshot is first


def test_a_cache_folder_that_cannot_be_used_is_said_by_the_python_api(tmp_path: Path, make_repo, ask_files,
                                                                      monkeypatch) -> None:
    """With EXPLORE_CACHE naming a file (or a folder that cannot be made), `Explorer(repo)`,
    its first question and `repo_tools(repo)` raised NotADirectoryError from deep inside
    (`…/cache/snapshots`), where the CLI says what to do."""
    from explore.tools.langchain import repo_tools

    git_repo, plain = make_repo(tmp_path, ask_files), make_repo(tmp_path, ask_files, git_init=False)
    (tmp_path / "cache-file").write_text("")
    for cache in (tmp_path / "cache-file", tmp_path / "cache-file" / "below"):
        monkeypatch.setenv("EXPLORE_CACHE", str(cache))
        for root in (git_repo, plain):
            with pytest.raises(ExploreError, match=f"cannot use the cache folder {cache}.*set EXPLORE_CACHE"):
                Explorer(root, model="tiny-random").ask("where is the upload retry back-off computed?")
            with pytest.raises(ExploreError, match="cannot use the cache folder"):
                repo_tools(root, question="retry")


def test_an_explorer_given_anothers_policy_reports_the_model_it_runs(repo: Repository, tmp_path: Path,
                                                                      make_repo, script) -> None:
    """The README's way to share one model, `Explorer("./other", policy=first.policy,
    adapters=first.adapters)`, answered with `model == "custom"`, not the model the walk ran."""
    first = Explorer(repo, model="tiny-random", max_steps=2)
    question = "where is the upload retry back-off computed?"
    assert first.ask(question, walk="always").model == "tiny-random"
    other = make_repo(tmp_path / "other", {"config.py": "def parse_config(path):\n    return path\n"})
    shared = Explorer(other, policy=first.policy, adapters=first.adapters, max_steps=2)
    assert shared.ask("where is the config parsed?", walk="always").model == "tiny-random"
    # a policy of the caller's own runs no model explore loaded: said as such
    mine = Explorer(repo, policy=script("cd pkg/", "cd net/", "read retry.py", "answer pkg/net/retry.py"),
                    reflector=NoReflector())
    assert mine.ask(question, walk="always").model == "custom"


def test_a_walk_that_is_no_mode_is_refused_by_walks_as_by_ask(repo: Repository, script) -> None:
    """`ask(q, walk="")` is refused, but `walks(q, walk="")` (or `walk=False`) read it as this
    explorer's mode and guessed, so the guess and the answer disagreed on what was asked."""
    explorer = Explorer(repo, policy=script(), reflector=NoReflector())
    question = "where is the upload retry back-off computed?"
    for wrong in ("", False, "Always"):
        with pytest.raises(ExploreError, match=f"walk must be one of auto, always, not {wrong!r}"):
            explorer.walks(question, walk=wrong)  # type: ignore[arg-type]
    assert explorer.walks(question, walk="always") and explorer.walks(question) == explorer.walks(question, walk="auto")


def test_search_takes_a_numpy_integer_for_k_as_the_int_it_is(repo: Repository, script) -> None:
    """`explorer.search(q, k=np.int64(5))` (a k computed with numpy, a pandas cell) was refused,
    "k must be a whole number from 1 to 100, not np.int64(5)"; a bool or a float still is."""
    import numpy as np

    explorer = Explorer(repo, policy=script(), reflector=NoReflector())
    question = "where is the upload retry back-off computed?"
    assert explorer.search(question, k=np.int64(2)) == explorer.search(question, k=2)
    assert explorer.search(question, k=np.uint8(1))[0]["path"] == "pkg/net/retry.py"
    for wrong in (True, np.bool_(True), 2.0, np.float64(2), np.int64(0), np.int64(101)):
        with pytest.raises(ExploreError, match="k must be a whole number from 1 to 100"):
            explorer.search(question, k=wrong)  # type: ignore[arg-type]


def test_the_answer_dict_names_a_file_that_is_not_utf8_as_the_mcp_server_does(tmp_path: Path, make_repo) -> None:
    """A file named in latin-1 (`caf\\xff.py`) stood in `ask(q).to_dict()` and in what the Runnable
    returns as a lone surrogate, which `pydantic_core.to_json`, orjson and so LangServe refuse to
    write ("surrogates not allowed"). The dict names it as the MCP server and `ls` do,
    `'caf\\udcff.py'`, which `read` takes back; the Answer keeps the name as the file system has it."""
    import os

    import pydantic_core

    orjson = pytest.importorskip("orjson")  # LangServe's encoder (langsmith's dependency, not explore's)

    from explore.tools.langchain import repo_tools

    name = os.fsdecode(b"caf\xff.py")
    repo = make_repo(tmp_path, {name: "def compute_backoff(attempt):\n    return 2 ** attempt\n",
                                "cli.py": "def main():\n    print('hello')\n"}, git_init=False)
    question = "where is the retry backoff attempt computed?"
    explorer = Explorer(repo, model="tiny-random", max_steps=3)
    walked = explorer.ask(question, walk="always")
    assert walked.files[0] == name and (repo / walked.files[0]).read_text().startswith("def compute_backoff")
    tools = {t.name: t for t in repo_tools(repo)}
    for out in (walked.to_dict(), explorer.as_runnable().invoke(question), Explorer(repo).ask(question).to_dict()):
        assert json.loads(pydantic_core.to_json(out)) == out == orjson.loads(orjson.dumps(out))
        assert out["files"][0] == out["evidence"][0]["path"] == "'caf\\udcff.py'", out
        assert out["weighed"]["bm25"][0][0] == "'caf\\udcff.py'"
        assert "2 ** attempt" in tools["read"].invoke({"path": out["files"][0]})
    assert "2 ** attempt" in tools["read"].invoke({"path": walked.files[0]})  # the Answer's own name opens too
    assert walked.to_dict()["weighed"]["reads"] in ([], ["'caf\\udcff.py'"])
    # a name JSON carries as it is stays as it is
    assert Explorer(repo).ask("where is main printing hello?").to_dict()["files"][0] == "cli.py"
