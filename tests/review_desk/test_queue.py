"""The review queue: GET /records with the author's name, the duplicate flag, work-day bounds and sorting."""

from datetime import datetime, timedelta, timezone

from tests.helpers import body_of, death_data, delete, propaganda_data, update, vneid_data

VIETNAM = timezone(timedelta(hours=7))
SAME_ID = "038190012345"  # vneid_data's person: a woman born in 1990
OTHER_ID = "038190054321"


def _push(caller, *mutations):
    results = caller.push_ok(list(mutations))
    assert all(r["status"] == "applied" for r in results), results
    return [m["record_id"] for m in mutations]


def _items(caller, **query):
    response = caller.get("/records", query_string={"per_page": 200, **query})
    assert response.status_code == 200, body_of(response)
    return {r["id"]: r for r in body_of(response)["items"]}


def test_each_item_names_its_author(login, villages):
    volunteer = login("vol.qt1")
    [rid] = _push(volunteer, volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data()))
    item = _items(login("police.qt"))[rid]
    assert item["created_by"] == volunteer.user["id"]
    assert item["created_by_name"] == volunteer.user["full_name"]
    detail = body_of(login("police.qt").get(f"/records/{rid}"))
    assert detail["created_by_name"] == volunteer.user["full_name"] and detail["possible_duplicate"] is False


def test_the_same_personal_id_twice_in_a_commune_flags_both_records(login, villages):
    first, second = login("vol.qt1"), login("vol.qt3")
    [a] = _push(first, first.create("vneid_activation", villages["Thôn 1"], vneid_data()))
    [b] = _push(second, second.create("vneid_activation", villages["Thôn 3"], vneid_data(full_name="Nguyễn T. Lan")))
    [c] = _push(first, first.create("vneid_activation", villages["Thôn 2"], vneid_data(personal_id=OTHER_ID)))
    police = login("police.qt")
    items = _items(police)
    assert (items[a]["possible_duplicate"], items[b]["possible_duplicate"], items[c]["possible_duplicate"]) == (
        True,
        True,
        False,
    )
    assert set(_items(police, possible_duplicate="true")) == {a, b}
    assert set(_items(police, possible_duplicate="false")) == {c}
    assert body_of(police.get(f"/records/{a}"))["possible_duplicate"] is True


def test_a_duplicate_counts_only_live_records_of_the_same_type_and_commune(login, villages):
    volunteer, other_commune = login("vol.qt1"), login("vol.ch1")
    [kept] = _push(volunteer, volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data()))
    _push(other_commune, other_commune.create("vneid_activation", villages["Thôn Đông"], vneid_data()))
    # A death check of someone with the same number is another kind of record, not a duplicate.
    _push(
        volunteer,
        volunteer.create("death_check", villages["Thôn 1"], death_data(deceased_personal_id="038040012345")),
        volunteer.create(
            "vneid_activation",
            villages["Thôn 2"],
            vneid_data(
                personal_id="038040012345", date_of_birth="1940-01-01", gender="nam", full_name="Trần Văn Cường"
            ),
        ),
    )
    police = login("police.qt")
    assert _items(police)[kept]["possible_duplicate"] is False
    assert _items(police, possible_duplicate="true") == {}

    [again] = _push(volunteer, volunteer.create("vneid_activation", villages["Thôn 2"], vneid_data()))
    assert set(_items(police, possible_duplicate="true")) == {kept, again}
    volunteer.push_ok([delete(again, 1)])
    assert _items(police, possible_duplicate="true") == {}
    assert _items(police, deleted="true")[again]["possible_duplicate"] is True  # the live one is still there


def test_two_death_checks_of_one_personal_id_are_flagged(login, villages):
    volunteer, police = login("vol.qt1"), login("police.qt")
    ids = _push(
        volunteer,
        *[
            volunteer.create("death_check", villages["Thôn 1"], death_data(deceased_personal_id="038040012345"))
            for _ in range(2)
        ],
    )
    assert set(_items(police, possible_duplicate="true", type="death_check")) == set(ids)


