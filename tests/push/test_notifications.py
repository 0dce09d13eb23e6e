"""DESIGN.md decision 11, PROTOCOL.md §9: who is notified of what, queued in the cause's transaction.

These tests look at the outbox rows, so the app does not send after the request here.
"""

import pytest
from sqlalchemy import event, func, select

from server.extensions import db
from server.models import Notification
from server.push import service
from tests.helpers import body_of, propaganda_data, update, vneid_data
from tests.push.conftest import notifications


@pytest.fixture
def queued_only(vapid):
    vapid["PUSH_SEND_AFTER_REQUEST"] = False
    return vapid


def _record(caller, villages, **data):
    mutation = caller.create("vneid_activation", villages["Thôn 1"], vneid_data(**data))
    caller.push_ok([mutation])
    return mutation["record_id"]


@pytest.mark.parametrize(
    "action, kind, title",
    [
        ("approve", "record_approved", "Bản ghi đã được duyệt"),
        ("needs_changes", "record_needs_changes", "Bản ghi cần bổ sung"),
        ("reject", "record_rejected", "Bản ghi bị từ chối"),
    ],
)
def test_each_review_action_queues_one_notification_to_the_author(
    queued_only, login, subscribed, villages, action, kind, title
):
    volunteer, _ = subscribed("vol.qt1")
    rid = _record(volunteer, villages, full_name="Nguyễn Thị Lan")
    comment = "Số điện thoại chưa đúng, gọi lại cho chị Lan để xác nhận" if action != "approve" else None
    response = login("police.qt").post(
        f"/records/{rid}/review", json={"action": action, "comment": comment, "base_version": 1}
    )
    assert response.status_code == 200
    [row] = notifications()
    assert (row.user_id, row.kind, row.attempts, row.sent_at) == (volunteer.user["id"], kind, 0, None)
    assert row.next_attempt_at is not None
    expected_body = "Nguyễn Thị Lan" + (f": {comment}" if comment else "")
    assert row.payload == {
        "kind": kind,
        "title": title,
        "body": expected_body,
        "url": f"/#/record/{rid}",
        "record_id": rid,
    }


def test_the_payload_carries_the_name_and_comment_but_no_personal_id_or_phone(queued_only, login, subscribed, villages):
    volunteer, _ = subscribed("vol.qt1")
    rid = _record(volunteer, villages, personal_id="038190012345", phone="0912345678")
    login("police.qt").post(
        f"/records/{rid}/review",
        json={"action": "needs_changes", "comment": "Kiểm tra lại " + "rất " * 100, "base_version": 1},
    )
    [row] = notifications()
    text = str(row.payload)
    assert "038190012345" not in text and "0912345678" not in text
    assert row.payload["body"].endswith("…") and len(row.payload["body"]) <= service.BODY_MAX
    assert set(row.payload) == {"kind", "title", "body", "url", "record_id"}


def test_a_record_naming_nobody_is_named_by_its_type(queued_only, login, subscribed, villages):
    volunteer, _ = subscribed("vol.qt1")
    mutation = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    volunteer.push_ok([mutation])
    login("police.qt").post(f"/records/{mutation['record_id']}/review", json={"action": "approve", "base_version": 1})
    [row] = notifications()
    assert row.payload["body"] == "Buổi tuyên truyền"


def test_every_subscription_of_the_author_gets_one_and_nobody_else(queued_only, login, subscribed, villages):
    volunteer, _ = subscribed("vol.qt1")
    _, _ = subscribed("vol.qt1")  # the same volunteer's second phone
    subscribed("vol.qt2")
    subscribed("police.qt")
    rid = _record(volunteer, villages)
    login("police.qt").post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    rows = notifications()
    assert len(rows) == 2 and {r.user_id for r in rows} == {volunteer.user["id"]}
    assert len({r.subscription_id for r in rows}) == 2


def test_an_author_without_a_subscription_gets_nothing_queued(queued_only, login, villages):
    volunteer = login("vol.qt1")
    rid = _record(volunteer, villages)
    assert (
        login("police.qt").post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1}).status_code
        == 200
    )
    assert notifications() == []


def test_a_review_that_fails_queues_nothing(queued_only, login, subscribed, villages):
    volunteer, _ = subscribed("vol.qt1")
    rid = _record(volunteer, villages)
    police = login("police.qt")
    # Refused before anything is written: stale, or missing its comment.
    assert police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 9}).status_code == 409
    assert police.post(f"/records/{rid}/review", json={"action": "reject", "base_version": 1}).status_code == 422
    assert notifications() == []


def test_a_review_rolled_back_after_queueing_leaves_no_notification(
    queued_only, app, login, subscribed, villages, monkeypatch
):
    """The notification is written in the review's transaction: when that transaction fails after
    the row was queued, the row goes with it (an outbox written separately would be sent anyway)."""
    from server.review import routes

    volunteer, _ = subscribed("vol.qt1")
    rid = _record(volunteer, villages)

    seen_in_transaction = []

    class CommitFails:
        class session:  # noqa: N801 - stands in for db.session in the route
            @staticmethod
            def commit():
                # The row is there, in the review's open transaction...
                seen_in_transaction.append(db.session.execute(select(func.count()).select_from(Notification)).scalar())
                raise RuntimeError("the database went away at the commit")

    monkeypatch.setattr(routes, "db", CommitFails)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = login("police.qt").post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 500
    assert seen_in_transaction == [1]
    assert notifications() == []
    monkeypatch.undo()
    [record] = [r for r in volunteer.pull_all()[0].values()]
    assert record["review_state"] == "submitted"


