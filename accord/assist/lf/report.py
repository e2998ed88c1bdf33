"""How each labelling function does: coverage, overlaps, conflicts and accuracy.

Per rule, over all *n* records of the dataset (the definitions of Snorkel's
``LFAnalysis``, Ratner et al. 2017, https://arxiv.org/abs/1711.10160):

- **coverage**: share of records the rule voted on;
- **overlaps**: share of records the rule voted on together with another rule;
- **conflicts**: share of records where another rule voted a different label;
- **accuracy**: share of the rule's votes equal to the reference answer
  (gold answers when there are any, else the majority of people's submitted
  answers), over ``n_ref`` votes on records with a reference (``None``
  without any);
- **learned accuracy**: the label model's estimate :math:`\\alpha_j`.

The label model's row has its coverage (records with a suggestion) and its
accuracy against the same reference; the majority vote of the rules (ties
counted as half right, the expected accuracy of a random tie break) is
given beside it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["LFReport", "ModelStats", "RuleStats", "build_report", "render_markdown", "rows"]


@dataclass
class RuleStats:
    name: str
    label: Any
    kind: str
    votes: int
    coverage: float
    overlaps: float
    conflicts: float
    accuracy: float | None
    n_ref: int
    learned_accuracy: float | None


@dataclass
class ModelStats:
    coverage: float
    labelled: int
    accuracy: float | None
    n_ref: int
    majority_accuracy: float | None


@dataclass
class LFReport:
    records: int
    against: str
    rules: list[RuleStats] = field(default_factory=list)
    model: ModelStats = field(default_factory=lambda: ModelStats(0.0, 0, None, 0, None))

    def to_dict(self) -> dict[str, Any]:
        return {"records_total": self.records, "against": self.against,
                "rules": [asdict(r) for r in self.rules], "label_model": asdict(self.model)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, default=str)


def build_report(rules: Sequence[Any], votes: Sequence[tuple[Any, str, Any]], n_records: int,
                 model: Any, reference: dict[Any, Any], against: str) -> LFReport:
    """The per-rule and label-model statistics of one run."""
    by_record: dict[Any, dict[str, Any]] = defaultdict(dict)
    for key, name, label in votes:
        by_record[key][name] = label
    learned = {}
    if model is not None:
        learned = dict(zip(model.annotators_.tolist(), model.accuracies_.tolist()))
    report = LFReport(n_records, against)
    n = max(n_records, 1)
    for rule in rules:
        mine = [(key, rv[rule.name], rv) for key, rv in by_record.items() if rule.name in rv]
        overlaps = sum(1 for _, _, rv in mine if len(rv) > 1)
        conflicts = sum(1 for _, lab, rv in mine if any(v != lab for v in rv.values()))
        refs = [(lab, reference[key]) for key, lab, _ in mine if key in reference]
        acc = sum(lab == ref for lab, ref in refs) / len(refs) if refs else None
        report.rules.append(RuleStats(rule.name, rule.label, rule.kind, len(mine),
                                      len(mine) / n, overlaps / n, conflicts / n, acc,
                                      len(refs), learned.get(rule.name)))
    labelled = 0 if model is None else len(model.items_)
    model_acc, mv_acc, n_ref = None, None, 0
    if model is not None:
        pairs = [(lab, reference[key]) for key, lab in zip(model.items_.tolist(),
                                                            model.labels_.tolist())
                 if key in reference]
        n_ref = len(pairs)
        if pairs:
            model_acc = sum(lab == ref for lab, ref in pairs) / n_ref
            mv_acc = sum(_majority_credit(by_record[key], reference[key])
                         for key in by_record if key in reference) / n_ref
    report.model = ModelStats(labelled / n, labelled, model_acc, n_ref, mv_acc)
    return report


def _majority_credit(votes: dict[str, Any], truth: Any) -> float:
    counts: dict[Any, int] = defaultdict(int)
    for label in votes.values():
        counts[label] += 1
    top = max(counts.values())
    winners = [lab for lab, c in counts.items() if c == top]
    return (truth in winners) / len(winners)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _acc(x: float | None, n: int) -> str:
    return "-" if x is None else f"{x:.3f} ({n})"


def rows(report: LFReport) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table (rules, then the label model)."""
    head = ["rule", "label", "kind", "coverage", "overlaps", "conflicts",
            f"accuracy ({report.against})", "learned accuracy"]
    out = [[r.name, "(returned)" if r.label is None else str(r.label), r.kind,
            _pct(r.coverage), _pct(r.overlaps), _pct(r.conflicts),
            _acc(r.accuracy, r.n_ref),
            "-" if r.learned_accuracy is None else f"{r.learned_accuracy:.3f}"]
           for r in report.rules]
    m = report.model
    out.append(["label model", "", "", _pct(m.coverage), "", "", _acc(m.accuracy, m.n_ref), ""])
    out.append(["majority vote", "", "", _pct(m.coverage), "", "",
                _acc(m.majority_accuracy, m.n_ref), ""])
    return head, out


def render_markdown(report: LFReport) -> str:
    """The table as Markdown."""
    head, body = rows(report)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]
    return "\n".join(lines) + "\n"
