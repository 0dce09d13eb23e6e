"""PostgreSQL restored into a new cluster: the stamps in the restored rows are transaction ids
of the old cluster, and the new one's start again from a few hundred. Without the epoch's
offset (server/sync/cursor.py) pull would serve none of the restored records until the new
cluster's ids caught up, and would then skip changes. A private cluster (initdb, as the
postgres user when run as root) shows it does not."""

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bench.server import free_port
from server import backup, create_app
from server.extensions import db
from server.models import Record
from server.sync.cursor import PostgresClock
from tests.conftest import FAST_HASHING, FreshContextClient
from tests.helpers import Caller, propaganda_data

# Transaction ids the old cluster is at least this far ahead of a new one (~750 after initdb).
XID_LEAD = 5_000


def _binary(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    return found[-1]


@pytest.fixture(scope="module")
def new_cluster(backend):
    """A fresh PostgreSQL cluster on a loopback port: its connection URL, without a database."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only")
    if not (_binary("initdb") and _binary("pg_ctl")):
        pytest.skip("initdb and pg_ctl (the PostgreSQL server package) are needed for a private cluster")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="sotay-cluster-"))
    if as_postgres:
        shutil.chown(folder, "postgres")
    port = free_port()
    try:
        subprocess.run(
            [
                *as_postgres,
                _binary("initdb"),
                "-D",
                str(folder / "data"),
                "--auth=trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [
                *as_postgres,
                _binary("pg_ctl"),
                "-D",
                str(folder / "data"),
                "-w",
                "-t",
                "60",
                "-l",
                str(folder / "log"),
                "-o",
                f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_postgres, _binary("pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _burn_transaction_ids(count):
    """Moves the cluster's transaction ids on by `count` (each subtransaction that writes takes one)."""
    db.session.execute(
        text(f"""DO $$ BEGIN
        CREATE TEMP TABLE burn (x int);
        FOR i IN 1..{count} LOOP BEGIN INSERT INTO burn VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END; END LOOP;
        DROP TABLE burn; END $$""")
    )
    db.session.commit()


def _restore_into_new_cluster(migrated_app, new_cluster, tmp_path):
    """Records written in the old cluster, backed up and restored into a new database of the new
    cluster; returns (the restored app, the phone's records, the phone's device id)."""
    own = db.session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
    if own < XID_LEAD:
        _burn_transaction_ids(XID_LEAD - own)
    client = migrated_app.test_client()
    phone = Caller(client, "vol.qt1")
    sent = [phone.create("propaganda_session", 1, propaganda_data(people_reached=n)) for n in range(5)]
    phone.push_ok(sent)
    backup.backup(tmp_path / "old.backup", lambda line: None)
    schema = db.session.execute(text("SELECT current_schema()")).scalar_one()

    database = f"restore_{uuid.uuid4().hex[:10]}"
    subprocess.run(
        ["psql", "-X", "-q", "-d", f"{new_cluster}/postgres", "-c", f"CREATE DATABASE {database}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"{new_cluster}/{database}?options=-csearch_path%3D{schema}",
            "TESTING": True,
            **FAST_HASHING,
        }
    )
    app.test_client_class = FreshContextClient
    app.instance_path = str(tmp_path)
    with app.app_context():
        backup.restore(tmp_path / "old.backup", False, lambda line: None)
        restored_max = db.session.execute(select(func.max(Record.change_xid))).scalar()
        new_xid = db.session.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
        db.session.rollback()
    assert new_xid < restored_max, "the scenario needs a new cluster behind the old one"
    return app, {m["record_id"] for m in sent}, phone.device_id


def test_after_a_restore_into_a_new_cluster_pull_serves_the_restored_records_and_every_later_change(
    new_cluster, migrated_app, tmp_path
):
    app, restored, device_id = _restore_into_new_cluster(migrated_app, new_cluster, tmp_path)
    with app.app_context():
        phone = Caller(app.test_client(), "vol.qt1", device_id=device_id)
        records, cursor, _ = phone.pull_all()
        assert set(records) == restored
        later = phone.create("propaganda_session", 1, propaganda_data(people_reached=99))
        phone.push_ok([{**later, "mutation_id": 6}])  # numbered after the five it sent before
        page = phone.pull(cursor)
        assert [c["record"]["id"] for c in page["changes"]] == [later["record_id"]]
        assert page["last_mutation_id"] == 6
        db.session.remove()
        db.engine.dispose()


def test_without_the_offset_the_new_cluster_would_hide_them(new_cluster, migrated_app, tmp_path, monkeypatch):
    """The scenario is strong enough to catch a restore that does not move the stamps."""
    monkeypatch.setattr(PostgresClock, "offset_after_restore", lambda self, session: 0)
    app, restored, device_id = _restore_into_new_cluster(migrated_app, new_cluster, tmp_path)
    with app.app_context():
        phone = Caller(app.test_client(), "vol.qt1", device_id=device_id)
        records, cursor, _ = phone.pull_all()
        assert records == {}
        db.session.remove()
        db.engine.dispose()
