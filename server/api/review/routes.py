from flask.views import MethodView

from server.api.review.schemas import (
    AuditLogArgsSchema,
    AuditLogEntrySchema,
    HistorySchema,
    QueueVisitSchema,
    ReviewQueueArgsSchema,
    ReviewSchema,
)
from server.api.smorest import Blueprint, SelectPage, current_user
from server.api.visits.schemas import VisitRevisionCreateSchema, VisitSchema
from server.extensions import db
from server.models import Role
from server.services import audit_log, review, visits

blp = Blueprint(
    "review",
    __name__,
    url_prefix="/api/v1",
    description="QA review before release, and the audit log",
)

REVIEWERS = (Role.ADMIN, Role.HQ)


@blp.route("/review-queue")
class ReviewQueueViews(MethodView):
    @blp.login_required(*REVIEWERS)
    @blp.arguments(ReviewQueueArgsSchema, location="query")
    @blp.response(200, QueueVisitSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """Submitted visits waiting for review, oldest first, with QA flags"""
        return review.review_queue(filters)


@blp.route("/visits/<int:visit_id>/review")
class VisitReviewViews(MethodView):
    @blp.login_required(*REVIEWERS)
    @blp.arguments(ReviewSchema)
    @blp.response(200, VisitSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, visit_id):
        """Approve, return (with a note) or reject a submitted visit"""
        visit = visits.get_visit(current_user(), visit_id)
        review.decide(current_user(), visit, data["decision"], data["note"])
        db.session.commit()
        return visit


@blp.route("/visits/<int:visit_id>/revisions")
class VisitRevisionViews(MethodView):
    @blp.login_required(Role.AUDITOR)
    @blp.arguments(VisitRevisionCreateSchema)
    @blp.response(201, VisitSchema)
    @blp.alt_response(
        200, schema=VisitSchema, success=True, description="A replay of the same revision"
    )
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, visit_id):
        """Submit a corrected revision of a returned visit (safe to retry)"""
        visit = visits.get_visit(current_user(), visit_id)
        visit, created = review.submit_revision(current_user(), visit, data)
        db.session.commit()
        return visit, 201 if created else 200


@blp.route("/visits/<int:visit_id>/history")
class VisitHistoryViews(MethodView):
    @blp.login_required(*REVIEWERS)
    @blp.response(200, HistorySchema)
    def get(self, visit_id):
        """Earlier revisions and every review decision of a visit"""
        return review.history(visits.get_visit(current_user(), visit_id))


@blp.route("/audit-log")
class AuditLogViews(MethodView):
    @blp.login_required(*REVIEWERS)
    @blp.arguments(AuditLogArgsSchema, location="query")
    @blp.response(200, AuditLogEntrySchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """Who did what, newest first"""
        return audit_log.list_entries(filters)
