"""GET and PUT /targets: the admin sets them, police read them, nobody else; checked per item."""

import pytest

from tests.helpers import body_of


def put(caller, *targets):
    return caller.request("PUT", "/targets", json={"targets": list(targets)})


def test_the_admin_sets_changes_and_removes_targets_and_police_read_them(login, villages):
    admin = login("admin.qt")
    response = put(
        admin,
        {"measure": "vneid_activated_level_2", "period": "2026", "value": 600},
        {
            "measure": "outreach_sessions",
            "village_id": villages["Thôn 3"],
            "from": "2026-01-01",
            "to": "2026-06-30",
            "value": 12,
        },
    )
    assert response.status_code == 200, body_of(response)
    items = body_of(response)["items"]
    assert [(t["measure"], t["village_id"], t["period"], t["from"], t["to"], t["value"]) for t in items] == [
        ("vneid_activated_level_2", None, "2026", "2026-01-01", "2026-12-31", 600),
        # Six months from the 1st of January is the first half, by its name (sơ kết 6 tháng).
        ("outreach_sessions", villages["Thôn 3"], "2026-H1", "2026-01-01", "2026-06-30", 12),
    ]
    put(
        admin,
        {"measure": "vneid_activated_level_2", "period": "2026", "value": 650},
        {
            "measure": "outreach_sessions",
            "village_id": villages["Thôn 3"],
            "period": "2026-H1",
            "value": None,
        },
    )
    police = body_of(login("police.qt").get("/targets"))
    assert [(t["measure"], t["value"]) for t in police["items"]] == [("vneid_activated_level_2", 650)]
    assert {m["key"] for m in police["measures"]} >= {
        "vneid_activated",
        "vneid_activated_level_1",
        "vneid_activated_level_2",
        "death_cases_certified_percent",
        "outreach_sessions",
        "people_reached",
    }
    filtered = body_of(login("police.qt").get("/targets", query_string={"period": "2027"}))
    assert filtered["items"] == []
    audit = body_of(admin.get("/audit", query_string={"action": "targets.update"}))
    assert audit["total"] == 2


@pytest.mark.parametrize(
    "username, get_status, put_status",
    [("admin.qt", 200, 200), ("police.qt", 200, 403), ("staff.qt", 403, 403), ("vol.qt1", 403, 403)],
)
def test_targets_by_role(login, username, get_status, put_status):
    caller = login(username)
    assert caller.get("/targets").status_code == get_status
    assert put(caller, {"measure": "vneid_activated", "period": "2026", "value": 1}).status_code == put_status


def test_a_commune_never_sees_the_others_targets(login, villages):
    put(login("admin.qt"), {"measure": "vneid_activated", "period": "2026", "value": 600})
    assert body_of(login("admin.ch").get("/targets"))["items"] == []
    response = put(
        login("admin.ch"),
        {"measure": "vneid_activated", "village_id": villages["Thôn 1"], "period": "2026", "value": 5},
    )
    assert response.status_code == 422 and "targets.0.village_id" in body_of(response)["error"]["fields"]


@pytest.mark.parametrize(
    "item, field",
    [
        ({"measure": "happiness", "period": "2026", "value": 1}, "targets.0.measure"),
        ({"measure": "vneid_activated", "period": "2026-13", "value": 1}, "targets.0.period"),
        ({"measure": "vneid_activated", "value": 1}, "targets.0.period"),
        ({"measure": "vneid_activated", "from": "2026-05-01", "to": "2026-04-01", "value": 1}, "targets.0.from"),
        ({"measure": "vneid_activated", "from": "2026-05-01", "value": 1}, "targets.0.to"),
        ({"measure": "vneid_activated", "period": "2026", "value": -1}, "targets.0.value"),
        ({"measure": "vneid_activated", "period": "2026", "value": "600"}, "targets.0.value"),
        ({"measure": "vneid_activated", "period": "2026", "value": 10**12}, "targets.0.value"),
        ({"measure": "vneid_activated", "period": "2026"}, "targets.0.value"),
        ({"measure": "death_cases_certified_percent", "period": "2026", "value": 101}, "targets.0.value"),
        ({"measure": "vneid_activated", "period": "2026", "village_id": 2**40, "value": 1}, "targets.0.village_id"),
        ({"measure": "vneid_activated", "period": "2026\x00", "value": 1}, "targets.0.period"),
        ("not an object", "targets.0._schema"),
    ],
)
def test_a_bad_target_is_422_naming_it_and_nothing_is_saved(login, item, field):
    admin = login("admin.qt")
    good = {"measure": "people_reached", "period": "2026", "value": 5000}
    response = put(admin, item, good)
    assert response.status_code == 422, body_of(response)
    assert field in body_of(response)["error"]["fields"], body_of(response)
    assert body_of(admin.get("/targets"))["items"] == []


def test_the_same_target_twice_in_one_request_is_422(login):
    item = {"measure": "vneid_activated", "period": "2026", "value": 1}
    response = put(login("admin.qt"), item, dict(item, value=2))
    assert response.status_code == 422 and "targets.1" in body_of(response)["error"]["fields"]


@pytest.mark.parametrize("body", [{}, {"targets": "x"}, {"targets": [{}] * 501}, []])
def test_a_bad_body_is_422(login, body):
    response = login("admin.qt").request("PUT", "/targets", json=body)
    assert response.status_code == 422, body_of(response)
