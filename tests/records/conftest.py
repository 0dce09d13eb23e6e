"""Fixtures for the record tests."""

import pytest


@pytest.fixture
def created(login, villages):
    """created(type, data, username="vol.qt1") -> (record id, push result): a create in Thôn 1,
    pushed from a device of that user."""

    def create(record_type, data, username="vol.qt1"):
        caller = login(username)
        mutation = caller.create(record_type, villages["Thôn 1"], data)
        (result,) = caller.push_ok([mutation])
        return mutation["record_id"], result

    return create
