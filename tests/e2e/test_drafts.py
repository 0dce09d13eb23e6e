"""What a volunteer types is kept as they type it: a tab closed halfway through a form (or a
phone that died) reopens the form as it was; saving the record ends the draft."""

from playwright.sync_api import expect

from tests.e2e.steps import log_in, tag, wait_for_service_worker


def test_a_half_typed_form_survives_a_closed_tab(phone, live_app):
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    phone.set_offline(True)
    name = f"Trịnh Thị Thu {tag()}"
    page.click('.type-buttons a[data-type="vneid_activation"]')
    page.select_option("#f-village_id", "2")
    page.fill("#f-full_name", name)
    page.fill("#f-phone", "0912 000 111")
    page.check('input[name="step_reached"][value="0"]')
    # Saved within a moment of typing, with no button pressed.
    page.wait_for_function("""() => new Promise((ok) => { const r = indexedDB.open("sotay06"); r.onsuccess = () => {
      const g = r.result.transaction("drafts").objectStore("drafts").get("new:vneid_activation");
      g.onsuccess = () => ok(Boolean(g.result && g.result.values.step_reached)); }; })""")
    page.close()

    page = phone.new_page()
    page.goto("/#/new/vneid_activation")
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("#f-full_name")).to_have_value(name)
    expect(page.locator("#f-phone")).to_have_value("0912000111")
    expect(page.locator("#f-village_id")).to_have_value("2")
    expect(page.locator('input[name="step_reached"][value="0"]')).to_be_checked()

    page.fill("#f-personal_id", "038195001234")
    page.fill("#f-date_of_birth", "01/06/1995")
    page.check('input[name="gender"][value="1"]')
    page.check('input[name="failure_reason"][value="0"]')
    page.click("#save-record")
    expect(page.locator(".record-detail")).to_have_attribute("data-state", "pending")
    page.goto("/#/new/vneid_activation")
    expect(page.locator("#record-form")).to_be_visible()
    expect(page.locator("#draft-restored")).to_have_count(0)
    expect(page.locator("#f-full_name")).to_have_value("")
