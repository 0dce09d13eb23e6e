"""Administration of a commune: users, villages, devices, and reading the audit log."""

from datetime import timedelta

from sqlalchemy import Text, and_, cast, or_, select

from server import roles
from server.audit import write_audit
from server.auth.passwords import hash_password
from server.auth.tokens import revoke_device_tokens
from server.errors import CANNOT_CHANGE_SELF, NOT_FOUND, USERNAME_TAKEN, VALIDATION_FAILED, VILLAGE_EXISTS
from server.extensions import db
from server.models import AuditEntry, Device, User, Village
from server.paging import paginate
from server.push.service import drop_device_subscriptions
from server.reports.periods import local_midnight_utc
from server.timeutil import iso, utcnow


def user_admin_document(user):
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "commune_id": user.commune_id,
        "village_ids": user.village_ids,
        "active": user.active,
        "created_at": iso(user.created_at),
    }


def _commune_villages(admin, village_ids):
    villages = db.session.execute(select(Village).where(Village.id.in_(village_ids))).scalars().all()
    if len(villages) != len(set(village_ids)) or any(v.commune_id != admin.commune_id for v in villages):
        raise VALIDATION_FAILED(fields={"village_ids": ["Có thôn không thuộc xã của bạn"]})
    return villages


def list_users(admin):
    users = db.session.execute(
        select(User).where(User.commune_id == admin.commune_id).order_by(User.username)
    ).scalars()
    return [user_admin_document(u) for u in users]


def _load_user(admin, user_id):
    user = db.session.get(User, user_id)
    if user is None or user.commune_id != admin.commune_id:
        raise NOT_FOUND("Không tìm thấy người dùng")
    return user


def create_user(admin, body):
    return add_commune_user(admin.commune_id, body, _commune_villages(admin, body.get("village_ids", [])))


def add_commune_user(commune_id, body, villages=()):
    """A new user of the commune (its commune admin's, or the province admin's for the commune's
    first admin), written to the commune's audit log."""
    if db.session.execute(select(User.id).where(User.username == body["username"])).first():
        raise USERNAME_TAKEN()
    user = User(
        username=body["username"],
        full_name=body["full_name"],
        role=body["role"],
        commune_id=commune_id,
        password_hash=hash_password(body["password"]),
        active=True,
    )
    user.villages = list(villages)
    db.session.add(user)
    db.session.flush()
    write_audit(
        "user.create",
        target=("user", user.id),
        commune_id=commune_id,
        details={
            "username": user.username,
            "full_name": user.full_name,
            "role": user.role,
            "village_ids": user.village_ids,
        },
    )
    return user


def update_user(admin, user_id, body):
    user = _load_user(admin, user_id)
    # An admin cannot lock itself out, nor give up the power to undo it.
    keeps_power = roles.ROLES[body.get("role", user.role)].can(roles.ADMINISTER)
    if user.id == admin.id and (body.get("active") is False or not keeps_power):
        raise CANNOT_CHANGE_SELF()
    before = {
        name: user.village_ids if name == "village_ids" else getattr(user, name) for name in body if name != "password"
    }
    for name in ("full_name", "role", "active"):
        if name in body:
            setattr(user, name, body[name])
    if "village_ids" in body:
        user.villages = _commune_villages(admin, body["village_ids"])
    if body.get("password"):
        user.password_hash = hash_password(body["password"])
    if body.get("password") or body.get("active") is False:
        # A reset password or a locked account ends every session of that user.
        for device in db.session.execute(select(Device).where(Device.user_id == user.id)).scalars():
            revoke_device_tokens(device)
    details = {k: ("***" if k == "password" else v) for k, v in body.items()}
    write_audit("user.update", target=("user", user.id), details={**details, "before": before} if before else details)
    return user


def village_document(village):
    return {
        "id": village.id,
        "name": village.name,
        "kind": village.kind,
        "former_name": village.former_name,
        "commune_id": village.commune_id,
        "active": village.active,
    }


def list_villages(admin):
    villages = db.session.execute(
        select(Village).where(Village.commune_id == admin.commune_id).order_by(Village.id)
    ).scalars()
    return [village_document(v) for v in villages]


