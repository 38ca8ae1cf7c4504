"""WHEN parsing and UTC storage (spec/cli.md, "WHEN accepts ...").

Every test passes a fixed ``now`` (Sunday 2026-11-22 09:30 UTC); the clock is never
patched. Local-zone tests set ``TZ`` and call ``time.tzset()``, and put both back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rave.errors import UsageError
from rave.timeutil import (
    ago,
    from_db,
    from_db_opt,
    iso_z,
    local_date,
    local_midnight,
    parse_future_date,
    parse_moment,
    parse_past,
    show_date,
    show_datetime,
    to_db,
    to_utc,
    utcnow,
)

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)  # a Sunday
assert NOW.weekday() == 6


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def assert_utc(value: datetime) -> None:
    assert isinstance(value, datetime)
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)


@contextmanager
def local_zone(name: str) -> Iterator[None]:
    """TZ set for the block, restored afterwards (for use inside hypothesis tests)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pin the local zone to UTC whatever the machine says."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def set_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def set_(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_
    monkeypatch.undo()
    time.tzset()


# --- parse_past ------------------------------------------------------------------------

PAST_CASES = [
    ("now", NOW),
    ("NOW", NOW),
    ("today", NOW),
    (" Today ", NOW),
    ("yesterday", at(2026, 11, 21, 9, 30)),
    ("0d", NOW),
    ("3d", at(2026, 11, 19, 9, 30)),
    ("3 d", at(2026, 11, 19, 9, 30)),
    ("3D", at(2026, 11, 19, 9, 30)),
    ("3 days ago", at(2026, 11, 19, 9, 30)),
    ("3 days", at(2026, 11, 19, 9, 30)),
    ("3d ago", at(2026, 11, 19, 9, 30)),
    ("1 day ago", at(2026, 11, 21, 9, 30)),
    ("2w", at(2026, 11, 8, 9, 30)),
    ("2 weeks ago", at(2026, 11, 8, 9, 30)),
    ("1m", at(2026, 10, 22, 9, 30)),
    ("1 month ago", at(2026, 10, 22, 9, 30)),
    ("12m", at(2025, 11, 22, 9, 30)),
    ("1y", at(2025, 11, 22, 9, 30)),
    ("2 years ago", at(2024, 11, 22, 9, 30)),
    ("5h", at(2026, 11, 22, 4, 30)),
    ("5 hours ago", at(2026, 11, 22, 4, 30)),
    ("1 hour ago", at(2026, 11, 22, 8, 30)),
    ("9999d", NOW - timedelta(days=9999)),
    # weekday names: the nearest PAST one; today's weekday means a week ago
    ("saturday", at(2026, 11, 21, 9, 30)),
    ("sat", at(2026, 11, 21, 9, 30)),
    ("friday", at(2026, 11, 20, 9, 30)),
    ("Friday", at(2026, 11, 20, 9, 30)),
    ("  Friday  ", at(2026, 11, 20, 9, 30)),
    ("FRI", at(2026, 11, 20, 9, 30)),
    ("thursday", at(2026, 11, 19, 9, 30)),
    ("thu", at(2026, 11, 19, 9, 30)),
    ("thur", at(2026, 11, 19, 9, 30)),
    ("thurs", at(2026, 11, 19, 9, 30)),
    ("wednesday", at(2026, 11, 18, 9, 30)),
    ("wed", at(2026, 11, 18, 9, 30)),
    ("tuesday", at(2026, 11, 17, 9, 30)),
    ("tue", at(2026, 11, 17, 9, 30)),
    ("tues", at(2026, 11, 17, 9, 30)),
    ("monday", at(2026, 11, 16, 9, 30)),
    ("mon", at(2026, 11, 16, 9, 30)),
    ("sunday", at(2026, 11, 15, 9, 30)),
    ("sun", at(2026, 11, 15, 9, 30)),
    # ISO dates: local noon (UTC here)
    ("2026-11-20", at(2026, 11, 20, 12, 0)),
    ("2025-02-28", at(2025, 2, 28, 12, 0)),
    ("2024-02-29", at(2024, 2, 29, 12, 0)),
    ("2026-11-21", at(2026, 11, 21, 12, 0)),
    # an ISO date equal to today (whose noon is still ahead) is clamped to now
    ("2026-11-22", NOW),
    # ISO date-times: naive = local (UTC here), Z, offsets
    ("2026-11-20T14:30", at(2026, 11, 20, 14, 30)),
    ("2026-11-20 14:30", at(2026, 11, 20, 14, 30)),
    ("2026-11-20t14:30", at(2026, 11, 20, 14, 30)),
    ("2026-11-20T14:30:15", at(2026, 11, 20, 14, 30, 15)),
    ("2026-11-20T14:30:15.750", at(2026, 11, 20, 14, 30, 15)),
    ("2026-11-20T14:30Z", at(2026, 11, 20, 14, 30)),
    ("2026-11-20T14:30:00z", at(2026, 11, 20, 14, 30)),
    ("2026-11-20T14:30:00+05:30", at(2026, 11, 20, 9, 0)),
    ("2026-11-20T14:30+0530", at(2026, 11, 20, 9, 0)),
    ("2026-11-20T14:30:00-08:00", at(2026, 11, 20, 22, 30)),
    ("2026-11-22T09:29:59Z", at(2026, 11, 22, 9, 29, 59)),
    ("2026-11-22T09:30:00Z", NOW),
]


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(("text", "expected"), PAST_CASES)
def test_parse_past(text: str, expected: datetime) -> None:
    result = parse_past(text, now=NOW)
    assert result == expected
    assert_utc(result)


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(("text", "expected"), PAST_CASES)
def test_parse_moment_agrees_with_parse_past_on_the_past(text: str, expected: datetime) -> None:
    result = parse_moment(text, now=NOW)
    assert_utc(result)
    if text.strip() == "2026-11-22":
        assert result == at(2026, 11, 22, 12, 0)  # not clamped: --as-of may be ahead
    else:
        assert result == expected


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", at(2026, 11, 23, 9, 30)),
        ("2026-12-01", at(2026, 12, 1, 12, 0)),
        ("2027-01-01T00:00Z", at(2027, 1, 1, 0, 0)),
        ("2026-11-22T23:00+01:00", at(2026, 11, 22, 22, 0)),
    ],
)
def test_parse_moment_allows_the_future(text: str, expected: datetime) -> None:
    result = parse_moment(text, now=NOW)
    assert result == expected
    assert_utc(result)


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(
    "text",
    [
        "tomorrow",
        "2026-11-23",
        "2027-01-01",
        "2026-11-22T12:00Z",
        "2026-11-22T10:00",
        "2026-12-01T10:00+01:00",
        "9999-12-31",
    ],
)
def test_parse_past_refuses_the_future(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_past(text, now=NOW)
    err = info.value
    assert err.exit_code == 2
    assert "future" in err.message
    assert text in err.message
    assert err.hint  # points to --follow-up/--due for what is planned
    assert "--due" in err.hint


BAD_WHEN = [
    "",
    "   ",
    "soon",
    "last friday",
    "next week",
    "friday next",
    "3x",
    "3",
    "-3d",
    "3.5d",
    "12345d",
    "99999999",
    "3 fortnights ago",
    "2026/11/20",
    "20-11-2026",
    "2026-02-30",
    "2026-13-01",
    "2026-13-01T25:00",
    "2026-11-20T24:00",
    "2026-11-20T14:30+99:99",
    "2026-11-20T14",
    "9999y",
    "10000m",
]


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize("text", BAD_WHEN)
@pytest.mark.parametrize("parse", [parse_past, parse_moment, parse_future_date])
def test_unreadable_when_is_a_usage_error_with_an_example(
    parse: Callable[..., object], text: str
) -> None:
    with pytest.raises(UsageError) as info:
        parse(text, now=NOW)
    err = info.value
    assert err.exit_code == 2
    assert repr(text) in err.message
    assert err.hint is not None
    assert "3d" in err.hint  # shows an example


@pytest.mark.usefixtures("utc_zone")
def test_past_and_future_words_are_not_confused() -> None:
    with pytest.raises(UsageError):
        parse_future_date("yesterday", now=NOW)
    with pytest.raises(UsageError):
        parse_moment("in 3 days", now=NOW)


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize("text", ["3 days ago", "2 weeks ago", "1 month ago"])
def test_parse_future_date_does_not_read_ago_as_ahead(text: str) -> None:
    # "3 days ago" is not a due date; reading it as three days AHEAD is silently wrong.
    with pytest.raises(UsageError):
        parse_future_date(text, now=NOW)


# --- month arithmetic --------------------------------------------------------------------


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (at(2026, 3, 31, 12, 0), "1m", at(2026, 2, 28, 12, 0)),
        (at(2024, 3, 31, 12, 0), "1m", at(2024, 2, 29, 12, 0)),
        (at(2026, 3, 31, 12, 0), "13m", at(2025, 2, 28, 12, 0)),
        (at(2026, 5, 31, 8, 0), "1 month ago", at(2026, 4, 30, 8, 0)),
        (at(2026, 1, 31, 8, 0), "2m", at(2025, 11, 30, 8, 0)),
        (at(2024, 2, 29, 8, 0), "1y", at(2023, 2, 28, 8, 0)),
        (at(2026, 1, 15, 8, 0), "1m", at(2025, 12, 15, 8, 0)),
    ],
)
def test_months_back_clamp_to_the_month_end(now: datetime, text: str, expected: datetime) -> None:
    result = parse_past(text, now=now)
    assert result == expected
    assert_utc(result)


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (at(2026, 1, 31, 12, 0), "1m", date(2026, 2, 28)),
        (at(2024, 1, 31, 12, 0), "1m", date(2024, 2, 29)),
        (at(2026, 8, 31, 12, 0), "1m", date(2026, 9, 30)),
        (at(2026, 12, 31, 12, 0), "2m", date(2027, 2, 28)),
        (at(2024, 2, 29, 12, 0), "1y", date(2025, 2, 28)),
        (at(2026, 11, 30, 12, 0), "3 months", date(2027, 2, 28)),
    ],
)
def test_months_ahead_clamp_to_the_month_end(now: datetime, text: str, expected: date) -> None:
    assert parse_future_date(text, now=now) == expected


