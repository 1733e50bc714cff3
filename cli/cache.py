"""`explore cache list|size|prune|clear`: what `explore` keeps on disk, and taking it back.

Everything lives under one folder, ``$EXPLORE_CACHE`` or the user cache
(``~/.cache/explore`` on Linux), one subfolder per kind: ``snapshots/`` (checked-out
commits: hard links into ``blobs/``), ``indexes/`` (BM25 and outlines), ``models/`` (the
converted base model), ``units/`` (retrieval), ``cases/`` (the history questions' features
`explore train` fitted the candidate stage on), ``adapters/`` (what `explore train` wrote).
Every kind but ``adapters/`` is rebuilt on demand, so ``prune`` and ``clear`` leave trained
adapters alone unless ``--adapters`` says otherwise: they took minutes or hours to make.

A snapshot another process is reading (``explore serve``, a benchmark) holds a lease on it
and is kept (said so); a blob goes when no snapshot links it any more, whatever its age.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import stat
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ..sandbox.errors import ExploreError
from .console import emit_json, guard, inert, out
from .options import JsonOpt

app = typer.Typer(help="Show and free the disk explore caches (snapshots, indexes, models, adapters).",
                  no_args_is_help=True)

#: What ``--adapters`` protects: the one kind that is made by training, not rebuilt on demand.
TRAINED = "adapters"
#: Commit trees, and the blobs their files are hard links to.
SNAPSHOTS, BLOBS = "snapshots", "blobs"
#: The folders explore makes under the cache folder: the only ones listed, sized and removed
#: (an ``EXPLORE_CACHE`` set to a folder of other things — a home folder, a repository — lost
#: them all to `clear`).
KINDS = (TRAINED, BLOBS, "cases", "indexes", "models", SNAPSHOTS, "units")

AdaptersOpt = Annotated[bool, typer.Option("--adapters", help="Include trained adapters (kept by default: they are not rebuilt on demand).")]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass
class CacheEntry:
    """One removable thing in the cache: a subfolder of a kind (a snapshot, a model, a repo's adapters)."""

    kind: str
    name: str
    path: str
    bytes: int
    modified: float  # seconds since the epoch, the newest write inside
    link: str = ""
    """Where a kind's folder that is a link points (``models -> /shared/models``, made by its
    user): listed and sized as that kind, never removed by ``prune`` or ``clear``."""


def cache_path() -> Path:
    from ..sandbox.errors import ExploreError
    from ..sandbox.snapshot import cache_root

    root = cache_root()
    if root.exists() and not root.is_dir():  # read as an empty cache, it said "nothing cached", exit 0
        raise ExploreError(f"cannot use the cache folder {root}: it is not a folder; make it a folder you can "
                           "write, or set EXPLORE_CACHE to one")
    return root


def _tree(path: Path, seen: set[tuple[int, int]] | None = None) -> tuple[int, float]:
    """(bytes, newest mtime) of a file or folder, links not followed. With ``seen``, a file
    hard-linked from elsewhere (snapshots link into ``blobs/``) counts once over all calls."""
    st = path.lstat()
    size, newest = (0 if stat.S_ISDIR(st.st_mode) else st.st_size), st.st_mtime
    if seen is not None and not stat.S_ISDIR(st.st_mode):
        size = 0 if (st.st_dev, st.st_ino) in seen else size
        seen.add((st.st_dev, st.st_ino))
    if stat.S_ISDIR(st.st_mode):
        for root, dirs, files in os.walk(path, followlinks=False):
            for name in dirs + files:
                try:
                    s = os.lstat(os.path.join(root, name))
                except OSError:
                    continue
                newest = max(newest, s.st_mtime)
                if stat.S_ISDIR(s.st_mode):
                    continue
                if seen is not None:
                    if (s.st_dev, s.st_ino) in seen:
                        continue
                    seen.add((s.st_dev, s.st_ino))
                size += s.st_size
    return size, newest


def entries(root: Path, seen: set[tuple[int, int]] | None = None) -> list[CacheEntry]:
    """Every entry of every kind (:data:`KINDS`: nothing else under the cache folder is
    explore's), sorted by kind, then name. ``seen``: count a hard-linked file once, under the
    first entry that holds it."""
    found: list[CacheEntry] = []
    if not root.is_dir():
        return found
    for kind in (root / name for name in KINDS):
        if not kind.is_dir():
            continue  # not made yet (or a file of the same name: not explore's)
        if kind.is_symlink():  # a folder linked in by its user (shared models): theirs
            target = os.path.realpath(kind)
            try:
                size, modified = _tree(Path(target), seen)
            except FileNotFoundError:
                continue
            found.append(CacheEntry(kind.name, f"(a link to {target})", str(kind), size, modified, target))
            continue
        for child in sorted(kind.iterdir()):
            try:
                size, modified = _tree(child, seen)
            except FileNotFoundError:
                continue  # removed meanwhile: another process made or dropped a snapshot
            found.append(CacheEntry(kind.name, child.name, str(child), size, modified))
    return found


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``2w``, ``90m``, ``45s`` (a bare number is days) → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not match:
        raise ExploreError(f"--older-than {text!r}: give an age like 30d, 12h, 2w or 90m")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "d"]
    if not math.isfinite(seconds):  # 400 nines of days: JSON has no infinity to write
        raise ExploreError(f"--older-than {text!r} is longer than any file has existed; give an age like 30d")
    return seconds


