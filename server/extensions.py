"""The shared extension objects: created here, bound to an app in create_app()."""

from flask_jwt_extended import JWTManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from server.errors import ErrorEnvelopeSchema


# A naming convention lets Alembic name, and so alter, constraints on SQLite as on PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class EnvelopeApi(Api):
    """flask-smorest's Api, with error rendering left to server.errors (one envelope)."""

    ERROR_SCHEMA = ErrorEnvelopeSchema
    # No catch-all "default" answer: each operation lists the errors it gives (Blueprint.errors),
    # so the document says which statuses a client can get, and the fuzz test holds it to that.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
jwt = JWTManager()
api = EnvelopeApi()
