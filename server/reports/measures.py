"""What reports count, and the arithmetic from grouped counts to figures: pure functions.

The database answers a few GROUP BY queries (server/reports/queries.py); the
rows come here as plain tuples and become, per village (or per trend bucket),
*figures*: counts by the choices the record types declare. *Measures* (the
numbers targets are set for) are computed from figures. Choice values and
labels come from the record type declarations in server/forms/, so a new step
or topic appears in reports without a change here.
"""

from dataclasses import dataclass
from typing import Callable

from server.labels import Label
from server.forms.registry import RECORD_TYPES

VNEID = RECORD_TYPES["vneid_activation"]
DEATH = RECORD_TYPES["death_check"]
OUTREACH = RECORD_TYPES["propaganda_session"]

STEPS = VNEID.field("step_reached").choice_values
LEVELS = VNEID.field("level").choice_values
FAILURE_REASONS = VNEID.field("failure_reason").choice_values
CASE_STATUSES = DEATH.field("case_status").choice_values
FORMS = OUTREACH.field("form").choice_values
TOPICS = OUTREACH.field("topics").choice_values

# A step at or past activation: the account works.
ACTIVATED_STEPS = ("activated", "logged_in_public_service")
# Death cases that got their certificate (and maybe the later residence step).
CERTIFIED_STATUSES = ("certificate_issued", "residence_removed", "funeral_allowance_done")
# Closed without a certificate because none is needed: they leave the share's denominator.
CLOSED_WITHOUT_CERTIFICATE = ("already_registered", "person_alive")
NO_LEVEL = "none"

# The review states each counting rule lets into a report (`count=` parameter).
COUNT_RULES = {
    "approved": ("approved",),
    "submitted_and_approved": ("submitted", "approved"),
}
DEFAULT_COUNT_RULE = "approved"


def _choice_label(record_type, field_name, value):
    return next(c.label for c in record_type.field(field_name).choices if c.value == value)


# --------------------------------------------------------------------------------------------
# Figures: counts by declared choices, for one village or one trend bucket


def empty_figures():
    return {
        "vneid": {
            "helped": 0,
            "by_step": dict.fromkeys(STEPS, 0),
            "by_level": {str(level): dict.fromkeys(STEPS, 0) for level in (*LEVELS, NO_LEVEL)},
            "by_failure_reason": dict.fromkeys(FAILURE_REASONS, 0),
        },
        "death": {"by_case_status": dict.fromkeys(CASE_STATUSES, 0)},
        "outreach": {
            "sessions": 0,
            "people_reached": 0,
            "by_form": {form: {"sessions": 0, "people_reached": 0} for form in FORMS},
            "by_topic": {topic: {"sessions": 0, "people_reached": 0} for topic in TOPICS},
        },
    }


def _level_key(level):
    # SQLite hands a JSON integer back as an integer, PostgreSQL's ->> as text.
    if level is None or str(level) not in {str(v) for v in LEVELS}:
        return NO_LEVEL
    return str(level)


def add_vneid_group(figures, level, step, failure_reason, n):
    vneid = figures["vneid"]
    vneid["helped"] += n
    if step in vneid["by_step"]:
        vneid["by_step"][step] += n
        vneid["by_level"][_level_key(level)][step] += n
    if failure_reason in vneid["by_failure_reason"] and step not in ACTIVATED_STEPS:
        vneid["by_failure_reason"][failure_reason] += n


def add_death_group(figures, case_status, n):
    # A case without a status is a volunteer's new report.
    status = case_status if case_status in CASE_STATUSES else "reported"
    figures["death"]["by_case_status"][status] += n


def add_outreach_group(figures, form, sessions, people):
    outreach = figures["outreach"]
    outreach["sessions"] += sessions
    outreach["people_reached"] += people
    if form in outreach["by_form"]:
        outreach["by_form"][form]["sessions"] += sessions
        outreach["by_form"][form]["people_reached"] += people


def add_topic_group(figures, topic, sessions, people):
    if topic in figures["outreach"]["by_topic"]:
        figures["outreach"]["by_topic"][topic]["sessions"] += sessions
        figures["outreach"]["by_topic"][topic]["people_reached"] += people


def merge_figures(parts):
    """The sum of several figures (the commune's total from its villages)."""
    total = empty_figures()
    for part in parts:
        _add_into(total, part)
    return total


def _add_into(total, part):
    for key, value in part.items():
        if isinstance(value, dict):
            _add_into(total[key], value)
        else:
            total[key] += value


