"""The snapshot cache stays small: only the most recently used trees are kept, a tree some
process reads is never removed, a removed one is rebuilt identical, and blobs go with the
last tree that links them. Real git repositories in ``tmp_path``, real subprocesses."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explore.sandbox import lease
from explore.sandbox.checkout import SNAPSHOT_VERSION, BlobStore, prune, wait_for_removals
from explore.sandbox.snapshot import Repository

pytestmark = pytest.mark.skipif(not lease.SUPPORTED, reason="leases need flock")


@pytest.fixture
def five_commits(tmp_path: Path, make_repo, commit_all) -> tuple[Path, list[str]]:
    """A repository of five commits, each changing one file and adding one."""
    repo = make_repo(tmp_path, {"pkg/core.py": "V = 0\n", "README.md": "# r\n"})
    shas = [_head(repo)]
    for n in range(1, 5):
        (repo / "pkg" / "core.py").write_text(f"V = {n}\n")
        (repo / "pkg" / f"m{n}.py").write_text(f"M = {n}\n")
        shas.append(commit_all(repo, f"change {n}"))
    return repo, shas


def _head(repo: Path) -> str:
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def _trees(cache: Path) -> set[str]:
    store = cache / "snapshots"
    return {p.name.split("-")[0] for p in store.iterdir() if p.name.endswith(f"-v{SNAPSHOT_VERSION}")}


def _blob_links(cache: Path) -> list[int]:
    return [p.stat().st_nlink for p in (cache / "blobs").rglob("*") if p.is_file()]


def test_only_the_most_recently_used_trees_stay_and_their_blobs(
        five_commits, explore_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_KEEP_SNAPSHOTS", "2")
    repo, shas = five_commits
    for sha in shas:
        assert Repository(repo).snapshot(sha).files  # dropped at once: nothing holds it
    assert _trees(explore_cache) == set(shas[-2:])
    wait_for_removals()  # deleted on a background thread; taken out of use at once
    links = _blob_links(explore_cache)
    # every blob left is linked by a kept tree; the 4 old versions of core.py are gone
    assert links and min(links) >= 2
    kept_ids = set()
    for p in (explore_cache / "snapshots").glob(f"*-v{SNAPSHOT_VERSION}/blobs.json"):
        kept_ids |= set(json.loads(p.read_text()).values())
    assert {p.name for p in (explore_cache / "blobs").rglob("*") if p.is_file()} == kept_ids
    # using an old one again moves it to the front: the least recently used goes next.
    # File times advance with the kernel's clock tick (a few ms): two uses closer than that
    # tie, and a tie may go either way, so the use of shas[3] comes a tick after shas[4]'s.
    time.sleep(0.05)
    Repository(repo).snapshot(shas[3])
    Repository(repo).snapshot(shas[0])
    assert _trees(explore_cache) == {shas[0], shas[3]}


def test_a_tree_in_use_is_never_removed_and_goes_once_released(
        five_commits, explore_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_KEEP_SNAPSHOTS", "1")
    repo, shas = five_commits
    held = Repository(repo).snapshot(shas[0])
    two = Repository(repo).snapshot(shas[0])  # a second snapshot of it shares the lease
    for sha in shas[1:]:
        Repository(repo).snapshot(sha)
    assert shas[0] in _trees(explore_cache)
    assert held.text("pkg/core.py") == "V = 0\n" and held.read_window("README.md").lines == ["# r"]
    del held
    gc.collect()
    assert prune(explore_cache / "snapshots", 1) == []  # the other snapshot still holds it
    del two
    gc.collect()
    assert prune(explore_cache / "snapshots", 1) == [f"{shas[0]}-v{SNAPSHOT_VERSION}"]
    assert _trees(explore_cache) == {shas[-1]}


READER = r"""
import sys
from explore.sandbox.snapshot import Repository
snap = Repository(sys.argv[1]).snapshot(sys.argv[2])
print("open", flush=True)
sys.stdin.readline()
print(snap.text("pkg/core.py"), end="", flush=True)
"""


def test_a_tree_another_process_reads_stays(five_commits, explore_cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo, shas = five_commits
    reader = subprocess.Popen([sys.executable, "-c", READER, str(repo), shas[0]], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline() == "open\n"
        monkeypatch.setenv("EXPLORE_KEEP_SNAPSHOTS", "1")
        for sha in shas[1:]:
            Repository(repo).snapshot(sha)
        assert shas[0] in _trees(explore_cache)
        out, _ = reader.communicate("go\n", timeout=60)
        assert out == "V = 0\n"
    finally:
        reader.kill()
    assert prune(explore_cache / "snapshots", 1) == [f"{shas[0]}-v{SNAPSHOT_VERSION}"]  # its reader is gone


def test_a_removed_tree_is_rebuilt_identical(five_commits, explore_cache: Path, tree_hash) -> None:
    repo, shas = five_commits
    snap = Repository(repo).snapshot(shas[2])
    before, blobs, root = tree_hash(snap.root), dict(snap.blobs), snap.root
    del snap
    gc.collect()
    assert prune(explore_cache / "snapshots", 1) == [] and _trees(explore_cache) == {shas[2]}
    Repository(repo).snapshot(shas[4])  # made after: the only one kept at 1
    assert prune(explore_cache / "snapshots", 1) == [f"{shas[2]}-v{SNAPSHOT_VERSION}"]
    assert not root.exists()
    again = Repository(repo).snapshot(shas[2])
    assert again.root == root and tree_hash(again.root) == before and again.blobs == blobs


def test_a_tree_left_without_its_lease_file_is_made_again(five_commits, explore_cache: Path, tree_hash) -> None:
    """A removal cut short (a user's `rm -rf` of the cache stops at the read-only tree
    after taking the lease file): the next open sets the leftover aside and lays the tree
    out again, instead of failing for good ("kept being removed while it was opened")."""
    repo, shas = five_commits
    snap = Repository(repo).snapshot(shas[3])
    before, root = tree_hash(snap.root), snap.root
    del snap
    gc.collect()
    final = root.parent
    (final / lease.LEASE).unlink()
    (final / "blobs.json").unlink()
    again = Repository(repo).snapshot(shas[3])
    assert again.root == root and tree_hash(again.root) == before and (final / lease.LEASE).is_file()
    assert not [p for p in (explore_cache / "snapshots").iterdir() if p.name.startswith(".gone-")]


INTERRUPTIBLE = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "


def test_ctrl_c_while_a_tree_is_laid_out_leaves_no_stored_copies_behind(tmp_path: Path, make_repo, commit_all,
                                                                        explore_cache: Path) -> None:
    """Interrupted while reshaping the one kept tree into another commit's: the half-made
    tree goes, and so do the stored copies only it linked (thousands of them stayed until
    `explore cache prune`)."""
    import signal

    repo = make_repo(tmp_path, {f"p{i % 40}/f{i}.py": f"X = {i}\n" for i in range(4000)})
    env = {**os.environ, "EXPLORE_CACHE": str(explore_cache), "EXPLORE_KEEP_SNAPSHOTS": "1"}
    code = "import sys; from explore.sandbox.snapshot import Repository; Repository(sys.argv[1]).snapshot(sys.argv[2])"
    subprocess.run([sys.executable, "-c", code, str(repo), "HEAD"], env=env, check=True)
    store = explore_cache / "snapshots"
    # Under a full suite a child has now and then finished as the signal landed (exit 0,
    # nothing on stderr): then the next commit is tried, its tree reshaped from this one.
    for attempt in range(1, 4):
        for i in range(4000):
            (repo / f"p{i % 40}" / f"f{i}.py").write_text(f"X = {i} + {attempt}\n")
        commit_all(repo, f"change every file ({attempt})")
        # Ctrl-C's handler set again: a shell starts a background job with SIGINT ignored, and
        # a child inherits that (a suite run as `… &` had every child finish, exit 0)
        child = subprocess.Popen([sys.executable, "-c", INTERRUPTIBLE + code, str(repo), "HEAD"], env=env,
                                 stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while child.poll() is None and time.monotonic() < deadline and \
                not any(p.name.startswith((lease.NEW, lease.GONE)) for p in store.iterdir()):
            time.sleep(0.01)
        # at once: waiting "well into" the layout (0.2 s) let the child finish first; stopped
        # early, the donor tree's own blob ids may not have been read yet, a window this covers
        assert child.poll() is None, "the tree was made before it could be interrupted"
        child.send_signal(signal.SIGINT)
        child.wait(60)
        if child.returncode != 0:
            break
    assert child.returncode != 0, child.stderr.read().decode(errors="replace")
    blobs = [p for p in (explore_cache / "blobs").rglob("*") if p.is_file()]
    kept = {p.name.split("-")[0] for p in store.iterdir() if p.name.endswith(f"-v{SNAPSHOT_VERSION}")}
    assert [p for p in blobs if p.stat().st_nlink == 1] == []  # none that no tree links
    assert len(blobs) == (4000 if kept else 0)  # the trees that stayed link all there is


def test_no_limit_keeps_every_tree(five_commits, explore_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLORE_KEEP_SNAPSHOTS", "0")
    repo, shas = five_commits
    for sha in shas:
        Repository(repo).snapshot(sha)
    assert _trees(explore_cache) == set(shas)


def test_a_lease_opened_before_a_removal_sees_the_folder_gone(tmp_path: Path) -> None:
    """The race a reader can lose: it opened the lease file, a remover renamed the folder
    aside before the reader locked it. The reader must not treat the aside folder as its own."""
    folder = tmp_path / "x-v3"
    tmp, made = lease.new_folder(tmp_path, "x")
    assert lease.install(tmp, made, folder) is made
    assert lease.remove_if_unused(folder) is None and lease.in_use(folder)  # we hold it
    made.close()
    aside = lease.remove_if_unused(folder)
    assert aside is not None and aside.name.startswith(lease.GONE) and not folder.exists()
    assert lease.acquire(folder) is None  # gone: to be made again
    tmp2, second = lease.new_folder(tmp_path, "x")
    (tmp2 / "late").write_text("")
    other, third = lease.new_folder(tmp_path, "x")
    assert lease.install(tmp2, second, folder) is second
    assert lease.install(other, third, folder) is None and not other.exists()  # the loser's copy goes
    assert (folder / "late").exists() and lease.acquire(folder) is second  # one descriptor per folder


def test_leftovers_of_killed_processes_are_cleared(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (tmp_path / f"{lease.GONE}abc-v3.{dead}-0123abcd").mkdir()
    mine = tmp_path / f"{lease.GONE}abd-v3.{os.getpid()}-0123abcd"  # being deleted by a live process
    mine.mkdir()
    fresh = tmp_path / f"{lease.NEW}young"
    fresh.mkdir()
    stale = tmp_path / f"{lease.NEW}old"
    stale.mkdir()
    (stale / lease.LEASE).write_text("")
    when = time.time() - 2 * lease.STALE_SECONDS
    os.utime(stale, (when, when))
    keep = tmp_path / "abc-v3"
    keep.mkdir()
    cleared = lease.clear_leftovers(tmp_path)
    assert {p.name for p in cleared} == {f"{lease.GONE}abc-v3.{dead}-0123abcd", f"{lease.NEW}old"}
    assert fresh.exists() and keep.exists() and mine.exists()  # a young one may be being made right now


def test_a_blob_pruned_between_add_and_link_is_written_again(five_commits, tmp_path: Path) -> None:
    repo, shas = five_commits
    obj = subprocess.run(["git", "-C", str(repo), "rev-parse", f"{shas[0]}:pkg/core.py"], check=True,
                         capture_output=True, text=True).stdout.strip()
    store = BlobStore(tmp_path / "blobs")
    git_dir = str(repo / ".git")
    store.add(git_dir, [(obj, "100644")])
    assert store.sweep() == (1, 6)  # linked by nothing: an orphan
    (tmp_path / "out").mkdir()
    store.link(git_dir, obj, "100644", tmp_path / "out" / "core.py")
    assert (tmp_path / "out" / "core.py").read_text() == "V = 0\n" and store.path(obj, "100644").stat().st_nlink == 2
    assert store.sweep(dry_run=True) == (0, 0)


def test_a_copied_or_pickled_snapshot_never_closes_another_descriptor(five_commits) -> None:
    import copy
    import pickle

    repo, shas = five_commits
    snap = Repository(repo).snapshot(shas[0])
    assert copy.deepcopy(snap).lease is snap.lease and copy.copy(snap).lease is snap.lease
    moved = pickle.loads(pickle.dumps(snap))
    assert moved.lease.fd is None and moved.lease.folder == snap.lease.folder
    del moved
    gc.collect()
    assert lease.in_use(snap.lease.folder) and snap.text("pkg/core.py") == "V = 0\n"


def test_a_tree_reshaped_from_another_commit_is_identical_to_a_fresh_one(
        tmp_path: Path, make_repo, commit_all, tree_hash, explore_cache: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a full store the least recently used tree is reshaped into the new commit's: folders
    that appear and vanish, a file that becomes a folder, an exec bit, a symlink, a submodule."""
    repo = make_repo(tmp_path, {"pkg/a.py": "A = 1\n", "old/x.py": "X\n", "run.sh": "echo\n", "thing": "file\n"})
    shas = [_head(repo)]
    subprocess.run(["rm", "-r", str(repo / "old"), str(repo / "thing")], check=True)
    (repo / "thing").mkdir()
    (repo / "thing" / "inside.py").write_text("I = 1\n")
    (repo / "run.sh").chmod(0o755)
    (repo / "link.py").symlink_to("pkg/a.py")
    (repo / "new" / "deep").mkdir(parents=True)
    (repo / "new" / "deep" / "n.py").write_text("N = 1\n")
    shas.append(commit_all(repo, "reshape"))
    sub = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "-C", str(repo), "update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/lib"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "submodule"],
                   check=True)
    shas.append(_head(repo))
    monkeypatch.setenv("EXPLORE_KEEP_SNAPSHOTS", "0")
    fresh = {}
    for sha in shas:
        snap = Repository(repo).snapshot(sha)
        fresh[sha] = (tree_hash(snap.root), snap.files, snap.blobs)
    monkeypatch.setenv("EXPLORE_CACHE", str(tmp_path / "other-cache"))
    monkeypatch.setenv("EXPLORE_KEEP_SNAPSHOTS", "1")
    for sha in [*shas, *reversed(shas), shas[0], shas[2]]:  # each one reshapes the one before
        snap = Repository(repo).snapshot(sha)
        assert (tree_hash(snap.root), snap.files, snap.blobs) == fresh[sha]
        del snap
    assert len(_trees(tmp_path / "other-cache")) == 1
    links = _blob_links(tmp_path / "other-cache")
    assert links and min(links) >= 2  # the blobs left are the kept tree's (an exec bit's twin too)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="the check reads /proc/self/fd")
