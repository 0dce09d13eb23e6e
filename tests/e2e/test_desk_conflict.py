"""The conflict loop: two phones of vol.qt1 change the same fields of one record offline, both
sync, the second gets a conflict; admin.qt resolves it field by field at a desk, and both
phones end with the same data, the admin's choice. A record with an open conflict cannot be
approved."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, DEFAULT_TIMEOUT_MS, Phone
from tests.e2e.desk import desk, open_queue, queue_row
from tests.e2e.steps import (
    THON_1,
    VOLUNTEER,
    expect_unsent,
    fill_form,
    log_in,
    record_type,
    tag,
    wait_for_service_worker,
)
from tests.helpers import vneid_data

NOTE_A = "Máy A: công dân đổi số điện thoại, đã gọi xác nhận."
NOTE_B = "Máy B: số cũ không liên lạc được, ghi số mới của con gái."
NOTE_CHOSEN = "Đã xác minh với trưởng thôn: số mới là số chính chủ của bà Hương."


def phone_view(page, record_id):
    """The record as this phone shows it: its server copy with the phone's own unsent changes."""
    return page.evaluate(
        """async (id) => {
        const { getView } = await import("/js/notebook.js");
        const view = await getView(id, null);
        return { data: view.data, state: view.state, version: view.base_version };
    }""",
        record_id,
    )


def edit_offline(page, forms, record_id, changes):
    """Opens the record's form, changes `changes`, saves: the change waits in the outbox."""
    page.goto(f"/#/record/{record_id}")
    page.click("#edit-record")
    fill_form(page, forms, "vneid_activation", changes)
    page.click("#save-record")
    detail = page.locator(".record-detail")
    expect(detail).to_have_attribute("data-id", record_id)
    expect(detail).to_have_attribute("data-state", "pending")
    expect_unsent(page, 1)
    return detail


