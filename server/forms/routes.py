"""GET /forms: the record type declarations the PWA renders its forms from."""

from marshmallow import fields

from server.auth.scope import login_required
from server.forms.registry import FORMS_DOCUMENT
from server.jsonio import Blueprint, json_response
from server.schemas import ResponseSchema

blp = Blueprint("forms", __name__, url_prefix="/api/v1", description="Biểu mẫu các loại bản ghi")


class FormsSchema(ResponseSchema):
    version = fields.String()
    types = fields.List(
        fields.Dict(),
        metadata={
            "description": "record types: {type, label, short_label, colour, fields, rules, date_field, name_field, title_fields, personal_id_field, workflow?: {field, moves, needs}}"
        },
    )
    province_codes = fields.List(
        fields.String(), metadata={"description": "the 3-digit province codes valid on personal ids"}
    )
    roles = fields.List(
        fields.Dict(), metadata={"description": "the roles table: {code, label: {vi, en}, reads, corrects, powers}"}
    )


@blp.route("/forms", methods=["GET"])
@login_required
@blp.response(200, FormsSchema)
@blp.errors(401)
def forms():
    """Định nghĩa các loại bản ghi, nhãn tiếng Việt và tiếng Anh, quy tắc kiểm tra."""
    response = json_response(FORMS_DOCUMENT)
    response.headers["ETag"] = f'"{FORMS_DOCUMENT["version"]}"'
    return response
