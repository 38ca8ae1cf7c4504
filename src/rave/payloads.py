"""JSON payloads of the contract (spec/cli.md): plain dicts with snake_case keys and ISO
8601 UTC times. The keys are pinned by tests/test_contract.py and listed in README."""

from __future__ import annotations

from typing import Any

from rave import queries, scoring, services, timeutil


def followup(row: queries.FollowUpRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "contact_id": row.contact_id,
        "contact_name": row.contact_name,
        "text": row.text,
        "due": None if row.due is None else row.due.isoformat(),
        "done_at": timeutil.iso_z(row.done_at),
        "created_at": timeutil.iso_z(row.created_at),
    }


def contact_summary(row: queries.ContactSummary) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "tier": row.tier,
        "tags": list(row.tags),
        "company": row.company,
        "title": row.title,
        "last_meaningful_at": timeutil.iso_z(row.last_meaningful_at),
        "warmth": round(row.warmth, 3),
    }


def interaction(row: queries.InteractionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "when": timeutil.iso_z(row.when),
        "kind": row.kind,
        "direction": row.direction,
        "channel": row.channel,
        "note": row.note,
        "needs_reply": row.needs_reply,
        "with": list(row.with_others),
    }


def contact_detail(row: queries.ContactDetail) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "tier": row.tier,
        "aliases": list(row.aliases),
        "handles": [{"channel": c, "value": v} for c, v in row.handles],
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
            {"id": n.id, "text": n.text, "created_at": timeutil.iso_z(n.created_at)}
            for n in row.notes
        ],
        "followups": [followup(f) for f in row.followups],
        "interactions": [interaction(i) for i in row.interactions],
        "interaction_count": row.interaction_count,
        "balance": dict(row.balance),
        "warmth": round(row.warmth, 3),
    }


def logged(result: services.LogResult) -> dict[str, Any]:
    return {
        "id": result.id,
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


def post(result: services.PostResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "text": result.text,
        "channel": result.channel,
        "url": result.url,
        "when": timeutil.iso_z(result.when),
    }


def suggestion(assessment: scoring.Assessment, rank: int | None) -> dict[str, Any]:
    """One item of `rave today --json` (plus `advice`, one line on what to do)."""
    return {**scoring.suggestion_dict(assessment, rank), "advice": assessment.advice}


def why(result: services.WhyResult) -> dict[str, Any]:
    return {
        **scoring.why_dict(result.assessment, result.rank),
        "advice": result.assessment.advice,
        "skipped": result.skipped,
    }


def digest(result: services.Digest) -> dict[str, Any]:
    items = [suggestion(s.assessment, s.rank) for s in result.ranking.suggestions]
    return {
        "as_of": timeutil.iso_z(result.as_of),
        "reply": [i for i in items if i["lane"] == "reply"],
        "outreach": [i for i in items if i["lane"] == "outreach"],
        "followups_due": [followup(f) for f in result.followups_due],
        "not_shown": dict(result.ranking.skipped),
    }
