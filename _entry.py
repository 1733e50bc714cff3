"""The ``explore`` command's entry point, light on purpose: it imports nothing until
:func:`main` runs, so a Ctrl-C while the command's modules load (typer, rich and the CLI's
own, the first tenth of a second) is said in one line with exit 130, as one anywhere else
is, instead of Python's traceback of the import."""
from __future__ import annotations


def main() -> None:
    """Console-script entry point (``explore = "explore._entry:main"``): :func:`explore.cli.main`."""
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        import sys

        # the CLI's console and its words are what did not load: said plainly, as `stopped()` says it
        sys.stderr.write("error: interrupted; nothing was left half-written\n")
        raise SystemExit(130) from None
    run()
