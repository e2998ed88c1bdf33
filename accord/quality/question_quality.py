"""Agreement of one question: the one computation behind every agreement number accord shows.

:func:`question_agreement` takes the question's counted answers
(:class:`~accord.schema.answers.Answers`: rejected responses out, fixes in)
and measures how much the *people* agree; models' answers (auto-accepted
suggestions) are left out, since a model agreeing with itself or being
accepted only when confident says nothing about the annotators. The metric
and level come from the question-type registry
(:func:`accord.schema.questions.question_type`):

- label, pairwise (its choice), rating: :func:`accord.quality.agreement.agreement_score`
  on the long-form rows (Krippendorff's alpha by default; nominal for labels
  and choices, ordinal for ratings; any metric of ``applicable_metrics``);
- multi-label: the mean over labels of the metric (nominal) on the
  per-label yes/no answers;
- span: mean pairwise exact-span F1; ranking: mean Kendall's W over records;
- bbox, polygon, segment, keypoints: F1 at IoU 0.5
  (:func:`accord.quality.region_questions.region_question_agreement`).

The agreement of one *record* is defined with its consensus
(:class:`accord.quality.consensus.Decision`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from accord.errors import InputError
from accord.schema.answers import Answers
from accord.schema.questions import question_type

__all__ = ["coded_longform", "encode", "longform", "question_agreement"]

_CODED = ("label", "pairwise", "rating")
_DESCRIPTIVE = {"alpha": "krippendorff_alpha", "span_f1": "span_f1_exact_pairwise_mean",
                "kendall_w": "kendall_w_mean"}
_REGIONS = ("bbox", "polygon", "segment", "keypoints", "cuboid", "video_segment",
            "video_frame_label", "video_track")


def longform(items: Iterable[int], users: Iterable[int], codes: Any, labels: list[Any]) -> Any:
    """A :class:`~accord.quality.LongForm` from record ids, user ids and label codes
    (``labels`` sorted, ``codes`` indexing it)."""
    import numpy as np

    from accord.quality.frame import LongForm, factorize

    item_codes, item_keys = factorize(np.asarray(items, dtype=np.int64))
    user_codes, user_keys = factorize(np.asarray(users, dtype=np.int64))
    label_arr = np.empty(len(labels), dtype=object)
    label_arr[:] = labels
    if labels and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in labels):
        label_arr = np.asarray(labels)
    return LongForm(item_codes, user_codes, np.asarray(codes, dtype=np.int64), item_keys,
                    user_keys, label_arr)


def encode(values: list[Any]) -> tuple[list[Any], list[int]]:
    """Distinct values sorted (numbers before text) and each value's code."""
    uniq = sorted(set(values), key=lambda v: (isinstance(v, str), v))
    index = {v: i for i, v in enumerate(uniq)}
    return uniq, list(map(index.__getitem__, values))


def coded_longform(answers: Answers, qtype: str) -> Any:
    """The label, pairwise (choice) or rating answers as a :class:`~accord.quality.LongForm`
    (items are record ids, annotators user ids; a pairwise answer without a choice is left
    out)."""
    values = answers.values
    if qtype == "pairwise":
        values = [v.get("choice") if isinstance(v, dict) else v for v in values]
        keep = [v is not None for v in values]
        if not all(keep):
            answers = answers.select(keep)
            values = [v for v in values if v is not None]
    labels, codes = encode(values)
    return longform(answers.items, answers.annotators, codes, labels)


