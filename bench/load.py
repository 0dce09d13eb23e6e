"""The load: devices logging in, pushing their outboxes in batches, a reviewer pulling everything.

Each device speaks HTTP/1.1 over its own keep-alive connection (http.client, reconnecting when a
worker closes it), from a pool of threads. Request bodies are encoded before the clock starts, so
the client spends its time sending and reading, and its CPU time is measured to show it is not
what limits the figures.
"""

import http.client
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlencode

import orjson

from bench.records import device_mutations

API = "/api/v1"
# The field users of the demo commune Quang Trung; each device is bound to one of them.
FIELD_USERS = ("vol.qt1", "vol.qt2", "vol.qt3", "staff.qt")
REVIEWER = "police.qt"
# SQLite answers 503 with Retry-After when its lock wait runs out: a device backs off and retries.
RETRY_STATUSES = (429, 503)


class Connection:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, host, port):
        self.http = http.client.HTTPConnection(host, port, timeout=120)

    def request(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            self.http.request(method, API + path, body=body, headers=headers)
            response = self.http.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The worker closed the kept-alive connection between requests: reconnect once.
            self.http.close()
            self.http.request(method, API + path, body=body, headers=headers)
            response = self.http.getresponse()
        payload = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.http.close()
        return response.status, payload

    def close(self):
        self.http.close()


@dataclass
class Device:
    username: str
    device_id: str
    token: str
    village_ids: list
    batches: list = field(default_factory=list)  # encoded request bodies, in order
    expected: list = field(default_factory=list)  # per batch: the statuses each mutation must get


def login(connection, username, password):
    device_id = str(uuid.uuid4())
    status, payload = connection.request(
        "POST", "/auth/login", orjson.dumps({"username": username, "password": password, "device_id": device_id})
    )
    if status != 200:
        raise RuntimeError(f"login of {username} failed: {status} {payload[:300]!r}")
    body = orjson.loads(payload)
    return Device(username, device_id, body["access_token"], body["user"]["village_ids"])


def prepare_devices(address, password, count, records, update_share, batch_size, seed):
    """Log in `count` devices (round robin over the field users) and encode each one's outbox."""
    connection = Connection(*address)
    devices = []
    for index in range(count):
        device = login(connection, FIELD_USERS[index % len(FIELD_USERS)], password)
        mutations = device_mutations(seed * 100_003 + index, device.village_ids, records, update_share)
        for start in range(0, len(mutations), batch_size):
            batch = mutations[start : start + batch_size]
            device.batches.append(orjson.dumps({"device_id": device.device_id, "mutations": batch}))
            device.expected.append([("applied",) if m["op"] == "create" else ("applied", "merged") for m in batch])
        devices.append(device)
    connection.close()
    return devices


class PushOutcome:
    def __init__(self):
        self.latencies = []
        self.mutations = 0
        self.retries = 0
        self.errors = []
        self.created_ids = set()
        self.lock = threading.Lock()


def _push_device(address, device, outcome):
    connection = Connection(*address)
    try:
        for body, expected in zip(device.batches, device.expected, strict=True):
            while True:
                started = time.perf_counter()
                status, payload = connection.request("POST", "/sync/push", body, device.token)
                elapsed = time.perf_counter() - started
                if status not in RETRY_STATUSES:
                    break
                with outcome.lock:
                    outcome.retries += 1
                time.sleep(0.05)
            with outcome.lock:
                outcome.latencies.append(elapsed)
            if status != 200:
                with outcome.lock:
                    outcome.errors.append(f"{device.username}: HTTP {status} {payload[:200]!r}")
                return
            results = orjson.loads(payload)["results"]
            wrong = [r for r, allowed in zip(results, expected, strict=True) if r["status"] not in allowed]
            with outcome.lock:
                outcome.mutations += len(results)
                outcome.created_ids.update(
                    r["record_id"]
                    for r, allowed in zip(results, expected, strict=True)
                    if allowed == ("applied",) and r["status"] == "applied"
                )
                if wrong or len(results) != len(expected):
                    outcome.errors.append(f"{device.username}: unexpected results {wrong[:3]}")
    finally:
        connection.close()


def push_all(address, devices, concurrency):
    """Every device pushes its whole outbox; at most `concurrency` devices at once."""
    outcome = PushOutcome()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(_push_device, address, d, outcome) for d in devices]:
            future.result()
    outcome.wall = time.perf_counter() - started
    return outcome


class PullOutcome:
    def __init__(self):
        self.records = {}
        self.pages = 0
        self.changes = 0
        self.latencies = []


def pull_all(address, password, limit):
    """The reviewer, on a new device, pulls the whole commune from an empty cursor."""
    connection = Connection(*address)
    device = login(connection, REVIEWER, password)
    outcome = PullOutcome()
    cursor = None
    started = time.perf_counter()
    while True:
        query = {"device_id": device.device_id, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page_started = time.perf_counter()
        status, payload = connection.request("GET", "/sync/pull?" + urlencode(query), token=device.token)
        outcome.latencies.append(time.perf_counter() - page_started)
        if status != 200:
            raise RuntimeError(f"pull failed: HTTP {status} {payload[:300]!r}")
        page = orjson.loads(payload)
        outcome.pages += 1
        outcome.changes += len(page["changes"])
        for change in page["changes"]:
            outcome.records[change["record"]["id"]] = change["record"]["version"]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    outcome.wall = time.perf_counter() - started
    connection.close()
    return outcome


def percentile(values, share):
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]
