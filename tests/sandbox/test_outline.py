"""File kinds, definitions and the settings of config files."""
from __future__ import annotations

import pytest

from explore.sandbox.outline import definitions, file_kind, headings, settings


@pytest.mark.parametrize("path, kind", [
    ("src/pkg/core.py", "code"), ("tests/test_core.py", "test"), ("pkg/conftest.py", "test"),
    ("docs/usage.rst", "docs"), ("README.md", "docs"), ("examples/demo/app.py", "example"),
    ("pyproject.toml", "config"), ("setup.py", "config"), ("scripts/release.py", "script"), ("data/x.bin", "data"),
    # requirements and packaging files are config wherever they sit, whatever their suffix
    ("requirements.txt", "config"), ("requirements/tests.txt", "config"), ("requirements/docs.in", "config"),
    ("docs/requirements-docs.txt", "config"), ("examples/app/requirements.txt", "config"),
    ("constraints.txt", "config"), ("MANIFEST.in", "config"), (".flake8", "config"), ("docs/conf.py", "config"),
    ("Makefile", "config"), ("docs/notes.txt", "docs"), ("requirements_notes.md", "docs"),
    # the test conventions of Go and JavaScript/TypeScript
    ("command_test.go", "test"), ("command.go", "code"), ("src/app.test.ts", "test"), ("lib/x.spec.mjs", "test"),
    ("src/__tests__/view.tsx", "test"), ("lib/router/index.js", "code"), ("src/latest.ts", "code"),
    ("test-d/subprocess/subprocess.test-d.ts", "test"), ("index.test-d.ts", "test"), ("types/test-data.d.ts", "code"),
    # every suffix tree-sitter reads is code
    ("src/view.tsx", "code"), ("lib/app.mjs", "code"), ("src/widget.cc", "code"), ("include/widget.hpp", "code"),
    # the build files of Java, C and C++ are config (CMakeLists.txt was a docs page, pom.xml data)
    ("pom.xml", "config"), ("gson/pom.xml", "config"), ("build.gradle.kts", "config"), ("CMakeLists.txt", "config"),
    ("src/CMakeLists.txt", "config"), ("configure.ac", "config"), ("Makefile.am", "config"),
    ("meson.build", "config"), ("cmake/warnings.cmake", "config"),
    # a grammar is the source of its generated parser; languages without a grammar here are code too
    ("src/parser.y", "code"), ("src/lexer.l", "code"), ("app/src/Main.kt", "code"), ("Sources/App.swift", "code"),
    ("src/Program.cs", "code"), ("lib/Foo.php", "code"),
    # a tutorial's pages are docs (typer's docs/tutorial/…/number.md took no docs lift), its code an example
    ("docs/tutorial/parameter-types/number.md", "docs"), ("examples/README.md", "docs"),
    ("docs/tutorial/app.py", "example"),
    # the build and tool files of Ruby, PHP and .NET are config (all were "data"), and their tests are tests
    ("Gemfile", "config"), ("Rakefile", "config"), ("sinatra.gemspec", "config"), ("config.ru", "config"),
    ("phpunit.xml.dist", "config"), ("phpstan.neon.dist", "config"), ("composer.json", "config"),
    # a backup is no settings file (GuardClauses' azure-pipelines.yml.bak, as config, answered a release question)
    ("azure-pipelines.yml.bak", "data"), ("src/parser.c.orig", "data"), ("notes.bak", "data"),
    ("gradle/wrapper/gradle-wrapper.properties", "config"),
    # a script writing tests is a script; a benchmark inside the tests' folder stays a test
    ("tests/App.Benchmarks/Benchmark5_Include.cs", "test"),
    ("scripts/generate_tests.py", "script"), ("scripts/tests/test_release.py", "test"),
    ("benches/README.md", "docs"), ("scripts/top-cookie.json", "config"),
    # a top-level website's code is the site's or a demo's, not the library's
    ("website/src/wasmJsMain/kotlin/ColorPickerViewModel.kt", "example"), ("website/docs/intro.md", "docs"),
    # a Maven site's resources are no pages (commons-csv's spotbugs filter took the docs lift), its
    # changes plugin's changes.xml is the changelog
    ("src/site/resources/spotbugs/spotbugs-exclude-filter.xml", "config"), ("src/site/resources/logo.png", "data"),
    ("src/site/xdoc/index.xml", "docs"), ("src/changes/changes.xml", "docs"),
    ("src/CommandLine/CommandLine.csproj", "config"), ("Directory.Build.props", "config"), ("App.sln", "config"),
    ("nuget.config", "config"), ("jest.config.js", "config"), (".eslintrc.cjs", "config"), ("src/config.js", "code"),
    ("Gemfile.lock", "data"), ("spec/namespace_spec.rb", "test"), ("sinatra-contrib/spec/spec_helper.rb", "test"),
    ("test/routing_test.rb", "test"), ("CommandLine.Tests/ParserTests.cs", "test"), ("lib/sinatra/base.rb", "code"),
    ("openapi/spec/api.yaml", "config"),
    ("project/plugins.sbt", "config"), ("Alamofire.podspec", "config"), ("Package.swift", "config"),
    ("Sources/App/Session.swift", "code"), ("src/main/scala/Parser.scala", "code"),
    # Go's tests end in _test.go: testify's http/test_response_writer.go is code; jq's library is jq code
    ("http/test_response_writer.go", "code"), ("http/writer_test.go", "test"), ("test_util.py", "test"),
    ("src/builtin.jq", "code"),
    # Gradle's and Kotlin Multiplatform's test source sets and JVM test classes (retrofit's androidTest, okio's
    # commonTest were code); javapoet's TypeSpec.java is code
    ("retrofit/android-test/src/androidTest/java/retrofit2/BasicCallTest.java", "test"),
    ("okio/src/commonTest/kotlin/okio/BufferTest.kt", "test"), ("okio/src/jvmTest/kotlin/okio/Helpers.kt", "test"),
    ("app/src/integrationTest/java/ServerIT.java", "test"), ("core/src/main/java/CallTest.java", "test"),
    ("src/main/java/com/squareup/javapoet/TypeSpec.java", "code"), ("src/main/java/Latest.java", "code"),
    ("src/main/kotlin/Split.kt", "code"),
    # PHP's tools configured in PHP
    (".php-cs-fixer.dist.php", "config"), (".php-cs-fixer.php", "config"), (".php_cs.dist", "config"),
    ("rector.php", "config"), ("src/Client.php", "code"),
    # Cucumber's (and behave's) features are tests; a React app's feature folders are code
    ("features/supports_redirection.feature", "test"), ("features/steps/mongrel_helper.rb", "test"),
    ("features/step_definitions/web_steps.rb", "test"), ("src/features/cart/CartView.tsx", "code"),
    # Go's `_examples/` (left out of its builds), a benchmark package, fixtures (validator's and zod's)
    ("_examples/simple/main.go", "example"), ("packages/bench/compile-output.ts", "script"),
    ("packages/integration/fixtures/internal-types/index.ts", "test"), ("packages/zod/src/v4/core/regexes.ts", "code"),
    # a locale's messages are no settings (sidekiq's web/locales/hi.yml answered a config question); linters' rc files are
    ("web/locales/hi.yml", "data"), ("config/locales/en.yml", "data"), ("src/locales/fr.ts", "code"),
    # a gettext catalog is no page, in a docs folder too (bottle's docs/_locale/de_DE/LC_MESSAGES/routing.po)
    ("docs/_locale/de_DE/LC_MESSAGES/routing.po", "data"), ("docs/_locale/_pot/routing.pot", "data"),
    (".clang-tidy", "config"), (".clang-format", "config"), ("config/app.yml", "config"),
    # Xcode's and SwiftPM's build files (Alamofire's)
    ("Alamofire.xcodeproj/xcshareddata/xcschemes/Alamofire tvOS.xcscheme", "config"),
    ("Alamofire.xcodeproj/project.pbxproj", "config"), ("Package@swift-5.9.swift", "config"),
    ("Source/Core/Session.swift", "code"),
    # build scripts run by hand (zlib's configure and Makefile.in, a build.ps1) — not Sphinx's docs/make.bat,
    # asked for as a docs page ("how do I build the docs on Windows?"); a .NET benchmark project is a script
    ("configure", "config"), ("Makefile.in", "config"), ("build.ps1", "config"), ("docs/make.bat", "docs"),
    ("src/FluentValidation.Tests.Benchmarks/DataSet.cs", "script"), ("src/App.Benchmarks/Run.cs", "script"),
    ("src/FluentValidation.Tests/RuleTests.cs", "test"), ("src/FluentValidation/Rules.cs", "code"),
    # a gem's executables (rake's exe/rake was data)
    ("exe/rake", "script"), ("bin/setup", "script"),
    # PHPUnit's tests beside their source (flysystem's src/ holds 38)
    ("src/PathPrefixerTest.php", "test"), ("src/Ftp/FtpAdapterTestCase.php", "test"), ("src/PathPrefixer.php", "code"),
    ("src/Framework/TestCase.php", "code"),
    # templates are code (pdoc's HTML); GitHub Pages' empty marker is no docs page
    ("pdoc/templates/default/module.html.jinja2", "code"), ("app/views/users/show.html.erb", "code"),
    ("docs/.nojekyll", "config"),
    # a package's testing/ is its own code (pendulum.travel() lives in src/pendulum/testing/traveller.py)
    ("src/pendulum/testing/traveller.py", "code"), ("testing/run_all.py", "test"),
    # a top-level test project's build is config, a fixture's is test data; Mill's build (fansi's)
    ("tests/build.gradle", "config"), ("tests/gradle.properties", "config"), ("tests/conftest.py", "test"),
    ("tests/fixtures/app/pyproject.toml", "test"), ("build.mill", "config"),
    ("gson/src/main/resources/META-INF/proguard/gson.pro", "config"), ("psalm-baseline.xml", "config"),
    ("test.js", "test"), ("packages/core/test.mjs", "test"), ("test.ts", "test"), ("latest.js", "code"),
    ("lib/test.js", "code"), ("justfile", "config"),
    # scripts-to-rule-them-all's script/ (faraday_middleware's script/release); a man page
    ("script/release", "script"), ("script/bootstrap", "script"), ("share/man/man1/minisign.1", "docs"),
    # a Maven site's pages and javadoc overview, its assets (commons-cli's); Ruby's RBS signatures (http's sig/)
    ("src/site/xdoc/release_1_2.xml", "docs"), ("src/site/site.xml", "docs"), ("core/src/site/apt/index.apt", "docs"),
    ("src/main/javadoc/overview.html", "docs"), ("src/site/resources/images/svg/diagrams-cli2.js", "data"),
    ("web/src/site.js", "code"), ("sig/http.rbs", "code"),
    # Cargo's benches/ and fuzz/, SwiftPM's Snippets/, a .slnx solution
    ("benches/parse.rs", "script"), ("fuzz/fuzz_targets/parse_chunk_size.rs", "script"),
    ("Snippets/basic-usage.swift", "example"), ("NSubstitute.slnx", "config"),
    # a top-level release script (funcy's publish.sh; nvm's nvm.sh is its code), Elixir's linter and formatter
    # settings (ex_machina's); a benchmark named as a test stays a test (as a script, attrs' bench/test_benchmarks.py
    # and twisted's benchmarks/test_deferred.py took two real questions from the code they measure)
    ("bench/test_curry.py", "test"), ("tests/benchmarks/test_speed.py", "test"), ("publish.sh", "script"),
    ("release-docs.sh", "script"), ("nvm.sh", "code"), ("releasenotes.sh", "code"), (".credo.exs", "config"),
    (".formatter.exs", "config"), ("lib/ex_machina.ex", "code"),
    # a package's own script/ or tools/ is its code (alembic's alembic/script/revision.py); a monorepo package's is not
    ("alembic/script/revision.py", "code"), ("src/twisted/scripts/trial.py", "code"), ("lib/tools/x.rb", "code"),
    ("packages/cli/scripts/build.js", "script"), ("crates/core/tools/gen.rs", "script"),
    # a tooling folder's scripts; benchmarks anywhere (Humanizer's src/Benchmarks/; hyperfine's own src/benchmark/
    # module too, which no question lost)
    (".github/scripts/check.py", "script"), ("src/Benchmarks/RomanNumeralBenchmarks.cs", "script"),
    # C++20 module units (CLI11's src/modules/CLI11.cppm was data)
    ("src/modules/CLI11.cppm", "code"), ("src/mod.ixx", "code"),
    # a docs site's assets are no pages (CsvHelper's docs/sitemap.xml, docs/styles/sidebar.css took the docs lift)
    ("docs/sitemap.xml", "data"), ("docs/styles/sidebar.css", "data"), ("docs/robots.txt", "data"),
    ("docs/reference/config.xml", "docs"), ("docs/index.html", "docs"),
    # a configure-time template of a config file (magic_enum's), Java's linters' settings (joda-money's)
    ("cmake/magic_enumConfig.cmake.in", "config"), ("src/main/checkstyle/checkstyle.xml", "config"),
    ("config.h.in", "data"), ("MANIFEST.in", "config"),
    # a design file in a docs folder (rq's docs/design/favicon.psd)
    ("docs/design/favicon.psd", "data"),
    # Appraisal's gemfiles (grape's), PhpStorm's type hints (commonmark's); an Appraisal lockfile stays data
    ("gemfiles/rails_edge.gemfile", "config"), (".phpstorm.meta.php", "config"),
    ("gemfiles/rails_7.gemfile.lock", "data"),
    # an Xcode test target's files (KeychainAccess's Lib/KeychainAccessTests/ErrorTypeTests.swift was code, and took
    # "where are OSStatus codes turned into messages?"), ExDoc's cheatsheets (tesla's .cheatmd was data)
    ("Lib/KeychainAccessTests/ErrorTypeTests.swift", "test"), ("Lib/KeychainAccessTests/Helper.swift", "test"),
    ("Sources/App/SessionTests.swift", "test"), ("Sources/App/Contests.swift", "code"),
    ("guides/cheatsheets/openapi.cheatmd", "docs"),
    # a docs site's templates (Dapper's docs/_includes/head-custom.html took the docs lift), Roslyn's public API
    # listings (Dapper's PublicAPI.Shipped.txt), vitest's benchmark files (cookie's src/parse-cookie.bench.ts)
    ("docs/_includes/head-custom.html", "data"), ("docs/_layouts/default.html", "data"),
    ("docs/_includes/note.md", "docs"), ("Dapper/PublicAPI.Shipped.txt", "data"),
    ("src/parse-cookie.bench.ts", "script"), ("src/bench.ts", "code"),
    # and Go's (negroni's negroni_bench_test.go came 7th behind the test prior for "where is the benchmark …?")
    ("negroni_bench_test.go", "script"), ("pkg/codec_benchmark_test.go", "script"), ("negroni_test.go", "test"),
    ("test/load_bench_test.go", "test"),
    # parser and lexer generators' inputs (gettext's yecc grammar was data)
    ("src/gettext_po_parser.yrl", "code"), ("src/po_lexer.xrl", "code"), ("lib/parser.mly", "code"),
    # a snapshot test's expected output (cookie's src/__snapshots__/*.snap, similar's insta snapshots were data); a
    # module named so is code
    ("src/__snapshots__/parse-set-cookie.spec.ts.snap", "test"), ("src/snapshots/udiff__newline_hint.snap", "test"),
    ("src/snapshots/store.rs", "code"),
    # TeamCity's settings in its Kotlin DSL (kotlinx-datetime's .teamcity/settings.kts was code, its pom.xml config)
    (".teamcity/settings.kts", "config"), (".teamcity/pom.xml", "config"),
    # a header-only C++ library's implementation files (tomlplusplus' impl/parser.inl was data), Markdown's other
    # suffixes (go-humanize's README.markdown was data), a changelog without a suffix at the top (w3lib's NEWS)
    ("include/toml++/impl/parser.inl", "code"), ("include/x/detail/impl.ipp", "code"), ("src/x.tpp", "code"),
    ("README.markdown", "docs"), ("NEWS", "docs"), ("HISTORY", "docs"), ("src/history", "data"),
])
def test_file_kind(path: str, kind: str) -> None:
    assert file_kind(path) == kind


