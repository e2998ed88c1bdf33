"""The ``accord`` command line.

One module per command group; this module only assembles them. Library code
raises :mod:`accord.errors`; :func:`main` turns those into a one-line message
on stderr and exit code 2.
"""

from __future__ import annotations

import sys

import typer

from accord.cli.console import err_console, report_error

__all__ = ["app", "main", "build_app"]


def build_app() -> typer.Typer:
    from accord.cli import datasets, db, exports, imports, serve, users

    root = typer.Typer(
        name="accord",
        help="Build LLM training data with people and models together.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    root.add_typer(datasets.app, name="dataset")
    root.add_typer(users.user_app, name="user")
    root.add_typer(users.token_app, name="token")
    root.add_typer(db.app, name="db")
    imports.register(root)
    exports.register(root)
    serve.register(root)
    for optional in ("quality", "prep", "assist", "backup", "workforce", "report"):
        _add_optional(root, optional)
    return root


def _add_optional(root: typer.Typer, name: str) -> None:
    """Command groups that live in their own module, added when present."""
    import importlib

    try:
        module = importlib.import_module(f"accord.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"accord.cli.{name}":
            return
        raise
    module.register(root)


app = build_app()


def main() -> None:
    """Entry point: usage errors exit 2 (typer), accord errors print one line and exit 2."""
    from accord.cli.store import close_stores
    from accord.errors import AccordError

    try:
        app()  # standalone mode: typer reports usage errors itself, with exit code 2
    except AccordError as exc:
        report_error(exc)
        sys.exit(2)
    except UnicodeEncodeError as exc:
        arg = _undecodable_argument(exc)
        if arg is None:
            raise
        from accord.errors import InputError

        report_error(InputError(f"the argument {arg!r} is not valid UTF-8: names and text "
                                "given on the command line must be UTF-8"))
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(130)
    finally:
        close_stores()


def _undecodable_argument(exc: UnicodeEncodeError) -> bytes | None:
    """The command-line argument (as the bytes it was given as) whose undecodable bytes
    reached a database driver or a file, if that is what ``exc`` is: Python hands such
    bytes over as lone surrogates (PEP 383), which no backend can store. A file path may
    hold them (the OS allows it), so they are refused only where they are used as text."""
    import os

    if exc.reason != "surrogates not allowed" or not isinstance(exc.object, str):
        return None
    for arg in sys.argv[1:]:
        if exc.object and (exc.object in arg or arg in exc.object) \
                and any("\udc80" <= c <= "\udcff" for c in arg):
            return os.fsencode(arg)
    return None
