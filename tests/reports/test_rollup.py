"""The province's roll-up (PROTOCOL.md §10a): live figures of every commune of the province from
one grouped query, each beside its target, ranked by the share of the headline measure's target,
with whether its report is in; no personal data, and the same as a file."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from server.extensions import db
from server.models import Commune, Village
from tests.helpers import body_of, vneid_data


def approved(volunteer, police, village_id, activity_date, **data):
    mutation = volunteer.create("vneid_activation", village_id, vneid_data(activity_date=activity_date, **data))
    assert volunteer.push_ok([mutation])[0]["status"] == "applied"
    response = police.post(f"/records/{mutation['record_id']}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 200, body_of(response)


def add_communes(names):
    """More communes of Thanh Hóa, with a village each and no records or targets."""
    province_id = db.session.execute(db.select(Commune.province_id).where(Commune.name == "Xã Cẩm Tân")).scalar()
    ids = []
    for name in names:
        commune = Commune(name=name, kind="xã", province_id=province_id)
        db.session.add(commune)
        db.session.flush()
        db.session.add(Village(commune_id=commune.id, name="Thôn 1"))
        ids.append(commune.id)
    db.session.commit()
    return ids


@pytest.fixture
def october(login, villages):
    """Quang Trung: three activations in October, a target of 10 for October (30%). Cẩm Tân: one
    in September and one in October, a target of 4 for the year (2 of 4 so far: 50%). A third
    commune with no target. The province's target for the year: 1000. Quang Trung sent its report."""
    qt_vol, qt_police = login("vol.qt1"), login("police.qt")
    for day, name in (("2026-10-02", "Lê Văn Tám"), ("2026-10-09", "Hà Thị Thu"), ("2026-10-30", "Võ Minh")):
        approved(qt_vol, qt_police, villages["Thôn 1"], day, full_name=name)
    ch_vol, ch_police = login("vol.ch1"), login("police.ch")
    approved(ch_vol, ch_police, villages["Thôn Đông"], "2026-09-15")
    approved(ch_vol, ch_police, villages["Thôn Đông"], "2026-10-15")
    (new,) = add_communes(["Xã Định Hòa"])
    qt, ch = qt_police.user["commune_id"], ch_police.user["commune_id"]
    response = login("padmin.th").request(
        "PUT",
        "/province/targets",
        json={
            "items": [
                {"measure": "vneid_activated", "period": "2026-10", "value": 10, "commune_id": qt},
                {"measure": "vneid_activated", "period": "2026", "value": 4, "commune_id": ch},
                {"measure": "vneid_activated", "period": "2026", "value": 1000, "commune_id": None},
            ]
        },
    )
    assert response.status_code == 200, body_of(response)
    response = qt_police.post("/reports/submissions", json={"period": "2026-10", "narrative": {"results": "Tốt"}})
    assert response.status_code == 201
    return {"qt": qt, "ch": ch, "new": new}


def test_the_rollup_ranks_the_communes_by_their_share_of_the_target_missing_targets_last(login, october):
    rollup = body_of(login("province.th").get("/reports/rollup?period=2026-10"))
    assert (rollup["period"], rollup["from"], rollup["to"]) == ("2026-10", "2026-10-01", "2026-10-31")
    assert rollup["province"]["name"] == "Tỉnh Thanh Hóa" and rollup["due_date"] == "2026-11-20"
    assert rollup["headline"] == "vneid_activated"
    rows = [
        (c["commune_name"], c["status"], c["late"], c["measures"]["vneid_activated"], c["targets"]["vneid_activated"])
        for c in rollup["communes"]
    ]
    assert rows == [
        ("Xã Cẩm Tân", "missing", True, 1, 4),
        ("Phường Quang Trung", "submitted", True, 3, 10),
        ("Xã Định Hòa", "missing", True, 0, None),
    ]
    assert [c["share_of_target"] for c in rollup["communes"]] == [50.0, 30.0, None]
    # Against a target, what was reached since the target's own start: Cẩm Tân's year so far.
    assert [c["towards_targets"] for c in rollup["communes"]] == [
        {"vneid_activated": 2},
        {"vneid_activated": 3},
        {},
    ]
    assert [c["commune_id"] for c in rollup["communes"]] == [october["ch"], october["qt"], october["new"]]
    measure = next(m for m in rollup["measures"] if m["key"] == "vneid_activated")
    assert (measure["value"], measure["target"], measure["unit"]) == (4, 1000, "count")
    assert measure["label"]["vi"]
    assert next(m for m in rollup["measures"] if m["key"] == "people_reached")["target"] is None
    assert all(set(c["measures"]) == {m["key"] for m in rollup["measures"]} for c in rollup["communes"])
    text = str(rollup)
    assert not any(name in text for name in ("Lê Văn Tám", "Hà Thị Thu", "Võ Minh", "038190012345", "0912345678"))


