"""`explore ask REPO QUESTION`: which file(s) answer a question, and the evidence.

First it offers the question to a warm ``explore serve --socket`` (:mod:`explore.handoff`),
which answers in the time of the walk alone; without one (or one holding another model or
other adapters) it loads the model and walks here. Either way the same JSON, the same exit
codes: 0 when it answers, 1 when the walk found nothing to answer, 2 for bad input.
Imports only the runtime (``agent``), and that only when it walks here: never
``training``, so a repository's trained adapters are found however the training stack fares.
"""
from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from ..question_text import (MAX_QUESTION_BYTES, MAX_QUESTION_CHARS, QuestionTooLong, check_question, not_utf8_at,
                             too_long)
from ..sandbox.errors import ExploreError
from .console import NOT_FOUND, emit_json, err, inert, out, shown_markup, shown_name
from .options import JsonOpt, ModelOpt, ReflectorOpt, RepoArg, RevOpt, WorktreeOpt, adapter_path, path_value


class QuestionSourceError(ExploreError):
    """No question was given, or two were."""


def read_question(question: str | None, question_file: Path | None, command: str = "ask") -> str:
    """The question from the argument, ``-`` (stdin) or ``--question-file`` (a path or ``-``);
    ``command`` names the command a missing question is shown with."""
    if question is not None and question_file is not None:
        raise QuestionSourceError("give the question as an argument or with --question-file, not both")
    if question_file is not None:
        if str(question_file) == "-":
            return _stdin()
        try:
            with question_file.open("rb") as fh:
                raw = fh.read(MAX_QUESTION_BYTES + 1)  # a bound: /dev/zero, a log file given by mistake
        except OSError as exc:
            raise QuestionSourceError(f"--question-file {question_file}: {exc.strerror or exc}; give a file that holds "
                                      "the question, or - to read it from stdin") from None
        return _decoded(_bounded(raw), f"in {question_file}")
    if question == "-":
        return _stdin()
    if question is None:
        raise QuestionSourceError(f'no question: explore {command} REPO "where is the config parsed?" '
                                  "(or - to read it from stdin, or --question-file FILE)")
    if not_utf8_at(question) is not None:
        question = _argument_as_utf8(question)
    if (at := not_utf8_at(question)) is not None:  # `ask` refused it deep down, `search` echoed \udcff in its JSON
        raise QuestionSourceError(f"the question is not UTF-8 text (a byte that is not, at character {at}): retype "
                                  "it, or convert it (`iconv -f latin1 -t utf-8`) and pass it with --question-file")
    return question


def _argument_as_utf8(question: str) -> str:
    """The argument's bytes read as UTF-8 where they are: Python decodes the command line in the
    locale's encoding, and the C locale's (UTF-8 mode off) made ``é`` two escapes; else as given."""
    import os

    try:
        return os.fsencode(question).decode("utf-8")
    except UnicodeError:  # bytes that are no UTF-8 (a Latin-1 é): refused, by the caller
        return question


def question_text(question: str | None, question_file: Path | None, command: str = "ask") -> str:
    """The question as `ask` and `search` take it: read (:func:`read_question`), stripped, and
    refused when it is empty or holds no word."""
    text = read_question(question, question_file, command).strip()
    check_question(text)
    return text


def _stdin() -> str:
    """The question piped in: UTF-8 text, or a clear error (not a traceback) for other bytes
    or a closed stdin."""
    import sys

    if sys.stdin is None:
        raise QuestionSourceError("- reads the question from stdin, and stdin is closed")
    if sys.stdin.isatty():  # typed at a terminal: without a word it waits in silence, as if hung (as `cat` does)
        err.print("reading the question from the terminal (stdin): type it, then Ctrl-D on a line of its own",
                  markup=False, highlight=False)
    try:
        raw = sys.stdin.buffer.read(MAX_QUESTION_BYTES + 1) if hasattr(sys.stdin, "buffer") else \
            sys.stdin.read(MAX_QUESTION_CHARS + 1)
    except OSError as exc:
        raise QuestionSourceError(f"stdin: {exc.strerror or exc}") from None
    if isinstance(raw, str):
        return raw
    return _decoded(_bounded(raw), "on stdin")


