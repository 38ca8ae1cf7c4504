"""Housekeeping commands: paths, backup, doctor."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from rave.cli.common import JsonOpt, command_group, paths

app = command_group()  # this module's commands, loaded when one is run


@app.command("paths")
def paths_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show where rave keeps its database and config, and why there."""
    from rave.cli import payloads, render, views

    render.answer(as_json, paths(ctx), payloads.paths, views.paths)


@app.command()
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="PATH",
            help="Where to write the copy (a file or a folder; - for stdout); default: next to "
            "the store.",
            show_default=False,
            allow_dash=True,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A consistent copy of the database (safe while rave is in use), mode 0600.

    The copy is checked before it replaces anything: a damaged store is refused (exit 1)
    and the previous backup kept. A PATH that is a symbolic link is refused."""
    from rave.cli import payloads, render
    from rave.errors import UsageError
    from rave.services import maintenance

    if path is not None and str(path) == "-":
        if as_json:
            raise UsageError("--json and a backup to stdout (-) would share stdout")
        if sys.stdout.isatty():
            raise UsageError(
                "a backup is a database file, not text for a terminal",
                hint="redirect it: rave backup - > rave-copy.db",
            )
        size = maintenance.backup_to_stream(paths(ctx).db, sys.stdout.buffer)
        render.info(f"Backed up {size} bytes to stdout")
        return
    with render.progress("backing up") as _tick:
        target = maintenance.backup(paths(ctx).db, path, force=force)
    render.answer(
        as_json, target, payloads.backup, lambda done: render.line(f"Backed up to {done}")
    )


@app.command()
def doctor(
    ctx: typer.Context,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="First rebuild every contact's ranking tally from the history, and "
            "store phone numbers kept as digits in E.164 once a region reads them (one "
            "transaction); report what changed.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the store: integrity, foreign keys, schema version, journal, permissions and
    config. Exits 1 listing the problems when anything is wrong.

    It also compares a sample of the per-contact ranking tallies with their history;
    `--rebuild` folds them all again when one is wrong."""
    from rave.cli import payloads, render, views
    from rave.services import maintenance

    found = paths(ctx)
    rebuilt = maintenance.rebuild_tallies(found.db) if rebuild else None
    checks = maintenance.doctor(found)
    render.answer(as_json, (checks, rebuilt), payloads.doctor, views.doctor)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)
