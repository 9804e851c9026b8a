"""Photos through the real upload paths, on both storage backends: the local folder (uploads
to the app's signed URL) and S3 (presigned POSTs to moto's server over HTTP, as a phone)."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select

from server.models import Completeness, Photo, PhotoStatus, Visit
from server.models.types import utcnow
from server.services.photos import UPLOAD_TYPES
from tests.conftest import _test_config
from tests.fixtures.corpus import FORBIDDEN_BYTES, Accepted, build_corpus

PHOTO_QUESTION = "premises_clean_tidy"


@pytest.fixture(params=["local", "s3"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_config(backend, database_url, storage_dir, request):
    config = _test_config(database_url, storage_dir)
    config["PHOTO_MAX_BYTES"] = 1024 * 1024  # the corpus is sized for this limit
    if backend == "s3":
        config.update(
            S3_BUCKET=request.getfixturevalue("s3_bucket"),
            S3_ENDPOINT_URL=request.getfixturevalue("s3_endpoint"),
            S3_PUBLIC_ENDPOINT_URL=request.getfixturevalue("s3_public_endpoint"),
            S3_REGION="us-east-1",
        )
    return config


@pytest.fixture
def headers(world, auth_header):
    return auth_header(world.auditor)


def reserve(client, headers, content_type="image/jpeg", client_uuid=None):
    response = client.post(
        "/api/v1/photos",
        headers=headers,
        json={"content_type": content_type, "client_uuid": client_uuid},
    )
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def phone_upload(client, upload: dict, content: bytes, content_type="image/jpeg") -> int:
    """Send the bytes where the reservation says, the way the phone app does."""
    if upload["method"] == "POST":  # S3: a multipart form POST straight to storage
        response = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": ("photo", content, content_type)},
            timeout=10,
        )
        return response.status_code
    path = urlsplit(upload["url"]).path  # local: a PUT to the app's signed URL
    return client.put(path, data=content, headers=upload["headers"]).status_code


def complete(client, headers, photo_id):
    return client.post(f"/api/v1/photos/{photo_id}/complete", headers=headers)


def stored_bytes(app, photo: Photo, thumbnail=False) -> bytes:
    storage = app.extensions["storage"]
    with storage.open(photo.thumbnail_key if thumbnail else photo.object_key) as stream:
        return stream.read()


def test_presigned_upload_then_complete(client, headers, app, db, backend, s3_public_endpoint):
    reservation = reserve(client, headers)
    upload = reservation["upload"]
    if backend == "s3":
        assert upload["url"].startswith(s3_public_endpoint)  # the address phones reach
        assert upload["fields"]["Content-Type"] == "image/jpeg"
    content = next(f for f in build_corpus() if f.name == "gps_datetime.jpg").data
    assert phone_upload(client, upload, content) in (200, 204)
    response = complete(client, headers, reservation["photo"]["id"])
    assert response.status_code == 200, response.get_json()
    photo = db.session.get(Photo, reservation["photo"]["id"])
    assert photo.status == PhotoStatus.COMPLETE
    assert photo.gps_latitude == pytest.approx(51.7687, abs=1e-3)  # read, then stripped
    clean = stored_bytes(app, photo)
    assert not Image.open(io.BytesIO(clean)).getexif()
    assert all(marker not in clean for marker in FORBIDDEN_BYTES)
    assert not app.extensions["storage"].exists(photo.upload_key)  # the raw upload is gone


def test_completing_twice_is_a_no_op(client, headers, db, app):
    reservation = reserve(client, headers)
    phone_upload(client, reservation["upload"], _jpeg())
    first = complete(client, headers, reservation["photo"]["id"]).get_json()
    photo = db.session.get(Photo, first["id"])
    keys = (photo.object_key, photo.thumbnail_key)
    second = complete(client, headers, first["id"])
    assert second.status_code == 200 and second.get_json() == first
    db.session.refresh(photo)
    assert (photo.object_key, photo.thumbnail_key) == keys


def test_the_signed_upload_url_is_refused_once_the_photo_is_complete(
    client, headers, db, app, backend
):
    if backend == "s3":
        pytest.skip("S3 enforces only the POST policy; nothing reads the upload key afterwards")
    reservation = reserve(client, headers)
    assert phone_upload(client, reservation["upload"], _jpeg()) == 204
    assert complete(client, headers, reservation["photo"]["id"]).status_code == 200
    assert phone_upload(client, reservation["upload"], _jpeg()) == 409
    photo = db.session.get(Photo, reservation["photo"]["id"])
    assert not app.extensions["storage"].exists(photo.upload_key)


def test_complete_before_upload_is_409(client, headers):
    reservation = reserve(client, headers)
    assert complete(client, headers, reservation["photo"]["id"]).status_code == 409


def test_a_retried_reservation_is_the_same_photo(client, headers, db):
    first = reserve(client, headers, client_uuid="6f1c2f4e-9b1e-4c4c-9f0a-3c2b1a0d9e8f")
    again = reserve(client, headers, client_uuid="6f1c2f4e-9b1e-4c4c-9f0a-3c2b1a0d9e8f")
    assert again["photo"]["id"] == first["photo"]["id"]
    assert db.session.scalar(select(func.count(Photo.id))) == 1


def test_upload_through_the_api_is_streamed_and_size_limited(client, headers, app):
    reservation = reserve(client, headers)
    photo_id = reservation["photo"]["id"]
    too_big = b"\xff" * (app.config["PHOTO_MAX_BYTES"] + 1)
    response = client.put(
        f"/api/v1/photos/{photo_id}/content",
        data=too_big,
        content_type="image/jpeg",
        headers=headers,
    )
    assert response.status_code == 413 and response.get_json()["code"] == 413
    wrong_type = client.put(
        f"/api/v1/photos/{photo_id}/content",
        data=_jpeg(),
        content_type="image/png",
        headers=headers,
    )
    assert wrong_type.status_code == 422
    assert (
        client.put(
            f"/api/v1/photos/{photo_id}/content",
            data=_jpeg(),
            content_type="image/jpeg",
            headers=headers,
        ).status_code
        == 204
    )
    assert complete(client, headers, photo_id).status_code == 200
    # A complete photo's content never changes again.
    assert (
        client.put(
            f"/api/v1/photos/{photo_id}/content",
            data=_jpeg(),
            content_type="image/jpeg",
            headers=headers,
        ).status_code
        == 409
    )


@pytest.mark.parametrize("corpus_file", build_corpus(), ids=lambda f: f.name)
def test_the_corpus_through_the_presigned_path(client, headers, app, db, corpus_file):
    app.config["PHOTO_MAX_PIXELS"] = corpus_file.max_pixels
    content_type = corpus_file.content_type
    if content_type not in UPLOAD_TYPES:
        content_type = "image/jpeg"  # a liar's declared type; the checks must not believe it
    reservation = reserve(client, headers, content_type)
    upload_status = phone_upload(client, reservation["upload"], corpus_file.data, content_type)
    response = complete(client, headers, reservation["photo"]["id"])
    assert response.status_code < 500
    photo = db.session.get(Photo, reservation["photo"]["id"])
    if isinstance(corpus_file.expect, Accepted):
        assert upload_status in (200, 204)
        assert response.status_code == 200, response.get_json()
        clean = stored_bytes(app, photo)
        assert all(marker not in clean for marker in FORBIDDEN_BYTES)
        assert not Image.open(io.BytesIO(clean)).getexif()
    else:
        assert response.status_code in (409, 413, 422), response.get_json()
        if response.status_code == 422:
            assert corpus_file.expect.code in response.get_json()["errors"]["photo"][0]
            assert photo.status == PhotoStatus.REJECTED
        assert not app.extensions["storage"].exists(photo.upload_key)


def test_visit_before_photo_becomes_complete_when_the_photo_arrives(
    client, headers, visit_body, db
):
    reservation = reserve(client, headers)
    photo_id = reservation["photo"]["id"]
    visit = client.post("/api/v1/visits", json=visit_body([photo_id]), headers=headers)
    assert visit.status_code == 201, visit.get_json()
    body = visit.get_json()
    assert body["completeness"] == "incomplete" and body["missing_photo_ids"] == [photo_id]
    phone_upload(client, reservation["upload"], _jpeg())
    assert complete(client, headers, photo_id).status_code == 200
    stored = db.session.get(Visit, body["id"])
    db.session.refresh(stored)
    assert stored.completeness == Completeness.COMPLETE and stored.completed_at is not None
    again = client.get(f"/api/v1/visits/{body['id']}", headers=headers).get_json()
    assert again["completeness"] == "complete" and again["missing_photo_ids"] == []


def test_three_photos_through_s3_with_a_flaky_network_end_as_one_clean_visit(
    client, headers, visit_body, db, app, backend
):
    """The phone reserves three photos, submits the visit, uploads, loses answers on the way
    (every request is sent twice, some before the previous one 'returned'), and ends with one
    complete visit, three clean photos and no EXIF anywhere."""
    corpus = {f.name: f.data for f in build_corpus()}
    contents = [corpus["gps_datetime.jpg"], corpus["orientation6.jpg"], corpus["cmyk.jpg"]]
    uuids = ["0d8a5a0e-1111-4a4a-8a8a-00000000000" + str(n) for n in range(3)]
    reservations = [reserve(client, headers, client_uuid=u) for u in uuids]
    reservations = [reserve(client, headers, client_uuid=u) for u in uuids]  # timed out: again
    ids = [r["photo"]["id"] for r in reservations]
    body = visit_body([ids[0]])
    body["answers"]["premises_photos"] = {"value": None, "photo_ids": ids[1:]}
    first = client.post("/api/v1/visits", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    for reservation, content in zip(reservations, contents, strict=True):
        for _ in range(2):  # the upload's answer was lost: the phone sends it again
            assert phone_upload(client, reservation["upload"], content) in (200, 204)
    for photo_id in reversed(ids):
        assert complete(client, headers, photo_id).status_code == 200
        assert complete(client, headers, photo_id).status_code == 200
    replay = client.post("/api/v1/visits", json=body, headers=headers)
    assert replay.status_code == 200 and replay.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count(Visit.id))) == 1
    visit = db.session.get(Visit, first.get_json()["id"])
    db.session.refresh(visit)
    assert visit.completeness == Completeness.COMPLETE
    assert sorted(photo.id for photo in visit.photos) == sorted(ids)
    for photo in visit.photos:
        for thumbnail in (False, True):
            data = stored_bytes(app, photo, thumbnail)
            assert not Image.open(io.BytesIO(data)).getexif()
            assert b"Exif" not in data
    rotated = db.session.get(Photo, ids[1])
    assert rotated.height > rotated.width  # EXIF orientation 6 applied before stripping


def test_photos_are_served_in_scope_only_with_nosniff(
    client, headers, make_photo, world, auth_header, visit_body, db, backend
):
    photo_id = make_photo(headers)
    response = client.get(f"/api/v1/photos/{photo_id}", headers=headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if backend == "s3":
        assert response.status_code == 302
        fetched = requests.get(response.headers["Location"], timeout=10)
        assert fetched.status_code == 200 and fetched.content[:2] == b"\xff\xd8"
    else:
        assert response.status_code == 200 and response.data[:2] == b"\xff\xd8"
        assert response.mimetype == "image/jpeg"
    thumb = client.get(f"/api/v1/photos/{photo_id}/thumbnail", headers=headers)
    assert thumb.status_code in (200, 302)
    # Branch staff: not before the visit is approved; other auditors: never.
    visit = client.post("/api/v1/visits", json=visit_body([photo_id]), headers=headers)
    manager = auth_header(world.manager)
    assert client.get(f"/api/v1/photos/{photo_id}", headers=manager).status_code == 404
    from server.models import VisitStatus

    db.session.get(Visit, visit.get_json()["id"]).status = VisitStatus.APPROVED
    db.session.commit()
    assert client.get(f"/api/v1/photos/{photo_id}", headers=manager).status_code in (200, 302)
    other = auth_header(_other_auditor(world, db))
    assert client.get(f"/api/v1/photos/{photo_id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/photos/{photo_id}", headers=auth_header(world.hq)).status_code in (
        200,
        302,
    )


def test_sweep_removes_stale_reservations_with_their_objects(client, headers, app, db):
    reservation = reserve(client, headers)
    phone_upload(client, reservation["upload"], _jpeg())
    photo = db.session.get(Photo, reservation["photo"]["id"])
    photo.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    fresh = reserve(client, headers)
    result = app.test_cli_runner().invoke(args=["sweep-uploads"])
    assert result.exit_code == 0 and "1 stale upload" in result.output
    assert db.session.get(Photo, reservation["photo"]["id"]) is None
    assert not app.extensions["storage"].exists(photo.upload_key)
    assert db.session.get(Photo, fresh["photo"]["id"]) is not None


def test_sweep_storage_deletes_only_objects_no_photo_needs(client, headers, app, db):
    from server.services.photos import sweep_storage

    storage = app.extensions["storage"]
    done = reserve(client, headers)
    phone_upload(client, done["upload"], _jpeg())
    assert complete(client, headers, done["photo"]["id"]).status_code == 200
    complete_photo = db.session.get(Photo, done["photo"]["id"])
    waiting = reserve(client, headers)  # uploaded, not completed yet: its upload is needed
    phone_upload(client, waiting["upload"], _jpeg())
    waiting_photo = db.session.get(Photo, waiting["photo"]["id"])
    # What failures leave: the raw upload whose delete after completion failed, and the clean
    # image and thumbnail of a completion whose commit failed.
    orphans = [complete_photo.upload_key, "photos/orphan.jpg", "thumbnails/orphan.jpg"]
    for key in orphans:
        storage.put(key, io.BytesIO(_jpeg()), "image/jpeg")
    needed = [complete_photo.object_key, complete_photo.thumbnail_key, waiting_photo.upload_key]

    assert sweep_storage(timedelta(hours=24)) == {"uploads": 0, "photos": 0, "thumbnails": 0}
    later = utcnow() + timedelta(hours=25)  # everything is old enough by then
    counted = sweep_storage(timedelta(hours=24), now=later, dry_run=True)
    assert counted == {"uploads": 1, "photos": 1, "thumbnails": 1}
    assert all(storage.exists(key) for key in orphans)

    assert sweep_storage(timedelta(hours=24), now=later) == counted
    assert not any(storage.exists(key) for key in orphans)
    assert all(storage.exists(key) for key in needed)
    assert sweep_storage(timedelta(hours=24), now=later) == {
        "uploads": 0,
        "photos": 0,
        "thumbnails": 0,
    }
    assert client.get(f"/api/v1/photos/{complete_photo.id}", headers=headers).status_code in (
        200,
        302,
    )


@pytest.mark.parametrize("backend", ["local"])  # file ages are set on the local folder
def test_sweep_storage_command(client, headers, app, storage_dir, backend):
    app.extensions["storage"].put("uploads/orphan.jpg", io.BytesIO(_jpeg()), "image/jpeg")
    runner = app.test_cli_runner()
    young = runner.invoke(args=["sweep-storage", "--dry-run"])
    assert young.exit_code == 0, young.output
    assert "0 unneeded object(s) would be deleted" in young.output
    path = Path(storage_dir, "uploads", "orphan.jpg")
    old = (utcnow() - timedelta(hours=3)).timestamp()
    os.utime(path, (old, old))
    result = runner.invoke(args=["sweep-storage", "--older-than-hours", "2"])
    assert result.exit_code == 0, result.output
    assert "1 unneeded object(s) deleted: 1 in uploads/, 0 in photos/" in result.output
    assert not path.exists()
    refused = runner.invoke(args=["sweep-storage", "--older-than-hours", "0"])
    assert refused.exit_code == 2


def _other_auditor(world, db):
    from server.models import Role, User

    other = User(
        email="other.auditor@example.test",
        name="Other",
        password_hash="x",
        role=Role.AUDITOR,
        areas=[world.pl],
    )
    db.session.add(other)
    db.session.commit()
    return other


def _jpeg() -> bytes:
    from tests.fixtures.corpus import jpeg, solid

    return jpeg(solid((32, 24)))
