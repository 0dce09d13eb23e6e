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

from server.forms.measures import summed_fields
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
# A breakdown's row for records that give no value.
NOT_GIVEN_LABEL = "Chưa rõ"
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


def headers(rt):
    return [*META_BEFORE, *(f.label.vi for f in rt.fields), *META_AFTER]


def record_rows(scope, rt, review_states, period, session):
    """The report's records of one type as lists of cell values, read in batches."""
    R = queries.R
    statement = (
        select(R.c.id, R.c.data, R.c.review_state, R.c.created_at, Village.name, User.full_name)
        .join(Village, Village.id == R.c.village_id)
        .join(User, User.id == R.c.created_by)
        .where(*queries.conditions(scope.clause, rt, review_states, period))
        .order_by(R.c.village_id, queries.report_day(), R.c.created_at, R.c.id)
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


def summary_rows(document):
    """The summary sheet as rows, from a progress document (service.progress_document): the
    measures by village, the targets, then a section per record type with its breakdowns."""
    keys = list(measures.MEASURES)
    labels = {m.key: m.label.vi for m in measures.MEASURES.values()}
    start, end = date.fromisoformat(document["from"]), date.fromisoformat(document["to"])
    totals = document["totals"]
    rows = [
        ["BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06"],
        [document["commune"]["name"]],
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
    for number, rt in enumerate(RECORD_TYPES.values(), start=3):
        stages = document["stage_days"].get(rt.type, ())
        rows += _type_section(f"{_roman(number)}. {_heading(rt.label.vi)}", rt, totals["types"][rt.type], stages)
    return rows


def _type_section(title, rt, counted, stages):
    """One record type's part of the summary: its records, a table per breakdown, and how long
    its workflow's timed stages took."""
    sums = summed_fields(rt)
    rows = [[], [title], ["Số bản ghi", counted[measures.RECORDS]]]
    for breakdown in rt.breakdowns:
        field, table = rt.field(breakdown.field), counted["breakdowns"][breakdown.name]
        crossed = breakdown.across is not None
        shown = [key for key, cells in table.items() if key != measures.NOT_GIVEN or _records(cells, crossed)]
        if crossed:
            across = rt.field(breakdown.across)
            columns = [
                c
                for c in measures.breakdown_rows(rt, across.name)
                if c != measures.NOT_GIVEN or any(table[key][c][measures.RECORDS] for key in table)
            ]
            rows += [
                [],
                [f"{field.label.vi} \\ {across.label.vi}", *(_choice_label(across, c) for c in columns), "Tổng"],
            ]
            for key in shown:
                cells = table[key]
                rows.append(
                    [
                        _choice_label(field, key),
                        *(cells[c][measures.RECORDS] for c in columns),
                        _records(cells, crossed),
                    ]
                )
        else:
            rows += [[], [field.label.vi, "Số bản ghi", *(rt.field(name).label.vi for name in sums)]]
            rows += [
                [_choice_label(field, key), table[key][measures.RECORDS], *(table[key][n] for n in sums)]
                for key in shown
            ]
    if stages:
        state = rt.field(rt.workflow.field)
        rows += [[], ["Giai đoạn xử lý", "Số bản ghi", "Số ngày trung bình", "Ít nhất", "Nhiều nhất"]]
        for stage in stages:
            moved = f"{_choice_label(state, stage['from_state'])} → {_choice_label(state, stage['to_state'])}"
            rows.append([moved, stage["records"], stage["avg_days"], stage["min_days"], stage["max_days"]])
    return rows


def _records(cells, crossed):
    """A breakdown row's records: its cell's, or the sum of a crossed row's cells."""
    return sum(cell[measures.RECORDS] for cell in cells.values()) if crossed else cells[measures.RECORDS]


def _choice_label(field, key):
    if key == measures.NOT_GIVEN:
        return NOT_GIVEN_LABEL
    return next((c.label.vi for c in field.choices if str(c.value) == key), key)


def _heading(text):
    """A section's title in capitals, as the report's other titles, but a name written with its
    own capitals (VNeID) kept as it is written."""
    return " ".join(word if any(c.isupper() for c in word[1:]) else word.upper() for word in text.split(" "))


def _roman(number):
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for size, numeral in numerals:
        while number >= size:
            text, number = text + numeral, number - size
    return text


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


def sheet_title(rt):
    # A sheet's name holds 31 characters: the type's label when it fits, else its short label.
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
    `record_sources` is [(record type declaration, rows iterable)]."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SUMMARY_TITLE)
    for row in summary_rows(document):
        sheet.append(_xlsx_row(sheet, row))
    for rt, rows in record_sources:
        sheet = workbook.create_sheet(sheet_title(rt))
        sheet.append(_xlsx_row(sheet, headers(rt)))
        for row in rows:
            sheet.append(_xlsx_row(sheet, row))
    workbook.save(path)
