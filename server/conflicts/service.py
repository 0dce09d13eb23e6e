"""Listing and resolving sync conflicts (the commune's admins).

A conflict holds the device's whole proposal. Which of its fields conflict is
worked out against the record as it is now: a field conflicts while both the
server and the device changed it since the base, to different values.
"""

from sqlalchemy import exists, select

from server.audit import write_audit
from server.errors import CONFLICT_NOT_OPEN, NOT_FOUND, VALIDATION_FAILED, stale_version
from server.extensions import db
from server.forms import changes as record_changes, registry
from server.models import Conflict, User
from server.paging import paginate
from server.push.service import notify_conflict_resolved
from server.records import store
from server.sync import merge
from server.timeutil import iso, utcnow

CONFLICTS = Conflict.__table__
DELETED = "deleted"


def list_conflicts(user, state, page, per_page):
    statement = select(Conflict).where(Conflict.commune_id == user.commune_id)
    if state:
        statement = statement.where(Conflict.state == state)
    statement = statement.order_by(Conflict.opened_at.desc(), Conflict.id)
    return paginate(statement, page, per_page, lambda row: _summary(row[0]))


def _summary(conflict):
    return {
        "id": conflict.id,
        "record_id": conflict.record_id,
        "state": conflict.state,
        "opened_at": iso(conflict.opened_at),
        "device_id": conflict.device_id,
        "user_id": conflict.user_id,
        "base_version": conflict.base_version,
        "fields": [f["name"] for f in conflict.fields],
        "resolved_at": iso(conflict.resolved_at),
        "resolved_by": conflict.resolved_by,
    }


def _load(user, conflict_id):
    conflict = (
        db.session.get(Conflict, conflict_id) if isinstance(conflict_id, str) and len(conflict_id) <= 36 else None
    )
    if conflict is None or conflict.commune_id != user.commune_id:
        raise NOT_FOUND("Không tìm thấy xung đột")
    return conflict


def field_table(conflict, record_row):
    """[{name, base, server, device, conflicting}] for every field the device's proposal touched."""
    if conflict.state == "resolved":
        # Once resolved, show the table the decision was made on, as it was.
        return conflict.fields
    base = store.data_at_version(conflict.record_id, conflict.base_version) or {}
    current = dict(record_row["data"], **{DELETED: record_row["deleted"]})
    base = dict(base, **{DELETED: False})
    table = []
    for name, device_value in conflict.proposal.items():
        server_value, base_value = current.get(name), base.get(name)
        table.append(
            {
                "name": name,
                "base": base_value,
                "server": server_value,
                "device": device_value,
                "conflicting": server_value != base_value and server_value != device_value,
            }
        )
    return table


def _person(user):
    return {"id": user.id, "username": user.username, "full_name": user.full_name}


def get_conflict(user, conflict_id):
    conflict = _load(user, conflict_id)
    row = store.read_row(conflict.record_id)
    author = db.session.get(User, conflict.user_id)
    resolver = db.session.get(User, conflict.resolved_by) if conflict.resolved_by else None
    document = _summary(conflict)
    document.update(
        {
            "user": _person(author),
            "resolver": _person(resolver) if resolver else None,
            "mutation_id": conflict.mutation_id,
            "fields": field_table(conflict, row),
            "record": store.record_document(row),
            "resolution": conflict.resolution,
            "resolved_version": conflict.resolved_version,
        }
    )
    write_audit("conflict.view", target=("conflict", conflict.id), details={"record_id": conflict.record_id})
    return document


def resolve_conflict(user, conflict_id, base_version, values):
    """Apply the chosen values (and the device's non-conflicting changes) as a new version."""
    conflict = _load(user, conflict_id)
    row = store.load_for_update([conflict.record_id])[conflict.record_id]
    if conflict.state != "open":
        raise CONFLICT_NOT_OPEN()
    if base_version != row["version"]:
        raise stale_version(row["version"])
    table = field_table(conflict, row)
    by_name = {f["name"]: f for f in table}
    missing = [f["name"] for f in table if f["conflicting"] and f["name"] not in values]
    unknown = [name for name in values if name not in by_name]
    if missing or unknown:
        errors = {name: ["Cần chọn giá trị cho trường đang xung đột"] for name in missing}
        errors.update({name: ["Trường này không thuộc xung đột"] for name in unknown})
        raise VALIDATION_FAILED(fields=errors)

    chosen = {f["name"]: f["device"] for f in table if not f["conflicting"]}
    chosen.update(values)
    delete = chosen.pop(DELETED, False) is True
    # The resolver's choice is a change like any other: the same rules and workflow as through sync.
    new_data = record_changes.checked_data(
        user, registry.get(row["type"]), row["data"], merge.apply_changes(row["data"], chosen)
    )

    others_open = db.session.execute(
        select(exists().where(Conflict.record_id == row["id"], Conflict.state == "open", Conflict.id != conflict.id))
    ).scalar()
    row["has_conflict"] = bool(others_open)
    now = utcnow()
    version = store.new_version(
        row,
        action="resolve",
        user_id=user.id,
        now=now,
        data=new_data,
        changed=merge.changed_fields(row["data"], new_data) | ({DELETED} if delete else set()),
        deleted=True if delete else None,
    )
    store.save(updated=[row], versions=[version])
    conflict.state, conflict.resolved_at, conflict.resolved_by = "resolved", now, user.id
    conflict.resolved_version = row["version"]
    conflict.resolution = {
        name: {"choice": _choice(by_name[name], value), "value": value}
        for name, value in {**{f["name"]: f["device"] for f in table if not f["conflicting"]}, **values}.items()
    }
    conflict.fields = table
    write_audit(
        "conflict.resolve",
        target=("conflict", conflict.id),
        details={"record_id": row["id"], "version": row["version"]},
    )
    notify_conflict_resolved(conflict, row, resolver=user)
    return row


def _choice(field, value):
    if value == field["server"]:
        return "server"
    if value == field["device"]:
        return "device"
    return "edited"
