"""Sending for real: pywebpush posts to a push service on loopback, which decrypts every message
with the subscription's private key (RFC 8291) and checks the VAPID header (RFC 8292).

Covers: sent after the commit without holding up the response, 404/410 dropping the
subscription, retries with backoff while the push service fails or hangs, giving up, a sender
that dies after claiming, two senders at once, and the worker command.
"""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import PushSubscription, Record
from server.push import sender
from server.push.service import MAX_SUBSCRIPTIONS_PER_DEVICE
from server.timeutil import utcnow
from tests.helpers import vneid_data
from tests.push.conftest import notifications, verify_vapid, wait_until

COMMENT = "Số CCCD chưa đúng — kiểm tra lại với bà Hoàng Thị Ánh Nguyệt"


def _record(caller, villages, **data):
    mutation = caller.create("vneid_activation", villages["Thôn 1"], vneid_data(**data))
    caller.push_ok([mutation])
    return mutation["record_id"]


def _ask_for_changes(login, rid):
    response = login("police.qt").post(
        f"/records/{rid}/review", json={"action": "needs_changes", "comment": COMMENT, "base_version": 1}
    )
    assert response.status_code == 200
    return response


def _subscriptions():
    db.session.expire_all()
    rows = db.session.execute(select(PushSubscription)).scalars().all()
    db.session.commit()
    return rows


def test_the_author_receives_the_review_encrypted_and_signed_after_the_commit(
    vapid, app, login, subscribed, villages, push_service, monkeypatch
):
    volunteer, phone = subscribed("vol.qt1")
    rid = _record(volunteer, villages, full_name="Hoàng Thị Ánh Nguyệt")
    committed_when_sent = []
    deliver = sender.deliver

    def deliver_after_checking_the_commit(*args, **kwargs):
        # A connection of its own sees only committed data.
        with db.engine.connect() as connection:
            committed_when_sent.append(connection.execute(select(Record.review_state).where(Record.id == rid)).scalar())
        return deliver(*args, **kwargs)

    monkeypatch.setattr(sender, "deliver", deliver_after_checking_the_commit)
    _ask_for_changes(login, rid)
    [request] = push_service.wait_for(phone.endpoint)
    assert phone.decrypt(request) == {
        "kind": "record_needs_changes",
        "title": "Bản ghi cần bổ sung",
        "body": f"Hoàng Thị Ánh Nguyệt: {COMMENT}",
        "url": f"/#/record/{rid}",
        "record_id": rid,
    }
    verify_vapid(request, vapid["VAPID_PUBLIC_KEY"], vapid["VAPID_SUBJECT"], push_service.origin)
    assert int(request["headers"]["ttl"]) == app.config["PUSH_TTL_SECONDS"]
    assert committed_when_sent == ["needs_changes"]
    [row] = wait_until(lambda: [r for r in notifications() if r.sent_at], message="marked sent")
    assert (row.attempts, row.next_attempt_at, row.last_error) == (1, None, None)


def test_a_hanging_push_service_delays_no_response_and_loses_nothing(vapid, login, subscribed, villages, push_service):
    vapid["PUSH_TIMEOUT_SECONDS"] = 2.5
    push_service.hang_seconds = 5
    volunteer, phone = subscribed("vol.qt1")
    rid = _record(volunteer, villages)
    push_service.script(phone.endpoint, ["hang", 201])
    started = time.monotonic()
    _ask_for_changes(login, rid)
    # Had the request waited for the push service, it would have taken the whole timeout.
    assert time.monotonic() - started < 2.0
    [row] = wait_until(lambda: [r for r in notifications() if r.last_error], message="the timeout recorded")
    assert row.sent_at is None and row.attempts == 1 and "Hết thời gian chờ" in row.last_error
    assert row.next_attempt_at is not None
    # The push service is back: the worker sends it once it is due.
    counts = sender.send_due(now=utcnow() + timedelta(seconds=vapid["PUSH_RETRY_BASE_SECONDS"] + 1))
    assert counts == {"sent": 1}
    assert phone.decrypt(push_service.to(phone.endpoint)[-1])["body"].endswith(COMMENT)
    [row] = notifications()
    assert row.sent_at is not None and row.attempts == 2