def _pairable(items: Iterable[int]) -> int:
    per: dict[int, int] = defaultdict(int)
    for i in items:
        per[i] += 1
    return sum(1 for n in per.values() if n >= 2)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def question_agreement(answers: Answers, qtype: str, *, metric: str | None = None,
                       level: str | None = None) -> dict[str, Any]:
    """How much the people agree on one question.

    Parameters
    ----------
    answers : Answers
        The question's counted answers; models' answers are counted but left out.
    qtype : str
        The question type.
    metric : str, optional
        Default: the type's metric. One that does not apply raises.
    level : str, optional
        Level of measurement for coded types (default: the type's).

    Returns
    -------
    dict
        ``type``, ``metric``, ``level``, ``value`` (None when no record has
        two people's answers or nothing varies), ``metric_name`` (e.g.
        ``krippendorff_alpha_ordinal``), ``records_with_2plus``,
        ``annotations`` (people's answers) and ``model_answers``.

    Raises
    ------
    InputError
        ``metric`` does not apply to the type (or the metric refuses the data).

    Examples
    --------
    >>> rows = [(1, 1, "pos"), (1, 2, "pos"), (2, 1, "neg"), (2, 2, "neg"),
    ...         (3, 1, "pos"), (3, 2, "neg")]
    >>> round(question_agreement(Answers.from_rows(rows), "label")["value"], 4)
    0.4444
    """
    kind = question_type(qtype)
    metric = metric or kind.agreement_metric
    if metric is None:
        raise InputError(kind.metric_refusal("alpha") or f"{qtype} questions have no agreement "
                         "metric", field="metric")
    refusal = kind.metric_refusal(metric)
    if refusal is not None:
        raise InputError(refusal, field="metric")
    level = level or kind.agreement_level
    people = answers.people()
    out: dict[str, Any] = {"type": qtype, "metric": metric, "level": level, "value": None,
                           "metric_name": _DESCRIPTIVE.get(metric, metric)
                           + (f"_{level}" if metric == "alpha" else ""),
                           "records_with_2plus": 0, "annotations": len(people),
                           "model_answers": answers.n_models}
    if qtype in _REGIONS:
        from accord.quality.region_questions import region_question_agreement

        region = region_question_agreement(qtype, people.triples())
        out.update({"metric": region["metric"], "value": region["value"],
                    "metric_name": region["metric"],
                    "records_with_2plus": region["records_with_2plus"],
                    "mean_iou": region["mean_iou"], "pairs": region["pairs"]})
        out.update({k: region[k] for k in ("bev_f1", "mean_bev_iou", "mota", "motp")
                    if k in region})
    elif metric == "span_f1":
        from accord.quality.consensus_structured import span_f1

        out["records_with_2plus"] = _pairable(people.items)
        out["value"] = span_f1(list(people.triples())) if out["records_with_2plus"] else None
    elif metric == "kendall_w":
        out.update(_rankings(people))
    elif qtype == "multi_label":
        out.update(_multi_label(people, metric))
        if metric == "alpha":
            out["metric_name"] = "krippendorff_alpha_nominal_mean_over_labels"
        else:
            out["metric_name"] = f"{metric}_mean_over_labels"
    else:  # label, pairwise (choice), rating and any coded type
        out.update(_coded(people, qtype, metric, level))
    return out


def _coded(people: Answers, qtype: str, metric: str, level: str | None) -> dict[str, Any]:
    from accord.quality.agreement import agreement_score

    lf = coded_longform(people, qtype)
    import numpy as np

    per_item = np.bincount(lf.item, minlength=lf.n_items) if len(lf) else np.zeros(0)
    pairable = int(np.count_nonzero(per_item >= 2))
    out: dict[str, Any] = {"records_with_2plus": pairable, "annotations": len(lf)}
    if pairable:
        out["value"] = _finite(agreement_score(lf, metric, level or "nominal"))
    return out


def _multi_label(people: Answers, metric: str) -> dict[str, Any]:
    from accord.quality.agreement import agreement_score

    rows = [(i, u, v if isinstance(v, list) else [v]) for i, u, v in people.triples()]
    pairable = _pairable(r[0] for r in rows)
    out: dict[str, Any] = {"records_with_2plus": pairable}
    if not pairable:
        return out
    labels = sorted({lab for _, _, labs in rows for lab in labs}, key=str)
    values = []
    items = [r[0] for r in rows]
    users = [r[1] for r in rows]
    for lab in labels:
        codes = [int(lab in labs) for _, _, labs in rows]
        value = _finite(agreement_score(longform(items, users, codes, [0, 1]), metric,
                                        "nominal"))
        if value is not None:
            values.append(value)
    out["value"] = sum(values) / len(values) if values else None
    return out


def _rankings(people: Answers) -> dict[str, Any]:
    from accord.quality.consensus_structured import record_kendall_w

    orders: dict[int, list[Any]] = defaultdict(list)
    for item, _, value in people.triples():
        orders[item].append(value)
    ws = [w for o in orders.values() if len(o) >= 2 and (w := record_kendall_w(o)) is not None]
    pairable = sum(1 for o in orders.values() if len(o) >= 2)
    return {"records_with_2plus": pairable, "value": sum(ws) / len(ws) if ws else None}
