import marshmallow as ma

from server.api.me.schemas import MeSchema
from server.api.smorest import Schema
from server.validators import Email


class TokenCreateSchema(Schema):
    email = Email(required=True)
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=200))


class TokenSchema(Schema):
    token = ma.fields.String(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)
    user = ma.fields.Nested(MeSchema)