def test_build_scripts_are_build_files() -> None:
    """"how is the package built?" is answered by the script that builds it (FluentValidation's
    build.ps1, zlib's configure), not by nuget.config or a workflow."""
    from explore.sandbox.outline import is_build_file

    assert all(is_build_file(p) for p in ("configure", "Makefile.in", "build.ps1", "build.sh", "Makefile"))
    assert not any(is_build_file(p) for p in ("nuget.config", ".github/workflows/ci.yml", "docs/make.bat"))


def test_definitions_python_and_fallback() -> None:
    src = "TIMEOUT = 5\nclass Client:\n    def get(self):\n        pass\nasync def main():\n    pass\n"
    assert definitions("a.py", src) == ("Client", "main", "get", "TIMEOUT") or set(definitions("a.py", src)) == {
        "Client", "get", "main", "TIMEOUT"}
    assert definitions("broken.py", "def ok():\n  pass\ndef (") == ("ok",)
    assert definitions("x.go", "func Serve() {}\ntype Server struct{}") == ("Serve", "Server")
    assert definitions("notes.md", "def x") == ()


def test_definitions_of_languages_tree_sitter_reads() -> None:
    go = "package x\n\n// Max is the cap.\nconst Max = 3\n\nfunc (s *Server) Serve() {}\nfunc helper() { const local = 1 }\n"
    assert definitions("server.go", go) == ("Max", "Serve", "helper")
    ts = "export const parse = (s: string) => s;\nlet count = 0;\nexport interface Options {}\n"
    assert definitions("src/view.tsx", ts) == ("parse", "Options")  # a variable is not a definition
    assert definitions("lib/response.js", "res.send = function send(body) {};\n") == ("send",)
    assert definitions("dist/app.min.js", "function f(){}" * 5_000) == ()  # minified: skipped, not guessed


