from flask.views import MethodView

from server.api.smorest import Blueprint, SelectPage, current_user
from server.api.users.schemas import (
    UserCreateSchema,
    UserQueryArgsSchema,
    UserSchema,
    UserUpdateSchema,
)
from server.extensions import db
from server.models import Role
from server.services import users

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and their scope")

MANAGERS = (Role.ADMIN, Role.HQ)


@blp.route("")
class UserViews(MethodView):
    @blp.login_required(*MANAGERS)
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, filters):
        """List users"""
        return users.list_users(filters)

    @blp.login_required(*MANAGERS)
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Create a user with a role and a scope"""
        user = users.create_user(data, actor=current_user())
        db.session.commit()
        return user


@blp.route("/<int:user_id>")
class UserByIdViews(MethodView):
    @blp.login_required(*MANAGERS)
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user"""
        return users.get_user(user_id)

    @blp.login_required(*MANAGERS)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, changes, user_id):
        """Change, re-scope or deactivate a user"""
        user = users.update_user(users.get_user(user_id), changes, actor=current_user())
        db.session.commit()
        return user
