"""Fixtures: an app on a fresh database per test, on SQLite always and on PostgreSQL when
TEST_DATABASE_URL is set (REQUIRE_POSTGRES=1 makes a missing PostgreSQL a failure, not a skip)."""

import dataclasses
import os
import uuid
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from server import create_app
from server.demo import seed_demo
from server.extensions import db
from server.forms import registry
from server.forms.schema import validator_for
from server.models import Village
from tests.helpers import PASSWORD, PUBLIC_STAND_IN, Caller, resolve_names

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
if os.environ.get("REQUIRE_POSTGRES") == "1" and not TEST_DATABASE_URL:
    raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")

FAST_HASHING = {"PASSWORD_TIME_COST": 1, "PASSWORD_MEMORY_KIB": 1024}


def postgres_url(schema):
    """TEST_DATABASE_URL with every connection's search_path set to `schema`."""
    from server.config import database_url

    base = database_url(TEST_DATABASE_URL)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def create_postgres_schema():
    schema = f"t_{uuid.uuid4().hex[:12]}"
    from server.config import database_url

    engine = create_engine(database_url(TEST_DATABASE_URL))
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:  # noqa: BLE001 - a clear failure beats a silent skip
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is not usable: {err}")
    finally:
        engine.dispose()
    return schema


def drop_postgres_schema(schema):
    from server.config import database_url

    engine = create_engine(database_url(TEST_DATABASE_URL))
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    return request.param


@contextmanager
def empty_database(backend, folder):
    """The URL of a new, empty database on this backend (a file in `folder`, or a schema), dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'test.sqlite3'}"
        return
    schema = create_postgres_schema()
    try:
        yield postgres_url(schema)
    finally:
        drop_postgres_schema(schema)


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """A database whose schema is created once per test session and backend."""
    with empty_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


_created = set()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as under a real server: its own `g` and its own
    database session, whatever context the test itself holds open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@contextmanager
def seeded_app(database_url, instance_path):
    """An app on `database_url`, emptied and seeded with the demo data, with its context pushed."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            **FAST_HASHING,
        }
    )
    app.test_client_class = FreshContextClient
    app.instance_path = str(instance_path)
    # The app makes VAPID keys at its first start; a test sends Web Push only when it asks for
    # keys (tests/push: vapid, with the loopback push service), so nothing leaves this machine.
    app.config.update(VAPID_PRIVATE_KEY=None, VAPID_PUBLIC_KEY=None)
    with app.app_context():
        if database_url not in _created:
            db.create_all()
            _created.add(database_url)
        _empty_all_tables()
        seed_demo(PASSWORD)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    with seeded_app(database_url, tmp_path) as app:
        yield app


def _empty_all_tables():
    """Every table emptied. The audit log's triggers refuse that (server/models/audit.py), so they
    are lifted while it runs: a step of the tests' own set-up, which the app never takes."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    else:
        triggers = db.session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        ).all()
        for name, _ in triggers:
            db.session.execute(text(f'DROP TRIGGER "{name}"'))
        for table in tables:
            db.session.execute(table.delete())
        db.session.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence() else None
        for _, sql in triggers:
            db.session.connection().exec_driver_sql(sql)
    db.session.commit()


def _has_sqlite_sequence():
    return db.session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first() is not None


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """login("vol.qt1") -> a Caller: a fresh device of that user, logged in."""

    def _login(username, password=PASSWORD, device_id=None):
        return Caller(client, username, password, device_id)

    return _login


@pytest.fixture
def villages(app):
    """Village ids by name."""
    return {v.name: v.id for v in db.session.execute(db.select(Village)).scalars()}


@contextmanager
def declared_before(type_name, *rule_names):
    """The app as it was before these rules of a type were declared: a record pushed meanwhile is
    stored as the old app stored it (through the real push, its history hash-chained), a record of
    the old shape that deployments hold."""
    declared = registry.RECORD_TYPES[type_name]
    old = dataclasses.replace(declared, rules=tuple(r for r in declared.rules if r.name not in rule_names))
    assert len(old.rules) == len(declared.rules) - len(rule_names), rule_names
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(registry.RECORD_TYPES, type_name, old)
        patch.setitem(registry._VALIDATORS, type_name, validator_for(old))
        yield


# Hosts tests give push subscriptions: names reserved for examples (RFC 2606), and Mozilla's push
# service, which the test of PUSH_ENDPOINT_HOSTS names.
EXAMPLE_PUSH_HOSTS = ("push.example.com", "push.example.invalid", "updates.push.services.mozilla.com")


@pytest.fixture(scope="session", autouse=True)
def _example_push_hosts_resolve():
    """A subscription is checked against the addresses its host resolves to (server/push/endpoints.py);
    this machine resolves no public name, so the example hosts resolve to a public stand-in, from
    the start of the session (module-scoped worlds subscribe too)."""
    with pytest.MonkeyPatch.context() as patch:
        resolve_names(patch, dict.fromkeys(EXAMPLE_PUSH_HOSTS, [PUBLIC_STAND_IN]))
        yield
