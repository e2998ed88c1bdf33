"""Every aggregation (consensus) method by name, with a one-line description.

The classification aggregators come from :data:`accord.quality.aggregation.AGGREGATORS`
(their docstring's first line); the others aggregate ratings, rankings, spans
and regions. Question types name their consensus methods from this catalogue
(:mod:`accord.schema.questions`), and ``GET /api/v1/meta`` serves it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["aggregation_methods"]

_OTHER: dict[str, tuple[str, str]] = {
    "mean": ("ratings", "mean of the ratings"),
    "median": ("ratings", "median of the ratings"),
    "trimmed_mean": ("ratings", "mean after dropping 10% of the lowest and of the highest ratings"),
    "bt": ("rankings", "Bradley-Terry scores from the pairwise comparisons the rankings imply"),
    "rp": ("rankings", "Ranked Pairs (Tideman) over the rankings"),
    "borda": ("rankings", "Borda: the mean rank of each candidate"),
    "vote": ("spans", "a character-level vote over the annotators' spans, turned back into spans"),
    "fusion": ("regions", "Weighted Boxes Fusion of matched boxes (1-D for audio segments)"),
    "frame_vote": ("frames", "a frame-by-frame majority vote over the annotators' labelled "
                   "frame ranges"),
    "track_fusion": ("tracks", "tracks matched across annotators by identity, their boxes "
                     "fused frame by frame (Weighted Boxes Fusion)"),
}


def _first_line(obj: Any) -> str:
    doc = (obj.__doc__ or "").strip()
    line = doc.splitlines()[0].rstrip(".") if doc else obj.__name__
    return line.replace(":math:", "").replace("`", "")


def aggregation_methods() -> dict[str, dict[str, str]]:
    """``{name: {"kind", "description"}}`` of every method, classification ones first.

    Examples
    --------
    >>> methods = aggregation_methods()
    >>> methods["ds"]["kind"], methods["bt"]["kind"]
    ('classification', 'rankings')
    """
    from accord.quality.aggregation import AGGREGATORS

    out = {name: {"kind": "classification", "description": _first_line(cls)}
           for name, cls in AGGREGATORS.items()}
    for name, (kind, text) in _OTHER.items():
        out.setdefault(name, {"kind": kind, "description": text})
    return out
