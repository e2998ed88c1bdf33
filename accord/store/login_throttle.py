"""Login tries per client address: one atomic upsert takes a try from a token bucket.

A bucket holds ``burst`` tries and refills at one try per ``refill_seconds``.
Every password check (a login, a password change) first takes a try from two
buckets (:data:`BUCKETS`): the client address with this user name (10 tries,
one back every 30 s), and the client address alone (50 tries, one back every
6 s) for an address guessing across many names. Without a try it is refused
with the seconds until the next try. Taking a try is
ONE statement (``INSERT ... ON CONFLICT (key) DO UPDATE ... RETURNING``) on
both backends: PostgreSQL locks the row for the upsert, so 150 concurrent
guesses from one address get exactly ``burst`` tries, never more (the earlier
count-then-verify let 81 of 150 through a limit of 10). A successful login
gives its try back (:func:`give_back_try`), so only failures use the budget.

The bucket slows the guesser's address; it never locks an account: the user
logs in from their own address whatever a stranger does elsewhere.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
from dataclasses import dataclass

from sqlalchemy import case, update
from sqlalchemy.orm import Session

from accord.store.models import LoginThrottle

__all__ = ["Try", "Bucket", "BUCKETS", "take_try", "give_back_try", "address_key",
           "take_login_tries", "give_back_login_tries"]


@dataclass(frozen=True)
class Try:
    """The answer of :func:`take_try`: granted, else how long until the next try."""

    granted: bool
    retry_after: int = 0


@dataclass(frozen=True)
class Bucket:
    """One kind of bucket: its tries and the seconds in which one try comes back."""

    kind: str
    burst: int
    refill_seconds: float


BUCKETS = (Bucket("pair", 10, 30.0), Bucket("address", 50, 6.0))
"""(client address, user name), then client address: docs/security.md."""


def _bucket_keys(address: str, name: str) -> list[tuple[str, Bucket]]:
    where = address_key(address)
    pair = "pair:" + hashlib.sha256(f"{where}\n{name}".encode()).hexdigest()[:59]
    return [(pair, BUCKETS[0]), (where, BUCKETS[1])]


def take_login_tries(session: Session, address: str, name: str, now: float) -> Try:
    """Take a try from each of :data:`BUCKETS` for a password check of user ``name`` from
    client ``address``; when one has none, the tries taken are given back and the
    answer says how long to wait."""
    taken: list[tuple[str, Bucket]] = []
    for key, bucket in _bucket_keys(address, name):
        got = take_try(session, key, now, burst=bucket.burst,
                       refill_seconds=bucket.refill_seconds)
        if not got.granted:
            for k, b in taken:
                give_back_try(session, k, burst=b.burst)
            return got
        taken.append((key, bucket))
    return Try(True)


def give_back_login_tries(session: Session, address: str, name: str) -> None:
    """A password check that succeeded gives its tries back: only failures count."""
    for key, bucket in _bucket_keys(address, name):
        give_back_try(session, key, burst=bucket.burst)


def address_key(address: str) -> str:
    """The bucket of a client address: the address itself, but an IPv6 address counts
    with its whole /64 (one subscriber usually holds a /64, and could otherwise use a
    fresh address for every guess).

    >>> address_key("203.0.113.9"), address_key("2001:db8:1:2:3:4:5:6")
    ('ip:203.0.113.9', 'ip:2001:db8:1:2::/64')
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "ip:" + address[:61]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"ip:{ip.ipv4_mapped}"
        return "ip:" + str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return f"ip:{ip}"


def _insert(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def take_try(session: Session, key: str, now: float, *, burst: int,
             refill_seconds: float) -> Try:
    """Take one try from ``key``'s bucket, atomically (one upsert).

    Parameters
    ----------
    key : str
        The bucket, from :func:`address_key`.
    now : float
        Seconds since the epoch.
    burst, refill_seconds
        Tries a fresh bucket holds, and the seconds in which one try comes back.

    Returns
    -------
    Try
        ``granted`` when the bucket held a whole try (then one is taken), else the
        whole seconds until it will.
    """
    nonce = secrets.token_hex(16)
    t = LoginThrottle.__table__
    refilled = t.c.tokens + (now - t.c.updated) / refill_seconds
    level = case((refilled > burst, float(burst)), else_=refilled)
    has_try = level >= 1
    stmt = _insert(session)(t).values(key=key, tokens=float(burst - 1), updated=now,
                                      grant=nonce)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.key], set_={
        "tokens": case((has_try, level - 1), else_=t.c.tokens),
        "updated": case((has_try, now), else_=t.c.updated),
        "grant": case((has_try, nonce), else_=t.c.grant),
    }).returning(t.c.tokens, t.c.updated, t.c.grant)
    tokens, updated, grant = session.execute(stmt).one()
    if grant == nonce:
        return Try(True)
    missing = 1 - min(float(burst), tokens + (now - updated) / refill_seconds)
    return Try(False, max(1, math.ceil(missing * refill_seconds)))


def give_back_try(session: Session, key: str, *, burst: int) -> None:
    """Return the try a successful login took (the bucket never exceeds ``burst``)."""
    t = LoginThrottle.__table__
    session.execute(update(t).where(t.c.key == key).values(
        tokens=case((t.c.tokens + 1 > burst, float(burst)), else_=t.c.tokens + 1)))
