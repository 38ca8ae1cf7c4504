"""Human views that are more than one table (a contact's profile)."""

from __future__ import annotations

from rave import queries, render, timeutil

KIND_STYLE = {"broadcast": "dim", "chat": "cyan", "engage": "green"}


def balance_bar(balance: dict[str, int], width: int = 30) -> str:
    """``broadcast 2 · chat 5 · engage 1`` with a proportional bar of b/c/e letters."""
    total = sum(balance.values())
    counts = " · ".join(f"{kind} {count}" for kind, count in balance.items())
    if not total:
        return counts
    bar = "".join(kind[0] * round(width * count / total) for kind, count in balance.items())
    return f"{counts}   [{bar}]"


def contact(detail: queries.ContactDetail) -> None:
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
        ("balance", balance_bar(detail.balance)),
    ]
    facts += [(channel, value) for channel, value in detail.handles]
    for label, value in facts:
        if value:
            render.line(f"  {label + ':':<15}{value}")
    if detail.notes:
        render.section("Notes")
        for note in detail.notes[:10]:
            render.line(f"  {timeutil.show_date(note.created_at)}  {note.text}")
    if detail.followups:
        render.section("Open follow-ups")
        for item in detail.followups:
            due = f"due {item.due.isoformat()}" if item.due else "no due date"
            render.line(f"  [{item.id}] {item.text} ({due})")
    plural = "" if detail.interaction_count == 1 else "s"
    render.section(f"Timeline ({detail.interaction_count} interaction{plural})")
    if not detail.interactions:
        render.line("  nothing logged yet: rave log " + repr(detail.name))
        return
    render.table(
        ["when", "", "kind", "channel", "note"],
        [
            [
                f"{timeutil.show_date(i.when)} ({timeutil.ago(i.when, now)})",
                "→" if i.direction == "out" else "←" + (" !" if i.needs_reply else ""),
                i.kind,
                i.channel,
                (i.note or "") + (f" (with {', '.join(i.with_others)})" if i.with_others else ""),
            ]
            for i in detail.interactions
        ],
        row_styles=[KIND_STYLE.get(i.kind) for i in detail.interactions],
    )
