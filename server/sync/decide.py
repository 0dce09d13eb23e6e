"""What happens to each mutation of a push. Pure: no database, no request.

Given the batch, the records it names as stored, the data of the versions its stale mutations
start from, and the stored outcomes of this device's earlier mutations, `decide` says for each
mutation, in order: the stored answer repeated, `mutation_mismatch` (the id was used for other
content), a create, an update (applied, merged with a newer server version, or nothing left to
change), a delete, a conflict, or a rejection with the catalogue's error. A mutation sees the
effects of those before it in the batch. The answer comes with what to write: the record rows as
they end up, their new versions (hash-chained), the conflicts and the mutation log.

`check` is the part of a mutation's decision that reads nothing stored: its op and record id,
and for a create its type, village and data, and the record row and first version it writes if
its id is free. server/sync/push.py runs it before the write transaction begins (on SQLite,
before the write lock), and `decide` uses what it found.

A rejected mutation is an answer, not a failure: it is logged like the others (so a retry gets
the same answer) and the mutations after it go on.
"""

import hashlib
import uuid
from dataclasses import dataclass, field

import orjson

from server.auth.scope import can_edit, can_read, may_change_locked
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
from server.forms import changes as record_changes, registry
from server.records import store, workflow
from server.sync import merge
from server.timeutil import parse_iso

OPS = ("create", "update", "delete")


@dataclass(frozen=True)
class Actor:
    """Who pushes, as the checks read it: the user (id, role, commune, villages, the villages it
    may create records in) and the device."""

    id: int
    role: str
    commune_id: int | None
    village_ids: frozenset
    creatable_village_ids: frozenset
    device_id: str


@dataclass(frozen=True)
class Checked:
    """A mutation as `check` found it. `problem` is why it is rejected, as far as can be told
    without the store (for a create, once its id is known to be free); a valid create's `row` and
    `version` are what it writes: its record row at version 1 and that version, hash-chained to
    the genesis hash."""

    mutation: dict
    digest: str
    record_id: str | None
    problem: ApiError | None = None
    row: dict | None = None
    version: dict | None = None


@dataclass
class Stored:
    """What a batch needs from the database: `records`, the current rows of the records its
    mutations name, by id, whatever the caller's scope (a create must know an id is taken
    anywhere); `bases`, (record id, version) -> data, of the versions its stale updates and
    deletes start from; `outcomes`, mutation id -> the stored outcome (a mutation log row) of this
    device's mutations in the batch that were applied before."""

    records: dict
    bases: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)


@dataclass
class Plan:
    """The answer to each mutation, in order, and what to write for them."""

    results: list = field(default_factory=list)
    # the batch's record rows by id, as they end up (loaded and created)
    records: dict = field(default_factory=dict)
    created: dict = field(default_factory=dict)
    # loaded records given a new version; `flagged`: those that only got a conflict
    updated: dict = field(default_factory=dict)
    flagged: dict = field(default_factory=dict)
    versions: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    log: list = field(default_factory=list)


def payload_hash(mutation):
    return hashlib.sha256(orjson.dumps(mutation, option=orjson.OPT_SORT_KEYS)).hexdigest()


def record_id_of(mutation):
    """The mutation's record id as a canonical UUID, or None when it is not one."""
    value = mutation.get("record_id")
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) and len(value) <= 36 else None
    except ValueError:
        return None


def base_version_of(mutation):
    """The update's or delete's base version when it is a whole number, else None."""
    value = mutation.get("base_version")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check(actor, mutation, now):
    """What can be told of a mutation on its own: its hash, its record id, and why it is rejected,
    if it is, before the store is asked (an op that does not exist, a record id that is none; for a
    create its type, village and data, with its data validated). A valid create's record and first
    version are made at `now`, when the server took the batch in: a first version has no earlier
    one to follow, and every later version is made after it."""
    digest, record_id = payload_hash(mutation), record_id_of(mutation)
    op = mutation.get("op")
    if op not in OPS:
        return Checked(mutation, digest, record_id, UNKNOWN_OP(fields={"op": ["Giá trị không hợp lệ"]}))
    if record_id is None:
        problem = VALIDATION_FAILED("Mã bản ghi không hợp lệ", fields={"record_id": ["Phải là UUID"]})
        return Checked(mutation, digest, None, problem)
    if op != "create":
        return Checked(mutation, digest, record_id)
    try:
        record_type, data = _checked_create(actor, mutation)
    except ApiError as problem:
        return Checked(mutation, digest, record_id, problem)
    row = store.new_record_row(
        record_id=record_id,
        record_type=record_type.type,
        commune_id=actor.commune_id,
        village_id=mutation["village_id"],
        user_id=actor.id,
        device_id=actor.device_id,
        now=now,
        client_time=_client_time(mutation.get("client_time")),
    )
    version = store.new_version(
        row,
        action="create",
        user_id=actor.id,
        device_id=actor.device_id,
        now=now,
        data=data,
        changed=data.keys(),
        mutation_id=mutation["mutation_id"],
    )
    return Checked(mutation, digest, record_id, row=row, version=version)


