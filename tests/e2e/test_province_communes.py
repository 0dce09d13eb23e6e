"""The province admin opens a commune and gives it its admin (docs/places.md): padmin.th finds
Xã Hoằng Thanh in the official list by typing it without accents, opens it, adds its admin on the
same screen, and that admin logs in to the new commune and adds a village with its name before
the merger. At 360 px and at 1280 px, with
screenshots of the screen as artifacts."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, save_screenshot
from tests.e2e.desk import SIZES
from tests.e2e.steps import sign_in
from tests.places.test_official_places import FIXTURE

HOANG_THANH = 16000


@pytest.fixture(scope="module")
def official_list(live_app):
    """The fixture's official list loaded into the live server's database, as `make places` does."""
    live_app.server.flask("load-places", str(FIXTURE))


@pytest.fixture
def page_at(browser, live_app):
    contexts = []

    def open_page(width):
        context = browser.new_context(base_url=live_app.url, **SIZES[width])
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        errors = []
        context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
        contexts.append((context, errors))
        return context.new_page()

    yield open_page
    for context, errors in contexts:
        context.close()
        assert not errors, errors


@pytest.mark.parametrize("width", [360, 1280])
def test_the_province_admin_opens_a_commune_and_adds_its_admin(official_list, live_app, api, page_at, width):
    padmin = api("padmin.th")
    opened = {c["code"]: c for c in padmin.get("/communes")["items"]}
    page = sign_in(page_at(width), live_app, "padmin.th")
    page.click("#nav-communes")
    expect(page.locator("section#communes h1")).to_contain_text("Tỉnh Thanh Hóa")
    expect(page.locator('#commune-list li[data-code="14818"]')).to_contain_text("admin.qt")

    if HOANG_THANH not in opened:  # the first width opens it; the second finds it opened
        page.fill("#official-q", "hoang thanh")
        result = page.locator(f'#official-list li[data-code="{HOANG_THANH}"]')
        expect(page.locator("#official-list li")).to_have_count(1)
        expect(result).to_contain_text("Xã Hoằng Thanh")
        page.fill("#official-q", "xa")
        expect(page.locator("#official-list li")).to_have_count(2)  # Cẩm Tân, Hoằng Thanh: not Hà Nội's
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        expect(page.locator(".toast")).to_have_count(0, timeout=6000)  # the storage warning, if any, goes
        save_screenshot(page, f"province-communes-search-{width}")
        result.get_by_role("button", name="Mở xã này: Xã Hoằng Thanh").click()
    commune = page.locator(f'#commune-list li[data-code="{HOANG_THANH}"]')
    expect(commune).to_contain_text("Xã Hoằng Thanh")
    page.fill("#official-q", "hoang thanh")
    expect(page.locator(f'#official-list li[data-code="{HOANG_THANH}"]')).to_contain_text("đã mở")

    username = f"admin.ht{width}"
    password = f"mat-khau-{uuid.uuid4().hex[:8]}"
    commune.locator("summary").click()
    # The labels name the fields: the form is filled by them, as a screen reader would.
    commune.get_by_label("Tên đăng nhập").fill(username)
    commune.get_by_label("Họ và tên").fill(f"Tổ công tác xã Hoằng Thanh {width}")
    commune.get_by_label("Mật khẩu").fill(password)
    commune.get_by_label("Mật khẩu").press("Enter")  # the keyboard submits the form
    commune = page.locator(f'#commune-list li[data-code="{HOANG_THANH}"]')
    expect(commune).to_contain_text(f"({username})")
    page.fill("#official-q", "cam tan")
    expect(page.locator('#official-list li[data-code="15178"]')).to_contain_text("đã mở")
    page.locator(f'#commune-list li[data-code="{HOANG_THANH}"]').scroll_into_view_if_needed()
    save_screenshot(page, f"province-communes-{width}")
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the screen is {scroll_width} px wide at {width} px"

    stored = next(c for c in padmin.get("/communes")["items"] if c["code"] == HOANG_THANH)
    assert username in [a["username"] for a in stored["admins"]]
    admin = api(username, password)
    assert admin.user["commune_id"] == stored["id"] and admin.user["role"] == "admin"

    # The new admin logs in and adds a village that was "Thôn 1" before the merger.
    page = page_at(width)
    page.goto("/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.click("#nav-admin")
    page.click('a[href="#/admin/villages"]')
    page.fill("#new-village", f"Thôn 1 Hoằng Phụ {width}")
    page.select_option("#new-village-kind", "thon")
    page.fill("#new-village-former", "Thôn 1")
    page.click("#village-form button[type=submit]")
    name = f"Thôn 1 Hoằng Phụ {width}"
    added = page.locator("#village-list li").filter(has=page.locator(f'input[value="{name}"]'))
    expect(added.locator(".former-name")).to_have_text("Trước đây: Thôn 1")
    added.scroll_into_view_if_needed()
    save_screenshot(page, f"villages-former-name-{width}")
    (village,) = [v for v in admin.get("/villages") if v["name"] == name]
    assert (village["kind"], village["former_name"]) == ("thon", "Thôn 1")
