from flask.views import MethodView

from server.api.areas.schemas import (
    AreaCreateSchema,
    AreaQueryArgsSchema,
    AreaSchema,
    AreaUpdateSchema,
)
from server.api.smorest import Blueprint, SelectPage, current_user
from server.extensions import db
from server.models import Role
from server.services import areas

blp = Blueprint("areas", __name__, url_prefix="/api/v1/areas", description="The tree of areas")

MANAGERS = (Role.ADMIN, Role.HQ)


@blp.route("")
class AreaViews(MethodView):
    @blp.login_required()
    @blp.arguments(AreaQueryArgsSchema, location="query")
    @blp.response(200, AreaSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """List the areas the caller may see"""
        return areas.list_areas(current_user(), filters)

    @blp.login_required(*MANAGERS)
    @blp.arguments(AreaCreateSchema)
    @blp.response(201, AreaSchema)
    def post(self, data):
        """Create an area"""
        area = areas.create_area(data["code"], data["name"], data["parent_id"])
        db.session.commit()
        return area


@blp.route("/<int:area_id>")
class AreaByIdViews(MethodView):
    @blp.login_required()
    @blp.response(200, AreaSchema)
    def get(self, area_id):
        """One area"""
        return areas.get_area(current_user(), area_id)

    @blp.login_required(*MANAGERS)
    @blp.arguments(AreaUpdateSchema)
    @blp.response(200, AreaSchema)
    def patch(self, changes, area_id):
        """Change or deactivate an area"""
        area = areas.update_area(areas.get_area(current_user(), area_id), changes)
        db.session.commit()
        return area
