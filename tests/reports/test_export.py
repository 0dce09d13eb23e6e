"""GET /reports/export and the report command: the files opened and read back, and the audit log."""

import csv
import io
import re
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEntry
from tests.helpers import body_of

# Every declared measure, in the registry's order of types.
MEASURE_HEADERS = [
    "Thôn",
    "Hỗ trợ cài đặt, kích hoạt VNeID: số lượt hỗ trợ",
    "Tài khoản VNeID đã kích hoạt (mọi mức)",
    "Tài khoản VNeID đã kích hoạt – Mức 1",
    "Tài khoản VNeID đã kích hoạt – Mức 2",
    "Hồ sơ định danh mức 2: số hồ sơ",
    "Hồ sơ định danh mức 2: đã kích hoạt",
    "Rà soát khai tử: số trường hợp phát hiện",
    "Rà soát khai tử: đã cấp giấy chứng tử",
    "Rà soát khai tử: tỷ lệ đã cấp giấy chứng tử (%)",
    "Buổi tuyên truyền: số buổi",
    "Buổi tuyên truyền: số người tham gia",
    "Hướng dẫn tại Bộ phận một cửa: số lượt công dân",
    "Hướng dẫn tại Bộ phận một cửa: số hồ sơ nộp trực tuyến",
    "Làm sạch dữ liệu: số trường hợp phát hiện",
    "Làm sạch dữ liệu: đã chỉnh sửa trong CSDLQG",
    "Khó khăn, vướng mắc: số ghi nhận",
    "Khó khăn, vướng mắc: đã giải quyết",
]
TOTAL_ROW = ["Tổng cộng", 6, 4, 1, 2, 0, 0, 4, 2, 66.7, 3, 257, 0, 0, 0, 0, 0, 0]


def download(world, username="admin.qt", **query):
    query.setdefault("period", "2026-10")
    response = world[username].get("/reports/export", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_the_xlsx_report_has_a_summary_and_a_sheet_per_record_type(world):
    response = download(world)
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == 'attachment; filename="bao-cao-2026-10.xlsx"'
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == [
        "Tổng hợp",
        "Hỗ trợ cài đặt, kích hoạt VNeID",
        "Hồ sơ định danh điện tử mức 2",
        "Rà soát khai tử",
        "Buổi tuyên truyền",
        "Một cửa",  # its label is longer than a sheet's name may be: the short label
        "Làm sạch dữ liệu dân cư",
        "Khó khăn, vướng mắc",
    ]
    summary = [list(row) for row in workbook["Tổng hợp"].iter_rows(values_only=True)]
    assert summary[0][0] == "BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06"
    assert summary[1][0] == "Phường Quang Trung" and summary[2][0] == "Từ ngày 01/10/2026 đến ngày 31/10/2026"
    header = summary.index(MEASURE_HEADERS + [None] * (len(summary[7]) - len(MEASURE_HEADERS)))
    total = next(row for row in summary if row[0] == "Tổng cộng")
    assert total[: len(TOTAL_ROW)] == TOTAL_ROW
    assert summary[header + 1][:3] == ["Thôn 1", 4, 3]
    titles = [row[0] for row in summary if re.match(r"[IVX]+\. ", str(row[0] or ""))]
    # A section per record type, in capitals but for a name with its own (VNeID).
    assert titles[2:4] == ["III. HỖ TRỢ CÀI ĐẶT, KÍCH HOẠT VNeID", "IV. HỒ SƠ ĐỊNH DANH ĐIỆN TỬ MỨC 2"]
    assert len(titles) == 2 + 7
    targets = next(i for i, row in enumerate(summary) if row[0] == "II. CHỈ TIÊU")
    assert summary[targets + 2][:8] == [
        "Tài khoản VNeID đã kích hoạt – Mức 2",
        "Toàn xã",
        "2026",
        "01/01/2026",
        "31/12/2026",
        600,
        3,
        0.5,
    ]

    vneid = list(workbook["Hỗ trợ cài đặt, kích hoạt VNeID"].iter_rows(values_only=True))
    assert vneid[0][:6] == (
        "STT",
        "Thôn",
        "Họ, chữ đệm và tên",
        "Số định danh cá nhân / số CCCD",
        "Ngày sinh",
        "Giới tính",
    )
    assert vneid[0][-4:] == ("Trạng thái duyệt", "Người ghi", "Ngày ghi nhận", "Mã bản ghi")
    assert len(vneid) == 1 + 6
    first = dict(zip(vneid[0], vneid[1], strict=True))
    assert first["STT"] == 1 and first["Thôn"] == "Thôn 1" and first["Họ, chữ đệm và tên"] == "Nguyễn Thị Lan"
    assert first["Giới tính"] == "Nữ" and first["Bước đã hoàn thành"] == "Kích hoạt"
    assert first["Mức độ tài khoản"] == "Mức 2" and first["Số chính chủ"] == "Có"
    assert first["Ngày hỗ trợ"] == datetime(2026, 10, 2) and first["Trạng thái duyệt"] == "Đã duyệt"
    assert first["Người ghi"] == "Nguyễn Thị Lan" and first["Mã bản ghi"] == world.records["a1"]
    sheet = workbook["Hỗ trợ cài đặt, kích hoạt VNeID"]
    formula_like = [row for row in vneid if row[2] and row[2].startswith("Lê Thị Ánh")]
    assert formula_like[0][2] == 'Lê Thị Ánh "=SUM(A1)"'
    assert sheet is not None
    deaths = list(workbook["Rà soát khai tử"].iter_rows(values_only=True))
    d1 = dict(zip(deaths[0], deaths[1], strict=True))
    assert d1["Họ và tên người chết"] == "Người mất d1" and d1["Ngày chết"] == "04/2023"
    assert d1["Ghi chú chứng cứ"] == "Gia đình xác nhận có ký tự NUL"  # the NUL cannot live in XML
    assert d1["Tình trạng xử lý"] == "Đã cấp giấy chứng tử"
    sessions = list(workbook["Buổi tuyên truyền"].iter_rows(values_only=True))
    p1 = dict(zip(sessions[0], sessions[1], strict=True))
    assert p1["Nội dung tuyên truyền"] == "VNeID và định danh điện tử; Dịch vụ công trực tuyến"
    assert p1["Hình thức"] == "Họp thôn" and p1["Số người tham gia"] == 45
    assert "Cẩm Hải" not in str(summary) + str(vneid) + str(sessions)


def test_the_xlsx_dates_are_shown_day_first(world):
    workbook = load_workbook(io.BytesIO(download(world).get_data()))
    sheet = workbook["Hỗ trợ cài đặt, kích hoạt VNeID"]
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("Ngày hỗ trợ") + 1).number_format == "DD/MM/YYYY"


