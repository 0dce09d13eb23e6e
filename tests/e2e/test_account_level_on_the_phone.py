"""VNeID help's stricter corrections on the phone at 360 px: an activated account is not saved
without its level, nor a level 2 account helped at home; and a create of the old shape, queued by
an older app before the upgrade, is refused by the server with what to add, kept on the phone,
fixed and sent again."""

from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.steps import (
    REVIEWER,
    THON_1,
    eventually,
    expect_unsent,
    fill_form,
    log_in,
    record_type,
    server_records,
    tag,
    wait_for_service_worker,
)
from tests.helpers import vneid_data
from tests.records.test_account_level import LEVEL_TWO_PLACE, NEEDS_LEVEL

# What an older app queued: its create goes into the outbox as that app put it there.
QUEUE_AS_AN_OLDER_APP = """async ({type, village, data}) =>
  (await import('/js/notebook.js')).createRecord(type, village, data)"""


def choose(page, forms, type_name, field_name, value):
    field = next(f for f in record_type(forms, type_name)["fields"] if f["name"] == field_name)
    page.check(f'input[name="{field_name}"][value="{[c["value"] for c in field["choices"]].index(value)}"]')


def test_an_activated_account_is_saved_only_with_its_level_and_level_two_only_at_the_police(phone, live_app, api):
    forms, reviewer = api(REVIEWER).get("/forms"), api(REVIEWER)
    page = log_in(phone, live_app)
    mark = tag()
    data = vneid_data(full_name=f"Nguyễn Thị Lan {mark}", level=None, place="home")
    page.click('.type-buttons a[data-type="vneid_activation"]')
    fill_form(page, forms, "vneid_activation", data)
    page.click("#save-record")
    expect(page.locator("#e-level")).to_have_text(NEEDS_LEVEL)
    save_screenshot(page, "vneid-level-needed-360")

    choose(page, forms, "vneid_activation", "level", 2)
    page.click("#save-record")
    expect(page.locator("#e-level")).to_be_empty()
    expect(page.locator("#e-place")).to_have_text(LEVEL_TWO_PLACE)
    choose(page, forms, "vneid_activation", "place", "mobile_point")
    page.click("#save-record")
    expect(page.locator(".record-detail")).to_be_visible()
    found = eventually(page, lambda: server_records(reviewer, "vneid_activation", mark), message="the record")
    assert (found[0]["data"]["level"], found[0]["data"]["place"]) == (2, "mobile_point")


def test_an_older_apps_create_without_the_level_is_refused_kept_fixed_and_resent(phone, live_app, api):
    forms, reviewer = api(REVIEWER).get("/forms"), api(REVIEWER)
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    mark = tag()
    data = vneid_data(full_name=f"Trịnh Văn Khải {mark}", level=None)
    record_id = page.evaluate(QUEUE_AS_AN_OLDER_APP, {"type": "vneid_activation", "village": THON_1, "data": data})
    page.click("#sync-now")
    page.goto(f"/#/record/{record_id}")
    detail = page.locator(".record-detail")
    expect(detail).to_have_attribute("data-state", "sync_rejected")
    expect(page.locator("#rejection")).to_be_visible()
    expect(page.locator('dd[data-field="level"] .error')).to_have_text(NEEDS_LEVEL)
    assert server_records(reviewer, "vneid_activation", mark) == []
    save_screenshot(page, "vneid-old-create-rejected-360")

    page.click("#fix-resend")
    expect(page.locator("#e-level")).to_have_text(NEEDS_LEVEL)
    choose(page, forms, "vneid_activation", "level", 1)
    page.click("#save-record")
    expect(detail).to_have_attribute("data-id", record_id)
    expect(detail).to_have_attribute("data-state", "synced")
    expect_unsent(page, 0)
    found = eventually(page, lambda: server_records(reviewer, "vneid_activation", mark), message="the resent record")
    assert [r["id"] for r in found] == [record_id] and found[0]["data"]["level"] == 1
