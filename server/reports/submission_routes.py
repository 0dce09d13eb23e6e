"""/reports/submissions, /reports/rollup and /province/*: the reports a commune sends to its
province, what the province makes of them, and the province's deadlines and targets."""

import os

from flask import send_file
from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server import roles
from server.auth.scope import power_required
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.reports import province_settings, rollup, submissions, upward_files
from server.reports.export import XLSX_MIMETYPE
from server.reports.routes import MeasureSchema
from server.schemas import InputSchema, ResponseSchema

blp = Blueprint(
    "submissions", __name__, url_prefix="/api/v1", description="Báo cáo định kỳ gửi tỉnh, tổng hợp của tỉnh"
)

_PERIOD = {"description": "2026-11 (month), 2026-Q4, 2026-H1 or 2026-H2 (six months), 2026 (year)"}
_DATE = {"format": "date"}
_DATETIME = {"format": "date-time"}
_STATUS = {"enum": ["missing", "submitted", "returned"]}
READERS = (*submissions.COMMUNE_READERS, roles.FOLLOW_COMMUNES)


class TrimmedString(fields.String):
    """Text without the spaces around it (a section left as spaces is empty)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class NarrativeSchema(InputSchema):
    results = TrimmedString(required=True, validate=validate.Length(min=1, max=submissions.NARRATIVE_MAX))
    difficulties = TrimmedString(load_default="", validate=validate.Length(max=submissions.NARRATIVE_MAX))
    proposals = TrimmedString(load_default="", validate=validate.Length(max=submissions.NARRATIVE_MAX))


class SubmitSchema(InputSchema):
    period = fields.String(required=True, validate=validate.Length(max=30), metadata=_PERIOD)
    narrative = fields.Nested(NarrativeSchema, required=True)


class ListQuerySchema(InputSchema):
    period = fields.String(validate=validate.Length(max=30), metadata=_PERIOD)


class SubmissionVersionQuerySchema(InputSchema):
    version = fields.Integer(strict=False, validate=validate.Range(min=1, max=10_000))


class ExportQuerySchema(SubmissionVersionQuerySchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx"]))


class ReturnSchema(InputSchema):
    comment = TrimmedString(required=True, validate=validate.Length(min=1, max=2000))


class RollupQuerySchema(InputSchema):
    period = fields.String(
        validate=validate.Length(max=30),
        metadata={**_PERIOD, "description": _PERIOD["description"] + "; default: the previous month"},
    )


class RollupExportQuerySchema(RollupQuerySchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx"]))


class DeadlinesPutSchema(InputSchema):
    report_due_day = fields.Integer(strict=True, validate=validate.Range(min=1, max=28))
    # Each item is checked in server/reports/province_settings.py, naming `periods.<index>.<field>`.
    periods = fields.List(
        fields.Raw(),
        metadata={"description": "[{period, due_date (YYYY-MM-DD, after the period ends; null removes)}]"},
    )


class ProvinceTargetsPutSchema(InputSchema):
    items = fields.List(
        fields.Raw(),
        required=True,
        metadata={
            "description": "[{measure, period, value (null removes), commune_id (null: the province's own target)}], "
            "at most 500"
        },
    )


# Responses (documentation of the shapes; the documents are built in the services)


class NarrativeOutSchema(ResponseSchema):
    results = fields.String()
    difficulties = fields.String()
    proposals = fields.String()


class SubmissionVersionSchema(ResponseSchema):
    version = fields.Integer()
    submitted_at = fields.String(metadata=_DATETIME)
    late = fields.Boolean()
    returned_at = fields.String(allow_none=True, metadata=_DATETIME)
    return_comment = fields.String(allow_none=True)


class SubmissionSchema(ResponseSchema):
    id = fields.String(metadata={"format": "uuid"})
    commune_id = fields.Integer()
    commune_name = fields.String()
    period = fields.String()
    period_start = fields.String(metadata=_DATE)
    period_end = fields.String(metadata=_DATE)
    version = fields.Integer()
    status = fields.String(metadata={"enum": ["submitted", "returned"]})
    submitted_at = fields.String(metadata=_DATETIME)
    submitted_by = fields.Integer()
    submitted_by_name = fields.String()
    due_date = fields.String(metadata=_DATE)
    late = fields.Boolean()
    figures = fields.Dict(
        metadata={
            "description": "frozen when sent: the progress document of the whole commune for the period "
            "(measures, totals, villages, targets, stage_days; no trend) and difficulties: "
            "[{type, village, fields}]"
        }
    )
    narrative = fields.Nested(NarrativeOutSchema)
    return_comment = fields.String(allow_none=True)
    returned_at = fields.String(allow_none=True, metadata=_DATETIME)
    returned_by_name = fields.String(allow_none=True)
    versions = fields.List(fields.Nested(SubmissionVersionSchema))


class BoardRowSchema(ResponseSchema):
    commune_id = fields.Integer()
    commune_name = fields.String()
    commune_code = fields.Integer(allow_none=True)
    status = fields.String(metadata=_STATUS)
    late = fields.Boolean()
    submission_id = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    submitted_at = fields.String(allow_none=True, metadata=_DATETIME)
    due_date = fields.String(metadata=_DATE)


class SubmissionListSchema(ResponseSchema):
    period = fields.String(metadata={"optional": True, "description": "province roles only"})
    due_date = fields.String(metadata={**_DATE, "optional": True, "description": "province roles only"})
    items = fields.List(
        fields.Dict(),
        metadata={
            "description": "commune roles: submissions without figures, newest period first; "
            "province roles: one row per commune of the province (BoardRow), by name"
        },
    )


class IdNameSchema(ResponseSchema):
    id = fields.Integer()
    name = fields.String()


class RollupMeasureSchema(MeasureSchema):
    value = fields.Float(allow_none=True)
    target = fields.Integer(allow_none=True)


class RollupCommuneSchema(ResponseSchema):
    commune_id = fields.Integer()
    commune_name = fields.String()
    commune_code = fields.Integer(allow_none=True)
    status = fields.String(metadata=_STATUS)
    late = fields.Boolean()
    measures = fields.Dict(metadata={"description": "measure key -> value"})
    targets = fields.Dict(metadata={"description": "measure key -> the commune's target or null"})
    towards_targets = fields.Dict(
        metadata={"description": "measure key -> reached from its target's start to the period's end (targets only)"}
    )
    share_of_target = fields.Float(allow_none=True)


class RollupSchema(ResponseSchema):
    period = fields.String()
    from_ = fields.String(data_key="from", metadata=_DATE)
    to = fields.String(metadata=_DATE)
    province = fields.Nested(IdNameSchema)
    due_date = fields.String(metadata=_DATE)
    headline = fields.String(metadata={"description": "the measure communes are ranked by"})
    measures = fields.List(fields.Nested(RollupMeasureSchema))
    communes = fields.List(fields.Nested(RollupCommuneSchema))


class DeadlineSchema(ResponseSchema):
    period = fields.String()
    due_date = fields.String(metadata=_DATE)


class DeadlinesSchema(ResponseSchema):
    report_due_day = fields.Integer()
    periods = fields.List(fields.Nested(DeadlineSchema))


class ProvinceTargetSchema(ResponseSchema):
    measure = fields.String()
    period = fields.String()
    from_ = fields.String(data_key="from", metadata=_DATE)
    to = fields.String(metadata=_DATE)
    value = fields.Integer()
    unit = fields.String()
    commune_id = fields.Integer(allow_none=True)
    commune_name = fields.String(allow_none=True)
    updated_at = fields.String(metadata=_DATETIME)


class ProvinceTargetsSchema(ResponseSchema):
    measures = fields.List(fields.Nested(MeasureSchema))
    items = fields.List(fields.Nested(ProvinceTargetSchema))


_ATTACHMENT = {
    "Content-Disposition": {
        "description": 'attachment; filename="<name>.xlsx"',
        "required": True,
        "schema": {"type": "string"},
    }
}


def _download(result):
    # A file made for this request: no validator for a cache to revalidate with.
    response = send_file(
        result.path, mimetype=result.mimetype, conditional=False, etag=False, last_modified=None, max_age=None
    )
    response.call_on_close(lambda: os.path.exists(result.path) and os.unlink(result.path))
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


@blp.route("/reports/submissions", methods=["POST"])
@power_required(roles.SUBMIT_REPORTS)
@blp.arguments(SubmitSchema)
@blp.response(201, SubmissionSchema)
@blp.errors(401, 403, 409, 422)
def submit(body):
    """Gửi báo cáo định kỳ của xã lên tỉnh (kỳ đã kết thúc); số liệu được chốt tại lúc gửi."""
    document = submissions.submit_report(current_user, body["period"], body["narrative"])
    db.session.commit()
    return json_response(document, 201)


@blp.route("/reports/submissions", methods=["GET"])
@power_required(*READERS)
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, SubmissionListSchema)
@blp.errors(401, 403)
def list_submissions(query):
    """Báo cáo đã gửi của xã; với tỉnh: tình trạng báo cáo của từng xã trong kỳ."""
    return json_response(submissions.list_submissions(current_user, query.get("period")))


@blp.route("/reports/submissions/<submission_id>", methods=["GET"])
@power_required(*READERS)
@blp.arguments(SubmissionVersionQuerySchema, location="query")
@blp.response(200, SubmissionSchema)
@blp.errors(401, 403, 404)
def read_submission(query, submission_id):
    """Một báo cáo như đã gửi (version: một lần gửi trước)."""
    return json_response(submissions.read_submission(current_user, submission_id, query.get("version")))


@blp.route("/reports/submissions/<submission_id>/return", methods=["POST"])
@power_required(roles.FOLLOW_COMMUNES)
@blp.arguments(ReturnSchema)
@blp.response(200, SubmissionSchema)
@blp.errors(401, 403, 404, 409)
def return_submission(body, submission_id):
    """Tỉnh trả lại báo cáo để xã chỉnh sửa và gửi lại."""
    document = submissions.return_submission(current_user, submission_id, body["comment"])
    db.session.commit()
    return json_response(document)


@blp.route("/reports/submissions/<submission_id>/export", methods=["GET"])
@power_required(*READERS)
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, description="The report as sent (XLSX)", content_type=XLSX_MIMETYPE, headers=_ATTACHMENT)
@blp.errors(401, 403, 404)
def export_submission(query, submission_id):
    """Tải báo cáo như đã gửi (XLSX)."""
    result = upward_files.export_submission(current_user, submission_id, query.get("version"))
    db.session.commit()  # the audit entry, before the file goes out
    return _download(result)


@blp.route("/reports/rollup", methods=["GET"])
@power_required(roles.FOLLOW_COMMUNES)
@blp.arguments(RollupQuerySchema, location="query")
@blp.response(200, RollupSchema)
@blp.errors(401, 403)
def province_rollup(query):
    """Tổng hợp số liệu hiện tại của các xã trong tỉnh, xếp theo tỷ lệ đạt chỉ tiêu."""
    return json_response(rollup.rollup(current_user, query.get("period")))


@blp.route("/reports/rollup/export", methods=["GET"])
@power_required(roles.FOLLOW_COMMUNES)
@blp.arguments(RollupExportQuerySchema, location="query")
@blp.response(200, description="The roll-up (XLSX)", content_type=XLSX_MIMETYPE, headers=_ATTACHMENT)
@blp.errors(401, 403)
def export_rollup(query):
    """Tải bảng tổng hợp các xã (XLSX)."""
    result = upward_files.export_rollup(current_user, query.get("period"))
    db.session.commit()  # the audit entry
    return _download(result)


@blp.route("/province/deadlines", methods=["GET"])
@power_required(roles.FOLLOW_COMMUNES)
@blp.response(200, DeadlinesSchema)
@blp.errors(401, 403)
def get_deadlines():
    """Hạn nộp báo cáo: ngày trong tháng sau kỳ, và hạn riêng của từng kỳ."""
    return json_response(province_settings.get_deadlines(current_user))


@blp.route("/province/deadlines", methods=["PUT"])
@power_required(roles.MANAGE_COMMUNES)
@blp.arguments(DeadlinesPutSchema)
@blp.response(200, DeadlinesSchema)
@blp.errors(401, 403)
def set_deadlines(body):
    """Đặt ngày nộp báo cáo hằng tháng (1–28) và hạn riêng của từng kỳ (null: bỏ hạn riêng)."""
    document = province_settings.set_deadlines(current_user, body)
    db.session.commit()
    return json_response(document)


@blp.route("/province/targets", methods=["GET"])
@power_required(roles.FOLLOW_COMMUNES)
@blp.response(200, ProvinceTargetsSchema)
@blp.errors(401, 403)
def get_targets():
    """Chỉ tiêu của tỉnh và chỉ tiêu toàn xã của từng xã trong tỉnh."""
    return json_response(province_settings.get_targets(current_user))


@blp.route("/province/targets", methods=["PUT"])
@power_required(roles.MANAGE_COMMUNES)
@blp.arguments(ProvinceTargetsPutSchema)
@blp.response(200, ProvinceTargetsSchema)
@blp.errors(401, 403)
def set_targets(body):
    """Đặt, sửa hoặc xóa (value null) chỉ tiêu của tỉnh (commune_id null) hoặc của một xã."""
    document = province_settings.set_targets(current_user, body["items"])
    db.session.commit()
    return json_response(document)
