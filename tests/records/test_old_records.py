"""Records stored before a type grew stricter (docs/record-types.md, "Changing a type: old
records"): an activated VNeID account recorded with no level, a level 2 account recorded as
helped at home. Nothing can say what they lacked, so they are not rewritten: they open, sync and
export as they are, an edit of another field is applied, and an edit that touches the rule must
satisfy it. A phone's create of the old shape, queued before the upgrade, is refused saying what
to add, and the phone keeps it to fix and send again (tests/e2e/test_account_level_on_the_phone.py)."""

import csv
import io

from openpyxl import load_workbook

from server.records.integrity import broken_chains
from tests.conftest import declared_before
from tests.helpers import body_of, update, vneid_data
from tests.records.test_account_level import LEVEL_TWO_PLACE, NEEDS_LEVEL

NAME = "Hoàng Văn Bình"
# vneid_data's day of help, so the record is in that month's report.
PERIOD = "2026-11"


def _old_record(created, rule, **data):
    with declared_before("vneid_activation", rule):
        record_id, result = created("vneid_activation", vneid_data(full_name=NAME, **data))
    assert result["status"] == "applied", result
    return record_id


def test_an_activated_record_with_no_level_opens_syncs_and_exports(created, login):
    record_id = _old_record(created, "level_once_activated", level=None)
    volunteer, police = login("vol.qt1"), login("police.qt")
    record = body_of(police.get(f"/records/{record_id}"))
    assert record["data"]["step_reached"] == "activated" and "level" not in record["data"]
    records, _, _ = volunteer.pull_all()
    assert "level" not in records[record_id]["data"]

    query = {"period": PERIOD, "count": "submitted_and_approved"}
    response = police.get("/reports/export", query_string={**query, "format": "csv", "type": "vneid_activation"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    (row,) = [r for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))) if NAME in r.values()]
    assert (row["Bước đã hoàn thành"], row["Mức độ tài khoản"]) == ("Kích hoạt", "")
    response = police.get("/reports/export", query_string=query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()))["Hỗ trợ cài đặt, kích hoạt VNeID"]
    header = [cell.value for cell in sheet[1]]
    (row,) = [r for r in sheet.iter_rows(min_row=2, values_only=True) if NAME in r]
    assert row[header.index("Mức độ tài khoản")] is None


def test_an_activated_record_with_no_level_is_edited_elsewhere_and_asked_for_it_when_its_step_changes(created, login):
    record_id = _old_record(created, "level_once_activated", level=None)
    phone, tablet = login("vol.qt1"), login("vol.qt1")
    (noted,) = phone.push_ok([update(record_id, 1, {"notes": "Đã gọi lại, dùng được VNeID"})])
    assert noted["status"] == "applied", noted
    # A stale edit of another field merges, as on any record.
    (merged,) = tablet.push_ok([update(record_id, 1, {"phone": "0987654321"})])
    assert merged["status"] == "merged", merged
    # Moving the step is a change the rule reads: the level is asked for, by name.
    (refused,) = phone.push_ok([update(record_id, 3, {"step_reached": "logged_in_public_service"})])
    assert refused["error"]["code"] == "validation_failed"
    assert refused["error"]["fields"] == {"level": [NEEDS_LEVEL]}, refused
    (moved,) = phone.push_ok([update(record_id, 3, {"step_reached": "logged_in_public_service", "level": 1})])
    assert moved["status"] == "applied", moved
    data = body_of(login("police.qt").get(f"/records/{record_id}"))["data"]
    assert (data["level"], data["phone"], data["notes"]) == (1, "0987654321", "Đã gọi lại, dùng được VNeID")
    assert list(broken_chains()) == []


def test_a_level_two_record_helped_at_home_is_edited_elsewhere_and_its_place_only_to_a_right_one(created, login):
    record_id = _old_record(created, "level_two_at_the_police_or_a_mobile_point", level=2, place="home")
    volunteer = login("vol.qt1")
    (noted,) = volunteer.push_ok([update(record_id, 1, {"notes": "Hẹn lên Công an xã"})])
    assert noted["status"] == "applied", noted
    (refused,) = volunteer.push_ok([update(record_id, 2, {"place": "one_stop_desk"})])
    assert refused["error"]["fields"] == {"place": [LEVEL_TWO_PLACE]}, refused
    (corrected,) = volunteer.push_ok([update(record_id, 2, {"place": "police_office"})])
    assert corrected["status"] == "applied", corrected


def test_a_conflict_on_an_old_record_is_resolved_without_its_rule(created, login):
    record_id = _old_record(created, "level_once_activated", level=None)
    phone, tablet, admin = login("vol.qt1"), login("vol.qt1"), login("admin.qt")
    phone.push_ok([update(record_id, 1, {"phone": "0987654321"})])
    (conflict,) = tablet.push_ok([update(record_id, 1, {"phone": "0911111111"})])
    assert conflict["status"] == "conflict", conflict
    response = admin.post(
        f"/conflicts/{conflict['conflict_id']}/resolve", json={"base_version": 2, "values": {"phone": "0911111111"}}
    )
    assert response.status_code == 200, body_of(response)
    assert "level" not in body_of(response)["data"]


def test_a_create_of_the_old_shape_queued_before_the_upgrade_is_refused_saying_what_to_add(created):
    _, refused = created("vneid_activation", vneid_data(level=None))
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "validation_failed"
    assert refused["error"]["fields"] == {"level": [NEEDS_LEVEL]}