def test_bulk_review_queues_one_per_record_for_its_author(queued_only, login, subscribed, villages):
    first, _ = subscribed("vol.qt1")
    second, _ = subscribed("vol.qt2")
    ids_first = [_record(first, villages, full_name=f"Người {i}") for i in range(3)]
    id_second = _record(second, villages, full_name="Lê Văn Hùng")
    police = login("police.qt")
    # One of them cannot be approved again: it answers an error and queues nothing.
    police.post(f"/records/{ids_first[0]}/review", json={"action": "approve", "base_version": 1})
    queued_before = len(notifications())
    response = police.post("/records/review", json={"ids": ids_first + [id_second], "action": "approve"})
    statuses = [r["status"] for r in body_of(response)["results"]]
    assert statuses == ["error", "ok", "ok", "ok"]
    rows = notifications()[queued_before:]
    assert sorted((r.user_id, r.payload["record_id"]) for r in rows) == sorted(
        [(first.user["id"], ids_first[1]), (first.user["id"], ids_first[2]), (second.user["id"], id_second)]
    )


def test_a_reviewer_reviewing_their_own_record_is_not_notified(queued_only, login, subscribed, villages):
    police, _ = subscribed("police.qt")
    rid = _record(police, villages)
    police.post(f"/records/{rid}/review", json={"action": "approve", "base_version": 1})
    assert notifications() == []


def _conflict(login, villages, **data):
    """Two devices of vol.qt1 change the same field differently: the second push opens a conflict."""
    phone_a, phone_b = login("vol.qt1"), login("vol.qt1")
    rid = _record(phone_a, villages, **data)
    phone_a.push_ok([update(rid, 1, {"phone": "0911111111"})])
    [result] = phone_b.push_ok([update(rid, 1, {"phone": "0922222222"})])
    assert result["status"] == "conflict"
    return rid, result["conflict_id"], phone_b


def test_a_conflict_opening_notifies_the_admins_of_that_commune_only(queued_only, login, subscribed, villages):
    admin, _ = subscribed("admin.qt")
    subscribed("admin.ch")
    subscribed("police.qt")
    subscribed("vol.qt2")
    rid, conflict_id, _ = _conflict(login, villages, full_name="Nguyễn Thị Lan")
    [row] = notifications()
    assert row.user_id == admin.user["id"] and row.kind == "conflict_opened"
    assert row.payload == {
        "kind": "conflict_opened",
        "title": "Xung đột đồng bộ cần giải quyết",
        "body": "Nguyễn Thị Lan — trường: phone",
        "url": f"/#/conflicts/{conflict_id}",
        "record_id": rid,
        "conflict_id": conflict_id,
    }


def test_many_conflicts_in_one_push_cost_two_statements_not_one_per_conflict(
    queued_only, app, login, subscribed, villages
):
    subscribed("admin.qt")
    subscribed("admin.qt")
    phone_a, phone_b = login("vol.qt1"), login("vol.qt1")
    creates = [phone_a.create("vneid_activation", villages["Thôn 1"], vneid_data()) for _ in range(40)]
    phone_a.push_ok(creates)
    phone_a.push_ok([update(m["record_id"], 1, {"phone": "0911111111"}) for m in creates])
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "notifications" in statement or "push_subscriptions" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        results = phone_b.push_ok([update(m["record_id"], 1, {"phone": "0922222222"}) for m in creates])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert {r["status"] for r in results} == {"conflict"}
    assert len(statements) <= 2, statements
    assert len(notifications(kind="conflict_opened")) == 80


def test_resolving_a_conflict_notifies_the_author(queued_only, login, subscribed, villages):
    author = login("vol.qt1")
    volunteer, _ = subscribed("vol.qt1", caller=author)
    rid, conflict_id, _ = _conflict(login, villages, full_name="Nguyễn Thị Lan")
    admin = login("admin.qt")
    response = admin.post(
        f"/conflicts/{conflict_id}/resolve", json={"base_version": 2, "values": {"phone": "0922222222"}}
    )
    assert response.status_code == 200, body_of(response)
    [row] = notifications(kind="conflict_resolved")
    assert row.user_id == volunteer.user["id"]
    assert row.payload["record_id"] == rid and row.payload["conflict_id"] == conflict_id
    assert row.payload["url"] == f"/#/record/{rid}" and row.payload["title"] == "Xung đột đã được giải quyết"


def test_the_police_digest_counts_new_records_since_the_last_one(queued_only, app, login, subscribed, villages):
    police, _ = subscribed("police.qt")
    subscribed("police.ch")
    volunteer = login("vol.qt1")
    for _ in range(3):
        _record(volunteer, villages)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["push-digest"])
    assert result.exit_code == 0, result.output
    [row] = notifications(kind="submissions_digest")
    assert row.user_id == police.user["id"]
    assert row.payload == {
        "kind": "submissions_digest",
        "title": "Bản ghi mới chờ duyệt",
        "body": "3 bản ghi mới được gửi lên kể từ lần thông báo trước",
        "url": "/#/review",
    }
    # Nothing new: nothing queued. Two more: a digest of two.
    runner.invoke(args=["push-digest"])
    assert len(notifications(kind="submissions_digest")) == 1
    _record(volunteer, villages)
    _record(volunteer, villages)
    runner.invoke(args=["push-digest"])
    assert [r.payload["body"][:1] for r in notifications(kind="submissions_digest")] == ["3", "2"]
