"""`rave demo`: a small, believable network with a few weeks of history, written through
the normal write door into a temporary store (never the user's), then ranked."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rave import timeutil
from rave.config import Paths
from rave.services import ranking
from rave.services.ranking import WhyResult

if TYPE_CHECKING:
    from rave.scoring.model import Ranking


@dataclass(frozen=True)
class SampleContact:
    name: str
    tier: str
    company: str | None = None
    title: str | None = None
    why: str | None = None
    offer: str | None = None
    tags: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()
    notes: tuple[tuple[int, str], ...] = ()  # (days ago, text)
    # (days ago, kind, direction, channel, note, needs_reply)
    history: tuple[tuple[float, str, str, str, str | None, bool], ...] = field(default=())


PEOPLE = (
    SampleContact(
        "Maya Chen",
        "A",
        company="Northwind",
        title="Head of Product",
        tags=("client",),
        handles=(("linkedin", "https://linkedin.com/in/mayachen"),),
        history=(
            (40, "engage", "both", "video", "kick-off call for the pricing study", False),
            (21, "chat", "in", "linkedin", "liked the workshop outline", False),
            (2, "chat", "in", "linkedin", "asked if the workshop can run in January", True),
        ),
    ),
    SampleContact(
        "Priya Nair",
        "A",
        company="Contoso Pay",
        title="CTO",
        why="runs the payments team you want to work with",
        offer="your notes on PSD3 readiness",
        tags=("target",),
        handles=(("linkedin", "https://linkedin.com/in/priyanair"),),
    ),
    SampleContact(
        "Daniel Kim",
        "A",
        company="Fourth Coffee",
        handles=(("email", "daniel@fourthcoffee.example"), ("whatsapp", "+15550100")),
        history=(
            (50, "chat", "in", "whatsapp", "thanks for the talk, let's keep in touch", False),
            (40, "chat", "out", "email", "sent the slides", False),
            (25, "chat", "out", "email", "asked how the rollout went", False),
        ),
    ),
    SampleContact(
        "Tom Becker",
        "B",
        company="Becker & Partner",
        title="Founder",
        offer="a review of his team's onboarding docs",
        history=(
            (60, "chat", "out", "email", "congratulated him on the new office", False),
            (25, "engage", "in", "email", "introduced you to Lena at Fabrikam", True),
            (24, "chat", "out", "email", "said thanks for the introduction", False),
        ),
    ),
    SampleContact(
        "Sofia Rossi",
        "A",
        company="Adatum",
        title="Marketing Director",
        history=(
            (20, "chat", "in", "linkedin", "asked about your newsletter", True),
            (16, "chat", "out", "linkedin", "sent the back issues", False),
            (14, "chat", "in", "email", "wants to compare notes on events", True),
            (11, "chat", "out", "email", "agreed to talk in the new year", False),
        ),
    ),
    SampleContact(
        "Aiko Tanaka",
        "A",
        company="Wingtip",
        title="Head of Design",
        history=(
            (20, "chat", "in", "email", "sent the recording of her meetup talk", False),
            (12, "chat", "out", "linkedin", "asked if she would speak at ours", False),
        ),
    ),
    SampleContact(
        "Emma Clark",
        "B",
        company="Proseware",
        title="Designer",
        history=(
            (75, "chat", "out", "instagram", "complimented her portfolio", False),
            (40, "chat", "in", "instagram", "said thanks, asked about your studio", False),
            (20, "broadcast", "out", "instagram", "liked her post", False),
            (12, "broadcast", "out", "instagram", "liked her post", False),
            (5, "broadcast", "out", "instagram", "shared her launch", False),
        ),
    ),
    SampleContact(
        "Inès Duarte",
        "A",
        company="Litware",
        title="Consultant",
        history=(
            (30, "engage", "both", "in_person", "coffee in Lyon", False),
            (8, "chat", "out", "linkedin", "asked about her move to Lisbon", False),
            (3, "chat", "out", "linkedin", "sent the Lisbon meetup link", False),
            (1, "broadcast", "in", "linkedin", "her first week at the new studio", False),
        ),
    ),
    SampleContact(
        "Jonas Weber",
        "A",
        company="Tailspin",
        title="Engineering Manager",
        notes=((9, "training for the Berlin marathon"),),
        history=(
            (20, "chat", "in", "twitter", "joked about YAML", False),
            (3, "engage", "both", "in_person", "lunch after the meetup", False),
        ),
    ),
    SampleContact(
        "Nora Silva",
        "C",
        company="Woodgrove",
        history=((6, "engage", "both", "phone", "call about her job search", False),),
    ),
    SampleContact("Ravi Patel", "none", company="Blue Yonder"),
)


def build(path: Path, *, now: datetime) -> None:
    """Write the sample network into the (new) store at ``path``."""
    from rave import store

    with store.writing(path) as session:
        for person in PEOPLE:
            contact_id = store.add_contact(
                session=session,
                name=person.name,
                now=now - timedelta(days=90),
                fields={
                    "tier": person.tier,
                    "company": person.company,
                    "title": person.title,
                    "why": person.why,
                    "offer": person.offer,
                },
                handles=person.handles,
                tags=person.tags,
            )
            for note_age, text in person.notes:
                store.add_note(
                    session=session,
                    contact_id=contact_id,
                    text=text,
                    now=now - timedelta(days=note_age),
                )
            for days, kind, direction, channel, note, needs_reply in person.history:
                when = now - timedelta(days=days)
                store.add_interaction(
                    session=session,
                    contact_ids=[contact_id],
                    kind=kind,
                    direction=direction,
                    channel=channel,
                    when=when,
                    now=when,
                    note=note,
                    needs_reply=needs_reply,
                )
        store.add_post(
            session=session,
            text="Five lessons from our pricing workshops",
            channel="linkedin",
            when=now - timedelta(days=9),
            now=now - timedelta(days=9),
        )


def run() -> tuple[Ranking, WhyResult]:
    """Build the sample in a temporary folder, rank it, explain the first suggestion,
    and remove the folder."""
    now = timeutil.utcnow()
    with tempfile.TemporaryDirectory(prefix="rave-demo-") as folder:
        home = Path(folder)
        paths = Paths(
            db=home / "rave.db",
            db_source="demo",
            config=home / "config.toml",
            config_source="demo",
        )
        build(paths.db, now=now)
        listed = ranking.today_view(paths, as_of=now).ranking
        first = listed.suggestions[0].assessment.state.name
        explained = ranking.why(paths, first, as_of=now)
    return listed, explained
