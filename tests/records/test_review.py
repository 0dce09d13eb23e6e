"""PROTOCOL.md §5: review actions with base_version, comments, bulk review; the record list and history."""

from tests.helpers import body_of, propaganda_data, update, vneid_data


def _record(login, villages, **data):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(**data))
    volunteer.push_ok([mutation])
    return volunteer, mutation["record_id"]


def test_police_approve_with_the_current_version(login, villages):
    _, rid = _record(login, villages)
    police = login("police.qt")
    response = police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 200
    record = body_of(response)
    assert record["review_state"] == "approved" and record["version"] == 2


def test_a_stale_review_is_409_with_the_current_version(login, villages):
    volunteer, rid = _record(login, villages)
    volunteer.push_ok([update(rid, 1, {"phone": "0987654321"})])
    police = login("police.qt")
    response = police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 409
    error = body_of(response)["error"]
    assert error["code"] == "stale_version" and "2" in error["message"]


def test_asking_for_changes_or_rejecting_needs_a_comment(login, villages):
    _, rid = _record(login, villages)
    police = login("police.qt")
    for action in ("needs_changes", "reject"):
        for comment in (None, "", "   "):
            response = police.post(
                f"/records/{rid}/review", json={"action": action, "comment": comment, "base_version": 1}
            )
            assert response.status_code == 422
            assert "comment" in body_of(response)["error"]["fields"]


def test_the_reviewers_comment_reaches_the_author_by_pull(login, villages):
    volunteer, rid = _record(login, villages)
    _, cursor, _ = volunteer.pull_all()
    police = login("police.qt")
    police.post(
        f"/records/{rid}/review",
        json={"action": "needs_changes", "comment": "Số CCCD chưa đúng, kiểm tra lại", "base_version": 1},
    )
    records, _, _ = volunteer.pull_all(cursor)
    assert records[rid]["review_state"] == "needs_changes"
    assert records[rid]["review_comment"] == "Số CCCD chưa đúng, kiểm tra lại"


def test_transitions_follow_the_table(login, villages):
    _, rid = _record(login, villages)
    police = login("police.qt")
    police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    again = police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 2})
    assert again.status_code == 409 and body_of(again)["error"]["code"] == "invalid_transition"
    assert body_of(again)["error"]["message"] == "Không thể duyệt bản ghi đang ở trạng thái «Đã duyệt»"
    reopened = police.post(
        f"/records/{rid}/review", json={"action": "needs_changes", "comment": "Mở lại để bổ sung", "base_version": 2}
    )
    assert reopened.status_code == 200 and body_of(reopened)["review_state"] == "needs_changes"


def test_volunteers_and_village_staff_cannot_review(login, villages):
    _, rid = _record(login, villages)
    for username in ("vol.qt1", "staff.qt"):
        response = login(username).post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
        assert response.status_code == 403


def test_bulk_review_answers_per_record(login, villages):
    volunteer = login("vol.qt1")
    mutations = [volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data()) for _ in range(3)]
    volunteer.push_ok(mutations)
    ids = [m["record_id"] for m in mutations]
    police = login("police.qt")
    police.post(f"/records/{ids[0]}/review", json={"action": "approve", "base_version": 1})
    response = police.post("/records/review", json={"ids": ids + ["no-such-record"], "action": "approve"})
    assert response.status_code == 200
    results = {r["id"]: r for r in body_of(response)["results"]}
    assert results[ids[0]]["status"] == "error" and results[ids[0]]["error"]["code"] == "invalid_transition"
    assert results[ids[1]]["status"] == "ok" and results[ids[1]]["record"]["review_state"] == "approved"
    assert results[ids[2]]["record"]["version"] == 2
    assert results["no-such-record"]["error"]["code"] == "not_found"


def test_history_shows_every_version_with_author_device_and_changed_fields(login, villages):
    volunteer, rid = _record(login, villages)
    volunteer.push_ok([update(rid, 1, {"phone": "0987654321", "notes": "Gọi lại sau"})])
    police = login("police.qt")
    police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 2})
    record = police.get(f"/records/{rid}").get_json()
    history = record["history"]
    assert [(v["version"], v["action"]) for v in history] == [(1, "create"), (2, "update"), (3, "review")]
    assert history[1]["changed"] == ["notes", "phone"]
    assert history[1]["user"]["username"] == "vol.qt1" and history[1]["device_id"] == volunteer.device_id
    assert history[2]["user"]["username"] == "police.qt" and history[2]["review_state"] == "approved"
    assert len({v["hash"] for v in history}) == 3


def test_every_view_of_a_record_by_police_or_admin_is_audited(login, villages):
    _, rid = _record(login, villages)
    police, admin = login("police.qt"), login("admin.qt")
    police.get(f"/records/{rid}")
    entries = admin.get("/audit?action=record.view").get_json()["items"]
    assert [(e["user_id"], e["target_id"]) for e in entries] == [(police.user["id"], rid)]


def test_the_list_filters_and_searches_without_diacritics(login, villages):
    volunteer = login("vol.qt1")
    volunteer.push_ok(
        [
            volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(full_name="Đặng Thị Hương")),
            volunteer.create(
                "vneid_activation",
                villages["Thôn 2"],
                vneid_data(
                    full_name="Lê Văn Tám", personal_id="038085012345", date_of_birth="1985-02-03", gender="nam"
                ),
            ),
            volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data()),
        ]
    )
    police = login("police.qt")
    assert police.get("/records?q=dang thi huong").get_json()["total"] == 1
    assert police.get("/records?q=Hương").get_json()["total"] == 1
    assert police.get("/records?q=038085").get_json()["items"][0]["data"]["full_name"] == "Lê Văn Tám"
    assert police.get("/records?type=propaganda_session").get_json()["total"] == 1
    assert police.get(f"/records?village_id={villages['Thôn 2']}").get_json()["total"] == 1
    page = police.get("/records?per_page=2&page=2").get_json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["page"] == 2
    assert police.get("/records?q=%25").get_json()["total"] == 0


def test_since_and_until_bound_the_creation_time_whatever_the_offset(login, villages):
    volunteer = login("vol.qt1")
    volunteer.push_ok([volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())])
    created = volunteer.get("/records").get_json()["items"][0]["created_at"]
    from datetime import datetime, timedelta

    at = datetime.fromisoformat(created.replace("Z", "+00:00"))
    in_hanoi = (at + timedelta(hours=7)).replace(tzinfo=None).isoformat() + "+07:00"
    just_after = (at + timedelta(hours=7, seconds=1)).replace(tzinfo=None).isoformat() + "+07:00"
    assert volunteer.get("/records", query_string={"since": in_hanoi}).get_json()["total"] == 1
    assert volunteer.get("/records", query_string={"since": just_after}).get_json()["total"] == 0
    assert volunteer.get("/records", query_string={"until": just_after}).get_json()["total"] == 1


def test_a_version_rewritten_outside_the_app_breaks_the_hash_chain(app, login, villages):
    from sqlalchemy import update as sql_update

    from server.extensions import db
    from server.models import RecordVersion

    volunteer, rid = _record(login, villages)
    volunteer.push_ok([update(rid, 1, {"phone": "0987654321"})])
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["verify-history"])
    assert clean.exit_code == 0, clean.output

    db.session.execute(
        sql_update(RecordVersion)
        .where(RecordVersion.record_id == rid, RecordVersion.version == 1)
        .values(data=vneid_data(full_name="Tên đã bị sửa"))
    )
    db.session.commit()
    tampered = runner.invoke(args=["verify-history"])
    assert tampered.exit_code != 0
    assert f"{rid} v1: content does not match its hash" in tampered.output
