"""hỗ trợ cài đặt, kích hoạt VNeID: a volunteer helped one citizen with the VNeID app."""

from server.forms.declarations import Choice, Field, RecordType, Rule
from server.forms.logic import TODAY, number, part, personal_id_rules, present, var
from server.labels import Label as L

# The values are the words DOMAIN.md gives; the English ones are accepted on input too.
GENDER = (
    Choice("nam", L("Nam", "Male"), aliases=("male", "Nam")),
    Choice("nữ", L("Nữ", "Female"), aliases=("female", "nu", "Nữ")),
)

STEPS = (
    Choice("not_installed", L("Chưa cài được", "Could not be installed")),
    Choice("installed", L("Cài đặt", "Installed")),
    Choice("registered", L("Đăng ký", "Registered")),
    Choice("activated", L("Kích hoạt", "Activated")),
    Choice("logged_in_public_service", L("Đăng nhập Cổng DVC", "Logged in to the public service portal")),
)

# The steps short of an activated account: a failure reason is asked for then.
NOT_ACTIVATED = ["not_installed", "installed", "registered"]
# A citizen with no phone number at all is recorded without one, the reason saying so.
NO_PHONE = {"and": [{"in": [var("step_reached"), NOT_ACTIVATED]}, {"==": [var("failure_reason"), "no_phone_number"]}]}

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
        relevant={"!": NO_PHONE},
        help=L("Số di động 10 chữ số, bắt đầu bằng 0", "10-digit mobile number starting with 0"),
    ),
    Field("phone_is_own", "boolean", L("Số chính chủ", "Phone registered in own name")),
    Field("has_chip_card", "boolean", L("Có thẻ CCCD gắn chip", "Has a chip ID card")),
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
        # Asked for, and then required, only while the account is not activated.
        required=True,
        relevant={"in": [var("step_reached"), NOT_ACTIVATED]},
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


BIRTH = var("date_of_birth")
# The day the help was given, or today when the record does not say.
HELPED_ON = {"if": [var("activity_date"), var("activity_date"), var(TODAY)]}
# Whole years from the date of birth to that day.
AGE = {
    "-": [
        {"-": [number(part(HELPED_ON, 0, 4)), number(part(BIRTH, 0, 4))]},
        {"if": [{"<": [part(HELPED_ON, 5), part(BIRTH, 5)]}, 1, 0]},
    ]
}

RULES = (
    *personal_id_rules("personal_id", number(part(BIRTH, 0, 4))),
    Rule(
        "level_two_needs_age_fourteen",
        {"and": [{"==": [var("level"), 2]}, present("date_of_birth"), {"<": [AGE, 14]}]},
        ("level",),
        L(
            "Tài khoản mức 2 chỉ dành cho công dân từ đủ 14 tuổi",
            "A level 2 account needs the citizen to be 14 or older",
        ),
    ),
    Rule(
        "level_one_needs_a_chip_card",
        {"and": [{"==": [var("level"), 1]}, {"===": [var("has_chip_card"), False]}]},
        ("has_chip_card",),
        L("Tài khoản mức 1 cần thẻ CCCD gắn chip", "A level 1 account needs a chip ID card"),
    ),
    Rule(
        "activity_not_before_birth",
        {"and": [present("activity_date", "date_of_birth"), {"<": [var("activity_date"), BIRTH]}]},
        ("activity_date",),
        L("Ngày hỗ trợ không thể trước ngày sinh", "The date of help cannot be before the date of birth"),
    ),
)


RECORD_TYPE = RecordType(
    type="vneid_activation",
    label=L("Hỗ trợ cài đặt, kích hoạt VNeID", "VNeID installation and activation"),
    short_label=L("VNeID", "VNeID"),
    colour="#0b5d4b",
    fields=FIELDS,
    rules=RULES,
    date_field="activity_date",
    name_field="full_name",
    personal_id_field="personal_id",
)
