"""Extensions, created unbound and bound to an app in create_app()."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that migrations can alter them and errors can name the field.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _sqlite_unicode_lower(dbapi_connection, connection_record) -> None:
    """SQLite's lower() folds only ASCII; searching "łódź" must find "Łódź" as PostgreSQL does."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(
            "lower",
            1,
            lambda value: value.lower() if isinstance(value, str) else value,
            deterministic=True,
        )