def _checked_create(actor, mutation):
    record_type = registry.get(mutation.get("type"))
    if record_type is None:
        raise UNKNOWN_TYPE(fields={"type": ["Giá trị không hợp lệ"]})
    village_id = mutation.get("village_id")
    if not isinstance(village_id, int) or isinstance(village_id, bool) or village_id not in actor.creatable_village_ids:
        raise VILLAGE_NOT_ALLOWED(fields={"village_id": ["Thôn không thuộc phạm vi của bạn"]})
    data = mutation.get("data")
    if not isinstance(data, dict):
        raise VALIDATION_FAILED("Dữ liệu không hợp lệ", fields={"data": ["Phải là một đối tượng JSON"]})
    return record_type, record_changes.checked_data(actor, record_type, None, data)


def stale_bases(checked, records):
    """The (record id, version) pairs whose data `decide` needs from the history: the bases of the
    updates and deletes older than their record's stored version."""
    pairs = set()
    for item in checked:
        row = records.get(item.record_id)
        base_version = base_version_of(item.mutation)
        if row is not None and base_version is not None and 1 <= base_version < row["version"]:
            pairs.add((item.record_id, base_version))
    return pairs


def decide(actor, checked, stored, now, new_id=lambda: str(uuid.uuid4())):
    """The Plan for a batch: `checked` its mutations (from `check`), in order; `now` the time
    the batch's changes of stored records, its conflicts and log rows are made at; `new_id` gives
    conflict ids."""
    batch = _Batch(actor, now, new_id, stored)
    for item in checked:
        mutation = item.mutation
        outcome = stored.outcomes.get(mutation["mutation_id"])
        if outcome is not None:
            batch.plan.results.append(_replayed(outcome, item))
            continue
        try:
            result = _decided(batch, item)
        except ApiError as rejection:
            result = {"status": "rejected", "record_id": echoed_record_id(mutation), "error": rejection.body()["error"]}
        result = {"mutation_id": mutation["mutation_id"], **result}
        batch.plan.results.append(result)
        batch.plan.log.append(_log_row(actor, item, result, now))
    return batch.plan


def echoed_record_id(mutation):
    """The record id as the device sent it, when it can be stored (the replay must say the same)."""
    value = mutation.get("record_id")
    return value if isinstance(value, str) and len(value) <= 64 and "\x00" not in value else None


def _replayed(outcome, item):
    mutation = item.mutation
    if outcome["payload_hash"] != item.digest:
        return {
            "mutation_id": mutation["mutation_id"],
            "status": "rejected",
            "record_id": echoed_record_id(mutation),
            "error": MUTATION_MISMATCH().body()["error"],
        }
    result = {"mutation_id": outcome["mutation_id"], "status": outcome["status"], "record_id": outcome["record_id"]}
    for name in ("version", "conflict_id", "error"):
        if outcome[name] is not None:
            result[name] = outcome[name]
    return result


def _log_row(actor, item, result, now):
    op = item.mutation.get("op")
    return {
        "device_id": actor.device_id,
        "mutation_id": item.mutation["mutation_id"],
        "user_id": actor.id,
        "op": op if op in OPS else "invalid",
        "record_id": result["record_id"],
        "payload_hash": item.digest,
        "status": result["status"],
        "version": result.get("version"),
        "conflict_id": result.get("conflict_id"),
        "error": result.get("error"),
        "created_at": now,
    }


class _Batch:
    """The records as they stand while a batch is decided, and the plan so far."""

    def __init__(self, actor, now, new_id, stored):
        self.actor, self.now, self.new_id = actor, now, new_id
        # Copies: the rows are changed as the batch goes, the stored ones are left as they were read.
        self.plan = Plan(records={record_id: dict(row) for record_id, row in stored.records.items()})
        # (record id, version) -> data: the stored bases, the stored rows and each version made here
        self.data_at = dict(stored.bases)
        self.data_at.update(((row["id"], row["version"]), row["data"]) for row in stored.records.values())

    def add_version(self, row, **changes):
        """Advance `row` to its next version (store.new_version) and keep it for writing."""
        plan = self.plan
        plan.versions.append(
            store.new_version(row, user_id=self.actor.id, device_id=self.actor.device_id, now=self.now, **changes)
        )
        self.data_at[(row["id"], row["version"])] = row["data"]
        if row["id"] not in plan.created:
            plan.flagged.pop(row["id"], None)
            plan.updated[row["id"]] = row

    def flag_conflict(self, row):
        # The record keeps its version; the flag changes (and the row its stamp), so devices pull it again.
        row["has_conflict"] = True
        plan = self.plan
        if row["id"] not in plan.created and row["id"] not in plan.updated:
            plan.flagged[row["id"]] = row


