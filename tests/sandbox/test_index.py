"""BM25 index and scent."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from explore.sandbox.index import Index, best_window, tokenize
from explore.sandbox.snapshot import Repository


def test_identifier_aware_tokens() -> None:
    toks = tokenize("parse_args parseArgs HTTPServer os.path.join retries")
    for t in ("parse_args", "parse", "arg", "parseargs", "http", "server", "path", "join", "retry"):
        assert t in toks, t
    assert "the" not in tokenize("the file")
    # a hex literal is no identifier (zlib's crc32.h tables gave `ce`, which "WinCE" matched)
    assert tokenize("0xa6ce4d3UL, 0X1F crc_table 42") == ["crc_table", "crc", "table", "42"]


def _repo(tmp_path: Path) -> Repository:
    files = {
        "net/retry.py": "def compute_backoff(attempt):\n    '''Exponential back-off between upload retries.'''\n",
        "net/http.py": "class Client:\n    def get(self, url): ...\n",
        "docs/install.md": "# Installation\n\npip install the package\n",
        "cli/main.py": "def main():\n    parse_args()\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return Repository(tmp_path)


def test_top_and_scent(tmp_path: Path) -> None:
    snap = _repo(tmp_path).snapshot()
    index = Index.build(snap)
    q = "where is the upload retry back-off computed?"
    assert index.top(q, 1)[0][0] == "net/retry.py"
    assert index.scent(q, "net") == 1.0 == index.scent(q, "net/retry.py")
    assert index.scent(q, "docs") < 1.0
    assert index.top("installation steps", 1)[0][0] == "docs/install.md"
    assert np.all(index.scores("") == 0)


def test_index_is_cached_and_rebuilt_when_files_change(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    first = Index.build(repo.snapshot())
    again = Index.build(repo.snapshot())
    assert again.files == first.files
    (tmp_path / "net" / "new.py").write_text("TIMEOUT = 5\n")
    third = Index.build(repo.snapshot())
    assert "net/new.py" in third.files
    assert third.top("timeout", 1)[0][0] == "net/new.py"


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    snap = repo.snapshot()
    Index.build(snap)
    import os

    cache = Path(os.environ["EXPLORE_CACHE"]) / "indexes"
    for meta in cache.glob("*/files.json"):
        meta.write_text("{not json")
    assert Index.build(snap).top("install", 1)[0][0] == "docs/install.md"


def test_damaged_cache_entry_is_replaced_by_the_rebuild(tmp_path: Path, explore_cache: Path) -> None:
    """The rebuilt index is written over a damaged entry, so the next process loads it
    instead of rebuilding again; whether files.json or the BM25 data was damaged."""
    import json

    import bm25s

    snap = _repo(tmp_path).snapshot()
    Index.build(snap)
    (entry,) = [p.parent for p in (explore_cache / "indexes").glob("*/files.json")]
    (entry / "files.json").write_text("{not json")
    Index.build(snap)
    assert json.loads((entry / "files.json").read_text()) == snap.files
    (entry / "params.index.json").write_text("{not json")
    Index.build(snap)
    bm25s.BM25.load(str(entry))  # the repaired entry loads


def test_an_emptied_cache_entry_is_rebuilt(tmp_path: Path, explore_cache: Path) -> None:
    """A BM25 array file left empty (a full disk, a copy stopped before its first byte) made
    numpy raise EOFError, which the load did not catch: `explore search` printed "Aborted."
    and exited 1, every time, until the cache was cleared."""
    snap = _repo(tmp_path).snapshot()
    built = Index.build(snap).top("install", 1)
    (entry,) = [p.parent for p in (explore_cache / "indexes").glob("*/files.json")]
    for array in sorted(entry.glob("*.npy")):
        good = array.read_bytes()
        array.write_bytes(b"")
        assert Index.build(snap).top("install", 1) == built, array.name
        assert array.read_bytes() == good, array.name  # the rebuild repaired the entry


def test_best_window() -> None:
    lines = ["x"] * 100 + ["def retry_backoff(): pass", "retry again"] + ["y"] * 100
    start = best_window(lines, "retry backoff", 10)
    assert start <= 101 < start + 10
    assert best_window(["a"] * 5, "retry", 10) == 1


def test_the_window_opens_at_its_matching_lines_even_at_the_files_end() -> None:
    """The best window opens one line above the lines it matches (the first of the windows
    tied with it put them at its bottom: a file's filler above, its answer below), and a
    definition in a file's last lines is where the window opens, not lines above it."""
    lines = [f"def filler_{i}(x):" for i in range(40)] + [
        "def compute_quantum_flux(alpha, beta):", '    """The quantum flux capacitor value."""', "    return 1"]
    assert best_window(lines, "quantum flux capacitor", 6) == 40  # one line of context above line 41
    assert best_window(lines, "where is compute_quantum_flux defined?", 6) == 41
    middle = ["x"] * 50 + ["the retry backoff"] + ["y"] * 50
    assert best_window(middle, "retry backoff", 10) == 50


def test_best_window_prefers_rare_terms_and_the_defining_line() -> None:
    """An ``__all__`` list repeating the asked-for name's parts loses to the ``def`` line."""
    exported = [f'    "tox_add_{part}_config",' for part in ("core", "env", "extra", "other", "more")]
    lines = (["import os"] * 20 + ["def tox_add_core_config(core_conf, state):", '    """Called once."""']
             + ["    pass"] * 30 + ["__all__ = ["] + exported + ["]"])
    start = best_window(lines, "Which file defines `tox_add_core_config`?", 5)
    assert start <= 21 < start + 5
    # plain words are not code names: no definition bonus for "user = ..."
    lines = ["user = None"] + ["x"] * 40 + ["def create_single_user(name):", "    '''Create one user.'''"]
    assert best_window(lines, "where is a single user created?", 3) > 30
    # a name asked for that is a common word, and no other word of the question in the file: its
    # definition still opens the window (gjson's "where is All implemented?" opened at line 1)
    go = ["// Copyright. All rights reserved."] + ["x := 1"] * 60 + ["func (t Result) All() iter.Seq2[Result, Result] {"]
    assert best_window(go, "where is All implemented?", 6, {"All"}, path="gjson.go") > 55
    # Rust's `impl Buf for &[u8]` implements the trait for another type; `pub trait Buf` defines it
    # (bytes' "which file defines Buf?" opened at the impl, 2,700 lines below the trait)
    from explore.sandbox.index import definition_lines

    rust = ["pub trait Buf {", "    fn remaining(&self) -> usize;", "}"] + ["// x"] * 60 + [
        "impl Buf for &[u8] {", "    fn remaining(&self) -> usize { self.len() }", "}",
        "impl<T: Buf> Buf for Take<T> {", "}", "impl Take<u8> {", "}"]
    assert definition_lines(rust, "Buf") == [1] and definition_lines(rust, "Take") == [69]
    assert best_window(rust, "which file defines Buf?", 6, {"Buf"}, path="src/buf.rs") == 1


def test_a_report_naming_the_files_own_class_opens_at_the_behaviour_not_the_header() -> None:
    """`… thrown by JsonTreeReader when …` in JsonTreeReader.java: the class's own name is what
    every report about the file says; its header 100 lines up is no evidence. A question
    asking about the class (not a statement) still opens at it."""
    lines = (["package x;", "/** A reader. */", "public final class JsonTreeReader extends JsonReader {"]
             + [f"  int field{i}() {{ return {i}; }}" for i in range(100)]
             + ["  void skipValue() {", '    throw new IllegalStateException("cannot skip a name");', "  }"]
             + [f"  int other{i}() {{ return 1; }}" for i in range(50)])
    report = "IllegalStateException thrown by JsonTreeReader when it cannot skip a name"
    start = best_window(lines, report, 5, code_first=True, path="src/JsonTreeReader.java")
    assert start <= 105 < start + 5
    assert best_window(lines, "where is JsonTreeReader defined?", 5, path="src/JsonTreeReader.java") <= 3


def test_a_keyword_definition_outscores_an_assignment_and_ruby_defines_as_it_writes() -> None:
    """`route = @request.path_info` (a Ruby method's local) opened the evidence for "where is
    Sinatra::Base.route defined?" though `def route(verb, path)` was in the file; a Ruby
    `module`, `def self.register` and a PHP `Owner::member` are definitions too."""
    lines = (["module Sinatra", "  class Base"] + ["    x = 1"] * 30
             + ["    def process_route", "      route = @request.path_info", "      route = '/' if route.empty?",
                "    end"] + ["    y = 2"] * 30 + ["    def route(verb, path, options = {})", "      compile path",
                                                   "    end"] + ["    z = 3"] * 30
             + ["    def self.register(*extensions)", "    end", "  end", "  module Templates", "  end", "end"])
    from explore.retrieval.query import parse

    for question, defining in (("where is Sinatra::Base.route defined?", "    def route(verb, path, options = {})"),
                               ("where is `register` defined?", "    def self.register(*extensions)"),
                               ("where is the `Templates` module defined?", "  module Templates")):
        # with the names the question parser reads (`Sinatra` too: the outer owner's header opens no window)
        start = best_window(lines, question, 5, parse(question).names, path="lib/sinatra/base.rb")
        line = lines.index(defining) + 1
        assert start <= line < start + 5, (question, start, line)
    # `route!`, `route` and `ready?` are three Ruby methods: the mark the question writes is part of the name
    marked = ["class Base"] + ["  x = 1"] * 30 + ["  def route!(base)", "  end"] + ["  y = 2"] * 30 + \
        ["  def route(verb, path)", "  end"] + ["  z = 3"] * 30 + ["  def static!(opts = {})", "  end"]
    for question, defining in (("where is `route` defined?", "  def route(verb, path)"),
                               ("where is `route!` defined?", "  def route!(base)"),
                               ("where is the `static!` method defined?", "  def static!(opts = {})")):
        start, line = best_window(marked, question, 5, path="lib/base.rb"), marked.index(defining) + 1
        assert start <= line < start + 5, (question, start, line)
    php = ["<?php", "class RouteCollector", "{"] + ["    private $x;"] * 40 + \
          ["    public function map(array $methods, string $pattern, $handler): RouteInterface", "    {", "    }", "}"]
    start = best_window(php, "where is RouteCollector::map defined?", 5, path="Slim/Routing/RouteCollector.php")
    assert start <= 44 < start + 5 and php[43].lstrip().startswith("public function map")


def test_a_python_keyword_argument_or_numpydoc_parameter_is_no_assignment() -> None:
    """loguru's `def add(self, sink, *, …, catch=_defaults.LOGURU_CATCH, …)` and its docstring's
    `catch : |bool|, optional` opened the evidence for "where is `catch` defined?", a thousand
    lines above `def catch(` (an assignment counts as much as a `def` in Python)."""
    signature = ["class Logger:", "    def add(", "        self,", "        sink,", "        *,",
                 "        catch=_defaults.LOGURU_CATCH,", "        **kwargs", "    ):", '        r"""Add a handler.',
                 "", "        Parameters", "        ----------", "        catch : |bool|, optional",
                 "            Whether errors are caught.", '        """']
    lines = signature + ["        x = 1"] * 60 + ["    def catch(self, exception=Exception):",
                                                  '        """Catch errors."""', "        return None"]
    start = best_window(lines, "where is `catch` defined?", 12, path="loguru/_logger.py")
    line = lines.index("    def catch(self, exception=Exception):") + 1
    assert start <= line < start + 12, (start, lines[start - 1])
    # an assignment is still one: `catch = staticmethod(_catch)` opens the window
    lines[40] = "    catch = staticmethod(_catch)"
    del lines[-3:]
    start = best_window(lines, "where is `catch` defined?", 12, path="loguru/_logger.py")
    assert start <= 41 < start + 12, (start, lines[start - 1])


def test_the_defining_line_in_go_typescript_and_rust() -> None:
    """The definition bonus reads the languages units read, not Python's ``def`` alone: a
    Go method, a TypeScript export and class method, a Rust ``pub fn`` each win over the
    calls that repeat the name."""
    calls = ["    c.evictExpired(now)", "    evictExpired(now);", "    self.evict_expired(now);"] * 8
    for definition in ("func (c *Cache) evictExpired(now time.Time) {",
                       "export async function evictExpired(now: Date): Promise<void> {",
                       "  private evictExpired(now: Date): void {",
                       "pub fn evict_expired(&mut self, now: Instant) {"):
        lines = calls[:12] + ["", "// Drop what expired."] + [definition, "  body", "}"] + calls[12:]
        start = best_window(lines, "`evictExpired` / `evict_expired` drops live entries", 3)
        assert start <= 15 < start + 3, definition


def test_the_window_opens_at_an_assigned_definition_named_in_backticks() -> None:
    """Express defines methods by assignment (``res.sendFile = function sendFile(...)``,
    ``app.render = function``), and a question writes the dotted name (`` `app.render` ``):
    the window showed the comment block above (only ``app`` of ``app.render`` was a name, and
    an assignment counted only with the bare name first on the line); and it opens at the
    definition, after the comment lines just above it, not mid-way through what precedes."""
    before = [f"  var view{i} = cache[name];" for i in range(20)] + ["};", ""]
    doc = ["/**", " * Render `view` with the given `options` and optional callback `fn`.", " */"]
    body = ["app.render = function render(name, options, callback) {", "  var opts = options || {};",
            "  var done = callback;"] + ["  render(view, opts, done);"] * 6 + ["};"]
    lines = before + doc + body
    start = best_window(lines, "why does `app.render` crash when options is undefined", 12)
    assert start == len(before) + 2, lines[start - 1]  # the last comment lines, then the definition
    lines = ["// sendFile sends the file at path", "// with sendFile options"] * 10 + [
        "res.sendFile = function sendFile(path, options, callback) {", "  var done = callback;", "};"]
    assert best_window(lines, "where is `sendFile` implemented?", 3) == 19  # two comment lines, the definition
    # a Python def is opened at, not at the end of the function before it
    lines = (["def other(x):"] + ["    return x + 1"] * 6
             + ["", "def maybe_extract_lines(buf):", '    """Lines of a header block."""'] + ["    pass"] * 8)
    assert best_window(lines, "`maybe_extract_lines` is slow on huge headers", 6) == 9


def test_evidence_opens_where_a_stack_frame_points_into_the_file() -> None:
    """A pasted stack trace names the line it broke at: the evidence of that file opens
    there (a third of the way down), whatever words the question repeats elsewhere."""
    from explore.retrieval.evidence import evidence_start

    lines = [f"// render helper {i}" for i in range(600)]
    trace = ("TypeError: Cannot read properties of undefined (reading 'render')\n"
             "    at Function.render (/srv/app/node_modules/express/lib/view.js:12:5)\n"
             "    at Function.render (/srv/app/lib/application.js:520:13)\n")
    assert evidence_start(lines, trace, "lib/application.js", 12) == 516
    assert evidence_start(lines, trace, "lib/view.js", 12) == 8  # an installed express: the repository may be it
    assert evidence_start(lines, "at f (/x/node_modules/y/view.js:40:1)", "view.js", 12) != 36  # a bare name is not
    assert evidence_start(lines, trace, "test/application.js", 12) != 516  # same name, other folder
    py = 'Traceback (most recent call last):\n  File "/home/u/proj/pkg/cli.py", line 595, in main\nboom'
    assert evidence_start(lines, py, "pkg/cli.py", 12) == len(lines) - 12 + 1  # kept inside the file


def test_pruning_survives_a_folder_another_process_removed(tmp_path: Path) -> None:
    from explore.sandbox.atomic import mtime
    from explore.sandbox.index import _prune

    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / f"{name}.lock").touch()
    assert mtime(tmp_path / "gone") == 0.0
    _prune(tmp_path, 1)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert len(kept) == 2 and kept[1] == kept[0] + ".lock"  # a pruned index's lock file goes too


