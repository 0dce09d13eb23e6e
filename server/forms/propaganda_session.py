"""buổi tuyên truyền: an outreach session about Đề án 06, VNeID and online public services."""

from server.forms.declarations import Choice, Example, Field, RecordType
from server.forms.logic import var
from server.forms.measures import Breakdown, Count, Sum
from server.labels import Label as L

FIELDS = (
    Field("activity_date", "date", L("Ngày tuyên truyền", "Date"), required=True, not_future=True),
    Field("start_time", "time", L("Giờ bắt đầu", "Start time"), required=True),
    Field(
        "form",
        "choice",
        L("Hình thức", "Form"),
        required=True,
        choices=(
            Choice("meeting", L("Họp thôn", "Village meeting")),
            Choice("briefing", L("Hội nghị, giao ban", "Briefing or meeting of officials")),
            Choice("model_launch", L("Lễ ra mắt mô hình", "Launch of a model")),
            Choice("training", L("Tập huấn", "Training")),
            Choice("door_to_door", L("Đến từng hộ gia đình", "Door to door")),
            Choice("loudspeaker", L("Loa truyền thanh", "Loudspeaker")),
            Choice("banner_poster", L("Pano, băng rôn, áp phích", "Banner, billboard or poster")),
            Choice("video_screen", L("Video, màn hình LED", "Video or LED screen")),
            Choice("qr_poster", L("Áp phích mã QR", "QR poster")),
            Choice("press_radio", L("Báo chí, đài phát thanh", "Press or radio")),
            Choice(
                "online_post",
                L("Trang thông tin xã, nhóm Zalo, fanpage", "Commune website, Zalo group or fanpage post"),
            ),
            Choice("one_stop_desk", L("Tại Bộ phận một cửa", "At the one-stop desk")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "topics",
        "multi_choice",
        L("Nội dung tuyên truyền", "Topics"),
        required=True,
        choices=(
            Choice("vneid", L("VNeID và định danh điện tử", "VNeID and e-ID")),
            Choice("utility_groups", L("05 nhóm tiện ích", "The 5 utility groups")),
            Choice("online_public_services", L("Dịch vụ công trực tuyến", "Online public services")),
            Choice("residence_law", L("Luật Cư trú", "Law on Residence")),
            Choice("citizen_id_law", L("Luật Căn cước công dân", "Law on Citizen ID")),
            Choice("integrate_papers", L("Tích hợp giấy tờ vào CCCD, VNeID", "Integrating papers into the ID")),
            Choice("stay_notification", L("Thông báo lưu trú", "Stay notification")),
            Choice("pilot_models", L("Các mô hình điểm", "The pilot models")),
            Choice("social_payments", L("Chi trả an sinh xã hội qua tài khoản", "Social payments through accounts")),
            Choice("cashless_payments", L("Thanh toán không dùng tiền mặt", "Cashless payments")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "organizers",
        "multi_choice",
        L("Đơn vị thực hiện", "Organisers"),
        choices=(
            Choice("youth_union", L("Đoàn thanh niên", "Youth Union")),
            Choice("women_union", L("Hội phụ nữ", "Women's Union")),
            Choice("commune_police", L("Công an xã", "Commune police")),
            Choice("culture_society", L("Văn hóa - Xã hội", "Culture and society")),
            Choice("fatherland_front", L("MTTQ", "Fatherland Front")),
            Choice("post_or_telecom", L("Bưu điện, VNPT, Viettel", "Post office, VNPT, Viettel")),
            Choice("village_staff", L("Cán bộ thôn", "Village staff")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field(
        "audience",
        "multi_choice",
        L("Đối tượng", "Audience"),
        choices=(
            Choice("residents", L("Nhân dân", "Residents")),
            Choice("members", L("Đoàn viên, hội viên", "Union members")),
            Choice("pupils", L("Học sinh", "Pupils")),
            Choice("officials", L("Cán bộ, công chức", "Officials")),
            Choice("businesses", L("Doanh nghiệp, cơ sở lưu trú", "Businesses and lodging owners")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field("location", "text", L("Địa điểm", "Location"), max_length=300),
    Field("people_reached", "integer", L("Số người tham gia", "People reached"), required=True, min=0, max=1_000_000),
    Field("materials_count", "integer", L("Số tài liệu phát", "Materials handed out"), min=0, max=1_000_000),
    Field(
        "link",
        "url",
        L("Đường dẫn bài đăng", "Link to the post"),
        max_length=500,
        help=L("Đường dẫn tới bài đăng", "Where the post can be read"),
        # Asked for, and required, for an online post.
        required=True,
        relevant={"==": [var("form"), "online_post"]},
    ),
    Field("notes", "long_text", L("Ghi chú", "Notes"), max_length=2000),
)

# The demo's records of this type.

SESSION_FORMS = ["meeting"] * 4 + ["door_to_door"] * 3 + ["loudspeaker"] * 2 + ["online_post"] * 2
SESSION_FORMS += ["briefing", "training", "qr_poster", "banner_poster", "one_stop_desk"]


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
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


RECORD_TYPE = RecordType(
    type="propaganda_session",
    label=L("Buổi tuyên truyền", "Outreach session"),
    short_label=L("Tuyên truyền", "Outreach"),
    colour="#8c3d12",
    fields=FIELDS,
    date_field="activity_date",
    # The place first: it is what tells one village's sessions apart.
    title_fields=("location", "form"),
    measures=(
        Count("outreach_sessions", L("Buổi tuyên truyền: số buổi", "Outreach sessions: sessions")),
        Sum(
            "people_reached",
            L("Buổi tuyên truyền: số người tham gia", "Outreach sessions: people reached"),
            field="people_reached",
        ),
    ),
    breakdowns=(Breakdown("form"), Breakdown("topics"), Breakdown("organizers"), Breakdown("audience")),
    example=Example(
        make=example_record,
        per_quarter={"volunteer": 5, "village_staff": 6, "police": 10},
        remarks=(
            (
                "Đề nghị bổ sung ghi chú về kết quả thực hiện",
                lambda data, rng: {"notes": "Đã bổ sung theo yêu cầu: kết quả đã ghi rõ trong ghi chú"},
            ),
        ),
    ),
)
