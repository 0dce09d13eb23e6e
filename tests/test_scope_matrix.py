"""Scope: every role against every endpoint, across the two demo communes (PROTOCOL.md §3).

| role          | may                                                                              |
| ------------- | -------------------------------------------------------------------------------- |
| volunteer     | create records in its villages; read and edit its own records                     |
| village_staff | as volunteer, and read every record of its villages                               |
| police        | read every record of its commune, review them, correct them through sync, create |
| admin         | everything in its commune: users, villages, devices, conflicts, audit log          |

"A record outside the caller's scope does not exist for that caller (404 on direct access,
absent from pull, lists and reports)." The tables below spell this out for the demo users of
Quang Trung and Cẩm Hải (§12) and for records each of them pushed; the tests are driven by them.

One seeded database serves the module (per backend): the seeded records are only read, and what
the tests write (new records, renamed targets, revoked spare devices) is made for them alone.
"""
import time
import uuid
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Commune, Village
from tests.conftest import seeded_app
from tests.helpers import Caller, body_of, death_data, delete, propaganda_data, update, vneid_data

QT, CH = "Quang Trung", "Cẩm Hải"

USERS = {
    # username: (role, commune)           villages (seed-demo, PROTOCOL.md §12)
    "admin.qt": ("admin", QT),
    "police.qt": ("police", QT),
    "staff.qt": ("village_staff", QT),    # Thôn 1, Thôn 2
    "vol.qt1": ("volunteer", QT),         # Thôn 1, Thôn 2
    "vol.qt2": ("volunteer", QT),         # Thôn 1, Thôn 2
    "vol.qt3": ("volunteer", QT),         # Thôn 3
    "admin.ch": ("admin", CH),
    "police.ch": ("police", CH),
    "vol.ch1": ("volunteer", CH),         # Thôn Đông
}
VILLAGES = {"Thôn 1": QT, "Thôn 2": QT, "Thôn 3": QT, "Thôn 4": QT, "Thôn 5": QT, "Thôn Đông": CH, "Thôn Tây": CH}

RECORDS = {
    # key: (author, village, type) -- each pushed by its author
    "vol.qt1@Thôn 1": ("vol.qt1", "Thôn 1", "vneid_activation"),
    "vol.qt2@Thôn 1": ("vol.qt2", "Thôn 1", "vneid_activation"),   # same village as vol.qt1's
    "vol.qt2@Thôn 2": ("vol.qt2", "Thôn 2", "death_check"),
    "vol.qt3@Thôn 3": ("vol.qt3", "Thôn 3", "propaganda_session"),
    "staff.qt@Thôn 2": ("staff.qt", "Thôn 2", "propaganda_session"),
    "police.qt@Thôn 1": ("police.qt", "Thôn 1", "death_check"),
    "police.qt@Thôn 4": ("police.qt", "Thôn 4", "vneid_activation"),
    "admin.qt@Thôn 5": ("admin.qt", "Thôn 5", "propaganda_session"),
    "vol.ch1@Thôn Đông": ("vol.ch1", "Thôn Đông", "vneid_activation"),
    "police.ch@Thôn Tây": ("police.ch", "Thôn Tây", "death_check"),
    "admin.ch@Thôn Đông": ("admin.ch", "Thôn Đông", "propaganda_session"),
}
QUANG_TRUNG = {"vol.qt1@Thôn 1", "vol.qt2@Thôn 1", "vol.qt2@Thôn 2", "vol.qt3@Thôn 3", "staff.qt@Thôn 2",
               "police.qt@Thôn 1", "police.qt@Thôn 4", "admin.qt@Thôn 5"}
CAM_HAI = {"vol.ch1@Thôn Đông", "police.ch@Thôn Tây", "admin.ch@Thôn Đông"}

