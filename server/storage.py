"""Object storage behind one small interface: a local folder (the embedded default) or S3.

Object keys are always made by the server (`new_object_key`), never taken from a client's file
name, and every operation checks them again (`validate_key`), so no key can leave its folder or
bucket prefix.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import unicodedata
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import quote

import boto3
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from itsdangerous import BadSignature, URLSafeTimedSerializer

# Presigned URLs are bearer credentials: keep them short-lived.
MAX_PRESIGN_SECONDS = 15 * 60
COPY_CHUNK = 64 * 1024
MAX_KEY_LENGTH = 512

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
# Every segment starts with a letter or digit: no "", ".", "..", hidden files or leading "/".
_KEY_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{0,15}}")
_EXT_RE = re.compile(r"[a-z0-9]{1,10}")


class StorageError(Exception):
    """Base class of every storage failure."""


class StorageObjectNotFound(StorageError):
    """The key names no stored object."""


class StorageUnavailable(StorageError):
    """The storage service cannot be reached right now (the app answers 503)."""


class InvalidObjectKey(StorageError, ValueError):
    """A key outside the safe alphabet, with `..`, or with a leading `/`."""


class StorageObjectTooLarge(StorageError):
    """A streamed upload went past its byte limit; nothing was stored."""


class UploadTokenInvalid(StorageError):
    """A local upload token was tampered with, forged or malformed."""


class UploadTokenExpired(UploadTokenInvalid):
    """A local upload token was genuine but is past its expiry."""


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """How a phone uploads one object directly: send `fields` (POST form) or `headers` (PUT)."""

    url: str
    method: str  # "POST": multipart form with `fields` then the "file" part; "PUT": raw body
    fields: Mapping[str, str]
    headers: Mapping[str, str]
    expires_at: datetime  # aware, UTC


class StoredObject(NamedTuple):
    """One object as a listing shows it."""

    key: str
    size: int
    modified: datetime  # aware, UTC


class UploadGrant(NamedTuple):
    """What a verified local upload token allows."""

    key: str
    content_type: str
    max_bytes: int


def validate_key(key: str) -> str:
    """Return `key` when it is safe to use as an object key, else raise `InvalidObjectKey`."""
    if (
        not isinstance(key, str)
        or len(key) > MAX_KEY_LENGTH
        or ".." in key
        or not _KEY_RE.fullmatch(key)
    ):
        raise InvalidObjectKey(f"unsafe object key: {key!r}")
    return key


def new_object_key(prefix: str, ext: str) -> str:
    """A fresh, unguessable key such as `photos/1f0c...e2.jpg` under a server-chosen prefix."""
    ext = ext.lower().removeprefix(".")
    if not _EXT_RE.fullmatch(ext):
        raise InvalidObjectKey(f"unsafe extension: {ext!r}")
    return validate_key(f"{validate_key(prefix.strip('/'))}/{uuid.uuid4().hex}.{ext}")


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """A Content-Disposition value that keeps names like "Łódź.pdf" intact (RFC 6266/5987)."""
    fallback = "".join(_ascii_char(char) for char in filename).strip() or "download"
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii_char(char: str) -> str:
    # "ó" -> "o" for old clients that ignore filename*; "Ł" and quotes -> "_".
    plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
    return plain if re.fullmatch(r"[A-Za-z0-9._ -]", plain) else "_"


def _check_expiry(expires_seconds: int) -> int:
    if expires_seconds < 1:
        raise ValueError("expires_seconds must be at least 1")
    return min(expires_seconds, MAX_PRESIGN_SECONDS)


def _check_max_bytes(max_bytes: int) -> int:
    if max_bytes < 1:
        raise ValueError("max_bytes must be at least 1")
    return max_bytes


class Storage(ABC):
    """Where photos and PDFs live. Implementations are safe to share between threads."""

    @abstractmethod
    def put(
        self, key: str, fileobj: IO[bytes], content_type: str, *, max_bytes: int | None = None
    ) -> int:
        """Stream `fileobj` into `key` and return the number of bytes stored.

        With `max_bytes`, a longer stream raises `StorageObjectTooLarge` and stores nothing.
        """

    @abstractmethod
    def open(self, key: str) -> IO[bytes]:
        """A binary stream of the object; the caller closes it."""

    @abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes."""

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except StorageObjectNotFound:
            return False
        return True

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    @abstractmethod
    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key lies under the folder `prefix` (e.g. "uploads"), streamed."""

    @abstractmethod
    def presigned_upload(
        self, key: str, content_type: str, max_bytes: int, expires_seconds: int
    ) -> PresignedUpload:
        """A short-lived grant for a client to upload exactly this object, and nothing else."""

    @abstractmethod
    def presigned_download(
        self,
        key: str,
        expires_seconds: int,
        content_type: str | None = None,
        filename: str | None = None,
        *,
        attachment: bool = True,
    ) -> str | None:
        """A short-lived URL to fetch the object, or None: the app must stream it itself."""


class _FullReader:
    """File semantics over any stream: `read(n)` returns n bytes unless the stream has ended.

    Request bodies return short reads; s3transfer takes a short read for the end of the body
    (and would store a truncated object). This also counts the bytes and enforces `limit`.
    """

    def __init__(self, raw: IO[bytes], limit: int | None = None) -> None:
        self._raw = raw
        self._limit = None if limit is None else _check_max_bytes(limit)
        self.count = 0

    def read(self, size: int | None = -1) -> bytes:
        wanted = None if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        while wanted is None or got < wanted:
            ask = COPY_CHUNK if wanted is None else wanted - got
            if self._limit is not None:
                # One byte past the limit is enough to know; never read further.
                ask = min(ask, self._limit - self.count + 1)
            chunk = self._raw.read(ask)
            if not chunk:
                break
            self.count += len(chunk)
            got += len(chunk)
            if self._limit is not None and self.count > self._limit:
                raise StorageObjectTooLarge("upload is larger than allowed")
            parts.append(chunk)
        return b"".join(parts)


class LocalStorage(Storage):
    """Objects as files under `root`; uploads go through the app with a signed token."""

    TOKEN_SALT = "storage.local-upload.v1"

    def __init__(
        self,
        root: str | os.PathLike[str],
        secret_key: str | bytes,
        upload_url_for: Callable[[str], str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret_key:
            raise ValueError("LocalStorage needs a secret key to sign upload tokens")
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._serializer = URLSafeTimedSerializer(secret_key, salt=self.TOKEN_SALT)
        self._upload_url_for = upload_url_for
        self._clock = clock

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        # Belt and braces against a symlink planted inside the folder.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidObjectKey(f"key escapes the storage folder: {key!r}")
        return path

    def put(
        self, key: str, fileobj: IO[bytes], content_type: str, *, max_bytes: int | None = None
    ) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = _FullReader(fileobj, max_bytes)
        # Write beside the target and rename: readers never see half a file. The temp name
        # starts with "." so no valid key can ever name it.
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as tmp:
                shutil.copyfileobj(source, tmp, COPY_CHUNK)  # type: ignore[misc]
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return source.count

    def open(self, key: str) -> IO[bytes]:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise StorageObjectNotFound(key) from exc

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise StorageObjectNotFound(key)
        return path.stat().st_size

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except IsADirectoryError:
            pass  # a folder of other objects is not an object: nothing to delete

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        folder = self._path(prefix)
        for parent, folders, files in os.walk(folder):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue  # a write in progress (see put), never an object
                path = Path(parent, name)
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue  # deleted while listing
                key = path.relative_to(self.root).as_posix()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                yield StoredObject(key, stat.st_size, modified)

    def presigned_upload(
        self, key: str, content_type: str, max_bytes: int, expires_seconds: int
    ) -> PresignedUpload:
        seconds = _check_expiry(expires_seconds)
        payload = {
            "k": validate_key(key),
            "t": content_type,
            "m": _check_max_bytes(max_bytes),
            "e": seconds,
        }
        token = self._serializer.dumps(payload)
        return PresignedUpload(
            url=self._upload_url_for(token),
            method="PUT",
            fields={},
            headers={"Content-Type": content_type},
            expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
        )

    def verify_upload_token(self, token: str) -> UploadGrant:
        """The grant a token carries; raises `UploadTokenExpired` or `UploadTokenInvalid`."""
        try:
            payload, signed_at = self._serializer.loads(token, return_timestamp=True)
            grant = UploadGrant(
                validate_key(payload["k"]), str(payload["t"]), _check_max_bytes(payload["m"])
            )
            expires_at = signed_at.timestamp() + int(payload["e"])
        except (BadSignature, KeyError, TypeError, ValueError) as exc:
            raise UploadTokenInvalid("upload token is not valid") from exc
        if self._clock() >= expires_at:
            raise UploadTokenExpired("upload token has expired")
        return grant

    def presigned_download(
        self,
        key: str,
        expires_seconds: int,
        content_type: str | None = None,
        filename: str | None = None,
        *,
        attachment: bool = True,
    ) -> str | None:
        validate_key(key)
        _check_expiry(expires_seconds)
        return None


def _fsync_dir(path: Path) -> None:
    # The rename is only durable once the directory entry is on disk too (POSIX only).
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_CONNECTION_ERRORS = (
    botocore.exceptions.ConnectionError,  # refused, DNS, connect timeout, TLS
    botocore.exceptions.HTTPClientError,  # read timeout, connection closed mid-response
)


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    """Translate botocore's exceptions into the project's storage exceptions."""
    try:
        yield
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if error.get("Code") in _NOT_FOUND_CODES:
            raise StorageObjectNotFound(key) from exc
        if status >= 500 or error.get("Code") in {"SlowDown", "ServiceUnavailable"}:
            raise StorageUnavailable(f"S3 answered {status}") from exc
        raise StorageError(f"S3 refused the request: {error.get('Code')}") from exc
    except _CONNECTION_ERRORS as exc:
        raise StorageUnavailable(str(exc)) from exc
    except botocore.exceptions.BotoCoreError as exc:  # no credentials, bad parameters, ...
        raise StorageError(str(exc)) from exc


class S3Storage(Storage):
    """Objects in one S3 (or S3-compatible) bucket; phones upload with presigned POSTs.

    Creating a boto3 client costs about 200 ms, so both clients are made here, once: build one
    `S3Storage` per process and share it (boto3 clients are thread-safe).
    """

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        public_endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        *,
        session: boto3.session.Session | None = None,
        max_attempts: int = 3,
    ) -> None:
        if not bucket:
            raise ValueError("S3Storage needs a bucket name")
        if addressing_style not in (None, "auto", "path", "virtual"):
            raise ValueError(f"S3 addressing style must be path or virtual: {addressing_style!r}")
        self.bucket = bucket
        session = session or boto3.session.Session()
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style or "auto"},
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            # botocore's default CRC checksums (aws-chunked bodies) break several
            # S3-compatible servers; send them only where the API requires them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )

        def client(endpoint: str | None) -> Any:
            return session.client(
                "s3",
                endpoint_url=endpoint,
                region_name=region,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=config,
            )

        self._client = client(endpoint_url)
        # Presigned URLs carry the host they were signed for: sign with the address phones
        # reach, which may differ from the one this server uses inside the network.
        if public_endpoint_url and public_endpoint_url != endpoint_url:
            self._signer = client(public_endpoint_url)
        else:
            self._signer = self._client
        # Photos are small: one PUT below 8 MiB, sequential parts above, a bounded buffer.
        self._transfer = TransferConfig(
            multipart_threshold=8 * 1024 * 1024,
            multipart_chunksize=8 * 1024 * 1024,
            use_threads=False,
        )

    def __repr__(self) -> str:
        return f"S3Storage({self.bucket!r}, endpoint={self._client.meta.endpoint_url!r})"

    def put(
        self, key: str, fileobj: IO[bytes], content_type: str, *, max_bytes: int | None = None
    ) -> int:
        validate_key(key)
        source = _FullReader(fileobj, max_bytes)
        with _s3_errors(key):
            self._client.upload_fileobj(
                source,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type},
                Config=self._transfer,
            )
        return source.count

    def open(self, key: str) -> IO[bytes]:
        with _s3_errors(key):
            response = self._client.get_object(Bucket=self.bucket, Key=validate_key(key))
        return response["Body"]

    def size(self, key: str) -> int:
        with _s3_errors(key):
            response = self._client.head_object(Bucket=self.bucket, Key=validate_key(key))
        return int(response["ContentLength"])

    def delete(self, key: str) -> None:
        # S3 answers 204 for a missing key too, so this is idempotent as it stands.
        with _s3_errors(key):
            self._client.delete_object(Bucket=self.bucket, Key=validate_key(key))

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        folder = validate_key(prefix) + "/"
        pages = iter(
            self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder
            )
        )
        while True:
            with _s3_errors(folder):  # only around the requests, not the caller's work
                page = next(pages, None)
            if page is None:
                return
            for item in page.get("Contents", ()):
                yield StoredObject(item["Key"], int(item["Size"]), item["LastModified"])

    def presigned_upload(
        self, key: str, content_type: str, max_bytes: int, expires_seconds: int
    ) -> PresignedUpload:
        seconds = _check_expiry(expires_seconds)
        # boto3 adds the bucket and exact-key conditions itself. S3 enforces this policy;
        # moto does not, which is why the server checks every object it accepts.
        conditions = [
            {"Content-Type": content_type},
            ["content-length-range", 1, _check_max_bytes(max_bytes)],
        ]
        with _s3_errors(key):
            post = self._signer.generate_presigned_post(
                Bucket=self.bucket,
                Key=validate_key(key),
                Fields={"Content-Type": content_type},
                Conditions=conditions,
                ExpiresIn=seconds,
            )
        return PresignedUpload(
            url=post["url"],
            method="POST",
            fields=dict(post["fields"]),
            headers={},
            expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
        )

    def presigned_download(
        self,
        key: str,
        expires_seconds: int,
        content_type: str | None = None,
        filename: str | None = None,
        *,
        attachment: bool = True,
    ) -> str | None:
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        if filename:
            params["ResponseContentDisposition"] = content_disposition(
                filename, attachment=attachment
            )
        seconds = _check_expiry(expires_seconds)
        with _s3_errors(key):
            return self._signer.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=seconds
            )


def storage_from_config(config: Mapping[str, Any], upload_url_for: Callable[[str], str]) -> Storage:
    """S3 when `S3_BUCKET` is set, else the local folder `STORAGE_DIR`.

    S3 credentials come the boto3 way (environment, config files, instance roles).
    `upload_url_for(token)` makes the app's URL for local uploads; S3 does not use it.
    """

    def setting(name: str) -> str | None:
        return config.get(name) or None  # an empty environment variable means "not set"

    if bucket := setting("S3_BUCKET"):
        endpoint = setting("S3_ENDPOINT_URL")
        return S3Storage(
            bucket,
            endpoint_url=endpoint,
            public_endpoint_url=setting("S3_PUBLIC_ENDPOINT_URL") or endpoint,
            region=setting("S3_REGION"),
            addressing_style=setting("S3_ADDRESSING_STYLE"),
        )
    root = setting("STORAGE_DIR")
    secret = setting("SECRET_KEY")
    if not root or not secret:
        raise ValueError("local storage needs STORAGE_DIR and SECRET_KEY")
    return LocalStorage(root, secret, upload_url_for)
