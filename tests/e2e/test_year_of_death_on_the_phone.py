"""A death case whose family knows only the year of death, recorded on the phone at 360 px: the
form offers the full date, the month/year or the year alone, checks the year as the server does,
and the record, its list row and the form opened again show the year."""

from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.steps import REVIEWER, eventually, fill_form, log_in, server_records, tag
from tests.helpers import death_data


def test_a_death_with_only_the_year_known_is_recorded_with_the_year(phone, live_app, api):
    forms, reviewer = api(REVIEWER).get("/forms"), api(REVIEWER)
    page = log_in(phone, live_app)
    mark = tag()
    page.click('.type-buttons a[data-type="death_check"]')
    field = page.locator('.field[data-name="date_of_death"]')
    expect(field.locator(".help")).to_have_text("Nếu không rõ ngày, ghi tháng/năm hoặc chỉ năm")
    expect(field.locator("label.inline")).to_have_text(["Biết ngày đầy đủ", "Chỉ biết tháng/năm", "Chỉ biết năm"])
    page.check("#f-date_of_death-year")
    year = page.locator("#f-date_of_death")
    expect(year).to_have_attribute("type", "text")
    expect(year).to_have_attribute("inputmode", "numeric")
    expect(year).to_have_attribute("placeholder", "yyyy")

    # A year before the year of birth is refused next to the field, as the server would.
    data = death_data(deceased_name=f"Lò Văn Pấng {mark}", birth_year=1941, date_of_death="1939")
    fill_form(page, forms, "death_check", data)
    page.click("#save-record")
    expect(page.locator("#e-date_of_death")).to_have_text("Ngày chết không thể trước năm sinh")
    page.fill("#f-date_of_death", "2019")
    save_screenshot(page, "death-check-year-only-360")
    page.click("#save-record")
    detail = page.locator(".record-detail")
    expect(detail).to_be_visible()
    expect(detail.locator('dd[data-field="date_of_death"]')).to_have_text("2019")
    found = eventually(page, lambda: server_records(reviewer, "death_check", mark), message="the death case")
    assert found[0]["data"]["date_of_death"] == "2019"

    # The list shows the year too, and the record opens again with the year alone chosen.
    page.click("#nav-records")
    page.fill("#search", mark)
    expect(page.locator("#record-list li.record-row .row-meta")).to_contain_text("2019")
    page.click("#record-list li.record-row a")
    page.click("#edit-record")
    expect(page.locator("#f-date_of_death-year")).to_be_checked()
    expect(page.locator("#f-date_of_death")).to_have_value("2019")
