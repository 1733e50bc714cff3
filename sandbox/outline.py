"""What a file *is* at a glance: its kind (code, test, docs, …) and the names it defines.

These are the cues a person uses to tell the file that defines ``parse_args`` from the
five that call it, or the install guide from the setup script: BM25 alone cannot. They
are shown to the policy as features in listings; it learns how much to trust them.
Definitions are parsed lazily (one file at a time, cached), never for the whole repo:
Python with :mod:`ast`, the languages tree-sitter reads with :mod:`.syntax`, the rest by
their definition lines.
"""
from __future__ import annotations

import ast
import re
import threading
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import PurePosixPath

from . import syntax

#: (and ExDoc's cheatsheets: tesla's guides/cheatsheets/openapi.cheatmd was data)
DOC_SUFFIXES = {".md", ".rst", ".txt", ".adoc", ".org", ".cheatmd",
                # Markdown's other suffixes (go-humanize's README.markdown was data: no docs lift)
                ".markdown", ".mdown", ".mkd"}
CONFIG_SUFFIXES = {".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".cmake", ".mk", ".gradle", ".bzl",
                   # Ruby's gemspec, PHPStan's NEON, .NET's MSBuild projects and solutions, Haskell's Cabal
                   ".gemspec", ".neon", ".csproj", ".fsproj", ".vbproj", ".props", ".targets", ".sln", ".slnx",
                   ".nuspec",
                   ".runsettings", ".cabal",
                   # sbt's other files (plugins.sbt), CocoaPods' podspec, Xcode's build settings
                   ".sbt", ".podspec", ".xcconfig",
                   # Xcode's schemes, project and entitlements (Alamofire's "which Xcode scheme builds the tvOS
                   # framework?" ranked its .xcscheme, first by BM25, 22nd as data)
                   ".xcscheme", ".pbxproj", ".entitlements", ".xcworkspacedata",
                   # ProGuard/R8 rules and qmake projects (gson's META-INF/proguard/gson.pro was data, and `ask`
                   # passed it over for "which ProGuard rules does the jar ship?")
                   ".pro",
                   # Appraisal's gemfiles (grape's gemfiles/rails_edge.gemfile was data for "which gemfile runs the
                   # specs against Rails edge?")
                   ".gemfile"}
#: Source code: what tree-sitter reads, Python, and the languages read by their definition
#: lines only — a grammar (``parser.y``, ``lexer.l``) is the source its generated parser comes from.
CODE_SUFFIXES = {".py", ".pyi", ".pyx", ".rb", ".sh", ".bash", ".kt", ".kts", ".scala", ".swift", ".cs", ".fs", ".php",
                 ".dart", ".m", ".mm", ".lua", ".pl", ".pm", ".r", ".jl", ".ex", ".exs", ".erl", ".hs", ".ml", ".mli",
                 ".clj", ".cljs", ".zig", ".nim", ".vue", ".svelte", ".y", ".yy", ".l", ".ll", ".g4",
                 ".jq",
                 # other parser and lexer generators' inputs (gettext's src/gettext_po_parser.yrl, Erlang's yecc,
                 # was data and came 9th for "where is the yecc grammar … defined?"): OCaml's, JavaCC's, LALRPOP's
                 ".yrl", ".xrl", ".mly", ".mll", ".jj", ".lalrpop",
                 # Ruby's type signatures (RBS), as a .pyi stub is Python's (http's sig/http.rbs was data)
                 ".rbs",
                 # templates, where a project's output is written (pdoc's HTML is its .html.jinja2 files)
                 ".jinja", ".jinja2", ".j2", ".twig", ".mustache", ".hbs", ".handlebars", ".ejs", ".njk", ".liquid",
                 ".erb", ".tmpl", ".gotmpl"} | set(syntax.SUFFIXES)
