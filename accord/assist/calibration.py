r"""Calibration of confidence scores: expected calibration error, reliability bins, thresholds.

A score is calibrated when, among answers given with confidence about *c*,
a share *c* is correct. Scores are put in ``n_bins`` equal-width bins over
[0, 1] (the last bin includes 1.0); for bin :math:`B_m` with accuracy
:math:`\mathrm{acc}(B_m)` and mean confidence :math:`\mathrm{conf}(B_m)`:

.. math::

    \mathrm{ECE} = \sum_{m=1}^{M} \frac{|B_m|}{n}
                   \left|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)\right|,
    \qquad
    \mathrm{MCE} = \max_m \left|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)\right|

(Guo et al. 2017, eqs. 3 and 5). Correctness may be fractional (the share
of annotators agreeing), which keeps ECE an expected gap. Empty bins are
skipped; empty input raises. The tests build a case with a known ECE.

References
----------
.. [1] Guo, C., Pleiss, G., Sun, Y. & Weinberger, K. Q. (2017). On calibration
   of modern neural networks. ICML 2017, PMLR 70, 1321-1330.
   https://arxiv.org/abs/1706.04599
.. [2] Naeini, M. P., Cooper, G. & Hauskrecht, M. (2015). Obtaining well
   calibrated probabilities using Bayesian binning. AAAI 2015.
   https://doi.org/10.1609/aaai.v29i1.9602
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from accord.errors import InputError

__all__ = [
    "CalibrationReport",
    "ReliabilityBin",
    "ThresholdChoice",
    "calibration_report",
    "expected_calibration_error",
    "reliability_bins",
    "threshold_for_precision",
]


@dataclass
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    confidence: float  # mean confidence in the bin (nan when empty)
    accuracy: float  # mean correctness in the bin (nan when empty)


@dataclass
class ThresholdChoice:
    """The lowest threshold whose accepted answers reach the target precision."""

    threshold: float
    precision: float
    coverage: float  # share of answers at or above the threshold
    accepted: int


@dataclass
class CalibrationReport:
    n: int
    accuracy: float
    ece: float
    mce: float
    brier: float
    bins: list[ReliabilityBin]
    threshold: ThresholdChoice | None = None
    target_precision: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for b in data["bins"]:
            for key in ("confidence", "accuracy"):
                b[key] = None if np.isnan(b[key]) else round(b[key], 6)
        for key in ("accuracy", "ece", "mce", "brier"):
            data[key] = round(data[key], 6)
        return data


def _arrays(confidences: Any, correct: Any) -> tuple[np.ndarray, np.ndarray]:
    c = np.asarray(confidences, dtype=np.float64).ravel()
    y = np.asarray(correct, dtype=np.float64).ravel()
    if c.size != y.size:
        raise InputError(f"got {c.size} confidences but {y.size} correctness values")
    if c.size == 0:
        raise InputError("no scored suggestions with a reference answer to calibrate against")
    if np.any(~np.isfinite(c)) or np.any((c < 0) | (c > 1)):
        raise InputError("confidences must be within [0, 1]")
    if np.any((y < 0) | (y > 1)):
        raise InputError("correctness must be within [0, 1]")
    return c, y


def reliability_bins(confidences: Any, correct: Any, *, n_bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width bins over [0, 1] with count, mean confidence and accuracy.

    Examples
    --------
    >>> [b.count for b in reliability_bins([0.05, 0.95, 1.0], [0, 1, 1], n_bins=2)]
    [1, 2]
    """
    c, y = _arrays(confidences, correct)
    index = np.minimum((c * n_bins).astype(np.int64), n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    conf_sum = np.bincount(index, weights=c, minlength=n_bins)
    acc_sum = np.bincount(index, weights=y, minlength=n_bins)
    out = []
    for m in range(n_bins):
        k = int(counts[m])
        out.append(ReliabilityBin(m / n_bins, (m + 1) / n_bins, k,
                                  conf_sum[m] / k if k else float("nan"),
                                  acc_sum[m] / k if k else float("nan")))
    return out


def expected_calibration_error(confidences: Any, correct: Any, *, n_bins: int = 10) -> float:
    """ECE of Guo et al. (2017): the count-weighted mean |accuracy - confidence| over bins.

    Examples
    --------
    >>> round(expected_calibration_error([0.9] * 10, [1] * 6 + [0] * 4), 6)
    0.3
    """
    bins = reliability_bins(confidences, correct, n_bins=n_bins)
    n = sum(b.count for b in bins)
    return float(sum(b.count / n * abs(b.accuracy - b.confidence) for b in bins if b.count))


def threshold_for_precision(confidences: Any, correct: Any, target: float, *,
                            min_accepted: int = 1) -> ThresholdChoice | None:
    """The lowest confidence threshold whose accepted answers have precision >= ``target``.

    Answers with confidence >= t are accepted; precision is their mean
    correctness. The lowest qualifying t accepts the most answers; at least
    ``min_accepted`` must be accepted. None when no threshold reaches the target.

    Examples
    --------
    >>> t = threshold_for_precision([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 0], 0.75)
    >>> t.threshold, t.precision, t.accepted
    (0.8, 1.0, 2)
    """
    if not 0.0 < target <= 1.0:
        raise InputError(f"target precision must be in (0, 1], got {target}",
                         field="--target-precision")
    c, y = _arrays(confidences, correct)
    order = np.argsort(-c, kind="stable")
    c, y = c[order], y[order]
    precision = np.cumsum(y) / np.arange(1, c.size + 1)
    # only cut between distinct confidences: everything tied with c[i] is accepted with it
    last_of_value = np.r_[c[1:] != c[:-1], True]
    best = None
    for i in np.flatnonzero(last_of_value):
        if i + 1 >= min_accepted and precision[i] >= target - 1e-12:
            best = i
    if best is None:
        return None
    return ThresholdChoice(float(c[best]), float(precision[best]), (best + 1) / c.size,
                           int(best + 1))


def calibration_report(confidences: Any, correct: Any, *, n_bins: int = 10,
                       target_precision: float | None = None,
                       min_accepted: int = 1) -> CalibrationReport:
    """ECE, MCE, Brier score, bins and (optionally) a threshold for a target precision."""
    c, y = _arrays(confidences, correct)
    bins = reliability_bins(c, y, n_bins=n_bins)
    gaps = [abs(b.accuracy - b.confidence) for b in bins if b.count]
    ece = float(sum(b.count / c.size * abs(b.accuracy - b.confidence) for b in bins if b.count))
    choice = None if target_precision is None else \
        threshold_for_precision(c, y, target_precision, min_accepted=min_accepted)
    return CalibrationReport(n=int(c.size), accuracy=float(y.mean()), ece=ece,
                             mce=float(max(gaps)), brier=float(np.mean((c - y) ** 2)),
                             bins=bins, threshold=choice, target_precision=target_precision)
