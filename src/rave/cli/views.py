"""The views for people: what each command prints without ``--json`` (the JSON is in
``payloads``). `rave stats` draws its charts in ``rave.cli.stats``."""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from rave import choices, timeutil
from rave.cli import render, tables
from rave.scoring import mix
from rave.scoring.model import Assessment, Ranking, Suggestion
from rave.scoring.terms import since_last

if TYPE_CHECKING:
    from datetime import datetime

    from rave.config import Paths
    from rave.queries import records
    from rave.services.maintenance import Check, Rebuilt
    from rave.services.matcher import ImportReport
    from rave.services.ranking import Digest, WhyResult
    from rave.services.recording import LogResult
    from rave.services.sync import Synced
    from rave.services.team import Team, TeamChange

BROADCAST_LABEL = "Your broadcasting: "


LANE_TITLES = ("Answer first", "Reach out", "Light touches, no message")


def _lane(result: Ranking, lane: int) -> list[Suggestion]:
    return [s for s in result.suggestions if s.assessment.lane == lane]


HIDDEN_TEXT = {
    "snoozed": "snoozed",
    "backoff": "paused after unanswered messages (back-off)",
    "dormant": "dormant: many messages without an answer",
    "below_threshold": "below the threshold: nothing pressing",
    "untargeted": "tier none: shown only when they write or you owe them",
}


def _num(value: float) -> str:
    return f"{value:g}"


def _formula(assessment: Assessment) -> str:
    parts = [
        f"{'+' if t.contribution > 0 else '−'} {t.term} {_num(abs(t.contribution))}"
        for t in assessment.terms
        if t.contribution
    ]
    text = " ".join(parts).removeprefix("+ ") or "0"
    return f"{text} = {_num(assessment.score)}"


def today_list(result: Ranking, *, explain: bool, broadcast: mix.Nudge | None = None) -> None:
    """The daily list: the reply lane first, then outreach, then one line about your own
    broadcasting when it is out of balance, then a footer."""
    lanes = [(title, _lane(result, lane)) for lane, title in enumerate(LANE_TITLES)]
    if not result.suggestions:
        render.line("Nobody to answer or reach out to today. Enjoy the quiet, or post something.")
    for title, items in lanes:
        if not items:
            continue
        columns = ["#", "name", "tier", "action", "reason", "channel", "talking point"]
        if explain:
            columns.insert(4, "score")
        rows = []
        for item in items:
            a = item.assessment
            row = [
                str(item.rank),
                a.state.name,
                a.state.tier,
                a.action,
                a.reason,
                a.channel or "",
                a.talking_point or "",
            ]
            if explain:
                row.insert(4, _num(a.score))
            rows.append(row)
        tables.table(
            columns,
            rows,
            title=title,
            styles=["dim", "bold", None, "cyan"],
            shorten=("name", "reason", "talking point"),
            optional=("talking point",),
        )
        if explain:
            for item in items:
                a = item.assessment
                render.item(f"  {item.rank}. ", f"{a.state.name}: {_formula(a)}; {a.advice}")
    if broadcast is not None:
        render.line(BROADCAST_LABEL + broadcast.message, style="yellow")
    footer = _not_shown(result.skipped)
    if footer:
        render.info(f"Not shown: {footer}. `rave why NAME` explains anyone.")
    if explain:
        for label, group in (("In back-off", result.backoff), ("Dormant", result.dormant)):
            for a in group:
                until = (
                    f" until {timeutil.show_date(a.backoff_until)}"
                    if a.backoff_until and label == "In back-off"
                    else ""
                )
                render.info(
                    f"{label}: {a.state.name} ({a.state.unanswered} messages unanswered){until}"
                )


