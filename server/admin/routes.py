"""/users, /villages, /devices, /audit: the commune's admins only."""

from datetime import date

from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server.admin import service
from server import roles
from server.auth.scope import power_required
from server.extensions import db
from server.models.geo import VILLAGE_KINDS
from server.jsonio import Blueprint, json_response
from server.paging import PageQuerySchema, page_schema
from server.schemas import DayRangeMixin, MAX_ID, InputSchema, JsonBoolean, PersonSchema, ResponseSchema, id_field

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Quản trị: người dùng, thôn, thiết bị, nhật ký")

# The account rules, shared with the province admin's creation of a commune's admin (server/places).
USERNAME = validate.Regexp(r"^[a-z0-9._-]{3,80}$", error="Chỉ gồm chữ thường không dấu, số, dấu chấm, gạch")
PASSWORD = validate.Length(min=8, max=200, error="Mật khẩu từ 8 đến 200 ký tự")
NAME = validate.Length(min=1, max=200)
_TIME = {"format": "date-time"}


class UserCreateSchema(InputSchema):
    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(required=True, validate=PASSWORD)
    full_name = fields.String(required=True, validate=NAME)
    role = fields.String(required=True, validate=validate.OneOf(roles.CODES))
    village_ids = fields.List(id_field(strict=True), load_default=list, validate=validate.Length(max=200))


class UserUpdateSchema(InputSchema):
    password = fields.String(validate=PASSWORD)
    full_name = fields.String(validate=NAME)
    role = fields.String(validate=validate.OneOf(roles.CODES))
    village_ids = fields.List(id_field(strict=True), validate=validate.Length(max=200))
    active = JsonBoolean()