def _remove(path: Path) -> None:
    """Delete a cache entry, read-only snapshot folders included (made writable first)."""

    def retry(func: Any, name: str, _exc: Any) -> None:
        os.chmod(os.path.dirname(name), stat.S_IRWXU)
        if os.path.isdir(name) and not os.path.islink(name):
            os.chmod(name, stat.S_IRWXU)
        func(name)

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, onerror=retry)
    else:
        path.unlink(missing_ok=True)


def _human(n: float) -> str:
    from ..tools.workspace import human_size  # the one way sizes are written, as `ls` shows them

    return human_size(int(n))


def _age(seconds: float) -> str:
    for unit, span in (("w", _UNITS["w"]), ("d", _UNITS["d"]), ("h", _UNITS["h"]), ("m", 60)):
        if seconds >= span:
            return f"{seconds / span:.0f}{unit}"
    return f"{seconds:.0f}s"


def _not_a_repository(root: Path) -> None:
    """Refuse to remove anything from a cache folder that is a git repository's own
    (``EXPLORE_CACHE=.`` in a clone): its ``models/`` or ``units/`` would be someone's code;
    nor from the home folder or ``/`` (``EXPLORE_CACHE=~``: ``clear`` took ~/models/)."""
    where = os.path.realpath(root)
    if where in (os.path.realpath(os.path.expanduser("~")), os.path.realpath(os.sep)):  # no crash without a home
        what = "the root folder" if where == os.path.realpath(os.sep) else "your home folder"
        raise ExploreError(f"the cache folder {root} is {what}, not explore's cache: nothing removed; "
                           "set EXPLORE_CACHE to explore's own folder")
    if (root / ".git").exists():
        raise ExploreError(f"the cache folder {root} is a git repository (it holds .git), not explore's cache: "
                           "nothing removed; set EXPLORE_CACHE to explore's own folder")


