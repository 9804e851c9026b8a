"""Fixtures of the fuzz tests: their own app settings and a world with visits and photos in it.

The fuzz tests make thousands of requests. On SQLite they run with `PRAGMA synchronous=OFF`
(no fsync per commit): it changes nothing a test can observe (transactions, locking and
isolation stay as they are), only what survives a power cut, and it makes the suite about five
times faster. On PostgreSQL (TEST_DATABASE_URL) nothing is changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from server.extensions import db as _db
from server.models import ApiToken, Role
from server.models.types import utcnow
from server.services import forms
from tests.conftest import World, _test_config
from tests.fuzz import phone


def fuzz_setting(name: str, default: int) -> int:
    """A budget read from the environment, e.g. FUZZ_EXAMPLES=500 for a deep run."""
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def write_report(name: str, data: Any) -> None:
    """Write what a run did (JSON) into the folder FUZZ_REPORT_DIR names, if it is set."""
    folder = os.environ.get("FUZZ_REPORT_DIR", "").strip()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / name).write_text(json.dumps(data, indent=1), encoding="utf-8")


@pytest.fixture
def app_config(database_url, storage_dir) -> dict[str, Any]:
    config = _test_config(database_url, storage_dir)
    # A distinct setting gives the fuzz tests their own app (and engine) in conftest's cache.
    config["FUZZ_SQLITE_WITHOUT_FSYNC"] = True
    # Each test makes far more submissions per token than a phone would: no 429s for them.
    config["VISIT_SUBMISSION_LIMIT"] = "100000 per minute"
    config["PHOTO_RESERVATION_LIMIT"] = "100000 per minute"
    return config


def _synchronous_off(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


@pytest.fixture(autouse=True)
def _sqlite_without_fsync(app) -> None:
    engine: Engine = _db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _synchronous_off):
        event.listen(engine, "connect", _synchronous_off)
        engine.dispose()  # connections made before the listener get it on reconnect


@dataclass
class Seeded:
    """Ids and bearer headers of a world with stored data of every kind (ids that hit rows)."""

    headers: dict[Role, dict[str, str]]
    ids: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class _Snapshot:
    seeded: Seeded
    rows: list[tuple[Any, list[dict[str, Any]]]]
    files: dict[str, bytes]


# Seeding through the API takes about a second; restoring its rows takes a few milliseconds.
# By database and storage folder (the same for the whole run, whichever app object serves).
_snapshots: dict[tuple[str, str], _Snapshot] = {}


@pytest.fixture
def seeded(app, request) -> Seeded:
    """The conftest World plus visits in every state (approved, submitted and waiting for a
    photo, returned, deleted), complete, reserved and rejected photos and an open assignment.

    Built through the API once per run, then restored row by row for every test that asks
    (so a test takes either this or conftest's `world`, never both).
    """
    key = (app.config["SQLALCHEMY_DATABASE_URI"], app.config["STORAGE_DIR"])
    snapshot = _snapshots.get(key)
    if snapshot is None:
        world = request.getfixturevalue("world")
        seeded = _seed(app, world, request.getfixturevalue("auth_header"))
        _snapshots[key] = _take_snapshot(app, seeded)
        return seeded
    _restore_snapshot(app, snapshot)
    return snapshot.seeded


def _seed(app, world: World, auth_header) -> Seeded:
    client = app.test_client()
    form = forms.form_of(forms.get_form_version(phone.FORM_KEY, 1))
    headers = {role: auth_header(world.user(role)) for role in Role}
    auditor, hq = headers[Role.AUDITOR], headers[Role.HQ]

    def submit(branch_id: int, photo_ids: list[int]) -> int:
        body = phone.visit_body(form, branch_id, photo_ids)
        response = client.post("/api/v1/visits", json=body, headers=auditor)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def review(visit_id: int, decision: str) -> None:
        response = client.post(
            f"/api/v1/visits/{visit_id}/review",
            json={"decision": decision, "note": "Proszę poprawić zdjęcie."},
            headers=hq,
        )
        assert response.status_code == 200, response.get_json()

    complete_photos = [phone.make_photo(client, auditor, shade) for shade in (10, 60, 110)]
    reserved = phone.reserve(client, auditor).get_json()["photo"]["id"]
    rejected = phone.reserve(client, auditor).get_json()["photo"]["id"]
    phone.upload_through_api(client, auditor, rejected, b"\xff\xd8 not really a jpeg")
    assert phone.complete(client, auditor, rejected).status_code == 422

    approved = submit(world.lodz_1.id, complete_photos[:1])
    review(approved, "approve")
    incomplete = submit(world.lodz_2.id, [reserved])
    returned = submit(world.warsaw.id, complete_photos[1:2])
    review(returned, "return")
    deleted = submit(world.pabianice.id, complete_photos[2:3])
    assert client.delete(f"/api/v1/visits/{deleted}", headers=hq).status_code == 204

    now = utcnow().replace(microsecond=0)
    assignment = client.post(
        "/api/v1/assignments",
        json={
            "branch_id": world.lodz_1.id,
            "form_key": phone.FORM_KEY,
            "auditor_id": world.auditor.id,
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(days=7)).isoformat(),
            "scenario": "Zapytaj o kredyt hipoteczny.",
        },
        headers=hq,
    )
    assert assignment.status_code == 201, assignment.get_json()

    areas = [world.pl, world.lodzkie, world.lodz, world.pabianicki, world.mazowieckie]
    areas += [world.no, world.troms]
    return Seeded(
        headers=headers,
        ids={
            "area": [area.id for area in areas],
            "branch": [branch.id for branch in world.branches],
            "user": [world.user(role).id for role in Role],
            "visit": [approved, incomplete, returned, deleted],
            "photo": [*complete_photos, reserved, rejected],
            "assignment": [assignment.get_json()["id"]],
        },
    )


def _take_snapshot(app, seeded: Seeded) -> _Snapshot:
    _db.session.commit()
    with _db.engine.connect() as connection:
        rows = [
            (table, [dict(row) for row in connection.execute(select(table)).mappings()])
            for table in _db.metadata.sorted_tables
        ]
    root = Path(app.config["STORAGE_DIR"])
    files = {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }
    return _Snapshot(seeded, rows, files)


def _restore_snapshot(app, snapshot: _Snapshot) -> None:
    with _db.engine.begin() as connection:
        for table, rows in snapshot.rows:
            if rows:
                connection.execute(table.insert(), rows)
        # A deep run may outlast the tokens' hour.
        connection.execute(update(ApiToken).values(expires_at=utcnow() + timedelta(hours=12)))
    root = Path(app.config["STORAGE_DIR"])
    for name, content in snapshot.files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