def test_a_tree_with_no_word_anywhere_is_indexed(tmp_path: Path, make_repo) -> None:
    """Only binaries with one-letter names: nothing to tokenise, an index all the same (bm25s
    refused an empty vocabulary) and every question scores nothing."""
    repo = make_repo(tmp_path, {"x": b"\x00\x01", "y": b"\x89PNG\x00"}, git_init=False)
    snapshot = Repository(repo).snapshot()
    index = Index.build(snapshot, cache=tmp_path / "cache")
    assert not index.scores("where is the logo").any() and index.top("where is the logo", 5) == [("x", 0.0), ("y", 0.0)]


def test_a_report_opens_at_code_not_at_the_docstring_repeating_its_words() -> None:
    """A report's words crowd in a docstring that describes the behaviour, and the window
    showed prose; for a statement a docstring's lines weigh half (commit messages' changed
    lines in the window .381 → .395 on the training projects). A question keeps it."""
    from explore.retrieval.evidence import evidence_start
    from explore.sandbox.index import docstring_lines

    doc = ['def send(chunk, attempt):', '    """Send a chunk over the socket.', '',
           '    A timeout retries the chunk.', '    The socket timeout retries it.', '    """']
    filler = [f"    step_{i} = prepare(data, {i})" for i in range(30)]
    code = ["    try:", "        socket.send(chunk)", "    except TimeoutError:",
            "        if attempt < 3:", "            return send(chunk, attempt + 1)  # retried", "        raise"]
    lines = doc + filler + code + [f"    tail_{i} = None" for i in range(30)]
    assert list(np.flatnonzero(docstring_lines(lines))) == [1, 2, 3, 4, 5]
    report = "Uploads stall when the socket times out: the chunk is not retried after a timeout"
    assert evidence_start(lines, report, "pkg/upload.py", 6) == 37  # the retry code, not the docstring
    question = "what happens to the chunk when the socket times out?"
    assert evidence_start(lines, question, "pkg/upload.py", 6) == 1  # a question may want the docs


