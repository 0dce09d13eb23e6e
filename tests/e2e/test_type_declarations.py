"""Each record type on the phone as its declaration gives it (server/forms/): the home's big
buttons in the type's colour, and the type's short label in the list, with no type named in
the app's own code or style sheet."""

from playwright.sync_api import expect

from tests.e2e.steps import THON_1, log_in, tag, wait_for_service_worker
from tests.helpers import propaganda_data

# The colour a declaration gives, as the browser computes it.
RGB = """hex => {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}"""


def test_the_home_buttons_and_the_list_follow_the_declarations(phone, live_app, api):
    page = log_in(phone, live_app)
    wait_for_service_worker(page)
    forms = api("vol.qt1").get("/forms")
    for record_type in forms["types"]:
        button = page.locator(f'.type-button[data-type="{record_type["type"]}"]')
        expect(button).to_have_css("background-color", page.evaluate(RGB, record_type["colour"]))
        expect(button.locator(".type-label")).to_have_text(record_type["label"]["vi"])

    mark = tag()
    volunteer = api("vol.qt1")
    volunteer.caller.push_ok(
        [volunteer.caller.create("propaganda_session", THON_1, propaganda_data(location=f"Nhà văn hóa {mark}"))]
    )
    page.click("#sync-now")
    page.click("#nav-records")
    row = page.locator(".record-row", has_text=mark)
    outreach = next(t for t in forms["types"] if t["type"] == "propaganda_session")
    # Titled by its declared title fields (the place, then the form), typed by its short label.
    expect(row.locator(".row-title")).to_contain_text(f"Nhà văn hóa {mark} — ")
    expect(row.locator(".row-meta")).to_contain_text(outreach["short_label"]["vi"])
