"""Pull: every record in the caller's scope that changed after the cursor, oldest change first."""

from sqlalchemy import func, select, tuple_

from server.audit import audit_records_served
from server.auth.scope import record_filter, scope_fingerprint
from server.extensions import db
from server.models import Mutation
from server.records import store
from server.sync.cursor import Cursor, current_epoch, visible_horizon
from server.timeutil import iso, utcnow

RECORDS = store.RECORD_TABLE


def changes_since(user, device, cursor_text, limit):
    """One page of changes: (changes, next cursor, has_more, reset, last_mutation_id)."""
    scope, epoch = scope_fingerprint(user), current_epoch(db.session)
    cursor = Cursor.decode(cursor_text) if cursor_text else Cursor.start(scope, epoch)
    # An unreadable cursor, one served for another scope, or one served before the database
    # was restored (another epoch: it may point past what the backup holds) cannot be trusted:
    # start over.
    reset = cursor is None or cursor.scope != scope or cursor.epoch != epoch
    if reset:
        cursor = Cursor.start(scope, epoch)

    horizon = visible_horizon(db.session)
    rows = (
        db.session.execute(
            select(RECORDS)
            .where(
                record_filter(user),
                tuple_(RECORDS.c.change_xid, RECORDS.c.id) > tuple_(cursor.stamp, cursor.record_id),
                RECORDS.c.change_xid < horizon,
            )
            .order_by(RECORDS.c.change_xid, RECORDS.c.id)
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        last = rows[-1]
        next_cursor = Cursor(last["change_xid"], last["id"], scope, epoch)
    else:
        # Everything below the horizon has been served.
        next_cursor = Cursor(max(horizon, cursor.stamp), Cursor.START_ID, scope, epoch)

    changes = [
        {"record": store.tombstone_document(row) if row["deleted"] else store.record_document(row)} for row in rows
    ]
    # Which records went out to a police or admin phone (a tombstone carries no personal data).
    served = [row["id"] for row in rows if not row["deleted"]]
    if served:
        audit_records_served(user, "records.pull", served, target=("device", device.id))
    return {
        "changes": changes,
        "cursor": next_cursor.encode(),
        "has_more": has_more,
        "reset": reset,
        "last_mutation_id": _last_reflected_mutation(device, next_cursor.stamp),
        "server_time": iso(utcnow()),
    }


def is_current(cursor_text):
    """Whether a cursor was served in this life of the database (not before a restore)."""
    cursor = Cursor.decode(cursor_text)
    return cursor is not None and cursor.epoch == current_epoch(db.session)


def _last_reflected_mutation(device, below_stamp):
    """The device's highest mutation written by a transaction wholly served up to this cursor."""
    value = db.session.execute(
        select(func.max(Mutation.mutation_id)).where(Mutation.device_id == device.id, Mutation.change_xid < below_stamp)
    ).scalar()
    return value or 0
