"""Atomic writes: the old file or the whole new one, and no temporary file left behind."""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from explore.sandbox.atomic import clear_leftovers, replacing, replacing_folder, write_bytes, write_json, write_jsonl


def test_write_json_and_jsonl_round_trip(tmp_path: Path) -> None:
    path = write_json(tmp_path / "state.json", {"out": tmp_path, "n": 1})
    assert json.loads(path.read_text()) == {"out": str(tmp_path), "n": 1}  # a path becomes its string
    assert write_jsonl(tmp_path / "rows.jsonl", ({"i": i, "q": "où?"} for i in range(3))) == 3
    assert [json.loads(line)["i"] for line in (tmp_path / "rows.jsonl").read_text("utf-8").splitlines()] == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl", "state.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    path = write_json(tmp_path / "state.json", {"step": 1})

    def rows():
        yield {"step": 2}
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_jsonl(path, rows())
    assert json.loads(path.read_text()) == {"step": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_each_write_has_its_own_temporary_name_and_mode(tmp_path: Path) -> None:
    target = tmp_path / "blob"
    with replacing(target) as first, replacing(target) as second:
        assert first != second and first.parent == second.parent == tmp_path
        first.write_text("a")
        second.write_text("b")
    assert target.read_text() == "a"  # the outer block renamed last
    write_bytes(target, b"x", mode=0o444)
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_folder_is_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "adapter"
    with replacing_folder(target) as out:
        assert out.parent == tmp_path and out.is_dir() and not target.exists()  # nothing under the name yet
        (out / "weights").write_text("one")
    assert (target / "weights").read_text() == "one"
    with pytest.raises(RuntimeError), replacing_folder(target) as out:
        (out / "weights").write_text("half")
        raise RuntimeError("killed")
    assert (target / "weights").read_text() == "one"  # the old folder, untouched
    with replacing_folder(target) as out:
        (out / "config").write_text("two")
    assert sorted(p.name for p in target.iterdir()) == ["config"]  # the new one whole, nothing of the old
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]  # no temporary or set-aside folder left


def test_clear_leftovers_takes_only_the_temporaries_of_that_path(tmp_path: Path) -> None:
    target = tmp_path / "model"
    for name in (".model.123-0a1b2c3d.tmp", ".model.9-ffffffff.old.tmp"):
        (tmp_path / name).mkdir()
    (tmp_path / ".model.77-12345678.tmp").write_text("half a file")
    keep = [".model.lock.1-0a1b2c3d.tmp", "model.lock", ".model.notes.tmp", ".other.1-0a1b2c3d.tmp"]
    for name in keep:
        (tmp_path / name).write_text("")
    gone = clear_leftovers(target)
    assert len(gone) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)
