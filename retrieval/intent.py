"""What a question asks for, read from its words: a description (a commit message, a bug
report) or a question, and whether it asks for a docs page or a config file rather than code.

Shared by the candidate stage (a question asking for documentation ranks docs pages as
candidates for it) and by how ``ask`` settles its answer (:mod:`explore.agent.answer`'s
intent gate), so both read a question the same way. Plain regular expressions: nothing here
loads a model.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..sandbox.index import STOPWORDS
from ..sandbox.outline import is_build_file

#: "How do I …": a page may answer it, or the code it asks how to use (:func:`asks_how_to_only`).
_HOW_TO = (r"how (do|can|should) (i|we|you)|is there a way to|is it possible to|"  # (rq's "is there a way to …")
           # (not what the code decides: swift-custom-dump's "where does customDump decide how to print a value?"
           # took the docs lift)
           r"(?<!decide )(?<!decides )(?<!deciding )(?<!determine )(?<!determines )(?<!knows )(?<!know )"
           r"(?<!choose )(?<!chooses )(?<!figures out )how to")
#: Upgrading between versions, which a guide answers (:func:`asks_upgrade_guide`).
_UPGRADE = (r"(upgrad(e|ing)|migrat(e|ing|ion)) (from|to) ([\w./-]+ )?(v(ersion)?\s?)?\d|(upgrade|migration) guide|"
            # NSubstitute's "what are the breaking changes in NSubstitute 6.0?" answered Substitute.cs
            r"breaking changes?")
#: How a question asks for a file that is not code, by the file's kind (sandbox.outline.file_kind).
#: Written from how people ask for these files: a question without any of these words asks
#: about behaviour, and behaviour lives in code.
_ASKS_FOR = {
    "docs": re.compile(
        r"\b(document(s|ed|ation)?|docs?|readme|guides?|tutorials?|manual|changelog|release notes|faq|what'?s new|"
        r"what changed|changes in (v|version)|"
        # the release that did it: a changelog's entry (go-retryablehttp's "which release fixed leaking basic auth
        # credentials …?" answered client.go, its CHANGELOG.md 5th)
        r"(which|what) (release|version) (first )?(fixed|added|introduced|changed|removed|deprecated|dropped|broke)|"
        r"(in|since) (which|what) (release|version) (was|were|did|is|are|has|have)|"
        r"read about|where can i read|explain(s|ed)?|" + _HOW_TO + "|"
        # a project's policy, which a page states (bottle's "how are version numbers and release branches managed?
        # can I rely on semver?" answered bottle.py, its docs/development.rst 2nd)
        r"semver|semantic versioning|versioning (policy|scheme|rules)|release (branches|cycle|schedule|policy)|"
        r"(deprecation|support|backport(ing)?|maintenance|lts|compatibility) (policy|policies|guarantees?)|"
        # the guide to a new major version (guzzle's UPGRADING.md ranked 16th for "… when upgrading from 6 to 7?")
        + _UPGRADE + "|"
        # "which page covers the documents API?" (nedb's, once "documents" there was read as the stored thing)
        # and "which page shows an example of …" (httparse's README usage, 13th)
        r"(pages?|sections?) (that |which )?(covers?|describes?|explains?|mentions?|talks about|tells|shows?|lists?|"
        # (nimble_options' "which page says in which release … were added?" asked for code)
        r"gives?|has|contains?|documents?|specif(?:y|ies)|defines?|says?))\b", re.I),
    "config": re.compile(
        r"\b(config(s|ure[sd]?|uration)?|settings?|pyproject(\.toml)?|setup\.(cfg|py)|tox(\.ini)?|"
        r"requirements?|dependenc(y|ies)|declared?|extras|python versions?|version number|ci|workflows?|"
        r"pre-commit|lint(er|ing)?|(es|ts|style)lint|golangci(-lint)?|clippy|biome|clang-(tidy|format)|manifest|build backend|distribution name|npm|environments|"
        # a settings format named ("the travis yaml", "which yml runs …"); JSON only as a file's ("the json
        # config", "which json file"), not the data a library reads (jansson's "how do I load JSON from a
        # file?" walked to CMakeLists.txt)
        r"installing|container image|editor|yaml|yml|toml|ini|cfg|json( config\w*| settings?| manifests?)|"
        r"(which|what|the) json files?|\.json)\b", re.I),
}
#: The kinds of file other than code a question can ask for.
ASKED_KINDS = frozenset(_ASKS_FOR)

_TOOLS = (r"pytest|mypy|flake8|ruff|isort|black|pylint|coverage|tox|nox|pre-commit|eslint|prettier|jest|mocha|"
          r"babel|webpack|vite|rollup|tsc|typescript|sphinx|mkdocs|towncrier|bumpversion|setuptools(_scm)?|hatch|"
          r"poetry|pyright|codespell|cibuildwheel|dependabot|renovate|github actions|travis|circleci|ci|"
          r"rubocop|rspec|rake|bundler|phpunit|phpstan|psalm|php-cs-fixer|composer|nuget|msbuild|dotnet|"
          r"checkstyle|spotbugs|pmd|detekt|ktlint|spotless|"
          r"the (linter|formatter|type checker|tests?|test runner|test suite|build|docs build|release|ci)|"
          r"(the )?(sphinx )?(documentation|docs)")
#: An example asked for: "is there an example that …", "the chat example", "a sample app".
ASKS_EXAMPLE = re.compile(r"\b(?:is there|are there|show me|give me|where is|where are|which|find)\b[^?\n]{0,30}\b"
                          # (a notebook too: transitions' "which notebook demonstrates …?" answered its code)
                          r"(?:examples?|samples?|demos?|tutorials?|notebooks?)\b|"
                          r"\b(?:examples?|samples?|demos?) (?:of|for|that|"
                          r"showing|using|program|app|project|code)\b|\bthe [\w-]+ (?:example|demo|sample)\b|"
                          r"\bexamples?/",
                          re.I)


def asks_example(question: str) -> bool:
    """Whether ``question`` asks for an example file (:data:`ASKS_EXAMPLE`), not a tutorial's
    page ("where is tutorial documented?" lifted trio's docs/source/tutorial/*.py over the page),
    nor a name in code ("which file defines `Example.lookupProcedure`?" lifted twisted's examples)."""
    prose = re.sub(r"`[^`\n]*`|\b\w+(?:\.|::)\w+", " ", question)
    return any("tutorial" not in m.group(0).lower() for m in ASKS_EXAMPLE.finditer(prose))


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


#: A question asking for a benchmark ("where is the benchmark for the middleware chain?").
_ASKS_BENCHMARK = re.compile(r"\b(?:benchmarks?|benches)\b", re.I)


def asks_benchmark(question: str) -> bool:
    """Whether ``question`` asks for a benchmark (never a statement: a commit's "speed up the
    parser benchmark" asks for the code it changed)."""
    return _ASKS_BENCHMARK.search(question) is not None and not is_statement(question)


#: A question naming a configuration file, a tool's settings or the package's metadata: what
#: a file like pyproject.toml, setup.cfg, tox.ini, package.json or a CI workflow holds.
#: Narrower than ``_ASKS_FOR["config"]`` (which decides whether ``ask`` walks, where a
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


#: A question's first line put as a question: a question mark, or a question word first.
_INTERROGATIVE = re.compile(
    r"\?|^\W*(what|where|which|how|why|when|who|whose|does|do|is|are|can|could|should|would|will)\b"
    r"(?!\s+not\b)", re.I)  # "Do not auto-follow 304 responses" is a commit message's imperative
#: Words a search-box query stays within (``tox configuration``, ``lint settings``).
_QUERY_WORDS = 5


#: Words below a first line that make a text a report whatever its first line: an issue
#: titled as a question ("How to use tqdm to log to CloudWatch?") over its first post.
_REPORT_BODY_WORDS = 20


def is_statement(question: str) -> bool:
    """Whether ``question`` is a description rather than a question or a few search words:
    a commit message, a bug report, a release note ("Fix the LaTeX writer's table
    settings"). Its first line is not put as a question, and it runs over a line or
    over :data:`_QUERY_WORDS` words; or, whatever its first line, a body of
    :data:`_REPORT_BODY_WORDS` words or more follows it (an issue's title and first post)."""
    text = question.strip()
    first, _, body = text.partition("\n")
    if len(body.split()) >= _REPORT_BODY_WORDS:
        return True
    if _INTERROGATIVE.search(first):
        return False
    return bool(body) or len(text.split()) > _QUERY_WORDS


#: A question asking where a name is defined (``ask`` walks these: an example or a script may
#: define it).
_DEFINITION = re.compile(r"\b(defined|defines|implemented|declared|declares|definition of)\b", re.I)


#: A question that is one code name and nothing else (``DEFAULT_LIMITS``, `` `Options.merge` ``,
#: ``parse_config()``), as one types into grep: where is it defined?
_BARE_NAME = re.compile(r"^\W*`?[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*(?:\(\))?`?\W*$")


def is_bare_name(question: str) -> bool:
    """Whether ``question`` is one code name alone, written as code: with an underscore, an
    inner capital, a dot, call brackets or backticks (a plain word is a search)."""
    text = question.strip()
    return _BARE_NAME.match(text) is not None and bool(re.search(r"[_.`(]|[a-z][A-Z]|^[A-Z0-9]+$", text.strip("?! ")))


#: A question that is only a reference to something elsewhere: a link, an issue number
#: (``#2666``, ``encode/httpx#2666``), as pasted from a tracker.
_ONLY_REFERENCE = re.compile(r"^(?:\s*(?:<?https?://\S+?>?|(?:[\w.-]+/[\w.-]+)?#\d+)[\s,;]*)+$")


#: What ``ask``, ``search`` and the MCP tools say of a question that is only a link or an issue number.
ONLY_A_REFERENCE = ("the question is only a link or an issue number: explore reads no network; paste the "
                    "issue's title and text")


#: A link to a file of a repository as GitHub, GitLab or Gitea show it, perhaps to a line:
#: ``https://github.com/o/r/blob/main/src/retry.py#L12`` (``#L12-L20``), GitLab's ``/-/blob/``,
#: Gitea's ``/src/branch/main/``: the file it names, and the line as a frame's.
PERMALINK = re.compile(r"https?://[^\s/]+/(?:[^\s/]+/)+?(?:-/)?(?:blob|src/(?:branch|commit|tag))/[^\s/#?]+/"
                       r"(?P<path>[^\s#?)\]>'\"]+\.[\w]+)(?:\?[^\s#]*)?(?:#L(?P<line>\d+))?")
#: A reference as a commit or a chat names it: ``PR 1306``, ``pull request #12``, ``issue 7``,
#: ``gh-1234``, a link, ``#12``.
_REFERENCE = re.compile(r"<?https?://\S+?>?(?=\s|$)|(?<![\w.-])[\w.-]+/[\w.-]+#\d+\b|#\d+\b|\b(?:prs?|pull requests?|"
                        r"issues?|tickets?|bugs?)\s*#?\d+\b|\bgh-\d+\b", re.I)
#: Characters past which a question is more than a reference: a pasted log of one long run of
#: letters took `_REFERENCE` 21 s at 100,000 (every start of the run tried for an `owner/repo#12`).
_REFERENCE_CHARS = 2_000
#: Words that say nothing of the code around a reference: "Touch up PR 1306", "Follow-up to #12",
#: "Address review comments on PR 7" (serde_json's four "Touch up PR N" commits got six guesses).
_AROUND_A_REFERENCE = frozenset(
    "touch touches touched up follow follows followup follow-up address addresses addressed review reviews "
    "comment comments feedback from for of in on to the a an see fix fixes fixed more minor small nit nits "
    "tweak tweaks changes cleanup clean apply applied suggestion suggestions part merge merged and after "
    "per re details code".split())


def is_only_a_reference(question: str) -> bool:
    """Whether ``question`` is only a link or an issue number (and words that say nothing of
    the code: "Touch up PR 1306"): its text is elsewhere, and explore reads no network."""
    text = question.strip()
    if len(text) > _REFERENCE_CHARS or PERMALINK.search(text):  # a link to a file of the repository names its answer
        return False
    if _ONLY_REFERENCE.match(text) is not None:
        return True
    rest, found = _REFERENCE.subn(" ", text)
    # words of any script: "Исправить #12 в парсере" says what to fix
    return bool(found) and all(w in _AROUND_A_REFERENCE for w in re.findall(r"[^\W\d_][\w-]*", rest.lower()))


#: A question that speaks of tests at all (a mock, an assertion, a fixture): a test file the walk
#: answers it with is an answer. Broader than :func:`asks_for_tests`, which lifts test files.
_SPEAKS_OF_TESTS = re.compile(r"\b(tests?|tested|testing|specs?|fixtures?|mock(s|ed)?|benchmarks?|assert(s|ed|ions?)?)\b", re.I)


def speaks_of_tests(question: str) -> bool:
    """Whether ``question`` speaks of tests (where something is tested, a fixture, a mock)."""
    return _SPEAKS_OF_TESTS.search(question) is not None


#: A question asking where tests are: "where are the tests for NameAllocator?", "which test
#: covers the ensure! macro?", "where is parse_args tested?" — tests named as things (after a
#: determiner, or *tested*), never the verb ("which function tests for an optional type?",
#: "which file tests whether …": the code that checks), nor how tests are run or configured.
_TESTS_NOUN = r"(tests?|specs?|test (cases?|files?|suites?)|fixtures?)"
#: One word saying which tests ("which compliance tests cover …", "where are the fuzz tests"; jmespath's
#: question lifted no test file) — not the code noun of a check ("which function tests for …").
_TEST_ADJECTIVE = (r"(?:(?!(?:function|functions|helper|helpers|method|methods|file|module|class|code|routine|check|"
                   r"utility|util|utils|script|command|option|flag|is|are|do|does)\b)[a-z][\w-]*\s+)?")
#: A test doing something, as its question's subject: "which test starts a TLS server with
#: ListenAndServeTLS?", "which test verifies that …", "which spec would catch …" (chi's, ranked
#: 42nd, and MediatR's "which test checks that behaviors run in the right order", read as how
#: tests are run) — not how tests are run or kept ("which tests run in CI?", "which test runner …").
_TESTS_DOING = (rf"\b(?:which|what)\s+{_TEST_ADJECTIVE}{_TESTS_NOUN}\s+"
                r"(?:(?:would|will|should|can|could|might)\s+(?!be\b)[a-z]+|"
                # "which test passes bin-input.md to the CLI?" (marked's): what a test hands on, not that it passes
                r"passes\s+\S+\s+(?:to|into|as|in)\b|"
                r"(?!(?:is|was|does|has|runs|passes|fails|lives|sits|needs|requires|belongs|suites?|runners?|"
                r"frameworks?|commands?|harness|tools?|configs?|setups?|directory|folders?|files?|class|cases?|"
                # a noun ("which test dependencies does co install?")
                r"dependencies|fixtures|helpers|utilities|utils|data|directories|environments|reports|results)\b)"
                r"[a-z]+(?:es|s)|makes? sure|tries|tried)\b")
#: The tests named as things ("which test covers X", "the tests for X", "where are the tests"), which a
#: test answers where one is offered (:func:`asks_which_test`).
_TESTS_NAMED = (rf"\b(the|its|their|any|unit|integration|existing|which|what)\s+{_TEST_ADJECTIVE}{_TESTS_NOUN}\s+"
                r"(for|of|that|covering|covers?|checks?|exercis\w*|on)\b|"  # "the tests for X", "which test covers X"
                rf"\bwhere (are|is) (the |its |their )?{_TEST_ADJECTIVE}{_TESTS_NOUN}\b|"
                # "is there a test that …", "are there tests for X?" (FakeItEasy's VB integration tests, 82nd)
                rf"\b(is|are) there (a |an |any )?{_TEST_ADJECTIVE}{_TESTS_NOUN}\s+(for|of|that|which|covering|"
                r"checking|exercising|on)\b|"
                r"(?=\b(?:which|what)\s)" + _TESTS_DOING + "|"
                # a test named by its name ("the preserve_sequence test": ron's tests/preserve_sequence.rs, first in
                # both rankings, was dropped for the code files ranked below it)
                r"\bthe\s+`?[a-z]\w*_\w+`?\s+(tests?|specs?)\b")
_WHICH_TESTS = re.compile(_TESTS_NAMED, re.I)
_WHERE_TESTS = re.compile(
    _TESTS_NAMED + "|"
    # a snapshot test's expected output (cookie's src/__snapshots__/*.snap for "which snapshot file holds …?")
    r"\b(?:which|what|where\s+(?:is|are))\s+(?:the\s+)?snapshot\s+(?:files?|tests?)\b|"
    # "where is parse_args tested?", which may ask how code checks it too; not the verb of a check ("how is a
    # flag's shorthand tested for being used?"; "how is shell completion tested for nushell?" asks for the tests)
    r"\b(is|are|was|were|be|being|gets?)\s+(\S+\s+){0,4}?tested\b(?!\s+(for\s+being|whether|if|to\s+see)\b)",
    re.I)
_RUNS_TESTS = re.compile(r"\b(run|runs|running|ran|execut\w*|configur\w*|ci|invok\w*|command|skip\w*|fail\w*)\b", re.I)
#: What the tests are of: "the tests for X", "which test covers X", "is X tested" — X's words
#: say nothing of how tests run (commander's "which test covers … an unknown command?", "which
#: test covers what happens when parsing fails?" were read as how tests are run).
_TESTS_SUBJECT = re.compile(
    # (chrono's "which test compares … against the output of the system `date` command?": its command was read as
    # how tests run)
    rf"\b{_TESTS_NOUN}\s+(for|of|covering|covers?|checks?|exercis\w*|compares?|verif(y|ies)|asserts?|ensures?|"
    rf"validates?|makes? sure|reproduces?)\b.*|"
    r"\b(?:is|are|was|were|be|being|gets?)\s+(\S+\s+){0,4}?tested\b", re.I | re.S)


#: A test doing something and all after it: what the test does, not how tests are run.
_TESTS_ACT = re.compile(_TESTS_DOING + ".*", re.I | re.S)
#: The tests' own verb, after what they are of: "how are the tests for pflag run in CI?", "… invoked?".
_TESTS_RUN = re.compile(r"\b(run|ran|invoked|executed|configured|triggered|skipped)\b\s*"
                        r"(\?|$|\b(in|on|with|by|under|locally|from|during)\b)", re.I)


def asks_which_test(question: str) -> bool:
    """Whether ``question`` asks for tests named as things (:data:`_WHICH_TESTS`), as
    :func:`asks_for_tests` reads it: a test file answers it where one is offered."""
    return asks_for_tests(question) and _WHICH_TESTS.search(question) is not None


def asks_for_tests(question: str) -> bool:
    """Whether ``question`` asks where tests are (a test file is its answer): never a statement,
    nor a question about how tests are run or configured (their config answers that) — read
    outside what the tests are of (:data:`_TESTS_SUBJECT`), but for the tests' own verb at
    its end (:data:`_TESTS_RUN`)."""
    return _WHERE_TESTS.search(question) is not None and _RUNS_TESTS.search(_TESTS_SUBJECT.sub(" ", question)) is None \
        and _TESTS_RUN.search(_TESTS_ACT.sub(" ", question)) is None \
        and not is_statement(question) and not names_config(_TESTS_SUBJECT.sub(" ", question)) \
        and not (asks_for(question, "docs") and not _TESTS_COVERING.search(question))


#: A test asked for by what it covers, whatever that is ("which test covers the docs generated for nested
#: options?": nimble_options' took the docs lift for its word "docs", and its docs_test.exs came 4th).
_TESTS_COVERING = re.compile(r"\b(?:which|what)\s+(?:[a-z-]+\s+)?(?:tests?|specs?)\s+(?:covers?|checks?|verif(?:y|ies)|"
                             r"exercis\w+|asserts?)\b", re.I)


#: A question asking for a language's grammar: the file a parser generator reads.
_ASKS_GRAMMAR = re.compile(r"\b(grammars?|bnf|ebnf|yacc|bison|antlr|production rules?|parser rules?)\b", re.I)
#: What parser generators read: yacc/Bison, ANTLR, Lark, PEG, pest, Jison, nearley, pegen.
GRAMMAR_SUFFIXES = frozenset({".y", ".yy", ".g4", ".lark", ".peg", ".pest", ".ebnf", ".bnf", ".jison", ".ne", ".gram",
                              ".yrl", ".mly", ".jj", ".lalrpop"})


def asks_for_grammar(question: str) -> bool:
    """Whether ``question`` asks for a grammar (jq's "where is the grammar of the jq language
    defined?" ranked parser.y 26th: the word is in no line of it); never a statement."""
    return _ASKS_GRAMMAR.search(question) is not None and not is_statement(question)


#: A question asking where an error is raised, not where it is defined: "where is the
#: TooManyRedirectsException thrown?" (guzzle's answered the seven-line class that defines it).
_ASKS_RAISED = re.compile(r"\b(?:where|which (?:file|module|function|method|class|code))\b[^?\n]{0,80}?"
                          r"\b(?:thrown|raised|throws|raises|throw|raise)\b", re.I)
#: A line that raises or throws (``raise X(``, ``throw new X(``, ``panic(``, ``Err(X::…``).
RAISING_LINE = re.compile(r"\b(?:raise|throw|throws|panic!?|Err)\b")


def asks_where_raised(question: str) -> bool:
    """Whether ``question`` asks where an error is raised or thrown; never a statement, nor "where
    does X do Y" with an error thrown somewhere in Y (ky's "where does ky decide whether a
    TypeError thrown by fetch is a network error?" lifted every file throwing a TypeError)."""
    found = _ASKS_RAISED.search(question)
    if found is None or is_statement(question):
        return False
    return not (_WHERE_DOES.search(found.group(0)) and _PARTICIPLE.search(found.group(0))
                and not _PASSIVE.search(found.group(0)))


#: "Where does X …": its own verb is what it asks about.
_WHERE_DOES = re.compile(r"\bwhere\s+(?:does|do|did)\b", re.I)
#: The raising words as a participle ("a TypeError thrown by fetch"), and as the passive a
#: "where does it get thrown?" asks with.
_PARTICIPLE = re.compile(r"\b(?:thrown|raised)$", re.I)
_PASSIVE = re.compile(r"\b(?:get|gets|got|be|been|being)\s+(?:thrown|raised)$", re.I)


def asks_definition(question: str) -> bool:
    """Whether ``question`` asks where a name is defined (never a statement); a code name
    alone, as typed into grep, asks so too."""
    return (_DEFINITION.search(_PASTED_MESSAGE.sub(" ", question)) is not None and not is_statement(question)) \
        or is_bare_name(question)


#: A message a question pastes, whose words are the program's, not the user's asking: after an error's name
#: to the sentence's end, or quoted (highline's "raises NameError: :bright_orange is not a defined Style. Which
#: color names are allowed?" asked where a name is defined, and lifted the file defining `HighLine.color`).
_PASTED_MESSAGE = re.compile(r"\b[\w.:]*(?:Error|Exception|Warning)\b:[^\S\n]+[^\n]*?(?=[.!?][^\S\n]+[A-Z]|\?|$)|"
                             r"\"[^\"\n]{8,}\"", re.M)


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
    dependency's version (:func:`dependency_asked`) is config only where a config file pins
    it: "which version of escape is used, the C one or the Python one?" names code."""
    return _NAMES_CONFIG.search(question) is not None and not is_statement(question) \
        and _HANDLES_CONFIG.search(_USER_SEARCHED.sub(" ", question)) is None


#: What the user did, not the code: "I can't find a Version property anywhere" (Scrutor's version question was
#: read as asking for the code that finds a setting).
_USER_SEARCHED = re.compile(r"\bI\s+(?:can't|cannot|can not|couldn't|could not|didn't|did not|don't|do not|tried to|"
                            r"try to|want to|need to|have to)\s+(?:find|locate|look(?: up| for)?|search(?: for)?)\b",
                            re.I)


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
_CI_FILE = re.compile(r"(?:^|/)\.github/workflows/[^/]+\.ya?ml$|(?:^|/)\.gitlab-ci\.ya?ml$|(?:^|/)\.travis\.ya?ml$|"
                      r"(?:^|/)\.circleci/config\.ya?ml$|(?:^|/)azure-pipelines\.ya?ml$|(?:^|/)\.?appveyor\.ya?ml$")


def is_ci_file(path: str) -> bool:
    """Whether ``path`` is a CI service's workflow (GitHub Actions, GitLab, Travis, CircleCI, …)."""
    return _CI_FILE.search(path.lower()) is not None


def asks_ci_file(question: str, path: str) -> bool:
    """Whether ``path`` is a CI service's file and ``question`` asks what the CI runs on
    ("which Python versions are tested in CI?": the walk read pyproject.toml)."""
    return _CI_FILE.search(path.lower()) is not None and _VERSIONS_TESTED.search(question) is not None and \
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


def names_tool(question: str, path: str) -> bool:
    """Whether ``question`` names the tool a config file of ``path`` is named for: the first
    word of its name (``phpunit`` of ``phpunit.xml.dist``, ``pre-commit`` of
    ``.pre-commit-config.yaml``, ``tox`` of ``tox.ini``), other than the words of
    :data:`_NOT_TOOLS` — or asks for the version of the language whose manifest it is
    (:data:`_LANGUAGE_MANIFESTS`)."""
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
    if _ASKS_WORKFLOW.search(question) and _CI_FILE.search(path.lower()) is None:
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


#: A page asked for by the word, its subject whatever it names ("which documentation page explains … a value
#: in the TOML file?": toml11's CMake files and workflows took the config lift the TOML file gave; byteorder's
#: "which document describes the minimum supported Rust version policy?" answered Cargo.toml).
_WHICH_PAGE = re.compile(r"\b(?:which|what)\s+(?:(?:documentation|docs?|readme|wiki|help)\s+)?(?:pages?|sections?|"
                         r"guides?|tutorials?|chapters?|articles?|documents?)\b", re.I)


def asks_for_page(question: str) -> bool:
    """Whether ``question`` asks which page (section, guide) answers it: a page, whatever config it names."""
    return _WHICH_PAGE.search(question) is not None and not is_statement(question)


def asks_for(question: str, kind: str) -> bool:
    """Whether ``question`` asks for a file of ``kind`` other than code (always for code).

    A statement (:func:`is_statement`) asks for code whatever words it uses: a commit
    message or bug report that says *settings*, *CI* or *dependencies* describes
    behaviour (a writer's settings, a test run), and on the training projects' recorded
    walks a docs or config file answering such a text was never the file that changed
    (``benchmarks/fit_answer.py``'s records: 6 more of 540 commit messages right, no
    generated question changed; the generated questions are all put as questions)."""
    if kind == "code":
        return True
    if kind == "config" and names_config(question):  # go.mod, Cargo.toml, "which Go version …": none of the words below
        return True
    pattern = _ASKS_FOR.get(kind)
    text = _CODE_SPAN.sub(" ", question)
    if kind == "docs":
        text = _DOCUMENT_NOUN.sub(" ", text)
    return pattern is not None and pattern.search(text) is not None and not is_statement(question)


def asks_upgrade_guide(question: str) -> bool:
    """Whether ``question`` asks how to upgrade between versions (a guide answers it)."""
    return _UPGRADE_ASKED.search(question) is not None and not is_statement(question)


#: :data:`_UPGRADE` as a question writes it.
_UPGRADE_ASKED = re.compile(r"\b(?:" + _UPGRADE + r")\b", re.I)
#: A guide to upgrading by its name: UPGRADING.md, MIGRATION.md, docs/upgrading/3-to-4.rst, migration-v8.md.
UPGRADE_GUIDE = re.compile(r"(?:^|/)[^/]*(?:upgrad|migrat|breaking)[^/]*$|(?:^|/)(?:upgrad\w*|migrat\w*)/", re.I)


def asks_how_to_only(question: str) -> bool:
    """Whether ``question`` asks for docs (:func:`asks_for`) only as "how do I …" does: a page
    answers it where one speaks of what it asks, else the code it asks how to use (http's "how do
    I log every request?" answered a README holding no "log", chi's "how do I limit concurrent
    requests?" a CONTRIBUTING.md 23rd by its words, over the walk's throttle.go)."""
    text = _DOCUMENT_NOUN.sub(" ", _CODE_SPAN.sub(" ", question))
    return asks_for(question, "docs") and _ASKS_FOR["docs"].search(_HOW_TO_WORDS.sub(" ", text)) is None


#: The words of :data:`_HOW_TO`, taken out of a question to see whether it asks for docs otherwise.
_HOW_TO_WORDS = re.compile(r"\b(?:" + _HOW_TO + r")\b", re.I)


#: "document(s)" as the thing a document database stores, not the verb ("which page documents …",
#: "how to document …"): tinydb's "how are documents inserted into a table?" answered docs/usage.rst.
_DOCUMENT_NOUN = re.compile(r"\b(?:a|an|the|are|is|were|was|of|all|many|some|multiple|nested|new|large|json|xml|bson|two|"
                            r"these|those|each|every|my|our|your|their|its|with|into|in|for|by|and|or|from|whole|entire|"
                            r"other|such|which|when|if|where|do|does|did|have|has|duplicate|existing|"
                            # "inserting documents", "expired documents", "the updated document"
                            r"\w{3,}ing|\w{3,}ed)\s+documents?\b"
                            # not the documentation: "which documents describe …", "the documents for the emitter"
                            r"(?!\s+(?:the|how|what|a|an|describes?|covers?|explains?|mentions?|says?|shows?|lists?|"
                            r"talks?|for|about|specif(?:y|ies)|defines?|documents?|details?)\b)", re.I)


#: Code written in a question, which asks for no kind of file by its words: a variable and its
#: member or call (jsoup's `doc.outerHtml()`, `doc.select("p")` asked for documentation; zod's
#: `z.config({…})` for a config file), a call, a backticked span — not a file's name (`setup.py`) —, and a
#: link (dayjs's pasted warning ending in `https://day.js.org/docs/en/i18n/…` asked for documentation, and its
#: devHelper, the code printing it, gave way to a page).
_FILE_SUFFIX = (r"(?:py|pyi|toml|cfg|ini|json|ya?ml|md|rst|txt|lock|xml|gradle|kts|mod|sum|js|mjs|cjs|ts|tsx|jsx|rb|php|"
                r"cs|go|rs|java|kt|swift|sh|conf|properties|env|html?|in|dist|neon|sln|csproj|props|exs?|sbt)\b")
_CODE_SPAN = re.compile(r"<?https?://\S+|"
                        r"`(?![^`\n]*\." + _FILE_SUFFIX + r"`)[^`\n]*`|"  # `README.md` is a file's name
                        r"(?<![\w$.])[\w$]+(?:\.[\w$]+)*\.(?!" + _FILE_SUFFIX + r")[\w$]+(?:\([^()\n]*\)?)?|"
                        r"(?<![\w$.])[\w$]+\(", re.I)
