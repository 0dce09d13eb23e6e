"""Every response carries the browser security headers (server/security_headers.py): the page,
the service worker, a module, API answers and error answers alike; API answers are never
stored by an HTTP cache; HSTS only over HTTPS; and the app sets no cookie at all.
The browser tests prove the app runs under this policy (tests/e2e/policy.py)."""

import re
import uuid

import pytest

from server import create_app
from server.security_headers import HEADERS, STRICT_TRANSPORT_SECURITY
from tests.helpers import API, PASSWORD, vneid_data


def directives(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


def assert_secured(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.request.path, name)
    policy = directives(response)
    # Nothing but our own files may run, and no string may become script or HTML.
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == policy["img-src"] == policy["worker-src"] == ["'self'"]
    assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == ["'none'"]
    assert policy["require-trusted-types-for"] == ["'script'"] and policy["trusted-types"] == ["sw"]
    assert not re.search(r"unsafe-|data:|blob:|\*", response.headers["Content-Security-Policy"])
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/", "/sw.js", "/js/app.js", "/css/app.css", "/manifest.webmanifest", "/healthz"])
def test_the_app_shell_is_served_with_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_secured(response)
    assert response.headers.get("Cache-Control") != "no-store"  # the shell may be cached; it is not personal


def test_api_answers_carry_the_headers_and_are_never_stored(login):
    volunteer = login("vol.qt1")
    [result] = volunteer.push_ok([volunteer.create("vneid_activation", 1, vneid_data())])
    pull = volunteer.get("/sync/pull", query_string={"device_id": volunteer.device_id})
    for response in (
        volunteer.get("/auth/me"),
        pull,
        volunteer.get(f"/records/{result['record_id']}"),
        volunteer.get("/forms"),
    ):
        assert response.status_code == 200
        assert_secured(response)
        assert response.headers["Cache-Control"] == "no-store"


def test_an_answer_with_its_own_cache_policy_keeps_it(login):
    with login("police.qt").get("/reports/export", query_string={"format": "csv", "period": "2026-11"}) as response:
        assert response.status_code == 200
        assert_secured(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", f"{API}/auth/me", 401),  # no token
        ("GET", f"{API}/no-such-thing", 404),
        ("PUT", f"{API}/sync/push", 405),
        ("POST", f"{API}/auth/login", 415),  # not JSON
        ("GET", "/no-such-file.js", 404),  # outside the API
    ],
)
def test_error_answers_carry_the_headers(client, method, path, status):
    response = client.open(path, method=method, data="x" if method == "POST" else None)
    assert response.status_code == status
    assert response.get_json()["error"]["code"]
    assert_secured(response)
    if path.startswith(API):
        assert response.headers["Cache-Control"] == "no-store"


def test_a_crash_is_answered_with_the_headers():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROPAGATE_EXCEPTIONS": False})

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_logging_in_sets_no_cookie(client):
    """Tokens travel in the Authorization header only: a cross-site request carries no credential."""
    for password in (PASSWORD, "wrong password"):
        response = client.post(
            f"{API}/auth/login", json={"username": "vol.qt1", "password": password, "device_id": str(uuid.uuid4())}
        )
        assert response.status_code in (200, 401)
        assert "Set-Cookie" not in response.headers


def test_strict_transport_security_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://sotay.example")
    assert secure.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY


def test_behind_a_tls_proxy_https_is_read_from_x_forwarded_proto_when_proxy_hops_is_set():
    def hsts(proxy_hops, proto):
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_HOPS": proxy_hops})
        response = app.test_client().get("/sw.js", headers={"X-Forwarded-Proto": proto})
        return response.headers.get("Strict-Transport-Security")

    assert hsts(1, "https") == STRICT_TRANSPORT_SECURITY
    assert hsts(1, "http") is None
    assert hsts(0, "https") is None  # without PROXY_HOPS anyone could send the header: not trusted
