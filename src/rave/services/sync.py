"""`rave sync`: one history on every machine, through a git remote (issue 18).

The remote (a bare repository: a path, or ``ssh://``/``user@host:path``) holds one file
per machine, ``ops/<device>.jsonl``: that machine's operations (``rave.oplog``), one JSON
object a line, in the order it made them. One writer per file, so git never has to merge
anything. A sync, in a working clone next to the store (``rave.db.sync/``):

1. fetch, and set the clone to the remote's state (``reset --hard``: what was pushed is
   the truth; a commit a killed sync left unpushed is made again below);
2. append this machine's operations the remote's copy of its file does not have yet,
   commit under rave's own name (no git configuration needed), push; a push refused
   because another machine pushed meanwhile is tried once more from step 1 (``--pull``
   skips this step);
3. apply, in one write transaction of the store, the lines of the other machines'
   files not applied yet, and remember per machine how many were (same transaction).

Every step can be interrupted (Ctrl-C, ``kill -9``, a lost network): the next sync
starts again from the remote's state, and applying is idempotent, so nothing is lost or
applied twice. One sync at a time per store (a lock file); a stale ``index.lock`` of a
killed git is removed under that lock.

Only `rave sync` imports this module: reading commands never touch the network.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rave import db, oplog, timeutil
from rave.errors import BadInputError, LockedError, RaveError, UsageError

BRANCH = "main"
_GIT_TIMEOUT = 600


@dataclass(frozen=True, slots=True)
class Synced:
    """What one `rave sync` did."""

    remote: str
    sent: int  # this machine's operations pushed
    received: int  # the other machines' operations read
    applied: int  # of those, new here
    conflicts: int  # conflicts recorded by this sync (`rave doctor` lists them all)
    pull_only: bool
    at: datetime


def clone_path(db_path: Path) -> Path:
    """The working clone of the remote, next to the store."""
    return db_path.with_name(db_path.name + ".sync")


def _where(remote: str) -> str:
    """What identifies a remote: a hub's URL without its password."""
    from rave.services import hub

    return hub.without_password(remote) if hub.is_hub(remote) else remote


def _remote_of(text: str) -> str:
    """The remote as remembered: a local path made absolute (the clone lives elsewhere)."""
    if not text.strip():
        raise UsageError("--remote needs a git URL or the path of a bare repository")
    from rave.services import hub

    if hub.is_hub(text):
        return hub.checked(text)
    if "://" in text or (":" in text.split("/", 1)[0] and not Path(text).exists()):
        return text  # ssh://host/path, user@host:path, file://...
    return str(Path(text).expanduser().resolve())


