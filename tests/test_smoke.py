from tests.helpers import vneid_data


def test_volunteer_pushes_and_pulls_a_record(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data())
    results = volunteer.push_ok([mutation])
    assert results[0]["status"] == "applied"
    records, _, _ = volunteer.pull_all()
    assert records[mutation["record_id"]]["data"]["full_name"] == "Nguyễn Thị Lan"
