"""Datasets, their settings versions and memberships."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from accord.errors import Conflict, InputError, NotFound
from accord.schema import Settings
from accord.store.direct import run
from accord.store.models import Dataset, Membership, Record, SettingsVersion, User, utcnow
from accord.store.record_status import restatus_records

__all__ = ["DATASET_NAME_PATTERN", "check_dataset_name", "create_dataset", "get_dataset",
           "hold_dataset", "hold_dataset_named",
           "list_datasets", "delete_dataset", "update_settings",
           "settings_of", "settings_data", "settings_history", "add_member", "remove_member",
           "members", "is_member", "dataset_counts"]


#: A dataset name: 1-128 ASCII letters, digits, ``_``, ``.`` or ``-``, starting with a letter
#: or digit. It is a path segment of ``/api/v1/datasets/{name}`` and part of download file
#: names (``Content-Disposition``), so it can hold no ``/``, quote, line break or non-ASCII.
DATASET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
_DATASET_NAME = re.compile(DATASET_NAME_PATTERN)


def check_dataset_name(name: str, *, field: str = "name") -> None:
    """The one rule for dataset names (REST, the UI's forms, ``accord dataset create``,
    ``accord import --create``, triage and ``accord assist`` targets).

    >>> check_dataset_name("intents-v2.1")
    >>> check_dataset_name("a/b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    accord.errors.InputError: field 'name': invalid dataset name 'a/b': ...
    """
    if not isinstance(name, str) or not 1 <= len(name) <= 128 \
            or not _DATASET_NAME.fullmatch(name):
        raise InputError(f"invalid dataset name {name!r}: expected 1-128 ASCII letters, "
                         "digits, '_', '.' or '-', starting with a letter or digit",
                         field=field)


def _stored(settings: Settings) -> dict[str, Any]:
    """The settings as the database keeps them.

    A labelled question's ``labels`` mapping (``{value: text}``) is kept as a list of
    ``[value, text]`` pairs: PostgreSQL's JSONB keeps an object's keys in its own order
    (shorter first), and the labels' order is the user's, shown on every page.
    :func:`settings_data` turns it back; parsing accepts either form.
    """
    data = settings.to_dict()
    data["questions"] = [{**q, "labels": [[k, v] for k, v in q["labels"].items()]}
                         if isinstance(q.get("labels"), dict) else q
                         for q in data.get("questions", [])]
    return data


def settings_data(stored: dict[str, Any]) -> dict[str, Any]:
    """Settings as stored (by :func:`_stored`, or older rows with a labels mapping) in the
    documented form, labels as ``{value: text}`` in their order: what the API shows.

    >>> settings_data({"questions": [{"name": "y", "labels": [["pos", "Good"], ["neg", "neg"]]}]})
    {'questions': [{'name': 'y', 'labels': {'pos': 'Good', 'neg': 'neg'}}]}
    """
    questions = stored.get("questions")
    if not questions:
        return stored
    return {**stored, "questions": [
        {**q, "labels": {str(k): str(v) for k, v in q["labels"]}}
        if isinstance(q.get("labels"), list) and all(
            isinstance(p, list) and len(p) == 2 for p in q["labels"]) else q
        for q in questions]}


def create_dataset(session: Session, name: str, settings: Settings,
                   *, user_id: int | None = None) -> Dataset:
    """Create a dataset with its first settings version.

    Raises
    ------
    InputError
        If the name breaks :func:`check_dataset_name`.
    Conflict
        If a dataset with this name exists.
    """
    check_dataset_name(name)
    if session.scalar(select(Dataset.id).where(Dataset.name == name)) is not None:
        raise Conflict(f"dataset {name!r} already exists")
    data = _stored(settings)
    ds = Dataset(name=name, settings=data, settings_version=1)
    session.add(ds)
    session.flush()
    session.add(SettingsVersion(dataset_id=ds.id, version=1, settings=data,
                                guidelines=settings.guidelines, created_by=user_id))
    session.flush()
    return ds


_BY_NAME = select(Dataset).where(Dataset.name == bindparam("name"))


def get_dataset(session: Session, name_or_id: str | int) -> Dataset:
    """Look a dataset up by name (or id); raise :class:`NotFound` naming only the dataset
    asked for: the message reaches API callers, who may see only their own datasets."""
    if isinstance(name_or_id, int):
        ds = session.get(Dataset, name_or_id)
    else:
        ds = session.scalar(_BY_NAME, {"name": name_or_id})
    if ds is None:
        raise NotFound(f"dataset {name_or_id!r} does not exist (the datasets you may see: "
                       "`accord dataset list`, GET /api/v1/datasets)")
    return ds


def list_datasets(session: Session, *, user: User | None = None) -> list[Dataset]:
    """All datasets, or those ``user`` is a member of (admins see all)."""
    stmt = select(Dataset).order_by(Dataset.name)
    if user is not None and user.role != "admin":
        stmt = stmt.join(Membership, Membership.dataset_id == Dataset.id).where(
            Membership.user_id == user.id)
    return list(session.scalars(stmt))


_KEY_SHARE = (select(Dataset.id).where(Dataset.id == bindparam("id"))
              .with_for_update(read=True, key_share=True))  # FOR KEY SHARE
_KEY_SHARE_BY_NAME = (select(Dataset.id).where(Dataset.name == bindparam("name"))
                      .with_for_update(read=True, key_share=True))


def hold_dataset_named(session: Session, name: str) -> None:
    """:func:`hold_dataset` by name, for a write transaction opened before the dataset
    is looked up; an unknown name takes no lock (the caller answers its 404)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_KEY_SHARE_BY_NAME, {"name": name})


