"""Every date the app shows or takes is written as Vietnamese write it, dd/mm/yyyy (mm/yyyy for a
month, yyyy for a year alone), on a phone whose browser speaks English too, whose own date input
would say mm/dd/yyyy; what the server stores stays ISO."""

import re
from contextlib import contextmanager
from datetime import timedelta

from playwright.sync_api import expect

from server.forms.rules import today
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, PHONE
from tests.e2e.desk import desk, redrawn
from tests.e2e.steps import (
    REVIEWER,
    THON_1,
    TYPE_COUNT,
    eventually,
    fill_form,
    save_new_record,
    server_records,
    sign_in,
    tag,
    typed_date,
)
from tests.helpers import death_data, vneid_data

ENGLISH = "en-US"
STAMP = re.compile(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}")


@contextmanager
def english_phone(browser, live_app):
    """A phone at 360 px whose browser's language is English, logged in as the volunteer."""
    context = browser.new_context(base_url=live_app.url, **{**PHONE, "locale": ENGLISH})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    errors = []
    context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
    try:
        page = sign_in(context.new_page(), live_app, "vol.qt1")
        expect(page.locator(".type-buttons a[data-type]")).to_have_count(TYPE_COUNT)
        assert page.evaluate("() => navigator.language") == ENGLISH
        yield page
        assert not errors, errors
    finally:
        context.close()


def problem_after_typing(page, name, text):
    """Types `text` into a field, leaves it, and returns the problem shown next to it."""
    page.fill(f"#f-{name}", text)
    page.press(f"#f-{name}", "Tab")
    return page.locator(f"#e-{name}")


# (precision, what is typed key by key, what the input then holds)
TYPING = [
    ("day", "01022026", "01/02/2026"),
    ("day", "1/2/2026", "1/2/2026"),
    ("day", "31.12.2026", "31/12/2026"),
    ("day", "01//02", "01/02/"),
    ("month", "112026", "11/2026"),
    ("year", "20190", "2019"),
]


def test_the_slashes_go_in_as_the_digits_are_typed(browser, live_app):
    with english_phone(browser, live_app) as page:
        page.click('.type-buttons a[data-type="death_check"]')
        died = page.locator("#f-date_of_death")
        for precision, typed, value in TYPING:
            page.check(f"#f-date_of_death-{precision}")
            died.fill("")
            died.press_sequentially(typed)
            expect(died).to_have_value(value)


def test_a_full_date_is_typed_and_shown_as_dd_mm_yyyy_and_stored_as_iso(browser, live_app, api):
    forms, reviewer = api(REVIEWER).get("/forms"), api(REVIEWER)
    mark = tag()
    tomorrow = today() + timedelta(days=1)
    with english_phone(browser, live_app) as page:
        page.click('.type-buttons a[data-type="vneid_activation"]')
        born = page.locator("#f-date_of_birth")
        expect(born).to_have_attribute("type", "text")
        expect(born).to_have_attribute("inputmode", "numeric")
        expect(born).to_have_attribute("placeholder", "dd/mm/yyyy")
        # Backspace takes the slash away and it stays away; the next digit puts it back.
        born.press_sequentially("0105")
        expect(born).to_have_value("01/05/")
        born.press("Backspace")
        expect(born).to_have_value("01/05")
        born.press_sequentially("1990")
        expect(born).to_have_value("01/05/1990")

        # An impossible date, a day still to come, and the wrong way round are refused next to the field.
        expect(problem_after_typing(page, "date_of_birth", "31/02/1990")).to_have_text("Ngày không tồn tại")
        expect(problem_after_typing(page, "date_of_birth", typed_date(tomorrow.isoformat()))).to_have_text(
            "Không được là ngày trong tương lai"
        )
        expect(problem_after_typing(page, "date_of_birth", "05/1990")).to_have_text(
            "Ngày phải theo dạng ngày/tháng/năm (dd/mm/yyyy)"
        )
        expect(problem_after_typing(page, "date_of_birth", "1/5/1990")).to_have_text("")

        data = vneid_data(full_name=f"Nguyễn Thị Lan {mark}", activity_date="2026-11-20")
        del data["date_of_birth"]  # typed above, as 1/5/1990
        fill_form(page, forms, "vneid_activation", data)
        page.click("#save-record")
        detail = page.locator(".record-detail")
        expect(detail).to_be_visible()
        expect(detail.locator('dd[data-field="date_of_birth"]')).to_have_text("01/05/1990")
        expect(detail.locator('dd[data-field="activity_date"]')).to_have_text("20/11/2026")
        found = eventually(page, lambda: server_records(reviewer, "vneid_activation", mark), message="the record")
        assert (found[0]["data"]["date_of_birth"], found[0]["data"]["activity_date"]) == ("1990-05-01", "2026-11-20")

        # Once on the server, its history says when, as hh:mm dd/mm/yyyy.
        page.reload()
        expect(page.locator(".history-slot .history-head")).to_contain_text(STAMP)
        page.click("#nav-records")
        page.fill("#search", mark)
        expect(page.locator("#record-list li.record-row .row-meta")).to_contain_text("20/11/2026")
        # The form opened again shows the dates as typed.
        page.click("#record-list li.record-row a")
        page.click("#edit-record")
        expect(page.locator("#f-date_of_birth")).to_have_value("01/05/1990")


