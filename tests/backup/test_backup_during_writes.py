"""`flask backup` while devices keep pushing to a real server, then `flask restore` into a fresh
database: the copy is one moment of the database. Everything acknowledged before the backup
began is there; every record, version, mutation and conflict it holds is identical, row by
row, to the live one (a record at an older version is that version of the live history);
each push is there whole or not at all; and the history's hash chain verifies."""

import re
import threading
import time
from collections import defaultdict

import requests
from sqlalchemy import create_engine, select, text

from server import create_app
from server.config import database_url
from server.extensions import db
from server.records.integrity import broken_chains
from tests.helpers import Caller, propaganda_data, update
from tests.sync.live_server import LiveServer

WRITERS = ("vol.qt1", "vol.qt2", "police.qt")
THON_1 = 1


def _write(caller, stop, acknowledged):
    """Pushes batches until told to stop: two creates; the previous batch's creates updated
    (applied); the previous batch's updates sent again from version 1 with another value
    (a conflict). Notes (time answered, mutation ids) of each push."""
    created, updated = [], []
    while not stop.is_set():
        batch = [caller.create("propaganda_session", THON_1, propaganda_data(people_reached=1)) for _ in range(2)]
        batch += [update(record_id, 1, {"people_reached": 2}) for record_id in created]
        batch += [update(record_id, 1, {"people_reached": 3}) for record_id in updated]
        results = caller.push_ok(batch)
        acknowledged.append((time.monotonic(), [r["mutation_id"] for r in results]))
        statuses = [r["status"] for r in results]
        assert statuses == ["applied"] * (2 + len(created)) + ["conflict"] * len(updated), results
        created, updated = [m["record_id"] for m in batch[:2]], created


def _app_on(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def _rows(engine, table, key):
    with engine.connect() as connection:
        return {
            tuple(row[k] for k in key): dict(row)
            for row in connection.execute(select(db.metadata.tables[table])).mappings()
        }


def test_a_backup_taken_while_devices_push_restores_one_consistent_moment(
    backend, live_server, fresh_database, new_postgres_database, tmp_path
):
    server = live_server(backend)
    sessions = [requests.Session() for _ in WRITERS]
    writers = {
        name: Caller(session, name, base_url=server.base_url) for name, session in zip(WRITERS, sessions, strict=True)
    }
    stop = threading.Event()
    acknowledged = {name: [] for name in WRITERS}
    failures = []

    def run(name):
        try:
            _write(writers[name], stop, acknowledged[name])
        except Exception as err:  # noqa: BLE001 - reported by the test below
            failures.append(err)

    threads = [threading.Thread(target=run, args=(name,)) for name in WRITERS]
    for thread in threads:
        thread.start()
    try:
        while min(len(a) for a in acknowledged.values()) < 3 and not failures:
            time.sleep(0.05)
        began = time.monotonic()
        backup_file = tmp_path / "sotay.backup"
        output = server.flask("backup", str(backup_file)).stdout
        ended = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        for session in sessions:
            session.close()
    assert not failures, failures
    assert "Đã sao lưu và kiểm tra" in output
    assert backup_file.stat().st_mode & 0o777 == 0o600  # personal data: its owner's eyes only
    during = [ids for name in WRITERS for at, ids in acknowledged[name] if began < at < ended]
    assert during, "no push was answered while the backup ran"

    live_url = server.database_url
    if backend == "sqlite":
        restored_url = fresh_database("sqlite")
    else:
        with create_engine(database_url(live_url)).connect() as connection:
            restored_url = new_postgres_database(connection.execute(text("SELECT current_schema()")).scalar_one())
    restored = LiveServer(restored_url, tmp_path / "restored-instance", tmp_path)
    assert "Đã khôi phục" in restored.flask("restore", str(backup_file)).stdout
    with _app_on(restored_url).app_context():
        assert list(broken_chains()) == []  # what `flask verify-history` checks
        db.engine.dispose()

    live_engine, restored_engine = create_engine(database_url(live_url)), create_engine(database_url(restored_url))
    try:
        tables = {
            table: (_rows(live_engine, table, key), _rows(restored_engine, table, key))
            for table, key in [
                ("records", ["id"]),
                ("record_versions", ["record_id", "version"]),
                ("mutations", ["device_id", "mutation_id"]),
                ("conflicts", ["id"]),
            ]
        }
    finally:
        live_engine.dispose()
        restored_engine.dispose()
    records, versions, mutations, conflicts = (
        tables[t] for t in ("records", "record_versions", "mutations", "conflicts")
    )

    # The summary counts what the copy holds (on PostgreSQL, counted in pg_dump's own snapshot).
    summary = re.search(r"Gồm: (\d+) bản ghi .*?, (\d+) phiên bản, (\d+) xung đột .*?, (\d+) thao tác", output)
    assert tuple(map(int, summary.groups())) == (
        len(records[1]),
        len(versions[1]),
        len(conflicts[1]),
        len(mutations[1]),
    )
    # Everything answered before the backup began is in it.
    device_of = {name: caller.device_id for name, caller in writers.items()}
    before = {(device_of[name], mid) for name in WRITERS for at, ids in acknowledged[name] if at < began for mid in ids}
    assert before <= set(mutations[1])
    # Each device's mutations up to some point, none after: one moment, not a mixture.
    by_device = defaultdict(set)
    for device_id, mutation_id in mutations[1]:
        by_device[device_id].add(mutation_id)
    assert all(ids == set(range(1, max(ids) + 1)) for ids in by_device.values())

    # Identical, row by row, to the live database: history, mutation log and conflicts are
    # append-only here (nobody resolves), records are at their version of the live history.
    for live, copy in (versions, mutations, conflicts):
        assert set(copy) <= set(live)
        assert all(copy[key] == live[key] for key in copy)
    flagged = {c["record_id"] for c in conflicts[1].values() if c["state"] == "open"}
    for (record_id,), row in records[1].items():
        live_row = records[0][(record_id,)]
        at_version = versions[0][(record_id, row["version"])]
        assert (row["data"], row["version_hash"]) == (at_version["data"], at_version["hash"])
        # A conflict opened after the backup flags the live record without a new version.
        assert row["has_conflict"] == (record_id in flagged)
        if row["version"] == live_row["version"]:
            assert {k: v for k, v in row.items() if k not in ("has_conflict", "change_xid")} == {
                k: v for k, v in live_row.items() if k not in ("has_conflict", "change_xid")
            }
    # Whole pushes: each mutation with its effect, and each effect with its mutation.
    effects = {(v["device_id"], v["mutation_id"]) for v in versions[1].values()}
    opened = {(c["device_id"], c["mutation_id"]) for c in conflicts[1].values()}
    assert effects == {k for k, m in mutations[1].items() if m["status"] == "applied"}
    assert opened == {k for k, m in mutations[1].items() if m["status"] == "conflict"}
    assert opened, "the backup holds no conflict"
