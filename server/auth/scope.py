"""Who sees and may change which records, from the roles table (server/roles.py), applied inside
the query; and the endpoint guards, by power.

A record outside the caller's scope does not exist for that caller.
"""

import hashlib
from functools import wraps

from flask_jwt_extended import current_user, jwt_required
from sqlalchemy import and_, false, or_

from server import roles
from server.errors import FORBIDDEN
from server.forms.registry import types_worked_by
from server.models import Record


def record_filter(user):
    """The WHERE clause selecting exactly the records this user may read."""
    reads = roles.role_of(user).reads
    if reads == roles.COMMUNE:
        return Record.commune_id == user.commune_id
    if reads == roles.WORKFLOW:
        return and_(Record.commune_id == user.commune_id, Record.type.in_(types_worked_by(user.role)))
    if reads == roles.VILLAGES:
        return or_(Record.created_by == user.id, Record.village_id.in_(user.village_ids))
    if reads == roles.OWN:
        return Record.created_by == user.id
    return false()


def can_read(user, record):
    """The same as record_filter, for a record row already loaded (its commune, village, author, type)."""
    reads = roles.role_of(user).reads
    if reads == roles.COMMUNE:
        return record["commune_id"] == user.commune_id
    if reads == roles.WORKFLOW:
        return record["commune_id"] == user.commune_id and record["type"] in types_worked_by(user.role)
    if reads == roles.VILLAGES and record["village_id"] in user.village_ids:
        return True
    return reads is not roles.NO_RECORDS and record["created_by"] == user.id


def can_edit(user, record):
    """A role that corrects changes any record it reads; others only their own."""
    if roles.role_of(user).corrects:
        return can_read(user, record)
    return record["created_by"] == user.id


def may_change_locked(user):
    """Whether the user changes records already approved or rejected (their recorders may not)."""
    return roles.role_of(user).corrects


def villages_of(user):
    """The villages a user works in: the commune's, for a role that reads beyond its own villages."""
    if roles.role_of(user).reads in (roles.OWN, roles.VILLAGES):
        return user.villages
    return user.commune.villages if user.commune else []


def creatable_village_ids(user):
    """Villages a user may create records in: active ones. A deactivated village keeps its records
    (they can still be read and corrected) but takes no new ones."""
    if not roles.role_of(user).can(roles.RECORD):
        return set()
    return {v.id for v in villages_of(user) if v.active}


def scope_fingerprint(user):
    """Changes whenever what the user may see changes, so a pull cursor from another scope resets."""
    key = f"{user.id}|{user.role}|{user.commune_id}|{sorted(user.village_ids)}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def power_required(*powers):
    """A logged-in user whose role has one of these powers (server/roles.py); 403 for the others."""

    def decorator(view):
        @wraps(view)
        @jwt_required()
        def wrapper(*args, **kwargs):
            if powers and not any(roles.role_of(current_user).can(power) for power in powers):
                raise FORBIDDEN()
            return view(*args, **kwargs)

        return wrapper

    return decorator


def records_required(view):
    """A logged-in user whose role reads records; 403 for a role that reads none."""

    @wraps(view)
    @jwt_required()
    def wrapper(*args, **kwargs):
        if roles.role_of(current_user).reads is roles.NO_RECORDS:
            raise FORBIDDEN("Vai trò của bạn không xem từng bản ghi")
        return view(*args, **kwargs)

    return wrapper


def login_required(view):
    return power_required()(view)
