"""Reminders before a report falls due: Web Push to the police and admin of every commune whose
report is not in (run daily: `flask --app wsgi report-reminders`)."""

from datetime import timedelta

from sqlalchemy import and_, select

from server.extensions import db
from server.models import Commune, Province
from server.models.submissions import ReportDeadline, Submission
from server.push import service as push
from server.reports.periods import (
    dmy,
    local_midnight_utc,
    parse_period,
    previous_month,
    today_local,
)
from server.reports.submissions import (
    REMINDER_KIND,
    SUBMITTED,
    due_date,
    period_title,
    senders_of,
)
from server.timeutil import utcnow


def queue_reminders(days=3, now=None):
    """Remind the police and admin of every commune whose report of the period just ended is not
    in and falls due within `days` days (or today): one notification per commune, period and day,
    so running it again the same day queues nothing more. Returns {commune name: period}."""
    now = now or utcnow()
    today = today_local(now)
    last_month = previous_month(now)
    ended = [last_month] + [
        p for p in (_named_for(last_month.end, kind) for kind in ("quarter", "half", "year")) if p is not None
    ]
    communes = db.session.execute(select(Commune).order_by(Commune.id)).scalars().all()
    submitted = set(
        db.session.execute(
            select(Submission.commune_id, Submission.period).where(
                Submission.period.in_([p.name for p in ended]), Submission.status == SUBMITTED
            )
        ).all()
    )
    senders = senders_of([c.id for c in communes])
    already = _reminded_today(today)
    deadlines = {}  # province id -> {period: the date it set}
    chosen = select(ReportDeadline).where(ReportDeadline.period.in_([p.name for p in ended]))
    for deadline in db.session.execute(chosen).scalars():
        deadlines.setdefault(deadline.province_id, {})[deadline.period] = deadline.due_date
    provinces = {p.id: p for p in db.session.execute(select(Province)).scalars()}
    notifications, reminded = [], {}
    for commune in communes:
        province = provinces.get(commune.province_id)
        for period in ended:
            if (commune.id, period.name) in submitted or (commune.id, period.name) in already:
                continue
            due = due_date(province, period, deadlines.get(commune.province_id, {}))
            if not (today <= due <= today + timedelta(days=days)):
                continue
            body = f"{period_title(period)} hạn nộp {dmy(due)}"
            for user_id in senders.get(commune.id, []):
                notifications.append(
                    (
                        user_id,
                        push.payload(
                            REMINDER_KIND,
                            "Nhắc nộp báo cáo",
                            body,
                            "/#/reports/submissions",
                            commune_id=commune.id,
                            period=period.name,
                        ),
                    )
                )
            reminded[commune.name] = period.name
    push.queue_for_users(notifications, now)
    return reminded


def _named_for(last_day, kind):
    """The quarter, half year or year that ends on `last_day`, if one does."""
    month = last_day.month
    if kind == "quarter" and month % 3 == 0:
        return parse_period(f"{last_day.year}-Q{month // 3}")
    if kind == "half" and month % 6 == 0:
        return parse_period(f"{last_day.year}-H{month // 6}")
    if kind == "year" and month == 12:
        return parse_period(f"{last_day.year}")
    return None


def _reminded_today(today):
    """(commune id, period) already reminded today (Vietnam's day)."""
    rows = db.session.execute(
        select(push.NOTIFICATIONS.c.payload).where(
            and_(
                push.NOTIFICATIONS.c.kind == REMINDER_KIND,
                push.NOTIFICATIONS.c.created_at >= local_midnight_utc(today),
            )
        )
    ).scalars()
    return {(p.get("commune_id"), p.get("period")) for p in rows if isinstance(p, dict)}
