"""``accord assist lf``: labelling functions and the label model (kept apart from
:mod:`accord.cli.assist` to keep each module small)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.assist import AsJson, Question, app
from accord.cli.console import console
from accord.cli.store import DbOption, open_store

__all__ = ["lf_command"]


@app.command("lf")
def lf_command(
    dataset: str, question: Question,
    lfs: Annotated[Path, typer.Option("--lfs", help="Labelling functions: a YAML rules file or "
                                                    "a Python module.")],
    agent: Annotated[str, typer.Option("--agent", help="Agent name of the suggestions.")] =
    "label-model",
    report: Annotated[Path | None, typer.Option(
        "--report", help="Write the table as JSON (.json) or Markdown (.md).")] = None,
    db: DbOption = None, as_json: AsJson = False,
) -> None:
    """Apply labelling functions; a label model turns their votes into scored suggestions."""
    from contextlib import nullcontext

    from accord.assist.lf import label_dataset, render_markdown
    from accord.assist.lf.report import rows
    from accord.atomic import atomic_output
    from accord.errors import InputError

    if report is not None and report.suffix not in (".json", ".md"):
        raise InputError(f"expected a .json or .md file, got {report.name!r}", field="--report")
    # the report's file is opened first: a directory that does not exist stops the run
    # before any suggestion is written, and the file appears only if the run succeeds
    with atomic_output(report, encoding="utf-8") if report is not None else nullcontext() \
            as fh:
        run = label_dataset(open_store(db), dataset, question, lfs, agent=agent)
        if fh is not None:
            fh.write(run.report.to_json() if report is not None and report.suffix == ".json"
                     else render_markdown(run.report))
    if as_json:
        typer.echo(json.dumps(run.to_dict(), default=str))
        return
    from rich.table import Table

    head, body = rows(run.report)
    table = Table(*head, title=f"labelling functions on {dataset}/{run.question}")
    for row in body:
        table.add_row(*row)
    console.print(table)
    console.print(run.line(), markup=False, highlight=False)
