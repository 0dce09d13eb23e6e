"""Reading records through the direct endpoints: lists with filters, one record with its history."""
from datetime import timezone

from sqlalchemy import select

from server.auth.scope import record_filter
from server.audit import write_audit
from server.errors import not_found
from server.extensions import db
from server.models import Conflict, Record, RecordVersion, User
from server.paging import paginate
from server.records import store

RECORDS = store.RECORD_TABLE
AUDITED_ROLES = ("police", "admin")


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
    if filters.get("q"):
        needle = store.searchable(filters["q"]).strip()
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(RECORDS.c.search_text.like(f"%{escaped}%", escape="\\"))
    statement = statement.order_by(RECORDS.c.updated_at.desc(), RECORDS.c.id)
    result = paginate(statement, page, per_page, lambda row: store.record_document(row._mapping))
    if user.role in AUDITED_ROLES:
        write_audit("records.list", details={k: str(v) for k, v in filters.items()})
    return result


def get_record(user, record_id):
    """The record with its full history; every view by police or admin goes to the audit log."""
    record = db.session.execute(
        select(Record).where(Record.id == record_id, record_filter(user))
    ).scalar_one_or_none() if len(record_id) <= 36 else None
    if record is None:
        raise not_found("Không tìm thấy bản ghi")
    versions = db.session.execute(
        select(RecordVersion).where(RecordVersion.record_id == record.id).order_by(RecordVersion.version)
    ).scalars().all()
    user_ids = {v.user_id for v in versions}
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(user_ids))).scalars()}
    open_conflicts = db.session.execute(
        select(Conflict.id).where(Conflict.record_id == record.id, Conflict.state == "open")
    ).scalars().all()
    document = store.record_document({c.name: getattr(record, c.name) for c in RECORDS.columns})
    document["history"] = [store.version_document(v, users) for v in versions]
    document["open_conflicts"] = list(open_conflicts)
    if user.role in AUDITED_ROLES:
        write_audit("record.view", target=("record", record.id))
    return document
