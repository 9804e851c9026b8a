"""Visit schemas. Branch staff get BranchVisitSchema, which has no field about the auditor, the
device or the GPS fix at all: anonymity by construction, not by filtering."""

from zoneinfo import ZoneInfo

import marshmallow as ma
from flask import current_app, url_for

from audit_forms import display_percent
from server.api.fastdump import FastDumpSchema
from server.api.smorest import QueryArgsSchema, Schema
from server.models import Completeness, VisitStatus
from server.services.visits import missing_photo_ids
from server.validators import ExactDecimal, Moment, plausible_time

MAX_WAIT_SECONDS = 24 * 3600


class AnswerInSchema(Schema):
    value = ma.fields.Raw(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "yes/no/na, a number, an option key, seconds or text, by question type"
        },
    )
    comment = ma.fields.String(
        allow_none=True, load_default=None, validate=ma.validate.Length(max=4000)
    )
    photo_ids = ma.fields.List(
        ma.fields.Integer(strict=True), load_default=list, validate=ma.validate.Length(max=20)
    )


class GpsSchema(Schema):
    latitude = ma.fields.Float(required=True, validate=ma.validate.Range(-90, 90))
    longitude = ma.fields.Float(required=True, validate=ma.validate.Range(-180, 180))
    accuracy_m = ma.fields.Float(allow_none=True, validate=ma.validate.Range(0, 100_000))


class VisitContentSchema(Schema):
    """What an auditor reports of a visit: in a submission and in a corrected revision."""

    started_at = ma.fields.AwareDateTime(required=True, validate=plausible_time)
    ended_at = ma.fields.AwareDateTime(required=True, validate=plausible_time)
    waiting_seconds = ma.fields.Integer(
        strict=True, allow_none=True, validate=ma.validate.Range(0, MAX_WAIT_SECONDS)
    )
    answers = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=100)),
        values=ma.fields.Nested(AnswerInSchema),
        required=True,
        validate=ma.validate.Length(max=500),
    )
    gps = ma.fields.Nested(GpsSchema, allow_none=True)
    device = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    app_version = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=50))


class VisitCreateSchema(VisitContentSchema):
    client_uuid = ma.fields.UUID(
        required=True,
        metadata={"description": "Made by the phone once per visit; sending it again is safe"},
    )
    branch_id = ma.fields.Integer(required=True, strict=True)
    form_key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    form_version = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    assignment_id = ma.fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "The assignment this visit fulfils, if any"},
    )


class PhotoLinkSchema(FastDumpSchema):
    id = ma.fields.Integer()
    status = ma.fields.String(attribute="status.value")
    url = ma.fields.Method("_url")
    thumbnail_url = ma.fields.Method("_thumbnail_url")

    def _url(self, photo):
        return url_for("photos.PhotoContentViews", photo_id=photo.id)

    def _thumbnail_url(self, photo):
        return url_for("photos.PhotoThumbnailViews", photo_id=photo.id)


PHOTO_LINKS = PhotoLinkSchema(many=True)


def photos_by_question(visit) -> dict[str, list]:
    """The visit's photos grouped by question, once per visit (not once per answer). Kept with
    the photo list it was made from: a reloaded list (after an expiry) is grouped again."""
    photos = visit.photos
    made_from, grouped = visit.__dict__.get("_photos_by_question", (None, None))
    if made_from is not photos:
        grouped = {}
        for photo in photos:
            grouped.setdefault(photo.question_key, []).append(photo)
        visit.__dict__["_photos_by_question"] = (photos, grouped)
    return grouped


class AnswerSchema(FastDumpSchema):
    question_key = ma.fields.String()
    section_key = ma.fields.String()
    value = ma.fields.Raw()
    comment = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    earned = ExactDecimal(allow_none=True)
    possible = ExactDecimal(allow_none=True)
    photos = ma.fields.Method("_photos")

    def _photos(self, answer):
        return PHOTO_LINKS.dump(photos_by_question(answer.visit).get(answer.question_key, []))


class SectionScoreSchema(FastDumpSchema):
    section_key = ma.fields.String()
    weight = ExactDecimal()
    earned = ExactDecimal()
    possible = ExactDecimal()
    percent = ExactDecimal(allow_none=True)


