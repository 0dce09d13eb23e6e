"""gunicorn config for the pull cursor test (`-c` this file): every commit is delayed by a random
0-COMMIT_DELAY_MS ms, after the transaction has written (and so taken its stamp) but before it is
sent to the database, so that transactions commit in a different order from the one they began
writing in, as they do on a busy server, only far more often.
"""

import os
import random
import time

COMMIT_DELAY_MS = float(os.environ.get("SOTAY_TEST_COMMIT_DELAY_MS", "30"))


def _delay_commit(session):
    time.sleep(random.uniform(0, COMMIT_DELAY_MS) / 1000)


def post_fork(server, worker):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.listen(Session, "before_commit", _delay_commit)