# --- parse_future_date -----------------------------------------------------------------

FUTURE_CASES = [
    ("today", date(2026, 11, 22)),
    ("now", date(2026, 11, 22)),
    ("tomorrow", date(2026, 11, 23)),
    ("Tomorrow ", date(2026, 11, 23)),
    ("0d", date(2026, 11, 22)),
    ("3d", date(2026, 11, 25)),
    ("in 3 days", date(2026, 11, 25)),
    ("3 days", date(2026, 11, 25)),
    ("2w", date(2026, 12, 6)),
    ("in 2 weeks", date(2026, 12, 6)),
    ("1m", date(2026, 12, 22)),
    ("1 month", date(2026, 12, 22)),
    ("1y", date(2027, 11, 22)),
    ("5h", date(2026, 11, 22)),
    ("15h", date(2026, 11, 23)),
    ("9999d", date(2026, 11, 22) + timedelta(days=9999)),
    # weekday names: the NEXT one; today's weekday means a week ahead
    ("monday", date(2026, 11, 23)),
    ("mon", date(2026, 11, 23)),
    ("tuesday", date(2026, 11, 24)),
    ("tues", date(2026, 11, 24)),
    ("wednesday", date(2026, 11, 25)),
    ("thursday", date(2026, 11, 26)),
    ("thu", date(2026, 11, 26)),
    ("friday", date(2026, 11, 27)),
    ("  Friday  ", date(2026, 11, 27)),
    ("FRI", date(2026, 11, 27)),
    ("saturday", date(2026, 11, 28)),
    ("sunday", date(2026, 11, 29)),
    ("sun", date(2026, 11, 29)),
    ("2026-12-01", date(2026, 12, 1)),
    ("2027-02-28", date(2027, 2, 28)),
    ("2026-12-01T10:00Z", date(2026, 12, 1)),
    ("2026-12-01T23:30-05:00", date(2026, 12, 2)),
    ("2026-12-01 10:00", date(2026, 12, 1)),
]


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(("text", "expected"), FUTURE_CASES)
def test_parse_future_date(text: str, expected: date) -> None:
    result = parse_future_date(text, now=NOW)
    assert type(result) is date
    assert result == expected


