"""The province's roll-up (PROTOCOL.md §10a): live figures of every commune of the province
beside the province's and each commune's targets, ranked, from one grouped query over the
records whatever the number of communes (no personal data: figures only)."""

from collections import Counter

from sqlalchemy import select

from server.extensions import db
from server.models import Province, Target
from server.models.submissions import ProvinceTarget
from server.reports import measures, queries
from server.reports.periods import (
    Period,
    today_local,
)
from server.reports.submissions import (
    board_period,
    due_date,
    row_status,
    commune_statuses,
)


def headline_measure():
    return next((m for m in measures.MEASURES.values() if m.declared.headline), next(iter(measures.MEASURES.values())))


def covering(rows, period):
    """Of targets (start, end, value) the one for the period: its own, else the shortest that
    covers it; None when none does."""
    covering = [r for r in rows if r[0] <= period.start and r[1] >= period.end]
    return min(covering, key=lambda r: (r[1] - r[0], r[0])) if covering else None


def rollup(user, period_text=None):
    province = db.session.get(Province, user.province_id)
    period = board_period(period_text)
    today = today_local()
    due = due_date(province, period)
    statuses = commune_statuses(province, period)
    commune_ids = [c.id for c, _, _ in statuses]
    states = measures.COUNT_RULES[measures.DEFAULT_COUNT_RULE]
    scope = queries.R.c.commune_id.in_(commune_ids)

    def by_commune():
        return queries.R.c.commune_id

    # One grouped query for every commune of the province (grouped by commune, type and the
    # fields measures read), however many communes and records.
    per_commune = queries.figures(scope, states, period, key=by_commune, breakdowns=False) if commune_ids else {}
    commune_targets = {}
    for target in db.session.execute(
        select(Target).where(
            Target.commune_id.in_(commune_ids),
            Target.village_id.is_(None),
            Target.period_start <= period.start,
            Target.period_end >= period.end,
        )
    ).scalars():
        commune_targets.setdefault((target.commune_id, target.measure), []).append(
            (target.period_start, target.period_end, target.value)
        )
    chosen = {key: covering(rows, period) for key, rows in commune_targets.items()}
    province_rows = {}
    for target in db.session.execute(
        select(ProvinceTarget).where(
            ProvinceTarget.province_id == province.id,
            ProvinceTarget.period_start <= period.start,
            ProvinceTarget.period_end >= period.end,
        )
    ).scalars():
        province_rows.setdefault(target.measure, []).append((target.period_start, target.period_end, target.value))

    headline = headline_measure()
    # A target of a longer period (the year's, seen in November) is measured from its own start
    # to the end of the period: one grouped query per distinct span, never one per commune.
    spans = {(r[0], period.end) for r in chosen.values() if r is not None}
    span_figures = {
        span: (
            per_commune
            if span == (period.start, period.end)
            else queries.figures(scope, states, Period("", *span), key=by_commune, breakdowns=False)
        )
        for span in spans
    }

    rows = []
    for commune, submission, version in statuses:
        figures = per_commune.get(commune.id, Counter())
        status, late = row_status(submission, version, due, today)
        targets = {key: (chosen.get((commune.id, key)) or (None, None, None))[2] for key in measures.MEASURES}
        # Against each target, what was reached from the target's own start to the period's end.
        towards = {}
        for key in measures.MEASURES:
            target = chosen.get((commune.id, key))
            if target is not None:
                counted = span_figures[(target[0], period.end)].get(commune.id, Counter())
                towards[key] = measures.value(counted, measures.MEASURES[key])
        share = None
        target = targets[headline.key]
        if target and towards.get(headline.key) is not None:
            share = measures.percent(towards[headline.key], target)
        rows.append(
            {
                "commune_id": commune.id,
                "commune_name": commune.name,
                "commune_code": commune.code,
                "status": status,
                "late": late,
                "measures": measures.measures_of(figures),
                "targets": targets,
                "towards_targets": towards,
                "share_of_target": share,
            }
        )
    rows.sort(key=lambda r: (r["share_of_target"] is None, -(r["share_of_target"] or 0), r["commune_name"]))
    total = measures.merged(per_commune.get(cid, Counter()) for cid in commune_ids)
    totals = measures.measures_of(total)
    return {
        "period": period.name,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "province": {"id": province.id, "name": province.name},
        "due_date": due.isoformat(),
        "headline": headline.key,
        "measures": [
            {
                **m.document(),
                "value": totals[key],
                "target": (covering(province_rows.get(key, []), period) or (None, None, None))[2],
            }
            for key, m in measures.MEASURES.items()
        ],
        "communes": rows,
    }
