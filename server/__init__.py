"""Sổ Tay 06: the sync server for the offline-first Đề án 06 field notebook."""

import logging
import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from server.compression import register_compression
from server.config import Config, check_settings, database_url
from server.errors import register_error_handlers
from server.extensions import api, db, jwt, migrate
from server.instance import make_private
from server.jsonio import OrjsonProvider
from server.secrets import load_secrets
from server.security_headers import register_security_headers
import server.validation_messages  # noqa: F401 - marshmallow speaks Vietnamese before any schema is used
from server.sync.cursor import forget_stamp

log = logging.getLogger(__name__)


def create_app(config=None):
    app = Flask(__name__, static_folder=None, instance_path=os.environ.get("SOTAY_INSTANCE_PATH") or None)
    app.json = OrjsonProvider(app)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config.get("SQLALCHEMY_DATABASE_URI"))
    check_settings(app.config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'sotay06.sqlite3'}"
    make_private(app.instance_path, app.config["SQLALCHEMY_DATABASE_URI"])
    load_secrets(app)

    db.init_app(app)
    # Registered after Flask-SQLAlchemy's own, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(_end_session)
    migrate.init_app(app, db, render_as_batch=True, directory=str(Path(__file__).parent.parent / "migrations"))
    jwt.init_app(app)
    api.init_app(app)
    with app.app_context():
        _configure_engine(db.engine, int(app.config["DATABASE_LOCK_WAIT_SECONDS"] * 1000))
    register_error_handlers(app)
    register_security_headers(app)
    register_compression(app)
    _register_blueprints(app)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from server.cli import register_cli

    register_cli(app)
    return app


def _end_session(exc):
    """End the request's session even when the database went away during the request.

    Closing rolls back on the connection; if the server is gone that raises, and an error in a
    teardown escapes every error handler: the client would get gunicorn's HTML 500 instead of
    the answer already made. A dead connection is dropped from the pool without a word to it.
    """
    try:
        db.session.remove()
    except DBAPIError as err:
        log.warning("database connection lost while ending a request: %s", err)
        db.session().invalidate()
        db.session.remove()


def _register_blueprints(app):
    from server import site
    from server.admin.routes import blp as admin_blp
    from server.auth.routes import blp as auth_blp
    from server.conflicts.routes import blp as conflicts_blp
    from server.forms.routes import blp as forms_blp
    from server.places.routes import blp as places_blp
    from server.push.routes import blp as push_blp
    from server.records.routes import blp as records_blp
    from server.reports.routes import blp as reports_blp
    from server.reports.submission_routes import blp as submissions_blp
    from server.review.routes import blp as review_blp
    from server.sync.routes import blp as sync_blp

    for blueprint in (
        auth_blp,
        forms_blp,
        sync_blp,
        records_blp,
        review_blp,
        conflicts_blp,
        admin_blp,
        places_blp,
        reports_blp,
        submissions_blp,
        push_blp,
        site.bp,
    ):
        api.register_blueprint(blueprint)


def _configure_engine(engine, lock_wait_ms):
    """A write waits at most `lock_wait_ms` for a lock another transaction holds, then fails (503
    with Retry-After): well inside gunicorn's 30 s worker timeout, so a lock held too long (a
    stuck session, another instance's long write) never hangs the workers of every instance."""
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _postgres_settings(dbapi_connection, connection_record):
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {lock_wait_ms}")
            dbapi_connection.commit()

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record):
        # WAL lets readers pull while a writer pushes; writers wait for the lock instead of failing.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoint the WAL every ~40 MiB instead of every 4 MiB: a push dirties ~300 index pages,
        # so the default ran a checkpoint (two fsyncs) every third push; the pages that many pushes
        # rewrite are now copied back once (docs/performance.md).
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute(f"PRAGMA busy_timeout={lock_wait_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session, transaction):
    if transaction.parent is None:
        forget_stamp(session)
