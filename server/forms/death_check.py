"""rà soát khai tử: someone who has died but whose death may never have been registered."""

from server.forms.examples import person, mobile
from server.forms.declarations import REVIEWERS, Choice, Example, Field, RecordType, Rule, Workflow
from server.forms.measures import Breakdown, Count, Share
from server.forms.logic import number, part, personal_id_rules, present, var
from server.labels import Label as L
from server.forms.vneid_activation import GENDER

# The workflow order; WORKFLOW below holds the allowed moves.
CASE_STATUSES = (
    Choice("reported", L("Mới phát hiện", "Reported")),
    Choice("verified_unregistered", L("Đã xác minh, chưa khai tử", "Verified, not registered")),
    Choice("certificate_issued", L("Đã cấp giấy chứng tử", "Death certificate issued")),
    Choice("residence_removed", L("Đã xóa đăng ký thường trú", "Permanent residence removed")),
    Choice("funeral_allowance_done", L("Đã giải quyết trợ cấp mai táng phí", "Funeral allowance settled")),
    Choice("already_registered", L("Đã khai tử từ trước", "Already registered")),
    Choice("person_alive", L("Người còn sống", "Person is alive")),
)

# Verification and the certificate are the civil status officer's (Tư pháp - Hộ tịch); the
# commune police and the working group may make them too.
WORKFLOW_ROLES = (*REVIEWERS, "civil_status")

