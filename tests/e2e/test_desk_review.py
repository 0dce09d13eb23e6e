"""The review loop across two browsers: vol.qt1 records a VNeID activation offline on her phone,
police.qt reviews it at a desk and asks for changes, the volunteer sees the remark on the phone,
fixes the record and resyncs, police.qt sees the fix and its history and approves, and the
phone ends with an approved record she can no longer edit."""

from playwright.sync_api import expect

from tests.e2e.desk import desk, open_queue, queue_row
from tests.e2e.steps import (
    REVIEWER,
    expect_unsent,
    fill_form,
    log_in,
    save_new_record,
    tag,
    wait_for_service_worker,
)
from tests.helpers import vneid_data

COMMENT = "Số điện thoại chưa đúng: đề nghị gọi lại cho bà Hằng để xác nhận số chính chủ."


def test_police_asks_for_changes_the_volunteer_fixes_offline_work_and_police_approves(phone, live_app, api, browser):
    reviewer = api(REVIEWER)
    forms = reviewer.get("/forms")
    mark = tag()
    data = vneid_data(
        full_name=f"Đỗ Thị Hằng {mark}",
        personal_id="036188004322",
        date_of_birth="1988-07-21",
        phone="0978123456",
        level=1,
    )

    # The volunteer records it with no network; it goes when the network returns.
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    phone.set_offline(True)
    record_id = save_new_record(page, forms, "vneid_activation", data)
    detail = page.locator(".record-detail")
    expect(detail).to_have_attribute("data-state", "pending")
    expect_unsent(page, 1)
    phone.set_offline(False)  # the app syncs by itself on the online event
    expect(detail).to_have_attribute("data-state", "synced")
    expect_unsent(page, 0)

    with desk(browser, live_app, REVIEWER) as police:
        # The queue finds it by name; the review screen shows every field.
        rows = open_queue(police, mark)
        expect(rows).to_have_count(1)
        expect(queue_row(police, record_id)).to_have_attribute("data-state", "submitted")
        queue_row(police, record_id).locator("a").click()
        review = police.locator("section#review")
        expect(review).to_have_attribute("data-id", record_id)
        expect(review).to_have_attribute("data-version", "1")
        expect(police.locator('#review-fields tr[data-field="full_name"]')).to_contain_text(data["full_name"])
        expect(police.locator('#review-fields tr[data-field="phone"]')).to_contain_text("0978")

        # Asking for changes needs a comment.
        police.click("#action-needs_changes")
        expect(police.locator("#review-error")).not_to_be_empty()
        expect(review).to_be_visible()
        police.fill("#review-comment-input", COMMENT)
        police.click("#action-needs_changes")
        # At a desk the queue stays beside the record, its row showing the record's new state.
        expect(police.locator("section#queue")).to_be_visible()
        expect(queue_row(police, record_id)).to_have_attribute("data-state", "needs_changes")
        assert reviewer.get(f"/records/{record_id}")["review_state"] == "needs_changes"

        # The phone gets the remark with its next sync, and she fixes the number.
        page.click("#sync-now")
        expect(detail).to_have_attribute("data-state", "needs_changes")
        expect(page.locator("#review-comment")).to_contain_text(COMMENT)
        page.click("#edit-record")
        expect(page.locator("#f-phone")).to_have_value(data["phone"])
        fill_form(page, forms, "vneid_activation", {"phone": "0868555123"})
        page.click("#save-record")
        expect(detail).to_have_attribute("data-id", record_id)
        expect(detail).to_have_attribute("data-state", "synced")
        expect(page.locator("#review-comment")).to_have_count(0)
        expect_unsent(page, 0)

        # Back in the queue as submitted, with the new number and the edit in the history.
        rows = open_queue(police, mark)
        expect(rows).to_have_count(1)
        expect(queue_row(police, record_id)).to_have_attribute("data-state", "submitted")
        queue_row(police, record_id).locator("a").click()
        expect(review).to_have_attribute("data-version", "3")
        expect(police.locator('#review-fields tr[data-field="phone"]')).to_contain_text("0868")
        history = police.locator("#review-history > li")
        expect(history).to_have_count(3)
        newest = history.first
        expect(newest).to_have_attribute("data-version", "3")
        expect(newest.locator(".changes")).to_contain_text("0868")  # what the edit changed
        expect(history.nth(1)).to_contain_text(COMMENT)  # the remark that asked for it
        expect(history.nth(2)).to_have_attribute("data-version", "1")
        police.click("#action-approve")
        expect(queue_row(police, record_id)).to_have_attribute("data-state", "approved")

        # Every state: the approved record is there too.
        rows = open_queue(police, mark, every_state=True)
        expect(rows).to_have_count(1)
        expect(queue_row(police, record_id)).to_have_attribute("data-state", "approved")

    # Approved: the phone shows it and no longer offers to edit it.
    page.click("#sync-now")
    expect(detail).to_have_attribute("data-state", "approved")
    expect(page.locator("#edit-record")).to_have_count(0)
    expect_unsent(page, 0)

    record = reviewer.get(f"/records/{record_id}")
    assert record["review_state"] == "approved"
    assert record["data"] == {**data, "phone": "0868555123"}
    assert record["version"] == 4
    assert [(v["action"], v["user"]["username"]) for v in record["history"]] == [
        ("create", "vol.qt1"),
        ("review", "police.qt"),
        ("update", "vol.qt1"),
        ("review", "police.qt"),
    ]
    assert record["history"][1]["review_comment"] == COMMENT
    assert record["history"][2]["changed"] == ["phone"]
    assert not record["has_conflict"]
