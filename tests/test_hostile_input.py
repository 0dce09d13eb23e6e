"""Hostile input: whatever a client sends, the answer is a 4xx in the one error envelope, never a 500.

PROTOCOL.md §1: every error body is exactly
``{"error": {"code": <snake_case>, "message": <text>, "fields"?: {...}}}``; 400 malformed JSON or
wrong shape, 401 bad token, 404 unknown, 405 wrong method, 413 too large, 422 well-formed but
invalid. "No input may produce a 500." §6: a bad mutation is answered per mutation (`rejected`,
with `error.fields` naming the field) and does not block the ones after it. Text is kept byte for
byte.

The cases only read, or write what nothing else in this module looks at, so one seeded database
serves the whole module (per backend): the suite stays quick with a few hundred cases.
"""

import base64
import json
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from server.extensions import db
from server.models import Village
from tests.conftest import seeded_app
from tests.helpers import PASSWORD, Caller, body_of, death_data, propaganda_data, update, vneid_data

MAX_BODY = 4 * 1024 * 1024  # server/config.py MAX_CONTENT_LENGTH
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
TODAY = date.today()
FUTURE = (TODAY + timedelta(days=400)).isoformat()
WORLD_NAME = "Phạm Thị Hồng Nhung"  # the one record of the module with this name


# --------------------------------------------------------------------------------------------
# The envelope


def assert_envelope(response, status=None, code=None, field=None):
    """The response is an error in exactly PROTOCOL.md §1's envelope; returns its `error`.

    `status`: an int, a collection of ints, or None for "any 4xx". `field`: a key that
    `error.fields` must name, itself or by a dotted path under it (a list's item, a nested key).
    """
    text = response.get_data(as_text=True)
    if status is None:
        ok, wanted = 400 <= response.status_code < 500, "a 4xx"
    elif isinstance(status, int):
        ok, wanted = response.status_code == status, status
    else:
        ok, wanted = response.status_code in status, sorted(status)
    assert ok, f"expected {wanted}, got {response.status_code}: {text[:600]}"
    assert response.mimetype == "application/json", (response.mimetype, text[:300])
    assert "Traceback" not in text and 'File "' not in text, text[:600]
    body = json.loads(text)
    assert isinstance(body, dict) and list(body) == ["error"], body
    error = body["error"]
    assert isinstance(error, dict), body
    assert {"code", "message"} <= set(error) <= {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and SNAKE_CASE.fullmatch(error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if "fields" in error:
        assert isinstance(error["fields"], dict) and error["fields"], error
        assert all(isinstance(name, str) for name in error["fields"]), error
    # The messages are for people who read Vietnamese (PROTOCOL.md §1), marshmallow's own included.
    messages = [error["message"]] + [m for ms in error.get("fields", {}).values() for m in ms]
    assert all(not m.isascii() for m in messages), f"a message is not in Vietnamese: {error}"
    if error["code"] == "validation_failed":
        assert "fields" in error, f"a validation error names its fields: {error}"
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        named = error.get("fields", {})
        assert field in named or any(name.startswith(f"{field}.") for name in named), (
            f"error.fields should name {field!r} (or an item of it: {field}.<index>): {error}"
        )
    return error


def assert_answered(response):
    """Not a 5xx: a JSON object for a 2xx, the envelope for a 4xx."""
    if 200 <= response.status_code < 300:
        assert isinstance(json.loads(response.get_data(as_text=True)), dict)
        return None
    return assert_envelope(response)


# --------------------------------------------------------------------------------------------
# One seeded database for the module


@dataclass
class World:
    app: object
    client: object  # a FreshContextClient: each request in its own app context
    callers: dict
    villages: dict
    record_id: str = ""  # a vneid_activation of vol.qt1 in Thôn 1, version 1
    conflict_id: str = ""  # an open conflict in Quang Trung
    target_user_id: int = 0  # the user and village the PATCH cases aim at (nothing else uses them)
    target_village_id: int = 0
    commune_id: int = 0  # Quang Trung, which the province admin's cases aim at

    def __getitem__(self, username):
        return self.callers[username]

    def ids(self):
        return {
            "record": self.record_id,
            "conflict": self.conflict_id,
            "user": self.target_user_id,
            "village": self.target_village_id,
            "commune": self.commune_id,
        }


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    with seeded_app(database_url, tmp_path_factory.mktemp("hostile-instance")) as app:
        client = app.test_client()
        callers = {name: Caller(client, name) for name in ("vol.qt1", "vol.qt3", "police.qt", "admin.qt", "padmin.th")}
        villages = {v.name: v.id for v in db.session.execute(db.select(Village)).scalars()}
        db.session.commit()
        w = World(app=app, client=client, callers=callers, villages=villages)

        volunteer, police, admin = callers["vol.qt1"], callers["police.qt"], callers["admin.qt"]
        mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(full_name=WORLD_NAME))
        assert volunteer.push_ok([mutation])[0]["status"] == "applied"
        w.record_id = mutation["record_id"]

        # A conflict: police and the volunteer change the same field from version 1.
        disputed = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(notes="gốc"))
        volunteer.push_ok([disputed])
        police.push_ok([update(disputed["record_id"], 1, {"notes": "công an sửa"})])
        result = volunteer.push_ok([update(disputed["record_id"], 1, {"notes": "tình nguyện viên sửa"})])[0]
        assert result["status"] == "conflict", result
        w.conflict_id = result["conflict_id"]

        response = admin.post(
            "/users",
            json={
                "username": "hostile.target",
                "password": "mat-khau-dai-du",
                "full_name": "Mục tiêu",
                "role": "volunteer",
            },
        )
        assert response.status_code == 201, body_of(response)
        w.target_user_id = body_of(response)["id"]
        response = admin.post("/villages", json={"name": "Thôn thử nghiệm"})
        assert response.status_code == 201, body_of(response)
        w.target_village_id = body_of(response)["id"]
        w.commune_id = admin.user["commune_id"]
        yield w


def send(
    world,
    method,
    path,
    body=None,
    *,
    raw=None,
    user=None,
    content_type="application/json",
    headers=None,
    query_string=None,
):
    """One request. `body` is sent as JSON made by the standard library (so integers of any size
    and escaped lone surrogates can be sent); `raw` as the bytes given."""
    all_headers = dict(headers or {})
    if user is not None:
        all_headers["Authorization"] = f"Bearer {world[user].access_token}"
    if body is not None:
        raw = json.dumps(body).encode()
    if raw is not None and content_type is not None:
        all_headers["Content-Type"] = content_type
    return world.client.open("/api/v1" + path, method=method, data=raw, headers=all_headers, query_string=query_string)


def push(world, user, mutations, **extra):
    """A push of these mutations (numbered when they have no id), sent with json.dumps."""
    caller = world[user]
    for mutation in mutations:
        mutation.setdefault("mutation_id", caller.next_mutation_id())
    return send(
        world, "POST", "/sync/push", {"device_id": caller.device_id, "mutations": mutations, **extra}, user=user
    )


def push_results(world, user, mutations, **extra):
    response = push(world, user, mutations, **extra)
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:600])
    return body_of(response)["results"]


def pulled(caller, record_id, timeout=10.0):
    """The record as a device pulling from the start receives it.

    On PostgreSQL pull serves only changes below the oldest write transaction still running on
    the whole server (server/sync/cursor.py), so while other databases on a shared server are
    busy a fresh change may need another pull, as a device would do.
    """
    deadline = time.monotonic() + timeout
    cursor, seen = None, {}
    while True:
        page = caller.pull(cursor)
        seen.update({change["record"]["id"]: change["record"] for change in page["changes"]})
        cursor = page["cursor"]
        if record_id in seen:
            return seen[record_id]
        if not page["has_more"]:
            assert time.monotonic() < deadline, f"{record_id} never reached pull"
            time.sleep(0.05)


def valid_create(world, user="vol.qt1", record_type="vneid_activation", **overrides):
    data = {"vneid_activation": vneid_data, "death_check": death_data, "propaganda_session": propaganda_data}[
        record_type
    ](**overrides)
    return world[user].create(record_type, world.villages["Thôn 1"], data)


# --------------------------------------------------------------------------------------------
# Endpoints taking a JSON body: who calls them, and a body they would accept


