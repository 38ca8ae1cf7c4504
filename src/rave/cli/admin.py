"""Housekeeping commands: paths."""

from __future__ import annotations

import typer

from rave.cli import app
from rave.cli.common import JsonOpt, paths


@app.command("paths", rich_help_panel="Housekeeping")
def paths_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show where rave keeps its database and config, and why there."""
    from rave import render

    found = paths(ctx)
    payload = {
        "db": str(found.db),
        "db_source": found.db_source,
        "db_exists": found.db.exists(),
        "config": str(found.config),
        "config_source": found.config_source,
        "config_exists": found.config.exists(),
    }
    if as_json:
        render.json_out(payload)
        return
    render.table(
        ["what", "path", "from", "exists"],
        [
            ["database", str(found.db), found.db_source, "yes" if found.db.exists() else "no"],
            [
                "config",
                str(found.config),
                found.config_source,
                "yes" if found.config.exists() else "no",
            ],
        ],
    )