def test_a_month_and_a_year_alone_are_typed_as_mm_yyyy_and_yyyy(browser, live_app, api):
    forms, reviewer = api(REVIEWER).get("/forms"), api(REVIEWER)
    month_mark, year_mark = tag(), tag()
    with english_phone(browser, live_app) as page:
        page.click('.type-buttons a[data-type="death_check"]')
        page.check("#f-date_of_death-month")
        expect(page.locator("#f-date_of_death")).to_have_attribute("placeholder", "mm/yyyy")
        expect(problem_after_typing(page, "date_of_death", "13/2023")).to_have_text("Tháng không tồn tại")
        page.check("#f-date_of_death-year")
        expect(page.locator("#f-date_of_death")).to_have_attribute("placeholder", "yyyy")

        # The month typed without its leading zero; the year alone as the form fills it.
        month = death_data(deceased_name=f"Trần Văn Cường {month_mark}")
        del month["date_of_death"]
        fill_form(page, forms, "death_check", month)
        page.check("#f-date_of_death-month")
        page.fill("#f-date_of_death", "4/2023")
        page.click("#save-record")
        expect(page.locator('.record-detail dd[data-field="date_of_death"]')).to_have_text("04/2023")
        save_new_record(
            page, forms, "death_check", death_data(deceased_name=f"Lò Văn Pấng {year_mark}", date_of_death="2019")
        )
        expect(page.locator('.record-detail dd[data-field="date_of_death"]')).to_have_text("2019")
        for mark, stored in [(month_mark, "2023-04"), (year_mark, "2019")]:
            found = eventually(
                page, lambda mark=mark: server_records(reviewer, "death_check", mark), message="the death case"
            )
            assert found[0]["data"]["date_of_death"] == stored


def test_the_desk_filters_and_shows_dates_as_dd_mm_yyyy(browser, live_app, api):
    volunteer = api("vol.qt1")
    mark = tag()
    ids = {}
    for day in ("2026-11-10", "2026-11-20"):
        mutation = volunteer.caller.create(
            "vneid_activation", THON_1, vneid_data(full_name=f"Hoàng Thị Yến {mark}", activity_date=day)
        )
        volunteer.caller.push_ok([mutation])
        ids[day] = mutation["record_id"]
    with desk(browser, live_app, REVIEWER, locale=ENGLISH) as police:
        police.goto(f"/#/review?q={mark}")
        rows = police.locator("#queue-list .queue-row")
        expect(rows).to_have_count(2)
        # Made a moment ago: today on the desk's clock.
        made = police.evaluate("() => new Date().toLocaleDateString('en-GB')")
        expect(rows.first).to_contain_text(made)
        expect(police.locator("#queue-from")).to_have_attribute("placeholder", "dd/mm/yyyy")

        # From 15/11/2026: only the help given on the 20th.
        redrawn(police, lambda: (police.fill("#queue-from", "15/11/2026"), police.press("#queue-from", "Tab")))
        expect(police).to_have_url(re.compile(r"from=2026-11-15"))
        expect(police.locator("#queue-from")).to_have_value("15/11/2026")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-id", ids["2026-11-20"])
        # Up to 15/11 as well: nothing; then from cleared, up to 15/11: only the 10th.
        redrawn(police, lambda: (police.fill("#queue-to", "15/11/2026"), police.press("#queue-to", "Tab")))
        expect(police.locator("#queue-list")).to_have_count(0)
        redrawn(police, lambda: (police.fill("#queue-from", ""), police.press("#queue-from", "Tab")))
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-id", ids["2026-11-10"])

        # An impossible day is said next to the filter, and nothing reloads.
        police.fill("#queue-from", "30/02/2026")
        police.press("#queue-from", "Tab")
        expect(police.locator("#queue-from-error")).to_have_text("Ngày không tồn tại")
        expect(police).not_to_have_url(re.compile(r"from="))

        # The record under review: its dates and its history.
        police.goto(f"/#/review/{ids['2026-11-10']}")
        expect(police.locator('#review-fields tr[data-field="activity_date"] td')).to_have_text("10/11/2026")
        expect(police.locator('#review-fields tr[data-field="date_of_birth"] td')).to_have_text("01/05/1990")
        expect(police.locator("#review-history .history-head").first).to_contain_text(STAMP)