BODY_ENDPOINTS = {
    # name: (method, path, caller)
    "login": ("POST", "/auth/login", None),
    "push": ("POST", "/sync/push", "vol.qt1"),
    "review": ("POST", "/records/{record}/review", "police.qt"),
    "bulk_review": ("POST", "/records/review", "police.qt"),
    "resolve": ("POST", "/conflicts/{conflict}/resolve", "admin.qt"),
    "create_user": ("POST", "/users", "admin.qt"),
    "update_user": ("PATCH", "/users/{user}", "admin.qt"),
    "create_village": ("POST", "/villages", "admin.qt"),
    "update_village": ("PATCH", "/villages/{village}", "admin.qt"),
    "set_targets": ("PUT", "/targets", "admin.qt"),
    "subscribe": ("POST", "/push/subscriptions", "vol.qt1"),
    "unsubscribe": ("DELETE", "/push/subscriptions", "vol.qt1"),
    "open_commune": ("POST", "/communes", "padmin.th"),
    "create_commune_admin": ("POST", "/communes/{commune}/admins", "padmin.th"),
}


def valid_body(world, name):
    """A body the endpoint would accept (it may be refused later for what it asks, not for its form)."""
    return {
        "login": lambda: {"username": "vol.qt3", "password": PASSWORD, "device_id": str(uuid.uuid4())},
        "push": lambda: {"device_id": world["vol.qt1"].device_id, "mutations": []},
        "review": lambda: {"action": "needs_changes", "comment": "Bổ sung số điện thoại", "base_version": 1},
        "bulk_review": lambda: {"ids": [world.record_id], "action": "needs_changes", "comment": "Bổ sung"},
        "resolve": lambda: {"base_version": 2, "values": {"notes": "đã thống nhất"}},
        "create_user": lambda: {
            "username": f"u{uuid.uuid4().hex[:10]}",
            "password": "mat-khau-dai-du",
            "full_name": "Người mới",
            "role": "volunteer",
        },
        "update_user": lambda: {"full_name": "Người đổi tên"},
        "create_village": lambda: {"name": f"Thôn {uuid.uuid4().hex[:8]}"},
        "update_village": lambda: {"name": "Thôn thử nghiệm"},
        "set_targets": lambda: {"targets": [{"measure": "vneid_activated", "period": "2026", "value": 600}]},
        "subscribe": lambda: {
            "endpoint": "https://push.example.com/wpush/abc",
            "keys": {
                "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                "auth": "tBHItJI5svbpez7KI4CCXg",
            },
        },
        "unsubscribe": lambda: {"endpoint": "https://push.example.com/wpush/abc"},
        "open_commune": lambda: {"code": 16000},
        "create_commune_admin": lambda: {
            "username": f"a{uuid.uuid4().hex[:10]}",
            "password": "mat-khau-dai-du",
            "full_name": "Quản trị xã mới",
        },
    }[name]()


def call(world, name, body=None, raw=None, content_type="application/json"):
    method, path, user = BODY_ENDPOINTS[name]
    return send(world, method, path.format(**world.ids()), body, raw=raw, user=user, content_type=content_type)


MALFORMED_BODIES = {
    "truncated": b'{"username": "vol.qt1", ',
    "form_encoded": b"username=vol.qt1&password=x",
    "single_quotes": b"{'username': 'vol.qt1'}",
    "trailing_garbage": b"{} {}",
    "trailing_comma": b'{"name": "x",}',
    "bare_word": b"undefined",
    "invalid_utf8": b'{"name": "\xff\xfe\xfd"}',
    "utf16_with_bom": '{"name": "x"}'.encode("utf-16"),
    "nul_outside_a_string": b'{"name":\x00"x"}',
    "unescaped_control_character_in_a_string": b'{"name": "a\x01b"}',
}


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("kind", MALFORMED_BODIES)
def test_malformed_json_bodies_are_400_in_the_envelope(world, endpoint, kind):
    assert_envelope(call(world, endpoint, raw=MALFORMED_BODIES[kind]), 400)


WRONG_SHAPES = {
    "array": b"[]",
    "array_of_an_object": b'[{"username": "vol.qt1"}]',
    "string": b'"vol.qt1"',
    "number": b"42",
    "null": b"null",
    "boolean": b"true",
}


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
def test_an_empty_body_is_refused_or_changes_nothing(world, endpoint):
    response = call(world, endpoint, raw=b"")
    if BODY_ENDPOINTS[endpoint][0] == "PATCH" and response.status_code == 200:
        return  # an empty change: nothing asked, nothing done
    assert_envelope(response, {400, 422})


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("shape", WRONG_SHAPES)
def test_json_that_is_not_an_object_is_refused_in_the_envelope(world, endpoint, shape):
    # §1 says 400 for a wrong shape; 422 ("well-formed but invalid") is accepted too.
    assert_envelope(call(world, endpoint, raw=WRONG_SHAPES[shape]), {400, 422})


DEPTH = 100_000
DEEP_BODIES = {
    "arrays": "[" * DEPTH + "]" * DEPTH,
    "objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "inside_a_field": '{"name": ' + "[" * DEPTH + "]" * DEPTH + "}",
}


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("shape", DEEP_BODIES)
def test_deeply_nested_json_is_refused_not_a_500(world, endpoint, shape):
    assert_envelope(call(world, endpoint, raw=DEEP_BODIES[shape].encode()), {400, 413, 422})


WRONG_CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    None,
]


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("content_type", WRONG_CONTENT_TYPES, ids=lambda c: str(c).split(";")[0])
def test_a_json_body_under_another_content_type_is_refused(world, endpoint, content_type):
    raw = json.dumps(valid_body(world, endpoint)).encode()
    assert_envelope(call(world, endpoint, raw=raw, content_type=content_type), {400, 415, 422})


@pytest.mark.parametrize("endpoint", ["login", "push", "create_user"])
def test_a_body_over_four_mebibytes_is_413(world, endpoint):
    raw = b'{"name": "' + b"a" * MAX_BODY + b'"}'
    assert_envelope(call(world, endpoint, raw=raw), 413)


def test_a_body_just_under_the_limit_is_read_and_judged_on_its_content(world):
    raw = json.dumps({"username": "a" * (MAX_BODY - 200), "password": "x", "device_id": str(uuid.uuid4())}).encode()
    assert len(raw) < MAX_BODY
    assert_envelope(call(world, "login", raw=raw), 422, field="username")


def test_a_push_of_501_mutations_is_413_with_the_limit_in_the_message(world):
    mutations = [valid_create(world) for _ in range(501)]
    error = assert_envelope(push(world, "vol.qt1", mutations), 413)
    assert "500" in error["message"], error


def test_a_push_of_500_mutations_is_accepted(world):
    results = push_results(world, "vol.qt1", [valid_create(world) for _ in range(500)])
    assert len(results) == 500 and {r["status"] for r in results} == {"applied"}


# --------------------------------------------------------------------------------------------
# Wrong types, field by field: 422 naming the field


LOGIN_WRONG = {
    "username_number": ({"username": 1}, "username"),
    "username_null": ({"username": None}, "username"),
    "username_list": ({"username": ["vol.qt1"]}, "username"),
    "username_empty": ({"username": ""}, "username"),
    "username_too_long": ({"username": "a" * 81}, "username"),
    "password_number": ({"password": 12345678}, "password"),
    "password_object": ({"password": {}}, "password"),
    "device_id_number": ({"device_id": 5}, "device_id"),
    "device_id_not_uuid": ({"device_id": "not-a-uuid"}, "device_id"),
    "device_id_null": ({"device_id": None}, "device_id"),
    "device_id_10k": ({"device_id": "x" * 10_000}, "device_id"),
    "device_name_object": ({"device_name": {}}, "device_name"),
    "device_name_too_long": ({"device_name": "d" * 121}, "device_name"),
    "app_version_number": ({"app_version": 7}, "app_version"),
}


@pytest.mark.parametrize("case", LOGIN_WRONG)
def test_login_with_a_wrongly_typed_field_is_422_naming_it(world, case):
    overrides, name = LOGIN_WRONG[case]
    body = {**valid_body(world, "login"), **overrides}
    assert_envelope(call(world, "login", body), 422, code="validation_failed", field=name)


PUSH_REQUEST_WRONG = {
    "device_id_number": ({"device_id": 5}, "device_id"),
    "device_id_null": ({"device_id": None}, "device_id"),
    "device_id_not_uuid": ({"device_id": "nope"}, "device_id"),
    "device_id_list": ({"device_id": []}, "device_id"),
    "mutations_string": ({"mutations": "x"}, "mutations"),
    "mutations_object": ({"mutations": {}}, "mutations"),
    "mutations_null": ({"mutations": None}, "mutations"),
    "mutations_of_numbers": ({"mutations": [5]}, "mutations"),
    "mutations_of_lists": ({"mutations": [[]]}, "mutations"),
    "app_version_number": ({"app_version": 5}, "app_version"),
    "pending_count_string": ({"pending_count": "x"}, "pending_count"),
    "pending_count_negative": ({"pending_count": -1}, "pending_count"),
    "pending_count_2**70": ({"pending_count": 2**70}, "pending_count"),
}