#: Files that configure the build, tools or docs whatever folder they sit in (lower-cased names):
#: Python's, Go's, and the build files of Java (Maven, Gradle, Ant), C and C++ (Make, CMake,
#: autotools, Meson) and Bazel.
CONFIG_NAMES = frozenset({
    # (and PhpStorm's type hints, which came 4th as code for commonmark's max nesting level)
    ".phpstorm.meta.php",
    "setup.py", "setup.cfg", "pyproject.toml", "makefile", "dockerfile", "noxfile.py", "tox.ini", "manifest.in",
    ".flake8", ".coveragerc", ".editorconfig", ".pre-commit-config.yaml", ".readthedocs.yaml", ".readthedocs.yml",
    "mypy.ini", "pytest.ini", ".isort.cfg", "conf.py", ".gitignore", ".gitattributes", "go.mod", "go.work",
    "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts", "gradle.properties",
    "gradle-wrapper.properties",  # the Gradle version the wrapper downloads (kotlin-result's was data)
    "build.xml", "cmakelists.txt", "configure.ac", "configure.in", "makefile.am", "gnumakefile", "meson.build",
    "meson_options.txt", "meson.options", "build.bazel", "workspace", "workspace.bazel", "module.bazel", "build.sbt", "cargo.toml",
    # Ruby, PHP, .NET, Swift, Elixir, and JavaScript tools' rc files
    "gemfile", "rakefile", "config.ru", "guardfile", "podfile", "phpunit.xml", "phpcs.xml", "psalm.xml",
    "phpstan.neon", "nuget.config", "packages.config", "app.config", "web.config", "package.swift", "mix.exs",
    # Elixir's linter and formatter (ex_machina's were code, answered first for two questions about code)
    ".credo.exs", ".formatter.exs", ".dialyzer_ignore.exs",
    ".babelrc", ".eslintrc", ".prettierrc", ".npmrc", ".nvmrc", ".mocharc", ".rspec", "cartfile",
    # C and C++ tools' and linters' rc files (nlohmann/json's "what clang-tidy checks are enabled?")
    ".clang-tidy", ".clang-format", ".clangd", ".cppcheck", "cpplint.cfg", ".shellcheckrc", ".yamllint",
    ".markdownlint.yaml", ".markdownlint.yml", ".golangci.yml", ".golangci.yaml", ".rubocop.yml", ".swiftlint.yml",
    # the build scripts a project runs by hand: zlib's hand-written `configure` and `Makefile.in` were
    # data (its "where does configure decide …" walked to a workflow), FluentValidation's build.ps1 too
    # (not Sphinx's docs/make.bat: "how do I build the docs on Windows?" asks for it as a docs page)
    "configure", "makefile.in", "build.ps1", "build.cake", "build.cmd", "build.bat", "build.sh",
    # GitHub Pages' marker, an empty file under docs/ that took the docs lift (pdoc's docs/.nojekyll)
    ".nojekyll",
    # Mill's build (fansi's build.mill was data), and its older name
    "build.mill", "build.sc",
    # the errors a PHP project's static analysis lets stand (guzzle's "which psalm errors are suppressed …")
    "psalm-baseline.xml", "phpstan-baseline.neon",
    # Java's linters (joda-money's src/main/checkstyle/checkstyle.xml was data: "which checkstyle rules does the
    # build enforce?" answered a class)
    "checkstyle.xml", "checkstyle-suppressions.xml", "suppressions.xml", "pmd.xml", "ruleset.xml",
    "spotbugs-exclude.xml", "findbugs-exclude.xml", "detekt.yml", ".scalafmt.conf",
    # fastlane's lanes and settings (Kingfisher's release lane in fastlane/Fastfile was data)
    "fastfile", "appfile", "matchfile", "pluginfile",
    # just's recipes, a Makefile of its own (just's `publish` recipe tags and publishes a release)
    "justfile", ".justfile",
})
#: What a locale's messages are written in (its folder says it is one): not settings.
#: Folders of a locale's messages (sidekiq's web/locales/, grape's lib/grape/locale/, Rails' config/locales/).
LOCALE_FOLDERS = frozenset({"locale", "locales", "i18n", "l10n", "translations", "lang", "langs"})
_MESSAGE_SUFFIXES = frozenset({".yml", ".yaml", ".json", ".po", ".pot", ".properties", ".toml", ".ini", ".xliff",
                               ".xlf", ".resx", ".strings", ".arb", ".ftl"})
#: A tool's settings written as a script (``jest.config.js``, ``vite.config.ts``, ``.eslintrc.cjs``).
_SCRIPTED_CONFIG = re.compile(r"\.config\.[cm]?[jt]s$|^\.(?:eslintrc|prettierrc|mocharc|babelrc)\.[cm]?js$|"
                               # PHP's tools configured in PHP (guzzle's .php-cs-fixer.dist.php was code)
                               r"^\.php[-_]cs(?:-fixer)?(?:\.dist)?(?:\.php)?$|^(?:rector|ecs)\.php$|"
                               # SwiftPM's manifest for a tools version (`Package@swift-5.9.swift`)
                               r"^package@swift-[\d.]+\.swift$")
