"""What a question pastes of an error: the literal pieces its code would hold.

A report pastes an error as its program printed it — ``Error: Got unexpected extra arguments
(foo bar)``, a Python exception's last line, a compiler's ``error[E0308]:`` line, a log's
wrapped ``key: value`` line, a quoted string, a shouted heading — with the user's values
formatted in. :func:`pasted_messages` reads the pieces between those values, as the code that
raises the message holds them, and :func:`pasted_message_starts` each piece's starts, for a
value the message cannot tell from its text. The question's parse (:mod:`.query`) keeps
them on :class:`~.query.Query`; :mod:`.messages` finds where the repository raises them.
"""
from __future__ import annotations

import re

#: A fenced code block (a report's snippet): no quoted string in it is read as a message, nor its words as code names by their shape.
FENCE = re.compile(r"```.*?```", re.S)
#: A pasted error line: ``ValueError: msg``, ``Error: msg``, ``panic: msg``, ``E   KeyError: msg``.
_ERROR_LINE = re.compile(r"^[^\S\n]*(?:E[^\S\n]+)?"
                         # the JVM's uncaught exception and its causes, kotlinc's `e:`, Xcode's `Thread 1:`
                         r"(?:Exception in thread \"[^\"\n]*\"[^\S\n]+|Caused by:[^\S\n]+|e:[^\S\n]+|Thread \d+:[^\S\n]+|"
                         # Kotlin/Native's (okio's `Uncaught Kotlin exception: okio.EOFException: \n not found`)
                         r"Uncaught Kotlin exception:[^\S\n]+|Unhandled exception\.[^\S\n]+|"  # and .NET's
                         # a browser's console and Node's REPL: `Uncaught (in promise) TypeError: msg`
                         r"Uncaught[^\S\n]+(?:\(in promise\)[^\S\n]+)?)?"
                         # Swift's runtime trap: `Fatal error: msg`
                         # and a lower-case `warning:` as Rust's, gcc's and env_logger's own print it
                         # (a PHP namespace's too: `Symfony\Component\Yaml\Exception\DumpException: …` gave none)
                         # (and Ruby's: `ActionView::Template::Error: …` gave none)
                         r"(?:(?:[\w.\\/]|::)*(?:Error|Exception|Warning|Failure)|error|fatal|[Ff]atal error|panic|"
                         # and a log level's capitals, pip's (`ERROR: Could not find a version …`: it gave none)
                         r"warning|ERROR|FATAL|CRITICAL|WARNING)"
                         r"(?:\[\w+\])?:[^\S\n]+(.{12,300})$|"
                         # a message after `Error`, kept with it (`Error parsing …`), and after a tool's `ERROR`,
                         # without it (pypa/build's `ERROR Unmet dependencies …`, which no file holds so, found nothing)
                         # (and Elixir's Logger's, after its time: `10:15:32.123 [warning] retry: got response …`)
                         r"^[^\S\n]*(?:ERROR[^\S\n]+(?![\s:])|(?:[\d:.TZ-]+[^\S\n]+)?"
                         r"\[(?:ERROR|FATAL|error|warning|warn)\][^\S\n]+|(?=(?:Error|error)\b[^:\n]))"
                         r"(.{12,300})$|"
                         # a C tool's, after its name or a source location: `jq: error (at <stdin>:0): msg`,
                         # `parser.c:12:5: fatal error: msg`, Swift's `Foo.swift:36: Fatal error: msg`, Python's
                         # warning (`conftest.py:18: InsecureKeyLengthWarning: msg`: pyjwt's gave no message)
                         r"^[^\S\n]*[\w./+-]{1,80}(?::\d+)*:[^\S\n]+(?:[Ff]atal[^\S\n]+)?"
                         r"(?:error|[Ff]atal|warning|[A-Z]\w*(?:Warning|Error|Exception))"
                         r"(?:[^\S\n]*\([^)\n]*\))?:[^\S\n]+(.{12,300})$|"
                         # a command line parser's, after the option (CLI11's `--count: Value 5000 not in range
                         # [1 - 100]` gave none)
                         r"^[^\S\n]*--?[A-Za-z][\w-]*:[^\S\n]+([A-Z][^\n]{11,300})$|"
                         # PHP's own (`PHP Fatal error:  Uncaught App\XException: msg in /app/x.php:41`:
                         # Respect/Validation's gave none), less the exception's name and where it was thrown
                         r"^[^\S\n]*PHP[^\S\n]+(?:Fatal error|Warning|Notice|Deprecated|Parse error):[^\S\n]+"
                         r"(?:Uncaught[^\S\n]+[\w\\]+:[^\S\n]+)?(.{12,300}?)"
                         r"(?:[^\S\n]+in[^\S\n]+\S+?(?::\d+|[^\S\n]+on[^\S\n]+line[^\S\n]+\d+))?$", re.M)