class ScoreSchema(FastDumpSchema):
    percent = ExactDecimal(
        allow_none=True,
        attribute="score_percent",
        metadata={"description": "Exact, four decimal places"},
    )
    display = ma.fields.Function(lambda visit: display_percent(visit.score_percent))
    earned = ExactDecimal(attribute="score_earned")
    possible = ExactDecimal(attribute="score_possible")
    critical_failed = ma.fields.Boolean()


SCORE = ScoreSchema()  # made once: a schema instance costs more than its dump


class BranchRefSchema(FastDumpSchema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class FormRefSchema(FastDumpSchema):
    key = ma.fields.String()
    version = ma.fields.Integer()


def _visit_date(visit):
    return visit.started_at.astimezone(ZoneInfo(visit.branch.timezone)).date().isoformat()


def _staff_time(name):
    """Branch staff see the minute of a visit only when HQ allows it (else only its date)."""

    def value(visit):
        if current_app.config["BRANCH_STAFF_VISIT_TIME"] == "date":
            return None
        return getattr(visit, name).isoformat()

    return value


class BranchVisitSchema(FastDumpSchema):
    """What branch and regional managers see of an (approved) visit."""

    id = ma.fields.Integer()
    status = ma.fields.Enum(VisitStatus, by_value=True)
    branch = ma.fields.Nested(BranchRefSchema)
    form = ma.fields.Nested(FormRefSchema, attribute="form_version")
    visit_date = ma.fields.Function(
        _visit_date, metadata={"description": "The local date of the visit at the branch"}
    )
    started_at = ma.fields.Function(
        _staff_time("started_at"),
        allow_none=True,
        metadata={"description": "null when HQ shows branch staff only the date"},
    )
    ended_at = ma.fields.Function(_staff_time("ended_at"), allow_none=True)
    waiting_seconds = ma.fields.Integer(allow_none=True)
    score = ma.fields.Function(lambda visit: SCORE.dump(visit))
    sections = ma.fields.Nested(SectionScoreSchema, many=True, attribute="section_scores")
    answers = ma.fields.Nested(AnswerSchema, many=True)


def _review_note(visit):
    from server.services.review import latest_decision

    if visit.status == VisitStatus.SUBMITTED and visit.revision == 1:
        return None  # never decided yet: nothing to look up
    decision = latest_decision(visit)
    return decision.note if decision is not None and decision.note else None


class AuditorRefSchema(FastDumpSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class VisitSchema(BranchVisitSchema):
    """What the auditor who made it and HQ see."""

    started_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime()
    client_uuid = ma.fields.String()
    assignment_id = ma.fields.Integer(allow_none=True)
    revision = ma.fields.Integer()
    review_note = ma.fields.Function(
        _review_note,
        allow_none=True,
        metadata={"description": "The latest reviewer's note (e.g. why the visit was returned)"},
    )
    auditor = ma.fields.Nested(AuditorRefSchema)
    submitted_at = ma.fields.AwareDateTime()
    completeness = ma.fields.Enum(Completeness, by_value=True)
    missing_photo_ids = ma.fields.Function(missing_photo_ids)
    gps = ma.fields.Function(
        lambda visit: (
            None
            if visit.gps_latitude is None
            else {
                "latitude": visit.gps_latitude,
                "longitude": visit.gps_longitude,
                "accuracy_m": visit.gps_accuracy_m,
            }
        )
    )
    device = ma.fields.String(allow_none=True)
    app_version = ma.fields.String(allow_none=True)


class VisitQueryArgsSchema(QueryArgsSchema):
    branch_id = ma.fields.Integer()
    area_id = ma.fields.Integer(metadata={"description": "The area and every area below it"})
    form = ma.fields.String(metadata={"description": "Form key"})
    status = ma.fields.Enum(VisitStatus, by_value=True)
    completeness = ma.fields.Enum(Completeness, by_value=True)
    started_from = Moment(metadata={"description": "Inclusive"})
    started_to = Moment(metadata={"description": "Exclusive"})


class VisitRevisionCreateSchema(VisitContentSchema):
    revision_uuid = ma.fields.UUID(
        required=True,
        metadata={"description": "Made by the phone once per revision; sending it again is safe"},
    )


class VisitReportArgsSchema(Schema):
    lang = ma.fields.String(
        validate=ma.validate.OneOf(("en", "cs", "hu", "lt", "nb", "pl")),
        metadata={"description": "Language of the report (default: the branch's)"},
    )
