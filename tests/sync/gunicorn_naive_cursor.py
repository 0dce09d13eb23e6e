"""gunicorn config for `test_naive_cursor_is_caught`: the same delayed commits as
gunicorn_slow_commit.py, and the PostgreSQL clock of server/sync/cursor.py swapped for a naive
one, to show that the concurrency test catches a cursor that skips.

The naive clock keeps the stamp (the transaction id, taken at the transaction's first write,
like a sequence value) but drops the horizon: its horizon is the highest stamp the reader can
see, plus one. Pull then serves every visible row with `stamp > cursor` and, at the end of the
scope, moves the cursor past the highest stamp it saw: the classic `WHERE seq > :last_seen`.
A transaction with a lower stamp that commits after that pull is never served.

(A constant horizon such as 2**62 would not model that bug: pull moves the cursor up to the
horizon when it has served everything below it, so the cursor would jump to 2**62 after the
first complete page and the reader would lose every change after it.)
"""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "gunicorn_slow_commit", Path(__file__).with_name("gunicorn_slow_commit.py")
)
_slow_commit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_slow_commit)


def post_fork(server, worker):
    _slow_commit.post_fork(server, worker)

    from sqlalchemy import text

    from server.sync import cursor

    class NaiveClock(cursor.PostgresClock):
        """Same stamp; a horizon that waits for nobody."""

        def horizon(self, session):
            return session.execute(text("SELECT COALESCE(MAX(change_xid), 0) + 1 FROM records")).scalar_one()

    cursor._CLOCKS["postgresql"] = NaiveClock()