# The seeded records each user may read (GET /records/{id}, GET /records, /sync/pull).
READS = {
    "admin.qt": QUANG_TRUNG,                                  # its whole commune
    "police.qt": QUANG_TRUNG,                                 # its whole commune
    "staff.qt": {"vol.qt1@Thôn 1", "vol.qt2@Thôn 1",          # every record of Thôn 1 and Thôn 2...
                 "vol.qt2@Thôn 2", "police.qt@Thôn 1",
                 "staff.qt@Thôn 2"},                          # ...and its own
    "vol.qt1": {"vol.qt1@Thôn 1"},                            # its own only: not vol.qt2's in Thôn 1
    "vol.qt2": {"vol.qt2@Thôn 1", "vol.qt2@Thôn 2"},
    "vol.qt3": {"vol.qt3@Thôn 3"},
    "admin.ch": CAM_HAI,
    "police.ch": CAM_HAI,
    "vol.ch1": {"vol.ch1@Thôn Đông"},
}

# The seeded records each user may change through sync: reviewers their commune, others their own.
EDITS = {
    "admin.qt": QUANG_TRUNG,
    "police.qt": QUANG_TRUNG,
    "staff.qt": {"staff.qt@Thôn 2"},
    "vol.qt1": {"vol.qt1@Thôn 1"},
    "vol.qt2": {"vol.qt2@Thôn 1", "vol.qt2@Thôn 2"},
    "vol.qt3": {"vol.qt3@Thôn 3"},
    "admin.ch": CAM_HAI,
    "police.ch": CAM_HAI,
    "vol.ch1": {"vol.ch1@Thôn Đông"},
}

# The villages each user may create records in.
CREATES_IN = {
    "admin.qt": {"Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"},
    "police.qt": {"Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"},
    "staff.qt": {"Thôn 1", "Thôn 2"},
    "vol.qt1": {"Thôn 1", "Thôn 2"},
    "vol.qt2": {"Thôn 1", "Thôn 2"},
    "vol.qt3": {"Thôn 3"},
    "admin.ch": {"Thôn Đông", "Thôn Tây"},
    "police.ch": {"Thôn Đông", "Thôn Tây"},
    "vol.ch1": {"Thôn Đông"},
}

# Every endpoint, by role: the status of a call about the caller's own commune.
ROLES = ("admin", "police", "village_staff", "volunteer")
ACCESS = {
    #                                   admin  police  staff  volunteer
    "GET /auth/me":                     (200,  200,    200,   200),
    "POST /auth/refresh":               (200,  200,    200,   200),
    "POST /auth/logout":                (204,  204,    204,   204),
    "GET /forms":                       (200,  200,    200,   200),
    "POST /sync/push":                  (200,  200,    200,   200),
    "GET /sync/pull":                   (200,  200,    200,   200),
    "GET /records":                     (200,  200,    200,   200),
    "GET /records/{own record}":        (200,  200,    200,   200),
    "POST /records/{id}/review":        (200,  200,    403,   403),
    "POST /records/review":             (200,  200,    403,   403),
    "GET /conflicts":                   (200,  403,    403,   403),
    "GET /conflicts/{id}":              (200,  403,    403,   403),
    "POST /conflicts/{id}/resolve":     (200,  403,    403,   403),
    "GET /users":                       (200,  403,    403,   403),
    "POST /users":                      (201,  403,    403,   403),
    "PATCH /users/{id}":                (200,  403,    403,   403),
    "GET /villages":                    (200,  403,    403,   403),
    "POST /villages":                   (201,  403,    403,   403),
    "PATCH /villages/{id}":             (200,  403,    403,   403),
    "GET /devices":                     (200,  403,    403,   403),
    "POST /devices/{id}/revoke":        (200,  403,    403,   403),
    "GET /audit":                       (200,  403,    403,   403),
    "GET /targets":                     (200,  200,    403,   403),
    "PUT /targets":                     (200,  403,    403,   403),
    "GET /reports/progress":            (200,  200,    200,   403),
    "GET /reports/export":              (200,  200,    403,   403),
}

NOTE_FIELD = {"vneid_activation": "notes", "death_check": "evidence_note", "propaganda_session": "notes"}
VOLUNTEER_OF = {QT: "vol.qt1", CH: "vol.ch1"}
ADMIN_OF = {QT: "admin.qt", CH: "admin.ch"}
POLICE_OF = {QT: "police.qt", CH: "police.ch"}
OTHER = {QT: CH, CH: QT}


