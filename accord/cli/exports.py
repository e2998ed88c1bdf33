"""``accord export DATASET --format FORMAT -o OUT``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["register"]


def export_command(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    out: Annotated[Path, typer.Option("-o", "--output", help="Output file.")],
    fmt: Annotated[str, typer.Option("--format", help="Output format.")] = "jsonl",
    db: DbOption = None,
) -> None:
    """Export a dataset (written atomically: the file appears only when complete)."""
    from accord.errors import InputError
    from accord.io.exporters import EXPORT_FORMATS, export_jsonl
    from accord.store.datasets import get_dataset
    from accord.store.engine import session_scope
    from accord.store.records import count_records

    from accord.cli.progress import progress_bar

    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}",
                         field="--format")
    engine = open_store(db)
    with session_scope(engine) as session:
        total = count_records(session, get_dataset(session, dataset).id)
    started = time.perf_counter()
    with progress_bar(f"exporting {dataset}", total) as advance:
        n = export_jsonl(engine, dataset, out, progress=advance)
    seconds = time.perf_counter() - started
    console.print(f"{dataset} -> {out}: {n:,} records as {fmt} in {seconds:.1f} s",
                  markup=False, highlight=False)


def register(root: typer.Typer) -> None:
    root.command("export")(export_command)
