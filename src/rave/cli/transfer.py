"""Moving data in and out: import, export."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rave.cli.common import (
    JsonOpt,
    command_group,
    matching,
    paths,
    tier_option,
)

# The formats as a person picks them: names for help and shell completion (which must not
# import the parsers); rave.services.imports and .exports hold the same names and decide.
IMPORT_FORMATS = {
    "linkedin": "LinkedIn Connections.csv",
    "linkedin-messages": "LinkedIn messages.csv",
    "vcard": "vCard .vcf",
    "google": "Google Contacts CSV",
    "outlook": "Outlook CSV, also Google's Outlook CSV export",
    "csv": "rave's own CSV",
    "json": "rave's own export",
    "mbox": "a mailbox file: mutt, Thunderbird, Gmail Takeout",
    "maildir": "a Maildir folder: mutt, aerc, notmuch, offlineimap",
    "ics": "a calendar: an .ics file or a folder of them (vdirsyncer, khal)",
    "whatsapp": "WhatsApp's Export chat text",
}
EXPORT_FORMATS = {
    "json": "everything, lossless",
    "csv": "contacts",
    "vcard": "contacts as vCard 3.0",
    "ics": "follow-ups and snooze ends as all-day events",
}


def _complete(formats: dict[str, str], incomplete: str) -> list[tuple[str, str]]:
    return [(word, formats[word.lower()]) for word in matching(formats, incomplete)]


def complete_import_format(incomplete: str) -> list[tuple[str, str]]:
    """Import formats (with what each reads) for shell completion."""
    return _complete(IMPORT_FORMATS, incomplete)


def complete_export_format(incomplete: str) -> list[tuple[str, str]]:
    """Export formats (with what each writes) for shell completion."""
    return _complete(EXPORT_FORMATS, incomplete)


def _described(formats: dict[str, str]) -> str:
    return ", ".join(f"{name} ({what})" for name, what in formats.items()) + "."


def _format_argument(formats: dict[str, str], complete: Any) -> Any:
    """The FORMAT argument: the formats, each with a word on it, completed (any case)."""
    return typer.Argument(metavar="FORMAT", help=_described(formats), autocompletion=complete)


app = command_group()  # this module's commands, loaded when one is run


@app.command("import")
def import_(
    ctx: typer.Context,
    fmt: Annotated[str, _format_argument(IMPORT_FORMATS, complete_import_format)],
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The file to read (- for stdin); a folder for maildir and ics.",
            allow_dash=True,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; write nothing.")
    ] = False,
    tier: Annotated[
        str | None,
        tier_option(help="Tier for new contacts (default none: not targeted)."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Tag every imported contact (repeatable).")
    ] = None,
    me: Annotated[
        list[str] | None,
        typer.Option(
            "--me",
            metavar="WHO",
            help=(
                "You: your profile URL, name or email (repeatable; adds to [me] in "
                "config.toml). Never made a contact; tells whose messages these are."
            ),
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only what happened since WHEN (messages, mail, events, chats).",
        ),
    ] = None,
    create: Annotated[
        bool,
        typer.Option(
            "--create",
            help="Make a contact (tier none) of everyone met in mail, events or chats.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import contacts, and your messages, mail, meetings and chats, from the files other
    tools keep, all or nothing. Re-importing the same file changes nothing.

    Mail, calendars and chats become interactions with the contacts you have (--create
    for the others): run it every night from cron and only what is new is added."""
    from rave import choices, config, timeutil
    from rave.cli import payloads, render, views
    from rave.errors import UsageError
    from rave.services import imports

    chosen = fmt.strip().lower()  # `LinkedIn` is `linkedin`
    if chosen not in imports.FORMATS:
        raise UsageError(
            f"unknown format {fmt!r}", hint=f"use one of: {', '.join(imports.FORMATS)}"
        )
    from_stdin = str(file) == "-"
    if not from_stdin and ("\x00" in str(file) or not file.exists()):
        raise UsageError(f"no such file: {render.printable(str(file))}")
    if not from_stdin and file.is_dir() and chosen not in imports.FOLDER_FORMATS:
        raise UsageError(
            f"{render.printable(str(file))} is a folder; {chosen} reads a file",
            hint=f"only {' and '.join(imports.FOLDER_FORMATS)} read a folder",
        )
    if since is not None and chosen not in imports.DATED_FORMATS:
        raise UsageError(f"--since does not apply to {chosen}: its records have no date")
    if create and chosen not in imports.CAPTURE_READERS:
        raise UsageError(
            f"--create does not apply to {chosen}",
            hint=f"it is for {', '.join(imports.CAPTURE_READERS)}; other imports create anyway",
        )
    start = None if since is None else timeutil.parse_since(since, now=timeutil.utcnow())
    you = config.load_me(paths(ctx).config).merged(config.me_from_options(me or ()))
    with render.progress(f"importing {imports.STDIN if from_stdin else file.name}") as tick:
        report = imports.import_file(
            paths(ctx).db,
            chosen,
            sys.stdin.buffer if from_stdin else file,
            dry_run=dry_run,
            tier=None if tier is None else choices.tier(tier),
            tags=tag or (),
            me=you,
            progress=tick,
            since=start,
            create=create,
        )
    render.answer(as_json, report, payloads.import_report, views.import_report)


@app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[str, _format_argument(EXPORT_FORMATS, complete_export_format)],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to this file (0600) instead of stdout (- is stdout).",
            dir_okay=False,
            allow_dash=True,
        ),
    ] = None,
) -> None:
    """Export your data. Files are written whole or not at all.

    A file is written beside the old one and renamed over it (mode 0600); an output that
    is a symbolic link is refused."""
    from rave.cli import render
    from rave.errors import UsageError
    from rave.services import exports

    chosen = fmt.strip().lower()  # `JSON` is `json`
    if chosen not in exports.FORMATS:
        raise UsageError(
            f"unknown format {fmt!r}", hint=f"use one of: {', '.join(exports.FORMATS)}"
        )
    if output is not None and str(output) == "-":
        output = None  # `-o -` is stdout, as without -o
    count = exports.export(paths(ctx).db, chosen, output, sys.stdout)
    if output is not None:
        render.info(f"Exported {count} records to {output}")
