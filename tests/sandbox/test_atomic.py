"""Atomic writes: the old file or the whole new one, and no temporary file left behind."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from explore.sandbox.atomic import (clear_leftovers, recover, replacing, replacing_folder, write_bytes, write_json,
                                   write_jsonl)


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
    target.mkdir()  # in place, so nothing set aside is put back
    for name in (".model.123-0a1b2c3d.tmp", ".model.9-ffffffff.old.tmp", ".model.9-eeeeeeee.new.tmp"):
        (tmp_path / name).mkdir()
    (tmp_path / ".model.77-12345678.tmp").write_text("half a file")
    keep = [".model.lock.1-0a1b2c3d.tmp", "model.lock", ".model.notes.tmp", ".other.1-0a1b2c3d.tmp", "model"]
    for name in keep[:-1]:
        (tmp_path / name).write_text("")
    gone = clear_leftovers(target)
    assert len(gone) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


#: A process id no process has (above Linux's and macOS's limits): its writer is dead.
DEAD = 2**31 - 1


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "weights").write_text(text)
    return path


def test_a_folder_set_aside_with_nothing_in_its_place_is_put_back_not_deleted(tmp_path: Path) -> None:
    # What a writer killed between moving the old folder aside and renaming the new one in
    # left before the new one had a name of its own: the old folder aside, nothing at the name.
    target = tmp_path / "adapter"
    _folder(tmp_path / f".adapter.{DEAD}-0a1b2c3d.old.tmp", "hours of training")
    (tmp_path / f".adapter.{DEAD}-12345678.tmp").mkdir()  # its scratch folder, maybe half full
    assert clear_leftovers(target) == [tmp_path / f".adapter.{DEAD}-12345678.tmp"]
    assert (target / "weights").read_text() == "hours of training"
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]


def test_the_next_writer_puts_a_dead_writers_folder_back_before_its_own_write(tmp_path: Path) -> None:
    target = tmp_path / "adapter"
    _folder(tmp_path / f".adapter.{DEAD}-0a1b2c3d.old.tmp", "old")
    _folder(tmp_path / f".adapter.{DEAD}-0a1b2c3e.new.tmp", "new")  # whole: it had been renamed as finished
    with pytest.raises(RuntimeError), replacing_folder(target) as out:
        assert (target / "weights").read_text() == "new"  # readers find it again as soon as a write starts
        raise RuntimeError("this write fails")
    assert (target / "weights").read_text() == "new"
    assert recover(target) is None  # something is in place: nothing more to do


def test_a_running_writers_set_aside_folder_is_left_to_it(tmp_path: Path) -> None:
    target = tmp_path / "adapter"
    aside = _folder(tmp_path / f".adapter.{os.getpid()}-0a1b2c3d.old.tmp", "old")  # alive: between its renames
    assert recover(target) is None
    with replacing_folder(target) as out:
        assert not target.exists()
        (out / "weights").write_text("mine")
    assert (target / "weights").read_text() == "mine" and aside.is_dir()
    target.rename(tmp_path / "elsewhere")
    assert recover(target, locked=True) == aside  # under the writers' lock no other writer runs
    assert (target / "weights").read_text() == "old"


KILLED_BETWEEN_RENAMES = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from explore.sandbox.atomic import replacing_folder

    moved_aside = False

    def kill_between_the_renames(frame, event, arg):
        global moved_aside
        if event == "c_call" and arg is os.replace:  # the folder in place goes aside
            moved_aside = True
        elif event == "c_call" and arg is os.rename and moved_aside:  # about to rename the new one in
            os.kill(os.getpid(), signal.SIGKILL)

    with replacing_folder(Path(sys.argv[1])) as out:
        (out / "weights").write_text("new")
        sys.setprofile(kill_between_the_renames)
    """)


def test_a_writer_killed_between_its_two_renames_loses_neither_folder(tmp_path: Path) -> None:
    target = _folder(tmp_path / "adapter", "old")
    proc = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_RENAMES, str(target)], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    assert not target.exists() and len(list(tmp_path.iterdir())) == 2  # set aside, nothing in place
    clear_leftovers(target)  # what a builder holding the lock does first
    assert (target / "weights").read_text() == "new"  # the finished new folder, not nothing
    assert [p.name for p in tmp_path.iterdir()] == ["adapter"]


def test_a_link_is_followed_and_a_special_file_is_written_into_not_replaced(tmp_path: Path) -> None:
    """``explore tasks -o link.jsonl`` replaced the link by a file (its target kept the old
    text), and ``-o /dev/null`` run as root replaced the device by a regular file: a link's
    target is written now, and a path that is no regular file (a FIFO here) is written into."""
    import threading

    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    write_bytes(link, b"new\n")
    assert link.is_symlink() and target.read_text() == "new\n"

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_bytes(fifo, b"through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_loop_is_refused_not_replaced(tmp_path: Path) -> None:
    """``loop1 -> loop2 -> loop1``: the link's "target" was the link itself, so a write replaced
    it by a regular file. A loop names no file to write: the write fails (ELOOP), the links stay."""
    import errno

    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    with pytest.raises(OSError) as raised:
        write_bytes(tmp_path / "loop1", b"new\n")
    assert raised.value.errno == errno.ELOOP and raised.value.filename == str(tmp_path / "loop1")
    assert os.readlink(tmp_path / "loop1") == "loop2" and os.readlink(tmp_path / "loop2") == "loop1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop1", "loop2"]  # no temporary left