def role_of(username):
    return USERS[username][0]


def commune_of(username):
    return USERS[username][1]


# --------------------------------------------------------------------------------------------
# The seeded world


@dataclass
class World:
    client: object  # a FreshContextClient: each request in its own app context
    callers: dict
    villages: dict                      # name -> id
    village_commune: dict               # village id -> commune name
    records: dict = field(default_factory=dict)          # key -> record id
    conflicts: dict = field(default_factory=dict)        # commune -> open conflict id
    conflict_records: dict = field(default_factory=dict)  # commune -> record id of that conflict
    target_users: dict = field(default_factory=dict)     # commune -> user id only admin tests change
    target_villages: dict = field(default_factory=dict)  # commune -> village id only admin tests change
    spare_devices: dict = field(default_factory=dict)    # commune -> a Caller on a device nobody else uses

    def __getitem__(self, username):
        return self.callers[username]

    def uid(self, username):
        return self.callers[username].user["id"]

    def version(self, key):
        """The current version of a seeded record, as its commune's admin sees it."""
        author = RECORDS[key][0]
        response = self[ADMIN_OF[commune_of(author)]].get(f"/records/{self.records[key]}")
        assert response.status_code == 200, body_of(response)
        return body_of(response)["version"]


def record_data(record_type, key):
    """Valid data whose name (or location) is the record's key, so search can find it."""
    if record_type == "vneid_activation":
        return vneid_data(full_name=f"Hồ sơ {key}")
    if record_type == "death_check":
        return death_data(deceased_name=f"Hồ sơ {key}")
    return propaganda_data(location=f"Hồ sơ {key}")


def fresh_record(world, commune, record_type="vneid_activation"):
    """A new record of the commune, pushed by its volunteer; its id."""
    volunteer = world[VOLUNTEER_OF[commune]]
    village = "Thôn 1" if commune == QT else "Thôn Đông"
    mutation = volunteer.create(record_type, world.villages[village],
                                {"vneid_activation": vneid_data, "death_check": death_data,
                                 "propaganda_session": propaganda_data}[record_type]())
    assert volunteer.push_ok([mutation])[0]["status"] == "applied"
    return mutation["record_id"]


def fresh_conflict(world, commune):
    """A new open conflict in the commune: (conflict id, its record's id, its record's version)."""
    volunteer, police = world[VOLUNTEER_OF[commune]], world[POLICE_OF[commune]]
    record_id = fresh_record(world, commune)
    assert police.push_ok([update(record_id, 1, {"notes": "công an sửa"})])[0]["status"] == "applied"
    result = volunteer.push_ok([update(record_id, 1, {"notes": "tình nguyện viên sửa"})])[0]
    assert result["status"] == "conflict", result
    return result["conflict_id"], record_id, 2


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    with seeded_app(database_url, tmp_path_factory.mktemp("scope-instance")) as app:
        client = app.test_client()
        rows = db.session.execute(select(Village.id, Village.name, Commune.name).join(Commune)).all()
        db.session.commit()
        w = World(client=client, callers={name: Caller(client, name) for name in USERS},
                  villages={name: vid for vid, name, _ in rows},
                  village_commune={vid: commune for vid, _, commune in rows})
        assert {w.villages[name]: commune for name, commune in VILLAGES.items()} == \
            {vid: c for vid, c in w.village_commune.items()}, "the demo villages are not as PROTOCOL.md §12 says"

        for key, (author, village, record_type) in RECORDS.items():
            mutation = w[author].create(record_type, w.villages[village], record_data(record_type, key))
            assert w[author].push_ok([mutation])[0]["status"] == "applied", key
            w.records[key] = mutation["record_id"]
        for commune in (QT, CH):
            conflict_id, record_id, _ = fresh_conflict(w, commune)
            w.conflicts[commune], w.conflict_records[commune] = conflict_id, record_id
            admin = w[ADMIN_OF[commune]]
            response = admin.post("/users", json={"username": f"target.{'qt' if commune == QT else 'ch'}",
                                                  "password": "mat-khau-dai-du", "full_name": "Mục tiêu",
                                                  "role": "volunteer"})
            assert response.status_code == 201, body_of(response)
            w.target_users[commune] = body_of(response)["id"]
            response = admin.post("/villages", json={"name": "Thôn mục tiêu"})
            assert response.status_code == 201, body_of(response)
            w.target_villages[commune] = body_of(response)["id"]
            w.spare_devices[commune] = Caller(client, VOLUNTEER_OF[commune])
            # Something for each commune's audit log: its police read a record.
            some_record = next(w.records[k] for k in RECORDS if commune_of(RECORDS[k][0]) == commune)
            assert w[POLICE_OF[commune]].get(f"/records/{some_record}").status_code == 200
        yield w


