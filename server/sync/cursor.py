"""The pull cursor: an order on changes that no concurrent commit can slip behind.

Every write transaction stamps the rows it writes with a *transaction stamp*;
pull serves rows ordered by (stamp, record id) and only those whose stamp is
below a *horizon*, a stamp below which every transaction has finished.

Why not a plain sequence: on PostgreSQL a sequence value (or a timestamp) is
taken when a row is written, not when its transaction commits. A reader that
has seen seq 12 can later find seq 11 committed behind it, and
``WHERE seq > cursor`` then loses 11 forever.

- PostgreSQL: the stamp is the transaction id (``pg_current_xact_id()``, 64-bit,
  never wraps); the horizon is ``pg_snapshot_xmin(pg_current_snapshot())``, the
  oldest transaction still running. Anything not yet visible has an id at or
  above it. Writers never wait on each other for this.
- SQLite: one writer at a time, so commit order is the order in which write
  transactions take the write lock. The stamp is a counter bumped as the
  transaction's first write; the horizon is the last committed counter + 1.

The cursor is opaque to clients: the last (stamp, record id) served, and a
fingerprint of the scope it was served for.
"""
import base64
import binascii
from dataclasses import dataclass

from sqlalchemy import text

_STAMP_KEY = "sync_stamp"


class PostgresClock:
    def stamp(self, session):
        return session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()

    def horizon(self, session):
        return session.execute(
            text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        ).scalar_one()


class SqliteClock:
    def stamp(self, session):
        # Taking the write lock here, first, also keeps SQLite from failing a
        # read transaction that later tries to write (SQLITE_BUSY_SNAPSHOT).
        return session.execute(text(
            "INSERT INTO sync_clock (id, value) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET value = value + 1 RETURNING value"
        )).scalar_one()

    def horizon(self, session):
        value = session.execute(text("SELECT value FROM sync_clock WHERE id = 1")).scalar()
        return (value or 0) + 1


_CLOCKS = {"postgresql": PostgresClock(), "sqlite": SqliteClock()}


def clock_for(session):
    return _CLOCKS[session.get_bind().dialect.name]


def transaction_stamp(session):
    """The stamp of the current write transaction, taken once, before its first write."""
    stamp = session.info.get(_STAMP_KEY)
    if stamp is None:
        stamp = clock_for(session).stamp(session)
        session.info[_STAMP_KEY] = stamp
    return stamp


def forget_stamp(session):
    """Called when a transaction ends; the next one takes a new stamp."""
    session.info.pop(_STAMP_KEY, None)


def visible_horizon(session):
    return clock_for(session).horizon(session)


@dataclass(frozen=True)
class Cursor:
    stamp: int
    record_id: str
    scope: str

    START_ID = ""

    def encode(self):
        raw = f"{self.stamp}.{self.record_id}.{self.scope}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def start(cls, scope):
        return cls(0, cls.START_ID, scope)

    @classmethod
    def decode(cls, text_value):
        """The cursor, or None when the text is not one of ours."""
        if not isinstance(text_value, str) or len(text_value) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(text_value + "=" * (-len(text_value) % 4)).decode()
            stamp, record_id, scope = raw.split(".")
            stamp = int(stamp)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        # A stamp is a 64-bit column; a record id is a printable UUID.
        if not 0 <= stamp < 2**63 or len(record_id) > 36 or not record_id.isprintable():
            return None
        return cls(stamp, record_id, scope)
