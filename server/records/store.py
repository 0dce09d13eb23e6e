"""Reading and writing records as plain rows: the one place that makes a new version.

A record on the write path is one thing: its row as a dict (the columns of
``records``), loaded with ``load_for_update``, made with ``new_record_row``.
Push, review and conflict resolution all change records through
``new_version`` and ``save``: the record row becomes the projection of its
newest version, the version is appended with a hash chained to the one
before, and every written row carries the transaction stamp that orders it
for pull (server/sync/cursor.py), given when the row is written.
"""

import hashlib
import unicodedata
from datetime import timezone

import orjson
from sqlalchemy import bindparam, select, tuple_, update

from server.bulk_insert import BulkInsert
from server.extensions import db
from server.forms import registry
from server.models import Record, RecordVersion
from server.reports.periods import REPORT_TZ
from server.sync.cursor import transaction_stamp
from server.timeutil import iso

RECORD_TABLE = Record.__table__
VERSION_TABLE = RecordVersion.__table__
GENESIS_HASH = "0" * 64
RECORD_INSERT = BulkInsert(RECORD_TABLE)
VERSION_INSERT = BulkInsert(VERSION_TABLE)


def begin_write():
    """Start a write transaction: take its stamp (on SQLite, the write lock) before anything else.

    Call it before a savepoint: on SQLite a savepoint opened outside a
    transaction would be the transaction, and releasing it would commit.
    """
    transaction_stamp(db.session)


def load_for_update(record_ids, scope=None, columns=None):
    """Current rows (as dicts) of these records, locked for this transaction, by id.

    `scope` is a WHERE clause (server/auth/scope.py) limiting what may be found; `columns`
    names the columns to read (all of them when None).
    The transaction stamp is taken first: on SQLite that takes the write lock
    before we read, so what we read cannot change before we write.
    """
    begin_write()
    if not record_ids:
        return {}
    table = RECORD_TABLE
    # The ids go in as one expanding parameter: SQLAlchemy then caches the statement instead of
    # coercing each id into a literal of a new one (a push names up to 500).
    statement = select(*[table.c[name] for name in columns] if columns else [table]).where(
        table.c.id.in_(bindparam("ids", expanding=True))
    )
    if scope is not None:
        statement = statement.where(scope)
    rows = db.session.execute(statement.order_by(table.c.id).with_for_update(), {"ids": sorted(record_ids)}).mappings()
    return {row["id"]: dict(row) for row in rows}


def read_row(record_id):
    """The current row of a record as a dict, unlocked, or None."""
    row = db.session.execute(select(RECORD_TABLE).where(RECORD_TABLE.c.id == record_id)).mappings().first()
    return dict(row) if row else None


def searchable(text):
    # NUL cannot be stored in a PostgreSQL text column; the search column is only for finding.
    folded = unicodedata.normalize("NFD", text.replace("\x00", "")).lower()
    return "".join(c for c in folded if not unicodedata.combining(c)).replace("đ", "d")


def derived_columns(record_type, data, created_at):
    """Search text and personal id, denormalised from the data for lists and duplicate checks, and
    the record's report day, so that reports find a period's records through an index."""
    rt = registry.get(record_type)
    name = data.get(rt.name_field, "") if rt.name_field else ""
    personal_id = data.get(rt.personal_id_field) if rt.personal_id_field else None
    return {
        "search_text": searchable(f"{name} {personal_id or ''}")[:400],
        "personal_id": personal_id,
        "report_day": report_day(rt, data, created_at),
    }


def report_day(rt, data, created_at):
    """The day reports count a record on, as 'YYYY-MM-DD' (DOMAIN.md's Vietnamese calendar days):
    the day of the work its declaration names (`date_field`, a full date, when the type counts on
    it) or, without one, the day the record reached the server. A death check counts on the day
    the case was recorded, not the day of death (`counted_on_date_field=False`)."""
    if rt.counted_on_date_field and rt.date_field and rt.field(rt.date_field).kind == "date":
        day = data.get(rt.date_field)
        if isinstance(day, str) and day:
            return day[:10]
    if created_at.tzinfo is None:  # SQLite gives back UTC times without their zone
        created_at = created_at.replace(tzinfo=timezone.utc)
    return created_at.astimezone(REPORT_TZ).date().isoformat()


def chained_hash(prev_hash, version_row):
    """SHA-256 over the previous version's hash and this version's content."""
    body = {
        k: version_row[k]
        for k in (
            "record_id",
            "version",
            "action",
            "data",
            "changed",
            "review_state",
            "review_comment",
            "deleted",
            "user_id",
            "device_id",
            "mutation_id",
        )
    }
    body["created_at"] = iso(version_row["created_at"])
    payload = orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


