"""Several instances, one database (issue 7, item 3): two gunicorn instances on different ports,
each with an instance folder of its own, share only the database and the secrets in their
environment (README, "Running in production").

- Devices alternate between the instances request by request, pushes and pulls interleaved;
  every record ends exactly once at its planned version, and every device's pull, through either
  instance, converges to what the server holds.
- A conflict opened through A, resolved on B, is pulled resolved through A.
- The failed-login limit counts failures on A and on B together (they are rows in the database).
- Revoking a device, logging out, and a reused refresh token on one instance end the tokens on
  the other at once (the device's token generation and the used refresh tokens are rows too).
"""

import random
import time
import uuid

import pytest
import requests

from tests.helpers import PASSWORD, Caller, body_of, update, vneid_data
from tests.ops.stream import (
    StreamingDevice,
    check_acknowledged_as_planned,
    check_written_as_planned,
    eventually,
    plan_for,
)
from tests.sync.test_crash_recovery import _pull_counting, check_records_as_planned

pytestmark = pytest.mark.slow
STREAM_SECONDS = 90


def _phone(username, server):
    return Caller(requests.Session(), username, base_url=server.base_url)


def _full_pull(caller, server):
    """A pull of the caller's whole scope from the start, through `server`: {id: record}, each
    served once."""
    caller.base_url = server.base_url
    records, served = _pull_counting(caller, limit=89)
    assert set(served.values()) <= {1}, {rid: n for rid, n in served.items() if n != 1}
    return records


def test_devices_alternating_between_instances_converge_exactly_once(two_instances):
    a, b, url = two_instances
    started = time.monotonic()
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    # Two phones of one volunteer (each pulls what the other pushed) and a phone of another,
    # each turning to the other instance at every request, the first two starting apart.
    phones = [_phone("vol.qt1", a), _phone("vol.qt1", b), _phone("vol.qt2", a)]
    deadline = time.monotonic() + STREAM_SECONDS
    devices = [
        StreamingDevice(
            phone, plan_for(phone, rng), [a.base_url, b.base_url] if n % 2 == 0 else [b.base_url, a.base_url], deadline
        )
        for n, phone in enumerate(phones)
    ]
    for device in devices:
        device.start()
    for device in devices:
        device.join(timeout=max(1.0, deadline - time.monotonic()) + 5)
    for device in devices:
        assert device.error is None, (f"seed {seed}", device.error, a.log_tail(), b.log_tail())
        # Every request was answered, and answered right, by whichever instance took it.
        assert device.failures == [], (f"seed {seed}", device.failures[:5])
        check_acknowledged_as_planned(device)
    stream_seconds = time.monotonic() - started

    # Each batch replayed, through A and B in turn: the stored outcomes, whichever instance answers.
    for device in devices:
        for index, batch in enumerate(device.plan.batches):
            device.caller.base_url = (a, b)[index % 2].base_url
            assert device.caller.push_ok(batch) == device.acknowledged[index]["results"], (f"seed {seed}", index)

    check_written_as_planned(url, devices)

    # Convergence: what each device pulled bit by bit, through both instances in turn, after one
    # more pull, is its whole scope as a fresh pull through A and through B serves it.
    plans_by_user = {}
    for device in devices:
        plans_by_user.setdefault(device.caller.username, []).append(device.plan)
    for device in devices:
        plans = plans_by_user[device.caller.username]

        def converged(device=device, plans=plans):
            device.pull()
            assert set(device.replica) == {rid for plan in plans for rid in plan.records}
            for plan in plans:
                check_records_as_planned(device.replica, plan)
            assert _full_pull(device.caller, a) == device.replica == _full_pull(device.caller, b)

        eventually(converged)
    print(
        f"\n[{a.database_url.split(':')[0]}] seed {seed}: {len(devices)} devices x {len(devices[0].plan.batches)} "
        f"batches alternating between 2 instances, stream {stream_seconds:.1f} s, "
        f"total {time.monotonic() - started:.1f} s"
    )


