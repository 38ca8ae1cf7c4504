"""Settings: where the files are, and the ``[rank]``, ``[balance]``, ``[me]`` and
``[phone]`` sections of ``config.toml``.

Path precedence, highest first: ``--db PATH``, ``RAVE_DB``, ``RAVE_HOME`` (a folder with
both ``rave.db`` and ``config.toml``), then platformdirs (``appauthor=False``).
``RAVE_CONFIG`` names the config file alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from rave.errors import ConfigError, ConfigNotice

APP = "rave"
TIERS = ("A", "B", "C", "D")
ALL_TIERS = (*TIERS, "none")


class Paths(NamedTuple):
    db: Path
    db_source: str
    config: Path
    config_source: str


def _platform_data_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP, appauthor=False)


def _platform_config_dir() -> Path:
    import platformdirs

    return platformdirs.user_config_path(APP, appauthor=False)


def _located(
    env: dict[str, str], variable: str, name: str, platform_dir: Callable[[], Path]
) -> tuple[Path, str]:
    """A file and where its place came from: the environment ``variable``, else ``name``
    in ``RAVE_HOME``, else ``name`` in the platform's folder."""
    if env.get(variable):
        return Path(env[variable]), variable
    if env.get("RAVE_HOME"):
        return Path(env["RAVE_HOME"]) / name, "RAVE_HOME"
    return platform_dir() / name, "default"


def resolve_paths(db_flag: Path | None = None, env: dict[str, str] | None = None) -> Paths:
    """The database and config locations, with where each came from."""
    env = dict(os.environ) if env is None else env
    if db_flag is not None:
        db, db_source = db_flag, "--db"
    else:
        db, db_source = _located(env, "RAVE_DB", "rave.db", _platform_data_dir)
    config, config_source = _located(env, "RAVE_CONFIG", "config.toml", _platform_config_dir)
    return Paths(
        db=db.expanduser().absolute(),
        db_source=db_source,
        config=config.expanduser().absolute(),
        config_source=config_source,
    )


# --- [rank] -----------------------------------------------------------------------------


def _coefficients() -> dict[str, float]:
    return {
        "reply": 15.0,
        "due": 12.0,
        "tier": 6.0,
        "debt": 10.0,
        "mix": 4.0,
        "their_post": 2.0,
        "new": 2.0,
        "unanswered": -4.0,
        "recent_out": -6.0,
    }


def _cadence() -> dict[str, float]:
    return {"A": 7.0, "B": 30.0, "C": 90.0, "D": 180.0}


def _tier_weight() -> dict[str, float]:
    return {"A": 1.0, "B": 0.65, "C": 0.3, "D": 0.0}


@dataclass(frozen=True)
class RankConfig:
    """Every coefficient, cadence, threshold and limit of spec/scoring.md (version 2)."""

    coefficients: dict[str, float] = field(default_factory=_coefficients)
    cadence: dict[str, float] = field(default_factory=_cadence)
    tier_weight: dict[str, float] = field(default_factory=_tier_weight)
    threshold: float = 8.0  # the outreach lane's minimum score
    limit: int = 5  # outreach rows: messages you mean to send today
    intro_per_day: int = 1  # first messages to never-contacted people, per calendar day
    light_per_day: int = 2  # light touches (comment on their post), apart from `limit`
    due_start: float = 1.25  # `due` starts at r = due_start (r: time since / cadence)
    backoff_unanswered: int = 2  # unanswered messages that start the back-off
    backoff_base: float = 3.0  # back-off lasts cadence · backoff_base^(unanswered − 1)
    dormant_unanswered: int = 4  # dormant from this many unanswered messages on
    reply_horizon_days: float = 30.0  # older pending messages become `reply_late`
    post_window_days: float = 3.0  # their post counts (their_post, light touches) so long
    debt_start: float = 0.5  # the debt measure of a favour just received...
    debt_days: float = 14.0  # ...rising by 1 over so many days...
    debt_each: float = 0.25  # ...plus this for each further favour owed
    new_days: float = 60.0
    new_max_inbound: int = 3
    rekindle_ratio: float = 8.0
    offline_min_days: float = 90.0


