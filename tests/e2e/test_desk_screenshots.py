"""Screenshots of the desk screens at a phone's 360 px and a desktop's 1280 px, saved under
tests/e2e/artifacts/ (desk-queue-360.png, desk-review-1280.png, desk-conflict-360.png, ...):
the review queue with a possible duplicate and a conflict, the review screen of a record with
an open conflict, and that conflict. At 360 px nothing may scroll sideways."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import save_screenshot
from tests.e2e.desk import desk, open_queue, queue_row
from tests.e2e.steps import THON_1, VOLUNTEER, tag
from tests.helpers import update, vneid_data


@pytest.fixture
def queue_with_a_duplicate_and_a_conflict(api):
    """Three records of vol.qt1 named with one mark: two with the same personal id, and one
    whose two devices changed the same field (an open conflict). Returns (mark, conflicted id)."""
    mark = tag()
    # Personal ids of this test's own: the duplicate flag is commune-wide.
    serial = int(mark, 16) % 10**6
    duplicated, single = f"038191{serial:06d}", f"001085{serial:06d}"
    first, second = api(VOLUNTEER), api(VOLUNTEER)
    records = [
        vneid_data(full_name=f"Lê Thị Mai {mark}", personal_id=duplicated, date_of_birth="1991-02-03"),
        vneid_data(
            full_name=f"Lê Thị Mai {mark}", personal_id=duplicated, date_of_birth="1991-02-03", phone="0987654321"
        ),
        vneid_data(
            full_name=f"Vũ Văn Nam {mark}",
            personal_id=single,
            date_of_birth="1985-09-30",
            gender="nam",
            notes="Đã hướng dẫn cài đặt tại nhà văn hóa thôn.",
        ),
    ]
    created = first.caller.push_ok([first.caller.create("vneid_activation", THON_1, data) for data in records])
    conflicted = created[2]["record_id"]
    first.caller.push_ok([update(conflicted, 1, {"phone": "0911222333"})])
    [result] = second.caller.push_ok([update(conflicted, 1, {"phone": "0944555666", "notes": "Số mới của vợ."})])
    assert result["status"] == "conflict", result
    return mark, conflicted


def _no_sideways_scroll(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide at {width}px"


def shoot(page, name, width):
    # The notice after logging in (about storage) goes after 4 s; the screen under it is the point.
    expect(page.locator("#toasts .toast")).to_have_count(0)
    if width == 360:
        _no_sideways_scroll(page, width)
    path = save_screenshot(page, name)
    assert path.stat().st_size > 5_000, path  # a picture of something, not a blank page
    return path


@pytest.mark.parametrize("width", [360, 1280])
def test_desk_screens(browser, live_app, queue_with_a_duplicate_and_a_conflict, width):
    mark, conflicted = queue_with_a_duplicate_and_a_conflict
    with desk(browser, live_app, "admin.qt", width) as page:
        rows = open_queue(page, mark)
        expect(rows).to_have_count(3)
        expect(page.locator("#queue-list .badge.duplicate")).to_have_count(2)
        expect(queue_row(page, conflicted)).to_have_attribute("data-state", "conflict")
        shoot(page, f"desk-queue-{width}", width)

        queue_row(page, conflicted).locator("a").click()
        expect(page.locator("section#review")).to_have_attribute("data-id", conflicted)
        expect(page.locator("#review-history > li")).to_have_count(2)
        expect(page.locator("#action-approve")).to_be_disabled()
        shoot(page, f"desk-review-{width}", width)

        page.click("#review .notice.conflict a")  # the admin's way to the conflict
        expect(page.locator("section#conflict")).to_have_attribute("data-state", "open")
        expect(page.locator(".conflict-field.conflicting")).to_have_count(1)
        expect(page.locator(".conflict-field")).to_have_count(2)
        shoot(page, f"desk-conflict-{width}", width)
