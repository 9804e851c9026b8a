import marshmallow as ma

from server.api.smorest import Schema
from server.services.photos import UPLOAD_TYPES


class PhotoCreateSchema(Schema):
    content_type = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(UPLOAD_TYPES)))
    client_uuid = ma.fields.UUID(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Made by the phone per photo: a retried reservation returns the same one"
        },
    )


class PresignedUploadSchema(Schema):
    url = ma.fields.String()
    method = ma.fields.String(metadata={"description": "POST (form fields + file) or PUT"})
    fields = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    headers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    expires_at = ma.fields.AwareDateTime()


class PhotoSchema(Schema):
    id = ma.fields.Integer()
    client_uuid = ma.fields.String(allow_none=True)
    status = ma.fields.String(attribute="status.value")
    rejection = ma.fields.String(allow_none=True)
    visit_id = ma.fields.Integer(allow_none=True)
    question_key = ma.fields.String(allow_none=True)
    width = ma.fields.Integer(allow_none=True)
    height = ma.fields.Integer(allow_none=True)
    size = ma.fields.Integer(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)


class PhotoReservationSchema(Schema):
    photo = ma.fields.Nested(PhotoSchema)
    upload = ma.fields.Nested(PresignedUploadSchema, allow_none=True)
    max_bytes = ma.fields.Integer()
    content_url = ma.fields.String(metadata={"description": "PUT the bytes here instead"})
