"""The app's one storage backend (made once per process in create_app)."""

from flask import Flask, current_app, url_for

from server.storage import Storage, storage_from_config


def init_storage(app: Flask) -> None:
    def upload_url_for(token: str) -> str:
        return url_for("storage_upload.upload", token=token, _external=True)

    app.extensions["storage"] = storage_from_config(app.config, upload_url_for)


def get_storage() -> Storage:
    return current_app.extensions["storage"]
