"""Reading and writing records as plain rows: the one place that makes a new version.

Push, review and conflict resolution all change records through
``new_version`` and ``save``: the record row becomes the projection of its
newest version, the version is appended with a hash chained to the one
before, and every written row carries the transaction stamp that orders it
for pull (server/sync/cursor.py). The stamp is given when the row is written,
so a version that needs nothing from the database (a create's first) can be
made before the write transaction starts.
"""

import hashlib
import unicodedata
from datetime import timezone

import orjson
from sqlalchemy import DateTime, bindparam, insert, select, update

from server.extensions import db
from server.forms import registry
from server.models import Record, RecordVersion
from server.reports.periods import REPORT_TZ
from server.sync.cursor import transaction_stamp
from server.timeutil import iso

RECORD_TABLE = Record.__table__
VERSION_TABLE = RecordVersion.__table__
GENESIS_HASH = "0" * 64


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
    statement = select(*[table.c[name] for name in columns] if columns else [table]).where(
        table.c.id.in_(sorted(record_ids))
    )
    if scope is not None:
        statement = statement.where(scope)
    rows = db.session.execute(statement.order_by(RECORD_TABLE.c.id).with_for_update()).mappings()
    return {row["id"]: dict(row) for row in rows}


def read_row(record_id):
    """The current row of a record as a dict, unlocked, or None."""
    row = db.session.execute(select(RECORD_TABLE).where(RECORD_TABLE.c.id == record_id)).mappings().first()
    return dict(row) if row else None


class RowView:
    """Attribute access to a row dict, for the scope checks that take a record."""

    def __init__(self, row):
        self.__dict__.update(row)


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
        "change_xid": 0,
    }


class DriverInsert:
    """An INSERT of whole rows, executed by the database driver with parameters made ready before.

    SQLAlchemy compiles the statement once per dialect (its placeholders and casts), and each
    column's bind processor (a date as SQLite stores it, JSON through the app's encoder) makes of
    a row exactly the values Core would send. ``ready`` can run before the write transaction
    starts, so that inside it the driver only executes; the columns named in ``given_last`` are
    left out of ``ready`` and given once for all rows by ``execute`` (the transaction stamp).
    """

    def __init__(self, table, given_last=(), skip=()):
        self.table = table
        self.given_last = tuple(given_last)
        self.columns = tuple(c.key for c in table.columns if c.key not in skip and c.key not in given_last)
        self._plans = {}

    def _plan(self, dialect):
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            names = self.columns + self.given_last
            compiled = insert(self.table).compile(dialect=dialect, column_keys=list(names))
            if compiled.positional and tuple(compiled.positiontup) != names:
                raise RuntimeError(f"unexpected parameter order for {self.table.name}: {compiled.positiontup}")
            processors = tuple(_bind_processor(self.table.c[name].type, dialect) for name in self.columns)
            plan = self._plans[key] = (compiled.string, compiled.positional, processors)
        return plan

    def ready(self, dialect, row):
        """The row's values as the driver takes them: a tuple, or a dict for named placeholders."""
        _, positional, processors = self._plan(dialect)
        values = tuple(
            process(row[name]) if process else row[name] for name, process in zip(self.columns, processors, strict=True)
        )
        return values if positional else dict(zip(self.columns, values, strict=True))

    def execute(self, connection, ready_rows, **given):
        if not ready_rows:
            return
        sql, positional, _ = self._plan(connection.dialect)
        if self.given_last:
            if positional:
                tail = tuple(given[name] for name in self.given_last)
                ready_rows = [row + tail for row in ready_rows]
            else:
                ready_rows = [{**row, **given} for row in ready_rows]
        connection.exec_driver_sql(sql, ready_rows)


