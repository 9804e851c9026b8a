"""What a phone does, as plain functions over a Flask test client: reserve a photo, upload it
the way the reservation says, complete it, and build a visit for the built-in branch form."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_forms import Form
from audit_forms.samples import best_value
from server.models.types import utcnow
from tests.fixtures.corpus import jpeg, solid

FORM_KEY = "branch-visit"
PHOTO_QUESTION = "premises_clean_tidy"  # yes/no with a required photo
PHOTOS_QUESTION = "premises_photos"  # a photo question taking up to six photos


def photo_bytes(shade: int) -> bytes:
    """A small JPEG; different shades give different bytes."""
    return jpeg(solid((48, 32), (shade % 256, 90, 200 - shade % 200)))


def reserve(
    client: FlaskClient, headers: dict[str, str], client_uuid: str | None = None
) -> TestResponse:
    body: dict[str, Any] = {"content_type": "image/jpeg"}
    if client_uuid is not None:
        body["client_uuid"] = client_uuid
    return client.post("/api/v1/photos", json=body, headers=headers)


def upload_signed(client: FlaskClient, upload: dict[str, Any], content: bytes) -> TestResponse:
    """The local backend's presigned upload: a PUT to the app's signed URL."""
    assert upload["method"] == "PUT", upload
    return client.put(urlsplit(upload["url"]).path, data=content, headers=upload["headers"])


def upload_through_api(
    client: FlaskClient, headers: dict[str, str], photo_id: int, content: bytes
) -> TestResponse:
    return client.put(
        f"/api/v1/photos/{photo_id}/content",
        data=content,
        content_type="image/jpeg",
        headers=headers,
    )


def complete(client: FlaskClient, headers: dict[str, str], photo_id: int) -> TestResponse:
    return client.post(f"/api/v1/photos/{photo_id}/complete", headers=headers)


def make_photo(client: FlaskClient, headers: dict[str, str], shade: int = 0) -> int:
    """A complete photo, through the presigned (signed URL) path."""
    reserved = reserve(client, headers)
    assert reserved.status_code == 201, reserved.get_json()
    reservation = reserved.get_json()
    uploaded = upload_signed(client, reservation["upload"], photo_bytes(shade))
    assert uploaded.status_code == 204, uploaded.get_json()
    photo_id = reservation["photo"]["id"]
    completed = complete(client, headers, photo_id)
    assert completed.status_code == 200, completed.get_json()
    return photo_id


def best_answers(form: Form, photo_ids: list[int]) -> dict[str, dict[str, Any]]:
    """The best answer to every question (audit_forms.samples); the photo-required question
    gets the first photo, the photo question the others (if any)."""
    answers: dict[str, dict[str, Any]] = {}
    for question in form.questions:
        answer: dict[str, Any] = {"value": best_value(question)}
        if question.key == PHOTO_QUESTION:
            answer["photo_ids"] = photo_ids[:1]
        elif question.type == "photo":
            if len(photo_ids) < 2:
                continue
            answer["photo_ids"] = photo_ids[1:]
        answers[question.key] = answer
    return answers


def visit_body(
    form: Form, branch_id: int, photo_ids: list[int], client_uuid: str | None = None, **overrides
) -> dict[str, Any]:
    ended = utcnow().replace(microsecond=0) - timedelta(hours=1)
    body: dict[str, Any] = {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "branch_id": branch_id,
        "form_key": form.key,
        "form_version": form.version,
        "started_at": (ended - timedelta(minutes=25)).isoformat(),
        "ended_at": ended.isoformat(),
        "waiting_seconds": 30,
        "answers": best_answers(form, photo_ids),
        "gps": {"latitude": 51.7592, "longitude": 19.456, "accuracy_m": 12},
        "device": "Pixel 8",
        "app_version": "1.0.0",
    }
    body.update(overrides)
    return body
