"""The audit log (PROTOCOL.md §11): what it keeps, who reads it, and that nothing can change it.

Each audited action is performed once, from a known address, and its entry is found with who did
it, what, when, on what, from where and in which commune. Reads by police and admin are kept
(a record viewed, a page of a list, a page of a pull: which records went out); volunteers' and
village staff's are not. The log cannot be changed: no endpoint does (405, 404), and the database
itself refuses UPDATE and DELETE of an entry (triggers, on both backends, migrated or not).
"""

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from server import create_app
from server.extensions import db
from server.models import AuditEntry, Village
from server.reports.periods import today_local
from tests.conftest import FAST_HASHING, empty_database, seeded_app
from tests.helpers import PASSWORD, Caller, all_pages, body_of, update, vneid_data

ADDRESS = "10.6.0.7"


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """One seeded database for the module (per backend), every request from ADDRESS. Each test
    makes the records, users and devices it acts on, so none depends on another."""
    with seeded_app(database_url, tmp_path_factory.mktemp("audit-instance")) as app:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ADDRESS
        villages = {v.name: v.id for v in db.session.execute(select(Village)).scalars()}
        db.session.commit()
        callers = {name: Caller(client, name) for name in ("admin.qt", "police.qt", "staff.qt", "vol.qt1", "admin.ch")}
        yield World(app, client, villages, callers)


class World:
    def __init__(self, app, client, villages, callers):
        self.app, self.client, self.villages, self.callers = app, client, villages, callers

    def __getitem__(self, name):
        return self.callers[name]

    def record(self, **data):
        """A new record of the volunteer's, in Thôn 1: its id."""
        volunteer = self["vol.qt1"]
        mutation = volunteer.create("vneid_activation", self.villages["Thôn 1"], vneid_data(**data))
        assert volunteer.push_ok([mutation])[0]["status"] == "applied"
        return mutation["record_id"]

    def conflict(self, record_id):
        """An open conflict on a new record of the volunteer's: its id."""
        volunteer, police = self["vol.qt1"], self["police.qt"]
        police.push_ok([update(record_id, 1, {"notes": "công an sửa"})])
        [result] = volunteer.push_ok([update(record_id, 1, {"notes": "tình nguyện viên sửa"})])
        assert result["status"] == "conflict", result
        return result["conflict_id"]

    def user(self):
        """A new volunteer of Thôn 1 and Thôn 2: its id."""
        response = self["admin.qt"].post(
            "/users",
            json={
                "username": f"tnv.{uuid.uuid4().hex[:8]}",
                "password": PASSWORD,
                "full_name": "Tình nguyện viên",
                "role": "volunteer",
                "village_ids": [self.villages["Thôn 1"], self.villages["Thôn 2"]],
            },
        )
        assert response.status_code == 201, body_of(response)
        return body_of(response)["id"]


def entries(world, **filters):
    """The entries as Quang Trung's admin reads them, newest first."""
    return all_pages(world["admin.qt"], "/audit", **filters)


def pull_until_served(caller, wanted, limit=None, timeout=30.0):
    """Pull from the start until every wanted record has come: on PostgreSQL a change reaches pull
    once no older write transaction is running anywhere on the server (server/sync/cursor.py),
    other processes' included. Returns ({id: record}, cursor, pages that served something)."""
    deadline = time.monotonic() + timeout
    records, cursor, serving_pages = {}, None, 0
    while True:
        page = caller.pull(cursor, limit)
        serving_pages += bool(page["changes"])
        records.update({change["record"]["id"]: change["record"] for change in page["changes"]})
        cursor = page["cursor"]
        if not page["has_more"]:
            if set(wanted) <= set(records):
                return records, cursor, serving_pages
            assert time.monotonic() < deadline, f"never pulled: {set(wanted) - set(records)}"
            time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# Every audited action, and its entry
#
# Each case performs its action as `actor` and returns (target_type, target_id, details it must
# hold); its entry must say who, what, when, on what, from which address and in which commune.


def _login(w):
    caller = Caller(w.client, "vol.qt1")
    return "device", caller.device_id, {}


def _login_wrong_password(w):
    response = w.client.post(
        "/api/v1/auth/login",
        json={"username": "vol.qt1", "password": "sai-mat-khau", "device_id": "6f2b8e3c-0d3a-4c1e-9f55-1b2a3c4d5e6f"},
    )
    assert response.status_code == 401
    return None, None, {"username": "vol.qt1"}


def _login_on_a_revoked_device(w):
    device_id = Caller(w.client, "vol.qt1").device_id
    assert w["admin.qt"].post(f"/devices/{device_id}/revoke").status_code == 200
    response = w.client.post(
        "/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": device_id}
    )
    assert body_of(response)["error"]["code"] == "device_revoked"
    return "device", device_id, {"reason": "device_revoked"}


