"""Every screen of every role, checked by axe-core (the engine behind most accessibility audits)
at a phone's 360 px and a desk's 1280 px: a test fails on any violation, listed by screen, rule
and element. The screens of each role are one table (SCREENS): a new screen is one line there.

axe-core runs inside the page, from the copy axe-playwright-python ships (no network at test
time). Its script is injected by the test, which the app's Content-Security-Policy and Trusted
Types would refuse: the test's own browser context bypasses the policy (`bypass_csp`), the app's
headers stay as they are, and every other browser test still runs under them.

The records, the conflict and the report the screens show are pushed through the API first; the
service workers are off (nothing here is about the offline shell), which keeps the run short.
"""

from dataclasses import dataclass

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, Api
from tests.e2e.desk import SIZES
from tests.e2e.steps import (
    THON_1,
    eventually,
    fill_form,
    log_in,
    months_ago,
    records_of_each_type,
    save_new_record,
    sign_in,
    tag,
)
from tests.helpers import difficulty_data, update, vneid_data

WIDTHS = (360, 1280)
# Months of the last twelve that no other browser test sends (theirs are the last two): one
# sent, one sent and returned, one only typed.
REPORT_PERIOD, RETURNED_PERIOD, DRAFT_PERIOD = months_ago(5), months_ago(6), months_ago(7)


@dataclass(frozen=True)
class Screen:
    """One screen: its address (with {placeholders} for the ids the data gives), the selector
    that shows it is drawn, and an optional step in the page once it is (a click, say):
    `then(page, shown)`, which may return what undoes it once axe has looked."""

    name: str
    address: str
    ready: str
    then: object = None


def _show_errors(page, shown):
    page.click("#save-record")
    page.wait_for_selector("#form-summary:not(:empty)")


# The status bar in the states a sync passes through, set in the page's own syncer (waiting for
# a real sync to be caught half-way would make the test slow and uncertain).
SET_STATUS = """async (changes) => {
  const { status, refreshCounts } = await import("/js/syncer.js");
  Object.assign(status, changes);
  await refreshCounts();
}"""


def _status(changes, drawn):
    def then(page, shown):
        page.evaluate(SET_STATUS, changes)
        page.wait_for_selector(drawn)
        return lambda: page.evaluate(SET_STATUS, {"running": False, "progress": None, "lastError": None})

    return then


def _offline(page, shown):
    page.context.set_offline(True)
    page.wait_for_selector("#net-state.offline")


def _saved_offline(page, shown):
    fill_form(page, shown["forms"], "vneid_activation", vneid_data(full_name=f"Bùi Thị Mai {tag()}"))
    page.click("#save-record")
    page.wait_for_selector('.record-detail[data-state="pending"]')


def _asked_to_log_out(page, shown):
    page.click("#logout")
    page.wait_for_selector("dialog#ask[open]")
    # Escape answers it as its "cancel" does: the dialog goes and the user stays.
    return lambda: (page.keyboard.press("Escape"), page.wait_for_selector("dialog#ask", state="detached"))


def _keys_shown(page, shown):
    """The desk's list of keys (at a desk only: a phone has no keyboard shortcuts)."""
    if page.viewport_size["width"] < 1024:
        return None
    page.keyboard.press("?")
    page.wait_for_selector("dialog#keys-dialog[open]")
    return lambda: (page.keyboard.press("Escape"), page.wait_for_selector("dialog#keys-dialog[open]", state="detached"))


def _asked_to_send(page, shown):
    page.fill("#report-results", "Kích hoạt 80 tài khoản VNeID.")
    page.click("#send-report")
    page.wait_for_selector("dialog#confirm-dialog[open]")
    return lambda: page.click("#confirm-no")


