"""PROTOCOL.md §7: pull pages, cursors, reset, last_mutation_id."""

from tests.helpers import propaganda_data, update


def test_paging_until_has_more_is_false_yields_the_whole_scope_once_per_page(login, villages):
    volunteer = login("vol.qt1")
    mutations = [
        volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data(people_reached=i)) for i in range(23)
    ]
    volunteer.push_ok(mutations)
    seen, cursor, pages = [], None, 0
    while True:
        page = volunteer.pull(cursor, limit=5)
        pages += 1
        ids = [c["record"]["id"] for c in page["changes"]]
        assert len(ids) == len(set(ids)) <= 5
        seen.extend(ids)
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert pages == 5
    assert sorted(seen) == sorted(m["record_id"] for m in mutations)


def test_a_pull_after_the_cursor_returns_only_later_changes_at_their_latest_version(login, villages):
    volunteer = login("vol.qt1")
    first = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    second = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    volunteer.push_ok([first, second])
    _, cursor, _ = volunteer.pull_all()
    volunteer.push_ok(
        [update(first["record_id"], 1, {"people_reached": 1}), update(first["record_id"], 2, {"people_reached": 2})]
    )
    page = volunteer.pull(cursor)
    assert [(c["record"]["id"], c["record"]["version"]) for c in page["changes"]] == [(first["record_id"], 3)]
    assert page["changes"][0]["record"]["data"]["people_reached"] == 2
    empty = volunteer.pull(page["cursor"])
    assert empty["changes"] == [] and empty["has_more"] is False and empty["reset"] is False


def test_last_mutation_id_says_which_mutations_are_reflected(login, villages):
    volunteer = login("vol.qt1")
    assert volunteer.pull()["last_mutation_id"] == 0
    volunteer.push_ok([volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data()) for _ in range(3)])
    assert volunteer.pull()["last_mutation_id"] == 3


def test_an_unknown_cursor_resets_and_serves_from_the_start(login, villages):
    volunteer = login("vol.qt1")
    mutation = volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    volunteer.push_ok([mutation])
    for bogus in ("not-a-cursor", "AAAA", "x" * 150):
        page = volunteer.pull(bogus)
        assert page["reset"] is True
        assert [c["record"]["id"] for c in page["changes"]] == [mutation["record_id"]]


def test_a_cursor_from_another_scope_resets(login, villages):
    volunteer, admin = login("vol.qt1"), login("admin.qt")
    volunteer.push_ok([volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())])
    _, cursor, _ = volunteer.pull_all()
    # The volunteer gains a village: what they may see changed, so the old cursor is not trusted.
    admin.request(
        "PATCH",
        f"/users/{volunteer.user['id']}",
        json={"village_ids": [villages["Thôn 1"], villages["Thôn 2"], villages["Thôn 3"]]},
    )
    assert volunteer.pull(cursor)["reset"] is True


def test_a_conflict_flag_reaches_devices_by_pull(login, villages):
    phone, tablet = login("vol.qt1"), login("vol.qt1")
    mutation = phone.create("propaganda_session", villages["Thôn 1"], propaganda_data())
    phone.push_ok([mutation])
    _, cursor, _ = phone.pull_all()
    phone.push_ok([update(mutation["record_id"], 1, {"people_reached": 1})])
    _, cursor, _ = phone.pull_all(cursor)
    tablet.push_ok([update(mutation["record_id"], 1, {"people_reached": 2})])
    records, _, _ = phone.pull_all(cursor)
    assert records[mutation["record_id"]]["has_conflict"] is True


def test_a_forged_cursor_with_an_impossible_stamp_resets(login, villages):
    import base64

    volunteer = login("vol.qt1")
    volunteer.push_ok([volunteer.create("propaganda_session", villages["Thôn 1"], propaganda_data())])
    _, cursor, _ = volunteer.pull_all()
    scope = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split(".")[2]
    for stamp, record_id in ((2**63, ""), (10**30, ""), (-1, ""), (5, "a\x00b")):
        forged = base64.urlsafe_b64encode(f"{stamp}.{record_id}.{scope}".encode()).decode().rstrip("=")
        page = volunteer.pull(forged)
        assert page["reset"] is True and len(page["changes"]) == 1
