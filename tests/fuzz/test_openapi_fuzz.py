"""The API against its own OpenAPI document: schemathesis generates requests for every operation
of /api/v1/openapi.json and each is sent without a token and as each role of the demo data
(volunteer, village staff, police, admin), on SQLite and PostgreSQL.

Every answer must: never be a 5xx; have a status, Content-Type, headers and body the document
gives for that operation (response schemas forbid undocumented keys and mark what is always sent);
refuse (4xx) a request the document calls invalid; and, for every 4xx, be exactly the error
envelope of PROTOCOL.md §1.

Generated ids name nothing, so a case with path ids is sent again with ids of the seeded world
(records, a conflict, demo users and villages, devices: the admin's own among them), and a
device_id in a push or pull is the caller's own device: the fuzz reaches the code behind the
404s and 403s. A request that ends a session (logout, refresh, revoking a device, changing or
disabling a user) and succeeds is followed by restoring the demo users and logging every role in
again, and an authenticated role is never answered 401 for its token: the run stays meaningful
to its end.

Bounded for CI: schemathesis's coverage phase (deterministic boundary and invalid values) plus
SOTAY_FUZZ_EXAMPLES random examples per operation (default 3), derandomized, without shrinking or
an example database. A longer run: `SOTAY_FUZZ_EXAMPLES=200 pytest tests/fuzz` (README, "Tests").
"""

import json
import os
import re
import uuid
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app
from server.demo import seed_demo
from server.secrets import generate_vapid_keys
from server.extensions import db
from server.models import User, Village
from tests.conftest import seeded_app
from tests.helpers import PASSWORD, Caller, body_of, death_data, propaganda_data, update, vneid_data

EXAMPLES = int(os.environ.get("SOTAY_FUZZ_EXAMPLES", "3"))
ROLES = {
    "anonymous": None,
    "volunteer": "vol.qt1",
    "village_staff": "staff.qt",
    "police": "police.qt",
    "admin": "admin.qt",
}
# The harness logs in from its own address, so the fuzzer's failed logins (counted per address)
# never lock it out.
HARNESS_ADDRESS = {"REMOTE_ADDR": "127.0.0.2"}
# After these, a role's tokens may be gone or a demo user changed: restore and log in again.
SESSION_ENDING = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/refresh"),
    ("PATCH", "/api/v1/users/{user_id}"),
    ("POST", "/api/v1/devices/{device_id}/revoke"),
}
# What a role's request gets when its session ended behind the harness's back (a generated
# request may still send no token or a garbled one: token_missing, token_invalid).
SESSION_ENDED = {"token_revoked", "token_reused", "device_revoked", "account_disabled"}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def _openapi_document():
    """The document as the app serves it (an app on an in-memory database: nothing is read)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "JWT_SECRET_KEY": "fuzz" * 10})
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


schema = schemathesis.openapi.from_dict(
    _openapi_document(),
    config=schemathesis.Config.from_dict(
        {
            "generation": {"deterministic": True, "max-examples": EXAMPLES, "database": "none", "no-shrink": True},
        }
    ),
)


def error_envelope(ctx, response, case):
    """PROTOCOL.md §1: every 4xx is {"error": {"code", "message", "fields"?}} and nothing else."""
    if not 400 <= response.status_code < 500:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = json.loads(response.content)
    assert isinstance(body, dict) and list(body) == ["error"], body
    error = body["error"]
    assert isinstance(error, dict) and {"code", "message"} <= set(error) <= {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and SNAKE_CASE.fullmatch(error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if "fields" in error or error["code"] == "validation_failed":
        fields = error.get("fields")
        assert isinstance(fields, dict) and fields, f"a validation error names its fields: {error}"
        assert all(isinstance(m, list) and m and all(isinstance(t, str) for t in m) for m in fields.values()), error
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


class World:
    """The fuzzed app's database: the demo data, a few records and a conflict, and a logged-in
    device per role."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.client.environ_base.update(HARNESS_ADDRESS)
        self.callers = {}
        self.log_in()
        self.known = self._seed()

    def log_in(self):
        """Every role on a new device (a revoked one cannot log in again)."""
        self.callers = {role: Caller(self.client, name) for role, name in ROLES.items() if name}

    def restore(self, users_changed):
        if users_changed:
            with self.app.app_context():
                seed_demo(PASSWORD)  # roles, villages, passwords and active flags as they were
        self.log_in()

    def _seed(self):
        volunteer, police = Caller(self.client, "vol.qt1"), self.callers["police"]
        with self.app.app_context():
            villages = {v.name: v.id for v in db.session.execute(db.select(Village)).scalars()}
            users = [u.id for u in db.session.execute(db.select(User).order_by(User.id)).scalars()]
        thon_1 = villages["Thôn 1"]
        records = [
            volunteer.create("vneid_activation", thon_1, vneid_data(notes="gốc")),
            volunteer.create("death_check", thon_1, death_data()),
            volunteer.create("propaganda_session", thon_1, propaganda_data()),
        ]
        assert {r["status"] for r in volunteer.push_ok(records)} == {"applied"}
        first = records[0]["record_id"]
        police.push_ok([update(first, 1, {"notes": "công an sửa"})])
        result = volunteer.push_ok([update(first, 1, {"notes": "tình nguyện viên sửa"})])[0]
        assert result["status"] == "conflict", result
        response = self.callers["admin"].request(
            "PUT",
            "/targets",
            json={"targets": [{"measure": "vneid_activated", "village_id": thon_1, "period": "2026", "value": 600}]},
        )
        assert response.status_code == 200, body_of(response)
        return {
            "record_id": [r["record_id"] for r in records],
            "conflict_id": [result["conflict_id"]],
            "user_id": users,
            "village_id": [thon_1, villages["Thôn Đông"]],
            "device_id": [volunteer.device_id],
        }

    def known_ids(self, case):
        """The case's path ids replaced by ids of this world, chosen by the case's content."""
        choice = zlib.crc32(repr((case.path_parameters, case.body, case.query)).encode())
        candidates = dict(self.known, device_id=self.known["device_id"] + [self.callers["admin"].device_id])
        return {
            name: candidates[name][choice % len(candidates[name])] if name in candidates else value
            for name, value in case.path_parameters.items()
        }


