"""``accord quality``: agreement and aggregation on long-form annotation files.

``agree`` reports an agreement metric; ``aggregate`` writes one label per
item with a confidence; ``annotators`` scores annotators and flags spammers.
Inputs are CSV/TSV/JSONL/JSON/Parquet files with ``item, annotator, label``
columns (see :mod:`accord.quality.longform`).
numpy, scipy and pyarrow are imported inside the commands, not here.
"""

from __future__ import annotations

import enum
import json
import math
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli.console import console, err_console
from accord.cli.store import DbOption
from accord.schema.questions.base import CLASSIFICATION_METHODS

__all__ = ["app", "register"]

app = typer.Typer(
    name="quality",
    help="Inter-annotator agreement and label aggregation.",
    no_args_is_help=True,
)


class Metric(enum.StrEnum):
    alpha = "alpha"
    fleiss = "fleiss"
    cohen = "cohen"
    scott = "scott"
    gwet = "gwet"
    percent = "percent"


class Level(enum.StrEnum):
    nominal = "nominal"
    ordinal = "ordinal"
    interval = "interval"
    ratio = "ratio"


#: the classification aggregators, named as the question-type registry names them (kept equal
#: to accord.quality.aggregation.AGGREGATORS by a test; the schema's copy spares the CLI numpy)
Method = enum.StrEnum("Method", {name: name for name in CLASSIFICATION_METHODS})  # type: ignore[misc]


class Tie(enum.StrEnum):
    smallest = "smallest"
    largest = "largest"
    first = "first"
    random = "random"


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