def _bounded(raw: bytes) -> bytes:
    """``raw``, refused when it ran past what a question may be (read one byte over the bound)."""
    if len(raw) > MAX_QUESTION_BYTES:
        # in bytes both (an 8 MB log was told "over 4,000,000 bytes, over the 1,000,000 characters taken")
        raise QuestionTooLong(too_long(f"over {MAX_QUESTION_BYTES:,} bytes",
                                       f"more than a question of {MAX_QUESTION_CHARS:,} characters can be"))
    return raw


def _decoded(raw: bytes, where: str) -> str:
    """``raw`` as UTF-8 text (an editor's byte-order mark is no text), or UTF-16 where its
    byte-order mark says so (what Windows PowerShell 5's ``>`` writes); else an error saying
    where the first other byte is and how to convert the text."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise QuestionSourceError(f"the question {where} starts as UTF-16 text but is not (byte {exc.start}): "
                                      "convert it first, e.g. `iconv -f utf-16 -t utf-8`") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuestionSourceError(f"the question {where} is not UTF-8 text (byte {raw[exc.start]:#04x} at "
                                  f"{exc.start}): convert it first, e.g. `iconv -f latin1 -t utf-8`") from None
    if "\0" in text:  # UTF-16 with no mark is UTF-8 with a NUL after each letter: it matched no word
        raise QuestionSourceError(f"the question {where} holds a NUL byte (at {raw.index(0)}): UTF-16 without its "
                                  "byte-order mark, or no text; convert it first, e.g. `iconv -f utf-16le -t utf-8`")
    return text


def warn_uncommitted(repo: Path) -> None:
    """Say so on stderr when the working tree differs from HEAD: `ask` walks the commit, and
    an answer about a file just edited (or added) would silently describe the old one."""
    from ..handoff import working_tree_differs

    if working_tree_differs(repo):
        say_uncommitted()


def warn_sparse(repo: Path) -> None:
    """Say so on stderr when ``--worktree`` walks a sparse checkout: the files outside its
    cone are tracked but not in the working tree, so no answer can name them (without
    ``--worktree`` the commit is read whole)."""
    from ..handoff import SPARSE_NOTE, is_sparse_checkout

    if is_sparse_checkout(repo):
        err.print(f"[yellow]note:[/] {SPARSE_NOTE} (drop --worktree to read HEAD whole)", highlight=False)


def uncommitted_note(repo: Path, noted: set[str]) -> Callable[[], None]:
    """:func:`warn_uncommitted` started now and said later: `git status` (a fifth of a second
    on a mid-size repository) runs beside the model load or the index instead of before
    it. The returned call waits for it and says the note, when there is one to say (and
    adds ``uncommitted`` to ``noted``, for :func:`with_uncommitted`)."""
    from ..handoff import differs_later

    differs = differs_later(repo)

    def note() -> None:
        if differs():
            say_uncommitted()
            noted.add("uncommitted")

    return note


def with_uncommitted(data: dict[str, Any], noted: set[str]) -> dict[str, Any]:
    """``data`` (an answer or a search) with the uncommitted-changes note in its ``notes``
    when it was said on stderr: a script reading ``--json`` on stdout was told only "check
    the spelling" of a function just written (MCP and the Python API put it in ``notes``)."""
    if "uncommitted" not in noted:
        return data
    said = uncommitted_said()
    notes = list(data.get("notes") or [])
    return data if any(said in n for n in notes) else {**data, "notes": [*notes, said]}


def uncommitted_said() -> str:
    """The CLI's uncommitted-changes note, as stderr and ``--json``'s ``notes`` both say it."""
    from ..handoff import UNCOMMITTED

    return f"{UNCOMMITTED} (add --worktree to read them)"


