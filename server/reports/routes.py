"""/targets, /reports/progress and /reports/export: the commune's plan and its monthly report."""

import os

import marshmallow as ma
from flask import Response, send_file, stream_with_context
from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server import roles
from server.auth.scope import power_required
from server.extensions import db
from server.forms.measures import UNITS
from server.jsonio import Blueprint, json_response
from server.reports import export, measures, service
from server.schemas import InputSchema, ResponseSchema, id_field

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Chỉ tiêu, tiến độ và báo cáo định kỳ")

_PERIOD_HELP = {"description": "2026, 2026-H1, 2026-Q4, 2026-11 or 2026-01-01..2026-01-15; instead of from/to"}


class PeriodQuerySchema(InputSchema):
    period = fields.String(validate=validate.Length(max=30), metadata=_PERIOD_HELP)
    from_ = fields.Date(data_key="from", metadata={"description": "first day (YYYY-MM-DD); with `to`"})
    to = fields.Date(metadata={"description": "last day, inclusive"})
    count = fields.String(
        load_default=measures.DEFAULT_COUNT_RULE,
        validate=validate.OneOf(list(measures.COUNT_RULES)),
        metadata={
            "description": "approved: approved records only; submitted_and_approved: also those waiting for review"
        },
    )

    @ma.post_load
    def _dates(self, data, **kwargs):
        data["from"] = data.pop("from_", None)
        return data


_COMMUNE_HELP = {"description": "province roles: one commune of the province (required); commune roles: their own"}


class ProgressQuerySchema(PeriodQuerySchema):
    village_id = id_field()
    commune_id = id_field(metadata=_COMMUNE_HELP)


class ExportQuerySchema(PeriodQuerySchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
    type = fields.String(
        load_default=export.SUMMARY,
        validate=validate.OneOf(list(export.CSV_TYPES)),
        metadata={"description": "CSV only: the summary table, or one record type's records"},
    )


class TargetQuerySchema(InputSchema):
    village_id = id_field()
    commune_id = id_field(metadata=_COMMUNE_HELP)
    measure = fields.String(validate=validate.OneOf(list(measures.MEASURES)))
    period = fields.String(validate=validate.Length(max=30), metadata=_PERIOD_HELP)
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @ma.post_load
    def _dates(self, data, **kwargs):
        data["from"] = data.pop("from_", None)
        return data


class TargetsPutSchema(InputSchema):
    # Each item is checked in server/reports/service.py, naming `targets.<index>.<field>`.
    targets = fields.List(
        fields.Raw(),
        required=True,
        metadata={
            "description": "[{measure, village_id (null: the commune), period | from+to, "
            "value (null removes)}], at most 500"
        },
    )


_DATE = {"format": "date"}
_UNITS = {"enum": list(UNITS)}


class LabelSchema(ResponseSchema):
    vi = fields.String()
    en = fields.String()


class MeasureSchema(ResponseSchema):
    key = fields.String(metadata={"enum": list(measures.MEASURES)})
    record_type = fields.String()
    unit = fields.String(metadata=_UNITS)
    label = fields.Nested(LabelSchema)
    headline = fields.Boolean(metadata={"description": "shown as a column of the dashboard's village table"})


class TargetSchema(ResponseSchema):
    id = fields.Integer()
    measure = fields.String(metadata={"enum": list(measures.MEASURES)})
    village_id = fields.Integer(allow_none=True, metadata={"description": "null: the whole commune"})
    period = fields.String()
    from_ = fields.String(data_key="from", metadata=_DATE)
    to = fields.String(metadata=_DATE)
    value = fields.Integer()
    unit = fields.String(metadata=_UNITS)
    updated_at = fields.String(metadata={"format": "date-time"})
    updated_by = fields.Integer()


class TargetListSchema(ResponseSchema):
    measures = fields.List(fields.Nested(MeasureSchema))
    items = fields.List(fields.Nested(TargetSchema))


class TargetProgressSchema(TargetSchema):
    counted_from = fields.String(metadata=_DATE)
    counted_to = fields.String(metadata=_DATE)
    actual = fields.Float(allow_none=True)
    percent_of_target = fields.Float(allow_none=True)
    met = fields.Boolean()


class FiguresSchema(ResponseSchema):
    measures = fields.Dict(metadata={"description": "measure key -> number (null: cannot be worked out)"})
    types = fields.Dict(
        metadata={
            "description": "record type -> {records, breakdowns: {name: {value: {records, <summed field>: total}}}}; "
            'a crossed breakdown nests {row value: {column value: cell}}; "" is the row of records giving no value'
        }
    )


class VillageProgressSchema(FiguresSchema):
    village_id = fields.Integer()
    name = fields.String()


class StageSchema(ResponseSchema):
    from_state = fields.String()
    to_state = fields.String()
    records = fields.Integer()
    avg_days = fields.Float(allow_none=True)
    min_days = fields.Float(allow_none=True)
    max_days = fields.Float(allow_none=True)


class TrendPointSchema(ResponseSchema):
    start = fields.String(metadata=_DATE)
    end = fields.String(metadata=_DATE)
    measures = fields.Dict()


class TrendSchema(ResponseSchema):
    bucket = fields.String(metadata={"enum": ["week", "month"]})
    series = fields.List(fields.Nested(TrendPointSchema))


class CommuneSchema(ResponseSchema):
    id = fields.Integer()
    name = fields.String()


class ProgressSchema(ResponseSchema):
    commune = fields.Nested(CommuneSchema)
    from_ = fields.String(data_key="from", metadata=_DATE)
    to = fields.String(metadata=_DATE)
    period = fields.String()
    count = fields.String(metadata={"enum": list(measures.COUNT_RULES)})
    review_states_counted = fields.List(fields.String())
    commune_wide = fields.Boolean()
    generated_at = fields.String(metadata={"format": "date-time"})
    measures = fields.List(fields.Nested(MeasureSchema))
    totals = fields.Nested(FiguresSchema)
    villages = fields.List(fields.Nested(VillageProgressSchema))
    stage_days = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(StageSchema)),
        metadata={"description": "per record type"},
    )
    targets = fields.List(fields.Nested(TargetProgressSchema))
    trend = fields.Nested(TrendSchema)


