"""Adding a record type is one new module and nothing else.

The test writes a scratch type's module itself — a choice, a number, a relevance condition, a
cross-field rule, a two-state workflow and one measure — and registers it the way a deployment
adds a type of its own, by naming the module in SOTAY_RECORD_TYPE_MODULES, on a server of its
own. No other code knows the type. It then checks that the type is in /forms, validates on push
(its rule, its relevance, its workflow), shows on the phone with its label and colour and syncs
from there, and counts in progress, targets, the dashboard and the monthly export (XLSX, CSV).
"""

import csv
import io
import textwrap

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, PHONE, Api, save_screenshot, served
from tests.e2e.steps import REVIEWER, THON_1, VOLUNTEER, eventually, sign_in
from tests.helpers import update

MODULE = "scratch_household_visit"
TYPE = "household_visit"
SOURCE = textwrap.dedent(
    '''
    """thăm hộ gia đình: a type no code of the app knows."""

    from server.forms.declarations import Choice, Field, RecordType, Rule, Workflow
    from server.forms.logic import present, var
    from server.forms.measures import Count
    from server.labels import Label as L

    MET = {"==": [var("outcome"), "met"]}

    RECORD_TYPE = RecordType(
        type="household_visit",
        label=L("Thăm hộ gia đình", "Household visit"),
        short_label=L("Thăm hộ", "Visit"),
        colour="#5a3e1b",
        fields=(
            Field("householder", "text", L("Chủ hộ", "Householder"), required=True, max_length=200),
            Field(
                "outcome",
                "choice",
                L("Kết quả", "Outcome"),
                required=True,
                choices=(Choice("met", L("Gặp được", "Met")), Choice("absent", L("Vắng nhà", "Nobody home"))),
            ),
            Field("members", "integer", L("Số nhân khẩu", "Members"), required=True, min=0, max=50, relevant=MET),
            Field("with_vneid", "integer", L("Số người đã có VNeID", "Members with VNeID"), min=0, max=50, relevant=MET),
            Field("visit_date", "date", L("Ngày thăm", "Date of visit"), not_future=True),
            Field(
                "stage",
                "choice",
                L("Tình trạng", "Stage"),
                choices=(Choice("open", L("Đang theo dõi", "Open")), Choice("closed", L("Đã xong", "Closed"))),
                default="open",
                editable_by=("police",),
            ),
        ),
        rules=(
            Rule(
                "with_vneid_at_most_members",
                {"and": [present("members", "with_vneid"), {">": [var("with_vneid"), var("members")]}]},
                ("with_vneid",),
                L("Không thể nhiều hơn số nhân khẩu", "Cannot be more than the members"),
            ),
        ),
        workflow=Workflow("stage", {"open": ("closed",)}),
        date_field="visit_date",
        name_field="householder",
        measures=(Count("households_met", L("Thăm hộ gia đình: số hộ gặp được", "Household visits: met"), where=MET),),
    )
    '''
)
PERIOD = "2026-11"


@pytest.fixture(scope="module")
def scratch_app(tmp_path_factory):
    """A server whose registry holds the scratch type: the module on the import path, named in
    SOTAY_RECORD_TYPE_MODULES, and nothing else changed."""
    folder = tmp_path_factory.mktemp("scratch-type")
    (folder / "modules").mkdir()
    (folder / "modules" / f"{MODULE}.py").write_text(SOURCE)
    extra_env = {"PYTHONPATH": str(folder / "modules"), "SOTAY_RECORD_TYPE_MODULES": MODULE}
    with served(folder, workers=1, extra_env=extra_env) as app:
        yield app


def visit(householder, **data):
    return {"householder": householder, "outcome": "met", "members": 5, "visit_date": "2026-11-10", **data}


def test_the_type_is_in_forms_and_validates_on_push(scratch_app):
    volunteer, police = Api(scratch_app.url, VOLUNTEER), Api(scratch_app.url, REVIEWER)
    forms = police.get("/forms")
    declared = next(t for t in forms["types"] if t["type"] == TYPE)
    assert declared["label"] == {"vi": "Thăm hộ gia đình", "en": "Household visit"}
    assert declared["colour"] == "#5a3e1b" and declared["workflow"]["moves"] == {"open": ["closed"]}
    assert next(f for f in declared["fields"] if f["name"] == "members")["relevant"] == {
        "==": [{"var": "outcome"}, "met"]
    }

    good = volunteer.caller.create(TYPE, THON_1, visit("Hộ ông Hoàng Văn Nam", with_vneid=3))
    broken = volunteer.caller.create(TYPE, THON_1, visit("Hộ bà Lò Thị Mai", with_vneid=9))
    missing = volunteer.caller.create(TYPE, THON_1, {"householder": "Hộ ông Sùng A Lử", "outcome": "met"})
    absent = volunteer.caller.create(TYPE, THON_1, visit("Hộ ông Vi Văn Tú", outcome="absent", members=4))
    results = volunteer.caller.push_ok([good, broken, missing, absent])
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"], results
    assert results[1]["error"]["fields"]["with_vneid"] == ["Không thể nhiều hơn số nhân khẩu"]
    assert "members" in results[2]["error"]["fields"]  # required while the householder was met
    # Not met: the members are not asked for, and a value sent anyway is not kept.
    kept = police.get(f"/records/{absent['record_id']}")["data"]
    assert "members" not in kept and kept["stage"] == "open"

    # The workflow: only the police move a visit on, and only along its declared moves.
    record = police.get(f"/records/{good['record_id']}")
    (moved_by_volunteer,) = volunteer.caller.push_ok(
        [update(good["record_id"], record["version"], {"stage": "closed"})]
    )
    assert moved_by_volunteer["status"] == "rejected"
    (moved,) = police.caller.push_ok([update(good["record_id"], record["version"], {"stage": "closed"})])
    assert moved["status"] == "applied" and police.get(f"/records/{good['record_id']}")["data"]["stage"] == "closed"


