"""DESIGN.md decision 6 / PROTOCOL.md §6, §8: three-way merge, conflicts that keep both sides, resolving."""

from server.sync.merge import apply_changes, classify_stale_update, device_changes
from tests.helpers import body_of, delete, update, vneid_data


def test_classify_merges_disjoint_changes_and_flags_overlaps():
    base = {"a": 1, "b": 1, "c": 1}
    server = {"a": 2, "b": 1, "c": 3}
    to_apply, conflicts = classify_stale_update(base, server, {"b": 5, "c": 3, "a": 9})
    assert to_apply == {"b": 5}
    assert conflicts == [{"name": "a", "base": 1, "server": 2, "device": 9}]


def test_a_field_cleared_on_the_server_and_changed_on_the_device_conflicts():
    to_apply, conflicts = classify_stale_update({"n": "x"}, {}, {"n": "y"})
    assert to_apply == {} and conflicts == [{"name": "n", "base": "x", "server": None, "device": "y"}]


def test_device_changes_ignore_fields_sent_with_their_base_value():
    assert device_changes({"a": 1, "b": 2}, {"a": 1, "b": 3}, ["a", "b"]) == {"b": 3}


def test_apply_changes_removes_cleared_fields():
    assert apply_changes({"a": 1, "b": 2}, {"a": None, "c": 3}) == {"b": 2, "c": 3}


def _two_devices_with_a_record(login, villages):
    phone, tablet = login("vol.qt1"), login("vol.qt1")
    # A level 1 account, helped at home: its place may change to any other.
    mutation = phone.create("vneid_activation", villages["Thôn 1"], vneid_data(level=1, place="home"))
    phone.push_ok([mutation])
    return phone, tablet, mutation["record_id"]


