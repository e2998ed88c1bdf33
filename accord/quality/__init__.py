"""Quality: inter-annotator agreement, annotator scores and label aggregation.

Pure numpy/scipy: this package never imports the store, the server, the
workflow or the importers, so it runs on plain Python data anywhere.

- :mod:`accord.quality.agreement`: Krippendorff's alpha, Cohen's kappa,
  Scott's pi, Fleiss' kappa, Gwet's AC1/AC2, percent agreement, bootstrap
  intervals, span F1, Kendall's W and breakdowns;
- :mod:`accord.quality.aggregation`: majority vote, weighted majority vote,
  Dawid-Skene, one-coin Dawid-Skene, MACE, GLAD, multi-label, spans,
  ratings, Bradley-Terry and ranked pairs;
- :func:`score_annotators`: accuracy, agreement, confusion, speed and flags
  (spammers from the confusion matrices: :mod:`accord.quality.spammers`);
- :func:`rank_disagreements`: the most contested records first, for review;
- :func:`read_longform`: the ``item, annotator, label`` file reader.
"""

from accord.quality import aggregation, agreement
from accord.quality.annotators import AnnotatorReport, AnnotatorScore, score_annotators
from accord.quality.disagreement import Disagreement, rank_disagreements
from accord.quality.frame import (
    LongForm,
    ReliabilityMatrix,
    as_longform,
    factorize,
    from_reliability_matrix,
)
from accord.quality.longform import read_gold, read_longform
from accord.quality.orders import rank_matrix, ranks_from_order
from accord.quality.spans import Span, as_span, group_spans

__all__ = [
    "AnnotatorReport",
    "AnnotatorScore",
    "Disagreement",
    "LongForm",
    "ReliabilityMatrix",
    "Span",
    "aggregation",
    "agreement",
    "as_longform",
    "as_span",
    "factorize",
    "from_reliability_matrix",
    "group_spans",
    "rank_disagreements",
    "rank_matrix",
    "ranks_from_order",
    "read_gold",
    "read_longform",
    "score_annotators",
]
