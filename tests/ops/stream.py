"""A device streaming planned batches to one or more real servers, as the PWA's outbox does.

Each batch is sent again, unchanged (same mutation ids, same content), until a 200 answers it;
after each acknowledged batch the device pulls from its cursor. Every request may go to the
next server of a rotation, so a device can alternate between instances request by request.
Every answer that is not a 200 is kept with its body and headers for the test to judge.
The batches come from the crash-recovery test's Plan: every outcome is known in advance.
"""

import itertools
import random
import threading
import time

import requests
from sqlalchemy import create_engine, text

from server.config import database_url
from tests.helpers import body_of
from tests.sync.test_crash_recovery import Plan

RETRY_PAUSE = (0.02, 0.08)  # a device's wait after a failed attempt (it does not honour Retry-After:
# the server's answer is what is checked, not a device's patience)
BATCHES, BATCH_SIZE = 20, 10


def plan_for(caller, rng):
    """The batches a device of this caller will send, in the villages it may record in."""
    return Plan([v["id"] for v in caller.user["villages"]], rng, BATCHES, BATCH_SIZE)


class StreamingDevice(threading.Thread):
    def __init__(self, caller, plan, base_urls, deadline, pull_limit=97):
        super().__init__(daemon=True)
        self.caller = caller
        self.plan = plan
        self.servers = itertools.cycle(base_urls)
        self.deadline = deadline
        self.pull_limit = pull_limit
        self.acknowledged = []  # per batch: the body of the 200 that acknowledged it
        self.failures = []  # (what, batch index, status or exception name, body, headers)
        self.replica = {}  # record id -> the record as last pulled
        self.cursor = None
        self._gate = threading.Condition()  # pause() and resume(): the test holds the device
        self._held = False
        self._in_flight = False
        self.error = None

    def run(self):
        try:
            for index, batch in enumerate(self.plan.batches):
                self.acknowledged.append(
                    self.request_until_ok(
                        "push",
                        index,
                        "POST",
                        "/sync/push",
                        json={"device_id": self.caller.device_id, "mutations": batch},
                    )
                )
                self.pull(index)
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err

    def pull(self, index=None):
        """Pull from the cursor until has_more is false, into the replica."""
        while True:
            params = {"device_id": self.caller.device_id, "limit": self.pull_limit}
            if self.cursor:
                params["cursor"] = self.cursor
            page = self.request_until_ok("pull", index, "GET", "/sync/pull", params=params)
            for change in page["changes"]:
                record = change["record"]
                known = self.replica.get(record["id"])
                assert known is None or known["version"] <= record["version"], (known, record)
                self.replica[record["id"]] = record
            self.cursor = page["cursor"]
            if not page["has_more"]:
                return

    def request_until_ok(self, what, index, method, path, **kwargs):
        while True:
            self._enter(index)
            self.caller.base_url = next(self.servers)
            try:
                response = self.caller.request(method, path, **kwargs)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
                self.failures.append((what, index, type(err).__name__, None, {}))
            else:
                if response.status_code == 200:
                    return body_of(response)
                try:
                    body = response.json()
                except ValueError:
                    body = response.text[:500]
                self.failures.append((what, index, response.status_code, body, dict(response.headers)))
            finally:
                self._leave()
            time.sleep(random.uniform(*RETRY_PAUSE))

    def pause(self):
        """Returns once the device is held with no request in flight."""
        with self._gate:
            self._held = True
            assert self._gate.wait_for(lambda: not self._in_flight, timeout=60), "the device did not stop"

    def resume(self):
        with self._gate:
            self._held = False
            self._gate.notify_all()

    def _enter(self, index):
        with self._gate:
            while self._held:
                self._check_deadline(index)
                self._gate.wait(0.05)
            self._check_deadline(index)
            self._in_flight = True

    def _leave(self):
        with self._gate:
            self._in_flight = False
            self._gate.notify_all()

    def _check_deadline(self, index):
        assert time.monotonic() < self.deadline, f"batch {index} not acknowledged in time"


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def eventually(check, timeout=30):
    """check() until it passes, within `timeout` seconds. On a PostgreSQL cluster shared with
    other clients a pull serves a change once every older transaction of the cluster has ended
    (docs/cursor.md): someone else's long transaction makes it late, never lost."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def check_acknowledged_as_planned(device):
    """What the device was told is what was planned: every mutation applied, at its planned version."""
    assert len(device.acknowledged) == len(device.plan.batches)
    for index, body in enumerate(device.acknowledged):
        assert body["results"] == device.plan.expected_results[index], index
        assert body["last_mutation_id"] == device.plan.batches[index][-1]["mutation_id"]


def check_written_as_planned(url, devices):
    """In the database: each planned record's versions are 1..n, each written once, by its planned
    mutation of its device; and all of a batch was logged by one transaction (one stamp)."""
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as connection:
            versions = {
                (r.record_id, r.version): (r.device_id, r.mutation_id)
                for r in connection.execute(
                    text("SELECT record_id, version, device_id, mutation_id FROM record_versions")
                )
            }
            stamps = {
                (r.device_id, r.mutation_id): r.change_xid
                for r in connection.execute(text("SELECT device_id, mutation_id, change_xid FROM mutations"))
            }
    finally:
        engine.dispose()
    for device in devices:
        for record_id, expected in device.plan.records.items():
            written = [versions.get((record_id, v)) for v in range(1, expected["version"] + 2)]
            assert written == [(device.caller.device_id, m) for m in expected["mutations"]] + [None], record_id
        for batch in device.plan.batches:
            assert len({stamps[(device.caller.device_id, m["mutation_id"])] for m in batch}) == 1
