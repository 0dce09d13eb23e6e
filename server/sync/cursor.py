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

The cursor is opaque to clients: the last (stamp, record id) served, a
fingerprint of the scope it was served for, and the database's *epoch*.

A restore from a backup (server/backup/) begins a new epoch: a new random id, so
that every cursor served before it (which may point past what the backup holds)
answers `reset: true`; and on PostgreSQL an offset added to every stamp and
horizon, so that stamps taken after the restore are above every restored one
even in a new cluster, whose transaction ids start again from a few hundred.
"""

import base64
import binascii
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, text

from server.models import Mutation, Record, SyncEpoch
from server.timeutil import utcnow

_STAMP_KEY = "sync_stamp"
_OFFSET = "COALESCE((SELECT stamp_offset FROM sync_epoch WHERE id = 1), 0)"


class PostgresClock:
    def stamp(self, session):
        return session.execute(text(f"SELECT pg_current_xact_id()::text::bigint + {_OFFSET}")).scalar_one()

    def horizon(self, session):
        return session.execute(
            text(f"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint + {_OFFSET}")
        ).scalar_one()

    def offset_after_restore(self, session):
        """An offset that puts every later stamp above every stored one: later transactions
        have ids above this one's."""
        stored = max(
            session.execute(select(func.max(Record.change_xid))).scalar() or 0,
            session.execute(select(func.max(Mutation.change_xid))).scalar() or 0,
        )
        own = session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
        return max(0, stored + 1 - own)


class SqliteClock:
    def stamp(self, session):
        # Taking the write lock here, first, also keeps SQLite from failing a
        # read transaction that later tries to write (SQLITE_BUSY_SNAPSHOT).
        return session.execute(
            text(
                "INSERT INTO sync_clock (id, value) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE SET value = value + 1 RETURNING value"
            )
        ).scalar_one()

    def horizon(self, session):
        value = session.execute(text("SELECT value FROM sync_clock WHERE id = 1")).scalar()
        return (value or 0) + 1

    def offset_after_restore(self, session):
        # The counter is restored with the rows it stamped, and is at or above all of them.
        return 0


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


def current_epoch(session):
    return session.execute(select(SyncEpoch.epoch).where(SyncEpoch.id == 1)).scalar() or ""


def begin_epoch(session):
    """Called by a restore, in its transaction: a new epoch, so cursors served before it reset
    and later stamps order after the restored ones. Returns the new epoch."""
    epoch = secrets.token_hex(8)
    session.merge(
        SyncEpoch(id=1, epoch=epoch, stamp_offset=clock_for(session).offset_after_restore(session), started_at=utcnow())
    )
    return epoch


@dataclass(frozen=True)
class Cursor:
    stamp: int
    record_id: str
    scope: str
    epoch: str

    START_ID = ""

    def encode(self):
        raw = f"{self.stamp}.{self.record_id}.{self.scope}.{self.epoch}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def start(cls, scope, epoch):
        return cls(0, cls.START_ID, scope, epoch)

    @classmethod
    def decode(cls, text_value):
        """The cursor, or None when the text is not one of ours."""
        if not isinstance(text_value, str) or len(text_value) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(text_value + "=" * (-len(text_value) % 4)).decode()
            parts = raw.split(".")
            # Cursors served before epochs existed have three parts: they belong to the first.
            stamp, record_id, scope, epoch = parts if len(parts) == 4 else (*parts, "")
            stamp = int(stamp)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        # A stamp is a 64-bit column; a record id is a printable UUID.
        if not 0 <= stamp < 2**63 or len(record_id) > 36 or not record_id.isprintable():
            return None
        return cls(stamp, record_id, scope, epoch)
