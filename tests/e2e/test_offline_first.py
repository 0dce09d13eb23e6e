"""The app works with no network at all: the shell comes from the service worker, the user's
records from IndexedDB, and what is saved offline survives a closed tab and goes to the server
by itself, exactly once, when the network returns."""

from playwright.sync_api import expect

from tests.e2e.steps import (
    REVIEWER,
    THON_1,
    VOLUNTEER,
    expect_unsent,
    log_in,
    TYPE_COUNT,
    record_type,
    records_of_each_type,
    rows,
    save_new_record,
    server_records,
    tag,
    wait_for_service_worker,
)
from tests.helpers import vneid_data


def test_reload_with_the_network_cut_shows_the_shell_and_the_users_records(phone, live_app, api):
    mark = tag()
    name = f"Lê Văn Hùng {mark}"
    # A record this volunteer made on another phone: it reaches this one by pull.
    volunteer = api(VOLUNTEER)
    created = volunteer.caller.push_ok(
        [
            volunteer.caller.create(
                "vneid_activation", THON_1, vneid_data(full_name=name, gender="nam", personal_id="038090012345")
            )
        ]
    )
    assert created[0]["status"] == "applied", created

    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    page.click("#nav-records")
    page.fill("#search", mark)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(name)
    expect(rows(page).first).to_have_attribute("data-state", "synced")

    phone.set_offline(True)
    page.reload()
    # Nothing could come from the network: the shell is the service worker's copy.
    expect(page.locator("#net-state")).to_have_text("Ngoại tuyến")
    expect(page.locator("#search")).to_have_value(mark)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(name)
    page.click("#nav-home")
    expect(page.locator(".type-buttons a[data-type]")).to_have_count(TYPE_COUNT)
    expect(page.locator(".home .record-list")).to_contain_text(name)


def test_records_saved_offline_survive_a_closed_tab_and_sync_once_when_the_network_returns(phone, live_app, api):
    forms = api(REVIEWER).get("/forms")
    mark = tag()
    records = records_of_each_type(mark)
    page = log_in(phone, live_app)
    wait_for_service_worker(page)

    phone.set_offline(True)
    ids = {}
    for type_name, data in records.items():
        ids[type_name] = save_new_record(page, forms, type_name, data)
        expect(page.locator(".record-detail")).to_have_attribute("data-state", "pending")
    expect_unsent(page, len(records))

    # Close the tab and open the app again, still with no network.
    page.close()
    page = phone.new_page()
    page.goto("/#/records")
    expect(page.locator("#net-state")).to_have_text("Ngoại tuyến")
    expect_unsent(page, len(records))
    page.fill("#search", mark)
    expect(rows(page)).to_have_count(len(records))
    for record_id in ids.values():
        expect(page.locator(f'li.record-row[data-id="{record_id}"]')).to_have_attribute("data-state", "pending")

    # The network returns: nobody touches anything, the app syncs by itself.
    page.click("#nav-home")
    phone.set_offline(False)
    expect_unsent(page, 0)
    expect(page.locator("#net-state")).to_have_text("Trực tuyến")
    # (Home lists the five most recent; the record list, below, shows each one synced.)

    reviewer = api(REVIEWER)
    for type_name, data in records.items():
        found = server_records(reviewer, type_name, mark)
        assert [r["id"] for r in found] == [ids[type_name]], (type_name, found)
        stored = found[0]["data"]
        # The server fills in only what the volunteer may not set: the defaults the type declares
        # (a workflow's first state).
        defaults = {f["name"]: f["default"] for f in record_type(forms, type_name)["fields"] if "default" in f}
        assert stored == {**data, **defaults}, type_name
        assert found[0]["village_id"] == THON_1 and found[0]["review_state"] == "submitted"

    page.click("#nav-records")
    page.fill("#search", mark)
    expect(rows(page)).to_have_count(len(records))
    for record_id in ids.values():
        expect(page.locator(f'li.record-row[data-id="{record_id}"]')).to_have_attribute("data-state", "synced")