#: What builds the project, of :data:`CONFIG_NAMES` (and ``package.json``): where "how is the build
#: configured?" is answered, before a ``.gitignore`` of a ``build/`` folder.
BUILD_FILES = frozenset({
    "setup.py", "pyproject.toml", "setup.cfg", "makefile", "gnumakefile", "makefile.am", "configure.ac", "configure.in",
    "cmakelists.txt", "meson.build", "pom.xml", "build.gradle", "build.gradle.kts", "build.xml", "build.sbt",
    "build.bazel", "cargo.toml", "go.mod", "package.json", "gemfile", "rakefile", "composer.json", "package.swift",
    "mix.exs", "directory.build.props", "configure", "makefile.in", "build.ps1", "build.cake", "build.cmd", "build.bat",
    "build.sh", "build.mill", "build.sc",
})
#: Build files known by their suffix: a gemspec, an MSBuild project or solution.
BUILD_SUFFIXES = frozenset({".gemspec", ".csproj", ".fsproj", ".vbproj", ".sln", ".slnx", ".cabal", ".podspec"})


def is_build_file(path: str) -> bool:
    """Whether ``path`` is one of the files that build the project (:data:`BUILD_FILES`,
    :data:`BUILD_SUFFIXES`)."""
    p = PurePosixPath(path.lower())
    return p.name in BUILD_FILES or p.suffix in BUILD_SUFFIXES


#: Folders that hold other projects' code copied in: a hit there is rarely where this project's
#: behaviour lives.
VENDORED_FOLDERS = frozenset({"vendor", "vendored", "_vendor", "third_party", "third-party", "thirdparty",
                              "3rdparty", "extern", "external", "node_modules", "bower_components"})
#: A file's first lines saying a tool wrote it (a Bison parser, a flex scanner, protobuf's
#: ``Code generated … DO NOT EDIT``): its source is another file.
_GENERATED_HEAD = re.compile(
    r"(?im)\bdo not edit\b|\bdon'?t edit (?:it|this)\b|@generated\b|made by gnu bison|"
    r"bison implementation for yacc|<auto-generated\b|"
    r"lexical scanner generated by flex|^\W{0,4}(?:this|the) (?:file|module|code|source)(?: file)? "
    r"(?:is|was|has been) (?:automatically |auto-?)?generated|^\W{0,4}(?:auto-?generated|automatically generated|"
    r"generated (?:by|from|with|using)) ")
#: Lines of a file's head read for :data:`_GENERATED_HEAD`.
GENERATED_HEAD_LINES = 12


#: A script or style sheet named with its release (``handlebars-v4.7.9.js``, ``jquery-3.6.0.min.js``):
#: another project's file copied in where no vendor folder says so (handlebars.java keeps the
#: JavaScript it runs under ``src/main/resources``; a question on its own helpers answered it).
_RELEASE_NAMED_COPY = re.compile(r"[a-z][\w.]*?[-_.]v?\d+\.\d+(?:\.\d+)?(?:[-.][\w]+)?(?:\.min)?\.(?:js|css)")


#: Lockfiles: what a build resolved each dependency to (data, but the answer to "which version is locked?").
LOCKFILES = frozenset({"cargo.lock", "composer.lock", "gemfile.lock", "package-lock.json", "npm-shrinkwrap.json",
                       "yarn.lock", "pnpm-lock.yaml", "bun.lock", "poetry.lock", "uv.lock", "pipfile.lock", "pdm.lock",
                       "mix.lock", "package.resolved", "go.sum", "podfile.lock", "pubspec.lock", "packages.lock.json",
                       "gradle.lockfile", "flake.lock", "cartfile.resolved"})


def is_lockfile(path: str) -> bool:
    """Whether ``path`` is a lockfile (:data:`LOCKFILES`)."""
    return PurePosixPath(path.lower()).name in LOCKFILES


def is_vendored(path: str) -> bool:
    """Whether ``path`` lies in a folder of copied-in code (:data:`VENDORED_FOLDERS`) or is a
    script named with its release (:data:`_RELEASE_NAMED_COPY`)."""
    p = PurePosixPath(path.lower())
    folders = p.parts[:-1]
    if p.suffix == ".rs" and "src" in folders and VENDORED_FOLDERS.isdisjoint(folders[:folders.index("src")]) \
            and set(folders[folders.index("src"):]) & VENDORED_FOLDERS <= {"external", "extern"}:
        return False  # a Rust crate's own module named so (bitflags' src/external/serde.rs, `pub mod serde;`)
    return not VENDORED_FOLDERS.isdisjoint(folders) or _RELEASE_NAMED_COPY.fullmatch(p.name) is not None


