"""The government's list of provinces and communes (docs/places.md): loaded from a .json file in
the format of vietnam-provinces' nested-divisions.json, or from that package's wheel, on SQLite
and PostgreSQL; loading again changes nothing, a renamed unit renames the opened commune, and a
file that is not the list is refused with a message saying where."""

import json
import re
import os
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Commune, OfficialPlace, Province
from server.places.official import WHEEL_MEMBER, OfficialListError, load_official_places

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "official-places.json"
WHEEL_NAME = "vietnam_provinces-2026.9.0-py3-none-any.whl"


def fixture_list():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def write(tmp_path, document, name="list.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def official(code, level="commune"):
    place = db.session.get(OfficialPlace, (level, code))
    return (place.name, place.kind, place.province_code)


def test_the_list_loads_provinces_and_their_communes(app):
    counts = load_official_places(FIXTURE)
    db.session.commit()
    assert counts == {"provinces": 3, "communes": 7, "added": 10, "changed": 0, "renamed": 0}
    assert official(38, "province") == ("Tỉnh Thanh Hóa", "tỉnh", None)
    assert official(1, "province") == ("Thành phố Hà Nội", "thành phố trung ương", None)
    assert official(14818) == ("Phường Quang Trung", "phường", 38)
    assert official(15178) == ("Xã Cẩm Tân", "xã", 38)
    assert official(16000) == ("Xã Hoằng Thanh", "xã", 38)
    # A code is unique within its level: province 4 is Cao Bằng, commune 4 Phường Ba Đình.
    assert official(4, "province") == ("Tỉnh Cao Bằng", "tỉnh", None)
    assert official(4) == ("Phường Ba Đình", "phường", 1)


def test_loading_again_changes_nothing(app):
    load_official_places(FIXTURE)
    db.session.commit()
    again = load_official_places(FIXTURE)
    db.session.commit()
    assert again == {"provinces": 3, "communes": 7, "added": 0, "changed": 0, "renamed": 0}
    assert db.session.scalar(select(func.count()).select_from(OfficialPlace)) == 10


def test_a_renamed_unit_renames_the_opened_commune_and_keeps_its_code(app, tmp_path):
    load_official_places(FIXTURE)
    document = fixture_list()
    thanh_hoa = next(p for p in document if p["code"] == 38)
    next(w for w in thanh_hoa["wards"] if w["code"] == 15178)["name"] = "Phường Cẩm Tân"
    next(w for w in thanh_hoa["wards"] if w["code"] == 15178)["division_type"] = "phường"
    counts = load_official_places(write(tmp_path, document))
    db.session.commit()
    assert counts["changed"] == 1 and counts["renamed"] == 1
    cam_tan = db.session.execute(select(Commune).where(Commune.code == 15178)).scalar_one()
    assert (cam_tan.name, cam_tan.kind) == ("Phường Cẩm Tân", "phường")  # the demo's commune, opened
    assert official(15178) == ("Phường Cẩm Tân", "phường", 38)
    assert db.session.execute(select(Province.name).where(Province.code == 38)).scalar_one() == "Tỉnh Thanh Hóa"


def test_the_list_reads_from_the_wheel_as_from_the_json(app, tmp_path):
    wheel = tmp_path / WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(WHEEL_MEMBER, FIXTURE.read_bytes())
    assert load_official_places(wheel)["communes"] == 7


def test_the_command_says_what_it_loaded(app):
    result = app.test_cli_runner().invoke(args=["load-places", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "Đã nạp 3 tỉnh, 7 xã" in result.output


def _broken(document, change):
    change(document)
    return document


BAD_LISTS = {
    "not a list": ({"wards": []}, "mảng JSON"),
    "empty": ([], "mảng JSON"),
    "province without code": (
        _broken(fixture_list(), lambda d: d[0].pop("code")),
        "tỉnh thứ 1: mã (code)",
    ),
    "province of an unknown kind": (
        _broken(fixture_list(), lambda d: d[2].update(division_type="huyện")),
        "tỉnh thứ 3: loại",
    ),
    "no wards": (_broken(fixture_list(), lambda d: d[2].pop("wards")), "Tỉnh Thanh Hóa (38): thiếu danh sách xã"),
    "ward with an empty name": (
        _broken(fixture_list(), lambda d: d[2]["wards"][2].update(name=" ")),
        "Tỉnh Thanh Hóa (38), xã thứ 3: tên",
    ),
    "ward code as text": (
        _broken(fixture_list(), lambda d: d[2]["wards"][0].update(code="14812")),
        "xã thứ 1: mã (code)",
    ),
    "a code twice": (
        _broken(fixture_list(), lambda d: d[2]["wards"][1].update(code=14812)),
        "mã 14812 xuất hiện hai lần",
    ),
}


@pytest.mark.parametrize("case", BAD_LISTS)
def test_a_file_that_is_not_the_list_is_refused_saying_where(app, tmp_path, case):
    document, message = BAD_LISTS[case]
    with pytest.raises(OfficialListError, match=re.escape(message)):
        load_official_places(write(tmp_path, document))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OfficialPlace)) == 0


def test_files_that_cannot_be_read_are_refused(app, tmp_path):
    (tmp_path / "list.csv").write_text("code,name\n")
    (tmp_path / "broken.json").write_text("[{")
    (tmp_path / "other.whl").write_bytes(b"not a zip")
    empty = tmp_path / "empty.whl"
    zipfile.ZipFile(empty, "w").close()
    for name, message in (
        ("list.csv", "cần tệp .json hoặc .whl"),
        ("broken.json", "không phải JSON hợp lệ"),
        ("other.whl", "không phải là tệp .whl"),
        ("empty.whl", WHEEL_MEMBER),
        ("missing.json", "Không có tệp"),
    ):
        with pytest.raises(OfficialListError, match=re.escape(message)):
            load_official_places(tmp_path / name)
    result = app.test_cli_runner().invoke(args=["load-places", str(tmp_path / "broken.json")])
    assert result.exit_code != 0 and "không phải JSON hợp lệ" in result.output


def real_wheel():
    """The pinned wheel, where `make places` keeps it or where it was fetched by hand."""
    candidates = [Path("/tmp/vp") / WHEEL_NAME, HERE.parents[1] / "instance" / "cache" / WHEEL_NAME]
    if os.environ.get("SOTAY_INSTANCE_PATH"):
        candidates.append(Path(os.environ["SOTAY_INSTANCE_PATH"]) / "cache" / WHEEL_NAME)
    return next((path for path in candidates if path.is_file()), None)


@pytest.mark.skipif(real_wheel() is None, reason="the vietnam-provinces wheel is not on this machine (make places)")
def test_the_real_list_has_34_provinces_and_3321_communes_and_loads_fast(app):
    started = time.monotonic()
    counts = load_official_places(real_wheel())
    db.session.commit()
    elapsed = time.monotonic() - started
    assert (counts["provinces"], counts["communes"]) == (34, 3321)
    assert official(14818) == ("Phường Quang Trung", "phường", 38)
    assert official(16000) == ("Xã Hoằng Thanh", "xã", 38)
    assert elapsed < 10, f"{elapsed:.1f} s"
    assert load_official_places(real_wheel())["added"] == 0