class _Git:
    """git in the clone, with rave's own identity, never asking on a terminal."""

    def __init__(self, where: Path, device: str) -> None:
        self.where = where
        self.env = {
            **os.environ,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "LC_ALL": "C",
        }
        self.identity = ["-c", "user.name=rave", "-c", f"user.email=rave@{device}.invalid"]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(
                ["git", *self.identity, "-c", "commit.gpgsign=false", *args],
                cwd=self.where,
                env=self.env,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=_GIT_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise RaveError(
                "git is not installed: `rave sync` needs it",
                hint="install git (apt install git, brew install git)",
            ) from None
        except subprocess.TimeoutExpired:
            raise RaveError(f"git {args[0]} took longer than {_GIT_TIMEOUT} s; stopped") from None
        if check and done.returncode != 0:
            raise _failed(args[0], done.stderr)
        return done


def _failed(what: str, stderr: str) -> RaveError:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    said = lines[-1].removeprefix("fatal: ").strip() if lines else "no message"
    return RaveError(
        f"git {what} failed: {said}",
        hint="check the remote (`rave sync --remote URL`) and the network; nothing was lost: "
        "run `rave sync` again",
    )


@contextlib.contextmanager
def locked(clone: Path) -> Iterator[None]:
    lock = clone.with_name(clone.name + ".lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                "another `rave sync` is running for this store", hint="try again in a moment"
            ) from None
        yield
    finally:
        os.close(fd)


def _state(conn: sqlite3.Connection) -> tuple[str | None, str | None]:
    row = conn.execute("SELECT remote, last_sync FROM sync_state").fetchone()
    return (None, None) if row is None else (row[0], row[1])


def last_sync(conn: sqlite3.Connection) -> datetime | None:
    """When this store last applied a sync (None: never). Plain SQL: `rave digest` has
    its own copy of this query and never imports this module."""
    _, at = _state(conn)
    return None if at is None else timeutil.from_db(at)


def write(
    path: Path,
    sql: str,
    args: tuple[object, ...],
    *,
    first: Callable[[sqlite3.Connection], object] | None = None,
) -> None:
    """One statement in a write transaction of the store (after ``first``, in it)."""
    conn = db.connect(path, create=True)
    try:
        conn.execute("BEGIN IMMEDIATE")
        if first is not None:
            first(conn)
        conn.execute(sql, args)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise db.translate(exc, path) from None
    finally:
        conn.close()


def _lines(path: Path) -> list[str]:
    """The complete lines of a file (a last line without its newline, which only a
    killed writer leaves, is not one)."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    return lines[:-1]


def _prepare(git: _Git, clone: Path, remote: str) -> bool:
    """Make the clone the remote's state; whether the remote has any history."""
    if not (clone / ".git").exists():
        clone.mkdir(mode=0o700, parents=True, exist_ok=True)
        git.run("init", "-q")
        git.run("symbolic-ref", "HEAD", f"refs/heads/{BRANCH}")
    (clone / ".git" / "index.lock").unlink(missing_ok=True)  # a killed git's; we hold the lock
    if git.run("remote", "get-url", "origin", check=False).returncode != 0:
        git.run("remote", "add", "origin", remote)
    else:
        git.run("remote", "set-url", "origin", remote)
    git.run("fetch", "-q", "origin")
    has = git.run("rev-parse", "-q", "--verify", f"refs/remotes/origin/{BRANCH}", check=False)
    if has.returncode == 0:
        git.run("reset", "-q", "--hard", f"origin/{BRANCH}")
    elif git.run("rev-parse", "-q", "--verify", "HEAD", check=False).returncode == 0:
        # an empty remote, and a commit a failed first push left here: start afresh
        git.run("update-ref", "-d", f"refs/heads/{BRANCH}")
        git.run("rm", "-r", "-q", "--cached", "--ignore-unmatch", ".")
        shutil.rmtree(clone / "ops", ignore_errors=True)
    git.run("clean", "-q", "-f", "-d")
    return has.returncode == 0


def _own_ops(conn: sqlite3.Connection, device: str, pushed: list[str]) -> list[oplog.Op]:
    """This machine's operations the remote's file (``pushed``: its lines) lacks."""
    mine = conn.execute("SELECT COUNT(*) FROM op WHERE device = ?", (device,)).fetchone()[0]
    if pushed and len(pushed) <= mine:
        nth = conn.execute(
            "SELECT id FROM op WHERE device = ? ORDER BY seq LIMIT 1 OFFSET ?",
            (device, len(pushed) - 1),
        ).fetchone()
        if nth is not None and oplog.from_json(pushed[-1]).id == nth[0]:
            return oplog.ops_of(conn, device, len(pushed))
    if not pushed:
        return oplog.ops_of(conn, device)
    # the store and the remote disagree (a store restored from a backup): by id
    known = {oplog.from_json(line).id for line in pushed}
    return [op for op in oplog.ops_of(conn, device) if op.id not in known]


def _push(git: _Git, db_path: Path, device: str, name: str) -> int:
    """Append this machine's new operations to its file, commit and push; how many."""
    own = git.where / "ops" / f"{device}.jsonl"
    pushed = _lines(own)
    conn = db.connect(db_path, create=True)
    try:
        if (
            pushed
            and len(pushed)
            > conn.execute("SELECT COUNT(*) FROM op WHERE device = ?", (device,)).fetchone()[0]
        ):
            # operations of this device the store lost (restored from a backup): back
            _apply(conn, db_path, {device: pushed}, own=True)
        new = _own_ops(conn, device, pushed)
        top = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM op WHERE device = ?", (device,)
        ).fetchone()[0]
    finally:
        conn.close()
    if not new:
        return 0
    own.parent.mkdir(exist_ok=True)
    with own.open("a", encoding="utf-8") as handle:
        handle.write("".join(oplog.to_json(op) + "\n" for op in new))
    git.run("add", str(own.relative_to(git.where)))
    git.run("commit", "-q", "-m", f"rave: {len(new)} operations from {name}")
    pushed_ok = git.run("push", "-q", "origin", f"HEAD:refs/heads/{BRANCH}", check=False)
    if pushed_ok.returncode != 0:
        raise _Rejected(pushed_ok.stderr)
    write(db_path, "UPDATE replica SET sent = max(sent, ?)", (top,))
    return len(new)


class _Rejected(Exception):
    """The push was refused (another machine pushed first, or the network is gone)."""


