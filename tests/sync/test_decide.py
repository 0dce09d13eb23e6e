"""server/sync/decide.py on its own: what happens to each mutation of a batch, given the records
as stored and the stored outcomes, with no database (PROTOCOL.md §6, DESIGN.md decisions 5 and 6)."""

import itertools
import uuid
from datetime import datetime, timezone

from server.forms import registry
from server.records import store
from server.sync import decide
from tests.helpers import delete, propaganda_data, update, vneid_data

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc)
VOLUNTEER = decide.Actor(
    id=7, role="volunteer", commune_id=1, village_ids=frozenset({1, 2}), creatable_village_ids=frozenset({1, 2}),
    device_id="5a1f0c3e-0000-4000-8000-000000000001",
)  # fmt: skip
STAFF = decide.Actor(
    id=8, role="village_staff", commune_id=1, village_ids=frozenset({1}), creatable_village_ids=frozenset({1}),
    device_id="5a1f0c3e-0000-4000-8000-000000000002",
)  # fmt: skip
POLICE = decide.Actor(
    id=9, role="police", commune_id=1, village_ids=frozenset(), creatable_village_ids=frozenset({1, 2}),
    device_id="5a1f0c3e-0000-4000-8000-000000000003",
)  # fmt: skip


def stored_record(data=None, *, author=VOLUNTEER.id, commune_id=1, village_id=1, review_state="submitted"):
    """A record row as the store holds it, at version 1, by `author`."""
    row = store.new_record_row(
        record_id=str(uuid.uuid4()), record_type="vneid_activation", commune_id=commune_id, village_id=village_id,
        user_id=author, device_id=None, now=NOW,
    )  # fmt: skip
    clean, errors = registry.validate("vneid_activation", data or vneid_data())
    assert errors is None, errors
    store.new_version(row, action="create", user_id=author, now=NOW, data=clean, changed=clean.keys())
    row["review_state"] = review_state
    return row


def numbered(mutations):
    return [dict(m, mutation_id=n) for n, m in zip(itertools.count(1), mutations)]


def decided(mutations, records=(), actor=VOLUNTEER, outcomes=None, bases=None):
    checked = [decide.check(actor, m, NOW) for m in mutations]
    stored = decide.Stored(
        records={row["id"]: dict(row) for row in records}, bases=bases or {}, outcomes=outcomes or {}
    )
    conflict_ids = (f"c0000000-0000-4000-8000-00000000000{n}" for n in itertools.count(1))
    return decide.decide(actor, checked, stored, NOW, new_id=lambda: next(conflict_ids))


def create(data=None, record_type="vneid_activation", village_id=1, record_id=None):
    return {
        "op": "create",
        "record_id": record_id or str(uuid.uuid4()),
        "type": record_type,
        "village_id": village_id,
        "data": data or vneid_data(),
    }


def test_a_create_is_applied_at_version_one_with_its_first_version_chained_to_genesis():
    mutation = create(vneid_data(phone="+84 912 345 678"))
    plan = decided(numbered([mutation]))
    assert plan.results == [{"mutation_id": 1, "status": "applied", "record_id": mutation["record_id"], "version": 1}]
    row = plan.created[mutation["record_id"]]
    assert row["data"]["phone"] == "0912345678" and row["version"] == 1 and row["created_by"] == VOLUNTEER.id
    [version] = plan.versions
    assert version["hash"] == store.chained_hash(store.GENESIS_HASH, version) == row["version_hash"]
    assert (version["device_id"], version["mutation_id"], version["created_at"]) == (VOLUNTEER.device_id, 1, NOW)
    [log] = plan.log
    assert log["status"] == "applied" and log["payload_hash"] == decide.payload_hash(numbered([mutation])[0])


def test_a_create_of_a_taken_id_is_a_duplicate_even_outside_the_callers_scope():
    elsewhere = stored_record(author=99, commune_id=2)
    plan = decided(numbered([create(record_id=elsewhere["id"])]), records=[elsewhere])
    assert plan.results[0]["error"]["code"] == "duplicate_record"
    assert not plan.created and not plan.versions


def test_the_same_id_created_twice_in_a_batch_is_a_duplicate_the_second_time():
    record_id = str(uuid.uuid4())
    plan = decided(numbered([create(record_id=record_id), create(record_id=record_id)]))
    assert [r["status"] for r in plan.results] == ["applied", "rejected"]
    assert plan.results[1]["error"]["code"] == "duplicate_record"


def test_a_rejected_mutation_is_logged_and_the_next_goes_on():
    plan = decided(numbered([create(vneid_data(phone="12345")), create()]))
    rejected, applied = plan.results
    assert rejected["status"] == "rejected" and rejected["error"]["code"] == "validation_failed"
    assert "phone" in rejected["error"]["fields"]
    assert applied["status"] == "applied"
    assert [log["status"] for log in plan.log] == ["rejected", "applied"]