# --- local zones -------------------------------------------------------------------------

# NOW is 04:30 EST on Sunday 22 Nov in New York and 15:00 IST on Sunday in Kolkata.
ZONE_CASES = [
    ("America/New_York", "2026-11-20", at(2026, 11, 20, 17, 0)),
    ("America/New_York", "2026-11-20T14:30", at(2026, 11, 20, 19, 30)),
    ("America/New_York", "2026-11-20T14:30Z", at(2026, 11, 20, 14, 30)),
    ("America/New_York", "2026-11-20T14:30+05:30", at(2026, 11, 20, 9, 0)),
    ("America/New_York", "2026-11-22", NOW),  # today, noon still ahead: clamped
    ("America/New_York", "friday", at(2026, 11, 20, 9, 30)),
    ("America/New_York", "sunday", at(2026, 11, 15, 9, 30)),
    ("America/New_York", "yesterday", at(2026, 11, 21, 9, 30)),
    ("America/New_York", "3d", at(2026, 11, 19, 9, 30)),
    # summer date: EDT, UTC-4
    ("America/New_York", "2026-07-04T09:00", at(2026, 7, 4, 13, 0)),
    ("America/New_York", "2026-07-04", at(2026, 7, 4, 16, 0)),
    ("Asia/Kolkata", "2026-11-20", at(2026, 11, 20, 6, 30)),
    ("Asia/Kolkata", "2026-11-20T14:30", at(2026, 11, 20, 9, 0)),
    ("Asia/Kolkata", "2026-11-20T14:30Z", at(2026, 11, 20, 14, 30)),
    ("Asia/Kolkata", "2026-11-22", at(2026, 11, 22, 6, 30)),  # today, noon already past
    ("Asia/Kolkata", "2026-11-22T14:59", at(2026, 11, 22, 9, 29)),
    ("Asia/Kolkata", "saturday", at(2026, 11, 21, 9, 30)),
    ("Asia/Kolkata", "1m", at(2026, 10, 22, 9, 30)),
]


