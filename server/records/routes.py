"""GET /records and /records/{id}: every role reads its own scope directly."""

from datetime import timezone

from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server.auth.scope import login_required, records_required
from server.extensions import db
from server.forms.registry import RECORD_TYPES
from server.jsonio import Blueprint, json_response
from server.models.records import REVIEW_STATES
from server.paging import PageQuerySchema, page_schema
from server.schemas import DayRangeMixin, PersonSchema, ResponseSchema, id_field
from server.records import service

blp = Blueprint("records", __name__, url_prefix="/api/v1/records", description="Bản ghi")


class RecordListQuerySchema(DayRangeMixin, PageQuerySchema):
    type = fields.String(validate=validate.OneOf(list(RECORD_TYPES)))
    village_id = id_field()
    review_state = fields.String(validate=validate.OneOf(REVIEW_STATES))
    has_conflict = fields.Boolean()
    created_by = id_field()
    deleted = fields.Boolean()
    q = fields.String(validate=validate.Length(max=100))
    since = fields.AwareDateTime(default_timezone=timezone.utc)
    until = fields.AwareDateTime(default_timezone=timezone.utc)
    from_ = fields.Date(
        data_key="from",
        metadata={"description": "first work day (YYYY-MM-DD, Vietnam's calendar), counted as reports count it"},
    )
    to = fields.Date(metadata={"description": "last work day, inclusive"})
    possible_duplicate = fields.Boolean()
    sort = fields.String(
        validate=validate.OneOf(list(service.SORTS)), metadata={"description": f"default {service.DEFAULT_SORT}"}
    )


_TIME = {"format": "date-time"}


class RecordSchema(ResponseSchema):
    id = fields.String(metadata={"format": "uuid"})
    type = fields.String(metadata={"enum": list(RECORD_TYPES)})
    village_id = fields.Integer()
    data = fields.Dict()
    version = fields.Integer()
    review_state = fields.String(metadata={"enum": list(REVIEW_STATES)})
    review_comment = fields.String(allow_none=True)
    reviewed_at = fields.String(
        allow_none=True,
        metadata={"format": "date-time", "description": "the last review action; of an approved record, its approval"},
    )
    has_conflict = fields.Boolean()
    deleted = fields.Boolean()
    created_by = fields.Integer()
    created_at = fields.String(metadata=_TIME)
    updated_at = fields.String(metadata=_TIME)
    updated_by = fields.Integer()


class RecordListItemSchema(RecordSchema):
    created_by_name = fields.String(allow_none=True)
    possible_duplicate = fields.Boolean(
        metadata={"description": "another live record of this type in the commune has the same personal id"}
    )


class VersionSchema(ResponseSchema):
    version = fields.Integer()
    action = fields.String(metadata={"enum": ["create", "update", "delete", "review", "resolve"]})
    changed = fields.List(fields.String(), metadata={"description": "the fields this version changed"})
    data = fields.Dict()
    review_state = fields.String(metadata={"enum": list(REVIEW_STATES)})
    review_comment = fields.String(allow_none=True)
    deleted = fields.Boolean()
    user = fields.Nested(PersonSchema)
    device_id = fields.String(allow_none=True, metadata={"description": "null: written on the desk, not by sync"})
    mutation_id = fields.Integer(allow_none=True)
    at = fields.String(metadata=_TIME)
    hash = fields.String(metadata={"description": "SHA-256 over the previous version's hash and this version"})


class RecordDetailSchema(RecordListItemSchema):
    history = fields.List(fields.Nested(VersionSchema))
    open_conflicts = fields.List(fields.String(metadata={"format": "uuid"}))


@blp.route("", methods=["GET"])
@records_required
@blp.arguments(RecordListQuerySchema, location="query")
@blp.response(200, page_schema(RecordListItemSchema))
@blp.errors(401, 403)
def list_records(query):
    """Danh sách bản ghi trong phạm vi của người dùng, có lọc và tìm kiếm."""
    page, per_page = query.pop("page"), query.pop("per_page")
    result = service.list_records(current_user, query, page, per_page)
    db.session.commit()  # the audit entry of a police or admin read
    return json_response(result)


@blp.route("/<record_id>", methods=["GET"])
@login_required
@blp.response(200, RecordDetailSchema)
@blp.errors(401, 404)
def get_record(record_id):
    """Một bản ghi với toàn bộ lịch sử phiên bản."""
    document = service.get_record(current_user, record_id)
    db.session.commit()  # the audit entry of a police or admin read
    return json_response(document)
