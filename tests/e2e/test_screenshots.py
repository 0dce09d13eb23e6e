"""Screenshots at a cheap phone's 360×740 of the screens a volunteer lives in, saved under
tests/e2e/artifacts/ so anyone can look at them: home, a form (empty, and refusing bad input),
the list, a record, and the sync state offline with unsent records, during a sync and after.
Each is taken once the screen shows what it should, so a picture is never of a half-drawn page."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, save_screenshot
from tests.e2e.steps import (
    REVIEWER,
    expect_unsent,
    fill_form,
    log_in,
    records_of_each_type,
    rows,
    save_new_record,
    tag,
    wait_for_service_worker,
)

PUSH = "**/api/v1/sync/push"


def _no_sideways_scroll(page):
    """Nothing wider than the phone: a page that scrolls sideways has something cut off."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{page.url} is {width}px wide"


def toasts_gone(page):
    """Waits out the notices (about 4 s): the screen under them is what the picture is for."""
    expect(page.locator("#toasts .toast")).to_have_count(0)


def shoot(page, name):
    _no_sideways_scroll(page)
    path = save_screenshot(page, name)
    assert path.stat().st_size > 5_000, path  # a picture of something, not a blank page
    return path


def test_screens_at_360_by_740(phone, live_app, api):
    forms = api(REVIEWER).get("/forms")
    mark = tag()
    records = records_of_each_type(mark)
    page = phone.page
    assert page.viewport_size == {"width": 360, "height": 740}

    page.goto("/")
    expect(page.locator("#login-form")).to_be_visible()
    shoot(page, "01-login")
    log_in(phone, live_app)
    wait_for_service_worker(page)
    expect(page.locator("#last-sync")).not_to_have_text("Chưa đồng bộ lần nào")
    shoot(page, "02-home")

    page.click('.type-buttons a[data-type="vneid_activation"]')
    expect(page.locator("#record-form")).to_be_visible()
    toasts_gone(page)
    shoot(page, "03-form-vneid")
    page.fill("#f-full_name", "Nguyễn Thị Lan")
    page.fill("#f-personal_id", "99919001")
    page.fill("#f-phone", "012345")
    page.click("#save-record")
    expect(page.locator("#form-summary")).not_to_be_empty()
    page.locator("#f-personal_id").scroll_into_view_if_needed()
    shoot(page, "04-form-errors")

    phone.set_offline(True)
    ids = [save_new_record(page, forms, type_name, data) for type_name, data in records.items()]
    expect(page.locator(".record-detail")).to_have_attribute("data-state", "pending")
    shoot(page, "05-record-pending")
    page.click("#nav-home")
    expect_unsent(page, len(records))
    expect(page.locator("#net-state")).to_have_text("Ngoại tuyến")
    shoot(page, "06-sync-offline-unsent")

    # Hold the push on its way, to see the bar while the sync runs.
    held = []
    phone.context.route(PUSH, lambda route: held.append(route))
    phone.set_offline(False)
    expect(page.locator("#sync-progress")).to_be_visible()
    shoot(page, "07-sync-running")
    for route in held:
        route.continue_()
    phone.context.unroute(PUSH)
    expect_unsent(page, 0)
    expect(page.locator("#sync-progress")).to_have_count(0)
    toasts_gone(page)
    shoot(page, "08-sync-done")

    page.click("#nav-records")
    expect(rows(page).first).to_be_visible()
    shoot(page, "09-records")
    # Found by their mark, not by being among home's five most recent: other tests' records
    # of this volunteer share the server.
    page.fill("#search", mark)
    expect(rows(page)).to_have_count(len(records))
    for record_id in ids:
        expect(page.locator(f'li.record-row[data-id="{record_id}"]')).to_have_attribute("data-state", "synced")
    shoot(page, "10-records-search")

    page.click(f'li.record-row[data-id="{ids[1]}"] a')
    expect(page.locator(".record-detail")).to_have_attribute("data-state", "synced")
    shoot(page, "11-record-death-check")

    page.click("#nav-settings")
    expect(page.locator("#app-version")).not_to_be_empty()
    shoot(page, "12-settings")

    page.click("#nav-home")
    page.click('.type-buttons a[data-type="propaganda_session"]')
    fill_form(page, forms, "propaganda_session", records["propaganda_session"])
    page.locator("#f-topics").scroll_into_view_if_needed()
    shoot(page, "13-form-propaganda")
