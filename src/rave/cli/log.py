"""Recording what happened: log, post, follow-ups."""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rave.queries import records
    from rave.services import recording

from rave.cli.common import (
    JsonOpt,
    channel_option,
    command_group,
    contact_argument,
    examples,
    future_date,
    kind_option,
    past,
    paths,
    when_option,
)

app = command_group()  # this module's commands, loaded when one is run

followup_app = command_group(
    help="Close follow-ups (`rave followups` lists them).",
    no_args_is_help=True,
    epilog=examples(
        ("rave followups", "the open ones, with their ids"),
        ("rave followup done 1", "close follow-up #1"),
    ),
)
app.add_typer(followup_app, name="followup")


@app.command()
def log(
    ctx: typer.Context,
    contacts: Annotated[
        list[str] | None,
        contact_argument(help="One or more people (name, alias, handle or #ID)."),
    ] = None,
    kind: Annotated[str, kind_option(help="broadcast, chat or engage.")] = "chat",
    channel: Annotated[
        str | None,
        channel_option(
            help="linkedin, twitter (x), facebook, instagram, email, phone, sms, whatsapp, "
            "video, in_person (irl, meet), other. Default: the last one used with them."
        ),
    ] = None,
    inbound: Annotated[
        bool,
        typer.Option(
            "--in",
            help="They reached out (default: you did). A call or meeting that took place "
            "is recorded as both of you talking, whoever started it.",
        ),
    ] = False,
    missed: Annotated[
        bool,
        typer.Option(
            "--missed",
            help="The call did not connect (no answer, voicemail): recorded as your message "
            "waiting for an answer; with --in, their missed call, which wants a reply.",
        ),
    ] = False,
    when: Annotated[
        str | None,
        when_option(
            "--when", "-w", help="now, yesterday, 3d, 2w, friday, 2026-11-20, 2026-11-20T14:30."
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", "-n", metavar="NOTE", help="What was said or done.")
    ] = None,
    closed: Annotated[
        bool, typer.Option("--closed", help="No reply is owed (e.g. their 'thanks!').")
    ] = False,
    follow_up: Annotated[
        str | None,
        typer.Option("--follow-up", metavar="TASK", help="Something you promised or mean to do."),
    ] = None,
    due: Annotated[
        str | None,
        when_option("--due", help="When the follow-up is due: friday, 3d, 2026-12-01."),
    ] = None,
    create: Annotated[
        bool, typer.Option("--create", help="Add unknown people on the fly (tier none).")
    ] = False,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Record many interactions from JSON Lines (- for stdin), all or nothing.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an interaction right after it happened (or many, with --batch)."""
    from rave import choices, timeutil
    from rave.cli import payloads, render, views
    from rave.config import load_rank
    from rave.services import recording

    if batch is not None:
        _log_batch(ctx, batch, contacts or [], create=create, as_json=as_json)
        return

    where = paths(ctx)
    request = recording.LogRequest(
        refs=tuple(contacts or ()),
        kind=choices.kind(kind),
        direction="in" if inbound else "out",
        channel=None if channel is None else choices.channel(channel),
        when=past(when),
        note=note,
        closed=closed,
        follow_up=follow_up,
        due=None if due is None else future_date(due, option="--due"),
        create=create,
        missed=missed,
        day_only=when is not None and timeutil.names_a_day(when),
    )
    config = load_rank(where.config)
    result = recording.log_interaction(where.db, request, config=config)
    render.answer(
        as_json,
        result,
        payloads.logged,
        lambda done: views.logged(done, horizon_days=config.reply_horizon_days),
    )


def _lines(source: str) -> Iterator[str]:
    """The lines of FILE (or stdin for ``-``); undecodable text is bad input (exit 65)."""
    from rave.errors import BadInputError, UsageError

    number = 0
    try:
        handle = sys.stdin if source == "-" else Path(source).open(encoding="utf-8-sig")  # noqa: SIM115
    except FileNotFoundError:
        raise UsageError(f"no such file: {source}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    try:
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError:
                raise BadInputError(source, number + 1, "not UTF-8 text") from None
            if not line:
                return
            number += 1
            yield line
    finally:
        if handle is not sys.stdin:
            handle.close()


def _log_batch(
    ctx: typer.Context, source: str, contacts: list[str], *, create: bool, as_json: bool
) -> None:
    from rave.cli import payloads, render
    from rave.errors import UsageError
    from rave.services import recording

    if contacts:
        raise UsageError("give contacts on the command line or --batch FILE, not both")
    from rave.config import load_rank

    name = "<stdin>" if source == "-" else source
    where = paths(ctx)
    results = recording.log_batch(
        where.db, name, _lines(source), create=create, config=load_rank(where.config)
    )

    def view(results: "list[recording.LogResult]") -> None:
        created = sum(len(r.created) for r in results)
        extra = f" ({created} new contacts, tier none)" if created else ""
        plural = "s" if len(results) != 1 else ""
        render.line(f"Logged {len(results)} interaction{plural} from {name}{extra}")

    render.answer(as_json, results, payloads.logged_batch, view)


@app.command()
def post(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar="POST", help="What you posted.")],
    channel: Annotated[str, channel_option(help="Where you posted it.")] = "linkedin",
    url: Annotated[str | None, typer.Option("--url", help="Link to the post.")] = None,
    when: Annotated[str | None, when_option("--when", "-w", help="When you posted it.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record your own broadcast to your audience (a post, an article, a newsletter)."""
    from rave import choices
    from rave.cli import payloads, render
    from rave.services import recording

    result = recording.add_post(
        paths(ctx).db, text, channel=choices.channel(channel), when=past(when), url=url
    )
    render.answer(
        as_json,
        result,
        payloads.post,
        lambda done: render.line(f"Recorded post {choices.ref('post', done.id)} on {done.channel}"),
    )


@app.command()
def followups(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="Include done ones.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Open follow-ups, soonest due first."""
    from rave.cli import payloads, render, views
    from rave.services import recording

    rows = recording.list_followups(paths(ctx).db, include_done=show_all)
    render.answer(as_json, rows, payloads.followups, views.followups)


@followup_app.command("done")
def followup_done(
    ctx: typer.Context,
    followup_ref: Annotated[
        str, typer.Argument(metavar="REF", help="The follow-up: f2 (or its number, 2).")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Mark a follow-up as done."""
    from rave import choices
    from rave.cli import payloads, render
    from rave.queries import entries
    from rave.services import recording

    ref = followup_ref.strip()
    kind, followup_id = entries.parse_ref(
        choices.RECORD_LETTERS["followup"] + ref if ref.isdigit() else ref
    )
    if kind != "followup":
        from rave.errors import UsageError

        raise UsageError(f"{ref!r} is not a follow-up", hint="see `rave followups`")
    row, changed = recording.complete_followup(paths(ctx).db, followup_id)

    def view(row: "records.FollowUpRow") -> None:
        ref = choices.ref("followup", row.id)
        if changed:
            render.line(f"Done: follow-up {ref} for {row.contact_name}: {row.text}")
        else:
            render.info(f"Follow-up {ref} was already done.")

    render.answer(as_json, row, payloads.followup, view)
