"""Every user-supplied string reaches the screen as text, never as HTML: hostile markup put into
every free text a user can write (record fields, a user's full name, a village's name, a device's
name, a review comment, both sides of a conflict) is shown literally on the phone's home, list,
record and form screens and on the desk's queue, review, conflict, dashboard and admin screens,
and nothing of it runs: no script, no dialog, no element or link made from it.

Each walk runs twice: under the server's Content-Security-Policy and Trusted Types, as users get
it, and with the policy switched off in the browser (Playwright's bypass_csp), which proves the
rendering itself is safe, not just the policy catching it.
"""

import datetime
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, PHONE, Api, save_screenshot
from tests.e2e.desk import DESKTOP
from tests.e2e.steps import tag
from tests.helpers import API, death_data, propaganda_data, update, vneid_data

# Each sets window.__xss and opens a dialog if it ever becomes markup, script or a link.
IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
SVG = '"><svg onload=window.__xss=1;alert(1)>'
JS_URL = "javascript:window.__xss=1;alert(1)//"
LINK = 'https://example.invalid/?q="><svg/onload=window.__xss=1>'  # a valid http(s) URL, still hostile

# What a page holds that was made from data rather than by the app: script, handlers, markup
# elements other than the app's own (the logo, the dashboard's chart, its two scripts: the app and
# the rule evaluator it vendors), links out of the app.
UNSAFE = """() => ({
  xss: window.__xss === undefined ? null : window.__xss,
  handlers: [...document.querySelectorAll("[onerror], [onload], [onclick]")].map((e) => e.outerHTML.slice(0, 100)),
  elements: [...document.querySelectorAll("img, svg, script, iframe, object, embed")]
    .filter((e) => !e.matches('.brand img, svg.chart, head > script[type=module][src="/js/app.js"], ' +
      'head > script:not([type])[src="/vendor/json-logic.js"]'))
    .map((e) => e.outerHTML.slice(0, 100)),
  links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"))
    .filter((href) => !href.startsWith("#/")),
})"""
SAFE = {"xss": None, "handlers": [], "elements": [], "links": []}


@dataclass
class Hostile:
    """A commune's worth of hostile text, made through the API in Cẩm Hải (no other browser test
    uses that commune)."""

    mark: str
    village_id: int
    village: str
    user_id: int
    username: str
    full_name: str
    device_name: str
    comment: str
    records: dict
    conflict_id: str


@pytest.fixture(scope="module")
def hostile(live_app):
    mark = tag()
    admin, police = Api(live_app.url, "admin.ch"), Api(live_app.url, "police.ch")
    village = admin.post("/villages", json={"name": f"Thôn {SVG} {mark}"})
    username = f"xss.{mark.lower()}"
    full_name = f"Nguyễn {IMG} {mark}"
    user = admin.post(
        "/users",
        json={
            "username": username,
            "password": live_app.password,
            "full_name": full_name,
            "role": "volunteer",
            "village_ids": [village["id"]],
        },
    )
    # A device named by its user at login (the admin's device list shows it).
    device_name = f"{SCRIPT} {mark}"
    answer = requests.post(
        f"{live_app.url}{API}/auth/login",
        timeout=30,
        json={
            "username": username,
            "password": live_app.password,
            "device_id": str(uuid.uuid4()),
            "device_name": device_name,
        },
    )
    assert answer.status_code == 200, answer.text

    phone_a, phone_b = Api(live_app.url, username), Api(live_app.url, username)
    data = {
        "vneid_activation": vneid_data(full_name=f"{SCRIPT} {mark}", notes=f"{IMG} {JS_URL}"),
        "death_check": death_data(
            deceased_name=f"{IMG} {mark}",
            place_of_death=SVG,
            informant_name=f"{SCRIPT} Mai",
            informant_relation=JS_URL,
            evidence_note=IMG,
        ),
        "propaganda_session": propaganda_data(form="online_post", location=f"{SVG} {mark}", notes=SCRIPT, link=LINK),
    }
    results = phone_a.caller.push_ok(
        [phone_a.caller.create(type_name, village["id"], values) for type_name, values in data.items()]
    )
    records = {type_name: result["record_id"] for type_name, result in zip(data, results, strict=True)}
    # Two phones of the user change one field of the death check from the same version: the
    # admin's conflict screen shows a hostile base, server and device value.
    death = records["death_check"]
    [merged] = phone_b.caller.push_ok([update(death, 1, {"informant_relation": f"{SVG} B"})])
    [conflict] = phone_a.caller.push_ok([update(death, 1, {"informant_relation": f"{IMG} A"})])
    assert merged["status"] == "applied" and conflict["status"] == "conflict", (merged, conflict)

    comment = f"{IMG} {SCRIPT} {mark}"
    police.review(records["vneid_activation"], "needs_changes", comment)
    year = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7))).year
    admin.request(
        "PUT",
        "/targets",
        json={"targets": [{"measure": "vneid_helped", "village_id": village["id"], "period": str(year), "value": 10}]},
    )
    for client in (admin, police, phone_a, phone_b):
        client.close()
    return Hostile(
        mark=mark,
        village_id=village["id"],
        village=village["name"],
        user_id=user["id"],
        username=username,
        full_name=full_name,
        device_name=device_name,
        comment=comment,
        records=records,
        conflict_id=conflict["conflict_id"],
    )


