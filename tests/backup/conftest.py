"""An app on a fresh database migrated by Alembic, as in production (the shared `app` fixture
creates its tables without migrations, and a backup must carry its migration); real servers
(tests/sync/live_server.py); and a new PostgreSQL database to restore into."""

import uuid

import flask_migrate
import pytest
from sqlalchemy import create_engine, make_url, text

from server import create_app
from server.demo import seed_demo
from server.config import database_url
from server.extensions import db
from tests.conftest import FAST_HASHING, TEST_DATABASE_URL, FreshContextClient, empty_database
from tests.helpers import PASSWORD
from tests.sync.live_server import fresh_database, live_server  # noqa: F401 - fixtures, found by pytest here


@pytest.fixture
def migrated_app(backend, tmp_path):
    with empty_database(backend, tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, **FAST_HASHING})
        app.test_client_class = FreshContextClient
        app.instance_path = str(tmp_path)
        with app.app_context():
            flask_migrate.upgrade()
            seed_demo(PASSWORD)
            yield app
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def new_postgres_database():
    """new_postgres_database(schema) -> the URL of a new, empty database on TEST_DATABASE_URL's
    server whose search_path is `schema` (a dump restores into the schema it was taken from);
    dropped after the test."""
    names = []

    def admin():
        return create_engine(database_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")

    def make(schema):
        names.append(f"restore_{uuid.uuid4().hex[:12]}")
        engine = admin()
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{names[-1]}"'))
        engine.dispose()
        url = make_url(TEST_DATABASE_URL).set(database=names[-1]).render_as_string(hide_password=False)
        return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

    yield make
    if names:
        engine = admin()
        with engine.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
