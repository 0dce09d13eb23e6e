"""Places since the 2025 reform: finding a commune as people name it, the official list
(server/places/official.py), and what a province admin opens from it."""

from sqlalchemy import or_, select

from server.extensions import db
from server.models import Commune


def communes_named(text):
    """The communes a person means by `text`: its official code, its official name ("Phường Quang
    Trung"), or that name without its kind ("Quang Trung"), whatever the letter case."""
    text = " ".join(text.split())
    if text.isdigit():
        return db.session.execute(select(Commune).where(Commune.code == int(text))).scalars().all()
    wanted = text.casefold()
    candidates = db.session.execute(
        select(Commune).where(or_(Commune.name.ilike(text), Commune.name.ilike(f"% {text}")))
    ).scalars()
    return [c for c in candidates if c.name.casefold() == wanted or _bare_name(c).casefold() == wanted]


def _bare_name(commune):
    """The official name without its kind: "Quang Trung" for "Phường Quang Trung"."""
    kind = (commune.kind or "").casefold()
    if kind and commune.name.casefold().startswith(kind + " "):
        return commune.name[len(kind) + 1 :]
    return commune.name