@pytest.mark.parametrize("case", PUSH_REQUEST_WRONG)
def test_a_push_with_a_wrongly_typed_request_field_is_422_naming_it(world, case):
    overrides, name = PUSH_REQUEST_WRONG[case]
    body = {**valid_body(world, "push"), **overrides}
    assert_envelope(call(world, "push", body), 422, code="validation_failed", field=name)


def test_a_push_without_device_id_or_mutations_is_422_naming_both(world):
    error = assert_envelope(call(world, "push", {}), 422, code="validation_failed")
    assert {"device_id", "mutations"} <= set(error["fields"]), error


MUTATION_ID_WRONG = {
    "string": "1",
    "float": 1.5,
    "boolean": True,
    "zero": 0,
    "negative": -1,
    "null": None,
    "2**53": 2**53,
    "2**70": 2**70,
    "list": [1],
}


@pytest.mark.parametrize("case", MUTATION_ID_WRONG)
def test_a_bad_mutation_id_is_422_naming_it(world, case):
    # Without a usable mutation_id there is nothing to answer per mutation: the request is refused.
    mutation = {**valid_create(world), "mutation_id": MUTATION_ID_WRONG[case]}
    assert_envelope(push(world, "vol.qt1", [mutation]), 422, code="validation_failed", field="mutations.0.mutation_id")


def test_a_missing_mutation_id_is_422_naming_it(world):
    body = {"device_id": world["vol.qt1"].device_id, "mutations": [valid_create(world)]}
    assert_envelope(send(world, "POST", "/sync/push", body, user="vol.qt1"), 422, field="mutations.0.mutation_id")


def test_mutation_ids_that_do_not_increase_are_422_naming_the_first_out_of_order(world):
    first, second = valid_create(world), valid_create(world)
    first["mutation_id"], second["mutation_id"] = 9_000_000, 8_999_999
    assert_envelope(push(world, "vol.qt1", [first, second]), 422, field="mutations.1.mutation_id")


