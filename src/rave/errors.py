"""Typed errors. Each carries the exit code from spec/cli.md; the CLI turns them into
one-line messages in one place (cli/__init__.py)."""

from __future__ import annotations


class RaveError(Exception):
    """An error the user can fix. Exit 1 unless a subclass says otherwise."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(RaveError):
    """A bad value for an option or argument (an unparseable date, an unknown tier)."""

    exit_code = 2


class NotFoundError(RaveError):
    """A contact or follow-up that does not exist."""

    exit_code = 3


class AmbiguousError(RaveError):
    """A contact reference that matches several people; the candidates are listed."""

    exit_code = 4

    def __init__(self, ref: str, candidates: list[tuple[int, str]]) -> None:
        listed = "\n".join(f"  #{cid}  {name}" for cid, name in candidates)
        super().__init__(
            f"{ref!r} matches {len(candidates)} contacts:\n{listed}",
            hint="use the full name or #ID",
        )
        self.ref = ref
        self.candidates = candidates


class BadInputError(RaveError):
    """Bad data in an input file; nothing was written."""

    exit_code = 65

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {reason}", hint="nothing was written")
        self.file = file
        self.line = line
        self.reason = reason


class LockedError(RaveError):
    """The database stayed locked past the busy timeout."""

    exit_code = 75


class StoreError(RaveError):
    """The store cannot be used as asked (newer schema, read-only, disk full)."""


class StoreMissing(StoreError):
    """No store where the paths point. A write creates it; a read refuses, so that a typo
    in ``RAVE_HOME`` is never mistaken for a quiet day (an empty digest, an empty export
    replacing a good one)."""

    def __init__(self, path: object, *, hint: str | None = None) -> None:
        super().__init__(f"no store at {path} (see `rave paths`)", hint=hint)
        self.path = path


class Interrupted(RaveError):
    """Interrupted (Ctrl-C, also at a prompt); nothing half-written remains."""

    exit_code = 130


class ConfigError(RaveError):
    """A bad value in config.toml."""


class ConfigNotice(UserWarning):
    """Not an error: a config key read under its new name (shown once on stderr)."""
