"""Review, death-case, conflict and administration rules not covered elsewhere (PROTOCOL.md §3, §5, §8, §11).

Role-by-endpoint access and cross-commune isolation are in tests/test_scope_matrix.py; the
review table, stale reviews and comments in tests/records/test_review.py; merging and resolving
in tests/sync/test_merge.py. These add what happens next: what a change of role, villages or
password does at once, what a closed death case allows, and what the audit log keeps.
"""

from tests.helpers import PASSWORD, body_of, death_data, delete, propaganda_data, update, vneid_data


def _record(caller, village_id, record_type="vneid_activation", data=None):
    data = (
        data
        or {"vneid_activation": vneid_data, "death_check": death_data, "propaganda_session": propaganda_data}[
            record_type
        ]()
    )
    mutation = caller.create(record_type, village_id, data)
    [result] = caller.push_ok([mutation])
    assert result["status"] == "applied", result
    return mutation["record_id"]


def _conflicted(login, villages):
    """A record of vol.qt1 with an open conflict (the police changed it meanwhile): (record id, conflict id)."""
    volunteer, police = login("vol.qt1"), login("police.qt")
    rid = _record(volunteer, villages["Thôn 1"])
    assert police.push_ok([update(rid, 1, {"notes": "công an sửa"})])[0]["status"] == "applied"
    [result] = volunteer.push_ok([update(rid, 1, {"notes": "tình nguyện viên sửa"})])
    assert result["status"] == "conflict", result
    return rid, result["conflict_id"]


# --------------------------------------------------------------------------------------------
# Review


def test_bulk_approval_skips_records_with_an_open_conflict_or_deleted_and_says_why(login, villages):
    rid, conflict_id = _conflicted(login, villages)
    volunteer, admin = login("vol.qt1"), login("admin.qt")
    fine, gone = _record(volunteer, villages["Thôn 1"]), _record(volunteer, villages["Thôn 2"])
    volunteer.push_ok([delete(gone, 1)])
    response = admin.post("/records/review", json={"ids": [rid, fine, gone], "action": "approve"})
    results = {r["id"]: r for r in body_of(response)["results"]}
    assert results[rid]["error"]["code"] == "record_has_conflict"
    assert results[gone]["error"]["code"] == "record_deleted"
    assert results[fine]["status"] == "ok" and results[fine]["record"]["review_state"] == "approved"
    # Asking for changes is still possible while the conflict is open; approval once it is resolved.
    asked = admin.post(
        f"/records/{rid}/review", json={"action": "needs_changes", "comment": "Xem lại", "base_version": 2}
    )
    assert asked.status_code == 200, body_of(asked)
    resolved = admin.post(f"/conflicts/{conflict_id}/resolve", json={"base_version": 3, "values": {"notes": "chốt"}})
    assert resolved.status_code == 200, body_of(resolved)
    approved = admin.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 4})
    assert approved.status_code == 200 and body_of(approved)["review_state"] == "approved"


