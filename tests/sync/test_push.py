"""PROTOCOL.md §6: push outcomes, exactly-once replay, mutation_mismatch, limits, rules per mutation."""

import uuid

from sqlalchemy import func, select

from server.extensions import db
from server.models import Mutation, RecordVersion
from tests.helpers import body_of, death_data, delete, propaganda_data, update, vneid_data


def test_a_create_is_applied_at_version_one(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("propaganda_session", villages["Thôn 2"], propaganda_data())
    [result] = volunteer.push_ok([mutation])
    assert result == {
        "mutation_id": mutation["mutation_id"],
        "status": "applied",
        "record_id": mutation["record_id"],
        "version": 1,
    }


def test_replaying_a_batch_returns_identical_outcomes_and_changes_nothing(login, villages):
    volunteer = login("vol.qt1")
    first = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    batch = [
        first,
        update(first["record_id"], 1, {"phone": "0987654321"}),
        volunteer.create("death_check", villages["Thôn 1"], death_data(birth_year=1800)),  # rejected
        update(first["record_id"], 1, {"phone": "0911111111"}),  # stale: conflict with the update above
    ]
    response = volunteer.push(batch)
    original = body_of(response)
    statuses = [r["status"] for r in original["results"]]
    assert statuses == ["applied", "applied", "rejected", "conflict"]

    versions_before = db.session.execute(select(func.count()).select_from(RecordVersion)).scalar()
    log_before = db.session.execute(select(func.count()).select_from(Mutation)).scalar()
    replay = volunteer.post("/sync/push", json={"device_id": volunteer.device_id, "mutations": batch})
    assert replay.status_code == 200
    assert body_of(replay) == original
    assert db.session.execute(select(func.count()).select_from(RecordVersion)).scalar() == versions_before
    assert db.session.execute(select(func.count()).select_from(Mutation)).scalar() == log_before


def test_a_partly_new_batch_replays_the_old_and_applies_the_new(login, villages):
    volunteer = login("vol.qt1")
    first = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([first])
    second = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    results = volunteer.push_ok([first, second])
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert results[0]["version"] == 1 and results[1]["version"] == 1


def test_a_reused_mutation_id_with_other_content_is_a_mismatch(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([mutation])
    other = dict(mutation, data=vneid_data(full_name="Người khác"))
    [result] = volunteer.push_ok([other])
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "mutation_mismatch"
    [record] = volunteer.get("/records").get_json()["items"]
    assert record["data"]["full_name"] == "Nguyễn Thị Lan"


def test_exactly_once_is_per_device(login, villages):
    """The same mutation id from two devices are two mutations."""
    phone, tablet = login("vol.qt1"), login("vol.qt1")
    a = phone.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    b = tablet.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    assert phone.push_ok([a])[0]["mutation_id"] == tablet.push_ok([b])[0]["mutation_id"] == 1
    assert phone.get("/records").get_json()["total"] == 2


def test_a_create_of_an_existing_record_id_is_a_duplicate(login, villages):
    phone, tablet = login("vol.qt1"), login("vol.qt1")
    mutation = phone.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    phone.push_ok([mutation])
    copy = {k: v for k, v in mutation.items() if k != "mutation_id"}
    [result] = tablet.push_ok([copy])
    assert result["status"] == "rejected" and result["error"]["code"] == "duplicate_record"


def test_a_rejected_mutation_does_not_block_the_ones_after_it(login, villages):
    volunteer = login("vol.qt1")
    bad = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(phone="12345"))
    good = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(personal_id="038190099999"))
    results = volunteer.push_ok([bad, good])
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["code"] == "validation_failed"
    assert "phone" in results[0]["error"]["fields"]
    assert results[1]["status"] == "applied"


def test_phone_numbers_are_stored_normalised(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(phone="+84 912 345 678"))
    volunteer.push_ok([mutation])
    record = volunteer.get(f"/records/{mutation['record_id']}").get_json()
    assert record["data"]["phone"] == "0912345678"


