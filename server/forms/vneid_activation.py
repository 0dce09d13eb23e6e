"""hỗ trợ cài đặt, kích hoạt VNeID: a volunteer helped one citizen with the VNeID app."""

from server.forms.examples import person, mobile
from server.forms.declarations import Choice, Example, Field, RecordType, Rule
from server.forms.measures import Breakdown, Count
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
# Once activated, the account has a level.
ACTIVATED = ["activated", "logged_in_public_service"]
# Level 2 is registered at the police office or a mobile point, nowhere else (DOMAIN.md).
LEVEL_TWO_PLACES = ["police_office", "mobile_point"]
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
            "Bắt buộc khi đã kích hoạt. Mức 2 từ đủ 14 tuổi, đăng ký tại Công an hoặc điểm cấp lưu động",
            "Required once activated. Level 2 from age 14, registered at the police office or a mobile point",
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
    # A rule rather than a required field with a condition: records stored before DOMAIN.md asked
    # for the level lack it, and a rule binds only the edits that touch the step or the level.
    Rule(
        "level_once_activated",
        {"and": [{"in": [var("step_reached"), ACTIVATED]}, {"!": var("level")}]},
        ("level",),
        L("Cần ghi mức độ tài khoản khi đã kích hoạt", "Give the account level once the account is activated"),
    ),
    Rule(
        "level_two_at_the_police_or_a_mobile_point",
        {"and": [{"==": [var("level"), 2]}, present("place"), {"!": {"in": [var("place"), LEVEL_TWO_PLACES]}}]},
        ("place",),
        L(
            "Tài khoản mức 2 được đăng ký tại trụ sở Công an hoặc điểm cấp lưu động",
            "A level 2 account is registered at the police office or a mobile point",
        ),
    ),
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


# A step at or past activation: the account works.
ACCOUNT_WORKS = {"in": [var("step_reached"), ACTIVATED]}


def _activated_at(level):
    return Count(
        f"vneid_activated_level_{level}",
        L(f"Tài khoản VNeID đã kích hoạt – Mức {level}", f"VNeID accounts activated – level {level}"),
        where={"and": [ACCOUNT_WORKS, {"==": [var("level"), level]}]},
        headline=False,
    )


MEASURES = (
    Count(
        "vneid_helped",
        L("Hỗ trợ cài đặt, kích hoạt VNeID: số lượt hỗ trợ", "VNeID installation and activation: people helped"),
        unit="people",
        headline=False,
    ),
    Count(
        "vneid_activated",
        L("Tài khoản VNeID đã kích hoạt (mọi mức)", "VNeID accounts activated (any level)"),
        where=ACCOUNT_WORKS,
    ),
    _activated_at(1),
    _activated_at(2),
)

# The demo's records of this type.


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
    citizen = person(rng, 1948, ctx.day.year - 15)
    at_police = ctx.role in ("police", "admin")
    place = rng.choice(
        ["police_office", "mobile_point", "one_stop_desk"] if at_police else ["home"] * 4 + ["mobile_point"]
    )
    data = {
        "full_name": citizen["name"],
        "personal_id": citizen["personal_id"],
        "date_of_birth": citizen["born"].isoformat(),
        "gender": citizen["gender"],
        "has_chip_card": rng.random() < 0.93,
        "place": place,
        "activity_date": ctx.day.isoformat(),
    }
    step = rng.choices(
        ["activated", "logged_in_public_service", "registered", "installed", "not_installed"], [55, 15, 9, 7, 14]
    )[0]
    data["step_reached"] = step
    if step in ("activated", "logged_in_public_service"):
        age = ctx.day.year - citizen["born"].year - 1
        level_two_possible = place in ("police_office", "mobile_point") and age >= 14 and data["has_chip_card"]
        data["level"] = 2 if level_two_possible and rng.random() < 0.7 else 1
        if data["level"] == 1:
            data["has_chip_card"] = True
    else:
        reason = rng.choices(
            ["no_smartphone", "no_chip_card", "data_mismatch", "no_phone_number", "other"], [40, 20, 15, 15, 10]
        )[0]
        data["failure_reason"] = reason
        if reason == "no_chip_card":
            data["has_chip_card"] = False
        if reason == "data_mismatch":
            data["notes"] = "Thông tin trên CCCD chưa khớp CSDLQG về dân cư, đã hướng dẫn công dân lên Công an phường"
        if reason == "other":
            data["notes"] = rng.choice(
                [
                    "Công dân bận, hẹn hỗ trợ lại",
                    "Mất sóng điện thoại, hẹn hôm khác",
                    "Quên mật khẩu, chưa lấy lại được",
                ]
            )
    if data.get("failure_reason") != "no_phone_number":
        data["phone"] = mobile(rng)
        data["phone_is_own"] = rng.random() < 0.85
    return data


def _checked_phone(data, rng):
    """The number checked again with the citizen (or, for one with no phone, a note saying so)."""
    if "phone" in data:
        return {"phone": mobile(rng)}
    return {"notes": "Đã kiểm tra lại: công dân chưa có số điện thoại"}


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
    measures=MEASURES,
    breakdowns=(
        Breakdown("step_reached", across="level"),
        Breakdown("failure_reason", where={"in": [var("step_reached"), NOT_ACTIVATED]}),
    ),
    example=Example(
        make=example_record,
        per_quarter={"volunteer": 38, "village_staff": 15, "police": 32},
        remarks=(
            ("Số điện thoại không liên lạc được, đề nghị kiểm tra lại với công dân", _checked_phone),
            (
                "Đề nghị ghi rõ công dân đã được hướng dẫn những gì",
                lambda data, rng: {
                    "notes": "Đã bổ sung theo yêu cầu: công dân được hướng dẫn cài đặt và đăng nhập VNeID"
                },
            ),
        ),
    ),
)
