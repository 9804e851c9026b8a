"""The HTTP API under /api/v1."""

from __future__ import annotations

from flask import Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from server.api.smorest import Api
from server.validators import ExactDecimal

BLUEPRINTS = (
    "health",
    "auth",
    "me",
    "areas",
    "branches",
    "users",
    "forms",
    "visits",
    "photos",
    "assignments",
    "review",
    "comparison",
)


def register_api(app: Flask) -> Api:
    from importlib import import_module

    api = Api(app)
    api.register_field(ExactDecimal, "string", "decimal")
    for name in BLUEPRINTS:
        api.register_blueprint(import_module(f"server.api.{name}.routes").blp)

    from server.api import storage_upload

    app.register_blueprint(storage_upload.bp)

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str):
        return send_from_directory(swagger_ui_path, filename)

    return api
