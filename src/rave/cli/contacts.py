"""Contact commands: add, edit, rm, merge, dupes, apart, list, show, note."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from rave.cli.common import (
    ContactArg,
    JsonOpt,
    TagFilterOpt,
    TierFilterOpt,
    command_group,
    complete_sort,
    confirm,
    contact_argument,
    limit_option,
    paths,
    tier_option,
)
from rave.config import MAX_DAYS

if TYPE_CHECKING:
    from rave.services.contacts import ContactInput

TierOpt = Annotated[
    str | None,
    tier_option(help="A (7 days), B (30), C (90), D (180) or none."),
]
EmailOpt = Annotated[
    list[str] | None,
    typer.Option("--email", "-e", metavar="ADDRESS", help="Email address (repeatable)."),
]
PhoneOpt = Annotated[
    list[str] | None,
    typer.Option("--phone", "-p", metavar="NUMBER", help="Phone number (repeatable)."),
]
HandleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--handle",
        metavar="CHANNEL=VALUE",
        help="A profile or account, e.g. linkedin=https://linkedin.com/in/ana (repeatable).",
    ),
]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")]
WhyOpt = Annotated[
    str | None, typer.Option("--why", metavar="REASON", help="Why this person matters to you.")
]
OfferOpt = Annotated[
    str | None, typer.Option("--offer", metavar="WHAT", help="What you can offer them.")
]
MetOpt = Annotated[str | None, typer.Option("--met", metavar="WHERE", help="Where or how you met.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", help="Company.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Job title.")]
LocationOpt = Annotated[
    str | None, typer.Option("--location", metavar="PLACE", help="City or country.")
]
AliasOpt = Annotated[
    list[str] | None,
    typer.Option("--alias", metavar="NAME", help="Another name to find them by (repeatable)."),
]
CadenceOpt = Annotated[
    int | None,
    typer.Option(
        "--cadence",
        metavar="DAYS",
        help=f"Days between conversations, 1 to {MAX_DAYS} (overrides the tier's).",
        min=1,
        max=MAX_DAYS,
    ),
]


def _input(
    tier: str | None,
    email: list[str] | None,
    phone: list[str] | None,
    handle: list[str] | None,
    tag: list[str] | None,
    why: str | None,
    offer: str | None,
    met: str | None,
    company: str | None,
    title: str | None,
    location: str | None,
    alias: list[str] | None,
    cadence: int | None,
) -> "ContactInput":
    from rave.services.contacts import ContactInput

    return ContactInput(
        tier=tier,
        cadence_days=cadence,
        why=why,
        offer=offer,
        met=met,
        company=company,
        title=title,
        location=location,
        emails=tuple(email or ()),
        phones=tuple(phone or ()),
        handles=tuple(handle or ()),
        tags=tuple(tag or ()),
        aliases=tuple(alias or ()),
    )


def _print_detail(ctx: typer.Context, contact_id: int, verb: str, as_json: bool) -> None:
    from rave.cli import payloads, render
    from rave.services import contacts

    render.answer(
        as_json,
        contacts.show_contact(paths(ctx).db, f"#{contact_id}"),
        payloads.contact_detail,
        lambda detail: render.line(f"{verb} #{detail.id} {detail.name} (tier {detail.tier})"),
    )


app = command_group()  # this module's commands, loaded when one is run


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name.")],
    tier: TierOpt = "C",
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    handle: HandleOpt = None,
    tag: TagOpt = None,
    why: WhyOpt = None,
    offer: OfferOpt = None,
    met: MetOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    location: LocationOpt = None,
    alias: AliasOpt = None,
    cadence: CadenceOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Add even if the name exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a contact and print its id."""
    from rave.services import contacts

    data = _input(
        tier, email, phone, handle, tag, why, offer, met, company, title, location, alias, cadence
    )
    contact_id = contacts.add_contact(paths(ctx).db, name, data, force=force)
    _print_detail(ctx, contact_id, "Added", as_json)


