"""`rave import`: bring the network people already have into the store.

Every import is one write transaction (``store.writing``): the parser streams records,
each is matched against the store and applied by ``matcher.Matcher`` (which says how
people are matched), and a bad row anywhere stops the whole import with nothing written
(exit 65). ``--dry-run`` runs the same work and rolls back. rave's own JSON document is
read by ``json_import``. What arrives on stdin is copied to a private temporary file
first (the parsers read paths), and named ``<stdin>`` in messages and the report.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from rave import contact_tally, gid, normalize, safefile, timeutil
from rave.config import MeConfig
from rave.errors import BadInputError, RaveError
from rave.formats import ContactRecord, MessageRecord, ParseStats, Participant
from rave.formats._common import closes_conversation
from rave.services import capture, json_import
from rave.services.matcher import ImportReport, Matcher, Progress

#: Capture formats (``services.capture``): each a parser module and its reader.
CAPTURE_READERS = {
    "mbox": ("rave.formats.mail", "read_mbox"),
    "maildir": ("rave.formats.mail", "read_maildir"),
    "ics": ("rave.formats.calendar", "read_calendar"),
    "whatsapp": ("rave.formats.whatsapp", "read_chat"),
}
FORMATS = (
    "linkedin",
    "linkedin-messages",
    "vcard",
    "google",
    "outlook",
    "csv",
    "json",
    *CAPTURE_READERS,
)
FOLDER_FORMATS = ("maildir", "ics")
"""The formats that also read a folder (a Maildir; a vdir of ``.ics`` files)."""
DATED_FORMATS = ("linkedin-messages", *CAPTURE_READERS)
"""The formats whose records have a date: ``--since`` applies to them."""
STDIN = "<stdin>"
"""The name of an import read from stdin, in messages and in the report."""


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls back."""


def _contact_records(fmt: str, file: Path, stats: ParseStats) -> Iterator[ContactRecord]:
    if fmt == "linkedin":
        from rave.formats import linkedin

        return linkedin.read_connections(file, stats=stats)
    if fmt == "vcard":
        from rave.formats import vcard

        return vcard.read_vcards(file, stats=stats)
    if fmt == "google":
        from rave.formats import google

        return google.read_google(file, stats=stats)
    if fmt == "outlook":
        from rave.formats import outlook

        return outlook.read_outlook(file, stats=stats)
    from rave.formats import ravecsv

    return ravecsv.read_contacts(file, stats=stats)


def _capture(job: _Job, matcher: Matcher, file: Path, stats: ParseStats, now: datetime) -> None:
    import importlib

    module, name = CAPTURE_READERS[job.fmt]
    reader: capture.Reader = getattr(importlib.import_module(module), name)
    stats.progress = job.progress  # a reader that reads all first ticks as it reads
    records = reader(file, job.me, stats, now)
    options = capture.Options(me=job.me, since=job.since, create=job.create)
    capture.write(matcher, records, options, stats, job.progress)


def _since(
    messages: Iterator[MessageRecord], since: datetime, stats: ParseStats
) -> Iterator[MessageRecord]:
    for message in messages:
        if message.when < since:
            stats.skip(capture.BEFORE_SINCE)
        else:
            yield message


def _is_you(record: ContactRecord, me: MeConfig) -> bool:
    """A card of yourself: one of your emails or profile URLs, or your name with one of
    your phone numbers (a number alone is not enough: families and offices share them)."""
    if not me:
        return False
    if set(record.emails) & set(me.emails):
        return True
    profiles = {value for _, value in (*record.handles, *record.refs)}
    if profiles & set(me.profiles):
        return True
    names = {normalize.fold(n) for n in me.names}
    named = {normalize.fold(n) for n in (record.name, *record.aliases)}
    return bool(names & named and set(record.phones) & set(me.phones))


def _message_person(matcher: Matcher, person: Participant) -> int | None:
    """The contact of a message's participant, made when unknown (None: a person
    deleted here: not made again)."""
    found = matcher.find_person(person)
    if found is not None:
        if person.url:  # found by name: remember the profile for next time
            matcher.add_details(
                found,
                ContactRecord(
                    name=person.name or "",
                    handles=[("linkedin", person.url)],
                    refs=[("linkedin", person.url)],
                ),
            )
        return found
    slug = person.url.rstrip("/").rsplit("/", 1)[-1] if person.url else None
    record = ContactRecord(
        name=person.name or slug or "LinkedIn contact",
        handles=[("linkedin", person.url)] if person.url else [],
        refs=[("linkedin", person.url)] if person.url else [],
    )
    return matcher.create(record)


def _import_messages(
    matcher: Matcher, messages: Iterator[MessageRecord], now: datetime, progress: Progress
) -> None:
    conn = matcher.conn
    for count, message in enumerate(messages, 1):
        progress(count)
        if capture.imported_before(conn, message.external_key):
            matcher.report.already_present += 1
            continue
        found = (_message_person(matcher, p) for p in message.others)
        people = list(dict.fromkeys(p for p in found if p is not None))
        if not people:
            matcher.report.skipped += 1
            continue
        when = timeutil.to_db(message.when)
        cursor = conn.execute(
            """INSERT INTO interaction (kind, direction, channel, happened_at, note,
                   needs_reply, source, external_key, created_at, gid)
               VALUES ('chat', ?, 'linkedin', ?, ?, ?, 'linkedin-messages', ?, ?, ?)""",
            (
                message.direction,
                when,
                message.excerpt or None,
                # from the conversation, never from the clock: what they wrote asks for
                # an answer unless it only thanks; the fold settles what you answered
                int(message.direction == "in" and not closes_conversation(message.excerpt)),
                message.external_key,
                matcher.now,
                gid.first_free(conn, "interaction", [gid.interaction(message.external_key)]),
            ),
        )
        assert cursor.lastrowid is not None
        matcher.link(cursor.lastrowid, people)
        matcher.report.interactions_created += 1