@pytest.mark.parametrize(("zone", "text", "expected"), ZONE_CASES)
def test_parse_past_in_a_local_zone(
    set_zone: Callable[[str], None], zone: str, text: str, expected: datetime
) -> None:
    set_zone(zone)
    result = parse_past(text, now=NOW)
    assert result == expected
    assert_utc(result)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        ("America/New_York", "2026-11-23"),
        ("America/New_York", "2026-11-22T12:00"),  # 17:00 UTC, later than now
        ("Asia/Kolkata", "2026-11-23"),
        ("Asia/Kolkata", "2026-11-22T16:00"),
    ],
)
def test_parse_past_refuses_the_local_future(
    set_zone: Callable[[str], None], zone: str, text: str
) -> None:
    set_zone(zone)
    with pytest.raises(UsageError) as info:
        parse_past(text, now=NOW)
    assert info.value.exit_code == 2
    assert info.value.hint


def test_weekdays_follow_the_local_calendar(set_zone: Callable[[str], None]) -> None:
    # 20:00 UTC Sunday is 01:30 on Monday 23 Nov in Kolkata.
    now = at(2026, 11, 22, 20, 0)
    set_zone("Asia/Kolkata")
    assert local_date(now) == date(2026, 11, 23)
    assert local_date(parse_past("monday", now=now)) == date(2026, 11, 16)
    assert local_date(parse_past("sunday", now=now)) == date(2026, 11, 22)
    assert local_date(parse_past("yesterday", now=now)) == date(2026, 11, 22)
    assert parse_future_date("today", now=now) == date(2026, 11, 23)
    assert parse_future_date("tomorrow", now=now) == date(2026, 11, 24)
    assert parse_future_date("monday", now=now) == date(2026, 11, 30)
    assert parse_future_date("tuesday", now=now) == date(2026, 11, 24)
    # an ISO date equal to the LOCAL today is clamped to now, not refused
    assert parse_past("2026-11-23", now=now) == now


