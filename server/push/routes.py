"""GET /push/vapid-public-key, POST and DELETE /push/subscriptions: every role, its own device."""

import marshmallow as ma
from flask_jwt_extended import current_user
from marshmallow import fields

from server.auth.scope import login_required
from server.auth.tokens import current_device
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.push import sender, service
from server.schemas import InputSchema, ResponseSchema

blp = Blueprint("push", __name__, url_prefix="/api/v1/push", description="Thông báo đẩy (Web Push)")
# Whatever a request queued goes out once its response has (server/push/sender.py).
blp.after_app_request(sender.send_after_response)


def _check(problem_of):
    def validator(value):
        problem = problem_of(value)
        if problem:
            raise ma.ValidationError(problem)

    return validator


class KeysSchema(InputSchema):
    p256dh = fields.String(
        required=True,
        validate=_check(service.p256dh_problem),
        metadata={"description": "base64url, 65 bytes: the browser's P-256 public key"},
    )
    auth = fields.String(
        required=True,
        validate=_check(service.auth_problem),
        metadata={"description": "base64url, 16 bytes: the browser's auth secret"},
    )


class SubscribeSchema(InputSchema):
    endpoint = fields.String(
        required=True,
        validate=_check(service.endpoint_problem),
        metadata={
            "description": "the push service URL: https, on a public address (checked again when sending), ≤ 2048 characters"
        },
    )
    keys = fields.Nested(KeysSchema, required=True)
    # PushSubscription.toJSON() includes it; the push service's answers say when it has expired.
    expirationTime = fields.Integer(allow_none=True, load_default=None)  # noqa: N815 - the browser's name


class UnsubscribeSchema(InputSchema):
    endpoint = fields.String(required=True, validate=ma.validate.Length(min=1, max=service.MAX_ENDPOINT))


class VapidKeySchema(ResponseSchema):
    public_key = fields.String(
        metadata={"description": "base64url of the uncompressed P-256 point: the applicationServerKey for subscribe()"}
    )


class SubscriptionSchema(ResponseSchema):
    endpoint = fields.String()
    device_id = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})


@blp.route("/vapid-public-key", methods=["GET"])
@login_required
@blp.response(200, VapidKeySchema)
@blp.errors(401)  # 503 also push_not_configured: the server has no VAPID keys
def vapid_public_key():
    """Khóa công khai VAPID, để trình duyệt đăng ký nhận thông báo đẩy."""
    return json_response({"public_key": service.vapid_public_key()})


@blp.route("/subscriptions", methods=["POST"])
@login_required
@blp.arguments(SubscribeSchema)
@blp.response(200, SubscriptionSchema, description="already bound (keys refreshed)")
@blp.alt_response(201, schema=SubscriptionSchema, description="bound now", success=True)
@blp.errors(401)
def subscribe(body):
    """Gắn đăng ký nhận thông báo của trình duyệt vào thiết bị đang dùng (gửi lại nhiều lần vẫn là một)."""
    subscription, created = service.subscribe(
        current_user, current_device(), body["endpoint"], body["keys"]["p256dh"], body["keys"]["auth"]
    )
    db.session.commit()
    return json_response(service.subscription_document(subscription), 201 if created else 200)


@blp.route("/subscriptions", methods=["DELETE"])
@login_required
@blp.arguments(UnsubscribeSchema)
@blp.response(204)
@blp.errors(401)
def unsubscribe(body):
    """Bỏ đăng ký nhận thông báo của thiết bị này (đăng ký của thiết bị khác không bị động tới)."""
    service.unsubscribe(current_device(), body["endpoint"])
    db.session.commit()
    return "", 204
