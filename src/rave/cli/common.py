"""Helpers shared by command modules: the resolved paths, shell completion, WHEN
options, confirmation, the examples that end each command's help. Light imports only."""

from __future__ import annotations

import sys
from collections.abc import Iterable
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


def matching(words: Iterable[str], incomplete: str) -> list[str]:
    """The ``words`` that start with what was typed, ignoring case, each beginning with
    the typed text itself (shells only offer candidates that start with it, and rave
    reads these values in any case)."""
    typed = incomplete.lower()
    return [
        incomplete + word[len(incomplete) :] for word in words if word.lower().startswith(typed)
    ]


def complete_channel(incomplete: str) -> list[str]:
    """Channel names for shell completion."""
    from rave.choices import CHANNELS

    return matching(CHANNELS, incomplete)


def complete_kind(incomplete: str) -> list[str]:
    """Interaction kinds for shell completion."""
    from rave.choices import KINDS

    return matching(KINDS, incomplete)


def complete_tier(incomplete: str) -> list[str]:
    """Tiers for shell completion."""
    from rave.choices import TIER_CHOICES

    return matching(TIER_CHOICES, incomplete)


def complete_period(incomplete: str) -> list[str]:
    """The periods of `rave stats --by` for shell completion."""
    return matching(("week", "month"), incomplete)


def complete_sort(incomplete: str) -> list[str]:
    """The orders of `rave list --sort` for shell completion."""
    from rave.queries.contacts import SORTS

    return matching(SORTS, incomplete)


Example = tuple[str, str] | str  # a command line, with or without what it does


def examples(*lines: Example) -> str:
    """A command's epilog: ``Examples:`` and one command per line, each with a few words
    of what it does as a shell comment (so the line can be pasted as it is). Click's
    ``\\b`` marker keeps the block as written instead of rewrapping it."""
    pairs = [(line, "") if isinstance(line, str) else line for line in lines]
    width = max((len(command) for command, what in pairs if what), default=0)
    rows = [
        f"  {command.ljust(width)}  # {what}" if what else f"  {command}" for command, what in pairs
    ]
    return "\b\nExamples:\n" + "\n".join(row.rstrip() for row in rows)


def examples_for(app: typer.Typer, table: dict[str, tuple[Example, ...]]) -> None:
    """Give every command of ``app`` (and of its sub-groups, as ``"group command"``) the
    examples ``table`` holds for it, as the end of its ``--help``. A command without
    examples is an error here, when its module loads."""
    groups = [("", app)] + [
        (f"{group.name} ", group.typer_instance)
        for group in app.registered_groups
        if group.typer_instance is not None
    ]
    for prefix, owner in groups:
        for info in owner.registered_commands:
            assert info.callback is not None
            name = info.name or typer.main.get_command_name(info.callback.__name__)
            info.epilog = examples(*table[prefix + name])


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


def contact_argument(*, help: str, metavar: str = "CONTACT") -> Any:
    """A contact reference, completed from the names in the store."""
    return typer.Argument(
        metavar=metavar, help=help, autocompletion=complete_contact, show_default=False
    )


def kind_option(*, help: str) -> Any:
    """``--kind/-k KIND``: broadcast, chat or engage, completed (any case)."""
    return typer.Option("--kind", "-k", metavar="KIND", help=help, autocompletion=complete_kind)


def limit_option(*, help: str, minimum: int = 1) -> Any:
    """``--limit/-l N``: a count, from ``minimum`` to a billion."""
    return typer.Option("--limit", "-l", min=minimum, max=1_000_000_000, metavar="N", help=help)


def channel_option(*, help: str) -> Any:
    """``--channel/-c CHANNEL``, completed from the channels rave knows (any case)."""
    return typer.Option(
        "--channel",
        "-c",
        metavar="CHANNEL",
        help=help,
        autocompletion=complete_channel,
        show_default=False,
    )


def tier_option(*, help: str) -> Any:
    """``--tier/-t TIER``, completed from A, B, C, D and none (any case)."""
    return typer.Option(
        "--tier", "-t", metavar="TIER", help=help, autocompletion=complete_tier, show_default=False
    )


def when_option(*names: str, help: str) -> Any:
    """An option that takes a moment as people write it (``friday``, ``3d``, a date)."""
    return typer.Option(*names, metavar="WHEN", help=help, show_default=False)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
ContactArg = Annotated[
    str,
    contact_argument(help="A name, alias, handle (email, profile URL, @twitter) or #ID."),
]
# The filters of `today` and `list`.
TierFilterOpt = Annotated[str | None, tier_option(help="Only this tier (A, B, C, D, none).")]
TagFilterOpt = Annotated[
    str | None, typer.Option("--tag", metavar="TAG", help="Only contacts with this tag.")
]