def test_future_date_uses_the_local_today(set_zone: Callable[[str], None]) -> None:
    # 03:00 UTC Sunday is still Saturday 22:00 in New York.
    now = at(2026, 11, 22, 3, 0)
    set_zone("America/New_York")
    assert parse_future_date("today", now=now) == date(2026, 11, 21)
    assert parse_future_date("tomorrow", now=now) == date(2026, 11, 22)
    assert parse_future_date("sunday", now=now) == date(2026, 11, 22)
    assert parse_future_date("saturday", now=now) == date(2026, 11, 28)
    assert parse_future_date("2026-11-25T02:00Z", now=now) == date(2026, 11, 24)


def test_one_month_ago_keeps_the_local_date_across_a_dst_change(
    set_zone: Callable[[str], None],
) -> None:
    # 04:30 UTC on 23 Nov is 23:30 EST on Sunday 22 Nov; a month earlier is 22 Oct (EDT).
    set_zone("America/New_York")
    now = at(2026, 11, 23, 4, 30)
    assert local_date(now) == date(2026, 11, 22)
    assert local_date(parse_past("1m", now=now)) == date(2026, 10, 22)


def test_one_month_ahead_keeps_the_local_date_across_a_dst_change(
    set_zone: Callable[[str], None],
) -> None:
    # 04:30 UTC on 22 Oct is 00:30 EDT on 22 Oct; a due date one month on is 22 Nov.
    set_zone("America/New_York")
    now = at(2026, 10, 22, 4, 30)
    assert local_date(now) == date(2026, 10, 22)
    assert parse_future_date("1m", now=now) == date(2026, 11, 22)


def test_weekday_and_yesterday_keep_the_local_date_across_a_dst_change(
    set_zone: Callable[[str], None],
) -> None:
    # 04:30 UTC on 9 Mar 2026 is 00:30 EDT on Monday 9 Mar, the day after clocks went
    # forward: Sunday 8 Mar had only 23 hours.
    set_zone("America/New_York")
    now = at(2026, 3, 9, 4, 30)
    assert local_date(now) == date(2026, 3, 9)
    assert local_date(parse_past("yesterday", now=now)) == date(2026, 3, 8)
    assert local_date(parse_past("saturday", now=now)) == date(2026, 3, 7)
    assert local_date(parse_past("sunday", now=now)) == date(2026, 3, 8)


def test_local_midnight(set_zone: Callable[[str], None]) -> None:
    set_zone("Asia/Kolkata")
    assert local_midnight(date(2026, 11, 22)) == at(2026, 11, 21, 18, 30)
    set_zone("America/New_York")
    assert local_midnight(date(2026, 11, 22)) == at(2026, 11, 22, 5, 0)
    assert local_midnight(date(2026, 7, 4)) == at(2026, 7, 4, 4, 0)


def test_to_utc(set_zone: Callable[[str], None]) -> None:
    set_zone("Asia/Kolkata")
    naive = datetime(2026, 11, 22, 15, 0, 0, 999)  # noqa: DTZ001 (naive = local on purpose)
    assert to_utc(naive) == NOW
    assert to_utc(naive).tzinfo == UTC
    plus_one = timezone(timedelta(hours=1))
    assert to_utc(datetime(2026, 11, 22, 10, 30, tzinfo=plus_one)) == NOW


# --- edge strings and arbitrary text -------------------------------------------------------