def test_a_report_opens_at_go_code_not_at_the_doc_comment_repeating_its_words() -> None:
    """The same for a language that writes its docs as ``//`` and ``/* */`` comments (Go's
    doc comments, JSDoc, Rust's ``///``): a report opens at the code; a Python file's ``#``
    lines are not read as such prose, and an unknown kind keeps the docstring rule."""
    from explore.retrieval.evidence import evidence_start
    from explore.sandbox.index import comment_lines, prose_lines

    doc = ["// Send writes a chunk over the socket.", "//", "// A timeout retries the chunk.",
           "/* The socket timeout", " * retries it. */", "func Send(chunk []byte, attempt int) error {"]
    filler = [f"\tstep{i} := prepare(data, {i})" for i in range(30)]
    code = ["\terr := socket.Send(chunk)", "\tif errors.Is(err, ErrTimeout) {", "\t\tif attempt < 3 {",
            "\t\t\treturn Send(chunk, attempt+1) // retried", "\t\t}", "\t}"]
    lines = doc + filler + code + [f"\ttail{i} := 0" for i in range(30)] + ["}"]
    assert list(np.flatnonzero(comment_lines(lines))) == [0, 1, 2, 3, 4]
    assert not prose_lines(lines, "pkg/upload.py").any() and prose_lines(lines, "pkg/upload.go").sum() == 5
    assert not prose_lines(["# a timeout retries the chunk", "x = 1"], "pkg/upload.py").any()
    report = "Uploads stall when the socket times out: the chunk is not retried after a timeout"
    start = evidence_start(lines, report, "pkg/upload.go", 6)
    assert start > 6 and start <= 40 < start + 6  # the retry code (line 40), not the doc comment
    assert evidence_start(lines, report, "pkg/upload.txt", 6) == 1  # not a commented language: as before
    question = "what happens to the chunk when the socket times out?"
    assert evidence_start(lines, question, "pkg/upload.go", 6) == 1  # a question may want the docs