def test_headings() -> None:
    assert headings("# Install\ntext\nUsage\n=====\n## API\n") == ("Install", "Usage", "API")


PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "demo"
requires-python = ">=3.9"
readme.content-type = "text/markdown"
dependencies = [
  "click>=8",  # not a key: a list item
]
optional-dependencies.docs = ["sphinx"]

[tool.ruff.lint]
select = ["E"]

[[tool.mypy.overrides]]
module = "demo.*"
"""


def test_settings_of_toml_ini_and_yaml() -> None:
    words = settings("pyproject.toml", PYPROJECT)
    # tool sections by name, metadata fields word by word; keys of tool tables are not fields
    assert {"ruff", "lint", "mypy", "overrides", "build", "backend", "requires", "python", "dependencies",
            "optional", "docs", "name", "project"} <= set(words)
    assert not {"tool", "select", "module", "click", "content", "type"} & set(words)
    ini = "[metadata]\nname = demo\n  continued = no\n[options]\npython_requires = >=3.8\n" \
          "[tool:pytest]\naddopts = -q\n[coverage:run]\nbranch = true\n; [commented]\n"
    assert set(settings("setup.cfg", ini)) == {"metadata", "name", "options", "python", "requires", "pytest",
                                               "coverage", "run"}
    assert settings(".flake8", "[flake8]\nmax-line-length = 99\n") == ("flake8",)
    assert set(settings(".github/ISSUE_TEMPLATE/bug.yaml", "name: Bug\nlabels: [bug]\nbody:\n  - type: x\n")) \
        == {"name", "labels", "body"}
    # not a config format, or not parseable: nothing, never an exception
    assert settings("src/app.py", "[tool.ruff]\n") == ()
    assert settings("weird.toml", "[[[\n= =\n\x00") == ()


def test_every_parse_of_python_text_waits_for_the_others() -> None:
    """CPython 3.11 can fail parsing in two threads at once (python/cpython#106905): the
    package's parses share one lock. `read`'s quoted names went through ast.literal_eval,
    which parses too, outside it; now python_literal parses under the same lock."""
    import threading

    from explore.sandbox import outline

    done: list[object] = []
    with outline._PARSING:  # another thread is parsing a file
        reader = threading.Thread(target=lambda: done.append(outline.python_literal("'new\\nline.py'")))
        reader.start()
        reader.join(0.3)
        assert reader.is_alive() and not done
    reader.join(5)
    assert done == ["new\nline.py"]
    assert outline.python_literal(" 'x'") == "x"
    with pytest.raises(ValueError):
        outline.python_literal("open('f')")


def test_vendored_folders_and_generated_heads() -> None:
    from explore.sandbox.outline import is_generated, is_vendored

    assert is_vendored("vendor/decNumber/decNumber.c") and is_vendored("src/pip/_vendor/six.py")
    assert is_vendored("third_party/zlib/inflate.c") and not is_vendored("src/vendor.py")
    assert not is_vendored("src/vendoring/plan.py")
    # a Rust crate's own module named so (bitflags' src/external/serde.rs, declared by `pub mod serde;`, took the
    # vendored penalty); a C file there, or a crate under vendor/, is a copy
    assert not is_vendored("src/external/serde.rs") and not is_vendored("crates/x/src/extern/mod.rs")
    assert is_vendored("src/external/zlib.c") and is_vendored("vendor/foo/src/external/a.rs")
    assert is_vendored("external/foo/src/lib.rs")
    # a script named with its release is a copy wherever it lies (handlebars.java's resources)
    assert is_vendored("src/main/resources/handlebars-v4.7.9.js") and is_vendored("static/jquery-3.6.0.min.js")
    assert is_vendored("web/bootstrap.5.3.css") and not is_vendored("src/v2.js")
    assert not is_vendored("lib/es2015.js") and not is_vendored("migrations/0001_initial.py")
    assert is_generated("/* A Bison parser, made by GNU Bison 3.8.2.  */\n")
    assert is_generated("#line 2 \"src/lexer.c\"\n\n#define  YY_INT_ALIGNED short int\n\n/* A lexical scanner generated by flex */\n")
    assert is_generated("// Code generated by protoc-gen-go. DO NOT EDIT.\npackage pb\n")
    assert is_generated("// THIS FILE WAS ASSEMBLED FROM MULTIPLE HEADER FILES BY A SCRIPT - PLEASE DON'T EDIT IT\n")
    assert is_generated("# This file was automatically generated by scripts/gen.py\nTABLE = {}\n")
    # .NET's marker (FakeItEasy's Generated/*.g.cs outranked the generator and the docs)
    assert is_generated("//----\n// <auto-generated>\n//     This code was generated by CodeGen.\n// </auto-generated>\n")
    # prose about generating things is not a generator's mark
    assert not is_generated('"""AST nodes generated by the parser for the compiler."""\n')
    assert not is_generated('"""Parser engine for the grammar tables generated by pgen."""\n')
    # a mark below the head is some other text's
    assert not is_generated("\n" * 20 + "# DO NOT EDIT the table below by hand\n")


def test_where_a_rust_file_holds_its_own_tests() -> None:
    """httparse's src/lib.rs keeps a `#[cfg(test)] mod tests { … }`, hyperfine's unix_timer.rs bare
    `#[test]` functions; its export/mod.rs's `mod tests;` only names the file they are in."""
    from explore.sandbox.outline import own_tests_line

    texts = {"src/lib.rs": "pub fn parse() {}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n",
             "src/timer.rs": "fn interval() {}\n\n#[cfg(test)]\nuse approx::assert_relative_eq;\n\n#[test]\nfn test_interval() {}\n",
             "src/export/mod.rs": "#[cfg(test)]\nmod tests;\n\npub fn export() {}\n",
             "src/app.py": "#[test]\nfn x() {}\n"}
    lines = {path: own_tests_line(path, texts.get) for path in texts}
    assert lines == {"src/lib.rs": 3, "src/timer.rs": 6, "src/export/mod.rs": None, "src/app.py": None}, lines


def test_parsing_a_file_with_an_old_escape_warns_nothing() -> None:
    """A Python file writing ``'\\d'`` (a regex before raw strings, common in old code) made
    every parse warn "invalid escape sequence" — a SyntaxWarning that Python 3.12 and later
    print by default, so `explore ask` on such a repository printed a line per file — and a
    quoted tool path with a backslash (``'a\\.py'``) warned the same."""
    import warnings

    from explore.sandbox import outline

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outline.parse_python("PATTERN = '\\d+\\.\\w'\n", "old.py")
        assert outline.python_literal("'a\\.py'") == "a\\.py"
    assert [str(w.message) for w in caught] == []
