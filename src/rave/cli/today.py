"""The daily list and its explanation: today, why, snooze, unsnooze, demo."""

from typing import Annotated

import typer

from rave.cli.common import (
    ContactArg,
    JsonOpt,
    TagFilterOpt,
    TierFilterOpt,
    channel_option,
    command_group,
    future_date,
    limit_option,
    moment,
    paths,
    when_option,
)

AsOfOpt = Annotated[
    str | None,
    when_option("--as-of", help="Rank as of another moment: 2026-12-01, 3d (ago), a weekday."),
]

SuggestionsOpt = Annotated[
    int | None,
    limit_option(help="At most N outreach suggestions (default 5, [rank] limit).", minimum=0),
]


app = command_group()  # this module's commands, loaded when one is run


@app.command()
def today(
    ctx: typer.Context,
    limit: SuggestionsOpt = None,
    as_of: AsOfOpt = None,
    tier: TierFilterOpt = None,
    tag: TagFilterOpt = None,
    channel: Annotated[
        str | None,
        channel_option(help="Only people you reach on this channel (a handle or past talk)."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each score's terms and who is paused.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Whom to answer first, whom to reach out to, and how: the ranked daily list, and
    one line about your own broadcasting when it is out of balance."""
    from rave import choices
    from rave.cli import payloads, render, views
    from rave.services import ranking

    view = ranking.today_view(
        paths(ctx),
        as_of=moment(as_of),
        limit=limit,
        tier=None if tier is None else choices.tier(tier),
        tag=tag,
        channel=None if channel is None else choices.channel(channel),
        broadcast=not as_json,  # the JSON array is people only (see `digest`, `stats`)
    )
    render.answer(
        as_json,
        view,
        payloads.today,
        lambda v: views.today_list(v.ranking, explain=explain, broadcast=v.broadcast),
    )


@app.command()
def why(
    ctx: typer.Context, contact: ContactArg, as_of: AsOfOpt = None, as_json: JsonOpt = False
) -> None:
    """The score table for one contact: each term's measure, coefficient and
    contribution, and why a hidden contact is hidden."""
    from rave.cli import payloads, render, views
    from rave.services import ranking

    result = ranking.why(paths(ctx), contact, as_of=moment(as_of))
    render.answer(as_json, result, payloads.why, views.why)


@app.command()
def snooze(
    ctx: typer.Context,
    contact: ContactArg,
    until: Annotated[
        str,
        typer.Argument(metavar="UNTIL", help="2w, friday, 2026-12-01: back in `today` that day."),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Hide a contact from `today` until a date."""
    from rave.cli import payloads, render, views
    from rave.services import ranking

    day = future_date(until, option="UNTIL")
    render.answer(
        as_json,
        ranking.snooze(paths(ctx).db, contact, day),
        payloads.snoozed,
        views.snoozed,
    )


@app.command()
def unsnooze(ctx: typer.Context, contact: ContactArg, as_json: JsonOpt = False) -> None:
    """Bring a snoozed contact back into `today`."""
    from rave.cli import payloads, render, views
    from rave.services import ranking

    render.answer(
        as_json,
        ranking.snooze(paths(ctx).db, contact, None),
        payloads.snoozed,
        views.snoozed,
    )


@app.command()
def demo(as_json: JsonOpt = False) -> None:
    """Show rave on a sample network, in a temporary store (your data is not touched):
    its `today` list and one `why`."""
    from rave.cli import payloads, render, views
    from rave.services import demo as sample

    render.answer(as_json, sample.run(), payloads.demo, views.demo)


@app.command()
def digest(
    ctx: typer.Context,
    limit: SuggestionsOpt = None,
    quiet_if_empty: Annotated[
        bool,
        typer.Option("--quiet-if-empty", help="Print nothing when there is nothing to do (cron)."),
    ] = False,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A plain-text morning digest for cron mail: the reply lane, top suggestions,
    follow-ups due, and a count of the rest."""
    from rave.cli import payloads, render, views
    from rave.services import ranking

    result = ranking.digest(paths(ctx), as_of=moment(as_of), limit=limit)
    if quiet_if_empty and result.empty:
        return
    render.answer(as_json, result, payloads.digest, views.digest)
