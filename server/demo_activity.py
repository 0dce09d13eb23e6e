"""A quarter of Đề án 06 work in the two demo communes, so that a newcomer opening the app finds
what a commune's last three months look like: volunteers' VNeID visits in their villages, the
police's one-stop desk and level 2 files, outreach sessions, death cases moving through their
workflow, data found wrong, the review queue in every state, a sync conflict to resolve, and the
year's targets.

Generation is pure: `plan_quarter` turns a commune's cast (who works where, how much of what) and
a seeded random.Random into stories, one per record: its creation and what happened to it later
(a review, an edit asked for by the reviewer, a status moved). The same seed and the same last
day give the same quarter.

Writing goes through the paths the app itself uses: every version is checked by the change gate
(server/forms/changes.py) as a change by its author, and written by the record store
(server/records/store.py) with its hash chain and change stamp, at the time it happened; the
conflict is opened by the sync push itself (server/sync/push.py), from two devices.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import exists, select

from server.demo import COMMUNES, PROVINCE_USERS, usernames
from server.extensions import db
from server.forms import changes as record_changes, registry
from server.forms.rules import VIETNAM_TZ, today as vietnam_today
from server.models import Commune, Device, Record, Target, User
from server.records import store, workflow
from server.reports import submissions
from server.reports.periods import parse_period, previous_month
from server.sync.push import apply_push
from server.timeutil import iso, utcnow

QUARTER_DAYS = 90
SEED = 2026

# ---------------------------------------------------------------------------------------------
# Who does what: each commune's cast, with how many records of each type they make in a quarter.
# Volunteers and village staff work in their villages; the police and the working group record
# for the whole commune (the one-stop desk, the police office, the villages without volunteers).

CASTS = {
    "Phường Quang Trung": {
        "vol.qt1": {"vneid_activation": 40, "propaganda_session": 5, "death_check": 5, "data_correction": 5},
        "vol.qt2": {"vneid_activation": 35, "propaganda_session": 4, "death_check": 4, "data_correction": 3},
        "vol.qt3": {"vneid_activation": 30, "propaganda_session": 5, "death_check": 4, "data_correction": 4},
        "staff.qt": {
            "vneid_activation": 15,
            "propaganda_session": 6,
            "death_check": 5,
            "data_correction": 3,
            "difficulty": 4,
        },
        "police.qt": {
            "vneid_activation": 30,
            "one_stop_guidance": 35,
            "propaganda_session": 10,
            "death_check": 4,
            "vneid_level2_file": 25,
            "data_correction": 3,
        },
        "admin.qt": {"one_stop_guidance": 20},
    },
    "Xã Cẩm Tân": {
        "vol.ch1": {
            "vneid_activation": 45,
            "propaganda_session": 6,
            "death_check": 6,
            "data_correction": 4,
            "difficulty": 3,
        },
        "police.ch": {
            "vneid_activation": 35,
            "one_stop_guidance": 15,
            "propaganda_session": 9,
            "death_check": 6,
            "vneid_level2_file": 10,
            "data_correction": 4,
        },
        "admin.ch": {"one_stop_guidance": 10},
    },
}
# Who reviews, and who moves a death case (the Tư pháp - Hộ tịch officer where the commune has one).
REVIEWER = {"Phường Quang Trung": "police.qt", "Xã Cẩm Tân": "police.ch"}
CIVIL_STATUS = {"Phường Quang Trung": "civil.qt", "Xã Cẩm Tân": "police.ch"}
# Where the one open sync conflict is, waiting for the working group.
CONFLICT_IN = "Phường Quang Trung"
# The volunteer whose queue shows records returned for changes, waiting on them.
RETURNED_TO = {"Phường Quang Trung": "vol.qt1", "Xã Cẩm Tân": "vol.ch1"}
# The year's targets: for the commune, and VNeID accounts per village.
COMMUNE_TARGETS = {
    "Phường Quang Trung": {
        "vneid_activated": 600,
        "citizens_guided": 250,
        "outreach_sessions": 120,
        "level2_files_activated": 100,
        "death_cases_certified_percent": 100,
        "data_errors_corrected": 60,
    },
    "Xã Cẩm Tân": {
        "vneid_activated": 300,
        "citizens_guided": 120,
        "outreach_sessions": 60,
        "level2_files_activated": 40,
        "death_cases_certified_percent": 100,
        "data_errors_corrected": 30,
    },
}
VILLAGE_VNEID_TARGET = {"Phường Quang Trung": 120, "Xã Cẩm Tân": 150}

# ---------------------------------------------------------------------------------------------
# People: plausible names, ID numbers, phones.

SURNAMES = (
    ["Nguyễn"] * 8
    + ["Lê"] * 5
    + ["Trần", "Phạm", "Hoàng"] * 3
    + ["Vũ", "Đỗ", "Bùi", "Đặng", "Ngô", "Trịnh", "Mai", "Lương", "Đinh", "Hà", "Cao", "Tống", "Lại", "Phan"]
)
MIDDLE = {
    "nam": ["Văn", "Văn", "Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Đình", "Công", "Ngọc", "Trọng"],
    "nữ": ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Phương", "Kim", "Bích", "Mai"],
}
GIVEN = {
    "nam": [
        "Anh", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy", "Khánh", "Lâm",
        "Long", "Mạnh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Thành", "Tiến", "Toàn",
        "Trung", "Tuấn", "Việt", "Vinh", "Chiến", "Lợi", "Thịnh",
    ],
    "nữ": [
        "An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa", "Hương", "Huyền",
        "Lan", "Liên", "Linh", "Loan", "Mai", "Nga", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh",
        "Thảo", "Thủy", "Trang", "Tuyết", "Vân", "Yến", "Xuân",
    ],
}  # fmt: skip
# Most people here had their birth registered in Thanh Hóa; a few came from the neighbours.
BIRTH_PROVINCES = ["038"] * 17 + ["040", "037", "001"]
MOBILE_PREFIXES = ["098", "097", "096", "086", "035", "036", "037", "038", "039", "091", "094", "088", "083"]
MOBILE_PREFIXES += ["090", "093", "089", "070", "077", "081", "085", "056", "058"]


def person(rng, born_from=1950, born_to=2010):
    """A citizen: name, gender, date of birth and the personal id those make valid."""
    gender = rng.choice(("nam", "nữ"))
    born = date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
    return {"name": name, "gender": gender, "born": born, "personal_id": personal_id(rng, born.year, gender)}


def personal_id(rng, birth_year, gender):
    """12 digits: the province of birth registration, the century-and-gender digit, the year's
    last two digits, then a serial (DOMAIN.md, "Personal id")."""
    century = (birth_year // 100 - 19) * 2 + (1 if gender == "nữ" else 0)
    return f"{rng.choice(BIRTH_PROVINCES)}{century}{birth_year % 100:02d}{rng.randint(0, 999_999):06d}"


def mobile(rng):
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 9_999_999):07d}"


# ---------------------------------------------------------------------------------------------
# What each type's record says, as its author would fill it in.


def vneid_activation(rng, ctx):
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


def vneid_level2_file(rng, ctx):
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


SESSION_FORMS = ["meeting"] * 4 + ["door_to_door"] * 3 + ["loudspeaker"] * 2 + ["online_post"] * 2
SESSION_FORMS += ["briefing", "training", "qr_poster", "banner_poster", "one_stop_desk"]


def propaganda_session(rng, ctx):
    form = rng.choice(SESSION_FORMS)
    data = {
        "activity_date": ctx.day.isoformat(),
        "start_time": rng.choice(["07:30", "08:00", "14:00", "19:30", "19:30", "20:00"]),
        "form": form,
        "topics": sorted(rng.sample(["vneid", "utility_groups", "online_public_services", "residence_law",
                                      "integrate_papers", "cashless_payments", "social_payments"], rng.randint(1, 3))),
        "organizers": sorted({"youth_union" if ctx.role == "volunteer" else "commune_police", rng.choice(
            ["village_staff", "women_union", "fatherland_front", "post_or_telecom"])}),
        "audience": rng.sample(["residents", "members", "pupils", "businesses"], 1),
        "location": f"Nhà văn hóa {ctx.village}" if form in ("meeting", "training", "briefing") else ctx.village,
        "people_reached": {"meeting": rng.randint(40, 120), "door_to_door": rng.randint(8, 30),
                           "online_post": rng.randint(150, 900), "loudspeaker": rng.randint(200, 600)}
        .get(form, rng.randint(20, 80)),
    }  # fmt: skip
    if form in ("meeting", "training", "door_to_door", "one_stop_desk"):
        data["materials_count"] = rng.randint(10, 100)
    if form == "online_post":
        data["link"] = f"https://zalo.me/g/{ctx.commune_slug}-{rng.randint(1000, 9999)}"
    return data


PROCEDURES = [
    "Đăng ký khai sinh",
    "Đăng ký thường trú",
    "Đăng ký tạm trú",
    "Cấp đổi giấy phép lái xe",
    "Xác nhận thông tin về cư trú",
    "Đăng ký kết hôn",
    "Cấp phiếu lý lịch tư pháp",
]


def one_stop_guidance(rng, ctx):
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


DEATH_PLACES = ["Tại nhà", "Tại nhà", "Bệnh viện Đa khoa tỉnh Thanh Hóa", "Trung tâm Y tế thị xã Bỉm Sơn"]
RELATIONS = ["Con trai", "Con gái", "Vợ", "Chồng", "Cháu nội", "Em ruột"]


def death_check(rng, ctx):
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


CORRECTIONS = [
    ("wrong", "date_of_birth", "Ngày sinh ghi sai so với giấy khai sinh"),
    ("wrong", "full_name", "Tên đệm ghi sai so với giấy khai sinh"),
    ("missing", "permanent_residence", "Thiếu số nhà, tên ngõ trong địa chỉ thường trú"),
    ("duplicated", "personal_id", "Một người có hai hồ sơ trong CSDLQG về dân cư"),
    ("moved_away", "permanent_residence", "Cả hộ đã chuyển vào TP Hồ Chí Minh làm ăn từ năm 2023"),
    ("deceased", "other", "Người đã chết nhưng còn trong danh sách nhân khẩu"),
    ("wrong", "hometown", "Quê quán ghi theo tên xã trước khi sáp nhập"),
]


def data_correction(rng, ctx):
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


DIFFICULTIES = [
    ("signal", "Sóng điện thoại yếu, người dân phải ra nhà văn hóa thôn mới kích hoạt được VNeID",
     "Đề nghị nhà mạng lắp thêm trạm phát sóng"),
    ("equipment", "Máy đọc chip CCCD của tổ hỗ trợ hay mất kết nối", "Đề nghị cấp thêm một máy đọc chip"),
    ("citizens_papers", "Nhiều hộ chưa tìm được giấy chứng tử, giấy khai sinh bản gốc",
     "Đề nghị Tư pháp xã hướng dẫn trích lục lại"),
    ("staffing", "Thôn chỉ có hai đoàn viên, không đủ người đi từng hộ", "Đề nghị Đoàn xã tăng cường tình nguyện viên"),
    ("other", "Người cao tuổi chưa có điện thoại thông minh", "Đề nghị vận động con cháu hỗ trợ cài đặt"),
]  # fmt: skip
RESOLUTIONS = ["Nhà mạng đã tăng cường sóng", "Công an xã đã cấp máy mới", "Đã bố trí thêm người trực"]


def difficulty(rng, ctx):
    topic, description, proposal = rng.choice(DIFFICULTIES)
    return {"topic": topic, "description": description, "proposal": proposal, "activity_date": ctx.day.isoformat()}


MAKERS = {
    "vneid_activation": vneid_activation,
    "vneid_level2_file": vneid_level2_file,
    "propaganda_session": propaganda_session,
    "one_stop_guidance": one_stop_guidance,
    "death_check": death_check,
    "data_correction": data_correction,
    "difficulty": difficulty,
}

# What a reviewer asks for, and what the author then changes.
REMARKS = {
    "vneid_activation": [
        ("Số điện thoại không liên lạc được, đề nghị kiểm tra lại với công dân", "phone"),
        ("Đề nghị ghi rõ công dân đã được hướng dẫn những gì", "notes"),
    ],
    "death_check": [("Đề nghị bổ sung số điện thoại người báo tin để Tư pháp liên hệ xác minh", "informant_phone")],
    "data_correction": [("Đề nghị ghi rõ căn cứ: giấy tờ nào cho thấy thông tin đúng", "evidence_note")],
    "difficulty": [("Đề nghị nêu đề xuất cụ thể: cần gì, bao nhiêu, ai hỗ trợ", "proposal")],
}
DEFAULT_REMARK = ("Đề nghị bổ sung ghi chú về kết quả thực hiện", "notes")
REJECTIONS = [
    "Trùng với bản ghi đã nhập trước đó của cùng công dân",
    "Công dân không cư trú trên địa bàn, chuyển cho địa phương nơi cư trú",
    "Thông tin không đủ để xác minh",
]


def answer_to(remark_field, data, rng):
    """The author's edit answering a reviewer's remark about one field."""
    if remark_field in ("phone", "informant_phone") and remark_field in data:
        return {remark_field: mobile(rng)}
    if remark_field == "evidence_note":
        return {"evidence_note": data["evidence_note"] + "; đối chiếu giấy khai sinh bản chính"}
    if remark_field == "proposal":
        return {"proposal": data["proposal"] + " trong tháng tới"}
    return {"notes": "Đã bổ sung theo yêu cầu: công dân được hướng dẫn cài đặt và đăng nhập VNeID"}


# ---------------------------------------------------------------------------------------------
# The plan: stories of records, pure data.


@dataclass
class Context:
    """Where and when a record is made, and by whom: what the type's maker needs."""

    day: date
    village: str
    role: str
    commune_slug: str


