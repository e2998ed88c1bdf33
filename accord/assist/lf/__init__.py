"""Labelling functions: rules vote, a label model turns the votes into scored suggestions.

Write rules as YAML or as Python functions marked with :func:`labeling_function`
(:mod:`accord.assist.lf.rules`), apply them to a dataset with
:func:`label_dataset` (:mod:`accord.assist.lf.apply`) or ``accord assist lf``,
and read how each rule does in the report (:mod:`accord.assist.lf.report`).
"""

from accord.assist.lf.apply import DEFAULT_AGENT, LFRun, apply_rules, label_dataset
from accord.assist.lf.report import LFReport, render_markdown
from accord.assist.lf.rules import LabelingFunction, RecordView, labeling_function, load_rules

__all__ = [
    "DEFAULT_AGENT",
    "LFReport",
    "LFRun",
    "LabelingFunction",
    "RecordView",
    "apply_rules",
    "label_dataset",
    "labeling_function",
    "load_rules",
    "render_markdown",
]
