"""Configuration: defaults in a class, overrides from the environment read at factory time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-not-secret"  # refused when APP_ENV=production


class Config:
    APP_ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite under the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # Photos stream to storage; everything else is small JSON. 20 MB leaves room for a 15 MB photo.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    STORAGE_DIR: str | None = None  # None: <instance>/storage
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None
    S3_PUBLIC_ENDPOINT_URL: str | None = None
    S3_REGION: str | None = None
    S3_ADDRESSING_STYLE: str | None = None
    REDIS_URL: str | None = None

    PHOTO_MAX_BYTES = 15 * 1024 * 1024
    PHOTO_MAX_PIXELS = 50_000_000
    PHOTO_UPLOAD_SECONDS = 15 * 60  # validity of a presigned upload
    PHOTO_DOWNLOAD_SECONDS = 5 * 60  # validity of a presigned download
    UNCOMPLETED_UPLOAD_HOURS = 24  # `flask sweep-uploads` deletes older reservations
    CLOCK_SKEW_SECONDS = 5 * 60  # a phone's clock may run this far ahead
    MAX_VISIT_HOURS = 12  # a visit longer than a working day is a mistake

    # QA flags (they inform reviewers; they never block a submission)
    QA_GPS_EXPECTED = True
    QA_GPS_MAX_DISTANCE_M = 300
    QA_SUBMISSION_DELAY_HOURS = 48
    QA_PHOTO_TIME_TOLERANCE_MINUTES = 15
    # Plausible visit length in minutes (shortest, longest) per form key; "*" for the others.
    QA_VISIT_MINUTES = {"branch-visit": (5, 90), "phone-enquiry": (2, 45), "*": (3, 120)}
    # What branch staff see of when a visit happened: "minute" or only the "date".
    BRANCH_STAFF_VISIT_TIME = "minute"

    TOKEN_TTL_HOURS = 24 * 30
    # Failed logins only (successful ones are not counted), per account and per address.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"

    API_TITLE = "Mystery-shopper audit platform"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI's files come from the swagger-ui-bundle package, so the docs work offline.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"
    API_SPEC_OPTIONS = {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
    # Per token: generous for a phone retrying, tight enough to stop a runaway client.
    VISIT_SUBMISSION_LIMIT = "120 per minute"
    PHOTO_RESERVATION_LIMIT = "300 per minute"
    # Retention: photos and personal data (GPS, device, comments, capture metadata) of visits
    # older than this are removed by `flask purge`; scores and aggregates stay.
    RETENTION_DAYS = 730
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"


# Environment variable -> config key (and a converter).
ENVIRONMENT = {
    "APP_ENV": ("APP_ENV", str),
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "STORAGE_DIR": ("STORAGE_DIR", str),
    "S3_BUCKET": ("S3_BUCKET", str),
    "S3_ENDPOINT_URL": ("S3_ENDPOINT_URL", str),
    "S3_PUBLIC_ENDPOINT_URL": ("S3_PUBLIC_ENDPOINT_URL", str),
    "S3_REGION": ("S3_REGION", str),
    "S3_ADDRESSING_STYLE": ("S3_ADDRESSING_STYLE", str),
    "REDIS_URL": ("REDIS_URL", str),
    "MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "TOKEN_TTL_HOURS": ("TOKEN_TTL_HOURS", int),
    "PHOTO_MAX_BYTES": ("PHOTO_MAX_BYTES", int),
    "PHOTO_MAX_PIXELS": ("PHOTO_MAX_PIXELS", int),
    "QA_GPS_MAX_DISTANCE_M": ("QA_GPS_MAX_DISTANCE_M", int),
    "QA_SUBMISSION_DELAY_HOURS": ("QA_SUBMISSION_DELAY_HOURS", int),
    "BRANCH_STAFF_VISIT_TIME": ("BRANCH_STAFF_VISIT_TIME", str),
    "VISIT_SUBMISSION_LIMIT": ("VISIT_SUBMISSION_LIMIT", str),
    "PHOTO_RESERVATION_LIMIT": ("PHOTO_RESERVATION_LIMIT", str),
    "RETENTION_DAYS": ("RETENTION_DAYS", int),
}


class ConfigError(RuntimeError):
    """The configuration cannot work; raised at start-up, before serving anything."""


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    return {
        key: convert(environ[name])
        for name, (key, convert) in ENVIRONMENT.items()
        if environ.get(name)
    }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (Heroku style included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def finalise(config: dict[str, Any], instance_path: str) -> None:
    """Fill derived settings and refuse settings that cannot be right."""
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "audit.db")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("STORAGE_DIR"):
        config["STORAGE_DIR"] = str(Path(instance_path) / "storage")
    if config.get("REDIS_URL") and config.get("RATELIMIT_STORAGE_URI") == "memory://":
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    if config["APP_ENV"] == "production" and config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise ConfigError("SECRET_KEY must be set to a long random value when APP_ENV=production")
