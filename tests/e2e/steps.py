"""What a volunteer does on the phone, as steps the browser tests share: log in, fill a form
from the /forms document, read the sync state; and a little waiting for the server's side."""

import time
import uuid

from playwright.sync_api import expect

from server.forms.rules import today

from tests.helpers import (
    correction_data,
    death_data,
    difficulty_data,
    level2_data,
    one_stop_data,
    propaganda_data,
    vneid_data,
)

VOLUNTEER = "vol.qt1"
REVIEWER = "police.qt"
THON_1 = 1
TIMEOUT_MS = 15_000


def months_ago(count):
    """The month `count` months before this one in Vietnam, as a report's period ("2026-07")."""
    month = today().year * 12 + today().month - 1 - count
    return f"{month // 12}-{month % 12 + 1:02d}"


def tag():
    """A short unique mark for this test's names, so tests sharing one server never see each
    other's records."""
    return uuid.uuid4().hex[:6].upper()


def records_of_each_type(mark):
    """One valid record of each type (tests/helpers.py), named so it can be found again."""
    return {
        "vneid_activation": vneid_data(full_name=f"Nguyễn Thị Lan {mark}"),
        "death_check": death_data(deceased_name=f"Trần Văn Cường {mark}"),
        "propaganda_session": propaganda_data(location=f"Nhà văn hóa Thôn 1 {mark}"),
        "one_stop_guidance": one_stop_data(citizen_name=f"Lê Thị Thu {mark}"),
        "data_correction": correction_data(citizen_name=f"Phạm Văn Đông {mark}"),
        "vneid_level2_file": level2_data(full_name=f"Đinh Thị Ngọc {mark}"),
        "difficulty": difficulty_data(description=f"Thôn 1 mất sóng {mark}"),
    }


# The field that names a record of each type on the server, to find it through the API.
NAME_FIELD = {
    "vneid_activation": "full_name",
    "death_check": "deceased_name",
    "propaganda_session": "location",
    "one_stop_guidance": "citizen_name",
    "data_correction": "citizen_name",
    "vneid_level2_file": "full_name",
    "difficulty": "description",
}
TYPE_COUNT = len(NAME_FIELD)


def sign_in(page, live_app, username):
    """Opens the app on `page` and logs in as `username` with the demo password."""
    page.goto("/")
    page.fill("#username", username)
    page.fill("#password", live_app.password)
    page.click("#login-form button[type=submit]")
    return page


def log_in(phone, live_app, username=VOLUNTEER):
    """Opens the app and logs in; returns once the home screen shows the record types."""
    page = sign_in(phone.page, live_app, username)
    expect(page.locator(".type-buttons a[data-type]")).to_have_count(TYPE_COUNT)
    return page


SERVICE_WORKER_STATE = """async () => {
  const r = await navigator.serviceWorker.getRegistration();
  return r ? {installing: r.installing && r.installing.state, waiting: r.waiting && r.waiting.state,
              active: r.active && r.active.state, controller: Boolean(navigator.serviceWorker.controller)} : null;
}"""


def wait_for_service_worker(page):
    """The service worker controls the page: the shell is cached and opens with no network.
    The first install claims the page it was registered from, without a reload."""
    try:
        # A function, not an expression: Playwright polls an expression with the page's eval,
        # which the app's Content-Security-Policy refuses.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=2 * TIMEOUT_MS)
    except Exception as err:
        raise AssertionError(f"no service worker in control: {page.evaluate(SERVICE_WORKER_STATE)}") from err


def record_type(forms, type_name):
    return next(rt for rt in forms["types"] if rt["type"] == type_name)


# A partial date's precision by the length of its ISO form.
PRECISIONS = {10: "day", 7: "month", 4: "year"}


def typed_date(iso):
    """An ISO date (YYYY-MM-DD, YYYY-MM, YYYY) as a Vietnamese writes it: dd/mm/yyyy, mm/yyyy, yyyy."""
    return "/".join(reversed(iso.split("-")))


def fill_form(page, forms, type_name, data, village_id=THON_1):
    """Types `data` into the open form of `type_name` the way a user would set each input."""
    expect(page.locator(f'#record-form[data-type="{type_name}"]')).to_be_visible()
    page.select_option("#f-village_id", str(village_id))
    for field in record_type(forms, type_name)["fields"]:
        name, kind = field["name"], field["kind"]
        if name not in data:
            continue
        value = data[name]
        if kind == "choice":
            index = [c["value"] for c in field["choices"]].index(value)
            if len(field["choices"]) <= 5:
                page.check(f'input[name="{name}"][value="{index}"]')
            else:
                page.select_option(f"#f-{name}", str(index))
        elif kind == "multi_choice":
            values = [c["value"] for c in field["choices"]]
            for item in value:
                page.check(f'input[name="{name}"][value="{values.index(item)}"]')
        elif kind == "boolean":
            page.set_checked(f"#f-{name}", bool(value))
        elif kind in ("date", "partial_date"):
            if kind == "partial_date":
                # What is known of the date: all of it, the month and year, or only the year.
                page.check(f"#f-{name}-{PRECISIONS[len(value)]}")
            page.fill(f"#f-{name}", typed_date(value))
        else:
            page.fill(f"#f-{name}", str(value))


def save_new_record(page, forms, type_name, data, village_id=THON_1):
    """From home: opens the type's form, fills it, saves; returns the new record's id."""
    page.click("#nav-home")
    page.click(f'.type-buttons a[data-type="{type_name}"]')
    fill_form(page, forms, type_name, data, village_id)
    page.click("#save-record")
    detail = page.locator(".record-detail")
    expect(detail).to_be_visible()
    return detail.get_attribute("data-id")


def expect_unsent(page, count):
    expect(page.locator("#unsent-count")).to_have_attribute("data-count", str(count))


def rows(page):
    return page.locator("#record-list li.record-row")


def eventually(page, check, timeout=TIMEOUT_MS / 1000, interval=0.2, message="condition"):
    """Polls `check()` (the server's side, through the API) until it returns a truthy value.
    It waits through the page, not time.sleep: Playwright runs route handlers and events only
    while a call of ours is waiting on it."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}; last value: {value!r}")
        page.wait_for_timeout(interval * 1000)


def server_records(reviewer, type_name, mark):
    """The server's records of one type whose name carries `mark`, as the reviewer sees them."""
    name = NAME_FIELD[type_name]
    # The server's search covers names and ids; an outreach session and a difficulty have neither.
    unnamed = ("propaganda_session", "difficulty")
    found = reviewer.records(type=type_name, **({} if type_name in unnamed else {"q": mark}))
    return [r for r in found if mark in r["data"].get(name, "")]
