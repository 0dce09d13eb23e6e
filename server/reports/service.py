"""Progress against targets, and the targets themselves: who may see what, and the documents.

Scope of reports (PROTOCOL.md §3, §10): police and admin see their commune;
village staff see the villages they are assigned to (no commune totals, no
commune-wide targets, no export); volunteers get no report at all (403).
What counts is the counting rule (`count=`): `approved` (default) counts
approved records only; `submitted_and_approved` also counts records waiting
for review. Records asked to change, rejected or deleted never count.
"""

import os
import tempfile
from collections import Counter
from dataclasses import dataclass

import marshmallow as ma
from marshmallow import fields, validate
from sqlalchemy import select

from server import roles
from server.audit import write_audit
from server.errors import ApiError, FORBIDDEN, NOT_FOUND, VALIDATION_FAILED
from server.extensions import db
from server.models import Commune, Target, Village
from server.forms.registry import RECORD_TYPES
from server.reports import export, measures, queries
from server.reports.periods import (
    Period,
    PeriodError,
    current_month,
    parse_period,
    period_from_dates,
    trend_buckets,
)
from server.schemas import InputSchema, id_field
from server.timeutil import iso, utcnow

MAX_TARGETS_PER_PUT = 500
MAX_TARGET_VALUE = 1_000_000


@dataclass
class ReportScope:
    commune: Commune
    villages: list  # [(id, name)] the caller may report on, in order
    clause: object  # WHERE on records
    commune_wide: bool  # the whole commune (totals and commune targets make sense)


def commune_scope(commune):
    """Every village and record of a commune (police, admin, and the report command)."""
    villages = db.session.execute(
        select(Village.id, Village.name).where(Village.commune_id == commune.id).order_by(Village.id)
    ).all()
    return ReportScope(commune, [(v.id, v.name) for v in villages], queries.R.c.commune_id == commune.id, True)


def commune_of(user, commune_id=None):
    """The commune a report or targets are about: the caller's own (a commune role; another
    commune's id is 404), or, for a province role, the commune it names, which must be one of
    its province's (404 otherwise; 422 when it names none)."""
    if roles.role_of(user).tier == roles.PROVINCE_TIER:
        if commune_id is None:
            raise VALIDATION_FAILED(fields={"commune_id": ["Chọn một xã của tỉnh"]})
        commune = db.session.get(Commune, commune_id)
        if commune is None or user.province_id is None or commune.province_id != user.province_id:
            raise NOT_FOUND("Không tìm thấy xã")
        return commune
    if commune_id is not None and commune_id != user.commune_id:
        raise NOT_FOUND("Không tìm thấy xã")
    return db.session.get(Commune, user.commune_id)


def report_scope(user, village_id=None, commune_id=None):
    """The villages and records a report may cover for this user; 403 for volunteers, 404 for
    a village (or, for a province role, a commune) outside the caller's scope."""
    role = roles.role_of(user)
    if not (role.can(roles.PROGRESS) or role.can(roles.FOLLOW_COMMUNES)):
        raise FORBIDDEN("Vai trò của bạn không xem được báo cáo của xã")
    scope = commune_scope(commune_of(user, commune_id))
    if roles.role_of(user).reads == roles.VILLAGES:
        allowed = set(user.village_ids)
        scope.villages = [v for v in scope.villages if v[0] in allowed]
        scope.commune_wide = False
    if village_id is not None:
        scope.villages = [v for v in scope.villages if v[0] == village_id]
        if not scope.villages:
            raise NOT_FOUND("Không tìm thấy thôn")
        scope.commune_wide = False
    if not scope.commune_wide:
        scope.clause = scope.clause & queries.R.c.village_id.in_([v[0] for v in scope.villages])
    return scope


