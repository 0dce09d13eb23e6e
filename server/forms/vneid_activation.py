"""hỗ trợ cài đặt, kích hoạt VNeID: a volunteer helped one citizen with the VNeID app."""

from server.forms.declarations import Choice, Field, RecordType
from server.labels import Label as L
from server.forms.rules import age_on, parse_date, personal_id_problems, today

# The values are the words DOMAIN.md gives; the English ones are accepted on input too.
GENDER = (
    Choice("nam", L("Nam", "Male"), aliases=("male", "Nam")),
    Choice("nữ", L("Nữ", "Female"), aliases=("female", "nu", "Nữ")),
)

STEPS = (
    Choice("installed", L("Cài đặt", "Installed")),
    Choice("registered", L("Đăng ký", "Registered")),
    Choice("activated", L("Kích hoạt", "Activated")),
    Choice("logged_in_public_service", L("Đăng nhập Cổng DVC", "Logged in to the public service portal")),
)

FIELDS = (
    Field("full_name", "text", L("Họ, chữ đệm và tên", "Full name"), required=True, max_length=200),
    Field(
        "personal_id",
        "personal_id",
        L("Số định danh cá nhân / số CCCD", "Personal ID number"),
        required=True,
        help=L("12 chữ số in trên thẻ CCCD", "The 12 digits printed on the ID card"),
    ),
    Field("date_of_birth", "date", L("Ngày sinh", "Date of birth"), required=True, not_future=True),
    Field("gender", "choice", L("Giới tính", "Gender"), required=True, choices=GENDER),
    Field(
        "phone",
        "phone",
        L("Số điện thoại", "Mobile number"),
        required=True,
        help=L("Số di động 10 chữ số, bắt đầu bằng 0", "10-digit mobile number starting with 0"),
    ),
    Field("phone_is_own", "boolean", L("Số chính chủ", "Phone registered in own name")),
    Field(
        "level",
        "choice",
        L("Mức độ tài khoản", "Account level"),
        choices=(
            Choice(1, L("Mức 1", "Level 1")),
            Choice(2, L("Mức 2", "Level 2")),
        ),
        help=L(
            "Mức 2 từ đủ 14 tuổi, đăng ký tại Công an hoặc điểm cấp lưu động",
            "Level 2 from age 14, registered at the police office or a mobile point",
        ),
    ),
    Field("step_reached", "choice", L("Bước đã hoàn thành", "Step reached"), required=True, choices=STEPS),
    Field(
        "failure_reason",
        "choice",
        L("Lý do chưa kích hoạt", "Reason not activated"),
        choices=(
            Choice("no_smartphone", L("Không có điện thoại thông minh", "No smartphone")),
            Choice("no_chip_card", L("CCCD không gắn chip", "ID card without chip")),
            Choice("data_mismatch", L("Sai lệch thông tin", "Data mismatch")),
            Choice("no_phone_number", L("Không có số điện thoại", "No phone number")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "place",
        "choice",
        L("Địa điểm hỗ trợ", "Place"),
        choices=(
            Choice("home", L("Tại nhà", "At home"), aliases=("at_home",)),
            Choice("one_stop_desk", L("Bộ phận một cửa", "One-stop desk")),
            Choice("police_office", L("Trụ sở Công an", "Police office")),
            Choice("mobile_point", L("Điểm cấp lưu động", "Mobile point")),
            Choice("post_or_telecom", L("Bưu điện, VNPT, Viettel", "Post office, VNPT, Viettel")),
        ),
    ),
    Field("activity_date", "date", L("Ngày hỗ trợ", "Date of help"), not_future=True),
    Field("notes", "long_text", L("Ghi chú", "Notes"), max_length=2000),
)


def personal_id_matches_birth_and_gender(data):
    birth = parse_date(data["date_of_birth"])
    problems = personal_id_problems(data["personal_id"], birth.year, data["gender"])
    return {"personal_id": problems} if problems else {}


def level_two_needs_age_fourteen(data):
    if data.get("level") != 2:
        return {}
    birth = parse_date(data["date_of_birth"])
    on = parse_date(data["activity_date"]) if data.get("activity_date") else None
    if age_on(birth, on or today()) < 14:
        return {"level": ["Tài khoản mức 2 chỉ dành cho công dân từ đủ 14 tuổi"]}
    return {}


def failure_reason_when_not_activated(data):
    if data["step_reached"] in ("installed", "registered") and not data.get("failure_reason"):
        return {"failure_reason": ["Cần ghi lý do khi chưa kích hoạt được tài khoản"]}
    return {}


def activity_not_before_birth(data):
    if data.get("activity_date") and data["activity_date"] < data["date_of_birth"]:
        return {"activity_date": ["Ngày hỗ trợ không thể trước ngày sinh"]}
    return {}


RECORD_TYPE = RecordType(
    type="vneid_activation",
    label=L("Hỗ trợ cài đặt, kích hoạt VNeID", "VNeID installation and activation"),
    short_label=L("VNeID", "VNeID"),
    colour="#0b5d4b",
    fields=FIELDS,
    rules=(
        personal_id_matches_birth_and_gender,
        level_two_needs_age_fourteen,
        failure_reason_when_not_activated,
        activity_not_before_birth,
    ),
    date_field="activity_date",
    name_field="full_name",
    personal_id_field="personal_id",
)
