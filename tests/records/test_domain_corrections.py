"""DOMAIN.md's corrections to the first three types, each a change to the type's declaration
only: a citizen with no phone number is recorded without one, a level 1 account needs a chip
card, an online post needs its link, and a death case gains its register entry and the funeral
allowance step. Records of the old shape stay valid."""

from tests.helpers import body_of, death_data, propaganda_data, update, vneid_data

CERTIFICATE = {"certificate_number": "40/2026/TP-KT", "certificate_date": "2026-11-25"}


def test_a_citizen_with_no_phone_number_is_recorded_without_one(created):
    no_number = vneid_data(step_reached="not_installed", failure_reason="no_phone_number", phone=None, level=None)
    assert created("vneid_activation", no_number)[1]["status"] == "applied"
    _, refused = created("vneid_activation", vneid_data(phone=None))
    assert refused["status"] == "rejected" and set(refused["error"]["fields"]) == {"phone"}


def test_a_level_one_account_needs_a_chip_card(created):
    _, refused = created("vneid_activation", vneid_data(level=1, has_chip_card=False))
    assert refused["error"]["fields"] == {"has_chip_card": ["Tài khoản mức 1 cần thẻ CCCD gắn chip"]}
    assert created("vneid_activation", vneid_data(level=1, has_chip_card=True))[1]["status"] == "applied"
    # A record of the old shape, which never said, stays valid.
    assert created("vneid_activation", vneid_data(level=1))[1]["status"] == "applied"


def test_an_online_post_needs_its_link_and_other_sessions_keep_none(created, login):
    _, refused = created("propaganda_session", propaganda_data(form="online_post"))
    assert set(refused["error"]["fields"]) == {"link"}
    _, applied = created("propaganda_session", propaganda_data(form="online_post", link="https://zalo.me/g/abc123"))
    assert applied["status"] == "applied"
    record_id, applied = created("propaganda_session", propaganda_data(form="training", link="https://zalo.me/g/x"))
    assert applied["status"] == "applied"
    assert "link" not in body_of(login("police.qt").get(f"/records/{record_id}"))["data"]


def test_a_death_case_records_its_register_entry_and_its_funeral_allowance(created, login):
    record_id, _ = created("death_check", death_data())
    volunteer, officer, police = login("vol.qt1"), login("civil.qt"), login("police.qt")
    (refused,) = volunteer.push_ok([update(record_id, 1, {"death_register_ref": "Số 12, quyển 01/2026"})])
    assert refused["error"]["code"] == "field_not_editable"
    moves = [
        {"case_status": "verified_unregistered"},
        {"case_status": "certificate_issued", "death_register_ref": "Số 12, quyển 01/2026", **CERTIFICATE},
        {"case_status": "residence_removed"},
    ]
    for version, change in enumerate(moves, start=1):
        (moved,) = officer.push_ok([update(record_id, version, change)])
        assert moved["status"] == "applied", moved
    (settled,) = police.push_ok([update(record_id, 4, {"case_status": "funeral_allowance_done"})])
    assert settled["status"] == "applied", settled
    data = body_of(police.get(f"/records/{record_id}"))["data"]
    assert (data["case_status"], data["death_register_ref"]) == ("funeral_allowance_done", "Số 12, quyển 01/2026")


def test_only_the_working_group_reopens_a_case_closed_by_mistake_and_says_why(created, login):
    record_id, _ = created("death_check", death_data())
    admin, police, volunteer = login("admin.qt"), login("police.qt"), login("vol.qt1")
    assert police.push_ok([update(record_id, 1, {"case_status": "person_alive"})])[0]["status"] == "applied"
    (refused,) = police.push_ok([update(record_id, 2, {"case_status": "reported", "reopen_reason": "Nhầm người"})])
    assert refused["error"]["code"] == "field_not_editable", refused  # the reason is the working group's
    (refused,) = police.push_ok([update(record_id, 2, {"case_status": "reported"})])
    assert refused["error"]["code"] == "invalid_case_transition", refused
    (no_reason,) = admin.push_ok([update(record_id, 2, {"case_status": "reported"})])
    assert set(no_reason["error"]["fields"]) == {"reopen_reason"}, no_reason
    reason = "Người báo tin nhầm với ông Trần Văn Cường ở Thôn 3"
    (reopened,) = admin.push_ok([update(record_id, 2, {"case_status": "reported", "reopen_reason": reason})])
    assert reopened["status"] == "applied", reopened
    data = body_of(admin.get(f"/records/{record_id}"))["data"]
    assert (data["case_status"], data["reopen_reason"]) == ("reported", reason)
    # Open again: the case moves on as any other, and a case not closed is never "reopened".
    assert police.push_ok([update(record_id, 3, {"case_status": "verified_unregistered"})])[0]["status"] == "applied"
    (back,) = admin.push_ok([update(record_id, 4, {"case_status": "reported", "reopen_reason": "Thử lại"})])
    assert back["error"]["code"] == "invalid_case_transition", back
    (theirs,) = volunteer.push_ok([update(record_id, 4, {"reopen_reason": "?"})])
    assert theirs["error"]["code"] == "field_not_editable", theirs
