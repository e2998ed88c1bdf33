"""``accord prep IN -o OUT``: clean a JSONL/JSON/CSV file of records.

Heavy libraries (ftfy, presidio, lingua, numpy, ray) are imported inside the
command, so ``accord --help`` stays fast. See ``docs/prep.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["prep_command", "register"]

# PrepConfig field -> CLI option, to name the option in errors.
_OPTION_OF = {
    "text_fields": "--text-field",
    "normalization": "--normalization",
    "min_chars": "--min-length",
    "max_chars": "--max-length",
    "max_repetition": "--max-repetition",
    "repetition_ngram": "--repetition-ngram",
    "max_symbol_ratio": "--max-symbol-ratio",
    "languages": "--languages",
    "language_min_confidence": "--language-min-confidence",
    "language_contrast": "--language-contrast",
    "pii": "--pii",
    "pii_entities": "--pii-entities",
    "pii_regexes": "--pii-regex",
    "pii_threshold": "--pii-threshold",
    "near_threshold": "--near-threshold",
    "near_action": "--near-action",
    "shingle_unit": "--shingle",
    "shingle_size": "--ngram",
    "num_perm": "--num-perm",
    "against_threshold": "--against-threshold",
    "against_action": "--against-action",
    "workers": "--workers",
    "batch_size": "--batch-size",
}


def _csv_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def _word_file(path: Path | None, option: str) -> tuple[str, ...]:
    """Lines of a UTF-8 word list (blank lines and ``#`` comments skipped)."""
    from accord.errors import InputError

    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", path=str(path), field=option) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"word lists must be UTF-8 ({exc.reason})", path=str(path), field=option
        ) from None
    return tuple(
        w.strip() for w in text.splitlines() if w.strip() and not w.lstrip().startswith("#")
    )


def _pii_regexes(values: list[str] | None) -> tuple[tuple[str, str], ...]:
    from accord.errors import InputError

    out = []
    for value in values or ():
        name, sep, pattern = value.partition("=")
        if not sep or not name.strip() or not pattern:
            raise InputError(f"expected NAME=PATTERN, got {value!r}", field="--pii-regex")
        out.append((name.strip(), pattern))
    return tuple(out)


def _config(**options: Any) -> Any:
    from accord.errors import InputError
    from accord.prep.config import PrepConfig

    try:
        return PrepConfig(**options)
    except InputError as exc:
        raise InputError(exc.message, field=_OPTION_OF.get(exc.field or "", exc.field)) from None


