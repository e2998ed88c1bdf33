"""Score PII detection against span-labelled text, per entity type.

A finding counts as correct when it overlaps a gold span of the same type;
a gold span counts as found when some finding of its type overlaps it
(overlap, not exact boundaries: a redaction that covers the value is what
matters). Used by ``tests/prep/test_pii.py`` and ``bench/dedupe_bench.py`` on
presidio-research's synthetic data (``shared/data/pii``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from accord.prep.pii import PiiDetector

__all__ = ["DATASET_LABELS", "format_table", "score_pii"]

#: Our entity name -> the label presidio-research's data uses for it.
DATASET_LABELS: Mapping[str, str] = {"URL": "DOMAIN_NAME"}


def score_pii(
    detector: PiiDetector,
    items: Iterable[Mapping[str, Any]],
    labels: Mapping[str, str] = DATASET_LABELS,
) -> dict[str, dict[str, float]]:
    """Recall and precision per entity type.

    Parameters
    ----------
    detector : PiiDetector
    items : iterable of mapping
        ``{"text": str, "spans": [{"start", "end", "label"}]}``.
    labels : mapping, default DATASET_LABELS
        Renames of our entities to the data set's labels.

    Returns
    -------
    dict
        ``{label: {"gold", "found", "recall", "precision"}}`` for every label
        the detector can produce (NaN where a count is zero).

    Examples
    --------
    >>> det = PiiDetector(entities=["EMAIL_ADDRESS"])
    >>> items = [{"text": "to a@b.com",
    ...           "spans": [{"start": 3, "end": 10, "label": "EMAIL_ADDRESS"}]}]
    >>> score_pii(det, items)["EMAIL_ADDRESS"]
    {'gold': 1, 'found': 1, 'recall': 1.0, 'precision': 1.0}
    """
    known = {labels.get(e, e) for r in detector.recognizers for e in r.supported_entities}
    gold_n: Counter[str] = Counter()
    found_n: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for item in items:
        found = [
            (s.start, s.end, labels.get(s.entity, s.entity)) for s in detector.analyze(item["text"])
        ]
        gold = [(g["start"], g["end"], g["label"]) for g in item["spans"] if g["label"] in known]
        for gs, ge, gl in gold:
            gold_n[gl] += 1
            hit[gl] += any(fl == gl and fs < ge and gs < fe for fs, fe, fl in found)
        for fs, fe, fl in found:
            found_n[fl] += 1
            right[fl] += any(fl == gl and fs < ge and gs < fe for gs, ge, gl in gold)
    nan = float("nan")
    return {
        label: {
            "gold": gold_n[label],
            "found": found_n[label],
            "recall": hit[label] / gold_n[label] if gold_n[label] else nan,
            "precision": right[label] / found_n[label] if found_n[label] else nan,
        }
        for label in sorted(known)
    }


def format_table(table: Mapping[str, Mapping[str, float]]) -> str:
    """The scores as a markdown table.

    Examples
    --------
    >>> print(format_table({"X": {"gold": 2, "found": 1, "recall": 0.5, "precision": 1.0}}))
    | entity | gold | found | recall | precision |
    |---|---:|---:|---:|---:|
    | X | 2 | 1 | 0.500 | 1.000 |
    """
    rows = ["| entity | gold | found | recall | precision |", "|---|---:|---:|---:|---:|"]
    for label, row in table.items():
        rows.append(
            f"| {label} | {row['gold']} | {row['found']} | {row['recall']:.3f} "
            f"| {row['precision']:.3f} |"
        )
    return "\n".join(rows)