def _drop(root: Path, chosen: list[CacheEntry], dry_run: bool, command: str, as_json: bool,
          extra: dict[str, Any]) -> None:
    """Remove ``chosen`` (snapshots a process reads are kept), then the blobs no snapshot
    links any more; say what went."""
    _not_a_repository(root)
    from ..sandbox.checkout import BlobStore, remove_snapshot
    from ..sandbox.lease import LEASE, in_use

    linked = [e for e in chosen if e.link]  # a link its user made: theirs to remove
    chosen = [e for e in chosen if e.kind != BLOBS and not e.link]  # blobs: never removed whole (the sweep below)
    kept = [e for e in chosen if e.kind == SNAPSHOTS and in_use(Path(e.path))]
    chosen = [e for e in chosen if e not in kept]
    going: dict[tuple[int, int], int] = {}
    released = 0
    for e in chosen:
        if dry_run:
            if e.kind == SNAPSHOTS:
                _count_links(Path(e.path), going)
        elif e.kind == SNAPSHOTS and (Path(e.path) / LEASE).is_file():
            freed_blobs = remove_snapshot(Path(e.path))
            if freed_blobs is None:
                kept.append(e)  # leased since we looked
            released += freed_blobs or 0
        else:
            _remove(Path(e.path))
    chosen = [e for e in chosen if e not in kept]
    # a blob store its user linked in is theirs, as every kind's link is: its sweep deleted every
    # file in the linked folder
    _count, size = (0, 0) if (root / BLOBS).is_symlink() else \
        BlobStore(root / BLOBS).sweep(dry_run=dry_run, linked_from=going)
    if size + released:
        chosen.append(CacheEntry(BLOBS, "(no longer linked)", str(root / BLOBS), size + released, time.time()))
    freed = sum(e.bytes for e in chosen)
    if as_json:
        emit_json(command, {"path": str(root), **extra, "dry_run": dry_run, "freed_bytes": freed,
                            "removed": [asdict(e) for e in chosen], "in_use": [asdict(e) for e in kept],
                            "links_kept": [asdict(e) for e in linked]})
        return
    verb = "would remove" if dry_run else "removed"
    for e in chosen:
        out.print(inert(f"{verb} {e.kind}/{e.name}  {_human(e.bytes)}"), markup=False, highlight=False)
    for e in kept:
        out.print(inert(f"kept {e.kind}/{e.name}: another process is reading it"), markup=False, highlight=False)
    for e in linked:
        out.print(inert(f"kept {e.kind}/: a link to {e.link} (yours: remove the link yourself)"), markup=False,
                  highlight=False)
    out.print(inert(f"{verb} {len(chosen)} entries, {_human(freed)} from {root}"), markup=False, highlight=False)


def _blob_inodes(root: Path) -> set[tuple[int, int]]:
    """The blobs' (device, inode): a snapshot's bytes are then its own, and the blobs it
    frees are counted once, by the sweep that removes them."""
    counts: dict[tuple[int, int], int] = {}
    _count_links(root / BLOBS, counts)
    return set(counts)


def _count_links(path: Path, counts: dict[tuple[int, int], int]) -> None:
    """Count the hard links under ``path`` by (device, inode): the blobs it would release."""
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            counts[(st.st_dev, st.st_ino)] = counts.get((st.st_dev, st.st_ino), 0) + 1


@app.command("list")
@guard
def list_command(as_json: JsonOpt = False) -> None:
    """List what is cached: each snapshot, index, model and adapter folder with its size and age."""
    root = cache_path()
    found = entries(root)
    if as_json:
        emit_json("cache list", {"path": str(root), "entries": [asdict(e) for e in found]})
        return
    table = Table(title=Text(inert(str(root))), title_justify="left")
    for col in ("kind", "name", "size", "age"):
        table.add_column(col, justify="right" if col in ("size", "age") else "left")
    now = time.time()
    for e in _shown(found):
        table.add_row(Text(inert(e.kind)), Text(inert(e.name)), _human(e.bytes), _age(now - e.modified))
    out.print(table if found else inert(f"nothing cached in {root}"), markup=False, highlight=False)


def _shown(found: list[CacheEntry]) -> list[CacheEntry]:
    """The entries as a person reads them: the blob store's shards (up to 256 folders named
    ``00``..``ff``) as one row, and no lock files (empty, and taken whenever something is
    built). ``--json`` keeps every entry, as ``prune`` and ``clear`` count them."""
    shards = [e for e in found if e.kind == BLOBS]
    rows = [e for e in found if e.kind != BLOBS and not e.name.endswith(".lock")]
    if shards:
        where = os.path.dirname(shards[0].path)
        blob_row = CacheEntry(BLOBS, f"({len(shards)} shards: the files snapshots link to)", where,
                              sum(e.bytes for e in shards), max(e.modified for e in shards))
        at = next((i for i, e in enumerate(rows) if e.kind > BLOBS), len(rows))
        rows.insert(at, blob_row)
    return rows


