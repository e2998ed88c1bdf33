"""Turning store rows into the API's public shapes (one place, so blind annotation holds)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.server.schemas import RecordPublic, ResponsePublic, SuggestionPublic
from accord.store.models import Record, Response, User
from accord.store.responses import record_extras, responses_for_record
from accord.workflow.policy import visible_metadata

__all__ = ["response_public", "record_public"]


def response_public(resp: Response, user_name: str) -> ResponsePublic:
    return ResponsePublic(id=resp.id, record_id=resp.record_id, user=user_name,
                          values=resp.values, status=resp.status, version=resp.version,
                          time_spent=resp.time_spent, review_state=resp.review_state,
                          settings_version=resp.settings_version, created_at=resp.created_at,
                          updated_at=resp.updated_at)


def record_public(session: Session, record: Record, *, settings: Settings, viewer: User,
                  all_responses: bool) -> RecordPublic:
    """A record with its suggestions and the viewer's own response.

    ``all_responses`` (reviewers and admins) adds everyone's responses and the
    gold flag; annotators never see other people's responses (blind annotation).
    The metadata is what :func:`accord.workflow.policy.visible_metadata` lets the
    viewer read (annotators: only the keys the settings show).
    """
    suggestions, own = record_extras(session, record, viewer.id)
    out = RecordPublic(id=record.id, external_id=record.external_id, fields=record.fields,
                       metadata=visible_metadata(settings, viewer, record.meta),
                       status=record.status,
                       priority=record.priority,
                       suggestions=[SuggestionPublic(question=s.question, value=s.value,
                                                     score=s.score, agent=s.agent,
                                                     metadata=s.meta) for s in suggestions],
                       response=None if own is None else response_public(own, viewer.name))
    if all_responses:
        out.responses = [response_public(r, name) for r, name in
                         responses_for_record(session, record.id)]
        out.is_gold = record.is_gold
    return out