_HELD = "accord_held_dataset"


def note_dataset_held(session: Session, dataset_id: int) -> None:
    """Remember that the session's current transaction holds the key-share lock on the
    dataset row (taken by another statement, see
    :func:`accord.store.access.caller_with_dataset`), so :func:`hold_dataset` need not
    take it again."""
    session.info[_HELD] = (session.get_transaction(), dataset_id)


def hold_dataset(session: Session, ds: Dataset) -> None:
    """Take the dataset row's key-share lock first thing in a write transaction (PostgreSQL).

    Every row a write inserts under a dataset (lease, response, verdict) has a
    foreign key to it, whose check takes this same lock, but late: after the
    queue has already locked a record. A dataset delete locks the dataset row
    first and then cascades over records, leases and responses, so the two
    orders met in a deadlock (a full test run lost 10 delete attempts in a
    row). Taken first, the orders agree: a delete waits for the writes in
    flight, and a write that starts during a delete waits for it and then finds
    the dataset gone (:class:`NotFound`). SQLite serializes writers; nothing to do.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.info.get(_HELD)
    if held is not None and held[1] == ds.id and held[0] is session.get_transaction():
        return  # this transaction's first statement took it (note_dataset_held)
    if run(session, _KEY_SHARE, {"id": ds.id}).first() is None:
        raise NotFound(f"dataset {ds.name!r} does not exist (it was deleted)")


def delete_dataset(session: Session, name: str) -> None:
    """Delete the dataset and, by the database's cascades, everything under it (the
    dataset row is locked first: see :func:`hold_dataset`)."""
    ds = get_dataset(session, name)
    session.delete(ds)
    session.flush()


def settings_of(ds: Dataset) -> Settings:
    """The dataset's parsed settings (memoized on their JSON text, which is cheap to make;
    never with sorted keys: the labels' order is the user's)."""
    return _parsed_settings(orjson.dumps(ds.settings))


@lru_cache(maxsize=256)
def _parsed_settings(raw: bytes) -> Settings:
    return Settings.model_validate_json(raw)


def update_settings(session: Session, ds: Dataset, settings: Settings,
                    *, user_id: int | None = None) -> SettingsVersion:
    """Save new settings as the next version (guidelines are versioned with them).

    A changed ``distribution.overlap`` applies to the records already answered, in the
    same transaction (:func:`accord.store.record_status.restatus_records`).
    """
    data = _stored(settings)
    old_overlap = settings_of(ds).distribution.overlap
    ds.settings_version += 1
    ds.queue_epoch = (ds.queue_epoch or 0) + 1  # overlap may have changed: cursors start over
    ds.settings = data
    ds.updated_at = utcnow()
    if settings.distribution.overlap != old_overlap:
        restatus_records(session, ds.id, settings.distribution.overlap)
    version = SettingsVersion(dataset_id=ds.id, version=ds.settings_version, settings=data,
                              guidelines=settings.guidelines, created_by=user_id)
    session.add(version)
    session.flush()
    return version


def settings_history(session: Session, ds: Dataset) -> list[SettingsVersion]:
    return list(session.scalars(select(SettingsVersion).where(
        SettingsVersion.dataset_id == ds.id).order_by(SettingsVersion.version)))


def add_member(session: Session, ds: Dataset, user: User) -> Membership:
    m = session.get(Membership, (ds.id, user.id))
    if m is None:
        m = Membership(dataset_id=ds.id, user_id=user.id)
        session.add(m)
        session.flush()
    return m


def remove_member(session: Session, ds: Dataset, user: User) -> None:
    session.execute(delete(Membership).where(Membership.dataset_id == ds.id,
                                             Membership.user_id == user.id))


def members(session: Session, ds: Dataset) -> list[User]:
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.dataset_id == ds.id).order_by(User.name)))


_IS_MEMBER = select(Membership.user_id).where(Membership.dataset_id == bindparam("ds"),
                                               Membership.user_id == bindparam("uid"))


def is_member(session: Session, ds: Dataset, user: User) -> bool:
    return session.execute(_IS_MEMBER, {"ds": ds.id, "uid": user.id}).first() is not None


def dataset_counts(session: Session, ds: Dataset) -> dict[str, Any]:
    """Record counts by status."""
    rows = session.execute(select(Record.status, func.count()).where(Record.dataset_id == ds.id)
                           .group_by(Record.status)).all()
    counts = {status: n for status, n in rows}
    return {"records": sum(counts.values()), "pending": counts.get("pending", 0),
            "completed": counts.get("completed", 0)}
