"""The words of the contract (channels, kinds, tiers) and the normal forms of names and
handles (spec/cli.md, "Words")."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rave import choices
from rave.choices import CHANNELS, channel, kind, tier
from rave.errors import UsageError
from rave.normalize import (
    clean_name,
    clean_text,
    fold,
    guess_handle,
    normalize_handle,
    normalize_url,
    parse_handle,
)

SPEC_CHANNELS = (
    "linkedin",
    "twitter",
    "facebook",
    "instagram",
    "email",
    "phone",
    "sms",
    "whatsapp",
    "video",
    "in_person",
    "other",
)


# --- channels ----------------------------------------------------------------------------


def test_the_channel_list_is_the_spec_list() -> None:
    assert set(CHANNELS) == set(SPEC_CHANNELS)
    assert choices.KINDS == ("broadcast", "chat", "engage")
    assert choices.DIRECTIONS == ("out", "in", "both")


@pytest.mark.parametrize("name", SPEC_CHANNELS)
def test_every_channel_is_its_own_name(name: str) -> None:
    assert channel(name) == name
    assert channel(name.upper()) == name
    assert channel(f"  {name} ") == name


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("x", "twitter"),
        ("X", "twitter"),
        (" x ", "twitter"),
        ("irl", "in_person"),
        ("IRL", "in_person"),
        ("meet", "in_person"),
        ("Meet", "in_person"),
        ("in person", "in_person"),
        ("In-Person", "in_person"),
        ("LinkedIn", "linkedin"),
        ("WhatsApp", "whatsapp"),
    ],
)
def test_channel_aliases(typed: str, expected: str) -> None:
    assert channel(typed) == expected


@pytest.mark.parametrize("typed", ["myspace", "", "  ", "tw", "linked in", "twitter!", "e-mail"])
def test_unknown_channel_is_a_usage_error_naming_the_choices(typed: str) -> None:
    with pytest.raises(UsageError) as info:
        channel(typed)
    err = info.value
    assert err.exit_code == 2
    assert repr(typed) in err.message
    assert err.hint is not None
    for name in SPEC_CHANNELS:
        assert name in err.hint
    for alias in ("x", "irl", "meet"):
        assert alias in err.hint


# --- kinds and tiers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("broadcast", "broadcast"),
        ("b", "broadcast"),
        ("broad", "broadcast"),
        ("BROADCAST", "broadcast"),
        ("chat", "chat"),
        ("c", "chat"),
        (" Ch ", "chat"),
        ("engage", "engage"),
        ("e", "engage"),
        ("eng", "engage"),
    ],
)
def test_kind_accepts_prefixes(typed: str, expected: str) -> None:
    assert kind(typed) == expected


@pytest.mark.parametrize("typed", ["", "  ", "x", "chats", "broadcasting", "talk", "engaged"])
def test_unknown_kind_is_a_usage_error(typed: str) -> None:
    with pytest.raises(UsageError) as info:
        kind(typed)
    assert info.value.exit_code == 2
    assert info.value.hint is not None
    for name in ("broadcast", "chat", "engage"):
        assert name in info.value.hint


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("A", "A"),
        ("a", "A"),
        (" b ", "B"),
        ("C", "C"),
        ("d", "D"),
        ("none", "none"),
        ("NONE", "none"),
        ("None", "none"),
        ("-", "none"),
    ],
)
def test_tier(typed: str, expected: str) -> None:
    assert tier(typed) == expected


@pytest.mark.parametrize("typed", ["E", "AB", "1", "tier A", "nobody", "A+"])
def test_unknown_tier_is_a_usage_error(typed: str) -> None:
    with pytest.raises(UsageError) as info:
        tier(typed)
    assert info.value.exit_code == 2
    assert info.value.hint is not None
    assert "none" in info.value.hint


# --- fold ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zoë", "zoe"),
        ("ÉMILE", "emile"),
        ("Zoe\u0308", "zoe"),  # decomposed ë
        ("José  María", "jose maria"),
        ("  Ana\tLima\n", "ana lima"),
        ("Straße", "strasse"),
        ("Ångström", "angstrom"),
        ("Łukasz", "łukasz"),  # ł has no decomposition: only the case folds
        ("ÇAĞRI", "cagri"),
    ],
)
def test_fold_ignores_case_accents_and_spacing(a: str, b: str) -> None:
    assert fold(a) == b
    assert fold(a) == fold(b)


def test_fold_keeps_non_latin_scripts() -> None:
    assert fold("山田 太郎") == "山田 太郎"
    assert fold("АННА") == "анна"
    assert fold("שלום") == "שלום"


@settings(max_examples=200)
@given(st.text())
@example("𝐀")  # MATHEMATICAL BOLD CAPITAL A: NFKD gives an upper-case "A"
@example("ℌ")  # BLACK-LETTER CAPITAL H
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


# --- clean_text and clean_name -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  hello\x00 world\x07 ", "hello world"),
        ("line one\nline two\tindented", "line one\nline two\tindented"),
        ("a\r\nb", "a\nb"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("del\x7fete", "delete"),
        ("next\x85line", "nextline"),
        ("bad\ud800surrogate", "badsurrogate"),
        ("e\u0301", "é"),  # NFC
        ("שלום עולם", "שלום עולם"),
        ("مرحبا بالعالم", "مرحبا بالعالم"),
        ("Ana — שלום, مرحبا", "Ana — שלום, مرحبا"),
        ("山田太郎", "山田太郎"),
        ("नमस्ते", "नमस्ते"),
        ("สวัสดี", "สวัสดี"),
        ("party 🎉", "party 🎉"),
        ("[bold]x[/bold]", "[bold]x[/bold]"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@given(st.text())
def test_clean_text_never_leaves_control_characters(text: str) -> None:

    cleaned = clean_text(text)
    assert all(ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in cleaned)
    assert clean_text(cleaned) == cleaned


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ana Lima", "Ana Lima"),
        ("  Ana \n  Lima\t", "Ana Lima"),
        ("Zoe\u0308", "Zoë"),
        ("דוד לוי", "דוד לוי"),
        ("[bold]x", "[bold]x"),
        ("a" * 200, "a" * 200),
    ],
)
def test_clean_name(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "\n\t", "\x00\x01\x1b", "a" * 201, "ab " * 100])
def test_clean_name_rejects_empty_and_too_long(raw: str) -> None:
    with pytest.raises(UsageError) as info:
        clean_name(raw)
    assert info.value.exit_code == 2


# --- handles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ana@example.com", "ana@example.com"),
        (" Ana.B@Example.COM ", "ana.b@example.com"),
        ("mailto:ana@example.com", "ana@example.com"),
        ("MAILTO:Ana@Example.com", "ana@example.com"),
        ("ana+rave@mail.example.co.uk", "ana+rave@mail.example.co.uk"),
    ],
)
def test_email_handles(raw: str, expected: str) -> None:
    assert normalize_handle("email", raw) == expected


@pytest.mark.parametrize(
    "raw", ["ana", "ana@", "@example.com", "ana@example", "ana @example.com", "a@b@c.io", "", " "]
)
def test_email_handle_rejects_non_emails(raw: str) -> None:
    with pytest.raises(UsageError) as info:
        normalize_handle("email", raw)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("chan", "raw", "expected"),
    [
        ("phone", "+1 (555) 010-9999", "+15550109999"),
        ("phone", "555-0101", "5550101"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("phone", "00 44 20 7946", "0044207946"),
        ("phone", "1+555", "1555"),
        ("sms", "+1.555.010.9999", "+15550109999"),
        ("whatsapp", " +351 912 345 678 ", "+351912345678"),
    ],
)
def test_phone_handles_keep_digits_and_a_leading_plus(chan: str, raw: str, expected: str) -> None:
    assert normalize_handle(chan, raw) == expected


@pytest.mark.parametrize("raw", ["12", "abc", "+", "--", "+1"])
def test_phone_handle_rejects_non_numbers(raw: str) -> None:
    with pytest.raises(UsageError):
        normalize_handle("phone", raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@Ana", "@ana"),
        ("Ana", "@ana"),
        ("@@ana", "@ana"),
        ("https://twitter.com/Ana", "@ana"),
        ("http://www.twitter.com/ana/", "@ana"),
        ("twitter.com/ana", "@ana"),
        ("https://x.com/Ana_B", "@ana_b"),
        ("x.com/ana", "@ana"),
        ("www.x.com/ana", "@ana"),
        ("https://twitter.com/@ana", "@ana"),
    ],
)
def test_twitter_handles(raw: str, expected: str) -> None:
    assert normalize_handle("twitter", raw) == expected


def test_twitter_profile_url_with_a_share_query_is_the_handle() -> None:
    # What the X app's "copy link to profile" gives.
    assert normalize_handle("twitter", "https://x.com/ana?s=21&t=abc") == "@ana"
    assert normalize_handle("twitter", "https://twitter.com/ana/?lang=en") == "@ana"


@pytest.mark.parametrize("raw", ["@", "https://x.com/", "https://twitter.com/@"])
def test_twitter_handle_rejects_an_empty_name(raw: str) -> None:
    with pytest.raises(UsageError):
        normalize_handle("twitter", raw)


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.linkedin.com/in/ana-lima/",
        "http://www.linkedin.com/in/ana-lima",
        "HTTPS://LinkedIn.com/in/Ana-Lima",
        "linkedin.com/in/ana-lima",
        "www.linkedin.com/in/ana-lima/?trk=public_profile",
        "https://www.linkedin.com/in/ana-lima?originalSubdomain=pt#experience",
        "  https://linkedin.com/in/ana-lima//  ",
    ],
)
def test_linkedin_urls_have_one_normal_form(raw: str) -> None:
    assert normalize_handle("linkedin", raw) == "https://linkedin.com/in/ana-lima"


@pytest.mark.parametrize(
    ("chan", "raw", "expected"),
    [
        ("facebook", "https://www.facebook.com/Ana.Lima/", "https://facebook.com/ana.lima"),
        ("instagram", "Ana.Lima", "ana.lima"),
        ("instagram", "https://instagram.com/ana.lima/", "https://instagram.com/ana.lima"),
        ("other", "Mastodon: @ana", "mastodon: @ana"),
    ],
)
def test_other_handles(chan: str, raw: str, expected: str) -> None:
    assert normalize_handle(chan, raw) == expected


@pytest.mark.parametrize("chan", SPEC_CHANNELS)
def test_empty_handles_are_refused(chan: str) -> None:
    for raw in ("", "   ", "\x00"):
        with pytest.raises(UsageError):
            normalize_handle(chan, raw)


def test_normalize_url() -> None:
    assert normalize_url("HTTP://WWW.Example.com/A/B/?q=1#f") == "https://example.com/a/b"
    assert normalize_url("example.com") == "https://example.com"
    assert normalize_url("https://example.com/") == "https://example.com"


@settings(max_examples=200)
@given(st.text())
@example("www.www.example.com")
@example("https://example.com/ana/ /")
@example("http://[ana")
def test_normalize_url_is_idempotent(text: str) -> None:
    try:
        once = normalize_url(text)
    except UsageError:
        return
    assert normalize_url(once) == once


@settings(max_examples=100)
@given(chan=st.sampled_from(SPEC_CHANNELS), text=st.text())
@example(chan="linkedin", text="[")
@example(chan="facebook", text="https://[facebook.com/ana")
def test_normalize_handle_returns_a_string_or_a_usage_error(chan: str, text: str) -> None:
    try:
        value = normalize_handle(chan, text)
    except UsageError as err:
        assert err.exit_code == 2
        return
    assert isinstance(value, str)
    assert value


# --- parse_handle and guess_handle --------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("x=@Ana", ("twitter", "@ana")),
        ("twitter=https://x.com/ana", ("twitter", "@ana")),
        ("email=Ana@Example.com", ("email", "ana@example.com")),
        ("linkedin=https://www.linkedin.com/in/Ana/", ("linkedin", "https://linkedin.com/in/ana")),
        ("LinkedIn=linkedin.com/in/ana", ("linkedin", "https://linkedin.com/in/ana")),
        ("phone=+1 555 010 9999", ("phone", "+15550109999")),
        ("irl=cafe=corner", ("in_person", "cafe=corner")),
        ("other=a=b", ("other", "a=b")),
    ],
)
def test_parse_handle(spec: str, expected: tuple[str, str]) -> None:
    assert parse_handle(spec) == expected


def test_parse_handle_without_equals_shows_an_example() -> None:
    with pytest.raises(UsageError) as info:
        parse_handle("https://linkedin.com/in/ana")
    assert info.value.exit_code == 2
    assert "CHANNEL=VALUE" in info.value.message
    assert info.value.hint is not None
    assert "--handle" in info.value.hint


@pytest.mark.parametrize(
    "spec", ["myspace=ana", "=ana", "email=", "email=not-an-email", "phone=12", "x="]
)
def test_parse_handle_errors(spec: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_handle(spec)
    assert info.value.exit_code == 2


def test_guess_handle_email() -> None:
    assert guess_handle("Ana@Example.com") == [("email", "ana@example.com")]
    assert guess_handle(" mailto:ana@example.com ") == [("email", "ana@example.com")]


def test_guess_handle_twitter() -> None:
    assert guess_handle("@Ana") == [("twitter", "@ana")]
    pairs = guess_handle("https://x.com/Ana")
    assert ("twitter", "@ana") in pairs
    assert ("twitter", "@ana") in guess_handle("https://twitter.com/ana/")


def test_guess_handle_profile_url() -> None:
    pairs = guess_handle("https://www.linkedin.com/in/Ana-Lima/")
    assert ("linkedin", "https://linkedin.com/in/ana-lima") in pairs
    assert {c for c, _ in pairs} == set(SPEC_CHANNELS)
    assert {v for _, v in pairs} == {"https://linkedin.com/in/ana-lima"}


def test_guess_handle_phone() -> None:
    assert guess_handle("+1 555 010 9999") == [
        ("phone", "+15550109999"),
        ("sms", "+15550109999"),
        ("whatsapp", "+15550109999"),
    ]


@pytest.mark.parametrize("ref", ["Ana", "Ana Lima", "#12", "12", "@", "", "Zoë"])
def test_guess_handle_for_a_plain_name_is_empty(ref: str) -> None:
    assert guess_handle(ref) == []


@settings(max_examples=100)
@given(st.text())
@example("((((((")  # looks like a phone number, has no digits
@example("------")
@example("http://[ana")
def test_guess_handle_never_raises(ref: str) -> None:
    # A contact reference that is not a handle falls through to name matching (exit 3 if
    # nobody matches); it must not be a usage error or a traceback.
    pairs = guess_handle(ref)
    assert isinstance(pairs, list)
    for chan, value in pairs:
        assert chan in SPEC_CHANNELS
        assert isinstance(value, str)
