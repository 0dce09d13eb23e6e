"""python -m bench.push_time: where a push's CPU time goes, per mutation, in one process.

The same outboxes as `python -m bench` (8 devices × 1,250 records, 20 % updates, batches of
100) are pushed through Flask's test client into a fresh SQLite file, one request at a time, and
the thread's CPU time is added up by phase: outside the push (HTTP, tokens, JSON), the checks
made before the transaction, and inside it (SQLite's write lock): the reads, the decisions, the
writes and the commit. No lock is ever waited for here, so the figures are the work itself; on
two shared cores they still grow with the load (printed).
"""

import argparse
import os
import tempfile
import time
import uuid

import orjson
from sqlalchemy import event
from sqlalchemy.orm import Session, scoping

from bench.load import FIELD_USERS
from bench.records import device_mutations
from server import create_app
from server.demo import seed_demo
from server.extensions import db
from server.sync import cursor, decide, push

PASSWORD = "bench-06"


class Phases:
    def __init__(self):
        self.seconds = {}

    def add(self, name, seconds):
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def timed(self, owner, name, phase):
        """Replace owner.name by the same function, its thread CPU time added to `phase`."""
        function = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(phase, time.thread_time() - started)

        setattr(owner, name, timed)

    def watch_the_lock(self):
        """From the stamp (SQLite's write lock) to the end of its transaction."""
        stamp = cursor.SqliteClock.stamp

        def stamped(clock, session):
            started = time.thread_time()
            value = stamp(clock, session)
            session.info["bench_locked_at"] = time.thread_time()
            self.add("stamp", session.info["bench_locked_at"] - started)
            return value

        cursor.SqliteClock.stamp = stamped

        @event.listens_for(Session, "after_transaction_end")
        def ended(session, transaction):
            if transaction.parent is None and "bench_locked_at" in session.info:
                self.add("locked", time.thread_time() - session.info.pop("bench_locked_at"))


def run(devices, records, update_share, batch, seed):
    folder = tempfile.mkdtemp(prefix="sotay-push-time-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/push-time.sqlite3",
            "PASSWORD_TIME_COST": 1,
            "PASSWORD_MEMORY_KIB": 1024,
        }
    )
    app.instance_path = folder
    with app.app_context():
        db.create_all()
        seed_demo(PASSWORD)
    client = app.test_client()
    outboxes = []
    for index in range(devices):
        device_id = str(uuid.uuid4())
        login = client.post(
            "/api/v1/auth/login",
            json={"username": FIELD_USERS[index % len(FIELD_USERS)], "password": PASSWORD, "device_id": device_id},
        ).get_json()
        mutations = device_mutations(seed * 100_003 + index, login["user"]["village_ids"], records, update_share)
        bodies = [
            orjson.dumps({"device_id": device_id, "mutations": mutations[start : start + batch]})
            for start in range(0, len(mutations), batch)
        ]
        outboxes.append(({"Authorization": f"Bearer {login['access_token']}"}, bodies))

    phases = Phases()
    phases.watch_the_lock()
    phases.timed(push, "apply_push", "apply_push")
    phases.timed(push, "_stored", "reads")
    phases.timed(decide, "decide", "decisions")
    phases.timed(push, "_write", "writes")
    phases.timed(scoping.scoped_session, "commit", "commit")
    started, mutations = time.thread_time(), 0
    for turn in range(max(len(bodies) for _, bodies in outboxes)):
        for headers, bodies in outboxes:
            if turn < len(bodies):
                response = client.post(
                    "/api/v1/sync/push", data=bodies[turn], headers=headers, content_type="application/json"
                )
                assert response.status_code == 200, response.data[:300]
                mutations += len(orjson.loads(response.data)["results"])
    total = time.thread_time() - started
    return phases.seconds, total, mutations


def report(seconds, total, mutations):
    def per(value):
        return round(value / mutations * 1e6, 1)

    locked = seconds["locked"]
    inside = ("reads", "decisions", "writes", "commit")
    return {
        "load_average": os.getloadavg()[0],
        "mutations": mutations,
        "us_per_mutation": {
            "total": per(total),
            "outside the push (HTTP, tokens, JSON in and out)": per(total - seconds["apply_push"] - seconds["commit"]),
            "checks before the transaction": per(
                seconds["apply_push"] - (locked - seconds["commit"]) - seconds["stamp"]
            ),
            "taking the stamp": per(seconds["stamp"]),
            **{f"locked: {name}": per(seconds[name]) for name in inside},
            "locked: the rest (device row, bookkeeping)": per(locked - sum(seconds[name] for name in inside)),
            "locked, in all": per(locked),
        },
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.push_time", description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--records", type=int, default=1250)
    parser.add_argument("--update-share", type=float, default=0.2)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(
        orjson.dumps(
            report(*run(args.devices, args.records, args.update_share, args.batch, args.seed)),
            option=orjson.OPT_INDENT_2,
        ).decode()
    )


if __name__ == "__main__":
    main()
