"""Build the corpus of real repositories that training and evaluation run on.

One command, pinned and repeatable::

    python benchmarks/corpus.py                 # both splits into corpus/
    python benchmarks/corpus.py --split eval    # only the held-out repos
    python benchmarks/corpus.py --out /data/corpus

Every project in ``benchmarks/corpus.toml`` is a PyPI source distribution at a pinned
version and sha256. Sdists are real codebases: source, tests, docs, examples, configs.
Each is downloaded with pip (reused when already present), extracted safely (tar with
``filter="data"``, zip members checked for escapes and links) into
``DIR/<name>-<version>/`` with the archive's single top-level folder stripped, and made
a git repository with exactly one commit, so the tooling can snapshot it at a revision.
Author, committer and dates are fixed and the user's git config is ignored, so the
commit id depends only on the files: the same pin gives the same commit everywhere.

The ``train`` and ``eval`` splits are disjoint, and none of the projects reserved for
independent evaluation (see DESIGN.md) appears in either.

Other benchmark scripts import it from ``benchmarks/``::

    sys.path.insert(0, str(Path(__file__).parent))
    from corpus import load_corpus, latency_repo
    for repo in load_corpus("eval"): ...
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.table import Table

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "corpus.toml"
REPO_ROOT = HERE.parent
DEFAULT_OUT = REPO_ROOT / "corpus"
SDIST_CACHE = ".sdists"
"""Folder under the output dir where downloaded archives are kept for reuse."""

Split = Literal["train", "eval"]
SPLITS: tuple[str, ...] = ("train", "eval")

RESERVED = frozenset(
    {
        "requests", "flask", "pytest", "sphinx", "sympy", "astropy", "xarray",
        "pylint", "seaborn", "django", "scikit-learn", "matplotlib",
    }
)
"""Projects kept out of all corpus splits: they are reserved for independent evaluation."""

GIT_NAME = "corpus"
GIT_EMAIL = "corpus@localhost"
GIT_DATE = "2024-01-01T00:00:00+00:00"
"""Fixed author and committer date: with fixed files and identity the commit id is fixed."""


class CorpusError(Exception):
    """The corpus could not be built as pinned; the message says which project and why."""


class DownloadFailed(CorpusError):
    """pip could not fetch a pinned sdist (no network, a yanked or wheel-only release)."""


class HashMismatch(CorpusError):
    """A downloaded archive is not the one pinned in corpus.toml."""


class UnsafeArchive(CorpusError):
    """An archive member would land outside the target folder or is a link."""


class CorpusMissing(CorpusError):
    """``load_corpus`` was asked for repos that have not been built yet."""


@dataclass(frozen=True)
class Project:
    """One pinned entry of corpus.toml."""

    name: str
    """Distribution name as PyPI knows it."""
    version: str
    """Exact release; the sdist of this version is what the corpus holds."""
    split: Split
    """``train`` or ``eval``; the two never share a project."""
    kind: str = ""
    """What sort of codebase it is (cli, web, parsing, ...), for diversity at a glance."""
    sha256: str = ""
    """Hash of the sdist archive; empty means "not pinned yet" (a warning, not an error)."""
    latency: bool = False
    """The ~1.5k-file eval repo that latency benchmarks use."""

    @property
    def slug(self) -> str:
        """Folder name under the corpus dir: ``<name>-<version>``."""
        return f"{self.name}-{self.version}"

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class RepoStats:
    """What one built repo holds, as the table prints it."""

    project: Project
    path: Path
    commit: str
    files: int
    python_files: int
    bytes: int
    reused: bool


# --------------------------------------------------------------------------- manifest


def read_manifest(path: Path = MANIFEST) -> list[Project]:
    """Parse and validate corpus.toml: known splits, no duplicates, no reserved projects."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    projects = [Project(**entry) for entry in data.get("project", [])]
    seen: dict[str, Project] = {}
    for p in projects:
        key = _canonical(p.name)
        if p.split not in SPLITS:
            raise CorpusError(f"{path.name}: {p.spec} has split {p.split!r}; use one of {SPLITS}")
        if key in RESERVED:
            raise CorpusError(f"{path.name}: {p.name} is reserved for independent evaluation")
        if key in seen:
            raise CorpusError(f"{path.name}: {p.name} is listed twice ({seen[key].split}, {p.split})")
        seen[key] = p
    return projects


