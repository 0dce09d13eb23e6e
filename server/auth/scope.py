"""Who sees and may change which records: one filter per role, applied inside the query.

A record outside the caller's scope does not exist for that caller.
"""

import hashlib
from functools import wraps

from flask_jwt_extended import current_user, jwt_required
from sqlalchemy import or_

from server.errors import forbidden
from server.models import Record

REVIEWERS = ("police", "admin")


def record_filter(user):
    """The WHERE clause selecting exactly the records this user may read."""
    if user.role in REVIEWERS:
        return Record.commune_id == user.commune_id
    if user.role == "village_staff":
        return or_(Record.created_by == user.id, Record.village_id.in_(user.village_ids))
    return Record.created_by == user.id


def can_read(user, record):
    if user.role in REVIEWERS:
        return record.commune_id == user.commune_id
    if user.role == "village_staff" and record.village_id in user.village_ids:
        return True
    return record.created_by == user.id


def can_edit(user, record):
    """Reviewers correct any record of their commune; others only their own."""
    if user.role in REVIEWERS:
        return record.commune_id == user.commune_id
    return record.created_by == user.id


def creatable_village_ids(user):
    """Villages a user may create records in: active ones. A deactivated village keeps its records
    (they can still be read and corrected) but takes no new ones."""
    villages = user.commune.villages if user.role in REVIEWERS else user.villages
    return {v.id for v in villages if v.active}


def scope_fingerprint(user):
    """Changes whenever what the user may see changes, so a pull cursor from another scope resets."""
    key = f"{user.id}|{user.role}|{user.commune_id}|{sorted(user.village_ids)}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def roles_required(*roles):
    """A logged-in user with one of these roles; 403 for other roles."""

    def decorator(view):
        @wraps(view)
        @jwt_required()
        def wrapper(*args, **kwargs):
            if roles and current_user.role not in roles:
                raise forbidden()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def login_required(view):
    return roles_required()(view)