@dataclass(frozen=True, slots=True)
class _Job:
    """What `rave import` was asked to do, whatever the file."""

    db_path: Path
    fmt: str
    dry_run: bool
    tier: str | None
    tags: tuple[str, ...]
    me: MeConfig
    progress: Progress
    since: datetime | None = None
    create: bool = False


def import_file(
    db_path: Path,
    fmt: str,
    source: Path | BinaryIO,
    *,
    dry_run: bool = False,
    tier: str | None = None,
    tags: Iterable[str] = (),
    me: MeConfig | None = None,
    progress: Progress | None = None,
    since: datetime | None = None,
    create: bool = False,
) -> ImportReport:
    """Import ``source`` in format ``fmt`` in one transaction (rolled back for a dry run).
    ``source`` is a file, or a stream such as stdin: that is read whole into a private
    temporary file first, and called ``<stdin>`` in messages and the report. ``me``
    (``[me]`` and ``--me``) is never made a contact: your own card is skipped and
    counted as "you", and it tells whose messages these are. ``since`` leaves out what
    happened before it (the dated formats, :data:`DATED_FORMATS`); ``create`` makes a
    contact of everyone a capture format meets (``services.capture``)."""
    me = me if me is not None else MeConfig()
    job = _Job(
        db_path,
        fmt,
        dry_run,
        tier,
        tuple(tags),
        me,
        progress or (lambda _count: None),
        since,
        create,
    )
    if isinstance(source, Path):
        return _run(job, source)
    with safefile.private_copy(source) as copy:
        try:
            report = _run(job, copy)
        except BadInputError as exc:
            renamed = BadInputError(STDIN, exc.line, exc.reason.replace(str(copy), STDIN))
            renamed.hint = exc.hint
            raise renamed from None
        except RaveError as exc:
            exc.message = exc.message.replace(str(copy), STDIN)
            raise
    report.file = STDIN
    report.warnings = [warning.replace(str(copy), STDIN) for warning in report.warnings]
    return report


def _run(job: _Job, file: Path) -> ImportReport:
    if job.dry_run and not job.db_path.exists():
        # a dry run on a store that does not exist yet must not create it
        import tempfile

        with tempfile.TemporaryDirectory(prefix="rave-dry-run-") as folder:
            scratch = Path(folder) / "rave.db"
            scratch.touch(mode=0o600)
            return _import(dataclasses.replace(job, db_path=scratch), file)
    existed = job.db_path.exists()
    try:
        return _import(job, file)
    except BaseException as exc:
        if not existed and _empty_store(job.db_path):  # a failed first import leaves no file
            for suffix in ("", "-wal", "-shm"):
                Path(f"{job.db_path}{suffix}").unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _unreadable(exc, file, job.db_path) from None
        raise


def _unreadable(exc: OSError, file: Path, db_path: Path) -> OSError | RaveError:
    """An error reading the import's input (a file that cannot be read, a folder of a
    Maildir that cannot be listed) as a message naming it, exit 1: the store's own
    errors are SQLite's, and any other OSError here is about the input."""
    where = Path(exc.filename) if exc.filename else file
    if where.parent == db_path.parent and where.name.startswith(db_path.name):
        return exc  # the store's file (its folder cannot be written): reported as such
    return RaveError(
        f"cannot read {where}: {exc.strerror or exc}",
        hint="check the file's permissions, or copy it somewhere readable first",
    )


def _empty_store(db_path: Path) -> bool:
    """True when the store holds nothing at all (another process may have written to a
    store created meanwhile: then it stays)."""
    if not db_path.exists():
        return True
    try:
        with sqlite3.connect(db_path, timeout=1) as conn:
            return not any(
                conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                for table in ("contact", "interaction", "post")
            )
    except sqlite3.Error:
        return False


def _import(job: _Job, file: Path) -> ImportReport:
    from rave import store

    fmt, tick = job.fmt, job.progress
    report = ImportReport(format=fmt, file=str(file), dry_run=job.dry_run)
    stats = ParseStats()
    now = timeutil.utcnow()
    try:
        with store.writing(job.db_path) as session:
            conn = store.raw(session)
            matcher = Matcher(
                conn, report, now=now, tier=job.tier, tags=job.tags, overwrite=fmt == "linkedin"
            )
            if fmt == "json":
                json_import.import_document(matcher, file, tick)
            elif fmt == "linkedin-messages":
                from rave.formats import linkedin_messages

                messages = linkedin_messages.read_messages(
                    file, me=job.me.profiles, names=job.me.names, stats=stats
                )
                if job.since is not None:
                    messages = _since(messages, job.since, stats)
                _import_messages(matcher, messages, now, tick)
            elif fmt in CAPTURE_READERS:
                _capture(job, matcher, file, stats, now)
            else:
                for count, record in enumerate(_contact_records(fmt, file, stats), 1):
                    tick(count)
                    if _is_you(record, job.me):
                        stats.skip("you")
                        continue
                    if matcher.apply(record, fmt) is None:
                        stats.skip("deleted here (rave rm)")
            report.skipped += stats.skipped_total
            report.skipped_reasons = dict(stats.skipped)
            report.encoding = stats.encoding
            report.warnings = [*stats.warnings, *report.warnings][:50]
            if job.dry_run:
                raise _DryRun
            contact_tally.rebuild(conn, matcher.linked)
    except _DryRun:
        pass
    return report
