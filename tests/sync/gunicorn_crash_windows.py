"""gunicorn config for the crash test (`-c` this file): lets the test hold a commit open, so that
it can kill the server at the two moments that matter most for exactly-once.

While the file `<instance>/hold-before_commit` exists, every commit stops just before it is sent
to the database (writes done, nothing committed); while `<instance>/hold-after_commit` exists,
just after (committed, answer not yet sent). A holding worker writes `<instance>/holding-<name>`
so the test knows when to strike. A hold ends by itself after HOLD_SECONDS.
"""

import os
import time
from pathlib import Path

HOLD_SECONDS = 10


def post_fork(server, worker):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    instance = Path(os.environ["SOTAY_INSTANCE_PATH"])

    def holder(name):
        def hold(session):
            if (instance / f"hold-{name}").exists():
                (instance / f"holding-{name}").write_text(str(os.getpid()))
                deadline = time.monotonic() + HOLD_SECONDS
                while time.monotonic() < deadline and (instance / f"hold-{name}").exists():
                    time.sleep(0.01)

        return hold

    event.listen(Session, "before_commit", holder("before_commit"))
    event.listen(Session, "after_commit", holder("after_commit"))
