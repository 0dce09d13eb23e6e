"""Relevance, live, on the phone at 360 px (a field's declared condition, docs/record-types.md):
the one-stop form asks for the procedure only once an online procedure is ticked, the VNeID form
for the failure reason only while the account is not activated; a field hidden again keeps
nothing, and the server receives no value for it."""

from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.steps import (
    REVIEWER,
    THON_1,
    eventually,
    log_in,
    record_type,
    server_records,
    tag,
    wait_for_service_worker,
)


def choice_index(forms, type_name, field_name, value):
    field = next(f for f in record_type(forms, type_name)["fields"] if f["name"] == field_name)
    return str([c["value"] for c in field["choices"]].index(value))


def test_fields_appear_and_disappear_as_the_volunteer_answers(phone, live_app, api):
    forms = api(REVIEWER).get("/forms")
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    mark = tag()

    page.click('.type-buttons a[data-type="one_stop_guidance"]')
    procedure = page.locator('.field[data-name="procedure"]')
    expect(procedure).to_be_hidden()
    online = (
        f'input[name="services"][value="{choice_index(forms, "one_stop_guidance", "services", "online_procedure")}"]'
    )
    page.check(online)
    expect(procedure).to_be_visible()
    page.fill("#f-procedure", "Đăng ký thường trú")
    save_screenshot(page, "relevance-one-stop-procedure-shown-360")
    page.uncheck(online)
    expect(procedure).to_be_hidden()

    page.select_option("#f-village_id", str(THON_1))
    page.check(f'input[name="site"][value="{choice_index(forms, "one_stop_guidance", "site", "one_stop_desk")}"]')
    page.fill("#f-citizen_name", f"Vũ Thị Hạnh {mark}")
    page.check(f'input[name="services"][value="{choice_index(forms, "one_stop_guidance", "services", "vneid")}"]')
    page.check(f'input[name="result"][value="{choice_index(forms, "one_stop_guidance", "result", "done")}"]')
    page.click("#save-record")
    expect(page.locator(".record-detail")).to_be_visible()
    reviewer = api(REVIEWER)
    found = eventually(
        page, lambda: server_records(reviewer, "one_stop_guidance", mark), message="the record on the server"
    )
    assert "procedure" not in found[0]["data"], found[0]["data"]

    page.click("#nav-home")
    page.click('.type-buttons a[data-type="vneid_activation"]')
    reason = page.locator('.field[data-name="failure_reason"]')
    expect(reason).to_be_hidden()
    steps = "step_reached"
    page.check(f'input[name="{steps}"][value="{choice_index(forms, "vneid_activation", steps, "installed")}"]')
    expect(reason).to_be_visible()
    page.check(f'input[name="{steps}"][value="{choice_index(forms, "vneid_activation", steps, "activated")}"]')
    expect(reason).to_be_hidden()
