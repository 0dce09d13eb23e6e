"""PROTOCOL.md §9: the server is never made to send a request to an address of its own network
through a push subscription (server/push/endpoints.py): refused when a browser subscribes,
refused again on the address actually connected to when sending, no redirect followed, and a
device holds a handful of subscriptions at most.

A raw TCP listener on 127.0.0.1 stands for whatever runs inside the server's network (a database,
a cache, an admin page): no test here may ever reach it.
"""

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import insert, select

from server.extensions import db
from server.models import PushSubscription
from server.push import endpoints, sender
from server.push.service import MAX_SUBSCRIPTIONS_PER_DEVICE, MAX_SUBSCRIPTIONS_PER_USER
from server.timeutil import utcnow
from tests.helpers import PUBLIC_STAND_IN, body_of, resolve_names, vneid_data
from tests.push.conftest import Browser, b64url, notifications


class InternalService:
    """A TCP listener that records every connection made to it."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, peer = self.socket.accept()
            except OSError:
                return
            self.connections.append(peer)
            connection.close()

    def close(self):
        self.socket.close()


@pytest.fixture
def internal():
    service = InternalService()
    yield service
    service.close()


def subscription_to(endpoint):
    """What a browser sends when it subscribes, with real key material, pointing at `endpoint`."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}}


def stored_endpoints():
    db.session.expire_all()
    rows = db.session.execute(select(PushSubscription.endpoint).order_by(PushSubscription.id)).scalars().all()
    db.session.commit()
    return rows


INTERNAL_ENDPOINTS = {
    "loopback": "https://127.0.0.1:{port}/push/a",
    "loopback_other": "https://127.8.9.10:{port}/push/a",
    "localhost": "https://localhost:{port}/push/a",
    "loopback_v6": "https://[::1]:{port}/push/a",
    "unspecified": "https://0.0.0.0:{port}/push/a",
    "unspecified_v6": "https://[::]:{port}/push/a",
    "metadata": "https://169.254.169.254/latest/meta-data/",
    "link_local_v6": "https://[fe80::1]/push/a",
    "private_10": "https://10.0.0.5/push/a",
    "private_172": "https://172.16.3.4/push/a",
    "private_192": "https://192.168.1.1/push/a",
    "unique_local": "https://[fd12:3456::1]/push/a",
    "site_local": "https://[fec0::1]/push/a",
    "cgnat": "https://100.64.0.1/push/a",
    "multicast": "https://224.0.0.1/push/a",
    "multicast_v6": "https://[ff02::1]/push/a",
    "reserved": "https://240.0.0.1/push/a",
    "broadcast": "https://255.255.255.255/push/a",
    "mapped_v4": "https://[::ffff:127.0.0.1]:{port}/push/a",
    "nat64": "https://[64:ff9b::a00:5]/push/a",
    "six_to_four": "https://[2002:7f00:1::]/push/a",
    "decimal_ip": "https://2130706433:{port}/push/a",
    "short_ip": "https://127.1:{port}/push/a",
    "hex_ip": "https://0x7f.0.0.1:{port}/push/a",
    "documentation": "https://192.0.2.10/push/a",
    "name_to_private": "https://intranet.example.com/push/a",
    "name_partly_private": "https://mixed.example.com/push/a",
    "http_public": "http://push.example.com/push/a",
    "http_loopback": "http://127.0.0.1:{port}/push/a",
    "no_such_name": "https://no-such-push-service.invalid/push/a",
}


@pytest.mark.parametrize("case", INTERNAL_ENDPOINTS)
def test_an_endpoint_on_the_servers_own_network_is_refused_when_subscribing(app, login, internal, monkeypatch, case):
    resolve_names(
        monkeypatch, {"intranet.example.com": ["10.1.2.3"], "mixed.example.com": [PUBLIC_STAND_IN, "127.0.0.1"]}
    )
    endpoint = INTERNAL_ENDPOINTS[case].format(port=internal.port)
    response = login("vol.qt1").post("/push/subscriptions", json=subscription_to(endpoint))
    assert response.status_code == 422, body_of(response)
    assert "endpoint" in body_of(response)["error"]["fields"]
    assert stored_endpoints() == []
    assert internal.connections == []


def test_a_public_https_endpoint_is_accepted(app, login):
    response = login("vol.qt1").post(
        "/push/subscriptions", json=subscription_to("https://push.example.com/wpush/v2/abc")
    )
    assert response.status_code == 201, body_of(response)


def test_the_loopback_test_setting_is_off_by_default(app):
    assert app.config["PUSH_TEST_LOOPBACK"] is False


def _review_record_of(login, villages, volunteer):
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([mutation])
    response = login("police.qt").post(
        f"/records/{mutation['record_id']}/review",
        json={"action": "needs_changes", "comment": "Bổ sung ảnh", "base_version": 1},
    )
    assert response.status_code == 200


