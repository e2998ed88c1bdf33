"""Per-record consensus of a question, computed with :mod:`accord.quality` before the export.

A first pass streams the usable responses (:func:`accord.store.export_queries.iter_answers`)
into compact long-form arrays (about 24 bytes per response), fits the
aggregator once over the whole dataset (Dawid-Skene and friends learn
annotator quality from every record), and keeps one decision per record:

- label, pairwise (its choice) and ratings aggregated as classes: the
  aggregator's label and confidence; agreement is the share of the record's
  responses giving that label; contradictory when the top two labels tie;
  pairwise also gets a margin, the mean signed strength toward the winner
  (A = +strength, B = -strength, tie = 0; a missing strength counts 1);
- ratings (``mean``, ``median``, ``trimmed_mean``): the aggregate and the
  share of ratings within 0.5 of it; contradictory when ratings fall on both
  sides of ``--kto-threshold`` (or, without one, spread over more than half
  the scale);
- multi-label, spans and rankings: see :mod:`accord.io.exporters.consensus_structured`.

Agreement is undefined (None) for records with fewer than two responses.
The dataset-level agreement (for the dataset card) is Krippendorff's alpha,
nominal for labels and choices, ordinal for ratings.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from accord.errors import InputError
from accord.io.exporters.selection import usable_values

__all__ = ["DEFAULT_METHOD", "METHODS", "Decision", "QuestionConsensus", "compute_consensus"]

_CLASSIFIERS = ("mv", "wmv", "ds", "onecoin", "glad", "mace")
METHODS: dict[str, tuple[str, ...]] = {
    "label": _CLASSIFIERS, "pairwise": _CLASSIFIERS, "multi_label": _CLASSIFIERS,
    "rating": ("mean", "median", "trimmed_mean") + _CLASSIFIERS,
    "ranking": ("bt", "rp", "borda"), "span": ("vote",),
}
DEFAULT_METHOD = {"label": "mv", "pairwise": "mv", "multi_label": "mv", "rating": "mean",
                  "ranking": "bt", "span": "vote"}


class Decision(NamedTuple):
    """The consensus of one record on one question."""

    value: Any
    agreement: float | None
    confidence: float | None
    n: int
    contradictory: bool
    margin: float | None = None
    scores: dict[str, float] | None = None


@dataclass
class QuestionConsensus:
    """Decisions for every answered record of one question, looked up by record id."""

    question: str
    qtype: str
    method: str
    agreement_metric: str | None = None
    agreement: float | None = None
    n_records: int = 0
    n_responses: int = 0
    n_annotators: int = 0
    _decisions: dict[int, Decision] = field(default_factory=dict, repr=False)

    def get(self, record_id: int) -> Decision | None:
        return self._decisions.get(record_id)

    def summary(self) -> dict[str, Any]:
        return {"question": self.question, "type": self.qtype, "method": self.method,
                "agreement_metric": self.agreement_metric, "agreement": self.agreement,
                "records": self.n_records, "responses": self.n_responses,
                "annotators": self.n_annotators}


class _Rows:
    """Long-form rows of one question: record ids, user ids and values."""

    def __init__(self) -> None:
        self.items = array("q")
        self.users = array("q")
        self.values: list[Any] = []

    def add(self, item: int, user: int, value: Any) -> None:
        self.items.append(item)
        self.users.append(user)
        self.values.append(value)

    def __len__(self) -> int:
        return len(self.values)

    def triples(self) -> Iterable[tuple[int, int, Any]]:
        return zip(self.items, self.users, self.values)


def method_for(qtype: str, requested: str | None, *, strict: bool) -> str:
    """The method to use for a question type; ``strict`` raises when ``requested`` does not
    apply (the export's own question), else falls back to the type's default."""
    allowed = METHODS.get(qtype)
    if allowed is None:
        raise InputError(f"{qtype} questions are not aggregated", field="--aggregate")
    if requested is None:
        return DEFAULT_METHOD[qtype]
    if requested in allowed:
        return requested
    if strict:
        raise InputError(f"method {requested!r} does not apply to {qtype} questions; use one "
                         f"of {', '.join(allowed)}", field="--aggregate")
    return DEFAULT_METHOD[qtype]


def compute_consensus(answers: Iterable[Any], questions: list[Any], main: str | None,
                      options: Any) -> dict[str, QuestionConsensus]:
    """Fit the consensus of every question in ``questions`` from one pass over ``answers``.

    Parameters
    ----------
    answers : iterable of Answer
        From :func:`accord.store.export_queries.iter_answers`, in record order.
    questions : list
        Settings question models.
    main : str or None
        The export's own question: a method that does not apply to it is an error.
    options : ExportOptions
    """
    if not questions:
        return {}
    methods = {q.name: method_for(q.type, options.aggregate, strict=q.name == main)
               for q in questions}
    rows = {q.name: _Rows() for q in questions}
    for ans in answers:
        values = usable_values(ans.values, ans.fix, ans.review_state, options.status)
        if values is None:
            continue
        for name, bucket in rows.items():
            value = values.get(name)
            if value is not None:
                bucket.add(ans.record_id, ans.user_id, value)
    out: dict[str, QuestionConsensus] = {}
    for q in questions:
        qc = QuestionConsensus(q.name, q.type, methods[q.name])
        data = rows.pop(q.name)
        if len(data):
            qc.n_responses = len(data)
            qc.n_records = len(set(data.items))
            qc.n_annotators = len(set(data.users))
            _fit(qc, q, data, options)
        out[q.name] = qc
    return out


def _fit(qc: QuestionConsensus, q: Any, data: _Rows, options: Any) -> None:
    if q.type in ("label", "pairwise") or (q.type == "rating" and qc.method in _CLASSIFIERS):
        _fit_classes(qc, q, data, options)
    elif q.type == "rating":
        _fit_ratings(qc, q, data, options)
    else:
        from accord.io.exporters import consensus_structured

        consensus_structured.fit(qc, q, data, options)


def longform(items: Iterable[int], users: Iterable[int], codes: Any, labels: list[Any]) -> Any:
    """A :class:`~accord.quality.LongForm` from record ids, user ids and label codes
    (``labels`` sorted, ``codes`` indexing it)."""
    import numpy as np

    from accord.quality import LongForm, factorize

    item_codes, item_keys = factorize(np.asarray(items, dtype=np.int64))
    user_codes, user_keys = factorize(np.asarray(users, dtype=np.int64))
    label_arr = np.empty(len(labels), dtype=object)
    label_arr[:] = labels
    if labels and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in labels):
        label_arr = np.asarray(labels)
    return LongForm(item_codes, user_codes, np.asarray(codes, dtype=np.int64), item_keys,
                    user_keys, label_arr)


def _encode(values: list[Any]) -> tuple[list[Any], list[int]]:
    uniq = sorted(set(values), key=lambda v: (isinstance(v, str), v))
    index = {v: i for i, v in enumerate(uniq)}
    return uniq, [index[v] for v in values]


def _alpha(lf: Any, level: str) -> float | None:
    from accord.quality.agreement import krippendorff_alpha

    try:
        value = float(krippendorff_alpha(lf, level))
    except (InputError, ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(value) else value


def _fit_classes(qc: QuestionConsensus, q: Any, data: _Rows, options: Any) -> None:
    import numpy as np

    from accord.quality.aggregation import AGGREGATORS

    signed = None
    if q.type == "pairwise":
        choices = [v.get("choice") if isinstance(v, dict) else v for v in data.values]
        signed = np.array([(1 if c == "a" else -1 if c == "b" else 0)
                           * ((v.get("strength") or 1) if isinstance(v, dict) else 1)
                           for c, v in zip(choices, data.values)], dtype=np.float64)
        data_values = choices
    else:
        data_values = data.values
    labels, codes = _encode(data_values)
    lf = longform(data.items, data.users, codes, labels)
    model = AGGREGATORS[qc.method]().fit(lf)
    counts = lf.counts()
    n = counts.sum(axis=1)
    chosen = model.codes_
    share = counts[np.arange(len(n)), chosen] / np.maximum(n, 1)
    top2 = -np.sort(-counts, axis=1)[:, :2] if counts.shape[1] > 1 else None
    tied = (top2[:, 0] == top2[:, 1]) if top2 is not None else np.zeros(len(n), dtype=bool)
    margins = None
    if signed is not None:
        margins = np.bincount(lf.item, weights=signed, minlength=lf.n_items) / np.maximum(n, 1)
    qc.agreement_metric = "krippendorff_alpha_ordinal" if q.type == "rating" else \
        "krippendorff_alpha_nominal"
    qc.agreement = _alpha(lf, "ordinal" if q.type == "rating" else "nominal")
    for i, rid in enumerate(lf.items.tolist()):
        value = model.labels_[i]
        value = value.item() if hasattr(value, "item") else value
        margin = None
        if margins is not None:
            margin = float(margins[i]) if value == "a" else float(-margins[i]) \
                if value == "b" else 0.0
        qc._decisions[rid] = Decision(value, float(share[i]) if n[i] >= 2 else None,
                                      float(model.confidence_[i]), int(n[i]),
                                      bool(n[i] >= 2 and tied[i]), margin)


def _fit_ratings(qc: QuestionConsensus, q: Any, data: _Rows, options: Any) -> None:
    import numpy as np

    from accord.quality.aggregation import RatingAggregator

    labels, codes = _encode(data.values)
    lf = longform(data.items, data.users, codes, labels)
    model = RatingAggregator(qc.method).fit(lf)
    values = lf.labels[lf.label].astype(np.float64)
    lo = np.full(lf.n_items, np.inf)
    hi = np.full(lf.n_items, -np.inf)
    np.minimum.at(lo, lf.item, values)
    np.maximum.at(hi, lf.item, values)
    if options.kto_threshold is not None:
        contra = (lo < options.kto_threshold) & (hi >= options.kto_threshold)
    else:
        contra = (hi - lo) > (q.max - q.min) / 2
    qc.agreement_metric = "krippendorff_alpha_ordinal"
    qc.agreement = _alpha(lf, "ordinal")
    n = model.counts_
    for i, rid in enumerate(lf.items.tolist()):
        qc._decisions[rid] = Decision(float(model.values_[i]),
                                      float(model.confidence_[i]) if n[i] >= 2 else None,
                                      float(model.confidence_[i]), int(n[i]), bool(contra[i]))
