"""Disagreement between annotator groups (annotators grouped by an attribute such as locale).

Three views of one question for one attribute:

- the label distribution of each group's answers, with a chi-square test of
  group x label independence (the unit is the answer; groups may have seen
  different records, so a difference can come from the records too);
- Krippendorff's alpha within each group (do its members agree?);
- pairwise agreement between groups on the *same* records: of all pairs of
  answers to one record given by an annotator of group A and one of group B,
  the share that match. A low A-B value next to high A-A and B-B values means
  the groups read the guidelines differently.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.quality.health.data import Column
from accord.quality.health.distribution import crosstab
from accord.quality.health.independence import chi_square_independence
from accord.quality.health.slices import coded_alpha

__all__ = ["pair_agreement", "compare_groups"]


def pair_agreement(record: np.ndarray, group: np.ndarray, n_groups: int, value: np.ndarray,
                   n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Matching and total answer pairs on the same record, per pair of groups.

    For groups *A* and *B* with :math:`c_{rAl}` answers of label *l* to record *r*:

    .. math::

        \text{agree}_{AB} = \sum_r \sum_l c_{rAl}\,c_{rBl}, \quad
        \text{pairs}_{AB} = \sum_r n_{rA}\,n_{rB}

    and on the diagonal the same without pairing an answer with itself
    (:math:`c(c-1)`, :math:`n(n-1)`). Pairs are ordered, which does not change
    the ratio. Computed with sparse matrix products, so any number of records.

    Returns
    -------
    agree, pairs : ndarray of float64, shape (n_groups, n_groups)

    Examples
    --------
    >>> agree, pairs = pair_agreement(np.array([0, 0, 0]), np.array([0, 0, 1]), 2,
    ...                               np.array([1, 1, 0]), 2)
    >>> agree.tolist(), pairs.tolist()
    ([[2.0, 0.0], [0.0, 0.0]], [[2.0, 2.0], [2.0, 0.0]])
    """
    from scipy.sparse import csr_matrix

    if record.size == 0:
        zero = np.zeros((n_groups, n_groups))
        return zero, zero.copy()
    rec_keys, rec = np.unique(record, return_inverse=True)
    shape = (rec_keys.size, n_groups * n_labels)
    counts = csr_matrix((np.ones(record.size), (rec, group * n_labels + value)), shape=shape)
    agree = np.zeros((n_groups, n_groups))
    for lab in range(n_labels):
        c = counts[:, lab::n_labels]
        agree += (c.T @ c).toarray()
    n = csr_matrix((np.ones(record.size), (rec, group)), shape=(rec_keys.size, n_groups))
    pairs = (n.T @ n).toarray()
    per_group = np.bincount(group, minlength=n_groups).astype(np.float64)
    agree[np.diag_indices(n_groups)] -= per_group
    pairs[np.diag_indices(n_groups)] -= per_group
    return agree, pairs


def compare_groups(record: np.ndarray, annotator: np.ndarray, value: np.ndarray,
                   n_labels: int, column: Column, level: str = "nominal") -> dict[str, Any]:
    """Distribution, chi-square, within-group alpha and cross-group agreement.

    Parameters
    ----------
    record, annotator, value : ndarray of int64, shape (n_answers,)
    n_labels : int
    column : Column
        The attribute's group code per annotator.
    level : str
        Krippendorff level for the within-group alpha.

    Returns
    -------
    dict
        ``groups`` (per group: ``value``, ``annotators``, ``answers``,
        ``counts`` per label, ``alpha``, ``alpha_records``), ``chi_square``
        (group x label, see :func:`chi_square_independence`) and ``pairs``
        (``[group a, group b, agreement, number of answer pairs]`` for every
        pair of groups with shared records, a == b included).

    Examples
    --------
    >>> col = Column.from_values(["en", "en", "fr"])
    >>> out = compare_groups(np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1, 2, 0, 1, 2]),
    ...                      np.array([1, 1, 0, 0, 0, 1]), 2, col)
    >>> [(a, b, agreement) for a, b, agreement, _ in out["pairs"]]
    [('en', 'en', 1.0), ('en', 'fr', 0.0)]
    """
    group = column.codes[annotator]
    n_groups = len(column)
    table = crosstab(group, n_groups, value, n_labels)
    agree, pairs = pair_agreement(record, group, n_groups, value, n_labels)
    groups = []
    for code, name in enumerate(column.values):
        mask = group == code
        if not mask.any():
            continue
        within = coded_alpha(record[mask], annotator[mask], value[mask], n_labels, level)
        groups.append({"value": name,
                       "annotators": int(np.count_nonzero(np.bincount(annotator[mask]))),
                       "answers": int(mask.sum()), "counts": table[code].tolist(),
                       "alpha": within["alpha"], "alpha_records": within["records"]})
    pair_rows = []
    for a in range(n_groups):
        for b in range(a, n_groups):
            if pairs[a, b] > 0:
                distinct = pairs[a, b] / 2 if a == b else pairs[a, b]  # unordered pairs
                pair_rows.append([column.values[a], column.values[b],
                                  float(agree[a, b] / pairs[a, b]), int(distinct)])
    return {"groups": groups, "chi_square": chi_square_independence(table), "pairs": pair_rows}
