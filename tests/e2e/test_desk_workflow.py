"""A death case moved along its workflow at the desk, from the type's declared workflow
(server/forms/death_check.py): police.qt verifies a case, is told which field the next state
needs when it is left empty, then issues the certificate, and the server holds each move."""

from playwright.sync_api import expect

from tests.e2e.desk import desk
from tests.e2e.steps import REVIEWER, THON_1, eventually, tag
from tests.helpers import correction_data, death_data, level2_data, update


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
        police.fill("#need-certificate_date", "30/11/2026")
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


def test_police_follow_a_level_two_file_and_a_data_correction_at_the_desk(live_app, api, browser):
    """The two other workflows, at the desk from their declarations alone: a level 2 file from
    appointment to activation, and a data correction verified then corrected."""
    volunteer, reviewer = api("vol.qt1"), api(REVIEWER)
    mark = tag()
    level2 = volunteer.caller.create("vneid_level2_file", THON_1, level2_data(full_name=f"Đinh Thị Ngọc {mark}"))
    correction = volunteer.caller.create(
        "data_correction", THON_1, correction_data(citizen_name=f"Phạm Văn Đông {mark}")
    )
    volunteer.caller.push_ok([level2, correction])

    def state(mutation):
        return reviewer.get(f"/records/{mutation['record_id']}")["data"]["status"]

    with desk(browser, live_app, REVIEWER) as police:
        controls = police.locator("#case-controls")
        for mutation, moves in (
            (level2, [("file_submitted", "Đã nộp hồ sơ"), ("approved", "Đã phê duyệt"), ("activated", "Đã kích hoạt")]),
            (correction, [("verified", "Đã xác minh"), ("corrected", "Đã chỉnh sửa trong CSDLQG về dân cư")]),
        ):
            for move, label in moves:
                police.goto(f"/#/review/{mutation['record_id']}")
                controls.locator(f'button[data-move="{move}"]').click()
                eventually(police, lambda m=mutation, s=move: state(m) == s, message=f"{move} on the server")
                police.goto(f"/#/review/{mutation['record_id']}")
                expect(controls.locator("h2")).to_contain_text(label)
        # Closed: its state, and no move left to offer.
        expect(controls).to_contain_text("Hồ sơ đã kết thúc")
        expect(controls.locator("button")).to_have_count(0)
