"""The storage interface, the same story told to both backends (local folder and S3)."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta

import pytest

from server.imaging import inspect_and_clean
from server.storage import (
    InvalidObjectKey,
    Storage,
    StorageObjectNotFound,
    StorageObjectTooLarge,
    new_object_key,
    validate_key,
)
from tests.fixtures.corpus import CORPUS_MAX_BYTES, corpus_file
from tests.server.storage.helpers import Trickle

UNSAFE_KEYS = [
    "",
    "../etc/passwd",
    "photos/../../etc/passwd",
    "photos/a..b.jpg",
    "/etc/passwd",
    "photos//a.jpg",
    "photos/",
    ".hidden",
    "photos/.tmp-abc",
    "photos/a b.jpg",
    "photos\\a.jpg",
    "photos/Łódź.jpg",
    "photos/a\x00.jpg",
    "photos/a?.jpg",
    "photos/%2e%2e/a.jpg",
    "a/" * 20 + "b",
    "x" * 600,
]


def payload(size: int, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(size)


def test_put_streams_the_body_and_open_reads_it_back(storage: Storage) -> None:
    data = payload(300_000)
    key = new_object_key("photos", "jpg")

    stored = storage.put(key, Trickle(data, chunk=10_000), "image/jpeg")

    assert stored == len(data)
    with storage.open(key) as body:
        assert body.read() == data


def test_size_and_exists_describe_a_stored_object(storage: Storage) -> None:
    key = new_object_key("photos", "jpg")
    assert not storage.exists(key)

    storage.put(key, io.BytesIO(b"12345"), "image/jpeg")

    assert storage.exists(key)
    assert storage.size(key) == 5


def test_put_replaces_an_existing_object(storage: Storage) -> None:
    key = new_object_key("reports", "pdf")
    storage.put(key, io.BytesIO(b"first"), "application/pdf")

    storage.put(key, io.BytesIO(b"second"), "application/pdf")

    with storage.open(key) as body:
        assert body.read() == b"second"


def test_delete_removes_the_object_and_may_be_repeated(storage: Storage) -> None:
    key = new_object_key("photos", "jpg")
    storage.put(key, io.BytesIO(b"x"), "image/jpeg")

    storage.delete(key)
    storage.delete(key)

    assert not storage.exists(key)


def test_a_missing_object_is_not_found(storage: Storage) -> None:
    key = new_object_key("photos", "jpg")

    with pytest.raises(StorageObjectNotFound):
        storage.open(key)
    with pytest.raises(StorageObjectNotFound):
        storage.size(key)
    assert storage.exists(key) is False


def test_put_over_max_bytes_stores_nothing(storage: Storage) -> None:
    key = new_object_key("photos", "jpg")
    stream = Trickle(payload(5000), chunk=1000)

    with pytest.raises(StorageObjectTooLarge):
        storage.put(key, stream, "image/jpeg", max_bytes=4096)

    assert not storage.exists(key)
    assert stream.consumed <= 5000


def test_put_of_exactly_max_bytes_is_stored(storage: Storage) -> None:
    key = new_object_key("photos", "jpg")

    assert storage.put(key, Trickle(payload(4096)), "image/jpeg", max_bytes=4096) == 4096
    assert storage.size(key) == 4096


def test_a_large_object_goes_up_in_parts(storage: Storage) -> None:
    # 9 MiB is past the 8 MiB multipart threshold of the S3 backend.
    data = payload(9 * 1024 * 1024, seed=2)
    key = new_object_key("reports", "pdf")

    assert storage.put(key, Trickle(data, chunk=256 * 1024), "application/pdf") == len(data)

    assert storage.size(key) == len(data)
    with storage.open(key) as body:
        assert body.read() == data


def test_a_photo_read_back_from_storage_can_be_verified(storage: Storage) -> None:
    photo = corpus_file("photo.heic")
    key = new_object_key("uploads", "heic")
    storage.put(key, io.BytesIO(photo.data), photo.content_type)

    with storage.open(key) as body:
        clean = inspect_and_clean(body, max_bytes=CORPUS_MAX_BYTES)

    assert (clean.original_format, clean.width, clean.height) == ("HEIF", 64, 48)


@pytest.mark.parametrize("key", UNSAFE_KEYS)
def test_every_operation_refuses_an_unsafe_key(storage: Storage, key: str) -> None:
    operations = [
        lambda: storage.put(key, io.BytesIO(b"x"), "image/jpeg"),
        lambda: storage.open(key),
        lambda: storage.size(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.presigned_upload(key, "image/jpeg", 100, 60),
        lambda: storage.presigned_download(key, 60),
    ]
    for operation in operations:
        with pytest.raises(InvalidObjectKey):
            operation()


def test_new_object_key_is_unguessable_and_safe() -> None:
    first, second = new_object_key("photos/visit-12", ".JPG"), new_object_key("photos", "jpg")

    assert first.startswith("photos/visit-12/") and first.endswith(".jpg")
    assert len(first.rsplit("/", 1)[1]) == len("0123456789abcdef0123456789abcdef.jpg")
    assert first.rsplit("/", 1)[1] != second.rsplit("/", 1)[1]
    assert validate_key(first) == first


@pytest.mark.parametrize(
    ("prefix", "ext"),
    [("../photos", "jpg"), ("/photos", "x/y"), ("photos", "j.pg"), ("photos", ""), ("", "jpg")],
)
def test_new_object_key_refuses_unsafe_parts(prefix: str, ext: str) -> None:
    with pytest.raises(InvalidObjectKey):
        new_object_key(prefix, ext)


def test_list_objects_streams_one_folder(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(minutes=5)
    keys = sorted(new_object_key("uploads", "jpg") for _ in range(3))
    for size, key in enumerate(keys, start=1):
        storage.put(key, io.BytesIO(b"x" * size), "image/jpeg")
    storage.put("uploads/2026/nested.png", io.BytesIO(b"png"), "image/png")
    storage.put(new_object_key("photos", "jpg"), io.BytesIO(b"other"), "image/jpeg")
    storage.put("uploadsx/near-miss.jpg", io.BytesIO(b"near"), "image/jpeg")

    listed = sorted(storage.list_objects("uploads"))
    assert [item.key for item in listed] == sorted([*keys, "uploads/2026/nested.png"])
    assert {item.key: item.size for item in listed}[keys[2]] == 3
    after = datetime.now(UTC) + timedelta(minutes=5)
    assert all(before < item.modified < after for item in listed)  # aware, UTC
    assert list(storage.list_objects("thumbnails")) == []
    with pytest.raises(InvalidObjectKey):
        list(storage.list_objects("../etc"))


def test_local_listing_skips_writes_in_progress(local_storage) -> None:
    local_storage.put("uploads/a.jpg", io.BytesIO(b"a"), "image/jpeg")
    (local_storage.root / "uploads" / ".tmp-half-written").write_bytes(b"half")
    assert [item.key for item in local_storage.list_objects("uploads")] == ["uploads/a.jpg"]
