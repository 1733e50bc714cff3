"""The candidate stage on a real repository: units, symbols, paths and priors."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from explore.retrieval.evidence import evidence_start
from explore.retrieval.config_asked import asks_artifact_built, asks_publish, names_config
from explore.retrieval.intent import asks_definition
from explore.retrieval.query import parse
from explore.retrieval.retriever import SUBJECT_TESTED, Retriever, RetrieverConfig, _bases, retriever_for
from explore.retrieval.units import split
from explore.sandbox.index import Index
from explore.sandbox.snapshot import Repository

FILLER = "\n".join(f"def helper_{i}(value):\n    return value + {i}\n" for i in range(200))


@pytest.fixture
def repo(tmp_path: Path, make_repo) -> Path:
    return make_repo(tmp_path, {
        # A big module whose one function is about the question: BM25 over the whole file
        # dilutes it, its unit does not.
        "pkg/engine.py": FILLER + "\n\ndef compute_backoff(attempt):\n    '''Retry delay grows per attempt.'''\n"
                         "    return min(2 ** attempt, 60)\n",
        # A short test that repeats the question's words.
        "tests/test_retry.py": "def test_retry_delay_backoff():\n    # retry delay backoff retry delay\n"
                               "    assert compute_backoff(1) == 2\n",
        "docs/retry.md": "# Retry\n\nThe retry delay and back-off are described here. retry delay.\n",
        "pkg/cli.py": "def main():\n    print('hello')\n",
        "web/src/server.ts": "export function startServer(port: number) {\n  return port;\n}\n"
                             "export class Router {\n  route() {}\n}\n",
    })


def test_units_of_python_and_other_languages() -> None:
    py = split("a.py", "class A:\n    '''doc'''\n    def f(self):\n        pass\n\nasync def g():\n    pass\n")
    assert [(n, s, e) for n, s, e, _ in py] == [("A", 1, 2), ("g", 6, 7), ("f", 3, 4)]
    ts = split("s.ts", "export function startServer(p) {\n}\nexport class Router {\n}\n")
    assert [n for n, *_ in ts] == ["startServer", "Router"]
    assert split("notes.md", "def nothing():\n") == [] and split("min.js", "x" * (2 << 20)) == []
    assert split("broken.py", "def ok():\n    pass\ndef (:\n")[0][0] == "ok"  # unparsable: by definition lines


def test_units_count_lines_as_the_file_does_and_skip_minified_or_huge_files(tmp_path: Path, make_repo) -> None:
    """A form feed does not shift a unit's lines; a minified .py and a file past the size
    limit (read one byte past it: the snapshot's text stops at 1 MiB) give no units."""
    from explore.retrieval.units import MAX_UNIT_FILE_BYTES, UnitCache

    text = "x = 1\n\x0c\n" * 5 + "def target_func():\n    return special_token\n"
    (name, start, end, body), = [u for u in split("ff.py", text) if u[0] == "target_func"]
    assert (start, end) == (11, 12) and "special_token" in body
    assert split("min.py", "x=1;" * 60_000) == []
    big = "".join(f"def f{i}():\n    return {i}\n" for i in range(MAX_UNIT_FILE_BYTES // 20))
    repo = make_repo(tmp_path, {"big.py": big, "small.py": "def g():\n    return 1\n"})
    snapshot = Repository(repo).snapshot()
    memo = UnitCache()
    assert memo.units(snapshot, "small.py").names and not memo.units(snapshot, "big.py").names


def test_the_defining_module_beats_a_test_that_repeats_the_words(repo: Path) -> None:
    index = Index.build(Repository(repo).snapshot())
    question = "retry delay back-off grows too fast per attempt"
    assert index.top(question, 1)[0][0] != "pkg/engine.py"  # whole-file BM25 misses it
    hits = Retriever(index).rank(question, 5)
    assert hits[0].path == "pkg/engine.py" and any(w.startswith("unit#") for w in hits[0].why)


def test_symbols_and_traceback_paths(repo: Path) -> None:
    index = Index.build(Repository(repo).snapshot())
    retriever = retriever_for(index)
    assert retriever is retriever_for(index)  # made once per index
    rrf = retriever_for(index, RetrieverConfig(fusion="rrf"))
    assert rrf.config.fusion == "rrf" and retriever_for(index) is retriever  # no settings: the shipped ones
    assert retriever.symbols.defines("startserver") == {"web/src/server.ts"}
    assert retriever.rank("`startServer` ignores the port")[0].path == "web/src/server.ts"
    report = 'Traceback:\n  File "/x/site-packages/pkg/cli.py", line 2, in main\nboom'
    assert retriever.rank(report)[0].path == "pkg/cli.py"
    # a frame in another package names no file here by its bare name; absolute paths in prose count
    other = parse('Traceback:\n  File "/usr/lib/python3.11/site-packages/requests/cli.py", line 9, in get\nboom')
    assert other.paths == ("requests/cli.py",) and not retriever.rankings(other)["path"]
    assert [p for p, _ in retriever.rankings(parse("crash in /home/me/proj/pkg/cli.py at start"))["path"]] == \
        ["pkg/cli.py"]
    # a TypeScript project's trace names what it was compiled to (dist/…/server.js): its
    # source server.ts is that frame's file; another package's compiled file is not ours
    compiled = parse("TypeError: port is undefined\n    at listen (/home/me/proj/web/dist/src/server.js:20:31)")
    assert [p for p, _ in retriever.rankings(compiled)["path"]] == ["web/src/server.ts"]
    theirs = parse("TypeError: x\n    at f (/app/node_modules/left-pad/dist/server.js:1:1)")
    assert not retriever.rankings(theirs)["path"]


def test_a_question_asking_for_documentation_ranks_the_docs_first(repo: Path) -> None:
    """The combiner learnt from commits (docs-only changes are no history question), so it
    ranked a docs page below the code for "where is … documented?" too; the question's intent
    lifts docs pages then, and only then: not for a behaviour question, nor for a statement
    (a bug report that says "docs") — and not with ``docs_intent=0``."""
    index = Index.build(Repository(repo).snapshot())
    retriever = retriever_for(index)
    asked = "where is the retry delay back-off documented?"
    assert retriever.rank(asked, 1)[0].path == "docs/retry.md" and "docs asked" in retriever.rank(asked, 1)[0].why
    assert retriever.rank("where is the retry delay back-off computed?", 1)[0].path == "pkg/engine.py"
    report = "The retry delay back-off grows without bound, the docs say it stops at 60 seconds"
    assert retriever.rank(report, 1)[0].path == "pkg/engine.py"
    assert retriever_for(index, RetrieverConfig(docs_intent=0.0)).rank(asked, 1)[0].path == "pkg/engine.py"


def test_priors_are_configurable(repo: Path) -> None:
    index = Index.build(Repository(repo).snapshot())
    only_tests = RetrieverConfig(fusion="rrf", weights={"file": 1.0}, priors={"code": 0.0, "docs": 0.0})
    assert Retriever(index, only_tests).rank("retry delay backoff", 1)[0].path == "tests/test_retry.py"


def test_units_are_kept_on_disk_for_the_next_process(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second process loads the flat unit index instead of parsing; a damaged file is rebuilt."""
    import numpy as np

    from explore.retrieval import units as module

    monkeypatch.setattr(module, "SAVE_AFTER_SECONDS", 0.0)
    snapshot = Repository(repo).snapshot()
    module.UNITS._held.clear()  # other tests' repositories share these contents
    first = module.UnitIndex(snapshot)
    stored = module._store(snapshot, None)
    assert stored.is_file()
    module.UNITS._held.clear()  # as a new process: nothing in memory
    parsed = module.UNITS.parsed
    second = module.UnitIndex(snapshot)
    assert module.UNITS.parsed == parsed  # nothing parsed again
    terms = ["compute_backoff", "retry", "attempt"]
    assert np.allclose(first.scores(terms), second.scores(terms)) and first.unit(0) == second.unit(0)
    stored.write_bytes(b"not a pickle")
    module.UNITS._held.clear()
    third = module.UnitIndex(snapshot)
    assert np.allclose(third.scores(terms), first.scores(terms)) and module.UNITS.parsed > parsed


def test_a_new_commit_starts_from_its_parents_saved_units(tmp_path: Path, make_repo, commit_all,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """After `git pull`, a fresh process parses only the files whose content changed, and
    the set it builds is exactly the one a full parse builds."""
    import numpy as np

    from explore.retrieval import units as module

    files = {f"pkg/mod_{i}.py": f"def handler_{i}(request):\n    '''Serve request {i} with retry.'''\n"
                                f"    return request * {i}\n" for i in range(40)}
    files.update({"web/app.ts": "export function startServer(port: number) {\n  return port;\n}\n",
                  "pkg/empty.py": "X = 1\n", "pkg/gone.py": "def gone():\n    pass\n",
                  "README.md": "# demo\n"})
    repo = make_repo(tmp_path, files)
    monkeypatch.setattr(module, "SAVE_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(module, "CARRY_OVER_FILES", 5)
    cache = tmp_path / "cache"
    module.UNITS._held.clear()
    module.UnitIndex(Repository(repo).snapshot(), cache=cache)  # the parent, saved
    (repo / "pkg/mod_3.py").write_text("def handler_3(request, timeout):\n    '''Now with a timeout.'''\n")
    (repo / "pkg/empty.py").write_text("def now_a_unit():\n    '''backoff'''\n")  # had no units, has one
    (repo / "pkg/mod_7.py").write_text("Y = 2\n")  # had a unit, has none
    (repo / "pkg/gone.py").unlink()
    (repo / "pkg/new.py").write_text("def fresh_backoff(attempt):\n    return attempt\n")
    (repo / "pkg/broken.py").write_text("def ok():\n    pass\ndef (:\n")
    (repo / "pkg/mod_9.py").rename(repo / "pkg/moved_9.py")  # a rename: same content, new path
    commit_all(repo, "change six files")
    child = Repository(repo).snapshot()
    module.UNITS._held.clear()  # a fresh process
    module._RECENT.clear()
    parsed = module.UNITS.parsed
    carried = module.UnitIndex(child, cache=cache)
    assert module.UNITS.parsed - parsed == 6  # mod_3, empty, mod_7, new, broken, moved_9
    assert module._store(child, cache).is_file()  # and kept for the next process
    module.UNITS._held.clear()
    full = module.UnitIndex(child, cache=tmp_path / "other-cache")
    assert (carried.files, carried.names, carried.spans) == (full.files, full.names, full.spans)
    assert np.array_equal(carried.lengths, full.lengths) and np.array_equal(carried.offsets, full.offsets)
    for terms in (["handler_3", "timeout"], ["backoff", "retry", "request"], ["gone"], ["startserver", "port"]):
        assert np.array_equal(carried.scores(terms), full.scores(terms)), terms
    assert "gone" not in carried.names and "now_a_unit" in carried.names and "handler_7" not in carried.names


def test_a_large_set_is_flat_and_leaves_the_memo_alone(tmp_path: Path, make_repo, commit_all,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MEMO_FILES files the units are not kept file by file (memory) but flat, and the
    next commit in the same process (a warm server) starts from that set, not a full parse."""
    import numpy as np

    from explore.retrieval import units as module

    files = {f"pkg/mod_{i}.py": f"def handler_{i}(request):\n    '''Serve request {i} with retry.'''\n"
                                f"    return request * {i}\n" for i in range(40)}
    repo = make_repo(tmp_path, files)
    monkeypatch.setattr(module, "MEMO_FILES", 10)
    monkeypatch.setattr(module, "CARRY_OVER_FILES", 5)
    monkeypatch.setattr(module, "SAVE_AFTER_SECONDS", 1e9)  # nothing saved: all in this process
    module.UNITS._held.clear()
    module._RECENT.clear()
    first = module.UnitIndex(Repository(repo).snapshot(), cache=tmp_path / "cache")
    assert not module.UNITS._held and first._flat is not None and not first.parts
    (repo / "pkg/mod_3.py").write_text("def handler_3(request, timeout):\n    '''Now with a timeout.'''\n")
    commit_all(repo, "give handler 3 a timeout")
    parsed = module.UNITS.parsed
    second = module.UnitIndex(Repository(repo).snapshot(), cache=tmp_path / "cache")
    assert module.UNITS.parsed - parsed == 1  # only the changed file
    assert not list((tmp_path / "cache").rglob("*.pkl"))
    monkeypatch.setattr(module, "MEMO_FILES", 100_000)
    module._RECENT.clear()
    full = module.UnitIndex(Repository(repo).snapshot(), cache=tmp_path / "other")  # file by file
    assert full._flat is None and full.parts
    for terms in (["handler_3", "timeout"], ["retry", "request"], ["handler_30"]):
        assert np.array_equal(second.scores(terms), full.scores(terms)), terms


def test_a_backticked_unicode_name_finds_its_definition(tmp_path: Path, make_repo) -> None:
    repo = make_repo(tmp_path, {"pkg/maße.py": "def größe_berechnen(wert):\n    return wert * 2\n",
                                "pkg/other.py": "def e_berechnen(x):\n    return x\n",
                                "pkg/util.py": "def helper():\n    pass\n"})
    retriever = Retriever(Index.build(Repository(repo).snapshot()))
    hits = retriever.rank("`größe_berechnen` doubles the value", 2)
    assert hits[0].path == "pkg/maße.py" and any(w.startswith("symbol#") for w in hits[0].why)


def test_a_long_traceback_on_a_large_tree_is_ranked_at_once(tmp_path: Path, make_repo) -> None:
    """Each frame's path was compared with every file of the tree, every tail of it again:
    240 frames on 3,000 files took seconds (a large repository: a minute)."""
    files = {f"pkg{i % 30}/sub{i % 7}/mod_{i}.py": f"V{i} = {i}\n" for i in range(3000)}
    repo = make_repo(tmp_path, files, git_init=False)
    retriever = Retriever(Index.build(Repository(repo).snapshot()), RetrieverConfig(fusion="rrf"))
    retriever.rank("warm up the units", 1)
    report = "Traceback (most recent call last):\n" + "".join(
        f'  File "/srv/app/a/b/c/d/e/f/g/lib{i}/mod_x{i}.py", line {i}, in fn{i}\n    x()\n' for i in range(240))
    report += '  File "/srv/app/pkg3/sub3/mod_3.py", line 1, in boom\n  File "/srv/mod_17.py", line 1\nKeyError\n'
    start = time.perf_counter()
    ranked = retriever.rankings(parse(report))["path"]
    assert time.perf_counter() - start < 2
    assert [p for p, _ in ranked] == ["pkg17/sub3/mod_17.py", "pkg3/sub3/mod_3.py"]  # innermost first


def test_symbol_scores_do_not_depend_on_the_process_hash_seed(tmp_path: Path, make_repo) -> None:
    """A file defining three names the question uses sums three weights; summed in a set's
    order, the last bit of the sum (and so a tie's winner) changed from process to process."""
    import subprocess
    import sys

    # `alpha` defined once, `beta` twice, `gamma` nine times: 1/log(3) + 1/log(4) + 1/log(11)
    # is not the same float in every order of addition.
    files = {"pkg/core.py": "def alpha():\n    pass\n\ndef beta():\n    pass\n\ndef gamma():\n    pass\n",
             "pkg/b1.py": "def beta():\n    pass\n"}
    files.update({f"pkg/g{i}.py": "def gamma():\n    pass\n" for i in range(8)})
    repo = make_repo(tmp_path, files)
    probe = ("import sys; from explore.sandbox.index import Index; from explore.sandbox.snapshot import Repository;"
             "from explore.retrieval.retriever import Retriever; from explore.retrieval.query import parse;"
             "r = Retriever(Index.build(Repository(sys.argv[1]).snapshot(), cache=__import__('pathlib').Path(sys.argv[2])));"
             "print(repr(dict(r.rankings(parse('`alpha` calls `beta` and `gamma`'))['symbol'])['pkg/core.py']))")
    seen = set()
    for seed in range(8):
        env = {**__import__("os").environ, "PYTHONHASHSEED": str(seed)}
        run = subprocess.run([sys.executable, "-c", probe, str(repo), str(tmp_path / "cache")], env=env,
                             capture_output=True, text=True, check=True)
        seen.add(run.stdout.strip())
    assert len(seen) == 1, seen


def test_stack_traces_of_other_languages_point_at_where_it_broke(tmp_path: Path, make_repo) -> None:
    """A Go panic, a JavaScript stack and a Rust panic in a workspace: the path ranking puts
    the frame that broke first (it put `main.go` there, and every crate's `src/lib.rs` was
    read as a bare `lib.rs` and found nothing); another package's `src/de.rs` is not ours,
    and a function half the tree defines (`new`) adds no symbol evidence."""
    files = {"cmd/app/main.go": "package main\nfunc main() { server.Run() }\n",
             "server/server.go": "package server\nfunc Run() { handle() }\n",
             "server/handler.go": "package server\nfunc handle() { var m map[string]int; m[\"a\"] = 1 }\n",
             "web/src/router.js": "function route(req) { throw new Error('boom') }\n",
             "web/src/index.js": "require('./router')\n",
             "src/de.rs": "pub fn parse() {}\n"}
    files.update({f"crates/{c}/src/lib.rs": f"pub fn f_{c}() {{}}\npub fn new() {{}}\n" for c in
                  ("core", "cli", "net", "db", *(f"c{i}" for i in range(20)))})
    retriever = retriever_for(Index.build(Repository(make_repo(tmp_path, files)).snapshot()))

    def path_ranking(text: str) -> list[str]:
        return [p for p, _ in retriever.rankings(parse(text))["path"]]

    go = ("panic: assignment to entry in nil map\n\ngoroutine 1 [running]:\nexample.com/app/server.handle(...)\n"
          "\t/home/u/app/server/handler.go:2 +0x1d\nexample.com/app/server.Run()\n\t/home/u/app/server/server.go:2 +0x25\n"
          "main.main()\n\t/home/u/app/cmd/app/main.go:2 +0x17\n")
    assert path_ranking(go) == ["server/handler.go", "server/server.go", "cmd/app/main.go"]
    js = "Error: boom\n    at route (/srv/app/web/src/router.js:1:27)\n    at Object.<anonymous> (/srv/app/web/src/index.js:1:1)\n"
    assert path_ranking(js) == ["web/src/router.js", "web/src/index.js"]
    assert path_ranking("thread 'main' panicked at /home/u/ws/crates/net/src/lib.rs:1:5:\nboom") == \
        ["crates/net/src/lib.rs"]
    assert path_ranking("at /home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.1/src/de.rs:9:1") == []
    rust_new = "thread 'main' panicked at src/de.rs:1:1:\n   1: app::thing::new\n             at ./src/de.rs:1:1\n"
    assert "symbol" not in retriever.rankings(parse(rust_new)) or \
        not any(p.startswith("crates/") for p, _ in retriever.rankings(parse(rust_new))["symbol"])


def test_a_frame_in_the_repositorys_own_installed_gem_or_composer_package_is_its_file(tmp_path: Path,
                                                                                      make_repo) -> None:
    """i18n's trace through `gems/i18n-1.14.1/lib/i18n.rb` and flysystem's through
    `vendor/league/flysystem/src/UnableToMoveFile.php` found no file: a `lib/x.rb` or `src/X.php`
    of another installed package is not ours — unless that package is this repository."""
    gem = make_repo(tmp_path / "gem", {"i18n.gemspec": "Gem::Specification.new { |s| s.name = 'i18n' }\n",
                                       "lib/i18n.rb": "module I18n\n  def self.enforce_available_locales!(l)\n  end\nend\n",
                                       "lib/other.rb": "module Other\nend\n"})
    trace = ("I18n::InvalidLocale: :xx is not a valid locale\n"
             "    /usr/local/bundle/gems/i18n-1.14.1/lib/i18n.rb:365:in `enforce_available_locales!'\n"
             "    /usr/local/bundle/gems/rack-3.0.1/lib/other.rb:4:in `call'\n")
    assert [p for p, _ in retriever_for(Index.build(Repository(gem).snapshot())).rankings(parse(trace))["path"]] == \
        ["lib/i18n.rb"]  # rack's lib/other.rb is another gem's
    php = make_repo(tmp_path / "php", {"composer.json": '{"name": "league/flysystem"}\n',
                                       "src/UnableToMoveFile.php": "<?php\nfinal class UnableToMoveFile {}\n"})
    vendor = "Uncaught UnableToMoveFile in /var/www/vendor/league/flysystem/src/UnableToMoveFile.php:35\n"
    assert [p for p, _ in retriever_for(Index.build(Repository(php).snapshot())).rankings(parse(vendor))["path"]] == \
        ["src/UnableToMoveFile.php"]
    other = "Uncaught Boom in /var/www/vendor/acme/tools/src/UnableToMoveFile.php:35\n"
    assert retriever_for(Index.build(Repository(php).snapshot())).rankings(parse(other))["path"] == []


def test_a_question_naming_a_tools_settings_ranks_the_config_file_first(tmp_path: Path, make_repo) -> None:
    """`explore search "which file configures pytest?"` ranked code that mentions pytest above
    the pyproject.toml that configures it (.03 acc@1 on generated config questions): the
    learned stage never saw a config file answer a commit. A question naming a config file, a
    tool's settings or the package metadata now lifts config files — and only such a question:
    "where are retries configured?" and a bug report that says "pytest" still rank code."""
    repo = make_repo(tmp_path, {
        "pyproject.toml": "[project]\nname = 'demo'\n\n[tool.pytest.ini_options]\naddopts = '-ra'\n"
                          "testpaths = ['tests']\n",
        "pkg/plugin.py": "'''A pytest plugin: pytest fixtures for retries.'''\nimport pytest\n\n\n"
                         "@pytest.fixture\ndef retries_configured(pytestconfig):\n"
                         "    '''Where retries are configured for pytest runs.'''\n    return pytestconfig.getoption('retries')\n",
        "pkg/retry.py": "RETRIES = 3  # how many retries are configured\n\n\ndef configure_retries(n):\n"
                        "    global RETRIES\n    RETRIES = n\n",
    })
    index = Index.build(Repository(repo).snapshot())
    retriever = retriever_for(index)
    asked = "which file configures pytest?"
    top = retriever.rank(asked, 1)[0]
    assert top.path == "pyproject.toml" and "config asked" in top.why
    assert retriever_for(index, RetrieverConfig(config_intent=0.0)).rank(asked, 1)[0].path != "pyproject.toml"
    assert retriever.rank("where are retries configured?", 1)[0].path.startswith("pkg/")
    assert retriever.rank("The pytest fixture for retries returns None when the option is missing", 1)[0].path \
        .startswith("pkg/")
    # a tool no list names, its settings named for it, asked where it is configured (env_logger's deny.toml, 7th)
    rust = make_repo(tmp_path / "rust", {
        "deny.toml": "[licenses]\nallow = ['MIT', 'Apache-2.0']\n\n[bans]\nmultiple-versions = 'deny'\ndeny = []\n",
        "Cargo.toml": "[package]\nname = 'env_logger'\n",
        "src/writer/mod.rs": "/// Where the writer is configured: the target, and whether to deny colors.\n"
                             "pub fn configured(deny_colors: bool) -> bool {\n    !deny_colors\n}\n",
    })
    rust_retriever = retriever_for(Index.build(Repository(rust).snapshot()))
    denied = {h.path: h for h in rust_retriever.rank("where is cargo deny configured?", 2)}
    assert "deny.toml" in denied and "config asked" in denied["deny.toml"].why, denied
    assert rust_retriever.rank("where are denied colors configured for the writer?", 1)[0].path == "src/writer/mod.rs"
    # not a commit subject naming a settings file's word (jinja's "update dev dependencies": requirements/dev.txt)
    jinja = make_repo(tmp_path / "jinja", {"requirements/dev.txt": "pytest==8.0\ntox==4.0\n",
                                           "src/jinja2/lexer.py": "def tokenize(source):\n    return source  # dev\n"})
    assert all("config asked" not in h.why
               for h in retriever_for(Index.build(Repository(jinja).snapshot())).rank("update dev dependencies", 2))


def test_a_question_about_a_go_module_or_a_toolchain_version_ranks_its_manifest_first(tmp_path: Path,
                                                                                     make_repo) -> None:
    """go.mod was a data file to the stage, so "Which Go version does the module require?"
    answered a source file's licence header and `search "go.mod"` ranked five CI files above
    it; the Go, Node.js and Rust versions a project supports, its module path and a
    dependency's version were no config questions at all."""
    repo = make_repo(tmp_path, {
        "go.mod": "module github.com/acme/flags\n\ngo 1.21\n\nrequire github.com/spf13/pflag v1.0.5\n",
        "parse.go": "// Copyright the flags authors; the module's licence.\npackage flags\n\n"
                    "// Version is the version of the flags module.\nconst Version = \"1.2.0\"\n\n"
                    "func Parse(args []string) error {\n\treturn nil\n}\n",
        "flag.go": "package flags\n\nimport \"github.com/spf13/pflag\"\n\nvar set = pflag.NewFlagSet(\"go\", 0)\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    for asked in ("Which Go version does the module require?", "What is the path of the Go module?",
                  "what version of pflag does flags depend on?", "go.mod"):
        top = retriever.rank(asked, 1)[0]
        assert top.path == "go.mod" and "config asked" in top.why, (asked, retriever.rank(asked, 3))
    assert retriever.rank("where is the flag set made?", 1)[0].path == "flag.go"
    # the language version is lifted in the manifests that declare it: okio's twelve build.gradle.kts
    # (Java's level in some, Kotlin's in none) outranked gradle/libs.versions.toml's `kotlin = "2.2.21"`
    gradle = make_repo(tmp_path / "gradle", {
        **{f"mod{i}/build.gradle.kts": "plugins {\n  id(\"build-support\")\n}\n\nandroid {\n  compileOptions {\n"
           "    sourceCompatibility = JavaVersion.VERSION_1_8\n  }\n}\n" for i in range(6)},
        "gradle/libs.versions.toml": "[versions]\nburst = \"2.10.2\"\nkotlin = \"2.2.21\"\n",
        "src/Buffer.kt": "package okio\n\nclass Buffer {\n  fun size(): Long = 0L\n}\n"})
    versions = retriever_for(Index.build(Repository(gradle).snapshot())).rank("Which Kotlin version does the build use?", 3)
    assert versions[0].path == "gradle/libs.versions.toml" and "language version asked" in versions[0].why, versions
    assert not any("language version asked" in h.why for h in versions[1:]), versions
    # the project's own declares it, at its top: moshi's records-tests module pins its own toolchain
    toolchains = make_repo(tmp_path / "toolchains", {
        "build.gradle.kts": "java {\n  toolchain {\n    languageVersion.set(libs.versions.jdk.map(JavaLanguageVersion::of))\n"
                            "  }\n}\n",
        "moshi/records-tests/build.gradle.kts": "java {\n  toolchain {\n    languageVersion.set(JavaLanguageVersion.of(17))\n"
                                                "  }\n}\n// records tests of the Java version 17 records\n",
        "src/Moshi.kt": "class Moshi\n"})
    java = retriever_for(Index.build(Repository(toolchains).snapshot())).rank("which Java version does moshi compile with?", 2)
    assert java[0].path == "build.gradle.kts" and not any("language version asked" in h.why for h in java[1:]), java
    # the versions a CI job runs on are the workflow's (testify's "the CI workflow that runs the tests on
    # several Go versions" was answered with go.mod)
    for asked in ("where is the CI workflow that runs the tests on several Go versions?",
                  "which golang versions are tested in CI?"):
        assert "language version asked" not in retriever.rank(asked, 3)[0].why, asked
    # nor what the changelog says of it (glob's "where is the changelog entry for bumping the MSRV to 1.63?")
    from explore.retrieval.versions_asked import declares_version_asked

    assert declares_version_asked("what is the minimum supported Rust version (MSRV)?", "Cargo.toml")
    assert not declares_version_asked("Where is the changelog entry for bumping the MSRV to 1.63?", "Cargo.toml")
    # .NET after a space (`\b` never stands before its dot): serilog's SDK question asked for code
    dotnet = make_repo(tmp_path / "dotnet", {
        "global.json": '{\n  "sdk": {\n    "version": "8.0.100"\n  }\n}\n',
        "src/App/App.csproj": "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <TargetFrameworks>net8.0"
                              "</TargetFrameworks>\n  </PropertyGroup>\n</Project>\n",
        "src/App/Sdk.cs": "// the SDK version required to build is checked here\nclass SdkVersion { }\n"})
    sdk = retriever_for(Index.build(Repository(dotnet).snapshot())).rank("which version of the .NET SDK is required to build?", 1)
    assert sdk[0].path == "global.json" and "language version asked" in sdk[0].why, sdk
    assert names_config("what .NET version does the app require?")
    # Cargo's features are config
    assert names_config("Which cargo features does the crate have?") and names_config("is serde an optional dependency?")
    assert names_config("what is the minimum supported Rust version (MSRV)?")
    # a CI service named by its product (GuardClauses' Azure question answered a vendored code file)
    assert names_config("Is there an Azure DevOps pipeline definition for this repo?")
    assert names_config("does it build on AppVeyor?") and not names_config("where is the middleware pipeline built?")
    assert names_config("which Node.js versions does got support?")
    assert not names_config("where is the go module loaded?") and not names_config("which functions depend on the parser?")
    # how a release or the docs site is published (tenacity's release.yml), ProGuard's rules (gson's gson.pro),
    # the coverage a build requires (more-itertools' Makefile `--fail-under=99`)
    for asked in ("How is a new release built and uploaded to PyPI?", "How are releases published?",
                  "How is the documentation site deployed?", "Which ProGuard rules does the jar ship to its users?",
                  "What minimum test coverage percentage is required?", "when are wheels built and uploaded?",
                  "How is a new version of the gem tagged and pushed to rubygems?", "Which fastlane lane builds it?",
                  "how are the release binaries built and uploaded to GitHub?",
                  "How are the release binaries of the godotenv command built, and for which platforms?",
                  "What is the minimum macOS version the package supports?", "which swift-tools-version is declared?"):
        assert names_config(asked), asked
    # Hex (ex_machina's "… what actually pushes the new version of the package to Hex?"); not what a release's
    # publishing triggers (emoji's GitHub Pages site rebuilt "when a release is published")
    assert asks_publish("After a release PR is merged, what actually pushes the new version of the package to Hex?")
    assert not asks_publish("How is the GitHub Pages site rebuilt when a release is published?")
    assert not asks_publish("what runs after the package is published to npm?")
    # a gem or a crate released (rest-client's Rakefile); a lock or a connection released is no release
    assert asks_publish("How is the gem released for the Windows platforms as well as plain ruby?")
    assert not asks_publish("how are connections released back to the pool?")
    assert not asks_publish("how is the lock released?")
    # a new version released (toml's), and a release cut "when", in its process (deepdiff's)
    assert asks_publish("How is a new version of the crates released: which tool handles tagging?")
    assert asks_publish("How is a new version released?")
    assert asks_publish("When cutting a release, which files get their version number bumped?")
    assert not asks_publish("how is the version determined?")
    from explore.retrieval.retriever import _RELEASE_TOOL

    assert all(_RELEASE_TOOL.search(name) for name in (".bumpversion.cfg", "bumpver.toml", "tbump.toml", ".releaserc.json"))
    assert not _RELEASE_TOOL.search("version.py")
    # a name before what is shipped, and binaries attached to a release (tablewriter's release.yaml, RestSharp's
    # build-dev.yml: the question lifted code, and .csproj files as the build's)
    assert asks_publish("How are the csv2table binaries built and attached to a GitHub release when a tag is pushed?")
    assert asks_publish("How are NuGet packages built and pushed when a tag is created?")
    assert not asks_publish("How are messages pushed to the queue?")
    # a bundle or binaries asked how they are built: the build's settings and scripts (qs's package.json
    # `"dist": "browserify …"` came 7th, behind the bundle the question names); not a binary tree
    assert asks_artifact_built("How is the browser bundle dist/qs.js built, and which browserify plugins does it use?")
    assert not asks_artifact_built("Where is the binary tree built?")
    assert not asks_artifact_built("how is the parser built?")
    bundle = make_repo(tmp_path / "bundle", {
        "package.json": '{\n  "name": "qs",\n  "scripts": {\n    "dist": "mkdirp dist && browserify --standalone Qs '
                        'lib/index.js > dist/qs.js"\n  }\n}\n',
        "dist/qs.js": "(function(f){if(typeof exports==='object'){module.exports=f()}else{g.Qs=f()}})(function(){\n"
                      "var parse = function (str) { return str; };\nreturn { parse: parse };\n});\n",
        "lib/parse.js": "'use strict';\nmodule.exports = function parse(str) { return str; };\n",
        "lib/index.js": "module.exports = { parse: require('./parse') };\n"})
    built = retriever_for(Index.build(Repository(bundle).snapshot())).rank(
        "How is the browser bundle dist/qs.js built, and which browserify plugins does it use?", 2)
    assert built[0].path == "package.json" and "build asked" in built[0].why, built
    # and a script makes a release as a workflow does (httparty's script/release got no lift)
    gem = make_repo(tmp_path / "gem", {"script/release": "#!/bin/sh\ngem build httparty.gemspec\ngit tag v$VERSION\n"
                                                         "gem push httparty-$VERSION.gem\n",
                                       "Gemfile": "source 'https://rubygems.org'\ngemspec\n",
                                       "lib/httparty.rb": "module HTTParty\n  VERSION = '1.0'\nend\n"})
    first = retriever_for(Index.build(Repository(gem).snapshot())).rank(
        "How is a new version of the gem tagged and pushed to rubygems?", 1)[0]
    assert first.path == "script/release" and "script asked" in first.why, first
    # a guide to releasing, with no workflow or script, answers it; a `.gitignore` takes no config lift (pflag's)
    guide = make_repo(tmp_path / "guide", {"RELEASING.md": "# Releasing\n\n1. Tag the commit: `git tag v1.2.0`.\n"
                                                           "2. Push the tag; GitHub publishes the release notes.\n",
                                           ".gitignore": ".idea/*\n", "flag.go": "package pflag\n\nfunc Parse() {}\n"})
    hits = retriever_for(Index.build(Repository(guide).snapshot())).rank("how is a new release published?", 3)
    assert hits[0].path == "RELEASING.md" and "release guide" in hits[0].why, hits
    assert not any(h.path == ".gitignore" and "config asked" in h.why for h in hits), hits
    # a script that publishes nothing takes no lift (just's bin/test-bash-completions came first)
    scripts = make_repo(tmp_path / "scripts", {"bin/test-bash-completions": "#!/bin/sh\nbash -c 'complete -p just'\n",
                                               "bin/publish": "#!/bin/sh\ncargo publish\n"})
    hits = retriever_for(Index.build(Repository(scripts).snapshot())).rank(
        "how is a release published to crates.io with cargo after the bash completions?", 2)
    assert [h.path for h in hits] == ["bin/publish", "bin/test-bash-completions"], hits
    assert "script asked" in hits[0].why and "script asked" not in hits[1].why, hits
    # a script named for pushing something out, and javadocs published (failsafe's bin/push-javadoc.sh, dropped)
    javadoc = make_repo(tmp_path / "javadoc", {"bin/push-javadoc.sh": "#!/bin/sh\nmvn javadoc:javadoc\ncd site\n",
                                               "pom.xml": "<project><build><plugins><plugin>maven-javadoc-plugin"
                                                          "</plugin></plugins></build></project>\n",
                                               "src/Failsafe.java": "/** The javadocs' entry point. */\n"
                                                                    "public class Failsafe { }\n"})
    hits = retriever_for(Index.build(Repository(javadoc).snapshot())).rank(
        "How are the javadocs published to the failsafe.dev website?", 2)
    assert hits[0].path == "bin/push-javadoc.sh" and "script asked" in hits[0].why, hits
    # a workflow running the publishing command makes releases, whatever its name; one named for what follows a
    # release does not (Polly's nuget-packages-published.yml over build.yml's `dotnet nuget push`)
    nuget = make_repo(tmp_path / "nuget", {
        ".github/workflows/build.yml": "name: build\non: push\njobs:\n  publish:\n    steps:\n"
                                       "      - run: dotnet nuget push '*.nupkg' --source nuget.org\n",
        ".github/workflows/nuget-packages-published.yml": "name: nuget-packages-published\non: repository_dispatch\n"
                                                          "jobs:\n  notify:\n    steps:\n      - run: echo the NuGet "
                                                          "packages were pushed to nuget.org for the version tag\n",
        "src/Polly/Policy.cs": "namespace Polly { public class Policy { } }\n"})
    pushed = retriever_for(Index.build(Repository(nuget).snapshot())).rank(
        "Which workflow pushes the signed NuGet packages to nuget.org when a version tag is pushed?", 2)
    assert pushed[0].path == ".github/workflows/build.yml" and "release config" in pushed[0].why, pushed
    assert "release config" not in pushed[1].why, pushed
    # a release tool's settings and a package.json script that releases (ky's `"release": "np"` ranked 29th,
    # env_logger's release.toml for "how do maintainers cut a new release?"), "released to npm" read at all
    tools = make_repo(tmp_path / "tools", {
        "package.json": '{\n  "name": "ky",\n  "scripts": {\n    "test": "xo && ava",\n    "release": "np"\n  }\n}\n',
        "source/core/Ky.ts": "export class Ky {\n\t// a new version of the request is made for each retry\n}\n",
        "crate/release.toml": 'pre-release-commit-message = "chore: Release"\ntag-name = "v{{version}}"\n',
        "crate/src/lib.rs": "//! Cut a new logger for each release of the config.\npub fn init() {}\n",
    })
    ranked = retriever_for(Index.build(Repository(tools).snapshot()))
    first = ranked.rank("how is a new version of ky released to npm?", 1)[0]
    assert first.path == "package.json" and "release config" in first.why, first
    first = ranked.rank("how do maintainers cut a new release of the crate?", 1)[0]
    assert first.path == "crate/release.toml" and "release config" in first.why, first
    # a workflow named for releasing is one; GitHub's release-notes categories are not (swift-log's .github/release.yml)
    github = make_repo(tmp_path / "github", {
        ".github/release.yml": "changelog:\n  categories:\n    - title: SemVer Major\n      labels: [semver/major]\n",
        ".github/workflows/auto-release.yml": "name: Release\non: workflow_dispatch\njobs:\n  release:\n"
                                              "    runs-on: ubuntu-latest\n    steps:\n      - run: gh release create\n",
        ".github/workflows/main.yml": "name: Main\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
        "Sources/Logging/Logger.swift": "public struct Logger {}\n",
    })
    hits = retriever_for(Index.build(Repository(github).snapshot())).rank("how do I cut a new release of swift-log?", 2)
    assert hits[0].path == ".github/workflows/auto-release.yml" and "release config" in hits[0].why, hits
    assert all("release config" not in h.why for h in hits if h.path == ".github/release.yml"), hits
    # a workflow publishing through a publishing action, named for neither (svcs' pypi-package.yml runs
    # pypa/gh-action-pypi-publish; pyproject.toml holds "pypi" and "package" as often)
    action = make_repo(tmp_path / "action", {
        ".github/workflows/pypi-package.yml": "name: Build & upload PyPI package\non: push\njobs:\n  upload:\n"
                                              "    steps:\n      - uses: pypa/gh-action-pypi-publish@v1\n",
        "pyproject.toml": "[project]\nname = 'svcs'\n\n[tool.hatch.metadata.hooks.fancy-pypi-readme]\n"
                          "content-type = 'text/markdown'\n# the package's PyPI readme\n",
        "src/svcs/_core.py": "class Registry:\n    pass\n",
    })
    hits = retriever_for(Index.build(Repository(action).snapshot())).rank("how is the package published to PyPI?", 2)
    assert hits[0].path == ".github/workflows/pypi-package.yml" and "release config" in hits[0].why, hits
    assert "release config" not in hits[1].why, hits
    # a benchmark asked for: Go's *_bench_test.go, first by its words, stood third behind the code files (negroni's)
    bench = make_repo(tmp_path / "bench", {
        "negroni_bench_test.go": "package negroni\n\n// BenchmarkNegroni runs a request through a chain of ten "
                                 "middleware handlers.\nfunc BenchmarkNegroni(b *testing.B) {\n\tn := New()\n}\n",
        "negroni.go": "package negroni\n\n// New returns a middleware chain of handlers; each middleware calls the "
                      "next handler in the chain.\nfunc New(handlers ...Handler) *Negroni { return nil }\n"
                      "// Use adds a middleware handler to the chain.\nfunc (n *Negroni) Use(h Handler) {}\n",
        "static.go": "package negroni\n\n// Static is a middleware handler serving files; the chain calls it.\n"
                     "type Static struct{}\n"})
    hits = retriever_for(Index.build(Repository(bench).snapshot())).rank(
        "where is the benchmark for the middleware chain?", 2)
    assert hits[0].path == "negroni_bench_test.go" and "script asked" in hits[0].why, hits
    assert not names_config("how do I make a release build?")
    for other in ("how are messages published to subscribers?", "where is the package published event handled?",
                  "how does the client push to the registry?", "how is coverage of the branches measured?",
                  "how does the app check the macos version at runtime?"):
        assert not names_config(other), other
    # autotools' configure script as a noun, not the verb
    assert names_config("Which configure option disables decNumber support?")
    assert names_config("which ./configure flag enables oniguruma?")
    assert not names_config("how do I configure options for the parser?")
    # a linter's rules (pino's "what eslint rules does this project use?" answered a file disabling one)
    assert names_config("what eslint rules does this project use?") and names_config("which clippy lints are denied?")
    assert names_config("what clang-tidy checks are enabled?")  # nlohmann/json's .clang-tidy
    # Java's linters (joda-money's checkstyle.xml); the Java module path is no Go module's (it lifted pom.xml)
    assert names_config("Which checkstyle rules does the build enforce?")
    assert names_config("what is the go module path?")
    assert not names_config("Can I use joda-money on the Java module path, and which packages does it export?")
    # a crate's default features (chrono's no_std question found no Cargo.toml in its first 40)
    assert names_config("How do I use chrono in a no_std project? Which default features do I have to turn off?")
    # magic_enum's "where does CI check that the installed package works with find_package …?"
    assert names_config("Where does CI check that the installed package works with pkg-config?")
    assert not names_config("what are the validation rules for emails?")


def test_a_question_about_a_dependencys_version_ranks_the_file_pinning_it(tmp_path: Path, make_repo) -> None:
    """retrofit's "which version of OkHttp does retrofit use?" and "where is the OkHttp version
    pinned?" answered a module's build.gradle, which only names OkHttp in a comment, or the
    client code: the config file whose line pins the dependency's version is lifted, and the
    evidence opens at that line."""
    from explore.retrieval.versions_asked import dependency_asked

    repo = make_repo(tmp_path, {
        "gradle/libs.versions.toml": "[versions]\nkotlin = \"2.0.21\"\nokhttp = \"3.14.9\"\n\n[libraries]\n"
                                     "okhttp-client = { module = \"com.squareup.okhttp3:okhttp\", version.ref = \"okhttp\" }\n",
        "converters/wire/build.gradle": "dependencies {\n  // Make sure OkHttp's transitive version wins over OkHttp's own\n"
                                        "  api(libs.wireRuntime)\n  testImplementation libs.okhttp.mockwebserver\n}\n",
        "src/main/java/OkHttpCall.java": "import okhttp3.OkHttpClient;\n// OkHttp version and OkHttp calls\n"
                                         "class OkHttpCall {\n  OkHttpClient client;\n}\n",
        "package.json": '{\n  "name": "site",\n  "dependencies": {\n    "lodash": "^4.17.21"\n  }\n}\n',
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    for asked in ("which version of OkHttp does retrofit use?", "where is the OkHttp version pinned?"):
        top = retriever.rank(asked, 1)[0]
        assert top.path == "gradle/libs.versions.toml" and "dependency version asked" in top.why, (asked, top)
    assert retriever.rank("what lodash version does the site use?", 1)[0].path == "package.json"
    lines = (repo / "gradle/libs.versions.toml").read_text().splitlines()
    start = evidence_start(lines, "where is the OkHttp version pinned?", "gradle/libs.versions.toml", 12)
    assert start <= 3 <= start + 11
    # a code name asked about is no dependency where no config file pins it (markupsafe's "which version of
    # escape is used, the C one or the Python one?" lifted every workflow); `setuptools>=77` pins one
    code = make_repo(tmp_path / "code", {
        "src/markupsafe/__init__.py": "try:\n    from ._speedups import escape\nexcept ImportError:\n"
                                      "    from ._native import escape\n",
        "src/markupsafe/_native.py": "def escape(s):\n    return s.replace('&', '&amp;')\n",
        ".github/workflows/tests.yaml": "name: Tests\njobs:\n  tests:\n    runs-on: ubuntu-latest\n",
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=77"]\n',
    })
    coded = retriever_for(Index.build(Repository(code).snapshot()))
    top = coded.rank("which version of escape is used, the C one or the Python one?", 1)[0]
    assert top.path.startswith("src/") and "dependency version asked" not in top.why, top
    pinned = coded.rank("where is the setuptools version pinned?", 1)[0]
    assert pinned.path == "pyproject.toml" and "dependency version asked" in pinned.why, pinned
    assert dependency_asked("which Gradle version does moshi use?") is None  # the wrapper's, no dependency line
    # the language's own version is the manifest's language line, no dependency
    assert dependency_asked("Which Go version is required?") is None
    # a range of versions asked for, or where one is pinned with words between (swift-case-paths', kotlin-result's)
    assert dependency_asked("Which range of swift-syntax versions does the package support?") == "swift-syntax"
    assert dependency_asked("Where is the webpack version used for the JS browser tests pinned?") == "webpack"
    assert dependency_asked("the python version we use is pinned where?") is None
    assert dependency_asked("Where are the versions of EntityFrameworkCore and the other NuGet dependencies "
                            "pinned for all projects?") == "EntityFrameworkCore"
    assert dependency_asked("Where is the minimum iOS version for Swift Package Manager declared?") is None  # a platform
    assert dependency_asked("which version of the package is this?") is None
    assert dependency_asked("which version of guzzlehttp/psr7 does guzzle depend on?") == "guzzlehttp/psr7"
    # sidekiq's "what is the minimum redis-client version the gem depends on?" (answered code)
    assert dependency_asked("what is the minimum redis-client version the gem depends on?") == "redis-client"
    assert dependency_asked("what is the minimum Go version?") is None


def test_a_question_asking_where_an_error_is_thrown_ranks_the_code_throwing_it(tmp_path: Path, make_repo) -> None:
    """guzzle's "where is the TooManyRedirectsException thrown?" answered the seven-line class
    defining it (its symbol evidence), the middleware throwing it second: the code that raises
    or throws a name asked about is lifted, and the evidence opens at the line throwing it
    (not the doc comment's `@throws`)."""
    middleware = ("<?php\nclass RedirectMiddleware\n{\n" + "".join(f"    public function step{i}() {{}}\n" for i in range(30))
                  + "    /**\n     * @throws TooManyRedirectsException Too many redirects.\n     */\n"
                  "    private function guardMax($max)\n    {\n"
                  "        throw new TooManyRedirectsException(\"Will not follow more redirects\");\n    }\n}\n")
    repo = make_repo(tmp_path, {
        "src/Exception/TooManyRedirectsException.php": "<?php\nclass TooManyRedirectsException extends RequestException\n{\n}\n",
        "src/RedirectMiddleware.php": middleware,
        "src/Client.php": "<?php\nclass Client\n{\n    public function send() {}\n}\n",
        "pkg/errors.py": "class RetryLimit(Exception):\n    pass\n",
        "pkg/retry.py": "from .errors import RetryLimit\n\ndef retry(n):\n    if n > 3:\n        raise RetryLimit(n)\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("where is the TooManyRedirectsException thrown?", 1)[0]
    assert top.path == "src/RedirectMiddleware.php" and "raise asked" in top.why, retriever.rank(
        "where is the TooManyRedirectsException thrown?", 3)
    assert retriever.rank("Where is RetryLimit raised?", 1)[0].path == "pkg/retry.py"
    from explore.retrieval.intent import asks_where_raised

    # "where does X do Y", an error thrown somewhere in Y: ky's question lifted every file throwing a TypeError
    assert not asks_where_raised("where does ky decide whether a TypeError thrown by fetch is a network error?")
    for asked in ("Where does parse raise ValueError?", "where does the error get thrown?",
                  "where is the TypeError thrown by fetch caught?", "Which function throws NotFound?"):
        assert asks_where_raised(asked), asked
    # not a comment saying it will be raised, nor a line raising another error of its namespace (httparty)
    ruby = make_repo(tmp_path / "ruby", {
        "lib/httparty.rb": "module HTTParty\n  # {HTTParty::RedirectionTooDeep} error will raise upon too many redirects\n"
                           "  def self.follow; end\nend\n",
        "lib/httparty/request.rb": "module HTTParty\n  class Request\n    def perform\n      raise HTTParty::NetworkError\n"
                                   "    end\n" + "".join(f"    def step{i}; end\n" for i in range(20))
                                   + "    def validate\n      raise HTTParty::RedirectionTooDeep, 'too deep'\n    end\n"
                                     "  end\nend\n",
        "lib/httparty/exceptions.rb": "module HTTParty\n  class RedirectionTooDeep < ResponseError; end\nend\n",
    })
    raised = retriever_for(Index.build(Repository(ruby).snapshot())).rank("where is HTTParty::RedirectionTooDeep raised?", 3)
    assert raised[0].path == "lib/httparty/request.rb", raised
    assert not any("raise asked" in h.why for h in raised if h.path == "lib/httparty.rb"), raised
    lines = middleware.splitlines()
    start = evidence_start(lines, "where is the TooManyRedirectsException thrown?", "src/RedirectMiddleware.php", 12)
    thrown = next(n for n, line in enumerate(lines, start=1) if "throw new" in line)
    assert start <= thrown <= start + 11 and start > thrown - 6, (start, thrown)


def test_a_class_reopened_in_several_files_is_defined_in_the_file_named_for_it(tmp_path: Path, make_repo) -> None:
    """httparty reopens `class Request` in three files nesting its helpers: four files defined
    it, more than a definition lift takes, and "where is the HTTParty::Request class defined?"
    answered lib/httparty.rb. The file named for the class is the one defining it."""
    nest = "module HTTParty\n  class Request\n    class {0}\n      def build; end\n    end\n  end\nend\n"
    repo = make_repo(tmp_path, {
        "lib/httparty.rb": "module HTTParty\n  # Request options: the HTTParty::Request class sends them.\n"
                           + "".join(f"  def self.option_{i}(value); end # request option\n" for i in range(20)) + "end\n",
        "lib/httparty/request.rb": "module HTTParty\n  class Request\n    def perform; end\n  end\nend\n",
        "lib/httparty/request/body.rb": nest.format("Body"),
        "lib/httparty/request/multipart_boundary.rb": nest.format("MultipartBoundary"),
        "lib/httparty/request/streaming_multipart_body.rb": nest.format("StreamingMultipartBody"),
    })
    top = retriever_for(Index.build(Repository(repo).snapshot())).rank("where is the HTTParty::Request class defined?", 1)[0]
    assert top.path == "lib/httparty/request.rb" and "definition asked" in top.why, top
    # nor is the namespace every file opens the answer (lib/faraday.rb, named for `Faraday` of `Faraday::Request`),
    # and a Struct assigned in the file named for it defines it where classes reopen it
    reopen = "module Faraday\n  class Request\n    class {0} < Middleware\n      def call(env); end\n    end\n  end\nend\n"
    faraday = make_repo(tmp_path / "faraday", {
        "lib/faraday.rb": "module Faraday\n  CONTENT_TYPE = 'Content-Type'\n  class << self\n    def new; end\n  end\nend\n",
        "lib/faraday/request.rb": "module Faraday\n  Request = Struct.new(:http_method, :path, :params) do\n"
                                  "    def url(path); end\n  end\nend\n",
        **{f"lib/faraday/request/{n.lower()}.rb": reopen.format(n) for n in ("UrlEncoded", "Json", "Authorization",
                                                                              "Instrumentation")},
        "lib/faraday/connection.rb": "module Faraday\n  class Connection\n    def run_request; end\n  end\nend\n",
    })
    asked = retriever_for(Index.build(Repository(faraday).snapshot())).rank("where is Faraday::Request defined?", 3)
    assert asked[0].path == "lib/faraday/request.rb" and "definition asked" in asked[0].why, asked
    assert not any("definition asked" in h.why for h in asked if h.path == "lib/faraday.rb"), asked


def test_a_frame_whose_file_several_source_sets_hold_names_the_one_it_ran_in(tmp_path: Path, make_repo) -> None:
    """okio's `at okio.Buffer.readByteArray(Buffer.kt:345)`: five files end with
    `okio/Buffer.kt` (common, JVM, native… source sets), and the shortest path was the frame's
    file; the one whose `readByteArray` holds line 345 is."""
    common = "package okio\n\nexpect class Buffer {\n  fun readByteArray(byteCount: Long): ByteArray\n}\n"
    jvm = ("package okio\n\nactual class Buffer {\n" + "".join(f"  fun helper{i}() = {i}\n" for i in range(40))
           + "  actual fun readByteArray(byteCount: Long): ByteArray {\n    require(byteCount >= 0)\n"
           + "    return ByteArray(byteCount.toInt())\n  }\n}\n")
    shorter, ran_in = "okio/src/commonMain/kotlin/okio/Buffer.kt", "okio/src/jvmAndroidMain/kotlin/okio/Buffer.kt"
    repo = make_repo(tmp_path, {shorter: common, ran_in: jvm})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    trace = "IllegalArgumentException: byteCount: -1\n    at okio.Buffer.readByteArray(Buffer.kt:45)\n"
    assert retriever._path_hits(parse(trace)) == [ran_in, shorter]
    # no such function at that line in either: the shorter path first, as before
    assert retriever._path_hits(parse(trace.replace("readByteArray", "skipAll")))[0] == shorter


def test_a_panic_in_the_repositorys_own_go_module_or_crate_ranks_its_file_by_path(tmp_path: Path,
                                                                                  make_repo) -> None:
    """A user's panic names a Go library by its module cache path, a Rust one by Cargo's
    registry path; when that module or crate is this repository's (a go.mod, a Cargo.toml),
    the file inside it is this repository's file — also one at the module's root, which as
    an installed package's bare name gave no path evidence, and a workspace crate's
    `src/lib.rs` under its own folder. Another module's file of the same name is not ours."""
    repo = make_repo(tmp_path, {"go.mod": "module github.com/acme/flags\n\ngo 1.21\n",
                                "parse.go": "package flags\n\nfunc Parse(args []string) error {\n\treturn nil\n}\n",
                                "util/parse.go": "package util\n\nfunc Split(s string) []string {\n\treturn nil\n}\n",
                                "crates/printer/Cargo.toml": '[package]\nname = "acme-printer"\nversion = "0.1.7"\n',
                                "crates/printer/src/lib.rs": "pub fn print() {}\n",
                                "crates/other/src/lib.rs": "pub fn other() {}\n"})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ours = parse("panic: boom\n\ngoroutine 1 [running]:\ngithub.com/acme/flags.Parse(0x1)\n"
                 "\t/home/u/go/pkg/mod/github.com/acme/flags@v0.3.0/parse.go:4 +0x3c\n")
    assert [p for p, _ in retriever.rankings(ours)["path"]] == ["parse.go"]
    theirs = parse("panic: boom\n\ngoroutine 1 [running]:\ngithub.com/other/kit.Parse(0x1)\n"
                   "\t/home/u/go/pkg/mod/github.com/other/kit@v1.0.0/parse.go:4 +0x3c\n")
    assert not retriever.rankings(theirs)["path"]
    crate = parse("thread 'main' panicked at /home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/"
                  "acme-printer-0.1.7/src/lib.rs:1:5:\nattempt to subtract with overflow")
    assert [p for p, _ in retriever.rankings(crate)["path"]] == ["crates/printer/src/lib.rs"]


def test_a_pasted_error_message_ranks_the_code_that_raises_it(tmp_path: Path, make_repo) -> None:
    """A bug report pasting the error the user saw ranked by its words one at a time, and
    the user's own values pulled other files up (`(foo bar)` found click's progress *bar*).
    The code file holding a piece of the message word for word is lifted ("message found");
    a piece many candidates hold lifts none of them, and with `message_found=0` nothing moves."""
    filler = "\n".join(f"def bar_{i}(bar):\n    '''Draw the progress bar foo for {i}.'''\n    return bar\n"
                       for i in range(30))
    repo = make_repo(tmp_path, {
        "pkg/parser.py": "def parse(args):\n    if args:\n"
                         "        raise UsageError(f\"Got unexpected extra arguments ({' '.join(args)})\")\n",
        "pkg/progress.py": filler,
        "pkg/errors.py": "class UsageError(Exception):\n    '''A usage error: extra arguments, unexpected input.'''\n",
    })
    index = Index.build(Repository(repo).snapshot())
    report = "Error: Got unexpected extra arguments (foo bar)"
    top = retriever_for(index).rank(report, 1)[0]
    assert top.path == "pkg/parser.py" and "message found" in top.why
    assert retriever_for(index, RetrieverConfig(message_found=0.0)).rank(report, 1)[0].path != "pkg/parser.py"


def test_a_c_tools_error_with_a_value_as_a_plain_word_ranks_the_code_that_formats_it(tmp_path: Path,
                                                                                      make_repo) -> None:
    """`jq: error (at <stdin>:0): Cannot iterate over null (null)` answered main.c, which
    prints the `jq: error` prefix: a C tool's error line was no error line, and the user's
    value `null` is a plain word where the code has `%s`. The longest start of the piece some
    candidates hold lifts them, and the evidence opens at it."""
    printer = "\n".join(f'static void report_{i}(jv input) {{\n  fprintf(stderr, "jq: error (at %s): %s (null)\\n",'
                        f' where, msg); /* iterate over the errors {i} */\n}}\n' for i in range(12))
    executor = "\n".join(f"static int op_{i}(void) {{ return {i}; }}" for i in range(40)) + \
        '\nstatic jv each(jv container) {\n  return jv_invalid_with_msg(jv_string_fmt(\n' \
        '      "Cannot iterate over %s (%s)", jv_kind_name(jv_get_kind(container)), errbuf));\n}\n'
    repo = make_repo(tmp_path, {"src/main.c": printer, "src/execute.c": executor})
    index = Index.build(Repository(repo).snapshot())
    report = "jq: error (at <stdin>:0): Cannot iterate over null (null)"
    top = retriever_for(index).rank(report, 1)[0]
    assert top.path == "src/execute.c" and "message found" in top.why, retriever_for(index).rank(report, 2)
    lines = executor.splitlines()
    start = evidence_start(lines, report, "src/execute.c", 12)
    assert any("Cannot iterate over" in line for line in lines[start - 1:start + 11])


def test_a_question_asking_where_a_name_is_defined_ranks_the_file_defining_it(tmp_path: Path, make_repo) -> None:
    """"where is bytesify defined?" ranked the files that use the name most above the one
    that defines it (its symbol evidence carries a small learned weight). A question asking
    where a name is defined lifts the files defining it ("definition asked"); a statement
    saying "defines" does not ask."""
    callers = "\n".join(f'def use_{i}(x):\n    """bytesify x: where bytesify is defined matters not."""\n'
                        f"    return bytesify(bytesify(x))\n" for i in range(20))
    other = "\n".join(f"def helper_{i}(value):\n    return value + {i}\n" for i in range(80))
    repo = make_repo(tmp_path, {"pkg/_util.py": other + "\n\ndef bytesify(s):\n    return s.encode()\n",
                                "pkg/_events.py": "from ._util import bytesify\n\n" + callers,
                                "pkg/_headers.py": "from ._util import bytesify\n\n" + callers})
    index = Index.build(Repository(repo).snapshot())
    top = retriever_for(index).rank("where is bytesify defined?", 1)[0]
    assert top.path == "pkg/_util.py" and "definition asked" in top.why
    assert retriever_for(index, RetrieverConfig(definition_intent=0.0)).rank("where is bytesify defined?", 1)[0] \
        .path != "pkg/_util.py"


def test_a_name_few_files_hold_lifts_them_whatever_their_kind(tmp_path: Path, make_repo) -> None:
    """`explore search logrus "shallow_clone"` ranked the one file holding it, a CI config,
    fifth behind code that only shares the word *clone*: the stage learnt from commits to
    code. A name at most three files hold lifts them (`name found`), a config file too —
    not a test file, and never for a statement."""
    repo = make_repo(tmp_path, {
        "appveyor.yml": "version: 1.0.{build}\nshallow_clone: true\nbuild: off\n",
        "entry.go": "package logrus\n\n// Dup makes a shallow clone of the entry.\nfunc (e *Entry) Dup() *Entry {\n"
                    "\treturn clone(e)\n}\n\nfunc clone(e *Entry) *Entry {\n\treturn e\n}\n",
        "logger.go": "package logrus\n\n// Clone returns a shallow copy of the logger.\nfunc (l *Logger) Clone() *Logger {\n"
                     "\treturn l\n}\n",
        "entry_test.go": "package logrus\n\nfunc TestShallowCloneEntry(t *testing.T) {\n\tshallow_clone_check(t)\n}\n",
    })
    index = Index.build(Repository(repo).snapshot())
    retriever = retriever_for(index)
    top = retriever.rank("shallow_clone", 1)[0]
    assert top.path == "appveyor.yml" and "name found" in top.why
    assert retriever_for(index, RetrieverConfig(name_found=0.0)).rank("shallow_clone", 1)[0].path != "appveyor.yml"
    assert retriever.holding_names(parse("shallow_clone_check"), ["entry_test.go"]) == set()  # a test's own name
    # nor a changelog's entry naming it (zlib's "Use lseek under WinCE." put ChangeLog over gzlib.c)
    logged = make_repo(tmp_path / "logged", {"ChangeLog": "Changes in 1.2.1\n- Use lseek under WinCE\n",
                                             "gzlib.c": "#ifdef WinCE\n    lseek(fd, 0, SEEK_CUR);\n#endif\n"})
    held = retriever_for(Index.build(Repository(logged).snapshot())).holding_names(parse("Use lseek under WinCE."),
                                                                                   ["ChangeLog", "gzlib.c"])
    assert held == {"gzlib.c"}
    statement = "Set shallow_clone in the CI so the build of the logger and the entry fetches less history"
    assert not any("name found" in h.why for h in retriever.rank(statement, 5))


def test_a_question_about_the_code_that_reads_a_config_file_and_a_module_asked_by_name(tmp_path: Path,
                                                                                     make_repo) -> None:
    """"where does ripgrep read the RIPGREP_CONFIG_PATH config file?" lifted every config file
    (`.cargo/config.toml`, GitHub's issue-template `config.yml`) above the code that reads it;
    "which file defines the validators?" named no name, and test helpers ranked first."""
    repo = make_repo(tmp_path, {
        ".cargo/config.toml": "[build]\nrustflags = []\n",
        ".github/ISSUE_TEMPLATE/config.yml": "blank_issues_enabled: false\ncontact_links: []\n",
        "src/flags/config.rs": "/// Reads the config file RIPGREP_CONFIG_PATH names.\npub fn args() -> Vec<String> {\n"
                               "    let path = std::env::var_os(\"RIPGREP_CONFIG_PATH\");\n    vec![]\n}\n",
        "src/validators.py": "def instance_of(type):\n    return type\n",
        "typing_tests/checks.py": "from src import validators\nvalidators.instance_of(int)\nvalidators.instance_of(str)\n"
                                  "# the validators, checked: validators validators\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    asked = retriever.rank("where does ripgrep read the RIPGREP_CONFIG_PATH config file?", 3)
    assert asked[0].path == "src/flags/config.rs" and not any("config asked" in h.why for h in asked)
    assert names_config("Where is the Read the Docs build configured?")  # the service's name, not reading
    for handled in ("where is the config file searched for in the config paths?",  # viper's: .gitignore first
                    "where is the config file watched for changes?",
                    "how is the config file type detected from its extension?"):
        assert not names_config(handled), handled
    listed = retriever.rank("which config file sets the build flags?", 3)
    assert listed[0].path == ".cargo/config.toml" and ".github/ISSUE_TEMPLATE/config.yml" not in [h.path for h in listed[:1]]
    top = retriever.rank("which file defines the validators?", 1)[0]
    assert top.path == "src/validators.py" and "definition asked" in top.why


def test_a_bare_name_asks_where_it_is_defined_constants_and_config_keys_too(tmp_path: Path, make_repo) -> None:
    """Typed into search as into grep, `DEFAULT_LIMITS` ranked the client that imports it
    above `_config.py`, the one file that assigns it (no code unit defines a constant), and
    `ROUNDED` (all capitals: no code name at all) the panel that imports it. A name alone
    now asks where it is defined: a file assigning it, or a config file setting it as a key."""
    repo = make_repo(tmp_path, {
        "pkg/_config.py": "class Limits:\n    pass\n\n\nDEFAULT_LIMITS = Limits()\n",
        "pkg/_client.py": "from ._config import DEFAULT_LIMITS\n\n\nclass Client:\n"
                          "    def __init__(self, limits=DEFAULT_LIMITS):\n        self.limits = limits or DEFAULT_LIMITS\n"
                          "\n    def send(self):\n        return DEFAULT_LIMITS, self.limits\n",
        "pkg/box.py": "class Box:\n    pass\n\n\nROUNDED: Box = Box()\n",
        "pkg/panel.py": "from .box import ROUNDED, Box\n\n\ndef panel(box=ROUNDED):\n    return box\n",
        "ci.yml": "version: 1\nshallow_clone: true\n",
        "pkg/clone.py": "def shallow_copy(entry):\n    '''A shallow clone of the entry.'''\n    return clone(entry)\n\n\n"
                        "def clone(entry):\n    return entry\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    for asked, defining in (("DEFAULT_LIMITS", "pkg/_config.py"), ("ROUNDED", "pkg/box.py"),
                            ("shallow_clone", "ci.yml")):
        top = retriever.rank(asked, 1)[0]
        assert top.path == defining and "definition asked" in top.why, (asked, retriever.rank(asked, 3))
    assert not asks_definition("retry") and not asks_definition("Fix the retry delay")


def test_a_dotted_name_lifts_the_file_defining_both_its_parts(tmp_path: Path, make_repo) -> None:
    """"How does Options.merge handle hooks?" (got) ranked `types.ts`, which defines a
    `merge` type, above `options.ts`, whose class `Options` has the method `merge`. Never for
    a statement: a report's snippet names pairs it only uses (report-shaped .766 → .731)."""
    repo = make_repo(tmp_path, {
        "source/types.ts": "export type Hooks = {beforeRequest: Function[]};\n"
                           "/** How options merge hooks: handle the hooks of two options, hooks after hooks. */\n"
                           "export function merge(a: Hooks, b: Hooks): Hooks {\n  // merge hooks of two hooks objects\n"
                           "  return {beforeRequest: [...a.beforeRequest, ...b.beforeRequest]};\n}\n",
        "source/options.ts": "export class Options {\n  merge(options: object) {\n    this.apply(options);\n  }\n\n"
                             "  apply(options: object) {\n    return options;\n  }\n}\n",
        "source/other.ts": "export function merge(a: object) {\n  return a;\n}\n",
        "source/more.ts": "export function merge(b: object) {\n  return b;\n}\n",
        "source/extra.ts": "export function merge(c: object) {\n  return c;\n}\n",
    })
    index = Index.build(Repository(repo).snapshot())
    retriever = retriever_for(index)
    top = retriever.rank("How does Options.merge handle hooks?", 1)[0]
    assert top.path == "source/options.ts" and "pair defined" in top.why
    files = [f for f in index.files]
    assert retriever.symbols.defining_pairs(parse("How does Options.merge handle hooks?"), files) == {"source/options.ts"}
    statement = "Options.merge drops the hooks of the second object when both define beforeRequest hooks"
    assert not any("pair defined" in h.why for h in retriever.rank(statement, 5))


def test_where_a_name_is_implemented_is_the_module_not_its_type_stub(tmp_path: Path, make_repo) -> None:
    """attrs: "where is the instance_of validator implemented" answered `validators.pyi`,
    the stub that only declares it, over `validators.py` (both define it, both lifted)."""
    repo = make_repo(tmp_path, {
        "src/attr/validators.py": "def instance_of(type):\n    '''A validator that raises a TypeError.'''\n"
                                  "    def check(inst, attr, value):\n        if not isinstance(value, type):\n"
                                  "            raise TypeError(attr)\n    return check\n",
        "src/attr/validators.pyi": "def instance_of(type: type) -> _ValidatorType: ...\n"
                                   "# the instance_of validator: instance_of(type) validator, implemented\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    hits = retriever.rank("where is the instance_of validator implemented", 2)
    assert hits[0].path == "src/attr/validators.py" and "definition asked" in hits[0].why
    assert "definition asked" not in hits[1].why
    # asked for the stub itself, the stub takes the lift too
    stub = retriever.rank("where is the type stub of the instance_of validator defined?", 2)
    assert all("definition asked" in h.why for h in stub), stub


def test_a_class_asked_for_is_where_it_is_defined_not_its_namesake_method_or_declaration(tmp_path: Path,
                                                                                         make_repo) -> None:
    """commander.js: "Where is the Help class defined?" answered lib/command.js, whose
    builder method `help()` counted as a definition of `Help` (names were matched without
    case), then typings/index.d.ts, which only declares it; lib/help.js defines it."""
    repo = make_repo(tmp_path, {
        "lib/help.js": "class Help {\n  constructor() {\n    this.helpWidth = undefined;\n  }\n"
                       "  visibleCommands(cmd) {\n    return cmd.commands;\n  }\n}\n\nexports.Help = Help;\n",
        "lib/command.js": "class Command {\n  help(contextOptions) {\n    this.outputHelp(contextOptions);\n  }\n"
                          "  definedOptions() {\n    return this.options.filter((o) => o.defined);\n  }\n"
                          "  outputHelp(options) {\n    return this.createHelp().formatHelp(this, options);\n  }\n}\n",
        "typings/index.d.ts": "export class Help {\n  helpWidth?: number;\n  visibleCommands(cmd: Command): Command[];\n}\n"
                              "export class Command {\n  help(context?: HelpContext): never;\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    assert retriever.symbols.defines("Help") == {"lib/help.js", "lib/command.js", "typings/index.d.ts"}
    assert retriever.symbols.defines_as_written("Help") == {"lib/help.js", "typings/index.d.ts"}
    # and the reverse: "where is help() defined?" is the method, not the class (a review found it unchanged)
    assert retriever.symbols.defines_as_written("help") == {"lib/command.js"}
    assert retriever.symbols.defines_as_written("HELP") == retriever.symbols.defines("help")  # no unit of that case: any case
    hits = retriever.rank("Where is the Help class defined?", 3)
    assert hits[0].path == "lib/help.js" and "definition asked" in hits[0].why, hits
    assert all("definition asked" not in h.why for h in hits[1:]), hits
    # asked for the declaration itself, the typings answer (a review: it lost its first place)
    declared = retriever.rank("Where is the Help type declared in the TypeScript typings?", 3)
    assert "definition asked" in next(h.why for h in declared if h.path == "typings/index.d.ts"), declared


def test_a_long_report_opens_its_evidence_in_the_unit_it_is_about(tmp_path: Path, make_repo) -> None:
    """A report's many words crowd wherever a file repeats them — a module docstring, a
    list of names — and the window opened there, away from the function it is about (the
    training projects' issue target files: a changed line in the window .282 → .341)."""
    from explore.sandbox.index import file_lines

    header = '"""Uploads: the upload queue, the retry timer, the socket pool and the progress bar.\n\n' + \
             "\n".join(f"upload queue retry timer socket pool progress note {i}" for i in range(12)) + '\n"""\n'
    body = "\n".join(f"def helper_{i}(value):\n    return value + {i}\n" for i in range(40))
    target = ("\n\ndef send_chunk(sock, chunk, attempt):\n    # a timeout on the socket retries the chunk\n"
              "    try:\n        sock.send(chunk)\n    except TimeoutError:\n        if attempt < 3:\n"
              "            return send_chunk(sock, chunk, attempt + 1)\n        raise\n")
    root = make_repo(tmp_path, {"pkg/upload.py": header + body + target + body.replace("helper_", "other_")})
    snapshot = Repository(root).snapshot()
    report = ("Uploads hang forever when the socket times out while a chunk is sent: the chunk is never "
              "retried and the upload stalls with no error")
    hit = Retriever(Index.build(snapshot)).rank(report, 1)[0]
    lines = file_lines(snapshot.text("pkg/upload.py"))
    defined = next(n for n, line in enumerate(lines, start=1) if line.startswith("def send_chunk"))
    assert hit.unit is not None and hit.unit[0] == defined
    assert evidence_start(lines, report, hit.path, 12) < 20  # over the whole file: the docstring
    assert defined <= evidence_start(lines, report, hit.path, 12, hit.unit) <= defined + 8
    from explore.search_result import search_rows

    row = search_rows(snapshot, [hit], report)[0]  # what `explore search` shows
    assert defined <= row["line"] <= defined + 8
    short = "socket chunk retried"  # a few words: the whole file, as before
    assert evidence_start(lines, short, hit.path, 12, hit.unit) == evidence_start(lines, short, hit.path, 12)


def test_a_source_file_under_a_doc_folder_takes_no_docs_lift(tmp_path: Path, make_repo) -> None:
    """"Where is the documentation explaining how to contribute?" lifted ripgrep's
    `crates/core/flags/doc/help.rs` (source that prints help, in a folder named doc) as a
    docs page, above its CONTRIBUTING page; the walk's gate reads such a file as code, and so
    does the lift now."""
    repo = make_repo(tmp_path, {
        "crates/flags/doc/help.rs": "// Contributing documentation help: how to contribute flags.\n"
                                    "pub fn contribute_help() -> &'static str {\n    \"contribute documentation\"\n}\n",
        "docs/contributing.md": "# Contributing\n\nHow to contribute a patch.\n",
        "src/main.rs": "fn main() {\n    run();\n}\n",
    })
    ranked = retriever_for(Index.build(Repository(repo).snapshot())).rank(
        "Where is the documentation explaining how to contribute?", 3)
    assert ranked[0].path == "docs/contributing.md" and "docs asked" in ranked[0].why
    assert all("docs asked" not in h.why for h in ranked if h.path.endswith(".rs"))


def test_build_questions_find_the_build_files_of_java_and_c(tmp_path: Path, make_repo) -> None:
    """On jq "where is the build configured?" answered `build/.gitignore` (its one line `*`)
    and on gson a CI workflow: Makefile.am, configure.ac and pom.xml were data files to the
    stage. They are config, and of the config files a build question lifts the build's own."""
    repo = make_repo(tmp_path, {
        "Makefile.am": "# Build jq and its tests\nbin_PROGRAMS = jq\njq_SOURCES = src/main.c src/parse.c\nAM_CFLAGS = -Wall\n",
        "configure.ac": "dnl What the build needs of the system\nAC_INIT([jq], [1.7])\nAC_PROG_CC\n"
                        "AC_CHECK_FUNCS([strptime timegm])\nAC_OUTPUT\n",
        "build/.gitignore": "*\n",
        ".github/workflows/build.yml": "name: build\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n",
        "src/main.c": "int main(int argc, char **argv) {\n  return run(argc, argv);\n}\n",
        "src/parse.c": "int parse(const char *text) {\n  return 0;\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("where is the build configured?", 2)
    assert {h.path for h in top} == {"Makefile.am", "configure.ac"} and "build asked" in top[0].why, top
    assert retriever.rank("which autoconf checks does configure.ac run?", 1)[0].path == "configure.ac"
    assert names_config("which maven plugins does the pom.xml use?") and names_config("how is CMake configured?")
    # the docs build is the docs' own: its conf.py, not the project's build files
    docs = make_repo(tmp_path / "docs", {
        "docs/conf.py": "# Sphinx documentation build configuration\nextensions = ['sphinx.ext.autodoc']\n",
        "docs/Makefile": "# Minimal makefile for Sphinx documentation build\nSPHINXBUILD = sphinx-build\n",
        "pyproject.toml": "[build-system]\nrequires = ['flit_core']\nbuild-backend = 'flit_core.buildapi'\n"
                          "[project]\nname = 'demo'\n# documentation: docs/\n",
        "requirements/docs.txt": "# This file is autogenerated by pip-compile with Python 3.12\n# by the following "
                                 "command:\n#    pip-compile requirements/docs.in\nsphinx==7.2.6\n",
        "src/demo/core.py": "def run():\n    return 1\n",
    })
    ranked = retriever_for(Index.build(Repository(docs).snapshot()))
    hits = ranked.rank("Where is the Sphinx documentation build configured?", 3)
    assert hits[0].path.startswith("docs/") and all("build asked" not in h.why for h in hits), hits
    # a pinned requirements file pip-compile wrote is what a question about them asks for, not a copy to demote
    listed = ranked.rank("Which file lists the requirements for docs?", 1)[0]
    assert listed.path == "requirements/docs.txt" and "generated" not in listed.why, listed
    # a program's entry point is code, not a package's entry points
    assert not names_config("which file defines the main entry point?")
    assert names_config("which entry points does the package declare?")


def test_a_file_written_out_whole_ranks_first(tmp_path: Path, make_repo) -> None:
    """gson's `explore ask gson ".../functional/SerializedNameTest.java"` answered the annotation
    SerializedName.java: the test prior and the name it shares outweighed the one path that
    is the file's. A path written whole is lifted as a name found is; a list of many is not."""
    files = {"src/main/SerializedName.java": "/** Marks a field's serialized name. */\n@interface SerializedName {\n"
                                             "  String value();\n}\n" * 3,
             "src/test/functional/SerializedNameTest.java": "class SerializedNameTest {\n  void testName() {}\n}\n",
             "src/test/protobuf/annotations.proto": "syntax = 'proto2';\nmessage Options { optional string x = 1; }\n"}
    files |= {f"src/test/t{i}/T{i}Test.java": f"class T{i}Test {{}}\n" for i in range(4)}
    retriever = retriever_for(Index.build(Repository(make_repo(tmp_path, files)).snapshot()))
    for written in ("src/test/functional/SerializedNameTest.java", "what is in src/test/protobuf/annotations.proto?"):
        first = retriever.rank(written, 1)[0]
        assert first.path == written.split()[-1].rstrip("?") and "path named" in first.why, (written, first)
    # the file a verb acts on is no answer to "which … runs it?" (tomli's "which CI job runs scripts/x.py?")
    assert retriever.paths.paths_written(parse("which CI job runs src/test/protobuf/annotations.proto?")) == set()
    listed = " ".join(f"src/test/t{i}/T{i}Test.java" for i in range(4))
    assert not any("path named" in h.why for h in retriever.rank(listed, 5))
    # a file without a suffix, by its path (kotlinx-datetime's "what is in timezones/full/tzdb/Europe/Berlin?"
    # answered a Main.kt); words joined by a slash that are no file's path name none ("and/or")
    zones = make_repo(tmp_path / "zones", {"timezones/tzdb/Europe/Berlin": "TZif2 Berlin zone data\n",
                                           "src/Main.kt": "fun main() { println(\"Europe Berlin zone\") }\n"})
    zoned = retriever_for(Index.build(Repository(zones).snapshot()))
    first = zoned.rank("what is in timezones/tzdb/Europe/Berlin?", 1)[0]
    assert first.path == "timezones/tzdb/Europe/Berlin" and "path named" in first.why, first
    assert zoned.paths.paths_written(parse("is the Europe zone and/or the Berlin zone read?")) == set()


def test_an_older_copy_of_the_project_under_vendor_stays_behind_it(tmp_path: Path, make_repo) -> None:
    """A clone vendoring an older urfave/cli answered "where is a flag's value read from an
    environment variable?" with vendor/…/flag.go: the question's "flag" was read as naming the
    copy. And its eight copies of "could not parse" took the message's lift from the
    project's own flag_impl.go (more files held it than a message names)."""
    own_flag = ("package cli\n\n// Flag reads its value from an environment variable.\n"
                "func (f *Flag) fromEnv(name string) string {\n\treturn lookupEnv(f.EnvVars, name)\n}\n")
    message = 'package cli\n\nfunc (f *FlagBase) parse(s string) error {\n' \
              '\treturn fmt.Errorf("could not parse %q as %s value from %s for flag %s", s, f.kind, f.src, f.Name)\n}\n'
    from explore.sandbox.outline import is_vendored

    files = {"flag.go": own_flag, "flag_impl.go": message, "command.go": "package cli\n\ntype Command struct{}\n"}
    for i in range(8):
        files[f"vendor/github.com/urfave/cli/v{i}/flag.go"] = own_flag.replace("Flag reads", "Flag reads a flag's")
        files[f"vendor/github.com/urfave/cli/v{i}/flag_parse.go"] = message
    retriever = retriever_for(Index.build(Repository(make_repo(tmp_path, files)).snapshot()))
    ranked = retriever.rank("Where is a flag's value read from an environment variable?", 3)
    assert ranked[0].path == "flag.go" and all("vendored" in h.why for h in ranked if is_vendored(h.path)), ranked
    # a question about the copy itself still reaches it (its path written out), or takes no penalty from it
    assert retriever.rank("where does vendor/github.com/urfave/cli/v3/flag.go read the environment variable?",
                          1)[0].path == "vendor/github.com/urfave/cli/v3/flag.go"
    copies = retriever.rank("in the vendored copy, where is a flag's value read from an environment variable?", 4)
    assert any(is_vendored(h.path) for h in copies) and not any("vendored" in h.why for h in copies), copies
    bug = 'Error: could not parse "eighty" as int value from environment variable "APP_PORT" for flag port'
    first = retriever.rank(bug, 1)[0]
    assert first.path == "flag_impl.go" and "message found" in first.why, first


def test_vendored_and_generated_files_fall_behind_the_projects_own(tmp_path: Path, make_repo) -> None:
    """jq's vendored decNumber.c answered "Fix off-by-one in modulo operator" above the
    builtin.c that holds jq's modulo, and Bison's parser.c a grammar question above
    parser.y. A copied file keeps its place when the question names it or its folder."""
    words = "modulo operator remainder off by one divide".split()
    vendored = "\n".join(f"/* {' '.join(words)} {i} */\nint dec_modulo_{i}(int a, int b) {{ return a % b; }}"
                         for i in range(8))
    repo = make_repo(tmp_path, {
        "vendor/decNumber/decNumber.c": vendored,
        "src/builtin.c": "/* the modulo operator */\nstatic int f_mod(int a, int b) {\n  return a % b;\n}\n",
        "src/parser.y": "%token Term Exp\n%%\nExp: Term '+' Term { $$ = gen_binop($1, $3); }\n",
        "src/parser.c": "/* A Bison parser, made by GNU Bison 3.8.2.  */\n/* grammar rules Term Exp Term Exp */\n"
                        + "\n".join(f"int yyrule_{i}(void) {{ return {i}; }} /* Term Exp grammar rules */" for i in range(20)),
        "src/main.c": "int main(void) {\n  return 0;\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = retriever.rank("Fix off-by-one in modulo operator", 3)
    assert ranked[0].path == "src/builtin.c", ranked
    assert "vendored" in next(h.why for h in ranked if h.path.startswith("vendor/"))
    grammar = retriever.rank("grammar rules for Term and Exp", 2)
    assert grammar[0].path == "src/parser.y" and "generated" in grammar[1].why, grammar
    assert retriever.rank("modulo in decNumber", 1)[0].path == "vendor/decNumber/decNumber.c"
    assert retriever.rank("what does parser.c do with Term and Exp?", 1)[0].path == "src/parser.c"
    # autotools' script as a question's subject names it where the repository has one (zlib), not where
    # `configure` is a method (cleo's commands: "where does configure set the command name?")
    subject = "Where does configure decide whether to build the shared library on macOS?"
    for files, lifted in (({"configure": "#!/bin/sh\n# decide shared library build on macOS: shared\n",
                            "src/lib.c": "int shared_library(void) { return 1; }\n"}, True),
                          ({"src/command.py": "class Command:\n    def configure(self):\n        self.shared = 1\n",
                            "pyproject.toml": "[project]\nname = 'x'\n"}, False)):
        here = make_repo(tmp_path / f"conf{lifted}", files)
        hits = retriever_for(Index.build(Repository(here).snapshot())).rank(subject, 2)
        assert any("config asked" in h.why for h in hits) is lifted, hits
    # a bundler's output in a build folder (nedb's browserify bundle browser-version/out/nedb.js)
    bundled = make_repo(tmp_path / "bundled", {
        "lib/datastore.js": "/** Insert documents into the datastore. */\nDatastore.prototype.insert = function (doc) {\n"
                            "  return this.persistence.persistNewState([doc]);\n};\n",
        "browser-version/out/nedb.js": "(function(e){if(\"object\"==typeof exports)module.exports=e();else if(\"function\""
                                       "==typeof define&&define.amd)define(e)})(function(){\n"
                                       + "/** Insert documents into the datastore. */\nDatastore.prototype.insert = "
                                       "function (doc) { insert documents datastore; };\n" * 5 + "});\n"})
    ranked = retriever_for(Index.build(Repository(bundled).snapshot())).rank("how are documents inserted into the datastore?", 2)
    assert ranked[0].path == "lib/datastore.js" and "generated" in ranked[1].why, ranked
    # a vendored library's page too (sqlx with its own v1.2.0 under vendor/: "which README explains what the
    # reflectx package is for?" answered the copy's)
    page = "# reflectx\n\nThe reflectx package extends reflect with field mapping by tag and name.\n"
    pages = make_repo(tmp_path / "pages", {
        "reflectx/README.md": page, "vendor/github.com/jmoiron/sqlx/reflectx/README.md": page + "Older.\n",
        "reflectx/reflect.go": "package reflectx\n\nfunc Deref(t int) int { return t }\n"})
    ranked = retriever_for(Index.build(Repository(pages).snapshot())).rank(
        "Which README explains what the reflectx package is for?", 2)
    assert ranked[0].path == "reflectx/README.md" and "vendored" in ranked[1].why, ranked
    # autoconf's `configure`, a build file now, is generated from the configure.ac beside it
    conf = make_repo(tmp_path / "autoconf", {
        "configure.ac": "AC_INIT([app], [1.0])\nAC_ARG_ENABLE([threads], [use threads for the pool])\n",
        "configure": "#! /bin/sh\n# Generated by GNU Autoconf 2.71 for app 1.0.\n"
                     + "\n".join(f"enable_threads_{i}=threads pool use threads" for i in range(40)) + "\n",
        "src/pool.c": "int pool_size(void) {\n  return 4;\n}\n"})
    ranked = retriever_for(Index.build(Repository(conf).snapshot())).rank("which configure option enables threads for the pool?", 3)
    assert ranked[0].path == "configure.ac" and "generated" in next(h.why for h in ranked if h.path == "configure"), ranked
    # the grammar asked for, whose lines hold no word "grammar" (jq's parser.y ranked 26th): lifted among the candidates
    asked = retriever.rank("where is the grammar of Exp defined?", 2)
    assert asked[0].path == "src/parser.y" and "grammar asked" in asked[0].why, asked
    # Erlang's yecc grammar is one (gettext's src/gettext_po_parser.yrl was data, 9th behind the module calling it)
    yecc = make_repo(tmp_path / "yecc", {
        "src/gettext_po_parser.yrl": "Nonterminals grammar translations translation.\nTerminals str msgid msgstr.\n"
                                     "Rootsymbol grammar.\ntranslation -> msgid strings msgstr strings.\n",
        "lib/gettext/po/parser.ex": "defmodule Gettext.PO.Parser do\n  @moduledoc \"Parses PO files: tokens of the PO "
                                    "file into translations.\"\n  def parse(tokens), do: :gettext_po_parser.parse(tokens)"
                                    "\nend\n"})
    asked = retriever_for(Index.build(Repository(yecc).snapshot())).rank(
        "Where is the yecc grammar for parsing PO files defined?", 2)
    assert asked[0].path == "src/gettext_po_parser.yrl" and "grammar asked" in asked[0].why, asked
    # a minified script is a copy, by its name or its lines (retrofit's website/static/prettify.js and
    # html5shiv.min.js ranked first for commit messages about its Java code; a top-level website/'s files are
    # now the site's, so here under another folder)
    site = make_repo(tmp_path / "site", {
        "assets/static/prettify.js": "var outdated_todo_remove=1;" * 60 + "\n",
        "assets/static/html5shiv.min.js": "/* outdated todo remove */var a=1;\n",
        "src/main/java/Call.java": "// TODO: remove this outdated check\nclass Call {\n  void check() {}\n}\n" +
                                   "".join(f"class Filler{i} {{ void run{i}() {{}} }}\n" for i in range(30)),
    })
    tidy = retriever_for(Index.build(Repository(site).snapshot())).rank("Remove outdated TODO", 3)
    assert tidy[0].path == "src/main/java/Call.java", tidy
    assert all("generated" in h.why for h in tidy if h.path.startswith("assets/")), tidy
    # a generated module with no source beside it (a table a script wrote) is the project's own code
    table = make_repo(tmp_path / "table", {
        "pkg/_identifier.py": "# generated by scripts/generate_identifier_pattern.py\npattern = 'identifier pattern'\n",
        "scripts/generate_identifier_pattern.py": "def main():\n    print('pattern')\n",
        "pkg/lexer.py": "def lex(source):\n    return source.split()\n",
    })
    hit = retriever_for(Index.build(Repository(table).snapshot())).rank("update identifier pattern", 1)[0]
    assert hit.path == "pkg/_identifier.py" and "generated" not in hit.why, hit
    # a generator's own file name says it, with no source beside it: an OpenAPI client's sdk.gen.ts
    # answered a database connection error above the backend that connects
    client = "\n".join(f"// connection to server failed port {i}\nexport const connect{i} = (url) => fetch(url);"
                       for i in range(12))
    app = make_repo(tmp_path / "app", {
        "frontend/src/client/sdk.gen.ts": "// This file is auto-generated by @hey-api/openapi-ts\n" + client,
        "backend/app/core/db.py": 'def connect(url):\n    """Open the connection to the database server."""\n',
        "backend/app/main.py": "def main():\n    return 0\n",
    })
    ranked = retriever_for(Index.build(Repository(app).snapshot())).rank(
        'OperationalError: connection to server at "db" port 5432 failed', 3)
    assert ranked[0].path == "backend/app/core/db.py", ranked
    assert "generated" in next(h.why for h in ranked if h.path.endswith(".gen.ts"))
    # a mock a generator wrote from a source in another folder (go-retryablehttp with a mockgen mock under
    # mocks/ answered where its LeveledLogger interface is defined with the mock); not a generated file whose
    # named source the repository does not hold
    methods = "".join(f"// {m} mocks base method of LeveledLogger interface.\n"
                      f"func (m *MockLeveledLogger) {m}(msg string) "
                      "{\n\tm.ctrl.Call(m, \"" + m + "\")\n}\n" for m in ("Error", "Info", "Debug", "Warn"))
    mock = ("// Code generated by {}. DO NOT EDIT.\n// Source: {}\n\n"
            "package mocks\n\ntype MockLeveledLogger struct{{}}\n")
    for tool, source, marked in (("MockGen", "client.go", True), ("a script", "client.go", True),
                                 ("a script", "logger.go", False)):
        mocked = make_repo(tmp_path / f"mocked-{tool[0]}-{source[0]}", {
            "mocks/zz_generated_logger_mock.go": mock.format(tool, source) + methods,
            "client.go": "package retryablehttp\n\n// LeveledLogger is an interface for leveled logging.\n"
                         "type LeveledLogger interface {\n\tError(msg string)\n\tInfo(msg string)\n}\n",
            "roundtripper.go": "package retryablehttp\n\nfunc RoundTrip() {}\n"})
        ranked = retriever_for(Index.build(Repository(mocked).snapshot())).rank(
            "Where is the LeveledLogger interface defined, with its Error, Info, Debug and Warn methods?", 2)
        mock_hit = next(h for h in ranked if h.path.startswith("mocks/"))
        assert ("generated" in mock_hit.why) is marked, (tool, source, ranked)
        assert not marked or ranked[0].path == "client.go", ranked


def test_a_licence_is_no_candidate_unless_the_question_asks_for_one(tmp_path: Path, make_repo) -> None:
    """A licence's text holds words of any sentence ("included", "period", "shall"): fd's
    LICENSE-APACHE ranked third for a commit message about a help text. It is left out of the
    stage unless the question speaks of licences or copyright; a module named license.py stays."""
    apache = "Copyright 2020 the authors.\n" + "Licensed under the Apache License. Work shall mean the work included in the period of use.\n" * 20
    repo = make_repo(tmp_path, {"src/help.rs": "fn help() {\n    // the period is not included\n}\n",
                                "LICENSE-APACHE": apache, "COPYING.txt": apache, "src/license.py": "PERIOD = 1\n"})
    retriever = Retriever(Index.build(Repository(repo).snapshot()))
    paths = [h.path for h in retriever.rank("That period shouldn't have been included", 10)]
    assert "src/help.rs" in paths and not {"LICENSE-APACHE", "COPYING.txt"} & set(paths), paths
    assert "src/license.py" in paths
    assert "LICENSE-APACHE" in [h.path for h in retriever.rank("which licence is the work under?", 10)]
    assert "COPYING.txt" in [h.path for h in retriever.rank("update the copyright year", 10)]


def test_an_image_is_no_candidate_unless_the_question_asks_for_one(tmp_path: Path, make_repo) -> None:
    """An image is indexed by its path's words alone; matched on them ("demo", "retry") it
    answers no question about code, but "where is the retry diagram image?" gets it."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    repo = make_repo(tmp_path, {"src/retry.py": "def backoff(attempt):\n    return 2 ** attempt\n",
                                "examples/demo/retry-backoff.png": png, "docs/retry/backoff.woff2": png,
                                "README.md": "# demo\n"})
    retriever = Retriever(Index.build(Repository(repo).snapshot()))
    for fusion in ("learned", "rrf"):
        retriever.config = RetrieverConfig(fusion=fusion)
        paths = [h.path for h in retriever.rank("demo: fix the retry backoff", 10)]
        assert paths and not any(p.endswith((".png", ".woff2")) for p in paths), paths
    assert "examples/demo/retry-backoff.png" in [h.path for h in retriever.rank("where is the retry backoff diagram image?", 10)]
    assert "examples/demo/retry-backoff.png" in [h.path for h in retriever.rank("retry-backoff.png is blurry", 10)]
    # when only such files hold the question's words, they are what the stage found (not "no file holds a word")
    assert [h.path for h in retriever.rank("where are the examples?", 10)] == ["examples/demo/retry-backoff.png"]


def test_a_question_asking_where_tests_are_gets_the_tests(tmp_path: Path, make_repo) -> None:
    """"where are the tests for NameAllocator?" ranked the class itself first and its test
    seventh (javapoet), though every ranking put the test first: the combiner learnt from
    commits, whose answers are never tests, and the name lift passed tests over. A question
    asking where tests are lifts test files; how tests are run is a config question still."""
    from explore.retrieval.tests_asked import asks_for_tests

    repo = make_repo(tmp_path, {
        "pkg/alloc.py": "class NameAllocator:\n    \"\"\"Hands out unique names.\"\"\"\n\n"
                        "    def new_name(self, suggestion):\n        return suggestion + '_'\n",
        "pkg/other.py": "def helper():\n    return 1\n",
        "tests/test_alloc.py": "from pkg.alloc import NameAllocator\n\n\ndef test_new_name():\n"
                               "    assert NameAllocator().new_name('a') == 'a_'\n",
        "tox.ini": "[tox]\nenvlist = py311\n[testenv]\ncommands = pytest tests\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("where are the tests for NameAllocator?", 3)
    assert top[0].path == "tests/test_alloc.py" and "test asked" in top[0].why, top
    assert retriever.rank("where is NameAllocator defined?", 1)[0].path == "pkg/alloc.py"
    # a dotted name asked for its tests: the tests, not the file defining both parts (sqlmodel's Session.exec)
    assert retriever.rank("where are the tests for NameAllocator.new_name?", 1)[0].path == "tests/test_alloc.py"
    for asked in ("which test covers new_name?", "where is parse_args tested?", "Is Session.exec tested anywhere?",
                  "which tests check the parser?", "where are the unit tests?",
                  # what the tests are of says nothing of how tests run (commander's, guzzle's questions)
                  "Which test covers the 'Did you mean' suggestion after an unknown command?",
                  "Which test covers the MockHandler queue running out of responses?",
                  "Where are the tests for skipping hidden subcommands?", "where is the command parser tested?",
                  # tested for a case: the tests (just's "how is shell completion tested for nushell?")
                  "how is shell completion tested for nushell?", "how is the Writer tested against a temp file?",
                  # a test doing something: chi's (42nd), MediatR's ("run in" was read as how tests run)
                  "Which test starts a TLS server with ListenAndServeTLS?", "which spec would catch a broken redirect?",
                  "Which test checks that pipeline behaviors run in the right order around the handler?",
                  "Which test verifies that handlers are called?", "which test makes sure the cache expires?",
                  # a word saying which tests (jmespath's "which compliance test cases …", httparse's fuzz tests)
                  "Which compliance test cases cover slices with a negative step?", "where are the fuzz tests?"):
        assert asks_for_tests(asked), asked
    # what the tests are of may name a config format (CLI11's "… reading options from a TOML config file?")
    assert asks_for_tests("Which test covers reading options from a TOML config file?")
    # "is there a test that …" (FakeItEasy's VB integration tests, 82nd), "are there tests for X?"
    assert asks_for_tests("Is there a test that checks faking works when called from Visual Basic code?")
    assert asks_for_tests("Are there any unit tests for the retry backoff?")
    assert not asks_for_tests("is there a way to test my handler?")
    # a test's own verbs before its subject (chrono's "which test compares … the system `date` command?")
    assert asks_for_tests("Which test compares the Local conversion against the output of the system `date` command?")
    assert asks_for_tests("which test verifies that the CLI command fails on bad input?")
    assert not asks_for_tests("which command runs the tests?")
    for other in ("how do I run the tests?", "where is the test suite configured?", "Fix the failing test for x",
                  "How do I run the tests for the parser?", "Which command runs the tests?", "how is parse tested on CI?",
                  # the verb of a check, and the tests' own verb after what they are of (pflag's, fd's, tomlkit's)
                  "how is a flag's shorthand tested for being already used?", "how is the cwd tested to see if it exists?",
                  "how are the tests for pflag run in CI?", "how are the integration tests of fd invoked?",
                  "which tests run in CI?", "Which test runner does the project use?", "which tests are skipped?",
                  "which test dependencies does co install?",
                  "where is the retry backoff computed?",
                  # a verb, and a docs question (docutils' and networkx's generated questions took the lift)
                  "Which file tests whether c1 and c2 are a matching pair?",
                  "Where can I read about test a source distribution?",
                  "which function tests for an optional type annotation?", "Which helper tests for emptiness?",
                  "Which module is about things likely to be used by writers of unit tests?"):
        assert not asks_for_tests(other), other


def test_a_frame_in_the_repositorys_own_npm_package_names_its_file_and_esbuilds_bundle_is_generated(
        tmp_path: Path, make_repo) -> None:
    """picomatch's traces through `node_modules/picomatch/lib/parse.js` named no file (`lib/parse.js`
    of another package is not ours), and a committed esbuild bundle, `dist/picomatch.js`, took them."""
    parse_js = "".join(f"function step{i}(input) {{\n  return input + {i};\n}}\n" for i in range(40))
    repo = make_repo(tmp_path, {
        "package.json": '{\n  "name": "picomatch",\n  "main": "index.js"\n}\n',
        "index.js": "module.exports = require('./lib/picomatch');\n",
        "lib/picomatch.js": "const parse = require('./parse');\nfunction picomatch(glob) {\n  return parse(glob);\n}\n"
                            "module.exports = picomatch;\n",
        "lib/parse.js": parse_js + "function parse(input) {\n  if (input.length > 65536) {\n"
                        "    throw new SyntaxError(`Input length: ${input.length}, exceeds maximum allowed length`);\n"
                        "  }\n  return step1(input);\n}\nmodule.exports = parse;\n",
        "dist/picomatch.js": '"use strict";\nvar picomatch = (() => {\n  var __commonJS = (cb, mod) => function __require() '
                             '{ return mod; };\n  // lib/parse.js\n  var require_parse = __commonJS({\n'
                             '    "lib/parse.js"(exports, module) {\n      function parse(input) {\n'
                             "        throw new SyntaxError(`Input length: ${input.length}, exceeds maximum allowed length`);\n"
                             "      }\n    }\n  });\n})();\n",
    })
    trace = ("SyntaxError: Input length: 70000, exceeds maximum allowed length\n"
             "    at parse (/home/u/app/node_modules/picomatch/lib/parse.js:44:11)\n"
             "    at picomatch (/home/u/app/node_modules/picomatch/lib/picomatch.js:3:10)\n"
             "    at Object.<anonymous> (/home/u/app/main.js:3:1)\n")
    hits = retriever_for(Index.build(Repository(repo).snapshot())).rank(trace, 5)
    assert hits[0].path == "lib/parse.js" and any(w.startswith("path#") for w in hits[0].why), hits
    assert any(h.path == "dist/picomatch.js" and "generated" in h.why for h in hits), hits
    # and Deno's, from the JSR registry, by the name jsr.json gives (hono's `https://jsr.io/@hono/hono/4.6.3/…`)
    jsr = make_repo(tmp_path / "jsr", {"jsr.json": '{\n  "name": "@hono/hono",\n  "version": "4.6.3"\n}\n',
                                       "package.json": '{\n  "name": "hono"\n}\n',
                                       "src/compose.ts": "export const compose = (middleware) => dispatch(0)\n",
                                       "src/middleware/cors/index.ts": "export const cors = (options) => options.origin\n"})
    deno = ("TypeError: Cannot read properties of undefined (reading 'origin')\n"
            "    at https://jsr.io/@hono/hono/4.6.3/src/middleware/cors/index.ts:1:60\n"
            "    at dispatch (https://jsr.io/@hono/hono/4.6.3/src/compose.ts:1:40)\n")
    first = retriever_for(Index.build(Repository(jsr).snapshot())).rank(deno, 1)[0]
    assert first.path == "src/middleware/cors/index.ts" and "path#1" in first.why, first


def test_a_file_named_bare_is_the_file_unless_the_question_asks_which_test_uses_it(tmp_path: Path, make_repo) -> None:
    """godotenv's "what is in quoted.env?" answered parser.go, which holds the words `quoted` and
    `env` (a dotenv file was no path, and a bare name only a top-level file's); marked's "which test
    passes bin-input.md to the CLI?" asks for the test that reads the fixture, not the fixture."""
    repo = make_repo(tmp_path, {
        "fixtures/quoted.env": "OPTION_A='1'\nOPTION_B='2'\n",
        "parser.go": "package godotenv\n\n// quoted values and env lookups\nfunc parseQuoted(env string) string {\n"
                     "\treturn env // quoted\n}\n",
        "test/unit/fixtures/bin-input.md": "# hello\n",
        "test/unit/bin.test.js": "describe('bin', () => {\n  it('reads an input file', () => {\n"
                                 "    run(['--input', 'fixtures/bin-input.md']);\n  });\n});\n",
        "bin/main.js": "// the CLI: reads --input\nfunction main(input) { return input; }\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    first = retriever.rank("what is in quoted.env?", 2)
    assert first[0].path == "fixtures/quoted.env" and "path named" in first[0].why, first
    assert not any("name found" in h.why for h in first), first
    # nor what a script makes (emoji's "where is the script that … regenerates emoji.json?")
    made = retriever.rank("where is the script that regenerates quoted.env?", 3)
    assert not any("path named" in h.why for h in made), made
    used = retriever.rank("Which test passes bin-input.md to the CLI as an input file?", 3)
    assert used[0].path == "test/unit/bin.test.js", used
    assert not any("path named" in h.why for h in used), used


def test_a_java_interface_stands_behind_the_class_implementing_it(tmp_path: Path, make_repo) -> None:
    """java-jwt's "where does the verifier check that the token's exp claim is still valid?" answered
    interfaces/Verification.java, whose javadoc repeats every check, over JWTVerifier.java: BM25 ranked
    the interface first, and `ask` weighed it beside the stage. An interface declares; a class does."""
    from explore.agent.answer import AnswerWeights, settle
    from explore.retrieval.file_kinds import declarations_behind

    doc = "".join(f"    /**\n     * Verifies the token's expiry claim exp is still valid, leeway {i}.\n     */\n"
                  f"    Verification withLeeway{i}(long leeway);\n\n" for i in range(8))
    repo = make_repo(tmp_path, {
        "src/main/java/jwt/interfaces/Verification.java": "package jwt.interfaces;\n\n/** Verification checks. */\n"
                                                          "public interface Verification {\n" + doc + "}\n",
        "src/main/java/jwt/JWTVerifier.java": "package jwt;\n\npublic final class JWTVerifier {\n"
                                              "    private void assertValidInstantClaim(String claim, long leeway) {\n"
                                              "        // the token's expiry: valid while now is before exp plus leeway\n"
                                              "        if (now > exp + leeway) throw new TokenExpiredException();\n    }\n}\n",
    })
    asked = "how does the verifier check that the token's exp claim is still valid?"
    hits = retriever_for(Index.build(Repository(repo).snapshot())).rank(asked, 2)
    assert hits[0].path == "src/main/java/jwt/JWTVerifier.java", hits
    interface = "src/main/java/jwt/interfaces/Verification.java"
    why = {h.path: h.why for h in hits}
    assert "declares only" in why[interface], hits
    # and `ask`, weighing BM25 (which ranks the interface first) beside the stage, puts it back behind the class
    stage = [(h.path, h.score) for h in hits]
    weighed = settle(AnswerWeights(policy=0.0, stage=0.5, bm25=0.25, code_only=True, intent=True), [], {}, stage,
                     [(interface, 20.0), (hits[0].path, 5.0)], question=asked)
    assert declarations_behind(asked, [f for f, _ in weighed], [p for p, _ in stage], why)[0] == hits[0].path


def test_a_rust_module_holding_its_own_tests_answers_which_test(tmp_path: Path, make_repo) -> None:
    """httparse keeps its tests in `#[cfg(test)] mod tests` inside src/lib.rs: "which test
    covers …?" lifted test files only, and a Rust crate's tests are rarely in one."""
    repo = make_repo(tmp_path, {
        "src/lib.rs": "//! Parsing.\nmod iter;\n\n/// Parses a chunk size line.\npub fn parse_chunk_size(b: &[u8]) -> usize {\n"
                      "    b.len()\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n"
                      "    fn test_chunk_size_overflow() {\n        assert_eq!(parse_chunk_size(b\"ff\"), 2);\n    }\n}\n",
        "src/iter.rs": "/// Walks the bytes of a chunk.\npub struct Bytes<'a> {\n    slice: &'a [u8],\n}\n\n"
                       "impl<'a> Bytes<'a> {\n    /// The chunk's size overflow check.\n"
                       "    pub fn chunk_size_overflow(&self) -> bool {\n        self.slice.len() > 16\n    }\n}\n",
        "Cargo.toml": "[package]\nname = \"httparse\"\nversion = \"1.0.0\"\n",
        # a module naming the file its tests are in, and one whose tests are of something else (hyperfine's
        # export/mod.rs and range_step.rs took every test question of the crate)
        "src/export/mod.rs": "//! Chunk size exports.\n#[cfg(test)]\nmod tests;\n\npub fn export_chunk_size() {}\n",
        "src/range.rs": "/// The chunk size overflow of a range.\npub fn range_overflow() {}\n\n#[cfg(test)]\nmod tests {\n"
                        "    #[test]\n    fn steps_are_counted() {\n        assert_eq!(1, 1);\n    }\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("which test covers the chunk size overflow?", 5)
    assert top[0].path == "src/lib.rs" and "tests inside" in top[0].why, top
    assert not any("tests inside" in h.why for h in top if h.path in ("src/export/mod.rs", "src/range.rs")), top
    assert retriever.rank("where is the chunk size overflow checked?", 1)[0].path == "src/iter.rs"


def test_a_dotted_name_is_defined_where_the_member_sits_inside_the_owner(tmp_path: Path, make_repo) -> None:
    """"Which file defines `ContextError.provide`?" (anyhow) lifted error.rs, which declares the
    struct and an unrelated `provide`, over context.rs, whose `impl … for ContextError` holds
    it: files defining both names were taken as the pair's. The member's enclosing type (a
    Rust impl with its `where` clause, a Python class, a Go receiver) is read from the lines
    above it now."""
    repo = make_repo(tmp_path, {
        "src/error.rs": "pub struct ContextError<C, E> {\n    context: C,\n    error: E,\n}\n\n"
                        "impl ErrorImpl {\n    fn provide(&self) {\n        todo!()\n    }\n}\n",
        "src/context.rs": "impl<C, E> StdError for ContextError<C, E>\nwhere\n    C: Display,\n{\n"
                          "    fn provide<'a>(&'a self, request: &mut Request<'a>) {\n        todo!()\n    }\n}\n",
        "pkg/opts.py": "class Options:\n    def merge(self, other):\n        return other\n\n\n"
                       "class Hooks:\n    @property\n    def merge(self):\n        return None\n",
        "pkg/types.py": "class Options:\n    pass\n\n\ndef merge(a, b):\n    return a\n",
        "cmd/command.go": "package cmd\n\ntype Command struct{}\n\nfunc (c *Runner) Execute() error {\n\treturn nil\n}\n",
        "cmd/runner.go": "package cmd\n\ntype Runner struct{}\n\nfunc (c *Command) Execute() error {\n\treturn nil\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    assert retriever.symbols.defining_in("ContextError", "provide") == {"src/context.rs"}
    assert retriever.symbols.defining_in("Options", "merge") == {"pkg/opts.py"}
    assert retriever.symbols.defining_in("Hooks", "merge") == {"pkg/opts.py"}
    assert retriever.symbols.defining_in("Command", "Execute") == {"cmd/runner.go"}
    assert retriever.rank("Which file defines `ContextError.provide`?", 1)[0].path == "src/context.rs"
    assert retriever.rank("Which file defines `Options.merge`?", 1)[0].path == "pkg/opts.py"
    assert retriever.rank("Which file defines `Command.Execute`?", 1)[0].path == "cmd/runner.go"


def test_a_changelog_takes_no_docs_lift_unless_asked_for(tmp_path: Path, make_repo) -> None:
    """zap's "How can I change the log level at runtime over HTTP?" asks for a guide ("how can
    I"), and the docs lift put a 2017 entry of CHANGELOG.md first: a changelog is lifted only
    where the question asks for it, by name or by what its sections say (what was fixed)."""
    repo = make_repo(tmp_path, {
        "CHANGELOG.md": "# Changelog\n\n## 1.4.0\n- Change the log level at runtime over HTTP with the level handler.\n"
                        "- Fix the HTTP level handler's runtime change.\n",
        "docs/FAQ.md": "# FAQ\n\nLoggers write JSON by default.\n",
        "level.go": "package zap\n\n// ServeHTTP changes the log level at runtime over HTTP.\nfunc (l Level) ServeHTTP() {}\n",
        "http_handler.go": "package zap\n\n// The level handler: GET and PUT the level over HTTP at runtime.\nfunc handler() {}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    how = retriever.rank("How can I change the log level at runtime over HTTP?", 5)
    assert all("docs asked" not in h.why for h in how if h.path == "CHANGELOG.md") and how[0].path.endswith(".go"), how
    for asked in ("where does the changelog say the log level can change at runtime?",
                  "which document explains what was fixed in the level handler over HTTP?"):
        first = retriever.rank(asked, 1)[0]
        assert first.path == "CHANGELOG.md" and "docs asked" in first.why, (asked, first)
    from explore.retrieval.file_kinds import is_changelog

    assert is_changelog("docs/changes.rst") and is_changelog("HISTORY.md") and is_changelog("changelog.d/12.bugfix.md")
    assert not is_changelog("doc/changelog/migration_12.rst") and not is_changelog("CONTRIBUTING.md")
    # a documentation site's page of its own (CsvHelper's, lifted for "how do I read a date column …")
    assert is_changelog("src/Site/input/change-log/index.md") and is_changelog("docs/changelog/README.md")
    assert not is_changelog("docs/guide/index.md") and not is_changelog("index.md")
    # a release's own notes (tornado's docs/releases/v3.0.0.rst answered "how do I enable access logging?")
    assert is_changelog("docs/releases/v3.0.0.rst") and is_changelog("docs/whatsnew/3.11.rst")
    assert is_changelog("doc/build/changelog/changelog_14.rst")
    # one per release, named without a separator (junit4's 36 doc/ReleaseNotes4.x.md); "fixed" as an adjective asks for
    # no changelog (rand's "… from a fixed seed", junit4's "… in a fixed order" answered CHANGELOG.md, release notes)
    from explore.retrieval.file_kinds import passed_over

    assert is_changelog("doc/ReleaseNotes4.11.md") and is_changelog("doc/ReleaseNotes4.6.html")
    assert passed_over("CHANGELOG.md", parse("How do I get the same sequence from a fixed seed, e.g. for tests?"))
    assert not passed_over("CHANGELOG.md", parse("which release fixed the seed handling bug?"))
    assert not passed_over("CHANGELOG.md", parse("Where is fixed documented?"))  # a release notes' "Fixed" heading
    # a project's policies, where GitHub reads them, only where asked (bitflags' SECURITY.md and CODE_OF_CONDUCT.md
    # took the docs lift for "how do I give a flag a different name …?"); a guide named so is a page
    renaming = parse("How do I give a flag a different name for parsing and Display?")
    assert passed_over("SECURITY.md", renaming) and passed_over(".github/CODE_OF_CONDUCT.md", renaming)
    assert not passed_over("SECURITY.md", parse("how do I report a security vulnerability?"))
    assert not passed_over("docs/2.x/security.md", renaming)
    # making a release asks for the guide to releasing, not the notes (kotlinpoet's answered docs/changelog.md)
    releasing = make_repo(tmp_path / "releasing", {
        "docs/changelog.md": "# Change Log\n\n## 1.2 release\n- Steps of the release: cut from main.\n",
        "RELEASING.md": "# Releasing\n\n1. Set the version to the release version.\n2. Tag the release and push.\n",
        "src/Main.kt": "class Main\n"})
    steps = retriever_for(Index.build(Repository(releasing).snapshot())).rank(
        "how do I cut a release of kotlinpoet, what are the steps?", 2)
    assert steps[0].path == "RELEASING.md", steps


def test_a_message_in_a_table_keyed_by_a_name_lifts_the_code_raising_the_name(tmp_path: Path, make_repo) -> None:
    """serde_json's error.rs holds every message in one match, `ErrorCode::KeyMustBeAString =>
    f.write_str("key must be a string")`, and the code raising it names the variant only: the
    table took the message lift over ser.rs (4th) and read.rs (5th). The files using the key
    take it; a table whose key half the code uses, or a message written where it is raised,
    keeps it."""
    table = ("pub enum ErrorCode {\n    KeyMustBeAString,\n    ControlCharacterWhileParsingString,\n}\n\n"
             "impl Display for ErrorCode {\n    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n"
             "        match self {\n            ErrorCode::KeyMustBeAString => f.write_str(\"key must be a string\"),\n"
             "            ErrorCode::ControlCharacterWhileParsingString => {\n"
             "                f.write_str(\"control character found while parsing a string\")\n            }\n"
             "        }\n    }\n}\n")
    repo = make_repo(tmp_path, {
        "src/error.rs": table + "\n".join(f"// error helpers for the serializer and reader {i}" for i in range(5)),
        "src/ser.rs": "fn key_must_be_a_string() -> Error {\n"
                      "    Error::syntax(ErrorCode::KeyMustBeAString, 0, 0)\n}\n\n"
                      "/// Where does it reject a tuple key? Serialize the tuple key of a map.\n"
                      "fn serialize_tuple_key(key: &Tuple) -> Result<()> {\n    reject(key)\n}\n",
        "src/read.rs": "fn parse_str(&mut self) -> Result<()> {\n    if ch < 0x20 {\n"
                       "        return error(self, ErrorCode::ControlCharacterWhileParsingString);\n    }\n}\n",
        "src/map.rs": "pub struct Map { inner: BTreeMap<String, Value> }\n"})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    pasted = ("thread 'main' panicked at src/main.rs:22:45:\ncalled `Result::unwrap()` on an `Err` value: "
              "Error(\"key must be a string\", line: 0, column: 0)\n\nWhere does it reject the tuple key?")
    hits = retriever.rank(pasted, 3)
    assert hits[0].path == "src/ser.rs" and "message raised" in hits[0].why, hits
    assert hits[0].unit is not None and hits[0].unit[0] <= 2 <= hits[0].unit[1], hits  # its evidence where it raises
    assert all("message found" not in h.why for h in hits if h.path == "src/error.rs"), hits
    control = retriever.rank('Error("control character found while parsing a string", line: 3, column: 18)', 2)
    assert control[0].path == "src/read.rs", control  # the arm above a message on its own line
    from explore.retrieval.messages import _table_keys

    assert _table_keys(['    #[error("key must be a string")]', "    KeyMustBeAString,"], 0) == {"KeyMustBeAString"}
    assert _table_keys(['    raise ValueError("key must be a string")'], 0) == set()


def test_a_c_constant_s_message_lifts_the_code_raising_it_and_a_message_s_first_word_is_no_key(
        tmp_path: Path, make_repo) -> None:
    """yaml-cpp keeps its messages as `const char* const END_OF_MAP = "end of map not found";` in
    exceptions.h, read as no table, and src/singledocparser.cpp, which throws
    `ParserException(mark, ErrorMsg::END_OF_MAP)`, took no lift; swift-case-paths' message
    `XCTModify: Expected … to be modified`, written in a multi-line string, was read as a table's key
    `XCTModify` and its file lost the message lift to a file calling `_XCTModify`."""
    repo = make_repo(tmp_path, {
        "include/exceptions.h": "namespace ErrorMsg {\n"
                                "const char* const END_OF_MAP = \"end of map not found\";\n"
                                "const char* const END_OF_SEQ = \"end of sequence not found\";\n"
                                "#define INVALID_ANCHOR_MSG \"invalid anchor name here\"\n}\n"
                                + "\n".join(f"// the parser's exceptions {i}" for i in range(5)),
        "src/singledocparser.cpp": "void SingleDocParser::HandleBlockMap() {\n  if (m_scanner.empty())\n"
                                   "    throw ParserException(mark, ErrorMsg::END_OF_MAP);\n}\n",
        "src/scanner.cpp": "void Scanner::ScanAnchor() {\n  throw ParserException(mark, INVALID_ANCHOR_MSG);\n}\n",
        "src/seq.cpp": "void HandleSeq() {\n  throw ParserException(mark, ErrorMsg::END_OF_SEQ);\n}\n",
        "Sources/XCTestSupport.swift": "public func XCTModify() {\n  XCTFail(\n    \"\"\"\n"
                                       "    XCTModify: Expected \\(typeName) value to be modified but it was "
                                       "unchanged.\n"
                                       "    \"\"\"\n  )\n}\n",
        "Sources/Deprecations.swift": "public func XCTModifyOld() {\n  _XCTModify()\n}\n"})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    pasted = ("terminate called after throwing an instance of 'YAML::ParserException'\n"
              "  what():  yaml-cpp: error at line 4, column 2: end of map not found\n")
    hits = retriever.rank(pasted, 3)
    assert hits[0].path == "src/singledocparser.cpp" and "message raised" in hits[0].why, hits
    defined = retriever.rank("ParserException: invalid anchor name here\nwhere is it thrown?", 3)
    assert "message raised" in next(h for h in defined if h.path == "src/scanner.cpp").why, defined
    failed = retriever.rank("/Users/me/AppTests/FeatureTests.swift:42: error: -[AppTests.FeatureTests testEdit] : "
                            "failed - XCTModify: Expected \"Int\" value to be modified but it was unchanged.", 2)
    assert failed[0].path == "Sources/XCTestSupport.swift" and "message found" in failed[0].why, failed


def test_a_message_only_a_locale_catalog_holds_lifts_the_code_raising_its_key(tmp_path: Path, make_repo) -> None:
    """grape's "message body does not match declared format" is written in lib/grape/locale/en.yml
    alone, under `invalid_message_body:` / `problem:`, and the exception raising it composes it
    from the key: no code file held the message, and the catalog, data, took no part. The code
    using the entry's key (its nested key where its own is one word, common in code) takes the
    message lift; a message some code holds keeps the lift there."""
    catalog = ("en:\n  grape:\n    errors:\n      messages:\n        invalid_message_body:\n"
               "          problem: 'message body does not match declared format'\n"
               "          resolution: 'when specifying %{body_format} as content-type, you must pass valid json'\n"
               "        missing_vendor_option:\n          problem: 'missing :vendor option'\n")
    repo = make_repo(tmp_path, {
        "lib/grape/locale/en.yml": catalog,
        "lib/grape/exceptions/invalid_message_body.rb": "module Grape\n  module Exceptions\n"
                                                        "    class InvalidMessageBody < Base\n"
                                                        "      def initialize(body_format)\n"
                                                        "        super(message: compose_message(:invalid_message_body, "
                                                        "body_format:), status: 400)\n      end\n    end\n  end\nend\n",
        "lib/grape/exceptions/base.rb": "module Grape\n  module Exceptions\n    class Base < StandardError\n"
                                        "      def compose_message(key, **attributes)\n"
                                        "        problem = translate_message(:\"#{key}.problem\", **attributes)\n"
                                        "        problem\n      end\n    end\n  end\nend\n",
        "lib/grape/middleware/formatter.rb": "module Grape\n  class Formatter\n    # the body and its declared format\n"
                                             "    def read_body_input\n      body = read_rack_input\n"
                                             "      format_body(body)\n    end\n  end\nend\n",
        "lib/grape/middleware/vendor.rb": "# the vendor option: missing_vendor_option\nmodule Grape; end\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    hits = retriever.rank('I get 400 {"error":"message body does not match declared format"} when posting a body', 3)
    assert hits[0].path == "lib/grape/exceptions/invalid_message_body.rb" and "message raised" in hits[0].why, hits
    assert not any("message raised" in h.why for h in hits if h.path == "lib/grape/exceptions/base.rb"), hits
    from explore.retrieval.messages import _catalog_entry_keys

    assert _catalog_entry_keys(catalog.splitlines(), 5) == ["invalid_message_body"]  # not `problem`, `grape`, `en`
    assert _catalog_entry_keys(['{', '  "errors": {', '    "invalidEmail": "is not a valid email"', '  }', '}'], 2) \
        == ["invalidEmail"]


def test_a_log_messages_capitals_typed_alone_are_its_message(tmp_path: Path, make_repo) -> None:
    """`explore search gunicorn "WORKER TIMEOUT"` ranked two workers first (each says *worker*
    and *timeout* often) and arbiter.py, the one file logging it, third: capitals typed alone,
    two words or more, are a message the code holds."""
    busy = "\n".join(f"    worker.timeout_{i} = self.timeout  # the worker's timeout" for i in range(25))
    repo = make_repo(tmp_path, {
        "gunicorn/arbiter.py": "def murder_workers(self):\n    self.log.critical(\"WORKER TIMEOUT (pid:%s)\", pid)\n",
        "gunicorn/workers/sync.py": "class SyncWorker:\n    def run(self):\n" + busy + "\n",
        "gunicorn/workers/gthread.py": "class ThreadWorker:\n    def run(self):\n" + busy + "\n",
    })
    ranked = retriever_for(Index.build(Repository(repo).snapshot())).rank("WORKER TIMEOUT", 3)
    assert ranked[0].path == "gunicorn/arbiter.py" and "message found" in ranked[0].why, ranked


def test_a_header_stands_behind_its_source_for_how_something_is_done(tmp_path: Path, make_repo) -> None:
    """cJSON's "Where is the number parsing implemented?" ranked cJSON.h first: its declarations
    and their doc comments hold every name cJSON.c defines, densely. Asked how or where
    something is done, a header stands behind the source file named like it (asked for the
    declarations, or in a commit message, it does not)."""
    from explore.retrieval.file_kinds import declarations_behind

    repo = make_repo(tmp_path, {
        "cJSON.h": "/* Parse a number: cJSON number parsing of doubles. */\n"
                   + "CJSON_PUBLIC(cJSON *) cJSON_ParseNumber(const char *number); /* number parsing */\n" * 8,
        "cJSON.c": "static cJSON_bool parse_number(cJSON * const item, parse_buffer * const input)\n{\n"
                   + "    double number = 0;\n    number = strtod((const char*)number_c_string, &after_end);\n" * 10
                   + "}\n",
        "tests/parse_number.c": "static void assert_parse_number(const char *string, double real) { }\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    implemented = retriever.rank("Where is the number parsing implemented?", 3)
    assert [h.path for h in implemented].index("cJSON.c") < [h.path for h in implemented].index("cJSON.h"), implemented
    declared = retriever.rank("Where is the number parsing function declared in the header?", 3)
    assert all("header behind its source" not in h.why for h in declared), declared
    # what ask settles (the stage and BM25) keeps a declaration behind the code files the stage put above it
    ranked = ["cJSON.h", "cJSON_Utils.h", "cJSON.c", "cJSON_Utils.c", "src/util.h"]
    stage = ["cJSON.c", "cJSON.h", "cJSON_Utils.c", "cJSON_Utils.h", "src/util.h"]
    assert declarations_behind("why does printing a double lose digits?", ranked, stage) == \
        ["cJSON.c", "cJSON.h", "cJSON_Utils.c", "cJSON_Utils.h", "src/util.h"]
    assert declarations_behind("Fix printing of doubles", ranked, stage) == ranked  # a statement
    assert declarations_behind("which macros does the public API export?", ranked, stage) == ranked
    assert declarations_behind("how is the caller obtained?", ["pino.d.ts", "lib/caller.js", "pino.js"],
                               ["lib/caller.js", "pino.d.ts", "pino.js"]) == ["lib/caller.js", "pino.d.ts", "pino.js"]
    # "which code computes …?" asks for the implementation too (dayjs's answered types/index.d.ts, BM25's first)
    assert declarations_behind("diff() returns a fraction; which code computes the month difference?",
                               ["types/index.d.ts", "src/index.js"], ["src/index.js", "types/index.d.ts"]) == \
        ["src/index.js", "types/index.d.ts"]
    assert declarations_behind("which code is exported as the typings?", ["types/index.d.ts", "src/index.js"],
                               ["src/index.js", "types/index.d.ts"]) == ["types/index.d.ts", "src/index.js"]
    # where the stage left it first (it holds what the question names), it stays first
    assert declarations_behind("how is create_async_nb implemented?", ["include/spdlog/async.h", "src/async.cpp"],
                               ["include/spdlog/async.h", "src/async.cpp"]) == ["include/spdlog/async.h", "src/async.cpp"]
    # a header-only library's header has no source: an example named like it is none (nlohmann/json's
    # to_json.hpp stood behind docs/examples/to_json.cpp); an include/ folder's header has its src/ file
    from explore.retrieval.file_kinds import headers_and_sources

    assert headers_and_sources(["include/nlohmann/detail/conversions/to_json.hpp", "docs/examples/to_json.cpp"]) == []
    assert headers_and_sources(["include/foo/bar.h", "src/bar.c"]) == [("include/foo/bar.h", "src/bar.c")]
    # a header-only library's implementation headers (CLI11's include/CLI/impl/App_inl.hpp; ConfigFwd.hpp declares
    # what impl/Config_inl.hpp defines): the header stands behind them as behind a source
    assert headers_and_sources(["include/CLI/App.hpp", "include/CLI/impl/App_inl.hpp"]) == [
        ("include/CLI/App.hpp", "include/CLI/impl/App_inl.hpp")]
    assert headers_and_sources(["include/CLI/ConfigFwd.hpp", "include/CLI/impl/Config_inl.hpp", "src/x-inl.h"]) == [
        ("include/CLI/ConfigFwd.hpp", "include/CLI/impl/Config_inl.hpp")]


def test_a_page_a_documentation_tool_built_stands_behind_its_source(tmp_path: Path, make_repo) -> None:
    """Alamofire's 364 jazzy pages answered "how do I stop following redirects?" (one of them
    holding a `stopListening` anchor), and sqlalchemy's built `doc/orm/*.html` stood beside the
    `doc/build/orm/*.rst` they were built from: a page a documentation tool says it built, or
    whose source page the repository holds, is a copy, as a generated module is (unless named)."""
    jazzy = ("<html><body><h1>Redirect handler</h1><p>How to stop following redirects: redirect handler, "
             "follow redirects, stop following.</p>\n" * 6
             + '<p>Generated by <a class="link" href="https://github.com/realm/jazzy">jazzy ♪♫ v0.15.4</a></p></body></html>\n')
    built = ("<html><body><h1>Mapper events</h1><p>mapper events explained: the mapper events listen.</p>\n" * 6
             + "</body></html>\n")
    repo = make_repo(tmp_path, {
        "docs/Classes/Redirector.html": jazzy,
        "Source/RedirectHandler.swift": "/// Stops following redirects, or follows them.\npublic struct Redirector {\n"
                                        "    public static let doNotFollow = Redirector(behavior: .doNotFollow)\n}\n",
        "doc/orm/events.html": built,
        "doc/build/orm/events.rst": "Mapper events\n=============\n\nThe mapper events are explained here.\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    redirects = retriever.rank("how do I stop following redirects?", 3)
    assert redirects[0].path == "Source/RedirectHandler.swift", redirects
    assert any("generated" in h.why for h in redirects if h.path.endswith(".html")), redirects
    events = retriever.rank("Which document explains mapper events?", 2)
    assert events[0].path == "doc/build/orm/events.rst", events
    named = retriever.rank("what does docs/Classes/Redirector.html say about redirects?", 1)
    assert named[0].path == "docs/Classes/Redirector.html" and "generated" not in named[0].why, named
    # a folder's own page built from its source of the same folder (CsvHelper's docs/migration/v30/index.html
    # from src/CsvHelper.Website/input/migration/v30/index.md took a place of the first five)
    site = make_repo(tmp_path / "site", {
        "docs/migration/v30/index.html": "<html><body><h1>Migrating to v30</h1><p>upgrading from v29 to v30: what "
                                         "changed when upgrading.</p></body></html>\n" * 3,
        "site/input/migration/v30/index.md": "# Migrating to v30\n\nUpgrading from v29 to v30: what changed.\n",
        "docs/guide/index.html": "<html><body><p>upgrading guide</p></body></html>\n"})
    upgrade = retriever_for(Index.build(Repository(site).snapshot())).rank(
        "Which page documents what changed when upgrading from version 29 to 30?", 3)
    assert upgrade[0].path == "site/input/migration/v30/index.md", upgrade
    assert any("generated" in h.why for h in upgrade if h.path == "docs/migration/v30/index.html"), upgrade
    assert all("generated" not in h.why for h in upgrade if h.path == "docs/guide/index.html"), upgrade


def test_a_platform_the_question_names_lifts_the_files_named_for_it(tmp_path: Path, make_repo) -> None:
    """fsnotify's "how does the Windows backend implement recursive watching …?" answered
    fsnotify.go, whose doc comments hold every word, over backend_windows.go: a platform a
    question names lifts the code files named for it (Go's `_windows.go`), where a few are."""
    docs = "\n".join(f"// Add starts watching a path; recursive watching of a path ending in ... {i}" for i in range(6))
    repo = make_repo(tmp_path, {
        "fsnotify.go": f"package fsnotify\n\n{docs}\nfunc (w *Watcher) Add(name string) error {{ return nil }}\n",
        "backend_windows.go": "package fsnotify\n\nfunc recursivePath(path string) (string, bool) {\n"
                              "\treturn path, false\n}\n",
        "backend_inotify.go": "package fsnotify\n\nfunc (w *inotify) add(path string) error { return nil }\n"})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    hits = retriever.rank("How does the Windows backend implement recursive watching for a path ending in ...?", 2)
    assert hits[0].path == "backend_windows.go" and "platform named" in hits[0].why, hits
    assert all("platform named" not in h.why for h in retriever.rank("How is recursive watching implemented?", 3))
    off = retriever_for(Index.build(Repository(repo).snapshot()), RetrieverConfig(platform_named=0.0))
    assert all("platform named" not in h.why for h in off.rank("How does the Windows backend recurse?", 3))


def test_an_example_asked_for_lifts_the_examples(tmp_path: Path, make_repo) -> None:
    """PHPMailer's "How do I send through Gmail using OAuth2? Is there an example?": its
    examples/gmail_xoauth.phps, first by its words, was 10th behind four pages the docs lift
    took up. An example asked for lifts the examples as a page asked for lifts the pages."""
    repo = make_repo(tmp_path, {
        "examples/gmail_xoauth.phps": "<?php\n// Send through Gmail using XOAUTH2 (OAuth2) authentication\n"
                                      "$mail->AuthType = 'XOAUTH2';\n$provider = new Google(['clientId' => $id]);\n",
        "examples/contact.phps": "<?php\n// a contact form\n$mail->addReplyTo($email);\n",
        "README.md": "# PHPMailer\n\nSend email from PHP. See the examples folder. Security note: send safely.\n",
        "UPGRADING.md": "# Upgrading\n\nOAuth2 moved to a provider class; how do I send now? Send as before.\n",
        "SECURITY.md": "# Security\n\nHow do I report a problem? Send an email.\n",
        "src/OAuth.php": "<?php\nclass OAuth {\n    public function getOauth64() { return base64_encode('x'); }\n}\n"})
    hits = retriever_for(Index.build(Repository(repo).snapshot())).rank(
        "How do I send through Gmail using OAuth2? Is there an example?", 3)
    assert hits[0].path == "examples/gmail_xoauth.phps" and "example asked" in hits[0].why, hits
    from explore.retrieval.intent import asks_example

    # a tutorial asked for is its page (the training projects' "where is tutorial documented?" answered trio's
    # docs/source/tutorial/tasks-with-trace.py)
    assert not asks_example("Where is tutorial documented?") and asks_example("is there a sample app?")
    # a name in code is no example asked for (the generated "which file defines `Example.lookupProcedure`?" lifted
    # twisted's docs/names/examples/*.py)
    assert not asks_example("Which file defines `Example.lookupProcedure`?")
    assert not asks_example("Which file defines Example.lookupProcedure?")


def test_an_autodoc_page_takes_no_docs_lift(tmp_path: Path, make_repo) -> None:
    """dateutil's docs/tz.rst is `.. autofunction:: gettz` and headings: asked "how does gettz
    cache … and how to clear it", the page took the docs lift over tz.py, where the cache is.
    Its text is the code's docstrings: a page of autodoc directives alone takes no docs lift
    (Sphinx's and mkdocstrings'), a page with words of its own does."""
    from explore.retrieval.file_kinds import is_autodoc_stub

    stub = ("==\ntz\n==\n.. automodule:: dateutil.tz\n\nFunctions\n---------\n\n.. autofunction:: gettz\n\n"
            "    .. automethod:: gettz.cache_clear\n\n.. autoclass:: tzlocal\n    :members:\n\n    .. note::\n\n"
            "        Only available on Windows\n")
    assert is_autodoc_stub(stub) and is_autodoc_stub("# API\n\n::: httpx.Client\n\n::: httpx.AsyncClient\n")
    assert not is_autodoc_stub("gettz\n=====\n\n.. autofunction:: gettz\n\n" + "The cache keeps zones you "
                               "asked for, up to eight of them, and cache_clear empties it when files change. " * 3)
    assert not is_autodoc_stub("Guide\n=====\n\nHow to clear the cache.\n")
    repo = make_repo(tmp_path, {
        "docs/tz.rst": stub,
        "docs/examples.rst": "Examples\n========\n\nParsing dates with parse().\n",
        "src/dateutil/tz/tz.py": "class __get_gettz:\n    def __init__(self):\n        # the cache of timezone objects: "
                                 "strong cache size 8\n        self.__instances = {}\n        self.__strong_cache_size = 8"
                                 "\n\n    def cache_clear(self):\n        self.__instances = {}\n\ngettz = __get_gettz()\n"})
    hits = retriever_for(Index.build(Repository(repo).snapshot())).rank(
        "How does tz.gettz cache timezone objects, how big is the cache and how to clear it?", 3)
    assert hits[0].path == "src/dateutil/tz/tz.py", hits
    assert all("docs asked" not in h.why for h in hits if h.path == "docs/tz.rst"), hits


def test_a_declaration_file_stands_behind_the_code_for_how_something_is_done(tmp_path: Path, make_repo) -> None:
    """pino's 881-line `pino.d.ts` answered "where are custom levels validated?" and "how is
    the caller file and line number obtained?" (its doc comments hold every word of the
    library): asked how or where something is done, a TypeScript declaration file or a
    stub stands behind the best code file; asked where a type is defined, it does not."""
    typings = "\n".join(f"    /** Custom levels: validated custom levels, level {i} of the custom levels map. */\n"
                        f"    customLevels{i}?: CustomLevels;" for i in range(20))
    repo = make_repo(tmp_path, {
        "pino.d.ts": "export interface LoggerOptions {\n" + typings + "\n}\nexport type CustomLevels = Record<string, number>;\n",
        "lib/levels.js": "function assertNoLevelCollisions (levels, customLevels) {\n"
                         "  // custom levels must not collide with the default levels\n"
                         "  throw Error('levels cannot be overridden')\n}\n",
        "pino.js": "const { assertNoLevelCollisions } = require('./lib/levels')\nmodule.exports = pino\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    validated = retriever.rank("where are custom levels validated?", 3)
    assert validated[0].path == "lib/levels.js", validated
    assert any("declarations behind the code" in h.why for h in validated if h.path == "pino.d.ts"), validated
    defined = retriever.rank("where is the CustomLevels type defined?", 3)
    assert all("declarations behind the code" not in h.why for h in defined), defined


def test_a_message_quoted_in_a_comment_is_not_where_it_is_raised(tmp_path: Path, make_repo) -> None:
    """validator's `Key: 'Req.Meta.Name' Error:Field validation for 'Name' failed on the
    'required' tag` lifted two `_examples/*/main.go` files by their `// output: Key: …`
    comments; and thiserror's `error: duplicate #[source] attribute` lost `#[source]` as if it
    were a value (`[…]`), leaving no piece to look up, while cargo's `could not compile …
    due to 1 previous error` trailer was looked up in every report."""
    repo = make_repo(tmp_path, {
        "errors.go": 'package validator\n\nfunc (fe *fieldError) Error() string {\n'
                     '\treturn fmt.Sprintf("Key: \'%s\' Error:Field validation for \'%s\' failed on the \'%s\' tag", a, b, c)\n}\n',
        "internal/report/print.go": "package report\n\n// prints: Key: 'User.Name' Error:Field validation for 'Name' failed\n"
                                    "func Print(errs error) { fmt.Println(errs) } // output: Error:Field validation for\n",
        "impl/src/attr.rs": 'fn check() -> Result<()> {\n    return Err(Error::new_spanned(attr, "duplicate #[source] attribute"));\n}\n',
        "src/lib.rs": "//! Derive std::error::Error: #[source] attribute, #[from] attribute, duplicate attributes.\n"
                      "//! could not compile without the derive; the previous error is the source.\n",
        # a JSDoc `@example` whose lines open without a `*` (ky's type-guards.ts took the lift for its timeout)
        "source/guards.ts": "/**\nCheck if an error is a timeout.\n@example\n```\nimport ky from 'ky';\n"
                            "\tconsole.log('Request timed out:', error.request.url);\n```\n*/\n"
                            "export const isTimeoutError = (error: unknown) => error instanceof TimeoutError;\n",
        "source/timeout.ts": "/* Timeouts. */\nexport function timeout(request: Request) {\n"
                             "\tthrow new TimeoutError(`Request timed out: ${request.method} ${request.url}`);\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    validation = retriever.rank("Key: 'Req.Meta.Name' Error:Field validation for 'Name' failed on the 'required' tag", 3)
    assert validation[0].path == "errors.go" and "message found" in validation[0].why, validation
    assert all("message found" not in h.why for h in validation if h.path != "errors.go"), validation
    rustc = ("error: duplicate #[source] attribute\n  --> src/error.rs:14:9\n   |\n14 |     #[source]\n\n"
             "error: could not compile `myapp` (lib) due to 1 previous error\n")
    ranked = retriever.rank(rustc, 2)
    assert ranked[0].path == "impl/src/attr.rs" and "message found" in ranked[0].why, ranked
    from explore.retrieval.query import parse

    assert parse(rustc).messages == ("duplicate #[source] attribute",)
    timed_out = retriever.rank("TimeoutError: Request timed out: POST https://example.com/api/upload", 2)
    assert timed_out[0].path == "source/timeout.ts" and "message found" in timed_out[0].why, timed_out
    assert all("message found" not in h.why for h in timed_out if h.path != "source/timeout.ts"), timed_out


def test_notes_for_coding_assistants_take_no_docs_lift_unless_asked_for(tmp_path: Path, make_repo) -> None:
    """validator's "Where is the notblank validator and how do I register it?" ("how do I" asks
    for a page) put CLAUDE.md first, a summary of every file for a coding assistant, and `ask`
    answered it over the walk's right notblank.go."""
    repo = make_repo(tmp_path, {
        "CLAUDE.md": "# Notes\n\nValidators: register a validator with RegisterValidation; notblank lives in "
                     "non-standard/validators. How do I register a validator: see validator_instance.go.\n",
        "non-standard/validators/notblank.go": "package validators\n\n// NotBlank is the validation function for "
                                               "validating if the current field has a value or length greater than zero.\n"
                                               "func NotBlank(fl validator.FieldLevel) bool { return true }\n",
        "validator_instance.go": "package validator\n\n// RegisterValidation adds a validation with the given tag.\n"
                                 "func (v *Validate) RegisterValidation(tag string, fn Func) error { return nil }\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = retriever.rank("Where is the notblank validator and how do I register it?", 3)
    assert ranked[0].path != "CLAUDE.md" and all("docs asked" not in h.why for h in ranked if h.path == "CLAUDE.md"), ranked
    asked = retriever.rank("where is the documentation for AI assistants about registering a validator?", 1)
    assert asked[0].path == "CLAUDE.md", asked
    from explore.retrieval.file_kinds import is_agent_notes

    assert is_agent_notes("AGENTS.md") and is_agent_notes(".github/copilot-instructions.md")
    assert is_agent_notes(".cursor/rules/go.mdc") and not is_agent_notes("docs/agent.py")
    # llms.txt's summaries for language models (kotlin-result's llms-full.txt took two "how do I" questions)
    assert is_agent_notes("llms.txt") and is_agent_notes("llms-full.txt") and not is_agent_notes("docs/llms.md.py")


def test_an_issue_or_pull_request_form_takes_no_docs_lift_unless_asked_for(tmp_path: Path, make_repo) -> None:
    """kotlinpoet's "Update line wrapping-related documentation" ranked
    .github/ISSUE_TEMPLATE/feature_request.md and the pull request template first: forms for
    reporters, not the project's documentation."""
    repo = make_repo(tmp_path, {
        ".github/ISSUE_TEMPLATE/feature_request.md": "Describe the documentation you want updated, line by line, "
                                                     "and the wrapping you expect.\n",
        ".github/pull_request_template.md": "- [ ] documentation updated\n- [ ] line wrapping checked\n",
        "docs/code-blocks.md": "# Code blocks\n\nLong lines are wrapped at 100 columns by the line wrapper.\n",
        "src/LineWrapper.kt": "/** Wraps long lines: the documentation of line wrapping. */\nclass LineWrapper\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = retriever.rank("Update line wrapping-related documentation", 4)
    forms = [h for h in ranked if h.path.startswith(".github/")]
    assert ranked[0].path == "docs/code-blocks.md" and all("docs asked" not in h.why for h in forms), ranked
    asked = retriever.rank("what does the feature request template ask for about documentation?", 1)
    assert asked[0].path == ".github/ISSUE_TEMPLATE/feature_request.md", asked


def test_a_language_named_in_a_translation_question_names_its_locale_file(tmp_path: Path, make_repo) -> None:
    """zod's "improve french translation of error messages" ranked `fr.ts` nowhere in the first
    five (its error messages are French words, none the question's): a language named in a
    question about translations or locales stands for its code, which locale files are named by."""
    messages = "\n".join(f"  // error messages translation {i}: the translation of error messages\n  m{i}: 'x'," for i in range(3))
    repo = make_repo(tmp_path, {
        "src/locales/fr.ts": "export default {\n  invalid_type: 'Type invalide',\n  too_small: 'Trop petit',\n}\n",
        "src/locales/de.ts": "export default {\n  invalid_type: 'Ungültiger Typ',\n}\n",
        "src/errors.ts": "// error messages and their translation\nexport const messages = {\n" + messages + "\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = retriever.rank("improve french translation of error messages", 3)
    assert ranked[0].path == "src/locales/fr.ts", ranked
    assert retriever.rank("Add German locale", 1)[0].path == "src/locales/de.ts"
    # "which file holds the Spanish names of the emoji?" (emoji's unicode_codes/emoji_es.json, 16th behind the
    # code loading every locale): a language before what a locale's file holds names it, by its stem's last part
    emoji = make_repo(tmp_path / "emoji", {
        "emoji/unicode_codes/emoji_es.json": '{"\\ud83d\\ude00": ":cara_sonriendo:"}\n',
        "emoji/unicode_codes/emoji_fr.json": '{"\\ud83d\\ude00": ":visage_souriant:"}\n',
        "emoji/unicode_codes/__init__.py": "def load_from_json(lang):\n    \"\"\"Loads the names of the emoji of a "
                                           "language from its file.\"\"\"\n    return open(f'emoji_{lang}.json')\n",
        "emoji/core.py": "def emojize(string, language='en'):\n    \"\"\"Replaces the names of the emoji.\"\"\"\n"
                         "    return string\n"})
    top = retriever_for(Index.build(Repository(emoji).snapshot())).rank("Which file holds the Spanish names of the emoji?", 1)
    assert top[0].path == "emoji/unicode_codes/emoji_es.json" and "locale named" in top[0].why, top
    # a Rails catalog named for the gem, its locale the root key (kaminari's config/locales/kaminari.yml, 17th)
    rails = make_repo(tmp_path / "rails", {
        "config/locales/kaminari.yml": "# Sample localization file for Kaminari.\n\nen:\n  views:\n    pagination:\n"
                                       "      first: \"&laquo; First\"\n      next: \"Next &rsaquo;\"\n",
        "lib/kaminari/helpers/helper_methods.rb": "module Kaminari\n  # the labels of the first and next page links\n"
                                                  "  def link_to_next_page(scope, name)\n"
                                                  "    t('views.pagination.next')\n  end\nend\n",
        "app/views/kaminari/_next_page.html.erb": "<%= link_to t('views.pagination.next').html_safe, url %>\n"})
    labels = retriever_for(Index.build(Repository(rails).snapshot())).rank(
        "Where are the English labels like Next and First of the pagination links defined?", 1)
    assert labels[0].path == "config/locales/kaminari.yml" and "locale named" in labels[0].why, labels
    # a language with more regions than LOCALE_FILES: its own file (Carbon's Lang/de.php beside de_AT … de_LU, none
    # lifted); Welsh is a language too (cy.php)
    regions = ("AT", "BE", "CH", "IT", "LI", "LU")
    lang = {f"src/Lang/de_{r}.php": "<?php\nreturn require __DIR__.'/de.php';\n" for r in regions}
    lang |= {"src/Lang/de.php": "<?php\nreturn ['year' => ':count Jahr'];\n",
             "src/Lang/cy.php": "<?php\nreturn ['year' => 'blwyddyn'];\n",
             "src/Translator.php": "<?php\nclass Translator {\n  // loads the translation of a locale\n}\n"}
    carbon = retriever_for(Index.build(Repository(make_repo(tmp_path / "carbon", lang)).snapshot()))
    for question, path in (("Where is the German translation?", "src/Lang/de.php"),
                           ("Where is the Welsh translation?", "src/Lang/cy.php")):
        assert carbon.rank(question, 1)[0].path == path, question
    # a page translated so, asked whether there is one (negroni's translations/README_ja_JP.md, third behind README.md
    # and the Portuguese one, whose words the question's are as much)
    readme = "# negroni\n\nIdiomatic HTTP middleware. Translations of this README: " \
             "[Japanese](translations/README_ja_JP.md), [Portuguese](translations/README_pt_br.md).\n"
    pages = make_repo(tmp_path / "pages", {
        "README.md": readme,
        "translations/README_ja_JP.md": "# negroni\n\nGo言語のミドルウェア。\n",
        "translations/README_pt_br.md": "# negroni\n\nMiddleware HTTP. Traduções do README: japonês, português.\n",
        "negroni.go": "package negroni\n\n// Negroni is a stack of middleware handlers.\ntype Negroni struct{}\n"})
    first = retriever_for(Index.build(Repository(pages).snapshot())).rank(
        "Is there a Japanese translation of the README?", 1)[0]
    assert first.path == "translations/README_ja_JP.md" and "locale named" in first.why, first


def test_a_page_in_another_language_takes_no_docs_lift_for_a_question_in_english(tmp_path: Path, make_repo) -> None:
    """zod's "can someone explain why safeParse returns success: false for a Date string?"
    ("explain" asks for a page) answered packages/docs-v3/README_KO.md, the Korean README: a
    page translated into another language is lifted for a question in that language, or one
    naming it, not for one in English."""
    repo = make_repo(tmp_path, {
        "packages/docs-v3/README_KO.md": "# Zod\n\nsafeParse returns success false: safeParse Date string "
                                         "(날짜 문자열) safeParse success false explain.\n",
        "packages/docs/content/basics.md": "# Basics\n\nParsing with safeParse: success is false when parsing fails.\n",
        "packages/zod/src/parse.ts": "export function safeParse(schema, data) {\n  return { success: false };\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    english = retriever.rank("can someone explain why safeParse returns success: false for a Date string?", 3)
    assert all("docs asked" not in h.why for h in english if h.path.endswith("README_KO.md")), english
    korean = retriever.rank("which Korean docs page explains safeParse?", 3)
    assert any("docs asked" in h.why for h in korean if h.path.endswith("README_KO.md")), korean
    # a language named asks for its own translation only (dayjs's "how do I load the Spanish locale …?" took every
    # translated README as asked, and the walk's Korean one answered)
    from explore.retrieval.file_kinds import passed_over

    spanish = "How do I load the Spanish locale on demand and use it globally?"
    assert passed_over("docs/ko/README-ko.md", spanish) and passed_over("README_KO.md", spanish)
    assert not passed_over("docs/es-es/README-es-es.md", spanish) and not passed_over("README.md", spanish)
    assert not passed_over("README_KO.md", "safeParse는 왜 실패하나요?")
    from explore.retrieval.file_kinds import is_translated_page

    assert is_translated_page("README.zh-CN.md") and is_translated_page("docs/ja/guide.md")
    assert not is_translated_page("src/de/x.py") and not is_translated_page("docs/api/index.md")


def test_a_header_or_typings_holding_what_is_asked_stay_first(tmp_path: Path, make_repo) -> None:
    """The second regression review: spdlog's async.h defines `create_async_nb` inline, and its
    src/async.cpp only `#include`s the headers' code — the header stood behind it (17th); and
    i18next's options.d.ts is where "how are the InitOptions typed?" is answered, put behind
    src/i18next.js. A header or declaration file holding the name asked for, one whose source
    is `#include` lines, or a question about types, keeps its place."""
    repo = make_repo(tmp_path, {
        "include/spdlog/async.h": "#pragma once\nnamespace spdlog {\ntemplate<typename Sink, typename... SinkArgs>\n"
                                  "inline std::shared_ptr<logger> create_async_nb(std::string logger_name) {\n"
                                  "    return async_factory_nonblock::create<Sink>(logger_name);\n}\n}\n",
        "src/async.cpp": "#ifndef SPDLOG_COMPILED_LIB\n#error Please define SPDLOG_COMPILED_LIB\n#endif\n"
                         "#include <spdlog/async.h>\n#include <spdlog/async_logger-inl.h>\n#include <spdlog/details/thread_pool-inl.h>\n"
                         "template class SPDLOG_API spdlog::details::mpmc_blocking_queue<spdlog::details::async_msg>;\n",
        "typescript/options.d.ts": "export interface InitOptions {\n  /** Resources to initialize with */\n"
                                   "  resources?: Resource;\n  /** The language to use */\n  lng?: string;\n}\n",
        "src/i18next.js": "class I18n {\n  init(options = {}, callback) {\n    // the init options: resources, lng\n"
                          "    this.options = { ...get(), ...this.options, ...transformOptions(options) };\n  }\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    spdlog = retriever.rank("how is spdlog::create_async_nb() implemented?", 2)
    assert spdlog[0].path == "include/spdlog/async.h" and "header behind its source" not in spdlog[0].why, spdlog
    typed = retriever.rank("how are the InitOptions typed?", 2)
    assert typed[0].path == "typescript/options.d.ts" and "declarations behind the code" not in typed[0].why, typed


def test_a_header_whose_own_code_matches_best_keeps_its_place(tmp_path: Path, make_repo) -> None:
    """The third regression review: hiredis's "how does sdssetalloc work?" — `static inline
    void sdssetalloc` is in sds.h, sds.c only calls it, and the lowercase name is no code name to
    the question — put sds.h a whole point behind sds.c, below test.c and net.c. A header whose
    own code unit matches best keeps its place, and one put behind stands just behind its
    source. A changelog asked for by what changed is a docs question."""
    repo = make_repo(tmp_path, {
        "sds.h": "typedef char *sds;\nstatic inline void sdssetalloc(sds s, size_t newlen) {\n"
                 "    unsigned char flags = s[-1];\n    SDS_HDR(8,s)->alloc = newlen;\n}\n",
        "sds.c": "#include \"sds.h\"\nsds sdsMakeRoomFor(sds s, size_t addlen) {\n    sdssetalloc(s, addlen);\n"
                 "    return s;\n}\n",
        "test.c": "#include \"sds.h\"\nint main(void) {\n    sds s = sdsnew(\"x\");\n    sdssetalloc(s, 4);\n}\n",
        "CHANGELOG.md": "# 1.2.0\n\n- Fixed sdssetalloc overflow in hiredis 1.2.0.\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = [h.path for h in retriever.rank("how does sdssetalloc work?", 3)]
    assert ranked.index("sds.h") < ranked.index("sds.c"), ranked
    changed = retriever.rank("what changed in hiredis 1.2.0?", 1)
    assert changed[0].path == "CHANGELOG.md" and "docs asked" in changed[0].why, changed
    from explore.retrieval.file_kinds import is_agent_notes, is_changelog

    assert is_changelog("docs/versionhistory.rst") and is_agent_notes(".agents/skills/backport-pr/SKILL.md")


def test_a_dotnet_frames_class_and_method_name_the_file_holding_it(tmp_path: Path, make_repo) -> None:
    """Newtonsoft's `Can not add …JValue to …JObject.` with its innermost frame `at
    Newtonsoft.Json.Linq.JObject.ValidateToken(…)` ranked JContainer.cs first: both files hold
    the message and define a `ValidateToken`, and only the method's name was read. The innermost
    frame's class and method name the file whose class holds the method."""
    message = '            throw new ArgumentException("Can not add {0} to {1}.".FormatWith(o.GetType(), GetType()));\n'
    repo = make_repo(tmp_path, {
        # a preprocessor line at column 0 between the class and its method (the walk up to the class stopped there)
        "Src/Newtonsoft.Json/Linq/JObject.cs": "namespace Newtonsoft.Json.Linq\n{\n    public partial class JObject : JContainer\n"
                                               "    {\n#if HAVE_DYNAMIC\n        private int _dynamic;\n#endif\n"
                                               "        internal override void ValidateToken(JToken o, JToken existing)\n"
                                               "        {\n" + message + "        }\n    }\n}\n",
        "Src/Newtonsoft.Json/Linq/JContainer.cs": "namespace Newtonsoft.Json.Linq\n{\n    public abstract class JContainer : JToken\n"
                                                  "    {\n        internal virtual void ValidateToken(JToken o, JToken existing)\n"
                                                  "        {\n" + message + message + "        }\n"
                                                  "        // JValue JObject JValue JObject: add, insert, validate\n    }\n}\n",
    })
    trace = ("System.ArgumentException: Can not add Newtonsoft.Json.Linq.JValue to Newtonsoft.Json.Linq.JObject.\n"
             "   at Newtonsoft.Json.Linq.JObject.ValidateToken(JToken o, JToken existing)\n"
             "   at Newtonsoft.Json.Linq.JContainer.InsertItem(Int32 index, JToken item, Boolean skipParentCheck)\n")
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    assert retriever.symbols.defining_in("JObject", "ValidateToken") == {"Src/Newtonsoft.Json/Linq/JObject.cs"}
    ranked = retriever.rank(trace, 2)
    assert ranked[0].path == "Src/Newtonsoft.Json/Linq/JObject.cs" and "path#1" in ranked[0].why, ranked
    from explore.retrieval.query import parse

    assert parse("   at App.Builder.<Build>d__3.MoveNext()\n").frame_owner == ("Builder", "Build")


def test_a_lockfile_the_question_names_answers_which_version_it_locks(tmp_path: Path, make_repo) -> None:
    """uuid's "which version of brick/math is locked in composer.lock?" answered composer.json
    (its `"brick/math": "^0.8"` pins a range; the lock's name and version are lines apart, and a
    lock is no config file), env_logger's Cargo.lock ranked behind a crate's Cargo.toml; the
    evidence opens at the lock's entry."""

    lock = ('{\n    "packages": [\n        {\n            "name": "acme/other",\n            "version": "1.0.0"\n'
            '        },\n        {\n            "name": "brick/math",\n            "version": "0.12.1",\n'
            '            "source": {"url": "https://github.com/brick/math.git"}\n        }\n    ]\n}\n')
    repo = make_repo(tmp_path, {
        "composer.json": '{\n    "require": {\n        "brick/math": "^0.8.8 || ^0.9 || ^0.10 || ^0.11 || ^0.12"\n    }\n}\n',
        "composer.lock": lock,
        "src/Math/BrickMathCalculator.php": "<?php\nuse Brick\\Math\\BigInteger;\nfinal class BrickMathCalculator {}\n",
        "Cargo.lock": "[[package]]\nname = \"memchr\"\nversion = \"2.7.4\"\n\n[[package]]\nname = \"regex\"\n"
                      "version = \"1.12.3\"\ndependencies = [\n \"memchr\",\n \"regex-syntax\",\n]\n\n"
                      "[[package]]\nname = \"regex-syntax\"\nversion = \"0.8.5\"\n",
        "crates/filter/Cargo.toml": "[package]\nname = \"filter\"\n\n[dependencies]\nregex = { version = \"1.0.3\" }\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    locked = "which version of brick/math is locked in composer.lock?"
    assert retriever.rank(locked, 1)[0].path == "composer.lock"
    assert retriever.rank("which version of brick/math does the package require?", 1)[0].path == "composer.json"
    assert retriever.rank("which version of regex is in Cargo.lock?", 1)[0].path == "Cargo.lock"
    # a version asked as locked is the lockfile's, named or not (ex_machina's mix.lock, an entry of 700 characters;
    # factory_bot's Gemfile.lock; SwiftPM's Package.resolved, its version five lines below the identity)
    elixir = make_repo(tmp_path / "elixir", {
        "mix.exs": 'defmodule M.MixProject do\n  defp deps do\n    [{:ecto_sql, "~> 3.0", optional: true}]\n  end\nend\n',
        "mix.lock": '%{\n  "ecto_sql": {:hex, :ecto_sql, "3.14.0", "0644", [:mix], [' + ", ".join(
            f'{{:dep{i}, "~> 2.{i}", [hex: :dep{i}, repo: "hexpm", optional: false]}}' for i in range(12)) + '], "hexpm"},\n}\n',
        "lib/m.ex": "defmodule M do\n  # uses ecto_sql\n  def repo, do: :ok\nend\n"})
    first = retriever_for(Index.build(Repository(elixir).snapshot())).rank(
        "Which exact version of ecto_sql is locked for the tests?", 1)[0]
    assert first.path == "mix.lock" and "dependency version asked" in first.why, first
    swift = make_repo(tmp_path / "swift", {
        "Package.resolved": '{\n  "pins" : [\n    {\n      "identity" : "cwlpreconditiontesting",\n      "kind" : '
                            '"remoteSourceControl",\n      "location" : "https://github.com/x/CwlPreconditionTesting.git",\n'
                            '      "state" : {\n        "revision" : "dc9af478",\n        "version" : "2.2.0"\n      }\n'
                            '    }\n  ]\n}\n',
        "Sources/Nimble/Adapters/Preconditions.swift": "import CwlPreconditionTesting\nfunc catchBadInstruction() {}\n"})
    assert retriever_for(Index.build(Repository(swift).snapshot())).rank(
        "Which version of CwlPreconditionTesting is pinned?", 1)[0].path == "Package.resolved"
    cargo = (repo / "Cargo.lock").read_text().splitlines()
    assert evidence_start(cargo, "which version of regex is in Cargo.lock?", "Cargo.lock", 6) == 5  # its `[[package]]`
    composer = lock.splitlines()
    assert evidence_start(composer, locked, "composer.lock", 6) == 6
    # npm's package-lock v2/v3 and yarn.lock: the entry that locks it, not the root's range above it (luxon's
    # evidence showed `"rollup": "^2.52.7"` among the devDependencies, 12,000 lines above `2.79.1`)
    from explore.retrieval.versions_asked import dependency_line

    npm = ['{', '  "packages": {', '    "": {', '      "devDependencies": {', '        "rollup": "^2.52.7"', '      }',
           '    },', '    "node_modules/rollup": {', '      "version": "2.79.1",', '      "dev": true', '    }',
           '  }', '}']
    assert dependency_line("which version of rollup is locked in package-lock.json?", npm) == 8
    yarn = ['"@babel/core@^7.0.0":', '  version "7.1.0"', '', 'rollup@^2.52.7:', '  version "2.79.1"']
    assert dependency_line("which version of rollup is locked?", yarn) == 4
    assert dependency_line("which version of rollup does it need?", ['{', '  "rollup": "^2.52.7"', '}']) == 2
    # a top-level code file named is the subject, not the answer (symfony/yaml's flat layout: "which test covers the tab
    # check in Parser.php?" answered Parser.php)
    flat = make_repo(tmp_path / "flat", {
        "Parser.php": "<?php\nclass Parser {\n  function parse($v) { if (str_contains($v, \"\\t\")) { throw new Ex('tab'); } }\n}\n",
        "Tests/ParserTest.php": "<?php\nclass ParserTest extends TestCase {\n  function testTabIndentation() {\n"
                                "    $this->expectException(Ex::class);\n  }\n}\n",
    })
    flat_first = retriever_for(Index.build(Repository(flat).snapshot())).rank(
        "which test covers the tab indentation check in Parser.php?", 1)[0]
    assert flat_first.path == "Tests/ParserTest.php" and "path named" not in flat_first.why, flat_first


def test_a_compiled_file_a_stack_frame_runs_in_gives_way_to_its_source(tmp_path: Path, make_repo) -> None:
    """ky commits its tsc output (distribution/, each file ending with its source map's line): a
    user's trace through `node_modules/ky/distribution/core/Ky.js:201` answered the compiled file
    over source/core/Ky.ts, the frame's name read as the question naming the copy."""
    message = "The `prefixUrl` option has been renamed `prefix` in v2 and enhanced to allow slashes in input"
    source = ("export class Ky {\n\tconstructor(input: Input, options: Options) {\n\t\tif (options.prefixUrl) {\n"
              f"\t\t\tthrow new Error('{message}');\n\t\t}}\n\t}}\n}}\n")
    compiled = ("export class Ky {\n    constructor(input, options) {\n        if (options.prefixUrl) {\n"
                f"            throw new Error('{message}');\n        }}\n    }}\n}}\n//# sourceMappingURL=Ky.js.map\n")
    repo = make_repo(tmp_path, {
        "source/core/Ky.ts": source,
        "distribution/core/Ky.js": compiled,
        "distribution/core/Ky.js.map": '{"version":3,"sources":["../../source/core/Ky.ts"]}\n',
        "source/types/options.ts": "export type Options = {\n\tprefix?: string;\n\tbaseUrl?: string;\n};\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    trace = (f"After upgrading every request throws:\n\nError: {message}\n"
             "    at new Ky (file:///app/node_modules/ky/distribution/core/Ky.js:201:19)\n"
             "    at file:///app/src/api.js:5:24\n")
    ranked = retriever.rank(trace, 2)
    assert ranked[0].path == "source/core/Ky.ts", ranked
    assert "generated" in next(h.why for h in ranked if h.path == "distribution/core/Ky.js"), ranked
    # the copy asked about by name is the copy
    assert retriever.rank("what does distribution/core/Ky.js export?", 1)[0].path == "distribution/core/Ky.js"


def test_the_innermost_frame_of_a_pasted_trace_is_lifted(tmp_path: Path, make_repo) -> None:
    """uuid's `NodeException: Unable to find a suitable node provider` thrown in
    FallbackNodeProvider.php:48 answered UuidFactory.php, an outer frame whose words, names and
    history outweighed where it broke; the innermost frame the repository holds is lifted (of
    the repository's own installed package first: env_logger's `…/env_logger-0.11.5/src/logger.rs`,
    not the user's `./src/lib.rs` that panicked calling it)."""
    factory = ("<?php\nclass UuidFactory\n{\n" + "".join(
        f"    public function uuid{i}($node) {{ return $this->provider->getNode(); /* node provider factory */ }}\n"
        for i in range(12)) + "}\n")
    repo = make_repo(tmp_path, {
        "src/UuidFactory.php": factory,
        "src/Provider/Node/FallbackNodeProvider.php":
            "<?php\nclass FallbackNodeProvider\n{\n    public function getNode()\n    {\n"
            "        throw new NodeException('Unable to find a suitable node provider');\n    }\n}\n",
        "src/Generator/DefaultTimeGenerator.php": "<?php\nclass DefaultTimeGenerator\n{\n"
                                                  "    public function generate($node) { return $node; }\n}\n",
    })
    trace = ("PHP Fatal error:  Uncaught Ramsey\\Uuid\\Exception\\NodeException: Unable to find a suitable node "
             "provider in /app/vendor/ramsey/uuid/src/Provider/Node/FallbackNodeProvider.php:6\nStack trace:\n"
             "#0 /app/vendor/ramsey/uuid/src/Generator/DefaultTimeGenerator.php(4): "
             "Ramsey\\Uuid\\Provider\\Node\\FallbackNodeProvider->getNode()\n"
             "#1 /app/vendor/ramsey/uuid/src/UuidFactory.php(5): Ramsey\\Uuid\\Generator\\DefaultTimeGenerator->generate()\n"
             "#2 /app/src/Controller.php(10): Ramsey\\Uuid\\UuidFactory->uuid1()\n#3 {main}\n")
    index = Index.build(Repository(repo).snapshot())
    top = retriever_for(index).rank(trace, 3)
    assert top[0].path == "src/Provider/Node/FallbackNodeProvider.php" and "innermost frame" in top[0].why, top
    assert all("innermost frame" not in h.why for h in top[1:]), top
    # a question with no trace lifts nothing
    assert all("innermost frame" not in h.why for h in retriever_for(index).rank("where is the node provider?", 3))
    rust = make_repo(tmp_path / "rust", {
        "Cargo.toml": '[package]\nname = "env_logger"\nversion = "0.11.5"\n',
        "src/lib.rs": "//! A logger configured by environment variables.\npub mod logger;\n"
                      "pub fn init() { logger::Builder::new().init() }\n",
        "src/logger.rs": "pub struct Builder;\nimpl Builder {\n    pub fn init(&mut self) {\n"
                         "        self.try_init().expect(\"Builder::init should not be called after logger initialized\");\n"
                         "    }\n}\n",
    })
    panic = ("thread 'tests::parses_config' panicked at src/lib.rs:41:10:\n"
             "Builder::init should not be called after logger initialized: SetLoggerError(())\nstack backtrace:\n"
             "   3: env_logger::logger::Builder::init\n"
             "             at /home/me/.cargo/registry/src/index.crates.io-6f17d22bba15001f/env_logger-0.11.5/src/logger.rs:4:9\n"
             "   4: myapp::tests::setup\n             at ./src/lib.rs:41:10\n")
    lifted = [h for h in retriever_for(Index.build(Repository(rust).snapshot())).rank(panic, 2) if "innermost frame" in h.why]
    assert [h.path for h in lifted] == ["src/logger.rs"], lifted
    # not a file whose frames only build or report the error: the frame below them decides (jackson-core's
    # JsonParser._constructError and ParserMinimalBase._reportError over UTF8StreamJsonParser._handleOddName)
    jackson = make_repo(tmp_path / "jackson", {
        "src/main/java/core/JsonParser.java": "package core;\npublic abstract class JsonParser {\n"
            "  protected JsonParseException _constructError(String msg) {\n    return new JsonParseException(msg);\n  }\n}\n",
        "src/main/java/core/base/ParserMinimalBase.java": "package core.base;\nabstract class ParserMinimalBase {\n"
            "  protected void _reportError(String msg) {\n    throw _constructError(msg);\n  }\n}\n",
        "src/main/java/core/json/Utf8Parser.java": "package core.json;\nclass Utf8Parser {\n"
            "  String _handleOddName(int ch) {\n    if (ch != '\"') {\n      _reportError(\"bad name\");\n"
            "    }\n    return null;\n  }\n}\n"})
    trace = ("core.JsonParseException: Unexpected character: was expecting double-quote to start field name\n"
             "\tat core.JsonParser._constructError(JsonParser.java:4)\n"
             "\tat core.base.ParserMinimalBase._reportError(ParserMinimalBase.java:4)\n"
             "\tat core.json.Utf8Parser._handleOddName(Utf8Parser.java:5)\n"
             "\tat com.example.Client.read(Client.java:88)\n")
    lifted = [h for h in retriever_for(Index.build(Repository(jackson).snapshot())).rank(trace, 3)
              if "innermost frame" in h.why]
    assert [h.path for h in lifted] == ["src/main/java/core/json/Utf8Parser.java"], lifted
    # not over the file whose code writes the pasted message, the frame a reporter it reaches (handlebars.java's
    # HbsErrorReporter over TemplateBuilder); an error class's own message is no such file (ky's HTTPError.ts)
    java = make_repo(tmp_path / "java", {
        "src/main/java/hbs/HbsErrorReporter.java": "package hbs;\nclass HbsErrorReporter {\n"
                                                   "  void syntaxError(String msg) {\n    throw new HandlebarsException(msg);\n  }\n}\n",
        "src/main/java/hbs/TemplateBuilder.java": "package hbs;\nclass TemplateBuilder {\n  void newVar(String name) {\n"
                                                  "    if (helper(name) == null) {\n"
                                                  "      reporter.syntaxError(\"could not find helper: '\" + name + \"'\");\n"
                                                  "    }\n  }\n}\n",
        "src/main/java/hbs/HandlebarsException.java": "package hbs;\nclass HandlebarsException extends RuntimeException {}\n",
    })
    hbs = ("Exception in thread \"main\" hbs.HandlebarsException: /templates/invoice.hbs:3:2: could not find helper: "
           "'formatMoney'\n\tat hbs.HbsErrorReporter.syntaxError(HbsErrorReporter.java:4)\n"
           "\tat hbs.TemplateBuilder.newVar(TemplateBuilder.java:5)\n")
    ranked = retriever_for(Index.build(Repository(java).snapshot())).rank(hbs, 2)
    assert ranked[0].path == "src/main/java/hbs/TemplateBuilder.java", ranked
    assert all("innermost frame" not in h.why for h in ranked), ranked
    # a frame in the project's bundle (luxon's build output, `at usesLocalWeekValues (luxon.js:1540:13)`) matched its
    # 20-line src/luxon.js of exports by the file name: the function's own file is where it broke
    bundle = make_repo(tmp_path / "bundle", {
        "src/luxon.js": "import DateTime from './datetime.js';\nexport { DateTime };\n",
        "src/datetime.js": "export default class DateTime {\n  static fromObject(obj) {\n"
                           "    return usesLocalWeekValues(obj, this.loc);\n  }\n}\n",
        "src/impl/conversions.js": "export function usesLocalWeekValues(obj, loc) {\n"
                                   "  throw new ConflictingSpecificationError('cannot mix week fields');\n}\n"})
    week = ("Uncaught ConflictingSpecificationError: Cannot mix locale-based week fields\n"
            "    at usesLocalWeekValues (luxon.js:1540:13)\n    at DateTime.fromObject (luxon.js:5460:40)\n")
    bundled = retriever_for(Index.build(Repository(bundle).snapshot())).rank(week, 2)
    assert bundled[0].path == "src/impl/conversions.js" and "innermost frame" in bundled[0].why, bundled
    assert all("innermost frame" not in h.why for h in bundled if h.path == "src/luxon.js"), bundled
    # and one built from TypeScript (yup's `at NumberSchema.cast (/app/node_modules/yup/index.js:1043:13)` lifted
    # src/index.ts, its exports, by the name less its suffix)
    typescript = make_repo(tmp_path / "typescript", {
        "package.json": '{\n  "name": "yup",\n  "main": "lib/index.js"\n}\n',
        "src/index.ts": "export { default as number } from './number';\n"
                        "export { default as Schema } from './schema';\n",
        "src/schema.ts": "export default class Schema {\n  cast(value: any) {\n"
                         "    throw new TypeError(`The value could not be cast`);\n  }\n}\n",
        "src/number.ts": "import Schema from './schema';\nexport default class NumberSchema extends Schema {}\n"})
    cast = ("TypeError: The value of age could not be cast to a value that satisfies the schema type\n"
            "    at NumberSchema.cast (/app/node_modules/yup/index.js:1043:13)\n"
            "    at handleSubmit (/app/src/forms/profile.js:22:31)\n")
    built = retriever_for(Index.build(Repository(typescript).snapshot())).rank(cast, 2)
    assert built[0].path == "src/schema.ts" and "innermost frame" in built[0].why, built
    # frames naming functions and no file (Kotlin/Native's): the file defining the innermost one the repository
    # defines (turbine's channel.kt, 4th behind the file whose error class the report names)
    native = make_repo(tmp_path / "native", {
        "src/channel.kt": "package app.cash.turbine\n\npublic suspend fun <T> ReceiveChannel<T>.awaitItem(): T =\n"
                          "  when (val event = awaitEvent()) {\n    is Event.Item -> event.value\n"
                          "    else -> unexpectedEvent(event, \"item\")\n  }\n",
        "src/flow.kt": "package app.cash.turbine\n\npublic fun <T> Flow<T>.testIn(scope: CoroutineScope) {\n"
                       "  throw TurbineAssertionError(\"Turbine can only be used in a TurbineContext\", null)\n}\n",
        "src/TurbineAssertionError.kt": "package app.cash.turbine\n\n"
                                        "public class TurbineAssertionError(message: String, cause: Throwable?)\n"})
    kexe = ("kotlin.AssertionError: Expected item but found Complete\n"
            "    at 2   test.kexe   0x10a4f1a22 kfun:app.cash.turbine.TurbineAssertionError#<init>(kotlin.String){}"
            " + 109\n"
            "    at 3   test.kexe   0x10a4f2b10 kfun:app.cash.turbine#awaitItem__at__kotlinx.coroutines.channels."
            "ReceiveChannel<0:0>(kotlin.String?){0§<kotlin.Any?>}0:0 + 880\n")
    broke = retriever_for(Index.build(Repository(native).snapshot())).rank(kexe, 2)
    assert broke[0].path == "src/channel.kt" and "innermost frame" in broke[0].why, broke
    # PHP: an argument's TypeError is its caller's; a trace of `#N file(line): fn()` frames without where it was
    # thrown names call sites (symfony/yaml's, the regression review's)
    php = make_repo(tmp_path / "php", {
        "composer.json": '{"name": "symfony/yaml"}\n',
        "Parser.php": "<?php\nclass Parser {\n  function parse() {\n    throw new ParseException('x', 1, 5);\n  }\n}\n",
        "Exception/ParseException.php": "<?php\nclass ParseException {\n  function __construct(string $m, int $l, ?string $snippet) {}\n}\n",
        "Dumper.php": "<?php\nclass Dumper {\n  function dump($v) { return Inline::dump($v); }\n}\n",
        "Inline.php": "<?php\nclass Inline {\n  static function dump($v) {\n"
                      "    throw new DumpException('Object support when dumping a YAML file has been disabled.');\n  }\n}\n",
    })
    php_retriever = retriever_for(Index.build(Repository(php).snapshot()))
    typed = ("PHP Fatal error:  Uncaught TypeError: ParseException::__construct(): Argument #3 ($snippet) must be of type "
             "?string, int given, called in /app/vendor/symfony/yaml/Parser.php on line 4 and defined in "
             "/app/vendor/symfony/yaml/Exception/ParseException.php:3\nStack trace:\n"
             "#0 /app/vendor/symfony/yaml/Parser.php(4): ParseException->__construct('x', 1, 5)\n#1 {main}\n")
    lifted = [h.path for h in php_retriever.rank(typed, 3) if "innermost frame" in h.why]
    assert lifted == ["Parser.php"], lifted
    sites = ("DumpException: Object support when dumping a YAML file has been disabled.\n\n"
             "#0 /srv/app/vendor/symfony/yaml/Dumper.php(3): Inline::dump(Object(User))\n#1 {main}\n")
    assert all("innermost frame" not in h.why for h in php_retriever.rank(sites, 3))


def test_a_module_s_own_tests_answer_which_test_only_where_its_units_rank_high(tmp_path: Path, make_repo) -> None:
    """rand's uniform_int.rs, 24th by its units, took "which test checks the Fill trait …?" by
    its in-file tests: a code file's own tests are lifted only where the unit ranking puts the
    file in its first OWN_TESTS_UNITS."""
    files = {f"src/fill_{n}.rs": f"/// Checks the Fill trait's test slice; the fill trait checks {n}.\n"
                                 f"pub fn fill_trait_slice_{n}(dest: &mut [u8]) {{\n    dest.fill(0);\n}}\n"
             for n in "abcde"}
    files["src/uniform.rs"] = ("/// Samples uniformly from a range.\npub fn sample_range() -> u8 {\n    4\n}\n\n"
                               "#[cfg(test)]\nmod tests {\n    #[test]\n    fn fill() {\n"
                               "        assert_eq!(1, 1);\n    }\n}\n")
    files["Cargo.toml"] = "[package]\nname = \"rand\"\nversion = \"1.0.0\"\n"
    repo = make_repo(tmp_path, files)
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("which test checks the Fill trait?", 10)
    uniform = next(h for h in top if h.path == "src/uniform.rs")
    assert "tests inside" not in uniform.why, top


def test_a_module_s_own_tests_stand_behind_a_test_file_whose_unit_matches_better(tmp_path: Path, make_repo) -> None:
    """hashbrown's src/map.rs, whose `#[cfg(test)] mod test_map` ranked third by its units, took "which
    test covers a BuildHasher that panics in the middle of an in-place rehash?" from
    tests/hasher_unwind.rs, first by its units: the module's own tests are lifted only above every
    test file's unit."""
    repo = make_repo(tmp_path, {
        "src/map.rs": "/// A hash map.\npub struct HashMap;\n\nimpl HashMap {\n    /// Grows the table.\n"
                      "    pub fn reserve(&mut self) {}\n}\n\n#[cfg(test)]\nmod test_map {\n"
                      "    use core::hash::BuildHasher;\n\n    #[test]\n    fn test_build_hasher() {\n"
                      "        assert_eq!(1, 1);\n    }\n}\n",
        "tests/hasher_unwind.rs": "//! A BuildHasher that panics in the middle of an in-place rehash.\n"
                                  "use hashbrown::HashMap;\n\n#[test]\n"
                                  "fn build_hasher_panics_during_in_place_rehash() {\n"
                                  "    // the panic in the middle of the rehash\n    let _ = HashMap;\n}\n",
        "Cargo.toml": "[package]\nname = \"hashbrown\"\nversion = \"1.0.0\"\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("Which test covers a BuildHasher that panics in the middle of an in-place rehash?", 3)
    assert top[0].path == "tests/hasher_unwind.rs", top
    assert not any("tests inside" in h.why for h in top), top


def test_which_test_lifts_the_tests_named_for_the_code_it_is_about(tmp_path: Path, make_repo) -> None:
    """validators' "which test covers the Finnish social security number validator?": the words
    are fi.py's, and tests/i18n/test_fi.py says none of them (its docstring says "Test i18n/es.");
    tests matching a word or two came first. The tests named for the code file the question
    matches best, in the folders that code is in, are lifted; junit's tests/framework/AssertTest.java
    tests junit.framework's Assert, not org/junit/Assert.java."""
    repo = make_repo(tmp_path, {
        "src/validators/i18n/fi.py": "def fi_ssn(value):\n    \"\"\"Validate a Finnish social security number "
                                     "(henkilötunnus).\"\"\"\n    return len(value) == 11\n",
        "src/validators/i18n/fr.py": "def fr_ssn(value):\n    \"\"\"Validate a French social security number.\"\"\"\n"
                                     "    return len(value) == 15\n",
        "src/validators/card.py": "def card_number(value):\n    \"\"\"Validate a card number.\"\"\"\n"
                                  "    return value\n",
        "tests/i18n/test_fi.py": "\"\"\"Test i18n/es.\"\"\"\nfrom validators import fi_ssn\n\n\n"
                                 "def test_returns_true_on_valid_ssn():\n    assert fi_ssn('131052-308T')\n",
        "tests/test_card.py": "\"\"\"Test the card number validator.\"\"\"\n\n\n"
                              "def test_returns_true_on_valid_number():\n    assert card_number('4242424242424242')\n",
        "tests/other/test_fi.py": "def test_other():\n    assert True\n",
        "README.md": "# validators\n\nPython data validation for humans.\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("Which test covers the Finnish social security number validator?", 5)
    assert top[0].path == "tests/i18n/test_fi.py" and SUBJECT_TESTED in top[0].why, top
    assert not any(SUBJECT_TESTED in h.why for h in top if h.path == "tests/other/test_fi.py"), top
    # a question not asking for a test is not about one
    assert retriever.rank("where is the Finnish social security number validated?", 1)[0].path == \
        "src/validators/i18n/fi.py"
    # a message the question quotes says which test more surely than a file's name (turbine's "which test checks
    # that takeItem() … throws 'Calling context is suspending …'?" answered ChannelTest.kt, named for channel.kt)
    turbine = make_repo(tmp_path / "turbine", {
        "src/main/channel.kt": "fun <T> ReceiveChannel<T>.takeItem(): T {\n"
                               "  assertCallingContextIsNotSuspended()\n  return takeEvent()\n}\n",
        "src/main/coroutines.kt": "fun assertCallingContextIsNotSuspended() {\n"
                                  "  error(\"Calling context is suspending; use a suspending method instead\")\n}\n",
        "src/test/ChannelTest.kt": "class ChannelTest {\n  @Test fun takeItem() {\n    channel.takeItem()\n"
                                   "    channel.takeItem()\n  }\n}\n",
        "src/test/ChannelJvmTest.kt": "class ChannelJvmTest {\n  @Test fun takeItemSuspendingThrows() {\n"
                                      "    assertFailsWith { withContext { takeItem() } }.also {\n"
                                      "      assertEquals(\"Calling context is suspending; use a suspending method "
                                      "instead\", it.message)\n    }\n  }\n}\n"})
    quoted = retriever_for(Index.build(Repository(turbine).snapshot())).rank(
        "Which test checks that calling takeItem() from a suspending function throws \"Calling context is "
        "suspending; use a suspending method instead\"?", 2)
    assert quoted[0].path == "src/test/ChannelJvmTest.kt" and "message found" in quoted[0].why, quoted
    assert all(SUBJECT_TESTED not in h.why for h in quoted), quoted
    # a test file both content rankings put first is not passed by the test named for the one module a library
    # has (mox's cluster_test.exs, under mox_test.exs, for "which test covers allowances across nodes …?")
    mox = make_repo(tmp_path / "mox", {
        "lib/mox.ex": "defmodule Mox do\n  @doc \"Allows other processes to use the expectations.\"\n"
                      "  def allow(mock, owner, allowed) do\n    # allowances reach other nodes of a cluster\n"
                      "    :ok\n  end\nend\n",
        "test/mox_test.exs": "defmodule MoxTest do\n" + "".join(
            f"  test \"expect {i}\" do\n    Mox.expect(CalcMock, :add, fn x -> x end)\n  end\n" for i in range(20))
        + "  test \"allow\" do\n    Mox.allow(CalcMock, self(), pid)\n  end\nend\n",
        "test/cluster_test.exs": "defmodule ClusterTest do\n  test \"allowances work across nodes in a cluster\" do\n"
                                 "    Mox.allow(CalcMock, self(), Node.spawn(node, fn -> :ok end))\n  end\nend\n"})
    cluster = retriever_for(Index.build(Repository(mox).snapshot())).rank(
        "Which test covers allowances working across nodes in a cluster?", 2)
    assert cluster[0].path == "test/cluster_test.exs", cluster
    assert all(SUBJECT_TESTED not in h.why for h in cluster), cluster


def test_an_older_versions_docs_page_stands_behind_the_newer(tmp_path: Path, make_repo) -> None:
    """commonmark keeps docs/1.x/ beside docs/2.x/, RestSharp Docusaurus's versioned_docs/ beside
    docs/: "how do I strip raw HTML?" answered the 1.x page. An older version's page takes the
    copied penalty, unless the question names that version; a year's folder is no version."""
    page = "# Security\n\nTo strip raw HTML set the html_input option to strip; escape raw HTML with escape.\n"
    repo = make_repo(tmp_path, {
        "docs/1.x/security.md": page + "Raw HTML is stripped. Strip raw HTML input.\n",
        "docs/2.x/security.md": page,
        "website/versioned_docs/version-v110/security.md": page + "Strip raw HTML: strip.\n",
        "blog/2023/security.md": "# Strip raw HTML\n\nWe strip raw HTML now: html_input strip.\n",
        "blog/2024/notes.md": "# Notes\n\nNothing.\n",
        "src/Parser.php": "<?php\nclass Parser {\n    public function parse($input) { return $input; }\n}\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    top = retriever.rank("which page documents how to strip raw HTML input?", 5)
    assert top[0].path in ("docs/2.x/security.md", "blog/2023/security.md"), top
    older = {h.path for h in top if "older version" in h.why}
    assert older == {"docs/1.x/security.md", "website/versioned_docs/version-v110/security.md"}, top
    named = retriever.rank("in 1.x, which page documents how to strip raw HTML input?", 5)
    assert not any("older version" in h.why for h in named if h.path == "docs/1.x/security.md"), named


def test_a_test_declared_by_a_call_is_where_a_test_files_evidence_opens(tmp_path: Path, make_repo) -> None:
    """qs's test/parse.js is one `test('parse()', …)` call holding 300 `t.test('…', …)` tests and
    defines one helper: "which test covers the comma option with arrayLimit?" opened at the
    helper, 1,400 lines above the test. A test a call declares (tape's, mocha's and jest's `it`,
    RSpec's `it … do`) is where a test file's evidence opens when it matches best; the unit
    ranking is as it was."""
    filler = "".join(f"    t.test('parses case {i}', function (st) {{\n"
                     f"        st.deepEqual(qs.parse('a={i}'), {{ a: '{i}' }});\n        st.end();\n    }});\n\n"
                     for i in range(30))
    repo = make_repo(tmp_path, {
        "test/parse.js": "var characterizeParse = function characterizeParse(st, input, opts, expected) {\n"
                         "    st.deepEqual(qs.parse(input, opts), expected);\n};\n\ntest('parse()', function (t) {\n"
                         + filler +
                         "    t.test('comma values exceeding arrayLimit with throwOnLimitExceeded throws', "
                         "function (st) {\n        st['throws'](function () {\n"
                         "            qs.parse('a=1,2,3,4', { comma: true, arrayLimit: 3, "
                         "throwOnLimitExceeded: true });\n"
                         "        });\n        st.end();\n    });\n\n    t.end();\n});\n",
        "spec/limit_spec.rb": "describe Qs do\n  it 'parses a simple string' do\n"
                              "    expect(parse('a=b')).to eq('a' => 'b')\n  end\n\n"
                              "  it 'raises when the comma array limit is exceeded' do\n"
                              "    expect { parse('a=1,2,3', comma: true, array_limit: 2) }\n"
                              "      .to raise_error(RangeError)\n  end\nend\n",
        "lib/parse.js": "module.exports = function parse(str, opts) {\n"
                        "    return str.split(opts.comma ? ',' : '&');\n};\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    lines = (repo / "test/parse.js").read_text().splitlines()
    query = parse("which test covers the comma option with arrayLimit and throwOnLimitExceeded?")
    start, end = retriever.best_unit(query, "test/parse.js")
    assert "arrayLimit with throwOnLimitExceeded" in lines[start - 1] and lines[end - 1].strip() == "});", (start, end)
    spec = parse("which spec covers the comma array limit being exceeded?")
    assert retriever.best_unit(spec, "spec/limit_spec.rb") == (6, 9)  # a spec of `it` blocks alone, no definition
    assert retriever.best_unit(query, "lib/parse.js") is not None  # code keeps its functions


def test_a_word_no_file_holds_is_read_as_its_base(tmp_path: Path, make_repo) -> None:
    """filelock's test_timeout_pickle was 32nd for "which test checks that a Timeout exception can be
    pickled?": no file holds "pickled", and its base ``pickle`` was no word of the question. A word some
    file holds stays as it is, and a commit message's words are read as written."""
    repo = make_repo(tmp_path, {
        "tests/test_error.py": "import pickle\n\ndef test_timeout_pickle():\n"
                               "    assert pickle.loads(pickle.dumps(1))\n",
        "tests/test_lock.py": "\n".join(f"def test_timeout_{i}():\n    raise Timeout('exception timeout')\n"
                                        for i in range(2)),
        "src/errors.py": "class Timeout(Exception):\n    pass\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    asked = "Which test checks that a Timeout exception can be pickled?"
    assert retriever.rank(asked, 1)[0].path == "tests/test_error.py"
    assert retriever._with_bases(parse(asked)).count("pickle") == 1
    held = make_repo(tmp_path / "held", {"a.py": "# pickled\npickle = 1\n"})
    assert "pickle" not in retriever_for(Index.build(Repository(held).snapshot()))._with_bases(parse(asked))
    assert "pickle" not in retriever._with_bases(parse("Timeout exception can be pickled now"))
    # a word saying how the question asks stays as it is ("where is faker documented?" read as `document`
    # answered factory_boy's page on MongoDB's documents)
    documents = make_repo(tmp_path / "documents", {"docs/orms.rst": "Documents\n=========\n\nA document per row.\n"})
    assert "document" not in retriever_for(Index.build(Repository(documents).snapshot()))._with_bases(
        parse("Where is faker documented?"))
    assert [_bases(w) for w in ("parsing", "stopped", "string", "used")] == [
        ["parse", "pars"], ["stoppe", "stopp", "stop"], [], []]
    # a word made with -able/-ible from a verb the code names (a lock "resettable", its Reset())
    assert [_bases(w) for w in ("resettable", "configurable", "convertible", "table", "visible")] == [
        ["resette", "resett", "reset"], ["configure", "configur"], ["converte", "convert"], [], []]
    resets = make_repo(tmp_path / "resets", {
        "lock.go": "package lock\n\n// Reset clears the state.\nfunc Reset() {}\n",
        "other.go": "package lock\n\n// Is the lock held?\nfunc Held() {}\n"})
    reset_retriever = retriever_for(Index.build(Repository(resets).snapshot()))
    assert "reset" in reset_retriever._with_bases(parse("Is the lock resettable?"))
    assert reset_retriever.rank("Is the lock resettable?", 1)[0].path == "lock.go"


def test_a_message_a_command_script_holds_is_found(tmp_path: Path, make_repo) -> None:
    """ejs's bin/cli.js, the package's command (a script by its folder), holds "Please do not pass data
    multiple ways": a pasted error quoting it answered lib/esm/ejs.js, the script never read for messages."""
    repo = make_repo(tmp_path, {
        "bin/cli.js": "#!/usr/bin/env node\nif (input && stdin) {\n"
                      "  throw new Error('Please do not pass data multiple ways');\n}\n",
        "lib/ejs.js": "\n".join(f"exports.render{i} = function (template, data) {{ return data; }}; // pass data"
                                for i in range(12)),
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    bug = "npx ejs page.ejs -i '{}' < data.json\nError: Please do not pass data multiple ways\n" \
          "The -i data is dropped when stdin carries data too."
    ranked = retriever.rank(bug, 3)
    assert ranked[0].path == "bin/cli.js" and "message found" in ranked[0].why, ranked
    # a command with no suffix, its interpreter on its first line (mustache.js's bin/mustache)
    command = make_repo(tmp_path / "mustache", {
        "bin/mustache": "#!/usr/bin/env node\ntry { JSON.parse(view) } catch (e) {\n"
                        "  console.error('Shooot, could not parse view as JSON.');\n}\n",
        "mustache.js": "\n".join(f"function parse{i}(template, view) {{ return view; }} // parse the view template"
                                  for i in range(12)),
        "bin/README": "Shooot, could not parse view as JSON. (a page, not a program)\n"})
    printed = "Running the CLI prints \"Shooot, could not parse view as JSON.\" What is wrong?"
    ranked = retriever_for(Index.build(Repository(command).snapshot())).rank(printed, 3)
    assert ranked[0].path == "bin/mustache" and "message found" in ranked[0].why, ranked
    # a build file written as a program raises its own (inih's meson.build `error(…)`, 5th behind the headers);
    # one of data holding the words raises nothing
    meson = make_repo(tmp_path / "inih", {
        "meson.build": "project('inih', ['c'], default_options : ['default_library=static'])\n"
                       "if host_machine.system() == 'windows' and get_option('default_library') == 'both'\n"
                       "  error('default_library=both is not supported on Windows')\nendif\n",
        "package.json": '{"description": "default_library=both is not supported on Windows"}\n',
        "ini.h": "/* Build it as a shared library on Windows. */\nint ini_parse(const char *name);\n",
        "ini.c": "\n".join(f"int f{i}(void) {{ return {i}; }}" for i in range(12)),
    })
    report = "Building inih on Windows fails at meson setup with: ERROR: default_library=both is not supported on Windows"
    ranked = retriever_for(Index.build(Repository(meson).snapshot())).rank(report, 3)
    assert ranked[0].path == "meson.build" and "message found" in ranked[0].why, ranked
    assert not any(h.path == "package.json" and "message found" in h.why for h in ranked), ranked


def test_a_header_beside_explicit_instantiations_or_an_amalgamation_keeps_its_place(tmp_path: Path, make_repo) -> None:
    """toml11's include/toml11/serializer.hpp holds the float formatting; its src/serializer.cpp holds only
    `template class serializer<type_config>;` lines, and the header was put behind that file's low score, 32nd.
    Its single_include/toml.hpp, the whole library amalgamated by a workflow, took a top-five place for 8 of 13
    questions: it is a generated copy. A page asked for by the word takes no config lift from the TOML file
    it names, and "build my own error message" asks for no build."""
    body = "".join(f"    std::string format_float_{i}(double x) {{ // defaultfloat may omit the point\n"
                   f"        return std::to_string(x) + \".0\";\n    }}\n" for i in range(3))
    repo = make_repo(tmp_path, {
        "include/toml11/serializer.hpp": "#pragma once\nnamespace toml {\nclass serializer {\n" + body + "};\n}\n",
        "src/serializer.cpp": "#include <toml11/serializer.hpp>\n\nnamespace toml\n{\ninline namespace v4\n{\n"
                              "template class serializer<::toml::type_config>;\n"
                              "template class serializer<::toml::ordered_type_config>;\n}\n}\n",
        "single_include/toml.hpp": "#pragma once\nnamespace toml {\nclass serializer {\n" + body * 3 + "};\n}\n",
        "include/toml11/parser.hpp": "#pragma once\nnamespace toml {\nint parse(const char* s);\n}\n",
        "src/parser.cpp": "#include <toml11/parser.hpp>\nnamespace toml {\nint parse(const char* s) {\n"
                          "    return s[0];\n}\n}\n",
        "docs/error_message.md": "# Error messages\n\nBuild your own error message pointing at a value's location "
                                 "in the TOML file with `format_error`.\n",
        "CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\nproject(toml11)\n# build the error message tests\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = retriever.rank("how does the serializer make sure 1.0 is not written as 1 when formatting a float?", 3)
    assert ranked[0].path == "include/toml11/serializer.hpp", ranked
    assert "generated" in next(h.why for h in ranked if h.path.startswith("single_include/")), ranked
    assert not retriever.facts.includes_only("src/parser.cpp")
    # one at the top, saying it was assembled, beside the header it copies (tomlplusplus' 17,897-line toml.hpp
    # beside include/toml++/toml.hpp first for 20 of 30 history questions)
    top = make_repo(tmp_path / "top", {
        "toml.hpp": "// THIS FILE WAS ASSEMBLED FROM MULTIPLE HEADER FILES BY A SCRIPT - PLEASE DON'T EDIT IT\n"
                    "namespace toml {\nclass serializer {\n" + body * 3 + "};\n}\n",
        "include/toml++/toml.hpp": "#pragma once\n#include \"impl/serializer.inl\"\n",
        "include/toml++/impl/serializer.inl": "namespace toml {\nclass serializer {\n" + body + "};\n}\n"})
    ranked = retriever_for(Index.build(Repository(top).snapshot())).rank(
        "how does the serializer make sure 1.0 is not written as 1 when formatting a float?", 2)
    assert ranked[0].path == "include/toml++/impl/serializer.inl" and "generated" in ranked[1].why, ranked
    page = retriever.rank("Which documentation page explains how to build my own error message that points at the "
                          "location of a value in the TOML file?", 2)
    assert page[0].path == "docs/error_message.md" and not any("config asked" in h.why for h in page), page


def test_a_how_do_i_question_takes_a_page_only_where_one_speaks_of_it(tmp_path: Path, make_repo, commit_all) -> None:
    """EmailValidator's "how do I get the reason an address was rejected instead of only true/false?" answered
    documentation/Other.md, which says nothing of it, over the getError() of src/EmailValidator.php: every page
    took the docs lift "how do I" gives. A page matching the question's words as well as the code does keeps it."""
    code = ("<?php\nclass EmailValidator {\n    /** The reason the address was rejected, when isValid() is false. */\n"
            "    public function getError(): ?InvalidEmail {\n"
            "        return $this->error; // reason rejected\n    }\n}\n")
    repo = make_repo(tmp_path, {
        "src/EmailValidator.php": code,
        "documentation/Other.md": "# Other\n\nTLD addresses are valid. An address without a dot is accepted.\n",
        "README.md": "# EmailValidator\n\nValidate an email address against RFC 5322.\n",
        "docs/errors.md": "# Errors\n\nHow to get the reason an address was rejected: call `getError()` after "
                          "`isValid()` returned false; the reason it was rejected instead of true or false.\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    asked = "How do I get the reason an address was rejected instead of only true/false?"
    assert retriever.rank(asked, 1)[0].path == "docs/errors.md"
    (repo / "docs" / "errors.md").write_text("# Errors\n\nSee the API reference.\n")
    commit_all(repo, "shorter errors page")
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    first = retriever.rank(asked, 1)[0]
    assert first.path == "src/EmailValidator.php" and "docs asked" not in first.why, first


def test_a_declaration_file_naming_what_is_asked_stands_behind_the_code_and_a_users_file_is_no_frame(
        tmp_path: Path, make_repo) -> None:
    """kleur's index.d.ts, whose interface names `red` and `bold`, answered how `kleur.red().bold()` chaining
    works over the index.mjs doing it: a declaration file holds no code, whatever names it holds. And
    dry-types' `/app/lib/types.rb:14`, the user's own file, was read as lib/dry/types.rb's frame (a file of that
    name), over the builder.rb writing the warning: its folder is one of ours and the file is not in it."""
    typed = "\n".join(f"  /** Color {c}: chain it. */\n  {c}: Color;" for c in ("red", "bold", "underline"))
    repo = make_repo(tmp_path, {
        "index.d.ts": "declare namespace kleur {\n interface Kleur {\n" + typed + "\n }\n}\nexport = kleur;\n",
        "index.mjs": "function chain(has, keys) {\n  // chaining: each color returns a context with red, bold\n"
                     "  let ctx = { has, keys };\n  ctx.red = $.red.bind(ctx);\n  return ctx;\n}\n"
                     "const $ = { red: init(31, 39), bold: init(1, 22) };\nexport default $;\n",
        "lib/dry/types.rb": "module Dry\n  module Types\n    def self.warn(msg)\n    end\n  end\nend\n",
        "lib/dry/types/builder.rb": "module Dry\n  module Types\n    def default(value)\n"
                                    "      Dry::Types.warn('is mutable. Be careful: types will return "
                                    "the same instance')\n"
                                    "    end\n  end\nend\n",
    })
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    ranked = retriever.rank("How does chaining like kleur.red().bold().underline('hi') work internally?", 2)
    assert ranked[0].path == "index.mjs", ranked
    warned = retriever.rank("[dry-types] [] is mutable. Be careful: types will return the same instance of the "
                            "default value\n/app/lib/types.rb:14:in '<module:Types>'\n", 2)
    assert warned[0].path == "lib/dry/types/builder.rb" and not any("innermost frame" in h.why for h in warned), warned


def test_of_the_ci_files_asked_what_they_run_on_those_listing_versions_are_named(tmp_path: Path, make_repo) -> None:
    """commons-csv's "which JDK versions does the GitHub Actions build test against?" answered
    codeql-analysis.yml, whose matrix lists languages, over maven.yml's `java: [ 8, 11, 17, 21 ]`:
    every workflow took the lift for being a CI file."""
    repo = make_repo(tmp_path, {
        ".github/workflows/codeql-analysis.yml": "name: CodeQL\non: push\njobs:\n  analyze:\n    strategy:\n"
                                                 "      matrix:\n        language: [ 'java' ]\n    steps:\n"
                                                 "      - uses: github/codeql-action/init@v3\n",
        ".github/workflows/maven.yml": "name: Java CI\non: push\njobs:\n  build:\n    strategy:\n      matrix:\n"
                                       "        java: [ 8, 11, 17, 21 ]\n    steps:\n"
                                       "      - uses: actions/setup-java@v4\n",
        "src/main/java/Csv.java": "public class Csv { }\n"})
    top = retriever_for(Index.build(Repository(repo).snapshot())).rank(
        "Which JDK versions does the GitHub Actions build test against?", 2)
    assert top[0].path == ".github/workflows/maven.yml", top
    assert "tool named" not in next(h for h in top if h.path.endswith("codeql-analysis.yml")).why, top


def test_an_apostrophe_escaped_in_a_single_quoted_string_is_the_message_s(tmp_path: Path, make_repo) -> None:
    """DeepCopy writes 'The class "%s" doesn\\'t have a property with the given name: "%s".' in
    ReflectionHelper.php: the pasted message's "doesn't" was never found there, and the empty
    exception class, named by the trace, took no lift over it; a file of no bytes, matched on its path's words, is
    no answer unless named (schedule's py.typed came third for its bug reports)."""
    repo = make_repo(tmp_path, {
        "src/Reflection/ReflectionHelper.php": "<?php\nclass ReflectionHelper\n{\n    public static function "
                                               "getProperty($object, $name)\n    {\n        throw new "
                                               "PropertyException(sprintf('The class \"%s\" doesn\\'t have a "
                                               "property with the given name: \"%s\".', $c, $name));\n    }\n}\n",
        "src/Exception/PropertyException.php": "<?php\nclass PropertyException extends ReflectionException\n{\n}\n",
        "src/Copier.php": "<?php\nclass Copier\n{\n    // copies the property of an object by its name\n}\n",
        "src/Exception/py.typed": ""})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    pasted = ('DeepCopy\\Exception\\PropertyException: The class "App\\Invoice" doesn\'t have a property with the '
              'given name: "lines".')
    hits = retriever.rank(pasted, 4)
    assert "message found" in next(h for h in hits if h.path == "src/Reflection/ReflectionHelper.php").why, hits
    assert "src/Exception/py.typed" not in [h.path for h in retriever.rank("the exception py typed", 4)]
    assert retriever.rank("what is py.typed for?", 1)[0].path == "src/Exception/py.typed"


def test_a_dotnet_frame_s_namespace_picks_its_file_and_a_foreign_jvm_package_is_none_of_ours(
        tmp_path: Path, make_repo) -> None:
    """Specification keeps a SpecificationEvaluator.cs for EF6 and one for EF Core: the trace's
    `at Ardalis.Specification.EntityFrameworkCore.SpecificationEvaluator.GetQuery[T,TResult](…)` lifted
    the EF6 one, first by name. failsafe's internal/util/Assert.java took a TestNG failure's
    `at org.testng.Assert.fail(Assert.java:99)` by its file's name."""
    evaluator = ("\ufeffnamespace Ardalis.Specification.{ns};\n\npublic class SpecificationEvaluator\n{{\n"
                 "    public IQueryable<TResult> GetQuery<T, TResult>(IQueryable<T> query)\n    {{\n"
                 "        throw new SelectorNotFoundException();\n    }}\n}}\n")
    repo = make_repo(tmp_path, {
        "src/EntityFramework6/SpecificationEvaluator.cs": evaluator.format(ns="EntityFramework6"),
        "src/EntityFrameworkCore/SpecificationEvaluator.cs": evaluator.format(ns="EntityFrameworkCore"),
        "core/src/main/java/dev/failsafe/internal/util/Assert.java": "package dev.failsafe.internal.util;\n\n"
                                                                     "public final class Assert {\n"
                                                                     "  public static void fail() { }\n}\n",
        "core/src/main/java/dev/failsafe/internal/TimeoutExecutor.java": "package dev.failsafe.internal;\n\n"
                                                                         "class TimeoutExecutor {\n"
                                                                         "  void timeout() { }\n}\n"})
    retriever = retriever_for(Index.build(Repository(repo).snapshot()))
    trace = ("Ardalis.Specification.SelectorNotFoundException: The specification must have a selector.\n"
             "   at Ardalis.Specification.EntityFrameworkCore.SpecificationEvaluator.GetQuery[T,TResult]"
             "(IQueryable`1 query, ISpecification`2 specification)\n")
    hits = retriever.rank(trace, 2)
    assert hits[0].path == "src/EntityFrameworkCore/SpecificationEvaluator.cs", hits
    assert "innermost frame" in hits[0].why, hits
    testng = ("java.lang.AssertionError: timed out too late\n\tat org.testng.Assert.fail(Assert.java:99)\n"
              "\tat dev.failsafe.TimeoutTest.testTimeout(TimeoutTest.java:40)\n")
    assert not any("innermost frame" in h.why for h in retriever.rank(testng, 4)
                   if h.path.endswith("internal/util/Assert.java"))


def test_the_fourteenth_stop_s_third_reviews(tmp_path: Path, make_repo) -> None:
    """From eight reviews on fresh repositories: the registry a publish question names picks its workflow
    (insta's publish-crates.yml behind release.yml, "tool named" for "a release tag"); a vendored copy
    named by the project's own module's word is still a copy (insta's content/yaml/vendored/yaml.rs);
    a file name no file bears lifts the code whose string holds it (insta's env.rs, `"insta.yaml"`)."""
    from explore.retrieval.config_asked import names_tool

    crates = make_repo(tmp_path / "crates", {
        ".github/workflows/release.yml": "name: Release\non:\n  push:\n    tags: ['*']\njobs:\n  build:\n"
                                         "    steps:\n      - run: gh release create binaries for the tag\n",
        ".github/workflows/publish-crates.yml": "name: Publish to crates.io\non: workflow_dispatch\njobs:\n  publish:\n"
                                                "    steps:\n      - run: cargo publish -p insta\n",
        "insta/src/lib.rs": "//! Snapshot tests.\npub fn assert_snapshot() {}\n"})
    hits = retriever_for(Index.build(Repository(crates).snapshot())).rank(
        "How do the insta crates get published to crates.io when a release tag is pushed?", 2)
    assert hits[0].path == ".github/workflows/publish-crates.yml" and "registry named" in hits[0].why, hits
    assert not names_tool("when a release tag is pushed?", ".github/workflows/release.yml")
    # the copy under the project's own yaml module, named by "YAML"
    yaml = make_repo(tmp_path / "yaml", {
        "insta/src/content/yaml/vendored/yaml.rs": "// a YAML emitter copied from yaml-rust\n" + "\n".join(
            f"fn emit_yaml_{i}() {{ /* yaml output */ }}" for i in range(30)),
        "insta/src/content/yaml/mod.rs": "pub fn to_string(content: &Content) -> String { vendored::emit() }\n",
        "insta/src/settings.rs": "/// Sorts maps (HashMap keys) so that the snapshot output is deterministic.\n"
                                 "pub fn set_sort_maps(&mut self, value: bool) {}\n"})
    hits = retriever_for(Index.build(Repository(yaml).snapshot())).rank(
        "How do I make insta sort HashMap keys so that my YAML snapshot output is deterministic?", 3)
    copy = next(h for h in hits if h.path.endswith("vendored/yaml.rs"))
    assert "vendored" in copy.why and hits[0].path == "insta/src/settings.rs", hits
    # a settings file the repository does not hold, named in prose: the code whose string names it
    absent = make_repo(tmp_path / "absent", {
        "insta/src/env.rs": "fn find_config(dir: &Path) -> Option<PathBuf> {\n    for name in [\".config/insta.yaml\", "
                            "\"insta.yaml\", \".insta.yaml\"] {\n        return Some(dir.join(name));\n    }\n"
                            "    None\n}\n",
        "insta/src/lib.rs": "//! Tool configuration lives in `insta.yaml` next to the workspace; the tool "
                            "configuration names the file names insta looks for.\npub mod env;\n",
        "insta/src/output.rs": "pub fn print_tool_configuration(names: &[&str]) { /* file names */ }\n"})
    hits = retriever_for(Index.build(Repository(absent).snapshot())).rank(
        "Which file names does insta look for when loading its insta.yaml tool configuration?", 2)
    assert hits[0].path == "insta/src/env.rs" and "file name held" in hits[0].why, hits
    # not a name the question writes as code (`response.json`), whatever string holds it
    code = make_repo(tmp_path / "code", {"src/client.py": "FIXTURE = 'response.json'\ndef json(response):\n"
                                                          "    return response.body\n"})
    hits = retriever_for(Index.build(Repository(code).snapshot())).rank(
        "Why does response.json fail on an empty body?", 1)
    assert "file name held" not in hits[0].why, hits