#: A quoted string in prose: what a report quotes of a message (every quoted span is matched,
#: short ones too, so the text between two quotes is never read as one; not backticks, which
#: quote code).
_QUOTED = re.compile(r'"([^"\n]*)"|(?<![\w])\'([^\'\n]*)\'(?![\w])')
#: What a message's values look like where the code has a placeholder: quoted values (one never
#: closed runs to the line's end: godotenv's `unterminated quoted value "-----BEGIN …`), reprs,
#: numbers, paths and names in angle brackets; the literal text between them is kept.
_VALUE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|(?<!\w)[\"'][^\"'\n]*$|<[^>\n]*>|\([^()\n]*\)|"
                    # a Ruby symbol inspected into a message (dry-monads' "Cannot create Failure from :timeout, …")
                    r"(?<![\w:]):[a-z_]\w*[?!]?(?![\w:])|"
                    r"(?<![#!])\[[^\]\n]*\]|\{[^}\n]*\}|"
                    r"(?<![\w.])[-+]?\d[\w.:/-]*|(?<!\S)\S*[/\\]\S*")
#: A value quoted the way a message quotes what the user gave (``'--verbose'``, ``"abc"``).
_PASTED_VALUE = re.compile(r"(?<![\w])'[^'\n]+'(?![\w])|\"[^\"\n]+\"")
#: A log message's capitals typed alone (gunicorn's "WORKER TIMEOUT", which only its arbiter logs):
#: two words or more (one is a constant's name, :func:`~explore.retrieval.question_form.is_bare_name`).
_SHOUTED = re.compile(r"[A-Z][A-Z0-9'_-]*(?: [A-Z][A-Z0-9'_-]*){1,7}[.!]?")
#: A piece is worth looking up when it holds this many words, or one fewer in 12 characters
#: or more (``Required block``): shorter ones (``not found``) stand in too many places.
MESSAGE_WORDS = 3


def _long_enough(piece: str) -> bool:
    words = len(piece.split())
    return (words >= MESSAGE_WORDS or words == MESSAGE_WORDS - 1 and len(piece) >= 12) and \
        re.search(r"[^\W\d_]{3}", piece) is not None


def pasted_message_starts(text: str) -> tuple[tuple[str, ...], ...]:
    """:attr:`Query.message_starts`: the pieces of the error lines in ``text``, each cut a
    word at a time from its end while it stays long enough to look up."""
    starts = []
    for line in _error_lines(text):
        # and its first sentence alone: a long message's start cut to half its words never reached the
        # sentence holding the value (apispec's "Multiple schemas resolved to the name Pet. The name has …")
        sentence = _SENTENCE_END.split(line, maxsplit=1)[0]
        for said in dict.fromkeys((line, sentence)):
            # the message's first piece only, cut to no less than half its words: a later piece's start
            # (p-queue's `and up, got`) stands in every message of its kind
            first = next((p for p in _VALUE.split(said) if p.strip()), "")
            words = first.strip(" \t.,;:!?-=").split()
            cut = [" ".join(words[:n]) for n in range(len(words) - 1, 1, -1) if 2 * n >= len(words)]
            cut = [c for c in cut if _long_enough(c)]
            if cut and _long_enough(" ".join(words)):
                starts.append(tuple(cut))
    return tuple(starts)


#: Where a sentence of a message ends and the next begins (for a message's first sentence,
#: :func:`pasted_message_starts`, and its sentences, :func:`pasted_messages`). It was defined twice, the
#: second (this one) shadowing the first, ``(?<=[a-z0-9)'"][.!?])\s+``, which no call ever used.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9])[.!?]\s+(?=[A-Z])")
#: What a build tool prints after the errors themselves, in every report of its kind: no code
#: holds it (cargo's ``could not compile `app` (lib) due to 1 previous error``).
_BOILERPLATE = re.compile(r"\bcould not compile\b|\baborting due to\b|\bprevious errors?\b|\bwarnings? emitted\b|"
                          r"\bto rerun pass\b|"
                          r"\bbuild failed\b|\bcompilation failed\b|\bcompilation terminated\b", re.I)
#: A list of errors as Go's multierror and mapstructure print it: ``1 error(s) decoding:`` (or
#: ``2 errors occurred:``), then a ``* message`` per error.
#: (JUnit's ``InvalidTestClassError: Invalid test class 'FooTest':`` numbers its items: ``1. The @Rule …``.)
_ERROR_LIST = re.compile(r"^(?:[^\n]*\b\d+ errors?(?:\(s\))? (?:occurred|decoding)\b|"
                         r"[^\S\n]*(?:[\w$]+\.)*[A-Z]\w*(?:Error|Exception):[^\S\n])[^\n]*:[^\S\n]*\n"
                         r"((?:[^\S\n]*\n)*(?:[^\S\n]*(?:\*|\d{1,2}\.)[^\S\n]+[^\n]+(?:\n|$))+)", re.M)