EDGE_STRINGS = [
    "9999d",
    "0d",
    "0h",
    "9999h",
    "9999w",
    "9999m",
    "9999y",
    "99999999",
    "2026-02-30",
    "2026-13-01T25:00",
    "  Friday  ",
    "0000-01-01",
    "0001-01-01",
    "0001-01-01T00:00",
    "0001-01-01T00:00+01:00",
    "0001-01-01T00:30Z",
    "9999-12-31",
    "9999-12-31T23:59",
    "9999-12-31T23:59Z",
    "9999-12-31T23:59-01:00",
    "9999-12-31T23:59:59.999999+00:00",
    "٣d",
    "３d",
    "\x00",
    "friday\x00",
    "2026-11-20\n",
    "2026-11-20T14:30:00.1234567Z",
]


def _check_contract(parse: Callable[..., object], text: str) -> None:
    """An aware UTC datetime (or a date), or a UsageError: never anything else."""
    try:
        result = parse(text, now=NOW)
    except UsageError as err:
        assert err.exit_code == 2
        assert err.message
        return
    if parse is parse_future_date:
        assert type(result) is date
    else:
        assert isinstance(result, datetime)
        assert_utc(result)
        if parse is parse_past:
            assert result <= NOW + timedelta(minutes=5)


PARSERS = [parse_past, parse_moment, parse_future_date]


ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]


@pytest.mark.parametrize("text", EDGE_STRINGS)
def test_edge_strings_return_a_value_or_a_usage_error(
    set_zone: Callable[[str], None], text: str
) -> None:
    failures = []
    for zone in ZONES:
        set_zone(zone)
        for parse in PARSERS:
            try:
                _check_contract(parse, text)
            except Exception as exc:  # collect every zone/parser that breaks the contract
                failures.append(f"{parse.__name__}({text!r}) in {zone}: {exc!r}")
    assert failures == []


@settings(max_examples=150, deadline=None)
@given(text=st.text())
@example(text="0001-01-01T00:00+01:00")
@example(text="9999-12-31T23:59-01:00")
def test_arbitrary_text_returns_a_value_or_a_usage_error(text: str) -> None:
    for parse in PARSERS:
        _check_contract(parse, text)


_iso_like = st.builds(
    "{:04d}-{:02d}-{:02d}{}{:02d}:{:02d}{}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["T", " ", "t"]),
    st.integers(0, 25),
    st.integers(0, 61),
    st.sampled_from(["", "Z", "+01:00", "-01:00", "+05:30", "-0800", "+23:59", "-23:59"]),
)
_date_like = st.builds(
    "{:04d}-{:02d}-{:02d}".format,
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)
_relative_like = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "in "]),
    st.integers(0, 99999),
    st.sampled_from(["d", "h", "w", "m", "y", " days", " weeks", " months", " years", " hours"]),
    st.sampled_from(["", " ago"]),
)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_when_shaped_text_returns_a_value_or_a_usage_error(zone: str) -> None:
    @settings(max_examples=150, deadline=None)
    @given(text=st.one_of(_iso_like, _date_like, _relative_like))
    def check(text: str) -> None:
        with local_zone(zone):
            for parse in PARSERS:
                _check_contract(parse, text)

    check()


@settings(max_examples=100, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ).map(lambda d: d.replace(microsecond=0)),
    name=st.sampled_from(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    ),
)
def test_weekdays_are_the_nearest_past_and_the_next(now: datetime, name: str) -> None:
    with local_zone("UTC"):
        past = parse_past(name, now=now)
        ahead = parse_future_date(name, now=now)
    assert_utc(past)
    assert past.strftime("%A").lower() == name
    assert 1 <= (now.date() - past.date()).days <= 7
    assert ahead.strftime("%A").lower() == name
    assert 1 <= (ahead - now.date()).days <= 7


# --- storage -----------------------------------------------------------------------------


def test_to_db_is_fixed_width_utc_text() -> None:
    assert to_db(NOW) == "2026-11-22T09:30:00Z"
    ist = timezone(timedelta(hours=5, minutes=30))
    assert to_db(datetime(2026, 11, 22, 15, 0, tzinfo=ist)) == "2026-11-22T09:30:00Z"


