"""The local backend's stand-in for a presigned upload: PUT to a signed, expiring URL."""

from flask import Blueprint, current_app, request

from server.errors import json_error
from server.services.files import get_storage
from server.services.photos import awaits_upload, store_upload
from server.storage import LocalStorage, UploadTokenExpired, UploadTokenInvalid

bp = Blueprint("storage_upload", __name__)


@bp.put("/storage/upload/<token>")
def upload(token: str):
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        return json_error(404, "Uploads go to S3 in this installation.")
    try:
        grant = storage.verify_upload_token(token)
    except UploadTokenExpired:
        return json_error(403, "This upload link has expired; reserve the photo again.")
    except UploadTokenInvalid:
        return json_error(403, "This upload link is not valid.")
    if request.mimetype != grant.content_type:
        return json_error(
            422,
            "Content-Type differs from the reservation.",
            {"Content-Type": [f"Must be {grant.content_type}."]},
        )
    if not awaits_upload(grant.key):
        return json_error(409, "This photo is no longer waiting for an upload.")
    limit = min(grant.max_bytes, current_app.config["PHOTO_MAX_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        return json_error(413, f"A photo may have at most {limit} bytes.")
    store_upload(grant.key, request.stream, grant.content_type, request.content_length)
    return "", 204
