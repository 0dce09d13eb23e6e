"""The one-stop desk guidance and the data correction (DOMAIN.md types 4 and 5), each one module
in server/forms/: through the API as a phone and the police use them."""

import csv
import io

import pytest

from tests.helpers import body_of, correction_data, level2_data, one_stop_data, update

FIVE = {"vneid_activation", "death_check", "propaganda_session", "one_stop_guidance", "data_correction"}


def test_the_forms_document_has_the_five_types_of_the_protocol_the_level_two_file_and_difficulties(login):
    document = body_of(login("vol.qt1").get("/forms"))
    assert {t["type"] for t in document["types"]} == FIVE | {"vneid_level2_file", "difficulty"}
    labels = {t["type"]: t["label"]["vi"] for t in document["types"]}
    assert labels["one_stop_guidance"] == "Hướng dẫn tại Bộ phận một cửa, điểm DVC"
    assert labels["data_correction"] == "Làm sạch dữ liệu dân cư"


def test_a_guided_citizen_is_recorded_and_a_stray_procedure_is_not_kept(created, login):
    record_id, result = created("one_stop_guidance", one_stop_data())
    assert result["status"] == "applied", result
    stored = body_of(login("police.qt").get(f"/records/{record_id}"))["data"]
    assert stored["procedure"] == "Đăng ký khai sinh" and stored["services"] == ["vneid", "online_procedure"]
    record_id, result = created("one_stop_guidance", one_stop_data(services=["vneid"]))
    assert result["status"] == "applied"
    assert "procedure" not in body_of(login("police.qt").get(f"/records/{record_id}"))["data"]


def test_help_that_could_not_be_given_needs_its_reason(created):
    _, result = created("one_stop_guidance", one_stop_data(result="could_not"))
    assert result["status"] == "rejected" and set(result["error"]["fields"]) == {"result_reason"}
    _, result = created("one_stop_guidance", one_stop_data(result="could_not", result_reason="Mất kết nối mạng"))
    assert result["status"] == "applied", result


def test_a_data_correction_starts_reported_and_only_the_police_move_it(created, login):
    record_id, result = created("data_correction", correction_data())
    assert result["status"] == "applied", result
    police, admin, volunteer = login("police.qt"), login("admin.qt"), login("vol.qt1")
    assert body_of(police.get(f"/records/{record_id}"))["data"]["status"] == "reported"
    (refused,) = volunteer.push_ok([update(record_id, 1, {"status": "verified"})])
    assert refused["error"]["code"] == "field_not_editable", refused
    (refused,) = admin.push_ok([update(record_id, 1, {"status": "verified"})])
    assert refused["error"]["code"] == "field_not_editable", refused
    (skipped,) = police.push_ok([update(record_id, 1, {"status": "corrected"})])
    assert skipped["error"]["code"] == "invalid_case_transition", skipped
    for version, status in ((1, "verified"), (2, "corrected")):
        (moved,) = police.push_ok([update(record_id, version, {"status": status})])
        assert moved["status"] == "applied", moved
    (back,) = police.push_ok([update(record_id, 3, {"status": "reported"})])
    assert back["error"]["code"] == "invalid_case_transition", back


@pytest.mark.parametrize(
    "record_type, data", [("one_stop_guidance", one_stop_data()), ("data_correction", correction_data())]
)
def test_each_new_type_has_its_own_csv_with_its_declared_headers(created, login, record_type, data):
    created(record_type, {**data, "activity_date": "2026-11-20"})
    response = login("police.qt").get(
        "/reports/export",
        query_string={"format": "csv", "type": record_type, "period": "2026-11", "count": "submitted_and_approved"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0]["Họ và tên công dân"] == data["citizen_name"]


def test_a_level_two_file_is_followed_by_the_police_from_appointment_to_activation(created, login):
    record_id, result = created("vneid_level2_file", level2_data())
    assert result["status"] == "applied", result
    police, volunteer = login("police.qt"), login("vol.qt1")
    assert body_of(police.get(f"/records/{record_id}"))["data"]["status"] == "appointment"
    (refused,) = volunteer.push_ok([update(record_id, 1, {"status": "file_submitted"})])
    assert refused["error"]["code"] == "field_not_editable", refused
    (skipped,) = police.push_ok([update(record_id, 1, {"status": "approved"})])
    assert skipped["error"]["code"] == "invalid_case_transition", skipped
    for version, status in enumerate(("file_submitted", "approved", "activated"), start=1):
        (moved,) = police.push_ok([update(record_id, version, {"status": status})])
        assert moved["status"] == "applied", moved
    assert body_of(police.get(f"/records/{record_id}"))["data"]["status"] == "activated"


def test_the_new_types_count_in_progress_each_by_its_own_fields(created, login):
    """The level 2 file and the data correction both keep a `status`: each type's breakdown counts
    its own records, and their measures count once approved."""
    police = login("police.qt")
    ids = [
        created("vneid_level2_file", level2_data())[0],
        created("data_correction", correction_data())[0],
        created("one_stop_guidance", one_stop_data())[0],
    ]
    police.push_ok([update(ids[1], 1, {"status": "verified"})])
    for record_id in ids:
        version = body_of(police.get(f"/records/{record_id}"))["version"]
        response = police.post(f"/records/{record_id}/review", json={"action": "approve", "base_version": version})
        assert response.status_code == 200, body_of(response)
    progress = body_of(police.get("/reports/progress", query_string={"period": "2026-11"}))
    totals, types = progress["totals"]["measures"], progress["totals"]["types"]
    assert (totals["level2_files"], totals["data_errors_reported"], totals["citizens_guided"]) == (1, 1, 1)
    assert totals["online_submissions"] == 1 and totals["data_errors_corrected"] == 0
    level2 = types["vneid_level2_file"]["breakdowns"]["status"]
    correction = types["data_correction"]["breakdowns"]["status"]
    assert level2["appointment"] == {"records": 1} and sum(cell["records"] for cell in level2.values()) == 1
    assert correction["verified"] == {"records": 1} and sum(cell["records"] for cell in correction.values()) == 1
