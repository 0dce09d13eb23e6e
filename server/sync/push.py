"""Apply a device's batch of mutations exactly once, in one transaction.

The batch is read in a few statements (the device row, the stored outcomes of
these mutation ids, the records they touch, locked), decided in Python, and
written in a few set-based statements. Each mutation's outcome is stored in
the mutation log in the same transaction as its effect, so a crash at any
point leaves either both or neither, and a retry returns the stored outcome.

What needs no database is worked out before the write transaction starts:
each mutation's payload hash, and for a create its checks (type, village,
editable fields, validated data), its record row and first version (derived
columns, hash chained to the genesis hash) and their parameters as the driver
takes them. An update whose base is the record's current version (read before
the transaction, without a lock) gets its checks and new data worked out there
too. On SQLite that transaction holds the one write lock, and everything done
inside it waits for every other device's push; inside it are left the stamp,
the look-ups, the decisions that need them (a create's id already taken; for an
update, that the record is still at the version read before, or else the whole
decision; every delete), the new versions and the writes.

A rejected mutation is an answer, not a failure: it is logged like the others
(so a retry gets the same answer) and the mutations after it go on.
"""

import hashlib
import uuid
from dataclasses import dataclass, field

import orjson
from sqlalchemy import insert, select

from server.auth.scope import can_edit, can_read, creatable_village_ids, may_change_locked
from server.errors import (
    DUPLICATE_RECORD,
    FORBIDDEN,
    MUTATION_MISMATCH,
    NOT_FOUND,
    RECORD_DELETED,
    RECORD_LOCKED,
    UNKNOWN_OP,
    UNKNOWN_TYPE,
    VALIDATION_FAILED,
    VILLAGE_NOT_ALLOWED,
    ApiError,
)
from server.extensions import db
from server.forms import changes as record_changes, registry
from server.models import Conflict, Device, Mutation
from server.push.service import notify_conflicts_opened
from server.records import store, workflow
from server.sync import merge
from server.sync.cursor import transaction_stamp
from server.timeutil import parse_iso, utcnow

OPS = ("create", "update", "delete")
MUTATION_TABLE = Mutation.__table__
CONFLICT_TABLE = Conflict.__table__
MUTATION_INSERT = store.DriverInsert(MUTATION_TABLE)
# What a push reads of a record it may change (scope, checks, merge, next version, the report day
# of a record counted on the day it arrived), and what it may write back: it never changes a
# record's type, place, author or review. A record that only got a conflict (no new version)
# changes its flag alone.
RECORD_COLUMNS = (
    "id",
    "type",
    "commune_id",
    "village_id",
    "created_by",
    "created_at",
    "data",
    "version",
    "review_state",
    "review_comment",
    "has_conflict",
    "deleted",
    "search_text",
    "personal_id",
    "report_day",
    "version_hash",
)
RECORD_UPDATE = store.DriverUpdate(
    store.RECORD_TABLE,
    (
        "data",
        "version",
        "review_state",
        "review_comment",
        "has_conflict",
        "deleted",
        "updated_by",
        "updated_at",
        "search_text",
        "personal_id",
        "report_day",
        "version_hash",
    ),
)
RECORD_FLAG_UPDATE = store.DriverUpdate(store.RECORD_TABLE, ("has_conflict",))
# The JavaScript client counts mutations in plain numbers: keep ids exact there.
MAX_MUTATION_ID = 2**53 - 1


