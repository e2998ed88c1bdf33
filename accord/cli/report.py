"""``accord report DATASET``: the bias and dataset-health report (markdown and JSON).

Also :func:`print_health_warnings`, the check ``accord export`` runs first.
numpy and scipy are imported inside the commands, not here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli.console import console, err_console
from accord.cli.store import DbOption, open_store

__all__ = ["register", "report_command", "print_health_warnings"]

_THRESHOLDS = "Thresholds"
_SHOWN = 20  # warnings printed before an export


def report_command(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    slice_: Annotated[list[str] | None, typer.Option(
        "--slice", help="Metadata key to slice by (repeat for several). Default: keys with "
        "2-20 distinct values in the first 2,000 records.")] = None,
    group_by: Annotated[list[str] | None, typer.Option(
        "--group-by", help="Annotator attribute to compare groups by, e.g. locale (repeat "
        "for several). Default: every attribute the annotators have.")] = None,
    question: Annotated[list[str] | None, typer.Option(
        "--question", help="Question to report (repeat for several). Default: all label, "
        "multi_label and rating questions.")] = None,
    out: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write the markdown report here (default: print it).")] = None,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Also write the report as JSON here.")] = None,
    min_records: Annotated[int, typer.Option(
        "--min-records", min=0, help="Slice values with fewer records are coverage gaps.",
        rich_help_panel=_THRESHOLDS)] = 30,
    min_annotators: Annotated[int, typer.Option(
        "--min-annotators", min=0, help="Slice values with fewer distinct annotators are "
        "coverage gaps.", rich_help_panel=_THRESHOLDS)] = 2,
    majority_share: Annotated[float, typer.Option(
        "--majority-share", min=0.0, max=1.0, help="Warn when one label has more than this "
        "share of the answers.", rich_help_panel=_THRESHOLDS)] = 0.9,
    minority_share: Annotated[float, typer.Option(
        "--minority-share", min=0.0, max=1.0, help="Warn when a label has less than this "
        "share of the answers.", rich_help_panel=_THRESHOLDS)] = 0.01,
    significance: Annotated[float, typer.Option(
        "--significance", min=0.0, max=1.0, help="Family-wise level of the chi-square tests "
        "(Bonferroni-corrected).", rich_help_panel=_THRESHOLDS)] = 0.01,
    db: DbOption = None,
) -> None:
    """Label distribution per slice with chi-square tests, agreement per slice, annotator
    group differences, coverage gaps, suggestion-vs-human agreement and warnings."""
    from accord.atomic import atomic_output
    from accord.cli.progress import progress_bar
    from accord.quality.health import HealthOptions, render_json, render_markdown
    from accord.store.datasets import get_dataset
    from accord.store.engine import session_scope
    from accord.store.report_queries import report_rows
    from accord.workflow.report import dataset_report

    options = HealthOptions(min_records=min_records, min_annotators=min_annotators,
                            majority_share=majority_share, minority_share=minority_share,
                            significance=significance)
    started = time.perf_counter()
    engine = open_store(db)
    with session_scope(engine) as session:
        total = report_rows(session, get_dataset(session, dataset).id)
        with progress_bar(f"reading {dataset}", total) as advance:
            report = dataset_report(session, dataset, slices=slice_ or None,
                                    group_by=group_by or None, questions=question or None,
                                    options=options, progress=advance)
    markdown = render_markdown(report)
    if out is not None:
        with atomic_output(out) as fh:
            fh.write(markdown.encode())
    else:
        console.print(markdown, markup=False, highlight=False, end="")
    if json_out is not None:
        with atomic_output(json_out) as fh:
            fh.write(render_json(report))
    summary = (f"report {dataset}: {report['records']:,} records, {report['responses']:,} "
               f"responses, {len(report['questions'])} questions, {len(report['slices'])} "
               f"slices, {len(report['warnings'])} warnings in "
               f"{time.perf_counter() - started:.1f} s")
    where = [str(p) for p in (out, json_out) if p is not None]
    summary += f" -> {', '.join(where)}" if where else ""
    (console if out is not None else err_console).print(summary, markup=False, highlight=False)


def print_health_warnings(engine: Any, dataset: str) -> int:
    """Print the dataset's health warnings (yellow, stderr) before an export; return how many.

    The check slices by the guessed metadata keys and skips annotator groups
    (their warnings are about people, not about the exported data).
    """
    from rich.markup import escape

    from accord.store.engine import session_scope
    from accord.workflow.report import dataset_report

    with session_scope(engine) as session:
        warnings = dataset_report(session, dataset, group_by=[])["warnings"]
    for w in warnings[:_SHOWN]:
        err_console.print(f"[yellow]warning:[/] {escape(w['message'])}", highlight=False,
                          soft_wrap=True)
    if len(warnings) > _SHOWN:
        err_console.print(f"[yellow]... and {len(warnings) - _SHOWN} more[/]", highlight=False)
    if warnings:
        err_console.print(f"[yellow]{len(warnings)} health warning(s); details: accord report "
                          f"{escape(dataset)}; skip this check with --no-health-check[/]",
                          highlight=False, soft_wrap=True)
    return len(warnings)


def register(root: typer.Typer) -> None:
    root.command("report")(report_command)
