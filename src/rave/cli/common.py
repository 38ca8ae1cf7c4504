"""Helpers shared by command modules: the resolved paths, contact completion, WHEN
options, confirmation. Light imports only."""

from __future__ import annotations

import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rave.config import Paths


def paths(ctx: typer.Context) -> Paths:
    root = ctx.find_root()
    obj = root.obj
    if obj is None:  # shell completion runs without the root callback
        from rave.config import resolve_paths

        obj = resolve_paths(root.params.get("db"))
    return obj  # type: ignore[no-any-return]


def complete_contact(ctx: typer.Context, incomplete: str) -> list[str]:
    """Contact names for shell completion, read through the read door (no ORM).

    Matching ignores case and accents like the rest of rave; what the person typed is
    kept as the start (shells only offer candidates that begin with it), and in bash,
    which inserts candidates as they are, spaces are escaped."""
    import os

    try:
        from rave.services import contacts

        names = contacts.contact_names(paths(ctx).db, incomplete)
    except Exception:  # completion must never print a traceback into the shell
        return []
    candidates = [incomplete + name[len(incomplete) :] for name in names]
    if os.environ.get("_RAVE_COMPLETE", "").endswith("bash"):
        candidates = [c.replace(" ", "\\ ") for c in candidates]
    return candidates


def now() -> datetime:
    from rave import timeutil

    return timeutil.utcnow()


def past(text: str | None, *, option: str = "--when") -> datetime:
    from rave import timeutil

    moment = now()
    return moment if text is None else timeutil.parse_past(text, now=moment, what=option)


def moment(text: str | None, *, option: str = "--as-of") -> datetime:
    from rave import timeutil

    current = now()
    return current if text is None else timeutil.parse_moment(text, now=current, what=option)


def future_date(text: str, *, option: str) -> date:
    from rave import timeutil

    return timeutil.parse_future_date(text, now=now(), what=option)


def confirm(question: str, *, yes: bool) -> None:
    """Go on when ``--yes`` was given or the person agrees at a terminal; refuse (exit 1)
    when nobody can be asked."""
    from rave.errors import RaveError

    if yes:
        return
    if not sys.stdin.isatty():
        raise RaveError(f"{question} Refusing without a terminal.", hint="pass --yes to confirm")
    if not typer.confirm(question, default=False):
        raise RaveError("cancelled; nothing was changed")


def command_group(**settings: Any) -> typer.Typer:
    """A module's own Typer app for its commands: ``rave.cli`` loads it when one of them
    runs (``COMMANDS``), so start-up builds one command, not all of them."""
    return typer.Typer(rich_markup_mode=None, add_completion=False, **settings)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ContactArg = Annotated[
    str,
    typer.Argument(
        metavar="CONTACT",
        help="A name, alias, handle (email, profile URL, @twitter) or #ID.",
        autocompletion=complete_contact,
    ),
]
