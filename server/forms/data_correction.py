"""làm sạch dữ liệu "đúng, đủ, sạch, sống": population data found wrong, missing, duplicated or out
of date, reported from the field; the commune police check it and correct the national database
(DOMAIN.md, type 5)."""

from server.forms.examples import person
from server.forms.declarations import Choice, Example, Field, RecordType, Workflow
from server.forms.logic import var
from server.forms.measures import Breakdown, Count
from server.labels import Label as L

# The status moves by the commune police only: they check the report and correct the database.
STATUS_ROLES = ("police",)

FIELDS = (
    Field("citizen_name", "text", L("Họ và tên công dân", "Citizen's name"), required=True, max_length=200),
    Field("personal_id", "personal_id", L("Số định danh cá nhân", "Personal ID number")),
    Field(
        "issue",
        "choice",
        L("Sai sót", "What is wrong"),
        required=True,
        choices=(
            Choice("wrong", L("Thông tin sai", "Wrong")),
            Choice("missing", L("Thiếu thông tin", "Missing")),
            Choice("duplicated", L("Trùng lặp", "Duplicated")),
            Choice("deceased", L("Người đã chết", "The person has died")),
            Choice("moved_away", L("Đã chuyển đi nơi khác", "Moved away")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "field_concerned",
        "choice",
        L("Thông tin cần sửa", "Which data"),
        required=True,
        choices=(
            Choice("full_name", L("Họ và tên", "Name")),
            Choice("date_of_birth", L("Ngày sinh", "Date of birth")),
            Choice("gender", L("Giới tính", "Gender")),
            Choice("hometown", L("Quê quán", "Hometown")),
            Choice("permanent_residence", L("Nơi thường trú", "Permanent residence")),
            Choice("personal_id", L("Số định danh cá nhân", "Personal ID number")),
            Choice("phone", L("Số điện thoại", "Phone")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field("recorded_value", "text", L("Thông tin đang ghi trong dữ liệu", "What the data says"), max_length=300),
    Field("observed_value", "text", L("Thông tin đúng theo thực tế", "What was found"), max_length=300),
    Field("evidence_note", "long_text", L("Căn cứ, chứng cứ", "Evidence"), required=True, max_length=2000),
    Field(
        "status",
        "choice",
        L("Tình trạng xử lý", "Status"),
        choices=(
            Choice("reported", L("Mới báo cáo", "Reported")),
            Choice("verified", L("Đã xác minh", "Verified")),
            Choice("corrected", L("Đã chỉnh sửa trong CSDLQG về dân cư", "Corrected in the national database")),
            Choice("not_an_error", L("Không phải sai sót", "Not an error")),
        ),
        editable_by=STATUS_ROLES,
        default="reported",
    ),
    Field("activity_date", "date", L("Ngày phát hiện", "Date found"), not_future=True),
    Field("notes", "long_text", L("Ghi chú", "Notes"), max_length=2000),
)

# reported -> verified -> corrected; or closed as not_an_error before the correction.
WORKFLOW = Workflow(
    "status",
    {"reported": ("verified", "not_an_error"), "verified": ("corrected", "not_an_error")},
)

# The demo's records of this type.

CORRECTIONS = [
    ("wrong", "date_of_birth", "Ngày sinh ghi sai so với giấy khai sinh"),
    ("wrong", "full_name", "Tên đệm ghi sai so với giấy khai sinh"),
    ("missing", "permanent_residence", "Thiếu số nhà, tên ngõ trong địa chỉ thường trú"),
    ("duplicated", "personal_id", "Một người có hai hồ sơ trong CSDLQG về dân cư"),
    ("moved_away", "permanent_residence", "Cả hộ đã chuyển vào TP Hồ Chí Minh làm ăn từ năm 2023"),
    ("deceased", "other", "Người đã chết nhưng còn trong danh sách nhân khẩu"),
    ("wrong", "hometown", "Quê quán ghi theo tên xã trước khi sáp nhập"),
]


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
    citizen = person(rng, 1940, 2015)
    issue, concerned, evidence = rng.choice(CORRECTIONS)
    data = {
        "citizen_name": citizen["name"],
        "personal_id": citizen["personal_id"],
        "issue": issue,
        "field_concerned": concerned,
        "evidence_note": evidence,
        "activity_date": ctx.day.isoformat(),
    }
    if concerned == "date_of_birth":
        data["recorded_value"] = f"01/01/{citizen['born'].year}"
        data["observed_value"] = citizen["born"].strftime("%d/%m/%Y")
    elif concerned == "full_name":
        data["recorded_value"] = citizen["name"].replace(" Thị ", " Thi ").replace(" Văn ", " Vân ")
        data["observed_value"] = citizen["name"]
    return data


RECORD_TYPE = RecordType(
    type="data_correction",
    label=L("Làm sạch dữ liệu dân cư", "Population data correction"),
    short_label=L("Làm sạch dữ liệu", "Data correction"),
    colour="#6b2f5c",
    fields=FIELDS,
    workflow=WORKFLOW,
    date_field="activity_date",
    name_field="citizen_name",
    personal_id_field="personal_id",
    measures=(
        Count(
            "data_errors_reported",
            L("Làm sạch dữ liệu: số trường hợp phát hiện", "Data correction: cases reported"),
            headline=False,
        ),
        Count(
            "data_errors_corrected",
            L("Làm sạch dữ liệu: đã chỉnh sửa trong CSDLQG", "Data correction: corrected in the national database"),
            where={"==": [var("status"), "corrected"]},
        ),
    ),
    breakdowns=(Breakdown("status"), Breakdown("issue"), Breakdown("field_concerned")),
    example=Example(
        make=example_record,
        per_quarter={"volunteer": 4, "village_staff": 3, "police": 3},
        paths=((), ("verified",), ("verified", "corrected"), ("verified", "corrected"), ("not_an_error",)),
        remarks=(
            (
                "Đề nghị ghi rõ căn cứ: giấy tờ nào cho thấy thông tin đúng",
                lambda data, rng: {"evidence_note": data["evidence_note"] + "; đối chiếu giấy khai sinh bản chính"},
            ),
        ),
    ),
)