def _logout(w):
    caller = Caller(w.client, "vol.qt1")
    assert caller.post("/auth/logout").status_code == 204
    return "device", caller.device_id, {}


def _view(w):
    record_id = w.record()
    assert w["police.qt"].get(f"/records/{record_id}").status_code == 200
    return "record", record_id, {}


def _list(w):
    record_id = w.record(full_name="Lê Thị Tìm Kiếm")
    assert w["police.qt"].get("/records", query_string={"q": "Lê Thị Tìm Kiếm"}).status_code == 200
    return None, None, {"q": "Lê Thị Tìm Kiếm", "count": 1, "record_ids": [record_id]}


def _pull(w):
    record_id, police = w.record(), Caller(w.client, "police.qt")
    served = pull_until_served(police, {record_id})[0]
    pulls = entries(w, action="records.pull", target_id=police.device_id)
    assert {i for e in pulls for i in e["details"]["record_ids"]} == set(served)
    return "device", police.device_id, {}


def _review(w):
    record_id = w.record()
    response = w["police.qt"].post(f"/records/{record_id}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 200, body_of(response)
    return "record", record_id, {"action": "approve", "version": 2}


def _bulk_review(w):
    record_id = w.record()
    response = w["admin.qt"].post("/records/review", json={"ids": [record_id], "action": "reject", "comment": "Trùng"})
    assert body_of(response)["results"][0]["status"] == "ok", body_of(response)
    return "record", record_id, {"action": "reject", "comment": "Trùng"}


def _conflict_view(w):
    record_id = w.record()
    conflict_id = w.conflict(record_id)
    assert w["admin.qt"].get(f"/conflicts/{conflict_id}").status_code == 200
    return "conflict", conflict_id, {"record_id": record_id}


def _conflict_resolve(w):
    record_id = w.record()
    conflict_id = w.conflict(record_id)
    response = w["admin.qt"].post(
        f"/conflicts/{conflict_id}/resolve", json={"base_version": 2, "values": {"notes": "đã thống nhất"}}
    )
    assert response.status_code == 200, body_of(response)
    return "conflict", conflict_id, {"record_id": record_id, "version": 3}


def _export(w):
    assert w["police.qt"].get("/reports/export", query_string={"format": "csv", "period": "2026-11"}).status_code == 200
    return "commune", str(w["police.qt"].user["commune_id"]), {"format": "csv", "period": "2026-11"}


def _user_create(w):
    response = w["admin.qt"].post(
        "/users",
        json={
            "username": "moi.qt",
            "password": "mat-khau-dai-du",
            "full_name": "Người mới",
            "role": "volunteer",
            "village_ids": [w.villages["Thôn 3"]],
        },
    )
    assert response.status_code == 201, body_of(response)
    return (
        "user",
        str(body_of(response)["id"]),
        {"username": "moi.qt", "role": "volunteer", "village_ids": [w.villages["Thôn 3"]]},
    )


def _user_update(w):
    uid = w.user()
    response = w["admin.qt"].request(
        "PATCH", f"/users/{uid}", json={"role": "village_staff", "village_ids": [w.villages["Thôn 4"]]}
    )
    assert response.status_code == 200, body_of(response)
    return (
        "user",
        str(uid),
        {
            "role": "village_staff",
            "village_ids": [w.villages["Thôn 4"]],
            "before": {"role": "volunteer", "village_ids": [w.villages["Thôn 1"], w.villages["Thôn 2"]]},
        },
    )


def _user_disable(w):
    uid = w.user()
    assert w["admin.qt"].request("PATCH", f"/users/{uid}", json={"active": False}).status_code == 200
    return "user", str(uid), {"active": False, "before": {"active": True}}


def _password_reset(w):
    uid = w.user()
    assert w["admin.qt"].request("PATCH", f"/users/{uid}", json={"password": "mat-khau-moi-123"}).status_code == 200
    return "user", str(uid), {"password": "***"}


def _village_create(w):
    response = w["admin.qt"].post("/villages", json={"name": "Thôn 6"})
    assert response.status_code == 201, body_of(response)
    return "village", str(body_of(response)["id"]), {"name": "Thôn 6"}


def _village_update(w):
    vid = w.villages["Thôn 5"]
    assert (
        w["admin.qt"].request("PATCH", f"/villages/{vid}", json={"name": "Thôn Năm", "active": False}).status_code
        == 200
    )
    return "village", str(vid), {"name": "Thôn Năm", "active": False, "before": {"name": "Thôn 5", "active": True}}


def _device_revoke(w):
    device_id = Caller(w.client, "vol.qt1").device_id
    assert w["admin.qt"].post(f"/devices/{device_id}/revoke").status_code == 200
    return "device", device_id, {"owner": "vol.qt1"}


def _targets(w):
    admin = w["admin.qt"]
    for value in (100, 120):
        response = admin.request(
            "PUT", "/targets", json={"targets": [{"measure": "vneid_helped", "period": "2026-11", "value": value}]}
        )
        assert response.status_code == 200, body_of(response)
    return (
        "commune",
        str(admin.user["commune_id"]),
        {
            "changes": [
                {"measure": "vneid_helped", "village_id": None, "period": "2026-11", "value": 120, "before": 100}
            ]
        },
    )


AUDITED = {
    # case: (action, actor, perform)
    "login": ("login", "vol.qt1", _login),
    "failed login": ("login_failed", "vol.qt1", _login_wrong_password),
    "login on a revoked device": ("login_failed", "vol.qt1", _login_on_a_revoked_device),
    "logout": ("logout", "vol.qt1", _logout),
    "police views a record": ("record.view", "police.qt", _view),
    "police lists records": ("records.list", "police.qt", _list),
    "police pulls": ("records.pull", "police.qt", _pull),
    "review": ("record.review", "police.qt", _review),
    "bulk review": ("record.review", "admin.qt", _bulk_review),
    "conflict viewed": ("conflict.view", "admin.qt", _conflict_view),
    "conflict resolved": ("conflict.resolve", "admin.qt", _conflict_resolve),
    "export": ("report.export", "police.qt", _export),
    "user created": ("user.create", "admin.qt", _user_create),
    "user changed": ("user.update", "admin.qt", _user_update),
    "user disabled": ("user.update", "admin.qt", _user_disable),
    "password reset": ("user.update", "admin.qt", _password_reset),
    "village created": ("village.create", "admin.qt", _village_create),
    "village changed": ("village.update", "admin.qt", _village_update),
    "device revoked": ("device.revoke", "admin.qt", _device_revoke),
    "targets set": ("targets.update", "admin.qt", _targets),
}


@pytest.mark.parametrize("case", AUDITED)
def test_every_audited_action_says_who_what_when_on_what_from_where_and_in_which_commune(world, case):
    action, actor, perform = AUDITED[case]
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    target_type, target_id, details = perform(world)
    end = datetime.now(timezone.utc) + timedelta(seconds=1)
    entry = entries(world, action=action)[0]  # the newest
    assert (entry["user_id"], entry["commune_id"]) == (world[actor].user["id"], world[actor].user["commune_id"])
    assert (entry["target_type"], entry["target_id"]) == (target_type, target_id), entry
    assert start <= datetime.fromisoformat(entry["at"]) <= end, entry
    assert entry["ip"] == ADDRESS
    assert {k: entry["details"].get(k) for k in details} == details, entry


def test_reads_and_pulls_by_volunteers_and_village_staff_are_not_audited(world):
    record_id = world.record()
    before = {e["id"] for e in entries(world)}
    for name in ("vol.qt1", "staff.qt"):
        caller = world[name]
        assert caller.get(f"/records/{record_id}").status_code == 200
        assert caller.get("/records").status_code == 200
        assert record_id in pull_until_served(caller, {record_id})[0]
    assert [e for e in entries(world) if e["id"] not in before] == []


def test_a_pull_that_serves_nothing_writes_nothing(world):
    police = Caller(world.client, "police.qt")
    _, cursor, _ = pull_until_served(police, {world.record()})
    count = len(entries(world, action="records.pull"))
    assert police.pull(cursor)["changes"] == []
    assert len(entries(world, action="records.pull")) == count


def test_each_page_of_a_police_pull_names_the_records_it_served(world):
    volunteer, police = world["vol.qt1"], Caller(world.client, "police.qt")
    mutations = [volunteer.create("vneid_activation", world.villages["Thôn 2"], vneid_data()) for _ in range(4)]
    volunteer.push_ok(mutations)
    records, _, serving_pages = pull_until_served(police, {m["record_id"] for m in mutations}, limit=2)
    pulls = entries(world, action="records.pull", target_id=police.device_id)
    assert len(pulls) == serving_pages >= 3  # pages of at most 2
    assert sorted(i for e in pulls for i in e["details"]["record_ids"]) == sorted(records)
    assert all(e["details"]["count"] == len(e["details"]["record_ids"]) <= 2 for e in pulls)


# --------------------------------------------------------------------------------------------
# Who reads the log, and how


def test_the_admin_reads_only_its_communes_log_and_police_none_of_it(world):
    world["police.qt"].get(f"/records/{world.record()}")
    Caller(world.client, "police.ch").get("/records")
    mine = entries(world)
    assert mine and {e["commune_id"] for e in mine} == {world["admin.qt"].user["commune_id"]}
    theirs = body_of(world["admin.ch"].get("/audit", query_string={"per_page": 200}))["items"]
    assert theirs and {e["commune_id"] for e in theirs} == {world["admin.ch"].user["commune_id"]}
    assert not {e["id"] for e in mine} & {e["id"] for e in theirs}
    for name in ("police.qt", "staff.qt", "vol.qt1"):
        response = world[name].get("/audit")
        assert response.status_code == 403 and body_of(response)["error"]["code"] == "forbidden", name


def test_the_log_filters_by_user_action_target_record_and_day_and_pages(world):
    police, admin, record_id = world["police.qt"], world["admin.qt"], world.record()
    police.get(f"/records/{record_id}")
    police.get("/records")
    pull_until_served(Caller(world.client, "police.qt"), {record_id})
    police.post(f"/records/{record_id}/review", json={"action": "approve", "base_version": 1})
    every = entries(world)

    by_police = entries(world, user_id=police.user["id"])
    assert by_police and [e["id"] for e in by_police] == [e["id"] for e in every if e["user_id"] == police.user["id"]]
    listed = entries(world, action="records.list")
    assert listed and [e["id"] for e in listed] == [e["id"] for e in every if e["action"] == "records.list"]
    assert [e["action"] for e in entries(world, target_type="record", target_id=record_id)] == [
        "record.review",
        "record.view",
    ]
    # Who saw this record, however it went out: reviewed, pulled, listed, viewed.
    assert [e["action"] for e in entries(world, record_id=record_id)] == [
        "record.review",
        "records.pull",
        "records.list",
        "record.view",
    ]

    today = today_local()
    assert [e["id"] for e in entries(world, **{"from": today.isoformat(), "to": today.isoformat()})] == [
        e["id"] for e in every
    ]
    assert entries(world, to=(today - timedelta(days=1)).isoformat()) == []
    assert entries(world, **{"from": (today + timedelta(days=1)).isoformat()}) == []
    backwards = admin.get(
        "/audit", query_string={"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    )
    assert backwards.status_code == 422 and "from" in body_of(backwards)["error"]["fields"]

    pages = [body_of(admin.get("/audit", query_string={"per_page": 3, "page": page})) for page in (1, 2)]
    assert [p["total"] for p in pages] == [len(every)] * 2 and len(every) > 6
    assert [e["id"] for p in pages for e in p["items"]] == [e["id"] for e in every[:6]]


# --------------------------------------------------------------------------------------------
# Nothing changes the log


def _all_rows(app):
    with app.app_context():
        rows = db.session.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).all()
        db.session.commit()
    return [tuple(row) for row in rows]


def test_no_request_changes_or_removes_an_entry(world):
    admin = world["admin.qt"]
    entry_id = entries(world)[0]["id"]
    before = _all_rows(world.app)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = admin.request(method, "/audit", json={"action": "xoá", "ids": [entry_id]})
        assert response.status_code == 405 and body_of(response)["error"]["code"] == "method_not_allowed", method
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        response = admin.request(method, f"/audit/{entry_id}", json={"action": "xoá"})
        assert response.status_code == 404 and body_of(response)["error"]["code"] == "not_found", method
    assert _all_rows(world.app) == before


def _refused(connection, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        with connection.begin():
            connection.execute(text(statement))


def test_the_database_refuses_to_change_or_remove_an_entry(world):
    before = _all_rows(world.app)
    assert before
    with world.app.app_context():
        with db.engine.connect() as connection:
            _refused(connection, "UPDATE audit_log SET action = 'record.view', user_id = NULL")
            _refused(connection, "DELETE FROM audit_log")
            if connection.dialect.name == "postgresql":
                _refused(connection, "TRUNCATE audit_log")
                _refused(connection, "TRUNCATE users CASCADE")
        # Through the ORM, as any code path of the app would.
        entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().first()
        entry.details = {"tampered": True}
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    assert _all_rows(world.app) == before


@pytest.fixture
def migrated_database_url(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, **FAST_HASHING})
        app.instance_path = str(tmp_path)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield app.config["SQLALCHEMY_DATABASE_URI"]


def test_a_migrated_database_refuses_to_change_or_remove_an_entry_too(migrated_database_url):
    engine = create_engine(migrated_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO audit_log (at, action) VALUES (CURRENT_TIMESTAMP, 'login')"))
        with engine.connect() as connection:
            _refused(connection, "UPDATE audit_log SET action = 'logout'")
            _refused(connection, "DELETE FROM audit_log")
            if connection.dialect.name == "postgresql":
                _refused(connection, "TRUNCATE audit_log")
            assert connection.execute(text("SELECT action FROM audit_log")).scalars().all() == ["login"]
    finally:
        engine.dispose()