def test_disjoint_stale_edits_merge(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    assert phone.push_ok([update(rid, 1, {"phone": "0987654321"})])[0]["status"] == "applied"
    [result] = tablet.push_ok([update(rid, 1, {"place": "one_stop_desk"})])
    assert result == {"mutation_id": result["mutation_id"], "status": "merged", "record_id": rid, "version": 3}
    data = phone.get(f"/records/{rid}").get_json()["data"]
    assert data["phone"] == "0987654321" and data["place"] == "one_stop_desk"


def test_same_value_edits_merge_without_a_new_version(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    phone.push_ok([update(rid, 1, {"phone": "0987654321"})])
    [result] = tablet.push_ok([update(rid, 1, {"phone": "+84987654321"})])
    assert result["status"] == "merged" and result["version"] == 2


def test_overlapping_edits_open_a_conflict_that_keeps_both_values(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    phone.push_ok([update(rid, 1, {"phone": "0987654321"})])
    [result] = tablet.push_ok([update(rid, 1, {"phone": "0911111111", "place": "one_stop_desk"})])
    assert result["status"] == "conflict" and result["version"] == 2 and result["conflict_id"]

    record = phone.get(f"/records/{rid}").get_json()
    assert record["has_conflict"] is True and record["version"] == 2
    assert record["data"]["phone"] == "0987654321" and record["data"]["place"] == "home"

    admin = login("admin.qt")
    conflict = admin.get(f"/conflicts/{result['conflict_id']}").get_json()
    fields = {f["name"]: f for f in conflict["fields"]}
    assert fields["phone"] == {
        "name": "phone",
        "base": "0912345678",
        "server": "0987654321",
        "device": "0911111111",
        "conflicting": True,
    }
    assert fields["place"]["conflicting"] is False and fields["place"]["device"] == "one_stop_desk"
    assert conflict["user"]["username"] == "vol.qt1" and conflict["device_id"] == tablet.device_id
    assert conflict["base_version"] == 1 and conflict["state"] == "open"
    listed = admin.get("/conflicts?state=open").get_json()
    assert [c["id"] for c in listed["items"]] == [result["conflict_id"]]


def test_resolving_makes_a_new_version_that_every_device_pulls(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    _, phone_cursor, _ = phone.pull_all()
    _, tablet_cursor, _ = tablet.pull_all()
    phone.push_ok([update(rid, 1, {"phone": "0987654321"})])
    [result] = tablet.push_ok([update(rid, 1, {"phone": "0911111111", "place": "one_stop_desk"})])
    admin = login("admin.qt")

    response = admin.post(
        f"/conflicts/{result['conflict_id']}/resolve", json={"base_version": 2, "values": {"phone": "0911111111"}}
    )
    assert response.status_code == 200
    resolved = body_of(response)
    assert resolved["version"] == 3 and resolved["has_conflict"] is False
    assert resolved["data"]["phone"] == "0911111111" and resolved["data"]["place"] == "one_stop_desk"

    for device, cursor in ((phone, phone_cursor), (tablet, tablet_cursor)):
        records, _, _ = device.pull_all(cursor)
        assert records[rid]["version"] == 3 and records[rid]["data"]["phone"] == "0911111111"

    conflict = admin.get(f"/conflicts/{result['conflict_id']}").get_json()
    assert conflict["state"] == "resolved" and conflict["resolved_by"] == admin.user["id"]
    assert conflict["resolution"]["phone"] == {"choice": "device", "value": "0911111111"}
    history = admin.get(f"/records/{rid}").get_json()["history"]
    assert [v["action"] for v in history] == ["create", "update", "resolve"]


def test_a_stale_resolve_is_refused(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    phone.push_ok([update(rid, 1, {"phone": "0987654321"})])
    [result] = tablet.push_ok([update(rid, 1, {"phone": "0911111111"})])
    phone.push_ok([update(rid, 2, {"notes": "Đã gọi lại"})])
    admin = login("admin.qt")
    response = admin.post(
        f"/conflicts/{result['conflict_id']}/resolve", json={"base_version": 2, "values": {"phone": "0911111111"}}
    )
    assert response.status_code == 409
    assert body_of(response)["error"]["code"] == "stale_version"


def test_resolve_needs_a_value_for_every_conflicting_field(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    phone.push_ok([update(rid, 1, {"phone": "0987654321", "place": "police_office"})])
    [result] = tablet.push_ok([update(rid, 1, {"phone": "0911111111", "place": "one_stop_desk"})])
    admin = login("admin.qt")
    response = admin.post(
        f"/conflicts/{result['conflict_id']}/resolve", json={"base_version": 2, "values": {"phone": "0911111111"}}
    )
    assert response.status_code == 422
    assert list(body_of(response)["error"]["fields"]) == ["place"]
    again = admin.post(
        f"/conflicts/{result['conflict_id']}/resolve",
        json={"base_version": 2, "values": {"phone": "0911111111", "place": "home"}},
    )
    assert again.status_code == 200
    assert admin.get(f"/conflicts/{result['conflict_id']}").get_json()["resolution"]["place"]["choice"] == "edited"
    assert (
        admin.post(f"/conflicts/{result['conflict_id']}/resolve", json={"base_version": 3, "values": {}}).status_code
        == 409
    )


def test_a_stale_delete_of_a_changed_record_is_a_conflict(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    phone.push_ok([update(rid, 1, {"phone": "0987654321"})])
    [result] = tablet.push_ok([delete(rid, 1)])
    assert result["status"] == "conflict"
    admin = login("admin.qt")
    response = admin.post(
        f"/conflicts/{result['conflict_id']}/resolve", json={"base_version": 2, "values": {"deleted": True}}
    )
    assert response.status_code == 200 and body_of(response)["deleted"] is True


def test_a_record_with_an_open_conflict_cannot_be_approved(login, villages):
    phone, tablet, rid = _two_devices_with_a_record(login, villages)
    phone.push_ok([update(rid, 1, {"phone": "0987654321"})])
    tablet.push_ok([update(rid, 1, {"phone": "0911111111"})])
    police = login("police.qt")
    response = police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 2})
    assert response.status_code == 409
    assert body_of(response)["error"]["code"] == "record_has_conflict"
