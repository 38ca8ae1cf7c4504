"""`rave team`: a team hub on PostgreSQL, set up and managed by its admin."""

from __future__ import annotations

from typing import Annotated

import typer

from rave.cli.common import JsonOpt, command_group, examples

app = command_group()  # this module's commands, loaded when one is run

team_app = command_group(
    help="Set up a team hub on PostgreSQL and manage its members (run by the hub's admin; "
    "each statement is printed as it runs).",
    no_args_is_help=True,
    epilog=examples(
        ("rave team setup --hub postgresql://admin@db/rave", "once, as the admin"),
        ("rave team add ana --hub postgresql://admin@db/rave", "a member"),
    ),
)
app.add_typer(team_app, name="team")

HubOpt = Annotated[
    str,
    typer.Option(
        "--hub",
        metavar="URL",
        envvar="RAVE_HUB",
        help="The hub's database as its admin: postgresql://rave_admin@host/rave "
        "(the password from ~/.pgpass or PGPASSWORD; or set RAVE_HUB).",
        show_default=False,
    ),
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print the SQL it would run; run nothing.")
]
NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="The member's role name (ana, bo_chen).")
]


@team_app.command("setup")
def setup(hub: HubOpt, dry_run: DryRunOpt = False, as_json: JsonOpt = False) -> None:
    """Make the hub in the database (once; again repairs it, nothing lost).

    Connect as an admin role with CREATEROLE that owns the database, not as a superuser
    (refused)."""
    from rave.cli import payloads, render, views
    from rave.services import team

    render.answer(
        as_json, team.setup(hub, dry_run=dry_run), payloads.team_change, views.team_change
    )


@team_app.command("add")
def add(
    name: NameArg,
    hub: HubOpt,
    no_password: Annotated[
        bool,
        typer.Option(
            "--no-password",
            help="Make the role without a password (the server authenticates it otherwise).",
        ),
    ] = False,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a member: a login role of their own, with a generated password (printed once,
    with its ~/.pgpass line: hand it over privately), and the URL they sync with.

    A superuser, the hub's owner or a role that bypasses row-level security is refused."""
    from rave.cli import payloads, render, views
    from rave.services import team

    result = team.add(hub, name, password=not no_password, dry_run=dry_run)
    render.answer(as_json, result, payloads.team_change, views.team_change)


@team_app.command("remove")
def remove(
    name: NameArg, hub: HubOpt, dry_run: DryRunOpt = False, as_json: JsonOpt = False
) -> None:
    """Take a member out of the team: they receive nothing more; what they pushed stays
    in the shared history."""
    from rave.cli import payloads, render, views
    from rave.services import team

    result = team.remove(hub, name, dry_run=dry_run)
    render.answer(as_json, result, payloads.team_change, views.team_change)


@team_app.command("list")
def members(hub: HubOpt, as_json: JsonOpt = False) -> None:
    """The hub's members, with how many operations each pushed and when last."""
    from rave.cli import payloads, render, views
    from rave.services import team

    render.answer(as_json, team.members(hub), payloads.team, views.team)