def test_a_conflict_opened_through_one_instance_resolved_on_the_other_is_pulled_resolved(two_instances):
    a, b, _ = two_instances
    phone, other_phone = _phone("vol.ch1", a), _phone("vol.ch1", b)
    village = phone.user["villages"][0]["id"]
    mutation = phone.create("vneid_activation", village, vneid_data(full_name="Lê Thị Hoa", personal_id="044190000123"))
    [created] = phone.push_ok([mutation])
    record_id = created["record_id"]
    _, cursor, _ = phone.pull_all()

    # Both phones change the same field from version 1, through A: the second is a conflict.
    [first] = phone.push_ok([update(record_id, 1, {"notes": "Đã gọi điện, hẹn thứ Hai"})])
    other_phone.base_url = a.base_url
    [second] = other_phone.push_ok([update(record_id, 1, {"notes": "Bà Hoa đi vắng đến cuối tháng"})])
    assert (first["status"], second["status"]) == ("applied", "conflict"), (first, second)

    # The admin resolves it on B.
    admin = _phone("admin.ch", b)
    conflict = body_of(admin.get(f"/conflicts/{second['conflict_id']}"))
    assert conflict["state"] == "open" and conflict["record"]["version"] == 2
    response = admin.post(
        f"/conflicts/{second['conflict_id']}/resolve",
        json={"base_version": 2, "values": {"notes": "Bà Hoa đi vắng; đã hẹn thứ Hai"}},
    )
    assert response.status_code == 200, body_of(response)

    # Both phones pull through A from where they were: the resolved version, no conflict left.
    for device, since in ((phone, cursor), (other_phone, None)):
        device.base_url = a.base_url

        def resolved(device=device, since=since):
            record = device.pull_all(since)[0].get(record_id)
            assert record is not None and (record["version"], record["has_conflict"], record["data"]["notes"]) == (
                3,
                False,
                "Bà Hoa đi vắng; đã hẹn thứ Hai",
            ), record

        eventually(resolved)
    assert body_of(admin.get(f"/conflicts/{second['conflict_id']}"))["state"] == "resolved"


def _login(server, username, password, device_id=None):
    return requests.post(
        f"{server.base_url}/api/v1/auth/login",
        timeout=30,
        json={"username": username, "password": password, "device_id": device_id or str(uuid.uuid4())},
    )


def test_failed_logins_on_both_instances_count_against_one_limit(two_instances):
    a, b, _ = two_instances
    limit = 10  # LOGIN_MAX_FAILURES_PER_ACCOUNT
    # Half the failures on each instance: neither alone saw enough to block.
    for attempt in range(limit):
        response = _login((a, b)[attempt % 2], "vol.qt3", "sai-mat-khau")
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_credentials"
    for server in (a, b):
        response = _login(server, "vol.qt3", PASSWORD)  # even the right password
        assert response.status_code == 429, response.text
        assert response.json()["error"]["code"] == "too_many_login_attempts"
        assert 0 < int(response.headers["Retry-After"]) <= 900
    # Another account from the same address is not blocked: the account's limit was reached.
    assert _login(b, "vol.qt2", PASSWORD).status_code == 200


def _status(server, method, path, token, **kwargs):
    response = requests.request(
        method, f"{server.base_url}/api/v1{path}", timeout=30, headers={"Authorization": f"Bearer {token}"}, **kwargs
    )
    code = response.json()["error"]["code"] if response.status_code >= 400 else None
    return response.status_code, code


def test_revocation_on_one_instance_holds_on_the_other_at_once(two_instances):
    a, b, _ = two_instances
    admin = _phone("admin.qt", a)

    # An admin revokes a device on A: its access and refresh tokens are refused on B.
    phone = _phone("staff.qt", b)
    assert _status(b, "GET", "/auth/me", phone.access_token) == (200, None)
    response = admin.post(f"/devices/{phone.device_id}/revoke")
    assert response.status_code == 200, body_of(response)
    assert _status(b, "GET", "/auth/me", phone.access_token) == (401, "device_revoked")
    assert _status(b, "POST", "/auth/refresh", phone.refresh_token) == (401, "device_revoked")

    # Logout on A: the refresh token is refused on B, and so is the access token.
    phone = _phone("police.qt", b)
    assert _status(a, "POST", "/auth/logout", phone.access_token) == (204, None)
    assert _status(b, "POST", "/auth/refresh", phone.refresh_token) == (401, "token_revoked")
    assert _status(b, "GET", "/auth/me", phone.access_token) == (401, "token_revoked")

    # A refresh token rotated on A and presented again on B is reuse: every token of the
    # device stops working, on both instances.
    phone = _phone("police.qt", a)
    response = requests.post(
        f"{a.base_url}/api/v1/auth/refresh", timeout=30, headers={"Authorization": f"Bearer {phone.refresh_token}"}
    )
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert _status(b, "POST", "/auth/refresh", phone.refresh_token) == (401, "token_reused")
    for server in (a, b):
        assert _status(server, "GET", "/auth/me", rotated["access_token"]) == (401, "token_revoked")
        assert _status(server, "POST", "/auth/refresh", rotated["refresh_token"])[0] == 401


def test_the_instances_serve_one_vapid_key(two_instances):
    a, b, _ = two_instances
    keys = {
        requests.get(
            f"{s.base_url}/api/v1/push/vapid-public-key",
            timeout=30,
            headers={"Authorization": f"Bearer {_phone('vol.qt1', s).access_token}"},
        ).json()["public_key"]
        for s in (a, b)
    }
    assert len(keys) == 1
