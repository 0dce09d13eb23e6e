"""Writing the audit log: one call, in the transaction of what it records."""

from flask import has_request_context, request
from flask_jwt_extended import current_user

from server import roles
from server.extensions import db
from server.models import AuditEntry
from server.timeutil import utcnow


def write_audit(action, *, user=None, target=None, details=None, ip=None, commune_id=None):
    """Append an audit entry. `user` defaults to the caller; `target` is (type, id)."""
    if user is None and has_request_context():
        user = current_user if _has_user() else None
    target_type, target_id = target if target else (None, None)
    db.session.add(
        AuditEntry(
            at=utcnow(),
            user_id=user.id if user else None,
            commune_id=commune_id or (user.commune_id if user else None),
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            details=details,
            ip=ip or (request.remote_addr if has_request_context() else None),
        )
    )


def audit_records_served(user, action, record_ids, target=None, details=None):
    """A police or admin read of many records (a page of a list or of a pull): which ones went out."""
    if roles.role_of(user).reads_commune_wide:
        write_audit(
            action,
            user=user,
            target=target,
            details={**(details or {}), "count": len(record_ids), "record_ids": list(record_ids)},
        )


def _has_user():
    from flask_jwt_extended import get_current_user

    try:
        return get_current_user() is not None
    except RuntimeError:
        return False
