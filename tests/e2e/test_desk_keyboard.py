"""The review queue at a desk (1280 px): a table with the record open beside it, worked with the
keyboard (j/k or the arrows choose, Enter opens beside, a approves and moves on, c and r put
the cursor in the comment box, Ctrl+Enter sends, x chooses for bulk approval, ? shows the keys),
sortable by its headers; on a phone (360 px) the queue stays the list of cards it was.

And a measurement: fifty records reviewed with the keys alone, and fifty more the way the phone's
column needs (open each from the list, approve, back to the list), counting actions and seconds.
The figures are printed and kept in tests/e2e/artifacts/desk-review-timing.txt; only the count
of actions is compared, never the time."""

import re
import time

from playwright.sync_api import expect

from tests.e2e.desk import desk, open_queue, queue_row
from tests.e2e.steps import REVIEWER, THON_1, VOLUNTEER, tag
from tests.helpers import vneid_data

TIMING_FILE = "desk-review-timing.txt"


def push_records(api, mark, names):
    """One VNeID activation per name (each with its own personal id, so none is a possible
    duplicate), pushed one at a time so each is recorded a moment after the one before; their
    ids, in the order given."""
    volunteer = api(VOLUNTEER).caller
    ids = []
    for i, name in enumerate(names):
        data = vneid_data(full_name=f"{name} {mark}", personal_id=personal_id(mark, i))
        [result] = volunteer.push_ok([volunteer.create("vneid_activation", THON_1, data)])
        assert result["status"] == "applied", result
        ids.append(result["record_id"])
    return ids


def push_many(api, mark, count):
    """`count` VNeID activations in one push: their ids."""
    volunteer = api(VOLUNTEER).caller
    mutations = [
        volunteer.create(
            "vneid_activation",
            THON_1,
            vneid_data(full_name=f"Người số {i:02d} {mark}", personal_id=personal_id(mark, i)),
        )
        for i in range(count)
    ]
    results = volunteer.push_ok(mutations)
    assert {r["status"] for r in results} == {"applied"}, results
    return [r["record_id"] for r in results]


def personal_id(mark, i):
    """A CCCD number of a woman born in 1990 (vneid_data's), this test's own."""
    return f"038190{int(mark, 16) % 1000:03d}{i:03d}"