def _decided(batch, item):
    """The result of one new mutation; raises ApiError for a rejection."""
    op, record_id = item.mutation.get("op"), item.record_id
    if op not in OPS or record_id is None:
        raise item.problem
    if op == "create":
        return _create(batch, item)
    row = _existing_for_change(batch, record_id)
    base_version = base_version_of(item.mutation)
    if base_version is None or not 1 <= base_version <= row["version"]:
        raise VALIDATION_FAILED(
            "Phiên bản gốc không hợp lệ", fields={"base_version": [f"Phải là số nguyên từ 1 đến {row['version']}"]}
        )
    if op == "update":
        return _update(batch, row, base_version, item.mutation)
    return _delete(batch, row, base_version, item.mutation)


def _create(batch, item):
    if item.record_id in batch.plan.records:
        raise DUPLICATE_RECORD()
    if item.problem is not None:
        raise item.problem
    # A copy: later mutations of the batch may change the row.
    row = dict(item.row)
    batch.plan.records[row["id"]] = batch.plan.created[row["id"]] = row
    batch.plan.versions.append(item.version)
    batch.data_at[(row["id"], row["version"])] = row["data"]
    return {"status": "applied", "record_id": row["id"], "version": row["version"]}


def _client_time(value):
    try:
        parse_iso(value)
    except (TypeError, ValueError):
        return None
    return value


def _existing_for_change(batch, record_id):
    row = batch.plan.records.get(record_id)
    actor = batch.actor
    if row is None or not can_read(actor, row):
        raise NOT_FOUND("Không tìm thấy bản ghi")
    if not can_edit(actor, row):
        raise FORBIDDEN("Bạn không có quyền sửa bản ghi này")
    if row["deleted"]:
        raise RECORD_DELETED()
    if not may_change_locked(actor) and row["review_state"] in workflow.LOCKED_STATES:
        raise RECORD_LOCKED()
    return row


def _update(batch, row, base_version, mutation):
    record_type = registry.get(row["type"])
    sent = mutation.get("data")
    if not isinstance(sent, dict) or not sent:
        raise VALIDATION_FAILED("Không có trường nào để sửa", fields={"data": ["Phải là một đối tượng JSON"]})
    unknown = {name: ["Trường này không có trong biểu mẫu"] for name in sent if name not in record_type.by_name}
    if unknown:
        raise VALIDATION_FAILED(fields=unknown)
    actor, stale = batch.actor, base_version != row["version"]
    base = batch.data_at[(row["id"], base_version)]
    # The device's whole proposal must pass as a change from its base; this also normalises its values.
    proposed = record_changes.checked_data(actor, record_type, base, merge.apply_changes(base, sent))
    changes = merge.device_changes(base, proposed, sent.keys())
    if stale:
        to_apply, conflicting = merge.classify_stale_update(base, row["data"], changes)
        if conflicting:
            return _open_conflict(batch, row, base_version, mutation, conflicting, changes)
        # What the merge keeps must pass as a change from the record as it is now.
        new_data = (
            record_changes.checked_data(actor, record_type, row["data"], merge.apply_changes(row["data"], to_apply))
            if to_apply
            else None
        )
    else:
        # From the current version, the proposal is that change, already checked as such.
        to_apply, new_data = changes, proposed if changes else None
    status = "merged" if stale else "applied"
    if new_data is not None:
        batch.add_version(
            row,
            action="update",
            data=new_data,
            changed=to_apply.keys(),
            mutation_id=mutation["mutation_id"],
            review_state=workflow.state_after_edit(row["review_state"]),
            review_comment=row["review_comment"],
        )
    # Nothing left to change (same values on both sides): the server already holds the result.
    return {"status": status, "record_id": row["id"], "version": row["version"]}


def _delete(batch, row, base_version, mutation):
    stale = base_version != row["version"]
    if stale and merge.changed_fields(batch.data_at[(row["id"], base_version)], row["data"]):
        # The server changed the record after the device last saw it: a person decides.
        conflicting = [{"name": "deleted", "base": False, "server": False, "device": True}]
        return _open_conflict(batch, row, base_version, mutation, conflicting, {"deleted": True})
    batch.add_version(row, action="delete", deleted=True, mutation_id=mutation["mutation_id"])
    return {"status": "merged" if stale else "applied", "record_id": row["id"], "version": row["version"]}


def _open_conflict(batch, row, base_version, mutation, conflicting, proposal):
    conflict_id = batch.new_id()
    batch.plan.conflicts.append(
        {
            "id": conflict_id,
            "record_id": row["id"],
            "commune_id": row["commune_id"],
            "device_id": batch.actor.device_id,
            "user_id": batch.actor.id,
            "mutation_id": mutation["mutation_id"],
            "base_version": base_version,
            "server_version": row["version"],
            "fields": conflicting,
            "proposal": proposal,
            "state": "open",
            "opened_at": batch.now,
        }
    )
    batch.flag_conflict(row)
    return {"status": "conflict", "record_id": row["id"], "version": row["version"], "conflict_id": conflict_id}