@contextmanager
def signed_in(browser, live_app, username, size, policy):
    """A page logged in as `username`, under the server's policy ("enforced") or with it switched
    off in the browser ("bypassed"); yields (page, problems): uncaught errors and dialogs."""
    context = browser.new_context(base_url=live_app.url, bypass_csp=policy == "bypassed", **size)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    problems = []

    def watch(page):
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))

    context.on("page", watch)
    try:
        page = context.new_page()
        page.goto("/")
        page.fill("#username", username)
        page.fill("#password", live_app.password)
        page.click("#login-form button[type=submit]")
        expect(page.locator("#nav-settings")).to_be_visible()
        if policy == "bypassed":  # not a vacuous run: HTML from a string really would be parsed
            assert (
                page.evaluate(
                    '() => { const div = document.createElement("div"); div.innerHTML = "<b></b>"; '
                    "return div.children.length; }"
                )
                == 1
            )
        yield page, problems
    finally:
        context.close()


def screen(page, route, ready):
    """Opens the app's `route` (a hash) and waits until the screen before is gone and `ready`
    (a selector) shows."""
    page.evaluate(
        """(route) => {
      for (const element of document.querySelectorAll("main > *")) element.dataset.stale = "";
      location.hash = route; }""",
        route,
    )
    expect(page.locator("main > [data-stale]")).to_have_count(0)
    expect(page.locator(ready).first).to_be_visible()


def assert_shown_as_text(page, problems, *texts, where="main"):
    """Every text is on the screen literally, and nothing of it runs or became markup."""
    for text in texts:
        expect(page.locator(where)).to_contain_text(text)
    assert page.evaluate(UNSAFE) == SAFE
    assert problems == []


@pytest.mark.parametrize("policy", ["enforced", "bypassed"])
def test_hostile_text_on_the_phone_is_shown_as_text(browser, live_app, hostile, policy):
    vneid, death, outreach = (hostile.records[t] for t in ("vneid_activation", "death_check", "propaganda_session"))
    with signed_in(browser, live_app, hostile.username, PHONE, policy) as (page, problems):
        screen(page, "#/records", "section.records")
        expect(page.locator("#record-list li.record-row")).to_have_count(3)  # once the first sync is in
        assert_shown_as_text(
            page,
            problems,
            f"{SCRIPT} {hostile.mark}",
            f"{IMG} {hostile.mark}",
            f"{SVG} {hostile.mark}",
            hostile.village,
        )

        screen(page, "#/", "section.home")
        assert_shown_as_text(page, problems, hostile.full_name, f"{SCRIPT} {hostile.mark}")

        screen(page, f"#/record/{vneid}", f'.record-detail[data-id="{vneid}"] .history li')
        assert_shown_as_text(
            page, problems, f"{SCRIPT} {hostile.mark}", f"{IMG} {JS_URL}", hostile.comment, hostile.full_name
        )
        screen(page, f"#/record/{death}", f'.record-detail[data-id="{death}"] .history li')
        assert_shown_as_text(page, problems, f"{IMG} {hostile.mark}", SVG, f"{SCRIPT} Mai", f"{SVG} B", IMG)
        if policy == "enforced":
            save_screenshot(page, "xss-phone-record")
        screen(page, f"#/record/{outreach}", f'.record-detail[data-id="{outreach}"] .history li')
        assert_shown_as_text(page, problems, f"{SVG} {hostile.mark}", SCRIPT, LINK)

        # The form: the village picker, and a stored hostile value in its input.
        screen(page, f"#/edit/{outreach}", "#record-form")
        expect(page.locator("#f-village_id option:checked")).to_have_text(hostile.village)
        expect(page.locator("#f-location")).to_have_value(f"{SVG} {hostile.mark}")
        assert_shown_as_text(page, problems)

        screen(page, "#/settings", "#nav-settings.active")
        assert_shown_as_text(page, problems, hostile.full_name)

        # Text from the address itself: a crafted link puts it in the search box.
        screen(page, f"#/records?q={IMG}", "#search")
        expect(page.locator("#search")).to_have_value(IMG)
        assert_shown_as_text(page, problems)