def test_a_working_tree_file_swapped_for_a_symlink_out_is_not_read(tmp_path: Path, make_repo) -> None:
    """A working tree is live: a file listed as inside may be swapped, after the listing, for
    a symlink out of the repository (or a folder above it for one). Reads check what they
    opened, not what they listed."""
    from explore.sandbox.errors import PathRefused

    secret = tmp_path / "secret.txt"
    secret.write_text("password = hunter2\n")
    repo = make_repo(tmp_path, {"pkg/a.py": "x = 1\n", "pkg/b.py": "y = 2\n"}, git_init=False)
    snap = Repository(repo).snapshot(None)
    assert snap.text("pkg/a.py") == "x = 1\n"
    (repo / "pkg" / "a.py").unlink()
    (repo / "pkg" / "a.py").symlink_to(secret)  # after the listing, before the read
    assert snap.text("pkg/a.py") is None
    os.rename(repo / "pkg", tmp_path / "elsewhere")
    (repo / "pkg").symlink_to(tmp_path / "elsewhere")  # a folder above it, swapped
    assert snap.text("pkg/b.py") is None
    with pytest.raises(PathRefused):
        snap.read_window("pkg/b.py")


@pytest.mark.parametrize("lost", ["blob", "tree"])
def test_a_commit_whose_object_git_lacks_says_so_as_a_missing_object(five_commits, explore_cache: Path,
                                                                      lost: str) -> None:
    """A file's blob or a folder's tree that the clone lacks (a partial clone, a mirror that
    left a large file out) is :class:`MissingObject`: what lays out many commits leaves that
    one out and goes on, where any other repository error still stops it."""
    from explore.sandbox.errors import MissingObject

    repo, shas = five_commits
    name = "HEAD:pkg/m4.py" if lost == "blob" else "HEAD:pkg"
    obj = subprocess.run(["git", "-C", str(repo), "rev-parse", name], check=True, capture_output=True,
                         text=True).stdout.strip()
    (repo / ".git" / "objects" / obj[:2] / obj[2:]).unlink()
    if lost == "blob":  # a file the clone lacks (jason's mirror left a benchmark's JSON out): the tree
        # without it, said in a note, not a repository no command could read at all
        snap = Repository(repo).snapshot(shas[-1])
        assert snap.missing == ("pkg/m4.py",) and "pkg/m4.py" not in snap.files and "pkg/core.py" in snap.files
        assert "pkg/m4.py" in snap.missing_note and "left out" in snap.missing_note
        assert Repository(repo).snapshot(shas[0]).missing == ()  # an older commit that never held it lacks nothing
        from explore.agent.explorer import Explorer

        assert any("pkg/m4.py" in n for n in Explorer(repo).notes)  # every answer says so
    else:
        with pytest.raises(MissingObject, match=obj[:10]):
            Repository(repo).snapshot(shas[-1])
    assert Repository(repo).snapshot(shas[0]).text("pkg/core.py") == "V = 0\n"  # an older commit lays out


