"""The report's pure parts, without a database: periods, trend buckets and measures from figures."""

from collections import Counter
from datetime import date, datetime, timezone

import pytest

from server.forms.measures import dimensions
from server.forms.registry import RECORD_TYPES
from server.reports import measures
from server.reports.periods import (
    PeriodError,
    file_label,
    local_date,
    local_midnight_utc,
    parse_period,
    period_from_dates,
    trend_buckets,
)


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026-01-01..2026-06-15", date(2026, 1, 1), date(2026, 6, 15)),
    ],
)
def test_a_period_covers_its_days(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end, period.name) == (start, end, text)


def test_dates_that_make_a_named_period_take_its_name():
    assert period_from_dates(date(2026, 10, 1), date(2026, 12, 31)).name == "2026-Q4"
    assert file_label(period_from_dates(date(2026, 11, 1), date(2026, 11, 15))) == "2026-11-01_2026-11-15"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "26",
        "2026-Q5",
        "2026-00",
        "0000",
        "2026-02-30..2026-03-01",
        "2026-12-01..2026-11-01",
        "1999",
        "2026-01-01..2037-01-01",
        "2026\x00",
    ],
)
def test_a_period_that_cannot_be_read_is_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_days_are_vietnams():
    assert local_midnight_utc(date(2026, 11, 1)) == datetime(2026, 10, 31, 17, tzinfo=timezone.utc)
    assert local_date(datetime(2026, 10, 31, 17, 0)) == date(2026, 11, 1)
    assert local_date(datetime(2026, 10, 31, 16, 59)) == date(2026, 10, 31)


def test_trend_buckets_are_weeks_from_monday_then_months():
    bucket, weeks = trend_buckets(parse_period("2026-11"))
    assert bucket == "week" and weeks[0] == (date(2026, 11, 1), date(2026, 11, 1))  # a Sunday
    assert weeks[1] == (date(2026, 11, 2), date(2026, 11, 8)) and weeks[-1][1] == date(2026, 11, 30)
    bucket, months = trend_buckets(parse_period("2026"))
    assert bucket == "month" and len(months) == 12


def grouped(figures, type_name, records, sums=None, **values):
    """Tally one group as the grouped query hands it over (raw column values)."""
    rt = RECORD_TYPES[type_name]
    measures.Tally(rt).add(figures, tuple(values.get(name) for name in dimensions(rt)), records, sums or {})


def test_measures_from_grouped_counts():
    figures = Counter()
    grouped(figures, "vneid_activation", 3, level=2, step_reached="activated")
    grouped(figures, "vneid_activation", 1, level="2", step_reached="logged_in_public_service")  # PostgreSQL's text
    grouped(figures, "vneid_activation", 2, step_reached="installed", failure_reason="no_smartphone")
    for status, n in (("reported", 1), ("certificate_issued", 2), ("person_alive", 1), (None, 1)):
        grouped(figures, "death_check", n, case_status=status)
    grouped(figures, "propaganda_session", 2, {"people_reached": 80}, form="meeting", topics='["vneid", "other"]')
    values = measures.measures_of(figures)
    assert values["vneid_helped"] == 6 and values["vneid_activated_level_2"] == 4
    assert values["vneid_activated_level_1"] == 0 and values["vneid_activated"] == 4
    vneid = measures.types_of(figures)["vneid_activation"]["breakdowns"]
    assert vneid["failure_reason"]["no_smartphone"] == {"records": 2}
    assert vneid["step_reached_by_level"]["activated"]["2"] == {"records": 3}
    assert vneid["step_reached_by_level"]["installed"][measures.NOT_GIVEN] == {"records": 2}
    # A case without a status is its declared default: a new report.
    assert values["death_cases_reported"] == 5 and values["death_cases_certified_percent"] == 50.0  # 2 of 4
    assert measures.types_of(figures)["death_check"]["breakdowns"]["case_status"]["reported"] == {"records": 2}
    assert values["people_reached"] == 80
    topics = measures.types_of(figures)["propaganda_session"]["breakdowns"]["topics"]
    assert topics["vneid"] == topics["other"] == {"records": 2, "people_reached": 80}
    assert topics["residence_law"] == {"records": 0, "people_reached": 0}
    total = measures.merged([figures, figures])
    assert measures.measures_of(total)["vneid_helped"] == 12


def test_booleans_and_lists_read_the_same_from_either_database():
    one_stop = RECORD_TYPES["one_stop_guidance"]
    submitted, services = one_stop.field("submitted_online"), one_stop.field("services")
    assert measures.value_of(submitted, 1) is measures.value_of(submitted, "true") is True
    assert measures.value_of(submitted, 0) is measures.value_of(submitted, "false") is False
    assert measures.value_of(services, '["vneid","dvc_account"]') == ["vneid", "dvc_account"]
    assert measures.value_of(services, "not json") == []


def test_a_share_with_nothing_to_divide_is_none_and_progress_says_so():
    assert measures.measures_of(Counter())["death_cases_certified_percent"] is None
    assert measures.progress_against(600, None) == {"percent_of_target": None, "met": False}
    assert measures.progress_against(600, 150) == {"percent_of_target": 25.0, "met": False}
    assert measures.progress_against(0, 0) == {"percent_of_target": None, "met": True}