def test_what_a_mutation_says_on_its_own_is_checked_before_anything_stored():
    odd = numbered(
        [
            {"op": "upsert", "record_id": str(uuid.uuid4())},
            {"op": "update", "record_id": "not-a-uuid", "base_version": 1, "data": {"phone": "0911111111"}},
            create(record_type="census"),
            create(village_id=3),
            create(data=["not", "an", "object"]),
        ]
    )
    plan = decided(odd)
    codes = [r["error"]["code"] for r in plan.results]
    assert codes == ["unknown_op", "validation_failed", "unknown_type", "village_not_allowed", "validation_failed"]
    assert plan.results[1]["record_id"] == "not-a-uuid"
    assert [log["op"] for log in plan.log] == ["invalid", "update", "create", "create", "create"]


def test_a_stored_outcome_is_repeated_and_other_content_under_its_id_is_a_mismatch():
    [first, second] = numbered([create(), create()])
    stored = {
        1: {"mutation_id": 1, "status": "applied", "record_id": first["record_id"], "version": 1,
            "conflict_id": None, "error": None, "payload_hash": decide.payload_hash(first)},
        2: {"mutation_id": 2, "status": "applied", "record_id": second["record_id"], "version": 1,
            "conflict_id": None, "error": None, "payload_hash": decide.payload_hash(second)},
    }  # fmt: skip
    changed = dict(second, data=vneid_data(full_name="Người khác"))
    plan = decided([first, changed], outcomes=stored)
    assert plan.results[0] == {"mutation_id": 1, "status": "applied", "record_id": first["record_id"], "version": 1}
    assert plan.results[1]["status"] == "rejected" and plan.results[1]["error"]["code"] == "mutation_mismatch"
    assert plan.log == [] and not plan.created


def test_an_update_from_the_current_version_is_applied_and_puts_a_returned_record_back_in_the_queue():
    record = stored_record(review_state="needs_changes")
    plan = decided(numbered([update(record["id"], 1, {"phone": "+84 987 654 321"})]), records=[record])
    assert plan.results[0] == {"mutation_id": 1, "status": "applied", "record_id": record["id"], "version": 2}
    row = plan.updated[record["id"]]
    assert row["data"]["phone"] == "0987654321" and row["review_state"] == "submitted"
    [version] = plan.versions
    assert version["changed"] == ["phone"] and version["hash"] == store.chained_hash(record["version_hash"], version)


def test_an_update_that_changes_nothing_answers_the_current_version_and_writes_nothing():
    record = stored_record()
    plan = decided(numbered([update(record["id"], 1, {"phone": "+84 912 345 678"})]), records=[record])
    assert plan.results[0]["status"] == "applied" and plan.results[0]["version"] == 1
    assert not plan.versions and not plan.updated


def test_a_stale_update_of_other_fields_merges_with_the_server_version():
    record = stored_record()
    base = dict(record["data"])
    store.new_version(record, action="update", user_id=9, now=NOW, data={**base, "place": "mobile_point"},
                      changed=["place"])  # fmt: skip
    plan = decided(
        numbered([update(record["id"], 1, {"phone": "0987654321"})]), records=[record], bases={(record["id"], 1): base}
    )
    assert plan.results[0]["status"] == "merged" and plan.results[0]["version"] == 3
    assert (plan.updated[record["id"]]["data"]["place"], plan.updated[record["id"]]["data"]["phone"]) == (
        "mobile_point",
        "0987654321",
    )


def test_a_stale_update_of_the_same_field_is_a_conflict_that_keeps_both_values():
    record = stored_record()
    base = dict(record["data"])
    store.new_version(record, action="update", user_id=9, now=NOW, data={**base, "phone": "0911111111"},
                      changed=["phone"])  # fmt: skip
    plan = decided(
        numbered([update(record["id"], 1, {"phone": "0987654321"})]), records=[record], bases={(record["id"], 1): base}
    )
    result = plan.results[0]
    assert result["status"] == "conflict" and result["version"] == 2 and result["conflict_id"]
    [conflict] = plan.conflicts
    assert conflict["fields"] == [
        {"name": "phone", "base": "0912345678", "server": "0911111111", "device": "0987654321"}
    ]
    assert conflict["id"] == result["conflict_id"] and conflict["server_version"] == 2
    assert plan.flagged[record["id"]]["has_conflict"] is True and not plan.updated and not plan.versions


