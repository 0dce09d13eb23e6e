"""Sending queued notifications with pywebpush, after the commit that queued them.

The `notifications` table is the queue. A sender claims a few due rows in a
short transaction of its own (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
senders never take the same row; SQLite: the claim is one conditional UPDATE,
and SQLite runs one writer at a time), which pushes their `next_attempt_at`
past the time the sends can take. It then sends each row and records the
outcome in its own commit straight after the push service answers:

- 2xx: `sent_at` set, never due again;
- 404/410: the subscription is gone, so it and its queued rows are deleted;
- 429, 5xx, a timeout or a connection error: due again after an exponential
  backoff (the push service's Retry-After, if longer), until PUSH_MAX_ATTEMPTS;
- any other 4xx (or a redirect, never followed): the push service refuses this message;
  retrying cannot help;
- an endpoint the server must not call (server/push/endpoints.py: not https, or its name now
  resolves to an address of our own network): the subscription is dropped unsent.

A crash cannot lose a notification: a claimed row that is never marked comes
due again when its claim runs out. It can, rarely, repeat one: if the process
dies after the push service accepted a message and before the commit that
marks it sent (a few milliseconds), the row is sent again after the claim
runs out. No sender can close that window, because the push service is not in
our transaction; the service worker shows notifications with a tag per record
or conflict, so a repeat replaces the first on the screen rather than adding one.
"""

import json
import logging
import threading
from datetime import timedelta

import requests
from flask import current_app, g
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlalchemy import select, update

from server.extensions import db
from server.models import Notification, PushSubscription
from server.push import endpoints, service
from server.timeutil import utcnow

log = logging.getLogger(__name__)

NOTIFICATIONS = Notification.__table__
SUBSCRIPTIONS = PushSubscription.__table__
ERROR_MAX = 500


