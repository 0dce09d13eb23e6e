"""GET /conflicts, GET /conflicts/{id}, POST /conflicts/{id}/resolve: the commune's admins."""
import marshmallow as ma
from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server.auth.scope import roles_required
from server.conflicts import service
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.paging import PageQuerySchema, page_schema
from server.records import store
from server.records.routes import RecordSchema
from server.schemas import InputSchema

blp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts", description="Xung đột đồng bộ")


class ConflictQuerySchema(PageQuerySchema):
    state = fields.String(validate=validate.OneOf(["open", "resolved"]))


class ResolveSchema(InputSchema):
    base_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    values = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), required=True)


class ConflictFieldSchema(ma.Schema):
    name = fields.String()
    base = fields.Raw(allow_none=True)
    server = fields.Raw(allow_none=True)
    device = fields.Raw(allow_none=True)
    conflicting = fields.Boolean()


class ConflictSchema(ma.Schema):
    id = fields.String()
    record_id = fields.String()
    state = fields.String()
    opened_at = fields.String()
    device_id = fields.String()
    user = fields.Dict()
    resolver = fields.Dict(allow_none=True, metadata={"description": "who resolved it: {id, username, full_name}"})
    base_version = fields.Integer()
    fields_ = fields.List(fields.Nested(ConflictFieldSchema), data_key="fields")
    record = fields.Nested(RecordSchema)


class ConflictSummarySchema(ma.Schema):
    id = fields.String()
    record_id = fields.String()
    state = fields.String()
    opened_at = fields.String()
    device_id = fields.String()
    user_id = fields.Integer()
    base_version = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields")
    resolved_at = fields.String(allow_none=True)
    resolved_by = fields.Integer(allow_none=True)


@blp.route("", methods=["GET"])
@roles_required("admin")
@blp.arguments(ConflictQuerySchema, location="query")
@blp.response(200, page_schema(ConflictSummarySchema))
def list_conflicts(query):
    """Danh sách xung đột của xã."""
    return json_response(service.list_conflicts(current_user, query.get("state"), query["page"], query["per_page"]))


@blp.route("/<conflict_id>", methods=["GET"])
@roles_required("admin")
@blp.response(200, ConflictSchema)
def get_conflict(conflict_id):
    """Một xung đột: giá trị gốc, trên máy chủ và trên thiết bị của từng trường."""
    document = service.get_conflict(current_user, conflict_id)
    db.session.commit()
    return json_response(document)


@blp.route("/<conflict_id>/resolve", methods=["POST"])
@roles_required("admin")
@blp.arguments(ResolveSchema)
@blp.response(200, RecordSchema)
def resolve(body, conflict_id):
    """Giải quyết xung đột: chọn giá trị cho từng trường; tạo phiên bản mới."""
    row = service.resolve_conflict(current_user, conflict_id, body["base_version"], body["values"])
    db.session.commit()
    return json_response(store.record_document(row))