@app.command("agree")
def agree(
    input: Annotated[
        Path | None,
        typer.Argument(help="Long-form CSV/JSONL/Parquet: item,annotator,label."),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Read submitted responses of a dataset.")
    ] = None,
    question: Annotated[
        str | None,
        typer.Option("--question", help="Question of --dataset (default: the only one)."),
    ] = None,
    db: DbOption = None,
    metric: Annotated[
        Metric | None,
        typer.Option(help="Agreement metric (default alpha; with --dataset the question "
                     "type's own)."),
    ] = None,
    level: Annotated[
        Level | None,
        typer.Option(help="Level of measurement (alpha, gwet, cohen, scott; default nominal, "
                     "with --dataset the question type's level)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ci: Annotated[
        bool, typer.Option("--ci", help="Add a 95% bootstrap interval over items.")
    ] = False,
    resamples: Annotated[int, typer.Option(help="Bootstrap resamples for --ci.", min=10)] = 1000,
    seed: Annotated[int, typer.Option(help="Seed for --ci.")] = 0,
) -> None:
    """Measure inter-annotator agreement.

    Items with a single annotation cannot show (dis)agreement and are
    ignored (counted in the output); if no item has two annotations the
    command fails with exit code 2.
    """
    import numpy as np

    from accord.errors import InputError
    from accord.quality.agreement import agreement_score, bootstrap_ci, check_metric
    from accord.schema.questions import question_type

    if metric is not None and level is not None:
        check_metric(metric.value, level.value)  # before any data is read
    started = time.perf_counter()
    if input is None and dataset is not None:
        found = _dataset_agreement(dataset, question, db, metric, level)
        if found is not None:  # not a label, pairwise or rating question
            _print_other_agreement(found, as_json, time.perf_counter() - started)
            return
    lf, qtype = _load(input, dataset, question, db, agreement=True)
    metric_name = metric.value if metric is not None else "alpha"
    level_name = level.value if level is not None else (
        question_type(qtype).agreement_level or "nominal" if qtype else "nominal")
    if qtype is not None:
        refusal = question_type(qtype).metric_refusal(metric_name)
        if refusal is not None:
            raise InputError(refusal, field="--metric")
    check_metric(metric_name, level_name)
    per_item = np.bincount(lf.item, minlength=lf.n_items)
    pairable = per_item >= 2
    value = agreement_score(lf, metric_name, level_name)
    interval = None
    if ci:
        interval = bootstrap_ci(
            lf, metric_name, level=level_name, n_resamples=resamples, seed=seed
        )
    annotated = np.unique(lf.annotator[pairable[lf.item]])
    result: dict[str, Any] = {
        "metric": metric_name,
        "level": level_name,
        "value": _finite(value),
        "n_items": int(pairable.sum()),
        "n_items_ignored": int((~pairable).sum()),
        "n_annotators": len(annotated),
        "n_annotations": len(lf),
        "n_labels": lf.n_labels,
        "ci": None
        if interval is None
        else {
            "low": interval.low,
            "high": interval.high,
            "confidence": interval.confidence,
            "n_resamples": interval.n_resamples,
        },
        "input": str(input) if input is not None else f"dataset {dataset}:{question or ''}",
    }
    if as_json:
        console.print(json.dumps(result), markup=False, highlight=False, soft_wrap=True)
        return
    _print_agreement(result, time.perf_counter() - started)


def _print_agreement(result: dict[str, Any], seconds: float) -> None:
    from rich.table import Table

    table = Table(title=f"Agreement: {result['input']}", show_header=True)
    table.add_column("measure")
    table.add_column("value", justify="right")
    value = result["value"]
    table.add_row(
        f"{result['metric']} ({result['level']})",
        "undefined (no variation)" if value is None else f"{value:.4f}",
    )
    if result["ci"]:
        c = result["ci"]
        table.add_row(
            f"{c['confidence']:.0%} bootstrap interval", f"[{c['low']:.4f}, {c['high']:.4f}]"
        )
    table.add_row("items with >= 2 annotations", str(result["n_items"]))
    table.add_row("items ignored (1 annotation)", str(result["n_items_ignored"]))
    table.add_row("annotators", str(result["n_annotators"]))
    table.add_row("annotations", str(result["n_annotations"]))
    console.print(table)
    console.print(
        f"{result['metric']} = "
        f"{'undefined' if value is None else format(value, '.4f')} on "
        f"{result['n_items']} items in {seconds:.2f} s",
        highlight=False,
    )


def _write_csv_atomic(out: Path, rows: Any) -> None:
    import csv

    from accord.atomic import atomic_output
    from accord.errors import InputError

    out = Path(out)
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("output folder does not exist", path=str(out))
    with atomic_output(out, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["item", "label", "confidence"])
        for item, label, conf in rows:
            writer.writerow([item, label, f"{conf:.6f}"])


@app.command("aggregate")
def aggregate(
    input: Annotated[
        Path | None,
        typer.Argument(help="Long-form CSV/JSONL/Parquet: item,annotator,label."),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Read submitted responses of a dataset.")
    ] = None,
    question: Annotated[
        str | None,
        typer.Option("--question", help="Question of --dataset (default: the only one)."),
    ] = None,
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Output CSV: item,label,confidence.")
    ] = None,
    method: Annotated[
        Method | None,
        typer.Option(help="Aggregation method (default: accord's default, see docs/quality.md)."),
    ] = None,
    gold: Annotated[
        Path | None, typer.Option(help="Gold CSV/JSONL (item,label): print accuracy.")
    ] = None,
    tie: Annotated[Tie, typer.Option(help="Tie policy for mv/wmv.")] = Tie.smallest,
) -> None:
    """Aggregate many labels per item into one label with a confidence."""
    import numpy as np

    from accord.errors import InputError
    from accord.quality.aggregation import AGGREGATORS, DEFAULT_METHOD
    from accord.quality.annotators import gold_codes
    from accord.quality.longform import read_gold

    if out is None:
        raise InputError("give the output CSV with -o OUT", field="--out")
    started = time.perf_counter()
    if input is None and dataset is not None:
        if gold is not None:
            raise InputError("--gold needs an INPUT file; a dataset has gold records instead",
                             field="--gold")
        _aggregate_dataset(dataset, question, db, method.value if method else None, out,
                           started)
        return
    lf, _ = _load(input, dataset, question, db)
    gold_map = read_gold(gold, lf.labels.tolist()) if gold is not None else None
    if gold_map is not None:
        codes = gold_codes(gold_map, lf, source=str(gold))
        if not (codes >= 0).any():
            raise InputError(
                "no gold item matches an annotated item (compare the item ids)",
                path=str(gold),
                field="item",
            )
    name = method.value if method is not None else DEFAULT_METHOD
    cls = AGGREGATORS[name]
    model = cls(tie=tie.value) if name in ("mv", "wmv") else cls()
    with err_console.status(f"aggregating {len(lf)} annotations with {name}"):
        model.fit(lf)
    result = model.predict()
    _write_csv_atomic(out, result)
    seconds = time.perf_counter() - started
    if gold_map is not None:
        has = codes >= 0
        right = int(np.sum(model.codes_[has] == codes[has]))
        total = int(has.sum())
        console.print(
            f"accuracy against gold: {right / total:.4f} ({right}/{total} items)", highlight=False
        )
    console.print(
        f"wrote {len(result)} items to {out} (method {name}, {len(lf)} annotations, "
        f"{lf.n_annotators} annotators, mean confidence {float(np.mean(result.confidence)):.3f}) "
        f"in {seconds:.2f} s",
        highlight=False,
        soft_wrap=True,
    )


