"""Correcting your history: history, change, delete, undo."""

from typing import TYPE_CHECKING, Annotated

import typer

from rave.cli.common import (
    JsonOpt,
    channel_option,
    command_group,
    complete_contact,
    confirm,
    contact_argument,
    kind_option,
    limit_option,
    matching,
    paths,
    when_option,
)

if TYPE_CHECKING:
    from rave.queries.entries import Entry

app = command_group()  # this module's commands, loaded when one is run

# The words `--type` takes for each kind of entry.
_TYPE_WORDS = {
    "interaction": "interaction",
    "interactions": "interaction",
    "i": "interaction",
    "note": "note",
    "notes": "note",
    "n": "note",
    "post": "post",
    "posts": "post",
    "p": "post",
    "followup": "followup",
    "followups": "followup",
    "follow-up": "followup",
    "follow-ups": "followup",
    "f": "followup",
}


def _complete_type(incomplete: str) -> list[str]:
    return matching(("interaction", "note", "post", "followup"), incomplete)


RefsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="REF",
        help="i12 (interaction), n3 (note), p4 (post), f2 (follow-up): see `rave history`.",
        show_default=False,
    ),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")]


@app.command()
def history(
    ctx: typer.Context,
    contact: Annotated[
        str | None,
        contact_argument(help="Only what concerns them: interactions, notes, follow-ups."),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            metavar="TYPE",
            help="interaction, note, post or followup (repeatable).",
            autocompletion=_complete_type,
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, limit_option(help="At most N entries, newest first.")] = 20,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="Every entry, no limit.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """What you recorded, newest first, each with the reference that `rave change` and
    `rave delete` take: i12 an interaction, n3 a note, p4 a post, f2 a follow-up."""
    from rave.cli import payloads, render, views
    from rave.errors import UsageError
    from rave.services import corrections

    kinds = []
    for word in types or ():
        kind = _TYPE_WORDS.get(word.strip().lower())
        if kind is None:
            raise UsageError(f"unknown type {word!r}", hint="use interaction, note, post, followup")
        kinds.append(kind)
    found = corrections.history(
        paths(ctx).db,
        contact,
        types=kinds or _TYPE_WORDS.values(),
        limit=None if show_all else limit,
    )
    render.answer(as_json, found, payloads.entries, views.entries)


@app.command()
def change(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(metavar="REF", help="i12, n3, p4 or f2: see `rave history`."),
    ],
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            "--note",
            "-n",
            metavar="WORDS",
            help='The text: of a note, a post, a follow-up; an interaction\'s note ("" clears it).',
        ),
    ] = None,
    kind: Annotated[
        str | None,
        kind_option(help="An interaction's kind: broadcast, chat or engage."),
    ] = None,
    channel: Annotated[
        str | None, channel_option(help="Where an interaction or a post took place.")
    ] = None,
    inbound: Annotated[bool, typer.Option("--in", help="They reached out.")] = False,
    outbound: Annotated[bool, typer.Option("--out", help="You reached out.")] = False,
    both: Annotated[
        bool, typer.Option("--both", help="You talked together (a call, a meeting).")
    ] = False,
    when: Annotated[
        str | None,
        when_option("--when", "-w", help="When it happened: yesterday, 3d, 2026-11-20T14:30."),
    ] = None,
    closed: Annotated[
        bool,
        typer.Option("--closed", help="An interaction owes no reply; a follow-up is done."),
    ] = False,
    reopen: Annotated[
        bool,
        typer.Option("--open", help="Their message waits for your reply; a follow-up is not done."),
    ] = False,
    contacts: Annotated[
        list[str] | None,
        typer.Option(
            "--contact",
            metavar="CONTACT",
            help="Who it was with (repeatable: replaces an interaction's people); moves a "
            "note or a follow-up to someone else.",
            autocompletion=complete_contact,
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", metavar="URL", help='A post\'s link ("" removes it).')
    ] = None,
    due: Annotated[
        str | None,
        when_option(
            "--due", help="A follow-up's due date: friday, 3d, 2026-12-01; none clears it."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an interaction, a note, a post or a follow-up: give only what changes.
    The ranking follows at once; `rave undo` takes the change back."""
    from rave.cli import common, payloads, render, views
    from rave.errors import UsageError
    from rave.services import corrections

    directions = [d for d, on in (("in", inbound), ("out", outbound), ("both", both)) if on]
    if len(directions) > 1:
        raise UsageError("give one of --in, --out and --both")
    if closed and reopen:
        raise UsageError("give --closed or --open, not both")
    no_due = due is not None and due.strip().lower() in ("", "none")
    changes = corrections.Changes(
        text=text,
        kind=kind,
        channel=channel,
        direction=directions[0] if directions else None,
        when=None if when is None else common.past(when),
        closed=True if closed else (False if reopen else None),
        contacts=tuple(contacts or ()),
        url=url,
        due=None
        if due is None
        else (corrections.NO_DUE if no_due else common.future_date(due, option="--due")),
    )
    result = corrections.change(paths(ctx).db, ref, changes)
    render.answer(
        as_json, result, payloads.entry, lambda e: render.line(f"Changed {views.entry_line(e)}")
    )


@app.command()
def delete(
    ctx: typer.Context, refs: RefsArg, yes: YesOpt = False, as_json: JsonOpt = False
) -> None:
    """Delete interactions, notes, posts or follow-ups by their references (see `rave
    history`). Asks first; `rave undo` brings them back."""
    from rave.cli import payloads, render, views
    from rave.services import corrections

    db = paths(ctx).db
    found = corrections.find(db, refs)
    if len(found) == 1:
        question = f"Delete {views.entry_line(found[0])}?"
    else:
        if not yes:  # what the question is about
            for item in found:
                render.info(f"  {views.entry_line(item)}")
        question = f"Delete these {len(found)} entries?"
    confirm(question, yes=yes)
    deleted = corrections.delete(db, refs)

    def view(gone: "list[Entry]") -> None:
        for item in gone:
            render.line(f"Deleted {views.entry_line(item)}")

    render.answer(as_json, deleted, payloads.entries, view)


@app.command()
def undo(
    ctx: typer.Context,
    yes: YesOpt = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be taken back.")
    ] = False,
    clear: Annotated[
        bool,
        typer.Option(
            "--clear",
            help="Forget the undo log instead (it keeps what you deleted, for the last "
            "100 commands): nothing can be undone after.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Take back the last command that wrote (repeat it to go further back): what it
    added is removed, what it changed or deleted comes back. Asks first."""
    from rave.cli import payloads, render, views
    from rave.errors import UsageError
    from rave.services import undo as undoing

    db = paths(ctx).db
    if clear:
        if dry_run:
            raise UsageError("give --clear or --dry-run, not both")
        confirm("Forget the undo log? Nothing done so far can be undone after.", yes=yes)
        render.answer(as_json, undoing.clear(db), payloads.undo_cleared, views.undo_cleared)
        return
    last = undoing.last(db)
    if dry_run:
        render.answer(as_json, undoing.Undone(last, dry_run=True), payloads.undone, views.undone)
        return
    confirm(f"Undo {views.undo_question(last)}?", yes=yes)
    result = undoing.undo(db, expected=last.id)
    render.answer(as_json, result, payloads.undone, views.undone)
