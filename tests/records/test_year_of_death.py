"""DOMAIN.md: a death case's date of death is a full date, the month and year, or only the year
when that is all the family knows; never in the future nor before the year of birth, and the
export writes it as it is known."""

import csv
import io

from openpyxl import load_workbook

from server.forms.rules import today
from tests.helpers import body_of, death_data, update


def test_a_death_case_may_give_only_the_year_of_death(created, login):
    record_id, applied = created("death_check", death_data(birth_year=1941, date_of_death="2019"))
    assert applied["status"] == "applied", applied
    police = login("police.qt")
    assert body_of(police.get(f"/records/{record_id}"))["data"]["date_of_death"] == "2019"
    # The certificate may be dated within that year, not before it.
    officer = login("civil.qt")
    officer.push_ok([update(record_id, 1, {"case_status": "verified_unregistered"})])
    certificate = {"case_status": "certificate_issued", "certificate_number": "7/2026/TP-KT"}
    (early,) = officer.push_ok([update(record_id, 2, {**certificate, "certificate_date": "2018-12-31"})])
    assert early["error"]["fields"] == {"certificate_date": ["Ngày cấp giấy chứng tử không thể trước ngày chết"]}
    (issued,) = officer.push_ok([update(record_id, 2, {**certificate, "certificate_date": "2019-01-01"})])
    assert issued["status"] == "applied", issued


def test_a_year_of_death_is_neither_in_the_future_nor_before_birth(created):
    next_year = str(today().year + 1)
    cases = {
        next_year: "Không được là ngày trong tương lai",
        "1940": "Ngày chết không thể trước năm sinh",
        "1850": "Ngày quá xa trong quá khứ",
        "19": "Ngày phải theo dạng YYYY-MM-DD, hoặc YYYY-MM hay YYYY nếu không rõ ngày",
    }
    for year, message in cases.items():
        _, refused = created("death_check", death_data(birth_year=1941, date_of_death=year))
        assert refused["error"]["fields"] == {"date_of_death": [message]}, (year, refused)
    assert created("death_check", death_data(birth_year=1941, date_of_death="1941"))[1]["status"] == "applied"
    assert created("death_check", death_data(date_of_death=str(today().year)))[1]["status"] == "applied"


def test_the_export_writes_a_year_of_death_as_the_year(created, login):
    created("death_check", death_data(deceased_name="Lò Văn Pấng", birth_year=1941, date_of_death="2019"))
    created("death_check", death_data(deceased_name="Hà Thị Mỷ", date_of_death="2023-04"))
    admin = login("admin.qt")
    query = {"period": today().strftime("%Y-%m"), "count": "submitted_and_approved"}
    response = admin.get("/reports/export", query_string={**query, "format": "csv", "type": "death_check"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = {r["Họ và tên người chết"]: r for r in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}
    assert (rows["Lò Văn Pấng"]["Ngày chết"], rows["Hà Thị Mỷ"]["Ngày chết"]) == ("2019", "04/2023")
    workbook = load_workbook(io.BytesIO(admin.get("/reports/export", query_string=query).get_data()))
    sheet = workbook["Rà soát khai tử"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Ngày chết")
    deaths = {
        row[header.index("Họ và tên người chết")]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert (deaths["Lò Văn Pấng"], deaths["Hà Thị Mỷ"]) == ("2019", "04/2023")
