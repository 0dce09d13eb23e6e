"""A death case moved along its workflow at the desk, from the type's declared workflow
(server/forms/death_check.py): police.qt verifies a case, is told which field the next state
needs when it is left empty, then issues the certificate, and the server holds each move."""

from playwright.sync_api import expect

from tests.e2e.desk import desk
from tests.e2e.steps import REVIEWER, THON_1, eventually, tag
from tests.helpers import death_data, update


def test_police_moves_a_death_case_and_is_asked_for_what_the_next_state_needs(live_app, api, browser):
    volunteer, reviewer = api("vol.qt1"), api(REVIEWER)
    mutation = volunteer.caller.create("death_check", THON_1, death_data(deceased_name=f"Ngô Văn Sáu {tag()}"))
    volunteer.caller.push_ok([mutation])
    record_id = mutation["record_id"]

    def status():
        return reviewer.get(f"/records/{record_id}")["data"]["case_status"]

    with desk(browser, live_app, REVIEWER) as police:
        police.goto(f"/#/review/{record_id}")
        controls = police.locator("#case-controls")
        expect(controls.locator("h2")).to_contain_text("Mới phát hiện")
        controls.locator('button[data-move="verified_unregistered"]').click()
        eventually(police, lambda: status() == "verified_unregistered", message="the verification on the server")

        police.goto(f"/#/review/{record_id}")
        expect(controls.locator("h2")).to_contain_text("Đã xác minh, chưa khai tử")
        controls.locator('button[data-move="certificate_issued"]').click()
        expect(police.locator("#review-error")).to_contain_text("Số giấy chứng tử")
        assert status() == "verified_unregistered"
        police.fill("#need-certificate_number", "31/2026/TP-KT")
        police.fill("#need-certificate_date", "2026-11-30")
        controls.locator('button[data-move="certificate_issued"]').click()
        eventually(police, lambda: status() == "certificate_issued", message="the certificate on the server")
    record = reviewer.get(f"/records/{record_id}")["data"]
    assert (record["certificate_number"], record["certificate_date"]) == ("31/2026/TP-KT", "2026-11-30")


def test_the_working_group_reopens_a_closed_case_at_the_desk_with_its_reason(live_app, api, browser):
    volunteer, police, admin = api("vol.qt1"), api(REVIEWER), api("admin.qt")
    mutation = volunteer.caller.create("death_check", THON_1, death_data(deceased_name=f"Lý Văn Bảy {tag()}"))
    volunteer.caller.push_ok([mutation])
    record_id = mutation["record_id"]
    police.caller.push_ok([update(record_id, 1, {"case_status": "already_registered"})])

    with desk(browser, live_app, "admin.qt") as page:
        page.goto(f"/#/review/{record_id}")
        page.click("#reopen")
        expect(page.locator("#review-error")).to_contain_text("Lý do mở lại hồ sơ")
        page.fill("#need-reopen_reason", "Sổ khai tử ghi nhầm người cùng tên")
        page.click("#reopen")
        eventually(
            page,
            lambda: admin.get(f"/records/{record_id}")["data"]["case_status"] == "reported",
            message="the case reopened on the server",
        )
    assert admin.get(f"/records/{record_id}")["data"]["reopen_reason"] == "Sổ khai tử ghi nhầm người cùng tên"
