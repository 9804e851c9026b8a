from flask.views import MethodView

from server.api.me.schemas import MeSchema
from server.api.smorest import Blueprint, current_user

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The calling user")


@blp.route("")
class MeViews(MethodView):
    @blp.login_required()
    @blp.response(200, MeSchema)
    def get(self):
        """The calling user, their role and scope"""
        return current_user()
