"""What a province admin sets for its communes' reports: when they are due, and the targets
(the province's own, and each commune's commune-wide ones). Province officers read them."""

import marshmallow as ma
from marshmallow import fields, validate
from sqlalchemy import select

from server.audit import write_audit
from server.errors import VALIDATION_FAILED, ApiError
from server.extensions import db
from server.models import Commune, Province, Target
from server.models.submissions import ProvinceTarget, ReportDeadline
from server.reports import measures
from server.reports.service import MAX_TARGET_VALUE, MAX_TARGETS_PER_PUT
from server.reports.submissions import named_period
from server.schemas import InputSchema, id_field
from server.timeutil import iso, utcnow

MAX_DEADLINES_PER_PUT = 100


# --------------------------------------------------------------------------------------------
# Deadlines


def deadlines_document(province):
    rows = db.session.execute(
        select(ReportDeadline).where(ReportDeadline.province_id == province.id).order_by(ReportDeadline.due_date)
    ).scalars()
    return {
        "report_due_day": province.report_due_day,
        "periods": [{"period": d.period, "due_date": d.due_date.isoformat()} for d in rows],
    }


def get_deadlines(user):
    return deadlines_document(db.session.get(Province, user.province_id))


class DeadlineItemSchema(InputSchema):
    period = fields.String(required=True, validate=validate.Length(max=30))
    due_date = fields.Date(required=True, allow_none=True, metadata={"description": "null: back to the usual day"})


_DEADLINE = DeadlineItemSchema()


def set_deadlines(user, body):
    """Change the usual due day and/or the due dates of single periods (null removes one)."""
    province = db.session.get(Province, user.province_id)
    items = body.get("periods") or []
    if len(items) > MAX_DEADLINES_PER_PUT:
        raise VALIDATION_FAILED(fields={"periods": [f"Tối đa {MAX_DEADLINES_PER_PUT} kỳ mỗi lần"]})
    errors, wanted = {}, {}
    for index, raw in enumerate(items):
        try:
            if not isinstance(raw, dict):
                raise ma.ValidationError({"_schema": ["Phải là một đối tượng JSON"]})
            item = _DEADLINE.load(raw)
        except ma.ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
            errors.update({f"periods.{index}.{k}": v for k, v in messages.items()})
            continue
        try:
            period = named_period(item["period"])
        except ApiError as err:
            errors[f"periods.{index}.period"] = (err.fields or {}).get("period", [err.message])
            continue
        if item["due_date"] is not None and item["due_date"] <= period.end:
            errors[f"periods.{index}.due_date"] = [f"Hạn nộp phải sau ngày kết thúc kỳ ({period.end.isoformat()})"]
            continue
        if period.name in wanted:
            errors[f"periods.{index}.period"] = ["Kỳ này đã có ở phần tử khác trong cùng yêu cầu"]
            continue
        wanted[period.name] = item["due_date"]
    if errors:
        raise VALIDATION_FAILED(fields=errors)
    changes = {}
    if body.get("report_due_day") is not None and body["report_due_day"] != province.report_due_day:
        changes["report_due_day"] = {"before": province.report_due_day, "value": body["report_due_day"]}
        province.report_due_day = body["report_due_day"]
    existing = {
        d.period: d
        for d in db.session.execute(select(ReportDeadline).where(ReportDeadline.province_id == province.id)).scalars()
    }
    now = utcnow()
    for name, due in wanted.items():
        deadline = existing.get(name)
        if due is None:
            if deadline is not None:
                db.session.delete(deadline)
                changes[name] = {"before": deadline.due_date.isoformat(), "value": None}
            continue
        if deadline is None:
            deadline = ReportDeadline(province_id=province.id, period=name)
            db.session.add(deadline)
        elif deadline.due_date == due:
            continue
        changes[name] = {
            "before": deadline.due_date.isoformat() if deadline.due_date else None,
            "value": due.isoformat(),
        }
        deadline.due_date, deadline.updated_by, deadline.updated_at = due, user.id, now
    db.session.flush()
    if changes:
        write_audit("province.deadlines_update", user=user, target=("province", province.id), details=changes)
    return deadlines_document(province)


# --------------------------------------------------------------------------------------------
# Targets


def targets_document(province):
    communes = dict(
        db.session.execute(select(Commune.id, Commune.name).where(Commune.province_id == province.id)).all()
    )
    items = [
        _item(t, None, None)
        for t in db.session.execute(
            select(ProvinceTarget)
            .where(ProvinceTarget.province_id == province.id)
            .order_by(ProvinceTarget.period_start, ProvinceTarget.period_end, ProvinceTarget.measure)
        ).scalars()
    ]
    items += [
        _item(t, t.commune_id, communes[t.commune_id])
        for t in db.session.execute(
            select(Target)
            .where(Target.commune_id.in_(list(communes)), Target.village_id.is_(None))
            .order_by(Target.commune_id, Target.period_start, Target.period_end, Target.measure)
        ).scalars()
    ]
    return {"measures": [m.document() for m in measures.MEASURES.values()], "items": items}


