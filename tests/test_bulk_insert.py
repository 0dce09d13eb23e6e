"""server/bulk_insert.py hands the driver values it converted itself: what it stores must be
exactly what a Core INSERT stores, on each backend, for every table a push inserts into."""

from sqlalchemy import insert, select

from server.extensions import db
from server.models import Device, User
from server.records import store
from server.sync.push import LOG_INSERT, MUTATION_TABLE
from server.timeutil import utcnow


def _stored(table, where):
    """The row as the database driver returns it (dates and JSON as stored, before any processing),
    without the columns that differ between the two records (their ids, and hashes over them)."""
    columns = ", ".join(c.name for c in table.columns if c.name not in ("id", "record_id", "hash", "version_hash"))
    return db.session.connection().exec_driver_sql(f"SELECT {columns} FROM {table.name} WHERE {where}").one()


def _record_and_version(record_id, user, village_id, now):
    row = store.new_record_row(
        record_id=record_id,
        record_type="vneid_activation",
        commune_id=user.commune_id,
        village_id=village_id,
        user_id=user.id,
        device_id=None,
        now=now,
        client_time="2026-11-20T08:00:00+07:00",
    )
    data = {"full_name": "Nguyễn Thị Ánh", "personal_id": "001190012345", "activated": True, "note": None}
    version = store.new_version(
        row, action="create", user_id=user.id, now=now, data=data, changed=data.keys(), mutation_id=7
    )
    row.update(has_conflict=True, review_comment='Đủ "điều kiện"')
    return row, version


def test_bulk_inserts_store_what_core_stores(app, villages):
    user = db.session.execute(select(User).where(User.username == "vol.qt1")).scalar_one()
    device = Device(id="0c2d2a43-3f0e-4c3b-9d55-0d1b2c3e4f50", user_id=user.id)
    db.session.add(device)
    db.session.flush()
    now = utcnow()
    village_id = villages["Thôn 1"]
    core_id, driver_id = "6f1c7d0e-8a58-4b8e-9a0e-111111111111", "6f1c7d0e-8a58-4b8e-9a0e-222222222222"
    connection = db.session.connection()

    core_row, core_version = _record_and_version(core_id, user, village_id, now)
    connection.execute(insert(store.RECORD_TABLE), [{**core_row, "change_xid": 42}])
    connection.execute(insert(store.VERSION_TABLE), [core_version])
    driver_row, driver_version = _record_and_version(driver_id, user, village_id, now)
    store.RECORD_INSERT.execute(connection, [driver_row], change_xid=42)
    store.VERSION_INSERT.execute(connection, [driver_version])

    records, versions = store.RECORD_TABLE, store.VERSION_TABLE
    core, driver = _stored(records, f"id = '{core_id}'"), _stored(records, f"id = '{driver_id}'")
    assert driver == core
    assert _stored(versions, f"record_id = '{driver_id}'") == _stored(versions, f"record_id = '{core_id}'")

    log = {
        "device_id": device.id,
        "user_id": user.id,
        "op": "update",
        "record_id": core_id,
        "payload_hash": "ab" * 32,
        "status": "rejected",
        "version": None,
        "conflict_id": None,
        "error": {"code": "validation_failed", "fields": {"phone": ["Sai định dạng"]}},
        "change_xid": 42,
        "created_at": now,
    }
    connection.execute(insert(MUTATION_TABLE), [{**log, "mutation_id": 1}, {**log, "mutation_id": 2, "error": None}])
    shared = log.pop("change_xid")
    LOG_INSERT.execute(
        connection, [{**log, "mutation_id": 3}, {**log, "mutation_id": 4, "error": None}], change_xid=shared
    )
    stored = {
        row[1]: row[2:]
        for row in connection.exec_driver_sql(
            "SELECT device_id, mutation_id, user_id, op, record_id, payload_hash, status, version, conflict_id, "
            "error, change_xid, created_at FROM mutations ORDER BY mutation_id"
        )
    }
    assert stored[3] == stored[1] and stored[4] == stored[2]
    db.session.rollback()
