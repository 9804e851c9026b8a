from flask.views import MethodView

from server.api.health.schemas import HealthSchema
from server.api.smorest import Blueprint
from server.services import health

blp = Blueprint("health", __name__, url_prefix="/api/v1/health", description="Service health")


@blp.route("")
class HealthViews(MethodView):
    @blp.public
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Report whether the service and its database answer"""
        return health.check()
