"""HTTP for sync: parse, check the device, call push or pull, answer."""

import logging
from datetime import timedelta, timezone

from flask import current_app
from flask_jwt_extended import current_user
from sqlalchemy.exc import IntegrityError, OperationalError

from server.auth.scope import login_required
from server.auth.tokens import current_device
from server.errors import DEVICE_MISMATCH, TOO_MANY_MUTATIONS, VALIDATION_FAILED
from server.extensions import db
from server.jsonio import Blueprint, json_response
from server.sync import pull, push
from server.timeutil import utcnow
from server.sync.schemas import (
    PullQuerySchema,
    PullResponseSchema,
    PushRequestSchema,
    PushResponseSchema,
)

log = logging.getLogger(__name__)
blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Đồng bộ: gửi và nhận thay đổi")
# A batch that lost a race (two devices creating one record id, a deadlock) is retried whole.
_RETRIES = 3


def _check_device(device_id):
    device = current_device()
    if str(device_id) != device.id:
        raise DEVICE_MISMATCH()
    return device


def note_report(device, params):
    """What the device says of itself, shown on the admin's device list."""
    if params.get("app_version") is not None:
        device.app_version = params["app_version"]
    if params.get("pending_count") is not None:
        device.pending_count = params["pending_count"]


def _checked_mutations(raw):
    limit = current_app.config["PUSH_MAX_MUTATIONS"]
    if len(raw) > limit:
        raise TOO_MANY_MUTATIONS(f"Mỗi lần gửi tối đa {limit} thao tác; hãy chia nhỏ ({len(raw)} thao tác)")
    previous = 0
    for index, mutation in enumerate(raw):
        mutation_id = mutation.get("mutation_id")
        if (
            not isinstance(mutation_id, int)
            or isinstance(mutation_id, bool)
            or not 1 <= mutation_id <= push.MAX_MUTATION_ID
        ):
            raise VALIDATION_FAILED(
                fields={f"mutations.{index}.mutation_id": [f"Phải là số nguyên từ 1 đến {push.MAX_MUTATION_ID}"]}
            )
        if mutation_id <= previous:
            raise VALIDATION_FAILED(
                fields={f"mutations.{index}.mutation_id": ["mutation_id phải tăng dần trong một lần gửi"]}
            )
        previous = mutation_id
    return raw


@blp.route("/push", methods=["POST"])
@login_required
@blp.arguments(PushRequestSchema)
@blp.response(200, PushResponseSchema)
@blp.errors(401, 403, 409)
def push_mutations(body):
    """Gửi các thao tác của thiết bị (mỗi thao tác được áp dụng đúng một lần)."""
    mutations = _checked_mutations(body["mutations"])
    device = _check_device(body["device_id"])
    if "cursor" in body and not pull.is_current(body["cursor"]):
        # The database was restored since the device's last pull: what it sends may build on
        # changes the backup does not hold. Nothing is applied until it has done what a
        # pull's reset asks (and so queued again what it sent since the backup).
        return json_response({"results": [], "last_mutation_id": device.last_mutation_id, "reset": True})
    for attempt in range(_RETRIES):
        try:
            # The user object itself, not the request-local proxy: the batch reads it thousands of times.
            results, last = push.apply_push(current_user._get_current_object(), device, mutations)
            note_report(device, body)
            db.session.commit()
            break
        except (IntegrityError, OperationalError) as err:
            db.session.rollback()
            if attempt == _RETRIES - 1 or not _worth_retrying(err):
                raise
    return json_response({"results": results, "last_mutation_id": last, "reset": False})


def _worth_noting(device, query):
    last = device.last_sync_at
    if (
        last is None
        or query.get("app_version", device.app_version) != device.app_version
        or query.get("pending_count", device.pending_count) != device.pending_count
    ):
        return True
    last = last if last.tzinfo else last.replace(tzinfo=timezone.utc)
    return utcnow() - last > timedelta(minutes=1)


def _worth_retrying(err):
    """A lost race is worth another go at once. SQLite's lock wait running out is not: that
    is overload, answered 503 with Retry-After so that devices back off."""
    if isinstance(err, IntegrityError):
        return True
    # PostgreSQL deadlock or serialization failure
    return getattr(getattr(err, "orig", None), "sqlstate", None) in ("40P01", "40001")


@blp.route("/pull", methods=["GET"])
@login_required
@blp.arguments(PullQuerySchema, location="query")
@blp.response(200, PullResponseSchema)
@blp.errors(401, 403)
def pull_changes(query):
    """Nhận các bản ghi đã thay đổi sau con trỏ (không bao giờ bỏ sót)."""
    device = _check_device(query["device_id"])
    config = current_app.config
    limit = min(query.get("limit", config["PULL_DEFAULT_LIMIT"]), config["PULL_MAX_LIMIT"])
    page = pull.changes_since(current_user, device, query.get("cursor"), limit)
    page["approved_retention_days"] = config["DEVICE_RETENTION_DAYS"]
    db.session.commit()  # the audit entry of what a police or admin pull served: no entry, no page
    if not page["has_more"] and _worth_noting(device, query):
        _note_sync(device, query)
    return json_response(page)


def _note_sync(device, query):
    """A write on a read path: only when something changed or a minute has passed. A database
    that cannot take it (its disk full, say) still serves the page: the note can wait."""
    device.last_sync_at = device.last_seen_at = utcnow()
    note_report(device, query)
    try:
        db.session.commit()
    except OperationalError as err:
        db.session.rollback()
        log.warning("pull served without noting the device's sync: %s", err)