def new_version(
    row,
    *,
    action,
    user_id,
    now,
    data=None,
    changed=(),
    device_id=None,
    mutation_id=None,
    review_state=None,
    review_comment=None,
    deleted=None,
):
    """Advance the record row to its next version and return that version's history row.

    ``row`` is the record as a dict (new or loaded); it is changed in place to
    the new projection. Pass ``review_comment`` together with ``review_state``.
    The hash chains to ``row["version_hash"]``: a first version's to the genesis
    hash, any other's to the version read under the write transaction's lock.
    """
    if data is not None:
        row["data"] = data
        row.update(derived_columns(row["type"], data, row["created_at"]))
    if review_state is not None:
        row["review_state"] = review_state
        row["review_comment"] = review_comment
    if deleted is not None:
        row["deleted"] = deleted
    row["version"] = row.get("version", 0) + 1
    row["updated_by"] = user_id
    row["updated_at"] = now
    version_row = {
        "record_id": row["id"],
        "version": row["version"],
        "action": action,
        "data": row["data"],
        "changed": sorted(changed),
        "review_state": row["review_state"],
        "review_comment": row["review_comment"],
        "deleted": row["deleted"],
        "user_id": user_id,
        "device_id": device_id,
        "mutation_id": mutation_id,
        "created_at": now,
    }
    version_row["hash"] = chained_hash(row.get("version_hash") or GENESIS_HASH, version_row)
    row["version_hash"] = version_row["hash"]
    return version_row


def new_record_row(*, record_id, record_type, commune_id, village_id, user_id, device_id, now, client_time=None):
    """A record row before its first version."""
    return {
        "id": record_id,
        "type": record_type,
        "commune_id": commune_id,
        "village_id": village_id,
        "data": {},
        "version": 0,
        "review_state": "submitted",
        "review_comment": None,
        "reviewed_by": None,
        "reviewed_at": None,
        "has_conflict": False,
        "deleted": False,
        "created_by": user_id,
        "created_device_id": device_id,
        "created_at": now,
        "updated_by": user_id,
        "updated_at": now,
        "client_time": client_time,
        "search_text": "",
        "personal_id": None,
        "report_day": None,  # set with its first data (derived_columns)
        "version_hash": GENESIS_HASH,
    }


def save(created=(), updated=(), versions=(), columns=None):
    """Write new records, changed records and their versions, each kind in one executemany (the
    inserts through server/bulk_insert.py), every record row with this transaction's stamp. ``columns`` names the columns the changed rows write
    (all of a row's but its id when None): a column left out of the SET list costs SQLite no
    foreign key check and no index maintenance."""
    stamp = transaction_stamp(db.session)
    connection = db.session.connection()
    if created:
        RECORD_INSERT.execute(connection, list(created), change_xid=stamp)
    if updated:
        names = columns or [name for name in updated[0] if name not in ("id", "change_xid")]
        connection.execute(
            update(RECORD_TABLE).where(RECORD_TABLE.c.id == bindparam("_id")).values(change_xid=stamp),
            [{**{name: row[name] for name in names}, "_id": row["id"]} for row in updated],
        )
    if versions:
        VERSION_INSERT.execute(connection, list(versions))
    for row in (*created, *updated):
        row["change_xid"] = stamp


def record_document(row):
    """A record as the API returns it (PROTOCOL.md §5)."""
    return {
        "id": row["id"],
        "type": row["type"],
        "village_id": row["village_id"],
        "data": row["data"],
        "version": row["version"],
        "review_state": row["review_state"],
        "review_comment": row["review_comment"],
        "reviewed_at": iso(row["reviewed_at"]),
        "has_conflict": row["has_conflict"],
        "deleted": row["deleted"],
        "created_by": row["created_by"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
        "updated_by": row["updated_by"],
    }


def tombstone_document(row):
    """A deleted record on the wire: enough to drop it, none of its personal data."""
    return {
        "id": row["id"],
        "type": row["type"],
        "village_id": row["village_id"],
        "version": row["version"],
        "deleted": True,
        "updated_at": iso(row["updated_at"]),
    }


def version_document(version, users):
    user = users.get(version.user_id)
    return {
        "version": version.version,
        "action": version.action,
        "changed": version.changed,
        "review_state": version.review_state,
        "review_comment": version.review_comment,
        "deleted": version.deleted,
        "data": version.data,
        "user": {
            "id": version.user_id,
            "username": user.username if user else None,
            "full_name": user.full_name if user else None,
        },
        "device_id": version.device_id,
        "mutation_id": version.mutation_id,
        "at": iso(version.created_at),
        "hash": version.hash,
    }


def data_at_version(record_id, version):
    """The full data of a record as it was at a version (the base of a three-way merge), or None."""
    return data_at_versions([(record_id, version)]).get((record_id, version))


def data_at_versions(pairs):
    """{(record id, version): data} of these versions, in one query."""
    if not pairs:
        return {}
    table = VERSION_TABLE
    rows = db.session.execute(
        select(table.c.record_id, table.c.version, table.c.data).where(
            tuple_(table.c.record_id, table.c.version).in_(sorted(pairs))
        )
    )
    return {(record_id, version): data for record_id, version, data in rows}
