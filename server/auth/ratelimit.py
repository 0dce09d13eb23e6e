"""Failed-login limits per account and per address, kept in the database.

The counters live in a table, not in process memory, so the limit holds across
every gunicorn worker and every instance behind the load balancer. Only
failures count: thirty volunteers logging in from one office address are
never blocked by each other's successes.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from server.errors import ApiError
from server.extensions import db
from server.models import LoginFailure
from server.timeutil import utcnow


def _keys(username, address):
    return [
        (f"account:{username.lower()}", current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (f"address:{address}", current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ]


def check_login_allowed(username, address):
    """Raise 429 with Retry-After when either key has used up its failures in the window."""
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    since = utcnow() - window
    for key, limit in _keys(username, address):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > since)
        ).one()
        if count >= limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=since.tzinfo)
            retry_after = max(1, int((oldest + window - utcnow()).total_seconds()) + 1)
            raise ApiError(
                "too_many_login_attempts", 429,
                f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {retry_after} giây",
                headers={"Retry-After": str(retry_after)},
            )


def record_login_failure(username, address):
    now = utcnow()
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - window))
    db.session.add_all(LoginFailure(key=key, at=now) for key, _ in _keys(username, address))


def clear_account_failures(username):
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == f"account:{username.lower()}"))