HOME = Screen("home", "#/", "section.home")
RECORDS = Screen("records", "#/records", "#record-list li.record-row")
SETTINGS = Screen("settings", "#/settings", "section.settings")
# Every type's new-record form (the types come from the /forms document, so a new type is
# checked without a line here), each with every conditional field shown.
EVERY_FORM = Screen("new record", "#/new/{type}", '#record-form[data-type="{type}"]')
FORM_ERRORS = Screen(
    "new record with its errors", "#/new/vneid_activation", '#record-form[data-type="vneid_activation"]', _show_errors
)
RECORD_ASKED = Screen("a record asked for changes", "#/record/{asked}", '.record-detail[data-id="{asked}"]')
RECORD_CONFLICT = Screen("a record in conflict", "#/record/{conflicted}", '.record-detail[data-state="conflict"]')
EDIT_ASKED = Screen("a record being corrected", "#/edit/{asked}", '#record-form[data-type="vneid_activation"]')
SYNCING = Screen(
    "the status bar during a sync",
    "#/",
    "section.home",
    _status({"running": True, "progress": {"phase": "pull", "done": 120, "total": 500}}, "#sync-progress"),
)
SYNC_FAILED = Screen(
    "the status bar after a failed sync", "#/", "section.home", _status({"lastError": "server_error"}, ".sync-error")
)
# Last in the volunteer's list: the phone stays offline.
OFFLINE = Screen("home offline", "#/", "section.home", _offline)
SAVED_OFFLINE = Screen("a record saved offline", "#/new/vneid_activation", "#record-form", _saved_offline)
LOGOUT_UNSENT = Screen("logging out with a record unsent", "#/settings", "section.settings", _asked_to_log_out)
EDIT_DEATH = Screen("a death check being worked on", "#/edit/{death}", '#record-form[data-type="death_check"]')
RECORD_DEATH = Screen("a death check", "#/record/{death}", '.record-detail[data-id="{death}"]')
# The queue's rows: cards on a phone, a table's rows at a desk.
QUEUE = Screen("review queue", "#/review", "#queue-list .queue-row")
QUEUE_EVERY_STATE = Screen("review queue, every state", "#/review?review_state=", "#queue-list .queue-row")
QUEUE_KEYS = Screen("review queue, its keys", "#/review", "#queue-list .queue-row", _keys_shown)
REVIEW = Screen("a record under review", "#/review/{asked}", '#review[data-id="{asked}"] #review-history')
REVIEW_DEATH = Screen("a death check under review", "#/review/{death}", '#review[data-id="{death}"] #case-controls')
REVIEW_CONFLICT = Screen(
    "a record in conflict under review", "#/review/{conflicted}", '#review[data-id="{conflicted}"]'
)
DASHBOARD = Screen("dashboard", "#/dashboard", "#dashboard")
UPWARD = Screen("report to send upward", "#/upward", "#upward")
UPWARD_CONFIRM = Screen(
    "sending a report upward",
    f"#/upward?period={DRAFT_PERIOD}",
    f'#upward[data-period="{DRAFT_PERIOD}"] #report-form',
    _asked_to_send,
)
UPWARD_RETURNED = Screen(
    "a report returned by the province", f"#/upward?period={RETURNED_PERIOD}", "#upward #start-resend"
)
UPWARD_SENT = Screen(
    "report sent upward", f"#/upward?period={REPORT_PERIOD}", f'#upward[data-period="{REPORT_PERIOD}"]'
)
CONFLICTS = Screen("conflicts", "#/conflicts", "#conflict-list")
CONFLICTS_RESOLVED = Screen("resolved conflicts", "#/conflicts?state=resolved", "#conflicts")
CONFLICT = Screen("a conflict", "#/conflicts/{conflict}", '#conflict[data-id="{conflict}"]')
USERS = Screen("users", "#/admin/users", "#admin-users #user-list")
VILLAGES = Screen("villages", "#/admin/villages", "#admin-villages #village-list")
DEVICES = Screen("devices", "#/admin/devices", "#admin-devices #device-list")
AUDIT = Screen("audit log", "#/admin/audit", "#admin-audit #audit-table")
BOARD = Screen("province board", "#/", "#board")
BOARD_SENT = Screen(
    "province board, a month sent", f"#/board?period={REPORT_PERIOD}", f'#board[data-period="{REPORT_PERIOD}"]'
)
BOARD_REPORT = Screen("a commune's report", "#/board/{report}", "#province-report")
BOARD_RETURNED = Screen("a report returned", "#/board/{returned}", "#province-report")
COMMUNES = Screen("communes", "#/communes", "#communes")
PLAN = Screen("deadlines and targets", "#/plan", "#plan")

