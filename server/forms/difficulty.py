"""khó khăn, vướng mắc: an obstacle met in the field (no signal, no phone, papers missing, too few
hands), recorded by anyone who meets it; the commune resolves it or carries it into its report to
the province (DOMAIN.md "Difficulties"; the plans ask for them with every monthly report)."""

from server.forms.declarations import Choice, Example, Field, RecordType, Workflow
from server.forms.logic import var
from server.forms.measures import Breakdown, Count
from server.labels import Label as L

# The commune police and its working group decide what is resolved and what goes to the province.
STATUS_ROLES = ("police", "admin")

FIELDS = (
    Field(
        "topic",
        "choice",
        L("Lĩnh vực", "Topic"),
        required=True,
        choices=(
            Choice("equipment", L("Trang thiết bị, máy móc", "Equipment")),
            Choice("signal", L("Sóng điện thoại, Internet", "Phone signal, Internet")),
            Choice("citizens_papers", L("Giấy tờ của công dân", "Citizens' papers")),
            Choice("staffing", L("Nhân lực", "Staffing")),
            Choice("other", L("Khác", "Other")),
        ),
    ),
    Field("description", "long_text", L("Khó khăn, vướng mắc", "The difficulty"), required=True, max_length=2000),
    Field("proposal", "long_text", L("Đề xuất, kiến nghị", "What is proposed"), max_length=2000),
    Field("activity_date", "date", L("Ngày ghi nhận", "Date noted"), required=True, not_future=True),
    Field(
        "status",
        "choice",
        L("Tình trạng", "Status"),
        choices=(
            Choice("open", L("Chưa giải quyết", "Open")),
            Choice("resolved", L("Đã giải quyết tại xã", "Resolved in the commune")),
            Choice("carried", L("Báo cáo lên tỉnh", "Carried to the province")),
        ),
        editable_by=STATUS_ROLES,
        default="open",
    ),
    Field(
        "resolution",
        "long_text",
        L("Cách giải quyết", "How it was resolved"),
        editable_by=STATUS_ROLES,
        max_length=2000,
    ),
)

# open -> resolved in the commune, or carried upward in the report (and resolved later, with the
# province's help). Resolving says how.
WORKFLOW = Workflow(
    "status",
    {"open": ("resolved", "carried"), "carried": ("resolved",)},
    needs={"resolved": ("resolution",)},
)

# The demo's records of this type.

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


def example_record(rng, ctx):
    """A record as its author would fill it in, for the demo (server/demo_activity.py)."""
    topic, description, proposal = rng.choice(DIFFICULTIES)
    return {"topic": topic, "description": description, "proposal": proposal, "activity_date": ctx.day.isoformat()}


RECORD_TYPE = RecordType(
    type="difficulty",
    label=L("Khó khăn, vướng mắc", "Difficulty"),
    short_label=L("Khó khăn", "Difficulty"),
    colour="#7a4a00",
    fields=FIELDS,
    workflow=WORKFLOW,
    date_field="activity_date",
    title_fields=("topic", "description"),
    carried_upward=("open", "carried"),
    measures=(
        Count("difficulties_reported", L("Khó khăn, vướng mắc: số ghi nhận", "Difficulties noted"), headline=False),
        Count(
            "difficulties_resolved",
            L("Khó khăn, vướng mắc: đã giải quyết", "Difficulties resolved"),
            where={"==": [var("status"), "resolved"]},
            headline=False,
        ),
    ),
    breakdowns=(Breakdown("topic"), Breakdown("status")),
    example=Example(
        make=example_record,
        per_quarter={"volunteer": 2, "village_staff": 4},
        paths=((), ("carried",), ("resolved",), ("carried", "resolved")),
        on_entering=lambda state, rng, moment: {"resolution": rng.choice(RESOLUTIONS)} if state == "resolved" else {},
        remarks=(
            (
                "Đề nghị nêu đề xuất cụ thể: cần gì, bao nhiêu, ai hỗ trợ",
                lambda data, rng: {"proposal": data["proposal"] + " trong tháng tới"},
            ),
        ),
    ),
)