def test_a_stale_delete_of_a_changed_record_is_a_conflict_and_of_an_unchanged_one_merges():
    changed, unchanged = stored_record(), stored_record()
    bases = {(changed["id"], 1): dict(changed["data"]), (unchanged["id"], 1): dict(unchanged["data"])}
    store.new_version(changed, action="update", user_id=9, now=NOW, data={**changed["data"], "place": "home"},
                      changed=["place"])  # fmt: skip
    store.new_version(unchanged, action="review", user_id=9, now=NOW, review_state="submitted")
    plan = decided(
        numbered([delete(changed["id"], 1), delete(unchanged["id"], 1)]), records=[changed, unchanged], bases=bases
    )
    assert [r["status"] for r in plan.results] == ["conflict", "merged"]
    assert plan.conflicts[0]["fields"] == [{"name": "deleted", "base": False, "server": False, "device": True}]
    assert plan.updated[unchanged["id"]]["deleted"] is True and plan.results[1]["version"] == 3


def test_a_record_changed_earlier_in_the_batch_is_decided_against_that_change():
    record = stored_record()
    plan = decided(
        numbered([update(record["id"], 1, {"phone": "0987654321"}), update(record["id"], 1, {"phone": "0911111111"})]),
        records=[record],
    )
    assert [(r["status"], r["version"]) for r in plan.results] == [("applied", 2), ("conflict", 2)]
    assert plan.updated[record["id"]]["has_conflict"] is True and not plan.flagged


def test_a_record_created_and_changed_in_one_batch_is_written_once_as_it_ends_up():
    mutation = create()
    plan = decided(numbered([mutation, update(mutation["record_id"], 1, {"phone": "0987654321"})]))
    assert [r["version"] for r in plan.results] == [1, 2]
    row = plan.created[mutation["record_id"]]
    assert row["version"] == 2 and row["data"]["phone"] == "0987654321" and not plan.updated
    assert plan.versions[1]["hash"] == store.chained_hash(plan.versions[0]["hash"], plan.versions[1])


def test_scope_decides_not_found_and_forbidden():
    others = stored_record(author=99, village_id=1)
    outside = stored_record(author=99, commune_id=2)
    mutations = numbered([update(others["id"], 1, {"phone": "0987654321"})])
    assert decided(mutations, records=[others]).results[0]["error"]["code"] == "not_found"
    assert decided(mutations, records=[others], actor=STAFF).results[0]["error"]["code"] == "forbidden"
    assert decided(mutations, records=[others], actor=POLICE).results[0]["status"] == "applied"
    outside_update = numbered([update(outside["id"], 1, {"phone": "0987654321"})])
    assert decided(outside_update, records=[outside], actor=POLICE).results[0]["error"]["code"] == "not_found"


def test_approved_records_are_locked_to_their_recorders_and_open_to_police():
    record = stored_record(review_state="approved")
    mutations = numbered([update(record["id"], 1, {"phone": "0987654321"})])
    assert decided(mutations, records=[record]).results[0]["error"]["code"] == "record_locked"
    assert decided(mutations, records=[record], actor=POLICE).results[0]["status"] == "applied"


def test_a_deleted_record_and_a_bad_base_version_are_rejected():
    record = stored_record()
    record["deleted"] = True
    plan = decided(numbered([update(record["id"], 1, {"phone": "0987654321"})]), records=[record])
    assert plan.results[0]["error"]["code"] == "record_deleted"
    live = stored_record()
    for base_version in (0, 2, True, "1", None):
        plan = decided(numbered([update(live["id"], base_version, {"phone": "0987654321"})]), records=[live])
        assert plan.results[0]["error"]["fields"] == {"base_version": ["Phải là số nguyên từ 1 đến 1"]}


def test_an_update_naming_unknown_fields_or_no_fields_is_rejected():
    record = stored_record()
    plan = decided(
        numbered([update(record["id"], 1, {"portrait": "…"}), update(record["id"], 1, {})]), records=[record]
    )
    assert plan.results[0]["error"]["fields"] == {"portrait": ["Trường này không có trong biểu mẫu"]}
    assert plan.results[1]["error"]["fields"] == {"data": ["Phải là một đối tượng JSON"]}


def test_only_the_stale_bases_are_asked_of_the_history():
    current, moved = stored_record(), stored_record()
    store.new_version(moved, action="review", user_id=9, now=NOW, review_state="submitted")
    checked = [
        decide.check(VOLUNTEER, m, NOW)
        for m in numbered(
            [
                update(current["id"], 1, {"phone": "0987654321"}),
                delete(moved["id"], 1),
                create(propaganda_data(), "propaganda_session"),
            ]
        )
    ]
    assert decide.stale_bases(checked, {current["id"]: current, moved["id"]: moved}) == {(moved["id"], 1)}
