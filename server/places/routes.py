"""/places/communes, /communes: the province's official communes, opening them in the app, and
their first admins. Province roles only, their own province only."""

from flask.views import MethodView
from flask_jwt_extended import current_user
from marshmallow import fields, validate

from server import roles
from server.admin.routes import NAME, PASSWORD, USERNAME
from server.auth.scope import power_required
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.places import service
from server.schemas import MAX_ID, InputSchema, PersonSchema, ResponseSchema

blp = Blueprint("places", __name__, url_prefix="/api/v1", description="Tỉnh: các xã, phường, đặc khu và quản trị xã")

_CODE = fields.Integer(
    required=True,
    strict=True,
    validate=validate.Range(min=1, max=MAX_ID),
    metadata={"description": "the commune's official code (the government's list, docs/places.md)"},
)


class OfficialQuerySchema(InputSchema):
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "part of the name, accents optional: 'cam tan' finds 'Xã Cẩm Tân'"},
    )
    opened = fields.Boolean(metadata={"description": "only the communes opened in the app (true) or not (false)"})


class OfficialCommuneSchema(ResponseSchema):
    code = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": ["xã", "phường", "đặc khu"]})
    opened = fields.Boolean()
    commune_id = fields.Integer(allow_none=True)


class OfficialListSchema(ResponseSchema):
    items = fields.List(fields.Nested(OfficialCommuneSchema))


class OpenedCommuneSchema(ResponseSchema):
    id = fields.Integer()
    code = fields.Integer(allow_none=True)
    name = fields.String()
    kind = fields.String(allow_none=True)
    villages = fields.Integer(metadata={"description": "how many villages the commune has"})
    users = fields.Integer(metadata={"description": "how many users the commune has"})
    admins = fields.List(fields.Nested(PersonSchema))


class OpenedCommuneListSchema(ResponseSchema):
    items = fields.List(fields.Nested(OpenedCommuneSchema))


class CommuneOpenSchema(InputSchema):
    code = _CODE


class CommuneAdminCreateSchema(InputSchema):
    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(required=True, validate=PASSWORD)
    full_name = fields.String(required=True, validate=NAME)


class CommuneAdminSchema(ResponseSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String(metadata={"enum": [roles.COMMUNE_ADMINISTRATOR]})
    commune_id = fields.Integer()
    active = fields.Boolean()


@blp.route("/places/communes", methods=["GET"])
@power_required(roles.FOLLOW_COMMUNES, roles.MANAGE_COMMUNES)
@blp.arguments(OfficialQuerySchema, location="query")
@blp.response(200, OfficialListSchema)
@blp.errors(401, 403)
def list_official_communes(query):
    """Các xã, phường, đặc khu của tỉnh theo danh sách chính thức, đã mở hay chưa."""
    return json_response(service.list_official_communes(current_user, query.get("q"), query.get("opened")))


@blp.route("/communes", methods=["GET"])
@power_required(roles.FOLLOW_COMMUNES, roles.MANAGE_COMMUNES)
@blp.response(200, OpenedCommuneListSchema)
@blp.errors(401, 403)
def list_communes():
    """Các xã đã mở trong ứng dụng: số thôn, số người dùng, quản trị xã."""
    return json_response(service.list_communes(current_user))


@blp.route("/communes", methods=["POST"])
@power_required(roles.MANAGE_COMMUNES)
@blp.arguments(CommuneOpenSchema)
@blp.response(201, OpenedCommuneSchema)
@blp.errors(401, 403, 404, 409)
def open_commune(body):
    """Mở một xã của tỉnh từ danh sách chính thức."""
    document = service.open_commune(current_user, body["code"])
    db.session.commit()
    return json_response(document, 201)


# One route for both methods: werkzeug answers a commune id beyond the converter's range 405 rather
# than 404 when two rules share the path.
@blp.route(f"/communes/<int(max={MAX_ID}):commune_id>/admins")
class CommuneAdmins(MethodView):
    @power_required(roles.MANAGE_COMMUNES)
    @blp.response(200, CommuneAdminSchema(many=True))
    @blp.errors(401, 403, 404)
    def get(self, commune_id):
        """Quản trị của một xã trong tỉnh."""
        return json_response(service.list_commune_admins(current_user, commune_id))

    @power_required(roles.MANAGE_COMMUNES)
    @blp.arguments(CommuneAdminCreateSchema)
    @blp.response(201, CommuneAdminSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, body, commune_id):
        """Tạo tài khoản quản trị (Tổ công tác Đề án 06) cho một xã của tỉnh."""
        document = service.create_commune_admin(current_user, commune_id, body)
        db.session.commit()
        return json_response(document, 201)