def test_a_tree_laid_out_without_a_lacking_file_is_that_clones_alone(tmp_path: Path, make_repo,
                                                                     explore_cache: Path) -> None:
    """Snapshots are shared by commit: a clone lacking a file laid the commit out without it, and
    an intact clone of the same commit was then told its file was missing (and ranked without it)."""
    repo = make_repo(tmp_path, {"pkg/a.py": "A = 1\n", "pkg/b.py": "B = 2\n"})
    damaged = tmp_path / "damaged"
    subprocess.run(["git", "clone", "-q", "--no-local", str(repo), str(damaged)], check=True)
    obj = subprocess.run(["git", "-C", str(damaged), "rev-parse", "HEAD:pkg/b.py"], check=True, capture_output=True,
                         text=True).stdout.strip()
    for pack in (damaged / ".git" / "objects" / "pack").glob("*.pack"):  # loose objects, one of them removed
        moved = tmp_path / pack.name
        pack.rename(moved)
        pack.with_suffix(".idx").unlink()
        subprocess.run(["git", "-C", str(damaged), "unpack-objects", "-q"], stdin=moved.open("rb"), check=True)
    (damaged / ".git" / "objects" / obj[:2] / obj[2:]).unlink()
    lacking = Repository(damaged).snapshot()
    assert lacking.missing == ("pkg/b.py",) and "pkg/b.py" not in lacking.files
    whole = Repository(repo).snapshot()
    assert whole.missing == () and whole.text("pkg/b.py") == "B = 2\n"
    # the commit laid out whole is the commit's, for the clone lacking a file too: its content is the same
    again = Repository(damaged).snapshot()
    assert again.missing == () and again.text("pkg/b.py") == "B = 2\n"