@blp.route("/targets", methods=["GET"])
@power_required(roles.TARGETS, roles.FOLLOW_COMMUNES)
@blp.arguments(TargetQuerySchema, location="query")
@blp.response(200, TargetListSchema)
@blp.errors(401, 403, 404)
def list_targets(query):
    """Chỉ tiêu của xã và các thôn, với danh mục các chỉ số có thể đặt chỉ tiêu."""
    return json_response(service.list_targets(current_user, query))


@blp.route("/targets", methods=["PUT"])
@power_required(roles.SET_TARGETS)
@blp.arguments(TargetsPutSchema)
@blp.response(200, TargetListSchema)
@blp.errors(401, 403)
def set_targets(body):
    """Đặt, sửa hoặc xóa (value null) chỉ tiêu; chỉ tiêu không nêu tên giữ nguyên."""
    document = service.set_targets(current_user, body["targets"])
    db.session.commit()
    return json_response(document)


@blp.route("/reports/progress", methods=["GET"])
@power_required(roles.PROGRESS, roles.FOLLOW_COMMUNES)
@blp.arguments(ProgressQuerySchema, location="query")
@blp.response(200, ProgressSchema)
@blp.errors(401, 403, 404)
def progress(query):
    """Tiến độ theo thôn và toàn xã so với chỉ tiêu, xu hướng theo tuần."""
    period = service.resolve_period(query)
    return json_response(
        service.progress(current_user, period, query.get("village_id"), query["count"], query.get("commune_id"))
    )


_ATTACHMENT = {
    "Content-Disposition": {
        "description": 'attachment; filename="bao-cao-<period>.<format>"',
        "required": True,
        "schema": {"type": "string"},
    }
}


@blp.route("/reports/export", methods=["GET"])
@power_required(roles.EXPORT)
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(
    200,
    description="The report file (XLSX, or CSV in UTF-8 with BOM)",
    content_type=export.XLSX_MIMETYPE,
    headers=_ATTACHMENT,
)
@blp.alt_response(200, description="CSV", content_type=export.CSV_MIMETYPE, headers=_ATTACHMENT, success=True)
@blp.errors(401, 403)
def export_report(query):
    """Báo cáo định kỳ: XLSX (tổng hợp và một trang cho mỗi loại bản ghi) hoặc CSV."""
    period = service.resolve_period(query)
    result = service.export_report(current_user, period, query["format"], query["type"], query["count"])
    db.session.commit()  # the audit entry, before the file goes out
    if result.path:
        # A file made for this request: no validator for a cache to revalidate with.
        response = send_file(
            result.path, mimetype=result.mimetype, conditional=False, etag=False, last_modified=None, max_age=None
        )
        response.call_on_close(lambda: os.path.exists(result.path) and os.unlink(result.path))
    else:
        # content_type, not mimetype: the type already names its charset.
        response = Response(stream_with_context(result.chunks), content_type=result.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response
