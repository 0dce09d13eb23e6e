"""A device whose session ends for good (revoked by the admin, or logged out) gets nothing more:
its push subscriptions go, with whatever was still queued for them. A notification names a
person and carries the reviewer's remark, and a revoked phone may be a lost one; the queue can
hold a message for a day while a push service is down (docs/api.md §9)."""

from sqlalchemy import select

from server.extensions import db
from server.models import PushSubscription
from tests.helpers import vneid_data
from tests.push.conftest import notifications


def device_subscriptions(device_id):
    db.session.expire_all()
    rows = db.session.execute(select(PushSubscription).where(PushSubscription.device_id == device_id)).scalars().all()
    db.session.commit()
    return rows


def queue_a_remark(vapid, login, villages, volunteer):
    """A remark of the police queued for each of the volunteer's phones, not yet sent."""
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([mutation])
    review = login("police.qt").post(
        f"/records/{mutation['record_id']}/review",
        json={"action": "needs_changes", "comment": "Số CCCD chưa đúng", "base_version": 1},
    )
    assert review.status_code == 200


def test_revoking_a_device_drops_its_subscription_and_what_was_queued_for_it(vapid, login, subscribed, villages):
    volunteer, _ = subscribed("vol.qt1")
    other_device, _ = subscribed("vol.qt1")
    [revoked_subscription] = device_subscriptions(volunteer.device_id)
    [kept_subscription] = device_subscriptions(other_device.device_id)
    queue_a_remark(vapid, login, villages, volunteer)
    assert sorted(n.subscription_id for n in notifications(sent_at=None)) == sorted(
        [revoked_subscription.id, kept_subscription.id]
    )

    assert login("admin.qt").post(f"/devices/{volunteer.device_id}/revoke").status_code == 200
    assert device_subscriptions(volunteer.device_id) == []
    # The volunteer's other phone is not touched.
    assert [n.subscription_id for n in notifications()] == [kept_subscription.id]
    assert len(device_subscriptions(other_device.device_id)) == 1


def test_logging_out_drops_the_devices_subscription_and_what_was_queued_for_it(vapid, login, subscribed, villages):
    volunteer, _ = subscribed("vol.qt1")
    queue_a_remark(vapid, login, villages, volunteer)
    assert len(notifications(sent_at=None)) == 1
    assert volunteer.post("/auth/logout").status_code == 204
    assert device_subscriptions(volunteer.device_id) == []
    assert notifications() == []
