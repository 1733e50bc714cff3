"""`explore cache` through CliRunner, over a real cache folder (``EXPLORE_CACHE``, per test)."""
from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from typer.testing import CliRunner

from explore.cli import app

runner = CliRunner()

DAY = 86400


def _age(path: Path, days: float) -> None:
    """Set the mtime of ``path`` and everything below it ``days`` back."""
    when = time.time() - days * DAY
    for p in [*path.rglob("*"), path]:
        os.utime(p, (when, when), follow_symlinks=False)


def _fill(cache: Path) -> None:
    snap = cache / "snapshots" / "abc123"
    (snap / "pkg").mkdir(parents=True)
    (snap / "pkg" / "m.py").write_text("x = 1\n" * 100)
    for p in (snap / "pkg" / "m.py", snap / "pkg", snap):  # as snapshots are kept: read-only
        p.chmod(stat.S_IREAD | stat.S_IEXEC if p.is_dir() else stat.S_IREAD)
    (cache / "indexes" / "fresh").mkdir(parents=True)
    (cache / "indexes" / "fresh" / "files.json").write_text("{}")
    (cache / "adapters" / "repo-0123456789" / "policy").mkdir(parents=True)
    (cache / "adapters" / "repo-0123456789" / "policy" / "adapter_config.json").write_text("{}")
    _age(snap, 40)
    _age(cache / "adapters", 90)


