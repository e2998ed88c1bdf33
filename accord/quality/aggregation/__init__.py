"""Aggregation: many annotations in, one trustworthy answer (with a confidence) out.

Classification aggregators follow one contract (crowd-kit style): ``fit(data)``
on long-form ``item, annotator, label`` rows, then ``predict()`` ->
:class:`Consensus`, ``predict_proba()`` -> :class:`Probabilities`,
``fit_predict(data)``; learned state ends in ``_``. Spans, multi-label
answers, ratings, rankings, boxes and time segments (weighted boxes fusion) have their
own aggregators with the same verbs.
"""

from accord.quality.aggregation.base import TIE_POLICIES, Aggregator, Consensus, Probabilities
from accord.quality.aggregation.bcc import BayesianClassifierCombination
from accord.quality.aggregation.box_fusion import (
    FusedRegion,
    FusionConsensus,
    WeightedBoxesFusion,
    WeightedSegmentsFusion,
    weighted_boxes_fusion,
    weighted_segments_fusion,
)
from accord.quality.aggregation.bradley_terry import BradleyTerry
from accord.quality.aggregation.comparisons import (
    Ranking,
    comparisons_from_rankings,
    win_matrix,
)
from accord.quality.aggregation.dawid_skene import DawidSkene
from accord.quality.aggregation.glad import GLAD
from accord.quality.aggregation.label_model import LabelModel
from accord.quality.aggregation.mace import MACE
from accord.quality.aggregation.majority_vote import MajorityVote, vote_shares
from accord.quality.aggregation.multi_label import MultiLabel, MultiLabelConsensus
from accord.quality.aggregation.one_coin import OneCoinDawidSkene
from accord.quality.aggregation.opinion_pool import POOL_MEMBERS, OpinionPool
from accord.quality.aggregation.ranked_pairs import RankedPairs
from accord.quality.aggregation.ratings import RatingAggregator
from accord.quality.aggregation.span_vote import SpanConsensus, SpanVote
from accord.quality.aggregation.weighted_majority_vote import WeightedMajorityVote

#: Classification aggregators of people's answers by their short CLI name. The label model
#: (:class:`LabelModel`) has the same verbs but is for labelling functions' votes with abstains
#: (``accord assist lf``), so it is not a consensus method for people.
AGGREGATORS: dict[str, type[Aggregator]] = {
    "mv": MajorityVote,
    "wmv": WeightedMajorityVote,
    "ds": DawidSkene,
    "onecoin": OneCoinDawidSkene,
    "glad": GLAD,
    "mace": MACE,
    "bcc": BayesianClassifierCombination,
    "pool": OpinionPool,
}

#: What ``accord quality aggregate`` and the server use when no method is given.
DEFAULT_METHOD = "pool"

__all__ = [
    "AGGREGATORS",
    "DEFAULT_METHOD",
    "GLAD",
    "MACE",
    "TIE_POLICIES",
    "Aggregator",
    "BayesianClassifierCombination",
    "BradleyTerry",
    "Consensus",
    "DawidSkene",
    "FusedRegion",
    "FusionConsensus",
    "LabelModel",
    "MajorityVote",
    "MultiLabel",
    "MultiLabelConsensus",
    "OneCoinDawidSkene",
    "OpinionPool",
    "POOL_MEMBERS",
    "Probabilities",
    "RankedPairs",
    "Ranking",
    "RatingAggregator",
    "SpanConsensus",
    "SpanVote",
    "WeightedBoxesFusion",
    "WeightedMajorityVote",
    "WeightedSegmentsFusion",
    "comparisons_from_rankings",
    "vote_shares",
    "weighted_boxes_fusion",
    "weighted_segments_fusion",
    "win_matrix",
]