# Each role of the demo (server/demo.py) and every screen it has: its navigation and what opens
# from there.
SCREENS = {
    "vol.qt1": [
        HOME,
        SYNCING,
        SYNC_FAILED,
        RECORDS,
        RECORD_ASKED,
        RECORD_CONFLICT,
        EDIT_ASKED,
        EVERY_FORM,
        FORM_ERRORS,
        SETTINGS,
        OFFLINE,
        SAVED_OFFLINE,
        LOGOUT_UNSENT,
    ],
    "staff.qt": [HOME, RECORDS, RECORD_ASKED, EVERY_FORM, SETTINGS],
    "police.qt": [
        HOME,
        RECORDS,
        RECORD_DEATH,
        EDIT_DEATH,
        QUEUE,
        QUEUE_EVERY_STATE,
        QUEUE_KEYS,
        REVIEW,
        REVIEW_DEATH,
        DASHBOARD,
        UPWARD,
        UPWARD_CONFIRM,
        UPWARD_SENT,
        UPWARD_RETURNED,
        EVERY_FORM,
        SETTINGS,
    ],
    "admin.qt": [
        HOME,
        QUEUE,
        REVIEW_CONFLICT,
        CONFLICTS,
        CONFLICTS_RESOLVED,
        CONFLICT,
        USERS,
        VILLAGES,
        DEVICES,
        AUDIT,
        DASHBOARD,
        UPWARD,
        EVERY_FORM,
        SETTINGS,
    ],
    "civil.qt": [HOME, RECORDS, RECORD_DEATH, EDIT_DEATH, SETTINGS],
    "leader.qt": [HOME, DASHBOARD, SETTINGS],
    "province.th": [BOARD, BOARD_SENT, BOARD_REPORT, BOARD_RETURNED, COMMUNES, SETTINGS],
    "padmin.th": [BOARD, COMMUNES, PLAN, SETTINGS],
}

# What is hidden until the user opens or chooses it, shown so that axe checks it too: folded
# details, and a form's fields that show only for some answers.
REVEAL = """() => {
  for (const details of document.querySelectorAll("#main details")) details.open = true;
  for (const row of document.querySelectorAll("#main .field[hidden]")) row.hidden = false;
}"""
# The screen in <main> is the new one: the old one was marked before the address changed.
DRAWN = """(ready) => !document.querySelector("#main > [data-stale]") && document.querySelector(ready) !== null"""


@pytest.fixture(scope="module")
def shown(live_app):
    """What the screens show: the /forms document, a volunteer's record of each type (one asked
    for changes, one approved, one rejected), a record in conflict, a report sent to the province
    and one it returned; by the names the screens' addresses use."""
    opened = []

    def login(username, device_id=None):
        client = Api(live_app.url, username, live_app.password, device_id)
        opened.append(client)
        return client

    volunteer, police = login("vol.qt1"), login("police.qt")
    created = {}
    for record_type, data in records_of_each_type(tag()).items():
        [result] = volunteer.caller.push_ok([volunteer.caller.create(record_type, THON_1, data)])
        created[record_type] = result["record_id"]
    police.review(created["vneid_activation"], "needs_changes", "Ghi rõ số điện thoại của công dân.")
    police.review(created["one_stop_guidance"], "approve")
    police.review(created["data_correction"], "reject", "Trùng với hồ sơ đã có.")

    # A conflict: two devices of the volunteer change the same field from the same version.
    [first] = volunteer.caller.push_ok(
        [volunteer.caller.create("vneid_activation", THON_1, vneid_data(full_name=f"Đặng Thị Hương {tag()}"))]
    )
    other_device = login("vol.qt1")
    volunteer.caller.push_ok([update(first["record_id"], 1, {"phone": "0911000111"})])
    [clash] = other_device.caller.push_ok([update(first["record_id"], 1, {"phone": "0922000222"})])
    assert clash["status"] == "conflict", clash

    sent, returned = (
        police.post(
            "/reports/submissions", json={"period": period, "narrative": {"results": "Kích hoạt 120 tài khoản."}}
        )
        for period in (REPORT_PERIOD, RETURNED_PERIOD)
    )
    login("province.th").post(f"/reports/submissions/{returned['id']}/return", json={"comment": "Bổ sung khó khăn."})
    forms = police.get("/forms")
    for client in opened:
        client.close()
    return {
        "forms": forms,
        "types": [rt["type"] for rt in forms["types"]],
        "asked": created["vneid_activation"],
        "death": created["death_check"],
        "conflicted": first["record_id"],
        "conflict": clash["conflict_id"],
        "report": sent["id"],
        "returned": returned["id"],
    }


def expanded(screens, types):
    """The screens with EVERY_FORM as one screen per record type."""
    for screen in screens:
        if screen is EVERY_FORM:
            for record_type in types:
                yield Screen(
                    f"new {record_type}", screen.address.format(type=record_type), screen.ready.format(type=record_type)
                )
        else:
            yield screen


# Every rule of WCAG 2.0 to 2.2 at levels A and AA, axe's best practices, and its experimental
# rules too (they found nothing more when added; a new finding there is worth a look).
RULES = {
    "type": "tag",
    "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"],
}


