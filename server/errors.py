"""Errors outside flask-smorest's own handling, answered in its JSON error shape."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.http import HTTP_STATUS_CODES

from server.extensions import db
from server.services.errors import AuthenticationFailed, DomainError, ServiceUnavailable
from server.storage import StorageUnavailable

# A unique constraint's name (see NAMING_CONVENTION) or SQLite's "table.column" -> the field.
_UNIQUE_NAME = re.compile(r"uq_(?P<table>[a-z]+(?:_[a-z]+)*?s)_(?P<field>[a-z_]+)")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<table>\w+)\.(?P<field>\w+)")


def json_error(
    status: int,
    message: str,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
):
    """The same payload flask-smorest gives its own errors: code, status, message, errors."""
    payload: dict[str, Any] = {
        "code": status,
        "status": HTTP_STATUS_CODES.get(status, "Error"),
        "message": message,
    }
    if errors:
        payload["errors"] = dict(errors)
    return payload, status, dict(headers or {})


def field_of_integrity_error(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name and (match := _UNIQUE_NAME.fullmatch(name)):
        return match["field"]
    if match := _SQLITE_UNIQUE.search(str(error.orig)):
        return match["field"]
    return None


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        headers = {}
        if isinstance(error, AuthenticationFailed):
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(error, ServiceUnavailable):
            headers["Retry-After"] = "5"
        return json_error(error.status, error.message, error.errors, headers)

    @app.errorhandler(StorageUnavailable)
    def handle_storage_unavailable(error: StorageUnavailable):
        current_app.logger.warning("storage unavailable: %s", error)
        return json_error(
            503, "Photo storage is unavailable; try again shortly.", headers={"Retry-After": "5"}
        )

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error: IntegrityError):
        db.session.rollback()
        field = field_of_integrity_error(error)
        if field:
            return json_error(409, f"{field} already exists.", {field: ["Already in use."]})
        return json_error(409, "This conflicts with existing data.")

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def handle_number_out_of_range(error):
        # A number in a query beyond the database's range (e.g. ?branch_id=2**63).
        db.session.rollback()
        return json_error(422, "A number in the request is out of range.")

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(error: OperationalError):
        # A database that is down or restarting is a 503 that clients retry, not a 500.
        db.session.rollback()
        current_app.logger.exception("database error")
        return json_error(
            503, "The database is unavailable; try again shortly.", headers={"Retry-After": "5"}
        )
