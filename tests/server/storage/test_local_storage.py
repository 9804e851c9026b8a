"""LocalStorage's own behaviour: signed upload tokens, atomic writes, the folder boundary."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.storage import (
    MAX_PRESIGN_SECONDS,
    InvalidObjectKey,
    LocalStorage,
    S3Storage,
    UploadTokenExpired,
    UploadTokenInvalid,
    content_disposition,
    new_object_key,
    storage_from_config,
)
from tests.server.storage.helpers import SECRET, UPLOAD_URL, Trickle


def token_of(url: str) -> str:
    assert url.startswith(UPLOAD_URL)
    return url.removeprefix(UPLOAD_URL)


def test_presigned_upload_is_a_signed_put_to_the_app(local_storage: LocalStorage) -> None:
    key = new_object_key("photos", "jpg")

    upload = local_storage.presigned_upload(key, "image/jpeg", 15_000_000, 300)

    assert upload.method == "PUT"
    assert upload.fields == {}
    assert upload.headers == {"Content-Type": "image/jpeg"}
    assert upload.expires_at <= datetime.now(UTC) + timedelta(seconds=301)
    grant = local_storage.verify_upload_token(token_of(upload.url))
    assert grant == (key, "image/jpeg", 15_000_000)
    assert grant.max_bytes == 15_000_000


def test_the_granted_upload_can_be_stored(local_storage: LocalStorage) -> None:
    upload = local_storage.presigned_upload(new_object_key("photos", "jpg"), "image/jpeg", 10, 60)
    key, content_type, max_bytes = local_storage.verify_upload_token(token_of(upload.url))

    local_storage.put(key, Trickle(b"0123456789"), content_type, max_bytes=max_bytes)

    assert local_storage.size(key) == 10


def test_a_token_expires(local_storage: LocalStorage) -> None:
    upload = local_storage.presigned_upload(new_object_key("photos", "jpg"), "image/jpeg", 10, 300)
    token = token_of(upload.url)

    def later(seconds: float) -> LocalStorage:
        return LocalStorage(
            local_storage.root, SECRET, lambda t: t, clock=lambda: time.time() + seconds
        )

    assert later(298).verify_upload_token(token).max_bytes == 10
    with pytest.raises(UploadTokenExpired):
        later(301).verify_upload_token(token)


def test_a_token_lives_at_most_fifteen_minutes(local_storage: LocalStorage) -> None:
    upload = local_storage.presigned_upload(
        new_object_key("photos", "jpg"), "image/jpeg", 10, 86_400
    )
    token = token_of(upload.url)
    clock = lambda: time.time() + MAX_PRESIGN_SECONDS + 1  # noqa: E731
    later = LocalStorage(local_storage.root, SECRET, lambda t: t, clock=clock)

    with pytest.raises(UploadTokenExpired):
        later.verify_upload_token(token)


def forged(payload: object, secret: str = SECRET, salt: str = LocalStorage.TOKEN_SALT) -> str:
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


GOOD = {"k": "photos/a.jpg", "t": "image/jpeg", "m": 10, "e": 60}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-token", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param(forged(GOOD, secret="another-secret"), id="other-secret"),
        pytest.param(forged(GOOD, salt="password-reset"), id="other-purpose"),
        pytest.param(forged({**GOOD, "k": "../../etc/passwd"}), id="unsafe-key"),
        pytest.param(forged({**GOOD, "m": 0}), id="no-bytes"),
        pytest.param(forged({"k": "photos/a.jpg"}), id="incomplete"),
        pytest.param(forged(["photos/a.jpg"]), id="not-a-mapping"),
    ],
)
def test_a_bad_token_is_refused(local_storage: LocalStorage, token: str) -> None:
    with pytest.raises(UploadTokenInvalid):
        local_storage.verify_upload_token(token)


def test_a_tampered_token_is_refused(local_storage: LocalStorage) -> None:
    upload = local_storage.presigned_upload(new_object_key("photos", "jpg"), "image/jpeg", 10, 60)
    token = token_of(upload.url)
    position = len(token) // 2
    tampered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]

    with pytest.raises(UploadTokenInvalid):
        local_storage.verify_upload_token(tampered)


def test_downloads_are_streamed_by_the_app(local_storage: LocalStorage) -> None:
    key = new_object_key("photos", "jpg")
    local_storage.put(key, io.BytesIO(b"x"), "image/jpeg")

    assert local_storage.presigned_download(key, 60, "image/jpeg", "a.jpg") is None


def test_a_failed_upload_keeps_the_old_file_and_leaves_no_debris(
    local_storage: LocalStorage,
) -> None:
    key = new_object_key("photos", "jpg")
    local_storage.put(key, io.BytesIO(b"the original"), "image/jpeg")
    broken = Trickle(b"y" * 100_000, chunk=1000, fail_after=50_000)

    with pytest.raises(ConnectionResetError):
        local_storage.put(key, broken, "image/jpeg")

    with local_storage.open(key) as body:
        assert body.read() == b"the original"
    assert [path.name for path in (local_storage.root / key).parent.iterdir()] == [Path(key).name]


def test_a_symlink_cannot_lead_out_of_the_folder(local_storage: LocalStorage, tmp_path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("not yours")
    (local_storage.root / "photos").mkdir()
    (local_storage.root / "photos" / "link.jpg").symlink_to(secret)

    with pytest.raises(InvalidObjectKey):
        local_storage.open("photos/link.jpg")


def test_config_without_a_bucket_builds_local_storage(tmp_path) -> None:
    storage = storage_from_config(
        {"S3_BUCKET": "", "STORAGE_DIR": str(tmp_path / "files"), "SECRET_KEY": "s"},
        upload_url_for=lambda token: f"/storage/upload/{token}",
    )

    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "files").resolve()
    upload = storage.presigned_upload("photos/a.jpg", "image/png", 10, 60)
    assert upload.url.startswith("/storage/upload/")


def test_config_without_a_folder_is_refused() -> None:
    with pytest.raises(ValueError, match="STORAGE_DIR"):
        storage_from_config({"SECRET_KEY": "s"}, upload_url_for=str)


def test_config_with_a_bucket_builds_s3_storage(aws_environment: None) -> None:
    storage = storage_from_config(
        {
            "S3_BUCKET": "audit-photos",
            "S3_ENDPOINT_URL": "http://minio:9000",
            "S3_PUBLIC_ENDPOINT_URL": "https://files.example.com",
            "S3_REGION": "eu-central-1",
            "S3_ADDRESSING_STYLE": "path",
        },
        upload_url_for=str,
    )

    assert isinstance(storage, S3Storage)
    upload = storage.presigned_upload("photos/a.jpg", "image/jpeg", 10, 60)
    assert upload.url == "https://files.example.com/audit-photos"
    assert "eu-central-1" in upload.fields["x-amz-credential"]


def test_content_disposition_keeps_non_ascii_names() -> None:
    value = content_disposition('Győr "Baross út".pdf', attachment=False)

    assert value == (
        'inline; filename="Gyor _Baross ut_.pdf"; '
        "filename*=UTF-8''Gy%C5%91r%20%22Baross%20%C3%BAt%22.pdf"
    )
