"""Hostile and odd input, case by case: what a user sees (the exit code of the contract,
a message naming the file, the line or the key) and that nothing was written. The
random search over the same ground is tests/test_fuzz_cli.py."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import Rave, run_cron, run_on_terminal

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = ("linkedin", "linkedin-messages", "vcard", "google", "csv", "json")
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def snapshot(rave: Rave) -> str:
    out = rave("export", "json")
    assert out.exit_code == 0, out
    return out.stdout


@pytest.fixture
def keep_me(rave: Rave) -> str:
    """A store with one contact in it; the export before the test runs."""
    assert rave("add", "Keep Me", "--email", "keep@example.com").exit_code == 0
    return snapshot(rave)


# --- 1. deeply nested JSON -------------------------------------------------------------


def test_json_nested_past_the_recursion_limit_is_exit_65_and_imports_nothing(
    rave: Rave, keep_me: str, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    out = rave("import", "json", str(deep))
    assert out.exit_code == 65, out
    assert f"{deep}: not a rave export: arrays or objects nested more than 32 deep" in out.stderr
    assert "nothing was written" in out.stderr
    assert snapshot(rave) == keep_me


def test_a_rave_document_with_a_deeply_nested_extra_key_is_exit_65(
    rave: Rave, keep_me: str, tmp_path: Path
) -> None:
    """Nested less than Python's recursion limit but more than any rave document: the
    depth is checked before anything else reads the document."""
    nested = '{"k": [' * 500 + '"x"' + "]}" * 500
    path = tmp_path / "nested.json"
    path.write_text(
        f'{{"format": "rave", "version": 2, "contacts": [], "future": {nested}}}',
        encoding="utf-8",
    )
    out = rave("import", "json", str(path))
    assert out.exit_code == 65, out
    assert f"{path}: not a rave export: arrays or objects nested" in out.stderr
    assert snapshot(rave) == keep_me


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"format": "rave", "version": 2, "contacts": [{"id": 1' + "0" * 5000 + ', "name": "A"}]}',
         "invalid JSON"),
        ('{"format": "rave", "version": 2, "contacts": [{"id": 99999999999999999999, '
         '"name": "A"}]}', "'id' must be a positive integer up to"),
        ('{"format": "rave", "version": 2, "contacts": [{"id": 1, "name": "A", '
         '"cadence_days": 99999999}]}', "'cadence_days' must be a positive whole number of days, "
         "at most 3650"),
    ],
)  # fmt: skip
def test_json_numbers_out_of_range_are_exit_65(
    rave: Rave, keep_me: str, tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "numbers.json"
    path.write_text(text, encoding="utf-8")
    out = rave("import", "json", str(path))
    assert out.exit_code == 65, out
    assert str(path) in out.stderr and reason in out.stderr
    assert snapshot(rave) == keep_me


# --- 2. bidirectional formatting characters --------------------------------------------------

EVIL = "Ana \u202eevil\u202c"
NOTE = "likes \u2066jazz\u2069 and \u200fmaps\u200e"


def _bidi_store(rave: Rave) -> None:
    assert rave("add", EVIL, "--tier", "A", "--company", "\u202dACME\u202c").exit_code == 0
    assert rave("note", "Ana", NOTE).exit_code == 0
    logged = rave("log", "Ana", "--in", "-w", "1d", "-n", "hi \u202b\u05e9\u05dc\u05d5\u05dd")
    assert logged.exit_code == 0


def test_bidi_controls_never_reach_the_output_and_the_store_keeps_them(rave: Rave) -> None:
    _bidi_store(rave)
    for args in (
        ("list",),
        ("show", "Ana"),
        ("today",),
        ("why", "Ana"),
        ("digest",),
        ("show", "Ana", "--json"),
        ("list", "--json"),
        ("today", "--json"),
        ("show", "\u202eNobody"),  # the error message repeats what was typed
    ):
        out = rave(*args)
        assert out.exit_code in (0, 3), (args, out)
        seen = out.stdout + out.stderr
        assert not set(seen) & set(BIDI), (args, seen)
    shown = rave("show", "Ana").stdout
    assert "Ana evil" in shown and "likes jazz and maps" in shown and "ACME" in shown
    # JSON keeps the text, escaped: a program reads the same string
    detail = rave("show", "Ana", "--json")
    assert "\\u202e" in detail.stdout
    assert detail.json()["name"] == EVIL
    assert detail.json()["notes"][0]["text"] == NOTE
    # the store and the export are unchanged
    exported = json.loads(snapshot(rave))
    assert exported["contacts"][0]["name"] == EVIL
    assert exported["notes"][0]["text"] == NOTE


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_bidi_controls_never_reach_a_terminal(rave: Rave, rave_home: Path) -> None:
    """On a terminal the text goes through Rich (tables, styles): the same rule."""
    _bidi_store(rave)
    for args in (("list",), ("show", "Ana"), ("today",), ("show", "\u202eNobody")):
        env = {**os.environ, "RAVE_HOME": str(rave_home), "TERM": "xterm-256color"}
        env.pop("NO_COLOR", None)
        code, seen = run_on_terminal(args, env)
        assert code in (0, 3), (args, seen)
        assert "evil" in seen or "Nobody" in seen, (args, seen)
        assert not set(seen) & set(BIDI), (args, seen)


# --- 3. config.toml and --cadence -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[rank.coefficients]\nreply = 1e308\n",
         "config [rank.coefficients] reply: must be within -1000..1000"),
        ("[rank.coefficients]\nunanswered = -1001\n",
         "config [rank.coefficients] unanswered: must be within -1000..1000"),
        ("[rank.cadence]\nB = 1e308\n",
         "config [rank.cadence] B: must be more than 0 and at most 3650 days"),
        ("[rank]\nreply_horizon_days = 1e308\n",
         "config [rank] reply_horizon_days: must be at most 3650"),
        ("[rank]\nbackoff_base = 1e300\n", "config [rank] backoff_base: must be at most 100"),
        ("[rank]\nthreshold = 1e308\n", "config [rank] threshold: must be at most 100000"),
        ("[rank]\nlimit = 9223372036854775808\n", "config [rank] limit: must be at most 1000"),
        ("[balance]\npost_every = 1e308\n",
         "config [balance] post_every: must be more than 0 and at most 3650 days"),
    ],
)  # fmt: skip
def test_huge_config_numbers_are_a_config_error_naming_the_key_and_the_bound(
    rave: Rave, rave_home: Path, text: str, said: str
) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    assert rave("log", "Ana", "--in", "-w", "2d", "-n", "can you help?").exit_code == 0
    (rave_home / "config.toml").write_text(text, encoding="utf-8")
    commands = [("today",), ("digest",), ("stats",)]
    if "[rank" in text:
        commands.append(("why", "Ana"))
    for command in commands:
        out = rave(*command)
        assert out.exit_code == 1, (command, out)
        assert said in out.stderr, (command, out.stderr)
        assert "out of range" not in out.stderr


def test_every_rank_number_has_a_maximum() -> None:
    from dataclasses import fields

    from rave.config import _MAXIMA, RankConfig

    tables = {"coefficients", "cadence", "tier_weight"}
    assert set(_MAXIMA) == {f.name for f in fields(RankConfig)} - tables


def test_the_largest_allowed_config_numbers_work(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    assert rave("log", "Ana", "--in", "-w", "2d", "-n", "can you help?").exit_code == 0
    (rave_home / "config.toml").write_text(
        "[rank]\nthreshold = 100000\nlimit = 1000\nreply_horizon_days = 3650\n"
        "backoff_base = 100\ndormant_unanswered = 100\nbackoff_unanswered = 100\n"
        "[rank.coefficients]\nreply = 1000\nrecent_out = -1000\n"
        "[rank.cadence]\nA = 3650\n",
        encoding="utf-8",
    )
    for command in (("today", "--json"), ("why", "Ana", "--json"), ("digest",)):
        out = rave(*command)
        assert out.exit_code == 0, (command, out)


@pytest.mark.parametrize("command", ["add", "edit"])
def test_a_huge_cadence_is_a_usage_error_naming_the_maximum(rave: Rave, command: str) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    before = snapshot(rave)
    target = "Bob" if command == "add" else "Ana"
    for value in ("3651", "99999999999", "9" * 40):
        out = rave(command, target, "--cadence", value)
        assert out.exit_code == 2, out
        assert "--cadence" in out.stderr and "above the maximum of 3650" in out.stderr
    assert snapshot(rave) == before
    assert rave(command, target, "--cadence", "3650").exit_code == 0
    assert rave("show", target, "--json").json()["cadence_days"] == 3650
    assert rave("today").exit_code == 0


def test_a_huge_cadence_in_a_rave_csv_is_exit_65(rave: Rave, keep_me: str, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("name,cadence_days\nAna,7\nBob,99999999\n", encoding="utf-8")
    out = rave("import", "csv", str(path))
    assert out.exit_code == 65, out
    assert f"{path}:3: cadence_days '99999999' is more than 3650" in out.stderr
    assert snapshot(rave) == keep_me


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[rnak]\nlimit = 3\n", "unknown section [rnak] (known: [rank], [balance], [me], [phone])"),
        ("[rank]\nlimit = 3\n[colours]\nname = 'red'\n", "unknown section [colours]"),
        ("limit = 3\n[rank]\n", "limit: unknown key outside a section"),
    ],
)
def test_an_unknown_section_is_a_config_error_like_an_unknown_key(
    rave: Rave, rave_home: Path, text: str, said: str
) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    config = rave_home / "config.toml"
    config.write_text(text, encoding="utf-8")
    for command in (("today",), ("log", "Ana", "--create"), ("stats",)):
        out = rave(*command)
        assert out.exit_code == 1, (command, out)
        assert f"rave: config {config}: {said}" in out.stderr, out.stderr
    config.write_text("[rank]\nlmit = 3\n", encoding="utf-8")  # the same rule for keys
    assert rave("today").exit_code == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_as_config_is_a_config_error_not_a_hang(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    os.mkfifo(rave_home / "config.toml")
    started = time.monotonic()
    out = run_cron(rave_home, "today")  # 60 s timeout: a hang fails the test
    assert time.monotonic() - started < 30
    assert out.returncode == 1, out
    assert f"config {rave_home / 'config.toml'}: a named pipe (FIFO)" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_folder_as_config_is_a_config_error(rave: Rave, rave_home: Path) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    (rave_home / "config.toml").mkdir()
    out = rave("today")
    assert out.exit_code == 1
    assert f"config {rave_home / 'config.toml'}: a folder" in out.stderr


def test_dev_null_as_config_means_no_settings(rave: Rave, monkeypatch) -> None:
    assert rave("add", "Ana", "--tier", "A").exit_code == 0
    monkeypatch.setenv("RAVE_CONFIG", os.devnull)
    out = rave("today")
    assert out.exit_code == 0, out
    assert "Ana" in out.stdout


# --- 4. imports: bad profile URLs, empty files ---------------------------------------------------

MESSAGES_HEADER = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER\n"
)
GOOD_MESSAGE = (
    "c1,,Ana,https://www.linkedin.com/in/ana,Me,https://www.linkedin.com/in/me,"
    "2024-01-01 10:00:00 UTC,,hello,INBOX\n"
)


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("c2,,Bob,https://[bad,Me,https://www.linkedin.com/in/me,2024-01-02 10:00:00 UTC,,hi,INBOX",
         "SENDER PROFILE URL 'https://[bad' is not a profile URL"),
        ("c2,,Bob,https://,Me,https://www.linkedin.com/in/me,2024-01-02 10:00:00 UTC,,hi,INBOX",
         "SENDER PROFILE URL 'https://' is not a profile URL"),
        ("c2,,Me,https://www.linkedin.com/in/me,Bob,http://[::1,2024-01-02 10:00:00 UTC,,hi,INBOX",
         "RECIPIENT PROFILE URLS 'http://[::1' is not a profile URL"),
        ("c2,,Bob,https://linkedin.com/in/" + "b" * 2100 + ",Me,,2024-01-02 10:00:00 UTC,,hi,INBOX",
         "is longer than 2048 characters"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("me", [None, "https://www.linkedin.com/in/me"])
def test_a_bad_profile_url_in_messages_is_exit_65_with_file_and_line(
    rave: Rave, keep_me: str, tmp_path: Path, row: str, said: str, me: str | None
) -> None:
    path = tmp_path / "messages.csv"
    path.write_text(MESSAGES_HEADER + GOOD_MESSAGE + row + "\n", encoding="utf-8")
    out = rave("import", "linkedin-messages", str(path), *(["--me", me] if me else []))
    assert out.exit_code == 65, out
    assert f"{path}:3: " in out.stderr and said in out.stderr, out.stderr
    assert snapshot(rave) == keep_me


@pytest.mark.parametrize("date", ["9999-12-31 23:59:59 -14:00", "0001-01-01 00:00:00 +14:00"])
def test_a_message_date_past_the_calendar_is_exit_65_with_file_and_line(
    rave: Rave, keep_me: str, tmp_path: Path, date: str
) -> None:
    """In UTC these fall outside years 1-9999 (it used to be "a date is out of range",
    exit 2, with no file or line)."""
    path = tmp_path / "messages.csv"
    row = f"c2,,Bob,https://www.linkedin.com/in/bob,Me,,{date},,hi,INBOX\n"
    path.write_text(MESSAGES_HEADER + GOOD_MESSAGE + row, encoding="utf-8")
    out = rave("import", "linkedin-messages", str(path))
    assert out.exit_code == 65, out
    assert f"{path}:3: cannot read DATE '{date}'" in out.stderr
    assert snapshot(rave) == keep_me


def test_a_bad_me_url_stays_a_usage_error(rave: Rave, tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_text(MESSAGES_HEADER + GOOD_MESSAGE, encoding="utf-8")
    out = rave("import", "linkedin-messages", str(path), "--me", "https://[bad")
    assert out.exit_code == 2, out


EMPTY_FILES = {
    "no bytes": b"",
    "blank lines": b"\n  \r\n\t\n",
    "a UTF-8 BOM": b"\xef\xbb\xbf",
    "a UTF-16 BOM and blanks": b"\xff\xfe" + "\n \n".encode("utf-16-le"),
}


@pytest.mark.parametrize("content", EMPTY_FILES.values(), ids=EMPTY_FILES.keys())
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_file_is_exit_65_in_every_format(
    rave: Rave, keep_me: str, tmp_path: Path, fmt: str, content: bytes
) -> None:
    path = tmp_path / "export.file"
    path.write_bytes(content)
    out = rave("import", fmt, str(path))
    assert out.exit_code == 65, out
    assert out.stderr.splitlines() == [
        f"rave: {path}: the file is empty",
        "hint: nothing was written",
    ]
    assert snapshot(rave) == keep_me
    dry = rave("import", fmt, str(path), "--dry-run", "--json")
    assert dry.exit_code == 65 and dry.stdout == ""


def test_an_empty_first_import_leaves_no_store(rave: Rave, rave_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "contacts.vcf"
    path.write_bytes(b"")
    assert rave("import", "vcard", str(path)).exit_code == 65
    assert not (rave_home / "rave.db").exists()


@pytest.mark.parametrize(
    ("fmt", "content"),
    [
        ("csv", "id,name,tier,aliases,emails,phones,handles,tags,company,title,location,why,"
                "offer,met,cadence_days,birthday\r\n"),
        ("json", '{"format": "rave", "version": 2}'),
        ("linkedin", "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"),
        ("linkedin-messages", MESSAGES_HEADER),
        ("google", "First Name,Middle Name,Last Name,E-mail 1 - Value\n"),
    ],
)  # fmt: skip
def test_an_export_with_nobody_in_it_is_not_empty(
    rave: Rave, tmp_path: Path, fmt: str, content: str
) -> None:
    """A header alone (`rave export csv` of an empty store) is an export of nobody: 0."""
    path = tmp_path / "export.file"
    path.write_text(content, encoding="utf-8")
    out = rave("import", fmt, str(path), "--json")
    assert out.exit_code == 0, out
    assert out.json()["contacts_created"] == 0


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("fmt", ["mbox", "vcard", "whatsapp"])
def test_an_input_that_cannot_be_read_is_named_not_taken_for_the_output(
    rave: Rave, fmt: str
) -> None:
    rave("add", "Ana")
    result = rave("import", fmt, "/proc/self/mem")  # opens, then every read fails (EIO)
    assert result.exit_code == 1, result
    assert "cannot read /proc/self/mem" in result.stderr
    assert "cannot write" not in result.stderr and "Traceback" not in result.stderr
