"""The JSON keys scripts rely on (spec/cli.md, README "JSON for scripts"). Adding keys is
allowed; removing or renaming one must fail here first."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import Rave

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# "gid" (issue 18): the record's global id, what another machine knows it by
LIST_KEYS = {"id", "gid", "name", "tier", "tags", "company", "title", "last_meaningful_at"}
LIST_KEYS |= {"warmth"}
SHOW_KEYS = {
    "id",
    "gid",
    "name",
    "tier",
    "aliases",
    "handles",
    "tags",
    "why",
    "offer",
    "met",
    "company",
    "title",
    "location",
    "cadence_days",
    "snoozed_until",
    "notes",
    "followups",
    "interactions",
    "balance",
    "warmth",
}
NOTE_KEYS = {"id", "gid", "ref", "text", "created_at"}
FOLLOWUP_KEYS = {"id", "gid", "ref", "contact_id", "contact_name", "text", "due", "done_at"}
FOLLOWUP_KEYS |= {"created_at"}
INTERACTION_KEYS = {"id", "gid", "ref", "when", "kind", "direction", "channel", "note"}
INTERACTION_KEYS |= {"needs_reply"}
LOG_KEYS = {"id", "ref", "when", "kind", "direction", "channel", "note", "needs_reply", "contacts"}
POST_KEYS = {"id", "ref", "text", "channel", "url", "when"}
PATHS_KEYS = {"db", "db_source", "config", "config_source"}


def _seed(rave: Rave) -> None:
    rave("add", "Ana", "--email", "ana@example.com", "--tag", "x")
    rave("log", "Ana", "--in", "-n", "hello", "--follow-up", "answer", "--due", "2030-01-01")
    rave("note", "Ana", "likes jazz")


def test_list_keys(rave: Rave, empty_store: Path) -> None:
    assert rave("list", "--json").json() == []
    _seed(rave)
    (row,) = rave("list", "--json").json()
    assert set(row) >= LIST_KEYS
    assert ISO_Z.match(row["last_meaningful_at"])
    assert isinstance(row["tags"], list) and isinstance(row["warmth"], float)


def test_show_keys(rave: Rave) -> None:
    _seed(rave)
    data = rave("show", "Ana", "--json").json()
    assert set(data) >= SHOW_KEYS
    assert set(data["balance"]) == {"broadcast", "chat", "engage"}
    assert set(data["handles"][0]) == {"channel", "value", "typed"}
    assert set(data["notes"][0]) >= NOTE_KEYS
    assert set(data["followups"][0]) >= FOLLOWUP_KEYS
    assert set(data["interactions"][0]) >= INTERACTION_KEYS
    assert ISO_Z.match(data["interactions"][0]["when"])
    assert ISO_Z.match(data["notes"][0]["created_at"])
    assert data["snoozed_until"] is None


def test_add_and_edit_return_the_record(rave: Rave) -> None:
    added = rave("add", "Bob", "--json").json()
    assert set(added) >= SHOW_KEYS and added["id"] == 1
    edited = rave("edit", "Bob", "--tier", "A", "--json").json()
    assert set(edited) >= SHOW_KEYS and edited["tier"] == "A"


def test_log_post_followup_keys(rave: Rave) -> None:
    rave("add", "Ana")
    logged = rave("log", "Ana", "--json").json()
    assert set(logged) >= LOG_KEYS
    assert ISO_Z.match(logged["when"])
    assert set(rave("post", "hello", "--json").json()) >= POST_KEYS
    assert rave("followups", "--json").json() == []
    rave("log", "Ana", "--follow-up", "x")
    (item,) = rave("followups", "--json").json()
    assert set(item) >= FOLLOWUP_KEYS
    assert set(rave("followup", "done", str(item["id"]), "--json").json()) >= FOLLOWUP_KEYS


def test_paths_keys(rave: Rave) -> None:
    assert set(rave("paths", "--json").json()) >= PATHS_KEYS


TODAY_KEYS = {
    "rank",
    "contact_id",
    "name",
    "tier",
    "lane",
    "action",
    "score",
    "reason",
    "channel",
    "talking_point",
    "terms",
}
WHY_KEYS = TODAY_KEYS | {"hidden", "state"}
# the derived state's keys that README names (ranking v2)
STATE_KEYS = {
    "last_meaningful",
    "last_meaningful_direction",
    "pending_in",
    "pending_note",
    "unanswered",
    "last_initiation",
    "answer_channel",
    "channels",
    "debt",
    "warmth",
}
DIGEST_KEYS = {"as_of", "reply", "outreach", "light", "followups_due", "not_shown", "broadcast"}


def test_today_why_digest_snooze_keys(rave: Rave, empty_store: Path) -> None:
    assert rave("today", "--json").json() == []
    empty_digest = rave("digest", "--json").json()
    assert set(empty_digest) >= DIGEST_KEYS and empty_digest["reply"] == []
    _seed(rave)
    (item,) = rave("today", "--json").json()
    assert set(item) >= TODAY_KEYS
    assert set(item["terms"][0]) >= {"term", "measure", "coefficient", "contribution", "note"}
    explained = rave("why", "Ana", "--json").json()
    assert set(explained) >= WHY_KEYS and set(explained["state"]) >= STATE_KEYS
    digest = rave("digest", "--json").json()
    assert set(digest["reply"][0]) >= TODAY_KEYS
    snoozed = rave("snooze", "Ana", "2w", "--json").json()
    assert set(snoozed) >= {"id", "name", "snoozed_until"} and ISO_Z.match(snoozed["snoozed_until"])
    assert set(rave("unsnooze", "Ana", "--json").json()) >= {"id", "name", "snoozed_until"}


KINDS = {"broadcast", "chat", "engage"}
STATS_KEYS = {
    "since",
    "until",
    "totals",
    "periods",
    "by_channel",
    "by_tier",
    "reply_latency_days",
    "initiated",
    # additions beyond spec/cli.md (README "JSON for scripts")
    "by",
    "posts",
    "received",
    "target",
    "shares",
    "advice",
    "ladder",
    "broadcast",
}
LADDER_KEYS = {"met_offline", "engaged", "chatting", "broadcast_only", "not_started", "moved_up"}
NUDGE_KEYS = {"kind", "message", "channel", "post"}


def test_stats_keys(rave: Rave, empty_store: Path) -> None:
    empty = rave("stats", "--json").json()
    assert set(empty) >= STATS_KEYS
    assert empty["reply_latency_days"]["median"] is None and empty["broadcast"] is None
    _seed(rave)
    rave("log", "Ana", "-k", "broadcast", "-c", "twitter")
    rave("post", "hello", "-w", "10d")
    data = rave("stats", "--json").json()
    assert set(data) >= STATS_KEYS
    assert ISO_Z.match(data["since"]) and ISO_Z.match(data["until"])
    assert set(data["totals"]) == KINDS == set(data["received"]) == set(data["shares"])
    assert len(data["periods"]) == 12
    for period in data["periods"]:
        assert set(period) >= {"start", "broadcast", "chat", "engage"}
        assert ISO_Z.match(period["start"])
    assert set(data["by_channel"]["twitter"]) == KINDS
    assert set(data["by_tier"]) == {"A", "B", "C", "D", "none"}
    assert all(set(counts) == KINDS for counts in data["by_tier"].values())
    assert set(data["reply_latency_days"]) >= {"median", "p90"}
    assert set(data["initiated"]) == {"me", "them"}
    assert set(data["target"]) == KINDS and isinstance(data["advice"], str)
    assert set(data["ladder"]) >= LADDER_KEYS
    assert set(data["broadcast"]) >= NUDGE_KEYS  # nothing posted for 10 days
    assert set(rave("digest", "--json").json()["broadcast"]) >= NUDGE_KEYS


def test_show_warmth_trend_keys(rave: Rave) -> None:
    _seed(rave)
    trend = rave("show", "Ana", "--json").json()["warmth_trend"]
    assert len(trend) == 12
    assert all(set(point) == {"month", "warmth"} for point in trend)
    assert re.match(r"^\d{4}-\d{2}$", trend[-1]["month"]) and trend[-1]["warmth"] > 0


def test_batch_log_json_is_a_list_of_log_records(rave: Rave) -> None:
    rave("add", "Ana")
    out = rave("log", "--batch", "-", "--json", input='{"contact": "Ana"}\n')
    (record,) = out.json()
    assert set(record) >= LOG_KEYS
