"""Tasks from documentation: Markdown and reStructuredText headings and their sections.

"Where are the installation steps documented?" is a question users really ask, and the
answer is a file a walker can find by folder names (``docs/``) as much as by words. A
heading becomes a task only when its section has body text (a heading with nothing under
it answers nothing), and headings that every project has and that say nothing
(Changelog, Contents, License, a bare version number) are skipped.
"""
from __future__ import annotations

import random
import re

from ...agent.task import Task
from ...sandbox.snapshot import Snapshot
from .phrasing import clean_markup, heading_question
from .quality import is_vendored

SOURCE = "docs"
MARKDOWN = (".md", ".markdown")
RST = (".rst",)
MAX_BYTES = 300_000
#: At most this many headings from one document.
PER_FILE = 8

_SKIP = re.compile(
    r"^(v?\d+(\.\d+)*\w*(\s.*)?|changes?|changelog|change log|history|release notes|contents|"
    r"table of contents|toc|license|licen[cs]e.*|copyright|indices and tables|api|api reference|"
    r"index|indices|credits|authors|contributors|acknowledg(e)?ments|todo|notes?|overview|"
    r"introduction|intro|summary|example|examples|usage|links?|see also|references|"
    r"unreleased|version \d.*|released .*|\W*)$",
    re.IGNORECASE,
)
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:.])\1{2,}\s*$")
_MD_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def doc_files(snapshot: Snapshot) -> list[str]:
    return [f for f in snapshot.files if f.lower().endswith(MARKDOWN + RST) and not is_vendored(f)]


def sections(text: str, rst: bool) -> list[tuple[str, int, int, str]]:
    """(heading, level, line, body) for each heading; level 1 is the first style seen."""
    lines = text.splitlines()
    found: list[tuple[str, str, int]] = []  # heading, style, line index
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if rst:
                over = i > 0 and _RST_UNDERLINE.match(lines[i - 1] or "")
                title = line.strip()
                if title and not _RST_UNDERLINE.match(line) and _RST_UNDERLINE.match(nxt) and len(nxt.strip()) >= len(title):
                    found.append((title, ("o" if over else "u") + nxt.strip()[0], i))
                    i += 2
                    continue
            else:
                m = _MD_ATX.match(line)
                if m:
                    found.append((m.group(2), "#" * len(m.group(1)), i))
                elif line.strip() and re.match(r"^(=+|-+)\s*$", nxt) and not line.startswith(("-", "*", "|")):
                    found.append((line.strip(), "#" if nxt.strip()[0] == "=" else "##", i))
                    i += 2
                    continue
        i += 1
    styles: list[str] = []
    out = []
    for n, (title, style, start) in enumerate(found):
        if style not in styles:
            styles.append(style)
        end = found[n + 1][2] if n + 1 < len(found) else len(lines)
        body = "\n".join(lines[start + 2 if rst else start + 1: end])
        level = len(style) if style.startswith("#") else styles.index(style) + 1
        out.append((title, level, start + 1, body))
    return out


def _has_prose(body: str) -> bool:
    """At least one line of ordinary text (not a directive, code fence or underline)."""
    for line in body.splitlines():
        s = line.strip()
        if len(s) > 20 and not s.startswith(("..", "```", ":", "|", "<", "!", "[!", "#")) and not _RST_UNDERLINE.match(s):
            return True
    return False


def generate(snapshot: Snapshot, rng: random.Random, progress=None) -> list[Task]:
    files = doc_files(snapshot)
    tasks: list[Task] = []
    for i, rel in enumerate(files):
        if progress is not None:
            progress(i + 1, len(files))
        text = snapshot.text(rel, MAX_BYTES)
        if not text:
            continue
        taken = 0
        for title, level, line, body in sections(text, rel.lower().endswith(RST)):
            heading = clean_markup(title)
            if _SKIP.match(heading) or not 3 <= len(heading) <= 80 or not _has_prose(body):
                continue
            question = heading_question(heading, rng)
            if question is None:
                continue
            tasks.append(Task(id="", question=question, targets=[rel], rev=snapshot.rev, source=SOURCE,
                              meta={"kind": "heading", "heading": heading, "level": level, "line": line}))
            taken += 1
            if taken >= PER_FILE:
                break
    return tasks
