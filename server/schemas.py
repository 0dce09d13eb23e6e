"""What every request schema shares: refusing NUL in plain strings, and bounded database ids."""
from collections.abc import Mapping

import marshmallow as ma
from marshmallow import fields, validate

# Database ids are 32-bit: a larger number cannot name anything, and would overflow the driver.
MAX_ID = 2**31 - 1


def id_field(**kwargs):
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


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
