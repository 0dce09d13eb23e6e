"""Page-numbered lists: the query parameters and the {items, total, page, per_page} answer."""

from marshmallow import fields, validate
from sqlalchemy import func, select

from server.extensions import db
from server.schemas import InputSchema, ResponseSchema

MAX_PER_PAGE = 200


class PageQuerySchema(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item_schema):
    """The OpenAPI shape of a page of `item_schema` items."""
    return ResponseSchema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=f"{item_schema.__name__.removesuffix('Schema')}Page",
    )


def paginate(statement, page, per_page, to_document):
    """Run `statement` for one page; `to_document` turns each row into its JSON form."""
    total = db.session.execute(select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [to_document(row) for row in rows], "total": total, "page": page, "per_page": per_page}
