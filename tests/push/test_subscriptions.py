"""PROTOCOL.md §9: the VAPID key and the subscriptions API, by every role, each device its own."""

import base64
import os

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import PushSubscription
from tests.helpers import body_of
from tests.push.conftest import b64url, unb64url


def stored_subscriptions():
    db.session.expire_all()
    rows = db.session.execute(select(PushSubscription).order_by(PushSubscription.id)).scalars().all()
    db.session.commit()
    return rows


def test_the_vapid_public_key_is_the_uncompressed_point_browsers_want(vapid, login):
    response = login("vol.qt1").get("/push/vapid-public-key")
    assert response.status_code == 200
    key = body_of(response)["public_key"]
    assert key == vapid["VAPID_PUBLIC_KEY"] and "=" not in key
    raw = unb64url(key)
    assert len(raw) == 65 and raw[0] == 4


def test_without_vapid_keys_the_key_is_503_in_the_envelope(app, login):
    app.config.update({"VAPID_PRIVATE_KEY": None, "VAPID_PUBLIC_KEY": None})
    response = login("vol.qt1").get("/push/vapid-public-key")
    assert response.status_code == 503
    assert body_of(response)["error"]["code"] == "push_not_configured"


def test_the_key_and_subscriptions_need_a_login(vapid, client, browser):
    assert client.get("/api/v1/push/vapid-public-key").status_code == 401
    assert client.post("/api/v1/push/subscriptions", json=browser().subscription()).status_code == 401
    assert client.delete("/api/v1/push/subscriptions", json={"endpoint": "https://x.invalid/a"}).status_code == 401


@pytest.mark.parametrize("username", ["vol.qt1", "staff.qt", "police.qt", "admin.qt"])
def test_every_role_binds_a_subscription_to_its_own_device(vapid, login, browser, username):
    caller, phone = login(username), browser()
    response = caller.post("/push/subscriptions", json=phone.subscription())
    assert response.status_code == 201
    assert body_of(response)["endpoint"] == phone.endpoint
    [stored] = stored_subscriptions()
    assert (stored.device_id, stored.user_id) == (caller.device_id, caller.user["id"])
    assert (stored.p256dh, stored.auth) == (phone.p256dh, b64url(phone.auth_secret))


def test_subscribing_again_with_the_same_endpoint_is_the_same_subscription(vapid, login, browser):
    caller, phone = login("vol.qt1"), browser()
    assert caller.post("/push/subscriptions", json=phone.subscription()).status_code == 201
    again = caller.post("/push/subscriptions", json=phone.subscription())
    assert again.status_code == 200
    # The browser may renew its keys for the same endpoint: the newest are kept.
    renewed = phone.subscription()
    renewed["keys"]["auth"] = b64url(os.urandom(16))
    assert caller.post("/push/subscriptions", json=renewed).status_code == 200
    [stored] = stored_subscriptions()
    assert stored.auth == renewed["keys"]["auth"]


def test_the_browsers_own_json_with_expiration_time_is_accepted(vapid, login, browser):
    body = dict(browser().subscription(), expirationTime=None)
    assert login("vol.qt1").post("/push/subscriptions", json=body).status_code == 201


_DROP = object()


def _with(subscription, **changes):
    body = {"endpoint": subscription["endpoint"], "keys": dict(subscription["keys"])}
    for name, value in changes.items():
        if name in ("p256dh", "auth"):
            body["keys"][name] = value
        else:
            body[name] = value
    if isinstance(body.get("keys"), dict):
        body["keys"] = {k: v for k, v in body["keys"].items() if v is not _DROP}
    return {k: v for k, v in body.items() if v is not _DROP}


