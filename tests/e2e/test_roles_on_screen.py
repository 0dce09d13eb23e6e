"""The new roles of the roles table on screen (server/roles.py): the civil status officer, on a
phone at 360 px, finds the commune's death cases in the notebook and moves one along its
workflow, with nothing to record and no review; the commune leader, at a desk at 1280 px and on
a phone, reads the dashboard with no record, no report file and nothing to administer.
Screenshots of both are artifacts."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.desk import SIZES
from tests.e2e.steps import THON_1, eventually, sign_in, tag, wait_for_service_worker
from tests.helpers import death_data


def open_as(page, live_app, username):
    sign_in(page, live_app, username)
    expect(page.locator("#nav-settings")).to_be_visible()
    return page


def nav_links(page):
    return page.locator("nav a").evaluate_all("links => links.map(a => a.id)")


def test_the_civil_status_officer_moves_a_death_case_on_the_phone(phone, live_app, api):
    mark = tag()
    volunteer = api("vol.qt1")
    mutation = volunteer.caller.create("death_check", THON_1, death_data(deceased_name=f"Lê Văn Tư {mark}"))
    volunteer.caller.push_ok([mutation])
    page = open_as(phone.page, live_app, "civil.qt")
    wait_for_service_worker(page)
    assert nav_links(page) == ["nav-home", "nav-records", "nav-settings"]
    expect(page.locator(".type-buttons")).to_have_count(0)  # nothing to record

    page.click("#nav-records")
    row = page.locator(".record-list li", has_text=mark)
    expect(row).to_be_visible()
    row.locator("a").first.click()
    page.click("#edit-record")
    expect(page.locator("#save-record")).to_be_visible()
    # Only what the officer may change: the case's status and its certificate.
    shown = page.locator("[data-field]").evaluate_all("inputs => inputs.map(i => i.dataset.field)")
    assert set(shown) <= {"case_status", "certificate_number", "certificate_date", "death_register_ref"}, shown
    page.select_option("#f-case_status", label="Đã xác minh, chưa khai tử")
    save_screenshot(page, "roles-civil-status-edit-360")
    page.click("#save-record")
    police = api("police.qt")
    eventually(
        page,
        lambda: police.get(f"/records/{mutation['record_id']}")["data"]["case_status"] == "verified_unregistered",
        message="the move on the server",
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_the_commune_leader_reads_the_dashboard_and_no_record(browser, live_app, width):
    context = browser.new_context(base_url=live_app.url, **SIZES[width])
    try:
        page = open_as(context.new_page(), live_app, "leader.qt")
        assert nav_links(page) == ["nav-home", "nav-dashboard", "nav-settings"]
        page.click("#nav-dashboard")
        expect(page.locator("#dashboard")).to_be_visible()
        expect(page.locator("#export-xlsx")).to_have_count(0)
        page.click("#nav-settings")
        expect(page.locator("dd", has_text="Lãnh đạo UBND xã")).to_be_visible()
        page.click("#nav-dashboard")
        expect(page.locator("#dashboard")).to_be_visible()
        save_screenshot(page, f"roles-commune-leader-dashboard-{width}")
    finally:
        context.close()
