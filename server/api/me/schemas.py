import marshmallow as ma

from server.api.smorest import Schema
from server.models import Role


class ScopeItemSchema(Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class MeSchema(Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True)
    locale = ma.fields.String()
    sees_whole_network = ma.fields.Boolean()
    branches = ma.fields.List(
        ma.fields.Nested(ScopeItemSchema),
        metadata={"description": "Branches given to the user directly"},
    )
    areas = ma.fields.List(
        ma.fields.Nested(ScopeItemSchema),
        metadata={"description": "Areas given to the user: every branch below them is in scope"},
    )
