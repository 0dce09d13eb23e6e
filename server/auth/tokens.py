"""Access and refresh tokens bound to a device, and the JWT loaders that speak our envelope.

Each token carries the device id and the device's token generation. Logout,
refresh-token reuse and a new login bump the generation, so every older token
of that device stops working at once; an admin's revocation stops the device
for good. The user is looked up on every request, so a disabled account or a
changed role takes effect immediately.
"""

import uuid
from datetime import datetime, timezone

from flask import g
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from sqlalchemy import delete, update
from sqlalchemy.orm import joinedload

from server.errors import (
    ACCOUNT_DISABLED,
    DEVICE_REVOKED,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    TOKEN_MISSING,
    TOKEN_REUSED,
    TOKEN_REVOKED,
    handle_api_error,
)
from server.extensions import db, jwt
from server.models import Device, RefreshToken, User
from server.timeutil import utcnow


def issue_tokens(device):
    claims = {"dev": device.id, "gen": device.token_generation}
    identity = str(device.user_id)
    access = create_access_token(identity=identity, additional_claims=claims)
    jti = str(uuid.uuid4())
    refresh = create_refresh_token(identity=identity, additional_claims={**claims, "jti": jti})
    expires = decode_token(refresh, allow_expired=True)["exp"]
    # Rotated tokens are kept until they expire (to catch reuse); expired ones can go.
    db.session.execute(
        delete(RefreshToken).where(RefreshToken.device_id == device.id, RefreshToken.expires_at < utcnow())
    )
    db.session.add(
        RefreshToken(
            jti=jti,
            device_id=device.id,
            generation=device.token_generation,
            expires_at=datetime.fromtimestamp(expires, timezone.utc),
        )
    )
    return access, refresh


def revoke_device_tokens(device):
    """Every token issued to the device so far stops working."""
    device.token_generation += 1


def use_refresh_token(jti, device):
    """Rotate: use up the presented refresh token; one used already revokes the device's tokens.

    Using it up is a single conditional UPDATE, so of two requests racing with
    the same token exactly one wins, on SQLite as on PostgreSQL.
    """
    token = db.session.get(RefreshToken, jti) if isinstance(jti, str) else None
    if token is None or token.device_id != device.id:
        raise TOKEN_INVALID()
    claimed = db.session.execute(
        update(RefreshToken).where(RefreshToken.jti == jti, RefreshToken.used_at.is_(None)).values(used_at=utcnow())
    ).rowcount
    if claimed == 0:
        # A rotated token came back: someone holds a copy. End the whole family.
        revoke_device_tokens(device)
        db.session.commit()
        raise TOKEN_REUSED()


def current_device():
    return g.device


def _unauthorized(problem, message=None):
    # The loaders run inside flask-jwt-extended's own error handlers: they must return the
    # response, as an exception raised there would escape every handler.
    return handle_api_error(problem(message))


@jwt.token_in_blocklist_loader
def _token_revoked(jwt_header, payload):
    # The device and its user in one query: the user lookup below then finds the user in the session.
    device = (
        db.session.get(Device, payload.get("dev"), options=[joinedload(Device.user)])
        if isinstance(payload.get("dev"), str)
        else None
    )
    if device is None or str(device.user_id) != payload.get("sub"):
        g.auth_problem = TOKEN_INVALID
        return True
    if device.revoked_at is not None:
        g.auth_problem = DEVICE_REVOKED
        return True
    if payload.get("gen") != device.token_generation:
        g.auth_problem = TOKEN_REVOKED
        return True
    g.device = device
    return False


@jwt.revoked_token_loader
def _revoked_response(jwt_header, payload):
    return _unauthorized(g.pop("auth_problem", TOKEN_REVOKED))


@jwt.user_lookup_loader
def _load_user(jwt_header, payload):
    try:
        user = db.session.get(User, int(payload["sub"]))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


@jwt.user_lookup_error_loader
def _user_lookup_failed(jwt_header, payload):
    return _unauthorized(ACCOUNT_DISABLED)


@jwt.expired_token_loader
def _expired(jwt_header, payload):
    return _unauthorized(TOKEN_EXPIRED)


@jwt.invalid_token_loader
def _invalid(reason):
    return _unauthorized(TOKEN_INVALID, "Mã xác thực không hợp lệ")


@jwt.unauthorized_loader
def _missing(reason):
    return _unauthorized(TOKEN_MISSING)


@jwt.needs_fresh_token_loader
def _needs_fresh(jwt_header, payload):
    return _unauthorized(TOKEN_INVALID, "Cần đăng nhập lại")


@jwt.token_verification_failed_loader
def _claims_failed(jwt_header, payload):
    return _unauthorized(TOKEN_INVALID, "Mã xác thực không hợp lệ")