#: A Rust module's own tests: ``#[cfg(test)]`` over a ``mod`` (a crate without ``tests/`` keeps them so).
#: (Not ``mod tests;``, which only names the file holding them: hyperfine's src/export/mod.rs.)
_RUST_TEST_MODULE = re.compile(r"(?m)^[ \t]*#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?"
                               r"mod\s+\w+\s*\{")


#: A Rust test function (``#[test]``, ``#[tokio::test]``, with more attributes after it).
_RUST_TEST_FN = re.compile(r"(?m)^[ \t]*#\[(?:tokio::)?test\]\s*(?:#\[[^\]]*\]\s*)*(?:pub\s+)?(?:async\s+)?fn\s")


def own_tests_line(path: str, text_of: Callable[[str], str | None]) -> int | None:
    """The line where the source file ``path`` (code, not a test file) starts the tests it holds
    of its own — a Rust module's ``#[cfg(test)] mod tests { … }`` (httparse keeps all but one
    file's tests in src/lib.rs), or its first ``#[test]`` function — or None. ``text_of`` reads a
    file (only a ``.rs`` path is read)."""
    if not path.endswith(".rs"):
        return None
    text = text_of(path) or ""
    # (or `#[test]` functions at the module's level: hyperfine's timer/unix_timer.rs)
    starts = [found.start() for pattern in (_RUST_TEST_MODULE, _RUST_TEST_FN) if (found := pattern.search(text))]
    return text.count("\n", 0, min(starts)) + 1 if starts else None


def is_generated(head: str) -> bool:
    """Whether a file whose text starts with ``head`` says a tool generated it."""
    return _GENERATED_HEAD.search("\n".join(head.split("\n", GENERATED_HEAD_LINES)[:GENERATED_HEAD_LINES])) is not None


#: ``requirements.txt``, ``requirements-dev.in``, ``constraints.txt`` …
_REQUIREMENTS_RE = re.compile(r"(requirements|constraints)([-_.][\w.-]+)?\.(txt|in)")
_DEF_RE = re.compile(r"^\s*(?:async\s+def|def|class|function|func|fn|struct|interface|type)\s+([A-Za-z_][A-Za-z0-9_]*)",
                     re.MULTILINE)


#: ``x.test.ts``, ``x.spec.js``, ``x.test.tsx`` …: the JavaScript/TypeScript test convention; ``x.test-d.ts``
#: is tsd's type test (execa holds 119; one was answered as the code that kills a child process).
_JS_TEST_RE = re.compile(r"\.(test|spec|test-d)\.[cm]?[jt]sx?$")
#: ava's and tape's one file of tests beside a package's index.js (p-limit's test.js, read as code,
#: answered "how does limit.map keep the order?" and was passed over for "which test covers …?");
#: at a package's top only (tape's lib/test.js is its Test class).
_JS_TEST_FILE = re.compile(r"(?:packages/[^/]+/)?(?:test|tests|spec)\.[cm]?[jt]sx?")


#: Gradle's and Kotlin Multiplatform's test source sets (``src/androidTest``, ``src/commonTest``,
#: ``src/jvmTest``, ``src/integrationTest``), lower-cased; Maven's ``src/test`` is a ``test`` folder.
_SOURCE_SET_TEST = re.compile(r"(?:android|androidunit|androidinstrumented|integration|functional|acceptance|common|"
                              r"jvm|js|native|ios|tvos|watchos|macos|apple|darwin|linux|mingw|unix|posix|wasm|wasmjs|"
                              r"wasmwasi|nonjvm|nonwasm|nonapple|nonjs|jsandwasm|jvmandroid|concurrent|shared)test"
                              r"|testfixtures")
#: A JVM test class's file (``CallTest.java``, ``RetrofitTests.kt``, ``ServerIT.java``), as written, and
#: PHPUnit's beside its source (flysystem's ``src/PathPrefixerTest.php``, ``FtpAdapterTestCase.php``).
_JVM_TEST_NAME = re.compile(r"^[A-Z]\w*?(?:Tests?|IT)\.(?:java|kt|scala|groovy)$|^[A-Z]\w*?(?:Tests?|TestCase)\.php$|"
                            # and XCTest's (KeychainAccess's Lib/KeychainAccessTests/ErrorTypeTests.swift was code)
                            r"^[A-Z]\w*?(?:Tests?|Spec)\.(?:swift|m|mm)$")