_ERROR_ITEM = re.compile(r"^[^\S\n]*(?:\*|\d{1,2}\.)[^\S\n]+(.{12,300})$", re.M)
#: Messages other runtimes print in other shapes, one group each: Ruby's uncaught exception
#: (``app.rb:22:in 'save': stubbed models are not allowed … (RuntimeError)``), RSpec's failure (the
#: class alone on a line, the message indented below it: factory_bot's ``KeyError:`` then
#: ``Factory not registered: "usr"``), and an Objective-C exception's ``reason: '…'`` (Nimble's,
#: over several lines).
_ERROR_FORMS = (
    re.compile(r"^[^\S\n]*\S+:\d+:in [`'][^'\n]*':[^\S\n]+(.{12,300}?)[^\S\n]+\((?:[A-Z]\w*::)*[A-Z]\w*\)$", re.M),
    re.compile(r"^[^\S\n]*(?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception|Failure|Invalid|NotFound):[^\S\n]*\n"
               r"[^\S\n]+(\S.{11,300})$", re.M),
    re.compile(r"\breason: '([^']{12,300})'"),
    # a Ruby exception of a namespace, whatever its class's name (`Kaminari::ZeroPerPageOperation: …`), and as a Rails
    # log prints one: `ActiveRecord::RecordNotFound (Couldn't find User with 'id'=42):` (kaminari's reports gave none)
    re.compile(r"^[^\S\n]*(?:[A-Z]\w*::)+[A-Z]\w*:[^\S\n]+(.{12,300})$", re.M),
    re.compile(r"^[^\S\n]*(?:(?:[A-Z]\w*::)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception))[^\S\n]+\((.{12,300})\):?[^\S\n]*$",
               re.M),
    # Rust's panic since 1.73, its message on the line after the place (rand's "cannot sample empty range"),
    # and a C++ exception's `what():` as the runtime's terminate handler prints it (CLI11's)
    re.compile(r"panicked at [^\n]*?:\d+:\d+:[^\S\n]*\n[^\S\n]*(\S.{11,300})$", re.M),
    re.compile(r"\bwhat\(\):[^\S\n]+(.{12,300})$", re.M),
    # Elixir's raised exception, `** (Timex.Parse.ParseError) Expected month …`
    re.compile(r"^[^\S\n]*\*\* \([A-Z][\w.]*\)[^\S\n]+(.{12,300})$", re.M),
    # a message pasted inside a sentence, after the exception's name or `Error:`, to the sentence's end
    # ("… fails with: Error: Invalid value for '-f' … does not exist. The file exists …", "throws:
    # Scrutor.DecorationException: Could not find … Why?", "raises Mustermann::ParseError: unexpected … --
    # where …?": python-dotenv's, Scrutor's and mustermann's reports gave no message)
    # and after "fails with:" (ants's "ants.NewPool(-1, …) fails with: can not set up a negative capacity …")
    re.compile(r"(?<=\S)[^\S\n]+(?:(?:[\w.]|::)*(?:Error|Exception)|ERROR|error|"
               r"(?:fail(?:s|ed|ing)?|crash(?:es|ed)?|panic(?:s|ked)?|abort(?:s|ed)?|died|dies) with):[^\S\n]+"
               r"(\S.{11,300}?)(?=[.!?][^\S\n]+[A-Z(]|\?|[^\S\n]+--?[^\S\n]|[.!]?[^\S\n]*$)", re.M),
)
#: A Python traceback's last line under its last frame, its exception named anyhow (voluptuous's
#: `voluptuous.error.MultipleInvalid: expected Color or one of 'red', …` gave no message: no Error in its name).
_PYTHON_FRAME = re.compile(r'^[^\S\n]+File "[^"\n]+", line \d+[^\n]*$', re.M)
_PYTHON_RAISED = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*:[^\S\n]+(\S.{11,300})$", re.M)
#: An Elixir or Erlang error tuple's reason, an atom the code returns as its message
#: (timex's `{:error, {:unknown_shift_unit, :week}}`): one word, kept whole where it is long.
_ERROR_ATOM = re.compile(r"\{:?error,[^\S\n]*\{?:([a-z]\w{11,59})\b")