@pytest.fixture
def world(database_url, tmp_path):
    with seeded_app(database_url, tmp_path) as app:
        # Subscriptions the fuzzer makes point anywhere: nothing is ever sent from this app.
        app.config["PUSH_SEND_AFTER_REQUEST"] = False
        app.config["VAPID_PRIVATE_KEY"], app.config["VAPID_PUBLIC_KEY"] = generate_vapid_keys()
        yield World(app)


def send(world, case, role, checks=CHECKS):
    """`case` as `role`, checked; a device_id the case sends is the caller's own when it is a UUID."""
    caller = world.callers.get(role)
    for name in [name for name, value in case.query.items() if _never_sent(value)]:
        # Left out of the query string by werkzeug: the case is judged as sent (schemathesis
        # checks again whether a case it changed is still invalid).
        del case.query[name]
    if caller is not None:
        token = caller.refresh_token if case.path == "/api/v1/auth/refresh" else caller.access_token
        # Into the case itself, so that one generated without it (an invalid request, for the
        # anonymous caller sent first) is judged as the valid request it now is.
        case.headers["Authorization"] = f"Bearer {token}"
        for container in (case.body, case.query):
            if isinstance(container, dict) and _is_uuid(container.get("device_id")):
                container["device_id"] = caller.device_id
    # schemathesis sends requests' Accept-Encoding but hands back the body of a WSGI call as sent,
    # not decoded as an HTTP client would: asked for plain (compression: tests/test_compression.py).
    case.headers["Accept-Encoding"] = "identity"
    with world.app.app_context():  # each request in its own context, as under a real server
        response = case.call(app=world.app)
    case.validate_response(response, checks=checks, additional_checks=[error_envelope])
    if caller is not None and response.status_code == 401 and response.json()["error"]["code"] in SESSION_ENDED:
        pytest.fail(f"{role} lost its session before {case.method} {case.formatted_path}: {response.text}")
    return response.status_code


def _never_sent(value):
    """None, or a list of nothing but None: werkzeug puts no parameter in the query string."""
    return value is None or isinstance(value, list) and all(item is None for item in value)


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_as_documented_for_every_role(case, world):
    cases = [(case, CHECKS)]
    if case.path_parameters:
        known = case.derive()
        known.path_parameters.update(world.known_ids(case))
        # Valid ids in place of generated ones may make an invalid request valid: the original
        # case has been held to refusing it.
        cases.append((known, [check for check in CHECKS if check is not negative_data_rejection]))
    for each, checks in cases:
        statuses = [send(world, each, role, checks) for role in ROLES]
        if (each.method.upper(), each.path) in SESSION_ENDING and any(200 <= s < 300 for s in statuses):
            world.restore(users_changed=each.path == "/api/v1/users/{user_id}")
