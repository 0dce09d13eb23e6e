"""A phone with 10,000 records: the first full sync completes and its time is recorded, and the
list renders only the rows on screen, so it opens and scrolls like a short one.

Its own server and database, so the other browser tests never page through these records.
"""

import json
import time

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, save_screenshot, served
from tests.helpers import PASSWORD, Caller, vneid_data

RECORDS = 10_000
THON_3 = 3
ROW_HEIGHT = 76  # pwa/js/views/records.js
# Read once the app has made its database (opening a missing one would create it empty).
COUNT_RECORDS = """async () => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => ok(r.result); r.onerror = fail; });
  return new Promise((ok) => { const c = db.transaction("records").objectStore("records").count(); c.onsuccess = () => ok(c.result); });
}"""


@pytest.fixture(scope="module")
def big_app(tmp_path_factory):
    """A server whose vol.qt3 has 10,000 records, pushed from another device of theirs."""
    with served(tmp_path_factory.mktemp("e2e-large")) as app, requests.Session() as session:
        other_device = Caller(session, "vol.qt3", PASSWORD, base_url=app.url)
        for start in range(0, RECORDS, 500):
            batch = [
                other_device.create(
                    "vneid_activation", THON_3, vneid_data(full_name=f"Người dân {n:05d}", phone=f"09{n:08d}")
                )
                for n in range(start, start + 500)
            ]
            results = other_device.push_ok(batch)
            assert {r["status"] for r in results} == {"applied"}
        yield app


def test_ten_thousand_records_sync_and_scroll_smoothly(browser, big_app):
    from tests.e2e.conftest import PHONE

    context = browser.new_context(base_url=big_app.url, **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/")
        page.fill("#username", "vol.qt3")
        page.fill("#password", PASSWORD)
        started = time.monotonic()
        page.click("#login-form button[type=submit]")
        # The first sync is over when the time of the last good sync appears.
        expect(page.locator("#last-sync")).not_to_have_text("Chưa đồng bộ lần nào", timeout=180_000)
        sync_seconds = time.monotonic() - started
        expect(page.locator("#sync-progress")).to_have_count(0)
        expect(page.locator("#unsent-count")).to_have_attribute("data-count", "0")
        assert page.evaluate(COUNT_RECORDS) == RECORDS

        started = time.monotonic()
        page.click("#nav-records")
        expect(page.locator("#record-count")).to_contain_text(f"{RECORDS} / {RECORDS}")
        list_seconds = time.monotonic() - started
        rows = page.locator("#record-list li.record-row")
        # Only what is on screen (and a few rows either side) is in the page.
        assert 5 < rows.count() < 60
        save_screenshot(page, "large-list-top")

        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        # The rows at the very end of the list are drawn, and still only a screenful of them.
        last_row_top = f"{(RECORDS - 1) * ROW_HEIGHT}px"
        expect(page.locator(f'#record-list li.record-row[style*="top: {last_row_top}"]')).to_have_count(1)
        assert rows.count() < 60
        save_screenshot(page, "large-list-bottom")

        page.fill("#search", "nguoi dan 09999")
        expect(page.locator("#record-count")).to_contain_text(f"1 / {RECORDS}")
        expect(rows).to_have_count(1)
        assert not errors, errors
    finally:
        context.close()

    figures = {
        "records": RECORDS,
        "first_sync_seconds": round(sync_seconds, 2),
        "list_open_seconds": round(list_seconds, 2),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "large-notebook.json").write_text(json.dumps(figures, indent=2))
    print(f"10,000 records on the phone: {figures}")