def test_the_rollup_is_one_grouped_query_over_the_records_however_many_communes(app, login, october):
    add_communes([f"Xã Thử {i}" for i in range(12)])
    officer = login("province.th")
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if re.search(r"\brecords\b", statement):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = officer.get("/reports/rollup?period=2026-10")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert len(body_of(response)["communes"]) == 15
    # The month's figures, and Cẩm Tân's year target counted from January: two statements.
    assert len(statements) == 2, statements


@pytest.mark.parametrize("username", ["admin.qt", "police.qt", "leader.qt", "vol.qt1", "staff.qt", "civil.qt"])
def test_commune_roles_get_no_rollup(login, username):
    caller = login(username)
    for path in ("/reports/rollup", "/reports/rollup/export"):
        response = caller.get(path)
        assert response.status_code == 403 and body_of(response)["error"]["code"] == "forbidden"


def test_the_rollup_downloads_with_a_row_per_commune_and_the_provinces_totals(login, october):
    response = login("padmin.th").get("/reports/rollup/export?period=2026-10&format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="tong-hop-2026-10.xlsx"'
    assert "no-store" in response.headers["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "STT")
    assert header[:5] == ["STT", "Mã xã", "Xã", "Tình trạng báo cáo", "Nộp muộn"]
    column = header.index("Tài khoản VNeID đã kích hoạt (mọi mức)")
    body = rows[rows.index(header) + 1 :]
    assert [(r[2], r[3], r[4], r[column]) for r in body] == [
        ("Xã Cẩm Tân", "Chưa gửi", "Có", 1),
        ("Phường Quang Trung", "Đã gửi", "Có", 3),
        ("Xã Định Hòa", "Chưa gửi", "Có", 0),
        ("Toàn tỉnh", None, None, 4),
    ]
    target, share = (
        header.index("Chỉ tiêu: Tài khoản VNeID đã kích hoạt (mọi mức)"),
        header.index("Tỷ lệ đạt chỉ tiêu (%)"),
    )
    assert (body[0][target], body[0][share]) == (4, 50)
    assert body[-1][target] == 1000
    text = str(rows)
    assert not any(name in text for name in ("Lê Văn Tám", "Hà Thị Thu", "Võ Minh"))


def test_province_targets_are_checked_and_only_the_province_admin_sets_them(login, october):
    padmin, officer = login("padmin.th"), login("province.th")
    items = body_of(officer.get("/province/targets"))["items"]
    assert {(t["commune_name"], t["period"], t["value"]) for t in items} == {
        (None, "2026", 1000),
        ("Phường Quang Trung", "2026-10", 10),
        ("Xã Cẩm Tân", "2026", 4),
    }
    other = body_of(login("police.ch").get("/auth/me"))["commune_id"] + 1000
    bad = padmin.request(
        "PUT",
        "/province/targets",
        json={
            "items": [
                {"measure": "no_such_measure", "period": "2026", "value": 1},
                {"measure": "vneid_activated", "period": "2026-01-01..2026-01-15", "value": 1},
                {"measure": "vneid_activated", "period": "2026", "value": 1, "commune_id": other},
                {"measure": "death_cases_certified_percent", "period": "2026", "value": 120},
            ]
        },
    )
    assert bad.status_code == 422
    assert set(body_of(bad)["error"]["fields"]) == {
        "items.0.measure",
        "items.1.period",
        "items.2.commune_id",
        "items.3.value",
    }
    response = padmin.request(
        "PUT", "/province/targets", json={"items": [{"measure": "vneid_activated", "period": "2026", "value": None}]}
    )
    assert (None, "2026", 1000) not in {
        (t["commune_name"], t["period"], t["value"]) for t in body_of(response)["items"]
    }
    forbidden = officer.request("PUT", "/province/targets", json={"items": []})
    assert forbidden.status_code == 403
    assert login("admin.qt").get("/province/targets").status_code == 403
