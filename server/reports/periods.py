"""Report periods as plain dates: parsing their names, the days they cover, trend buckets.

Pure functions, no database. Days are Vietnam's calendar days (UTC+7, no
daylight saving): a record made at 06:00 on 1/12 local time (23:00 UTC on
30/11) is December's. `local_midnight_utc` turns a local day into the instant
it starts, for comparing with stored UTC times.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

REPORT_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
# A longer range would make a trend of more than ~120 buckets; no plan reports over ten years.
MAX_DAYS = 3660
# Up to this many days the trend is weekly; beyond it, monthly.
WEEKLY_UP_TO_DAYS = 26 * 7

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
# Six months (sơ kết 6 tháng): the first half, January to June, or the second.
_HALF = re.compile(r"^(\d{4})-H([12])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    """A period that cannot be read, with a message for the user."""


@dataclass(frozen=True)
class Period:
    name: str  # canonical: "2026", "2026-H1", "2026-Q4", "2026-11" or "2026-01-01..2026-01-15"
    start: date  # first day
    end: date  # last day, inclusive

    @property
    def days(self):
        return (self.end - self.start).days + 1


def _month_end(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])


def _check(start, end):
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        raise PeriodError(f"Ngày phải trong khoảng {EARLIEST.year}–{LATEST.year}")
    if start > end:
        raise PeriodError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(f"Khoảng thời gian dài tối đa {MAX_DAYS} ngày")


def period_from_dates(start, end):
    """The period covering start..end, named as a year, quarter or month when it is exactly one."""
    _check(start, end)
    return Period(name_of(start, end), start, end)


def parse_period(text):
    """A Period from its name; PeriodError when it is not one."""
    if not isinstance(text, str):
        raise PeriodError("Kỳ phải là chuỗi, ví dụ 2026, 2026-H1, 2026-Q4, 2026-11 hoặc 2026-01-01..2026-01-15")
    try:
        start, end = _bounds(text.strip())
    except PeriodError:
        raise
    except ValueError:  # year 0000, month 13, 31 February
        raise PeriodError("Ngày không hợp lệ") from None
    return period_from_dates(start, end)


def _bounds(text):
    if m := _YEAR.match(text):
        year = int(m[1])
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif m := _QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        start, end = date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    elif m := _HALF.match(text):
        year, half = int(m[1]), int(m[2])
        start, end = date(year, 6 * half - 5, 1), _month_end(year, 6 * half)
    elif (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        start, end = date(year, month, 1), _month_end(year, month)
    elif m := _RANGE.match(text):
        start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
    else:
        raise PeriodError("Kỳ không hợp lệ: dùng 2026, 2026-H1, 2026-Q4, 2026-11 hoặc 2026-01-01..2026-01-15")
    return start, end


def name_of(start, end):
    """The canonical name of start..end."""
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return f"{start.year}"
    if start.day == 1 and start.month in (1, 7) and end == _month_end(start.year, start.month + 5):
        return f"{start.year}-H{1 if start.month == 1 else 2}"
    if start.day == 1 and start.month % 3 == 1 and end == _month_end(start.year, start.month + 2):
        return f"{start.year}-Q{(start.month + 2) // 3}"
    if start.day == 1 and end == _month_end(start.year, start.month):
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()}..{end.isoformat()}"


def is_range(period):
    """Whether the period is a plain range of days, not a month, quarter, half or year."""
    return ".." in period.name


def file_label(period):
    """The period in a file name: 2026-11, 2026-Q4, 2026, or 2026-11-01_2026-11-15."""
    return period.name.replace("..", "_")


def today_local(now=None):
    return (now or datetime.now(timezone.utc)).astimezone(REPORT_TZ).date()


def current_month(now=None):
    today = today_local(now)
    return period_from_dates(today.replace(day=1), _month_end(today.year, today.month))


def previous_month(now=None):
    first = today_local(now).replace(day=1)
    last = first - timedelta(days=1)
    return period_from_dates(last.replace(day=1), last)


def local_midnight_utc(day):
    """The UTC instant at which the local day `day` begins."""
    return datetime.combine(day, time(0), REPORT_TZ).astimezone(timezone.utc)


def local_date(instant):
    """The local calendar day of a stored instant (SQLite hands them back naive, in UTC)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(REPORT_TZ).date()


def trend_buckets(period):
    """Consecutive (start, end) day ranges covering the period: weeks starting on Monday (the
    first and last may be partial) for up to 26 weeks, calendar months beyond."""
    buckets, start = [], period.start
    weekly = period.days <= WEEKLY_UP_TO_DAYS
    while start <= period.end:
        if weekly:
            next_start = start + timedelta(days=7 - start.weekday())
        else:
            next_start = _month_end(start.year, start.month) + timedelta(days=1)
        end = min(next_start - timedelta(days=1), period.end)
        buckets.append((start, end))
        start = next_start
    return ("week" if weekly else "month"), buckets


def overlaps(start, end, period):
    return start <= period.end and end >= period.start


def dmy(day):
    """dd/mm/yyyy, as Vietnamese forms write dates."""
    return day.strftime("%d/%m/%Y")
