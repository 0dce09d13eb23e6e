"""The app with a keyboard alone: Tab, Shift+Tab, Enter, Space, the arrows and typing, never a
click. A volunteer logs in on a phone at 360 px, records one record of every type and syncs;
at a desk at 1280 px the commune police approve one and ask for changes on another, the
working group resolves a conflict, and the police send the month's report to the province.

The test reads the page (which element has the focus, what a select holds) to decide which key
to press next, as a person reads the screen; it never acts on the page but through the keys.
Each new screen is awaited with the focus on its title (app.js moves it there).
"""

import re
from datetime import timedelta

from playwright.sync_api import expect

from server.forms.rules import today
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.e2e.desk import SIZES
from tests.e2e.steps import THON_1, TYPE_COUNT, eventually, months_ago, record_type, server_records, tag
from tests.helpers import (
    correction_data,
    death_data,
    difficulty_data,
    level2_data,
    one_stop_data,
    propaganda_data,
    update,
    vneid_data,
)

# A month of the last twelve that no other browser test sends.
PERIOD = months_ago(4)
COMMENT = "Bổ sung địa điểm tổ chức cụ thể."


def _day_like_month():
    """The latest day, today or before, whose day is its month's number (11/11): typed into a
    native date input it reads the same whichever order the browser's locale puts them in."""
    day = today()
    while day.day != day.month:
        day -= timedelta(days=1)
    return day.isoformat()


def records_to_type(mark):
    """One record of each type, with every date a day like 11/11 and times in the morning (the
    same typed keys in a 12- or 24-hour field), and a date of death known only by its year."""
    day = _day_like_month()
    return {
        "vneid_activation": vneid_data(full_name=f"Hà Thị Yến {mark}", date_of_birth="1990-05-05", activity_date=day),
        "death_check": death_data(deceased_name=f"Lò Văn Páo {mark}", date_of_death="2023"),
        "propaganda_session": propaganda_data(location=f"Sân kho Thôn 1 {mark}", activity_date=day, start_time="09:30"),
        "one_stop_guidance": one_stop_data(citizen_name=f"Mai Thị Hồng {mark}", activity_date=day),
        "data_correction": correction_data(citizen_name=f"Vi Văn Thắng {mark}", activity_date=day),
        "vneid_level2_file": level2_data(
            full_name=f"Lục Thị Dung {mark}", date_of_birth="1995-08-08", appointment_date=day
        ),
        "difficulty": difficulty_data(description=f"Thôn 1 mất điện {mark}", activity_date=day),
    }


