"""GET /reports/progress: figures counted by hand from tests/reports/conftest.py, on both backends."""

import pytest

from tests.helpers import body_of


def progress(world, username="police.qt", **query):
    query.setdefault("period", "2026-10")
    response = world[username].get("/reports/progress", query_string=query)
    assert response.status_code == 200, body_of(response)
    return body_of(response)


def breakdown(figures, record_type, name):
    return figures["types"][record_type]["breakdowns"][name]


def by_name(document):
    return {v["name"]: v for v in document["villages"]}


def test_vneid_help_is_counted_by_level_step_and_failure_reason(world):
    document = progress(world)
    villages = by_name(document)
    one, two = villages["Thôn 1"], villages["Thôn 2"]
    # Approved in October: a1..a4 in Thôn 1; b1, b2 in Thôn 2 (b3 is September's, a5 waits, a6 rejected).
    assert one["measures"]["vneid_helped"] == 4 and two["measures"]["vneid_helped"] == 2
    assert one["measures"]["vneid_activated"] == 3 and two["measures"]["vneid_activated"] == 1
    assert one["measures"]["vneid_activated_level_1"] == 1 and one["measures"]["vneid_activated_level_2"] == 2
    assert two["measures"]["vneid_activated_level_1"] == 0 and two["measures"]["vneid_activated_level_2"] == 0
    steps = breakdown(one, "vneid_activation", "step_reached_by_level")
    assert {step: sum(cell["records"] for cell in row.values()) for step, row in steps.items()} == {
        "not_installed": 0,
        "installed": 1,
        "registered": 0,
        "activated": 2,
        "logged_in_public_service": 1,
        "": 0,
    }
    assert {step: row["2"]["records"] for step, row in steps.items()} == {
        "not_installed": 0,
        "installed": 0,
        "registered": 0,
        "activated": 1,
        "logged_in_public_service": 1,
        "": 0,
    }
    # b2 gave no level: the row of records that give none.
    assert breakdown(two, "vneid_activation", "step_reached_by_level")["activated"][""] == {"records": 1}
    assert breakdown(one, "vneid_activation", "failure_reason")["no_chip_card"] == {"records": 1}
    assert breakdown(two, "vneid_activation", "failure_reason")["data_mismatch"] == {"records": 1}
    totals = document["totals"]
    assert totals["measures"]["vneid_helped"] == 6 and totals["measures"]["vneid_activated"] == 4
    assert totals["measures"]["vneid_activated_level_2"] == 2
    reasons = breakdown(totals, "vneid_activation", "failure_reason")
    assert (
        sum(cell["records"] for cell in reasons.values()) == 2 and totals["types"]["vneid_activation"]["records"] == 6
    )
    assert [v["name"] for v in document["villages"]] == ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5"]
    assert by_name(document)["Thôn 5"]["measures"]["vneid_helped"] == 0


def test_death_cases_by_status_and_the_certified_share(world):
    document = progress(world)
    villages = by_name(document)
    # October (Vietnam time): d1, d3 in Thôn 1; d4, d5 in Thôn 2. d2 reached the server at 03:00 on 1/11.
    assert {
        status: cell["records"] for status, cell in breakdown(villages["Thôn 1"], "death_check", "case_status").items()
    } == {
        "reported": 0,
        "verified_unregistered": 0,
        "certificate_issued": 1,
        "residence_removed": 0,
        "funeral_allowance_done": 0,
        "already_registered": 1,
        "person_alive": 0,
        "": 0,
    }
    assert villages["Thôn 1"]["measures"]["death_cases_certified_percent"] == 100.0  # 1 of 2 - 1 closed
    assert villages["Thôn 2"]["measures"]["death_cases_certified_percent"] == 50.0  # 1 of 2
    totals = document["totals"]["measures"]
    assert totals["death_cases_reported"] == 4 and totals["death_cases_certified"] == 2
    assert totals["death_cases_certified_percent"] == 66.7  # 2 of 4 - 1 closed
    assert villages["Thôn 3"]["measures"]["death_cases_certified_percent"] is None  # no cases: no share
    november = progress(world, period="2026-11")
    assert breakdown(november["totals"], "death_check", "case_status")["reported"] == {"records": 1}  # d2