def test_a_name_that_resolves_to_an_internal_address_when_sending_is_never_contacted(
    vapid, app, login, villages, internal, monkeypatch
):
    vapid.update({"PUSH_TEST_LOOPBACK": False, "PUSH_SEND_AFTER_REQUEST": False})
    answers = {"now": [PUBLIC_STAND_IN]}
    resolve_names(monkeypatch, {"rebind.example.com": lambda: answers["now"]})
    volunteer = login("vol.qt1")
    endpoint = f"https://rebind.example.com:{internal.port}/push/a"
    assert volunteer.post("/push/subscriptions", json=subscription_to(endpoint)).status_code == 201
    _review_record_of(login, villages, volunteer)

    answers["now"] = ["127.0.0.1"]  # DNS rebinding: the name now points inside
    assert sender.send_due() == {"refused": 1}
    assert internal.connections == []
    # A subscription that leads inside is dropped with what was queued for it.
    assert stored_endpoints() == [] and notifications() == []


def test_an_internal_endpoint_stored_before_these_checks_is_never_contacted(vapid, app, login, villages, internal):
    vapid.update({"PUSH_TEST_LOOPBACK": False, "PUSH_SEND_AFTER_REQUEST": False})
    volunteer = login("vol.qt1")
    for scheme in ("http", "https"):
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "endpoint": f"{scheme}://127.0.0.1:{internal.port}/push/old",
                    **subscription_to("x")["keys"],
                    "device_id": volunteer.device_id,
                    "user_id": volunteer.user["id"],
                    "created_at": utcnow(),
                }
            ],
        )
    db.session.commit()
    _review_record_of(login, villages, volunteer)
    assert sender.send_due() == {"refused": 2}
    assert internal.connections == []
    assert stored_endpoints() == []


def test_a_redirect_from_the_push_service_is_not_followed(vapid, app, login, villages, internal):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    target = f"http://127.0.0.1:{internal.port}/latest/meta-data/"

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(303)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        volunteer = login("vol.qt1")
        endpoint = f"http://127.0.0.1:{server.server_address[1]}/push/a"
        assert volunteer.post("/push/subscriptions", json=subscription_to(endpoint)).status_code == 201
        _review_record_of(login, villages, volunteer)
        assert sender.send_due() == {"failed": 1}
    finally:
        server.shutdown()
        server.server_close()
    assert internal.connections == []
    [row] = notifications()
    assert row.sent_at is None and row.next_attempt_at is None and "303" in row.last_error


def test_a_device_keeps_only_its_newest_few_subscriptions(vapid, app, login, villages, push_service):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    volunteer = login("vol.qt1")
    browsers = [Browser(push_service) for _ in range(50)]
    for browser in browsers:
        assert volunteer.post("/push/subscriptions", json=browser.subscription()).status_code == 201
    newest = [b.endpoint for b in browsers[-MAX_SUBSCRIPTIONS_PER_DEVICE:]]
    assert stored_endpoints() == newest
    _review_record_of(login, villages, volunteer)
    # One approval, as many outgoing requests as the cap, not fifty-one.
    assert sender.send_due() == {"sent": MAX_SUBSCRIPTIONS_PER_DEVICE}
    assert sorted(r["token"] for r in push_service.received) == sorted(e.rsplit("/", 1)[-1] for e in newest)


def test_a_user_keeps_only_a_bounded_number_of_subscriptions_across_devices(vapid, app, login, push_service):
    callers = [login("vol.qt1") for _ in range(MAX_SUBSCRIPTIONS_PER_USER + 3)]
    for caller in callers:
        assert caller.post("/push/subscriptions", json=Browser(push_service).subscription()).status_code == 201
    assert len(stored_endpoints()) == MAX_SUBSCRIPTIONS_PER_USER


@pytest.mark.parametrize(
    "address, public",
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.0.1", False),
        ("100.100.100.100", False),
        ("0.0.0.0", False),
        ("224.1.1.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("::", False),
        ("fc00::1", False),
        ("fe80::1", False),
        ("fec0::1", False),
        ("ff0e::1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::808:808", False),
        ("2002:a00:1::", False),
        ("2001:db8::1", False),
    ],
)
def test_only_public_addresses_are_public(address, public):
    assert endpoints.is_public_address(address) is public


def test_the_loopback_test_setting_admits_loopback_and_nothing_else_of_the_network():
    assert endpoints.is_public_address("127.0.0.1", allow_loopback=True)
    assert not endpoints.is_public_address("10.0.0.1", allow_loopback=True)
    assert not endpoints.is_public_address("169.254.169.254", allow_loopback=True)
