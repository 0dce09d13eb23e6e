"""The report a commune sends to its province, on screen: police.qt writes and sends October
2026's report on a phone at 360 px; province.th, at a desk at 1280 px, finds Phường Quang Trung
sent and Xã Cẩm Tân not on the board, opens the report and returns it with a comment; police.qt
reads the comment and sends version 2; the province reads version 2 with version 1 still there,
and downloads the roll-up, one row per commune. First padmin.th sets deadlines and a target (the
board's bar for Xã Cẩm Tân).
Each screen is saved at 360 and 1280 px (full page) in a temporary folder, printed at the end."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.desk import desk, redrawn
from tests.e2e.steps import tag

PERIOD = "2026-10"
QUANG_TRUNG = "Phường Quang Trung"
CAM_TAN = "Xã Cẩm Tân"


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-upward-screens")
    yield folder
    print(f"\nscreenshots: {folder}")


def shoot(page, folder, name):
    """The whole page at its width and at the other one (360 or 1280 px)."""
    size = page.viewport_size
    for width in (size["width"], 1280 if size["width"] < 720 else 360):
        page.set_viewport_size({"width": width, "height": size["height"]})
        page.wait_for_timeout(100)
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def open_upward(page, period):
    page.click("#nav-upward")
    expect(page.locator("#upward")).to_be_visible()
    page.select_option("#report-period", period)
    expect(page.locator(f'#upward[data-period="{period}"]')).to_be_visible()


def send(page):
    page.click("#send-report")
    expect(page.locator("#confirm-dialog")).to_contain_text("Sau khi gửi, số liệu được giữ nguyên như lúc gửi")
    page.click("#confirm-yes")


def board_row(page, name):
    return page.locator("#board-table tbody tr", has_text=name)


def test_the_province_admin_sets_deadlines_and_targets(browser, live_app, shots):
    with desk(browser, live_app, "padmin.th", 1280) as admin:
        admin.click("#nav-deadlines")
        expect(admin.locator("#plan")).to_be_visible()
        admin.fill("#due-day", "18")
        admin.select_option("#deadline-period", "2026-Q3")
        admin.fill("#deadline-date", "25/10/2026")
        admin.click("#add-deadline")
        expect(admin.locator("#period-deadlines")).to_contain_text("quý III/2026: 25/10/2026")
        redrawn(admin, lambda: admin.click("#deadlines-form button[type=submit]"), "#plan")
        expect(admin.locator("#due-day")).to_have_value("18")
        expect(admin.locator("#period-deadlines")).to_contain_text("quý III/2026")

        admin.select_option("#plan-measure", "vneid_activated")
        admin.select_option("#plan-where", label=CAM_TAN)
        admin.fill("#plan-period", "2026")
        admin.fill("#plan-value", "450")
        redrawn(admin, lambda: admin.click("#target-form button[type=submit]"), "#plan")
        expect(admin.locator("#targets-table tr", has_text=CAM_TAN)).to_contain_text("450")
        shoot(admin, shots, "9-province-plan")
        admin.click("#nav-home")
        expect(admin.locator("#board")).to_be_visible()
        assert re.search(r"#/?$", admin.url)


def test_a_report_goes_up_comes_back_and_goes_up_again(browser, live_app, api, shots):
    mark = tag()
    results = f"Kết quả tháng 10: hỗ trợ kích hoạt VNeID cho 120 người dân. {mark}"
    with desk(browser, live_app, "police.qt", 360) as police:
        open_upward(police, PERIOD)
        expect(police.locator("#report-form")).to_be_visible()
        police.fill("#report-results", results)
        police.fill("#report-difficulties", "Sóng yếu ở Thôn 3.")
        police.fill("#report-proposals", "Đề nghị tỉnh hỗ trợ thêm thiết bị.")
        expect(police.locator("#draft-state")).to_contain_text("Đã giữ bản nháp")
        shoot(police, shots, "1-commune-writes")
        # The draft stays on the device: a reload finds the words again.
        police.reload()
        expect(police.locator("#report-results")).to_have_value(results)
        send(police)
        expect(police.locator("#submission")).to_have_attribute("data-status", "submitted")
        expect(police.locator("#submission .report-meta")).to_contain_text("Đã gửi")
        expect(police.locator("#report-history li", has_text="tháng 10/2026")).to_be_visible()
        shoot(police, shots, "2-commune-sent")

        # Offline, the next report can still be written: the words wait on the device.
        police.context.set_offline(True)
        police.select_option("#report-period", "2026-09")
        expect(police.locator('#upward[data-period="2026-09"] .notice')).to_contain_text("Ngoại tuyến")
        police.fill("#report-results", f"Tháng 9, viết khi mất sóng. {mark}")
        expect(police.locator("#draft-state")).to_contain_text("Đã giữ bản nháp")
        police.context.set_offline(False)
        police.reload()
        expect(police.locator("#report-results")).to_have_value(f"Tháng 9, viết khi mất sóng. {mark}")

    with desk(browser, live_app, "province.th", 1280) as province:
        # The province's home is the board; no notebook, nothing to sync.
        expect(province.locator("#board")).to_be_visible()
        expect(province.locator("#nav-records")).to_have_count(0)
        expect(province.locator("#unsent-count")).to_have_count(0)
        province.select_option("#board-period", PERIOD)
        expect(province.locator(f'#board[data-period="{PERIOD}"]')).to_be_visible()
        expect(board_row(province, QUANG_TRUNG).locator(".status-badges")).to_contain_text("Đã gửi")
        expect(board_row(province, CAM_TAN).locator(".status-badges")).to_contain_text("Chưa gửi")
        expect(province.locator("#board-summary")).to_contain_text("chưa gửi")
        shoot(province, shots, "3-province-board")

        board_row(province, QUANG_TRUNG).locator("a").focus()
        province.keyboard.press("Enter")
        expect(province.locator("#province-report")).to_contain_text(results)
        shoot(province, shots, "4-province-report")
        province.click("#return-report")
        province.fill("#return-comment", "Bổ sung số liệu thôn 3 và nêu rõ số thiết bị cần hỗ trợ.")
        shoot(province, shots, "5-province-returns")
        province.click("#confirm-return")
        expect(province.locator("#submission")).to_have_attribute("data-status", "returned")
        expect(province.locator("#report-live")).to_contain_text("Đã trả lại")

    with desk(browser, live_app, "police.qt", 360) as police:
        open_upward(police, PERIOD)
        expect(police.locator("#return-notice")).to_contain_text("Bổ sung số liệu thôn 3")
        shoot(police, shots, "6-commune-returned")
        police.click("#start-resend")
        # The new version starts from the words last sent.
        expect(police.locator("#report-results")).to_have_value(results)
        police.fill("#report-results", f"{results} Thôn 3: 25 người.")
        send(police)
        expect(police.locator("#submission")).to_have_attribute("data-version", "2")
        expect(police.locator("#submission")).to_have_attribute("data-status", "submitted")
        shoot(police, shots, "7-commune-sent-again")

    # The commune's working group sends reports too, and reads what the police sent.
    with desk(browser, live_app, "admin.qt", 360) as admin:
        open_upward(admin, PERIOD)
        expect(admin.locator("#submission")).to_have_attribute("data-version", "2")
        shoot(admin, shots, "7b-commune-admin")

    with desk(browser, live_app, "province.th", 1280) as province:
        expect(province.locator("#board")).to_be_visible()
        default_period = province.locator("#board").get_attribute("data-period")
        province.select_option("#board-period", PERIOD)
        row = board_row(province, QUANG_TRUNG)
        expect(row.locator(".status-badges")).to_contain_text("Đã gửi")
        row.locator("td").first.click()
        expect(province.locator("#submission")).to_have_attribute("data-version", "2")
        expect(province.locator("#submission .narrative-text").first).to_contain_text("Thôn 3: 25 người.")
        earlier = province.locator('#versions details[data-version="1"]')
        earlier.locator("summary").click()
        expect(earlier.locator(".narrative-text").first).to_have_text(results)
        expect(earlier).to_contain_text("Bổ sung số liệu thôn 3")
        shoot(province, shots, "8-province-version-2")

        # Offline, a board already seen on this device, marked as the last one fetched.
        province.click("#nav-home")
        expect(province.locator("#board")).to_be_visible()
        province.context.set_offline(True)
        province.select_option("#board-period", default_period)
        expect(province.locator(f'#board[data-period="{default_period}"] #board-cached')).to_contain_text("Ngoại tuyến")
        province.context.set_offline(False)
        province.select_option("#board-period", PERIOD)
        expect(province.locator(f'#board[data-period="{PERIOD}"]')).to_be_visible()
        with province.expect_download() as download:
            province.click("#rollup-xlsx")
        assert download.value.suggested_filename == f"tong-hop-{PERIOD}.xlsx"
        sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True).active
        rows = [row for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], int)]
        communes = api("province.th").get("/reports/rollup", period=PERIOD)["communes"]
        assert [r[2] for r in rows] == [c["commune_name"] for c in communes]
        assert {QUANG_TRUNG, CAM_TAN} <= {r[2] for r in rows}
