"""`rave stats`: your own mix over time, and its human view: a stacked bar per period,
your mix against the target with one sentence of advice, by channel and by tier, reply
latency, who starts conversations, the relationship ladder and the broadcast nudge.

On a terminal with colours the bars are coloured blocks that fit its width; otherwise
(``NO_COLOR``, ``TERM=dumb``, a pipe, a file, cron) each period is one line of counts and
a bar of letters ``b``/``c``/``e``, never wrapped."""

from typing import Annotated

import typer

from rave import timeutil
from rave.choices import KINDS
from rave.cli import render, tables
from rave.cli.common import (
    JsonOpt,
    command_group,
    complete_period,
    moment,
    paths,
    when_option,
)
from rave.cli.profile import KIND_COLOUR
from rave.cli.views import BROADCAST_LABEL
from rave.scoring import mix
from rave.services.stats import StatsReport

app = command_group()  # this module's commands, loaded when one is run


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        when_option(
            "--since",
            help="From the week or month holding this moment: 12w, 6m, 2026-01-01 "
            "(default: 12 weeks, or 12 months with --by month).",
        ),
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="week|month",
            help="One row per week or per month.",
            autocompletion=complete_period,
        ),
    ] = "week",
    as_of: Annotated[
        str | None,
        when_option(
            "--as-of", help="Count up to another moment (default now): 2026-12-01, 3d (ago)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Your broadcast/chat/engage balance over time against your target mix, by channel
    and tier; reply latency; who starts conversations; the relationship ladder."""
    from rave.cli import payloads
    from rave.services import stats

    until = moment(as_of)
    start = None if since is None else timeutil.parse_since(since, now=until)
    report = stats.report(paths(ctx), until=until, since=start, by=by.strip().lower())
    render.answer(as_json, report, payloads.stats, view)


BAR_WIDTH = 40
LETTER = {"broadcast": "b", "chat": "c", "engage": "e"}
RUNG_TEXT = {
    "met_offline": "met offline (in person, phone, video)",
    "engaged": "engaged (help, introductions, calls)",
    "chatting": "chatting",
    "broadcast_only": "broadcast only (likes, shares)",
    "not_started": "nothing logged yet",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def _bar(counts: dict[str, int], scale: float, colour: bool) -> list[tuple[str, str | None]]:
    parts: list[tuple[str, str | None]] = []
    for kind in KINDS:
        if counts[kind]:
            width = max(1, round(counts[kind] * scale))
            if colour:
                parts.append(("█" * width, KIND_COLOUR[kind]))
            else:
                parts.append((LETTER[kind] * width, None))
    return parts


def _chart(report: StatsReport) -> None:
    """A row per period: its counts, then a bar of BAR_WIDTH cells at most (less on a
    narrow terminal), of coloured blocks when colours show, of letters otherwise."""
    act = report.activity
    colour = render.colour()
    until = timeutil.show_date(report.until)
    render.section(f"Your mix by {report.by}, {timeutil.show_date(report.since)} to {until}")
    labels = [mix.period_label(p.start, report.by) for p in act.periods]
    first = "week of" if report.by == "week" else "month"
    label_width = max(len(first), *(len(label) for label in labels))
    widths = [max(len(kind), 3) for kind in KINDS]
    header = "  ".join(kind.rjust(w) for kind, w in zip(KINDS, widths, strict=True))
    render.line(f"{first.ljust(label_width)}  {header}", style="bold")
    room = render.width()
    bar_width = BAR_WIDTH
    if room is not None:  # the row, two spaces, and a cell per kind for the rounding
        bar_width = min(BAR_WIDTH, room - label_width - len(header) - 4 - len(KINDS))
    biggest = max((sum(p.counts.values()) for p in act.periods), default=0)
    scale = bar_width / biggest if biggest and bar_width > 0 else 0.0
    for label, period in zip(labels, act.periods, strict=True):
        numbers = "  ".join(
            str(period.counts[kind]).rjust(w) for kind, w in zip(KINDS, widths, strict=True)
        )
        bar = _bar(period.counts, scale, colour) if scale else []
        row = f"{label.ljust(label_width)}  {numbers}" + ("  " if bar else "")
        render.styled([(row, None), *bar])
    if colour:
        legend: list[tuple[str, str | None]] = []
        for kind in KINDS:
            legend += [("█", KIND_COLOUR[kind]), (f" {kind}  ", None)]
        render.styled([*legend, ("(your posts count as broadcast)", "dim")])
    else:
        render.line("b broadcast (your posts included) · c chat · e engage")


def _mix(report: StatsReport) -> None:
    act = report.activity
    total = sum(act.totals.values())
    received = sum(act.received.values())
    render.section("Against your target ([balance] in config.toml)")
    tables.table(
        ["kind", "count", "share", "target"],
        [
            [
                kind,
                str(act.totals[kind]),
                _share(act.totals[kind], total),
                f"{round(100 * report.target[kind])}%",
            ]
            for kind in KINDS
        ],
    )
    render.line(
        f"Yours: {_plural(total - act.posts, 'interaction')} you sent and "
        f"{_plural(act.posts, 'post')}; received: {_plural(received, 'interaction')}."
    )
    render.line(report.advice, style="bold")


def _breakdown(title: str, first: str, rows: dict[str, dict[str, int]]) -> None:
    render.section(title)
    if not rows:
        render.line("  nothing in this period")
        return
    tables.table(
        [first, *KINDS, "total"],
        [
            [name, *(str(c[kind]) for kind in KINDS), str(sum(c.values()))]
            for name, c in rows.items()
        ],
    )


def _conversations(report: StatsReport) -> None:
    lat = report.latency
    render.section("Conversations")
    if lat.median is None or lat.p90 is None:
        reply = "no answered message in this period"
    else:
        reply = (
            f"median {lat.median:.1f} days, 90th percentile {lat.p90:.1f} days "
            f"({lat.replies} answered)"
        )
    if lat.waiting:
        reply += f"; {lat.waiting} still waiting for you"
    render.line(f"Your reply time: {reply}")
    me, them = report.initiated.me, report.initiated.them
    render.line(
        f"Who starts them (first message after {mix.SILENCE_DAYS} days of silence): "
        f"you {me} ({_share(me, me + them)}), them {them} ({_share(them, me + them)})"
    )


def _ladder(report: StatsReport) -> None:
    ladder = report.ladder
    render.section("Relationship ladder (highest rung reached)")
    tables.table(
        ["rung", "contacts"],
        [[RUNG_TEXT[rung], str(ladder.counts[rung])] for rung in reversed(mix.RUNGS)],
    )
    render.line(f"Moved up a rung in this period: {ladder.moved_up}")


def view(report: StatsReport) -> None:
    """The human view of `rave stats`."""
    _chart(report)
    _mix(report)
    _breakdown("By channel", "channel", report.activity.by_channel)
    _breakdown("By tier (once per interaction and tier)", "tier", report.activity.by_tier)
    _conversations(report)
    _ladder(report)
    if report.broadcast is not None:
        render.line(BROADCAST_LABEL + report.broadcast.message, style="yellow")
