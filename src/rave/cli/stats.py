"""Insight into your own mix: `rave stats`."""

from typing import Annotated

import typer

from rave.cli.common import JsonOpt, command_group, moment, paths

app = command_group()  # this module's commands, loaded when one is run


@app.command(rich_help_panel="Insight")
def stats(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="From the week or month holding this moment: 12w, 6m, 2026-01-01 "
            "(default: 12 weeks, or 12 months with --by month).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="week or month.")] = "week",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Count up to another moment (default now): 2026-12-01, 3d (ago).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Your broadcast/chat/engage balance over time against your target mix, by channel
    and tier; reply latency; who starts conversations; the relationship ladder."""
    from rave import payloads, render, services, timeutil
    from rave.cli import stats_view

    until = moment(as_of)
    start = None if since is None else timeutil.parse_moment(since, now=until, what="--since")
    report = services.stats(paths(ctx), until=until, since=start, by=by.strip().lower())
    if as_json:
        render.json_out(payloads.stats(report))
    else:
        stats_view.stats(report)
