from flask.views import MethodView

from server.api.branches.schemas import (
    BranchCreateSchema,
    BranchQueryArgsSchema,
    BranchSchema,
    BranchUpdateSchema,
)
from server.api.smorest import Blueprint, SelectPage, current_user
from server.extensions import db
from server.models import Role
from server.services import branches

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
