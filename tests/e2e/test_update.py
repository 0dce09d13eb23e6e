"""A new version of the app reaches the phone without losing anything: the new service worker
waits, the app offers "Có phiên bản mới — tải lại", and reloading keeps every unsent record.
A deploy is a changed shell file in the copy of pwa/ the live server serves."""

from playwright.sync_api import expect

from tests.e2e.steps import expect_unsent, log_in, records_of_each_type, save_new_record, tag, wait_for_service_worker

SHELL_VERSION = "import('/js/version.js').then((m) => m.APP_VERSION)"


def test_an_update_is_offered_and_reloading_keeps_unsent_work(phone, live_app, api):
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    forms = api("vol.qt1").get("/forms")
    phone.set_offline(True)
    save_new_record(page, forms, "propaganda_session", records_of_each_type(tag())["propaganda_session"])
    expect_unsent(page, 1)
    # Keep the record unsent across the update: its push fails as on a dead link.
    phone.context.route("**/api/v1/sync/push", lambda route: route.abort())
    phone.set_offline(False)
    before = page.evaluate(SHELL_VERSION)

    stylesheet = live_app.pwa_dir / "css" / "app.css"
    original = stylesheet.read_bytes()
    stylesheet.write_bytes(original + b"\n/* the next release */\n")
    try:
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        banner = page.locator("#update-banner")
        expect(banner).to_contain_text("Có phiên bản mới — tải lại")
        # Until the user chooses, the running version stays.
        assert page.evaluate(SHELL_VERSION) == before
        with page.expect_event("load"):
            banner.locator("button").click()
        # The app is back where the volunteer was: the record just saved.
        expect(page.locator(".record-detail")).to_have_attribute("data-state", "pending")
        after = page.evaluate(SHELL_VERSION)
        assert after != before
        assert f"sotay06-shell-{after}" in page.evaluate("caches.keys()")
        assert f"sotay06-shell-{before}" not in page.evaluate("caches.keys()")
        expect_unsent(page, 1)
        expect(banner).to_have_count(0)
    finally:
        stylesheet.write_bytes(original)
