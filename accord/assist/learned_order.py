"""Active learning with a model accord trains itself on the stored embeddings.

``accord assist prioritize DATASET -q Q --strategy auto`` (and the server,
every N new answers when ``assist.active_learning`` is set) reads the
records' vectors and the answers so far (gold answers, and the majority of
people's submitted answers), ranks the unanswered records with
:func:`accord.assist.selection.rank_unlabelled` and writes their priorities
through :func:`accord.store.priorities.set_priorities`:

- cold start (``typiclust``): the ``batch`` chosen typical records get
  priorities from 2 down to just above 1, every other unanswered record 0;
- uncertainty (``margin``, ``least-confidence``, ``entropy``): each
  unanswered record gets its uncertainty (0 to 1);
- ``balanced-margin`` (``auto`` after the cold start): the same, and the
  ``batch`` records of a batch spread over the predicted classes
  (:func:`accord.assist.balanced_batch.class_balanced`) get 1 + their
  margin, above every other;
- ``random``: a seeded shuffle spread over 0 to 1.

Records without the vector are left alone (run ``accord assist embed`` first).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from accord.assist.embeddings import MODEL_NAME
from accord.assist.prelabel import question_of
from accord.assist.reference import majority_answers
from accord.assist.selection import rank_unlabelled
from accord.errors import InputError
from accord.store.assist_queries import gold_values
from accord.store.audit import record_event
from accord.store.datasets import get_dataset, settings_of
from accord.store.engine import session_scope, write_scope
from accord.store.priorities import set_priorities
from accord.store.vectors import iter_vectors

__all__ = ["LearnedOrder", "prioritize_learned"]


@dataclass
class LearnedOrder:
    """What one run did."""

    dataset: str
    question: str
    strategy: str  # the one asked for
    used: str = ""  # what ran (auto: typiclust or balanced-margin)
    records: int = 0  # records with vectors
    answered: int = 0
    prioritized: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"prioritize {self.dataset}/{self.question} ({self.strategy}: {self.used}): "
                f"{self.answered:,} answered of {self.records:,} records with vectors, "
                f"{self.prioritized:,} reordered, {self.seconds:.1f} s")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prioritize_learned(engine: Engine, dataset: str, question: str, *, strategy: str = "auto",
                       batch: int = 20, vector: str = MODEL_NAME, seed: int = 0) -> LearnedOrder:
    """Retrain on the answers so far and reorder the unanswered records.

    Parameters
    ----------
    engine : Engine
    dataset, question : str
        A ``label`` question.
    strategy : str, default "auto"
        One of :data:`accord.assist.selection.AUTO_STRATEGIES`.
    batch : int, default 20
        Records put first (typical ones during the cold start, a diverse batch of
        uncertain ones after it): about the answers expected before the next run.
    vector : str, default "all-MiniLM-L6-v2"
    seed : int, default 0

    Raises
    ------
    InputError
        Unknown question or strategy, a question that is not ``label``, no
        record with the vector, or an uncertainty strategy before two classes
        were answered.
    """
    started = time.perf_counter()
    with session_scope(engine) as session:
        ds = get_dataset(session, dataset)
        q = question_of(settings_of(ds), question)
        if q.type != "label":
            raise InputError(f"prioritize --strategy {strategy} trains a classifier for label "
                             f"questions; {q.name!r} is a {q.type} question", field="--question")
        ids, blocks, rows = [], [], []
        for rid, vec in iter_vectors(session, ds.id, vector):
            ids.append(rid)
            rows.append(vec)
            if len(rows) == 4096:  # float32 blocks: 1M x 384 vectors take 1.5 GB, not lists
                blocks.append(np.asarray(rows, dtype=np.float32))
                rows = []
        if rows:
            blocks.append(np.asarray(rows, dtype=np.float32))
        answers = {**majority_answers(session, ds.id, q.name),
                   **gold_values(session, ds.id, q.name)}
        dataset_id = ds.id
    if not ids:
        raise InputError(f"no record of {dataset!r} has vectors {vector!r}; run 'accord assist "
                         "embed' first", field="--vector")
    position = {rid: i for i, rid in enumerate(ids)}
    known = {position[rid]: str(v) for rid, v in answers.items() if rid in position}
    ranking = rank_unlabelled(np.concatenate(blocks), known, strategy=strategy,
                              batch=batch, n_classes=len(q.labels), seed=seed)
    order = [ids[i] for i in ranking.order.tolist()]
    if ranking.scores is not None:
        priorities = {rid: float(s) for rid, s in zip(order, ranking.scores.tolist(), strict=True)}
    elif ranking.strategy == "typiclust":
        unanswered = [rid for i, rid in enumerate(ids) if i not in known]
        priorities = dict.fromkeys(unanswered, 0.0)
        for rank, rid in enumerate(order):
            priorities[rid] = 2.0 - rank / max(len(order), 1)
    else:
        priorities = {rid: 1.0 - rank / max(len(order), 1) for rank, rid in enumerate(order)}
    summary = LearnedOrder(dataset, q.name, strategy, ranking.strategy, len(ids), len(known),
                           len(priorities))
    with write_scope(engine) as session:
        set_priorities(session, dataset_id, priorities)
        record_event(session, "assist.prioritize", "dataset", dataset_id, dataset_id=dataset_id,
                     details={"question": q.name, "strategy": strategy,
                              "used": ranking.strategy, "answered": len(known),
                              "vector": vector})
    summary.seconds = time.perf_counter() - started
    return summary
