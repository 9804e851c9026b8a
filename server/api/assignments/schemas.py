import marshmallow as ma

from server.api.smorest import QueryArgsSchema, Schema
from server.api.visits.schemas import BranchRefSchema
from server.services.assignments import CANCELLED, DONE, EXPIRED, OPEN
from server.validators import Moment

MONTH = ma.validate.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="Use YYYY-MM, e.g. 2026-10.")
STATES = (OPEN, DONE, EXPIRED, CANCELLED)


class AssignmentSchema(Schema):
    id = ma.fields.Integer()
    plan_id = ma.fields.Integer(allow_none=True)
    branch = ma.fields.Nested(BranchRefSchema)
    form_key = ma.fields.String()
    auditor_id = ma.fields.Integer()
    window_start = Moment()
    window_end = Moment()
    scenario = ma.fields.String()
    state = ma.fields.String(metadata={"description": "open, done, expired or cancelled"})
    visit_id = ma.fields.Integer(allow_none=True)


class AssignmentCreateSchema(Schema):
    branch_id = ma.fields.Integer(required=True, strict=True)
    form_key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    auditor_id = ma.fields.Integer(required=True, strict=True)
    window_start = Moment(required=True)
    window_end = Moment(required=True)
    scenario = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class AssignmentUpdateSchema(Schema):
    auditor_id = ma.fields.Integer(strict=True)
    window_start = Moment()
    window_end = Moment()
    scenario = ma.fields.String(validate=ma.validate.Length(max=2000))
    cancelled = ma.fields.Boolean(validate=ma.validate.Equal(True))


class AssignmentQueryArgsSchema(QueryArgsSchema):
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
    auditor_id = ma.fields.Integer()
    branch_id = ma.fields.Integer()
    plan_id = ma.fields.Integer()
    window_from = Moment()
    window_to = Moment()


class PlanCreateSchema(Schema):
    area_id = ma.fields.Integer(required=True, strict=True)
    form_key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    visits_per_month = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(1, 10)
    )
    first_month = ma.fields.String(required=True, validate=MONTH)
    last_month = ma.fields.String(required=True, validate=MONTH)
    lockout_days = ma.fields.Integer(
        load_default=90, strict=True, validate=ma.validate.Range(0, 730)
    )
    scenario = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    dry_run = ma.fields.Boolean(load_default=False)


class UnassignedSchema(Schema):
    branch_id = ma.fields.Integer()
    branch_code = ma.fields.String()
    month = ma.fields.String()
    window_start = ma.fields.String()
    reason = ma.fields.String()


class PlanSchema(Schema):
    id = ma.fields.Integer(allow_none=True)
    dry_run = ma.fields.Boolean()
    assignments_created = ma.fields.Integer()
    assignments_by_auditor = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    unassigned = ma.fields.Nested(UnassignedSchema, many=True)
