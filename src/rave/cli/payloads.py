"""JSON payloads of the contract (spec/cli.md): plain dicts with snake_case keys and ISO
8601 UTC times. The keys are pinned by tests/test_contract.py and listed in README."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rave import choices, timeutil
from rave.scoring.state import DECIMALS, ContactState

if TYPE_CHECKING:
    from pathlib import Path

    from rave.config import Paths
    from rave.queries import records
    from rave.scoring import mix
    from rave.scoring.model import Assessment, Ranking
    from rave.services import maintenance, ranking, recording
    from rave.services.matcher import ImportReport
    from rave.services.stats import StatsReport
    from rave.services.sync import Synced
    from rave.services.team import Team, TeamChange


def followup(row: records.FollowUpRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "gid": row.gid,
        "ref": choices.ref("followup", row.id),
        "contact_id": row.contact_id,
        "contact_name": row.contact_name,
        "text": row.text,
        "due": None if row.due is None else row.due.isoformat(),
        "done_at": timeutil.iso_z(row.done_at),
        "created_at": timeutil.iso_z(row.created_at),
    }


def contact_summary(row: records.ContactSummary) -> dict[str, Any]:
    return {
        "id": row.id,
        "gid": row.gid,
        "name": row.name,
        "tier": row.tier,
        "tags": list(row.tags),
        "company": row.company,
        "title": row.title,
        "last_meaningful_at": timeutil.iso_z(row.last_meaningful_at),
        "warmth": round(row.warmth, 3),
    }


def interaction(row: records.InteractionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "gid": row.gid,
        "ref": choices.ref("interaction", row.id),
        "when": timeutil.iso_z(row.when),
        "kind": row.kind,
        "direction": row.direction,
        "channel": row.channel,
        "note": row.note,
        "needs_reply": row.awaiting_reply,  # still waiting for your answer
        "with": list(row.with_others),
    }


def contact_detail(row: records.ContactDetail) -> dict[str, Any]:
    return {
        "id": row.id,
        "gid": row.gid,
        "name": row.name,
        "tier": row.tier,
        "aliases": list(row.aliases),
        "handles": [
            {"channel": c, "value": v, "typed": row.typed.get((c, v))} for c, v in row.handles
        ],
        "tags": list(row.tags),
        "why": row.why,
        "offer": row.offer,
        "met": row.met,
        "company": row.company,
        "title": row.title,
        "location": row.location,
        "birthday": row.birthday,
        "cadence_days": row.cadence_days,
        "snoozed_until": timeutil.iso_z(row.snoozed_until),
        "created_at": timeutil.iso_z(row.created_at),
        "notes": [
            {
                "id": n.id,
                "gid": n.gid,
                "ref": choices.ref("note", n.id),
                "text": n.text,
                "created_at": timeutil.iso_z(n.created_at),
                "shared": n.shared,
            }
            for n in row.notes
        ],
        "followups": [followup(f) for f in row.followups],
        "interactions": [interaction(i) for i in row.interactions],
        "interaction_count": row.interaction_count,
        "balance": dict(row.balance),
        "warmth": round(row.warmth, 3),
        "warmth_trend": [
            {"month": month, "warmth": round(value, 3)} for month, value in row.warmth_trend
        ],
    }


def logged(result: recording.LogResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "ref": choices.ref("interaction", result.id),
        "when": timeutil.iso_z(result.when),
        "kind": result.kind,
        "direction": result.direction,
        "channel": result.channel,
        "note": result.note,
        "needs_reply": result.needs_reply,
        "contacts": [{"id": c.id, "name": c.name} for c in result.contacts],
        "created_contacts": list(result.created),
        "followups": [followup(f) for f in result.followups],
    }


def post(result: recording.PostResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "ref": choices.ref("post", result.id),
        "text": result.text,
        "channel": result.channel,
        "url": result.url,
        "when": timeutil.iso_z(result.when),
    }


def logged_batch(results: list[recording.LogResult]) -> list[dict[str, Any]]:
    return [logged(r) for r in results]


def followups(rows: list[records.FollowUpRow]) -> list[dict[str, Any]]:
    return [followup(r) for r in rows]


def contact_list(rows: list[records.ContactSummary]) -> list[dict[str, Any]]:
    return [contact_summary(r) for r in rows]


def snoozed(result: tuple[records.ContactRef, datetime | None]) -> dict[str, Any]:
    found, until = result
    return {"id": found.id, "name": found.name, "snoozed_until": timeutil.iso_z(until)}


def today(view: ranking.TodayView) -> list[dict[str, Any]]:
    """`rave today --json`: people only (the broadcast nudge is in `digest` and `stats`)."""
    return [suggestion(s.assessment, s.rank) for s in view.ranking.suggestions]


def demo(result: tuple[Ranking, ranking.WhyResult]) -> dict[str, Any]:
    listed, explained = result
    return {
        "today": [suggestion(s.assessment, s.rank) for s in listed.suggestions],
        "why": why(explained),
    }


def paths(found: Paths) -> dict[str, Any]:
    return {
        "db": str(found.db),
        "db_source": found.db_source,
        "db_exists": found.db.exists(),
        "config": str(found.config),
        "config_source": found.config_source,
        "config_exists": found.config.exists(),
    }


def backup(target: Path) -> dict[str, Any]:
    return {"backup": str(target), "bytes": target.stat().st_size}


def doctor(result: tuple[list[maintenance.Check], maintenance.Rebuilt | None]) -> dict[str, Any]:
    checks, rebuilt = result
    payload: dict[str, Any] = {
        "ok": all(c.ok for c in checks),
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
    }
    if rebuilt is not None:
        payload["rebuilt"] = {
            "tallies": rebuilt.tallies,
            "differed": rebuilt.differed,
            "phones": rebuilt.phones,
        }
    return payload


def suggestion(assessment: Assessment, rank: int | None) -> dict[str, Any]:
    """One item of `rave today --json` (plus `advice`, one line on what to do)."""
    return {**suggestion_dict(assessment, rank), "advice": assessment.advice}


def why(result: ranking.WhyResult) -> dict[str, Any]:
    return {
        **why_dict(result.assessment, result.rank),
        "advice": result.assessment.advice,
        "skipped": result.skipped,
        # with a team hub: who of the team wrote to them last ("you" or a member's role)
        "answered_by": None if result.answered is None else result.answered[0],
        "answered_at": None if result.answered is None else timeutil.iso_z(result.answered[1]),
    }


def digest(result: ranking.Digest) -> dict[str, Any]:
    items = [suggestion(s.assessment, s.rank) for s in result.ranking.suggestions]
    return {
        "as_of": timeutil.iso_z(result.as_of),
        "reply": [i for i in items if i["lane"] == "reply"],
        "outreach": [i for i in items if i["lane"] == "outreach"],
        "light": [i for i in items if i["lane"] == "light"],
        "followups_due": [followup(f) for f in result.followups_due],
        "not_shown": dict(result.ranking.skipped),
        "broadcast": nudge(result.broadcast),
        "last_sync": None if result.last_sync is None else timeutil.iso_z(result.last_sync),
    }


def nudge(result: mix.Nudge | None) -> dict[str, Any] | None:
    """The broadcast nudge: ``null`` when your broadcasting is in balance."""
    if result is None:
        return None
    post = result.post
    return {
        "kind": result.kind,
        "message": result.message,
        "channel": result.channel,
        "post": None
        if post is None
        else {
            "id": post.id,
            "text": post.text,
            "channel": post.channel,
            "url": post.url,
            "when": timeutil.iso_z(post.when),
        },
    }


def _counts(counts: dict[str, int]) -> dict[str, int]:
    return {kind: counts.get(kind, 0) for kind in choices.KINDS}


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def stats(report: StatsReport) -> dict[str, Any]:
    """`rave stats --json` (spec/cli.md keys, plus the target mix and the rest)."""
    act = report.activity
    return {
        "since": timeutil.iso_z(report.since),
        "until": timeutil.iso_z(report.until),
        "by": report.by,
        "totals": _counts(act.totals),
        "posts": act.posts,
        "received": _counts(act.received),
        "periods": [
            {
                "start": timeutil.iso_z(p.start),
                "end": timeutil.iso_z(p.end),
                **_counts(p.counts),
            }
            for p in act.periods
        ],
        "by_channel": {name: _counts(c) for name, c in act.by_channel.items()},
        "by_tier": {name: _counts(c) for name, c in act.by_tier.items()},
        "target": dict(report.target),
        "shares": {
            kind: None if report.shares is None else round(report.shares[kind], 3)
            for kind in choices.KINDS
        },
        "advice": report.advice,
        "reply_latency_days": {
            "median": _days(report.latency.median),
            "p90": _days(report.latency.p90),
            "replies": report.latency.replies,
            "waiting": report.latency.waiting,
        },
        "initiated": {"me": report.initiated.me, "them": report.initiated.them},
        "ladder": {**report.ladder.counts, "moved_up": report.ladder.moved_up},
        "broadcast": nudge(report.broadcast),
    }


def import_report(report: ImportReport) -> dict[str, Any]:
    """`rave import --json`: every field of the report, as it is named there."""
    return asdict(report)


# --- the ranking model's payloads (spec/cli.md: today, why) ---------------------------


def suggestion_dict(assessment: Assessment, rank: int | None) -> dict[str, Any]:
    """One item of ``rave today --json``. Measures and contributions carry at most three
    decimals and ``score`` is their exact decimal sum (parse with ``Decimal`` to check)."""
    s = assessment.state
    return {
        "rank": rank,
        "contact_id": s.contact_id,
        "name": s.name,
        "tier": s.tier,
        "lane": assessment.lane_name,
        "action": assessment.action,
        "score": assessment.score,
        "reason": assessment.reason,
        "channel": assessment.channel,
        "talking_point": assessment.talking_point,
        "terms": [
            {
                "term": t.term,
                "measure": t.measure,
                "coefficient": t.coefficient,
                "contribution": t.contribution,
                "note": t.note,
            }
            for t in assessment.terms
        ],
    }


def state_dict(state: ContactState) -> dict[str, Any]:
    """The derived state for ``rave why --json``: times as ISO 8601 UTC with ``Z``."""
    out: dict[str, Any] = {}
    for name, value in state._asdict().items():
        if isinstance(value, datetime):
            value = timeutil.iso_z(value)
        out[name] = list(value) if isinstance(value, tuple) else value
    out["warmth"] = round(state.warmth, DECIMALS)
    return out


def why_dict(assessment: Assessment, rank: int | None = None) -> dict[str, Any]:
    """``rave why --json``: the suggestion object plus ``hidden``, ``backoff_until``
    and ``state``."""
    return {
        **suggestion_dict(assessment, rank),
        "hidden": assessment.hidden,
        "backoff_until": timeutil.iso_z(assessment.backoff_until),
        "state": state_dict(assessment.state),
    }


# --- correcting your history: `rave history`, `change`, `delete`, `undo` ----------------

if TYPE_CHECKING:
    from rave.queries.entries import Entry
    from rave.services.undo import Cleared, Undone


def entry(item: Entry) -> dict[str, Any]:
    """One recorded entry, the same keys whatever its type (null where they do not apply)."""
    return {
        "ref": item.ref,
        "type": item.type,
        "id": item.id,
        "gid": item.gid,
        "when": timeutil.iso_z(item.when),
        "contacts": [{"id": c.id, "name": c.name} for c in item.contacts],
        "text": item.text,
        "kind": item.kind,
        "direction": item.direction,
        "channel": item.channel,
        "needs_reply": item.needs_reply,
        "url": item.url,
        "due": None if item.due is None else item.due.isoformat(),
        "done_at": timeutil.iso_z(item.done_at),
    }


def entries(items: list[Entry]) -> list[dict[str, Any]]:
    return [entry(item) for item in items]


def undone(result: Undone) -> dict[str, Any]:
    """`rave undo --json`: the command taken back (or, with ``--dry-run``, that would be)
    and what it had done, table by table."""
    command = result.command
    return {
        "command": command.command or None,
        "at": timeutil.iso_z(command.at),
        "rows": command.rows,
        "changes": [
            {"table": c.table, "added": c.added, "deleted": c.deleted, "changed": c.changed}
            for c in command.changes
        ],
        "contacts_refolded": list(result.contacts_refolded),
        "remaining": command.earlier,
        "dry_run": result.dry_run,
    }


if TYPE_CHECKING:
    from rave.queries.dupes import Duplicates
    from rave.services.contacts import Apart


def dupes(result: Duplicates) -> list[dict[str, Any]]:
    """`rave dupes --json`: each pair that may be one person, why, the merge that joins
    them and the `rave apart` that stops listing them; ``marked_apart`` is true only for
    the pairs `--all` adds. An array, as every list (how many were left out: stderr)."""
    return [
        {
            "keep_id": pair.keep.id,
            "keep_name": pair.keep.name,
            "drop_id": pair.drop.id,
            "drop_name": pair.drop.name,
            "reasons": list(pair.reasons),
            "merge": pair.merge,
            "apart": pair.mark_apart,
            "marked_apart": pair.apart,
        }
        for pair in result.pairs
    ]


def apart(result: Apart) -> dict[str, Any]:
    """`rave apart --json`: the two contacts (lower id first), whether they are now marked
    as two people, and whether this command changed that."""
    return {
        "contact_id": result.contact.id,
        "contact_name": result.contact.name,
        "other_id": result.other.id,
        "other_name": result.other.name,
        "apart": result.apart,
        "changed": result.changed,
    }


def undo_cleared(result: Cleared) -> dict[str, Any]:
    """`rave undo --clear --json`: how many commands and rows the log forgot."""
    return {"cleared_commands": result.commands, "cleared_rows": result.rows}


def synced(result: Synced) -> dict[str, Any]:
    """`rave sync --json`."""
    return {
        "remote": result.remote,
        "sent": result.sent,
        "received": result.received,
        "applied": result.applied,
        "conflicts": result.conflicts,
        "pull_only": result.pull_only,
        "synced_at": timeutil.to_db(result.at),
    }


def team_change(result: TeamChange) -> dict[str, Any]:
    """`rave team setup|add|remove --json`: the SQL run (passwords hidden)."""
    return {
        "hub": result.hub,
        "sql": list(result.sql),
        "dry_run": result.dry_run,
        "member": result.member,
        "member_url": result.member_url,
        "password": result.password,
        "pgpass": result.pgpass,
        "note": result.note,
    }


def team(result: Team) -> dict[str, Any]:
    """`rave team list --json`."""
    return {
        "hub": result.hub,
        "group": result.group,
        "members": [
            {
                "name": m.name,
                "can_login": m.can_login,
                "operations": m.operations,
                "last_push": m.last_push,
            }
            for m in result.members
        ],
    }