def test_death_stages_are_timed_from_the_version_history(world):
    stages = {(s["from_state"], s["to_state"]): s for s in progress(world)["stage_days"]["death_check"]}
    assert stages[("reported", "verified_unregistered")] == {
        "from_state": "reported",
        "to_state": "verified_unregistered",
        "records": 2,
        "avg_days": 3.0,
        "min_days": 2.0,
        "max_days": 4.0,
    }  # d1 2 days, d4 4
    assert stages[("verified_unregistered", "certificate_issued")]["avg_days"] == 3.0  # 5 and 1
    assert stages[("certificate_issued", "residence_removed")]["records"] == 1
    assert stages[("certificate_issued", "residence_removed")]["max_days"] == 3.0
    assert stages[("reported", "certificate_issued")]["avg_days"] == 6.0  # 7 and 5
    assert stages[("reported", "already_registered")]["avg_days"] == 1.5
    assert stages[("reported", "person_alive")] == {
        "from_state": "reported",
        "to_state": "person_alive",
        "records": 0,
        "avg_days": None,
        "min_days": None,
        "max_days": None,
    }


def test_outreach_sessions_by_form_and_topic_with_people_reached(world):
    document = progress(world)
    totals = document["totals"]
    assert totals["measures"]["outreach_sessions"] == 3 and totals["measures"]["people_reached"] == 257
    forms, topics = (breakdown(totals, "propaganda_session", name) for name in ("form", "topics"))
    assert forms["meeting"] == {"records": 1, "people_reached": 45}
    assert forms["loudspeaker"] == {"records": 1, "people_reached": 200}
    assert forms["door_to_door"] == {"records": 1, "people_reached": 12}
    assert topics["vneid"] == {"records": 3, "people_reached": 257}
    assert topics["online_public_services"] == {"records": 1, "people_reached": 45}
    assert topics["utility_groups"] == {"records": 1, "people_reached": 12}
    assert topics["residence_law"] == {"records": 0, "people_reached": 0}  # p4 not approved
    assert by_name(document)["Thôn 1"]["measures"]["people_reached"] == 245


def test_the_counting_switch_also_counts_records_waiting_for_review(world):
    document = progress(world, count="submitted_and_approved")
    assert document["count"] == "submitted_and_approved"
    one = by_name(document)["Thôn 1"]["measures"]
    assert one["vneid_helped"] == 5 and one["vneid_activated_level_2"] == 3  # a5 now counts; a6 never
    assert document["totals"]["measures"]["outreach_sessions"] == 3  # p4 asked to change: never


def test_targets_stand_beside_what_was_reached_in_their_own_period(world):
    targets = {(t["measure"], t["village_id"]): t for t in progress(world)["targets"]}
    level_two = targets[("vneid_activated_level_2", None)]
    # 2026 up to the end of October: a1, a3 and b3 (30/09).
    assert (level_two["value"], level_two["actual"], level_two["percent_of_target"], level_two["met"]) == (
        600,
        3,
        0.5,
        False,
    )
    assert (level_two["counted_from"], level_two["counted_to"]) == ("2026-01-01", "2026-10-31")
    sessions = targets[("outreach_sessions", world.villages["Thôn 1"])]
    assert (sessions["actual"], sessions["percent_of_target"]) == (2, 50.0)
    share = targets[("death_cases_certified_percent", None)]
    assert (share["actual"], share["percent_of_target"]) == (66.7, 66.7)
    assert ("people_reached", None) not in targets  # 2027's target


