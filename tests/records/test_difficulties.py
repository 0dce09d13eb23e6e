"""Difficulties (khó khăn, vướng mắc; DOMAIN.md): anyone records one; the commune police or its
working group resolve it, saying how, or carry it to the province in the monthly report."""

from tests.helpers import body_of, difficulty_data, update


def test_a_volunteer_notes_a_difficulty_and_it_starts_open(created, login):
    record_id, result = created("difficulty", difficulty_data())
    assert result["status"] == "applied", result
    record = body_of(login("police.qt").get(f"/records/{record_id}"))
    assert record["data"]["status"] == "open" and record["data"]["topic"] == "signal"


def test_only_the_police_and_the_working_group_resolve_or_carry_it(created, login):
    record_id, _ = created("difficulty", difficulty_data())
    (refused,) = login("vol.qt1").push_ok([update(record_id, 1, {"status": "carried"})])
    assert refused["error"]["code"] == "field_not_editable", refused
    (carried,) = login("admin.qt").push_ok([update(record_id, 1, {"status": "carried"})])
    assert carried["status"] == "applied", carried
    (reopened,) = login("police.qt").push_ok([update(record_id, 2, {"status": "open"})])
    assert reopened["error"]["code"] == "invalid_case_transition", reopened


def test_resolving_says_how(created, login):
    record_id, _ = created("difficulty", difficulty_data(topic="equipment", description="Máy tính bảng hỏng"))
    police = login("police.qt")
    (refused,) = police.push_ok([update(record_id, 1, {"status": "resolved"})])
    assert refused["status"] == "rejected" and "resolution" in refused["error"]["fields"], refused
    (resolved,) = police.push_ok(
        [update(record_id, 1, {"status": "resolved", "resolution": "Xã cấp máy tính bảng mới"})]
    )
    assert resolved["status"] == "applied", resolved


def test_difficulties_count_in_the_commune_progress(created, login):
    created("difficulty", difficulty_data())
    record_id, _ = created("difficulty", difficulty_data(topic="staffing", description="Thiếu người trực"))
    login("police.qt").push_ok([update(record_id, 1, {"status": "resolved", "resolution": "Thêm ca trực"})])
    progress = body_of(
        login("police.qt").get(
            "/reports/progress",
            query_string={"from": "2026-11-01", "to": "2026-11-30", "count": "submitted_and_approved"},
        )
    )
    values = progress["totals"]["measures"]
    assert (values["difficulties_reported"], values["difficulties_resolved"]) == (2, 1)