_TABLES = ("coefficients", "cadence", "tier_weight")
_INT_KEYS = {
    "limit",
    "intro_per_day",
    "light_per_day",
    "backoff_unanswered",
    "dormant_unanswered",
    "new_max_inbound",
}
_POSITIVE = {"due_start", "reply_horizon_days", "debt_days", "backoff_base"}
# The largest value each number may take: past these the model means nothing, and huge
# numbers (1e308) would only fail later as a date out of range or an infinite score.
MAX_DAYS = 3650  # ten years: a cadence, a horizon, a window
MAX_COEFFICIENT = 1000  # a coefficient lies within -MAX_COEFFICIENT..MAX_COEFFICIENT
_MAXIMA: dict[str, float] = {
    "threshold": 100_000,
    "limit": 1000,
    "intro_per_day": 1000,
    "light_per_day": 1000,
    "due_start": 100,
    "backoff_unanswered": 100,
    "backoff_base": 100,
    "dormant_unanswered": 100,
    "reply_horizon_days": MAX_DAYS,
    "post_window_days": MAX_DAYS,
    "debt_start": 100,
    "debt_days": MAX_DAYS,
    "debt_each": 100,
    "new_days": MAX_DAYS,
    "new_max_inbound": 10_000,
    "rekindle_ratio": 1000,
    "offline_min_days": MAX_DAYS,
}
# names of version 1, still read, each with a one-line notice naming the new key
RENAMED = {
    "backoff_streak": "backoff_unanswered",
    "dormant_streak": "dormant_unanswered",
    "coefficients.streak": "coefficients.unanswered",
}


def _number(key: str, value: Any, *, integer: bool = False, section: str = "rank") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"config [{section}] {key}: expected a number, got {value!r}")
    if integer and not isinstance(value, int):
        raise ConfigError(f"config [{section}] {key}: expected a whole number, got {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"config [{section}] {key}: expected a finite number, got {value!r}")
    return value


def _renamed(old: str) -> str:
    """The new name of a version-1 key, with a notice (a ConfigNotice warning)."""
    import warnings

    new = RENAMED[old]
    warnings.warn(
        ConfigNotice(f"config [rank] {old} is now called {new}; read as {new}"), stacklevel=3
    )
    return new


def rank_from_table(table: dict[str, Any]) -> RankConfig:
    """Build a RankConfig from a parsed ``[rank]`` table; unknown keys and bad values are
    a ConfigError naming the key. Version-1 names (``RENAMED``) are read under their new
    name, with a ``ConfigNotice`` warning."""
    base = RankConfig()
    changes: dict[str, Any] = {}
    scalar_names = {f.name for f in fields(RankConfig)} - set(_TABLES)
    for key, value in table.items():
        if key in RENAMED:
            key = _renamed(key)
            if key in table:
                raise ConfigError(f"config [rank]: both {key} and its old name are set")
        if key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"config [rank] {key}: expected a table ([rank.{key}])")
            defaults: dict[str, float] = getattr(base, key)
            merged = dict(defaults)
            for sub, sub_value in value.items():
                if f"{key}.{sub}" in RENAMED:
                    sub = _renamed(f"{key}.{sub}").split(".", 1)[1]
                    if sub in value:
                        raise ConfigError(
                            f"config [rank.{key}]: both {sub} and its old name are set"
                        )
                if sub not in defaults:
                    known = ", ".join(defaults)
                    raise ConfigError(f"config [rank.{key}] {sub}: unknown key (known: {known})")
                number = float(_number(f"{key}.{sub}", sub_value))
                if key == "cadence" and not 0 < number <= MAX_DAYS:
                    raise ConfigError(
                        f"config [rank.cadence] {sub}: must be more than 0 and at most "
                        f"{MAX_DAYS} days (got {sub_value!r})"
                    )
                if key == "coefficients" and abs(number) > MAX_COEFFICIENT:
                    raise ConfigError(
                        f"config [rank.coefficients] {sub}: must be within "
                        f"-{MAX_COEFFICIENT}..{MAX_COEFFICIENT} (got {sub_value!r})"
                    )
                if key == "tier_weight" and not 0 <= number <= 1:
                    raise ConfigError(f"config [rank.tier_weight] {sub}: must be within 0..1")
                merged[sub] = number
            changes[key] = merged
        elif key in scalar_names:
            integer = key in _INT_KEYS
            number = _number(key, value, integer=integer)
            if number < 0:
                raise ConfigError(f"config [rank] {key}: must not be negative")
            if key in _POSITIVE and number <= 0:
                raise ConfigError(f"config [rank] {key}: must be more than 0")
            most = _MAXIMA.get(key, MAX_DAYS)
            if number > most:
                raise ConfigError(f"config [rank] {key}: must be at most {most:g} (got {value!r})")
            changes[key] = int(number) if integer else float(number)
        else:
            raise ConfigError(f"config [rank] {key}: unknown key")
    config = replace(base, **changes)
    if config.backoff_unanswered < 1:
        raise ConfigError("config [rank] backoff_unanswered: must be at least 1")
    if config.backoff_base < 1:
        raise ConfigError("config [rank] backoff_base: must be at least 1")
    if config.dormant_unanswered < config.backoff_unanswered:
        raise ConfigError(
            "config [rank] dormant_unanswered: must be at least backoff_unanswered "
            f"({config.backoff_unanswered})"
        )
    return config


