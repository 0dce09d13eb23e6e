"""Apply a device's batch of mutations exactly once, in one transaction: read what the batch
needs, decide (server/sync/decide.py), write.

Each mutation's outcome is stored in the mutation log in the same transaction as its effect, so
a crash at any point leaves either both or neither, and a retry returns the stored outcome.

What a mutation says on its own (for a create, its validated data, record row and first
version) is worked out before the transaction begins: on SQLite the transaction holds the one
write lock, and whatever runs inside it waits for every other device's push. The transaction
takes its stamp first (on SQLite, the lock), so that nothing it reads can change before it
writes; then it reads the device's last mutation, the stored outcomes of the batch's mutation
ids, the records it names and the history versions its stale mutations start from (four
statements); each mutation is decided once, against those; and the writes are a few
executemany statements.
"""

from sqlalchemy import bindparam, insert, select, update

from server.auth.scope import creatable_village_ids
from server.bulk_insert import BulkInsert
from server.extensions import db
from server.models import Conflict, Device, Mutation
from server.push.service import notify_conflicts_opened
from server.records import store
from server.sync import decide
from server.sync.cursor import transaction_stamp
from server.timeutil import utcnow

MUTATION_TABLE = Mutation.__table__
LOG_INSERT = BulkInsert(MUTATION_TABLE)
CONFLICT_TABLE = Conflict.__table__
# What a push reads of a record it may change (scope, checks, merge, next version, the report day
# of a record counted on the day it arrived), and what it may write back: it never changes a
# record's type, place, author or review.
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
WRITTEN_COLUMNS = (
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
)
DEVICE_TABLE = Device.__table__
DEVICE_LAST_MUTATION = (
    select(DEVICE_TABLE.c.last_mutation_id).where(DEVICE_TABLE.c.id == bindparam("device_id")).with_for_update()
)
DEVICE_SYNCED = (
    update(DEVICE_TABLE)
    .where(DEVICE_TABLE.c.id == bindparam("device_id"))
    .values(last_mutation_id=bindparam("last"), last_sync_at=bindparam("now"), last_seen_at=bindparam("now"))
)
STORED_OUTCOMES = select(MUTATION_TABLE).where(
    MUTATION_TABLE.c.device_id == bindparam("device_id"),
    MUTATION_TABLE.c.mutation_id.in_(bindparam("ids", expanding=True)),
)
# The JavaScript client counts mutations in plain numbers: keep ids exact there.
MAX_MUTATION_ID = 2**53 - 1


def actor_of(user, device_id):
    return decide.Actor(
        id=user.id,
        role=user.role,
        commune_id=user.commune_id,
        village_ids=frozenset(user.village_ids),
        creatable_village_ids=frozenset(creatable_village_ids(user)),
        device_id=device_id,
    )


def apply_push(user, device, mutations):
    """Apply the mutations (already checked for ids and order); return the per-mutation results
    and the device's last mutation id."""
    actor = actor_of(user, device.id)
    arrived = utcnow()
    checked = [decide.check(actor, mutation, arrived) for mutation in mutations]
    stamp = transaction_stamp(db.session)
    # One push at a time per device: a retry racing its original waits and then replays.
    last = db.session.execute(DEVICE_LAST_MUTATION, {"device_id": device.id}).scalar_one()
    now = utcnow()
    plan = decide.decide(actor, checked, _stored(device.id, checked), now)
    _write(plan, stamp, user)
    last = max([last, *(m["mutation_id"] for m in mutations)])
    db.session.execute(DEVICE_SYNCED, {"device_id": device.id, "last": last, "now": now})
    return plan.results, last


def _stored(device_id, checked):
    ids = [item.mutation["mutation_id"] for item in checked]
    outcomes = {
        row["mutation_id"]: row
        for row in db.session.execute(STORED_OUTCOMES, {"device_id": device_id, "ids": ids}).mappings()
    }
    fresh = [item for item in checked if item.mutation["mutation_id"] not in outcomes]
    records = store.load_for_update({item.record_id for item in fresh if item.record_id}, columns=RECORD_COLUMNS)
    bases = store.data_at_versions(decide.stale_bases(fresh, records))
    return decide.Stored(records=records, bases=bases, outcomes=outcomes)


def _write(plan, stamp, user):
    store.save(
        created=list(plan.created.values()),
        updated=list(plan.updated.values()),
        versions=plan.versions,
        columns=WRITTEN_COLUMNS,
    )
    store.save(updated=list(plan.flagged.values()), columns=("has_conflict",))
    connection = db.session.connection()
    if plan.conflicts:
        connection.execute(insert(CONFLICT_TABLE), plan.conflicts)
        # The commune's admins hear of them: one SELECT and one INSERT for the whole batch.
        notify_conflicts_opened(plan.conflicts, plan.records, user)
    if plan.log:
        LOG_INSERT.execute(connection, plan.log, change_xid=stamp)
