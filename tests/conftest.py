"""Fixtures for the whole suite.

The database is SQLite in a temporary folder, or PostgreSQL when TEST_DATABASE_URL is set. The
schema is built once per run by the real migrations; each test starts with empty tables.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from audit_forms import builtin_definition_paths, load_form
from server import create_app
from server.extensions import db as _db
from server.extensions import limiter
from server.models import ApiToken, Area, Branch, Role, User
from server.models.types import utcnow
from server.services import areas as area_service
from server.services.auth import hash_token
from server.services.forms import publish_forms

pytest_plugins = ["tests.fixtures.s3"]

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def _test_config(database_url: str, storage_dir: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_DIR": storage_dir,
        "RATELIMIT_STORAGE_URI": "memory://",
        "S3_BUCKET": None,
        "REDIS_URL": None,
    }


@pytest.fixture(scope="session")
def migrated_schema(database_url, tmp_path_factory) -> None:
    """A fresh schema for this run, built by `flask db upgrade`'s own code."""
    app = create_app(_test_config(database_url, str(tmp_path_factory.mktemp("storage"))))
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def storage_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("storage"))


@pytest.fixture
def app_config(database_url, storage_dir) -> dict[str, Any]:
    """The test app's settings; a module may override this fixture (e.g. for S3)."""
    return _test_config(database_url, storage_dir)


# Building an app builds its whole OpenAPI document: apps are kept per configuration (a few;
# per-test configurations such as an S3 bucket each would otherwise pile up).
_apps: dict[str, Flask] = {}
KEPT_APPS = 4


@pytest.fixture
def app(migrated_schema, app_config) -> Iterator[Flask]:
    key = repr(sorted(app_config.items()))
    if key not in _apps:
        while len(_apps) >= KEPT_APPS:
            _apps.pop(next(iter(_apps)))
        _apps[key] = create_app(app_config)
    app = _apps[key]
    pristine = dict(app.config)
    with app.app_context():
        yield app
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
        _db.engine.dispose()  # no idle connections left behind between tests
    app.config.clear()
    app.config.update(pristine)
    _empty_folder(app_config["STORAGE_DIR"])
    limiter.reset()


def _empty_folder(path: str) -> None:
    for child in os.scandir(path) if os.path.isdir(path) else ():
        if child.is_dir(follow_symlinks=False):
            shutil.rmtree(child.path)
        else:
            os.unlink(child.path)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


# Factories ---------------------------------------------------------------------------------

_serial = count(1)


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Hashing is deliberately slow; one hash serves every user the tests make.
    return generate_password_hash(PASSWORD)


@pytest.fixture
def make_area(db) -> Callable[..., Area]:
    def make(code: str | None = None, parent: Area | None = None, **overrides) -> Area:
        code = code or f"AREA-{next(_serial)}"
        area = area_service.create_area(
            code, overrides.pop("name", code.split("/")[-1]), parent.id if parent else None
        )
        for name, value in overrides.items():
            setattr(area, name, value)
        db.session.commit()
        return area

    return make


@pytest.fixture
def make_branch(db, make_area) -> Callable[..., Branch]:
    def make(**overrides) -> Branch:
        serial = next(_serial)
        values = {
            "code": f"BR-{serial:04d}",
            "name": f"Branch {serial}",
            "address": "ul. Piotrkowska 104",
            "city": "Łódź",
            "country": "PL",
            "timezone": "Europe/Warsaw",
            "locale": "pl",
            "latitude": 51.76,
            "longitude": 19.46,
            "target_score": Decimal("85"),
        }
        values.update(overrides)
        if "area" not in values:
            values["area"] = make_area()
        branch = Branch(**values)
        db.session.add(branch)
        db.session.commit()
        return branch

    return make


@pytest.fixture
def make_user(db, password_hash) -> Callable[..., User]:
    def make(role: Role = Role.AUDITOR, branches=(), areas=(), **overrides) -> User:
        serial = next(_serial)
        values = {
            "email": f"user{serial}@example.test",
            "name": f"User {serial}",
            "password_hash": password_hash,
            "role": role,
            "locale": "en",
        }
        values.update(overrides)
        user = User(**values, branches=list(branches), areas=list(areas))
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def auth_header(db) -> Callable[[User], dict[str, str]]:
    """A bearer header for a user: a token made as the login endpoint makes it, minus the
    deliberately slow password check (the login tests cover that)."""

    def header(user: User) -> dict[str, str]:
        raw = secrets.token_urlsafe(32)
        expires_at = utcnow() + timedelta(hours=1)
        db.session.add(ApiToken(user=user, token_hash=hash_token(raw), expires_at=expires_at))
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return header


@functools.cache
def _builtin_forms():
    return [(str(path), load_form(path)) for path in builtin_definition_paths()]


def _publish_builtin_forms() -> str:
    report = publish_forms(_builtin_forms())
    _db.session.commit()
    assert not report.problems, report.problems
    return "branch-visit"


class World:
    """A small network: two countries, a region with two cities, users of every role.

    PL > Łódzkie > Łódź: lodz_1, lodz_2     PL > Łódzkie > Pabianice: pabianice
    PL > Mazowieckie: warsaw                NO > Troms: tromso
    """

    def __init__(self, make_area, make_branch, make_user):
        self.pl = make_area("PL")
        self.lodzkie = make_area("PL/Łódzkie", parent=self.pl)
        self.lodz = make_area("PL/Łódzkie/Łódź", parent=self.lodzkie)
        self.pabianicki = make_area("PL/Łódzkie/Pabianicki", parent=self.lodzkie)
        self.mazowieckie = make_area("PL/Mazowieckie", parent=self.pl)
        self.no = make_area("NO")
        self.troms = make_area("NO/Troms", parent=self.no)
        self.lodz_1 = make_branch(code="PL-LDZ-001", name="Łódź Piotrkowska", area=self.lodz)
        self.lodz_2 = make_branch(code="PL-LDZ-002", name="Łódź Manufaktura", area=self.lodz)
        self.pabianice = make_branch(
            code="PL-LDZ-004", name="Pabianice Zamkowa", area=self.pabianicki
        )
        self.warsaw = make_branch(
            code="PL-WAW-001", name="Warszawa Marszałkowska", area=self.mazowieckie
        )
        self.tromso = make_branch(
            code="NO-TOS-001",
            name="Tromsø Storgata",
            area=self.troms,
            country="NO",
            timezone="Europe/Oslo",
            locale="nb",
        )
        self.admin = make_user(Role.ADMIN, email="admin@example.test")
        self.hq = make_user(Role.HQ, email="hq@example.test")
        self.regional = make_user(
            Role.REGIONAL_MANAGER, areas=[self.lodzkie], email="regional@example.test"
        )
        self.manager = make_user(
            Role.BRANCH_MANAGER, branches=[self.lodz_1], email="manager@example.test"
        )
        self.auditor = make_user(Role.AUDITOR, areas=[self.pl], email="auditor@example.test")
        self.form_key = _publish_builtin_forms()

    @property
    def branches(self) -> list[Branch]:
        return [self.lodz_1, self.lodz_2, self.pabianice, self.warsaw, self.tromso]

    def user(self, role: Role) -> User:
        return {
            Role.ADMIN: self.admin,
            Role.HQ: self.hq,
            Role.REGIONAL_MANAGER: self.regional,
            Role.BRANCH_MANAGER: self.manager,
            Role.AUDITOR: self.auditor,
        }[role]


@pytest.fixture
def world(make_area, make_branch, make_user) -> World:
    return World(make_area, make_branch, make_user)
