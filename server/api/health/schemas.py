import marshmallow as ma

from server.api.smorest import Schema


class HealthSchema(Schema):
    status = ma.fields.String()
    database = ma.fields.String()
