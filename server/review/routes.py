"""POST /records/{id}/review and /records/review (bulk): police and admin only."""

from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server import roles
from server.auth.scope import power_required
from server.errors import ApiError, ErrorDetailSchema
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.records import store, workflow
from server.records.routes import RecordSchema
from server.review import service
from server.schemas import InputSchema, ResponseSchema

blp = Blueprint("review", __name__, url_prefix="/api/v1/records", description="Duyệt bản ghi")


class ReviewSchema(InputSchema):
    action = fields.String(required=True, validate=validate.OneOf(workflow.REVIEW_ACTIONS))
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))
    base_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class BulkReviewSchema(InputSchema):
    ids = fields.List(
        fields.String(validate=validate.Length(max=36)),
        required=True,
        validate=validate.Length(min=1, max=service.MAX_BULK),
    )
    action = fields.String(required=True, validate=validate.OneOf(workflow.REVIEW_ACTIONS))
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))


@blp.route("/<record_id>/review", methods=["POST"])
@power_required(roles.REVIEW)
@blp.arguments(ReviewSchema)
@blp.response(200, RecordSchema)
@blp.errors(401, 403, 404, 409)
def review(body, record_id):
    """Duyệt, yêu cầu bổ sung hoặc từ chối một bản ghi (có kiểm tra phiên bản)."""
    row = service.review_record(current_user, record_id, body["action"], body.get("comment"), body["base_version"])
    db.session.commit()
    return json_response(store.record_document(row))


class BulkResultSchema(ResponseSchema):
    id = fields.String()
    status = fields.String(metadata={"enum": ["ok", "error"]})
    record = fields.Nested(RecordSchema, metadata={"optional": True, "description": "when ok"})
    error = fields.Nested(ErrorDetailSchema, metadata={"optional": True, "description": "when error"})


class BulkResponseSchema(ResponseSchema):
    results = fields.List(fields.Nested(BulkResultSchema))


@blp.route("/review", methods=["POST"])
@power_required(roles.REVIEW)
@blp.arguments(BulkReviewSchema)
@blp.response(200, BulkResponseSchema)
@blp.errors(401, 403)
def bulk_review(body):
    """Duyệt hàng loạt: kết quả riêng cho từng bản ghi."""
    results = []
    store.begin_write()
    for record_id in dict.fromkeys(body["ids"]):
        try:
            with db.session.begin_nested():
                row = service.review_record(current_user, record_id, body["action"], body.get("comment"))
            results.append({"id": record_id, "status": "ok", "record": store.record_document(row)})
        except ApiError as err:
            results.append({"id": record_id, "status": "error", "error": err.body()["error"]})
    db.session.commit()
    return json_response({"results": results})
