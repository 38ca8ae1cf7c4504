"""The ``post`` table: your own broadcasts to your audience."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from rave.gid import new as new_gid
from rave.models.columns import Table, text_column, when_column


class Post(Table, table=True):
    __tablename__ = "post"
    __table_args__ = (
        Index("ix_post_posted_at", "posted_at"),
        Index("ix_post_gid", "gid", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=text_column(nullable=False))
    channel: str = Field(sa_column=text_column(nullable=False))
    url: str | None = Field(default=None, sa_column=text_column())
    posted_at: datetime = Field(sa_column=when_column())
    created_at: datetime = Field(sa_column=when_column())
    # the global id (schema 6, rave.gid): what another machine knows the record by
    gid: str = Field(default_factory=new_gid, sa_column=text_column())