def assert_error(response, status, code=None):
    """The status, in the envelope of PROTOCOL.md §1."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = body_of(response)
    assert list(body) == ["error"] and {"code", "message"} <= set(body["error"]), body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def in_scope(world, username, record):
    """PROTOCOL.md §3 as a predicate on any record document (for records the tests made)."""
    role, commune = USERS[username]
    if role in ("admin", "police"):
        return world.village_commune[record["village_id"]] == commune
    if "created_by" not in record:  # a tombstone: checked against the seeded tables only
        return True
    mine = record["created_by"] == world.uid(username)
    if role == "village_staff":
        return mine or record["village_id"] in world[username].user["village_ids"]
    return mine


def seeded_ids(world, keys):
    return {world.records[k] for k in keys}


def list_all(caller, **query):
    items, page = [], 1
    while True:
        response = caller.get("/records", query_string={**query, "page": page, "per_page": 200})
        assert response.status_code == 200, body_of(response)
        body = body_of(response)
        items += body["items"]
        if page * body["per_page"] >= body["total"]:
            return items
        page += 1


def pull_everything(caller, must_include, timeout=10.0):
    """Pull from the start until has_more is false, and again while a record that must be there is
    not yet: on PostgreSQL a change reaches pull once no older write transaction is running anywhere
    on the server (server/sync/cursor.py)."""
    deadline = time.monotonic() + timeout
    records, cursor = {}, None
    while True:
        page = caller.pull(cursor)
        records.update({change["record"]["id"]: change["record"] for change in page["changes"]})
        cursor = page["cursor"]
        if not page["has_more"]:
            if must_include <= set(records) or time.monotonic() > deadline:
                return records
            time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# Every role against every endpoint


@dataclass
class Call:
    caller: Caller
    method: str
    path: str
    body: object = None
    check: object = None     # what a successful answer's body must satisfy
    token: str = None        # instead of the caller's access token


def _own_record(world, username):
    return next(world.records[k] for k, (author, _, _) in RECORDS.items() if author == username)


def _refresh(world, username):
    fresh = Caller(world.client, username)  # the shared device keeps its tokens
    return Call(fresh, "POST", "/auth/refresh", token=fresh.refresh_token,
                check=lambda b: {"access_token", "refresh_token"} <= set(b))


def _review(world, username):
    record_id = fresh_record(world, commune_of(username))
    return Call(world[username], "POST", f"/records/{record_id}/review",
                {"action": "needs_changes", "comment": "Bổ sung ảnh CCCD", "base_version": 1},
                lambda b: b["id"] == record_id and b["review_state"] == "needs_changes")


def _bulk_review(world, username):
    record_id = fresh_record(world, commune_of(username))
    return Call(world[username], "POST", "/records/review",
                {"ids": [record_id], "action": "needs_changes", "comment": "Bổ sung"},
                lambda b: [r["status"] for r in b["results"]] == ["ok"])


def _resolve(world, username):
    conflict_id, _, version = fresh_conflict(world, commune_of(username))
    return Call(world[username], "POST", f"/conflicts/{conflict_id}/resolve",
                {"base_version": version, "values": {"notes": "đã thống nhất"}},
                lambda b: b["data"]["notes"] == "đã thống nhất")


def _revoke(world, username):
    spare = Caller(world.client, VOLUNTEER_OF[commune_of(username)])
    return Call(world[username], "POST", f"/devices/{spare.device_id}/revoke",
                check=lambda b: b["revoked"] is True and spare.get("/auth/me").status_code == 401)


# How to call each endpoint as `username`, about its own commune.
REQUESTS = {
    "GET /auth/me": lambda w, u: Call(w[u], "GET", "/auth/me", check=lambda b: b["username"] == u),
    "POST /auth/refresh": _refresh,
    "POST /auth/logout": lambda w, u: Call(Caller(w.client, u), "POST", "/auth/logout"),
    "GET /forms": lambda w, u: Call(w[u], "GET", "/forms", check=lambda b: len(b["types"]) >= 3),
    "POST /sync/push": lambda w, u: Call(w[u], "POST", "/sync/push", {"device_id": w[u].device_id, "mutations": []},
                                         lambda b: b["results"] == []),
    "GET /sync/pull": lambda w, u: Call(w[u], "GET", f"/sync/pull?device_id={w[u].device_id}",
                                        check=lambda b: all(in_scope(w, u, c["record"]) for c in b["changes"])),
    "GET /records": lambda w, u: Call(w[u], "GET", "/records",
                                      check=lambda b: all(in_scope(w, u, r) for r in b["items"])),
    "GET /records/{own record}": lambda w, u: Call(w[u], "GET", f"/records/{_own_record(w, u)}",
                                                   check=lambda b: b["id"] == _own_record(w, u)),
    "POST /records/{id}/review": _review,
    "POST /records/review": _bulk_review,
    "GET /conflicts": lambda w, u: Call(w[u], "GET", "/conflicts",
                                        check=lambda b: w.conflicts[commune_of(u)] in {c["id"] for c in b["items"]}),
    "GET /conflicts/{id}": lambda w, u: Call(w[u], "GET", f"/conflicts/{w.conflicts[commune_of(u)]}",
                                             check=lambda b: b["record"]["id"] == w.conflict_records[commune_of(u)]),
    "POST /conflicts/{id}/resolve": _resolve,
    "GET /users": lambda w, u: Call(w[u], "GET", "/users", check=lambda b: u in {x["username"] for x in b}),
    "POST /users": lambda w, u: Call(w[u], "POST", "/users",
                                     {"username": f"moi.{u}", "password": "mat-khau-dai-du",
                                      "full_name": "Người mới", "role": "volunteer"},
                                     lambda b: b["username"] == f"moi.{u}"),
    "PATCH /users/{id}": lambda w, u: Call(w[u], "PATCH", f"/users/{w.target_users[commune_of(u)]}",
                                           {"full_name": f"Đổi bởi {u}"}, lambda b: b["full_name"] == f"Đổi bởi {u}"),
    "GET /villages": lambda w, u: Call(w[u], "GET", "/villages",
                                       check=lambda b: w.target_villages[commune_of(u)] in {v["id"] for v in b}),
    "POST /villages": lambda w, u: Call(w[u], "POST", "/villages", {"name": f"Thôn mới của {u}"},
                                        lambda b: b["name"] == f"Thôn mới của {u}"),
    "PATCH /villages/{id}": lambda w, u: Call(w[u], "PATCH", f"/villages/{w.target_villages[commune_of(u)]}",
                                              {"name": f"Thôn đổi bởi {u}"},
                                              lambda b: b["name"] == f"Thôn đổi bởi {u}"),
    "GET /devices": lambda w, u: Call(w[u], "GET", "/devices",
                                      check=lambda b: w[u].device_id in {d["device_id"] for d in b}),
    "POST /devices/{id}/revoke": _revoke,
    "GET /audit": lambda w, u: Call(w[u], "GET", "/audit", check=lambda b: isinstance(b["items"], list)),
    "GET /targets": lambda w, u: Call(w[u], "GET", "/targets", check=lambda b: isinstance(b["items"], list)),
    "PUT /targets": lambda w, u: Call(w[u], "PUT", "/targets",
                                      {"targets": [{"measure": "vneid_activated", "period": "2026", "value": 600}]},
                                      lambda b: [t["value"] for t in b["items"]] == [600]),
    "GET /reports/progress": lambda w, u: Call(
        w[u], "GET", "/reports/progress",
        check=lambda b: b["commune"]["name"] == commune_of(u) and not any(
            w.village_commune.get(v["village_id"]) == OTHER[commune_of(u)] for v in b["villages"])),
    "GET /reports/export": lambda w, u: Call(w[u], "GET", "/reports/export?format=csv"),
}


def test_the_access_table_and_the_requests_name_the_same_endpoints():
    assert list(ACCESS) == list(REQUESTS)


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("endpoint", ACCESS)
def test_every_role_against_every_endpoint(world, endpoint, username):
    expected = ACCESS[endpoint][ROLES.index(role_of(username))]
    call = REQUESTS[endpoint](world, username)
    response = call.caller.request(call.method, call.path, json=call.body, token=call.token)
    if expected == 403:
        assert_error(response, 403, "forbidden")
        return
    assert response.status_code == expected, (response.status_code, response.get_data(as_text=True)[:500])
    if call.check is not None:
        assert call.check(body_of(response)), body_of(response)


# --------------------------------------------------------------------------------------------
# Records: who sees which


@pytest.mark.parametrize("key", RECORDS)
@pytest.mark.parametrize("username", USERS)
def test_a_record_by_id_is_200_inside_scope_and_404_outside(world, username, key):
    response = world[username].get(f"/records/{world.records[key]}")
    if key in READS[username]:
        assert response.status_code == 200, body_of(response)
        assert body_of(response)["id"] == world.records[key]
    else:
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("username", USERS)
def test_the_record_list_holds_the_scope_and_nothing_else(world, username):
    items = list_all(world[username])
    ids = {r["id"] for r in items}
    assert seeded_ids(world, READS[username]) <= ids
    assert not ids & seeded_ids(world, set(RECORDS) - READS[username])
    assert not ids & (set(world.conflict_records.values()) - {world.conflict_records[commune_of(username)]})
    leaks = [r for r in items if not in_scope(world, username, r)]
    assert leaks == []


@pytest.mark.parametrize("username", USERS)
def test_pull_holds_the_scope_and_nothing_else(world, username):
    records = pull_everything(world[username], seeded_ids(world, READS[username]))
    ids = set(records)
    assert seeded_ids(world, READS[username]) <= ids
    assert not ids & seeded_ids(world, set(RECORDS) - READS[username])
    leaks = [r for r in records.values() if not in_scope(world, username, r)]
    assert leaks == []


@pytest.mark.parametrize("username", USERS)
def test_filters_and_search_never_widen_the_scope(world, username):
    caller = world[username]
    outside = seeded_ids(world, set(RECORDS) - READS[username])
    for village_id in world.village_commune:
        items = list_all(caller, village_id=village_id)
        assert all(in_scope(world, username, r) and r["id"] not in outside for r in items), village_id
    for other in USERS:
        items = list_all(caller, created_by=world.uid(other))
        assert all(in_scope(world, username, r) and r["id"] not in outside for r in items), other
    for key, (_, _, record_type) in RECORDS.items():
        if record_type == "propaganda_session":
            continue  # outreach sessions have no name to search
        found = {r["id"] for r in list_all(caller, q=f"Hồ sơ {key}")}
        assert (world.records[key] in found) == (key in READS[username]), key


# --------------------------------------------------------------------------------------------
# Changing records through sync, and creating them


def _expected_edit(username, key):
    if key in EDITS[username]:
        return "applied"
    if key in READS[username]:
        return "forbidden"   # visible (village staff) but not theirs to change
    return "not_found"       # does not exist for this caller


@pytest.mark.parametrize("key", RECORDS)
@pytest.mark.parametrize("username", USERS)
def test_an_update_through_sync_is_applied_forbidden_or_not_found_by_scope(world, username, key):
    expected = _expected_edit(username, key)
    record_id, record_type = world.records[key], RECORDS[key][2]
    before = world.version(key)
    note = f"sửa bởi {username} {uuid.uuid4().hex[:6]}"
    (result,) = world[username].push_ok([update(record_id, before, {NOTE_FIELD[record_type]: note})])
    if expected == "applied":
        assert result["status"] == "applied" and result["version"] == before + 1, result
        return
    assert result["status"] == "rejected" and result["error"]["code"] == expected, result
    assert "version" not in result, f"a refused change must not tell the record's version: {result}"
    assert world.version(key) == before
    if expected == "not_found":
        (result,) = world[username].push_ok([delete(record_id, before)])
        assert result["status"] == "rejected" and result["error"]["code"] == "not_found", result
        assert world.version(key) == before


@pytest.mark.parametrize("village", VILLAGES)
@pytest.mark.parametrize("username", USERS)
def test_creating_a_record_outside_ones_villages_is_rejected_village_not_allowed(world, username, village):
    caller = world[username]
    mutation = caller.create("vneid_activation", world.villages[village], vneid_data())
    (result,) = caller.push_ok([mutation])
    if village in CREATES_IN[username]:
        assert result["status"] == "applied", result
    else:
        assert result["status"] == "rejected" and result["error"]["code"] == "village_not_allowed", result
        assert_error(world[ADMIN_OF[VILLAGES[village]]].get(f"/records/{mutation['record_id']}"), 404)


# --------------------------------------------------------------------------------------------
# Review across communes


@pytest.mark.parametrize("username", USERS)
def test_reviewing_another_communes_record_is_404_for_reviewers_and_403_for_others(world, username):
    commune = commune_of(username)
    key = next(k for k, (author, _, _) in RECORDS.items() if commune_of(author) == OTHER[commune])
    record_id, before = world.records[key], world.version(key)
    caller = world[username]
    single = caller.post(f"/records/{record_id}/review", json={"action": "approve", "base_version": before})
    bulk = caller.post("/records/review", json={"ids": [record_id], "action": "approve"})
    if role_of(username) in ("police", "admin"):
        assert_error(single, 404, "not_found")
        assert bulk.status_code == 200, body_of(bulk)
        (outcome,) = body_of(bulk)["results"]
        assert outcome["status"] == "error" and outcome["error"]["code"] == "not_found", outcome
        assert "record" not in outcome, outcome
    else:
        assert_error(single, 403, "forbidden")
        assert_error(bulk, 403, "forbidden")
    after = body_of(world[ADMIN_OF[OTHER[commune]]].get(f"/records/{record_id}"))
    assert after["version"] == before and after["review_state"] == "submitted", after


# --------------------------------------------------------------------------------------------
# Administration across communes: an admin never sees or changes the other commune's things


def _other_commune_usernames(commune):
    return {name for name, (_, c) in USERS.items() if c != commune}


def _cross(world, admin, case):
    commune = commune_of(admin)
    other = OTHER[commune]
    caller, other_admin = world[admin], world[ADMIN_OF[other]]
    if case == "users_list":
        users = body_of(caller.get("/users"))
        assert {u["username"] for u in users} >= {n for n, (_, c) in USERS.items() if c == commune}
        assert not {u["username"] for u in users} & _other_commune_usernames(commune), users
        assert world.target_users[other] not in {u["id"] for u in users}
    elif case == "user_change":
        target = world.target_users[other]
        (before,) = [u for u in body_of(other_admin.get("/users")) if u["id"] == target]
        response = caller.request("PATCH", f"/users/{target}", json={"full_name": "Bị đổi", "role": "admin",
                                                                     "active": False})
        assert_error(response, 404, "not_found")
        (after,) = [u for u in body_of(other_admin.get("/users")) if u["id"] == target]
        assert after == before
    elif case == "user_given_another_communes_village":
        target = world.target_users[commune]
        village = world.target_villages[other]
        response = caller.request("PATCH", f"/users/{target}", json={"village_ids": [village]})
        assert response.status_code in (404, 422), body_of(response)
        (user,) = [u for u in body_of(caller.get("/users")) if u["id"] == target]
        assert village not in user["village_ids"], user
        response = caller.post("/users", json={"username": f"lan.sang.{admin}", "password": "mat-khau-dai-du",
                                               "full_name": "Sang xã khác", "role": "volunteer",
                                               "village_ids": [village]})
        assert response.status_code in (404, 422), body_of(response)
        assert f"lan.sang.{admin}" not in {u["username"] for u in body_of(caller.get("/users"))}
    elif case == "villages_list":
        villages = body_of(caller.get("/villages"))
        assert all(world.village_commune.get(v["id"], commune) == commune for v in villages), villages
        assert world.target_villages[other] not in {v["id"] for v in villages}
        assert not {v["name"] for v in villages} & {n for n, c in VILLAGES.items() if c == other}
    elif case == "village_change":
        target = world.target_villages[other]
        (before,) = [v for v in body_of(other_admin.get("/villages")) if v["id"] == target]
        assert_error(caller.request("PATCH", f"/villages/{target}", json={"name": "Bị đổi", "active": False}),
                     404, "not_found")
        (after,) = [v for v in body_of(other_admin.get("/villages")) if v["id"] == target]
        assert after == before
    elif case == "devices_list":
        devices = body_of(caller.get("/devices"))
        owners = {d["owner"]["username"] for d in devices}
        assert not owners & _other_commune_usernames(commune), owners
        assert not {d["device_id"] for d in devices} & {world[n].device_id for n in _other_commune_usernames(commune)}
    elif case == "device_revoke":
        spare = world.spare_devices[other]
        assert_error(caller.post(f"/devices/{spare.device_id}/revoke"), 404, "not_found")
        assert spare.get("/auth/me").status_code == 200
    elif case == "conflicts_list":
        ids = {c["id"] for c in body_of(caller.get("/conflicts"))["items"]}
        assert world.conflicts[commune] in ids and world.conflicts[other] not in ids, ids
    elif case == "conflict_read":
        assert_error(caller.get(f"/conflicts/{world.conflicts[other]}"), 404, "not_found")
    elif case == "conflict_resolve":
        response = caller.post(f"/conflicts/{world.conflicts[other]}/resolve",
                               json={"base_version": 2, "values": {"notes": "xã khác quyết"}})
        assert_error(response, 404, "not_found")
        assert body_of(other_admin.get(f"/conflicts/{world.conflicts[other]}"))["state"] == "open"
    elif case == "audit":
        entries = body_of(caller.get("/audit", query_string={"per_page": 200}))["items"]
        assert entries, "the commune's own audit log is not empty"
        other_users = {world.uid(n) for n in _other_commune_usernames(commune)}
        other_targets = {str(world.records[k]) for k in (QUANG_TRUNG if other == QT else CAM_HAI)}
        other_targets |= {world.conflicts[other], world.conflict_records[other]}
        assert not [e for e in entries if e["user_id"] in other_users or e["target_id"] in other_targets], entries
        for name in _other_commune_usernames(commune):
            assert body_of(caller.get("/audit", query_string={"user_id": world.uid(name)}))["items"] == [], name
        for target in other_targets:
            assert body_of(caller.get("/audit", query_string={"target_id": target}))["items"] == [], target
    else:
        raise AssertionError(case)


CROSS_COMMUNE_ADMIN_CASES = ["users_list", "user_change", "user_given_another_communes_village", "villages_list",
                             "village_change", "devices_list", "device_revoke", "conflicts_list", "conflict_read",
                             "conflict_resolve", "audit"]


@pytest.mark.parametrize("case", CROSS_COMMUNE_ADMIN_CASES)
@pytest.mark.parametrize("admin", ["admin.qt", "admin.ch"])
def test_an_admin_never_sees_or_changes_the_other_communes_things(world, admin, case):
    _cross(world, admin, case)
