"""Warnings read off a dataset-health report: what to look at before exporting.

Kinds:

- ``imbalanced_label``: one label (or rating value) takes more than
  ``majority_share`` of the answers, or a label of a ``label`` or
  ``multi_label`` question less than ``minority_share`` (rating scale ends are
  often rare, so ratings only get the majority rule);
- ``missing_slice``: no record has the requested metadata key;
- ``records_without_slice``: some records lack the key (slice ``(missing)``);
- ``empty_slice``: a slice value whose records have no responses;
- ``coverage_gap``: a slice value with fewer than ``min_records`` records or
  ``min_annotators`` distinct annotators;
- ``label_depends_on_slice``, ``groups_differ``, ``suggestions_depend_on_slice``:
  a chi-square test significant after the Bonferroni correction.
"""

from __future__ import annotations

from typing import Any

from accord.quality.health.data import MISSING, HealthOptions

__all__ = ["health_warnings"]


def _warn(kind: str, message: str, **where: Any) -> dict[str, Any]:
    return {"kind": kind, "message": message, **{k: v for k, v in where.items() if v is not None}}


def _imbalance(q: dict[str, Any], part: dict[str, Any], options: HealthOptions
               ) -> list[dict[str, Any]]:
    counts = part["distribution"]["answers"]
    total = sum(counts)
    if not total:
        return []
    out = []
    if q["type"] == "multi_label":
        share = counts[1] / total
        if share < options.minority_share:
            out.append(_warn("imbalanced_label", f"{q['name']}: label {part['label']!r} is chosen "
                             f"in {share:.1%} of {total} answers (below "
                             f"{options.minority_share:.0%})", question=q["name"],
                             label=part["label"]))
        return out
    for value, n in zip(part["values"], counts):
        share = n / total
        if share > options.majority_share:
            out.append(_warn("imbalanced_label", f"{q['name']}: {value!r} is {share:.1%} of "
                             f"{total} answers (above {options.majority_share:.0%})",
                             question=q["name"], label=value))
        elif q["type"] == "label" and share < options.minority_share:
            out.append(_warn("imbalanced_label", f"{q['name']}: {value!r} is only {share:.1%} "
                             f"of {total} answers (below {options.minority_share:.0%})",
                             question=q["name"], label=value))
    return out


def _coverage(report: dict[str, Any], options: HealthOptions) -> list[dict[str, Any]]:
    out = [_warn("missing_slice", f"no record has the metadata key {key!r}", slice=key)
           for key in report["missing_slices"]]
    for key, rows in report["coverage"].items():
        for row in rows:
            value = row["value"]
            if value == MISSING:
                out.append(_warn("records_without_slice", f"{row['records']} records have no "
                                 f"metadata {key!r}", slice=key, value=value))
                continue
            if row["responses"] == 0:
                out.append(_warn("empty_slice", f"{key}={value!r}: none of its {row['records']} "
                                 "records has a submitted response", slice=key, value=value))
                continue
            if row["records"] < options.min_records:
                out.append(_warn("coverage_gap", f"{key}={value!r}: only {row['records']} records "
                                 f"(fewer than {options.min_records})", slice=key, value=value))
            if row["annotators"] < options.min_annotators:
                out.append(_warn("coverage_gap", f"{key}={value!r}: only {row['annotators']} "
                                 f"distinct annotators (fewer than {options.min_annotators})",
                                 slice=key, value=value))
    return out


def _tests(q: dict[str, Any], part: dict[str, Any]) -> list[dict[str, Any]]:
    name = q["name"] if part["label"] is None else f"{q['name']} [{part['label']}]"
    out = []
    for key, s in part["slices"].items():
        chi = s["chi_square"]
        if chi and chi.get("significant"):
            out.append(_warn("label_depends_on_slice", f"{name}: the label distribution depends "
                             f"on {key!r} (p = {chi['p_value']:.2g}, Cramér's V = "
                             f"{chi['cramers_v']:.2f})", question=q["name"], label=part["label"],
                             slice=key))
    for attr, g in part["groups"].items():
        chi = g["chi_square"]
        if chi and chi.get("significant"):
            out.append(_warn("groups_differ", f"{name}: annotators with different {attr!r} "
                             f"answer differently (p = {chi['p_value']:.2g}, Cramér's V = "
                             f"{chi['cramers_v']:.2f})", question=q["name"], label=part["label"],
                             group=attr))
    for key, s in ((part["suggestions"] or {}).get("slices") or {}).items():
        chi = s["chi_square"]
        if chi and chi.get("significant"):
            out.append(_warn("suggestions_depend_on_slice", f"{name}: the suggestions' agreement "
                             f"with annotators depends on {key!r} (p = {chi['p_value']:.2g})",
                             question=q["name"], label=part["label"], slice=key))
    return out


def health_warnings(report: dict[str, Any], options: HealthOptions | None = None
                    ) -> list[dict[str, Any]]:
    """The warnings of a report built by :func:`accord.quality.health.build_report`.

    Parameters
    ----------
    report : dict
        A report (its chi-square results already marked ``significant``).
    options : HealthOptions, optional
        Thresholds; defaults to :class:`HealthOptions` ().

    Returns
    -------
    list of dict
        ``kind``, ``message`` (one readable sentence) and where it applies:
        ``question``, ``label``, ``slice``, ``value``, ``group``.

    Examples
    --------
    >>> report = {"missing_slices": ["topic"], "coverage": {}, "questions": []}
    >>> [w["message"] for w in health_warnings(report)]
    ["no record has the metadata key 'topic'"]
    """
    options = options or HealthOptions()
    out = _coverage(report, options)
    for q in report["questions"]:
        for part in q["parts"]:
            out += _imbalance(q, part, options)
            out += _tests(q, part)
    return out
