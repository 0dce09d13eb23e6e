"""khó khăn, vướng mắc: an obstacle met in the field (no signal, no phone, papers missing, too few
hands), recorded by anyone who meets it; the commune resolves it or carries it into its report to
the province (DOMAIN.md "Difficulties"; the plans ask for them with every monthly report)."""

from server.forms.declarations import Choice, Field, RecordType, Workflow
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
)
