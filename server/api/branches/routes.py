from flask.views import MethodView

from server.api.branches.schemas import (
    BranchCreateSchema,
    BranchQueryArgsSchema,
    BranchSchema,
    BranchUpdateSchema,
    ScorecardArgsSchema,
)
from server.api.files import file_response
from server.api.smorest import Blueprint, SelectPage, current_user
from server.extensions import db
from server.models import Role
from server.services import branches, scorecards
from server.services.files import get_storage

blp = Blueprint(
    "branches", __name__, url_prefix="/api/v1/branches", description="The audited locations"
)

MANAGERS = (Role.ADMIN, Role.HQ)


@blp.route("")
class BranchViews(MethodView):
    @blp.login_required()
    @blp.arguments(BranchQueryArgsSchema, location="query")
    @blp.response(200, BranchSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """List the branches the caller may see"""
        return branches.list_branches(current_user(), filters)

    @blp.login_required(*MANAGERS)
    @blp.arguments(BranchCreateSchema)
    @blp.response(201, BranchSchema)
    def post(self, data):
        """Create a branch"""
        branch = branches.create_branch(data)
        db.session.commit()
        return branch


@blp.route("/<int:branch_id>")
class BranchByIdViews(MethodView):
    @blp.login_required()
    @blp.response(200, BranchSchema)
    def get(self, branch_id):
        """One branch (404 when outside the caller's scope)"""
        return branches.get_branch(current_user(), branch_id)

    @blp.login_required(*MANAGERS)
    @blp.arguments(BranchUpdateSchema)
    @blp.response(200, BranchSchema)
    def patch(self, changes, branch_id):
        """Change or deactivate a branch"""
        branch = branches.update_branch(branches.get_branch(current_user(), branch_id), changes)
        db.session.commit()
        return branch


@blp.route("/<int:branch_id>/scorecard.pdf")
class BranchScorecardViews(MethodView):
    @blp.login_required(Role.ADMIN, Role.HQ, Role.REGIONAL_MANAGER, Role.BRANCH_MANAGER)
    @blp.arguments(ScorecardArgsSchema, location="query")
    @blp.alt_response(200, description="The scorecard (application/pdf)", success=True)
    @blp.alt_response(304, description="Unchanged since the ETag sent in If-None-Match")
    def get(self, args, branch_id):
        """The branch's PDF scorecard for a month, quarter or year, in its language or ?lang="""
        branch = branches.get_branch(current_user(), branch_id)
        pdf = scorecards.ensure_scorecard(branch, args["period"], args.get("lang"), args["form"])
        db.session.commit()
        return file_response(get_storage().open(pdf.key), pdf.filename, "application/pdf", pdf.etag)