def into_table(page):
    """From the search box, where a search leaves the focus, down into the table: ↓."""
    expect(page.locator("#queue-q")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(selected(page)).to_be_focused()


def row_ids(rows):
    return [rows.nth(i).get_attribute("data-id") for i in range(rows.count())]


def selected(page):
    return page.locator('#queue-list tr[aria-selected="true"]')


def beside(page):
    return page.locator("#review-pane section#review")


def review_state(reviewer, record_id):
    return reviewer.get(f"/records/{record_id}")["review_state"]


def test_the_keys_choose_open_approve_ask_for_changes_and_reject_in_the_table(live_app, api, browser):
    mark = tag()
    push_records(api, mark, ["Đào Thị Một", "Đào Văn Hai", "Đào Thị Ba", "Đào Văn Bốn"])
    reviewer = api(REVIEWER)
    with desk(browser, live_app, REVIEWER) as page:
        rows = open_queue(page, mark)
        expect(rows).to_have_count(4)
        into_table(page)
        # A real table: a caption, column headers, the record's side beside it.
        table = page.locator("table#queue-list")
        expect(table.locator("caption")).to_contain_text("Hàng chờ duyệt")
        expect(table.locator('thead th[scope="col"]')).to_have_count(8)
        expect(page.locator("#review-pane")).to_be_visible()
        ids = row_ids(rows)
        expect(selected(page)).to_have_attribute("data-id", ids[0])

        # j / k and the arrows choose; the chosen row has the focus.
        page.keyboard.press("j")
        expect(selected(page)).to_have_attribute("data-id", ids[1])
        expect(selected(page)).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(selected(page)).to_have_attribute("data-id", ids[2])
        page.keyboard.press("k")
        page.keyboard.press("ArrowUp")
        expect(selected(page)).to_have_attribute("data-id", ids[0])
        page.keyboard.press("k")  # no row above the first
        expect(selected(page)).to_have_attribute("data-id", ids[0])

        # Enter opens it beside the table, with its fields and history.
        page.keyboard.press("Enter")
        expect(beside(page)).to_have_attribute("data-id", ids[0])
        expect(page.locator("#review-history > li")).to_have_count(1)
        expect(page).to_have_url(re.compile(f"#/review/{ids[0]}\\?"))
        expect(page.locator("section#queue")).to_be_visible()

        # a approves (the version seen) and moves on to the next, opened beside in its turn.
        page.keyboard.press("a")
        expect(selected(page)).to_have_attribute("data-id", ids[1])
        expect(beside(page)).to_have_attribute("data-id", ids[1])
        expect(queue_row(page, ids[0])).to_have_attribute("data-state", "approved")
        assert review_state(reviewer, ids[0]) == "approved"

        # c puts the cursor in the comment box; keys typed there are words, not commands.
        page.keyboard.press("c")
        expect(page.locator("#review-comment-input")).to_be_focused()
        page.keyboard.type("Bổ sung ảnh chụp giấy hẹn: a, j, x.")
        expect(selected(page)).to_have_attribute("data-id", ids[1])
        expect(page.locator("#review-comment-input")).to_have_value("Bổ sung ảnh chụp giấy hẹn: a, j, x.")
        page.keyboard.press("Control+Enter")
        expect(selected(page)).to_have_attribute("data-id", ids[2])
        assert review_state(reviewer, ids[1]) == "needs_changes"
        assert reviewer.get(f"/records/{ids[1]}")["review_comment"] == "Bổ sung ảnh chụp giấy hẹn: a, j, x."

        # r: the cursor goes to the box for the reason; Escape goes back to the table first.
        page.keyboard.press("r")
        expect(page.locator("#review-comment-input")).to_be_focused()
        page.keyboard.press("Escape")
        expect(selected(page)).to_be_focused()
        page.keyboard.press("r")
        page.keyboard.type("Người này đã kích hoạt ở xã khác.")
        page.keyboard.press("Control+Enter")
        expect(selected(page)).to_have_attribute("data-id", ids[3])
        assert review_state(reviewer, ids[2]) == "rejected"
        assert review_state(reviewer, ids[3]) == "submitted"

        # A click on a row opens it beside too.
        queue_row(page, ids[0]).locator('td[data-col="author"]').click()
        expect(beside(page)).to_have_attribute("data-id", ids[0])
        expect(selected(page)).to_have_attribute("data-id", ids[0])


def test_a_record_opened_by_its_address_but_not_in_the_list_leaves_the_rows_alone(live_app, api, browser):
    """A link to a record the queue does not list (here one sent back for changes) opens it
    beside the waiting ones; a then approves nothing until the reviewer chooses a row."""
    mark = tag()
    sent_back, waiting = push_records(api, mark, ["Mã Thị Gấm", "Mã Văn Lụa"])
    reviewer = api(REVIEWER)
    reviewer.review(sent_back, "needs_changes", "Thiếu số điện thoại.")
    with desk(browser, live_app, REVIEWER) as page:
        page.goto(f"/#/review/{sent_back}?review_state=submitted&q={mark}")
        expect(beside(page)).to_have_attribute("data-id", sent_back)
        expect(page.locator("#queue-list .queue-row")).to_have_count(1)
        expect(selected(page)).to_have_count(0)
        page.keyboard.press("a")
        page.keyboard.press("j")
        expect(selected(page)).to_have_attribute("data-id", waiting)
        assert (review_state(reviewer, sent_back), review_state(reviewer, waiting)) == ("needs_changes", "submitted")


def test_x_chooses_rows_for_bulk_approval(live_app, api, browser):
    mark = tag()
    ids = push_records(api, mark, ["Hà Thị Năm", "Hà Văn Sáu", "Hà Thị Bảy"])
    reviewer = api(REVIEWER)
    with desk(browser, live_app, REVIEWER) as page:
        rows = open_queue(page, mark)
        expect(rows).to_have_count(3)
        order = row_ids(rows)
        into_table(page)
        page.keyboard.press("x")
        page.keyboard.press("j")
        page.keyboard.press("x")
        page.keyboard.press("j")
        page.keyboard.press("x")
        page.keyboard.press("x")  # and not this one after all
        expect(queue_row(page, order[0]).locator("input[type=checkbox]")).to_be_checked()
        expect(queue_row(page, order[2]).locator("input[type=checkbox]")).not_to_be_checked()
        expect(page.locator("#bulk-approve")).to_have_text("Duyệt 2 bản ghi đã chọn")
        page.click("#bulk-approve")
        expect(page.locator("#toasts")).to_contain_text("Đã duyệt 2")
    assert {i: review_state(reviewer, i) for i in ids} == {
        order[0]: "approved",
        order[1]: "approved",
        order[2]: "submitted",
    }


def test_question_mark_shows_the_keys_in_a_dialog_that_escape_closes(live_app, api, browser):
    mark = tag()
    push_records(api, mark, ["Lò Văn Tám", "Lò Thị Chín"])
    with desk(browser, live_app, REVIEWER) as page:
        expect(open_queue(page, mark)).to_have_count(2)
        into_table(page)
        page.keyboard.press("j")
        focused_row = selected(page).get_attribute("data-id")
        page.keyboard.press("?")
        dialog = page.get_by_role("dialog", name="Phím tắt trong hàng chờ duyệt")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Duyệt, rồi sang bản ghi tiếp theo")
        expect(page.locator("#keys-close")).to_be_focused()
        # Modal: the keys of the table do nothing behind it, and Tab stays inside.
        page.keyboard.press("j")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
        expect(selected(page)).to_have_attribute("data-id", focused_row)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(selected(page)).to_be_focused()
        # The button beside the count opens it too, and its close button closes it.
        page.click("#keys-button")
        expect(dialog).to_be_visible()
        page.click("#keys-close")
        expect(dialog).to_be_hidden()
        expect(page.locator("#keys-button")).to_be_focused()


def test_the_headers_sort_the_table(live_app, api, browser):
    mark = tag()
    # Recorded in this order: the newest change first is Chu, Bạch, An by default.
    first, second, third = push_records(api, mark, ["Chu Văn Cao", "An Thị Bích", "Bạch Văn Đức"])
    with desk(browser, live_app, REVIEWER) as page:
        rows = open_queue(page, mark)
        expect(rows).to_have_count(3)
        names = page.locator('#queue-list tbody td[data-col="name"]')
        header = page.locator('#queue-list th[data-col="name"]')
        expect(header).not_to_have_attribute("aria-sort", re.compile("."))

        # A column other than the date sorts the page shown, in Vietnamese order, and says so.
        header.locator("button").click()
        expect(header).to_have_attribute("aria-sort", "ascending")
        expect(names).to_have_text([f"An Thị Bích {mark}", f"Bạch Văn Đức {mark}", f"Chu Văn Cao {mark}"])
        expect(page.locator("#sorted-in-page")).to_be_visible()
        header.locator("button").click()
        expect(header).to_have_attribute("aria-sort", "descending")
        expect(names).to_have_text([f"Chu Văn Cao {mark}", f"Bạch Văn Đức {mark}", f"An Thị Bích {mark}"])

        # The date asks the server, over the whole queue.
        date = page.locator('#queue-list th[data-col="created_at"]')
        date.locator("button").click()
        expect(date).to_have_attribute("aria-sort", "ascending")
        expect(page).to_have_url(re.compile(r"sort=created_at"))
        expect(page.locator("#sorted-in-page")).to_have_count(0)
        expect(rows).to_have_count(3)
        assert row_ids(rows) == [first, second, third]
        date.locator("button").click()
        expect(date).to_have_attribute("aria-sort", "descending")
        expect(page).to_have_url(re.compile(r"sort=-created_at"))
        expect(queue_row(page, third)).to_have_count(1)
        assert row_ids(rows) == [third, second, first]


def test_the_phone_keeps_its_list_of_cards_at_360_px(live_app, api, browser):
    mark = tag()
    ids = push_records(api, mark, ["Vi Thị Mười", "Vi Văn Một"])
    with desk(browser, live_app, REVIEWER, width=360) as page:
        rows = open_queue(page, mark)
        expect(rows).to_have_count(2)
        expect(page.locator("#queue-list li.queue-row")).to_have_count(2)
        expect(page.locator("section#queue table, #review-pane, #keys-button")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # No keys on a phone: j chooses nothing, a approves nothing (out of the search box,
        # where they would be typed).
        expect(page.locator("#queue-q")).to_be_focused()
        page.locator("#queue-q").blur()
        expect(page.locator("#queue-q")).not_to_be_focused()
        page.keyboard.press("j")
        page.keyboard.press("a")
        expect(page.locator("[aria-selected]")).to_have_count(0)
        # A card opens the record on a screen of its own, with its way back.
        queue_row(page, ids[0]).locator("a").click()
        expect(page.locator("section#review")).to_have_attribute("data-id", ids[0])
        expect(page.locator("section#queue")).to_have_count(0)
        expect(page.locator("#review a.back")).to_be_visible()
    reviewer = api(REVIEWER)
    assert [review_state(reviewer, i) for i in ids] == ["submitted", "submitted"]


def test_fifty_records_take_fewer_actions_with_the_keys_than_one_by_one(live_app, api, browser, artifacts):
    keyboard_mark, clicking_mark = tag(), tag()
    keyboard_ids = set(push_many(api, keyboard_mark, 50))
    clicking_ids = set(push_many(api, clicking_mark, 50))
    reviewer = api(REVIEWER)

    def all_approved(mark):
        found = reviewer.records(q=mark)
        return len(found) == 50 and all(r["review_state"] == "approved" for r in found)

    # With the keys, at 1280 px: Enter opens the first, then a, a, a…
    with desk(browser, live_app, REVIEWER) as page:
        rows = open_queue(page, keyboard_mark)
        expect(rows).to_have_count(50)
        order = row_ids(rows)
        assert set(order) == keyboard_ids
        keys, started = 0, time.monotonic()
        into_table(page)
        page.keyboard.press("Enter")
        keys += 2
        expect(beside(page)).to_have_attribute("data-id", order[0])
        for index, record_id in enumerate(order):
            page.keyboard.press("a")
            keys += 1
            expect(queue_row(page, record_id)).to_have_attribute("data-state", "approved")
            if index + 1 < len(order):
                expect(beside(page)).to_have_attribute("data-id", order[index + 1])
        keyboard_seconds = time.monotonic() - started
    assert all_approved(keyboard_mark)

    # One by one, as the phone's column (and the desk below 1024 px) has it: open the record from
    # the list, approve it, and the list comes back.
    with desk(browser, live_app, REVIEWER, width=1000) as page:
        rows = open_queue(page, clicking_mark)
        expect(rows).to_have_count(50)
        clicks, started = 0, time.monotonic()
        left = set(clicking_ids)
        while left:
            expect(page.locator("section#queue")).to_be_visible()
            # The next of these records in the list (the newest waiting, at its top).
            record_id = next(i for i in row_ids(page.locator("#queue-list .queue-row")) if i in left)
            queue_row(page, record_id).locator("a").click()
            clicks += 1
            expect(page.locator("section#review")).to_have_attribute("data-id", record_id)
            page.click("#action-approve")
            clicks += 1
            expect(page.locator("section#queue")).to_be_visible()
            left.discard(record_id)
        clicking_seconds = time.monotonic() - started
    assert all_approved(clicking_mark)

    report = (
        "Fifty records reviewed by police.qt (approve each), on this machine:\n"
        f"  desk table with the keys (1280 px): {keys} keystrokes, {keyboard_seconds:.1f} s\n"
        f"  one by one from the list (1000 px): {clicks} clicks, {clicking_seconds:.1f} s\n"
    )
    print(report)
    (artifacts / TIMING_FILE).write_text(report)
    assert keys < clicks
