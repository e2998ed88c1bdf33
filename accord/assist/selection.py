"""Which records to label next, from the embeddings and the answers so far.

One function, :func:`rank_unlabelled`, used by ``accord assist prioritize
--strategy auto`` (through the store) and by ``bench/al_bench.py`` (in
memory), so the benchmark measures what users run:

- ``typiclust``: typical points of uncovered clusters (cold start by
  diversity, :mod:`accord.assist.typicality`);
- ``least-confidence``, ``margin``, ``entropy``: train
  :class:`~accord.assist.classifier.SoftmaxRegression` on the answered
  records and rank the others by its uncertainty
  (:func:`accord.assist.active.uncertainty`);
- ``diverse-margin``: ``margin``, and the ``batch`` records to label first
  chosen among the ``BETA * batch`` most uncertain ones, one per k-means
  group, the most uncertain x typical of each
  (:func:`accord.assist.diverse_batch.diverse_uncertain`, Zhdanov 2019);
- ``balanced-margin``: ``margin``, and the ``batch`` records to label first
  spread over the predicted classes, each class's most uncertain in turn
  (:func:`accord.assist.balanced_batch.class_balanced`);
- ``auto``: ``typiclust`` while fewer than ``cold_start`` records are
  answered (default :data:`COLD_START` per class of the question, at least
  :data:`MIN_COLD_START`) or fewer than two classes were seen, then
  ``balanced-margin``; Hacohen et al. (2022) find typical points best for small
  budgets and uncertainty for larger ones. ``balanced-margin`` replaced
  ``diverse-margin`` there: 0.56 of random's labels against 0.59 over 30
  Banking77 seeds, equal on SST-2 over 90 (``docs/assist.md``). Selection rules
  tried and not adopted (among them expected error reduction, Roy & McCallum
  2001, equal to ``auto`` on fresh SST-2 seeds) are listed there too;
- ``random``: a seeded shuffle (the benchmark's baseline).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from accord.assist.active import uncertainty
from accord.assist.balanced_batch import class_balanced
from accord.assist.classifier import SoftmaxRegression, fit_answers
from accord.assist.diverse_batch import diverse_uncertain
from accord.assist.typicality import typical_points
from accord.errors import InputError

__all__ = ["AUTO_STRATEGIES", "COLD_START", "MIN_COLD_START", "Ranking", "rank_unlabelled"]

AUTO_STRATEGIES = ("auto", "typiclust", "least-confidence", "margin", "entropy",
                   "diverse-margin", "balanced-margin", "random")
#: answered records per class of the question before ``auto`` switches to uncertainty
COLD_START = 2
MIN_COLD_START = 20
#: TypiClust's cap on the number of k-means clusters (cost O(records x clusters x dimensions))
MAX_CLUSTERS = 500
#: rows whose class probabilities are computed at a time (bounds memory on large datasets)
PREDICT_CHUNK = 65536


@dataclass
class Ranking:
    """Unlabelled rows, most useful to label first, and how they were chosen.

    ``order`` holds every unlabelled row for the uncertainty strategies and
    ``random``, and the ``batch`` chosen rows for ``typiclust``;
    ``scores`` is the uncertainty of the rows of ``order`` (``None`` for
    ``typiclust`` and ``random``), non-increasing; for ``diverse-margin`` and
    ``balanced-margin`` the ``batch`` chosen rows come first with 1 + their uncertainty.
    """

    order: np.ndarray
    scores: np.ndarray | None
    strategy: str
    model: SoftmaxRegression | None = None


def rank_unlabelled(x: Any, answers: Mapping[int, Any], *, strategy: str = "auto",
                    batch: int = 10, n_classes: int | None = None,
                    cold_start: int | None = None, seed: int = 0) -> Ranking:
    """Rank the rows of ``x`` without an answer for labelling.

    Parameters
    ----------
    x : array, shape (n, d)
        Embeddings of every record.
    answers : mapping of int to label
        ``{row: label}`` of the answered records.
    strategy : str, default "auto"
        One of :data:`AUTO_STRATEGIES`.
    batch : int, default 10
        How many records are labelled before the next ranking: the typical points of
        ``typiclust`` (and ``auto``'s cold start), the batch of ``diverse-margin`` and
        ``balanced-margin``.
    n_classes : int, optional
        The question's number of classes (for ``auto``'s cold-start size).
    cold_start : int, optional
        Answers before ``auto`` uses uncertainty (default
        ``max(MIN_COLD_START, COLD_START * n_classes)``).
    seed : int, default 0

    Raises
    ------
    InputError
        Unknown strategy, or an uncertainty strategy with answers of fewer than two classes.
    """
    if strategy not in AUTO_STRATEGIES:
        raise InputError(f"expected one of {', '.join(AUTO_STRATEGIES)}, got {strategy!r}",
                         field="--strategy")
    xa = np.asarray(x)
    if not np.issubdtype(xa.dtype, np.floating):
        xa = xa.astype(np.float64)
    n = xa.shape[0]
    done = np.array(sorted(answers), dtype=np.int64)
    rest = np.setdiff1d(np.arange(n), done)
    seen = len({answers[int(i)] for i in done})
    if strategy == "auto":
        need = cold_start if cold_start is not None else \
            max(MIN_COLD_START, COLD_START * (n_classes or seen or 2))
        strategy = "typiclust" if len(done) < need or seen < 2 else "balanced-margin"
    if strategy == "random":
        return Ranking(np.random.default_rng(seed).permutation(rest), None, strategy)
    if strategy == "typiclust":
        picked = typical_points(xa, batch, labelled=done.tolist(), seed=seed,
                                max_clusters=MAX_CLUSTERS)
        return Ranking(np.asarray(picked, dtype=np.int64), None, strategy)
    if seen < 2:
        raise InputError(f"{strategy} needs answers of at least two classes; got {seen}",
                         field="--strategy")
    model = fit_answers(xa, answers)
    if len(rest) == 0:
        return Ranking(rest, np.zeros(0), strategy, model)
    measure = "margin" if strategy in ("diverse-margin", "balanced-margin") else strategy
    parts, predicted = [], []
    for i in range(0, len(rest), PREDICT_CHUNK):
        p = model.predict_proba(xa[rest[i:i + PREDICT_CHUNK]])
        parts.append(uncertainty(p, measure))
        predicted.append(np.argmax(p, axis=1))
    scores = np.concatenate(parts)
    order = np.argsort(-scores, kind="stable")
    rows, scores = rest[order], scores[order]
    if strategy in ("diverse-margin", "balanced-margin") and len(rows) > batch:
        first = diverse_uncertain(xa, rows, scores, batch, seed=seed) \
            if strategy == "diverse-margin" else \
            class_balanced(np.concatenate(predicted)[order], batch)
        later = np.ones(len(rows), dtype=bool)
        later[first] = False
        rows = np.concatenate([rows[first], rows[later]])
        scores = np.concatenate([1.0 + scores[first], scores[later]])
    return Ranking(rows, scores, strategy, model)