def test_a_trace_through_a_bundle_opens_at_the_function_it_names() -> None:
    """`at ServerResponse.res.render (/srv/bundle.min.js:1:48213)` names no file of the
    repository, but its function: the window opened at `res.status`, matched on the
    message's words, where `res.render = function render(` is the code that broke."""
    from explore.retrieval.evidence import evidence_start
    from explore.sandbox.index import definition_lines

    lines = (["'use strict';", "var res = Object.create(http.ServerResponse.prototype);", ""]
             + ["res.status = function status(code) {", "  // a TypeError when the code is undefined",
                "  this.statusCode = code;", "  return this;", "};", ""]
             + [f"var helper{i} = {i};" for i in range(40)]
             + ["/**", " * Render `view`.", " */", "res.render = function render(view, options, callback) {",
                "  var app = this.req.app;", "  app.render(view, options, callback);", "};"]
             + [f"var tail{i} = {i};" for i in range(20)])
    assert definition_lines(lines, "render") == [53] and definition_lines(lines, "status") == [4]
    assert definition_lines(["exports.json = async (req) => {", "a.b = c", "x.y = (v) => v"]) == [1, 3]
    trace = ("TypeError: Cannot read properties of undefined (reading 'locals')\n"
             "    at ServerResponse.res.render (/srv/bundle.min.js:1:48213)\n    at /srv/app.js:10:5")
    assert evidence_start(lines, trace, "lib/response.js", 12) == 51  # its doc comment, then the function


