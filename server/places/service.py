"""What a province does with its communes: the official list of them, which are opened in the
app, opening one, and its first admins. Every query is held to the caller's own province."""

from sqlalchemy import func, select

from server import roles
from server.admin.service import add_commune_user
from server.audit import write_audit
from server.errors import COMMUNE_OPENED, NOT_FOUND
from server.extensions import db
from server.records.store import searchable
from server.models import Commune, OfficialPlace, Province, User, Village
from server.models.geo import COMMUNE_LEVEL
from server.places import open_official_commune


def _province(user):
    return db.session.get(Province, user.province_id)


def list_official_communes(user, q=None, opened=None):
    """The official communes of the caller's province, opened or not, matched by name whatever
    the accents (a province has at most a couple of hundred: matched here, not in SQL)."""
    province = _province(user)
    if province is None or province.code is None:
        return {"items": []}
    places = db.session.execute(
        select(OfficialPlace).where(OfficialPlace.level == COMMUNE_LEVEL, OfficialPlace.province_code == province.code)
    ).scalars()
    opened_ids = dict(
        db.session.execute(
            select(Commune.code, Commune.id).where(Commune.province_id == province.id, Commune.code.isnot(None))
        ).all()
    )
    wanted = " ".join(searchable(q or "").split())
    items = [
        {
            "code": place.code,
            "name": place.name,
            "kind": place.kind,
            "opened": place.code in opened_ids,
            "commune_id": opened_ids.get(place.code),
        }
        for place in places
        if wanted in searchable(place.name) and (opened is None or opened == (place.code in opened_ids))
    ]
    return {"items": sorted(items, key=lambda item: (searchable(item["name"]), item["code"]))}


def commune_document(commune, villages=0, users=0, admins=()):
    return {
        "id": commune.id,
        "code": commune.code,
        "name": commune.name,
        "kind": commune.kind,
        "villages": villages,
        "users": users,
        "admins": [{"id": a.id, "username": a.username, "full_name": a.full_name} for a in admins],
    }


def list_communes(user):
    """The communes the province opened, each with its counts of villages and users and its admins."""
    communes = (
        db.session.execute(select(Commune).where(Commune.province_id == user.province_id).order_by(Commune.name))
        .scalars()
        .all()
    )
    ids = [c.id for c in communes]
    villages = dict(
        db.session.execute(
            select(Village.commune_id, func.count()).where(Village.commune_id.in_(ids)).group_by(Village.commune_id)
        ).all()
    )
    users = dict(
        db.session.execute(
            select(User.commune_id, func.count()).where(User.commune_id.in_(ids)).group_by(User.commune_id)
        ).all()
    )
    admins = {}
    for admin in db.session.execute(
        select(User).where(User.commune_id.in_(ids), User.role == roles.COMMUNE_ADMINISTRATOR).order_by(User.username)
    ).scalars():
        admins.setdefault(admin.commune_id, []).append(admin)
    return {
        "items": [
            commune_document(c, villages.get(c.id, 0), users.get(c.id, 0), admins.get(c.id, [])) for c in communes
        ]
    }


def open_commune(user, code):
    """Open a commune of the caller's province from the official list (404 for any other code)."""
    province = _province(user)
    official = db.session.execute(
        select(OfficialPlace).where(
            OfficialPlace.level == COMMUNE_LEVEL,
            OfficialPlace.code == code,
            OfficialPlace.province_code == (province.code if province else None),
        )
    ).scalar_one_or_none()
    if official is None:
        raise NOT_FOUND("Không có xã này trong danh sách chính thức của tỉnh")
    if db.session.execute(select(Commune.id).where(Commune.code == code)).first():
        raise COMMUNE_OPENED()
    commune = open_official_commune(official, province)
    write_audit(
        "commune.open",
        user=user,
        target=("commune", commune.id),
        commune_id=commune.id,
        details={"code": commune.code, "name": commune.name},
    )
    return commune_document(commune)


def _commune(user, commune_id):
    commune = db.session.execute(
        select(Commune).where(Commune.id == commune_id, Commune.province_id == user.province_id)
    ).scalar_one_or_none()
    if commune is None:
        raise NOT_FOUND("Không tìm thấy xã")
    return commune


def admin_document(admin):
    return {
        "id": admin.id,
        "username": admin.username,
        "full_name": admin.full_name,
        "role": admin.role,
        "commune_id": admin.commune_id,
        "active": admin.active,
    }


def list_commune_admins(user, commune_id):
    commune = _commune(user, commune_id)
    admins = db.session.execute(
        select(User)
        .where(User.commune_id == commune.id, User.role == roles.COMMUNE_ADMINISTRATOR)
        .order_by(User.username)
    ).scalars()
    return [admin_document(a) for a in admins]


def create_commune_admin(user, commune_id, body):
    """The commune's working group's admin account; it then adds the villages and other users."""
    commune = _commune(user, commune_id)
    return admin_document(add_commune_user(commune.id, {**body, "role": roles.COMMUNE_ADMINISTRATOR}))