def resolve_period(query):
    """The report period from `period`, or `from` and `to` (dates), or the current month."""
    given = {k for k in ("period", "from", "to") if query.get(k) is not None}
    try:
        if "period" in given:
            if given - {"period"}:
                raise VALIDATION_FAILED(fields={"period": ["Dùng period hoặc from/to, không dùng cả hai"]})
            return parse_period(query["period"])
        if given == {"from", "to"}:
            return period_from_dates(query["from"], query["to"])
    except PeriodError as err:
        raise VALIDATION_FAILED(fields={"period" if "period" in given else "from": [str(err)]}) from None
    if given:
        missing = ({"from", "to"} - given).pop()
        raise VALIDATION_FAILED(fields={missing: ["Cần cả from và to"]})
    return current_month()


# --------------------------------------------------------------------------------------------
# Progress


def progress(user, period, village_id=None, count_rule=measures.DEFAULT_COUNT_RULE, commune_id=None):
    scope = report_scope(user, village_id, commune_id)
    return progress_document(scope, period, count_rule)


def progress_document(scope, period, count_rule):
    states = measures.COUNT_RULES[count_rule]
    per_village = queries.figures(scope.clause, states, period)
    total = measures.merged(per_village.get(vid, {}) for vid, _ in scope.villages)
    bucket, buckets = trend_buckets(period)
    days = queries.figures(scope.clause, states, period, key=queries.by_day, breakdowns=False)
    trend = []
    for start, end in buckets:
        in_bucket = [f for day, f in days.items() if start.isoformat() <= day <= end.isoformat()]
        trend.append(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "measures": measures.measures_of(measures.merged(in_bucket)),
            }
        )
    return {
        "commune": {"id": scope.commune.id, "name": scope.commune.name},
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "period": period.name,
        "count": count_rule,
        "review_states_counted": list(states),
        "commune_wide": scope.commune_wide,
        "generated_at": iso(utcnow()),
        "measures": [m.document() for m in measures.MEASURES.values()],
        "totals": _figures_document(total),
        "villages": [
            {"village_id": vid, "name": name, **_figures_document(per_village.get(vid, Counter()))}
            for vid, name in scope.villages
        ],
        "stage_days": queries.stage_days(scope.clause, states, period),
        "targets": targets_progress(scope, period, states),
        "trend": {"bucket": bucket, "series": trend},
    }


def _figures_document(figures):
    return {"measures": measures.measures_of(figures), "types": measures.types_of(figures)}


def targets_progress(scope, period, states):
    """The targets whose period overlaps the report's, each with what has been reached from
    the start of its own period to the end of the report's (a year's target seen in November
    shows January to November)."""
    targets = _scoped_targets(scope, period)
    figures_by_period = {}
    items = []
    for target in targets:
        span = (target.period_start, min(target.period_end, period.end))
        if span not in figures_by_period:
            figures_by_period[span] = queries.figures(scope.clause, states, Period("", *span), breakdowns=False)
        per_village = figures_by_period[span]
        if target.village_id is None:
            figures = measures.merged(per_village.get(vid, {}) for vid, _ in scope.villages)
        else:
            figures = per_village.get(target.village_id, Counter())
        actual = measures.value(figures, measures.MEASURES[target.measure])
        items.append(
            {
                **target_document(target),
                "counted_from": span[0].isoformat(),
                "counted_to": span[1].isoformat(),
                "actual": actual,
                **measures.progress_against(target.value, actual),
            }
        )
    return items


def _scoped_targets(scope, period):
    statement = select(Target).where(
        Target.commune_id == scope.commune.id, Target.period_start <= period.end, Target.period_end >= period.start
    )
    village_ids = [vid for vid, _ in scope.villages]
    if scope.commune_wide:
        statement = statement.where((Target.village_id.is_(None)) | Target.village_id.in_(village_ids))
    else:
        statement = statement.where(Target.village_id.in_(village_ids))
    return _in_catalogue_order(db.session.execute(statement).scalars())


# --------------------------------------------------------------------------------------------
# Targets


_MEASURE_ORDER = {key: i for i, key in enumerate(measures.MEASURES)}


