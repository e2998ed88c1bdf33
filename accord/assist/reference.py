"""Reference answers to score suggestions against: gold answers, or what people submitted.

``against="gold"`` uses the gold answers of gold records; ``against="responses"``
uses the majority of submitted human responses per record (model agents'
responses are left out). A suggestion's correctness is 1 when it equals the
reference under the question's agreement rule
(:func:`accord.assist.confidence.vote_key`: the label, the rating, the
pairwise choice, the exact ranking, the set of labels or spans); when the
human majority is tied between *m* answers, a suggestion equal to one of them
scores 1/m.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from accord.assist.calibration import CalibrationReport, calibration_report
from accord.assist.confidence import vote_key
from accord.assist.prelabel import question_of
from accord.errors import InputError, NotFound
from accord.store.assist_queries import (
    SuggestionRow,
    gold_values,
    human_values,
    question_agents,
    question_suggestions,
)
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope

__all__ = [
    "AGAINST",
    "ScoredSuggestions",
    "calibrate",
    "correctness",
    "majority_answers",
    "resolve_agent",
    "scored_suggestions",
]

AGAINST = ("gold", "responses")


@dataclass
class ScoredSuggestions:
    """Suggestions with a score and a reference, and whether they matched it."""

    agent: str
    question: Any
    rows: list[SuggestionRow]
    correct: list[float]
    unscored: int  # suggestions without a confidence score
    unreferenced: int  # suggestions whose record has no reference answer

    @property
    def confidences(self) -> list[float]:
        return [float(r.score) for r in self.rows]  # type: ignore[arg-type]


def correctness(kind: str, value: Any, references: list[Any]) -> float:
    """Share of credit ``value`` earns against the majority of ``references``.

    Examples
    --------
    >>> correctness("label", "a", ["a", "a", "b"]), correctness("label", "a", ["a", "b"])
    (1.0, 0.5)
    """
    if not references:
        raise ValueError("no reference answers")
    counts = Counter(vote_key(kind, r) for r in references)
    top = max(counts.values())
    modes = [k for k, c in counts.items() if c == top]
    return 1.0 / len(modes) if vote_key(kind, value) in modes else 0.0


def majority_answers(session: Any, dataset_id: int, question: str) -> dict[int, str]:
    """``{record id: answer}`` where people's submitted answers have a strict majority
    (model agents' answers left out; a tied record has no majority)."""
    out = {}
    for rid, values in human_values(session, dataset_id, question).items():
        counts = Counter(vote_key("label", v) for v in values).most_common(2)
        if len(counts) == 1 or counts[0][1] > counts[1][1]:
            out[rid] = counts[0][0]
    return out


def resolve_agent(session: Any, dataset_id: int, question: str, agent: str | None) -> str:
    """``agent`` if it has suggestions for ``question``, else the latest agent that has."""
    agents = question_agents(session, dataset_id, question)
    if not agents:
        raise InputError(f"question {question!r} has no suggestions yet; run "
                         "'accord assist prelabel' first", field="--question")
    if agent is None:
        return agents[0][0]
    if agent not in dict(agents):
        raise NotFound(f"agent {agent!r} has no suggestions for {question!r}; agents are "
                       f"{[a for a, _ in agents]}")
    return agent


def scored_suggestions(engine: Engine, dataset: str, question: str, *,
                       against: str = "responses", agent: str | None = None) -> ScoredSuggestions:
    """Pair ``agent``'s scored suggestions (default: the latest agent) with references.

    Raises
    ------
    InputError
        Unknown question, no suggestions, or ``against`` not gold/responses.
    """
    if against not in AGAINST:
        raise InputError(f"expected one of {', '.join(AGAINST)}, got {against!r}",
                         field="--against")
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        q = question_of(settings_of(ds), question)
        agent = resolve_agent(session, ds.id, q.name, agent)
        rows = question_suggestions(session, ds.id, q.name, agent)
        if against == "gold":
            refs = {rid: [v] for rid, v in gold_values(session, ds.id, q.name).items()}
        else:
            refs = human_values(session, ds.id, q.name)
    kept, correct, unscored, unref = [], [], 0, 0
    for row in rows:
        if row.score is None:
            unscored += 1
        elif row.record_id not in refs:
            unref += 1
        else:
            kept.append(row)
            correct.append(correctness(q.type, row.value, refs[row.record_id]))
    return ScoredSuggestions(agent, q, kept, correct, unscored, unref)


def calibrate(engine: Engine, dataset: str, question: str, *, against: str = "responses",
              agent: str | None = None, n_bins: int = 10, target_precision: float | None = None,
              min_accepted: int = 1) -> tuple[CalibrationReport, ScoredSuggestions]:
    """Calibration of ``agent``'s confidence on ``question`` against gold or human answers.

    Raises
    ------
    InputError
        When no suggestion has both a score and a reference answer.
    """
    scored = scored_suggestions(engine, dataset, question, against=against, agent=agent)
    if not scored.rows:
        raise InputError(
            f"none of the {len(scored.rows) + scored.unscored + scored.unreferenced}"
            f" suggestions of {scored.agent} has both a confidence score and a "
            f"reference answer ({'gold answers' if against == 'gold' else 'submitted responses'})",
            field="--against",
        )
    report = calibration_report(scored.confidences, scored.correct, n_bins=n_bins,
                                target_precision=target_precision, min_accepted=min_accepted)
    report.extra = {"dataset": dataset, "question": question, "agent": scored.agent,
                    "against": against, "unscored": scored.unscored,
                    "unreferenced": scored.unreferenced}
    return report, scored
