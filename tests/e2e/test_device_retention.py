"""A lost phone holds little: records approved more than SOTAY_DEVICE_RETENTION_DAYS ago (30 on
the test server) leave the phone at the end of a sync, and stay on the server. Records approved
recently, records not approved, and approved ones someone still has work on (a change in the
outbox, a draft, an open conflict) stay. A later incremental pull does not bring the dropped ones back (they
did not change), and a full pull drops them again.

The approvals are made in the past by setting `reviewed_at` in the server's database: the only
clock involved is the server's (the phone measures age by the pull's `server_time`)."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import create_engine, update

from server.config import database_url
from server.models import Record
from server.timeutil import utcnow
from tests.e2e.steps import REVIEWER, eventually, log_in, rows, save_new_record, tag, wait_for_service_worker
from tests.helpers import vneid_data

VOLUNTEER = "vol.qt3"
# What the phone holds: {record id: review state}.
PHONE_RECORDS = """() => new Promise((ok) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => {
  const g = r.result.transaction("records").objectStore("records").getAll();
  g.onsuccess = () => ok(Object.fromEntries(g.result.map((x) => [x.id, x.review_state]))); }; })"""
# One value of a store on the phone: page.evaluate(PHONE_GET, ["meta", "last_sync"]).
PHONE_GET = """([store, key]) => new Promise((ok) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => {
  const g = r.result.transaction(store).objectStore(store).get(key); g.onsuccess = () => ok(g.result ?? null); }; })"""
# Under the app's sync lock, so no sync is halfway: every sync after this one pulls from the start.
FORGET_CURSOR = """() => navigator.locks.request("sotay06-sync", () => new Promise((ok) => {
  const r = indexedDB.open("sotay06"); r.onsuccess = () => {
  const tx = r.result.transaction("meta", "readwrite"); tx.objectStore("meta").delete("cursor"); tx.oncomplete = ok; }; }))"""


def approved_days_ago(live_app, days_ago, **values):
    """Moves the approval of records back in time, as if it had happened `days_ago` days ago
    ({record id: days}); `values` sets other columns of those records too."""
    engine = create_engine(database_url(live_app.server.database_url))
    try:
        with engine.begin() as connection:
            for record_id, days in days_ago.items():
                connection.execute(
                    update(Record.__table__)
                    .where(Record.__table__.c.id == record_id)
                    .values(reviewed_at=utcnow() - timedelta(days=days), **values)
                )
    finally:
        engine.dispose()


def sync(page):
    """Presses "sync now" and waits for a run to end (the app's own last-sync time moves): this
    one, or one the service worker's Background Sync started, which does the same."""
    before = page.evaluate(PHONE_GET, ["meta", "last_sync"])
    expect(page.locator("#sync-now")).to_be_enabled()
    page.click("#sync-now")
    eventually(page, lambda: page.evaluate(PHONE_GET, ["meta", "last_sync"]) != before, message="the sync to end")


def test_records_approved_long_ago_leave_the_phone_and_stay_on_the_server(phone, live_app, api):
    author, reviewer = api(VOLUNTEER), api(REVIEWER)
    village = author.user["village_ids"][0]
    mark = tag()
    names = ["old", "recent", "rejected", "waiting", "edited", "drafted", "conflicted"]
    mutations = {
        name: author.caller.create("vneid_activation", village, vneid_data(full_name=f"Lê Văn {name} {mark}"))
        for name in names
    }
    author.caller.push_ok(list(mutations.values()))
    ids = {name: m["record_id"] for name, m in mutations.items()}

    page = log_in(phone, live_app, VOLUNTEER)
    wait_for_service_worker(page)
    forms = author.get("/forms")
    # One recorded on this phone: its outbox entry, answered and pulled back, is only kept
    # (hidden, in case of a restore) and does not hold the record.
    ids["mine"] = save_new_record(page, forms, "vneid_activation", vneid_data(full_name=f"Lê Văn mine {mark}"), village)
    expect(page.locator(".record-detail")).to_have_attribute("data-state", "synced")
    eventually(page, lambda: set(ids.values()) <= set(page.evaluate(PHONE_RECORDS)), message="the records on the phone")

    # Offline, the volunteer changes one record and starts changing another (a draft).
    phone.set_offline(True)
    page.evaluate("(id) => { location.hash = `#/edit/${id}`; }", ids["edited"])
    page.fill("#f-phone", "0987111222")
    page.click("#save-record")
    expect(page.locator(".record-detail")).to_have_attribute("data-state", "pending")
    page.evaluate("(id) => { location.hash = `#/edit/${id}`; }", ids["drafted"])
    page.fill("#f-phone", "0987333444")
    page.click("#nav-home")  # leaving the form keeps what was typed as a draft
    eventually(page, lambda: page.evaluate(PHONE_GET, ["drafts", f"edit:{ids['drafted']}"]), message="the draft")

    # Meanwhile the commune police review them; the reviews are 40 days old, but one of 5 days.
    for name in ("old", "mine", "recent", "edited", "drafted", "conflicted"):
        reviewer.review(ids[name], "approve")
    reviewer.review(ids["rejected"], "reject", comment="Trùng với hồ sơ đã có")
    approved_days_ago(
        live_app, {ids[name]: 40 for name in ("old", "mine", "edited", "drafted", "rejected")} | {ids["recent"]: 5}
    )
    # An approved record can get an open conflict later (a reviewer's edit from a stale copy).
    approved_days_ago(live_app, {ids["conflicted"]: 40}, has_conflict=True)

    phone.set_offline(False)
    sync(page)
    on_phone = page.evaluate(PHONE_RECORDS)
    assert ids["old"] not in on_phone and ids["mine"] not in on_phone
    assert {name: on_phone.get(ids[name]) for name in names if name != "old"} == {
        "recent": "approved",
        "rejected": "rejected",
        "waiting": "submitted",
        # The offline change reached the server after the approval: refused (record_locked) and
        # kept on the phone for the volunteer, with its record.
        "edited": "approved",
        "drafted": "approved",
        "conflicted": "approved",
    }
    page.evaluate("(q) => { location.hash = `#/records?q=${q}`; }", mark)
    expect(rows(page)).to_have_count(6)
    expect(rows(page).filter(has_text=f"old {mark}")).to_have_count(0)
    expect(rows(page).filter(has_text=f"mine {mark}")).to_have_count(0)

    # The server still has every one of them.
    on_server = {r["id"]: r["review_state"] for r in reviewer.records(q=mark)}
    assert on_server == {
        ids["old"]: "approved",
        ids["mine"]: "approved",
        ids["recent"]: "approved",
        ids["rejected"]: "rejected",
        ids["waiting"]: "submitted",
        ids["edited"]: "approved",
        ids["drafted"]: "approved",
        ids["conflicted"]: "approved",
    }

    # The next sync pulls only what changed since: the dropped record does not come back.
    sync(page)
    assert not {ids["old"], ids["mine"]} & set(page.evaluate(PHONE_RECORDS))

    # A full pull (no cursor, as after a reset) brings it in and drops it again.
    with phone.context.expect_event(
        "response", lambda r: "/api/v1/sync/pull" in r.url and "cursor=" not in r.url
    ) as pulled:
        page.evaluate(FORGET_CURSOR)
        sync(page)
    assert {ids["old"], ids["mine"]} <= {c["record"]["id"] for c in pulled.value.json()["changes"]}
    on_phone = page.evaluate(PHONE_RECORDS)
    assert not {ids["old"], ids["mine"]} & set(on_phone) and ids["recent"] in on_phone

    page.click("#nav-settings")
    expect(page.locator("#retention")).to_have_text(
        "Bản ghi đã duyệt được giữ trên máy này 30 ngày sau khi duyệt, rồi chỉ còn trên máy chủ."
    )