@dataclass
class Step:
    at: datetime
    username: str
    # "review" (action, comment) or "edit" (changes)
    kind: str
    action: str = None
    comment: str = None
    changes: dict = None


@dataclass
class Story:
    record_id: str
    type: str
    author: str
    village: str
    at: datetime
    data: dict
    steps: list = field(default_factory=list)


def working_days(last_day, days=QUARTER_DAYS):
    """The days of the quarter ending on `last_day`, each with its weight: fewer on Sundays."""
    first = last_day - timedelta(days=days - 1)
    return [
        (first + timedelta(days=n), 0.3 if (first + timedelta(days=n)).weekday() == 6 else 1.0) for n in range(days)
    ]


def at_work(rng, day, earliest_hour=7, latest_hour=20):
    """A moment of the working day in Vietnam, as UTC."""
    local = datetime.combine(day, time(rng.randint(earliest_hour, latest_hour - 1), rng.randint(0, 59)), VIETNAM_TZ)
    return local.astimezone(timezone.utc)


def plan_quarter(commune_name, villages, roles, last_day, rng, now):
    """The stories of one commune's quarter. `villages`: the commune's village names;
    `roles`: username -> (role, village names the user works in, empty for the commune's)."""
    days = working_days(last_day)
    slug = "quangtrung" if "Quang Trung" in commune_name else "camtan"
    stories = []
    for username, counts in CASTS[commune_name].items():
        role, own_villages = roles[username]
        for record_type, count in counts.items():
            for _ in range(count):
                day = rng.choices([d for d, _ in days], [w for _, w in days])[0]
                village = rng.choice(own_villages or villages)
                ctx = Context(day=day, village=village, role=role, commune_slug=slug)
                at = min(at_work(rng, day), now - timedelta(minutes=rng.randint(5, 120)))
                stories.append(
                    Story(str(uuid.UUID(int=rng.getrandbits(128), version=4)), record_type, username, village, at,
                          MAKERS[record_type](rng, ctx))
                )  # fmt: skip
    stories.sort(key=lambda s: s.at)
    _plan_reviews(commune_name, stories, rng, now)
    _plan_workflows(commune_name, stories, rng, now)
    for story in stories:
        story.steps.sort(key=lambda s: s.at)
    return stories


