"""The pull cursor never skips under concurrent commits (PROTOCOL.md §7, DESIGN.md decision 7).

Many devices push at once to a real multi-process, multi-threaded gunicorn on PostgreSQL, whose
commits are delayed at random (gunicorn_slow_commit.py) so that transactions commit out of the
order in which they took their stamps. Meanwhile one reader pulls with its cursor in a tight
loop. When the writers are done and the reader has caught up, it must hold every record every
writer was told was applied, at its final version.

`test_naive_cursor_is_caught` runs the very same scenario against a server whose cursor is a
plain "stamp > last seen" (gunicorn_naive_cursor.py) and checks that the reader does lose
changes there: the scenario is strong enough to catch the bug it guards against.
See docs/cursor.md.
"""

import random
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import BACKENDS, TEST_DATABASE_URL
from tests.helpers import Caller, body_of, death_data, propaganda_data, update, vneid_data

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
SLOW_COMMIT_CONFIG = HERE / "gunicorn_slow_commit.py"
NAIVE_CURSOR_CONFIG = HERE / "gunicorn_naive_cursor.py"

# One user may have many devices: each writer is a device of its own.
WRITER_USERS = ["vol.qt1", "vol.qt2", "vol.qt3", "staff.qt", "police.qt", "admin.qt"] * 3
WRITE_SECONDS = 4.0  # writers push at least this long...
MAX_WRITE_SECONDS = 12.0  # ...and on, up to this, until the reader has pulled changes often enough
MIN_PULLS_WITH_CHANGES = 15
WRITER_PAUSE = 0.01  # a writer's longest wait between two pushes
LATE_SECONDS = 5  # how long the reader may keep pulling for changes still in flight
READER_MAX_PULLS = 20_000
DRAIN_MAX_PAGES = 1_000


class Writer(threading.Thread):
    """A device pushing small batches: 1-5 creates, and now and then updates of its own records."""

    def __init__(self, caller, villages, stop, seed):
        super().__init__(daemon=True)
        self.caller = caller
        self.villages = villages
        self.stop = stop
        self.rng = random.Random(seed)
        self.applied = {}  # record id -> highest version this device was told was applied
        self.types = {}  # record id -> record type, for the records this device created
        self.changes = 0  # applied mutations
        self.pushes = 0
        self.error = None

    def run(self):
        try:
            for _ in range(100_000):
                if self.stop.is_set():
                    return
                self._push_one_batch()
                time.sleep(self.rng.uniform(0, WRITER_PAUSE))
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err

    def _push_one_batch(self):
        rng = self.rng
        batch = []
        for _ in range(rng.randint(1, 5)):
            serial = rng.randrange(10**6)
            kind = rng.choice(["vneid_activation", "propaganda_session", "death_check"])
            data = {
                "vneid_activation": vneid_data(full_name=f"Người dân {serial}", personal_id=f"038190{serial:06d}"),
                "propaganda_session": propaganda_data(people_reached=serial % 900),
                "death_check": death_data(deceased_name=f"Người đã mất {serial}"),
            }[kind]
            batch.append(self.caller.create(kind, rng.choice(self.villages), data, str(uuid.uuid4())))
        if self.applied and rng.random() < 0.6:
            for record_id in rng.sample(sorted(self.applied), min(len(self.applied), rng.randint(1, 2))):
                field = "evidence_note" if self.types[record_id] == "death_check" else "notes"
                batch.append(update(record_id, self.applied[record_id], {field: f"sửa {rng.randrange(10**6)}"}))
        results = self.caller.push_ok(batch)
        self.pushes += 1
        for mutation, result in zip(batch, results, strict=True):
            assert result["status"] == "applied", (mutation, result)
            self.applied[result["record_id"]] = max(result["version"], self.applied.get(result["record_id"], 0))
            self.changes += 1
            if mutation["op"] == "create":
                self.types[result["record_id"]] = mutation["type"]


class Reader(threading.Thread):
    """police.qt, who sees the whole commune, pulling with its cursor as fast as it can."""

    def __init__(self, caller, writers_done):
        super().__init__(daemon=True)
        self.caller = caller
        self.writers_done = writers_done
        self.cursor = None
        self.seen = {}  # record id -> highest version served
        self.pulls = 0
        self.pulls_with_changes = 0
        self.error = None

    def pull_once(self):
        page = self.caller.pull(self.cursor)
        self.pulls += 1
        self.pulls_with_changes += bool(page["changes"])
        for change in page["changes"]:
            record = change["record"]
            self.seen[record["id"]] = max(record["version"], self.seen.get(record["id"], 0))
        assert not page["reset"], "the cursor was reset"
        self.cursor = page["cursor"]
        return page

    def run(self):
        try:
            while not self.writers_done.is_set() and self.pulls < READER_MAX_PULLS:
                self.pull_once()
        except BaseException as err:  # noqa: BLE001 - reported by the test
            self.error = err

    def drain(self):
        """Pull until the end of the scope, as a device does after the others have stopped."""
        for _ in range(DRAIN_MAX_PAGES):
            if not self.pull_once()["has_more"]:
                return
        raise AssertionError("the drain did not end")

    def drain_until(self, complete, timeout):
        """Drain, and drain again while `complete()` is false, for at most `timeout` seconds.

        The horizon holds back changes of transactions still running anywhere in the cluster
        (another test's open transaction, autovacuum): served late is not skipped."""
        deadline = time.monotonic() + timeout
        self.drain()
        drains = 1
        while not complete() and time.monotonic() < deadline:
            time.sleep(0.2)
            self.drain()
            drains += 1
        return drains


