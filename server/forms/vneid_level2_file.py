"""hồ sơ định danh điện tử mức 2: a citizen's VNeID level 2 file, followed from the appointment to
the activated account (DOMAIN.md, "Level 2 is a file, not a visit").

A type of its own rather than a workflow on vneid_activation: a help visit is done in one sitting
and reviewed like any record, while a file lives for days at the police office or a mobile point,
moved on by the police as the papers come in; one record per file keeps both simple.
"""

from datetime import timedelta

from server.forms.examples import person, mobile
from server.forms.declarations import Choice, Example, Field, RecordType, Workflow
from server.forms.logic import personal_id_rules, number, part, var
from server.forms.vneid_activation import GENDER
from server.forms.measures import Breakdown, Count
from server.labels import Label as L

# The commune police take the file in, approve it and see the account activated.
STATUS_ROLES = ("police",)
BIRTH = var("date_of_birth")

FIELDS = (
    Field("full_name", "text", L("Họ, chữ đệm và tên", "Full name"), required=True, max_length=200),
    Field("personal_id", "personal_id", L("Số định danh cá nhân / số CCCD", "Personal ID number"), required=True),
    Field("date_of_birth", "date", L("Ngày sinh", "Date of birth"), required=True, not_future=True),
    Field("gender", "choice", L("Giới tính", "Gender"), required=True, choices=GENDER),
    Field("phone", "phone", L("Số điện thoại", "Mobile number")),
    Field(
        "place",
        "choice",
        L("Nơi làm hồ sơ", "Where the file is made"),
        required=True,
        choices=(
            Choice("police_office", L("Trụ sở Công an", "Police office")),
            Choice("mobile_point", L("Điểm cấp lưu động", "Mobile point")),
        ),
    ),
    Field("appointment_date", "date", L("Ngày hẹn", "Appointment"), required=True),
    Field(
        "papers",
        "multi_choice",
        L("Giấy tờ tích hợp", "Papers to integrate"),
        choices=(
            Choice("health_insurance", L("Thẻ BHYT", "Health insurance card")),
            Choice("driving_licence", L("Giấy phép lái xe", "Driving licence")),
            Choice("vehicle_registration", L("Đăng ký xe", "Vehicle registration")),
            Choice("social_insurance", L("Sổ BHXH", "Social insurance book")),
            Choice("tax_code", L("Mã số thuế", "Tax code")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "status",
        "choice",
        L("Tình trạng hồ sơ", "File status"),
        choices=(
            Choice("appointment", L("Đã hẹn", "Appointment given")),
            Choice("file_submitted", L("Đã nộp hồ sơ", "File taken in")),
            Choice("approved", L("Đã phê duyệt", "Approved")),
            Choice("activated", L("Đã kích hoạt", "Activated")),
        ),
        editable_by=STATUS_ROLES,
        default="appointment",
    ),
    Field("notes", "long_text", L("Ghi chú", "Notes"), max_length=2000),
)

WORKFLOW = Workflow(
    "status",
    {"appointment": ("file_submitted",), "file_submitted": ("approved",), "approved": ("activated",)},
    timed=(("appointment", "file_submitted"), ("file_submitted", "approved"), ("approved", "activated")),
)

# The demo's records of this type.


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
    citizen = person(rng, 1955, ctx.day.year - 16)
    return {
        "full_name": citizen["name"],
        "personal_id": citizen["personal_id"],
        "date_of_birth": citizen["born"].isoformat(),
        "gender": citizen["gender"],
        "phone": mobile(rng),
        "place": rng.choice(["police_office", "police_office", "mobile_point"]),
        "appointment_date": (ctx.day + timedelta(days=rng.randint(1, 5))).isoformat(),
        "papers": rng.sample(["health_insurance", "driving_licence", "vehicle_registration", "social_insurance"], 2),
    }


RECORD_TYPE = RecordType(
    type="vneid_level2_file",
    label=L("Hồ sơ định danh điện tử mức 2", "VNeID level 2 file"),
    short_label=L("Hồ sơ mức 2", "Level 2 file"),
    colour="#2f5d1f",
    fields=FIELDS,
    rules=personal_id_rules("personal_id", number(part(BIRTH, 0, 4))),
    workflow=WORKFLOW,
    date_field="appointment_date",
    name_field="full_name",
    personal_id_field="personal_id",
    measures=(
        Count("level2_files", L("Hồ sơ định danh mức 2: số hồ sơ", "VNeID level 2 files: files"), headline=False),
        Count(
            "level2_files_activated",
            L("Hồ sơ định danh mức 2: đã kích hoạt", "VNeID level 2 files: activated"),
            where={"==": [var("status"), "activated"]},
        ),
    ),
    breakdowns=(Breakdown("status"), Breakdown("place"), Breakdown("papers")),
    example=Example(
        make=example_record,
        per_quarter={"police": 18},
        paths=((), ("file_submitted",), ("file_submitted", "approved"), ("file_submitted", "approved", "activated")),
    ),
)