@app.command()
def edit(
    ctx: typer.Context,
    contact: ContactArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    tier: TierOpt = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    handle: HandleOpt = None,
    tag: TagOpt = None,
    untag: Annotated[
        list[str] | None,
        typer.Option("--untag", metavar="TAG", help="Remove a tag (repeatable)."),
    ] = None,
    why: WhyOpt = None,
    offer: OfferOpt = None,
    met: MetOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    location: LocationOpt = None,
    alias: AliasOpt = None,
    cadence: CadenceOpt = None,
    drop_handle: Annotated[
        list[str] | None,
        typer.Option(
            "--drop-handle",
            metavar="CHANNEL=VALUE",
            help="Remove a handle, e.g. email=ana@old.example (repeatable).",
        ),
    ] = None,
    drop_alias: Annotated[
        list[str] | None,
        typer.Option("--drop-alias", metavar="NAME", help="Remove an alias (repeatable)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a contact. Options add handles, tags and aliases; an empty value ("")
    clears a text field."""
    from rave.services import contacts

    data = _input(
        tier, email, phone, handle, tag, why, offer, met, company, title, location, alias, cadence
    )
    contact_id = contacts.edit_contact(
        paths(ctx).db,
        contact,
        data,
        name=name,
        untag=tuple(untag or ()),
        drop_handles=tuple(drop_handle or ()),
        drop_aliases=tuple(drop_alias or ()),
    )
    _print_detail(ctx, contact_id, "Updated", as_json)


@app.command()
def rm(
    ctx: typer.Context,
    contact: ContactArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete a contact with their handles, tags, notes, follow-ups and the interactions
    that were only with them."""
    from rave.cli import render
    from rave.services import contacts

    db = paths(ctx).db
    found = contacts.resolve(db, contact)
    confirm(f"Delete #{found.id} {found.name} and everything that is only theirs?", yes=yes)
    contacts.remove_contact(db, found.id)
    render.line(f"Deleted #{found.id} {found.name}")


@app.command()
def merge(
    ctx: typer.Context,
    keep: Annotated[
        str,
        contact_argument(help="The contact to keep.", metavar="KEEP"),
    ],
    drop: Annotated[
        str,
        contact_argument(help="The duplicate to fold into KEEP.", metavar="DROP"),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Merge a duplicate into another contact: handles, aliases, tags, notes, follow-ups
    and interactions move to KEEP; DROP's name becomes an alias."""
    from rave.cli import render
    from rave.errors import RaveError
    from rave.services import contacts

    db = paths(ctx).db
    kept = contacts.resolve(db, keep)
    dropped = contacts.resolve(db, drop)
    if kept.id == dropped.id:
        raise RaveError(f"{keep!r} and {drop!r} are the same contact (#{kept.id})")
    confirm(f"Merge #{dropped.id} {dropped.name} into #{kept.id} {kept.name}?", yes=yes)
    contacts.merge_contacts(db, kept.id, dropped.id)
    render.line(f"Merged #{dropped.id} {dropped.name} into #{kept.id} {kept.name}")


@app.command()
def dupes(
    ctx: typer.Context,
    all_: Annotated[
        bool,
        typer.Option("--all", "-a", help="Also the pairs marked as two people (`rave apart`)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Possible duplicates: contacts that share an email or phone number, a name, or an
    alias, which imports keep apart; each with the `rave merge` that joins them.

    KEEP is the older contact. Merge only those who are one; `rave apart KEEP DROP` says
    two are two people, and they are left out from then on (counted on stderr)."""
    from rave.cli import payloads, render, views
    from rave.services import contacts

    found = contacts.possible_duplicates(paths(ctx).db, with_apart=all_)
    render.answer(as_json, found, payloads.dupes, views.dupes)
    if as_json:
        views.dupes_left_out(found)


@app.command()
def apart(
    ctx: typer.Context,
    contact: Annotated[str, contact_argument(help="One of the two.", metavar="WHO")],
    other: Annotated[str, contact_argument(help="The other one.", metavar="OTHER")],
    forget: Annotated[
        bool,
        typer.Option("--forget", help="Take the mark back: `rave dupes` may list them again."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Mark two contacts as two people, so that `rave dupes` no longer lists them.

    Nothing is deleted, so it asks nothing; `rave merge` can still join them (the mark
    goes with the contact merged away). `--forget` takes the mark back, and so does
    `rave undo` right after."""
    from rave.cli import payloads, render, views
    from rave.services import contacts

    result = contacts.mark_apart(paths(ctx).db, contact, other, forget=forget)
    render.answer(as_json, result, payloads.apart, views.apart)


@app.command("list")
def list_(
    ctx: typer.Context,
    tier: TierFilterOpt = None,
    tag: TagFilterOpt = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Text in name, alias, company, title or handle."),
    ] = None,
    sort: Annotated[
        str, typer.Option("--sort", help="name, recent or tier.", autocompletion=complete_sort)
    ] = "name",
    limit: Annotated[
        int | None,
        limit_option(help="At most N contacts, the first in --sort."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List contacts.

    On a terminal the table fits its width (long text is shortened at a word) and goes
    through $PAGER when longer than the screen; piped, it is plain text, whole values."""
    from rave import choices
    from rave.cli import payloads, profile, render
    from rave.errors import UsageError
    from rave.queries.contacts import SORTS
    from rave.services import contacts

    sort = sort.strip().lower()
    if sort not in SORTS:
        raise UsageError(f"unknown sort {sort!r}", hint="use name, recent or tier")
    filtered = bool(tier or tag or search)
    with contacts.listing(
        paths(ctx).db,
        tier=None if tier is None else choices.tier(tier),
        tag=tag,
        search=search,
        sort=sort,
        limit=limit,
    ) as rows:  # read as they are shown: a terminal shows the first of 30,000 at once
        render.answer(
            as_json,
            rows,
            lambda r: payloads.contact_list(list(r)),
            lambda r: profile.contact_list(r, filtered=filtered),
        )


@app.command()
def show(ctx: typer.Context, contact: ContactArg, as_json: JsonOpt = False) -> None:
    """A contact's profile, handles, notes, open follow-ups, recent timeline and
    broadcast/chat/engage balance."""
    from rave.cli import payloads, profile, render
    from rave.services import contacts

    render.answer(
        as_json,
        contacts.show_contact(paths(ctx).db, contact),
        payloads.contact_detail,
        profile.contact,
    )


@app.command()
def note(
    ctx: typer.Context,
    contact: ContactArg,
    text: Annotated[
        str,
        typer.Argument(
            metavar="NOTE",
            help="The note; '-' reads it from stdin (keeps it out of shell history).",
        ),
    ],
    team: Annotated[
        bool,
        typer.Option(
            "--team",
            help="Share the note with your team through the hub (`rave sync`); "
            "without it a note stays yours alone.",
        ),
    ] = False,
) -> None:
    """Add a dated personal note (family, interests, work) about a contact.

    With a team hub, notes are private: no other member ever receives them, unless
    you give --team."""
    from rave.cli import render
    from rave.services import contacts

    if text == "-":
        text = sys.stdin.read()
    found, note_id = contacts.add_note(paths(ctx).db, contact, text, shared=team)
    shared = ", for your team" if team else ""
    render.line(f"Noted for #{found.id} {found.name} (n{note_id}{shared})")