def _village_ids(admin):
    response = admin.get("/villages")
    assert response.status_code == 200, response.text
    body = body_of(response)
    items = body["items"] if isinstance(body, dict) else body
    return [v["id"] for v in items]


def run_scenario(live_server, backend, config, seconds=WRITE_SECONDS, writer_users=WRITER_USERS):  # noqa: F811
    """Writers push for `seconds` while a reader pulls; returns the figures and what was missed."""
    server = live_server(backend, workers=4, threads=4, config=config)
    base_url = server.base_url
    commune_villages = _village_ids(Caller(requests.Session(), "admin.qt", base_url=base_url))

    stop, writers_done = threading.Event(), threading.Event()
    writers = []
    for index, username in enumerate(writer_users):
        caller = Caller(requests.Session(), username, base_url=base_url)
        mine = [v["id"] for v in caller.user["villages"]] or commune_villages  # police, admin: any
        writers.append(Writer(caller, mine, stop, seed=index))
    reader = Reader(Caller(requests.Session(), "police.qt", base_url=base_url), writers_done)

    started = time.monotonic()
    reader.start()
    for writer in writers:
        writer.start()
    try:
        time.sleep(seconds)
        while (
            reader.pulls_with_changes < MIN_PULLS_WITH_CHANGES
            and reader.is_alive()
            and time.monotonic() - started < MAX_WRITE_SECONDS
        ):
            time.sleep(0.05)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
        writers_done.set()
        reader.join(timeout=60)
    write_seconds = time.monotonic() - started

    assert not any(w.is_alive() for w in writers) and not reader.is_alive(), "a thread did not stop"
    for writer in writers:
        assert writer.error is None, (writer.caller.username, writer.error, server.log_tail())
    assert reader.error is None, (reader.error, server.log_tail())
    pulls_while_writing, pulls_with_changes = reader.pulls, reader.pulls_with_changes

    expected = {}
    for writer in writers:
        expected.update(writer.applied)  # each record has one writer: its own device

    def missing():
        return {
            rid: (reader.seen.get(rid), version)
            for rid, version in expected.items()
            if reader.seen.get(rid, 0) < version
        }

    drains = reader.drain_until(lambda: not missing(), LATE_SECONDS)
    missed = missing()
    assert set(reader.seen) <= set(expected), "the reader was served records nobody wrote"
    assert all(reader.seen[rid] <= version for rid, version in expected.items() if rid in reader.seen)
    figures = {
        "writers": len(writers),
        "pushes": sum(w.pushes for w in writers),
        "changes": sum(w.changes for w in writers),
        "records": len(expected),
        "reader_pulls": pulls_while_writing,
        "pulls_with_changes": pulls_with_changes,
        "missed": len(missed),
        "drains": drains,
        "seconds": round(write_seconds, 1),
    }
    print(f"\n[{config.stem}] {figures}")
    return figures, missed


def _check_busy_enough(figures):
    # The run means something only if many pushes overlapped many pulls.
    assert figures["pushes"] >= 100, figures
    assert figures["pulls_with_changes"] >= MIN_PULLS_WITH_CHANGES, figures


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_pull_cursor_never_skips_under_concurrent_commits(live_server, backend):  # noqa: F811
    """On PostgreSQL this is the out-of-order commit case; on SQLite it checks the write-lock
    clock and that many writers at once wait for the lock rather than fail."""
    figures, missed = run_scenario(live_server, backend, SLOW_COMMIT_CONFIG)
    assert not missed, (
        f"the reader never got {len(missed)} of {figures['records']} records "
        f"(record id: (version seen, version applied)): {dict(list(missed.items())[:10])}"
    )
    _check_busy_enough(figures)


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL only: set TEST_DATABASE_URL")
def test_naive_cursor_is_caught(live_server):  # noqa: F811
    figures, missed = run_scenario(live_server, "postgresql", NAIVE_CURSOR_CONFIG)
    _check_busy_enough(figures)
    assert missed, f"a plain `stamp > cursor` pull lost nothing; the scenario is too weak: {figures}"