def _check_village_name_free(admin, name, village_id=None):
    taken = db.session.execute(
        select(Village.id).where(Village.commune_id == admin.commune_id, Village.name == name, Village.id != village_id)
    ).first()
    if taken:
        raise VILLAGE_EXISTS()


def create_village(admin, body):
    _check_village_name_free(admin, body["name"])
    village = Village(
        commune_id=admin.commune_id,
        name=body["name"],
        kind=body.get("kind", "thon"),
        former_name=body.get("former_name"),
        active=True,
    )
    db.session.add(village)
    db.session.flush()
    write_audit("village.create", target=("village", village.id), details=body)
    return village


def update_village(admin, village_id, body):
    village = db.session.get(Village, village_id)
    if village is None or village.commune_id != admin.commune_id:
        raise NOT_FOUND("Không tìm thấy thôn")
    if "name" in body:
        _check_village_name_free(admin, body["name"], village.id)
    before = {name: getattr(village, name) for name in body}
    for name in ("name", "kind", "former_name", "active"):
        if name in body:
            setattr(village, name, body[name])
    write_audit("village.update", target=("village", village.id), details={**body, "before": before})
    return village


def device_document(device, owner):
    return {
        "device_id": device.id,
        "name": device.name,
        "owner": {"id": owner.id, "username": owner.username, "full_name": owner.full_name},
        "created_at": iso(device.created_at),
        "last_seen_at": iso(device.last_seen_at),
        "last_sync_at": iso(device.last_sync_at),
        "app_version": device.app_version,
        "pending_count": device.pending_count,
        "last_mutation_id": device.last_mutation_id,
        "revoked": device.revoked_at is not None,
        "revoked_at": iso(device.revoked_at),
    }


def list_devices(admin):
    rows = db.session.execute(
        select(Device, User)
        .join(User, Device.user_id == User.id)
        .where(User.commune_id == admin.commune_id)
        .order_by(Device.last_seen_at.desc(), Device.id)
    ).all()
    return [device_document(device, owner) for device, owner in rows]


def revoke_device(admin, device_id):
    row = (
        db.session.execute(
            select(Device, User).join(User, Device.user_id == User.id).where(Device.id == device_id)
        ).first()
        if isinstance(device_id, str) and len(device_id) <= 36
        else None
    )
    if row is None or row.User.commune_id != admin.commune_id:
        raise NOT_FOUND("Không tìm thấy thiết bị")
    device = row.Device
    if device.revoked_at is None:
        device.revoked_at, device.revoked_by = utcnow(), admin.id
        revoke_device_tokens(device)
        drop_device_subscriptions(device.id)
        write_audit("device.revoke", target=("device", device.id), details={"owner": row.User.username})
    return device_document(device, row.User)


def audit_document(entry):
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "user_id": entry.user_id,
        "commune_id": entry.commune_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "ip": entry.ip,
    }


def list_audit(admin, filters, page, per_page):
    statement = select(AuditEntry).where(AuditEntry.commune_id == admin.commune_id)
    for name in ("user_id", "action", "target_type", "target_id"):
        if filters.get(name) is not None:
            statement = statement.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("record_id"):
        # Who read or touched this record: entries about it, and those naming it among what they
        # served or changed (a page of a list or a pull, a conflict). A UUID: no LIKE wildcards.
        record_id = str(filters["record_id"])
        statement = statement.where(
            or_(
                and_(AuditEntry.target_type == "record", AuditEntry.target_id == record_id),
                cast(AuditEntry.details, Text).like(f'%"{record_id}"%'),
            )
        )
    # Whole days of Vietnam's calendar, as reports count them.
    if filters.get("from"):
        statement = statement.where(AuditEntry.at >= local_midnight_utc(filters["from"]))
    if filters.get("to"):
        statement = statement.where(AuditEntry.at < local_midnight_utc(filters["to"] + timedelta(days=1)))
    statement = statement.order_by(AuditEntry.id.desc())
    return paginate(statement, page, per_page, lambda row: audit_document(row[0]))
