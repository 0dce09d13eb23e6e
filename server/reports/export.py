"""The periodic report (báo cáo định kỳ) as files: XLSX with a summary sheet and one sheet per
record type, or CSV (UTF-8 with BOM, so Excel reads Vietnamese), one table per file.

Columns and headers come from the record type declarations (DESIGN.md decision
8): a field's Vietnamese label is its header, a choice is written as its label.
Records are read from the database in batches (yield_per, a server-side cursor
on PostgreSQL) and written out as they come, so the size of a report does not
decide the memory it needs: CSV is a generator the response streams; XLSX is
written by openpyxl's write-only mode to a temporary file that is then sent.
"""

import csv
import io
import re
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select

from server.forms.registry import RECORD_TYPES
from server.models import User, Village
from server.records import workflow
from server.reports import measures, queries
from server.reports.periods import dmy, file_label, local_date, today_local

BATCH = 1000
SUMMARY = "summary"
CSV_TYPES = (SUMMARY, *RECORD_TYPES)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"

# Characters XML (so XLSX) cannot hold; dropped from text in both formats.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# CSV injection: a cell that starts with = + - @ is a formula to a spreadsheet. A spreadsheet
# may also split a cell's text again on its own list separator (Vietnamese-locale Excel uses
# ";", others tab or "|"), so a formula may start after any separator too, past spaces or a
# quote. An apostrophe goes before each such start: the text stays readable and is never run.
_FORMULA_AFTER_SEPARATOR = re.compile(r"(^|[,;|\t\r\n])([\s\"]*)(?=[=+\-@])")
# A cell starting with a tab or a carriage return may be trimmed down to a formula.
_TRIMMED_START = ("\t", "\r")
COUNT_RULE_LABELS = {
    "approved": "Chỉ tính bản ghi đã duyệt",
    "submitted_and_approved": "Tính bản ghi đã duyệt và bản ghi chờ duyệt",
}
META_BEFORE = ("STT", "Thôn")
META_AFTER = ("Trạng thái duyệt", "Người ghi", "Ngày ghi nhận", "Mã bản ghi")
SUMMARY_TITLE = "Tổng hợp"
SHEET_NAME_MAX = 31


def filename(period, fmt, record_type=SUMMARY):
    suffix = "" if record_type == SUMMARY else "-" + record_type.replace("_", "-")
    return f"bao-cao-{file_label(period)}{suffix}.{fmt}"


# --------------------------------------------------------------------------------------------
# Values as a commune officer reads them


def clean_text(value):
    return _CONTROL.sub("", value)


def _iso_to_date(text):
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def cell_value(field, value):
    """A record's value for a spreadsheet: labels for choices, dates as dates, Có/Không."""
    if value is None:
        return None
    if field.kind == "choice":
        return next((c.label.vi for c in field.choices if c.value == value), value)
    if field.kind == "multi_choice" and isinstance(value, list):
        labels = {c.value: c.label.vi for c in field.choices}
        return "; ".join(str(labels.get(v, v)) for v in value)
    if field.kind == "boolean":
        return "Có" if value else "Không"
    if field.kind == "date":
        return _iso_to_date(value) or value
    if field.kind == "partial_date" and isinstance(value, str) and len(value) == 7:
        return f"{value[5:7]}/{value[:4]}"
    return value


def headers(record_type):
    rt = RECORD_TYPES[record_type]
    return [*META_BEFORE, *(f.label.vi for f in rt.fields), *META_AFTER]


def record_rows(scope, record_type, review_states, period, session):
    """The report's records of one type as lists of cell values, read in batches."""
    rt = RECORD_TYPES[record_type]
    R = queries.R
    statement = (
        select(R.c.id, R.c.data, R.c.review_state, R.c.created_at, Village.name, User.full_name)
        .join(Village, Village.id == R.c.village_id)
        .join(User, User.id == R.c.created_by)
        .where(*queries.conditions(scope.clause, record_type, review_states, period))
        .order_by(R.c.village_id, queries.report_day(record_type), R.c.created_at, R.c.id)
        .execution_options(yield_per=BATCH)
    )
    for number, (record_id, data, review_state, created_at, village, author) in enumerate(
        session.execute(statement), start=1
    ):
        data = data if isinstance(data, dict) else {}
        yield [
            number,
            village,
            *(cell_value(f, data.get(f.name)) for f in rt.fields),
            workflow.REVIEW_STATE_LABELS.get(review_state, review_state),
            author,
            local_date(created_at),
            record_id,
        ]


# --------------------------------------------------------------------------------------------
# The summary: results per village, targets, and the breakdowns


def _label(record_type, field_name, value):
    field = record_type.field(field_name)
    return next(c.label.vi for c in field.choices if c.value == value)


