"""A suggestion's score: the confidence a model gives its answer, read as a probability.

Routing accepts a suggestion at or above a threshold between 0 and 1 and gives its
record priority ``1 - score``; calibration bins it between 0 and 1; margin and entropy
read it as the answer's probability. So a score is a finite number from 0 to 1, or
absent. Scores that come from outside accord are checked here, on every path that
stores them: ``PUT /datasets/{name}/suggestions`` (``Client.add_suggestions``) and the
migration importers (Label Studio predictions, Argilla suggestions, COCO detections).
"""

from __future__ import annotations

import math
from typing import Any

from accord.errors import InputError

__all__ = ["check_score"]


def check_score(score: Any, where: str, field: str | None = None) -> float | None:
    """``score`` as a float in [0, 1] (None stays None), or an InputError naming ``where``.

    Examples
    --------
    >>> check_score(0.8, "score"), check_score(None, "score"), check_score(1, "score")
    (0.8, None, 1.0)
    >>> check_score(85, "p", field="q")
    Traceback (most recent call last):
    ...
    accord.errors.InputError: field 'q': p: expected a probability from 0 to 1 (or no score), got 85
    """
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, int | float) \
            or not math.isfinite(score) or not 0.0 <= score <= 1.0:
        text = repr(score)
        text = text if len(text) <= 60 else text[:57] + "..."
        raise InputError(f"{where}: expected a probability from 0 to 1 (or no score), got {text}",
                         field=field)
    return float(score)