def test_the_phone_shows_it_with_its_label_and_colour_and_syncs_it(browser, scratch_app):
    context = browser.new_context(base_url=scratch_app.url, **PHONE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = sign_in(context.new_page(), scratch_app, VOLUNTEER)
        button = page.locator(f'.type-buttons a[data-type="{TYPE}"]')
        expect(button).to_contain_text("Thăm hộ gia đình")
        expect(button).to_have_css("background-color", "rgb(90, 62, 27)")
        button.click()
        page.select_option("#f-village_id", str(THON_1))
        page.fill("#f-householder", "Hộ ông Đèo Văn Sơn")
        members = page.locator('.field[data-name="members"]')
        expect(members).to_be_hidden()
        page.check('input[name="outcome"][value="0"]')  # Gặp được
        expect(members).to_be_visible()
        page.fill("#f-members", "3")
        page.fill("#f-with_vneid", "4")
        page.click("#save-record")
        expect(page.locator("#e-with_vneid")).to_have_text("Không thể nhiều hơn số nhân khẩu")
        page.fill("#f-with_vneid", "2")
        page.fill("#f-visit_date", "12/11/2026")
        page.click("#save-record")
        expect(page.locator(".record-detail")).to_be_visible()
        expect(page.locator(".record-detail")).to_contain_text("Thăm hộ gia đình")
        save_screenshot(page, "scratch-type-record-360")
        police = Api(scratch_app.url, REVIEWER)
        found = eventually(
            page,
            lambda: [r for r in police.records(type=TYPE) if r["data"]["householder"] == "Hộ ông Đèo Văn Sơn"],
            message="the phone's visit on the server",
        )
        assert found[0]["data"]["with_vneid"] == 2 and found[0]["data"]["stage"] == "open"
    finally:
        context.close()


def test_it_counts_in_progress_targets_and_the_monthly_export(scratch_app):
    volunteer, police, admin = (Api(scratch_app.url, name) for name in (VOLUNTEER, REVIEWER, "admin.qt"))
    mutations = [
        volunteer.caller.create(TYPE, THON_1, visit(f"Hộ thống kê {n}", visit_date="2026-11-20")) for n in range(3)
    ]
    mutations.append(volunteer.caller.create(TYPE, THON_1, visit("Hộ vắng", outcome="absent")))
    volunteer.caller.push_ok(mutations)
    for mutation in mutations:
        police.review(mutation["record_id"], "approve")

    admin.request("PUT", "/targets", json={"targets": [{"measure": "households_met", "period": "2026", "value": 10}]})
    progress = police.get("/reports/progress", period=PERIOD)
    measure = next(m for m in progress["measures"] if m["key"] == "households_met")
    assert measure["record_type"] == TYPE and measure["label"]["vi"] == "Thăm hộ gia đình: số hộ gặp được"
    met = progress["totals"]["measures"]["households_met"]
    assert met >= 3  # the three met households just approved (and any approved earlier in this module)
    assert progress["totals"]["types"][TYPE]["records"] == met + 1  # the absent household counts as a record
    (target,) = [t for t in progress["targets"] if t["measure"] == "households_met"]
    assert (target["actual"], target["percent_of_target"]) == (met, 10 * met)

    summary = police.caller.get("/reports/export", params={"period": PERIOD, "format": "xlsx"})
    assert summary.status_code == 200
    workbook = load_workbook(io.BytesIO(summary.content))
    assert "Thăm hộ gia đình" in workbook.sheetnames
    rows = [list(row) for row in workbook["Tổng hợp"].iter_rows(values_only=True)]
    header = next(row for row in rows if row[0] == "Thôn")
    total = next(row for row in rows if row[0] == "Tổng cộng")
    assert total[header.index("Thăm hộ gia đình: số hộ gặp được")] == met
    assert any(row[0] and str(row[0]).endswith(". THĂM HỘ GIA ĐÌNH") for row in rows)
    sheet = list(workbook["Thăm hộ gia đình"].iter_rows(values_only=True))
    assert {"Chủ hộ", "Kết quả", "Số nhân khẩu"} <= set(sheet[0]) and len(sheet) == 1 + met + 1

    records = police.caller.get("/reports/export", params={"period": PERIOD, "format": "csv", "type": TYPE})
    assert records.status_code == 200, records.text
    table = list(csv.DictReader(io.StringIO(records.content.decode("utf-8-sig"))))
    assert sorted(r["Kết quả"] for r in table).count("Gặp được") == met


def test_the_dashboard_shows_its_measure_beside_the_others(browser, scratch_app):
    """After the visits above were approved: the working group's dashboard has the type's measure
    as a column of the village table and in the target form, with the target set above."""
    context = browser.new_context(base_url=scratch_app.url, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = sign_in(context.new_page(), scratch_app, "admin.qt")
        page.goto(f"/#/dashboard?period={PERIOD}")
        label = "Thăm hộ gia đình: số hộ gặp được"
        expect(page.locator(".village-table th", has_text=label)).to_have_count(1)
        expect(page.locator('#target-measure option[value="households_met"]')).to_have_text(label)
        expect(page.locator('#targets li[data-measure="households_met"]')).to_contain_text(label)
        save_screenshot(page, "scratch-type-dashboard-1280")
    finally:
        context.close()
