"""The server is restored from a backup older than some of a phone's work: the phone keeps all
of it and sends it again. Records synced after the backup, an edit synced after it, and a record
saved offline while the server was down all end up on the server exactly once; the phone was
asked for its password (the restore ends every session), never wiped, pulled from the start,
and lists every record as synced.

This test has a server of its own (it stops, restores and restarts it), so the session's shared
server never goes back in time under other tests."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import served
from tests.e2e.steps import (
    REVIEWER,
    THON_1,
    VOLUNTEER,
    eventually,
    expect_unsent,
    fill_form,
    log_in,
    rows,
    save_new_record,
    server_records,
    wait_for_service_worker,
)
from tests.helpers import vneid_data


OUTBOX_STATES = """() => new Promise((ok) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => {
  const g = r.result.transaction("outbox").objectStore("outbox").getAll(); g.onsuccess = () => ok(g.result.map((e) => e.status)); }; })"""


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """A server like the session's live_app (gunicorn, SQLite, demo data), for this module only."""
    with served(tmp_path_factory.mktemp("e2e-restore"), copy_pwa=True) as app:
        yield app


def _synced(page, record_ids):
    page.click("#nav-records")
    for record_id in record_ids:
        expect(page.locator(f'li.record-row[data-id="{record_id}"]')).to_have_attribute("data-state", "synced")


def test_a_phone_sends_again_what_a_restored_server_lost_and_keeps_everything(phone, live_app, api, tmp_path):
    forms = api(REVIEWER).get("/forms")
    mark = "PHUCHOI"
    names = {key: f"Nguyễn Văn {key} {mark}" for key in ("Trước", "Sau1", "Sau2", "Ngoại")}
    data = {
        key: vneid_data(full_name=name, personal_id=f"0381900{n:05d}") for n, (key, name) in enumerate(names.items())
    }
    page = log_in(phone, live_app, VOLUNTEER)
    wait_for_service_worker(page)

    ids = {"Trước": save_new_record(page, forms, "vneid_activation", data["Trước"])}
    expect_unsent(page, 0)
    live_app.server.flask("backup", str(tmp_path / "sotay.backup"))

    # After the backup: two new records and an edit of the first, all synced and pulled back.
    for key in ("Sau1", "Sau2"):
        ids[key] = save_new_record(page, forms, "vneid_activation", data[key])
    page.goto(f"/#/record/{ids['Trước']}")
    page.click("#edit-record")
    fill_form(page, forms, "vneid_activation", {"phone": "0987654321"}, THON_1)
    page.click("#save-record")
    expect(page.locator(".record-detail")).to_have_attribute("data-id", ids["Trước"])
    expect_unsent(page, 0)
    _synced(page, ids.values())
    # Pulled back: the outbox holds them no more, only kept (hidden) in case of a restore.
    eventually(page, lambda: set(page.evaluate(OUTBOX_STATES)) == {"kept"}, message="every entry reflected")

    # The server is lost and restored from the backup; meanwhile the volunteer works offline.
    live_app.server.stop()
    phone.set_offline(True)
    ids["Ngoại"] = save_new_record(page, forms, "vneid_activation", data["Ngoại"])
    expect_unsent(page, 1)
    assert "Đã khôi phục" in live_app.server.flask("restore", "--force", str(tmp_path / "sotay.backup")).stdout
    live_app.server.start()
    phone.set_offline(False)

    # The restore ended the session: the app asks for the password, and keeps the user's work.
    page.click("#sync-now")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#username")).to_have_value(VOLUNTEER)
    page.fill("#password", live_app.password)
    page.click("#login-form button[type=submit]")
    expect_unsent(page, 0)
    _synced(page, ids.values())
    page.fill("#search", mark)
    expect(rows(page)).to_have_count(4)

    reviewer = api(REVIEWER)
    found = {r["data"]["full_name"]: r for r in server_records(reviewer, "vneid_activation", mark)}
    assert sorted(found) == sorted(names.values())  # each exactly once
    assert {key: found[name]["id"] for key, name in names.items()} == ids
    assert found[names["Trước"]]["data"]["phone"] == "0987654321"
    assert {name: r["version"] for name, r in found.items()} == {
        names["Trước"]: 2,
        names["Sau1"]: 1,
        names["Sau2"]: 1,
        names["Ngoại"]: 1,
    }
