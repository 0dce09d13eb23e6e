"""Nothing lost, nothing doubled on a crash (PROTOCOL.md §6, "exactly once").

A device streams batches of mutations to a real gunicorn (2 workers) while the whole server
(arbiter and workers) is killed with SIGKILL three times and restarted on the same database:
once at a random moment of a push, once with a push held just before its commit, once just
after it (gunicorn_crash_windows.py). The device retries each batch with the same mutations
until it gets a 200, as the PWA's outbox does. Afterwards every planned record is on the server
exactly once, at the planned version, with the planned history, and replaying any batch answers
what the device was told.
"""

import random
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from server.timeutil import parse_iso
from tests.conftest import BACKENDS
from tests.helpers import Caller, body_of, death_data, propaganda_data, update, vneid_data

pytestmark = pytest.mark.slow
CONFIG = Path(__file__).with_name("gunicorn_crash_windows.py")

BATCHES = 30
BATCH_SIZE = 20
# One kill at a random moment of a push, one with a push held just before its commit (it must
# vanish and be applied by the retry), one just after (its answer is lost; the retry replays it).
KILL_MODES = ["random", "before_commit", "after_commit"]
STREAM_SECONDS = 40  # the whole stream, restarts included, must finish within this
RETRY_PAUSE = (0.02, 0.1)  # a device's wait after a failed attempt
MAX_ATTEMPTS_PER_BATCH = 400


class Plan:
    """The batches one device will send, and what the server must end up holding.

    Every mutation's outcome is known in advance: a create is applied at version 1, and an
    update sent with the record's current version as its base is applied at base + 1.
    """

    def __init__(self, villages, rng, batches=BATCHES, batch_size=BATCH_SIZE):
        self.batches = []
        self.expected_results = []
        self.records = {}  # record id -> {"type", "village_id", "data", "version", "mutations"}
        mutation_ids = iter(range(1, 10**6))
        serial = 0
        for index in range(batches):
            batch, results = [], []
            for _ in range(batch_size):
                mutation_id = next(mutation_ids)
                candidates = [rid for rid, r in self.records.items() if r["version"] < 12]
                if index > 0 and candidates and rng.random() < 0.45:
                    mutation = self._update(rng.choice(candidates), mutation_id, serial)
                else:
                    mutation = self._create(villages, mutation_id, serial, rng)
                serial += 1
                record = self.records[mutation["record_id"]]
                record["mutations"].append(mutation_id)
                batch.append(mutation)
                results.append(
                    {
                        "mutation_id": mutation_id,
                        "status": "applied",
                        "record_id": mutation["record_id"],
                        "version": record["version"],
                    }
                )
            self.batches.append(batch)
            self.expected_results.append(results)

    def _create(self, villages, mutation_id, serial, rng):
        kind = serial % 3
        if kind == 0:
            record_type = "vneid_activation"
            data = vneid_data(full_name=f"Người dân số {serial}", personal_id=f"038190{serial:06d}")
        elif kind == 1:
            record_type = "propaganda_session"
            data = propaganda_data(people_reached=serial % 500)
        else:
            record_type = "death_check"
            data = death_data(deceased_name=f"Người đã mất số {serial}")
        record_id = str(uuid.uuid4())
        village_id = rng.choice(villages)
        self.records[record_id] = {
            "type": record_type,
            "village_id": village_id,
            "data": dict(data),
            "version": 1,
            "mutations": [],
        }
        return {
            "mutation_id": mutation_id,
            "op": "create",
            "record_id": record_id,
            "type": record_type,
            "village_id": village_id,
            "data": data,
            "client_time": "2026-11-20T08:00:00Z",
        }

    def _update(self, record_id, mutation_id, serial):
        record = self.records[record_id]
        changes = {
            "vneid_activation": {"notes": f"sửa lần {serial}", "full_name": f"Người dân sửa {serial}"},
            "propaganda_session": {"people_reached": 1000 + serial, "notes": f"sửa lần {serial}"},
            "death_check": {"evidence_note": f"sửa lần {serial}"},
        }[record["type"]]
        mutation = {"mutation_id": mutation_id, **update(record_id, record["version"], changes)}
        record["data"].update(changes)
        record["version"] += 1
        return mutation


