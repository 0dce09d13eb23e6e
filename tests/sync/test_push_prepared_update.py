"""An update is decided before the write lock when its base is the record's current version;
under the lock that decision stands only if the record has not moved meanwhile."""

import pytest

from server.records import store
from server.sync import push
from server.timeutil import utcnow
from tests.helpers import update, vneid_data


@pytest.fixture
def server_edit_after_prepare(monkeypatch):
    """Another writer changes the record after the update was prepared, before the lock."""
    edits = {}
    prepare = push._prepare_updates

    def racing(user, mutations):
        prepared = prepare(user, mutations)
        for record_id, changes in edits.items():
            row = store.load_for_update([record_id])[record_id]
            version = store.new_version(
                row,
                action="update",
                user_id=user.id,
                now=utcnow(),
                data={**row["data"], **changes},
                changed=changes.keys(),
            )
            store.save(updated=[row], versions=[version])
        return prepared

    monkeypatch.setattr(push, "_prepare_updates", racing)
    return edits


def _created(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([mutation])
    return volunteer, mutation["record_id"]


def test_a_current_base_update_is_applied_as_prepared(login, villages):
    volunteer, record_id = _created(login, villages)
    [result] = volunteer.push_ok([update(record_id, 1, {"phone": "+84 987 654 321"})])
    assert result["status"] == "applied" and result["version"] == 2
    [record] = volunteer.get("/records").get_json()["items"]
    assert record["data"]["phone"] == "0987654321"


def test_the_same_field_changed_before_the_lock_is_a_conflict(login, villages, server_edit_after_prepare):
    volunteer, record_id = _created(login, villages)
    server_edit_after_prepare[record_id] = {"phone": "0911111111"}
    [result] = volunteer.push_ok([update(record_id, 1, {"phone": "0987654321"})])
    assert result["status"] == "conflict" and result["version"] == 2
    [record] = volunteer.get("/records").get_json()["items"]
    assert record["data"]["phone"] == "0911111111" and record["has_conflict"] is True


def test_another_field_changed_before_the_lock_is_merged(login, villages, server_edit_after_prepare):
    volunteer, record_id = _created(login, villages)
    server_edit_after_prepare[record_id] = {"place": "mobile_point"}
    [result] = volunteer.push_ok([update(record_id, 1, {"phone": "0987654321"})])
    assert result["status"] == "merged" and result["version"] == 3
    [record] = volunteer.get("/records").get_json()["items"]
    assert (record["data"]["place"], record["data"]["phone"]) == ("mobile_point", "0987654321")
    assert record["version"] == 3


def test_a_record_changed_earlier_in_the_batch_is_decided_against_that_change(login, villages):
    """Both updates are prepared against version 1; the second, based on the first's result,
    finds the record moved by the first and is decided again under the lock."""
    volunteer, record_id = _created(login, villages)
    first, second = volunteer.push_ok(
        [update(record_id, 1, {"phone": "0987654321"}), update(record_id, 1, {"phone": "0911111111"})]
    )
    assert (first["status"], first["version"]) == ("applied", 2)
    assert (second["status"], second["version"]) == ("conflict", 2)
    follow_up = volunteer.push_ok([update(record_id, 2, {"phone": "0987654321"})])
    assert follow_up[0]["status"] == "applied" and follow_up[0]["version"] == 2