#: An Xcode test target's folder (``KeychainAccessTests``, ``AlamofireUITests``), as written.
_XCODE_TEST_FOLDER = re.compile(r"^[A-Z]\w*Tests$")
#: A .NET test project's folder (``CommandLine.Tests``, ``App.UnitTests``, ``Core.Specs``).
_DOTNET_TEST_FOLDER = re.compile(r"[\w.-]+\.(?:tests?|unittests?|integrationtests?|specs?)$")
#: A .NET benchmark project's folder (``FluentValidation.Tests.Benchmarks``, ``App.Benchmark``): a
#: script, as ``benchmarks/`` is (its data set's hundred `.RuleFor(…)` ranked over the library's rules).
_DOTNET_BENCH_FOLDER = re.compile(r"[\w.-]+\.(?:benchmarks?|perf|performance)(?:tests?)?$")


#: What a Maven site writes its pages in (xdoc, APT, FAQ markup, Velocity, HTML).
_SITE_PAGES = frozenset({".xml", ".html", ".htm", ".xhtml", ".apt", ".fml", ".vm", ".md"})


#: A docs site's assets: in a docs folder, data, not pages.
_SITE_ASSETS = frozenset({".css", ".scss", ".sass", ".less", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico",
                          ".webp", ".woff", ".woff2", ".ttf", ".eot", ".otf", ".psd", ".ai", ".sketch", ".xcf"})
#: A docs site's templates (Jekyll's `_includes/`, `_layouts/`): no pages (Dapper's docs/_includes/head-custom.html,
#: a favicon's three lines, answered "how do I register a custom type handler?").
_SITE_TEMPLATES = frozenset({"_includes", "_layouts", "_sass", "_data", "layouts", "partials"})
#: Roslyn's public API analyzer's listings.
_PUBLIC_API_LIST = re.compile(r"publicapi\.(?:un)?shipped\.txt")
#: vitest's and others' benchmark files (cookie's src/parse-cookie.bench.ts took the first five beside index.ts).
_JS_BENCH_FILE = re.compile(r"\.(?:bench|benchmark)\.[cm]?[jt]sx?$")
_SITE_MAPS = frozenset({"sitemap.xml", "browserconfig.xml", "robots.txt", "site.webmanifest", "manifest.json"})


#: Go's benchmark files beside the code (negroni's negroni_bench_test.go).
_GO_BENCH_FILE = re.compile(r"_bench(?:mark)?_test\.go$")
#: Folders of benchmarks: their files are scripts, whatever they are named.
_BENCH_FOLDERS = frozenset({"benchmarks", "benchmark", "bench", "benches"})
#: Folders of scripts, at a repository's top, a monorepo package's, or a tooling folder's (`.github/scripts/`).
_SCRIPT_FOLDERS = frozenset({"scripts", "script", "tools", "bin", "exe", "fuzz"}) | _BENCH_FOLDERS
#: Folders of a repository's own tooling, whose scripts/ are scripts too.
_TOOLING_FOLDERS = frozenset({".github", ".circleci", ".gitlab", ".ci", "ci", "dev", "hack", "build", "util", "utils",
                              "misc", "etc"})
#: The folders a monorepo keeps its packages in.
_PACKAGE_FOLDERS = frozenset({"packages", "crates", "libs", "modules", "apps", "projects", "plugins", "components"})
#: A script named for making releases: ``publish.sh``, ``release.sh``, ``deploy-docs.sh``, ``bump_version.sh``.
_RELEASE_SCRIPT_NAME = re.compile(r"(?:publish|release|deploy|upload|bump)(?:[-_.]|$)")


