"""S3Storage against moto's server over real HTTP, uploads sent with requests as a phone would."""

from __future__ import annotations

import base64
import io
import json
import random
import socket
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests

from server.storage import (
    MAX_PRESIGN_SECONDS,
    PresignedUpload,
    S3Storage,
    StorageError,
    StorageObjectNotFound,
    StorageUnavailable,
    new_object_key,
)
from tests.fixtures.s3 import REGION
from tests.server.storage.helpers import Trickle


def post_as_phone(upload: PresignedUpload, data: bytes, content_type: str) -> requests.Response:
    # The form fields first, the file last: S3 ignores fields after the file.
    return requests.post(
        upload.url,
        data=dict(upload.fields),
        files={"file": ("IMG_0001.jpg", data, content_type)},
        timeout=10,
    )


def policy_of(upload: PresignedUpload) -> dict[str, Any]:
    return json.loads(base64.b64decode(upload.fields["policy"]))


def test_a_phone_uploads_with_the_presigned_post(s3_storage: S3Storage, s3: Any) -> None:
    key = new_object_key("photos", "jpg")
    upload = s3_storage.presigned_upload(
        key, "image/jpeg", max_bytes=1_000_000, expires_seconds=300
    )

    response = post_as_phone(upload, b"\xff\xd8 not really a jpeg", "image/jpeg")

    assert response.status_code == 204
    assert s3_storage.size(key) == len(b"\xff\xd8 not really a jpeg")
    head = s3.head_object(Bucket=s3_storage.bucket, Key=key)
    assert head["ContentType"] == "image/jpeg"


def test_the_post_policy_pins_key_type_and_size(s3_storage: S3Storage) -> None:
    key = new_object_key("photos", "jpg")

    upload = s3_storage.presigned_upload(
        key, "image/jpeg", max_bytes=15_000_000, expires_seconds=120
    )

    assert upload.method == "POST"
    assert upload.fields["key"] == key
    assert upload.fields["Content-Type"] == "image/jpeg"
    conditions = policy_of(upload)["conditions"]
    assert {"key": key} in conditions
    assert {"bucket": s3_storage.bucket} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, 15_000_000] in conditions


def test_presigned_urls_live_at_most_fifteen_minutes(s3_storage: S3Storage) -> None:
    key = new_object_key("photos", "jpg")
    latest = datetime.now(UTC) + timedelta(seconds=MAX_PRESIGN_SECONDS + 5)

    upload = s3_storage.presigned_upload(key, "image/jpeg", 1000, expires_seconds=86_400)
    download = s3_storage.presigned_download(key, expires_seconds=86_400)

    assert upload.expires_at <= latest
    policy_expiry = datetime.fromisoformat(policy_of(upload)["expiration"].replace("Z", "+00:00"))
    assert policy_expiry <= latest
    assert parse_qs(urlsplit(download).query)["X-Amz-Expires"] == [str(MAX_PRESIGN_SECONDS)]


def test_urls_are_signed_for_the_public_endpoint(
    s3_bucket: str,
    s3_endpoint: str,
    s3_public_endpoint: str,
    boto_session: boto3.session.Session,
) -> None:
    # The app reaches S3 at 127.0.0.1, phones at "localhost": same server, another address.
    storage = S3Storage(
        s3_bucket,
        endpoint_url=s3_endpoint,
        public_endpoint_url=s3_public_endpoint,
        region=REGION,
        addressing_style="path",
        session=boto_session,
    )
    key = new_object_key("photos", "jpg")

    upload = storage.presigned_upload(key, "image/jpeg", 1000, 60)
    assert upload.url.startswith(s3_public_endpoint + "/")
    assert post_as_phone(upload, b"from the phone", "image/jpeg").status_code == 204

    assert storage.size(key) == len(b"from the phone")  # the app reads it internally
    download = storage.presigned_download(key, 60)
    assert download is not None and download.startswith(s3_public_endpoint + "/")
    assert requests.get(download, timeout=10).content == b"from the phone"


def test_presigned_download_serves_type_and_file_name(s3_storage: S3Storage) -> None:
    key = new_object_key("reports", "pdf")
    s3_storage.put(key, io.BytesIO(b"%PDF-1.7 scorecard"), "application/octet-stream")

    url = s3_storage.presigned_download(
        key, 60, content_type="application/pdf", filename="Łódź Piotrkowska 2026-10.pdf"
    )
    assert url is not None
    response = requests.get(url, timeout=10)

    assert response.content == b"%PDF-1.7 scorecard"
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="_odz Piotrkowska 2026-10.pdf"')
    assert "filename*=UTF-8''%C5%81%C3%B3d%C5%BA%20Piotrkowska%202026-10.pdf" in disposition


def test_put_records_the_content_type(s3_storage: S3Storage, s3: Any) -> None:
    key = new_object_key("thumbnails", "jpg")

    s3_storage.put(key, io.BytesIO(b"thumb"), "image/jpeg")

    assert s3.head_object(Bucket=s3_storage.bucket, Key=key)["ContentType"] == "image/jpeg"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_is_unavailable(boto_session: boto3.session.Session) -> None:
    storage = S3Storage(
        "photos",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        region=REGION,
        addressing_style="path",
        session=boto_session,
        max_attempts=1,
    )
    key = new_object_key("photos", "jpg")

    for operation in (
        lambda: storage.size(key),
        lambda: storage.open(key),
        lambda: storage.delete(key),
        lambda: storage.put(key, io.BytesIO(b"x"), "image/jpeg"),
    ):
        with pytest.raises(StorageUnavailable):
            operation()


def test_a_missing_bucket_is_an_error_not_a_missing_object(
    s3_endpoint: str, boto_session: boto3.session.Session
) -> None:
    storage = S3Storage(
        "no-such-bucket-here",
        endpoint_url=s3_endpoint,
        region=REGION,
        addressing_style="path",
        session=boto_session,
    )

    with pytest.raises(StorageError) as raised:
        storage.open("photos/a.jpg")

    assert not isinstance(raised.value, StorageObjectNotFound)


def test_a_trickling_large_upload_goes_up_whole_in_parts(s3_storage: S3Storage, s3: Any) -> None:
    # Request bodies hand out short reads; boto3 must still see the whole body, in parts.
    data = random.Random(5).randbytes(9 * 1024 * 1024)
    key = new_object_key("reports", "pdf")

    s3_storage.put(key, Trickle(data, chunk=100_000), "application/pdf")

    head = s3.head_object(Bucket=s3_storage.bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-2"')  # a multipart upload of two parts
