"""Dataset access for a request in one indexed query, with the parsed settings memoized.

Every API request that names a dataset needs the dataset's id, its settings
and whether the caller is a member. :func:`dataset_for_user` answers all
three with one query on the unique ``datasets.name`` index plus the
membership primary key (the membership row is kept as a plain row for the
workforce gate, :func:`accord.store.workforce.member_row`), and reads the
settings JSON only when this process
has not parsed that version yet (the cache key includes ``created_at``, so a
dataset deleted and re-created under a reused id is never served stale).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from accord.schema import Settings
from accord.store.datasets import get_dataset, note_dataset_held, settings_of
from accord.store.detached import detached
from accord.store.direct import run
from accord.store.models import ApiToken, Dataset, Membership, User
from accord.store.users import TOKEN_COLUMNS, TOKEN_ROW_WIDTH, hash_token, user_from_token_row
from accord.store.workforce import MEMBER_COLUMNS, MemberRow, note_member_row

__all__ = ["dataset_for_user", "caller_with_dataset"]

_ACCESS = (select(Dataset.id, Dataset.name, Dataset.settings_version, Dataset.created_at,
                  Dataset.updated_at, *MEMBER_COLUMNS)
           .outerjoin(Membership, and_(Membership.dataset_id == Dataset.id,
                                       Membership.user_id == bindparam("uid")))
           .where(Dataset.name == bindparam("name")))
_N_DATASET = 5
# the same columns after the token's and the user's (accord.store.users.TOKEN_COLUMNS)
_CALLER_ACCESS = (select(*TOKEN_COLUMNS, Dataset.id, Dataset.name, Dataset.settings_version,
                         Dataset.created_at, Dataset.updated_at, *MEMBER_COLUMNS)
                  .join_from(ApiToken, User, ApiToken.user_id == User.id)
                  .outerjoin(Dataset, Dataset.name == bindparam("name"))
                  .outerjoin(Membership, and_(Membership.dataset_id == Dataset.id,
                                              Membership.user_id == User.id))
                  .where(ApiToken.token_hash == bindparam("h")))
# PostgreSQL: the same statement also takes the dataset row's key-share lock (the lock
# accord.store.datasets.hold_dataset takes first thing in a write transaction), as its first
# column: a sub-SELECT, since the nullable side of an outer join cannot be locked (first, so
# the lock shows in pg_stat_activity's 1 kB of the query text). NULL when no dataset has the
# name, or it was deleted while the statement waited for the delete's lock.
_HELD = Dataset.__table__.alias("held")
_CALLER_ACCESS_HOLDING = _CALLER_ACCESS.with_only_columns(
    select(_HELD.c.id).where(_HELD.c.name == bindparam("name"))
    .with_for_update(read=True, key_share=True).scalar_subquery().label("held"),
    *_CALLER_ACCESS.selected_columns)
_DATASET_KEYS = ["id", "name", "settings", "settings_version", "created_at", "updated_at"]
_SETTINGS = select(Dataset.settings).where(Dataset.id == bindparam("id"))

_Key = tuple[int, int, datetime]
_cache: OrderedDict[_Key, tuple[dict[str, Any], Settings]] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 256


def dataset_for_user(session: Session, name: str, user_id: int) -> tuple[Dataset, Settings, bool]:
    """``(dataset, settings, is_member)`` for the dataset called ``name``.

    The dataset is a detached object carrying id, name, settings,
    settings_version and timestamps (load it with ``session.get`` to change it).

    Raises
    ------
    NotFound
        When no dataset has that name (the message names no other dataset).
    """
    row = run(session, _ACCESS, {"name": name, "uid": user_id}).first()
    return _access_from_row(session, name, user_id, row)


def caller_with_dataset(session: Session, token: str, name: str, *, kind: str,
                        hold: bool = False
                        ) -> tuple[User | None, Callable[[], tuple[Dataset, Settings, bool]]]:
    """The caller of ``token`` (as :func:`accord.store.users.user_for_token`) and the
    dataset called ``name`` for them (as :func:`dataset_for_user`), in ONE statement.

    The annotator loop authenticates and resolves the dataset on every request; one
    indexed statement instead of two. Returns the user (None for a dead token) and a
    function giving ``(dataset, settings, is_member)``, which raises
    :class:`~accord.errors.NotFound` for an unknown dataset: call it only after the
    user is accepted, so a stranger learns nothing about dataset names.

    ``hold``: on PostgreSQL the same statement takes the dataset row's key-share lock
    that :func:`accord.store.datasets.hold_dataset` takes first thing in a write
    transaction (one round trip less per request); ``hold_dataset`` then finds it held.
    """
    holding = hold and session.get_bind().dialect.name == "postgresql"
    row = run(session, _CALLER_ACCESS_HOLDING if holding else _CALLER_ACCESS,
              {"h": hash_token(token), "name": name}).first()
    if row is None:
        return None, _unreachable
    if holding:
        held, row = row[0], row[1:]
        if held is not None:
            note_dataset_held(session, held)
    tail = row[TOKEN_ROW_WIDTH:]
    user = user_from_token_row(session, row, kind=kind)
    return user, lambda: _access_from_row(session, name, user.id,  # type: ignore[union-attr]
                                          None if tail[0] is None else tail)


def _unreachable() -> tuple[Dataset, Settings, bool]:  # pragma: no cover - no user, no call
    raise AssertionError("dataset access asked for an unknown caller")


def _access_from_row(session: Session, name: str, user_id: int,
                     row: Any) -> tuple[Dataset, Settings, bool]:
    if row is None:
        get_dataset(session, name)  # raises NotFound
        raise AssertionError("unreachable")  # pragma: no cover
    ds_id, ds_name, version, created_at, updated_at = row[:_N_DATASET]
    key = (ds_id, version, created_at)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
    if hit is None:
        raw = session.connection().execute(_SETTINGS, {"id": ds_id}).scalar_one()
        hit = (raw, settings_of(Dataset(settings=raw)))
        with _cache_lock:
            _cache[key] = hit
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    ds = detached(Dataset, _DATASET_KEYS, (ds_id, ds_name, hit[0], version, created_at,
                                           updated_at))
    member = row[_N_DATASET] is not None  # memberships.dataset_id of the joined row
    # the membership row travels as a plain row: the workforce gate and the write policy
    # read it (accord.store.workforce.member_row) without another SELECT
    note_member_row(session, ds_id, user_id,
                    MemberRow._make(row[_N_DATASET:]) if member else None)
    return ds, hit[1], member