# ---------------------------------------------------------------------------------------------
# Reading the screen, pressing keys

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  // Which element it is: a radio or a checkbox by its group and value, any other by its id.
  const key = e.id || `${e.name}:${["radio", "checkbox"].includes(e.type) ? e.value : ""}`;
  return { key, tag: e.tagName.toLowerCase(), id: e.id, type: e.type || "", name: e.name || "", value: e.value ?? "",
           checked: Boolean(e.checked), field: (e.dataset && e.dataset.field) || "",
           options: e.tagName === "SELECT" ? [...e.options].map((o) => o.value) : null };
}"""


def focused(page):
    return page.evaluate(FOCUSED)


def has_focus(page, selector):
    return page.evaluate("(s) => Boolean(document.activeElement && document.activeElement.matches(s))", selector)


def tab_to(page, selector, backwards=False, limit=200):
    """Tab (or Shift+Tab) until the element matching `selector` has the focus."""
    for _ in range(limit):
        if has_focus(page, selector):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {selector}; the focus is on {focused(page)}")


def screen(page, selector):
    """The screen `selector` is drawn and its title has the focus."""
    expect(page.locator(selector)).to_be_visible()
    try:
        page.wait_for_function("(s) => document.activeElement === document.querySelector(s + ' h1')", arg=selector)
    except Exception as error:
        raise AssertionError(f"the title of {selector} never had the focus; it is on {focused(page)}") from error


def go(page, selector, then):
    """Tab to a link or a button and press Enter; `then` is the screen it opens."""
    tab_to(page, selector)
    page.keyboard.press("Enter")
    screen(page, then)


def choose_option(page, value):
    """In the focused select, the arrows down or up to the option `value`, one at a time: a
    select that redraws its screen on each change has the focus again before the next."""
    now = focused(page)
    options, at = now["options"], now["options"].index(now["value"])
    target = options.index(value)
    step = 1 if target > at else -1
    while at != target:
        at += step
        page.keyboard.press("ArrowDown" if step > 0 else "ArrowUp")
        page.wait_for_function(
            "([id, value]) => document.getElementById(id) && document.getElementById(id).value === value",
            arg=[now["id"], options[at]],
        )
        # The screen drawn anew gives the focus back to the select; a sync's redraw of the same
        # screen at that moment may leave it on the title instead, from where Tab reaches it.
        if not has_focus(page, f"#{now['id']}"):
            tab_to(page, f"#{now['id']}")


def choose_radio(page, selector):
    """In the focused radio group, Space on the first, then the arrows to the radio `selector`."""
    if not focused(page)["checked"]:
        page.keyboard.press("Space")
    for _ in range(12):
        if has_focus(page, selector):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio {selector} in the group; the focus is on {focused(page)}")


def as_typed(kind, value):
    """What a person types for a value: a date as dd/mm/yyyy, a time as its keys (hour, minute,
    and a morning mark a 24-hour field ignores)."""
    if kind in ("date", "partial_date") and len(value) == 10:
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    if kind == "time":
        return value.replace(":", "") + "AM"
    return str(value)


def login(page, username, password):
    page.goto("/")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    screen(page, "#main > section")
    # The first sync draws the home screen again when it ends, over a screen opened meanwhile
    # (screens do not yet cancel one another): the keys go on once it has ended.
    expect(page.locator("#last-sync")).to_have_text(re.compile(r"^Đồng bộ "))
    expect(page.locator("#sync-now")).not_to_have_attribute("aria-disabled", "true")
    screen(page, "#main > section")


def fill_form(page, forms, type_name, data, village_id=THON_1):
    """From the form's title, Tab through every input in order and answer it from `data`, up to
    the Save button. A field shown by an earlier answer comes up in its turn."""
    fields = {field["name"]: field for field in record_type(forms, type_name)["fields"]}
    for _ in range(300):
        now = focused(page)
        if now["id"] == "save-record":
            return
        field = fields.get(now["field"] or now["name"].removesuffix("-precision"))
        value = data.get(field["name"]) if field else None
        if now["id"] == "f-village_id":
            choose_option(page, str(village_id))
        elif value is None:
            pass
        elif now["name"].endswith("-precision"):
            known = {4: "year", 7: "month"}.get(len(value), "day")
            choose_radio(page, f'[id$="-{known}"]')
        elif field["kind"] == "choice":
            index = str([choice["value"] for choice in field["choices"]].index(value))
            if now["tag"] == "select":
                choose_option(page, index)
            else:
                choose_radio(page, f'[value="{index}"]')
        elif now["type"] == "checkbox":
            wanted = value is True or (
                isinstance(value, list) and field["choices"][int(now["value"])]["value"] in value
            )
            if wanted != now["checked"]:
                page.keyboard.press("Space")
        else:
            page.keyboard.type(as_typed(field["kind"], value))
        # A date or time input takes a Tab per part (and its picker's button) before it lets go.
        for _ in range(5):
            page.keyboard.press("Tab")
            if focused(page)["key"] != now["key"]:
                break
    raise AssertionError(f"Tab never reached the Save button; the focus is on {focused(page)}")


def desk_page(browser, live_app, width):
    context = browser.new_context(base_url=live_app.url, **SIZES[width])
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context, context.new_page()


# ---------------------------------------------------------------------------------------------


def test_a_volunteer_records_every_type_and_syncs_by_keyboard(phone, live_app, api):
    forms = api("police.qt").get("/forms")
    mark = tag()
    page = phone.page
    login(page, "vol.qt1", live_app.password)
    screen(page, "section.home")
    records = records_to_type(mark)
    assert len(records) == TYPE_COUNT
    for type_name, data in records.items():
        go(
            page,
            f'.type-buttons a[data-type="{type_name}"]',
            f'section.edit:has(#record-form[data-type="{type_name}"])',
        )
        fill_form(page, forms, type_name, data)
        page.keyboard.press("Enter")
        screen(page, "section.record-detail")
        go(page, "#nav-home", "section.home")

    # "Đồng bộ ngay" is before the screen: Shift+Tab from the title. It keeps the focus while
    # the sync runs, and the end is said in words.
    tab_to(page, "#sync-now", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("#status-live")).to_have_text("Đã đồng bộ. Không còn bản ghi nào chưa gửi.")
    expect(page.locator("#sync-now")).to_be_focused()
    police = api("police.qt")
    for type_name in records:
        eventually(page, lambda name=type_name: len(server_records(police, name, mark)) == 1, message=type_name)


def test_the_police_review_the_admin_resolves_and_the_police_report_by_keyboard(browser, live_app, api):
    volunteer, police_api, admin_api = api("vol.qt1"), api("police.qt"), api("admin.qt")
    mark = tag()
    approved, asked = (
        volunteer.caller.create("vneid_activation", THON_1, vneid_data(full_name=f"{name} {mark}"))
        for name in ("Tòng Thị Lả", "Sầm Văn Pọm")
    )
    volunteer.caller.push_ok([approved, asked])
    # Two devices of the volunteer change one phone number from the same version: a conflict.
    clashing = volunteer.caller.create("vneid_activation", THON_1, vneid_data(full_name=f"Quàng Thị Ín {mark}"))
    volunteer.caller.push_ok([clashing])
    volunteer.caller.push_ok([update(clashing["record_id"], 1, {"phone": "0911000111"})])
    [clash] = api("vol.qt1").caller.push_ok([update(clashing["record_id"], 1, {"phone": "0922000222"})])
    assert clash["status"] == "conflict"

    context, page = desk_page(browser, live_app, 1280)
    try:
        login(page, "police.qt", live_app.password)
        go(page, "#nav-review", "section#queue")
        # At a desk the queue is a table worked with its keys: Tab reaches the chosen row, j moves
        # down to the record, `a` approves it, `c` opens the comment box and Ctrl+Enter sends it.
        tab_to(page, "#queue-q")
        page.keyboard.type(mark)
        page.keyboard.press("Enter")
        expect(page.locator(f'#queue-q[value="{mark}"]')).to_be_focused()  # the search redrew the queue
        for record, key in ((approved, "a"), (asked, "c")):
            tab_to(page, "#queue-list tr.queue-row[tabindex='0']")
            row = f'#queue-list tr[data-id="{record["record_id"]}"]'
            for _ in range(3):  # to the top of the three found, then down to the record
                page.keyboard.press("k")
            for _ in range(3):
                if has_focus(page, row):
                    break
                page.keyboard.press("j")
            expect(page.locator(row)).to_be_focused()
            page.keyboard.press(key)
            if key == "c":
                expect(page.locator("#review-comment-input")).to_be_focused()
                page.keyboard.type(COMMENT)
                page.keyboard.press("Control+Enter")
            expect(page.locator(row)).not_to_have_attribute("data-state", "submitted")
        assert police_api.get(f"/records/{approved['record_id']}")["review_state"] == "approved"
        sent_back = police_api.get(f"/records/{asked['record_id']}")
        assert sent_back["review_state"] == "needs_changes" and sent_back["review_comment"] == COMMENT

        # The month's report: a period picked with the arrows (each redraws the screen and
        # keeps the focus on the select), the words typed, the question answered with Enter.
        go(page, "#nav-upward", "section#upward")
        tab_to(page, "#report-period")
        choose_option(page, PERIOD)
        expect(page.locator(f'#upward[data-period="{PERIOD}"]')).to_be_visible()
        tab_to(page, "#report-results")
        page.keyboard.type(f"Kích hoạt 95 tài khoản VNeID {mark}.")
        tab_to(page, "#send-report")
        page.keyboard.press("Enter")
        expect(page.locator("#confirm-yes")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#sent-report")).to_be_visible()
        [sent] = police_api.get("/reports/submissions", period=PERIOD)["items"]
        assert mark in sent["narrative"]["results"]
    finally:
        context.close()

    context, page = desk_page(browser, live_app, 1280)
    try:
        login(page, "admin.qt", live_app.password)
        go(page, "#nav-conflicts", "section#conflicts")
        go(page, f'#conflict-list li[data-id="{clash["conflict_id"]}"] a', "section#conflict")
        # The phone number: the device's value, the second of the group.
        tab_to(page, 'input[name="pick-phone"]')
        choose_radio(page, '[value="device"]')
        go(page, "#resolve", "section#conflicts")
        resolved = admin_api.get(f"/conflicts/{clash['conflict_id']}")
        assert resolved["state"] == "resolved"
        assert admin_api.get(f"/records/{clashing['record_id']}")["data"]["phone"] == "0922000222"
    finally:
        context.close()
