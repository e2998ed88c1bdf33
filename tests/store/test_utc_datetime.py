"""accord.store.models.UTCDateTime: its one-step processors store and read exactly what
SQLAlchemy's DATETIME processors followed by the type's ``process_result_value`` did."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite import DATETIME

from accord.store import make_engine
from accord.store.models import UTCDateTime

_SQLITE = sqlite.dialect()
_OLD_BIND = DATETIME().bind_processor(_SQLITE)
_OLD_RESULT = DATETIME().result_processor(_SQLITE, None)


def _old_read(text: str | None) -> datetime | None:
    value = _OLD_RESULT(text)
    return UTCDateTime().process_result_value(value, _SQLITE)


def _processors(dialect):  # type: ignore[no-untyped-def]
    t = UTCDateTime()
    return t._cached_bind_processor(dialect), t._cached_result_processor(dialect, None)


zones = st.one_of(st.none(), st.just(UTC),
                  st.integers(-23 * 3600, 23 * 3600).map(lambda s: timezone(timedelta(seconds=s))),
                  st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m))))


@given(st.datetimes(timezones=zones))
def test_sqlite_stores_and_reads_what_sqlalchemys_processors_did(value):
    bind, result = _processors(_SQLITE)
    stored = bind(value)
    assert stored == _OLD_BIND(value)
    read = result(stored)
    assert read == _old_read(stored) and read.tzinfo is UTC


@pytest.mark.parametrize("text", [
    None, "2026-12-07 06:56:38.748439", "2026-12-07 06:56:38", "2026-12-07",
    "2026-12-07T06:56:38.5+02:00", "0001-01-01 00:00:00.000000", "9999-12-31 23:59:59.999999"])
def test_sqlite_reads_every_stored_form_as_before(text):
    _, result = _processors(_SQLITE)
    assert result(text) == _old_read(text)
    if text is not None:
        assert result(text).tzinfo is not None


def test_sqlite_other_values_bind_as_sqlalchemy_does():
    bind, result = _processors(_SQLITE)
    assert bind(None) is None
    assert bind(date(2026, 12, 7)) == _OLD_BIND(date(2026, 12, 7))

    class Sub(datetime):
        def isoformat(self, *a, **k):  # type: ignore[no-untyped-def, override]
            return "not the storage format"

    sub = Sub(2026, 12, 7, 6, 5, 4, 321)
    assert bind(sub) == _OLD_BIND(sub) == "2026-12-07 06:05:04.000321"
    with pytest.raises(TypeError):
        bind("2026-12-07")
    with pytest.raises(TypeError):
        result(12)  # a number is not a stored datetime (fromisoformat refuses it, as before)


def test_postgresql_reads_driver_datetimes_as_utc():
    _, result = _processors(postgresql.psycopg.dialect())
    aware = datetime(2026, 12, 7, 6, 5, 4, tzinfo=timezone(timedelta(hours=2)))
    assert result(aware) is aware
    assert result(None) is None
    assert result(datetime(2026, 12, 7, 6, 5, 4)).tzinfo is UTC


def test_round_trip_on_the_database(db_url):
    table = Table("t", MetaData(), Column("at", UTCDateTime()))
    engine = make_engine(db_url)
    try:
        table.create(engine)
        values = [datetime(2026, 12, 7, 6, 5, 4, 123456, tzinfo=UTC),
                  datetime(2026, 12, 7, 6, 5, 4, tzinfo=UTC), None]
        with engine.begin() as conn:
            conn.execute(insert(table), [{"at": v} for v in values])
            got = conn.execute(select(table.c.at)).scalars().all()
            later = conn.execute(select(table.c.at).where(
                table.c.at > bindparam("t", type_=UTCDateTime()))
                .params(t=values[1])).scalars().all()
        assert got == values and all(v is None or v.tzinfo is not None for v in got)
        assert later == [values[0]]
    finally:
        engine.dispose()


@given(st.lists(st.datetimes(timezones=zones), min_size=1, max_size=6))
def test_sqlite_binds_each_value_as_before_whatever_was_bound_last(values):
    bind, _ = _processors(_SQLITE)
    for value in [*values, *values[::-1], values[0], values[0]]:
        assert bind(value) == _OLD_BIND(value)
        assert bind(value.replace()) == _OLD_BIND(value)  # an equal value, another object