def violations_on(page):
    """axe-core's violations on the page as it is, as readable lines."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("(rules) => axe.run(document, {resultTypes: ['violations'], runOnly: rules})", RULES)
    lines = []
    for violation in results["violations"]:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            lines.append(
                f"      {node['failureSummary'].splitlines()[-1].strip()}" if node.get("failureSummary") else ""
            )
    return [line for line in lines if line]


def open_screen(page, screen, shown):
    """Opens the screen and does its step; returns what undoes the step, if anything."""
    page.evaluate("() => { for (const child of document.querySelectorAll('#main > *')) child.dataset.stale = '1'; }")
    # The same address again draws the screen again (as the app's own navigate does).
    page.evaluate(
        """(address) => {
          if (location.hash === address) window.dispatchEvent(new HashChangeEvent("hashchange"));
          else location.hash = address;
        }""",
        screen.address.format(**shown),
    )
    page.wait_for_function(DRAWN, arg=screen.ready.format(**shown))
    undo = screen.then(page, shown) if screen.then else None
    page.evaluate(REVEAL)
    return undo


def desk_context(browser, live_app, width):
    context = browser.new_context(
        base_url=live_app.url, bypass_csp=True, **{**SIZES[width], "service_workers": "block"}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.mark.parametrize("width", WIDTHS)
def test_the_login_screen_passes_axe(browser, live_app, width):
    context = desk_context(browser, live_app, width)
    try:
        page = context.new_page()
        page.goto("/")
        page.wait_for_selector("#login-form")
        found = violations_on(page)
        assert not found, "axe-core found on the login screen:\n" + "\n".join(found)
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", SCREENS)
def test_every_screen_of_the_role_passes_axe(browser, live_app, shown, username, width):
    context = desk_context(browser, live_app, width)
    problems = []
    try:
        page = sign_in(context.new_page(), live_app, username)
        page.wait_for_selector("#nav-settings")
        for screen in expanded(SCREENS[username], shown["types"]):
            where = f"{screen.name} ({screen.address.format(**shown)})"
            try:
                undo = open_screen(page, screen, shown)
            except Exception as error:  # a screen that does not open is a failure of its own
                problems.append(f"{where} did not open: {error}")
                continue
            found = violations_on(page)
            if undo:
                undo()
            if found:
                problems.append(f"{where}:\n" + "\n".join(found))
    finally:
        context.close()
    assert not problems, f"axe-core found, as {username} at {width} px:\n" + "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# The sync state, said to screen readers

SYNCED = "Đã đồng bộ. Không còn bản ghi nào chưa gửi."
SYNCING = "Đang đồng bộ…"
# Every text the live region is given, in order, as a screen reader would hear it.
LISTEN = """() => {
  const region = document.getElementById("status-live");
  window.heard = [];
  new MutationObserver(() => window.heard.push(region.textContent)).observe(region, { childList: true, characterData: true, subtree: true });
}"""


def heard(page):
    return page.evaluate("() => window.heard")


def test_the_sync_state_is_said_politely_once_per_change_and_never_per_tick(phone, live_app, api):
    forms = api("vol.qt1").get("/forms")
    page = log_in(phone, live_app)
    said = page.locator("#status-live")
    expect(said).to_have_attribute("role", "status")
    expect(said).to_have_attribute("aria-live", "polite")
    expect(said).to_have_attribute("aria-atomic", "true")
    expect(said).to_have_text(SYNCED)
    page.evaluate(LISTEN)

    phone.set_offline(True)
    expect(said).to_have_text("Ngoại tuyến. 0 bản ghi chưa gửi, được giữ trên máy.")
    save_new_record(page, forms, "difficulty", difficulty_data(description=f"Thôn 1 mất sóng {tag()}"))
    expect(said).to_have_text("Ngoại tuyến. 1 bản ghi chưa gửi, được giữ trên máy.")
    phone.set_offline(False)
    expect(said).to_have_text(SYNCED)  # the record went by itself: its sync is said by its end
    assert SYNCING not in heard(page)

    # Asked for, a sync is said when it starts and when it ends; not its progress.
    page.click("#sync-now")
    expect(page.locator("#sync-now")).not_to_have_attribute("aria-disabled", "true")
    eventually(page, lambda: heard(page)[-2:] == [SYNCING, SYNCED], message="the asked sync said")
    # The timer's sync, which changes nothing, says nothing.
    before = heard(page)
    page.evaluate('async () => { await (await import("/js/syncer.js")).syncNow(); }')
    assert heard(page) == before
    assert not [text for text in before if "Đang gửi" in text or "Đang nhận" in text]
    assert all(a != b for a, b in zip(before, before[1:], strict=False)), before
