"""Contact commands: add, edit, rm, merge, list, show, note."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from rave.cli.common import ContactArg, JsonOpt, command_group, complete_contact, confirm, paths
from rave.config import MAX_DAYS

if TYPE_CHECKING:
    from rave.services.contacts import ContactInput

TierOpt = Annotated[
    str | None,
    typer.Option(
        "--tier", "-t", help="A (7 days), B (30), C (90), D (180) or none.", show_default=False
    ),
]
EmailOpt = Annotated[
    list[str] | None, typer.Option("--email", "-e", help="Email address (repeatable).")
]
PhoneOpt = Annotated[
    list[str] | None, typer.Option("--phone", "-p", help="Phone number (repeatable).")
]
HandleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--handle", help="CHANNEL=VALUE, e.g. linkedin=https://linkedin.com/in/ana (repeatable)."
    ),
]
TagOpt = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")]
WhyOpt = Annotated[str | None, typer.Option("--why", help="Why this person matters to you.")]
OfferOpt = Annotated[str | None, typer.Option("--offer", help="What you can offer them.")]
MetOpt = Annotated[str | None, typer.Option("--met", help="Where or how you met.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", help="Company.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Job title.")]
LocationOpt = Annotated[str | None, typer.Option("--location", help="City or country.")]
AliasOpt = Annotated[
    list[str] | None, typer.Option("--alias", help="Another name to find them by (repeatable).")
]
CadenceOpt = Annotated[
    int | None,
    typer.Option(
        "--cadence",
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


@app.command(rich_help_panel="Contacts")
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


@app.command(rich_help_panel="Contacts")
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
        list[str] | None, typer.Option("--untag", help="Remove a tag (repeatable).")
    ] = None,
    why: WhyOpt = None,
    offer: OfferOpt = None,
    met: MetOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    location: LocationOpt = None,
    alias: AliasOpt = None,
    cadence: CadenceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a contact. Options add handles, tags and aliases; an empty value ("")
    clears a text field."""
    from rave.services import contacts

    data = _input(
        tier, email, phone, handle, tag, why, offer, met, company, title, location, alias, cadence
    )
    contact_id = contacts.edit_contact(
        paths(ctx).db, contact, data, name=name, untag=tuple(untag or ())
    )
    _print_detail(ctx, contact_id, "Updated", as_json)


@app.command(rich_help_panel="Contacts")
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


@app.command(rich_help_panel="Contacts")
def merge(
    ctx: typer.Context,
    keep: Annotated[
        str, typer.Argument(help="The contact to keep.", autocompletion=complete_contact)
    ],
    drop: Annotated[
        str,
        typer.Argument(help="The duplicate to fold into KEEP.", autocompletion=complete_contact),
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


@app.command("list", rich_help_panel="Contacts")
def list_(
    ctx: typer.Context,
    tier: Annotated[str | None, typer.Option("--tier", "-t", help="Only this tier.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Only contacts with this tag.")] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Text in name, alias, company, title or handle."),
    ] = None,
    sort: Annotated[str, typer.Option("--sort", help="name, recent or tier.")] = "name",
    as_json: JsonOpt = False,
) -> None:
    """List contacts."""
    from rave import choices
    from rave.cli import payloads, render, views
    from rave.errors import UsageError
    from rave.queries.contacts import SORTS
    from rave.services import contacts

    if sort not in SORTS:
        raise UsageError(f"unknown sort {sort!r}", hint="use name, recent or tier")
    rows = contacts.list_contacts(
        paths(ctx).db,
        tier=None if tier is None else choices.tier(tier),
        tag=tag,
        search=search,
        sort=sort,
    )
    filtered = bool(tier or tag or search)
    render.answer(
        as_json, rows, payloads.contact_list, lambda r: views.contact_list(r, filtered=filtered)
    )


@app.command(rich_help_panel="Contacts")
def show(ctx: typer.Context, contact: ContactArg, as_json: JsonOpt = False) -> None:
    """A contact's profile, handles, notes, open follow-ups, recent timeline and
    broadcast/chat/engage balance."""
    from rave.cli import payloads, render, views
    from rave.services import contacts

    render.answer(
        as_json,
        contacts.show_contact(paths(ctx).db, contact),
        payloads.contact_detail,
        views.contact,
    )


@app.command(rich_help_panel="Contacts")
def note(
    ctx: typer.Context,
    contact: ContactArg,
    text: Annotated[
        str,
        typer.Argument(help="The note; '-' reads it from stdin (keeps it out of shell history)."),
    ],
) -> None:
    """Add a dated personal note (family, interests, work) about a contact."""
    from rave.cli import render
    from rave.services import contacts

    if text == "-":
        text = sys.stdin.read()
    found, note_id = contacts.add_note(paths(ctx).db, contact, text)
    render.line(f"Noted for #{found.id} {found.name} (note {note_id})")
