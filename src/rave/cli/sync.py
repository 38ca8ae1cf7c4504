"""`rave sync`: your history on every machine, through a git remote."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from rave.cli.common import JsonOpt, command_group, paths

if TYPE_CHECKING:
    from rave.services.sync import Synced

app = command_group()  # this module's commands, loaded when one is run


def _payload(result: Synced) -> dict[str, Any]:
    from rave import timeutil

    return {
        "remote": result.remote,
        "sent": result.sent,
        "received": result.received,
        "applied": result.applied,
        "conflicts": result.conflicts,
        "pull_only": result.pull_only,
        "synced_at": timeutil.to_db(result.at),
    }


def _view(result: Synced) -> None:
    from rave.cli import render

    sent = "" if result.pull_only else f"sent {result.sent}, "
    render.line(
        f"Synced with {result.remote}: {sent}received {result.received} operations "
        f"({result.applied} new here)."
    )
    if result.conflicts:
        render.notice(
            f"{result.conflicts} conflict{'s' if result.conflicts != 1 else ''} settled by "
            "rule: `rave doctor` lists them."
        )


@app.command()
def sync(
    ctx: typer.Context,
    remote: Annotated[
        str | None,
        typer.Option(
            "--remote",
            metavar="URL",
            help="The git remote your machines share (a bare repository: a path, "
            "user@host:path or ssh://...), remembered for the next syncs.",
            show_default=False,
        ),
    ] = None,
    pull: Annotated[
        bool,
        typer.Option("--pull", help="Only receive (a machine that only runs the digest)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Send what you recorded here to your git remote and apply what your other
    machines recorded: one history everywhere.

    Each machine appends to its own file in the remote, so git never has to merge; a
    sync that is interrupted resumes without loss. `#ID`s are per machine."""
    from rave.cli import render
    from rave.services import sync as syncing

    result = syncing.sync(paths(ctx).db, remote=remote, pull_only=pull)
    render.answer(as_json, result, _payload, _view)