def _later(rng, after, now, min_days, max_days):
    """A working moment some days after `after`, or None when that would be after `now`."""
    day = (after.astimezone(VIETNAM_TZ) + timedelta(days=rng.randint(min_days, max_days))).date()
    moment = at_work(rng, day)
    return moment if after < moment < now else None


def _plan_reviews(commune_name, stories, rng, now):
    """The review each record got: none yet for the newest; most older ones approved, some
    returned for changes (and mostly fixed and approved since), a few rejected."""
    reviewer = REVIEWER[commune_name]
    for story in stories:
        age = (now - story.at).days
        if age < 3:
            continue
        roll = rng.random()
        if age < 15 and roll < 0.35:
            continue  # still in the queue
        review_at = _later(rng, story.at, now, 0, 4)
        if review_at is None:
            continue
        if roll > 0.97:
            story.steps.append(Step(review_at, reviewer, "review", "reject", rng.choice(REJECTIONS)))
        elif roll > 0.86 and story.author != reviewer:
            remark, remark_field = rng.choice(REMARKS.get(story.type, [DEFAULT_REMARK]))
            story.steps.append(Step(review_at, reviewer, "review", "needs_changes", remark))
            fixed_at = _later(rng, review_at, now, 1, 4)
            if fixed_at is not None and rng.random() < 0.75:
                story.steps.append(
                    Step(fixed_at, story.author, "edit", changes=answer_to(remark_field, story.data, rng))
                )
                approved_at = _later(rng, fixed_at, now, 0, 3)
                if approved_at is not None:
                    story.steps.append(Step(approved_at, reviewer, "review", "approve"))
        else:
            story.steps.append(Step(review_at, reviewer, "review", "approve"))
    # Records sent back to one volunteer, waiting on them: the first thing their phone shows.
    volunteer = RETURNED_TO[commune_name]
    waiting = [
        s
        for s in stories
        if s.author == volunteer
        and 5 <= (now - s.at).days <= 20
        and not s.steps
        and registry.get(s.type).workflow is None  # no status move will put it back in the queue
    ]
    for story in waiting[-3:]:
        remark, _ = rng.choice(REMARKS.get(story.type, [DEFAULT_REMARK]))
        story.steps.append(Step(_later(rng, story.at, now, 1, 2) or now, reviewer, "review", "needs_changes", remark))