SECTIONS = ("rank", "balance", "me", "phone")


def load_config(path: Path) -> dict[str, Any]:
    """The parsed config file, ``{}`` when it does not exist (or is ``os.devnull``).
    Something other than a regular file (a folder, a FIFO that would block forever) and
    a section or top-level key rave does not know are a ConfigError, like an unknown key
    inside a section."""
    if str(path) == os.devnull:
        return {}
    import stat

    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; its type is checked
        # on the open file, so nothing can be swapped in between
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (FileNotFoundError, NotADirectoryError):
        # nothing there (RAVE_HOME naming a file: the store's check says so)
        return {}
    except OSError as exc:
        raise ConfigError(f"config {path}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise ConfigError(f"config {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = (
            "a folder"
            if stat.S_ISDIR(mode)
            else "a named pipe (FIFO)"
            if stat.S_ISFIFO(mode)
            else "not a regular file"
        )
        raise ConfigError(
            f"config {path}: {what}; the config must be a TOML file",
            hint="point RAVE_CONFIG (or RAVE_HOME) at a regular file",
        )
    handle = os.fdopen(fd, "rb")
    import tomllib  # only when there is a file to parse

    try:
        with handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path}: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {path}: not UTF-8 text (save it as UTF-8)") from None
    except OSError as exc:
        raise ConfigError(f"config {path}: {exc.strerror}") from None
    known = ", ".join(f"[{s}]" for s in SECTIONS)
    for name, value in data.items():
        if name in SECTIONS:
            continue
        if isinstance(value, dict):
            raise ConfigError(f"config {path}: unknown section [{name}] (known: {known})")
        raise ConfigError(
            f"config {path}: {name}: unknown key outside a section (sections: {known})"
        )
    return data


def _section(path: Path, data: dict[str, Any], name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"config {path}: [{name}] must be a table")
    return table


def load_rank(path: Path) -> RankConfig:
    return rank_from_table(_section(path, load_config(path), "rank"))


# --- [balance] ----------------------------------------------------------------------------

BALANCE_KINDS = ("broadcast", "chat", "engage")


@dataclass(frozen=True)
class BalanceConfig:
    """The target mix of your own activity (shares of broadcast, chat and engage, adding
    up to 1) and how often you mean to post (``rave stats``, the broadcast nudge)."""

    broadcast: float = 0.20
    chat: float = 0.40
    engage: float = 0.40
    post_every: float = 7.0  # days without a post before `today` suggests one

    @property
    def target(self) -> dict[str, float]:
        return {kind: float(getattr(self, kind)) for kind in BALANCE_KINDS}


def balance_from_table(table: dict[str, Any]) -> BalanceConfig:
    """Build a BalanceConfig from a parsed ``[balance]`` table; unknown keys and bad
    values are a ConfigError naming the key."""
    changes: dict[str, float] = {}
    for key, value in table.items():
        if key not in (*BALANCE_KINDS, "post_every"):
            known = ", ".join((*BALANCE_KINDS, "post_every"))
            raise ConfigError(f"config [balance] {key}: unknown key (known: {known})")
        number = float(_number(key, value, section="balance"))
        if key == "post_every" and not 0 < number <= MAX_DAYS:
            raise ConfigError(
                f"config [balance] post_every: must be more than 0 and at most {MAX_DAYS} days"
            )
        if key in BALANCE_KINDS and not 0 <= number <= 1:
            raise ConfigError(f"config [balance] {key}: must be a share within 0..1")
        changes[key] = number
    config = replace(BalanceConfig(), **changes)
    total = sum(config.target.values())
    if abs(total - 1.0) > 0.01:
        named = [k for k in BALANCE_KINDS if k in changes] or list(BALANCE_KINDS)
        raise ConfigError(
            f"config [balance] {', '.join(named)}: broadcast + chat + engage must add up "
            f"to 1 (they add up to {total:g})"
        )
    return config


def load_balance(path: Path) -> BalanceConfig:
    return balance_from_table(_section(path, load_config(path), "balance"))


def load_settings(path: Path) -> tuple[RankConfig, BalanceConfig]:
    """Both sections from one read of the file."""
    data = load_config(path)
    return (
        rank_from_table(_section(path, data, "rank")),
        balance_from_table(_section(path, data, "balance")),
    )


# --- [me] ---------------------------------------------------------------------------------

ME_KEYS = ("names", "emails", "profiles", "phones")
MAX_ME_VALUES = 20  # per key: a person has a few names, addresses and numbers, not hundreds


@dataclass(frozen=True)
class MeConfig:
    """Who you are, so that imports never take you for a contact: the names you write
    under, your email addresses, profile URLs and phone numbers, each in its normal form
    (``normalize``: emails lower-case, profile URLs like ``https://linkedin.com/in/ana``,
    phones as ``+4420...``; names as written, matched folded)."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any((self.names, self.emails, self.profiles, self.phones))

    def merged(self, other: MeConfig) -> MeConfig:
        """Both, without repeats (``--me`` adds to ``[me]``)."""
        return MeConfig(
            *(tuple(dict.fromkeys((*getattr(self, key), *getattr(other, key)))) for key in ME_KEYS)
        )


def _me_value(key: str, value: str) -> str:
    """One ``[me]`` value in its normal form; a UsageError when it cannot be one."""
    from rave import normalize
    from rave.errors import UsageError
    from rave.formats import MAX_HANDLE_CHARS

    if key == "names":
        return normalize.clean_name(value)  # at most 200 characters
    if len(value) > MAX_HANDLE_CHARS:  # as long as any imported email, phone or URL
        raise UsageError(f"{value[:40]!r}… is longer than {MAX_HANDLE_CHARS} characters")
    if key == "profiles":
        from rave.formats.linkedin_messages import profile_url

        if not normalize.clean_text(value):
            raise UsageError("a profile URL cannot be empty")
        return profile_url(value)
    return normalize.normalize_handle("email" if key == "emails" else "phone", value)


def me_from_table(table: dict[str, Any]) -> MeConfig:
    """Build a MeConfig from a parsed ``[me]`` table: each key a string or a list of
    strings. Unknown keys and bad values are a ConfigError naming the key."""
    from rave.errors import UsageError

    changes: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        if key not in ME_KEYS:
            raise ConfigError(f"config [me] {key}: unknown key (known: {', '.join(ME_KEYS)})")
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(
                f"config [me] {key}: expected a list of strings, got {value!r}",
                hint=f'for example {key} = ["..."]',
            )
        if len(values) > MAX_ME_VALUES:
            raise ConfigError(f"config [me] {key}: at most {MAX_ME_VALUES} values")
        normal = []
        for item in values:
            try:
                normal.append(_me_value(key, item))
            except UsageError as exc:
                raise ConfigError(f"config [me] {key}: {exc.message}") from None
        changes[key] = tuple(dict.fromkeys(normal))
    return MeConfig(**changes)


_PHONEISH = re.compile(r"\+?[\d\s().-]{6,}")


def me_from_options(values: Iterable[str]) -> MeConfig:
    """``--me WHO`` values, each told apart by its shape: an email (``ana@example.com``),
    a profile URL (``https://www.linkedin.com/in/ana-lima``), a phone number
    (``+44 20 7946 0000``), a name with spaces (``Ana Lima``), or one word, taken both
    as a public profile name (``ana-lima`` → its LinkedIn URL) and as a name. A value
    that cannot be what its shape says is a UsageError (exit 2)."""
    from rave.errors import UsageError

    found: dict[str, list[str]] = {key: [] for key in ME_KEYS}
    for raw in values:
        text = " ".join(raw.split())
        if not text:
            raise UsageError("--me: expected your name, email or profile URL")
        try:
            if "@" in text[1:] and "/" not in text:
                found["emails"].append(_me_value("emails", text))
            elif "/" in text or text.lower().startswith(("http:", "https:")):
                found["profiles"].append(_me_value("profiles", text))
            elif _PHONEISH.fullmatch(text) and sum(c.isdigit() for c in text) >= 6:
                found["phones"].append(_me_value("phones", text))
            elif " " in text:
                found["names"].append(_me_value("names", text))
            else:
                found["profiles"].append(_me_value("profiles", text))
                if not text.startswith("@"):
                    found["names"].append(_me_value("names", text))
        except UsageError as exc:
            raise UsageError(
                f"--me {raw!r}: {exc.message}",
                hint="pass your profile URL, your name or your email",
            ) from None
    return MeConfig(*(tuple(dict.fromkeys(found[key])) for key in ME_KEYS))


def load_me(path: Path) -> MeConfig:
    return me_from_table(_section(path, load_config(path), "me"))


# --- [phone] ------------------------------------------------------------------------------

PHONE_KEYS = ("region",)


@dataclass(frozen=True)
class PhoneConfig:
    """How phone numbers are read (``rave.phones``): ``region`` is the country whose
    national numbers you write without a country code (``FR`` reads ``06 98 76 54 32``
    as ``+33698765432``), upper-case; None: the locale's country (``LANG=fr_FR.UTF-8``),
    if any."""

    region: str | None = None


def phone_from_table(table: dict[str, Any]) -> PhoneConfig:
    """Build a PhoneConfig from a parsed ``[phone]`` table. An unknown key, a value that
    is not text, and a region libphonenumber has no plan for are a ConfigError naming
    the key (checking the region imports ``phonenumbers``: only commands that read a
    number, and `rave doctor`, come here)."""
    for key in table:
        if key not in PHONE_KEYS:
            raise ConfigError(f"config [phone] {key}: unknown key (known: {', '.join(PHONE_KEYS)})")
    value = table.get("region")
    if value is None:
        return PhoneConfig()
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"config [phone] region: expected a country code, got {value!r}",
            hint='for example region = "FR"',
        )
    from rave import phones

    region = value.strip().upper()
    if not phones.is_region(region):
        raise ConfigError(
            f"config [phone] region: {value!r} is not a region phonenumbers knows",
            hint='use a two-letter country code, for example region = "FR", "US" or "GB"',
        )
    return PhoneConfig(region)


def load_phone(path: Path) -> PhoneConfig:
    return phone_from_table(_section(path, load_config(path), "phone"))


def validate(path: Path) -> None:
    """Read every section as the commands do (what ``rave doctor`` checks): a
    ConfigError for the first bad value."""
    data = load_config(path)
    rank_from_table(_section(path, data, "rank"))
    balance_from_table(_section(path, data, "balance"))
    phone_from_table(_section(path, data, "phone"))  # first: [me] phones are read in it
    me_from_table(_section(path, data, "me"))
