"""What every table module shares: the column types that store datetimes and dates as
text, the column helpers, and ``Table``, the base of every table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from rave import timeutil


class Table(SQLModel):
    """The base of rave's tables. Their rows are written and read through SQLAlchemy and
    never validated by pydantic (SQLModel does not validate table models), so pydantic
    builds a table's validator only if something asks for one (``defer_build``): defining
    a table costs a third less, on every write."""

    model_config = {"defer_build": True}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as ``YYYY-MM-DDTHH:MM:SSZ``; naive values are refused."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else timeutil.to_db(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else timeutil.from_db(value)


class ISODate(TypeDecorator[date]):
    """A calendar date (a follow-up's due day) stored as ``YYYY-MM-DD``."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: str | None, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(value)


def fk_column(target: str, *, nullable: bool = False, on_delete: str = "CASCADE") -> Any:
    return Column(Integer, ForeignKey(target, ondelete=on_delete), nullable=nullable)


def when_column(*, nullable: bool = False) -> Any:
    return Column(UTCDateTime(), nullable=nullable)


def text_column(*, nullable: bool = True) -> Any:
    return Column(Text, nullable=nullable)