def _in_catalogue_order(targets):
    """The commune's targets first, then each village's; measures in the catalogue's order."""
    return sorted(
        targets,
        key=lambda t: (
            t.village_id is not None,
            t.village_id or 0,
            _MEASURE_ORDER.get(t.measure, 99),
            t.period_start,
            t.period_end,
        ),
    )


def target_document(target):
    return {
        "id": target.id,
        "measure": target.measure,
        "village_id": target.village_id,
        "period": target.period,
        "from": target.period_start.isoformat(),
        "to": target.period_end.isoformat(),
        "value": target.value,
        "unit": measures.MEASURES[target.measure].unit,
        "updated_at": iso(target.updated_at),
        "updated_by": target.updated_by,
    }


def list_targets(user, filters):
    """The commune's targets (police and admin; a province role names one of its communes),
    optionally for one village, measure or dates."""
    commune = commune_of(user, filters.get("commune_id"))
    statement = select(Target).where(Target.commune_id == commune.id)
    if filters.get("village_id") is not None:
        statement = statement.where(Target.village_id == filters["village_id"])
    if filters.get("measure"):
        statement = statement.where(Target.measure == filters["measure"])
    if filters.get("period") or filters.get("from") or filters.get("to"):
        period = resolve_period(filters)
        statement = statement.where(Target.period_start <= period.end, Target.period_end >= period.start)
    targets = _in_catalogue_order(db.session.execute(statement).scalars())
    return {
        "measures": [m.document() for m in measures.MEASURES.values()],
        "items": [target_document(t) for t in targets],
    }


class TargetItemSchema(InputSchema):
    """One target to set (or, with value null, to remove)."""

    measure = fields.String(required=True, validate=validate.OneOf(list(measures.MEASURES)))
    village_id = id_field(
        strict=True, allow_none=True, load_default=None, metadata={"description": "null: the whole commune"}
    )
    period = fields.String(
        validate=validate.Length(max=30),
        metadata={"description": "2026, 2026-H1, 2026-Q4, 2026-11 or 2026-01-01..2026-01-15"},
    )
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    value = fields.Integer(
        strict=True,
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_TARGET_VALUE),
        metadata={"description": "a count, or a whole percent; null removes the target"},
    )


_ITEM = TargetItemSchema()


def set_targets(admin, items):
    """Set, change or remove targets of the admin's commune; every change is audited. Items
    name their target by (village_id, measure, period); targets not named are left as they are."""
    if not isinstance(items, list) or len(items) > MAX_TARGETS_PER_PUT:
        raise VALIDATION_FAILED(fields={"targets": [f"Tối đa {MAX_TARGETS_PER_PUT} chỉ tiêu mỗi lần"]})
    village_ids = set(db.session.execute(select(Village.id).where(Village.commune_id == admin.commune_id)).scalars())
    errors, wanted = {}, {}
    for index, raw in enumerate(items):
        try:
            if not isinstance(raw, dict):
                raise ma.ValidationError({"_schema": ["Phải là một đối tượng JSON"]})
            item = _ITEM.load(raw)
            period = resolve_period({"period": item.get("period"), "from": item.get("from_"), "to": item.get("to")})
            if item.get("period") is None and item.get("from_") is None:
                raise VALIDATION_FAILED(fields={"period": ["Cần kỳ chỉ tiêu: period, hoặc from và to"]})
        except ma.ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
            errors.update({f"targets.{index}.{k}": v for k, v in messages.items()})
            continue
        except ApiError as err:  # a period that cannot be read
            errors.update({f"targets.{index}.{k}": v for k, v in (err.fields or {}).items()})
            continue
        if item["village_id"] is not None and item["village_id"] not in village_ids:
            errors[f"targets.{index}.village_id"] = ["Thôn không thuộc xã của bạn"]
            continue
        unit = measures.MEASURES[item["measure"]].unit
        if unit == "percent" and item["value"] is not None and item["value"] > 100:
            errors[f"targets.{index}.value"] = ["Chỉ tiêu tỷ lệ từ 0 đến 100 (%)"]
            continue
        key = (item["village_id"], item["measure"], period.name)
        if key in wanted:
            errors[f"targets.{index}"] = ["Chỉ tiêu này đã có ở phần tử khác trong cùng yêu cầu"]
            continue
        wanted[key] = (period, item["value"])
    if errors:
        raise VALIDATION_FAILED(fields=errors)

    existing = {
        (t.village_id, t.measure, t.period): t
        for t in db.session.execute(select(Target).where(Target.commune_id == admin.commune_id)).scalars()
    }
    now, changes = utcnow(), []
    for (village_id, measure, name), (period, value) in wanted.items():
        target = existing.get((village_id, measure, name))
        before = target.value if target is not None else None
        if value is None:
            if target is not None:
                db.session.delete(target)
                changes.append(
                    {"measure": measure, "village_id": village_id, "period": name, "value": None, "before": before}
                )
            continue
        if target is None:
            target = Target(
                commune_id=admin.commune_id,
                village_id=village_id,
                measure=measure,
                period=name,
                period_start=period.start,
                period_end=period.end,
            )
            db.session.add(target)
        elif target.value == value:
            continue
        target.value, target.updated_by, target.updated_at = value, admin.id, now
        changes.append({"measure": measure, "village_id": village_id, "period": name, "value": value, "before": before})
    db.session.flush()
    if changes:
        write_audit("targets.update", target=("commune", admin.commune_id), details={"changes": changes})
    return list_targets(admin, {})