def summary_rows(document):
    """The summary sheet as rows, from a progress document (service.progress_document)."""
    keys = list(measures.MEASURES)
    labels = {m.key: m.label.vi for m in measures.MEASURES.values()}
    start, end = date.fromisoformat(document["from"]), date.fromisoformat(document["to"])
    totals = document["totals"]
    rows = [
        ["BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06"],
        [f"Xã {document['commune']['name']}"],
        [f"Từ ngày {dmy(start)} đến ngày {dmy(end)}"],
        [COUNT_RULE_LABELS[document["count"]]],
        [f"Ngày lập báo cáo: {dmy(today_local())}"],
        [],
        ["I. KẾT QUẢ THEO THÔN"],
        ["Thôn", *(labels[k] for k in keys)],
        *([v["name"], *(v["measures"][k] for k in keys)] for v in document["villages"]),
        ["Tổng cộng", *(totals["measures"][k] for k in keys)],
        [],
        ["II. CHỈ TIÊU"],
        ["Chỉ tiêu", "Phạm vi", "Kỳ", "Từ ngày", "Đến ngày", "Chỉ tiêu đặt ra", "Đã đạt", "Tỷ lệ đạt (%)"],
    ]
    names = {v["village_id"]: v["name"] for v in document["villages"]}
    for target in document["targets"]:
        rows.append(
            [
                labels[target["measure"]],
                names.get(target["village_id"], "Toàn xã"),
                target["period"],
                dmy(date.fromisoformat(target["from"])),
                dmy(date.fromisoformat(target["to"])),
                target["value"],
                target["actual"],
                target["percent_of_target"],
            ]
        )

    vneid, V = totals["vneid"], measures.VNEID
    levels = [str(level) for level in measures.LEVELS]
    rows += [
        [],
        ["III. HỖ TRỢ VNeID THEO BƯỚC VÀ MỨC ĐỘ"],
        ["Bước đã hoàn thành", *(_label(V, "level", int(lv)) for lv in levels), "Chưa rõ mức", "Tổng"],
    ]
    for step in measures.STEPS:
        by_level = [vneid["by_level"][lv][step] for lv in (*levels, measures.NO_LEVEL)]
        rows.append([_label(V, "step_reached", step), *by_level, vneid["by_step"][step]])
    rows += [[], [V.field("failure_reason").label.vi, "Số lượt"]]
    rows += [[_label(V, "failure_reason", r), n] for r, n in vneid["by_failure_reason"].items()]

    D = measures.DEATH
    rows += [[], ["IV. RÀ SOÁT KHAI TỬ"], [D.field("case_status").label.vi, "Số trường hợp"]]
    rows += [[_label(D, "case_status", s), n] for s, n in totals["death"]["by_case_status"].items()]
    rows += [[], ["Giai đoạn xử lý", "Số trường hợp", "Số ngày trung bình", "Ít nhất", "Nhiều nhất"]]
    for stage in document["death_stage_days"]:
        rows.append(
            [
                f"{_label(D, 'case_status', stage['from_status'])} → {_label(D, 'case_status', stage['to_status'])}",
                stage["cases"],
                stage["avg_days"],
                stage["min_days"],
                stage["max_days"],
            ]
        )

    P, outreach = measures.OUTREACH, totals["outreach"]
    reached = P.field("people_reached").label.vi
    rows += [[], ["V. TUYÊN TRUYỀN"], [P.field("form").label.vi, "Số buổi", reached]]
    rows += [[_label(P, "form", f), x["sessions"], x["people_reached"]] for f, x in outreach["by_form"].items()]
    rows += [[], [P.field("topics").label.vi, "Số buổi", reached]]
    rows += [[_label(P, "topics", t), x["sessions"], x["people_reached"]] for t, x in outreach["by_topic"].items()]
    return rows


# --------------------------------------------------------------------------------------------
# Writers


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, date):
        return dmy(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return neutralise_formulas(clean_text(value))
    return value


def neutralise_formulas(text):
    """Text a user typed, so that no cell a spreadsheet makes of it, however it splits it, starts a formula."""
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1\2'", text)
    return "'" + text if text.startswith(_TRIMMED_START) else text


def csv_chunks(rows, header=None):
    """UTF-8 CSV with a BOM, as byte chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff".encode()
    if header:
        writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
        if buffer.tell() > 65536:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def sheet_title(record_type):
    # A sheet's name holds 31 characters: the type's label when it fits, else its short label.
    rt = RECORD_TYPES[record_type]
    name = rt.label.vi if len(rt.label.vi) <= SHEET_NAME_MAX else rt.short_label.vi
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:SHEET_NAME_MAX]


def _xlsx_row(sheet, row):
    cells = []
    for value in row:
        if isinstance(value, str):
            value = clean_text(value)
            if value.startswith("="):  # text, never a formula
                value = WriteOnlyCell(sheet, value)
                value.data_type = "s"
        elif isinstance(value, date):
            value = WriteOnlyCell(sheet, value)
            value.number_format = "DD/MM/YYYY"
        cells.append(value)
    return cells


def write_xlsx(path, document, record_sources):
    """Write the workbook to `path`: the summary, then one sheet per record type.
    `record_sources` is [(record_type, rows iterable)]."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SUMMARY_TITLE)
    for row in summary_rows(document):
        sheet.append(_xlsx_row(sheet, row))
    for record_type, rows in record_sources:
        sheet = workbook.create_sheet(sheet_title(record_type))
        sheet.append(_xlsx_row(sheet, headers(record_type)))
        for row in rows:
            sheet.append(_xlsx_row(sheet, row))
    workbook.save(path)
