"""PROTOCOL.md §2: login binding a device, rotating refresh tokens, logout, revocation, rate limits."""

import uuid

from flask_jwt_extended import decode_token

from tests.helpers import PASSWORD, Caller, body_of


def test_login_returns_tokens_and_the_user_with_villages(login):
    volunteer = login("vol.qt1")
    assert volunteer.user["username"] == "vol.qt1"
    assert volunteer.user["role"] == "volunteer"
    assert [v["name"] for v in volunteer.user["villages"]] == ["Thôn 1", "Thôn 2"]
    assert volunteer.user["village_ids"] == [v["id"] for v in volunteer.user["villages"]]


def test_access_tokens_are_short_and_refresh_tokens_last_weeks(app, login):
    volunteer = login("vol.qt1")
    access, refresh = decode_token(volunteer.access_token), decode_token(volunteer.refresh_token)
    assert access["exp"] - access["iat"] <= 60 * 60
    assert refresh["exp"] - refresh["iat"] >= 30 * 24 * 3600


def test_wrong_password_is_401_in_the_envelope(client):
    response = client.post(
        "/api/v1/auth/login", json={"username": "vol.qt1", "password": "wrong", "device_id": str(uuid.uuid4())}
    )
    assert response.status_code == 401
    assert body_of(response)["error"]["code"] == "invalid_credentials"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    response = client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "wrong", "device_id": str(uuid.uuid4())}
    )
    assert response.status_code == 401
    assert body_of(response)["error"]["code"] == "invalid_credentials"


def test_a_device_bound_to_another_user_is_refused(login):
    first = login("vol.qt1")
    try:
        login("vol.qt2", device_id=first.device_id)
    except AssertionError as err:
        assert "409" in str(err) and "device_bound_to_other_user" in str(err)
    else:
        raise AssertionError("a second user could take over a bound device")


def test_refresh_rotates_and_the_old_refresh_token_stops_working(login):
    volunteer = login("vol.qt1")
    old_refresh = volunteer.refresh_token
    response = volunteer.post("/auth/refresh", token=old_refresh)
    assert response.status_code == 200
    fresh = body_of(response)
    assert fresh["refresh_token"] != old_refresh
    assert volunteer.get("/auth/me", token=fresh["access_token"]).status_code == 200
    # A second refresh with the same rotated token is theft: the whole device family is revoked.
    reused = volunteer.post("/auth/refresh", token=old_refresh)
    assert reused.status_code == 401
    assert body_of(reused)["error"]["code"] == "token_reused"
    for token in (fresh["access_token"], fresh["refresh_token"]):
        path = "/auth/me" if token == fresh["access_token"] else "/auth/refresh"
        response = volunteer.request("GET" if path == "/auth/me" else "POST", path, token=token)
        assert response.status_code == 401
        assert body_of(response)["error"]["code"] == "token_revoked"


def test_logout_revokes_the_devices_tokens(login):
    volunteer = login("vol.qt1")
    assert volunteer.post("/auth/logout").status_code == 204
    response = volunteer.get("/auth/me")
    assert response.status_code == 401
    assert body_of(response)["error"]["code"] == "token_revoked"
    assert volunteer.post("/auth/refresh", token=volunteer.refresh_token).status_code == 401


def test_logging_in_again_on_the_same_device_ends_the_old_tokens(client, login):
    volunteer = login("vol.qt1")
    again = Caller(client, "vol.qt1", device_id=volunteer.device_id)
    assert again.get("/auth/me").status_code == 200
    assert volunteer.get("/auth/me").status_code == 401


def test_a_revoked_device_gets_device_revoked_on_its_next_request(login):
    volunteer, admin = login("vol.qt1"), login("admin.qt")
    assert admin.post(f"/devices/{volunteer.device_id}/revoke").status_code == 200
    response = volunteer.get("/forms")
    assert response.status_code == 401
    assert body_of(response)["error"]["code"] == "device_revoked"
    refresh = volunteer.post("/auth/refresh", token=volunteer.refresh_token)
    assert body_of(refresh)["error"]["code"] == "device_revoked"


