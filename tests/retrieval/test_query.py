"""Parsing real questions: names over prose, traceback frames, paths, long reports."""
from __future__ import annotations

import time

from explore.retrieval.query import MAX_QUERY_CHARS, NAME_WEIGHT, parse

REPORT = '''edit() fails with `pathlib.Path` arguments

Traceback (most recent call last):
  File "/home/u/.venv/lib/python3.11/site-packages/click/termui.py", line 712, in edit
    return ed.edit(text)
  File "/home/u/.venv/lib/python3.11/site-packages/click/_termui_impl.py", line 540, in edit_file
    raise ClickException(f"{editor}: Editing failed")
TypeError: expected str, bytes or os.PathLike object, not PosixPath
'''


def test_traceback_frames_become_paths_and_functions() -> None:
    q = parse(REPORT)
    assert q.paths[:2] == ("click/termui.py", "click/_termui_impl.py")
    assert q.functions == ("edit", "edit_file")
    assert {"edit", "edit_file", "pathlib", "Path", "TypeError", "ClickException"} <= q.names


def test_names_weigh_more_than_prose_and_prose_is_capped() -> None:
    q = parse("the parser parser parser parser breaks when `parse_args` sees a flag")
    assert q.terms.count("parser") == 2  # repeated prose counts at most twice
    assert q.terms.count("parse_args") == 1 + NAME_WEIGHT and q.terms.count("flag") == 1
    assert "e" not in q.names and "parse_args" in q.names


def test_a_huge_report_is_clipped_and_plain_prose_has_no_names() -> None:
    q = parse("x" * 10 + " words " * 100_000)
    assert len(q.text) == MAX_QUERY_CHARS
    assert parse("where is the retry delay computed").names == frozenset()
    assert parse("").terms == ()
    # a report's traceback comes last, after its prose and logs: still read
    report = ("The app crashes at startup. " * 200 + "\n" + "INFO worker started ok\n" * 1_500
              + 'Traceback (most recent call last):\n  File "/usr/lib/python3.11/site-packages/pkg/config.py", '
              "line 12, in load_settings\n    raise ValueError(name)\nValueError: bad\n")
    assert len(report) > MAX_QUERY_CHARS + 10_000
    tail = parse(report)
    assert tail.paths == ("pkg/config.py",) and "load_settings" in tail.functions and len(tail.text) == MAX_QUERY_CHARS


def test_a_report_of_many_blank_lines_is_parsed_at_once() -> None:
    """Blank lines (a pasted log keeps many) once made the Go-frame pattern try every line
    start against every later one: 15,000 of them took tens of seconds."""
    report = "panic: runtime error in the handler\n\tserver/handler.go:42 +0x1d\n" + "\n" * 15_000 + "exit 2\n"
    start = time.perf_counter()
    q = parse(report)
    assert time.perf_counter() - start < 5
    assert q.paths == ("server/handler.go",)


def test_unicode_identifiers_are_names_whole() -> None:
    """``größe_berechnen`` is one Python name: read as ASCII runs it was ``e_berechnen``, a
    name of some other function, and the one asked about was no name at all."""
    for question in ("`größe_berechnen` doubles the value", "größe_berechnen doubles the value"):
        q = parse(question)
        assert "größe_berechnen" in q.names and "e_berechnen" not in q.names
    assert parse("the naïve `parse_args` path").names == frozenset({"parse_args"})
