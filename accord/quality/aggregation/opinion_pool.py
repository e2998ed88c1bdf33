"""The default aggregator: a linear opinion pool over accord's classification models."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from accord.quality.aggregation.base import Aggregator
from accord.quality.frame import LongForm

__all__ = ["POOL_MEMBERS", "OpinionPool"]

#: Models pooled by default: one per assumption about annotators.
POOL_MEMBERS = ("mv", "wmv", "ds", "onecoin", "mace", "bcc")


class OpinionPool(Aggregator):
    r"""Equal-weight linear opinion pool of several aggregation models.

    Every member model is fitted to the same annotations and the pooled
    probability of label *k* for item *i* is the plain average

    .. math::

        P(z_i = k) = \frac{1}{M} \sum_{m=1}^{M} P_m(z_i = k).

    The members are one model per assumption about annotators: everyone
    equal (majority vote), weighted by agreement (WMV), a full confusion
    matrix each (Dawid-Skene), one accuracy each (one-coin), spam or know
    (MACE) and confusion matrices under a Dirichlet prior (Bayesian
    classifier combination). No single one of these is best on every crowd
    set (Zheng et al. 2017); each fails where its assumption is wrong
    (one-coin on one-sided biases, full Dawid-Skene on sparse annotators),
    and averaging keeps a member's confident mistake from deciding alone.
    The weights are equal and fixed, not fitted to any data set.

    Parameters
    ----------
    members : sequence of str, default :data:`POOL_MEMBERS`
        Short names from :data:`accord.quality.aggregation.AGGREGATORS`.

    Attributes
    ----------
    probas_ : ndarray, shape (n_items, n_classes)
        The pooled probabilities.
    members_ : dict of str to Aggregator
        The fitted member models (their ``errors_`` etc. stay available).

    References
    ----------
    .. [1] Stone, M. (1961). The opinion pool. The Annals of Mathematical
       Statistics, 32(4), 1339-1342. https://doi.org/10.1214/aoms/1177704873
    .. [2] Genest, C. & Zidek, J. V. (1986). Combining probability
       distributions: a critique and an annotated bibliography. Statistical
       Science, 1(1), 114-135. https://doi.org/10.1214/ss/1177013825
    .. [3] Zheng, Y., Li, G., Li, Y., Shan, C. & Cheng, R. (2017). Truth
       inference in crowdsourcing: is the problem solved? PVLDB 10(5),
       541-552. https://doi.org/10.14778/3055540.3055547

    Examples
    --------
    >>> rows = [(i, a, i % 2) for i in range(6) for a in "abc"] + [(i, "d", 0) for i in range(6)]
    >>> OpinionPool().fit_predict(rows).as_dict()
    {0: 0, 1: 1, 2: 0, 3: 1, 4: 0, 5: 1}
    """

    def __init__(self, members: Sequence[str] = POOL_MEMBERS) -> None:
        from accord.quality.aggregation import AGGREGATORS

        unknown = [m for m in members if m not in AGGREGATORS or AGGREGATORS[m] is OpinionPool]
        if not members or unknown:
            choices = ", ".join(m for m in AGGREGATORS if AGGREGATORS[m] is not OpinionPool)
            raise ValueError(
                f"The 'members' parameter must name some of {choices}. "
                f"Got {list(members)!r} instead."
            )
        self.members = tuple(members)
        self._makers: dict[str, Callable[[], Aggregator]] = {m: AGGREGATORS[m] for m in members}

    def _fit(self, lf: LongForm) -> None:
        self.members_: dict[str, Aggregator] = {}
        total = np.zeros((lf.n_items, lf.n_labels))
        for name, make in self._makers.items():
            model = make()
            model.items_, model.classes_ = lf.items, lf.labels
            model._fit(lf)
            self.members_[name] = model
            total += model.probas_
        self.probas_ = total / len(self._makers)
        self.annotators_ = lf.annotators
