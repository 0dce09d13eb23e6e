"""The files of the reports sent upward: a report as the commune sent it, and the province's
roll-up, one row per commune (XLSX)."""

import os
import tempfile
from datetime import date

from openpyxl import Workbook

from server.audit import write_audit
from server.forms.registry import RECORD_TYPES
from server.reports import export, service
from server.reports.rollup import rollup
from server.reports.periods import (
    dmy,
    local_date,
    parse_period,
    today_local,
)
from server.reports.submissions import (
    MISSING,
    NARRATIVE_LABELS,
    NARRATIVE_PARTS,
    RETURNED,
    SUBMITTED,
    current_version,
    period_title,
    visible_submission,
    names_of,
)

STATUS_LABELS = {SUBMITTED: "Đã gửi", RETURNED: "Bị trả lại", MISSING: "Chưa gửi"}


def _save(rows, sheet_title, name):
    handle, path = tempfile.mkstemp(prefix="bao-cao-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_title)
        for row in rows:
            sheet.append(export._xlsx_row(sheet, row))
        workbook.save(path)
    except BaseException:
        os.unlink(path)
        raise
    return service.ExportFile(name, export.XLSX_MIMETYPE, path=path)


def export_submission(user, submission_id, version_number=None):
    """The report as it was sent (that version), as XLSX; the export is audited."""
    submission = visible_submission(user, submission_id)
    version = current_version(submission, version_number)
    period = parse_period(submission.period)
    names = names_of(version.submitted_by)
    rows = [
        [period_title(period).upper()],
        [submission.commune.name],
        [f"Lần gửi {version.version}"],
        [f"Ngày gửi: {dmy(local_date(version.submitted_at))}" + (f" — {names[version.submitted_by]}" if names else "")],
        [f"Hạn nộp: {dmy(version.due_date)}" + (" — Nộp muộn" if version.late else " — Đúng hạn")],
    ]
    if version.returned_at:
        rows.append([f"Tỉnh trả lại ngày {dmy(local_date(version.returned_at))}: {version.return_comment or ''}"])
    for part in NARRATIVE_PARTS:
        rows += [[], [NARRATIVE_LABELS[part]], [(version.narrative or {}).get(part) or ""]]
    rows.append([])
    rows += export.summary_rows(version.figures)
    found = version.figures.get("difficulties") or []
    if found:
        rows += [[], ["KHÓ KHĂN, VƯỚNG MẮC ĐANG TỒN TẠI"], ["Loại", "Thôn", "Nội dung"]]
        for item in found:
            rt = RECORD_TYPES.get(item["type"])
            label = rt.label.vi if rt else item["type"]
            text = "; ".join(f"{_field_label(rt, k)}: {v}" for k, v in item["fields"].items())
            rows.append([label, item["village"], text])
    result = _save(rows, "Báo cáo", f"bao-cao-{submission.period}-lan-{version.version}.xlsx")
    write_audit(
        "report.submission_export",
        user=user,
        commune_id=submission.commune_id,
        target=("submission", submission.id),
        details={"period": submission.period, "version": version.version},
    )
    return result


def _field_label(rt, name):
    try:
        return rt.field(name).label.vi
    except (AttributeError, KeyError):
        return name


def export_rollup(user, period_text=None):
    """The roll-up as XLSX: one row per commune, the province's totals and targets; audited."""
    document = rollup(user, period_text)
    keys = [m["key"] for m in document["measures"]]
    labels = {m["key"]: m["label"]["vi"] for m in document["measures"]}
    headline = document["headline"]
    rows = [
        ["TỔNG HỢP KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 CỦA CÁC XÃ"],
        [document["province"]["name"]],
        [
            f"Kỳ {document['period']}: từ ngày {dmy(date.fromisoformat(document['from']))} "
            f"đến ngày {dmy(date.fromisoformat(document['to']))}"
        ],
        [f"Hạn nộp báo cáo: {dmy(date.fromisoformat(document['due_date']))}"],
        [f"Ngày lập: {dmy(today_local())}"],
        [],
        [
            "STT",
            "Mã xã",
            "Xã",
            "Tình trạng báo cáo",
            "Nộp muộn",
            *(labels[k] for k in keys),
            f"Chỉ tiêu: {labels[headline]}",
            "Tỷ lệ đạt chỉ tiêu (%)",
        ],
    ]
    for number, row in enumerate(document["communes"], start=1):
        rows.append(
            [
                number,
                row["commune_code"],
                row["commune_name"],
                STATUS_LABELS[row["status"]],
                "Có" if row["late"] else "Không",
                *(row["measures"][k] for k in keys),
                row["targets"][headline],
                row["share_of_target"],
            ]
        )
    province_target = next(m["target"] for m in document["measures"] if m["key"] == headline)
    rows.append(["", "", "Toàn tỉnh", "", "", *(m["value"] for m in document["measures"]), province_target, None])
    result = _save(rows, "Tổng hợp", f"tong-hop-{document['period']}.xlsx")
    write_audit(
        "report.rollup_export",
        user=user,
        target=("province", document["province"]["id"]),
        details={"period": document["period"]},
    )
    return result
