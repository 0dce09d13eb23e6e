"""The day a record counts on is stored with it (server/records/store.py report_day) and follows
every change of its date, so reports find a period's records through the index."""

from datetime import timedelta, timezone

from sqlalchemy import select

from server.extensions import db
from server.models import Record
from tests.helpers import body_of, update, vneid_data


def counted(login, month):
    progress = body_of(
        login("police.qt").get("/reports/progress", query_string={"period": month, "count": "submitted_and_approved"})
    )
    return progress["totals"]["measures"]["vneid_helped"]


def stored_day(record_id):
    return db.session.execute(select(Record.report_day).where(Record.id == record_id)).scalar_one()


def test_a_record_moves_to_the_month_its_date_is_changed_to(app, created, login):
    record_id, result = created("vneid_activation", vneid_data(activity_date="2026-10-10"))
    assert result["status"] == "applied", result
    assert stored_day(record_id) == "2026-10-10"
    assert (counted(login, "2026-10"), counted(login, "2026-11")) == (1, 0)
    (moved,) = login("vol.qt1").push_ok([update(record_id, 1, {"activity_date": "2026-11-02"})])
    assert moved["status"] == "applied", moved
    db.session.expire_all()
    assert stored_day(record_id) == "2026-11-02"
    assert (counted(login, "2026-10"), counted(login, "2026-11")) == (0, 1)


def test_a_record_without_its_date_counts_on_the_day_it_arrived_in_vietnam(app, created):
    record_id, result = created("vneid_activation", vneid_data(activity_date=None))
    assert result["status"] == "applied", result
    record = db.session.get(Record, record_id)
    arrived = record.created_at.replace(tzinfo=record.created_at.tzinfo or timezone.utc)
    assert record.report_day == (arrived.astimezone(timezone.utc) + timedelta(hours=7)).date().isoformat()
