"""Failed-login limits, kept in the database.

The counters live in a table, not in process memory, so the limit holds across every gunicorn
worker and every instance behind the load balancer. Only failures count: thirty volunteers
logging in from one office address are never blocked by each other's successes.

Whoever guesses passwords must be slowed down, but must not be able to keep the owner out: the
names of officials (admin.ch, police.qt) are easy to guess, and a limit per account alone let
anyone lock the real user out, from their own phone too. So a login is counted by where it
comes from (docs/security.md, "Login limits"):

- from a device already bound to that account (a phone it has logged in on, not revoked): on
  that account and device alone. Its allowance is its own; no one else's failures use it up, and
  a guesser would first have to know the phone's device id, a random UUID it never shows.
- from any other device: on that account and address, on that address (every account), and on
  that account across every address, with a higher limit, against guessing from many addresses.
  A guesser can block new logins of the account for a while, never its phones.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from server.errors import TOO_MANY_LOGIN_ATTEMPTS
from server.extensions import db
from server.models import LoginFailure
from server.timeutil import utcnow

ADDRESS_MAX = 64


def _keys(username, address, bound_device_id):
    """(key, limit) for each counter this attempt is checked against and counts toward."""
    config, account, address = current_app.config, username.lower(), address[:ADDRESS_MAX]
    if bound_device_id is not None:
        return [(f"device:{account}:{bound_device_id}", config["LOGIN_MAX_FAILURES_PER_DEVICE"])]
    return [
        (f"account-address:{account}|{address}", config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (f"address:{address}", config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
        (f"account:{account}", config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES"]),
    ]


def check_login_allowed(username, address, bound_device_id=None):
    """Raise 429 with Retry-After when any counter of this attempt has used up its failures in the window.

    `bound_device_id`: the device the attempt names, when it is already bound to this account."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    since = utcnow() - window
    for key, limit in _keys(username, address, bound_device_id):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.key == key, LoginFailure.at > since)
        ).one()
        if count >= limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=since.tzinfo)
            retry_after = max(1, int((oldest + window - utcnow()).total_seconds()) + 1)
            raise TOO_MANY_LOGIN_ATTEMPTS(
                f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {retry_after} giây",
                headers={"Retry-After": str(retry_after)},
            )


def record_login_failure(username, address, bound_device_id=None):
    now = utcnow()
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    db.session.add_all(LoginFailure(key=key, at=now) for key, _ in _keys(username, address, bound_device_id))


def clear_failures(username, address, bound_device_id=None):
    """The owner got in: forget the failures of this account from where this login came (the
    address's and the account-wide counts stay, so a guesser sharing the address, or working from
    many, is not let off)."""
    keys = [
        key for key, _ in _keys(username, address, bound_device_id) if key.startswith(("account-address:", "device:"))
    ]
    db.session.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys)))
