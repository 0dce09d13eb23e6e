"""A report of 100,000 records is written without holding them in memory: peak RSS growth of
the exporting process stays under 100 MB, for XLSX and for CSV."""

import json
import os
import subprocess
import sys
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from server.extensions import db
from server.models import Record, User, Village
from tests.helpers import vneid_data

RECORDS = 100_000
CEILING_KIB = 100 * 1024
ROOT = Path(__file__).resolve().parents[2]


def _insert_records(app):
    author = db.session.execute(select(User.id, User.commune_id).where(User.username == "vol.qt1")).one()
    village = db.session.execute(select(Village.id).where(Village.name == "Thôn 1")).scalar_one()
    now = datetime(2026, 10, 20, tzinfo=timezone.utc)
    table = Record.__table__
    for start in range(0, RECORDS, 10_000):
        rows = []
        for i in range(start, min(start + 10_000, RECORDS)):
            rows.append(
                {
                    "id": str(uuid.UUID(int=i + 1)),
                    "type": "vneid_activation",
                    "commune_id": author.commune_id,
                    "village_id": village,
                    "version": 1,
                    "review_state": "approved",
                    "has_conflict": False,
                    "deleted": False,
                    "created_by": author.id,
                    "updated_by": author.id,
                    "created_at": now,
                    "updated_at": now,
                    "search_text": "",
                    "report_day": f"2026-10-{1 + i % 28:02d}",
                    "version_hash": "0" * 64,
                    "change_xid": 1,
                    "data": vneid_data(
                        full_name=f"Nguyễn Văn Thành {i}",
                        activity_date=f"2026-10-{1 + i % 28:02d}",
                        notes="Đã hướng dẫn đăng nhập Cổng dịch vụ công",
                    ),
                }
            )
        db.session.execute(insert(table), rows)
        db.session.commit()


def _count(stream, needle):
    """Occurrences of `needle` in a stream read in chunks (one may straddle two chunks)."""
    count, tail = 0, b""
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        window = tail + chunk
        count += window.count(needle)
        tail = window[-(len(needle) - 1) :]
    return count


@pytest.mark.slow
def test_a_hundred_thousand_records_export_under_a_memory_ceiling(app, tmp_path):
    _insert_records(app)
    output = tmp_path / "bao-cao"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.reports.export_memory",
            app.config["SQLALCHEMY_DATABASE_URI"],
            str(tmp_path),
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    print("export of 100,000 records:", results)
    for fmt, result in results.items():
        assert result["status"] == 200, (fmt, result)
        assert result["growth_kib"] < CEILING_KIB, (fmt, result)
    with open(f"{output}.csv", encoding="utf-8-sig") as f:
        assert sum(1 for _ in f) == RECORDS + 1
    workbook = load_workbook(f"{output}.xlsx", read_only=True)
    assert workbook.sheetnames[1] == "Hỗ trợ cài đặt, kích hoạt VNeID"
    # Reading 100,000 rows back through openpyxl would take longer than writing them: count them in the XML.
    with zipfile.ZipFile(f"{output}.xlsx") as archive, archive.open("xl/worksheets/sheet2.xml") as sheet:
        rows = _count(sheet, b"<row ")
    assert rows == RECORDS + 1