def test_a_stale_review_changes_nothing_and_says_which_version_is_current(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    rid = _record(volunteer, villages["Thôn 1"])
    police.post(f"/records/{rid}/review", json={"action": "needs_changes", "comment": "Thiếu SĐT", "base_version": 1})
    response = police.post(f"/records/{rid}/review", json={"action": "reject", "comment": "Trùng", "base_version": 1})
    assert response.status_code == 409
    error = body_of(response)["error"]
    assert error["code"] == "stale_version" and "2" in error["message"]
    record = body_of(police.get(f"/records/{rid}"))
    assert record["version"] == 2 and record["review_state"] == "needs_changes"


def test_admins_of_either_commune_review_their_own_records(login, villages):
    for author, reviewer, village in (
        ("vol.qt1", "admin.qt", "Thôn 1"),
        ("vol.ch1", "admin.ch", "Thôn Đông"),
        ("vol.ch1", "police.ch", "Thôn Đông"),
    ):
        rid = _record(login(author), villages[village])
        response = login(reviewer).post(
            f"/records/{rid}/review", json={"action": "reject", "comment": "Không đủ thông tin", "base_version": 1}
        )
        assert response.status_code == 200 and body_of(response)["review_state"] == "rejected", reviewer


# --------------------------------------------------------------------------------------------
# Death cases through sync


def test_a_closed_death_case_moves_no_further(login, villages):
    volunteer, admin = login("vol.qt1"), login("admin.qt")
    for closing in ("already_registered", "person_alive"):
        rid = _record(volunteer, villages["Thôn 1"], "death_check")
        [result] = admin.push_ok([update(rid, 1, {"case_status": closing})])
        assert result["status"] == "applied", result
        for later in ("verified_unregistered", "certificate_issued", "residence_removed", "funeral_allowance_done"):
            [result] = admin.push_ok(
                [
                    update(
                        rid, 2, {"case_status": later, "certificate_number": "1/2026", "certificate_date": "2026-11-02"}
                    )
                ]
            )
            assert result["status"] == "rejected" and result["error"]["code"] == "invalid_case_transition", result
        # Back to reported is reopening it, which only the working group may do, and with a reason
        # (tests/records/test_domain_corrections.py).
        [result] = admin.push_ok([update(rid, 2, {"case_status": "reported"})])
        assert result["error"]["fields"] == {"reopen_reason": ["Cần ghi lý do mở lại hồ sơ"]}, result


def test_residence_removed_is_the_end_and_the_certificate_stays_required(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    rid = _record(volunteer, villages["Thôn 1"], "death_check")
    certificate = {"certificate_number": "15/2026/TP-KT", "certificate_date": "2026-11-02"}
    police.push_ok([update(rid, 1, {"case_status": "verified_unregistered"})])
    [future] = police.push_ok(
        [update(rid, 2, {"case_status": "certificate_issued", **certificate, "certificate_date": "2999-01-01"})]
    )
    assert future["status"] == "rejected" and "certificate_date" in future["error"]["fields"], future
    police.push_ok([update(rid, 2, {"case_status": "certificate_issued", **certificate})])
    [cleared] = police.push_ok([update(rid, 3, {"certificate_number": None})])
    assert cleared["status"] == "rejected" and "certificate_number" in cleared["error"]["fields"], cleared
    police.push_ok([update(rid, 3, {"case_status": "residence_removed"})])
    [back] = police.push_ok([update(rid, 4, {"case_status": "certificate_issued"})])
    assert back["error"]["code"] == "invalid_case_transition", back


def test_volunteers_and_village_staff_touch_neither_the_status_nor_the_certificate(login, villages):
    volunteer = login("vol.qt1")
    rid = _record(volunteer, villages["Thôn 1"], "death_check")
    for caller in (volunteer, login("staff.qt")):
        own = rid if caller is volunteer else _record(caller, villages["Thôn 2"], "death_check")
        for change in (
            {"case_status": "verified_unregistered"},
            {"certificate_number": "15/2026"},
            {"certificate_date": "2026-11-02"},
        ):
            [result] = caller.push_ok([update(own, 1, change)])
            assert result["status"] == "rejected" and result["error"]["code"] == "field_not_editable", (
                caller.username,
                change,
                result,
            )
    assert body_of(login("police.qt").get(f"/records/{rid}"))["data"]["case_status"] == "reported"


# --------------------------------------------------------------------------------------------
# Conflicts


def test_a_resolution_keeps_who_chose_what_and_is_audited(login, villages):
    rid, conflict_id = _conflicted(login, villages)
    admin = login("admin.qt")
    admin.get(f"/conflicts/{conflict_id}")
    response = admin.post(
        f"/conflicts/{conflict_id}/resolve", json={"base_version": 2, "values": {"notes": "tình nguyện viên sửa"}}
    )
    assert response.status_code == 200
    conflict = body_of(admin.get(f"/conflicts/{conflict_id}"))
    assert conflict["resolved_by"] == admin.user["id"] and conflict["resolved_at"]
    assert conflict["resolution"]["notes"] == {"choice": "device", "value": "tình nguyện viên sửa"}
    assert conflict["resolved_version"] == 3
    assert [c["id"] for c in body_of(admin.get("/conflicts?state=resolved"))["items"]] == [conflict_id]
    assert body_of(admin.get("/conflicts?state=open"))["items"] == []
    actions = {e["action"] for e in body_of(admin.get("/audit", query_string={"target_id": conflict_id}))["items"]}
    assert {"conflict.view", "conflict.resolve"} <= actions


def test_resolving_with_a_value_that_breaks_a_rule_is_422_and_leaves_it_open(login, villages):
    volunteer, police, admin = login("vol.qt1"), login("police.qt"), login("admin.qt")
    rid = _record(volunteer, villages["Thôn 1"])
    police.push_ok([update(rid, 1, {"phone": "0987654321"})])
    [result] = volunteer.push_ok([update(rid, 1, {"phone": "0911111111"})])
    response = admin.post(
        f"/conflicts/{result['conflict_id']}/resolve", json={"base_version": 2, "values": {"phone": "12345"}}
    )
    assert response.status_code == 422 and "phone" in body_of(response)["error"]["fields"]
    assert body_of(admin.get(f"/conflicts/{result['conflict_id']}"))["state"] == "open"
    assert body_of(admin.get(f"/records/{rid}"))["has_conflict"] is True


# --------------------------------------------------------------------------------------------
# Users


def test_a_new_user_logs_in_with_the_role_and_villages_given(login, villages):
    admin = login("admin.qt")
    response = admin.post(
        "/users",
        json={
            "username": "vol.qt9",
            "password": "mat-khau-moi-9",
            "full_name": "Phạm Văn Chín",
            "role": "volunteer",
            "village_ids": [villages["Thôn 4"]],
        },
    )
    assert response.status_code == 201, body_of(response)
    created = body_of(response)
    assert created["village_ids"] == [villages["Thôn 4"]] and created["active"] is True
    newcomer = login("vol.qt9", password="mat-khau-moi-9")
    assert newcomer.user["role"] == "volunteer" and newcomer.user["village_ids"] == [villages["Thôn 4"]]
    _record(newcomer, villages["Thôn 4"])
    taken = admin.post(
        "/users", json={"username": "vol.qt9", "password": "mat-khau-moi-9", "full_name": "X", "role": "volunteer"}
    )
    assert taken.status_code == 409 and body_of(taken)["error"]["code"] == "username_taken"
    assert (
        admin.post(
            "/users", json={"username": "x.y", "password": "ngan", "full_name": "X", "role": "volunteer"}
        ).status_code
        == 422
    )


def test_a_new_role_takes_effect_at_once_without_logging_in_again(login, villages):
    admin, volunteer = login("admin.qt"), login("vol.qt3")
    rid = _record(login("vol.qt1"), villages["Thôn 1"])
    assert volunteer.get(f"/records/{rid}").status_code == 404
    assert admin.request("PATCH", f"/users/{volunteer.user['id']}", json={"role": "police"}).status_code == 200
    assert volunteer.get(f"/records/{rid}").status_code == 200
    review = volunteer.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    assert review.status_code == 200, body_of(review)
    assert admin.request("PATCH", f"/users/{volunteer.user['id']}", json={"role": "volunteer"}).status_code == 200
    assert volunteer.get(f"/records/{rid}").status_code == 404
    assert volunteer.post("/records/review", json={"ids": [rid], "action": "approve"}).status_code == 403


def test_new_villages_take_effect_at_once_and_must_be_the_communes(login, villages):
    admin, volunteer = login("admin.qt"), login("vol.qt3")
    uid = volunteer.user["id"]
    response = admin.request("PATCH", f"/users/{uid}", json={"village_ids": [villages["Thôn 4"], villages["Thôn 5"]]})
    assert response.status_code == 200 and body_of(response)["village_ids"] == [villages["Thôn 4"], villages["Thôn 5"]]
    _record(volunteer, villages["Thôn 5"])
    [result] = volunteer.push_ok([volunteer.create("vneid_activation", villages["Thôn 3"], vneid_data())])
    assert result["error"]["code"] == "village_not_allowed"
    for bad in ([villages["Thôn Đông"]], [villages["Thôn 4"], 999999]):
        response = admin.request("PATCH", f"/users/{uid}", json={"village_ids": bad})
        assert response.status_code == 422 and "village_ids" in body_of(response)["error"]["fields"], bad
    assert body_of(volunteer.get("/auth/me"))["village_ids"] == [villages["Thôn 4"], villages["Thôn 5"]]


def test_a_disabled_user_can_neither_use_old_tokens_nor_log_in_until_enabled(login, client):
    admin, volunteer = login("admin.qt"), login("vol.qt1")
    uid = volunteer.user["id"]
    assert admin.request("PATCH", f"/users/{uid}", json={"active": False}).status_code == 200
    for token in (volunteer.access_token, volunteer.refresh_token):
        path = "/auth/me" if token == volunteer.access_token else "/auth/refresh"
        response = volunteer.request("GET" if path == "/auth/me" else "POST", path, token=token)
        assert response.status_code == 401, path
    login_again = client.post(
        "/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": volunteer.device_id}
    )
    assert login_again.status_code == 401
    assert admin.request("PATCH", f"/users/{uid}", json={"active": True}).status_code == 200
    assert login("vol.qt1").get("/auth/me").status_code == 200
    own = admin.request("PATCH", f"/users/{admin.user['id']}", json={"active": False})
    assert own.status_code == 409 and body_of(own)["error"]["code"] == "cannot_change_self"


def test_a_password_reset_ends_every_session_and_the_old_password(login, client):
    admin, phone, tablet = login("admin.qt"), login("vol.qt1"), login("vol.qt1")
    response = admin.request("PATCH", f"/users/{phone.user['id']}", json={"password": "mat-khau-moi-123"})
    assert response.status_code == 200
    assert phone.get("/auth/me").status_code == 401 and tablet.get("/auth/me").status_code == 401
    old = client.post(
        "/api/v1/auth/login", json={"username": "vol.qt1", "password": PASSWORD, "device_id": phone.device_id}
    )
    assert old.status_code == 401
    assert login("vol.qt1", password="mat-khau-moi-123").get("/auth/me").status_code == 200
    [entry] = body_of(admin.get("/audit", query_string={"action": "user.update", "target_id": str(phone.user["id"])}))[
        "items"
    ]
    assert entry["details"] == {"password": "***"} and entry["user_id"] == admin.user["id"]


# --------------------------------------------------------------------------------------------
# Villages and devices


def test_villages_are_created_renamed_and_deactivated(login, villages):
    admin, volunteer = login("admin.qt"), login("vol.qt3")
    response = admin.post("/villages", json={"name": "Thôn 6"})
    assert response.status_code == 201
    village = body_of(response)
    assert village["active"] is True and village["commune_id"] == admin.user["commune_id"]
    duplicate = admin.post("/villages", json={"name": "Thôn 6"})
    assert duplicate.status_code == 409 and body_of(duplicate)["error"]["code"] == "village_exists"
    renamed = admin.request("PATCH", f"/villages/{village['id']}", json={"name": "Thôn Sáu"})
    assert body_of(renamed)["name"] == "Thôn Sáu"
    admin.request("PATCH", f"/users/{volunteer.user['id']}", json={"village_ids": [villages["Thôn 3"], village["id"]]})
    existing = _record(volunteer, village["id"])

    off = admin.request("PATCH", f"/villages/{village['id']}", json={"active": False})
    assert off.status_code == 200 and body_of(off)["active"] is False
    listed = {v["id"]: v for v in body_of(admin.get("/villages"))}
    assert listed[village["id"]] == {**village, "name": "Thôn Sáu", "active": False}
    assert {v["id"]: v["active"] for v in body_of(volunteer.get("/auth/me"))["villages"]}[village["id"]] is False
    # No new records in a village that is no longer active; the ones it has stay, and can be corrected.
    for caller in (volunteer, admin):
        [result] = caller.push_ok([caller.create("vneid_activation", village["id"], vneid_data())])
        assert result["status"] == "rejected" and result["error"]["code"] == "village_not_allowed", result
    assert volunteer.push_ok([update(existing, 1, {"notes": "bổ sung"})])[0]["status"] == "applied"
    assert existing in {r["id"] for r in body_of(admin.get("/records"))["items"]}
    admin.request("PATCH", f"/villages/{village['id']}", json={"active": True})
    assert (
        volunteer.push_ok([volunteer.create("vneid_activation", village["id"], vneid_data())])[0]["status"] == "applied"
    )
    actions = [
        e["action"]
        for e in body_of(admin.get("/audit", query_string={"target_type": "village", "target_id": str(village["id"])}))[
            "items"
        ]
    ]
    assert actions == ["village.update", "village.update", "village.update", "village.create"]


def test_the_device_list_shows_owner_sync_and_revocation(login):
    admin, volunteer = login("admin.qt"), login("vol.qt1")
    volunteer.post(
        "/sync/push",
        json={"device_id": volunteer.device_id, "mutations": [], "app_version": "2.0.1", "pending_count": 3},
    )
    volunteer.pull()
    [device] = [d for d in body_of(admin.get("/devices")) if d["device_id"] == volunteer.device_id]
    assert device["owner"]["username"] == "vol.qt1" and device["owner"]["full_name"]
    assert (device["app_version"], device["pending_count"], device["revoked"]) == ("2.0.1", 3, False)
    assert device["last_sync_at"]
    first = admin.post(f"/devices/{volunteer.device_id}/revoke")
    again = admin.post(f"/devices/{volunteer.device_id}/revoke")
    assert body_of(first)["revoked"] is True and again.status_code == 200 and body_of(again)["revoked"] is True
    assert body_of(volunteer.get("/records"))["error"]["code"] == "device_revoked"
    entries = body_of(admin.get("/audit", query_string={"action": "device.revoke"}))["items"]
    assert [(e["target_id"], e["user_id"]) for e in entries] == [(volunteer.device_id, admin.user["id"])]


# --------------------------------------------------------------------------------------------
# The audit log


def test_the_audit_log_keeps_every_read_export_review_and_change_and_filters_them(login, villages):
    admin, police, volunteer = login("admin.qt"), login("police.qt"), login("vol.qt1")
    rid = _record(volunteer, villages["Thôn 1"])
    volunteer.get(f"/records/{rid}")  # a volunteer's own reads are not audited
    police.get(f"/records/{rid}")
    police.get("/records", query_string={"review_state": "submitted"})
    police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    assert police.get("/reports/export?format=csv").status_code == 200
    admin.request("PATCH", f"/users/{volunteer.user['id']}", json={"full_name": "Tên mới"})

    def entries(**query):
        return body_of(admin.get("/audit", query_string={"per_page": 200, **query}))["items"]

    by_police = [(e["action"], e["target_id"]) for e in entries(user_id=police.user["id"])]
    assert by_police[:4] == [
        ("report.export", str(police.user["commune_id"])),
        ("record.review", rid),
        ("records.list", None),
        ("record.view", rid),
    ], by_police
    assert [e["action"] for e in entries(target_id=rid)] == ["record.review", "record.view"]
    [review] = entries(action="record.review")
    assert review["details"]["action"] == "approve" and review["details"]["version"] == 2
    assert review["at"] and review["user_id"] == police.user["id"]
    assert [e["details"] for e in entries(action="user.update")] == [
        {"full_name": "Tên mới", "before": {"full_name": "Nguyễn Thị Lan"}}
    ]
    assert not [e for e in entries() if e["user_id"] == volunteer.user["id"] and e["action"] == "record.view"]
    assert entries(action="records.list")[0]["details"]["review_state"] == "submitted"
    for method in ("PUT", "PATCH", "DELETE"):
        response = admin.request(method, "/audit", json={})
        assert response.status_code == 405, method
    assert len(entries(target_id=rid)) == 2
