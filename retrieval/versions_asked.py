"""Which versions a question asks for, and the line of a file that answers it: a language's
version as its manifest declares it (go.mod's ``go`` line, Cargo.toml's ``rust-version``), a
dependency's as a manifest or a lockfile pins it, and the versions a CI workflow's matrix runs on.

The candidate stage lifts the manifest or the workflow these name, and the evidence and the
walk open the file at the line that answers: a manifest's version line is seldom where the
question's words match. Plain regular expressions.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..sandbox.index import STOPWORDS


#: A dependency's version asked for: "which version of OkHttp does retrofit use?", "what serde
#: version is optional?", "where is the OkHttp version pinned?" (retrofit's version catalogue,
#: which holds `okhttp = "3.14.9"`, came after a build file that only names the library).
_DEPENDENCY_VERSION = re.compile(
    r"\b(?:which|what)\s+(?:exact\s+|precise\s+)?versions?\s+of\s+(?:the\s+)?([\w.@/-]*\w)|"
    r"\b(?:which|what)\s+([\w.@/-]*\w)\s+versions?\b|"
    # "what is the minimum redis-client version the gem depends on?" (sidekiq's answered code)
    r"\b(?:minimum|minimal|least|lowest|required|oldest|supported)\s+([\w.@/-]*\w)\s+versions?\b|"
    r"\b([\w.@/-]*\w)(?:'s)?\s+versions?\s+(?:is\s+|are\s+)?(?:pinned|set|declared|defined|specified|required|"
    r"locked)\b|"
    # "which range of swift-syntax versions …?" (swift-case-paths' Package.swift, 7th), "where is the webpack
    # version used for the tests pinned?" (kotlin-result's yarn.lock, 7th)
    r"\brange\s+of\s+([\w.@/-]*\w)\s+versions?\b|"
    # "where are the versions of EntityFrameworkCore and the other NuGet dependencies pinned?" (Specification's
    # Directory.Packages.props: the walk answered a project file)
    r"\bversions?\s+of\s+(?:the\s+)?([\w.@/-]*\w)\b[^?.\n]{0,60}?\b(?:pinned|locked)\b|"
    r"\b([\w.@/-]*\w)\s+versions?\s+(?:\w+\s+){1,6}?(?:pinned|locked)\b",
    re.I)
#: Words in a dependency's place that name none: the language's own (:data:`_LANGUAGE_MANIFESTS`), the project's.
_NO_DEPENDENCY = frozenset({"go", "golang", "rust", "node", "node.js", "nodejs", "npm", "python", "ruby", "php", "java",
                            "kotlin", "jdk", "jvm", ".net", "dotnet", "swift", "elixir", "dart", "flutter", "typescript",
                            "msrv", "minimum", "supported", "latest", "current", "release", "package", "project",
                            "library", "module", "crate", "gem", "api", "schema", "protocol", "file", "format", "language",
                            "compiler", "toolchain", "sdk", "this", "its", "their", "our", "your", "the", "which", "that",
                            "exact", "same", "new", "old", "oldest", "newest", "major", "minor", "patch",
                            # build tools: their version is the wrapper's or the lock's, not a dependency line
                            "gradle", "maven", "sbt", "bazel", "cmake", "pip", "poetry", "uv", "yarn", "pnpm", "bun",
                            "cargo", "bundler", "composer",
                            # platforms: their least version is the manifest's (Kingfisher's `.iOS(.v13)` in Package.swift),
                            # not a pin of a CI job's simulator
                            "ios", "ipados", "macos", "osx", "tvos", "watchos", "visionos", "android", "windows", "linux"})


def dependency_asked(question: str) -> str | None:
    """The dependency whose version ``question`` asks for (``OkHttp``), or None."""
    for m in _DEPENDENCY_VERSION.finditer(question):
        name = next(g for g in m.groups() if g)
        if name.lower() not in _NO_DEPENDENCY and name.lower() not in STOPWORDS and not name.isdigit():
            return name
    return None


def dependency_line(question: str, lines: list[str]) -> int | None:
    """The 1-based line declaring the version of the dependency ``question`` asks for: its name,
    as a word, beside a version (``okhttp = "3.14.9"``, ``"guzzlehttp/psr7": "^2.7"``,
    ``require github.com/spf13/pflag v1.0.5``); None where none does."""
    name = dependency_asked(question)
    if name is None:
        return None
    named = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)
    # a lockfile's entry: its name, its version on a line below (Cargo.lock's `name = "regex"`, then
    # `version = "1.11.1"`; composer.lock's `"name": "brick/math",` then `"version": "0.12.1",`; SwiftPM's
    # Package.resolved, `"identity" : "cwlpreconditiontesting",` and its `"version" : "2.2.0"` five lines below)
    # (npm's package-lock v2/v3 keys an entry `"node_modules/rollup": {`, yarn.lock `rollup@^2.52.7:`)
    escaped = re.escape(name)
    entry = re.compile(rf"^\s*(?:\"?(?:name|identity)\"?\s*[:=]\s*[\"']{escaped}[\"']|"
                       rf"\"(?:[^\"\n]*/)?node_modules/{escaped}\"\s*:|\"?{escaped}@[^\s\"]*\"?[,:])", re.I)
    # (a line's first 400 characters: mix.lock's entries run on for 700 with their own dependencies' ranges)
    heads = [text[:400] for text in lines]
    # an entry with its locked version below comes first: package-lock.json's root lists `"rollup": "^2.52.7"`
    # among its ranges 12,000 lines above the version it locks (luxon's evidence showed the range)
    return next((n for n, head in enumerate(heads, start=1) if entry.search(head) and named.search(head)
                 and any(_LOCKED_VERSION.search(below) for below in lines[n:n + 6])), None) \
        or next((n for n, head in enumerate(heads, start=1) if named.search(head) and _A_VERSION.search(head)), None)


#: A lockfile entry's version line, below its name.
_LOCKED_VERSION = re.compile(r"^\s*\"?version\"?\s*(?:[:=]\s*|\s+)[\"']?v?\d", re.I)  # yarn's `version "2.79.1"`


#: A version as manifests write one: ``1.2``, ``^2.7``, ``v1.0.5``, ``>=3.0``, ``setuptools>=77``.
_A_VERSION = re.compile(r"(?<![\w.])(?:[v^~=<>!]*\d+\.\d+|[<>=~^!]=?\s*\d+)")


#: A language's version asked for, and the manifests that declare it: "the minimum supported
#: Rust version" is `rust-version` of Cargo.toml (fd's was answered with the CI workflow that
#: reads it from there), "which Go version" the go directive of go.mod.
_LANGUAGE_MANIFESTS = tuple((re.compile(rf"(?<![\w.])(?:{lang})(?:\s+[\w-]+)?\s+versions?\b|\bversions? of (?:the )?(?:{lang})(?!\w)"
                                        + (r"|\bmsrv\b" if lang == "rust" else ""), re.I), frozenset(names))
                            for lang, names in (
    ("rust", ("cargo.toml",)), ("go|golang", ("go.mod",)),
    (r"node(?:\.js)?|nodejs|npm", ("package.json",)),
    ("python", ("pyproject.toml", "setup.cfg", "setup.py")), ("ruby", (".gemspec", "gemfile")),
    ("php", ("composer.json",)), ("java|kotlin", ("pom.xml", "build.gradle", "build.gradle.kts", "libs.versions.toml")),
    (r"\.net|dotnet|c#", (".csproj", "directory.build.props", "global.json")), ("swift", ("package.swift", ".podspec")),
    ("elixir", ("mix.exs",)), ("dart|flutter", ("pubspec.yaml",)), ("scala", ("build.sbt", "build.mill", "build.sc"))))


#: Versions a CI job runs on, not the one the manifest requires: "the CI workflow that runs
#: the tests on several Go versions" (testify's was answered with go.mod).
_VERSIONS_TESTED = re.compile(r"\b(?:ci|workflows?|github actions|matri(?:x|ces)|pipelines?|jobs?|tested|tests? "
                              r"(?:on|against|with|across))\b", re.I)


def declares_version_asked(question: str, path: str) -> bool:
    """Whether ``path`` is the manifest of a language whose version ``question`` asks for
    (:data:`_LANGUAGE_MANIFESTS`: Cargo.toml for "the minimum supported Rust version"), and
    not the versions a CI job runs on (:data:`_VERSIONS_TESTED`)."""
    lower = PurePosixPath(path.lower())
    if _VERSIONS_TESTED.search(question) or _CHANGELOG_ASKED.search(question):
        return False
    return any((lower.name in names or lower.suffix in names) and asked.search(question)
               for asked, names in _LANGUAGE_MANIFESTS)


#: A question asking what the changelog or release notes say of it (glob's "where is the changelog
#: entry for bumping the MSRV to 1.63?" answered Cargo.toml, which declares it): the page answers.
_CHANGELOG_ASKED = re.compile(r"\b(?:change ?logs?|changes\.\w+|release notes?|news entry|history entry)\b", re.I)


#: A manifest's line declaring the language version (go.mod's ``go 1.23.0``, Cargo's
#: ``rust-version``, package.json's ``"engines"``, ``requires-python``, a gemspec's
#: ``required_ruby_version``, composer's ``"php"``, Maven's and Gradle's Java level, a csproj's
#: target framework, Package.swift's tools version, mix.exs's ``elixir:``, pubspec's ``sdk:``).
_VERSION_DECLARED = re.compile(
    r"""^\s*(?:go\s+\d|toolchain\s+go\d|rust-version\s*=|"engines"\s*:|requires-python\s*=|python_requires\s*=|"""
    r"""\w+\.required_ruby_version|ruby\s+["']\d|"php"\s*:|<maven\.compiler\.(?:source|target|release)>|"""
    r"""<java\.version>|<release>\d|(?:java\.)?(?:source|target)Compatibility|.*jvmToolchain|(?:kotlin|java|jdk)\s*=\s*"\d|.*kotlin\(["'][\w.-]+["']\)\s+version|"""
    # Gradle's toolchain: `languageVersion.set(JavaLanguageVersion.of(8))`, `languageVersion = JavaLanguageVersion.of(17)`
    r""".*JavaLanguageVersion(?:\.|::)of\b|"""
    # a podspec's `s.swift_versions = ['5.0']` (SnapKit's), Package.swift's `swiftLanguageVersions: [.v5]`
    r"""<TargetFrameworks?>|"sdk"\s*:|//\s*swift-tools-version|\w+\.swift_versions?\s*=|.*swiftLanguageVersions|elixir:|sdk:|"""
    # sbt's and Mill's Scala versions (`scalaVersion := "3.3.1"`, `val scalaVersions = Seq(…)`)
    r""".*\b(?:crossScalaVersions|scalaVersions?)\b)""",
    re.I)


def version_line(question: str, path: str, lines: list[str]) -> int | None:
    """The 1-based line of ``path`` (a manifest, :func:`declares_version_asked`) that declares
    the language version ``question`` asks for; None where it asks no such thing or none does.
    viper's "which Go version is required?" opened go.mod at its ``require`` block, the
    ``go 1.23.0`` line above it out of sight."""
    if not declares_version_asked(question, path):
        return None
    # Gradle's files declare Java's level and Kotlin's version both: a Kotlin question wants Kotlin's line,
    # a Java question Java's (retrofit's "which Gradle file sets the Java version?" opened `kotlin = "2.0.21"`)
    kotlin = re.search(r"\bkotlin\b", question, re.I) is not None
    java = re.search(r"\b(?:java|jdk|jvm)\b", question, re.I) is not None
    return next((n for n, text in enumerate(lines, start=1)
                 if _VERSION_DECLARED.match(text) and (kotlin == java or ("kotlin" in text.lower()) == kotlin)), None)


#: A CI service's own files: GitHub's workflows, GitLab's, Travis', CircleCI's, Azure's, AppVeyor's.
CI_FILE = re.compile(r"(?:^|/)\.github/workflows/[^/]+\.ya?ml$|(?:^|/)\.gitlab-ci\.ya?ml$|(?:^|/)\.travis\.ya?ml$|"
                      r"(?:^|/)\.circleci/config\.ya?ml$|(?:^|/)azure-pipelines\.ya?ml$|(?:^|/)\.?appveyor\.ya?ml$")


def is_ci_file(path: str) -> bool:
    """Whether ``path`` is a CI service's workflow (GitHub Actions, GitLab, Travis, CircleCI, …)."""
    return CI_FILE.search(path.lower()) is not None


def asks_ci_file(question: str, path: str) -> bool:
    """Whether ``path`` is a CI service's file and ``question`` asks what the CI runs on
    ("which Python versions are tested in CI?": the walk read pyproject.toml)."""
    return CI_FILE.search(path.lower()) is not None and _VERSIONS_TESTED.search(question) is not None and \
        re.search(r"\b(?:ci|workflows?|github actions|(?<!release )(?<!publish )(?<!publishing )(?<!deploy )"
                  r"(?<!deployment )pipelines?)\b", question, re.I) is not None  # (Moya's release pipeline is Rocket's)


#: A CI matrix's list of the versions it runs on: `go: ["1.25.x", "1.26.x"]`, `node-version: [20, 22]`,
#: `python-version:` with its list below, Travis' `python:` list.
_TESTED_VERSIONS = re.compile(r"^\s*-?\s*(?:[\w.]+[-_.])?(?:version|versions|go|golang|node|nodejs|python|ruby|php|java|"
                              r"jdk|rust|toolchain|dotnet|otp|elixir|scala|swift|kotlin|deno|bun)(?:[-_.][\w.-]*)?\s*:\s*(\[|$)",
                              re.I)


_INCLUDED_VERSION = re.compile(r"^\s*-\s*(?:[\w.]+[-_.])?(?:version|go|golang|node|nodejs|python|ruby|php|java|jdk|rust|"
                               r"toolchain|dotnet|otp|elixir|scala|swift|kotlin|deno|bun)(?:[-_.][\w.-]*)?\s*:\s*['\"]?v?\d", re.I)


#: A question asking which versions (of a language, a runtime, a compiler) something runs on.
_VERSIONS_WORD = re.compile(r"\bversions?\b|\b(?:jdks?|matri(?:x|ces)|msrv|compilers?|platforms?|os|oses|"
                            r"operating systems?|runtimes?|toolchains?|python|node(?:\.js)?|go|golang|ruby|php|java|"
                            r"rust|swift|kotlin|"
                            r"dotnet|elixir|erlang|otp)\b", re.I)


def tested_versions_line(question: str, path: str, lines: list[str], listed: bool = False) -> int | None:
    """The 1-based line of a CI file listing the versions its jobs run on, where ``question``
    asks for them (:func:`asks_ci_file`); None where it does not or no line lists them. zap's
    "which Go versions does CI test against?" opened its workflow at `setup-go`, the matrix's
    `go: ["1.25.x", "1.26.x"]` out of sight; pino's at an `exclude:` entry below its list.
    ``listed``: a line listing versions only (not a `matrix:` line of other things)."""
    if not asks_ci_file(question, path) or not _VERSIONS_WORD.search(question):
        return None  # (zerolog's "how does CI run the tests with the binary_log build tag?" opened at its matrix)
    if re.search(r"\b(?:minimum|minimal|msrv|oldest|lowest)\b", question, re.I):  # thiserror's `msrv:` job, not the matrix
        if (least := next((n for n, text in enumerate(lines, start=1) if re.search(r"msrv|minimum|minimal", text, re.I)),
                          None)) is not None:
            return least
    for n, text in enumerate(lines, start=1):
        if (m := _TESTED_VERSIONS.match(text)) is None:
            continue
        if m.group(1) == "[" or (n < len(lines) and lines[n].lstrip().startswith("-")):
            return n
    # a matrix of `include:` entries, one version each: tornado's `- python: '3.10'`
    matrix = None if listed else next((n for n, text in enumerate(lines, start=1) if re.match(r"\s*matrix\s*:", text)),
                                      None)
    return next((n for n, text in enumerate(lines, start=1) if _INCLUDED_VERSION.match(text)), matrix)
