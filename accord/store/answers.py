"""The one loader of a dataset's answers for every agreement and consensus number.

:func:`load_answers` reads the submitted responses once
(:func:`accord.store.export.iter_answers`, keyset pages in record
order), applies the reviewers' verdicts in force and hands each question's
answers to :mod:`accord.quality` as :class:`~accord.schema.answers.Answers`:

- a response whose verdict is ``reject`` does not count;
- a ``fix`` verdict's corrected values replace the annotator's (question by
  question);
- with ``reviewed_only`` only accepted or fixed responses count;
- each answer is tagged person or model: a model's answer is an
  auto-accepted suggestion, submitted as the agent user ``model:<model>``
  (:mod:`accord.assist.routing`);
- gold records are left out unless ``exclude_gold=False`` (exports keep them
  unless ``--exclude-gold``).

Which verdict is in force (the latest one on the response version it
judged) is the store's rule (``Answer.review_state`` and ``Answer.fix``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from accord.schema.answers import Answers
from accord.store.assist_queries import model_user_ids
from accord.store.export import iter_answers, user_names

__all__ = ["DatasetAnswers", "counted_values", "load_answers"]

_PROGRESS_EVERY = 5000


def counted_values(values: dict[str, Any], fix: dict[str, Any] | None,
                   review_state: str | None, reviewed_only: bool = False
                   ) -> dict[str, Any] | None:
    """The values a response contributes, or None when it does not count.

    Examples
    --------
    >>> counted_values({"y": "a"}, None, "reject") is None
    True
    >>> counted_values({"y": "a", "z": 1}, {"y": "b"}, "fix")
    {'y': 'b', 'z': 1}
    >>> counted_values({"y": "a"}, {"y": "b"}, "accept")  # a later accept: the fix is gone
    {'y': 'a'}
    >>> counted_values({"y": "a"}, None, None, reviewed_only=True) is None
    True
    """
    if review_state == "reject":
        return None
    if reviewed_only and review_state not in ("accept", "fix"):
        return None
    if review_state == "fix" and fix:
        merged = dict(values)
        merged.update(fix)
        return merged
    return values


@dataclass
class DatasetAnswers:
    """Counted answers per question, and who the annotators are."""

    questions: dict[str, Answers]
    models: set[int] = field(default_factory=set)
    #: every counted response (value None), whichever questions it answers
    responses: Answers = field(default_factory=Answers)
    rejected: int = 0
    fixed: int = 0
    _names: dict[int, str] | None = None
    _session: Session | None = None

    def __getitem__(self, question: str) -> Answers:
        return self.questions[question]

    def get(self, question: str) -> Answers:
        return self.questions.get(question) or Answers()

    def name(self, user_id: int) -> str:
        """The annotator's user name."""
        if self._names is None:
            self._names = user_names(self._session) if self._session is not None else {}
        return self._names.get(user_id, str(user_id))


def load_answers(session: Session, dataset_id: int, questions: Iterable[str], *,
                 exclude_gold: bool = True, reviewed_only: bool = False,
                 seconds: bool = False, progress: Callable[[int], None] | None = None
                 ) -> DatasetAnswers:
    """Read the counted answers to ``questions`` in one pass over the dataset's responses.

    Parameters
    ----------
    questions : question names
    exclude_gold : bool, default True
        Leave gold records out.
    reviewed_only : bool, default False
        Count only accepted or fixed responses (``accord export --status reviewed``).
    seconds : bool, default False
        Also read each response's time spent (``Answers.seconds``).
    progress : callable, optional
        Called with the number of responses read, every few thousand.
    """
    wanted = list(dict.fromkeys(questions))
    out = {name: Answers() for name in wanted}
    models = model_user_ids(session)
    result = DatasetAnswers(out, models, _session=session)
    if not wanted:
        return result
    done = 0
    # bound appends: this loop runs once per response (3M in the report benchmark)
    sinks = [(name, b.items.append, b.annotators.append, b.values.append, b.models.append,
              b.seconds.append) for name, b in out.items()]
    r = result.responses
    r_item, r_user, r_value, r_model, r_sec = (r.items.append, r.annotators.append,
                                               r.values.append, r.models.append,
                                               r.seconds.append)
    for ans in iter_answers(session, dataset_id, exclude_gold=exclude_gold, seconds=seconds):
        done += 1
        if progress is not None and done % _PROGRESS_EVERY == 0:
            progress(_PROGRESS_EVERY)
        state = ans.review_state
        values = ans.values if state is None and not reviewed_only else \
            counted_values(ans.values, ans.fix, state, reviewed_only)
        if values is None:
            result.rejected += state == "reject"
            continue
        result.fixed += state == "fix" and bool(ans.fix)
        model = 1 if ans.user_id in models else 0
        rid, uid, spent = ans.record_id, ans.user_id, ans.time_spent or 0.0
        r_item(rid)
        r_user(uid)
        r_value(None)
        r_model(model)
        r_sec(spent)
        for name, item, user, value_, model_, sec in sinks:
            value = values.get(name)
            if value is not None:
                item(rid)
                user(uid)
                value_(value)
                model_(model)
                sec(spent)
    if progress is not None and done % _PROGRESS_EVERY:
        progress(done % _PROGRESS_EVERY)
    return result
