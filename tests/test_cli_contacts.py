"""The contact commands as a person uses them: add, edit, rm, merge, list, show, note."""

from __future__ import annotations

from pathlib import Path

from conftest import Rave


def test_add_then_show_everything_given(rave: Rave) -> None:
    added = rave(
        "add",
        "Ana Pérez",
        "--tier",
        "b",
        "--email",
        "Ana@Example.com",
        "--handle",
        "linkedin=https://www.linkedin.com/in/AnaP/?trk=x",
        "--phone",
        "+33 6 12 34",
        "--tag",
        "Client",
        "--tag",
        "paris",
        "--why",
        "runs the Lyon meetup",
        "--offer",
        "intro to our designer",
        "--met",
        "DevConf 2025",
        "--company",
        "Acme, Inc",
        "--title",
        "CTO",
        "--location",
        "Lyon",
        "--alias",
        "Anita",
        "--cadence",
        "14",
    )
    assert added.exit_code == 0, added
    assert "#1 Ana Pérez" in added.stdout
    shown = rave("show", "ana", "--json").json()
    assert shown["name"] == "Ana Pérez"
    assert shown["tier"] == "B"
    assert shown["cadence_days"] == 14
    assert shown["aliases"] == ["Anita"]
    assert shown["tags"] == ["client", "paris"]
    assert {"channel": "email", "value": "ana@example.com", "typed": None} in shown["handles"]
    assert {
        "channel": "linkedin",
        "value": "https://linkedin.com/in/anap",
        "typed": None,
    } in shown["handles"]
    phone = {"channel": "phone", "value": "+3361234", "typed": "+33 6 12 34"}
    assert phone in shown["handles"]  # as typed, beside the form it is matched under
    assert (shown["why"], shown["offer"], shown["met"]) == (
        "runs the Lyon meetup",
        "intro to our designer",
        "DevConf 2025",
    )
    assert (shown["company"], shown["title"], shown["location"]) == ("Acme, Inc", "CTO", "Lyon")


def test_add_defaults_to_tier_c_and_refuses_same_name_without_force(rave: Rave) -> None:
    assert rave("add", "Bob Stone").exit_code == 0
    again = rave("add", "bob  stone")
    assert again.exit_code == 1
    assert "already exists" in again.stderr and "--force" in again.stderr
    forced = rave("add", "Bob Stone", "--force", "--json")
    assert forced.exit_code == 0
    assert forced.json()["id"] == 2
    assert [c["tier"] for c in rave("list", "--json").json()] == ["C", "C"]


def test_handle_belongs_to_one_person(rave: Rave) -> None:
    rave("add", "Ana", "--email", "ana@example.com")
    clash = rave("add", "Other", "--email", "ANA@example.com")
    assert clash.exit_code == 1
    assert "already belongs to #1 Ana" in clash.stderr
    # nothing half-written: the second contact does not exist
    assert [c["name"] for c in rave("list", "--json").json()] == ["Ana"]


def test_bad_values_are_usage_errors(rave: Rave, empty_store: Path) -> None:
    assert rave("add", "X", "--tier", "Z").exit_code == 2
    assert rave("add", "X", "--email", "not-an-email").exit_code == 2
    assert rave("add", "X", "--handle", "linkedin").exit_code == 2
    assert rave("add", "X", "--handle", "myspace=foo").exit_code == 2
    assert rave("add", "   ").exit_code == 2
    assert rave("list", "--json").json() == []


def test_edit_changes_fields_tags_and_name(rave: Rave) -> None:
    rave("add", "Ana", "--tag", "old", "--company", "Acme")
    edited = rave(
        "edit",
        "ana",
        "--name",
        "Ana Pérez",
        "--tier",
        "A",
        "--untag",
        "old",
        "--tag",
        "new",
        "--company",
        "",
        "--title",
        "CEO",
        "--json",
    )
    assert edited.exit_code == 0, edited
    data = edited.json()
    assert (data["name"], data["tier"], data["tags"]) == ("Ana Pérez", "A", ["new"])
    assert data["company"] is None and data["title"] == "CEO"


def test_user_text_is_printed_literally(rave: Rave) -> None:
    rave("add", "[bold]x[/bold]", "--company", "[red]Acme")
    listed = rave("list")
    assert "[bold]x[/bold]" in listed.stdout
    assert "[red]Acme" in listed.stdout
    assert "[bold]x[/bold]" in rave("show", "#1").stdout