@lru_cache(maxsize=1 << 16)
def file_kind(path: str) -> str:
    """One word for what kind of file this is, from its path alone (remembered: it is asked of
    every candidate of every question, and reads a few patterns)."""
    p = PurePosixPath(path.lower())
    if p.suffix == ".dist" and p.stem:  # phpunit.xml.dist, phpstan.neon.dist: the template of what it names
        # (not a backup: GuardClauses' azure-pipelines.yml.bak, read as config, answered "how does a new version
        # get published to NuGet?" over the workflow that does it)
        p = p.with_name(p.stem)
    elif p.suffix == ".in" and PurePosixPath(p.stem).suffix in CONFIG_SUFFIXES | {".cmake", ".pc", ".toml"}:
        # a configure-time template of a config file (magic_enum's cmake/magic_enumConfig.cmake.in was data)
        p = p.with_name(p.stem)
    parts = set(p.parts[:-1])
    name, suffix = p.name, p.suffix
    # the build of a top-level test project (mockito-kotlin's tests/build.gradle, tests/gradle.properties) is config
    if len(p.parts) == 2 and p.parts[0] in ("test", "tests") and name in CONFIG_NAMES and suffix != ".py":
        return "config"
    # a top-level script that makes releases (funcy's publish.sh, read as code, never took the release lift)
    if len(p.parts) == 1 and suffix in {".sh", ".bash", ".ps1"} and _RELEASE_SCRIPT_NAME.match(name):
        return "script"
    # a top-level scripts/ file named for the tests it writes is a script (colormath's scripts/generate_tests.py,
    # first by its words, ended third for its own question); code only: a script's JSON is its data
    # (a benchmark inside tests/ stays a test: as a script, Specification's Benchmark1_IQueryable.cs, a copy of
    # the evaluator's code, took "where does the EF Core evaluator decide the order …?")
    if suffix in CODE_SUFFIXES and {"scripts", "script"}.intersection(p.parts[:1]) \
            and not parts & {"test", "tests", "__tests__", "spec", "fixtures"}:
        return "script"
    # Go's benchmark files, as vitest's `.bench.ts` (negroni's negroni_bench_test.go, first by its words, came 7th
    # behind the test prior for "where is the benchmark for the middleware chain?")
    if _GO_BENCH_FILE.search(name) and not parts & {"test", "tests", "testdata"}:
        return "script"  # (the test folders' own stay tests)
    # `test_*.go` is code (Go's tests are `*_test.go`: testify's `http/test_response_writer.go`)
    # (`testing/` only as the top folder: in a package it is the library's own, pendulum's testing/traveller.py)
    # (and a snapshot test's expected output: jest's and vitest's `__snapshots__/*.snap`, insta's `snapshots/`;
    # cookie's and similar's were data, 8th and nowhere for "which snapshot file holds …?")
    if parts & {"test", "tests", "__tests__", "__mocks__", "test-d", "fixtures", "__fixtures__", "__snapshots__"} \
            or suffix == ".snap" or "snapshots" in parts and suffix not in CODE_SUFFIXES \
            or (len(p.parts) > 1 and p.parts[0] == "testing") \
            or any(_SOURCE_SET_TEST.fullmatch(part) for part in parts) \
            or suffix == ".feature" or "step_definitions" in parts or ("features" in parts and parts & {"steps", "support"}) \
            or _JVM_TEST_NAME.match(PurePosixPath(path).name) \
            or (name.startswith("test_") and suffix != ".go") \
            or name.endswith(("_test.py", "_tests.py", "_test.go", "_spec.rb", "_test.rb", "_test.exs", "_spec.lua")) \
            or name == "conftest.py" \
            or _JS_TEST_RE.search(name) or _JS_TEST_FILE.fullmatch(p.as_posix()) or (suffix == ".rb" and "spec" in parts) \
            or any(_DOTNET_TEST_FOLDER.match(part) for part in parts) \
            or any(_XCODE_TEST_FOLDER.match(part) for part in PurePosixPath(path).parts[:-1]):
        return "test"
    # a Maven site's pages (commons-cli's src/site/xdoc/*.xml, site.xml) and javadoc overview: its assets are data
    # (its resources/ are none: commons-csv's src/site/resources/spotbugs/spotbugs-exclude-filter.xml, a tool's
    # settings, took the docs lift; Maven's changes plugin keeps the changelog in src/changes/changes.xml)
    if "src/site/resources/" in f"/{p.as_posix()}":
        return "config" if suffix == ".xml" else "data"
    if f"/{p.as_posix()}".endswith("src/changes/changes.xml"):
        return "docs"
    if "src/site/" in f"/{p.as_posix()}" or "src/main/javadoc/" in f"/{p.as_posix()}":
        return "docs" if suffix in DOC_SUFFIXES | _SITE_PAGES else "data"
    if parts & {"issue_template", "pull_request_template", "discussion_template"}:
        return "docs" if suffix in DOC_SUFFIXES else "data"  # GitHub's forms for reporters, not the project's settings
    if parts & LOCALE_FOLDERS and suffix in _MESSAGE_SUFFIXES:
        return "data"  # a locale's messages, no setting (sidekiq's web/locales/hi.yml answered a config question)
    if suffix in {".po", ".pot", ".mo"}:
        # a gettext catalog wherever it lies, no page: bottle's docs/_locale/*/LC_MESSAGES/routing.po and its
        # _pot/ templates (the English pages' sentences copied) took the docs lift and five of the first ten places
        return "data"
    if name in CONFIG_NAMES or _REQUIREMENTS_RE.fullmatch(name) or _SCRIPTED_CONFIG.search(name) \
            or (p.parent.name == "requirements" and suffix in {".txt", ".in"}) \
            or ".teamcity" in parts:  # TeamCity's settings, in its Kotlin DSL (settings.kts was code)
        return "config"
    # Go leaves `_examples/` out of its builds (validator's took a pasted error's message lift as code)
    # (SwiftPM's Snippets/ too: swift-log's Snippets/basic-usage.swift)
    # (and a top-level website/'s code, the docs site or a demo app's: colormath's website/…/ColorPickerViewModel.kt
    # was among the first five of 9 of 13 questions on the library)
    if parts & {"example", "examples", "_example", "_examples", "demo", "demos", "sample", "samples", "tutorial",
                "snippets"} or p.parts[0] == "website" and len(p.parts) > 2:
        # a page of a tutorial or an examples folder's README is documentation (typer's
        # docs/tutorial/parameter-types/number.md was an "example", and took no docs lift)
        return "docs" if suffix in DOC_SUFFIXES else "example"
    # a docs site's styles, fonts, images and sitemaps are no pages (CsvHelper's docs/sitemap.xml and
    # docs/styles/sidebar.css took the docs lift over the code a "how do I" asked for)
    if parts & {"doc", "docs", "documentation"} and (suffix in _SITE_ASSETS or name in _SITE_MAPS
                                                      or parts & _SITE_TEMPLATES and suffix not in DOC_SUFFIXES):
        return "data"
    # Roslyn's public API listings, which its analyzer keeps (Dapper's PublicAPI.Shipped.txt took the docs lift)
    if _PUBLIC_API_LIST.fullmatch(name):
        return "data"
    # (and a changelog without a suffix: w3lib's NEWS was data, and "what changed in 2.4.1?" never reached it)
    if suffix in DOC_SUFFIXES or parts & {"doc", "docs", "documentation"} \
            or name in {"readme", "changes", "license"} \
            or len(p.parts) == 1 and name in {"news", "history", "changelog"} \
            or (re.fullmatch(r"\.[1-9]", suffix) and any(part.startswith("man") for part in parts)):  # a man page
        return "docs"
    if suffix in CONFIG_SUFFIXES:
        return "config"
    # GitHub's "scripts to rule them all" keep theirs in script/ (faraday_middleware's script/release)
    # and Cargo's benches/ and fuzz/ (httparse's benches/parse.rs, fuzz/fuzz_targets/*.rs were code)
    # — at the top, or a package's of a monorepo: a package's own `script/` is its code (alembic's alembic/script/,
    # its revision machinery, was filtered out of every answer about it)
    # (benchmarks and fuzz targets anywhere: Humanizer's src/Benchmarks/ project)
    if "fuzz" in parts or _SCRIPT_FOLDERS.intersection(p.parts[:1]) \
            or len(p.parts) > 2 and p.parts[0] in _PACKAGE_FOLDERS and p.parts[2] in _SCRIPT_FOLDERS \
            or len(p.parts) > 2 and p.parts[0] in _TOOLING_FOLDERS | _PACKAGE_FOLDERS \
            and p.parts[1] in _SCRIPT_FOLDERS \
            or _benchmark_path(p):  # zod's packages/bench ranked over its core; cookie's src/*.bench.ts
        return "script"
    if suffix in CODE_SUFFIXES:
        return "code"
    return "data"


