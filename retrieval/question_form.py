"""How a question is put, read from its words: a description (a commit message, a bug report,
a release note) or a question, one code name alone as typed into grep, or only a link or an
issue number pasted from a tracker.

Read before what a question asks for: a statement asks for code whatever words it uses
(:mod:`.intent`, :mod:`.config_asked` and :mod:`.tests_asked` ask :func:`is_statement`
first), and a reference alone holds no word to rank by, so ``ask``, ``search`` and the server
say so instead. Plain regular expressions; nothing here imports the ranking code.
"""
from __future__ import annotations

import re


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
