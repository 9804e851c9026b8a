from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db
from server.services.errors import ServiceUnavailable


def check() -> dict[str, str]:
    """The service's health; ServiceUnavailable when the database does not answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        raise ServiceUnavailable(
            "The database is unavailable.", {"database": ["Not reachable."]}
        ) from error
    return {"status": "ok", "database": "ok"}