def select(projects: Iterable[Project], split: str) -> list[Project]:
    """Projects of one split, or all of them for ``split == "all"``."""
    if split not in (*SPLITS, "all"):
        raise CorpusError(f"unknown split {split!r}; use train, eval or all")
    return [p for p in projects if split == "all" or p.split == split]


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


# --------------------------------------------------------------------------- public API


def load_corpus(split: str = "eval", root: Path | str | None = None) -> list[Path]:
    """Paths of the built repos of ``split`` (``train``, ``eval`` or ``all``), manifest order.

    Raises :class:`CorpusMissing` naming the command to run when any repo is not built,
    so a benchmark never silently measures on a partial corpus.
    """
    out = Path(root) if root is not None else DEFAULT_OUT
    chosen = select(read_manifest(), split)
    missing = [p.slug for p in chosen if not _is_built(out / p.slug)]
    if missing:
        raise CorpusMissing(
            f"{len(missing)} corpus repo(s) not built under {out} ({', '.join(missing[:5])}"
            f"{', ...' if len(missing) > 5 else ''}); run: python benchmarks/corpus.py "
            f"--split {split} --out {out}"
        )
    return [out / p.slug for p in chosen]


def latency_repo(root: Path | str | None = None) -> Path:
    """The eval repo of about 1.5k files that latency benchmarks time on."""
    out = Path(root) if root is not None else DEFAULT_OUT
    (project,) = [p for p in read_manifest() if p.latency]
    path = out / project.slug
    if not _is_built(path):
        raise CorpusMissing(f"{path} not built; run: python benchmarks/corpus.py --split eval --out {out}")
    return path


# --------------------------------------------------------------------------- download


def download(project: Project, cache: Path) -> Path:
    """The project's sdist archive, fetched with pip unless a verified copy is cached.

    ``--no-binary NAME`` (not ``:all:``) forces the sdist of this project only; its build
    backend may still come as a wheel, which keeps pip's metadata step to seconds.
    """
    folder = cache / project.slug
    archive = _archive_in(folder)
    if archive is not None and _hash_ok(project, archive):
        return archive
    if folder.exists():
        shutil.rmtree(folder)
    staging = Path(tempfile.mkdtemp(prefix=f".{project.slug}-", dir=cache))
    try:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", project.name,
            "--disable-pip-version-check", "--quiet", "--dest", str(staging), project.spec,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        archive = _archive_in(staging)
        if proc.returncode != 0 or archive is None:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            errors = [line for line in lines if line.startswith("ERROR")] or lines
            tail = "\n".join(line[:300] for line in errors[-4:])
            raise DownloadFailed(
                f"could not download the sdist of {project.spec} "
                f"(pip exit {proc.returncode}):\n{tail or 'pip saved no .tar.gz/.zip'}"
            )
        if not _hash_ok(project, archive):
            raise HashMismatch(
                f"{archive.name}: sha256 {_sha256(archive)} differs from the pin "
                f"{project.sha256} pinned for {project.spec}"
            )
        staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return folder / archive.name


def _archive_in(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    found = [f for f in folder.iterdir() if f.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".zip"))]
    return found[0] if len(found) == 1 else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _hash_ok(project: Project, archive: Path) -> bool:
    return not project.sha256 or _sha256(archive) == project.sha256


# --------------------------------------------------------------------------- extract