#: ``--walk``'s choices: :data:`explore.agent.answer.WALKS` (not imported: a question handed to
#: a server imports nothing of the agent; a test keeps the two equal).
WALKS = ("auto", "always")


def say_uncommitted() -> None:
    err.print(f"[yellow]note:[/] {uncommitted_said()}",
              highlight=False)  # ask, search and eval alike: search walks nothing


def say_missing(note: str) -> None:
    """What `search` says on stderr of the files the clone lacks (`ask` has it in its notes)."""
    err.print(f"[yellow]note:[/] {shown_markup(note)}", highlight=False)


def ask(
    repo: RepoArg,
    question: Annotated[Optional[str], typer.Argument(help='The question, e.g. "where is the retry back-off computed?"; - reads it from stdin.')] = None,
    question_file: Annotated[Optional[Path], typer.Option("--question-file", parser=path_value, help="Read the question from this file (- for stdin).")] = None,
    rev: RevOpt = None,
    worktree: WorktreeOpt = False,
    model: ModelOpt = None,
    adapter: Annotated[Optional[Path], typer.Option("--adapter", help="Folder with trained policy/ and reflector/ adapters (default: the ones `explore train` made for this repo; `shipped`: the shipped navigator and ranking, no fit).", parser=adapter_path)] = None,
    reflector: ReflectorOpt = None,
    max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, max=50, help="Most steps before answering the best candidate (default: the horizon the adapters were trained with, 8 for the shipped navigator).")] = None,
    show_steps: Annotated[bool, typer.Option("--show-steps", help="Show the walk with reflections.")] = False,
    as_json: JsonOpt = False,
    no_server: Annotated[bool, typer.Option("--no-server", help="Answer in this process even when `explore serve --socket` is running.")] = False,
    walk: Annotated[str, typer.Option("--walk", help="auto: walk only where the walk can change the answer (a question about code that asks for no docs or config file, nor where a name is defined, is settled from the candidate stage and BM25 without loading the model); always: walk every question.")] = "auto",
) -> None:
    """Answer a question about a repository: which file(s) hold the answer, and the evidence.

    Handed to a running `explore serve --socket` when there is one that holds this model and
    these adapters (same answer, without the seconds of loading); else answered here."""
    text = question_text(question, question_file)
    if reflector not in (None, "lora", "none"):
        raise ExploreError(f"--reflector must be lora or none, not {reflector!r}")
    if walk not in WALKS:
        raise ExploreError(f"--walk must be {' or '.join(WALKS)}, not {walk!r}")
    if worktree:
        warn_sparse(repo)
    status = None if as_json else err.status("asking…")
    say = (lambda _text: None) if status is None else (
        # spinner= redraws at once: a stage shorter than a frame still shows
        lambda text: status.update(shown_markup(text), spinner="dots"))
    try:
        if status:
            status.start()
        data, noted = None, set()
        if rev is None and not no_server:
            data = ask_running_server(repo, text, worktree=worktree, model=model, adapter=adapter,
                                      reflector=reflector, max_steps=max_steps, walk=walk, say=say, noted=noted)
        warm = data is not None
        if data is None:  # the server's note, if it gave one before failing, is not said twice
            data = ask_here(repo, text, rev=rev, worktree=worktree, model=model, adapter=adapter,
                            reflector=reflector, max_steps=max_steps, walk=walk, say=say,
                            check_head=rev is None and not worktree and "uncommitted" not in noted, noted=noted)
    finally:
        if status:
            status.stop()
    answered = bool(data["evidence"])
    if as_json:
        emit_json("ask", {"answered": answered, **with_uncommitted(data, noted)})
    else:
        render_answer(data, show_steps, warm=warm)
    if not answered:
        raise typer.Exit(NOT_FOUND)


