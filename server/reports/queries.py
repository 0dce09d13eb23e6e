"""The grouped queries behind reports: a handful of GROUP BY statements per report, never a
loop over records. Each returns figures (server/reports/measures.py) by a grouping key: the
village, or the record's report day (for the trend, bucketed into weeks afterwards).

Which day a record belongs to (its *report day*): the day the work was done as
the declaration names it (`date_field`, when it is a full date) and, when that
optional field is empty, the day the record reached the server. A death check
counts on the day the case was recorded, not the day of death: a death in 2023
found in November 2026 is November's work.
"""

from collections import defaultdict

from sqlalchemy import Integer, and_, case, cast, func, or_, select

from server.extensions import db
from server.forms.registry import RECORD_TYPES
from server.models import Record, RecordVersion
from server.reports import measures
from server.reports.periods import REPORT_TZ
from server.reports.sql import days_between, json_text, local_day

R = Record.__table__
V = RecordVersion.__table__
_OFFSET_HOURS = REPORT_TZ.utcoffset(None).total_seconds() / 3600
# The report day of a death check is the day it was recorded (see the module's docstring).
_RECORDED_ON = {"death_check"}

# Death case stages timed from the version history: (from status, to status).
STAGES = (
    ("reported", "verified_unregistered"),
    ("verified_unregistered", "certificate_issued"),
    ("certificate_issued", "residence_removed"),
    ("reported", "certificate_issued"),
    ("reported", "already_registered"),
    ("reported", "person_alive"),
)


def dialect():
    return db.session.get_bind().dialect.name


def data(key, column=R.c.data):
    return json_text(column, key, dialect())


def report_day(record_type):
    """SQL for the record's report day as 'YYYY-MM-DD' text."""
    recorded = local_day(R.c.created_at, dialect(), _OFFSET_HOURS)
    rt = RECORD_TYPES[record_type]
    if record_type in _RECORDED_ON or not rt.date_field or rt.field(rt.date_field).kind != "date":
        return recorded
    if rt.field(rt.date_field).required:
        return data(rt.date_field)
    return func.coalesce(data(rt.date_field), recorded)


def any_report_day():
    """SQL for the report day of a record of any type: `report_day` chosen by the record's type."""
    return case(
        *[(R.c.type == name, report_day(name)) for name in RECORD_TYPES],
        else_=local_day(R.c.created_at, dialect(), _OFFSET_HOURS),
    )


def conditions(scope, record_type, review_states, period):
    """WHERE for the records a report counts: in scope, of the type, not deleted, in a review
    state the counting rule admits, with a report day inside the period."""
    day = report_day(record_type)
    return [
        scope,
        R.c.type == record_type,
        R.c.deleted.is_(False),
        R.c.review_state.in_(review_states),
        day >= period.start.isoformat(),
        day <= period.end.isoformat(),
    ]


def by_village(record_type):
    return R.c.village_id


def by_day(record_type):
    return report_day(record_type)


def figures(scope, review_states, period, key=by_village):
    """{key: figures} for every record type, from four grouped queries."""
    result = defaultdict(measures.empty_figures)
    session = db.session

    where = conditions(scope, "vneid_activation", review_states, period)
    rows = session.execute(
        select(
            key("vneid_activation").label("grp"),
            data("level").label("lvl"),
            data("step_reached").label("step"),
            data("failure_reason").label("reason"),
            func.count().label("n"),
        )
        .where(*where)
        .group_by("grp", "lvl", "step", "reason")
    )
    for grp, level, step, reason, n in rows:
        measures.add_vneid_group(result[grp], level, step, reason, n)

    where = conditions(scope, "death_check", review_states, period)
    rows = session.execute(
        select(key("death_check").label("grp"), data("case_status").label("status"), func.count().label("n"))
        .where(*where)
        .group_by("grp", "status")
    )
    for grp, status, n in rows:
        measures.add_death_group(result[grp], status, n)

    where = conditions(scope, "propaganda_session", review_states, period)
    people = func.coalesce(cast(data("people_reached"), Integer), 0)
    rows = session.execute(
        select(
            key("propaganda_session").label("grp"),
            data("form").label("form_value"),
            func.count().label("n"),
            func.coalesce(func.sum(people), 0).label("people"),
        )
        .where(*where)
        .group_by("grp", "form_value")
    )
    for grp, form, n, reached in rows:
        measures.add_outreach_group(result[grp], form, n, int(reached))

    # Topics are a list per session: one conditional sum per declared topic. A topic value is an
    # identifier, so in the list's JSON text it appears exactly as "value" with its quotes.
    topics = data("topics")
    columns = []
    for topic in measures.TOPICS:
        has = topics.like('%"' + topic.replace("_", "\\_") + '"%', escape="\\")
        columns += [func.sum(case((has, 1), else_=0)), func.sum(case((has, people), else_=0))]
    rows = session.execute(select(key("propaganda_session").label("grp"), *columns).where(*where).group_by("grp"))
    for grp, *sums in rows:
        for i, topic in enumerate(measures.TOPICS):
            measures.add_topic_group(result[grp], topic, int(sums[2 * i] or 0), int(sums[2 * i + 1] or 0))
    return dict(result)


def death_stage_days(scope, review_states, period):
    """How long death cases of the report took from one status to the next: for each stage of
    STAGES, the cases that went through it and the average, shortest and longest days it took.
    Each status is timed at the first version that carried it (record_versions.created_at)."""
    included = select(R.c.id).where(*conditions(scope, "death_check", review_states, period))
    status = func.coalesce(data("case_status", V.c.data), "reported")
    first = (
        select(V.c.record_id.label("rid"), status.label("status"), func.min(V.c.created_at).label("at"))
        .where(V.c.record_id.in_(included))
        .group_by("rid", "status")
        .subquery()
    )
    a, b = first.alias("a"), first.alias("b")
    took = days_between(a.c.at, b.c.at)
    rows = db.session.execute(
        select(a.c.status, b.c.status, func.count(), func.avg(took), func.min(took), func.max(took))
        .select_from(a.join(b, a.c.rid == b.c.rid))
        .where(or_(*(and_(a.c.status == x, b.c.status == y) for x, y in STAGES)))
        .group_by(a.c.status, b.c.status)
    )
    found = {(x, y): (n, avg, low, high) for x, y, n, avg, low, high in rows}
    return [
        {
            "from_status": x,
            "to_status": y,
            "cases": found.get((x, y), (0,))[0],
            **{
                name: (round(float(found[(x, y)][i]), 1) if (x, y) in found and found[(x, y)][i] is not None else None)
                for i, name in ((1, "avg_days"), (2, "min_days"), (3, "max_days"))
            },
        }
        for x, y in STAGES
    ]
