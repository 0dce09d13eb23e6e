"""Failed-login limits that slow a guesser down without letting anyone keep the owner out
(server/auth/ratelimit.py, docs/security.md "Login limits"): an official's name is easy to
guess, so wrong passwords sent by someone else must not lock the real user out of a phone that
has already logged in as that user."""

import uuid

import pytest

from tests.helpers import PASSWORD, body_of

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def attempt(client, username, password, device_id, address):
    return client.post(
        "/api/v1/auth/login",
        environ_base={"REMOTE_ADDR": address},
        json={"username": username, "password": password, "device_id": device_id},
    )


def guess(client, username, times, address=ATTACKER):
    """Wrong passwords, each from a new device id, as a guesser sends them."""
    statuses = [attempt(client, username, f"sai-{n}", str(uuid.uuid4()), address).status_code for n in range(times)]
    return statuses


@pytest.fixture
def owners_phone(client):
    """admin.ch's own phone: a device that has logged in as admin.ch."""
    device_id = str(uuid.uuid4())
    assert attempt(client, "admin.ch", PASSWORD, device_id, OWNER).status_code == 200
    return device_id


@pytest.mark.parametrize("username", ["admin.ch", "police.qt"])
def test_a_guesser_cannot_lock_the_owner_out_of_a_phone_already_logged_in(app, client, username):
    phone = str(uuid.uuid4())
    assert attempt(client, username, PASSWORD, phone, OWNER).status_code == 200
    assert guess(client, username, 12)[-2:] == [429, 429]
    # The owner's phone still logs in, from its usual address and from the guesser's own.
    for address in (OWNER, ATTACKER):
        response = attempt(client, username, PASSWORD, phone, address)
        assert response.status_code == 200, body_of(response)


def test_the_guesser_is_still_blocked_after_the_owner_logs_in(app, client, owners_phone):
    assert guess(client, "admin.ch", 10) == [401] * 10
    assert attempt(client, "admin.ch", PASSWORD, owners_phone, OWNER).status_code == 200
    assert guess(client, "admin.ch", 1) == [429]
    # The right password does not get through for the guesser's new devices either.
    blocked = attempt(client, "admin.ch", PASSWORD, str(uuid.uuid4()), ATTACKER)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_the_owner_logs_in_on_a_new_phone_from_another_address(app, client):
    assert guess(client, "admin.ch", 10)[-1] == 401
    assert guess(client, "admin.ch", 1) == [429]
    assert attempt(client, "admin.ch", PASSWORD, str(uuid.uuid4()), OWNER).status_code == 200


def test_guessing_from_many_addresses_is_capped_for_the_account_but_not_its_phones(app, client, owners_phone):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ALL_ADDRESSES"] = 15
    for n in range(3):
        guess(client, "admin.ch", 5, address=f"203.0.113.{n + 1}")
    assert guess(client, "admin.ch", 1, address="203.0.113.200") == [429]
    assert attempt(client, "admin.ch", PASSWORD, str(uuid.uuid4()), "192.0.2.50").status_code == 429
    assert attempt(client, "admin.ch", PASSWORD, owners_phone, OWNER).status_code == 200


def test_a_phone_of_the_account_has_its_own_limit_against_guessing_on_it(app, client, owners_phone):
    statuses = [attempt(client, "admin.ch", "sai", owners_phone, ATTACKER).status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    # Another phone of the account is not affected.
    other = str(uuid.uuid4())
    assert attempt(client, "admin.ch", PASSWORD, other, OWNER).status_code == 200


def test_a_busy_address_does_not_keep_the_owners_phone_out(app, client, owners_phone):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 5
    for username in ("vol.qt1", "vol.qt2", "vol.qt3", "staff.qt", "police.qt"):
        guess(client, username, 1, address=OWNER)
    assert attempt(client, "vol.ch1", PASSWORD, str(uuid.uuid4()), OWNER).status_code == 429
    assert attempt(client, "admin.ch", PASSWORD, owners_phone, OWNER).status_code == 200


def test_a_revoked_phone_has_no_allowance_of_its_own(app, client, login, owners_phone):
    admin = login("admin.ch")
    assert admin.post(f"/devices/{owners_phone}/revoke").status_code == 200
    guess(client, "admin.ch", 10)
    assert attempt(client, "admin.ch", "sai", owners_phone, ATTACKER).status_code == 429


def test_another_users_device_id_gives_no_allowance(app, client):
    volunteers_phone = str(uuid.uuid4())
    assert attempt(client, "vol.ch1", PASSWORD, volunteers_phone, OWNER).status_code == 200
    guess(client, "admin.ch", 10)
    assert attempt(client, "admin.ch", "sai", volunteers_phone, ATTACKER).status_code == 429