class Consensus(enum.StrEnum):
    ds = "ds"
    mv = "mv"


@app.command("annotators")
def annotators(
    input: Annotated[
        Path | None,
        typer.Argument(help="Long-form CSV/JSONL/Parquet: item,annotator,label[,time]."),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Read submitted responses of a dataset.")
    ] = None,
    question: Annotated[
        str | None,
        typer.Option("--question", help="Question of --dataset (default: the only one)."),
    ] = None,
    db: DbOption = None,
    gold: Annotated[
        Path | None, typer.Option(help="Gold CSV/JSONL (item,label): accuracy per annotator.")
    ] = None,
    method: Annotated[
        Consensus, typer.Option(help="Consensus and confusion matrices: Dawid-Skene or votes.")
    ] = Consensus.ds,
    min_labels: Annotated[
        int, typer.Option("--min-labels", min=1, help="Flag only annotators with this many labels.")
    ] = 10,
    flagged: Annotated[
        bool, typer.Option("--flagged", help="Show flagged annotators only.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Score every annotator and flag spammers and low effort, with the reason."""
    from rich.table import Table

    from accord.quality.annotators import score_annotators
    from accord.quality.longform import read_gold

    lf, _ = _load(input, dataset, question, db)
    gold_map = read_gold(gold, lf.labels.tolist()) if gold is not None else None
    report = score_annotators(lf, gold=gold_map, method=method.value, min_labels=min_labels)
    scores = report.flagged() if flagged else report.scores
    rows = [s.as_dict() for s in scores]
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    table = Table(title=f"{len(report.flagged())} of {len(report.scores)} annotators flagged")
    for name in ("annotator", "labels", "agreement", "gold accuracy", "spammer score", "flags"):
        table.add_column(name, justify="left" if name in ("annotator", "flags") else "right")
    for r in rows:
        table.add_row(
            str(r["annotator"]),
            str(r["n_labels"]),
            f"{r['agreement']:.2f}",
            "–" if r["accuracy"] is None else f"{r['accuracy']:.2f} of {r['n_gold']}",
            "–" if r["spammer_score"] is None else f"{r['spammer_score']:.3f}",
            "; ".join(r["flags"]) or "–",
        )
    console.print(table)


def _aggregate_dataset(dataset: str, question: str | None, db: str | None,
                       method: str | None, out: Path, started: float) -> None:
    """The consensus of a dataset question from the quality core (reviews applied, models'
    answers counted), one row per record: ``item`` is the record id."""
    from accord.cli.store import open_store
    from accord.store.datasets import get_dataset, settings_of
    from accord.store.engine import session_scope
    from accord.workflow.consensus import dataset_consensus, question_rows

    engine = open_store(db)
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        q, answers = question_rows(session, ds, settings, question)
        qc = dataset_consensus(session, ds, settings, questions=[q.name], method=method,
                               strict=[q.name], answers=answers)[q.name]
    rows = [(rid, d.value["choice"] if isinstance(d.value, dict) else d.value,
             d.confidence if d.confidence is not None else 0.0) for rid, d in qc.items()]
    _write_csv_atomic(out, rows)
    mean = sum(r[2] for r in rows) / len(rows) if rows else 0.0
    console.print(
        f"wrote {len(rows)} items to {out} (method {qc.method}, {qc.n_responses} answers, "
        f"{qc.n_annotators} annotators, mean confidence {mean:.3f}) in "
        f"{time.perf_counter() - started:.2f} s", highlight=False, soft_wrap=True)


def _dataset_agreement(dataset: str, question: str | None, db: str | None, metric: Any,
                       level: Any) -> dict[str, Any] | None:
    """Agreement of a multi-label, span, ranking or region question of a dataset, from the
    quality core (None for label, pairwise and rating questions, measured by the caller)."""
    from accord.cli.store import open_store
    from accord.errors import InputError
    from accord.quality.question_quality import question_agreement
    from accord.store.answers import load_answers
    from accord.store.datasets import get_dataset, settings_of
    from accord.store.engine import session_scope

    engine = open_store(db)
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        settings = settings_of(ds)
        q = next((q for q in settings.questions if q.name == question), None)
        if q is None or q.type in ("label", "pairwise", "rating"):
            return None
        if level is not None:
            raise InputError(f"--level applies to label, pairwise and rating questions; "
                             f"{question!r} is a {q.type} question", field="--level")
        answers = load_answers(session, ds.id, [q.name]).get(q.name)
    result = question_agreement(answers, q.type,
                                metric=metric.value if metric is not None else None)
    if result["value"] is None:
        raise InputError(f"no record of {dataset!r} has 2 or more submitted answers to "
                         f"{question!r} from people (or nothing varies); agreement needs at "
                         "least two annotators", field="--question")
    return {**result, "input": f"dataset {dataset}:{question}"}


def _print_other_agreement(result: dict[str, Any], as_json: bool, seconds: float) -> None:
    if as_json:
        console.print(json.dumps(result), markup=False, highlight=False, soft_wrap=True)
        return
    extra = f" (mean IoU of matches {result['mean_iou']:.4f})" if result.get("mean_iou") \
        is not None else ""
    console.print(f"{result['metric_name']} = {result['value']:.4f}{extra} over "
                  f"{result['records_with_2plus']:,} records with 2+ annotators in "
                  f"{seconds:.2f} s", markup=False, highlight=False)


def _load(input: Path | None, dataset: str | None, question: str | None,
          db: str | None, *, agreement: bool = False) -> tuple[Any, str | None]:
    """Long-form annotations from a file, or a dataset question's counted answers (reviews
    applied; for agreement, people only), and the question type (None for a file)."""
    from accord.errors import InputError
    from accord.quality.longform import read_longform
    from accord.quality.question_quality import coded_longform

    if (input is None) == (dataset is None):
        raise InputError("give either an INPUT file or --dataset NAME", field="INPUT")
    if input is not None:
        return read_longform(input), None
    from accord.cli.store import open_store
    from accord.store.datasets import get_dataset, settings_of
    from accord.store.engine import session_scope
    from accord.workflow.consensus import question_rows

    engine = open_store(db)
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        q, answers = question_rows(session, ds, settings_of(ds), question)
    data = answers.get(q.name)
    if agreement:
        data = data.people()
    if not len(data):
        raise InputError(f"dataset {dataset!r} has no counted answers to {q.name!r}",
                         field="--dataset")
    return coded_longform(data, q.type), q.type


def register(root: typer.Typer) -> None:
    """Add the ``quality`` command group to the root CLI."""
    root.add_typer(app, name="quality")
