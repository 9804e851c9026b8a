import marshmallow as ma

from server.api.smorest import QueryArgsSchema, Schema
from server.models import Role
from server.validators import LOCALE, Email, text

PASSWORD = ma.validate.Length(min=10, max=200)


class UserSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.Enum(Role, by_value=True)
    locale = ma.fields.String()
    active = ma.fields.Boolean()
    branch_ids = ma.fields.Method("_branch_ids")
    area_ids = ma.fields.Method("_area_ids")

    def _branch_ids(self, user):
        return sorted(branch.id for branch in user.branches)

    def _area_ids(self, user):
        return sorted(area.id for area in user.areas)


class UserCreateSchema(Schema):
    email = Email(required=True)
    name = text(200)
    password = ma.fields.String(required=True, load_only=True, validate=PASSWORD)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    locale = ma.fields.String(validate=LOCALE, load_default="en")
    branch_ids = ma.fields.List(ma.fields.Integer(), load_default=list)
    area_ids = ma.fields.List(ma.fields.Integer(), load_default=list)


class UserUpdateSchema(Schema):
    email = Email()
    name = text(200)
    password = ma.fields.String(load_only=True, validate=PASSWORD)
    role = ma.fields.Enum(Role, by_value=True)
    locale = ma.fields.String(validate=LOCALE)
    active = ma.fields.Boolean()
    branch_ids = ma.fields.List(ma.fields.Integer())
    area_ids = ma.fields.List(ma.fields.Integer())


class UserQueryArgsSchema(QueryArgsSchema):
    role = ma.fields.Enum(Role, by_value=True)
    active = ma.fields.Boolean()
    q = ma.fields.String(validate=ma.validate.Length(max=100))
