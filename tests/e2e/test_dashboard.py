"""The progress dashboard as the commune's working group uses it: admin.qt sets a target,
sees progress against it, downloads the month's report (which opens as a spreadsheet with
Vietnamese headers), and still sees the last figures with the network cut. Screenshots at
360 px and 1280 px are artifacts."""

import io

import openpyxl
from playwright.sync_api import expect

from server.forms.rules import today
from tests.e2e.conftest import PHONE, save_screenshot
from tests.e2e.steps import THON_1, log_in, tag, wait_for_service_worker
from tests.helpers import vneid_data


def approved_activations(api, count):
    """`count` VNeID activations by vol.qt1, approved by police.qt."""
    volunteer, police = api("vol.qt1"), api("police.qt")
    mark = tag()
    mutations = [
        volunteer.caller.create(
            "vneid_activation",
            THON_1,
            vneid_data(full_name=f"Phạm Văn Đức {mark} {n}", activity_date=today().isoformat()),
        )
        for n in range(count)
    ]
    volunteer.caller.push_ok(mutations)
    for mutation in mutations:
        police.review(mutation["record_id"], "approve")


def test_admin_sets_a_target_sees_progress_and_downloads_the_report(phone, live_app, api, browser):
    approved_activations(api, 3)
    page = log_in(phone, live_app, "admin.qt")
    wait_for_service_worker(page)
    page.click("#nav-dashboard")
    expect(page.locator("#dashboard")).to_be_visible()

    year = str(today().year)
    page.select_option("#target-measure", "vneid_activated")
    page.select_option("#target-village", "")
    page.fill("#target-period", year)
    page.fill("#target-value", "600")
    page.click("#target-form button[type=submit]")
    row = page.locator('#targets li.target[data-measure="vneid_activated"]', has_text="Toàn xã")
    expect(row).to_be_visible()

    # What the screen shows is what the server counts.
    progress = api("admin.qt").get("/reports/progress", period=today().isoformat()[:7])
    (target,) = [
        t
        for t in progress["targets"]
        if t["measure"] == "vneid_activated" and t["village_id"] is None and t["period"] == year
    ]
    assert target["value"] == 600 and target["actual"] >= 3
    expect(row).to_contain_text(f"{target['actual']} / 600")
    save_screenshot(page, "dashboard-360")

    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == f"bao-cao-{today().isoformat()[:7]}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
    assert "Tổng hợp" in workbook.sheetnames
    summary = "\n".join(str(cell) for row in workbook["Tổng hợp"].iter_rows(values_only=True) for cell in row if cell)
    assert "Quang Trung" in summary and "Cẩm Tân" not in summary

    # Offline, the last figures, marked as such.
    phone.set_offline(True)
    page.reload()
    expect(page.locator("#dash-as-of.notice")).to_be_visible()
    expect(row).to_contain_text(f"{target['actual']} / 600")
    phone.set_offline(False)

    desk = browser.new_context(
        base_url=live_app.url,
        **{**PHONE, "viewport": {"width": 1280, "height": 900}, "is_mobile": False, "device_scale_factor": 1},
    )
    try:
        wide = desk.new_page()
        wide.goto("/")
        wide.fill("#username", "admin.qt")
        wide.fill("#password", live_app.password)
        wide.click("#login-form button[type=submit]")
        wide.click("#nav-dashboard")
        expect(wide.locator('#targets li.target[data-measure="vneid_activated"]', has_text="Toàn xã")).to_be_visible()
        save_screenshot(wide, "dashboard-1280")
    finally:
        desk.close()


def test_volunteers_have_no_progress_screen(phone, live_app):
    page = log_in(phone, live_app, "vol.qt1")
    expect(page.locator("#nav-dashboard")).to_have_count(0)
