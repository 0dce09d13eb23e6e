"""PostgreSQL goes away and comes back during a sync run (issue 7, item 4).

A device streams batches to a real gunicorn (2 workers) on a PostgreSQL cluster of the test's
own, which is stopped twice in the middle of the stream: once `immediate` (every PostgreSQL
process quits at once, as in a crash) and once `fast` (clients are disconnected, open
transactions rolled back). While it is down every request that needs the database, /healthz
included, answers 503 `database_unavailable` in the envelope with Retry-After; the device keeps
sending its batch unchanged. When PostgreSQL is back the same workers (no restart) serve again
through their connection pool, the very first request included, even after a third restart
that no request saw. A lock that another session holds too long makes a push answer the same
503 rather than hang. The stream converges exactly once: every record at its planned version,
every batch applied whole by one transaction, replays answering as before.
"""

import random
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from server.config import database_url
from tests.helpers import Caller, body_of
from tests.ops.conftest import prepare
from tests.ops.stream import (
    StreamingDevice,
    check_acknowledged_as_planned,
    check_written_as_planned,
    plan_for,
    wait_for,
)
from tests.sync.live_server import LiveServer
from tests.sync.test_crash_recovery import check_records_as_planned

pytestmark = pytest.mark.slow
STREAM_SECONDS = 90
STOPS = ("immediate", "fast")
FAILED_ATTEMPTS_PER_OUTAGE = 3  # the device's pushes refused while PostgreSQL is down


def _workers(server):
    pid = server.process.pid
    return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


@contextmanager
def _device_row_locked(url, device_id):
    """Another session holds the device's row (as a stuck transaction would) until the block ends."""
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT id FROM devices WHERE id = :id FOR UPDATE"), {"id": device_id})
            yield
            connection.rollback()
    finally:
        engine.dispose()


def _wait_for_batches(device, count):
    wait_for(
        lambda: len(device.acknowledged) >= count or not device.is_alive(),
        STREAM_SECONDS,
        f"{count} acknowledged batches",
    )
    assert device.is_alive(), device.error


def _unavailable(response):
    """The answer while the database is down: 503 in the envelope, with Retry-After."""
    assert response.status_code == 503, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["code"] == "database_unavailable", error
    assert "cơ sở dữ liệu" in error["message"]
    assert int(response.headers["Retry-After"]) > 0


def test_a_sync_run_survives_postgresql_going_away_and_coming_back(private_postgres, tmp_path):
    started = time.monotonic()
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    cluster = private_postgres
    prepare(cluster.url, tmp_path)
    server = LiveServer(
        cluster.url, tmp_path / "instance", tmp_path, workers=2, extra_env={"DATABASE_LOCK_WAIT_SECONDS": "1"}
    )
    try:
        server.start()
        workers = _workers(server)
        caller = Caller(requests.Session(), "vol.qt1", base_url=server.base_url)
        reader = Caller(requests.Session(), "police.qt", base_url=server.base_url)
        plan = plan_for(caller, rng)
        device = StreamingDevice(caller, plan, [server.base_url], time.monotonic() + STREAM_SECONDS)
        device.start()
        # Failed attempts while PostgreSQL was up: counted from each start to the next stop.
        outages, failed_while_up, up_since = [], 0, 0
        points = iter(range(len(plan.batches) // 5, len(plan.batches), len(plan.batches) // 5))
        for mode in STOPS:
            _wait_for_batches(device, next(points))
            failed_while_up += len(device.failures) - up_since
            failed_before = len(device.failures)
            cluster.stop(mode)
            # Down: the device's pushes are refused, and so is everything else that needs the database.
            wait_for(
                lambda before=failed_before: (
                    len(device.failures) >= before + FAILED_ATTEMPTS_PER_OUTAGE or not device.is_alive()
                ),
                30,
                "pushes refused while PostgreSQL is down",
            )
            device.pause()
            _unavailable(requests.get(f"{server.base_url}/healthz", timeout=30))
            _unavailable(reader.get("/records"))
            _unavailable(
                requests.post(
                    f"{server.base_url}/api/v1/auth/login",
                    timeout=30,
                    json={"username": "vol.qt2", "password": "whatever", "device_id": caller.device_id},
                )
            )
            cluster.start()
            up_since = len(device.failures)
            outages.append({"mode": mode, "batch": len(device.acknowledged), "refused": up_since - failed_before})
            device.resume()
        # A blink: PostgreSQL restarts while nobody asks anything, so every connection pooled by
        # every worker is dead; each is found so before use (pool_pre_ping) and replaced.
        _wait_for_batches(device, next(points))
        device.pause()
        failed_while_up += len(device.failures) - up_since
        cluster.stop("immediate")
        cluster.start()
        up_since = len(device.failures)
        outages.append({"mode": "immediate, unseen", "batch": len(device.acknowledged), "refused": 0})
        device.resume()
        # A lock held elsewhere for longer than the app waits for it (DATABASE_LOCK_WAIT_SECONDS,
        # 1 s here): the push answers 503 instead of holding its worker until the lock goes.
        _wait_for_batches(device, next(points))
        device.pause()
        failed_while_up += len(device.failures) - up_since
        failed_before = len(device.failures)
        with _device_row_locked(cluster.url, caller.device_id):
            device.resume()
            wait_for(
                lambda: any(f[0] == "push" for f in device.failures[failed_before:]) or not device.is_alive(),
                30,
                "a push refused while another transaction holds the device's row",
            )
            device.pause()
        up_since = len(device.failures)
        outages.append({"mode": "lock held", "batch": len(device.acknowledged), "refused": up_since - failed_before})
        device.resume()
        device.join(timeout=max(1.0, device.deadline - time.monotonic()) + 5)
        assert device.error is None, (f"seed {seed}", device.error, server.log_tail(), cluster.log_tail())
        failed_while_up += len(device.failures) - up_since
        # While PostgreSQL was up, nothing failed: not the first request after it came back either.
        assert failed_while_up == 0, (outages, device.failures)

        # Every refusal was the clear 503; nothing else went wrong (no 500, no dropped connection).
        assert device.failures, "no request met the outage"
        for what, index, status, body, headers in device.failures:
            code = body["error"]["code"] if isinstance(body, dict) else None
            assert (status, code) == (503, "database_unavailable"), (what, index, status, body, server.log_tail())
            assert int(headers["Retry-After"]) > 0
        # The pool recovered in the same processes: no worker was restarted.
        assert _workers(server) == workers
        assert requests.get(f"{server.base_url}/healthz", timeout=30).status_code == 200

        # Converged exactly once: told what was planned, replays answer the same, each batch
        # applied whole by one transaction, every record once at its planned version.
        check_acknowledged_as_planned(device)
        for index, batch in enumerate(plan.batches):
            assert caller.push_ok(batch) == device.acknowledged[index]["results"], (f"seed {seed}", index)
        check_written_as_planned(cluster.url, [device])
        device.pull()
        assert set(device.replica) == set(plan.records)
        check_records_as_planned(device.replica, plan)
        records, _, _ = Caller(requests.Session(), "vol.qt1", base_url=server.base_url).pull_all()
        assert records == device.replica
        assert body_of(reader.get("/records?per_page=1"))["total"] == len(plan.records)
    finally:
        server.close()
    print(
        f"\n[private postgresql] seed {seed}: {len(plan.batches)} batches, outages "
        f"{[(o['mode'], 'after batch', o['batch'], o['refused'], 'refused') for o in outages]}, "
        f"{len(device.failures)} failed attempts, total {time.monotonic() - started:.1f} s"
    )
