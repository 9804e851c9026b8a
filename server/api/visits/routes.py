from flask import after_this_request, current_app
from flask.views import MethodView

from server.api.files import file_response
from server.api.smorest import Blueprint, SelectPage, current_user
from server.api.visits.schemas import (
    BranchVisitSchema,
    VisitCreateSchema,
    VisitQueryArgsSchema,
    VisitReportArgsSchema,
    VisitSchema,
)
from server.extensions import db, limiter
from server.models import NETWORK_ROLES, Role
from server.security import caller_key
from server.services import scorecards, visits

blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits", description="Audit visits")

BY_ROLE = {
    NETWORK_ROLES | {Role.AUDITOR}: VisitSchema,
    visits.BRANCH_STAFF: BranchVisitSchema,
}


def commit_keeping_loaded() -> None:
    """Commit without expiring what the request loaded and wrote: the response shows exactly
    that, and reading it all back would cost one SELECT per table. The session is expired
    once the response is made, as the commit would have done."""
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit
    if expire_on_commit:

        @after_this_request
        def expire(response):
            session.expire_all()
            return response


@blp.route("")
class VisitViews(MethodView):
    decorators = [
        limiter.limit(
            lambda: current_app.config["VISIT_SUBMISSION_LIMIT"],
            key_func=caller_key,
            methods=["POST"],
            error_message="Too many submissions; slow down.",
        )
    ]

    @blp.login_required()
    @blp.response_by_role(200, BY_ROLE, many=True)
    @blp.arguments(VisitQueryArgsSchema, location="query")
    @blp.paginate(SelectPage)
    def get(self, filters):
        """List the visits the caller may see (branch staff: approved ones, anonymous)"""
        return visits.list_visits(current_user(), filters)

    @blp.login_required(Role.AUDITOR)
    @blp.arguments(VisitCreateSchema)
    @blp.response(201, VisitSchema)
    @blp.alt_response(
        200,
        schema=VisitSchema,
        success=True,
        description="A replay: the visit stored earlier under this client_uuid",
    )
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(410, response="GONE")
    def post(self, data):
        """Submit a visit (safe to retry with the same client_uuid)"""
        submission = visits.submit_visit(current_user(), data)
        commit_keeping_loaded()
        return submission.visit, 201 if submission.created else 200


@blp.route("/<int:visit_id>")
class VisitByIdViews(MethodView):
    @blp.login_required()
    @blp.response_by_role(200, BY_ROLE)
    def get(self, visit_id):
        """One visit with answers, scores and photo links"""
        return visits.get_visit(current_user(), visit_id)

    @blp.login_required(Role.ADMIN, Role.HQ)
    @blp.response(204)
    def delete(self, visit_id):
        """Delete a visit for good (its client_uuid is never accepted again)"""
        visits.delete_visit(current_user(), visits.get_visit(current_user(), visit_id))
        db.session.commit()


@blp.route("/<int:visit_id>/report.pdf")
class VisitReportViews(MethodView):
    @blp.login_required()
    @blp.arguments(VisitReportArgsSchema, location="query")
    @blp.alt_response(200, description="The visit as a PDF (application/pdf)", success=True)
    def get(self, args, visit_id):
        """One visit as a PDF; the auditor is named only in HQ's version"""
        user = current_user()
        visit = visits.get_visit(user, visit_id)
        pdf, etag, filename = scorecards.visit_report_pdf(
            visit, args.get("lang"), with_auditor=user.sees_whole_network
        )
        return file_response(pdf, filename, "application/pdf", etag)