def test_two_phones_of_one_volunteer_conflict_and_the_admin_resolves_field_by_field(phone, live_app, api, browser):
    volunteer, admin_api = api(VOLUNTEER), api("admin.qt")
    forms = admin_api.get("/forms")
    mark = tag()
    # A level 1 account: its place may change to any other.
    data = vneid_data(
        full_name=f"Đặng Thị Hương {mark}",
        personal_id="036190007788",
        phone="0912000333",
        notes="Ghi chú ban đầu",
        level=1,
    )
    [created] = volunteer.caller.push_ok([volunteer.caller.create("vneid_activation", THON_1, data)])
    record_id = created["record_id"]
    other_place = next(
        c["value"]
        for c in next(f for f in record_type(forms, "vneid_activation")["fields"] if f["name"] == "place")["choices"]
        if c["value"] != data["place"]
    )

    # Two phones of hers, each with the record pulled.
    second = browser.new_context(base_url=live_app.url, **PHONE)
    second.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        phone_b = Phone(context=second, page=None)
        phone_b.new_page()
        phones = {"a": phone, "b": phone_b}
        pages = {}
        for name, each in phones.items():
            pages[name] = log_in(each, live_app)
            wait_for_service_worker(pages[name])
            pages[name].goto(f"/#/record/{record_id}")
            expect(pages[name].locator(".record-detail")).to_have_attribute("data-state", "synced")
            each.set_offline(True)

        # Offline, both change the phone number and the notes; B also changes the place.
        detail_a = edit_offline(pages["a"], forms, record_id, {"phone": "0911000111", "notes": NOTE_A})
        detail_b = edit_offline(
            pages["b"], forms, record_id, {"phone": "0922000222", "notes": NOTE_B, "place": other_place}
        )

        # A syncs first and is applied; B's change meets A's and becomes a conflict.
        phone.set_offline(False)
        expect(detail_a).to_have_attribute("data-state", "synced")
        expect_unsent(pages["a"], 0)
        phone_b.set_offline(False)
        expect(detail_b).to_have_attribute("data-state", "conflict")
        expect(pages["b"].locator(".notice.conflict")).to_be_visible()
        expect_unsent(pages["b"], 0)
        [conflict] = [
            c for c in admin_api.get("/conflicts", state="open", per_page=100)["items"] if c["record_id"] == record_id
        ]
        assert sorted(conflict["fields"]) == ["notes", "phone"]  # the ones needing a choice

        with desk(browser, live_app, "admin.qt") as admin:
            # While the conflict is open the record cannot be approved, alone or in bulk.
            rows = open_queue(admin, mark)
            expect(rows).to_have_count(1)
            row = queue_row(admin, record_id)
            expect(row).to_have_attribute("data-state", "conflict")
            expect(row.locator("input[type=checkbox]")).to_be_disabled()
            row.locator("a").click()
            expect(admin.locator("section#review")).to_have_attribute("data-id", record_id)
            expect(admin.locator("#action-approve")).to_be_disabled()

            # The open conflicts; this one, field by field.
            admin.click("#nav-conflicts")
            expect(admin.locator("section#conflicts")).to_be_visible()
            admin.click(f'#conflict-list li[data-id="{conflict["id"]}"] a')
            screen = admin.locator("section#conflict")
            expect(screen).to_have_attribute("data-state", "open")
            expect(admin.locator(".conflict-field")).to_have_count(3)
            expect(admin.locator(".conflict-field.conflicting")).to_have_count(2)
            for name in ("phone", "notes"):
                expect(admin.locator(f'.conflict-field[data-field="{name}"]')).to_have_class(
                    "conflict-field conflicting"
                )
            expect(admin.locator('.conflict-field[data-field="phone"]')).to_contain_text("0911000111")  # server
            expect(admin.locator('.conflict-field[data-field="phone"]')).to_contain_text("0922000222")  # device
            expect(admin.locator('input[name="pick-place"]')).to_have_count(0)  # no choice to make

            # Every conflicting field needs a deliberate choice.
            admin.check('input[name="pick-phone"][value="device"]')
            admin.click("#resolve")
            expect(admin.locator("#resolve-error")).to_contain_text("Ghi chú")
            expect(screen).to_have_attribute("data-state", "open")
            admin.check('input[name="pick-notes"][value="edited"]')
            admin.fill("#edit-notes", NOTE_CHOSEN)
            admin.click("#resolve")
            expect(admin.locator("section#conflicts")).to_be_visible()
            expect(admin.locator(f'#conflict-list li[data-id="{conflict["id"]}"]')).to_have_count(0)

            # Resolved, it can be approved again.
            admin.goto(f"/#/review/{record_id}")
            expect(admin.locator("section#review")).to_have_attribute("data-version", "3")
            expect(admin.locator("#action-approve")).to_be_enabled()

        # Both phones pull the resolution and hold the same data: the admin's choice.
        chosen = {**data, "phone": "0922000222", "notes": NOTE_CHOSEN, "place": other_place}
        for page in pages.values():
            page.click("#sync-now")
            expect(page.locator(".record-detail")).to_have_attribute("data-state", "synced")
            expect(page.locator('dd[data-field="phone"]')).to_have_text("0922000222")
            expect(page.locator('dd[data-field="notes"]')).to_have_text(NOTE_CHOSEN)
            expect_unsent(page, 0)
        views = {name: phone_view(page, record_id) for name, page in pages.items()}
        assert views["a"] == views["b"] == {"data": chosen, "state": "synced", "version": 3}, views
    finally:
        second.close()

    record = admin_api.get(f"/records/{record_id}")
    assert record["data"] == chosen
    assert record["version"] == 3 and not record["has_conflict"] and record["open_conflicts"] == []
    assert [v["action"] for v in record["history"]] == ["create", "update", "resolve"]
    resolved = admin_api.get(f"/conflicts/{conflict['id']}")
    assert resolved["state"] == "resolved"
    # Per field of the device's proposal, what was chosen: the place had nothing to choose.
    assert resolved["resolution"] == {
        "phone": {"choice": "device", "value": "0922000222"},
        "notes": {"choice": "edited", "value": NOTE_CHOSEN},
        "place": {"choice": "device", "value": other_place},
    }, resolved["resolution"]
    assert resolved["resolved_by"] == admin_api.user["id"]
    assert record["history"][-1]["user"]["username"] == "admin.qt"
    assert resolved["resolved_version"] == 3
