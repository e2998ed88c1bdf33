r"""The model accord trains itself for active learning: multinomial logistic regression.

On sentence embeddings (L2-normalized, e.g. all-MiniLM-L6-v2) a linear
softmax model is the standard probe: cheap to refit after every batch of
answers and good enough to say which records it is unsure about. The
objective is scikit-learn's ``LogisticRegression(C=C)``:

.. math::

    \min_{W, b} \; \tfrac{1}{2} \lVert W \rVert^2 - C \sum_i \log
    \operatorname{softmax}(W x_i + b)_{y_i}

(the intercept is not penalized), minimized with L-BFGS (scipy). Classes
are the sorted distinct labels seen in training; with one class every
probability is 1.

:func:`fit_answers` is the one place that says which model active learning
trains from the answers (``SoftmaxRegression(C=MODEL_C)`` on the answered
rows): :func:`accord.assist.selection.rank_unlabelled` and
``bench/al_bench.py`` (random order's model, the full-pool accuracy) call it,
so a change of the model changes all three numbers the benchmark compares.
Model changes tried and not adopted (label spreading and self-training over
the unlabelled records, C by cross-validation, centering and whitening, class
weights, prior re-estimation, Laplace-moderated probabilities, cosine class
prototypes, weights shrunk towards the prototypes, a one-hidden-layer MLP)
are listed with their numbers in ``docs/assist.md``.

References
----------
.. [1] Bishop, C. M. (2006). Pattern Recognition and Machine Learning,
   section 4.3.4 (multiclass logistic regression). Springer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["MODEL_C", "SoftmaxRegression", "fit_answers"]

#: inverse regularization of the model accord trains from the answers (scikit-learn's C)
MODEL_C = 10.0


class SoftmaxRegression:
    """Multinomial logistic regression with an L2 penalty.

    Parameters
    ----------
    C : float, default 1.0
        Inverse regularization strength (as in scikit-learn).
    max_iter : int, default 50
        L-BFGS iterations at most; on Banking77 (2,156 records, 77 classes) the held-out
        accuracy after 30 equals the converged one.

    Attributes
    ----------
    classes_ : ndarray
    coef_ : ndarray, shape (n_classes, n_features)
    intercept_ : ndarray, shape (n_classes,)

    Examples
    --------
    >>> x = [[0.0, 1.0], [0.1, 0.9], [1.0, 0.0], [0.9, 0.1]]
    >>> model = SoftmaxRegression(C=10).fit(x, ["a", "a", "b", "b"])
    >>> model.predict([[0.2, 0.8], [0.8, 0.2]]).tolist()
    ['a', 'b']
    """

    def __init__(self, C: float = 1.0, max_iter: int = 50) -> None:
        if C <= 0:
            raise ValueError(f"The 'C' parameter must be > 0. Got {C!r} instead.")
        self.C = C
        self.max_iter = max_iter

    def fit(self, x: Any, y: Sequence[Any]) -> SoftmaxRegression:
        from scipy.optimize import minimize

        xa = np.asarray(x, dtype=np.float64)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        n, d = xa.shape
        k = len(self.classes_)
        if k < 2:
            self.coef_ = np.zeros((k, d))
            self.intercept_ = np.zeros(k)
            return self
        onehot = np.zeros((n, k))
        onehot[np.arange(n), codes] = 1.0

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w = theta[:k * d].reshape(k, d)
            b = theta[k * d:]
            z = xa @ w.T + b
            z -= z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            value = 0.5 * float(np.sum(w * w)) - self.C * float(np.sum(onehot * logp))
            err = self.C * (np.exp(logp) - onehot)
            grad_w = w + err.T @ xa
            return value, np.concatenate([grad_w.ravel(), err.sum(axis=0)])

        found = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B",
                         options={"maxiter": self.max_iter})
        self.coef_ = found.x[:k * d].reshape(k, d)
        self.intercept_ = found.x[k * d:]
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        """``(n, n_classes)`` probabilities in ``classes_`` order."""
        xa = np.asarray(x, dtype=np.float64)
        if len(self.classes_) < 2:
            return np.ones((xa.shape[0], len(self.classes_)))
        z = xa @ self.coef_.T + self.intercept_
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, x: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(x), axis=1)]


def fit_answers(x: Any, answers: Mapping[int, Any]) -> SoftmaxRegression:
    """The model active learning trains: :class:`SoftmaxRegression` with ``C = MODEL_C`` on
    the rows of ``x`` that have an answer (``{row: label}``, rows in sorted order).

    Examples
    --------
    >>> x = [[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.1]]
    >>> fit_answers(x, {0: "a", 1: "b"}).predict([[0.2, 0.8]]).tolist()
    ['a']
    """
    xa = np.asarray(x)
    rows = np.array(sorted(answers), dtype=np.int64)
    return SoftmaxRegression(C=MODEL_C).fit(xa[rows].astype(np.float64),
                                            [answers[int(i)] for i in rows])
