from collections import Counter

from flask.views import MethodView

from server.api.assignments.schemas import (
    AssignmentCreateSchema,
    AssignmentQueryArgsSchema,
    AssignmentSchema,
    AssignmentUpdateSchema,
    PlanCreateSchema,
    PlanSchema,
)
from server.api.smorest import Blueprint, SelectPage, current_user
from server.extensions import db
from server.models import Role
from server.services import assignments

blp = Blueprint(
    "assignments",
    __name__,
    url_prefix="/api/v1",
    description="Visit plans (never shown to branch staff)",
)

PLANNERS = (Role.ADMIN, Role.HQ)
READERS = (Role.ADMIN, Role.HQ, Role.AUDITOR)


@blp.route("/assignments")
class AssignmentViews(MethodView):
    @blp.login_required(*READERS)
    @blp.arguments(AssignmentQueryArgsSchema, location="query")
    @blp.response(200, AssignmentSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """List assignments (auditors: their own)"""
        return assignments.list_assignments(current_user(), filters)

    @blp.login_required(*PLANNERS)
    @blp.arguments(AssignmentCreateSchema)
    @blp.response(201, AssignmentSchema)
    def post(self, data):
        """Create one assignment"""
        assignment = assignments.create_assignment(current_user(), data)
        db.session.commit()
        return assignment


@blp.route("/assignments/<int:assignment_id>")
class AssignmentByIdViews(MethodView):
    @blp.login_required(*READERS)
    @blp.response(200, AssignmentSchema)
    def get(self, assignment_id):
        """One assignment"""
        return assignments.get_assignment(current_user(), assignment_id)

    @blp.login_required(*PLANNERS)
    @blp.arguments(AssignmentUpdateSchema)
    @blp.response(200, AssignmentSchema)
    def patch(self, changes, assignment_id):
        """Change or cancel an open assignment"""
        assignment = assignments.get_assignment(current_user(), assignment_id)
        assignments.update_assignment(current_user(), assignment, changes)
        db.session.commit()
        return assignment


@blp.route("/visit-plans")
class PlanViews(MethodView):
    @blp.login_required(*PLANNERS)
    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    def post(self, data):
        """Plan N visits a month for every active branch of an area, honouring the lockout"""
        dry_run = data.pop("dry_run")
        result = assignments.create_plan(current_user(), data, dry_run=dry_run)
        db.session.commit()
        by_auditor = Counter(str(a.auditor_id) for a in result.assignments)
        return {
            "id": result.plan.id if result.plan else None,
            "dry_run": dry_run,
            "assignments_created": len(result.assignments),
            "assignments_by_auditor": dict(by_auditor),
            "unassigned": result.unassigned,
        }