def test_list_filters_and_sorts(rave: Rave) -> None:
    rave("add", "Zoë Adams", "--tier", "A", "--tag", "vip")
    rave("add", "Bob Stone", "--tier", "C", "--company", "Globex")
    rave("add", "Carl Ray", "--tier", "none")
    rave("log", "bob", "-w", "2d")
    rave("log", "carl", "-w", "5d")
    names = lambda *args: [c["name"] for c in rave("list", *args, "--json").json()]  # noqa: E731
    assert names() == ["Bob Stone", "Carl Ray", "Zoë Adams"]
    assert names("--tier", "A") == ["Zoë Adams"]
    assert names("--tag", "VIP") == ["Zoë Adams"]
    assert names("--search", "zoe") == ["Zoë Adams"]
    assert names("--search", "globex") == ["Bob Stone"]
    assert names("--sort", "recent") == ["Bob Stone", "Carl Ray", "Zoë Adams"]
    assert names("--sort", "tier") == ["Zoë Adams", "Bob Stone", "Carl Ray"]
    assert rave("list", "--sort", "age").exit_code == 2
    rows = rave("list", "--json").json()
    assert set(rows[0]) == {
        "id",
        "gid",
        "name",
        "tier",
        "tags",
        "company",
        "title",
        "last_meaningful_at",
        "warmth",
    }
    assert rows[0]["last_meaningful_at"].endswith("Z")


def test_rm_removes_only_what_is_theirs(rave: Rave) -> None:
    rave("add", "Ana")
    rave("add", "Bob")
    rave("log", "Ana", "Bob", "-n", "dinner together")
    rave("log", "Ana", "-n", "just Ana", "--follow-up", "send deck")
    rave("note", "Ana", "likes climbing")
    removed = rave("rm", "Ana", "--yes")
    assert removed.exit_code == 0, removed
    assert "Deleted #1 Ana" in removed.stdout
    bob = rave("show", "Bob", "--json").json()
    assert [i["note"] for i in bob["interactions"]] == ["dinner together"]
    assert rave("followups", "--json").json() == []
    assert rave("show", "Ana").exit_code == 3


def test_rm_without_terminal_refuses_without_yes(rave: Rave) -> None:
    rave("add", "Ana")
    refused = rave("rm", "Ana")  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert rave("show", "Ana").exit_code == 0


def test_merge_moves_everything_to_keep(rave: Rave) -> None:
    rave("add", "Ana Pérez", "--email", "ana@example.com", "--tier", "C")
    rave(
        "add",
        "Ana P",
        "--handle",
        "linkedin=linkedin.com/in/anap",
        "--tier",
        "A",
        "--tag",
        "imported",
        "--company",
        "Acme",
        "--force",
    )
    rave("log", "#2", "-n", "from import")
    rave("note", "#2", "has two kids")
    rave("log", "#1", "-n", "direct")
    merged = rave("merge", "#1", "#2", "--yes")
    assert merged.exit_code == 0, merged
    ana = rave("show", "#1", "--json").json()
    assert ana["tier"] == "A"  # the closer tier wins
    assert ana["company"] == "Acme"
    assert ana["aliases"] == ["Ana P"]
    assert ana["tags"] == ["imported"]
    assert {h["channel"] for h in ana["handles"]} == {"email", "linkedin"}
    assert sorted(i["note"] for i in ana["interactions"]) == ["direct", "from import"]
    assert [n["text"] for n in ana["notes"]] == ["has two kids"]
    assert rave("show", "#2").exit_code == 3
    assert rave("show", "ana p", "--json").json()["id"] == 1  # the old name finds KEEP


def test_merge_same_contact_is_refused(rave: Rave) -> None:
    rave("add", "Ana")
    assert rave("merge", "Ana", "#1", "--yes").exit_code == 1


def test_note_from_stdin_keeps_it_out_of_history(rave: Rave) -> None:
    rave("add", "Ana")
    added = rave("note", "Ana", "-", input="her daughter starts school in May\n")
    assert added.exit_code == 0
    notes = rave("show", "Ana", "--json").json()["notes"]
    assert [n["text"] for n in notes] == ["her daughter starts school in May"]
    assert notes[0]["created_at"].endswith("Z")
    assert rave("note", "Ana", "-", input="   \n").exit_code == 2


def test_show_human_output_has_timeline_and_balance(rave: Rave) -> None:
    rave("add", "Ana")
    rave("log", "Ana", "-k", "broadcast", "-n", "liked her post")
    rave("log", "Ana", "-k", "engage", "-c", "irl", "-n", "coffee in Lyon")
    rave("log", "Ana", "--in", "-c", "email", "-n", "asked for the slides")
    out = rave("show", "Ana").stdout
    assert "broadcast 1 · chat 1 · engage 1" in out
    assert "coffee in Lyon" in out and "asked for the slides" in out
    assert "Timeline (3 interactions)" in out


def test_paths_json_reports_sources(rave: Rave, rave_home) -> None:
    data = rave("paths", "--json").json()
    assert data["db"] == str(rave_home / "rave.db")
    assert data["db_source"] == "RAVE_HOME"
    assert data["config"] == str(rave_home / "config.toml")
    other = rave("--db", str(rave_home / "x.db"), "paths", "--json").json()
    assert other["db_source"] == "--db" and other["db"].endswith("x.db")


def test_version(rave: Rave) -> None:
    from rave import __version__

    out = rave("--version")
    assert out.exit_code == 0 and out.stdout.strip() == f"rave {__version__}"
