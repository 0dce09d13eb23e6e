"""The end of a phone's session never loses unsent work silently: logging out with unsent
records asks first and offers the export; a device the admin revokes offers the export of
its unsent records, then wipes everything it holds.

After a logout or a wipe nothing personal is left where the app or the browser keeps it:
every IndexedDB store is empty, Cache Storage holds only the app's code, local and session
storage hold at most the language, no API answer is in the HTTP cache, no push subscription
is left and no notification (which names people) is still shown."""

import json

from playwright.sync_api import expect

from tests.e2e.steps import (
    expect_unsent,
    log_in,
    records_of_each_type,
    rows,
    save_new_record,
    tag,
    wait_for_service_worker,
)
from tests.helpers import vneid_data

META_DEVICE_ID = """() => new Promise((ok) => { const r = indexedDB.open("sotay06");
  r.onsuccess = () => { const g = r.result.transaction("meta").objectStore("meta").get("device_id"); g.onsuccess = () => ok(g.result); }; })"""
STORE_COUNTS = """() => new Promise((ok) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => {
  const tx = r.result.transaction(["outbox", "records", "drafts"]); const counts = {};
  for (const name of ["outbox", "records", "drafts"]) { const c = tx.objectStore(name).count(); c.onsuccess = () => { counts[name] = c.result; }; }
  tx.oncomplete = () => ok(counts); }; })"""


# Everything the phone keeps for this site, as far as a page can see it. `api_urls`: the API
# GETs the phone made, looked up in the HTTP cache without going to the network.
LEFT_ON_PHONE = """async (apiUrls) => {
  const indexeddb = {};
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = fail; });
    for (const store of db.objectStoreNames) {
      indexeddb[`${name}/${store}`] = await new Promise((ok) => {
        const g = db.transaction(store).objectStore(store).getAllKeys(); g.onsuccess = () => ok(g.result); });
    }
    db.close();
  }
  const caches_ = {};
  for (const name of await caches.keys()) caches_[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
  const httpCache = [];
  for (const url of apiUrls) {
    try { if ((await fetch(url, { cache: "only-if-cached", mode: "same-origin" })).ok) httpCache.push(url); } catch { /* not cached */ }
  }
  const registration = await navigator.serviceWorker.getRegistration();
  return { indexeddb, caches: caches_, httpCache, localStorage: Object.keys(localStorage), sessionStorage: Object.keys(sessionStorage),
    subscription: Boolean(await registration.pushManager.getSubscription()),
    notifications: (await registration.getNotifications()).map((n) => `${n.title}: ${n.body}`) };
}"""
# What a push from the server shows (docs/api.md §9): the person's name, in the tray.
SHOW_NOTIFICATION = """async (body) => (await navigator.serviceWorker.ready).showNotification(
  "Bản ghi đã được duyệt", { body, tag: "approved" })"""


def watch_api_reads(phone):
    """The URLs of every API GET the phone makes from now on (a list that fills as it goes)."""
    urls = []
    phone.context.on("request", lambda r: urls.append(r.url) if r.method == "GET" and "/api/" in r.url else None)
    return urls


def show_a_notification(phone, live_app, page, body):
    phone.context.grant_permissions(["notifications"], origin=live_app.url)
    page.evaluate(SHOW_NOTIFICATION, body)
    assert page.evaluate(LEFT_ON_PHONE, [])["notifications"] == [f"Bản ghi đã được duyệt: {body}"]


def assert_nothing_personal_left(page, api_urls):
    left = page.evaluate(LEFT_ON_PHONE, api_urls)
    assert left["indexeddb"] and not any(left["indexeddb"].values()), left["indexeddb"]
    # The app's code (shell and desk screens) stays, so the next login works offline later.
    assert all(name.startswith(("sotay06-shell-", "sotay06-desk-")) for name in left["caches"]), left["caches"]
    assert not [path for paths in left["caches"].values() for path in paths if path.startswith("/api/")]
    assert api_urls and left["httpCache"] == []
    assert set(left["localStorage"]) <= {"sotay06.language"} and left["sessionStorage"] == []
    assert left["subscription"] is False
    assert left["notifications"] == []


def test_logging_out_leaves_nothing_personal_on_the_phone(phone, live_app, api):
    mark = tag()
    author = api("vol.qt2")
    name = f"Phạm Thị Hoa {mark}"
    author.caller.push_ok(
        [author.caller.create("vneid_activation", author.user["village_ids"][0], vneid_data(full_name=name))]
    )
    api_urls = watch_api_reads(phone)
    page = log_in(phone, live_app, "vol.qt2")
    wait_for_service_worker(page)
    page.click("#nav-records")
    expect(rows(page).filter(has_text=name)).to_have_count(1)
    show_a_notification(phone, live_app, page, name)

    page.click("#nav-settings")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#logout")
    expect(page.locator("#login-form")).to_be_visible()
    assert_nothing_personal_left(page, api_urls)


def test_a_revoked_device_offers_its_unsent_records_then_wipes(phone, live_app, api):
    author = api("vol.qt2")
    synced = f"Đỗ Văn Hải {tag()}"
    author.caller.push_ok(
        [author.caller.create("vneid_activation", author.user["village_ids"][0], vneid_data(full_name=synced))]
    )
    api_urls = watch_api_reads(phone)
    page = log_in(phone, live_app, "vol.qt2")
    wait_for_service_worker(page)
    page.click("#nav-records")
    expect(rows(page).filter(has_text=synced)).to_have_count(1)
    forms = author.get("/forms")
    data = records_of_each_type(tag())["vneid_activation"]
    show_a_notification(phone, live_app, page, synced)
    phone.set_offline(True)
    save_new_record(page, forms, "vneid_activation", data)
    expect_unsent(page, 1)

    api("admin.qt").post(f"/devices/{page.evaluate(META_DEVICE_ID)}/revoke")
    phone.set_offline(False)
    page.click("#sync-now")
    expect(page.locator("#revoked")).to_be_visible()
    # Only the unsent record waits for its export; the copy of the server's records and the
    # notifications shown are gone already.
    assert page.evaluate(STORE_COUNTS) == {"outbox": 1, "records": 0, "drafts": 0}
    assert page.evaluate(LEFT_ON_PHONE, [])["notifications"] == []

    with page.expect_download() as download:
        page.click("#revoked-export")
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert [m["data"]["full_name"] for m in exported["mutations"]] == [data["full_name"]]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#revoked-wipe")
    expect(page.locator("#login-form")).to_be_visible()
    assert page.evaluate(STORE_COUNTS) == {"outbox": 0, "records": 0, "drafts": 0}
    assert_nothing_personal_left(page, api_urls)


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
