from datetime import timedelta

from flask import current_app, g, request
from flask.views import MethodView

from server.api.auth.schemas import TokenCreateSchema, TokenSchema
from server.api.smorest import Blueprint
from server.extensions import db, limiter
from server.services import auth

TOO_MANY_FAILURES = "Too many failed log-ins; wait before trying again (see Retry-After)."

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in and out")


def _login_email() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"login-email:{str(email).strip().lower()}" if email else "login-email:"


def _login_failed(response) -> bool:
    return response.status_code == 401


@blp.route("/token")
class TokenViews(MethodView):
    decorators = [
        # Only failed logins count, per account and per address; the limit answers 429.
        limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
            key_func=_login_email,
            deduct_when=_login_failed,
            methods=["POST"],
            error_message=TOO_MANY_FAILURES,
        ),
        limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
            deduct_when=_login_failed,
            methods=["POST"],
            error_message=TOO_MANY_FAILURES,
        ),
    ]

    @blp.public
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, credentials):
        """Log in: exchange e-mail and password for a bearer token"""
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        raw, token = auth.issue_token(credentials["email"], credentials["password"], ttl)
        db.session.commit()
        return {"token": raw, "expires_at": token.expires_at, "user": token.user}

    @blp.login_required()
    @blp.response(204)
    def delete(self):
        """Log out: revoke the token of this request"""
        auth.revoke_token(g.current_token)
        db.session.commit()