def _error_lines(text: str) -> list[str]:
    """The messages of ``text``'s error lines (:data:`_ERROR_LINE`, :data:`_ERROR_FORMS`, and
    the items of an error list, :data:`_ERROR_LIST`), less a build tool's own."""
    found = [line for m in _ERROR_LINE.finditer(text)
             if not _BOILERPLATE.search(line := next(g for g in m.groups() if g))]
    found += [" ".join(m.group(1).split()) for form in _ERROR_FORMS for m in form.finditer(text)]
    if not found and "Traceback (most recent call last)" in text:
        frame = None
        for frame in _PYTHON_FRAME.finditer(text):
            pass
        # a Python traceback's last line under its last frame, whatever the class is called
        if frame is not None and (raised := _PYTHON_RAISED.search(text, frame.end())) is not None:
            found.append(raised.group(1))
    return found + [item.group(1) for m in _ERROR_LIST.finditer(text) for item in _ERROR_ITEM.finditer(m.group(1))]


#: A diagnostic's gutter between its location and its message, pasted onto one line.
_GUTTER = re.compile(r"[^\S\n]+\|[^\S\n]+")


def pasted_messages(text: str) -> tuple[str, ...]:
    """The literal pieces of the error lines and quoted strings in ``text`` (see :attr:`Query.messages`)."""
    found = _error_lines(text)
    line = text.strip()
    if not found and "\n" not in line and len(line) <= 300 and (_PASTED_VALUE.search(line) or _SHOUTED.fullmatch(line)) \
            and not line.endswith("?"):
        found.append(line)  # a message pasted bare: "Option '--verbose' does not take a value.", "WORKER TIMEOUT"
    found += [quoted for m in _QUOTED.finditer(FENCE.sub(" ", text)) if len(quoted := m.group(1) or m.group(2) or "") >= 12]
    if not found:  # Go's wrapped error as printed, bare: `token is unverifiable: error while executing keyfunc: …`
        found += [m.group(1) for wrapped in (_WRAPPED, _WRAPPED_TWO) for m in wrapped.finditer(text)]
    pieces: list[str] = [m.group(1) for m in _ERROR_ATOM.finditer(text) if "_" in m.group(1)]
    for message in found:
        # (and apart at a diagnostic's gutter, pasted onto one line: toml's "TOML parse error at line 3, column 9 |
        # integers with a radix cannot be signed" held "| integers …", which no code writes)
        for piece in (part for value in _VALUE.split(message) for part in _GUTTER.split(value)):
            # less the level a command prints before its message (cargo-insta's `error: Interactive review requires
            # a terminal.`, quoted, held "error: " no literal of its holds)
            piece = _LEVEL_PREFIX.sub("", piece.strip(" \t.,;:!?-=")).strip(" \t.,;:!?-=")
            if _long_enough(piece):
                pieces.append(piece)
            # and each sentence, which the code may write on a line of its own
            sentences = [sentence.strip(" \t.,;:!?-=") for sentence in _SENTENCE_END.split(piece)]
            pieces += [sentence for sentence in sentences if len(sentences) > 1 and _long_enough(sentence)]
            # and each error the chain wraps, as its own code writes it (`newError("error while executing keyfunc", …)`)
            links = [link.strip(" \t.,;:!?-=") for link in _LINK.split(piece)]
            pieces += [link for link in links if len(links) > 1 and _long_enough(link)]
    return tuple(dict.fromkeys(pieces))


#: A level a command or a logger prints before its message.
_LEVEL_PREFIX = re.compile(r"^(?:error|warning|fatal|note|panic)(?:\[\w+\])?:\s*", re.I)
#: Where one wrapped error joins the next (Go's ``fmt.Errorf("outer: %w", err)``): a colon
#: after a lower-case word, before a lower-case one.
_LINK = re.compile(r"(?<=[a-z0-9]):\s+(?=[a-z])")
#: A line of wrapped errors pasted without an error prefix (after a variable or a log's time
#: stamp): three or more lower-case links.
_WRAPPED = re.compile(r"^[^\S\n]*(?:[\d/:.-]+[^\S\n]+)*(?:\w+[^\S\n]*=[^\S\n]*)?"
                      # a link may name a path (`open /etc/app/config.yaml: permission denied`)
                      r"([a-z][\w ,'./-]{3,}:[^\S\n]+[a-z][\w ,'./-]{3,}(?::[^\S\n]+[a-z][^\n]{3,})+)$", re.M)
#: Or two links, the second quoting a value, on a line of its own between blank lines (zerolog's
#: `cannot decode event: invalid character '[' looking for beginning of value`, pasted under a
#: sentence, gave no message).
_WRAPPED_TWO = re.compile(r"(?:\A|(?<=\n\n))[^\S\n]*([a-z][\w ,./-]{3,}:[^\S\n]+[a-z][\w ,./-]{3,}'[^'\n]+'"
                          r"[^\S\n]+[a-z][^\n]{3,})(?=\n\n|\n?\Z)")
