"""``accord export DATASET --format FORMAT -o OUT``."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from accord.cli.console import console, err_console
from accord.cli.store import DbOption, open_store
from accord.io.catalog import CONTAINERS, EXPORT_FORMATS, names

__all__ = ["register"]

_SEL = "Selection"
_OUT = "Output"
_ROLE = "Roles"


def _command_line() -> str:
    """The command as typed, without the database URL (it may hold a password)."""
    args = list(sys.argv[1:])
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--db":
            skip = True
            continue
        if arg.startswith("--db="):
            continue
        out.append(arg)
    return "accord " + " ".join(shlex.quote(a) for a in out)


def export_command(
    dataset: Annotated[str, typer.Argument(help="Dataset name.")],
    out: Annotated[Path, typer.Option("-o", "--output", help="Output file (a directory for "
                                      "--to hub/disk; - for standard output); split names go "
                                      "before the suffix.")],
    fmt: Annotated[str, typer.Option("--format", help=f"{names(EXPORT_FORMATS)}.")
                       ] = "jsonl",
    to: Annotated[str | None, typer.Option(
        "--to", help="Container, one the format allows: "
        f"{', '.join(f'{k} ({v})' for k, v in CONTAINERS.items())}. "
        "Default: from the format and -o.",
        rich_help_panel=_OUT)] = None,
    prompt_field: Annotated[str | None, typer.Option(
        "--prompt-field", help="Field holding the prompt.", rich_help_panel=_ROLE)] = None,
    question: Annotated[str | None, typer.Option(
        "--question", help="Question driving the export.", rich_help_panel=_ROLE)] = None,
    completion_field: Annotated[str | None, typer.Option(
        "--completion-field", help="Field holding the completion (SFT, KTO).",
        rich_help_panel=_ROLE)] = None,
    aggregate: Annotated[str | None, typer.Option(
        "--aggregate", help="Consensus method of the question's type (GET /api/v1/meta lists "
        "them): pool (labels' default), mv, wmv, ds, bcc, onecoin, glad, mace; mean (default), "
        "median, trimmed_mean (ratings); bt (default), rp, borda (rankings); vote (spans); "
        "fusion (boxes, segments).",
        rich_help_panel=_SEL)] = None,
    min_agreement: Annotated[float | None, typer.Option(
        "--min-agreement", help="Keep records whose agreement is at least this (0-1).",
        rich_help_panel=_SEL)] = None,
    min_responses: Annotated[int | None, typer.Option(
        "--min-responses", help="Keep records with at least N usable responses.",
        rich_help_panel=_SEL)] = None,
    status: Annotated[str, typer.Option(
        "--status", help="submitted (all but rejected) or reviewed (accepted or fixed).",
        rich_help_panel=_SEL)] = "submitted",
    drop_contradictory: Annotated[bool, typer.Option(
        "--drop-contradictory", help="Drop records whose answers contradict each other.",
        rich_help_panel=_SEL)] = False,
    exclude_gold: Annotated[bool, typer.Option(
        "--exclude-gold", help="Leave gold records out.", rich_help_panel=_SEL)] = False,
    pairs: Annotated[str, typer.Option(
        "--pairs", help="Pairs from rankings: best-worst or all.", rich_help_panel=_SEL)]
    = "best-worst",
    kto_threshold: Annotated[float | None, typer.Option(
        "--kto-threshold", help="Ratings at or above this are desirable (KTO).",
        rich_help_panel=_SEL)] = None,
    kto_desirable: Annotated[str | None, typer.Option(
        "--kto-desirable", help="Comma-separated desirable labels (KTO from a label question).",
        rich_help_panel=_SEL)] = None,
    texts: Annotated[str, typer.Option(
        "--texts", help="SFT completions from a text question: one per record or all.",
        rich_help_panel=_SEL)] = "one",
    redact_pii: Annotated[bool, typer.Option(
        "--redact-pii", help="Replace PII findings a reviewer confirmed with [ENTITY] in the "
        "fields.", rich_help_panel=_SEL)] = False,
    drop_pii: Annotated[bool, typer.Option(
        "--drop-pii", help="Leave out records with any confirmed PII finding.",
        rich_help_panel=_SEL)] = False,
    with_vectors: Annotated[bool, typer.Option(
        "--with-vectors", help="jsonl, csv, parquet, hf: add each record's stored vectors "
        "({name: [floats]}; JSON text in tables).", rich_help_panel=_OUT)] = False,
    all_responses: Annotated[bool, typer.Option(
        "--all-responses", help="coco: every annotator's boxes, polygons and keypoints instead "
        "of the consensus.", rich_help_panel=_SEL)] = False,
    system_prompt: Annotated[str | None, typer.Option(
        "--system-prompt", help="System message prepended to text prompts.",
        rich_help_panel=_ROLE)] = None,
    margin: Annotated[bool, typer.Option(
        "--margin/--no-margin", help="Add a margin column to preference pairs.",
        rich_help_panel=_OUT)] = True,
    split: Annotated[str | None, typer.Option(
        "--split", help="Splits like train=0.9,test=0.1 (grouped by prompt, stratified).",
        rich_help_panel=_OUT)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --split.",
                                      rich_help_panel=_OUT)] = 42,
    near_dup: Annotated[float | None, typer.Option(
        "--near-dup", help="Also keep near-duplicate prompts (MinHash Jaccard >= this) in one "
        "split.", rich_help_panel=_OUT)] = None,
    license_: Annotated[str, typer.Option("--license", help="License in the dataset card.",
                                          rich_help_panel=_OUT)] = "other",
    card: Annotated[bool | None, typer.Option(
        "--card/--no-card", help="Write a README.md dataset card (default: for hub and disk).",
        rich_help_panel=_OUT)] = None,
    shard_rows: Annotated[int, typer.Option("--shard-rows", help="Rows per Parquet shard (hub).",
                                            rich_help_panel=_OUT)] = 500_000,
    push_to_hub: Annotated[str | None, typer.Option(
        "--push-to-hub", help="Upload a --to hub export to this Hugging Face dataset repo "
        "(needs $HF_TOKEN and network).", rich_help_panel=_OUT)] = None,
    health_check: Annotated[bool, typer.Option(
        "--health-check/--no-health-check", help="Print the dataset-health warnings "
        "(imbalanced labels, empty slices; see accord report) before exporting.")] = True,
    db: DbOption = None,
) -> None:
    """Export a dataset (written atomically: files appear only when complete)."""
    from accord.io.exporters.arrow_pool import jemalloc_for_exports
    from accord.store.export.sqlite import memory_statistics_off

    # before the first SQLite connection (it cannot be set later; process-wide, see there)
    memory_statistics_off()
    jemalloc_for_exports()  # before pyarrow is loaded (process-wide, see there)
    from accord.cli.progress import progress_bar
    from accord.io.exporters import ExportOptions, export_dataset, parse_split
    from accord.store.datasets import get_dataset
    from accord.store.engine import session_scope
    from accord.store.export import count_export_records

    options = ExportOptions(
        fmt=fmt, to=to, prompt_field=prompt_field, question=question,
        completion_field=completion_field, aggregate=aggregate, min_agreement=min_agreement,
        min_responses=min_responses, status=status, drop_contradictory=drop_contradictory,
        exclude_gold=exclude_gold, pairs=pairs, kto_threshold=kto_threshold,
        kto_desirable=tuple(v.strip() for v in (kto_desirable or "").split(",") if v.strip()),
        texts=texts, system_prompt=system_prompt, margin=margin, split=parse_split(split),
        seed=seed, near_dup=near_dup, license=license_, card=card, shard_rows=shard_rows,
        all_responses=all_responses, redact_pii=redact_pii, drop_pii=drop_pii,
        with_vectors=with_vectors,
        command=_command_line())
    options.check()
    to_stdout = str(out) == "-"
    if to_stdout:
        to = _stdout_container(fmt, to, split=split, card=card, push_to_hub=push_to_hub)
        options.to = to
    engine = open_store(db)
    with session_scope(engine) as session:
        total = count_export_records(session, get_dataset(session, dataset).id,
                                     exclude_gold=exclude_gold)
    if health_check:
        from accord.cli.report import print_health_warnings

        print_health_warnings(engine, dataset)
    if to_stdout:
        with tempfile.TemporaryDirectory(prefix="accord-export-") as tmp:
            kept = Path(tmp) / f"export.{to}"
            with progress_bar(f"exporting {dataset}", total) as advance:
                summary = export_dataset(engine, dataset, kept, options, progress=advance)
            _copy_to_stdout(kept)
        # standard output holds the data: the summary goes to standard error
        err_console.print(summary.line(), markup=False, highlight=False)
        return
    with progress_bar(f"exporting {dataset}", total) as advance:
        summary = export_dataset(engine, dataset, out, options, progress=advance)
    console.print(summary.line(), markup=False, highlight=False)
    if summary.card is not None:
        console.print(f"dataset card: {summary.card}", markup=False, highlight=False)
    if push_to_hub:
        from accord.io.exporters.hub_push import push_to_hub as push

        url = push(out, push_to_hub)
        console.print(f"pushed to {url}", markup=False, highlight=False)


def _stdout_container(fmt: str, to: str | None, *, split: str | None, card: bool | None,
                      push_to_hub: str | None) -> str:
    """The one-file container ``-o -`` writes (``--to``, else the format's first one-file
    container), or an :class:`InputError` naming the option that needs a path."""
    from accord.errors import InputError
    from accord.io.exporters.run import get_format

    export_format = get_format(fmt)
    if split is not None:
        raise InputError("-o -: --split writes one file per split; give a file name",
                         field="--split")
    if card or push_to_hub:
        raise InputError("-o -: a dataset card and --push-to-hub need a directory; give one",
                         field="--card" if card else "--push-to-hub")
    if to is not None:
        if to in _DIRECTORIES:
            raise InputError(f"-o -: --to {to} writes a directory, not one file; give a path",
                             field="--to")
        if to not in export_format.containers:
            raise InputError(f"format {fmt!r} can be written to "
                             f"{', '.join(export_format.containers)}, not {to!r}", field="--to")
        return to
    for container in export_format.containers:
        if container not in _DIRECTORIES:
            return container
    raise InputError(f"-o -: format {fmt!r} writes a directory "
                     f"({', '.join(export_format.containers)}); give a path", field="-o")


_DIRECTORIES = ("hub", "disk")


def _copy_to_stdout(path: Path) -> None:
    """Stream the finished file to standard output (binary; a closed pipe, as with
    ``| head``, ends the command quietly)."""
    stream = sys.stdout.buffer
    try:
        with path.open("rb") as f:
            shutil.copyfileobj(f, stream, 1 << 20)
        stream.flush()
    except BrokenPipeError:
        # the reader went away: nothing is lost (the database is unchanged); keep Python
        # from reporting the closed pipe again at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


def register(root: typer.Typer) -> None:
    root.command("export")(export_command)
