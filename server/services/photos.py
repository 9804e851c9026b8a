"""Photo evidence: reserve an upload slot, receive the bytes, verify and clean them, serve them."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import IO

from flask import current_app
from sqlalchemy import and_, event, exists, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.extensions import db
from server.imaging import PhotoRejected, inspect_and_clean
from server.models import (
    Completeness,
    Photo,
    PhotoStatus,
    Role,
    User,
    Visit,
    VisitStatus,
)
from server.models.types import utcnow
from server.scope import branch_filter
from server.services.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from server.services.files import get_storage
from server.storage import (
    PresignedUpload,
    StorageObjectNotFound,
    StorageObjectTooLarge,
    new_object_key,
)

# The storage folders of photo objects: raw uploads, clean images, thumbnails.
UPLOADS, PHOTOS, THUMBNAILS = "uploads", "photos", "thumbnails"

# What phones may upload, with the extension of the raw object.
UPLOAD_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}


_RAW_UPLOADS = "photos.raw_uploads"  # session.info: raw upload keys to delete after the commit


def _delete_after_commit(key: str) -> None:
    """A processed raw upload goes only once its photo's new state is committed: a concurrent
    completion that finds it gone then also finds the photo complete (or rejected)."""
    db.session.info.setdefault(_RAW_UPLOADS, set()).add(key)


@event.listens_for(Session, "after_commit")
def _delete_raw_uploads(session: Session) -> None:
    keys = session.info.pop(_RAW_UPLOADS, ())
    for key in keys:
        try:
            get_storage().delete(key)
        except Exception:  # the commit stands; an orphaned raw upload only costs space
            current_app.logger.warning("could not delete raw upload %s", key, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _keep_raw_uploads(session: Session) -> None:
    session.info.pop(_RAW_UPLOADS, None)


@dataclass(frozen=True)
class Reservation:
    photo: Photo
    upload: PresignedUpload | None  # None once the photo is complete
    created: bool


def _config(name: str):
    return current_app.config[name]


def reserve_photo(auditor: User, content_type: str, client_uuid: str | None = None) -> Reservation:
    """A new upload slot, or the same one again for a retried reservation (same client_uuid)."""
    if client_uuid is not None:
        existing = _by_client_uuid(auditor, client_uuid)
        if existing is not None:
            return _again(existing, content_type)
    try:
        photo = new_photo(auditor, content_type, client_uuid)
    except IntegrityError:
        # A concurrent retry of the same reservation won the race.
        return _again(_by_client_uuid(auditor, client_uuid), content_type)
    return Reservation(photo, _presign(photo), created=True)


def new_photo(auditor: User, content_type: str, client_uuid: str | None = None) -> Photo:
    """A reserved photo row with its server-made upload key (no presigned URL)."""
    photo = Photo(
        auditor_id=auditor.id,
        client_uuid=client_uuid,
        declared_content_type=content_type,
        upload_key=new_object_key(UPLOADS, UPLOAD_TYPES[content_type]),
    )
    with db.session.begin_nested():
        db.session.add(photo)
    return photo


def _by_client_uuid(auditor: User, client_uuid: str) -> Photo | None:
    return db.session.scalar(
        select(Photo).where(Photo.auditor_id == auditor.id, Photo.client_uuid == client_uuid)
    )


def _again(photo: Photo, content_type: str) -> Reservation:
    if photo.declared_content_type != content_type:
        raise Conflict(
            "This client_uuid was reserved for another content type.",
            {"content_type": [f"Reserved as {photo.declared_content_type}."]},
        )
    if photo.status == PhotoStatus.REJECTED:
        raise Conflict(
            "This photo was rejected; reserve a new one.",
            {"client_uuid": ["Already used by a rejected photo."]},
        )
    upload = _presign(photo) if photo.status == PhotoStatus.RESERVED else None
    return Reservation(photo, upload, created=False)


def _presign(photo: Photo) -> PresignedUpload:
    return get_storage().presigned_upload(
        photo.upload_key,
        photo.declared_content_type,
        _config("PHOTO_MAX_BYTES"),
        _config("PHOTO_UPLOAD_SECONDS"),
    )


def get_own_photo(auditor: User, photo_id: int) -> Photo:
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.auditor_id != auditor.id:
        raise NotFound(f"Photo {photo_id} not found.")
    return photo


def receive_upload(
    photo: Photo, stream: IO[bytes], content_type: str | None, content_length: int | None
) -> None:
    """Store the raw bytes of a reserved photo, streamed (never held whole in memory)."""
    if photo.status != PhotoStatus.RESERVED:
        raise Conflict(f"The photo is {photo.status.value}; its content cannot change.")
    if content_type != photo.declared_content_type:
        raise InvalidInput(
            "Content-Type differs from the reservation.",
            {"Content-Type": [f"Must be {photo.declared_content_type}."]},
        )
    store_upload(photo.upload_key, stream, content_type, content_length)


def store_upload(
    key: str, stream: IO[bytes], content_type: str, content_length: int | None
) -> None:
    limit = _config("PHOTO_MAX_BYTES")
    if content_length is not None and content_length > limit:
        raise PayloadTooLarge(f"A photo may have at most {limit} bytes.")
    try:
        get_storage().put(key, stream, content_type, max_bytes=limit)
    except StorageObjectTooLarge as error:
        raise PayloadTooLarge(f"A photo may have at most {limit} bytes.") from error


def awaits_upload(upload_key: str) -> bool:
    """Whether a reserved photo still waits for the object under this key (reserved photos are
    few: the status index finds them)."""
    return (
        db.session.scalar(
            select(Photo.id).where(
                Photo.status == PhotoStatus.RESERVED, Photo.upload_key == upload_key
            )
        )
        is not None
    )


def complete_photo(photo: Photo) -> Photo:
    """Verify and clean the uploaded object. Completing twice is a no-op.

    A photo that fails the checks is marked rejected (its objects deleted) and returned so the
    caller can commit that and answer 422; a complete photo never changes again.
    """
    if photo.status != PhotoStatus.RESERVED:
        return photo
    # Retries of one completion arriving at once: the second waits for the first to commit and
    # then finds the photo complete, instead of its raw upload gone.
    db.session.refresh(photo, with_for_update=True)
    if photo.status != PhotoStatus.RESERVED:
        return photo
    storage = get_storage()
    try:
        upload = storage.open(photo.upload_key)
    except StorageObjectNotFound as error:
        db.session.refresh(photo)  # completed meanwhile: its raw upload went after the commit
        if photo.status != PhotoStatus.RESERVED:
            return photo
        raise Conflict("Nothing has been uploaded for this photo yet.") from error
    try:
        with upload:
            clean = inspect_and_clean(
                upload, _config("PHOTO_MAX_BYTES"), _config("PHOTO_MAX_PIXELS")
            )
    except PhotoRejected as rejection:
        _delete_after_commit(photo.upload_key)
        photo.status = PhotoStatus.REJECTED
        photo.rejection = f"{rejection.code}: {rejection.message}"
        db.session.flush()
        return photo
    object_key = new_object_key(PHOTOS, "jpg")
    thumbnail_key = new_object_key(THUMBNAILS, "jpg")
    storage.put(object_key, io.BytesIO(clean.jpeg), clean.content_type)
    storage.put(thumbnail_key, io.BytesIO(clean.thumbnail), clean.content_type)
    offset = clean.captured_utc_offset
    won = db.session.execute(
        update(Photo)
        .where(Photo.id == photo.id, Photo.status == PhotoStatus.RESERVED)
        .values(
            status=PhotoStatus.COMPLETE,
            object_key=object_key,
            thumbnail_key=thumbnail_key,
            size=len(clean.jpeg),
            original_size=clean.original_size,
            original_format=clean.original_format,
            width=clean.width,
            height=clean.height,
            sha256=clean.sha256,
            captured_at=clean.captured_at,
            captured_utc_offset_minutes=None
            if offset is None
            else int(offset.total_seconds() // 60),
            gps_latitude=clean.gps[0] if clean.gps else None,
            gps_longitude=clean.gps[1] if clean.gps else None,
            completed_at=utcnow(),
        )
    ).rowcount
    if not won:
        # Completed concurrently: keep the first result, never overwrite it.
        storage.delete(object_key)
        storage.delete(thumbnail_key)
    else:
        _delete_after_commit(photo.upload_key)
    db.session.refresh(photo)
    if photo.visit_id is not None:
        settle_completeness(photo.visit_id)
    return photo


def settle_completeness(visit_id: int) -> None:
    """Mark the visit complete, exactly once, when none of its photos is missing."""
    missing = exists().where(Photo.visit_id == visit_id, Photo.status != PhotoStatus.COMPLETE)
    db.session.execute(
        update(Visit)
        .where(and_(Visit.id == visit_id, Visit.completeness == Completeness.INCOMPLETE, ~missing))
        .values(completeness=Completeness.COMPLETE, completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def photo_for_viewer(user: User, photo_id: int) -> Photo:
    """A complete photo the user may see, else NotFound (outside scope looks like missing).

    Auditors see their own photos; HQ sees all; branch staff see photos of approved visits of
    their branches.
    """
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.status != PhotoStatus.COMPLETE or not _may_see(user, photo):
        raise NotFound(f"Photo {photo_id} not found.")
    return photo


def _may_see(user: User, photo: Photo) -> bool:
    if user.sees_whole_network:
        return True
    if user.role == Role.AUDITOR:
        return photo.auditor_id == user.id
    if photo.visit is None or photo.visit.deleted_at is not None:
        return False
    if photo.visit.status != VisitStatus.APPROVED:
        return False
    from server.models import Branch

    return (
        db.session.scalar(
            select(Branch.id).where(Branch.id == photo.visit.branch_id, branch_filter(user))
        )
        is not None
    )


def download_url(photo: Photo, thumbnail: bool) -> str | None:
    key = photo.thumbnail_key if thumbnail else photo.object_key
    return get_storage().presigned_download(
        key,
        _config("PHOTO_DOWNLOAD_SECONDS"),
        content_type="image/jpeg",
        filename=f"photo-{photo.id}{'-thumbnail' if thumbnail else ''}.jpg",
        attachment=False,
    )


def open_content(photo: Photo, thumbnail: bool) -> IO[bytes]:
    return get_storage().open(photo.thumbnail_key if thumbnail else photo.object_key)


def sweep_uploads(now: datetime | None = None) -> int:
    """Delete reservations never completed within UNCOMPLETED_UPLOAD_HOURS, with their objects."""
    cutoff = (now or utcnow()) - timedelta(hours=_config("UNCOMPLETED_UPLOAD_HOURS"))
    stale = db.session.scalars(
        select(Photo).where(
            Photo.status.in_([PhotoStatus.RESERVED, PhotoStatus.REJECTED]),
            Photo.created_at < cutoff,
            Photo.visit_id.is_(None),
        )
    ).all()
    storage = get_storage()
    for photo in stale:
        storage.delete(photo.upload_key)
        db.session.delete(photo)
    db.session.flush()
    return len(stale)


# Which rows keep an object of each storage folder alive: a raw upload only while its photo
# awaits completion, a clean image and its thumbnail as long as their photo.
_NEEDED_BY = {
    UPLOADS: (Photo.upload_key, Photo.status == PhotoStatus.RESERVED),
    PHOTOS: (Photo.object_key, true()),
    THUMBNAILS: (Photo.thumbnail_key, true()),
}
_SWEEP_BATCH = 500


def sweep_storage(
    older_than: timedelta, *, dry_run: bool = False, now: datetime | None = None
) -> dict[str, int]:
    """Delete photo objects no photo row needs, older than `older_than`; the count per folder.

    They are what a failure between storage and database leaves: a raw upload (with its EXIF
    and GPS) whose delete after completion failed because storage was down, the clean image and
    thumbnail of a completion whose commit failed. The age keeps objects of a completion still
    in progress (written before its commit) out of reach.
    """
    cutoff = (now or utcnow()) - older_than
    storage = get_storage()
    swept = {}
    for folder, (key_column, needed) in _NEEDED_BY.items():
        swept[folder] = 0
        old = (item.key for item in storage.list_objects(folder) if item.modified < cutoff)
        while batch := list(islice(old, _SWEEP_BATCH)):
            kept = set(db.session.scalars(select(key_column).where(key_column.in_(batch), needed)))
            for key in batch:
                if key not in kept:
                    swept[folder] += 1
                    if not dry_run:
                        storage.delete(key)
    return swept
