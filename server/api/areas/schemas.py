import marshmallow as ma

from server.api.smorest import QueryArgsSchema, Schema
from server.validators import text


class AreaSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String()
    name = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()


class AreaCreateSchema(Schema):
    code = text(200, required=True, metadata={"description": 'Unique, e.g. "PL/Łódzkie"'})
    name = text(200, required=True)
    parent_id = ma.fields.Integer(allow_none=True, load_default=None)


class AreaUpdateSchema(Schema):
    code = text(200)
    name = text(200)
    parent_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()


class AreaQueryArgsSchema(QueryArgsSchema):
    parent_id = ma.fields.Integer()
    active = ma.fields.Boolean()
    q = ma.fields.String(
        validate=ma.validate.Length(max=100), metadata={"description": "Search in name and code"}
    )