# --------------------------------------------------------------------------------------------
# Export


@dataclass
class ExportFile:
    filename: str
    mimetype: str
    path: str = None  # XLSX: a temporary file the caller sends and removes
    chunks: object = None  # CSV: an iterator of bytes, reading the database as it goes


def export_report(user, period, fmt, record_type=export.SUMMARY, count_rule=measures.DEFAULT_COUNT_RULE):
    """The commune's periodic report for police and admin (village staff and volunteers: 403)."""
    if not roles.role_of(user).can(roles.EXPORT):
        raise FORBIDDEN("Vai trò của bạn không xuất được báo cáo định kỳ của xã")
    return build_export(
        commune_scope(db.session.get(Commune, user.commune_id)), period, fmt, record_type, count_rule, user=user
    )


def build_export(
    scope, period, fmt, record_type=export.SUMMARY, count_rule=measures.DEFAULT_COUNT_RULE, user=None, via="api"
):
    """Make the report file (XLSX) or its stream (CSV), and write the export to the audit log.

    The audit entry is added last, so that on PostgreSQL the transaction takes its id only
    just before the caller commits: a long export never holds back the pull horizon."""
    states = measures.COUNT_RULES[count_rule]
    document = progress_document(scope, period, count_rule)
    session = db.session
    if fmt == "xlsx":
        handle, path = tempfile.mkstemp(prefix="bao-cao-", suffix=".xlsx")
        os.close(handle)
        try:
            sources = [(rt, export.record_rows(scope, rt, states, period, session)) for rt in RECORD_TYPES.values()]
            export.write_xlsx(path, document, sources)
        except BaseException:
            os.unlink(path)
            raise
        result = ExportFile(export.filename(period, "xlsx"), export.XLSX_MIMETYPE, path=path)
    elif record_type == export.SUMMARY:
        result = ExportFile(
            export.filename(period, "csv"), export.CSV_MIMETYPE, chunks=export.csv_chunks(export.summary_rows(document))
        )
    else:
        rt = RECORD_TYPES[record_type]
        rows = export.record_rows(scope, rt, states, period, session)
        result = ExportFile(
            export.filename(period, "csv", record_type),
            export.CSV_MIMETYPE,
            chunks=export.csv_chunks(rows, header=export.headers(rt)),
        )
    write_audit(
        "report.export",
        user=user,
        commune_id=scope.commune.id,
        target=("commune", scope.commune.id),
        details={
            "format": fmt,
            "type": record_type if fmt == "csv" else "all",
            "period": period.name,
            "count": count_rule,
            "via": via,
            "records": {name: counted["records"] for name, counted in document["totals"]["types"].items()},
        },
    )
    return result
