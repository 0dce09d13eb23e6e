"""Fixtures for the sync tests that run real gunicorn servers."""

from tests.sync.live_server import fresh_database, live_server  # noqa: F401 - fixtures, found by pytest here