class Device(threading.Thread):
    """Sends the planned batches in order; each one again, unchanged, until a 200 answers it."""

    def __init__(self, caller, plan, deadline):
        super().__init__(daemon=True)
        self.caller = caller
        self.plan = plan
        self.deadline = deadline
        self.acknowledged = []  # per batch: the body of the 200 that acknowledged it
        self.attempts = [0] * len(plan.batches)
        self.failed_attempts = []  # (batch index, what went wrong, wall-clock time)
        self.in_flight = threading.Event()
        self.durations = []  # seconds taken by the acknowledged pushes
        self.error = None

    def run(self):
        try:
            for index, batch in enumerate(self.plan.batches):
                self.acknowledged.append(self._send_until_acknowledged(index, batch))
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err

    def typical_duration(self):
        recent = sorted(self.durations[-10:])
        return recent[len(recent) // 2] if recent else 0.05

    def _send_until_acknowledged(self, index, batch):
        while True:
            assert time.monotonic() < self.deadline, f"batch {index} not acknowledged in time"
            assert self.attempts[index] < MAX_ATTEMPTS_PER_BATCH, f"batch {index}: too many attempts"
            self.attempts[index] += 1
            self.in_flight.set()
            sent = time.monotonic()
            try:
                # The same list of the same dicts every time: same mutation ids, same content.
                response = self.caller.push(batch)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
                self.failed_attempts.append((index, type(err).__name__, time.time()))
            else:
                if response.status_code == 200:
                    self.durations.append(time.monotonic() - sent)
                    return body_of(response)
                # A server being killed may answer nothing; one answering must not answer wrong.
                assert response.status_code >= 500, (index, response.status_code, response.text[:500])
                self.failed_attempts.append((index, response.status_code, time.time()))
            finally:
                self.in_flight.clear()
            time.sleep(random.uniform(*RETRY_PAUSE))


def _kill_points(rng):
    """Batch counts after which to kill: spread over the stream, the last well before its end."""
    span = (BATCHES - 4) // len(KILL_MODES)
    return [rng.randint(1 + k * span, (k + 1) * span) for k in range(len(KILL_MODES))]


def _kill_during_a_push(server, device, mode, rng):
    """SIGKILL the server while a push is being served: at a random moment of it, or held just
    before or just after its commit (see gunicorn_crash_windows.py)."""
    instance = server.instance_path
    if mode == "random":
        _wait_for(lambda: device.in_flight.is_set() or not device.is_alive(), 10, "a push in flight")
        time.sleep(rng.uniform(0, 1.2 * device.typical_duration()))
    else:
        (instance / f"hold-{mode}").write_text("")
        _wait_for(lambda: (instance / f"holding-{mode}").exists(), 10, f"a push held at {mode}")
    kill = {"mode": mode, "batch": len(device.acknowledged), "in_flight": device.in_flight.is_set(), "at": time.time()}
    server.kill()
    for name in (f"hold-{mode}", f"holding-{mode}"):
        (instance / name).unlink(missing_ok=True)
    return kill


def _wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)


def _pull_counting(caller, limit):
    """Pull the whole scope in small pages, counting how often each record is served."""
    served, records, cursor = {}, {}, None
    for _ in range(10_000):
        page = caller.pull(cursor, limit)
        for change in page["changes"]:
            record = change["record"]
            served[record["id"]] = served.get(record["id"], 0) + 1
            records[record["id"]] = record
        cursor = page["cursor"]
        if not page["has_more"]:
            return records, served
    raise AssertionError("pull did not end")


