"""The Typer application: root options, sub-commands, and the one place where errors
become messages and exit codes (spec/cli.md).

Only Typer is imported at start-up; each command imports what it needs when it runs, so
``rave --help`` stays near the cost of importing Typer.
"""

from __future__ import annotations

import errno
import importlib
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from rave import __version__
from rave.errors import RaveError

EXIT_INTERRUPTED = 130


class RaveGroup(TyperGroup):
    """Turns rave's typed errors into a one-line message and the contract's exit code."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from rave.cli import params

        params.install(self, ctx)  # plain conversions, without importing pydantic
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        from rave.cli import params

        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            params.install(command, ctx)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        from rave import render

        try:
            return super().invoke(ctx)
        except RaveError as exc:
            render.error(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except sqlite3.Error as exc:
            # Any sqlite error that escaped translation is a store problem, not a bug in
            # the user's input: report it without a traceback.
            from rave import db

            translated = db.translate(exc, ctx.obj.db if ctx.obj else Path("rave.db"))
            if isinstance(translated, RaveError):
                render.error(translated.message, translated.hint)
                raise typer.Exit(translated.exit_code) from None
            raise
        except OverflowError:
            # date arithmetic past year 9999 (e.g. --as-of 9999-12-31 plus a week)
            render.error("a date is out of range", hint="use dates between 1000 and 9998")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            render.error("interrupted; nothing was written")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # a closed pipe: handled quietly by Typer and main()
            # Writing the output failed (a full disk, a vanished folder): not a bug.
            render.error(f"cannot write the output: {exc.strerror or exc}")
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=RaveGroup,
    name="rave",
    help=(
        "Terminal-first personal networking: log every conversation in seconds, and "
        "each morning see whom to answer, whom to reach out to, and how."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rave {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Database file (default: $RAVE_DB, $RAVE_HOME/rave.db, then the user data dir).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    from rave.config import resolve_paths

    ctx.obj = resolve_paths(db)


# Command modules register themselves on `app` when imported, in the order `--help` lists
# them: the daily loop first, housekeeping last.
for _module in ("today", "log", "contacts", "stats", "transfer", "admin"):
    importlib.import_module(f"rave.cli.{_module}")


def _quiet_broken_pipe() -> None:
    """After stdout's reader went away (``rave today | head -1``), exit quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def main() -> None:
    """Console-script entry point."""
    if hasattr(signal, "SIGPIPE"):
        # Behave like a Unix filter: a closed pipe ends the program quietly.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    code: int | str | None = 0
    try:
        try:
            app(prog_name="rave")
        except SystemExit as done:
            code = done.code
        sys.stdout.flush()  # output still buffered fails here, not at interpreter exit
    except BrokenPipeError:
        _quiet_broken_pipe()
        code = 1
    except OSError as exc:  # stdout itself failed, e.g. redirected to a full disk
        _quiet_broken_pipe()
        sys.stderr.write(f"rave: cannot write the output: {exc.strerror or exc}\n")
        code = 1
    sys.exit(code)