BAD = {
    "ftp_endpoint": ({"endpoint": "ftp://push.example.com/abc"}, "endpoint"),
    "no_scheme": ({"endpoint": "push.example.com/abc"}, "endpoint"),
    "no_host": ({"endpoint": "https:///abc"}, "endpoint"),
    "javascript": ({"endpoint": "javascript:alert(1)"}, "endpoint"),
    "space_in_url": ({"endpoint": "https://push.example.com/a b"}, "endpoint"),
    "non_ascii_url": ({"endpoint": "https://push.example.com/đ"}, "endpoint"),
    "bad_port": ({"endpoint": "https://push.example.com:99999999/a"}, "endpoint"),
    "too_long": ({"endpoint": "https://push.example.com/" + "a" * 2030}, "endpoint"),
    "endpoint_number": ({"endpoint": 42}, "endpoint"),
    "no_endpoint": ({"endpoint": _DROP}, "endpoint"),
    "no_keys": ({"keys": _DROP}, "keys"),
    "keys_not_object": ({"keys": "abc"}, "keys"),
    "p256dh_short": ({"p256dh": b64url(b"\x04" + os.urandom(63))}, "keys.p256dh"),
    "p256dh_not_on_curve": ({"p256dh": b64url(b"\x04" + b"\x01" * 64)}, "keys.p256dh"),
    "p256dh_not_base64": ({"p256dh": "not base64!"}, "keys.p256dh"),
    "p256dh_standard_base64": ({"p256dh": "+/" * 44}, "keys.p256dh"),
    "auth_15_bytes": ({"auth": b64url(os.urandom(15))}, "keys.auth"),
    "auth_17_bytes": ({"auth": b64url(os.urandom(17))}, "keys.auth"),
    "auth_number": ({"auth": 16}, "keys.auth"),
    "auth_missing": ({"auth": _DROP}, "keys.auth"),
    "unknown_field": ({"channel": "x"}, "channel"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_subscription_is_422_naming_the_field(vapid, login, browser, case):
    changes, field = BAD[case]
    body = _with(browser().subscription(), **changes)
    response = login("vol.qt1").post("/push/subscriptions", json=body)
    assert response.status_code == 422, body_of(response)
    assert field in body_of(response)["error"]["fields"]
    assert stored_subscriptions() == []


def test_an_endpoint_of_2048_characters_is_accepted(vapid, login, browser):
    body = browser().subscription()
    body["endpoint"] = (body["endpoint"] + "x" * 2048)[:2048]
    assert login("vol.qt1").post("/push/subscriptions", json=body).status_code == 201


def test_padded_base64url_keys_are_accepted(vapid, login, browser):
    body = browser().subscription()
    body["keys"] = {name: base64.urlsafe_b64encode(unb64url(value)).decode() for name, value in body["keys"].items()}
    assert login("vol.qt1").post("/push/subscriptions", json=body).status_code == 201


def test_push_endpoint_hosts_limit_where_the_server_will_post(vapid, app, login, browser):
    app.config["PUSH_ENDPOINT_HOSTS"] = ["push.services.mozilla.com"]
    caller = login("vol.qt1")
    assert caller.post("/push/subscriptions", json=browser().subscription()).status_code == 422
    body = browser().subscription()
    body["endpoint"] = "https://updates.push.services.mozilla.com/wpush/v2/abc"
    assert caller.post("/push/subscriptions", json=body).status_code == 201


def test_unsubscribing_removes_only_the_calling_devices_subscription(vapid, login, browser):
    owner, phone = login("vol.qt1"), browser()
    owner.post("/push/subscriptions", json=phone.subscription())
    for other in (login("vol.qt1"), login("vol.qt2"), login("admin.qt")):
        response = other.request("DELETE", "/push/subscriptions", json={"endpoint": phone.endpoint})
        assert response.status_code == 204
        assert [s.endpoint for s in stored_subscriptions()] == [phone.endpoint]
    assert owner.request("DELETE", "/push/subscriptions", json={"endpoint": phone.endpoint}).status_code == 204
    assert stored_subscriptions() == []
    # Again: nothing left, still 204.
    assert owner.request("DELETE", "/push/subscriptions", json={"endpoint": phone.endpoint}).status_code == 204


def test_unsubscribing_needs_an_endpoint(vapid, login):
    response = login("vol.qt1").request("DELETE", "/push/subscriptions", json={})
    assert response.status_code == 422 and "endpoint" in body_of(response)["error"]["fields"]


def test_a_browser_subscribing_for_another_login_moves_to_that_device(vapid, login, browser):
    first, phone = login("vol.qt1"), browser()
    first.post("/push/subscriptions", json=phone.subscription())
    second = login("vol.qt2")
    assert second.post("/push/subscriptions", json=phone.subscription()).status_code == 200
    [stored] = stored_subscriptions()
    assert (stored.device_id, stored.user_id) == (second.device_id, second.user["id"])
    # The first device can no longer remove it; its new owner can.
    first.request("DELETE", "/push/subscriptions", json={"endpoint": phone.endpoint})
    assert len(stored_subscriptions()) == 1


def test_a_revoked_devices_subscription_gets_nothing(vapid, login, subscribed, villages):
    from tests.helpers import vneid_data

    volunteer, phone = subscribed("vol.qt1")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([mutation])
    admin = login("admin.qt")
    assert admin.post(f"/devices/{volunteer.device_id}/revoke").status_code == 200
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    login("police.qt").post(f"/records/{mutation['record_id']}/review", json={"action": "approve", "base_version": 1})
    from tests.push.conftest import notifications

    assert notifications() == []