def _item(target, commune_id, commune_name):
    return {
        "measure": target.measure,
        "period": target.period,
        "from": target.period_start.isoformat(),
        "to": target.period_end.isoformat(),
        "value": target.value,
        "unit": measures.MEASURES[target.measure].unit if target.measure in measures.MEASURES else None,
        "commune_id": commune_id,
        "commune_name": commune_name,
        "updated_at": iso(target.updated_at),
    }


def get_targets(user):
    return targets_document(db.session.get(Province, user.province_id))


class ProvinceTargetItemSchema(InputSchema):
    measure = fields.String(required=True, validate=validate.OneOf(list(measures.MEASURES)))
    period = fields.String(required=True, validate=validate.Length(max=30))
    value = fields.Integer(
        strict=True, required=True, allow_none=True, validate=validate.Range(min=0, max=MAX_TARGET_VALUE)
    )
    commune_id = id_field(strict=True, allow_none=True, load_default=None)


_TARGET = ProvinceTargetItemSchema()


def set_targets(user, items):
    """Set, change or remove (value null) the province's targets and its communes' commune-wide
    ones; targets not named stay as they are. Every change is audited."""
    province = db.session.get(Province, user.province_id)
    if not isinstance(items, list) or len(items) > MAX_TARGETS_PER_PUT:
        raise VALIDATION_FAILED(fields={"items": [f"Tối đa {MAX_TARGETS_PER_PUT} chỉ tiêu mỗi lần"]})
    communes = set(db.session.execute(select(Commune.id).where(Commune.province_id == province.id)).scalars())
    errors, wanted = {}, {}
    for index, raw in enumerate(items):
        try:
            if not isinstance(raw, dict):
                raise ma.ValidationError({"_schema": ["Phải là một đối tượng JSON"]})
            item = _TARGET.load(raw)
        except ma.ValidationError as err:
            messages = err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}
            errors.update({f"items.{index}.{k}": v for k, v in messages.items()})
            continue
        try:
            period = named_period(item["period"])
        except ApiError as err:
            errors[f"items.{index}.period"] = (err.fields or {}).get("period", [err.message])
            continue
        if item["commune_id"] is not None and item["commune_id"] not in communes:
            errors[f"items.{index}.commune_id"] = ["Xã không thuộc tỉnh của bạn"]
            continue
        if measures.MEASURES[item["measure"]].unit == "percent" and (item["value"] or 0) > 100:
            errors[f"items.{index}.value"] = ["Chỉ tiêu tỷ lệ từ 0 đến 100 (%)"]
            continue
        key = (item["commune_id"], item["measure"], period.name)
        if key in wanted:
            errors[f"items.{index}"] = ["Chỉ tiêu này đã có ở phần tử khác trong cùng yêu cầu"]
            continue
        wanted[key] = (period, item["value"])
    if errors:
        raise VALIDATION_FAILED(fields=errors)

    existing = {
        (None, t.measure, t.period): t
        for t in db.session.execute(select(ProvinceTarget).where(ProvinceTarget.province_id == province.id)).scalars()
    }
    existing.update(
        {
            (t.commune_id, t.measure, t.period): t
            for t in db.session.execute(
                select(Target).where(Target.commune_id.in_(communes), Target.village_id.is_(None))
            ).scalars()
        }
    )
    now, changes = utcnow(), []
    for (commune_id, measure, name), (period, value) in wanted.items():
        target = existing.get((commune_id, measure, name))
        before = target.value if target is not None else None
        if value is None:
            if target is not None:
                db.session.delete(target)
                changes.append(
                    {"commune_id": commune_id, "measure": measure, "period": name, "value": None, "before": before}
                )
            continue
        if target is None:
            common = dict(measure=measure, period=name, period_start=period.start, period_end=period.end)
            if commune_id is None:
                target = ProvinceTarget(province_id=province.id, **common)
            else:
                target = Target(commune_id=commune_id, village_id=None, **common)
            db.session.add(target)
        elif target.value == value:
            continue
        target.value, target.updated_by, target.updated_at = value, user.id, now
        changes.append({"commune_id": commune_id, "measure": measure, "period": name, "value": value, "before": before})
    db.session.flush()
    if changes:
        write_audit(
            "province.targets_update", user=user, target=("province", province.id), details={"changes": changes}
        )
    return targets_document(province)