@pytest.mark.parametrize("backend", BACKENDS)
def test_nothing_lost_nothing_doubled_when_the_server_is_killed(backend, live_server):
    started = time.monotonic()
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    server = live_server(backend, workers=2, config=CONFIG)
    caller = Caller(requests.Session(), "vol.qt1", base_url=server.base_url)
    villages = [v["id"] for v in caller.user["villages"]]
    plan = Plan(villages, rng)

    device = Device(caller, plan, deadline=time.monotonic() + STREAM_SECONDS)
    modes = rng.sample(KILL_MODES, len(KILL_MODES))
    device.start()
    kills = []
    try:
        for point, mode in zip(_kill_points(rng), modes, strict=False):
            _wait_for(
                lambda point=point: len(device.acknowledged) >= point or not device.is_alive(),
                STREAM_SECONDS,
                f"{point} acknowledged batches",
            )
            if not device.is_alive():
                break
            kills.append(_kill_during_a_push(server, device, mode, rng))
            time.sleep(rng.uniform(0, 0.3))  # the device finds nobody there for a while
            server.start()
        device.join(timeout=max(1.0, device.deadline - time.monotonic()))
    finally:
        if device.is_alive():
            device.deadline = 0  # make the thread give up at its next attempt
            device.join(timeout=70)
    stream_seconds = time.monotonic() - started

    assert device.error is None, (f"seed {seed}", device.error, server.log_tail())
    assert len(device.acknowledged) == BATCHES
    assert [k["mode"] for k in kills] == modes, kills
    assert device.failed_attempts, "no push was interrupted: the kills did not strike"

    # What the device was told is what was planned: every mutation applied, at the planned version.
    for index, body in enumerate(device.acknowledged):
        assert body["results"] == plan.expected_results[index], (f"seed {seed}", index)
        assert body["last_mutation_id"] == plan.batches[index][-1]["mutation_id"]

    # Replaying every batch now answers exactly what the device was finally told.
    for index, batch in enumerate(plan.batches):
        replay = caller.push_ok(batch)
        assert replay == device.acknowledged[index]["results"], (f"seed {seed}", index)

    # Every planned record once, at its planned version and data; nothing else.
    fresh_device = Caller(requests.Session(), "vol.qt1", base_url=server.base_url)
    for puller in (caller, fresh_device):
        records, served = _pull_counting(puller, limit=97)
        assert set(records) == set(plan.records)
        assert set(served.values()) == {1}, {rid: n for rid, n in served.items() if n != 1}
        check_records_as_planned(records, plan)

    # History: exactly versions 1..n, each written by the planned mutation of this device.
    written_at = {}
    for record_id, expected in plan.records.items():
        response = caller.get(f"/records/{record_id}")
        assert response.status_code == 200, (record_id, response.status_code)
        history = body_of(response)["history"]
        assert [v["version"] for v in history] == list(range(1, expected["version"] + 1)), record_id
        assert [v["mutation_id"] for v in history] == expected["mutations"], record_id
        assert {v["device_id"] for v in history} == {caller.device_id}
        written_at.update({v["mutation_id"]: parse_iso(v["at"]).timestamp() for v in history})

    # Where the kills struck. A push held before its commit was rolled back: its versions were
    # written by the retry, after the kill. A push held after its commit kept its effect and lost
    # its answer: its versions predate the kill, and the retry got the stored outcomes.
    first_failure = {}
    for index, _, when in device.failed_attempts:
        first_failure.setdefault(index, when)
    for kill in kills:
        kill["committed"] = written_at[plan.batches[kill["batch"]][0]["mutation_id"]] < kill["at"]
        if kill["mode"] != "random":
            assert kill["batch"] in first_failure, kill
            assert kill["committed"] == (kill["mode"] == "after_commit"), kill
    print(
        f"\n[{backend}] seed {seed}: {BATCHES} batches x {BATCH_SIZE}, {len(plan.records)} records, "
        f"kills {[(k['mode'], k['batch'], 'committed' if k['committed'] else 'rolled back') for k in kills]}, "
        f"{len(device.failed_attempts)} failed attempts on batches {sorted(first_failure)}, "
        f"stream {stream_seconds:.1f} s, total {time.monotonic() - started:.1f} s"
    )


def check_records_as_planned(records, plan):
    """Every record of the plan, once, at its planned version and data."""
    for record_id, expected in plan.records.items():
        record = records[record_id]
        assert (record["version"], record["type"], record["village_id"], record["deleted"]) == (
            expected["version"],
            expected["type"],
            expected["village_id"],
            False,
        ), record_id
        for name, value in expected["data"].items():
            assert record["data"].get(name) == value, (record_id, name)
