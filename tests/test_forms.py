"""PROTOCOL.md §4 and DOMAIN.md: the record type declarations and their rules."""

import re

import pytest

from server.forms import registry
from server.forms.declarations import Rule
from server.forms.logic import TODAY, present, var
from server.forms.rules import normalise_mobile
from server.labels import Label
from tests.helpers import body_of, death_data, propaganda_data, vneid_data


def test_forms_lists_the_three_types_with_vietnamese_and_english_labels(login):
    document = login("vol.qt1").get("/forms").get_json()
    assert document["version"]
    types = {t["type"]: t for t in document["types"]}
    assert set(types) >= {"vneid_activation", "death_check", "propaganda_session"}
    assert types["death_check"]["label"] == {"vi": "Rà soát khai tử", "en": "Unregistered death check"}
    fields = {f["name"]: f for f in types["death_check"]["fields"]}
    assert fields["case_status"]["editable_by"] == ["police", "admin", "civil_status"]
    assert fields["deceased_name"]["required"] is True
    gender = {f["name"]: f for f in types["vneid_activation"]["fields"]}["gender"]
    assert [c["label"]["vi"] for c in gender["choices"]] == ["Nam", "Nữ"]


@pytest.mark.parametrize(
    "personal_id, year, gender, ok",
    [
        ("038190012345", 1990, "nữ", True),
        ("038090012345", 1990, "nam", True),
        ("001205012345", 2005, "nam", True),  # 2: a man born 2000-2099
        ("001205012345", 2005, "nữ", False),
        ("001305012345", 2005, "nữ", True),  # 3: a woman born 2000-2099
        ("001405012345", 2005, "nam", False),  # 4 is for 2100-2199
        ("001190012345", 1991, "nữ", False),  # digits 5-6 say 90
        ("003190012345", 1990, "nữ", False),  # 003 is no province
        ("03819001234", 1990, "nữ", False),  # 11 digits
        ("03819001234a", 1990, "nữ", False),
    ],
)
def test_personal_ids_are_checked_against_province_birth_year_and_gender(personal_id, year, gender, ok):
    # The id's own form is its field's check, its digits against the holder the declared rules.
    data = vneid_data(personal_id=personal_id, date_of_birth=f"{year}-05-01", gender=gender)
    _, errors = registry.validate("vneid_activation", data)
    assert (errors is None) is ok, errors
    assert set(errors or {}) <= {"personal_id"}


@pytest.mark.parametrize(
    "raw, stored",
    [
        ("0912345678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84 912 345 678", "0912345678"),
        ("0312.345.678", "0312345678"),
        ("0212345678", None),
        ("091234567", None),
        ("09123456789", None),
    ],
)
def test_mobile_numbers_are_vietnamese_and_normalised(raw, stored):
    assert normalise_mobile(raw) == stored


def test_level_two_needs_age_fourteen_on_the_day_of_help():
    _, errors = registry.validate(
        "vneid_activation",
        vneid_data(date_of_birth="2013-06-01", personal_id="038313012345", activity_date="2026-11-20"),
    )
    assert "level" in errors
    clean, errors = registry.validate(
        "vneid_activation",
        vneid_data(date_of_birth="2012-06-01", personal_id="038312012345", activity_date="2026-11-20"),
    )
    assert errors is None


def test_a_failure_reason_is_needed_when_not_activated_and_not_kept_once_activated():
    _, errors = registry.validate("vneid_activation", vneid_data(step_reached="installed"))
    assert errors == {"failure_reason": ["Trường này bắt buộc"]}
    clean, errors = registry.validate("vneid_activation", vneid_data(failure_reason="no_chip_card"))
    assert errors is None and "failure_reason" not in clean


def test_dates_in_the_future_are_refused():
    _, errors = registry.validate("propaganda_session", propaganda_data(activity_date="2999-01-01"))
    assert "activity_date" in errors


