"""The one way rave writes a file the user named: backups and exports.

Nothing is ever written at a name someone else could guess and plant first. The new
content is written inside a private folder (mode 0700, a random name made by
``tempfile.mkdtemp``, which fails rather than reuse anything already there) created in
the target's own folder, as a file created exclusively (``O_CREAT | O_EXCL |
O_NOFOLLOW``) with mode 0600 from the start; SQLite, which opens files by name, writes
its copy and its journal there too. The finished file is flushed to disk, renamed over
the target and the folder's entry synced; the private folder is removed whatever
happens (an error, a full disk, Ctrl-C), so a failure leaves the old file as it was and
nothing behind.

The target itself is never written through: a target that is a symbolic link (even a
dangling one) is refused, as is anything that is not a regular file (a folder, a FIFO,
a device such as ``/dev/stdout``).

The same care makes the one file rave writes that nobody named: :func:`private_copy`
keeps what arrives on stdin (``rave import vcard -``) in a new private folder of the
temporary directory, for the parsers that read paths, and removes it afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from rave.db import disk_full, file_kind
from rave.errors import RaveError, StoreError

FILE_MODE = 0o600
_CREATE = os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def prepare(target: Path, *, replace: bool) -> Path:
    """``target`` as an absolute path, once it is known to be a place rave may write:
    no link, nothing but a regular file, an existing file only when ``replace``, in a
    folder that exists."""
    target = target.absolute()
    try:
        found = target.lstat()
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise StoreError(f"cannot use {target}: {exc.strerror or exc}") from None
    if found is not None:
        if stat.S_ISLNK(found.st_mode):
            raise RaveError(
                f"{target} is a symbolic link; rave does not write through links",
                hint="give the path of the file itself, or remove the link",
            )
        if not stat.S_ISREG(found.st_mode):
            raise RaveError(
                f"{target} is a {file_kind(found.st_mode)}, not a file rave can replace"
            )
        if not replace:
            raise RaveError(f"{target} already exists", hint="choose another path or pass --force")
    if not target.parent.is_dir():
        raise StoreError(f"no such folder: {target.parent}")
    return target


def _folder_error(exc: OSError, folder: Path) -> RaveError:
    if exc.errno == errno.ENOENT:
        return StoreError(f"no such folder: {folder}")
    if exc.errno == errno.ENOSPC:
        return disk_full(folder)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StoreError(
            f"cannot write in {folder}: {exc.strerror or 'permission denied'}",
            hint="choose a folder you can write to",
        )
    return StoreError(f"cannot write in {folder}: {exc.strerror or exc}")


def create(path: Path) -> int:
    """A new empty file at ``path``, created exclusively with mode 0600 and never through
    a link; its descriptor, open for writing."""
    return os.open(path, _CREATE | os.O_WRONLY, FILE_MODE)


@contextlib.contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A path in a new private folder next to ``target``: what the block writes there
    replaces ``target`` (made 0600 and synced) when the block succeeds; the folder goes
    away in every case. ``target`` comes from :func:`prepare`."""
    folder = target.parent
    try:
        private = Path(tempfile.mkdtemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=folder))
    except OSError as exc:
        raise _folder_error(exc, folder) from None
    try:
        made = private.lstat()
        staging = private / "new"
        yield staging
        _commit(staging, target, made)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _commit(staging: Path, target: Path, made: os.stat_result) -> None:
    try:
        fd = os.open(staging, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise StoreError(f"the copy for {target} was not written as a file")
            os.fchmod(fd, FILE_MODE)
            os.fsync(fd)
        finally:
            os.close(fd)
        now = staging.parent.lstat()  # still the folder made for this write, not a swap
        if (now.st_dev, now.st_ino) != (made.st_dev, made.st_ino):
            raise StoreError(f"the temporary folder for {target} was changed by someone else")
        staging.replace(target)
    except OSError as exc:
        raise _folder_error(exc, target.parent) from None
    with contextlib.suppress(OSError):  # the rename itself reaches the disk
        dir_fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def text_file(target: Path) -> Iterator[TextIO]:
    """A UTF-8 text stream whose content replaces ``target`` when the block succeeds."""
    with staged(target) as staging:
        try:
            fd = create(staging)
        except OSError as exc:
            raise _folder_error(exc, target.parent) from None
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()


@contextlib.contextmanager
def private_folder(prefix: str) -> Iterator[Path]:
    """A new 0700 folder of the temporary directory, removed when the block ends,
    whatever happens."""
    temporary = Path(tempfile.gettempdir())
    try:
        private = Path(tempfile.mkdtemp(prefix=prefix))
    except OSError as exc:
        raise _folder_error(exc, temporary) from None
    try:
        yield private
    finally:
        shutil.rmtree(private, ignore_errors=True)


@contextlib.contextmanager
def private_copy(stream: BinaryIO) -> Iterator[Path]:
    """The path of a private copy of everything ``stream`` holds (stdin): a 0600 file,
    created exclusively, in a new private folder (``private_folder``)."""
    with private_folder("rave-stdin-") as private:
        copy = private / "stdin"
        try:
            with os.fdopen(create(copy), "wb") as out:
                shutil.copyfileobj(stream, out)
        except OSError as exc:
            raise _folder_error(exc, private) from None
        yield copy
