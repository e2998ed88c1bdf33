"""The prep report: counts, examples and time per step, as JSON and markdown.

Per step the report counts the records that entered it (``in``), and of
those the ones it ``changed``, ``dropped`` and ``flagged``; it keeps the
first few examples and the time spent. Time for per-record steps is the sum
over workers (CPU seconds, so with N workers it can exceed wall time); time
for global steps is wall time in the driver.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

__all__ = ["ReportBuilder", "StepStats", "render_markdown", "summary_line"]


class StepStats:
    """Counters and examples of one step."""

    def __init__(self, name: str, max_examples: int) -> None:
        self.name = name
        self.max_examples = max_examples
        self.entered = 0
        self.changed = 0
        self.dropped = 0
        self.flagged = 0
        self.seconds = 0.0
        self.details: Counter[str] = Counter()
        self.examples: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}

    def example(self, item: dict[str, Any]) -> None:
        """Keep ``item`` if fewer than ``max_examples`` are kept."""
        if len(self.examples) < self.max_examples:
            self.examples.append(item)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the step's statistics."""
        out: dict[str, Any] = {
            "name": self.name,
            "in": self.entered,
            "changed": self.changed,
            "dropped": self.dropped,
            "flagged": self.flagged,
            "seconds": round(self.seconds, 4),
        }
        if self.details:
            out["details"] = dict(sorted(self.details.items()))
        out.update(self.extra)
        out["examples"] = self.examples
        return out


class ReportBuilder:
    """Collects step statistics during a run and renders the report dict.

    Parameters
    ----------
    steps : list of str
        Active step names in order.
    max_examples : int
        Examples kept per step.
    """

    def __init__(self, steps: list[str], max_examples: int) -> None:
        self.steps = {name: StepStats(name, max_examples) for name in steps}
        self.order = list(steps)

    def __getitem__(self, name: str) -> StepStats:
        return self.steps[name]

    def set_entered(self, records_in: int) -> None:
        """Derive each step's ``in`` from the drops of the steps before it."""
        remaining = records_in
        for name in self.order:
            stats = self.steps[name]
            stats.entered = remaining
            remaining -= stats.dropped

    def to_dict(self, **top: Any) -> dict[str, Any]:
        """The report: ``top`` fields, then ``steps`` in order."""
        report = dict(top)
        report["steps"] = [self.steps[name].to_dict() for name in self.order]
        return report


def _fmt_where(example: dict[str, Any]) -> str:
    if example.get("line") is not None:
        return f"line {example['line']}"
    return f"record {example.get('index', 0) + 1}"


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", "⏎")


def render_markdown(report: dict[str, Any]) -> str:
    """Render a report dict as markdown.

    Examples
    --------
    >>> md = render_markdown({"source": "in.jsonl", "records_in": 2, "records_out": 1, "dropped": 1,
    ...                       "flagged": 0, "seconds_total": 0.1, "steps": []})
    >>> md.splitlines()[0]
    '# Prep report: in.jsonl'
    """
    lines = [f"# Prep report: {report.get('source') or 'records'}", ""]
    lines.append(
        f"{report['records_in']:,} records in, {report['records_out']:,} out, "
        f"{report['dropped']:,} dropped, {report['flagged']:,} flagged "
        f"in {report['seconds_total']:.2f} s"
        + (f" (executor: {report['executor']})" if report.get("executor") else "")
        + "."
    )
    encoding = report.get("encoding")
    if encoding:
        lines += ["", f"Input encoding: {encoding.get('summary', encoding)}."]
    lines += [
        "",
        "| step | in | changed | dropped | flagged | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for step in report["steps"]:
        lines.append(
            f"| {step['name']} | {step['in']} | {step['changed']} | {step['dropped']} "
            f"| {step['flagged']} | {step['seconds']:.3f} |"
        )
    for step in report["steps"]:
        extra = step.get("details")
        clusters = step.get("clusters")
        if not (step["examples"] or extra or clusters):
            continue
        lines += ["", f"## {step['name']}", ""]
        if extra:
            lines.append("Counts: " + ", ".join(f"{k} {v}" for k, v in extra.items()) + ".")
            lines.append("")
        if clusters:
            lines.append(f"{step.get('clusters_total', len(clusters))} clusters; the first:")
            lines.append("")
            for c in clusters[:5]:
                members = ", ".join(_fmt_where(m) for m in c["members"][:10])
                lines.append(
                    f"- cluster {c['id']}: keeps {_fmt_where(c['representative'])}; "
                    f"members {members}"
                )
            lines.append("")
        for ex in step["examples"]:
            where = _fmt_where(ex)
            if "before" in ex:
                lines.append(f"- {where}: `{_md_cell(ex['before'])}` → `{_md_cell(ex['after'])}`")
            else:
                text = f" — `{_md_cell(ex['text'])}`" if ex.get("text") else ""
                lines.append(f"- {where}: {_md_cell(ex.get('reason', ''))}{text}")
    return "\n".join(lines) + "\n"


def summary_line(report: dict[str, Any]) -> str:
    """One line for the end of a CLI run.

    Examples
    --------
    >>> summary_line({"records_in": 12000, "records_out": 8, "dropped": 11992, "flagged": 1,
    ...               "seconds_total": 1.5, "steps": [{"name": "dedupe_exact", "dropped": 11992}]})
    'prep: 12,000 records in, 8 out, 11,992 dropped (dedupe_exact 11,992), 1 flagged, 1.5 s'
    """
    drops = ", ".join(f"{s['name']} {s['dropped']:,}" for s in report["steps"] if s.get("dropped"))
    return (
        f"prep: {report['records_in']:,} records in, {report['records_out']:,} out, "
        f"{report['dropped']:,} dropped"
        + (f" ({drops})" if drops else "")
        + f", {report['flagged']:,} flagged, {report['seconds_total']:.1f} s"
    )
