"""The disk fills up (issue 7, item 4): SQLite on a tmpfs of 8 MiB, under a real gunicorn.

A device streams batches until the database cannot grow. Every write is then refused whole
with 503 `storage_full` in the envelope (Vietnamese message, Retry-After), and leaves nothing
behind: not the batch, not a review, not the review's audit entry or notification, not a failed
login's. Reads go on (a pull, the record list, /healthz), and the database stays sound
(`PRAGMA integrity_check`). Once space is freed, the device's retries (same batch, same
mutation ids) converge exactly once, and the review, sent again, is written with one audit
entry and one notification, delivered once.
"""

import os
import random
import sqlite3
import time
import uuid

import pytest
import requests

from tests.helpers import PASSWORD, Caller, body_of, vneid_data
from tests.ops.conftest import prepare, shared_secrets
from tests.ops.stream import (
    StreamingDevice,
    check_acknowledged_as_planned,
    check_written_as_planned,
    plan_for,
    wait_for,
)
from tests.push.conftest import Browser, PushService
from tests.sync.live_server import LiveServer
from tests.sync.test_crash_recovery import check_records_as_planned

pytestmark = pytest.mark.slow
STREAM_SECONDS = 90
REFUSED_PUSHES = 3


def _storage_full(response):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["code"] == "storage_full" and "hết dung lượng" in error["message"], error
    assert int(response.headers["Retry-After"]) > 0


def _query(path, sql, *args):
    """A read of the live database, from a connection of the test's own."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def _fill(folder):
    """A file taking every free byte. (All of them: a write that fails part way leaves the space
    it took in the WAL file, which the next, smaller write would then use.)"""
    stat = os.statvfs(folder)
    filler = folder / "filler"
    with open(filler, "wb") as out:
        os.posix_fallocate(out.fileno(), 0, stat.f_bavail * stat.f_frsize)
    assert os.statvfs(folder).f_bavail == 0
    return filler


def test_a_full_disk_refuses_writes_whole_keeps_serving_reads_and_recovers(tiny_disk, tmp_path):
    started = time.monotonic()
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    database = tiny_disk / "sotay.sqlite3"
    prepare(f"sqlite:///{database}", tmp_path)
    push_service = PushService()
    # Test only: the push service the phones subscribe to listens on loopback.
    environment = {**shared_secrets(), "SOTAY_TEST_PUSH_LOOPBACK": "1"}
    server = LiveServer(f"sqlite:///{database}", tmp_path / "instance", tmp_path, workers=2, extra_env=environment)
    try:
        server.start()
        caller = Caller(requests.Session(), "vol.qt1", base_url=server.base_url)
        other_phone = Caller(requests.Session(), "vol.qt1", base_url=server.base_url)
        police = Caller(requests.Session(), "police.qt", base_url=server.base_url)
        phone_browser = Browser(push_service)
        assert other_phone.post("/push/subscriptions", json=phone_browser.subscription()).status_code == 201
        author = Caller(requests.Session(), "vol.qt1", base_url=server.base_url)
        village = author.user["villages"][0]["id"]
        [created] = author.push_ok([author.create("vneid_activation", village, vneid_data())])
        record_id = created["record_id"]
        review = {"action": "needs_changes", "comment": "Thiếu ảnh CCCD", "base_version": 1}

        plan = plan_for(caller, rng)
        device = StreamingDevice(caller, plan, [server.base_url], time.monotonic() + STREAM_SECONDS)
        device.start()
        wait_for(lambda: len(device.acknowledged) >= 3 or not device.is_alive(), 30, "a few batches")
        filler = _fill(tiny_disk)
        wait_for(
            lambda: len(device.failures) >= REFUSED_PUSHES or not device.is_alive(),
            60,
            "pushes refused on the full disk",
        )
        device.pause()
        full_at = len(device.acknowledged)
        assert full_at < len(plan.batches), "the disk never filled"

        # Full: every write is refused whole, and says why.
        _storage_full(police.post(f"/records/{record_id}/review", json=review))
        for password in ("sai-mat-khau", PASSWORD):  # refused alike: the answer tells nothing of the password
            _storage_full(
                requests.post(
                    f"{server.base_url}/api/v1/auth/login",
                    timeout=30,
                    json={"username": "vol.qt2", "password": password, "device_id": str(uuid.uuid4())},
                )
            )
        # Reads go on: a pull (this phone's first, which would note its sync time), the list, health.
        records, _, _ = other_phone.pull_all()
        assert record_id in records and records[record_id]["version"] == 1
        assert other_phone.get("/records").status_code == 200
        assert requests.get(f"{server.base_url}/healthz", timeout=30).status_code == 200
        # Nothing of the refused writes is there, and the file is sound.
        assert _query(database, "PRAGMA integrity_check") == [("ok",)]
        assert _query(database, "SELECT version, review_state FROM records WHERE id = ?", record_id) == [
            (1, "submitted")
        ]
        assert _query(database, "SELECT count(*) FROM audit_log WHERE action IN ('record.review', 'login_failed')") == [
            (0,)
        ]
        assert _query(database, "SELECT count(*) FROM notifications") == [(0,)]
        assert _query(
            database, "SELECT count(*) FROM devices WHERE user_id = (SELECT id FROM users WHERE username = 'vol.qt2')"
        ) == [(0,)]

        # Space is freed: the device's retries and the review go through.
        filler.unlink()
        device.resume()
        device.join(timeout=max(1.0, device.deadline - time.monotonic()) + 5)
        assert device.error is None, (f"seed {seed}", device.error, server.log_tail())
        response = police.post(f"/records/{record_id}/review", json=review)
        assert response.status_code == 200, body_of(response)

        refused = [f for f in device.failures if f[0] == "push"]
        assert len(refused) >= REFUSED_PUSHES and len(refused) == len(device.failures), device.failures[:3]
        for what, index, status, body, headers in device.failures:
            assert (status, body["error"]["code"]) == (503, "storage_full"), (what, index, status, body)
            assert "hết dung lượng" in body["error"]["message"] and int(headers["Retry-After"]) > 0
        check_acknowledged_as_planned(device)
        for index, batch in enumerate(plan.batches):
            assert caller.push_ok(batch) == device.acknowledged[index]["results"], (f"seed {seed}", index)
        check_written_as_planned(f"sqlite:///{database}", [device])
        device.pull()
        assert set(device.replica) == set(plan.records) | {record_id}
        check_records_as_planned(device.replica, plan)
        assert _query(database, "PRAGMA integrity_check") == [("ok",)]

        # The review: one audit entry, one notification, delivered once.
        assert _query(
            database, "SELECT count(*) FROM audit_log WHERE action = 'record.review' AND target_id = ?", record_id
        ) == [(1,)]
        [request] = push_service.wait_for(phone_browser.endpoint)
        assert phone_browser.decrypt(request)["record_id"] == record_id
        wait_for(
            lambda: _query(database, "SELECT sent_at IS NOT NULL, attempts FROM notifications") == [(1, 1)],
            15,
            "the notification marked sent",
        )
        assert len(push_service.to(phone_browser.endpoint)) == 1
    finally:
        server.close()
        push_service.close()
    print(
        f"\n[sqlite on tmpfs] seed {seed}: full after batch {full_at} of {len(plan.batches)}, "
        f"{len(device.failures)} pushes refused, total {time.monotonic() - started:.1f} s"
    )