# --------------------------------------------------------------------------------------------
# Measures: the numbers targets are set for


def percent(part, whole):
    """part / whole as a percent with one decimal; None when there is nothing to divide by."""
    return None if not whole else round(100.0 * part / whole, 1)


def _activated(figures, level=None):
    vneid = figures["vneid"]
    steps = vneid["by_step"] if level is None else vneid["by_level"][str(level)]
    return sum(steps[s] for s in ACTIVATED_STEPS)


def _death_cases(figures):
    return sum(figures["death"]["by_case_status"].values())


def _certified(figures):
    return sum(figures["death"]["by_case_status"][s] for s in CERTIFIED_STATUSES)


def _certified_share(figures):
    statuses = figures["death"]["by_case_status"]
    needing = _death_cases(figures) - sum(statuses[s] for s in CLOSED_WITHOUT_CERTIFICATE)
    return percent(_certified(figures), needing)


@dataclass(frozen=True)
class Measure:
    key: str
    record_type: str
    unit: str  # "count", "people" or "percent"
    label: Label
    compute: Callable  # figures -> number (None when it cannot be worked out)

    def document(self):
        return {"key": self.key, "record_type": self.record_type, "unit": self.unit, "label": self.label.as_dict()}


_ACTIVATED = _choice_label(VNEID, "step_reached", "activated")
_CERTIFIED = _choice_label(DEATH, "case_status", "certificate_issued")


def _level_measure(level):
    level_label = _choice_label(VNEID, "level", level)
    return Measure(
        f"vneid_activated_level_{level}",
        VNEID.type,
        "count",
        Label(
            f"Tài khoản VNeID đã {_ACTIVATED.vi.lower()} – {level_label.vi}",
            f"VNeID accounts {_ACTIVATED.en.lower()} – {level_label.en}",
        ),
        lambda figures: _activated(figures, level),
    )


MEASURES = {
    m.key: m
    for m in (
        Measure(
            "vneid_helped",
            VNEID.type,
            "people",
            Label(f"{VNEID.label.vi}: số lượt hỗ trợ", f"{VNEID.label.en}: people helped"),
            lambda figures: figures["vneid"]["helped"],
        ),
        Measure(
            "vneid_activated",
            VNEID.type,
            "count",
            Label(
                f"Tài khoản VNeID đã {_ACTIVATED.vi.lower()} (mọi mức)",
                f"VNeID accounts {_ACTIVATED.en.lower()} (any level)",
            ),
            _activated,
        ),
        *(_level_measure(level) for level in LEVELS),
        Measure(
            "death_cases_reported",
            DEATH.type,
            "count",
            Label(f"{DEATH.label.vi}: số trường hợp phát hiện", f"{DEATH.label.en}: cases found"),
            _death_cases,
        ),
        Measure(
            "death_cases_certified",
            DEATH.type,
            "count",
            Label(f"{DEATH.label.vi}: {_CERTIFIED.vi.lower()}", f"{DEATH.label.en}: {_CERTIFIED.en.lower()}"),
            _certified,
        ),
        Measure(
            "death_cases_certified_percent",
            DEATH.type,
            "percent",
            Label(
                f"{DEATH.label.vi}: tỷ lệ {_CERTIFIED.vi.lower()} (%)",
                f"{DEATH.label.en}: share with a certificate (%)",
            ),
            _certified_share,
        ),
        Measure(
            "outreach_sessions",
            OUTREACH.type,
            "count",
            Label(f"{OUTREACH.label.vi}: số buổi", f"{OUTREACH.label.en}s: sessions"),
            lambda figures: figures["outreach"]["sessions"],
        ),
        Measure(
            "people_reached",
            OUTREACH.type,
            "people",
            Label(
                f"{OUTREACH.label.vi}: {OUTREACH.field('people_reached').label.vi.lower()}",
                f"{OUTREACH.label.en}s: {OUTREACH.field('people_reached').label.en.lower()}",
            ),
            lambda figures: figures["outreach"]["people_reached"],
        ),
    )
}


def measures_of(figures):
    return {key: measure.compute(figures) for key, measure in MEASURES.items()}


def progress_against(target_value, actual):
    """How far `actual` is towards a target: percent of it (one decimal) and whether it is met."""
    if actual is None:
        return {"percent_of_target": None, "met": False}
    return {"percent_of_target": percent(actual, target_value) if target_value else None, "met": actual >= target_value}
