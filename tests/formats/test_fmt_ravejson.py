"""rave's JSON document: validation names the broken record; dump is deterministic."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest

from rave.errors import BadInputError
from rave.formats.ravejson import dump, load, new_document, validate


def good() -> dict[str, Any]:
    return new_document(
        contacts=[
            {
                "id": 1,
                "name": "Zoë Müller",
                "given_name": "Zoë",
                "family_name": "Müller",
                "tier": "A",
                "cadence_days": 7,
                "why": "mentor",
                "offer": None,
                "met": "Köln 2019",
                "company": "Müller & Söhne",
                "title": None,
                "location": "Köln",
                "birthday": "--04-15",
                "snoozed_until": None,
                "created_at": "2026-01-01T10:00:00Z",
                "updated_at": "2026-01-02T10:00:00Z",
                "aliases": ["Zo"],
                "handles": [
                    {"channel": "email", "value": "zoe@mueller.example", "typed": None},
                    {
                        "channel": "linkedin",
                        "value": "https://linkedin.com/in/zoe",
                        "typed": "linkedin.com/in/zoe/",
                    },
                ],
                "tags": ["mentor"],
                "refs": [{"source": "vcard-uid", "key": "ABC"}],
            },
            {"id": 2, "name": "Bo Chen", "tier": "none", "aliases": [], "handles": [], "tags": []},
        ],
        interactions=[
            {
                "id": 10,
                "kind": "chat",
                "direction": "in",
                "channel": "linkedin",
                "when": "2026-02-01T08:00:00Z",
                "note": "asked about the role",
                "needs_reply": True,
                "source": "linkedin-messages",
                "external_key": "linkedin:c|2026-02-01T08:00:00Z|x",
                "created_at": "2026-02-02T08:00:00Z",
                "contact_ids": [1, 2],
            }
        ],
        posts=[
            {
                "id": 1,
                "text": "New article",
                "channel": "linkedin",
                "url": None,
                "when": "2026-02-03T08:00:00Z",
                "created_at": "2026-02-03T08:00:00Z",
            }
        ],
        notes=[
            {"id": 1, "contact_id": 1, "text": "two kids", "created_at": "2026-01-05T08:00:00Z"}
        ],
        followups=[
            {
                "id": 1,
                "contact_id": 2,
                "interaction_id": 10,
                "text": "send the deck",
                "due": "2026-03-01",
                "done_at": None,
                "created_at": "2026-02-01T08:00:00Z",
            }
        ],
    )


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(good())
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


DELETE = object()


def test_good_document_passes() -> None:
    validate(good(), "export.json")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["format"], "vcard", "not a rave export"),
        (["version"], 4, "written by a newer rave (format version 4)"),
        (["version"], "1", "unknown format version"),
        (["contacts"], {}, "'contacts' must be a list"),
        (["contacts", 1, "name"], DELETE, "contacts[1]: missing 'name'"),
        (["contacts", 1, "name"], "  ", "contacts[1]: 'name' must not be empty"),
        (["contacts", 0, "tier"], "S", "contacts[0]: 'tier' must be one of"),
        (["contacts", 0, "cadence_days"], 0, "contacts[0]: 'cadence_days' must be a positive"),
        (["contacts", 0, "cadence_days"], True, "contacts[0]: 'cadence_days' must be a positive"),
        (["contacts", 0, "birthday"], "15.04.", "contacts[0]: 'birthday'"),
        (
            ["contacts", 0, "created_at"],
            "2026-01-01 10:00",
            "contacts[0]: 'created_at' must be a UTC",
        ),
        (["contacts", 0, "aliases"], "Zo", "contacts[0]: 'aliases' must be a list"),
        (["contacts", 0, "given_name"], 5, "contacts[0]: 'given_name' must be a string"),
        (["contacts", 0, "family_name"], "x" * 201, "contacts[0]: 'family_name' is longer"),
        (
            ["contacts", 0, "handles", 0, "typed"],
            ["zoe"],
            "contacts[0].handles[0]: 'typed' must be a string or null",
        ),
        (["contacts", 0, "handles", 1, "channel"], "myspace", "contacts[0].handles[1]"),
        (
            ["contacts", 0, "handles", 0, "value"],
            "nope",
            "contacts[0].handles[0]: 'nope' is not an email",
        ),
        (["contacts", 1, "id"], 1, "contacts[1]: id 1 appears twice"),
        (["contacts", 0, "refs", 0], {"source": "x"}, "contacts[0].refs[0]"),
        (["interactions", 0, "kind"], "poke", "interactions[0]: 'kind' must be one of"),
        (["interactions", 0, "when"], DELETE, "interactions[0]: missing 'when'"),
        (["interactions", 0, "when"], "2026-02-30T08:00:00Z", "interactions[0]: 'when'"),
        (["interactions", 0, "needs_reply"], 1, "interactions[0]: 'needs_reply' must be true"),
        (["interactions", 0, "direction"], "sideways", "interactions[0]: 'direction' must be"),
        (["interactions", 0, "started_by"], "you", "interactions[0]: 'started_by' must be"),
        (
            ["interactions", 0, "contact_ids"],
            [],
            "interactions[0]: 'contact_ids' must be a non-empty",
        ),
        (["interactions", 0, "contact_ids"], [1, 99], "interactions[0]: contact 99 is not in"),
        (["posts", 0, "channel"], "myspace", "posts[0]: 'channel'"),
        (["notes", 0, "contact_id"], 5, "notes[0]: contact 5 is not in the document"),
        (["notes", 0], "text", "notes[0]: must be an object"),
        (["followups", 0, "due"], "2026-3-1", "followups[0]: 'due' must be a date"),
        (["followups", 0, "interaction_id"], 11, "followups[0]: interaction 11 is not in"),
    ],
)
def test_each_defect_names_the_record(path: list[Any], value: Any, message: str) -> None:
    with pytest.raises(BadInputError) as info:
        validate(broken(path, value), "export.json")
    assert message in info.value.reason
    assert info.value.file == "export.json"
    assert info.value.line is None


def test_a_broadcast_is_never_a_live_exchange() -> None:
    document = good()
    document["interactions"][0].update(kind="broadcast", direction="both")
    with pytest.raises(BadInputError) as info:
        validate(document, "export.json")
    assert "interactions[0]: a broadcast is one-way" in info.value.reason
    document["interactions"][0].update(kind="chat", started_by="them")
    validate(document, "export.json")


def test_a_handle_on_two_contacts_is_refused() -> None:
    document = good()
    document["contacts"][1]["handles"] = [{"channel": "email", "value": "ZOE@mueller.example"}]
    with pytest.raises(BadInputError) as info:
        validate(document, "export.json")
    assert "contacts[1].handles[0]" in info.value.reason
    assert "also belongs to contacts[0]" in info.value.reason


def test_unknown_keys_and_missing_lists_are_accepted() -> None:
    document = good()
    document["exported_at"] = "2026-03-01T00:00:00Z"
    document["contacts"][0]["future_key"] = 1
    del document["posts"]
    validate(document, "export.json")


def test_dump_is_deterministic_and_loads_back(tmp_path: Path) -> None:
    first, second = io.StringIO(), io.StringIO()
    dump(good(), first)
    shuffled = good()
    shuffled["contacts"][0] = dict(reversed(list(shuffled["contacts"][0].items())))
    dump(shuffled, second)
    text = first.getvalue()
    assert text == second.getvalue()
    assert text.endswith("}\n")
    assert '"name": "Zoë Müller"' in text  # not \u escaped
    assert text.startswith('{\n  "apart": [],\n  "contacts": [')
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    assert load(path) == good()


def test_load_reports_json_syntax_errors_with_a_line(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{\n  "format": "rave",\n  "version": 1,\n  oops\n}\n', encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        load(path)
    assert info.value.line == 4
    assert "invalid JSON" in info.value.reason


def test_load_fills_missing_lists(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"format": "rave", "version": 3}), encoding="utf-8")
    assert load(path) == new_document(
        contacts=[], interactions=[], posts=[], notes=[], followups=[]
    )


def test_a_version_1_export_reads_its_calls_and_meetings_as_live_exchanges(
    tmp_path: Path,
) -> None:
    document = good()
    document["version"] = 1
    call = {
        **document["interactions"][0],
        "id": 11,
        "channel": "phone",
        "direction": "out",
        "external_key": None,
    }
    missed = {**call, "id": 12, "direction": "in", "needs_reply": True}
    like = {**call, "id": 13, "kind": "broadcast"}
    document["interactions"] += [call, missed, like]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    loaded = {i["id"]: i for i in load(path)["interactions"]}
    assert (loaded[10]["direction"], loaded[10].get("started_by")) == ("in", None)  # email
    assert (loaded[11]["direction"], loaded[11]["started_by"]) == ("both", "me")
    assert (loaded[12]["direction"], loaded[12]["started_by"]) == ("both", "them")
    assert loaded[12]["needs_reply"] is False  # version 1 could not log a missed call
    assert (loaded[13]["direction"], loaded[13].get("started_by")) == ("out", None)