def extract(archive: Path, dest: Path) -> None:
    """Unpack ``archive`` into a new folder ``dest``, stripping its single top-level folder."""
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        if archive.name.endswith(".zip"):
            _unzip_safely(archive, staging)
        else:
            with tarfile.open(archive) as tar:
                try:
                    tar.extractall(staging, filter="data")
                except tarfile.FilterError as exc:
                    raise UnsafeArchive(f"{archive.name}: {exc}") from exc
        top = list(staging.iterdir())
        root = top[0] if len(top) == 1 and top[0].is_dir() else staging
        if (root / ".git").exists():
            raise UnsafeArchive(f"{archive.name} carries its own .git; refusing to build on it")
        root.rename(dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _unzip_safely(archive: Path, dest: Path) -> None:
    """Zip extraction that refuses absolute paths, ``..`` escapes and symlinks."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise UnsafeArchive(f"{archive.name}: member {info.filename!r} escapes the folder")
            if stat.S_ISLNK(mode):
                raise UnsafeArchive(f"{archive.name}: member {info.filename!r} is a symlink")
            target = dest.joinpath(*name.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            target.chmod(0o755 if mode & 0o111 else 0o644)


# --------------------------------------------------------------------------- git


def _git_env() -> dict[str, str]:
    """Environment that makes commits reproducible: fixed identity and dates, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME=GIT_NAME, GIT_AUTHOR_EMAIL=GIT_EMAIL, GIT_AUTHOR_DATE=GIT_DATE,
        GIT_COMMITTER_NAME=GIT_NAME, GIT_COMMITTER_EMAIL=GIT_EMAIL, GIT_COMMITTER_DATE=GIT_DATE,
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
    )
    return env


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", *args],
        cwd=repo, env=_git_env(), capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise CorpusError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip()}")
    return proc.stdout


def commit_snapshot(repo: Path, project: Project) -> str:
    """Make ``repo`` a git repository with one commit of every file; return its id.

    ``add --force`` because sdists ship their own .gitignore files, which must not hide
    files that are part of the release.
    """
    _git(repo, "init", "--quiet", "--template=", "--initial-branch=main")
    _git(repo, "add", "--all", "--force", ".")
    _git(repo, "commit", "--quiet", "--no-verify", "-m", f"{project.name} {project.version} (PyPI sdist)")
    return _git(repo, "rev-parse", "HEAD").strip()


def _is_built(path: Path) -> bool:
    """A repo counts as built once its folder holds a .git: it is moved in place only then."""
    return (path / ".git").is_dir()


# --------------------------------------------------------------------------- build


def build_one(project: Project, out: Path, on_step: Callable[[str], None] = lambda s: None) -> RepoStats:
    """Download, extract and commit one project; a repo already built is only measured.

    The repo is assembled in a hidden staging folder and renamed into place last, so an
    interrupted run leaves no half-built repo that a later run would mistake for done.
    """
    dest = out / project.slug
    reused = _is_built(dest)
    if not reused:
        if dest.exists():
            shutil.rmtree(dest)  # a leftover without .git: never finished
        on_step("download")
        archive = download(project, out / SDIST_CACHE)
        on_step("extract")
        work = out / f".build-{project.slug}"
        if work.exists():
            shutil.rmtree(work)
        try:
            extract(archive, work)
            on_step("commit")
            commit_snapshot(work, project)
            work.rename(dest)
        finally:
            if work.exists():
                shutil.rmtree(work)
    return measure(project, dest, reused)


def measure(project: Project, repo: Path, reused: bool = False) -> RepoStats:
    """Count tracked files, Python files and bytes of a built repo (``.git`` excluded)."""
    names = [n for n in _git(repo, "ls-files", "-z").split("\0") if n]
    size = sum((repo / n).lstat().st_size for n in names)
    python = sum(1 for n in names if n.endswith((".py", ".pyi")))
    commit = _git(repo, "rev-parse", "HEAD").strip()
    return RepoStats(project, repo, commit, len(names), python, size, reused)