def test_a_death_is_not_before_birth_and_may_be_known_only_to_the_month():
    assert registry.validate("death_check", death_data(date_of_death="2023-04"))[1] is None
    assert "date_of_death" in registry.validate("death_check", death_data(birth_year=2024, date_of_death="2023-04"))[1]
    assert "date_of_death" in registry.validate("death_check", death_data(date_of_death="2023-13"))[1]


def test_a_volunteers_death_check_starts_reported():
    clean, _ = registry.validate("death_check", death_data())
    assert clean["case_status"] == "reported"


def test_outreach_needs_a_topic_and_a_count_that_is_not_negative():
    errors = registry.validate("propaganda_session", propaganda_data(topics=[], people_reached=-1))[1]
    assert set(errors) == {"topics", "people_reached"}


def test_unknown_fields_and_wrong_kinds_are_refused_per_field():
    _, errors = registry.validate("vneid_activation", vneid_data(level="2", phone_is_own="yes", portrait="…"))
    assert set(errors) == {"level", "phone_is_own", "portrait"}


def test_text_is_kept_byte_for_byte():
    name = "Nguyễn\u202eThị\x00Lan 👩‍🌾"
    clean, errors = registry.validate("vneid_activation", vneid_data(full_name=name))
    assert errors is None and clean["full_name"] == name


def test_gender_is_stored_as_the_domain_word_whatever_spelling_came():
    import unicodedata

    for sent, stored in (
        ("nam", "nam"),
        ("male", "nam"),
        ("nữ", "nữ"),
        ("female", "nữ"),
        (unicodedata.normalize("NFD", "nữ"), "nữ"),
    ):
        data = vneid_data(gender=sent, personal_id="038090012345" if stored == "nam" else "038190012345")
        clean, errors = registry.validate("vneid_activation", data)
        assert errors is None and clean["gender"] == stored, (sent, errors)


def test_a_rule_names_the_fields_it_reads_which_decide_the_edits_it_checks():
    message = Label("Sai", "Wrong")
    rule = Rule("r", {"and": [present("a", "b"), {"<": [var("a"), var(TODAY)]}]}, ("a",), message)
    assert rule.reads == {"a", "b"}
    # A name worked out when the rule runs would hide from the change gate what the rule reads.
    with pytest.raises(ValueError):
        Rule("r", {"!": {"var": {"cat": ["a", "b"]}}}, ("a",), message)
    before = vneid_data(level=None)
    assert registry.validate("vneid_activation", {**before, "notes": "Gọi lại"}, before=before)[1] is None
    moved = {**before, "step_reached": "logged_in_public_service"}
    assert set(registry.validate("vneid_activation", moved, before=before)[1]) == {"level"}


def test_the_account_level_may_be_left_out_until_activation_but_not_sent_as_text():
    registered = vneid_data(level=None, step_reached="registered", failure_reason="data_mismatch")
    assert registry.validate("vneid_activation", registered)[1] is None
    assert registry.validate("vneid_activation", vneid_data(level=None))[1] == {
        "level": ["Cần ghi mức độ tài khoản khi đã kích hoạt"]
    }
    assert "level" in registry.validate("vneid_activation", vneid_data(level="2"))[1]


def _luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_type_declares_a_short_label_a_readable_colour_and_a_title(login):
    document = body_of(login("vol.qt1").get("/forms"))
    for record_type in document["types"]:
        assert record_type["short_label"]["vi"] and record_type["short_label"]["en"], record_type["type"]
        colour = record_type["colour"]
        assert re.fullmatch(r"#[0-9a-f]{6}", colour), colour
        # White text on the type's buttons: WCAG AA for normal text.
        assert (1.05) / (_luminance(colour) + 0.05) >= 4.5, (record_type["type"], colour)
        fields = {f["name"] for f in record_type["fields"]}
        assert record_type["name_field"] in fields or set(record_type["title_fields"]) <= fields
        assert record_type["name_field"] or record_type["title_fields"], record_type["type"]
