import marshmallow as ma

from server.api.smorest import QueryArgsSchema, Schema
from server.validators import CODE, COUNTRY, LOCALE, text, validate_timezone

LATITUDE = ma.validate.Range(min=-90, max=90)
LONGITUDE = ma.validate.Range(min=-180, max=180)
SCORE = ma.validate.Range(min=0, max=100)


class BranchAreaSchema(Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class BranchSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String()
    name = ma.fields.String()
    address = ma.fields.String()
    city = ma.fields.String()
    country = ma.fields.String()
    area = ma.fields.Nested(BranchAreaSchema)
    timezone = ma.fields.String()
    locale = ma.fields.String()
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    target_score = ma.fields.Float()
    active = ma.fields.Boolean()


class BranchWriteFields(Schema):
    code = ma.fields.String(validate=CODE)
    name = text(200)
    address = ma.fields.String(validate=ma.validate.Length(max=300))
    city = ma.fields.String(validate=ma.validate.Length(max=120))
    country = ma.fields.String(validate=COUNTRY)
    area_id = ma.fields.Integer()
    timezone = ma.fields.String(validate=validate_timezone)
    locale = ma.fields.String(validate=LOCALE)
    latitude = ma.fields.Float(allow_none=True, validate=LATITUDE)
    longitude = ma.fields.Float(allow_none=True, validate=LONGITUDE)
    # A float on the wire (documented with numeric bounds); stored as NUMERIC(5, 2).
    target_score = ma.fields.Float(validate=SCORE, allow_nan=False)
    active = ma.fields.Boolean()


class BranchCreateSchema(BranchWriteFields):
    code = ma.fields.String(required=True, validate=CODE)
    name = text(200, required=True)
    country = ma.fields.String(required=True, validate=COUNTRY)
    area_id = ma.fields.Integer(required=True)
    timezone = ma.fields.String(required=True, validate=validate_timezone)
    locale = ma.fields.String(required=True, validate=LOCALE)


class BranchUpdateSchema(BranchWriteFields):
    pass


class BranchQueryArgsSchema(QueryArgsSchema):
    area_id = ma.fields.Integer(metadata={"description": "The area and every area below it"})
    country = ma.fields.String(validate=COUNTRY)
    active = ma.fields.Boolean()
    q = ma.fields.String(
        validate=ma.validate.Length(max=100),
        metadata={"description": "Search in name, code and city"},
    )


class ScorecardArgsSchema(Schema):
    period = ma.fields.String(
        required=True,
        metadata={"description": "2026-10 (month), 2026-Q4 (quarter) or 2026 (year)"},
        validate=ma.validate.Regexp(
            r"^20\d{2}(-(0[1-9]|1[0-2])|-Q[1-4])?$",
            error="Use 2026-10, 2026-Q4 or 2026 (years 2000-2099).",
        ),
    )
    lang = ma.fields.String(
        validate=LOCALE,
        metadata={"description": "Language of the scorecard (default: the branch's)"},
    )
    form = ma.fields.String(load_default="branch-visit", validate=ma.validate.Length(max=100))
