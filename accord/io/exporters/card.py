"""The README.md dataset card of an export: a Hugging Face YAML header and provenance.

The header has ``license``, ``task_categories``, ``size_categories``,
``tags``, ``pretty_name``, ``dataset_info`` (features from the Arrow schema,
splits with their sizes) and, for the ``hub`` layout, ``configs`` pointing
each split at its Parquet shards. The body records where the data came from
and how it was selected: source files (``dataset.import`` audit events and
the records' ``metadata.source`` values), settings and guidelines version,
annotator count, agreement per question, the aggregation method, the
filters with how many records each dropped, and the export command line.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from accord.atomic import atomic_output

__all__ = ["features_yaml", "render_card", "size_category", "write_card"]

_TASKS = {"sft": ["text-generation"], "preference": ["text-generation"],
          "kto": ["text-generation"], "spans": ["token-classification"]}
_TAGS = {"sft-messages": ["sft"], "sft-prompt-completion": ["sft"], "dpo": ["dpo", "preference"],
         "reward": ["reward-modeling", "preference"], "kto": ["kto"],
         "openai-chat": ["sft"], "openai-dpo": ["dpo", "preference"], "conll": ["ner"]}
_METRIC_NAMES = {
    "krippendorff_alpha_nominal": "Krippendorff's alpha (nominal)",
    "krippendorff_alpha_ordinal": "Krippendorff's alpha (ordinal)",
    "krippendorff_alpha_nominal_mean_over_labels":
        "Krippendorff's alpha (nominal), mean over labels",
    "span_f1_exact_pairwise_mean": "pairwise exact-span F1, mean",
    "kendall_w_mean": "Kendall's W, mean over records",
}


def size_category(n: int) -> str:
    """Hugging Face's size bucket.

    Examples
    --------
    >>> size_category(999), size_category(1000), size_category(2_500_000)
    ('n<1K', '1K<n<10K', '1M<n<10M')
    """
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
              (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
              (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]
    for bound, name in bounds:
        if n < bound:
            return name
    return "n>1T" if n >= 10**12 else "1B<n<10B"


def _feature(name: str | None, t: Any) -> dict[str, Any]:
    import pyarrow as pa

    out: dict[str, Any] = {} if name is None else {"name": name}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        inner = t.value_type
        if pa.types.is_struct(inner):
            out["list"] = [_feature(f.name, f.type) for f in inner]
        else:
            out["sequence"] = _feature(None, inner).get("dtype", "string")
        return out
    if pa.types.is_struct(t):
        out["struct"] = [_feature(f.name, f.type) for f in t]
        return out
    dtype = {"bool": "bool", "double": "float64", "float": "float32", "int64": "int64",
             "int32": "int32"}.get(str(t), "string")
    out["dtype"] = dtype
    return out


def features_yaml(schema: Any) -> list[dict[str, Any]]:
    """``dataset_info.features`` entries for an Arrow schema."""
    return [_feature(f.name, f.type) for f in schema]


def render_card(header: dict[str, Any], body: list[str]) -> str:
    return "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" + \
        "\n".join(body) + "\n"


def _sources(session: Session, dataset_id: int) -> list[str]:
    from accord.store.audit import list_events
    from accord.store.export import metadata_values

    found: list[str] = []
    seen: set[str] = set()
    for entry, _user in list_events(session, dataset_id=dataset_id, action="dataset.import",
                                    limit=50):
        details = entry.details or {}
        source = details.get("source")
        if source and source not in seen:
            seen.add(source)
            found.append(f"{source} ({details.get('format', 'import')})")
    for value in metadata_values(session, dataset_id, "source"):
        if value not in seen:
            seen.add(value)
            found.append(f"{value} (metadata.source)")
    return found


def _agreement_rows(consensus: dict[str, dict[str, Any]]) -> list[str]:
    rows = ["| question | type | metric | value | records | responses | annotators | method |",
            "|---|---|---|---:|---:|---:|---:|---|"]
    for name, c in consensus.items():
        value = "n/a" if c["agreement"] is None else f"{c['agreement']:.4f}"
        metric = _METRIC_NAMES.get(c["agreement_metric"] or "", c["agreement_metric"] or "-")
        rows.append(f"| {name} | {c['type']} | {metric} | {value} | {c['records']:,} | "
                    f"{c['responses']:,} | {c['annotators']:,} | {c['method']} |")
    return rows


def write_card(session: Session, prep: Any, run: Any, summary: Any, schema: Any,
               outputs: Any, out: Path) -> Path:
    """Write README.md into the output directory (``hub``/``disk``) or beside the file."""
    import accord
    from accord.store.datasets import get_dataset
    from accord.store.export import annotator_count

    options = prep.ctx.options
    ds = get_dataset(session, prep.dataset_id)
    guidelines = prep.ctx.settings.guidelines or ""
    total = summary.rows_written
    header: dict[str, Any] = {
        "license": options.license,
        "task_categories": _TASKS.get(prep.fmt.kind, _record_tasks(prep.ctx.settings)),
        "size_categories": [size_category(total)],
        "tags": ["accord"] + _TAGS.get(prep.fmt.name, []),
        "pretty_name": ds.name,
    }
    if prep.container == "hub":
        header["configs"] = [{"config_name": "default", "data_files": [
            {"split": name, "path": f"data/{name}-*"} for name in summary.rows]}]
    info: dict[str, Any] = {}
    if schema is not None:
        info["features"] = features_yaml(schema)
    info["splits"] = [{"name": k, "num_examples": v} for k, v in summary.rows.items()]
    header["dataset_info"] = info
    plan = prep.ctx.plan
    exported = (f"Exported by accord {accord.__version__} on "
                f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} as `{prep.fmt.name}` "
                f"({prep.fmt.summary}), {total:,} rows from {summary.records_exported:,} of "
                f"{summary.records_read:,} records.")
    body = [f"# {ds.name}", "", exported, "", "## Provenance", ""]
    sources = _sources(session, prep.dataset_id)
    body.append("- Source files: " + ("; ".join(sources) if sources else "not recorded"))
    body.append(f"- Settings version: {ds.settings_version}; guidelines version "
                f"{ds.settings_version} (sha256 "
                f"{hashlib.sha256(guidelines.encode()).hexdigest()[:12]})")
    body.append(f"- Annotators with submitted responses: {annotator_count(session, ds.id):,}")
    if plan.prompt:
        body.append(f"- Prompt field: `{plan.prompt}`")
    if plan.question is not None:
        body.append(f"- Question: `{plan.question.name}` ({plan.question.type})")
    body += ["", "## Agreement and aggregation", ""]
    if summary.consensus:
        body += _agreement_rows(summary.consensus)
        body += ["", ("Agreement is the people's (models' auto-accepted answers are left "
                      "out), over every record with at least two usable responses; the "
                      "consensus counts every usable response (rejected ones out, reviewers' "
                      "fixes in). Both are computed before the filters below.")]
    else:
        body.append("No question to aggregate.")
    body += ["", "## Selection", ""]
    body += [f"- {line}" for line in run.filter.describe()]
    for reason, n in sorted(summary.dropped.items()):
        body.append(f"- dropped ({reason}): {n:,} records")
    if options.split:
        body.append(f"- splits {options.split}, seed {options.seed}, grouped by normalized "
                    "prompt" + (f" and near-duplicates (Jaccard >= {options.near_dup})"
                                if options.near_dup else "") + ", stratified by label")
    body += ["", "## Command", "", "```", options.command or f"accord export {ds.name} "
             f"--format {prep.fmt.name}", "```"]
    text = render_card(header, body)
    if outputs.directory is not None:
        (outputs.directory / "README.md").write_text(text, encoding="utf-8")
        return out / "README.md"
    path = out.with_name(f"{out.stem}.README.md")
    with atomic_output(path) as fh:
        fh.write(text.encode("utf-8"))
    return path


def _record_tasks(settings: Any) -> list[str]:
    types = {q.type for q in settings.questions}
    tasks = []
    if types & {"label", "multi_label", "flags"}:
        tasks.append("text-classification")
    if "span" in types:
        tasks.append("token-classification")
    if types & {"text", "ranking", "pairwise", "rating"} or not tasks:
        tasks.append("text-generation")
    return tasks
