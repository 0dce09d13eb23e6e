"""Sync when things go wrong between the phone and the server: an answer lost on the way back
(nothing lost, nothing doubled), and a change the server refuses (the reason on the field,
fixed and sent again)."""

import json

import pytest

from playwright.sync_api import expect

from tests.e2e.steps import (
    REVIEWER,
    expect_unsent,
    log_in,
    records_of_each_type,
    rows,
    save_new_record,
    server_records,
    tag,
    wait_for_service_worker,
    eventually,
)
from tests.helpers import vneid_data

PUSH = "**/api/v1/sync/push"


def test_a_push_whose_answer_is_lost_is_sent_again_and_applied_once(phone, live_app, api):
    forms = api(REVIEWER).get("/forms")
    reviewer = api(REVIEWER)
    mark = tag()
    records = records_of_each_type(mark)
    page = log_in(phone, live_app)
    wait_for_service_worker(page)

    phone.set_offline(True)
    ids = {type_name: save_new_record(page, forms, type_name, data) for type_name, data in records.items()}
    expect_unsent(page, len(records))

    # The first push reaches the server and is applied there; its answer never comes back,
    # and the network stays bad (nothing gets through) until the route goes.
    pushes = []
    network = {"good": False}

    def lose_the_answer(route):
        pushes.append(json.loads(route.request.post_data))
        if network["good"]:
            route.continue_()
            return
        if len(pushes) == 1:
            route.fetch()
        route.abort("connectionreset")

    phone.context.route(PUSH, lose_the_answer)
    page.click("#nav-home")
    phone.set_offline(False)  # the app syncs by itself on the online event
    eventually(page, lambda: pushes, message="the first push")
    expect(page.locator("#sync-now")).to_be_enabled()  # that run is over, without an answer
    expect_unsent(page, len(records))  # the phone cannot know what arrived: it keeps every entry
    eventually(
        page,
        lambda: all(server_records(reviewer, t, mark) for t in records),
        message="the lost push to be applied on the server",
    )

    # The network is good again. (The service worker's Background Sync or the backoff timer
    # may get there first; the button is what a volunteer would press.)
    network["good"] = True
    page.click("#sync-now")
    expect_unsent(page, 0)
    # (Home lists the five most recent; the record list, below, shows each one synced.)

    # Every retry the test saw carried the same mutations, so the server answered from what it
    # stored. (A retry by the service worker's Background Sync is not always routed through the
    # test; the server's records below are the proof that none was applied twice.)
    first = pushes[0]["mutations"]
    assert len(first) == len(records), pushes
    retries = [body["mutations"] for body in pushes[1:]]
    assert all(mutations == first for mutations in retries), (first, retries)
    for type_name in records:
        found = server_records(reviewer, type_name, mark)
        assert [r["id"] for r in found] == [ids[type_name]], (type_name, found)
        assert found[0]["version"] == 1, found[0]
    page.click("#nav-records")
    page.fill("#search", mark)
    expect(rows(page)).to_have_count(len(records))
    expect(page.locator('#record-list li.record-row[data-state="synced"]')).to_have_count(len(records))
    assert not phone.page_errors


# The rewrite below must see the push: a background sync run by the service worker would not
# pass through the route.
@pytest.mark.no_service_worker
def test_a_field_the_server_refuses_is_shown_on_that_field_and_can_be_fixed_and_resent(phone, live_app, api):
    forms = api(REVIEWER).get("/forms")
    reviewer = api(REVIEWER)
    mark = tag()
    data = vneid_data(full_name=f"Phạm Thị Hoa {mark}", personal_id="001195012345", date_of_birth="1995-03-12")
    page = log_in(phone, live_app)

    # The phone's copy of the rules passes the id; the server (say, a newer rule) does not.
    # The push is rewritten on its way so the server sees an id from no province.
    def bad_id_on_the_wire(route):
        body = json.loads(route.request.post_data)
        for mutation in body["mutations"]:
            if mutation.get("data", {}).get("personal_id") == data["personal_id"]:
                mutation["data"]["personal_id"] = "999195012345"
        route.continue_(post_data=json.dumps(body))

    phone.context.route(PUSH, bad_id_on_the_wire)
    record_id = save_new_record(page, forms, "vneid_activation", data)
    detail = page.locator(".record-detail")
    expect(detail).to_have_attribute("data-state", "sync_rejected")
    expect(page.locator("#rejection")).to_be_visible()
    expect(page.locator('dd[data-field="personal_id"] .error')).not_to_be_empty()
    assert server_records(reviewer, "vneid_activation", mark) == []
    phone.context.unroute(PUSH)

    page.click("#fix-resend")
    expect(page.locator("#record-form")).to_be_visible()
    error = page.locator("#e-personal_id")
    expect(error).not_to_be_empty()
    expect(page.locator('.field[data-name="personal_id"]')).to_have_class("field invalid")
    expect(page.locator(".field.invalid")).to_have_count(1)  # only the field the server named
    expect(page.locator("#f-personal_id")).to_have_value(data["personal_id"])  # what she typed

    fixed = "001195054321"
    page.fill("#f-personal_id", fixed)
    page.click("#save-record")
    expect(detail).to_have_attribute("data-id", record_id)
    expect(detail).to_have_attribute("data-state", "synced")
    expect(page.locator("#rejection")).to_have_count(0)
    expect_unsent(page, 0)

    found = eventually(page, lambda: server_records(reviewer, "vneid_activation", mark), message="the resent record")
    assert [r["id"] for r in found] == [record_id]
    assert found[0]["data"] == {**data, "personal_id": fixed}
