"""The grouped queries behind reports: one GROUP BY statement per record type, never a loop over
records. Each returns figures (server/reports/measures.py) by a grouping key: the village, or
the record's report day (for the trend, bucketed into weeks afterwards).

Which day a record belongs to (its *report day*) is worked out when it is written and stored
with it (server/records/store.py `report_day`), so a period's records are found through the
index on (commune, report day) rather than by reading every record's data.
"""

from collections import Counter, defaultdict

from sqlalchemy import Integer, and_, case, cast, func, or_, select

from server.extensions import db
from server.forms.measures import dimensions, summed_fields
from server.forms.registry import RECORD_TYPES
from server.models import Record, RecordVersion
from server.reports import measures
from server.reports.sql import days_between, json_text

R = Record.__table__
V = RecordVersion.__table__


def dialect():
    return db.session.get_bind().dialect.name


def data(key, column=R.c.data):
    return json_text(column, key, dialect())


def report_day():
    """The report day of a record, as 'YYYY-MM-DD' text, stored with it (server/records/store.py)."""
    return R.c.report_day


def conditions(scope, rt, review_states, period):
    """WHERE for the records of one type a report counts: in scope, of the type, not deleted, in
    a review state the counting rule admits, with a report day inside the period."""
    return [R.c.type == rt.type, *_counted(scope, report_day(), review_states, period)]


def _counted(scope, day, review_states, period):
    return [
        scope,
        R.c.deleted.is_(False),
        R.c.review_state.in_(review_states),
        # BETWEEN works the day out once a row (>= and <= would each work it out).
        day.between(period.start.isoformat(), period.end.isoformat()),
    ]


def by_village():
    return R.c.village_id


def by_day():
    return report_day()


def figures(scope, review_states, period, key=by_village, breakdowns=True):
    """{key: figures} for every record type, from one grouped query over all of them (one pass
    over the commune's records, not one per type): the records by `key`, type, and every field a
    type's measures (and, with `breakdowns`, its breakdowns) read, with the totals of the fields
    measures sum. The trend and targets need measures only, and so far fewer groups."""
    grouping = {name: dimensions(rt, breakdowns) for name, rt in RECORD_TYPES.items()}
    dimension_names = list(dict.fromkeys(name for names in grouping.values() for name in names))
    summed_names = list(dict.fromkeys(name for rt in RECORD_TYPES.values() for name in summed_fields(rt)))
    # A field is read only for the types that group by it: another type's field of the same
    # name (a place, a status) would split its groups for nothing.
    grouped = [
        case((R.c.type.in_([t for t, names in grouping.items() if name in names]), data(name))).label(f"d{i}")
        for i, name in enumerate(dimension_names)
    ]
    summed = [
        func.coalesce(func.sum(cast(data(name), Integer)), 0).label(f"s{i}") for i, name in enumerate(summed_names)
    ]
    rows = db.session.execute(
        select(R.c.type, key().label("grp"), func.count().label("n"), *summed, *grouped)
        .where(R.c.type.in_(RECORD_TYPES), *_counted(scope, report_day(), review_states, period))
        .group_by(R.c.type, "grp", *(column.name for column in grouped))
    )
    # Each type's tally reads its own dimensions, at their places in the row.
    tallies = {
        name: (measures.Tally(rt, breakdowns), [dimension_names.index(d) for d in grouping[name]])
        for name, rt in RECORD_TYPES.items()
    }
    result = defaultdict(Counter)
    for type_name, grp, n, *rest in rows:
        tally, places = tallies[type_name]
        values = rest[len(summed) :]
        sums = {name: int(total) for name, total in zip(summed_names, rest[: len(summed)], strict=True)}
        tally.add(result[grp], tuple(values[i] for i in places), n, sums)
    return dict(result)


def stage_days(scope, review_states, period):
    """For each type whose workflow declares `timed` stages: how long the report's records took
    from one state to the next, each stage with the records that went through it and the average,
    shortest and longest days. A state is timed at the first version that carried it
    (record_versions.created_at)."""
    return {rt.type: _stage_days(rt, scope, review_states, period) for rt in RECORD_TYPES.values() if _timed(rt)}


def _timed(rt):
    return rt.workflow is not None and rt.workflow.timed


def _stage_days(rt, scope, review_states, period):
    stages = rt.workflow.timed
    included = select(R.c.id).where(*conditions(scope, rt, review_states, period))
    state_field = rt.field(rt.workflow.field)
    state = func.coalesce(data(state_field.name, V.c.data), state_field.default)
    first = (
        select(V.c.record_id.label("rid"), state.label("state"), func.min(V.c.created_at).label("at"))
        .where(V.c.record_id.in_(included))
        .group_by("rid", "state")
        .subquery()
    )
    a, b = first.alias("a"), first.alias("b")
    took = days_between(a.c.at, b.c.at)
    rows = db.session.execute(
        select(a.c.state, b.c.state, func.count(), func.avg(took), func.min(took), func.max(took))
        .select_from(a.join(b, a.c.rid == b.c.rid))
        .where(or_(*(and_(a.c.state == x, b.c.state == y) for x, y in stages)))
        .group_by(a.c.state, b.c.state)
    )
    found = {(x, y): (n, avg, low, high) for x, y, n, avg, low, high in rows}
    return [
        {
            "from_state": x,
            "to_state": y,
            "records": found.get((x, y), (0,))[0],
            **{
                name: (round(float(found[(x, y)][i]), 1) if (x, y) in found and found[(x, y)][i] is not None else None)
                for i, name in ((1, "avg_days"), (2, "min_days"), (3, "max_days"))
            },
        }
        for x, y in stages
    ]