def test_a_disabled_account_is_locked_out_at_once(login):
    volunteer, admin = login("vol.qt1"), login("admin.qt")
    response = admin.request("PATCH", f"/users/{volunteer.user['id']}", json={"active": False})
    assert response.status_code == 200
    assert volunteer.get("/auth/me").status_code == 401


def test_failed_logins_are_limited_per_account_with_retry_after(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    device = str(uuid.uuid4())
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/login", json={"username": "vol.qt1", "password": "nope", "device_id": device}
        )
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": device})
    assert blocked.status_code == 429
    assert body_of(blocked)["error"]["code"] == "too_many_login_attempts"
    assert int(blocked.headers["Retry-After"]) > 0
    # Another account from the same address is not affected.
    other = client.post(
        "/api/v1/auth/login", json={"username": "vol.qt2", "password": PASSWORD, "device_id": str(uuid.uuid4())}
    )
    assert other.status_code == 200


def test_failed_logins_are_limited_per_address(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 4
    for attempt in range(4):
        client.post(
            "/api/v1/auth/login", json={"username": f"guess{attempt}", "password": "x", "device_id": str(uuid.uuid4())}
        )
    blocked = client.post(
        "/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": str(uuid.uuid4())}
    )
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_many_users_logging_in_from_one_address_are_never_blocked(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for round_ in range(5):
        for username in ("vol.qt1", "vol.qt2", "vol.qt3", "staff.qt", "police.qt", "admin.qt"):
            response = client.post(
                "/api/v1/auth/login", json={"username": username, "password": PASSWORD, "device_id": str(uuid.uuid4())}
            )
            assert response.status_code == 200, (round_, username)


def test_the_rate_limit_is_kept_in_the_database_not_in_process_memory(app, client, database_url):
    """A second app instance on the same database sees the first one's failures."""
    from server import create_app
    from tests.conftest import FAST_HASHING

    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    for _ in range(2):
        client.post(
            "/api/v1/auth/login", json={"username": "vol.qt3", "password": "nope", "device_id": str(uuid.uuid4())}
        )
    other = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "LOGIN_MAX_FAILURES_PER_ACCOUNT": 2, **FAST_HASHING}
    )
    other.instance_path = app.instance_path
    response = other.test_client().post(
        "/api/v1/auth/login", json={"username": "vol.qt3", "password": PASSWORD, "device_id": str(uuid.uuid4())}
    )
    assert response.status_code == 429


def test_every_endpoint_but_login_needs_a_token(client):
    for method, path in (
        ("GET", "/api/v1/forms"),
        ("POST", "/api/v1/sync/push"),
        ("GET", "/api/v1/sync/pull"),
        ("GET", "/api/v1/records"),
        ("GET", "/api/v1/conflicts"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", "/api/v1/auth/refresh"),
    ):
        response = client.open(path, method=method, json={} if method == "POST" else None)
        assert response.status_code == 401, path
        assert body_of(response)["error"]["code"] == "token_missing", path


def test_two_logins_racing_for_one_new_device_never_give_a_500(app, database_url):
    """Both requests may find the device id free; the loser of the insert is told to retry."""
    import threading

    device_id = str(uuid.uuid4())
    statuses = []

    def log_in():
        response = app.test_client().post(
            "/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": device_id}
        )
        statuses.append((response.status_code, body_of(response)))

    threads = [threading.Thread(target=log_in) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 4
    for status, body in statuses:
        assert status in (200, 409), body
        if status == 409:
            assert body["error"]["code"] == "concurrent_change"
    assert any(status == 200 for status, _ in statuses)


def test_one_refresh_token_presented_twice_at_once_is_honoured_once(app, login):
    import threading

    volunteer = login("vol.qt1")
    statuses = []

    def refresh():
        response = app.test_client().post(
            "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {volunteer.refresh_token}"}
        )
        statuses.append((response.status_code, body_of(response)))

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == 4
    assert sum(1 for status, _ in statuses if status == 200) <= 1, statuses
    assert all(status in (200, 401) for status, _ in statuses), statuses
