"""The roles table (server/roles.py, PROTOCOL.md §3) in use: the civil status officer verifies
and certifies the commune's death cases and does nothing else; the commune leader reads
figures, never a record; an admin gives these roles to its users. Which endpoint each role may
call is tests/test_scope_matrix.py."""

import pytest

from server import roles
from tests.helpers import PASSWORD, body_of, death_data, update, vneid_data

CERTIFICATE = {"certificate_number": "21/2026/TP-KT", "certificate_date": "2026-11-20"}


@pytest.fixture
def death_case(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("death_check", villages["Thôn 1"], death_data())
    assert volunteer.push_ok([mutation])[0]["status"] == "applied"
    return mutation["record_id"]


def test_the_demo_has_a_civil_status_officer_and_a_commune_leader(login):
    for username, role in (("civil.qt", "civil_status"), ("leader.qt", "commune_viewer")):
        me = body_of(login(username).get("/auth/me"))
        assert (me["role"], me["commune_name"]) == (role, "Phường Quang Trung")
        assert me["powers"] == sorted(roles.ROLES[role].powers)


def test_the_civil_status_officer_verifies_and_certifies_a_death_case(login, death_case):
    officer = login("civil.qt")
    (verified,) = officer.push_ok([update(death_case, 1, {"case_status": "verified_unregistered"})])
    assert verified["status"] == "applied", verified
    (certified,) = officer.push_ok([update(death_case, 2, {"case_status": "certificate_issued", **CERTIFICATE})])
    assert certified["status"] == "applied", certified
    record = body_of(officer.get(f"/records/{death_case}"))
    assert (record["data"]["case_status"], record["data"]["certificate_number"]) == (
        "certificate_issued",
        "21/2026/TP-KT",
    )


def test_the_civil_status_officer_changes_nothing_but_the_workflow(login, death_case, villages):
    officer = login("civil.qt")
    (result,) = officer.push_ok([update(death_case, 1, {"deceased_name": "Tên khác"})])
    assert result["error"]["code"] == "field_not_editable", result
    (created,) = officer.push_ok([officer.create("death_check", villages["Thôn 1"], death_data())])
    assert created["error"]["code"] == "village_not_allowed", created
    response = officer.post(f"/records/{death_case}/review", json={"action": "approve", "base_version": 1})
    assert response.status_code == 403


def test_the_civil_status_officer_reads_death_cases_only(login, villages, death_case):
    volunteer = login("vol.qt1")
    other = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    volunteer.push_ok([other])
    officer = login("civil.qt")
    assert officer.get(f"/records/{other['record_id']}").status_code == 404
    listed = {r["id"] for r in body_of(officer.get("/records"))["items"]}
    assert death_case in listed and other["record_id"] not in listed


def test_the_commune_leader_reads_figures_and_no_record(login, death_case):
    leader = login("leader.qt")
    progress = body_of(leader.get("/reports/progress", query_string={"count": "submitted_and_approved"}))
    assert progress["commune"]["name"] == "Phường Quang Trung"
    assert leader.get(f"/records/{death_case}").status_code == 404
    assert leader.get("/records").status_code == 403
    pulled = body_of(leader.get("/sync/pull", query_string={"device_id": leader.device_id}))
    assert pulled["changes"] == []
    assert leader.get("/reports/export", query_string={"format": "csv"}).status_code == 403


@pytest.mark.parametrize("role", ["civil_status", "commune_viewer"])
def test_an_admin_gives_a_user_one_of_the_new_roles(login, client, role):
    admin = login("admin.qt")
    username = f"moi.{role}"
    response = admin.post(
        "/users", json={"username": username, "password": PASSWORD, "full_name": "Cán bộ mới", "role": role}
    )
    assert response.status_code == 201, body_of(response)
    assert body_of(login(username).get("/auth/me"))["role"] == role


def test_the_forms_document_labels_every_role_of_the_table(login):
    document = body_of(login("vol.qt1").get("/forms"))
    assert [r["code"] for r in document["roles"]] == list(roles.CODES)
    labels = {r["code"]: r["label"]["vi"] for r in document["roles"]}
    assert labels["civil_status"] == "Tư pháp - Hộ tịch"


def test_an_admin_cannot_give_up_the_power_to_administer(login):
    admin = login("admin.qt")
    response = admin.request("PATCH", f"/users/{admin.user['id']}", json={"role": "commune_viewer"})
    assert response.status_code == 409 and body_of(response)["error"]["code"] == "cannot_change_self"
