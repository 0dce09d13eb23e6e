"""Login binding a device, refresh with rotation, logout, and who am I."""

from flask import request
from flask_jwt_extended import current_user, get_jwt, jwt_required
from marshmallow import fields, validate
from sqlalchemy import select

from server.audit import write_audit
from server.auth import ratelimit
from server.auth.passwords import dummy_verify, verify_password
from server import roles
from server.auth.scope import login_required, villages_of
from server.auth.tokens import current_device, issue_tokens, revoke_device_tokens, use_refresh_token
from server.errors import DEVICE_BOUND_TO_OTHER_USER, DEVICE_REVOKED, INVALID_CREDENTIALS
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.models import Device, User
from server.push.service import drop_device_subscriptions
from server.timeutil import utcnow
from server.schemas import InputSchema, ResponseSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Đăng nhập và phiên làm việc")


class LoginSchema(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    device_id = fields.UUID(required=True)
    device_name = fields.String(validate=validate.Length(max=120))
    app_version = fields.String(validate=validate.Length(max=40))


class UserVillageSchema(ResponseSchema):
    id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()


class UserSchema(ResponseSchema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    commune_id = fields.Integer(allow_none=True, metadata={"description": "null for a province role's user"})
    commune_name = fields.String(allow_none=True)
    province_id = fields.Integer(allow_none=True)
    province_name = fields.String(allow_none=True)
    tier = fields.String(metadata={"enum": [roles.COMMUNE_TIER, roles.PROVINCE_TIER]})
    village_ids = fields.List(fields.Integer())
    villages = fields.List(fields.Nested(UserVillageSchema))
    powers = fields.List(fields.String(metadata={"enum": list(roles.POWERS)}))
    reads = fields.String(
        allow_none=True,
        metadata={"description": "which records the role reads: own, villages, commune, workflow, or null (none)"},
    )


class TokensSchema(ResponseSchema):
    access_token = fields.String()
    refresh_token = fields.String()
    user = fields.Nested(UserSchema, metadata={"optional": True, "description": "on login, not on refresh"})


def user_document(user):
    province = user.province or (user.commune.province if user.commune else None)
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "commune_id": user.commune_id,
        "commune_name": user.commune.name if user.commune else None,
        # A province role's user belongs to the province; a commune's to its commune's province.
        "province_id": province.id if province else None,
        "province_name": province.name if province else None,
        "tier": roles.role_of(user).tier,
        "village_ids": user.village_ids,
        # The villages the user works in: the whole commune's for a role that reads beyond its own.
        "villages": [
            {"id": v.id, "name": v.name, "active": v.active} for v in sorted(villages_of(user), key=lambda v: v.id)
        ],
        # What the role may do (server/roles.py): the app shows the screens these allow.
        "powers": sorted(roles.role_of(user).powers),
        "reads": roles.role_of(user).reads,
    }


def client_address():
    return request.remote_addr or "unknown"


@blp.route("/login", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(LoginSchema)
@blp.response(200, TokensSchema)
@blp.errors(401, 409, 429)
def login(body):
    """Đăng nhập và gắn thiết bị với tài khoản."""
    username, address = body["username"].strip(), client_address()
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    device_id = str(body["device_id"])
    device = db.session.get(Device, device_id)
    # A phone this account already uses keeps a login allowance of its own (server/auth/ratelimit.py).
    bound = (
        device_id
        if user is not None and device is not None and device.user_id == user.id and device.revoked_at is None
        else None
    )
    ratelimit.check_login_allowed(username, address, bound)
    if user is None:
        dummy_verify(body["password"])
    if user is None or not verify_password(user.password_hash, body["password"]) or not user.active:
        ratelimit.record_login_failure(username, address, bound)
        write_audit("login_failed", user=user, details={"username": username[:80]}, ip=address)
        db.session.commit()
        raise INVALID_CREDENTIALS()

    if device is not None and device.user_id != user.id:
        _refuse_login(
            user,
            address,
            device_id,
            DEVICE_BOUND_TO_OTHER_USER(),
        )
    if device is not None and device.revoked_at is not None:
        _refuse_login(user, address, device_id, DEVICE_REVOKED())
    if device is None:
        device = Device(id=device_id, user_id=user.id, token_generation=1)
        db.session.add(device)
    else:
        revoke_device_tokens(device)
    device.name = body.get("device_name") or device.name
    device.app_version = body.get("app_version") or device.app_version
    device.last_seen_at = utcnow()
    ratelimit.clear_failures(username, address, bound)
    db.session.flush()
    access, refresh = issue_tokens(device)
    write_audit("login", user=user, target=("device", device.id), ip=address)
    db.session.commit()
    return json_response({"access_token": access, "refresh_token": refresh, "user": user_document(user)})


def _refuse_login(user, address, device_id, error):
    """The right password on a device the account may not use (revoked, or another's): written
    down, as a lost phone's finder or a borrowed phone may be behind it."""
    write_audit(
        "login_failed",
        user=user,
        target=("device", device_id),
        details={"username": user.username, "reason": error.code},
        ip=address,
    )
    db.session.commit()
    raise error


@blp.route("/refresh", methods=["POST"])
@jwt_required(refresh=True)
@blp.response(200, TokensSchema)
@blp.errors(401)
def refresh():
    """Đổi refresh token lấy cặp token mới (refresh token cũ hết hiệu lực)."""
    device = current_device()
    use_refresh_token(get_jwt()["jti"], device)
    access, refresh_token = issue_tokens(device)
    device.last_seen_at = utcnow()
    db.session.commit()
    return json_response({"access_token": access, "refresh_token": refresh_token})


@blp.route("/logout", methods=["POST"])
@login_required
@blp.response(204)
@blp.errors(401)
def logout():
    """Đăng xuất: mọi token của thiết bị này hết hiệu lực."""
    revoke_device_tokens(current_device())
    drop_device_subscriptions(current_device().id)
    write_audit("logout", target=("device", current_device().id))
    db.session.commit()
    return "", 204


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, UserSchema)
@blp.errors(401)
def me():
    """Người dùng đang đăng nhập, với xã và các thôn của mình."""
    return json_response(user_document(current_user))
