"""The reviewer's side reaches the phone: "needs changes" with its comment, and the
volunteer's edit goes back to the reviewer as submitted."""

from playwright.sync_api import expect

from tests.e2e.steps import (
    REVIEWER,
    eventually,
    expect_unsent,
    log_in,
    save_new_record,
    server_records,
    tag,
)
from tests.helpers import vneid_data

COMMENT = "Đề nghị kiểm tra lại số điện thoại: công dân cho biết số chính chủ là số khác."


def test_needs_changes_shows_its_comment_on_the_phone_and_the_edit_goes_back_submitted(phone, live_app, api):
    reviewer = api(REVIEWER)
    forms = reviewer.get("/forms")
    mark = tag()
    data = vneid_data(
        full_name=f"Đỗ Thị Hằng {mark}",
        personal_id="036188004321",
        date_of_birth="1988-07-21",
        phone="0978123456",
        level=1,
    )
    page = log_in(phone, live_app)
    record_id = save_new_record(page, forms, "vneid_activation", data)
    detail = page.locator(".record-detail")
    expect(detail).to_have_attribute("data-state", "synced")

    reviewed = reviewer.review(record_id, "needs_changes", comment=COMMENT)
    assert reviewed["review_state"] == "needs_changes"

    page.click("#sync-now")
    expect(detail).to_have_attribute("data-state", "needs_changes")
    expect(page.locator("#review-comment")).to_contain_text(COMMENT)
    page.click("#nav-home")
    expect(page.locator("#attention")).to_be_visible()  # home says a record waits for her
    page.goto(f"/#/record/{record_id}")

    page.click("#edit-record")
    expect(page.locator("#f-phone")).to_have_value(data["phone"])
    page.fill("#f-phone", "0868 555 123")  # typed with a space, as people do
    page.click("#save-record")
    expect(detail).to_have_attribute("data-id", record_id)
    expect(detail).to_have_attribute("data-state", "synced")
    expect(page.locator("#review-comment")).to_have_count(0)
    expect_unsent(page, 0)

    def resubmitted():
        found = server_records(reviewer, "vneid_activation", mark)
        return found if found and found[0]["review_state"] == "submitted" else None

    found = eventually(page, resubmitted, message="the edited record back as submitted")
    assert [r["id"] for r in found] == [record_id]
    assert found[0]["data"] == {**data, "phone": "0868555123"}
    assert found[0]["version"] == reviewed["version"] + 1
