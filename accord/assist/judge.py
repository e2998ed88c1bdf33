"""LLM-as-judge: ratings for evaluation datasets, with the rationale kept, and how well
they agree with people.

:func:`judge` is pre-labelling with the ``judge`` prompt and a ``rationale``
asked for before the rating; the suggestion's value is the rating and its
metadata holds the rationale. :func:`judge_agreement` compares the judge's
ratings with the human consensus (the median of the submitted human ratings
of each record, rounded half up) by Krippendorff's alpha at the interval and
ordinal levels and Cohen's quadratically weighted kappa
(:mod:`accord.quality.agreement`), plus the exact-match rate and the mean
absolute difference.

References
----------
.. [1] Zheng, L. et al. (2023). Judging LLM-as-a-judge with MT-Bench and
   Chatbot Arena. NeurIPS 2023 Datasets and Benchmarks. https://arxiv.org/abs/2306.05685
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from accord.assist.client import LLMClient
from accord.assist.prelabel import PrelabelOptions, prelabel, question_of
from accord.assist.reference import resolve_agent
from accord.assist.runs import RunSummary
from accord.errors import InputError
from accord.store.assist_queries import human_values, question_suggestions
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope

__all__ = ["JudgeAgreement", "consensus_rating", "judge", "judge_agreement"]


def judge(engine: Engine, dataset: str, client: LLMClient, question: str, *,
          options: PrelabelOptions | None = None,
          progress: Callable[[int], None] | None = None,
          total: Callable[[int], None] | None = None) -> RunSummary:
    """Rate every record on ``question`` with a rationale (see :func:`prelabel`).

    Raises
    ------
    InputError
        ``question`` is a text question (nothing to judge).
    """
    with session_scope(engine) as session:
        q = question_of(settings_of(get_dataset(session, dataset)), question)
    if q.type == "text":
        raise InputError(f"question {q.name!r} is a text question; a judge gives ratings, "
                         "labels or preferences", field="--question")
    opts = options or PrelabelOptions(question=question)
    opts.question, opts.rationale, opts.action = question, True, "judge"
    return prelabel(engine, dataset, client, opts, progress=progress, total=total)


def consensus_rating(values: list[Any]) -> int:
    """Median of the ratings, rounded half up.

    Examples
    --------
    >>> consensus_rating([2, 3]), consensus_rating([1, 4, 5])
    (3, 4)
    """
    return math.floor(float(np.median(np.asarray(values, dtype=np.float64))) + 0.5)


@dataclass
class JudgeAgreement:
    dataset: str
    question: str
    agent: str
    n: int
    alpha_interval: float
    alpha_ordinal: float
    kappa_quadratic: float
    exact: float
    mean_abs_diff: float

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else
                    round(v, 6) if isinstance(v, float) else v)
                for k, v in asdict(self).items()}

    def line(self) -> str:
        return (f"judge {self.agent} vs human consensus on {self.dataset}/{self.question}: "
                f"{self.n:,} records, alpha interval {self.alpha_interval:.3f}, ordinal "
                f"{self.alpha_ordinal:.3f}, quadratic kappa {self.kappa_quadratic:.3f}, exact "
                f"{self.exact:.1%}, mean |diff| {self.mean_abs_diff:.2f}")


def judge_agreement(engine: Engine, dataset: str, question: str, *,
                    agent: str | None = None) -> JudgeAgreement:
    """Agreement of ``agent``'s ratings with the human consensus on a rating question.

    Raises
    ------
    InputError
        Not a rating question, or fewer than 2 records rated by both.
    """
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        q = question_of(settings_of(ds), question)
        if q.type != "rating":
            raise InputError(f"question {q.name!r} is a {q.type} question; judge agreement is "
                             "measured on rating questions", field="--question")
        agent = resolve_agent(session, ds.id, q.name, agent)
        rows = question_suggestions(session, ds.id, q.name, agent)
        people = human_values(session, ds.id, q.name)
    pairs = [(int(r.value), consensus_rating(people[r.record_id])) for r in rows
             if r.record_id in people and isinstance(r.value, int)]
    if len(pairs) < 2:
        raise InputError(f"only {len(pairs)} record(s) have both a judge rating and submitted "
                         "human ratings; need at least 2", field="--question")
    from accord.quality import ReliabilityMatrix  # scipy: load late
    from accord.quality.agreement import cohen_kappa, krippendorff_alpha

    model = [p[0] for p in pairs]
    human = [p[1] for p in pairs]
    judge_and_people = ReliabilityMatrix([model, human])  # two coders x the records
    scale = list(range(q.min, q.max + 1))
    diff = np.abs(np.subtract(model, human))
    return JudgeAgreement(
        dataset, q.name, agent, len(pairs),
        krippendorff_alpha(judge_and_people, "interval", labels=scale),
        krippendorff_alpha(judge_and_people, "ordinal", labels=scale),
        cohen_kappa(model, human, labels=scale, weights="quadratic"),
        float(np.mean(diff == 0)), float(diff.mean()))