@pytest.mark.parametrize("policy", ["enforced", "bypassed"])
def test_hostile_text_on_the_desk_is_shown_as_text(browser, live_app, hostile, policy):
    vneid, death = hostile.records["vneid_activation"], hostile.records["death_check"]
    with signed_in(browser, live_app, "admin.ch", DESKTOP, policy) as (page, problems):
        screen(page, f"#/review?review_state=&village_id={hostile.village_id}", "#queue-list")
        expect(page.locator("#queue-list .queue-row")).to_have_count(3)
        assert_shown_as_text(
            page,
            problems,
            f"{SCRIPT} {hostile.mark}",
            f"{IMG} {hostile.mark}",
            f"{SVG} {hostile.mark}",
            hostile.full_name,
            hostile.village,
        )

        screen(page, f"#/review/{vneid}", "#review-history li")
        assert_shown_as_text(
            page, problems, f"{SCRIPT} {hostile.mark}", f"{IMG} {JS_URL}", hostile.comment, hostile.full_name
        )
        screen(page, f"#/review/{death}", f'#review[data-id="{death}"] #review-history li')
        assert_shown_as_text(page, problems, f"{IMG} {hostile.mark}", f"{SCRIPT} Mai", JS_URL, f"{SVG} B")

        screen(page, f"#/conflicts/{hostile.conflict_id}", "#conflict")
        field = page.locator('.conflict-field[data-field="informant_relation"]')
        expect(field.locator(".option.base .option-value")).to_have_text(JS_URL)
        expect(field.locator(".option.server .option-value")).to_have_text(f"{SVG} B")
        expect(field.locator(".option.device .option-value")).to_have_text(f"{IMG} A")
        expect(page.locator("#edit-informant_relation")).to_have_value(f"{IMG} A")
        assert_shown_as_text(page, problems, f"{IMG} {hostile.mark}", hostile.full_name)
        if policy == "enforced":
            save_screenshot(page, "xss-desk-conflict")

        screen(page, "#/dashboard", "#dashboard")
        assert_shown_as_text(page, problems, hostile.village, where="#targets")
        assert_shown_as_text(page, problems, hostile.village, where=".village-table")
        assert_shown_as_text(page, problems, hostile.village, where="#target-village")

        screen(page, "#/admin/users", "#user-list")
        assert_shown_as_text(page, problems, hostile.full_name, hostile.village)
        screen(page, "#/admin/villages", "#village-list")
        rename = page.locator(f'#village-list li[data-id="{hostile.village_id}"] input').first
        expect(rename).to_have_value(hostile.village)
        assert_shown_as_text(page, problems)
        screen(page, "#/admin/devices", "#device-list")
        assert_shown_as_text(page, problems, hostile.full_name, hostile.device_name)
        screen(page, f"#/admin/audit?user_id={hostile.user_id}", "#audit-table")
        assert_shown_as_text(page, problems, hostile.full_name, where="#audit-table")
        # Text from the address: a crafted link fills the audit filter (which takes 40 characters).
        screen(page, f"#/admin/audit?action={SVG}", "#audit-action")
        expect(page.locator("#audit-action")).to_have_value(SVG)
        assert_shown_as_text(page, problems)


def test_the_policy_refuses_html_made_from_a_string(phone, browser, live_app):
    """The page's Trusted Types refuse a string where HTML goes, so a rendering bug would be a
    blocked, reported violation rather than script running; the browser suite fails on it."""
    page = phone.page
    page.goto("/")
    expect(page.locator("#login-form")).to_be_visible()
    outcome = page.evaluate(
        """(html) => {
      try { document.querySelector("main").insertAdjacentHTML("beforeend", html); return "parsed"; }
      catch (err) { return err.name; } }""",
        IMG,
    )
    assert outcome == "TypeError"
    page.wait_for_timeout(300)  # let the error event fire, were anything parsed
    assert page.evaluate(UNSAFE) == SAFE
    assert any("trusted-types-sink" in violation for violation in browser.violations), browser.violations
    browser.violations.clear()  # caused on purpose
