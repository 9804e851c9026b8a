"""Pages for people. Until the web app lands, the front door leads to the API documentation."""

from flask import Blueprint, redirect, url_for

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    return redirect(url_for("api-docs.openapi_swagger_ui"))
