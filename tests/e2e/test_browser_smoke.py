"""The app loads in a phone-sized chromium from the real server."""

from tests.e2e.conftest import save_screenshot


def test_app_opens_on_a_phone(phone):
    page = phone.page
    page.goto("/")
    assert "Sổ Tay 06" in page.title()
    assert save_screenshot(page, "smoke-home").stat().st_size > 0