def test_a_commit_lacking_many_files_says_so_rather_than_laying_out_a_husk(tmp_path: Path, make_repo,
                                                                           explore_cache: Path) -> None:
    """Leaving a few lacking files out is for a mirror that dropped a large one; a clone lacking
    most of them (objects deleted, a broken copy) is named, with the file and `--worktree`."""
    from explore.sandbox.checkout import MAX_LOST
    from explore.sandbox.errors import MissingObject

    repo = make_repo(tmp_path, {f"pkg/m{i}.py": f"V = {i}\n" for i in range(MAX_LOST + 5)})
    for i in range(MAX_LOST + 5):
        obj = subprocess.run(["git", "-C", str(repo), "rev-parse", f"HEAD:pkg/m{i}.py"], check=True,
                             capture_output=True, text=True).stdout.strip()
        (repo / ".git" / "objects" / obj[:2] / obj[2:]).unlink()
    with pytest.raises(MissingObject, match="the file pkg/m.*--worktree"):
        Repository(repo).snapshot()


def test_a_partial_clone_offline_says_so_in_one_line(five_commits, explore_cache: Path, capfd) -> None:
    """A partial clone whose remote cannot be reached printed git's own lines (`fatal: could
    not fetch … from promisor remote`) and then blamed a damaged clone."""
    from explore.sandbox.errors import MissingObject

    repo, shas = five_commits
    git = ["git", "-C", str(repo)]
    for key, value in (("core.repositoryformatversion", "1"), ("extensions.partialclone", "origin"),
                       ("remote.origin.url", str(repo / "nowhere")), ("remote.origin.promisor", "true")):
        subprocess.run([*git, "config", key, value], check=True)
    obj = subprocess.run([*git, "rev-parse", "HEAD:pkg/m4.py"], check=True, capture_output=True, text=True).stdout.strip()
    (repo / ".git" / "objects" / obj[:2] / obj[2:]).unlink()
    capfd.readouterr()
    with pytest.raises(MissingObject, match="partial clone.*explore does not fetch it"):
        Repository(repo).snapshot(shas[-1])
    assert "fatal" not in capfd.readouterr().err


@pytest.mark.parametrize("damage", ["[1, 2]", '{"pkg/core.py": 5}', "{"])
def test_a_trees_blob_list_damaged_into_another_shape_is_read_as_none(
        five_commits, explore_cache: Path, damage: str) -> None:
    """A tree's blobs.json holding a list was an AttributeError out of every `explore search`
    of that commit (exit 1); one cut short was already read as none, and a number for a blob
    id is left out. The commit's files are then tokenised from the tree itself."""
    from typer.testing import CliRunner

    from explore.cli import app

    repo, shas = five_commits
    Repository(repo).snapshot(shas[-1])
    (listed,) = (explore_cache / "snapshots").glob(f"{shas[-1]}*-v{SNAPSHOT_VERSION}/blobs.json")
    listed.write_text(damage)
    result = CliRunner().invoke(app, ["search", str(repo), "where is m4?", "--json", "--no-server"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hits"][0]["path"] == "pkg/m4.py"