def test_a_control_statement_or_a_local_variable_is_no_definition_to_open_at() -> None:
    """Rust's ``match (a, b) {`` read as a method ``match`` defined there, and ``let pattern =``
    inside a function as the definition of the question's word "pattern": fd's smart-case
    question opened at a Windows path-separator check. Neither is a definition now; a method
    written ``render(view) {`` and a top-level ``const`` still are."""
    from explore.retrieval.evidence import evidence_start
    from explore.sandbox.index import definition_lines

    lines = ["fn check(sep: Option<&str>) -> Result<()> {", "    match (cfg!(windows), sep) {", "        _ => Ok(()),",
             "    }", "}", "", "fn run(opts: Opts) {", "    let pattern = &opts.pattern;", "    let n = 1;"]
    lines += ["    // filler"] * 30
    lines += ["    // the search is case-sensitive if any pattern has an uppercase character (smart case)",
              "    let case_sensitive = has_uppercase(pattern);", "}"]
    assert definition_lines(lines, "match") == []
    assert definition_lines(["  render(view, opts) {", "  if (x) {"]) == [1]
    question = "where does fd decide to match case-insensitively unless the pattern contains an uppercase letter?"
    assert evidence_start(lines, question, "src/main.rs", 6) >= 39
    assert evidence_start(["const pattern = /x/", "", "function f() {}"] + ["// x"] * 20, "what is pattern?",
                          "a.js", 3) == 1  # a module's own constant is still what is asked about