class UserAdminSchema(ResponseSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String(metadata={"enum": list(roles.CODES)})
    commune_id = fields.Integer()
    village_ids = fields.List(fields.Integer())
    active = fields.Boolean()
    created_at = fields.String(metadata=_TIME)


_VILLAGE_KIND = {
    "validate": validate.OneOf(VILLAGE_KINDS),
    "metadata": {"description": "thon: a village (thôn, bản, ấp); to_dan_pho: a residential group of a ward"},
}
# What the village was called before its commune merged with others: two villages that were both
# "Thôn 1" live side by side as "Thôn 1 Hoằng Phụ" and "Thôn 1 Hoằng Thanh", each former "Thôn 1".
_FORMER_NAME = {"allow_none": True, "validate": validate.Length(max=200)}


class VillageCreateSchema(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(load_default="thon", **_VILLAGE_KIND)
    former_name = fields.String(load_default=None, **_FORMER_NAME)


class VillageUpdateSchema(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    kind = fields.String(**_VILLAGE_KIND)
    former_name = fields.String(**_FORMER_NAME)
    active = JsonBoolean()


class VillageSchema(ResponseSchema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(VILLAGE_KINDS)})
    former_name = fields.String(allow_none=True)
    commune_id = fields.Integer()
    active = fields.Boolean()


class DeviceSchema(ResponseSchema):
    device_id = fields.String()
    name = fields.String(allow_none=True)
    owner = fields.Nested(PersonSchema)
    created_at = fields.String(metadata=_TIME)
    last_seen_at = fields.String(allow_none=True, metadata=_TIME)
    last_sync_at = fields.String(allow_none=True, metadata=_TIME)
    app_version = fields.String(allow_none=True)
    pending_count = fields.Integer(allow_none=True)
    last_mutation_id = fields.Integer()
    revoked = fields.Boolean()
    revoked_at = fields.String(allow_none=True, metadata=_TIME)


# Days the log can hold; beyond them a day's bounds would not fit a timestamp.
_AUDIT_DAYS = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class AuditQuerySchema(DayRangeMixin, PageQuerySchema):
    user_id = id_field()
    action = fields.String(validate=validate.Length(max=40))
    target_type = fields.String(validate=validate.Length(max=20))
    target_id = fields.String(validate=validate.Length(max=64))
    record_id = fields.UUID(
        metadata={"description": "entries about this record, or naming it among the records they served (lists, pulls)"}
    )
    from_ = fields.Date(
        data_key="from", validate=_AUDIT_DAYS, metadata={"description": "first day (YYYY-MM-DD, Vietnam's calendar)"}
    )
    to = fields.Date(validate=_AUDIT_DAYS, metadata={"description": "last day, inclusive"})


@blp.route("/users", methods=["GET"])
@power_required(roles.ADMINISTER)
@blp.response(200, UserAdminSchema(many=True))
@blp.errors(401, 403)
def list_users():
    """Người dùng của xã."""
    return json_response(service.list_users(current_user))


@blp.route("/users", methods=["POST"])
@power_required(roles.ADMINISTER)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserAdminSchema)
@blp.errors(401, 403, 409)
def create_user(body):
    """Tạo người dùng mới trong xã."""
    user = service.create_user(current_user, body)
    db.session.commit()
    return json_response(service.user_admin_document(user), 201)


@blp.route(f"/users/<int(max={MAX_ID}):user_id>", methods=["PATCH"])
@power_required(roles.ADMINISTER)
@blp.arguments(UserUpdateSchema, required=False, description="only the fields to change; none: nothing changes")
@blp.response(200, UserAdminSchema)
@blp.errors(401, 403, 404, 409)
def update_user(body, user_id):
    """Sửa vai trò, thôn, khóa tài khoản hoặc đặt lại mật khẩu."""
    user = service.update_user(current_user, user_id, body)
    db.session.commit()
    return json_response(service.user_admin_document(user))


@blp.route("/villages", methods=["GET"])
@power_required(roles.ADMINISTER)
@blp.response(200, VillageSchema(many=True))
@blp.errors(401, 403)
def list_villages():
    """Các thôn của xã."""
    return json_response(service.list_villages(current_user))


@blp.route("/villages", methods=["POST"])
@power_required(roles.ADMINISTER)
@blp.arguments(VillageCreateSchema)
@blp.response(201, VillageSchema)
@blp.errors(401, 403, 409)
def create_village(body):
    """Thêm thôn."""
    village = service.create_village(current_user, body)
    db.session.commit()
    return json_response(service.village_document(village), 201)


@blp.route(f"/villages/<int(max={MAX_ID}):village_id>", methods=["PATCH"])
@power_required(roles.ADMINISTER)
@blp.arguments(VillageUpdateSchema, required=False, description="only the fields to change; none: nothing changes")
@blp.response(200, VillageSchema)
@blp.errors(401, 403, 404, 409)
def update_village(body, village_id):
    """Đổi tên hoặc ngừng dùng một thôn."""
    village = service.update_village(current_user, village_id, body)
    db.session.commit()
    return json_response(service.village_document(village))


@blp.route("/devices", methods=["GET"])
@power_required(roles.ADMINISTER)
@blp.response(200, DeviceSchema(many=True))
@blp.errors(401, 403)
def list_devices():
    """Thiết bị của người dùng trong xã: lần đồng bộ cuối, phiên bản, số bản ghi chưa gửi."""
    return json_response(service.list_devices(current_user))


@blp.route("/devices/<device_id>/revoke", methods=["POST"])
@power_required(roles.ADMINISTER)
@blp.response(200, DeviceSchema)
@blp.errors(401, 403, 404)
def revoke_device(device_id):
    """Thu hồi thiết bị: yêu cầu tiếp theo của nó nhận 401 device_revoked."""
    document = service.revoke_device(current_user, device_id)
    db.session.commit()
    return json_response(document)


class AuditEntrySchema(ResponseSchema):
    id = fields.Integer()
    at = fields.String(metadata=_TIME)
    user_id = fields.Integer(allow_none=True)
    commune_id = fields.Integer(allow_none=True)
    action = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    details = fields.Raw(allow_none=True)
    ip = fields.String(allow_none=True)


@blp.route("/audit", methods=["GET"])
@power_required(roles.AUDIT)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, page_schema(AuditEntrySchema))
@blp.errors(401, 403)
def list_audit(query):
    """Nhật ký: ai đã xem, sửa, xuất, duyệt gì và khi nào (chỉ đọc)."""
    page, per_page = query.pop("page"), query.pop("per_page")
    return json_response(service.list_audit(current_user, query, page, per_page))