def test_a_failing_push_service_is_retried_with_backoff_then_sent_once_it_is_back(
    vapid, login, subscribed, villages, push_service
):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, phone = subscribed("vol.qt1")
    rid = _record(volunteer, villages)
    push_service.script(phone.endpoint, [503, 500, 201])
    _ask_for_changes(login, rid)

    now = utcnow()
    assert sender.send_due(now=now) == {"retry": 1}
    [row] = notifications()
    assert row.attempts == 1 and "503" in row.last_error and row.sent_at is None
    assert abs((_aware(row.next_attempt_at) - now).total_seconds() - 30) < 1  # the base wait
    assert sender.send_due(now=now + timedelta(seconds=29)) == {}  # not due yet

    now += timedelta(seconds=30)
    assert sender.send_due(now=now) == {"retry": 1}
    [row] = notifications()
    assert row.attempts == 2 and "500" in row.last_error
    assert abs((_aware(row.next_attempt_at) - now).total_seconds() - 60) < 1  # doubled

    assert sender.send_due(now=now + timedelta(seconds=60)) == {"sent": 1}
    received = push_service.to(phone.endpoint)
    assert [r["answer"] for r in received] == [503, 500, 201]
    assert all(phone.decrypt(r)["kind"] == "record_needs_changes" for r in received)
    [row] = notifications()
    assert row.sent_at is not None and row.next_attempt_at is None and row.last_error is None


def test_retry_after_from_the_push_service_is_honoured_when_longer(vapid, app):
    app.config["PUSH_RETRY_BASE_SECONDS"] = 30
    assert [sender.backoff_seconds(n, app.config) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    app.config["PUSH_RETRY_MAX_SECONDS"] = 100
    assert sender.backoff_seconds(8, app.config) == 100


def test_after_the_last_attempt_the_notification_is_given_up_with_its_error(
    vapid, login, subscribed, villages, push_service
):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, phone = subscribed("vol.qt1")
    push_service.script(phone.endpoint, [502])
    _ask_for_changes(login, _record(volunteer, villages))
    now = utcnow()
    for _ in range(vapid["PUSH_MAX_ATTEMPTS"]):
        assert sender.send_due(now=now) == {"retry": 1}
        now += timedelta(hours=2)
    assert sender.send_due(now=now + timedelta(days=1)) == {}
    [row] = notifications()
    assert row.attempts == vapid["PUSH_MAX_ATTEMPTS"] and row.sent_at is None and row.next_attempt_at is None
    assert row.last_error.startswith(f"Bỏ sau {vapid['PUSH_MAX_ATTEMPTS']} lần") and "502" in row.last_error
    assert len(push_service.to(phone.endpoint)) == vapid["PUSH_MAX_ATTEMPTS"]
    assert len(_subscriptions()) == 1  # a failing push service is no reason to forget the phone


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_dropped(
    vapid, login, subscribed, villages, push_service, status
):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, gone = subscribed("vol.qt1")
    _, kept = subscribed("vol.qt1")
    push_service.script(gone.endpoint, [status])
    rid = _record(volunteer, villages)
    _ask_for_changes(login, rid)
    rejected = login("police.qt").post(
        f"/records/{rid}/review", json={"action": "reject", "comment": "Trùng", "base_version": 2}
    )
    assert rejected.status_code == 200
    [gone_id] = [s.id for s in _subscriptions() if s.endpoint == gone.endpoint]
    assert sender.send_due() == {"gone": 1, "sent": 2}
    assert [s.endpoint for s in _subscriptions()] == [kept.endpoint]
    assert len(push_service.to(gone.endpoint)) == 1  # its second message was dropped with it, not sent
    assert [m["kind"] for m in kept.messages()] == ["record_needs_changes", "record_rejected"]
    assert [r.subscription_id for r in notifications()].count(gone_id) == 0
    assert len(notifications()) == 2


@pytest.mark.parametrize("status", [400, 403, 413])
def test_a_message_the_push_service_refuses_is_not_retried(vapid, login, subscribed, villages, push_service, status):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, phone = subscribed("vol.qt1")
    push_service.script(phone.endpoint, [status])
    _ask_for_changes(login, _record(volunteer, villages))
    assert sender.send_due() == {"failed": 1}
    [row] = notifications()
    assert row.next_attempt_at is None and row.sent_at is None and str(status) in row.last_error
    assert sender.send_due(now=utcnow() + timedelta(days=1)) == {}
    assert len(_subscriptions()) == 1


def test_a_sender_that_dies_after_claiming_loses_nothing(vapid, app, login, subscribed, villages, push_service):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, phone = subscribed("vol.qt1")
    _ask_for_changes(login, _record(volunteer, villages))
    now = utcnow()
    claimed = sender.claim(now, 10)  # ...and the process is killed before it sends
    assert len(claimed) == 1
    assert sender.send_due(now=now) == {}  # held by the dead sender's claim
    later = now + timedelta(seconds=sender.claim_seconds(app.config) + 1)
    assert sender.send_due(now=later) == {"sent": 1}
    assert len(phone.messages()) == 1
    [row] = notifications()
    assert row.attempts == 2 and row.sent_at is not None


def test_two_senders_at_once_send_each_notification_exactly_once(vapid, app, login, subscribed, villages, push_service):
    vapid.update({"PUSH_SEND_AFTER_REQUEST": False, "PUSH_CLAIM_BATCH": 3})
    push_service.delay = 0.01
    volunteer = login("vol.qt1")
    # Nine browsers (three devices, each with as many subscriptions as a device keeps), four records.
    devices = [volunteer, login("vol.qt1"), login("vol.qt1")]
    phones = [
        subscribed("vol.qt1", caller=device)[1] for device in devices for _ in range(MAX_SUBSCRIPTIONS_PER_DEVICE)
    ]
    rids = [_record(volunteer, villages) for _ in range(4)]
    for rid in rids:
        _ask_for_changes(login, rid)
    assert len(notifications()) == 36
    results, errors, start = [], [], threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                start.wait()
                results.append(sender.send_due())
                db.session.remove()
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.get("sent", 0) for r in results) == 36
    for phone in phones:
        assert sorted(m["record_id"] for m in phone.messages()) == sorted(rids)
    assert all(r.sent_at is not None and r.attempts == 1 for r in notifications())


