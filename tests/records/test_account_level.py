"""DOMAIN.md's corrections of VNeID help that are stricter than the type was, through the API: an
activated account has its level, and a level 2 account is registered at the police office or a
mobile point. (Records stored before them: test_old_records.py.)"""

from tests.helpers import body_of, level2_data, update, vneid_data

NEEDS_LEVEL = "Cần ghi mức độ tài khoản khi đã kích hoạt"
LEVEL_TWO_PLACE = "Tài khoản mức 2 được đăng ký tại trụ sở Công an hoặc điểm cấp lưu động"


def test_an_activated_account_has_its_level(created):
    for step in ("activated", "logged_in_public_service"):
        _, refused = created("vneid_activation", vneid_data(step_reached=step, level=None))
        assert refused["error"]["code"] == "validation_failed", refused
        assert refused["error"]["fields"] == {"level": [NEEDS_LEVEL]}
    # Short of activation there may be no level yet.
    registered = vneid_data(step_reached="registered", failure_reason="data_mismatch", level=None)
    assert created("vneid_activation", registered)[1]["status"] == "applied"


def test_a_record_gains_the_level_when_its_account_is_activated(created, login):
    record_id, _ = created(
        "vneid_activation", vneid_data(step_reached="registered", failure_reason="data_mismatch", level=None)
    )
    volunteer = login("vol.qt1")
    (refused,) = volunteer.push_ok([update(record_id, 1, {"step_reached": "activated"})])
    assert refused["error"]["fields"] == {"level": [NEEDS_LEVEL]}, refused
    (applied,) = volunteer.push_ok([update(record_id, 1, {"step_reached": "activated", "level": 1})])
    assert applied["status"] == "applied", applied


def test_level_two_is_registered_at_the_police_office_or_a_mobile_point(created, login):
    for place in ("home", "one_stop_desk", "post_or_telecom"):
        _, refused = created("vneid_activation", vneid_data(level=2, place=place))
        assert refused["error"]["fields"] == {"place": [LEVEL_TWO_PLACE]}, (place, refused)
    for place in ("police_office", "mobile_point", None):
        assert created("vneid_activation", vneid_data(level=2, place=place))[1]["status"] == "applied", place
    # Level 1 is helped anywhere.
    record_id, applied = created("vneid_activation", vneid_data(level=1, place="home"))
    assert applied["status"] == "applied"
    # Raising it to level 2 at home is refused on the place, which the change must then correct.
    (refused,) = login("vol.qt1").push_ok([update(record_id, 1, {"level": 2})])
    assert refused["error"]["fields"] == {"place": [LEVEL_TWO_PLACE]}, refused
    # The level 2 file's place offers nothing else.
    _, refused = created("vneid_level2_file", level2_data(place="home"))
    assert set(refused["error"]["fields"]) == {"place"}


def test_the_forms_document_says_what_each_rule_reads(login):
    forms = body_of(login("vol.qt1").get("/forms"))
    vneid = next(t for t in forms["types"] if t["type"] == "vneid_activation")
    rules = {r["name"]: r for r in vneid["rules"]}
    assert rules["level_once_activated"]["reads"] == ["level", "step_reached"]
    assert rules["level_two_at_the_police_or_a_mobile_point"]["reads"] == ["level", "place"]
