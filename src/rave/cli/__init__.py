"""The Typer application: root options, sub-commands, and the one place where errors
become messages and exit codes (spec/cli.md).

Only Typer is imported at start-up. The commands live in one module per group, each with
its own Typer app; ``catalog.COMMANDS`` names them, so the module of the one command being run is
imported and built, and ``rave --help`` lists every command from ``COMMANDS`` alone (a
test keeps the summaries equal to the commands' own help). Each command imports what it
needs when it runs. The command modules do not postpone their annotations (no
``from __future__ import annotations``): Typer reads them when it builds the command,
and from strings that costs a compile each (about 3 ms for `rave log`).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import signal
import sqlite3
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from rave import __version__
from rave.cli.catalog import COMMANDS, EXAMPLES
from rave.errors import ConfigNotice, RaveError

EXIT_INTERRUPTED = 130


def load_command(name: str) -> Any:
    """The click command ``name``, built from its module's Typer app (None if unknown)."""
    if name not in COMMANDS:
        return None
    from rave.cli.common import command_group, examples_for

    app = importlib.import_module(f"rave.cli.{COMMANDS[name][0]}").app
    examples_for(app, EXAMPLES)
    for info in app.registered_commands:
        assert info.callback is not None
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            single = command_group()  # built alone: not its module's other commands
            single.registered_commands = [info]
            return typer.main.get_command(single)
    return typer.main.get_group(app).commands.get(name)  # a group (`followup`)


class RaveGroup(TyperGroup):
    """Loads a command when it runs, and turns rave's typed errors into a one-line message
    and the contract's exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return load_command(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list of ``rave --help``, from COMMANDS without loading them."""
        summaries = {name: TyperCommand(name, help=text) for name, (_, text) in COMMANDS.items()}
        limit = formatter.width - 6 - max(map(len, summaries))
        rows = [(name, command.get_short_help_str(limit)) for name, command in summaries.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from rave.cli import params

        params.install(self, ctx)  # plain conversions, without importing pydantic
        with _printable_usage_errors():
            return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        from rave.cli import params

        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            params.install(command, ctx)
            _refuse_undecodable(command)
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught, _printable_usage_errors():
            warnings.simplefilter("always", ConfigNotice)
            try:
                return self._invoke(ctx)
            finally:
                _show_warnings(caught)

    def _invoke(self, ctx: Any) -> Any:
        from rave.cli import render

        try:
            return super().invoke(ctx)
        except RaveError as exc:
            render.error(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except typer.Abort as exc:
            # A prompt (typer.confirm) turns Ctrl-C and Ctrl-D into Abort; Ctrl-C is an
            # interruption (130) like anywhere else, end of input a refusal (1).
            if isinstance(exc.__context__, KeyboardInterrupt):
                render.error("interrupted; nothing was written")
                raise typer.Exit(EXIT_INTERRUPTED) from None
            render.error("cancelled; nothing was changed")
            raise typer.Exit(1) from None
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


def _refuse_undecodable(command: Any) -> None:
    """Make ``command`` (and a group's sub-commands) check, once its values are parsed and
    before it runs, that every text value is text: the OS hands over bytes that are not
    UTF-8 as lone surrogates, which SQLite cannot store and a name must not silently lose.
    Paths are not text and keep any bytes."""
    run = command.invoke

    def invoke(ctx: Any) -> Any:
        _check_text(ctx)
        return run(ctx)

    command.invoke = invoke
    for sub in getattr(command, "commands", {}).values():
        _refuse_undecodable(sub)


def _check_text(ctx: Any) -> None:
    from rave.errors import UsageError

    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        for item in value if isinstance(value, list | tuple) else (value,):
            if not isinstance(item, str):
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                long_opts = [opt for opt in param.opts if opt.startswith("--")]
                label = (
                    f"the option {(long_opts or param.opts)[0]}"
                    if param.param_type_name == "option"
                    else f"the argument {(param.metavar or param.name).upper()}"
                )
                shown = item.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                raise UsageError(
                    f'{label} is not valid text: "{shown}" holds bytes that are not UTF-8',
                    hint="type it again in a UTF-8 terminal (see `locale`)",
                ) from None


@contextlib.contextmanager
def _printable_usage_errors() -> Iterator[None]:
    """Typer's usage errors ("No such option: ...") quote what was typed: make their
    message printable (no control or bidirectional characters reach the terminal)."""
    try:
        yield
    except Exception as exc:
        message = getattr(exc, "message", None)
        if isinstance(message, str) and hasattr(exc, "show"):
            from rave.cli import render

            exc.message = render.printable(message)  # type: ignore[attr-defined]
        raise


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Config notices once each, as ``rave: notice: ...`` on stderr; other warnings as
    Python shows them."""
    from rave.cli import render

    seen = set()
    for item in caught:
        if issubclass(item.category, ConfigNotice):
            text = str(item.message)
            if text not in seen:
                seen.add(text)
                render.notice(text)
        else:
            warnings.showwarning(item.message, item.category, item.filename, item.lineno)


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
    # static, like COMMANDS: `rave --help` imports nothing more for it (see common.examples)
    epilog=(
        "\b\nExamples:\n"
        "  rave demo   # rave on a sample network, your data untouched\n"
        '  rave log ana -c linkedin -n "asked about the talk"\n'
        "  rave today  # whom to answer, whom to reach out to, and how"
    ),
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
            metavar="PATH",
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
    from rave import phones
    from rave.config import resolve_paths

    ctx.obj = resolve_paths(db)
    # national phone numbers are read in this config's [phone] region (else the locale's),
    # looked up only if this command reads a number; never the region of a command before
    config_file = ctx.obj.config

    def configured_region() -> str | None:
        from rave import config

        return config.load_phone(config_file).region

    phones.configure(configured_region)


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
    if sys.stdout is None:  # started with stdout closed (`rave list >&-`)
        if sys.stderr is not None:
            sys.stderr.write("rave: stdout is closed: nothing can be shown\n")
        sys.exit(1)
    if sys.stdin is None:  # started with stdin closed (`<&-`): an empty stdin, as cron's
        sys.stdin = Path(os.devnull).open()  # noqa: SIM115 (open for the whole run)
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