@app.command("size")
@guard
def size_command(as_json: JsonOpt = False) -> None:
    """How much disk the cache takes, in all and per kind (a hard-linked file counted once)."""
    root = cache_path()
    kinds: dict[str, int] = {}
    for e in entries(root, seen=set()):
        kinds[e.kind] = kinds.get(e.kind, 0) + e.bytes
    total = sum(kinds.values())
    trees = _snapshot_state(root)
    disk = _disk_usage(root)
    if as_json:
        emit_json("cache size", {"path": str(root), "bytes": total, "disk_bytes": disk, "kinds": kinds,
                                 "snapshots": trees})
        return
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        out.print(inert(f"{_human(n):>10}  {kind}"), markup=False, highlight=False)
    # the folder is EXPLORE_CACHE's, whatever it holds: inert, as `cache list` shows it
    out.print(inert(f"{_human(total):>10}  {root} (the files' bytes; {_human(disk)} of disk blocks with its folders)"),
              markup=False, highlight=False)
    if trees["trees"]:
        limit = trees["kept_at_most"] or "every"
        out.print(f"snapshots: {trees['trees']} commit trees ({trees['in_use']} in use; the cache keeps "
                  f"the {limit} most recently used); {_human(trees['unlinked_blob_bytes'])} of blobs "
                  "no tree links (`explore cache prune` frees them)", markup=False, highlight=False)


def _disk_usage(root: Path) -> int:
    """The disk blocks the cache takes, as `du` counts them: each file once however many links
    it has, and its folders (a snapshot of 20,000 small files takes ~80 MB of blocks for ~2 MB
    of bytes). The files' bytes where the system gives no block count."""
    seen: set[tuple[int, int]] = set()
    used = 0
    # and a kind's folder its user linked in (`models -> /shared/models`), as the bytes count it
    tops = [p for p in (root / name for name in KINDS) if p.is_dir()]  # explore's own folders alone
    for top in tops:
        for folder, dirs, files in os.walk(top, followlinks=False):
            for name in [*dirs, *files, ""] if folder == str(top) else [*dirs, *files]:
                try:
                    st = os.stat(folder) if not name else os.lstat(os.path.join(folder, name))
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                used += st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size
    return used


def _snapshot_state(root: Path) -> dict[str, int]:
    """How many commit trees the cache holds, how many a process reads now, how many it
    keeps, and the bytes of blobs no tree links (freed by the next prune)."""
    from ..sandbox.checkout import BlobStore, kept_snapshots
    from ..sandbox.lease import LEASE, in_use

    store = root / SNAPSHOTS
    trees = [p for p in store.iterdir() if not p.name.startswith(".") and (p / LEASE).is_file()] if store.is_dir() else []
    # a blob store its user linked in is theirs: prune never sweeps it, so nothing there is freed
    _count, unlinked = (0, 0) if (root / BLOBS).is_symlink() else BlobStore(root / BLOBS).sweep(dry_run=True)
    return {"trees": len(trees), "in_use": sum(in_use(p) for p in trees), "kept_at_most": kept_snapshots(),
            "unlinked_blob_bytes": unlinked}


@app.command("prune")
@guard
def prune_command(
    older_than: Annotated[str, typer.Option("--older-than", help="Remove entries not written for this long: 30d, 12h, 2w, 90m.")],
    adapters: AdaptersOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go, remove nothing.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove cache entries older than an age (trained adapters kept unless --adapters)."""
    age = parse_age(older_than)
    root = cache_path()
    cutoff = time.time() - age
    from ..sandbox.lease import leftovers

    # trees a killed process or one that exited mid-deletion left aside (`.gone-…`): garbage, whatever their age
    aside = {str(p) for p in leftovers(root / SNAPSHOTS)}
    chosen = [e for e in entries(root, _blob_inodes(root))
              if (e.modified < cutoff and (adapters or e.kind != TRAINED)) or e.path in aside]
    _drop(root, chosen, dry_run, "cache prune", as_json, {"older_than_seconds": age})


@app.command("clear")
@guard
def clear_command(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Really remove everything (required: nothing asks).")] = False,
    adapters: AdaptersOpt = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go, remove nothing (no --yes needed).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Remove everything cached (trained adapters kept unless --adapters); needs --yes."""
    root = cache_path()
    if not yes and not dry_run:
        raise ExploreError(f"clear removes everything under {root}; add --yes to do it "
                           "(or `explore cache prune --older-than 30d` to keep what is recent)")
    chosen = [e for e in entries(root, _blob_inodes(root)) if adapters or e.kind != TRAINED]
    _drop(root, chosen, dry_run, "cache clear", as_json, {})
