"""The Flask application, built by create_app() from a config class, the environment, a mapping."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from server import config as config_module
from server.json_provider import OrjsonProvider


class DatabaseIntegerConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's own name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.json = OrjsonProvider(app)
    # Ids beyond the database's integer range cannot exist: routing answers 404 for them.
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.config.from_object(config_module.Config)
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    config_module.finalise(app.config, app.instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from server import cli, errors, extensions, pages, security
    from server.api import register_api
    from server.services import files

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app,
        extensions.db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
    )
    extensions.limiter.init_app(app)
    files.init_storage(app)
    register_api(app)
    app.register_blueprint(pages.bp)
    errors.register(app)
    security.register(app)
    cli.register(app)
    return app
