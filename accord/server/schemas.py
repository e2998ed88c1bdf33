"""Request and response models of the REST API (the public shapes; never raw rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.store.datasets import DATASET_NAME_PATTERN

__all__ = [
    "UserPublic", "UserCreate", "UserUpdate", "TokenCreated", "TokenPublic", "LoginRequest",
    "LoginResult",
    "DatasetCreate", "DatasetPublic", "SettingsVersionPublic", "MemberChange",
    "RecordsUpload", "ImportResult", "RecordPublic", "RecordPage", "SuggestionIn",
    "SuggestionsPut", "SuggestionPublic", "ResponseIn", "ResponsePublic", "HistoryEntry",
    "ReviewIn", "ReviewPublic", "GoldIn", "AuditEntryPublic",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class UserPublic(_Out):
    id: int
    name: str
    role: str
    active: bool
    attributes: dict[str, Any] | None = None  # e.g. {"languages": ["en"], "locale": "en-GB"}


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    role: Literal["admin", "reviewer", "annotator"]
    password: str | None = Field(default=None, max_length=1024)
    attributes: dict[str, Any] | None = None


class UserUpdate(BaseModel):
    role: Literal["admin", "reviewer", "annotator"] | None = None
    active: bool | None = None
    password: str | None = Field(default=None, max_length=1024)
    attributes: dict[str, Any] | None = Field(
        default=None, description="merged into the user's attributes; a null value drops a key")


class TokenCreated(BaseModel):
    token: str
    user: str
    label: str = ""
    id: int | None = None
    prefix: str = ""
    expires_at: datetime | None = None


class TokenPublic(_Out):
    """An API token without its secret."""

    id: int
    prefix: str
    label: str = Field(validation_alias="name")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool


class LoginRequest(BaseModel):
    username: str = Field(max_length=128)
    password: str = Field(max_length=1024)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PasswordSet(BaseModel):
    password: str = Field(max_length=1024)


class LoginResult(BaseModel):
    user: UserPublic
    csrf_token: str


class DatasetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=128, pattern=DATASET_NAME_PATTERN)
    settings: dict[str, Any]


class DatasetPublic(BaseModel):
    id: int
    name: str
    settings: dict[str, Any]
    settings_version: int
    created_at: datetime
    counts: dict[str, int] | None = None


class SettingsVersionPublic(_Out):
    version: int
    settings: dict[str, Any]
    guidelines: str
    created_at: datetime


class MemberChange(BaseModel):
    user: str


class RecordsUpload(BaseModel):
    records: list[dict[str, Any]] = Field(max_length=100_000)
    on_error: Literal["fail", "skip"] = "fail"
    mapping: dict[str, str] = Field(default_factory=dict)


class ImportResult(BaseModel):
    inserted: int
    updated: int
    rejected: int
    rejects: list[dict[str, Any]]
    seconds: float


class SuggestionPublic(_Out):
    question: str
    value: Any
    score: float | None
    agent: str
    metadata: dict[str, Any] | None = None  # prompt version, rationale, prefill flag, ...


class ResponsePublic(BaseModel):
    id: int
    record_id: int
    user: str
    values: dict[str, Any]
    status: str
    version: int
    time_spent: float
    review_state: str | None = None
    settings_version: int | None = Field(
        default=None, description="the dataset's settings version when this response was "
        "last saved (GET .../settings/versions)")
    created_at: datetime
    updated_at: datetime
    # after a training answer: {phase, correct, score, answer, explanation}
    feedback: dict[str, Any] | None = None
    time_spent_capped: float | None = Field(
        default=None, description="set when this save's time_spent was more than the "
        "wall-clock seconds since the record was handed to you or since your last save of "
        "it: the seconds counted instead (docs/security.md)")


class RecordPublic(BaseModel):
    id: int
    external_id: str
    fields: dict[str, Any]
    metadata: dict[str, Any]
    status: str
    priority: float
    suggestions: list[SuggestionPublic] = Field(default_factory=list)
    response: ResponsePublic | None = None
    responses: list[ResponsePublic] | None = None
    is_gold: bool | None = None


class RecordPage(BaseModel):
    records: list[RecordPublic]
    next_cursor: int | None


class SuggestionIn(BaseModel):
    record_id: int | None = None
    external_id: str | None = None
    question: str
    value: Any
    score: float | None = Field(default=None, description="the answer's probability, 0 to 1 "
                                "(accord.schema.suggestion_score)")
    metadata: dict[str, Any] | None = Field(
        default=None, description="kept with the suggestion; ``distribution`` (class -> "
        "probability over the question's classes, summing to 1) feeds active learning's "
        "margin and entropy")


class SuggestionsPut(BaseModel):
    agent: str = Field(min_length=1, max_length=256)
    suggestions: list[SuggestionIn] = Field(max_length=100_000)


class ResponseIn(BaseModel):
    values: dict[str, Any] = Field(default_factory=dict)
    status: Literal["draft", "submitted", "discarded"] = "submitted"
    version: int | None = Field(default=None, ge=0)
    time_spent: float = Field(default=0.0, ge=0, le=86400)


class HistoryEntry(_Out):
    version: int
    old_status: str | None
    new_status: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any]
    changed_at: datetime
    user: str | None = None


class ReviewIn(BaseModel):
    verdict: Literal["accept", "reject", "fix"]
    version: int = Field(ge=1, description="the response version you judged (the "
                         "response's ``version`` as you saw it); 409 stale_version when the "
                         "annotator changed it since")
    reason: str | None = Field(default=None, max_length=10_000)
    values: dict[str, Any] | None = None
    comment: str | None = Field(default=None, max_length=10_000,
                                description="an optional note on any verdict")


class ReviewPublic(BaseModel):
    id: int
    response_id: int
    response_version: int | None = None  # the version judged
    in_force: bool = True  # false once the annotator changed the response since
    reviewer: str | None
    verdict: str
    reason: str | None
    values: dict[str, Any] | None
    created_at: datetime
    comment: str | None = None


class GoldIn(BaseModel):
    values: dict[str, Any]
    explanation: str | None = Field(default=None, max_length=20_000)  # shown after training
    attention: bool = False  # an attention check (an obvious answer)


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    user: str | None
    action: str
    object_type: str
    object_id: str | None
    dataset_id: int | None
    details: dict[str, Any] | None
