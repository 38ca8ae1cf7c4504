"""`rave apart` (issue 16): two contacts that `rave dupes` lists can be marked as two
people, and are then left out (and counted) for good; `--forget` and `rave undo` take the
mark back, `rave merge` still joins them. Every import, rave's own JSON included, names a
namesake it kept apart, and none names a pair marked as two people."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Rave
from test_identity import FAMILY, google_csv, imported

LEFT_OUT = "1 pair marked as two people (`rave apart`) left out; `rave dupes --all` shows them."


def marks(home: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(home / "rave.db") as conn:
        return conn.execute(
            "SELECT contact_id, other_id FROM distinct_pair ORDER BY 1, 2"
        ).fetchall()


def listed(rave: Rave, *args: str) -> list[tuple[int, int]]:
    out = rave("dupes", "--json", *args)
    assert out.exit_code == 0, out
    return [(p["keep_id"], p["drop_id"]) for p in out.json()]


def family_and_namesakes(rave: Rave, tmp_path: Path) -> None:
    """#1 Jean and #2 Marie Dupont share an email; #3 and #4 are two John Smiths."""
    imported(rave, "google", google_csv(tmp_path / "contacts.csv", FAMILY))
    assert rave("add", "John Smith", "--company", "Acme").exit_code == 0
    assert rave("add", "John Smith", "--company", "Globex", "--force").exit_code == 0
    assert listed(rave) == [(1, 2), (3, 4)]


def test_a_pair_marked_apart_is_left_out_of_dupes_and_counted(
    rave: Rave, tmp_path: Path, rave_home: Path
) -> None:
    family_and_namesakes(rave, tmp_path)
    marked = rave("apart", "Marie Dupont", "Jean Dupont")  # either order
    assert marked.exit_code == 0, marked
    assert marked.stdout == (
        "#1 Jean Dupont and #2 Marie Dupont are two people: `rave dupes` no longer lists them.\n"
    )
    assert marks(rave_home) == [(1, 2)]

    shown = rave("dupes")
    assert shown.exit_code == 0
    assert "#3 John Smith" in shown.stdout and "Dupont" not in shown.stdout
    assert LEFT_OUT in shown.stderr
    as_json = rave("dupes", "--json")
    (pair,) = as_json.json()  # still an array: the count is said on stderr
    assert (pair["keep_id"], pair["drop_id"], pair["marked_apart"]) == (3, 4, False)
    assert pair["apart"] == "rave apart '#3' '#4'"
    assert LEFT_OUT in as_json.stderr

    everything = rave("dupes", "--all", "--json")
    flagged = {(p["keep_id"], p["drop_id"]): p["marked_apart"] for p in everything.json()}
    assert flagged == {(1, 2): True, (3, 4): False}
    assert "left out" not in everything.stderr
    assert "(marked as two people)" in rave("dupes", "--all").stdout

    assert rave("apart", "#3", "#4", "--json").json() == {
        "contact_id": 3,
        "contact_name": "John Smith",
        "other_id": 4,
        "other_name": "John Smith",
        "apart": True,
        "changed": True,
    }
    cleared = rave("dupes")
    assert cleared.exit_code == 0 and cleared.stdout == ""
    assert "No possible duplicates." in cleared.stderr
    assert "2 pairs marked as two people (`rave apart`) left out" in cleared.stderr
    assert rave("dupes", "--json").json() == []


def test_marking_twice_or_forgetting_twice_changes_nothing(
    rave: Rave, tmp_path: Path, rave_home: Path
) -> None:
    family_and_namesakes(rave, tmp_path)
    assert rave("apart", "#1", "#2").exit_code == 0
    again = rave("apart", "#2", "#1", "--json")
    assert again.exit_code == 0
    assert (again.json()["apart"], again.json()["changed"]) == (True, False)
    assert "already marked" in rave("apart", "#1", "#2").stderr
    assert marks(rave_home) == [(1, 2)]

    forgot = rave("apart", "--forget", "Jean Dupont", "Marie Dupont")
    assert forgot.exit_code == 0
    assert forgot.stdout.startswith("Forgot that #1 Jean Dupont and #2 Marie Dupont")
    assert marks(rave_home) == []
    assert listed(rave) == [(1, 2), (3, 4)]
    twice = rave("apart", "--forget", "#1", "#2", "--json")
    assert twice.exit_code == 0
    assert (twice.json()["apart"], twice.json()["changed"]) == (False, False)