def build(
    projects: Sequence[Project], out: Path, jobs: int = 2
) -> tuple[list[RepoStats], list[tuple[Project, Exception]]]:
    """Build every project, ``jobs`` at a time; failures are collected, not raised."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    out.mkdir(parents=True, exist_ok=True)
    (out / SDIST_CACHE).mkdir(exist_ok=True)
    results: list[RepoStats] = []
    failures: list[tuple[Project, Exception]] = []
    columns = (
        TextColumn("[bold]corpus"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.description}"), TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("", total=len(projects))
        active: dict[str, str] = {}
        lock = threading.Lock()

        def step(project: Project, what: str) -> None:
            with lock:
                active[project.slug] = what
                shown = ", ".join(f"{slug}: {s}" for slug, s in active.items())
            progress.update(task, description=shown)

        def run(project: Project) -> RepoStats:
            try:
                return build_one(project, out, lambda what: step(project, what))
            finally:
                with lock:
                    active.pop(project.slug, None)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(run, p): p for p in projects}
            for future in as_completed(futures):
                project = futures[future]
                try:
                    results.append(future.result())
                except Exception as exc:  # noqa: BLE001 - reported per project below
                    failures.append((project, exc))
                progress.advance(task)
        progress.update(task, description="done")
    order = {p.slug: i for i, p in enumerate(projects)}
    results.sort(key=lambda r: order[r.project.slug])
    return results, failures


def render_table(stats: Sequence[RepoStats]) -> Table:
    """One row per repo (eval first), then a total per split."""
    from rich.table import Table

    table = Table(title="corpus")
    for col, justify in (
        ("name", "left"), ("version", "left"), ("split", "left"), ("kind", "left"),
        ("files", "right"), ("python files", "right"), ("MB", "right"), ("commit", "left"),
    ):
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for s in sorted(stats, key=lambda s: (s.project.split != "eval", s.project.name)):
        name = s.project.name + (" (latency)" if s.project.latency else "")
        table.add_row(
            name, s.project.version, s.project.split, s.project.kind, f"{s.files:,}",
            f"{s.python_files:,}", f"{s.bytes / 1e6:.1f}", s.commit[:10],
        )
    for split in SPLITS:
        part = [s for s in stats if s.project.split == split]
        if part:
            table.add_section()
            table.add_row(
                f"{split} total", "", "", f"{len(part)} repos", f"{sum(s.files for s in part):,}",
                f"{sum(s.python_files for s in part):,}", f"{sum(s.bytes for s in part) / 1e6:.1f}", "",
            )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all", help="which projects to build")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus folder (default: corpus/ at the repo root)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="pinned project list (default: benchmarks/corpus.toml)")
    parser.add_argument("--jobs", type=int, default=2, help="projects built at once (default 2)")
    args = parser.parse_args(argv)

    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 120)  # keep the table whole in logs and pipes
    try:
        projects = select(read_manifest(args.manifest), args.split)
    except CorpusError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    unpinned = [p.spec for p in projects if not p.sha256]
    if unpinned:
        console.print(f"[yellow]warning:[/] no sha256 pinned for {', '.join(unpinned)}")

    out = args.out.resolve()
    start = time.perf_counter()
    stats, failures = build(projects, out, args.jobs)
    elapsed = time.perf_counter() - start

    if stats:
        console.print(render_table(stats))
    built = sum(not s.reused for s in stats)
    console.print(
        f"{len(stats)} repos in {out} ({built} built, {len(stats) - built} reused), "
        f"{sum(s.bytes for s in stats) / 1e6:.1f} MB of files, {elapsed:.1f} s"
    )
    if failures:
        for project, exc in failures:
            console.print(f"[red]error:[/] {project.spec}: {exc}", highlight=False)
        console.print(f"[red]{len(failures)} of {len(projects)} project(s) failed[/]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
