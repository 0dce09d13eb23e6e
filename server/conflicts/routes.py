"""GET /conflicts, GET /conflicts/{id}, POST /conflicts/{id}/resolve: the commune's admins."""

from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server import roles
from server.auth.scope import power_required
from server.conflicts import service
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.paging import PageQuerySchema, page_schema
from server.records import store
from server.records.routes import RecordSchema
from server.schemas import InputSchema, PersonSchema, ResponseSchema

blp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts", description="Xung đột đồng bộ")


class ConflictQuerySchema(PageQuerySchema):
    state = fields.String(validate=validate.OneOf(["open", "resolved"]))


class ResolveSchema(InputSchema):
    base_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    values = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), required=True)


_TIME = {"format": "date-time"}
_STATES = {"enum": ["open", "resolved"]}


class ConflictFieldSchema(ResponseSchema):
    name = fields.String()
    base = fields.Raw(allow_none=True)
    server = fields.Raw(allow_none=True)
    device = fields.Raw(allow_none=True)
    conflicting = fields.Boolean()


class ConflictSummarySchema(ResponseSchema):
    id = fields.String(metadata={"format": "uuid"})
    record_id = fields.String(metadata={"format": "uuid"})
    state = fields.String(metadata=_STATES)
    opened_at = fields.String(metadata=_TIME)
    device_id = fields.String()
    user_id = fields.Integer()
    base_version = fields.Integer()
    fields_ = fields.List(fields.String(), data_key="fields")
    resolved_at = fields.String(allow_none=True, metadata=_TIME)
    resolved_by = fields.Integer(allow_none=True)


class ResolutionSchema(ResponseSchema):
    choice = fields.String(metadata={"enum": ["server", "device", "edited"]})
    value = fields.Raw(allow_none=True)


class ConflictSchema(ConflictSummarySchema):
    user = fields.Nested(PersonSchema, metadata={"description": "whose device sent the conflicting change"})
    resolver = fields.Nested(PersonSchema, allow_none=True, metadata={"description": "who resolved it"})
    mutation_id = fields.Integer()
    fields_ = fields.List(fields.Nested(ConflictFieldSchema), data_key="fields")
    record = fields.Nested(RecordSchema)
    resolution = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ResolutionSchema),
        allow_none=True,
        metadata={"description": "once resolved: the value chosen for each field"},
    )
    resolved_version = fields.Integer(allow_none=True)


@blp.route("", methods=["GET"])
@power_required(roles.RESOLVE_CONFLICTS)
@blp.arguments(ConflictQuerySchema, location="query")
@blp.response(200, page_schema(ConflictSummarySchema))
@blp.errors(401, 403)
def list_conflicts(query):
    """Danh sách xung đột của xã."""
    return json_response(service.list_conflicts(current_user, query.get("state"), query["page"], query["per_page"]))


@blp.route("/<conflict_id>", methods=["GET"])
@power_required(roles.RESOLVE_CONFLICTS)
@blp.response(200, ConflictSchema)
@blp.errors(401, 403, 404)
def get_conflict(conflict_id):
    """Một xung đột: giá trị gốc, trên máy chủ và trên thiết bị của từng trường."""
    document = service.get_conflict(current_user, conflict_id)
    db.session.commit()
    return json_response(document)


@blp.route("/<conflict_id>/resolve", methods=["POST"])
@power_required(roles.RESOLVE_CONFLICTS)
@blp.arguments(ResolveSchema)
@blp.response(200, RecordSchema)
@blp.errors(401, 403, 404, 409)
def resolve(body, conflict_id):
    """Giải quyết xung đột: chọn giá trị cho từng trường; tạo phiên bản mới."""
    row = service.resolve_conflict(current_user, conflict_id, body["base_version"], body["values"])
    db.session.commit()
    return json_response(store.record_document(row))
