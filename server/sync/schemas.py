"""Request and response shapes of /sync, for validation of the envelope and for OpenAPI."""

from marshmallow import fields, validate

from server.errors import ErrorDetailSchema
from server.schemas import InputSchema, ResponseSchema


class PushRequestSchema(InputSchema):
    device_id = fields.UUID(required=True)
    # Each mutation is checked one by one in server/sync/push.py, so that a bad one is
    # answered `rejected` without failing the batch; see docs/api.md §6 for its fields.
    mutations = fields.List(fields.Dict(), required=True)
    app_version = fields.String(validate=validate.Length(max=40))
    pending_count = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9))
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "the device's pull cursor: one served before the database was restored "
            "gets reset: true and nothing is applied"
        },
    )


class PushResultSchema(ResponseSchema):
    mutation_id = fields.Integer()
    status = fields.String(metadata={"enum": ["applied", "merged", "conflict", "rejected"]})
    record_id = fields.String(allow_none=True, metadata={"description": "null: the one sent was no id"})
    version = fields.Integer(metadata={"optional": True, "description": "not of a rejected mutation"})
    conflict_id = fields.String(metadata={"optional": True, "description": "of a conflict"})
    error = fields.Nested(ErrorDetailSchema, metadata={"optional": True, "description": "of a rejected mutation"})


class PushResponseSchema(ResponseSchema):
    results = fields.List(fields.Nested(PushResultSchema))
    last_mutation_id = fields.Integer()
    reset = fields.Boolean(
        metadata={"description": "true: the cursor sent predates a restore; nothing was applied (docs/api.md §6)"}
    )


class PullQuerySchema(InputSchema):
    device_id = fields.UUID(required=True)
    cursor = fields.String(validate=validate.Length(max=200))
    limit = fields.Integer(validate=validate.Range(min=1, max=100000))
    app_version = fields.String(validate=validate.Length(max=40))
    pending_count = fields.Integer(validate=validate.Range(min=0, max=10**9))


class ChangeSchema(ResponseSchema):
    record = fields.Dict(
        metadata={
            "description": "the record as GET /records/{id} has it (without history), "
            "or of a deleted one only {id, type, village_id, version, "
            "deleted: true, updated_at}"
        }
    )


class PullResponseSchema(ResponseSchema):
    changes = fields.List(fields.Nested(ChangeSchema))
    cursor = fields.String()
    has_more = fields.Boolean()
    reset = fields.Boolean()
    last_mutation_id = fields.Integer()
    server_time = fields.String(metadata={"format": "date-time"})
    approved_retention_days = fields.Integer(
        metadata={
            "description": "days after its approval (reviewed_at, by server_time) an approved record stays on the device"
        }
    )
