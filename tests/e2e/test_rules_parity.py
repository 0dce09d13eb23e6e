"""The phone checks a record by the same rules as the server: pwa/js/rules.js, run in the
browser on the /forms document, and server.forms.registry.validate in Python judge a table of
records the same way, field by field. A volunteer is never told "saved" for a record the
server will refuse, nor stopped for one it would take.

Only what the phone's form can produce is compared: it never sends unknown fields, empty
strings or values it did not offer (those are the server's own tests)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from server.forms import registry
from server.forms.rules import today
from tests.e2e.steps import REVIEWER
from tests.helpers import (
    correction_data,
    death_data,
    difficulty_data,
    level2_data,
    one_stop_data,
    propaganda_data,
    vneid_data,
)

TODAY = today()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
NEXT_MONTH = f"{TODAY.year + TODAY.month // 12}-{TODAY.month % 12 + 1:02d}"
THIS_MONTH = TODAY.isoformat()[:7]


def without(builder, *names):
    data = builder()
    for name in names:
        del data[name]
    return data


# (record type, what the case is, data, the fields the server must name)
CASES = [
    # --- hỗ trợ VNeID
    ("vneid_activation", "valid", vneid_data(), set()),
    (
        "vneid_activation",
        "valid, minimal",
        without(vneid_data, "phone_is_own", "place", "activity_date"),
        set(),
    ),
    ("vneid_activation", "activated with no level", vneid_data(level=None), {"level"}),
    (
        "vneid_activation",
        "valid, registered with no level yet",
        vneid_data(level=None, step_reached="registered", failure_reason="data_mismatch"),
        set(),
    ),
    ("vneid_activation", "level 2 helped at home", vneid_data(place="home"), {"place"}),
    ("vneid_activation", "valid, level 2 at a mobile point", vneid_data(place="mobile_point"), set()),
    ("vneid_activation", "valid, level 1 helped at home", vneid_data(level=1, place="home"), set()),
    (
        "vneid_activation",
        "valid, man born 1975",
        vneid_data(gender="nam", personal_id="001075012345", date_of_birth="1975-02-03"),
        set(),
    ),
    (
        "vneid_activation",
        "valid, girl of 11 at level 1",
        vneid_data(personal_id="038315012345", date_of_birth="2015-01-01", level=1),
        set(),
    ),
    (
        "vneid_activation",
        "valid, level 2 on the 14th birthday",
        vneid_data(personal_id="038312012345", date_of_birth="2012-11-20", activity_date="2026-11-20"),
        set(),
    ),
    (
        "vneid_activation",
        "valid, installed with a reason",
        vneid_data(step_reached="installed", failure_reason="no_chip_card"),
        set(),
    ),
    ("vneid_activation", "valid, phone written +84 with spaces", vneid_data(phone="+84 912 345 678"), set()),
    ("vneid_activation", "valid, helped today", vneid_data(activity_date=TODAY.isoformat()), set()),
    *[
        ("vneid_activation", f"{name} missing", without(vneid_data, name), {name})
        for name in ("full_name", "personal_id", "date_of_birth", "gender", "phone", "step_reached")
    ],
    ("vneid_activation", "name only spaces", vneid_data(full_name="   "), {"full_name"}),
    ("vneid_activation", "name too long", vneid_data(full_name="Nguyễn " * 40), {"full_name"}),
    ("vneid_activation", "notes too long", vneid_data(notes="x" * 2001), {"notes"}),
    ("vneid_activation", "id of 11 digits", vneid_data(personal_id="03819001234"), {"personal_id"}),
    ("vneid_activation", "id with a letter", vneid_data(personal_id="03819001234O"), {"personal_id"}),
    ("vneid_activation", "id from no province", vneid_data(personal_id="999190012345"), {"personal_id"}),
    ("vneid_activation", "id century digit for 2000s", vneid_data(personal_id="038390012345"), {"personal_id"}),
    ("vneid_activation", "id gender digit of a man", vneid_data(personal_id="038090012345"), {"personal_id"}),
    ("vneid_activation", "id year digits not the birth year", vneid_data(personal_id="038185012345"), {"personal_id"}),
    ("vneid_activation", "born tomorrow", vneid_data(date_of_birth=TOMORROW), {"date_of_birth"}),
    ("vneid_activation", "helped tomorrow", vneid_data(activity_date=TOMORROW), {"activity_date"}),
    ("vneid_activation", "birth date written d/m/y", vneid_data(date_of_birth="01/05/1990"), {"date_of_birth"}),
    ("vneid_activation", "birth date 30 February", vneid_data(date_of_birth="1990-02-30"), {"date_of_birth"}),
    ("vneid_activation", "born 1870", vneid_data(date_of_birth="1870-01-01"), {"date_of_birth"}),
    (
        "vneid_activation",
        "level 2 at 11",
        vneid_data(personal_id="038315012345", date_of_birth="2015-01-01"),
        {"level"},
    ),
    (
        "vneid_activation",
        "level 2 the day before the 14th birthday",
        vneid_data(personal_id="038312012345", date_of_birth="2012-11-21", activity_date="2026-11-20"),
        {"level"},
    ),
    ("vneid_activation", "level 3", vneid_data(level=3), {"level"}),
    ("vneid_activation", "installed without a reason", vneid_data(step_reached="installed"), {"failure_reason"}),
    ("vneid_activation", "registered without a reason", vneid_data(step_reached="registered"), {"failure_reason"}),
    ("vneid_activation", "helped before birth", vneid_data(activity_date="1989-12-31", level=1), {"activity_date"}),
    ("vneid_activation", "landline number", vneid_data(phone="0243826888"), {"phone"}),
    ("vneid_activation", "mobile of 9 digits", vneid_data(phone="091234567"), {"phone"}),
    ("vneid_activation", "gender not offered", vneid_data(gender="khác"), {"gender"}),
    ("vneid_activation", "own phone as text", vneid_data(phone_is_own="có"), {"phone_is_own"}),
    (
        "vneid_activation",
        "two fields wrong: cross rules wait",
        vneid_data(phone="0123", step_reached="installed"),
        {"phone"},
    ),
    # --- rà soát khai tử
    ("death_check", "valid, month only", death_data(), set()),
    (
        "death_check",
        "valid, full date and id",
        death_data(date_of_death="2023-04-15", deceased_personal_id="038040012345"),
        set(),
    ),
    ("death_check", "valid, minimal", without(death_data, "gender", "informant_relation", "source"), set()),
    ("death_check", "valid, died this month", death_data(date_of_death=THIS_MONTH), set()),
    ("death_check", "valid, only the year", death_data(date_of_death="2019"), set()),
    ("death_check", "valid, only this year", death_data(date_of_death=str(TODAY.year)), set()),
    ("death_check", "valid, only the year of birth", death_data(date_of_death="1940"), set()),
    ("death_check", "died next year", death_data(date_of_death=str(TODAY.year + 1)), {"date_of_death"}),
    ("death_check", "only a year before birth", death_data(date_of_death="1939"), {"date_of_death"}),
    ("death_check", "only a year too long ago", death_data(date_of_death="1850"), {"date_of_death"}),
    ("death_check", "a year of two digits", death_data(date_of_death="19"), {"date_of_death"}),
    (
        "death_check",
        "certificate before the year of death",
        death_data(date_of_death="2023", certificate_number="12/2023/TLKT", certificate_date="2022-12-31"),
        {"certificate_date"},
    ),
    (
        "death_check",
        "valid, certificate issued with number and date",
        death_data(case_status="certificate_issued", certificate_number="12/2023/TLKT", certificate_date="2023-05-02"),
        set(),
    ),
    ("death_check", "valid, informant phone", death_data(informant_phone="0389123456"), set()),
    *[
        ("death_check", f"{name} missing", without(death_data, name), {name})
        for name in ("deceased_name", "birth_year", "date_of_death", "informant_name")
    ],
    ("death_check", "born 1879", death_data(birth_year=1879), {"birth_year"}),
    ("death_check", "born next year", death_data(birth_year=TODAY.year + 1), {"birth_year"}),
    ("death_check", "birth year as text", death_data(birth_year="1940"), {"birth_year"}),
    ("death_check", "died next month", death_data(date_of_death=NEXT_MONTH), {"date_of_death"}),
    ("death_check", "died tomorrow", death_data(date_of_death=TOMORROW), {"date_of_death"}),
    ("death_check", "month 13", death_data(date_of_death="2023-13"), {"date_of_death"}),
    (
        "vneid_activation",
        "not activated, no reason given",
        vneid_data(step_reached="registered"),
        {"failure_reason"},
    ),
    (
        "vneid_activation",
        "not activated, reason given",
        vneid_data(step_reached="installed", failure_reason="other"),
        set(),
    ),
    ("vneid_activation", "activated, a stray reason is not kept", vneid_data(failure_reason="no_chip_card"), set()),
    ("death_check", "month written with a slash", death_data(date_of_death="04/2023"), {"date_of_death"}),
    ("death_check", "died before birth", death_data(date_of_death="1939-05"), {"date_of_death"}),
    (
        "death_check",
        "id year digits not the birth year",
        death_data(deceased_personal_id="038045012345"),
        {"deceased_personal_id"},
    ),
    (
        "death_check",
        "id of a woman for a man",
        death_data(deceased_personal_id="038140012345"),
        {"deceased_personal_id"},
    ),
    ("death_check", "id from no province", death_data(deceased_personal_id="000040012345"), {"deceased_personal_id"}),
    ("death_check", "id too short", death_data(deceased_personal_id="03804001"), {"deceased_personal_id"}),
    ("death_check", "informant landline", death_data(informant_phone="02373852111"), {"informant_phone"}),
    ("death_check", "relation too long", death_data(informant_relation="c" * 101), {"informant_relation"}),
    ("death_check", "source not offered", death_data(source="radio"), {"source"}),
    ("death_check", "status not offered", death_data(case_status="closed"), {"case_status"}),
    (
        "death_check",
        "certificate issued without number or date",
        death_data(case_status="certificate_issued"),
        {"certificate_number", "certificate_date"},
    ),
    (
        "death_check",
        "certificate issued without date",
        death_data(case_status="certificate_issued", certificate_number="12/2023/TLKT"),
        {"certificate_date"},
    ),
    (
        "death_check",
        "residence removed without number",
        death_data(case_status="residence_removed", certificate_date="2023-05-02"),
        {"certificate_number"},
    ),
    (
        "death_check",
        "certificate dated before the death",
        death_data(
            date_of_death="2023-04-15",
            case_status="certificate_issued",
            certificate_number="12/2023/TLKT",
            certificate_date="2023-04-10",
        ),
        {"certificate_date"},
    ),
    (
        "death_check",
        "certificate dated tomorrow",
        death_data(case_status="certificate_issued", certificate_number="12", certificate_date=TOMORROW),
        {"certificate_date"},
    ),
    # --- buổi tuyên truyền
    ("propaganda_session", "valid", propaganda_data(), set()),
    (
        "propaganda_session",
        "valid, online post with link",
        propaganda_data(form="online_post", link="https://zalo.me/g/abc123"),
        set(),
    ),
    (
        "propaganda_session",
        "valid, minimal",
        without(propaganda_data, "organizers", "location", "materials_count"),
        set(),
    ),
    ("propaganda_session", "valid, nobody came", propaganda_data(people_reached=0), set()),
    (
        "propaganda_session",
        "valid, every topic",
        propaganda_data(
            topics=[
                "vneid",
                "utility_groups",
                "online_public_services",
                "residence_law",
                "citizen_id_law",
                "cashless_payments",
                "other",
            ]
        ),
        set(),
    ),
    *[
        ("propaganda_session", f"{name} missing", without(propaganda_data, name), {name})
        for name in ("activity_date", "start_time", "form", "topics", "people_reached")
    ],
    ("propaganda_session", "no topic ticked", propaganda_data(topics=[]), {"topics"}),
    ("propaganda_session", "topic not offered", propaganda_data(topics=["vneid", "tiktok"]), {"topics"}),
    ("propaganda_session", "form not offered", propaganda_data(form="party"), {"form"}),
    ("propaganda_session", "held tomorrow", propaganda_data(activity_date=TOMORROW), {"activity_date"}),
    ("propaganda_session", "hour 25", propaganda_data(start_time="25:00"), {"start_time"}),
    ("propaganda_session", "time without the leading zero", propaganda_data(start_time="7:30"), {"start_time"}),
    ("propaganda_session", "negative people", propaganda_data(people_reached=-1), {"people_reached"}),
    ("propaganda_session", "a million and one people", propaganda_data(people_reached=1_000_001), {"people_reached"}),
    ("propaganda_session", "people as text", propaganda_data(people_reached="45"), {"people_reached"}),
    ("propaganda_session", "people a fraction", propaganda_data(people_reached=4.5), {"people_reached"}),
    ("propaganda_session", "negative materials", propaganda_data(materials_count=-3), {"materials_count"}),
    ("propaganda_session", "link without a scheme", propaganda_data(link="zalo.me/g/abc123"), {"link"}),
    ("propaganda_session", "link over ftp", propaganda_data(link="ftp://files.example.vn/a.pdf"), {"link"}),
    ("propaganda_session", "link with a space", propaganda_data(link="https://zalo.me/g/abc 123"), {"link"}),
    ("propaganda_session", "link too long", propaganda_data(link="https://zalo.me/" + "a" * 490), {"link"}),
    ("propaganda_session", "location too long", propaganda_data(location="Nhà văn hóa " * 30), {"location"}),
    ("propaganda_session", "notes too long", propaganda_data(notes="ghi chú " * 300), {"notes"}),
    # --- hướng dẫn tại Bộ phận một cửa
    ("one_stop_guidance", "valid", one_stop_data(), set()),
    (
        "one_stop_guidance",
        "valid, could not, with the reason",
        one_stop_data(result="could_not", result_reason="Mất kết nối"),
        set(),
    ),
    ("one_stop_guidance", "could not, no reason", one_stop_data(result="could_not"), {"result_reason"}),
    ("one_stop_guidance", "online procedure not named", one_stop_data(procedure=None), {"procedure"}),
    ("one_stop_guidance", "no online procedure, a stray one not kept", one_stop_data(services=["vneid"]), set()),
    ("one_stop_guidance", "site not offered", one_stop_data(site="market"), {"site"}),
    ("one_stop_guidance", "no service ticked", one_stop_data(services=[]), {"services"}),
    ("one_stop_guidance", "id too short", one_stop_data(personal_id="0381900"), {"personal_id"}),
    ("one_stop_guidance", "helped tomorrow", one_stop_data(activity_date=TOMORROW), {"activity_date"}),
    *[
        ("one_stop_guidance", f"{name} missing", without(one_stop_data, name), {name})
        for name in ("site", "citizen_name", "services", "result")
    ],
    # --- hồ sơ định danh mức 2
    ("vneid_level2_file", "valid", level2_data(), set()),
    ("vneid_level2_file", "valid, taken in", level2_data(status="file_submitted"), set()),
    ("vneid_level2_file", "place not offered", level2_data(place="home"), {"place"}),
    ("vneid_level2_file", "paper not offered", level2_data(papers=["passport"]), {"papers"}),
    ("vneid_level2_file", "id of a man for a woman", level2_data(personal_id="038095012345"), {"personal_id"}),
    (
        "vneid_level2_file",
        "id year digits not the birth year",
        level2_data(personal_id="038196012345"),
        {"personal_id"},
    ),
    *[
        ("vneid_level2_file", f"{name} missing", without(level2_data, name), {name})
        for name in ("full_name", "personal_id", "date_of_birth", "gender", "place", "appointment_date")
    ],
    # --- làm sạch dữ liệu
    ("data_correction", "valid", correction_data(), set()),
    ("data_correction", "valid, verified by the police", correction_data(status="verified"), set()),
    ("data_correction", "issue not offered", correction_data(issue="typo"), {"issue"}),
    ("data_correction", "data not offered", correction_data(field_concerned="shoe_size"), {"field_concerned"}),
    ("data_correction", "status not offered", correction_data(status="closed"), {"status"}),
    ("data_correction", "id from no province", correction_data(personal_id="000185012345"), {"personal_id"}),
    ("data_correction", "found tomorrow", correction_data(activity_date=TOMORROW), {"activity_date"}),
    ("data_correction", "recorded value too long", correction_data(recorded_value="x" * 301), {"recorded_value"}),
    *[
        ("data_correction", f"{name} missing", without(correction_data, name), {name})
        for name in ("citizen_name", "issue", "field_concerned", "evidence_note")
    ],
    # --- khó khăn, vướng mắc
    ("difficulty", "valid", difficulty_data(), set()),
    ("difficulty", "valid, carried to the province", difficulty_data(status="carried"), set()),
    ("difficulty", "topic not offered", difficulty_data(topic="weather"), {"topic"}),
    ("difficulty", "status not offered", difficulty_data(status="forgotten"), {"status"}),
    ("difficulty", "noted tomorrow", difficulty_data(activity_date=TOMORROW), {"activity_date"}),
    ("difficulty", "description too long", difficulty_data(description="x" * 2001), {"description"}),
    ("difficulty", "proposal too long", difficulty_data(proposal="x" * 2001), {"proposal"}),
    ("difficulty", "resolution too long", difficulty_data(resolution="x" * 2001), {"resolution"}),
    *[
        ("difficulty", f"{name} missing", without(difficulty_data, name), {name})
        for name in ("topic", "description", "activity_date")
    ],
]

PHONE_JUDGES = """async ({forms, cases, today}) => {
  const rules = await import('/js/rules.js');
  const context = {provinceCodes: forms.province_codes, today};
  return cases.map(([type, data]) => {
    const errors = rules.validateRecord(forms.types.find((rt) => rt.type === type), data, context);
    // A declared rule's message has no key: it comes with the declaration.
    return Object.fromEntries(Object.entries(errors).map(([field, problems]) => [field, problems.map((p) => p.key || "declared")]));
  });
}"""


@pytest.fixture
def forms(api):
    return api(REVIEWER).get("/forms")


def test_the_table_covers_each_type_and_every_required_field(forms):
    for rt in forms["types"]:
        cases = [case for case in CASES if case[0] == rt["type"]]
        assert len(cases) >= 10, rt["type"]
        missing = {name for _, what, _, expected in cases if what.endswith(" missing") for name in expected}
        # Every field always required has its case (one required only while relevant may too).
        assert missing >= {f["name"] for f in rt["fields"] if f["required"] and "relevant" not in f}, rt["type"]


# The interface's strings, the desk screens' included (they load on demand).
ALL_KEYS = """async () => {
  await import('/desk/strings.js');
  await import('/desk/reports.js');
  return (await import('/js/i18n.js')).keys();
}"""
PWA = Path(__file__).resolve().parents[2] / "pwa"


def test_the_phone_and_the_server_refuse_the_same_fields(phone, forms):
    page = phone.page
    page.goto("/")
    assert len(CASES) >= 40
    phone_errors = page.evaluate(
        PHONE_JUDGES, {"forms": forms, "cases": [[t, d] for t, _, d, _ in CASES], "today": TODAY.isoformat()}
    )
    keys = set(page.evaluate(ALL_KEYS)["vi"])

    disagreements = []
    for (type_name, what, data, expected), on_phone in zip(CASES, phone_errors, strict=True):
        _, server_errors = registry.validate(type_name, data)
        on_server = set(server_errors or {})
        # The table itself is right about the server...
        assert on_server == expected, (type_name, what, server_errors)
        # ...and the phone names the same fields, with messages it can say.
        if set(on_phone) != on_server:
            disagreements.append(f"{type_name} / {what}: phone {sorted(on_phone)}, server {sorted(on_server)}")
        unknown = {key for problems in on_phone.values() for key in problems} - keys - {"declared"}
        assert not unknown, (type_name, what, unknown)
    assert not disagreements, "\n".join(disagreements)


# An edit of a record stored before a rule (type, what, the record before, after the edit, the
# fields the server must name): checked only against the rules it touches, on both sides.
OLD_ACTIVATED = vneid_data(level=None)
OLD_LEVEL_TWO_AT_HOME = vneid_data(place="home")
EDITS = [
    ("vneid_activation", "no level, notes edited", OLD_ACTIVATED, {**OLD_ACTIVATED, "notes": "Gọi lại"}, set()),
    (
        "vneid_activation",
        "no level, step moved on",
        OLD_ACTIVATED,
        {**OLD_ACTIVATED, "step_reached": "logged_in_public_service"},
        {"level"},
    ),
    ("vneid_activation", "no level, level given", OLD_ACTIVATED, {**OLD_ACTIVATED, "level": 1}, set()),
    (
        "vneid_activation",
        "level 2 at home, phone edited",
        OLD_LEVEL_TWO_AT_HOME,
        {**OLD_LEVEL_TWO_AT_HOME, "phone": "0987654321"},
        set(),
    ),
    (
        "vneid_activation",
        "level 2 at home, place edited to another wrong one",
        OLD_LEVEL_TWO_AT_HOME,
        {**OLD_LEVEL_TWO_AT_HOME, "place": "one_stop_desk"},
        {"place"},
    ),
    (
        "vneid_activation",
        "a field check still applies to every edit",
        OLD_ACTIVATED,
        {**OLD_ACTIVATED, "phone": "0123"},
        {"phone"},
    ),
]

PHONE_JUDGES_EDITS = """async ({forms, edits, today}) => {
  const rules = await import('/js/rules.js');
  const context = {provinceCodes: forms.province_codes, today};
  return edits.map(([type, before, data]) => Object.keys(
    rules.validateRecord(forms.types.find((rt) => rt.type === type), data, context, before)));
}"""


def test_the_phone_and_the_server_check_an_edit_of_an_old_record_alike(phone, forms):
    page = phone.page
    page.goto("/")
    on_phone = page.evaluate(
        PHONE_JUDGES_EDITS,
        {"forms": forms, "edits": [[t, before, data] for t, _, before, data, _ in EDITS], "today": TODAY.isoformat()},
    )
    for (type_name, what, before, data, expected), phone_fields in zip(EDITS, on_phone, strict=True):
        assert set(registry.validate(type_name, data, before=before)[1] or {}) == expected, what
        assert set(phone_fields) == expected, (what, phone_fields)


def test_every_interface_string_exists_in_vietnamese_and_english(phone):
    page = phone.page
    page.goto("/")
    keys = page.evaluate(ALL_KEYS)
    vi, en = set(keys["vi"]), set(keys["en"])
    assert vi, "no strings"
    assert not vi - en, f"missing in English: {sorted(vi - en)}"
    assert not en - vi, f"missing in Vietnamese: {sorted(en - vi)}"
    # Every key the code names literally has a string.
    used = {key for path in PWA.rglob("*.js") for key in re.findall(r'\bt\("([a-z_]+\.[a-z_0-9]+)"', path.read_text())}
    assert used, "no t(...) calls found"
    assert not used - vi, f"used but not defined: {sorted(used - vi)}"
