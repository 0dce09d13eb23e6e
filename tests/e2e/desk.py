"""The desk side of the browser tests: police and admin at a desktop's 1280×800 (or on a phone,
or a narrower desk), each in a browser context of its own, next to the volunteers' phones. From
1024 px the review queue is a table with the record beside it; below, the phone's list."""

import re
from contextlib import contextmanager

from playwright.sync_api import expect

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, PHONE
from tests.e2e.steps import sign_in

DESKTOP = {
    "viewport": {"width": 1280, "height": 800},
    "device_scale_factor": 1,
    "is_mobile": False,
    "has_touch": False,
    "locale": "vi-VN",
    "service_workers": "allow",
}
SIZES = {1280: DESKTOP, 360: PHONE}


@contextmanager
def desk(browser, live_app, username, width=1280, locale=None):
    """A page logged in as `username` (police, admin, or the province's) in a new context `width`
    px wide (360: a phone; any other width a desktop's screen), its browser's language `locale` if
    given; the context closes afterwards. Fails on any uncaught exception in its pages."""
    size = SIZES.get(width) or {**DESKTOP, "viewport": {"width": width, "height": 800}}
    context = browser.new_context(base_url=live_app.url, **{**size, **({"locale": locale} if locale else {})})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    errors = []
    context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}")))
    try:
        page = sign_in(context.new_page(), live_app, username)
        expect(page.locator("#nav-settings")).to_be_visible()  # logged in: every role has Settings
        yield page
        assert not errors, "uncaught exceptions in the desk's page:\n  " + "\n  ".join(errors)
    finally:
        context.close()


def open_queue(page, query, every_state=False):
    """The review queue searched for `query` (a name or a personal id): its rows (the phone's
    cards or the desk's table rows). The queue shows records waiting for review unless
    `every_state`."""
    if not page.url.endswith("#/review"):
        # At a desk the queue may be on screen already (beside a record): wait for the new one.
        page.eval_on_selector_all("section#queue", "sections => sections.forEach((s) => { s.dataset.before = '1'; })")
        page.click("#nav-review")
    expect(page.locator("section#queue:not([data-before])")).to_be_visible()
    if every_state:
        redrawn(page, lambda: page.select_option("#queue-review_state", ""))
        expect(page).to_have_url(re.compile(r"review_state=(&|$)"))
    # The search applies on change (Enter)
    redrawn(page, lambda: (page.fill("#queue-q", query), page.press("#queue-q", "Enter")))
    expect(page).to_have_url(re.compile(f"q={query}"))
    return page.locator("#queue-list .queue-row")


def redrawn(page, action, selector="section#queue"):
    """Does `action` and waits until the screen has been drawn again (a filter reloads the
    queue from the server), so the next step acts on the new screen, not the old one."""
    page.eval_on_selector(selector, "element => { element.dataset.before = '1'; }")
    action()
    expect(page.locator(f"{selector}:not([data-before])")).to_be_visible()


def queue_row(page, record_id):
    return page.locator(f'#queue-list .queue-row[data-id="{record_id}"]')
