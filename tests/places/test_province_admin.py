"""The province admin opens its communes from the official list and gives each its first admin,
who then runs the commune (villages, users) as every commune admin does (PROTOCOL.md §3)."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry, Commune, Province
from server.places.official import load_official_places
from tests.helpers import Caller, body_of
from tests.places.test_official_places import FIXTURE

NEW_ADMIN = {"username": "admin.ht", "full_name": "Tổ công tác Đề án 06 xã Hoằng Thanh", "password": "mat-khau-ht-06"}


@pytest.fixture
def official_list(app):
    load_official_places(FIXTURE)
    db.session.commit()


def error_code(response):
    return body_of(response)["error"]["code"]


def official_communes(caller, **query):
    response = caller.get("/places/communes", query_string=query)
    assert response.status_code == 200, body_of(response)
    return {item["name"]: item for item in body_of(response)["items"]}


def open_hoang_thanh(login):
    response = login("padmin.th").post("/communes", json={"code": 16000})
    assert response.status_code == 201, body_of(response)
    return body_of(response)


def test_the_official_list_of_the_province_says_which_communes_are_opened(official_list, login):
    items = official_communes(login("province.th"))
    assert list(items) == ["Phường Bỉm Sơn", "Phường Quang Trung", "Xã Cẩm Tân", "Xã Hoằng Thanh"]  # not Hà Nội's
    quang_trung = db.session.execute(select(Commune).where(Commune.code == 14818)).scalar_one()
    assert items["Phường Quang Trung"] == {
        "code": 14818,
        "name": "Phường Quang Trung",
        "kind": "phường",
        "opened": True,
        "commune_id": quang_trung.id,
    }
    assert items["Xã Hoằng Thanh"] == {
        "code": 16000,
        "name": "Xã Hoằng Thanh",
        "kind": "xã",
        "opened": False,
        "commune_id": None,
    }
    assert list(official_communes(login("padmin.th"), opened="false")) == ["Phường Bỉm Sơn", "Xã Hoằng Thanh"]


@pytest.mark.parametrize(
    "q, found",
    [
        ("quang trung", ["Phường Quang Trung"]),
        ("cam tan", ["Xã Cẩm Tân"]),
        ("CẨM TÂN", ["Xã Cẩm Tân"]),
        ("  hoang   thanh ", ["Xã Hoằng Thanh"]),
        ("phuong", ["Phường Bỉm Sơn", "Phường Quang Trung"]),
        ("ba dinh", []),  # Hà Nội's
    ],
)
def test_searching_the_list_ignores_accents_and_case(official_list, login, q, found):
    assert list(official_communes(login("padmin.th"), q=q)) == found


def test_d_with_stroke_is_searched_as_d(app, login):
    load_official_places(
        [
            {
                "name": "Tỉnh Thanh Hóa",
                "code": 38,
                "division_type": "tỉnh",
                "wards": [{"name": "Xã Đông Sơn", "code": 15000, "division_type": "xã"}],
            }
        ]
    )
    db.session.commit()
    assert list(official_communes(login("padmin.th"), q="dong son")) == ["Xã Đông Sơn"]


def test_the_province_admin_opens_a_commune_of_the_list(official_list, login):
    commune = open_hoang_thanh(login)
    assert commune | {"id": None} == {
        "id": None,
        "code": 16000,
        "name": "Xã Hoằng Thanh",
        "kind": "xã",
        "villages": 0,
        "users": 0,
        "admins": [],
    }
    stored = db.session.get(Commune, commune["id"])
    assert stored.province.code == 38
    assert official_communes(login("padmin.th"), q="hoang thanh")["Xã Hoằng Thanh"]["opened"] is True
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "commune.open")).scalar_one()
    assert (entry.commune_id, entry.details) == (commune["id"], {"code": 16000, "name": "Xã Hoằng Thanh"})
    listed = {c["name"]: c for c in body_of(login("province.th").get("/communes"))["items"]}
    assert list(listed) == ["Phường Quang Trung", "Xã Cẩm Tân", "Xã Hoằng Thanh"]
    assert listed["Phường Quang Trung"]["villages"] == 5 and listed["Phường Quang Trung"]["users"] == 8
    assert [a["username"] for a in listed["Phường Quang Trung"]["admins"]] == ["admin.qt"]


def test_a_commune_opened_twice_is_409(official_list, login):
    open_hoang_thanh(login)
    again = login("padmin.th").post("/communes", json={"code": 16000})
    assert (again.status_code, error_code(again)) == (409, "commune_opened")
    demo = login("padmin.th").post("/communes", json={"code": 14818})
    assert (demo.status_code, error_code(demo)) == (409, "commune_opened")


def test_a_commune_of_another_province_or_none_is_404(official_list, login):
    padmin = login("padmin.th")
    for code in (4, 1273, 99999):  # Hà Nội's Ba Đình, Cao Bằng's Thục Phán, no commune
        response = padmin.post("/communes", json={"code": code})
        assert (response.status_code, error_code(response)) == (404, "not_found"), code
    assert db.session.execute(select(Commune).where(Commune.code.in_((4, 1273)))).first() is None


def test_a_province_officer_follows_but_cannot_open_or_make_admins(official_list, login):
    officer = login("province.th")
    assert officer.get("/communes").status_code == 200
    response = officer.post("/communes", json={"code": 16000})
    assert (response.status_code, error_code(response)) == (403, "forbidden")
    quang_trung = db.session.execute(select(Commune.id).where(Commune.code == 14818)).scalar_one()
    assert officer.post(f"/communes/{quang_trung}/admins", json=NEW_ADMIN).status_code == 403
    assert officer.get(f"/communes/{quang_trung}/admins").status_code == 403


def test_commune_roles_reach_none_of_it(official_list, login):
    admin = login("admin.qt")
    for method, path in (("GET", "/places/communes"), ("GET", "/communes"), ("POST", "/communes")):
        response = admin.request(method, path, json={"code": 16000} if method == "POST" else None)
        assert (response.status_code, error_code(response)) == (403, "forbidden"), path


def test_the_province_admin_gives_the_commune_its_admin_who_runs_it(official_list, login, client):
    commune = open_hoang_thanh(login)
    padmin = login("padmin.th")
    response = padmin.post(f"/communes/{commune['id']}/admins", json=NEW_ADMIN)
    assert response.status_code == 201, body_of(response)
    created = body_of(response)
    assert created | {"id": None} == {
        "id": None,
        "username": "admin.ht",
        "full_name": NEW_ADMIN["full_name"],
        "role": "admin",
        "commune_id": commune["id"],
        "active": True,
    }
    assert [a["username"] for a in body_of(padmin.get(f"/communes/{commune['id']}/admins"))] == ["admin.ht"]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.create")).scalar_one()
    assert entry.commune_id == commune["id"] and entry.details["role"] == "admin"

    taken = padmin.post(f"/communes/{commune['id']}/admins", json={**NEW_ADMIN, "username": "admin.qt"})
    assert (taken.status_code, error_code(taken)) == (409, "username_taken")
    short = padmin.post(f"/communes/{commune['id']}/admins", json={**NEW_ADMIN, "username": "x.y", "password": "short"})
    assert short.status_code == 422 and "password" in body_of(short)["error"]["fields"]
    other_role = padmin.post(
        f"/communes/{commune['id']}/admins", json={**NEW_ADMIN, "username": "p.ht", "role": "police"}
    )
    assert other_role.status_code == 422  # the province makes admins only

    # The new admin logs in to its commune and adds what it has.
    admin = Caller(client, "admin.ht", password=NEW_ADMIN["password"])
    assert admin.user["commune_id"] == commune["id"]
    village = admin.post("/villages", json={"name": "Thôn 1 Hoằng Phụ", "former_name": "Thôn 1"})
    assert village.status_code == 201, body_of(village)
    user = admin.post(
        "/users",
        json={
            "username": "vol.ht1",
            "password": "mat-khau-vol",
            "full_name": "Lê Thị Hà",
            "role": "volunteer",
            "village_ids": [body_of(village)["id"]],
        },
    )
    assert user.status_code == 201, body_of(user)
    listed = {c["name"]: c for c in body_of(padmin.get("/communes"))["items"]}["Xã Hoằng Thanh"]
    assert (listed["villages"], listed["users"], [a["username"] for a in listed["admins"]]) == (1, 2, ["admin.ht"])


def test_another_provinces_commune_is_404_for_its_admins(official_list, login):
    ha_noi = Province(code=1, name="Thành phố Hà Nội")
    db.session.add(ha_noi)
    db.session.flush()
    ba_dinh = Commune(code=4, name="Phường Ba Đình", kind="phường", province_id=ha_noi.id)
    db.session.add(ba_dinh)
    db.session.commit()
    padmin = login("padmin.th")
    assert padmin.get(f"/communes/{ba_dinh.id}/admins").status_code == 404
    response = padmin.post(f"/communes/{ba_dinh.id}/admins", json=NEW_ADMIN)
    assert (response.status_code, error_code(response)) == (404, "not_found")
    assert "Phường Ba Đình" not in {c["name"] for c in body_of(padmin.get("/communes"))["items"]}


def test_two_villages_of_the_same_former_name_live_side_by_side(login):
    admin = login("admin.ch")
    made = []
    for name in ("Thôn 1 Hoằng Phụ", "Thôn 1 Hoằng Thanh"):
        response = admin.post("/villages", json={"name": name, "former_name": "Thôn 1"})
        assert response.status_code == 201, body_of(response)
        made.append(body_of(response))
    assert [(v["name"], v["kind"], v["former_name"]) for v in made] == [
        ("Thôn 1 Hoằng Phụ", "thon", "Thôn 1"),
        ("Thôn 1 Hoằng Thanh", "thon", "Thôn 1"),
    ]
    group = admin.post("/villages", json={"name": "Tổ dân phố 3", "kind": "to_dan_pho"})
    assert body_of(group)["kind"] == "to_dan_pho" and body_of(group)["former_name"] is None
    changed = admin.request("PATCH", f"/villages/{made[0]['id']}", json={"kind": "to_dan_pho", "former_name": None})
    assert (body_of(changed)["kind"], body_of(changed)["former_name"]) == ("to_dan_pho", None)
    assert admin.post("/villages", json={"name": "Thôn X", "kind": "xom"}).status_code == 422
    assert admin.post("/villages", json={"name": "Thôn Y", "former_name": "x" * 201}).status_code == 422
    listed = {v["name"]: v for v in body_of(admin.get("/villages"))}
    assert listed["Thôn 1 Hoằng Thanh"]["former_name"] == "Thôn 1" and listed["Thôn Đông"]["kind"] == "thon"


def cli(app, *args):
    return app.test_cli_runner().invoke(
        args=["create-user", "--password", "mot-mat-khau", "--full-name", "Người mới", *args]
    )


def test_create_user_wants_the_place_its_role_belongs_to(app, client):
    assert "dùng --commune" in cli(app, "--username", "a.b", "--role", "police").output
    assert (
        "dùng --province"
        in cli(app, "--username", "a.b", "--role", "province_officer", "--commune", "Quang Trung").output
    )
    assert "dùng --commune" in cli(app, "--username", "a.b", "--role", "police", "--province", "Thanh Hóa").output
    made = cli(app, "--username", "pc06.th", "--role", "province_officer", "--province", "Thanh Hóa")
    assert made.exit_code == 0, made.output
    assert Caller(client, "pc06.th", password="mot-mat-khau").user["province_name"] == "Tỉnh Thanh Hóa"
    assert cli(app, "--username", "pc06.x", "--role", "province_admin", "--province", "38").exit_code == 0
    assert (
        "Không có tỉnh" in cli(app, "--username", "pc06.y", "--role", "province_admin", "--province", "Nghệ An").output
    )


def test_create_user_opens_a_commune_of_the_official_list(official_list, app, client):
    made = cli(app, "--username", "admin.ht", "--role", "admin", "--commune", "Hoằng Thanh", "--village", "Thôn 1")
    assert made.exit_code == 0, made.output
    commune = db.session.execute(select(Commune).where(Commune.code == 16000)).scalar_one()
    assert (commune.name, commune.kind, commune.province.code) == ("Xã Hoằng Thanh", "xã", 38)
    assert Caller(client, "admin.ht", password="mot-mat-khau").user["commune_id"] == commune.id
    # Not in the list: made as before, without a code.
    other = cli(app, "--username", "admin.zz", "--role", "admin", "--commune", "Xã Thử Nghiệm")
    assert other.exit_code == 0, other.output
    assert db.session.execute(select(Commune.code).where(Commune.name == "Xã Thử Nghiệm")).scalar_one() is None
