"""Moving data in and out: import, export."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from rave.cli.common import JsonOpt, command_group, paths

IMPORT_HELP = (
    "linkedin (Connections.csv), linkedin-messages (messages.csv), vcard (.vcf), "
    "google (Google Contacts CSV), csv (rave's own), json (rave's own export)."
)


app = command_group()  # this module's commands, loaded when one is run


@app.command("import", rich_help_panel="Import and export")
def import_(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help=IMPORT_HELP)],
    file: Annotated[Path, typer.Argument(help="The file to read.", dir_okay=False)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; write nothing.")
    ] = False,
    tier: Annotated[
        str | None,
        typer.Option("--tier", "-t", help="Tier for new contacts (default none: not targeted)."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Tag every imported contact (repeatable).")
    ] = None,
    me: Annotated[
        str | None,
        typer.Option(
            "--me", help="linkedin-messages: your profile URL (default: the most frequent sender)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import contacts (and LinkedIn messages) from another tool's export, all or nothing.
    Re-importing the same file changes nothing."""
    from rave import choices
    from rave.cli import payloads, render, views
    from rave.errors import UsageError
    from rave.services import imports

    if fmt not in imports.FORMATS:
        raise UsageError(
            f"unknown format {fmt!r}", hint=f"use one of: {', '.join(imports.FORMATS)}"
        )
    if not file.exists():
        raise UsageError(f"no such file: {file}")
    with render.progress(f"importing {file.name}") as tick:
        report = imports.import_file(
            paths(ctx).db,
            fmt,
            file,
            dry_run=dry_run,
            tier=None if tier is None else choices.tier(tier),
            tags=tag or (),
            me=me,
            progress=tick,
        )
    render.answer(as_json, report, payloads.import_report, views.import_report)


@app.command("export", rich_help_panel="Import and export")
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="json (everything, lossless), csv (contacts), vcard (3.0), "
            "ics (follow-ups and snooze ends as all-day events).",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (0600) instead of stdout.", dir_okay=False
        ),
    ] = None,
) -> None:
    """Export your data. Files are written whole or not at all.

    A file is written beside the old one and renamed over it (mode 0600); an output that
    is a symbolic link is refused."""
    from rave.cli import render
    from rave.errors import UsageError
    from rave.services import exports

    if fmt not in exports.FORMATS:
        raise UsageError(
            f"unknown format {fmt!r}", hint=f"use one of: {', '.join(exports.FORMATS)}"
        )
    count = exports.export(paths(ctx).db, fmt, output, sys.stdout)
    if output is not None:
        render.info(f"Exported {count} records to {output}")