def test_undo_takes_a_mark_back(rave: Rave, tmp_path: Path) -> None:
    family_and_namesakes(rave, tmp_path)
    rave("apart", "#1", "#2")
    assert listed(rave) == [(3, 4)]
    undone = rave("undo", "--yes")
    assert undone.exit_code == 0, undone
    assert "removed 1 mark of two people" in undone.stdout
    assert listed(rave) == [(1, 2), (3, 4)]


def test_merging_a_marked_pair_still_works_and_the_mark_goes(
    rave: Rave, tmp_path: Path, rave_home: Path
) -> None:
    family_and_namesakes(rave, tmp_path)
    rave("apart", "#1", "#2")
    merged = rave("merge", "#1", "#2", "--yes")  # the user changed their mind
    assert merged.exit_code == 0, merged
    assert marks(rave_home) == []
    assert [c["name"] for c in rave("list", "--json").json()].count("Marie Dupont") == 0
    shown = rave("dupes")
    assert "left out" not in shown.stderr

    undone = rave("undo", "--yes")  # Marie and the mark come back together
    assert undone.exit_code == 0, undone
    assert marks(rave_home) == [(1, 2)]
    assert listed(rave) == [(3, 4)]
    assert LEFT_OUT in rave("dupes").stderr


def test_a_mark_with_the_contact_merged_away_goes_with_it(rave: Rave, rave_home: Path) -> None:
    for company in ("Acme", "Globex", "Initech"):
        assert rave("add", "John Smith", "--company", company, "--force").exit_code == 0
    rave("apart", "#1", "#3")
    assert listed(rave) == [(1, 2)]
    assert rave("merge", "#2", "#3", "--yes").exit_code == 0  # #3 was #2 all along
    assert marks(rave_home) == []
    assert listed(rave) == [(1, 2)]  # #1 and #2 were never said to be two people


def test_a_contact_with_itself_is_a_usage_error(
    rave: Rave, tmp_path: Path, rave_home: Path
) -> None:
    family_and_namesakes(rave, tmp_path)
    out = rave("apart", "#1", "Jean Dupont")
    assert out.exit_code == 2
    assert out.stdout == ""
    assert "'#1' and 'Jean Dupont' are the same contact (#1)" in out.stderr
    assert "Traceback" not in out.stderr
    assert marks(rave_home) == []
    # nothing was written, so nothing to undo but the earlier command
    assert "rave apart" not in rave("undo", "--dry-run").stdout


def test_unknown_and_ambiguous_contacts_have_the_contract_codes(
    rave: Rave, tmp_path: Path, rave_home: Path
) -> None:
    family_and_namesakes(rave, tmp_path)
    unknown = rave("apart", "Nobody Known", "#1")
    assert unknown.exit_code == 3
    assert "no contact matches 'Nobody Known'" in unknown.stderr
    assert rave("apart", "#1", "#99").exit_code == 3
    ambiguous = rave("apart", "John Smith", "#1")
    assert ambiguous.exit_code == 4
    assert "#3" in ambiguous.stderr and "#4" in ambiguous.stderr
    assert marks(rave_home) == []


def test_apart_asks_nothing_without_a_terminal(rave: Rave, tmp_path: Path) -> None:
    family_and_namesakes(rave, tmp_path)
    out = rave("apart", "#1", "#2", input="")  # stdin is not a terminal: no --yes needed
    assert out.exit_code == 0
    assert "--yes" not in out.stderr


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    marked=st.sets(st.tuples(st.integers(1, 4), st.integers(1, 4)).filter(lambda p: p[0] != p[1]))
)
def test_dupes_lists_exactly_the_pairs_not_marked(rave: Rave, marked: set[tuple[int, int]]) -> None:
    """Four namesakes are listed as three pairs with the oldest; whatever pairs are marked,
    in whatever order their two contacts are named, `dupes` lists the others and counts
    the marked ones it left out."""
    with tempfile.TemporaryDirectory() as folder:
        store = ["--db", str(Path(folder) / "rave.db")]
        for _ in range(4):
            assert rave(*store, "add", "Ada Lovelace", "--force").exit_code == 0
        for one, two in marked:
            assert rave(*store, "apart", f"#{one}", f"#{two}").exit_code == 0
        kept = {(min(p), max(p)) for p in marked}
        pairs = [(1, 2), (1, 3), (1, 4)]
        out = rave(*store, "dupes", "--json")
        assert [(p["keep_id"], p["drop_id"]) for p in out.json()] == [
            p for p in pairs if p not in kept
        ]
        hidden = sum(p in kept for p in pairs)
        if hidden == 1:
            assert LEFT_OUT in out.stderr
        elif hidden:
            assert f"{hidden} pairs marked as two people" in out.stderr
        else:
            assert "left out" not in out.stderr


