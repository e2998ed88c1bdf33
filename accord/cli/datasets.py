"""``accord dataset create | list | show | delete``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["app"]

app = typer.Typer(help="Create, list, show and delete datasets.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    settings: Annotated[Path, typer.Option("--settings", help="Settings file (YAML or JSON).")],
    db: DbOption = None,
) -> None:
    """Create a dataset from a settings file."""
    from accord.schema import load_settings
    from accord.store.datasets import create_dataset
    from accord.store.engine import write_scope

    parsed = load_settings(settings)
    engine = open_store(db)
    with write_scope(engine) as session:
        ds = create_dataset(session, name, parsed)
        console.print(f"created dataset {ds.name!r}: {len(parsed.fields)} fields, "
                      f"{len(parsed.questions)} questions, overlap "
                      f"{parsed.distribution.overlap}", highlight=False, markup=False)


@app.command("list")
def list_(db: DbOption = None) -> None:
    """List datasets with their record counts."""
    from rich.table import Table

    from accord.store.datasets import dataset_counts, list_datasets
    from accord.store.engine import session_scope

    engine = open_store(db)
    table = Table("name", "records", "pending", "completed", "questions", "created")
    with session_scope(engine) as session:
        for ds in list_datasets(session):
            c = dataset_counts(session, ds)
            table.add_row(ds.name, f"{c['records']:,}", f"{c['pending']:,}",
                          f"{c['completed']:,}", str(len(ds.settings.get("questions", []))),
                          ds.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


@app.command("show")
def show(name: str, db: DbOption = None,
         as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show a dataset's settings and counts."""
    import orjson

    from accord.store.datasets import dataset_counts, get_dataset, settings_data
    from accord.store.engine import session_scope

    engine = open_store(db)
    with session_scope(engine) as session:
        ds = get_dataset(session, name)
        info = {"name": ds.name, "settings_version": ds.settings_version,
                "counts": dataset_counts(session, ds), "settings": settings_data(ds.settings)}
    if as_json:
        typer.echo(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode())
        return
    import yaml

    console.print(f"[bold]{info['name']}[/] (settings v{info['settings_version']})")
    c = info["counts"]
    console.print(f"records: {c['records']:,}  pending: {c['pending']:,}  "
                  f"completed: {c['completed']:,}")
    console.print(yaml.safe_dump(info["settings"], sort_keys=False, allow_unicode=True),
                  markup=False, highlight=False)


@app.command("delete")
def delete(name: str, db: DbOption = None,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False) -> None:
    """Delete a dataset with all its records and responses."""
    from accord.store.datasets import delete_dataset
    from accord.store.retry import retry_write

    engine = open_store(db)
    if not yes:
        typer.confirm(f"Delete dataset {name!r} and all its records and responses?", abort=True)
    retry_write(engine, lambda session: delete_dataset(session, name))
    console.print(f"deleted dataset {name!r}", markup=False)