def test_the_weekly_trend_puts_each_record_in_its_week(world):
    trend = progress(world)["trend"]
    assert trend["bucket"] == "week"
    assert [(p["start"], p["end"]) for p in trend["series"]] == [
        ("2026-10-01", "2026-10-04"),
        ("2026-10-05", "2026-10-11"),
        ("2026-10-12", "2026-10-18"),
        ("2026-10-19", "2026-10-25"),
        ("2026-10-26", "2026-10-31"),
    ]
    assert [p["measures"]["vneid_activated"] for p in trend["series"]] == [1, 1, 1, 0, 1]
    assert [p["measures"]["people_reached"] for p in trend["series"]] == [45, 0, 200, 0, 12]
    assert [p["measures"]["death_cases_reported"] for p in trend["series"]] == [2, 1, 0, 1, 0]
    assert progress(world, period="2026")["trend"]["bucket"] == "month"


def test_one_village_alone(world):
    document = progress(world, village_id=world.villages["Thôn 2"])
    assert [v["name"] for v in document["villages"]] == ["Thôn 2"] and document["commune_wide"] is False
    assert document["totals"]["measures"]["vneid_helped"] == 2
    assert [t["village_id"] for t in document["targets"]] == []


def test_another_communes_numbers_never_appear(world):
    quang_trung = progress(world, "admin.qt")
    assert "Thôn Đông" not in str(quang_trung) and "999" not in str(quang_trung["totals"]["types"])
    cam_hai = progress(world, "police.ch")
    assert [v["name"] for v in cam_hai["villages"]] == ["Thôn Đông", "Thôn Tây"]
    assert cam_hai["totals"]["measures"]["vneid_activated_level_2"] == 1
    assert cam_hai["totals"]["measures"]["people_reached"] == 999
    assert cam_hai["totals"]["measures"]["death_cases_reported"] == 1
    assert [t["value"] for t in cam_hai["targets"]] == [300]
    other = world["police.ch"].get(
        "/reports/progress", query_string={"period": "2026-10", "village_id": world.villages["Thôn 1"]}
    )
    assert other.status_code == 404


def test_a_volunteer_gets_no_report_and_village_staff_only_their_villages(world):
    for path in ("/reports/progress", "/reports/export", "/targets"):
        response = world["vol.qt1"].get(path, query_string={"period": "2026-10"})
        assert response.status_code == 403 and body_of(response)["error"]["code"] == "forbidden"
    staff = progress(world, "staff.qt")
    assert [v["name"] for v in staff["villages"]] == ["Thôn 1", "Thôn 2"] and staff["commune_wide"] is False
    assert staff["totals"]["measures"]["vneid_helped"] == 6
    assert [t["measure"] for t in staff["targets"]] == ["outreach_sessions"]  # its village's, not the commune's
    assert (
        world["staff.qt"]
        .get("/reports/progress", query_string={"period": "2026-10", "village_id": world.villages["Thôn 3"]})
        .status_code
        == 404
    )
    assert world["staff.qt"].get("/reports/export", query_string={"period": "2026-10"}).status_code == 403


@pytest.mark.parametrize(
    "query, field",
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "garbage", "to": "2026-03-01"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-11", "from": "2026-11-01", "to": "2026-11-30"}, "period"),
        ({"from": "1900-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "2000-01-01", "to": "2099-01-01"}, "from"),
        ({"count": "everything"}, "count"),
        ({"village_id": "abc"}, "village_id"),
        ({"period": "2026\x00"}, "period"),
    ],
)
def test_bad_report_parameters_are_422_naming_them(world, query, field):
    response = world["police.qt"].get("/reports/progress", query_string=query)
    assert response.status_code == 422, body_of(response)
    assert field in body_of(response)["error"]["fields"]


def test_an_unknown_village_is_404(world):
    response = world["police.qt"].get("/reports/progress", query_string={"village_id": 999999})
    assert response.status_code == 404 and body_of(response)["error"]["code"] == "not_found"


def test_without_dates_the_report_is_the_current_month(world):
    from server.reports.periods import current_month

    response = world["police.qt"].get("/reports/progress")
    assert response.status_code == 200 and body_of(response)["period"] == current_month().name