class DriverUpdate:
    """An UPDATE by id of some columns of whole rows, executed by the driver like DriverInsert.

    Only the named columns are written: on SQLite a column left out of the SET list costs no
    foreign key check and no index maintenance. ``stamp`` is given once for all rows.
    """

    def __init__(self, table, columns, stamp="change_xid"):
        wanted = set(columns)
        self.table = table
        self.columns = tuple(c.key for c in table.columns if c.key in wanted and c.key != stamp)
        self.stamp = stamp
        self._plans = {}

    def _plan(self, dialect):
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            statement = update(self.table).where(self.table.c.id == bindparam("_id"))
            compiled = statement.compile(dialect=dialect, column_keys=[*self.columns, self.stamp])
            names = (*self.columns, self.stamp, "_id")
            if compiled.positional and tuple(compiled.positiontup) != names:
                raise RuntimeError(f"unexpected parameter order for {self.table.name}: {compiled.positiontup}")
            processors = tuple(_bind_processor(self.table.c[name].type, dialect) for name in self.columns)
            plan = self._plans[key] = (compiled.string, compiled.positional, processors)
        return plan

    def execute(self, connection, rows, stamp):
        if not rows:
            return
        sql, positional, processors = self._plan(connection.dialect)
        values = [
            (
                *(
                    process(row[name]) if process else row[name]
                    for name, process in zip(self.columns, processors, strict=True)
                ),
                stamp,
                row["id"],
            )
            for row in rows
        ]
        if not positional:
            names = (*self.columns, self.stamp, "_id")
            values = [dict(zip(names, row, strict=True)) for row in values]
        connection.exec_driver_sql(sql, values)


def _bind_processor(column_type, dialect):
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None or not isinstance(column_type, DateTime):
        return process
    # A batch's rows share one time: format it once. One tuple, replaced whole, so that
    # threads sharing the processor never pair one time with another's text.
    last = (None, None)

    def process_time(value):
        nonlocal last
        seen = last
        if value is not seen[0]:
            seen = last = (value, process(value))
        return seen[1]

    return process_time


RECORD_INSERT = DriverInsert(RECORD_TABLE, given_last=("change_xid",))
VERSION_INSERT = DriverInsert(VERSION_TABLE, skip=("id",))
# An executemany UPDATE: the SET columns come from the parameter keys.
_UPDATE_BY_ID = update(RECORD_TABLE).where(RECORD_TABLE.c.id == bindparam("_id"))


def dialect():
    return db.session.get_bind().dialect


def insert_records(ready_rows):
    """New record rows (from ``RECORD_INSERT.ready``), stamped with this transaction's stamp."""
    RECORD_INSERT.execute(db.session.connection(), ready_rows, change_xid=transaction_stamp(db.session))


def update_records(rows, writer=None):
    """Changed record rows, stamped with this transaction's stamp: every column but the id, or
    those of ``writer`` (a DriverUpdate)."""
    if writer is not None:
        writer.execute(db.session.connection(), rows, transaction_stamp(db.session))
    elif rows:
        stamp = transaction_stamp(db.session)
        db.session.connection().execute(
            _UPDATE_BY_ID,
            [{**{k: v for k, v in r.items() if k != "id"}, "change_xid": stamp, "_id": r["id"]} for r in rows],
        )


def insert_versions(ready_rows):
    """Version rows from ``VERSION_INSERT.ready``."""
    VERSION_INSERT.execute(db.session.connection(), ready_rows)


def save(created=(), updated=(), versions=()):
    """Write new records, changed records and their versions in a few set-based statements,
    every record row with this transaction's stamp."""
    bound = dialect()
    insert_records([RECORD_INSERT.ready(bound, r) for r in created])
    update_records(updated)
    insert_versions([VERSION_INSERT.ready(bound, v) for v in versions])
    for row in [*created, *updated]:
        row["change_xid"] = transaction_stamp(db.session)


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
    """The full data of a record as it was at a version (the base of a three-way merge)."""
    return db.session.execute(
        select(VERSION_TABLE.c.data).where(VERSION_TABLE.c.record_id == record_id, VERSION_TABLE.c.version == version)
    ).scalar_one_or_none()
