"""Housekeeping commands: paths, backup, doctor."""

from pathlib import Path
from typing import Annotated, Any

import typer

from rave.cli.common import JsonOpt, command_group, paths

app = command_group()  # this module's commands, loaded when one is run


@app.command("paths", rich_help_panel="Housekeeping")
def paths_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show where rave keeps its database and config, and why there."""
    from rave.cli import render

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


@app.command(rich_help_panel="Housekeeping")
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write the copy (a file or a folder); default: next to the store.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """A consistent copy of the database (safe while rave is in use), mode 0600.

    The copy is checked before it replaces anything: a damaged store is refused (exit 1)
    and the previous backup kept. A PATH that is a symbolic link is refused."""
    from rave.cli import render
    from rave.services import maintenance

    with render.progress("backing up") as _tick:
        target = maintenance.backup(paths(ctx).db, path, force=force)
    if as_json:
        render.json_out({"backup": str(target), "bytes": target.stat().st_size})
    else:
        render.line(f"Backed up to {target}")


@app.command(rich_help_panel="Housekeeping")
def doctor(
    ctx: typer.Context,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="First rebuild every contact's ranking tally from the history (one "
            "transaction), and report how many differed.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check the store: integrity, foreign keys, schema version, journal, permissions and
    config. Exits 1 listing the problems when anything is wrong.

    It also compares a sample of the per-contact ranking tallies with their history;
    `--rebuild` folds them all again when one is wrong."""
    from rave.cli import render
    from rave.services import maintenance

    found = paths(ctx)
    rebuilt = maintenance.rebuild_tallies(found.db) if rebuild else None
    checks = maintenance.doctor(found)
    problems = [c for c in checks if not c.ok]
    if as_json:
        payload: dict[str, Any] = {
            "ok": not problems,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
        }
        if rebuilt is not None:
            payload["rebuilt"] = {"tallies": rebuilt.tallies, "differed": rebuilt.differed}
        render.json_out(payload)
    else:
        if rebuilt is not None:
            render.line(
                f"Rebuilt {rebuilt.tallies} tallies from the history; "
                f"{rebuilt.differed} differed before."
            )
        render.table(
            ["check", "", "detail"],
            [[c.name, "ok" if c.ok else "PROBLEM", c.detail] for c in checks],
            row_styles=[None if c.ok else "bold red" for c in checks],
        )
        if problems:
            render.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
    if problems:
        raise typer.Exit(1)