def ask_running_server(repo: Path, text: str, *, worktree: bool, model: str | None, adapter: Path | None,
                       reflector: str | None, max_steps: int | None, walk: str, say: Callable[[str], None],
                       noted: set[str]) -> dict[str, Any] | None:
    """The answer of a warm `explore serve --socket`, or None when there is none to take it
    (see :func:`from_running_server`)."""
    from ..handoff import model_spec

    return from_running_server("ask", repo, {
        "question": text, "worktree": worktree, "model": model_spec(model),
        "adapter": str(adapter.resolve()) if adapter is not None else None, "reflector": reflector,
        "max_steps": max_steps, "walk": walk}, say=say, noted=noted)


def from_running_server(kind: str, repo: Path, request: dict[str, Any], *, say: Callable[[str], None],
                        noted: set[str]) -> dict[str, Any] | None:
    """What a warm `explore serve --socket` replies to the ``kind`` of ``request`` about
    ``repo`` (``ask`` or ``search``), or None when there is none to take it (then the reason
    is said on stderr, unless there simply is no server). The notes the server gave are
    said, and their kinds added to ``noted``."""
    import json

    from ..handoff import MAX_MESSAGE_BYTES, Fallback, ask_server

    # measured as sent: JSON escapes a non-ASCII character to six bytes (twelve above U+FFFF)
    if len(json.dumps(request["question"])) > MAX_MESSAGE_BYTES // 2 or not repo.is_dir():
        return None  # a question that big, or a repository that is not there: the local path says so

    def note(kind: str, text: str) -> None:
        if kind == "uncommitted" and kind not in noted:
            say_uncommitted()
        elif kind == "missing" and text:
            say_missing(text)
        noted.add(kind)

    reply = ask_server({"kind": kind, "repo": str(repo.resolve()), "check_head": True, **request},
                       on_progress=say, on_note=note)
    if isinstance(reply, Fallback):
        if not reply.quiet:
            doing = "answering" if kind == "ask" else "searching"
            err.print(f"[dim]note: {shown_markup(reply.reason)}; {doing} in this process[/]", highlight=False)
        return None
    return reply


def ask_here(repo: Path, text: str, *, rev: str | None, worktree: bool, model: str | None, adapter: Path | None,
             reflector: str | None, max_steps: int | None, walk: str, say: Callable[[str], None],
             check_head: bool, noted: set[str]) -> dict[str, Any]:
    """Answer in this process: the model is loaded (seconds) only when the question needs a walk."""
    from ..agent.bundle import COMBINER_FILE, FitOfAnotherRepository, find_adapters, fitted_elsewhere
    from ..agent.explorer import Explorer
    from ..sandbox.snapshot import Repository

    adapters = find_adapters(repo, adapter) or None  # None: the shipped navigator, if any
    if adapter is not None and (elsewhere := fitted_elsewhere(Path(adapter) / COMBINER_FILE, repo)) is not None:
        raise FitOfAnotherRepository(f"--adapter {adapter}: {elsewhere}")  # named as `search` and `eval` name it
    note = uncommitted_note(repo, noted) if check_head else None
    say("opening the repository…")
    # a Repository, not the path: the CLI says uncommitted changes itself (on stderr, beside the load)
    # adapters named (--adapter DIR) rank with DIR's fit or the shipped stage, not the repository's own
    explorer = Explorer(Repository(repo), rev, worktree=worktree, model=model, adapters=adapters,
                        reflector=reflector, max_steps=max_steps, progress=say, walk=walk, own_fit=adapter is None)
    index_with_progress(explorer.snapshot, say)
    # the model is loaded (the explorer says so) only once the question is known to need a walk: a
    # config question, a bare name or a named file is answered from the stage before any walk
    # (`walks` alone would have loaded it for them: 25 s, and a failure offline with no model cached)
    say("ranking the candidates…")
    answer = explorer.ask(text).to_dict(lossless=True)  # a name as the file system has it, as ever
    if note is not None:
        note()
    return answer


