"""Annotator scores: accuracy on gold, agreement with the consensus, confusion, speed, outliers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accord.errors import InputError
from accord.quality.aggregation.base import Consensus
from accord.quality.aggregation.dawid_skene import DawidSkene
from accord.quality.aggregation.majority_vote import MajorityVote
from accord.quality.frame import LongForm, _columns_of, as_longform
from accord.quality.spammers import SPAMMER_THRESHOLD, spammer_scores

__all__ = ["AnnotatorReport", "AnnotatorScore", "gold_codes", "score_annotators"]


@dataclass(frozen=True)
class AnnotatorScore:
    """How one annotator did.

    Attributes
    ----------
    annotator : Any
    n_labels : int
        Annotations given.
    accuracy : float or None
        Share correct on gold items (None without gold overlap).
    n_gold : int
        Gold items this annotator labelled.
    agreement : float
        Share of their labels equal to the consensus label.
    peer_agreement : float
        Mean share of *other* annotators on the same item who gave the same
        label (``nan`` if they never shared an item).
    confusion : ndarray, shape (n_classes, n_classes)
        Estimated P(says column | truth row), from Dawid-Skene (or counted
        against the majority vote with ``method="mv"``).
    median_seconds : float or None
        Median time per label, when a ``time`` column was given.
    flags : list of str
        Human-readable reasons this annotator looks like spam or low effort.
    spammer_score : float
        Raykar & Yu's score of ``confusion`` (:func:`spammer_scores`): 0 when
        the answers do not depend on the truth, 1 for a perfect annotator.
    spammer : {"constant", "random"} or None
        Why the annotator was flagged as a spammer: ``constant`` (90% or more
        of their answers are one label) or ``random`` (their confusion rows
        are nearly equal); None when not flagged.
    """

    annotator: Any
    n_labels: int
    accuracy: float | None
    n_gold: int
    agreement: float
    peer_agreement: float
    confusion: np.ndarray
    median_seconds: float | None
    flags: list[str] = field(default_factory=list)
    spammer_score: float = float("nan")
    spammer: str | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def as_dict(self) -> dict[str, Any]:
        return {
            "annotator": self.annotator,
            "n_labels": self.n_labels,
            "accuracy": self.accuracy,
            "n_gold": self.n_gold,
            "agreement": self.agreement,
            "peer_agreement": self.peer_agreement,
            "median_seconds": self.median_seconds,
            "flags": list(self.flags),
            "spammer_score": None if np.isnan(self.spammer_score) else self.spammer_score,
            "spammer": self.spammer,
        }


@dataclass(frozen=True)
class AnnotatorReport:
    """Scores of every annotator plus the consensus they were compared with."""

    scores: list[AnnotatorScore]
    classes: np.ndarray
    consensus: Consensus

    def flagged(self) -> list[AnnotatorScore]:
        return [s for s in self.scores if s.flags]

    def rows(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.scores]


def gold_codes(gold: Any, lf: LongForm, *, source: str | None = None) -> np.ndarray:
    """Gold label code per item of ``lf`` (-1 where no gold).

    ``gold`` is a mapping item -> label, or rows/columns with ``item, label``.
    Gold items without annotations are ignored.

    Raises
    ------
    InputError
        A gold label is not among the annotation labels.
    """
    if isinstance(gold, Mapping) and not ("item" in gold and "label" in gold):
        pairs = list(gold.items())
    elif isinstance(gold, (list, tuple)) and gold and not isinstance(gold[0], Mapping):
        pairs = [(row[0], row[1]) for row in gold]
    else:
        cols = _columns_of(gold)
        if "item" not in cols or "label" not in cols:
            present = ", ".join(sorted(cols)) or "none"
            raise InputError(f"gold needs columns item and label (found: {present})", path=source)
        pairs = list(zip(cols["item"], cols["label"]))
    item_index = {k: i for i, k in enumerate(lf.items.tolist())}
    str_index = {str(k): i for k, i in item_index.items()}
    label_index = {v: i for i, v in enumerate(lf.labels.tolist())}
    str_labels = {str(v): i for v, i in label_index.items()}
    out = np.full(lf.n_items, -1, dtype=np.int64)
    for item, label in pairs:
        i = item_index.get(item, str_index.get(str(item)))
        if i is None:
            continue
        code = label_index.get(label, str_labels.get(str(label)))
        if code is None:
            allowed = ", ".join(map(str, lf.labels.tolist()))
            raise InputError(
                f"gold label {label!r} for item {item!r} is not among the annotation labels "
                f"({allowed})",
                path=source,
                field="label",
            )
        out[i] = code
    return out


def _below(values: np.ndarray, mask: np.ndarray, z: float) -> tuple[np.ndarray, float]:
    """Which values are far below the median (robust z-score with a 0.05 floor)."""
    ref = values[mask & ~np.isnan(values)]
    if ref.size < 3:
        return np.zeros(len(values), dtype=bool), float("nan")
    med = float(np.median(ref))
    mad = 1.4826 * float(np.median(np.abs(ref - med)))
    with np.errstate(invalid="ignore"):
        return mask & (values < med - z * max(mad, 0.05)), med


def score_annotators(
    data: Any,
    *,
    gold: Any = None,
    method: str = "ds",
    min_labels: int = 10,
    z: float = 3.0,
    fast_ratio: float = 0.25,
    spam_threshold: float = SPAMMER_THRESHOLD,
) -> AnnotatorReport:
    """Score every annotator and flag likely spam or low effort.

    Flags (each with a reason naming the numbers), for annotators with at
    least ``min_labels`` labels:

    - *spammer*: the spammer score of their confusion matrix, less its
      sampling noise (:func:`spammer_scores`, Raykar & Yu 2012), is below
      ``spam_threshold``, i.e. their answers hardly depend on the truth;
      the reason says whether they gave one label 90% of the time or more
      (``spammer="constant"``) or spread labels at random (``"random"``);
    - *low agreement*: agreement with the consensus more than ``z`` robust
      standard deviations (1.4826 x MAD, at least 0.05) below the median annotator;
    - *low gold accuracy*: the same rule on gold accuracy, or no better than
      chance (1 / number of labels) on at least ``min_labels`` gold items;
    - *suspiciously fast*: median time per label under ``fast_ratio`` x the
      median annotator's (needs a ``time`` column, in seconds).

    Parameters
    ----------
    data : long-form annotations
        ``item, annotator, label`` and optionally ``time``.
    gold : mapping or rows, optional
        Known answers ``item -> label``.
    method : {"ds", "mv"}, default "ds"
        Consensus used for agreement and confusion matrices.
    min_labels : int, default 10
    z : float, default 3.0
    fast_ratio : float, default 0.25
    spam_threshold : float, default 0.02
        :math:`S < 0.02` means :math:`|p - q| < 0.14` for an annotator right
        with probability *p* and wrong towards a given label with *q*
        (balanced accuracy under 57% for two labels).

    Returns
    -------
    AnnotatorReport

    Examples
    --------
    >>> rows = [(i, a, i % 2) for i in range(20) for a in "abcd"] + [(i, "s", 0) for i in range(20)]
    >>> report = score_annotators(rows, method="mv")
    >>> [s.annotator for s in report.flagged()]
    ['s']
    """
    if method not in ("ds", "mv"):
        raise ValueError(f"The 'method' parameter must be 'ds' or 'mv'. Got {method!r} instead.")
    lf = as_longform(data)
    if len(lf) == 0:
        raise InputError("no annotations to score", path=lf.source)
    k, w = lf.n_labels, lf.n_annotators
    model = DawidSkene() if method == "ds" else MajorityVote()
    consensus = model.fit(lf).predict()
    winner = model.codes_
    n = np.bincount(lf.annotator, minlength=w)
    hit = (lf.label == winner[lf.item]).astype(np.float64)
    agreement = np.bincount(lf.annotator, weights=hit, minlength=w) / n
    counts = lf.counts()
    m = counts.sum(axis=1)[lf.item]
    same = counts[lf.item, lf.label] - 1.0
    shared = m > 1
    peer_sum = np.bincount(
        lf.annotator[shared], weights=same[shared] / (m[shared] - 1), minlength=w
    )
    peer_n = np.bincount(lf.annotator[shared], minlength=w)
    with np.errstate(invalid="ignore", divide="ignore"):
        peer = np.where(peer_n > 0, peer_sum / np.maximum(peer_n, 1), np.nan)
    if isinstance(model, DawidSkene):
        confusion = model.errors_
    else:
        confusion = np.zeros((w, k, k))
        np.add.at(confusion, (lf.annotator, winner[lf.item], lf.label), 1.0)
        confusion = confusion / np.maximum(confusion.sum(axis=2, keepdims=True), 1.0)
    accuracy = np.full(w, np.nan)
    n_gold = np.zeros(w, dtype=np.int64)
    if gold is not None:
        g = gold_codes(gold, lf, source=lf.source)
        has = g[lf.item] >= 0
        n_gold = np.bincount(lf.annotator[has], minlength=w)
        right = np.bincount(
            lf.annotator[has], weights=(lf.label[has] == g[lf.item[has]]), minlength=w
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            accuracy = np.where(n_gold > 0, right / np.maximum(n_gold, 1), np.nan)
    seconds = np.full(w, np.nan)
    if "time" in lf.extra:
        t = lf.extra["time"]
        for a in range(w):
            mine = t[(lf.annotator == a) & ~np.isnan(t)]
            if mine.size:
                seconds[a] = float(np.median(mine))
    enough = n >= min_labels
    flags: list[list[str]] = [[] for _ in range(w)]
    used = np.bincount(lf.annotator * k + lf.label, minlength=w * k).reshape(w, k)
    truth = model.probas_ if isinstance(model, DawidSkene) else np.eye(k)[winner]
    support = np.zeros((w, k))
    np.add.at(support, lf.annotator, truth[lf.item])
    spam = spammer_scores(confusion, support) if k > 1 else np.full(w, np.nan)
    kind: list[str | None] = [None] * w
    for a in np.flatnonzero(enough & (spam < spam_threshold)).tolist():
        code = int(np.argmax(used[a]))
        top = float(used[a, code] / n[a])
        label = lf.labels.tolist()[code]
        if top >= 0.9:
            kind[a] = "constant"
            their_items = np.unique(lf.item[lf.annotator == a])
            share = float(np.mean(winner[their_items] == code))
            flags[a].append(
                f"always gave label {label!r} ({top:.0%} of {n[a]} labels; the consensus uses it "
                f"for {share:.0%} of those items): spammer score {spam[a]:.3f}"
            )
        else:
            kind[a] = "random"
            flags[a].append(
                f"answers at random: the same label mix whatever the consensus (spammer score "
                f"{spam[a]:.3f}, under {spam_threshold:g}; {n[a]} labels)"
            )
    low, med = _below(agreement, enough, z)
    for a in np.flatnonzero(low).tolist():
        flags[a].append(
            f"agreement with consensus {agreement[a]:.2f}, far below the median annotator "
            f"({med:.2f})"
        )
    low, med = _below(accuracy, n_gold >= min(min_labels, 5), z)
    chance = 1.0 / max(k, 1)
    for a in range(w):
        if low[a]:
            flags[a].append(
                f"accuracy on {n_gold[a]} gold items {accuracy[a]:.2f}, far below the median "
                f"annotator ({med:.2f})"
            )
        elif n_gold[a] >= min_labels and accuracy[a] <= chance + 0.05:
            flags[a].append(
                f"accuracy on {n_gold[a]} gold items {accuracy[a]:.2f}, no better than chance "
                f"({chance:.2f})"
            )
    timed = enough & ~np.isnan(seconds)
    if timed.sum() >= 3:
        typical = float(np.median(seconds[timed]))
        for a in np.flatnonzero(timed & (seconds < fast_ratio * typical)).tolist():
            speedup = typical / max(seconds[a], 1e-9)
            flags[a].append(
                f"suspiciously fast: median {seconds[a]:.1f} s per label, {speedup:.0f}x faster "
                f"than the median annotator ({typical:.1f} s)"
            )
    scores = [
        AnnotatorScore(
            annotator=lf.annotators.tolist()[a],
            n_labels=int(n[a]),
            accuracy=None if np.isnan(accuracy[a]) else float(accuracy[a]),
            n_gold=int(n_gold[a]),
            agreement=float(agreement[a]),
            peer_agreement=float(peer[a]),
            confusion=confusion[a],
            median_seconds=None if np.isnan(seconds[a]) else float(seconds[a]),
            flags=flags[a],
            spammer_score=float(spam[a]),
            spammer=kind[a],
        )
        for a in range(w)
    ]
    return AnnotatorReport(scores, lf.labels, consensus)
