"""Bias and dataset-health report: distributions, independence, agreement per slice,
annotator groups, coverage, suggestion-vs-human agreement and warnings.

Pure numpy/scipy over a :class:`HealthData` (integer-coded arrays); the store
builds that from a dataset (:mod:`accord.store.report_queries`). Entry points:
:func:`build_report`, :func:`render_markdown`, :func:`render_json` and
:func:`health_warnings`.
"""

from accord.quality.health.coverage import slice_coverage
from accord.quality.health.data import (
    MISSING,
    NOT_SET,
    REPORTED_TYPES,
    Column,
    HealthData,
    HealthOptions,
    QuestionAnswers,
)
from accord.quality.health.distribution import (
    answer_counts,
    binary_majority,
    crosstab,
    record_majority,
)
from accord.quality.health.groups import compare_groups, pair_agreement
from accord.quality.health.independence import chi_square_independence
from accord.quality.health.render import md_text, render_json, render_markdown
from accord.quality.health.report import build_report
from accord.quality.health.slices import agreement_by_slice, coded_alpha
from accord.quality.health.suggestions import suggestion_agreement
from accord.quality.health.warnings import health_warnings

__all__ = [
    "MISSING",
    "NOT_SET",
    "REPORTED_TYPES",
    "Column",
    "HealthData",
    "HealthOptions",
    "QuestionAnswers",
    "agreement_by_slice",
    "answer_counts",
    "binary_majority",
    "build_report",
    "chi_square_independence",
    "coded_alpha",
    "compare_groups",
    "crosstab",
    "health_warnings",
    "md_text",
    "pair_agreement",
    "record_majority",
    "render_json",
    "render_markdown",
    "slice_coverage",
    "suggestion_agreement",
]