def index_with_progress(snapshot: Any, say: Callable[[str], None]) -> None:
    """Build the snapshot's index here, counting files on the status line, when this commit
    has none yet (the walk would build it silently: seconds on a large repository, once per
    commit). The cache's layout is :meth:`Index.build`'s: were it to change, this would
    only build once more, or count nothing."""
    from ..sandbox.index import INDEX_VERSION, Index
    from ..sandbox.snapshot import cache_root

    if (cache_root() / "indexes" / f"{snapshot.key}-v{INDEX_VERSION}" / "files.json").is_file():
        return
    every = max(1, len(snapshot.files) // 50)

    def counted(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            say(f"indexing {snapshot.label}: {done:,}/{total:,} files (once per commit)…")

    Index.build(snapshot, progress=counted)


def render_answer(result: dict[str, Any], show_steps: bool, warm: bool = False) -> None:
    """The answer (``Answer.to_dict()``, from this process or a server) as a person reads it:
    the evidence panel, other candidates, the walk; ``warm``: a running `explore serve --socket`
    answered it (the footer says so: its JSON is the same either way)."""
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.tree import Tree

    # Everything below that came from the repository (paths, evidence, notes about them) is
    # printed inert and markup-escaped: see inert() and shown_markup().
    settled = result.get("weighed", {}).get("walked") is False
    for note in result["notes"]:
        if settled and not show_steps and note.startswith("answered from ") and result["evidence"]:
            continue  # the footer says it was settled without a walk (`--show-steps` and --json keep why)
        more = " (--question-file FILE or -)" if note.endswith("paste the issue's title and text") else ""
        out.print(f"[yellow]note:[/] {shown_markup(note)}{more}", highlight=False)
    steps = result["steps"]
    if (show_steps or not result["finished"]) and result.get("weighed", {}).get("walked", True):
        tree = Tree(f"[bold]walk[/] ({len(steps)} steps)")
        for step in steps:
            node = tree.add(f"[cyan]{shown_markup(step['action'])}[/]  [dim]{step['seconds']:.2f}s[/]")
            if step["reflection"]:
                node.add(f"[italic]{shown_markup(step['reflection'])}[/]")
        out.print(tree)
    if not result["evidence"]:
        out.print("[red]no answer found[/]")
        return
    ev = result["evidence"][0]
    path, first, last = ev["path"], ev["start_line"], ev["end_line"]
    lexer = Syntax.guess_lexer(path, code=ev["text"])
    body = Syntax(inert(ev["text"]) or "(empty)", lexer, line_numbers=True, start_line=first, word_wrap=True)
    # soft_wrap off for the panel: the console's soft wrap would cut long lines at its edge
    out.print(Panel(body, title=f"[bold green]{escape(shown_name(path))}[/]  lines {first}–{last}", expand=False),
              soft_wrap=False)
    if result["answer"] and not result["answer"].startswith(path):
        out.print(inert(result["answer"]), markup=False)
    files = result["files"]
    if len(files) > 1:
        out.print("also consider: " + ", ".join(shown_name(f) for f in files[1:5]), markup=False, highlight=False)
    adapters = result["adapters"]
    fitted = " (fitted to this repository by `explore train`)" if result.get("fitted") else ""
    served = " · by the warm server" if warm else ""
    if result.get("weighed", {}).get("walked") is False:
        by = result["weighed"].get("settled_by") or "the candidate stage"
        out.print(f"[dim]{result['seconds']:.1f}s · no walk needed: {escape(by)}{fitted} settled it{served}[/]")
        return
    ranked = " · candidates ranked by the stage fitted to this repository" if result.get("fitted") else ""
    out.print(f"[dim]{result['seconds']:.1f}s · {len(steps)} steps · model {shown_markup(result['model'])}"
              f"{' + ' + ', '.join(adapters) if adapters else ' (zero-shot)'}{ranked}{served}[/]")
