"""Fixtures for the API tests that submit visits and photos."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from audit_forms import Form
from audit_forms.samples import best_answers
from server.models.types import utcnow
from server.services import forms
from tests.fixtures.corpus import jpeg, solid


@pytest.fixture
def branch_visit_form(world) -> Form:
    return forms.form_of(forms.get_form_version("branch-visit", 1))


@pytest.fixture
def photo_bytes() -> bytes:
    return jpeg(solid((64, 48)))


@pytest.fixture
def make_photo(client, photo_bytes) -> Callable[..., int]:
    """A complete photo of the auditor, uploaded through the API as a phone without S3 access
    would do it."""

    def make(headers: dict[str, str], content: bytes | None = None) -> int:
        reserved = client.post(
            "/api/v1/photos", json={"content_type": "image/jpeg"}, headers=headers
        )
        assert reserved.status_code == 201, reserved.get_json()
        photo_id = reserved.get_json()["photo"]["id"]
        uploaded = client.put(
            f"/api/v1/photos/{photo_id}/content",
            data=content or photo_bytes,
            content_type="image/jpeg",
            headers=headers,
        )
        assert uploaded.status_code == 204, uploaded.get_json()
        completed = client.post(f"/api/v1/photos/{photo_id}/complete", headers=headers)
        assert completed.status_code == 200, completed.get_json()
        return photo_id

    return make


@pytest.fixture
def visit_body(world, branch_visit_form) -> Callable[..., dict[str, Any]]:
    def body(photo_ids: list[int] | None = None, **overrides) -> dict[str, Any]:
        ended = utcnow() - timedelta(hours=1)
        values = {
            "client_uuid": str(uuid.uuid4()),
            "branch_id": world.lodz_1.id,
            "form_key": "branch-visit",
            "form_version": 1,
            "started_at": (ended - timedelta(minutes=25)).isoformat(),
            "ended_at": ended.isoformat(),
            "waiting_seconds": 30,
            "answers": best_answers(branch_visit_form, photo_ids),
            "gps": {"latitude": 51.7592, "longitude": 19.456, "accuracy_m": 12},
            "device": "Pixel 8",
            "app_version": "1.0.0",
        }
        values.update(overrides)
        return values

    return body