def why(result: WhyResult) -> None:
    a = result.assessment
    s = a.state
    if result.rank is not None:
        place = f"#{result.rank} in today's list ({a.lane_name} lane)"
    elif a.hidden is not None:
        place = "not in today's list: " + HIDDEN_TEXT[a.hidden]
        if a.hidden == "backoff" and a.backoff_until:
            place += f" until {timeutil.show_date(a.backoff_until)}"
        if a.hidden == "snoozed" and s.snoozed_until:
            place += f" until {timeutil.show_date(s.snoozed_until)}"
    elif result.skipped == "intro_capped":
        place = "not in today's list: one new person a day (today's is already listed or made)"
    else:
        place = "not in today's list: others rank higher (raise --limit to see more)"
    render.line(f"{s.name} (#{s.contact_id}, tier {s.tier}): {place}", style="bold")
    render.line(f"action: {a.action}: {a.advice}")
    tables.table(
        ["term", "measure", "coefficient", "contribution", "note"],
        [
            [t.term, _num(t.measure), _num(t.coefficient), _num(t.contribution), t.note]
            for t in a.terms
        ],
        row_styles=[None if t.contribution else "dim" for t in a.terms],
        shorten=("note",),
    )
    render.line(
        f"score: {_formula(a)}" + (f" (threshold {_num(result.threshold)})" if a.lane == 1 else "")
    )
    render.line(f"reason: {a.reason}")
    if a.talking_point:
        render.line(f"talking point: {a.talking_point}")
    render.line(f"last conversation: {since_last(s, s.as_of)}; warmth {s.warmth:.2f}")
    if result.answered is not None:
        who, when = result.answered
        by = who if who == "you" else f"{who} (of your team)"
        render.line(f"last written to by {by}, {timeutil.show_date(when)}")


def _not_shown(skipped: dict[str, int] | Any) -> str:
    labels = [
        ("over_limit", "over the limit"),
        ("intro_capped", "new people for another day"),
        ("snoozed", "snoozed"),
        ("backoff", "in back-off"),
        ("dormant", "dormant"),
        ("below_threshold", "with nothing pressing"),
        ("untargeted", "not targeted"),
    ]
    return ", ".join(f"{skipped[key]} {label}" for key, label in labels if skipped.get(key))


def digest_text(result: Digest) -> str:
    """The digest as plain text: what cron mails."""
    lines = [f"rave digest for {result.as_of.astimezone():%A %d %B %Y}", ""]
    lanes = [(title, _lane(result.ranking, lane)) for lane, title in enumerate(LANE_TITLES)]
    for title, items in lanes:
        if not items:
            continue
        lines.append(f"{title} ({len(items)})")
        for item in items:
            a = item.assessment
            where = f" on {a.channel}" if a.channel else ""
            lines.append(
                f"  {item.rank}. {a.state.name} [{a.state.tier}] {a.action}{where}: {a.reason}"
            )
            lines.append(f"     {a.advice}")
            if a.talking_point:
                lines.append(f"     talking point: {a.talking_point}")
        lines.append("")
    if result.followups_due:
        today = timeutil.local_date(result.as_of)
        lines.append(f"Follow-ups due ({len(result.followups_due)})")
        for f in result.followups_due:
            late = " (overdue)" if f.due is not None and f.due < today else ""
            due = f.due.isoformat() if f.due else ""
            lines.append(f"  [f{f.id}] {f.contact_name}: {f.text} (due {due}){late}")
        lines.append("")
    if result.empty:
        lines.append("Nothing to do today.")
    if result.broadcast is not None:
        lines.append(BROADCAST_LABEL + result.broadcast.message)
    rest = _not_shown(result.ranking.skipped)
    if rest:
        lines.append(f"Not shown: {rest}.")
    if result.synced:
        when = result.last_sync
        lines.append(
            "Last sync: never (run `rave sync`)."
            if when is None
            else f"Last sync: {when.astimezone():%Y-%m-%d %H:%M} ({_ago(result.as_of, when)})."
        )
    return "\n".join(lines).rstrip() + "\n"


