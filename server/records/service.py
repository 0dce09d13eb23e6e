"""Reading records through the direct endpoints: lists with filters, one record with its history."""

from datetime import timezone

from sqlalchemy import exists, not_, select
from sqlalchemy.sql.util import ClauseAdapter

from server.auth.scope import record_filter
from server import roles
from server.audit import audit_records_served, write_audit
from server.errors import NOT_FOUND
from server.extensions import db
from server.models import Conflict, Record, RecordVersion, User
from server.paging import paginate
from server.records import store
from server.reports.queries import report_day

RECORDS = store.RECORD_TABLE
# sort= values: the column, newest first with a leading '-'. The id breaks ties in the same
# direction, so one index on (commune, state, time, id) serves both directions.
SORTS = {
    "updated_at": (RECORDS.c.updated_at, False),
    "-updated_at": (RECORDS.c.updated_at, True),
    "created_at": (RECORDS.c.created_at, False),
    "-created_at": (RECORDS.c.created_at, True),
}
DEFAULT_SORT = "-updated_at"


def possible_duplicate(user):
    """True when another live record of the same type and commune, one this user may read, has the
    same personal id (the column filled from the type's personal_id_field at write time).

    A correlated EXISTS over the (commune_id, personal_id) index: one index probe per record of
    the page, and a semi-join when used as a filter. Limited to the caller's scope so that a
    volunteer cannot learn whether someone else recorded a personal id."""
    other = RECORDS.alias("other")
    return exists().where(
        other.c.commune_id == RECORDS.c.commune_id,
        other.c.personal_id == RECORDS.c.personal_id,
        other.c.type == RECORDS.c.type,
        other.c.id != RECORDS.c.id,
        other.c.deleted.is_(False),
        ClauseAdapter(other).traverse(record_filter(user)),
    )


def author_name():
    return select(User.full_name).where(User.id == RECORDS.c.created_by).scalar_subquery()


def add_author_and_duplicate(user, documents):
    """Set created_by_name and possible_duplicate on records already chosen, in one query.

    Asked only for the page's records: inside the paged query PostgreSQL would evaluate both
    subqueries for every row the OFFSET skips (25,000 on page 500)."""
    if not documents:
        return documents
    rows = db.session.execute(
        select(RECORDS.c.id, author_name(), possible_duplicate(user)).where(
            RECORDS.c.id.in_([d["id"] for d in documents])
        )
    ).all()
    extras = {record_id: (name, bool(duplicate)) for record_id, name, duplicate in rows}
    for document in documents:
        document["created_by_name"], document["possible_duplicate"] = extras[document["id"]]
    return documents


def list_records(user, filters, page, per_page):
    statement = select(RECORDS).where(record_filter(user))
    if not filters.get("deleted"):
        statement = statement.where(RECORDS.c.deleted.is_(False))
    for name in ("type", "village_id", "review_state", "has_conflict", "created_by"):
        if filters.get(name) is not None:
            statement = statement.where(RECORDS.c[name] == filters[name])
    # Times are compared in UTC: SQLite keeps them without their offset.
    if filters.get("since"):
        statement = statement.where(RECORDS.c.created_at >= filters["since"].astimezone(timezone.utc))
    if filters.get("until"):
        statement = statement.where(RECORDS.c.created_at < filters["until"].astimezone(timezone.utc))
    # from/to: the day the work was done, as reports count it (server/reports/queries.py).
    if filters.get("from") or filters.get("to"):
        day = report_day()
        if filters.get("from"):
            statement = statement.where(day >= filters["from"].isoformat())
        if filters.get("to"):
            statement = statement.where(day <= filters["to"].isoformat())
    if filters.get("possible_duplicate") is not None:
        duplicate = possible_duplicate(user)
        statement = statement.where(duplicate if filters["possible_duplicate"] else not_(duplicate))
    if filters.get("q"):
        needle = store.searchable(filters["q"]).strip()
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(RECORDS.c.search_text.like(f"%{escaped}%", escape="\\"))
    column, descending = SORTS[filters.get("sort") or DEFAULT_SORT]
    statement = statement.order_by(
        *((column.desc(), RECORDS.c.id.desc()) if descending else (column.asc(), RECORDS.c.id.asc()))
    )
    result = paginate(statement, page, per_page, lambda row: store.record_document(row._mapping))
    add_author_and_duplicate(user, result["items"])
    audit_records_served(
        user,
        "records.list",
        [item["id"] for item in result["items"]],
        details={**{k: str(v) for k, v in filters.items()}, "page": page},
    )
    return result


def get_record(user, record_id):
    """The record with its full history; every view by police or admin goes to the audit log."""
    record = (
        db.session.execute(select(Record).where(Record.id == record_id, record_filter(user))).scalar_one_or_none()
        if len(record_id) <= 36
        else None
    )
    if record is None:
        raise NOT_FOUND("Không tìm thấy bản ghi")
    versions = (
        db.session.execute(
            select(RecordVersion).where(RecordVersion.record_id == record.id).order_by(RecordVersion.version)
        )
        .scalars()
        .all()
    )
    user_ids = {v.user_id for v in versions}
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()}
    open_conflicts = (
        db.session.execute(select(Conflict.id).where(Conflict.record_id == record.id, Conflict.state == "open"))
        .scalars()
        .all()
    )
    document = store.record_document({c.name: getattr(record, c.name) for c in RECORDS.columns})
    add_author_and_duplicate(user, [document])
    document["history"] = [store.version_document(v, users) for v in versions]
    document["open_conflicts"] = list(open_conflicts)
    if roles.role_of(user).reads_commune_wide:
        write_audit("record.view", target=("record", record.id))
    return document