def backoff_seconds(attempts, config):
    """Wait before the next try after `attempts` failed ones: base, 2 × base, 4 × base, ... capped."""
    return min(config["PUSH_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0), config["PUSH_RETRY_MAX_SECONDS"])


def claim_seconds(config):
    """How long a claim holds: longer than sending a whole claimed batch at the timeout can take."""
    return max(60, int(2 * config["PUSH_CLAIM_BATCH"] * config["PUSH_TIMEOUT_SECONDS"]) + 30)


def claim(now, limit, ids=None):
    """Take up to `limit` due rows (of `ids`, if given) for this sender; returns them with their
    subscription, committed, so no other sender takes them until the claim runs out."""
    config = current_app.config
    due = select(NOTIFICATIONS.c.id).where(NOTIFICATIONS.c.next_attempt_at <= now)
    if ids is not None:
        due = due.where(NOTIFICATIONS.c.id.in_(sorted(ids)))
    due = due.order_by(NOTIFICATIONS.c.next_attempt_at, NOTIFICATIONS.c.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = (
        db.session.execute(
            update(NOTIFICATIONS)
            .where(NOTIFICATIONS.c.id.in_(due.scalar_subquery()), NOTIFICATIONS.c.next_attempt_at <= now)
            .values(
                next_attempt_at=now + timedelta(seconds=claim_seconds(config)), attempts=NOTIFICATIONS.c.attempts + 1
            )
            .returning(
                NOTIFICATIONS.c.id, NOTIFICATIONS.c.subscription_id, NOTIFICATIONS.c.payload, NOTIFICATIONS.c.attempts
            )
        )
        .mappings()
        .all()
    )
    subscriptions = {}
    if claimed:
        subscriptions = {
            row.id: row
            for row in db.session.execute(
                select(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id.in_({c["subscription_id"] for c in claimed}))
            )
        }
    db.session.commit()
    return [(dict(c), subscriptions.get(c["subscription_id"])) for c in sorted(claimed, key=lambda c: c["id"])]


def deliver(subscription, payload, vapid, config, session):
    """Send one message through `session` (endpoints.sending_session); returns (outcome, error
    text, seconds the push service asks us to wait)."""
    problem = endpoints.endpoint_problem(subscription.endpoint, config, resolve=False)
    if problem:
        return "refused", problem, None
    try:
        webpush(
            {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=vapid,
            vapid_claims={"sub": config["VAPID_SUBJECT"]},  # a new dict each time: pywebpush adds aud and exp
            timeout=config["PUSH_TIMEOUT_SECONDS"],
            ttl=config["PUSH_TTL_SECONDS"],
            requests_session=session,
        )
        return "sent", None, None
    except WebPushException as err:
        response = err.response
        status = getattr(response, "status_code", None)
        text = f"HTTP {status}: {(getattr(response, 'text', '') or '')[:200]}" if status else str(err)
        if status in (404, 410):
            return "gone", text, None
        if status is None or status == 429 or status >= 500:
            return "retry", text, _retry_after(response)
        return "failed", text, None
    except endpoints.RefusedAddress as err:
        log.warning("push endpoint refused: %s resolves to %s", subscription.endpoint[:200], err)
        return "refused", endpoints.REFUSED_ADDRESS, None
    except requests.Timeout:
        return "retry", f"Hết thời gian chờ ({config['PUSH_TIMEOUT_SECONDS']} s)", None
    except requests.RequestException as err:
        return "retry", f"Lỗi kết nối: {type(err).__name__}: {err}", None
    except Exception as err:  # noqa: BLE001 - whatever it is, the row stays queued and bounded by attempts
        log.exception("push send failed")
        return "retry", f"{type(err).__name__}: {err}", None


def _retry_after(response):
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return max(0, min(int(value), 86400)) if value is not None else None
    except ValueError:
        return None


def record_outcome(notification, subscription, outcome, error, retry_after, now):
    config = current_app.config
    row_id = NOTIFICATIONS.c.id == notification["id"]
    unsent = NOTIFICATIONS.c.sent_at.is_(None)
    if outcome == "sent":
        values = {"sent_at": now, "next_attempt_at": None, "last_error": None}
    elif outcome in ("gone", "refused"):
        service.drop_subscription(subscription.id)
        values = None
    elif outcome == "retry" and notification["attempts"] < config["PUSH_MAX_ATTEMPTS"]:
        wait = max(backoff_seconds(notification["attempts"], config), retry_after or 0)
        values = {"next_attempt_at": now + timedelta(seconds=wait), "last_error": (error or "")[:ERROR_MAX]}
    else:
        given_up = f"Bỏ sau {notification['attempts']} lần: " if outcome == "retry" else ""
        values = {"next_attempt_at": None, "last_error": (given_up + (error or ""))[:ERROR_MAX]}
    if values is not None:
        db.session.execute(update(NOTIFICATIONS).where(row_id, unsent).values(**values))
    db.session.commit()


def send_due(ids=None, limit=None, now=None):
    """Send due notifications (only `ids`, if given), a claimed batch at a time, up to `limit`.
    Returns {outcome: count}. Without VAPID keys nothing is sent and the rows wait."""
    config = current_app.config
    counts = {}
    if not (config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_PUBLIC_KEY")):
        return counts
    vapid = Vapid.from_string(config["VAPID_PRIVATE_KEY"])
    _give_up_exhausted(now or utcnow())
    total, gone = 0, set()
    with endpoints.sending_session(config, config["PUSH_TIMEOUT_SECONDS"]) as session:
        while limit is None or total < limit:
            batch = claim(now or utcnow(), min(config["PUSH_CLAIM_BATCH"], (limit - total) if limit else 10**6), ids)
            if not batch:
                break
            for notification, subscription in batch:
                if subscription is None or subscription.id in gone:  # dropped: its rows went with it
                    continue
                outcome, error, retry_after = deliver(subscription, notification["payload"], vapid, config, session)
                record_outcome(notification, subscription, outcome, error, retry_after, now or utcnow())
                if outcome in ("gone", "refused"):
                    gone.add(subscription.id)
                counts[outcome] = counts.get(outcome, 0) + 1
            total += len(batch)
    return counts


def _give_up_exhausted(now):
    """A row whose every claim ended in a crash would come due for ever: stop it at the limit."""
    result = db.session.execute(
        update(NOTIFICATIONS)
        .where(
            NOTIFICATIONS.c.next_attempt_at <= now, NOTIFICATIONS.c.attempts >= current_app.config["PUSH_MAX_ATTEMPTS"]
        )
        .values(next_attempt_at=None, last_error="Bỏ: đã thử đủ số lần mà không ghi được kết quả")
    )
    db.session.commit()
    return result.rowcount


# --------------------------------------------------------------------------------------------
# After a request: send what it queued, in a thread, once the response has gone out.

_threads = set()
_threads_lock = threading.Lock()


def send_after_response(response):
    """after_request hook: if this request queued notifications (and committed them), send them
    from a background thread once the response is closed. Nothing is kept that another instance
    would need: if this process dies first, the rows are still due for the worker."""
    ids = g.pop("push_queued", None)
    if ids and current_app.config.get("PUSH_SEND_AFTER_REQUEST"):
        app = current_app._get_current_object()
        response.call_on_close(lambda: _start(app, ids))
    return response


def _start(app, ids):
    thread = threading.Thread(target=_send_in_background, args=(app, ids), name="push-send", daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()


def _send_in_background(app, ids):
    try:
        with app.app_context():
            try:
                send_due(ids=ids)
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - the response is long gone; the worker will retry
        log.exception("sending notifications after a request failed")
    finally:
        with _threads_lock:
            _threads.discard(threading.current_thread())


def wait_for_background_sends(timeout=30):
    """Join the after-request threads started so far (tests, and a clean shutdown)."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)