def _ago(now: datetime, then: datetime) -> str:
    """How long ago, in the largest whole unit: what a reader of the digest needs to see
    that the cron machine stopped syncing."""
    minutes = max(0, int((now - then).total_seconds() // 60))
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def digest(result: Digest) -> None:
    render.plain(digest_text(result))


def snoozed(result: tuple[records.ContactRef, datetime | None]) -> None:
    found, until = result
    if until is None:
        render.line(f"#{found.id} {found.name} is back in `rave today`")
    else:
        render.line(f"Snoozed #{found.id} {found.name} until {timeutil.local_date(until)}")


def demo(result: tuple[Ranking, WhyResult]) -> None:
    listed, explained = result
    render.info("A sample network with a few weeks of history, in a temporary store.")
    render.line("$ rave today", style="bold")
    today_list(listed, explain=False)
    render.line("")
    render.line(f"$ rave why {explained.assessment.state.name!r}", style="bold")
    why(explained)
    render.line("")
    render.info(
        'Your turn: rave add "Name" --tier B, then rave log "Name" after each '
        "conversation, and rave today each morning."
    )


def followups(rows: list[records.FollowUpRow]) -> None:
    if not rows:
        render.info("No open follow-ups.")
        return
    today = timeutil.local_date(timeutil.utcnow())
    tables.table(
        ["ref", "contact", "follow-up", "due", "state"],
        [
            [
                choices.ref("followup", r.id),
                r.contact_name,
                r.text,
                "" if r.due is None else r.due.isoformat(),
                "done" if r.done_at else ("overdue" if r.due and r.due < today else "open"),
            ]
            for r in rows
        ],
        row_styles=[
            "dim" if r.done_at else ("red" if r.due and r.due < today else None) for r in rows
        ],
        shorten=("contact", "follow-up"),
    )


def paths(found: Paths) -> None:
    tables.table(
        ["what", "path", "from", "exists"],
        [
            ["database", str(found.db), found.db_source, "yes" if found.db.exists() else "no"],
            [
                "config",
                str(found.config),
                found.config_source,
                "yes" if found.config.exists() else "no",
            ],
        ],
    )


def doctor(result: tuple[list[Check], Rebuilt | None]) -> None:
    checks, rebuilt = result
    if rebuilt is not None:
        render.line(
            f"Rebuilt {rebuilt.tallies} tallies from the history; "
            f"{rebuilt.differed} differed before."
        )
        if rebuilt.phones:
            render.line(f"Stored {rebuilt.phones} phone numbers in E.164 (your region).")
    tables.table(
        ["check", "", "detail"],
        [[c.name, "ok" if c.ok else "PROBLEM", c.detail] for c in checks],
        row_styles=[None if c.ok else "bold red" for c in checks],
    )
    problems = sum(not c.ok for c in checks)
    if problems:
        render.error(f"{problems} problem{'s' if problems != 1 else ''} found")


def import_report(report: ImportReport) -> None:
    for warning in report.warnings[:10]:
        render.info(f"warning: {warning}")
    if len(report.warnings) > 10:
        render.info(f"... and {len(report.warnings) - 10} more warnings (see --json)")
    verb = "Would import" if report.dry_run else "Imported"
    parts = [
        f"{report.contacts_created} contacts created",
        f"{report.contacts_updated} updated",
        f"{report.interactions_created} interactions",
    ]
    if report.followups_created:
        parts.append(f"{report.followups_created} follow-ups")
    if report.followups_moved:
        parts.append(f"{report.followups_moved} follow-ups moved")
    if report.skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in report.skipped_reasons.items())
        from rave.services.imports import CAPTURE_READERS  # loaded: it made the report

        what = "records" if report.format in CAPTURE_READERS else "rows"  # mail, events
        parts.append(f"{report.skipped} {what} skipped" + (f" ({reasons})" if reasons else ""))
    if report.already_present:
        parts.append(f"{report.already_present} already present")
    render.line(f"{verb} {PurePath(report.file).name} ({report.format}): " + ", ".join(parts))
    if report.dry_run:
        render.info("Dry run: nothing was written.")


def logged(result: LogResult, *, horizon_days: float) -> None:
    render.line(logged_line(result, horizon_days))
    for cid in result.created:
        render.info(f"Created #{cid} (tier none): set a tier with `rave edit #{cid} --tier B`")
    for item in result.followups:
        due_text = f", due {item.due.isoformat()}" if item.due else ""
        ref = choices.ref("followup", item.id)
        render.line(f"Follow-up {ref} for {item.contact_name}: {item.text}{due_text}")


def logged_line(result: LogResult, horizon_days: float) -> str:
    """The confirmation: what was recorded, and whether `today` will ask you to answer."""
    names = ", ".join(c.name for c in result.contacts)
    verb = {"in": "from", "out": "to", "both": "with"}[result.direction]
    missed = result.direction != "both" and result.channel in choices.LIVE_CHANNELS
    kind = "missed call" if missed and result.kind != "broadcast" else result.kind
    text = (
        f"Logged {kind} {verb} {names} on {result.channel}, "
        f"{timeutil.ago(result.when, timeutil.utcnow())} ({choices.ref('interaction', result.id)})"
    )
    if result.shown == "reply":
        text += "; awaiting your reply"
    elif result.shown == "reply_late":
        text += f"; unanswered for over {horizon_days:g} days: `today` suggests a late reply"
    elif result.shown == "snoozed":
        text += "; unanswered, but snoozed: `today` shows it when the snooze ends"
    elif result.shown == "untargeted":
        text += "; unanswered for a while: tier none is shown only in the reply lane"
    if result.still_owed:
        text += "; you still owe them a favour (log it with -k engage)"
    return text


# --- correcting your history: `rave history`, `change`, `delete`, `undo` ----------------

if TYPE_CHECKING:
    from rave.queries.entries import Entry
    from rave.services.undo import Cleared, Undone
    from rave.undo_log import Command

_ARROWS = {"out": "→", "in": "←", "both": "↔"}


def _entry_what(item: Entry) -> str:
    """What an entry is: ``chat ← email``, ``note``, ``post on linkedin``, ``follow-up
    due 2026-12-01, done``."""
    if item.type == "interaction":
        what = f"{item.kind} {_ARROWS.get(item.direction or '', '')} {item.channel}"
        closed = item.direction == "in" and item.kind != "broadcast" and not item.needs_reply
        return what + (", closed" if closed else "")
    if item.type == "post":
        return f"post on {item.channel}"
    if item.type == "followup":
        due = f" due {item.due.isoformat()}" if item.due else ""
        return f"follow-up{due}" + (", done" if item.done_at else "")
    return item.type


def entry_line(item: Entry) -> str:
    """One entry on one line: ``i12 chat ← email with Ana Pérez, 2026-11-20 14:30: hi``."""
    people = f" with {', '.join(c.name for c in item.contacts)}" if item.contacts else ""
    if item.type == "followup" or item.type == "note":
        people = f" for {item.contacts[0].name}" if item.contacts else ""
    text = f": {item.text}" if item.text else ""
    return f"{item.ref} {_entry_what(item)}{people}, {timeutil.show_datetime(item.when)}{text}"


def entries(items: list[Entry]) -> None:
    if not items:
        render.info("Nothing recorded yet.")
        return
    tables.table(
        ["ref", "when", "what", "with", "text"],
        [
            [
                item.ref,
                timeutil.show_datetime(item.when),
                _entry_what(item),
                ", ".join(c.name for c in item.contacts),
                (item.text or "") + (f" {item.url}" if item.url else ""),
            ]
            for item in items
        ],
        styles=["dim", None, "cyan", "bold"],
        shorten=("with", "text"),
    )


_NOUNS = {
    "contact": ("contact", "contacts"),
    "alias": ("alias", "aliases"),
    "handle": ("handle", "handles"),
    "tag": ("tag", "tags"),
    "contact_ref": ("import key", "import keys"),
    "note": ("note", "notes"),
    "interaction": ("interaction", "interactions"),
    "interaction_contact": ("person on an interaction", "people on interactions"),
    "followup": ("follow-up", "follow-ups"),
    "post": ("post", "posts"),
    "distinct_pair": ("mark of two people", "marks of two people"),
}


def undo_effects(command: Command, *, done: bool) -> str:
    """What undoing ``command`` does, in words: ``removes 1 interaction and 1 follow-up;
    restores 1 note`` (``removed ...`` once ``done``)."""
    verbs = (
        ("added", ("removed", "removes")),
        ("deleted", ("restored", "restores")),
        ("changed", ("reverted", "reverts")),
    )
    interaction = next((c for c in command.changes if c.table == "interaction"), None)
    parts = []
    for field, (past, present) in verbs:
        items = []
        for change in command.changes:
            count = getattr(change, field)
            # the people of interactions added or deleted with them go without saying
            if not count or (
                change.table == "interaction_contact"
                and interaction is not None
                and getattr(interaction, field)
            ):
                continue
            one, many = _NOUNS.get(change.table, (change.table, change.table))
            items.append(f"{count} {one if count == 1 else many}")
        if items:
            listed = ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]
            parts.append(f"{past if done else present} {listed}")
    return "; ".join(parts)