def _benchmark_path(p: PurePosixPath) -> bool:
    """Whether the lower-cased path ``p`` is a benchmark's: in a benchmarks folder (Cargo's benches/, a
    .NET `*.Benchmarks` project), vitest's `*.bench.ts`, Go's `*_bench_test.go`."""
    folders = p.parts[:-1]
    return bool(_BENCH_FOLDERS.intersection(folders)) or any(_DOTNET_BENCH_FOLDER.match(part) for part in folders) \
        or _JS_BENCH_FILE.search(p.name) is not None or _GO_BENCH_FILE.search(p.name) is not None


def is_benchmark(path: str) -> bool:
    """Whether ``path`` is a benchmark (:func:`_benchmark_path`) that :func:`file_kind` reads as a script
    (a benchmark inside tests/ stays a test)."""
    return file_kind(path) == "script" and _benchmark_path(PurePosixPath(path.lower()))


_PARSING = threading.Lock()


def parse_python(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, one thread at a time: CPython 3.11 parsing in two threads at once can
    fail with ``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905),
    which two Explorers answering at once on new commits met. Every parse of the package goes
    through here or :func:`python_literal`. Raises what ``ast.parse`` raises. The parser's
    warnings about the text (``'\\d'``, an invalid escape sequence, common in old code: a
    SyntaxWarning that Python 3.12 and later print by default) are not shown: the text is
    the repository's, read, not run."""
    with _PARSING, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, filename=filename)