def test_the_largest_mutation_id_a_javascript_client_can_count_is_accepted(world):
    # A fresh device: mutation ids only ever grow on a device.
    device = Caller(world.client, "vol.qt3")
    mutation = {**device.create("vneid_activation", world.villages["Thôn 3"], vneid_data()), "mutation_id": 2**53 - 1}
    response = device.post(
        "/sync/push",
        data=json.dumps({"device_id": device.device_id, "mutations": [mutation]}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert body_of(response)["results"][0]["status"] == "applied"


MUTATION_FIELD_WRONG = {
    # name: (op of the mutation, field, bad value)
    "op_number": ("create", "op", 5),
    "op_null": ("create", "op", None),
    "record_id_number": ("create", "record_id", 5),
    "record_id_object": ("create", "record_id", {}),
    "type_number": ("create", "type", 5),
    "type_list": ("create", "type", ["vneid_activation"]),
    "village_id_string": ("create", "village_id", "Thôn 1"),
    "village_id_list": ("create", "village_id", [1]),
    "data_string": ("create", "data", "x"),
    "data_list": ("create", "data", []),
    "data_number": ("create", "data", 5),
    "base_version_string": ("update", "base_version", "x"),
    "base_version_list": ("update", "base_version", [1]),
    "update_data_string": ("update", "data", "x"),
}


@pytest.mark.parametrize("case", MUTATION_FIELD_WRONG)
def test_a_mutation_with_a_wrongly_typed_field_is_rejected_alone_and_does_not_block_the_batch(world, case):
    # PROTOCOL.md §6: "rejected: invalid or not allowed; error says why, per field where it can.
    # A rejected mutation does not block the ones after it." A whole-request 422 would wedge the
    # device's outbox behind this one mutation for ever.
    op, name, value = MUTATION_FIELD_WRONG[case]
    if op == "create":
        bad = valid_create(world)
    else:
        bad = update(world.record_id, 1, {"notes": "ghi chú"})
    bad[name] = value
    good = valid_create(world)
    results = push_results(world, "vol.qt1", [bad, good])
    assert results[0]["status"] == "rejected", results[0]
    assert name in results[0]["error"].get("fields", {}), results[0]
    assert results[1]["status"] == "applied", results[1]


@pytest.mark.parametrize("value", [5, ["x"], "not a time", "2026-13-45T99:00:00Z", "x" * 10_000])
def test_a_bad_client_time_never_blocks_the_batch(world, value):
    # client_time is only stored (§6); a bad one may be dropped or the mutation rejected naming it.
    bad, good = {**valid_create(world), "client_time": value}, valid_create(world)
    response = push(world, "vol.qt1", [bad, good])
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    first, second = body_of(response)["results"]
    assert first["status"] == "applied" or "client_time" in first["error"].get("fields", {}), first
    assert second["status"] == "applied", second


REVIEW_WRONG = {
    "action_number": ({"action": 5}, "action"),
    "action_null": ({"action": None}, "action"),
    "action_unknown": ({"action": "bless"}, "action"),
    "action_list": ({"action": ["approve"]}, "action"),
    "comment_list": ({"comment": []}, "comment"),
    "comment_number": ({"comment": 5}, "comment"),
    "comment_too_long": ({"comment": "x" * 2001}, "comment"),
    "base_version_string": ({"base_version": "1"}, "base_version"),
    "base_version_boolean": ({"base_version": True}, "base_version"),
    "base_version_float": ({"base_version": 1.5}, "base_version"),
    "base_version_zero": ({"base_version": 0}, "base_version"),
    "base_version_null": ({"base_version": None}, "base_version"),
    "base_version_2**70": ({"base_version": 2**70}, "base_version"),
}


@pytest.mark.parametrize("case", REVIEW_WRONG)
def test_a_review_with_a_wrongly_typed_field_is_422_naming_it(world, case):
    overrides, name = REVIEW_WRONG[case]
    body = {**valid_body(world, "review"), **overrides}
    assert_envelope(call(world, "review", body), 422, code="validation_failed", field=name)


@pytest.mark.parametrize("missing", ["action", "base_version"])
def test_a_review_missing_a_required_field_is_422_naming_it(world, missing):
    body = {k: v for k, v in valid_body(world, "review").items() if k != missing}
    assert_envelope(call(world, "review", body), 422, field=missing)


BULK_REVIEW_WRONG = {
    "ids_string": ({"ids": "x"}, "ids"),
    "ids_of_numbers": ({"ids": [5]}, "ids"),
    "ids_empty": ({"ids": []}, "ids"),
    "ids_501": ({"ids": [str(uuid.uuid4()) for _ in range(501)]}, "ids"),
    "ids_null": ({"ids": None}, "ids"),
    "ids_of_nulls": ({"ids": [None]}, "ids"),
    "id_too_long": ({"ids": ["x" * 37]}, "ids"),
    "action_number": ({"action": 5}, "action"),
    "comment_object": ({"comment": {}}, "comment"),
}


@pytest.mark.parametrize("case", BULK_REVIEW_WRONG)
def test_a_bulk_review_with_a_wrongly_typed_field_is_422_naming_it(world, case):
    overrides, name = BULK_REVIEW_WRONG[case]
    body = {**valid_body(world, "bulk_review"), **overrides}
    assert_envelope(call(world, "bulk_review", body), 422, code="validation_failed", field=name)


RESOLVE_WRONG = {
    "base_version_string": ({"base_version": "x"}, "base_version"),
    "base_version_boolean": ({"base_version": True}, "base_version"),
    "base_version_null": ({"base_version": None}, "base_version"),
    "base_version_2**64": ({"base_version": 2**64}, "base_version"),
    "values_list": ({"values": []}, "values"),
    "values_string": ({"values": "x"}, "values"),
    "values_null": ({"values": None}, "values"),
    "values_number": ({"values": 5}, "values"),
    "values_key_too_long": ({"values": {"x" * 65: 1}}, "values"),
}


@pytest.mark.parametrize("case", RESOLVE_WRONG)
def test_a_resolve_with_a_wrongly_typed_field_is_422_naming_it(world, case):
    overrides, name = RESOLVE_WRONG[case]
    body = {**valid_body(world, "resolve"), **overrides}
    assert_envelope(call(world, "resolve", body), 422, code="validation_failed", field=name)


USER_CREATE_WRONG = {
    "username_number": ({"username": 5}, "username"),
    "username_capitals": ({"username": "Vol.QT9"}, "username"),
    "username_too_short": ({"username": "ab"}, "username"),
    "username_with_space": ({"username": "vol qt9"}, "username"),
    "username_too_long": ({"username": "a" * 81}, "username"),
    "username_null": ({"username": None}, "username"),
    "password_list": ({"password": []}, "password"),
    "password_short": ({"password": "short"}, "password"),
    "password_number": ({"password": 12345678}, "password"),
    "full_name_object": ({"full_name": {}}, "full_name"),
    "full_name_empty": ({"full_name": ""}, "full_name"),
    "full_name_too_long": ({"full_name": "x" * 201}, "full_name"),
    "role_unknown": ({"role": "god"}, "role"),
    "role_number": ({"role": 5}, "role"),
    "village_ids_string": ({"village_ids": "1"}, "village_ids"),
    "village_ids_of_floats": ({"village_ids": [1.5]}, "village_ids"),
    "village_ids_of_booleans": ({"village_ids": [True]}, "village_ids"),
    "village_ids_of_strings": ({"village_ids": ["1"]}, "village_ids"),
    "village_ids_number": ({"village_ids": 5}, "village_ids"),
    "commune_id_not_settable": ({"commune_id": 2}, "commune_id"),
}


@pytest.mark.parametrize("case", USER_CREATE_WRONG)
def test_creating_a_user_with_a_wrongly_typed_field_is_422_naming_it(world, case):
    overrides, name = USER_CREATE_WRONG[case]
    body = {**valid_body(world, "create_user"), **overrides}
    assert_envelope(call(world, "create_user", body), 422, code="validation_failed", field=name)


USER_UPDATE_WRONG = {
    "password_number": ({"password": 5}, "password"),
    "password_short": ({"password": "short"}, "password"),
    "full_name_list": ({"full_name": []}, "full_name"),
    "full_name_empty": ({"full_name": ""}, "full_name"),
    "role_unknown": ({"role": "god"}, "role"),
    "village_ids_object": ({"village_ids": {}}, "village_ids"),
    "village_ids_of_booleans": ({"village_ids": [True]}, "village_ids"),
    "active_list": ({"active": []}, "active"),
    "active_maybe": ({"active": "maybe"}, "active"),
    # A boolean is true or false: marshmallow alone took 0 and "false" too (found by tests/fuzz).
    "active_zero": ({"active": 0}, "active"),
    "active_string": ({"active": "false"}, "active"),
    "username_not_settable": ({"username": "renamed"}, "username"),
    "commune_id_not_settable": ({"commune_id": 2}, "commune_id"),
}


@pytest.mark.parametrize("case", USER_UPDATE_WRONG)
def test_changing_a_user_with_a_wrongly_typed_field_is_422_naming_it(world, case):
    body, name = USER_UPDATE_WRONG[case]
    assert_envelope(call(world, "update_user", body), 422, code="validation_failed", field=name)


VILLAGE_WRONG = {
    ("create_village", "name_number"): ({"name": 5}, "name"),
    ("create_village", "name_empty"): ({"name": ""}, "name"),
    ("create_village", "name_too_long"): ({"name": "x" * 121}, "name"),
    ("create_village", "name_null"): ({"name": None}, "name"),
    ("create_village", "name_list"): ({"name": ["Thôn 9"]}, "name"),
    ("create_village", "commune_id_not_settable"): ({"name": "Thôn 9", "commune_id": 2}, "commune_id"),
    ("update_village", "name_list"): ({"name": []}, "name"),
    ("update_village", "name_empty"): ({"name": ""}, "name"),
    ("update_village", "active_maybe"): ({"active": "maybe"}, "active"),
    ("update_village", "active_list"): ({"active": []}, "active"),
    ("update_village", "active_one"): ({"active": 1}, "active"),
    ("update_village", "active_string"): ({"active": "true"}, "active"),
    ("update_village", "commune_id_not_settable"): ({"commune_id": 2}, "commune_id"),
}


@pytest.mark.parametrize("endpoint, case", VILLAGE_WRONG)
def test_a_village_with_a_wrongly_typed_field_is_422_naming_it(world, endpoint, case):
    body, name = VILLAGE_WRONG[endpoint, case]
    assert_envelope(call(world, endpoint, body), 422, code="validation_failed", field=name)


NESTED_WRONG = {
    # endpoint: (changes to a valid body, the dotted path the error names)
    "create_user": ({"village_ids": [1, "2"]}, "village_ids.1"),
    "bulk_review": ({"ids": [5]}, "ids.0"),
    "set_targets": ({"targets": [None]}, "targets.0"),
    "push": ({"mutations": [[1]]}, "mutations.0"),
    "subscribe": ({"keys": {"p256dh": 5, "auth": "tBHItJI5svbpez7KI4CCXg"}}, "keys.p256dh"),
}


@pytest.mark.parametrize("endpoint", NESTED_WRONG)
def test_a_nested_field_problem_is_named_by_its_dotted_path_with_a_list_of_messages(world, endpoint):
    """PROTOCOL.md §1's `fields` maps a name to messages: a list item's or a nested key's problem
    is named by its path, never a nested object in place of the messages (found by tests/fuzz)."""
    changes, path = NESTED_WRONG[endpoint]
    error = assert_envelope(
        call(world, endpoint, {**valid_body(world, endpoint), **changes}), 422, code="validation_failed"
    )
    assert path in error["fields"], error
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in error["fields"].values()
    ), error


# --------------------------------------------------------------------------------------------
# Unknown record types and ops: answered per mutation


@pytest.mark.parametrize("op", ["frobnicate", "CREATE", "", "delete ", "upsert", "cre\x00ate"])
def test_an_unknown_op_is_rejected_per_mutation_and_the_batch_goes_on(world, op):
    bad, good = {**valid_create(world), "op": op}, valid_create(world)
    first, second = push_results(world, "vol.qt1", [bad, good])
    assert first["status"] == "rejected" and "op" in first["error"].get("fields", {}), first
    assert SNAKE_CASE.fullmatch(first["error"]["code"]), first
    assert second["status"] == "applied", second


@pytest.mark.parametrize("record_type", ["alien", "", "VNEID_ACTIVATION", "__proto__", "vneid_activation\x00"])
def test_an_unknown_record_type_is_rejected_per_mutation_and_the_batch_goes_on(world, record_type):
    bad, good = {**valid_create(world), "type": record_type}, valid_create(world)
    first, second = push_results(world, "vol.qt1", [bad, good])
    assert first["status"] == "rejected" and "type" in first["error"].get("fields", {}), first
    assert second["status"] == "applied", second


BAD_RECORD_IDS = {
    "not_a_uuid": "not-a-uuid",
    "nul_byte": "a\x00b",
    "65_characters": "x" * 65,
    "10k_characters": "x" * 10_000,
    "path_traversal": "../../etc/passwd",
    "sql": "' OR 1=1 --",
}


@pytest.mark.parametrize("record_id", BAD_RECORD_IDS.values(), ids=BAD_RECORD_IDS)
def test_a_bad_record_id_is_rejected_per_mutation_naming_it(world, record_id):
    bad, good = {**valid_create(world), "record_id": record_id}, valid_create(world)
    first, second = push_results(world, "vol.qt1", [bad, good])
    assert first["status"] == "rejected" and "record_id" in first["error"].get("fields", {}), first
    assert second["status"] == "applied", second


# --------------------------------------------------------------------------------------------
# Huge integers


def test_a_huge_village_id_is_rejected_per_mutation(world):
    for value in (2**63, 10**30):
        first, second = push_results(
            world, "vol.qt1", [{**valid_create(world), "village_id": value}, valid_create(world)]
        )
        assert first["status"] == "rejected" and first["error"]["code"] == "village_not_allowed", (value, first)
        assert second["status"] == "applied", second


@pytest.mark.parametrize("base_version", [2**31, 2**63, 2**64, 10**30], ids=["2**31", "2**63", "2**64", "10**30"])
def test_a_huge_base_version_is_rejected_per_mutation_naming_it(world, base_version):
    first, second = push_results(
        world, "vol.qt1", [update(world.record_id, base_version, {"notes": "x"}), valid_create(world)]
    )
    assert first["status"] == "rejected" and "base_version" in first["error"].get("fields", {}), first
    assert second["status"] == "applied", second


HUGE_DATA = {
    "people_reached_2**70": ("propaganda_session", "people_reached", 2**70),
    "people_reached_-2**70": ("propaganda_session", "people_reached", -(2**70)),
    "birth_year_10**30": ("death_check", "birth_year", 10**30),
    "level_2**64": ("vneid_activation", "level", 2**64),
    "materials_count_2**63": ("propaganda_session", "materials_count", 2**63),
}


@pytest.mark.parametrize("case", HUGE_DATA)
def test_a_huge_integer_in_record_data_is_rejected_per_mutation_naming_the_field(world, case):
    record_type, name, value = HUGE_DATA[case]
    first, second = push_results(
        world, "vol.qt1", [valid_create(world, record_type=record_type, **{name: value}), valid_create(world)]
    )
    assert first["status"] == "rejected" and name in first["error"].get("fields", {}), first
    assert second["status"] == "applied", second


def test_a_huge_integer_in_an_unknown_mutation_key_does_not_break_the_batch(world):
    response = push(world, "vol.qt1", [{**valid_create(world), "extra": 2**70}, valid_create(world)])
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    assert body_of(response)["results"][1]["status"] == "applied"


HUGE_QUERIES = {
    # name: (caller, path, query, field that a 422 must name)
    "records_page_10**20": ("vol.qt1", "/records", {"page": str(10**20)}, "page"),
    "records_per_page_-1": ("vol.qt1", "/records", {"per_page": "-1"}, "per_page"),
    "records_per_page_0": ("vol.qt1", "/records", {"per_page": "0"}, "per_page"),
    "records_per_page_10**20": ("vol.qt1", "/records", {"per_page": str(10**20)}, "per_page"),
    "records_page_-5": ("vol.qt1", "/records", {"page": "-5"}, "page"),
    "pull_limit_10**20": ("vol.qt1", "/sync/pull", {"limit": str(10**20)}, "limit"),
    "pull_limit_0": ("vol.qt1", "/sync/pull", {"limit": "0"}, "limit"),
    "pull_pending_count_2**70": ("vol.qt1", "/sync/pull", {"pending_count": str(2**70)}, "pending_count"),
    "conflicts_page_10**20": ("admin.qt", "/conflicts", {"page": str(10**20)}, "page"),
    "audit_per_page_-1": ("admin.qt", "/audit", {"per_page": "-1"}, "per_page"),
}


@pytest.mark.parametrize("case", HUGE_QUERIES)
def test_out_of_range_paging_numbers_are_422_naming_the_parameter(world, case):
    user, path, query, name = HUGE_QUERIES[case]
    if path == "/sync/pull":
        query = {"device_id": world[user].device_id, **query}
    assert_envelope(send(world, "GET", path, user=user, query_string=query), 422, field=name)


HUGE_FILTERS = {
    "records_village_id_2**31": ("admin.qt", "/records", "village_id", str(2**31)),
    "records_village_id_2**63": ("admin.qt", "/records", "village_id", str(2**63)),
    "records_village_id_10**30": ("admin.qt", "/records", "village_id", str(10**30)),
    "records_village_id_-10**30": ("admin.qt", "/records", "village_id", str(-(10**30))),
    "records_created_by_2**31": ("vol.qt1", "/records", "created_by", str(2**31)),
    "records_created_by_10**30": ("vol.qt1", "/records", "created_by", str(10**30)),
    "audit_user_id_2**31": ("admin.qt", "/audit", "user_id", str(2**31)),
    "audit_user_id_2**63": ("admin.qt", "/audit", "user_id", str(2**63)),
}


@pytest.mark.parametrize("case", HUGE_FILTERS)
def test_a_huge_integer_filter_finds_nothing_or_is_422_never_a_500(world, case):
    user, path, name, value = HUGE_FILTERS[case]
    response = send(world, "GET", path, user=user, query_string={name: value})
    if response.status_code == 200:
        assert body_of(response)["items"] == [], body_of(response)
    else:
        assert_envelope(response, 422, field=name)


@pytest.mark.parametrize("path", ["/users/{n}", "/villages/{n}"])
@pytest.mark.parametrize("n", [2**31, 2**63, 10**30], ids=["2**31", "2**63", "10**30"])
def test_a_huge_id_in_an_admin_path_is_404(world, path, n):
    body = {"full_name": "x"} if path.startswith("/users") else {"name": "x"}
    assert_envelope(send(world, "PATCH", path.format(n=n), body, user="admin.qt"), 404, code="not_found")


@pytest.mark.parametrize("value", [2**31, 2**62, 2**70, 10**30], ids=["2**31", "2**62", "2**70", "10**30"])
def test_a_huge_village_id_for_a_new_user_is_422_naming_village_ids(world, value):
    body = {**valid_body(world, "create_user"), "village_ids": [value]}
    assert_envelope(call(world, "create_user", body), 422, field="village_ids")


def test_a_huge_village_id_for_an_existing_user_is_422_naming_village_ids(world):
    assert_envelope(call(world, "update_user", {"village_ids": [2**70]}), 422, field="village_ids")


# --------------------------------------------------------------------------------------------
# Text: kept byte for byte


ODD_TEXT = {
    "nul_bytes": "Lan\x00Anh\x00",
    "right_to_left_override": "\u202eLan Anh\u202c và \u202dB\u202c",
    "emoji_with_joiners_and_flags": "👩‍👩‍👧‍👦 🇻🇳 👍🏽 😀",
    "stacked_combining_marks": "Z\u0334\u0321\u035a\u0329\u0344a\u0337l\u0336g\u0335o\u0338 e\u0301\u0302\u0303\u0323",
    "vietnamese_precomposed": "Nguyễn Thị Ánh Tuyết, Đặng Hữu Phước, Lê Quỳnh Như",
    "vietnamese_decomposed": unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết, Đặng Hữu Phước"),
    "invisible_characters": "x\ufeff\u200b\u200c\u200d\u2060\u00ady",
    "line_and_paragraph_separators": "a\u2028b\u2029c\r\nd\te",
    "control_characters": "\x01\x07\x1b[31mđỏ\x1b[0m\x7f",
    "astral_and_noncharacters": "\U0010fffd\U000e0001\ufffe\uffff\U0001d11e",
    "markup_and_sql": "<script>alert('x')</script> \"'; DROP TABLE records;-- \\u0000 %s {{7*7}}",
}


@pytest.mark.parametrize("ascii_escapes", [False, True], ids=["utf8", "ascii_escapes"])
@pytest.mark.parametrize("case", ODD_TEXT)
def test_odd_text_is_stored_byte_for_byte(world, case, ascii_escapes):
    text = ODD_TEXT[case]
    caller = world["vol.qt3"]
    mutation = caller.create("vneid_activation", world.villages["Thôn 3"], vneid_data(full_name=text, notes=text))
    mutation["mutation_id"] = caller.next_mutation_id()
    raw = json.dumps({"device_id": caller.device_id, "mutations": [mutation]}, ensure_ascii=ascii_escapes)
    response = send(world, "POST", "/sync/push", raw=raw.encode("utf-8"), user="vol.qt3")
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    assert body_of(response)["results"][0]["status"] == "applied", body_of(response)
    record_id = mutation["record_id"]

    def exactly(data):
        for name in ("full_name", "notes"):
            assert data[name].encode("utf-8", "surrogatepass") == text.encode("utf-8", "surrogatepass"), (
                name,
                ascii(data[name]),
                ascii(text),
            )

    exactly(pulled(caller, record_id)["data"])
    detail = body_of(caller.get(f"/records/{record_id}"))
    exactly(detail["data"])
    exactly(detail["history"][-1]["data"])

    # ...and through an update too.
    results = push_results(world, "vol.qt3", [update(record_id, 1, {"notes": text + text})])
    assert results[0]["status"] == "applied", results
    assert body_of(caller.get(f"/records/{record_id}"))["data"]["notes"] == text + text


def test_nul_bytes_in_every_text_field_of_every_record_type_are_stored_byte_for_byte(world):
    nul = "a\x00b\x00"
    caller, village = world["vol.qt3"], world.villages["Thôn 3"]
    mutations = [
        caller.create("vneid_activation", village, vneid_data(full_name=nul, notes=nul)),
        caller.create(
            "death_check",
            village,
            death_data(
                deceased_name=nul, place_of_death=nul, informant_name=nul, informant_relation=nul, evidence_note=nul
            ),
        ),
        caller.create("propaganda_session", village, propaganda_data(location=nul, notes=nul)),
    ]
    assert {r["status"] for r in push_results(world, "vol.qt3", mutations)} == {"applied"}
    for mutation in mutations:
        texts = [name for name, value in mutation["data"].items() if value == nul]
        assert len(texts) >= 2
        record_id = mutation["record_id"]
        from_pull, direct = pulled(caller, record_id)["data"], body_of(caller.get(f"/records/{record_id}"))["data"]
        for name in texts:
            assert from_pull[name] == nul and direct[name] == nul, (name, from_pull, direct)


def test_a_valid_escaped_surrogate_pair_is_the_character_it_encodes(world):
    caller = world["vol.qt1"]
    mutation = {
        **caller.create("vneid_activation", world.villages["Thôn 1"], vneid_data(full_name="X")),
        "mutation_id": caller.next_mutation_id(),
    }
    raw = json.dumps({"device_id": caller.device_id, "mutations": [mutation]}).replace('"X"', '"\\ud83d\\ude00"')
    response = send(world, "POST", "/sync/push", raw=raw.encode(), user="vol.qt1")
    assert body_of(response)["results"][0]["status"] == "applied", body_of(response)
    assert body_of(caller.get(f"/records/{mutation['record_id']}"))["data"]["full_name"] == "😀"


def test_search_with_odd_text_answers_and_finds_vietnamese_names(world):
    caller = world["police.qt"]
    nul = send(world, "GET", "/records", user="police.qt", query_string={"q": "\x00"})
    assert_envelope(nul, 422, field="q")
    for q in ["\u202e", "👩‍👩‍👧", "e\u0301", "%", "_", "\\", "' OR 1=1 --", "Nguyễn Thị"]:
        response = send(world, "GET", "/records", user="police.qt", query_string={"q": q})
        assert response.status_code == 200, (ascii(q), response.get_data(as_text=True)[:400])
    found = body_of(caller.get("/records", query_string={"q": "pham thi hong nhung"}))["items"]
    assert world.record_id in {r["id"] for r in found}


# Text outside records: stored exactly, or refused in the envelope; never a 500.


def test_a_review_comment_with_nul_and_rtl_override_is_kept_exactly_or_refused(world):
    record = valid_create(world)
    push_results(world, "vol.qt1", [record])
    comment = "Sai\x00 tên \u202eđảo ngược\u202c"
    response = send(
        world,
        "POST",
        f"/records/{record['record_id']}/review",
        {"action": "needs_changes", "comment": comment, "base_version": 1},
        user="police.qt",
    )
    if response.status_code == 200:
        assert body_of(response)["review_comment"] == comment
    else:
        assert_envelope(response, 422, field="comment")


@pytest.mark.parametrize(
    "endpoint, name",
    [
        ("create_village", "name"),
        ("update_village", "name"),
        ("create_user", "full_name"),
        ("update_user", "full_name"),
    ],
)
def test_an_admin_name_with_a_nul_byte_is_kept_exactly_or_refused(world, endpoint, name):
    value = f"Tên\x00 {endpoint}"
    body = {**(valid_body(world, endpoint) if endpoint.startswith("create") else {}), name: value}
    response = call(world, endpoint, body)
    if response.status_code in (200, 201):
        assert body_of(response)[name] == value
    else:
        assert_envelope(response, 422, field=name)


def test_renaming_a_village_to_a_name_it_already_has_in_the_commune_is_409_not_a_500(world):
    response = send(world, "PATCH", f"/villages/{world.target_village_id}", {"name": "Thôn 1"}, user="admin.qt")
    assert_envelope(response, 409)


@pytest.mark.parametrize(
    "name, value",
    [
        ("username", "vol\x00qt1"),
        ("password", "mat\x00khau"),
        ("device_name", "Điện thoại\x00 của Lan"),
        ("app_version", "1.0\x00"),
    ],
    ids=["username", "password", "device_name", "app_version"],
)
def test_a_login_with_a_nul_byte_is_answered_in_the_envelope_or_works(world, name, value):
    body = {"username": "vol.qt3", "password": PASSWORD, "device_id": str(uuid.uuid4()), name: value}
    response = call(world, "login", body)
    if name in ("device_name", "app_version") and response.status_code == 200:
        return
    assert_envelope(response, {401, 422})


def test_a_nul_byte_in_the_app_version_a_device_reports_is_answered(world):
    caller = world["vol.qt1"]
    assert_answered(push(world, "vol.qt1", [], app_version="1.0\x00"))
    assert_answered(
        send(
            world,
            "GET",
            "/sync/pull",
            user="vol.qt1",
            query_string={"device_id": caller.device_id, "app_version": "1.0\x00"},
        )
    )


def test_a_nul_byte_in_client_time_does_not_break_the_push(world):
    bad, good = {**valid_create(world), "client_time": "2026-01-01T00:00:00\x00Z"}, valid_create(world)
    response = push(world, "vol.qt1", [bad, good])
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    assert body_of(response)["results"][1]["status"] == "applied"


@pytest.mark.parametrize("name", ["action", "target_id", "target_type"])
def test_a_nul_byte_in_an_audit_filter_finds_nothing_or_is_422(world, name):
    response = send(world, "GET", "/audit", user="admin.qt", query_string={name: "a\x00b"})
    if response.status_code == 200:
        assert body_of(response)["items"] == []
    else:
        assert_envelope(response, 422, field=name)


# Lone surrogates are not text: refused, never a 500.


@pytest.mark.parametrize("surrogate", ["\\ud800", "\\udc00abc", "abc\\ud83d"], ids=["high", "low", "half_emoji"])
def test_a_lone_surrogate_in_record_text_is_refused_not_a_500(world, surrogate):
    caller = world["vol.qt1"]
    mutation = {
        **caller.create("vneid_activation", world.villages["Thôn 1"], vneid_data(full_name="X")),
        "mutation_id": caller.next_mutation_id(),
    }
    raw = json.dumps({"device_id": caller.device_id, "mutations": [mutation]}).replace('"X"', f'"{surrogate}"')
    response = send(world, "POST", "/sync/push", raw=raw.encode(), user="vol.qt1")
    if response.status_code == 200:
        result = body_of(response)["results"][0]
        assert result["status"] == "rejected" and "full_name" in result["error"].get("fields", {}), result
    else:
        assert_envelope(response, {400, 422})


LONE_SURROGATE_ELSEWHERE = {
    "login_username": (
        "login",
        {"username": "X", "password": "x", "device_id": "3f1c1a52-7a0e-4c44-9d3c-05b8f2d9b0a1"},
    ),
    "village_name": ("create_village", {"name": "X"}),
    "user_full_name": ("update_user", {"full_name": "X"}),
    "review_comment": ("review", {"action": "needs_changes", "comment": "X", "base_version": 1}),
}


@pytest.mark.parametrize("case", LONE_SURROGATE_ELSEWHERE)
def test_a_lone_surrogate_anywhere_else_is_refused_not_a_500(world, case):
    endpoint, body = LONE_SURROGATE_ELSEWHERE[case]
    raw = json.dumps(body).replace('"X"', '"\\ud800"').encode()
    assert_envelope(call(world, endpoint, raw=raw), {400, 401, 422})


def test_a_utf8_encoded_surrogate_in_the_body_is_malformed(world):
    assert_envelope(call(world, "create_village", raw=b'{"name": "\xed\xa0\x80"}'), 400)


def test_a_utf8_encoded_surrogate_in_the_query_is_answered(world):
    assert_answered(send(world, "GET", "/records?q=%ED%A0%80", user="vol.qt1"))


# --------------------------------------------------------------------------------------------
# Record data that breaks the rules: rejected, with error.fields naming the field


def _years_ago(years):
    return TODAY.replace(year=TODAY.year - years, month=1, day=15).isoformat()


CHILD_BIRTH = _years_ago(10)
CHILD_ID = "038" + "3" + CHILD_BIRTH[2:4] + "000123"  # female, born in the 2000s (DOMAIN.md, CCCD digits)

RULE_BREAKERS = {
    "personal_id_too_short": ("vneid_activation", {"personal_id": "12345"}, "personal_id"),
    "personal_id_with_a_letter": ("vneid_activation", {"personal_id": "03819001234a"}, "personal_id"),
    "personal_id_unknown_province": ("vneid_activation", {"personal_id": "999190012345"}, "personal_id"),
    "personal_id_wrong_gender": ("vneid_activation", {"personal_id": "038090012345"}, "personal_id"),
    "personal_id_wrong_birth_year": ("vneid_activation", {"date_of_birth": "1985-05-01"}, "personal_id"),
    "phone_landline": ("vneid_activation", {"phone": "0243825 1234"}, "phone"),
    "phone_foreign": ("vneid_activation", {"phone": "+1 202 555 0100"}, "phone"),
    "phone_too_short": ("vneid_activation", {"phone": "0912345"}, "phone"),
    "phone_too_long": ("vneid_activation", {"phone": "09123456789"}, "phone"),
    "phone_number_not_string": ("vneid_activation", {"phone": 912345678}, "phone"),
    "date_of_birth_in_the_future": ("vneid_activation", {"date_of_birth": FUTURE}, "date_of_birth"),
    "activity_date_in_the_future": ("vneid_activation", {"activity_date": FUTURE}, "activity_date"),
    "date_that_does_not_exist": ("vneid_activation", {"activity_date": "2025-02-30"}, "activity_date"),
    "level_2_under_14": (
        "vneid_activation",
        {
            "date_of_birth": CHILD_BIRTH,
            "personal_id": CHILD_ID,
            "activity_date": (TODAY - timedelta(days=1)).isoformat(),
        },
        "level",
    ),
    "level_3": ("vneid_activation", {"level": 3}, "level"),
    "level_as_string": ("vneid_activation", {"level": "2"}, "level"),
    "gender_unknown": ("vneid_activation", {"gender": "other"}, "gender"),
    "unknown_field": ("vneid_activation", {"portrait": "data:image/png;base64,AAAA"}, "portrait"),
    "missing_full_name": ("vneid_activation", {"full_name": None}, "full_name"),
    "blank_full_name": ("vneid_activation", {"full_name": "   "}, "full_name"),
    "full_name_too_long": ("vneid_activation", {"full_name": "x" * 201}, "full_name"),
    "death_before_birth_year": ("death_check", {"birth_year": 1990, "date_of_death": "1985-03"}, "date_of_death"),
    "death_in_the_future": ("death_check", {"date_of_death": FUTURE}, "date_of_death"),
    "death_in_month_13": ("death_check", {"date_of_death": "2023-13"}, "date_of_death"),
    "birth_year_before_1880": ("death_check", {"birth_year": 1700}, "birth_year"),
    "outreach_date_in_the_future": ("propaganda_session", {"activity_date": FUTURE}, "activity_date"),
    "outreach_negative_people": ("propaganda_session", {"people_reached": -1}, "people_reached"),
    "outreach_no_topic": ("propaganda_session", {"topics": []}, "topics"),
    "outreach_hour_25": ("propaganda_session", {"start_time": "25:00"}, "start_time"),
    "outreach_javascript_link": ("propaganda_session", {"link": "javascript:alert(1)"}, "link"),
}


@pytest.mark.parametrize("case", RULE_BREAKERS)
def test_a_record_breaking_a_rule_is_rejected_naming_the_field(world, case):
    record_type, overrides, name = RULE_BREAKERS[case]
    mutation = valid_create(world, record_type=record_type, **overrides)  # None drops the field
    (result,) = push_results(world, "vol.qt1", [mutation])
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "validation_failed", result
    assert name in result["error"]["fields"], result
    assert_envelope(world["vol.qt1"].get(f"/records/{mutation['record_id']}"), 404)


def test_an_update_breaking_a_rule_is_rejected_naming_the_field_and_changes_nothing(world):
    record = valid_create(world)
    push_results(world, "vol.qt1", [record])
    (result,) = push_results(world, "vol.qt1", [update(record["record_id"], 1, {"phone": "0212345678"})])
    assert result["status"] == "rejected" and "phone" in result["error"]["fields"], result
    assert body_of(world["vol.qt1"].get(f"/records/{record['record_id']}"))["version"] == 1


def test_a_volunteer_setting_a_reviewers_field_is_rejected_naming_it(world):
    mutation = valid_create(world, record_type="death_check", case_status="verified_unregistered")
    (result,) = push_results(world, "vol.qt1", [mutation])
    assert result["status"] == "rejected" and "case_status" in result["error"]["fields"], result


# --------------------------------------------------------------------------------------------
# Paths and query strings


ODD_PATHS = [
    ("GET", "/records/%00"),
    ("GET", "/records/" + "a" * 5000),
    ("GET", "/records/.."),
    ("GET", "/records/%2e%2e"),
    ("GET", "/records/%ff%fe"),
    ("GET", "/records/%E2%80%AE"),
    ("GET", "/records/00000000-0000-0000-0000-000000000000"),
    ("GET", "/conflicts/%00"),
    ("GET", "/conflicts/" + "c" * 5000),
    ("POST", "/conflicts/%00/resolve"),
    ("POST", "/records/%00/review"),
    ("POST", "/records/" + "r" * 5000 + "/review"),
    ("POST", "/devices/%00/revoke"),
    ("POST", "/devices/" + "d" * 5000 + "/revoke"),
    ("POST", "/devices/../revoke"),
    ("PATCH", "/users/999999"),
    ("PATCH", "/villages/999999"),
]


@pytest.mark.parametrize("method, path", ODD_PATHS, ids=lambda v: v[:40] if isinstance(v, str) else v)
def test_odd_path_parameters_are_404_in_the_envelope(world, method, path):
    body = {
        "resolve": {"base_version": 1, "values": {}},
        "review": {"action": "approve", "base_version": 1},
        "users": {"full_name": "x"},
        "villages": {"name": "x"},
    }
    kind = next((k for k in body if k in path), None)
    assert_envelope(send(world, method, path, body.get(kind), user="admin.qt"), 404, code="not_found")


@pytest.mark.parametrize("path", ["/users/abc", "/users/-1", "/villages/1.5", "/users/%00"])
def test_a_non_numeric_admin_id_is_404_or_405_in_the_envelope(world, path):
    assert_envelope(send(world, "PATCH", path, {"name": "x"}, user="admin.qt"), {404, 405})


@pytest.mark.parametrize(
    "path", ["/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fserver/config.py", "/%00", "/api/v1/%2e%2e/%2e%2e/wsgi.py"]
)
def test_path_traversal_outside_the_api_is_404_in_the_envelope(world, path):
    assert_envelope(world.client.open(path, method="GET"), 404)


GARBAGE_QUERIES = [
    "/records?page=1&page=2&page=x",
    "/records?type=x&type=vneid_activation",
    "/records?%ff%fe=%ff&type=%ff",
    "/records?&&&=&==&",
    "/records?page=",
    "/records?per_page=1e3",
    "/records?page[]=1&page[gt]=2",
    "/records?since=garbage",
    "/records?since=9999-12-31T23:59:59%2B14:00",
    "/records?since=2026-01-01T00:00:00",
    "/records?until=0001-01-01T00:00:00-14:00",
    "/records?has_conflict=maybe&deleted=perhaps",
    "/records?review_state=%00",
    "/records?q=" + "q" * 10_000,
    "/records?" + "&".join(f"k{i}=v" for i in range(2000)),
    "/sync/pull?device_id=nope",
    "/sync/pull",
    "/sync/pull?device_id={device}&cursor=%00%ff",
    "/sync/pull?device_id={device}&cursor=" + "c" * 201,
    "/sync/pull?device_id={device}&cursor=bm90IGEgY3Vyc29y",
    "/sync/pull?device_id={device}&device_id=nope",
    "/sync/pull?device_id={device}&limit=abc",
]


@pytest.mark.parametrize("path", GARBAGE_QUERIES, ids=lambda p: p[:50])
def test_repeated_and_garbage_query_parameters_are_answered_never_a_500(world, path):
    response = send(world, "GET", path.replace("{device}", world["vol.qt1"].device_id), user="vol.qt1")
    assert_answered(response)


@pytest.mark.parametrize(
    "path, name",
    [
        ("/records?since=garbage", "since"),
        ("/records?has_conflict=maybe", "has_conflict"),
        ("/records?q=" + "q" * 101, "q"),
        ("/sync/pull?device_id=nope", "device_id"),
        ("/conflicts?state=stuck", "state"),
        ("/audit?user_id=abc", "user_id"),
    ],
    ids=["since", "has_conflict", "q", "device_id", "state", "user_id"],
)
def test_an_invalid_query_parameter_is_422_naming_it(world, path, name):
    user = "admin.qt" if path.startswith(("/conflicts", "/audit")) else "vol.qt1"
    assert_envelope(send(world, "GET", path, user=user), 422, code="validation_failed", field=name)


# --------------------------------------------------------------------------------------------
# Tokens


def _b64(document):
    return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()


def _forge(world, kind):
    """(Authorization header value or None, expected code or set of codes)."""
    caller = world["vol.qt1"]
    claims = decode_token(caller.access_token)
    header, _, signature = caller.access_token.split(".")
    secret = world.app.config["JWT_SECRET_KEY"]
    if kind == "alg_none":
        return "Bearer " + _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + ".", "token_invalid"
    if kind == "alg_none_with_signature":
        return "Bearer " + _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "." + signature, "token_invalid"
    if kind == "signed_with_another_key":
        other_key = "une-autre-cle-secrete-de-32-octets!"
        return "Bearer " + pyjwt.encode(claims, other_key, algorithm="HS256"), "token_invalid"
    if kind == "payload_tampered":
        forged = dict(claims, sub=str(world["admin.qt"].user["id"]))
        return f"Bearer {header}.{_b64(forged)}.{signature}", "token_invalid"
    if kind == "signature_stripped":
        return f"Bearer {header}.{caller.access_token.split('.')[1]}.", "token_invalid"
    if kind == "hs512_with_the_right_key":
        return "Bearer " + pyjwt.encode(claims, secret, algorithm="HS512"), "token_invalid"
    if kind == "expired":
        token = create_access_token(
            identity=claims["sub"],
            expires_delta=timedelta(seconds=-1),
            additional_claims={"dev": claims["dev"], "gen": claims["gen"]},
        )
        return f"Bearer {token}", "token_expired"
    if kind == "refresh_token_as_access_token":
        return f"Bearer {caller.refresh_token}", "token_invalid"
    if kind == "no_header":
        return None, "token_missing"
    if kind == "empty_header":
        return "", "token_missing"
    if kind == "no_bearer_prefix":
        return caller.access_token, "token_missing"
    if kind == "basic_auth":
        return "Basic " + base64.b64encode(b"vol.qt1:" + PASSWORD.encode()).decode(), "token_missing"
    if kind == "bearer_alone":
        return "Bearer", {"token_missing", "token_invalid"}
    if kind == "bearer_and_space":
        return "Bearer ", {"token_missing", "token_invalid"}
    if kind == "lowercase_bearer_garbage":
        return "bearer garbage", {"token_missing", "token_invalid"}
    if kind == "ten_kilobytes":
        return "Bearer " + "A" * 10_240, "token_invalid"
    if kind == "three_dots":
        return "Bearer a.b.c", "token_invalid"
    if kind == "two_tokens":
        return f"Bearer {caller.access_token} {caller.access_token}", "token_invalid"
    if kind == "non_ascii":
        return "Bearer \u00e9\u00e8.\u00f1.\u00fc", "token_invalid"  # latin-1, as headers must be
    raise AssertionError(kind)


TOKEN_KINDS = [
    "alg_none",
    "alg_none_with_signature",
    "signed_with_another_key",
    "payload_tampered",
    "signature_stripped",
    "hs512_with_the_right_key",
    "expired",
    "refresh_token_as_access_token",
    "no_header",
    "empty_header",
    "no_bearer_prefix",
    "basic_auth",
    "bearer_alone",
    "bearer_and_space",
    "lowercase_bearer_garbage",
    "ten_kilobytes",
    "three_dots",
    "two_tokens",
    "non_ascii",
]
TOKEN_ENDPOINTS = [("GET", "/auth/me"), ("GET", "/records"), ("POST", "/sync/push"), ("GET", "/users")]


@pytest.mark.parametrize("method, path", TOKEN_ENDPOINTS, ids=lambda v: v.strip("/").replace("/", "_"))
@pytest.mark.parametrize("kind", TOKEN_KINDS)
def test_a_forged_expired_or_garbage_token_is_401_with_its_code(world, kind, method, path):
    authorization, codes = _forge(world, kind)
    headers = {} if authorization is None else {"Authorization": authorization}
    body = valid_body(world, "push") if path == "/sync/push" else None
    response = send(world, method, path, body, headers=headers)
    error = assert_envelope(response, 401)
    assert error["code"] in ({codes} if isinstance(codes, str) else codes), error


def test_an_access_token_on_refresh_is_401_token_invalid(world):
    access_token = world["vol.qt1"].access_token
    response = send(world, "POST", "/auth/refresh", headers={"Authorization": f"Bearer {access_token}"})
    assert_envelope(response, 401, code="token_invalid")


@pytest.mark.parametrize("kind", ["alg_none", "signed_with_another_key", "ten_kilobytes", "no_header", "basic_auth"])
def test_a_garbage_token_on_refresh_is_401(world, kind):
    authorization, _ = _forge(world, kind)
    headers = {} if authorization is None else {"Authorization": authorization}
    error = assert_envelope(send(world, "POST", "/auth/refresh", headers=headers), 401)
    assert error["code"] in ("token_invalid", "token_missing"), error


def test_an_expired_refresh_token_is_401_token_expired(world):
    claims = decode_token(world["vol.qt1"].refresh_token)
    token = create_refresh_token(
        identity=claims["sub"],
        expires_delta=timedelta(seconds=-1),
        additional_claims={"dev": claims["dev"], "gen": claims["gen"], "jti": claims["jti"]},
    )
    assert_envelope(
        send(world, "POST", "/auth/refresh", headers={"Authorization": f"Bearer {token}"}), 401, code="token_expired"
    )


# --------------------------------------------------------------------------------------------
# Wrong HTTP methods: 405 in the envelope, on every route


ROUTES = {
    # path under /api/v1: the methods it answers (besides HEAD and OPTIONS)
    "/auth/login": {"POST"},
    "/auth/refresh": {"POST"},
    "/auth/logout": {"POST"},
    "/auth/me": {"GET"},
    "/forms": {"GET"},
    "/sync/push": {"POST"},
    "/sync/pull": {"GET"},
    "/records": {"GET"},
    "/records/{record_id}": {"GET"},
    "/records/{record_id}/review": {"POST"},
    "/records/review": {"POST"},
    "/conflicts": {"GET"},
    "/conflicts/{conflict_id}": {"GET"},
    "/conflicts/{conflict_id}/resolve": {"POST"},
    "/users": {"GET", "POST"},
    "/users/{user_id}": {"PATCH"},
    "/villages": {"GET", "POST"},
    "/villages/{village_id}": {"PATCH"},
    "/devices": {"GET"},
    "/devices/{device_id}/revoke": {"POST"},
    "/audit": {"GET"},
    "/targets": {"GET", "PUT"},
    "/reports/progress": {"GET"},
    "/reports/export": {"GET"},
    "/reports/submissions": {"GET", "POST"},
    "/reports/submissions/{submission_id}": {"GET"},
    "/reports/submissions/{submission_id}/return": {"POST"},
    "/reports/submissions/{submission_id}/export": {"GET"},
    "/reports/rollup": {"GET"},
    "/reports/rollup/export": {"GET"},
    "/province/deadlines": {"GET", "PUT"},
    "/province/targets": {"GET", "PUT"},
    "/push/vapid-public-key": {"GET"},
    "/push/subscriptions": {"POST", "DELETE"},
    "/places/communes": {"GET"},
    "/communes": {"GET", "POST"},
    "/communes/{commune_id}/admins": {"GET", "POST"},
    "/openapi.json": {"GET"},
}
# GET /records/review is GET /records/{record_id} of a record whose id is "review": a 404, rightly.
NOT_A_WRONG_METHOD = {("GET", "/records/review")}
WRONG_METHODS = [
    (method, path)
    for path, allowed in ROUTES.items()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    if method not in allowed and (method, path) not in NOT_A_WRONG_METHOD
]


def test_the_route_table_covers_every_api_route(world):
    served = {}
    for rule in world.app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
            served.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    assert served == ROUTES


@pytest.mark.parametrize("method, path", WRONG_METHODS, ids=lambda v: v.strip("/").replace("/", "_"))
def test_a_wrong_http_method_is_405_in_the_envelope(world, method, path):
    concrete = path.format(
        record_id=world.record_id,
        conflict_id=world.conflict_id,
        user_id=world.target_user_id,
        village_id=world.target_village_id,
        device_id=world["vol.qt1"].device_id,
        commune_id=world.commune_id,
        # No submission need exist: the method is refused before the id is looked up.
        submission_id="00000000-0000-4000-8000-000000000000",
    )
    response = send(world, method, concrete, {} if method != "GET" else None, user="admin.qt")
    assert_envelope(response, 405, code="method_not_allowed")
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
    assert ROUTES[path] <= allowed, response.headers.get("Allow")
