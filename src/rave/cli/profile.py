"""A contact on screen: the profile of `rave show` (fields, handles, notes, follow-ups,
timeline, the broadcast/chat/engage balance bar and the warmth trend) and the table of
`rave list`."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rave import choices, timeutil
from rave.cli import render, tables
from rave.scoring import mix

if TYPE_CHECKING:
    from rave.queries import records

_ARROWS = {"out": "→", "in": "←", "both": "↔"}
KIND_STYLE = {"broadcast": "dim", "chat": "cyan", "engage": "green"}  # timeline rows
KIND_COLOUR = {"broadcast": "yellow", "chat": "cyan", "engage": "green"}  # charts' bars


def balance_bar(balance: dict[str, int], width: int = 30) -> str:
    """``broadcast 2 · chat 5 · engage 1`` with a proportional bar of b/c/e letters."""
    counts = " · ".join(f"{kind} {count}" for kind, count in balance.items())
    bar = "".join(text for text, _ in _bar(balance, width, colour=False))
    return f"{counts}   [{bar}]" if bar else counts


def _bar(balance: dict[str, int], width: int, *, colour: bool) -> list[tuple[str, str | None]]:
    """A bar of about ``width`` cells (one more at most) split by kind: coloured blocks
    when colours show, the letters b/c/e otherwise."""
    total = sum(balance.values())
    return [
        ("█" * size, KIND_COLOUR.get(kind)) if colour else (kind[0] * size, None)
        for kind, count in balance.items()
        if total and (size := round(width * count / total))
    ]


def _balance(label: str, balance: dict[str, int]) -> None:
    """The profile's balance line: on a terminal its bar fits the width, in colour
    (the kinds named in their colours) unless ``NO_COLOR`` or ``TERM=dumb``."""
    room = render.width()
    if room is None:
        render.line(label + balance_bar(balance))
        return
    colour = render.colour()
    parts: list[tuple[str, str | None]] = [(label, None)]
    for index, (kind, count) in enumerate(balance.items()):
        parts += [(" · " if index else "", None), (kind, KIND_COLOUR.get(kind) if colour else None)]
        parts.append((f" {count}", None))
    width = min(30, room - sum(len(text) for text, _ in parts) - 6)  # "   [", "]", rounding
    if sum(balance.values()) and width >= 5:  # no room for a bar on a very narrow terminal
        parts += [("   [", None), *_bar(balance, width, colour=colour), ("]", None)]
    render.styled(parts)


def warmth_trend(trend: tuple[tuple[str, float], ...]) -> str:
    """``▁▁▂▅█▇▆▅▄▄▃▃  2025-12 → 2026-11 (month ends; peak 1.84)``; empty without warmth."""
    values = [value for _, value in trend]
    if not values or max(values) <= 0:
        return ""
    spark = mix.sparkline(values)
    return f"{spark}  {trend[0][0]} → {trend[-1][0]} (month ends; peak {max(values):.2f})"


def contact(detail: records.ContactDetail) -> None:
    now = timeutil.utcnow()
    render.line(f"#{detail.id} {detail.name}", style="bold")
    facts = [
        (
            "tier",
            detail.tier + (f" (every {detail.cadence_days} days)" if detail.cadence_days else ""),
        ),
        ("company", detail.company),
        ("title", detail.title),
        ("location", detail.location),
        ("birthday", detail.birthday),
        ("aliases", ", ".join(detail.aliases)),
        ("tags", ", ".join(detail.tags)),
        ("why", detail.why),
        ("offer", detail.offer),
        ("met", detail.met),
        ("snoozed until", timeutil.show_date(detail.snoozed_until)),
        ("warmth", f"{detail.warmth:.2f}"),
        ("warmth trend", warmth_trend(detail.warmth_trend)),
    ]
    for label, value in facts:
        if value:
            render.item(f"  {label + ':':<15}", value)
    _balance(f"  {'balance:':<15}", detail.balance)
    for channel, value in detail.handles:
        typed = detail.typed.get((channel, value))
        if typed:  # as the user wrote it, then the form rave matches it under
            render.item(f"  {channel + ':':<15}", f"{typed} ({value})")
        elif value:
            render.item(f"  {channel + ':':<15}", value)
    if detail.notes:
        render.section("Notes")
        for note in detail.notes[:10]:
            team = " (team)" if note.shared else ""
            render.item(f"  n{note.id}  {timeutil.show_date(note.created_at)}{team}  ", note.text)
    if detail.followups:
        render.section("Open follow-ups")
        for item in detail.followups:
            due = f"due {item.due.isoformat()}" if item.due else "no due date"
            render.item(f"  f{item.id}  ", f"{item.text} ({due})")
    plural = "" if detail.interaction_count == 1 else "s"
    render.section(f"Timeline ({detail.interaction_count} interaction{plural})")
    if not detail.interactions:
        render.line("  nothing logged yet: rave log " + repr(detail.name))
        return
    tables.table(
        ["ref", "when", "", "kind", "channel", "note"],
        [
            [
                choices.ref("interaction", i.id),
                f"{timeutil.show_date(i.when)} ({timeutil.ago(i.when, now)})",
                _ARROWS[i.direction] + (" !" if i.awaiting_reply else ""),
                i.kind,
                i.channel,
                (i.note or "") + (f" (with {', '.join(i.with_others)})" if i.with_others else ""),
            ]
            for i in detail.interactions
        ],
        row_styles=[KIND_STYLE.get(i.kind) for i in detail.interactions],
        styles=["dim"],
        shorten=("note",),
    )


def contact_list(rows: Iterable[records.ContactSummary], *, filtered: bool) -> None:
    """The contacts as a table, built row by row as they are read (30,000 of them)."""
    found = iter(rows)
    first = next(found, None)
    if first is None:
        if filtered:
            render.info("No contacts match.")
        else:
            render.info('No contacts yet. Add one: rave add "Ana Pérez" --tier B')
        return
    now = timeutil.utcnow()
    tables.table(
        ["#", "name", "tier", "company", "title", "tags", "last message/call", "warmth"],
        (
            [
                str(r.id),
                r.name,
                r.tier,
                r.company or "",
                r.title or "",
                ", ".join(r.tags),
                timeutil.ago(r.last_meaningful_at, now),
                f"{r.warmth:.1f}",
            ]
            for r in itertools.chain([first], found)
        ),
        styles=["dim", "bold", None, None, None, "cyan", None, None],
        shorten=("name", "company", "title", "tags"),
        optional=("tags", "title", "company"),
        page=True,
    )