def test_the_licence_a_file_opens_with_opens_no_evidence() -> None:
    """Every Alamofire Swift file opens with the MIT licence: "where is the redirect handling
    decided, following or not following a 302?" opened the evidence at its "subject to the
    following conditions". The licence comment a file opens with is no match; a first comment
    that is no licence still is."""
    from explore.sandbox.index import best_window

    licence = ["//", "//  Redirector.swift", "//", "//  Copyright (c) 2014-2018 Alamofire Software Foundation",
               "//  Permission is hereby granted, free of charge, to any person obtaining a copy, subject to the",
               "//  following conditions: the following, following, following.", "//", ""]
    code = [f"let value{i} = {i}" for i in range(20)] + ["    func redirect(for response: HTTPURLResponse) {",
                                                        "        // a 302 redirect"] + \
        [f"let other{i} = {i}" for i in range(20)]
    start = best_window(licence + code, "following or not following a 302?", 6)
    assert start > len(licence), start
    plain = ["// following the redirect or not following here: following, following"] + code
    assert best_window(plain, "following or not following a 302?", 6) == 1


def test_a_pages_pasted_svg_is_not_where_its_window_opens() -> None:
    """tablewriter's README pastes the SVG a table renders to: "how do I limit a column's width so
    long text wraps?" opened at `<rect x="102.20" width="67.60" …>`. A page's HTML or SVG lines
    weigh little."""
    svg = ['<svg width="170" height="84">'] + [f'  <text x="{i}.2" width="67.6">long column text wraps</text>'
                                               for i in range(12)] + ["</svg>"]
    prose = ["## Wrapping", "", "Set the column's max width with ColMaxWidths; long text wraps onto lines with",
             "AutoWrap: tw.WrapNormal.", ""]
    lines = ["# Table", ""] + svg + ["", "Some text."] * 10 + prose + ["More."] * 10
    start = best_window(lines, "How do I limit a column's width so that long text wraps onto several lines?", 5,
                        path="README.md")
    assert any("ColMaxWidths" in line for line in lines[start - 1:start + 4]), lines[start - 1:start + 4]
    # nor its table of contents (yup's README answered "how do I replace the default error messages?" with it)
    toc = [f"  - [string.message{i}(message: string)](#stringmessage{i}-error-messages)" for i in range(8)]
    page = ["# yup", ""] + toc + ["", "text"] * 8 + ["## Error message customization", "",
                                                     "Replace the default error messages with setLocale."] + ["x"] * 8
    start = best_window(page, "How do I replace the default error messages?", 5, path="README.md")
    assert any("setLocale" in line for line in page[start - 1:start + 4]), page[start - 1:start + 4]
    # nor its link definitions (kotlin-result's README answered "why not kotlin.Result?" with a block of
    # `[result-binding]: https://github.com/michaelbull/kotlin-result/…` lines, 175 lines below its FAQ)
    links = [f"[result-{i}]: https://github.com/michaelbull/kotlin-result/blob/master/library/Result{i}.kt"
             for i in range(8)]
    faq = ["### Why not use `kotlin.Result` from the standard library?", "", "It is meant for coroutines."]
    page = ["# kotlin-result", ""] + ["text"] * 8 + faq + ["x"] * 8 + links
    start = best_window(page, "Why doesn't this library just use kotlin.Result from the standard library?", 5,
                        path="README.md")
    assert any("kotlin.Result" in line for line in page[start - 1:start + 4]), page[start - 1:start + 4]