@pytest.mark.usefixtures("utc_zone")
def test_to_db_is_fixed_width_for_years_before_1000() -> None:
    # A typo such as "0026-11-20" is refused as a date; and should an early year ever
    # reach the store, its text stays fixed-width so it sorts before every real date.
    with pytest.raises(UsageError):
        parse_past("0026-11-20", now=NOW)
    early = datetime(26, 11, 20, 12, 0, tzinfo=UTC)
    assert to_db(early) == "0026-11-20T12:00:00Z"
    assert to_db(early) < to_db(NOW)
    assert from_db(to_db(early)) == early


def test_to_db_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_db(datetime(2026, 11, 22, 9, 30))  # noqa: DTZ001


def test_from_db() -> None:
    value = from_db("2026-11-22T09:30:00Z")
    assert value == NOW
    assert value.tzinfo == UTC
    assert from_db_opt(None) is None
    assert from_db_opt("2026-11-22T09:30:00Z") == NOW
    assert iso_z(None) is None
    assert iso_z(NOW) == "2026-11-22T09:30:00Z"


@given(
    value=st.datetimes(
        min_value=datetime(1000, 1, 1),  # noqa: DTZ001
        max_value=datetime(9999, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    )
)
def test_storage_round_trip(value: datetime) -> None:
    text = to_db(value)
    assert len(text) == 20
    assert text.endswith("Z")
    assert from_db(text) == value.replace(microsecond=0)
    assert to_db(from_db(text)) == text


@given(
    a=st.datetimes(
        min_value=datetime(1000, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    b=st.datetimes(
        min_value=datetime(1000, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_storage_text_sorts_like_time(a: datetime, b: datetime) -> None:
    a, b = a.replace(microsecond=0), b.replace(microsecond=0)
    assert (to_db(a) < to_db(b)) == (a < b)


def test_utcnow_is_aware_whole_seconds() -> None:
    value = utcnow()
    assert_utc(value)
    assert value.microsecond == 0


# --- ago and display -------------------------------------------------------------------------


@pytest.mark.usefixtures("utc_zone")
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "never"),
        (NOW, "today"),
        (at(2026, 11, 22, 0, 0), "today"),
        (at(2026, 11, 21, 23, 59), "yesterday"),
        (at(2026, 11, 21, 0, 0), "yesterday"),
        (at(2026, 11, 20, 9, 30), "2 days ago"),
        (at(2026, 11, 17, 9, 30), "5 days ago"),
        (NOW - timedelta(days=13), "13 days ago"),
        (NOW - timedelta(days=14), "2 weeks ago"),
        (NOW - timedelta(days=21), "3 weeks ago"),
        (NOW - timedelta(days=59), "8 weeks ago"),
        (NOW - timedelta(days=60), "2 months ago"),
        (NOW - timedelta(days=200), "6 months ago"),
        (NOW - timedelta(days=729), "24 months ago"),
        (NOW - timedelta(days=730), "2 years ago"),
        (NOW - timedelta(days=3650), "10 years ago"),
        (at(2026, 11, 23, 1, 0), "tomorrow"),
        (at(2026, 11, 25, 1, 0), "in 3 days"),
    ],
)
def test_ago(value: datetime | None, expected: str) -> None:
    assert ago(value, NOW) == expected


def test_ago_counts_local_calendar_days(set_zone: Callable[[str], None]) -> None:
    # 03:00 UTC on the 22nd is 22:00 on the 21st in New York; now is 04:30 on the 22nd.
    set_zone("America/New_York")
    assert ago(at(2026, 11, 22, 3, 0), NOW) == "yesterday"
    set_zone("UTC")
    assert ago(at(2026, 11, 22, 3, 0), NOW) == "today"


def test_show_date_and_datetime_are_local(set_zone: Callable[[str], None]) -> None:
    set_zone("Asia/Kolkata")
    assert show_date(NOW) == "2026-11-22"
    assert show_datetime(NOW) == "2026-11-22 15:00"
    assert show_date(at(2026, 11, 22, 20, 0)) == "2026-11-23"
    assert show_date(None) == ""
    assert show_datetime(None) == ""