def _command_name(command: Command) -> str:
    return f"`{command.command}`" if command.command else "the last command"


def undo_question(command: Command) -> str:
    """``the last command: `rave log ana` (today, 14:02); it removes 1 interaction``."""
    when = f"{timeutil.ago(command.at, timeutil.utcnow())}, {command.at.astimezone():%H:%M}"
    return f"{_command_name(command)} ({when}): it {undo_effects(command, done=False)}"


def undone(result: Undone) -> None:
    command = result.command
    if result.dry_run:
        render.line(f"`rave undo` would take back {undo_question(command)}")
        return
    rows = f"{command.rows} row{'s' if command.rows != 1 else ''}"
    render.line(f"Undid {_command_name(command)} ({rows}): {undo_effects(command, done=True)}")
    if command.earlier:
        plural = "s" if command.earlier != 1 else ""
        render.info(f"{command.earlier} earlier command{plural} can still be undone.")


if TYPE_CHECKING:
    from rave.queries.dupes import Duplicates
    from rave.services.contacts import Apart


def dupes(result: Duplicates) -> None:
    """`rave dupes`: one row per pair, with the merge that joins them, then how many
    pairs marked as two people were left out."""
    pairs = result.pairs
    if not pairs:
        render.info("No possible duplicates.")
    else:
        tables.table(
            ["keep", "drop", "why", "to merge them"],
            [
                [
                    f"#{p.keep.id} {p.keep.name}",
                    f"#{p.drop.id} {p.drop.name}",
                    "; ".join(p.reasons) + (" (marked as two people)" if p.apart else ""),
                    p.merge,
                ]
                for p in pairs
            ],
            shorten=("keep", "drop", "why"),
        )
        render.info(
            "KEEP is the older contact; swap the two to keep the other's name. "
            "Two people? `rave apart KEEP DROP` and they are not listed again."
        )
    dupes_left_out(result)