def python_literal(text: str) -> object:
    """``ast.literal_eval(text)``, its parse one thread at a time and quiet (see
    :func:`parse_python`)."""
    with _PARSING, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text.lstrip(" \t"), mode="eval")
    return ast.literal_eval(tree)


@lru_cache(maxsize=4096)
def definitions(path: str, text: str) -> tuple[str, ...]:
    """Names a file defines (classes, functions, methods and types; module constants for
    Python, constants and macros for the languages tree-sitter reads)."""
    if path.endswith((".py", ".pyi")):
        try:
            tree = parse_python(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return tuple(dict.fromkeys(_DEF_RE.findall(text)))
        names: list[str] = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append(node.name)
        for node in tree.body:
            if isinstance(node, ast.Assign):
                names += [t.id for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()]
        return tuple(dict.fromkeys(names))
    parsed = syntax.outline(path, text)
    if parsed is not None:
        return tuple(dict.fromkeys(d.name for d in parsed))
    if PurePosixPath(path).suffix in CODE_SUFFIXES:
        return tuple(dict.fromkeys(_DEF_RE.findall(text)))
    return ()


#: Tables whose keys are packaging metadata (pyproject ``[project]``, setup.cfg ``[metadata]``/``[options]`` …).
_METADATA_TABLES = frozenset({"project", "metadata", "options", "build-system", "tool.poetry"})
_SECTION_RE = re.compile(r"\[\[?\s*([^\]\s]+?)\s*\]\]?\s*(?:[#;].*)?")
_KEY_RE = re.compile(r"([A-Za-z0-9_.\"'-]+)\s*[=:]")
_YAML_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:", re.MULTILINE)
_SETTING_SPLIT = re.compile(r"[.:_\-\s\"']+")
#: Words too common in questions ("which file …") or in keys (``readme.content-type``) to tell files apart.
_SETTING_STOP = frozenset({"tool", "file", "files", "type", "content", "per", "ini", "egg", "info"})
_INI_NAMES = frozenset({".flake8", ".coveragerc", ".pylintrc", "pylintrc", ".isort.cfg", "mypy.ini", "pytest.ini",
                        "tox.ini", "setup.cfg"})


def _words(name: str) -> list[str]:
    """``tool.ruff.lint`` → ruff, lint; ``requires-python`` → requires, python."""
    words = (w.lower() for w in _SETTING_SPLIT.split(name))
    return [w for w in words if len(w) > 2 and not w.isdigit() and w not in _SETTING_STOP]


def settings(path: str, text: str) -> tuple[str, ...]:
    """Words naming what a configuration file sets: the names of its sections
    (``[tool.ruff]`` → ruff, ``[coverage:run]`` → coverage, run), the fields of its
    packaging-metadata tables (``requires-python`` → requires, python) and, for YAML, its
    top-level keys. Empty for anything that is not a TOML, INI-style or YAML file.

    The config counterpart of :func:`definitions`: "which file configures ruff?" is
    answered by the file with a ``[tool.ruff]`` table, which BM25 often ranks below code
    that merely mentions ruff.
    """
    p = PurePosixPath(path.lower())
    if p.suffix in {".yaml", ".yml"}:
        return tuple(dict.fromkeys(w for key in _YAML_KEY_RE.findall(text) for w in _words(key)))
    if p.suffix not in {".toml", ".cfg", ".ini"} and p.name not in _INI_NAMES:
        return ()
    words: list[str] = []
    table = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        section = _SECTION_RE.fullmatch(line)
        if section:
            table = section.group(1).strip("\"'").lower()
            words += _words(table)
            continue
        if table in _METADATA_TABLES and raw[:1] not in (" ", "\t"):
            key = _KEY_RE.match(line)
            if key:
                words += _words(key.group(1))
    return tuple(dict.fromkeys(words))


def headings(text: str, limit: int = 40) -> tuple[str, ...]:
    """Markdown / RST section titles (for docs)."""
    out: list[str] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#"):
            out.append(line.lstrip("#").strip())
        elif i + 1 < len(lines) and line.strip() and re.fullmatch(r"([=\-~^*])\1{2,}", lines[i + 1].strip()):
            out.append(line.strip())
        if len(out) >= limit:
            break
    return tuple(out)
