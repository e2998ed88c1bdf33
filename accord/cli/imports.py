"""``accord import DATASET FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, err_console
from accord.cli.store import DbOption, open_store
from accord.io.catalog import MIGRATION_FORMATS, READ_FORMATS, names

__all__ = ["register", "count_lines"]


def count_lines(path: Path) -> int | None:
    """Fast newline count for a progress total (None for non-line formats)."""
    if path.is_dir() or path.suffix.lower() not in (".jsonl", ".ndjson", ".csv", ".tsv"):
        return None
    n = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            n += chunk.count(b"\n")
    return n


def import_command(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    file: Annotated[Path, typer.Argument(help="JSONL, JSON, CSV, Parquet or a saved HF dataset.")],
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="TARGET=COLUMN: field, external_id or metadata.KEY from a column.")] = None,
    create: Annotated[bool, typer.Option(
        "--create", help="Create the dataset with settings inferred from the columns.")] = False,
    on_error: Annotated[str, typer.Option(
        "--on-error", help="fail (roll back everything) or skip (report bad lines).")] = "fail",
    report: Annotated[Path | None, typer.Option(
        "--report", help="Where to write rejected lines (JSONL).")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help=f"{names(READ_FORMATS)} (default: from the name); migrations "
        f"with their answers: {names(MIGRATION_FORMATS)}.")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 5000,
    max_field_chars: Annotated[int, typer.Option(
        "--max-field-chars", min=1, help="Longest accepted field value.")] = 10_000_000,
    parallel: Annotated[bool, typer.Option(
        "--parallel", help="Parse big JSONL files in a helper process instead of the "
        "default helper thread (more CPU for the process boundary; slower on 2 cores).")]
    = False,
    prep: Annotated[bool, typer.Option(
        "--prep", help="Run the prep pipeline first (text repair, exact dedupe by default).")]
    = False,
    prep_config: Annotated[Path | None, typer.Option(
        "--prep-config", help="YAML/JSON of prep options (see docs/prep.md); implies --prep.")]
    = None,
    prep_executor: Annotated[str, typer.Option(
        "--prep-executor", help="local or ray.")] = "local",
    db: DbOption = None,
) -> None:
    """Import records into a dataset (upsert by external_id)."""
    from accord.cli.progress import progress_bar
    from accord.io.importer import ImportOptions, write_rejects
    from accord.io.mapping import parse_mapping

    prep_options = None
    if prep or prep_config is not None:
        from accord.io.prep_import import load_prep_config

        prep_options = load_prep_config(prep_config)
    options = ImportOptions(mapping=parse_mapping(map_), on_error=on_error, batch_size=batch_size,
                            max_field_chars=max_field_chars, fmt=fmt, create=create,
                            parallel=parallel, prep=prep_options, prep_executor=prep_executor)
    if not file.exists():
        from accord.errors import InputError

        raise InputError("file not found", path=str(file))
    report_path = report or Path(f"{file.name}.rejected.jsonl")
    if options.on_error == "skip":
        from accord.atomic import check_file_target

        check_file_target(report_path)  # refused before the import, not after its commit
    engine = open_store(db)
    with progress_bar(f"importing {file.name}", count_lines(file)) as advance:
        summary = _import(engine, dataset, file, options, advance)
    if summary.created_dataset:
        console.print(f"created dataset {dataset!r} with fields inferred from the columns",
                      markup=False)
    if summary.rejects:
        write_rejects(report_path, summary.rejects)
        err_console.print(f"{summary.rejected:,} rejected lines listed in {report_path}",
                          markup=False)
    console.print(summary.line(), markup=False, highlight=False)


def _import(engine, dataset, file, options, advance):  # type: ignore[no-untyped-def]
    """Plain formats through import_file; other tools' exports with their answers."""
    from accord.io.importer import import_file
    from accord.io.importers import MIGRATION_FORMATS, import_migration, open_source

    if options.fmt in MIGRATION_FORMATS:
        source = open_source(options.fmt, file)
        return import_migration(engine, dataset, file, source, options, progress=advance)
    return import_file(engine, dataset, file, options, progress=advance)


def register(root: typer.Typer) -> None:
    root.command("import")(import_command)
