import marshmallow as ma

from server.api.smorest import QueryArgsSchema, Schema
from server.api.visits.schemas import VisitSchema
from server.services.flags import flags_for
from server.services.review import DECISIONS


class ReviewSchema(Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(DECISIONS)))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class FlagSchema(Schema):
    code = ma.fields.String()
    reason = ma.fields.String()
    params = ma.fields.Dict()


class QueueVisitSchema(VisitSchema):
    flags = ma.fields.Function(lambda visit: FlagSchema(many=True).dump(flags_for(visit)))


class ReviewQueueArgsSchema(QueryArgsSchema):
    branch_id = ma.fields.Integer()
    area_id = ma.fields.Integer()
    form = ma.fields.String()


class DecisionSchema(Schema):
    revision = ma.fields.Integer()
    decision = ma.fields.String()
    note = ma.fields.String()
    reviewer_id = ma.fields.Integer()
    reviewer_name = ma.fields.String(attribute="reviewer.name")
    decided_at = ma.fields.AwareDateTime()


class RevisionSchema(Schema):
    number = ma.fields.Integer()
    submitted_at = ma.fields.AwareDateTime()
    replaced_at = ma.fields.AwareDateTime()
    snapshot = ma.fields.Dict()


class HistorySchema(Schema):
    visit_id = ma.fields.Integer()
    current_revision = ma.fields.Integer()
    revisions = ma.fields.Nested(RevisionSchema, many=True)
    decisions = ma.fields.Nested(DecisionSchema, many=True)


class AuditLogEntrySchema(Schema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.Function(lambda entry: entry.actor.name if entry.actor else None)
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.Integer()
    note = ma.fields.String()
    details = ma.fields.Dict()


class AuditLogArgsSchema(QueryArgsSchema):
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.Integer()
    actor_id = ma.fields.Integer()
