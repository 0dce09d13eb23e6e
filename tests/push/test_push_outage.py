"""The push service is down for an hour, or a day (issue 7, item 4): notifications wait in the
queue (the `notifications` table) and are sent once it is back, each exactly once.

No sleeping: the sender's clock (server/push/sender.py and service.py read `utcnow`) is the
test's, and the test plays the worker (`flask push-send --loop`), calling `send_due()` each time
a row comes due. The push service on loopback (tests/push) answers 503 for the first half of
the outage and refuses connections for the second; then a new one listens on the same port.
With the shipped retry policy (config.py: PUSH_RETRY_BASE_SECONDS, PUSH_RETRY_MAX_SECONDS,
PUSH_MAX_ATTEMPTS) no notification is given up within a day.
"""

from datetime import timedelta, timezone

import pytest

from server.config import Config
from server.push import sender, service
from server.timeutil import utcnow
from tests.helpers import vneid_data
from tests.push.conftest import PushService, notifications

REVIEWS = 2


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _next_due(rows):
    """When the next unsent row comes due; none may have been given up."""
    waiting = [r for r in rows if r.sent_at is None]
    assert all(r.next_attempt_at is not None for r in waiting), [
        (r.id, r.attempts, r.last_error) for r in waiting if r.next_attempt_at is None
    ]
    return min(_aware(r.next_attempt_at) for r in waiting)


@pytest.mark.parametrize("hours", [1, 24])
def test_notifications_wait_out_a_push_service_outage_and_are_sent_once(
    hours, vapid, login, subscribed, villages, push_service, monkeypatch
):
    # The shipped policy, not the quick one the push tests use.
    vapid.update(
        {
            name: getattr(Config, name)
            for name in ("PUSH_MAX_ATTEMPTS", "PUSH_RETRY_BASE_SECONDS", "PUSH_RETRY_MAX_SECONDS")
        }
    )
    clock = Clock(utcnow())
    monkeypatch.setattr(sender, "utcnow", clock)
    monkeypatch.setattr(service, "utcnow", clock)
    start = clock.now
    outage_ends, refusing_from = start + timedelta(hours=hours), start + timedelta(hours=hours) / 2

    volunteer, phone = subscribed("vol.qt1")
    _, other_phone = subscribed("vol.qt1")
    for browser_ in (phone, other_phone):
        push_service.script(browser_.endpoint, [503])
    police = login("police.qt")
    record_ids = []
    for n in range(REVIEWS):
        mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(full_name=f"Người số {n}"))
        volunteer.push_ok([mutation])
        response = police.post(
            f"/records/{mutation['record_id']}/review",
            json={"action": "needs_changes", "comment": f"Bổ sung lần {n}", "base_version": 1},
        )
        assert response.status_code == 200
        record_ids.append(mutation["record_id"])
    sender.wait_for_background_sends()  # the first try of each, right after its request: a 503
    assert len(notifications()) == 2 * REVIEWS

    # The outage: the worker tries each row whenever it comes due; every try fails, none gives up.
    port = push_service.server.server_address[1]
    service_up, tries = push_service, 0
    while (due := _next_due(notifications())) < outage_ends:
        clock.now = max(clock.now, due)
        if service_up is not None and clock.now >= refusing_from:
            service_up.close()  # from now on connections are refused
            service_up = None
        counts = sender.send_due()
        assert set(counts) == {"retry"}, counts
        tries += 1
    assert all(r.sent_at is None for r in notifications())

    # Back: the next time the rows come due, each is sent, once.
    back = PushService(port=port)
    try:
        clock.now = due
        assert sender.send_due() == {"sent": 2 * REVIEWS}
        rows = notifications()
        assert all(r.sent_at is not None and r.next_attempt_at is None for r in rows)
        assert max(r.attempts for r in rows) <= Config.PUSH_MAX_ATTEMPTS
        for browser_ in (phone, other_phone):
            received = back.to(browser_.endpoint)
            assert [r["answer"] for r in received] == [201] * REVIEWS
            assert sorted(browser_.decrypt(r)["record_id"] for r in received) == sorted(record_ids)
        # A day later nothing is sent again.
        clock.now += timedelta(days=1)
        assert sender.send_due() == {}
        assert len(back.received) == 2 * REVIEWS
    finally:
        back.close()
    print(
        f"\n{hours} h outage: {tries} rounds of retries, sent {(due - start).total_seconds() / 3600:.2f} h "
        f"after the first try, {max(r.attempts for r in rows)} attempts"
    )