def _apply(
    conn: sqlite3.Connection, db_path: Path, files: dict[str, list[str]], *, own: bool = False
) -> tuple[int, int, int]:
    """Apply the lines of ``files`` (device → lines) not applied yet, in one write
    transaction; (received, new, conflicts recorded)."""

    def read() -> list[oplog.Op]:
        done = dict(conn.execute("SELECT device, applied FROM sync_peer").fetchall())
        ops: list[oplog.Op] = []
        for device, lines in sorted(files.items()):
            start = 0 if own or done.get(device, 0) > len(lines) else done.get(device, 0)
            for number, line in enumerate(lines[start:], start + 1):
                try:
                    op = oplog.from_json(line)
                except oplog.BadOp as exc:
                    raise _bad(device, number, str(exc)) from None
                if op.device != device:
                    raise _bad(device, number, f"an operation of another device ({op.device})")
                ops.append(op)
        if not own:
            conn.executemany(
                "INSERT INTO sync_peer (device, applied) VALUES (?, ?)"
                " ON CONFLICT (device) DO UPDATE SET applied = excluded.applied",
                [(device, len(lines)) for device, lines in files.items()],
            )
        return ops

    return apply_in_one(conn, db_path, read, synced=not own)


def apply_in_one(
    conn: sqlite3.Connection,
    db_path: Path,
    read: Callable[[], list[oplog.Op]],
    *,
    synced: bool = True,
) -> tuple[int, int, int]:
    """In one write transaction: ``read`` the operations to apply (it may write where the
    remote was read up to: the same transaction), apply them and (``synced``) note the
    time of this sync; (received, new, conflicts recorded)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        before = conn.execute("SELECT COUNT(*) FROM sync_conflict").fetchone()[0]
        ops = read()
        applied = oplog.apply(conn, ops)
        after = conn.execute("SELECT COUNT(*) FROM sync_conflict").fetchone()[0]
        if synced:
            conn.execute(
                "INSERT INTO sync_state (id, last_sync) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET last_sync = excluded.last_sync",
                (timeutil.to_db(timeutil.utcnow()),),
            )
        conn.execute("COMMIT")
        return applied.received, applied.new, after - before
    except sqlite3.Error as exc:
        raise db.translate(exc, db_path) from None
    finally:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")


def _bad(device: str, number: int, reason: str) -> BadInputError:
    error = BadInputError(f"the remote's ops/{device}.jsonl", number, reason)
    error.hint = (
        "nothing was applied; a machine with a newer rave wrote it: upgrade rave on every "
        "machine together"
    )
    return error


def sync(db_path: Path, *, remote: str | None = None, pull_only: bool = False) -> Synced:
    """One sync of the store at ``db_path`` with its remote (``remote``: remember this
    one first)."""
    conn = db.connect(db_path, create=True)
    try:
        device, name = oplog.replica(conn)
        known, _ = _state(conn)
    finally:
        conn.close()
    if remote is not None:
        given = _remote_of(remote)
        if known is None or _where(given) != _where(known):
            # another remote: its own cursors (a store stays one member's); the first one
            # makes the store record operations, from a snapshot of its history
            write(
                db_path,
                "INSERT INTO sync_state (id, remote) VALUES (1, ?) ON CONFLICT (id) DO UPDATE"
                " SET remote = excluded.remote, hub_seq = 0, hub_sent = 0",
                (given,),
                first=oplog.start_syncing,
            )
        elif given != known:  # the same, written otherwise (a password added or left out)
            write(db_path, "UPDATE sync_state SET remote = ?", (given,))
        known = given
    if known is None:
        raise UsageError(
            "no remote to sync with yet",
            hint="give it once: rave sync --remote /path/to/rave.git (a bare git repository; "
            "make one with `git init --bare`) or --remote user@host:rave.git; a team hub: "
            "--remote postgresql://you@host/db",
        )
    from rave.services import hub

    if hub.is_hub(known):
        return hub.sync(db_path, known, device=device, pull_only=pull_only)
    clone = clone_path(db_path)
    git = _Git(clone, device)
    sent = 0
    with locked(clone):
        for attempt in range(2):
            _prepare(git, clone, known)
            if pull_only:
                break
            try:
                sent = _push(git, db_path, device, name)
                break
            except _Rejected as exc:
                if attempt == 1:
                    raise _failed("push", str(exc)) from None
        files = {
            path.stem: _lines(path)
            for path in sorted((clone / "ops").glob("*.jsonl"))
            if path.stem != device
        }
        conn = db.connect(db_path, create=True)
        try:
            received, applied, conflicts = _apply(conn, db_path, files)
            at = last_sync(conn)
        finally:
            conn.close()
    return Synced(known, sent, received, applied, conflicts, pull_only, at or timeutil.utcnow())
