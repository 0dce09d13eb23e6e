"""Places since the 2025 reform: finding a commune as people name it, the official list
(server/places/official.py), and what a province admin opens from it."""

from sqlalchemy import or_, select

from server.extensions import db
from server.models import Commune, OfficialPlace, Province, Village
from server.models.geo import COMMUNE_LEVEL, PROVINCE_LEVEL


def communes_named(text):
    """The communes a person means by `text`: its official code, its official name ("Phường Quang
    Trung"), or that name without its kind ("Quang Trung"), whatever the letter case."""
    text = " ".join(text.split())
    if text.isdigit():
        return db.session.execute(select(Commune).where(Commune.code == int(text))).scalars().all()
    candidates = db.session.execute(
        select(Commune).where(or_(Commune.name.ilike(text), Commune.name.ilike(f"% {text}")))
    ).scalars()
    return [c for c in candidates if _means(c, text)]


def official_communes_named(text):
    """The same, in the official list: the units of the list a person means by `text`."""
    text = " ".join(text.split())
    statement = select(OfficialPlace).where(OfficialPlace.level == COMMUNE_LEVEL)
    if text.isdigit():
        return db.session.execute(statement.where(OfficialPlace.code == int(text))).scalars().all()
    candidates = db.session.execute(
        statement.where(or_(OfficialPlace.name.ilike(text), OfficialPlace.name.ilike(f"% {text}")))
    ).scalars()
    return [place for place in candidates if _means(place, text)]


def provinces_named(text):
    """The provinces a person means: the official code, "Tỉnh Thanh Hóa" or "Thanh Hóa"."""
    text = " ".join(text.split())
    if text.isdigit():
        return db.session.execute(select(Province).where(Province.code == int(text))).scalars().all()
    candidates = db.session.execute(
        select(Province).where(or_(Province.name.ilike(text), Province.name.ilike(f"% {text}")))
    ).scalars()
    wanted = text.casefold()
    return [p for p in candidates if p.name.casefold() == wanted or p.name.casefold().endswith(" " + wanted)]


def _means(place, text):
    wanted = text.casefold()
    return place.name.casefold() == wanted or _bare_name(place).casefold() == wanted


def _bare_name(place):
    """The official name without its kind: "Quang Trung" for "Phường Quang Trung"."""
    kind = (place.kind or "").casefold()
    if kind and place.name.casefold().startswith(kind + " "):
        return place.name[len(kind) + 1 :]
    return place.name


def province_of_official(code):
    """The app's province with this official code, made from the official list if not there yet."""
    province = db.session.execute(select(Province).where(Province.code == code)).scalar_one_or_none()
    if province is None:
        official = db.session.get(OfficialPlace, (PROVINCE_LEVEL, code))
        province = db.session.execute(select(Province).where(Province.name == official.name)).scalar_one_or_none()
        if province is None:
            province = Province(name=official.name)
            db.session.add(province)
        province.code = code
        db.session.flush()
    return province


def open_official_commune(official, province=None):
    """The commune of the official list opened in the app: a `Commune` with its code, name and
    kind in its province. One of that name the province opened before the list was loaded (no
    code) takes the code instead of a second commune being made."""
    province = province or province_of_official(official.province_code)
    commune = db.session.execute(
        select(Commune).where(Commune.province_id == province.id, Commune.name == official.name, Commune.code.is_(None))
    ).scalar_one_or_none()
    if commune is None:
        commune = Commune(province_id=province.id, name=official.name)
        db.session.add(commune)
    commune.code, commune.kind = official.code, official.kind
    db.session.flush()
    return commune


def village_named(commune, name):
    """The commune's village of that name, made (active, a thôn) if it has none yet."""
    village = db.session.execute(
        select(Village).where(Village.commune_id == commune.id, Village.name == name)
    ).scalar_one_or_none()
    if village is None:
        village = Village(commune_id=commune.id, name=name, active=True)
        db.session.add(village)
        db.session.flush()
    return village