FIELDS = (
    Field("deceased_name", "text", L("Họ và tên người chết", "Name of the deceased"), required=True, max_length=200),
    Field(
        "deceased_personal_id",
        "personal_id",
        L("Số định danh cá nhân của người chết", "Personal ID of the deceased"),
        help=L("Để trống nếu không biết", "Leave empty if unknown"),
    ),
    Field("birth_year", "year", L("Năm sinh", "Year of birth"), required=True, min=1880),
    Field("gender", "choice", L("Giới tính", "Gender"), choices=GENDER),
    Field(
        "date_of_death",
        "partial_date",
        L("Ngày chết", "Date of death"),
        required=True,
        not_future=True,
        help=L(
            "Nếu không rõ ngày, ghi tháng/năm hoặc chỉ năm",
            "If the day is unknown, give the month and year, or only the year",
        ),
    ),
    Field("place_of_death", "text", L("Nơi chết", "Place of death"), max_length=300),
    Field("informant_name", "text", L("Người cung cấp thông tin", "Informant"), required=True, max_length=200),
    Field("informant_relation", "text", L("Quan hệ với người chết", "Relation to the deceased"), max_length=100),
    Field("informant_phone", "phone", L("Số điện thoại người cung cấp", "Informant's phone")),
    Field(
        "source",
        "choice",
        L("Nguồn thông tin", "Source"),
        choices=(
            Choice("family", L("Gia đình", "Family")),
            Choice("village_staff", L("Cán bộ thôn", "Village staff")),
            Choice("neighbour", L("Hàng xóm", "Neighbour")),
            Choice("health_station", L("Trạm y tế", "Health station")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field("evidence_note", "long_text", L("Ghi chú chứng cứ", "Evidence"), max_length=2000),
    Field(
        "case_status",
        "choice",
        L("Tình trạng xử lý", "Case status"),
        choices=CASE_STATUSES,
        editable_by=WORKFLOW_ROLES,
        default="reported",
    ),
    Field(
        "reopen_reason",
        "long_text",
        L("Lý do mở lại hồ sơ", "Why the case was reopened"),
        max_length=1000,
        editable_by=("admin",),
    ),
    Field(
        "death_register_ref",
        "text",
        L("Số đăng ký trong sổ khai tử", "Entry in the death register"),
        max_length=100,
        editable_by=WORKFLOW_ROLES,
    ),
    Field(
        "certificate_number",
        "text",
        L("Số giấy chứng tử", "Death certificate number"),
        max_length=50,
        editable_by=WORKFLOW_ROLES,
    ),
    Field(
        "certificate_date",
        "date",
        L("Ngày cấp giấy chứng tử", "Death certificate date"),
        not_future=True,
        editable_by=WORKFLOW_ROLES,
    ),
)


RULES = (
    *personal_id_rules("deceased_personal_id", var("birth_year")),
    Rule(
        "death_not_before_birth",
        {
            "and": [
                present("date_of_death", "birth_year"),
                {"<": [number(part(var("date_of_death"), 0, 4)), var("birth_year")]},
            ]
        },
        ("date_of_death",),
        L("Ngày chết không thể trước năm sinh", "The date of death cannot be before the year of birth"),
    ),
    Rule(
        "certificate_not_before_death",
        {"and": [present("certificate_date", "date_of_death"), {"<": [var("certificate_date"), var("date_of_death")]}]},
        ("certificate_date",),
        L(
            "Ngày cấp giấy chứng tử không thể trước ngày chết",
            "The certificate date cannot be before the date of death",
        ),
    ),
)


# reported -> verified_unregistered -> certificate_issued -> residence_removed
# (-> funeral_allowance_done), or reported -> already_registered | person_alive (closed). Only forward.
WORKFLOW = Workflow(
    "case_status",
    {
        "reported": ("verified_unregistered", "already_registered", "person_alive"),
        "verified_unregistered": ("certificate_issued",),
        "certificate_issued": ("residence_removed",),
        # Closed here when no funeral allowance applies.
        "residence_removed": ("funeral_allowance_done",),
    },
    needs={
        state: ("certificate_number", "certificate_date")
        for state in ("certificate_issued", "residence_removed", "funeral_allowance_done")
    },
    # The working group reopens a case closed by mistake, saying why.
    reopen_to="reported",
    reopen_by=("admin",),
    reopen_reason="reopen_reason",
    timed=(
        ("reported", "verified_unregistered"),
        ("verified_unregistered", "certificate_issued"),
        ("certificate_issued", "residence_removed"),
        ("residence_removed", "funeral_allowance_done"),
        ("reported", "certificate_issued"),
        ("reported", "already_registered"),
        ("reported", "person_alive"),
    ),
)

# Cases that got their certificate (and maybe the later steps).
CERTIFIED = {"in": [var("case_status"), ["certificate_issued", "residence_removed", "funeral_allowance_done"]]}
# Closed without a certificate because none is needed: they leave the share's denominator.
NEEDING_CERTIFICATE = {"!": {"in": [var("case_status"), ["already_registered", "person_alive"]]}}

MEASURES = (
    Count(
        "death_cases_reported",
        L("Rà soát khai tử: số trường hợp phát hiện", "Unregistered death check: cases found"),
        headline=False,
    ),
    Count(
        "death_cases_certified",
        L("Rà soát khai tử: đã cấp giấy chứng tử", "Unregistered death check: death certificate issued"),
        where=CERTIFIED,
    ),
    Share(
        "death_cases_certified_percent",
        L("Rà soát khai tử: tỷ lệ đã cấp giấy chứng tử (%)", "Unregistered death check: share with a certificate (%)"),
        where=CERTIFIED,
        among=NEEDING_CERTIFICATE,
    ),
)


# The demo's records of this type.

DEATH_PLACES = ["Tại nhà", "Tại nhà", "Bệnh viện Đa khoa tỉnh Thanh Hóa", "Trung tâm Y tế thị xã Bỉm Sơn"]
RELATIONS = ["Con trai", "Con gái", "Vợ", "Chồng", "Cháu nội", "Em ruột"]


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
    deceased = person(rng, 1925, 1962)
    died = rng.randint(2015, ctx.day.year - 1)
    informant = person(rng, 1960, 1995)
    data = {
        "deceased_name": deceased["name"],
        "birth_year": deceased["born"].year,
        "gender": deceased["gender"],
        # What the family remembers: often the day, sometimes only the month or the year.
        "date_of_death": rng.choice(
            [f"{died}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", f"{died}-{rng.randint(1, 12):02d}", str(died)]
        ),
        "place_of_death": rng.choice(DEATH_PLACES),
        "informant_name": f"{deceased['name'].split()[0]} {' '.join(informant['name'].split()[1:])}",
        "informant_relation": rng.choice(RELATIONS),
        "informant_phone": mobile(rng),
        "source": rng.choice(["family", "family", "village_staff", "neighbour", "health_station"]),
        "evidence_note": rng.choice(
            [
                "Gia đình xác nhận, có giấy báo tử của trạm y tế",
                "Trưởng thôn xác nhận, đã làm đám tang tại địa phương",
                "Hàng xóm cho biết, chưa gặp được gia đình",
                "Rà soát danh sách người cao tuổi, gia đình chưa làm thủ tục khai tử",
            ]
        ),
    }
    if rng.random() < 0.5:
        data["deceased_personal_id"] = deceased["personal_id"]
    return data


def _papers_of_state(state, rng, moment):
    """What the civil status officer writes down on moving a case: the register checked, the certificate."""
    if state == "verified_unregistered":
        return {"death_register_ref": f"{rng.randint(1, 120)}/{moment.year}"}
    if state == "certificate_issued":
        return {
            "certificate_number": f"{rng.randint(1, 300):03d}/TLKT-BS",
            "certificate_date": moment.date().isoformat(),
        }
    return {}


RECORD_TYPE = RecordType(
    type="death_check",
    label=L("Rà soát khai tử", "Unregistered death check"),
    short_label=L("Khai tử", "Death check"),
    colour="#3d3a8c",
    fields=FIELDS,
    rules=RULES,
    date_field="date_of_death",
    name_field="deceased_name",
    personal_id_field="deceased_personal_id",
    workflow=WORKFLOW,
    measures=MEASURES,
    breakdowns=(Breakdown("case_status"),),
    # A death in 2023 found in November 2026 is November's work.
    counted_on_date_field=False,
    example=Example(
        make=example_record,
        per_quarter={"volunteer": 5, "village_staff": 5, "police": 5},
        paths=(
            ("verified_unregistered",),
            ("verified_unregistered", "certificate_issued"),
            ("verified_unregistered", "certificate_issued", "residence_removed"),
            ("verified_unregistered", "certificate_issued", "residence_removed", "funeral_allowance_done"),
            ("already_registered",),
            ("person_alive",),
        ),
        on_entering=_papers_of_state,
        remarks=(
            (
                "Đề nghị bổ sung số điện thoại người báo tin để Tư pháp liên hệ xác minh",
                lambda data, rng: {"informant_phone": mobile(rng)},
            ),
        ),
    ),
)
