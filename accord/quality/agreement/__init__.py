"""Inter-annotator agreement metrics, one per module.

Every metric takes either a reliability matrix (annotators x items, missing
values as ``None``/``NaN``) or long-form annotations (``item, annotator,
label``); Cohen's kappa and Scott's pi take two label sequences like
scikit-learn. :func:`agreement_score` picks a metric by name.
"""

from accord.quality.agreement._regions import Match, RegionAgreement
from accord.quality.agreement.bootstrap import ConfidenceInterval, bootstrap_ci
from accord.quality.agreement.boxes import box_agreement, match_boxes, polygon_agreement
from accord.quality.agreement.breakdown import (
    PairwiseAgreement,
    agreement_by_label,
    agreement_by_question,
    pairwise_agreement,
)
from accord.quality.agreement.cohen import cohen_kappa
from accord.quality.agreement.fleiss import fleiss_kappa
from accord.quality.agreement.gwet import gwet_ac1, gwet_ac2, gwet_weights
from accord.quality.agreement.keypoints import (
    keypoint_similarity,
    keypoints_agreement,
    match_keypoints,
)
from accord.quality.agreement.krippendorff import coincidence_matrix, krippendorff_alpha
from accord.quality.agreement.percent import item_agreement, percent_agreement
from accord.quality.agreement.ranking import kendall_w, pairwise_kendall_tau
from accord.quality.agreement.score import METRICS, agreement_score, check_metric
from accord.quality.agreement.scott import scott_pi
from accord.quality.agreement.segments import match_segments, segment_agreement
from accord.quality.agreement.span_f1 import SpanAgreement, span_agreement

__all__ = [
    "METRICS",
    "ConfidenceInterval",
    "Match",
    "PairwiseAgreement",
    "RegionAgreement",
    "SpanAgreement",
    "agreement_by_label",
    "agreement_by_question",
    "agreement_score",
    "bootstrap_ci",
    "box_agreement",
    "check_metric",
    "cohen_kappa",
    "coincidence_matrix",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "gwet_weights",
    "item_agreement",
    "kendall_w",
    "keypoint_similarity",
    "keypoints_agreement",
    "krippendorff_alpha",
    "match_boxes",
    "match_keypoints",
    "match_segments",
    "pairwise_agreement",
    "pairwise_kendall_tau",
    "percent_agreement",
    "polygon_agreement",
    "scott_pi",
    "segment_agreement",
    "span_agreement",
]