def prep_command(
    input_path: Annotated[
        Path, typer.Argument(metavar="IN", help="JSONL, JSON array or CSV file of records.")
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="JSONL file for the kept records.")
    ],
    text_field: Annotated[
        list[str] | None,
        typer.Option(
            "--text-field",
            help="Key holding text or chat messages (repeatable; default: every top-level string).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, jsonl, json or csv.")] = "auto",
    fix: Annotated[
        bool, typer.Option("--fix/--no-fix", help="Repair text (ftfy, Unicode, control chars).")
    ] = True,
    normalization: Annotated[str, typer.Option("--normalization", help="NFC or NFKC.")] = "NFC",
    ftfy: Annotated[bool, typer.Option("--ftfy/--no-ftfy", help="Use ftfy in --fix.")] = True,
    dedupe_exact: Annotated[bool, typer.Option("--dedupe-exact/--no-dedupe-exact")] = True,
    dedupe_near: Annotated[
        bool, typer.Option("--dedupe-near/--no-dedupe-near", help="MinHash near dedupe.")
    ] = False,
    near_threshold: Annotated[
        float, typer.Option("--near-threshold", help="Estimated Jaccard similarity.")
    ] = 0.5,
    near_action: Annotated[str, typer.Option("--near-action", help="drop or flag.")] = "drop",
    shingle: Annotated[str, typer.Option("--shingle", help="word or char n-grams.")] = "word",
    ngram: Annotated[int, typer.Option("--ngram", help="Shingle size.")] = 2,
    num_perm: Annotated[int, typer.Option("--num-perm", help="MinHash permutations.")] = 128,
    seed: Annotated[int, typer.Option("--seed", help="MinHash seed.")] = 1,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="Reference set (e.g. evaluation data): flag or drop records near-duplicating it.",
        ),
    ] = None,
    against_action: Annotated[str, typer.Option("--against-action", help="flag or drop.")] = "flag",
    against_threshold: Annotated[
        float | None, typer.Option("--against-threshold", help="Default: --near-threshold.")
    ] = None,
    pii: Annotated[str, typer.Option("--pii", help="off, flag, redact or drop.")] = "off",
    pii_entities: Annotated[
        str | None,
        typer.Option("--pii-entities", help="Comma-separated built-in entities (default: all)."),
    ] = None,
    pii_regex: Annotated[
        list[str] | None,
        typer.Option("--pii-regex", help="Extra entity NAME=PATTERN (repeatable)."),
    ] = None,
    pii_names: Annotated[
        Path | None,
        typer.Option("--pii-names", help="File of person names, one per line (entity PERSON)."),
    ] = None,
    pii_threshold: Annotated[float, typer.Option("--pii-threshold")] = 0.4,
    min_length: Annotated[
        int | None, typer.Option("--min-length", help="Minimum characters.")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="Maximum characters.")
    ] = None,
    max_repetition: Annotated[
        float | None,
        typer.Option("--max-repetition", help="Maximum share of repeated word n-grams."),
    ] = None,
    repetition_ngram: Annotated[int, typer.Option("--repetition-ngram")] = 3,
    max_symbol_ratio: Annotated[
        float | None, typer.Option("--max-symbol-ratio", help="Maximum share of symbol characters.")
    ] = None,
    languages: Annotated[
        str | None, typer.Option("--languages", help="Keep these languages, e.g. en,de.")
    ] = None,
    language_min_confidence: Annotated[float, typer.Option("--language-min-confidence")] = 0.0,
    language_contrast: Annotated[
        str | None,
        typer.Option(
            "--language-contrast", help="Extra languages loaded only to reject texts in them."
        ),
    ] = None,
    blocklist: Annotated[
        Path | None,
        typer.Option(
            "--blocklist", help="File of words or phrases that drop a record, one per line."
        ),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="JSONL of dropped records (default OUT.rejects.jsonl)."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Writes PATH.md and PATH.json (default OUT.report)."),
    ] = None,
    executor: Annotated[str, typer.Option("--executor", help="local or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes.")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 1000,
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="Ray cluster (default: local).")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", help="Encoding of lines that are not UTF-8 (default: detected)."
        ),
    ] = None,
    max_record_mb: Annotated[
        float, typer.Option("--max-record-mb", help="Longest accepted line, in MiB.")
    ] = 32.0,
) -> None:
    """Repair, filter, find PII in and dedupe a file of records."""
    from accord.cli.console import console, err_console
    from accord.errors import InputError
    from accord.prep.executors import EXECUTORS, get_executor
    from accord.prep.output import write_result
    from accord.prep.pipeline import run_prep
    from accord.prep.reader import RecordReader
    from accord.prep.report import summary_line

    if executor not in EXECUTORS:
        raise InputError(
            f"expected one of {', '.join(EXECUTORS)}, got {executor!r}", field="--executor"
        )
    if fmt not in ("auto", "jsonl", "json", "csv"):
        raise InputError(f"expected auto, jsonl, json or csv, got {fmt!r}", field="--format")
    config = _config(
        text_fields=tuple(text_field or ()),
        fix=fix,
        normalization=normalization,
        use_ftfy=ftfy,
        dedupe_exact=dedupe_exact,
        dedupe_near=dedupe_near,
        near_threshold=near_threshold,
        near_action=near_action,
        shingle_unit=shingle,
        shingle_size=ngram,
        num_perm=num_perm,
        seed=seed,
        against_action=against_action,
        against_threshold=against_threshold,
        pii=pii,
        **({"pii_entities": _csv_list(pii_entities)} if pii_entities else {}),
        pii_regexes=_pii_regexes(pii_regex),
        pii_names=_word_file(pii_names, "--pii-names"),
        pii_threshold=pii_threshold,
        min_chars=min_length,
        max_chars=max_length,
        max_repetition=max_repetition,
        repetition_ngram=repetition_ngram,
        max_symbol_ratio=max_symbol_ratio,
        languages=_csv_list(languages),
        language_min_confidence=language_min_confidence,
        language_contrast=_csv_list(language_contrast),
        blocklist=_word_file(blocklist, "--blocklist"),
        workers=workers,
        batch_size=batch_size,
    )
    limit = int(max_record_mb * 2**20)
    reader = RecordReader(input_path, fmt=fmt, max_record_bytes=limit, encoding=encoding)  # type: ignore[arg-type]
    reference = RecordReader(against, max_record_bytes=limit) if against is not None else None
    runner = get_executor(executor, workers=workers, address=ray_address)
    try:
        with _progress(err_console, input_path.name, reader) as on_progress:
            result = run_prep(
                reader,
                config,
                executor=runner,
                against=reference,
                source=str(input_path),
                against_source=str(against) if against is not None else "against",
                progress=on_progress,
            )
    finally:
        runner.close()
    paths = write_result(result, output, rejects=rejects, report=report)
    summary = result.report.get("encoding", {}).get("summary", "utf-8")
    if summary != "utf-8":
        err_console.print(
            f"note: {input_path} is not all UTF-8: {summary}", markup=False, soft_wrap=True
        )
    if result.report["records_in"] == 0:
        err_console.print(
            f"warning: {input_path} has no records; wrote an empty {output}",
            markup=False,
            soft_wrap=True,
        )
    err_console.print(
        f"rejects: {paths['rejects']}  report: {paths['report_md']} (and .json)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"{summary_line(result.report)} -> {output}", markup=False, highlight=False, soft_wrap=True
    )


class _progress:
    """Rich progress on stderr driven by bytes read (hidden when not a terminal)."""

    def __init__(self, console: Any, name: str, reader: Any) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

        self.reader = reader
        self.name = name
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task = self.progress.add_task(f"prep {name}", total=max(reader.size, 1))

    def __enter__(self) -> Any:
        self.progress.start()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, stage: str, done: int) -> None:
        if stage == "records":
            self.progress.update(
                self.task,
                completed=self.reader.bytes_read,
                description=f"prep {self.name}: {done:,} records",
            )
        else:
            self.progress.update(
                self.task, completed=self.reader.size, description=f"prep {self.name}: {stage}"
            )


def register(root: typer.Typer) -> None:
    """Add the ``prep`` command to the root app."""
    root.command("prep")(prep_command)
