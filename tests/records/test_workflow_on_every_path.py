"""A death case moves only along its workflow, whichever path changes it (DOMAIN.md, death case
moves; server/forms/changes.py): a device's create, an update based on the current version, a
stale update that merges, and an admin's conflict resolution with the device's value or an
edited one. Reviewing changes no data. The moves refused here are the ones each path once let
through or could let through; the certificate and the report's counts stay as they were.
"""

import pytest

from tests.helpers import body_of, death_data, update

CERTIFICATE = {"certificate_number": "15/2026/TP-KT", "certificate_date": "2026-11-02"}


def _death_case(login, created):
    """A case of vol.qt1 that police.qt moved to certificate_issued (version 3)."""
    police = login("police.qt")
    rid, result = created("death_check", death_data())
    assert result["status"] == "applied", result
    assert police.push_ok([update(rid, 1, {"case_status": "verified_unregistered"})])[0]["status"] == "applied"
    assert (
        police.push_ok([update(rid, 2, {"case_status": "certificate_issued", **CERTIFICATE})])[0]["status"] == "applied"
    )
    return rid


def _data(login, rid):
    return body_of(login("admin.qt").get(f"/records/{rid}"))["data"]


def _certified(login):
    progress = body_of(login("admin.qt").get("/reports/progress?period=2023&count=submitted_and_approved"))
    return {
        status: cell["records"]
        for status, cell in progress["totals"]["types"]["death_check"]["breakdowns"]["case_status"].items()
    }


def _refused_move(result, old, new):
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "invalid_case_transition", result
    assert result["error"]["fields"]["case_status"] == [f"Không chuyển được từ «{old}» sang «{new}»"], result


def test_a_create_starts_at_the_first_state_or_one_move_from_it(login, villages):
    police = login("police.qt")
    skipping = police.create(
        "death_check", villages["Thôn 1"], death_data(case_status="certificate_issued", **CERTIFICATE)
    )
    one_move = police.create("death_check", villages["Thôn 1"], death_data(case_status="verified_unregistered"))
    skipped, moved = police.push_ok([skipping, one_move])
    _refused_move(skipped, "Mới phát hiện", "Đã cấp giấy chứng tử")
    assert moved["status"] == "applied", moved


def test_an_update_on_the_current_version_cannot_move_a_case_backwards(login, created):
    rid = _death_case(login, created)
    for target, label in (("person_alive", "Người còn sống"), ("reported", "Mới phát hiện")):
        [result] = login("admin.qt").push_ok([update(rid, 3, {"case_status": target})])
        _refused_move(result, "Đã cấp giấy chứng tử", label)
    assert _data(login, rid)["case_status"] == "certificate_issued"


def test_a_stale_update_that_would_merge_cannot_skip_a_state(login, created):
    police = login("police.qt")
    rid, _ = created("death_check", death_data())
    stale = login("admin.qt")  # saw version 1
    police.push_ok([update(rid, 1, {"evidence_note": "Đã gặp gia đình"})])
    # Another field changed on the server: the status alone would merge, but it skips a state.
    [result] = stale.push_ok([update(rid, 1, {"case_status": "certificate_issued", **CERTIFICATE})])
    _refused_move(result, "Mới phát hiện", "Đã cấp giấy chứng tử")
    [result] = stale.push_ok([update(rid, 1, {"case_status": "verified_unregistered"})])
    assert result["status"] == "merged", result
    assert _data(login, rid)["case_status"] == "verified_unregistered"


@pytest.fixture
def conflict_on_status(login, created):
    """A certified case, and a conflict opened by a second police phone that still saw it
    `reported` and closed it as `person_alive`: (record id, conflict id)."""
    stale_phone = login("police.qt")
    rid, _ = created("death_check", death_data())
    police = login("police.qt")
    police.push_ok([update(rid, 1, {"case_status": "verified_unregistered"})])
    police.push_ok([update(rid, 2, {"case_status": "certificate_issued", **CERTIFICATE})])
    [result] = stale_phone.push_ok([update(rid, 1, {"case_status": "person_alive"})])
    assert result["status"] == "conflict", result
    return rid, result["conflict_id"]


@pytest.mark.parametrize(
    "value, label",
    [("person_alive", "Người còn sống"), ("reported", "Mới phát hiện"), ("already_registered", "Đã khai tử từ trước")],
)
def test_a_conflict_resolution_cannot_move_a_case_against_its_workflow(login, conflict_on_status, value, label):
    rid, conflict_id = conflict_on_status
    admin = login("admin.qt")
    before_counts = _certified(login)
    response = admin.post(
        f"/conflicts/{conflict_id}/resolve", json={"base_version": 3, "values": {"case_status": value}}
    )
    assert response.status_code == 422, body_of(response)
    error = body_of(response)["error"]
    assert error["code"] == "invalid_case_transition"
    assert error["fields"]["case_status"] == [f"Không chuyển được từ «Đã cấp giấy chứng tử» sang «{label}»"]
    data = _data(login, rid)
    assert (data["case_status"], data["certificate_number"]) == ("certificate_issued", "15/2026/TP-KT")
    assert _certified(login) == before_counts
    assert body_of(admin.get(f"/conflicts/{conflict_id}"))["state"] == "open"


def test_a_conflict_resolution_along_the_workflow_goes_through(login, conflict_on_status):
    rid, conflict_id = conflict_on_status
    admin = login("admin.qt")
    kept = admin.post(
        f"/conflicts/{conflict_id}/resolve", json={"base_version": 3, "values": {"case_status": "certificate_issued"}}
    )
    assert kept.status_code == 200, body_of(kept)
    assert _data(login, rid)["case_status"] == "certificate_issued"


def test_a_review_changes_no_data(login, created):
    rid = _death_case(login, created)
    police = login("police.qt")
    for action, comment in (("needs_changes", "Bổ sung giấy tờ"), ("reject", "Trùng hồ sơ"), ("approve", None)):
        version = body_of(police.get(f"/records/{rid}"))["version"]
        response = police.post(
            f"/records/{rid}/review", json={"action": action, "comment": comment, "base_version": version}
        )
        assert response.status_code == 200, body_of(response)
        assert _data(login, rid)["case_status"] == "certificate_issued"
