"""Every command rave has: the module in ``rave.cli`` that defines it, the first paragraph
of its help (what ``rave --help`` lists, without loading any command module; a test
keeps it equal to the command's own help) and the examples that end its ``--help``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rave.cli.common import Example

# Every command: its module in rave.cli and the first paragraph of its help, in the
# order `rave --help` lists them (the daily loop first, housekeeping last).
COMMANDS: dict[str, tuple[str, str]] = {
    "today": (
        "today",
        "Whom to answer first, whom to reach out to, and how: the ranked daily list, and "
        "one line about your own broadcasting when it is out of balance.",
    ),
    "why": (
        "today",
        "The score table for one contact: each term's measure, coefficient and "
        "contribution, and why a hidden contact is hidden.",
    ),
    "snooze": ("today", "Hide a contact from `today` until a date."),
    "unsnooze": ("today", "Bring a snoozed contact back into `today`."),
    "demo": (
        "today",
        "Show rave on a sample network, in a temporary store (your data is not touched): "
        "its `today` list and one `why`.",
    ),
    "digest": (
        "today",
        "A plain-text morning digest for cron mail: the reply lane, top suggestions, "
        "follow-ups due, and a count of the rest.",
    ),
    "log": ("log", "Record an interaction right after it happened (or many, with --batch)."),
    "post": (
        "log",
        "Record your own broadcast to your audience (a post, an article, a newsletter).",
    ),
    "followups": ("log", "Open follow-ups, soonest due first."),
    "add": ("contacts", "Add a contact and print its id."),
    "edit": (
        "contacts",
        'Change a contact. Options add handles, tags and aliases; an empty value ("") '
        "clears a text field.",
    ),
    "rm": (
        "contacts",
        "Delete a contact with their handles, tags, notes, follow-ups and the interactions "
        "that were only with them.",
    ),
    "merge": (
        "contacts",
        "Merge a duplicate into another contact: handles, aliases, tags, notes, follow-ups "
        "and interactions move to KEEP; DROP's name becomes an alias.",
    ),
    "dupes": (
        "contacts",
        "Possible duplicates: contacts that share an email or phone number, a name, or an "
        "alias, which imports keep apart; each with the `rave merge` that joins them.",
    ),
    "apart": (
        "contacts",
        "Mark two contacts as two people, so that `rave dupes` no longer lists them.",
    ),
    "list": ("contacts", "List contacts."),
    "show": (
        "contacts",
        "A contact's profile, handles, notes, open follow-ups, recent timeline and "
        "broadcast/chat/engage balance.",
    ),
    "note": ("contacts", "Add a dated personal note (family, interests, work) about a contact."),
    "history": (
        "records",
        "What you recorded, newest first, each with the reference that `rave change` and "
        "`rave delete` take: i12 an interaction, n3 a note, p4 a post, f2 a follow-up.",
    ),
    "change": (
        "records",
        "Change an interaction, a note, a post or a follow-up: give only what changes. The "
        "ranking follows at once; `rave undo` takes the change back.",
    ),
    "delete": (
        "records",
        "Delete interactions, notes, posts or follow-ups by their references (see `rave "
        "history`). Asks first; `rave undo` brings them back.",
    ),
    "undo": (
        "records",
        "Take back the last command that wrote (repeat it to go further back): what it added "
        "is removed, what it changed or deleted comes back. Asks first.",
    ),
    "stats": (
        "stats",
        "Your broadcast/chat/engage balance over time against your target mix, by channel "
        "and tier; reply latency; who starts conversations; the relationship ladder.",
    ),
    "import": (
        "transfer",
        "Import contacts, and your messages, mail, meetings and chats, from the files other "
        "tools keep, all or nothing. Re-importing the same file changes nothing.",
    ),
    "export": ("transfer", "Export your data. Files are written whole or not at all."),
    "paths": ("admin", "Show where rave keeps its database and config, and why there."),
    "backup": (
        "admin",
        "A consistent copy of the database (safe while rave is in use), mode 0600.",
    ),
    "doctor": (
        "admin",
        "Check the store: integrity, foreign keys, schema version, journal, permissions and "
        "config. Exits 1 listing the problems when anything is wrong.",
    ),
    "sync": (
        "sync",
        "Send what you recorded here to your git remote and apply what your other machines "
        "recorded: one history everywhere.",
    ),
    "followup": ("log", "Close follow-ups (`rave followups` lists them)."),
    "team": (
        "team",
        "Set up a team hub on PostgreSQL and manage its members (run by the hub's admin; "
        "each statement is printed as it runs).",
    ),
}

# The examples that end each command's `--help` (and a sub-command's, as "group command"):
# the command line, and what it does. Every command has two or three.
EXAMPLES: dict[str, tuple[Example, ...]] = {
    "today": (
        ("rave today", "the daily list"),
        ("rave today --limit 3 --tier A", "the top three of your inner circle"),
        ("rave today --explain -c linkedin", "each score's terms, LinkedIn only"),
    ),
    "why": (
        ("rave why ana", "her score, term by term"),
        ("rave why ana --as-of 2w", "as it stood two weeks ago"),
    ),
    "snooze": (
        ("rave snooze ana 2w", "back in `today` in two weeks"),
        ('rave snooze "Bo Chen" friday', "until next Friday"),
    ),
    "unsnooze": (
        ("rave unsnooze ana", "back in `today` now"),
        ("rave unsnooze '#2' --json", "by id (quoted: # starts a shell comment)"),
    ),
    "demo": (
        ("rave demo", "the first thing to run"),
        ("rave demo --json", "the same, as JSON"),
    ),
    "digest": (
        ("rave digest --quiet-if-empty", "in cron: mail only when there is work"),
        ("rave digest --limit 3", "the top three suggestions only"),
        ("rave digest --json", "for scripts"),
    ),
    "log": (
        ('rave log ana -c linkedin -n "asked about the talk"', "you wrote to Ana"),
        ("rave log ana --in -c email -w yesterday", "she wrote to you"),
        'rave log ana bo -k engage -c irl --follow-up "send slides" --due friday',
    ),
    "post": (
        'rave post "Why small teams ship faster" --url https://example.com/p/1',
        ('rave post "Launch thread" -c twitter -w yesterday', "on X, yesterday"),
    ),
    "followups": (
        ("rave followups", "open ones, soonest due first"),
        ("rave followups --all --json", "done ones too, for scripts"),
    ),
    "add": (
        'rave add "Maya Patel" --tier B --email maya@example.com',
        'rave add "Leo Martin" -t A --handle linkedin=https://linkedin.com/in/leo',
        'rave add "Carla Duarte" --tag climate --met "PyCon 2026" --cadence 14',
    ),
    "edit": (
        ("rave edit ana --tier A --tag mentor", "closer, and tagged"),
        ('rave edit ana --company "" --untag old', "no company, one tag less"),
        ('rave edit bo --name "Bo Chen-Li" --alias Bobby', "a new name and a nickname"),
    ),
    "rm": (
        ('rave rm "Bo Chen"', "asks first"),
        ("rave rm '#2' --yes", "by id, without asking (scripts)"),
    ),
    "merge": (
        ('rave merge "Samuel Lee" "Sam Lee"', "asks; Sam Lee becomes an alias"),
        ('rave merge "Samuel Lee" "Sam Lee" --yes', "without asking (scripts)"),
    ),
    "dupes": (
        ("rave dupes", "who may be one person, and the merge to run"),
        ("rave dupes --all --json", "with the pairs marked apart, for scripts"),
    ),
    "apart": (
        ('rave apart "Samuel Lee" "Sam Lee"', "two people: dupes leaves them out"),
        ("rave apart '#3' '#4' --json", "by id, for scripts"),
        ("rave apart --forget '#3' '#4'", "take the mark back"),
    ),
    "list": (
        ("rave list --tier A --sort recent", "your inner circle, latest first"),
        ("rave list --search example --limit 5", "the first five who match"),
        ("rave list --tag old --json", "for scripts"),
    ),
    "show": (
        ("rave show ana", "profile, notes, timeline"),
        ("rave show '#2' --json", "by id, for scripts"),
    ),
    "note": (
        'rave note ana "Her daughter starts school in September"',
        ("rave note ana -", "type it (Ctrl-D ends), out of shell history"),
    ),
    "history": (
        ("rave history", "the last 20 entries, with their refs"),
        ("rave history ana --all", "everything about Ana"),
        ("rave history --type post --json", "your posts, for scripts"),
    ),
    "change": (
        ("rave change i1 -k engage -n 'asked for the deck'", "kind and note"),
        ("rave change i1 --contact ana --contact bo", "it was with both of them"),
        ("rave change f1 --due friday --open", "new due date, not done"),
    ),
    "delete": (
        ("rave delete i1 --yes", "an interaction, without asking"),
        ("rave delete i2 f1 --yes --json", "two at once, for scripts"),
    ),
    "undo": (
        ("rave undo --dry-run", "what the next undo would take back"),
        ("rave undo --yes", "take back the last command that wrote"),
        ("rave undo --yes --json", "the one before, for scripts"),
    ),
    "stats": (
        ("rave stats", "the last 12 weeks"),
        ("rave stats --by month --since 6m", "the last six months, by month"),
        ("rave stats --json", "for scripts"),
    ),
    "import": (
        ("rave import linkedin Connections.csv --dry-run", "what would change"),
        ("rave import maildir Mail --since 2w", "your recent mail"),
        ("rave import json - < rave.json", "from stdin"),
    ),
    "export": (
        ("rave export json -o rave.json", "everything, to a file (0600)"),
        ("rave export vcard -o contacts.vcf", "contacts for a phone"),
        ("rave export ics -o -", "calendar events, on stdout"),
    ),
    "paths": (
        ("rave paths", "the database and config in use, and why"),
        ("rave paths --json", "for scripts"),
    ),
    "backup": (
        ("rave backup", "next to the store"),
        ("rave backup rave-copy.db", "a copy of your own"),
        ("rave backup rave-copy.db --force", "replace that copy"),
    ),
    "doctor": (
        ("rave doctor", "exits 1 when something is wrong"),
        ("rave doctor --rebuild", "refold the ranking tallies first"),
        ("rave doctor --json", "for scripts and monitoring"),
    ),
    "sync": (
        ("rave sync --remote ../rave.git", "once: the bare repo your machines share"),
        ("rave sync", "send yours, apply theirs"),
        ("rave sync --pull --json", "only receive (a cron machine)"),
    ),
    "team setup": (
        ("rave team setup --dry-run --hub postgresql://admin@db/rave", "SQL only"),
        ("rave team setup --hub postgresql://admin@db/rave", "once"),
    ),
    "team add": (
        ("rave team add ana --hub postgresql://admin@db/rave", "her URL"),
        ("rave team add bo --no-password --hub postgresql://admin@db/rave", "certs"),
    ),
    "team remove": (
        ("rave team remove ana --dry-run --hub postgresql://admin@db/rave", "SQL"),
        ("rave team remove ana --hub postgresql://admin@db/rave", "out"),
    ),
    "team list": (
        ("rave team list --hub postgresql://admin@db/rave", "who"),
        ("rave team list --json --hub postgresql://admin@db/rave", "for scripts"),
    ),
    "followup done": (
        ("rave followup done 1", "ids from `rave followups`"),
        ("rave followup done 1 --json", "the closed follow-up, for scripts"),
    ),
}
