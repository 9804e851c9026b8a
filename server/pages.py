"""The web app for people: one HTML shell, its service worker and manifest, and static/.

The files live in the repository's top-level `static/` folder, found relative to this file: the
project is installed editable (`pip install -e .`), so `server/../static` is the checkout's folder.
Everything is plain files (ES modules, CSS, JSON catalogs); there is no build step.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, send_from_directory

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SHELL = "app.html"
SERVICE_WORKER = "sw.js"
# The line in sw.js that the server fills with this build's version and file list.
BUILD_PLACEHOLDER = '{"version": "dev", "files": []}'

bp = Blueprint("pages", __name__)


@bp.record_once
def serve_static_folder(state) -> None:
    """Point the app's own /static/ route at the top-level static/ folder: Flask registers that
    route before any blueprint (for server/static, which does not exist), so it must serve ours."""
    state.app.static_folder = str(STATIC_DIR)


@bp.get("/")
def index() -> Response:
    response = send_from_directory(STATIC_DIR, SHELL, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from the root so that its scope is the whole app."""
    build = _build() if not current_app.debug else _build.__wrapped__()
    text = (STATIC_DIR / SERVICE_WORKER).read_text(encoding="utf-8")
    text = text.replace(BUILD_PLACEHOLDER, json.dumps(build), 1)
    response = Response(text, mimetype="text/javascript")
    # Browsers check for a new worker on every navigation; never let a cache hide one.
    response.headers["Cache-Control"] = "no-cache, max-age=0"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    response = send_from_directory(
        STATIC_DIR, "manifest.webmanifest", mimetype="application/manifest+json", max_age=0
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=()"
    return response


def content_security_policy() -> str:
    """Scripts, styles and workers from this origin only; no inline code anywhere."""
    connect = ["'self'"]
    storage = _storage_origin()
    if storage:
        connect.append(storage)  # presigned uploads and short-lived photo links
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "connect-src": connect,
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _storage_origin() -> str | None:
    config = current_app.config
    if not config.get("S3_BUCKET"):
        return None  # local storage: uploads go to this app itself
    endpoint = config.get("S3_PUBLIC_ENDPOINT_URL") or config.get("S3_ENDPOINT_URL")
    if not endpoint:
        return "https://*.amazonaws.com"
    parts = urlsplit(endpoint)
    host = parts.netloc
    # Virtual-hosted addressing puts the bucket in front of the host name.
    return f"{parts.scheme}://{host} {parts.scheme}://*.{host}"


@cache
def _build() -> dict[str, object]:
    """The files the service worker keeps for offline use, and a version that changes with
    any of them (so that a changed file reaches phones on their next visit)."""
    digest = hashlib.sha256()
    files = []
    for path in sorted(STATIC_DIR.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.name == SERVICE_WORKER:
            continue
        relative = path.relative_to(STATIC_DIR).as_posix()
        digest.update(relative.encode())
        digest.update(path.read_bytes())
        if relative != SHELL and relative != "manifest.webmanifest":
            files.append("/static/" + relative)
    digest.update((STATIC_DIR / SERVICE_WORKER).read_bytes())
    return {"version": digest.hexdigest()[:16], "files": ["/", "/manifest.webmanifest", *files]}