def test_an_update_of_a_needs_changes_record_puts_it_back_to_submitted(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([mutation])
    rid = mutation["record_id"]
    reviewed = police.post(
        f"/records/{rid}/review",
        json={"action": "needs_changes", "comment": "Kiểm tra lại số điện thoại", "base_version": 1},
    )
    assert reviewed.get_json()["review_state"] == "needs_changes"
    [result] = volunteer.push_ok([update(rid, 2, {"phone": "0987654321"})])
    assert result["status"] == "applied" and result["version"] == 3
    assert volunteer.get(f"/records/{rid}").get_json()["review_state"] == "submitted"


def test_volunteers_cannot_change_approved_or_rejected_records(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    for action, comment in (("approve", None), ("reject", "Trùng bản ghi")):
        mutation = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
        volunteer.push_ok([mutation])
        police.post(
            f"/records/{mutation['record_id']}/review", json={"action": action, "comment": comment, "base_version": 1}
        )
        [result] = volunteer.push_ok([update(mutation["record_id"], 2, {"people_reached": 50})])
        assert result["status"] == "rejected" and result["error"]["code"] == "record_locked"
        [result] = volunteer.push_ok([delete(mutation["record_id"], 2)])
        assert result["error"]["code"] == "record_locked"


def test_police_correct_an_approved_record_through_sync(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    mutation = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    volunteer.push_ok([mutation])
    police.post(f"/records/{mutation['record_id']}/review", json={"action": "approve", "base_version": 1})
    [result] = police.push_ok([update(mutation["record_id"], 2, {"people_reached": 60})])
    assert result["status"] == "applied" and result["version"] == 3


def test_a_delete_leaves_a_tombstone_that_pull_delivers(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    volunteer.push_ok([mutation])
    [result] = volunteer.push_ok([delete(mutation["record_id"], 1)])
    assert result["status"] == "applied" and result["version"] == 2
    records, _, _ = volunteer.pull_all()
    tombstone = records[mutation["record_id"]]
    assert tombstone["deleted"] is True and tombstone["version"] == 2 and "data" not in tombstone
    assert volunteer.get("/records").get_json()["total"] == 0


def test_a_push_of_500_mutations_is_accepted_and_501_is_refused_with_the_limit(login, villages):
    volunteer = login("vol.qt1")
    mutations = [
        volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data(people_reached=i))
        for i in range(501)
    ]
    refused = volunteer.push(mutations)
    assert refused.status_code == 413
    assert "500" in body_of(refused)["error"]["message"]
    accepted = volunteer.push_ok(mutations[:500])
    assert len(accepted) == 500 and {r["status"] for r in accepted} == {"applied"}


def test_mutation_ids_must_increase_within_a_batch(login, villages):
    volunteer = login("vol.qt1")
    a = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    b = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    a["mutation_id"], b["mutation_id"] = 5, 5
    response = volunteer.push([a, b])
    assert response.status_code == 422
    assert "mutations.1.mutation_id" in body_of(response)["error"]["fields"]


def test_a_push_for_another_device_id_is_refused(login):
    volunteer = login("vol.qt1")
    response = volunteer.post("/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": []})
    assert response.status_code == 403
    assert body_of(response)["error"]["code"] == "device_mismatch"


def test_client_time_is_stored_but_never_decides(login, villages):
    phone, tablet = login("vol.qt1"), login("vol.qt1")
    mutation = phone.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    phone.push_ok([mutation])
    rid = mutation["record_id"]
    late = dict(update(rid, 1, {"people_reached": 10}), client_time="2030-01-01T00:00:00Z")
    early = dict(update(rid, 1, {"people_reached": 20}), client_time="2000-01-01T00:00:00Z")
    assert phone.push_ok([late])[0]["status"] == "applied"
    # The "earlier" edit arrives later with a stale base: a conflict for a person, not a clock, to settle.
    assert tablet.push_ok([early])[0]["status"] == "conflict"


def test_the_device_reports_its_app_version_and_unsent_count(login):
    volunteer, admin = login("vol.qt1"), login("admin.qt")
    volunteer.post(
        "/sync/push",
        json={"device_id": volunteer.device_id, "mutations": [], "app_version": "1.4.0", "pending_count": 7},
    )
    [device] = [d for d in admin.get("/devices").get_json() if d["device_id"] == volunteer.device_id]
    assert device["app_version"] == "1.4.0" and device["pending_count"] == 7
    assert device["last_sync_at"] is not None and device["owner"]["username"] == "vol.qt1"


def test_death_cases_move_only_forward_and_only_by_police_or_admin(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    mutation = volunteer.create("death_check", villages["Thôn 1"], death_data())
    [created] = volunteer.push_ok([mutation])
    rid = mutation["record_id"]
    assert volunteer.get(f"/records/{rid}").get_json()["data"]["case_status"] == "reported"

    [result] = volunteer.push_ok([update(rid, 1, {"case_status": "verified_unregistered"})])
    assert result["error"]["code"] == "field_not_editable" and "case_status" in result["error"]["fields"]
    sneaky = volunteer.create("death_check", villages["Thôn 1"], death_data(case_status="certificate_issued"))
    assert volunteer.push_ok([sneaky])[0]["error"]["code"] == "field_not_editable"

    [result] = police.push_ok([update(rid, 1, {"case_status": "certificate_issued"})])
    assert result["status"] == "rejected"  # skips verification, and has no certificate
    [result] = police.push_ok([update(rid, 1, {"case_status": "verified_unregistered"})])
    assert result["status"] == "applied"
    [result] = police.push_ok([update(rid, 2, {"case_status": "certificate_issued"})])
    assert result["error"]["code"] == "validation_failed"
    assert set(result["error"]["fields"]) == {"certificate_number", "certificate_date"}
    [result] = police.push_ok(
        [
            update(
                rid,
                2,
                {
                    "case_status": "certificate_issued",
                    "certificate_number": "15/2026/TP-KT",
                    "certificate_date": "2026-11-02",
                },
            )
        ]
    )
    assert result["status"] == "applied"
    [result] = police.push_ok([update(rid, 3, {"case_status": "reported"})])
    assert result["error"]["code"] == "invalid_case_transition"
    [result] = police.push_ok([update(rid, 3, {"case_status": "residence_removed"})])
    assert result["status"] == "applied" and result["version"] == 4


def test_a_rejected_mutation_replays_with_the_same_answer_whatever_its_record_id(login):
    volunteer = login("vol.qt1")
    odd = [
        {"op": "update", "record_id": "x" * 5000, "base_version": 1, "data": {}},
        {"op": "update", "record_id": {"nested": True}, "base_version": 1, "data": {}},
        {"op": "create", "record_id": "not-a-uuid", "type": "death_check", "village_id": 1, "data": {}},
    ]
    first = volunteer.push_ok(odd)
    assert [r["status"] for r in first] == ["rejected"] * 3
    assert [r["record_id"] for r in first] == [None, None, "not-a-uuid"]
    assert volunteer.push_ok(odd) == first
