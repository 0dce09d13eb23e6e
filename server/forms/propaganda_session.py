"""buổi tuyên truyền: an outreach session about Đề án 06, VNeID and online public services."""

from server.forms.declarations import Choice, Field, RecordType
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
            Choice("door_to_door", L("Đến từng hộ gia đình", "Door to door")),
            Choice("loudspeaker", L("Loa truyền thanh", "Loudspeaker")),
            Choice("banner_poster", L("Pano, băng rôn, áp phích", "Banner or poster")),
            Choice("online_post", L("Nhóm Zalo, fanpage", "Zalo group or fanpage post")),
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
            Choice("fatherland_front", L("MTTQ", "Fatherland Front")),
            Choice("village_staff", L("Cán bộ thôn", "Village staff")),
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
        help=L("Với bài đăng trên Zalo, fanpage", "For online posts"),
    ),
    Field("notes", "long_text", L("Ghi chú", "Notes"), max_length=2000),
)

RECORD_TYPE = RecordType(
    type="propaganda_session",
    label=L("Buổi tuyên truyền", "Outreach session"),
    short_label=L("Tuyên truyền", "Outreach"),
    colour="#8c3d12",
    fields=FIELDS,
    date_field="activity_date",
    # The place first: it is what tells one village's sessions apart.
    title_fields=("location", "form"),
)