def payload_hash(mutation):
    return hashlib.sha256(orjson.dumps(mutation, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass
class PreparedCreate:
    """A valid create worked out before the write transaction: the record row at version 1,
    its version row, and both as driver parameters (the record's without its stamp)."""

    row: dict
    record_params: object
    version_params: object


@dataclass
class PreparedUpdate:
    """An update decided before the write transaction against the record as it was then read
    (at ``version``, whose hash is ``version_hash``): an ApiError (its rejection), None when nothing changes,
    or (new data, names of the changed fields). Good only while the record is still at that version."""

    version: int
    version_hash: str
    outcome: object


@dataclass
class Batch:
    """What one push writes, gathered while its mutations are decided in order."""

    user: object
    device: object
    now: object
    records: dict
    dialect: object
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    # driver parameters of the version rows, in order
    versions: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    log: list = field(default_factory=list)
    # (record id, version) -> data, for versions written earlier in this batch
    pending_data: dict = field(default_factory=dict)
    # mutation id -> a create's PreparedCreate or the ApiError it is rejected with, or a PreparedUpdate
    prepared: dict = field(default_factory=dict)
    # record id -> driver parameters of a created row, while it is still as prepared
    ready_rows: dict = field(default_factory=dict)

    def base_data(self, record_id, version):
        key = (record_id, version)
        if key in self.pending_data:
            return self.pending_data[key]
        return store.data_at_version(record_id, version)

    def add_created(self, prepared):
        row = prepared.row
        self.records[row["id"]] = self.created[row["id"]] = row
        self.ready_rows[row["id"]] = prepared.record_params
        self.versions.append(prepared.version_params)
        self.pending_data[(row["id"], row["version"])] = row["data"]

    def add_version(self, row, **kwargs):
        version = store.new_version(row, user_id=self.user.id, now=self.now, device_id=self.device.id, **kwargs)
        self.versions.append(store.VERSION_INSERT.ready(self.dialect, version))
        self.pending_data[(row["id"], row["version"])] = row["data"]
        self.touch(row)

    def touch(self, row):
        # A created row changed again in this batch is written as it ends up, not as prepared.
        self.ready_rows.pop(row["id"], None)
        if row["id"] not in self.created:
            self.updated[row["id"]] = row


def _record_id(mutation):
    value = mutation.get("record_id")
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) and len(value) <= 36 else None
    except ValueError:
        return None


def apply_push(user, device, mutations):
    """Apply the mutations (already checked for ids and order); return the per-mutation results."""
    digests = [payload_hash(m) for m in mutations]
    prepared = _prepare_creates(user, device.id, mutations)
    prepared.update(_prepare_updates(user, mutations))
    stamp = transaction_stamp(db.session)
    # One push at a time per device: a retry racing its original waits and then replays.
    device = db.session.execute(
        select(Device).where(Device.id == device.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()
    ids = [m["mutation_id"] for m in mutations]
    seen = {
        row.mutation_id: row
        for row in db.session.execute(
            select(MUTATION_TABLE).where(MUTATION_TABLE.c.device_id == device.id, MUTATION_TABLE.c.mutation_id.in_(ids))
        )
    }
    fresh = [m for m in mutations if m["mutation_id"] not in seen]
    # Loaded whatever their scope: a create must know that an id is taken anywhere. Each
    # update and delete is then checked against the caller's scope (_existing_for_change).
    record_ids = {rid for rid in map(_record_id, fresh) if rid}
    batch = Batch(
        user=user,
        device=device,
        now=utcnow(),
        prepared=prepared,
        dialect=store.dialect(),
        records=store.load_for_update(record_ids, columns=RECORD_COLUMNS),
    )

    results = []
    for mutation, digest in zip(mutations, digests, strict=True):
        stored = seen.get(mutation["mutation_id"])
        if stored is not None:
            results.append(_replayed(stored, mutation, digest))
            continue
        try:
            result = _apply_one(batch, mutation)
        except ApiError as rejection:
            result = {
                "status": "rejected",
                "record_id": _echoed_record_id(mutation),
                "error": rejection.body()["error"],
            }
        result = {"mutation_id": mutation["mutation_id"], **result}
        results.append(result)
        batch.log.append(_log_row(batch, mutation, digest, result, stamp))

    _write(batch)
    device.last_mutation_id = max([device.last_mutation_id, *ids])
    device.last_sync_at = batch.now
    device.last_seen_at = batch.now
    return results, device.last_mutation_id


def _echoed_record_id(mutation):
    """The record id as the device sent it, when it can be stored (the replay must say the same)."""
    value = mutation.get("record_id")
    return value if isinstance(value, str) and len(value) <= 64 and "\x00" not in value else None


def _replayed(stored, mutation, digest):
    if stored.payload_hash != digest:
        return {
            "mutation_id": mutation["mutation_id"],
            "status": "rejected",
            "record_id": _echoed_record_id(mutation),
            "error": MUTATION_MISMATCH().body()["error"],
        }
    result = {"mutation_id": stored.mutation_id, "status": stored.status, "record_id": stored.record_id}
    if stored.version is not None:
        result["version"] = stored.version
    if stored.conflict_id is not None:
        result["conflict_id"] = stored.conflict_id
    if stored.error is not None:
        result["error"] = stored.error
    return result


def _log_row(batch, mutation, digest, result, stamp):
    return {
        "device_id": batch.device.id,
        "mutation_id": mutation["mutation_id"],
        "user_id": batch.user.id,
        "op": mutation["op"] if mutation.get("op") in OPS else "invalid",
        "record_id": result["record_id"],
        "payload_hash": digest,
        "status": result["status"],
        "version": result.get("version"),
        "conflict_id": result.get("conflict_id"),
        "error": result.get("error"),
        "change_xid": stamp,
        "created_at": batch.now,
    }


def _write(batch):
    dialect = batch.dialect
    store.insert_records(
        [
            batch.ready_rows.get(record_id) or store.RECORD_INSERT.ready(dialect, row)
            for record_id, row in batch.created.items()
        ]
    )
    # A row given a new version has its updated_at (a column not read); one given only a conflict not.
    versioned = [row for row in batch.updated.values() if "updated_at" in row]
    store.update_records(versioned, RECORD_UPDATE)
    store.update_records([row for row in batch.updated.values() if "updated_at" not in row], RECORD_FLAG_UPDATE)
    store.insert_versions(batch.versions)
    connection = db.session.connection()
    if batch.conflicts:
        connection.execute(insert(CONFLICT_TABLE), batch.conflicts)
        # The commune's admins hear of them: one SELECT and one INSERT for the whole batch.
        notify_conflicts_opened(batch.conflicts, batch.records, batch.user)
    MUTATION_INSERT.execute(connection, [MUTATION_INSERT.ready(dialect, row) for row in batch.log])


def _apply_one(batch, mutation):
    op = mutation.get("op")
    if op not in OPS:
        raise UNKNOWN_OP(fields={"op": ["Giá trị không hợp lệ"]})
    record_id = _record_id(mutation)
    if record_id is None:
        raise VALIDATION_FAILED("Mã bản ghi không hợp lệ", fields={"record_id": ["Phải là UUID"]})
    if op == "create":
        return _create(batch, record_id, mutation)
    row = _existing_for_change(batch, record_id)
    base_version = mutation.get("base_version")
    if not isinstance(base_version, int) or isinstance(base_version, bool) or not 1 <= base_version <= row["version"]:
        raise VALIDATION_FAILED(
            "Phiên bản gốc không hợp lệ", fields={"base_version": [f"Phải là số nguyên từ 1 đến {row['version']}"]}
        )
    if op == "update":
        return _update(batch, row, base_version, mutation)
    return _delete(batch, row, base_version, mutation)


def _existing_for_change(batch, record_id):
    row = batch.records.get(record_id)
    user = batch.user
    holder = store.RowView(row) if row else None
    if row is None or not can_read(user, holder):
        raise NOT_FOUND("Không tìm thấy bản ghi")
    if not can_edit(user, holder):
        raise FORBIDDEN("Bạn không có quyền sửa bản ghi này")
    if row["deleted"]:
        raise RECORD_DELETED()
    if not may_change_locked(user) and row["review_state"] in workflow.LOCKED_STATES:
        raise RECORD_LOCKED()
    return row


def _prepare_creates(user, device_id, mutations):
    """Each create worked out as far as it can be without the database, by mutation id:
    a PreparedCreate, or the ApiError it is rejected with.

    Its time is when the server took it in, before waiting for the write lock: a first
    version has no earlier one to follow, and everything written after it waits for the lock."""
    creates = [m for m in mutations if m.get("op") == "create" and _record_id(m)]
    if not creates:
        return {}
    villages = creatable_village_ids(user)
    dialect, now = store.dialect(), utcnow()
    prepared = {}
    for mutation in creates:
        try:
            record_type, clean = _checked_create(user, villages, mutation)
        except ApiError as rejection:
            prepared[mutation["mutation_id"]] = rejection
            continue
        row = store.new_record_row(
            record_id=_record_id(mutation),
            record_type=record_type.type,
            commune_id=user.commune_id,
            village_id=mutation["village_id"],
            user_id=user.id,
            device_id=device_id,
            now=now,
            client_time=_client_time(mutation.get("client_time")),
        )
        version = store.new_version(
            row,
            action="create",
            user_id=user.id,
            now=now,
            data=clean,
            changed=clean.keys(),
            device_id=device_id,
            mutation_id=mutation["mutation_id"],
        )
        prepared[mutation["mutation_id"]] = PreparedCreate(
            row, store.RECORD_INSERT.ready(dialect, row), store.VERSION_INSERT.ready(dialect, version)
        )
    return prepared


def _prepare_updates(user, mutations):
    """Each update whose base is the record's current version, decided as far as it can be
    against the record read now, without a lock: by mutation id, a PreparedUpdate.

    Under the lock it stands only if the record is still at that version (same number, same
    hash); otherwise the update is decided there from the start, as any other."""
    updates = [
        m
        for m in mutations
        if m.get("op") == "update" and _record_id(m) and isinstance(m.get("data"), dict) and m["data"]
    ]
    if not updates:
        return {}
    table = store.RECORD_TABLE
    rows = {
        row.id: row
        for row in db.session.execute(
            select(table.c.id, table.c.type, table.c.version, table.c.version_hash, table.c.data).where(
                table.c.id.in_(sorted({_record_id(m) for m in updates}))
            )
        )
    }
    prepared = {}
    for mutation in updates:
        row = rows.get(_record_id(mutation))
        base_version = mutation.get("base_version")
        if row is None or base_version != row.version or isinstance(base_version, bool):
            continue
        record_type = registry.get(row.type)
        sent = mutation["data"]
        if record_type is None or any(name not in record_type.by_name for name in sent):
            continue
        try:
            outcome = _current_update(user, record_type, row.data, sent)
        except ApiError as rejection:
            outcome = rejection
        except Exception:  # noqa: BLE001 - left to the decision under the lock, where it arose before
            continue
        prepared[mutation["mutation_id"]] = PreparedUpdate(row.version, row.version_hash, outcome)
    return prepared


def _checked_create(user, creatable_villages, mutation):
    record_type = registry.get(mutation.get("type"))
    if record_type is None:
        raise UNKNOWN_TYPE(fields={"type": ["Giá trị không hợp lệ"]})
    village_id = mutation.get("village_id")
    if not isinstance(village_id, int) or isinstance(village_id, bool) or village_id not in creatable_villages:
        raise VILLAGE_NOT_ALLOWED(fields={"village_id": ["Thôn không thuộc phạm vi của bạn"]})
    data = mutation.get("data")
    if not isinstance(data, dict):
        raise VALIDATION_FAILED("Dữ liệu không hợp lệ", fields={"data": ["Phải là một đối tượng JSON"]})
    return record_type, record_changes.checked_data(user, record_type, None, data)


def _create(batch, record_id, mutation):
    if record_id in batch.records:
        raise DUPLICATE_RECORD()
    prepared = batch.prepared[mutation["mutation_id"]]
    if isinstance(prepared, ApiError):
        raise prepared
    batch.add_created(prepared)
    return {"status": "applied", "record_id": record_id, "version": prepared.row["version"]}


def _client_time(value):
    try:
        parse_iso(value)
    except (TypeError, ValueError):
        return None
    return value


def _update(batch, row, base_version, mutation):
    record_type = registry.get(row["type"])
    sent = mutation.get("data")
    if not isinstance(sent, dict) or not sent:
        raise VALIDATION_FAILED("Không có trường nào để sửa", fields={"data": ["Phải là một đối tượng JSON"]})
    unknown = {name: ["Trường này không có trong biểu mẫu"] for name in sent if name not in record_type.by_name}
    if unknown:
        raise VALIDATION_FAILED(fields=unknown)

    stale = base_version != row["version"]
    if stale:
        base = batch.base_data(row["id"], base_version)
        changes = _device_changes(batch.user, record_type, base, sent)
        to_apply, conflicting = merge.classify_stale_update(base, row["data"], changes)
        if conflicting:
            return _open_conflict(batch, row, base_version, mutation, conflicting, changes)
        outcome = _applied_changes(batch.user, record_type, row["data"], to_apply)
    else:
        prepared = batch.prepared.get(mutation["mutation_id"])
        if (
            isinstance(prepared, PreparedUpdate)
            and prepared.version == row["version"]
            and prepared.version_hash == row["version_hash"]
        ):
            outcome = prepared.outcome
            if isinstance(outcome, ApiError):
                raise outcome
        else:
            outcome = _current_update(batch.user, record_type, row["data"], sent)
    if outcome is None:
        # Nothing left to change (same values on both sides): the server already holds the result.
        return {"status": "merged" if stale else "applied", "record_id": row["id"], "version": row["version"]}
    new_data, changed = outcome
    batch.add_version(
        row,
        action="update",
        data=new_data,
        changed=changed,
        mutation_id=mutation["mutation_id"],
        review_state=workflow.state_after_edit(row["review_state"]),
        review_comment=row["review_comment"],
    )
    return {"status": "merged" if stale else "applied", "record_id": row["id"], "version": row["version"]}


def _device_changes(user, record_type, base, sent):
    """The fields the device really changes from its base, as normalised values."""
    # The device's whole proposal must pass as a change from its base; this also normalises its values.
    proposed = record_changes.checked_data(user, record_type, base, merge.apply_changes(base, sent))
    return merge.device_changes(base, proposed, sent.keys())


def _applied_changes(user, record_type, data, to_apply):
    """(new data, changed names) once these changes are applied to the record's data, or None
    when there are none. What the merge keeps must pass as a change from the record as it is."""
    if not to_apply:
        return None
    return record_changes.checked_data(user, record_type, data, merge.apply_changes(data, to_apply)), to_apply.keys()


def _current_update(user, record_type, data, sent):
    """An update whose base is the record's current data: as _applied_changes, or an ApiError."""
    return _applied_changes(user, record_type, data, _device_changes(user, record_type, data, sent))


def _delete(batch, row, base_version, mutation):
    stale = base_version != row["version"]
    if stale and merge.changed_fields(batch.base_data(row["id"], base_version), row["data"]):
        # The server changed the record after the device last saw it: a person decides.
        conflicting = [{"name": "deleted", "base": False, "server": False, "device": True}]
        return _open_conflict(batch, row, base_version, mutation, conflicting, {"deleted": True})
    batch.add_version(row, action="delete", deleted=True, mutation_id=mutation["mutation_id"])
    return {"status": "merged" if stale else "applied", "record_id": row["id"], "version": row["version"]}


def _open_conflict(batch, row, base_version, mutation, conflicting, proposal):
    conflict_id = str(uuid.uuid4())
    batch.conflicts.append(
        {
            "id": conflict_id,
            "record_id": row["id"],
            "commune_id": row["commune_id"],
            "device_id": batch.device.id,
            "user_id": batch.user.id,
            "mutation_id": mutation["mutation_id"],
            "base_version": base_version,
            "server_version": row["version"],
            "fields": conflicting,
            "proposal": proposal,
            "state": "open",
            "opened_at": batch.now,
        }
    )
    # The record keeps its version; the flag changes (and the row its stamp), so devices pull it again.
    row["has_conflict"] = True
    batch.touch(row)
    return {"status": "conflict", "record_id": row["id"], "version": row["version"], "conflict_id": conflict_id}
