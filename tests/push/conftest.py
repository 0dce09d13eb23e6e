"""A real push service on loopback, and browsers that subscribe to it.

`PushService` is an HTTP server in a thread that answers what pywebpush posts
as a push service would (201, or a scripted 404/410/503/hang per endpoint) and
keeps every request. `Browser` holds what a browser makes when it subscribes
(a P-256 key pair and a 16-byte auth secret) and decrypts what arrives
(RFC 8291, aes128gcm) with its private key; `verify_vapid` checks the
Authorization header against the server's public key (RFC 8292).
"""

import base64
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from server.secrets import generate_vapid_keys
from server.extensions import db
from server.models import Notification
from server.push import sender
from tests.conftest import FreshContextClient

HOST = "127.0.0.1"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """Push service on 127.0.0.1. `script(token, [503, 201])` sets the answers of one endpoint in
    turn (the last repeats); "hang" sleeps past the sender's timeout before answering 201.
    `port`: a given port, e.g. to come back where one that was closed listened."""

    def __init__(self, delay=0.0, port=0):
        self.received = []  # dicts: token, headers, body, at
        self.lock = threading.Lock()
        self.scripts = {}
        self.delay = delay
        self.hang_seconds = 3.0
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                token = self.path.rsplit("/", 1)[-1]
                with service.lock:
                    script = service.scripts.get(token) or [201]
                    answer = script.pop(0) if len(script) > 1 else script[0]
                    service.received.append(
                        {
                            "token": token,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "at": time.monotonic(),
                            "answer": answer,
                        }
                    )
                if service.delay:
                    time.sleep(service.delay)
                if answer == "hang":
                    time.sleep(service.hang_seconds)
                    answer = 201
                try:
                    self.send_response(answer)
                    if answer == 503:
                        self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def endpoint(self, token=None):
        return f"http://{HOST}:{self.server.server_address[1]}/push/{token or uuid.uuid4().hex}"

    @property
    def origin(self):
        return f"http://{HOST}:{self.server.server_address[1]}"

    def script(self, endpoint, answers):
        with self.lock:
            self.scripts[endpoint.rsplit("/", 1)[-1]] = list(answers)

    def to(self, endpoint):
        with self.lock:
            return [r for r in self.received if r["token"] == endpoint.rsplit("/", 1)[-1]]

    def wait_for(self, endpoint, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.to(endpoint)) >= count:
                return self.to(endpoint)
            time.sleep(0.02)
        raise AssertionError(f"{endpoint} received {len(self.to(endpoint))} of {count} within {timeout} s")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """What a browser's pushManager.subscribe() makes, and what its service worker decrypts."""

    def __init__(self, push_service, token=None):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.endpoint = push_service.endpoint(token)
        self.push_service = push_service

    @property
    def p256dh(self):
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription(self):
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth_secret)}}

    def decrypt(self, request):
        assert request["headers"].get("content-encoding") == "aes128gcm"
        plain = http_ece.decrypt(
            request["body"], private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain.decode("utf-8"))

    def messages(self):
        return [self.decrypt(r) for r in self.push_service.to(self.endpoint) if r["answer"] in (201, "hang")]


def verify_vapid(request, public_key, subject, origin):
    """The Authorization header is `vapid t=<JWT>,k=<key>`: the key is the server's and the JWT,
    signed ES256 with its private key, names this push service and the server's contact."""
    scheme, _, params = request["headers"]["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    claims = pyjwt.decode(fields["t"], key=key, algorithms=["ES256"], audience=origin)
    assert claims["sub"] == subject
    assert claims["exp"] > time.time()
    return claims


class ClosingClient(FreshContextClient):
    """Reads each response through and closes it, as a WSGI server does: what the app runs when
    a response is closed (sending what the request queued) runs here too."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = ClosingClient
    return app.test_client()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def vapid(app):
    """The app with VAPID keys, fast retries, a short send timeout, and the test-only setting that
    admits the loopback push service (PUSH_TEST_LOOPBACK)."""
    private, public = generate_vapid_keys()
    app.config.update(
        {
            "PUSH_TEST_LOOPBACK": True,
            "VAPID_PRIVATE_KEY": private,
            "VAPID_PUBLIC_KEY": public,
            "VAPID_SUBJECT": "mailto:test@example.invalid",
            "PUSH_TIMEOUT_SECONDS": 1.0,
            "PUSH_RETRY_BASE_SECONDS": 30,
            "PUSH_MAX_ATTEMPTS": 4,
        }
    )
    yield app.config
    sender.wait_for_background_sends()


@pytest.fixture
def browser(push_service):
    return lambda: Browser(push_service)


@pytest.fixture
def subscribed(login, browser):
    """subscribed("vol.qt1") -> (caller, browser): a logged-in device whose browser is subscribed."""

    def _subscribed(username, caller=None):
        caller = caller or login(username)
        phone = browser()
        response = caller.post("/push/subscriptions", json=phone.subscription())
        assert response.status_code == 201, response.get_json()
        return caller, phone

    return _subscribed


def notifications(**filters):
    statement = select(Notification).order_by(Notification.id)
    for name, value in filters.items():
        statement = statement.where(getattr(Notification, name) == value)
    db.session.expire_all()
    rows = db.session.execute(statement).scalars().all()
    db.session.commit()
    return rows


def wait_until(predicate, timeout=15, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{message} not met within {timeout} s")
