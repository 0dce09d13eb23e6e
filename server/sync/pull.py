"""Pull: every record in the caller's scope that changed after the cursor, oldest change first."""
from sqlalchemy import func, select, tuple_

from server.auth.scope import record_filter, scope_fingerprint
from server.extensions import db
from server.models import Mutation
from server.records import store
from server.sync.cursor import Cursor, visible_horizon
from server.timeutil import iso, utcnow

RECORDS = store.RECORD_TABLE


def changes_since(user, device, cursor_text, limit):
    """One page of changes: (changes, next cursor, has_more, reset, last_mutation_id)."""
    scope = scope_fingerprint(user)
    cursor = Cursor.decode(cursor_text) if cursor_text else Cursor.start(scope)
    # An unreadable cursor, or one served for another scope, cannot be trusted: start over.
    reset = cursor is None or cursor.scope != scope
    if reset:
        cursor = Cursor.start(scope)

    horizon = visible_horizon(db.session)
    rows = db.session.execute(
        select(RECORDS)
        .where(record_filter(user),
               tuple_(RECORDS.c.change_xid, RECORDS.c.id) > tuple_(cursor.stamp, cursor.record_id),
               RECORDS.c.change_xid < horizon)
        .order_by(RECORDS.c.change_xid, RECORDS.c.id)
        .limit(limit + 1)
    ).mappings().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        last = rows[-1]
        next_cursor = Cursor(last["change_xid"], last["id"], scope)
    else:
        # Everything below the horizon has been served.
        next_cursor = Cursor(max(horizon, cursor.stamp), Cursor.START_ID, scope)

    changes = [
        {"record": store.tombstone_document(row) if row["deleted"] else store.record_document(row)}
        for row in rows
    ]
    return {
        "changes": changes,
        "cursor": next_cursor.encode(),
        "has_more": has_more,
        "reset": reset,
        "last_mutation_id": _last_reflected_mutation(device, next_cursor.stamp),
        "server_time": iso(utcnow()),
    }


def _last_reflected_mutation(device, below_stamp):
    """The device's highest mutation written by a transaction wholly served up to this cursor."""
    value = db.session.execute(
        select(func.max(Mutation.mutation_id))
        .where(Mutation.device_id == device.id, Mutation.change_xid < below_stamp)
    ).scalar()
    return value or 0