def test_without_vapid_keys_nothing_is_sent_and_the_rows_wait(vapid, login, subscribed, villages, push_service):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, phone = subscribed("vol.qt1")
    _ask_for_changes(login, _record(volunteer, villages))
    keys = vapid["VAPID_PRIVATE_KEY"]
    vapid["VAPID_PRIVATE_KEY"] = None
    assert sender.send_due() == {}
    vapid["VAPID_PRIVATE_KEY"] = keys
    assert sender.send_due() == {"sent": 1}


def test_the_push_send_command_drains_due_notifications(vapid, app, login, subscribed, villages, push_service):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer, phone = subscribed("vol.qt1")
    _ask_for_changes(login, _record(volunteer, villages))
    result = app.test_cli_runner().invoke(args=["push-send"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    assert [m["kind"] for m in phone.messages()] == ["record_needs_changes"]
    vapid["VAPID_PUBLIC_KEY"] = None
    refused = app.test_cli_runner().invoke(args=["push-send"])
    assert refused.exit_code != 0 and "VAPID" in refused.output


def test_conflict_and_digest_notifications_arrive_decrypted(vapid, app, login, subscribed, villages, push_service):
    from tests.helpers import update

    admin, admin_phone = subscribed("admin.qt")
    police, police_phone = subscribed("police.qt")
    phone_a, phone_b = login("vol.qt1"), login("vol.qt1")
    rid = _record(phone_a, villages, full_name="Đặng Văn Ơn")
    phone_a.push_ok([update(rid, 1, {"phone": "0911111111"})])
    [result] = phone_b.push_ok([update(rid, 1, {"phone": "0922222222"})])
    [request] = push_service.wait_for(admin_phone.endpoint)
    assert admin_phone.decrypt(request)["body"] == "Đặng Văn Ơn — trường: phone"
    assert admin_phone.decrypt(request)["conflict_id"] == result["conflict_id"]
    app.test_cli_runner().invoke(args=["push-digest"])
    app.test_cli_runner().invoke(args=["push-send"])
    [digest] = police_phone.messages()
    assert digest["kind"] == "submissions_digest" and digest["body"].startswith("1 bản ghi mới")


def _aware(value):
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
