"""`rave sync`: your history on every machine, through a git remote."""

from __future__ import annotations

from typing import Annotated

import typer

from rave.cli.common import JsonOpt, command_group, paths

app = command_group()  # this module's commands, loaded when one is run


@app.command()
def sync(
    ctx: typer.Context,
    remote: Annotated[
        str | None,
        typer.Option(
            "--remote",
            metavar="URL",
            help="The git remote your machines share (a bare repository: a path, "
            "user@host:path or ssh://...), or your team's hub (postgresql://you@host/db), "
            "remembered for the next syncs.",
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
    from rave.cli import payloads, render, views
    from rave.services import sync as syncing

    result = syncing.sync(paths(ctx).db, remote=remote, pull_only=pull)
    render.answer(as_json, result, payloads.synced, views.synced)