def test_a_volunteer_learns_nothing_of_records_outside_their_scope_from_the_flag(login, villages):
    first, second = login("vol.qt1"), login("vol.qt2")
    _push(first, first.create("vneid_activation", villages["Thôn 1"], vneid_data()))
    [mine] = _push(second, second.create("vneid_activation", villages["Thôn 1"], vneid_data()))
    assert _items(second)[mine]["possible_duplicate"] is False
    assert _items(second, possible_duplicate="true") == {}
    assert body_of(second.get(f"/records/{mine}"))["possible_duplicate"] is False
    # Village staff read the whole village, so they see it.
    assert _items(login("staff.qt"))[mine]["possible_duplicate"] is True


def test_from_and_to_bound_the_work_day_as_reports_count_it(login, villages):
    volunteer = login("vol.qt1")
    helped_10, helped_12, session_11 = _push(
        volunteer,
        volunteer.create("vneid_activation", villages["Thôn 1"], vneid_data(activity_date="2026-11-10")),
        volunteer.create(
            "vneid_activation", villages["Thôn 1"], vneid_data(activity_date="2026-11-12", personal_id=OTHER_ID)
        ),
        volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data(activity_date="2026-11-11")),
    )
    [no_date] = _push(
        volunteer,
        volunteer.create(
            "vneid_activation", villages["Thôn 2"], vneid_data(activity_date=None, personal_id="038190099999")
        ),
    )
    # A death check counts on the day it was recorded, not the day of death (2023-04 here).
    [death] = _push(volunteer, volunteer.create("death_check", villages["Thôn 1"], death_data()))
    police = login("police.qt")
    recorded = datetime.fromisoformat(_items(police)[death]["created_at"].replace("Z", "+00:00"))
    today = recorded.astimezone(VIETNAM).date().isoformat()

    assert set(_items(police, **{"from": "2026-11-10", "to": "2026-11-11"})) == {helped_10, session_11}
    assert set(_items(police, **{"from": "2026-11-11", "to": "2026-11-12"})) == {session_11, helped_12}
    assert set(_items(police, to="2026-11-10")) == {helped_10}
    assert set(_items(police, **{"from": "2026-11-12"})) == {helped_12, no_date, death}
    assert set(_items(police, **{"from": today, "to": today})) == {no_date, death}
    assert set(_items(police, **{"from": "2023-04-01", "to": "2023-04-30"})) == set()
    assert set(_items(police, **{"from": "2026-11-10", "to": "2026-11-12"}, type="vneid_activation")) == {
        helped_10,
        helped_12,
    }


def test_from_after_to_or_a_bad_date_is_422_naming_it(login):
    police = login("police.qt")
    for query, name in (
        ({"from": "2026-11-12", "to": "2026-11-11"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "12/11/2026"}, "to"),
        ({"sort": "full_name"}, "sort"),
        ({"possible_duplicate": "perhaps"}, "possible_duplicate"),
    ):
        response = police.get("/records", query_string=query)
        assert response.status_code == 422, (query, body_of(response))
        assert name in body_of(response)["error"]["fields"], body_of(response)


def test_sort_orders_by_creation_or_last_change_either_way(login, villages):
    volunteer = login("vol.qt1")
    ids = []
    for _ in range(3):
        ids += _push(volunteer, volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data()))
    volunteer.push_ok([update(ids[0], 1, {"notes": "sửa sau cùng"})])

    def order(sort=None):
        query = {"sort": sort} if sort else {}
        return [r["id"] for r in body_of(volunteer.get("/records", query_string=query))["items"]]

    assert order() == order("-updated_at") == [ids[0], ids[2], ids[1]]
    assert order("updated_at") == [ids[1], ids[2], ids[0]]
    assert order("created_at") == ids
    assert order("-created_at") == ids[::-1]


def test_the_queue_combines_author_state_and_paging(login, villages):
    first, second, police = login("vol.qt1"), login("vol.qt3"), login("police.qt")
    mine = _push(first, *[first.create("propaganda_session", villages["Thôn 1"], propaganda_data()) for _ in range(5)])
    _push(second, second.create("propaganda_session", villages["Thôn 3"], propaganda_data()))
    police.post(f"/records/{mine[0]}/review", json={"action": "approve", "base_version": 1})
    query = {"created_by": first.user["id"], "review_state": "submitted", "sort": "created_at", "per_page": 2}
    pages = [body_of(police.get("/records", query_string={**query, "page": n})) for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [4, 4, 4]
    # One push stamps its records with one time: the id breaks the tie.
    assert [r["id"] for p in pages for r in p["items"]] == sorted(mine[1:])
    assert all(r["created_by_name"] == first.user["full_name"] for p in pages for r in p["items"])
