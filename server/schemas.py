"""What every request schema shares (refusing NUL in plain strings, bounded database ids), and
the base of response schemas."""

from collections.abc import Mapping

import marshmallow as ma
from marshmallow import fields, validate

# Database ids are 32-bit: a larger number cannot name anything, and would overflow the driver.
MAX_ID = 2**31 - 1


def id_field(**kwargs):
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class JsonBoolean(fields.Boolean):
    """true or false, and nothing else, in a JSON body: marshmallow's Boolean also takes 1, "yes",
    "on"..., which the OpenAPI document (type boolean) does not allow."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class InputSchema(ma.Schema):
    """Base of request schemas. PostgreSQL text cannot hold NUL, and no name, comment or
    filter needs one, so a NUL in a top-level string (or list of strings) is refused here.
    Record data is a nested object and is not touched: it is stored byte for byte."""

    @ma.pre_load
    def _refuse_nul(self, data, **kwargs):
        if not isinstance(data, Mapping):  # a JSON body, or webargs' view of the query string
            return data
        errors = {}
        for name, value in data.items():
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and "\x00" in v for v in values):
                errors[name] = ["Không được chứa ký tự NUL"]
        if errors:
            raise ma.ValidationError(errors)
        return data


class ResponseSchema(ma.Schema):
    """Base of the schemas that describe answers in the OpenAPI document (views build their JSON
    themselves, server/jsonio.py). Every field is always sent, so each is marked required; one
    sent only in some answers is declared with metadata={"optional": True}."""

    def on_bind_field(self, field_name, field_obj):
        field_obj.required = not field_obj.metadata.get("optional", False)


class PersonSchema(ResponseSchema):
    """A user as answers name one: the author of a version, a conflict's resolver, a device's owner."""

    id = fields.Integer()
    username = fields.String(allow_none=True, metadata={"description": "null: the user no longer exists"})
    full_name = fields.String(allow_none=True)


class DayRangeMixin:
    """A query's `from` and `to` days, declared as `from_` (`from` is Python's keyword): a `from`
    after `to` is refused, and the view receives `from`."""

    @ma.validates_schema
    def _from_before_to(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ma.ValidationError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc", "from")

    @ma.post_load
    def _rename_from(self, data, **kwargs):
        if "from_" in data:
            data["from"] = data.pop("from_")
        return data