# --- what imports say -------------------------------------------------------------------


def test_the_json_import_names_a_namesake_it_kept_apart(rave: Rave, tmp_path: Path) -> None:
    """A contact from another rave's export next to a namesake here: two people, said."""
    other = tmp_path / "other"
    exported = tmp_path / "other.json"
    with_other = ["--db", str(other / "rave.db")]
    assert rave(*with_other, "add", "John Smith", "--email", "john@acme.example").exit_code == 0
    assert rave(*with_other, "export", "json", "-o", str(exported)).exit_code == 0
    assert json.loads(exported.read_text(encoding="utf-8"))["contacts"][0]["name"] == "John Smith"

    rave("add", "Ana Pérez")
    rave("add", "John Smith", "--phone", "+1 212 555 0199")
    report = imported(rave, "json", exported)
    assert report["contacts_created"] == 1
    assert report["warnings"] == [
        "John Smith (#3) has the name of #2 John Smith but no email, phone or profile in "
        "common: kept apart; `rave merge '#2' '#3'` if they are one"
    ]
    assert listed(rave) == [(2, 3)]

    human = rave("import", "json", str(exported), "--dry-run")  # nothing new: nothing said
    assert human.exit_code == 0 and "kept apart" not in human.stderr


def test_the_json_import_warning_reaches_the_person(rave: Rave, tmp_path: Path) -> None:
    other = ["--db", str(tmp_path / "other" / "rave.db")]
    exported = tmp_path / "other.json"
    rave(*other, "add", "Maya Patel", "--company", "Initech")
    rave(*other, "export", "json", "-o", str(exported))
    rave("add", "Bo Chen")  # so that #1 here is not the #1 of the export
    rave("add", "Maya Patel", "--company", "Globex")
    out = rave("import", "json", str(exported))
    assert out.exit_code == 0, out
    assert "1 contacts created" in out.stdout or "1 contact created" in out.stdout
    assert "warning: Maya Patel (#3) has the name of #2 Maya Patel but " in out.stderr
    assert "`rave merge '#2' '#3'` if they are one" in out.stderr


def test_imports_say_nothing_of_a_pair_marked_as_two_people(rave: Rave, tmp_path: Path) -> None:
    jean = {**FAMILY[0], "E-mail 2 - Value": "bureau@dupont.example"}
    first = imported(rave, "google", google_csv(tmp_path / "first.csv", [jean, FAMILY[1]]))
    assert len(first["warnings"]) == 1  # type: ignore[arg-type]
    assert rave("apart", "#1", "#2").exit_code == 0
    # Marie's new card holds the office address too: kept apart again, without a word
    marie = {**FAMILY[1], "E-mail 2 - Value": "bureau@dupont.example"}
    second = imported(rave, "google", google_csv(tmp_path / "second.csv", [marie]))
    assert (second["contacts_created"], second["contacts_updated"]) == (0, 1)
    assert second["warnings"] == []
    assert [c["name"] for c in rave("list", "--json").json()] == ["Jean Dupont", "Marie Dupont"]


def test_marks_travel_in_the_json_export(
    rave: Rave, tmp_path: Path, rave_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    family_and_namesakes(rave, tmp_path)
    assert rave("apart", "#3", "#4").exit_code == 0
    exported = tmp_path / "rave.json"
    assert rave("export", "json", "-o", str(exported)).exit_code == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert [(p["contact_id"], p["other_id"]) for p in document["apart"]] == [(3, 4)]

    # restored on another machine: the John Smiths are still two people
    monkeypatch.setenv("RAVE_HOME", str(tmp_path / "elsewhere"))
    restored = rave("import", "json", str(exported))
    assert restored.exit_code == 0, restored
    assert listed(rave) == [(1, 2)]
    again = tmp_path / "again.json"
    assert rave("export", "json", "-o", str(again)).exit_code == 0
    assert again.read_bytes() == exported.read_bytes()
