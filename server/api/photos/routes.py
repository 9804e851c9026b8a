from flask import Response, current_app, redirect, request, stream_with_context, url_for
from flask.views import MethodView

from server.api.photos.schemas import PhotoCreateSchema, PhotoReservationSchema, PhotoSchema
from server.api.smorest import Blueprint, current_user
from server.extensions import db, limiter
from server.models import PhotoStatus, Role
from server.security import caller_key
from server.services import photos
from server.services.errors import InvalidInput

blp = Blueprint("photos", __name__, url_prefix="/api/v1/photos", description="Photo evidence")

CHUNK = 64 * 1024


def _reservation(reservation):
    photo = reservation.photo
    return {
        "photo": photo,
        "upload": reservation.upload,
        "max_bytes": current_app.config["PHOTO_MAX_BYTES"],
        "content_url": url_for("photos.PhotoUploadViews", photo_id=photo.id),
    }


@blp.route("")
class PhotoViews(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["PHOTO_RESERVATION_LIMIT"],
            key_func=caller_key,
            methods=["POST"],
            error_message="Too many photo reservations; slow down.",
        )
    ]

    @blp.login_required(Role.AUDITOR)
    @blp.arguments(PhotoCreateSchema)
    @blp.response(201, PhotoReservationSchema)
    @blp.alt_response(
        200,
        schema=PhotoReservationSchema,
        success=True,
        description="A retried reservation (same client_uuid)",
    )
    def post(self, data):
        """Reserve an upload: a photo id and a presigned upload to storage"""
        client_uuid = str(data["client_uuid"]) if data["client_uuid"] else None
        reservation = photos.reserve_photo(current_user(), data["content_type"], client_uuid)
        db.session.commit()
        return _reservation(reservation), 201 if reservation.created else 200


@blp.route("/<int:photo_id>/content")
class PhotoUploadViews(MethodView):
    @blp.login_required(Role.AUDITOR)
    @blp.response(204)
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    def put(self, photo_id):
        """Upload the photo's bytes through the API (streamed) instead of to storage"""
        photo = photos.get_own_photo(current_user(), photo_id)
        photos.receive_upload(
            photo, request.stream, request.mimetype or None, request.content_length
        )


@blp.route("/<int:photo_id>/complete")
class PhotoCompleteViews(MethodView):
    @blp.login_required(Role.AUDITOR)
    @blp.response(200, PhotoSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, photo_id):
        """Verify the uploaded object, strip its metadata and make a thumbnail (idempotent)"""
        photo = photos.complete_photo(photos.get_own_photo(current_user(), photo_id))
        db.session.commit()
        if photo.status == PhotoStatus.REJECTED:
            raise InvalidInput(
                "The upload is not an acceptable photo; it was deleted.",
                {"photo": [photo.rejection]},
            )
        return photo


def _serve(photo_id: int, thumbnail: bool):
    photo = photos.photo_for_viewer(current_user(), photo_id)
    url = photos.download_url(photo, thumbnail)
    if url is not None:
        response = redirect(url, code=302)
    else:
        content = photos.open_content(photo, thumbnail)

        def chunks():
            with content:
                while block := content.read(CHUNK):
                    yield block

        response = Response(stream_with_context(chunks()), mimetype="image/jpeg")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@blp.route("/<int:photo_id>")
class PhotoContentViews(MethodView):
    @blp.login_required()
    @blp.alt_response(
        200, description="The clean JPEG (or a redirect to a short-lived URL)", success=True
    )
    def get(self, photo_id):
        """The photo (scope-checked)"""
        return _serve(photo_id, thumbnail=False)


@blp.route("/<int:photo_id>/thumbnail")
class PhotoThumbnailViews(MethodView):
    @blp.login_required()
    @blp.alt_response(200, description="The thumbnail JPEG (or a redirect)", success=True)
    def get(self, photo_id):
        """The photo's thumbnail (scope-checked)"""
        return _serve(photo_id, thumbnail=True)
