"""Reports sent upward (PROTOCOL.md §10a): a commune sends the report of an ended period with its
figures frozen, the province follows who sent it and who is late, returns one for correction,
and the commune sends it again as a new version. Nobody outside the commune and its province
sees it; the province never sees a record.

Periods are in the past relative to the tests' calendar (December 2026): October 2026 is over,
and its report, due on 20 November, is late when sent now.
"""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.auth.passwords import hash_password
from server.extensions import db
from server.models import AuditEntry, Commune, Province, User, Village
from server.push import sender
from server.reports.periods import dmy, previous_month, today_local
from tests.helpers import PASSWORD, body_of, difficulty_data, update, vneid_data
from tests.push.conftest import browser, notifications, push_service, subscribed, vapid  # noqa: F401 - fixtures

NARRATIVE = {
    "results": "Hỗ trợ kích hoạt VNeID cho người dân các khu phố",
    "difficulties": "Thiếu thiết bị đọc chip",
    "proposals": "Đề nghị tỉnh hỗ trợ 02 đầu đọc",
}


def approved_record(volunteer, police, village_id, **data):
    """A VNeID record the volunteer sends and the police approve; its id."""
    mutation = volunteer.create("vneid_activation", village_id, vneid_data(**data))
    assert volunteer.push_ok([mutation])[0]["status"] == "applied"
    response = police.post(f"/records/{mutation['record_id']}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 200, body_of(response)
    return mutation["record_id"]


def submit(caller, period="2026-10", narrative=NARRATIVE):
    return caller.post("/reports/submissions", json={"period": period, "narrative": narrative})


def submitted(caller, period="2026-10", narrative=NARRATIVE):
    response = submit(caller, period, narrative)
    assert response.status_code == 201, body_of(response)
    return body_of(response)


def error_code(response, status):
    assert response.status_code == status, (response.status_code, body_of(response))
    return body_of(response)["error"]["code"]


def other_province():
    """Hà Nội with one commune and its province officer: nothing of Thanh Hóa is theirs."""
    province = Province(code=1, name="Thành phố Hà Nội", report_due_day=20)
    db.session.add(province)
    db.session.flush()
    commune = Commune(code=4, name="Phường Ba Đình", kind="phường", province_id=province.id)
    db.session.add(commune)
    db.session.flush()
    db.session.add(Village(commune_id=commune.id, name="Tổ dân phố 1", kind="to_dan_pho"))
    db.session.add(
        User(
            username="province.hn",
            password_hash=hash_password(PASSWORD),
            full_name="Công an thành phố Hà Nội",
            role="province_officer",
            province_id=province.id,
        )
    )
    db.session.commit()
    return commune.id


# --------------------------------------------------------------------------------------------
# Sending


def test_a_commune_sends_the_report_of_an_ended_month_with_its_figures(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    approved_record(volunteer, police, villages["Thôn 1"], activity_date="2026-10-05")
    approved_record(volunteer, police, villages["Thôn 2"], activity_date="2026-10-20", level=1)
    approved_record(volunteer, police, villages["Thôn 1"], activity_date="2026-09-30")  # September's
    document = submitted(police, narrative={**NARRATIVE, "results": "  Kết quả tháng 10  "})
    assert document["period"] == "2026-10"
    assert (document["period_start"], document["period_end"]) == ("2026-10-01", "2026-10-31")
    assert (document["version"], document["status"]) == (1, "submitted")
    assert document["commune_name"] == "Phường Quang Trung"
    assert document["submitted_by"] == police.user["id"]
    assert document["submitted_by_name"] == police.user["full_name"]
    assert document["narrative"] == {**NARRATIVE, "results": "Kết quả tháng 10"}
    assert document["due_date"] == "2026-11-20" and document["late"] is True
    assert (document["return_comment"], document["returned_at"], document["returned_by_name"]) == (None, None, None)
    assert [v["version"] for v in document["versions"]] == [1]
    figures = document["figures"]
    assert figures["totals"]["measures"]["vneid_activated"] == 2
    assert figures["totals"]["measures"]["vneid_activated_level_2"] == 1
    by_village = {v["name"]: v["measures"]["vneid_activated"] for v in figures["villages"]}
    assert by_village["Thôn 1"] == 1 and by_village["Thôn 2"] == 1
    assert figures["totals"]["types"]["vneid_activation"]["records"] == 2
    assert figures["difficulties"] == []
    assert "trend" not in figures
    # Who sent what is in the audit log.
    actions = db.session.execute(select(AuditEntry.action, AuditEntry.target_id)).all()
    db.session.commit()
    assert ("report.submit", document["id"]) in actions


def test_the_figures_sent_do_not_move_when_records_change_afterwards(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    first = approved_record(volunteer, police, villages["Thôn 1"], activity_date="2026-10-05")
    document = submitted(police)
    assert document["figures"]["totals"]["measures"]["vneid_activated"] == 1
    # A new record of October, approved; the first moved out of the month; a third waiting.
    approved_record(volunteer, police, villages["Thôn 2"], activity_date="2026-10-07")
    approved_record(volunteer, police, villages["Thôn 2"], activity_date="2026-10-08")
    (result,) = police.push_ok([update(first, 2, {"activity_date": "2026-11-02"})])
    assert result["status"] == "applied", result
    live = body_of(police.get("/reports/progress?period=2026-10"))
    assert live["totals"]["measures"]["vneid_activated"] == 2
    for caller in (police, login("admin.qt"), login("province.th")):
        again = body_of(caller.get(f"/reports/submissions/{document['id']}"))
        assert again["figures"] == document["figures"]
        assert again["figures"]["totals"]["measures"]["vneid_activated"] == 1


def test_a_period_sent_and_not_returned_is_not_sent_again(login):
    police = login("police.qt")
    submitted(police)
    assert error_code(submit(login("admin.qt")), 409) == "already_submitted"
    # The other commune sends its own report of the same month.
    assert submit(login("police.ch")).status_code == 201


@pytest.mark.parametrize("period", ["2026-12", "2026-Q4", "2026-H2", "2026", "2027-01"])
def test_a_period_not_yet_ended_is_refused(login, period):
    assert error_code(submit(login("police.qt"), period), 422) == "period_not_ended"


@pytest.mark.parametrize("period", ["2026-01-01..2026-01-15", "2026-13", "tháng 10", ""])
def test_a_range_of_days_or_an_unreadable_period_is_not_a_report_period(login, period):
    response = submit(login("police.qt"), period)
    assert error_code(response, 422) == "validation_failed"
    assert "period" in body_of(response)["error"]["fields"]


@pytest.mark.parametrize("period", ["2026-Q3", "2026-H1", "2025"])
def test_a_quarter_six_months_or_a_year_that_ended_is_sent(login, period):
    document = submitted(login("police.qt"), period)
    assert document["period"] == period


@pytest.mark.parametrize(
    "narrative, field",
    [
        ({"difficulties": "x"}, "narrative.results"),
        ({"results": "   "}, "narrative.results"),
        ({"results": "x" * 5001}, "narrative.results"),
        ({"results": "x", "proposals": "x" * 5001}, "narrative.proposals"),
        ({"results": "x", "other": "x"}, "narrative.other"),
    ],
)
def test_the_words_of_a_report_are_checked(login, narrative, field):
    response = submit(login("police.qt"), narrative=narrative)
    assert error_code(response, 422) == "validation_failed"
    assert field in body_of(response)["error"]["fields"], body_of(response)


@pytest.mark.parametrize("username", ["vol.qt1", "staff.qt", "civil.qt", "leader.qt", "province.th", "padmin.th"])
def test_only_the_communes_police_and_admin_send_its_report(login, username):
    assert error_code(submit(login(username)), 403) == "forbidden"


# --------------------------------------------------------------------------------------------
# Due dates and lateness


def test_a_report_sent_by_its_due_date_is_not_late_and_the_province_sets_the_due_dates(login):
    padmin = login("padmin.th")
    last_month = previous_month()
    response = padmin.request(
        "PUT", "/province/deadlines", json={"periods": [{"period": "2026-09", "due_date": "2027-01-05"}]}
    )
    assert response.status_code == 200, body_of(response)
    assert body_of(response) == {"report_due_day": 20, "periods": [{"period": "2026-09", "due_date": "2027-01-05"}]}
    document = submitted(login("police.qt"), "2026-09")
    assert (document["due_date"], document["late"]) == ("2027-01-05", False)
    # The usual day moves every period without a date of its own (the previous month's: not late today).
    response = padmin.request("PUT", "/province/deadlines", json={"report_due_day": 28})
    assert body_of(response)["report_due_day"] == 28
    document = submitted(login("police.qt"), last_month.name)
    assert document["due_date"][-2:] == "28" and document["late"] is (today_local().day > 28)
    # A due date must fall after the period it is for; a due day is 1 to 28.
    bad = padmin.request(
        "PUT", "/province/deadlines", json={"periods": [{"period": "2026-11", "due_date": "2026-11-30"}]}
    )
    assert "periods.0.due_date" in body_of(bad)["error"]["fields"]
    assert (
        error_code(padmin.request("PUT", "/province/deadlines", json={"report_due_day": 31}), 422)
        == "validation_failed"
    )
    assert error_code(login("province.th").request("PUT", "/province/deadlines", json={"report_due_day": 5}), 403)
    assert body_of(login("province.th").get("/province/deadlines"))["report_due_day"] == 28


# --------------------------------------------------------------------------------------------
# Returning and sending again


def test_a_returned_report_is_sent_again_as_version_2_and_version_1_stays_readable(app, login):
    police, officer = login("police.qt"), login("province.th")
    first = submitted(police)
    response = officer.post(f"/reports/submissions/{first['id']}/return", json={"comment": "  Bổ sung số liệu thôn 3 "})
    assert response.status_code == 200, body_of(response)
    returned = body_of(response)
    assert (returned["status"], returned["version"], returned["return_comment"]) == (
        "returned",
        1,
        "Bổ sung số liệu thôn 3",
    )
    assert returned["returned_by_name"] == officer.user["full_name"] and returned["returned_at"]
    # The commune sees it returned, with the comment.
    (item,) = body_of(police.get("/reports/submissions"))["items"]
    assert (item["status"], item["return_comment"]) == ("returned", "Bổ sung số liệu thôn 3")
    assert "figures" not in item
    # Returned twice: 409.
    assert error_code(officer.post(f"/reports/submissions/{first['id']}/return", json={"comment": "x"}), 409)
    second = submitted(police, narrative={**NARRATIVE, "results": "Đã bổ sung"})
    assert (second["id"], second["version"], second["status"]) == (first["id"], 2, "submitted")
    assert [(v["version"], v["return_comment"]) for v in second["versions"]] == [
        (1, "Bổ sung số liệu thôn 3"),
        (2, None),
    ]
    old = body_of(officer.get(f"/reports/submissions/{first['id']}?version=1"))
    assert (old["version"], old["status"], old["narrative"]["results"]) == (1, "returned", NARRATIVE["results"])
    assert body_of(officer.get(f"/reports/submissions/{first['id']}"))["narrative"]["results"] == "Đã bổ sung"
    assert error_code(officer.get(f"/reports/submissions/{first['id']}?version=3"), 404) == "not_found"
    # Sent again and not returned: no third time.
    assert error_code(submit(police), 409) == "already_submitted"
    actions = [a for (a,) in db.session.execute(select(AuditEntry.action)).all()]
    db.session.commit()
    assert actions.count("report.submit") == 2 and actions.count("report.return") == 1


@pytest.mark.parametrize("body", [{}, {"comment": "   "}, {"comment": None}])
def test_a_return_says_why(login, body):
    document = submitted(login("police.qt"))
    assert error_code(login("province.th").post(f"/reports/submissions/{document['id']}/return", json=body), 422)


@pytest.mark.parametrize("username", ["police.qt", "admin.qt", "leader.qt"])
def test_the_commune_does_not_return_its_own_report(login, username):
    document = submitted(login("police.qt"))
    response = login(username).post(f"/reports/submissions/{document['id']}/return", json={"comment": "x"})
    assert error_code(response, 403) == "forbidden"


def test_a_return_reaches_the_communes_police_and_admin_by_push(app, login, subscribed, vapid):  # noqa: F811
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    police, police_phone = subscribed("police.qt")
    _, admin_phone = subscribed("admin.qt")
    subscribed("vol.qt1")
    subscribed("police.ch")
    document = submitted(police)
    response = login("province.th").post(
        f"/reports/submissions/{document['id']}/return", json={"comment": "Sai số liệu"}
    )
    assert response.status_code == 200
    rows = notifications(kind="report_returned")
    users = {u.username: u.id for u in db.session.execute(select(User)).scalars()}
    db.session.commit()
    assert sorted(r.user_id for r in rows) == sorted([users["police.qt"], users["admin.qt"]])
    assert rows[0].payload["body"] == "Báo cáo tháng 10/2026: Sai số liệu"
    assert rows[0].payload["submission_id"] == document["id"]
    assert sender.send_due() == {"sent": 2}
    (message,) = police_phone.messages()
    assert message["title"] == "Tỉnh trả lại báo cáo" and admin_phone.messages() == [message]


# --------------------------------------------------------------------------------------------
# What the province sees


def test_the_province_sees_one_row_per_commune_missing_ones_late_once_due(login):
    officer = login("province.th")
    document = submitted(login("police.qt"))
    board = body_of(officer.get("/reports/submissions?period=2026-10"))
    assert (board["period"], board["due_date"]) == ("2026-10", "2026-11-20")
    assert [(r["commune_name"], r["status"], r["late"]) for r in board["items"]] == [
        ("Phường Quang Trung", "submitted", True),
        ("Xã Cẩm Tân", "missing", True),
    ]
    sent, missing = board["items"]
    assert (sent["submission_id"], sent["version"], sent["due_date"]) == (document["id"], 1, "2026-11-20")
    assert sent["submitted_at"] == document["submitted_at"] and sent["commune_code"] == 14818
    assert (missing["submission_id"], missing["version"], missing["submitted_at"]) == (None, None, None)
    # By default the previous month, whose due date (the 20th) is still ahead or today.
    board = body_of(officer.get("/reports/submissions"))
    last_month = previous_month()
    assert board["period"] == last_month.name
    assert all(r["status"] == "missing" and r["late"] is (today_local().day > 20) for r in board["items"])
    # A returned report counts as not in: late once due.
    officer.post(f"/reports/submissions/{document['id']}/return", json={"comment": "Bổ sung"})
    rows = body_of(officer.get("/reports/submissions?period=2026-10"))["items"]
    assert (rows[0]["status"], rows[0]["late"]) == ("returned", True)
    assert error_code(officer.get("/reports/submissions?period=2026-01-01..2026-01-15"), 422)


def test_a_commune_lists_its_own_reports_newest_period_first(login):
    police = login("police.qt")
    for period in ("2026-09", "2026-Q3", "2026-10", "2026-H1"):
        submitted(police, period)
    submitted(login("police.ch"), "2026-08")
    for username in ("police.qt", "admin.qt", "leader.qt"):
        items = body_of(login(username).get("/reports/submissions"))["items"]
        assert [i["period"] for i in items] == ["2026-10", "2026-09", "2026-Q3", "2026-H1"], username
    assert [i["period"] for i in body_of(police.get("/reports/submissions?period=2026-09"))["items"]] == ["2026-09"]
    # Village staff follow their own villages' figures, not the commune's report.
    for username in ("vol.qt1", "civil.qt", "staff.qt"):
        assert error_code(login(username).get("/reports/submissions"), 403) == "forbidden"


def test_no_one_outside_the_commune_and_its_province_sees_its_report(app, login):
    other_province()
    document = submitted(login("police.qt"))
    outsider = login("province.hn")
    for path in (f"/reports/submissions/{document['id']}", f"/reports/submissions/{document['id']}/export"):
        assert error_code(outsider.get(path), 404) == "not_found", path
        for username in ("police.ch", "admin.ch", "vol.qt1"):
            assert login(username).get(path).status_code in (403, 404), (username, path)
        assert error_code(login("police.ch").get(path), 404) == "not_found"
    assert error_code(outsider.post(f"/reports/submissions/{document['id']}/return", json={"comment": "x"}), 404)
    assert error_code(login("police.ch").get(f"/reports/submissions/{document['id']}?version=1"), 404)
    board = body_of(outsider.get("/reports/submissions?period=2026-10"))
    assert [(r["commune_name"], r["status"]) for r in board["items"]] == [("Phường Ba Đình", "missing")]
    rollup = body_of(outsider.get("/reports/rollup?period=2026-10"))
    assert [c["commune_name"] for c in rollup["communes"]] == ["Phường Ba Đình"]
    assert rollup["province"]["name"] == "Thành phố Hà Nội"
    assert document["id"] not in str(board) + str(rollup)
    assert body_of(login("police.ch").get("/reports/submissions"))["items"] == []
    # The province's commune figures and targets are its own communes' only.
    qt = document["commune_id"]
    assert error_code(outsider.get(f"/reports/progress?period=2026-10&commune_id={qt}"), 404) == "not_found"
    assert error_code(outsider.get(f"/targets?commune_id={qt}"), 404) == "not_found"
    assert error_code(outsider.get("/reports/progress?period=2026-10"), 422) == "validation_failed"
    assert login("province.th").get(f"/reports/progress?period=2026-10&commune_id={qt}").status_code == 200
    # A commune role names only its own commune.
    ch = body_of(login("police.ch").get("/auth/me"))["commune_id"]
    assert error_code(login("police.qt").get(f"/reports/progress?commune_id={ch}"), 404) == "not_found"
    assert login("police.qt").get(f"/reports/progress?commune_id={qt}").status_code == 200


@pytest.mark.parametrize("username", ["province.th", "padmin.th"])
def test_province_roles_never_read_a_record(login, villages, username):
    volunteer, police = login("vol.qt1"), login("police.qt")
    record_id = approved_record(volunteer, police, villages["Thôn 1"], activity_date="2026-10-05")
    caller = login(username)
    assert error_code(caller.get(f"/records/{record_id}"), 404) == "not_found"
    assert error_code(caller.get("/records"), 403) == "forbidden"
    records, _, _ = caller.pull_all()
    assert records == {}
    assert error_code(caller.get("/reports/export?format=csv"), 403) == "forbidden"


def test_the_province_reads_one_communes_figures_and_targets(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    approved_record(volunteer, police, villages["Thôn 1"], activity_date="2026-10-05")
    qt = police.user["commune_id"]
    officer = login("province.th")
    progress = body_of(officer.get(f"/reports/progress?period=2026-10&commune_id={qt}"))
    assert progress["commune"]["name"] == "Phường Quang Trung"
    assert progress["totals"]["measures"]["vneid_activated"] == 1
    assert "Nguyễn Thị Lan" not in str(progress)
    response = login("padmin.th").request(
        "PUT",
        "/province/targets",
        json={"items": [{"measure": "vneid_activated", "period": "2026", "value": 600, "commune_id": qt}]},
    )
    assert response.status_code == 200, body_of(response)
    targets = body_of(officer.get(f"/targets?commune_id={qt}"))["items"]
    assert [(t["measure"], t["village_id"], t["value"]) for t in targets] == [("vneid_activated", None, 600)]
    # The commune sees the target the province set.
    assert [t["value"] for t in body_of(login("admin.qt").get("/targets"))["items"]] == [600]


# --------------------------------------------------------------------------------------------
# The report as a file


def _cells(response):
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return [
        str(v)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]


def test_the_report_downloads_as_sent_with_its_words_and_figures(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    approved_record(volunteer, police, villages["Thôn 1"], activity_date="2026-10-05", full_name="Đặng Thị Hoa")
    document = submitted(police)
    login("province.th").post(f"/reports/submissions/{document['id']}/return", json={"comment": "Bổ sung"})
    submitted(police, narrative={**NARRATIVE, "results": "Lần hai"})
    for username in ("province.th", "admin.qt", "leader.qt"):
        response = login(username).get(f"/reports/submissions/{document['id']}/export?format=xlsx&version=1")
        assert response.status_code == 200, username
        assert response.headers["Content-Disposition"] == 'attachment; filename="bao-cao-2026-10-lan-1.xlsx"'
        assert "no-store" in response.headers["Cache-Control"]
        cells = _cells(response)
        for text in ("Kết quả", "Khó khăn, vướng mắc", "Đề xuất, kiến nghị", "Lần gửi 1", NARRATIVE["results"]):
            assert text in cells, text
        assert any(c.startswith("Hạn nộp: 20/11/2026") and "Nộp muộn" in c for c in cells)
        assert "Phường Quang Trung" in cells
        assert not any("Đặng Thị Hoa" in c for c in cells)
    cells = _cells(login("province.th").get(f"/reports/submissions/{document['id']}/export"))
    assert "Lần gửi 2" in cells and "Lần hai" in cells
    actions = [a for (a,) in db.session.execute(select(AuditEntry.action)).all()]
    db.session.commit()
    assert actions.count("report.submission_export") == 4


# --------------------------------------------------------------------------------------------
# Difficulties carried upward


def test_difficulties_still_open_at_the_periods_end_go_into_the_report(login, villages):
    """Open or carried at the end of October, whenever noted; not those resolved, nor November's."""
    police, volunteer = login("police.qt"), login("vol.qt1")
    september = volunteer.create("difficulty", villages["Thôn 2"], difficulty_data(activity_date="2026-09-20"))
    october = volunteer.create(
        "difficulty", villages["Thôn 1"], difficulty_data(activity_date="2026-10-04", topic="staffing")
    )
    resolved = volunteer.create(
        "difficulty", villages["Thôn 1"], difficulty_data(activity_date="2026-10-05", topic="equipment")
    )
    november = volunteer.create("difficulty", villages["Thôn 1"], difficulty_data(activity_date="2026-11-04"))
    assert [r["status"] for r in volunteer.push_ok([september, october, resolved, november])] == ["applied"] * 4
    moves = [
        update(october["record_id"], 1, {"status": "carried"}),
        update(resolved["record_id"], 1, {"status": "resolved", "resolution": "Xã cấp máy mới"}),
    ]
    assert [r["status"] for r in police.push_ok(moves)] == ["applied"] * 2
    document = submitted(police)
    items = document["figures"]["difficulties"]
    assert sorted((i["village"], i["fields"]["topic"], i["fields"]["status"]) for i in items) == [
        ("Thôn 1", "staffing", "carried"),
        ("Thôn 2", "signal", "open"),
    ]
    assert {i["fields"]["proposal"] for i in items} == {"Đề nghị nhà mạng lắp thêm trạm phát sóng"}
    cells = _cells(login("province.th").get(f"/reports/submissions/{document['id']}/export"))
    assert "KHÓ KHĂN, VƯỚNG MẮC ĐANG TỒN TẠI" in cells


# --------------------------------------------------------------------------------------------
# Reminders


def test_reminders_reach_police_and_admin_of_communes_that_have_not_sent_once_a_day(
    app,
    login,
    subscribed,  # noqa: F811
    vapid,  # noqa: F811
):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    last_month = previous_month()
    due = today_local() + timedelta(days=2)
    response = login("padmin.th").request(
        "PUT", "/province/deadlines", json={"periods": [{"period": last_month.name, "due_date": due.isoformat()}]}
    )
    assert response.status_code == 200, body_of(response)
    phones = {
        name: subscribed(name)[1] for name in ("police.qt", "admin.qt", "police.ch", "admin.ch", "vol.ch1", "leader.qt")
    }
    submitted(login("police.qt"), last_month.name)  # Quang Trung has sent: no reminder
    runner = app.test_cli_runner()
    # Due in two days: not yet within one day's notice.
    assert runner.invoke(args=["report-reminders", "--days", "1"]).exit_code == 0
    assert notifications(kind="report_reminder") == []
    result = runner.invoke(args=["report-reminders", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert "Xã Cẩm Tân" in result.output and "Phường Quang Trung" not in result.output
    assert sender.send_due() == {"sent": 2}
    month, year = last_month.name[5:], last_month.name[:4]
    expected = f"Báo cáo tháng {month}/{year} hạn nộp {dmy(due)}"
    for name, phone in phones.items():
        bodies = [m["body"] for m in phone.messages() if m["kind"] == "report_reminder"]
        assert bodies == ([expected] if name in ("police.ch", "admin.ch") else []), name
    # Again the same day: nothing more.
    before = len(notifications())
    assert runner.invoke(args=["report-reminders", "--days", "3"]).exit_code == 0
    assert len(notifications()) == before