# The moves a record's workflow has made since it was created (its status starts at the default).
DEATH_PATHS = [
    ["verified_unregistered"],
    ["verified_unregistered", "certificate_issued"],
    ["verified_unregistered", "certificate_issued", "residence_removed"],
    ["verified_unregistered", "certificate_issued", "residence_removed", "funeral_allowance_done"],
    ["already_registered"],
    ["person_alive"],
]
LEVEL2_PATH = ["file_submitted", "approved", "activated"]
CORRECTION_PATHS = [["verified"], ["verified", "corrected"], ["not_an_error"]]
DIFFICULTY_PATHS = [[], ["carried"], ["resolved"], ["carried", "resolved"]]


def _plan_workflows(commune_name, stories, rng, now):
    """Death cases, level 2 files and data corrections moved along their workflows."""
    civil, police = CIVIL_STATUS[commune_name], REVIEWER[commune_name]
    deaths = [s for s in stories if s.type == "death_check"]
    # The oldest cases have gone furthest; the newest are still reported. Every stage shows.
    for index, story in enumerate(deaths):
        if index < len(DEATH_PATHS):
            path = DEATH_PATHS[3 - index] if index < 4 else DEATH_PATHS[index]
        elif (now - story.at).days < 10:
            path = []
        else:
            path = rng.choice([[], *DEATH_PATHS[:4], DEATH_PATHS[3]])
        if index == len(deaths) - 1:
            path = []  # the newest case is just reported
        _move(story, path, civil, rng, now, death_certificate=True)
    for story in stories:
        if story.type == "vneid_level2_file":
            age = (now - story.at).days
            _move(story, LEVEL2_PATH[: min(3, age // 6)], police, rng, now)
        elif story.type == "data_correction":
            _move(story, rng.choice([[], *CORRECTION_PATHS, CORRECTION_PATHS[1]]), police, rng, now)
        elif story.type == "difficulty":
            _move(story, rng.choice(DIFFICULTY_PATHS), police, rng, now, resolution=rng.choice(RESOLUTIONS))


def _move(story, path, username, rng, now, death_certificate=False, resolution=None):
    at = story.at
    for status in path:
        moved_at = _later(rng, at, now, 2, 8) or _later(rng, at, now, 0, 1)
        if moved_at is None:
            return
        field_name = registry.get(story.type).workflow.field
        changes = {field_name: status}
        if death_certificate and status == "verified_unregistered":
            changes["death_register_ref"] = f"{rng.randint(1, 120)}/{moved_at.year}"
        if death_certificate and status == "certificate_issued":
            changes["certificate_number"] = f"{rng.randint(1, 300):03d}/TLKT-BS"
            changes["certificate_date"] = moved_at.astimezone(VIETNAM_TZ).date().isoformat()
        if resolution and status == "resolved":
            changes["resolution"] = resolution
        story.steps.append(Step(moved_at, username, "edit", changes=changes))
        at = moved_at


# ---------------------------------------------------------------------------------------------
# Writing it, through the record store.


def seed_activity(today=None, seed=SEED):
    """The last quarter's work in each demo commune that has no records yet; returns
    {commune name: records written}. Run after seed_demo (the accounts must exist)."""
    now = utcnow()
    last_day = today or vietnam_today()
    users = {u.username: u for u in db.session.execute(select(User).where(User.username.in_(usernames()))).scalars()}
    written = {}
    for spec in COMMUNES:
        commune = db.session.execute(select(Commune).where(Commune.code == spec["commune"][0])).scalar_one()
        if db.session.execute(select(exists().where(Record.commune_id == commune.id))).scalar():
            continue
        rng = random.Random(f"{seed}:{commune.name}")
        villages = {v.name: v for v in commune.villages}
        roles = {name: (users[name].role, [v.name for v in users[name].villages]) for name in CASTS[commune.name]}
        stories = plan_quarter(commune.name, list(villages), roles, last_day, rng, now)
        _write(commune, villages, users, stories)
        _set_targets(commune, villages, users, last_day)
        db.session.commit()
        if commune.name == CONFLICT_IN:
            _open_conflict(commune, users, rng)
        written[commune.name] = len(stories)
    seed_reports(written, last_day)
    return written


# The reports sent to the province: Quang Trung sent the quarter's first month on time and the
# second, which the province returned with a remark; Cẩm Tân sent its first late and has not
# sent its second. The last month is not due yet: nobody has sent it.
REPORTS = {
    "Phường Quang Trung": [(3, 8, None), (2, 12, 2)],
    "Xã Cẩm Tân": [(3, 24, None)],
}  # (months back, days after the month's end it was sent, days after that the province returned it)
RETURN_REMARK = "Đề nghị bổ sung số hồ sơ định danh mức 2 đã tiếp nhận và nêu rõ khó khăn về thiết bị"


def narrative_of(commune_name, period_title):
    return {
        "results": f"{period_title}, {commune_name} tiếp tục hỗ trợ người dân cài đặt, kích hoạt VNeID tại "
        "các thôn và tại Bộ phận một cửa; rà soát các trường hợp chết chưa khai tử; tổ chức tuyên truyền "
        "tại nhà văn hóa các thôn.",
        "difficulties": "Một số thôn sóng điện thoại yếu; nhiều người cao tuổi chưa có điện thoại thông minh.",
        "proposals": "Đề nghị Công an tỉnh hỗ trợ thêm thiết bị đọc chip CCCD cho Công an xã.",
    }


def seed_reports(communes, last_day):
    """The reports of the communes just seeded, sent (and returned) at the moments REPORTS says,
    through the same service as the app. Their figures are the records as they stand now."""
    province_officer = db.session.execute(select(User).where(User.username == PROVINCE_USERS[0][0])).scalar_one()
    for commune_name in communes:
        sender = db.session.execute(select(User).where(User.username == REVIEWER[commune_name])).scalar_one()
        month = previous_month(datetime.combine(last_day, time(12), VIETNAM_TZ))
        months = [month]
        for _ in range(3):
            months.append(previous_month(datetime.combine(months[-1].start, time(12), VIETNAM_TZ)))
        for back, sent_after, returned_after in REPORTS[commune_name]:
            period = months[back - 1]
            sent_at = datetime.combine(period.end + timedelta(days=sent_after), time(9, 30), VIETNAM_TZ)
            document = submissions.submit_report(
                sender, period.name, narrative_of(commune_name, submissions.period_title(period)), now=sent_at
            )
            if returned_after is not None:
                submissions.return_submission(
                    province_officer, document["id"], RETURN_REMARK, now=sent_at + timedelta(days=returned_after)
                )
        db.session.commit()


def _devices(commune, users, since):
    """Each person's phone (or the desk's computer), made at the start of the quarter."""
    devices = {}
    for username in {*CASTS[commune.name], REVIEWER[commune.name], CIVIL_STATUS[commune.name]}:
        user = users[username]
        device = db.session.execute(select(Device).where(Device.user_id == user.id)).scalars().first()
        if device is None:
            device = Device(id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"sotay-demo:{username}")), user_id=user.id,
                            name=f"Điện thoại của {user.full_name}", app_version="demo", created_at=since)  # fmt: skip
            db.session.add(device)
        devices[username] = device
    db.session.flush()
    return devices


def _write(commune, villages, users, stories):
    """Every story's versions, each checked as a change by its author, written in one go."""
    devices = _devices(commune, users, min(s.at for s in stories) - timedelta(days=1))
    rows, versions = [], []
    store.begin_write()
    for story in stories:
        author = users[story.author]
        record_type = registry.get(story.type)
        device_id = devices[story.author].id
        received = story.at + timedelta(minutes=5)
        row = store.new_record_row(
            record_id=story.record_id,
            record_type=story.type,
            commune_id=commune.id,
            village_id=villages[story.village].id,
            user_id=author.id,
            device_id=device_id,
            now=received,
            client_time=iso(story.at),
        )
        clean = record_changes.checked_data(author, record_type, None, story.data)
        versions.append(
            store.new_version(row, action="create", user_id=author.id, now=received, data=clean,
                              changed=clean.keys(), device_id=device_id)
        )  # fmt: skip
        for step in story.steps:
            user = users[step.username]
            if step.kind == "review":
                new_state = workflow.review_outcome(row["review_state"], step.action)
                assert new_state is not None, (story.record_id, row["review_state"], step.action)
                versions.append(
                    store.new_version(row, action="review", user_id=user.id, now=step.at, review_state=new_state,
                                      review_comment=step.comment)
                )  # fmt: skip
                row["reviewed_by"], row["reviewed_at"] = user.id, step.at
            else:
                clean = record_changes.checked_data(user, record_type, row["data"], {**row["data"], **step.changes})
                versions.append(
                    store.new_version(
                        row,
                        action="update",
                        user_id=user.id,
                        now=step.at,
                        data=clean,
                        changed=[k for k in step.changes if row["data"].get(k) != clean.get(k)],
                        device_id=devices[step.username].id,
                        review_state=workflow.state_after_edit(row["review_state"]),
                        review_comment=row["review_comment"],
                    )
                )
        rows.append(row)
    store.save(created=rows, versions=versions)
    for username, device in devices.items():
        device.last_seen_at = device.last_sync_at = max(
            (s.at for s in stories if s.author == username), default=device.created_at
        )


def _set_targets(commune, villages, users, last_day):
    """The year's targets the working group set in January: the commune's, and VNeID per village."""
    year = parse_period(str(last_day.year))
    admin = next(u for u in users.values() if u.commune_id == commune.id and u.role == "admin")
    wanted = [(None, measure, value) for measure, value in COMMUNE_TARGETS[commune.name].items()]
    wanted += [(village.id, "vneid_activated", VILLAGE_VNEID_TARGET[commune.name]) for village in villages.values()]
    for village_id, measure, value in wanted:
        db.session.add(
            Target(commune_id=commune.id, village_id=village_id, measure=measure, period=year.name,
                   period_start=year.start, period_end=year.end, value=value, updated_by=admin.id)
        )  # fmt: skip


def _open_conflict(commune, users, rng):
    """One conflict, opened as it happens: the police, phoning a citizen, correct the phone
    number of a volunteer's VNeID record; the volunteer, offline, had corrected it too."""
    volunteer = users[RETURNED_TO[commune.name]]
    police = users[REVIEWER[commune.name]]
    record = db.session.execute(
        select(Record)
        .where(Record.commune_id == commune.id, Record.created_by == volunteer.id,
               Record.type == "vneid_activation", Record.review_state == "submitted")
        .order_by(Record.created_at.desc())
    ).scalars().first()  # fmt: skip
    if record is None or "phone" not in record.data:
        return
    base = record.version
    devices = {d.user_id: d for d in db.session.execute(select(Device).where(Device.user_id.in_([volunteer.id, police.id]))).scalars()}  # fmt: skip
    for user, note in ((police, "Công an gọi xác minh, sửa số điện thoại"), (volunteer, "Công dân báo đổi số")):
        device = devices[user.id]
        mutation = {
            "mutation_id": device.last_mutation_id + 1,
            "op": "update",
            "record_id": record.id,
            "base_version": base,
            "data": {"phone": mobile(rng), "notes": note},
        }
        apply_push(user, device, [mutation])
        db.session.commit()
