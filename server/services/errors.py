"""Domain errors raised by services; the HTTP edge turns each into a JSON error of its status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


class NotFound(DomainError):
    """Also what an object outside the caller's scope looks like."""

    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Gone(DomainError):
    """The object existed and was deleted for good (a tombstone answers)."""

    status = 410


class PayloadTooLarge(DomainError):
    status = 413


class InvalidInput(DomainError):
    status = 422


class AuthenticationFailed(DomainError):
    status = 401


class ServiceUnavailable(DomainError):
    """A dependency (database, storage) is down; clients retry after Retry-After."""

    status = 503
