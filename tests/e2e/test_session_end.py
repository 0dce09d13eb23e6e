"""The end of a phone's session never loses unsent work silently: logging out with unsent
records asks first and offers the export; a device the admin revokes offers the export of
its unsent records, then wipes everything it holds."""
import json

from playwright.sync_api import expect

from tests.e2e.steps import expect_unsent, log_in, records_of_each_type, save_new_record, tag, wait_for_service_worker

META_DEVICE_ID = """() => new Promise((ok) => { const r = indexedDB.open("sotay06");
  r.onsuccess = () => { const g = r.result.transaction("meta").objectStore("meta").get("device_id"); g.onsuccess = () => ok(g.result); }; })"""
STORE_COUNTS = """() => new Promise((ok) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => {
  const tx = r.result.transaction(["outbox", "records", "drafts"]); const counts = {};
  for (const name of ["outbox", "records", "drafts"]) { const c = tx.objectStore(name).count(); c.onsuccess = () => { counts[name] = c.result; }; }
  tx.oncomplete = () => ok(counts); }; })"""


def test_a_revoked_device_offers_its_unsent_records_then_wipes(phone, live_app, api):
    page = log_in(phone, live_app, "vol.qt2")
    wait_for_service_worker(page)
    forms = api("vol.qt2").get("/forms")
    data = records_of_each_type(tag())["vneid_activation"]
    phone.set_offline(True)
    save_new_record(page, forms, "vneid_activation", data)
    expect_unsent(page, 1)

    api("admin.qt").post(f"/devices/{page.evaluate(META_DEVICE_ID)}/revoke")
    phone.set_offline(False)
    page.click("#sync-now")
    expect(page.locator("#revoked")).to_be_visible()

    with page.expect_download() as download:
        page.click("#revoked-export")
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert [m["data"]["full_name"] for m in exported["mutations"]] == [data["full_name"]]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#revoked-wipe")
    expect(page.locator("#login-form")).to_be_visible()
    assert page.evaluate(STORE_COUNTS) == {"outbox": 0, "records": 0, "drafts": 0}


def test_logout_with_unsent_records_asks_and_offers_the_export(phone, live_app, api):
    page = log_in(phone, live_app, "vol.qt2")
    wait_for_service_worker(page)
    forms = api("vol.qt2").get("/forms")
    phone.set_offline(True)
    save_new_record(page, forms, "death_check", records_of_each_type(tag())["death_check"])
    page.click("#nav-settings")
    page.click("#logout")
    dialog = page.locator("dialog#ask")
    expect(dialog).to_contain_text("1 bản ghi chưa gửi")
    with page.expect_download() as download:
        dialog.locator('button[data-choice="export"]').click()
    assert len(json.loads(open(download.value.path(), encoding="utf-8").read())["mutations"]) == 1
    # Nothing was wiped by choosing the export.
    expect_unsent(page, 1)
    assert page.evaluate(STORE_COUNTS)["outbox"] == 1
