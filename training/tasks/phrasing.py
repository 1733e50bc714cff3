"""Turning what a repository says about itself into questions a person would ask.

Generators find facts (a docstring's summary, a heading, a constant's name); this module
words them. It is deliberately template-based: no model is needed, the output is
deterministic for a seed, and every rule here is small enough to read and argue with.
"""
from __future__ import annotations

import html
import random
import re

_ROLE = re.compile(r":[a-zA-Z:]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`")
_BACKTICKS = re.compile(r"`+([^`]*)`+")
_SPACES = re.compile(r"\s+")
_EMPHASIS = re.compile(r"(\*{1,2})(?=\S)([^*]+?)(?<=\S)\1")
#: Javadoc's and JSDoc's inline tags: ``{@code type}``, ``{@link Foo#bar}`` read as their text.
_INLINE_TAG = re.compile(r"\{@(?:code|link|linkplain|literal|value)\s+([^{}]*)\}")
_CAMEL_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

#: Summaries that say nothing a question could be built on.
_USELESS = re.compile(
    r"^(todo|fixme|xxx|deprecated|alias|see |same as|overrides?|override |"
    r"initiali[sz]e self|implementation of|helper|internal|private|"
    r"docstring|copyright|license|:param|:return|args:|returns?:|example|"
    r"\.\. |>>>|-\*-|#!)",
    re.IGNORECASE,
)
#: Openers that say "this thing" and can be dropped: "This function returns x" → "returns x".
_SELF_REF = re.compile(
    r"^(this|the) (function|method|class|module|decorator|helper|object|property|"
    r"package|script|file|command|type|wrapper|context manager)\s+(is used to\s+|will\s+)?",
    re.IGNORECASE,
)
_ARTICLES = ("a ", "an ", "the ")

# Irregular imperatives whose third person is not the regular -s/-es/-ies form.
_IRREGULAR = {"be": "is", "have": "has", "do": "does", "go": "goes"}
# Imperatives seen in docstring summaries. Only these are conjugated: guessing at any first
# word turns "Utility functions for x" into nonsense.
IMPERATIVES = frozenset(
    """accept access add adapt allow apply ask assert attach build cache calculate call cancel
    check clean clear close collect combine compare compile complete compute configure
    confirm connect construct convert copy count create decode decorate define delete
    describe detect determine disable display dispatch do download dump echo edit emit
    enable encode ensure enter evaluate execute exit expand extract fetch fill filter find
    finish flush format forward generate get give guess handle hide identify ignore
    implement import initialize insert install invoke iterate join keep launch list load
    locate log look make map mark match merge mock normalize notify open output override
    pack parse pass patch perform pick pop prepare print process produce prompt provide
    push put raise read rebuild receive record register reload remove render repeat
    replace report represent request reset resolve restore retry return reverse run save
    scan search select send serialize set setup show skip sort split start store strip
    style submit swap take tell test track transform translate truncate try turn unpack
    unregister update upload validate verify visit wait walk warn wrap write yield""".split()
)