def dupes_left_out(result: Duplicates) -> None:
    """On stderr, in text and JSON alike: how many pairs marked apart were left out."""
    if result.left_out:
        pairs = "1 pair" if result.left_out == 1 else f"{result.left_out} pairs"
        render.info(
            f"{pairs} marked as two people (`rave apart`) left out; `rave dupes --all` shows them."
        )


def apart(result: Apart) -> None:
    """`rave apart`: what is marked now (stdout), or that nothing changed (stderr)."""
    one = f"#{result.contact.id} {result.contact.name}"
    two = f"#{result.other.id} {result.other.name}"
    if result.apart and result.changed:
        render.line(f"{one} and {two} are two people: `rave dupes` no longer lists them.")
    elif result.changed:
        render.line(f"Forgot that {one} and {two} are two people: `rave dupes` may list them.")
    elif result.apart:
        render.info(f"{one} and {two} were already marked as two people; nothing changed.")
    else:
        render.info(f"{one} and {two} were not marked as two people; nothing changed.")


def undo_cleared(result: Cleared) -> None:
    plural = "s" if result.commands != 1 else ""
    render.line(f"Forgot the undo log ({result.commands} command{plural}); nothing to undo now.")


def synced(result: Synced) -> None:
    sent = "" if result.pull_only else f"sent {result.sent}, "
    render.line(
        f"Synced with {result.remote}: {sent}received {result.received} operations "
        f"({result.applied} new here)."
    )
    if result.conflicts:
        render.notice(
            f"{result.conflicts} conflict{'s' if result.conflicts != 1 else ''} settled by "
            "rule: `rave doctor` lists them."
        )


def team_change(result: TeamChange) -> None:
    """The SQL (stdout: what a DBA reviews or runs by hand), then what it means."""
    for statement in result.sql:
        render.line(statement + ";")
    if result.dry_run:
        render.info(f"Dry run on {result.hub}: nothing was run.")
        return
    if result.note:
        render.info(result.note[0].upper() + result.note[1:] + ".")
    if result.password and result.pgpass:
        render.info(f"{result.member}'s password, shown once (hand it over privately):")
        render.line(f"  {result.password}")
        render.info("for their ~/.pgpass (mode 0600), where libpq finds it:")
        render.line(f"  {result.pgpass}")
    if result.member_url:
        render.info(f"then, on each of {result.member}'s machines:")
        render.line(f"  rave sync --remote {result.member_url}")


def team(result: Team) -> None:
    if not result.members:
        render.line(f"No members in {result.group} yet: rave team add NAME --hub URL")
        return
    tables.table(
        ["member", "login", "operations", "last push"],
        [
            [m.name, "yes" if m.can_login else "no", str(m.operations), m.last_push or "never"]
            for m in result.members
        ],
    )
