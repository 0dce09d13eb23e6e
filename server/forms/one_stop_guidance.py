"""hướng dẫn tại Bộ phận một cửa, điểm DVC: a citizen guided at the one-stop desk, the police office
or a post/VNPT/Viettel point to use VNeID and online public services (DOMAIN.md, type 4)."""

from server.forms.examples import person
from server.forms.declarations import Choice, Example, Field, RecordType
from server.forms.logic import var
from server.forms.measures import Breakdown, Count
from server.labels import Label as L

ONLINE_PROCEDURE = "online_procedure"
COULD_NOT = "could_not"

FIELDS = (
    Field(
        "site",
        "choice",
        L("Nơi hướng dẫn", "Where"),
        required=True,
        choices=(
            Choice("one_stop_desk", L("Bộ phận một cửa", "One-stop desk")),
            Choice("police_office", L("Trụ sở Công an xã", "Commune police office")),
            Choice("post_or_telecom", L("Bưu điện, điểm VNPT, Viettel", "Post office, VNPT or Viettel point")),
            Choice("mobile_point", L("Điểm lưu động", "Mobile point")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field("citizen_name", "text", L("Họ và tên công dân", "Citizen's name"), required=True, max_length=200),
    Field(
        "personal_id",
        "personal_id",
        L("Số định danh cá nhân", "Personal ID number"),
        help=L("Nếu công dân cho biết", "If the citizen gives it"),
    ),
    Field(
        "services",
        "multi_choice",
        L("Nội dung đã hướng dẫn", "What was done"),
        required=True,
        choices=(
            Choice("vneid", L("Cài đặt, kích hoạt VNeID", "VNeID installation or activation")),
            Choice("dvc_account", L("Tạo tài khoản Cổng dịch vụ công", "Public-service portal account")),
            Choice(ONLINE_PROCEDURE, L("Thực hiện thủ tục hành chính trực tuyến", "An online procedure")),
            Choice("integrate_papers", L("Tích hợp giấy tờ vào VNeID", "Papers integrated into VNeID")),
            Choice("stay_notification", L("Thông báo lưu trú", "Stay notification")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "procedure",
        "text",
        L("Thủ tục hành chính đã làm", "The procedure"),
        max_length=300,
        help=L("Ví dụ: đăng ký khai sinh, đăng ký thường trú", "For example: birth registration, permanent residence"),
        required=True,
        relevant={"in": [ONLINE_PROCEDURE, var("services")]},
    ),
    Field("dvc_account_created", "boolean", L("Đã tạo tài khoản dịch vụ công", "Public-service account created")),
    Field("logged_in_with_vneid", "boolean", L("Đã đăng nhập bằng VNeID", "Logged in with VNeID")),
    Field("submitted_online", "boolean", L("Đã nộp hồ sơ trực tuyến", "Submitted online")),
    Field(
        "result",
        "choice",
        L("Kết quả", "Result"),
        required=True,
        choices=(
            Choice("done", L("Hoàn thành", "Done")),
            Choice("partly_done", L("Hoàn thành một phần", "Partly done")),
            Choice(COULD_NOT, L("Không thực hiện được", "Could not be done")),
        ),
    ),
    Field(
        "result_reason",
        "text",
        L("Lý do không thực hiện được", "Why it could not be done"),
        max_length=300,
        required=True,
        relevant={"==": [var("result"), COULD_NOT]},
    ),
    Field(
        "helper_unit",
        "choice",
        L("Đơn vị hướng dẫn", "Who helped"),
        choices=(
            Choice("commune_police", L("Công an xã", "Commune police")),
            Choice("office_statistics", L("Văn phòng - Thống kê", "Office and statistics")),
            Choice("culture_society", L("Văn hóa - Xã hội", "Culture and society")),
            Choice("youth_union", L("Đoàn thanh niên", "Youth Union")),
            Choice("post_or_telecom", L("Bưu điện, VNPT, Viettel", "Post office, VNPT, Viettel")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field("activity_date", "date", L("Ngày hướng dẫn", "Date"), not_future=True),
    Field("notes", "long_text", L("Ghi chú", "Notes"), max_length=2000),
)

# The demo's records of this type.

PROCEDURES = [
    "Đăng ký khai sinh",
    "Đăng ký thường trú",
    "Đăng ký tạm trú",
    "Cấp đổi giấy phép lái xe",
    "Xác nhận thông tin về cư trú",
    "Đăng ký kết hôn",
    "Cấp phiếu lý lịch tư pháp",
]


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
    citizen = person(rng, 1950, ctx.day.year - 16)
    services = sorted(rng.sample(["vneid", "dvc_account", "online_procedure", "integrate_papers"], rng.randint(1, 3)))
    result = rng.choices(["done", "partly_done", "could_not"], [78, 14, 8])[0]
    data = {
        "site": rng.choice(["one_stop_desk"] * 3 + ["police_office", "post_or_telecom"]),
        "citizen_name": citizen["name"],
        "services": services,
        "dvc_account_created": "dvc_account" in services,
        "logged_in_with_vneid": result != "could_not",
        "submitted_online": "online_procedure" in services and result == "done",
        "result": result,
        "helper_unit": "commune_police" if ctx.role == "police" else rng.choice(["office_statistics", "youth_union"]),
        "activity_date": ctx.day.isoformat(),
    }
    if rng.random() < 0.7:
        data["personal_id"] = citizen["personal_id"]
    if "online_procedure" in services:
        data["procedure"] = rng.choice(PROCEDURES)
    if result == "could_not":
        data["result_reason"] = rng.choice(
            ["Tài khoản VNeID chưa kích hoạt", "Hệ thống Cổng DVC lỗi, hẹn quay lại", "Công dân thiếu giấy tờ"]
        )
    return data


RECORD_TYPE = RecordType(
    type="one_stop_guidance",
    label=L("Hướng dẫn tại Bộ phận một cửa, điểm DVC", "Guidance at the one-stop desk"),
    short_label=L("Một cửa", "One-stop"),
    colour="#1d4f7a",
    fields=FIELDS,
    date_field="activity_date",
    name_field="citizen_name",
    personal_id_field="personal_id",
    measures=(
        Count(
            "citizens_guided",
            L("Hướng dẫn tại Bộ phận một cửa: số lượt công dân", "One-stop guidance: citizens guided"),
            unit="people",
        ),
        Count(
            "online_submissions",
            L("Hướng dẫn tại Bộ phận một cửa: số hồ sơ nộp trực tuyến", "One-stop guidance: files submitted online"),
            where=var("submitted_online"),
            headline=False,
        ),
    ),
    breakdowns=(Breakdown("site"), Breakdown("services"), Breakdown("result"), Breakdown("helper_unit")),
    example=Example(
        make=example_record,
        per_quarter={"police": 25, "admin": 15},
        remarks=(
            (
                "Đề nghị bổ sung ghi chú về kết quả thực hiện",
                lambda data, rng: {"notes": "Đã bổ sung theo yêu cầu: kết quả đã ghi rõ trong ghi chú"},
            ),
        ),
    ),
)