def clean_markup(text: str) -> str:
    """Strip RST roles, backticks and emphasis: ``:func:`~click.echo` `` reads as ``click.echo``,
    ``*attrs*`` as ``attrs``; Javadoc's ``{@code type}`` as ``type``; HTML entities as their characters."""
    text = html.unescape(text) if "&" in text else text  # a README title's &ensp;, &amp;
    text = _INLINE_TAG.sub(lambda m: m.group(1).strip(), text)  # javapoet's "equivalent to {@code type}"
    text = _ROLE.sub(lambda m: m.group(1).strip(), text)
    text = _BACKTICKS.sub(lambda m: m.group(1), text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return _SPACES.sub(" ", text).strip()


def lower_first(text: str) -> str:
    """Lowercase a sentence's first letter for use mid-question, unless the first word is a
    name or acronym (``Edmonds-Karp``, ``HTTP``, ``PyPI``)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (any(c.isupper() for c in first[1:]) or any(c in first for c in "-_.0123456789")):
        return text
    return text[:1].lower() + text[1:]


def summary(docstring: str) -> str:
    """The first sentence of a docstring's first paragraph, markup removed."""
    para = docstring.strip().split("\n\n", 1)[0]
    para = clean_markup(para.replace("\n", " "))
    match = re.search(r"(?<=[a-z0-9)\]])\.(\s|$)", para)
    return (para[: match.start()] if match else para).strip().rstrip(".:;,")


def third_person(verb: str) -> str:
    """``return`` → ``returns``, ``apply`` → ``applies``, ``push`` → ``pushes``."""
    low = verb.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low.endswith(("s", "sh", "ch", "x", "z")):
        return low + "es"
    if len(low) > 1 and low.endswith("y") and low[-2] not in "aeiou":
        return low[:-1] + "ies"
    return low + "s"


def base_form(verb: str) -> str | None:
    """The imperative behind ``returns``/``Return``, or None if it is not a known verb."""
    low = verb.lower()
    if low in IMPERATIVES:
        return low
    for cut, add in (("ies", "y"), ("es", ""), ("s", "")):
        if low.endswith(cut) and low[: len(low) - len(cut)] + add in IMPERATIVES:
            return low[: len(low) - len(cut)] + add
    return {"is": "be", "has": "have", "does": "do"}.get(low)


def identifier_words(name: str) -> list[str]:
    """``DEFAULT_TIMEOUT`` → [default, timeout]; ``maxRetries`` → [max, retries]."""
    words: list[str] = []
    for piece in name.strip("_").split("_"):
        words += [w.lower() for w in _CAMEL_SPLIT.findall(piece)]
    return [w for w in words if w]


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names identifier ``name``, whole or as its spelled-out words."""
    low = text.lower()
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name.lower())}(?![A-Za-z0-9_])", low):
        return True
    words = identifier_words(name)
    return len(words) > 1 and " ".join(words) in _SPACES.sub(" ", re.sub(r"[_\W]+", " ", low))


def docstring_question(text: str, kind: str, rng: random.Random) -> str | None:
    """A question a docstring summary answers, or None when the summary is not usable.

    ``kind`` is ``module``, ``class`` or ``function``. The object's own name must already be
    absent from ``text`` (the caller checks): the question asks for behaviour, not a name.
    """
    text = _SELF_REF.sub("", text.strip())
    if _USELESS.match(text) or not re.match(r"[A-Za-z]", text):
        return None
    words = text.split()
    if not 4 <= len(words) <= 32 or len(text) > 220:
        return None
    first, rest = words[0], " ".join(words[1:])
    verb = base_form(first.rstrip(","))
    if verb is not None and verb not in ("be", "have"):
        options = [
            f"Where is the code that {third_person(verb)} {rest}?",
            f"Which file {third_person(verb)} {rest}?",
            f"Where does the project {verb} {rest}?",
            f"How does the code {verb} {rest}?",
        ]
        return _tidy(rng.choice(options))
    phrase = lower_first(text)
    if kind == "module":
        if phrase.startswith(_ARTICLES):
            return _tidy(rng.choice([f"Which module holds {phrase}?", f"Where is {phrase}?"]))
        return _tidy(rng.choice([f"Which module is about {phrase}?", f"Where are the {phrase}?"])
                     if phrase.split()[0].endswith("s") else f"Which module is about {phrase}?")
    if phrase.startswith(_ARTICLES) and not _is_sentence(phrase):
        return _tidy(rng.choice([
            f"Where is {phrase} defined?",
            f"Which file implements {phrase}?",
            f"Where is the code for {phrase}?",
        ]))
    return None


_RELATIVE = frozenset({"that", "which", "who", "whose", "for", "to", "used", "with", "of", "when", "where"})
_AUX = frozenset("""is are was were has have had can will should must does do may might would could
    need needs""".split())


def _is_sentence(phrase: str) -> bool:
    """Whether "The new io interface needs more..." is a sentence rather than a noun phrase
    ("A context manager that..."): a verb before any relative word gives it away."""
    for word in phrase.lower().split()[1:]:
        if word in _RELATIVE:
            return False
        if word in _AUX or (word.endswith("s") and base_form(word) not in (None, word)):
            return True
    return False


def _tidy(question: str) -> str:
    question = _SPACES.sub(" ", question).strip()
    question = re.sub(r"[.;:,!]+\?$", "?", question)
    return question[0].upper() + question[1:]


def heading_question(heading: str, rng: random.Random) -> str | None:
    """A question a documentation section answers, from its heading (None if nothing is left
    of it once numbering and punctuation are stripped)."""
    h = clean_markup(heading).strip().rstrip(":.")
    h = re.sub(r"^(\d+(\.\d+)*\.?|[A-Za-z]\.|[IVX]+\.)\s+", "", h)  # "1. Correction", "A. Setup"
    h = re.sub(r"^[^\w$@]+", "", h) or h  # "### $L for Literals" keeps its $L
    low = h.lower()
    if re.match(r"^(install|installation|installing)\b", low):
        return rng.choice(["Where are the installation steps documented?", "How do I install it?"])
    if h.endswith("?") and len(h.split()) >= 3:
        return h[0].upper() + h[1:]  # "Why no auto correction?" is already a question
    h = h.rstrip("?").strip()
    low = h.lower()
    if len(h) < 3:
        return None
    if low.startswith(("how to ", "how do ", "how can ")):
        return h[0].upper() + h[1:] + "?"
    # Keep acronyms and names (``CLI``, ``Bash``) as written; Title Case headings read
    # better lowercased inside a sentence.
    subject = h if any(len(w) > 1 and w.isupper() for w in h.split()) else low
    last = low.split()[-1]
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is", "ics"))
    return rng.choice([
        f"Where {'are' if plural else 'is'} {subject} documented?",
        f"Which document explains {subject}?",
        f"Where can I read about {subject}?",
    ])


def constant_question(name: str, rng: random.Random) -> str | None:
    """``DEFAULT_TIMEOUT`` → "What is the default timeout?"; None for one-word names."""
    words = identifier_words(name)
    if len(words) < 2:
        return None
    if words[0] == "default":
        return f"What is the default {' '.join(words[1:])}?"
    phrase = " ".join(words)
    return rng.choice([f"What is the {phrase} set to?", f"What value does the {phrase} setting have?"])
