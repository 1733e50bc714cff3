"""Where the paths a question writes lead: the repository's own files they name.

A pasted trace's frames name files as the user's machine had them — an installed gem, Go
module, crate or npm package (``grep-printer-0.1.7/src/standard.rs``), a JVM package path, a
compiled script — and a question may write a file's path or name out, or a file name no file
of the repository bears. :class:`WrittenPaths` reads which of the repository's files each one
is: the packages this repository is (its manifests, read once), a path by its longest tail
that names few enough files, the innermost frame in its own package, and the files a
question writes out. The candidate stage (:class:`~.retriever.Retriever`) lifts them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath

from ..sandbox.index import Index
from ..sandbox.outline import file_kind, is_vendored
from ..sandbox.snapshot import Snapshot
from .file_facts import FileFacts
from .frames import crate_file, go_module_file, php_caller
from .query import Query, name_parts
from .tests_asked import asks_for_tests

#: A name more files of the repository hold than this is no grep-like query's one place.
NAME_FILES = 3
#: The first part of a JVM package's name (`org.testng`, `java.util`): a frame's path that starts so is a package's.
_JVM_ROOTS = frozenset({"org", "com", "io", "net", "dev", "java", "javax", "jdk", "sun", "kotlin", "kotlinx", "scala",
                        "android", "androidx", "me", "edu", "uk", "de", "fr"})
#: The manifests that name the packages a repository is (kind, file names, the name's pattern).
_PACKAGE_MANIFESTS = (
    ("go", ("go.mod",), re.compile(r"^module\s+(\S+)", re.M)),
    ("rust", ("Cargo.toml",), re.compile(r"^\[package\][^\[]*?^name\s*=\s*[\"']([\w-]+)[\"']", re.M | re.S)),
    ("npm", ("package.json", "jsr.json", "deno.json", "deno.jsonc"),
     re.compile(r'^\s*"name"\s*:\s*"((?:@[\w.-]+/)?[\w.-]+)"', re.M)),
)
#: A function that only builds, raises or reports an error for its caller: the frame below it decides.
_REPORTER = re.compile(r"_*(?:construct\w*error|make\w*error|new\w*(?:error|exception)|report\w*|raise\w*|throw\w*|"
                       r"fail\w*|wrap\w*error|error|errorf|fatal\w*|abort\w*)$", re.I)
#: A path written out whose file has no suffix (``timezones/full/tzdb/Europe/Berlin``): a folder and a name.
_BARE_PATH = re.compile(r"(?<![\w./-])((?:[\w-]+/)+[\w-]+)(?![\w./-])")
#: Verbs whose object a path written after them is: the answer is the file doing it.
_ACTS_ON = (r"\b(?:runs?|calls?|imports?|uses?|includes?|loads?|invokes?|executes?|references?|reads?|requires?|"
            r"sources?|pass(?:es)?|feeds?|opens?|parses?|"
            # and makes: emoji's "the script that … regenerates emoji.json" asks for the script
            r"(?:re)?generates?|writes?|produces?|updates?|creates?|builds?|downloads?|fetch(?:es)?|emits?|renders?)")
#: Folder names every package has: with a file name they do not tell one package from another.
_GENERIC_FOLDERS = frozenset({"src", "lib", "library", "dist", "build", "pkg", "internal", "source"})


class WrittenPaths:
    """The repository's files that the paths a question writes name, over one snapshot."""

    def __init__(self, index: Index, facts: FileFacts) -> None:
        self.index = index
        self.snapshot: Snapshot = index.snapshot
        self.facts = facts
        self._packages: dict[tuple[str, str], str] | None = None  # Go modules, crates, npm packages -> folder
        self._own: frozenset[str] | None = None  # the gem and Composer package names this repository is

    def own_names(self) -> frozenset[str]:
        """The names this repository is installed by: its gemspecs' and its composer.json's (and
        that name's last part), as a pasted trace's installed path names its package."""
        if self._own is None:
            names: set[str] = set()
            for f in self.index.files:
                if "/" in f:
                    continue
                if f.endswith(".gemspec"):
                    names.add(f[:-len(".gemspec")])
                elif f == "composer.json":
                    found = re.search(r'"name"\s*:\s*"([\w.-]+/[\w.-]+)"', self.snapshot.text(f, 20_000) or "")
                    names |= {found.group(1), found.group(1).split("/")[1]} if found else set()
            self._own = frozenset(names)
        return self._own

    def package_folders(self) -> dict[tuple[str, str], str]:
        """The packages this repository is, by kind and name -> the folder of their manifest: Go
        modules its ``go.mod`` files declare, crates its ``Cargo.toml`` files name, npm (and JSR)
        packages its ``package.json``/``jsr.json``/``deno.json`` files name (not vendored ones). Read once."""
        if self._packages is None:
            packages: dict[tuple[str, str], str] = {}
            tails = self.facts.by_tail()
            for kind, manifests, pattern in _PACKAGE_MANIFESTS:
                for f in (f for name in manifests for f in tails.get(name, [])):
                    found = pattern.search(self.snapshot.text(f, 20_000) or "")
                    if found and not (kind == "npm" and is_vendored(f)):
                        packages.setdefault((kind, found.group(1).strip('"')), f.rpartition("/")[0])
            self._packages = packages
        return self._packages

    def own_package_file(self, path: str) -> str | None:
        """This repository's file that an installed package's ``path`` names, when the package
        is this repository: a Go module its ``go.mod`` declares, or a crate one of its
        ``Cargo.toml`` files names (``grep-printer-0.1.7/src/standard.rs`` ->
        ``crates/printer/src/standard.rs``); else None."""
        packages = self.package_folders()
        for kind, split in (("go", go_module_file(path)), ("rust", crate_file(path))):
            if split is not None and (kind, split[0]) in packages:
                folder = packages[(kind, split[0])]
                own = f"{folder}/{split[1]}" if folder else split[1]
                if own in self.facts.by_tail().get(own, []):
                    return own
        return None

    def own_npm_path(self, path: str) -> str | None:
        """The path inside the package of an installed ``path`` (``picomatch/lib/parse.js`` ->
        ``lib/parse.js``, ``@scope/pkg/dist/x.js`` -> ``dist/x.js``) where the package is one a
        ``package.json`` of this repository names, or a ``jsr.json``/``deno.json`` (hono's traces run
        from ``https://jsr.io/@hono/hono/…``), its folder's path before it; else None."""
        packages = self.package_folders()
        parts = path.split("/")
        for n in (2, 1) if path.startswith("@") else (1,):
            if (folder := packages.get(("npm", "/".join(parts[:n])))) is not None and len(parts) > n:
                rest = "/".join(parts[n:])
                return f"{folder}/{rest}" if folder else rest
        return None

    def tail_hits(self, path: str, installed: bool) -> list[str]:
        """The files ending with the longest tail of ``path`` that names few enough of them."""
        parts = PurePosixPath(path).parts
        # a JVM frame's package path (`org/testng/Assert.java` of `at org.testng.Assert.fail(Assert.java:99)`) whose
        # package folder none of ours is: another library's class, not our file of its name (failsafe's
        # internal/util/Assert.java answered a TestNG failure)
        foreign = len(parts) >= 3 and parts[0] in _JVM_ROOTS and not self.facts.folder_held(parts[-2])
        for n in range(len(parts), 0, -1):
            if (installed or foreign) and (n == 1 or n == 2 and parts[-2] in _GENERIC_FOLDERS):
                return []  # a frame in another installed package (requests/utils.py) is not our utils.py,
                # nor is serde's src/de.rs our src/de.rs
            found = self.facts.by_tail().get("/".join(parts[-n:]), [])
            if found and (n > 1 or len(found) <= 3):
                return found
            if n == 2 and self.facts.folder_held(parts[-2]):
                # the file's folder is one of ours and the file is not in it: a user's own file of a name ours has
                # (dry-types' `/app/lib/types.rb:14` is the user's, not lib/dry/types.rb)
                return []
        return []

    def innermost_own(self, query: Query, hits: list[str]) -> str:
        """Of the files a trace's frames name (``hits``, innermost first), the innermost one a
        frame in this repository's own installed package names (env_logger's
        `env_logger-0.11.5/src/logger.rs`, not the user's `./src/lib.rs` that panicked calling
        it); else the innermost."""
        if (caller := php_caller(query.text)) is not None:
            # PHP's argument TypeError is the caller's ("… int given, called in …/Parser.php on line 276 and
            # defined in …/ParseException.php:31": symfony/yaml's constructor only checks the type)
            if (inside := next((f for f in hits if caller.endswith("/" + f) or caller == f), None)) is not None:
                return inside
        ours = {path for path, package in query.packages if package in self.own_names()}
        for mentioned in reversed(query.paths):
            if mentioned not in query.installed:
                continue
            own = self.own_package_file(mentioned)
            found = [own] if own is not None else self.tail_hits(mentioned, False) if mentioned in ours else []
            if (inside := next((f for f in found if f in hits), None)) is not None:
                return inside
        # not a file whose frames only build or report the error (jackson-core's JsonParser._constructError and
        # ParserMinimalBase._reportError over UTF8StreamJsonParser._handleOddName, which decides)
        functions: dict[str, list[str]] = defaultdict(list)
        for (written, _), fn in zip(query.frame_lines, query.frame_functions):
            functions[written].append(fn)
        reporting = [w for w, fns in functions.items() if all(_REPORTER.match(fn.rsplit(".", 1)[-1]) for fn in fns)]
        return next((f for f in hits if not any(f == w or f.endswith("/" + w) for w in reporting)), hits[0])

    def paths_written(self, query: Query) -> set[str]:
        """The repository's files whose whole path (a folder and a name) the question writes
        out, where it writes at most :data:`NAME_FILES` of them (a list of files names none)."""
        tails = self.facts.by_tail()
        # or a file by its name, where no other file bears it (uuid's "which version of brick/math is locked in
        # composer.lock?" answered composer.json; env_logger's Cargo.lock ranked 17th; godotenv's "what is in
        # quoted.env?", fixtures/quoted.env) — not code (symfony/yaml's "which test covers the tab check in
        # Parser.php?" answered Parser.php)
        # not what the asked-for file acts on: tomli's "which CI job runs scripts/use_setuptools.py?", marked's
        # "which test passes bin-input.md to the CLI?" (read as the question writes it, not as found)
        def acted_on(p: str) -> bool:
            return re.search(rf"{_ACTS_ON}\s+(?:the\s+)?(?:file\s+)?`?{re.escape(p)}", query.text, re.I) is not None

        named = [p for p in query.paths if not acted_on(p)]
        # and a file without a suffix by its path, which no path pattern reads: kotlinx-datetime's
        # "what is in timezones/full/tzdb/Europe/Berlin?" (a tz database's zone, `etc/localtime`)
        named += [m.group(1) for m in _BARE_PATH.finditer(query.text) if m.group(1) not in named
                  and m.group(1) in tails.get(m.group(1), ()) and not acted_on(m.group(1))]
        written = {p for p in named if "/" in p and p in tails.get(p, ())} | {
            tails[p][0] for p in named if "/" not in p and len(tails.get(p, ())) == 1
            and file_kind(tails[p][0]) != "code" and (p == tails[p][0] or not asks_for_tests(query.text))}
        return written if len(written) <= NAME_FILES else set()

    def naming_absent_files(self, query: Query, fused: dict[str, float]) -> list[str]:
        """The code candidates whose string literals hold a file name the question writes and no file
        of the repository bears (``insta.yaml``, a user's settings file), where at most
        :data:`NAME_FILES` do."""
        tails = self.facts.by_tail()
        # (only a name the question's parse read as a file's, not code's: `response.json`, `self.cfg` stay names)
        absent = [p for p in query.paths if "/" not in p and p not in tails and query.names.isdisjoint(name_parts(p))]
        if not absent:
            return []
        quoted = [re.compile(rf"[\"']{re.escape(p)}[\"']") for p in absent]  # (a string: not a doc's `x.yaml`)
        holding = [p for p in fused if file_kind(p) == "code"
                   and any(q.search(self.snapshot.text(p) or "") for q in quoted)]
        return holding if len(holding) <= NAME_FILES else []
