"""Which settings file a question asks for by naming it, its tool or what it holds: a config
file by its name (``pyproject.toml``, ``go.mod``, a Makefile), a tool's settings (``tox.ini``
for tox), the package's metadata and dependencies, how the project is built, and how its
releases are published (a workflow or a script answers that).

Narrower than :mod:`.intent`'s reading of config words (which decides whether ``ask`` walks,
where a broad reading costs a walk): a word like *settings* alone also asks about code, so this
names the file, the tool or the metadata — and never the code that reads such a file. Plain
regular expressions.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..sandbox.outline import is_build_file
from .question_form import is_statement
from .versions_asked import CI_FILE, asks_ci_file, declares_version_asked


_TOOLS = (r"pytest|mypy|flake8|ruff|isort|black|pylint|coverage|tox|nox|pre-commit|eslint|prettier|jest|mocha|"
          r"babel|webpack|vite|rollup|tsc|typescript|sphinx|mkdocs|towncrier|bumpversion|setuptools(_scm)?|hatch|"
          r"poetry|pyright|codespell|cibuildwheel|dependabot|renovate|github actions|travis|circleci|ci|"
          r"rubocop|rspec|rake|bundler|phpunit|phpstan|psalm|php-cs-fixer|composer|nuget|msbuild|dotnet|"
          r"checkstyle|spotbugs|pmd|detekt|ktlint|spotless|"
          r"the (linter|formatter|type checker|tests?|test runner|test suite|build|docs build|release|ci)|"
          r"(the )?(sphinx )?(documentation|docs)")


#: What a project ships, asked how it is published (its workflow or script answers).
_SHIPPED = (r"(?:(?:release )?(?:binaries|tarballs?|archives?|artifacts?|assets)|releases?|packages?|wheels?|sdists?|"
            # (rest-client's "how is the gem released for the Windows platforms …?" answered platform.rb)
            r"gems?|crates?|"
            # a new version of it (toml's "how is a new version of the crates released …?" asked for no release)
            r"versions?(?: of (?:the |this |a |each |our )?[\w.-]+)?|"
            r"distributions?|(?:debian|deb|rpm|homebrew) packages?|(?:docs |documentation )?(?:site|website)|"
            # (failsafe's "how are the javadocs published to the failsafe.dev website?" dropped bin/push-javadoc.sh)
            r"javadocs?|api docs|(?:nightly|canary) builds?)")
#: How a release, a package or the docs site is published: the workflow or script that does it
#: (tenacity's "how is a new release built and uploaded to PyPI?" answered __init__.py;
#: urfave/cli's docs deploy a page; httparty's script/release, Kingfisher's fastlane/Fastfile).
_PUBLISHED = (
    # (and a name before it: tablewriter's "how are the csv2table binaries built and attached to a GitHub release",
    # RestSharp's "how are NuGet packages built and pushed when a tag is created?")
    rf"\b(?:(?:how|where|when) (?:is|are) (?:(?:a|the|new|its|our|each) )*(?:[\w.-]+ )?{_SHIPPED}|"
    rf"{_SHIPPED} (?:is|are|gets?))"
    rf"(?: built and| tagged and)? (?:published|uploaded|deployed|pushed|released|attached to (?:a|the) "
    rf"(?:github |gitlab )?release)\b"
    rf"(?! (?:events?|hooks?|callbacks?|handlers?|signals?)\b)|"
    rf"\b(?:publish(?:ed|es|ing)?|upload(?:ed|s|ing)?|deploy(?:ed|s|ing)?|push(?:ed|es|ing)?|releas(?:e|ed|es|ing))"
    rf"(?: [\w.-]+){{0,6}} (?:to|on) (?:pypi|npm|crates\.io|"
    # (Elixir's and Dart's registries: ex_machina's "what actually pushes the new version of the package to Hex?")
    rf"rubygems|packagist|maven central|nuget|github pages|docker ?hub|cocoapods|(?:the )?pod trunk|"
    rf"hex(?:\.pm)?|pub\.dev|"
    rf"github(?: releases)?|homebrew)\b|"
    # cutting a release, its process (env_logger's "how do maintainers cut a new release of the crate?"
    # answered filter.rs over release.toml and CONTRIBUTING.md); not a release build or mode
    r"\b(?:cut|cuts|cutting|make|makes|making|prepare|prepares|preparing|tag|tags|tagging)\s+"
    r"(?:(?:a|the|new|each|our|its)\s+)*releases?\b(?!\s+(?:build|mode|profile|binar|config|flags?)\w*)|"
    r"\brelease (?:process|procedure|checklist|workflow)\b|"
    # how the release binaries are built (godotenv's "How are the release binaries of the godotenv command built,
    # and for which platforms?" answered godotenv.go; .github/workflows/release.yml cross-builds them)
    r"\b(?:how|where) (?:is|are) (?:(?:a|the|new|its|our|each) )*(?:release (?:binaries|tarballs?|archives?|"
    r"artifacts?|assets|builds?)|binary releases?)(?: of [\w .-]{1,30}?)? (?:built|compiled|produced|made|"
    r"cross[- ]?compiled)\b")
_ASKS_PUBLISH = re.compile(_PUBLISHED, re.I)


#: What a release's being published triggers, not how it is: "… rebuilt when a release is published".
_ON_RELEASE = re.compile(r"\b(?:when|whenever|after|once|each time|every time|as soon as|on)\s+"
                         r"(?:(?:a|the|new|each|every)\s+)*$", re.I)


def asks_publish(question: str) -> bool:
    """Whether ``question`` asks how the project is released or published (never a statement):
    its workflow, or the script or fastlane lane that does it, answers — not what a release's
    publishing triggers (emoji's "How is the GitHub Pages site … rebuilt when a release is
    published?" lifted the PyPI workflow over updateGithubPages.yml)."""
    return not is_statement(question) and any(not _ON_RELEASE.search(question[:m.start()]) or _MAKING.match(m.group(0))
                                               for m in _ASKS_PUBLISH.finditer(question))


#: Making a release, which "when" puts in its process, not after it (deepdiff's "when cutting a release, which files
#: get their version number bumped?").
_MAKING = re.compile(r"(?:cut|make|making|prepar|tag)", re.I)


#: A question naming a configuration file, a tool's settings or the package's metadata: what
#: a file like pyproject.toml, setup.cfg, tox.ini, package.json or a CI workflow holds.
#: Narrower than :mod:`.intent`'s ``_ASKS_FOR["config"]`` (which decides whether ``ask`` walks, where a
#: broad reading costs a walk): a word like *settings* or *dependencies* alone also asks
#: about code, so this names the file, the tool or the metadata.
_NAMES_CONFIG = re.compile(
    rf"\b(config(uration)? files?|settings files?|(yaml|yml|toml|ini|cfg) (config(uration)? )?files?|pyproject(\.toml)?|setup\.(cfg|py)|tox\.ini|noxfile(\.py)?|"
    rf"pytest\.ini|mypy\.ini|\.?flake8 config|\.?coveragerc|package\.json|tsconfig(\.json)?|cargo\.toml|go\.mod|"
    rf"makefile|dockerfile|container image|docker image|"
    rf"pom(\.xml)?|maven|gradle|build\.gradle(\.kts)?|cmake(lists\.txt)?|configure\.(ac|in)|autoconf|automake|"
    # autotools' script as a noun ("which configure option disables decNumber?", jq's answered a vendored header)
    rf"(the|a|which|what) (\./)?configure (options?|flags?|scripts?|switch(es)?)|(?<=\./)configure\b|configure's|"
    rf"makefile\.am|meson(\.build)?|bazel|build\.sbt|"
    rf"gemspec|gemfile|rakefile|rake tasks?|which gems|gem dependenc(y|ies)|composer\.json|composer scripts?|"
    rf"composer (packages?|dependenc(y|ies))|phpunit\.xml(\.dist)?|phpstan(\.neon(\.dist)?)?|php-?cs-?fixer|phpcs|"
    rf"rubocop|swiftlint|scalafmt|ktlint|detekt|"
    rf"psalm\.xml|csproj|fsproj|\.sln|solution file|nuget|msbuild|directory\.build\.props|target frameworks?|"
    rf"targetframeworks?|langversion|package\.swift|swift package( manager)?|swiftpm|podspec|podfile|cocoapods|"
    rf"carthage|sbt (build|settings|plugins?)|plugins\.sbt|"
    rf"(ci|github actions?|github) workflows?|workflow files?|ci (job|jobs|pipeline|matrix)|"
    # a CI service named by its product (GuardClauses' "is there an Azure DevOps pipeline definition?" answered code)
    rf"azure (devops )?pipelines?|pipeline definitions?|appveyor|gitlab[- ]ci|"
    # a Mix task or alias (req's "what does `mix test.adapters` run?", an alias of mix.exs)
    rf"\bmix (tasks?|alias(es)?|format|[a-z_]+\.[a-z_.]+)|gradle wrapper|"
    # CI as the place tests run, asked what it runs (cxxopts' "which compilers are tested in CI?" lifted no
    # workflow) — not how the code behaves there (cleo's "does the progress bar hide itself on CI?")
    rf"(which|what)\b[^?\n]{{0,60}}\b(in|on|by|does|do) (the )?(ci|github actions)\b|"
    rf"\bci (builds?|runs?|tests?|uses?|checks?|verif(y|ies)) (with|on|against|the|that|whether|if)\b|"
    rf"how (are|is) (the )?([\w-]+ ){{0,2}}(tests?|test suite|specs?)( get)? (built and run|run|executed|invoked|built)|"
    rf"(which|what) (command|task|script|target|job)s? (runs?|executes?) the (unit )?(tests?|test suite|specs?)|"
    rf"({_TOOLS})( (hooks?|build|builds|environments?|jobs?|checks?|runs?))?( is| are)? (config(ured|uration)?|"
    rf"settings|options|set up)|(test|tox) environments|editor (indentation )?settings|"
    rf"(configures?|configured|configuring|sets? up|settings for|options for|configuration (of|for)) ({_TOOLS})|"
    rf"dependenc(y|ies) (are |is )?(declared|listed|pinned|specified|defined|kept)|(declared|listed|pinned) "
    rf"dependenc(y|ies)|requirements? (files?|\.txt|\.in)|lists? the requirements|optional extras?|extras_require|"
    rf"build backend|build system|(python|go|golang|rust|node(\.js)?|typescript|ruby|php|\.net|dotnet|c#|java|kotlin|"
    rf"swift|elixir|dart|scala|msrv) versions?|supported versions|msrv|"
    rf"version number|distribution name|go module path|module path in go\.mod|(path|name) of the go module|"
    rf"go module'?s? (path|name)|"
    rf"versions? of [\w.@/-]+ (does|do) [\w.@/-]+ (depend|rely) on|versions? of [\w.@/-]+ (does|do) (the )?[\w.@/-]+ use|"
    rf"(package|dependency) versions? (are |is )?(pinned|declared|set|defined|kept|managed|specified)|(gems?|packages?|crates?|modules|librar(y|ies)|"
    # one asked for ("which library does Mox depend on for process ownership …?" lifted no mix.exs)
    rf"dependenc(y|ies)) (does|do) [\w.@/-]+ (depend|rely) on|which dependenc(y|ies) does [\w.@/-]+ (have|use|need)|(depends?|relies) on at runtime|runtime dependenc(y|ies)|"
    rf"package (name|metadata)|(?<!main )(?<!program's )entry points?|console[ _]scripts|npm scripts|(command-line|console) programs|"
    rf"(npm|yarn|pnpm|bun)( run)? (test|build|start|lint|dev|prepare|scripts?)|"
    rf"cargo features|(crate|crate's|package) features|features (does|do) the (crate|package)|"
    # (chrono's "how do I use chrono in a no_std project? which default features do I turn off?")
    rf"default features|default-features|no_std|"
    rf"optional dependenc(y|ies)|feature flags of the (crate|package))\b|"
    # a linter's rules: "what eslint rules does this project use?" answered lib/levels.js for its `/* eslint-disable */` (pino)
    rf"\b(?:(?:es|ts|style)lint|golangci(-lint)?|clippy|biome|ruff|flake8|pylint|rubocop|phpstan|psalm|ktlint|detekt|swiftlint|"
    rf"clang-tidy|clang-format|cppcheck|cpplint|shellcheck|hadolint|markdownlint|yamllint|checkstyle|spotbugs|pmd|"
    rf"(?:the )?lint(?:er)?) (rules?|lints?|checks?|plugins?|presets?)\b|"
    rf"(?<![\w.])\.(editorconfig|gitignore)\b|"  # the file, not the topic: "how is gitignore matching done?" asks for code
    # the project's own version, where it is set (Scrutor's "how is the package version number determined for a
    # release?": MinVer's settings in its .csproj scored near nothing)
    rf"\b(?:package|project|crate|gem|library|module|release|its|the) version(?: number| string)? "
    rf"(?:is |gets |are )?(?:determined|computed|derived|bumped|defined|declared|stored|set|chosen)\b|"
    rf"\bwhere does the (?:package |project |crate |gem |release )?version(?: number)? come from\b|"
    # a service its settings file alone makes (flock's "how are dependabot updates … grouped and scheduled?" lifted
    # no .github/dependabot.yml)
    rf"\b(dependabot|renovate(bot)?|codecov|mergify|release[- ]drafter|goreleaser)\b|"
    # ProGuard/R8 rules; the coverage a build requires (more-itertools' Makefile: `--fail-under=99`)
    rf"\b(proguard|r8)( keep)? (rules?|config(uration)?|files?)\b|\b(minimum|required) (test )?coverage\b|"
    rf"\bcoverage (threshold|percentage|minimum|requirement)s?\b|\bfail[-_]under\b|"
    rf"{_PUBLISHED}|\bfastlane\b|\bfastfile\b|"
    # a package's tools version and the least platform versions (routing-kit's Package.swift: `.macOS(.v15)`)
    rf"\bswift-tools-version\b|\btools[- ]version\b|\bdeployment target\b|"
    rf"\b(minimum|least|oldest|lowest|supported) (ios|ipados|macos|tvos|watchos|visionos|android( sdk| api)?) (version|level)s?\b|"
    # .NET after a space: `\b` never stands before its dot (serilog's "which version of the .NET SDK …" asked for code)
    rf"(?<![\w.])\.net( (sdk|framework|runtime))? versions?\b|\bversions? of (the )?\.net\b|\bglobal\.json\b",
    re.I)


#: A question about the code that handles a config file rather than the file: "where does
#: ripgrep read the RIPGREP_CONFIG_PATH config file?", "where is the config file parsed?".
_HANDLES_CONFIG = re.compile(
    r"\b(reads?(?! ?the ?docs)|read in|parse[sd]?|parsing|load(s|ed|ing)?|find(s|ing)?|locate[sd]?|look(s|ed)? (up|for)|"
    r"search(es|ed)? for|discover(s|ed)?|validate[sd]?|merge[sd]?|write[sd]?|writes|written|generate[sd]?|"
    # what a config library does with the file: viper's "where is the config file watched for changes?",
    # "how is the config file type detected from its extension?" ranked .gitignore and .golangci.yaml first
    r"watch(es|ed|ing)?|detect(s|ed|ing)?|reload(s|ed|ing)?|decode[sd]?|decoding|unmarshal(s|led|ed|ing)?|"
    # code asked for by name, or what the code does when the file is wrong: pypa/build's "which function
    # computes the default build backend when pyproject has none?" was answered with pyproject.toml
    r"(which|what) (function|method|class|handler)s?|raise[sd]?|raising|throws?|thrown|"
    r"exceptions?|invalid|malformed|missing|(has|have) no|lacks?|falls? back|fallback)\b", re.I)


#: autotools' script as the subject of a question: "where does configure decide …" (zlib writes its own
#: by hand) — read so only in a repository that holds one (cleo's commands define a `configure()`).
CONFIGURE_SUBJECT = re.compile(
    r"\b(?:does|did|do|why|when|where|how) configure (?!(?:the|an?|it|this|that|your|my|our|its|their|them|each|every)\b)"
    r"[a-z]+", re.I)


def names_config(question: str) -> bool:
    """Whether ``question`` asks for a configuration file by naming one, a tool's settings or
    the package's metadata (:data:`_NAMES_CONFIG`); never a statement, nor a question about
    the code that reads, parses, loads or writes such a file (:data:`_HANDLES_CONFIG`). A
    dependency's version (:func:`.versions_asked.dependency_asked`) is config only where a config file pins
    it: "which version of escape is used, the C one or the Python one?" names code."""
    return _NAMES_CONFIG.search(question) is not None and not is_statement(question) \
        and _HANDLES_CONFIG.search(_USER_SEARCHED.sub(" ", question)) is None


#: What the user did, not the code: "I can't find a Version property anywhere" (Scrutor's version question was
#: read as asking for the code that finds a setting).
_USER_SEARCHED = re.compile(r"\bI\s+(?:can't|cannot|can not|couldn't|could not|didn't|did not|don't|do not|tried to|"
                            r"try to|want to|need to|have to)\s+(?:find|locate|look(?: up| for)?|search(?: for)?)\b",
                            re.I)


#: A question about how the project is built: among config files, the build's own
#: (:data:`~explore.sandbox.outline.BUILD_FILES`) answer it.
_ASKS_BUILD = re.compile(r"(?<!docs )(?<!doc )(?<!documentation )(?<!sphinx )(?<!mkdocs )"
                         r"\b(build|builds|built|building|compiled?|compil(es|ing|ation)|install(ed|s)?)\b"
                         # not a thing a user makes ("how to build my own error message": toml11's CMake files)
                         r"(?!\s+(?:(?:my|your|our|their|one's)\s+own|(?:a|an)\s+(?:custom|new|own))\b)", re.I)


#: A built artifact asked how it is built (qs's "how is the browser bundle dist/qs.js built, and which
#: browserify transforms …?" answered the bundle): the build's settings and scripts answer, as config.
_ARTIFACT_BUILT = re.compile(r"\b(?:how|where)\b[^?!\n]{0,40}?\b(?:bundles?|binaries|wheels?|executables?|"
                             r"minified (?:files?|scripts?|builds?))\b[^?!\n]{0,40}?"
                             r"\b(?:built|compiled|produced|bundled)\b", re.I)


def asks_artifact_built(question: str) -> bool:
    """Whether ``question`` asks how a bundle, a binary or a wheel is built (:data:`_ARTIFACT_BUILT`)."""
    return not is_statement(question) and _ARTIFACT_BUILT.search(question) is not None


def asks_build(question: str) -> bool:
    """Whether ``question`` asks how the project is built (with :func:`names_config`); the
    docs build ("where is the Sphinx documentation build configured?") is the docs' own."""
    return _ASKS_BUILD.search(question) is not None


#: Configuration files named without a suffix.
_PLAIN_NAMED = frozenset({"makefile", "dockerfile", "containerfile", "jenkinsfile", "procfile", "gemfile", "rakefile",
                          "justfile", "vagrantfile", "brewfile",
                          # who keeps it (envconfig's "who are the maintainers …?" answered envconfig.go, MAINTAINERS
                          # first in both rankings)
                          "maintainers", "authors", "contributors", "codeowners", "owners"})


def names_file(question: str, path: str) -> bool:
    """Whether ``question`` names ``path``'s file by its path (``docs/make.bat``) or its name
    (``go.mod``, ``Cargo.toml``, ``package.json``, ``Makefile``, autotools' ``configure``; case
    aside), not by a word it happens to share."""
    lower = question.lower()
    name = path.rsplit("/", 1)[-1]
    if name.lower() not in lower:  # most files of a ranking: no pattern built
        return False
    if "/" in path and re.search(rf"(?<![\w./-]){re.escape(path)}(?![\w/-]|\.\w)", question, re.I) is not None:
        return True
    if name.lower() == "configure":  # the script, not the verb ("how do I configure the logger?")
        return re.search(r"\./configure\b|\bconfigure(?:'s| script)\b", question, re.I) is not None \
            or CONFIGURE_SUBJECT.search(question) is not None
    # a dotfile written with its dot names it (`.gitignore`, `.babelrc`); a plain word does not
    if "." not in name.strip(".") and not name.startswith(".") and name.lower() not in _PLAIN_NAMED \
            and not is_build_file(path):
        return False
    # a name written under folders names a file whose path ends so (dayjs's "bundles like dayjs/locale/fr.js",
    # the published package's path, named src/locale/fr.js, and `ask` answered the locale over build/index.js)
    for written in re.finditer(rf"(?<![\w.-])((?:[\w.-]+/)*){re.escape(name)}(?![\w-]|\.\w)", question, re.I):
        folders = written.group(1).removeprefix("./")
        if not folders or f"/{path}".lower().endswith(f"/{folders}{name}".lower()):
            return True
    return False


#: Config files named for the project they build (a gemspec, an MSBuild project, a podspec).
_NAMED_FOR_THE_PROJECT = frozenset({".gemspec", ".csproj", ".fsproj", ".vbproj", ".sln", ".podspec", ".cabal", ".nuspec"})
#: Build files named otherwise than for the tool that reads them (fmt's "how do I enable the
#: header-only build option in CMake?" walked to the Android `build.gradle`, `CMakeLists.txt` first).
_BUILD_TOOL_FILES = {"cmakelists.txt": "cmake", "build.gradle": "gradle", "build.gradle.kts": "gradle",
                     "settings.gradle": "gradle", "settings.gradle.kts": "gradle", "pom.xml": "maven",
                     "meson.build": "meson", "build.sbt": "sbt",
                     # meson's options (inih's "which meson option sets the maximum line length?" lifted every
                     # meson.build as meson's, not meson_options.txt)
                     "meson_options.txt": "meson", "meson.options": "meson", "build.mill": "mill", "build.sc": "mill",
                     "cargo.toml": "cargo", "build.bazel": "bazel",
                     # Mix's project (req's "what does `mix test.adapters` run?" dropped mix.exs, first in the stage)
                     "mix.exs": "mix(?! format)", "gradle-wrapper.properties": "gradle(?:[- ]wrapper)?|gradlew",
                     "workspace.bazel": "bazel", "module.bazel": "bazel",
                     # the scripts `npm test` / `yarn build` run are package.json's
                     "package.json": "npm|yarn|pnpm|bun"}
#: First words of config files' names that name no tool: ``setup.cfg``, ``package.json``, ``app.config``.
_NOT_TOOLS = frozenset({"setup", "config", "configuration", "settings", "package", "packages", "project", "app",
                        "web", "build", "directory", "global", "requirements", "constraints", "conf", "main", "index",
                        "default", "defaults", "local", "base", "common", "environment", "env", "test", "tests", "docs",
                        # an environment's settings (config's "… in Rails development mode?" named development.yml)
                        "development", "production", "staging", "dev", "prod",
                        # a workflow named for what it does (insta's release.yml, "tool named" for "a release tag",
                        # over publish-crates.yml publishing to crates.io)
                        "release", "releases", "publish", "deploy", "lint", "ci"})


def names_tool(question: str, path: str) -> bool:
    """Whether ``question`` names the tool a config file of ``path`` is named for: the first
    word of its name (``phpunit`` of ``phpunit.xml.dist``, ``pre-commit`` of
    ``.pre-commit-config.yaml``, ``tox`` of ``tox.ini``), other than the words of
    :data:`_NOT_TOOLS` — or asks for the version of the language whose manifest it is
    (:data:`.versions_asked._LANGUAGE_MANIFESTS`)."""
    if declares_version_asked(question, path):
        return True
    if asks_ci_file(question, path):
        return True
    if PurePosixPath(path.lower()).suffix in _NAMED_FOR_THE_PROJECT:
        return False  # rack.gemspec, Polly.Core.csproj: named for the project, not for a tool
    name = path.rsplit("/", 1)[-1].lower()
    # the name up to its first dot: `sphinx_define_error-642c9cd5.yaml` (a release note) is no
    # file of sphinx's, which "where is the sphinx configuration?" answered
    if name in _BUILD_TOOL_FILES:  # the tools that run it, by name
        return re.search(rf"(?<![\w-])(?:{_BUILD_TOOL_FILES[name]})(?![\w-])", question, re.I) is not None
    # (.pre-commit-config.yaml; commons-csv's spotbugs-exclude-filter.xml, pmd-ruleset.xml)
    tool = re.sub(r"-(?:config|conf|settings|exclude-filter|include-filter|filter|ruleset|rules|suppressions)$", "",
                  name.lstrip(".").split(".", 1)[0])
    if PurePosixPath(name).suffix == ".cmake" and re.search(r"(?<![\w-])cmake(?![\w-])", question, re.I):
        return True  # yaml-cpp's cmake/yaml-cpp-sources.cmake, which CMakeLists.txt includes
    if len(tool) < 3 or tool in _NOT_TOOLS:
        return False
    if _ASKS_WORKFLOW.search(question) and CI_FILE.search(path.lower()) is None:
        return False  # Polly's "which workflow pushes the NuGet packages?" answered NuGet.config
    return re.search(rf"(?<![\w-])(?:{_TOOL_ALIASES.get(tool, re.escape(tool))})(?![\w-])", question, re.I) is not None


#: The tools whose settings file is named otherwise than the tool: TypeScript's tsconfig.json,
#: an rc file, cargo-deny's deny.toml (env_logger's "where is cargo deny configured?" ranked it 7th,
#: path-to-regexp's "which TypeScript compiler options does the build use?" 6th).
_TOOL_ALIASES = {"tsconfig": r"typescript|tsc|tsconfig|compiler options", "jsconfig": r"jsconfig|javascript project",
                 "eslintrc": r"eslint(?:rc)?", "prettierrc": r"prettier(?:rc)?", "babelrc": r"babel(?:rc)?",
                 "mocharc": r"mocha(?:rc)?", "nycrc": r"nyc(?:rc)?", "stylelintrc": r"stylelint(?:rc)?",
                 "swcrc": r"swc(?:rc)?", "deny": r"cargo[- ]deny|deny\.toml",
                 # Elixir's formatter settings, .formatter.exs (nimble_options' "which files does mix format check?")
                 "formatter": r"mix format|formatter"}


#: A question asking for a CI workflow by that name (the tool it names is what the workflow runs).
_ASKS_WORKFLOW = re.compile(r"\b(?:which|what|the)\s+(?:github\s+)?(?:ci\s+)?"
                            r"(?:workflows?|actions?\s+workflows?|ci\s+jobs?)\b", re.I)