def test_list_and_size(explore_cache: Path) -> None:
    _fill(explore_cache)
    result = runner.invoke(app, ["cache", "list", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["version"] == 1 and body["command"] == "cache list" and body["path"] == str(explore_cache)
    assert {(e["kind"], e["name"]) for e in body["entries"]} == {
        ("adapters", "repo-0123456789"), ("indexes", "fresh"), ("snapshots", "abc123")}
    snap = next(e for e in body["entries"] if e["kind"] == "snapshots")
    assert snap["bytes"] >= 600 and time.time() - snap["modified"] > 39 * DAY

    size = json.loads(runner.invoke(app, ["cache", "size", "--json"]).stdout)
    assert size["disk_bytes"] >= size["bytes"] > 0  # blocks and folders: `du`'s count, not the bytes
    assert size["bytes"] == sum(e["bytes"] for e in body["entries"]) and set(size["kinds"]) == {
        "adapters", "indexes", "snapshots"}
    shown = runner.invoke(app, ["cache", "list"])
    assert shown.exit_code == 0 and "abc123" in shown.stdout and str(explore_cache) in shown.stdout.replace("\n", "")
    assert str(explore_cache) in runner.invoke(app, ["cache", "size"]).stdout


def test_the_table_shows_the_blob_store_as_one_row_and_no_locks(explore_cache: Path, make_repo, tmp_path: Path) -> None:
    """`explore cache list` printed one row per blob shard (up to 256 folders, 00..ff) and
    every empty lock file; the table now shows the store as one row with their total, while
    --json keeps every entry (prune and clear act on them)."""
    from explore.sandbox.index import Index
    from explore.sandbox.snapshot import Repository

    repo = make_repo(tmp_path, {f"m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(40)})
    Index.build(Repository(repo).snapshot())  # a snapshot (its blobs), an index and its lock
    listed = json.loads(runner.invoke(app, ["cache", "list", "--json"]).stdout)["entries"]
    shards = [e for e in listed if e["kind"] == "blobs"]
    assert len(shards) > 5 and any(e["name"].endswith(".lock") for e in listed)
    shown = runner.invoke(app, ["cache", "list"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    rows = [line for line in shown.stdout.splitlines() if "│" in line]
    blob_rows = [line for line in rows if "blobs" in line]
    assert len(blob_rows) == 1 and f"({len(shards)} shards" in blob_rows[0]
    assert not any(".lock" in line for line in rows)
    assert any("snapshots" in line for line in rows) and any("indexes" in line for line in rows)


def test_prune_removes_what_is_old_and_keeps_trained_adapters(explore_cache: Path) -> None:
    _fill(explore_cache)
    dry = runner.invoke(app, ["cache", "prune", "--older-than", "30d", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert [e["name"] for e in json.loads(dry.stdout)["removed"]] == ["abc123"]
    assert (explore_cache / "snapshots" / "abc123").is_dir()  # a dry run removes nothing

    result = runner.invoke(app, ["cache", "prune", "--older-than", "30d"])
    assert result.exit_code == 0, result.output
    assert "removed snapshots/abc123" in result.stdout
    assert not (explore_cache / "snapshots" / "abc123").exists()  # read-only folders too
    assert (explore_cache / "indexes" / "fresh").is_dir() and (explore_cache / "adapters" / "repo-0123456789").is_dir()

    runner.invoke(app, ["cache", "prune", "--older-than", "8w", "--adapters"])
    assert not (explore_cache / "adapters" / "repo-0123456789").exists()

    bad = runner.invoke(app, ["cache", "prune", "--older-than", "a while"])
    assert bad.exit_code == 2 and "30d" in bad.output
    # an age past what a float holds: refused, not written as JSON's missing Infinity
    huge = runner.invoke(app, ["cache", "prune", "--older-than", "9" * 400 + "d", "--dry-run", "--json"])
    assert huge.exit_code == 2 and huge.stdout == "" and "longer than any file" in huge.output


def test_clear_needs_yes(explore_cache: Path) -> None:
    _fill(explore_cache)
    refused = runner.invoke(app, ["cache", "clear"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert (explore_cache / "snapshots" / "abc123").is_dir()
    result = runner.invoke(app, ["cache", "clear", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["command"] == "cache clear" and body["freed_bytes"] > 0
    assert [p.name for p in explore_cache.rglob("*") if p.parent == explore_cache / "adapters"] == ["repo-0123456789"]
    assert not any((explore_cache / "snapshots").iterdir()) and not any((explore_cache / "indexes").iterdir())


def test_a_kind_folder_linked_in_is_listed_as_its_kind_and_never_removed(explore_cache: Path, tmp_path: Path) -> None:
    """`models -> /shared/models` (a user sharing the converted model between caches) was a
    loose 18-byte file to `list` and `size`, and `clear --yes` unlinked it (the model then
    rebuilt, ~520 MB); `clear` had no --dry-run to look first."""
    _fill(explore_cache)
    shared = tmp_path / "shared-models"
    (shared / "smollm2-135m").mkdir(parents=True)
    (shared / "smollm2-135m" / "model.bin").write_bytes(b"\0" * 5000)
    (explore_cache / "models").symlink_to(shared)
    listed = json.loads(runner.invoke(app, ["cache", "list", "--json"]).stdout)["entries"]
    models = [e for e in listed if e["kind"] == "models"]
    assert len(models) == 1 and models[0]["bytes"] >= 5000 and models[0]["link"] == str(shared)
    assert json.loads(runner.invoke(app, ["cache", "size", "--json"]).stdout)["kinds"]["models"] >= 5000
    look = runner.invoke(app, ["cache", "clear", "--dry-run", "--json"])  # no --yes needed to look
    assert look.exit_code == 0 and json.loads(look.stdout)["dry_run"] is True
    assert (explore_cache / "snapshots" / "abc123").is_dir()
    cleared = runner.invoke(app, ["cache", "clear", "--yes"])
    assert cleared.exit_code == 0 and "a link to" in cleared.stdout, cleared.output
    assert (explore_cache / "models").is_symlink() and (shared / "smollm2-135m" / "model.bin").is_file()
    assert not any((explore_cache / "snapshots").iterdir())


def test_an_empty_cache(explore_cache: Path) -> None:
    result = runner.invoke(app, ["cache", "list"])
    assert result.exit_code == 0 and "nothing cached" in result.stdout
    assert json.loads(runner.invoke(app, ["cache", "size", "--json"]).stdout)["bytes"] == 0
    # typer shows the group's help, and nothing more: it added an empty "error:  (`explore cache -h` for help)"
    for bare in (["cache"], []):
        shown = runner.invoke(app, bare)
        assert shown.exit_code in (0, 2) and "Usage" in shown.output and "error:" not in shown.output, shown.output


def test_prune_keeps_a_snapshot_in_use_and_frees_the_blobs_only_removed_ones_linked(
        explore_cache: Path, tmp_path: Path, make_repo, commit_all) -> None:
    import gc

    from explore.sandbox.lease import SUPPORTED
    from explore.sandbox.snapshot import Repository

    if not SUPPORTED:
        return  # without flock a snapshot in use cannot be told apart; nothing to check
    repo = make_repo(tmp_path, {"a.py": "A = 1\n", "shared.py": "S = 1\n"})
    first = Repository(repo).snapshot()
    (repo / "a.py").write_text("A = 2  # a longer second version\n")
    commit_all(repo, "second")
    Repository(repo).snapshot()  # not held: removable
    gc.collect()
    size = json.loads(runner.invoke(app, ["cache", "size", "--json"]).stdout)
    assert size["snapshots"]["trees"] == 2 and size["snapshots"]["in_use"] == 1

    dry = json.loads(runner.invoke(app, ["cache", "prune", "--older-than", "0s", "--dry-run", "--json"]).stdout)
    result = runner.invoke(app, ["cache", "prune", "--older-than", "0s", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [e["name"] for e in body["in_use"]] == [f"{first.rev}-v3"]
    assert first.text("a.py") == "A = 1\n"  # still readable
    # the second commit's a.py went with its tree; shared.py and the first a.py stay linked
    assert [(e["name"], e["bytes"]) for e in body["removed"] if e["kind"] == "blobs"] == [
        ("(no longer linked)", len("A = 2  # a longer second version\n"))]
    assert dry["freed_bytes"] == body["freed_bytes"] and dry["removed"] == [
        {**e, "modified": d["modified"]} for e, d in zip(body["removed"], dry["removed"])]
    assert len([p for p in (explore_cache / "blobs").rglob("*") if p.is_file()]) == 2
    text = runner.invoke(app, ["cache", "prune", "--older-than", "0s"])
    assert "kept snapshots/" in text.stdout and "another process is reading it" in text.stdout
    shown = runner.invoke(app, ["cache", "size"]).stdout
    assert "1 commit trees (1 in use" in shown

    del first
    gc.collect()
    cleared = json.loads(runner.invoke(app, ["cache", "clear", "--yes", "--json"]).stdout)
    assert cleared["in_use"] == [] and not any((explore_cache / "snapshots").iterdir())
    assert not any((explore_cache / "blobs").iterdir())  # no empty shard folder left behind either
    assert not runner.invoke(app, ["cache", "list", "--json"]).stdout.count('"blobs"')


def test_clear_removes_a_blob_a_killed_process_was_writing(explore_cache: Path, tmp_path: Path) -> None:
    """A process killed in the middle of writing a blob leaves its temporary; nobody else will
    rename or remove it, so `clear` takes it (and leaves a live writer's alone)."""
    import subprocess
    import sys

    blob = explore_cache / "blobs" / "ab" / ("ab" * 20)
    blob.parent.mkdir(parents=True)
    script = ("import os, signal, sys\nfrom explore.sandbox.atomic import replacing\n"
              "with replacing(sys.argv[1]) as tmp:\n    tmp.write_bytes(b'x' * 100000)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", script, str(blob)], capture_output=True)
    assert killed.returncode == -9, killed.stderr
    live = blob.with_name(f".{blob.name}.{os.getpid()}-0123abcd.tmp")
    live.write_bytes(b"being written")
    assert len(list(blob.parent.iterdir())) == 2

    size = json.loads(runner.invoke(app, ["cache", "size", "--json"]).stdout)
    assert size["snapshots"]["unlinked_blob_bytes"] == 100000
    cleared = json.loads(runner.invoke(app, ["cache", "clear", "--yes", "--json"]).stdout)
    assert cleared["freed_bytes"] == 100000
    assert list(blob.parent.iterdir()) == [live]


def test_size_while_another_process_makes_and_drops_snapshots(explore_cache: Path, tmp_path: Path,
                                                              make_repo, commit_all) -> None:
    """Folders come and go under `cache size` (a tree made in a temporary folder and renamed
    into place, an old one renamed aside and deleted): one gone since it was listed is not
    an error."""
    import subprocess
    import sys

    repo = make_repo(tmp_path, {f"f{n}.py": f"x = {n}\n" for n in range(200)})
    for n in range(5):
        (repo / "f0.py").write_text(f"x = {n}\n")
        commit_all(repo, f"change {n}")
    script = ("import sys\nfrom explore.sandbox.snapshot import Repository\nr = Repository(sys.argv[1])\n"
              "for _ in range(20):\n    for n in range(6):\n        r.snapshot(f'HEAD~{n}')\n")
    env = {**os.environ, "EXPLORE_KEEP_SNAPSHOTS": "2"}
    maker = subprocess.Popen([sys.executable, "-c", script, str(repo)], env=env, stderr=subprocess.PIPE)
    failures = []
    while maker.poll() is None:
        result = runner.invoke(app, ["cache", "size", "--json"])
        if result.exit_code:
            failures.append(repr(result.exception))
    assert maker.wait() == 0, maker.stderr.read()
    assert failures == []


def test_a_running_servers_socket_is_no_cache_entry(explore_cache: Path) -> None:
    """`cache clear` removed `serve.sock` with the rest, cutting a live `explore serve` off
    from every terminal; its folder is now left out of list, size, prune and clear."""
    import socket as sockets

    from explore.handoff import socket_path

    socket_path().parent.mkdir(mode=0o700, parents=True)
    live = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
    live.bind(str(socket_path()))
    try:
        listed = json.loads(runner.invoke(app, ["cache", "list", "--json"]).stdout)
        assert not any("serve.sock" in e["path"] for e in listed["entries"])
        assert runner.invoke(app, ["cache", "clear", "--yes"]).exit_code == 0
        assert socket_path().exists()
    finally:
        live.close()


def test_a_model_in_use_is_young_to_prune(explore_cache: Path) -> None:
    """A model converted 40 days ago and used every day was aged by its build and went with
    `prune --older-than 30d` (offline: lost until a network fetches it again). Each use now
    stamps it."""
    from explore.agent.models import ensure_tiny_random

    folder = ensure_tiny_random(explore_cache / "models", lambda *_: None)
    _age(folder, 40)
    assert [e["name"] for e in json.loads(runner.invoke(
        app, ["cache", "prune", "--older-than", "30d", "--dry-run", "--json"]).stdout)["removed"]] == [folder.name]
    assert ensure_tiny_random(explore_cache / "models", lambda *_: None) == folder  # used again: from the cache
    kept = runner.invoke(app, ["cache", "prune", "--older-than", "30d", "--json"])
    assert kept.exit_code == 0 and json.loads(kept.stdout)["removed"] == [] and folder.is_dir()


def test_a_cache_that_is_a_file_is_refused_by_every_cache_command(tmp_path: Path, monkeypatch) -> None:
    """`EXPLORE_CACHE` naming a file: `cache list`, `size` and `clear --yes` said "nothing
    cached" / "removed 0 entries", exit 0, where `ask` and `search` refuse it (exit 2)."""
    a_file = tmp_path / "afile"
    a_file.write_text("keep me\n")
    monkeypatch.setenv("EXPLORE_CACHE", str(a_file))
    for command in (["list"], ["size", "--json"], ["prune", "--older-than", "1d"], ["clear", "--yes"]):
        result = runner.invoke(app, ["cache", *command])
        assert result.exit_code == 2 and "is not a folder" in result.output, (command, result.output)
    assert a_file.read_text() == "keep me\n"


def test_a_cache_folder_holding_other_things_loses_none_of_them(explore_cache: Path, make_repo, tmp_path: Path,
                                                                tree_hash) -> None:
    """Only explore's own folders are listed, sized and removed: an ``EXPLORE_CACHE`` set to a
    home folder lost its documents to `clear --yes`, and one set to a repository its ``.git``
    to `prune` — which is now refused outright (its ``models/`` might be someone's code)."""
    _fill(explore_cache)
    (explore_cache / "Documents").mkdir()
    (explore_cache / "Documents" / "thesis.txt").write_text("years of work\n")
    (explore_cache / "notes.txt").write_text("keep me\n")
    listed = json.loads(runner.invoke(app, ["cache", "list", "--json"]).stdout)
    assert {e["kind"] for e in listed["entries"]} == {"adapters", "indexes", "snapshots"}
    assert set(json.loads(runner.invoke(app, ["cache", "size", "--json"]).stdout)["kinds"]) == {
        "adapters", "indexes", "snapshots"}
    cleared = runner.invoke(app, ["cache", "clear", "--yes", "--adapters"])
    assert cleared.exit_code == 0, cleared.output
    assert (explore_cache / "Documents" / "thesis.txt").read_text() == "years of work\n"
    assert (explore_cache / "notes.txt").read_text() == "keep me\n"
    assert not (explore_cache / "snapshots" / "abc123").exists()

    repo = make_repo(tmp_path, {"models/net.py": "x = 1\n", "a.py": "y = 2\n"})
    before = tree_hash(repo)
    os.environ["EXPLORE_CACHE"] = str(repo)  # the fixture's monkeypatch restores it
    for args in (["cache", "prune", "--older-than", "0s"], ["cache", "clear", "--yes"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "is a git repository" in result.output, result.output
    assert tree_hash(repo) == before


def test_trees_set_aside_are_deleted_before_exit_and_prune_clears_what_a_killed_process_left(
        explore_cache: Path, tmp_path: Path, make_repo, commit_all) -> None:
    """An `explore eval` stepping through commits set old trees aside for a daemon thread to
    delete, which died at exit: 15 `.gone-` trees stayed, and `cache prune --older-than 30d`
    kept them (too young). The process now waits for its deletions at exit, and prune clears
    trees set aside by a process that is gone, whatever their age (a live one's it leaves)."""
    import subprocess
    import sys

    repo = make_repo(tmp_path, {f"d{n % 40}/f{n}.py": f"x = {n}\n" for n in range(600)})
    (repo / "d0" / "f0.py").write_text("x = -1\n")
    commit_all(repo, "change")
    script = ("import sys\nfrom explore.sandbox.snapshot import Repository\nr = Repository(sys.argv[1])\n"
              "r.snapshot('HEAD~1')\nr.snapshot('HEAD')\n")  # the last one made sets the other aside, then exits
    done = subprocess.run([sys.executable, "-c", script, str(repo)], capture_output=True, text=True,
                          env={**os.environ, "EXPLORE_KEEP_SNAPSHOTS": "1"})
    assert done.returncode == 0, done.stderr
    assert not [p.name for p in (explore_cache / "snapshots").iterdir() if p.name.startswith(".gone-")]
    dead = explore_cache / "snapshots" / ".gone-abc-v3.999999999-1"
    live = explore_cache / "snapshots" / f".gone-def-v3.{os.getpid()}-1"
    for aside in (dead, live):
        (aside / "tree").mkdir(parents=True)
        (aside / "tree" / "f.py").write_text("x = 1\n")
    pruned = runner.invoke(app, ["cache", "prune", "--older-than", "30d", "--json"])
    assert pruned.exit_code == 0, pruned.output
    assert [e["name"] for e in json.loads(pruned.stdout)["removed"]] == [dead.name]
    assert not dead.exists() and live.exists()


def test_a_blob_store_linked_in_loses_nothing_to_prune_or_clear(explore_cache: Path, tmp_path: Path) -> None:
    """`blobs -> elsewhere`: `clear --yes` said "kept blobs/: a link to …" and yet its sweep of
    unlinked blobs deleted every file in the linked folder, whatever it was."""
    _fill(explore_cache)
    theirs = tmp_path / "elsewhere"
    (theirs / "ab").mkdir(parents=True)
    (theirs / "ab" / "photo.jpg").write_bytes(b"precious")
    (explore_cache / "blobs").symlink_to(theirs)
    for args in (["cache", "prune", "--older-than", "0s"], ["cache", "clear", "--yes", "--adapters"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "a link to" in result.stdout, result.output
        assert (theirs / "ab" / "photo.jpg").read_bytes() == b"precious", args
    assert (explore_cache / "blobs").is_symlink() and not any((explore_cache / "snapshots").iterdir())


def test_a_cache_folder_that_is_the_home_or_root_folder_is_refused(tmp_path: Path, monkeypatch) -> None:
    """`EXPLORE_CACHE=~`: `clear --yes` removed the user's own ~/models/ and ~/cases/ (the
    names of explore's folders, not explore's). A home folder or `/` is nobody's cache."""
    home = tmp_path / "home"
    (home / "models" / "mine").mkdir(parents=True)
    (home / "models" / "mine" / "weights.txt").write_text("mine\n")
    monkeypatch.setenv("HOME", str(home))
    for cache in ("~", str(home)):
        monkeypatch.setenv("EXPLORE_CACHE", cache)
        for args in (["cache", "prune", "--older-than", "0s"], ["cache", "clear", "--yes"]):
            result = runner.invoke(app, args)
            assert result.exit_code == 2 and "home folder" in result.output, result.output
            assert (home / "models" / "mine" / "weights.txt").read_text() == "mine\n"
    monkeypatch.setenv("EXPLORE_CACHE", "/")
    result = runner.invoke(app, ["cache", "clear", "--dry-run"])
    assert result.exit_code == 2 and "nothing removed" in result.output, result.output


def test_a_blob_store_linked_in_is_not_counted_as_what_prune_frees(explore_cache: Path, tmp_path: Path) -> None:
    """`blobs -> elsewhere`: `cache size` counted every file in the linked folder as "blobs no
    tree links (`explore cache prune` frees them)", which prune leaves alone (they are theirs)."""
    _fill(explore_cache)
    theirs = tmp_path / "elsewhere"
    (theirs / "ab").mkdir(parents=True)
    (theirs / "ab" / "photo.jpg").write_bytes(b"precious" * 1000)
    (explore_cache / "blobs").symlink_to(theirs)
    result = runner.invoke(app, ["cache", "size", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["snapshots"]["unlinked_blob_bytes"] == 0, result.stdout


def test_every_cache_command_shows_a_control_character_of_the_cache_path_escaped(tmp_path: Path, monkeypatch) -> None:
    """`cache list` showed an EXPLORE_CACHE holding a newline or an escape sequence inert, but
    `cache size`, `prune` and `clear` printed it raw: the terminal took ``\\x1b]0;…`` as a
    command (a new window title) and a newline split the line. Each shows it as `list` does."""
    cache = tmp_path / "cache\x1b]0;owned\x07\nnext"
    cache.mkdir()
    monkeypatch.setenv("EXPLORE_CACHE", str(cache))
    for args in (["cache", "list"], ["cache", "size"], ["cache", "prune", "--older-than", "0s"],
                 ["cache", "clear", "--yes"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, (args, result.stdout)
        assert "cache␛]0;owned␇" in result.stdout, (args, result.stdout)
