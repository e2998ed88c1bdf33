"""Spammer scores from fitted confusion matrices (Raykar & Yu 2012)."""

from __future__ import annotations

import numpy as np

__all__ = ["SPAMMER_THRESHOLD", "spammer_scores"]

#: Spammer score below which an annotator's answers are called independent of the truth.
SPAMMER_THRESHOLD = 0.02


def spammer_scores(
    confusion: np.ndarray, support: np.ndarray | None = None, *, min_support: float = 5.0
) -> np.ndarray:
    r"""How much each annotator's answers depend on the true label, in [0, 1].

    Raykar & Yu's spammer score: a spammer's answer has the same distribution
    whatever the truth, so all rows of their confusion matrix :math:`A` are
    equal. The score is the mean squared distance between rows,

    .. math::

        S = \frac{1}{K(K-1)} \sum_{c < c'} \sum_k (A_{ck} - A_{c'k})^2,

    0 for a spammer (always the same label, or labels drawn at random), 1
    for a perfect annotator, :math:`(\alpha + \beta - 1)^2` (sensitivity plus
    specificity minus one, squared) for two labels, and :math:`(p - q)^2` for
    an annotator who is right with probability *p* and picks each wrong label
    with probability *q*.

    Parameters
    ----------
    confusion : ndarray, shape (n_annotators, n_classes, n_classes)
        ``confusion[j, k, l]`` = P(annotator *j* says *l* | truth *k*).
    support : ndarray, shape (n_annotators, n_classes), optional
        How many answers each row was estimated from (expected counts per
        true label). When given, rows with less than ``min_support`` answers
        are left out (*K* becomes the number of rows kept; fewer than two
        rows gives ``nan``), and the sampling noise of each estimated row,
        :math:`(1 - \sum_l A_{cl}^2) / n_c`, is taken off: estimated rows
        always differ a little, which would put a spammer with 200 answers
        over four labels near 0.03 instead of 0.
    min_support : float, default 5.0

    Returns
    -------
    ndarray of float64, shape (n_annotators,)

    References
    ----------
    .. [1] Raykar, V. C. & Yu, S. (2012). Eliminating spammers and ranking
       annotators for crowdsourced labeling tasks. Journal of Machine
       Learning Research, 13(16), 491-518. https://jmlr.org/papers/v13/raykar12a.html

    Examples
    --------
    >>> perfect, coin = np.eye(2), np.full((2, 2), 0.5)
    >>> spammer_scores(np.stack([perfect, coin, [[0.8, 0.2], [0.3, 0.7]]])).round(2).tolist()
    [1.0, 0.0, 0.25]
    """
    a = np.asarray(confusion, dtype=np.float64)
    w, k, _ = a.shape
    if support is None:
        keep = np.ones((w, k))
        noise = np.zeros((w, k))
    else:
        n_c = np.asarray(support, dtype=np.float64)
        keep = (n_c >= min_support).astype(np.float64)
        noise = keep * (1.0 - np.sum(a**2, axis=2)) / np.maximum(n_c, min_support)
    rows = keep.sum(axis=1)
    kept = a * keep[:, :, None]
    # sum over ordered row pairs of |a_c - a_c'|^2 = 2K sum_c |a_c|^2 - 2 |sum_c a_c|^2;
    # E|a_c - a_c'|^2 of estimated rows = true distance + V_c + V_c', and each row is in
    # K - 1 pairs, so the noise adds sum_c V_c / K
    spread = rows * np.sum(kept**2, axis=(1, 2)) - np.sum(kept.sum(axis=1) ** 2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = spread / (rows * (rows - 1)) - noise.sum(axis=1) / rows
    return np.where(rows >= 2, np.clip(score, 0.0, 1.0), np.nan)
