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


# The sample network, one block per person. Its first line is "name | tier | company |
# title" (an empty field is none); the indented lines below it say what else is known of
# them ("why:", "offer:", "tag:", "handle: CHANNEL VALUE", "note: DAYS-AGO TEXT") and,
# oldest first, what happened: "DAYS-AGO KIND DIRECTION CHANNEL: NOTE", with "needs_reply"
# after the channel when their message asks for an answer.
SAMPLE = """
Maya Chen | A | Northwind | Head of Product
    tag: client
    handle: linkedin https://linkedin.com/in/mayachen
    40 engage both video: kick-off call for the pricing study
    21 chat in linkedin: liked the workshop outline
    2 chat in linkedin needs_reply: asked if the workshop can run in January
Priya Nair | A | Contoso Pay | CTO
    why: runs the payments team you want to work with
    offer: your notes on PSD3 readiness
    tag: target
    handle: linkedin https://linkedin.com/in/priyanair
Daniel Kim | A | Fourth Coffee |
    handle: email daniel@fourthcoffee.example
    handle: whatsapp +15550100
    50 chat in whatsapp: thanks for the talk, let's keep in touch
    40 chat out email: sent the slides
    25 chat out email: asked how the rollout went
Tom Becker | B | Becker & Partner | Founder
    offer: a review of his team's onboarding docs
    60 chat out email: congratulated him on the new office
    25 engage in email needs_reply: introduced you to Lena at Fabrikam
    24 chat out email: said thanks for the introduction
Sofia Rossi | A | Adatum | Marketing Director
    20 chat in linkedin needs_reply: asked about your newsletter
    16 chat out linkedin: sent the back issues
    14 chat in email needs_reply: wants to compare notes on events
    11 chat out email: agreed to talk in the new year
Aiko Tanaka | A | Wingtip | Head of Design
    20 chat in email: sent the recording of her meetup talk
    12 chat out linkedin: asked if she would speak at ours
Emma Clark | B | Proseware | Designer
    75 chat out instagram: complimented her portfolio
    40 chat in instagram: said thanks, asked about your studio
    20 broadcast out instagram: liked her post
    12 broadcast out instagram: liked her post
    5 broadcast out instagram: shared her launch
Inès Duarte | A | Litware | Consultant
    30 engage both in_person: coffee in Lyon
    8 chat out linkedin: asked about her move to Lisbon
    3 chat out linkedin: sent the Lisbon meetup link
    1 broadcast in linkedin: her first week at the new studio
Jonas Weber | A | Tailspin | Engineering Manager
    note: 9 training for the Berlin marathon
    20 chat in twitter: joked about YAML
    3 engage both in_person: lunch after the meetup
Nora Silva | C | Woodgrove |
    6 engage both phone: call about her job search
Ravi Patel | none | Blue Yonder |
"""


@dataclass(slots=True)
class SampleContact:
    name: str
    fields: dict[str, str | None]  # tier, company, title, why, offer
    tags: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (days ago, text)
    # (days ago, kind, direction, channel, note, needs_reply)
    history: list[tuple[int, str, str, str, str, bool]] = field(default_factory=list)


def people() -> list[SampleContact]:
    """The people of :data:`SAMPLE`, read from its lines."""
    found: list[SampleContact] = []
    for line in SAMPLE.strip().splitlines():
        if not line.startswith(" "):
            name, tier, company, title = (part.strip() or None for part in line.split("|"))
            assert name is not None
            fields = {"tier": tier, "company": company, "title": title, "why": None, "offer": None}
            found.append(SampleContact(name, fields))
            continue
        person = found[-1]
        head, _, text = line.strip().partition(": ")
        if head in ("why", "offer"):
            person.fields[head] = text
        elif head == "tag":
            person.tags.append(text)
        elif head == "handle":
            channel, value = text.split()
            person.handles.append((channel, value))
        elif head == "note":
            days, note = text.split(" ", 1)
            person.notes.append((int(days), note))
        else:
            days, kind, direction, channel, *flag = head.split()
            needs_reply = flag == ["needs_reply"]
            person.history.append((int(days), kind, direction, channel, text, needs_reply))
    return found


def build(path: Path, *, now: datetime) -> None:
    """Write the sample network into the (new) store at ``path``."""
    from rave import store

    with store.writing(path) as session:
        for person in people():
            contact_id = store.add_contact(
                session=session,
                name=person.name,
                now=now - timedelta(days=90),
                fields=person.fields,
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