def test_the_csv_summary_has_a_bom_and_the_same_totals(world):
    response = download(world, format="csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="bao-cao-2026-10.csv"'
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1] == ["Phường Quang Trung"] and MEASURE_HEADERS in rows
    assert next(r for r in rows if r and r[0] == "Tổng cộng") == [str(v) for v in TOTAL_ROW]


def test_the_csv_of_one_record_type_has_declared_headers_and_vietnamese_values(world):
    response = download(world, format="csv", type="propaganda_session", count="submitted_and_approved")
    assert response.headers["Content-Disposition"] == 'attachment; filename="bao-cao-2026-10-propaganda-session.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [r["Số người tham gia"] for r in rows] == ["45", "200", "12"]
    assert rows[0]["Ngày tuyên truyền"] == "03/10/2026" and rows[0]["Địa điểm"] == "Nhà văn hóa Thôn 1"
    assert rows[0]["Đơn vị thực hiện"] == "Đoàn thanh niên" and rows[2]["Hình thức"] == "Đến từng hộ gia đình"
    vneid = list(
        csv.DictReader(
            io.StringIO(download(world, format="csv", type="vneid_activation").get_data().decode("utf-8-sig"))
        )
    )
    assert (
        next(r for r in vneid if r["Thôn"] == "Thôn 2" and "Ánh" in r["Họ, chữ đệm và tên"])["Họ, chữ đệm và tên"]
        == 'Lê Thị Ánh "=SUM(A1)"'
    )


def test_every_export_is_in_the_audit_log(world):
    download(world, format="csv", type="death_check")
    with world.app.app_context():
        entry = (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action == "report.export").order_by(AuditEntry.id.desc())
            )
            .scalars()
            .first()
        )
        assert entry.user_id == world["admin.qt"].user["id"] and entry.target_id == str(
            world["admin.qt"].user["commune_id"]
        )
        assert entry.details["format"] == "csv" and entry.details["type"] == "death_check"
        assert entry.details["period"] == "2026-10" and entry.details["records"]["death_check"] == 4
    audit = body_of(world["admin.qt"].get("/audit", query_string={"action": "report.export"}))
    assert audit["total"] >= 1


def test_another_commune_exports_only_its_own(world):
    rows = list(
        csv.reader(
            io.StringIO(
                download(world, "police.ch", format="csv", type="propaganda_session").get_data().decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 2 and rows[1][1] == "Thôn Đông" and "999" in rows[1]


def test_bad_export_parameters_are_422(world):
    for query, field in (
        ({"format": "pdf"}, "format"),
        ({"type": "everything"}, "type"),
        ({"from": "2026-10-31", "to": "2026-10-01"}, "from"),
    ):
        response = world["admin.qt"].get("/reports/export", query_string=query)
        assert response.status_code == 422 and field in body_of(response)["error"]["fields"], body_of(response)


def test_the_report_command_writes_the_same_report_for_a_month(world, tmp_path):
    runner = world.app.test_cli_runner()
    target = tmp_path / "bao-cao.xlsx"
    result = runner.invoke(args=["report", "--month", "2026-10", "--commune", "Quang Trung", "--output", str(target)])
    assert result.exit_code == 0, result.output
    summary = [list(r) for r in load_workbook(target)["Tổng hợp"].iter_rows(values_only=True)]
    assert next(r for r in summary if r[0] == "Tổng cộng")[: len(TOTAL_ROW)] == TOTAL_ROW
    csv_target = tmp_path / "tuyen-truyen.csv"
    result = runner.invoke(
        args=[
            "report",
            "--month",
            "2026-10",
            "--commune",
            "Quang Trung",
            "--format",
            "csv",
            "--type",
            "propaganda_session",
            "--output",
            str(csv_target),
        ]
    )
    assert result.exit_code == 0, result.output
    assert csv_target.read_bytes().startswith("\ufeff".encode())
    for args in (["--month", "2026-10", "--commune", "Nowhere"], ["--month", "2026-1x", "--commune", "Quang Trung"]):
        result = runner.invoke(args=["report", *args, "--output", str(tmp_path / "x.xlsx")])
        assert result.exit_code != 0 and "Traceback" not in result.output
    with world.app.app_context():
        entry = (
            db.session.execute(
                select(AuditEntry).where(AuditEntry.action == "report.export").order_by(AuditEntry.id.desc())
            )
            .scalars()
            .first()
        )
        assert entry.user_id is None and entry.details["via"] == "cli"
